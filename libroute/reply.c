/*
 * reply.c - the words a decision is shown with: the SMTP reply a refused
 * recipient gets, and the names of verdicts, reasons and actions.  Kept
 * apart from the lookup so that every program that shows or sends a
 * decision (route-milter, route-policyd, milter-ctl) takes its codes and
 * words from one place.
 */
#include <stddef.h>
#include <string.h>

#include <libroute/alloc.h>

#include <libroute/rules.h>

/* Postfix's own words for these refusals (access(5) REJECT without a
 * text, an address no table knows), so that a sender reads the same
 * whichever part refused it. */
#define REPLY_REJECT_TEXT "Access denied"
#define REPLY_UNKNOWN_TEXT "User unknown"

/* route_decision_reply - code, enhanced code and text of a refusal. */
int
route_decision_reply(const struct route_decision *d, const char **code_r,
		     const char **xcode_r, const char **text_r)
{
	switch (d->verdict) {
	case ROUTE_REJECT:
		*code_r = "550";
		*xcode_r = "5.7.1";
		*text_r = d->text != NULL && d->text[0] != '\0'
			      ? d->text
			      : REPLY_REJECT_TEXT;
		return 1;
	case ROUTE_UNKNOWN:
		*code_r = "550";
		*xcode_r = "5.1.1";
		*text_r = REPLY_UNKNOWN_TEXT;
		return 1;
	default:
		*code_r = NULL;
		*xcode_r = NULL;
		*text_r = NULL;
		return 0;
	}
}

/* route_rcpt_reply_text - "<RCPT>: Recipient address rejected: TEXT". */
char *
route_rcpt_reply_text(const char *rcpt, const char *text)
{
	size_t len = strlen(rcpt);

	if (len >= 2 && rcpt[0] == '<' && rcpt[len - 1] == '>') {
		rcpt++;
		len -= 2;
	}
	return route_xasprintf("<%.*s>: Recipient address rejected: %s",
			       (int)len, rcpt, text);
}

/* route_verdict_name - a verdict as a word. */
const char *
route_verdict_name(enum route_verdict v)
{
	switch (v) {
	case ROUTE_NOT_ROUTED:
		return "not-routed";
	case ROUTE_PASS:
		return "pass";
	case ROUTE_FORWARD:
		return "forward";
	case ROUTE_DROP:
		return "drop";
	case ROUTE_REJECT:
		return "reject";
	case ROUTE_UNKNOWN:
		return "unknown";
	}
	return "?";
}

/* route_reason_name - how a decision was reached, as a word. */
const char *
route_reason_name(enum route_reason r)
{
	switch (r) {
	case ROUTE_BY_NONE:
		return "none";
	case ROUTE_BY_EXACT:
		return "exact";
	case ROUTE_BY_SUBADDRESS:
		return "subaddress";
	case ROUTE_BY_PATTERN:
		return "pattern";
	case ROUTE_BY_CATCHALL:
		return "catch-all";
	case ROUTE_BY_DEFAULT:
		return "default";
	}
	return "?";
}

static const char *const action_names[] = {
    [ROUTE_ACTION_FORWARD] = "forward",
    [ROUTE_ACTION_DROP] = "drop",
    [ROUTE_ACTION_REJECT] = "reject",
};

/* route_action_name - an action as a word. */
const char *
route_action_name(enum route_action a)
{
	if ((unsigned)a < sizeof(action_names) / sizeof(action_names[0]))
		return action_names[a];
	return "?";
}

/* route_action_parse - a word to an action; 0, or -1 if unknown. */
int
route_action_parse(const char *s, enum route_action *a_r)
{
	size_t i;

	for (i = 0;
	     s != NULL && i < sizeof(action_names) / sizeof(action_names[0]);
	     i++)
		if (strcmp(s, action_names[i]) == 0) {
			*a_r = (enum route_action)i;
			return 0;
		}
	return -1;
}
