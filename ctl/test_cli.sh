#!/bin/sh
# test_cli.sh - milter-ctl as a person or a script uses it: the built binary
# against a scratch SQLite store, checking what is printed, the exit codes
# (0 done, 1 refused, 2 system error), that a refused request changes
# nothing, that --json output parses, and that the audit names the user.
# Prints TAP.  Needs $top_builddir (and /usr/bin/python3 for the JSON checks).

# shellcheck disable=SC2015
name=test_cli
# shellcheck source=ctl/test_lib.sh
. "$(dirname "$0")/test_lib.sh"
py=/usr/bin/python3
me=$(id -un)

# is DESC RC LINE ARGS... - exit code RC and LINE on stdout ("" for none).
is() {
	desc=$1 want_rc=$2 want=$3
	shift 3
	run "$@"
	if [ "$rc" -eq "$want_rc" ] && { [ -z "$want" ] || has "$tmp/out" "$want"; }; then
		ok "$desc"
	else
		notok "$desc"
	fi
}

# added DESC WHAT ARGS... - a rule add that prints "added rule ID: WHAT";
# sets id.
added() {
	desc=$1 what=$2
	shift 2
	run rule add "$@"
	id=$(sed -n 's/^added rule \([0-9][0-9]*\): .*/\1/p' "$tmp/out")
	if [ "$rc" -eq 0 ] && [ -n "$id" ] && has "$tmp/out" "added rule $id: $what"; then
		ok "$desc"
	else
		notok "$desc"
		id=0
	fi
}

# snapshot - everything a change could touch, as text.
snapshot() {
	for what in "domain list" "dest list" "rule list" "audit"; do
		# shellcheck disable=SC2086
		"$bin" -c "$conf" $what 2>&1
	done
}

# refused DESC REASON ARGS... - exit 1, one line "milter-ctl: ...REASON..."
# on stderr, nothing on stdout, and the store exactly as it was.
refused() {
	desc=$1 reason=$2
	shift 2
	before=$(snapshot)
	run "$@"
	after=$(snapshot)
	line=$(cat "$tmp/err")
	if [ "$rc" -eq 1 ] && [ "$(wc -l <"$tmp/err")" -eq 1 ] &&
	    [ ! -s "$tmp/out" ] && [ "$before" = "$after" ]; then
		case "$line" in
		"milter-ctl: "*"$reason"*) ok "$desc"; return ;;
		esac
	fi
	notok "$desc"
	[ "$before" = "$after" ] || echo "# the store changed"
}

# unchanged DESC ARGS... - exit 0, and the store exactly as it was (no
# audit row either): a change to what is there already.
unchanged() {
	desc=$1
	shift
	before=$(snapshot)
	run "$@"
	after=$(snapshot)
	if [ "$rc" -eq 0 ] && [ "$before" = "$after" ]; then
		ok "$desc"
	else
		notok "$desc"
		[ "$before" = "$after" ] || echo "# the store changed"
	fi
}

# syserr DESC CONF ARGS... - exit 2 with one "milter-ctl: " line.
syserr() {
	desc=$1 c=$2
	shift 2
	"$bin" -c "$c" "$@" >"$tmp/out" 2>"$tmp/err"
	rc=$?
	if [ "$rc" -eq 2 ] && [ "$(wc -l <"$tmp/err")" -eq 1 ] &&
	    grep -q '^milter-ctl: ' "$tmp/err"; then
		ok "$desc"
	else
		notok "$desc"
	fi
}

# json DESC PYTHON ARGS... - stdout parses as JSON and PYTHON's asserts on
# it (the value is "d") hold.
json() {
	desc=$1 code=$2
	shift 2
	run "$@"
	if [ ! -x "$py" ]; then
		ok "$desc # SKIP no $py"
		return
	fi
	if [ "$rc" -eq 0 ] && "$py" -c "import json, os, sys
d = json.load(open(sys.argv[1], encoding='utf-8'))
$code" "$tmp/out" 2>"$tmp/py"; then
		ok "$desc"
	else
		notok "$desc"
		sed 's/^/# python: /' "$tmp/py"
	fi
}

