/*
 * test_store_change.c - every change of the SQLite store with its audit
 * row, every refusal and every change that changes nothing (both must
 * leave the store exactly as it was, down to the counter and the audit),
 * the listings' orders and fields, and the audit trail.  Opening and
 * loading are in test_store.c.  Every case gets a fresh temporary
 * directory.
 */
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <libroute/alloc.h>
#include <libroute/store.h>

#include "test_store.h"

#define MAX_SETUP 10

/*
 * snapshot - everything a person could observe through the listings, plus
 * the generation and the number of audit rows, as one string; equal
 * snapshots before and after a refusal prove nothing changed.
 */
static char *
snapshot(struct route_store *s)
{
	struct route_store_domain *dl;
	struct route_store_dest *tl;
	struct route_store_rule *rl;
	struct route_audit_entry *al;
	size_t dn, tn, rn, an, i, j;
	char *out, *old;

	if (route_store_domain_list(s, &dl, &dn, NULL) == -1 ||
	    route_store_dest_list(s, &tl, &tn, NULL) == -1 ||
	    route_store_rule_list(s, &rl, &rn, NULL) == -1 ||
	    route_store_audit_list(s, 0, &al, &an, NULL) == -1)
		return route_xstrdup("listing failed");
	out = route_xasprintf("gen=%llu audit=%zu\n",
			      (unsigned long long)generation(s), an);
	for (i = 0; i < dn; i++) {
		old = out;
		out = route_xasprintf("%sdomain %s %d %d %d\n", old, dl[i].name,
				      dl[i].enabled, dl[i].unknown,
				      dl[i].subaddress);
		free(old);
	}
	for (i = 0; i < tn; i++) {
		old = out;
		out = route_xasprintf("%sdest %s %d\n", old, tl[i].addr,
				      tl[i].verified);
		free(old);
	}
	for (i = 0; i < rn; i++) {
		old = out;
		out = route_xasprintf(
		    "%srule %lld %s %d %s %d %d %s:", old, (long long)rl[i].id,
		    rl[i].match, rl[i].action, rl[i].text ? rl[i].text : "-",
		    rl[i].enabled, rl[i].priority,
		    rl[i].comment ? rl[i].comment : "-");
		free(old);
		for (j = 0; j < rl[i].ndests; j++) {
			old = out;
			out = route_xasprintf("%s %s", old, rl[i].dests[j]);
			free(old);
		}
		old = out;
		out = route_xasprintf("%s\n", old);
		free(old);
	}
	route_store_domain_list_free(&dl, dn);
	route_store_dest_list_free(&tl, tn);
	route_store_rule_list_free(&rl, rn);
	route_store_audit_list_free(&al, an);
	return out;
}

/* ---- successful changes and their audit rows ---------------------------- */

