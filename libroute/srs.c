/*
 * srs.c - the SRS engine (see srs.h): settings, the HMAC and the day
 * stamp, and SRS0/SRS1 forward and reverse in the libsrs2 forms, so that
 * postsrsd and we read each other's addresses.  Senders too long for a
 * 64-octet local part go through the caller's alias store.  The settings
 * struct and the secrets file are srs_secrets.c; deciding whom to rewrite
 * is srs_use.c.
 */
#include <stdatomic.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <openssl/core_names.h>
#include <openssl/evp.h>
#include <openssl/params.h>

#include <libroute/addr.h>
#include <libroute/alloc.h>
#include <libroute/srs.h>

#include "srs_int.h"

#define invalid(err, ...) route_error_set((err), ROUTE_EINVAL, __VA_ARGS__)

#define DAY_SECONDS 86400
#define SHA1_LEN 20
#define STAMP_SLOTS 1024 /* two base32 characters */
/* The longest SRS domain whose addresses still fit a path with <>. */
#define SRS_DOMAIN_MAX (ROUTE_PATH_MAX - 2 - 1 - ROUTE_LOCAL_MAX)
/* The pseudo-domain of alias keys: "_" is never a mail domain. */
#define ALIAS_HOST "_"

static const char stamp_chars[] = "ABCDEFGHIJKLMNOPQRSTUVWXYZ234567";
static const char hash_chars[] = "ABCDEFGHIJKLMNOPQRSTUVWXYZ"
				 "abcdefghijklmnopqrstuvwxyz0123456789";

/* A piece of a local part: the fields of an SRS address are not copied. */
struct span {
	const char *p;
	size_t len;
};

/* check_numbers - the scalar settings, each refusal naming its key. */
static int
check_numbers(const struct route_srs_opts *o, struct route_error *err)
{
	if (o->separator == '\0' || strchr("=+-", o->separator) == NULL)
		return invalid(err,
			       "srs.separator: 0x%02x is not one of '=', '+', "
			       "'-'",
			       (unsigned char)o->separator);
	if (o->hash_length < 1 || o->hash_length > ROUTE_SRS_HASH_MAX)
		return invalid(err,
			       "srs.hash_length: %u is not between 1 and %d",
			       o->hash_length, ROUTE_SRS_HASH_MAX);
	if (o->hash_minimum < 1)
		return invalid(err, "srs.hash_minimum: %u is less than 1",
			       o->hash_minimum);
	if (o->hash_minimum > o->hash_length)
		return invalid(err,
			       "srs.hash_minimum: %u is more than "
			       "srs.hash_length %u",
			       o->hash_minimum, o->hash_length);
	if (o->max_age_days < 1 || o->max_age_days > ROUTE_SRS_MAX_AGE_MAX)
		return invalid(err,
			       "srs.max_age_days: %u is not between 1 and %d",
			       o->max_age_days, ROUTE_SRS_MAX_AGE_MAX);
	if (o->alphabet != ROUTE_SRS_BASE64URL &&
	    o->alphabet != ROUTE_SRS_BASE64)
		return invalid(err, "srs.hash_alphabet: unknown alphabet %d",
			       (int)o->alphabet);
	return 0;
}

/* normalise_name - replace *name by its normalised form; srs_domain says
 * it will be the domain of SRS addresses and must leave room for them. */
static int
normalise_name(char **name, const char *key, bool srs_domain,
	       struct route_error *err)
{
	struct route_error nerr;
	char *norm;

	if (*name == NULL || **name == '\0')
		return invalid(err, "%s: empty domain", key);
	if (route_domain_normalise(*name, &norm, &nerr) == -1)
		return invalid(err, "%s: \"%s\": %s", key, *name, nerr.msg);
	if (srs_domain && strlen(norm) > SRS_DOMAIN_MAX) {
		free(norm);
		return invalid(err,
			       "%s: \"%s\" is longer than %d octets, too long "
			       "for an SRS address to fit in a path",
			       key, *name, SRS_DOMAIN_MAX);
	}
	free(*name);
	*name = norm;
	return 0;
}

