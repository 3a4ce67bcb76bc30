/*
 * store_sqlite_rule.c - adding, removing, enabling and disabling rules in
 * the SQLite store.  The rule itself is checked by the table builder (its
 * words reach the user) and normalised before the write lock is taken;
 * what depends on the stored state (domain routed, destinations known, no
 * rule for the same address, the table still builds) is checked inside the
 * transaction, so a refusal leaves the store as it was.
 */
#include <errno.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include <libroute/addr.h>
#include <libroute/alloc.h>
#include <libroute/store.h>

#include "store_sqlite.h"

/* A growing one-line string for audit values. */
struct line {
	char *s;
	size_t len, cap;
};

/* line_add - append printf output. */
static void __attribute__((format(printf, 2, 3)))
line_add(struct line *l, const char *fmt, ...)
{
	va_list ap;
	int n;

	va_start(ap, fmt);
	n = vsnprintf(NULL, 0, fmt, ap);
	va_end(ap);
	if (l->len + (size_t)n + 1 > l->cap) {
		l->cap = (l->len + (size_t)n + 1) * 2;
		l->s = route_xrealloc(l->s, l->cap);
	}
	va_start(ap, fmt);
	vsnprintf(l->s + l->len, l->cap - l->len, fmt, ap);
	va_end(ap);
	l->len += (size_t)n;
}

/* line_quoted - append " LABEL\"text\"" with quotes, backslashes and
 * control bytes escaped, so a free text can never break the line. */
static void
line_quoted(struct line *l, const char *label, const char *text)
{
	const unsigned char *p;

	line_add(l, " %s\"", label);
	for (p = (const unsigned char *)text; *p != '\0'; p++) {
		if (*p == '"' || *p == '\\')
			line_add(l, "\\%c", *p);
		else if (*p < 0x20 || *p == 0x7f)
			line_add(l, "\\x%02x", *p);
		else
			line_add(l, "%c", *p);
	}
	line_add(l, "\"");
}

/*
 * describe_rule - the rule as stored now, one line in the words of
 * milter-ctl: 'rule 3 info@example.com forward me@gmail.com enabled',
 * 'rule 4 no@example.com reject "Gone" disabled priority=2 comment="x"'.
 * Returns 1 with a malloc'ed *line_r, 0 for no such rule, -1 on error.
 */
static int
describe_rule(struct route_store *s, int64_t id, char **line_r,
	      struct route_error *err)
{
	struct line l = {0};
	char *text = NULL, *comment = NULL;
	int rc, found = 0, enabled = 0, priority = 0;
	sqlite3_stmt *st;

	st = store_stmt(
	    s, err,
	    "SELECT r.match, r.action, r.text, r.enabled, r.priority,"
	    " r.comment, d.addr"
	    " FROM rules r LEFT JOIN rule_dests d ON d.rule_id = r.id"
	    " WHERE r.id = ? ORDER BY d.pos",
	    "i", id);
	if (st == NULL)
		return -1;
	while ((rc = store_step(s, st, err)) == SQLITE_ROW) {
		if (!found) {
			line_add(&l, "rule %lld %s %s", (long long)id,
				 sqlite3_column_text(st, 0),
				 sqlite3_column_text(st, 1));
			text = store_text(st, 2);
			enabled = sqlite3_column_int(st, 3);
			priority = sqlite3_column_int(st, 4);
			comment = store_text(st, 5);
			found = 1;
		}
		if (sqlite3_column_type(st, 6) != SQLITE_NULL)
			line_add(&l, " %s", sqlite3_column_text(st, 6));
	}
	sqlite3_finalize(st);
	if (rc == SQLITE_DONE && found) {
		if (text != NULL)
			line_quoted(&l, "", text);
		line_add(&l, " %s", enabled ? "enabled" : "disabled");
		if (priority != 0)
			line_add(&l, " priority=%d", priority);
		if (comment != NULL)
			line_quoted(&l, "comment=", comment);
		*line_r = l.s;
	} else
		free(l.s);
	free(text);
	free(comment);
	return rc == SQLITE_DONE ? found : -1;
}

