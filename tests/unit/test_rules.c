/*
 * test_rules.c - unit tests for lookups in the compiled rule table
 * (libroute/rules*.c): every step of the lookup order and what beats what,
 * inactive rules falling through, expansion through our own addresses,
 * table options, the names of verdicts and actions, and lookups from many
 * threads at once.  Building and its refusals are in test_rules_build.c.
 */
#include <pthread.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <libroute/rules.h>

#include "test_rules.h"

struct valid_lookup_test {
	const char *rcpt;
	enum route_verdict verdict;
	enum route_reason reason;
	int64_t rule_id;
	const char *dests; /* space-separated, NULL for none */
	const char *text;
	const char *why; /* NULL: not checked */
};

#define NR ROUTE_NOT_ROUTED
#define EX ROUTE_BY_EXACT
#define SUB ROUTE_BY_SUBADDRESS
#define PAT ROUTE_BY_PATTERN
#define CA ROUTE_BY_CATCHALL
#define DEF ROUTE_BY_DEFAULT

static const struct valid_lookup_test valid_lookup_tests[] = {
    {"info@example.com", ROUTE_FORWARD, EX, 1, "me@gmail.com", NULL,
     "exact rule 1 info@example.com: forward to me@gmail.com"},
    /* Domain and local part case-insensitive by default, <> optional. */
    {"<Info@EXAMPLE.com>", ROUTE_FORWARD, EX, 1, "me@gmail.com", NULL, NULL},
    /* Exact beats sub-address, which beats the pattern "in*". */
    {"info+vip@example.com", ROUTE_FORWARD, EX, 2, "you@gmail.com", NULL, NULL},
    {"info+other@example.com", ROUTE_FORWARD, SUB, 1, "me@gmail.com", NULL,
     "subaddress rule 1 info@example.com: forward to me@gmail.com"},
    {"intern@example.com", ROUTE_DROP, PAT, 25, NULL, NULL, NULL},
    /* Patterns: priority first (4 before 3), then id (3 before 18). */
    {"sales-x@example.com", ROUTE_FORWARD, PAT, 3, "Other@gmail.com", NULL,
     NULL},
    {"sales-eu1@example.com", ROUTE_DROP, PAT, 4, NULL, NULL,
     "pattern rule 4 sales-eu*@example.com: drop"},
    {"sales-bot@example.com", ROUTE_FORWARD, PAT, 3, "Other@gmail.com", NULL,
     NULL},
    {"ci-bot@example.com", ROUTE_DROP, PAT, 18, NULL, NULL, NULL},
    /* The whole local part first, then its base. */
    {"sales-x+tag@example.com", ROUTE_FORWARD, PAT, 3, "Other@gmail.com", NULL,
     NULL},
    {"news1+foo@example.com", ROUTE_FORWARD, PAT, 21, "Other@gmail.com", NULL,
     NULL},
    /* '?' is one character, also a UTF-8 one. */
    {"jörg@example.com", ROUTE_FORWARD, PAT, 22, "me@gmail.com", NULL, NULL},
    {"jxrg@example.com", ROUTE_FORWARD, PAT, 22, "me@gmail.com", NULL, NULL},
    /* No rule but the catch-all, which beats the domain's default. */
    {"news12@example.com", ROUTE_REJECT, CA, 5, NULL, "Gone",
     "catch-all rule 5 @example.com: reject \"Gone\""},
    {"nobody@example.com", ROUTE_REJECT, CA, 5, NULL, "Gone", NULL},
    /* Disabled, and forwarding to an unverified mailbox: fall through. */
    {"old@example.com", ROUTE_REJECT, CA, 5, NULL, "Gone", NULL},
    {"new@example.com", ROUTE_REJECT, CA, 5, NULL, "Gone", NULL},
    /* Expansion: dedup in first-seen order, a drop adds nothing, a
     * passing domain's default keeps the address as it is.  A
     * destination is shown as first given ("Other@Gmail.com"). */
    {"list@example.com", ROUTE_FORWARD, EX, 8, "me@gmail.com you@gmail.com",
     NULL,
     "exact rule 8 list@example.com: forward to me@gmail.com, "
     "you@gmail.com"},
    {"alias@example.com", ROUTE_FORWARD, EX, 12, "me@gmail.com", NULL, NULL},
    /* A forward to one of our addresses that is refused (a reject rule,
     * a disabled domain) is inactive: the catch-all answers. */
    {"fwdrej@example.com", ROUTE_REJECT, CA, 5, NULL, "Gone", NULL},
    {"gone@example.com", ROUTE_DROP, EX, 14, NULL, NULL,
     "exact rule 14 gone@example.com: forward, but every destination drops"},
    {"fwdpass@example.com", ROUTE_FORWARD, EX, 19, "nobody@pass.example", NULL,
     NULL},
    {"tooff@example.com", ROUTE_REJECT, CA, 5, NULL, "Gone", NULL},
    {"blocked@example.com", ROUTE_REJECT, EX, 11, NULL, NULL,
     "exact rule 11 blocked@example.com: reject"},
    {"noid@example.com", ROUTE_DROP, EX, 0, NULL, NULL,
     "exact rule noid@example.com: drop"},
    {"<\"John Doe\"@example.com>", ROUTE_FORWARD, EX, 23, "you@gmail.com", NULL,
     NULL},
    /* Sub-addressing off for this domain; no catch-all: the default. */
    {"info@nosub.example", ROUTE_FORWARD, EX, 15, "me@gmail.com", NULL, NULL},
    {"info+x@nosub.example", ROUTE_UNKNOWN, DEF, 0, NULL, NULL,
     "no rule; domain nosub.example refuses unknown addresses"},
    {"BOSS@Pass.Example", ROUTE_FORWARD, EX, 16, "you@gmail.com", NULL, NULL},
    {"stranger@pass.example", ROUTE_PASS, DEF, 0, NULL, NULL,
     "no rule; domain pass.example passes unknown addresses to the MTA"},
    {"info@off.example", NR, ROUTE_BY_NONE, 0, NULL, NULL,
     "domain off.example is disabled"},
    {"info@elsewhere.org", NR, ROUTE_BY_NONE, 0, NULL, NULL,
     "domain elsewhere.org is not routed"},
    {"<postmaster>", NR, ROUTE_BY_NONE, 0, NULL, NULL,
     "address postmaster has no domain"},
    {"info@Bücher.example", ROUTE_FORWARD, EX, 17, "me@gmail.com", NULL, NULL},
    {"info@xn--bcher-kva.example", ROUTE_FORWARD, EX, 17, "me@gmail.com", NULL,
     NULL},
};

