/*
 * store_sqlite_list.c - the listings milter-ctl shows: domains,
 * destinations, rules and the audit trail, read from the SQLite store into
 * plain arrays in the order store.h promises.  Each listing is one
 * statement, so it is one consistent read.
 */
#include <stdlib.h>
#include <string.h>

#include <libroute/alloc.h>
#include <libroute/store.h>

#include "store_sqlite.h"

/*
 * A listing being read: n elements of size bytes, and how to free what one
 * element owns.  The four listings differ only in their columns, so one
 * reader serves them all.
 */
struct listing {
	void *items;
	size_t n, cap, size;
	void (*clear)(void *item);
};

/* listing_add - a new zeroed element at the end of l. */
static void *
listing_add(struct listing *l)
{
	void *item;

	if (l->n == l->cap) {
		l->cap = l->cap ? l->cap * 2 : 16;
		l->items = route_xrealloc(l->items, l->cap * l->size);
	}
	item = (char *)l->items + l->n++ * l->size;
	memset(item, 0, l->size);
	return item;
}

/* free_items - clear each of n elements of size bytes, then free them. */
static void
free_items(void *items, size_t n, size_t size, void (*clear)(void *item))
{
	size_t i;

	if (items == NULL)
		return;
	for (i = 0; i < n; i++)
		clear((char *)items + i * size);
	free(items);
}

/*
 * read_listing - every row of st (NULL after a failed store_stmt) through
 * row into l.  On failure what was read is freed and l left empty.
 */
static int
read_listing(struct route_store *s, sqlite3_stmt *st,
	     int (*row)(struct route_store *, sqlite3_stmt *, void *,
			struct route_error *),
	     struct listing *l, struct route_error *err)
{
	if (store_rows(s, st, row, l, err) == 0)
		return 0;
	free_items(l->items, l->n, l->size, l->clear);
	l->items = NULL;
	l->n = 0;
	return -1;
}

/* domain_row - one domain from name, enabled, unknown, subaddress, created. */
static int
domain_row(struct route_store *s, sqlite3_stmt *st, void *l,
	   struct route_error *err)
{
	struct route_store_domain *d = listing_add(l);

	d->name = store_text(st, 0);
	d->enabled = sqlite3_column_int(st, 1) != 0;
	d->unknown =
	    strcmp((const char *)sqlite3_column_text(st, 2), "pass") == 0
		? ROUTE_UNKNOWN_PASS
		: ROUTE_UNKNOWN_REJECT;
	d->subaddress = sqlite3_column_int(st, 3) != 0;
	d->created = sqlite3_column_int64(st, 4);
	return 0;
}

/* domain_clear - free what one listed domain owns. */
static void
domain_clear(void *item)
{
	struct route_store_domain *d = item;

	free(d->name);
}

/* route_store_domain_list - every domain, by name. */
int
route_store_domain_list(struct route_store *s,
			struct route_store_domain **list_r, size_t *n_r,
			struct route_error *err)
{
	struct listing l = {.size = sizeof(**list_r), .clear = domain_clear};
	sqlite3_stmt *st;
	int rc;

	st = store_stmt(
	    s, err,
	    "SELECT name, enabled, unknown, subaddress, created FROM domains"
	    " ORDER BY name",
	    "");
	rc = read_listing(s, st, domain_row, &l, err);
	*list_r = l.items;
	*n_r = l.n;
	return rc;
}

/* route_store_domain_list_free - free a domain listing; sets *list NULL. */
void
route_store_domain_list_free(struct route_store_domain **list, size_t n)
{
	free_items(*list, n, sizeof(**list), domain_clear);
	*list = NULL;
}

/* dest_row - one destination from addr, created, verified_at. */
static int
dest_row(struct route_store *s, sqlite3_stmt *st, void *l,
	 struct route_error *err)
{
	struct route_store_dest *d = listing_add(l);

	d->addr = store_text(st, 0);
	d->created = sqlite3_column_int64(st, 1);
	d->verified_at = sqlite3_column_int64(st, 2);
	d->verified = d->verified_at != 0;
	return 0;
}

/* dest_clear - free what one listed destination owns. */
static void
dest_clear(void *item)
{
	struct route_store_dest *d = item;

	free(d->addr);
}

/* route_store_dest_list - every destination, by address. */
int
route_store_dest_list(struct route_store *s, struct route_store_dest **list_r,
		      size_t *n_r, struct route_error *err)
{
	struct listing l = {.size = sizeof(**list_r), .clear = dest_clear};
	sqlite3_stmt *st;
	int rc;

	st = store_stmt(
	    s, err,
	    "SELECT addr, created, verified_at FROM destinations ORDER BY addr",
	    "");
	rc = read_listing(s, st, dest_row, &l, err);
	*list_r = l.items;
	*n_r = l.n;
	return rc;
}

