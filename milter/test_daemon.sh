#!/bin/bash
# test_daemon.sh - route-milter's start-up as an administrator sees it: the
# real binary run as root with -u (the uids, gids and groups the process
# ends up with), the socket's mode, group and owner, -P, daemonising
# without -f, SIGTERM, a stale socket, and the refusals at start-up (exit 1,
# one line on stderr that names the problem, nothing left running).
# Prints TAP; needs root, $top_builddir and $top_srcdir (set by "make check").

# Test points are shell conditions in single quotes that check() evals.
# shellcheck disable=SC2016,SC2317
set -u
if [ "$(id -u)" != 0 ]; then
	echo "1..0 # SKIP needs root (-u, socket groups)"
	exit 0
fi
run_user=nobody
if ! getent passwd "$run_user" >/dev/null; then
	echo "1..0 # SKIP no user $run_user"
	exit 0
fi
run_uid=$(id -u "$run_user")
run_gid=$(id -g "$run_user")
run_group=$(id -gn "$run_user")
run_groups=$(id -G "$run_user" | tr ' ' '\n' | sort -n | tr '\n' ' ')
# Not a member of any group and not the socket's owner: an id nobody has.
outsider=54321

milter="${top_builddir:?}/milter/route-milter"
ctl="$top_builddir/ctl/milter-ctl"
py=/usr/bin/python3

n=0
fail=0
pids=" "
tmp=$(mktemp -d /tmp/test_daemon.XXXXXX) || exit 99

# cleanup - stop every route-milter this script started, then remove tmp.
cleanup() {
	local p alive
	for p in $pids; do
		kill -TERM "$p" 2>/dev/null
	done
	for _ in $(seq 100); do
		alive=
		for p in $pids; do
			is_ours "$p" && alive=1
		done
		[ -z "$alive" ] && break
		sleep 0.1
	done
	for p in $pids; do
		is_ours "$p" && kill -KILL "$p" 2>/dev/null
	done
	rm -rf "$tmp"
}
trap cleanup EXIT

# The run user must reach the store, the socket directory and the client.
chmod 0755 "$tmp"
mkdir "$tmp/db" "$tmp/run" "$tmp/rootrun" "$tmp/py" "$tmp/san"
chmod 1777 "$tmp/san"
cp "${top_srcdir:?}/milter/mtclient.py" "$tmp/py/"

# Sanitizer reports (configure --enable-sanitizers) go to files, since a
# daemon's stderr is /dev/null; the last test looks for them.
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

# is_ours PID - PID is a live route-milter started from this script (the
# build's route-milter may be libtool's wrapper, which execs lt-route-milter).
is_ours() {
	case $(cat "/proc/$1/comm" 2>/dev/null) in
	route-milter | lt-route-milter) ;;
	*) return 1 ;;
	esac
	tr '\0' ' ' <"/proc/$1/cmdline" 2>/dev/null | grep -qF "$tmp"
}

# ours_running - the pids of live route-milters using this script's files.
ours_running() {
	local d
	for d in /proc/[0-9]*; do
		is_ours "${d#/proc/}" && echo "${d#/proc/}"
	done
}

# wait_gone PID - wait up to 10 s for PID to end; false if it has not.
wait_gone() {
	for _ in $(seq 200); do
		is_ours "$1" || return 0
		sleep 0.05
	done
	return 1
}

# conf NAME SOCKET [LINE...] - write $tmp/NAME.conf with lines added to
# the milter group; prints its path.
conf() {
	local f="$tmp/$1.conf" sock=$2 l
	shift 2
	{
		printf 'store = "sqlite:%s/db/routes.db";\n' "$tmp"
		printf 'store_poll_ms = 100;\n'
		printf 'milter = {\n  socket = "unix:%s";\n' "$sock"
		for l in "$@"; do
			printf '  %s\n' "$l"
		done
		printf '};\n'
	} >"$f"
	echo "$f"
}

# own_store - give the store to the run user: SQLite in WAL mode writes
# the -wal and -shm files, and a root run may have recreated them.
own_store() {
	chown -R "$run_uid:$run_gid" "$tmp/db"
}

# client AS SOCKET WHAT - the MTA side, run as AS ("root" or a uid): WHAT
# is "route" (one message, prints the recipient edits) or "connect" (the
# negotiation only).  Output in $tmp/client.out, status in client_rc.
client() {
	local as=$1
	shift
	if [ "$as" = root ]; then
		"$py" "$tmp/py/client.py" "$@"
	else
		setpriv --reuid "$as" --regid "$as" --clear-groups -- \
			"$py" "$tmp/py/client.py" "$@"
	fi >"$tmp/client.out" 2>&1
	client_rc=$?
}