/* normalise_domains - every domain name of o in the one spelling. */
static int
normalise_domains(struct route_srs_opts *o, struct route_error *err)
{
	size_t i;

	if (o->domain == NULL)
		return invalid(err, "srs.domain: not set");
	if (normalise_name(&o->domain, "srs.domain", true, err) == -1)
		return -1;
	for (i = 0; i < o->noverrides; i++)
		if (normalise_name(&o->overrides[i].routed_domain,
				   "srs.overrides: routed domain", false,
				   err) == -1 ||
		    normalise_name(&o->overrides[i].srs_domain,
				   "srs.overrides: SRS domain", true,
				   err) == -1)
			return -1;
	for (i = 0; i < o->nlocal_domains; i++)
		if (normalise_name(&o->local_domains[i], "srs.local_domains",
				   false, err) == -1)
			return -1;
	return 0;
}

/* key_macs - one keyed HMAC-SHA1 context per secret. */
static int
key_macs(struct route_srs *srs, const char *const *secrets, size_t n,
	 struct route_error *err)
{
	OSSL_PARAM params[] = {OSSL_PARAM_construct_utf8_string(
				   OSSL_MAC_PARAM_DIGEST, (char *)"SHA1", 0),
			       OSSL_PARAM_construct_end()};
	EVP_MAC *mac = EVP_MAC_fetch(NULL, "HMAC", NULL);
	size_t i;
	int rc = 0;

	if (mac == NULL)
		return route_error_set(err, ROUTE_ESYS,
				       "srs: OpenSSL offers no HMAC");
	srs->macs = route_xcalloc(n, sizeof(*srs->macs));
	for (i = 0; i < n && rc == 0; i++) {
		if ((srs->macs[i] = EVP_MAC_CTX_new(mac)) == NULL)
			abort(); /* out of memory: alloc.h's convention */
		srs->nmacs++;
		if (!EVP_MAC_init(srs->macs[i],
				  (const unsigned char *)secrets[i],
				  strlen(secrets[i]), params))
			rc = route_error_set(err, ROUTE_ESYS,
					     "srs: OpenSSL cannot compute "
					     "HMAC-SHA1");
	}
	EVP_MAC_free(mac);
	return rc;
}

/* srs_free - free an engine, whole or half built. */
static void
srs_free(struct route_srs *srs)
{
	size_t i;

	for (i = 0; i < srs->nmacs; i++)
		EVP_MAC_CTX_free(srs->macs[i]);
	free(srs->macs);
	route_srs_opts_free(&srs->opts);
	free(srs);
}

/* route_srs_new - an engine with a copy of o and keyed with secrets. */
int
route_srs_new(const struct route_srs_opts *o, const char *const *secrets,
	      size_t nsecrets, struct route_srs **srs_r,
	      struct route_error *err)
{
	struct route_srs *srs;
	size_t i;

	*srs_r = NULL;
	if (check_numbers(o, err) == -1)
		return -1;
	if (nsecrets == 0)
		return invalid(err, "srs: no secret");
	for (i = 0; i < nsecrets; i++)
		if (secrets[i] == NULL || secrets[i][0] == '\0')
			return invalid(err, "srs: secret %zu is empty", i + 1);
	srs = route_xcalloc(1, sizeof(*srs));
	route_srs_opts_copy(&srs->opts, o);
	if (normalise_domains(&srs->opts, err) == -1 ||
	    key_macs(srs, secrets, nsecrets, err) == -1) {
		srs_free(srs);
		return -1;
	}
	atomic_init(&srs->refs, 1);
	*srs_r = srs;
	return 0;
}

/* route_srs_ref - one more user. */
struct route_srs *
route_srs_ref(struct route_srs *srs)
{
	atomic_fetch_add_explicit(&srs->refs, 1, memory_order_relaxed);
	return srs;
}

