/*
 * proto.c - the policy delegation protocol parser and reply formatter (see
 * proto.h).  Bytes are kept in one buffer per connection; a complete line
 * is cut in place into its name and value, so a request costs no further
 * allocation.  Attribute positions are kept as offsets from the start of
 * the request, because the buffer moves when it grows or is compacted.
 */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include <libroute/alloc.h>

#include "proto.h"

#define NO_EQ SIZE_MAX

struct attr_off {
	size_t name, value; /* offsets from the start of the request */
};

struct proto_parser {
	struct proto_limits lim;
	char *buf;
	size_t len, cap;
	size_t start; /* first octet of the current request */
	size_t scan;  /* first octet of the next line to read */
	size_t pos;   /* how far that line has been looked at */
	size_t eq;    /* its first '=', or NO_EQ */
	size_t nul;   /* the first NUL fed, or NO_EQ; never before scan,
			 since the line holding it ends the parse */
	struct attr_off *offs;
	struct proto_attr *attrs; /* the request handed out */
	size_t nattrs;
	bool handed_out;    /* the request before scan was returned */
	const char *failed; /* why, once malformed */
};

/* proto_limits_init - the default limits. */
void
proto_limits_init(struct proto_limits *l)
{
	l->line_max = PROTO_LINE_MAX;
	l->attrs_max = PROTO_ATTRS_MAX;
	l->request_max = PROTO_REQUEST_MAX;
}

/* proto_parser_new - an empty parser. */
struct proto_parser *
proto_parser_new(const struct proto_limits *limits)
{
	struct proto_parser *p = route_xcalloc(1, sizeof(*p));

	if (limits != NULL)
		p->lim = *limits;
	else
		proto_limits_init(&p->lim);
	p->eq = NO_EQ;
	p->nul = NO_EQ;
	p->offs = route_xcalloc(p->lim.attrs_max + 1, sizeof(*p->offs));
	p->attrs = route_xcalloc(p->lim.attrs_max + 1, sizeof(*p->attrs));
	return p;
}

/* proto_parser_free - release everything. */
void
proto_parser_free(struct proto_parser **p)
{
	if (*p == NULL)
		return;
	free((*p)->buf);
	free((*p)->offs);
	free((*p)->attrs);
	free(*p);
	*p = NULL;
}

/* drop_handed_out - forget the request returned last; it ends at scan. */
static void
drop_handed_out(struct proto_parser *p)
{
	if (!p->handed_out)
		return;
	p->handed_out = false;
	p->start = p->scan;
	p->nattrs = 0;
}

/* proto_feed - append bytes, moving the current request to the front. */
void
proto_feed(struct proto_parser *p, const void *data, size_t len)
{
	const char *nul;
	size_t need;

	if (p->failed != NULL || len == 0)
		return;
	drop_handed_out(p);
	if (p->start > 0) {
		memmove(p->buf, p->buf + p->start, p->len - p->start);
		p->len -= p->start;
		p->scan -= p->start;
		p->pos -= p->start;
		if (p->eq != NO_EQ)
			p->eq -= p->start;
		if (p->nul != NO_EQ)
			p->nul -= p->start;
		p->start = 0;
	}
	need = p->len + len;
	if (need > p->cap) {
		p->cap = p->cap == 0 ? 1024 : p->cap;
		while (p->cap < need)
			p->cap *= 2;
		p->buf = route_xrealloc(p->buf, p->cap);
	}
	memcpy(p->buf + p->len, data, len);
	/* One look for a NUL per read, not one per line. */
	if (p->nul == NO_EQ && (nul = memchr(data, '\0', len)) != NULL)
		p->nul = p->len + (size_t)(nul - (const char *)data);
	p->len += len;
}

/* fail - make the parser's error final. */
static enum proto_status
fail(struct proto_parser *p, const char *why, const char **why_r)
{
	p->failed = why;
	if (why_r != NULL)
		*why_r = why;
	return PROTO_ERROR;
}

/* hand_out - the complete request that ends before scan. */
static enum proto_status
hand_out(struct proto_parser *p, struct proto_request *req_r)
{
	char *base = p->buf + p->start;
	size_t i;

	for (i = 0; i < p->nattrs; i++) {
		p->attrs[i].name = base + p->offs[i].name;
		p->attrs[i].value = base + p->offs[i].value;
	}
	req_r->attrs = p->attrs;
	req_r->nattrs = p->nattrs;
	p->handed_out = true;
	return PROTO_REQUEST;
}

/*
 * scan_line - look for the end of the line at scan, going on from where
 * the last look stopped, and note the line's first '='.  memchr finds the
 * LF (many octets per step); the '=' is looked for once the line is
 * whole, so each octet is read a few times at most, however the line was
 * cut into reads.  Returns the offset of its LF, or NO_EQ (no offset)
 * when it has none yet.
 */
