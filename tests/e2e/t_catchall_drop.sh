#!/bin/bash
# t_catchall_drop.sh - a catch-all "drop": the sending client is told 250
# (nothing bounces back to a spammer) and nothing is delivered anywhere.
# A forwarded message sent afterwards proves the pipeline was working.
. "$(dirname "$0")/lib.sh"
e2e_prepare alice@mailbox.test
check_ctl rule add @example.com drop
check_ctl rule add info@example.com forward alice@mailbox.test
check_milter_start

e2e_message "$E2E_TMP/spam" spammer@example.org random@example.com "spam"
e2e_send spammer@example.org random@example.com "$E2E_TMP/spam"
check_eq "swaks exits 0" 0 "$SWAKS_RC"
check_reply "RCPT random@example.com accepted" \
    "RCPT TO:<random@example.com>" '^250 2\.1\.5 '
check_reply "dropped message acknowledged with 250" "." '^250 '
check_nothing_more "mx queue empty and nothing at the sink" mx 0

e2e_message "$E2E_TMP/msg" sender@example.org info@example.com "marker"
e2e_send sender@example.org info@example.com "$E2E_TMP/msg"
check_reply "marker message accepted" "." '^250 2\.0\.0 Ok: queued as '
check_sink "sink: only the marker arrived, the dropped message never" 1 \
    "sender@example.org alice@mailbox.test"
check_body "sink: the one message is the marker" 1 "$E2E_TMP/msg"
check_nothing_more "mx queue empty, one message at the sink" mx 1
e2e_done
