/*
 * msg.c - the per-message logic of route-milter: recipient decisions from
 * libroute's one rule engine and its SRS checks, the size and Received
 * limits, and the edits at end of message (recipients, and the sender
 * when SRS rewrites it).  The summary log line is msg_log.c's.
 *
 * A message holds references to the configuration and rule table that were
 * current at MAIL FROM and uses only those until it ends.
 */
#include <stdarg.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <time.h>

#include <libroute/addr.h>
#include <libroute/alloc.h>

#include "log.h"
#include "msg.h"
#include "msg_int.h"
#include "srs_state.h"

/*
 * set_reply - fill r; a refusal of the whole message (not of one
 * recipient) is also the outcome the summary shows.
 */
static void
set_reply(struct msg *m, struct msg_reply *r, enum msg_status status,
	  const char *code, const char *xcode, const char *text,
	  bool whole_message)
{
	r->status = status;
	r->code = code;
	r->xcode = xcode;
	r->text = text;
	if (whole_message && (status == MSG_REJECT || status == MSG_TEMPFAIL))
		msg_set_result(
		    m, status == MSG_REJECT ? "rejected" : "deferred", r);
}

/* set_continue - the reply that lets the transaction go on. */
static void
set_continue(struct msg_reply *r)
{
	memset(r, 0, sizeof(*r));
	r->status = MSG_CONTINUE;
}

/*
 * tempfail - defer with 451 4.3.0 the whole message, or one recipient:
 * why goes into the reply, detail (may be NULL) only into the log.
 */
static void
tempfail(struct msg *m, struct msg_reply *r, const char *why,
	 const char *detail, bool whole_message)
{
	log_msg(true, m->qid, "deferred: %s%s%s", why,
		detail != NULL ? ": " : "", detail != NULL ? detail : "");
	snprintf(m->text, sizeof(m->text), "%s, try again later", why);
	set_reply(m, r, MSG_TEMPFAIL, "451", "4.3.0", m->text, whole_message);
}

/* size_param - the value of a SIZE= ESMTP parameter, or 0 when absent. */
static uint64_t
size_param(char **params)
{
	unsigned long long v;
	char *end;

	for (; params != NULL && *params != NULL; params++) {
		if (strncasecmp(*params, "SIZE=", 5) != 0)
			continue;
		v = strtoull(*params + 5, &end, 10);
		if (end != *params + 5 && *end == '\0')
			return v;
	}
	return 0;
}

/* join_params - the ESMTP parameters separated by spaces, or NULL. */
static char *
join_params(char **params)
{
	char *s = NULL, *next;

	for (; params != NULL && *params != NULL; params++) {
		next = route_xasprintf("%s%s%s", s != NULL ? s : "",
				       s != NULL ? " " : "", *params);
		free(s);
		s = next;
	}
	return s;
}

/* too_big - refuse the message for its size, 552 5.3.4 (RFC 1870). */
static void
too_big(struct msg *m, struct msg_reply *r)
{
	set_reply(m, r, MSG_REJECT, "552", "5.3.4",
		  "Message size exceeds fixed maximum message size", true);
}

/* msg_new - start a transaction at MAIL FROM. */
struct msg *
msg_new(char **argv, const char *qid, const char *client, bool late_refusals,
	struct route_config *cfg, struct route_table *t, struct msg_reply *r)
{
	struct msg *m = route_xcalloc(1, sizeof(*m));

	msg_set_queue_id(m, qid);
	m->cfg = cfg;
	m->table = t;
	m->late_refusals = late_refusals;
	m->from = route_xstrdup(argv != NULL && argv[0] != NULL ? argv[0] : "");
	if (argv != NULL && argv[0] != NULL)
		m->from_args = join_params(argv + 1);
	m->client = route_xstrdup(client);
	if (cfg != NULL)
		m->srs = srs_state_engine();
	clock_gettime(CLOCK_MONOTONIC, &m->start);
	set_continue(r);
	if (cfg == NULL) {
		/* A session that outlived tables_stop() at shutdown. */
		route_table_unref(&m->table);
		tempfail(m, r, "Shutting down", NULL, true);
	} else if (t == NULL)
		tempfail(m, r, "Routing table not available", NULL, true);
	else if (argv != NULL && argv[0] != NULL &&
		 size_param(argv + 1) > cfg->max_message_size)
		too_big(m, r);
	return m;
}

