/*
 * cmd_dest.c - "milter-ctl dest ...": the mailboxes mail may be forwarded
 * to.  A destination starts pending and a forward rule that uses it stays
 * inactive until "dest verify", so mail is never sent to an address whose
 * owner did not agree to receive it.
 */
#include <stdlib.h>

#include <libroute/addr.h>

#include "ctl.h"

/* cmd_dest_check - refuse what is not a mailbox before the store. */
int
cmd_dest_check(const struct ctl *ctl, const struct ctl_args *args)
{
	struct route_error err;
	struct route_addr a;
	bool mailbox;

	(void)ctl;
	if (route_addr_parse(args->pos[0], &a, &err) == -1)
		return ctl_fail_on(&err, args->pos[0]);
	mailbox = !a.null_path && a.domain != NULL;
	route_addr_free(&a);
	if (mailbox)
		return 0;
	fprintf(stderr,
		"milter-ctl: destination \"%s\" is not a mailbox "
		"(user@domain)\n",
		args->pos[0]);
	return CTL_EXIT_REFUSED;
}

/*
 * dest_change - one of the store's changes to the destination ADDR, then
 * "VERB destination ADDR NOTE" with ADDR in its stored form.
 */
static int
dest_change(struct ctl *ctl, const struct ctl_args *args,
	    int (*change)(struct route_store *, const struct route_actor *,
			  const char *, struct route_error *),
	    const char *verb, const char *note)
{
	struct route_error err;
	char *shown;

	if (change(ctl->store, &ctl->actor, args->pos[0], &err) == -1)
		return ctl_fail_on(&err, args->pos[0]);
	shown = ctl_stored_form(args->pos[0], route_addr_normalise);
	printf("%s destination %s%s\n", verb, shown, note);
	free(shown);
	return CTL_EXIT_OK;
}

/* cmd_dest_add - add a destination, pending until verified. */
int
cmd_dest_add(struct ctl *ctl, const struct ctl_args *args)
{
	return dest_change(ctl, args, route_store_dest_add, "added",
			   " (pending until verified)");
}

/* cmd_dest_list - every destination and whether it is verified. */
int
cmd_dest_list(struct ctl *ctl, const struct ctl_args *args)
{
	static const char *const headers[] = {"ADDRESS", "STATUS"};
	struct route_store_dest *list;
	struct route_error err;
	struct ctl_table *t;
	struct ctl_json j;
	size_t n, i;

	if (route_store_dest_list(ctl->store, &list, &n, &err) == -1)
		return ctl_fail(&err);
	if (args->json) {
		ctl_json_init(&j, stdout);
		ctl_json_begin_array(&j);
		for (i = 0; i < n; i++) {
			ctl_json_begin_object(&j);
			ctl_json_member_string(&j, "address", list[i].addr);
			ctl_json_member_string(&j, "status",
					       list[i].verified ? "verified"
								: "pending");
			ctl_json_member_int(&j, "created", list[i].created);
			ctl_json_key(&j, "verified_at");
			if (list[i].verified)
				ctl_json_int(&j, list[i].verified_at);
			else
				ctl_json_null(&j);
			ctl_json_end_object(&j);
		}
		ctl_json_end_array(&j);
		ctl_json_finish(&j);
	} else {
		t = ctl_table_new(2, headers);
		for (i = 0; i < n; i++) {
			const char *row[] = {
			    list[i].addr,
			    list[i].verified ? "verified" : "pending",
			};
			ctl_table_add(t, row);
		}
		ctl_table_print(t, stdout);
		ctl_table_free(&t);
	}
	route_store_dest_list_free(&list, n);
	return CTL_EXIT_OK;
}

/* cmd_dest_verify - mark a destination verified; its rules become active. */
int
cmd_dest_verify(struct ctl *ctl, const struct ctl_args *args)
{
	return dest_change(ctl, args, route_store_dest_verify, "verified", "");
}

/* cmd_dest_remove - remove a destination no rule uses. */
int
cmd_dest_remove(struct ctl *ctl, const struct ctl_args *args)
{
	return dest_change(ctl, args, route_store_dest_remove, "removed", "");
}
