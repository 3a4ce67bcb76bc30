/*
 * ctl.h - what the parts of milter-ctl share: the command table entry, the
 * parsed arguments a command receives, the exit codes, and the table and
 * JSON printers of output.c.  Commands talk to the store only through
 * libroute's public API, exactly as the daemons do.
 */
#ifndef CTL_H
#define CTL_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>

#include <libroute/config.h>
#include <libroute/error.h>
#include <libroute/store.h>

/* Exit codes, documented in milter-ctl(8). */
enum ctl_exit {
	CTL_EXIT_OK = 0,
	CTL_EXIT_REFUSED = 1, /* refused request or usage error */
	CTL_EXIT_SYSTEM = 2,  /* store unreadable, config broken */
};

/* Options a command accepts after its name; bits of struct ctl_cmd.opts. */
#define CTL_OPT_JSON (1u << 0)		/* --json */
#define CTL_OPT_UNKNOWN (1u << 1)	/* --unknown reject|pass */
#define CTL_OPT_NO_SUBADDRESS (1u << 2) /* --no-subaddress */
#define CTL_OPT_DISABLED (1u << 3)	/* --disabled */
#define CTL_OPT_COMMENT (1u << 4)	/* --comment TEXT */
#define CTL_OPT_PRIORITY (1u << 5)	/* --priority N */
#define CTL_OPT_FROM (1u << 6)		/* --from SENDER */
#define CTL_OPT_LIMIT (1u << 7)		/* --limit N */
#define CTL_OPT_NOW (1u << 8)		/* --now EPOCH */
#define CTL_OPT_FOR (1u << 9)		/* --for DOMAIN */

/* The arguments of one command after option parsing. */
struct ctl_args {
	char **pos; /* positional arguments after the command words */
	size_t npos;
	bool json;
	enum route_unknown unknown; /* reject unless --unknown pass */
	bool no_subaddress;
	bool disabled;
	const char *comment;
	int priority;
	const char *from;
	size_t limit; /* 0: all */
	bool has_now;
	int64_t now;		/* --now: seconds since the epoch */
	const char *for_domain; /* --for: the routed domain forwarded for */
};

/* What every command runs with; set up by main.c. */
struct ctl {
	const struct ctl_cmd *cmd;
	struct route_config *cfg;
	struct route_store *store;
	struct route_actor actor;
};

struct ctl_cmd {
	const char *noun;     /* "domain", "test" */
	const char *verb;     /* "add", or NULL for one-word commands */
	const char *synopsis; /* the arguments, for usage and errors */
	unsigned opts;	      /* CTL_OPT_* accepted */
	size_t min_pos;
	size_t max_pos; /* SIZE_MAX: no upper limit */
	/* Checks the arguments before the store is opened, or NULL. */
	int (*check)(const struct ctl *ctl, const struct ctl_args *args);
	int (*run)(struct ctl *ctl, const struct ctl_args *args);
};

/* ctl_fail - print err as "milter-ctl: MSG"; the exit code for its class. */
int ctl_fail(const struct route_error *err);

/* ctl_fail_on - ctl_fail, naming arg first when the message does not. */
int ctl_fail_on(const struct route_error *err, const char *arg);

/* ctl_usage_error - print a usage mistake and the command's synopsis to
 * stderr; returns CTL_EXIT_REFUSED. */
int ctl_usage_error(const struct ctl *ctl, const char *fmt, ...)
    __attribute__((format(printf, 2, 3)));

