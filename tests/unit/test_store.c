/*
 * test_store.c - the SQLite store against real files: creating, reopening
 * and refusing schemas, every change with its audit row and its refusals
 * (which must leave the store exactly as it was), listings, loading a table
 * that decides as the rules say, and two handles seeing each other's work.
 * Every case gets a fresh temporary directory.
 */
#include <sys/stat.h>
#include <sys/wait.h>

#include <dirent.h>
#include <errno.h>
#include <sqlite3.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <libroute/alloc.h>
#include <libroute/store.h>

#include "test.h"

#define MAX_SETUP 10

/* ---- temporary directories ---------------------------------------------- */

static char dir[256];
static char db[300];

/* fresh_dir - a new empty directory and the store path inside it. */
static void
fresh_dir(void)
{
	const char *tmp = getenv("TMPDIR");

	snprintf(dir, sizeof(dir), "%s/test_store.XXXXXX", tmp ? tmp : "/tmp");
	if (mkdtemp(dir) == NULL) {
		perror("mkdtemp");
		exit(99);
	}
	snprintf(db, sizeof(db), "%s/routes.db", dir);
}

/* remove_dir - delete the directory of the current case and its files. */
static void
remove_dir(void)
{
	char path[600];
	struct dirent *e;
	DIR *d = opendir(dir);

	if (d == NULL)
		return;
	while ((e = readdir(d)) != NULL) {
		if (strcmp(e->d_name, ".") == 0 || strcmp(e->d_name, "..") == 0)
			continue;
		snprintf(path, sizeof(path), "%s/%s", dir, e->d_name);
		unlink(path);
	}
	closedir(d);
	rmdir(dir);
}

/* ---- a tiny milter-ctl: one change written as a command line ----------- */

/*
 * split - cut line into words in place, shell-like: double quotes group
 * spaces into a word and are removed, and inside them a backslash keeps
 * the next character as it is.
 */
static size_t
split(char *line, char **w, size_t max)
{
	char *in = line, *out = line;
	bool quoted = false;
	size_t n = 0;

	while (*in != '\0' && n < max) {
		while (*in == ' ')
			in++;
		if (*in == '\0')
			break;
		w[n++] = out;
		for (; *in != '\0' && (quoted || *in != ' '); in++) {
			if (*in == '"')
				quoted = !quoted;
			else if (quoted && *in == '\\' && in[1] != '\0')
				*out++ = *++in;
			else
				*out++ = *in;
		}
		if (*in != '\0')
			in++;
		*out++ = '\0';
	}
	return n;
}

/* option - the value of "--name=value" among w[from..n), or NULL. */
static const char *
option(char **w, size_t n, size_t from, const char *name)
{
	size_t len = strlen(name);

	for (; from < n; from++)
		if (strncmp(w[from], name, len) == 0 &&
		    (w[from][len] == '\0' || w[from][len] == '='))
			return w[from][len] ? w[from] + len + 1 : "";
	return NULL;
}

/* args_end - index of the first "--" option at or after from. */
static size_t
args_end(char **w, size_t n, size_t from)
{
	while (from < n && strncmp(w[from], "--", 2) != 0)
		from++;
	return from;
}

/*
 * run - perform one change written like a milter-ctl command, as user
 * "tester" with the command line as the audit command.  Returns the
 * change function's result.
 */
static int
run(struct route_store *s, const char *cmd, struct route_error *err)
{
	struct route_actor who = {"tester", cmd};
	struct route_domain_def dd;
	struct route_rule_def rd;
	char *line = route_xstrdup(cmd), *w[16];
	size_t n = split(line, w, 16), end;
	const char *o;
	int rc = -2;

	route_error_clear(err);
	if (n >= 3 && strcmp(w[0], "domain") == 0) {
		if (strcmp(w[1], "add") == 0) {
			dd.name = w[2];
			dd.enabled = option(w, n, 3, "--disabled") == NULL;
			dd.unknown = option(w, n, 3, "--pass")
					 ? ROUTE_UNKNOWN_PASS
					 : ROUTE_UNKNOWN_REJECT;
			dd.subaddress = !option(w, n, 3, "--no-subaddress");
			rc = route_store_domain_add(s, &who, &dd, err);
		} else if (strcmp(w[1], "set") == 0 && n == 5)
			rc = route_store_domain_set(s, &who, w[2], w[3], w[4],
						    err);
		else if (strcmp(w[1], "remove") == 0)
			rc = route_store_domain_remove(s, &who, w[2], err);
	} else if (n >= 3 && strcmp(w[0], "dest") == 0) {
		if (strcmp(w[1], "add") == 0)
			rc = route_store_dest_add(s, &who, w[2], err);
		else if (strcmp(w[1], "verify") == 0)
			rc = route_store_dest_verify(s, &who, w[2], err);
		else if (strcmp(w[1], "remove") == 0)
			rc = route_store_dest_remove(s, &who, w[2], err);
	} else if (n >= 3 && strcmp(w[0], "rule") == 0) {
		if (strcmp(w[1], "add") == 0 && n >= 4) {
			memset(&rd, 0, sizeof(rd));
			rd.match = w[2];
			if (route_action_parse(w[3], &rd.action) == -1)
				abort();
			end = args_end(w, n, 4);
			if (rd.action == ROUTE_ACTION_REJECT && end > 4)
				rd.text = w[4];
			if (rd.action == ROUTE_ACTION_FORWARD) {
				rd.dests = (const char *const *)&w[4];
				rd.ndests = end - 4;
			}
			rd.enabled = option(w, n, end, "--disabled") == NULL;
			if ((o = option(w, n, end, "--priority")) != NULL)
				rd.priority = atoi(o);
			rd.comment = option(w, n, end, "--comment");
			rc = route_store_rule_add(s, &who, &rd, NULL, err);
		} else if (strcmp(w[1], "remove") == 0)
			rc = route_store_rule_remove(s, &who, w[2], err);
		else if (strcmp(w[1], "enable") == 0)
			rc = route_store_rule_enable(s, &who, w[2], true, err);
		else if (strcmp(w[1], "disable") == 0)
			rc = route_store_rule_enable(s, &who, w[2], false, err);
	}
	free(line);
	if (rc == -2) {
		fprintf(stderr, "test bug: cannot run \"%s\"\n", cmd);
		abort();
	}
	return rc;
}

