# tests/e2e: scenarios against a private real Postfix, route-milter and a
# byte-exact sink (lib.sh is the harness).  Each script prints TAP and
# skips itself when not root or Postfix/swaks/aiosmtpd are missing.
e2e_tests = \
	tests/e2e/t_forward.sh \
	tests/e2e/t_multi_dest.sh \
	tests/e2e/t_subaddress.sh \
	tests/e2e/t_catchall_forward.sh \
	tests/e2e/t_catchall_drop.sh \
	tests/e2e/t_reject.sh \
	tests/e2e/t_unknown.sh \
	tests/e2e/t_mixed.sh \
	tests/e2e/t_unrouted.sh \
	tests/e2e/t_local_submit.sh \
	tests/e2e/t_live_add.sh \
	tests/e2e/t_inflight.sh \
	tests/e2e/t_size.sh \
	tests/e2e/t_milter_down.sh \
	tests/e2e/t_milter_kill.sh \
	tests/e2e/t_loop.sh \
	tests/e2e/t_delrcpt.sh \
	tests/e2e/t_local_refuse.sh \
	tests/e2e/t_srs.sh
TESTS += $(e2e_tests)
EXTRA_DIST += $(e2e_tests) \
	tests/e2e/lib.sh \
	tests/e2e/lib_send.sh \
	tests/e2e/sink.py \
	tests/e2e/smtpclient.py
