/*
 * callbacks.c - libmilter's xxfi_* entry points, as thin adapters: find the
 * connection context, hand the arguments to msg.c, answer with actions.c.
 *
 * libmilter calls them in this order for each connection: negotiate,
 * connect, then per message envfrom, envrcpt..., header..., eoh, body...,
 * eom; abort may come at any point of a message and close ends it all.
 * A connection's callbacks never run concurrently, so its context needs no
 * lock; different connections run on different threads.
 */
#include <stdlib.h>

#include <libmilter/mfapi.h>

#include "actions.h"
#include "callbacks.h"
#include "conn.h"
#include "msg.h"
#include "tables.h"

/* Actions route-milter takes; SETSYMLIST asks only for the macros it uses. */
#define ROUTE_ACTIONS                                                          \
	(SMFIF_ADDRCPT | SMFIF_DELRCPT | SMFIF_CHGFROM | SMFIF_SETSYMLIST)

/*
 * Protocol steps the MTA may leave out (fewer round trips), and header
 * replies it need not wait for: the Received count is judged at eoh.
 */
#define ROUTE_STEPS                                                            \
	(SMFIP_NOHELO | SMFIP_NOUNKNOWN | SMFIP_NODATA | SMFIP_NR_HDR)

/* RCPT without a MAIL FROM that libmilter passed on: never expected. */
static const struct msg_reply no_transaction = {
    MSG_TEMPFAIL, "451", "4.3.0", "No mail transaction, try again later"};

/* conn_of - the context of this connection, created on first use. */
static struct conn *
conn_of(SMFICTX *ctx)
{
	struct conn *c = smfi_getpriv(ctx);

	if (c == NULL) {
		c = conn_new();
		smfi_setpriv(ctx, c);
	}
	return c;
}

/* cb_negotiate - take the actions and shortcuts the MTA offers. */
static sfsistat
cb_negotiate(SMFICTX *ctx, unsigned long f0, unsigned long f1, unsigned long f2,
	     unsigned long f3, unsigned long *pf0, unsigned long *pf1,
	     unsigned long *pf2, unsigned long *pf3)
{
	struct conn *c = conn_of(ctx);

	(void)f2;
	(void)f3;
	/*
	 * Actions the MTA does not offer are not demanded: a message that
	 * needs one is deferred at its end (nothing lost), the others pass.
	 */
	*pf0 = f0 & ROUTE_ACTIONS;
	*pf1 = f1 & ROUTE_STEPS;
	*pf2 = 0;
	*pf3 = 0;
	c->hdr_noreply = (*pf1 & SMFIP_NR_HDR) != 0;
	if (*pf0 & SMFIF_SETSYMLIST) {
		/*
		 * The queue id: Sendmail knows it at MAIL, Postfix from RCPT
		 * on; asked for at each step so every log line can carry it.
		 */
		smfi_setsymlist(ctx, SMFIM_ENVFROM, "i");
		smfi_setsymlist(ctx, SMFIM_ENVRCPT, "i");
		smfi_setsymlist(ctx, SMFIM_EOH, "i");
		smfi_setsymlist(ctx, SMFIM_EOM, "i");
	}
	return SMFIS_CONTINUE;
}

/* cb_connect - remember the SMTP client for the log, and the MTA. */
static sfsistat
cb_connect(SMFICTX *ctx, char *host, _SOCK_ADDR *sa)
{
	struct conn *c = conn_of(ctx);

	conn_set_client(c, host, sa);
	conn_set_mta(c, smfi_getsymval(ctx, "v"));
	return SMFIS_CONTINUE;
}

/* cb_envfrom - a new message with the current config and rule table. */
static sfsistat
cb_envfrom(SMFICTX *ctx, char **argv)
{
	struct conn *c = conn_of(ctx);
	struct msg_reply r;

	conn_msg_cleanup(c);
	c->msg =
	    msg_new(argv, smfi_getsymval(ctx, "i"), c->client,
		    c->local_submission, tables_config(), tables_table(), &r);
	return actions_reply(ctx, c->msg, &r);
}

