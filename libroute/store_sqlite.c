/*
 * store_sqlite.c - the SQLite store: opening (creating and migrating the
 * schema), the change counter, and the statement and transaction helpers
 * the other store_sqlite_*.c files share.  Loading a rule table is in
 * store_sqlite_load.c, changes in store_sqlite_change.c (domains and
 * destinations) and store_sqlite_rule.c, listings in store_sqlite_list.c.
 */
#include <sys/stat.h>

#include <errno.h>
#include <libgen.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include <libroute/addr.h>
#include <libroute/alloc.h>
#include <libroute/store.h>

#include "store_sqlite.h"

#define BUSY_TIMEOUT_MS 5000
#define SCHEME_CHARS                                                           \
	"abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789+.-"

/*
 * migrations[N] takes a store from schema version N to N + 1, so a new file
 * (version 0) is created by the same path that upgrades an old one.  All
 * steps needed run in one transaction.  Never edit a step once released:
 * append one.
 *
 * rules.kind is the enum route_match value (0 exact, 1 pattern, 2 catch-all)
 * kept for sorting listings; rules.domain is the domain part of the match.
 * AUTOINCREMENT so that a removed rule's id is never given to a new rule: the
 * audit trail and people's notes keep meaning what they said.
 */
static const char *const migrations[] = {
    /* 0 -> 1 */
    "CREATE TABLE meta ("
    "  id INTEGER PRIMARY KEY CHECK (id = 1),"
    "  generation INTEGER NOT NULL);"
    "INSERT INTO meta (id, generation) VALUES (1, 0);"
    "CREATE TABLE domains ("
    "  name TEXT PRIMARY KEY,"
    "  enabled INTEGER NOT NULL,"
    "  unknown TEXT NOT NULL CHECK (unknown IN ('reject', 'pass')),"
    "  subaddress INTEGER NOT NULL,"
    "  created INTEGER NOT NULL) WITHOUT ROWID;"
    "CREATE TABLE destinations ("
    "  addr TEXT PRIMARY KEY,"
    "  created INTEGER NOT NULL,"
    "  verified_at INTEGER NOT NULL DEFAULT 0) WITHOUT ROWID;"
    "CREATE TABLE rules ("
    "  id INTEGER PRIMARY KEY AUTOINCREMENT,"
    "  match TEXT NOT NULL UNIQUE,"
    "  domain TEXT NOT NULL REFERENCES domains (name),"
    "  kind INTEGER NOT NULL CHECK (kind IN (0, 1, 2)),"
    "  action TEXT NOT NULL CHECK (action IN ('forward', 'drop', 'reject')),"
    "  text TEXT,"
    "  enabled INTEGER NOT NULL,"
    "  priority INTEGER NOT NULL,"
    "  comment TEXT,"
    "  created INTEGER NOT NULL);"
    "CREATE INDEX rules_by_domain ON rules (domain, kind, match);"
    "CREATE TABLE rule_dests ("
    "  rule_id INTEGER NOT NULL REFERENCES rules (id) ON DELETE CASCADE,"
    "  pos INTEGER NOT NULL,"
    "  addr TEXT NOT NULL,"
    "  PRIMARY KEY (rule_id, pos)) WITHOUT ROWID;"
    "CREATE INDEX rule_dests_by_addr ON rule_dests (addr);"
    "CREATE TABLE audit ("
    "  id INTEGER PRIMARY KEY AUTOINCREMENT,"
    "  time INTEGER NOT NULL,"
    "  user TEXT NOT NULL,"
    "  command TEXT NOT NULL,"
    "  old_value TEXT,"
    "  new_value TEXT);",
    /* 1 -> 2: senders too long for an SRS local part (store_sqlite_srs.c) */
    "CREATE TABLE srs_aliases ("
    "  key TEXT PRIMARY KEY,"
    "  sender TEXT NOT NULL,"
    "  expires INTEGER NOT NULL) WITHOUT ROWID;"
    "CREATE INDEX srs_aliases_by_expiry ON srs_aliases (expires);",
};

_Static_assert(sizeof(migrations) / sizeof(migrations[0]) ==
		   ROUTE_STORE_SCHEMA_VERSION,
	       "one migration step per schema version");

