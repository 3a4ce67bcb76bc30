#!/bin/bash
# t_reject.sh - a "reject" rule refuses the recipient at RCPT time with
# 550 5.7.1 and the rule's own text, which the SMTP client sees in the
# form Postfix gives its own refusals; without a text Postfix's default
# wording is used.  Nothing is delivered.
. "$(dirname "$0")/lib.sh"
e2e_prepare

text="This address is retired; please write to info@example.com"
check_ctl rule add old@example.com reject "$text"
check_ctl rule add gone@example.com reject
check_milter_start

e2e_message "$E2E_TMP/msg" sender@example.org old@example.com "to old"
e2e_send sender@example.org old@example.com "$E2E_TMP/msg"
check_eq "reject: RCPT old@example.com gets 550 5.7.1 and the rule's text" \
    "550 5.7.1 <old@example.com>: Recipient address rejected: $text" \
    "$(swaks_reply "$SWAKS_OUT" "RCPT TO:<old@example.com>")"
check_eq "swaks exits 24 (no recipient accepted)" 24 "$SWAKS_RC"

e2e_send sender@example.org gone@example.com "$E2E_TMP/msg"
check_eq "reject without text: 550 5.7.1 and Postfix's words" \
    "550 5.7.1 <gone@example.com>: Recipient address rejected: Access denied" \
    "$(swaks_reply "$SWAKS_OUT" "RCPT TO:<gone@example.com>")"
check_eq "swaks exits 24" 24 "$SWAKS_RC"
check_nothing_more "mx queue empty and nothing at the sink" mx 0
e2e_done
