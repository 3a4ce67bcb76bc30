#!/bin/bash
# test_policyd.sh - the real route-policyd binary as an administrator and
# Postfix see it: answers over its socket (unix and inet), 500 clients at
# once next to hostile ones, a rule change seen within a second, SIGHUP
# with a good and a broken file, SRS addresses, start-up as root with -u,
# -P and daemonising, and the refusals at start-up (exit 1, the reason in
# one line on stderr, nothing left running).
# Prints TAP; needs $top_builddir and $top_srcdir (set by "make check");
# the parts that switch users need root.

# Test points are shell conditions in single quotes that check() evals.
# shellcheck disable=SC2016,SC2317
set -u
policyd="${top_builddir:?}/policyd/route-policyd"
ctl="$top_builddir/ctl/milter-ctl"
py=/usr/bin/python3
pclient="${top_srcdir:?}/policyd/pclient.py"

n=0
fail=0
pids=" "
tmp=$(mktemp -d /tmp/test_policyd.XXXXXX) || exit 99
root=
[ "$(id -u)" = 0 ] && root=1
run_user=nobody

# is_ours PID - PID is a live route-policyd started from this script.
is_ours() {
	case $(cat "/proc/$1/comm" 2>/dev/null) in
	route-policyd | lt-route-policyd) ;;
	*) return 1 ;;
	esac
	tr '\0' ' ' <"/proc/$1/cmdline" 2>/dev/null | grep -qF "$tmp"
}

# ours_running - the pids of live route-policyds using this script's
# files, but for $keep_pid.
keep_pid=
ours_running() {
	local d
	for d in /proc/[0-9]*; do
		[ "${d#/proc/}" = "$keep_pid" ] && continue
		is_ours "${d#/proc/}" && echo "${d#/proc/}"
	done
}

# cleanup - stop every route-policyd this script started, remove tmp.
cleanup() {
	local p
	for p in $pids $(ours_running); do
		is_ours "$p" && kill -TERM "$p" 2>/dev/null
	done
	for _ in $(seq 50); do
		[ -z "$(ours_running)" ] && break
		sleep 0.1
	done
	for p in $(ours_running); do
		kill -KILL "$p" 2>/dev/null
	done
	rm -rf "$tmp"
}
trap cleanup EXIT

chmod 0755 "$tmp"
mkdir "$tmp/db" "$tmp/run" "$tmp/san"
chmod 1777 "$tmp/san"
ASAN_OPTIONS="${ASAN_OPTIONS:-exitcode=23:detect_leaks=1}"
UBSAN_OPTIONS="${UBSAN_OPTIONS:-halt_on_error=1:print_stacktrace=1}"
export ASAN_OPTIONS="$ASAN_OPTIONS:log_path=$tmp/san/asan"
export UBSAN_OPTIONS="$UBSAN_OPTIONS:log_path=$tmp/san/ubsan"

ok() {
	n=$((n + 1))
	echo "ok $n - $1"
}

# notok DESC [DIAG...] - a failed test point with diagnostic lines.
notok() {
	local desc=$1 d
	shift
	n=$((n + 1))
	echo "not ok $n - $desc"
	fail=1
	for d in "$@"; do
		printf '%s\n' "$d" | sed 's/^/#   /'
	done
}

# check DESC COND [DIAG...] - ok when the shell test COND (a string) holds.
check() {
	local desc=$1 cond=$2
	shift 2
	if eval "$cond"; then
		ok "$desc"
	else
		notok "$desc" "$@"
	fi
}

# conf NAME SOCKET [LINE...] - write $tmp/NAME.conf, the lines added to the
# policyd group; prints its path.
conf() {
	local f="$tmp/$1.conf" sock=$2 l
	shift 2
	{
		printf 'store = "sqlite:%s/db/routes.db";\n' "$tmp"
		printf 'store_poll_ms = 100;\n'
		printf 'policyd = {\n  socket = "%s";\n' "$sock"
		for l in "$@"; do
			printf '  %s\n' "$l"
		done
		printf '};\n'
		[ -z "${srs_lines:-}" ] || printf '%s\n' "$srs_lines"
	} >"$f"
	echo "$f"
}

