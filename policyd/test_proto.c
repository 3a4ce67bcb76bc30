/*
 * test_proto.c - the policy protocol parser and formatter against golden
 * transcripts: the bytes a client sends in, the bytes that go back out.
 * Each request is answered with an action that spells out the attributes
 * the parser saw, so a transcript shows exactly what was parsed.  Every
 * transcript is fed whole and also cut at every possible point and one
 * octet at a time, as reads may deliver it.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <libroute/alloc.h>

#include "proto.h"
#include "test.h"

/* echo - the action naming req's attributes: "n=2 a=1;b=2". */
static void
echo(const struct proto_request *req, char *buf, size_t size)
{
	size_t i, len;

	len = (size_t)snprintf(buf, size, "n=%zu ", req->nattrs);
	for (i = 0; i < req->nattrs && len < size; i++)
		len += (size_t)snprintf(buf + len, size - len, "%s%s=%s",
					i > 0 ? ";" : "", req->attrs[i].name,
					req->attrs[i].value);
}

/*
 * run - feed in (len octets) in pieces of at most step octets (the
 * first piece cut at first, 0 for none) and collect the replies, as the
 * server would send them: an error is answered "action=DUNNO" and ends
 * the transcript with "#WHY" (not sent; for the test to see).
 */
static char *
run(const char *in, size_t len, size_t first, size_t step,
    const struct proto_limits *lim)
{
	struct proto_parser *p = proto_parser_new(lim);
	struct proto_request req;
	const char *why;
	char action[8192], reply[8300];
	size_t out_len = 0, off = 0, n;
	char *out = route_xcalloc(1, 1);
	enum proto_status st;

	while (off < len) {
		n = off == 0 && first > 0 ? first : step;
		if (n > len - off)
			n = len - off;
		proto_feed(p, in + off, n);
		off += n;
		while ((st = proto_next(p, &req, &why)) != PROTO_MORE) {
			if (st == PROTO_REQUEST) {
				echo(&req, action, sizeof(action));
				n = proto_format_reply(action, reply,
						       sizeof(reply));
			} else {
				n = (size_t)snprintf(reply, sizeof(reply),
						     "action=DUNNO\n\n#%s",
						     why);
			}
			out = route_xrealloc(out, out_len + n + 1);
			memcpy(out + out_len, reply, n + 1);
			out_len += n;
			if (st == PROTO_ERROR)
				goto done;
		}
	}
done:
	proto_parser_free(&p);
	return out;
}

struct transcript {
	const char *what;
	const char *in;
	size_t len; /* octets of in; 0: strlen */
	const char *out;
};

#define PF_REQ                                                                 \
	"request=smtpd_access_policy\nprotocol_state=RCPT\n"                   \
	"protocol_name=ESMTP\nclient_address=192.0.2.1\n"                      \
	"client_name=mx.example.org\nhelo_name=mx.example.org\n"               \
	"queue_id=\nsender=a@example.org\nrecipient=info@example.com\n"        \
	"recipient_count=0\nsize=12345\n\n"
#define PF_ECHO                                                                \
	"action=n=11 request=smtpd_access_policy;protocol_state=RCPT;"         \
	"protocol_name=ESMTP;client_address=192.0.2.1;"                        \
	"client_name=mx.example.org;helo_name=mx.example.org;queue_id=;"       \
	"sender=a@example.org;recipient=info@example.com;recipient_count=0;"   \
	"size=12345\n\n"

