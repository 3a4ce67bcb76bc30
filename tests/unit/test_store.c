/*
 * test_store.c - the SQLite store against real files: creating, reopening
 * and refusing schemas, concurrent creation, loading a table that decides
 * as the stored rules say, two handles, options that no longer fit, rule
 * ids.  Changes, refusals, listings and the audit: test_store_change.c.
 */
#include <sys/wait.h>

#include <sqlite3.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <libroute/alloc.h>
#include <libroute/store.h>

#include "test_store.h"

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
	check_pragma("user_version", "2");
	CHECK_INT(run(s, "domain add example.com", &err), 0);
	route_store_close(&s);
	CHECK(s == NULL);
	route_store_close(&s);

	/* reopen by plain path */
	CHECK_INT(route_store_open(db, NULL, &s, &err), 0);
	CHECK_INT(generation(s), 1);
	check_pragma("journal_mode", "wal");
	check_pragma("user_version", "2");
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
	    "2: upgrade route-milter",
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

/* rule_enabled - 1 or 0 for the stored rule with match, -1 if none. */
static int
rule_enabled(struct route_store *s, const char *match)
{
	struct route_store_rule *rl;
	size_t rn, i;
	int found = -1;

	if (route_store_rule_list(s, &rl, &rn, NULL) == -1)
		return -1;
	for (i = 0; i < rn; i++)
		if (strcmp(rl[i].match, match) == 0)
			found = rl[i].enabled;
	route_store_rule_list_free(&rl, rn);
	return found;
}

/*
 * test_tighter_opts - options that no longer fit the stored rules (smaller
 * max_depth, case-insensitive over case-distinct rules): load says which
 * store and why, additions and switching on are refused, and removing,
 * disabling or changing a domain setting still works (and is done) even
 * while the table does not build yet.
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
	    "rule add z@example.com drop --disabled",
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
	uint64_t gen;

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
	CHECK_INT(run(s, "rule enable z@example.com", &err), -1);
	CHECK_INT(err.code, ROUTE_ECYCLE);
	CHECK_INT(rule_enabled(s, "z@example.com"), 0);
	gen = generation(s);
	/* still too deep afterwards (b, c, d), but not refused: and done */
	CHECK_INT(run(s, "rule disable a@example.com", &err), 0);
	CHECK_INT(rule_enabled(s, "a@example.com"), 0);
	/* letting unknown addresses pass can switch forwards on: strict */
	CHECK_INT(run(s, "domain set example.com unknown pass", &err), -1);
	CHECK_INT(err.code, ROUTE_ECYCLE);
	CHECK_INT(run(s, "domain set example.com subaddress off", &err), 0);
	CHECK_INT(generation(s), gen + 2);
	CHECK_INT(route_store_load(s, &tab, NULL, &err), -1);
	CHECK_INT(run(s, "rule remove b@example.com", &err), 0);
	CHECK_INT(rule_enabled(s, "b@example.com"), -1);
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

/*
 * test_match_spelling - a match is stored, listed, reported by a lookup
 * and found by removal in one spelling, whichever spelling it was given.
 */
