#!/bin/bash
# bench/srs.sh - runs bench/srs against a private postsrsd: a secrets file
# (mode 0600) in a scratch directory, postsrsd on loopback with the same
# secret and SRS domain (in a network namespace of its own when possible,
# else on free ports), then the benchmark, then postsrsd stopped by its
# pid.  Without the unpacked postsrsd ($POSTSRSD) only libroute's figures
# are printed.  "make bench-srs" runs it; by hand:
# top_builddir=BUILD bench/srs.sh.  Exit status: bench/srs's.

[ -n "${BASH_VERSION:-}" ] || exec bash "$0" "$@"
set -u

bench_dir=$(cd "$(dirname "$0")" && pwd)
: "${top_srcdir:=$(cd "$bench_dir/.." && pwd)}"
: "${top_builddir:=$PWD}"
POSTSRSD=${POSTSRSD:-/var/lib/route-milter-test/postsrsd/usr/sbin/postsrsd}
BENCH="$top_builddir/bench/srs"
DOMAIN=srs.example.net

[ -x "$BENCH" ] || { echo "bench/srs.sh: build first (no $BENCH)" >&2; exit 1; }

export PATH="$PATH:/usr/sbin:/sbin"
if [ -x "$POSTSRSD" ] && [ -z "${SRS_IN_NS:-}" ] &&
    [ -z "${SRS_NO_NS:-}" ] && command -v ip >/dev/null 2>&1 &&
    unshare --net true 2>/dev/null; then
	SRS_IN_NS=1 exec unshare --net -- bash "$0" "$@"
fi
if [ -n "${SRS_IN_NS:-}" ]; then
	ip link set lo up || { echo "bench/srs.sh: no loopback" >&2; exit 1; }
	FWD=10001 REV=10002
else
	mapfile -t ports < <(/usr/bin/python3 -c '
import socket
ss = [socket.socket() for _ in range(2)]
for s in ss: s.bind(("127.0.0.1", 0))
for s in ss: print(s.getsockname()[1])')
	FWD=${ports[0]} REV=${ports[1]}
fi

tmp=$(mktemp -d "${TMPDIR:-/tmp}/bench-srs.XXXXXX") || exit 1
pid=""
cleanup() {
	[ -z "$pid" ] || { kill -TERM "$pid" 2>/dev/null && wait "$pid"; }
	rm -rf "$tmp"
}
trap cleanup EXIT
printf 'bench secret %s\n' "$$" >"$tmp/secrets"
chmod 600 "$tmp/secrets"

if [ ! -x "$POSTSRSD" ]; then
	echo "bench/srs.sh: no postsrsd at $POSTSRSD (run scripts/deps.sh):" \
	    "libroute only"
	"$BENCH" "$tmp/secrets" "$DOMAIN"
	exit $?
fi

"$POSTSRSD" -4 -s "$tmp/secrets" -d "$DOMAIN" -l 127.0.0.1 -f "$FWD" \
    -r "$REV" >"$tmp/postsrsd.log" 2>&1 &
pid=$!
for _ in $(seq 50); do
	(exec 3<>"/dev/tcp/127.0.0.1/$REV") 2>/dev/null && break
	sleep 0.1
done
echo "baseline: postsrsd $("$POSTSRSD" -v) on 127.0.0.1:$FWD (forward)" \
    "and :$REV (reverse), $(nproc) CPUs"
"$BENCH" "$tmp/secrets" "$DOMAIN" "$FWD" "$REV"
exit $?
