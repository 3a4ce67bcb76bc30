/*
 * server.c - the connection loop (see server.h).
 *
 * Why a few epoll loops and not a thread per connection or a pool that
 * blocks on reads: Postfix keeps one connection open per smtpd process,
 * mostly idle, so 500 connections mean 500 sockets and few requests at a
 * time.  A request is answered in microseconds from memory, so the work
 * is the system calls, not the decision.  One non-blocking loop (one
 * per two processors, see main.c) handles any number of connections with
 * no stack each and no locks on the way; no read or write ever waits for
 * a client, so a slow or hostile one costs only its own buffer and times
 * out.  Several loops share the
 * listening socket (EPOLLEXCLUSIVE), and a connection stays with the loop
 * that accepted it, so its state is never shared between threads.
 *
 * A busy wake-up (many connections ready at once) is read in full before
 * any request is answered, so that the handler can hint each lookup a few
 * requests before it is made (server.h, prefetch): in a table of a
 * million rules each lookup waits for memory, and the waits of a batch
 * then overlap.  Its replies are sent together at the end.
 *
 * Timeouts: each loop keeps two lists in the order their clocks started,
 * idle connections (since the last reply) and busy ones (since the first
 * octet of the request under way, or a reply the client does not read),
 * so the next deadline is always at a list's head.
 */
#include <arpa/inet.h>
#include <errno.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <pthread.h>
#include <stdatomic.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/epoll.h>
#include <sys/eventfd.h>
#include <sys/socket.h>
#include <sys/un.h>
#include <time.h>
#include <unistd.h>

#include <libroute/alloc.h>

#include "server.h"

#define READ_CHUNK 16384
#define OUT_HIGH 65536	 /* stop parsing while this much is unsent */
#define ACCEPT_BATCH 16	 /* connections taken per wake-up */
#define PAUSE_MS 100	 /* listener rest after running out of fds */
#define ACTION_MAX 1024	 /* an action's octets */
#define MAX_WAIT_MS 1000 /* longest epoll_wait between deadline checks */
#define EVENTS_MAX 256	 /* events taken per wake-up */
#define HINT_MIN 4	 /* events in a wake-up worth reading all first */
#define HINT_AHEAD 8	 /* requests between a hint and its decision */

struct conn;

struct conn_list {
	struct conn *head, *tail;
};

struct conn {
	int fd;
	struct proto_parser *parser;
	char *out;
	size_t out_len, out_off, out_cap;
	int64_t since; /* ms: when its clock on its list started */
	struct conn_list *list;
	struct conn *prev, *next;
	bool closing; /* close once the output is sent */
	bool has_req; /* req, parsed by conn_read, is still to answer */
	struct proto_request req;
	uint64_t hint;	 /* the handler's, between its prefetch steps */
	uint32_t events; /* what epoll watches for it */
	char peer[64];
};

struct worker {
	struct server *srv;
	pthread_t thread;
	bool started;
	int epfd;
	struct conn_list idle, busy;
	void *ctx;
	int64_t listen_paused; /* ms: until when, 0 while listening */
	char rbuf[READ_CHUNK];
};

struct server {
	struct server_opts opts;
	struct server_handlers h;
	int listen_fd;
	int stop_fd; /* eventfd, readable once server_stop began */
	atomic_bool stopping;
	atomic_uint nconns;
	atomic_bool limit_logged;  /* the limit was logged */
	atomic_bool accept_logged; /* an accept failure was logged */
	unsigned nworkers;
	struct worker *workers;
};

/* Markers told apart from connections in epoll's data. */
static char listen_marker, stop_marker;

/* server_opts_init - the defaults. */
void
server_opts_init(struct server_opts *o)
{
	o->workers = 2;
	o->max_conns = SERVER_MAX_CONNS;
	o->idle_ms = SERVER_IDLE_MS;
	o->request_ms = SERVER_REQUEST_MS;
	proto_limits_init(&o->limits);
}

/* now_ms - the monotonic clock in milliseconds. */
static int64_t
now_ms(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (int64_t)ts.tv_sec * 1000 + ts.tv_nsec / 1000000;
}

/* list_remove - take c off its list. */
static void
list_remove(struct conn *c)
{
	struct conn_list *l = c->list;

	if (l == NULL)
		return;
	if (c->prev != NULL)
		c->prev->next = c->next;
	else
		l->head = c->next;
	if (c->next != NULL)
		c->next->prev = c->prev;
	else
		l->tail = c->prev;
	c->prev = c->next = NULL;
	c->list = NULL;
}