# ask SOCKET RCPT... - the actions, one line each (or "connect: ERR").
ask() {
	"$py" "$pclient" ask "$@" 2>&1
}

# start_fg NAME ARGS... - route-policyd -f ARGS in the background, stderr
# in $tmp/NAME.err; waits for "started on".  Sets pid.
start_fg() {
	local name=$1
	shift
	"$policyd" -f "$@" 2>"$tmp/$name.err" &
	pid=$!
	pids="$pids$pid "
	for _ in $(seq 200); do
		kill -0 "$pid" 2>/dev/null || return 1
		grep -q 'started on' "$tmp/$name.err" && return 0
		sleep 0.05
	done
	return 1
}

# stop_fg - SIGTERM to pid; stop_rc is its exit status (124: still running).
stop_fg() {
	kill -TERM "$pid"
	for _ in $(seq 200); do
		kill -0 "$pid" 2>/dev/null || break
		sleep 0.05
	done
	if kill -0 "$pid" 2>/dev/null; then
		stop_rc=124
		return
	fi
	wait "$pid"
	stop_rc=$?
}

# wait_log FILE TEXT - wait up to 5 s for TEXT in FILE.
wait_log() {
	for _ in $(seq 100); do
		grep -qF -- "$2" "$1" && return 0
		sleep 0.05
	done
	return 1
}

# The store: example.com refuses unknown addresses, example.net lets
# them pass; a forward and a reject rule.
base=$(conf base "unix:$tmp/run/p.sock")
for c in "domain add example.com" "domain add example.net --unknown pass" \
	"dest add me@mailbox.test" "dest verify me@mailbox.test" \
	"rule add info@example.com forward me@mailbox.test"; do
	# shellcheck disable=SC2086
	if ! "$ctl" -c "$base" $c >"$tmp/ctl.out" 2>&1; then
		echo "Bail out! milter-ctl $c: $(cat "$tmp/ctl.out")"
		exit 1
	fi
done
"$ctl" -c "$base" rule add sales@example.com reject "No mail for sales" \
	>/dev/null

# 1. Answers over a unix socket, with the milter's words.
sock="unix:$tmp/run/p.sock"
if start_fg basic -c "$base"; then
	ok "starts and says so"
else
	notok "starts and says so" "$(cat "$tmp/basic.err")"
fi
got=$(ask "$sock" info@example.com nobody@example.com sales@example.com \
	someone@example.net x@elsewhere.example "a b@example.com")
want="DUNNO
550 5.1.1 User unknown
550 5.7.1 No mail for sales
DUNNO
DUNNO"
check "forward, unknown, reject, pass, not routed: the actions" \
	'[ "$(echo "$got" | head -5)" = "$want" ]' "want: $want" "got:  $got"
check "an unparsable address in a routed domain: 553 5.1.3 and why" \
	'echo "$got" | sed -n 6p | grep -q "^553 5\.1\.3 ."' "got: $got"
check "socket: default mode 0660" \
	'[ "$(stat -c %a "$tmp/run/p.sock" 2>&1)" = 660 ]' \
	"$(ls -l "$tmp/run/p.sock" 2>&1)"
check "a refusal is logged with the client, rule and sender" \
	'grep -qF "NOQUEUE: policy: reject RCPT <nobody@example.com> from mx.example.org[192.0.2.7]: 550 5.1.1 User unknown (no rule; domain example.com refuses unknown addresses); from=<alice@example.org>" "$tmp/basic.err"' \
	"$(cat "$tmp/basic.err")"
check "a DUNNO is not logged" \
	'! grep -qF "info@example.com" "$tmp/basic.err"' \
	"$(cat "$tmp/basic.err")"

# 2. 500 clients at once, next to a slow one, one sending junk, one with
# a 100 kB line and one that never reads its replies.
got=$("$py" "$pclient" crowd "$sock" 500 2>&1)
want="250 x 'action=550 5.1.1 User unknown\\n\\n'
250 x 'action=DUNNO\\n\\n'
all answered in under 1 s
junk: b'action=DUNNO\\n\\n'
long: b'action=DUNNO\\n\\n'"
check "500 clients at once and 4 hostile ones: every one answered in 1 s" \
	'[ "$got" = "$want" ]' "want: $want" "got:  $got"