/* setup - run changes (a NULL-terminated list) that must succeed; false
 * (and a TAP failure) if one does not. */
static bool
setup(struct route_store *s, const char *const *cmds)
{
	struct route_error err;
	size_t i;

	for (i = 0; cmds[i] != NULL; i++)
		if (run(s, cmds[i], &err) != 0) {
			CHECK(!"setup change failed");
			printf("# \"%s\": %s\n", cmds[i], err.msg);
			return false;
		}
	return true;
}

/* ---- observing the store ------------------------------------------------ */

/* generation - the change counter, or UINT64_MAX on error. */
static uint64_t
generation(struct route_store *s)
{
	uint64_t gen;

	return route_store_generation(s, &gen, NULL) == 0 ? gen : UINT64_MAX;
}

/*
 * snapshot - everything a person could observe through the listings, plus
 * the generation and the number of audit rows, as one string; equal
 * snapshots before and after a refusal prove nothing changed.
 */
static char *
snapshot(struct route_store *s)
{
	struct route_store_domain *dl;
	struct route_store_dest *tl;
	struct route_store_rule *rl;
	struct route_audit_entry *al;
	size_t dn, tn, rn, an, i, j;
	char *out, *old;

	if (route_store_domain_list(s, &dl, &dn, NULL) == -1 ||
	    route_store_dest_list(s, &tl, &tn, NULL) == -1 ||
	    route_store_rule_list(s, &rl, &rn, NULL) == -1 ||
	    route_store_audit_list(s, 0, &al, &an, NULL) == -1)
		return route_xstrdup("listing failed");
	out = route_xasprintf("gen=%llu audit=%zu\n",
			      (unsigned long long)generation(s), an);
	for (i = 0; i < dn; i++) {
		old = out;
		out = route_xasprintf("%sdomain %s %d %d %d\n", old, dl[i].name,
				      dl[i].enabled, dl[i].unknown,
				      dl[i].subaddress);
		free(old);
	}
	for (i = 0; i < tn; i++) {
		old = out;
		out = route_xasprintf("%sdest %s %d\n", old, tl[i].addr,
				      tl[i].verified);
		free(old);
	}
	for (i = 0; i < rn; i++) {
		old = out;
		out = route_xasprintf(
		    "%srule %lld %s %d %s %d %d %s:", old, (long long)rl[i].id,
		    rl[i].match, rl[i].action, rl[i].text ? rl[i].text : "-",
		    rl[i].enabled, rl[i].priority,
		    rl[i].comment ? rl[i].comment : "-");
		free(old);
		for (j = 0; j < rl[i].ndests; j++) {
			old = out;
			out = route_xasprintf("%s %s", old, rl[i].dests[j]);
			free(old);
		}
		old = out;
		out = route_xasprintf("%s\n", old);
		free(old);
	}
	route_store_domain_list_free(&dl, dn);
	route_store_dest_list_free(&tl, tn);
	route_store_rule_list_free(&rl, rn);
	route_store_audit_list_free(&al, an);
	return out;
}

/* open_fresh - a new directory and a new store in it with opts. */
static struct route_store *
open_fresh(const struct route_table_opts *opts)
{
	struct route_store *s;
	struct route_error err;

	fresh_dir();
	if (route_store_open(db, opts, &s, &err) == -1) {
		printf("# open %s: %s\n", db, err.msg);
		CHECK(!"store opens");
		return NULL;
	}
	return s;
}

/* close_case - close the store and remove the case's directory. */
static void
close_case(struct route_store **s)
{
	route_store_close(s);
	remove_dir();
}

/* ---- successful changes and their audit rows ---------------------------- */

