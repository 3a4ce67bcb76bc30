# Table-driven unit tests, one or two per libroute module; each prints TAP.
unit_tests = \
	tests/unit/test_addr \
	tests/unit/test_rules \
	tests/unit/test_rules_build \
	tests/unit/test_store \
	tests/unit/test_store_change \
	tests/unit/test_config \
	tests/unit/test_srs \
	tests/unit/test_srs_use
check_PROGRAMS += $(unit_tests)
TESTS += $(unit_tests)
unit_ldadd = libroute/libroute.la

tests_unit_test_addr_SOURCES = tests/unit/test_addr.c tests/unit/test.h
tests_unit_test_addr_LDADD = $(unit_ldadd)
tests_unit_test_rules_SOURCES = tests/unit/test_rules.c \
	tests/unit/test_rules.h tests/unit/test.h
tests_unit_test_rules_LDADD = $(unit_ldadd)
tests_unit_test_rules_build_SOURCES = tests/unit/test_rules_build.c \
	tests/unit/test_rules.h tests/unit/test.h
tests_unit_test_rules_build_LDADD = $(unit_ldadd)
tests_unit_test_store_SOURCES = tests/unit/test_store.c \
	tests/unit/test_store.h tests/unit/test.h
tests_unit_test_store_CFLAGS = $(AM_CFLAGS) $(SQLITE_CFLAGS)
tests_unit_test_store_LDADD = $(unit_ldadd) $(SQLITE_LIBS)
tests_unit_test_store_change_SOURCES = tests/unit/test_store_change.c \
	tests/unit/test_store.h tests/unit/test.h
tests_unit_test_store_change_LDADD = $(unit_ldadd)
tests_unit_test_config_SOURCES = tests/unit/test_config.c tests/unit/test.h
tests_unit_test_config_LDADD = $(unit_ldadd)
tests_unit_test_srs_SOURCES = tests/unit/test_srs.c tests/unit/test_srs.h \
	tests/unit/test.h
tests_unit_test_srs_LDADD = $(unit_ldadd)
tests_unit_test_srs_use_SOURCES = tests/unit/test_srs_use.c \
	tests/unit/test_srs.h tests/unit/test.h
tests_unit_test_srs_use_LDADD = $(unit_ldadd)
