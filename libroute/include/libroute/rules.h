/*
 * rules.h - the rule model and the compiled rule table.
 *
 * A table is built once from domains, destinations and rules (by the store,
 * or by tests), checked as a whole (unknown domain, cycle, expansion depth)
 * and then never changes: readers share it by reference count and a new
 * table replaces it when the store changes.  route_table_lookup is the one
 * decision function that the milter, the policy daemon and "milter-ctl test"
 * all call, so they can never disagree.
 *
 * Lookup order for a recipient, first match wins (DESIGN.md):
 *   1. exact address (domain case-insensitive, local part case-insensitive
 *      unless the table was built case-sensitive);
 *   2. the address without its sub-address tag, when the domain has
 *      sub-addressing on and the table has delimiters ("info+x" tries
 *      "info+x", then "info");
 *   3. pattern rules ("sales-*@example.com"), by priority then id, each
 *      against the whole local part; then, with a tag, against the base;
 *   4. the domain's catch-all ("@example.com");
 *   5. the domain's default for unknown addresses (reject or pass).
 * Only active rules match; the lookup passes over the others to the next
 * step.  A rule is active when it is enabled and, for a forward, every
 * destination is valid (DESIGN.md: a forward only goes to a destination
 * that has been verified).  A destination is valid when it was verified;
 * one in a domain of the table that was not is valid only if the lookup
 * order takes it to an active forward or drop rule, or to the default of
 * an enabled domain that passes unknown addresses to the MTA (a mailbox
 * there).  So a forward to one of our addresses that the table itself
 * would refuse (a reject rule, no rule in a domain that refuses unknown
 * addresses, a disabled domain, a forward that is itself inactive) is
 * inactive, rather than adding a recipient that bounces.  Mail for a
 * domain that is not in the table, or is disabled, is not routed at all.
 */
#ifndef LIBROUTE_RULES_H
#define LIBROUTE_RULES_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include <libroute/error.h>

/* The defaults of struct route_table_opts, which the config file shares. */
#define ROUTE_DEFAULT_DELIMITERS "+"
#define ROUTE_DEFAULT_MAX_DEPTH 8

enum route_unknown {
	ROUTE_UNKNOWN_REJECT = 0, /* refuse unknown addresses 550 5.1.1 */
	ROUTE_UNKNOWN_PASS,	  /* let the host MTA deliver them */
};

enum route_action {
	ROUTE_ACTION_FORWARD = 0,
	ROUTE_ACTION_DROP,
	ROUTE_ACTION_REJECT,
};

/* What kind of address a rule matches; derived from its match string. */
enum route_match {
	ROUTE_MATCH_EXACT = 0, /* "info@example.com" */
	ROUTE_MATCH_PATTERN,   /* "sales-*@example.com": '*' any run, '?' one */
	ROUTE_MATCH_CATCHALL,  /* "@example.com" */
};

struct route_domain_def {
	const char *name; /* any case, U- or A-labels */
	bool enabled;
	enum route_unknown unknown;
	bool subaddress; /* split local+tag for lookup */
};

struct route_dest_def {
	const char *addr; /* a mailbox "user@host" */
	bool verified;
};

struct route_rule_def {
	int64_t id;	   /* store id; 0 for none */
	const char *match; /* exact, pattern or "@domain" */
	enum route_action action;
	const char *const *dests; /* forward: 1..N mailboxes */
	size_t ndests;
	const char *text; /* reject: optional text, else NULL */
	bool enabled;
	int priority;	     /* patterns: lower is tried first */
	const char *comment; /* free text or NULL */
};

struct route_table_opts {
	const char *delimiters; /* sub-address delimiters, default
				   ROUTE_DEFAULT_DELIMITERS; NULL or ""
				   turns splitting off */
	bool case_sensitive;	/* local parts compared as given */
	unsigned max_depth;	/* most forward rules one recipient may
				   pass through, default
				   ROUTE_DEFAULT_MAX_DEPTH; 0 means the
				   default */
};

/* route_table_opts_init - fill opts with the defaults
 * (ROUTE_DEFAULT_DELIMITERS, case-insensitive, ROUTE_DEFAULT_MAX_DEPTH). */