# --- usage: checked before anything is opened --------------------------
run -h
missing=
for c in "domain add" "domain list" "domain set" "domain remove" \
    "dest add" "dest list" "dest verify" "dest remove" "rule add" \
    "rule list" "rule remove" "rule enable" "rule disable" "test" "audit"; do
	grep -qF "milter-ctl [-c FILE] $c " "$tmp/out" || missing="$missing $c"
done
if [ "$rc" -eq 0 ] && [ -z "$missing" ]; then ok "-h lists every command"
else notok "-h lists every command (missing:$missing)"; fi

run -V
if [ "$rc" -eq 0 ] && grep -q '^milter-ctl [0-9]' "$tmp/out"; then
	ok "-V prints the version"
else notok "-V prints the version"; fi

run
if [ "$rc" -eq 1 ] && grep -q '^usage: ' "$tmp/err"; then
	ok "no command: usage on stderr, exit 1"
else notok "no command: usage on stderr, exit 1"; fi

for args in "frobnicate" "rule frob" "domain" "domain list --yaml" \
    "domain add" "rule add info@example.com forward" \
    "rule add info@example.com drop extra" \
    "rule add info@example.com reject two texts" \
    "rule add info@example.com teleport x@y.example" \
    "rule add a@example.com drop --priority soon" \
    "domain add example.com --unknown maybe" "audit --limit -1" \
    "test --json"; do
	# shellcheck disable=SC2086
	run $args
	if [ "$rc" -eq 1 ] && grep -q '^milter-ctl: ' "$tmp/err" &&
	    grep -q 'usage: ' "$tmp/err" && [ ! -s "$tmp/out" ]; then
		ok "usage error exits 1: $args"
	else notok "usage error exits 1: $args"; fi
done
if [ ! -e "$tmp/routes.db" ]; then ok "usage errors do not create the store"
else notok "usage errors do not create the store"; fi

is "rule add --help prints its usage" 0 \
    "usage: milter-ctl [-c FILE] rule add MATCH forward DEST... | drop | reject [TEXT] [--comment TEXT] [--priority N] [--disabled]" \
    rule add --help

# --- domains ------------------------------------------------------------
is "domain add" 0 "added domain example.com" domain add example.com
is "domain add with every option" 0 "added domain other.example" \
    domain add Other.Example --unknown pass --no-subaddress --disabled
is "domain add strict.example" 0 "added domain strict.example" \
    domain add strict.example --unknown=reject
refused "domain add twice is refused" "example.com" domain add EXAMPLE.com
refused "domain add of a bad name is refused" "bad domain" domain add "bad domain"
is "domain list header" 0 "NAME ENABLED UNKNOWN SUBADDRESS" domain list
has "$tmp/out" "example.com yes reject on" && has "$tmp/out" \
    "other.example no pass off" && ok "domain list shows the settings" ||
    notok "domain list shows the settings"
is "domain set enabled" 0 "domain other.example: enabled yes" \
    domain set other.example enabled yes
is "domain list after set" 0 "other.example yes pass off" domain list
refused "domain set of an unknown key is refused" "colour" \
    domain set other.example colour blue
refused "domain set of a bad value is refused" "maybe" \
    domain set other.example enabled maybe
refused "domain set of an unknown domain is refused" "nosuch.example" \
    domain set nosuch.example enabled yes
json "domain list --json" '
by = {x["name"]: x for x in d}
assert sorted(by) == ["example.com", "other.example", "strict.example"], by
assert by["other.example"]["enabled"] is True
assert by["other.example"]["unknown"] == "pass"
assert by["other.example"]["subaddress"] is False
assert by["example.com"]["unknown"] == "reject"' domain list --json

# --- destinations -------------------------------------------------------
is "dest add" 0 "added destination me@gmail.com (pending until verified)" \
    dest add me@gmail.com
is "dest add shows the stored form" 0 \
    "added destination you@gmail.com (pending until verified)" \
    dest add you@Gmail.COM
refused "dest add twice is refused" "me@gmail.com" dest add me@gmail.com
refused "dest add of a non-address is refused" "not an address" \
    dest add "not an address"