/* route_srs_unref - one user fewer; the last one frees. */
void
route_srs_unref(struct route_srs **srs)
{
	if (*srs == NULL)
		return;
	if (atomic_fetch_sub_explicit(&(*srs)->refs, 1, memory_order_acq_rel) ==
	    1)
		srs_free(*srs);
	*srs = NULL;
}

/* route_srs_opts_of - the settings, domains normalised. */
const struct route_srs_opts *
route_srs_opts_of(const struct route_srs *srs)
{
	return &srs->opts;
}

/* lower - ASCII lower case, whatever the locale; other bytes unchanged. */
static unsigned char
lower(unsigned char c)
{
	return c >= 'A' && c <= 'Z' ? (unsigned char)(c + ('a' - 'A')) : c;
}

/*
 * make_hash - the first hash_length base64 characters of the HMAC of the
 * fields in lower case with secret k, NUL-terminated in out.  base64 bits
 * are taken most significant first, as libsrs2 does, without padding.
 */
static int
make_hash(const struct route_srs *srs, size_t k, const struct span *f,
	  size_t nf, char out[ROUTE_SRS_HASH_MAX + 1], struct route_error *err)
{
	const char *tail = srs->opts.alphabet == ROUTE_SRS_BASE64 ? "+/" : "-_";
	unsigned char md[EVP_MAX_MD_SIZE], buf[128];
	EVP_MAC_CTX *ctx = EVP_MAC_CTX_dup(srs->macs[k]);
	size_t i, j, n, mdlen = 0, bit, v;
	int ok = ctx != NULL;

	for (i = 0; ok && i < nf; i++)
		for (j = 0; ok && j < f[i].len; j += n) {
			for (n = 0; n < sizeof(buf) && j + n < f[i].len; n++)
				buf[n] = lower((unsigned char)f[i].p[j + n]);
			ok = EVP_MAC_update(ctx, buf, n);
		}
	ok = ok && EVP_MAC_final(ctx, md, &mdlen, sizeof(md));
	EVP_MAC_CTX_free(ctx);
	/* 6 * ROUTE_SRS_HASH_MAX bits fit the 20 bytes of a SHA-1 digest. */
	if (!ok || mdlen != SHA1_LEN)
		return route_error_set(err, ROUTE_ESYS,
				       "srs: HMAC-SHA1 failed in OpenSSL");
	for (i = 0; i < srs->opts.hash_length; i++) {
		bit = 6 * i;
		v = ((size_t)md[bit / 8] << 8 | md[bit / 8 + 1]) >>
			(10 - bit % 8) &
		    0x3f;
		out[i] = v < 62 ? hash_chars[v] : tail[v - 62];
	}
	out[i] = '\0';
	return 0;
}

/* hash_class - a hash character's value with letters folded and both
 * alphabets' last two characters alike; -1 outside either alphabet. */
static int
hash_class(unsigned char c)
{
	c = lower(c);
	if (c >= 'a' && c <= 'z')
		return c - 'a';
	if (c >= '0' && c <= '9')
		return 26 + (c - '0');
	if (c == '+' || c == '-')
		return 36;
	if (c == '/' || c == '_')
		return 37;
	return -1;
}

/*
 * check_hash - the hash given in an address against the fields signed with
 * each secret.  MTAs change case, so the comparison is case-insensitive,
 * as libsrs2's is; every character is looked at, match or not.
 */
static int
check_hash(const struct route_srs *srs, struct span given, const struct span *f,
	   size_t nf, struct route_error *err)
{
	char ours[ROUTE_SRS_HASH_MAX + 1];
	size_t n = given.len, i, k;
	int a, b, diff;

	if (n < srs->opts.hash_minimum)
		return invalid(err,
			       "hash too short (%zu characters, "
			       "srs.hash_minimum %u)",
			       n, srs->opts.hash_minimum);
	if (n > srs->opts.hash_length)
		n = srs->opts.hash_length;
	for (k = 0; k < srs->nmacs; k++) {
		if (make_hash(srs, k, f, nf, ours, err) == -1)
			return -1;
		diff = 0;
		for (i = 0; i < n; i++) {
			a = hash_class((unsigned char)given.p[i]);
			b = hash_class((unsigned char)ours[i]);
			diff |= a != b; /* ours is never -1 */
		}
		if (diff == 0)
			return 0;
	}
	return invalid(err, "hash does not match any secret (forged or "
			    "altered address)");
}

