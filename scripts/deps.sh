#!/bin/sh
# deps.sh - install from Debian's archive everything route-milter needs to
# build, test and run its demo.  Run as root on Debian 12.  Idempotent.
set -eu
export DEBIAN_FRONTEND=noninteractive

pkgs="autoconf automake libtool pkg-config make gcc
 libmilter-dev libconfig-dev libsqlite3-dev libidn2-dev
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
