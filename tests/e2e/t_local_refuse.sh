#!/bin/bash
# t_local_refuse.sh - in a local submission (sendmail(1), non_smtpd_milters)
# Postfix cannot refuse one recipient: a refusal at RCPT would leave the
# message in the maildrop queue for ever.  route-milter accepts there and
# refuses the whole message at its end with the first refusal, so Postfix
# bounces it to the sender with that reason and nothing is delivered.
. "$(dirname "$0")/lib.sh"
e2e_prepare alice@mailbox.test
check_ctl rule add info@example.com forward alice@mailbox.test
check_ctl rule add rej@example.com reject "No mail for rej"
check_milter_start

e2e_message "$E2E_TMP/msg" cron@example.org info@example.com "local refuse"
check_run "sendmail to a forwarded and a rejected recipient exits 0" \
    e2e_sendmail mx -i -f cron@example.org info@example.com \
    rej@example.com <"$E2E_TMP/msg"
check_sink "sink: only a bounce to the sender, nothing forwarded" 1 \
    "<> cron@example.org"
check_match "the bounce gives the rejected recipient and the rule's text" \
    "rej@example.com>: Recipient address rejected: No" "$(tr -d '\r' <"$(e2e_sink_file 1)")"
e2e_queue_wait_empty mx 20
check_eq "mx queue empty: nothing stuck in maildrop" "Mail queue is empty" \
    "$(postqueue -c "$E2E_TMP/mx/etc" -p)"
check_eq "Postfix logged no milter configuration error" 0 \
    "$(grep -c 'milter configuration error' "$E2E_TMP/mx/maillog")"
check_match "milter log: the message was rejected as a whole" \
    "result=rejected 550 5\.7\.1" "$(cat "$E2E_TMP/milter.log")"

e2e_message "$E2E_TMP/msg2" cron@example.org info@example.com "local ok"
check_run "sendmail to the forwarded recipient alone exits 0" \
    e2e_sendmail mx -i -f cron@example.org info@example.com <"$E2E_TMP/msg2"
check_sink "sink: then it is forwarded as usual" 2 \
    "<> cron@example.org
cron@example.org alice@mailbox.test"
check_nothing_more "mx queue empty, two messages delivered" mx 2
e2e_done