static size_t
scan_line(struct proto_parser *p)
{
	const char *b = p->buf, *lf, *eq;
	size_t n;

	lf = memchr(b + p->pos, '\n', p->len - p->pos);
	if (lf == NULL) {
		p->pos = p->len;
		return NO_EQ;
	}
	n = (size_t)(lf - (b + p->scan));
	eq = memchr(b + p->scan, '=', n);
	p->eq = eq != NULL ? (size_t)(eq - b) : NO_EQ;
	p->pos = (size_t)(lf - b) + 1;
	return (size_t)(lf - b);
}

/*
 * over_limit - the limit the line at scan breaks, or NULL.  end is its
 * LF when it is complete (n: its length without LF and CR), else the end
 * of what was fed.  When it breaks both, the one broken by the earlier
 * octet is named, so the reason is the same however TCP cut the stream.
 * A line is over once its octet line_max + 2 is there (one more than the
 * limit may be the CR before the LF), or at its LF; a request once its
 * octet request_max + 1 is, its LF counted.
 */
static const char *
over_limit(const struct proto_parser *p, size_t end, size_t n)
{
	bool complete = end < p->len && p->buf[end] == '\n';
	size_t line_at = p->scan + p->lim.line_max + 1;
	size_t req_at = p->start + p->lim.request_max;

	if (line_at >= end)
		line_at = complete && n > p->lim.line_max ? end : NO_EQ;
	if (req_at >= end + complete)
		req_at = NO_EQ;
	if (line_at == NO_EQ && req_at == NO_EQ)
		return NULL;
	return line_at <= req_at ? "line too long" : "request too long";
}

/* proto_next - parse lines until a request is complete. */
enum proto_status
proto_next(struct proto_parser *p, struct proto_request *req_r,
	   const char **why_r)
{
	size_t ls, lf, n, eq;
	const char *why;
	bool nul;
	char *line;

	if (p->failed != NULL)
		return fail(p, p->failed, why_r);
	drop_handed_out(p);
	for (;;) {
		lf = scan_line(p);
		if (lf == NO_EQ) {
			if ((why = over_limit(p, p->len, 0)) != NULL)
				return fail(p, why, why_r);
			return PROTO_MORE;
		}
		ls = p->scan;
		line = p->buf + ls;
		n = lf - ls;
		if (n > 0 && line[n - 1] == '\r')
			n--;
		if ((why = over_limit(p, lf, n)) != NULL)
			return fail(p, why, why_r);
		eq = p->eq;
		nul = p->nul < lf;
		p->scan = p->pos;
		p->eq = NO_EQ;
		if (n == 0)
			return hand_out(p, req_r);
		if (nul)
			return fail(p, "NUL byte in a line", why_r);
		if (eq == NO_EQ)
			return fail(p, "line without '='", why_r);
		if (eq == ls)
			return fail(p, "attribute without a name", why_r);
		if (p->nattrs == p->lim.attrs_max)
			return fail(p, "too many attributes", why_r);
		p->buf[eq] = '\0';
		line[n] = '\0';
		p->offs[p->nattrs].name = ls - p->start;
		p->offs[p->nattrs].value = eq + 1 - p->start;
		p->nattrs++;
	}
}

/* proto_pending - whether a request has begun and not ended. */
bool
proto_pending(const struct proto_parser *p)
{
	return p->len > (p->handed_out ? p->scan : p->start);
}

/* proto_get - the first value of name. */
const char *
proto_get(const struct proto_request *req, const char *name)
{
	size_t i;

	/* The first octet settles most of the 30-odd names Postfix sends
	 * without a call. */
	for (i = 0; i < req->nattrs; i++)
		if (req->attrs[i].name[0] == name[0] &&
		    strcmp(req->attrs[i].name, name) == 0)
			return req->attrs[i].value;
	return NULL;
}

/* proto_format_reply - "action=ACTION\n\n", control characters as '?'. */
size_t
proto_format_reply(const char *action, char *buf, size_t size)
{
	static const char head[] = "action=";
	size_t alen = strlen(action), need = sizeof(head) - 1 + alen + 2, i;
	unsigned char c;

	if (need >= size) {
		if (size > 0)
			buf[0] = '\0';
		return need;
	}
	memcpy(buf, head, sizeof(head) - 1);
	for (i = 0; i < alen; i++) {
		c = (unsigned char)action[i];
		buf[sizeof(head) - 1 + i] =
		    (c < 0x20 && c != '\t') || c == 0x7f ? '?' : (char)c;
	}
	memcpy(buf + need - 2, "\n\n", 3);
	return need;
}