/* msg_set_queue_id - remember the queue id once the MTA tells it. */
void
msg_set_queue_id(struct msg *m, const char *qid)
{
	if (qid == NULL || qid[0] == '\0' ||
	    (m->qid != NULL && strcmp(m->qid, qid) == 0))
		return;
	free(m->qid);
	m->qid = route_xstrdup(qid);
}

/* msg_queue_id - the queue id or NULL. */
const char *
msg_queue_id(const struct msg *m)
{
	return m->qid;
}

/* same_as_arg - whether arg is mailbox, with or without its <>. */
static bool
same_as_arg(const char *arg, const char *mailbox)
{
	size_t len = strlen(mailbox);

	if (arg[0] != '<')
		return strcmp(arg, mailbox) == 0;
	return strncmp(arg + 1, mailbox, len) == 0 && arg[len + 1] == '>' &&
	       arg[len + 2] == '\0';
}

/* rcpt_forms - the normalised mailbox and comparison key of p->arg. */
static void
rcpt_forms(struct msg *m, struct msg_rcpt *p)
{
	if (route_addr_normalise(p->arg, &p->mailbox, NULL) == -1)
		return;
	if (route_addr_key(p->arg, m->cfg->table.case_sensitive, &p->key,
			   NULL) == -1)
		p->key = route_xstrdup(p->mailbox);
	/*
	 * Postfix deletes a recipient by the address as first received
	 * (ORCP), which is the mailbox without a source route; whichever of
	 * the two spellings it kept, one of the deletions matches.
	 */
	if (p->mailbox[0] != '\0' && !same_as_arg(p->arg, p->mailbox))
		p->del_alt = route_xasprintf("<%s>", p->mailbox);
}

/*
 * refuse_rcpt - record the refusal in r on the recipient p.  In a local
 * submission Postfix cannot refuse a recipient (it logs a configuration
 * error and keeps the message in the maildrop queue), so there the
 * recipient is accepted and the first refusal of each kind is kept for
 * the end of the message, which is then refused as a whole.
 */
static void
refuse_rcpt(struct msg *m, struct msg_rcpt *p, struct msg_reply *r)
{
	struct msg_reply *late;

	/* What Postfix's own recipient checks would say, so a sender reads
	 * the same words from us, from route-policyd and from Postfix. */
	free(p->reply_text);
	p->reply_text =
	    route_rcpt_reply_text(p->arg, r->text != NULL ? r->text : "");
	r->text = p->reply_text;
	if (!m->late_refusals) {
		p->code = r->code;
		p->xcode = r->xcode;
		p->text = r->text;
		return;
	}
	late = r->status == MSG_TEMPFAIL ? &m->late_tempfail : &m->late_reject;
	if (late->code == NULL) {
		*late = *r;
		if (r->status == MSG_TEMPFAIL)
			late->text = "Recipient lookup failed, try again "
				     "later";
	}
	p->late_code = r->code;
	p->late_xcode = r->xcode;
	set_continue(r);
}

/*
 * srs_rcpt - a recipient in one of our SRS domains: a valid SRS address
 * becomes a forward to the address it stands for (the bounce goes back
 * to the original sender); a forged, altered or expired one is refused.
 * Returns false when rcpt is not such an address (route it as usual).
 */
