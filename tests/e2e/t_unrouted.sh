#!/bin/bash
# t_unrouted.sh - mail for a domain that was never added passes through
# untouched: same recipient, same sender, same bytes; in a message that
# also has a routed recipient only the routed one is rewritten.
. "$(dirname "$0")/lib.sh"
e2e_prepare alice@mailbox.test
check_ctl rule add info@example.com forward alice@mailbox.test
check_ctl rule add @example.com drop
check_milter_start

e2e_message "$E2E_TMP/msg" sender@example.com someone@example.org "plain"
e2e_send sender@example.com someone@example.org "$E2E_TMP/msg"
check_reply "RCPT someone@example.org accepted" \
    "RCPT TO:<someone@example.org>" '^250 2\.1\.5 '
check_reply "message accepted" "." '^250 2\.0\.0 Ok: queued as '
check_sink "sink: recipient and sender unchanged" 1 \
    "sender@example.com someone@example.org"
check_body "sink: message byte for byte as sent" 1 "$E2E_TMP/msg"

e2e_message "$E2E_TMP/msg2" sender@example.org someone@example.org "both"
e2e_send sender@example.org someone@example.org,info@example.com \
    "$E2E_TMP/msg2"
check_reply "both recipients: message accepted" "." \
    '^250 2\.0\.0 Ok: queued as '
# Postfix delivers the two with different transports (relay for a
# relay_domains address, smtp for the rest), so as two messages.
e2e_sink_wait 3
check_eq "sink: the unrouted recipient kept, the routed one forwarded" \
    "sender@example.org alice@mailbox.test
sender@example.org someone@example.org" "$(e2e_sink_show | sed 1d | sort)"
check_nothing_more "mx queue empty, nothing else delivered" mx 3
e2e_done
