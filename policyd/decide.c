/*
 * decide.c - one policy request to one action (see decide.h).  The order
 * is the milter's (milter/msg.c): SRS addresses first, then the rule
 * table; only the way the answer is spelled differs, since the policy
 * protocol has DUNNO for "not mine to refuse" and DEFER_IF_PERMIT for a
 * tempfail that must not override a later refusal.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <libroute/addr.h>

#include "decide.h"

/* Our own failure: never a 5xx, and never over a later refusal. */
#define DEFER_XCODE "4.3.0"
#define DEFER_TEXT "Temporary routing failure, try again later"

/* set_why - the reason for the log. */
static void
set_why(struct decide_result *r, const char *why)
{
	snprintf(r->why, sizeof(r->why), "%s", why != NULL ? why : "");
}

/* dunno - no objection; nothing to log, so no reason is kept. */
static void
dunno(struct decide_result *r)
{
	r->kind = DECIDE_DUNNO;
	memcpy(r->action, "DUNNO", sizeof("DUNNO"));
	r->why[0] = '\0';
}

/* refuse - "CODE XCODE TEXT". */
static void
refuse(struct decide_result *r, const char *why, const char *code,
       const char *xcode, const char *text)
{
	r->kind = DECIDE_REFUSE;
	snprintf(r->action, sizeof(r->action), "%s %s %s", code, xcode, text);
	set_why(r, why);
}

/* defer - "DEFER_IF_PERMIT XCODE TEXT". */
static void
defer(struct decide_result *r, const char *why, const char *xcode,
      const char *text)
{
	r->kind = DECIDE_DEFER;
	snprintf(r->action, sizeof(r->action), "DEFER_IF_PERMIT %s %s", xcode,
		 text);
	set_why(r, why);
}

/*
 * decide_srs - a recipient in our SRS domains; false when rcpt is not
 * one (route it as usual).
 */
static bool
decide_srs(const struct decide_in *in, const char *rcpt,
	   struct decide_result *r)
{
	struct route_error err = {0};
	const char *code, *xcode, *text;
	char *orig = NULL;

	switch (
	    route_srs_rcpt(in->srs, rcpt, in->now, in->aliases, &orig, &err)) {
	case 0:
		return false;
	case 1:
		dunno(r);
		free(orig);
		return true;
	}
	route_srs_reply(&err, &code, &xcode, &text);
	if (err.code == ROUTE_ESYS)
		defer(r, err.msg, xcode, text);
	else
		refuse(r, err.msg, code, xcode, text);
	return true;
}

/* decide_request - DUNNO, a refusal, or DEFER_IF_PERMIT for req. */
void
decide_request(const struct decide_in *in, const struct proto_request *req,
	       struct decide_result *r)
{
	const char *state = proto_get(req, "protocol_state");
	const char *rcpt = proto_get(req, "recipient");
	const char *code, *xcode, *text;
	struct route_error err = {0};
	struct route_decision d;
	enum route_verdict v;
	int rc;

	if (state == NULL || strcmp(state, "RCPT") != 0 || rcpt == NULL ||
	    rcpt[0] == '\0') {
		dunno(r);
		return;
	}
	if (in->srs != NULL && decide_srs(in, rcpt, r))
		return;
	if (in->table == NULL) {
		defer(r, "no rule table loaded", DEFER_XCODE, DEFER_TEXT);
		return;
	}
	/* Most recipients are accepted: the verdict alone settles them, and
	 * only a refusal pays for the words and the why. */
	rc = route_table_verdict(in->table, rcpt, &v, &err);
	if (rc == 0 && v != ROUTE_REJECT && v != ROUTE_UNKNOWN) {
		dunno(r);
		return;
	}
	if (rc == -1 || route_table_lookup(in->table, rcpt, &d, &err) == -1) {
		if (err.code != ROUTE_EINVAL)
			defer(r, err.msg, DEFER_XCODE, DEFER_TEXT);
		else if (!route_table_path_routed(in->table, rcpt))
			dunno(r); /* not ours: untouched */
		else		  /* RFC 5321 4.2.2, as route-milter says */
			refuse(r, err.msg, "553", "5.1.3", err.msg);
		return;
	}
	if (route_decision_reply(&d, &code, &xcode, &text))
		refuse(r, d.why, code, xcode, text);
	else
		dunno(r);
	route_decision_clear(&d);
}

/* decide_prefetch - the lookup hint for req's recipient. */
uint64_t
decide_prefetch(const struct decide_in *in, const struct proto_request *req)
{
	const char *rcpt = proto_get(req, "recipient");

	return in->table != NULL && rcpt != NULL
		   ? route_table_prefetch(in->table, rcpt)
		   : 0;
}

/* decide_prefetch_rule - the second step of the hint. */
void
decide_prefetch_rule(const struct decide_in *in, uint64_t hint)
{
	if (in->table != NULL)
		route_table_prefetch_rule(in->table, hint);
}
