/*
 * rules_lookup.c - the one routing decision: route_table_lookup and the
 * lookup order it shares with the builder's loop check (rules.h).
 *
 * Everything here only reads the table, so any number of threads may look
 * up in one table at once.  Building and checking a table is in rules.c.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <libroute/addr.h>
#include <libroute/alloc.h>
#include <libroute/rules.h>

#include "rules_int.h"

/* Longest lookup key: a local part, '@', a domain (or literal), NUL. */
#define KEY_MAX (ROUTE_LOCAL_MAX + ROUTE_PATH_MAX + 2)

/* A small set of indices; the first few live on the stack. */
struct rt_vec {
	uint32_t *v;
	size_t n, cap;
	uint32_t inl[8];
};

/* rt_hash_str - FNV-1a, then a finaliser so linear probing spreads well. */
uint32_t
rt_hash_str(const char *s, size_t len)
{
	uint32_t h = 2166136261u;
	size_t i;

	for (i = 0; i < len; i++) {
		h ^= (unsigned char)s[i];
		h *= 16777619u;
	}
	h ^= h >> 16;
	h *= 0x85ebca6bu;
	h ^= h >> 13;
	h *= 0xc2b2ae35u;
	h ^= h >> 16;
	return h;
}

/* key_equal - stored NUL-terminated key equals s[0..len). */
static bool
key_equal(const char *key, const char *s, size_t len)
{
	return strncmp(key, s, len) == 0 && key[len] == '\0';
}

/* rt_rule_find - probe the rule hash for a key of any kind. */
uint32_t
rt_rule_find(const struct route_table *t, const char *s, size_t len)
{
	const struct rt_hash *h = &t->rule_hash;
	uint32_t hash = rt_hash_str(s, len), i;
	const struct rt_rule *r;

	for (i = hash & h->mask; h->slots[i].idx != RT_NONE;
	     i = (i + 1) & h->mask) {
		if (h->slots[i].hash != hash)
			continue;
		r = rt_rule_get(t, h->slots[i].idx);
		if (r->keylen == len && memcmp(r->key, s, len) == 0)
			return h->slots[i].idx;
	}
	return RT_NONE;
}

/* rt_domain_find - probe the domain hash. */
uint32_t
rt_domain_find(const struct route_table *t, const char *s, size_t len)
{
	const struct rt_hash *h = &t->domain_hash;
	uint32_t hash = rt_hash_str(s, len), i;

	for (i = hash & h->mask; h->slots[i].idx != RT_NONE;
	     i = (i + 1) & h->mask)
		if (h->slots[i].hash == hash &&
		    key_equal(t->domains[h->slots[i].idx].name, s, len))
			return h->slots[i].idx;
	return RT_NONE;
}

/* char_len - bytes in the character at s[0..n); the parser let only valid
 * UTF-8 through, but a stray byte still counts as one. */
static size_t
char_len(const char *s, size_t n)
{
	size_t len = route_utf8_len((const unsigned char *)s, n);

	return len == 0 ? 1 : len;
}

/*
 * glob_match - '*' matches any run, '?' one character (UTF-8 aware, since
 * local parts may be UTF-8).  Greedy with one backtrack point, which is
 * exact for these two wildcards and linear in practice.
 */
static bool
glob_match(const char *p, size_t plen, const char *s, size_t slen)
{
	size_t pi = 0, si = 0, star = (size_t)-1, mark = 0;

	while (si < slen) {
		if (pi < plen && p[pi] == '*') {
			star = ++pi;
			mark = si;
		} else if (pi < plen && p[pi] == '?') {
			pi++;
			si += char_len(s + si, slen - si);
		} else if (pi < plen && p[pi] == s[si]) {
			pi++;
			si++;
		} else if (star != (size_t)-1) {
			pi = star;
			mark += char_len(s + mark, slen - mark);
			si = mark;
		} else
			return false;
	}
	while (pi < plen && p[pi] == '*')
		pi++;
	return pi == plen;
}

/* exact_active - the active exact rule with key s[0..len), or RT_NONE. */
static uint32_t
exact_active(const struct route_table *t, const char *s, size_t len)
{
	uint32_t ref = rt_rule_find(t, s, len);
	const struct rt_rule *r;

	if (ref == RT_NONE)
		return RT_NONE;
	r = rt_rule_get(t, ref);
	return r->kind == ROUTE_MATCH_EXACT && r->active ? ref : RT_NONE;
}

