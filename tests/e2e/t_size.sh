#!/bin/bash
# t_size.sh - the message size limit (limits.message_size = "25M"):
# a 26 MiB message is refused with 552 5.3.4 at the end of DATA, a
# MAIL FROM announcing SIZE=26 MiB is refused at once, and a 24 MiB
# message still goes through intact.  Postfix's own limit is set to
# 50 MiB so that every 552 here is the milter's.
. "$(dirname "$0")/lib.sh"
e2e_start

# big_message FILE MIB - a message of at least MIB MiB (CRLF lines).
big_message() {
	"$E2E_PY" - "$1" "$2" <<'PY'
import sys
path, mib = sys.argv[1], int(sys.argv[2])
head = (b"From: <sender@example.org>\r\nTo: <info@example.com>\r\n"
        b"Subject: big\r\nMessage-ID: <big%d@client.e2e.test>\r\n\r\n" % mib)
line = b"x" * 76 + b"\r\n"
with open(path, "wb") as f:
    f.write(head)
    f.write(line * (mib * 1024 * 1024 // len(line) + 1))
PY
}

big_message "$E2E_TMP/big26" 26
e2e_send sender@example.org info@example.com "$E2E_TMP/big26" -n
check_reply "26 MiB message refused with 552 5.3.4" "." '^552 5\.3\.4 '
check_nothing_more "nothing queued, nothing at the sink" mx 0

out=$("$E2E_PY" "$E2E_LIBDIR/smtpclient.py" --port "$SMTP_PORT" \
    --source 127.0.0.2 --from sender@example.org --mail-opt SIZE=27262976 \
    --rcpt info@example.com --data "$E2E_TMP/big26" 2>&1)
check_match "MAIL FROM with SIZE=27262976 refused at once with 552 5.3.4" \
    '^MAIL 552 5\.3\.4 ' "$(printf '%s\n' "$out" | grep '^MAIL')"

big_message "$E2E_TMP/big24" 24
e2e_send sender@example.org info@example.com "$E2E_TMP/big24" -n
check_reply "24 MiB message accepted" "." '^250 2\.0\.0 Ok: queued as '
check_sink "sink: the 24 MiB message forwarded" 1 \
    "sender@example.org alice@mailbox.test" 60
check_body "sink: the 24 MiB message byte for byte as sent" 1 \
    "$E2E_TMP/big24"
check_nothing_more "mx queue empty, one message delivered" mx 1
e2e_done
