/*
 * bench/policyd_client.c - the one load client every server in
 * bench/policyd is measured with: N persistent TCP connections, each with
 * one request outstanding at a time (as each smtpd process has), driven
 * by one epoll loop so that the client costs the same for every server.
 * Without pacing a connection asks again as soon as it has its reply
 * (the most the server can answer); paced, it waits a think time first,
 * random (exponential, so the connections do not fall into step and ask
 * all at once), so the server is measured at a load it is not saturated
 * by.
 */
#include <arpa/inet.h>
#include <errno.h>
#include <math.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/epoll.h>
#include <sys/socket.h>
#include <time.h>
#include <unistd.h>

#include "policyd.h"

struct pb_conn {
	int fd;
	size_t next; /* the request to send next */
	size_t cur;  /* the one outstanding */
	double sent; /* when it was sent */
	double due;  /* paced: when to send the next */
	char buf[4096];
	size_t len;
};

/* Paced connections waiting for their time: a heap, soonest due first. */
struct pb_queue {
	struct pb_conn **q;
	size_t n;
};

/* pb_now - monotonic seconds. */
double
pb_now(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return ts.tv_sec + ts.tv_nsec / 1e9;
}

/* cmp_double - qsort order of latencies. */
static int
cmp_double(const void *a, const void *b)
{
	double x = *(const double *)a, y = *(const double *)b;

	return x < y ? -1 : x > y;
}

/* think_time - a pause of mean seconds, exponentially distributed. */
static double
think_time(double mean)
{
	return -mean * log(1.0 - drand48());
}

/* heap_push - add c to the paced connections waiting. */
static void
heap_push(struct pb_queue *h, struct pb_conn *c)
{
	size_t i = h->n++, up;

	while (i > 0 && h->q[up = (i - 1) / 2]->due > c->due) {
		h->q[i] = h->q[up];
		i = up;
	}
	h->q[i] = c;
}

/* heap_pop - take the connection due first. */
static struct pb_conn *
heap_pop(struct pb_queue *h)
{
	struct pb_conn *top = h->q[0], *last = h->q[--h->n];
	size_t i = 0, kid;

	while ((kid = 2 * i + 1) < h->n) {
		if (kid + 1 < h->n && h->q[kid + 1]->due < h->q[kid]->due)
			kid++;
		if (h->q[kid]->due >= last->due)
			break;
		h->q[i] = h->q[kid];
		i = kid;
	}
	if (h->n > 0)
		h->q[i] = last;
	return top;
}

/* send_next - send c's next request; -1 when the server is gone. */
static int
send_next(struct pb_conn *c, const struct pb_load *load)
{
	const char *r = load->reqs[c->next];
	size_t len = strlen(r);

	c->cur = c->next;
	c->next = (c->next + 1) % load->nreqs;
	c->sent = pb_now();
	/* Requests are small: the socket buffer always takes one whole. */
	return send(c->fd, r, len, MSG_NOSIGNAL) == (ssize_t)len ? 0 : -1;
}

/* connect_one - a TCP connection to 127.0.0.1:port, as smtpd makes. */
static int
connect_one(int port)
{
	struct sockaddr_in sin;
	int fd = socket(AF_INET, SOCK_STREAM, 0), one = 1;

	memset(&sin, 0, sizeof(sin));
	sin.sin_family = AF_INET;
	sin.sin_port = htons((unsigned short)port);
	sin.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
	if (fd == -1 ||
	    connect(fd, (struct sockaddr *)&sin, sizeof(sin)) == -1) {
		if (fd != -1)
			close(fd);
		return -1;
	}
	setsockopt(fd, IPPROTO_TCP, TCP_NODELAY, &one, sizeof(one));
	return fd;
}

/*
 * first_answer - one request and its reply on a new connection, before
 * the next is opened: connections come up one by one, as smtpd processes
 * start, and a server with a short listen queue (postsrsd's) is not met
 * with a burst of SYNs it drops, which would stall connect() for the
 * kernel's one-second retry.  Returns -1 when the server is gone.
 */
static int
first_answer(struct pb_conn *c, const struct pb_load *load)
{
	size_t elen = strlen(load->end);
	ssize_t n;

	if (send_next(c, load) == -1)
		return -1;
	c->len = 0;
	do {
		n = recv(c->fd, c->buf + c->len, sizeof(c->buf) - 1 - c->len,
			 0);
		if (n <= 0)
			return -1;
		c->len += (size_t)n;
	} while (c->len < elen ||
		 memcmp(c->buf + c->len - elen, load->end, elen) != 0);
	c->len = 0;
	return 0;
}

/* record - one reply measured. */
static void
record(struct pb_figures *f, const struct pb_conn *c,
       const struct pb_load *load, double t)
{
	if (strncmp(c->buf, load->want[c->cur], strlen(load->want[c->cur])) !=
		0 &&
	    f->wrong++ == 0)
		fprintf(stderr, "bench/policyd: unexpected reply %s", c->buf);
	if (f->nlat == f->caplat) {
		f->caplat = f->caplat ? 2 * f->caplat : 1 << 20;
		f->lat = realloc(f->lat, f->caplat * sizeof(*f->lat));
		if (f->lat == NULL)
			abort();
	}
	f->lat[f->nlat++] = t - c->sent;
	f->n++;
}

