/*
 * main.c - milter-ctl: options, the configuration, the one table of
 * commands and the exit codes.  A command's arguments are checked before
 * the configuration or the store is touched, so a typing mistake never
 * creates a store or writes an audit row.
 */
#include <errno.h>
#include <getopt.h>
#include <limits.h>
#include <pwd.h>
#include <stdarg.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <libroute/alloc.h>

#include "ctl.h"

#define PROG "milter-ctl"

static const struct ctl_cmd commands[] = {
    {"domain", "add",
     "NAME [--unknown reject|pass] [--no-subaddress] [--disabled]",
     CTL_OPT_UNKNOWN | CTL_OPT_NO_SUBADDRESS | CTL_OPT_DISABLED, 1, 1,
     cmd_domain_check, cmd_domain_add},
    {"domain", "list", "[--json]", CTL_OPT_JSON, 0, 0, NULL, cmd_domain_list},
    {"domain", "set",
     "NAME enabled yes|no | unknown reject|pass | subaddress on|off", 0, 3, 3,
     cmd_domain_set_check, cmd_domain_set},
    {"domain", "remove", "NAME", 0, 1, 1, cmd_domain_check, cmd_domain_remove},
    {"dest", "add", "ADDR", 0, 1, 1, cmd_dest_check, cmd_dest_add},
    {"dest", "list", "[--json]", CTL_OPT_JSON, 0, 0, NULL, cmd_dest_list},
    {"dest", "verify", "ADDR", 0, 1, 1, cmd_dest_check, cmd_dest_verify},
    {"dest", "remove", "ADDR", 0, 1, 1, cmd_dest_check, cmd_dest_remove},
    {"rule", "add",
     "MATCH forward DEST... | drop | reject [TEXT] [--comment TEXT] "
     "[--priority N] [--disabled]",
     CTL_OPT_COMMENT | CTL_OPT_PRIORITY | CTL_OPT_DISABLED, 2, SIZE_MAX,
     cmd_rule_add_check, cmd_rule_add},
    {"rule", "list", "[--json]", CTL_OPT_JSON, 0, 0, NULL, cmd_rule_list},
    {"rule", "remove", "ID|MATCH", 0, 1, 1, NULL, cmd_rule_remove},
    {"rule", "enable", "ID|MATCH", 0, 1, 1, NULL, cmd_rule_enable},
    {"rule", "disable", "ID|MATCH", 0, 1, 1, NULL, cmd_rule_disable},
    {"test", NULL, "RCPT [--from SENDER] [--json]", CTL_OPT_FROM | CTL_OPT_JSON,
     1, 1, cmd_test_check, cmd_test},
    {"audit", NULL, "[--limit N] [--json]", CTL_OPT_LIMIT | CTL_OPT_JSON, 0, 0,
     NULL, cmd_audit},
    {"srs", "forward", "SENDER... [--for DOMAIN] [--now EPOCH]",
     CTL_OPT_FOR | CTL_OPT_NOW, 1, SIZE_MAX, cmd_srs_check, cmd_srs_forward},
    {"srs", "reverse", "ADDRESS... [--now EPOCH]", CTL_OPT_NOW, 1, SIZE_MAX,
     cmd_srs_check, cmd_srs_reverse},
};
#define NCOMMANDS (sizeof(commands) / sizeof(commands[0]))

/* Options after the command name; which ones a command takes is in opts. */
static const struct {
	const char *name;
	unsigned bit;
	bool has_value;
} cmd_options[] = {
    {"json", CTL_OPT_JSON, false},
    {"unknown", CTL_OPT_UNKNOWN, true},
    {"no-subaddress", CTL_OPT_NO_SUBADDRESS, false},
    {"disabled", CTL_OPT_DISABLED, false},
    {"comment", CTL_OPT_COMMENT, true},
    {"priority", CTL_OPT_PRIORITY, true},
    {"from", CTL_OPT_FROM, true},
    {"limit", CTL_OPT_LIMIT, true},
    {"now", CTL_OPT_NOW, true},
    {"for", CTL_OPT_FOR, true},
};

/* print_synopsis - one usage line for cmd. */
static void
print_synopsis(FILE *fp, const struct ctl_cmd *cmd, const char *lead)
{
	fprintf(fp, "%s" PROG " [-c FILE] %s%s%s %s\n", lead, cmd->noun,
		cmd->verb ? " " : "", cmd->verb ? cmd->verb : "",
		cmd->synopsis);
}

