/*
 * rules.c - building and sharing the compiled rule table (rules.h): each
 * definition is checked on its own as it is added (syntax, duplicates, a
 * forward without destinations, reject text), finish() hands the table to
 * the whole-set checks of rules_check.c, and the finished table is shared
 * by an atomic reference count.  Lookups are in rules_lookup.c, the names
 * of verdicts and actions in reply.c.
 */
#include <stddef.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>

#include <libroute/addr.h>
#include <libroute/alloc.h>
#include <libroute/rules.h>

#include "rules_int.h"

#define RT_CHUNK (64 * 1024) /* first size of arena and records */
/* Rules, domains, destinations, references: each hash stays at most 70%
 * full, so this many entries never need more than 2^30 slots and the
 * 32-bit slot count can always double. */
#define RT_MAX_ITEMS (1u << 29)
/* Record references are 32-bit offsets / RT_REC_ALIGN, below RT_NONE. */
#define RT_MAX_RECS (UINT32_MAX / 2)
#define RT_TEXT_MAX 200 /* a reject text fits one SMTP reply line */
#define RT_SHOW_MAX 96	/* how much of bad input an error repeats */

_Static_assert((uint64_t)RT_MAX_ITEMS * 10 <= (uint64_t)(1u << 30) * 7,
	       "a full table's hash must fit in 2^30 slots");

struct route_table_builder {
	struct route_table *t;
};

/* A match string taken apart by parse_match. */
struct rt_parsed {
	enum route_match kind;
	char *domain; /* normalised */
	char *shown;  /* what people see: the record's match string */
	char *key;    /* the record's lookup key */
};

/* arena_strdup - a copy of s that lives as long as the table. */
static const char *
arena_strdup(struct rt_arena *a, const char *s)
{
	size_t len = strlen(s) + 1, size;
	struct rt_chunk *c;
	char *p;

	if (len > a->left) {
		size = len > RT_CHUNK ? len : RT_CHUNK;
		c = route_xmalloc(sizeof(*c) + size);
		c->next = a->chunks;
		a->chunks = c;
		a->cur = c->data;
		a->left = size;
	}
	p = a->cur;
	memcpy(p, s, len);
	a->cur += len;
	a->left -= len;
	return p;
}

/* hash_init - an empty hash of cap slots (a power of two). */
static void
hash_init(struct rt_hash *h, uint32_t cap)
{
	h->slots = route_xmalloc(cap * sizeof(*h->slots));
	memset(h->slots, 0xff, cap * sizeof(*h->slots));
	h->mask = cap - 1;
	h->used = 0;
}

/* hash_insert - add idx under hash, doubling the slots past 70% load. */
static void
hash_insert(struct rt_hash *h, uint32_t hash, uint32_t idx)
{
	struct rt_hash old = *h;
	uint32_t i;

	if ((uint64_t)(h->used + 1) * 10 > (uint64_t)(h->mask + 1) * 7) {
		hash_init(h, (h->mask + 1) * 2);
		for (i = 0; i <= old.mask; i++)
			if (old.slots[i].idx != RT_NONE)
				hash_insert(h, old.slots[i].hash,
					    old.slots[i].idx);
		free(old.slots);
	}
	for (i = hash & h->mask; h->slots[i].idx != RT_NONE;
	     i = (i + 1) & h->mask)
		;
	h->slots[i].hash = hash;
	h->slots[i].idx = idx;
	h->used++;
}

/* grow - make room for element n of an array with *cap elements. */
static void *
grow(void *p, uint32_t n, uint32_t *cap, size_t size)
{
	if (n < *cap)
		return p;
	*cap = *cap == 0 ? 16 : *cap * 2;
	return route_xrealloc(p, (size_t)*cap * size);
}

/* show - s as an error message may repeat it: one line, bounded. */
static const char *
show(const char *s, char *buf, size_t size)
{
	size_t i;

	if (s == NULL)
		return "(null)";
	for (i = 0; s[i] != '\0' && i < size - 1; i++)
		buf[i] =
		    (unsigned char)s[i] < 0x20 || s[i] == 0x7f ? '?' : s[i];
	buf[i] = '\0';
	if (s[i] != '\0')
		memcpy(buf + size - 4, "...", 4);
	return buf;
}

