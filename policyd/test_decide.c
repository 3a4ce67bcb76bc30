/*
 * test_decide.c - route-policyd's answers: policy requests, as Postfix
 * sends them, through the parser and decide_request against a rule table
 * built in memory and an SRS engine with a pinned clock.  Each case
 * names the exact action Postfix receives.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <libroute/alloc.h>
#include <libroute/rules.h>
#include <libroute/srs.h>

#include "decide.h"
#include "proto.h"
#include "test.h"

#define NOW 1700000000 /* 2023-11-14: the pinned clock */
#define DAY 86400

static struct route_table *table;
static struct route_srs *srs;

/* A one-entry alias store, and a switch that makes it fail. */
static char alias_key[64], *alias_sender;
static int alias_broken;

/* alias_put - keep one alias. */
static int
alias_put(void *ctx, const char *key, const char *sender, int64_t expires,
	  struct route_error *err)
{
	(void)ctx;
	(void)expires;
	if (alias_broken)
		return route_error_set(err, ROUTE_ESYS, "store is down");
	snprintf(alias_key, sizeof(alias_key), "%s", key);
	free(alias_sender);
	alias_sender = route_xstrdup(sender);
	return 0;
}

/* alias_get - find the one alias. */
static int
alias_get(void *ctx, const char *key, int64_t now, char **sender_r,
	  struct route_error *err)
{
	(void)ctx;
	(void)now;
	if (alias_broken)
		return route_error_set(err, ROUTE_ESYS, "store is down");
	if (alias_sender == NULL || strcmp(key, alias_key) != 0)
		return 1;
	*sender_r = route_xstrdup(alias_sender);
	return 0;
}

static const struct route_srs_aliases aliases = {alias_put, alias_get, NULL};

/* build_table - the rules every case is decided with. */
static void
build_table(void)
{
	static const struct route_domain_def doms[] = {
	    {"example.com", true, ROUTE_UNKNOWN_REJECT, true},
	    {"example.net", true, ROUTE_UNKNOWN_PASS, true},
	    {"off.example", false, ROUTE_UNKNOWN_REJECT, true},
	};
	static const char *const me[] = {"me@mailbox.test"};
	static const struct route_rule_def rules[] = {
	    {1, "info@example.com", ROUTE_ACTION_FORWARD, me, 1, NULL, true, 0,
	     NULL},
	    {2, "sales@example.com", ROUTE_ACTION_REJECT, NULL, 0,
	     "No mail for sales, write to info", true, 0, NULL},
	    {3, "old@example.com", ROUTE_ACTION_REJECT, NULL, 0, NULL, true, 0,
	     NULL},
	    {4, "spam@example.com", ROUTE_ACTION_DROP, NULL, 0, NULL, true, 0,
	     NULL},
	    {5, "gone@example.com", ROUTE_ACTION_DROP, NULL, 0, NULL, false, 0,
	     NULL},
	    {6, "@example.net", ROUTE_ACTION_FORWARD, me, 1, NULL, true, 0,
	     NULL},
	};
	static const struct route_dest_def dest = {"me@mailbox.test", true};
	struct route_table_builder *b = route_table_builder_new(NULL);
	struct route_error err;
	size_t i;

	for (i = 0; i < sizeof(doms) / sizeof(doms[0]); i++)
		route_table_builder_add_domain(b, &doms[i], &err);
	route_table_builder_add_dest(b, &dest, &err);
	for (i = 0; i < sizeof(rules) / sizeof(rules[0]); i++)
		route_table_builder_add_rule(b, &rules[i], &err);
	table = route_table_builder_finish(&b, &err);
	if (table == NULL) {
		printf("Bail out! table: %s\n", err.msg);
		exit(1);
	}
}

/* make_srs - an engine for srs.example.net with a known secret. */
static void
make_srs(void)
{
	static const char *const secrets[] = {"tops3cret"};
	struct route_srs_opts o;
	struct route_error err;

	route_srs_opts_init(&o);
	o.domain = route_xstrdup("srs.example.net");
	if (route_srs_new(&o, secrets, 1, &srs, &err) == -1) {
		printf("Bail out! srs: %s\n", err.msg);
		exit(1);
	}
	route_srs_opts_free(&o);
}

/*
 * decide - the action for the request text req (LF-separated lines, the
 * closing empty line added here), decided at now with t and s.
 */