/*
 * store_fail - ROUTE_ESYS with the path, what failed and SQLite's reason;
 * for file errors also the system's, which SQLite's words leave out
 * ("unable to open database file" does not say "Permission denied").
 */
int
store_fail(struct route_store *s, struct route_error *err, const char *what)
{
	int sys = sqlite3_system_errno(s->db);
	int code = sqlite3_errcode(s->db) & 0xff;

	if (sys != 0 && (code == SQLITE_CANTOPEN || code == SQLITE_IOERR))
		return route_error_set(err, ROUTE_ESYS, "store %s: %s: %s (%s)",
				       s->path, what, sqlite3_errmsg(s->db),
				       strerror(sys));
	return route_error_set(err, ROUTE_ESYS, "store %s: %s: %s", s->path,
			       what, sqlite3_errmsg(s->db));
}

/* bind_args - bind the arguments described by types (see store_stmt). */
static int
bind_args(sqlite3_stmt *st, const char *types, va_list ap)
{
	int i, rc = SQLITE_OK;
	const char *t;

	for (i = 1; types[i - 1] != '\0' && rc == SQLITE_OK; i++) {
		switch (types[i - 1]) {
		case 't':
			t = va_arg(ap, const char *);
			rc = t ? sqlite3_bind_text(st, i, t, -1, SQLITE_STATIC)
			       : sqlite3_bind_null(st, i);
			break;
		case 'i':
			rc = sqlite3_bind_int64(st, i, va_arg(ap, int64_t));
			break;
		case 'b':
			rc = sqlite3_bind_int(st, i, va_arg(ap, int) != 0);
			break;
		default:
			abort();
		}
	}
	return rc;
}

/* vstmt - store_stmt with a va_list. */
static sqlite3_stmt *
vstmt(struct route_store *s, struct route_error *err, const char *sql,
      const char *types, va_list ap)
{
	sqlite3_stmt *st;

	if (sqlite3_prepare_v2(s->db, sql, -1, &st, NULL) != SQLITE_OK) {
		store_fail(s, err, "prepare");
		return NULL;
	}
	if (bind_args(st, types, ap) != SQLITE_OK) {
		store_fail(s, err, "bind");
		sqlite3_finalize(st);
		return NULL;
	}
	return st;
}

/* store_stmt - prepare and bind. */
sqlite3_stmt *
store_stmt(struct route_store *s, struct route_error *err, const char *sql,
	   const char *types, ...)
{
	sqlite3_stmt *st;
	va_list ap;

	va_start(ap, types);
	st = vstmt(s, err, sql, types, ap);
	va_end(ap);
	return st;
}

/* store_step - one step; SQLITE_ROW, SQLITE_DONE or -1. */
int
store_step(struct route_store *s, sqlite3_stmt *st, struct route_error *err)
{
	int rc = sqlite3_step(st);

	if (rc == SQLITE_ROW || rc == SQLITE_DONE)
		return rc;
	return store_fail(s, err, "query");
}

/*
 * vquery - prepare, bind and step sql: to the end when val_r is NULL, else
 * to the first row, whose first column goes to *val_r.  SQLITE_ROW,
 * SQLITE_DONE or -1.
 */
static int
vquery(struct route_store *s, struct route_error *err, int64_t *val_r,
       const char *sql, const char *types, va_list ap)
{
	sqlite3_stmt *st = vstmt(s, err, sql, types, ap);
	int rc;

	if (st == NULL)
		return -1;
	while ((rc = store_step(s, st, err)) == SQLITE_ROW && val_r == NULL)
		;
	if (rc == SQLITE_ROW)
		*val_r = sqlite3_column_int64(st, 0);
	sqlite3_finalize(st);
	return rc;
}

/* store_run - prepare, bind, run to the end. */
int
store_run(struct route_store *s, struct route_error *err, const char *sql,
	  const char *types, ...)
{
	va_list ap;
	int rc;

	va_start(ap, types);
	rc = vquery(s, err, NULL, sql, types, ap);
	va_end(ap);
	return rc == SQLITE_DONE ? 0 : -1;
}