/* route_table_opts_init - the defaults. */
void
route_table_opts_init(struct route_table_opts *opts)
{
	opts->delimiters = ROUTE_DEFAULT_DELIMITERS;
	opts->case_sensitive = false;
	opts->max_depth = ROUTE_DEFAULT_MAX_DEPTH;
}

/* parsed_free - free what parse_match filled in. */
static void
parsed_free(struct rt_parsed *p)
{
	free(p->domain);
	free(p->shown);
	free(p->key);
	memset(p, 0, sizeof(*p));
}

/* parse_match - check a match string and make its forms. */
static int
parse_match(const char *match, bool case_sensitive, struct rt_parsed *p,
	    struct route_error *err)
{
	char buf[RT_SHOW_MAX], *local;
	struct route_error e;
	struct route_addr a;
	const char *at;

	memset(p, 0, sizeof(*p));
	if (match == NULL || *match == '\0')
		return route_error_set(err, ROUTE_EINVAL,
				       "empty match: write info@example.com, "
				       "sales-*@example.com or @example.com");
	show(match, buf, sizeof(buf));
	if ((at = strrchr(match, '@')) == NULL)
		return route_error_set(err, ROUTE_EINVAL,
				       "bad match \"%s\": no @domain part",
				       buf);
	if (strpbrk(at + 1, "*?") != NULL)
		return route_error_set(
		    err, ROUTE_EINVAL,
		    "bad match \"%s\": a wildcard is allowed in the local "
		    "part only",
		    buf);
	if (match[0] == '@') {
		if (route_domain_normalise(match + 1, &p->domain, &e) == -1)
			return route_error_set(err, ROUTE_EINVAL,
					       "bad catch-all \"%s\": %s", buf,
					       e.msg);
		p->kind = ROUTE_MATCH_CATCHALL;
		p->shown = route_xasprintf("@%s", p->domain);
		p->key = route_xstrdup(p->shown);
		return 0;
	}
	if (route_addr_parse(match, &a, &e) == -1)
		return route_error_set(err, ROUTE_EINVAL,
				       "bad match \"%s\": %s", buf, e.msg);
	if (a.domain == NULL) {
		route_addr_free(&a);
		return route_error_set(err, ROUTE_EINVAL,
				       "bad match \"%s\": no @domain part",
				       buf);
	}
	p->kind = strpbrk(a.local, "*?") != NULL ? ROUTE_MATCH_PATTERN
						 : ROUTE_MATCH_EXACT;
	p->shown = route_addr_format(&a);
	local = route_local_fold(a.local, case_sensitive);
	p->key = route_xasprintf("%s@%s", local, a.domain);
	p->domain = a.domain;
	a.domain = NULL;
	free(local);
	route_addr_free(&a);
	return 0;
}

/* route_rule_match_kind - classify a match string and check its syntax. */
int
route_rule_match_kind(const char *match, enum route_match *kind_r,
		      struct route_error *err)
{
	struct rt_parsed p;

	if (parse_match(match, false, &p, err) == -1)
		return -1;
	*kind_r = p.kind;
	parsed_free(&p);
	return 0;
}

/* route_rule_match_normalise - the one spelling of a match string that the
 * table shows; the case setting changes only the key, never this. */
int
route_rule_match_normalise(const char *match, char **norm_r,
			   struct route_error *err)
{
	struct rt_parsed p;

	if (parse_match(match, false, &p, err) == -1)
		return -1;
	*norm_r = p.shown;
	p.shown = NULL;
	parsed_free(&p);
	return 0;
}

/* parse_dest - a destination's delivered form and identity key. */
static int
parse_dest(const char *s, bool case_sensitive, char **addr_r, char **key_r,
	   struct route_error *err)
{
	struct route_addr a;
	char *local;

