#!/bin/bash
# t_loop.sh - loop protection (limits.received_headers = 30): a message
# that already carries 31 Received: headers is refused with 554 5.4.6;
# one with 29 (30 with the one our Postfix adds) still goes through.
. "$(dirname "$0")/lib.sh"
e2e_start

# hops FILE N - a message with N Received: headers on top.
hops() {
	local i
	for i in $(seq "$2"); do
		printf 'Received: from hop%d.example.org by hop%d.example.org;\r\n' \
		    "$i" "$((i + 1))"
		printf '\tMon, 01 Jan 2024 00:00:%02d +0000\r\n' "$((i % 60))"
	done >"$1"
	e2e_message "$1.tail" sender@example.org info@example.com "$2 hops"
	cat "$1.tail" >>"$1"
}

hops "$E2E_TMP/looping" 31
e2e_send sender@example.org info@example.com "$E2E_TMP/looping"
check_reply "31 Received: headers: refused with 554 5.4.6" "." '^554 5\.4\.6 '
check_nothing_more "nothing queued, nothing at the sink" mx 0

hops "$E2E_TMP/fine" 29
e2e_send sender@example.org info@example.com "$E2E_TMP/fine"
check_reply "29 Received: headers: accepted" "." '^250 2\.0\.0 Ok: queued as '
check_sink "sink: forwarded" 1 "sender@example.org alice@mailbox.test"
check_nothing_more "mx queue empty, one message delivered" mx 1
e2e_done
