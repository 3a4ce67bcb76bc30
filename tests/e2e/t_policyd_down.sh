#!/bin/bash
# t_policyd_down.sh - when route-policyd cannot answer, nothing is
# accepted that should not be: killed, Postfix applies the configured
# default_action=DEFER (4xx for every recipient, known or not); without
# a default_action Postfix's own tempfail applies; a route-policyd that
# cannot read the store defers with DEFER_IF_PERMIT 4.3.0.  Restarted
# over the dead one's socket, it answers again.
. "$(dirname "$0")/lib.sh"
. "$(dirname "$0")/lib_policyd.sh"
pd_prepare
check_ctl rule add info@example.com forward alice@mailbox.test
check_milter_start
check_pd_start

e2e_message "$E2E_TMP/msg" sender@example.org info@example.com "down"
e2e_send sender@example.org info@example.com "$E2E_TMP/msg"
check_reply "running: a known recipient is accepted" \
    "RCPT TO:<info@example.com>" '^250 2\.1\.5 '
check_sink "running: delivered" 1 "sender@example.org alice@mailbox.test"

# Killed: Postfix cannot ask, and applies default_action.
pd_kill9
e2e_send sender@example.org info@example.com,nobody@example.com \
    "$E2E_TMP/msg"
check_reply "killed, default_action=DEFER: known recipient deferred" \
    "RCPT TO:<info@example.com>" \
    '^450 4\.7\.1 <info@example\.com>: Recipient address rejected: '
check_reply "killed, default_action=DEFER: unknown recipient deferred" \
    "RCPT TO:<nobody@example.com>" '^450 4\.7\.1 '
check_eq "killed: swaks exits 24, no DATA sent" "24 0" \
    "$SWAKS_RC $(grep -c '^ *-> DATA' "$SWAKS_OUT")"
KILLED_REPLY=$(swaks_reply "$SWAKS_OUT" "RCPT TO:<info@example.com>")

pd_postfix_policy mx
e2e_send sender@example.org info@example.com "$E2E_TMP/msg"
check_reply "killed, no default_action: Postfix's own 451 4.3.5" \
    "RCPT TO:<info@example.com>" '^451 4\.3\.5 '
NODEFAULT_REPLY=$(swaks_reply "$SWAKS_OUT" "RCPT TO:<info@example.com>")
check_nothing_more "killed: nothing queued, nothing more delivered" mx 1

# The store unreadable: route-policyd starts, and defers.
pd_postfix_policy mx "default_action=DEFER"
POLICYD_CONF=$E2E_TMP/nostore.conf
sed "s|^store = .*|store = \"sqlite:$E2E_TMP/missing/routes.db\";|" \
    "$MILTER_CONF" >"$POLICYD_CONF"
check_pd_start
e2e_send sender@example.org info@example.com,x@example.org "$E2E_TMP/msg"
check_reply "no store: a routed recipient gets 450 4.3.0, not 5xx" \
    "RCPT TO:<info@example.com>" \
    '^450 4\.3\.0 <info@example\.com>: Recipient address rejected: Temporary routing failure, try again later$'
check_reply "no store: every recipient is deferred" "RCPT TO:<x@example.org>" \
    '^450 4\.3\.0 '
NOSTORE_REPLY=$(swaks_reply "$SWAKS_OUT" "RCPT TO:<info@example.com>")
check_nothing_more "no store: nothing queued, nothing more delivered" mx 1
check_run "no store: route-policyd logs the deferral" \
    pd_log_has "policy: defer RCPT <info@example.com>"
pd_stop

# Restarted over the socket a killed run left.
POLICYD_CONF=
check_pd_start
e2e_send sender@example.org info@example.com "$E2E_TMP/msg"
check_reply "restarted: a known recipient is accepted again" \
    "RCPT TO:<info@example.com>" '^250 2\.1\.5 '
check_sink "restarted: delivered" 2 "sender@example.org alice@mailbox.test
sender@example.org alice@mailbox.test"
echo "# killed, default_action=DEFER: $KILLED_REPLY"
echo "# killed, no default_action: $NODEFAULT_REPLY"
echo "# store unreadable: $NOSTORE_REPLY"
pd_done