/*
 * norm_match - a rule's match string as stored: the table's own spelling
 * (route_rule_match_normalise), so that every spelling of a rule names the
 * stored one and listings show what lookups report.  Whether the case of
 * the local part matters is a table option, applied when comparing.
 */
static int
norm_match(const char *match, char **match_r, enum route_match *kind_r,
	   char **domain_r, struct route_error *err)
{
	if (route_rule_match_normalise(match, match_r, err) == -1)
		return -1;
	if (route_rule_match_kind(*match_r, kind_r, err) == -1) {
		free(*match_r);
		return -1;
	}
	/* the domain cannot hold an '@'; a quoted local part can */
	*domain_r = route_xstrdup(strrchr(*match_r, '@') + 1);
	return 0;
}

/* rule_ids - up to two ids of rules whose match equals match under sql. */
static int
rule_ids(struct route_store *s, const char *sql, const char *match,
	 int64_t ids[2], int *n_r, struct route_error *err)
{
	sqlite3_stmt *st;
	int rc;

	*n_r = 0;
	if ((st = store_stmt(s, err, sql, "t", match)) == NULL)
		return -1;
	while ((rc = store_step(s, st, err)) == SQLITE_ROW)
		ids[(*n_r)++] = sqlite3_column_int64(st, 0);
	sqlite3_finalize(st);
	return rc == SQLITE_DONE ? 0 : -1;
}

/*
 * find_rule - the id of the rule sel names: an id (all digits: "12") or a
 * match string in any spelling ("2024-sales@x" is a match).  Unless the
 * table is case-sensitive, a match string that differs only in the case of
 * ASCII letters names the same rule, as it would in a lookup.  Returns 1
 * with *id_r, or -1 with err set (ROUTE_ENOENT for no such rule).
 */
static int
find_rule(struct route_store *s, const char *sel, int64_t *id_r,
	  struct route_error *err)
{
	struct route_error e;
	enum route_match kind;
	char *match, *dom;
	int64_t ids[2];
	long long v;
	int rc, n;

	if (sel[0] != '\0' && sel[strspn(sel, "0123456789")] == '\0') {
		errno = 0;
		v = strtoll(sel, NULL, 10);
		rc = errno == ERANGE
			 ? 0
			 : store_int(s, err, id_r,
				     "SELECT id FROM rules WHERE id = ?", "i",
				     (int64_t)v);
		return rc == 0 ? route_error_set(err, ROUTE_ENOENT,
						 "no rule %s", sel)
			       : rc;
	}
	if (norm_match(sel, &match, &kind, &dom, &e) == -1)
		return route_error_set(err, e.code,
				       "%s (a rule is named by its id, all "
				       "digits, or its match string)",
				       e.msg);
	rc = rule_ids(s, "SELECT id FROM rules WHERE match = ?", match, ids, &n,
		      err);
	if (rc == 0 && n == 0 && !s->opts.case_sensitive)
		rc = rule_ids(
		    s,
		    "SELECT id FROM rules WHERE match = ? COLLATE NOCASE"
		    " ORDER BY id LIMIT 2",
		    match, ids, &n, err);
	if (rc == 0 && n == 1) {
		*id_r = ids[0];
		rc = 1;
	} else if (rc == 0 && n == 0)
		rc =
		    route_error_set(err, ROUTE_ENOENT, "no rule for %s", match);
	else if (rc == 0)
		rc = route_error_set(
		    err, ROUTE_EINVAL,
		    "%s names rules %lld and %lld, which differ only in case; "
		    "give the rule id",
		    match, (long long)ids[0], (long long)ids[1]);
	free(match);
	free(dom);
	return rc;
}

/*
 * check_rule_alone - the table builder's checks of the rule on its own
 * (match, action and destinations, reject text), in the builder's words,
 * before the store is read: a forward to a malformed or repeated
 * destination is refused as such, not as an unknown destination.  The
 * comment is the store's alone: it must not break a listing or the audit.
 */