static const struct change_test {
	const char *setup[MAX_SETUP + 1]; /* NULL-terminated */
	const char *cmd;
	const char *old_value; /* expected audit values */
	const char *new_value;
} valid_change_tests[] = {
    {{NULL},
     "domain add Example.COM.",
     NULL,
     "domain example.com enabled unknown=reject subaddress=on"},
    {{NULL},
     "domain add bücher.example --pass --no-subaddress --disabled",
     NULL,
     "domain xn--bcher-kva.example disabled unknown=pass "
     "subaddress=off"},
    {{"domain add example.com"},
     "domain set EXAMPLE.com enabled no",
     "domain example.com enabled unknown=reject subaddress=on",
     "domain example.com disabled unknown=reject subaddress=on"},
    {{"domain add example.com"},
     "domain set example.com unknown pass",
     "domain example.com enabled unknown=reject subaddress=on",
     "domain example.com enabled unknown=pass subaddress=on"},
    {{"domain add example.com"},
     "domain set example.com subaddress off",
     "domain example.com enabled unknown=reject subaddress=on",
     "domain example.com enabled unknown=reject subaddress=off"},
    {{"domain add example.com"},
     "domain remove Example.com",
     "domain example.com enabled unknown=reject subaddress=on",
     NULL},
    {{NULL}, "dest add <Me@Gmail.COM>", NULL, "dest Me@gmail.com pending"},
    {{"dest add me@gmail.com"},
     "dest verify me@GMAIL.com",
     "dest me@gmail.com pending",
     "dest me@gmail.com verified"},
    {{"dest add me@gmail.com", "dest verify me@gmail.com"},
     "dest verify me@gmail.com",
     "dest me@gmail.com verified",
     "dest me@gmail.com verified"},
    {{"dest add me@gmail.com"},
     "dest remove me@gmail.com",
     "dest me@gmail.com pending",
     NULL},
    {{"domain add example.com", "dest add me@gmail.com"},
     "rule add info@EXAMPLE.com forward me@gmail.com",
     NULL,
     "rule 1 info@example.com forward me@gmail.com enabled"},
    {{"domain add example.com", "dest add b@x.org", "dest add a@x.org"},
     "rule add Info@example.com forward b@x.org a@x.org --disabled "
     "--comment=\"the \\\"team\\\"\"",
     NULL,
     "rule 1 Info@example.com forward b@x.org a@x.org disabled "
     "comment=\"the \\\"team\\\"\""},
    {{"domain add example.com"},
     "rule add no@example.com reject \"Gone away\"",
     NULL,
     "rule 1 no@example.com reject \"Gone away\" enabled"},
    {{"domain add example.com"},
     "rule add no@example.com reject",
     NULL,
     "rule 1 no@example.com reject enabled"},
    {{"domain add example.com"},
     "rule add sales-*@example.com drop --priority=5",
     NULL,
     "rule 1 sales-*@example.com drop enabled priority=5"},
    {{"domain add example.com"},
     "rule add @EXAMPLE.COM drop",
     NULL,
     "rule 1 @example.com drop enabled"},
    /* a routed address needs no dest entry */
    {{"domain add example.com", "domain add example.net"},
     "rule add info@example.com forward team@example.net",
     NULL,
     "rule 1 info@example.com forward team@example.net enabled"},
    {{"domain add example.com", "rule add a@example.com drop",
      "rule add b@example.com drop"},
     "rule remove 2",
     "rule 2 b@example.com drop enabled",
     NULL},
    {{"domain add example.com", "rule add a@example.com drop"},
     "rule remove A@Example.com",
     "rule 1 a@example.com drop enabled",
     NULL},
    {{"domain add example.com", "rule add a@example.com drop"},
     "rule disable a@example.com",
     "rule 1 a@example.com drop enabled",
     "rule 1 a@example.com drop disabled"},
    {{"domain add example.com", "rule add a@example.com drop --disabled"},
     "rule enable 1",
     "rule 1 a@example.com drop disabled",
     "rule 1 a@example.com drop enabled"},
};

/* test_valid_changes - each change commits, moves the counter by one and
 * leaves exactly one audit row that says who did what. */
static void
test_valid_changes(void)
{
	const struct change_test *t;
	struct route_audit_entry *al;
	struct route_store *s;
	struct route_error err;
	uint64_t gen;
	size_t i, an;

	for (i = 0; i < sizeof(valid_change_tests) / sizeof(*t); i++) {
		t = &valid_change_tests[i];
		printf("# valid change: %s\n", t->cmd);
		if ((s = open_fresh(NULL)) == NULL)
			continue;
		if (setup(s, t->setup)) {
			gen = generation(s);
			CHECK_INT(run(s, t->cmd, &err), 0);
			if (err.code != ROUTE_OK)
				printf("# %s\n", err.msg);
			CHECK_INT(generation(s), gen + 1);
			CHECK_INT(route_store_audit_list(s, 1, &al, &an, &err),
				  0);
			CHECK_INT(an, 1);
			if (an == 1) {
				CHECK_STR(al[0].user, "tester");
				CHECK_STR(al[0].command, t->cmd);
				CHECK_STR(al[0].old_value, t->old_value);
				CHECK_STR(al[0].new_value, t->new_value);
				CHECK(al[0].time > 1600000000);
				CHECK_INT(al[0].id, gen + 1);
			}
			route_store_audit_list_free(&al, an);
		}
		close_case(&s);
	}
}

/* ---- refusals: the reason, and nothing changed -------------------------- */

#define BASE "domain add example.com", "dest add me@gmail.com"

