/*
 * fuzz_srs.c - libFuzzer target for route_srs_reverse and
 * route_srs_forward.  Each input is an address handed to two engines
 * (base64url with '=', base64 with '+' and 8-character hashes) with fixed
 * secrets, a fixed clock and an alias store in memory.  A reverse either
 * says "not SRS", refuses with a reason, or gives an address that parses;
 * a forward either refuses bad input or gives an address in the SRS
 * domain that fits a local part and reverses to the sender again.
 */
#include <strings.h>

#include <libroute/addr.h>
#include <libroute/srs.h>

#include "fuzz.h"

#define NOW ((int64_t)1700000000)
#define SRSD "srs.example.net"
#define SLOTS 4

/* The same secrets as tests/unit/test_srs.c, so its addresses reverse. */
static const char *const secrets[] = {"tops3cret", "fuzz-secret"};

/* The alias store: a few slots, emptied before each input. */
static struct {
	char *key[SLOTS], *sender[SLOTS];
	size_t n;
} store;

/* store_put - keep sender under key. */
static int
store_put(void *ctx, const char *key, const char *sender, int64_t expires,
	  struct route_error *err)
{
	size_t i;

	for (i = 0; i < store.n && strcmp(store.key[i], key) != 0; i++)
		;
	if (i == SLOTS)
		return route_error_set(err, ROUTE_ESYS, "store full");
	if (i == store.n) {
		store.key[i] = route_xstrdup(key);
		store.n++;
	} else
		free(store.sender[i]);
	store.sender[i] = route_xstrdup(sender);
	return 0;
}

/* store_get - the sender of key. */
static int
store_get(void *ctx, const char *key, int64_t now, char **sender_r,
	  struct route_error *err)
{
	size_t i;

	for (i = 0; i < store.n; i++)
		if (strcmp(store.key[i], key) == 0) {
			*sender_r = route_xstrdup(store.sender[i]);
			return 0;
		}
	return 1;
}

/* store_clear - forget every entry. */
static void
store_clear(void)
{
	size_t i;

	for (i = 0; i < store.n; i++) {
		free(store.key[i]);
		free(store.sender[i]);
	}
	store.n = 0;
}

static const struct route_srs_aliases aliases = {store_put, store_get, NULL};

/* engine - one of the two engines, made on first use. */
static const struct route_srs *
engine(int which)
{
	static struct route_srs *srs[2];
	struct route_srs_opts o;
	struct route_error err;

	if (srs[which] != NULL)
		return srs[which];
	route_srs_opts_init(&o);
	o.domain = (char *)SRSD;
	if (which == 1) {
		o.separator = '+';
		o.alphabet = ROUTE_SRS_BASE64;
		o.hash_length = 8;
		o.hash_minimum = 2;
	}
	FUZZ_CHECK(route_srs_new(&o, secrets, 2, &srs[which], &err) == 0,
		   "route_srs_new: %s", err.msg);
	return srs[which];
}

/* check_reverse - the outcome of reversing in. */
static void
check_reverse(const struct route_srs *srs, const char *in)
{
	struct route_error err;
	struct route_addr a;
	char *out;
	int rc;

	route_error_clear(&err);
	rc = route_srs_reverse(srs, in, NOW, &aliases, &out, &err);
	FUZZ_CHECK(rc >= -1 && rc <= 1, "input \"%s\": rc %d", in, rc);
	if (rc == -1)
		FUZZ_CHECK(err.code == ROUTE_EINVAL && err.msg[0] != '\0',
			   "input \"%s\": class %d", in, err.code);
	if (rc != 0) {
		FUZZ_CHECK(out == NULL, "input \"%s\"", in);
		return;
	}
	FUZZ_CHECK(route_addr_parse(out, &a, &err) == 0 && !a.null_path &&
		       a.domain != NULL,
		   "input \"%s\" reversed to \"%s\"", in, out);
	route_addr_free(&a);
	free(out);
}

/* same_mailbox - a and b name one mailbox; case counts only in the part
 * after an SRS tag, which forward keeps byte for byte. */
static int
same_mailbox(const char *a, const char *b, int tag_case)
{
	if (!tag_case)
		return strcmp(a, b) == 0;
	return strlen(a) == strlen(b) && strncasecmp(a, b, 4) == 0 &&
	       strcmp(a + 4, b + 4) == 0;
}

/* check_forward - the outcome of forwarding in, and the way back. */
static void
check_forward(const struct route_srs *srs, const char *in)
{
	struct route_error err;
	struct route_addr a, o;
	char *out, *back, *norm;
	int rc, srs0, srs1;

	route_error_clear(&err);
	if (route_srs_forward(srs, in, NULL, NOW, &aliases, &out, &err) == -1) {
		FUZZ_CHECK(err.code == ROUTE_EINVAL && err.msg[0] != '\0',
			   "input \"%s\": class %d: %s", in, err.code, err.msg);
		return;
	}
	FUZZ_CHECK(route_addr_parse(out, &o, &err) == 0 && o.domain != NULL &&
		       strcmp(o.domain, SRSD) == 0,
		   "input \"%s\" forwarded as \"%s\"", in, out);
	FUZZ_CHECK(route_addr_parse(in, &a, &err) == 0, "input \"%s\"", in);
	srs0 = strncasecmp(a.local, "SRS0", 4) == 0 &&
	       strchr("=+-", a.local[4]) != NULL;
	srs1 = strncasecmp(a.local, "SRS1", 4) == 0 &&
	       strchr("=+-", a.local[4]) != NULL;
	rc = route_srs_reverse(srs, out, NOW, &aliases, &back, &err);
	FUZZ_CHECK(rc == 0, "input \"%s\" forwarded as \"%s\": %s", in, out,
		   rc == -1 ? err.msg : "not SRS");
	norm = route_addr_format(&a);
	/* An SRS1 sender reverses to its first hop, not to itself. */
	if (!srs1 || strncmp(o.local, "SRS0", 4) == 0)
		FUZZ_CHECK(same_mailbox(back, norm, srs0 || srs1),
			   "input \"%s\" forwarded as \"%s\" reversed to "
			   "\"%s\"",
			   in, out, back);
	else {
		route_addr_free(&o);
		FUZZ_CHECK(route_addr_parse(back, &o, &err) == 0 &&
			       strncmp(o.local, "SRS0", 4) == 0,
			   "input \"%s\" forwarded as \"%s\" reversed to "
			   "\"%s\"",
			   in, out, back);
	}
	free(norm);
	free(back);
	route_addr_free(&a);
	route_addr_free(&o);
	free(out);
}

/* LLVMFuzzerTestOneInput - one address through both engines. */
int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	char *in = fuzz_cstring(data, size);
	int i;

	for (i = 0; i < 2; i++) {
		store_clear();
		check_reverse(engine(i), in);
		check_forward(engine(i), in);
	}
	store_clear();
	free(in);
	return 0;
}