/* day_of - the day number of now modulo the stamp's 1024 slots. */
static unsigned
day_of(int64_t now)
{
	int64_t d = now / DAY_SECONDS;

	if (now % DAY_SECONDS < 0)
		d--;
	d %= STAMP_SLOTS;
	return (unsigned)(d < 0 ? d + STAMP_SLOTS : d);
}

/* make_stamp - the two base32 characters of today, high bits first. */
static void
make_stamp(int64_t now, char out[3])
{
	unsigned d = day_of(now);

	out[0] = stamp_chars[d >> 5];
	out[1] = stamp_chars[d & 31];
	out[2] = '\0';
}

/* stamp_value - a base32 character's value in either case, or -1. */
static int
stamp_value(unsigned char c)
{
	c = lower(c);
	if (c >= 'a' && c <= 'z')
		return c - 'a';
	if (c >= '2' && c <= '7')
		return 26 + (c - '2');
	return -1;
}

/* read_stamp - the day a stamp names; -1 when malformed. */
static int
read_stamp(struct span tt, unsigned *day_r, struct route_error *err)
{
	size_t i;
	int v;

	*day_r = 0;
	if (tt.len != 2)
		return invalid(err, "day stamp \"%.*s\" is not 2 characters",
			       (int)(tt.len > 16 ? 16 : tt.len), tt.p);
	for (i = 0; i < tt.len; i++) {
		if ((v = stamp_value((unsigned char)tt.p[i])) < 0)
			return invalid(err, "day stamp \"%.2s\" is not base32",
				       tt.p);
		*day_r = *day_r << 5 | (unsigned)v;
	}
	return 0;
}

/* check_age - a stamp of day then is at most max_age_days old at now;
 * the stamp wraps every 1024 days, so "older" is counted modulo that. */
static int
check_age(const struct route_srs *srs, unsigned then, int64_t now,
	  struct route_error *err)
{
	unsigned today = day_of(now);

	if (today < then)
		today += STAMP_SLOTS;
	if (today - then > srs->opts.max_age_days)
		return invalid(err,
			       "day stamp is %u days old, more than "
			       "srs.max_age_days %u (expired)",
			       today - then, srs->opts.max_age_days);
	return 0;
}

/* srs_tag - 0 or 1 for a local part that starts with SRS0 or SRS1 (any
 * case) and a separator, else -1. */
static int
srs_tag(const char *s)
{
	if (lower(s[0]) != 's' || lower(s[1]) != 'r' || lower(s[2]) != 's' ||
	    (s[3] != '0' && s[3] != '1') || s[4] == '\0' ||
	    strchr("=+-", s[4]) == NULL)
		return -1;
	return s[3] - '0';
}

/* split_fields - s cut at its first n - 1 '=' into n fields, the last
 * keeping any further '='; false when there are fewer or one is empty. */
static bool
split_fields(const char *s, size_t n, struct span *f)
{
	const char *eq;
	size_t i;

	for (i = 0; i + 1 < n; i++) {
		if ((eq = strchr(s, '=')) == NULL || eq == s)
			return false;
		f[i].p = s;
		f[i].len = (size_t)(eq - s);
		s = eq + 1;
	}
	f[i].p = s;
	f[i].len = strlen(s);
	return f[i].len > 0;
}

/* span_of - a span over the whole of s. */
static struct span
span_of(const char *s)
{
	struct span sp = {s, strlen(s)};

	return sp;
}

/* quoted_local - local as it must be written in a path; NULL when that
 * passes ROUTE_LOCAL_MAX octets. */
