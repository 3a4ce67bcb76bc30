/*
 * test_srs.c - unit tests for the SRS engine (srs.c): the exact addresses
 * postsrsd writes for the same secret and day, what reverses and what is
 * refused and why (forged, altered, expired, short hashes, malformed and
 * random input), the day stamp's wrap, secret rotation, and long senders
 * through an alias store.  The clock is pinned (test_srs.h).
 */
#include <stdbool.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include <libroute/addr.h>
#include <libroute/alloc.h>
#include <libroute/srs.h>

#include "test_srs.h"

struct forward_test {
	const char *sender;
	char sep;
	enum route_srs_alphabet alpha;
	unsigned hash_length;
	const char *srs_domain;
	const char *want;
	const char *back; /* what want reverses to */
	bool alias;	  /* kept in the alias store */
};

static const struct forward_test valid_forward_tests[] = {
    {"user@orig.example", '=', URL, 4, NULL, USER_SRS0 "@" SRSD,
     "user@orig.example", false},
    /* The domain as parsed, the local part as given; the hash is over
     * lower case, so it is the hash of user@orig.example. */
    {"User@Orig.EXAMPLE", '=', URL, 4, NULL,
     "SRS0=lYnW=G3=Orig.EXAMPLE=User@" SRSD, "User@orig.example", false},
    {"<User.Name+tag@Orig.EXAMPLE.>", '=', URL, 4, NULL,
     "SRS0=4RkP=G3=orig.example=User.Name+tag@" SRSD,
     "User.Name+tag@orig.example", false},
    {"user@orig.example", '+', URL, 4, NULL,
     "SRS0+lYnW=G3=orig.example=user@" SRSD, "user@orig.example", false},
    {"user@orig.example", '-', B64, 4, NULL,
     "SRS0-lYnW=G3=orig.example=user@" SRSD, "user@orig.example", false},
    /* The one place the alphabets differ. */
    {"user16@orig.example", '=', URL, 4, NULL,
     "SRS0=_r-i=G3=orig.example=user16@" SRSD, "user16@orig.example", false},
    {"user16@orig.example", '=', B64, 4, NULL,
     "SRS0=/r+i=G3=orig.example=user16@" SRSD, "user16@orig.example", false},
    {"user@orig.example", '=', URL, 1, NULL,
     "SRS0=l=G3=orig.example=user@" SRSD, "user@orig.example", false},
    {"user@orig.example", '=', URL, 8, NULL,
     "SRS0=lYnWHIq8=G3=orig.example=user@" SRSD, "user@orig.example", false},
    {"user@orig.example", '=', URL, 20, NULL,
     "SRS0=lYnWHIq8yP4vaEgyluOW=G3=orig.example=user@" SRSD,
     "user@orig.example", false},
    {"user@orig.example", '=', URL, 4, "Other.Example.",
     USER_SRS0 "@other.example", "user@orig.example", false},
    {"user@orig.example", '=', URL, 4, "BÜCHER.example",
     USER_SRS0 "@xn--bcher-kva.example", "user@orig.example", false},
    {"user@bücher.example", '=', URL, 4, NULL,
     "SRS0=bli9=G3=xn--bcher-kva.example=user@" SRSD,
     "user@xn--bcher-kva.example", false},
    {"a=b@orig.example", '=', URL, 4, NULL,
     "SRS0=ndHs=G3=orig.example=a=b@" SRSD, "a=b@orig.example", false},
    /* Only ASCII is folded for the hash: Ö stays Ö. */
    {"jörg@orig.example", '=', URL, 4, NULL,
     "SRS0=sE-n=G3=orig.example=jörg@" SRSD, "jörg@orig.example", false},
    {"JÖRG@orig.example", '=', URL, 4, NULL,
     "SRS0=2Exn=G3=orig.example=JÖRG@" SRSD, "JÖRG@orig.example", false},
    {"\"john doe\"@orig.example", '=', URL, 4, NULL,
     "\"SRS0=MOVt=G3=orig.example=john doe\"@" SRSD,
     "\"john doe\"@orig.example", false},
    {"user@[192.0.2.1]", '=', URL, 4, NULL,
     "\"SRS0=LMSd=G3=[192.0.2.1]=user\"@" SRSD, "user@[192.0.2.1]", false},
    /* Re-forwarding keeps the first hop: SRS1, with libsrs2's "==". */
    {USER_SRS0 "@hop.example", '=', URL, 4, NULL, USER_SRS1 "@" SRSD,
     USER_SRS0 "@hop.example", false},
    {"srs0=lYnW=G3=orig.example=user@HOP.example", '=', URL, 4, NULL,
     "SRS1=KejL=HOP.example==lYnW=G3=orig.example=user@" SRSD,
     USER_SRS0 "@hop.example", false},
    {"SRS0+lYnW=G3=orig.example=user@hop.example", '-', URL, 4, NULL,
     "SRS1-3ruy=hop.example=+lYnW=G3=orig.example=user@" SRSD,
     "SRS0+lYnW=G3=orig.example=user@hop.example", false},
    /* SRS1 from another host (its own secret): only the hash changes. */
    {"SRS1=tvWg=hop.example==lYnW=G3=orig.example=user@hop2.example", '=', URL,
     4, NULL, USER_SRS1 "@" SRSD, USER_SRS0 "@hop.example", false},
    /* 64 octets exactly is still an SRS0; one more needs the store. */
    {L38 "@orig.example", '=', URL, 4, NULL,
     "SRS0=JZqR=G3=orig.example=" L38 "@" SRSD, L38 "@orig.example", false},
    {L38 "s@orig.example", '=', URL, 4, NULL,
     "SRS0=vRfU=G3=_=cc1ef2ebd9acc2499260978a543803c8@" SRSD,
     L38 "s@orig.example", true},
    /* Too long for 64 octets: a short address naming the stored sender. */
    {LONG_SENDER, '=', URL, 4, NULL, LONG_SRS0 "@" SRSD, LONG_SENDER, true},
    {LONG_SENDER, '-', URL, 4, NULL, "SRS0-U3zn=G3=_=" LONG_KEY "@" SRSD,
     LONG_SENDER, true},
    {LONG_SENDER, '=', URL, 20, NULL,
     "SRS0=U3znuxmGBcikW7wv6y9k=G3=_=" LONG_KEY "@" SRSD, LONG_SENDER, true},
    {"\"a quoted mailbox name, long enough for an alias\"@orig.example", '=',
     URL, 4, NULL, "SRS0=in6l=G3=_=2e57c0b17ea5d32253b8c00154468dd5@" SRSD,
     "\"a quoted mailbox name, long enough for an alias\"@orig.example", true},
    /* An SRS1 that would pass 64 octets keeps the whole SRS0 sender. */
    {"SRS0=lYnW=G3=orig.example=a-mailbox-name-of-35-characters-x@hop."
     "example",
     '=', URL, 4, NULL, "SRS0=8-Te=G3=_=80e6999c6e18b0aa53e3b2a9d950e873@" SRSD,
     "SRS0=lYnW=G3=orig.example=a-mailbox-name-of-35-characters-x@hop."
     "example",
     true},
    /* Malformed SRS0 senders are carried whole into SRS1, as libsrs2
     * does; the reverse gives them back exactly. */
    {"SRS0=lYnW=G3=orig.example@hop.example", '=', URL, 4, NULL,
     "SRS1=G6tU=hop.example==lYnW=G3=orig.example@" SRSD,
     "SRS0=lYnW=G3=orig.example@hop.example", false},
    {"SRS0==G3=orig.example=user@hop.example", '=', URL, 4, NULL,
     "SRS1=uKLv=hop.example===G3=orig.example=user@" SRSD,
     "SRS0==G3=orig.example=user@hop.example", false},
    /* An SRS1 sender whose first hop cannot be read back (no fields, a
     * rest without its separator, a hop that is no domain) is an
     * ordinary address: SRS0, where libsrs2 would not rewrite it. */
    {"SRS1=KejL=hop.example@hop2.example", '=', URL, 4, NULL,
     "SRS0=MMFE=G3=hop2.example=SRS1=KejL=hop.example@" SRSD,
     "SRS1=KejL=hop.example@hop2.example", false},
    {"SRS1=KejL==x@hop2.example", '=', URL, 4, NULL,
     "SRS0=vvsk=G3=hop2.example=SRS1=KejL==x@" SRSD,
     "SRS1=KejL==x@hop2.example", false},
    {"SRS1=KejL=hop.example=lYnW=G3=h=u@hop2.example", '=', URL, 4, NULL,
     "SRS0=4hqE=G3=hop2.example=SRS1=KejL=hop.example=lYnW=G3=h=u@" SRSD,
     "SRS1=KejL=hop.example=lYnW=G3=h=u@hop2.example", false},
    {"SRS1=KejL=bad!host==lYnW=G3=h=u@hop2.example", '=', URL, 4, NULL,
     "SRS0=uYUj=G3=hop2.example=SRS1=KejL=bad!host==lYnW=G3=h=u@" SRSD,
     "SRS1=KejL=bad!host==lYnW=G3=h=u@hop2.example", false},
};

