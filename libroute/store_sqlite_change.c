/*
 * store_sqlite_change.c - changes to domains and destinations in the SQLite
 * store (rules are in store_sqlite_rule.c).  Each is one transaction taken
 * with the write lock: check, write, prove that a rule table still builds
 * where the change can alter routing, then store_finish commits with the
 * audit row or rolls everything back (also when nothing changed).
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include <libroute/addr.h>
#include <libroute/alloc.h>
#include <libroute/store.h>

#include "store_sqlite.h"

/*
 * describe_domain / describe_dest - the object as stored now, as one line
 * for the audit table.  Return 1 with a malloc'ed *line_r, 0 when there is
 * no such object, -1 on a store error.
 */
static int
describe_domain(struct route_store *s, const char *name, char **line_r,
		struct route_error *err)
{
	sqlite3_stmt *st;
	int rc;

	st = store_stmt(
	    s, err,
	    "SELECT enabled, unknown, subaddress FROM domains WHERE name = ?",
	    "t", name);
	if (st == NULL)
		return -1;
	if ((rc = store_step(s, st, err)) == SQLITE_ROW)
		*line_r = route_xasprintf(
		    "domain %s %s unknown=%s subaddress=%s", name,
		    sqlite3_column_int(st, 0) ? "enabled" : "disabled",
		    sqlite3_column_text(st, 1),
		    sqlite3_column_int(st, 2) ? "on" : "off");
	sqlite3_finalize(st);
	return rc == SQLITE_ROW ? 1 : rc == SQLITE_DONE ? 0 : -1;
}

static int
describe_dest(struct route_store *s, const char *addr, char **line_r,
	      struct route_error *err)
{
	int64_t verified_at;
	int rc;

	rc = store_int(s, err, &verified_at,
		       "SELECT verified_at FROM destinations WHERE addr = ?",
		       "t", addr);
	if (rc == 1)
		*line_r = route_xasprintf("dest %s %s", addr,
					  verified_at ? "verified" : "pending");
	return rc;
}

/*
 * lock_domain - normalise name into *dom_r, take the write lock and
 * describe the domain as stored into *old_r.  Returns 1, 0 when there is
 * no such domain, or -1.  Either way *dom_r (NULL or malloc'ed) is the
 * caller's to free, and the caller ends the transaction with store_finish.
 */
static int
lock_domain(struct route_store *s, const char *name, char **dom_r, char **old_r,
	    struct route_error *err)
{
	*dom_r = NULL;
	if (route_domain_normalise(name, dom_r, err) == -1 ||
	    store_begin(s, err) == -1)
		return -1;
	return describe_domain(s, *dom_r, old_r, err);
}

/* known_domain - lock_domain, refusing a domain that is not stored; 0, -1. */
static int
known_domain(struct route_store *s, const char *name, char **dom_r,
	     char **old_r, struct route_error *err)
{
	int rc = lock_domain(s, name, dom_r, old_r, err);

	if (rc == 0)
		return route_error_set(err, ROUTE_ENOENT,
				       "domain %s is not known", *dom_r);
	return rc == 1 ? 0 : -1;
}

/* route_store_domain_add - a new routed domain. */
int
route_store_domain_add(struct route_store *s, const struct route_actor *who,
		       const struct route_domain_def *def,
		       struct route_error *err)
{
	char *name, *old = NULL, *now = NULL;
	int rc;

	rc = lock_domain(s, def->name, &name, &old, err);
	if (rc == 1)
		rc = route_error_set(err, ROUTE_EEXIST,
				     "domain %s exists already", name);
	else if (rc == 0 &&
		 (store_run(s, err,
			    "INSERT INTO domains (name, enabled, unknown,"
			    " subaddress, created) VALUES (?, ?, ?, ?, ?)",
			    "tbtbi", name, (int)def->enabled,
			    def->unknown == ROUTE_UNKNOWN_PASS ? "pass"
							       : "reject",
			    (int)def->subaddress, (int64_t)time(NULL)) == -1 ||
		  store_check_build(s, err) == -1 ||
		  describe_domain(s, name, &now, err) != 1))
		rc = -1;
	free(name);
	return store_finish(s, who, rc, old, now, err);
}