static const struct change_test {
	const char *setup[MAX_SETUP + 1]; /* NULL-terminated */
	const char *cmd;
	const char *old_value; /* expected audit values */
	const char *new_value;
} valid_change_tests[] = {
    {{NULL},
     "domain add Example.COM.",
     NULL,
     "domain example.com enabled unknown=reject subaddress=on"},
    {{NULL},
     "domain add bücher.example --pass --no-subaddress --disabled",
     NULL,
     "domain xn--bcher-kva.example disabled unknown=pass "
     "subaddress=off"},
    {{"domain add example.com"},
     "domain set EXAMPLE.com enabled no",
     "domain example.com enabled unknown=reject subaddress=on",
     "domain example.com disabled unknown=reject subaddress=on"},
    {{"domain add example.com"},
     "domain set example.com unknown pass",
     "domain example.com enabled unknown=reject subaddress=on",
     "domain example.com enabled unknown=pass subaddress=on"},
    {{"domain add example.com"},
     "domain set example.com subaddress off",
     "domain example.com enabled unknown=reject subaddress=on",
     "domain example.com enabled unknown=reject subaddress=off"},
    {{"domain add example.com"},
     "domain remove Example.com",
     "domain example.com enabled unknown=reject subaddress=on",
     NULL},
    {{NULL}, "dest add <Me@Gmail.COM>", NULL, "dest Me@gmail.com pending"},
    {{"dest add me@gmail.com"},
     "dest verify me@GMAIL.com",
     "dest me@gmail.com pending",
     "dest me@gmail.com verified"},
    {{"dest add me@gmail.com"},
     "dest remove me@gmail.com",
     "dest me@gmail.com pending",
     NULL},
    {{"domain add example.com", "dest add me@gmail.com"},
     "rule add info@EXAMPLE.com forward me@gmail.com",
     NULL,
     "rule 1 info@example.com forward me@gmail.com enabled"},
    {{"domain add example.com", "dest add b@x.org", "dest add a@x.org"},
     "rule add Info@example.com forward b@x.org a@x.org --disabled "
     "--comment=\"the \\\"team\\\"\"",
     NULL,
     "rule 1 Info@example.com forward b@x.org a@x.org disabled "
     "comment=\"the \\\"team\\\"\""},
    {{"domain add example.com"},
     "rule add no@example.com reject \"Gone away\"",
     NULL,
     "rule 1 no@example.com reject \"Gone away\" enabled"},
    {{"domain add example.com"},
     "rule add no@example.com reject",
     NULL,
     "rule 1 no@example.com reject enabled"},
    {{"domain add example.com"},
     "rule add sales-*@example.com drop --priority=5",
     NULL,
     "rule 1 sales-*@example.com drop enabled priority=5"},
    {{"domain add example.com"},
     "rule add @EXAMPLE.COM drop",
     NULL,
     "rule 1 @example.com drop enabled"},
    /* a routed address needs no dest entry */
    {{"domain add example.com", "domain add example.net"},
     "rule add info@example.com forward team@example.net",
     NULL,
     "rule 1 info@example.com forward team@example.net enabled"},
    {{"domain add example.com", "rule add a@example.com drop",
      "rule add b@example.com drop"},
     "rule remove 2",
     "rule 2 b@example.com drop enabled",
     NULL},
    {{"domain add example.com", "rule add a@example.com drop"},
     "rule remove A@Example.com",
     "rule 1 a@example.com drop enabled",
     NULL},
    {{"domain add example.com", "rule add a@example.com drop"},
     "rule disable a@example.com",
     "rule 1 a@example.com drop enabled",
     "rule 1 a@example.com drop disabled"},
    {{"domain add example.com", "rule add a@example.com drop --disabled"},
     "rule enable 1",
     "rule 1 a@example.com drop disabled",
     "rule 1 a@example.com drop enabled"},
    /* only an all-digit selector is a rule id */
    {{"domain add example.com", "rule add 2024-sales@example.com drop"},
     "rule remove 2024-sales@example.com",
     "rule 1 2024-sales@example.com drop enabled",
     NULL},
    {{"domain add example.com", "rule add 7x@example.com drop"},
     "rule disable 7x@Example.com",
     "rule 1 7x@example.com drop enabled",
     "rule 1 7x@example.com drop disabled"},
    /* a match is stored as the table spells it, and any spelling finds it */
    {{"domain add example.com"},
     "rule add a..*@EXAMPLE.com drop",
     NULL,
     "rule 1 \"a..*\"@example.com drop enabled"},
    {{"domain add example.com", "rule add a..*@example.com drop"},
     "rule remove \"\\\"a..*\\\"@example.com\"",
     "rule 1 \"a..*\"@example.com drop enabled",
     NULL},
    {{"domain add example.com", "rule add \"\\\"a..*\\\"@example.com\" drop"},
     "rule remove a..*@example.com",
     "rule 1 \"a..*\"@example.com drop enabled",
     NULL},
    {{"domain add example.com", "rule add \"\\\"b c\\\"@example.com\" drop"},
     "rule disable \"\\\"B c\\\"@example.com\"",
     "rule 1 \"b c\"@example.com drop enabled",
     "rule 1 \"b c\"@example.com drop disabled"},
    /* taking a rule away that no loop needed is no problem */
    {{"domain add x.test", "rule add b@x.test drop",
      "rule add a@x.test forward b@x.test"},
     "rule remove b@x.test",
     "rule 1 b@x.test drop enabled",
     NULL},
};