static const struct transcript valid_transcripts[] = {
    {"a request as Postfix sends it", PF_REQ, 0, PF_ECHO},
    {"two requests on one connection", PF_REQ PF_REQ, 0, PF_ECHO PF_ECHO},
    {"an empty value, '=' in a value", "a=\nb=x=y\n\n", 0,
     "action=n=2 a=;b=x=y\n\n"},
    {"CR LF line ends", "a=1\r\nb=2\r\n\r\n", 0, "action=n=2 a=1;b=2\n\n"},
    {"an empty request", "\n", 0, "action=n=0 \n\n"},
    {"an unfinished request gets no reply", "a=1\nb=2\n", 0, ""},
    {"an unfinished line gets no reply", "a=1\nb=", 0, ""},
    {"a value with a blank and a TAB kept", "a= x\ty \n\n", 0,
     "action=n=1 a= x\ty \n\n"},
    {"UTF-8 in a value", "recipient=j\xc3\xb6rg@example.com\n\n", 0,
     "action=n=1 recipient=j\xc3\xb6rg@example.com\n\n"},
    {"a request after an answered one, then a partial one",
     "a=1\n\nb=2\n\nc=", 0, "action=n=1 a=1\n\naction=n=1 b=2\n\n"},
};

static const struct transcript invalid_transcripts[] = {
    {"a line without '='", "a=1\nbogus\n\n", 0,
     "action=DUNNO\n\n#line without '='"},
    {"a line without a name", "=x\n\n", 0,
     "action=DUNNO\n\n#attribute without a name"},
    {"a NUL in a value", "a=x\0y\n\n", 8,
     "action=DUNNO\n\n#NUL byte in a line"},
    {"a NUL in a name", "\0=y\n\n", 5, "action=DUNNO\n\n#NUL byte in a line"},
    {"the request before a broken one is answered", "a=1\n\nno equals\nb=2\n\n",
     0, "action=n=1 a=1\n\naction=DUNNO\n\n#line without '='"},
    {"nothing after a broken line is parsed", "x\n\na=1\n\n", 0,
     "action=DUNNO\n\n#line without '='"},
};

/* check_transcript - t fed whole, cut once everywhere, octet by octet. */
static void
check_transcript(const struct transcript *t, const struct proto_limits *lim)
{
	size_t len = t->len ? t->len : strlen(t->in), cut, bad = 0;
	char *out;

	out = run(t->in, len, 0, len ? len : 1, lim);
	CHECK_STR(out, t->out);
	free(out);
	out = run(t->in, len, 0, 1, lim);
	CHECK_STR(out, t->out);
	free(out);
	for (cut = 1; cut < len; cut++) {
		out = run(t->in, len, cut, len, lim);
		if (strcmp(out, t->out) != 0 && bad++ == 0)
			printf("# %s: cut at %zu gives \"%s\"\n", t->what, cut,
			       out);
		free(out);
	}
	test_point(bad == 0, __FILE__, __LINE__, t->what);
}

