/*
 * rules_check.c - what route_table_builder_finish does with the whole set
 * of definitions: order each domain's patterns, decide which rules are
 * active, find where each destination in our own domains leads, index the
 * rule ids, and refuse forwarding loops and chains deeper than max_depth,
 * so that no lookup can ever loop.  Also the by-id queries on a table:
 * whether a rule is active, and which destinations keep it inactive.
 */
#include <stdlib.h>
#include <string.h>

#include <libroute/addr.h>
#include <libroute/alloc.h>
#include <libroute/rules.h>

#include "rules_int.h"

/* For sorting a domain's patterns: priority, then id, then order added. */
struct rt_sortpat {
	int64_t id;
	int32_t priority;
	uint32_t index;
	uint32_t ref;
};

/* For sorting rule ids when the rules were not added in id order. */
struct rt_sortid {
	int64_t id;
	uint32_t ref;
};

/* A rule being walked by the loop check, and its next destination. */
struct rt_frame {
	uint32_t ref;
	uint32_t next;
};

/* rule_at - the record of the i-th rule added. */
static struct rt_rule *
rule_at(const struct route_table *t, uint32_t i)
{
	return rt_rule_get(t, t->rule_refs[i]);
}

/* cmp_pattern - lookup order of patterns: priority, id, order added. */
static int
cmp_pattern(const void *va, const void *vb)
{
	const struct rt_sortpat *a = va, *b = vb;

	if (a->priority != b->priority)
		return a->priority < b->priority ? -1 : 1;
	if (a->id != b->id)
		return a->id < b->id ? -1 : 1;
	return a->index < b->index ? -1 : a->index > b->index;
}

/*
 * compile_patterns - each domain's patterns in lookup order, of those that
 * may be active (activity only ever drops from here on); drop_inactive
 * later keeps the active ones only, so lookups scan no dead patterns.
 */
static void
compile_patterns(struct route_table *t)
{
	struct rt_sortpat *s;
	struct rt_domain *d;
	struct rt_rule *r;
	uint32_t i, n = 0, k;

	for (i = 0; i < t->nrules; i++)
		if ((r = rule_at(t, i))->kind == ROUTE_MATCH_PATTERN &&
		    r->active) {
			t->domains[r->domain].npatterns++;
			n++;
		}
	for (i = 0, k = 0; i < t->ndomains; i++) {
		t->domains[i].patterns = k;
		k += t->domains[i].npatterns;
		t->domains[i].npatterns = 0;
	}
	s = route_xcalloc(n, sizeof(*s));
	for (i = 0; i < t->nrules; i++) {
		r = rule_at(t, i);
		if (r->kind != ROUTE_MATCH_PATTERN || !r->active)
			continue;
		d = &t->domains[r->domain];
		k = d->patterns + d->npatterns++;
		s[k].id = r->id;
		s[k].priority = r->priority;
		s[k].index = i;
		s[k].ref = t->rule_refs[i];
	}
	t->patterns = route_xcalloc(n, sizeof(*t->patterns));
	for (i = 0; i < t->ndomains; i++) {
		d = &t->domains[i];
		qsort(s + d->patterns, d->npatterns, sizeof(*s), cmp_pattern);
		for (k = d->patterns; k < d->patterns + d->npatterns; k++) {
			r = rt_rule_get(t, s[k].ref);
			t->patterns[k].rule = s[k].ref;
			t->patterns[k].len =
			    (uint32_t)(strrchr(r->key, '@') - r->key);
		}
	}
	free(s);
}

/* drop_inactive - keep only active patterns and catch-alls for lookups. */
static void
drop_inactive(struct route_table *t)
{
	uint32_t i, k, end, w = 0;
	struct rt_domain *d;

	for (i = 0; i < t->ndomains; i++) {
		d = &t->domains[i];
		end = d->patterns + d->npatterns;
		k = d->patterns;
		d->patterns = w;
		for (; k < end; k++)
			if (rt_rule_get(t, t->patterns[k].rule)->active)
				t->patterns[w++] = t->patterns[k];
		d->npatterns = w - d->patterns;
		if (d->catchall != RT_NONE &&
		    !rt_rule_get(t, d->catchall)->active)
			d->catchall = RT_NONE;
	}
}