/* check_lookup - one valid_lookup_test against t. */
static void
check_lookup(const struct route_table *t, const struct valid_lookup_test *c)
{
	struct route_decision d;
	struct route_error err;
	enum route_verdict v;
	char buf[1024];

	printf("# lookup %s\n", c->rcpt);
	CHECK_INT(route_table_lookup(t, c->rcpt, &d, &err), 0);
	CHECK_STR(route_verdict_name(d.verdict),
		  route_verdict_name(c->verdict));
	CHECK_STR(route_reason_name(d.reason), route_reason_name(c->reason));
	CHECK_INT(d.rule_id, c->rule_id);
	CHECK_STR(join(&d, buf, sizeof(buf)), c->dests);
	CHECK_STR(d.text, c->text);
	if (c->why != NULL)
		CHECK_STR(d.why, c->why);
	route_decision_clear(&d);
	/* The verdict alone (route-policyd's question) is always the same,
	 * and so is the answer after the hints. */
	route_table_prefetch_rule(t, route_table_prefetch(t, c->rcpt));
	CHECK_INT(route_table_verdict(t, c->rcpt, &v, &err), 0);
	CHECK_STR(route_verdict_name(v), route_verdict_name(c->verdict));
}

/*
 * test_prefetch - which recipients get a hint: a plain address is hinted
 * with the key the lookup will use (so spellings of one mailbox share
 * it), and anything the parser must work out is left alone.
 */
static void
test_prefetch(const struct route_table *t)
{
	static const char *const same[] = {
	    "<info@example.com>", "INFO@Example.COM", "info@example.com.",
	    "<Info@EXAMPLE.com.>"};
	static const char *const unhinted[] = {
	    "<>",
	    "postmaster",
	    "<postmaster>",
	    "\"a b\"@example.com",
	    "info@B\u00fccher.example",
	    "<@relay.example:info@example.com>",
	    "@example.com",
	    "<info@example.com",
	    "info@exa mple.com",
	    ""};
	uint64_t h = route_table_prefetch(t, "info@example.com");
	size_t i;

	CHECK(h != 0);
	CHECK(route_table_prefetch(t, "info2@example.com") != h);
	for (i = 0; i < sizeof(same) / sizeof(*same); i++) {
		printf("# hint for %s\n", same[i]);
		CHECK(route_table_prefetch(t, same[i]) == h);
	}
	for (i = 0; i < sizeof(unhinted) / sizeof(*unhinted); i++) {
		printf("# no hint for %s\n", unhinted[i]);
		CHECK(route_table_prefetch(t, unhinted[i]) == 0);
	}
	route_table_prefetch_rule(t, 0); /* nothing to do, nothing done */
}

