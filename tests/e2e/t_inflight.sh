#!/bin/bash
# t_inflight.sh - a message in flight finishes with the rule table it
# started with.  A session pauses after RCPT info@example.com (forwarded
# to alice); the rule is replaced by a forward to bob and the milter has
# well over a second to load it; a message sent meanwhile already goes to
# bob, yet the paused one, resumed, still goes to alice.  The next message
# goes to bob.
. "$(dirname "$0")/lib.sh"
e2e_start
check_dests bob@mailbox.test

e2e_message "$E2E_TMP/msg1" first@example.org info@example.com "in flight"
e2e_client_start "$E2E_TMP/client.out" --from first@example.org \
    --rcpt info@example.com --data "$E2E_TMP/msg1" --pause rcpt ||
    e2e_bail "the SMTP client did not pause after RCPT"
check_match "paused session: RCPT info@example.com accepted" \
    '^RCPT <info@example\.com> 250 ' "$(cat "$E2E_TMP/client.out")"

check_ctl rule remove info@example.com
check_ctl rule add info@example.com forward bob@mailbox.test
sleep 1.5	# store_poll_ms is 200: the milter has loaded the new table

e2e_message "$E2E_TMP/msg2" second@example.org info@example.com "meanwhile"
e2e_send second@example.org info@example.com "$E2E_TMP/msg2"
check_reply "message sent during the pause accepted" "." \
    '^250 2\.0\.0 Ok: queued as '
check_sink "sink: the message sent during the pause went to bob" 1 \
    "second@example.org bob@mailbox.test"

e2e_client_go
check_match "paused session resumed: message accepted" \
    '^DOT 250 2\.0\.0 Ok: queued as ' "$(cat "$E2E_TMP/client.out")"
check_sink "sink: the message in flight went to alice, by its old table" 2 \
    "second@example.org bob@mailbox.test
first@example.org alice@mailbox.test"
check_body "sink: the message in flight byte for byte as sent" 2 \
    "$E2E_TMP/msg1"

e2e_message "$E2E_TMP/msg3" third@example.org info@example.com "afterwards"
e2e_send third@example.org info@example.com "$E2E_TMP/msg3"
check_reply "next message accepted" "." '^250 2\.0\.0 Ok: queued as '
check_sink "sink: the next message went to bob" 3 \
    "second@example.org bob@mailbox.test
first@example.org alice@mailbox.test
third@example.org bob@mailbox.test"
check_nothing_more "mx queue empty, three messages delivered" mx 3
e2e_done
