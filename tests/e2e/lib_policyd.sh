# lib_policyd.sh - route-policyd in the e2e harness (bash, sourced after
# lib.sh by the t_policyd_*.sh scenarios): its configuration beside the
# milter's, start, stop and kill by pid, the check that it stopped
# cleanly, and Postfix's smtpd_recipient_restrictions pointing at it.

POLICYD="$top_builddir/policyd/route-policyd"
POLICYD_PID=""
POLICYD_RUNS="" # how each run ended, as E2E_MILTER_RUNS
POLICYD_SOCKET=""

# pd_policyd_lines SOCKET - the policyd group for e2e_milter_conf's extra
# lines: SOCKET, group postfix so that smtpd may connect.
pd_policyd_lines() {
	echo "policyd = { socket = \"$1\"; group = \"postfix\"; socket_mode = \"0660\"; };"
}

# pd_prepare [CONFLINE...] - the rig of e2e_prepare (sink, Postfix "mx"
# wired to route-milter, domain example.com, destination
# alice@mailbox.test) with route-policyd's group and CONFLINEs in the
# configuration, and Postfix asking route-policyd about every recipient
# from outside mynetworks, deferring when it cannot be asked.
pd_prepare() {
	e2e_init
	POLICYD_SOCKET="unix:$E2E_TMP/run/policy.sock"
	e2e_rig "" "$(pd_policyd_lines "$POLICYD_SOCKET")" "$@"
	check_ctl domain add example.com
	check_dests alice@mailbox.test
	pd_postfix_policy mx "default_action=DEFER"
}

# pd_postfix_policy NAME [OPTION...] - smtpd_recipient_restrictions of
# instance NAME with check_policy_service on POLICYD_SOCKET, in the
# braced form with OPTIONs when there are any; then a reload.
pd_postfix_policy() {
	local name=$1 svc=${POLICYD_SOCKET} opts
	shift
	opts=$(IFS=,; echo "$*")
	[ -n "$opts" ] && svc="{ $svc, $opts }"
	e2e_postconf "$name" "smtpd_recipient_restrictions = permit_mynetworks, reject_unauth_destination, check_policy_service $svc"
	postfix -c "$E2E_TMP/$name/etc" reload >>"$E2E_TMP/$name/start.log" 2>&1
}

# pd_listening - does something accept connections on POLICYD_SOCKET?
pd_listening() {
	ss -xlnH 2>/dev/null | awk '{ print $5 }' |
	    grep -qxF "${POLICYD_SOCKET#unix:}"
}

# pd_start - start route-policyd -f with POLICYD_CONF (default
# MILTER_CONF), its log in policyd.log; wait until it listens.  Returns 1 (log tail on stderr)
# if it does not come up in 10 s.
pd_start() {
	local i
	[ -x "$POLICYD" ] || e2e_bail "no route-policyd at $POLICYD"
	echo "---- start $(date +%T.%N)" >>"$E2E_TMP/policyd.log"
	"$POLICYD" -f -c "${POLICYD_CONF:-$MILTER_CONF}" \
	    >>"$E2E_TMP/policyd.log" 2>&1 &
	POLICYD_PID=$!
	E2E_PIDS="$E2E_PIDS policyd:$POLICYD_PID"
	for i in $(seq 100); do
		grep -q "started on" "$E2E_TMP/policyd.log" && pd_listening &&
		    return 0
		kill -0 "$POLICYD_PID" 2>/dev/null || break
		sleep 0.1
	done
	tail -n 20 "$E2E_TMP/policyd.log" >&2
	return 1
}

# check_pd_start - pd_start as an assertion; bail out when it fails.
check_pd_start() {
	if pd_start 2>"$E2E_TMP/policyd-start.err"; then
		ok "route-policyd starts and listens on $POLICYD_SOCKET"
	else
		not_ok "route-policyd starts and listens on $POLICYD_SOCKET" \
		    "$(cat "$E2E_TMP/policyd-start.err")"
		e2e_bail "cannot go on without route-policyd"
	fi
}

# pd_stop - SIGTERM route-policyd, wait for it; its status is kept.
pd_stop() {
	local pid=$POLICYD_PID how=term status
	[ -n "$pid" ] || return 0
	kill -TERM "$pid" 2>/dev/null || how=died
	if ! e2e_wait_gone "$pid" 10; then
		kill -KILL "$pid" 2>/dev/null
		e2e_wait_gone "$pid" 5
	fi
	wait "$pid" 2>/dev/null
	status=$?
	POLICYD_RUNS="$POLICYD_RUNS $how:$status"
	e2e_forget "$pid"
	POLICYD_PID=""
}

# pd_kill9 - SIGKILL route-policyd, as a crash would.
pd_kill9() {
	[ -n "$POLICYD_PID" ] || return 0
	kill -KILL "$POLICYD_PID" 2>/dev/null
	e2e_wait_gone "$POLICYD_PID" 5
	POLICYD_RUNS="$POLICYD_RUNS kill9"
	e2e_forget "$POLICYD_PID"
	POLICYD_PID=""
}

# pd_log_has TEXT - is TEXT (fixed string) in route-policyd's log?
pd_log_has() {
	grep -qF -- "$1" "$E2E_TMP/policyd.log"
}

# pd_done - assert that every route-policyd run stopped by SIGTERM exited
# 0 with no sanitizer report, show its log if anything failed, and end
# the scenario as e2e_done does.
pd_done() {
	local run bad="" report desc="route-policyd exited cleanly (no sanitizer report)"
	pd_stop
	for run in $POLICYD_RUNS; do
		case $run in
		term:0 | kill9) ;;
		*) bad="$bad $run" ;;
		esac
	done
	report=$(e2e_sanitizer_report "$E2E_TMP/policyd.log")
	if [ -z "$bad" ] && [ -z "$report" ]; then
		ok "$desc"
	else
		not_ok "$desc" "runs:${bad:- all exited 0}" "$report"
	fi
	if [ "$E2E_FAILED" != 0 ] && [ -s "$E2E_TMP/policyd.log" ]; then
		echo "# ---- tail of policyd.log"
		tail -n 40 "$E2E_TMP/policyd.log" | sed 's/^/# /'
	fi
	e2e_done
}
