/*
 * store_sqlite_load.c - reading the SQLite store into a rule table, for
 * the daemons (route_store_load) and for the check every change makes
 * before it commits (store_build).  Loading a million rules is a start-up
 * and reload cost, so rows go straight from SQLite into the builder
 * without an allocation per row.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <libroute/alloc.h>
#include <libroute/store.h>

#include "store_sqlite.h"

/*
 * Scratch space for one rule's destinations while the destination cursor
 * moves on: SQLite's column text is only valid until the next step, and the
 * builder wants all of a rule's destinations at once.  Grows to the largest
 * rule and is reused, so loading costs no allocation per rule.
 */
struct dest_scratch {
	char *buf;
	size_t len, cap;
	size_t *off;
	const char **ptr;
	size_t n, ncap;
};

/* scratch_add - append one destination. */
static void
scratch_add(struct dest_scratch *d, const char *addr, size_t len)
{
	if (d->len + len + 1 > d->cap) {
		d->cap = (d->len + len + 1) * 2;
		d->buf = route_xrealloc(d->buf, d->cap);
	}
	if (d->n == d->ncap) {
		d->ncap = d->ncap ? d->ncap * 2 : 8;
		d->off = route_xrealloc(d->off, d->ncap * sizeof(*d->off));
		d->ptr = route_xrealloc(d->ptr, d->ncap * sizeof(*d->ptr));
	}
	memcpy(d->buf + d->len, addr, len);
	d->buf[d->len + len] = '\0';
	d->off[d->n++] = d->len;
	d->len += len + 1;
}

/* scratch_ptrs - the array of destinations, once the buffer stops moving. */
static const char *const *
scratch_ptrs(struct dest_scratch *d)
{
	size_t i;

	for (i = 0; i < d->n; i++)
		d->ptr[i] = d->buf + d->off[i];
	return d->ptr;
}

/* col - column i as a C string (NULL for SQL NULL). */
static const char *
col(sqlite3_stmt *st, int i)
{
	return (const char *)sqlite3_column_text(st, i);
}

/* add_domain - the domain in st's row into the builder b. */
static int
add_domain(struct route_store *s, sqlite3_stmt *st, void *b,
	   struct route_error *err)
{
	struct route_domain_def def;

	def.name = col(st, 0);
	def.enabled = sqlite3_column_int(st, 1) != 0;
	def.unknown = strcmp(col(st, 2), "pass") == 0 ? ROUTE_UNKNOWN_PASS
						      : ROUTE_UNKNOWN_REJECT;
	def.subaddress = sqlite3_column_int(st, 3) != 0;
	return route_table_builder_add_domain(b, &def, err);
}

/* build_domains - every domain into the builder. */
static int
build_domains(struct route_store *s, struct route_table_builder *b,
	      struct route_error *err)
{
	sqlite3_stmt *st = store_stmt(
	    s, err, "SELECT name, enabled, unknown, subaddress FROM domains",
	    "");

	return store_rows(s, st, add_domain, b, err);
}

/* add_dest - the destination in st's row into the builder b. */
static int
add_dest(struct route_store *s, sqlite3_stmt *st, void *b,
	 struct route_error *err)
{
	struct route_dest_def def;

	def.addr = col(st, 0);
	def.verified = sqlite3_column_int64(st, 1) != 0;
	return route_table_builder_add_dest(b, &def, err);
}

/* build_dests - every registered destination into the builder. */
static int
build_dests(struct route_store *s, struct route_table_builder *b,
	    struct route_error *err)
{
	sqlite3_stmt *st = store_stmt(
	    s, err, "SELECT addr, verified_at FROM destinations", "");

	return store_rows(s, st, add_dest, b, err);
}

/*
 * build_rules - every rule into the builder.  Two cursors ordered by rule
 * id walk rules and rule_dests side by side (a merge join), so each row is
 * read once and the rule's own columns stay valid while its destinations
 * are gathered.
 */
