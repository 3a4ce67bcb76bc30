# test_lib.sh - what the milter-ctl test scripts share, sourced by each
# after it sets name: a scratch directory with a config naming a SQLite
# store in it (removed on exit), the TAP counters and ok/notok, run, has,
# and done_testing for the plan.  Needs $top_builddir.

# shellcheck shell=sh
set -u
bin="${top_builddir:?}/ctl/milter-ctl"
tmp=$(mktemp -d "${TMPDIR:-/tmp}/${name:?}.XXXXXX") || exit 99
trap 'rm -rf "$tmp"' EXIT
conf="$tmp/route-milter.conf"
printf 'store = "sqlite:%s/routes.db";\n' "$tmp" >"$conf"

n=0
fail=0
rc=0

ok() {
	n=$((n + 1))
	echo "ok $n - $1"
}

# notok DESC - a failed test point, with the last run's exit code and output.
notok() {
	n=$((n + 1))
	echo "not ok $n - $1"
	fail=1
	echo "# exit $rc"
	sed 's/^/# out: /' "$tmp/out"
	sed 's/^/# err: /' "$tmp/err"
}

# run ARGS... - milter-ctl with the scratch config; sets rc, out, err files.
run() {
	"$bin" -c "$conf" "$@" >"$tmp/out" 2>"$tmp/err"
	rc=$?
}

# has FILE LINE - FILE has LINE, with runs of blanks squeezed to one space.
has() {
	tr -s ' ' <"$1" | grep -qxF -- "$2"
}

# done_testing - print the plan; the script's exit status.
done_testing() {
	echo "1..$n"
	exit $fail
}
