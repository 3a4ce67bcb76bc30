/*
 * store_sqlite_srs.c - SRS aliases in the SQLite store: senders too long
 * for an SRS local part, kept under a short key until they expire.
 *
 * These rows are not routing data: they are written by the daemons while
 * mail flows, so they neither move the change counter (that would make
 * every daemon rebuild its rule table) nor go into the audit table.
 * Expired rows are never returned; the daemons delete them from time to
 * time with route_store_srs_alias_purge.
 */
#include <stdlib.h>

#include <libroute/store.h>

#include "store_sqlite.h"

/* route_store_srs_alias_put - keep sender under key until expires. */
int
route_store_srs_alias_put(struct route_store *s, const char *key,
			  const char *sender, int64_t expires,
			  struct route_error *err)
{
	if (store_run(s, err,
		      "INSERT INTO srs_aliases (key, sender, expires) "
		      "VALUES (?, ?, ?) ON CONFLICT (key) DO UPDATE SET "
		      "sender = excluded.sender, expires = "
		      "max(expires, excluded.expires)",
		      "tti", key, sender, expires) == -1)
		return -1;
	return 0;
}

/* route_store_srs_alias_get - the unexpired sender of key. */
int
route_store_srs_alias_get(struct route_store *s, const char *key, int64_t now,
			  char **sender_r, struct route_error *err)
{
	sqlite3_stmt *st;
	int rc;

	st = store_stmt(s, err,
			"SELECT sender FROM srs_aliases WHERE key = ? AND "
			"expires >= ?",
			"ti", key, now);
	if (st == NULL)
		return -1;
	rc = store_step(s, st, err);
	if (rc == SQLITE_ROW)
		*sender_r = store_text(st, 0);
	sqlite3_finalize(st);
	if (rc == -1)
		return -1;
	return rc == SQLITE_ROW && *sender_r != NULL ? 0 : 1;
}

/* route_store_srs_alias_purge - delete every entry expired at now. */
int
route_store_srs_alias_purge(struct route_store *s, int64_t now, uint64_t *n_r,
			    struct route_error *err)
{
	if (store_run(s, err, "DELETE FROM srs_aliases WHERE expires < ?", "i",
		      now) == -1)
		return -1;
	if (n_r != NULL)
		*n_r = (uint64_t)sqlite3_changes(s->db);
	return 0;
}

/* alias_put / alias_get - the route_srs_aliases callbacks. */
static int
alias_put(void *ctx, const char *key, const char *sender, int64_t expires,
	  struct route_error *err)
{
	return route_store_srs_alias_put(ctx, key, sender, expires, err);
}

static int
alias_get(void *ctx, const char *key, int64_t now, char **sender_r,
	  struct route_error *err)
{
	return route_store_srs_alias_get(ctx, key, now, sender_r, err);
}

/* route_store_srs_aliases - the callbacks over s. */
void
route_store_srs_aliases(struct route_store *s, struct route_srs_aliases *a_r)
{
	a_r->put = alias_put;
	a_r->get = alias_get;
	a_r->ctx = s;
}