static bool
srs_rcpt(struct msg *m, struct msg_rcpt *p, struct msg_reply *r)
{
	struct route_srs_aliases aliases;
	struct route_error err = {0};
	char *orig = NULL;

	srs_state_aliases(&aliases);
	switch (route_srs_rcpt(m->srs, p->arg, (int64_t)time(NULL), &aliases,
			       &orig, &err)) {
	case 0:
		return false;
	case 1:
		p->srs_reversed = true;
		p->looked_up = true;
		p->d.verdict = ROUTE_FORWARD;
		p->d.dests = route_xcalloc(1, sizeof(*p->d.dests));
		p->d.dests[0] = orig;
		p->d.ndests = 1;
		rcpt_forms(m, p);
		return true;
	}
	log_msg(true, m->qid, "SRS: refused RCPT %s%s%s: %s",
		msg_bracket_open(p->arg), p->arg, msg_bracket_close(p->arg),
		err.msg);
	r->status = err.code == ROUTE_ESYS ? MSG_TEMPFAIL : MSG_REJECT;
	route_srs_reply(&err, &r->code, &r->xcode, &r->text);
	p->invalid = route_xasprintf("SRS: %s", err.msg);
	refuse_rcpt(m, p, r);
	return true;
}

/* msg_rcpt - decide one recipient with libroute's rule table. */
void
msg_rcpt(struct msg *m, const char *rcpt, struct msg_reply *r)
{
	struct route_error err = {0};
	struct msg_rcpt *p;

	set_continue(r);
	m->rcpts = route_xrealloc(m->rcpts, (m->nrcpts + 1) * sizeof(*p));
	p = &m->rcpts[m->nrcpts++];
	memset(p, 0, sizeof(*p));
	p->arg = route_xstrdup(rcpt);
	if (m->table == NULL) {
		tempfail(m, r, "Routing table not available", NULL, false);
		refuse_rcpt(m, p, r);
		return;
	}
	if (m->srs != NULL && srs_rcpt(m, p, r))
		return;
	if (route_table_lookup(m->table, rcpt, &p->d, &err) == -1) {
		if (err.code != ROUTE_EINVAL) {
			tempfail(m, r, "Recipient lookup failed", err.msg,
				 false);
			refuse_rcpt(m, p, r);
			return;
		}
		p->invalid = route_xstrdup(err.msg);
		/* Mail for domains we do not route passes untouched. */
		if (!route_table_path_routed(m->table, rcpt))
			return;
		/* RFC 5321 4.2.2: 553 for a syntactically bad mailbox. */
		r->status = MSG_REJECT;
		r->code = "553";
		r->xcode = "5.1.3";
		r->text = p->invalid;
		refuse_rcpt(m, p, r);
		return;
	}
	p->looked_up = true;
	rcpt_forms(m, p);
	if (route_decision_reply(&p->d, &r->code, &r->xcode, &r->text)) {
		r->status = MSG_REJECT;
		refuse_rcpt(m, p, r);
	}
}

/* msg_header - count a header line for the size and loop limits. */
void
msg_header(struct msg *m, const char *name, const char *value)
{
	/* "Name: value" CRLF as it is stored in the message. */
	m->size += strlen(name) + 2 + strlen(value) + 2;
	if (strcasecmp(name, "Received") == 0)
		m->nreceived++;
}

/* msg_eoh - end of headers: enforce the Received limit (loop guard). */
void
msg_eoh(struct msg *m, struct msg_reply *r)
{
	set_continue(r);
	m->size += 2; /* the empty line between header and body */
	if (m->cfg == NULL || m->nreceived <= m->cfg->max_received)
		return;
	snprintf(m->text, sizeof(m->text),
		 "Too many hops: %u Received headers, at most %u accepted",
		 m->nreceived, m->cfg->max_received);
	set_reply(m, r, MSG_REJECT, "554", "5.4.6", m->text, true);
}

/* msg_body - count body octets; refuse as soon as the limit is passed. */
void
msg_body(struct msg *m, size_t len, struct msg_reply *r)
{
	set_continue(r);
	m->size += len;
	if (m->cfg != NULL && m->size > m->cfg->max_message_size)
		too_big(m, r);
}

/* str_in - whether s is among list[0..n-1], exactly. */
static bool
str_in(const char *s, const char *const *list, size_t n)
{
	size_t i;

	for (i = 0; i < n; i++)
		if (strcmp(s, list[i]) == 0)
			return true;
	return false;
}