/* test_valid_changes - each change commits, moves the counter by one and
 * leaves exactly one audit row that says who did what. */
static void
test_valid_changes(void)
{
	const struct change_test *t;
	struct route_audit_entry *al;
	struct route_store *s;
	struct route_error err;
	uint64_t gen;
	size_t i, an;

	for (i = 0; i < sizeof(valid_change_tests) / sizeof(*t); i++) {
		t = &valid_change_tests[i];
		printf("# valid change: %s\n", t->cmd);
		if ((s = open_fresh(NULL)) == NULL)
			continue;
		if (setup(s, t->setup)) {
			gen = generation(s);
			CHECK_INT(run(s, t->cmd, &err), 0);
			if (err.code != ROUTE_OK)
				printf("# %s\n", err.msg);
			CHECK_INT(generation(s), gen + 1);
			CHECK_INT(route_store_audit_list(s, 1, &al, &an, &err),
				  0);
			CHECK_INT(an, 1);
			if (an == 1) {
				CHECK_STR(al[0].user, "tester");
				CHECK_STR(al[0].command, t->cmd);
				CHECK_STR(al[0].old_value, t->old_value);
				CHECK_STR(al[0].new_value, t->new_value);
				CHECK(al[0].time > 1600000000);
				CHECK_INT(al[0].id, gen + 1);
			}
			route_store_audit_list_free(&al, an);
		}
		close_case(&s);
	}
}

/* ---- refusals: the reason, and nothing changed -------------------------- */

#define BASE "domain add example.com", "dest add me@gmail.com"

/* a@x.test forwards to b@x.test, which drops; everything else in x.test
 * goes to a@x.test: without b's rule, b@x.test would go to a@x.test too */
#define LOOP_BEHIND_B                                                          \
	"domain add x.test", "rule add b@x.test drop",                         \
	    "rule add a@x.test forward b@x.test",                              \
	    "rule add @x.test forward a@x.test"