/* usage - the full usage text: every command, and the global options. */
static void
usage(FILE *fp)
{
	size_t i;

	fprintf(fp, "usage: " PROG " [-c FILE] COMMAND [ARGS...]\n"
		    "       " PROG " -h | -V\n"
		    "commands:\n");
	for (i = 0; i < NCOMMANDS; i++)
		print_synopsis(fp, &commands[i], "  ");
	fprintf(fp,
		"options:\n"
		"  -c FILE  configuration file (default %s)\n"
		"  -h       show this help\n"
		"  -V       show the version\n"
		"exit status: 0 done, 1 refused or usage error, "
		"2 system error\n",
		ROUTE_CONFIG_FILE);
}

/* ctl_fail - report a libroute error; refusals exit 1, the rest 2. */
int
ctl_fail(const struct route_error *err)
{
	fprintf(stderr, PROG ": %s\n", err->msg);
	return route_error_is_refusal(err) ? CTL_EXIT_REFUSED : CTL_EXIT_SYSTEM;
}

/* ctl_fail_on - a parse error says what is wrong, this says with what. */
int
ctl_fail_on(const struct route_error *err, const char *arg)
{
	if (!route_error_is_refusal(err) || strcasestr(err->msg, arg) != NULL)
		return ctl_fail(err);
	fprintf(stderr, PROG ": \"%s\": %s\n", arg, err->msg);
	return CTL_EXIT_REFUSED;
}

/* ctl_usage_error - a usage mistake and how the command is used. */
int
ctl_usage_error(const struct ctl *ctl, const char *fmt, ...)
{
	va_list ap;

	fputs(PROG ": ", stderr);
	va_start(ap, fmt);
	vfprintf(stderr, fmt, ap);
	va_end(ap);
	fputc('\n', stderr);
	print_synopsis(stderr, ctl->cmd, "usage: ");
	return CTL_EXIT_REFUSED;
}

/* find_command - the table entry named by argv; NULL after an error. */
static const struct ctl_cmd *
find_command(int argc, char **argv)
{
	bool noun_known = false;
	size_t i;

	for (i = 0; i < NCOMMANDS; i++) {
		if (strcmp(commands[i].noun, argv[0]) != 0)
			continue;
		noun_known = true;
		if (commands[i].verb == NULL ||
		    (argc > 1 && strcmp(commands[i].verb, argv[1]) == 0))
			return &commands[i];
	}
	if (!noun_known) {
		fprintf(stderr, PROG ": unknown command '%s'\n", argv[0]);
		usage(stderr);
		return NULL;
	}
	if (argc > 1)
		fprintf(stderr, PROG ": unknown command '%s %s'\n", argv[0],
			argv[1]);
	else
		fprintf(stderr, PROG ": '%s' needs a subcommand\n", argv[0]);
	for (i = 0; i < NCOMMANDS; i++)
		if (strcmp(commands[i].noun, argv[0]) == 0)
			print_synopsis(stderr, &commands[i], "usage: ");
	return NULL;
}

/* parse_number - a decimal integer in [min, max]; -1 when it is not. */
static int
parse_number(const char *s, long long min, long long max, long long *v_r)
{
	char *end;

	errno = 0;
	*v_r = strtoll(s, &end, 10);
	if (errno != 0 || end == s || *end != '\0' || *v_r < min || *v_r > max)
		return -1;
	return 0;
}

/* set_option - store the value of one command option in args. */
static int
set_option(const struct ctl *ctl, unsigned bit, const char *name,
	   const char *value, struct ctl_args *args)
{
	long long n;

	switch (bit) {
	case CTL_OPT_JSON:
		args->json = true;
		break;
	case CTL_OPT_UNKNOWN:
		if (strcmp(value, "pass") == 0)
			args->unknown = ROUTE_UNKNOWN_PASS;
		else if (strcmp(value, "reject") == 0)
			args->unknown = ROUTE_UNKNOWN_REJECT;
		else
			return ctl_usage_error(ctl,
					       "--%s takes reject or pass, "
					       "not '%s'",
					       name, value);
		break;
	case CTL_OPT_NO_SUBADDRESS:
		args->no_subaddress = true;
		break;
	case CTL_OPT_DISABLED:
		args->disabled = true;
		break;
	case CTL_OPT_COMMENT:
		args->comment = value;
		break;
	case CTL_OPT_PRIORITY:
		if (parse_number(value, INT_MIN, INT_MAX, &n) == -1)
			return ctl_usage_error(ctl,
					       "--%s needs an integer, "
					       "not '%s'",
					       name, value);
		args->priority = (int)n;
		break;
	case CTL_OPT_FROM:
		args->from = value;
		break;
	case CTL_OPT_LIMIT:
		if (parse_number(value, 0, INT_MAX, &n) == -1)
			return ctl_usage_error(ctl,
					       "--%s needs a number, "
					       "not '%s'",
					       name, value);
		args->limit = (size_t)n;
		break;
	case CTL_OPT_NOW:
		if (parse_number(value, 0, INT64_MAX / 2, &n) == -1)
			return ctl_usage_error(ctl,
					       "--%s needs seconds since the "
					       "epoch, not '%s'",
					       name, value);
		args->has_now = true;
		args->now = (int64_t)n;
		break;
	case CTL_OPT_FOR:
		args->for_domain = value;
		break;
	}
	return 0;
}