static const char *
decide(const char *req, const struct route_table *t, const struct route_srs *s,
       int64_t now, enum decide_kind *kind_r)
{
	static struct decide_result r;
	struct decide_in in = {t, s, &aliases, now};
	struct proto_parser *p = proto_parser_new(NULL);
	struct proto_request pr;

	proto_feed(p, req, strlen(req));
	proto_feed(p, "\n", 1);
	if (proto_next(p, &pr, NULL) != PROTO_REQUEST) {
		proto_parser_free(&p);
		return "(request did not parse)";
	}
	decide_request(&in, &pr, &r);
	proto_parser_free(&p);
	if (kind_r != NULL)
		*kind_r = r.kind;
	return r.action;
}

#define RCPT(addr)                                                             \
	"request=smtpd_access_policy\nprotocol_state=RCPT\n"                   \
	"protocol_name=ESMTP\nclient_address=192.0.2.1\nqueue_id=\n"           \
	"sender=a@example.org\nrecipient=" addr "\n"

struct decide_case {
	const char *what;
	const char *req;
	const char *action;
	enum decide_kind kind;
};

static const struct decide_case decide_cases[] = {
    {"not routed", RCPT("x@elsewhere.example"), "DUNNO", DECIDE_DUNNO},
    {"a forward", RCPT("info@example.com"), "DUNNO", DECIDE_DUNNO},
    {"a forward, other case", RCPT("INFO@Example.COM"), "DUNNO", DECIDE_DUNNO},
    {"a forward by sub-address", RCPT("info+news@example.com"), "DUNNO",
     DECIDE_DUNNO},
    {"a drop", RCPT("spam@example.com"), "DUNNO", DECIDE_DUNNO},
    {"a catch-all", RCPT("anyone@example.net"), "DUNNO", DECIDE_DUNNO},
    {"a reject rule's text", RCPT("sales@example.com"),
     "550 5.7.1 No mail for sales, write to info", DECIDE_REFUSE},
    {"a reject rule without text", RCPT("old@example.com"),
     "550 5.7.1 Access denied", DECIDE_REFUSE},
    {"an unknown address", RCPT("nobody@example.com"), "550 5.1.1 User unknown",
     DECIDE_REFUSE},
    {"a disabled rule does not match", RCPT("gone@example.com"),
     "550 5.1.1 User unknown", DECIDE_REFUSE},
    {"a disabled domain is not routed", RCPT("x@off.example"), "DUNNO",
     DECIDE_DUNNO},
    {"an unparsable address in a routed domain", RCPT("a b@example.com"), NULL,
     DECIDE_REFUSE},
    {"an unparsable address elsewhere", RCPT("a b@elsewhere.example"), "DUNNO",
     DECIDE_DUNNO},
    {"no protocol_state", "recipient=nobody@example.com\n", "DUNNO",
     DECIDE_DUNNO},
    {"protocol_state DATA",
     "protocol_state=DATA\nrecipient=nobody@example.com\n", "DUNNO",
     DECIDE_DUNNO},
    {"no recipient", "protocol_state=RCPT\nsender=a@example.org\n", "DUNNO",
     DECIDE_DUNNO},
    {"an empty recipient", "protocol_state=RCPT\nrecipient=\n", "DUNNO",
     DECIDE_DUNNO},
    {"an empty request", "", "DUNNO", DECIDE_DUNNO},
    {"an SRS-looking address outside our SRS domains",
     RCPT("SRS0=xxxx=AB=example.org=a@other.example"), "DUNNO", DECIDE_DUNNO},
};

/* test_cases - the table above, with SRS on and off. */
static void
test_cases(void)
{
	enum decide_kind kind;
	const char *got;
	size_t i;

	for (i = 0; i < sizeof(decide_cases) / sizeof(decide_cases[0]); i++) {
		const struct decide_case *c = &decide_cases[i];

		got = decide(c->req, table, srs, NOW, &kind);
		if (c->action != NULL)
			CHECK_STR(got, c->action);
		else
			CHECK(strncmp(got, "553 5.1.3 ", 10) == 0 &&
			      strlen(got) > 10);
		CHECK_INT(kind, c->kind);
		if (strcmp(got, decide(c->req, table, NULL, NOW, NULL)) != 0)
			printf("# %s: differs without SRS\n", c->what);
		CHECK(strcmp(got, decide(c->req, table, NULL, NOW, NULL)) == 0);
	}
}

