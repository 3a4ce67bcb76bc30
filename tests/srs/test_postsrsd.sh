#!/bin/bash
# test_postsrsd.sh - our SRS against the real postsrsd 1.10 (Debian 12's),
# through milter-ctl: with the same secret, SRS domain and separator, a few
# hundred varied senders (senders.py) must give byte for byte the address
# postsrsd gives, and each side must reverse the other's addresses, also
# in upper case.  Every separator is tried; senders too long for a
# 64-octet SRS local part are set aside and checked apart (ours goes
# through the alias store); then our base64url alphabet, senders libsrs2
# mistakes for SRS addresses, day stamp ages and rotated secrets.
# postsrsd runs privately on loopback (in a network namespace when
# possible), stopped by pid.  Prints TAP, one line per group; needs
# $top_builddir (milter-ctl) and the unpacked postsrsd ($POSTSRSD).

# Upper case is ASCII upper case (tr a-z A-Z), as MTAs change it.
# shellcheck disable=SC2018,SC2019
[ -n "${BASH_VERSION:-}" ] || exec bash "$0" "$@"
set -u

here=$(cd "$(dirname "$0")" && pwd)
: "${top_srcdir:=$(cd "$here/../.." && pwd)}"
: "${top_builddir:=$top_srcdir}"
POSTSRSD=${POSTSRSD:-/var/lib/route-milter-test/postsrsd/usr/sbin/postsrsd}
PY=/usr/bin/python3
CTL="$top_builddir/ctl/milter-ctl"
DOMAIN=srs.example.net
SHOW=5 # mismatches shown per group

if [ ! -x "$POSTSRSD" ]; then
	echo "1..0 # SKIP postsrsd not unpacked (run scripts/deps.sh)"
	exit 0
fi
[ -x "$CTL" ] || { echo "Bail out! no $CTL (build first)"; exit 99; }

# Fixed ports on a loopback of our own when we may have one, else free ones.
export PATH="$PATH:/usr/sbin:/sbin"
if [ -z "${SRS_IN_NS:-}" ] && [ -z "${SRS_NO_NS:-}" ] &&
    command -v ip >/dev/null 2>&1 && unshare --net true 2>/dev/null; then
	SRS_IN_NS=1 exec unshare --net -- bash "$0" "$@"
fi
if [ -n "${SRS_IN_NS:-}" ]; then
	ip link set lo up || { echo "Bail out! ip link set lo up failed"; exit 99; }
	PORTS=(10001 10002 10003 10004 10005 10006 10007 10008)
