/*
 * msg.h - one mail transaction as route-milter sees it: the envelope, the
 * decision libroute took for each recipient, the size and loop counters,
 * and at the end the recipient edits that carry the decisions out.
 *
 * Nothing here talks to libmilter: each step returns a msg_reply that the
 * callbacks turn into an SMTP reply, so the rules live in one place.
 */
#ifndef MILTER_MSG_H
#define MILTER_MSG_H

#include <stdbool.h>
#include <stddef.h>

#include <libroute/config.h>
#include <libroute/rules.h>

enum msg_status {
	MSG_CONTINUE = 0, /* go on */
	MSG_REJECT,	  /* refuse (the recipient, or the message) */
	MSG_TEMPFAIL,	  /* 451 4.3.0: try again later */
};

/* What to answer; the strings live as long as the msg. */
struct msg_reply {
	enum msg_status status;
	const char *code;  /* "550"; NULL for MSG_CONTINUE */
	const char *xcode; /* "5.7.1" */
	const char *text;
};

/* The recipient changes at end of message; addresses as libmilter wants. */
struct msg_edits {
	const char **del; /* as given at RCPT, "<info@example.com>", and the
			     normalised mailbox when it differs */
	size_t ndel;
	char **add; /* "<me@example.net>", each once */
	size_t nadd;
	bool discard; /* no recipient is left */
	char *from;   /* the new envelope sender "<SRS0=...>", or NULL */
	const char *from_args; /* the ESMTP parameters of MAIL FROM, for an
				  MTA that wants them with the new sender */
};

struct msg;

/*
 * msg_new - start a transaction at MAIL FROM.  argv is what libmilter gives
 * xxfi_envfrom: the sender, then the ESMTP parameters.  qid is the queue
 * id when the MTA already has one (Sendmail), else NULL.  cfg and t are
 * references the message takes over (t may be NULL when no table could be
 * loaded: the message is then deferred).  client names the SMTP client for
 * the log.  late_refusals: the MTA cannot refuse single recipients (a
 * Postfix local submission), so msg_rcpt accepts every recipient and
 * msg_late_refusal refuses the message instead.  *r says whether to go
 * on, or refuses (SIZE= above the limit).
 */
struct msg *msg_new(char **argv, const char *qid, const char *client,
		    bool late_refusals, struct route_config *cfg,
		    struct route_table *t, struct msg_reply *r);

/* msg_set_queue_id - the MTA's queue id, once known (NULL is ignored). */
void msg_set_queue_id(struct msg *m, const char *qid);

/* msg_queue_id - the queue id, or NULL while unknown. */
const char *msg_queue_id(const struct msg *m);

/*
 * msg_rcpt - decide one recipient (RCPT TO argument as given).  An SRS
 * address in one of our SRS domains is forwarded to the address it
 * stands for, or refused (550 5.7.1) when forged, altered or expired.  A
 * malformed address is refused 553 5.1.3 only when its domain is routed;
 * otherwise it passes untouched like any mail for other domains.
 */
void msg_rcpt(struct msg *m, const char *rcpt, struct msg_reply *r);

/* msg_header - count one header toward size and the Received limit. */
void msg_header(struct msg *m, const char *name, const char *value);

/* msg_eoh - refuse a message with too many Received headers (554 5.4.6). */
void msg_eoh(struct msg *m, struct msg_reply *r);

/* msg_body - count a body chunk; refuse once the size limit is passed. */
void msg_body(struct msg *m, size_t len, struct msg_reply *r);

/*
 * msg_eom - the edits of the whole message.  Forwarded recipients are
 * deleted and replaced by their destinations, dropped ones deleted; a
 * destination is added once, and not at all when it is already a
 * recipient that stays (mailboxes compared with route_addr_key, so as
 * routing.case_sensitive says).  When a recipient is forwarded off this
 * host the sender gets its SRS address (e->from).  Fills *e (free with
 * msg_edits_free); *r defers the message when the sender could not be
 * rewritten (the alias store failed).
 */
void msg_eom(struct msg *m, struct msg_edits *e, struct msg_reply *r);

/*
 * msg_late_refusal - at end of message, with late_refusals: the first
 * recipient refusal of the message (a tempfail before a reject) as the
 * refusal of the whole message, text prefixed with the recipient; else
 * MSG_CONTINUE.  Records the result.
 */
void msg_late_refusal(struct msg *m, struct msg_reply *r);

/* msg_edits_free - release what msg_eom put in e. */
void msg_edits_free(struct msg_edits *e);

/*
 * msg_edit_failed - the MTA refused a recipient edit (call is the libmilter
 * function, addr its argument): log it and defer the message, 451 4.3.0.
 */
void msg_edit_failed(struct msg *m, const char *call, const char *addr,
		     struct msg_reply *r);

/*
 * msg_set_result - record how the message ended, for the summary line:
 * result is a short word ("accepted", "discarded", "rejected", "deferred")
 * and r the reply given with it (may be NULL).  The refusals decided in
 * this module record themselves; a message never given a result was
 * aborted.
 */
void msg_set_result(struct msg *m, const char *result,
		    const struct msg_reply *r);

/* msg_log_summary - the one summary line of the message. */
void msg_log_summary(const struct msg *m);

/* msg_free - release the message and its snapshot references. */
void msg_free(struct msg **m);

#endif