/* test_forward - exact addresses, and each reverses to the sender. */
static void
test_forward(void)
{
	const struct forward_test *t;
	struct route_srs_aliases aliases = {mem_put, mem_get, NULL};
	struct mem_store store = {0};
	struct route_error err;
	struct route_srs *srs;
	char *out, *back;
	size_t i;

	aliases.ctx = &store;
	for (i = 0; i < sizeof(valid_forward_tests) / sizeof(*t); i++) {
		t = &valid_forward_tests[i];
		srs = engine(t->sep, t->alpha, t->hash_length, one_secret, 1);
		CHECK(srs != NULL);
		if (srs == NULL)
			continue;
		CHECK_INT(route_srs_forward(srs, t->sender, t->srs_domain, NOW,
					    &aliases, &out, &err),
			  0);
		CHECK_STR(out, t->want);
		CHECK_INT(store.n, t->alias ? 1 : 0);
		if (t->alias && store.n == 1)
			CHECK_INT(store.expires[0], NOW + 22 * DAY);
		CHECK_INT(route_srs_reverse(srs, t->want, NOW + DAY, &aliases,
					    &back, &err),
			  0);
		CHECK_STR(back, t->back);
		free(out);
		free(back);
		mem_clear(&store);
		route_srs_unref(&srs);
	}
}

