# fuzz: libFuzzer targets for the parsers (route-policyd's protocol too)
# and the rule lookup, with their seeds (fuzz/corpus/TARGET/) and
# dictionaries checked in.
#
# "make check" replays every seed through its target with the ordinary
# compiler (fuzz/replay_TARGET = target + replay.c, see fuzz/replay.sh).
# "make fuzz" builds the real fuzzers with clang into fuzz/, compiling the
# libroute sources in rather than linking the libtool library, so that
# coverage and sanitizers reach into the library.  Run one with its seeds
# read-only after a scratch corpus it may grow (see fuzz/README):
#   make fuzz
#   mkdir -p fuzz-out/addr
#   ./fuzz/fuzz_addr -dict=$(srcdir)/fuzz/addr.dict -max_total_time=60 \
#       fuzz-out/addr $(srcdir)/fuzz/corpus/addr
# FUZZ_CC=clang-14 (or any clang with libFuzzer) picks another compiler.
fuzz_replays = fuzz/replay_addr fuzz/replay_lookup fuzz/replay_config \
	fuzz/replay_srs fuzz/replay_proto
check_PROGRAMS += $(fuzz_replays)
TESTS += fuzz/replay.sh
EXTRA_DIST += fuzz/replay.sh fuzz/README fuzz/addr.dict fuzz/config.dict \
	fuzz/srs.dict fuzz/proto.dict fuzz/corpus

fuzz_replay_addr_SOURCES = fuzz/fuzz_addr.c fuzz/replay.c fuzz/fuzz.h
fuzz_replay_addr_LDADD = libroute/libroute.la
fuzz_replay_lookup_SOURCES = fuzz/fuzz_lookup.c fuzz/replay.c fuzz/fuzz.h
fuzz_replay_lookup_LDADD = libroute/libroute.la
fuzz_replay_config_SOURCES = fuzz/fuzz_config.c fuzz/replay.c fuzz/fuzz.h
fuzz_replay_config_LDADD = libroute/libroute.la
fuzz_replay_srs_SOURCES = fuzz/fuzz_srs.c fuzz/replay.c fuzz/fuzz.h
fuzz_replay_srs_LDADD = libroute/libroute.la
fuzz_replay_proto_SOURCES = fuzz/fuzz_proto.c fuzz/replay.c fuzz/fuzz.h \
	policyd/proto.c policyd/proto.h
fuzz_replay_proto_LDADD = libroute/libroute.la

FUZZ_CC = clang
FUZZ_CFLAGS = -g -O1 -fsanitize=fuzzer,address,undefined \
	-fno-sanitize-recover=undefined -fno-omit-frame-pointer
fuzz_targets = fuzz/fuzz_addr fuzz/fuzz_lookup fuzz/fuzz_config fuzz/fuzz_srs \
	fuzz/fuzz_proto
fuzz_lib_sources = $(filter %.c,$(libroute_libroute_la_SOURCES))
fuzz_compile = $(FUZZ_CC) $(DEFS) $(AM_CPPFLAGS) $(WARN_CFLAGS) -pthread \
	$(SQLITE_CFLAGS) $(LIBCONFIG_CFLAGS) $(IDN2_CFLAGS) $(CRYPTO_CFLAGS) \
	$(FUZZ_CFLAGS)
fuzz_libs = $(SQLITE_LIBS) $(LIBCONFIG_LIBS) $(IDN2_LIBS) $(CRYPTO_LIBS)
CLEANFILES += $(fuzz_targets)

fuzz: $(fuzz_targets)

# $^ (GNU make) names the sources where VPATH found them.
fuzz/fuzz_addr: fuzz/fuzz_addr.c fuzz/fuzz.h $(fuzz_lib_sources)
	@$(MKDIR_P) fuzz
	$(AM_V_CCLD)$(fuzz_compile) -o $@ $(filter %.c,$^) $(fuzz_libs)
fuzz/fuzz_lookup: fuzz/fuzz_lookup.c fuzz/fuzz.h $(fuzz_lib_sources)
	@$(MKDIR_P) fuzz
	$(AM_V_CCLD)$(fuzz_compile) -o $@ $(filter %.c,$^) $(fuzz_libs)
fuzz/fuzz_config: fuzz/fuzz_config.c fuzz/fuzz.h $(fuzz_lib_sources)
	@$(MKDIR_P) fuzz
	$(AM_V_CCLD)$(fuzz_compile) -o $@ $(filter %.c,$^) $(fuzz_libs)
fuzz/fuzz_srs: fuzz/fuzz_srs.c fuzz/fuzz.h $(fuzz_lib_sources)
	@$(MKDIR_P) fuzz
	$(AM_V_CCLD)$(fuzz_compile) -o $@ $(filter %.c,$^) $(fuzz_libs)
fuzz/fuzz_proto: fuzz/fuzz_proto.c fuzz/fuzz.h policyd/proto.c policyd/proto.h \
		$(fuzz_lib_sources)
	@$(MKDIR_P) fuzz
	$(AM_V_CCLD)$(fuzz_compile) -o $@ $(filter %.c,$^) $(fuzz_libs)

.PHONY: fuzz