static const struct refusal_test {
	const char *setup[MAX_SETUP + 1]; /* NULL-terminated */
	const char *cmd;
	enum route_errclass code;
	const char *msg; /* must appear in the reason */
} invalid_change_tests[] = {
    {{NULL}, "domain add exa_mple..com", ROUTE_EINVAL, ""},
    {{"domain add example.com"},
     "domain add EXAMPLE.com.",
     ROUTE_EEXIST,
     "domain example.com exists already"},
    {{BASE},
     "domain set example.org enabled no",
     ROUTE_ENOENT,
     "domain example.org is not known"},
    {{BASE},
     "domain set example.com colour blue",
     ROUTE_EINVAL,
     "unknown domain setting \"colour\""},
    {{BASE},
     "domain set example.com enabled maybe",
     ROUTE_EINVAL,
     "enabled takes yes or no, not \"maybe\""},
    {{BASE},
     "domain set example.com unknown yes",
     ROUTE_EINVAL,
     "unknown takes pass or reject"},
    {{BASE},
     "domain set example.com subaddress yes",
     ROUTE_EINVAL,
     "subaddress takes on or off"},
    {{BASE},
     "domain remove example.org",
     ROUTE_ENOENT,
     "domain example.org is not known"},
    {{BASE, "rule add a@example.com drop", "rule add b@example.com drop"},
     "domain remove example.com",
     ROUTE_EINVAL,
     "domain example.com is still used by 2 rules; remove them first"},
    {{BASE, "dest add x@example.com"},
     "domain remove example.com",
     ROUTE_EINVAL,
     "still used by 1 destination;"},
    {{BASE, "domain add example.net",
      "rule add a@example.net forward b@example.com"},
     "domain remove example.com",
     ROUTE_EINVAL,
     "still used by 1 forward from another domain;"},
    {{BASE, "domain add example.net", "dest add x@example.com",
      "rule add a@example.com drop",
      "rule add a@example.net forward b@example.com"},
     "domain remove example.com",
     ROUTE_EINVAL,
     "still used by 1 rule, 1 destination and 1 forward from another "
     "domain;"},
    {{BASE}, "dest add <>", ROUTE_EINVAL, "is not a mailbox"},
    {{BASE}, "dest add postmaster", ROUTE_EINVAL, ""},
    {{BASE}, "dest add a@@b", ROUTE_EINVAL, ""},
    {{BASE},
     "dest add ME@gmail.com.",
     ROUTE_EEXIST,
     "destination ME@gmail.com exists already as me@gmail.com"},
    {{BASE},
     "dest verify you@gmail.com",
     ROUTE_ENOENT,
     "destination you@gmail.com is not known"},
    {{BASE},
     "dest remove you@gmail.com",
     ROUTE_ENOENT,
     "destination you@gmail.com is not known"},
    {{BASE, "rule add info@example.com forward me@gmail.com"},
     "dest remove me@gmail.com",
     ROUTE_EINVAL,
     "destination me@gmail.com is used by rule 1 (info@example.com); "
     "remove that rule first"},
    {{BASE, "rule add info@example.com forward me@gmail.com",
      "rule add sales@example.com forward me@gmail.com"},
     "dest remove me@gmail.com",
     ROUTE_EINVAL,
     "used by rule 1 (info@example.com) and 1 more rule;"},
    {{BASE},
     "rule add info@example.org drop",
     ROUTE_ENOENT,
     "domain example.org is not routed; add it with: milter-ctl domain "
     "add example.org"},
    {{BASE},
     "rule add info@example.com forward you@gmail.com",
     ROUTE_ENOENT,
     "destination you@gmail.com is not known; add it with: milter-ctl "
     "dest add you@gmail.com"},
    {{BASE},
     "rule add info@example.com forward me@gmail.com you@gmail.com",
     ROUTE_ENOENT,
     "destination you@gmail.com is not known"},
    {{BASE},
     "rule add info@example.com forward me@gmail.com Me@Gmail.com.",
     ROUTE_EINVAL,
     "destination Me@gmail.com is listed twice"},
    {{BASE},
     "rule add info@example.com forward",
     ROUTE_EINVAL,
     "a forward rule needs at least one destination"},
    {{BASE},
     "rule add info@example.com forward me@gmail.com me@GMAIL.com",
     ROUTE_EINVAL,
     "destination me@gmail.com is listed twice"},
    {{BASE},
     "rule add info@example.com reject \"bad\r\n250 ok\"",
     ROUTE_EINVAL,
     "must not contain CR or LF"},
    {{BASE},
     "rule add info@example.com drop --comment=\"a\nb\"",
     ROUTE_EINVAL,
     "must not contain CR or LF"},
    {{BASE}, "rule add sales*@exa*mple.com drop", ROUTE_EINVAL, ""},
    {{BASE}, "rule add no-at-sign drop", ROUTE_EINVAL, ""},
    {{BASE, "rule add info@example.com drop"},
     "rule add info@EXAMPLE.COM reject",
     ROUTE_EEXIST,
     "a rule for info@example.com exists already (rule 1)"},
    {{BASE, "rule add info@example.com drop"},
     "rule add INFO@example.com drop",
     ROUTE_EEXIST,
     "a rule for INFO@example.com exists already (rule 1)"},
    {{BASE, "domain add example.net",
      "rule add a@example.net forward b@example.com"},
     "rule add b@example.com forward a@example.net",
     ROUTE_ECYCLE,
     ""},
    {{BASE}, "rule add a@example.com forward a@example.com", ROUTE_ECYCLE, ""},
    {{BASE, "domain add example.net",
      "rule add a@example.net forward b@example.com",
      "rule add b@example.com forward a@example.net --disabled"},
     "rule enable b@example.com",
     ROUTE_ECYCLE,
     ""},
    /* a is inactive until me@gmail.com is verified: then it loops */
    {{BASE, "rule add b@example.com forward a@example.com",
      "rule add a@example.com forward b@example.com me@gmail.com"},
     "dest verify me@gmail.com",
     ROUTE_ECYCLE,
     "forwarding loop: "},
    {{BASE}, "rule remove 7", ROUTE_ENOENT, "no rule 7"},
    {{BASE},
     "rule remove 7x",
     ROUTE_EINVAL,
     "\"7x\" is neither a rule id nor an address"},
    {{BASE},
     "rule remove info@example.com",
     ROUTE_ENOENT,
     "no rule for info@example.com"},
    {{BASE}, "rule enable 1", ROUTE_ENOENT, "no rule 1"},
    {{BASE},
     "rule disable nobody@example.com",
     ROUTE_ENOENT,
     "no rule for nobody@example.com"},
};

/* test_invalid_changes - each refusal gives its reason and changes nothing
 * a person could see: not the listings, the counter or the audit. */
static void
test_invalid_changes(void)
{
	const struct refusal_test *t;
	struct route_store *s;
	struct route_error err;
	char *before, *after;
	size_t i;

	for (i = 0; i < sizeof(invalid_change_tests) / sizeof(*t); i++) {
		t = &invalid_change_tests[i];
		printf("# refused change: %s\n", t->cmd);
		if ((s = open_fresh(NULL)) == NULL)
			continue;
		if (setup(s, t->setup)) {
			before = snapshot(s);
			CHECK_INT(run(s, t->cmd, &err), -1);
			CHECK_INT(err.code, t->code);
			CHECK(strstr(err.msg, t->msg) != NULL);
			if (strstr(err.msg, t->msg) == NULL ||
			    err.code != t->code)
				printf("# reason: %s\n", err.msg);
			after = snapshot(s);
			CHECK_STR(after, before);
			free(before);
			free(after);
		}
		close_case(&s);
	}
}

/* ---- opening: create, reopen, schema versions, bad places ------------- */

/* file_pragma - an integer or text PRAGMA of the store file, read with
 * SQLite directly, as a string. */