static void
test_lookups(void)
{
	struct route_table *t = fixture();
	struct route_decision d;
	struct route_error err;
	enum route_verdict v;
	bool pending;
	size_t i;

	CHECK(t != NULL);
	if (t == NULL)
		return;
	CHECK_INT(route_table_rule_count(t), sizeof(rules) / sizeof(rules[0]));
	for (i = 0;
	     i < sizeof(valid_lookup_tests) / sizeof(*valid_lookup_tests); i++)
		check_lookup(t, &valid_lookup_tests[i]);
	test_prefetch(t);

	/* rule_match is the rule as people wrote it, not the address. */
	CHECK_INT(route_table_lookup(t, "info+x@example.com", &d, &err), 0);
	CHECK_STR(d.rule_match, "info@example.com");
	route_decision_clear(&d);

	/* A why that does not fit ends in "...". */
	CHECK_INT(route_table_lookup(t, "many@example.com", &d, &err), 0);
	CHECK_INT(d.ndests, 10);
	CHECK_INT(strlen(d.why), sizeof(d.why) - 1);
	CHECK_STR(d.why + sizeof(d.why) - 4, "...");
	route_decision_clear(&d);

	/* Not recipients at all. */
	CHECK_INT(route_table_lookup(t, "<>", &d, &err), -1);
	CHECK_INT(err.code, ROUTE_EINVAL);
	CHECK_STR(err.msg, "the null path <> is not a recipient");
	CHECK_INT(d.ndests, 0);
	CHECK_INT(route_table_lookup(t, "", &d, &err), -1);
	CHECK_INT(route_table_lookup(t, "a@@example.com", &d, &err), -1);
	CHECK_INT(err.code, ROUTE_EINVAL);
	CHECK_INT(route_table_verdict(t, "<>", &v, &err), -1);
	CHECK_STR(err.msg, "the null path <> is not a recipient");
	CHECK_INT(v, ROUTE_NOT_ROUTED);
	CHECK_INT(route_table_verdict(t, "a@@example.com", &v, &err), -1);
	CHECK_INT(err.code, ROUTE_EINVAL);

	CHECK_INT(route_table_rule_active(t, 1), 1);
	CHECK_INT(route_table_rule_active(t, 6), 0);  /* disabled */
	CHECK_INT(route_table_rule_active(t, 7), 0);  /* unverified */
	CHECK_INT(route_table_rule_active(t, 12), 1); /* our own address */
	CHECK_INT(route_table_rule_active(t, 19), 1); /* passing domain */
	CHECK_INT(route_table_rule_active(t, 13), 0); /* to a reject */
	CHECK_INT(route_table_rule_active(t, 20), 0); /* to a disabled domain */
	CHECK_INT(route_table_rule_active(t, 5), 1);  /* reject catch-all */
	CHECK_INT(route_table_rule_active(t, 999), -1);
	CHECK_INT(route_table_rule_active(t, 0), -1);

	/* What keeps a rule inactive; nothing for one that is not. */
	pending = false;
	CHECK_STR(route_table_rule_blocker(t, 7, 0, &pending),
		  "pending@gmail.com");
	CHECK(pending);
	CHECK_STR(route_table_rule_blocker(t, 13, 0, &pending),
		  "blocked@example.com");
	CHECK(!pending);
	CHECK_STR(route_table_rule_blocker(t, 13, 1, NULL), NULL);
	CHECK_STR(route_table_rule_blocker(t, 20, 0, NULL), "x@off.example");
	CHECK_STR(route_table_rule_blocker(t, 1, 0, NULL), NULL); /* active */
	CHECK_STR(route_table_rule_blocker(t, 6, 0, NULL), NULL); /* disabled */
	CHECK_STR(route_table_rule_blocker(t, 5, 0, NULL), NULL); /* reject */
	CHECK_STR(route_table_rule_blocker(t, 999, 0, NULL), NULL);
	CHECK_STR(route_table_rule_blocker(t, 0, 0, NULL), NULL);
	route_table_unref(&t);
	CHECK(t == NULL);
}

