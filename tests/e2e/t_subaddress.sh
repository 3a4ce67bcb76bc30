#!/bin/bash
# t_subaddress.sh - info+news@example.com has no rule of its own and is
# forwarded by the rule for info@example.com (sub-addressing, "+" tag);
# with sub-addressing turned off for the domain the same address is
# unknown and refused.
. "$(dirname "$0")/lib.sh"
e2e_start

e2e_message "$E2E_TMP/msg" sender@example.org info+news@example.com "tagged"
e2e_send sender@example.org info+news@example.com "$E2E_TMP/msg"
check_eq "swaks exits 0" 0 "$SWAKS_RC"
check_reply "RCPT info+news@example.com accepted" \
    "RCPT TO:<info+news@example.com>" '^250 2\.1\.5 '
check_reply "message accepted" "." '^250 2\.0\.0 Ok: queued as '
check_sink "sink: forwarded to info@'s destination" 1 \
    "sender@example.org alice@mailbox.test"
check_body "sink: message byte for byte as sent (To: keeps the tag)" 1 \
    "$E2E_TMP/msg"

check_ctl domain set example.com subaddress off
sleep 1	# store_poll_ms is 200: the milter has seen the change by now
e2e_send sender@example.org info+news@example.com "$E2E_TMP/msg"
check_reply "subaddress off: info+news@example.com is unknown, 550 5.1.1" \
    "RCPT TO:<info+news@example.com>" '^550 5\.1\.1 '
check_eq "subaddress off: swaks exits 24 (all recipients refused)" 24 \
    "$SWAKS_RC"
check_nothing_more "mx queue empty, still one message at the sink" mx 1
e2e_done