static char *
quoted_local(const char *local)
{
	struct route_addr a = {false, (char *)local, NULL};
	char *q = route_addr_format(&a);

	if (strlen(q) > ROUTE_LOCAL_MAX) {
		free(q);
		return NULL;
	}
	return q;
}

/* forward_alias - keep mailbox under its key, sign the key instead. */
static int
forward_alias(const struct route_srs *srs, const char *mailbox,
	      const char *domain, int64_t now,
	      const struct route_srs_aliases *aliases, char **out_r,
	      struct route_error *err)
{
	char key[ALIAS_KEY_LEN + 1], stamp[3], hash[ROUTE_SRS_HASH_MAX + 1];
	struct span f[3];
	int64_t expires =
	    now + (int64_t)(srs->opts.max_age_days + 1) * DAY_SECONDS;

	if (aliases == NULL)
		return route_error_set(err, ROUTE_ESYS,
				       "sender too long for SRS and no alias "
				       "store");
	if (srs_alias_key(mailbox, key, err) == -1)
		return -1;
	route_error_clear(err);
	if (aliases->put(aliases->ctx, key, mailbox, expires, err) == -1)
		return srs_store_failed(err, "keep a long sender");
	make_stamp(now, stamp);
	f[0] = span_of(stamp);
	f[1] = span_of(ALIAS_HOST);
	f[2] = span_of(key);
	if (make_hash(srs, 0, f, 3, hash, err) == -1)
		return -1;
	*out_r = route_xasprintf("SRS0%c%s=%s=" ALIAS_HOST "=%s@%s",
				 srs->opts.separator, hash, stamp, key, domain);
	return 0;
}

/* join_address - prefix + user "@" host, checked and normalised as any
 * address we hand an MTA. */
static int
join_address(const char *prefix, struct span user, struct span host,
	     char **out_r, struct route_error *err)
{
	struct route_addr a;
	struct route_error perr;
	char *path;
	int rc;

	a.null_path = false;
	a.local = route_xasprintf("%s%.*s", prefix, (int)user.len, user.p);
	a.domain = route_xstrndup(host.p, host.len);
	path = route_addr_format(&a);
	route_addr_free(&a);
	rc = route_addr_normalise(path, out_r, &perr);
	free(path);
	if (rc == -1)
		return invalid(err,
			       "malformed address inside the SRS address: %s",
			       perr.msg);
	return 0;
}

/*
 * written_host - the sender's domain for the SRS fields: as the sender
 * wrote it when that differs from the parsed domain only in ASCII case,
 * because postsrsd copies it so and the same sender must give the same
 * address; else (U-labels, a final dot) the parsed A-label form.  The
 * hash is over lower case, so either spelling reverses.
 */
static char *
written_host(const char *path, const char *domain)
{
	/* A parsed domain means the path has an '@'. */
	const char *at = strrchr(path, '@') + 1;
	size_t i, len = strlen(at);

	if (len > 0 && at[len - 1] == '>')
		len--;
	for (i = 0; i < len && lower((unsigned char)at[i]) ==
				   lower((unsigned char)domain[i]);
	     i++)
		;
	if (i == len && domain[len] == '\0')
		return route_xstrndup(at, len);
	return route_xstrdup(domain);
}

/*
 * forward_local - the SRS local part for a with its domain written host:
 * SRS0 for a plain sender, SRS1 keeping the first hop for an SRS0 or SRS1
 * one (libsrs2's "guarded" form: the SRS0 part after its tag is carried
 * over whole, hence "==").
 */
static int
forward_local(const struct route_srs *srs, const struct route_addr *a,
	      const char *host, int64_t now, char **local_r,
	      struct route_error *err)
{
	char stamp[3], hash[ROUTE_SRS_HASH_MAX + 1];
	struct span f[4], sig[3];
	int tag = srs_tag(a->local);
	char *first;
	char sep = srs->opts.separator;

