#!/bin/bash
# t_policyd_srs.sh - route-policyd and bounces to SRS addresses: a valid
# one (from milter-ctl srs forward) is accepted at RCPT and the milter
# delivers the bounce to the original sender; a forged or expired one is
# refused by Postfix at RCPT with 550 5.7.1, before the milter sees it;
# an SRS address of a domain that is not ours passes untouched.
. "$(dirname "$0")/lib.sh"
. "$(dirname "$0")/lib_policyd.sh"
e2e_init
printf 'e2e-policyd-srs-secret\n' >"$E2E_TMP/srs.secrets"
chmod 600 "$E2E_TMP/srs.secrets"
POLICYD_SOCKET="unix:$E2E_TMP/run/policy.sock"
e2e_rig "" "$(pd_policyd_lines "$POLICYD_SOCKET")" \
    "srs = { domain = \"srs.example.net\";" \
    "        secrets_file = \"$E2E_TMP/srs.secrets\"; };"
e2e_postconf mx "relay_domains = example.com example.net example.org \
srs.example.net"
pd_postfix_policy mx "default_action=DEFER"
check_ctl domain add example.com
check_dests alice@mailbox.test
check_ctl rule add info@example.com forward alice@mailbox.test
check_milter_start
check_pd_start

valid=$(ctl srs forward sender@example.org 2>&1)
check_match "milter-ctl gives an SRS0 address in srs.example.net" \
    '^SRS0=[^=]{4}=[A-Z2-7]{2}=example\.org=sender@srs\.example\.net$' \
    "$valid"
# The hash with its first character changed.
case $valid in
SRS0=A*) forged="SRS0=B${valid#SRS0=A}" ;;
*) forged="SRS0=A${valid#SRS0=?}" ;;
esac
old=$(ctl srs forward sender@example.org --now $(($(date +%s) - 30 * 86400)) 2>&1)
other="SRS0=abcd=AB=example.org=sender@example.org"

e2e_message "$E2E_TMP/bounce" "" sender@example.org "bounce"
e2e_send '<>' "$valid" "$E2E_TMP/bounce"
check_reply "a valid SRS address: accepted at RCPT" "RCPT TO:<$valid>" \
    '^250 2\.1\.5 '
check_reply "a valid SRS address: the bounce is accepted" "." \
    '^250 2\.0\.0 Ok: queued as '
check_sink "the bounce reaches the original sender" 1 \
    "<> sender@example.org"

for addr in "$forged" "$old"; do
	e2e_send '<>' "$addr" "$E2E_TMP/bounce"
	check_eq "refused at RCPT with 550 5.7.1: $addr" \
	    "550 5.7.1 <$addr>: Recipient address rejected: Invalid SRS address" \
	    "$(swaks_reply "$SWAKS_OUT" "RCPT TO:<$addr>")"
	check_eq "no DATA sent for $addr" 0 "$(grep -c '^ *-> DATA' "$SWAKS_OUT")"
done
check_eq "Postfix refused them itself, the milter was not asked" \
    "2 0" "$(e2e_maillog mx | grep -c 'NOQUEUE: reject: RCPT .*Invalid SRS address') \
$(e2e_maillog mx | grep -c 'milter-reject')"
check_run "route-policyd logs why the forged one was refused" \
    pd_log_has "policy: reject RCPT <$forged>"

e2e_send sender@example.org "$other" "$E2E_TMP/bounce"
check_reply "an SRS address of another domain passes" "RCPT TO:<$other>" \
    '^250 2\.1\.5 '
e2e_sink_wait 2
check_eq "and is delivered as addressed" "sender@example.org $other" \
    "$(e2e_sink_show | sed -n 2p)"
check_nothing_more "nothing else delivered, queue empty" mx 2
pd_done