/* The refusals of route_srs_forward: the sender cannot be rewritten. */
static const struct {
	const char *sender;
	const char *msg;
} invalid_forward_tests[] = {
    {"<>", "null sender"},
    {"postmaster", "has no domain"},
    {"a b@orig.example", "space outside quotes"},
    {"user@_", "reserved"},
};

/* test_forward_refused - refusals, and the alias store's failures. */
static void
test_forward_refused(void)
{
	struct route_srs_aliases aliases = {mem_put, mem_get, NULL};
	struct route_srs *srs = engine('=', URL, 4, one_secret, 1);
	struct mem_store store = {0};
	struct route_error err;
	char *out = (char *)"untouched", *norm;
	size_t i;

	aliases.ctx = &store;
	for (i = 0; i < sizeof(invalid_forward_tests) /
			    sizeof(invalid_forward_tests[0]);
	     i++) {
		route_error_clear(&err);
		CHECK_INT(route_srs_forward(srs,
					    invalid_forward_tests[i].sender,
					    NULL, NOW, &aliases, &out, &err),
			  -1);
		CHECK(out == NULL);
		CHECK_INT(err.code, ROUTE_EINVAL);
		CHECK(strstr(err.msg, invalid_forward_tests[i].msg) != NULL);
	}
	CHECK_INT(route_srs_forward(srs, "user@orig.example", "bad domain!",
				    NOW, NULL, &out, &err),
		  -1);
	CHECK_INT(err.code, ROUTE_EINVAL);
	/* The longest address in the longest SRS domain is a valid path. */
	CHECK_INT(route_srs_forward(srs, L38 "@orig.example", DOMAIN_189, NOW,
				    NULL, &out, &err),
		  0);
	CHECK_INT(strlen(out), 256 - 2);
	CHECK_INT(route_addr_normalise(out, &norm, &err), 0);
	free(norm);
	free(out);
	CHECK_INT(
	    route_srs_forward(srs, LONG_SENDER, NULL, NOW, NULL, &out, &err),
	    -1);
	CHECK_INT(err.code, ROUTE_ESYS);
	CHECK_STR(err.msg, "sender too long for SRS and no alias store");
	store.fail = true;
	CHECK_INT(route_srs_forward(srs, LONG_SENDER, NULL, NOW, &aliases, &out,
				    &err),
		  -1);
	CHECK_INT(err.code, ROUTE_ESYS);
	CHECK_STR(err.msg, "disk on fire");
	/* A short sender never touches the store, failing or not. */
	CHECK_INT(route_srs_forward(srs, "user@orig.example", NULL, NOW,
				    &aliases, &out, &err),
		  0);
	free(out);
	route_srs_unref(&srs);
}

