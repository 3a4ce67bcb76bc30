#!/bin/bash
# t_srs.sh - SRS through Postfix.  A forwarded message leaves with the SRS
# envelope sender (the address milter-ctl computes from the same secret);
# mail that is not forwarded off-box, the null sender and senders of
# routed domains keep theirs; a real bounce (Postfix's own DSN, because
# the final mailbox refuses) sent to the SRS address reaches the original
# sender; a forged or expired SRS recipient gets 550 5.7.1 at RCPT; an SRS
# address of a domain that is not ours passes untouched; a sender too
# long for an SRS local part goes out with a short alias address, and a
# bounce to it finds the sender again.
. "$(dirname "$0")/lib.sh"
e2e_init
printf 'e2e-srs-secret\n' >"$E2E_TMP/srs.secrets"
chmod 600 "$E2E_TMP/srs.secrets"
e2e_sink_start
e2e_milter_conf "" \
    "srs = { domain = \"srs.example.net\";" \
    "        secrets_file = \"$E2E_TMP/srs.secrets\"; };"
e2e_postfix_new mx "$SMTP_PORT" "[127.0.0.1]:$SINK_PORT" "$(e2e_postfix_milter)"
# Bounces Postfix makes itself pass the milters only when asked to.
e2e_postconf mx "relay_domains = example.com example.net example.org \
srs.example.net" "internal_mail_filter_classes = bounce"
e2e_postfix_start mx "$SMTP_PORT"
check_ctl domain add example.com
check_ctl domain add example.net --unknown pass
check_dests alice@mailbox.test nosuchuser@mailbox.test
check_ctl rule add info@example.com forward alice@mailbox.test
check_ctl rule add gone@example.com forward nosuchuser@mailbox.test
check_ctl rule add team@example.com forward bob@example.net
check_milter_start

# srs_of SENDER - the SRS address milter-ctl gives SENDER today.
srs_of() {
	ctl srs forward "$1" 2>/dev/null
}

# sink_from N - the envelope sender of sink message N.
sink_from() {
	e2e_sink_show | sed -n "${1}p" | cut -d' ' -f1
}

srs=$(srs_of sender@example.org)
check_match "milter-ctl gives an SRS0 address in srs.example.net" \
    '^SRS0=[A-Za-z0-9_-]{4}=[A-Z2-7]{2}=example\.org=sender@srs\.example\.net$' \
    "$srs"

# 1. Forwarded off-box: the sender becomes the SRS address.
e2e_message "$E2E_TMP/m1" sender@example.org info@example.com "forwarded"
e2e_send sender@example.org info@example.com "$E2E_TMP/m1"
check_reply "forwarded message accepted" "." '^250 2\.0\.0 '
check_sink "sink: envelope sender rewritten to the SRS address" 1 \
    "$srs alice@mailbox.test"
check_body "sink: the message itself unchanged" 1 "$E2E_TMP/m1"

# 2. Delivered on this host (a passing domain's address): sender kept;
#    so is the sender of a forward that stays here (team -> bob@example.net).
e2e_message "$E2E_TMP/m2" sender@example.org bob@example.net "local"
e2e_send sender@example.org bob@example.net "$E2E_TMP/m2"
e2e_send sender@example.org team@example.com "$E2E_TMP/m2"
check_sink "sink: local-only recipients keep the sender" 3 \
    "$srs alice@mailbox.test
sender@example.org bob@example.net
sender@example.org bob@example.net"

# 3. The null sender and a sender of a routed domain are never rewritten.
e2e_send '<>' info@example.com "$E2E_TMP/m1"
e2e_send boss@example.com info@example.com "$E2E_TMP/m1"
e2e_sink_wait 5
check_eq "sink: null sender stays <>" "<>" "$(sink_from 4)"
check_eq "sink: routed-domain sender stays" "boss@example.com" "$(sink_from 5)"

# 4. A real bounce: gone@ forwards to a mailbox the sink refuses; Postfix
#    bounces to the SRS sender, and the milter turns that into the original.
e2e_message "$E2E_TMP/m4" sender@example.org gone@example.com "will bounce"
e2e_send sender@example.org gone@example.com "$E2E_TMP/m4"
check_reply "message to a mailbox that will refuse: accepted" "." '^250 '
e2e_sink_wait 6 30
check_eq "sink: Postfix's bounce reaches the original sender" \
    "<> sender@example.org" "$(e2e_sink_show | sed -n 6p)"
