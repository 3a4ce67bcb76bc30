/*
 * bench/ruleset.c - the rule set bench/rules and bench/policyd both
 * measure, and the SQLite store that holds it.  route_store_open makes the
 * schema and the API adds the domains, the destinations and rule 0; the
 * other rules go in with SQLite in one transaction, row for row as
 * store_sqlite_rule.c writes them, since each route_store_rule_add
 * rebuilds the whole table.
 */
#include <stdio.h>
#include <string.h>
#include <time.h>

#include <sqlite3.h>

#include <libroute/store.h>

#include "ruleset.h"

/* dest_name - destination i of the pool. */
void
dest_name(unsigned i, char *buf)
{
	snprintf(buf, ADDR_LEN, "person%u@mail%u.example", i, i % 10);
}

/* rule_names - rule i: user(i / NDOMAINS) in domain i % NDOMAINS. */
void
rule_names(unsigned long i, char *match, char *dest)
{
	snprintf(match, ADDR_LEN, "user%lu@d%lu.example", i / NDOMAINS,
		 i % NDOMAINS);
	dest_name((unsigned)(i % NDESTS), dest);
}

static const struct route_actor bench_actor = {"bench", "bench"};

/*
 * fill_api - the domains, the verified destinations and rule 0 through the
 * store's API, so the bulk rows sit beside a rule the store wrote itself.
 */
static int
fill_api(const char *uri, struct route_error *err)
{
	struct route_domain_def dom = {NULL, true, ROUTE_UNKNOWN_REJECT, true};
	char name[ADDR_LEN], match[ADDR_LEN];
	const char *dests[1] = {name};
	struct route_rule_def rule;
	struct route_store *s;
	unsigned i;
	int rc = -1;

	if (route_store_open(uri, NULL, &s, err) == -1)
		return -1;
	dom.name = name;
	for (i = 0; i < NDOMAINS; i++) {
		snprintf(name, sizeof(name), "d%u.example", i);
		if (route_store_domain_add(s, &bench_actor, &dom, err) == -1)
			goto out;
	}
	for (i = 0; i < NDESTS; i++) {
		dest_name(i, name);
		if (route_store_dest_add(s, &bench_actor, name, err) == -1 ||
		    route_store_dest_verify(s, &bench_actor, name, err) == -1)
			goto out;
	}
	memset(&rule, 0, sizeof(rule));
	rule_names(0, match, name);
	rule.match = match;
	rule.action = ROUTE_ACTION_FORWARD;
	rule.dests = dests;
	rule.ndests = 1;
	rule.enabled = true;
	rc = route_store_rule_add(s, &bench_actor, &rule, NULL, err);
out:
	route_store_close(&s);
	return rc;
}

/* sql_fail - say which step of the bulk insert failed and why; -1. */
static int
sql_fail(sqlite3 *db, const char *what)
{
	fprintf(stderr, "bulk insert: %s: %s\n", what, sqlite3_errmsg(db));
	return -1;
}

/* bulk_row - one rule row and its destination row, as insert_rule does
 * for an exact forward rule. */
static int
bulk_row(sqlite3 *db, sqlite3_stmt *rs, sqlite3_stmt *ds, unsigned long i,
	 sqlite3_int64 created)
{
	char match[ADDR_LEN], dest[ADDR_LEN];

	rule_names(i, match, dest);
	sqlite3_bind_text(rs, 1, match, -1, SQLITE_STATIC);
	sqlite3_bind_text(rs, 2, strchr(match, '@') + 1, -1, SQLITE_STATIC);
	sqlite3_bind_int64(rs, 3, created);
	if (sqlite3_step(rs) != SQLITE_DONE)
		return sql_fail(db, "rules row");
	sqlite3_reset(rs);
	sqlite3_bind_int64(ds, 1, sqlite3_last_insert_rowid(db));
	sqlite3_bind_text(ds, 2, dest, -1, SQLITE_STATIC);
	if (sqlite3_step(ds) != SQLITE_DONE)
		return sql_fail(db, "rule_dests row");
	sqlite3_reset(ds);
	return 0;
}

/*
 * fill_bulk - rules 1..n-1 in one transaction, foreign keys checked as the
 * store checks them, and the change counter bumped once as for any change
 * so a running daemon would notice.
 */
static int
fill_bulk(const char *path, unsigned long n)
{
	sqlite3_stmt *rs = NULL, *ds = NULL;
	sqlite3_int64 created = time(NULL);
	unsigned long i;
	sqlite3 *db;
	int rc = -1;

	if (sqlite3_open_v2(path, &db, SQLITE_OPEN_READWRITE, NULL) !=
	    SQLITE_OK) {
		sql_fail(db, "open");
		sqlite3_close(db);
		return -1;
	}
	/* A 64 MiB page cache: with the default 2 MiB, a million rows in one
	 * transaction spill pages over and over, and the process (unless it
	 * has already grown its heap, as bench/rules has by then) spends
	 * more time faulting fresh memory in than inserting: 44 s against
	 * 14 s for a million rules. */
	if (sqlite3_exec(db,
			 "PRAGMA foreign_keys = ON; PRAGMA cache_size = -65536;"
			 " BEGIN IMMEDIATE",
			 NULL, NULL, NULL) != SQLITE_OK) {
		sql_fail(db, "begin");
		goto out;
	}
	if (sqlite3_prepare_v2(
		db,
		"INSERT INTO rules (match, domain, kind, action, text, enabled,"
		" priority, comment, created)"
		" VALUES (?1, ?2, 0, 'forward', NULL, 1, 0, NULL, ?3)",
		-1, &rs, NULL) != SQLITE_OK ||
	    sqlite3_prepare_v2(db,
			       "INSERT INTO rule_dests (rule_id, pos, addr)"
			       " VALUES (?1, 0, ?2)",
			       -1, &ds, NULL) != SQLITE_OK) {
		sql_fail(db, "prepare");
		goto out;
	}
	for (i = 1; i < n; i++)
		if (bulk_row(db, rs, ds, i, created) == -1)
			goto out;
	if (sqlite3_exec(db,
			 "UPDATE meta SET generation = generation + 1"
			 " WHERE id = 1; COMMIT",
			 NULL, NULL, NULL) != SQLITE_OK) {
		sql_fail(db, "commit");
		goto out;
	}
	rc = 0;
out:
	sqlite3_finalize(rs);
	sqlite3_finalize(ds);
	if (rc == -1)
		sqlite3_exec(db, "ROLLBACK", NULL, NULL, NULL);
	sqlite3_close(db);
	return rc;
}

/* bench_now - monotonic seconds. */
static double
bench_now(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return ts.tv_sec + ts.tv_nsec / 1e9;
}

/* ruleset_store - the whole store, each half timed. */
int
ruleset_store(const char *path, unsigned long n, double *setup_r,
	      double *bulk_r)
{
	char uri[4200];
	struct route_error err;
	double t0 = bench_now();

	snprintf(uri, sizeof(uri), "sqlite:%s", path);
	if (fill_api(uri, &err) == -1) {
		fprintf(stderr, "store set-up: %s\n", err.msg);
		return -1;
	}
	*setup_r = bench_now() - t0;
	t0 = bench_now();
	if (fill_bulk(path, n) == -1)
		return -1;
	*bulk_r = bench_now() - t0;
	return 0;
}