static const struct reverse_test valid_reverse_tests[] = {
    {USER_SRS0 "@" SRSD, 0, 0, "user@orig.example"},
    {"<" USER_SRS0 "@" SRSD ">", 0, 0, "user@orig.example"},
    /* The domain is route_srs_rcpt's business, not this function's. */
    {USER_SRS0 "@other.example", 0, 0, "user@orig.example"},
    /* MTAs change case: tag, hash, stamp and fields are read in any. */
    {"SRS0=LYNW=G3=ORIG.EXAMPLE=USER@SRS.EXAMPLE.NET", 0, 0,
     "USER@orig.example"},
    {"srs0=lynw=g3=orig.example=user@" SRSD, 0, 0, "user@orig.example"},
    {"SRS0+lYnW=G3=orig.example=user@" SRSD, 0, 0, "user@orig.example"},
    {"SRS0-lYnW=G3=orig.example=user@" SRSD, 0, 0, "user@orig.example"},
    /* postsrsd 1.x alphabet while we write base64url. */
    {"SRS0=/r+i=G3=orig.example=user16@" SRSD, 0, 0, "user16@orig.example"},
    {"SRS0=_r-i=G3=orig.example=user16@" SRSD, 0, 0, "user16@orig.example"},
    /* Longer than hash_length: only the first 4 characters count. */
    {"SRS0=lYnWHIq8=G3=orig.example=user@" SRSD, 0, 0, "user@orig.example"},
    {"SRS0=lYnWzzzz=G3=orig.example=user@" SRSD, 0, 0, "user@orig.example"},
    {USER_SRS0 "@" SRSD, 21, 0, "user@orig.example"},
    {"SRS0=ndHs=G3=orig.example=a=b@" SRSD, 0, 0, "a=b@orig.example"},
    {USER_SRS1 "@" SRSD, 0, 0, USER_SRS0 "@hop.example"},
    {"srs1=kejl=HOP.EXAMPLE==LYNW=G3=ORIG.EXAMPLE=USER@" SRSD, 0, 0,
     "SRS0=LYNW=G3=ORIG.EXAMPLE=USER@hop.example"},
    {"SRS1-3ruy=hop.example=+lYnW=G3=orig.example=user@" SRSD, 0, 0,
     "SRS0+lYnW=G3=orig.example=user@hop.example"},
    /* SRS1 carries no stamp: its first hop's SRS0 does. */
    {USER_SRS1 "@" SRSD, 500, 0, USER_SRS0 "@hop.example"},
    {"\"SRS0=MOVt=G3=orig.example=john doe\"@" SRSD, 0, 0,
     "\"john doe\"@orig.example"},
    {"\"SRS0=LMSd=G3=[192.0.2.1]=user\"@" SRSD, 0, 0, "user@[192.0.2.1]"},
    /* Not SRS at all. */
    {"user@" SRSD, 0, 1, NULL},
    {"<>", 0, 1, NULL},
    {"postmaster", 0, 1, NULL},
    {"SRS2=lYnW=G3=orig.example=user@" SRSD, 0, 1, NULL},
    {"SRS0x=lYnW=G3=orig.example=user@" SRSD, 0, 1, NULL},
    {"SRS0@" SRSD, 0, 1, NULL},
    {"xSRS0=lYnW=G3=orig.example=user@" SRSD, 0, 1, NULL},
    {"a b@" SRSD, 0, 1, NULL},
};