/* The commands, one small function each (cmd_*.c). */
int cmd_domain_check(const struct ctl *ctl, const struct ctl_args *args);
int cmd_domain_set_check(const struct ctl *ctl, const struct ctl_args *args);
int cmd_domain_add(struct ctl *ctl, const struct ctl_args *args);
int cmd_domain_list(struct ctl *ctl, const struct ctl_args *args);
int cmd_domain_set(struct ctl *ctl, const struct ctl_args *args);
int cmd_domain_remove(struct ctl *ctl, const struct ctl_args *args);
int cmd_dest_check(const struct ctl *ctl, const struct ctl_args *args);
int cmd_dest_add(struct ctl *ctl, const struct ctl_args *args);
int cmd_dest_list(struct ctl *ctl, const struct ctl_args *args);
int cmd_dest_verify(struct ctl *ctl, const struct ctl_args *args);
int cmd_dest_remove(struct ctl *ctl, const struct ctl_args *args);
int cmd_rule_add_check(const struct ctl *ctl, const struct ctl_args *args);
int cmd_rule_add(struct ctl *ctl, const struct ctl_args *args);
int cmd_rule_list(struct ctl *ctl, const struct ctl_args *args);
int cmd_rule_remove(struct ctl *ctl, const struct ctl_args *args);
int cmd_rule_enable(struct ctl *ctl, const struct ctl_args *args);
int cmd_rule_disable(struct ctl *ctl, const struct ctl_args *args);
int cmd_test_check(const struct ctl *ctl, const struct ctl_args *args);
int cmd_test(struct ctl *ctl, const struct ctl_args *args);
int cmd_audit(struct ctl *ctl, const struct ctl_args *args);
int cmd_srs_check(const struct ctl *ctl, const struct ctl_args *args);
int cmd_srs_forward(struct ctl *ctl, const struct ctl_args *args);
int cmd_srs_reverse(struct ctl *ctl, const struct ctl_args *args);

/*
 * A text table: rows of ncols cells, printed with a header and columns
 * padded to their widest cell.  Control characters in cells are shown as
 * '?', so a stored value can never break a row into two lines.
 */
struct ctl_table;

/* ctl_table_new - a table with ncols columns named by headers (copied). */
struct ctl_table *ctl_table_new(size_t ncols, const char *const *headers);

/* ctl_table_add - append a row of ncols cells (copied; NULL prints "-"). */
void ctl_table_add(struct ctl_table *t, const char *const *cells);

/* ctl_table_print - write the header and rows to fp. */
void ctl_table_print(const struct ctl_table *t, FILE *fp);

/* ctl_table_free - free t and set *t to NULL; *t may be NULL. */
void ctl_table_free(struct ctl_table **t);

/* ctl_print_clean - write s with control characters shown as '?'. */
void ctl_print_clean(FILE *fp, const char *s);

/*
 * ctl_stored_form - what the user typed as the store spells it, for the
 * one line a change prints: s through normalise (route_domain_normalise or
 * route_addr_normalise), or a copy of s when that fails.  The caller frees
 * the result.
 */
char *ctl_stored_form(const char *s, int (*normalise)(const char *, char **,
						      struct route_error *));

/*
 * A streaming JSON writer.  Strings are escaped as RFC 8259 requires and
 * bytes that are not valid UTF-8 become U+FFFD, so the output always
 * parses.  Elements of the outermost array go one per line.
 */
#define CTL_JSON_DEPTH 8

struct ctl_json {
	FILE *fp;
	int depth;
	bool first[CTL_JSON_DEPTH]; /* no element written yet at this depth */
	bool is_array[CTL_JSON_DEPTH];
	bool after_key;
};

/* ctl_json_init - start writing one JSON value to fp. */
void ctl_json_init(struct ctl_json *j, FILE *fp);

/* ctl_json_begin/end_array/object - open or close a container. */
void ctl_json_begin_array(struct ctl_json *j);
void ctl_json_end_array(struct ctl_json *j);
void ctl_json_begin_object(struct ctl_json *j);
void ctl_json_end_object(struct ctl_json *j);

/* ctl_json_key - the name of the next member of the current object. */
void ctl_json_key(struct ctl_json *j, const char *key);

/* ctl_json_string - a string value; NULL writes null. */
void ctl_json_string(struct ctl_json *j, const char *s);

/* ctl_json_int / ctl_json_bool / ctl_json_null - scalar values. */
void ctl_json_int(struct ctl_json *j, int64_t v);
void ctl_json_bool(struct ctl_json *j, bool v);
void ctl_json_null(struct ctl_json *j);

/*
 * ctl_json_member_string / _int / _bool - ctl_json_key then the value: one
 * member of the current object.  A NULL string writes null.
 */
void ctl_json_member_string(struct ctl_json *j, const char *key, const char *s);
void ctl_json_member_int(struct ctl_json *j, const char *key, int64_t v);
void ctl_json_member_bool(struct ctl_json *j, const char *key, bool v);

/* ctl_json_finish - end the value with a newline. */
void ctl_json_finish(struct ctl_json *j);

#endif
