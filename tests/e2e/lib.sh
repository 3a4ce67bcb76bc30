# lib.sh - harness for the end-to-end tests and the demo (bash, sourced).
#
# Starts a private Postfix (own config, queue and log under a temp dir),
# route-milter, and a sink that keeps what Postfix delivers byte-exact;
# prints TAP (sending and its checks are in lib_send.sh).  Each scenario
# re-executes itself inside `unshare --net --mount` when it can, so fixed
# ports on a private loopback never clash with anything; otherwise it
# picks free ports.  Everything it starts is stopped by pid from an EXIT
# trap, also when a test fails; route-milter's exit is checked for
# sanitizer reports.

E2E_LIBDIR=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
: "${top_srcdir:=$(cd "$E2E_LIBDIR/../.." && pwd)}"
: "${top_builddir:=$top_srcdir}"
E2E_PY=/usr/bin/python3
E2E_PIDS=""		# "kind:pid" of everything we started
E2E_POSTFIXES=""	# config dirs of running Postfix instances
E2E_MILTER_PID=""
E2E_N=0
E2E_FAILED=0
E2E_SWAKS_N=0
E2E_TMP=""
E2E_MILTER_RUNS=""	# how each route-milter run ended: term:STATUS (stopped
			# by us), died:STATUS (before we stopped it), kill9
E2E_CLIENT_PID=""

# In a sanitizer build (configure --enable-sanitizers) a report must end
# the process with a status the harness sees, and leaks must be looked
# for at exit; a caller's own settings win.
: "${ASAN_OPTIONS=exitcode=23:detect_leaks=1}"
: "${UBSAN_OPTIONS=halt_on_error=1:print_stacktrace=1}"
export ASAN_OPTIONS UBSAN_OPTIONS

. "$E2E_LIBDIR/lib_send.sh"

# e2e_skip - report the whole scenario as skipped (TAP) and exit 0.
e2e_skip() {
	echo "1..0 # SKIP $*"
	exit 0
}

# e2e_missing - print why the harness cannot run here, or nothing.
e2e_missing() {
	[ "$(id -u)" = 0 ] || { echo "needs root (Postfix)"; return; }
	command -v postfix >/dev/null 2>&1 || [ -x /usr/sbin/postfix ] ||
	    { echo "postfix not installed"; return; }
	command -v swaks >/dev/null 2>&1 || { echo "swaks not installed"; return; }
	[ -x "$E2E_PY" ] && "$E2E_PY" -c 'import aiosmtpd' 2>/dev/null ||
	    { echo "python3-aiosmtpd not installed"; return; }
	getent passwd postfix >/dev/null && getent group postdrop >/dev/null ||
	    { echo "no postfix user or postdrop group"; return; }
}