static const struct refusal_test {
	const char *setup[MAX_SETUP + 1]; /* NULL-terminated */
	const char *cmd;
	enum route_errclass code;
	const char *msg; /* must appear in the reason */
} invalid_change_tests[] = {
    {{NULL}, "domain add exa_mple..com", ROUTE_EINVAL, ""},
    {{"domain add example.com"},
     "domain add EXAMPLE.com.",
     ROUTE_EEXIST,
     "domain example.com exists already"},
    {{BASE},
     "domain set example.org enabled no",
     ROUTE_ENOENT,
     "domain example.org is not known"},
    {{BASE},
     "domain set example.com colour blue",
     ROUTE_EINVAL,
     "unknown domain setting \"colour\""},
    {{BASE},
     "domain set example.com enabled maybe",
     ROUTE_EINVAL,
     "enabled takes yes or no, not \"maybe\""},
    {{BASE},
     "domain set example.com unknown yes",
     ROUTE_EINVAL,
     "unknown takes pass or reject"},
    {{BASE},
     "domain set example.com subaddress yes",
     ROUTE_EINVAL,
     "subaddress takes on or off"},
    {{BASE},
     "domain remove example.org",
     ROUTE_ENOENT,
     "domain example.org is not known"},
    {{BASE, "rule add a@example.com drop", "rule add b@example.com drop"},
     "domain remove example.com",
     ROUTE_EINVAL,
     "domain example.com is still used by 2 rules; remove them first"},
    {{BASE, "dest add x@example.com"},
     "domain remove example.com",
     ROUTE_EINVAL,
     "still used by 1 destination;"},
    {{BASE, "domain add example.net",
      "rule add a@example.net forward b@example.com"},
     "domain remove example.com",
     ROUTE_EINVAL,
     "still used by 1 forward from another domain;"},
    {{BASE, "domain add example.net", "dest add x@example.com",
      "rule add a@example.com drop",
      "rule add a@example.net forward b@example.com"},
     "domain remove example.com",
     ROUTE_EINVAL,
     "still used by 1 rule, 1 destination and 1 forward from another "
     "domain;"},
    {{BASE}, "dest add <>", ROUTE_EINVAL, "is not a mailbox"},
    {{BASE}, "dest add postmaster", ROUTE_EINVAL, ""},
    {{BASE}, "dest add a@@b", ROUTE_EINVAL, ""},
    {{BASE},
     "dest add ME@gmail.com.",
     ROUTE_EEXIST,
     "destination ME@gmail.com exists already as me@gmail.com"},
    {{BASE},
     "dest verify you@gmail.com",
     ROUTE_ENOENT,
     "destination you@gmail.com is not known"},
    {{BASE},
     "dest remove you@gmail.com",
     ROUTE_ENOENT,
     "destination you@gmail.com is not known"},
    {{BASE, "rule add info@example.com forward me@gmail.com"},
     "dest remove me@gmail.com",
     ROUTE_EINVAL,
     "destination me@gmail.com is used by rule 1 (info@example.com); "
     "remove that rule first"},
    {{BASE, "rule add info@example.com forward me@gmail.com",
      "rule add sales@example.com forward me@gmail.com"},
     "dest remove me@gmail.com",
     ROUTE_EINVAL,
     "used by rule 1 (info@example.com) and 1 more rule;"},
    {{BASE},
     "rule add info@example.org drop",
     ROUTE_ENOENT,
     "domain example.org is not routed; add it with: milter-ctl domain "
     "add example.org"},
    {{BASE},
     "rule add info@example.com forward you@gmail.com",
     ROUTE_ENOENT,
     "destination you@gmail.com is not known; add it with: milter-ctl "
     "dest add you@gmail.com"},
    {{BASE},
     "rule add info@example.com forward me@gmail.com you@gmail.com",
     ROUTE_ENOENT,
     "destination you@gmail.com is not known"},
    {{BASE},
     "rule add info@example.com forward me@gmail.com Me@Gmail.com.",
     ROUTE_EINVAL,
     "rule info@example.com: destination Me@gmail.com is listed twice"},
    {{BASE},
     "rule add info@example.com forward",
     ROUTE_EINVAL,
     "rule info@example.com: forward needs at least one destination"},
    {{BASE},
     "rule add info@example.com forward me@gmail.com me@GMAIL.com",
     ROUTE_EINVAL,
     "rule info@example.com: destination me@gmail.com is listed twice"},
    /* the builder's reason, not "destination ... is not known" */
    {{BASE},
     "rule add info@example.com forward stranger@@gmail.com",
     ROUTE_EINVAL,
     "rule info@example.com: bad destination \"stranger@@gmail.com\": "},
    {{BASE},
     "rule add info@example.com reject \"bad\r\n250 ok\"",
     ROUTE_EINVAL,
     "rule info@example.com: reject text contains a line break (CR or "
     "LF)"},
    {{BASE},
     "rule add info@example.com drop --comment=\"a\nb\"",
     ROUTE_EINVAL,
     "rule info@example.com: comment contains a line break (CR or LF)"},
    {{BASE}, "rule add sales*@exa*mple.com drop", ROUTE_EINVAL, ""},
    {{BASE}, "rule add no-at-sign drop", ROUTE_EINVAL, ""},
    {{BASE, "rule add info@example.com drop"},
     "rule add info@EXAMPLE.COM reject",
     ROUTE_EEXIST,
     "a rule for info@example.com exists already (rule 1)"},
    {{BASE, "rule add info@example.com drop"},
     "rule add INFO@example.com drop",
     ROUTE_EEXIST,
     "a rule for INFO@example.com exists already (rule 1)"},
    {{BASE, "domain add example.net",
      "rule add a@example.net forward b@example.com"},
     "rule add b@example.com forward a@example.net",
     ROUTE_ECYCLE,
     ""},
    {{BASE}, "rule add a@example.com forward a@example.com", ROUTE_ECYCLE, ""},
    {{BASE, "domain add example.net",
      "rule add a@example.net forward b@example.com",
      "rule add b@example.com forward a@example.net --disabled"},
     "rule enable b@example.com",
     ROUTE_ECYCLE,
     ""},
    /* a is inactive until me@gmail.com is verified: then it loops */
    {{BASE, "rule add b@example.com forward a@example.com",
      "rule add a@example.com forward b@example.com me@gmail.com"},
     "dest verify me@gmail.com",
     ROUTE_ECYCLE,
     "forwarding loop: "},
    {{BASE}, "rule remove 7", ROUTE_ENOENT, "no rule 7"},
    {{BASE, "rule add 2024-sales@example.com drop"},
     "rule remove 2024",
     ROUTE_ENOENT,
     "no rule 2024"},
    {{BASE},
     "rule remove 99999999999999999999",
     ROUTE_ENOENT,
     "no rule 99999999999999999999"},
    {{BASE},
     "rule remove 7x",
     ROUTE_EINVAL,
     "\"7x\": no @domain part (a rule is named by its id, all digits, or "
     "its match string)"},
    {{BASE},
     "rule remove 2024-sales@example.com",
     ROUTE_ENOENT,
     "no rule for 2024-sales@example.com"},
    /* taking b's rule away sends b@x.test to the catch-all: a loop */
    {{LOOP_BEHIND_B},
     "rule disable b@x.test",
     ROUTE_ECYCLE,
     "forwarding loop: "},
    {{LOOP_BEHIND_B},
     "rule remove b@x.test",
     ROUTE_ECYCLE,
     "forwarding loop: "},
    {{LOOP_BEHIND_B}, "rule remove 1", ROUTE_ECYCLE, "forwarding loop: "},
    /* without sub-addressing b+t@x.test goes past b's rule, to the loop */
    {{"domain add x.test", "rule add b@x.test drop",
      "rule add a@x.test forward b+t@x.test",
      "rule add @x.test forward a@x.test"},
     "domain set x.test subaddress off",
     ROUTE_ECYCLE,
     "forwarding loop: "},
    {{BASE},
     "rule remove info@example.com",
     ROUTE_ENOENT,
     "no rule for info@example.com"},
    {{BASE}, "rule enable 1", ROUTE_ENOENT, "no rule 1"},
    {{BASE},
     "rule disable nobody@example.com",
     ROUTE_ENOENT,
     "no rule for nobody@example.com"},
};

