# mdoc manual pages; paths are substituted at build time, and "make check"
# runs mandoc -Tlint over them.
man_sources = man/route-milter.8.in man/milter-ctl.8.in man/route-milter.conf.5.in
man_MANS += man/route-milter.8 man/milter-ctl.8 man/route-milter.conf.5
EXTRA_DIST += $(man_sources) man/lint.sh
CLEANFILES += man/route-milter.8 man/milter-ctl.8 man/route-milter.conf.5

man_subst = sed -e 's|@SYSCONFDIR[@]|$(sysconfdir)|g' \
	-e 's|@LOCALSTATEDIR[@]|$(localstatedir)|g' \
	-e 's|@RUNSTATEDIR[@]|$(runstatedir)|g' \
	-e 's|@SBINDIR[@]|$(sbindir)|g' \
	-e 's|@VERSION[@]|$(PACKAGE_VERSION)|g'

man/%: man/%.in Makefile
	$(AM_V_GEN)$(MKDIR_P) man && $(man_subst) $< > $@

TESTS += man/lint.sh
check_SCRIPTS = $(man_MANS)
