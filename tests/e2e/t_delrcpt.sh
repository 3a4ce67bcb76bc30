#!/bin/bash
# t_delrcpt.sh - a forwarded recipient written another way than its
# normalised mailbox (a source route, the domain's case, a trailing dot)
# is really taken out of the envelope: Postfix deletes recipients by the
# address as first received, so the original must not be delivered next to
# the destination.  And a malformed address in a domain we do not route
# passes untouched (DESIGN: mail for other domains is not ours).
. "$(dirname "$0")/lib.sh"
e2e_start
sc() {
	"$E2E_PY" "$E2E_LIBDIR/smtpclient.py" --port "$SMTP_PORT" \
	    --source 127.0.0.2 --from sender@example.org "$@" >"$E2E_TMP/sc.out" 2>&1
}
e2e_message "$E2E_TMP/msg" sender@example.org info@example.com "spellings"

check_run "RCPT TO:<@a.example:info@example.com> accepted and queued" \
    sc --rcpt "@a.example:info@example.com" --data "$E2E_TMP/msg"
check_sink "sink: source route delivered to the destination only" 1 \
    "sender@example.org alice@mailbox.test"

check_run "RCPT TO:<Info@Example.COM.> accepted and queued" \
    sc --rcpt "Info@Example.COM." --data "$E2E_TMP/msg"
check_sink "sink: case and trailing dot delivered to the destination only" 2 \
    "sender@example.org alice@mailbox.test
sender@example.org alice@mailbox.test"

long="reply+$(printf 'A%.0s' $(seq 80))@example.org"
check_run "RCPT TO:<$long> (local part over 64 octets) accepted" \
    sc --rcpt "$long" --data "$E2E_TMP/msg"
check_sink "sink: the malformed address in another domain passed untouched" \
    3 "sender@example.org alice@mailbox.test
sender@example.org alice@mailbox.test
sender@example.org $long"
check_nothing_more "mx queue empty, nothing else delivered" mx 3
e2e_done