void route_table_opts_init(struct route_table_opts *opts);

/*
 * route_rule_match_kind - classify a match string and check its syntax.
 * Returns 0 and the kind in *kind_r, or -1 with ROUTE_EINVAL and a reason
 * (bad address, '*' in the domain part, empty pattern ...).
 */
int route_rule_match_kind(const char *match, enum route_match *kind_r,
			  struct route_error *err);

/*
 * route_rule_match_normalise - the one spelling of a match string, exactly
 * as a table shows it in route_decision.rule_match: the domain normalised
 * to lower-case A-labels, the local part as given (not case-folded),
 * quoted only when it must be ("Info@EXAMPLE.com" gives "Info@example.com",
 * "@Bücher.example" gives "@xn--bcher-kva.example").  Two match strings a
 * table treats as the same rule may still differ here in the case of the
 * local part.  Checks the syntax as route_rule_match_kind does.  Returns 0
 * and a string in *norm_r that the caller frees, or -1 with ROUTE_EINVAL
 * and the reason.
 */
int route_rule_match_normalise(const char *match, char **norm_r,
			       struct route_error *err);

struct route_table_builder;
struct route_table;

/*
 * route_table_builder_new - start a table.  opts may be NULL for defaults;
 * the strings in opts are copied.
 */
struct route_table_builder *
route_table_builder_new(const struct route_table_opts *opts);

/*
 * route_table_builder_add_domain/_dest/_rule - add one definition; all
 * strings are copied.  Each checks the definition on its own (syntax,
 * duplicates, a forward without destinations, a bad reject text, a rule for
 * a domain that was not added, a table that is full) and returns -1 with
 * the reason,
 * leaving the builder as it was.  Domains must be added before their rules;
 * destinations may come in any order.
 *
 * Details of the rule checks: a forward needs 1..N mailboxes, none given
 * twice; drop and reject take no destinations; only reject takes a text
 * ("" means none): at most 200 bytes of printable ASCII and TAB, as it
 * goes into one line of a 550 reply (no line break, no other control
 * character, no byte of 0x80 or more, so no UTF-8 either).  Two
 * rules with the same match string (after normalising the domain and
 * folding the local part as the table compares them) are refused with
 * ROUTE_EEXIST, a rule whose domain was not added with ROUTE_ENOENT, the
 * rest with ROUTE_EINVAL.  A destination that no add_dest named counts as
 * not verified.  A table holds at most 2^29 (536,870,912) each of rules,
 * domains, destinations and destination references, and 16 GiB of rule
 * records (some 200 million rules); past that the add is refused with
 * ROUTE_EINVAL ("... the table is full").  The messages name the rule or
 * address concerned.
 */
int route_table_builder_add_domain(struct route_table_builder *b,
				   const struct route_domain_def *def,
				   struct route_error *err);
int route_table_builder_add_dest(struct route_table_builder *b,
				 const struct route_dest_def *def,
				 struct route_error *err);
int route_table_builder_add_rule(struct route_table_builder *b,
				 const struct route_rule_def *def,
				 struct route_error *err);

/*
 * route_table_builder_finish - compile the table.  Checks the whole set:
 * a forward chain that comes back to a rule it passed (ROUTE_ECYCLE, naming
 * the addresses of the loop) or that is deeper than max_depth is refused,
 * so lookups can never loop.  Consumes the builder in every case (*b is
 * set to NULL).  Returns the table with one reference, or NULL with err set.
 *
 * Where a destination leads is found with the lookup order itself, so a
 * loop closed by a sub-address, a pattern or a catch-all is refused too
 * ("forwarding loop: a@x -> b@x -> a@x (rules a@x, @x)"); rules that cannot
 * match (disabled, inactive, in a disabled domain) take no part.  Which
 * rules are active (see the top of this file) is settled before that, and
 * a forward made inactive can make inactive another that forwards to it,
 * and so on down the chain.  Because
 * enabling a rule, verifying a destination or enabling a domain can close a
 * loop, a store checks a change by building the table with it.  A non-zero
 * rule id given to two rules is refused with ROUTE_EINVAL.
 */
struct route_table *route_table_builder_finish(struct route_table_builder **b,
					       struct route_error *err);

