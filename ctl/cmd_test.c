/*
 * cmd_test.c - "milter-ctl test" and "milter-ctl audit": the read-only
 * commands.  test builds the rule table from the store and asks it with
 * route_table_lookup, the call the milter makes, and shows the reply with
 * route_decision_reply and route_rcpt_reply_text, the words the milter
 * sends; it never decides
 * anything itself, so it cannot disagree with the daemons.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include <libroute/addr.h>
#include <libroute/alloc.h>
#include <libroute/srs.h>

#include "ctl.h"

/* check_sender - refuse a --from that is not an SMTP path ("<>" is one). */
static int
check_sender(const char *from, struct route_error *err)
{
	struct route_addr addr;
	struct route_error perr;

	if (route_addr_parse(from, &addr, &perr) == -1)
		return route_error_set(err, perr.code, "sender %s: %s", from,
				       perr.msg);
	route_addr_free(&addr);
	return 0;
}

/*
 * cmd_test_check - refuse a bad --from, or a recipient without any domain
 * to look up, before the store is opened.
 */
int
cmd_test_check(const struct ctl *ctl, const struct ctl_args *args)
{
	struct route_error err;
	struct route_addr a;
	char *domain;
	bool null_path;

	(void)ctl;
	if (args->from != NULL && check_sender(args->from, &err) == -1)
		return ctl_fail(&err);
	domain = route_path_domain(args->pos[0]);
	if (domain != NULL) { /* even malformed: the table decides */
		free(domain);
		return 0;
	}
	if (route_addr_parse(args->pos[0], &a, &err) == -1)
		return ctl_fail_on(&err, args->pos[0]);
	null_path = a.null_path;
	route_addr_free(&a);
	if (!null_path)
		return 0;
	fprintf(stderr, "milter-ctl: the null path <> is not a recipient\n");
	return CTL_EXIT_REFUSED;
}

/*
 * malformed_not_routed - the decision for a malformed recipient in a
 * domain the table does not route: the milter passes it untouched.
 */
static void
malformed_not_routed(const char *rcpt, const struct route_error *perr,
		     struct route_decision *d)
{
	char *domain = route_path_domain(rcpt);

	memset(d, 0, sizeof(*d));
	d->verdict = ROUTE_NOT_ROUTED;
	snprintf(d->why, sizeof(d->why),
		 "malformed address (%.80s); domain %.100s is not routed, so "
		 "the mail passes untouched",
		 perr->msg, domain != NULL ? domain : "?");
	free(domain);
}

/* reply_line - the whole reply a refused sender sees, or NULL. */
static char *
reply_line(const struct ctl_args *args, const struct route_decision *d)
{
	const char *code, *xcode, *text;
	char *full, *line;

	if (!route_decision_reply(d, &code, &xcode, &text))
		return NULL;
	full = route_rcpt_reply_text(args->pos[0], text);
	line = route_xasprintf("%s %s %s", code, xcode, full);
	free(full);
	return line;
}

/* in_srs_domain - whether rcpt's domain is one of the configured SRS
 * domains (the configuration holds them normalised). */
static bool
in_srs_domain(const struct route_srs_opts *o, const char *rcpt)
{
	char *raw = route_path_domain(rcpt), *domain = NULL;
	bool found = false;
	size_t i;

	if (raw != NULL && route_domain_normalise(raw, &domain, NULL) == 0) {
		found = strcmp(domain, o->domain) == 0;
		for (i = 0; i < o->noverrides && !found; i++)
			found = strcmp(domain, o->overrides[i].srs_domain) == 0;
	}
	free(raw);
	free(domain);
	return found;
}

/*
 * srs_decision - what the milter does with rcpt when it is an SRS address
 * in one of our SRS domains, as a decision: a forward to the address it
 * stands for, or a refusal with route_srs_reply's words.  Returns 1 with
 * *d filled, 0 when rcpt is no such address (or SRS is off), -1 with the
 * exit code in *exit_r after a failure it has reported.
 */
