/*
 * server.h - route-policyd's connection handling: many persistent policy
 * clients on one listening socket, each request handed to a callback and
 * its action sent back, with limits and timeouts so that no client can
 * hold up another or hold memory for long.  It knows the protocol only
 * through proto.h and decides nothing itself.
 */
#ifndef POLICYD_SERVER_H
#define POLICYD_SERVER_H

#include <stddef.h>

#include <libroute/error.h>

#include "proto.h"

/* Defaults of struct server_opts. */
#define SERVER_MAX_CONNS 4096
#define SERVER_IDLE_MS (600 * 1000) /* Postfix closes after 300 s */
#define SERVER_REQUEST_MS (30 * 1000)

struct server_opts {
	unsigned workers;    /* threads serving connections, >= 1 */
	unsigned max_conns;  /* connections beyond are closed at once */
	unsigned idle_ms;    /* a connection with no request under way is
				closed after this long */
	unsigned request_ms; /* a request may take this long from its first
				octet until its reply is sent, else its
				connection is closed */
	struct proto_limits limits;
};

/*
 * What the server calls, each from the worker thread that owns the
 * connection; calls for one connection never overlap.  ctx is what
 * worker_start returned in that thread.  peer names the client for a
 * log line: "127.0.0.1:40312", "[::1]:40312" or "pid 812 uid 107" for a
 * unix socket.
 */
struct server_handlers {
	/* worker_start - make a worker's state (arg is the field below);
	 * worker_end - free it when the worker stops.  Either may be NULL. */
	void *(*worker_start)(void *arg);
	void (*worker_end)(void *ctx);
	/* request - write the action for req (e.g. "DUNNO"), a string,
	 * into action, a buffer of size octets. */
	void (*request)(void *ctx, const char *peer,
			const struct proto_request *req, char *action,
			size_t size);
	/* prefetch - hints that req will be answered soon, given when a
	 * wake-up of a busy server brought several whole requests (the
	 * server reads them all before it answers any): called with step 0
	 * (which may set *hint), later with step 1 (with the same *hint),
	 * and then req is answered, while other requests of the wake-up
	 * are hinted and answered in between; see route_table_prefetch.
	 * It must not change anything an answer depends on.  May be NULL. */
	void (*prefetch)(void *ctx, const struct proto_request *req, int step,
			 uint64_t *hint);
	/* batch_begin, batch_end - around the work of one wake-up of a
	 * worker, which may answer many requests: what every request
	 * needs can be fetched once per batch.  Either may be NULL. */
	void (*batch_begin)(void *ctx);
	void (*batch_end)(void *ctx);
	/* dropped - the connection is being closed for why: a malformed
	 * request (answered DUNNO first), a timeout; or, with peer NULL,
	 * new connections are: the connection limit, no descriptors. */
	void (*dropped)(void *ctx, const char *peer, const char *why);
	void *arg;
};

/* server_opts_init - defaults: 2 workers and the SERVER_* values. */
void server_opts_init(struct server_opts *o);

struct server;

/*
 * server_start - serve listen_fd (a listening stream socket; it stays the
 * caller's) with o->workers threads.  Each worker waits on the socket
 * itself and the kernel wakes one idle worker per new connection, so a
 * busy worker takes fewer.  Call with the signals the daemon handles
 * blocked, so the threads inherit that.  Returns the server, or NULL
 * with ROUTE_ESYS in err when a thread or an epoll instance cannot be
 * made.
 */
struct server *server_start(int listen_fd, const struct server_opts *o,
			    const struct server_handlers *h,
			    struct route_error *err);

/*
 * server_stop - close every connection, stop the workers (worker_end runs
 * in each), free the server and set *s to NULL.  *s may be NULL.
 */
void server_stop(struct server **s);

#endif
