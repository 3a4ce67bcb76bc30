#!/bin/bash
# demo.sh - see route-milter work in a minute, on a fresh Debian 12, as root.
# Installs what is needed (scripts/deps.sh), builds into _build, then starts
# a private Postfix on loopback with route-milter, adds sample rules with
# milter-ctl, sends sample mail with swaks and shows what each sender was
# told and what arrived where.  Nothing of the system's own mail set-up is
# touched; everything started is stopped at the end.
# Usage: scripts/demo.sh [--no-deps] [--no-build]
set -u
top=$(cd "$(dirname "$0")/.." && pwd)
build="$top/_build"

if [ "${1:-}" != --run ]; then
	deps=1 make_it=1
	for arg in "$@"; do
		case $arg in
		--no-deps) deps= ;;
		--no-build) make_it= ;;
		*) echo "usage: $0 [--no-deps] [--no-build]" >&2; exit 2 ;;
		esac
	done
	if [ "$(id -u)" != 0 ]; then
		echo "demo.sh: run me as root (Postfix needs it)" >&2
		exit 1
	fi
	if [ -n "$deps" ]; then
		echo "== installing packages (scripts/deps.sh)"
		"$top/scripts/deps.sh" ||
		    { echo "demo.sh: scripts/deps.sh failed" >&2; exit 1; }
	fi
	if [ -n "$make_it" ]; then
		echo "== building into $build (log: $build/demo-build.log)"
		mkdir -p "$build"
		if ! { (cd "$top" && autoreconf -fi) &&
		    (cd "$build" && "$top/configure" -q &&
		    make -j"$(nproc)"); } >"$build/demo-build.log" 2>&1; then
			tail -n 30 "$build/demo-build.log" >&2
			echo "demo.sh: the build failed" >&2
			exit 1
		fi
	fi
	for p in ctl/milter-ctl milter/route-milter; do
		[ -x "$build/$p" ] ||
		    { echo "demo.sh: $build/$p missing: build first" >&2; exit 1; }
	done
	# The rest runs in its own network namespace when possible (private
	# loopback, fixed ports); lib.sh re-executes this script for that.
	exec bash "$0" --run
fi

shift
top_srcdir=$top top_builddir=$build
. "$top/tests/e2e/lib.sh"
why=$(e2e_missing)
[ -z "$why" ] || { echo "demo.sh: $why" >&2; exit 1; }
e2e_enter_ns --run "$@"
e2e_mktemp
CTL="$build/ctl/milter-ctl"
MILTER="$build/milter/route-milter"

# e2e_bail prints TAP; here a person reads it.
e2e_bail() {
	echo "demo.sh: $*" >&2
	e2e_show_logs >&2
	exit 1
}

# show_cmd - print a command as a person would type it.
show_cmd() {
	local a line="  \$"
	for a in "$@"; do
		case $a in
		*[[:space:]]*) line="$line \"$a\"" ;;
		*) line="$line $a" ;;
		esac
	done
	echo "$line"
}

echo
echo "== starting a private Postfix (127.0.0.1:$SMTP_PORT), a sink playing"
echo "   \"the rest of the internet\" (127.0.0.1:$SINK_PORT) and route-milter"
# SRS: forwarded mail leaves with a sender in srs.example.net.
openssl rand -base64 18 >"$E2E_TMP/srs.secrets" 2>/dev/null ||
    head -c 18 /dev/urandom | base64 >"$E2E_TMP/srs.secrets"
chmod 600 "$E2E_TMP/srs.secrets"
e2e_rig "" "srs = { domain = \"srs.example.net\";" \
    "        secrets_file = \"$E2E_TMP/srs.secrets\"; };"
postconf -c "$E2E_TMP/mx/etc" -e \
    "relay_domains = example.com example.net example.org srs.example.net" \
    "internal_mail_filter_classes = bounce"
postfix -c "$E2E_TMP/mx/etc" reload >/dev/null 2>&1
postconf -c "$E2E_TMP/mx/etc" smtpd_milters non_smtpd_milters \
    milter_default_action relay_domains internal_mail_filter_classes |
    sed 's/^/   main.cf: /'
