/*
 * cmd_rule.c - "milter-ctl rule ...": what happens to mail for an address.
 * A rule's state (active, disabled, inactive) is not stored: it is asked of
 * a rule table built from the store, the same table the milter builds, so
 * "rule list" shows what the milter will really do.
 */
#include <stdlib.h>
#include <string.h>

#include <libroute/alloc.h>

#include "ctl.h"

/* What a rule's state is decided from: the table and the domains. */
struct rule_states {
	struct route_table *table;
	struct route_store_domain *domains;
	size_t ndomains;
};

/* states_load - build the table and read the domains. */
static int
states_load(struct ctl *ctl, struct rule_states *st, struct route_error *err)
{
	memset(st, 0, sizeof(*st));
	if (route_store_load(ctl->store, &st->table, NULL, err) == -1)
		return -1;
	if (route_store_domain_list(ctl->store, &st->domains, &st->ndomains,
				    err) == -1) {
		route_table_unref(&st->table);
		return -1;
	}
	return 0;
}

/* states_free - release what states_load got. */
static void
states_free(struct rule_states *st)
{
	route_table_unref(&st->table);
	route_store_domain_list_free(&st->domains, st->ndomains);
}

/*
 * A rule's state as "rule list" shows it: "active", "disabled" or
 * "inactive"; for inactive, why in a word a script can test (reason) and,
 * for a forward, the destination that keeps it so (because).
 */
struct rule_status {
	const char *state;
	const char *reason;  /* "domain disabled", "destination pending",
				"destination leads nowhere", or NULL */
	const char *because; /* points into the table, or NULL */
	bool pending;	     /* because is outside our domains */
};

/* rule_state - what st says of rule r; the strings live as long as st. */
static void
rule_state(const struct rule_states *st, const struct route_store_rule *r,
	   struct rule_status *s)
{
	const char *at = strrchr(r->match, '@');
	size_t i;

	memset(s, 0, sizeof(*s));
	s->state = "inactive";
	if (!r->enabled) {
		s->state = "disabled";
		return;
	}
	for (i = 0; at != NULL && i < st->ndomains; i++)
		if (strcmp(st->domains[i].name, at + 1) == 0 &&
		    !st->domains[i].enabled) {
			s->reason = "domain disabled";
			return;
		}
	if (route_table_rule_active(st->table, r->id) == 1) {
		s->state = "active";
		return;
	}
	s->because = route_table_rule_blocker(st->table, r->id, 0, &s->pending);
	if (s->because != NULL)
		s->reason = s->pending ? "destination pending"
				       : "destination leads nowhere";
}

/* rule_state_text - the state as one column: "inactive (why)". */
static char *
rule_state_text(const struct rule_states *st, const struct route_store_rule *r)
{
	struct rule_status s;

	rule_state(st, r, &s);
	if (s.because != NULL)
		return route_xasprintf("%s (%s %s)", s.state, s.because,
				       s.pending ? "not verified"
						 : "leads nowhere");
	if (s.reason != NULL)
		return route_xasprintf("%s (%s)", s.state, s.reason);
	return route_xstrdup(s.state);
}

/* rule_target - destinations joined by sep, or the quoted reject text. */
static char *
rule_target(const struct route_store_rule *r, const char *sep)
{
	char *s, *next;
	size_t i;

	if (r->action == ROUTE_ACTION_REJECT && r->text != NULL)
		return route_xasprintf("\"%s\"", r->text);
	if (r->action != ROUTE_ACTION_FORWARD || r->ndests == 0)
		return NULL;
	s = route_xstrdup(r->dests[0]);
	for (i = 1; i < r->ndests; i++) {
		next = route_xasprintf("%s%s%s", s, sep, r->dests[i]);
		free(s);
		s = next;
	}
	return s;
}

/*
 * warn_after_change - the change was committed, but reading it back for
 * the report failed: say so, and still exit 0, as the rule is there.
 */
static int
warn_after_change(const struct route_error *err)
{
	fprintf(stderr,
		"milter-ctl: warning: the rule was added, but reading it "
		"back failed: %s\n",
		err->msg);
	return CTL_EXIT_OK;
}

/* join_blockers - the destinations keeping rule id inactive that are
 * pending (or not), joined by ", "; NULL for none.  *n_r counts them. */
static char *
join_blockers(const struct rule_states *st, int64_t id, bool pending,
	      size_t *n_r)
{
	const char *addr;
	char *s = NULL, *next;
	bool p;
	size_t k;

	*n_r = 0;
	for (k = 0;
	     (addr = route_table_rule_blocker(st->table, id, k, &p)) != NULL;
	     k++) {
		if (p != pending)
			continue;
		next =
		    route_xasprintf("%s%s%s", s ? s : "", s ? ", " : "", addr);
		free(s);
		s = next;
		(*n_r)++;
	}
	return s;
}