/* One small table per case: options, domains, rules, then a probe. */
struct opts_test {
	const char *delimiters;
	bool case_sensitive;
	const char *rcpt;
	const char *want;
};

static const struct opts_test opts_tests[] = {
    /* Case-sensitive tables compare local parts as given, domains not. */
    {"+", true, "Boss@PASS.example", "forward exact you@gmail.com"},
    {"+", true, "boss@pass.example", "pass default"},
    {"+", true, "INFO@example.com", "reject catch-all"},
    {"+", false, "boss@pass.example", "forward exact you@gmail.com"},
    /* Delimiters "" turn sub-addressing off; others may be chosen. */
    {"", false, "news1+foo@example.com", "reject catch-all"},
    {"-+", false, "info-x@example.com", "forward subaddress me@gmail.com"},
    {"-", false, "news1+foo@example.com", "reject catch-all"},
    /* With '-' as delimiter, "sales-eu1" still hits the pattern first. */
    {"-", false, "sales-eu1@example.com", "drop pattern"},
};

static void
test_opts(void)
{
	struct route_table_builder *b;
	struct route_table_opts o;
	struct route_table *t;
	struct route_error err;
	char buf[512];
	size_t i;

	for (i = 0; i < sizeof(opts_tests) / sizeof(opts_tests[0]); i++) {
		route_table_opts_init(&o);
		o.delimiters = opts_tests[i].delimiters;
		o.case_sensitive = opts_tests[i].case_sensitive;
		b = fixture_builder(&o);
		t = route_table_builder_finish(&b, &err);
		CHECK(t != NULL);
		if (t == NULL)
			continue;
		printf("# opts \"%s\" %d %s\n", o.delimiters, o.case_sensitive,
		       opts_tests[i].rcpt);
		CHECK_STR(one_lookup(t, opts_tests[i].rcpt, buf, sizeof(buf)),
			  opts_tests[i].want);
		route_table_unref(&t);
	}
}

/*
 * A forward to one of our own addresses is active only when that address
 * leads somewhere (rules.h): a small set (domains as set_table takes
 * them), what a recipient gets, whether rule id is active, and the first
 * two destinations route_table_rule_blocker names for it, each pending
 * (outside our domains) or not (our own address that leads nowhere).
 */
struct active_test {
	const char *name;
	const char *domains[3];
	struct rule_spec rules[4];
	const char *rcpt;
	const char *want;
	int64_t id;
	int active;
	const char *blockers[2];
	bool pending[2];
};