static const struct reverse_test invalid_reverse_tests[] = {
    {"SRS0=lYnX=G3=orig.example=user@" SRSD, 0, -1, "does not match"},
    {"SRS0=lYnW=G3=orig.example=usr@" SRSD, 0, -1, "does not match"},
    {"SRS0=lYnW=G3=orig2.example=user@" SRSD, 0, -1, "does not match"},
    {"SRS0=lYnW=G4=orig.example=user@" SRSD, 0, -1, "does not match"},
    {"SRS0=lY.W=G3=orig.example=user@" SRSD, 0, -1, "does not match"},
    {"SRS0=_r.i=G3=orig.example=user16@" SRSD, 0, -1, "does not match"},
    {"SRS0=lYn=G3=orig.example=user@" SRSD, 0, -1, "hash too short"},
    {USER_SRS0 "@" SRSD, 22, -1, "22 days old"},
    {"SRS0=lYnW=G1=orig.example=user@" SRSD, 0, -1, "not base32"},
    {"SRS0=lYnW=G8=orig.example=user@" SRSD, 0, -1, "not base32"},
    {"SRS0=lYnW=G==orig.example=user@" SRSD, 0, -1, "malformed SRS0"},
    {"SRS0=lYnW=G3A=orig.example=user@" SRSD, 0, -1, "not 2 characters"},
    /* A day ahead is 1023 days old: the stamp only counts forwards. */
    {"SRS0=5b_x=G4=orig.example=user@" SRSD, 0, -1, "1023 days old"},
    {"SRS0=@" SRSD, 0, -1, "malformed SRS0"},
    {"SRS0==G3=orig.example=user@" SRSD, 0, -1, "malformed SRS0"},
    {"SRS0=lYnW==orig.example=user@" SRSD, 0, -1, "malformed SRS0"},
    {"SRS0=lYnW=G3==user@" SRSD, 0, -1, "malformed SRS0"},
    {"SRS0=lYnW=G3=orig.example=@" SRSD, 0, -1, "malformed SRS0"},
    {"SRS0=lYnW=G3=orig.example@" SRSD, 0, -1, "malformed SRS0"},
    {"SRS0=================================@" SRSD, 0, -1, "malformed SRS0"},
    {"SRS1=KejL=hop.example@" SRSD, 0, -1, "malformed SRS1"},
    {"SRS1==hop.example==lYnW=G3=orig.example=user@" SRSD, 0, -1,
     "malformed SRS1"},
    {"SRS1=KejL==x@" SRSD, 0, -1, "malformed SRS1"},
    {"SRS1=KejM=hop.example==lYnW=G3=orig.example=user@" SRSD, 0, -1,
     "does not match"},
    {"SRS0=a b@" SRSD, 0, -1, "malformed SRS address"},
    {"<SRS0=lYnW=G3=orig.example=user@" SRSD, 0, -1, "malformed SRS address"},
    /* Signed, but not a key we could have issued. */
    {"SRS0=B7so=G3=_=zz@" SRSD, 0, -1, "unknown alias key"},
    {"SRS0=Cua8=G3=_=0123456789abcdef0123456789abcdef@" SRSD, 0, -1,
     "unknown alias key 0123456789abcdef0123456789abcdef"},
};