is "dest list shows pending" 0 "me@gmail.com pending" dest list
is "dest verify" 0 "verified destination me@gmail.com" dest verify me@gmail.com
is "dest list shows verified" 0 "me@gmail.com verified" dest list
unchanged "dest verify again changes nothing" dest verify me@gmail.com
unchanged "domain set to the current value changes nothing" \
    domain set example.com unknown reject
refused "dest verify of an unknown address is refused" "nobody@gmail.com" \
    dest verify nobody@gmail.com
json "dest list --json" '
by = {x["address"]: x for x in d}
assert by["me@gmail.com"]["status"] == "verified"
assert by["you@gmail.com"]["status"] == "pending"
assert by["you@gmail.com"]["verified_at"] is None' dest list --json

# --- rules --------------------------------------------------------------
comment=$(printf 'team "inbox" \\ tab\there \303\274')
added "rule add forward to two destinations" \
    "info@example.com forward me@gmail.com you@gmail.com" \
    info@example.com forward me@gmail.com you@gmail.com --comment "$comment"
info=$id
if has "$tmp/out" "rule $info is inactive until you@gmail.com is verified (milter-ctl dest verify)"; then
	ok "rule add says the rule waits for a pending destination"
else notok "rule add says the rule waits for a pending destination"; fi
is "rule list header" 0 "ID MATCH ACTION TARGET STATE COMMENT" rule list
if tr -s ' ' <"$tmp/out" | grep -qF "$info info@example.com forward me@gmail.com,you@gmail.com inactive (you@gmail.com not verified) team"; then
	ok "rule list: inactive while a destination is pending, named"
else notok "rule list: inactive while a destination is pending, named"; fi
json "rule list --json names the pending destination" "
r = [x for x in d if x['id'] == $info][0]
assert r['state'] == 'inactive', r
assert r['inactive_reason'] == 'destination pending', r
assert r['inactive_because'] == 'you@gmail.com', r" rule list --json
run dest verify you@gmail.com
is "rule list: active once verified" 0 \
    "$info info@example.com forward me@gmail.com,you@gmail.com active team \"inbox\" \\ tab?here ü" \
    rule list
added "rule add catch-all drop" "@example.com drop" @example.com drop
catchall=$id
added "rule add pattern reject with text" \
    "sales-*@example.com reject \"Go away\"" \
    "sales-*@example.com" reject "Go away" --priority 5
sales=$id
added "rule add reject without text" "noreply@example.com reject" \
    noreply@example.com reject
added "rule add forward to a routed address" \
    "a@example.com forward b@example.com" a@example.com forward b@example.com
refused "rule for a domain not added is refused" "unrouted.example" \
    rule add x@unrouted.example drop
refused "rule to an unknown destination is refused" "stranger@gmail.com" \
    rule add b@example.com forward stranger@gmail.com
refused "a second rule for the same match is refused" "info@example.com" \
    rule add info@example.com drop
refused "CR/LF in a reject text is refused" \
    "rule crlf@example.com: reject text contains a line break (CR or LF)" \
    rule add crlf@example.com reject "$(printf 'one\r\nRCPT TO:<x@y>')"
refused "a forwarding loop is refused" "b@example.com" \
    rule add b@example.com forward a@example.com
refused "a bad match is refused" "sales*@*.example.com" rule add "sales*@*.example.com" drop
refused "removing an unknown rule is refused" "no rule 9999" rule remove 9999
refused "a selector that is neither an id nor a match is refused" \
    "(a rule is named by its id, all digits, or its match string)" \
    rule remove 7x
added "rule add of a match that starts with a digit" \
    "2024-sales@example.com drop" 2024-sales@example.com drop
is "rule remove of a match that starts with a digit" 0 \
    "removed rule 2024-sales@example.com" rule remove 2024-sales@example.com
added "rule add stores a pattern as the table spells it" \
    '"a..*"@example.com drop' 'a..*@Example.com' drop
is "rule remove finds it by the table's spelling" 0 \
    'removed rule "a..*"@example.com' rule remove '"a..*"@example.com'
added "rule add of the table's spelling" '"a..*"@example.com drop' \
    '"a..*"@example.com' drop
is "rule remove finds it by the spelling first given" 0 \
    "removed rule a..*@example.com" rule remove 'a..*@example.com'