if grep -q "^Content-Type: multipart/report; report-type=delivery-status" \
    "$(e2e_sink_file 6)" &&
    grep -q "nosuchuser@mailbox.test" "$(e2e_sink_file 6)"; then
	ok "sink: it is a DSN about nosuchuser@mailbox.test"
else
	not_ok "sink: it is a DSN about nosuchuser@mailbox.test" \
	    "$(head -n 30 "$(e2e_sink_file 6)")"
fi

# 5. A bounce sent by another server to the SRS address.
e2e_message "$E2E_TMP/m5" MAILER-DAEMON@other.example "$srs" "bounce"
e2e_send '<>' "$srs" "$E2E_TMP/m5"
check_reply "RCPT to a valid SRS address: accepted" "RCPT TO" '^250 '
check_sink "sink: delivered to the original sender" 7 \
    "$(e2e_sink_show | sed -n 1,6p)
<> sender@example.org"

# 6. Forged, altered and expired SRS addresses are refused at RCPT.
forged=$(echo "$srs" | sed 's/^SRS0=..../SRS0=AAAA/')
[ "$forged" != "$srs" ] || forged=$(echo "$srs" | sed 's/^SRS0=..../SRS0=BBBB/')
e2e_send '<>' "$forged" "$E2E_TMP/m5"
check_eq "forged SRS address: swaks sees every recipient refused" 24 "$SWAKS_RC"
check_reply "forged SRS address: 550 5.7.1" "RCPT TO" \
    '^550 5\.7\.1 .*Invalid SRS address'
altered=${srs/=sender@/=someone@}
e2e_send '<>' "$altered" "$E2E_TMP/m5"
check_reply "altered SRS address: 550 5.7.1" "RCPT TO" '^550 5\.7\.1 '
old=$(ctl srs forward sender@example.org --now $(($(date +%s) - 40 * 86400)) 2>/dev/null)
e2e_send '<>' "$old" "$E2E_TMP/m5"
check_reply "expired SRS address (40 days): 550 5.7.1" "RCPT TO" '^550 5\.7\.1 '
if grep -q "SRS: refused RCPT <$old>: day stamp is 40 days old" \
    "$E2E_TMP/milter.log"; then
	ok "the milter logs why it refused the expired address"
else
	not_ok "the milter logs why it refused the expired address" \
	    "$(grep 'SRS' "$E2E_TMP/milter.log" | tail -n 5)"
fi

# 7. An SRS address of a domain we do not route passes untouched.
other=${srs/@srs.example.net/@example.org}
e2e_send '<>' "$other" "$E2E_TMP/m5"
check_reply "SRS address of another domain: accepted" "RCPT TO" '^250 '
check_sink "sink: delivered to it unchanged" 8 \
    "$(e2e_sink_show | sed -n 1,7p)
<> $other"

# 8. A sender too long for an SRS local part: a short alias address, and a
#    bounce to it reaches the long sender.
long="first.middle.last.department.abcdefghijklmnopqrst@example.org"
e2e_send "$long" info@example.com "$E2E_TMP/m1"
e2e_sink_wait 9
alias_from=$(sink_from 9)
check_match "sink: the long sender left as a short alias address" \
    '^SRS0=[A-Za-z0-9_-]{4}=[A-Z2-7]{2}=_=[0-9a-f]{32}@srs\.example\.net$' \
    "$alias_from"
e2e_send '<>' "$alias_from" "$E2E_TMP/m5"
check_sink "sink: a bounce to the alias reaches the long sender" 10 \
    "$(e2e_sink_show | sed -n 1,9p)
<> $long"

if grep -q "srs=<$srs>" "$E2E_TMP/milter.log" &&
    grep -q "srs-reverse <sender@example.org>" "$E2E_TMP/milter.log"; then
	ok "summary lines show the new sender and the reversed recipient"
else
	not_ok "summary lines show the new sender and the reversed recipient" \
	    "$(tail -n 8 "$E2E_TMP/milter.log")"
fi
check_nothing_more "mx queue empty, nothing else delivered" mx 10
e2e_done
