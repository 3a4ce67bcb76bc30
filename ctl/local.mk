# ctl: milter-ctl, the control CLI.  One table of commands in main.c, one
# file per kind of object; it reaches the store only through libroute.
sbin_PROGRAMS += ctl/milter-ctl
ctl_milter_ctl_SOURCES = \
	ctl/ctl.h \
	ctl/main.c \
	ctl/output.c \
	ctl/cmd_domain.c \
	ctl/cmd_dest.c \
	ctl/cmd_rule.c \
	ctl/cmd_test.c \
	ctl/cmd_srs.c
ctl_milter_ctl_LDADD = libroute/libroute.la

# The built binary against a scratch store: output, exit codes, JSON.
TESTS += ctl/test_cli.sh ctl/test_cli_store.sh ctl/test_cli_srs.sh
EXTRA_DIST += ctl/test_cli.sh ctl/test_cli_store.sh ctl/test_cli_srs.sh \
	ctl/test_lib.sh