# b@loop.example drops; the rest of loop.example goes to a, which forwards
# to b: taking b's rule away would send b to the catch-all, a loop.
is "domain add loop.example" 0 "added domain loop.example" \
    domain add loop.example
for r in "b@loop.example drop" "a@loop.example forward b@loop.example" \
    "@loop.example forward a@loop.example"; do
	# shellcheck disable=SC2086
	run rule add $r
	[ "$rc" -eq 0 ] || notok "rule add $r"
done
refused "disabling a rule that would close a loop is refused" \
    "forwarding loop: " rule disable b@loop.example
refused "removing a rule that would close a loop is refused" \
    "forwarding loop: " rule remove b@loop.example
for m in @loop.example a@loop.example b@loop.example; do
	run rule remove "$m"
	[ "$rc" -eq 0 ] || notok "rule remove $m"
done
is "domain remove loop.example" 0 "removed domain loop.example" \
    domain remove loop.example

# A forward to an address of ours that leads nowhere (no rule, and the
# domain refuses unknown addresses) is inactive, and says which address.
is "domain add nowhere.example" 0 "added domain nowhere.example" \
    domain add nowhere.example
added "rule add forward to an address of ours with no rule" \
    "x@nowhere.example forward team@nowhere.example" \
    x@nowhere.example forward team@nowhere.example
nowhere=$id
if has "$tmp/out" "rule $nowhere is inactive: team@nowhere.example leads nowhere"; then
	ok "rule add says which address of ours leads nowhere"
else notok "rule add says which address of ours leads nowhere"; fi
is "rule list: inactive while an address of ours leads nowhere" 0 \
    "$nowhere x@nowhere.example forward team@nowhere.example inactive (team@nowhere.example leads nowhere) -" \
    rule list
json "rule list --json names the address that leads nowhere" "
r = [x for x in d if x['id'] == $nowhere][0]
assert r['state'] == 'inactive', r
assert r['inactive_reason'] == 'destination leads nowhere', r
assert r['inactive_because'] == 'team@nowhere.example', r" rule list --json
run dest add later@gmail.com
[ "$rc" -eq 0 ] || notok "dest add later@gmail.com"
added "rule add of a second forward with both kinds of blocker" \
    "y@nowhere.example forward pal@nowhere.example later@gmail.com" \
    y@nowhere.example forward pal@nowhere.example later@gmail.com
if has "$tmp/out" "rule $id is inactive until later@gmail.com is verified (milter-ctl dest verify)" &&
    has "$tmp/out" "rule $id is inactive: pal@nowhere.example leads nowhere"; then
	ok "rule add names the pending and the dead-end destination"
else notok "rule add names the pending and the dead-end destination"; fi
run rule remove "$id"
[ "$rc" -eq 0 ] || notok "rule remove y@nowhere.example"
run dest remove later@gmail.com
[ "$rc" -eq 0 ] || notok "dest remove later@gmail.com"
run rule add team@nowhere.example forward me@gmail.com
[ "$rc" -eq 0 ] || notok "rule add team@nowhere.example"
is "rule list: active once the address of ours leads somewhere" 0 \
    "$nowhere x@nowhere.example forward team@nowhere.example active -" \
    rule list
for m in x@nowhere.example team@nowhere.example; do
	run rule remove "$m"
	[ "$rc" -eq 0 ] || notok "rule remove $m"
done
is "domain remove nowhere.example" 0 "removed domain nowhere.example" \
    domain remove nowhere.example
is "rule disable by id" 0 "disabled rule $info" rule disable "$info"
is "rule list shows disabled" 0 "" rule list
tr -s ' ' <"$tmp/out" | grep -qF "$info info@example.com forward me@gmail.com,you@gmail.com disabled " &&
    ok "rule list: disabled" || notok "rule list: disabled"
is "test: a disabled rule does not match" 0 "action: drop" test info@example.com
is "rule enable by match" 0 "enabled rule info@example.com" \
    rule enable info@example.com
unchanged "rule enable of an enabled rule changes nothing" \
    rule enable info@example.com