/* test_no_table - never a 5xx because we are broken. */
static void
test_no_table(void)
{
	enum decide_kind kind;

	CHECK_STR(decide(RCPT("nobody@example.com"), NULL, NULL, NOW, &kind),
		  "DEFER_IF_PERMIT 4.3.0 Temporary routing failure, try "
		  "again later");
	CHECK_INT(kind, DECIDE_DEFER);
	CHECK_STR(decide(RCPT("x@elsewhere.example"), NULL, srs, NOW, &kind),
		  "DEFER_IF_PERMIT 4.3.0 Temporary routing failure, try "
		  "again later");
	/* Not about a recipient: nothing to defer. */
	CHECK_STR(decide("protocol_state=DATA\n", NULL, NULL, NOW, &kind),
		  "DUNNO");
}

/* rcpt_req - RCPT(addr) for an address known only at run time. */
static const char *
rcpt_req(const char *addr)
{
	static char buf[1024];

	snprintf(buf, sizeof(buf), RCPT("%s"), addr);
	return buf;
}

/* test_srs - bounces to our SRS addresses: valid, forged, expired. */
static void
test_srs(void)
{
	char long_sender[200], *addr = NULL, *alias = NULL, *p;
	struct route_error err;
	enum decide_kind kind;

	if (route_srs_forward(srs, "alice@example.org", NULL, NOW, NULL, &addr,
			      &err) == -1) {
		printf("Bail out! srs forward: %s\n", err.msg);
		exit(1);
	}
	CHECK_STR(decide(rcpt_req(addr), table, srs, NOW, &kind), "DUNNO");
	CHECK_INT(kind, DECIDE_DUNNO);
	/* Postfix may give it in another case. */
	for (p = addr; *p != '@'; p++)
		if (*p >= 'a' && *p <= 'z')
			*p = (char)(*p - 'a' + 'A');
	CHECK_STR(decide(rcpt_req(addr), table, srs, NOW + 20 * DAY, &kind),
		  "DUNNO");
	CHECK_STR(decide(rcpt_req(addr), table, srs, NOW + 22 * DAY, &kind),
		  "550 5.7.1 Invalid SRS address");
	CHECK_INT(kind, DECIDE_REFUSE);
	/* A forged hash. */
	p = strchr(addr, '=') + 1;
	*p = *p == 'A' ? 'B' : 'A';
	CHECK_STR(decide(rcpt_req(addr), table, srs, NOW, &kind),
		  "550 5.7.1 Invalid SRS address");
	CHECK_STR(
	    decide(rcpt_req("SRS0=@srs.example.net"), table, srs, NOW, &kind),
	    "550 5.7.1 Invalid SRS address");
	/* Without SRS the address is in no routed domain: not ours. */
	CHECK_STR(decide(rcpt_req(addr), table, NULL, NOW, &kind), "DUNNO");
	free(addr);

	/* A sender too long for the local part goes through the aliases. */
	memset(long_sender, 'x', 60);
	strcpy(long_sender + 60, "@a-rather-long-subdomain.example.org");
	if (route_srs_forward(srs, long_sender, NULL, NOW, &aliases, &alias,
			      &err) == -1) {
		printf("Bail out! srs alias: %s\n", err.msg);
		exit(1);
	}
	CHECK_STR(decide(rcpt_req(alias), table, srs, NOW, &kind), "DUNNO");
	alias_broken = 1;
	CHECK_STR(decide(rcpt_req(alias), table, srs, NOW, &kind),
		  "DEFER_IF_PERMIT 4.3.0 Temporary SRS lookup failure, try "
		  "again later");
	CHECK_INT(kind, DECIDE_DEFER);
	alias_broken = 0;
	free(alias_sender);
	alias_sender = NULL;
	CHECK_STR(decide(rcpt_req(alias), table, srs, NOW, &kind),
		  "550 5.7.1 Invalid SRS address");
	free(alias);
}

/* test_why - what the log line is given. */
static void
test_why(void)
{
	struct decide_in in = {table, srs, &aliases, NOW};
	struct proto_parser *p = proto_parser_new(NULL);
	struct proto_request pr;
	struct decide_result r;
	const char *req = RCPT("nobody@example.com") "\n";

	proto_feed(p, req, strlen(req));
	proto_next(p, &pr, NULL);
	decide_request(&in, &pr, &r);
	CHECK(strstr(r.why, "example.com") != NULL);
	proto_parser_free(&p);
}

int
main(void)
{
	build_table();
	make_srs();
	test_cases();
	test_no_table();
	test_srs();
	test_why();
	route_srs_unref(&srs);
	route_table_unref(&table);
	free(alias_sender);
	return test_done();
}
