#!/bin/sh
# test_cli_srs.sh - "milter-ctl srs forward|reverse" on a scratch store with
# a pinned clock: the exact addresses (worked out independently with
# Python's hmac), the senders left alone and why, refusals with their exit
# codes, long senders through the store, and the secrets file's checks.
name=test_cli_srs
. "${top_srcdir:?}/ctl/test_lib.sh"

now=1700000000 # day stamp G3
day=86400
printf 'test-secret\n' >"$tmp/secrets"
chmod 600 "$tmp/secrets"
cat >>"$conf" <<EOF
srs = {
  domain = "srs.example.net";
  secrets_file = "$tmp/secrets";
  local_domains = [ "mail.example.net" ];
  overrides = ( { routed_domain = "example.com";
                  srs_domain = "bounce.example.com"; } );
};
EOF

# check DESC WANT_RC WANT_OUT - the last run's exit code and whole stdout.
check() {
	if [ "$rc" -eq "$2" ] && [ "$(cat "$tmp/out")" = "$3" ]; then
		ok "$1"
	else
		notok "$1"
		echo "# want exit $2, out: $3"
	fi
}

# check_err DESC WANT_RC ERRLINE - the exit code and a line of stderr.
check_err() {
	if [ "$rc" -eq "$2" ] && grep -qxF -- "$3" "$tmp/err"; then
		ok "$1"
	else
		notok "$1"
		echo "# want exit $2, err: $3"
	fi
}

a0='SRS0=tLmC=G3=example.org=Alice@srs.example.net'
run srs forward Alice@example.org --now $now
check "forward: exact SRS0 address" 0 "$a0"
# The domain as written, as postsrsd writes it; the hash is over lower
# case, so it is the same hash and either spelling reverses.
run srs forward '<Alice@Example.ORG>' --now $now
check "forward: the domain's case kept (postsrsd's address), same hash" 0 \
    'SRS0=tLmC=G3=Example.ORG=Alice@srs.example.net'
run srs reverse 'SRS0=tLmC=G3=Example.ORG=Alice@srs.example.net' --now $now
check "reverse: it gives the same mailbox" 0 "Alice@example.org"
run srs reverse "$a0" --now $now
check "reverse: the original sender" 0 "Alice@example.org"
upper=$(echo "$a0" | tr 'a-z' 'A-Z')
run srs reverse "$upper" --now $now
check "reverse: an address upper-cased by an MTA" 0 "ALICE@example.org"
run srs reverse "$a0" --now $((now + 21 * day))
check "reverse: still valid after max_age_days" 0 "Alice@example.org"
run srs reverse "$a0" --now $((now + 22 * day))
check_err "reverse: expired a day later, exit 1" 1 \
    "milter-ctl: \"$a0\": day stamp is 22 days old, more than srs.max_age_days 21 (expired)"
run srs reverse 'SRS0=tLmD=G3=example.org=Alice@srs.example.net' --now $now
check_err "reverse: altered hash refused" 1 \
    "milter-ctl: \"SRS0=tLmD=G3=example.org=Alice@srs.example.net\": hash does not match any secret (forged or altered address)"
run srs reverse 'SRS0=tLmC=G3=example.org=Mallory@srs.example.net' --now $now
check_err "reverse: altered local part refused" 1 \
    "milter-ctl: \"SRS0=tLmC=G3=example.org=Mallory@srs.example.net\": hash does not match any secret (forged or altered address)"
run srs reverse 'SRS0=tLmC=G3=example.org=Alice@srs.other.example' --now $now
check_err "reverse: an SRS address of another domain is not ours" 1 \
    "milter-ctl: SRS0=tLmC=G3=example.org=Alice@srs.other.example: not an SRS address in an SRS domain of this host; it is routed as any other address"

a1='SRS1=QSjf=fwd.example==abcd=AB=orig.example=u@srs.example.net'
run srs forward 'SRS0=abcd=AB=orig.example=u@fwd.example' --now $now
check "forward: an SRS0 sender gives SRS1 keeping the first hop" 0 "$a1"
run srs reverse "$a1" --now $now
check "reverse: SRS1 gives the first forwarder's SRS0 address" 0 \
    "SRS0=abcd=AB=orig.example=u@fwd.example"

# milter-ctl test shows what the milter does with an SRS recipient.
cur=$("$bin" -c "$conf" srs forward Alice@example.org 2>/dev/null)
run test "$cur"
if [ "$rc" = 0 ] && has "$tmp/out" "matched: srs" &&
    has "$tmp/out" "destinations: Alice@example.org"; then
	ok "test: a valid SRS address goes back to the sender"
else
	notok "test: a valid SRS address goes back to the sender"
