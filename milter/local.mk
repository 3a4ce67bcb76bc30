# milter: route-milter, the libmilter daemon.
#
# libmilter is linked statically and its accept() and read() calls are
# wrapped by the linker (see milter/sockopt.c): that is how route-milter
# sets TCP options on the connections libmilter owns.  libmilter.a from
# Debian's libmilter-dev is position-independent, so this works in a PIE.
sbin_PROGRAMS += milter/route-milter
milter_route_milter_SOURCES = \
	milter/main.c \
	milter/callbacks.c milter/callbacks.h \
	milter/conn.c milter/conn.h \
	milter/msg.c milter/msg.h milter/msg_int.h milter/msg_log.c \
	milter/actions.c milter/actions.h \
	milter/sockopt.c milter/sockopt.h
milter_route_milter_CPPFLAGS = $(AM_CPPFLAGS) -I$(top_srcdir)/daemon
milter_route_milter_CFLAGS = $(AM_CFLAGS) $(MILTER_CFLAGS)
milter_route_milter_LDFLAGS = -pthread -Wl,--wrap=accept -Wl,--wrap=read
milter_route_milter_LDADD = daemon/libdaemon.a libroute/libroute.la \
	-l:libmilter.a

# The real binary driven by miltertest against a scratch store; its
# start-up as root (-u, -P, socket mode and group, daemonising) by
# test_daemon.sh.
TESTS += milter/test_milter.sh milter/test_daemon.sh
EXTRA_DIST += milter/test_milter.sh milter/test_milter.py \
	milter/test_milter.lua milter/mtclient.py milter/test_daemon.sh
