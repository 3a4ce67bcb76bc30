/*
 * srs_int.h - what srs.c, srs_secrets.c and srs_use.c share and nobody
 * else sees: the engine's layout and the domain comparison.  The engine is
 * immutable once route_srs_new returns, so any number of threads use one
 * without locks; only the reference count changes.
 */
#ifndef LIBROUTE_SRS_INT_H
#define LIBROUTE_SRS_INT_H

#include <stdatomic.h>
#include <stdbool.h>
#include <stddef.h>

#include <openssl/evp.h>

#include <libroute/srs.h>

struct route_srs {
	atomic_uint refs;
	/* A copy of the caller's settings with every domain name in it
	 * (domain, overrides, local_domains) normalised, so lookups compare
	 * bytes. */
	struct route_srs_opts opts;
	/*
	 * One HMAC-SHA1 context per secret, keyed once and never updated:
	 * each hash works on a duplicate.  The secrets themselves are not
	 * kept, so the key material lives only inside OpenSSL, which
	 * cleanses it when the contexts are freed.
	 */
	EVP_MAC_CTX **macs;
	size_t nmacs;
};

/*
 * srs_domain_is - whether given (any case, U- or A-labels, a trailing dot
 * allowed) names the normalised domain norm.  norm may be NULL (false).
 */
bool srs_domain_is(const char *norm, const char *given);

#endif
