/*
 * bench/rules_store.c - the same rules loaded from a real SQLite store, as
 * the daemons do at start-up and after every change.  route_store_open
 * makes the schema and the API adds domains and destinations; the rules go
 * in with SQLite in one transaction, row for row as store_sqlite_rule.c
 * writes them, since each route_store_rule_add rebuilds the whole table.
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include <sqlite3.h>

#include <libroute/store.h>

#include "rules.h"

static const struct route_actor bench_actor = {"bench", "bench/rules"};

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
	fprintf(stderr, "bench/rules: bulk insert: %s: %s\n", what,
		sqlite3_errmsg(db));
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
	if (sqlite3_exec(db, "PRAGMA foreign_keys = ON; BEGIN IMMEDIATE", NULL,
			 NULL, NULL) != SQLITE_OK) {
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

/* file_bytes - size of path, 0 when it does not exist. */
static long long
file_bytes(const char *path)
{
	struct stat st;

	return stat(path, &st) == 0 ? (long long)st.st_size : 0;
}

/* remove_store - the store file, its WAL files and the directory. */
static void
remove_store(const char *dir, const char *path)
{
	static const char *const suffix[] = {"", "-wal", "-shm"};
	char name[4096 + 64];
	size_t i;

	for (i = 0; i < sizeof(suffix) / sizeof(suffix[0]); i++) {
		snprintf(name, sizeof(name), "%s%s", path, suffix[i]);
		if (unlink(name) == -1 && errno != ENOENT)
			fprintf(stderr, "bench/rules: remove %s: %s\n", name,
				strerror(errno));
	}
	if (rmdir(dir) == -1)
		fprintf(stderr, "bench/rules: remove %s: %s\n", dir,
			strerror(errno));
}

/* time_load - open the filled store and load it, as a daemon starts. */
static int
time_load(const char *uri, struct store_figures *f, struct route_table **t_r,
	  struct route_error *err)
{
	struct route_store *s;
	size_t before = heap();
	double t0 = now(), t1;

	if (route_store_open(uri, NULL, &s, err) == -1)
		return -1;
	t1 = now();
	if (route_store_load(s, t_r, NULL, err) == -1) {
		route_store_close(&s);
		return -1;
	}
	f->load = now() - t1;
	f->open = t1 - t0;
	/* Closed first, so what stays on the heap is the table alone. */
	route_store_close(&s);
	f->bytes = heap() - before;
	return 0;
}

/* bench_store - fill a store in a temporary directory, time its load. */
int
bench_store(unsigned long n, const char *hits, size_t nhit,
	    struct store_figures *f)
{
	const char *tmp = getenv("TMPDIR");
	char dir[4096], path[4096 + 16], uri[4096 + 32];
	struct route_table *t = NULL;
	struct route_error err;
	double t0;
	int rc = -1;

	memset(f, 0, sizeof(*f));
	if (tmp == NULL || *tmp == '\0')
		tmp = "/tmp";
	if (strlen(tmp) > sizeof(dir) - 32) {
		fprintf(stderr, "bench/rules: TMPDIR is too long\n");
		return -1;
	}
	snprintf(dir, sizeof(dir), "%s/route-bench.XXXXXX", tmp);
	if (mkdtemp(dir) == NULL) {
		fprintf(stderr, "bench/rules: %s: %s\n", dir, strerror(errno));
		return -1;
	}
	snprintf(path, sizeof(path), "%s/routes.db", dir);
	snprintf(uri, sizeof(uri), "sqlite:%s", path);
	t0 = now();
	if (fill_api(uri, &err) == -1) {
		fprintf(stderr, "bench/rules: store set-up: %s\n", err.msg);
		goto out;
	}
	f->setup = now() - t0;
	t0 = now();
	if (fill_bulk(path, n) == -1)
		goto out;
	f->bulk = now() - t0;
	/* The last connection closed: the WAL is folded into the file. */
	f->file = file_bytes(path);
	if (time_load(uri, f, &t, &err) == -1) {
		fprintf(stderr, "bench/rules: load from store: %s\n", err.msg);
		goto out;
	}
	f->nrules = route_table_rule_count(t);
	f->hit = time_lookups(t, hits, nhit, ROUTE_FORWARD, 1, &f->wrong);
	route_table_unref(&t);
	rc = 0;
out:
	remove_store(dir, path);
	return rc;
}