static void
test_match_spelling(void)
{
	static const char *const cmds[] = {
	    "domain add example.com",
	    "rule add a..*@Example.COM drop",
	    NULL,
	};
	static const char *const quoted = "\"a..*\"@example.com";
	struct route_store_rule *rl;
	struct route_decision d;
	struct route_table *tab;
	struct route_error err;
	struct route_store *s;
	size_t rn;

	if ((s = open_fresh(NULL)) == NULL || !setup(s, cmds)) {
		close_case(&s);
		return;
	}
	CHECK_INT(route_store_rule_list(s, &rl, &rn, &err), 0);
	CHECK_INT(rn, 1);
	if (rn == 1)
		CHECK_STR(rl[0].match, quoted);
	route_store_rule_list_free(&rl, rn);
	CHECK_INT(route_store_load(s, &tab, NULL, &err), 0);
	if (tab != NULL) {
		CHECK_INT(
		    route_table_lookup(tab, "\"a..b\"@example.com", &d, &err),
		    0);
		CHECK_INT(d.verdict, ROUTE_DROP);
		CHECK_STR(d.rule_match, quoted);
		route_decision_clear(&d);
		route_table_unref(&tab);
	}
	/* the spelling given first, then the table's */
	CHECK_INT(run(s, "rule remove a..*@example.com", &err), 0);
	CHECK_INT(run(s, "rule add a..*@example.com drop", &err), 0);
	CHECK_INT(route_store_rule_remove(s, NULL, quoted, &err), 0);
	CHECK_INT(route_store_rule_list(s, &rl, &rn, &err), 0);
	CHECK_INT(rn, 0);
	route_store_rule_list_free(&rl, rn);
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

/* test_migrate_v1 - a store written with schema 1 (before SRS aliases)
 * opens, gains the alias table and keeps its routing data. */
static void
test_migrate_v1(void)
{
	struct route_error err;
	struct route_store *s;
	char *sender = NULL;

	if ((s = open_fresh(NULL)) == NULL)
		return;
	CHECK_INT(run(s, "domain add example.com", &err), 0);
	route_store_close(&s);
	CHECK_INT(file_exec(db, "DROP TABLE srs_aliases; "
				"PRAGMA user_version = 1"),
		  0);
	check_pragma("user_version", "1");
	CHECK_INT(route_store_open(db, NULL, &s, &err), 0);
	check_pragma("user_version", "2");
	CHECK_INT(generation(s), 1);
	CHECK_INT(
	    route_store_srs_alias_put(s, "ab", "x@example.org", 100, &err), 0);
	CHECK_INT(route_store_srs_alias_get(s, "ab", 50, &sender, &err), 0);
	CHECK_STR(sender, "x@example.org");
	free(sender);
	close_case(&s);
}

/* test_srs_aliases - keep, replace, expire and purge; none of it is a
 * routing change. */
static void
test_srs_aliases(void)
{
	struct route_srs_aliases a;
	struct route_error err;
	struct route_store *s;
	char *sender = NULL;
	uint64_t n = 99;

	if ((s = open_fresh(NULL)) == NULL)
		return;
	route_store_srs_aliases(s, &a);
	CHECK(a.ctx == s);
	CHECK_INT(a.put(a.ctx, "k1", "first@example.org", 1000, &err), 0);
	CHECK_INT(a.put(a.ctx, "k2", "second@example.org", 2000, &err), 0);
	CHECK_INT(a.get(a.ctx, "k1", 1000, &sender, &err), 0);
	CHECK_STR(sender, "first@example.org");
	free(sender);
	sender = NULL;
	/* expired at 1001: not returned, though still there until purged */
	CHECK_INT(a.get(a.ctx, "k1", 1001, &sender, &err), 1);
	CHECK(sender == NULL);
	CHECK_INT(a.get(a.ctx, "nope", 0, &sender, &err), 1);
	/* the same key again: newer sender, the later expiry wins */
	CHECK_INT(a.put(a.ctx, "k1", "again@example.org", 500, &err), 0);
	CHECK_INT(a.get(a.ctx, "k1", 900, &sender, &err), 0);
	CHECK_STR(sender, "again@example.org");
	free(sender);
	sender = NULL;
	CHECK_INT(route_store_srs_alias_purge(s, 1500, &n, &err), 0);
	CHECK_INT(n, 1);
	CHECK_INT(route_store_srs_alias_get(s, "k1", 0, &sender, &err), 1);
	CHECK_INT(route_store_srs_alias_get(s, "k2", 1500, &sender, &err), 0);
	CHECK_STR(sender, "second@example.org");
	free(sender);
	CHECK_INT(route_store_srs_alias_purge(s, 1500, NULL, &err), 0);
	/* aliases are not routing: the generation did not move */
	CHECK_INT(generation(s), 0);
	close_case(&s);
}

int
main(void)
{
	test_open_create();
	test_open_refusals();
	test_concurrent_create();
	test_load_lookup();
	test_two_handles();
	test_tighter_opts();
	test_match_spelling();
	test_rule_ids();
	test_migrate_v1();
	test_srs_aliases();
	return test_done();
}
