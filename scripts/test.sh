#!/bin/sh
# test.sh - install what is needed, build and run the whole test suite.
# Usage: scripts/test.sh [--sanitizers]   (run as root: the end-to-end
# tests start private Postfix instances).  Prints "N passed, N failed" last.
set -eu
top=$(cd "$(dirname "$0")/.." && pwd)
build="$top/_build"
confflags=
case "${1:-}" in
--sanitizers) confflags=--enable-sanitizers; build="$top/_build-san" ;;
"") ;;
*) echo "usage: $0 [--sanitizers]" >&2; exit 2 ;;
esac

"$top/scripts/deps.sh"
mkdir -p "$build"
log="$build/build.log"
# step - run a build step quietly; on failure show why and stop.
step() {
	"$@" >>"$log" 2>&1 || {
		echo "test.sh: '$*' failed; the end of $log:" >&2
		tail -n 40 "$log" >&2
		exit 1
	}
}
: >"$log"
cd "$top" && step autoreconf -fi
cd "$build" && step "$top/configure" $confflags
step make -j"$(nproc)"

status=0
make -j"$(nproc)" check || status=$?

# Sum the TAP test points of every test log into one closing line.
sum() { sed -n "s/^# $1: *\([0-9]*\)$/\1/p" test-suite.log | head -n 1; }
pass=$(sum PASS); fail=$(sum FAIL); err=$(sum ERROR); xpass=$(sum XPASS)
skip=$(sum SKIP)
[ "$status" -eq 0 ] || cat test-suite.log | grep -E '^(not ok|# )' | head -n 60
echo "${pass:-0} passed, $(( ${fail:-0} + ${err:-0} + ${xpass:-0} )) failed, ${skip:-0} skipped"
exit "$status"
