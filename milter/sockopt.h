/*
 * sockopt.h - TCP options on the connections libmilter accepts, so that an
 * inet: milter socket answers as fast as a unix: one.  See sockopt.c for
 * why and how.
 */
#ifndef MILTER_SOCKOPT_H
#define MILTER_SOCKOPT_H

#include <stdbool.h>

/*
 * sockopt_enable - from now on set TCP_NODELAY on every TCP connection
 * libmilter accepts and re-arm TCP_QUICKACK after every read from one.
 * Call it once, before smfi_main, when the milter socket is inet: or
 * inet6:.  Returns false (and changes nothing) when the environment
 * variable ROUTE_MILTER_NO_TCP_TUNING is set: that keeps libmilter's
 * plain behaviour as a baseline for bench/latency.
 */
bool sockopt_enable(void);

#endif