cat >"$tmp/py/client.py" <<'EOF'
import errno, sys
sys.dont_write_bytecode = True
from mtclient import Milter
sock, what = sys.argv[1], sys.argv[2]
try:
    m = Milter("unix:" + sock)
    m.negotiate()
except OSError as e:
    print("connect: %s" % errno.errorcode.get(e.errno, e.errno))
    sys.exit(1)
if what == "route":
    m.connect()
    m.helo()
    m.mail("<sender@example.org>")
    m.rcpt("<info@example.com>")
    m.header("Subject", "test")
    m.eoh()
    m.body(b"hi\r\n")
    r = m.eom()
    print(r.kind, " ".join(sorted(a + b for a, b in r.edits)))
m.quit()
EOF
want_route="continue +<me@example.net> -<info@example.com>"

# start_fg NAME ARGS... - route-milter -f ARGS in the background, stderr in
# $tmp/NAME.err; waits for "started on".  Sets pid; false if it did not.
start_fg() {
	local name=$1
	shift
	"$@" 2>"$tmp/$name.err" &
	pid=$!
	pids="$pids$pid "
	for _ in $(seq 400); do
		kill -0 "$pid" 2>/dev/null || return 1
		grep -q 'started on' "$tmp/$name.err" && return 0
		sleep 0.05
	done
	return 1
}

