/*
 * actions.h - carrying route-milter's decisions out through libmilter:
 * the SMTP reply of a refusal and the recipient edits at end of message.
 */
#ifndef MILTER_ACTIONS_H
#define MILTER_ACTIONS_H

#include <stdbool.h>

#include <libmilter/mfapi.h>

#include "msg.h"

/*
 * actions_reply - answer r: set the reply text when r refuses (a failure to
 * set it is logged; the MTA then uses its own text) and return the
 * libmilter status that goes with r.
 */
sfsistat actions_reply(SMFICTX *ctx, const struct msg *m,
		       const struct msg_reply *r);

/*
 * actions_apply - end of message for m: discard it when e says nothing is
 * left, else delete and add recipients as e says.  A libmilter call that
 * fails defers the whole message with 451 4.3.0, so the MTA keeps it and
 * nothing is lost.  Records the result in m; returns the libmilter status.
 */
sfsistat actions_apply(SMFICTX *ctx, struct msg *m, const struct msg_edits *e,
		       bool from_args);

#endif
