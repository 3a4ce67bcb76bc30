/*
 * fuzz_lookup.c - libFuzzer target for route_table_lookup.  A small fixed
 * table, built once, has every kind of rule (exact, sub-address, pattern,
 * catch-all, drop, reject, expansion through other rules, an inactive and a
 * disabled rule, a disabled domain, an IDN domain); each input is looked up
 * as a recipient in it and in a case-sensitive copy with two delimiters,
 * and the decision must be consistent with what rules.h promises.
 */
#include <strings.h>

#include <libroute/addr.h>
#include <libroute/rules.h>

#include "fuzz.h"

#define N_ELEMS(a) (sizeof(a) / sizeof((a)[0]))

static const struct route_domain_def domains[] = {
    {"example.com", true, ROUTE_UNKNOWN_REJECT, true},
    {"Example.ORG", true, ROUTE_UNKNOWN_PASS, false},
    {"bücher.example", true, ROUTE_UNKNOWN_REJECT, true},
    {"disabled.example", false, ROUTE_UNKNOWN_REJECT, true},
};

/* The domains above as route_addr_parse spells them, enabled ones only. */
static const char *const routed_domains[] = {
    "example.com",
    "example.org",
    "xn--bcher-kva.example",
};

static const struct route_dest_def dests[] = {
    {"alice@mailbox.test", true},
    {"bob@mailbox.test", true},
    {"pending@mailbox.test", false},
};

static const char *const to_alice_bob[] = {"alice@mailbox.test",
					   "bob@mailbox.test"};
static const char *const to_bob[] = {"bob@mailbox.test"};
static const char *const to_pending[] = {"pending@mailbox.test"};
static const char *const to_info[] = {"info@example.com"};
static const char *const to_team[] = {"info@example.com", "carol@example.org",
				      "alice@mailbox.test"};
static const char *const to_list[] = {"spam@example.com", "team@example.com"};
static const char *const to_void[] = {"spam@example.com",
				      "noreply@example.org"};

#define FWD(id, match, to, prio)                                               \
	{                                                                      \
		id, match, ROUTE_ACTION_FORWARD, to, N_ELEMS(to), NULL, true,  \
		    prio, NULL                                                 \
	}
#define OTHER(id, match, action, text, enabled)                                \
	{                                                                      \
		id, match, action, NULL, 0, text, enabled, 0, NULL             \
	}

static const struct route_rule_def rules[] = {
    FWD(1, "info@example.com", to_alice_bob, 0),
    /* Expands info, keeps carol (example.org passes unknown addresses) and
     * drops the second alice. */
    FWD(2, "team@example.com", to_team, 0),
    /* A drop inside an expansion contributes nothing. */
    FWD(3, "list@example.com", to_list, 0),
    /* Every destination drops: the whole forward is a drop. */
    FWD(4, "void@example.com", to_void, 0),
    /* Not verified: inactive, the lookup goes on to the next step. */
    FWD(5, "waiting@example.com", to_pending, 0),
    /* Tried before the next pattern, which also matches "sales-eu". */
    FWD(6, "sales-*@example.com", to_bob, 10),
    {7, "s?les*@example.com", ROUTE_ACTION_REJECT, NULL, 0, "Sales moved", true,
     20, NULL},
    OTHER(8, "spam@example.com", ROUTE_ACTION_DROP, NULL, true),
    OTHER(9, "abuse@example.com", ROUTE_ACTION_REJECT, "No abuse here", true),
    OTHER(10, "off@example.com", ROUTE_ACTION_DROP, NULL, false),
    OTHER(11, "\"john doe\"@example.com", ROUTE_ACTION_REJECT, "", true),
    FWD(12, "help@example.org", to_bob, 0),
    OTHER(13, "noreply@example.org", ROUTE_ACTION_DROP, NULL, true),
    FWD(14, "@bücher.example", to_info, 0),
    FWD(15, "Dörte@xn--bcher-kva.example", to_bob, 0),
    OTHER(16, "any@disabled.example", ROUTE_ACTION_DROP, NULL, true),
};

/* build_table - the table above with opts; a failure is the target's bug. */
static struct route_table *
build_table(const struct route_table_opts *opts)
{
	struct route_table_builder *b = route_table_builder_new(opts);
	struct route_table *t;
	struct route_error err;
	size_t i;

	for (i = 0; i < N_ELEMS(domains); i++)
		FUZZ_CHECK(
		    route_table_builder_add_domain(b, &domains[i], &err) == 0,
		    "domain %s: %s", domains[i].name, err.msg);
	for (i = 0; i < N_ELEMS(dests); i++)
		FUZZ_CHECK(route_table_builder_add_dest(b, &dests[i], &err) ==
			       0,
			   "dest %s: %s", dests[i].addr, err.msg);
	for (i = 0; i < N_ELEMS(rules); i++)
		FUZZ_CHECK(route_table_builder_add_rule(b, &rules[i], &err) ==
			       0,
			   "rule %s: %s", rules[i].match, err.msg);
	t = route_table_builder_finish(&b, &err);
	FUZZ_CHECK(t != NULL, "table: %s", err.msg);
	return t;
}

/* is_routed_domain - whether domain (parser spelling) is an enabled one. */
static int
is_routed_domain(const char *domain)
{
	size_t i;

	for (i = 0; domain != NULL && i < N_ELEMS(routed_domains); i++)
		if (strcmp(domain, routed_domains[i]) == 0)
			return 1;
	return 0;
}

