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

/* grow - make room for one more element in a listing array. */
static void *
grow(void *list, size_t n, size_t *cap, size_t size)
{
	if (n < *cap)
		return list;
	*cap = *cap ? *cap * 2 : 16;
	return route_xrealloc(list, *cap * size);
}

/* route_store_domain_list - every domain, by name. */
int
route_store_domain_list(struct route_store *s,
			struct route_store_domain **list_r, size_t *n_r,
			struct route_error *err)
{
	struct route_store_domain *list = NULL, *d;
	size_t n = 0, cap = 0;
	sqlite3_stmt *st;
	int rc;

	*list_r = NULL;
	*n_r = 0;
	st = store_stmt(
	    s, err,
	    "SELECT name, enabled, unknown, subaddress, created FROM domains"
	    " ORDER BY name",
	    "");
	if (st == NULL)
		return -1;
	while ((rc = store_step(s, st, err)) == SQLITE_ROW) {
		list = grow(list, n, &cap, sizeof(*list));
		d = &list[n++];
		d->name = store_text(st, 0);
		d->enabled = sqlite3_column_int(st, 1) != 0;
		d->unknown = strcmp((const char *)sqlite3_column_text(st, 2),
				    "pass") == 0
				 ? ROUTE_UNKNOWN_PASS
				 : ROUTE_UNKNOWN_REJECT;
		d->subaddress = sqlite3_column_int(st, 3) != 0;
		d->created = sqlite3_column_int64(st, 4);
	}
	sqlite3_finalize(st);
	if (rc != SQLITE_DONE) {
		route_store_domain_list_free(&list, n);
		return -1;
	}
	*list_r = list;
	*n_r = n;
	return 0;
}

/* route_store_domain_list_free - free a domain listing; sets *list NULL. */
void
route_store_domain_list_free(struct route_store_domain **list, size_t n)
{
	size_t i;

	if (*list == NULL)
		return;
	for (i = 0; i < n; i++)
		free((*list)[i].name);
	free(*list);
	*list = NULL;
}

/* route_store_dest_list - every destination, by address. */
int
route_store_dest_list(struct route_store *s, struct route_store_dest **list_r,
		      size_t *n_r, struct route_error *err)
{
	struct route_store_dest *list = NULL, *d;
	size_t n = 0, cap = 0;
	sqlite3_stmt *st;
	int rc;

	*list_r = NULL;
	*n_r = 0;
	st = store_stmt(
	    s, err,
	    "SELECT addr, created, verified_at FROM destinations ORDER BY addr",
	    "");
	if (st == NULL)
		return -1;
	while ((rc = store_step(s, st, err)) == SQLITE_ROW) {
		list = grow(list, n, &cap, sizeof(*list));
		d = &list[n++];
		d->addr = store_text(st, 0);
		d->created = sqlite3_column_int64(st, 1);
		d->verified_at = sqlite3_column_int64(st, 2);
		d->verified = d->verified_at != 0;
	}
	sqlite3_finalize(st);
	if (rc != SQLITE_DONE) {
		route_store_dest_list_free(&list, n);
		return -1;
	}
	*list_r = list;
	*n_r = n;
	return 0;
}

/* route_store_dest_list_free - free a destination listing. */
void
route_store_dest_list_free(struct route_store_dest **list, size_t n)
{
	size_t i;

	if (*list == NULL)
		return;
	for (i = 0; i < n; i++)
		free((*list)[i].addr);
	free(*list);
	*list = NULL;
}

/*
 * route_store_rule_list - every rule by domain, then exact, pattern,
 * catch-all, then match.  A rule with several destinations comes as
 * several consecutive rows of the join, one per destination in order.
 */