/* test_invalid_changes - each refusal gives its reason and changes nothing
 * a person could see: not the listings, the counter or the audit. */
static void
test_invalid_changes(void)
{
	const struct refusal_test *t;
	struct route_store *s;
	struct route_error err;
	char *before, *after;
	size_t i;

	for (i = 0; i < sizeof(invalid_change_tests) / sizeof(*t); i++) {
		t = &invalid_change_tests[i];
		printf("# refused change: %s\n", t->cmd);
		if ((s = open_fresh(NULL)) == NULL)
			continue;
		if (setup(s, t->setup)) {
			before = snapshot(s);
			CHECK_INT(run(s, t->cmd, &err), -1);
			CHECK_INT(err.code, t->code);
			CHECK(strstr(err.msg, t->msg) != NULL);
			if (strstr(err.msg, t->msg) == NULL ||
			    err.code != t->code)
				printf("# reason: %s\n", err.msg);
			after = snapshot(s);
			CHECK_STR(after, before);
			free(before);
			free(after);
		}
		close_case(&s);
	}
}

/* ---- changes that change nothing ----------------------------------------- */

static const struct noop_test {
	const char *setup[MAX_SETUP + 1]; /* NULL-terminated */
	const char *cmd;
} noop_change_tests[] = {
    {{"dest add me@gmail.com", "dest verify me@gmail.com"},
     "dest verify ME@gmail.com"},
    {{"domain add example.com"}, "domain set example.com enabled yes"},
    {{"domain add example.com --disabled"},
     "domain set example.com enabled no"},
    {{"domain add example.com"}, "domain set Example.com unknown reject"},
    {{"domain add example.com --pass"}, "domain set example.com unknown pass"},
    {{"domain add example.com"}, "domain set example.com subaddress on"},
    {{"domain add example.com --no-subaddress"},
     "domain set example.com subaddress off"},
    {{"domain add example.com", "rule add a@example.com drop"},
     "rule enable a@example.com"},
    {{"domain add example.com", "rule add a@example.com drop"},
     "rule enable 1"},
    {{"domain add example.com", "rule add a@example.com drop --disabled"},
     "rule disable A@example.com"},
};