static int
srs_decision(struct ctl *ctl, const char *rcpt, struct route_decision *d,
	     int *exit_r)
{
	struct route_srs_aliases aliases;
	const char *code, *xcode, *text;
	struct route_srs *srs = NULL;
	struct route_error err;
	char *orig = NULL;
	int rc;

	/* The secrets are read only when they can matter. */
	if (ctl->cfg->srs.domain == NULL ||
	    !in_srs_domain(&ctl->cfg->srs, rcpt))
		return 0;
	if (route_srs_load(&ctl->cfg->srs, &srs, &err) == -1) {
		*exit_r = ctl_fail(&err);
		return -1;
	}
	route_store_srs_aliases(ctl->store, &aliases);
	memset(d, 0, sizeof(*d));
	rc = route_srs_rcpt(srs, rcpt, (int64_t)time(NULL), &aliases, &orig,
			    &err);
	route_srs_unref(&srs);
	if (rc == 0)
		return 0;
	if (rc == -1 && err.code == ROUTE_ESYS) {
		*exit_r = ctl_fail(&err);
		return -1;
	}
	if (rc == 1) {
		d->verdict = ROUTE_FORWARD;
		d->dests = route_xcalloc(1, sizeof(*d->dests));
		d->dests[0] = orig;
		d->ndests = 1;
		snprintf(d->why, sizeof(d->why),
			 "a valid SRS address: mail to it goes back to %.200s",
			 orig);
		return 1;
	}
	route_srs_reply(&err, &code, &xcode, &text);
	d->verdict = ROUTE_REJECT;
	d->text = text;
	snprintf(d->why, sizeof(d->why), "SRS address refused: %.200s",
		 err.msg);
	return 1;
}

/* test_print_json - the decision as one JSON object. */
static void
test_print_json(const struct ctl_args *args, const struct route_decision *d,
		bool srs)
{
	struct ctl_json j;
	char *reply;
	size_t i;

	ctl_json_init(&j, stdout);
	ctl_json_begin_object(&j);
	ctl_json_member_string(&j, "recipient", args->pos[0]);
	ctl_json_member_string(&j, "sender", args->from);
	ctl_json_member_string(&j, "action", route_verdict_name(d->verdict));
	ctl_json_member_string(&j, "reason",
			       srs ? "srs" : route_reason_name(d->reason));
	ctl_json_key(&j, "rule_id");
	if (d->rule_id != 0)
		ctl_json_int(&j, d->rule_id);
	else
		ctl_json_null(&j);
	ctl_json_member_string(&j, "rule", d->rule_match);
	ctl_json_key(&j, "destinations");
	ctl_json_begin_array(&j);
	for (i = 0; i < d->ndests; i++)
		ctl_json_string(&j, d->dests[i]);
	ctl_json_end_array(&j);
	reply = reply_line(args, d);
	ctl_json_member_string(&j, "reply", reply);
	free(reply);
	ctl_json_member_string(&j, "why", d->why);
	ctl_json_end_object(&j);
	ctl_json_finish(&j);
}

/* test_print_text - the decision as "key: value" lines. */
static void
test_print_text(const struct ctl_args *args, const struct route_decision *d,
		bool srs)
{
	char *reply;
	size_t i;

	printf("recipient: %s\n", args->pos[0]);
	if (args->from != NULL)
		printf("sender: %s\n", args->from);
	printf("action: %s\n", route_verdict_name(d->verdict));
	if (srs)
		puts("matched: srs");
	else if (d->rule_id != 0)
		printf("matched: %s, rule %lld (%s)\n",
		       route_reason_name(d->reason), (long long)d->rule_id,
		       d->rule_match ? d->rule_match : "");
	else
		printf("matched: %s\n", route_reason_name(d->reason));
	if (d->verdict == ROUTE_FORWARD) {
		fputs("destinations:", stdout);
		for (i = 0; i < d->ndests; i++)
			printf("%s %s", i ? "," : "", d->dests[i]);
		puts(d->ndests == 0 ? " none" : "");
	}
	if ((reply = reply_line(args, d)) != NULL)
		printf("reply: %s\n", reply);
	free(reply);
	printf("why: %s\n", d->why);
}

