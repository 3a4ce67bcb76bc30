#!/bin/bash
# t_forward.sh - one address forwarded to one destination through Postfix.
# The sender sees 250s, the sink gets the message once, for the
# destination only, with the original envelope sender and the message
# byte for byte as sent.
. "$(dirname "$0")/lib.sh"
e2e_start

e2e_message "$E2E_TMP/msg" sender@example.org info@example.com "single forward"
e2e_send sender@example.org info@example.com "$E2E_TMP/msg"
check_eq "swaks exits 0" 0 "$SWAKS_RC"
check_reply "RCPT info@example.com accepted" "RCPT TO:<info@example.com>" \
    '^250 2\.1\.5 '
check_reply "message accepted" "." '^250 2\.0\.0 Ok: queued as '
check_sink "sink: sender unchanged, recipient is the destination only" 1 \
    "sender@example.org alice@mailbox.test"
check_body "sink: headers and body byte for byte as sent" 1 "$E2E_TMP/msg"
check_nothing_more "mx queue empty, exactly one message delivered" mx 1
e2e_done