/*
 * parse_args - split what follows the command words into options and
 * positional arguments.  "--" ends the options, so a reject text may
 * start with a dash.  Returns 0, -1 after "--help" was answered, or an
 * exit code after a usage error.
 */
static int
parse_args(const struct ctl *ctl, int argc, char **argv, struct ctl_args *args)
{
	const struct ctl_cmd *cmd = ctl->cmd;
	bool options_done = false;
	const char *name, *value, *eq;
	size_t i, len;
	int a, rc;

	args->pos = route_xcalloc((size_t)argc + 1, sizeof(char *));
	for (a = 0; a < argc; a++) {
		if (options_done || argv[a][0] != '-' || argv[a][1] == '\0') {
			args->pos[args->npos++] = argv[a];
			continue;
		}
		if (strcmp(argv[a], "--") == 0) {
			options_done = true;
			continue;
		}
		if (strcmp(argv[a], "-h") == 0 ||
		    strcmp(argv[a], "--help") == 0) {
			print_synopsis(stdout, cmd, "usage: ");
			return -1;
		}
		name = argv[a] + (argv[a][1] == '-' ? 2 : 1);
		eq = strchr(name, '=');
		len = eq ? (size_t)(eq - name) : strlen(name);
		for (i = 0; i < sizeof(cmd_options) / sizeof(cmd_options[0]);
		     i++)
			if (strlen(cmd_options[i].name) == len &&
			    strncmp(cmd_options[i].name, name, len) == 0 &&
			    (cmd->opts & cmd_options[i].bit) != 0)
				break;
		if (i == sizeof(cmd_options) / sizeof(cmd_options[0]) ||
		    argv[a][1] != '-')
			return ctl_usage_error(ctl, "unknown option '%s'",
					       argv[a]);
		if (!cmd_options[i].has_value && eq != NULL)
			return ctl_usage_error(ctl, "--%s takes no value",
					       cmd_options[i].name);
		value = eq ? eq + 1 : NULL;
		if (cmd_options[i].has_value && value == NULL) {
			if (a + 1 == argc)
				return ctl_usage_error(ctl,
						       "--%s needs a value",
						       cmd_options[i].name);
			value = argv[++a];
		}
		rc = set_option(ctl, cmd_options[i].bit, cmd_options[i].name,
				value, args);
		if (rc != 0)
			return rc;
	}
	if (args->npos < cmd->min_pos)
		return ctl_usage_error(ctl, "missing argument");
	if (args->npos > cmd->max_pos)
		return ctl_usage_error(ctl, "unexpected argument '%s'",
				       args->pos[cmd->max_pos]);
	return cmd->check != NULL ? cmd->check(ctl, args) : 0;
}

/* shell_word - arg quoted for a shell when it needs it, for the audit. */
static char *
shell_word(const char *arg)
{
	static const char safe[] = "abcdefghijklmnopqrstuvwxyz"
				   "ABCDEFGHIJKLMNOPQRSTUVWXYZ"
				   "0123456789@%+=:,./_-";
	const char *s;
	char *q, *p;

	/* Bytes of UTF-8 sequences mean nothing to a shell. */
	for (s = arg; *s != '\0'; s++)
		if ((unsigned char)*s < 0x80 && strchr(safe, *s) == NULL)
			break;
	if (*arg != '\0' && *s == '\0')
		return route_xstrdup(arg);
	q = p = route_xmalloc(strlen(arg) * 4 + 3);
	*p++ = '\'';
	for (; *arg != '\0'; arg++) {
		if (*arg == '\'') {
			memcpy(p, "'\\''", 4);
			p += 4;
		} else
			*p++ = *arg;
	}
	*p++ = '\'';
	*p = '\0';
	return q;
}