/* route_store_dest_list_free - free a destination listing. */
void
route_store_dest_list_free(struct route_store_dest **list, size_t n)
{
	free_items(*list, n, sizeof(**list), dest_clear);
	*list = NULL;
}

/*
 * rule_row - a rule with several destinations comes as several
 * consecutive rows of the join, one per destination in order: the first
 * row of an id makes the rule, every row adds its destination.
 */
static int
rule_row(struct route_store *s, sqlite3_stmt *st, void *ctx,
	 struct route_error *err)
{
	struct listing *l = ctx;
	struct route_store_rule *r = NULL;
	int64_t id = sqlite3_column_int64(st, 0);

	if (l->n > 0)
		r = (struct route_store_rule *)l->items + l->n - 1;
	if (r == NULL || r->id != id) {
		r = listing_add(l);
		r->id = id;
		r->match = store_text(st, 1);
		if (route_action_parse((const char *)sqlite3_column_text(st, 2),
				       &r->action) == -1)
			return route_error_set(
			    err, ROUTE_ESYS,
			    "store %s: rule %lld has an unknown action",
			    s->path, (long long)id);
		r->text = store_text(st, 3);
		r->enabled = sqlite3_column_int(st, 4) != 0;
		r->priority = sqlite3_column_int(st, 5);
		r->comment = store_text(st, 6);
		r->created = sqlite3_column_int64(st, 7);
	}
	if (sqlite3_column_type(st, 8) != SQLITE_NULL) {
		r->dests = route_xrealloc(r->dests,
					  (r->ndests + 1) * sizeof(*r->dests));
		r->dests[r->ndests++] = store_text(st, 8);
	}
	return 0;
}

/* rule_clear - free what one listed rule owns. */
static void
rule_clear(void *item)
{
	struct route_store_rule *r = item;
	size_t j;

	for (j = 0; j < r->ndests; j++)
		free(r->dests[j]);
	free(r->dests);
	free(r->match);
	free(r->text);
	free(r->comment);
}

/*
 * route_store_rule_list - every rule by domain, then exact, pattern,
 * catch-all, then match.
 */
int
route_store_rule_list(struct route_store *s, struct route_store_rule **list_r,
		      size_t *n_r, struct route_error *err)
{
	struct listing l = {.size = sizeof(**list_r), .clear = rule_clear};
	sqlite3_stmt *st;
	int rc;

	st = store_stmt(
	    s, err,
	    "SELECT r.id, r.match, r.action, r.text, r.enabled,"
	    " r.priority, r.comment, r.created, d.addr"
	    " FROM rules r LEFT JOIN rule_dests d ON d.rule_id = r.id"
	    " ORDER BY r.domain, r.kind, r.match, r.id, d.pos",
	    "");
	rc = read_listing(s, st, rule_row, &l, err);
	*list_r = l.items;
	*n_r = l.n;
	return rc;
}

/* route_store_rule_list_free - free a rule listing. */
void
route_store_rule_list_free(struct route_store_rule **list, size_t n)
{
	free_items(*list, n, sizeof(**list), rule_clear);
	*list = NULL;
}

/* audit_row - one change from id, time, user, command, old and new value. */
static int
audit_row(struct route_store *s, sqlite3_stmt *st, void *l,
	  struct route_error *err)
{
	struct route_audit_entry *a = listing_add(l);

	a->id = sqlite3_column_int64(st, 0);
	a->time = sqlite3_column_int64(st, 1);
	a->user = store_text(st, 2);
	a->command = store_text(st, 3);
	a->old_value = store_text(st, 4);
	a->new_value = store_text(st, 5);
	return 0;
}

/* audit_clear - free what one listed change owns. */
static void
audit_clear(void *item)
{
	struct route_audit_entry *a = item;

	free(a->user);
	free(a->command);
	free(a->old_value);
	free(a->new_value);
}

/* route_store_audit_list - the newest limit entries (0: all), oldest first. */
int
route_store_audit_list(struct route_store *s, size_t limit,
		       struct route_audit_entry **list_r, size_t *n_r,
		       struct route_error *err)
{
	struct listing l = {.size = sizeof(**list_r), .clear = audit_clear};
	sqlite3_stmt *st;
	int rc;

	st = store_stmt(
	    s, err,
	    "SELECT * FROM (SELECT id, time, user, command, old_value,"
	    " new_value FROM audit ORDER BY id DESC LIMIT ?) ORDER BY id",
	    "i",
	    limit == 0 || limit > INT64_MAX ? (int64_t)-1 : (int64_t)limit);
	rc = read_listing(s, st, audit_row, &l, err);
	*list_r = l.items;
	*n_r = l.n;
	return rc;
}

/* route_store_audit_list_free - free an audit listing. */
void
route_store_audit_list_free(struct route_audit_entry **list, size_t n)
{
	free_items(*list, n, sizeof(**list), audit_clear);
	*list = NULL;
}
