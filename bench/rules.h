/*
 * bench/rules.h - what the two halves of bench/rules share: the shape of
 * the generated rule set, the clock and heap probes and the lookup timer,
 * so that the table built in memory (rules.c) and the one loaded from a
 * SQLite store (rules_store.c) hold the same rules and are measured alike.
 */
#ifndef BENCH_RULES_H
#define BENCH_RULES_H

#include <stddef.h>

#include <libroute/rules.h>

#include "ruleset.h"

/* What the store half measured; times in seconds. */
struct store_figures {
	double setup;	/* domains, destinations, first rule: the API */
	double bulk;	/* the other rules: one SQLite transaction */
	double open;	/* route_store_open of the filled store */
	double load;	/* route_store_load: the figure with a target */
	size_t bytes;	/* heap the loaded table holds */
	long long file; /* bytes of the store file */
	size_t nrules;	/* rules in the loaded table */
	double hit;	/* ns per hit lookup in the loaded table */
	size_t wrong;	/* lookups with a verdict other than forward */
};

/* now - monotonic seconds. */
double now(void);

/* heap - bytes in use on the heap, mmapped blocks included. */
size_t heap(void);

/*
 * time_lookups - ns per lookup (wall time over all lookups) of n
 * addresses ADDR_LEN bytes apart, split across nthreads; lookups whose
 * verdict is not want are counted in *wrong_r.
 */
double time_lookups(const struct route_table *t, const char *rcpts, size_t n,
		    enum route_verdict want, int nthreads, size_t *wrong_r);

/*
 * bench_store - create a store holding the n rules in a temporary
 * directory, time opening and loading it, look up nhit of hits in the
 * loaded table, and remove the directory.  Returns 0, or -1 after saying
 * why on stderr.
 */
int bench_store(unsigned long n, const char *hits, size_t nhit,
		struct store_figures *f_r);

#endif
