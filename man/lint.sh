#!/bin/sh
# lint.sh - every manual page must be mandoc -Tlint clean (one TAP point each).
n=0; fail=0
for page in route-milter.8 milter-ctl.8 route-milter.conf.5; do
	n=$((n + 1))
	f="$top_builddir/man/$page"
	if ! command -v mandoc >/dev/null 2>&1; then
		echo "ok $n - $page # SKIP mandoc not installed"
		continue
	fi
	out=$(mandoc -Tlint -W warning "$f" 2>&1)
	if [ -z "$out" ]; then
		echo "ok $n - $page lints clean"
	else
		echo "not ok $n - $page"; echo "$out" | sed 's/^/# /'
		fail=1
	fi
done
echo "1..$n"
exit $fail
