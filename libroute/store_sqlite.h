/*
 * store_sqlite.h - what the files of the SQLite store share: the handle and
 * small helpers around prepared statements and transactions.  Private to
 * libroute (not installed); the public contract is include/libroute/store.h.
 */
#ifndef LIBROUTE_STORE_SQLITE_H
#define LIBROUTE_STORE_SQLITE_H

#include <sqlite3.h>

#include <libroute/store.h>

struct route_store {
	sqlite3 *db;
	char *path;
	struct route_table_opts opts; /* opts.delimiters points to delims */
	char *delims;
	sqlite3_stmt *gen_stmt; /* prepared once: polled every second */
};

/*
 * store_fail - record a ROUTE_ESYS error "store PATH: WHAT: sqlite reason"
 * from the handle's last error; always -1.
 */
int store_fail(struct route_store *s, struct route_error *err,
	       const char *what);

/*
 * store_stmt - prepare sql and bind the arguments described by types, one
 * letter each: 't' const char * (NULL binds NULL), 'i' int64_t, 'b' int
 * (stored 0/1).  Returns the statement or NULL with err set.
 */
sqlite3_stmt *store_stmt(struct route_store *s, struct route_error *err,
			 const char *sql, const char *types, ...);

/*
 * store_step - step st; returns SQLITE_ROW, SQLITE_DONE or -1 with err set
 * (a constraint failure is reported as a system error: every refusal a
 * person can cause is checked before the write).
 */
int store_step(struct route_store *s, sqlite3_stmt *st,
	       struct route_error *err);

/* store_run - prepare, bind (see store_stmt), run to completion; 0 or -1. */
int store_run(struct route_store *s, struct route_error *err, const char *sql,
	      const char *types, ...);

/*
 * store_int - run a query whose first row's first column is an integer.
 * Returns 1 with *val_r, 0 when there is no row, or -1 with err set.
 */
int store_int(struct route_store *s, struct route_error *err, int64_t *val_r,
	      const char *sql, const char *types, ...);

/*
 * store_rows - step st to its end, calling row(s, st, ctx, err) for each
 * row, and finalize st.  A row returning -1 (with err set) stops the walk.
 * st may be NULL, for a store_stmt that failed (err is set already).
 * Returns 0 when every row was taken, else -1.
 */
int store_rows(struct route_store *s, sqlite3_stmt *st,
	       int (*row)(struct route_store *, sqlite3_stmt *, void *,
			  struct route_error *),
	       void *ctx, struct route_error *err);

/* store_text - copy of column i of st's current row (NULL stays NULL). */
char *store_text(sqlite3_stmt *st, int i);

/* store_begin - BEGIN IMMEDIATE: take the write lock before reading. */
int store_begin(struct route_store *s, struct route_error *err);

/*
 * store_commit - bump the generation, append the audit row (old_value NULL
 * for a creation, new_value NULL for a removal) and COMMIT.  On failure the
 * transaction is rolled back and -1 returned.
 */
int store_commit(struct route_store *s, const struct route_actor *who,
		 const char *old_value, const char *new_value,
		 struct route_error *err);

/* store_rollback - give up the open transaction, keeping nothing. */
void store_rollback(struct route_store *s);

/*
 * store_finish - the end of a change begun with store_begin: when rc is 0,
 * store_commit with the two audit values, else roll back.  A change whose
 * two values are equal left its object as it was: it is rolled back too,
 * and still returns 0, so it leaves no audit row and the generation (which
 * makes every daemon rebuild its table) does not move.  Frees old_value
 * and new_value; returns 0 or -1.
 */
int store_finish(struct route_store *s, const struct route_actor *who, int rc,
		 char *old_value, char *new_value, struct route_error *err);

/* store_check_build - -1 with the builder's reason when no rule table would
 * build from what the handle sees now. */
int store_check_build(struct route_store *s, struct route_error *err);

/*
 * store_run_checked - store_run (inside a transaction), then, if the
 * statement changed a row, check that a rule table still builds.  strict:
 * refused unless it builds, for what adds or switches on.  Otherwise
 * refused only when a table built before the statement and does not after
 * it: taking a rule away can close a loop (the address it caught falls
 * through to a catch-all that leads back), but a store that tighter
 * options have made unbuildable must stay repairable.  Refusals carry the
 * builder's reason; 0 or -1.
 */
int store_run_checked(struct route_store *s, bool strict,
		      struct route_error *err, const char *sql,
		      const char *types, ...);

/*
 * store_norm_mailbox - a destination as stored: route_addr_parse, then
 * route_addr_format ("local@domain", domain lower-case A-label).  The null
 * path and domain-less addresses are refused.  0 with malloc'ed *addr_r.
 */
int store_norm_mailbox(const char *addr, char **addr_r,
		       struct route_error *err);

/*
 * store_find_dest - look a destination up as the rule table would: exactly,
 * or, unless the table is case-sensitive, ignoring the case of ASCII
 * letters (an exact spelling wins).  Returns 1 with the stored spelling in
 * malloc'ed *stored_r, 0 when unknown, -1 on error.
 */
int store_find_dest(struct route_store *s, const char *addr, char **stored_r,
		    struct route_error *err);

/*
 * store_build - a rule table from what the handle sees now (inside a write
 * transaction: including its uncommitted changes).  Builder refusals come
 * back unchanged so a person sees why a change was refused.
 */
int store_build(struct route_store *s, struct route_table **table_r,
		struct route_error *err);

#endif
