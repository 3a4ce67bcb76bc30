# Benchmarks: built by "make bench", never part of "make check".
EXTRA_PROGRAMS = bench/rules
bench_rules_SOURCES = bench/rules.c bench/rules_store.c bench/rules.h \
	bench/ruleset.c bench/ruleset.h
bench_rules_CFLAGS = $(AM_CFLAGS) $(SQLITE_CFLAGS)
bench_rules_LDADD = libroute/libroute.la $(SQLITE_LIBS)
EXTRA_DIST += bench/latency
CLEANFILES += bench/rules

bench: bench/rules
	@echo "== bench/rules"; ./bench/rules
	@echo "== bench/latency"; $(SHELL) $(srcdir)/bench/latency
	@$(MAKE) $(AM_MAKEFLAGS) bench-srs bench-policyd

.PHONY: bench