/* The settings domain_set knows, in the order of enum
 * route_domain_setting, with their two spellings each. */
static const struct domain_key {
	const char *key;
	const char *column;
	const char *yes, *no; /* yes stored as 1 ("pass" for unknown) */
} domain_keys[] = {
    [ROUTE_DOMAIN_ENABLED] = {"enabled", "enabled", "yes", "no"},
    [ROUTE_DOMAIN_UNKNOWN] = {"unknown", "unknown", "pass", "reject"},
    [ROUTE_DOMAIN_SUBADDRESS] = {"subaddress", "subaddress", "on", "off"},
};

/* route_domain_setting_parse - one key and value of "domain set". */
int
route_domain_setting_parse(const char *key, const char *value,
			   enum route_domain_setting *setting_r, bool *on_r,
			   struct route_error *err)
{
	const struct domain_key *k = NULL;
	size_t i;

	for (i = 0; i < sizeof(domain_keys) / sizeof(domain_keys[0]); i++)
		if (strcmp(key, domain_keys[i].key) == 0)
			k = &domain_keys[i];
	if (k == NULL)
		return route_error_set(
		    err, ROUTE_EINVAL,
		    "unknown domain setting \"%s\" (use enabled, unknown or "
		    "subaddress)",
		    key);
	if (strcmp(value, k->yes) != 0 && strcmp(value, k->no) != 0)
		return route_error_set(
		    err, ROUTE_EINVAL,
		    "domain setting %s takes %s or %s, not \"%s\"", key, k->yes,
		    k->no, value);
	if (setting_r != NULL)
		*setting_r = (enum route_domain_setting)(k - domain_keys);
	if (on_r != NULL)
		*on_r = strcmp(value, k->yes) == 0;
	return 0;
}

/*
 * route_store_domain_set - change one setting of a domain.  Switching the
 * domain or its sub-addressing on can close a loop, and so can letting
 * unknown addresses pass (a forward to one of them becomes active) or
 * switching sub-addressing off (it sends "b+tag" past b's rule, maybe to a
 * catch-all that leads back): the table is built with the change.  The "on"
 * values (yes, pass, on) must leave it building; the rest must not break a
 * table that built.  Setting the value a domain has already changes
 * nothing.
 */
int
route_store_domain_set(struct route_store *s, const struct route_actor *who,
		       const char *name, const char *key, const char *value,
		       struct route_error *err)
{
	enum route_domain_setting setting;
	const struct domain_key *k;
	char *dom, *old = NULL, *now = NULL, *sql;
	bool yes, strict;
	int rc;

	if (route_domain_setting_parse(key, value, &setting, &yes, err) == -1)
		return -1;
	k = &domain_keys[setting];
	strict = yes;
	rc = known_domain(s, name, &dom, &old, err);
	if (rc == 0) {
		/* column comes from domain_keys, never from the caller */
		sql = route_xasprintf("UPDATE domains SET %s = ?1"
				      " WHERE name = ?2 AND %s != ?1",
				      k->column, k->column);
		if (setting == ROUTE_DOMAIN_UNKNOWN)
			rc = store_run_checked(s, strict, err, sql, "tt", value,
					       dom);
		else
			rc = store_run_checked(s, strict, err, sql, "bt",
					       (int)yes, dom);
		free(sql);
		if (rc == 0 && describe_domain(s, dom, &now, err) != 1)
			rc = -1;
	}
	free(dom);
	return store_finish(s, who, rc, old, now, err);
}

/* plural - "1 rule", "2 rules". */
static const char *
plural(int64_t n)
{
	return n == 1 ? "" : "s";
}

/*
 * domain_in_use - refuse removing a domain that rules, destinations, or
 * forwards from other domains still name; the reason counts each kind
 * ("still used by 2 rules and 1 destination").
 */