/* cb_envrcpt - accept or refuse one recipient. */
static sfsistat
cb_envrcpt(SMFICTX *ctx, char **argv)
{
	struct conn *c = conn_of(ctx);
	struct msg_reply r;

	if (c->msg == NULL || argv == NULL || argv[0] == NULL)
		return actions_reply(ctx, NULL, &no_transaction);
	msg_set_queue_id(c->msg, smfi_getsymval(ctx, "i"));
	msg_rcpt(c->msg, argv[0], &r);
	return actions_reply(ctx, c->msg, &r);
}

/* cb_header - count one header. */
static sfsistat
cb_header(SMFICTX *ctx, char *name, char *value)
{
	struct conn *c = conn_of(ctx);

	if (c->msg != NULL)
		msg_header(c->msg, name, value);
	return c->hdr_noreply ? SMFIS_NOREPLY : SMFIS_CONTINUE;
}

/* cb_eoh - judge the header as a whole. */
static sfsistat
cb_eoh(SMFICTX *ctx)
{
	struct conn *c = conn_of(ctx);
	struct msg_reply r;

	if (c->msg == NULL)
		return SMFIS_CONTINUE;
	msg_set_queue_id(c->msg, smfi_getsymval(ctx, "i"));
	msg_eoh(c->msg, &r);
	return actions_reply(ctx, c->msg, &r);
}

/* cb_body - count a body chunk. */
static sfsistat
cb_body(SMFICTX *ctx, unsigned char *data, size_t len)
{
	struct conn *c = conn_of(ctx);
	struct msg_reply r;

	(void)data;
	if (c->msg == NULL)
		return SMFIS_CONTINUE;
	msg_body(c->msg, len, &r);
	return actions_reply(ctx, c->msg, &r);
}

/* cb_eom - apply the recipient edits and end the message. */
static sfsistat
cb_eom(SMFICTX *ctx)
{
	struct conn *c = conn_of(ctx);
	struct msg_reply r;
	struct msg_edits e;
	sfsistat rc;

	if (c->msg == NULL)
		return SMFIS_CONTINUE;
	msg_set_queue_id(c->msg, smfi_getsymval(ctx, "i"));
	msg_late_refusal(c->msg, &r);
	if (r.status != MSG_CONTINUE) {
		rc = actions_reply(ctx, c->msg, &r);
		conn_msg_cleanup(c);
		return rc;
	}
	msg_eom(c->msg, &e, &r);
	if (r.status != MSG_CONTINUE)
		rc = actions_reply(ctx, c->msg, &r);
	else
		rc = actions_apply(ctx, c->msg, &e, !c->mta_postfix);
	msg_edits_free(&e);
	conn_msg_cleanup(c);
	return rc;
}

/* cb_abort - the message ended early. */
static sfsistat
cb_abort(SMFICTX *ctx)
{
	conn_msg_cleanup(conn_of(ctx));
	return SMFIS_CONTINUE;
}

/* cb_close - the connection ended. */
static sfsistat
cb_close(SMFICTX *ctx)
{
	struct conn *c = smfi_getpriv(ctx);

	conn_free(&c);
	smfi_setpriv(ctx, NULL);
	return SMFIS_CONTINUE;
}

static struct smfiDesc callbacks_desc = {
    .xxfi_name = "route-milter",
    .xxfi_version = SMFI_VERSION,
    .xxfi_flags = ROUTE_ACTIONS,
    .xxfi_connect = cb_connect,
    .xxfi_envfrom = cb_envfrom,
    .xxfi_envrcpt = cb_envrcpt,
    .xxfi_header = cb_header,
    .xxfi_eoh = cb_eoh,
    .xxfi_body = cb_body,
    .xxfi_eom = cb_eom,
    .xxfi_abort = cb_abort,
    .xxfi_close = cb_close,
    .xxfi_negotiate = cb_negotiate,
};

/* callbacks_filter - the filter description for smfi_register. */
struct smfiDesc *
callbacks_filter(void)
{
	return &callbacks_desc;
}