/*
 * Which rules are active (rules.h) is a fixed point: an address of ours is
 * a valid destination when the lookup order takes it to an active forward
 * or drop rule (or a passing domain's default), and which rule it reaches
 * depends on which rules are active.  It is found from above: every rule
 * that may be active starts active; a forward with an invalid destination
 * turns inactive; the destinations that reached it are looked up again,
 * and one that fails now turns inactive the forwards that name it.
 * Activity only drops, and a destination that failed keeps failing (the
 * reject rule or refusing default it reached stays ahead of every rule
 * that drops out), so each forward turns inactive at most once.
 */
struct rt_activity {
	uint32_t *first_user; /* by dest, +1 at the end: start in users */
	uint32_t *users;      /* forwards naming each dest that may fail */
	uint32_t *reached;    /* by rule index: first dest targeting it */
	uint32_t *next;	      /* by dest: next dest with the same target */
	uint32_t *queue;      /* forwards turned inactive, to follow up */
	uint32_t nqueue;
};

/* may_fail - a destination whose validity can still change. */
static bool
may_fail(const struct rt_dest *d)
{
	return d->internal && !d->verified;
}

/*
 * resolve_dest - where destination i leads and whether it is valid.  The
 * key serves as the address: its local part is already folded, and
 * folding again changes nothing.
 */
static void
resolve_dest(struct route_table *t, uint32_t i)
{
	struct rt_dest *d = &t->dests[i];
	const struct rt_domain *dom;
	struct route_addr a;
	const char *at;
	struct rt_match m;

	at = strrchr(d->key, '@');
	a.null_path = false;
	a.local = route_xstrndup(d->key, (size_t)(at - d->key));
	a.domain = (char *)(at + 1);
	rt_resolve(t, &a, &m);
	free(a.local);
	d->target = RT_NONE;
	if (m.rule != RT_NONE &&
	    rt_rule_get(t, m.rule)->action != ROUTE_ACTION_REJECT)
		d->target = m.rule;
	dom = &t->domains[m.domain];
	d->valid = d->verified || d->target != RT_NONE ||
		   (m.rule == RT_NONE && dom->enabled &&
		    dom->unknown == ROUTE_UNKNOWN_PASS);
}

/* link_target - file destination i under the forward it reaches. */
static void
link_target(struct route_table *t, struct rt_activity *x, uint32_t i)
{
	const struct rt_rule *r;

	if (t->dests[i].target == RT_NONE)
		return;
	r = rt_rule_get(t, t->dests[i].target);
	if (r->action != ROUTE_ACTION_FORWARD)
		return; /* drop rules never turn inactive */
	x->next[i] = x->reached[r->index];
	x->reached[r->index] = i;
}

/* deactivate - turn forward ref inactive and queue it. */
static void
deactivate(struct route_table *t, struct rt_activity *x, uint32_t ref)
{
	rt_rule_get(t, ref)->active = false;
	x->queue[x->nqueue++] = ref;
}

/* index_users - for each destination that may fail, the forwards that
 * name it while still active: a first pass counts, a second files. */
static void
index_users(const struct route_table *t, struct rt_activity *x)
{
	uint32_t i, k, di, pass;
	const struct rt_rule *r;

	x->first_user = route_xcalloc((size_t)t->ndests + 1, sizeof(uint32_t));
	for (pass = 0; pass < 2; pass++) {
		for (i = 0; i < t->nrules; i++) {
			r = rule_at(t, i);
			if (r->action != ROUTE_ACTION_FORWARD || !r->active)
				continue;
			for (k = 0; k < r->ndests; k++) {
				di = rt_rule_dest(t, r, k);
				if (!may_fail(&t->dests[di]))
					continue;
				if (pass == 0)
					x->first_user[di + 1]++;
				else
					x->users[x->first_user[di]++] =
					    t->rule_refs[i];
			}
		}
		if (pass > 0)
			break;
		for (i = 0; i < t->ndests; i++)
			x->first_user[i + 1] += x->first_user[i];
		x->users =
		    route_xcalloc(x->first_user[t->ndests], sizeof(*x->users));
	}
	/* Filing moved each start to the next one's; move them back. */
	for (i = t->ndests; i > 0; i--)
		x->first_user[i] = x->first_user[i - 1];
	x->first_user[0] = 0;
}