static const struct active_test active_tests[] = {
    /* Not active: the address would bounce, or was not checked. */
    {"to our address whose forward is inactive",
     {"x.test"},
     {FWD_RULE(1, "team@x.test", "pending@gmail.com"),
      FWD_RULE(2, "info@x.test", "team@x.test")},
     "info@x.test",
     "unknown default",
     2,
     0,
     {"team@x.test"},
     {false}},
    {"that address itself is unknown",
     {"x.test"},
     {FWD_RULE(1, "team@x.test", "pending@gmail.com"),
      FWD_RULE(2, "info@x.test", "team@x.test")},
     "team@x.test",
     "unknown default",
     1,
     0,
     {"pending@gmail.com"},
     {true}},
    {"to our address with no rule, in a refusing domain",
     {"x.test"},
     {FWD_RULE(1, "sales@x.test", "nobody@x.test")},
     "sales@x.test",
     "unknown default",
     1,
     0,
     {"nobody@x.test"},
     {false}},
    {"to our address with a reject rule",
     {"x.test"},
     {FWD_RULE(1, "a@x.test", "b@x.test"),
      {2, "b@x.test", REJ, {NULL}, NULL, false, 0}},
     "a@x.test",
     "unknown default",
     1,
     0,
     {"b@x.test"},
     {false}},
    {"to our address caught by a reject catch-all",
     {"x.test"},
     {FWD_RULE(1, "a@x.test", "b@x.test"),
      {2, "@x.test", REJ, {NULL}, "Gone", false, 0}},
     "a@x.test",
     "reject catch-all",
     1,
     0,
     {"b@x.test"},
     {false}},
    {"to a disabled domain",
     {"x.test", "!y.test"},
     {FWD_RULE(1, "a@x.test", "b@y.test"),
      FWD_RULE(2, "b@y.test", "me@gmail.com")},
     "a@x.test",
     "unknown default",
     1,
     0,
     {"b@y.test"},
     {false}},
    {"to our address whose rule is disabled",
     {"x.test"},
     {FWD_RULE(1, "a@x.test", "b@x.test"),
      {2, "b@x.test", FWD, {"me@gmail.com"}, NULL, true, 0}},
     "a@x.test",
     "unknown default",
     1,
     0,
     {"b@x.test"},
     {false}},
    {"down a chain to an unverified mailbox",
     {"x.test"},
     {FWD_RULE(1, "a@x.test", "b@x.test"), FWD_RULE(2, "b@x.test", "c@x.test"),
      FWD_RULE(3, "c@x.test", "d@x.test"),
      FWD_RULE(4, "d@x.test", "me@gmail.com", "pending@gmail.com")},
     "a@x.test",
     "unknown default",
     1,
     0,
     {"b@x.test"},
     {false}},
    {"to a passing domain's address with a reject rule",
     {"x.test", "=p.test"},
     {FWD_RULE(1, "a@x.test", "b@p.test"),
      {2, "b@p.test", REJ, {NULL}, NULL, false, 0}},
     "a@x.test",
     "unknown default",
     1,
     0,
     {"b@p.test"},
     {false}},
    {"to a pattern that is inactive",
     {"x.test"},
     {FWD_RULE(1, "a@x.test", "list-1@x.test"),
      FWD_RULE(2, "list-*@x.test", "pending@gmail.com")},
     "a@x.test",
     "unknown default",
     1,
     0,
     {"list-1@x.test"},
     {false}},
    {"several destinations, named in the rule's order",
     {"x.test"},
     {FWD_RULE(1, "a@x.test", "me@gmail.com", "pending@gmail.com",
	       "Nobody@X.TEST")},
     "a@x.test",
     "unknown default",
     1,
     0,
     {"pending@gmail.com", "Nobody@x.test"},
     {true, false}},
    {"several destinations, named in the rule's order",
     {"x.test"},
     {FWD_RULE(1, "a@x.test", "me@gmail.com", "pending@gmail.com",
	       "Nobody@X.TEST")},
     "a@x.test",
     "unknown default",
     1,
     0,
     {"pending@gmail.com", "Nobody@x.test"},
     {true, false}},
    /* Active: the address leads to an active rule or a mailbox. */
    {"to our address with an active forward",
     {"x.test"},
     {FWD_RULE(1, "a@x.test", "b@x.test"),
      FWD_RULE(2, "b@x.test", "me@gmail.com")},
     "a@x.test",
     "forward exact me@gmail.com",
     1,
     1,
     {NULL},
     {false}},
    {"to our address with a drop rule",
     {"x.test"},
     {FWD_RULE(1, "a@x.test", "b@x.test"), DROP_RULE(2, "b@x.test")},
     "a@x.test",
     "drop exact",
     1,
     1,
     {NULL},
     {false}},
    {"to a passing domain's address with no rule",
     {"x.test", "=p.test"},
     {FWD_RULE(1, "a@x.test", "box@p.test")},
     "a@x.test",
     "forward exact box@p.test",
     1,
     1,
     {NULL},
     {false}},
    {"past an inactive forward to an active catch-all",
     {"x.test"},
     {FWD_RULE(1, "a@x.test", "b@x.test"),
      FWD_RULE(2, "b@x.test", "pending@gmail.com"),
      FWD_RULE(3, "@x.test", "me@gmail.com")},
     "a@x.test",
     "forward exact me@gmail.com",
     1,
     1,
     {NULL},
     {false}},
    {"through a sub-address and a pattern",
     {"x.test"},
     {FWD_RULE(1, "a@x.test", "b+tag@x.test"),
      FWD_RULE(2, "b@x.test", "list-1@x.test"),
      FWD_RULE(3, "list-*@x.test", "me@gmail.com")},
     "a@x.test",
     "forward exact me@gmail.com",
     1,
     1,
     {NULL},
     {false}},
    {"to our address that was verified itself",
     {"x.test"},
     {FWD_RULE(1, "a@x.test", "ver@x.test")},
     "a@x.test",
     "forward exact ver@x.test",
     1,
     1,
     {NULL},
     {false}},
    {"to a verified address of ours whose forward is inactive",
     {"x.test"},
     {FWD_RULE(1, "a@x.test", "ver@x.test"),
      FWD_RULE(2, "ver@x.test", "pending@gmail.com")},
     "a@x.test",
     "forward exact ver@x.test",
     1,
     1,
     {NULL},
     {false}},
};