	if (route_addr_parse(s, &a, err) == -1)
		return -1;
	if (a.null_path || a.domain == NULL) {
		route_addr_free(&a);
		return route_error_set(err, ROUTE_EINVAL,
				       "not a mailbox user@domain");
	}
	*addr_r = route_addr_format(&a);
	local = route_local_fold(a.local, case_sensitive);
	*key_r = route_xasprintf("%s@%s", local, a.domain);
	free(local);
	route_addr_free(&a);
	return 0;
}

/* route_table_builder_new - an empty builder. */
struct route_table_builder *
route_table_builder_new(const struct route_table_opts *opts)
{
	struct route_table_builder *b = route_xcalloc(1, sizeof(*b));
	struct route_table_opts def;
	struct route_table *t;

	if (opts == NULL) {
		route_table_opts_init(&def);
		opts = &def;
	}
	b->t = t = route_xcalloc(1, sizeof(*t));
	if (opts->delimiters != NULL && *opts->delimiters != '\0')
		t->delimiters = route_xstrdup(opts->delimiters);
	t->case_sensitive = opts->case_sensitive;
	t->max_depth =
	    opts->max_depth == 0 ? ROUTE_DEFAULT_MAX_DEPTH : opts->max_depth;
	hash_init(&t->rule_hash, 16);
	hash_init(&t->domain_hash, 16);
	hash_init(&t->dest_hash, 16);
	return b;
}

/* table_free - free a table or an unfinished builder's table. */
static void
table_free(struct route_table *t)
{
	struct rt_chunk *c, *next;

	for (c = t->arena.chunks; c != NULL; c = next) {
		next = c->next;
		free(c);
	}
	free(t->delimiters);
	free(t->recs_raw);
	free(t->rule_refs);
	free(t->rule_hash.slots);
	free(t->domains);
	free(t->domain_hash.slots);
	free(t->dests);
	free(t->dest_hash.slots);
	free(t->dest_refs);
	free(t->patterns);
	free(t->by_id);
	free(t);
}

/* route_table_builder_free - discard an unfinished builder. */
void
route_table_builder_free(struct route_table_builder **b)
{
	if (*b == NULL)
		return;
	table_free((*b)->t);
	free(*b);
	*b = NULL;
}

/* route_table_builder_add_domain - add one routed domain. */
int
route_table_builder_add_domain(struct route_table_builder *b,
			       const struct route_domain_def *def,
			       struct route_error *err)
{
	struct route_table *t = b->t;
	struct route_error e;
	struct rt_domain *d;
	char buf[RT_SHOW_MAX], *name;
	int rc = -1;

	if (def->name == NULL || *def->name == '\0')
		return route_error_set(err, ROUTE_EINVAL, "empty domain name");
	if (route_domain_normalise(def->name, &name, &e) == -1)
		return route_error_set(
		    err, ROUTE_EINVAL, "bad domain \"%s\": %s",
		    show(def->name, buf, sizeof(buf)), e.msg);
	if (def->unknown != ROUTE_UNKNOWN_REJECT &&
	    def->unknown != ROUTE_UNKNOWN_PASS)
		route_error_set(
		    err, ROUTE_EINVAL,
		    "domain %s: unknown-address setting %d is neither reject "
		    "nor pass",
		    name, (int)def->unknown);
	else if (rt_domain_find(t, name, strlen(name)) != RT_NONE)
		route_error_set(err, ROUTE_EEXIST, "domain %s exists already",
				name);
	else if (t->ndomains >= RT_MAX_ITEMS)
		route_error_set(err, ROUTE_EINVAL,
				"domain %s: the table is full (at most %u "
				"domains)",
				name, RT_MAX_ITEMS);
	else {
		t->domains = grow(t->domains, t->ndomains, &t->domains_cap,
				  sizeof(*t->domains));
		d = &t->domains[t->ndomains];
		memset(d, 0, sizeof(*d));
		d->name = arena_strdup(&t->arena, name);
		d->catchall = RT_NONE;
		d->enabled = def->enabled;
		d->subaddress = def->subaddress;
		d->unknown = (uint8_t)def->unknown;
		hash_insert(&t->domain_hash, rt_hash_str(name, strlen(name)),
			    t->ndomains++);
		rc = 0;
	}
	free(name);
	return rc;
}