echo "   route-milter.conf: $(grep -F 'srs = ' "$MILTER_CONF") ..."""

echo
echo "== rules, added with milter-ctl (here: $CTL -c $MILTER_CONF)"
# ctl_run - show and run one milter-ctl command, its output indented.
ctl_run() {
	show_cmd milter-ctl "$@"
	"$CTL" -c "$MILTER_CONF" "$@" 2>&1 | sed 's/^/    /'
}
ctl_run domain add example.com
ctl_run domain add example.net
ctl_run dest add me@gmail.com
ctl_run dest verify me@gmail.com
ctl_run dest add partner@outlook.com
ctl_run dest verify partner@outlook.com
ctl_run rule add info@example.com forward me@gmail.com
ctl_run rule add sales@example.com forward me@gmail.com partner@outlook.com
ctl_run rule add old@example.com reject "This address is no longer in use"
ctl_run rule add noreply@example.com drop
ctl_run rule add @example.com forward me@gmail.com --comment "catch-all"
ctl_run rule add hello@example.net forward me@gmail.com
ctl_run rule list
ctl_run test info+shop@example.com

echo
echo "== starting route-milter"
e2e_milter_start || e2e_bail "route-milter did not start"
echo "   $MILTER -f -c $MILTER_CONF  (pid $E2E_MILTER_PID)"

echo
echo "== sending sample mail with swaks (from sender@example.org)"
printf '   %-28s %s\n' "to" "what the sending server was told"
# send - one message to TO; print the reply a sender would act on.
send() {
	local to=$1 why=$2 rcpt final
	e2e_message "$E2E_TMP/msg" sender@example.org "$to" "$why"
	e2e_send sender@example.org "$to" "$E2E_TMP/msg"
	rcpt=$(swaks_reply "$SWAKS_OUT" "RCPT TO:<$to>")
	case $rcpt in
	2*) final=$(swaks_reply "$SWAKS_OUT" ".") ;;
	"") final=$(swaks_reply "$SWAKS_OUT" "MAIL FROM") ;;
	*) final="refused at RCPT: $rcpt" ;;
	esac
	printf '   %-28s %s\n' "$to" "${final:-no reply (see $SWAKS_OUT)}"
}
send info@example.com "to info@ (forward)"
send info+shop@example.com "to info+shop@ (+tag)"
send sales@example.com "to sales@ (two destinations)"
send anything@example.com "to anything@ (catch-all)"
send noreply@example.com "to noreply@ (drop)"
send old@example.com "to old@ (reject)"
send nobody@example.net "to nobody@example.net (unknown)"
send friend@example.org "to friend@example.org (not routed)"

# A bounce coming back to the SRS sender of the first forwarded message.
srs=$("$CTL" -c "$MILTER_CONF" srs forward sender@example.org 2>/dev/null)
e2e_message "$E2E_TMP/msg" MAILER-DAEMON@gmail.com "$srs" "bounce to SRS"
e2e_send '<>' "$srs" "$E2E_TMP/msg"
printf '   %-28s %s\n' "SRS0=... (a bounce, from <>)" \
    "$(swaks_reply "$SWAKS_OUT" ".")"

# Four routed messages, the untouched one and the bounce reach the sink.
e2e_sink_wait 6 20
e2e_queue_wait_empty mx 20
sleep 1

echo
echo "== what arrived at the sink (envelope as Postfix delivered it)"
"$E2E_PY" "$E2E_LIBDIR/sink.py" summary "$E2E_TMP/sink"
echo
echo "== what route-milter logged (one line per message)"
grep -F 'result=' "$E2E_TMP/milter.log" | sed 's/^/   /'

echo
echo "   noreply@ was accepted and dropped, old@ and nobody@example.net were"
echo "   refused during the SMTP session, so none of them reached the sink."
echo "   Forwarded mail left with an SRS sender in srs.example.net (so SPF"
echo "   passes at gmail.com); the bounce to it went back to sender@example.org."
echo "   Messages are kept byte for byte in $E2E_TMP/sink (removed on exit;"
echo "   set E2E_KEEP=1 to keep them)."

echo
echo "== stopping route-milter, Postfix and the sink"
e2e_milter_stop
e2e_postfix_stop mx
echo "   done"
