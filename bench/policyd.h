/*
 * bench/policyd.h - what the parts of bench/policyd share: the store it
 * fills, the load client it drives every server with, and the figures.
 */
#ifndef BENCH_POLICYD_H
#define BENCH_POLICYD_H

#include <stddef.h>

/* The rule set and its store are bench/rules', so the figures compare. */
#include "ruleset.h"

/* What the runs of one server at one connection count measured. */
struct pb_figures {
	double rate;	       /* requests per second */
	double p50_us, p99_us; /* latency from send to whole reply */
	unsigned long n;       /* replies counted */
	unsigned long wrong;   /* replies that were not what was expected */
	double secs;	       /* time measured */
	double *lat;	       /* the latencies, for the percentiles */
	size_t nlat, caplat;
};

/*
 * The requests a run sends, in turn on each connection: reqs[i] is
 * answered by a reply starting with want[i] and ending with end (a
 * policy reply ends "\n\n", a tcp_table one "\n").
 */
struct pb_load {
	char **reqs;
	const char **want;
	size_t nreqs;
	const char *end;
};

/*
 * pb_run - connect nconns persistent connections to 127.0.0.1:port, keep
 * one request outstanding on each for warmup seconds and then for secs,
 * and add what the second part measured to f (pb_finish computes the
 * figures).  With think > 0 a connection sends its next request think
 * seconds after its reply, not at once: a paced load of about
 * nconns / think requests per second instead of as many as the server
 * can take.  Returns 0, or -1 after saying why.
 */
int pb_run(int port, int nconns, double warmup, double secs, double think,
	   const struct pb_load *load, struct pb_figures *f);

/* pb_finish - rate and percentiles of what the runs added to f. */
void pb_finish(struct pb_figures *f);

/* pb_now - monotonic seconds. */
double pb_now(void);

#endif
