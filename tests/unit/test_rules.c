/*
 * test_rules.c - unit tests for the compiled rule table (libroute/rules*.c):
 * every step of the lookup order and what beats what, inactive rules
 * falling through, expansion through our own addresses, the refusals a
 * person gets for bad rules, loops and deep chains, and lookups from many
 * threads at once.
 */
#include <pthread.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <libroute/rules.h>

#include "test.h"

#define MAXD 12

struct rule_spec {
	int64_t id;
	const char *match;
	enum route_action action;
	const char *dests[MAXD];
	const char *text;
	bool disabled;
	int priority;
};

#define FWD ROUTE_ACTION_FORWARD
#define DROP ROUTE_ACTION_DROP
#define REJ ROUTE_ACTION_REJECT

/* The two commonest rules: enabled, no text, priority 0. */
#define FWD_RULE(id, match, ...)                                               \
	{                                                                      \
		id, match, FWD, {__VA_ARGS__}, NULL, false, 0                  \
	}
#define DROP_RULE(id, match)                                                   \
	{                                                                      \
		id, match, DROP, {NULL}, NULL, false, 0                        \
	}

static const struct route_domain_def domains[] = {
    {"Example.COM", true, ROUTE_UNKNOWN_REJECT, true},
    {"pass.example", true, ROUTE_UNKNOWN_PASS, true},
    {"off.example", false, ROUTE_UNKNOWN_REJECT, true},
    {"nosub.example", true, ROUTE_UNKNOWN_REJECT, false},
    {"Bücher.example", true, ROUTE_UNKNOWN_REJECT, true},
};

static const struct route_dest_def dests[] = {
    {"me@gmail.com", true},
    {"you@gmail.com", true},
    {"Other@Gmail.com", true},
    {"pending@gmail.com", false},
};

#define LONG(n) "a-fairly-long-mailbox-name-" n "@pass.example"

/* Ids deliberately not in order: the table must index them itself. */
static const struct rule_spec rules[] = {
    FWD_RULE(21, "news?@example.com", "other@gmail.com"),
    FWD_RULE(1, "info@example.com", "me@gmail.com"),
    FWD_RULE(2, "info+vip@example.com", "you@gmail.com"),
    {3, "sales-*@example.com", FWD, {"other@gmail.com"}, NULL, false, 10},
    {4, "sales-eu*@example.com", DROP, {NULL}, NULL, false, 5},
    {18, "*-bot@example.com", DROP, {NULL}, NULL, false, 10},
    {5, "@example.com", REJ, {NULL}, "Gone", false, 0},
    {6, "old@example.com", FWD, {"me@gmail.com"}, NULL, true, 0},
    FWD_RULE(7, "new@example.com", "pending@gmail.com"),
    FWD_RULE(8, "list@example.com", "me@gmail.com", "team@example.com",
	     "you@gmail.com"),
    FWD_RULE(9, "team@example.com", "you@gmail.com", "ME@gmail.com",
	     "trash@example.com"),
    DROP_RULE(10, "trash@example.com"),
    {11, "blocked@example.com", REJ, {NULL}, NULL, false, 0},
    FWD_RULE(12, "alias@example.com", "info+x@example.com"),
    FWD_RULE(13, "fwdrej@example.com", "blocked@example.com",
	     "other@gmail.com"),
    FWD_RULE(14, "gone@example.com", "trash@example.com"),
    FWD_RULE(15, "info@nosub.example", "me@gmail.com"),
    FWD_RULE(16, "Boss@pass.example", "you@gmail.com"),
    FWD_RULE(17, "info@BÜCHER.example", "me@gmail.com"),
    FWD_RULE(19, "fwdpass@example.com", "nobody@pass.example"),
    FWD_RULE(20, "tooff@example.com", "x@off.example"),
    FWD_RULE(22, "j?rg@example.com", "me@gmail.com"),
    FWD_RULE(23, "\"john doe\"@example.com", "you@gmail.com"),
    FWD_RULE(24, "many@example.com", LONG("01"), LONG("02"), LONG("03"),
	     LONG("04"), LONG("05"), LONG("06"), LONG("07"), LONG("08"),
	     LONG("09"), LONG("10")),
    DROP_RULE(0, "noid@example.com"),
    DROP_RULE(25, "in*@example.com"),
};

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
     * reject, a pass or a disabled domain keep the address as it is.
     * A destination is shown as first given ("Other@Gmail.com"). */
    {"list@example.com", ROUTE_FORWARD, EX, 8, "me@gmail.com you@gmail.com",
     NULL,
     "exact rule 8 list@example.com: forward to me@gmail.com, "
     "you@gmail.com"},
    {"alias@example.com", ROUTE_FORWARD, EX, 12, "me@gmail.com", NULL, NULL},
    {"fwdrej@example.com", ROUTE_FORWARD, EX, 13,
     "blocked@example.com Other@gmail.com", NULL, NULL},
    {"gone@example.com", ROUTE_DROP, EX, 14, NULL, NULL,
     "exact rule 14 gone@example.com: forward, but every destination drops"},
    {"fwdpass@example.com", ROUTE_FORWARD, EX, 19, "nobody@pass.example", NULL,
     NULL},
    {"tooff@example.com", ROUTE_FORWARD, EX, 20, "x@off.example", NULL, NULL},
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