/* actor_command - the command words and arguments as one line. */
static char *
actor_command(int argc, char **argv)
{
	char *line = route_xstrdup(""), *word, *next;
	int a;

	for (a = 0; a < argc; a++) {
		word = shell_word(argv[a]);
		next = route_xasprintf("%s%s%s", line, a ? " " : "", word);
		free(word);
		free(line);
		line = next;
	}
	return line;
}

/* actor_user - the unix user running us, or the uid number. */
static char *
actor_user(void)
{
	struct passwd *pw = getpwuid(getuid());

	if (pw != NULL)
		return route_xstrdup(pw->pw_name);
	return route_xasprintf("%lu", (unsigned long)getuid());
}

/*
 * load_config - the file given with -c; else the installed file when it
 * exists; else the built-in defaults.  A broken file is a system error.
 */
static int
load_config(const char *path, struct route_config **cfg_r)
{
	struct route_error err;

	if (route_config_load_default(
		path, ROUTE_CONFIG_FILE, ROUTE_STORE_DEFAULT,
		ROUTE_MILTER_SOCKET_DEFAULT, cfg_r, &err) == -1) {
		fprintf(stderr, PROG ": %s\n", err.msg);
		return CTL_EXIT_SYSTEM;
	}
	return 0;
}

/* run - set up config, store and actor around one command. */
static int
run(struct ctl *ctl, const char *config_path, int argc, char **argv,
    const struct ctl_args *args)
{
	struct route_error err;
	char *user, *command;
	int rc;

	rc = load_config(config_path, &ctl->cfg);
	if (rc != 0)
		return rc;
	if (route_store_open(ctl->cfg->store, &ctl->cfg->table, &ctl->store,
			     &err) == -1) {
		fprintf(stderr, PROG ": %s\n", err.msg);
		route_config_unref(&ctl->cfg);
		return CTL_EXIT_SYSTEM;
	}
	ctl->actor.user = user = actor_user();
	ctl->actor.command = command = actor_command(argc, argv);
	rc = ctl->cmd->run(ctl, args);
	free(user);
	free(command);
	route_store_close(&ctl->store);
	route_config_unref(&ctl->cfg);
	return rc;
}

/* main - parse, dispatch, and make sure the output really got written. */
int
main(int argc, char **argv)
{
	static const struct option long_options[] = {
	    {"help", no_argument, NULL, 'h'},
	    {"version", no_argument, NULL, 'V'},
	    {NULL, 0, NULL, 0},
	};
	struct ctl ctl = {0};
	struct ctl_args args = {0};
	const char *config_path = NULL;
	int c, words, rc;

	opterr = 0;
	while ((c = getopt_long(argc, argv, "+c:hV", long_options, NULL)) !=
	       -1) {
		switch (c) {
		case 'c':
			config_path = optarg;
			break;
		case 'h':
			usage(stdout);
			return CTL_EXIT_OK;
		case 'V':
			printf(PROG " %s\n", PACKAGE_VERSION);
			return CTL_EXIT_OK;
		default:
			if (optopt == 'c')
				fprintf(stderr, PROG ": -c needs a file\n");
			else if (optopt != 0)
				fprintf(stderr, PROG ": unknown option '-%c'\n",
					optopt);
			else
				fprintf(stderr, PROG ": unknown option '%s'\n",
					argv[optind - 1]);
			usage(stderr);
			return CTL_EXIT_REFUSED;
		}
	}
	argc -= optind;
	argv += optind;
	if (argc == 0) {
		fprintf(stderr, PROG ": no command given\n");
		usage(stderr);
		return CTL_EXIT_REFUSED;
	}
	ctl.cmd = find_command(argc, argv);
	if (ctl.cmd == NULL)
		return CTL_EXIT_REFUSED;
	words = ctl.cmd->verb ? 2 : 1;
	rc = parse_args(&ctl, argc - words, argv + words, &args);
	if (rc == 0)
		rc = run(&ctl, config_path, argc, argv, &args);
	else if (rc == -1)
		rc = CTL_EXIT_OK;
	free(args.pos);
	if (fflush(stdout) != 0 || ferror(stdout)) {
		fprintf(stderr, PROG ": cannot write output: %s\n",
			strerror(errno));
		return CTL_EXIT_SYSTEM;
	}
	return rc;
}