static int
check_rule_alone(struct route_store *s, const struct route_rule_def *def,
		 const char *match, const char *dom, struct route_error *err)
{
	struct route_domain_def dd = {dom, true, ROUTE_UNKNOWN_REJECT, true};
	struct route_table_builder *b = route_table_builder_new(&s->opts);
	int rc;

	rc = route_table_builder_add_domain(b, &dd, err);
	if (rc == 0)
		rc = route_table_builder_add_rule(b, def, err);
	route_table_builder_free(&b);
	if (rc == 0 && def->comment != NULL &&
	    strpbrk(def->comment, "\r\n") != NULL)
		rc = route_error_set(
		    err, ROUTE_EINVAL,
		    "rule %s: comment contains a line break (CR or LF)", match);
	return rc;
}

/* norm_dests - the rule's destinations as stored (store_norm_mailbox);
 * 0 with a malloc'ed array of def->ndests strings, or -1. */
static int
norm_dests(const struct route_rule_def *def, char ***dests_r,
	   struct route_error *err)
{
	char **dests = route_xcalloc(def->ndests, sizeof(*dests));
	size_t i;

	for (i = 0; i < def->ndests; i++)
		if (store_norm_mailbox(def->dests[i], &dests[i], err) == -1) {
			while (i-- > 0)
				free(dests[i]);
			free(dests);
			return -1;
		}
	*dests_r = dests;
	return 0;
}

/*
 * check_rule_store - the checks against what is stored: the domain is
 * routed, no rule for the same address exists, every destination is known
 * (registered, then spelt as registered, or in a routed domain).
 */
static int
check_rule_store(struct route_store *s, const char *match, const char *dom,
		 char **dests, size_t ndests, struct route_error *err)
{
	char *stored;
	int64_t v;
	size_t i;
	int rc;

	rc = store_int(s, err, &v, "SELECT 1 FROM domains WHERE name = ?", "t",
		       dom);
	if (rc == 0)
		return route_error_set(err, ROUTE_ENOENT,
				       "domain %s is not routed; add it with: "
				       "milter-ctl domain add %s",
				       dom, dom);
	if (rc == -1)
		return -1;
	rc = store_int(
	    s, err, &v,
	    s->opts.case_sensitive
		? "SELECT id FROM rules WHERE match = ?"
		: "SELECT id FROM rules WHERE match = ? COLLATE NOCASE",
	    "t", match);
	if (rc == 1)
		return route_error_set(
		    err, ROUTE_EEXIST,
		    "a rule for %s exists already (rule %lld)", match,
		    (long long)v);
	if (rc == -1)
		return -1;
	for (i = 0; i < ndests; i++) {
		if ((rc = store_find_dest(s, dests[i], &stored, err)) == 1) {
			free(dests[i]);
			dests[i] = stored;
			continue;
		}
		if (rc == -1)
			return -1;
		rc = store_int(s, err, &v,
			       "SELECT 1 FROM domains WHERE name = ?", "t",
			       strrchr(dests[i], '@') + 1);
		if (rc == 0)
			return route_error_set(
			    err, ROUTE_ENOENT,
			    "destination %s is not known; add it with: "
			    "milter-ctl dest add %s",
			    dests[i], dests[i]);
		if (rc == -1)
			return -1;
	}
	return 0;
}

/* insert_rule - the rule row and its destinations in order. */
static int
insert_rule(struct route_store *s, const struct route_rule_def *def,
	    const char *match, const char *dom, enum route_match kind,
	    char *const *dests, size_t ndests, int64_t *id_r,
	    struct route_error *err)
{
	const char *text = def->text && def->text[0] ? def->text : NULL;
	size_t i;