/* store_int - first column of the first row as an integer. */
int
store_int(struct route_store *s, struct route_error *err, int64_t *val_r,
	  const char *sql, const char *types, ...)
{
	va_list ap;
	int rc;

	va_start(ap, types);
	rc = vquery(s, err, val_r, sql, types, ap);
	va_end(ap);
	return rc == SQLITE_ROW ? 1 : rc == SQLITE_DONE ? 0 : -1;
}

/* store_rows - every row of st through row, then finalize st. */
int
store_rows(struct route_store *s, sqlite3_stmt *st,
	   int (*row)(struct route_store *, sqlite3_stmt *, void *,
		      struct route_error *),
	   void *ctx, struct route_error *err)
{
	int rc;

	if (st == NULL)
		return -1;
	while ((rc = store_step(s, st, err)) == SQLITE_ROW)
		if (row(s, st, ctx, err) == -1) {
			rc = -1;
			break;
		}
	sqlite3_finalize(st);
	return rc == SQLITE_DONE ? 0 : -1;
}

/* store_text - malloc'ed copy of a text column, NULL for NULL. */
char *
store_text(sqlite3_stmt *st, int i)
{
	return route_xstrdup((const char *)sqlite3_column_text(st, i));
}

/* store_begin - take the write lock now, so checks and writes agree. */
int
store_begin(struct route_store *s, struct route_error *err)
{
	if (sqlite3_exec(s->db, "BEGIN IMMEDIATE", NULL, NULL, NULL) !=
	    SQLITE_OK)
		return store_fail(s, err, "begin transaction");
	return 0;
}

/* store_rollback - discard the transaction. */
void
store_rollback(struct route_store *s)
{
	if (!sqlite3_get_autocommit(s->db))
		sqlite3_exec(s->db, "ROLLBACK", NULL, NULL, NULL);
}

/* commit_write - COMMIT the write transaction, or roll it back; 0 or -1. */
static int
commit_write(struct route_store *s, struct route_error *err)
{
	if (sqlite3_exec(s->db, "COMMIT", NULL, NULL, NULL) == SQLITE_OK)
		return 0;
	store_fail(s, err, "commit");
	store_rollback(s);
	return -1;
}

/* store_commit - generation, audit row, COMMIT; rolls back on failure. */
int
store_commit(struct route_store *s, const struct route_actor *who,
	     const char *old_value, const char *new_value,
	     struct route_error *err)
{
	const char *user = who && who->user ? who->user : "";
	const char *command = who && who->command ? who->command : "";

	if (store_run(
		s, err,
		"UPDATE meta SET generation = generation + 1 WHERE id = 1",
		"") == -1 ||
	    store_run(
		s, err,
		"INSERT INTO audit (time, user, command, old_value, new_value)"
		" VALUES (?, ?, ?, ?, ?)",
		"itttt", (int64_t)time(NULL), user, command, old_value,
		new_value) == -1) {
		store_rollback(s);
		return -1;
	}
	return commit_write(s, err);
}

/*
 * store_finish - commit a change that succeeded, roll back one that did not
 * or that left its object as it was (equal descriptions): a new generation
 * makes every daemon rebuild its whole table, for nothing.  Frees both
 * values.
 */
int
store_finish(struct route_store *s, const struct route_actor *who, int rc,
	     char *old_value, char *new_value, struct route_error *err)
{
	if (rc == 0 && old_value != NULL && new_value != NULL &&
	    strcmp(old_value, new_value) == 0)
		store_rollback(s);
	else if (rc == 0)
		rc = store_commit(s, who, old_value, new_value, err);
	else
		store_rollback(s);
	free(old_value);
	free(new_value);
	return rc;
}

/* store_check_build - refuse a change after which no table would build. */
int
store_check_build(struct route_store *s, struct route_error *err)
{
	struct route_table *t;

	if (store_build(s, &t, err) == -1)
		return -1;
	route_table_unref(&t);
	return 0;
}

/* exec_sql - run a statement without arguments or rows; 0 or -1. */
static int
exec_sql(struct route_store *s, const char *sql, struct route_error *err)
{
	if (sqlite3_exec(s->db, sql, NULL, NULL, NULL) != SQLITE_OK)
		return store_fail(s, err, sql);
	return 0;
}