/* check_reply - refusals, and only they, have an SMTP reply. */
static void
check_reply(const char *in, const struct route_decision *d)
{
	const char *code, *xcode, *text, *want;
	int refused = d->verdict == ROUTE_REJECT || d->verdict == ROUTE_UNKNOWN;

	FUZZ_CHECK(route_decision_reply(d, &code, &xcode, &text) == refused,
		   "input \"%s\" verdict %s", in,
		   route_verdict_name(d->verdict));
	if (!refused) {
		FUZZ_CHECK(code == NULL && xcode == NULL && text == NULL,
			   "input \"%s\"", in);
		return;
	}
	want = d->verdict == ROUTE_REJECT ? "5.7.1" : "5.1.1";
	FUZZ_CHECK(strcmp(code, "550") == 0 && strcmp(xcode, want) == 0 &&
		       text[0] != '\0',
		   "input \"%s\": %s %s %s", in, code, xcode, text);
}

/* check_dests - forward destinations: mailboxes, distinct, and final (a
 * destination that would itself forward or drop should have been
 * expanded). */
static void
check_dests(const struct route_table *t, const char *in,
	    const struct route_decision *d, int case_sensitive)
{
	struct route_decision e;
	struct route_addr a;
	size_t i, j;

	FUZZ_CHECK(d->verdict == ROUTE_FORWARD
		       ? d->ndests > 0 && d->dests != NULL
		       : d->ndests == 0,
		   "input \"%s\": %s with %zu destinations", in,
		   route_verdict_name(d->verdict), d->ndests);
	for (i = 0; i < d->ndests; i++) {
		FUZZ_CHECK(route_addr_parse(d->dests[i], &a, NULL) == 0 &&
			       !a.null_path && a.domain != NULL,
			   "input \"%s\": destination \"%s\"", in, d->dests[i]);
		route_addr_free(&a);
		for (j = 0; j < i; j++)
			FUZZ_CHECK((case_sensitive ? strcmp : strcasecmp)(
				       d->dests[i], d->dests[j]) != 0,
				   "input \"%s\": \"%s\" twice", in,
				   d->dests[i]);
		FUZZ_CHECK(route_table_lookup(t, d->dests[i], &e, NULL) == 0 &&
			       e.verdict != ROUTE_FORWARD &&
			       e.verdict != ROUTE_DROP,
			   "input \"%s\": destination \"%s\" not expanded", in,
			   d->dests[i]);
		route_decision_clear(&e);
	}
}

/* check_lookup - look the input up in t and check the decision. */
static void
check_lookup(const struct route_table *t, const char *in, int case_sensitive)
{
	struct route_decision d;
	struct route_error err;
	struct route_addr a;
	int rc, parsed, by_rule;

	rc = route_addr_parse(in, &a, NULL);
	parsed = rc == 0 && !a.null_path;
	if (route_table_lookup(t, in, &d, &err) == -1) {
		if (rc == 0)
			route_addr_free(&a);
		FUZZ_CHECK(!parsed && err.code == ROUTE_EINVAL,
			   "input \"%s\": lookup refused it (class %d: %s)", in,
			   err.code, err.msg);
		return;
	}
	FUZZ_CHECK(parsed, "input \"%s\": the parser refuses it", in);
	FUZZ_CHECK(
	    (d.verdict == ROUTE_NOT_ROUTED) == !is_routed_domain(a.domain),
	    "input \"%s\" domain \"%s\": %s", in,
	    a.domain ? a.domain : "(none)", route_verdict_name(d.verdict));
	route_addr_free(&a);
	FUZZ_CHECK((d.verdict == ROUTE_NOT_ROUTED) ==
		       (d.reason == ROUTE_BY_NONE),
		   "input \"%s\": %s by %s", in, route_verdict_name(d.verdict),
		   route_reason_name(d.reason));
	FUZZ_CHECK((d.verdict == ROUTE_PASS || d.verdict == ROUTE_UNKNOWN) ==
		       (d.reason == ROUTE_BY_DEFAULT),
		   "input \"%s\": %s by %s", in, route_verdict_name(d.verdict),
		   route_reason_name(d.reason));
	by_rule = d.reason != ROUTE_BY_NONE && d.reason != ROUTE_BY_DEFAULT;
	FUZZ_CHECK((d.rule_id != 0) == by_rule &&
		       (d.rule_match != NULL) == by_rule,
		   "input \"%s\": rule %lld by %s", in, (long long)d.rule_id,
		   route_reason_name(d.reason));
	if (by_rule)
		FUZZ_CHECK(route_table_rule_active(t, d.rule_id) == 1,
			   "input \"%s\": inactive rule %lld matched", in,
			   (long long)d.rule_id);
	FUZZ_CHECK(d.why[0] != '\0' && memchr(d.why, '\0', sizeof(d.why)),
		   "input \"%s\"", in);
	check_reply(in, &d);
	check_dests(t, in, &d, case_sensitive);
	route_decision_clear(&d);
}

/* LLVMFuzzerTestOneInput - look one recipient up in both tables. */
int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	static struct route_table *plain, *strict;
	struct route_table_opts opts;
	char *in;

	if (plain == NULL) {
		plain = build_table(NULL);
		route_table_opts_init(&opts);
		opts.delimiters = "+-";
		opts.case_sensitive = true;
		strict = build_table(&opts);
	}
	in = fuzz_cstring(data, size);
	check_lookup(plain, in, 0);
	check_lookup(strict, in, 1);
	free(in);
	return 0;
}
