#!/bin/bash
# t_milter_down.sh - nothing is lost while the milter is down.  A client
# talking to the MX directly gets 451 4.7.1 (milter_default_action =
# tempfail).  A second private Postfix acting as the sending MTA queues
# the message, is deferred with 451, and once the milter is back the
# message is delivered exactly once, routed.
. "$(dirname "$0")/lib.sh"
e2e_prepare alice@mailbox.test
check_ctl rule add info@example.com forward alice@mailbox.test

e2e_postfix_new relay "$SENDER_PORT" "[127.0.0.1]:$SMTP_PORT" ""
# From another address than the MX's own, as a remote MTA would be.
e2e_postconf relay "smtp_bind_address = 127.0.0.3"
e2e_postfix_start relay "$SENDER_PORT"

e2e_message "$E2E_TMP/msg" sender@example.org info@example.com "retry me"
e2e_send sender@example.org info@example.com "$E2E_TMP/msg"
check_reply "milter down: direct client gets 451 4.7.1 at MAIL" \
    "MAIL FROM" '^451 4\.7\.1 '
check_eq "milter down: swaks exits 23" 23 "$SWAKS_RC"

SWAKS_PORT=$SENDER_PORT e2e_send sender@example.org info@example.com \
    "$E2E_TMP/msg"
check_reply "sending MTA accepts the message" "." \
    '^250 2\.0\.0 Ok: queued as '
qid=$(swaks_reply "$SWAKS_OUT" "." |
    sed -n 's/.*queued as \([0-9A-F]*\).*/\1/p')

deferred=""
for i in $(seq 200); do
	deferred=$(e2e_maillog relay | grep "$qid: to=<info@example.com>" |
	    grep 'status=deferred' | head -n 1)
	[ -z "$deferred" ] || break
	sleep 0.1
done
check_match "sending MTA deferred it: the MX said 451 4.7.1" \
    'status=deferred \(host 127\.0\.0\.1\[127\.0\.0\.1\] said: 451 4\.7\.1 ' \
    "$deferred"
check_eq "sending MTA still holds the message" 1 "$(e2e_queue_count relay)"
check_eq "nothing at the sink while the milter is down" 0 "$(e2e_sink_count)"

check_milter_start
check_run "postqueue -f on the sending MTA" \
    postqueue -c "$E2E_TMP/relay/etc" -f
check_sink "milter back: the message arrives, routed" 1 \
    "sender@example.org alice@mailbox.test" 30
check_body "sink: message byte for byte as sent" 1 "$E2E_TMP/msg"
e2e_queue_wait_empty relay 20
e2e_queue_wait_empty mx 20
sleep 3	# longer than maximal_backoff_time: a duplicate would show now
check_eq "exactly one copy at the sink" 1 "$(e2e_sink_count)"
check_eq "both queues empty" "0 0" \
    "$(e2e_queue_count relay) $(e2e_queue_count mx)"
check_eq "sending MTA logged exactly one successful delivery" 1 \
    "$(e2e_maillog relay | grep "$qid: to=<info@example.com>" |
    grep -c 'status=sent')"
e2e_done