/*
 * check_repair - the table does not build after the change just made
 * (why); refuse it when it built before (found by rolling back to the
 * savepoint), else make it again (args) and let it through.
 */
static int
check_repair(struct route_store *s, const struct route_error *why,
	     const char *sql, const char *types, va_list args,
	     struct route_error *err)
{
	struct route_error before;

	if (exec_sql(s, "ROLLBACK TO change", err) == -1)
		return -1;
	if (store_check_build(s, &before) == 0) {
		if (err != NULL)
			*err = *why;
		return -1;
	}
	if (before.code == ROUTE_ESYS) {
		if (err != NULL)
			*err = before;
		return -1;
	}
	return vquery(s, err, NULL, sql, types, args) == SQLITE_DONE ? 0 : -1;
}

/* store_run_checked - store_run, then prove the table still builds. */
int
store_run_checked(struct route_store *s, bool strict, struct route_error *err,
		  const char *sql, const char *types, ...)
{
	struct route_error why;
	va_list ap, again;
	int rc;

	if (exec_sql(s, "SAVEPOINT change", err) == -1)
		return -1;
	va_start(ap, types);
	va_copy(again, ap);
	rc = vquery(s, err, NULL, sql, types, ap) == SQLITE_DONE ? 0 : -1;
	if (rc == 0 && sqlite3_changes(s->db) > 0 &&
	    store_check_build(s, &why) == -1) {
		if (strict || why.code == ROUTE_ESYS) {
			if (err != NULL)
				*err = why;
			rc = -1;
		} else
			rc = check_repair(s, &why, sql, types, again, err);
	}
	va_end(again);
	va_end(ap);
	return rc == 0 ? exec_sql(s, "RELEASE change", err) : -1;
}

/* store_norm_mailbox - a mailbox as stored: "local@domain", A-label. */
int
store_norm_mailbox(const char *addr, char **addr_r, struct route_error *err)
{
	struct route_addr a;

	if (route_addr_parse(addr, &a, err) == -1)
		return -1;
	if (a.null_path || a.domain == NULL) {
		route_addr_free(&a);
		return route_error_set(
		    err, ROUTE_EINVAL,
		    "destination \"%s\" is not a mailbox (user@domain)", addr);
	}
	*addr_r = route_addr_format(&a);
	route_addr_free(&a);
	return 0;
}

/* store_find_dest - the stored spelling of a destination. */
int
store_find_dest(struct route_store *s, const char *addr, char **stored_r,
		struct route_error *err)
{
	sqlite3_stmt *st;
	int rc;

	st = store_stmt(s, err,
			s->opts.case_sensitive
			    ? "SELECT addr FROM destinations WHERE addr = ?1"
			    : "SELECT addr FROM destinations WHERE addr = ?1"
			      " UNION ALL SELECT addr FROM destinations"
			      " WHERE addr = ?1 COLLATE NOCASE AND addr != ?1",
			"t", addr);
	if (st == NULL)
		return -1;
	if ((rc = store_step(s, st, err)) == SQLITE_ROW)
		*stored_r = store_text(st, 0);
	sqlite3_finalize(st);
	return rc == SQLITE_ROW ? 1 : rc == SQLITE_DONE ? 0 : -1;
}

/* schema_version - PRAGMA user_version: 0 for a new, empty file. */
static int
schema_version(struct route_store *s, int64_t *v_r, struct route_error *err)
{
	return store_int(s, err, v_r, "PRAGMA user_version", "") == 1 ? 0 : -1;
}

/* too_new - the refusal for a store written by a newer program. */
static int
too_new(struct route_store *s, int64_t v, struct route_error *err)
{
	return route_error_set(
	    err, ROUTE_ESCHEMA,
	    "store %s has schema version %lld; this program understands up to "
	    "%d: upgrade route-milter",
	    s->path, (long long)v, ROUTE_STORE_SCHEMA_VERSION);
}

/*
 * migrate - bring the schema to ROUTE_STORE_SCHEMA_VERSION.  Several
 * processes may open a new file at once: the version is read again under
 * the write lock, so whoever comes second finds the work done.
 */