/* list_append - put c at the tail of l, its clock started at since. */
static void
list_append(struct conn_list *l, struct conn *c, int64_t since)
{
	list_remove(c);
	c->since = since;
	c->list = l;
	c->prev = l->tail;
	if (l->tail != NULL)
		l->tail->next = c;
	else
		l->head = c;
	l->tail = c;
}

/* peer_name - who is at the other end of fd, for log lines. */
static void
peer_name(int fd, const struct sockaddr_storage *ss, char *buf, size_t size)
{
	char addr[INET6_ADDRSTRLEN];
	struct ucred cred;
	socklen_t len = sizeof(cred);

	if (ss->ss_family == AF_INET) {
		const struct sockaddr_in *sin = (const void *)ss;

		inet_ntop(AF_INET, &sin->sin_addr, addr, sizeof(addr));
		snprintf(buf, size, "%s:%u", addr, ntohs(sin->sin_port));
	} else if (ss->ss_family == AF_INET6) {
		const struct sockaddr_in6 *sin6 = (const void *)ss;

		inet_ntop(AF_INET6, &sin6->sin6_addr, addr, sizeof(addr));
		snprintf(buf, size, "[%s]:%u", addr, ntohs(sin6->sin6_port));
	} else if (getsockopt(fd, SOL_SOCKET, SO_PEERCRED, &cred, &len) == 0)
		snprintf(buf, size, "pid %ld uid %lu", (long)cred.pid,
			 (unsigned long)cred.uid);
	else
		snprintf(buf, size, "unix socket");
}

/* watch - make epoll watch c for events (EPOLLIN or EPOLLOUT). */
static void
watch(struct worker *w, struct conn *c, uint32_t events)
{
	struct epoll_event ev = {.events = events, .data.ptr = c};

	if (c->events == events)
		return;
	c->events = events;
	epoll_ctl(w->epfd, EPOLL_CTL_MOD, c->fd, &ev);
}

/* conn_close - drop c, telling the handler why when why is not NULL. */
static void
conn_close(struct worker *w, struct conn *c, const char *why)
{
	if (why != NULL && w->srv->h.dropped != NULL)
		w->srv->h.dropped(w->ctx, c->peer, why);
	list_remove(c);
	close(c->fd); /* also takes it out of the epoll set */
	proto_parser_free(&c->parser);
	free(c->out);
	free(c);
	atomic_fetch_sub(&w->srv->nconns, 1);
}

/* conn_reply - queue the reply for action. */
static void
conn_reply(struct conn *c, const char *action)
{
	size_t need = strlen(action) + sizeof("action=\n\n");

	if (c->out_off == c->out_len)
		c->out_off = c->out_len = 0;
	if (c->out_len + need > c->out_cap) {
		c->out_cap = c->out_len + need > 2 * c->out_cap
				 ? c->out_len + need
				 : 2 * c->out_cap;
		c->out = route_xrealloc(c->out, c->out_cap);
	}
	c->out_len += proto_format_reply(action, c->out + c->out_len, need);
}

/*
 * conn_work - answer the complete requests c has received, as long as
 * their replies do not pile up; true when it stopped for that and more
 * may be waiting.  A malformed request is answered DUNNO (Postfix goes
 * on with its other restrictions) and ends the connection, since nothing
 * says where the next request would start.
 */
static bool
conn_work(struct worker *w, struct conn *c, bool *answered_r)
{
	char action[ACTION_MAX];
	struct proto_request req;
	const char *why = NULL;
	enum proto_status st;

	while (!c->closing) {
		if (c->out_len - c->out_off >= OUT_HIGH)
			return true;
		if (c->has_req) {
			c->has_req = false;
			req = c->req;
			st = PROTO_REQUEST;
		} else {
			st = proto_next(c->parser, &req, &why);
		}
		switch (st) {
		case PROTO_MORE:
			return false;
		case PROTO_REQUEST:
			w->srv->h.request(w->ctx, c->peer, &req, action,
					  sizeof(action));
			conn_reply(c, action);
			*answered_r = true;
			break;
		case PROTO_ERROR:
			snprintf(action, sizeof(action),
				 "malformed request (%s); answered DUNNO, "
				 "connection closed",
				 why);
			if (w->srv->h.dropped != NULL)
				w->srv->h.dropped(w->ctx, c->peer, action);
			conn_reply(c, "DUNNO");
			c->closing = true;
			break;
		}
	}
	return false;
}