/* follow_up - look again at what reached forward ref, now inactive. */
static void
follow_up(struct route_table *t, struct rt_activity *x, uint32_t ref)
{
	uint32_t i, nx, u;

	for (i = x->reached[rt_rule_get(t, ref)->index]; i != RT_NONE; i = nx) {
		nx = x->next[i];
		resolve_dest(t, i);
		link_target(t, x, i);
		if (t->dests[i].valid)
			continue;
		for (u = x->first_user[i]; u < x->first_user[i + 1]; u++)
			if (rt_rule_get(t, x->users[u])->active)
				deactivate(t, x, x->users[u]);
	}
}

/* settle - the fixed point, when some destination may fail. */
static void
settle(struct route_table *t)
{
	struct rt_activity x;
	const struct rt_rule *r;
	uint32_t i, k;

	memset(&x, 0, sizeof(x));
	x.reached = route_xmalloc((size_t)t->nrules * sizeof(*x.reached));
	memset(x.reached, 0xff, (size_t)t->nrules * sizeof(*x.reached));
	x.next = route_xmalloc((size_t)t->ndests * sizeof(*x.next));
	x.queue = route_xmalloc((size_t)t->nrules * sizeof(*x.queue));
	for (i = 0; i < t->ndests; i++)
		link_target(t, &x, i);
	index_users(t, &x);
	for (i = 0; i < t->nrules; i++) {
		r = rule_at(t, i);
		for (k = 0; k < r->ndests && r->active; k++)
			if (!t->dests[rt_rule_dest(t, r, k)].valid)
				deactivate(t, &x, t->rule_refs[i]);
	}
	for (i = 0; i < x.nqueue; i++)
		follow_up(t, &x, x.queue[i]);
	free(x.first_user);
	free(x.users);
	free(x.reached);
	free(x.next);
	free(x.queue);
}

/* mark_active - settle which rules are active and where each destination
 * of ours leads (its target, used by the loop check and by lookups). */
static void
mark_active(struct route_table *t)
{
	bool may_change = false;
	struct rt_rule *r;
	struct rt_dest *d;
	const char *dom;
	uint32_t i, k;

	for (i = 0; i < t->ndests; i++) {
		d = &t->dests[i];
		dom = strrchr(d->key, '@') + 1;
		d->internal = rt_domain_find(t, dom, strlen(dom)) != RT_NONE;
		d->valid = d->verified;
		may_change |= may_fail(d);
	}
	for (i = 0; i < t->nrules; i++) {
		r = rule_at(t, i);
		r->active = r->enabled;
		for (k = 0; k < r->ndests && r->active; k++) {
			d = &t->dests[rt_rule_dest(t, r, k)];
			r->active = d->verified || d->internal;
		}
	}
	compile_patterns(t);
	for (i = 0; i < t->ndests; i++)
		if (t->dests[i].internal)
			resolve_dest(t, i);
	if (may_change)
		settle(t);
	drop_inactive(t);
}

/* cmp_id - order of rule ids. */
static int
cmp_id(const void *va, const void *vb)
{
	const struct rt_sortid *a = va, *b = vb;

	if (a->id != b->id)
		return a->id < b->id ? -1 : 1;
	return a->ref < b->ref ? -1 : a->ref > b->ref;
}

/* index_ids - make rules findable by id; refuse an id given twice. */
static int
index_ids(struct route_table *t, struct route_error *err)
{
	struct rt_sortid *s;
	uint32_t i, n = 0;

	for (i = 0; i < t->nrules; i++)
		if (rule_at(t, i)->id == 0 ||
		    (i > 0 && rule_at(t, i)->id <= rule_at(t, i - 1)->id))
			break;
	if (i == t->nrules)
		return 0;
	s = route_xcalloc(t->nrules, sizeof(*s));
	for (i = 0; i < t->nrules; i++)
		if (rule_at(t, i)->id != 0) {
			s[n].id = rule_at(t, i)->id;
			s[n++].ref = t->rule_refs[i];
		}
	qsort(s, n, sizeof(*s), cmp_id);
	for (i = 1; i < n; i++)
		if (s[i].id == s[i - 1].id) {
			route_error_set(
			    err, ROUTE_EINVAL,
			    "rule id %lld is given twice (%s and %s)",
			    (long long)s[i].id,
			    rt_rule_match(rt_rule_get(t, s[i - 1].ref)),
			    rt_rule_match(rt_rule_get(t, s[i].ref)));
			free(s);
			return -1;
		}
	t->by_id = route_xcalloc(n, sizeof(*t->by_id));
	for (i = 0; i < n; i++)
		t->by_id[i] = s[i].ref;
	t->nby_id = n;
	free(s);
	return 0;
}

