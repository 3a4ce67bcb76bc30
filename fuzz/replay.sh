#!/bin/bash
# replay.sh - the checked-in fuzz seeds as a regression test: each seed is
# replayed through its target by fuzz/replay_TARGET (built with the usual
# compiler, no libFuzzer), one TAP point per seed, then each corpus once
# more in one process, as libFuzzer runs it.  A broken check aborts and
# shows here as "not ok" with the target's message.
top_srcdir=${top_srcdir:-$(cd "$(dirname "$0")/.." && pwd)}
top_builddir=${top_builddir:-.}
n=0
failed=0

# point OK DESC - print one TAP result.
point() {
	n=$((n + 1))
	if [ "$1" -eq 0 ]; then
		echo "ok $n - $2"
	else
		echo "not ok $n - $2"
		failed=1
	fi
}

# replay TARGET ARG - run the target's replay program on ARG; on failure
# show its last lines as TAP comments.
replay() {
	local out rc
	out=$("$top_builddir/fuzz/replay_$1" "$2" 2>&1)
	rc=$?
	[ "$rc" -eq 0 ] || printf '%s\n' "$out" | tail -n 5 | sed 's/^/# /'
	return "$rc"
}

for target in addr lookup config srs proto; do
	corpus="$top_srcdir/fuzz/corpus/$target"
	for seed in "$corpus"/*; do
		replay "$target" "$seed"
		point $? "$target: ${seed##*/}"
	done
	replay "$target" "$corpus"
	point $? "$target: whole corpus in one process"
done
echo "1..$n"
exit "$failed"