/* test_limits - line, attribute and request limits, and what they cost. */
static void
test_limits(void)
{
	struct proto_limits lim = {8, 4, 24};
	static const struct transcript ok[] = {
	    {"a line of exactly line_max octets", "a=123456\n\n", 0,
	     "action=n=1 a=123456\n\n"},
	    {"line_max octets and CR LF", "a=123456\r\n\n", 0,
	     "action=n=1 a=123456\n\n"},
	    {"exactly attrs_max attributes", "a=1\nb=2\nc=3\nd=4\n\n", 0,
	     "action=n=4 a=1;b=2;c=3;d=4\n\n"},
	    {"two requests together over request_max, each under it",
	     "a=1234\nb=1234\nc=1234\n\na=1234\nb=1234\nc=1234\n\n", 0,
	     "action=n=3 a=1234;b=1234;c=1234\n\n"
	     "action=n=3 a=1234;b=1234;c=1234\n\n"},
	};
	static const struct transcript bad[] = {
	    {"a line over line_max", "a=1234567\n\n", 0,
	     "action=DUNNO\n\n#line too long"},
	    {"a line over line_max without its end", "a=1234567890", 0,
	     "action=DUNNO\n\n#line too long"},
	    {"too many attributes", "a=1\nb=2\nc=3\nd=4\ne=5\n\n", 0,
	     "action=DUNNO\n\n#too many attributes"},
	    {"a request over request_max",
	     "a=1\n\na=12345\nb=12345\nc=12345\n\n", 0,
	     "action=n=1 a=1\n\naction=DUNNO\n\n#request too long"},
	    /* Both limits broken: the one the earlier octet breaks is named,
	     * however the stream is cut. */
	    {"the request over its limit before a long line is",
	     "a=12345\nb=12345\nc=12345\nd=1234567890\n\n", 0,
	     "action=DUNNO\n\n#request too long"},
	    {"a long line over its limit before the request is",
	     "a=1\nb=12345678901234567890\n\n", 0,
	     "action=DUNNO\n\n#line too long"},
	};
	struct proto_parser *p;
	struct proto_request req;
	char big[5000];
	const char *why = NULL;
	size_t i;

	for (i = 0; i < sizeof(ok) / sizeof(ok[0]); i++)
		check_transcript(&ok[i], &lim);
	for (i = 0; i < sizeof(bad) / sizeof(bad[0]); i++)
		check_transcript(&bad[i], &lim);

	/* The default line limit, found before the line ends. */
	p = proto_parser_new(NULL);
	memset(big, 'x', sizeof(big));
	big[0] = 'a';
	big[1] = '=';
	proto_feed(p, big, PROTO_LINE_MAX + 1);
	CHECK_INT(proto_next(p, &req, &why), PROTO_MORE);
	CHECK(proto_pending(p));
	proto_feed(p, big, 1);
	CHECK_INT(proto_next(p, &req, &why), PROTO_ERROR);
	CHECK_STR(why, "line too long");
	/* An error is final, and what comes after it is ignored. */
	proto_feed(p, "a=1\n\n", 5);
	CHECK_INT(proto_next(p, &req, &why), PROTO_ERROR);
	proto_parser_free(&p);
	CHECK(p == NULL);
}

/* test_reuse - requests one after another; pending and proto_get. */
static void
test_reuse(void)
{
	struct proto_parser *p = proto_parser_new(NULL);
	struct proto_request req;
	char line[64];
	int i, good = 0;

	CHECK(!proto_pending(p));
	for (i = 0; i < 1000; i++) {
		snprintf(line, sizeof(line), "n=%d\nrecipient=r%d@x\nn=dup\n\n",
			 i, i);
		proto_feed(p, line, strlen(line) - 1);
		if (proto_next(p, &req, NULL) != PROTO_MORE ||
		    !proto_pending(p))
			break;
		proto_feed(p, "\n", 1);
		if (proto_next(p, &req, NULL) != PROTO_REQUEST)
			break;
		snprintf(line, sizeof(line), "r%d@x", i);
		/* The first of two attributes of one name counts. */
		if (strcmp(proto_get(&req, "recipient"), line) == 0 &&
		    atoi(proto_get(&req, "n")) == i &&
		    proto_get(&req, "sender") == NULL && !proto_pending(p))
			good++;
	}
	CHECK_INT(good, 1000);
	proto_parser_free(&p);
}

/* test_format - replies, control characters and the size contract. */
static void
test_format(void)
{
	char buf[64];

	CHECK_INT(proto_format_reply("DUNNO", buf, sizeof(buf)), 14);
	CHECK_STR(buf, "action=DUNNO\n\n");
	proto_format_reply("550 5.7.1 a\r\nb\tc\x7f", buf, sizeof(buf));
	CHECK_STR(buf, "action=550 5.7.1 a??b\tc?\n\n");
	CHECK_INT(proto_format_reply("DUNNO", buf, 14), 14);
	CHECK_STR(buf, "");
	CHECK_INT(proto_format_reply("DUNNO", NULL, 0), 14);
}

int
main(void)
{
	size_t i;

	for (i = 0;
	     i < sizeof(valid_transcripts) / sizeof(valid_transcripts[0]); i++)
		check_transcript(&valid_transcripts[i], NULL);
	for (i = 0;
	     i < sizeof(invalid_transcripts) / sizeof(invalid_transcripts[0]);
	     i++)
		check_transcript(&invalid_transcripts[i], NULL);
	test_limits();
	test_reuse();
	test_format();
	return test_done();
}