check "the junk and the long line are logged as malformed" \
	'grep -qF "malformed request (NUL byte in a line); answered DUNNO, connection closed" "$tmp/basic.err" &&
	 grep -qF "malformed request (line too long)" "$tmp/basic.err"' \
	"$(grep -v NOQUEUE "$tmp/basic.err")"
check "still serving after the crowd" \
	'[ "$(ask "$sock" nobody@example.com)" = "550 5.1.1 User unknown" ]'

# 3. A rule change is seen within a second.
"$ctl" -c "$base" rule add new@example.com forward me@mailbox.test >/dev/null
t0=$(date +%s%N)
seen=
for _ in $(seq 40); do
	if [ "$(ask "$sock" new@example.com)" = DUNNO ]; then
		seen=$((($(date +%s%N) - t0) / 1000000))
		break
	fi
	sleep 0.05
done
check "a rule added with milter-ctl applies within 1 s (${seen:-never} ms)" \
	'[ -n "$seen" ] && [ "$seen" -lt 1000 ]'

# 4. SIGHUP: a broken file keeps the running configuration.
cp "$base" "$tmp/base.good"
sed -i 's/^store_poll_ms = 100;/store_poll_ms = "soon";/' "$base"
kill -HUP "$pid"
check "SIGHUP with a broken file: logged, the running configuration stays" \
	'wait_log "$tmp/basic.err" "reload: $base:"' "$(cat "$tmp/basic.err")"
check "SIGHUP with a broken file: names the key and keeps serving" \
	'grep -qF "store_poll_ms" "$tmp/basic.err" &&
	 grep -qF "the running configuration stays" "$tmp/basic.err" &&
	 [ "$(ask "$sock" nobody@example.com)" = "550 5.1.1 User unknown" ]' \
	"$(tail -3 "$tmp/basic.err")"
cp "$tmp/base.good" "$base"
kill -HUP "$pid"
check "SIGHUP with a good file: reloaded" \
	'wait_log "$tmp/basic.err" "configuration reloaded from $base"' \
	"$(tail -3 "$tmp/basic.err")"
stop_fg
check "SIGTERM: exits 0 and removes its socket" \
	'[ "$stop_rc" = 0 ] && [ ! -e "$tmp/run/p.sock" ]' "status $stop_rc" \
	"$(tail -3 "$tmp/basic.err")"

# 5. An inet socket given with -p.
port=$("$py" -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1",0)); print(s.getsockname()[1])')
if start_fg inet -c "$base" -p "inet:$port@127.0.0.1"; then
	got=$(ask "inet:$port@127.0.0.1" nobody@example.com info@example.com)
else
	got=$(cat "$tmp/inet.err")
fi
check "-p inet:PORT@127.0.0.1: answers over TCP" \
	'[ "$got" = "550 5.1.1 User unknown
DUNNO" ]' "got: $got"
stop_fg

# 6. SRS: a valid address passes, a forged one is refused.
secrets="$tmp/srs.secrets"
echo "a-test-secret" >"$secrets"
chmod 600 "$secrets"
srs_lines="srs = { domain = \"srs.example.net\"; secrets_file = \"$secrets\"; };"
srscf=$(conf srs "unix:$tmp/run/p.sock")
srs_lines=
good=$("$ctl" -c "$srscf" srs forward alice@example.org 2>&1)
# The same address with the first character of its hash changed.
case $good in
SRS0=A*) forged="SRS0=B${good#SRS0=A}" ;;
*) forged="SRS0=A${good#SRS0=?}" ;;
esac
if start_fg srs -c "$srscf"; then
	got=$(ask "$sock" "$good" "$forged" nobody@example.com)
else
	got=$(cat "$tmp/srs.err")
fi
check "SRS: a valid address DUNNO, a forged one 550 5.7.1" \
	'[ "$got" = "DUNNO