/* run_reverse - one table of reverse tests with the default engine. */
static void
run_reverse(const struct reverse_test *tests, size_t n)
{
	struct route_srs_aliases aliases = {mem_put, mem_get, NULL};
	struct route_srs *srs = engine('=', URL, 4, one_secret, 1);
	struct mem_store store = {0};
	struct route_error err;
	char *out;
	size_t i;

	aliases.ctx = &store;
	for (i = 0; i < n; i++) {
		route_error_clear(&err);
		CHECK_INT(route_srs_reverse(srs, tests[i].addr,
					    NOW + tests[i].days * DAY, &aliases,
					    &out, &err),
			  tests[i].rc);
		if (tests[i].rc == 0)
			CHECK_STR(out, tests[i].want);
		else
			CHECK(out == NULL);
		if (tests[i].rc == -1) {
			CHECK_INT(err.code, ROUTE_EINVAL);
			CHECK(strstr(err.msg, tests[i].want) != NULL);
			if (strstr(err.msg, tests[i].want) == NULL)
				printf("# %s: \"%s\"\n", tests[i].addr,
				       err.msg);
		}
		free(out);
	}
	route_srs_unref(&srs);
}

/* test_stamps - max_age_days, and the wrap of the stamp at 1024 days. */
static void
test_stamps(void)
{
	/* Slot 1020 of a cycle, stamp "74". */
	const int64_t wrap = (1024 * 20 + 1020) * DAY;
	const char *addr = "SRS0=FCsj=74=orig.example=user@" SRSD;
	struct route_srs *srs = engine('=', URL, 4, one_secret, 1);
	struct route_error err;
	char *out;

	CHECK_INT(route_srs_forward(srs, "user@orig.example", NULL, wrap, NULL,
				    &out, &err),
		  0);
	CHECK_STR(out, addr);
	free(out);
	/* Slot 5 of the next cycle: 9 days old, not 1015 in the future. */
	CHECK_INT(
	    route_srs_reverse(srs, addr, wrap + 9 * DAY, NULL, &out, &err), 0);
	CHECK_STR(out, "user@orig.example");
	free(out);
	CHECK_INT(
	    route_srs_reverse(srs, addr, wrap + 21 * DAY, NULL, &out, &err), 0);
	free(out);
	CHECK_INT(
	    route_srs_reverse(srs, addr, wrap + 22 * DAY, NULL, &out, &err),
	    -1);
	CHECK(strstr(err.msg, "expired") != NULL);
	/* A clock before 1970 still gives a stamp: the last slot. */
	CHECK_INT(route_srs_forward(srs, "user@orig.example", NULL, -1, NULL,
				    &out, &err),
		  0);
	CHECK_STR(out, "SRS0=4_Fw=77=orig.example=user@" SRSD);
	free(out);
	/* A whole cycle later the stamp is young again, as in libsrs2. */
	CHECK_INT(
	    route_srs_reverse(srs, addr, wrap + 1024 * DAY, NULL, &out, &err),
	    0);
	free(out);
	route_srs_unref(&srs);
}