/* conn_flush - send what is queued; false when c is gone. */
static bool
conn_flush(struct worker *w, struct conn *c)
{
	ssize_t n;

	while (c->out_off < c->out_len) {
		n = send(c->fd, c->out + c->out_off, c->out_len - c->out_off,
			 MSG_NOSIGNAL);
		if (n > 0) {
			c->out_off += (size_t)n;
			continue;
		}
		if (n == -1 && errno == EINTR)
			continue;
		if (n == -1 && (errno == EAGAIN || errno == EWOULDBLOCK))
			return true;
		conn_close(w, c, NULL); /* the client went away */
		return false;
	}
	if (c->closing) {
		conn_close(w, c, NULL);
		return false;
	}
	return true;
}

/*
 * conn_serve - answer what c has sent and send the replies, then choose
 * what to wait for and which clock runs (answered: requests of c were
 * already answered by conn_work in this wake-up).  Reading stops while a
 * reply is unsent, so a client that does not read cannot make us hold
 * more.
 */
static void
conn_serve(struct worker *w, struct conn *c, int64_t now, bool answered)
{
	bool more, unsent;

	do {
		more = conn_work(w, c, &answered);
		if (!conn_flush(w, c))
			return;
		unsent = c->out_off < c->out_len;
	} while (more && !unsent);
	watch(w, c, unsent ? EPOLLOUT : EPOLLIN);
	if (unsent || proto_pending(c->parser)) {
		if (c->list != &w->busy || answered)
			list_append(&w->busy, c, now);
	} else if (c->list != &w->idle || answered) {
		list_append(&w->idle, c, now);
	}
}

/*
 * conn_read - epoll says c is readable, writable or broken: take what it
 * sent and parse its first complete request into c->req, so that the
 * whole batch can be hinted before any is answered.  False when c is
 * gone.
 */
static bool
conn_read(struct worker *w, struct conn *c, uint32_t events)
{
	ssize_t n;

	if (events & EPOLLIN) {
		n = recv(c->fd, w->rbuf, sizeof(w->rbuf), 0);
		if (n == 0 || (n == -1 && errno != EAGAIN && errno != EINTR)) {
			conn_close(w, c, NULL); /* the client hung up */
			return false;
		}
		if (n > 0)
			proto_feed(c->parser, w->rbuf, (size_t)n);
	} else if (!(events & EPOLLOUT)) {
		conn_close(w, c, NULL); /* EPOLLERR or EPOLLHUP */
		return false;
	}
	/* A malformed request is left for conn_work: the error is final. */
	if (!c->closing && !c->has_req && c->out_len - c->out_off < OUT_HIGH &&
	    proto_next(c->parser, &c->req, NULL) == PROTO_REQUEST)
		c->has_req = true;
	return true;
}

/* conn_new - take over an accepted connection. */
static void
conn_new(struct worker *w, int fd, const struct sockaddr_storage *ss,
	 int64_t now)
{
	struct conn *c = route_xcalloc(1, sizeof(*c));
	struct epoll_event ev = {.events = EPOLLIN, .data.ptr = c};
	int one = 1;

	c->fd = fd;
	c->events = EPOLLIN;
	c->parser = proto_parser_new(&w->srv->opts.limits);
	peer_name(fd, ss, c->peer, sizeof(c->peer));
	/* One write per reply: never wait for an ACK to send the next. */
	if (ss->ss_family == AF_INET || ss->ss_family == AF_INET6)
		setsockopt(fd, IPPROTO_TCP, TCP_NODELAY, &one, sizeof(one));
	if (epoll_ctl(w->epfd, EPOLL_CTL_ADD, fd, &ev) == -1) {
		conn_close(w, c, "cannot watch the connection");
		return;
	}
	list_append(&w->idle, c, now);
}

/* listen_pause - stop (until > 0) or resume (0) taking connections. */
static void
listen_pause(struct worker *w, int64_t until)
{
	struct epoll_event ev = {.events = until ? 0 : EPOLLIN | EPOLLEXCLUSIVE,
				 .data.ptr = &listen_marker};

	w->listen_paused = until;
	/* EPOLLEXCLUSIVE cannot be modified: delete and add again. */
	epoll_ctl(w->epfd, EPOLL_CTL_DEL, w->srv->listen_fd, NULL);
	if (until == 0)
		epoll_ctl(w->epfd, EPOLL_CTL_ADD, w->srv->listen_fd, &ev);
}

/* tell_once - report a listener problem, once until *logged is reset. */
static void
tell_once(struct worker *w, atomic_bool *logged, const char *why)
{
	if (!atomic_exchange(logged, true) && w->srv->h.dropped != NULL)
		w->srv->h.dropped(w->ctx, NULL, why);
}

