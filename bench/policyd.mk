# bench/policyd: route-policyd's rate and latency with 1,000,000 rules,
# against the protocol floor (bench/policyd-floor) and postsrsd in the
# same run.  "make bench-policyd" builds and runs it; it starts its own
# route-policyd, floor and postsrsd on free loopback ports.
EXTRA_PROGRAMS += bench/policyd bench/policyd-floor
bench_policyd_SOURCES = bench/policyd.c bench/policyd_client.c \
	bench/ruleset.c bench/ruleset.h bench/policyd.h
bench_policyd_CFLAGS = $(AM_CFLAGS) $(SQLITE_CFLAGS)
bench_policyd_LDADD = libroute/libroute.la $(SQLITE_LIBS) -lm
bench_policyd_floor_SOURCES = bench/policyd_floor.c
CLEANFILES += bench/policyd bench/policyd-floor

bench-policyd: bench/policyd bench/policyd-floor policyd/route-policyd
	@echo "== bench/policyd"; ./bench/policyd

.PHONY: bench-policyd
