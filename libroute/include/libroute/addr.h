/*
 * addr.h - SMTP path parsing and address normalisation.
 *
 * Turns what an MTA hands a milter ("<Info+x@Example.COM>", "info@example.com"
 * from locally submitted mail, "<>", quoted local parts, UTF-8 local parts,
 * U-label domains) into a typed address, and makes the lookup keys the rule
 * table uses.  It does not decide anything about routing.
 */
#ifndef LIBROUTE_ADDR_H
#define LIBROUTE_ADDR_H

#include <stdbool.h>
#include <stddef.h>

#include <libroute/error.h>

#define ROUTE_LOCAL_MAX 64   /* RFC 5321 4.5.3.1.1, octets */
#define ROUTE_DOMAIN_MAX 255 /* RFC 5321 4.5.3.1.2, octets */
#define ROUTE_PATH_MAX 256   /* RFC 5321 4.5.3.1.3, including <> */

struct route_addr {
	bool null_path; /* the null reverse-path "<>"; local and domain NULL */
	char *local; /* local part with quoting removed, as given (case kept) */
	char *domain; /* lower-case A-label form, no trailing dot; NULL when
			 the path has no domain ("<postmaster>") */
};

/*
 * route_addr_parse - parse an SMTP path with or without angle brackets.
 *
 * Accepts "<local@domain>", "local@domain", "<>" (null path), an optional
 * source route ("<@a.example,@b.example:user@c.example>", which is
 * dropped as RFC 5321 requires), quoted local parts ("\"john doe\"@x"),
 * UTF-8 local parts and U-label domains (converted to A-labels with
 * libidn2), and domain literals ("user@[192.0.2.1]", kept verbatim).  A
 * trailing dot on the domain is removed.  Length limits of RFC 5321 apply.
 *
 * On success fills *addr_r (free with route_addr_free) and returns 0.  On
 * malformed input returns -1 with err->code ROUTE_EINVAL and a message that
 * names the problem ("local part longer than 64 octets", "unbalanced
 * angle bracket", ...).  Never crashes on any byte sequence.
 */
int route_addr_parse(const char *path, struct route_addr *addr_r,
		     struct route_error *err);

/* route_addr_free - free the strings of addr and reset it; addr may be NULL. */
void route_addr_free(struct route_addr *addr);

/*
 * route_addr_format - the address as a mailbox string "local@domain", with
 * the local part re-quoted when it needs quoting; "" for the null path and
 * just the local part when there is no domain.  Returns malloc'ed memory.
 */
char *route_addr_format(const struct route_addr *addr);

/*
 * route_domain_normalise - lower-case A-label form of a domain name given in
 * any case, as U-labels or A-labels, with or without a trailing dot.
 * Returns 0 and a malloc'ed string in *domain_r, or -1 with ROUTE_EINVAL.
 */
int route_domain_normalise(const char *domain, char **domain_r,
			   struct route_error *err);

/*
 * route_local_fold - the lookup form of a local part: ASCII letters folded
 * to lower case unless case_sensitive; UTF-8 sequences are kept as they are
 * (RFC 6531 gives no case folding for them).  Returns malloc'ed memory.
 */
char *route_local_fold(const char *local, bool case_sensitive);

/*
 * route_local_fold_to - route_local_fold into the caller's buffer, for
 * lookups that must not allocate: writes the lookup form of the len bytes
 * of local (len is strlen(local)) and a NUL to buf, which has room for
 * len + 1 bytes.  The form has the same length as the local part.
 */
void route_local_fold_to(char *buf, const char *local, size_t len,
			 bool case_sensitive);

/*
 * route_local_split - find a sub-address delimiter in local.
 *
 * delims is the set of delimiter characters (e.g. "+" or "+-"); the first
 * occurrence of any of them that is not the first character splits local
 * into a base and a tag.  Returns the length of the base part, or 0 when
 * local has no tag (no delimiter, delims NULL or empty).
 */
size_t route_local_split(const char *local, const char *delims);

/*
 * route_utf8_len - the length in bytes (1 to 4) of the UTF-8 sequence that
 * starts at s, of which n bytes (at least 1) may be read; an ASCII byte is
 * a sequence of 1.  Returns 0 when the bytes there are not valid UTF-8
 * (RFC 3629): a stray continuation byte, a sequence cut short by n or by a
 * byte that does not continue it, an overlong form, a UTF-16 surrogate or
 * a value past U+10FFFF.
 */
size_t route_utf8_len(const unsigned char *s, size_t n);

/*
 * route_addr_normalise - path parsed with route_addr_parse and written
 * back with route_addr_format: the one spelling of a mailbox ("Info@
 * EXAMPLE.com." and "<@relay.example:Info@example.com>" both give
 * "Info@example.com").  Returns 0 and a malloc'ed string in *mailbox_r,
 * or -1 with route_addr_parse's error.
 */
int route_addr_normalise(const char *path, char **mailbox_r,
			 struct route_error *err);

/*
 * route_addr_key - the identity of the mailbox of path as a rule table
 * compares addresses: the local part folded with route_local_fold
 * (case_sensitive as the table was built), "@", the normalised domain.
 * Two paths name the same mailbox exactly when their keys are equal.
 * Returns 0 and a malloc'ed key in *key_r ("" for the null path, the
 * folded local part alone without a domain), or -1 with the parse error.
 */
int route_addr_key(const char *path, bool case_sensitive, char **key_r,
		   struct route_error *err);

/*
 * route_path_domain - the domain of a path that may not parse: what
 * follows the last '@', without a closing '>', blanks or one trailing dot,
 * normalised with route_domain_normalise when that accepts it, else only
 * lower-cased.  Returns malloc'ed memory, or NULL when there is no '@' or
 * nothing after it.  For deciding whether a malformed recipient is ours;
 * never for delivering to it.
 */
char *route_path_domain(const char *path);

struct route_table;

/*
 * route_table_path_routed - whether t routes mail for the domain of path,
 * found with route_path_domain (so also for a path that does not parse):
 * the domain is in t and enabled.  A caller refuses a malformed recipient
 * only when this is true; mail for other domains passes untouched.  t may
 * be NULL (false).
 */
bool route_table_path_routed(const struct route_table *t, const char *path);

#endif
