# lib_send.sh - the sending half of the e2e harness (bash, sourced by
# lib.sh): writes test messages, sends them with swaks or smtpclient.py
# (which can pause mid-session), and asserts what the sender was told and
# what arrived at the sink.

# e2e_message - write a test message (CRLF line ends) to FILE with the
# given From:, To: and Subject:, and a body that exercises transparency
# (a leading dot, trailing blanks, a tab).
e2e_message() {
	local file=$1 from=$2 to=$3 subject=$4
	printf '%s\r\n' \
	    "From: <$from>" \
	    "To: <$to>" \
	    "Subject: $subject" \
	    "Date: Mon, 01 Jan 2024 00:00:00 +0000" \
	    "Message-ID: <$(basename "$file").$$@client.e2e.test>" \
	    "X-Folded: a header" \
	    "	that is folded" \
	    "" \
	    "Hello," \
	    ".a line that starts with a dot" \
	    "trailing blanks   " \
	    "	tab first" \
	    "" \
	    "-- " \
	    "e2e" >"$file"
}

# e2e_swaks_data - the --data argument that makes swaks send FILE as it
# is: swaks adds a CRLF of its own before the final dot, so it is given a
# copy without the file's last CRLF.
e2e_swaks_data() {
	head -c -2 "$1" >"$1.swaks"
	echo "@$1.swaks"
}

# e2e_swaks - run swaks against SWAKS_PORT (default SMTP_PORT) from
# 127.0.0.2; sets SWAKS_RC and SWAKS_OUT (the transcript file).
e2e_swaks() {
	local port=${SWAKS_PORT:-$SMTP_PORT}
	SWAKS_OUT=$E2E_TMP/swaks.$((++E2E_SWAKS_N)).out
	swaks --server 127.0.0.1 --port "$port" -li 127.0.0.2 \
	    --helo client.e2e.test "$@" >"$SWAKS_OUT" 2>&1
	SWAKS_RC=$?
}

# swaks_reply - the server's reply (last line, "CODE TEXT") to the first
# command in the swaks transcript FILE that starts with CMD
# (e.g. "RCPT TO:<a@example.com>", "MAIL FROM", "." for end of data).
swaks_reply() {
	# With swaks -n the data and its dot show as "N lines sent".
	awk -v cmd="$2" '
	    function wanted(line) {
		if (cmd == ".")
			return line == "." || line ~ /^[0-9]+ lines sent$/
		return substr(line, 1, length(cmd)) == cmd
	    }
	    !found && /^ *-> / {
		line = $0
		sub(/^ *-> /, "", line)
		if (wanted(line))
			found = 1
		next
	    }
	    found && /^ *(<-|<\*\*) / {
		line = $0
		sub(/^ *(<-|<\*\*) +/, "", line)
		if (line !~ /^[0-9][0-9][0-9]-/) {
			print line
			exit
		}
	    }
	    found && /^ *(->|~>) / { exit }
	' "$1"
}

# e2e_send - send message FILE from FROM to the comma-separated TO list
# with swaks on SMTP_PORT (extra swaks options may follow).
e2e_send() {
	local from=$1 to=$2 file=$3
	shift 3
	e2e_swaks --from "$from" --to "$to" --data "$(e2e_swaks_data "$file")" "$@"
}

# e2e_client_start OUT ARG... - run smtpclient.py (ARGs: --from, --rcpt,
# --data, --pause or --probe ...) from 127.0.0.2 to SMTP_PORT in the
# background, its transcript to OUT, and wait up to 10 s until it has
# paused (its ready file exists); 1 if it did not.  Resume it with
# e2e_client_go.
e2e_client_start() {
	local out=$1 i
	shift
	rm -f "$E2E_TMP/ready" "$E2E_TMP/go" "$E2E_TMP/go.tmp"
	"$E2E_PY" "$E2E_LIBDIR/smtpclient.py" --port "$SMTP_PORT" \
	    --source 127.0.0.2 --ready "$E2E_TMP/ready" --go "$E2E_TMP/go" \
	    "$@" >"$out" 2>&1 &
	E2E_CLIENT_PID=$!
	E2E_PIDS="$E2E_PIDS client:$E2E_CLIENT_PID"
	for i in $(seq 100); do
		[ -e "$E2E_TMP/ready" ] && return 0
		sleep 0.1
	done
	return 1
}

# e2e_client_go - let the paused client go on and wait up to 30 s for it
# to finish.  The go file holds the time now (ms), which a probe counts
# from.
e2e_client_go() {
	date +%s%3N >"$E2E_TMP/go.tmp"
	mv "$E2E_TMP/go.tmp" "$E2E_TMP/go"
	e2e_wait_gone "$E2E_CLIENT_PID" 30 || kill -KILL "$E2E_CLIENT_PID"
	e2e_forget "$E2E_CLIENT_PID"
}

# check_reply - assert that the reply to CMD in the last swaks transcript
# matches the extended regex ERE.
check_reply() {
	local desc=$1 cmd=$2 ere=$3 got
	got=$(swaks_reply "$SWAKS_OUT" "$cmd")
	if printf '%s\n' "$got" | grep -Eq -- "$ere"; then
		ok "$desc"
	else
		not_ok "$desc" "reply to $cmd: expected $ere" "got: ${got:-(none)}" \
		    "transcript:" "$(grep -Ev '^ -> [^MRDQE.]' "$SWAKS_OUT")"
	fi
}

# check_sink - wait until the sink holds N messages (at most SECS, 20 by
# default), then assert that its envelopes are exactly EXPECTED (lines as
# e2e_sink_show prints them).
check_sink() {
	local desc=$1 n=$2 expected=$3 secs=${4:-20}
	e2e_sink_wait "$n" "$secs"
	check_eq "$desc" "$expected" "$(e2e_sink_show)"
}

# check_body - assert that sink message N is byte for byte FILE (after the
# Received: headers Postfix put on top).
check_body() {
	if ! [ -e "$(e2e_sink_file "$2")" ]; then
		not_ok "$1" "the sink has no message $2"
	elif e2e_sink_same_body "$2" "$3"; then
		ok "$1"
	else
		not_ok "$1" "sink message $2 differs from $3:" \
		    "$(diff <("$E2E_PY" "$E2E_LIBDIR/sink.py" body \
		    "$(e2e_sink_file "$2")" | od -c) <(od -c "$3") | head -n 20)"
	fi
}

# check_nothing_more - assert that instance NAME has nothing left in its
# queue and the sink still holds exactly N messages.
check_nothing_more() {
	local desc=$1 name=$2 n=$3
	e2e_queue_wait_empty "$name" 20
	check_eq "$desc" "$n" "$(e2e_sink_count)"
}
