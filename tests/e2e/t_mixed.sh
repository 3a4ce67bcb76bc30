#!/bin/bash
# t_mixed.sh - one message to a forwarded, a rejected and a dropped
# recipient at once: each gets its own answer at RCPT time (only the
# rejected one is refused), the message is accepted, and the sink gets it
# only for the forward's destination.
. "$(dirname "$0")/lib.sh"
e2e_prepare alice@mailbox.test
check_ctl rule add fwd@example.com forward alice@mailbox.test
check_ctl rule add rej@example.com reject "No mail for rej, sorry"
check_ctl rule add drop@example.com drop
check_milter_start

e2e_message "$E2E_TMP/msg" sender@example.org fwd@example.com "three ways"
e2e_send sender@example.org fwd@example.com,rej@example.com,drop@example.com \
    "$E2E_TMP/msg"
check_reply "RCPT fwd@example.com accepted" "RCPT TO:<fwd@example.com>" \
    '^250 2\.1\.5 '
check_eq "RCPT rej@example.com refused with the rule's text" \
    "550 5.7.1 <rej@example.com>: Recipient address rejected: No mail for rej, sorry" \
    "$(swaks_reply "$SWAKS_OUT" "RCPT TO:<rej@example.com>")"
check_reply "RCPT drop@example.com accepted" "RCPT TO:<drop@example.com>" \
    '^250 2\.1\.5 '
check_reply "message accepted" "." '^250 2\.0\.0 Ok: queued as '
check_eq "swaks exits 0 (some recipients accepted)" 0 "$SWAKS_RC"
check_sink "sink: one message, only for the forward's destination" 1 \
    "sender@example.org alice@mailbox.test"
check_body "sink: message byte for byte as sent" 1 "$E2E_TMP/msg"
check_nothing_more "mx queue empty, nothing else delivered" mx 1
e2e_done
