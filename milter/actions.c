/*
 * actions.c - the libmilter calls that apply route-milter's decisions.
 *
 * Kept apart from the callbacks so that the order of the edits, the
 * escaping of reply texts and the failure handling are in one place.
 */
#include <stdio.h>

#include <libmilter/mfapi.h>

#include "actions.h"
#include "log.h"
#include "msg.h"

/*
 * Longest reply text passed on: an SMTP reply line is at most 512 octets
 * (RFC 5321 4.5.3.1.5) and the code, enhanced code and CRLF need room.
 */
#define REPLY_TEXT_MAX 480

/*
 * reply_text - text safe for smfi_setreply: libmilter drops a text with a
 * lone '%' and refuses CR or LF, and an SMTP reply is TAB and printable
 * ASCII (RFC 5321 textstring), so '%' is doubled and any other byte
 * becomes '?'.  Rule texts are checked to that set when added, so they go
 * out as milter-ctl shows them; this guards texts built from input.
 */
static void
reply_text(const char *in, char *out, size_t size)
{
	size_t n = 0;

	for (; *in != '\0' && n + 2 < size && n < REPLY_TEXT_MAX; in++) {
		unsigned char ch = (unsigned char)*in;

		if (ch == '%') {
			out[n++] = '%';
			out[n++] = '%';
		} else {
			out[n++] = (ch >= 0x20 && ch < 0x7f) || ch == '\t'
				       ? (char)ch
				       : '?';
		}
	}
	out[n] = '\0';
}

/* actions_reply - set the reply of a refusal and map the status. */
sfsistat
actions_reply(SMFICTX *ctx, const struct msg *m, const struct msg_reply *r)
{
	char text[2 * REPLY_TEXT_MAX + 2];

	if (r->code != NULL) {
		reply_text(r->text != NULL ? r->text : "", text, sizeof(text));
		if (smfi_setreply(ctx, (char *)r->code, (char *)r->xcode,
				  text) != MI_SUCCESS)
			log_msg(true, m != NULL ? msg_queue_id(m) : NULL,
				"smfi_setreply %s %s failed; the MTA answers "
				"with its own text",
				r->code, r->xcode);
	}
	switch (r->status) {
	case MSG_REJECT:
		return SMFIS_REJECT;
	case MSG_TEMPFAIL:
		return SMFIS_TEMPFAIL;
	case MSG_CONTINUE:
		break;
	}
	return SMFIS_CONTINUE;
}

/* actions_apply - discard, or change the sender and the recipients. */
sfsistat
actions_apply(SMFICTX *ctx, struct msg *m, const struct msg_edits *e,
	      bool from_args)
{
	struct msg_reply r;
	size_t i;

	if (e->discard) {
		msg_set_result(m, "discarded", NULL);
		return SMFIS_DISCARD;
	}
	if (e->from != NULL && smfi_chgfrom(ctx, e->from,
					    from_args ? (char *)e->from_args
						      : NULL) != MI_SUCCESS) {
		msg_edit_failed(m, "smfi_chgfrom", e->from, &r);
		return actions_reply(ctx, m, &r);
	}
	for (i = 0; i < e->ndel; i++)
		if (smfi_delrcpt(ctx, (char *)e->del[i]) != MI_SUCCESS) {
			msg_edit_failed(m, "smfi_delrcpt", e->del[i], &r);
			return actions_reply(ctx, m, &r);
		}
	for (i = 0; i < e->nadd; i++)
		if (smfi_addrcpt(ctx, e->add[i]) != MI_SUCCESS) {
			msg_edit_failed(m, "smfi_addrcpt", e->add[i], &r);
			return actions_reply(ctx, m, &r);
		}
	msg_set_result(m, "accepted", NULL);
	return SMFIS_CONTINUE;
}