/* test_rotation - the first secret signs, every secret verifies. */
static void
test_rotation(void)
{
	const char *const rotated[] = {"new-secret", SECRET};
	const char *const fresh[] = {"new-secret"};
	struct route_srs *srs = engine('=', URL, 4, rotated, 2);
	struct route_srs *only_new = engine('=', URL, 4, fresh, 1);
	struct route_error err;
	char *out;

	CHECK_INT(route_srs_forward(srs, "user@orig.example", NULL, NOW, NULL,
				    &out, &err),
		  0);
	CHECK_STR(out, "SRS0=v0La=G3=orig.example=user@" SRSD);
	free(out);
	CHECK_INT(route_srs_reverse(srs, "SRS0=v0La=G3=orig.example=user@x",
				    NOW, NULL, &out, &err),
		  0);
	CHECK_STR(out, "user@orig.example");
	free(out);
	CHECK_INT(route_srs_reverse(srs, USER_SRS0 "@x", NOW, NULL, &out, &err),
		  0);
	CHECK_STR(out, "user@orig.example");
	free(out);
	CHECK_INT(route_srs_reverse(srs, USER_SRS1 "@x", NOW, NULL, &out, &err),
		  0);
	free(out);
	CHECK_INT(
	    route_srs_reverse(only_new, USER_SRS0 "@x", NOW, NULL, &out, &err),
	    -1);
	CHECK(strstr(err.msg, "does not match") != NULL);
	route_srs_unref(&srs);
	route_srs_unref(&only_new);
}

/* test_aliases - reversing through the store, and its failures. */
static void
test_aliases(void)
{
	struct route_srs_aliases aliases = {mem_put, mem_get, NULL};
	struct route_srs *srs = engine('=', URL, 4, one_secret, 1);
	struct mem_store store = {0};
	struct route_error err;
	char *out;

	aliases.ctx = &store;
	CHECK_INT(route_srs_forward(srs, "<" LONG_SENDER ">", NULL, NOW,
				    &aliases, &out, &err),
		  0);
	CHECK_STR(out, LONG_SRS0 "@" SRSD);
	free(out);
	CHECK_STR(store.key[0], LONG_KEY);
	CHECK_STR(store.sender[0], LONG_SENDER);
	/* Upper-cased on the way back, key included. */
	CHECK_INT(
	    route_srs_reverse(srs,
			      "SRS0=U3ZN=G3=_=9F67896C7F0FDFE3C58EFADD108F"
			      "6C7E@SRS.EXAMPLE.NET",
			      NOW, &aliases, &out, &err),
	    0);
	CHECK_STR(out, LONG_SENDER);
	free(out);
	/* A forged key is refused by its hash before the store is asked. */
	CHECK_INT(
	    route_srs_reverse(srs,
			      "SRS0=U3zn=G3=_=9f67896c7f0fdfe3c58efadd108f"
			      "6c7f@" SRSD,
			      NOW, &aliases, &out, &err),
	    -1);
	CHECK(strstr(err.msg, "does not match") != NULL);
	CHECK_INT(
	    route_srs_reverse(srs, LONG_SRS0 "@" SRSD, NOW, NULL, &out, &err),
	    -1);
	CHECK_INT(err.code, ROUTE_ESYS);
	store.fail = true;
	CHECK_INT(route_srs_reverse(srs, LONG_SRS0 "@" SRSD, NOW, &aliases,
				    &out, &err),
		  -1);
	CHECK_INT(err.code, ROUTE_ESYS);
	CHECK_STR(err.msg, "disk on fire");
	store.fail = false;
	/* The entry outlives max_age_days by one day, the address does not. */
	CHECK_INT(route_srs_reverse(srs, LONG_SRS0 "@" SRSD, NOW + 22 * DAY,
				    &aliases, &out, &err),
		  -1);
	CHECK(strstr(err.msg, "expired") != NULL);
	mem_clear(&store);
	CHECK_INT(route_srs_reverse(srs, LONG_SRS0 "@" SRSD, NOW, &aliases,
				    &out, &err),
		  -1);
	CHECK_INT(err.code, ROUTE_EINVAL);
	CHECK(strstr(err.msg, "unknown alias key " LONG_KEY) != NULL);
	route_srs_unref(&srs);
}

/* junk - a deterministic string of len bytes, without NUL, skewed towards
 * the characters SRS parsing looks at. */
