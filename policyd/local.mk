# policyd: route-policyd, the Postfix policy delegation daemon
# (check_policy_service): is this recipient valid?  Same rule engine as
# route-milter, same start-up code (daemon/).
sbin_PROGRAMS += policyd/route-policyd
policyd_route_policyd_SOURCES = policyd/main.c \
	policyd/proto.c policyd/proto.h \
	policyd/decide.c policyd/decide.h \
	policyd/server.c policyd/server.h \
	policyd/listen.c policyd/listen.h \
	policyd/policy.c policyd/policy.h
policyd_route_policyd_CPPFLAGS = $(AM_CPPFLAGS) -I$(top_srcdir)/daemon
policyd_route_policyd_LDADD = daemon/libdaemon.a libroute/libroute.la

# The parser against golden transcripts, the decisions against a table
# built in memory, the server loop in-process with short timeouts; then
# the real binary (test_policyd.sh) and, under tests/e2e, a real Postfix.
policyd_tests = policyd/test_proto policyd/test_decide policyd/test_server
check_PROGRAMS += $(policyd_tests)
TESTS += $(policyd_tests) policyd/test_policyd.sh $(policyd_e2e_tests)
policyd_test_proto_SOURCES = policyd/test_proto.c policyd/proto.c \
	policyd/proto.h tests/unit/test.h
policyd_test_proto_CPPFLAGS = $(AM_CPPFLAGS) -I$(top_srcdir)/tests/unit
policyd_test_proto_LDADD = libroute/libroute.la
policyd_test_decide_SOURCES = policyd/test_decide.c policyd/decide.c \
	policyd/proto.c tests/unit/test.h
policyd_test_decide_CPPFLAGS = $(AM_CPPFLAGS) -I$(top_srcdir)/tests/unit
policyd_test_decide_LDADD = libroute/libroute.la
policyd_test_server_SOURCES = policyd/test_server.c policyd/server.c \
	policyd/decide.c policyd/proto.c tests/unit/test.h
policyd_test_server_CPPFLAGS = $(AM_CPPFLAGS) -I$(top_srcdir)/tests/unit
policyd_test_server_LDADD = libroute/libroute.la

policyd_e2e_tests = \
	tests/e2e/t_policyd_rcpt.sh \
	tests/e2e/t_policyd_srs.sh \
	tests/e2e/t_policyd_down.sh
EXTRA_DIST += policyd/README policyd/test_policyd.sh policyd/pclient.py \
	$(policyd_e2e_tests) tests/e2e/lib_policyd.sh

man_MANS += man/route-policyd.8
EXTRA_DIST += man/route-policyd.8.in
CLEANFILES += man/route-policyd.8