550 5.7.1 Invalid SRS address
550 5.1.1 User unknown" ]' "address: $good" "got: $got"
check "SRS: the refusal is logged with the reason" \
	'grep -qF "policy: reject RCPT <$forged>" "$tmp/srs.err"' \
	"$(cat "$tmp/srs.err")"
chmod 644 "$secrets"
kill -HUP "$pid"
check "SIGHUP with unreadable secrets: logged, the running engine stays" \
	'wait_log "$tmp/srs.err" "the running configuration stays" &&
	 [ "$(ask "$sock" "$good")" = DUNNO ]' "$(tail -3 "$tmp/srs.err")"
chmod 600 "$secrets"
stop_fg

# 7. As root: -u, -P, the socket's group, daemonising.
if [ -n "$root" ] && getent passwd "$run_user" >/dev/null; then
	run_uid=$(id -u "$run_user")
	run_gid=$(id -g "$run_user")
	run_group=$(id -gn "$run_user")
	chown -R "$run_uid:$run_gid" "$tmp/db" "$tmp/run"
	ucf=$(conf user "unix:$tmp/run/p.sock" "group = \"$run_group\";" \
		'socket_mode = "0660";' "pidfile = \"$tmp/run/pid\";")
	timeout 30 "$policyd" -c "$ucf" -u "$run_user" \
		>"$tmp/daemon.out" 2>"$tmp/daemon.err"
	rc=$?
	got=$(ask "$sock" nobody@example.com)
	dpid=$(cat "$tmp/run/pid" 2>/dev/null)
	[ -n "$dpid" ] && pids="$pids$dpid "
	check "daemonised: the parent exits 0, silent, once it answers" \
		'[ "$rc" = 0 ] && [ ! -s "$tmp/daemon.err" ] &&
		 [ "$got" = "550 5.1.1 User unknown" ]' "status $rc" \
		"$(cat "$tmp/daemon.err")" "got: $got"
	check "policyd.pidfile names the daemon, written as root" \
		'[ -n "$dpid" ] && is_ours "$dpid" &&
		 [ "$(stat -c %u "$tmp/run/pid")" = 0 ]' "pid: $dpid"
	check "-u $run_user: every uid and gid is $run_user's" \
		'[ "$(awk "/^Uid:/ {print \$2,\$3,\$4,\$5}" /proc/$dpid/status)" = "$run_uid $run_uid $run_uid $run_uid" ] &&
		 [ "$(awk "/^Gid:/ {print \$2,\$3,\$4,\$5}" /proc/$dpid/status)" = "$run_gid $run_gid $run_gid $run_gid" ]' \
		"$(grep -E '^(Uid|Gid)' "/proc/$dpid/status" 2>&1)"
	check "socket: group policyd.group ($run_group), mode 0660" \
		'[ "$(stat -c %g:%a "$tmp/run/p.sock")" = "$run_gid:660" ]' \
		"$(ls -l "$tmp/run/p.sock")"
	got=$(setpriv --reuid 54321 --regid 54321 --clear-groups -- \
		"$py" "$pclient" ask "$sock" nobody@example.com 2>&1)
	check "a user outside the socket's group cannot connect" \
		'[ "$got" = "connect: EACCES" ]' "got: $got"
	[ -n "$dpid" ] && kill -TERM "$dpid"
	for _ in $(seq 100); do
		is_ours "$dpid" || break
		sleep 0.05
	done
	check "SIGTERM: stops, the pidfile is removed" \
		'! is_ours "$dpid" && [ ! -e "$tmp/run/pid" ]' \
		"$(ls -l "$tmp/run")"
else
	ok "# SKIP -u, -P and socket groups need root"
fi