# stop_fg - SIGTERM to pid; sets stop_rc to its exit status (124 if it is
# still running 20 s later).
stop_fg() {
	kill -TERM "$pid"
	for _ in $(seq 400); do
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

# proc_field PID FIELD - one line of /proc/PID/status, without its name.
proc_field() {
	sed -n "s/^$2:[[:space:]]*//p" "/proc/$1/status" | tr -s ' \t' ' ' |
		sed 's/ $//'
}

# ids_of PID - what every thread of PID runs as, one line per thread.
ids_of() {
	local t
	for t in /proc/"$1"/task/*; do
		printf 'uid %s gid %s groups %s\n' \
			"$(proc_field "${t#/proc/}" Uid)" \
			"$(proc_field "${t#/proc/}" Gid)" \
			"$(proc_field "${t#/proc/}" Groups | tr ' ' '\n' |
				sed '/^$/d' | sort -n | tr '\n' ' ')"
	done | sort -u
}

# ancestors - this shell's ancestors up to 1: where an orphan may land.
ancestors() {
	local p
	p=$(proc_field $$ PPid)
	while [ -n "$p" ] && [ "$p" -gt 1 ]; do
		echo "$p"
		p=$(proc_field "$p" PPid)
	done
	echo 1
}

# A store with one forward, made as root and then given to the run user.
base=$(conf base "$tmp/base.sock")
for c in "domain add example.com" "dest add me@example.net" \
	"dest verify me@example.net" \
	"rule add info@example.com forward me@example.net"; do
	# shellcheck disable=SC2086
	if ! "$ctl" -c "$base" $c >"$tmp/ctl.out" 2>&1; then
		echo "Bail out! milter-ctl $c: $(cat "$tmp/ctl.out")"
		exit 1
	fi
done

# 1. -f -u USER -P FILE, started by a root that has extra groups (4, 27)
# so that keeping the starter's groups would show.
own_store
chown "$run_uid:$run_gid" "$tmp/run"
sock="$tmp/run/milter.sock"
cf=$(conf user "$sock" "group = \"$run_group\";")
if start_fg user setpriv --groups 4,27 -- "$milter" -f -c "$cf" \
	-u "$run_user" -P "$tmp/run/pid"; then
	ok "-u $run_user: starts and says so"
else
	notok "-u $run_user: starts and says so" "$(cat "$tmp/user.err")"
fi
check "-P: the pidfile holds the daemon's pid" \
	'[ "$(cat "$tmp/run/pid" 2>/dev/null)" = "$pid" ]' \
	"pid $pid, file: $(cat "$tmp/run/pid" 2>&1)"
check "-P: the pidfile is written before privileges are dropped (root's)" \
	'[ "$(stat -c %u "$tmp/run/pid" 2>&1)" = 0 ]' \
	"$(ls -l "$tmp/run/pid" 2>&1)"
ids=$(ids_of "$pid" 2>&1)
want="uid $run_uid $run_uid $run_uid $run_uid"
want="$want gid $run_gid $run_gid $run_gid $run_gid groups $run_groups"
check "-u: real, effective, saved, fs uid and gid are $run_user's, all threads" \
	'[ "$(echo "$ids" | sed "s/ groups.*//")" = "${want% groups*}" ]' \
	"want: ${want% groups*}" "got:  $ids"
check "-u: supplementary groups are $run_user's ($run_groups), not the starter's" \
	'[ "$(echo "$ids" | sed "s/.* groups //")" = "$run_groups" ]' \
	"got: $ids"
check "socket: default mode 0660" \
	'[ "$(stat -c %a "$sock" 2>&1)" = 660 ]' "$(ls -l "$sock" 2>&1)"
check "socket: group milter.group ($run_group)" \
	'[ "$(stat -c %g "$sock" 2>&1)" = "$run_gid" ]' "$(ls -l "$sock" 2>&1)"
# route-milter.8 does not say who owns the socket; it is made before the
# switch, so root or the run user are the only sensible owners.
check "socket: owned by root or $run_user" \
	'case $(stat -c %u "$sock" 2>&1) in 0|"$run_uid") true;; *) false;; esac' \
	"$(ls -l "$sock" 2>&1)"
client "$run_uid" "$sock" route
check "a member of the socket's group gets a message through (forwarded)" \
	'[ "$client_rc" = 0 ] && [ "$(cat "$tmp/client.out")" = "$want_route" ]' \
	"want: $want_route" "got:  $(cat "$tmp/client.out")"
client "$outsider" "$sock" connect
check "a user outside the socket's group cannot connect" \
	'[ "$client_rc" = 1 ] && grep -qx "connect: EACCES" "$tmp/client.out"' \
	"$(cat "$tmp/client.out")"
stop_fg
check "SIGTERM: exits 0" '[ "$stop_rc" = 0 ]' "status $stop_rc" \
	"$(cat "$tmp/user.err")"
check "SIGTERM: the pidfile is removed (its directory is $run_user's)" \
	'[ ! -e "$tmp/run/pid" ]' "$(ls -l "$tmp/run" 2>&1)"

# 2. Daemonised as root: the parent returns once the socket answers.
sock="$tmp/rootrun/milter.sock"
cf=$(conf daemon "$sock" 'socket_mode = "0600";')
pidf="$tmp/rootrun/pid"
timeout 30 "$milter" -c "$cf" -P "$pidf" >"$tmp/daemon.out" 2>"$tmp/daemon.err"
rc=$?
client root "$sock" route
# shellcheck disable=SC2034 # used in check
route_rc=$client_rc route_out=$(cat "$tmp/client.out")
dpid=$(cat "$pidf" 2>/dev/null)
[ -n "$dpid" ] && pids="$pids$dpid "
check "without -f: the parent exits 0 and prints nothing" \
	'[ "$rc" = 0 ] && [ ! -s "$tmp/daemon.err" ] && [ ! -s "$tmp/daemon.out" ]' \
	"status $rc" "$(cat "$tmp/daemon.out" "$tmp/daemon.err")"
check "without -f: the socket answers as soon as the parent has exited" \
	'[ "$route_rc" = 0 ] && [ "$route_out" = "$want_route" ]' \
	"want: $want_route" "got:  $route_out"
check "without -f: the pidfile names the running route-milter" \
	'[ -n "$dpid" ] && is_ours "$dpid"' "pidfile: $dpid"
ppid=$(proc_field "${dpid:-0}" PPid 2>/dev/null)
check "without -f: detached, its parent is init or a subreaper ($ppid)" \
	'[ -n "$ppid" ] && [ "$ppid" != $$ ] && ancestors | grep -qx "$ppid"' \
	"ppid $ppid; ancestors of the test: $(ancestors | tr '\n' ' ')"
check "without -f: leads its own session, no terminal, cwd /" \
	'[ "$(awk "{print \$6, \$7}" "/proc/$dpid/stat" 2>&1)" = "$dpid 0" ] &&
	 [ "$(readlink "/proc/$dpid/cwd")" = / ] &&
	 [ "$(readlink "/proc/$dpid/fd/0")" = /dev/null ] &&
	 [ "$(readlink "/proc/$dpid/fd/1")" = /dev/null ] &&
	 [ "$(readlink "/proc/$dpid/fd/2")" = /dev/null ]' \
	"stat: $(cat "/proc/$dpid/stat" 2>&1)" \
	"$(ls -l "/proc/$dpid/cwd" "/proc/$dpid"/fd/[012] 2>&1)"
check "without -u: still root" \
	'[ "$(proc_field "$dpid" Uid)" = "0 0 0 0" ]' "Uid: $(proc_field "$dpid" Uid)"
check "socket: mode 0600 when configured" \
	'[ "$(stat -c %a "$sock" 2>&1)" = 600 ]' "$(ls -l "$sock" 2>&1)"
check "socket: without milter.group, the group of the process (root)" \
	'[ "$(stat -c %g "$sock" 2>&1)" = 0 ]' "$(ls -l "$sock" 2>&1)"
client "$run_uid" "$sock" connect
check "socket 0600 owned by root: another user cannot connect" \
	'[ "$client_rc" = 1 ] && grep -qx "connect: EACCES" "$tmp/client.out"' \
	"$(cat "$tmp/client.out")"
[ -n "$dpid" ] && kill -TERM "$dpid"
check "SIGTERM: the daemon stops" 'wait_gone "$dpid"' "pid $dpid"
check "SIGTERM: the pidfile is removed" '[ ! -e "$pidf" ]' \
	"$(ls -l "$tmp/rootrun" 2>&1)"

# 3. Daemonised with -u: the child drops privileges after the fork.
own_store
sock="$tmp/rootrun/milter.sock"
cf=$(conf daemon-u "$sock" "group = \"$run_group\";" 'socket_mode = 0660;')
timeout 30 "$milter" -c "$cf" -u "$run_user" -P "$pidf" \
	>"$tmp/daemon.out" 2>"$tmp/daemon.err"
rc=$?
client "$run_uid" "$sock" route
# shellcheck disable=SC2034 # used in check
route_rc=$client_rc route_out=$(cat "$tmp/client.out")
dpid=$(cat "$pidf" 2>/dev/null)
[ -n "$dpid" ] && pids="$pids$dpid "
check "without -f, -u $run_user: the parent exits 0" '[ "$rc" = 0 ]' \
	"status $rc" "$(cat "$tmp/daemon.err")"
check "without -f, -u $run_user: the daemon runs as $run_user" \
	'[ -n "$dpid" ] && is_ours "$dpid" &&
	 [ "$(ids_of "$dpid" | sed "s/ groups.*//" | sort -u)" = "${want% groups*}" ]' \
	"pid $dpid: $(ids_of "${dpid:-0}" 2>&1)"
check "without -f, -u $run_user: a member of the group gets a message through" \
	'[ "$route_rc" = 0 ] && [ "$route_out" = "$want_route" ]' \
	"want: $want_route" "got:  $route_out"
check "socket_mode as an integer (0660) is read as octal" \
	'[ "$(stat -c %a "$sock" 2>&1)" = 660 ]' "$(ls -l "$sock" 2>&1)"
[ -n "$dpid" ] && kill -TERM "$dpid"
check "without -f, -u $run_user: SIGTERM stops it" 'wait_gone "$dpid"' \
	"pid $dpid"
rm -f "$pidf" # left behind: a root-owned directory (see route-milter.8)

# 4. A socket left by a run that was killed is replaced.
own_store
sock="$tmp/stale.sock"
cf=$(conf stale "$sock")
start_fg stale1 "$milter" -f -c "$cf"
{
	kill -KILL "$pid"
	wait "$pid"
} 2>/dev/null # bash reports the kill
client root "$sock" connect
check "a killed run leaves a dead socket behind (set-up)" \
	'[ -S "$sock" ] && grep -qx "connect: ECONNREFUSED" "$tmp/client.out"' \
	"$(ls -l "$sock" 2>&1)" "$(cat "$tmp/client.out")"
if start_fg stale2 "$milter" -f -c "$cf"; then
	ok "a stale socket: the next run starts"
else
	notok "a stale socket: the next run starts" "$(cat "$tmp/stale2.err")"
fi
client root "$sock" route
check "a stale socket: the next run answers on it" \
	'[ "$client_rc" = 0 ] && [ "$(cat "$tmp/client.out")" = "$want_route" ]' \
	"want: $want_route" "got:  $(cat "$tmp/client.out")"
stop_fg
check "a stale socket: SIGTERM, exit 0" '[ "$stop_rc" = 0 ]' "status $stop_rc"

# A file that is not a socket is not ours to delete.
echo precious >"$tmp/file.sock"
cf=$(conf notsock "$tmp/file.sock")
timeout 30 "$milter" -f -c "$cf" >/dev/null 2>"$tmp/notsock.err"
rc=$?
check "a regular file at the socket path: refused (exit 1), file kept" \
	'[ "$rc" = 1 ] && [ "$(cat "$tmp/file.sock")" = precious ] &&
	 grep -qF "$tmp/file.sock" "$tmp/notsock.err"' \
	"status $rc" "$(cat "$tmp/notsock.err")"

# 5. Refusals at start-up, with -f and daemonised.
# refuse DESC ONELINE TEXT ARGS... - route-milter ARGS (plus -P) exits 1
# with TEXT on stderr (on a single line when ONELINE is 1), leaves no
# process and no pidfile.
refuse() {
	local desc=$1 oneline=$2 text=$3 mode flag d why
	shift 3
	for mode in -f daemonised; do
		flag=-f
		[ "$mode" = daemonised ] && flag=
		d="$desc ($mode)"
		rm -f "$tmp/refused.pid"
		# shellcheck disable=SC2086
		timeout 30 "$milter" $flag -P "$tmp/refused.pid" "$@" \
			>/dev/null 2>"$tmp/refuse.err"
		rc=$?
		check "$d: exits 1" '[ "$rc" = 1 ]' "status $rc" \
			"$(sed 's/^/stderr: /' "$tmp/refuse.err")"
		why="$d: says why on stderr"
		[ "$oneline" = 1 ] && why="$why, in one line"
		if grep -qF -- "$text" "$tmp/refuse.err" &&
			{ [ "$oneline" = 0 ] || [ "$(wc -l <"$tmp/refuse.err")" = 1 ]; }; then
			ok "$why"
		else
			notok "$why" "want: $text" \
				"$(sed 's/^/stderr: /' "$tmp/refuse.err")"
		fi
		for _ in $(seq 60); do
			[ -z "$(ours_running)" ] && break
			sleep 0.05
		done
		check "$d: nothing left running, no pidfile" \
			'[ -z "$(ours_running)" ] && [ ! -e "$tmp/refused.pid" ]' \
			"running: $(ours_running | tr '\n' ' ')" \
			"$(ls -l "$tmp/refused.pid" 2>&1)"
		for p in $(ours_running); do
			pids="$pids$p "
			kill -TERM "$p"
			wait_gone "$p"
		done
	done
}

bad="$tmp/typo.conf"
cat >"$bad" <<EOF
store = "sqlite:$tmp/db/routes.db";
milter = {
  socket = "unix:$tmp/r.sock";
  socketmode = "0660";
};
EOF
refuse "a misspelt key" 1 "$bad:4: milter.socketmode: unknown key" -c "$bad"
refuse "-p bogus:x" 1 "bogus:x" -c "$base" -p bogus:x
cf=$(conf nogroup "$tmp/r.sock" 'group = "nosuchgroup";')
refuse "milter.group nosuchgroup" 1 "unknown group nosuchgroup" -c "$cf"
rm -f "$tmp/r.sock"
refuse "-u nosuchuser" 1 "unknown user nosuchuser" \
	-c "$base" -p "unix:$tmp/r.sock" -u nosuchuser
check "an unknown user leaves no socket behind" '[ ! -e "$tmp/r.sock" ]' \
	"$(ls -l "$tmp/r.sock" 2>&1)"
cf=$(conf nouser "$tmp/r.sock" 'user = "nosuchuser";')
refuse "milter.user nosuchuser" 1 "unknown user nosuchuser" \
	-c "$cf"
refuse "a socket in a missing directory" 0 "$tmp/nodir/r.sock" \
	-c "$base" -p "unix:$tmp/nodir/r.sock"
refuse "-P in a missing directory" 1 "$tmp/nodir/pid" \
	-c "$base" -p "unix:$tmp/r.sock" -P "$tmp/nodir/pid"
# SRS secrets: others must not read them, and they must be there.
printf 'a-secret\n' >"$tmp/srs.secrets"
chmod 644 "$tmp/srs.secrets"
cf=$(conf srs "$tmp/r.sock")
printf 'srs = { domain = "srs.example.net"; secrets_file = "%s"; };\n' \
	"$tmp/srs.secrets" >>"$cf"
refuse "SRS secrets readable by others" 1 \
	"$tmp/srs.secrets: readable or writable by others" -c "$cf"
rm -f "$tmp/srs.secrets"
refuse "SRS secrets file missing" 1 "$tmp/srs.secrets" -c "$cf"

reports=$(for f in "$tmp"/san/*; do
	[ -e "$f" ] && echo "$f:" && head -30 "$f"
done)
check "no sanitizer report from any run" '[ -z "$reports" ]' "$reports"

echo "1..$n"
exit $fail