static int
domain_in_use(struct route_store *s, const char *dom, struct route_error *err)
{
	static const char *const what[3][2] = {
	    {"rule", "rules"},
	    {"destination", "destinations"},
	    {"forward from another domain", "forwards from other domains"},
	};
	char why[ROUTE_ERROR_MAX];
	const char *sep;
	int64_t n[3];
	size_t i, k, len = 0, parts = 0;

	if (store_int(s, err, &n[0],
		      "SELECT count(*) FROM rules WHERE domain = ?", "t",
		      dom) != 1 ||
	    store_int(s, err, &n[1],
		      "SELECT count(*) FROM destinations"
		      " WHERE substr(addr, -length(?1) - 1) = '@' || ?1",
		      "t", dom) != 1 ||
	    store_int(s, err, &n[2],
		      "SELECT count(DISTINCT d.rule_id) FROM rule_dests d"
		      " JOIN rules r ON r.id = d.rule_id"
		      " WHERE r.domain != ?1"
		      " AND substr(d.addr, -length(?1) - 1) = '@' || ?1",
		      "t", dom) != 1)
		return -1;
	for (i = 0; i < 3; i++)
		parts += n[i] != 0;
	if (parts == 0)
		return 0;
	why[0] = '\0';
	for (i = 0, k = 0; i < 3; i++) {
		if (n[i] == 0)
			continue;
		sep = k == 0 ? "" : k + 1 == parts ? " and " : ", ";
		len +=
		    (size_t)snprintf(why + len, sizeof(why) - len, "%s%lld %s",
				     sep, (long long)n[i], what[i][n[i] != 1]);
		k++;
	}
	return route_error_set(
	    err, ROUTE_EINVAL,
	    "domain %s is still used by %s; remove them first", dom, why);
}

/*
 * route_store_domain_remove - forget a domain nothing uses any more.  No
 * table is built: with no rule in it and no rule forwarding into it, no
 * forwarding chain passes through the domain, so none can change.
 */
int
route_store_domain_remove(struct route_store *s, const struct route_actor *who,
			  const char *name, struct route_error *err)
{
	char *dom, *old = NULL;
	int rc;

	rc = known_domain(s, name, &dom, &old, err);
	if (rc == 0)
		rc = domain_in_use(s, dom, err);
	if (rc == 0)
		rc = store_run(s, err, "DELETE FROM domains WHERE name = ?",
			       "t", dom);
	free(dom);
	return store_finish(s, who, rc, old, NULL, err);
}

/*
 * lock_dest - normalise addr into *addr_r, take the write lock and find
 * the stored destination: 1 with its spelling in *stored_r, 0 when there
 * is none, or -1.  Either way *addr_r (NULL or malloc'ed) is the caller's
 * to free, and the caller ends the transaction with store_finish.
 */
static int
lock_dest(struct route_store *s, const char *addr, char **addr_r,
	  char **stored_r, struct route_error *err)
{
	*addr_r = NULL;
	if (store_norm_mailbox(addr, addr_r, err) == -1 ||
	    store_begin(s, err) == -1)
		return -1;
	return store_find_dest(s, *addr_r, stored_r, err);
}

/*
 * route_store_dest_add - a new destination, pending verification.  No
 * table is built: no rule names it yet, and a pending destination makes
 * no rule active.
 */
int
route_store_dest_add(struct route_store *s, const struct route_actor *who,
		     const char *addr, struct route_error *err)
{
	char *a, *stored = NULL, *now = NULL;
	int rc;

	rc = lock_dest(s, addr, &a, &stored, err);
	if (rc == 1 && strcmp(stored, a) == 0)
		rc = route_error_set(err, ROUTE_EEXIST,
				     "destination %s exists already", a);
	else if (rc == 1)
		rc = route_error_set(err, ROUTE_EEXIST,
				     "destination %s exists already as %s", a,
				     stored);
	else if (rc == 0 &&
		 (store_run(s, err,
			    "INSERT INTO destinations (addr, created)"
			    " VALUES (?, ?)",
			    "ti", a, (int64_t)time(NULL)) == -1 ||
		  describe_dest(s, a, &now, err) != 1))
		rc = -1;
	free(a);
	free(stored);
	return store_finish(s, who, rc, NULL, now, err);
}