/* join - the decision's destinations, space-separated, or NULL. */
static const char *
join(const struct route_decision *d, char *buf, size_t size)
{
	size_t k;

	if (d->ndests == 0)
		return NULL;
	buf[0] = '\0';
	for (k = 0; k < d->ndests; k++) {
		if (k > 0)
			strncat(buf, " ", size - strlen(buf) - 1);
		strncat(buf, d->dests[k], size - strlen(buf) - 1);
	}
	return buf;
}

/* add_spec - add one rule_spec to a builder. */
static int
add_spec(struct route_table_builder *b, const struct rule_spec *s,
	 struct route_error *err)
{
	struct route_rule_def def;
	size_t n = 0;

	while (n < MAXD && s->dests[n] != NULL)
		n++;
	memset(&def, 0, sizeof(def));
	def.id = s->id;
	def.match = s->match;
	def.action = s->action;
	def.dests = s->dests;
	def.ndests = n;
	def.text = s->text;
	def.enabled = !s->disabled;
	def.priority = s->priority;
	return route_table_builder_add_rule(b, &def, err);
}

/* fixture_builder - the domains, destinations and rules above. */
static struct route_table_builder *
fixture_builder(const struct route_table_opts *opts)
{
	struct route_table_builder *b = route_table_builder_new(opts);
	struct route_error err;
	size_t i;

	for (i = 0; i < sizeof(domains) / sizeof(domains[0]); i++)
		if (route_table_builder_add_domain(b, &domains[i], &err) != 0)
			printf("# domain %zu: %s\n", i, err.msg);
	for (i = 0; i < sizeof(dests) / sizeof(dests[0]); i++)
		if (route_table_builder_add_dest(b, &dests[i], &err) != 0)
			printf("# dest %zu: %s\n", i, err.msg);
	for (i = 0; i < sizeof(rules) / sizeof(rules[0]); i++)
		if (add_spec(b, &rules[i], &err) != 0)
			printf("# rule %s: %s\n", rules[i].match, err.msg);
	return b;
}

/* fixture - the finished fixture table. */
static struct route_table *
fixture(void)
{
	struct route_table_builder *b = fixture_builder(NULL);
	struct route_error err;
	struct route_table *t = route_table_builder_finish(&b, &err);

	if (t == NULL)
		printf("# finish: %s\n", err.msg);
	return t;
}

/* check_lookup - one valid_lookup_test against t. */
static void
check_lookup(const struct route_table *t, const struct valid_lookup_test *c)
{
	struct route_decision d;
	struct route_error err;
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
}

static void
test_lookups(void)
{
	struct route_table *t = fixture();
	struct route_decision d;
	struct route_error err;
	size_t i;

	CHECK(t != NULL);
	if (t == NULL)
		return;
	CHECK_INT(route_table_rule_count(t), sizeof(rules) / sizeof(rules[0]));
	for (i = 0;
	     i < sizeof(valid_lookup_tests) / sizeof(*valid_lookup_tests); i++)
		check_lookup(t, &valid_lookup_tests[i]);

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

	CHECK_INT(route_table_rule_active(t, 1), 1);
	CHECK_INT(route_table_rule_active(t, 6), 0);  /* disabled */
	CHECK_INT(route_table_rule_active(t, 7), 0);  /* unverified */
	CHECK_INT(route_table_rule_active(t, 12), 1); /* our own address */
	CHECK_INT(route_table_rule_active(t, 19), 1);
	CHECK_INT(route_table_rule_active(t, 999), -1);
	CHECK_INT(route_table_rule_active(t, 0), -1);
	route_table_unref(&t);
	CHECK(t == NULL);
}

