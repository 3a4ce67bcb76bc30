/*
 * srs_use.c - when SRS applies: which senders are rewritten, which
 * forwards leave the host, which recipients are our SRS addresses and
 * what a refused one is told.  The milter, route-policyd and milter-ctl
 * all ask here, so they never disagree.  The rewriting itself is srs.c.
 */
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include <libroute/addr.h>
#include <libroute/alloc.h>
#include <libroute/srs.h>

#include "srs_int.h"

/* needs_normalising - whether given may name a domain in a spelling that
 * a case-insensitive comparison does not catch (U-labels, a final dot). */
static bool
needs_normalising(const char *given)
{
	size_t i, len = strlen(given);

	if (len > 0 && given[len - 1] == '.')
		return true;
	for (i = 0; i < len; i++)
		if ((unsigned char)given[i] >= 0x80)
			return true;
	return false;
}

/* srs_domain_is - whether given names the normalised domain norm. */
bool
srs_domain_is(const char *norm, const char *given)
{
	char *g;
	bool same;

	if (norm == NULL || given == NULL)
		return false;
	if (strcasecmp(norm, given) == 0)
		return true;
	if (!needs_normalising(given) ||
	    route_domain_normalise(given, &g, NULL) == -1)
		return false;
	same = strcmp(norm, g) == 0;
	free(g);
	return same;
}

/* route_srs_is_srs_domain - ours or an override's SRS domain. */
bool
route_srs_is_srs_domain(const struct route_srs *srs, const char *domain)
{
	size_t i;

	if (srs_domain_is(srs->opts.domain, domain))
		return true;
	for (i = 0; i < srs->opts.noverrides; i++)
		if (srs_domain_is(srs->opts.overrides[i].srs_domain, domain))
			return true;
	return false;
}

/* is_local_domain - one of srs.local_domains. */
static bool
is_local_domain(const struct route_srs *srs, const char *domain)
{
	size_t i;

	for (i = 0; i < srs->opts.nlocal_domains; i++)
		if (srs_domain_is(srs->opts.local_domains[i], domain))
			return true;
	return false;
}

/* route_srs_domain_for - the override of rdomain, else our SRS domain. */
const char *
route_srs_domain_for(const struct route_srs *srs, const char *rdomain)
{
	size_t i;

	if (rdomain == NULL)
		return srs->opts.domain;
	for (i = 0; i < srs->opts.noverrides; i++)
		if (srs_domain_is(srs->opts.overrides[i].routed_domain,
				  rdomain))
			return srs->opts.overrides[i].srs_domain;
	return srs->opts.domain;
}

/* route_srs_is_off_box - whether dest is delivered elsewhere. */
bool
route_srs_is_off_box(const struct route_srs *srs, const struct route_table *t,
		     const char *dest)
{
	char *domain = route_path_domain(dest);
	bool off;

	/* Without a domain the MTA delivers it here. */
	if (domain == NULL)
		return false;
	off = !route_table_path_routed(t, dest) &&
	      !route_srs_is_srs_domain(srs, domain) &&
	      !is_local_domain(srs, domain);
	free(domain);
	return off;
}

/* kept_as_is - why a parsed sender is not rewritten, or NULL. */
static const char *
kept_as_is(const struct route_srs *srs, const struct route_table *t,
	   const struct route_addr *a, const char *sender)
{
	if (a->null_path)
		return "null sender";
	if (a->domain == NULL)
		return "sender has no domain";
	/* route_srs_forward refuses it: it would pose as an alias key. */
	if (strcmp(a->domain, "_") == 0)
		return "sender in the reserved domain _";
	if (srs->opts.always_rewrite)
		return NULL;
	if (route_table_path_routed(t, sender))
		return "sender in a routed domain";
	if (route_srs_is_srs_domain(srs, a->domain))
		return "sender in an SRS domain";
	if (is_local_domain(srs, a->domain))
		return "sender in a local domain";
	return NULL;
}

/* route_srs_sender - the envelope sender a forwarded message leaves with. */
int
route_srs_sender(const struct route_srs *srs, const struct route_table *t,
		 const char *sender, const char *rdomain, int64_t now,
		 const struct route_srs_aliases *aliases, char **out_r,
		 const char **why_r, struct route_error *err)
{
	struct route_addr a;
	struct route_error ferr;
	const char *why;
	int rc;

	*out_r = NULL;
	*why_r = NULL;
	if (route_addr_parse(sender, &a, NULL) == -1) {
		*why_r = "sender does not parse";
		return 0;
	}
	why = kept_as_is(srs, t, &a, sender);
	route_addr_free(&a);
	if (why != NULL) {
		*why_r = why;
		return 0;
	}
	route_error_clear(&ferr);
	rc = route_srs_forward(srs, sender, route_srs_domain_for(srs, rdomain),
			       now, aliases, out_r, &ferr);
	if (rc == 0)
		return 1;
	if (ferr.code == ROUTE_ESYS) {
		if (err != NULL)
			*err = ferr;
		return -1;
	}
	/* Every sender that parses has an SRS form, so this is an address
	 * route_srs_forward cannot write back out; it leaves as it came. */
	*why_r = "sender cannot be rewritten";
	return 0;
}

/* route_srs_rcpt - what becomes of a recipient in one of our SRS domains. */
int
route_srs_rcpt(const struct route_srs *srs, const char *rcpt, int64_t now,
	       const struct route_srs_aliases *aliases, char **orig_r,
	       struct route_error *err)
{
	char *domain = route_path_domain(rcpt);
	bool ours = domain != NULL && route_srs_is_srs_domain(srs, domain);
	int rc;

	*orig_r = NULL;
	free(domain);
	if (!ours)
		return 0;
	rc = route_srs_reverse(srs, rcpt, now, aliases, orig_r, err);
	if (rc == 1)
		return 0;
	return rc == 0 ? 1 : -1;
}

/* route_srs_reply - the one SMTP reply for a refused SRS recipient. */
void
route_srs_reply(const struct route_error *err, const char **code_r,
		const char **xcode_r, const char **text_r)
{
	if (err != NULL && err->code == ROUTE_ESYS) {
		*code_r = "451";
		*xcode_r = "4.3.0";
		*text_r = "Temporary SRS lookup failure, try again later";
		return;
	}
	*code_r = "550";
	*xcode_r = "5.7.1";
	*text_r = "Invalid SRS address";
}
