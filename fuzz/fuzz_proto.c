/*
 * fuzz_proto.c - libFuzzer target for route-policyd's protocol parser
 * (policyd/proto.c).  The first two octets choose how the rest is cut
 * into reads; the stream is parsed once fed whole and once fed in those
 * pieces, and both must give the same requests, in order, and end the
 * same way (the same error, or the same unfinished request), since TCP
 * may cut a request anywhere.  Every request handed out must keep the
 * limits and the shape proto.h documents.  Small limits make the limit
 * paths easy to reach.
 */
#include "../policyd/proto.h"
#include "fuzz.h"

#define LINE_MAX_FUZZ 48
#define ATTRS_MAX_FUZZ 6
#define REQUEST_MAX_FUZZ 256

/* A growing transcript of what a parse gave. */
struct log {
	char *s;
	size_t len, cap;
};

/* log_add - append len octets of s. */
static void
log_add(struct log *l, const char *s, size_t len)
{
	if (l->len + len + 1 > l->cap) {
		l->cap = (l->len + len + 1) * 2;
		l->s = route_xrealloc(l->s, l->cap);
	}
	memcpy(l->s + l->len, s, len);
	l->len += len;
	l->s[l->len] = '\0';
}

/* check_request - the documented shape of a request, then logged. */
static void
check_request(const struct proto_request *req, struct log *l)
{
	size_t i, total = 0;

	FUZZ_CHECK(req->nattrs <= ATTRS_MAX_FUZZ, "%zu attributes",
		   req->nattrs);
	log_add(l, "request\n", 8);
	for (i = 0; i < req->nattrs; i++) {
		const char *n = req->attrs[i].name, *v = req->attrs[i].value;
		size_t nl = strlen(n), vl = strlen(v);

		FUZZ_CHECK(nl > 0, "empty name at %zu", i);
		FUZZ_CHECK(strchr(n, '=') == NULL && strchr(n, '\n') == NULL,
			   "name \"%s\"", n);
		FUZZ_CHECK(strchr(v, '\n') == NULL, "value \"%s\"", v);
		FUZZ_CHECK(nl + 1 + vl <= LINE_MAX_FUZZ, "line %zu long",
			   nl + 1 + vl);
		total += nl + 1 + vl + 1;
		log_add(l, n, nl);
		log_add(l, "=", 1);
		log_add(l, v, vl);
		log_add(l, "\n", 1);
	}
	FUZZ_CHECK(total < REQUEST_MAX_FUZZ, "request %zu long", total);
}

/* drain - take every complete request; false once the parser failed. */
static int
drain(struct proto_parser *p, struct log *l)
{
	struct proto_request req;
	const char *why = NULL;

	for (;;) {
		switch (proto_next(p, &req, &why)) {
		case PROTO_MORE:
			return 1;
		case PROTO_REQUEST:
			check_request(&req, l);
			break;
		case PROTO_ERROR:
			FUZZ_CHECK(why != NULL && *why != '\0', "no reason");
			log_add(l, "error ", 6);
			log_add(l, why, strlen(why));
			log_add(l, "\n", 1);
			/* Final: asking again says the same. */
			FUZZ_CHECK(proto_next(p, &req, NULL) == PROTO_ERROR,
				   "error not final");
			return 0;
		}
	}
}

/* parse - the transcript of data fed in pieces of at most step octets
 * (0: whole), varied by seed. */
static char *
parse(const uint8_t *data, size_t size, size_t step, unsigned seed)
{
	struct proto_limits lim = {LINE_MAX_FUZZ, ATTRS_MAX_FUZZ,
				   REQUEST_MAX_FUZZ};
	struct proto_parser *p = proto_parser_new(&lim);
	struct log l = {NULL, 0, 0};
	size_t off = 0, n;
	int alive = 1;

	log_add(&l, "", 0);
	while (alive && off < size) {
		n = size - off;
		if (step > 0) {
			seed = seed * 1103515245u + 12345u;
			if (n > 1 + (seed >> 16) % step)
				n = 1 + (seed >> 16) % step;
		}
		proto_feed(p, data + off, n);
		off += n;
		alive = drain(p, &l);
	}
	if (alive && proto_pending(p))
		log_add(&l, "unfinished\n", 11);
	proto_parser_free(&p);
	FUZZ_CHECK(p == NULL, "parser not cleared");
	return l.s;
}

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	char *whole, *cut;
	unsigned seed;

	if (size < 2)
		return 0;
	seed = data[0];
	whole = parse(data + 2, size - 2, 0, 0);
	cut = parse(data + 2, size - 2, 1 + data[1] % 64, seed);
	FUZZ_CHECK(strcmp(whole, cut) == 0,
		   "fed whole:\n%s\nfed in pieces (step %d, seed %u):\n%s",
		   whole, 1 + data[1] % 64, seed, cut);
	free(whole);
	free(cut);
	return 0;
}