/* pattern_active - first active pattern of dom matching local[0..n). */
static uint32_t
pattern_active(const struct route_table *t, const struct rt_domain *dom,
	       const char *local, size_t n)
{
	const struct rt_pattern *p = t->patterns + dom->patterns;
	uint32_t i;

	const struct rt_rule *r;

	for (i = 0; i < dom->npatterns; i++) {
		r = rt_rule_get(t, p[i].rule);
		if (r->active && glob_match(r->key, p[i].len, local, n))
			return p[i].rule;
	}
	return RT_NONE;
}

/* rt_resolve - steps 1-4 of the lookup order for one address. */
void
rt_resolve(const struct route_table *t, const struct route_addr *a,
	   struct rt_match *m_r)
{
	char key[KEY_MAX], base_key[KEY_MAX];
	const struct rt_domain *dom;
	size_t llen, dlen, base = 0;
	uint32_t r = RT_NONE;

	m_r->rule = RT_NONE;
	m_r->reason = ROUTE_BY_NONE;
	dlen = strlen(a->domain);
	m_r->domain = rt_domain_find(t, a->domain, dlen);
	if (m_r->domain == RT_NONE || !t->domains[m_r->domain].enabled)
		return;
	dom = &t->domains[m_r->domain];
	/* The parser's length limits make every valid address fit; no rule
	 * could match one that did not. */
	llen = strlen(a->local);
	if (llen + dlen + 2 > sizeof(key))
		return;
	/* The folded local part starts the key, where patterns read it too:
	 * the lookup allocates nothing. */
	route_local_fold_to(key, a->local, llen, t->case_sensitive);
	if (dom->subaddress)
		base = route_local_split(key, t->delimiters);
	key[llen] = '@';
	memcpy(key + llen + 1, a->domain, dlen + 1);
	if ((r = exact_active(t, key, llen + 1 + dlen)) != RT_NONE)
		m_r->reason = ROUTE_BY_EXACT;
	else if (base > 0) {
		memcpy(base_key, key, base);
		memcpy(base_key + base, key + llen, dlen + 2);
		if ((r = exact_active(t, base_key, base + 1 + dlen)) != RT_NONE)
			m_r->reason = ROUTE_BY_SUBADDRESS;
	}
	if (r == RT_NONE &&
	    ((r = pattern_active(t, dom, key, llen)) != RT_NONE ||
	     (base > 0 && (r = pattern_active(t, dom, key, base)) != RT_NONE)))
		m_r->reason = ROUTE_BY_PATTERN;
	/* finish() dropped an inactive catch-all; this serves finish(). */
	if (r == RT_NONE && dom->catchall != RT_NONE &&
	    rt_rule_get(t, dom->catchall)->active) {
		r = dom->catchall;
		m_r->reason = ROUTE_BY_CATCHALL;
	}
	m_r->rule = r;
}

/* rt_line_init - start an empty line in buf. */
void
rt_line_init(struct rt_line *l, char *buf, size_t size)
{
	l->buf = buf;
	l->size = size;
	l->len = 0;
	buf[0] = '\0';
}

/* rt_line_add - append s; a line that overflows ends in "...". */
void
rt_line_add(struct rt_line *l, const char *s)
{
	size_t n = strlen(s), room = l->size - 1 - l->len;

	if (n <= room) {
		memcpy(l->buf + l->len, s, n + 1);
		l->len += n;
		return;
	}
	memcpy(l->buf + l->len, s, room);
	l->len = l->size - 1;
	memcpy(l->buf + l->len - 3, "...", 4);
}

/* line_add_id - append " 12" for a rule with a store id. */
static void
line_add_id(struct rt_line *l, int64_t id)
{
	char num[24], *p = num + sizeof(num);
	uint64_t v = id < 0 ? -(uint64_t)id : (uint64_t)id;

	if (id == 0)
		return;
	*--p = '\0';
	do
		*--p = (char)('0' + v % 10);
	while ((v /= 10) != 0);
	if (id < 0)
		*--p = '-';
	*--p = ' ';
	rt_line_add(l, p);
}