static int
migrate(struct route_store *s, struct route_error *err)
{
	char sql[64];
	int64_t v, tables;

	if (store_begin(s, err) == -1)
		return -1;
	if (schema_version(s, &v, err) == -1)
		goto fail;
	if (v > ROUTE_STORE_SCHEMA_VERSION) {
		too_new(s, v, err);
		goto fail;
	}
	if (v == 0) {
		if (store_int(s, err, &tables,
			      "SELECT count(*) FROM sqlite_master", "") != 1)
			goto fail;
		if (tables > 0) {
			route_error_set(
			    err, ROUTE_ESCHEMA,
			    "store %s is not a route-milter store: it has "
			    "tables but no schema version",
			    s->path);
			goto fail;
		}
	}
	for (; v < ROUTE_STORE_SCHEMA_VERSION; v++) {
		if (sqlite3_exec(s->db, migrations[v], NULL, NULL, NULL) !=
		    SQLITE_OK) {
			store_fail(s, err, "schema upgrade");
			goto fail;
		}
	}
	snprintf(sql, sizeof(sql), "PRAGMA user_version = %d",
		 ROUTE_STORE_SCHEMA_VERSION);
	if (store_run(s, err, sql, "") == -1)
		goto fail;
	return commit_write(s, err);
fail:
	store_rollback(s);
	return -1;
}

/*
 * journal_wal - switch the file to WAL, which lets the daemons read while
 * milter-ctl writes.  The mode is kept in the file, so this only has work
 * to do on a new store.  Connections that switch at the same moment each
 * hold a shared lock and want an exclusive one; SQLite answers "busy"
 * without waiting rather than deadlock, so back off (by a different amount
 * in each process) and retry for as long as the busy timeout.  A file
 * system that cannot do WAL is an error, not a silent fallback to a mode
 * where readers block writers.
 */
static int
journal_wal(struct route_store *s, struct route_error *err)
{
	const char *mode;
	int rc, waited = 0, attempt = 0, pause;
	sqlite3_stmt *st;

	st = store_stmt(s, err, "PRAGMA journal_mode = WAL", "");
	if (st == NULL)
		return -1;
	while ((rc = sqlite3_step(st)) != SQLITE_ROW &&
	       (rc & 0xff) == SQLITE_BUSY && waited < BUSY_TIMEOUT_MS) {
		sqlite3_reset(st);
		pause = 5 + (int)(((unsigned)getpid() * 31u +
				   (unsigned)attempt++ * 17u) %
				  40u);
		sqlite3_sleep(pause);
		waited += pause;
	}
	if (rc != SQLITE_ROW)
		rc = store_fail(s, err, "set WAL journal mode");
	else if ((mode = (const char *)sqlite3_column_text(st, 0)) == NULL ||
		 strcmp(mode, "wal") != 0)
		rc = route_error_set(
		    err, ROUTE_ESYS,
		    "store %s: cannot use WAL journal mode (got %s)", s->path,
		    mode ? mode : "nothing");
	else
		rc = 0;
	sqlite3_finalize(st);
	return rc;
}

/* set_pragmas - WAL, foreign keys, and the durability WAL makes safe. */
static int
set_pragmas(struct route_store *s, struct route_error *err)
{
	if (journal_wal(s, err) == -1 ||
	    store_run(s, err, "PRAGMA foreign_keys = ON", "") == -1 ||
	    store_run(s, err, "PRAGMA synchronous = NORMAL", "") == -1)
		return -1;
	return 0;
}

/*
 * uri_path - the file name in uri ("sqlite:PATH" or a plain PATH).  Any
 * other "scheme://" is refused rather than taken for a relative file name.
 */
static const char *
uri_path(const char *uri, struct route_error *err)
{
	const char *sep = strstr(uri, "://"), *p = uri;

	if (strncmp(uri, "sqlite:", 7) == 0)
		p = uri + 7;
	else if (sep != NULL && sep > uri &&
		 strspn(uri, SCHEME_CHARS) == (size_t)(sep - uri)) {
		route_error_set(
		    err, ROUTE_EINVAL,
		    "store %s: unknown store type (use sqlite:PATH)", uri);
		return NULL;
	}
	if (*p == '\0') {
		route_error_set(err, ROUTE_EINVAL, "store \"%s\": no file name",
				uri);
		return NULL;
	}
	return p;
}

