/*
 * msg_log.c - the one summary line route-milter logs for each message:
 * who sent it, how it ended, its size and time, the SRS sender, and what
 * became of each recipient.
 */
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include <libroute/alloc.h>

#include "log.h"
#include "msg_int.h"

/* msg_bracket_open - "<" unless the address already has its brackets. */
const char *
msg_bracket_open(const char *a)
{
	return a[0] == '<' ? "" : "<";
}

/* msg_bracket_close - ">" unless the address already has its brackets. */
const char *
msg_bracket_close(const char *a)
{
	return a[0] == '<' ? "" : ">";
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

/* add_rcpt - one recipient's part of the summary line. */
static void
add_rcpt(struct buf *b, const struct msg_rcpt *p)
{
	size_t j;

	buf_add(b, ", to=%s%s%s", msg_bracket_open(p->arg), p->arg,
		msg_bracket_close(p->arg));
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
	buf_add(b, " %s",
		p->srs_reversed ? "srs-reverse"
				: route_verdict_name(p->d.verdict));
	if (p->code != NULL)
		buf_add(b, " %s %s", p->code, p->xcode);
	else if (p->late_code != NULL)
		buf_add(b, " %s %s", p->late_code, p->late_xcode);
	for (j = 0; j < p->d.ndests; j++)
		buf_add(b, "%s<%s>", j == 0 ? " " : ",", p->d.dests[j]);
	if (p->d.rule_id != 0)
		buf_add(b, " (rule %lld %s)", (long long)p->d.rule_id,
			route_reason_name(p->d.reason));
	else if (p->d.verdict != ROUTE_NOT_ROUTED && !p->srs_reversed)
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
		m->client, msg_bracket_open(m->from), m->from,
		msg_bracket_close(m->from), (unsigned long long)m->size, ms,
		m->result != NULL ? m->result : "aborted");
	if (m->srs_note != NULL)
		buf_add(&b, ", srs=%s", m->srs_note);
	for (i = 0; i < m->nrcpts && i < SUMMARY_RCPTS_MAX; i++)
		add_rcpt(&b, &m->rcpts[i]);
	if (m->nrcpts > SUMMARY_RCPTS_MAX)
		buf_add(&b, ", ... and %zu more recipients",
			m->nrcpts - SUMMARY_RCPTS_MAX);
	log_msg(false, m->qid, "%s", b.s);
	free(b.s);
}
