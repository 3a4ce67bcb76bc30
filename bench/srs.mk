# bench/srs: SRS forward and reverse per second, libroute in-process
# against a private postsrsd over its tcp_table sockets (the baseline),
# in the same run.  Built by "make bench-srs", never by "make check".
EXTRA_PROGRAMS += bench/srs
bench_srs_SOURCES = bench/srs.c
bench_srs_LDADD = libroute/libroute.la
EXTRA_DIST += bench/srs.sh
CLEANFILES += bench/srs

bench-srs: bench/srs
	@echo "== bench/srs"; top_srcdir='$(abs_top_srcdir)' \
	    top_builddir='$(abs_top_builddir)' $(SHELL) $(srcdir)/bench/srs.sh

.PHONY: bench-srs