/* one_lookup - verdict name and dests of rcpt in t, as one string. */
static const char *
one_lookup(const struct route_table *t, const char *rcpt, char *buf,
	   size_t size)
{
	struct route_decision d;
	struct route_error err;
	char dbuf[512];
	const char *ds;

	if (route_table_lookup(t, rcpt, &d, &err) != 0) {
		snprintf(buf, size, "error: %.400s", err.msg);
		return buf;
	}
	ds = join(&d, dbuf, sizeof(dbuf));
	snprintf(buf, size, "%s %s%s%s", route_verdict_name(d.verdict),
		 route_reason_name(d.reason), ds ? " " : "", ds ? ds : "");
	route_decision_clear(&d);
	return buf;
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

struct valid_match_test {
	const char *match;
	enum route_match kind;
};

static const struct valid_match_test valid_match_tests[] = {
    {"info@example.com", ROUTE_MATCH_EXACT},
    {"<Info@Example.com>", ROUTE_MATCH_EXACT},
    {"\"john doe\"@example.com", ROUTE_MATCH_EXACT},
    {"@example.com", ROUTE_MATCH_CATCHALL},
    {"@Bücher.example", ROUTE_MATCH_CATCHALL},
    {"sales-*@example.com", ROUTE_MATCH_PATTERN},
    {"a?c@example.com", ROUTE_MATCH_PATTERN},
    {"*@example.com", ROUTE_MATCH_PATTERN},
};

struct invalid_match_test {
	const char *match;
	const char *msg;
};

static const struct invalid_match_test invalid_match_tests[] = {
    {"", "empty match: write info@example.com, sales-*@example.com or "
	 "@example.com"},
    {NULL, "empty match: write info@example.com, sales-*@example.com or "
	   "@example.com"},
    {"info", "bad match \"info\": no @domain part"},
    {"<>", "bad match \"<>\": no @domain part"},
    {"\"a@b\"", "bad match \"\"a@b\"\": no @domain part"},
    {"info@exa*mple.com", "bad match \"info@exa*mple.com\": a wildcard is "
			  "allowed in the local part only"},
    {"@*.example.com", "bad match \"@*.example.com\": a wildcard is allowed "
		       "in the local part only"},
    {"*@*", "bad match \"*@*\": a wildcard is allowed in the local part only"},
    {"in fo@example.com", "bad match \"in fo@example.com\": space outside "
			  "quotes at offset 2"},
    {"info@example..com", "bad match \"info@example..com\": empty label in "
			  "domain"},
    {"@", "bad catch-all \"@\": empty domain"},
    {"@exa mple.com", "bad catch-all \"@exa mple.com\": character ' ' not "
		      "allowed in domain"},
    {"info@\r\nexample.com", "bad match \"info@??example.com\": control "
			     "character 0x0d (CR) at offset 5"},
};

static void
test_match_kind(void)
{
	struct route_error err;
	enum route_match kind;
	size_t i;

	for (i = 0; i < sizeof(valid_match_tests) / sizeof(*valid_match_tests);
	     i++) {
		kind = (enum route_match) - 1;
		CHECK_INT(route_rule_match_kind(valid_match_tests[i].match,
						&kind, &err),
			  0);
		CHECK_INT(kind, valid_match_tests[i].kind);
	}
	for (i = 0;
	     i < sizeof(invalid_match_tests) / sizeof(*invalid_match_tests);
	     i++) {
		route_error_clear(&err);
		CHECK_INT(route_rule_match_kind(invalid_match_tests[i].match,
						&kind, &err),
			  -1);
		CHECK_INT(err.code, ROUTE_EINVAL);
		CHECK_STR(err.msg, invalid_match_tests[i].msg);
	}
}

struct invalid_rule_test {
	struct rule_spec rule;
	enum route_errclass code;
	const char *msg;
};

static char long_text[202];

static const struct invalid_rule_test invalid_rule_tests[] = {
    {DROP_RULE(0, "info@unknown.example"), ROUTE_ENOENT,
     "rule info@unknown.example: domain unknown.example was not added"},
    {DROP_RULE(0, "INFO@Example.COM"), ROUTE_EEXIST,
     "rule INFO@example.com exists already (rule 1 info@example.com)"},
    {DROP_RULE(0, "@EXAMPLE.com"), ROUTE_EEXIST,
     "rule @example.com exists already (rule 5 @example.com)"},
    {DROP_RULE(0, "Sales-*@example.com"), ROUTE_EEXIST,
     "rule Sales-*@example.com exists already (rule 3 sales-*@example.com)"},
    {DROP_RULE(0, "NoId@example.com"), ROUTE_EEXIST,
     "rule NoId@example.com exists already (noid@example.com)"},
    {FWD_RULE(0, "x@example.com", NULL), ROUTE_EINVAL,
     "rule x@example.com: forward needs at least one destination"},
    {FWD_RULE(0, "x@example.com", "me@gmail.com", "ME@Gmail.com"), ROUTE_EINVAL,
     "rule x@example.com: destination ME@gmail.com is listed twice"},
    {FWD_RULE(0, "x@example.com", "not an address"), ROUTE_EINVAL,
     "rule x@example.com: bad destination \"not an address\": space outside "
     "quotes at offset 3"},
    {FWD_RULE(0, "x@example.com", "<>"), ROUTE_EINVAL,
     "rule x@example.com: bad destination \"<>\": not a mailbox user@domain"},
    {FWD_RULE(0, "x@example.com", "postmaster"), ROUTE_EINVAL,
     "rule x@example.com: bad destination \"postmaster\": not a mailbox "
     "user@domain"},
    {FWD_RULE(0, "x@example.com", ""), ROUTE_EINVAL,
     "rule x@example.com: empty destination"},
    {{0, "x@example.com", FWD, {"me@gmail.com"}, "text", false, 0},
     ROUTE_EINVAL,
     "rule x@example.com: only a reject rule has a text"},
    {{0, "x@example.com", DROP, {"me@gmail.com"}, NULL, false, 0},
     ROUTE_EINVAL,
     "rule x@example.com: a drop rule takes no destinations"},
    {{0, "x@example.com", DROP, {NULL}, "text", false, 0},
     ROUTE_EINVAL,
     "rule x@example.com: only a reject rule has a text"},
    {{0, "x@example.com", REJ, {NULL}, "Go away\r\nRCPT TO:<x@y>", false, 0},
     ROUTE_EINVAL,
     "rule x@example.com: reject text contains a line break (CR or LF)"},
    {{0, "x@example.com", REJ, {NULL}, "bell\a", false, 0},
     ROUTE_EINVAL,
     "rule x@example.com: reject text contains control character 0x07"},
    {{0, "x@example.com", REJ, {NULL}, long_text, false, 0},
     ROUTE_EINVAL,
     "rule x@example.com: reject text is 201 bytes long, at most 200 are "
     "allowed"},
    {{0, "x@example.com", (enum route_action)7, {NULL}, NULL, false, 0},
     ROUTE_EINVAL,
     "rule x@example.com: unknown action 7"},
    {DROP_RULE(0, "x@exa*mple.com"), ROUTE_EINVAL,
     "bad match \"x@exa*mple.com\": a wildcard is allowed in the local part "
     "only"},
};

static void
test_invalid_rules(void)
{
	struct route_table_builder *b = fixture_builder(NULL);
	struct route_domain_def dom = {"EXAMPLE.com.", true, 0, true};
	struct route_dest_def dest = {"ME@gmail.com", true};
	struct rule_spec ok = {0, "x@example.com", REJ, {NULL}, NULL, false, 0};
	struct route_table *t;
	struct route_error err;
	char buf[512];
	size_t i;

	memset(long_text, 'a', sizeof(long_text) - 1);
	for (i = 0;
	     i < sizeof(invalid_rule_tests) / sizeof(*invalid_rule_tests);
	     i++) {
		route_error_clear(&err);
		CHECK_INT(add_spec(b, &invalid_rule_tests[i].rule, &err), -1);
		CHECK_INT(err.code, invalid_rule_tests[i].code);
		CHECK_STR(err.msg, invalid_rule_tests[i].msg);
	}
	CHECK_INT(route_table_builder_add_domain(b, &dom, &err), -1);
	CHECK_INT(err.code, ROUTE_EEXIST);
	CHECK_STR(err.msg, "domain example.com exists already");
	dom.name = "exa mple.com";
	CHECK_INT(route_table_builder_add_domain(b, &dom, &err), -1);
	CHECK_STR(err.msg, "bad domain \"exa mple.com\": character ' ' not "
			   "allowed in domain");
	dom.name = "";
	CHECK_INT(route_table_builder_add_domain(b, &dom, &err), -1);
	CHECK_STR(err.msg, "empty domain name");
	CHECK_INT(route_table_builder_add_dest(b, &dest, &err), -1);
	CHECK_INT(err.code, ROUTE_EEXIST);
	CHECK_STR(err.msg, "destination ME@gmail.com exists already");
	dest.addr = "me@@gmail.com";
	CHECK_INT(route_table_builder_add_dest(b, &dest, &err), -1);
	CHECK_INT(err.code, ROUTE_EINVAL);

	/* A refused rule left nothing behind: the same match is still free,
	 * and a text of exactly 200 bytes is fine. */
	long_text[200] = '\0';
	ok.text = long_text;
	CHECK_INT(add_spec(b, &ok, &err), 0);
	t = route_table_builder_finish(&b, &err);
	CHECK(b == NULL);
	CHECK(t != NULL);
	if (t == NULL)
		return;
	CHECK_INT(route_table_rule_count(t),
		  sizeof(rules) / sizeof(*rules) + 1);
	CHECK_STR(one_lookup(t, "x@example.com", buf, sizeof(buf)),
		  "reject exact");
	route_table_unref(&t);
}

/* A whole set for finish(): domains ("!" = disabled) and rules; expect is
 * the refusal, or for an accepted set what becomes of a@x.test. */
struct set_test {
	const char *name;
	const char *domains[3];
	struct rule_spec rules[4];
	enum route_errclass code;
	const char *expect;
};

static const struct set_test set_tests[] = {
    {"two rules forward to each other",
     {"x.test"},
     {FWD_RULE(1, "a@x.test", "b@x.test"), FWD_RULE(2, "b@x.test", "a@x.test")},
     ROUTE_ECYCLE,
     "forwarding loop: a@x.test -> b@x.test -> a@x.test"},
    {"a rule forwards to itself",
     {"x.test"},
     {FWD_RULE(1, "a@x.test", "me@gmail.com", "A@x.test")},
     ROUTE_ECYCLE,
     "forwarding loop: A@x.test -> A@x.test (rules a@x.test)"},
    {"the catch-all closes the loop",
     {"x.test"},
     {FWD_RULE(1, "a@x.test", "b@x.test"), FWD_RULE(2, "@x.test", "a@x.test")},
     ROUTE_ECYCLE,
     "forwarding loop: a@x.test -> b@x.test -> a@x.test (rules a@x.test, "
     "@x.test)"},
    {"the catch-all forwards into itself",
     {"x.test"},
     {FWD_RULE(2, "@x.test", "a@x.test")},
     ROUTE_ECYCLE,
     "forwarding loop: a@x.test -> a@x.test (rules @x.test)"},
    {"the sub-address closes the loop",
     {"x.test"},
     {FWD_RULE(1, "a@x.test", "a+again@x.test")},
     ROUTE_ECYCLE,
     "forwarding loop: a+again@x.test -> a+again@x.test (rules a@x.test)"},
    {"a pattern closes the loop",
     {"x.test", "y.test"},
     {FWD_RULE(1, "a@x.test", "list-1@y.test"),
      FWD_RULE(2, "list-*@y.test", "a@x.test")},
     ROUTE_ECYCLE,
     "forwarding loop: a@x.test -> list-1@y.test -> a@x.test (rules "
     "a@x.test, list-*@y.test)"},
    {"a disabled rule cannot loop",
     {"x.test"},
     {FWD_RULE(1, "a@x.test", "b@x.test"),
      {2, "b@x.test", FWD, {"a@x.test"}, NULL, true, 0}},
     ROUTE_OK,
     "forward exact b@x.test"},
    {"an inactive rule cannot loop",
     {"x.test"},
     {FWD_RULE(1, "a@x.test", "b@x.test"),
      FWD_RULE(2, "b@x.test", "a@x.test", "pending@gmail.com")},
     ROUTE_OK,
     "forward exact b@x.test"},
    {"a disabled domain cannot loop",
     {"x.test", "!y.test"},
     {FWD_RULE(1, "a@x.test", "b@y.test"), FWD_RULE(2, "b@y.test", "a@x.test")},
     ROUTE_OK,
     "forward exact b@y.test"},
    {"a reject in the chain stops it",
     {"x.test"},
     {FWD_RULE(1, "a@x.test", "b@x.test"),
      {2, "@x.test", REJ, {NULL}, NULL, false, 0}},
     ROUTE_OK,
     "forward exact b@x.test"},
    {"a rule id given twice",
     {"x.test"},
     {DROP_RULE(5, "a@x.test"), DROP_RULE(5, "b@x.test")},
     ROUTE_EINVAL,
     "rule id 5 is given twice (a@x.test and b@x.test)"},
};

static void
test_sets(void)
{
	static const struct route_dest_def set_dests[] = {
	    {"me@gmail.com", true}, {"pending@gmail.com", false}};
	struct route_domain_def dom = {NULL, true, ROUTE_UNKNOWN_REJECT, true};
	const struct set_test *s;
	struct route_table_builder *b;
	struct route_table *t;
	struct route_error err;
	char buf[512];
	size_t i, k;

	for (i = 0; i < sizeof(set_tests) / sizeof(set_tests[0]); i++) {
		s = &set_tests[i];
		printf("# set: %s\n", s->name);
		b = route_table_builder_new(NULL);
		for (k = 0; k < 3 && s->domains[k] != NULL; k++) {
			dom.enabled = s->domains[k][0] != '!';
			dom.name = s->domains[k] + !dom.enabled;
			CHECK_INT(route_table_builder_add_domain(b, &dom, &err),
				  0);
		}
		for (k = 0; k < 2; k++)
			CHECK_INT(route_table_builder_add_dest(b, &set_dests[k],
							       &err),
				  0);
		for (k = 0; k < 4 && s->rules[k].match != NULL; k++)
			CHECK_INT(add_spec(b, &s->rules[k], &err), 0);
		route_error_clear(&err);
		t = route_table_builder_finish(&b, &err);
		CHECK(b == NULL);
		CHECK_INT(err.code, s->code);
		CHECK_STR(t == NULL
			      ? err.msg
			      : one_lookup(t, "a@x.test", buf, sizeof(buf)),
			  s->expect);
		route_table_unref(&t);
	}
}

/* A chain c1 -> ... -> cN -> me@gmail.com: fine up to max_depth rules. */
static void
test_chains(void)
{
	static const unsigned depths[] = {0, 1, 2, 8, 20};
	struct route_domain_def dom = {"x.test", true, ROUTE_UNKNOWN_REJECT,
				       true};
	struct route_dest_def me = {"me@gmail.com", true};
	struct rule_spec r = FWD_RULE(0, NULL, NULL);
	char match[32], next[32], want[ROUTE_ERROR_MAX], buf[512];
	struct route_table_builder *b;
	struct route_table_opts o;
	struct route_table *t;
	struct route_error err;
	unsigned i, n, limit;
	size_t k;

	for (k = 0; k < sizeof(depths) / sizeof(depths[0]); k++) {
		limit = depths[k] == 0 ? 8 : depths[k];
		for (n = limit; n <= limit + 1; n++) {
			printf("# chain of %u, max_depth %u\n", n, depths[k]);
			route_table_opts_init(&o);
			o.max_depth = depths[k];
			b = route_table_builder_new(&o);
			route_table_builder_add_domain(b, &dom, &err);
			route_table_builder_add_dest(b, &me, &err);
			snprintf(
			    want, sizeof(want),
			    "forwarding chain longer than %u rules: c1@x.test",
			    limit);
			for (i = 1; i <= n; i++) {
				snprintf(match, sizeof(match), "c%u@x.test", i);
				snprintf(next, sizeof(next), "c%u@x.test",
					 i + 1);
				r.id = i;
				r.match = match;
				r.dests[0] = i < n ? next : "me@gmail.com";
				CHECK_INT(add_spec(b, &r, &err), 0);
				if (i < n)
					snprintf(want + strlen(want),
						 sizeof(want) - strlen(want),
						 " -> %s", next);
			}
			route_error_clear(&err);
			t = route_table_builder_finish(&b, &err);
			if (n <= limit) {
				CHECK(t != NULL);
				CHECK_STR(one_lookup(t, "c1@x.test", buf,
						     sizeof(buf)),
					  "forward exact me@gmail.com");
			} else {
				CHECK(t == NULL);
				CHECK_INT(err.code, ROUTE_ECYCLE);
				CHECK_STR(err.msg, want);
			}
			route_table_unref(&t);
		}
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
	test_match_kind();
	test_invalid_rules();
	test_sets();
	test_chains();
	test_names();
	test_threads();
	return test_done();
}