/* vec_init - an empty set. */
static void
vec_init(struct rt_vec *x)
{
	x->v = x->inl;
	x->n = 0;
	x->cap = sizeof(x->inl) / sizeof(x->inl[0]);
}

/* vec_has - whether i is in the set; sets stay small, a scan is fastest. */
static bool
vec_has(const struct rt_vec *x, uint32_t i)
{
	size_t k;

	for (k = 0; k < x->n; k++)
		if (x->v[k] == i)
			return true;
	return false;
}

/* vec_add - append i. */
static void
vec_add(struct rt_vec *x, uint32_t i)
{
	if (x->n == x->cap) {
		x->cap *= 2;
		if (x->v == x->inl) {
			x->v = route_xmalloc(x->cap * sizeof(*x->v));
			memcpy(x->v, x->inl, sizeof(x->inl));
		} else
			x->v = route_xrealloc(x->v, x->cap * sizeof(*x->v));
	}
	x->v[x->n++] = i;
}

/* vec_free - release the heap part. */
static void
vec_free(struct rt_vec *x)
{
	if (x->v != x->inl)
		free(x->v);
}

/*
 * expand - add the final destinations of forward rule r to out.  A rule
 * already expanded in this lookup adds nothing new, so it is skipped; the
 * depth guard only trips if finish() let a chain through that it should
 * have refused.
 */
static int
expand(const struct route_table *t, uint32_t r, unsigned depth,
       struct rt_vec *out, struct rt_vec *seen, struct route_error *err)
{
	const struct rt_rule *rule = rt_rule_get(t, r);
	uint32_t k, di, tg;

	if (depth > t->max_depth)
		return route_error_set(
		    err, ROUTE_ESYS,
		    "forwarding through %s is deeper than %u rules",
		    rt_rule_match(rule), t->max_depth);
	for (k = 0; k < rule->ndests; k++) {
		di = rt_rule_dest(t, rule, k);
		tg = t->dests[di].target;
		if (tg == RT_NONE) {
			if (!vec_has(out, di))
				vec_add(out, di);
		} else if (rt_rule_get(t, tg)->action == ROUTE_ACTION_FORWARD &&
			   !vec_has(seen, tg)) {
			vec_add(seen, tg);
			if (expand(t, tg, depth + 1, out, seen, err) == -1)
				return -1;
		}
	}
	return 0;
}

/*
 * forward_expand - the final destinations of forward rule r, into *out
 * (vec_init'ed here; the caller frees it).  Shared by the lookup and the
 * verdict, so that both agree on which forwards drop.
 */
static int
forward_expand(const struct route_table *t, uint32_t r, struct rt_vec *out,
	       struct route_error *err)
{
	struct rt_vec seen;
	int rc;

	vec_init(out);
	vec_init(&seen);
	vec_add(&seen, r);
	rc = expand(t, r, 1, out, &seen, err);
	vec_free(&seen);
	return rc;
}

/* decide_forward - verdict, dests and why for a matching forward rule. */
static int
decide_forward(const struct route_table *t, uint32_t r,
	       struct route_decision *d, struct rt_line *why,
	       struct route_error *err)
{
	struct rt_vec out;
	size_t k;

	if (forward_expand(t, r, &out, err) == -1) {
		vec_free(&out);
		return -1;
	}
	if (out.n == 0) {
		d->verdict = ROUTE_DROP;
		rt_line_add(why, "forward, but every destination drops");
	} else {
		d->verdict = ROUTE_FORWARD;
		d->dests = route_xcalloc(out.n, sizeof(*d->dests));
		d->ndests = out.n;
		rt_line_add(why, "forward to ");
		for (k = 0; k < out.n; k++) {
			d->dests[k] = route_xstrdup(t->dests[out.v[k]].addr);
			if (k > 0)
				rt_line_add(why, ", ");
			rt_line_add(why, d->dests[k]);
		}
	}
	vec_free(&out);
	return 0;
}

/* decide_rule - fill d for the rule the lookup order found. */
static int
decide_rule(const struct route_table *t, const struct rt_match *m,
	    struct route_decision *d, struct route_error *err)
{
	const struct rt_rule *rule = rt_rule_get(t, m->rule);
	struct rt_line why;

