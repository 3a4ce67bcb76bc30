/*
 * policy.h - what route-policyd does with a request: the current rule
 * table (daemon/tables.h) and SRS engine (daemon/srs_state.h), decide.c's
 * answer, and the log line for every refusal, deferral and dropped
 * connection.  The glue between server.c, which knows connections, and
 * decide.c, which knows libroute.
 */
#ifndef POLICYD_POLICY_H
#define POLICYD_POLICY_H

#include <libroute/srs.h>

#include "server.h"

/*
 * policy_handlers - the server callbacks: per worker a store handle of
 * its own for SRS aliases, opened on first use on the current store, so
 * that workers never wait for each other; per batch of requests (one
 * wake-up of a worker) the current table (daemon/tables.h) and engine.
 */
void policy_handlers(struct server_handlers *h_r);

#endif