/* accept_some - take up to ACCEPT_BATCH waiting connections. */
static void
accept_some(struct worker *w, int64_t now)
{
	struct server *s = w->srv;
	struct sockaddr_storage ss;
	char why[256];
	socklen_t len;
	int i, fd;

	for (i = 0; i < ACCEPT_BATCH; i++) {
		len = sizeof(ss);
		memset(&ss, 0, sizeof(ss));
		fd = accept4(s->listen_fd, (struct sockaddr *)&ss, &len,
			     SOCK_NONBLOCK | SOCK_CLOEXEC);
		if (fd == -1) {
			if (errno == EMFILE || errno == ENFILE ||
			    errno == ENOBUFS || errno == ENOMEM) {
				snprintf(why, sizeof(why),
					 "cannot accept connections: %s; "
					 "trying again every %d ms",
					 strerror(errno), PAUSE_MS);
				tell_once(w, &s->accept_logged, why);
				listen_pause(w, now + PAUSE_MS);
			}
			return; /* EAGAIN: another worker took it */
		}
		atomic_store(&s->accept_logged, false);
		if (atomic_fetch_add(&s->nconns, 1) >= s->opts.max_conns) {
			atomic_fetch_sub(&s->nconns, 1);
			tell_once(w, &s->limit_logged,
				  "connection limit reached; closing new "
				  "connections");
			close(fd);
			continue;
		}
		atomic_store(&s->limit_logged, false);
		conn_new(w, fd, &ss, now);
	}
}

/* expire - close connections whose time is up; the ms to the next. */
static int
expire(struct worker *w, int64_t now)
{
	const struct server_opts *o = &w->srv->opts;
	int64_t next = now + MAX_WAIT_MS, t;

	while (w->idle.head != NULL && w->idle.head->since + o->idle_ms <= now)
		conn_close(w, w->idle.head, NULL); /* as Postfix does too */
	while (w->busy.head != NULL &&
	       w->busy.head->since + o->request_ms <= now)
		conn_close(w, w->busy.head,
			   "request not complete in time; connection closed");
	if (w->listen_paused != 0 && w->listen_paused <= now)
		listen_pause(w, 0);
	if (w->idle.head != NULL &&
	    (t = w->idle.head->since + o->idle_ms) < next)
		next = t;
	if (w->busy.head != NULL &&
	    (t = w->busy.head->since + o->request_ms) < next)
		next = t;
	if (w->listen_paused != 0 && w->listen_paused < next)
		next = w->listen_paused;
	return (int)(next - now);
}

/* give_hint - step of the handler's hints for c, when c has a request. */
static void
give_hint(struct worker *w, struct conn *c, int step)
{
	if (c->has_req)
		w->srv->h.prefetch(w->ctx, &c->req, step, &c->hint);
}

/*
 * serve_events - the events of one wake-up.  With few, each connection
 * is answered as soon as it is read, so the first reply leaves at once.
 * With HINT_MIN or more (a busy server) and a prefetch handler, every
 * connection is read first, then the requests are decided with the
 * handler's hints running HINT_AHEAD requests ahead (step 0) and half
 * that (step 1), so the memory a decision needs has arrived when it is
 * made and is still in the cache (hinted before the reads, it was not:
 * the reads' own work pushed it out).  The replies are then sent
 * together, so the clients are woken in one burst rather than between
 * decisions (a client that went back to sleep in a gap costs the sender
 * a cross-processor wake-up).  That is worth more than the microseconds
 * the first reply waits.
 */
static void
serve_events(struct worker *w, struct epoll_event *evs, int n, int64_t now)
{
	bool batch = n >= HINT_MIN && w->srv->h.prefetch != NULL;
	bool answered[EVENTS_MAX] = {false};
	struct conn *c, *ready[EVENTS_MAX];
	int i, k = 0;

	for (i = 0; i < n; i++) {
		c = evs[i].data.ptr;
		if (c == (void *)&listen_marker)
			accept_some(w, now);
		else if (!conn_read(w, c, evs[i].events))
			continue;
		else if (!batch)
			conn_serve(w, c, now, false);
		else
			ready[k++] = c;
	}
	for (i = 0; i < k + HINT_AHEAD; i++) {
		if (i < k)
			give_hint(w, ready[i], 0);
		if (i >= HINT_AHEAD / 2 && i - HINT_AHEAD / 2 < k)
			give_hint(w, ready[i - HINT_AHEAD / 2], 1);
		if (i >= HINT_AHEAD)
			conn_work(w, ready[i - HINT_AHEAD],
				  &answered[i - HINT_AHEAD]);
	}
	for (i = 0; i < k; i++)
		conn_serve(w, ready[i], now, answered[i]);
}