/* dest_find - the destination with identity key, or RT_NONE. */
static uint32_t
dest_find(const struct route_table *t, const char *key)
{
	const struct rt_hash *h = &t->dest_hash;
	uint32_t hash = rt_hash_str(key, strlen(key)), i;

	for (i = hash & h->mask; h->slots[i].idx != RT_NONE;
	     i = (i + 1) & h->mask)
		if (h->slots[i].hash == hash &&
		    strcmp(t->dests[h->slots[i].idx].key, key) == 0)
			return h->slots[i].idx;
	return RT_NONE;
}

/* dest_intern - the one stored copy of a destination, made on first use. */
static uint32_t
dest_intern(struct route_table *t, const char *addr, const char *key)
{
	struct rt_dest *d;
	uint32_t i;

	if ((i = dest_find(t, key)) != RT_NONE)
		return i;
	t->dests = grow(t->dests, t->ndests, &t->dests_cap, sizeof(*t->dests));
	d = &t->dests[t->ndests];
	memset(d, 0, sizeof(*d));
	d->addr = arena_strdup(&t->arena, addr);
	d->key =
	    strcmp(addr, key) == 0 ? d->addr : arena_strdup(&t->arena, key);
	d->target = RT_NONE;
	hash_insert(&t->dest_hash, rt_hash_str(key, strlen(key)), t->ndests);
	return t->ndests++;
}

/* route_table_builder_add_dest - add a destination and its state. */
int
route_table_builder_add_dest(struct route_table_builder *b,
			     const struct route_dest_def *def,
			     struct route_error *err)
{
	struct route_table *t = b->t;
	char buf[RT_SHOW_MAX], *addr, *key;
	struct route_error e;
	uint32_t i;
	int rc = -1;

	if (def->addr == NULL || *def->addr == '\0')
		return route_error_set(err, ROUTE_EINVAL, "empty destination");
	if (parse_dest(def->addr, t->case_sensitive, &addr, &key, &e) == -1)
		return route_error_set(
		    err, ROUTE_EINVAL, "bad destination \"%s\": %s",
		    show(def->addr, buf, sizeof(buf)), e.msg);
	i = dest_find(t, key);
	if (i != RT_NONE && t->dests[i].defined)
		route_error_set(err, ROUTE_EEXIST,
				"destination %s exists already", addr);
	else if (i == RT_NONE && t->ndests >= RT_MAX_ITEMS)
		route_error_set(err, ROUTE_EINVAL,
				"destination %s: the table is full (at most %u "
				"destinations)",
				addr, RT_MAX_ITEMS);
	else {
		i = dest_intern(t, addr, key);
		t->dests[i].defined = true;
		t->dests[i].verified = def->verified;
		rc = 0;
	}
	free(addr);
	free(key);
	return rc;
}

/* has_text - a text that is really there; "" means none. */
static bool
has_text(const char *s)
{
	return s != NULL && *s != '\0';
}

/* check_text - a reject text must fit one line of an SMTP reply: RFC 5321
 * textstring is TAB and printable ASCII; an 8-bit byte there is not SMTP. */
static int
check_text(const char *shown, const char *text, struct route_error *err)
{
	size_t i, n = strlen(text);

	if (n > RT_TEXT_MAX)
		return route_error_set(
		    err, ROUTE_EINVAL,
		    "rule %s: reject text is %zu bytes long, at most %d are "
		    "allowed",
		    shown, n, RT_TEXT_MAX);
	for (i = 0; i < n; i++)
		if (text[i] == '\r' || text[i] == '\n')
			return route_error_set(
			    err, ROUTE_EINVAL,
			    "rule %s: reject text contains a line break "
			    "(CR or LF)",
			    shown);
		else if (((unsigned char)text[i] < 0x20 && text[i] != '\t') ||
			 text[i] == 0x7f)
			return route_error_set(
			    err, ROUTE_EINVAL,
			    "rule %s: reject text contains control character "
			    "0x%02x",
			    shown, (unsigned)(unsigned char)text[i]);
		else if ((unsigned char)text[i] >= 0x80)
			return route_error_set(
			    err, ROUTE_EINVAL,
			    "rule %s: reject text must be printable ASCII "
			    "(byte 0x%02x at offset %zu)",
			    shown, (unsigned)(unsigned char)text[i], i);
	return 0;
}

