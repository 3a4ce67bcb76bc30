#!/bin/bash
# t_multi_dest.sh - one address forwarded to three destinations: one
# message in, one delivery carrying all three recipients, nothing else.
. "$(dirname "$0")/lib.sh"
e2e_prepare alice@mailbox.test bob@mailbox.test carol@other.test
check_ctl rule add team@example.com forward alice@mailbox.test \
    bob@mailbox.test carol@other.test
check_milter_start

e2e_message "$E2E_TMP/msg" sender@example.org team@example.com "to three"
e2e_send sender@example.org team@example.com "$E2E_TMP/msg"
check_eq "swaks exits 0" 0 "$SWAKS_RC"
check_reply "RCPT team@example.com accepted" "RCPT TO:<team@example.com>" \
    '^250 2\.1\.5 '
check_reply "message accepted" "." '^250 2\.0\.0 Ok: queued as '
check_sink "sink: one message for exactly the three destinations" 1 \
    "sender@example.org alice@mailbox.test bob@mailbox.test carol@other.test"
check_body "sink: message byte for byte as sent" 1 "$E2E_TMP/msg"
check_nothing_more "mx queue empty, nothing else delivered" mx 1
e2e_done
