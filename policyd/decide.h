/*
 * decide.h - route-policyd's answer to one policy request: is this
 * recipient one we accept?  It only asks libroute (route_srs_rcpt, then
 * route_table_lookup), and takes its codes and words from libroute's
 * reply functions, so it always says what route-milter says.  No I/O and
 * no logging: the caller logs what decide_request reports.
 */
#ifndef POLICYD_DECIDE_H
#define POLICYD_DECIDE_H

#include <stdint.h>

#include <libroute/error.h>
#include <libroute/rules.h>
#include <libroute/srs.h>

#include "proto.h"

/* What a request is decided with; all of it read-only. */
struct decide_in {
	/* the rule table; NULL when none could be loaded */
	const struct route_table *table;
	/* the SRS engine; NULL when SRS is off */
	const struct route_srs *srs;
	/* where senders too long for an SRS address are kept; may be NULL */
	const struct route_srs_aliases *aliases;
	int64_t now; /* unix time, for SRS day stamps */
};

enum decide_kind {
	DECIDE_DUNNO = 0, /* not ours to refuse: Postfix goes on */
	DECIDE_REFUSE,	  /* a 5xx action */
	DECIDE_DEFER,	  /* DEFER_IF_PERMIT: we cannot tell now */
};

struct decide_result {
	enum decide_kind kind;
	char action[ROUTE_ERROR_MAX + 32]; /* the action, e.g. "DUNNO",
					      "550 5.1.1 User unknown" */
	char why[ROUTE_ERROR_MAX];	   /* for the log: the rule or the
					      reason, "" for DUNNO without one */
};

/*
 * decide_request - the action for req.  A request that is not about a
 * recipient (protocol_state is not RCPT, or there is no recipient) gets
 * DUNNO.  A recipient in one of our SRS domains is valid (DUNNO) or
 * refused with route_srs_reply's words (DEFER_IF_PERMIT when the alias
 * store failed); any other recipient is looked up in the rule table, and
 * a reject or an unknown address gets route_decision_reply's code and
 * words, a recipient that does not parse in a routed domain 553 5.1.3
 * with the reason, and everything else DUNNO.  Without a table, or when
 * the lookup fails for a system reason, DEFER_IF_PERMIT 4.3.0: never a
 * 5xx because we are broken.
 */
void decide_request(const struct decide_in *in, const struct proto_request *req,
		    struct decide_result *r);

/*
 * decide_prefetch - route_table_prefetch for the recipient decide_request
 * would look up in req: the hint for decide_prefetch_rule, 0 for a
 * request that needs no lookup.  decide_prefetch_rule -
 * route_table_prefetch_rule.
 */
uint64_t decide_prefetch(const struct decide_in *in,
			 const struct proto_request *req);
void decide_prefetch_rule(const struct decide_in *in, uint64_t hint);

#endif