/* route_table_builder_free - discard an unfinished builder; *b may be NULL. */
void route_table_builder_free(struct route_table_builder **b);

/* route_table_ref - take another reference (thread-safe); returns t. */
struct route_table *route_table_ref(struct route_table *t);

/* route_table_unref - drop a reference (thread-safe), freeing the table with
 * the last one, and set *t to NULL.  *t may be NULL. */
void route_table_unref(struct route_table **t);

/* route_table_rule_count - number of rules in the table (all states). */
size_t route_table_rule_count(const struct route_table *t);

enum route_verdict {
	ROUTE_NOT_ROUTED = 0, /* not our domain (or disabled): untouched */
	ROUTE_PASS,	      /* unknown address, domain says pass */
	ROUTE_FORWARD,	      /* replace by dests[] */
	ROUTE_DROP,	      /* accept, deliver nowhere */
	ROUTE_REJECT,	      /* refuse 550 5.7.1 with text */
	ROUTE_UNKNOWN,	      /* refuse 550 5.1.1 */
};

/* How the decision was reached; for logs and "milter-ctl test". */
enum route_reason {
	ROUTE_BY_NONE = 0, /* not routed */
	ROUTE_BY_EXACT,
	ROUTE_BY_SUBADDRESS,
	ROUTE_BY_PATTERN,
	ROUTE_BY_CATCHALL,
	ROUTE_BY_DEFAULT, /* domain default for unknown addresses */
};

struct route_decision {
	enum route_verdict verdict;
	enum route_reason reason;
	int64_t rule_id;	/* the rule that matched, 0 for none */
	const char *rule_match; /* its match string, NULL for none */
	const char *text;	/* reject text or NULL; points into the table */
	char **dests;		/* forward: final mailboxes after expansion,
				   duplicates removed, in first-seen order */
	size_t ndests;
	char why[256]; /* one line for a person: "exact rule 12
			  info@example.com: forward to me@gmail.com",
			  "no rule; domain example.com refuses
			  unknown addresses"; ends in "..." when
			  it did not fit */
};

/*
 * route_table_lookup - decide what happens to one recipient.
 *
 * rcpt is an SMTP path as the MTA gives it (with or without <>).  Forward
 * destinations that are themselves routed addresses are expanded through
 * their own rules (a destination whose rule drops contributes nothing).
 * Fills *d (release with route_decision_clear) and returns 0; returns -1
 * with ROUTE_EINVAL when rcpt is not a valid address.  The strings in *d
 * other than dests point into t and live as long as the caller's reference.
 *
 * Expansion: a destination in one of the table's domains goes through the
 * lookup order again; a forward gives its own destinations (recursively),
 * a drop gives nothing, and anything else keeps the destination as it is,
 * for the MTA to deliver.  Only an active rule forwards, so "anything
 * else" is a passing domain's default, or whatever a destination reaches
 * that was verified itself.  Duplicates (compared as the table compares
 * addresses) are
 * removed, first seen first.  A forward whose every destination drops
 * gives ROUTE_DROP.  An address without a domain ("<postmaster>") is not
 * routed; the null path "<>" is ROUTE_EINVAL.  Returns -1 with ROUTE_ESYS
 * only if expansion went deeper than max_depth, which finish() prevents.
 */
int route_table_lookup(const struct route_table *t, const char *rcpt,
		       struct route_decision *d, struct route_error *err);

/*
 * route_table_verdict - the verdict route_table_lookup gives rcpt, and
 * nothing else: no destinations are copied and no why is written, so a
 * caller that only accepts or refuses (route-policyd, asked about every
 * recipient Postfix sees) pays for the lookup order alone.  A forward is
 * still expanded, so a forward whose every destination drops is
 * ROUTE_DROP here too.  Returns 0 with *verdict_r, or -1 with the errors
 * of route_table_lookup (and *verdict_r ROUTE_NOT_ROUTED).  A caller that
 * refuses calls route_table_lookup for the words and the why.
 */
int route_table_verdict(const struct route_table *t, const char *rcpt,
			enum route_verdict *verdict_r, struct route_error *err);