/* print_inactive - why a rule just added does not match yet. */
static int
print_inactive(struct ctl *ctl, const struct route_store_rule *r)
{
	struct route_error err;
	struct rule_states st;
	struct rule_status s;
	char *pending, *nowhere;
	size_t np, nn;

	if (states_load(ctl, &st, &err) == -1)
		return warn_after_change(&err);
	rule_state(&st, r, &s);
	if (strcmp(s.state, "inactive") != 0) {
		states_free(&st);
		return CTL_EXIT_OK;
	}
	pending = join_blockers(&st, r->id, true, &np);
	nowhere = join_blockers(&st, r->id, false, &nn);
	states_free(&st);
	if (s.because == NULL && s.reason != NULL)
		printf("rule %lld is inactive: %s\n", (long long)r->id,
		       s.reason);
	if (pending != NULL)
		printf("rule %lld is inactive until %s %s verified "
		       "(milter-ctl dest verify)\n",
		       (long long)r->id, pending, np > 1 ? "are" : "is");
	if (nowhere != NULL)
		printf("rule %lld is inactive: %s %s nowhere\n",
		       (long long)r->id, nowhere, nn > 1 ? "lead" : "leads");
	if (s.reason == NULL && pending == NULL && nowhere == NULL)
		printf("rule %lld is inactive: it does not match\n",
		       (long long)r->id);
	free(pending);
	free(nowhere);
	return CTL_EXIT_OK;
}

/* print_added - "added rule 3: info@example.com forward me@gmail.com". */
static int
print_added(struct ctl *ctl, int64_t id)
{
	struct route_store_rule *list;
	struct route_error err;
	char *target;
	size_t n, i;
	int rc;

	if (route_store_rule_list(ctl->store, &list, &n, &err) == -1) {
		printf("added rule %lld\n", (long long)id);
		return warn_after_change(&err);
	}
	for (i = 0; i < n && list[i].id != id; i++)
		continue;
	if (i == n) {
		/* Another milter-ctl removed it already; the add still held. */
		printf("added rule %lld\n", (long long)id);
		route_store_rule_list_free(&list, n);
		return CTL_EXIT_OK;
	}
	target = rule_target(&list[i], " ");
	printf("added rule %lld: %s %s%s%s\n", (long long)id, list[i].match,
	       route_action_name(list[i].action), target ? " " : "",
	       target ? target : "");
	free(target);
	rc = print_inactive(ctl, &list[i]);
	route_store_rule_list_free(&list, n);
	return rc;
}

/*
 * rule_def_from_args - MATCH forward DEST... | drop | reject [TEXT] and the
 * options as a rule definition; 0, or the exit code of a usage error.
 */
static int
rule_def_from_args(const struct ctl *ctl, const struct ctl_args *args,
		   struct route_rule_def *def)
{
	memset(def, 0, sizeof(*def));
	def->match = args->pos[0];
	def->enabled = !args->disabled;
	def->priority = args->priority;
	def->comment = args->comment;
	if (route_action_parse(args->pos[1], &def->action) == -1)
		return ctl_usage_error(ctl,
				       "unknown action '%s' (forward, drop or "
				       "reject)",
				       args->pos[1]);
	switch (def->action) {
	case ROUTE_ACTION_FORWARD:
		if (args->npos < 3)
			return ctl_usage_error(ctl, "forward needs at least "
						    "one destination");
		def->dests = (const char *const *)(args->pos + 2);
		def->ndests = args->npos - 2;
		break;
	case ROUTE_ACTION_DROP:
		if (args->npos > 2)
			return ctl_usage_error(ctl, "drop takes no arguments");
		break;
	case ROUTE_ACTION_REJECT:
		if (args->npos > 3)
			return ctl_usage_error(ctl, "reject takes one TEXT; "
						    "quote it");
		def->text = args->npos == 3 ? args->pos[2] : NULL;
		break;
	}
	return 0;
}

/* cmd_rule_add_check - refuse a malformed rule add before the store. */
int
cmd_rule_add_check(const struct ctl *ctl, const struct ctl_args *args)
{
	struct route_rule_def def;

	return rule_def_from_args(ctl, args, &def);
}

/* cmd_rule_add - add a rule and say whether it is active. */
int
cmd_rule_add(struct ctl *ctl, const struct ctl_args *args)
{
	struct route_rule_def def;
	struct route_error err;
	int64_t id;
	int rc;

	rc = rule_def_from_args(ctl, args, &def);
	if (rc != 0)
		return rc;
	if (route_store_rule_add(ctl->store, &ctl->actor, &def, &id, &err) ==
	    -1)
		return ctl_fail(&err);
	return print_added(ctl, id);
}

