/*
 * cmd_srs.c - "milter-ctl srs forward" and "milter-ctl srs reverse": what
 * route-milter does to a sender it forwards, and to a bounce sent back to
 * an SRS address, with the configured settings and secrets.  Both call the
 * libroute functions the daemons call (route_srs_sender, route_srs_rcpt),
 * so the answer is the daemons' answer.
 */
#include <stdio.h>
#include <stdlib.h>
#include <time.h>

#include <libroute/addr.h>
#include <libroute/srs.h>

#include "ctl.h"

/* cmd_srs_check - SRS must be configured; --for must name a domain. */
int
cmd_srs_check(const struct ctl *ctl, const struct ctl_args *args)
{
	struct route_error err;
	char *d;

	if (args->for_domain == NULL)
		return 0;
	if (route_domain_normalise(args->for_domain, &d, &err) == -1)
		return ctl_fail_on(&err, args->for_domain);
	free(d);
	(void)ctl;
	return 0;
}

/* srs_open - the SRS engine of the configuration, or an exit code. */
static int
srs_open(const struct ctl *ctl, struct route_srs **srs_r)
{
	struct route_error err;

	if (ctl->cfg->srs.domain == NULL) {
		fprintf(stderr,
			"milter-ctl: SRS is not configured (no srs group "
			"in %s)\n",
			ctl->cfg->path != NULL ? ctl->cfg->path
					       : "the built-in defaults");
		return CTL_EXIT_REFUSED;
	}
	if (route_srs_load(&ctl->cfg->srs, srs_r, &err) == -1)
		return ctl_fail(&err);
	return 0;
}

/* now_of - --now, or the clock. */
static int64_t
now_of(const struct ctl_args *args)
{
	return args->has_now ? args->now : (int64_t)time(NULL);
}

/*
 * cmd_srs_forward - the envelope sender each SENDER leaves with when
 * route-milter forwards its mail (for the routed domain --for, which picks
 * an override): the SRS address, or the sender unchanged with the reason
 * on stderr.  Long senders are kept in the store's aliases, as the milter
 * keeps them.
 */
int
cmd_srs_forward(struct ctl *ctl, const struct ctl_args *args)
{
	struct route_srs_aliases aliases;
	struct route_table *t = NULL;
	struct route_srs *srs = NULL;
	struct route_error err;
	const char *why;
	char *out;
	size_t i;
	int rc;

	if ((rc = srs_open(ctl, &srs)) != 0)
		return rc;
	if (route_store_load(ctl->store, &t, NULL, &err) == -1) {
		route_srs_unref(&srs);
		return ctl_fail(&err);
	}
	route_store_srs_aliases(ctl->store, &aliases);
	for (i = 0; i < args->npos && rc == 0; i++) {
		out = NULL;
		switch (route_srs_sender(srs, t, args->pos[i], args->for_domain,
					 now_of(args), &aliases, &out, &why,
					 &err)) {
		case 1:
			printf("%s\n", out);
			break;
		case 0:
			printf("%s\n", args->pos[i]);
			fprintf(stderr, "milter-ctl: %s: not rewritten: %s\n",
				args->pos[i], why);
			break;
		default:
			rc = ctl_fail_on(&err, args->pos[i]);
		}
		free(out);
	}
	route_table_unref(&t);
	route_srs_unref(&srs);
	return rc;
}

/*
 * cmd_srs_reverse - where mail to each SRS ADDRESS is delivered: the
 * original sender (or the first forwarder's SRS0 address for SRS1).  An
 * address route-milter would refuse stops here with the reason, exit 1.
 */
int
cmd_srs_reverse(struct ctl *ctl, const struct ctl_args *args)
{
	struct route_srs_aliases aliases;
	struct route_srs *srs = NULL;
	struct route_error err;
	char *orig;
	size_t i;
	int rc;

	if ((rc = srs_open(ctl, &srs)) != 0)
		return rc;
	route_store_srs_aliases(ctl->store, &aliases);
	for (i = 0; i < args->npos && rc == 0; i++) {
		orig = NULL;
		switch (route_srs_rcpt(srs, args->pos[i], now_of(args),
				       &aliases, &orig, &err)) {
		case 1:
			printf("%s\n", orig);
			break;
		case 0:
			fprintf(stderr,
				"milter-ctl: %s: not an SRS address in an SRS "
				"domain of this host; it is routed as any "
				"other address\n",
				args->pos[i]);
			rc = CTL_EXIT_REFUSED;
			break;
		default:
			rc = ctl_fail_on(&err, args->pos[i]);
		}
		free(orig);
	}
	route_srs_unref(&srs);
	return rc;
}