/* fwd_target - the forward rule destination k of r leads to, or RT_NONE. */
static uint32_t
fwd_target(const struct route_table *t, uint32_t ref, uint32_t k)
{
	uint32_t tg = t->dests[rt_rule_dest(t, rt_rule_get(t, ref), k)].target;

	return tg != RT_NONE &&
		       rt_rule_get(t, tg)->action == ROUTE_ACTION_FORWARD
		   ? tg
		   : RT_NONE;
}

/* dest_addr - the address of destination k of rule ref. */
static const char *
dest_addr(const struct route_table *t, uint32_t ref, uint32_t k)
{
	return t->dests[rt_rule_dest(t, rt_rule_get(t, ref), k)].addr;
}

/* match_of - the match string of rule ref. */
static const char *
match_of(const struct route_table *t, uint32_t ref)
{
	return rt_rule_match(rt_rule_get(t, ref));
}

/*
 * loop_error - name the loop the walk just closed: stack[i..sp) are the
 * rules on it, each frame's previous destination the address it went to.
 */
static int
loop_error(const struct route_table *t, const struct rt_frame *stack,
	   uint32_t sp, uint32_t tg, struct route_error *err)
{
	char buf[ROUTE_ERROR_MAX];
	const char *in, *addr;
	struct rt_line l;
	bool other = false;
	uint32_t i, j;

	for (i = 0; stack[i].ref != tg; i++)
		;
	rt_line_init(&l, buf, sizeof(buf));
	rt_line_add(&l, "forwarding loop: ");
	in = dest_addr(t, stack[sp - 1].ref, stack[sp - 1].next - 1);
	rt_line_add(&l, in);
	for (j = i; j < sp; j++) {
		other |= strcmp(match_of(t, stack[j].ref), in) != 0;
		in = addr = dest_addr(t, stack[j].ref, stack[j].next - 1);
		rt_line_add(&l, " -> ");
		rt_line_add(&l, addr);
	}
	/* Name the rules when a pattern or catch-all closed the loop. */
	if (other) {
		rt_line_add(&l, " (rules ");
		for (j = i; j < sp; j++) {
			rt_line_add(&l, j > i ? ", " : "");
			rt_line_add(&l, match_of(t, stack[j].ref));
		}
		rt_line_add(&l, ")");
	}
	return route_error_set(err, ROUTE_ECYCLE, "%s", buf);
}

/* chain_error - name the longest chain that starts at rule ref. */
static int
chain_error(const struct route_table *t, uint32_t ref, const uint32_t *depth,
	    struct route_error *err)
{
	char buf[ROUTE_ERROR_MAX];
	uint32_t k, tg = RT_NONE;
	struct rt_line l;
	uint32_t d;

	rt_line_init(&l, buf, sizeof(buf));
	rt_line_add(&l, match_of(t, ref));
	while ((d = depth[rt_rule_get(t, ref)->index]) > 1) {
		for (k = 0; k < rt_rule_get(t, ref)->ndests; k++) {
			tg = fwd_target(t, ref, k);
			if (tg != RT_NONE &&
			    depth[rt_rule_get(t, tg)->index] == d - 1)
				break;
		}
		rt_line_add(&l, " -> ");
		rt_line_add(&l, dest_addr(t, ref, k));
		ref = tg;
	}
	return route_error_set(err, ROUTE_ECYCLE,
			       "forwarding chain longer than %u rules: %s",
			       t->max_depth, buf);
}

/* can_start - a forward rule that some recipient can reach. */
static bool
can_start(const struct route_table *t, const struct rt_rule *r)
{
	return r->action == ROUTE_ACTION_FORWARD && r->active &&
	       t->domains[r->domain].enabled;
}

/* push - put rule ref on the walk's stack. */
static struct rt_frame *
push(struct rt_frame *stack, uint32_t *sp, uint32_t *cap, uint32_t ref)
{
	if (*sp == *cap) {
		*cap = *cap == 0 ? 16 : *cap * 2;
		stack = route_xrealloc(stack, *cap * sizeof(*stack));
	}
	stack[(*sp)++] = (struct rt_frame){ref, 0};
	return stack;
}

/*
 * check_loops - walk the forward rules depth first along the destinations
 * that reach other forward rules: meeting a rule still on the walk is a
 * loop; on leaving a rule its depth (rules in its longest chain) is known.
 * The walk keeps its own stack, as a refused chain may be long.
 */