/* worker_main - one epoll loop. */
static void *
worker_main(void *arg)
{
	struct worker *w = arg;
	struct server *s = w->srv;
	struct epoll_event evs[EVENTS_MAX];
	int64_t now = now_ms();
	int i, n, wait = expire(w, now);

	if (s->h.worker_start != NULL)
		w->ctx = s->h.worker_start(s->h.arg);
	while (!atomic_load(&s->stopping)) {
		n = epoll_wait(w->epfd, evs, EVENTS_MAX, wait);
		now = now_ms();
		/* Nothing after the stop is served; the batch hooks must
		 * pair, so cut before the first is called. */
		for (i = 0; i < n; i++)
			if (evs[i].data.ptr == &stop_marker)
				n = i;
		if (n > 0 && s->h.batch_begin != NULL)
			s->h.batch_begin(w->ctx);
		serve_events(w, evs, n, now);
		if (n > 0 && s->h.batch_end != NULL)
			s->h.batch_end(w->ctx);
		wait = expire(w, now);
	}
	while (w->idle.head != NULL)
		conn_close(w, w->idle.head, NULL);
	while (w->busy.head != NULL)
		conn_close(w, w->busy.head, NULL);
	if (s->h.worker_end != NULL)
		s->h.worker_end(w->ctx);
	return NULL;
}

/* worker_init - the epoll set of one worker: the listener and stop_fd. */
static int
worker_init(struct worker *w, struct route_error *err)
{
	struct epoll_event ev = {.events = EPOLLIN, .data.ptr = &stop_marker};

	w->epfd = epoll_create1(EPOLL_CLOEXEC);
	if (w->epfd == -1 ||
	    epoll_ctl(w->epfd, EPOLL_CTL_ADD, w->srv->stop_fd, &ev) == -1)
		return route_error_set(err, ROUTE_ESYS, "epoll: %s",
				       strerror(errno));
	listen_pause(w, 0);
	return 0;
}

/* server_start - make the workers and start them. */
struct server *
server_start(int listen_fd, const struct server_opts *o,
	     const struct server_handlers *h, struct route_error *err)
{
	struct server *s = route_xcalloc(1, sizeof(*s));
	unsigned i;
	int rc;

	s->opts = *o;
	s->h = *h;
	s->listen_fd = listen_fd;
	s->nworkers = o->workers > 0 ? o->workers : 1;
	s->workers = route_xcalloc(s->nworkers, sizeof(*s->workers));
	for (i = 0; i < s->nworkers; i++)
		s->workers[i].epfd = -1;
	s->stop_fd = eventfd(0, EFD_CLOEXEC | EFD_NONBLOCK);
	if (s->stop_fd == -1) {
		route_error_set(err, ROUTE_ESYS, "eventfd: %s",
				strerror(errno));
		server_stop(&s);
		return NULL;
	}
	for (i = 0; i < s->nworkers; i++) {
		s->workers[i].srv = s;
		if (worker_init(&s->workers[i], err) == -1) {
			server_stop(&s);
			return NULL;
		}
	}
	for (i = 0; i < s->nworkers; i++) {
		rc = pthread_create(&s->workers[i].thread, NULL, worker_main,
				    &s->workers[i]);
		if (rc != 0) {
			route_error_set(err, ROUTE_ESYS,
					"cannot start a worker thread: %s",
					strerror(rc));
			server_stop(&s);
			return NULL;
		}
		s->workers[i].started = true;
	}
	return s;
}

/* server_stop - wake every worker, wait for it, free everything. */
void
server_stop(struct server **sp)
{
	struct server *s = *sp;
	uint64_t one = 1;
	unsigned i;

	if (s == NULL)
		return;
	atomic_store(&s->stopping, true);
	if (s->stop_fd != -1 && write(s->stop_fd, &one, sizeof(one)) == -1)
		abort(); /* an eventfd write of 1 cannot fail */
	for (i = 0; i < s->nworkers; i++) {
		if (s->workers[i].started)
			pthread_join(s->workers[i].thread, NULL);
		if (s->workers[i].epfd != -1)
			close(s->workers[i].epfd);
	}
	if (s->stop_fd != -1)
		close(s->stop_fd);
	free(s->workers);
	free(s);
	*sp = NULL;
}