static char *
file_pragma(const char *path, const char *pragma)
{
	char sql[100], *val = NULL;
	sqlite3_stmt *st;
	sqlite3 *h;

	if (sqlite3_open_v2(path, &h, SQLITE_OPEN_READONLY, NULL) != SQLITE_OK)
		return route_xstrdup("cannot open");
	snprintf(sql, sizeof(sql), "PRAGMA %s", pragma);
	if (sqlite3_prepare_v2(h, sql, -1, &st, NULL) == SQLITE_OK &&
	    sqlite3_step(st) == SQLITE_ROW)
		val = route_xstrdup((const char *)sqlite3_column_text(st, 0));
	sqlite3_finalize(st);
	sqlite3_close(h);
	return val ? val : route_xstrdup("no value");
}

/* file_exec - run sql on the store file with SQLite directly. */
static int
file_exec(const char *path, const char *sql)
{
	sqlite3 *h;
	int rc;

	if (sqlite3_open(path, &h) != SQLITE_OK)
		return -1;
	rc = sqlite3_exec(h, sql, NULL, NULL, NULL);
	sqlite3_close(h);
	return rc == SQLITE_OK ? 0 : -1;
}

/* check_pragma - one test point: the file's pragma has value want. */
static void
check_pragma(const char *pragma, const char *want)
{
	char *got = file_pragma(db, pragma);

	CHECK_STR(got, want);
	free(got);
}

/* test_open_create - a missing file becomes an empty store in WAL mode;
 * reopening keeps what was written. */
static void
test_open_create(void)
{
	struct route_store *s;
	struct route_error err;
	char uri[400];

	fresh_dir();
	CHECK(access(db, F_OK) == -1);
	snprintf(uri, sizeof(uri), "sqlite:%s", db);
	CHECK_INT(route_store_open(uri, NULL, &s, &err), 0);
	CHECK(access(db, F_OK) == 0);
	CHECK_INT(generation(s), 0);
	check_pragma("journal_mode", "wal");
	check_pragma("user_version", "1");
	CHECK_INT(run(s, "domain add example.com", &err), 0);
	route_store_close(&s);
	CHECK(s == NULL);
	route_store_close(&s);

	/* reopen by plain path */
	CHECK_INT(route_store_open(db, NULL, &s, &err), 0);
	CHECK_INT(generation(s), 1);
	check_pragma("journal_mode", "wal");
	check_pragma("user_version", "1");
	close_case(&s);
}

/* test_open_refusals - stores that must not be opened, and why. */
static void
test_open_refusals(void)
{
	struct route_store *s;
	struct route_error err;
	char path[400];
	FILE *f;

	/* newer schema: refused, and the file is left as it was */
	if ((s = open_fresh(NULL)) != NULL)
		route_store_close(&s);
	CHECK_INT(file_exec(db, "PRAGMA user_version = 99"), 0);
	CHECK_INT(route_store_open(db, NULL, &s, &err), -1);
	CHECK(s == NULL);
	CHECK_INT(err.code, ROUTE_ESCHEMA);
	snprintf(
	    path, sizeof(path),
	    "store %s has schema version 99; this program understands up to "
	    "1: upgrade route-milter",
	    db);
	CHECK_STR(err.msg, path);
	check_pragma("user_version", "99");
	remove_dir();

	/* a SQLite file that is something else */
	fresh_dir();
	CHECK_INT(file_exec(db, "CREATE TABLE t (x)"), 0);
	CHECK_INT(route_store_open(db, NULL, &s, &err), -1);
	CHECK_INT(err.code, ROUTE_ESCHEMA);
	CHECK(strstr(err.msg, "is not a route-milter store") != NULL);
	check_pragma("user_version", "0");
	remove_dir();

	/* not a SQLite file at all */
	fresh_dir();
	f = fopen(db, "w");
	fputs("route-milter: not a database\n", f);
	fclose(f);
	CHECK_INT(route_store_open(db, NULL, &s, &err), -1);
	CHECK_INT(err.code, ROUTE_ESYS);
	CHECK(strstr(err.msg, db) != NULL);
	remove_dir();

	/* missing directory: not created, named with the reason */
	fresh_dir();
	snprintf(path, sizeof(path), "%s/missing/routes.db", dir);
	CHECK_INT(route_store_open(path, NULL, &s, &err), -1);
	CHECK_INT(err.code, ROUTE_ESYS);
	CHECK(strstr(err.msg, "/missing: No such file or directory") != NULL);
	CHECK(strstr(err.msg, path) != NULL);
	printf("# %s\n", err.msg);
	CHECK(access(path, F_OK) == -1);
	remove_dir();

	CHECK_INT(
	    route_store_open("postgresql://db.example/routes", NULL, &s, &err),
	    -1);
	CHECK_INT(err.code, ROUTE_EINVAL);
	CHECK(strstr(err.msg, "unknown store type") != NULL);
	CHECK_INT(route_store_open("sqlite:", NULL, &s, &err), -1);
	CHECK_INT(err.code, ROUTE_EINVAL);
}

/*
 * test_concurrent_create - several processes open the same missing file
 * at once (as milter-ctl and the daemons may on a fresh install) and each
 * makes a change: all succeed and every change is there.
 */
