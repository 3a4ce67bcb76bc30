#!/bin/sh
# test_cli_store.sh - milter-ctl refuses a malformed request before it opens
# the store, so a typing mistake never creates a store file; and "test"
# agrees with the milter on malformed recipients (553 only in a domain that
# is routed, else not routed).  Prints TAP.  Needs $top_builddir.

name=test_cli_store
# shellcheck source=ctl/test_lib.sh
. "$(dirname "$0")/test_lib.sh"

# no_store DESC REASON ARGS... - refused (exit 1, one line naming REASON)
# and no store file created.
no_store() {
	desc=$1 reason=$2
	shift 2
	run "$@"
	if [ "$rc" -eq 1 ] && [ ! -e "$tmp/routes.db" ] &&
	    [ "$(wc -l <"$tmp/err")" -eq 1 ] && grep -qF -- "$reason" "$tmp/err"
	then
		ok "$desc"
	else
		notok "$desc"
	fi
}

no_store "domain add of a bad name: refused, no store created" \
    "bad domain" domain add "bad domain"
no_store "domain remove of a bad name: refused, no store created" \
    "bad domain" domain remove "bad domain"
no_store "domain set of a bad name: refused, no store created" \
    "bad domain" domain set "bad domain" enabled yes
no_store "domain set of an unknown setting: refused, no store created" \
    'milter-ctl: unknown domain setting "colour" (use enabled, unknown or subaddress)' \
    domain set example.com colour blue
no_store "domain set of a bad value: refused, no store created" \
    'milter-ctl: domain setting enabled takes yes or no, not "maybe"' \
    domain set example.com enabled maybe
no_store "domain set unknown of a bad value: refused, no store created" \
    'milter-ctl: domain setting unknown takes pass or reject, not "Pass"' \
    domain set example.com unknown Pass
no_store "dest add of a non-address: refused, no store created" \
    "not a mailbox" dest add postmaster
no_store "dest verify of a malformed address: refused, no store created" \
    "<<x@example.com" dest verify "<<x@example.com"
no_store "dest remove of the null path: refused, no store created" \
    "not a mailbox" dest remove "<>"
no_store "test of the null path: refused, no store created" \
    "null path" test "<>"
no_store "test with a bad --from: refused, no store created" \
    "sender" test info@example.com --from "<<bad"

run domain add example.com
[ "$rc" -eq 0 ] && [ -e "$tmp/routes.db" ] &&
    ok "domain add of a good name creates the store" ||
    notok "domain add of a good name creates the store"

long="reply+$(printf 'A%.0s' $(seq 80))"
run test "$long@example.org"
[ "$rc" -eq 0 ] && grep -qx "action: not-routed" "$tmp/out" &&
    grep -q "domain example.org is not routed" "$tmp/out" &&
    ok "test: malformed address in another domain is not routed" ||
    notok "test: malformed address in another domain is not routed"
run test "$long@Example.COM."
[ "$rc" -eq 1 ] && grep -q "longer than 64" "$tmp/err" &&
    ok "test: malformed address in a routed domain is refused" ||
    notok "test: malformed address in a routed domain is refused"
run test "$long@example.org" --json
[ "$rc" -eq 0 ] && grep -q '"action": *"not-routed"' "$tmp/out" &&
    ok "test --json: the same decision" ||
    notok "test --json: the same decision"

done_testing
