#!/bin/bash
# t_milter_kill.sh - a milter killed with SIGKILL in the middle of an SMTP
# session (after RCPT, and half-way through the body) makes Postfix
# answer 4xx, so the sender keeps the message; nothing half-done reaches
# the sink; a restarted milter (over the dead one's socket) serves again
# and the retried message arrives exactly once.
. "$(dirname "$0")/lib.sh"
e2e_start

e2e_message "$E2E_TMP/msg" sender@example.org info@example.com "killed"

# killed_at POINT - run a session that pauses at POINT (rcpt or body),
# SIGKILL the milter there, let the session finish; its transcript goes
# to OUT.  (Not in a $(...) subshell: the milter must stay our child.)
killed_at() {
	local out=$E2E_TMP/client.$1
	e2e_client_start "$out" --from sender@example.org \
	    --rcpt info@example.com --data "$E2E_TMP/msg" --pause "$1"
	e2e_milter_kill9
	e2e_client_go
	OUT=$(cat "$out")
}

killed_at rcpt
out=$OUT
check_match "killed after RCPT: RCPT had been accepted" \
    '^RCPT <info@example\.com> 250 ' "$out"
check_match "killed after RCPT: DATA or end of data gets 4xx" \
    '^(DATA|DOT) 4[0-9][0-9] ' "$out"
check_eq "killed after RCPT: never a 250 for the message" "" \
    "$(printf '%s\n' "$out" | grep '^DOT 2')"
check_nothing_more "killed after RCPT: nothing queued, nothing at sink" mx 0

check_milter_start
killed_at body
out=$OUT
check_match "killed mid-body: end of data gets 4xx" '^DOT 4[0-9][0-9] ' "$out"
check_nothing_more "killed mid-body: nothing queued, nothing at sink" mx 0

check_milter_start
e2e_send sender@example.org info@example.com "$E2E_TMP/msg"
check_reply "retry after restart: accepted" "." '^250 2\.0\.0 Ok: queued as '
check_sink "sink: the retried message arrives, routed" 1 \
    "sender@example.org alice@mailbox.test"
check_body "sink: message byte for byte as sent" 1 "$E2E_TMP/msg"
check_nothing_more "exactly one copy, queue empty" mx 1
e2e_done