/*
 * test_noop_changes - a change to what is there already succeeds but
 * commits nothing: no audit row, and the same generation, so no daemon
 * rebuilds its table for it.
 */
static void
test_noop_changes(void)
{
	const struct noop_test *t;
	struct route_store *s;
	struct route_error err;
	char *before, *after;
	size_t i;

	for (i = 0; i < sizeof(noop_change_tests) / sizeof(*t); i++) {
		t = &noop_change_tests[i];
		printf("# change to the same: %s\n", t->cmd);
		if ((s = open_fresh(NULL)) == NULL)
			continue;
		if (setup(s, t->setup)) {
			before = snapshot(s);
			CHECK_INT(run(s, t->cmd, &err), 0);
			if (err.code != ROUTE_OK)
				printf("# %s\n", err.msg);
			after = snapshot(s);
			CHECK_STR(after, before);
			free(before);
			free(after);
		}
		close_case(&s);
	}
}

/* ---- listings ----------------------------------------------------------- */

/* test_lists - the orders store.h promises, and every field. */
static void
test_lists(void)
{
	static const char *const cmds[] = {
	    "domain add b.example",
	    "domain add a.example",
	    "domain add c.example --pass --no-subaddress --disabled",
	    "dest add z@x.org",
	    "dest add a@x.org",
	    "dest add m@x.org",
	    "dest verify m@x.org",
	    "rule add @b.example drop",
	    "rule add x-*@b.example drop --priority=3",
	    "rule add zed@b.example reject \"Gone\"",
	    "rule add abe@b.example drop --comment=\"old name\"",
	    "rule add @a.example drop",
	    "rule add m@a.example forward z@x.org a@x.org m@x.org --disabled",
	    NULL,
	};
	static const char *const rule_order[] = {
	    "m@a.example",   "@a.example",    "abe@b.example",
	    "zed@b.example", "x-*@b.example", "@b.example",
	};
	struct route_store_domain *dl;
	struct route_store_dest *tl;
	struct route_store_rule *rl, *r;
	struct route_error err;
	struct route_store *s;
	size_t dn, tn, rn, i;

	if ((s = open_fresh(NULL)) == NULL || !setup(s, cmds)) {
		close_case(&s);
		return;
	}
	CHECK_INT(route_store_domain_list(s, &dl, &dn, &err), 0);
	CHECK_INT(dn, 3);
	if (dn == 3) {
		CHECK_STR(dl[0].name, "a.example");
		CHECK_STR(dl[1].name, "b.example");
		CHECK_STR(dl[2].name, "c.example");
		CHECK(dl[0].enabled && dl[0].subaddress);
		CHECK_INT(dl[0].unknown, ROUTE_UNKNOWN_REJECT);
		CHECK(!dl[2].enabled && !dl[2].subaddress);
		CHECK_INT(dl[2].unknown, ROUTE_UNKNOWN_PASS);
		CHECK(dl[2].created > 1600000000);
	}
	route_store_domain_list_free(&dl, dn);
	CHECK(dl == NULL);

	CHECK_INT(route_store_dest_list(s, &tl, &tn, &err), 0);
	CHECK_INT(tn, 3);
	if (tn == 3) {
		CHECK_STR(tl[0].addr, "a@x.org");
		CHECK_STR(tl[1].addr, "m@x.org");
		CHECK_STR(tl[2].addr, "z@x.org");
		CHECK(!tl[0].verified && tl[0].verified_at == 0);
		CHECK(tl[1].verified && tl[1].verified_at >= tl[1].created);
		CHECK(tl[2].created > 1600000000);
	}
	route_store_dest_list_free(&tl, tn);

	CHECK_INT(route_store_rule_list(s, &rl, &rn, &err), 0);
	CHECK_INT(rn, 6);
	for (i = 0; i < rn && i < 6; i++)
		CHECK_STR(rl[i].match, rule_order[i]);
	if (rn == 6) {
		r = &rl[0];
		CHECK_INT(r->id, 6);
		CHECK_INT(r->action, ROUTE_ACTION_FORWARD);
		CHECK(!r->enabled);
		CHECK_INT(r->ndests, 3);
		if (r->ndests == 3) {
			CHECK_STR(r->dests[0], "z@x.org");
			CHECK_STR(r->dests[1], "a@x.org");
			CHECK_STR(r->dests[2], "m@x.org");
		}
		CHECK_STR(rl[2].comment, "old name");
		CHECK_STR(rl[3].text, "Gone");
		CHECK_INT(rl[3].action, ROUTE_ACTION_REJECT);
		CHECK_INT(rl[4].priority, 3);
		CHECK_INT(rl[5].ndests, 0);
		CHECK(rl[5].enabled && rl[5].text == NULL &&
		      rl[5].comment == NULL && rl[5].created > 1600000000);
	}
	route_store_rule_list_free(&rl, rn);
	close_case(&s);
}

