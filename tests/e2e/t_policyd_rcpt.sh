#!/bin/bash
# t_policyd_rcpt.sh - route-policyd as Postfix's check_policy_service,
# next to route-milter: an unknown recipient is refused by Postfix itself
# at RCPT with 550 5.1.1, before any data is sent and before the milter
# sees it; a reject rule's text reaches the client; known recipients are
# accepted and delivered as the rules say; a recipient in a domain that
# is not routed passes; a rule added while running applies at once.
. "$(dirname "$0")/lib.sh"
. "$(dirname "$0")/lib_policyd.sh"
pd_prepare
text="This address is retired; please write to info@example.com"
check_ctl rule add info@example.com forward alice@mailbox.test
check_ctl rule add old@example.com reject "$text"
check_milter_start
check_pd_start

e2e_message "$E2E_TMP/msg" sender@example.org nobody@example.com "unknown"
e2e_send sender@example.org nobody@example.com "$E2E_TMP/msg"
check_eq "unknown: the client reads 550 5.1.1 at RCPT, in Postfix's form" \
    "550 5.1.1 <nobody@example.com>: Recipient address rejected: User unknown" \
    "$(swaks_reply "$SWAKS_OUT" "RCPT TO:<nobody@example.com>")"
check_eq "unknown: swaks exits 24, no DATA was sent" "24 0" \
    "$SWAKS_RC $(grep -c '^ *-> DATA' "$SWAKS_OUT")"
check_match "unknown: Postfix's own reject (not the milter's) in its log" \
    'NOQUEUE: reject: RCPT from [^ ]*\[127\.0\.0\.2\]: 550 5\.1\.1 <nobody@example\.com>: Recipient address rejected: User unknown;' \
    "$(e2e_maillog mx)"
check_eq "unknown: the milter was not asked about it" "" \
    "$(e2e_maillog mx | grep 'milter-reject')"
check_run "unknown: route-policyd logs the refusal with the client" \
    pd_log_has "NOQUEUE: policy: reject RCPT <nobody@example.com> from unknown[127.0.0.2]: 550 5.1.1 User unknown (no rule; domain example.com refuses unknown addresses); from=<sender@example.org>"

e2e_send sender@example.org old@example.com "$E2E_TMP/msg"
check_eq "reject rule: its text reaches the client" \
    "550 5.7.1 <old@example.com>: Recipient address rejected: $text" \
    "$(swaks_reply "$SWAKS_OUT" "RCPT TO:<old@example.com>")"
check_nothing_more "refused recipients: nothing queued, nothing delivered" mx 0

e2e_message "$E2E_TMP/msg2" sender@example.org info@example.com "known"
e2e_send sender@example.org info@example.com,nobody@example.com,x@example.org \
    "$E2E_TMP/msg2"
check_reply "mixed: RCPT info@example.com accepted" \
    "RCPT TO:<info@example.com>" '^250 2\.1\.5 '
check_eq "mixed: RCPT nobody@example.com refused" \
    "550 5.1.1 <nobody@example.com>: Recipient address rejected: User unknown" \
    "$(swaks_reply "$SWAKS_OUT" "RCPT TO:<nobody@example.com>")"
check_reply "mixed: a domain not routed passes" "RCPT TO:<x@example.org>" \
    '^250 2\.1\.5 '
check_reply "mixed: message accepted" "." '^250 2\.0\.0 Ok: queued as '
e2e_sink_wait 2
check_eq "mixed: delivered to the forward's destination and x@example.org" \
    "sender@example.org alice@mailbox.test
sender@example.org x@example.org" "$(e2e_sink_show | sort)"
check_body "mixed: byte for byte as sent" 1 "$E2E_TMP/msg2"

# A rule added while both run: the policy service accepts at once.
check_ctl rule add new@example.com forward alice@mailbox.test
sleep 0.5
e2e_send sender@example.org new@example.com "$E2E_TMP/msg2"
check_reply "a rule added while running: RCPT new@example.com accepted" \
    "RCPT TO:<new@example.com>" '^250 2\.1\.5 '
e2e_sink_wait 3
check_eq "a rule added while running: delivered to its destination" \
    "sender@example.org alice@mailbox.test" "$(e2e_sink_show | sed -n 3p)"
check_nothing_more "queue empty, nothing else delivered" mx 3
pd_done