	d->reason = m->reason;
	d->rule_id = rule->id;
	d->rule_match = rt_rule_match(rule);
	rt_line_init(&why, d->why, sizeof(d->why));
	rt_line_add(&why, route_reason_name(m->reason));
	rt_line_add(&why, " rule");
	line_add_id(&why, rule->id);
	rt_line_add(&why, " ");
	rt_line_add(&why, d->rule_match);
	rt_line_add(&why, ": ");
	switch (rule->action) {
	case ROUTE_ACTION_FORWARD:
		return decide_forward(t, m->rule, d, &why, err);
	case ROUTE_ACTION_DROP:
		d->verdict = ROUTE_DROP;
		rt_line_add(&why, "drop");
		break;
	default:
		d->verdict = ROUTE_REJECT;
		d->text = rule->u.text;
		rt_line_add(&why, "reject");
		if (d->text != NULL) {
			rt_line_add(&why, " \"");
			rt_line_add(&why, d->text);
			rt_line_add(&why, "\"");
		}
		break;
	}
	return 0;
}

/* unmatched_verdict - no rule matched: not routed, or the domain's
 * default for unknown addresses. */
static enum route_verdict
unmatched_verdict(const struct route_table *t, const struct rt_match *m)
{
	const struct rt_domain *dom;

	if (m->domain == RT_NONE || !t->domains[m->domain].enabled)
		return ROUTE_NOT_ROUTED;
	dom = &t->domains[m->domain];
	return dom->unknown == ROUTE_UNKNOWN_PASS ? ROUTE_PASS : ROUTE_UNKNOWN;
}

/* decide_unmatched - unmatched_verdict, and why. */
static void
decide_unmatched(const struct route_table *t, const struct route_addr *a,
		 const struct rt_match *m, struct route_decision *d)
{
	const struct rt_domain *dom;
	struct rt_line why;

	rt_line_init(&why, d->why, sizeof(d->why));
	d->verdict = unmatched_verdict(t, m);
	if (m->domain == RT_NONE) {
		rt_line_add(&why, "domain ");
		rt_line_add(&why, a->domain);
		rt_line_add(&why, " is not routed");
		return;
	}
	dom = &t->domains[m->domain];
	if (!dom->enabled) {
		rt_line_add(&why, "domain ");
		rt_line_add(&why, dom->name);
		rt_line_add(&why, " is disabled");
		return;
	}
	d->reason = ROUTE_BY_DEFAULT;
	rt_line_add(&why, "no rule; domain ");
	rt_line_add(&why, dom->name);
	rt_line_add(&why, d->verdict == ROUTE_PASS
			      ? " passes unknown addresses to the MTA"
			      : " refuses unknown addresses");
}

/*
 * parse_rcpt - rcpt parsed for a lookup: 1 with *a_r to resolve, 0 when
 * the path has no domain (not routed), -1 for the null path or a parse
 * error.  *a_r is to be freed after 1 and 0.
 */
static int
parse_rcpt(const char *rcpt, struct route_addr *a_r, struct route_error *err)
{
	if (route_addr_parse(rcpt, a_r, err) == -1)
		return -1;
	if (a_r->null_path) {
		route_addr_free(a_r);
		return route_error_set(err, ROUTE_EINVAL,
				       "the null path <> is not a recipient");
	}
	return a_r->domain != NULL;
}

/* route_table_lookup - decide what happens to one recipient. */
int
route_table_lookup(const struct route_table *t, const char *rcpt,
		   struct route_decision *d, struct route_error *err)
{
	struct route_addr a;
	struct rt_match m;
	int rc;

	memset(d, 0, sizeof(*d));
	if ((rc = parse_rcpt(rcpt, &a, err)) == -1)
		return -1;
	if (rc == 0) {
		d->verdict = ROUTE_NOT_ROUTED;
		snprintf(d->why, sizeof(d->why), "address %s has no domain",
			 a.local);
		route_addr_free(&a);
		return 0;
	}
	rt_resolve(t, &a, &m);
	rc = 0;
	if (m.rule == RT_NONE)
		decide_unmatched(t, &a, &m, d);
	else if ((rc = decide_rule(t, &m, d, err)) == -1)
		route_decision_clear(d);
	route_addr_free(&a);
	return rc;
}