# 8. Refusals at start-up, with -f and daemonised: exit 1, the reason in
# one line on stderr, nothing left running and no pidfile.
refuse() {
	local desc=$1 text=$2 mode flag d
	shift 2
	for mode in -f daemonised; do
		flag=-f
		[ "$mode" = daemonised ] && flag=
		d="$desc ($mode)"
		rm -f "$tmp/refused.pid"
		# shellcheck disable=SC2086
		timeout 30 "$policyd" $flag -P "$tmp/refused.pid" "$@" \
			>/dev/null 2>"$tmp/refuse.err"
		rc=$?
		check "$d: exits 1 with the reason in one line" \
			'[ "$rc" = 1 ] && grep -qF -- "$text" "$tmp/refuse.err" &&
			 [ "$(wc -l <"$tmp/refuse.err")" = 1 ]' \
			"status $rc, want: $text" \
			"$(sed 's/^/stderr: /' "$tmp/refuse.err")"
		for _ in $(seq 60); do
			[ -z "$(ours_running)" ] && break
			sleep 0.05
		done
		check "$d: nothing left running, no pidfile" \
			'[ -z "$(ours_running)" ] && [ ! -e "$tmp/refused.pid" ]' \
			"running: $(ours_running | tr '\n' ' ')"
	done
}
rsock="unix:$tmp/r.sock"
refuse "-p bogus:x" "-p bogus:x: expected" -c "$base" -p bogus:x
refuse "-u nosuchuser" "unknown user nosuchuser" -c "$base" -p "$rsock" \
	-u nosuchuser
check "an unknown user leaves no socket behind" '[ ! -e "$tmp/r.sock" ]'
cf=$(conf nogroup "$rsock" 'group = "nosuchgroup";')
refuse "policyd.group nosuchgroup" \
	"policyd.group: unknown group nosuchgroup" -c "$cf"
refuse "a socket in a missing directory" "$tmp/nodir/r.sock" \
	-c "$base" -p "unix:$tmp/nodir/r.sock"
echo precious >"$tmp/file.sock"
refuse "a regular file at the socket path" "$tmp/file.sock" \
	-c "$base" -p "unix:$tmp/file.sock"
check "the regular file is kept" '[ "$(cat "$tmp/file.sock")" = precious ]'
start_fg busy -c "$base" -p "$rsock"
busy_pid=$pid keep_pid=$pid
refuse "a socket another route-policyd serves" "in use by another process" \
	-c "$base" -p "$rsock"
check "the running one still answers" \
	'[ "$(ask "$rsock" nobody@example.com)" = "550 5.1.1 User unknown" ]'
pid=$busy_pid keep_pid=
stop_fg
{
	"$policyd" -f -c "$base" -p "$rsock" 2>/dev/null &
	spid=$!
	sleep 0.5
	kill -KILL "$spid"
	wait "$spid"
} 2>/dev/null
if start_fg stale -c "$base" -p "$rsock"; then
	got=$(ask "$rsock" nobody@example.com)
else
	got=$(cat "$tmp/stale.err")
fi
check "a socket left by a killed run is replaced" \
	'[ "$got" = "550 5.1.1 User unknown" ]' "got: $got"
stop_fg
printf 'policyd = { sokcet = "x"; };\n' >"$tmp/typo.conf"
refuse "a misspelt key" "$tmp/typo.conf:1: policyd.sokcet: unknown key" \
	-c "$tmp/typo.conf"
srs_lines="srs = { domain = \"srs.example.net\"; secrets_file = \"$secrets\"; };"
cf=$(conf srsbad "$rsock")
srs_lines=
chmod 644 "$secrets"
refuse "SRS secrets readable by others" "$secrets" -c "$cf"
chmod 600 "$secrets"
rm -f "$secrets"
refuse "SRS secrets missing" "$secrets" -c "$cf"
check "no socket left by the SRS refusals" '[ ! -e "$tmp/r.sock" ]'

got=$("$policyd" -h 2>&1)
check "-h: the usage on stdout, exit 0" \
	'echo "$got" | head -1 | grep -q "^usage: route-policyd "'
"$policyd" -x >/dev/null 2>&1
rc=$?
check "an unknown option: exit 2" '[ "$rc" = 2 ]'

reports=$(for f in "$tmp"/san/*; do
	[ -e "$f" ] && echo "$f:" && head -30 "$f"
done)
check "no sanitizer report from any run" '[ -z "$reports" ]' "$reports"

echo "1..$n"
exit $fail