	if (store_run(
		s, err,
		"INSERT INTO rules (match, domain, kind, action, text, enabled,"
		" priority, comment, created) VALUES (?, ?, ?, ?, ?, ?, ?, ?, "
		"?)",
		"ttittbiti", match, dom, (int64_t)kind,
		route_action_name(def->action), text, (int)def->enabled,
		(int64_t)def->priority, def->comment,
		(int64_t)time(NULL)) == -1)
		return -1;
	*id_r = sqlite3_last_insert_rowid(s->db);
	for (i = 0; i < ndests; i++)
		if (store_run(s, err,
			      "INSERT INTO rule_dests (rule_id, pos, addr)"
			      " VALUES (?, ?, ?)",
			      "iit", *id_r, (int64_t)i, dests[i]) == -1)
			return -1;
	return 0;
}

/* route_store_rule_add - a new rule, refused unless the table builds. */
int
route_store_rule_add(struct route_store *s, const struct route_actor *who,
		     const struct route_rule_def *def, int64_t *id_r,
		     struct route_error *err)
{
	char *match, *dom, **dests, *now = NULL;
	size_t i, ndests = def->ndests;
	enum route_match kind;
	int64_t id = 0;
	int rc;

	if (norm_match(def->match, &match, &kind, &dom, err) == -1)
		return -1;
	if (check_rule_alone(s, def, match, dom, err) == -1 ||
	    norm_dests(def, &dests, err) == -1) {
		free(match);
		free(dom);
		return -1;
	}
	rc = store_begin(s, err);
	if (rc == 0 &&
	    (check_rule_store(s, match, dom, dests, ndests, err) == -1 ||
	     insert_rule(s, def, match, dom, kind, dests, ndests, &id, err) ==
		 -1 ||
	     store_check_build(s, err) == -1 ||
	     describe_rule(s, id, &now, err) != 1))
		rc = -1;
	for (i = 0; i < ndests; i++)
		free(dests[i]);
	free(dests);
	free(match);
	free(dom);
	rc = store_finish(s, who, rc, NULL, now, err);
	if (rc == 0 && id_r != NULL)
		*id_r = id;
	return rc;
}

/*
 * known_rule - take the write lock, find the rule sel names and describe it
 * into *old_r.  0 with its id in *id_r, or -1; either way the caller ends
 * the transaction with store_finish.
 */
static int
known_rule(struct route_store *s, const char *sel, int64_t *id_r, char **old_r,
	   struct route_error *err)
{
	if (store_begin(s, err) == -1 || find_rule(s, sel, id_r, err) != 1 ||
	    describe_rule(s, *id_r, old_r, err) != 1)
		return -1;
	return 0;
}

/*
 * route_store_rule_remove - delete a rule and its destination list.  The
 * table is built without it: the addresses it caught fall through to the
 * next rule in the lookup order, which may lead back into a loop (see
 * store_run_checked for when that is refused).
 */
int
route_store_rule_remove(struct route_store *s, const struct route_actor *who,
			const char *sel, struct route_error *err)
{
	char *old = NULL;
	int64_t id;
	int rc;

	rc = known_rule(s, sel, &id, &old, err);
	if (rc == 0)
		rc = store_run_checked(
		    s, false, err, "DELETE FROM rules WHERE id = ?", "i", id);
	return store_finish(s, who, rc, old, NULL, err);
}

/*
 * route_store_rule_enable - switch a rule on or off.  Either can close a
 * loop, so the table is built with the change: switching on must leave it
 * building, switching off (like a removal) must not break a table that
 * built.  Switching a rule to the state it has changes nothing.
 */
int
route_store_rule_enable(struct route_store *s, const struct route_actor *who,
			const char *sel, bool enabled, struct route_error *err)
{
	char *old = NULL, *now = NULL;
	int64_t id;
	int rc;

	rc = known_rule(s, sel, &id, &old, err);
	if (rc == 0 && (store_run_checked(s, enabled, err,
					  "UPDATE rules SET enabled = ?1"
					  " WHERE id = ?2 AND enabled != ?1",
					  "bi", (int)enabled, id) == -1 ||
			describe_rule(s, id, &now, err) != 1))
		rc = -1;
	return store_finish(s, who, rc, old, now, err);
}