/* test_audit - newest last, limit keeps the newest; refusals leave none. */
static void
test_audit(void)
{
	static const char *const cmds[] = {
	    "domain add example.com",
	    "dest add me@gmail.com",
	    "dest verify me@gmail.com",
	    "rule add info@example.com forward me@gmail.com",
	    NULL,
	};
	struct route_audit_entry *al;
	struct route_actor who = {NULL, NULL};
	struct route_domain_def dd = {"example.org", true, 0, true};
	struct route_error err;
	struct route_store *s;
	size_t an;

	if ((s = open_fresh(NULL)) == NULL || !setup(s, cmds)) {
		close_case(&s);
		return;
	}
	CHECK_INT(run(s, "rule add info@example.com drop", &err), -1);
	CHECK_INT(route_store_audit_list(s, 0, &al, &an, &err), 0);
	CHECK_INT(an, 4);
	if (an == 4) {
		CHECK_INT(al[0].id, 1);
		CHECK_STR(al[0].command, "domain add example.com");
		CHECK_STR(al[3].command,
			  "rule add info@example.com forward me@gmail.com");
		CHECK(al[0].time <= al[3].time);
	}
	route_store_audit_list_free(&al, an);
	CHECK_INT(route_store_audit_list(s, 2, &al, &an, &err), 0);
	CHECK_INT(an, 2);
	if (an == 2) {
		CHECK_STR(al[0].command, "dest verify me@gmail.com");
		CHECK_STR(
		    al[1].new_value,
		    "rule 1 info@example.com forward me@gmail.com enabled");
	}
	route_store_audit_list_free(&al, an);

	/* an actor without names still leaves a row */
	CHECK_INT(route_store_domain_add(s, &who, &dd, &err), 0);
	CHECK_INT(route_store_audit_list(s, 1, &al, &an, &err), 0);
	if (an == 1) {
		CHECK_STR(al[0].user, "");
		CHECK_STR(
		    al[0].new_value,
		    "domain example.org enabled unknown=reject subaddress=on");
	}
	route_store_audit_list_free(&al, an);
	close_case(&s);
}

int
main(void)
{
	test_valid_changes();
	test_invalid_changes();
	test_noop_changes();
	test_lists();
	test_audit();
	return test_done();
}