# --- test: one check per verdict ----------------------------------------
test_is() {
	desc=$1
	shift
	wants=$1
	shift
	run test "$@"
	good=1
	[ "$rc" -eq 0 ] || good=0
	old_ifs=$IFS
	IFS='|'
	for w in $wants; do
		has "$tmp/out" "$w" || { good=0; echo "# missing: $w"; }
	done
	IFS=$old_ifs
	if [ $good -eq 1 ]; then ok "$desc"; else notok "$desc"; fi
}
test_is "test: exact forward" "recipient: info@example.com|action: forward|matched: exact, rule $info (info@example.com)|destinations: me@gmail.com, you@gmail.com" \
    info@example.com
test_is "test: sub-address forward" "recipient: info+news@example.com|action: forward|matched: subaddress, rule $info (info@example.com)|destinations: me@gmail.com, you@gmail.com" \
    info+news@example.com
test_is "test: angle brackets and case" "action: forward|matched: exact, rule $info (info@example.com)" \
    "<INFO@Example.COM>"
test_is "test: pattern reject with its text" "action: reject|matched: pattern, rule $sales (sales-*@example.com)|reply: 550 5.7.1 <sales-eu@example.com>: Recipient address rejected: Go away" \
    sales-eu@example.com
test_is "test: reject with the default text" "action: reject|reply: 550 5.7.1 <noreply@example.com>: Recipient address rejected: Access denied" \
    noreply@example.com
test_is "test: catch-all drop" "action: drop|matched: catch-all, rule $catchall (@example.com)" \
    random@example.com
test_is "test: unknown address refused" "action: unknown|matched: default|reply: 550 5.1.1 <x@strict.example>: Recipient address rejected: User unknown" \
    x@strict.example
test_is "test: unknown address passed" "action: pass|matched: default" \
    x@other.example
test_is "test: other domains not routed" "action: not-routed|matched: none" \
    x@elsewhere.example
test_is "test --from shows the sender" "sender: <>|action: forward" \
    info@example.com --from "<>"
grep -q '^why: .' "$tmp/out" && ok "test prints why" || notok "test prints why"
refused "test of a malformed recipient is refused" "bad@@example.com" \
    test "bad@@example.com"
refused "test with a malformed sender is refused" "sender" \
    test info@example.com --from "a@@b"
json "test --json: forward" "
assert d['recipient'] == 'info+news@example.com'
assert d['action'] == 'forward' and d['reason'] == 'subaddress'
assert d['rule_id'] == $info and d['rule'] == 'info@example.com'
assert d['destinations'] == ['me@gmail.com', 'you@gmail.com']
assert d['reply'] is None and d['why']" test info+news@example.com --json
json "test --json: reject" "
assert d['action'] == 'reject' and d['reply'] == '550 5.7.1 <sales-x@example.com>: Recipient address rejected: Go away'
assert d['destinations'] == []" test --json sales-x@example.com
json "test --json: not routed" "
assert d['action'] == 'not-routed' and d['rule_id'] is None
assert d['rule'] is None and d['reply'] is None" test x@elsewhere.example --json

# --- JSON of rules, escaping --------------------------------------------
COMMENT=$comment
export COMMENT
json "rule list --json, the comment comes back byte for byte" "
by = {x['match']: x for x in d}
r = by['info@example.com']
assert r['id'] == $info and r['action'] == 'forward' and r['kind'] == 'exact'
assert r['destinations'] == ['me@gmail.com', 'you@gmail.com']
assert r['state'] == 'active' and r['inactive_reason'] is None
assert r['comment'] == os.environ['COMMENT'], r['comment']
assert by['sales-*@example.com']['text'] == 'Go away'
assert by['sales-*@example.com']['priority'] == 5
assert by['sales-*@example.com']['kind'] == 'pattern'
assert by['@example.com']['kind'] == 'catch-all'" rule list --json
run rule add odd@example.com drop --comment "$(printf 'ctl\001 bad\377utf8')"
if [ "$rc" -eq 0 ]; then
	json "JSON stays valid with control and non-UTF-8 bytes" "
r = [x for x in d if x['match'] == 'odd@example.com'][0]
assert r['comment'] == 'ctl\x01 bad\ufffdutf8', r['comment']" rule list --json
	run rule remove odd@example.com
else
	ok "JSON stays valid with control and non-UTF-8 bytes # SKIP store refused the comment"
