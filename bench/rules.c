/*
 * bench/rules.c - how fast the compiled rule table loads and answers and
 * what a rule costs: N exact forward rules (default 1,000,000) over 100
 * domains and 1,000 destinations, built in memory and (rules_store.c)
 * loaded from a SQLite store; lookups that hit and miss, from one thread
 * and several; route_addr_parse and a linear scan as the reference.
 */
#include <malloc.h>
#include <pthread.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include <libroute/addr.h>
#include <libroute/rules.h>

#include "rules.h"

#define NLOOKUPS 1000000
#define NSCAN 10000 /* rules in the linear-scan baseline */
#define NSCAN_LOOKUPS 2000
#define MAX_THREADS 8

/* Targets of the issue. */
#define TARGET_LOAD_S 3.0
#define TARGET_LOOKUP_NS 1000.0
#define TARGET_BYTES 200.0

/* How many figures were printed against a target, and how many missed. */
struct tally {
	int figures;
	int missed;
};

struct lookups {
	const struct route_table *t;
	const char *rcpts; /* n addresses, ADDR_LEN bytes apart */
	size_t n;
	enum route_verdict want;
	size_t wrong;
};

/* now - monotonic seconds. */
double
now(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return ts.tv_sec + ts.tv_nsec / 1e9;
}

/* heap - bytes in use on the heap, mmapped blocks included. */
size_t
heap(void)
{
	struct mallinfo2 mi = mallinfo2();

	return mi.uordblks + mi.hblkhd;
}

/* rss - resident set size in bytes, a check on heap() that also works
 * where the allocator is replaced (sanitizers). */
static size_t
rss(void)
{
	unsigned long size, resident = 0;
	FILE *f = fopen("/proc/self/statm", "r");

	if (f != NULL) {
		if (fscanf(f, "%lu %lu", &size, &resident) != 2)
			resident = 0;
		fclose(f);
	}
	return resident * (size_t)sysconf(_SC_PAGESIZE);
}

/* die - report a failed step of the set-up and stop. */
static void
die(const char *what, const struct route_error *err)
{
	fprintf(stderr, "bench/rules: %s: %s\n", what, err->msg);
	exit(2);
}

/* build - the table of n rules; load time in *secs_r, finish in *fin_r. */
static struct route_table *
build(unsigned long n, double *secs_r, double *fin_r)
{
	struct route_domain_def dom = {NULL, true, ROUTE_UNKNOWN_REJECT, true};
	struct route_dest_def dest = {NULL, true};
	struct route_rule_def rule;
	struct route_table_builder *b;
	struct route_table *t;
	struct route_error err;
	char name[ADDR_LEN], match[ADDR_LEN];
	const char *dests[1] = {name};
	double t0 = now(), t1;
	unsigned long i;

	b = route_table_builder_new(NULL);
	for (i = 0; i < NDOMAINS; i++) {
		snprintf(name, sizeof(name), "d%lu.example", i);
		dom.name = name;
		if (route_table_builder_add_domain(b, &dom, &err) == -1)
			die("domain", &err);
	}
	dest.addr = name;
	for (i = 0; i < NDESTS; i++) {
		dest_name((unsigned)i, name);
		if (route_table_builder_add_dest(b, &dest, &err) == -1)
			die("destination", &err);
	}
	memset(&rule, 0, sizeof(rule));
	rule.match = match;
	rule.action = ROUTE_ACTION_FORWARD;
	rule.dests = dests;
	rule.ndests = 1;
	rule.enabled = true;
	for (i = 0; i < n; i++) {
		rule_names(i, match, name);
		rule.id = (int64_t)i + 1;
		if (route_table_builder_add_rule(b, &rule, &err) == -1)
			die("rule", &err);
	}
	t1 = now();
	if ((t = route_table_builder_finish(&b, &err)) == NULL)
		die("finish", &err);
	*fin_r = now() - t1;
	*secs_r = now() - t0;
	return t;
}
/* rcpt_array - count addresses in random order: rules that exist (hit)
 * or unknown addresses in the same domains (miss). */
static char *
rcpt_array(unsigned nrules, size_t count, int hit)
{
	char *a = malloc(count * ADDR_LEN);
	unsigned long long x = 88172645463325252ull;
	unsigned r;
	size_t i;

	if (a == NULL)
		abort();
	for (i = 0; i < count; i++) {
		x ^= x << 13;
		x ^= x >> 7;
		x ^= x << 17;
		r = (unsigned)(x % nrules);
		snprintf(a + i * ADDR_LEN, ADDR_LEN, "<%s%u@d%u.example>",
			 hit ? "user" : "nobody", r / NDOMAINS, r % NDOMAINS);
	}
	return a;
}

