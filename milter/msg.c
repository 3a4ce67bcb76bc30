/*
 * msg.c - the per-message logic of route-milter: recipient decisions from
 * libroute's one rule engine, the size and Received limits, the recipient
 * edits at end of message, and the summary log line.
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

struct msg_rcpt {
	char *arg;		  /* as given at RCPT, with or without <> */
	char *mailbox;		  /* normalised "local@domain", or NULL */
	char *key;		  /* route_addr_key of arg, or NULL */
	char *del_alt;		  /* "<mailbox>" when that differs from arg */
	struct route_decision d;  /* libroute's decision */
	bool looked_up;		  /* d is filled (needs clearing) */
	const char *code, *xcode; /* the refusal, or NULL when accepted */
	const char *text;
	const char *late_code, *late_xcode; /* refused at end of message */
	char *invalid; /* parse error text for a bad address */
};

struct msg {
	struct route_config *cfg;
	struct route_table *table;
	char *from;
	char *client;
	char *qid;
	struct msg_rcpt *rcpts;
	size_t nrcpts;
	uint64_t size; /* header and body octets seen so far */
	unsigned nreceived;
	struct timespec start;
	char *result; /* "accepted", "rejected 552 5.3.4", ...; NULL: aborted */
	char text[256];	    /* reply text of a message-level refusal */
	bool late_refusals; /* refuse recipients at end of message */
	struct msg_reply late_reject, late_tempfail; /* the first of each */
	char late_reject_text[ROUTE_PATH_MAX + 512];
};

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
	m->client = route_xstrdup(client);
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

	if (!m->late_refusals) {
		p->code = r->code;
		p->xcode = r->xcode;
		p->text = r->text;
		return;
	}
	late = r->status == MSG_TEMPFAIL ? &m->late_tempfail : &m->late_reject;
	if (late->code == NULL) {
		*late = *r;
		if (r->status == MSG_REJECT) {
			snprintf(m->late_reject_text,
				 sizeof(m->late_reject_text), "<%s>: %s",
				 p->mailbox != NULL ? p->mailbox : p->arg,
				 r->text != NULL ? r->text : "");
			late->text = m->late_reject_text;
		} else {
			late->text = "Recipient lookup failed, try again "
				     "later";
		}
	}
	p->late_code = r->code;
	p->late_xcode = r->xcode;
	set_continue(r);
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

/*
 * msg_eom - compute the recipient edits that carry out the decisions.
 * Mailboxes are compared by route_addr_key, the way the rule table
 * compares them: with case-insensitive local parts a forward to
 * "Bob@example.org" next to a recipient "bob@example.org" reaches one
 * mailbox and is not added again; with routing.case_sensitive they are two.
 */
void
msg_eom(struct msg *m, struct msg_edits *e)
{
	char **kept = route_xcalloc(m->nrcpts + 1, sizeof(*kept));
	char **added = NULL; /* keys of e->add, for comparing */
	size_t nkept = 0, nstay = 0, naccepted = 0, i, j;
	struct msg_rcpt *p;
	char *key;

	memset(e, 0, sizeof(*e));
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

/* struct buf - a growing string for the summary line. */
struct buf {
	char *s;
	size_t len, cap;
};

/* buf_add - append printf output to b. */
static void __attribute__((format(printf, 2, 3)))
buf_add(struct buf *b, const char *fmt, ...)
{
	va_list ap;
	int n;

	if (b->s == NULL) {
		b->cap = 256;
		b->s = route_xmalloc(b->cap);
	}
	for (;;) {
		va_start(ap, fmt);
		n = vsnprintf(b->s + b->len, b->cap - b->len, fmt, ap);
		va_end(ap);
		if (n >= 0 && (size_t)n < b->cap - b->len) {
			b->len += (size_t)n;
			return;
		}
		b->cap = b->cap * 2 + (n > 0 ? (size_t)n : 0) + 64;
		b->s = route_xrealloc(b->s, b->cap);
	}
}

/* bracket_open - "<" unless the address already has its brackets. */
static const char *
bracket_open(const char *a)
{
	return a[0] == '<' ? "" : "<";
}

/* bracket_close - ">" unless the address already has its brackets. */
static const char *
bracket_close(const char *a)
{
	return a[0] == '<' ? "" : ">";
}

/* add_rcpt - one recipient's part of the summary line. */
static void
add_rcpt(struct buf *b, const struct msg_rcpt *p)
{
	size_t j;

	buf_add(b, ", to=%s%s%s", bracket_open(p->arg), p->arg,
		bracket_close(p->arg));
	if (p->invalid != NULL && p->code == NULL && p->late_code == NULL) {
		buf_add(b, " not-routed (invalid, %s)", p->invalid);
		return;
	}
	if (p->invalid != NULL) {
		buf_add(b, " invalid %s %s (%s)",
			p->code != NULL ? p->code : p->late_code,
			p->code != NULL ? p->xcode : p->late_xcode, p->invalid);
		return;
	}
	if (!p->looked_up) {
		buf_add(b, " deferred %s %s",
			p->code != NULL ? p->code : p->late_code,
			p->code != NULL ? p->xcode : p->late_xcode);
		return;
	}
	buf_add(b, " %s", route_verdict_name(p->d.verdict));
	if (p->code != NULL)
		buf_add(b, " %s %s", p->code, p->xcode);
	else if (p->late_code != NULL)
		buf_add(b, " %s %s", p->late_code, p->late_xcode);
	for (j = 0; j < p->d.ndests; j++)
		buf_add(b, "%s<%s>", j == 0 ? " " : ",", p->d.dests[j]);
	if (p->d.rule_id != 0)
		buf_add(b, " (rule %lld %s)", (long long)p->d.rule_id,
			route_reason_name(p->d.reason));
	else if (p->d.verdict != ROUTE_NOT_ROUTED)
		buf_add(b, " (%s)", route_reason_name(p->d.reason));
}

/*
 * Recipients listed in the summary line; past this the line would pass
 * what syslog daemons take in one message (8 KiB in rsyslog's default).
 */
#define SUMMARY_RCPTS_MAX 20

/* msg_log_summary - log the one line that tells what became of it. */
void
msg_log_summary(const struct msg *m)
{
	struct buf b = {0};
	struct timespec now;
	long long ms;
	size_t i;

	clock_gettime(CLOCK_MONOTONIC, &now);
	ms = (long long)(now.tv_sec - m->start.tv_sec) * 1000 +
	     (now.tv_nsec - m->start.tv_nsec) / 1000000;
	/* The fixed fields first: a long recipient list cannot hide them. */
	buf_add(&b, "client=%s, from=%s%s%s, size=%llu, ms=%lld, result=%s",
		m->client, bracket_open(m->from), m->from,
		bracket_close(m->from), (unsigned long long)m->size, ms,
		m->result != NULL ? m->result : "aborted");
	for (i = 0; i < m->nrcpts && i < SUMMARY_RCPTS_MAX; i++)
		add_rcpt(&b, &m->rcpts[i]);
	if (m->nrcpts > SUMMARY_RCPTS_MAX)
		buf_add(&b, ", ... and %zu more recipients",
			m->nrcpts - SUMMARY_RCPTS_MAX);
	log_msg(false, m->qid, "%s", b.s);
	free(b.s);
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
	}
	free(m->rcpts);
	free(m->from);
	free(m->client);
	free(m->qid);
	free(m->result);
	route_table_unref(&m->table);
	route_config_unref(&m->cfg);
	free(m);
	*mp = NULL;
}