static int
check_loops(const struct route_table *t, struct route_error *err)
{
	uint32_t i, tg, sp = 0, cap = 0, k, max, *depth;
	struct rt_frame *stack = NULL, *f;
	const struct rt_rule *r;
	uint8_t *state; /* by rule index: 0 not seen, 1 on the walk, 2 done */
	int rc = 0;

	for (i = 0; i < t->ndests; i++)
		if (t->dests[i].target != RT_NONE &&
		    rt_rule_get(t, t->dests[i].target)->action ==
			ROUTE_ACTION_FORWARD)
			break;
	if (i == t->ndests)
		return 0; /* no forward leads to another: depth 1 */
	state = route_xcalloc(t->nrules, sizeof(*state));
	depth = route_xcalloc(t->nrules, sizeof(*depth));
	for (i = 0; i < t->nrules && rc == 0; i++) {
		if (state[i] != 0 || !can_start(t, rule_at(t, i)))
			continue;
		stack = push(stack, &sp, &cap, t->rule_refs[i]);
		state[i] = 1;
		while (sp > 0 && rc == 0) {
			f = &stack[sp - 1];
			r = rt_rule_get(t, f->ref);
			if (f->next < r->ndests) {
				tg = fwd_target(t, f->ref, f->next++);
				if (tg == RT_NONE ||
				    state[rt_rule_get(t, tg)->index] == 2)
					continue;
				if (state[rt_rule_get(t, tg)->index] == 1) {
					rc = loop_error(t, stack, sp, tg, err);
					continue;
				}
				stack = push(stack, &sp, &cap, tg);
				state[rt_rule_get(t, tg)->index] = 1;
				continue;
			}
			for (k = 0, max = 0; k < r->ndests; k++)
				if ((tg = fwd_target(t, f->ref, k)) !=
					RT_NONE &&
				    depth[rt_rule_get(t, tg)->index] > max)
					max = depth[rt_rule_get(t, tg)->index];
			depth[r->index] = max + 1;
			state[r->index] = 2;
			if (depth[r->index] > t->max_depth)
				rc = chain_error(t, f->ref, depth, err);
			sp--;
		}
	}
	free(stack);
	free(state);
	free(depth);
	return rc;
}

/* rt_compile - everything finish() needs the whole set for. */
int
rt_compile(struct route_table *t, struct route_error *err)
{
	mark_active(t);
	if (index_ids(t, err) == -1)
		return -1;
	return check_loops(t, err);
}

/* rule_by_id - the record of the rule with store id, or NULL. */
static const struct rt_rule *
rule_by_id(const struct route_table *t, int64_t id)
{
	uint32_t lo = 0, hi = t->by_id != NULL ? t->nby_id : t->nrules, mid;
	const struct rt_rule *r;

	if (id == 0)
		return NULL;
	while (lo < hi) {
		mid = lo + (hi - lo) / 2;
		r = t->by_id != NULL ? rt_rule_get(t, t->by_id[mid])
				     : rule_at(t, mid);
		if (r->id == id)
			return r;
		if (r->id < id)
			lo = mid + 1;
		else
			hi = mid;
	}
	return NULL;
}

/* route_table_rule_active - 1 active, 0 inactive, -1 no such rule id. */
int
route_table_rule_active(const struct route_table *t, int64_t id)
{
	const struct rt_rule *r = rule_by_id(t, id);

	return r == NULL ? -1 : r->active ? 1 : 0;
}

/*
 * route_table_rule_blocker - the n-th invalid destination of an enabled,
 * inactive forward.  Validity is final once finish() returns (settle
 * re-resolves every destination whose target dropped out), so reading
 * it here agrees with what made the rule inactive.
 */
const char *
route_table_rule_blocker(const struct route_table *t, int64_t id, size_t n,
			 bool *pending_r)
{
	const struct rt_rule *r = rule_by_id(t, id);
	const struct rt_dest *d;
	uint32_t k;

	if (r == NULL || r->active || !r->enabled ||
	    r->action != ROUTE_ACTION_FORWARD)
		return NULL;
	for (k = 0; k < r->ndests; k++) {
		d = &t->dests[rt_rule_dest(t, r, k)];
		if (d->valid || n-- > 0)
			continue;
		if (pending_r != NULL)
			*pending_r = !d->internal;
		return d->addr;
	}
	return NULL;
}