/* run_lookups - look up every address of l, counting wrong verdicts. */
static void *
run_lookups(void *arg)
{
	struct lookups *l = arg;
	struct route_decision d;
	struct route_error err;
	size_t i;

	for (i = 0; i < l->n; i++) {
		if (route_table_lookup(l->t, l->rcpts + i * ADDR_LEN, &d,
				       &err) == -1 ||
		    d.verdict != l->want)
			l->wrong++;
		route_decision_clear(&d);
	}
	return NULL;
}

/* time_lookups - ns per lookup over rcpts, split across nthreads. */
double
time_lookups(const struct route_table *t, const char *rcpts, size_t n,
	     enum route_verdict want, int nthreads, size_t *wrong_r)
{
	struct lookups l[MAX_THREADS];
	pthread_t tid[MAX_THREADS];
	double t0;
	int i;

	for (i = 0; i < nthreads; i++) {
		l[i].t = t;
		l[i].rcpts = rcpts + (n / nthreads) * i * ADDR_LEN;
		l[i].n = n / nthreads;
		l[i].want = want;
		l[i].wrong = 0;
	}
	t0 = now();
	for (i = 0; i < nthreads; i++)
		if (pthread_create(&tid[i], NULL, run_lookups, &l[i]) != 0)
			abort();
	*wrong_r = 0;
	for (i = 0; i < nthreads; i++) {
		pthread_join(tid[i], NULL);
		*wrong_r += l[i].wrong;
	}
	return (now() - t0) * 1e9 / (double)(n / nthreads * nthreads);
}

/* parse_ns - ns per route_addr_parse, the floor of any lookup. */
static double
parse_ns(const char *rcpts, size_t n)
{
	struct route_addr a;
	double t0 = now();
	size_t i;

	for (i = 0; i < n; i++) {
		if (route_addr_parse(rcpts + i * ADDR_LEN, &a, NULL) == -1)
			abort();
		route_addr_free(&a);
	}
	return (now() - t0) * 1e9 / (double)n;
}

/* scan_ns - ns per lookup by parsing, folding and comparing against each
 * of NSCAN rules in turn: what a table without an index would cost. */
static double
scan_ns(const char *rcpts)
{
	char **keys = malloc(NSCAN * sizeof(*keys)), key[ADDR_LEN * 2];
	struct route_addr a;
	size_t i, k, found = 0;
	double t0, ns;
	char *local;

	if (keys == NULL)
		abort();
	for (k = 0; k < NSCAN; k++) {
		keys[k] = malloc(ADDR_LEN);
		if (keys[k] == NULL)
			abort();
		snprintf(keys[k], ADDR_LEN, "user%zu@d%zu.example",
			 k / NDOMAINS, k % NDOMAINS);
	}
	t0 = now();
	for (i = 0; i < NSCAN_LOOKUPS; i++) {
		if (route_addr_parse(rcpts + i * ADDR_LEN, &a, NULL) == -1)
			abort();
		local = route_local_fold(a.local, false);
		snprintf(key, sizeof(key), "%s@%s", local, a.domain);
		for (k = 0; k < NSCAN; k++)
			if (strcmp(keys[k], key) == 0) {
				found++;
				break;
			}
		free(local);
		route_addr_free(&a);
	}
	ns = (now() - t0) * 1e9 / NSCAN_LOOKUPS;
	for (k = 0; k < NSCAN; k++)
		free(keys[k]);
	free(keys);
	/* Keeps the scan from being optimised away; misses are expected. */
	if (found > NSCAN_LOOKUPS)
		abort();
	return ns;
}

/*
 * figure - one measured figure, its target and whether it met it, in
 * aligned columns, counted in *tally.
 */
static void __attribute__((format(printf, 5, 6)))
figure(struct tally *tally, const char *label, const char *target, int ok,
       const char *fmt, ...)
{
	char value[128];
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(value, sizeof(value), fmt, ap);
	va_end(ap);
	printf("%-23s %-50s target %-13s %s\n", label, value, target,
	       ok ? "PASS" : "MISS");
	tally->figures++;
	if (!ok)
		tally->missed++;
}

