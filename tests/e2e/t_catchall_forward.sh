#!/bin/bash
# t_catchall_forward.sh - "@example.com" catches every address of the
# domain that has no rule of its own; an exact rule still wins over it.
. "$(dirname "$0")/lib.sh"
e2e_prepare alice@mailbox.test bob@mailbox.test
check_ctl rule add @example.com forward alice@mailbox.test
check_ctl rule add info@example.com forward bob@mailbox.test
check_milter_start

e2e_message "$E2E_TMP/msg1" sender@example.org whoever@example.com "catch-all"
e2e_send sender@example.org whoever@example.com "$E2E_TMP/msg1"
check_reply "RCPT whoever@example.com accepted" \
    "RCPT TO:<whoever@example.com>" '^250 2\.1\.5 '
check_reply "message to whoever@ accepted" "." '^250 2\.0\.0 Ok: queued as '
check_sink "sink: whoever@example.com went to the catch-all's destination" 1 \
    "sender@example.org alice@mailbox.test"
check_body "sink: message byte for byte as sent" 1 "$E2E_TMP/msg1"

e2e_message "$E2E_TMP/msg2" sender@example.org info@example.com "exact rule"
e2e_send sender@example.org info@example.com "$E2E_TMP/msg2"
check_reply "message to info@ accepted" "." '^250 2\.0\.0 Ok: queued as '
check_sink "sink: info@example.com went to its own rule's destination" 2 \
    "sender@example.org alice@mailbox.test
sender@example.org bob@mailbox.test"
check_nothing_more "mx queue empty, two messages delivered in all" mx 2
e2e_done