/* add_del - delete addr at end of message, once. */
static void
add_del(struct msg_edits *e, const char *addr)
{
	if (!str_in(addr, e->del, e->ndel))
		e->del[e->ndel++] = addr;
}

/* rcpt_domain - the domain of a recipient's normalised mailbox. */
static const char *
rcpt_domain(const struct msg_rcpt *p)
{
	const char *at = p->mailbox != NULL ? strrchr(p->mailbox, '@') : NULL;

	return at != NULL ? at + 1 : NULL;
}

/*
 * srs_sender - the envelope sender the message leaves with.  It is
 * rewritten only when a recipient is really forwarded off this host (a
 * destination outside the routed, SRS and local domains), in the SRS
 * domain of the first such recipient's routed domain; route_srs_sender
 * says whether this sender is rewritten at all.
 */
static void
srs_sender(struct msg *m, struct msg_edits *e, struct msg_reply *r)
{
	struct route_srs_aliases aliases;
	struct route_error err = {0};
	const char *rdomain = NULL, *why = NULL;
	const struct msg_rcpt *p;
	char *from = NULL;
	size_t i, j;

	for (i = 0; i < m->nrcpts && rdomain == NULL; i++) {
		p = &m->rcpts[i];
		if (p->code != NULL || p->d.verdict != ROUTE_FORWARD)
			continue;
		for (j = 0; j < p->d.ndests && rdomain == NULL; j++)
			if (route_srs_is_off_box(m->srs, m->table,
						 p->d.dests[j]))
				rdomain = rcpt_domain(p);
	}
	if (rdomain == NULL)
		return;
	srs_state_aliases(&aliases);
	switch (route_srs_sender(m->srs, m->table, m->from, rdomain,
				 (int64_t)time(NULL), &aliases, &from, &why,
				 &err)) {
	case 1:
		e->from = route_xasprintf("<%s>", from);
		e->from_args = m->from_args;
		m->srs_note = route_xstrdup(e->from);
		break;
	case 0:
		m->srs_note = route_xasprintf("not rewritten (%s)", why);
		break;
	default:
		tempfail(m, r, "Sender rewriting failed", err.msg, true);
	}
	free(from);
}

/*
 * msg_eom - compute the recipient edits that carry out the decisions.
 * Mailboxes are compared by route_addr_key, the way the rule table
 * compares them: with case-insensitive local parts a forward to
 * "Bob@example.org" next to a recipient "bob@example.org" reaches one
 * mailbox and is not added again; with routing.case_sensitive they are two.
 */
void
msg_eom(struct msg *m, struct msg_edits *e, struct msg_reply *r)
{
	char **kept = route_xcalloc(m->nrcpts + 1, sizeof(*kept));
	char **added = NULL; /* keys of e->add, for comparing */
	size_t nkept = 0, nstay = 0, naccepted = 0, i, j;
	struct msg_rcpt *p;
	char *key;

	memset(e, 0, sizeof(*e));
	set_continue(r);
	e->del = route_xcalloc(2 * m->nrcpts + 1, sizeof(*e->del));
	for (i = 0; i < m->nrcpts; i++) {
		p = &m->rcpts[i];
		if (p->code != NULL)
			continue; /* refused at RCPT: not in the envelope */
		naccepted++;
		if (p->d.verdict == ROUTE_FORWARD || p->d.verdict == ROUTE_DROP)
			continue;
		nstay++;
		if (p->key != NULL) /* NULL: malformed, not ours */
			kept[nkept++] = p->key;
	}
	for (i = 0; i < m->nrcpts; i++) {
		p = &m->rcpts[i];
		if (p->code != NULL || (p->d.verdict != ROUTE_FORWARD &&
					p->d.verdict != ROUTE_DROP))
			continue;
		add_del(e, p->arg);
		/*
		 * A recipient that stays never has this spelling: it would
		 * name the same mailbox and so have had the same decision.
		 */
		if (p->del_alt != NULL)
			add_del(e, p->del_alt);
	}
	for (i = 0; i < m->nrcpts; i++) {
		p = &m->rcpts[i];
		if (p->code != NULL || p->d.verdict != ROUTE_FORWARD)
			continue;
		for (j = 0; j < p->d.ndests; j++) {
			if (route_addr_key(p->d.dests[j],
					   m->cfg->table.case_sensitive, &key,
					   NULL) == -1)
				key = route_xstrdup(p->d.dests[j]);
			if (str_in(key, (const char *const *)kept, nkept) ||
			    str_in(key, (const char *const *)added, e->nadd)) {
				free(key);
				continue;
			}
			added = route_xrealloc(added,
					       (e->nadd + 1) * sizeof(*added));
			e->add = route_xrealloc(e->add, (e->nadd + 1) *
							    sizeof(*e->add));
			added[e->nadd] = key;
			e->add[e->nadd++] =
			    route_xasprintf("<%s>", p->d.dests[j]);
		}
	}
	e->discard = naccepted > 0 && nstay == 0 && e->nadd == 0;
	for (i = 0; i < e->nadd; i++)
		free(added[i]);
	free(added);
	free(kept);
	if (m->srs != NULL && !e->discard)
		srs_sender(m, e, r);
}