	/* An SRS1 sender whose first hop cannot be read back is an ordinary
	 * address that happens to start with "SRS1=": it gets an SRS0 like
	 * any other (libsrs2 leaves it unrewritten, so its mail fails SPF).
	 * Signing its fields as a hop would vouch for an address that
	 * cannot be. */
	if (tag == 1 && split_fields(a->local + 5, 3, f) &&
	    strchr("=+-", f[2].p[0]) != NULL &&
	    join_address("SRS0", f[2], f[1], &first, NULL) == 0) {
		free(first);
		if (make_hash(srs, 0, &f[1], 2, hash, err) == -1)
			return -1;
		*local_r = route_xasprintf("SRS1%c%s=%.*s=%s", sep, hash,
					   (int)f[1].len, f[1].p, f[2].p);
		return 0;
	}
	/* Any SRS0 sender, well formed or not, is carried whole after its
	 * tag, as libsrs2 does: the reverse gives it back exactly, and its
	 * own domain makes sense of it (or bounces it). */
	if (tag == 0) {
		sig[0] = span_of(host);
		sig[1] = span_of(a->local + 4);
		if (make_hash(srs, 0, sig, 2, hash, err) == -1)
			return -1;
		*local_r = route_xasprintf("SRS1%c%s=%s=%s", sep, hash, host,
					   a->local + 4);
		return 0;
	}
	make_stamp(now, stamp);
	sig[0] = span_of(stamp);
	sig[1] = span_of(host);
	sig[2] = span_of(a->local);
	if (make_hash(srs, 0, sig, 3, hash, err) == -1)
		return -1;
	*local_r = route_xasprintf("SRS0%c%s=%s=%s=%s", sep, hash, stamp, host,
				   a->local);
	return 0;
}

/* target_domain - the SRS domain to write: given (normalised) or ours. */
static int
target_domain(const struct route_srs *srs, const char *given, char **dom_r,
	      struct route_error *err)
{
	char *norm;

	if (given == NULL) {
		*dom_r = route_xstrdup(srs->opts.domain);
		return 0;
	}
	norm = route_xstrdup(given);
	if (normalise_name(&norm, "SRS domain", true, err) == -1) {
		free(norm);
		return -1;
	}
	*dom_r = norm;
	return 0;
}

/* fit_or_alias - local@domain when local fits a local part, else the
 * alias address of the sender a. */
static int
fit_or_alias(const struct route_srs *srs, const struct route_addr *a,
	     const char *local, const char *domain, int64_t now,
	     const struct route_srs_aliases *aliases, char **out_r,
	     struct route_error *err)
{
	char *q = quoted_local(local), *mailbox;
	int rc;

	if (q != NULL) {
		*out_r = route_xasprintf("%s@%s", q, domain);
		free(q);
		return 0;
	}
	mailbox = route_addr_format(a);
	rc = forward_alias(srs, mailbox, domain, now, aliases, out_r, err);
	free(mailbox);
	return rc;
}

/* route_srs_forward - the SRS address for sender in srs_domain. */
int
route_srs_forward(const struct route_srs *srs, const char *sender,
		  const char *srs_domain, int64_t now,
		  const struct route_srs_aliases *aliases, char **out_r,
		  struct route_error *err)
{
	struct route_addr a;
	char *domain = NULL, *host = NULL, *local = NULL;
	int rc = -1;

	*out_r = NULL;
	if (route_addr_parse(sender, &a, err) == -1)
		return -1;
	if (a.null_path)
		invalid(err, "the null sender cannot be rewritten");
	else if (a.domain == NULL)
		invalid(err, "sender \"%s\" has no domain", a.local);
	else if (strcmp(a.domain, ALIAS_HOST) == 0)
		invalid(err, "sender domain \"" ALIAS_HOST "\" is reserved");
	else if (target_domain(srs, srs_domain, &domain, err) == 0) {
		host = written_host(sender, a.domain);
		if (forward_local(srs, &a, host, now, &local, err) == 0)
			rc = fit_or_alias(srs, &a, local, domain, now, aliases,
					  out_r, err);
	}
	free(local);
	free(host);
	free(domain);
	route_addr_free(&a);
	return rc;
}