/*
 * check_dir - the store's directory must exist: creating it is the
 * installer's job (owner and mode matter), and SQLite's own message for
 * this case does not say which directory.
 */
static int
check_dir(const char *path, struct route_error *err)
{
	char *copy = route_xstrdup(path);
	const char *dir = dirname(copy);
	struct stat sb;
	int rc = 0;

	if (stat(dir, &sb) == -1)
		rc = route_error_set(err, ROUTE_ESYS,
				     "store %s: directory %s: %s", path, dir,
				     strerror(errno));
	else if (!S_ISDIR(sb.st_mode))
		rc = route_error_set(err, ROUTE_ESYS, "store %s: %s: %s", path,
				     dir, strerror(ENOTDIR));
	free(copy);
	return rc;
}

/* route_store_open - open or create the store, migrate, prepare. */
int
route_store_open(const char *uri, const struct route_table_opts *opts,
		 struct route_store **store_r, struct route_error *err)
{
	struct route_store *s;
	const char *path;
	int64_t v;

	*store_r = NULL;
	if ((path = uri_path(uri, err)) == NULL || check_dir(path, err) == -1)
		return -1;
	s = route_xcalloc(1, sizeof(*s));
	s->path = route_xstrdup(path);
	if (opts != NULL)
		s->opts = *opts;
	else
		route_table_opts_init(&s->opts);
	s->delims = route_xstrdup(s->opts.delimiters);
	s->opts.delimiters = s->delims;

	if (sqlite3_open_v2(path, &s->db,
			    SQLITE_OPEN_READWRITE | SQLITE_OPEN_CREATE |
				SQLITE_OPEN_NOMUTEX,
			    NULL) != SQLITE_OK) {
		if (s->db == NULL)
			route_error_set(err, ROUTE_ESYS,
					"store %s: out of memory", path);
		else
			store_fail(s, err, "open");
		goto fail;
	}
	sqlite3_extended_result_codes(s->db, 1);
	sqlite3_busy_timeout(s->db, BUSY_TIMEOUT_MS);
	/* Refuse a newer store before touching it in any way. */
	if (schema_version(s, &v, err) == -1)
		goto fail;
	if (v > ROUTE_STORE_SCHEMA_VERSION) {
		too_new(s, v, err);
		goto fail;
	}
	if (set_pragmas(s, err) == -1)
		goto fail;
	if (v < ROUTE_STORE_SCHEMA_VERSION && migrate(s, err) == -1)
		goto fail;
	if (sqlite3_prepare_v3(
		s->db, "SELECT generation FROM meta WHERE id = 1", -1,
		SQLITE_PREPARE_PERSISTENT, &s->gen_stmt, NULL) != SQLITE_OK) {
		store_fail(s, err, "prepare");
		goto fail;
	}
	*store_r = s;
	return 0;
fail:
	route_store_close(&s);
	return -1;
}

/* route_store_close - finalize, close, free. */
void
route_store_close(struct route_store **store)
{
	struct route_store *s = *store;

	if (s == NULL)
		return;
	sqlite3_finalize(s->gen_stmt);
	sqlite3_close(s->db);
	free(s->delims);
	free(s->path);
	free(s);
	*store = NULL;
}

/* route_store_generation - the change counter, one indexed read. */
int
route_store_generation(struct route_store *s, uint64_t *gen_r,
		       struct route_error *err)
{
	int rc = store_step(s, s->gen_stmt, err);

	if (rc == SQLITE_ROW)
		*gen_r = (uint64_t)sqlite3_column_int64(s->gen_stmt, 0);
	else if (rc == SQLITE_DONE)
		rc = route_error_set(err, ROUTE_ESYS,
				     "store %s: the meta row is missing",
				     s->path);
	sqlite3_reset(s->gen_stmt);
	return rc == SQLITE_ROW ? 0 : -1;
}
