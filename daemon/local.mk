# daemon: what route-milter and route-policyd share around their protocol
# code (start-up and refusals, logging, the configuration, rule-table and
# SRS engine snapshots with the store poller), as a convenience library
# linked into
# both.  Their sources find its headers with -I$(top_srcdir)/daemon.
noinst_LIBRARIES = daemon/libdaemon.a
daemon_libdaemon_a_SOURCES = \
	daemon/daemon.c daemon/daemon.h \
	daemon/log.c daemon/log.h \
	daemon/tables.c daemon/tables.h \
	daemon/srs_state.c daemon/srs_state.h
