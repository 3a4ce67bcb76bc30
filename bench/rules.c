/*
 * bench/rules.c - how fast the compiled rule table loads and answers and
 * what a rule costs in memory.  Builds N exact forward rules (default
 * 1,000,000, or the first argument) over 100 domains to a pool of 1,000
 * destinations, then times lookups that hit and that miss, from one thread
 * and from several.  The same run measures route_addr_parse alone and a
 * naive linear scan over 10,000 rules, so the figures have a reference.
 */
#include <malloc.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include <libroute/addr.h>
#include <libroute/rules.h>

#define NDOMAINS 100
#define NDESTS 1000
#define NLOOKUPS 1000000
#define NSCAN 10000 /* rules in the linear-scan baseline */
#define NSCAN_LOOKUPS 2000
#define ADDR_LEN 48 /* room for every generated address */
#define MAX_THREADS 8

struct lookups {
	const struct route_table *t;
	const char *rcpts; /* n addresses, ADDR_LEN bytes apart */
	size_t n;
	enum route_verdict want;
	size_t wrong;
};

/* now - monotonic seconds. */
static double
now(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return ts.tv_sec + ts.tv_nsec / 1e9;
}

/* heap - bytes in use on the heap, mmapped blocks included. */
static size_t
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
build(unsigned n, double *secs_r, double *fin_r)
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
	unsigned i;

	b = route_table_builder_new(NULL);
	for (i = 0; i < NDOMAINS; i++) {
		snprintf(name, sizeof(name), "d%u.example", i);
		dom.name = name;
		if (route_table_builder_add_domain(b, &dom, &err) == -1)
			die("domain", &err);
	}
	dest.addr = name;
	for (i = 0; i < NDESTS; i++) {
		snprintf(name, sizeof(name), "person%u@mail%u.example", i,
			 i % 10);
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
		snprintf(match, sizeof(match), "user%u@d%u.example",
			 i / NDOMAINS, i % NDOMAINS);
		snprintf(name, sizeof(name), "person%u@mail%u.example",
			 i % NDESTS, i % NDESTS % 10);
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
static double
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

/* verdict - "ok" or "MISSED" against a target. */
static const char *
verdict(int ok)
{
	return ok ? "ok" : "MISSED";
}

int
main(int argc, char **argv)
{
	double load, fin, hit, miss, hit_mt, parse, scan;
	size_t before, rss_before, bytes, rss_bytes, nlook, wrong_hit,
	    wrong_miss, wrong_mt;
	char *hits, *misses, *end;
	struct route_table *t;
	unsigned long n = 1000000;
	long ncpu;
	int nthreads;

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
	t = build((unsigned)n, &load, &fin);
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

	printf("table: %lu exact forward rules, %d domains, %d destinations\n",
	       n, NDOMAINS, NDESTS);
	printf("load: %.3f s (%.0f rules/s), of which finish %.3f s\n", load,
	       n / load, fin);
	printf("memory: %.1f MiB, %.1f bytes/rule (heap via mallinfo2); "
	       "RSS grew %.1f MiB\n",
	       bytes / 1048576.0, (double)bytes / n, rss_bytes / 1048576.0);
	printf("lookup hit:  %7.0f ns, %9.0f lookups/s (1 thread, random "
	       "order)\n",
	       hit, 1e9 / hit);
	printf("lookup miss: %7.0f ns, %9.0f lookups/s (unknown address, "
	       "domain default)\n",
	       miss, 1e9 / miss);
	printf("lookup hit:  %7.0f ns, %9.0f lookups/s in all (%d threads, "
	       "%ld CPUs)\n",
	       hit_mt, 1e9 / hit_mt, nthreads, ncpu);
	printf("baseline: route_addr_parse alone %.0f ns; linear scan over "
	       "%d rules %.0f ns\n",
	       parse, NSCAN, scan);
	printf("ratios: lookup hit = %.2f x parse; linear scan over %d rules "
	       "= %.0f x a table lookup over %lu\n",
	       hit / parse, NSCAN, scan / hit, n);
	printf("targets: load < 3 s %s; lookup < 1 us %s; < 200 B/rule %s\n",
	       verdict(load < 3.0), verdict(hit < 1000 && miss < 1000),
	       verdict((double)bytes / n < 200));
	if (wrong_hit + wrong_miss + wrong_mt != 0)
		printf("WRONG verdicts: %zu hit, %zu miss, %zu threaded\n",
		       wrong_hit, wrong_miss, wrong_mt);
	free(hits);
	free(misses);
	route_table_unref(&t);
	return wrong_hit + wrong_miss + wrong_mt != 0;
}