/*
 * route_table_prefetch, route_table_prefetch_rule - hints that rcpt is
 * about to be looked up, for a caller that has many recipients at once.
 * In a table much bigger than the processor's caches a lookup waits twice
 * for memory, for the hash slot and then for the rule it names; asked one
 * after another, a batch waits twice per recipient.  Call
 * route_table_prefetch for every recipient of the batch (it starts
 * loading the slot and returns at once), then route_table_prefetch_rule
 * with what each returned (the slot is there by now: it starts loading
 * the rule), then look them up: the waits of the batch overlap.  For a
 * single recipient they only cost time.
 *
 * The key is worked out from rcpt as written when rcpt is a plain ASCII
 * address; for any other route_table_prefetch returns 0, which
 * route_table_prefetch_rule ignores.  A wrong guess only loads something
 * that is not used.  Neither changes anything, and the answer of a lookup
 * never depends on them.
 */
uint64_t route_table_prefetch(const struct route_table *t, const char *rcpt);
void route_table_prefetch_rule(const struct route_table *t, uint64_t hint);

/* route_decision_clear - free what a lookup allocated in d. */
void route_decision_clear(struct route_decision *d);

/*
 * route_decision_reply - the SMTP reply for a decision that refuses the
 * recipient, so the milter, the policy daemon and "milter-ctl test" show
 * the same words.  For ROUTE_REJECT sets *code_r "550", *xcode_r "5.7.1"
 * and *text_r the rule's text (or "Access denied"); for ROUTE_UNKNOWN
 * "550", "5.1.1", "User unknown"; returns 1.  For every other verdict
 * sets the three to NULL and returns 0.  The strings are constants or
 * point into d; none of the out-pointers may be NULL.  The text is the
 * bare reason, as a Postfix policy service answers it: Postfix shows the
 * sender route_rcpt_reply_text of it, and so must every program that
 * sends the reply itself.  The text is plain: smfi_setreply() ignores a
 * text with a lone '%', so a libmilter caller must double each '%' first.
 */
int route_decision_reply(const struct route_decision *d, const char **code_r,
			 const char **xcode_r, const char **text_r);

/*
 * route_rcpt_reply_text - the whole text a sender sees when recipient
 * rcpt (as given at RCPT, with or without <>) is refused for text, in
 * Postfix's form for its own recipient refusals:
 * "<info@example.com>: Recipient address rejected: User unknown".
 * Returns malloc'ed memory.
 */
char *route_rcpt_reply_text(const char *rcpt, const char *text);

/* route_verdict_name - "forward", "drop", "reject", "unknown", "pass",
 * "not-routed". */
const char *route_verdict_name(enum route_verdict v);

/* route_reason_name - "exact", "subaddress", "pattern", "catch-all",
 * "default", "none". */
const char *route_reason_name(enum route_reason r);

/* route_action_name / route_action_parse - "forward", "drop", "reject". */
const char *route_action_name(enum route_action a);
int route_action_parse(const char *s, enum route_action *a_r);

/*
 * route_table_rule_active - whether the rule with store id is active in t:
 * enabled and, for a forward, every destination valid as the top of this
 * file says (verified, or an address of t's domains that the lookup order
 * takes to an active forward or drop rule or to a passing domain's
 * default).  Whether the rule's own domain is enabled plays no part.
 * Returns 1, 0, or -1 when t has no such rule (id 0 never names a rule).
 */
int route_table_rule_active(const struct route_table *t, int64_t id);

/*
 * route_table_rule_blocker - why an enabled forward with store id is
 * inactive in t: the n-th (from 0) of its destinations that is not valid,
 * in the order the rule names them, as the table spells it (domain in
 * lower-case A-labels).  *pending_r (may be NULL) is set true when that
 * destination is outside t's domains, so only "dest verify" makes it
 * valid, and false when it is one of our own addresses that leads nowhere
 * (no active rule takes it anywhere and its domain refuses unknown
 * addresses or is disabled, or a reject rule or an inactive forward
 * catches it).  Returns NULL when there is no n-th such destination, and
 * always for a rule that is active, disabled or not a forward, or an id
 * t does not have.  The string points into t and lives as long as the
 * caller's reference.
 */
const char *route_table_rule_blocker(const struct route_table *t, int64_t id,
				     size_t n, bool *pending_r);

#endif