/* parse_dests - check a forward's destinations into addrs/keys. */
static int
parse_dests(const struct route_table *t, const struct route_rule_def *def,
	    const char *shown, char **addrs, char **keys,
	    struct route_error *err)
{
	char buf[RT_SHOW_MAX];
	struct route_error e;
	size_t i, j;

	/* Each destination may be new, and a list takes references too. */
	if ((uint64_t)t->nrefs + def->ndests > RT_MAX_ITEMS ||
	    (uint64_t)t->ndests + def->ndests > RT_MAX_ITEMS)
		return route_error_set(
		    err, ROUTE_EINVAL,
		    "rule %s: the table is full (at most %u destinations)",
		    shown, RT_MAX_ITEMS);
	for (i = 0; i < def->ndests; i++) {
		if (def->dests[i] == NULL || *def->dests[i] == '\0')
			return route_error_set(err, ROUTE_EINVAL,
					       "rule %s: empty destination",
					       shown);
		if (parse_dest(def->dests[i], t->case_sensitive, &addrs[i],
			       &keys[i], &e) == -1)
			return route_error_set(
			    err, ROUTE_EINVAL,
			    "rule %s: bad destination \"%s\": %s", shown,
			    show(def->dests[i], buf, sizeof(buf)), e.msg);
		for (j = 0; j < i; j++)
			if (strcmp(keys[j], keys[i]) == 0)
				return route_error_set(
				    err, ROUTE_EINVAL,
				    "rule %s: destination %s is listed twice",
				    shown, addrs[i]);
	}
	return 0;
}

/* check_action - the action's own requirements. */
static int
check_action(const struct route_table *t, const struct route_rule_def *def,
	     const char *shown, char **addrs, char **keys,
	     struct route_error *err)
{
	switch (def->action) {
	case ROUTE_ACTION_FORWARD:
		if (def->ndests == 0 || def->dests == NULL)
			return route_error_set(
			    err, ROUTE_EINVAL,
			    "rule %s: forward needs at least one destination",
			    shown);
		if (has_text(def->text))
			return route_error_set(
			    err, ROUTE_EINVAL,
			    "rule %s: only a reject rule has a text", shown);
		return parse_dests(t, def, shown, addrs, keys, err);
	case ROUTE_ACTION_DROP:
	case ROUTE_ACTION_REJECT:
		if (def->ndests > 0)
			return route_error_set(
			    err, ROUTE_EINVAL,
			    "rule %s: a %s rule takes no destinations", shown,
			    route_action_name(def->action));
		if (def->action == ROUTE_ACTION_REJECT)
			return has_text(def->text)
				   ? check_text(shown, def->text, err)
				   : 0;
		if (has_text(def->text))
			return route_error_set(
			    err, ROUTE_EINVAL,
			    "rule %s: only a reject rule has a text", shown);
		return 0;
	}
	return route_error_set(err, ROUTE_EINVAL, "rule %s: unknown action %d",
			       shown, (int)def->action);
}

/* recs_resize - room for cap bytes of records from a cache line. */
static void
recs_resize(struct route_table *t, size_t cap)
{
	size_t shift =
	    t->recs_raw != NULL ? (size_t)(t->recs - t->recs_raw) : 0;
	char *raw = route_xrealloc(t->recs_raw, cap + RT_LINE);

	t->recs = raw + (RT_LINE - (uintptr_t)raw % RT_LINE) % RT_LINE;
	if ((size_t)(t->recs - raw) != shift)
		memmove(t->recs, raw + shift, t->recs_len);
	t->recs_raw = raw;
	t->recs_cap = cap;
}

/*
 * rec_alloc - room for a record of size bytes; returns its reference.  The
 * records start on a cache line, and one that fits a line is not split
 * across two, so that reading a rule costs one cache miss.
 */
