#!/bin/sh
# lint.sh - every manual page must be mandoc -Tlint clean (one TAP point each).
n=0; fail=0
for f in "$top_builddir"/man/*.[0-9]; do
	n=$((n + 1))
	page=${f##*/}
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
