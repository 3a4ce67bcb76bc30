/*
 * srs.h - the Sender Rewriting Scheme: forwarded mail leaves with an
 * envelope sender in a domain we control, and a bounce sent back to that
 * address is turned into the original sender again.
 *
 * The address forms are those of libsrs2 and postsrsd, so that the same
 * secret on the same day gives the same address as postsrsd and each
 * reverses the other's:
 *
 *   SRS0=HHHH=TT=orig.example=user@srs.example.net
 *   SRS1=HHHH=first.example==HHHH=TT=orig.example=user@srs.example.net
 *
 * HHHH is the start of HMAC-SHA1(secret, fields in lower case) in base64,
 * TT the day number modulo 1024 in base32.  A sender too long for a 64-octet
 * local part is kept in an alias store under a short key instead of being
 * cut.  Time is always the caller's (now), so tests pin it.  This module
 * decides nothing about routing except through the helpers at the end,
 * which the milter, the policy daemon and milter-ctl share.
 */
#ifndef LIBROUTE_SRS_H
#define LIBROUTE_SRS_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include <libroute/error.h>

struct route_table;

/* Hash alphabets.  Both are accepted on reverse whatever the setting. */
enum route_srs_alphabet {
	ROUTE_SRS_BASE64URL = 0, /* '-' and '_' (postsrsd >= 2.2.6) */
	ROUTE_SRS_BASE64,	 /* '+' and '/' (postsrsd 1.x, libsrs2) */
};

#define ROUTE_SRS_HASH_MAX 20	   /* keeps an alias address under 64 octets */
#define ROUTE_SRS_MAX_AGE_MAX 1023 /* the day stamp wraps at 1024 */

/* The "srs" section of the configuration (route-milter.conf(5)). */
struct route_srs_override {
	char *routed_domain; /* mail forwarded for this routed domain ... */
	char *srs_domain;    /* ... gets senders in this SRS domain */
};

struct route_srs_opts {
	char *domain;	       /* "srs.domain": the SRS domain, A-label form */
	char *secrets_file;    /* "srs.secrets_file" */
	char separator;	       /* "srs.separator": '=', '+' or '-' */
	unsigned hash_length;  /* "srs.hash_length", 1..ROUTE_SRS_HASH_MAX */
	unsigned hash_minimum; /* "srs.hash_minimum", 1..hash_length */
	unsigned
	    max_age_days; /* "srs.max_age_days", 1..ROUTE_SRS_MAX_AGE_MAX */
	enum route_srs_alphabet alphabet; /* "srs.hash_alphabet" */
	bool always_rewrite;		  /* "srs.always_rewrite" */
	char **local_domains; /* "srs.local_domains": delivered on this
				 host; senders there are not rewritten and
				 forwards there are not off-box */
	size_t nlocal_domains;
	struct route_srs_override *overrides; /* "srs.overrides" */
	size_t noverrides;
};

#define ROUTE_SRS_DEFAULT_SEPARATOR '='
#define ROUTE_SRS_DEFAULT_HASH_LENGTH 4
#define ROUTE_SRS_DEFAULT_HASH_MINIMUM 4
#define ROUTE_SRS_DEFAULT_MAX_AGE_DAYS 21

/* route_srs_opts_init - the defaults above, no domain, nothing else. */
void route_srs_opts_init(struct route_srs_opts *o);

/* route_srs_opts_free - free what o owns and reset it to the defaults. */
void route_srs_opts_free(struct route_srs_opts *o);

/*
 * route_srs_opts_copy - deep copy of src into *dst (which is overwritten,
 * not freed first).
 */
void route_srs_opts_copy(struct route_srs_opts *dst,
			 const struct route_srs_opts *src);

/*
 * Where senders too long for an SRS local part are kept, supplied by the
 * caller (route_store_srs_aliases() gives one over the store).  put keeps
 * sender under key until expires (seconds since the epoch), replacing an
 * older entry with the same key; get finds
 * the sender of key that has not expired at now: 0 with a malloc'ed
 * *sender_r, 1 when there is none, -1 on failure.  Both return -1 with
 * err set (ROUTE_ESYS) when the store fails.  Keys are lower-case hex.
 */
struct route_srs_aliases {
	int (*put)(void *ctx, const char *key, const char *sender,
		   int64_t expires, struct route_error *err);
	int (*get)(void *ctx, const char *key, int64_t now, char **sender_r,
		   struct route_error *err);
	void *ctx;
};

struct route_srs;

/*
 * route_srs_new - an SRS engine with the settings of o (copied) and the
 * secrets (copied; the first signs, all verify).  Refuses (ROUTE_EINVAL)
 * no secrets, an empty secret, no domain, and settings out of range.
 * Returns 0 and *srs_r with one reference, or -1.
 */
int route_srs_new(const struct route_srs_opts *o, const char *const *secrets,
		  size_t nsecrets, struct route_srs **srs_r,
		  struct route_error *err);

/*
 * route_srs_load - route_srs_new with the secrets read from
 * o->secrets_file: one secret per line (LF or CRLF ends it; empty lines
 * are skipped; everything else on a line, spaces included, is the secret).
 * Refuses (ROUTE_EINVAL, naming the file) a file that is not a regular
 * file, is readable or writable by others, or holds no secret; ROUTE_ESYS
 * when it cannot be read.
 */
int route_srs_load(const struct route_srs_opts *o, struct route_srs **srs_r,
		   struct route_error *err);