/* rule_list_json - one object per rule. */
static void
rule_list_json(const struct rule_states *st,
	       const struct route_store_rule *list, size_t n)
{
	enum route_match kind;
	struct rule_status s;
	struct ctl_json j;
	size_t i, k;

	ctl_json_init(&j, stdout);
	ctl_json_begin_array(&j);
	for (i = 0; i < n; i++) {
		ctl_json_begin_object(&j);
		ctl_json_member_int(&j, "id", list[i].id);
		ctl_json_member_string(&j, "match", list[i].match);
		ctl_json_key(&j, "kind");
		if (route_rule_match_kind(list[i].match, &kind, NULL) == -1)
			ctl_json_null(&j);
		else
			ctl_json_string(&j, kind == ROUTE_MATCH_EXACT ? "exact"
					    : kind == ROUTE_MATCH_PATTERN
						? "pattern"
						: "catch-all");
		ctl_json_member_string(&j, "action",
				       route_action_name(list[i].action));
		ctl_json_key(&j, "destinations");
		ctl_json_begin_array(&j);
		for (k = 0; k < list[i].ndests; k++)
			ctl_json_string(&j, list[i].dests[k]);
		ctl_json_end_array(&j);
		ctl_json_member_string(&j, "text", list[i].text);
		ctl_json_member_bool(&j, "enabled", list[i].enabled);
		ctl_json_member_int(&j, "priority", list[i].priority);
		ctl_json_member_string(&j, "comment", list[i].comment);
		rule_state(st, &list[i], &s);
		ctl_json_member_string(&j, "state", s.state);
		ctl_json_member_string(&j, "inactive_reason", s.reason);
		ctl_json_member_string(&j, "inactive_because", s.because);
		ctl_json_member_int(&j, "created", list[i].created);
		ctl_json_end_object(&j);
	}
	ctl_json_end_array(&j);
	ctl_json_finish(&j);
}

/* rule_list_table - ID MATCH ACTION TARGET STATE COMMENT. */
static void
rule_list_table(const struct rule_states *st,
		const struct route_store_rule *list, size_t n)
{
	static const char *const headers[] = {"ID",	"MATCH", "ACTION",
					      "TARGET", "STATE", "COMMENT"};
	struct ctl_table *t = ctl_table_new(6, headers);
	char id[24], *target, *state;
	size_t i;

	for (i = 0; i < n; i++) {
		snprintf(id, sizeof(id), "%lld", (long long)list[i].id);
		target = rule_target(&list[i], ",");
		state = rule_state_text(st, &list[i]);
		const char *row[] = {
		    id,	    list[i].match, route_action_name(list[i].action),
		    target, state,	   list[i].comment,
		};
		ctl_table_add(t, row);
		free(target);
		free(state);
	}
	ctl_table_print(t, stdout);
	ctl_table_free(&t);
}

/* cmd_rule_list - every rule with its state. */
int
cmd_rule_list(struct ctl *ctl, const struct ctl_args *args)
{
	struct route_store_rule *list;
	struct rule_states st;
	struct route_error err;
	size_t n;

	if (route_store_rule_list(ctl->store, &list, &n, &err) == -1)
		return ctl_fail(&err);
	if (states_load(ctl, &st, &err) == -1) {
		route_store_rule_list_free(&list, n);
		return ctl_fail(&err);
	}
	if (args->json)
		rule_list_json(&st, list, n);
	else
		rule_list_table(&st, list, n);
	states_free(&st);
	route_store_rule_list_free(&list, n);
	return CTL_EXIT_OK;
}

/* cmd_rule_remove - remove a rule by id or match. */
int
cmd_rule_remove(struct ctl *ctl, const struct ctl_args *args)
{
	struct route_error err;

	if (route_store_rule_remove(ctl->store, &ctl->actor, args->pos[0],
				    &err) == -1)
		return ctl_fail(&err);
	printf("removed rule %s\n", args->pos[0]);
	return CTL_EXIT_OK;
}

/* rule_set_enabled - the shared body of enable and disable. */
static int
rule_set_enabled(struct ctl *ctl, const char *sel, bool enabled)
{
	struct route_error err;

	if (route_store_rule_enable(ctl->store, &ctl->actor, sel, enabled,
				    &err) == -1)
		return ctl_fail(&err);
	printf("%s rule %s\n", enabled ? "enabled" : "disabled", sel);
	return CTL_EXIT_OK;
}

/* cmd_rule_enable - let a rule match again. */
int
cmd_rule_enable(struct ctl *ctl, const struct ctl_args *args)
{
	return rule_set_enabled(ctl, args->pos[0], true);
}

/* cmd_rule_disable - keep a rule but stop it matching. */
int
cmd_rule_disable(struct ctl *ctl, const struct ctl_args *args)
{
	return rule_set_enabled(ctl, args->pos[0], false);
}
