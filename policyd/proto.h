/*
 * proto.h - the Postfix policy delegation protocol (SMTPD_POLICY_README),
 * as a pure parser and formatter: bytes in, complete requests out as
 * attribute lists; an action in, the reply's bytes out.  No I/O, no
 * decisions, no logging, so the server loop and the tests share it.
 *
 * A request is "name=value" lines ended by LF and closed by an empty
 * line; the reply is "action=WHAT" LF LF.  A connection carries any
 * number of requests one after another.
 */
#ifndef POLICYD_PROTO_H
#define POLICYD_PROTO_H

#include <stdbool.h>
#include <stddef.h>

/*
 * The limits a request must keep.  Postfix 3.7 sends some 30 attributes
 * of which only a client certificate's subject and issuer may be long,
 * so these leave room while a connection never holds much memory.
 */
#define PROTO_LINE_MAX 4096	/* octets in one line, without its LF */
#define PROTO_ATTRS_MAX 128	/* attributes in one request */
#define PROTO_REQUEST_MAX 65536 /* octets in one request, LFs included */

struct proto_limits {
	size_t line_max;    /* octets in one line, without its LF */
	size_t attrs_max;   /* attributes in one request */
	size_t request_max; /* octets in one request */
};

/* proto_limits_init - fill l with PROTO_LINE_MAX and the others. */
void proto_limits_init(struct proto_limits *l);

struct proto_attr {
	const char *name;
	const char *value;
};

/* A complete request; the strings point into the parser. */
struct proto_request {
	const struct proto_attr *attrs;
	size_t nattrs;
};

struct proto_parser;

/* proto_parser_new - a parser for one connection; limits NULL: defaults. */
struct proto_parser *proto_parser_new(const struct proto_limits *limits);

/* proto_parser_free - free p and set *p to NULL; *p may be NULL. */
void proto_parser_free(struct proto_parser **p);

/*
 * proto_feed - hand the parser len more bytes of the stream.  They are
 * copied; nothing is parsed until proto_next.  Once the parser has failed
 * it ignores what it is fed.
 */
void proto_feed(struct proto_parser *p, const void *data, size_t len);

enum proto_status {
	PROTO_MORE = 0, /* no complete request yet: feed more */
	PROTO_REQUEST,	/* one complete request in *req_r */
	PROTO_ERROR,	/* malformed: close the connection */
};

/*
 * proto_next - the next complete request among the bytes fed.  Returns
 * PROTO_REQUEST with *req_r, valid until the next call of proto_next or
 * proto_feed; PROTO_MORE when the bytes fed end inside a request; or
 * PROTO_ERROR, with *why_r (may be NULL; a constant) saying what is
 * wrong: a line without '=', an empty name, a NUL byte, a line, a request
 * or a count of attributes over the limits.  A line ended by CR LF counts
 * as ended by LF.  An error is final: every later call returns it too,
 * since after a broken line nothing says where the next request starts.
 * A line over the limit is found as soon as it has passed the limit, not
 * only at its end, so a client cannot make the parser hold more.
 */
enum proto_status proto_next(struct proto_parser *p,
			     struct proto_request *req_r, const char **why_r);

/* proto_pending - whether part of a request has been fed and not parsed
 * into a complete one (a connection in the middle of a request). */
bool proto_pending(const struct proto_parser *p);

/*
 * proto_get - the value of the first attribute called name in req, or
 * NULL when it has none.
 */
const char *proto_get(const struct proto_request *req, const char *name);

/*
 * proto_format_reply - write the reply "action=ACTION" LF LF into buf of
 * size octets, with every control character of action but TAB (a reject
 * text may hold one) as a '?', so that it stays one line.  Returns the length
 * written (no NUL is counted; one is written when it fits), or the length it
 * would have needed when that is size or more, like snprintf.
 */
size_t proto_format_reply(const char *action, char *buf, size_t size);

#endif