/* route_srs_ref - take a reference (thread-safe); returns srs. */
struct route_srs *route_srs_ref(struct route_srs *srs);

/* route_srs_unref - drop a reference (thread-safe), free with the last,
 * set *srs to NULL; *srs may be NULL. */
void route_srs_unref(struct route_srs **srs);

/* route_srs_opts_of - the settings srs was made with. */
const struct route_srs_opts *route_srs_opts_of(const struct route_srs *srs);

/*
 * route_srs_forward - the SRS address for sender (an SMTP path, with or
 * without <>) in srs_domain (NULL: the configured domain), stamped with
 * the day of now.  A plain sender gives SRS0; an SRS0 or SRS1 address
 * (of any domain) gives SRS1 that keeps the first hop, as libsrs2 does.
 * When the local part would pass 64 octets the sender is kept in aliases
 * for max_age_days and a short SRS0 address naming its key is returned;
 * with aliases NULL that is refused (ROUTE_ESYS).  This function always
 * rewrites: whether a message's sender should be rewritten at all is
 * route_srs_sender's question.  Returns 0 with a malloc'ed
 * "local@domain" in *out_r; -1 with ROUTE_EINVAL for a sender that cannot
 * be rewritten (null path, no domain, unparsable) or ROUTE_ESYS when the
 * alias store fails.
 */
int route_srs_forward(const struct route_srs *srs, const char *sender,
		      const char *srs_domain, int64_t now,
		      const struct route_srs_aliases *aliases, char **out_r,
		      struct route_error *err);

/*
 * route_srs_reverse - the address an SRS address stands for: the original
 * sender for SRS0, the first hop's SRS0 address for SRS1, the stored
 * sender for an alias key.  The domain of addr is not looked at (see
 * route_srs_rcpt).  The tag, hash and day stamp are read in any case, and
 * hashes in either alphabet are accepted; a hash shorter than hash_minimum
 * is refused, one longer than hash_length is compared on its first
 * hash_length characters.  Returns 0 with a malloc'ed address in *out_r;
 * 1 when addr is not an SRS address at all (its local part does not start
 * with SRS0 or SRS1 and a separator); -1 when it is refused: ROUTE_EINVAL
 * with the reason (malformed, hash too short, hash does not match any
 * secret, day stamp older than max_age_days or not base32, unknown alias
 * key) or ROUTE_ESYS when the alias store fails.
 */
int route_srs_reverse(const struct route_srs *srs, const char *addr,
		      int64_t now, const struct route_srs_aliases *aliases,
		      char **out_r, struct route_error *err);

/*
 * route_srs_is_srs_domain - whether domain (any case, A- or U-labels) is
 * the SRS domain or an override's SRS domain.
 */
bool route_srs_is_srs_domain(const struct route_srs *srs, const char *domain);

/*
 * route_srs_domain_for - the SRS domain for mail forwarded for routed
 * domain rdomain (NULL: the configured domain): its override, else the
 * configured domain.  Points into srs.
 */
const char *route_srs_domain_for(const struct route_srs *srs,
				 const char *rdomain);

/*
 * route_srs_is_off_box - whether a forward destination (a mailbox as the
 * rule table gives it) leaves this host: its domain is not routed in t,
 * not an SRS domain and not one of srs.local_domains.
 */
bool route_srs_is_off_box(const struct route_srs *srs,
			  const struct route_table *t, const char *dest);

/*
 * route_srs_sender - the envelope sender a message forwarded off-box for
 * routed domain rdomain should leave with.  Returns 1 with a malloc'ed
 * "local@domain" in *out_r when the sender is rewritten; 0 when it stays
 * as it is, with *why_r saying why in a few words ("null sender", "sender
 * in routed domain example.com", ...); -1 when it should be rewritten and
 * cannot be (ROUTE_ESYS from the alias store: the caller defers the
 * message).  The null sender is never rewritten, nor (unless
 * always_rewrite) a sender in a routed domain of t, an SRS domain or a
 * local domain.  A sender that does not parse stays as it is.
 */
int route_srs_sender(const struct route_srs *srs, const struct route_table *t,
		     const char *sender, const char *rdomain, int64_t now,
		     const struct route_srs_aliases *aliases, char **out_r,
		     const char **why_r, struct route_error *err);

/*
 * route_srs_rcpt - what happens to a recipient (an SMTP path) in one of
 * our SRS domains.  Returns 0 when rcpt is not an SRS address in an SRS
 * domain of srs (route it as usual); 1 when it is valid, with the address
 * to deliver to (malloc'ed) in *orig_r; -1 when it is refused, with
 * ROUTE_EINVAL and the reason (forged, altered, expired, unknown key), or
 * ROUTE_ESYS when the alias store fails.  Pair with route_srs_reply.
 */
int route_srs_rcpt(const struct route_srs *srs, const char *rcpt, int64_t now,
		   const struct route_srs_aliases *aliases, char **orig_r,
		   struct route_error *err);

/*
 * route_srs_reply - the SMTP reply for a refused route_srs_rcpt, so every
 * program says the same: for ROUTE_ESYS "451", "4.3.0", "Temporary SRS
 * lookup failure, try again later"; otherwise "550", "5.7.1", "Invalid
 * SRS address".  The strings are constants.  The reason in err->msg is
 * for the log, not for the sender.
 */
void route_srs_reply(const struct route_error *err, const char **code_r,
		     const char **xcode_r, const char **text_r);

#endif
