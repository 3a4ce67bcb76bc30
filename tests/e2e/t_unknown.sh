#!/bin/bash
# t_unknown.sh - an address without a rule in a routed domain is refused
# with 550 5.1.1 when the domain says unknown=reject (the default), and
# passes through untouched to the host MTA when it says unknown=pass.
. "$(dirname "$0")/lib.sh"
e2e_prepare alice@mailbox.test
check_ctl domain add example.net --unknown pass
check_ctl rule add info@example.com forward alice@mailbox.test
check_milter_start

e2e_message "$E2E_TMP/msg" sender@example.org nobody@example.com "unknown"
e2e_send sender@example.org nobody@example.com "$E2E_TMP/msg"
check_reply "RCPT nobody@example.com refused with 550 5.1.1" \
    "RCPT TO:<nobody@example.com>" '^550 5\.1\.1 [^ ]'
check_eq "swaks exits 24 (no recipient accepted)" 24 "$SWAKS_RC"
check_nothing_more "mx queue empty and nothing at the sink" mx 0

e2e_message "$E2E_TMP/msg2" sender@example.org nobody@example.net "pass"
e2e_send sender@example.org nobody@example.net "$E2E_TMP/msg2"
check_reply "unknown=pass: RCPT nobody@example.net accepted" \
    "RCPT TO:<nobody@example.net>" '^250 2\.1\.5 '
check_reply "unknown=pass: message accepted" "." '^250 2\.0\.0 Ok: queued as '
check_sink "sink: nobody@example.net delivered as addressed" 1 \
    "sender@example.org nobody@example.net"
check_body "sink: message byte for byte as sent" 1 "$E2E_TMP/msg2"
e2e_done