int
main(int argc, char **argv)
{
	double load, fin, hit, miss, hit_mt, parse, scan;
	size_t before, rss_before, bytes, rss_bytes, nlook, wrong_hit,
	    wrong_miss, wrong_mt;
	struct store_figures sf;
	char *hits, *misses, *end;
	struct route_table *t;
	unsigned long n = 1000000;
	struct tally tally = {0, 0};
	int nthreads, store_ok, wrong;
	long ncpu;

	if (argc > 1) {
		n = strtoul(argv[1], &end, 10);
		if (*end != '\0' || n == 0 || n > 100000000) {
			fprintf(stderr, "usage: bench/rules [RULES]\n");
			return 2;
		}
	}
	ncpu = sysconf(_SC_NPROCESSORS_ONLN);
	nthreads = ncpu < 2 ? 2 : ncpu > MAX_THREADS ? MAX_THREADS : (int)ncpu;

	before = heap();
	rss_before = rss();
	t = build(n, &load, &fin);
	bytes = heap() - before;
	rss_bytes = rss() - rss_before;

	nlook = NLOOKUPS;
	hits = rcpt_array((unsigned)n, nlook, 1);
	misses = rcpt_array((unsigned)n, nlook, 0);
	hit = time_lookups(t, hits, nlook, ROUTE_FORWARD, 1, &wrong_hit);
	miss = time_lookups(t, misses, nlook, ROUTE_UNKNOWN, 1, &wrong_miss);
	hit_mt =
	    time_lookups(t, hits, nlook, ROUTE_FORWARD, nthreads, &wrong_mt);
	parse = parse_ns(hits, nlook);
	scan = scan_ns(hits);
	/* Freed first, so the heap figure of the store's table is its own. */
	route_table_unref(&t);
	store_ok = bench_store(n, hits, nlook, &sf) == 0;

	printf("table: %lu exact forward rules, %d domains, %d destinations\n",
	       n, NDOMAINS, NDESTS);
	figure(&tally, "load, built in memory", "load < 3 s",
	       load < TARGET_LOAD_S, "%.3f s, %.0f rules/s (finish %.3f s)",
	       load, n / load, fin);
	if (store_ok)
		figure(&tally, "load from store", "load < 3 s",
		       sf.load < TARGET_LOAD_S,
		       "%.3f s, %.0f rules/s (open %.3f s)", sf.load,
		       n / sf.load, sf.open);
	figure(&tally, "memory, built in memory", "< 200 B/rule",
	       (double)bytes / n < TARGET_BYTES,
	       "%.1f B/rule, %.1f MiB heap (RSS +%.1f MiB)", (double)bytes / n,
	       bytes / 1048576.0, rss_bytes / 1048576.0);
	if (store_ok)
		figure(&tally, "memory, from store", "< 200 B/rule",
		       (double)sf.bytes / n < TARGET_BYTES,
		       "%.1f B/rule, %.1f MiB heap", (double)sf.bytes / n,
		       sf.bytes / 1048576.0);
	figure(&tally, "lookup hit", "lookup < 1 us", hit < TARGET_LOOKUP_NS,
	       "%.0f ns, %.0f lookups/s (1 thread)", hit, 1e9 / hit);
	figure(&tally, "lookup miss", "lookup < 1 us", miss < TARGET_LOOKUP_NS,
	       "%.0f ns, %.0f lookups/s (unknown address)", miss, 1e9 / miss);
	/* Each thread waits hit_mt * nthreads per lookup: that is the
	 * latency a caller sees while the others run. */
	figure(&tally, "lookup hit, threaded", "lookup < 1 us",
	       hit_mt * nthreads < TARGET_LOOKUP_NS,
	       "%.0f ns each, %.0f lookups/s in all (%d threads)",
	       hit_mt * nthreads, 1e9 / hit_mt, nthreads);
	if (store_ok)
		figure(&tally, "lookup hit, from store", "lookup < 1 us",
		       sf.hit < TARGET_LOOKUP_NS,
		       "%.0f ns, %.0f lookups/s (1 thread)", sf.hit,
		       1e9 / sf.hit);
	if (store_ok)
		printf("store: %.1f MiB file, %.0f B/rule on disk; set-up "
		       "%.3f s through the API, then %.3f s bulk insert\n",
		       sf.file / 1048576.0, (double)sf.file / n, sf.setup,
		       sf.bulk);
	else
		printf("load from store: FAILED (reason above)\n");
	printf("baseline: route_addr_parse alone %.0f ns; linear scan over "
	       "%d rules %.0f ns (%ld CPUs)\n",
	       parse, NSCAN, scan, ncpu);
	printf("ratios: lookup hit = %.2f x parse; linear scan over %d rules "
	       "= %.0f x a table lookup over %lu\n",
	       hit / parse, NSCAN, scan / hit, n);
	printf("targets: %d of %d figures PASS, %d MISS\n",
	       tally.figures - tally.missed, tally.figures, tally.missed);
	wrong = wrong_hit + wrong_miss + wrong_mt != 0 ||
		(store_ok && (sf.wrong != 0 || sf.nrules != n));
	if (wrong)
		printf("WRONG: verdicts %zu hit, %zu miss, %zu threaded, %zu "
		       "from store; %zu rules loaded from store\n",
		       wrong_hit, wrong_miss, wrong_mt, sf.wrong, sf.nrules);
	free(hits);
	free(misses);
	return wrong ? 1 : store_ok ? 0 : 2;
}