static void
test_concurrent_create(void)
{
	enum { NPROC = 8 };
	struct route_store *s;
	struct route_error err;
	int go[2], status, ok = 0, i;
	char cmd[64];
	pid_t pid;

	fresh_dir();
	if (pipe(go) == -1)
		abort();
	for (i = 0; i < NPROC; i++) {
		if ((pid = fork()) == 0) {
			close(go[1]);
			/* all start when the parent closes the pipe */
			(void)read(go[0], cmd, 1);
			snprintf(cmd, sizeof(cmd), "domain add d%d.example", i);
			if (route_store_open(db, NULL, &s, &err) == -1 ||
			    run(s, cmd, &err) == -1) {
				fprintf(stderr, "child %d: %s\n", i, err.msg);
				_exit(1);
			}
			route_store_close(&s);
			_exit(0);
		}
	}
	close(go[0]);
	close(go[1]);
	for (i = 0; i < NPROC; i++)
		if (wait(&status) > 0 && WIFEXITED(status) &&
		    WEXITSTATUS(status) == 0)
			ok++;
	CHECK_INT(ok, NPROC);
	if (route_store_open(db, NULL, &s, &err) == 0) {
		CHECK_INT(generation(s), NPROC);
		{
			struct route_store_domain *dl;
			size_t dn;

			CHECK_INT(route_store_domain_list(s, &dl, &dn, &err),
				  0);
			CHECK_INT(dn, NPROC);
			route_store_domain_list_free(&dl, dn);
		}
	} else
		CHECK(!"reopen after concurrent create");
	close_case(&s);
}

/* ---- listings ----------------------------------------------------------- */

/* test_lists - the orders store.h promises, and every field. */
static void
test_lists(void)
{
	static const char *const cmds[] = {
	    "domain add b.example",
	    "domain add a.example",
	    "domain add c.example --pass --no-subaddress --disabled",
	    "dest add z@x.org",
	    "dest add a@x.org",
	    "dest add m@x.org",
	    "dest verify m@x.org",
	    "rule add @b.example drop",
	    "rule add x-*@b.example drop --priority=3",
	    "rule add zed@b.example reject \"Gone\"",
	    "rule add abe@b.example drop --comment=\"old name\"",
	    "rule add @a.example drop",
	    "rule add m@a.example forward z@x.org a@x.org m@x.org --disabled",
	    NULL,
	};
	static const char *const rule_order[] = {
	    "m@a.example",   "@a.example",    "abe@b.example",
	    "zed@b.example", "x-*@b.example", "@b.example",
	};
	struct route_store_domain *dl;
	struct route_store_dest *tl;
	struct route_store_rule *rl, *r;
	struct route_error err;
	struct route_store *s;
	size_t dn, tn, rn, i;

	if ((s = open_fresh(NULL)) == NULL || !setup(s, cmds)) {
		close_case(&s);
		return;
	}
	CHECK_INT(route_store_domain_list(s, &dl, &dn, &err), 0);
	CHECK_INT(dn, 3);
	if (dn == 3) {
		CHECK_STR(dl[0].name, "a.example");
		CHECK_STR(dl[1].name, "b.example");
		CHECK_STR(dl[2].name, "c.example");
		CHECK(dl[0].enabled && dl[0].subaddress);
		CHECK_INT(dl[0].unknown, ROUTE_UNKNOWN_REJECT);
		CHECK(!dl[2].enabled && !dl[2].subaddress);
		CHECK_INT(dl[2].unknown, ROUTE_UNKNOWN_PASS);
		CHECK(dl[2].created > 1600000000);
	}
	route_store_domain_list_free(&dl, dn);
	CHECK(dl == NULL);

	CHECK_INT(route_store_dest_list(s, &tl, &tn, &err), 0);
	CHECK_INT(tn, 3);
	if (tn == 3) {
		CHECK_STR(tl[0].addr, "a@x.org");
		CHECK_STR(tl[1].addr, "m@x.org");
		CHECK_STR(tl[2].addr, "z@x.org");
		CHECK(!tl[0].verified && tl[0].verified_at == 0);
		CHECK(tl[1].verified && tl[1].verified_at >= tl[1].created);
		CHECK(tl[2].created > 1600000000);
	}
	route_store_dest_list_free(&tl, tn);

	CHECK_INT(route_store_rule_list(s, &rl, &rn, &err), 0);
	CHECK_INT(rn, 6);
	for (i = 0; i < rn && i < 6; i++)
		CHECK_STR(rl[i].match, rule_order[i]);
	if (rn == 6) {
		r = &rl[0];
		CHECK_INT(r->id, 6);
		CHECK_INT(r->action, ROUTE_ACTION_FORWARD);
		CHECK(!r->enabled);
		CHECK_INT(r->ndests, 3);
		if (r->ndests == 3) {
			CHECK_STR(r->dests[0], "z@x.org");
			CHECK_STR(r->dests[1], "a@x.org");
			CHECK_STR(r->dests[2], "m@x.org");
		}
		CHECK_STR(rl[2].comment, "old name");
		CHECK_STR(rl[3].text, "Gone");
		CHECK_INT(rl[3].action, ROUTE_ACTION_REJECT);
		CHECK_INT(rl[4].priority, 3);
		CHECK_INT(rl[5].ndests, 0);
		CHECK(rl[5].enabled && rl[5].text == NULL &&
		      rl[5].comment == NULL && rl[5].created > 1600000000);
	}
	route_store_rule_list_free(&rl, rn);
	close_case(&s);
}

/* test_audit - newest last, limit keeps the newest; refusals leave none. */
static void
test_audit(void)
{
	static const char *const cmds[] = {
	    "domain add example.com",
	    "dest add me@gmail.com",
	    "dest verify me@gmail.com",
	    "rule add info@example.com forward me@gmail.com",
	    NULL,
	};
	struct route_audit_entry *al;
	struct route_actor who = {NULL, NULL};
	struct route_domain_def dd = {"example.org", true, 0, true};
	struct route_error err;
	struct route_store *s;
	size_t an;

	if ((s = open_fresh(NULL)) == NULL || !setup(s, cmds)) {
		close_case(&s);
		return;
	}
	CHECK_INT(run(s, "rule add info@example.com drop", &err), -1);
	CHECK_INT(route_store_audit_list(s, 0, &al, &an, &err), 0);
	CHECK_INT(an, 4);
	if (an == 4) {
		CHECK_INT(al[0].id, 1);
		CHECK_STR(al[0].command, "domain add example.com");
		CHECK_STR(al[3].command,
			  "rule add info@example.com forward me@gmail.com");
		CHECK(al[0].time <= al[3].time);
	}
	route_store_audit_list_free(&al, an);
	CHECK_INT(route_store_audit_list(s, 2, &al, &an, &err), 0);
	CHECK_INT(an, 2);
	if (an == 2) {
		CHECK_STR(al[0].command, "dest verify me@gmail.com");
		CHECK_STR(
		    al[1].new_value,
		    "rule 1 info@example.com forward me@gmail.com enabled");
	}
	route_store_audit_list_free(&al, an);

	/* an actor without names still leaves a row */
	CHECK_INT(route_store_domain_add(s, &who, &dd, &err), 0);
	CHECK_INT(route_store_audit_list(s, 1, &al, &an, &err), 0);
	if (an == 1) {
		CHECK_STR(al[0].user, "");
		CHECK_STR(
		    al[0].new_value,
		    "domain example.org enabled unknown=reject subaddress=on");
	}
	route_store_audit_list_free(&al, an);
	close_case(&s);
}

