#!/bin/bash
# t_local_submit.sh - mail submitted on the host with sendmail(1) goes
# through non_smtpd_milters, where Postfix hands the milter addresses
# without angle brackets; it is routed exactly like mail from SMTP.
. "$(dirname "$0")/lib.sh"
e2e_prepare alice@mailbox.test bob@mailbox.test
check_ctl rule add info@example.com forward alice@mailbox.test
check_ctl rule add @example.com forward bob@mailbox.test
check_milter_start

e2e_message "$E2E_TMP/msg" cron@example.org info@example.com "from cron"
check_run "sendmail -f cron@example.org info@example.com exits 0" \
    e2e_sendmail mx -i -f cron@example.org info@example.com <"$E2E_TMP/msg"
check_sink "sink: forwarded to info@'s destination, sender kept" 1 \
    "cron@example.org alice@mailbox.test"

check_run "sendmail to info+tag@ and another@ exits 0" \
    e2e_sendmail mx -i -f cron@example.org info+tag@example.com \
    another@example.com <"$E2E_TMP/msg"
check_sink "sink: +tag and catch-all applied to local mail too" 2 \
    "cron@example.org alice@mailbox.test
cron@example.org alice@mailbox.test bob@mailbox.test"
# Local submission may add or rewrite headers (Postfix's job); the
# Subject and the body must come through unchanged.
body_of() { tr -d '\r' <"$1" | sed '1,/^$/d'; }
check_eq "sink: the body arrived unchanged" "$(body_of "$E2E_TMP/msg")" \
    "$(body_of "$(e2e_sink_file 1)")"
check_eq "sink: the Subject arrived unchanged" "Subject: from cron" \
    "$(tr -d '\r' <"$(e2e_sink_file 1)" | grep '^Subject:')"
check_nothing_more "mx queue empty, two messages delivered" mx 2
e2e_done