static int
build_rules(struct route_store *s, struct route_table_builder *b,
	    struct route_error *err)
{
	struct dest_scratch d = {0};
	struct route_rule_def def;
	sqlite3_stmt *rs, *ds = NULL;
	int rc, drc = SQLITE_DONE;
	const char *addr;
	int64_t id;

	rs = store_stmt(
	    s, err,
	    "SELECT id, match, action, text, enabled, priority, comment"
	    " FROM rules ORDER BY id",
	    "");
	if (rs == NULL)
		return -1;
	ds = store_stmt(
	    s, err,
	    "SELECT rule_id, addr FROM rule_dests ORDER BY rule_id, pos", "");
	if (ds == NULL || (drc = store_step(s, ds, err)) == -1) {
		rc = -1;
		goto out;
	}
	while ((rc = store_step(s, rs, err)) == SQLITE_ROW) {
		id = sqlite3_column_int64(rs, 0);
		d.n = d.len = 0;
		while (drc == SQLITE_ROW && sqlite3_column_int64(ds, 0) <= id) {
			if (sqlite3_column_int64(ds, 0) == id) {
				/* text first: bytes then counts that form */
				addr = col(ds, 1);
				scratch_add(
				    &d, addr,
				    (size_t)sqlite3_column_bytes(ds, 1));
			}
			drc = store_step(s, ds, err);
		}
		if (drc == -1) {
			rc = -1;
			break;
		}
		def.id = id;
		def.match = col(rs, 1);
		if (route_action_parse(col(rs, 2), &def.action) == -1) {
			rc = route_error_set(
			    err, ROUTE_ESYS,
			    "store %s: rule %lld has an unknown action",
			    s->path, (long long)id);
			break;
		}
		def.text = col(rs, 3);
		def.enabled = sqlite3_column_int(rs, 4) != 0;
		def.priority = sqlite3_column_int(rs, 5);
		def.comment = col(rs, 6);
		def.dests = scratch_ptrs(&d);
		def.ndests = d.n;
		if (route_table_builder_add_rule(b, &def, err) == -1) {
			rc = -1;
			break;
		}
	}
out:
	sqlite3_finalize(ds);
	sqlite3_finalize(rs);
	free(d.buf);
	free(d.off);
	free(d.ptr);
	return rc == SQLITE_DONE ? 0 : -1;
}

/* store_build - domains, then destinations and rules, then finish. */
int
store_build(struct route_store *s, struct route_table **table_r,
	    struct route_error *err)
{
	struct route_table_builder *b = route_table_builder_new(&s->opts);

	if (build_domains(s, b, err) == -1 || build_dests(s, b, err) == -1 ||
	    build_rules(s, b, err) == -1) {
		route_table_builder_free(&b);
		return -1;
	}
	*table_r = route_table_builder_finish(&b, err);
	return *table_r ? 0 : -1;
}

/*
 * route_store_load - one read transaction, so the generation and the rows
 * agree even while another process commits.
 */
int
route_store_load(struct route_store *s, struct route_table **table_r,
		 uint64_t *gen_r, struct route_error *err)
{
	char why[ROUTE_ERROR_MAX];
	uint64_t gen;

	*table_r = NULL;
	if (sqlite3_exec(s->db, "BEGIN", NULL, NULL, NULL) != SQLITE_OK)
		return store_fail(s, err, "begin transaction");
	if (route_store_generation(s, &gen, err) == -1)
		goto fail;
	if (store_build(s, table_r, err) == -1) {
		/* A builder refusal here means the stored rules do not fit
		 * the options this program runs with; say which store. */
		if (err != NULL && err->code != ROUTE_ESYS) {
			snprintf(why, sizeof(why), "%s", err->msg);
			route_error_set(err, err->code, "store %s: %s", s->path,
					why);
		}
		goto fail;
	}
	if (sqlite3_exec(s->db, "COMMIT", NULL, NULL, NULL) != SQLITE_OK) {
		store_fail(s, err, "end transaction");
		route_table_unref(table_r);
		goto fail;
	}
	if (gen_r != NULL)
		*gen_r = gen;
	return 0;
fail:
	store_rollback(s);
	return -1;
}