else
	mapfile -t PORTS < <("$PY" -c '
import socket
ss = [socket.socket() for _ in range(8)]
for s in ss: s.bind(("127.0.0.1", 0))
for s in ss: print(s.getsockname()[1])')
fi

tmp=$(mktemp -d "${TMPDIR:-/tmp}/test_postsrsd.XXXXXX") || exit 99
PIDS=""
cleanup() {
	local pid
	for pid in $PIDS; do
		kill -TERM "$pid" 2>/dev/null && wait "$pid" 2>/dev/null
	done
	rm -rf "$tmp"
}
trap cleanup EXIT

n=0
failed=0

# ok DESC / not_ok DESC [LINE...] - one TAP line; LINEs become comments.
ok() {
	n=$((n + 1))
	echo "ok $n - $1"
}
not_ok() {
	n=$((n + 1))
	failed=1
	echo "not ok $n - $1"
	shift
	local line
	for line in "$@"; do
		printf '# %s\n' "$line"
	done
}

# check DESC BAD_FILE - ok when BAD_FILE is empty, else not ok with its
# first lines.
check() {
	if [ ! -s "$2" ]; then
		ok "$1"
	else
		local lines
		mapfile -t lines < <(head -n "$SHOW" "$2")
		not_ok "$1" "${lines[@]}"
	fi
}

# wait_port PORT - wait up to 5 s for a listener on 127.0.0.1:PORT.
wait_port() {
	local i
	for i in $(seq 50); do
		(exec 3<>"/dev/tcp/127.0.0.1/$1") 2>/dev/null && return 0
		sleep 0.1
	done
	return 1
}

# start_postsrsd SECRETS SEP FWDPORT REVPORT - a private postsrsd.
start_postsrsd() {
	"$POSTSRSD" -4 -s "$1" -d "$DOMAIN" -a "$2" -n 4 -N 4 \
	    -l 127.0.0.1 -f "$3" -r "$4" >>"$tmp/postsrsd.log" 2>&1 &
	PIDS="$PIDS $!"
	wait_port "$3" && wait_port "$4" || {
		echo "Bail out! postsrsd did not start on $3/$4"
		sed 's/^/# /' "$tmp/postsrsd.log"
		exit 99
	}
}

# write_conf FILE SECRETS SEP [ALPHABET] - a route-milter.conf for
# milter-ctl, by default with postsrsd 1.x's hash alphabet.
write_conf() {
	cat >"$1" <<EOF
store = "sqlite:$tmp/routes.db";
srs = {
  domain = "$DOMAIN";
  secrets_file = "$2";
  separator = "$3";
  hash_length = 4;
  hash_minimum = 4;
  max_age_days = 21;
  hash_alphabet = "${4:-base64}";
};
EOF
}

# postsrsd_get PORT IN OUT - postsrsd's "CODE TEXT" for each line of IN.
postsrsd_get() {
	"$PY" "$here/tcptable.py" "$1" "$2" >"$3" 2>>"$tmp/tcptable.log" ||
	    : >"$3"
}

# ours CONF forward|reverse IN OUT [OPTION...] - milter-ctl srs for each
# line of IN, as "200 RESULT" or "500 REASON" lines.  A refused reverse
# stops milter-ctl, so after one the addresses are asked one at a time.
ours() {
	local conf=$1 op=$2 in=$3 out=$4 addrs rc a
	shift 4
	mapfile -t addrs <"$in"
	"$CTL" -c "$conf" srs "$op" "$@" "${addrs[@]}" >"$tmp/ctl.out" \
	    2>"$tmp/ctl.err"
	rc=$?
	if [ $rc = 0 ] && [ "$(wc -l <"$tmp/ctl.out")" = "${#addrs[@]}" ]; then
		sed 's/^/200 /' "$tmp/ctl.out" >"$out"
		return
	fi
	: >"$out"
	for a in "${addrs[@]}"; do
		if "$CTL" -c "$conf" srs "$op" "$@" "$a" >"$tmp/ctl.out" \
		    2>"$tmp/ctl.err"; then
			echo "200 $(cat "$tmp/ctl.out")" >>"$out"
		else
			echo "500 exit $? $(tr '\n' ' ' <"$tmp/ctl.err")" >>"$out"
		fi
	done
}

# day - today's day number, the one SRS stamps are made of.
day() {
	echo $(($(date +%s) / 86400))
}

# field N FILE - the Nth tab-separated column of FILE.
field() {
	cut -f "$1" "$2"
}

# forward_both SENDERS FWDPORT CONF - $tmp/p.fwd (postsrsd) and $tmp/o.fwd
# (ours), made on the same day: if the day changed meanwhile, once more.
forward_both() {
	local d0
	for _ in 1 2; do
		d0=$(day)
		postsrsd_get "$2" "$1" "$tmp/p.fwd"
		ours "$3" forward "$1" "$tmp/o.fwd"
		[ "$(day)" = "$d0" ] && return
	done
}

# pass SEP FWDPORT REVPORT CONF - the cross-check of senders.py's main list
# with separator SEP.  Leaves in $tmp/cmp.SEP, for each sender both sides
# rewrote: kind, sender, expected reverse, postsrsd's and our address.
pass() {
	local sep=$1 fport=$2 rport=$3 conf=$4 t="sep '$1'"
	field 2 "$tmp/main" >"$tmp/senders"
	forward_both "$tmp/senders" "$fport" "$conf"
	# One row per sender: kind, sender, expected reverse, postsrsd, ours.
	paste "$tmp/main" "$tmp/p.fwd" "$tmp/o.fwd" >"$tmp/rows"
	awk -F'\t' -v bad="$tmp/bad.fwd" -v cmp="$tmp/cmp" -v big="$tmp/big" '
	{
		if ($4 ~ /^200 / && index(substr($4, 5), "@") > 65) {
			print $2 > big
			next
		}
		if ($4 != $5) {
			printf "%s %s: ours: %s postsrsd: %s\n", $1, $2, $5, \
			    $4 > bad
			nbad++
			if (tolower($4) == tolower($5))
				ncase++
		}
		# Rewritten by both: reversed by the other side below.
		if ($4 ~ /^200 / && $5 ~ /^200 / && substr($4, 5) != $2 &&
		    substr($5, 5) != $2)
			printf "%s\t%s\t%s\t%s\t%s\n", $1, $2, $3, \
			    substr($4, 5), substr($5, 5) > cmp
	}
	END {
		if (nbad)
			printf "%d of the %d that differ differ only in " \
			    "letter case\n", ncase, nbad
	}' "$tmp/rows" >"$tmp/bad.sum"
	local total compared same big
	touch "$tmp/bad.fwd" "$tmp/cmp" "$tmp/big"
	total=$(wc -l <"$tmp/main")
	big=$(wc -l <"$tmp/big")
	compared=$((total - big))
	same=$((compared - $(wc -l <"$tmp/bad.fwd")))
	echo "# $t: $big of $total senders set aside: postsrsd's local part" \
	    "is over 64 octets"
	[ "$compared" -ge 250 ] ||
	    echo "only $compared senders compared" >>"$tmp/bad.sum"
	cat "$tmp/bad.sum" "$tmp/bad.fwd" >"$tmp/bad"
	check "$t: forward gives postsrsd's address for $same of $compared senders" \
	    "$tmp/bad"
	rm -f "$tmp/bad.fwd"

	# Each reverses the other's addresses; the same addresses in upper case.
	local m
	m=$(wc -l <"$tmp/cmp")
	field 4 "$tmp/cmp" >"$tmp/p.addrs"
	field 5 "$tmp/cmp" >"$tmp/o.addrs"
	tr a-z A-Z <"$tmp/p.addrs" >"$tmp/p.upper"
	tr a-z A-Z <"$tmp/o.addrs" >"$tmp/o.upper"
	field 3 "$tmp/cmp" | sed 's/^/200 /' >"$tmp/want"
	tr a-z A-Z <"$tmp/want" >"$tmp/want.upper"
	postsrsd_get "$rport" "$tmp/o.addrs" "$tmp/p.rev"
	postsrsd_get "$rport" "$tmp/o.upper" "$tmp/p.rev.upper"
	ours "$conf" reverse "$tmp/p.addrs" "$tmp/o.rev"
	ours "$conf" reverse "$tmp/p.upper" "$tmp/o.rev.upper"
	compare "$t: postsrsd reverses $m of our addresses" \
	    "$tmp/o.addrs" "$tmp/want" "$tmp/p.rev"
	compare "$t: postsrsd reverses $m of our addresses in upper case" \
	    "$tmp/o.upper" "$tmp/want.upper" "$tmp/p.rev.upper"
	compare "$t: we reverse $m of postsrsd's addresses" \
	    "$tmp/p.addrs" "$tmp/want" "$tmp/o.rev"
	compare "$t: we reverse $m of postsrsd's addresses in upper case" \
	    "$tmp/p.upper" "$tmp/want.upper" "$tmp/o.rev.upper"
	mv "$tmp/cmp" "$tmp/cmp.$sep"
	rm -f "$tmp/big"
}

# SAME_ADDR - awk: same(a, b) compares "CODE ADDRESS" lines, the domains
# in any case (we give them in lower case; postsrsd as they came).
SAME_ADDR='
function dom_lc(s) {
	return match(s, /@[^@]*$/) ? substr(s, 1, RSTART) \
	    tolower(substr(s, RSTART + 1)) : s
}
function same(a, b) { return dom_lc(a) == dom_lc(b) }'

# compare DESC ADDRS WANT GOT - ok when GOT is WANT line by line.
compare() {
	paste "$2" "$3" "$4" | awk -F'\t' "$SAME_ADDR"'
	!same($2, $3) { printf "%s: want: %s got: %s\n", $1, $2, $3 }' \
	    >"$tmp/bad.cmp"
	[ "$(wc -l <"$4")" = "$(wc -l <"$3")" ] ||
	    echo "$(wc -l <"$4") answers for $(wc -l <"$3") addresses" \
	    >>"$tmp/bad.cmp"
	check "$1" "$tmp/bad.cmp"
}

# ------------------------------------------------------------------ main

"$PY" "$here/senders.py" main >"$tmp/main" &&
    "$PY" "$here/senders.py" long >"$tmp/long" &&
    "$PY" "$here/senders.py" quirks >"$tmp/quirks" ||
    { echo "Bail out! senders.py failed"; exit 99; }

# A secret with spaces in it: both take the whole line.
printf 'cross-check secret, with spaces\n' >"$tmp/secrets"
chmod 600 "$tmp/secrets"

i=0
for sep in '=' '+' '-'; do
	start_postsrsd "$tmp/secrets" "$sep" "${PORTS[i]}" "${PORTS[i + 1]}"
	write_conf "$tmp/conf$i" "$tmp/secrets" "$sep"
	pass "$sep" "${PORTS[i]}" "${PORTS[i + 1]}" "$tmp/conf$i"
	i=$((i + 2))
done
conf="$tmp/conf0"
fport=${PORTS[0]}
rport=${PORTS[1]}
field 4 "$tmp/cmp.=" >"$tmp/p.addrs.eq"

# postsrsd's own addresses are not rewritten again by either side.
postsrsd_get "$fport" "$tmp/p.addrs.eq" "$tmp/again.p"
ours "$conf" forward "$tmp/p.addrs.eq" "$tmp/again.o"
paste "$tmp/p.addrs.eq" "$tmp/again.p" "$tmp/again.o" | awk -F'\t' '
	$2 != "500 Already rewritten" || $3 != "200 " $1 {
		printf "%s: ours: %s postsrsd: %s\n", $1, $3, $2 }' \
    >"$tmp/bad.again"
check "$(wc -l <"$tmp/p.addrs.eq") addresses in the SRS domain: neither side rewrites them again" \
    "$tmp/bad.again"

# With our default alphabet, base64url, the addresses are the same but
# for '-' and '_' in place of '+' and '/' in our hash, and postsrsd's
# still reverse.  postsrsd 1.x reads only its own alphabet.
write_conf "$tmp/conf.url" "$tmp/secrets" '=' base64url
field 2 "$tmp/cmp.=" >"$tmp/url.senders"
for _ in 1 2; do
	d0=$(day)
	ours "$conf" forward "$tmp/url.senders" "$tmp/url.b64"
	ours "$tmp/conf.url" forward "$tmp/url.senders" "$tmp/url.o"
	[ "$(day)" = "$d0" ] && break
done
ours "$tmp/conf.url" reverse "$tmp/p.addrs.eq" "$tmp/url.rev"
sed 's/^200 //' "$tmp/url.o" >"$tmp/url.addrs"
postsrsd_get "$rport" "$tmp/url.addrs" "$tmp/url.p.rev"
field 3 "$tmp/cmp.=" | sed 's/^/200 /' >"$tmp/url.want"
paste "$tmp/url.senders" "$tmp/url.b64" "$tmp/url.o" "$tmp/p.addrs.eq" \
    "$tmp/url.want" "$tmp/url.rev" | awk -F'\t' "$SAME_ADDR"'
	# "200 SRS0=HASH=...": the first hash only, an SRS1 address keeps
	# the hash of the first hop as it was.
	function url(a,   h) {
		h = substr(a, 10)
		h = substr(h, 1, index(h, "=") - 1)
		gsub(/\+/, "-", h)
		gsub(/\//, "_", h)
		return substr(a, 1, 9) h substr(a, 10 + length(h))
	}
	url($2) != $3 {
		printf "%s: base64url %s, base64 %s\n", $1, $3, $2
	}
	!same($6, $5) {
		printf "%s: base64url side reverses %s to %s\n", $1, $4, $6
	}' >"$tmp/bad.url"
echo "# postsrsd 1.10 reverses $(grep -c '^200 ' "$tmp/url.p.rev") of" \
    "$(wc -l <"$tmp/url.addrs") base64url addresses (not those with '-'" \
    "or '_' in the hash)"
check "hash_alphabet base64url: the same $(wc -l <"$tmp/url.senders") addresses but for '-' and '_'; postsrsd's still reverse" \
    "$tmp/bad.url"

# A local part that is an SRS tag alone ("SRS0@", "srs1@") is an ordinary
# sender to us; libsrs2 takes it for an SRS address (its separator test
# finds the NUL) and answers with a broken SRS1 or refuses.  Ours must be
# SRS0 and reverse, on both sides, to the sender.
field 2 "$tmp/quirks" >"$tmp/q.senders"
postsrsd_get "$fport" "$tmp/q.senders" "$tmp/q.p"
ours "$conf" forward "$tmp/q.senders" "$tmp/q.o"
sed 's/^200 //' "$tmp/q.o" >"$tmp/q.addrs"
postsrsd_get "$rport" "$tmp/q.addrs" "$tmp/q.p.rev"
ours "$conf" reverse "$tmp/q.addrs" "$tmp/q.o.rev"
paste "$tmp/quirks" "$tmp/q.p" "$tmp/q.o" "$tmp/q.p.rev" "$tmp/q.o.rev" |
    awk -F'\t' -v notes="$tmp/q.notes" "$SAME_ADDR"'
	{ printf "# %s: postsrsd: %s, ours: %s\n", $2, $4, $5 > notes }
	$5 !~ /^200 SRS0=/ || !same($6, "200 " $3) || !same($7, "200 " $3) {
		printf "%s: ours %s reverses to %s, postsrsd reverses it to %s\n", \
		    $2, $5, $7, $6
	}' >"$tmp/bad.quirks"
cat "$tmp/q.notes"
check "$(wc -l <"$tmp/quirks") senders named like an SRS tag: ours is SRS0 and reverses on both sides" \
    "$tmp/bad.quirks"

# Long senders: postsrsd's SRS local part passes 64 octets; ours does not,
# and reverses (through the alias store), also in upper case.
field 2 "$tmp/long" >"$tmp/long.senders"
postsrsd_get "$fport" "$tmp/long.senders" "$tmp/long.p"
ours "$conf" forward "$tmp/long.senders" "$tmp/long.o"
sed 's/^200 //' "$tmp/long.o" >"$tmp/long.addrs"
tr a-z A-Z <"$tmp/long.addrs" >"$tmp/long.upper"
ours "$conf" reverse "$tmp/long.addrs" "$tmp/long.rev"
ours "$conf" reverse "$tmp/long.upper" "$tmp/long.rev.upper"
paste "$tmp/long" "$tmp/long.p" "$tmp/long.o" "$tmp/long.rev" \
    "$tmp/long.rev.upper" | awk -F'\t' "$SAME_ADDR"'
	{
		p = substr($4, 5); o = substr($5, 5)
		if ($4 !~ /^200 / || index(p, "@") <= 65)
			printf "%s: postsrsd: %s (want a local part over 64)\n", \
			    $2, $4
		else if ($5 !~ /^200 / || index(o, "@") > 65 || o == $2)
			printf "%s: ours: %s (want an SRS local part <= 64)\n", \
			    $2, $5
		else if (!same($6, "200 " $3) || !same($7, "200 " $3))
			printf "%s: ours %s reverses to %s, in upper case %s\n", \
			    $2, o, $6, $7
	}' >"$tmp/bad.long"
check "$(wc -l <"$tmp/long") long senders: postsrsd's local part is over 64 octets, ours is not and reverses" \
    "$tmp/bad.long"

# Day stamps, ours made --now days ago: both sides take them up to
# max_age_days (21) old and refuse older ones and one from tomorrow.
head -n 10 "$tmp/main" >"$tmp/age"
field 2 "$tmp/age" >"$tmp/age.senders"
# ages - $tmp/age.rows: age, address, expected and both reverses.
ages() {
	local age now
	: >"$tmp/age.rows"
	now=$(date +%s)
	for age in 0 1 20 21 22 40 -1; do
		ours "$conf" forward "$tmp/age.senders" "$tmp/age.o" \
		    --now $((now - age * 86400))
		sed 's/^200 //' "$tmp/age.o" >"$tmp/age.addrs"
		postsrsd_get "$rport" "$tmp/age.addrs" "$tmp/age.p.rev"
		ours "$conf" reverse "$tmp/age.addrs" "$tmp/age.o.rev"
		if [ "$age" -ge 0 ] && [ "$age" -le 21 ]; then
			field 3 "$tmp/age" | sed 's/^/200 /' >"$tmp/age.want"
		else
			sed 's/.*/500/' "$tmp/age" >"$tmp/age.want"
		fi
		paste "$tmp/age.addrs" "$tmp/age.want" "$tmp/age.p.rev" \
		    "$tmp/age.o.rev" | sed "s/^/$age\t/" >>"$tmp/age.rows"
	done
}
for _ in 1 2; do
	d0=$(day)
	ages
	[ "$(day)" = "$d0" ] && break
done
awk -F'\t' "$SAME_ADDR"'
	function ok(want, got) {
		return want == "500" ? got ~ /^500 / : same(got, want)
	}
	!ok($3, $4) || !ok($3, $5) {
		printf "%s days old %s: want %s, postsrsd: %s, ours: %s\n", \
		    $1, $2, $3, $4, $5
	}' "$tmp/age.rows" >"$tmp/bad.age"
check "day stamps: $(wc -l <"$tmp/age.senders") addresses 0 to 21 days old reverse on both sides; 22 or 40 days old or from tomorrow, both refuse them" \
    "$tmp/bad.age"

# Rotation: postsrsd signs with the secret we only verify, and we sign
# with the one it only verifies; each still reverses the other's.
printf 'new secret\ncross-check secret, with spaces\n' >"$tmp/secrets.p"
printf 'cross-check secret, with spaces\nnew secret\n' >"$tmp/secrets.o"
chmod 600 "$tmp/secrets.p" "$tmp/secrets.o"
start_postsrsd "$tmp/secrets.p" '=' "${PORTS[6]}" "${PORTS[7]}"
write_conf "$tmp/conf.rot" "$tmp/secrets.o" '='
head -n 60 "$tmp/main" >"$tmp/rot"
field 2 "$tmp/rot" >"$tmp/rot.senders"
field 3 "$tmp/rot" | sed 's/^/200 /' >"$tmp/rot.want"
postsrsd_get "${PORTS[6]}" "$tmp/rot.senders" "$tmp/rot.p"
ours "$tmp/conf.rot" forward "$tmp/rot.senders" "$tmp/rot.o"
sed 's/^200 //' "$tmp/rot.p" >"$tmp/rot.p.addrs"
sed 's/^200 //' "$tmp/rot.o" >"$tmp/rot.o.addrs"
ours "$tmp/conf.rot" reverse "$tmp/rot.p.addrs" "$tmp/rot.o.rev"
postsrsd_get "${PORTS[7]}" "$tmp/rot.o.addrs" "$tmp/rot.p.rev"
if cmp -s "$tmp/rot.p" "$tmp/rot.o"; then
	echo "same addresses from different signing secrets" >"$tmp/bad.rot"
else
	: >"$tmp/bad.rot"
fi
paste "$tmp/rot.senders" "$tmp/rot.want" "$tmp/rot.o.rev" "$tmp/rot.p.rev" |
    awk -F'\t' "$SAME_ADDR"'!same($3, $2) || !same($4, $2) {
	printf "%s: ours reverses to %s, postsrsd to %s\n", $1, $3, $4 }' \
    >>"$tmp/bad.rot"
check "rotated secrets: each reverses the other's addresses ($(wc -l <"$tmp/rot") senders)" \
    "$tmp/bad.rot"

echo "1..$n"
exit $failed