/* route_table_verdict - route_table_lookup's verdict alone. */
int
route_table_verdict(const struct route_table *t, const char *rcpt,
		    enum route_verdict *verdict_r, struct route_error *err)
{
	struct route_addr a;
	struct rt_match m;
	struct rt_vec out;
	int rc;

	*verdict_r = ROUTE_NOT_ROUTED;
	if ((rc = parse_rcpt(rcpt, &a, err)) == -1)
		return -1;
	if (rc == 1)
		rt_resolve(t, &a, &m);
	route_addr_free(&a);
	if (rc == 0)
		return 0;
	if (m.rule == RT_NONE) {
		*verdict_r = unmatched_verdict(t, &m);
		return 0;
	}
	switch (rt_rule_get(t, m.rule)->action) {
	case ROUTE_ACTION_FORWARD:
		if ((rc = forward_expand(t, m.rule, &out, err)) == 0)
			*verdict_r = out.n > 0 ? ROUTE_FORWARD : ROUTE_DROP;
		vec_free(&out);
		return rc;
	case ROUTE_ACTION_DROP:
		*verdict_r = ROUTE_DROP;
		return 0;
	default:
		*verdict_r = ROUTE_REJECT;
		return 0;
	}
}

/*
 * guess_key - the key a lookup of rcpt tries first, when rcpt is a plain
 * address (ASCII, no quoting, no source route), into key; its length, or
 * 0 when rcpt is not plain (the parser would have to say what it is).
 */
static size_t
guess_key(const struct route_table *t, const char *rcpt, char *key, size_t size)
{
	size_t n = strlen(rcpt), llen, dlen, i;
	const char *at;
	unsigned char c;

	if (n >= 2 && rcpt[0] == '<' && rcpt[n - 1] == '>') {
		rcpt++;
		n -= 2;
	}
	if (n >= size || (at = memchr(rcpt, '@', n)) == NULL || at == rcpt)
		return 0;
	for (i = 0; i < n; i++) {
		c = (unsigned char)rcpt[i];
		if (c <= ' ' || c >= 0x7f || c == '"' || c == '\\' ||
		    c == '<' || c == '>')
			return 0;
	}
	llen = (size_t)(at - rcpt);
	dlen = n - llen - 1;
	if (dlen > 0 && rcpt[n - 1] == '.')
		dlen--;
	route_local_fold_to(key, rcpt, llen, t->case_sensitive);
	key[llen] = '@';
	for (i = 0; i < dlen; i++) {
		c = (unsigned char)at[1 + i];
		key[llen + 1 + i] = (char)(c >= 'A' && c <= 'Z' ? c + 32 : c);
	}
	return llen + 1 + dlen;
}

/* route_table_prefetch - start loading the slot of rcpt's likely key. */
uint64_t
route_table_prefetch(const struct route_table *t, const char *rcpt)
{
	char key[KEY_MAX];
	size_t len = guess_key(t, rcpt, key, sizeof(key));
	uint32_t hash;

	if (len == 0)
		return 0;
	hash = rt_hash_str(key, len);
	__builtin_prefetch(&t->rule_hash.slots[hash & t->rule_hash.mask]);
	return (uint64_t)1 << 32 | hash;
}

/* route_table_prefetch_rule - start loading the rule the slot names. */
void
route_table_prefetch_rule(const struct route_table *t, uint64_t hint)
{
	const struct rt_hash *h = &t->rule_hash;
	uint32_t hash = (uint32_t)hint, i;

	if (hint == 0)
		return;
	for (i = hash & h->mask; h->slots[i].idx != RT_NONE;
	     i = (i + 1) & h->mask)
		if (h->slots[i].hash == hash) {
			__builtin_prefetch(rt_rule_get(t, h->slots[i].idx));
			return;
		}
}

/* route_decision_clear - free the destinations and reset d. */
void
route_decision_clear(struct route_decision *d)
{
	size_t k;

	for (k = 0; k < d->ndests; k++)
		free(d->dests[k]);
	free(d->dests);
	memset(d, 0, sizeof(*d));
}