fi
run test 'SRS0=AAAA=G3=example.org=Alice@srs.example.net'
if [ "$rc" = 0 ] && has "$tmp/out" "action: reject" &&
    has "$tmp/out" "reply: 550 5.7.1 <SRS0=AAAA=G3=example.org=Alice@srs.example.net>: Recipient address rejected: Invalid SRS address"; then
	ok "test: a forged SRS address is refused with 550 5.7.1"
else
	notok "test: a forged SRS address is refused with 550 5.7.1"
fi

run srs forward bob@example.org --for example.com --now $now
check "forward --for picks the override's SRS domain" 0 \
    'SRS0=ZZsS=G3=example.org=bob@bounce.example.com'
run srs reverse 'SRS0=ZZsS=G3=example.org=bob@bounce.example.com' --now $now
check "reverse: an override's SRS domain is ours too" 0 "bob@example.org"

run srs forward '<>' --now $now
check "forward: the null sender stays" 0 "<>"
check_err "forward: and says why" 0 "milter-ctl: <>: not rewritten: null sender"
run srs forward me@mail.example.net --now $now
check_err "forward: a local domain's sender stays" 0 \
    "milter-ctl: me@mail.example.net: not rewritten: sender in a local domain"
run domain add example.com
run srs forward info@example.com --now $now
check_err "forward: a routed domain's sender stays" 0 \
    "milter-ctl: info@example.com: not rewritten: sender in a routed domain"
run srs forward "$a0" --now $now
check_err "forward: our own SRS address stays" 0 \
    "milter-ctl: $a0: not rewritten: sender in an SRS domain"

run srs forward a@example.org --now $now
one_a=$(cat "$tmp/out")
run srs forward b@example.org --now $now
one_b=$(cat "$tmp/out")
run srs forward a@example.org b@example.org --now $now
check "forward: several senders, one line each, in order, as one by one" 0 \
    "$one_a
$one_b"

# A sender whose SRS local part would pass 64 octets: a short address
# through the store, never a cut one.
long="first.middle.last.department.$(printf 'x%.0s' $(seq 1 20))@example.org"
run srs forward "$long" --now $now
short=$(cat "$tmp/out")
local_part=${short%@*}
if [ "$rc" -eq 0 ] && [ ${#local_part} -le 64 ] &&
    echo "$short" | grep -qE '^SRS0=[A-Za-z0-9_-]{4}=G3=_=[0-9a-f]{32}@srs\.example\.net$'; then
	ok "forward: a long sender gets a short alias address (${#local_part} octets)"
else
	notok "forward: a long sender gets a short alias address"
fi
run srs reverse "$short" --now $now
check "reverse: the alias gives the long sender back" 0 "$long"
rows=$(sqlite3 "$tmp/routes.db" "SELECT count(*) FROM srs_aliases WHERE sender = '$long'")
if [ "$rows" = 1 ]; then ok "the alias is kept in the store"; else
	notok "the alias is kept in the store"; echo "# rows: $rows"; fi
run srs reverse "$(echo "$short" | sed 's/=_=[0-9a-f]/=_=0/')" --now $now
if [ "$rc" -eq 1 ]; then ok "reverse: a forged alias key is refused"; else
	notok "reverse: a forged alias key is refused"; fi
run srs reverse "$short" --now $((now + 23 * day))
if [ "$rc" -eq 1 ]; then ok "reverse: an expired alias is refused"; else
	notok "reverse: an expired alias is refused"; fi

# Refusals before anything runs, and the secrets file's checks.
run srs forward a@example.org --now yesterday
check_err "--now needs a number" 1 \
    "milter-ctl: --now needs seconds since the epoch, not 'yesterday'"
run srs reverse
check_err "reverse needs an address" 1 "milter-ctl: missing argument"
chmod 644 "$tmp/secrets"
run srs forward a@example.org
if [ "$rc" -eq 1 ] && grep -q "readable or writable by others" "$tmp/err"; then
	ok "a secrets file others can read is refused"
else
	notok "a secrets file others can read is refused"
fi
chmod 600 "$tmp/secrets"
: >"$tmp/secrets"
run srs forward a@example.org
if [ "$rc" -eq 1 ] && grep -q "no secret" "$tmp/err"; then
	ok "an empty secrets file is refused"
else
	notok "an empty secrets file is refused"
fi
rm "$tmp/secrets"
run srs forward a@example.org
if [ "$rc" -eq 2 ] && grep -q "No such file or directory" "$tmp/err"; then
	ok "a missing secrets file is a system error (exit 2)"
else
	notok "a missing secrets file is a system error (exit 2)"
fi
printf 'store = "sqlite:%s/routes.db";\n' "$tmp" >"$conf"
run srs forward a@example.org
check_err "without an srs group: refused, saying so" 1 \
    "milter-ctl: SRS is not configured (no srs group in $conf)"

done_testing