/* reverse_alias - the sender kept under the key of an alias address. */
static int
reverse_alias(struct span user, int64_t now,
	      const struct route_srs_aliases *aliases, char **out_r,
	      struct route_error *err)
{
	char key[ALIAS_KEY_LEN + 1];
	size_t i;
	int rc;

	if (user.len != ALIAS_KEY_LEN)
		return invalid(err, "unknown alias key (malformed)");
	for (i = 0; i < ALIAS_KEY_LEN; i++) {
		key[i] = (char)lower((unsigned char)user.p[i]);
		if (strchr("0123456789abcdef", key[i]) == NULL)
			return invalid(err, "unknown alias key (malformed)");
	}
	key[i] = '\0';
	if (aliases == NULL)
		return route_error_set(err, ROUTE_ESYS,
				       "alias address and no alias store");
	route_error_clear(err);
	rc = aliases->get(aliases->ctx, key, now, out_r, err);
	if (rc == -1)
		return srs_store_failed(err, "look up an alias");
	if (rc == 1)
		return invalid(err,
			       "unknown alias key %s (expired or never "
			       "issued)",
			       key);
	return 0;
}

/* reverse0 - SRS0=HASH=TT=HOST=USER: the original sender. */
static int
reverse0(const struct route_srs *srs, const char *local, int64_t now,
	 const struct route_srs_aliases *aliases, char **out_r,
	 struct route_error *err)
{
	struct span f[4];
	unsigned then;

	if (!split_fields(local + 5, 4, f))
		return invalid(err, "malformed SRS0 address: expected "
				    "SRS0=HASH=TT=HOST=USER");
	if (read_stamp(f[1], &then, err) == -1 ||
	    check_hash(srs, f[0], &f[1], 3, err) == -1 ||
	    check_age(srs, then, now, err) == -1)
		return -1;
	if (f[2].len == 1 && f[2].p[0] == ALIAS_HOST[0])
		return reverse_alias(f[3], now, aliases, out_r, err);
	return join_address("", f[3], f[2], out_r, err);
}

/* reverse1 - SRS1=HASH=HOST=REST: the first hop's SRS0 address. */
static int
reverse1(const struct route_srs *srs, const char *local, char **out_r,
	 struct route_error *err)
{
	struct span f[3];

	if (!split_fields(local + 5, 3, f))
		return invalid(err, "malformed SRS1 address: expected "
				    "SRS1=HASH=HOST=REST");
	if (check_hash(srs, f[0], &f[1], 2, err) == -1)
		return -1;
	return join_address("SRS0", f[2], f[1], out_r, err);
}

/* looks_like_srs - whether a path that does not parse starts like an
 * SRS address, so that it is refused rather than routed as usual. */
static bool
looks_like_srs(const char *path)
{
	if (path == NULL)
		return false;
	if (*path == '<')
		path++;
	if (*path == '"')
		path++;
	return srs_tag(path) >= 0;
}

/* route_srs_reverse - the address an SRS address stands for. */
int
route_srs_reverse(const struct route_srs *srs, const char *addr, int64_t now,
		  const struct route_srs_aliases *aliases, char **out_r,
		  struct route_error *err)
{
	struct route_addr a;
	struct route_error perr;
	int tag, rc;

	*out_r = NULL;
	if (route_addr_parse(addr, &a, &perr) == -1) {
		if (!looks_like_srs(addr))
			return 1;
		return invalid(err, "malformed SRS address: %s", perr.msg);
	}
	if (a.null_path || (tag = srs_tag(a.local)) < 0) {
		route_addr_free(&a);
		return 1;
	}
	if (tag == 0)
		rc = reverse0(srs, a.local, now, aliases, out_r, err);
	else
		rc = reverse1(srs, a.local, out_r, err);
	route_addr_free(&a);
	return rc;
}
