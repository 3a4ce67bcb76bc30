# Benchmarks: built by "make bench", never part of "make check".
EXTRA_PROGRAMS = bench/rules
bench_rules_SOURCES = bench/rules.c
bench_rules_LDADD = libroute/libroute.la
EXTRA_DIST += bench/latency
CLEANFILES += bench/rules

bench: bench/rules
	@echo "== bench/rules"; ./bench/rules
	@echo "== bench/latency"; $(SHELL) $(srcdir)/bench/latency

.PHONY: bench
