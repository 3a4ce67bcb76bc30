#!/bin/sh
# deps.sh - install from Debian's archive everything route-milter needs to
# build, test and run its demo.  Run as root on Debian 12.  Idempotent.
set -eu
export DEBIAN_FRONTEND=noninteractive

pkgs="autoconf automake libtool pkg-config make gcc
 libmilter-dev libconfig-dev libsqlite3-dev libidn2-dev libssl-dev
 postfix swaks miltertest mandoc sqlite3 python3 python3-aiosmtpd
 iproute2 util-linux procps"

missing=
for p in $pkgs; do
	dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q 'ok installed' ||
	    missing="$missing $p"
done
if [ -n "$missing" ]; then
	# Postfix must not configure itself as the system's mail server: the
	# tests and the demo run private instances only.
	echo "postfix postfix/main_mailer_type select No configuration" |
	    debconf-set-selections
	apt-get update -q
	apt-get install -y -q --no-install-recommends $missing
fi

# postsrsd is only the yardstick the SRS tests and bench/srs compare
# against.  Installing its package would start it as a system service on
# ports 10001 and 10002, so its binary (which needs only libc) is unpacked
# into a directory of its own instead; the tests start private instances.
postsrsd_root=${ROUTE_TEST_TOOLS:-/var/lib/route-milter-test}/postsrsd
if [ ! -x "$postsrsd_root/usr/sbin/postsrsd" ]; then
	tmp=$(mktemp -d)
	(cd "$tmp" && apt-get download -q postsrsd 2>/dev/null) || {
		apt-get update -q
		(cd "$tmp" && apt-get download -q postsrsd)
	}
	mkdir -p "$postsrsd_root"
	dpkg-deb -x "$tmp"/postsrsd_*.deb "$postsrsd_root"
	rm -rf "$tmp"
fi