int
route_store_rule_list(struct route_store *s, struct route_store_rule **list_r,
		      size_t *n_r, struct route_error *err)
{
	struct route_store_rule *list = NULL, *r = NULL;
	size_t n = 0, cap = 0, dcap = 0;
	sqlite3_stmt *st;
	int64_t id;
	int rc;

	*list_r = NULL;
	*n_r = 0;
	st = store_stmt(
	    s, err,
	    "SELECT r.id, r.match, r.action, r.text, r.enabled, r.priority,"
	    " r.comment, r.created, d.addr"
	    " FROM rules r LEFT JOIN rule_dests d ON d.rule_id = r.id"
	    " ORDER BY r.domain, r.kind, r.match, r.id, d.pos",
	    "");
	if (st == NULL)
		return -1;
	while ((rc = store_step(s, st, err)) == SQLITE_ROW) {
		id = sqlite3_column_int64(st, 0);
		if (r == NULL || r->id != id) {
			list = grow(list, n, &cap, sizeof(*list));
			r = &list[n++];
			memset(r, 0, sizeof(*r));
			r->id = id;
			r->match = store_text(st, 1);
			if (route_action_parse(
				(const char *)sqlite3_column_text(st, 2),
				&r->action) == -1) {
				rc = route_error_set(
				    err, ROUTE_ESYS,
				    "store %s: rule %lld has an unknown action",
				    s->path, (long long)id);
				break;
			}
			r->text = store_text(st, 3);
			r->enabled = sqlite3_column_int(st, 4) != 0;
			r->priority = sqlite3_column_int(st, 5);
			r->comment = store_text(st, 6);
			r->created = sqlite3_column_int64(st, 7);
			dcap = 0;
		}
		if (sqlite3_column_type(st, 8) != SQLITE_NULL) {
			r->dests =
			    grow(r->dests, r->ndests, &dcap, sizeof(*r->dests));
			r->dests[r->ndests++] = store_text(st, 8);
		}
	}
	sqlite3_finalize(st);
	if (rc != SQLITE_DONE) {
		route_store_rule_list_free(&list, n);
		return -1;
	}
	*list_r = list;
	*n_r = n;
	return 0;
}

/* route_store_rule_list_free - free a rule listing. */
void
route_store_rule_list_free(struct route_store_rule **list, size_t n)
{
	struct route_store_rule *r;
	size_t i, j;

	if (*list == NULL)
		return;
	for (i = 0; i < n; i++) {
		r = &(*list)[i];
		for (j = 0; j < r->ndests; j++)
			free(r->dests[j]);
		free(r->dests);
		free(r->match);
		free(r->text);
		free(r->comment);
	}
	free(*list);
	*list = NULL;
}

/* route_store_audit_list - the newest limit entries (0: all), oldest first. */
int
route_store_audit_list(struct route_store *s, size_t limit,
		       struct route_audit_entry **list_r, size_t *n_r,
		       struct route_error *err)
{
	struct route_audit_entry *list = NULL, *a;
	size_t n = 0, cap = 0;
	sqlite3_stmt *st;
	int rc;

	*list_r = NULL;
	*n_r = 0;
	st = store_stmt(
	    s, err,
	    "SELECT * FROM (SELECT id, time, user, command, old_value,"
	    " new_value FROM audit ORDER BY id DESC LIMIT ?) ORDER BY id",
	    "i",
	    limit == 0 || limit > INT64_MAX ? (int64_t)-1 : (int64_t)limit);
	if (st == NULL)
		return -1;
	while ((rc = store_step(s, st, err)) == SQLITE_ROW) {
		list = grow(list, n, &cap, sizeof(*list));
		a = &list[n++];
		a->id = sqlite3_column_int64(st, 0);
		a->time = sqlite3_column_int64(st, 1);
		a->user = store_text(st, 2);
		a->command = store_text(st, 3);
		a->old_value = store_text(st, 4);
		a->new_value = store_text(st, 5);
	}
	sqlite3_finalize(st);
	if (rc != SQLITE_DONE) {
		route_store_audit_list_free(&list, n);
		return -1;
	}
	*list_r = list;
	*n_r = n;
	return 0;
}

/* route_store_audit_list_free - free an audit listing. */
void
route_store_audit_list_free(struct route_audit_entry **list, size_t n)
{
	size_t i;

	if (*list == NULL)
		return;
	for (i = 0; i < n; i++) {
		free((*list)[i].user);
		free((*list)[i].command);
		free((*list)[i].old_value);
		free((*list)[i].new_value);
	}
	free(*list);
	*list = NULL;
}
