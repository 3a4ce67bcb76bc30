/*
 * cmd_domain.c - "milter-ctl domain ...": the domains whose mail is routed.
 * The store checks every change; these functions only turn arguments into
 * a store call and its result into one line or a listing.
 */
#include <stdio.h>
#include <stdlib.h>

#include <libroute/addr.h>

#include "ctl.h"

/* cmd_domain_check - refuse a malformed domain name before the store. */
int
cmd_domain_check(const struct ctl *ctl, const struct ctl_args *args)
{
	struct route_error err;
	char *norm;

	(void)ctl;
	if (route_domain_normalise(args->pos[0], &norm, &err) == -1)
		return ctl_fail_on(&err, args->pos[0]);
	free(norm);
	return 0;
}

/* cmd_domain_set_check - the name, and a setting domain set knows. */
int
cmd_domain_set_check(const struct ctl *ctl, const struct ctl_args *args)
{
	struct route_error err;
	int rc = cmd_domain_check(ctl, args);

	if (rc != 0)
		return rc;
	if (route_domain_setting_parse(args->pos[1], args->pos[2], NULL, NULL,
				       &err) == -1)
		return ctl_fail(&err);
	return 0;
}

/* domain_done - "VERB domain NAME", NAME in its stored form. */
static int
domain_done(const char *verb, const char *name)
{
	char *shown = ctl_stored_form(name, route_domain_normalise);

	printf("%s domain %s\n", verb, shown);
	free(shown);
	return CTL_EXIT_OK;
}

/* cmd_domain_add - add a domain, with its settings from the options. */
int
cmd_domain_add(struct ctl *ctl, const struct ctl_args *args)
{
	struct route_domain_def def = {
	    .name = args->pos[0],
	    .enabled = !args->disabled,
	    .unknown = args->unknown,
	    .subaddress = !args->no_subaddress,
	};
	struct route_error err;

	if (route_store_domain_add(ctl->store, &ctl->actor, &def, &err) == -1)
		return ctl_fail_on(&err, args->pos[0]);
	return domain_done("added", def.name);
}

/* cmd_domain_list - every domain and its settings. */
int
cmd_domain_list(struct ctl *ctl, const struct ctl_args *args)
{
	static const char *const headers[] = {"NAME", "ENABLED", "UNKNOWN",
					      "SUBADDRESS"};
	struct route_store_domain *list;
	struct route_error err;
	struct ctl_table *t;
	struct ctl_json j;
	size_t n, i;

	if (route_store_domain_list(ctl->store, &list, &n, &err) == -1)
		return ctl_fail(&err);
	if (args->json) {
		ctl_json_init(&j, stdout);
		ctl_json_begin_array(&j);
		for (i = 0; i < n; i++) {
			ctl_json_begin_object(&j);
			ctl_json_member_string(&j, "name", list[i].name);
			ctl_json_member_bool(&j, "enabled", list[i].enabled);
			ctl_json_member_string(
			    &j, "unknown",
			    list[i].unknown == ROUTE_UNKNOWN_PASS ? "pass"
								  : "reject");
			ctl_json_member_bool(&j, "subaddress",
					     list[i].subaddress);
			ctl_json_member_int(&j, "created", list[i].created);
			ctl_json_end_object(&j);
		}
		ctl_json_end_array(&j);
		ctl_json_finish(&j);
	} else {
		t = ctl_table_new(4, headers);
		for (i = 0; i < n; i++) {
			const char *row[] = {
			    list[i].name,
			    list[i].enabled ? "yes" : "no",
			    list[i].unknown == ROUTE_UNKNOWN_PASS ? "pass"
								  : "reject",
			    list[i].subaddress ? "on" : "off",
			};
			ctl_table_add(t, row);
		}
		ctl_table_print(t, stdout);
		ctl_table_free(&t);
	}
	route_store_domain_list_free(&list, n);
	return CTL_EXIT_OK;
}

/* cmd_domain_set - change one setting of a domain. */
int
cmd_domain_set(struct ctl *ctl, const struct ctl_args *args)
{
	struct route_error err;
	char *name;

	if (route_store_domain_set(ctl->store, &ctl->actor, args->pos[0],
				   args->pos[1], args->pos[2], &err) == -1)
		return ctl_fail_on(&err, args->pos[0]);
	name = ctl_stored_form(args->pos[0], route_domain_normalise);
	printf("domain %s: %s %s\n", name, args->pos[1], args->pos[2]);
	free(name);
	return CTL_EXIT_OK;
}

/* cmd_domain_remove - remove a domain that nothing uses any more. */
int
cmd_domain_remove(struct ctl *ctl, const struct ctl_args *args)
{
	struct route_error err;

	if (route_store_domain_remove(ctl->store, &ctl->actor, args->pos[0],
				      &err) == -1)
		return ctl_fail_on(&err, args->pos[0]);
	return domain_done("removed", args->pos[0]);
}