static void
junk(char *buf, size_t len, uint32_t *seed)
{
	static const char skew[] = "=@<>\"\\ .+-_SRS01srs";
	size_t i;

	for (i = 0; i < len; i++) {
		*seed = *seed * 1103515245u + 12345u;
		if ((*seed >> 16) % 3 == 0)
			buf[i] = skew[(*seed >> 8) % (sizeof(skew) - 1)];
		else
			buf[i] = (char)(1 + (*seed >> 8) % 255);
	}
	buf[len] = '\0';
}

/* hostile_one - addr is never reversed, and a refusal says why. */
static bool
hostile_one(const struct route_srs *srs, const struct route_srs_aliases *a,
	    const char *addr)
{
	struct route_error err;
	char *out;
	int rc, frc;

	route_error_clear(&err);
	rc = route_srs_reverse(srs, addr, NOW, a, &out, &err);
	if (rc == 0)
		free(out);
	if (rc == 0 ||
	    (rc == -1 && (err.code != ROUTE_EINVAL || err.msg[0] == '\0'))) {
		printf("# reverse of \"%.60s\": %d %s\n", addr, rc, err.msg);
		return false;
	}
	/* Forwarding junk either works or is refused as bad input. */
	route_error_clear(&err);
	frc = route_srs_forward(srs, addr, NULL, NOW, a, &out, &err);
	if (frc == 0)
		free(out);
	else if (err.code != ROUTE_EINVAL) {
		printf("# forward of \"%.60s\": %s\n", addr, err.msg);
		return false;
	}
	return true;
}

/* test_hostile - malformed and random input: refused or "not SRS". */
static void
test_hostile(void)
{
	static const char *const fixed[] = {
	    "SRS0=@x",
	    "SRS0==TT=h=u@x",
	    "SRS0=",
	    "SRS1=",
	    "SRS0=@",
	    "@",
	    "SRS0====@x",
	    "SRS1===@x",
	    "SRS0=a=b=c=@x",
	    "SRS0=a=b==d@x",
	    "SRS1=a==@x",
	    "\"SRS0=\"@x",
	    "<SRS1=>",
	    "SRS0=xxxx=G3=_=@x",
	    "SRS0=xxxx=\xff\xfe=h=u@x",
	    "SRS0=xxxx=G3=h=u@@x",
	    "SRS0-",
	    "srs1+",
	};
	struct route_srs_aliases aliases = {mem_put, mem_get, NULL};
	struct route_srs *srs = engine('=', URL, 4, one_secret, 1);
	struct mem_store store = {0};
	char buf[1100];
	uint32_t seed = 20240229;
	size_t i, bad = 0, len;

	aliases.ctx = &store;
	for (i = 0; i < sizeof(fixed) / sizeof(fixed[0]); i++)
		CHECK(hostile_one(srs, &aliases, fixed[i]));
	memcpy(buf, "SRS0", 4);
	memset(buf + 4, '=', 1020);
	buf[1024] = '\0';
	CHECK(hostile_one(srs, &aliases, buf));
	memset(buf, '=', 1024);
	CHECK(hostile_one(srs, &aliases, buf));
	memcpy(buf, "SRS1", 4);
	memset(buf + 4, '=', 50);
	strcpy(buf + 54, "@" SRSD);
	CHECK(hostile_one(srs, &aliases, buf));
	for (i = 0; i < 3000; i++) {
		len = 5 + i % 300;
		junk(buf, len, &seed);
		if (i % 3 != 2)
			memcpy(buf, i % 3 ? "SRS1=" : "SRS0=", 5);
		bad += !hostile_one(srs, &aliases, buf);
	}
	CHECK_INT(bad, 0);
	mem_clear(&store);
	route_srs_unref(&srs);
}

int
main(void)
{
	test_forward();
	test_forward_refused();
	run_reverse(valid_reverse_tests, sizeof(valid_reverse_tests) /
					     sizeof(valid_reverse_tests[0]));
	run_reverse(invalid_reverse_tests,
		    sizeof(invalid_reverse_tests) /
			sizeof(invalid_reverse_tests[0]));
	test_stamps();
	test_rotation();
	test_aliases();
	test_hostile();
	return test_done();
}
