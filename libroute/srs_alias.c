/*
 * srs_alias.c - the keys under which senders too long for an SRS local
 * part are kept in the caller's alias store, and the error a failing
 * store gives.  The addresses naming them are built in srs.c.
 */
#include <stdio.h>
#include <string.h>

#include <openssl/evp.h>

#include <libroute/error.h>

#include "srs_int.h"

/* srs_alias_key - hex of the start of SHA-256 over mailbox. */
int
srs_alias_key(const char *mailbox, char key[ALIAS_KEY_LEN + 1],
	      struct route_error *err)
{
	unsigned char md[EVP_MAX_MD_SIZE];
	unsigned mdlen = 0;
	size_t i;

	if (!EVP_Digest(mailbox, strlen(mailbox), md, &mdlen, EVP_sha256(),
			NULL) ||
	    mdlen < ALIAS_KEY_BYTES)
		return route_error_set(err, ROUTE_ESYS,
				       "srs: SHA-256 failed in OpenSSL");
	for (i = 0; i < ALIAS_KEY_BYTES; i++)
		snprintf(key + 2 * i, 3, "%02x", md[i]);
	return 0;
}

/* srs_store_failed - -1 with ROUTE_ESYS, keeping the store's reason. */
int
srs_store_failed(struct route_error *err, const char *what)
{
	if (err != NULL && (err->code != ROUTE_ESYS || err->msg[0] == '\0'))
		route_error_set(err, ROUTE_ESYS,
				"srs: alias store failed to %s", what);
	return -1;
}