static void
test_active(void)
{
	const struct active_test *c;
	struct route_table *t;
	struct route_error err;
	char buf[512];
	bool pending;
	size_t i, k;

	for (i = 0; i < sizeof(active_tests) / sizeof(active_tests[0]); i++) {
		c = &active_tests[i];
		printf("# active: %s\n", c->name);
		t = set_table(c->domains, 3, c->rules, 4, &err);
		CHECK(t != NULL);
		if (t == NULL) {
			printf("# finish: %s\n", err.msg);
			continue;
		}
		CHECK_STR(one_lookup(t, c->rcpt, buf, sizeof(buf)), c->want);
		CHECK_INT(route_table_rule_active(t, c->id), c->active);
		for (k = 0; k < 2; k++) {
			pending = !c->pending[k];
			CHECK_STR(
			    route_table_rule_blocker(t, c->id, k, &pending),
			    c->blockers[k]);
			if (c->blockers[k] != NULL)
				CHECK_INT(pending, c->pending[k]);
		}
		route_table_unref(&t);
	}
}

static void
test_names(void)
{
	enum route_action a;

	CHECK_STR(route_verdict_name(ROUTE_NOT_ROUTED), "not-routed");
	CHECK_STR(route_verdict_name(ROUTE_UNKNOWN), "unknown");
	CHECK_STR(route_reason_name(ROUTE_BY_CATCHALL), "catch-all");
	CHECK_STR(route_reason_name(ROUTE_BY_NONE), "none");
	CHECK_STR(route_action_name(ROUTE_ACTION_REJECT), "reject");
	CHECK_INT(route_action_parse("drop", &a), 0);
	CHECK_INT(a, ROUTE_ACTION_DROP);
	CHECK_INT(route_action_parse("forward", &a), 0);
	CHECK_INT(a, ROUTE_ACTION_FORWARD);
	CHECK_INT(route_action_parse("Drop", &a), -1);
	CHECK_INT(route_action_parse(NULL, &a), -1);
}

/* Many readers share one table, each with its own reference. */
struct reader {
	struct route_table *t;
	int mismatches;
};

#define READER_ROUNDS 300

static void *
reader_main(void *arg)
{
	struct reader *r = arg;
	const struct valid_lookup_test *c;
	struct route_decision d;
	struct route_error err;
	char buf[1024];
	const char *got;
	size_t n, i;

	for (n = 0; n < READER_ROUNDS; n++)
		for (i = 0; i < sizeof(valid_lookup_tests) /
				    sizeof(*valid_lookup_tests);
		     i++) {
			c = &valid_lookup_tests[i];
			if (route_table_lookup(r->t, c->rcpt, &d, &err) != 0) {
				r->mismatches++;
				continue;
			}
			got = join(&d, buf, sizeof(buf));
			if (d.verdict != c->verdict ||
			    d.rule_id != c->rule_id ||
			    (got == NULL) != (c->dests == NULL) ||
			    (got != NULL && strcmp(got, c->dests) != 0))
				r->mismatches++;
			route_decision_clear(&d);
		}
	route_table_unref(&r->t);
	return NULL;
}

static void
test_threads(void)
{
	struct route_table *t = fixture();
	struct reader readers[4];
	pthread_t tid[4];
	int i, bad = 0;

	for (i = 0; i < 4; i++) {
		readers[i].t = route_table_ref(t);
		readers[i].mismatches = 0;
	}
	/* The builder's reference goes first, as a reload would drop it. */
	route_table_unref(&t);
	for (i = 0; i < 4; i++)
		CHECK_INT(
		    pthread_create(&tid[i], NULL, reader_main, &readers[i]), 0);
	for (i = 0; i < 4; i++) {
		pthread_join(tid[i], NULL);
		bad += readers[i].mismatches;
		CHECK(readers[i].t == NULL);
	}
	CHECK_INT(bad, 0);
}

int
main(void)
{
	test_lookups();
	test_opts();
	test_active();
	test_names();
	test_threads();
	return test_done();
}