static uint32_t
rec_alloc(struct route_table *t, size_t size)
{
	size_t off = t->recs_len;

	if (off + size + RT_LINE > t->recs_cap)
		recs_resize(t, t->recs_cap == 0 ? RT_CHUNK : t->recs_cap * 2);
	if (size <= RT_LINE && off % RT_LINE + size > RT_LINE)
		off += RT_LINE - off % RT_LINE;
	t->recs_len = off + size;
	return (uint32_t)(off / RT_REC_ALIGN);
}

/* commit_rule - store a checked rule; nothing here can fail. */
static void
commit_rule(struct route_table *t, const struct route_rule_def *def,
	    const struct rt_parsed *p, uint32_t dom, char **addrs, char **keys)
{
	size_t i, keylen = strlen(p->key), size;
	bool same = strcmp(p->shown, p->key) == 0;
	struct rt_rule *r;
	uint32_t ref;

	size = offsetof(struct rt_rule, key) + keylen + 1 +
	       (same ? 0 : strlen(p->shown) + 1);
	size = (size + RT_REC_ALIGN - 1) / RT_REC_ALIGN * RT_REC_ALIGN;
	ref = rec_alloc(t, size);
	r = rt_rule_get(t, ref);
	memset(r, 0, size);
	r->id = def->id;
	r->domain = dom;
	r->priority = def->priority;
	r->index = t->nrules;
	r->keylen = (uint16_t)keylen;
	r->action = (uint8_t)def->action;
	r->kind = (uint8_t)p->kind;
	r->enabled = def->enabled;
	r->same = same;
	memcpy(r->key, p->key, keylen + 1);
	if (!same)
		strcpy(r->key + keylen + 1, p->shown);
	if (def->action == ROUTE_ACTION_FORWARD && def->ndests == 1)
		r->u.dests = dest_intern(t, addrs[0], keys[0]);
	else if (def->action == ROUTE_ACTION_FORWARD) {
		r->u.dests = t->nrefs;
		for (i = 0; i < def->ndests; i++) {
			t->dest_refs =
			    grow(t->dest_refs, t->nrefs, &t->refs_cap,
				 sizeof(*t->dest_refs));
			t->dest_refs[t->nrefs++] =
			    dest_intern(t, addrs[i], keys[i]);
		}
	} else if (def->action == ROUTE_ACTION_REJECT && has_text(def->text))
		r->u.text = arena_strdup(&t->arena, def->text);
	r->ndests = (uint32_t)def->ndests;
	if (p->kind == ROUTE_MATCH_CATCHALL)
		t->domains[dom].catchall = ref;
	t->rule_refs = grow(t->rule_refs, t->nrules, &t->rule_refs_cap,
			    sizeof(*t->rule_refs));
	t->rule_refs[t->nrules++] = ref;
	hash_insert(&t->rule_hash, rt_hash_str(r->key, keylen), ref);
}

/* route_table_builder_add_rule - check one rule and add it. */
int
route_table_builder_add_rule(struct route_table_builder *b,
			     const struct route_rule_def *def,
			     struct route_error *err)
{
	struct route_table *t = b->t;
	char **addrs = NULL, **keys = NULL;
	const struct rt_rule *old;
	struct rt_parsed p;
	uint32_t dom, r;
	size_t i;
	int rc = -1;

	if (parse_match(def->match, t->case_sensitive, &p, err) == -1)
		return -1;
	if (def->action == ROUTE_ACTION_FORWARD && def->ndests > 0) {
		addrs = route_xcalloc(def->ndests, sizeof(*addrs));
		keys = route_xcalloc(def->ndests, sizeof(*keys));
	}
	if ((dom = rt_domain_find(t, p.domain, strlen(p.domain))) == RT_NONE)
		route_error_set(err, ROUTE_ENOENT,
				"rule %s: domain %s was not added", p.shown,
				p.domain);
	else if ((r = rt_rule_find(t, p.key, strlen(p.key))) != RT_NONE) {
		old = rt_rule_get(t, r);
		if (old->id != 0)
			route_error_set(err, ROUTE_EEXIST,
					"rule %s exists already (rule %lld %s)",
					p.shown, (long long)old->id,
					rt_rule_match(old));
		else
			route_error_set(err, ROUTE_EEXIST,
					"rule %s exists already (%s)", p.shown,
					rt_rule_match(old));
	} else if (t->nrules >= RT_MAX_ITEMS ||
		   t->recs_len / RT_REC_ALIGN >= RT_MAX_RECS)
		route_error_set(
		    err, ROUTE_EINVAL,
		    "rule %s: the table is full (at most %u rules)", p.shown,
		    t->nrules >= RT_MAX_ITEMS ? RT_MAX_ITEMS : t->nrules);
	else if (check_action(t, def, p.shown, addrs, keys, err) == 0) {
		commit_rule(t, def, &p, dom, addrs, keys);
		rc = 0;
	}
	for (i = 0; addrs != NULL && i < def->ndests; i++) {
		free(addrs[i]);
		free(keys[i]);
	}
	free(addrs);
	free(keys);
	parsed_free(&p);
	return rc;
}

