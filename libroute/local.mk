# libroute: the shared library with every decision and rewrite.
lib_LTLIBRARIES += libroute/libroute.la
libroute_libroute_la_SOURCES = \
	libroute/error.c \
	libroute/alloc.c \
	libroute/addr.c \
	libroute/rules.c \
	libroute/rules_lookup.c \
	libroute/rules_check.c \
	libroute/rules_int.h \
	libroute/reply.c \
	libroute/store_sqlite.c \
	libroute/store_sqlite.h libroute/store_sqlite_load.c libroute/store_sqlite_change.c libroute/store_sqlite_rule.c libroute/store_sqlite_list.c \
	libroute/config.c \
	libroute/config_path.c libroute/addr_norm.c libroute/rules_domain.c \
	libroute/config_srs.c libroute/config_int.h \
	libroute/srs.c libroute/srs_alias.c libroute/srs_int.h libroute/srs_secrets.c libroute/srs_use.c \
	libroute/store_sqlite_srs.c
libroute_libroute_la_CFLAGS = $(AM_CFLAGS) $(SQLITE_CFLAGS) $(LIBCONFIG_CFLAGS) $(IDN2_CFLAGS) \
	$(CRYPTO_CFLAGS)
libroute_libroute_la_LIBADD = $(SQLITE_LIBS) $(LIBCONFIG_LIBS) $(IDN2_LIBS) $(CRYPTO_LIBS)
libroute_libroute_la_LDFLAGS = -version-info 0:0:0 -export-symbols-regex '^route_'

libroute_includedir = $(includedir)/libroute
libroute_include_HEADERS = \
	libroute/include/libroute/error.h \
	libroute/include/libroute/alloc.h \
	libroute/include/libroute/addr.h \
	libroute/include/libroute/rules.h \
	libroute/include/libroute/store.h \
	libroute/include/libroute/config.h \
	libroute/include/libroute/srs.h

pkgconfigdir = $(libdir)/pkgconfig
pkgconfig_DATA = libroute/libroute.pc