/* cmd_test - what the milter would do with mail for RCPT. */
int
cmd_test(struct ctl *ctl, const struct ctl_args *args)
{
	struct route_decision d;
	struct route_table *t;
	struct route_error err;
	int srs, rc;

	/* The milter looks at SRS addresses first. */
	if ((srs = srs_decision(ctl, args->pos[0], &d, &rc)) == -1)
		return rc;
	if (route_store_load(ctl->store, &t, NULL, &err) == -1) {
		if (srs)
			route_decision_clear(&d);
		return ctl_fail(&err);
	}
	if (!srs && route_table_lookup(t, args->pos[0], &d, &err) == -1) {
		/* As the milter: 553 5.1.3 only in a domain it routes. */
		if (err.code != ROUTE_EINVAL ||
		    route_table_path_routed(t, args->pos[0])) {
			route_table_unref(&t);
			return ctl_fail_on(&err, args->pos[0]);
		}
		malformed_not_routed(args->pos[0], &err, &d);
	}
	if (args->json)
		test_print_json(args, &d, srs == 1);
	else
		test_print_text(args, &d, srs == 1);
	route_decision_clear(&d);
	route_table_unref(&t);
	return CTL_EXIT_OK;
}

/* audit_time - local time as "2024-05-01 10:00:00". */
static void
audit_time(int64_t when, char *buf, size_t len)
{
	time_t tt = (time_t)when;
	struct tm tm;

	if (localtime_r(&tt, &tm) == NULL ||
	    strftime(buf, len, "%Y-%m-%d %H:%M:%S", &tm) == 0)
		snprintf(buf, len, "%lld", (long long)when);
}

/* audit_json - one object per change, with the old and new values. */
static void
audit_json(const struct route_audit_entry *list, size_t n)
{
	struct ctl_json j;
	size_t i;

	ctl_json_init(&j, stdout);
	ctl_json_begin_array(&j);
	for (i = 0; i < n; i++) {
		ctl_json_begin_object(&j);
		ctl_json_member_int(&j, "id", list[i].id);
		ctl_json_member_int(&j, "time", list[i].time);
		ctl_json_member_string(&j, "user", list[i].user);
		ctl_json_member_string(&j, "command", list[i].command);
		ctl_json_member_string(&j, "old", list[i].old_value);
		ctl_json_member_string(&j, "new", list[i].new_value);
		ctl_json_end_object(&j);
	}
	ctl_json_end_array(&j);
	ctl_json_finish(&j);
}

/*
 * audit_text - one line per change, "#ID TIME USER: COMMAND", then the
 * object as it was ("-") and as it became ("+"), like a diff.
 */
static void
audit_text(const struct route_audit_entry *list, size_t n)
{
	char when[32];
	size_t i;

	for (i = 0; i < n; i++) {
		audit_time(list[i].time, when, sizeof(when));
		printf("#%lld %s ", (long long)list[i].id, when);
		ctl_print_clean(stdout, list[i].user);
		fputs(": ", stdout);
		ctl_print_clean(stdout, list[i].command);
		if (list[i].old_value != NULL) {
			fputs("\n  - ", stdout);
			ctl_print_clean(stdout, list[i].old_value);
		}
		if (list[i].new_value != NULL) {
			fputs("\n  + ", stdout);
			ctl_print_clean(stdout, list[i].new_value);
		}
		fputc('\n', stdout);
	}
}

/* cmd_audit - who changed what, newest last. */
int
cmd_audit(struct ctl *ctl, const struct ctl_args *args)
{
	struct route_audit_entry *list;
	struct route_error err;
	size_t n;

	if (route_store_audit_list(ctl->store, args->limit, &list, &n, &err) ==
	    -1)
		return ctl_fail(&err);
	if (args->json)
		audit_json(list, n);
	else
		audit_text(list, n);
	route_store_audit_list_free(&list, n);
	return CTL_EXIT_OK;
}