/*
 * huge_copy - a copy of src[0..len) in memory the kernel may back with
 * 2 MiB pages, or NULL when it is too small to gain.  A lookup in a table
 * of a million rules reads two random places in some 80 MiB; with 4 KiB
 * pages each is also a page-table walk that misses the cache (and a
 * prefetch of it stalls), with 2 MiB pages the table fits the TLB.
 * madvise is only a hint: where transparent huge pages are off the copy
 * is ordinary memory, and the table works the same.
 */
static void *
huge_copy(const void *src, size_t len)
{
	const size_t huge = 2 * 1024 * 1024;
	size_t size = (len + huge - 1) / huge * huge;
	void *p;

	if (len < huge || posix_memalign(&p, huge, size) != 0)
		return NULL;
	(void)madvise(p, size, MADV_HUGEPAGE);
	memcpy(p, src, len);
	return p;
}

/* table_to_huge - the two arrays every lookup reads, into huge pages. */
static void
table_to_huge(struct route_table *t)
{
	struct rt_hash *h = &t->rule_hash;
	void *p =
	    huge_copy(h->slots, ((size_t)h->mask + 1) * sizeof(*h->slots));

	if (p != NULL) {
		free(h->slots);
		h->slots = p;
	}
	if ((p = huge_copy(t->recs, t->recs_len)) != NULL) {
		free(t->recs_raw);
		t->recs_raw = t->recs = p;
		t->recs_cap = t->recs_len;
	}
}

/* route_table_builder_finish - check the set and hand out the table. */
struct route_table *
route_table_builder_finish(struct route_table_builder **b,
			   struct route_error *err)
{
	struct route_table *t = (*b)->t;

	free(*b);
	*b = NULL;
	if (rt_compile(t, err) == -1) {
		table_free(t);
		return NULL;
	}
	free(t->dest_hash.slots);
	memset(&t->dest_hash, 0, sizeof(t->dest_hash));
	/* The arrays grew by doubling; give back the slack. */
	t->rule_refs =
	    route_xrealloc(t->rule_refs, t->nrules * sizeof(*t->rule_refs));
	if (t->recs_raw != NULL)
		recs_resize(t, t->recs_len);
	table_to_huge(t);
	t->dests = route_xrealloc(t->dests, t->ndests * sizeof(*t->dests));
	t->dest_refs =
	    route_xrealloc(t->dest_refs, t->nrefs * sizeof(*t->dest_refs));
	atomic_init(&t->refs, 1);
	return t;
}

/* route_table_ref - one more reader. */
struct route_table *
route_table_ref(struct route_table *t)
{
	atomic_fetch_add_explicit(&t->refs, 1, memory_order_relaxed);
	return t;
}

/* route_table_unref - one reader fewer; the last one frees.  acq_rel
 * rather than a release plus a fence: the same order, and thread
 * sanitizers understand it. */
void
route_table_unref(struct route_table **t)
{
	if (*t == NULL)
		return;
	if (atomic_fetch_sub_explicit(&(*t)->refs, 1, memory_order_acq_rel) ==
	    1)
		table_free(*t);
	*t = NULL;
}

/* route_table_rule_count - rules in the table, active or not. */
size_t
route_table_rule_count(const struct route_table *t)
{
	return t->nrules;
}
