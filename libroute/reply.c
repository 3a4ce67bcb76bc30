/*
 * reply.c - the SMTP reply a refused recipient gets.  Kept apart from the
 * lookup so that every program that shows or sends a refusal (route-milter,
 * route-policyd, milter-ctl test) takes its codes and words from one place.
 */
#include <stddef.h>

#include <libroute/rules.h>

#define REPLY_REJECT_TEXT "Recipient address rejected"
#define REPLY_UNKNOWN_TEXT "Recipient address unknown"

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