/* msg_late_refusal - the refusal kept from RCPT in a local submission. */
void
msg_late_refusal(struct msg *m, struct msg_reply *r)
{
	const struct msg_reply *late =
	    m->late_tempfail.code != NULL ? &m->late_tempfail : &m->late_reject;

	set_continue(r);
	if (late->code == NULL)
		return;
	set_reply(m, r, late->status, late->code, late->xcode, late->text,
		  true);
	log_msg(false, m->qid,
		"%s the whole message: a recipient was refused in a local "
		"submission, which Postfix cannot refuse one by one",
		late->status == MSG_TEMPFAIL ? "deferring" : "rejecting");
}

/* msg_edits_free - release an edit list. */
void
msg_edits_free(struct msg_edits *e)
{
	size_t i;

	for (i = 0; i < e->nadd; i++)
		free(e->add[i]);
	free(e->add);
	free(e->del);
	free(e->from);
	memset(e, 0, sizeof(*e));
}

/* msg_edit_failed - a recipient edit was refused: defer the message. */
void
msg_edit_failed(struct msg *m, const char *call, const char *addr,
		struct msg_reply *r)
{
	char detail[ROUTE_PATH_MAX + 64];

	snprintf(detail, sizeof(detail), "%s %s failed", call, addr);
	tempfail(m, r, "Recipient update failed", detail, true);
}

/* msg_set_result - how the message ended, for the summary line. */
void
msg_set_result(struct msg *m, const char *result, const struct msg_reply *r)
{
	free(m->result);
	if (r != NULL && r->code != NULL)
		m->result = route_xasprintf("%s %s %s", result, r->code,
					    r->xcode != NULL ? r->xcode : "");
	else
		m->result = route_xstrdup(result);
}

/* msg_free - release the message and its snapshot references. */
void
msg_free(struct msg **mp)
{
	struct msg *m = *mp;
	size_t i;

	if (m == NULL)
		return;
	for (i = 0; i < m->nrcpts; i++) {
		if (m->rcpts[i].looked_up)
			route_decision_clear(&m->rcpts[i].d);
		free(m->rcpts[i].arg);
		free(m->rcpts[i].mailbox);
		free(m->rcpts[i].key);
		free(m->rcpts[i].del_alt);
		free(m->rcpts[i].invalid);
		free(m->rcpts[i].reply_text);
	}
	free(m->rcpts);
	free(m->from);
	free(m->from_args);
	free(m->srs_note);
	route_srs_unref(&m->srs);
	free(m->client);
	free(m->qid);
	free(m->result);
	route_table_unref(&m->table);
	route_config_unref(&m->cfg);
	free(m);
	*mp = NULL;
}
