/*
 * srs_int.h - what srs.c, srs_alias.c, srs_secrets.c and srs_use.c share and
 * nobody else sees: the engine's layout and the domain comparison.  The engine
 * is immutable once route_srs_new returns, so any number of threads use one
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

/* Alias keys: hex of the first ALIAS_KEY_BYTES of SHA-256. */
#define ALIAS_KEY_BYTES 16
#define ALIAS_KEY_LEN (2 * ALIAS_KEY_BYTES)

/*
 * srs_alias_key - the alias key of mailbox (the sender as
 * route_addr_format writes it): ALIAS_KEY_LEN lower-case hex digits and
 * a NUL in key.  Returns 0, or -1 with ROUTE_ESYS when OpenSSL fails.
 */
int srs_alias_key(const char *mailbox, char key[ALIAS_KEY_LEN + 1],
		  struct route_error *err);

/*
 * srs_store_failed - -1 with ROUTE_ESYS: the store's own reason when it
 * gave one, else "alias store failed to WHAT".
 */
int srs_store_failed(struct route_error *err, const char *what);

/*
 * srs_domain_is - whether given (any case, U- or A-labels, a trailing dot
 * allowed) names the normalised domain norm.  norm may be NULL (false).
 */
bool srs_domain_is(const char *norm, const char *given);

#endif