/*
 * known_dest - lock_dest, refusing a destination that is not stored
 * (ROUTE_ENOENT).  0 with the stored spelling in *stored_r and its audit
 * line in *old_r, or -1; either way the caller ends the transaction with
 * store_finish.
 */
static int
known_dest(struct route_store *s, const char *addr, char **stored_r,
	   char **old_r, struct route_error *err)
{
	char *a;
	int rc;

	rc = lock_dest(s, addr, &a, stored_r, err);
	if (rc == 0)
		rc = route_error_set(err, ROUTE_ENOENT,
				     "destination %s is not known", a);
	else if (rc == 1)
		rc = describe_dest(s, *stored_r, old_r, err) == 1 ? 0 : -1;
	free(a);
	return rc;
}

/*
 * route_store_dest_verify - mark a destination verified, which can make
 * forward rules active and so close a loop: the table must still build.
 * Verifying again succeeds, changing nothing (the first time is kept), so
 * a script may repeat it.
 */
int
route_store_dest_verify(struct route_store *s, const struct route_actor *who,
			const char *addr, struct route_error *err)
{
	char *a = NULL, *old = NULL, *now = NULL;
	int rc;

	rc = known_dest(s, addr, &a, &old, err);
	if (rc == 0 &&
	    (store_run_checked(s, true, err,
			       "UPDATE destinations SET verified_at = ?"
			       " WHERE addr = ? AND verified_at = 0",
			       "it", (int64_t)time(NULL), a) == -1 ||
	     describe_dest(s, a, &now, err) != 1))
		rc = -1;
	free(a);
	return store_finish(s, who, rc, old, now, err);
}

/* dest_in_use - refuse removing a destination a rule forwards to. */
static int
dest_in_use(struct route_store *s, const char *addr, struct route_error *err)
{
	sqlite3_stmt *st;
	int64_t n;
	int rc;

	st = store_stmt(s, err,
			"SELECT r.id, r.match,"
			" (SELECT count(*) FROM rule_dests WHERE addr = ?1)"
			" FROM rule_dests d JOIN rules r ON r.id = d.rule_id"
			" WHERE d.addr = ?1 ORDER BY r.id LIMIT 1",
			"t", addr);
	if (st == NULL)
		return -1;
	rc = store_step(s, st, err);
	if (rc == SQLITE_ROW) {
		n = sqlite3_column_int64(st, 2) - 1;
		if (n == 0)
			route_error_set(
			    err, ROUTE_EINVAL,
			    "destination %s is used by rule %lld (%s); remove "
			    "that rule first",
			    addr, (long long)sqlite3_column_int64(st, 0),
			    sqlite3_column_text(st, 1));
		else
			route_error_set(
			    err, ROUTE_EINVAL,
			    "destination %s is used by rule %lld (%s) and %lld "
			    "more rule%s; remove them first",
			    addr, (long long)sqlite3_column_int64(st, 0),
			    sqlite3_column_text(st, 1), (long long)n,
			    plural(n));
	}
	sqlite3_finalize(st);
	return rc == SQLITE_DONE ? 0 : -1;
}

/*
 * route_store_dest_remove - forget a destination no rule uses.  No table
 * is built: the destination is unused, so the table cannot change.
 */
int
route_store_dest_remove(struct route_store *s, const struct route_actor *who,
			const char *addr, struct route_error *err)
{
	char *a = NULL, *old = NULL;
	int rc;

	rc = known_dest(s, addr, &a, &old, err);
	if (rc == 0)
		rc = dest_in_use(s, a, err);
	if (rc == 0)
		rc = store_run(
		    s, err, "DELETE FROM destinations WHERE addr = ?", "t", a);
	free(a);
	return store_finish(s, who, rc, old, NULL, err);
}
