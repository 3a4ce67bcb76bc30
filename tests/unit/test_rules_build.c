/*
 * test_rules_build.c - unit tests for building the compiled rule table
 * (libroute/rules*.c): match strings and their kinds, the refusals a
 * person gets for bad rules, domains and destinations, whole sets that
 * loop or do not, and chains at and past max_depth.  Lookups are in
 * test_rules.c.
 */
#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <libroute/rules.h>

#include "test_rules.h"

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

/* The one spelling of a match string (route_rule_match_normalise). */
struct valid_normalise_test {
	const char *match;
	const char *norm;
};

static const struct valid_normalise_test valid_normalise_tests[] = {
    {"info@example.com", "info@example.com"},
    /* The local part keeps its case; the domain is lower-case A-labels. */
    {"<Info@EXAMPLE.com.>", "Info@example.com"},
    {"Sales-*@Example.COM", "Sales-*@example.com"},
    {"@Bücher.Example", "@xn--bcher-kva.example"},
    {"info@BÜCHER.example", "info@xn--bcher-kva.example"},
    /* Quoted only when it must be. */
    {"\"john doe\"@example.com", "\"john doe\"@example.com"},
    {"\"john\"@example.com", "john@example.com"},
    {"\"a..b\"@example.com", "\"a..b\"@example.com"},
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

/* test_normalise - the spellings, and that a table shows exactly them. */
static void
test_normalise(void)
{
	const struct valid_normalise_test *c;
	struct route_table *t = fixture();
	struct route_decision d;
	struct route_error err;
	char *norm;
	size_t i;

	for (i = 0;
	     i < sizeof(valid_normalise_tests) / sizeof(*valid_normalise_tests);
	     i++) {
		c = &valid_normalise_tests[i];
		norm = NULL;
		CHECK_INT(route_rule_match_normalise(c->match, &norm, &err), 0);
		CHECK_STR(norm, c->norm);
		free(norm);
	}
	for (i = 0;
	     i < sizeof(invalid_match_tests) / sizeof(*invalid_match_tests);
	     i++) {
		route_error_clear(&err);
		norm = NULL;
		CHECK_INT(route_rule_match_normalise(
			      invalid_match_tests[i].match, &norm, &err),
			  -1);
		CHECK_INT(err.code, ROUTE_EINVAL);
		CHECK_STR(err.msg, invalid_match_tests[i].msg);
		CHECK(norm == NULL);
	}
	/* The fixture's rule "info@BÜCHER.example" as the lookup shows it. */
	CHECK(t != NULL);
	if (t == NULL)
		return;
	CHECK_INT(route_table_lookup(t, "info@bücher.example", &d, &err), 0);
	CHECK_INT(
	    route_rule_match_normalise("info@BÜCHER.example", &norm, &err), 0);
	CHECK_STR(norm, d.rule_match);
	free(norm);
	route_decision_clear(&d);
	route_table_unref(&t);
}

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
    {{0, "x@example.com", REJ, {NULL}, "Zurück", false, 0},
     ROUTE_EINVAL,
     "rule x@example.com: reject text must be printable ASCII (byte 0xc3 "
     "at offset 3)"},
    {{0, "x@example.com", REJ, {NULL}, "Latin-1 \xe9t\xe9", false, 0},
     ROUTE_EINVAL,
     "rule x@example.com: reject text must be printable ASCII (byte 0xe9 "
     "at offset 8)"},
    {{0, "x@example.com", REJ, {NULL}, "del\x7f", false, 0},
     ROUTE_EINVAL,
     "rule x@example.com: reject text contains control character 0x7f"},
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
	struct rule_spec tab = {
	    0, "y@example.com", REJ, {NULL}, "Moved:\tsee ~/new (100%)", false,
	    0};
	struct route_decision d;
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
	/* TAB and every printable ASCII character may be in a text. */
	CHECK_INT(add_spec(b, &tab, &err), 0);
	t = route_table_builder_finish(&b, &err);
	CHECK(b == NULL);
	CHECK(t != NULL);
	if (t == NULL)
		return;
	CHECK_INT(route_table_rule_count(t),
		  sizeof(rules) / sizeof(*rules) + 2);
	CHECK_STR(one_lookup(t, "x@example.com", buf, sizeof(buf)),
		  "reject exact");
	CHECK_INT(route_table_lookup(t, "y@example.com", &d, &err), 0);
	CHECK_STR(d.text, "Moved:\tsee ~/new (100%)");
	route_decision_clear(&d);
	route_table_unref(&t);
}

/* A whole set for finish(): domains (as set_table takes them) and rules;
 * expect is the refusal, or for an accepted set what becomes of a@x.test.
 * A rule that cannot match takes no part in a loop, and a forward to an
 * address it would have reached is inactive itself (rules.h). */
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
     "unknown default"},
    {"an inactive rule cannot loop",
     {"x.test"},
     {FWD_RULE(1, "a@x.test", "b@x.test"),
      FWD_RULE(2, "b@x.test", "a@x.test", "pending@gmail.com")},
     ROUTE_OK,
     "unknown default"},
    {"a disabled domain cannot loop",
     {"x.test", "!y.test"},
     {FWD_RULE(1, "a@x.test", "b@y.test"), FWD_RULE(2, "b@y.test", "a@x.test")},
     ROUTE_OK,
     "unknown default"},
    {"a reject in the chain stops it",
     {"x.test"},
     {FWD_RULE(1, "a@x.test", "b@x.test"),
      {2, "@x.test", REJ, {NULL}, NULL, false, 0}},
     ROUTE_OK,
     "reject catch-all"},
    {"a loop through a passing domain's default is no loop",
     {"=x.test"},
     {FWD_RULE(1, "a@x.test", "b@x.test"),
      {2, "b@x.test", FWD, {"a@x.test"}, NULL, true, 0}},
     ROUTE_OK,
     "forward exact b@x.test"},
    {"inactive forwards cannot hide a loop of active ones",
     {"x.test"},
     {FWD_RULE(1, "a@x.test", "b@x.test"), FWD_RULE(2, "b@x.test", "a@x.test"),
      FWD_RULE(3, "c@x.test", "a@x.test", "pending@gmail.com")},
     ROUTE_ECYCLE,
     "forwarding loop: a@x.test -> b@x.test -> a@x.test"},
    {"a rule id given twice",
     {"x.test"},
     {DROP_RULE(5, "a@x.test"), DROP_RULE(5, "b@x.test")},
     ROUTE_EINVAL,
     "rule id 5 is given twice (a@x.test and b@x.test)"},
};

static void
test_sets(void)
{
	const struct set_test *s;
	struct route_table *t;
	struct route_error err;
	char buf[512];
	size_t i;

	for (i = 0; i < sizeof(set_tests) / sizeof(set_tests[0]); i++) {
		s = &set_tests[i];
		printf("# set: %s\n", s->name);
		t = set_table(s->domains, 3, s->rules, 4, &err);
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

int
main(void)
{
	test_match_kind();
	test_normalise();
	test_invalid_rules();
	test_sets();
	test_chains();
	return test_done();
}
