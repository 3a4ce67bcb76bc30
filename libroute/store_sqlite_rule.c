/*
 * store_sqlite_rule.c - adding, removing, enabling and disabling rules in
 * the SQLite store.  Input is checked and normalised before the write lock
 * is taken; what depends on the stored state (domain routed, destinations
 * known, no rule for the same address, the table still builds) is checked
 * inside the transaction, so a refusal leaves the store as it was.
 */
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
 * norm_match - a rule's match string as stored: the domain in lower-case
 * A-label form, the local part kept as given (whether case matters is a
 * table option, applied at load time).  Exact addresses are re-formatted so
 * that needless quoting does not make two spellings of one address.
 */
static int
norm_match(const char *match, char **match_r, enum route_match *kind_r,
	   char **domain_r, struct route_error *err)
{
	const char *at;

	if (route_rule_match_kind(match, kind_r, err) == -1)
		return -1;
	if (*kind_r == ROUTE_MATCH_EXACT) {
		/* route_rule_match_kind made sure it is user@domain */
		if (store_norm_mailbox(match, match_r, err) == -1)
			return -1;
		*domain_r = route_xstrdup(strrchr(*match_r, '@') + 1);
		return 0;
	}
	if ((at = strrchr(match, '@')) == NULL)
		return route_error_set(err, ROUTE_EINVAL,
				       "rule match \"%s\" has no domain",
				       match);
	if (route_domain_normalise(at + 1, domain_r, err) == -1)
		return -1;
	*match_r =
	    route_xasprintf("%.*s@%s", (int)(at - match), match, *domain_r);
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
 * find_rule - the id of the rule sel names: an id ("12") or a match string.
 * Unless the table is case-sensitive, a match string that differs only in
 * the case of ASCII letters names the same rule, as it would in a lookup.
 * Returns 1 with *id_r, or -1 with err set (ROUTE_ENOENT for no such rule).
 */
static int
find_rule(struct route_store *s, const char *sel, int64_t *id_r,
	  struct route_error *err)
{
	char *match, *dom, *end;
	enum route_match kind;
	int64_t ids[2];
	long long v;
	int rc, n;

	if (sel[0] >= '0' && sel[0] <= '9') {
		v = strtoll(sel, &end, 10);
		if (*end != '\0')
			return route_error_set(
			    err, ROUTE_EINVAL,
			    "\"%s\" is neither a rule id nor an address", sel);
		rc =
		    store_int(s, err, id_r, "SELECT id FROM rules WHERE id = ?",
			      "i", (int64_t)v);
		return rc == 0 ? route_error_set(err, ROUTE_ENOENT,
						 "no rule %s", sel)
			       : rc;
	}
	if (norm_match(sel, &match, &kind, &dom, err) == -1)
		return -1;
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

/* has_line_break - whether text would break an SMTP reply or a listing. */
static int
has_line_break(const char *text)
{
	return text != NULL && strpbrk(text, "\r\n") != NULL;
}

/* same_mailbox - whether two stored mailboxes are one destination: equal,
 * or equal but for the case of ASCII letters when case does not matter. */
static bool
same_mailbox(const char *a, const char *b, bool case_sensitive)
{
	unsigned char ca, cb;

	if (case_sensitive)
		return strcmp(a, b) == 0;
	do {
		ca = (unsigned char)*a++;
		cb = (unsigned char)*b++;
		if (ca >= 'A' && ca <= 'Z')
			ca += 'a' - 'A';
		if (cb >= 'A' && cb <= 'Z')
			cb += 'a' - 'A';
	} while (ca == cb && ca != '\0');
	return ca == cb;
}

/*
 * check_rule_def - the checks that need no store: the shape of the rule and
 * the syntax of its destinations, normalised into dests_r (*n_r entries).
 */
static int
check_rule_def(const struct route_rule_def *def, bool case_sensitive,
	       char ***dests_r, size_t *n_r, struct route_error *err)
{
	const char *action = route_action_name(def->action);
	char **dests;
	size_t i, j;

	*dests_r = NULL;
	*n_r = 0;
	if (def->action == ROUTE_ACTION_FORWARD && def->ndests == 0)
		return route_error_set(
		    err, ROUTE_EINVAL,
		    "a forward rule needs at least one destination");
	if (def->action != ROUTE_ACTION_FORWARD && def->ndests != 0)
		return route_error_set(err, ROUTE_EINVAL,
				       "a %s rule takes no destinations",
				       action);
	if (def->text != NULL && def->text[0] != '\0' &&
	    def->action != ROUTE_ACTION_REJECT)
		return route_error_set(err, ROUTE_EINVAL,
				       "only a reject rule takes a text");
	if (has_line_break(def->text))
		return route_error_set(
		    err, ROUTE_EINVAL,
		    "the reject text must not contain CR or LF");
	if (has_line_break(def->comment))
		return route_error_set(err, ROUTE_EINVAL,
				       "the comment must not contain CR or LF");
	dests = route_xcalloc(def->ndests, sizeof(*dests));
	for (i = 0; i < def->ndests; i++) {
		if (store_norm_mailbox(def->dests[i], &dests[i], err) == -1)
			goto fail;
		for (j = 0; j < i; j++)
			if (same_mailbox(dests[i], dests[j], case_sensitive)) {
				route_error_set(
				    err, ROUTE_EINVAL,
				    "destination %s is listed twice", dests[i]);
				i++;
				goto fail;
			}
	}
	*dests_r = dests;
	*n_r = def->ndests;
	return 0;
fail:
	while (i-- > 0)
		free(dests[i]);
	free(dests);
	return -1;
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
	enum route_match kind;
	size_t i, ndests;
	int64_t id = 0;
	int rc;

	if (norm_match(def->match, &match, &kind, &dom, err) == -1)
		return -1;
	if (check_rule_def(def, s->opts.case_sensitive, &dests, &ndests, err) ==
	    -1) {
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

/* route_store_rule_remove - delete a rule and its destination list. */
int
route_store_rule_remove(struct route_store *s, const struct route_actor *who,
			const char *sel, struct route_error *err)
{
	char *old = NULL;
	int64_t id;
	int rc;

	rc = known_rule(s, sel, &id, &old, err);
	if (rc == 0)
		rc = store_run(s, err, "DELETE FROM rules WHERE id = ?", "i",
			       id);
	return store_finish(s, who, rc, old, NULL, err);
}

/*
 * route_store_rule_enable - switch a rule on or off.  Only switching on is
 * checked by building the table: taking a rule away cannot create a loop,
 * and it must stay possible when tighter options (a smaller max_depth)
 * have made the stored set fail to build.
 */
int
route_store_rule_enable(struct route_store *s, const struct route_actor *who,
			const char *sel, bool enabled, struct route_error *err)
{
	char *old = NULL, *now = NULL;
	int64_t id;
	int rc;

	rc = known_rule(s, sel, &id, &old, err);
	if (rc == 0 &&
	    (store_run(s, err, "UPDATE rules SET enabled = ? WHERE id = ?",
		       "bi", (int)enabled, id) == -1 ||
	     (enabled && store_check_build(s, err) == -1) ||
	     describe_rule(s, id, &now, err) != 1))
		rc = -1;
	return store_finish(s, who, rc, old, now, err);
}