# e2e_enter_ns - re-execute the calling script in its own network and
# mount namespace if possible; returns (in the new process) with the
# loopback up and fixed ports set, or with free ports when not possible.
e2e_enter_ns() {
	export PATH="$PATH:/usr/sbin:/sbin"
	if [ -z "${E2E_IN_NS:-}" ] && [ -z "${E2E_NO_NS:-}" ] &&
	    command -v ip >/dev/null 2>&1 &&
	    unshare --net --mount true 2>/dev/null; then
		E2E_IN_NS=1 exec unshare --net --mount -- bash "$0" "$@"
	fi
	if [ -n "${E2E_IN_NS:-}" ]; then
		ip link set lo up ||
		    { echo "e2e: ip link set lo up failed" >&2; exit 99; }
		SMTP_PORT=2525 SENDER_PORT=2526 SINK_PORT=2600
		MILTER_PORT=2700 DEAD_PORT=2799
	else
		set -- $("$E2E_PY" -c '
import socket
ss = [socket.socket() for _ in range(5)]
for s in ss: s.bind(("127.0.0.1", 0))
print(" ".join(str(s.getsockname()[1]) for s in ss))')
		SMTP_PORT=$1 SENDER_PORT=$2 SINK_PORT=$3 MILTER_PORT=$4
		DEAD_PORT=$5
	fi
}

# e2e_init - first step of every scenario (through e2e_prepare): skip if
# the tools are not there, enter the namespace (scenarios take no
# arguments), make the temp dir, install the cleanup trap.
e2e_init() {
	local why
	why=$(e2e_missing)
	[ -z "$why" ] || e2e_skip "$why"
	e2e_enter_ns
	e2e_mktemp
	CTL="$top_builddir/ctl/milter-ctl"
	MILTER="$top_builddir/milter/route-milter"
}

# e2e_mktemp - the per-run directory; traversable by the postfix user,
# which must reach the milter socket, its queue and its log in it.
e2e_mktemp() {
	E2E_TMP=$(mktemp -d "${TMPDIR:-/tmp}/route-e2e.XXXXXX") || exit 99
	chmod 755 "$E2E_TMP"
	mkdir -p "$E2E_TMP/sink" "$E2E_TMP/run"
	chmod 755 "$E2E_TMP/run"
	trap e2e_cleanup EXIT
	trap 'exit 129' HUP
	trap 'exit 130' INT
	trap 'exit 143' TERM
	trap 'exit 141' PIPE
}

# ---------------------------------------------------------------- TAP

# ok - record a passing assertion.
ok() {
	E2E_N=$((E2E_N + 1))
	echo "ok $E2E_N - $1"
}

# not_ok - record a failing assertion; further lines are TAP comments.
not_ok() {
	local desc=$1
	shift
	E2E_N=$((E2E_N + 1))
	E2E_FAILED=$((E2E_FAILED + 1))
	echo "not ok $E2E_N - $desc"
	local line
	for line in "$@"; do
		printf '%s\n' "$line" | sed 's/^/#   /'
	done
}

# check_eq - assert that GOT equals EXPECTED exactly.
check_eq() {
	if [ "$2" = "$3" ]; then
		ok "$1"
	else
		not_ok "$1" "expected: $2" "got:      $3"
	fi
}

# check_match - assert that GOT matches the extended regex ERE.
check_match() {
	if printf '%s\n' "$3" | grep -Eq -- "$2"; then
		ok "$1"
	else
		not_ok "$1" "expected to match: $2" "got: $3"
	fi
}

# check_run - assert that a command exits 0; shows its output if not.
check_run() {
	local desc=$1 out rc
	shift
	out=$("$@" 2>&1)
	rc=$?
	if [ $rc = 0 ]; then
		ok "$desc"
	else
		not_ok "$desc" "command: $*" "exit $rc: $out"
	fi
	return $rc
}

# e2e_done - check that route-milter stops cleanly, print the plan, the
# logs if anything failed, and exit.
e2e_done() {
	check_milter_clean
	echo "1..$E2E_N"
	if [ "$E2E_FAILED" != 0 ]; then
		e2e_show_logs
		exit 1
	fi
	exit 0
}

# e2e_bail - give up on the scenario (the harness itself broke).
e2e_bail() {
	echo "Bail out! $*"
	e2e_show_logs
	exit 99
}

# e2e_show_logs - the tails of every log, as TAP comments.
e2e_show_logs() {
	local f
	[ -n "$E2E_TMP" ] || return 0
	for f in "$E2E_TMP"/*/maillog "$E2E_TMP"/milter.log \
	    "$E2E_TMP"/sink.log; do
		[ -s "$f" ] || continue
		echo "# ---- tail of ${f#"$E2E_TMP"/}"
		tail -n 40 "$f" | sed 's/^/# /'
	done
}

# ------------------------------------------------------------ cleanup

# e2e_wait_gone - wait up to SECS for PID to exit; 0 if it did.
e2e_wait_gone() {
	local pid=$1 tenths=$(($2 * 10))
	while kill -0 "$pid" 2>/dev/null; do
		[ "$tenths" -gt 0 ] || return 1
		tenths=$((tenths - 1))
		sleep 0.1
	done
	# No "wait": in a subshell bash may block in it for unrelated children;
	# its SIGCHLD handler reaps our own children anyway.
	return 0
}

# e2e_cleanup - EXIT trap: stop everything we started, by pid.
e2e_cleanup() {
	local rc=$? dir entry pid
	trap - EXIT
	for dir in $E2E_POSTFIXES; do
		e2e_postfix_stop_dir "$dir" >/dev/null 2>&1
	done
	for entry in $E2E_PIDS; do
		pid=${entry#*:}
		kill -0 "$pid" 2>/dev/null || continue
		kill -TERM "$pid" 2>/dev/null
		e2e_wait_gone "$pid" 10 || {
			kill -KILL "$pid" 2>/dev/null
			e2e_wait_gone "$pid" 5
		}
	done
	if [ -n "$E2E_TMP" ] && [ -z "${E2E_KEEP:-}" ]; then
		rm -rf "$E2E_TMP"
	elif [ -n "$E2E_TMP" ]; then
		echo "# kept $E2E_TMP"
	fi
	exit $rc
}

# e2e_forget - drop PID from the list the cleanup stops.
e2e_forget() {
	local entry keep=""
	for entry in $E2E_PIDS; do
		[ "${entry#*:}" = "$1" ] || keep="$keep $entry"
	done
	E2E_PIDS=$keep
}

# -------------------------------------------------------------- sink

# e2e_tcp_listening - is something listening on 127.0.0.1:PORT?
e2e_tcp_listening() {
	if command -v ss >/dev/null 2>&1; then
		[ -n "$(ss -ltnH "sport = :$1" 2>/dev/null)" ]
	else
		(exec 3<>"/dev/tcp/127.0.0.1/$1") 2>/dev/null
	fi
}

# e2e_wait_listening - wait up to 10 s for a TCP listener on PORT.
e2e_wait_listening() {
	local i
	for i in $(seq 100); do
		e2e_tcp_listening "$1" && return 0
		sleep 0.1
	done
	return 1
}

# e2e_sink_start - start the byte-exact sink on SINK_PORT.
e2e_sink_start() {
	local pid
	"$E2E_PY" "$E2E_LIBDIR/sink.py" serve "$SINK_PORT" "$E2E_TMP/sink" \
	    "$E2E_TMP/run/sink.pid" >>"$E2E_TMP/sink.log" 2>&1 &
	pid=$!
	E2E_PIDS="$E2E_PIDS sink:$pid"
	e2e_wait_listening "$SINK_PORT" && [ -s "$E2E_TMP/run/sink.pid" ] ||
	    e2e_bail "sink did not start on port $SINK_PORT"
}

# e2e_sink_count - how many complete messages the sink holds.
e2e_sink_count() {
	local n=0 f
	for f in "$E2E_TMP"/sink/*.json; do
		[ -e "$f" ] && n=$((n + 1))
	done
	echo $n
}

# e2e_sink_wait - wait up to SECS (default 20) until the sink holds at
# least N messages; 0 if it does.
e2e_sink_wait() {
	local n=$1 tenths=$((${2:-20} * 10))
	while [ "$(e2e_sink_count)" -lt "$n" ]; do
		[ "$tenths" -gt 0 ] || return 1
		tenths=$((tenths - 1))
		sleep 0.1
	done
}

# e2e_sink_show - one line per message: "FROM RCPT..." (recipients sorted).
e2e_sink_show() {
	"$E2E_PY" "$E2E_LIBDIR/sink.py" show "$E2E_TMP/sink"
}

# e2e_sink_file - path of the Nth message (1-based) as received.
e2e_sink_file() {
	printf '%s/sink/%04d.eml\n' "$E2E_TMP" "$1"
}

# e2e_sink_same_body - is the Nth message, without the Received: headers
# our Postfix added, byte for byte the file the client sent?
e2e_sink_same_body() {
	"$E2E_PY" "$E2E_LIBDIR/sink.py" body "$(e2e_sink_file "$1")" |
	    cmp -s - "$2"
}

# ----------------------------------------------------------- Postfix

# e2e_postfix_new - write the config of a private Postfix instance NAME
# listening on 127.0.0.1:PORT and relaying everything to RELAY
# ("[127.0.0.1]:PORT").  MILTER is the smtpd_milters value (may be empty).
# Sets nothing running; tweak with e2e_postconf, then e2e_postfix_start.
e2e_postfix_new() {
	local name=$1 port=$2 relay=$3 milter=$4
	local d="$E2E_TMP/$name"
	mkdir -p "$d/etc" "$d/queue" "$d/data"
	# Postfix insists on owning its data directory (master.lock).
	chown postfix "$d/data"
	chmod 755 "$d"
	cat >"$d/etc/main.cf" <<EOF
compatibility_level = 3.6
queue_directory = $d/queue
data_directory = $d/data
command_directory = /usr/sbin
daemon_directory = /usr/lib/postfix/sbin
mail_owner = postfix
setgid_group = postdrop
myhostname = $name.e2e.test
mydomain = e2e.test
myorigin = \$myhostname
mydestination =
inet_interfaces = 127.0.0.1
inet_protocols = ipv4
mynetworks = 127.0.0.1/32
relay_domains = example.com example.net example.org
relayhost = $relay
smtp_dns_support_level = disabled
smtpd_peername_lookup = no
alias_maps =
alias_database =
local_recipient_maps =
smtpd_banner = \$myhostname ESMTP
biff = no
maillog_file = $d/maillog
maillog_file_prefixes = $d
smtpd_milters = $milter
non_smtpd_milters = \$smtpd_milters
milter_default_action = tempfail
milter_protocol = 6
message_size_limit = 52428800
queue_run_delay = 1s
minimal_backoff_time = 1s
maximal_backoff_time = 2s
EOF
	# chroot off everywhere: the chroot would hide the milter socket.
	cat >"$d/etc/master.cf" <<EOF
127.0.0.1:$port inet n - n - - smtpd
pickup    unix  n       -       n       60      1       pickup
cleanup   unix  n       -       n       -       0       cleanup
qmgr      unix  n       -       n       300     1       qmgr
rewrite   unix  -       -       n       -       -       trivial-rewrite
bounce    unix  -       -       n       -       0       bounce
defer     unix  -       -       n       -       0       bounce
trace     unix  -       -       n       -       0       bounce
verify    unix  -       -       n       -       1       verify
flush     unix  n       -       n       1000?   0       flush
proxymap  unix  -       -       n       -       -       proxymap
proxywrite unix -       -       n       -       1       proxymap
smtp      unix  -       -       n       -       -       smtp
relay     unix  -       -       n       -       -       smtp
showq     unix  n       -       n       -       -       showq
error     unix  -       -       n       -       -       error
retry     unix  -       -       n       -       -       error
discard   unix  -       -       n       -       -       discard
local     unix  -       n       n       -       -       local
virtual   unix  -       n       n       -       -       virtual
lmtp      unix  -       -       n       -       -       lmtp
anvil     unix  -       -       n       -       1       anvil
scache    unix  -       -       n       -       1       scache
postlog   unix-dgram n  -       n       -       1       postlogd
EOF
}

# e2e_postconf - set main.cf parameters of instance NAME ("key = value"...).
e2e_postconf() {
	local name=$1
	shift
	postconf -c "$E2E_TMP/$name/etc" -e "$@"
}

# e2e_postfix_start - start instance NAME and wait until it listens on
# PORT; its config dir is remembered for the cleanup.
e2e_postfix_start() {
	local name=$1 port=$2 d="$E2E_TMP/$1"
	postfix -c "$d/etc" start >>"$d/start.log" 2>&1 ||
	    e2e_bail "postfix $name did not start: $(tail -n 5 "$d/start.log")"
	E2E_POSTFIXES="$E2E_POSTFIXES $d"
	e2e_wait_listening "$port" ||
	    e2e_bail "postfix $name does not listen on $port"
}

# e2e_postfix_stop_dir - stop the instance in DIR; wait for its master.
e2e_postfix_stop_dir() {
	local d=$1 pid keep="" x
	pid=$(tr -dc 0-9 <"$d/queue/pid/master.pid" 2>/dev/null)
	postfix -c "$d/etc" stop >>"$d/start.log" 2>&1
	if [ -n "$pid" ] && ! e2e_wait_gone "$pid" 15; then
		kill -KILL "$pid" 2>/dev/null
		e2e_wait_gone "$pid" 5
	fi
	for x in $E2E_POSTFIXES; do
		[ "$x" = "$d" ] || keep="$keep $x"
	done
	E2E_POSTFIXES=$keep
	[ -z "$pid" ] || ! kill -0 "$pid" 2>/dev/null
}

# e2e_postfix_stop - stop instance NAME.
e2e_postfix_stop() {
	e2e_postfix_stop_dir "$E2E_TMP/$1"
}

# e2e_queue_count - messages in the queue of instance NAME.
e2e_queue_count() {
	postqueue -c "$E2E_TMP/$1/etc" -j 2>/dev/null | grep -c queue_id
}

# e2e_queue_wait_empty - wait up to SECS (default 20) for an empty queue.
e2e_queue_wait_empty() {
	local tenths=$((${2:-20} * 10))
	while [ "$(e2e_queue_count "$1")" != 0 ]; do
		[ "$tenths" -gt 0 ] || return 1
		tenths=$((tenths - 1))
		sleep 0.1
	done
}

# e2e_maillog - the log of instance NAME.
e2e_maillog() {
	cat "$E2E_TMP/$1/maillog" 2>/dev/null
}

# e2e_sendmail - submit a message locally through instance NAME's
# sendmail (pickup + cleanup + non_smtpd_milters); args as sendmail(1).
e2e_sendmail() {
	local name=$1
	shift
	sendmail -C "$E2E_TMP/$name/etc" "$@"
}

# ------------------------------------------------------------ milter

# e2e_milter_conf - write the route-milter config used by the milter and
# milter-ctl; SOCKET defaults to a unix socket in the run dir.  Extra
# lines (libconfig) may follow.
e2e_milter_conf() {
	local socket=${1:-unix:$E2E_TMP/run/milter.sock}
	shift
	MILTER_SOCKET=$socket
	MILTER_CONF=$E2E_TMP/route-milter.conf
	{
		echo "store = \"sqlite:$E2E_TMP/routes.db\";"
		echo "store_poll_ms = 200;"
		echo "milter = {"
		echo "  socket = \"$socket\";"
		echo "  group = \"postfix\";"
		echo "  socket_mode = \"0660\";"
		echo "};"
		echo "limits = { message_size = \"25M\"; received_headers = 30; };"
		for line in "$@"; do
			echo "$line"
		done
	} >"$MILTER_CONF"
}

# e2e_postfix_milter - the smtpd_milters value that reaches MILTER_SOCKET.
e2e_postfix_milter() {
	case $MILTER_SOCKET in
	unix:*) echo "$MILTER_SOCKET" ;;
	inet:*@*)
		local p=${MILTER_SOCKET#inet:}
		echo "inet:${p#*@}:${p%@*}"
		;;
	*) echo "$MILTER_SOCKET" ;;
	esac
}

# e2e_milter_listening - is the milter accepting connections?
e2e_milter_listening() {
	case $MILTER_SOCKET in
	unix:*)
		local path=${MILTER_SOCKET#unix:}
		ss -xlnH 2>/dev/null | awk '{ print $5 }' | grep -qxF "$path"
		;;
	inet:*)
		local p=${MILTER_SOCKET#inet:}
		e2e_tcp_listening "${p%@*}"
		;;
	esac
}

# e2e_milter_start - start route-milter in the foreground (-f) with
# MILTER_CONF, log to milter.log; wait until it accepts connections.
# Returns 1 (with the log tail) if it exits or does not listen in 10 s.
e2e_milter_start() {
	local i
	[ -x "$MILTER" ] || e2e_bail "no route-milter at $MILTER (build first)"
	echo "---- start $(date +%T.%N)" >>"$E2E_TMP/milter.log"
	"$MILTER" -f -c "$MILTER_CONF" "$@" >>"$E2E_TMP/milter.log" 2>&1 &
	E2E_MILTER_PID=$!
	E2E_PIDS="$E2E_PIDS milter:$E2E_MILTER_PID"
	for i in $(seq 100); do
		e2e_milter_listening && return 0
		kill -0 "$E2E_MILTER_PID" 2>/dev/null || break
		sleep 0.1
	done
	echo "route-milter did not come up; log:" >&2
	tail -n 20 "$E2E_TMP/milter.log" >&2
	return 1
}

# e2e_milter_stop - SIGTERM the milter and wait for its pid to vanish
# (libmilter takes a few seconds); 0 if it exited by itself.  Its exit
# status is kept for check_milter_clean.
e2e_milter_stop() {
	local pid=$E2E_MILTER_PID rc=0 status how=term
	[ -n "$pid" ] || return 0
	kill -TERM "$pid" 2>/dev/null || how=died
	if ! e2e_wait_gone "$pid" 15; then
		rc=1
		kill -KILL "$pid" 2>/dev/null
		e2e_wait_gone "$pid" 5
	fi
	# The milter is this shell's child (e2e_milter_start is never run in
	# a subshell), so bash has kept its status for us.
	wait "$pid" 2>/dev/null
	status=$?
	E2E_MILTER_RUNS="$E2E_MILTER_RUNS $how:$status"
	e2e_forget "$pid"
	E2E_MILTER_PID=""
	return $rc
}

# e2e_milter_kill9 - SIGKILL the milter, as a crash would.
e2e_milter_kill9() {
	local pid=$E2E_MILTER_PID
	[ -n "$pid" ] || return 0
	kill -KILL "$pid" 2>/dev/null
	e2e_wait_gone "$pid" 5
	E2E_MILTER_RUNS="$E2E_MILTER_RUNS kill9"
	e2e_forget "$pid"
	E2E_MILTER_PID=""
}

# e2e_sanitizer_report - the first sanitizer report in log FILE (at most
# 60 lines from its first line), or nothing.
e2e_sanitizer_report() {
	[ -s "$1" ] || return 0
	awk '/ERROR: (AddressSanitizer|LeakSanitizer)|runtime error:/ { on = 1 }
	    on && n++ < 60' "$1"
}

# check_milter_clean - stop the milter if it runs, then assert that every
# run ended by SIGTERM exited 0 and that its log holds no ASan, LSan or
# UBSan report (shown as TAP comments if it does).  LeakSanitizer only
# reports when the process exits normally and is not being ptraced.
# Asserts nothing when the milter never ran.
check_milter_clean() {
	local desc="route-milter exited cleanly (no sanitizer report)"
	local run bad="" report
	e2e_milter_stop
	[ -n "$E2E_MILTER_RUNS" ] || return 0
	for run in $E2E_MILTER_RUNS; do
		case $run in
		term:0 | kill9) ;;
		term:*) bad="$bad${bad:+, }exit status ${run#*:} after SIGTERM" ;;
		died:*) bad="$bad${bad:+, }died by itself, status ${run#*:}" ;;
		esac
	done
	report=$(e2e_sanitizer_report "$E2E_TMP/milter.log")
	if [ -z "$bad" ] && [ -z "$report" ]; then
		ok "$desc"
	else
		not_ok "$desc" "route-milter runs: ${bad:-all exited 0}" \
		    "${report:-(no sanitizer report in milter.log)}"
	fi
}

# ctl - run milter-ctl with the test's config.
ctl() {
	[ -x "$CTL" ] || e2e_bail "no milter-ctl at $CTL (build first)"
	"$CTL" -c "$MILTER_CONF" "$@"
}

# check_ctl - assert that a milter-ctl command succeeds (exit 0).
check_ctl() {
	check_run "milter-ctl $*" ctl "$@"
}

# check_dests - add and verify each destination address with milter-ctl.
check_dests() {
	local a
	for a in "$@"; do
		check_ctl dest add "$a"
		check_ctl dest verify "$a"
	done
}

# check_milter_start - start the milter, as an assertion.
check_milter_start() {
	if e2e_milter_start "$@" 2>"$E2E_TMP/milter-start.err"; then
		ok "route-milter starts and listens on $MILTER_SOCKET"
	else
		not_ok "route-milter starts and listens on $MILTER_SOCKET" \
		    "$(cat "$E2E_TMP/milter-start.err")"
		e2e_bail "cannot go on without the milter"
	fi
}

# ----------------------------------------------------- the standard rig

# e2e_rig - the usual set-up: sink, the milter config (unix socket), and
# Postfix instance "mx" on SMTP_PORT with smtpd_milters and
# non_smtpd_milters pointing at the milter, relaying to the sink.  The
# milter itself is not started (add rules first, then e2e_milter_start).
e2e_rig() {
	e2e_sink_start
	e2e_milter_conf "$@"
	e2e_postfix_new mx "$SMTP_PORT" "[127.0.0.1]:$SINK_PORT" \
	    "$(e2e_postfix_milter)"
	e2e_postfix_start mx "$SMTP_PORT"
}

# e2e_prepare [--inet] [DEST...] - the environment scenarios start from:
# skip when the tools are missing, enter the namespace, start the sink and
# Postfix "mx" wired to route-milter (a unix socket, or with --inet an
# inet socket on MILTER_PORT), add the domain example.com and add and
# verify each DEST.  The milter is not started: the scenario adds its
# rules first, then check_milter_start.
e2e_prepare() {
	local socket=""
	e2e_init
	if [ "${1:-}" = --inet ]; then
		socket="inet:$MILTER_PORT@127.0.0.1"
		shift
	fi
	e2e_rig ${socket:+"$socket"}
	check_ctl domain add example.com
	check_dests "$@"
}

# e2e_start - the rig most scenarios share: e2e_prepare with the one
# destination alice@mailbox.test, info@example.com forwarded to it, and
# route-milter running.
e2e_start() {
	e2e_prepare alice@mailbox.test
	check_ctl rule add info@example.com forward alice@mailbox.test
	check_milter_start
}
