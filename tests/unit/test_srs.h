/*
 * test_srs.h - what the two SRS test programs share: the pinned clock, the
 * secret and the addresses it gives (computed apart with Python's hmac and
 * checked against libsrs2's code), an alias store in memory that fails on
 * demand, and an engine made in one call.  Functions are static inline, as
 * in test.h, so that unused ones cost nothing.
 */
#ifndef TEST_SRS_H
#define TEST_SRS_H

#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <libroute/alloc.h>
#include <libroute/srs.h>

#include "test.h"

#define NOW ((int64_t)1700000000) /* day 19675: slot 219, stamp "G3" */
#define DAY ((int64_t)86400)
#define SECRET "tops3cret"
#define SRSD "srs.example.net"
#define URL ROUTE_SRS_BASE64URL
#define B64 ROUTE_SRS_BASE64

/* Signed with SECRET at NOW, as postsrsd writes them. */
#define USER_SRS0 "SRS0=lYnW=G3=orig.example=user"
#define USER_SRS1 "SRS1=KejL=hop.example==lYnW=G3=orig.example=user"
#define LONG_SENDER "a-rather-long-mailbox-name-for-srs-to-carry@orig.example"
#define LONG_KEY "9f67896c7f0fdfe3c58efadd108f6c7e"
#define LONG_SRS0 "SRS0=U3zn=G3=_=" LONG_KEY

/* A local part that makes an SRS0 local part of exactly 64 octets. */
#define L38 "abcdefghijabcdefghijabcdefghijklmnopqr"
#define L60 "123456789012345678901234567890123456789012345678901234567890"
#define DOMAIN_189 "a" L60 ".b" L60 ".c" L60 ".d12"

static const char *const one_secret[] = {SECRET};

/* An alias store in memory, able to fail on demand. */
struct mem_store {
	char *key[8], *sender[8];
	int64_t expires[8];
	size_t n;
	bool fail;
};

/* mem_put - keep sender under key, replacing an older entry. */
static inline int
mem_put(void *ctx, const char *key, const char *sender, int64_t expires,
	struct route_error *err)
{
	struct mem_store *m = ctx;
	size_t i;

	if (m->fail)
		return route_error_set(err, ROUTE_ESYS, "disk on fire");
	for (i = 0; i < m->n && strcmp(m->key[i], key) != 0; i++)
		;
	if (i == m->n) {
		if (m->n == 8)
			return route_error_set(err, ROUTE_ESYS, "store full");
		m->key[m->n++] = route_xstrdup(key);
	} else
		free(m->sender[i]);
	m->sender[i] = route_xstrdup(sender);
	m->expires[i] = expires;
	return 0;
}

/* mem_get - the unexpired sender of key. */
static inline int
mem_get(void *ctx, const char *key, int64_t now, char **sender_r,
	struct route_error *err)
{
	struct mem_store *m = ctx;
	size_t i;

	if (m->fail)
		return route_error_set(err, ROUTE_ESYS, "disk on fire");
	for (i = 0; i < m->n; i++)
		if (strcmp(m->key[i], key) == 0 && now < m->expires[i]) {
			*sender_r = route_xstrdup(m->sender[i]);
			return 0;
		}
	return 1;
}

/* mem_clear - forget everything. */
static inline void
mem_clear(struct mem_store *m)
{
	size_t i;

	for (i = 0; i < m->n; i++) {
		free(m->key[i]);
		free(m->sender[i]);
	}
	memset(m, 0, sizeof(*m));
}

/* engine - an engine for SRSD with the given settings; NULL if refused. */
static inline struct route_srs *
engine(char sep, enum route_srs_alphabet alpha, unsigned len,
       const char *const *secrets, size_t n)
{
	struct route_srs_opts o;
	struct route_srs *srs;
	struct route_error err;

	route_srs_opts_init(&o);
	o.domain = (char *)SRSD;
	o.separator = sep;
	o.alphabet = alpha;
	o.hash_length = len;
	if (o.hash_minimum > len)
		o.hash_minimum = len;
	if (route_srs_new(&o, secrets, n, &srs, &err) == -1) {
		printf("# route_srs_new: %s\n", err.msg);
		return NULL;
	}
	return srs;
}

struct reverse_test {
	const char *addr;
	int64_t days; /* after NOW */
	int rc;
	const char *want; /* the address, or a piece of the reason */
};

#endif