/* ---- loading: the table decides as the stored rules say ---------------- */

static const struct lookup_test {
	const char *rcpt;
	enum route_verdict verdict;
	enum route_reason reason;
	const char *dests; /* space separated, or the reject text */
} valid_lookup_tests[] = {
    {"<Info+news@Example.COM>", ROUTE_FORWARD, ROUTE_BY_SUBADDRESS,
     "me@gmail.com"},
    {"info@example.com", ROUTE_FORWARD, ROUTE_BY_EXACT, "me@gmail.com"},
    {"alias@example.com", ROUTE_FORWARD, ROUTE_BY_EXACT, "me@gmail.com"},
    {"both@example.com", ROUTE_FORWARD, ROUTE_BY_EXACT,
     "me@gmail.com you@gmail.com"},
    {"no@example.com", ROUTE_REJECT, ROUTE_BY_EXACT, "Gone away"},
    {"sales-eu@example.com", ROUTE_DROP, ROUTE_BY_PATTERN, ""},
    {"team@example.com", ROUTE_UNKNOWN, ROUTE_BY_DEFAULT, ""},
    {"off@example.com", ROUTE_UNKNOWN, ROUTE_BY_DEFAULT, ""},
    {"nobody@example.com", ROUTE_UNKNOWN, ROUTE_BY_DEFAULT, ""},
    {"anyone@pass.example", ROUTE_PASS, ROUTE_BY_DEFAULT, ""},
    {"x@catch.example", ROUTE_FORWARD, ROUTE_BY_CATCHALL, "me@gmail.com"},
    {"x@other.org", ROUTE_NOT_ROUTED, ROUTE_BY_NONE, ""},
};

/* decision_words - the dests (or the reject text) as one string. */
static char *
decision_words(const struct route_decision *d)
{
	char *out = route_xstrdup(d->text ? d->text : ""), *old;
	size_t i;

	for (i = 0; i < d->ndests; i++) {
		old = out;
		out = route_xasprintf("%s%s%s", old, i ? " " : "", d->dests[i]);
		free(old);
	}
	return out;
}

/* test_load_lookup - load gives the generation it read and a table whose
 * decisions follow the stored rules (inactive ones included). */
static void
test_load_lookup(void)
{
	static const char *const cmds[] = {
	    "domain add example.com",
	    "domain add pass.example --pass",
	    "domain add catch.example",
	    "dest add me@gmail.com",
	    "dest verify me@gmail.com",
	    "dest add you@gmail.com",
	    "rule add info@example.com forward me@gmail.com",
	    "rule add alias@example.com forward info@example.com",
	    "rule add team@example.com forward me@gmail.com you@gmail.com",
	    "rule add no@example.com reject \"Gone away\"",
	    NULL,
	};
	static const char *const more[] = {
	    "rule add sales-*@example.com drop",
	    "rule add off@example.com drop --disabled",
	    "rule add @catch.example forward me@gmail.com",
	    "rule add both@example.com forward alias@example.com "
	    "you@gmail.com me@gmail.com",
	    "dest verify you@gmail.com",
	    "rule disable team@example.com",
	    NULL,
	};
	const struct lookup_test *t;
	struct route_decision d;
	struct route_table *tab;
	struct route_error err;
	struct route_store *s;
	uint64_t gen = 0;
	char *words;
	size_t i;

	if ((s = open_fresh(NULL)) == NULL || !setup(s, cmds) ||
	    !setup(s, more)) {
		close_case(&s);
		return;
	}
	CHECK_INT(route_store_load(s, &tab, &gen, &err), 0);
	CHECK_INT(gen, generation(s));
	CHECK_INT(gen, 16);
	if (tab == NULL) {
		printf("# load: %s\n", err.msg);
		close_case(&s);
		return;
	}
	CHECK_INT(route_table_rule_count(tab), 8);
	CHECK_INT(route_table_rule_active(tab, 3), 0); /* team: disabled */
	CHECK_INT(route_table_rule_active(tab, 1), 1);
	for (i = 0; i < sizeof(valid_lookup_tests) / sizeof(*t); i++) {
		t = &valid_lookup_tests[i];
		printf("# lookup %s\n", t->rcpt);
		CHECK_INT(route_table_lookup(tab, t->rcpt, &d, &err), 0);
		CHECK_STR(route_verdict_name(d.verdict),
			  route_verdict_name(t->verdict));
		CHECK_STR(route_reason_name(d.reason),
			  route_reason_name(t->reason));
		words = decision_words(&d);
		CHECK_STR(words, t->dests);
		free(words);
		route_decision_clear(&d);
	}
	route_table_unref(&tab);
	CHECK(tab == NULL);
	CHECK_INT(route_store_load(s, &tab, NULL, &err), 0);
	route_table_unref(&tab);
	close_case(&s);
}

