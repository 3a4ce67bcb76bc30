/*
 * bench/policyd_store.c - the store route-policyd serves in bench/policyd:
 * the first domain, destination and rule through the store's API, all
 * the others as rows in one SQLite transaction, written as the store
 * writes them (the way bench/rules_store.c fills its store: one change
 * through the API is one transaction, synced to disk, and a rule added
 * rebuilds the table).  Unlike bench/rules, the store is kept for the
 * daemon to load.
 */
#include <stdbool.h>
#include <stdio.h>
#include <string.h>
#include <time.h>

#include <sqlite3.h>

#include <libroute/store.h>

#include "policyd.h"

#define NAME_LEN 64

static const struct route_actor bench_actor = {"bench", "bench/policyd"};

/* names - rule i's match string and destination. */
static void
names(unsigned long i, char *match, char *dest)
{
	snprintf(match, NAME_LEN, "user%lu@d%lu.example", i / PB_DOMAINS,
		 i % PB_DOMAINS);
	snprintf(dest, NAME_LEN, "person%lu@mail%lu.example", i % PB_DESTS,
		 i % PB_DESTS % 10);
}

/* fill_api - domain d0, its verified destination and rule 0. */
static int
fill_api(const char *uri)
{
	struct route_domain_def dom = {NULL, true, ROUTE_UNKNOWN_REJECT, true};
	char name[NAME_LEN], match[NAME_LEN];
	const char *dests[1] = {name};
	struct route_rule_def rule;
	struct route_store *s;
	struct route_error err;
	int rc = -1;

	if (route_store_open(uri, NULL, &s, &err) == -1)
		goto fail;
	dom.name = "d0.example";
	names(0, match, name);
	if (route_store_domain_add(s, &bench_actor, &dom, &err) == -1 ||
	    route_store_dest_add(s, &bench_actor, name, &err) == -1 ||
	    route_store_dest_verify(s, &bench_actor, name, &err) == -1)
		goto fail;
	memset(&rule, 0, sizeof(rule));
	rule.match = match;
	rule.action = ROUTE_ACTION_FORWARD;
	rule.dests = dests;
	rule.ndests = 1;
	rule.enabled = true;
	if (route_store_rule_add(s, &bench_actor, &rule, NULL, &err) == -1)
		goto fail;
	rc = 0;
	goto out;
fail:
	fprintf(stderr, "bench/policyd: store: %s\n", err.msg);
out:
	route_store_close(&s);
	return rc;
}

/* sql_fail - why the bulk insert failed; -1. */
static int
sql_fail(sqlite3 *db, const char *what)
{
	fprintf(stderr, "bench/policyd: bulk insert: %s: %s\n", what,
		sqlite3_errmsg(db));
	return -1;
}

/* sql_rows - run st for domains (dests false) or destinations 1..n-1,
 * binding the name and created. */
static int
sql_rows(sqlite3 *db, sqlite3_stmt *st, bool dests, unsigned long n,
	 sqlite3_int64 created)
{
	char match[NAME_LEN], dest[NAME_LEN];
	unsigned long i;

	for (i = 1; i < n; i++) {
		names(i, match, dest);
		sqlite3_bind_text(st, 1, dests ? dest : strchr(match, '@') + 1,
				  -1, SQLITE_STATIC);
		sqlite3_bind_int64(st, 2, created);
		if (sqlite3_step(st) != SQLITE_DONE)
			return sql_fail(db, dests ? "destination row"
						  : "domain row");
		sqlite3_reset(st);
	}
	return 0;
}

/* fill_bulk - the other domains and verified destinations, rules 1..n-1,
 * and the generation bumped, in one transaction. */
static int
fill_bulk(const char *path, unsigned long n)
{
	char match[NAME_LEN], dest[NAME_LEN];
	sqlite3_stmt *rs = NULL, *ds = NULL, *dom = NULL, *dst = NULL;
	sqlite3_int64 created = time(NULL);
	unsigned long i;
	sqlite3 *db = NULL;
	int rc = -1;

	if (sqlite3_open_v2(path, &db, SQLITE_OPEN_READWRITE, NULL) !=
		SQLITE_OK ||
	    sqlite3_exec(db, "PRAGMA foreign_keys = ON; BEGIN IMMEDIATE", NULL,
			 NULL, NULL) != SQLITE_OK) {
		sql_fail(db, "begin");
		goto out;
	}
	if (sqlite3_prepare_v2(db,
			       "INSERT INTO domains (name, enabled, unknown,"
			       " subaddress, created)"
			       " VALUES (?1, 1, 'reject', 1, ?2)",
			       -1, &dom, NULL) != SQLITE_OK ||
	    sqlite3_prepare_v2(db,
			       "INSERT INTO destinations (addr, created,"
			       " verified_at) VALUES (?1, ?2, ?2)",
			       -1, &dst, NULL) != SQLITE_OK ||
	    sqlite3_prepare_v2(
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
	if (sql_rows(db, dom, false, PB_DOMAINS, created) == -1 ||
	    sql_rows(db, dst, true, PB_DESTS, created) == -1)
		goto out;
	for (i = 1; i < n; i++) {
		names(i, match, dest);
		sqlite3_bind_text(rs, 1, match, -1, SQLITE_STATIC);
		sqlite3_bind_text(rs, 2, strchr(match, '@') + 1, -1,
				  SQLITE_STATIC);
		sqlite3_bind_int64(rs, 3, created);
		if (sqlite3_step(rs) != SQLITE_DONE) {
			sql_fail(db, "rules row");
			goto out;
		}
		sqlite3_reset(rs);
		sqlite3_bind_int64(ds, 1, sqlite3_last_insert_rowid(db));
		sqlite3_bind_text(ds, 2, dest, -1, SQLITE_STATIC);
		if (sqlite3_step(ds) != SQLITE_DONE) {
			sql_fail(db, "rule_dests row");
			goto out;
		}
		sqlite3_reset(ds);
	}
	if (sqlite3_exec(db,
			 "UPDATE meta SET generation = generation + 1"
			 " WHERE id = 1; COMMIT",
			 NULL, NULL, NULL) != SQLITE_OK) {
		sql_fail(db, "commit");
		goto out;
	}
	rc = 0;
out:
	sqlite3_finalize(dom);
	sqlite3_finalize(dst);
	sqlite3_finalize(rs);
	sqlite3_finalize(ds);
	if (rc == -1 && db != NULL)
		sqlite3_exec(db, "ROLLBACK", NULL, NULL, NULL);
	sqlite3_close(db);
	return rc;
}

/* pb_fill_store - the whole store. */
int
pb_fill_store(const char *path, unsigned long nrules)
{
	char uri[4200];

	snprintf(uri, sizeof(uri), "sqlite:%s", path);
	if (fill_api(uri) == -1)
		return -1;
	return fill_bulk(path, nrules);
}
