/*
 * fuzz_addr.c - libFuzzer target for route_addr_parse.  Any byte string
 * must be either refused with ROUTE_EINVAL and a reason, or parsed into an
 * address that route_addr_format writes back in a form that parses to the
 * same local part and domain: the milter hands formatted addresses to the
 * MTA, so a round trip that changes them would deliver to someone else.
 */
#include <ctype.h>

#include <libroute/addr.h>

#include "fuzz.h"

/* check_domain - the documented shape of a parsed domain. */
static void
check_domain(const char *in, const char *domain)
{
	struct route_error err;
	char *again;
	size_t i, len = strlen(domain);

	FUZZ_CHECK(len > 0 && len <= ROUTE_DOMAIN_MAX, "input \"%s\"", in);
	FUZZ_CHECK(domain[len - 1] != '.', "input \"%s\" domain \"%s\"", in,
		   domain);
	if (domain[0] == '[')
		return; /* a literal is kept verbatim */
	for (i = 0; i < len; i++)
		FUZZ_CHECK(!isupper((unsigned char)domain[i]) &&
			       (unsigned char)domain[i] < 0x80,
			   "input \"%s\" domain \"%s\"", in, domain);
	/* Rules are stored under route_domain_normalise's spelling and looked
	 * up under the parser's: the two must agree or a rule never matches. */
	FUZZ_CHECK(route_domain_normalise(domain, &again, &err) == 0,
		   "input \"%s\" domain \"%s\": %s", in, domain, err.msg);
	FUZZ_CHECK(strcmp(again, domain) == 0,
		   "input \"%s\" domain \"%s\" normalised \"%s\"", in, domain,
		   again);
	free(again);
}

/* check_round_trip - format a and parse the result again. */
static void
check_round_trip(const char *in, const struct route_addr *a)
{
	struct route_addr b;
	struct route_error err;
	char *out = route_addr_format(a);

	if (a->null_path) {
		FUZZ_CHECK(*out == '\0', "input \"%s\" formatted \"%s\"", in,
			   out);
		free(out);
		return;
	}
	FUZZ_CHECK(route_addr_parse(out, &b, &err) == 0,
		   "input \"%s\" formatted \"%s\" refused: %s", in, out,
		   err.msg);
	FUZZ_CHECK(!b.null_path && fuzz_streq(a->local, b.local) &&
		       fuzz_streq(a->domain, b.domain),
		   "input \"%s\" formatted \"%s\" parsed again as \"%s\" @ "
		   "\"%s\"",
		   in, out, b.local ? b.local : "(none)",
		   b.domain ? b.domain : "(none)");
	route_addr_free(&b);
	free(out);
}

/* LLVMFuzzerTestOneInput - one path through parse, checks, format. */
int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct route_addr a;
	struct route_error err;
	char *in = fuzz_cstring(data, size);

	route_error_clear(&err);
	if (route_addr_parse(in, &a, &err) == -1) {
		FUZZ_CHECK(err.code == ROUTE_EINVAL && err.msg[0] != '\0',
			   "input \"%s\": class %d", in, err.code);
		free(in);
		return 0;
	}
	if (a.null_path)
		FUZZ_CHECK(a.local == NULL && a.domain == NULL, "input \"%s\"",
			   in);
	else {
		FUZZ_CHECK(a.local != NULL && a.local[0] != '\0' &&
			       strlen(a.local) <= ROUTE_LOCAL_MAX,
			   "input \"%s\"", in);
		FUZZ_CHECK(route_local_split(a.local, "+-") < strlen(a.local),
			   "input \"%s\"", in);
		if (a.domain != NULL)
			check_domain(in, a.domain);
	}
	check_round_trip(in, &a);
	route_addr_free(&a);
	free(in);
	return 0;
}