/*
 * on_reply - c has something to read: when its reply is complete,
 * record it (when measuring) and send the next request, or queue c for
 * later when paced.  Returns -1 when the server closed the connection.
 */
static int
on_reply(struct pb_conn *c, const struct pb_load *load, int measuring,
	 double think, struct pb_queue *wait, struct pb_figures *f)
{
	size_t elen = strlen(load->end);
	ssize_t n =
	    recv(c->fd, c->buf + c->len, sizeof(c->buf) - 1 - c->len, 0);
	double t;

	if (n <= 0)
		return -1;
	c->len += (size_t)n;
	if (c->len < elen || memcmp(c->buf + c->len - elen, load->end, elen))
		return c->len < sizeof(c->buf) - 1 ? 0 : -1;
	t = pb_now();
	c->buf[c->len] = '\0';
	if (measuring)
		record(f, c, load, t);
	c->len = 0;
	if (think <= 0)
		return send_next(c, load);
	c->due = t + think_time(think);
	heap_push(wait, c);
	return 0;
}

/* send_due - send on the paced connections whose time has come; 1 and
 * in *ts the time until the next is due, 0 when none waits, -1 when the
 * server went away. */
static int
send_due(struct pb_queue *wait, const struct pb_load *load, struct timespec *ts)
{
	double t = pb_now(), d;

	while (wait->n > 0) {
		if (wait->q[0]->due > t) {
			d = wait->q[0]->due - t;
			ts->tv_sec = (time_t)d;
			ts->tv_nsec = (long)((d - (double)ts->tv_sec) * 1e9);
			return 1;
		}
		if (send_next(heap_pop(wait), load) == -1)
			return -1;
	}
	return 0;
}

/* pb_run - drive nconns connections, measure after the warm-up. */
int
pb_run(int port, int nconns, double warmup, double secs, double think,
       const struct pb_load *load, struct pb_figures *f)
{
	struct pb_conn *conns = calloc((size_t)nconns, sizeof(*conns));
	struct pb_queue wait = {calloc((size_t)nconns, sizeof(*wait.q)), 0};
	struct epoll_event ev, evs[256];
	struct timespec ts = {0, 100 * 1000 * 1000};
	double start, t0 = 0, t1, stop;
	int ep = epoll_create1(0), i, n, measuring = 0, rc = -1, timed;

	for (i = 0; i < nconns; i++) {
		conns[i].fd = connect_one(port);
		conns[i].next = ((size_t)i * 7919) % load->nreqs;
		ev.events = EPOLLIN;
		ev.data.ptr = &conns[i];
		if (conns[i].fd == -1 || first_answer(&conns[i], load) == -1 ||
		    epoll_ctl(ep, EPOLL_CTL_ADD, conns[i].fd, &ev) == -1) {
			fprintf(stderr,
				"bench/policyd: connect to port %d: %s\n", port,
				strerror(errno));
			goto out;
		}
	}
	/* Paced connections start at random times within a think time. */
	for (i = 0; i < nconns; i++) {
		if (think > 0) {
			conns[i].due = pb_now() + think * drand48();
			heap_push(&wait, &conns[i]);
		} else if (send_next(&conns[i], load) == -1) {
			goto lost;
		}
	}
	start = pb_now();
	stop = start + warmup + secs;
	for (t1 = start; t1 < stop; t1 = pb_now()) {
		if (!measuring && t1 >= start + warmup) {
			measuring = 1;
			t0 = t1;
		}
		timed = send_due(&wait, load, &ts);
		if (timed == -1)
			goto lost;
		if (timed == 0)
			ts = (struct timespec){0, 100 * 1000 * 1000};
		n = epoll_pwait2(ep, evs, 256, &ts, NULL);
		for (i = 0; i < n; i++)
			if (on_reply(evs[i].data.ptr, load, measuring, think,
				     &wait, f) == -1)
				goto lost;
	}
	f->secs += t1 - t0;
	rc = 0;
	goto out;
lost:
	fprintf(stderr, "bench/policyd: port %d closed a connection\n", port);
out:
	for (i = 0; i < nconns; i++)
		if (conns[i].fd > 0)
			close(conns[i].fd);
	close(ep);
	free(conns);
	free(wait.q);
	return rc;
}

/* pb_finish - the figures of everything measured in f. */
void
pb_finish(struct pb_figures *f)
{
	qsort(f->lat, f->nlat, sizeof(*f->lat), cmp_double);
	f->rate = f->secs > 0 ? f->n / f->secs : 0;
	f->p50_us = f->nlat ? f->lat[f->nlat / 2] * 1e6 : 0;
	f->p99_us = f->nlat ? f->lat[f->nlat * 99 / 100] * 1e6 : 0;
	free(f->lat);
	f->lat = NULL;
	f->nlat = f->caplat = 0;
}