fi

# --- audit ----------------------------------------------------------------
LASTID="$tmp/lastid"
export LASTID
is "audit names the user and the command" 0 "" audit
grep -q "^#[0-9][0-9]* .* $me: domain add example.com\$" "$tmp/out" &&
    ok "audit: domain add by $me" || notok "audit: domain add by $me"
grep -q "^#[0-9][0-9]* .* $me: rule add info@example.com forward me@gmail.com you@gmail.com --comment 'team \"inbox\"" "$tmp/out" &&
    ok "audit: rule add quoted as typed" || notok "audit: rule add quoted as typed"
grep -A2 "$me: domain set other.example enabled yes" "$tmp/out" |
    grep -q '^  - ' && grep -A2 "$me: domain set other.example enabled yes" \
    "$tmp/out" | grep -q '^  + ' &&
    ok "audit: a change shows old and new" || notok "audit: a change shows old and new"
grep -q 'frob\|colour\|stranger' "$tmp/out" &&
    notok "audit: refused requests left no trace" ||
    ok "audit: refused requests left no trace"
json "audit --json" "
assert len(d) > 10
assert all(x['user'] == '$me' for x in d)
assert d[0]['command'] == 'domain add example.com' and d[0]['old'] is None
assert d[0]['new'] is not None
ids = [x['id'] for x in d]
assert ids == sorted(ids)
open(os.environ['LASTID'], 'w').write(str(ids[-1]))" audit --json
json "audit --limit 2 gives the two newest" "
assert len(d) == 2, len(d)
assert d[1]['id'] == int(open(os.environ['LASTID']).read())" audit --limit 2 --json

# --- removal ----------------------------------------------------------------
refused "removing a destination a rule uses is refused" "$info" \
    dest remove me@gmail.com
refused "removing a domain with rules is refused" "example.com" \
    domain remove example.com
is "rule remove by id" 0 "removed rule $info" rule remove "$info"
for m in @example.com "sales-*@example.com" noreply@example.com a@example.com; do
	run rule remove "$m"
	[ "$rc" -eq 0 ] || notok "rule remove $m"
done
is "rule list is empty" 0 "ID MATCH ACTION TARGET STATE COMMENT" rule list
[ "$(wc -l <"$tmp/out")" -eq 1 ] && ok "no rules left" || notok "no rules left"
is "dest remove" 0 "removed destination me@gmail.com" dest remove me@gmail.com
is "dest remove (domain in any case)" 0 "removed destination you@gmail.com" \
    dest remove you@GMAIL.com
is "domain remove" 0 "removed domain example.com" domain remove example.com
is "domain list after remove" 0 "" domain list
has "$tmp/out" "example.com yes reject on" && notok "example.com is gone" ||
    ok "example.com is gone"

# --- system errors exit 2 -------------------------------------------------
printf 'store = "sqlite:%s/no/such/dir/routes.db";\n' "$tmp" >"$tmp/nodir.conf"
syserr "store in a missing directory: exit 2" "$tmp/nodir.conf" domain list
printf 'this is not a SQLite database, just text\n%.0s' 1 2 3 4 5 6 7 8 \
    >"$tmp/junk.db"
printf 'store = "sqlite:%s/junk.db";\n' "$tmp" >"$tmp/junk.conf"
syserr "store that is not a database: exit 2" "$tmp/junk.conf" rule list
syserr "store that is not a database, on a change: exit 2" "$tmp/junk.conf" \
    domain add example.com
syserr "missing config file: exit 2" "$tmp/nonexistent.conf" domain list
printf 'store = "sqlite:%s/routes.db"\nmilter = {\n' "$tmp" >"$tmp/broken.conf"
syserr "broken config: exit 2" "$tmp/broken.conf" domain list
grep -qF "broken.conf" "$tmp/err" && ok "broken config: the file is named" ||
    notok "broken config: the file is named"
if [ -w /dev/full ]; then
	"$bin" -c "$conf" domain list >/dev/full 2>"$tmp/err"
	rc=$?
	[ "$rc" -eq 2 ] && ok "output that cannot be written: exit 2" ||
	    notok "output that cannot be written: exit 2"
fi

done_testing
