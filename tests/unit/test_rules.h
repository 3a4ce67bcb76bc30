/*
 * test_rules.h - what the two rule table test programs share: the fixture
 * (domains, destinations and rules covering every step of the lookup
 * order), a rule written as one initialiser, and helpers that add it to a
 * builder and print a decision as one string.  Functions are static
 * inline, as in test.h, so that unused ones cost nothing.
 */
#ifndef TEST_RULES_H
#define TEST_RULES_H

#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
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

/* join - the decision's destinations, space-separated, or NULL. */
static inline const char *
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
static inline int
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
static inline struct route_table_builder *
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
static inline struct route_table *
fixture(void)
{
	struct route_table_builder *b = fixture_builder(NULL);
	struct route_error err;
	struct route_table *t = route_table_builder_finish(&b, &err);

	if (t == NULL)
		printf("# finish: %s\n", err.msg);
	return t;
}

/* Destinations of the small sets: verified, pending, and one of our own
 * addresses that was verified itself. */
static const struct route_dest_def set_dests[] = {
    {"me@gmail.com", true},
    {"pending@gmail.com", false},
    {"ver@x.test", true},
};

/*
 * set_table - a table of up to nd domains ("!x.test" disabled, "=x.test"
 * passes unknown addresses, else refuses them) and up to nr rules, each
 * list ending early at a NULL; with set_dests.  NULL with *err when
 * finish() refused the set.
 */
static inline struct route_table *
set_table(const char *const *doms, size_t nd, const struct rule_spec *rs,
	  size_t nr, struct route_error *err)
{
	struct route_domain_def dom = {NULL, true, ROUTE_UNKNOWN_REJECT, true};
	struct route_table_builder *b = route_table_builder_new(NULL);
	size_t k;

	for (k = 0; k < nd && doms[k] != NULL; k++) {
		dom.enabled = doms[k][0] != '!';
		dom.unknown = doms[k][0] == '=' ? ROUTE_UNKNOWN_PASS
						: ROUTE_UNKNOWN_REJECT;
		dom.name = doms[k] + (doms[k][0] == '!' || doms[k][0] == '=');
		CHECK_INT(route_table_builder_add_domain(b, &dom, err), 0);
	}
	for (k = 0; k < sizeof(set_dests) / sizeof(set_dests[0]); k++)
		CHECK_INT(route_table_builder_add_dest(b, &set_dests[k], err),
			  0);
	for (k = 0; k < nr && rs[k].match != NULL; k++)
		CHECK_INT(add_spec(b, &rs[k], err), 0);
	route_error_clear(err);
	return route_table_builder_finish(&b, err);
}

/* one_lookup - verdict name and dests of rcpt in t, as one string. */
static inline const char *
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

#endif
