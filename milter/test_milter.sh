#!/bin/sh
# test_milter.sh - route-milter at milter level: the real binary against a
# scratch store, driven over its socket by milter/test_milter.py (and
# miltertest).  Prints TAP; needs top_builddir (set by "make check").
here=$(dirname "$0")
exec /usr/bin/python3 "${top_srcdir:-$here/..}/milter/test_milter.py"
