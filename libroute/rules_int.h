/*
 * rules_int.h - private layout of the compiled rule table, shared by the
 * builder (rules.c), the whole-set checks (rules_check.c) and the lookup
 * (rules_lookup.c); not installed.
 *
 * A builder is a table under construction: the add functions fill the same
 * arrays and hash tables that lookups read, and finish() adds what needs
 * the whole set (pattern order, where each destination leads, which rules
 * are active, the loop check).  Everything refers to everything else by
 * 32-bit index or reference, so growing an array leaves nothing dangling.
 *
 * Layout for a table much bigger than the CPU caches: a rule is one record
 * with its lookup key inline, kept within one cache line when it fits, and
 * the hash slots point at records directly.  An exact hit then touches two
 * random cache lines (slot, record) and a miss one, whatever the table size.
 */
#ifndef LIBROUTE_RULES_INT_H
#define LIBROUTE_RULES_INT_H

#include <stdatomic.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include <libroute/addr.h>
#include <libroute/rules.h>

#define RT_NONE UINT32_MAX

/* Strings live in big chunks: one malloc per 64 KiB, not one per string. */
struct rt_chunk {
	struct rt_chunk *next;
	char data[];
};

struct rt_arena {
	struct rt_chunk *chunks;
	char *cur;
	size_t left;
};

/* Records are this aligned; a rule reference is its offset / RT_REC_ALIGN. */
#define RT_REC_ALIGN 8
#define RT_LINE 64 /* cache line */

/* Open addressing with linear probing; the hash is kept to skip compares. */
struct rt_slot {
	uint32_t hash;
	uint32_t idx; /* rule reference or domain/dest index; RT_NONE: empty */
};

struct rt_hash {
	struct rt_slot *slots;
	uint32_t mask; /* capacity - 1; capacity is a power of two */
	uint32_t used;
};

/*
 * A rule record.  key is the lookup form: local part folded and unquoted,
 * "@", domain.  The match string people see (domain normalised, local part
 * as given, quoted when it must be) is the key itself when the two are the
 * same, as they usually are, else it follows the key's NUL.
 */
struct rt_rule {
	int64_t id;
	union {
		const char *text; /* reject: text or NULL */
		uint32_t dests;	  /* forward: the destination itself when
				     ndests is 1, else first in dest_refs */
	} u;
	uint32_t ndests;
	uint32_t domain;
	int32_t priority;
	uint32_t index;	 /* order added; indexes per-rule arrays */
	uint16_t keylen; /* strlen(key) */
	uint8_t action;	 /* enum route_action */
	uint8_t kind;	 /* enum route_match */
	bool enabled;
	bool active; /* can match; set by finish */
	bool same;   /* the match string is the key */
	char key[];
};

/* A domain's pattern rules, in the order lookup tries them. */
struct rt_pattern {
	uint32_t rule; /* reference */
	uint32_t len;  /* of the folded local part that starts key */
};

struct rt_domain {
	const char *name;  /* lower-case A-labels */
	uint32_t catchall; /* rule reference or RT_NONE */
	uint32_t patterns; /* first index in route_table.patterns */
	uint32_t npatterns;
	bool enabled;
	bool subaddress;
	uint8_t unknown; /* enum route_unknown */
};

/* A destination mailbox, stored once however many rules name it. */
struct rt_dest {
	const char *addr; /* as delivered: normalised, quoted if needed */
	const char *key;  /* identity: folded local part "@" domain */
	uint32_t target;  /* reference of the active forward or drop rule
			     this address itself reaches, or RT_NONE; by
			     finish */
	bool verified;
	bool defined;  /* added with add_dest, not only named */
	bool internal; /* its domain is in the table */
	bool valid;    /* a forward may go there (rules.h); by finish */
};

struct route_table {
	atomic_uint refs;
	char *delimiters; /* NULL: sub-addressing off */
	bool case_sensitive;
	unsigned max_depth;
	struct rt_arena arena;
	char *recs;	/* rule records, from a cache line boundary */
	char *recs_raw; /* what was allocated for them */
	size_t recs_len, recs_cap;
	uint32_t *rule_refs; /* reference of each rule, in order added */
	uint32_t nrules, rule_refs_cap;
	struct rt_hash rule_hash; /* key -> rule reference, every kind */
	struct rt_domain *domains;
	uint32_t ndomains, domains_cap;
	struct rt_hash domain_hash; /* name -> domain */
	struct rt_dest *dests;
	uint32_t ndests, dests_cap;
	struct rt_hash dest_hash; /* key -> dest; freed by finish */
	uint32_t *dest_refs;	  /* forward rules' destination lists */
	uint32_t nrefs, refs_cap;
	struct rt_pattern *patterns; /* grouped by domain */
	uint32_t *by_id;	     /* rule references sorted by id; NULL
					when rule_refs already is */
	uint32_t nby_id;
};

/* What the lookup order found for one address. */
struct rt_match {
	uint32_t domain; /* RT_NONE: not a domain of the table */
	uint32_t rule;	 /* reference; RT_NONE: no active rule matched */
	enum route_reason reason;
};

/* A bounded line of text that ends in "..." when it did not fit. */
struct rt_line {
	char *buf;
	size_t size;
	size_t len;
};

/* rt_rule_get - the record of rule reference ref. */
static inline struct rt_rule *
rt_rule_get(const struct route_table *t, uint32_t ref)
{
	return (struct rt_rule *)(void *)(t->recs + (size_t)ref * RT_REC_ALIGN);
}

/* rt_rule_match - the rule's match string as people see it. */
static inline const char *
rt_rule_match(const struct rt_rule *r)
{
	return r->same ? r->key : r->key + r->keylen + 1;
}

/* rt_rule_dest - the index of destination k of forward rule r. */
static inline uint32_t
rt_rule_dest(const struct route_table *t, const struct rt_rule *r, uint32_t k)
{
	return r->ndests == 1 ? r->u.dests : t->dest_refs[r->u.dests + k];
}

/* rt_hash_str - hash of the first len bytes of s. */
uint32_t rt_hash_str(const char *s, size_t len);

/* rt_rule_find - reference of the rule whose key is s[0..len), or RT_NONE. */
uint32_t rt_rule_find(const struct route_table *t, const char *s, size_t len);

/* rt_domain_find - index of the domain named s[0..len), or RT_NONE. */
uint32_t rt_domain_find(const struct route_table *t, const char *s, size_t len);

/*
 * rt_resolve - run the lookup order (steps 1-4 of rules.h) for a parsed
 * address with a domain.  Only active rules match.  A disabled domain
 * yields its index and no rule.  Lookups and finish() both use this, so
 * the loop check sees exactly what lookups will do.
 */
void rt_resolve(const struct route_table *t, const struct route_addr *a,
		struct rt_match *m_r);

/*
 * rt_compile - finish a builder's table (rules_check.c): pattern order,
 * active rules, destination targets, id index, loop and depth check.
 * Returns 0, or -1 with the reason (ROUTE_ECYCLE for a loop or a chain
 * deeper than max_depth, ROUTE_EINVAL for a rule id given twice).
 */
int rt_compile(struct route_table *t, struct route_error *err);

/* rt_line_init - an empty line writing into buf of size bytes (>= 4). */
void rt_line_init(struct rt_line *l, char *buf, size_t size);

/* rt_line_add - append s, truncating with "..." when the line is full. */
void rt_line_add(struct rt_line *l, const char *s);

#endif