/* test_two_handles - what one handle commits, the other sees at once. */
static void
test_two_handles(void)
{
	struct route_store *a, *b;
	struct route_table *tab;
	struct route_decision d;
	struct route_error err;
	uint64_t gen;

	if ((a = open_fresh(NULL)) == NULL)
		return;
	if (route_store_open(db, NULL, &b, &err) == -1) {
		CHECK(!"second handle opens");
		close_case(&a);
		return;
	}
	CHECK_INT(generation(b), 0);
	CHECK_INT(run(a, "domain add example.com", &err), 0);
	CHECK_INT(generation(b), 1);
	CHECK_INT(run(b, "rule add info@example.com reject", &err), 0);
	CHECK_INT(generation(a), 2);
	CHECK_INT(route_store_load(a, &tab, &gen, &err), 0);
	CHECK_INT(gen, 2);
	if (tab != NULL) {
		CHECK_INT(route_table_lookup(tab, "info@example.com", &d, &err),
			  0);
		CHECK_INT(d.verdict, ROUTE_REJECT);
		route_decision_clear(&d);
		route_table_unref(&tab);
	}
	/* the same rule added through the other handle is refused */
	CHECK_INT(run(a, "rule add info@example.com drop", &err), -1);
	CHECK_INT(err.code, ROUTE_EEXIST);
	CHECK_INT(generation(b), 2);
	route_store_close(&b);
	close_case(&a);
}

/*
 * test_tighter_opts - options that no longer fit the stored rules (smaller
 * max_depth, case-insensitive over case-distinct rules): load says which
 * store and why, additions are refused, and removing or disabling what is
 * in the way still works.
 */
static void
test_tighter_opts(void)
{
	static const char *const chain[] = {
	    "domain add example.com",
	    "dest add me@gmail.com",
	    "dest verify me@gmail.com",
	    "rule add d@example.com forward me@gmail.com",
	    "rule add c@example.com forward d@example.com",
	    "rule add b@example.com forward c@example.com",
	    "rule add a@example.com forward b@example.com",
	    NULL,
	};
	static const char *const cased[] = {
	    "domain add example.com",
	    "rule add Info@example.com drop",
	    "rule add info@example.com reject",
	    NULL,
	};
	struct route_table_opts opts;
	struct route_table *tab;
	struct route_error err;
	struct route_store *s;
	char want[400];

	if ((s = open_fresh(NULL)) == NULL || !setup(s, chain)) {
		close_case(&s);
		return;
	}
	route_store_close(&s);
	route_table_opts_init(&opts);
	opts.max_depth = 2;
	CHECK_INT(route_store_open(db, &opts, &s, &err), 0);
	CHECK_INT(route_store_load(s, &tab, NULL, &err), -1);
	CHECK(tab == NULL);
	snprintf(want, sizeof(want), "store %s: ", db);
	CHECK(strncmp(err.msg, want, strlen(want)) == 0);
	CHECK(strstr(err.msg, "longer than 2") != NULL);
	printf("# %s\n", err.msg);
	CHECK_INT(run(s, "rule add x@example.com drop", &err), -1);
	CHECK_INT(err.code, ROUTE_ECYCLE);
	CHECK_INT(run(s, "rule disable a@example.com", &err), 0);
	CHECK_INT(run(s, "rule remove b@example.com", &err), 0);
	CHECK_INT(route_store_load(s, &tab, NULL, &err), 0);
	route_table_unref(&tab);
	close_case(&s);

	/* two rules that differ only in case, then a case-insensitive table */
	route_table_opts_init(&opts);
	opts.case_sensitive = true;
	if ((s = open_fresh(&opts)) == NULL || !setup(s, cased)) {
		close_case(&s);
		return;
	}
	CHECK_INT(run(s, "rule remove INFO@example.com", &err), -1);
	CHECK_INT(err.code, ROUTE_ENOENT);
	route_store_close(&s);
	CHECK_INT(route_store_open(db, NULL, &s, &err), 0);
	CHECK_INT(route_store_load(s, &tab, NULL, &err), -1);
	CHECK_INT(run(s, "rule remove INFO@example.com", &err), -1);
	CHECK_INT(err.code, ROUTE_EINVAL);
	CHECK_STR(err.msg, "INFO@example.com names rules 1 and 2, which "
			   "differ only in case; give the rule id");
	CHECK_INT(run(s, "rule remove info@example.com", &err), 0);
	CHECK_INT(route_store_load(s, &tab, NULL, &err), 0);
	route_table_unref(&tab);
	close_case(&s);
}

/* test_rule_ids - ids come back through id_r and are never reused. */
static void
test_rule_ids(void)
{
	struct route_actor who = {"tester", "rule add"};
	struct route_rule_def def = {0};
	struct route_error err;
	struct route_store *s;
	int64_t id = 0;

	if ((s = open_fresh(NULL)) == NULL)
		return;
	CHECK_INT(run(s, "domain add example.com", &err), 0);
	def.action = ROUTE_ACTION_DROP;
	def.enabled = true;
	def.match = "a@example.com";
	CHECK_INT(route_store_rule_add(s, &who, &def, &id, &err), 0);
	CHECK_INT(id, 1);
	def.match = "b@example.com";
	CHECK_INT(route_store_rule_add(s, &who, &def, &id, &err), 0);
	CHECK_INT(id, 2);
	CHECK_INT(run(s, "rule remove 2", &err), 0);
	def.match = "c@example.com";
	CHECK_INT(route_store_rule_add(s, &who, &def, &id, &err), 0);
	CHECK_INT(id, 3);
	id = 0;
	CHECK_INT(route_store_rule_add(s, &who, &def, &id, &err), -1);
	CHECK_INT(id, 0);
	close_case(&s);
}

int
main(void)
{
	test_open_create();
	test_open_refusals();
	test_concurrent_create();
	test_valid_changes();
	test_invalid_changes();
	test_lists();
	test_audit();
	test_load_lookup();
	test_two_handles();
	test_tighter_opts();
	test_rule_ids();
	return test_done();
}
