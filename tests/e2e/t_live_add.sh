#!/bin/bash
# t_live_add.sh - a rule added with milter-ctl while the milter runs
# applies to new mail within 1 s, without a restart; removing it also
# applies within 1 s.  The probe reuses one SMTP connection, as a busy
# sending MTA does, so the change must reach a session that was already
# open (each new message takes the current rules).  The milter listens
# on an inet socket here (the other scenarios use a unix socket).
. "$(dirname "$0")/lib.sh"
e2e_prepare --inet alice@mailbox.test
# The probe's refused RCPTs must not slow it down or end its session.
e2e_postconf mx "smtpd_soft_error_limit = 1000" \
    "smtpd_hard_error_limit = 1000" "smtpd_error_sleep_time = 0"
postfix -c "$E2E_TMP/mx/etc" reload >/dev/null 2>&1
check_milter_start

e2e_message "$E2E_TMP/msg" sender@example.org new@example.com "live"
e2e_send sender@example.org new@example.com "$E2E_TMP/msg"
check_reply "before the rule: new@example.com unknown, 550 5.1.1" \
    "RCPT TO:<new@example.com>" '^550 5\.1\.1 '

# probe_change ERE CMD... - open an SMTP session and see the current
# reply to RCPT new@example.com; run CMD (a milter-ctl change); then probe
# again on the same connection, a new message each time, until the reply
# matches ERE, at most 1 s after CMD returned.  Sets BEFORE (the reply
# before the change), CTL_RC and TOOK (milliseconds, or why not).
probe_change() {
	local ere=$1 out=$E2E_TMP/probe.out
	shift
	e2e_client_start "$out" --from sender@example.org \
	    --rcpt new@example.com --probe "$ere" --limit 1000
	"$@" >/dev/null
	CTL_RC=$?
	e2e_client_go
	BEFORE=$(sed -n 's/^BEFORE //p' "$out")
	TOOK=$(sed -n 's/^PROBE \([0-9]*\) ms.*/\1/p; /^PROBE t/p' "$out")
	[ -n "$TOOK" ] || TOOK="no result: $(cat "$out")"
}

# within_1s DESC TOOK - assert that TOOK is a number of ms, at most 1000.
within_1s() {
	case $2 in
	[0-9]*) [ "$2" -le 1000 ] && ok "$1 (took $2 ms)" && return ;;
	esac
	not_ok "$1" "${2:-the probe printed nothing}"
}

probe_change '^250 ' ctl rule add new@example.com forward alice@mailbox.test
check_eq "milter-ctl rule add new@example.com forward ... exits 0" 0 "$CTL_RC"
check_match "open session before the add: 550 5.1.1" '^550 5\.1\.1 ' "$BEFORE"
within_1s "new rule applies within 1 s, in that same session" "$TOOK"
e2e_send sender@example.org new@example.com "$E2E_TMP/msg"
check_reply "message to new@example.com accepted" "." \
    '^250 2\.0\.0 Ok: queued as '
check_sink "sink: new@example.com forwarded by the new rule" 1 \
    "sender@example.org alice@mailbox.test"

probe_change '^550 5\.1\.1 ' ctl rule remove new@example.com
check_eq "milter-ctl rule remove new@example.com exits 0" 0 "$CTL_RC"
check_match "open session before the removal: 250" '^250 ' "$BEFORE"
within_1s "removal applies within 1 s, in that same session" "$TOOK"
check_nothing_more "mx queue empty, one message delivered" mx 1
e2e_done
