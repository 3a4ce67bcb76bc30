/*
 * test_server.c - the server loop in-process on a real unix socket, with
 * decide.c behind it and short timeouts: golden transcripts (the bytes a
 * client writes, the bytes it reads back until the server closes),
 * requests cut into many writes or sent together, 500 connections at
 * once next to slow and hostile clients, the timeouts and the limit.
 */
#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#include <pthread.h>
#include <stdatomic.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/resource.h>
#include <sys/socket.h>
#include <sys/un.h>
#include <time.h>
#include <unistd.h>

#include <libroute/alloc.h>
#include <libroute/rules.h>

#include "decide.h"
#include "server.h"
#include "test.h"

#define IDLE_MS 300
#define REQUEST_MS 300
#define MAX_CONNS 600

static struct route_table *table;
static struct sockaddr_un addr;
static pthread_mutex_t drop_lock = PTHREAD_MUTEX_INITIALIZER;
static char drops[4096]; /* why each drop, one per line */

/* on_request - decide with the test table, as route-policyd does. */
static void
on_request(void *ctx, const char *peer, const struct proto_request *req,
	   char *action, size_t size)
{
	struct decide_in in = {table, NULL, NULL, 0};
	struct decide_result r;

	(void)ctx;
	(void)peer;
	decide_request(&in, req, &r);
	snprintf(action, size, "%s", r.action);
}

/* What the prefetch hints saw: the server must give both steps, for
 * the same request, with the hint of step 0 kept for step 1. */
static atomic_long hinted[2], hint_lost;

/* on_prefetch - the hints route-policyd gives, counted. */
static void
on_prefetch(void *ctx, const struct proto_request *req, int step,
	    uint64_t *hint)
{
	struct decide_in in = {table, NULL, NULL, 0};

	(void)ctx;
	atomic_fetch_add(&hinted[step], 1);
	if (step == 0)
		*hint = decide_prefetch(&in, req);
	else if (*hint != decide_prefetch(&in, req) || *hint == 0)
		atomic_fetch_add(&hint_lost, 1);
	else
		decide_prefetch_rule(&in, *hint);
}

/* on_dropped - remember why, for the checks. */
static void
on_dropped(void *ctx, const char *peer, const char *why)
{
	size_t len;

	(void)ctx;
	pthread_mutex_lock(&drop_lock);
	len = strlen(drops);
	snprintf(drops + len, sizeof(drops) - len, "%s: %s\n",
		 peer == NULL			 ? "listener"
		 : strncmp(peer, "pid ", 4) == 0 ? "pid"
						 : peer,
		 why);
	pthread_mutex_unlock(&drop_lock);
}

/* drops_take - the drops so far, cleared. */
static char *
drops_take(void)
{
	char *d;

	pthread_mutex_lock(&drop_lock);
	d = route_xstrdup(drops);
	drops[0] = '\0';
	pthread_mutex_unlock(&drop_lock);
	return d;
}

/* build_table - example.com refuses unknown addresses; one forward. */
static void
build_table(void)
{
	static const struct route_domain_def dom = {"example.com", true,
						    ROUTE_UNKNOWN_REJECT, true};
	static const char *const me[] = {"me@mailbox.test"};
	static const struct route_rule_def fwd = {
	    1,	 "info@example.com", ROUTE_ACTION_FORWARD, me, 1, NULL, true, 0,
	    NULL};
	static const struct route_rule_def rej = {2,
						  "sales@example.com",
						  ROUTE_ACTION_REJECT,
						  NULL,
						  0,
						  "Go away",
						  true,
						  0,
						  NULL};
	static const struct route_dest_def dest = {"me@mailbox.test", true};
	struct route_table_builder *b = route_table_builder_new(NULL);
	struct route_error err;

	route_table_builder_add_domain(b, &dom, &err);
	route_table_builder_add_dest(b, &dest, &err);
	route_table_builder_add_rule(b, &fwd, &err);
	route_table_builder_add_rule(b, &rej, &err);
	table = route_table_builder_finish(&b, &err);
}

/* ms_now - the monotonic clock in milliseconds. */
static long long
ms_now(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (long long)ts.tv_sec * 1000 + ts.tv_nsec / 1000000;
}

/* client - a connected client socket, or -1. */
static int
client(void)
{
	int fd = socket(AF_UNIX, SOCK_STREAM, 0);

	if (fd != -1 &&
	    connect(fd, (struct sockaddr *)&addr, sizeof(addr)) == -1) {
		close(fd);
		fd = -1;
	}
	return fd;
}

/* send_all - write len octets; false when the server went away. */
static bool
send_all(int fd, const char *s, size_t len)
{
	ssize_t n;

	while (len > 0) {
		n = send(fd, s, len, MSG_NOSIGNAL);
		if (n <= 0)
			return false;
		s += n;
		len -= (size_t)n;
	}
	return true;
}

/*
 * read_replies - read from fd until replies complete replies ("\n\n")
 * have come, the server closes (then "<EOF>" is appended) or ms pass
 * ("<TIMEOUT>").  Returns what was read, malloc'ed.
 */
static char *
read_replies(int fd, int replies, int ms)
{
	size_t len = 0, cap = 256;
	char *buf = route_xmalloc(cap);
	long long end = ms_now() + ms;
	struct pollfd pfd = {fd, POLLIN, 0};
	int got = 0;
	ssize_t n;
	size_t i;

	buf[0] = '\0';
	while (replies < 0 || got < replies) {
		if (poll(&pfd, 1, (int)(end - ms_now())) <= 0) {
			strcat(buf = route_xrealloc(buf, len + 16),
			       "<TIMEOUT>");
			return buf;
		}
		if (len + 1024 > cap)
			buf = route_xrealloc(buf, cap *= 2);
		n = recv(fd, buf + len, 1023, 0);
		if (n <= 0) {
			buf = route_xrealloc(buf, len + 8);
			strcpy(buf + len, "<EOF>");
			return buf;
		}
		for (i = len; i < len + (size_t)n; i++)
			if (i > 0 && buf[i] == '\n' && buf[i - 1] == '\n')
				got++;
		len += (size_t)n;
		buf[len] = '\0';
	}
	return buf;
}

struct transcript {
	const char *what;
	const char *in;
	size_t len; /* 0: strlen */
	const char *out;
};

#define REQ(rcpt) "protocol_state=RCPT\nrecipient=" rcpt "\n\n"

static const struct transcript transcripts[] = {
    {"unknown, then a forward, then a reject, then not routed",
     REQ("nobody@example.com") REQ("info@example.com") REQ("sales@example.com")
	 REQ("a@example.org"),
     0,
     "action=550 5.1.1 User unknown\n\naction=DUNNO\n\n"
     "action=550 5.7.1 Go away\n\naction=DUNNO\n\n<EOF>"},
    {"a Postfix request with every attribute",
     "request=smtpd_access_policy\nprotocol_state=RCPT\n"
     "protocol_name=ESMTP\nhelo_name=client.example\nqueue_id=\n"
     "sender=a@example.org\nrecipient=nobody@example.com\n"
     "recipient_count=0\nclient_address=127.0.0.2\nclient_name=unknown\n"
     "reverse_client_name=unknown\ninstance=1c2.65a1b2c3.d4e5f.0\n"
     "sasl_method=\nsasl_username=\nsasl_sender=\nsize=0\nccert_subject=\n"
     "ccert_issuer=\nccert_fingerprint=\nccert_pubkey_fingerprint=\n"
     "encryption_protocol=\nencryption_cipher=\nencryption_keysize=0\n"
     "etrn_domain=\nstress=\nserver_address=127.0.0.1\nserver_port=25\n"
     "compatibility_level=3.6\nmail_version=3.7.11\n\n",
     0, "action=550 5.1.1 User unknown\n\n<EOF>"},
    {"a malformed line: DUNNO, closed", "protocol_state=RCPT\nhello\n\n", 0,
     "action=DUNNO\n\n<EOF>"},
    {"a NUL: DUNNO, closed", "recipient=a\0b@example.com\n\n", 28,
     "action=DUNNO\n\n<EOF>"},
    {"a request before a malformed one is answered",
     REQ("nobody@example.com") "junk\n\n" REQ("info@example.com"), 0,
     "action=550 5.1.1 User unknown\n\naction=DUNNO\n\n<EOF>"},
};

/* test_transcripts - each written in one go, then octet by octet. */
static void
test_transcripts(void)
{
	size_t i, j, len;
	char *got, *d;
	int fd;

	for (i = 0; i < sizeof(transcripts) / sizeof(transcripts[0]); i++) {
		const struct transcript *t = &transcripts[i];

		len = t->len ? t->len : strlen(t->in);
		fd = client();
		send_all(fd, t->in, len);
		shutdown(fd, SHUT_WR);
		got = read_replies(fd, -1, 5000);
		CHECK_STR(got, t->out);
		free(got);
		close(fd);
		fd = client();
		for (j = 0; j < len; j++)
			if (!send_all(fd, t->in + j, 1))
				break;
		shutdown(fd, SHUT_WR);
		got = read_replies(fd, -1, 5000);
		CHECK_STR(got, t->out);
		free(got);
		close(fd);
	}
	d = drops_take();
	CHECK(strstr(d, "pid: malformed request (line without '='); "
			"answered DUNNO, connection closed\n") != NULL);
	CHECK(strstr(d, "pid: malformed request (NUL byte in a line)") != NULL);
	free(d);
}

/* test_reuse - one connection, many requests, each answered in turn. */
static void
test_reuse(void)
{
	int fd = client(), i, good = 0;
	char *got;

	for (i = 0; i < 2000; i++) {
		send_all(fd, REQ("nobody@example.com"),
			 strlen(REQ("nobody@example.com")));
		got = read_replies(fd, 1, 2000);
		if (strcmp(got, "action=550 5.1.1 User unknown\n\n") == 0)
			good++;
		free(got);
	}
	CHECK_INT(good, 2000);
	close(fd);
}

/*
 * test_crowd - 500 clients connected at once, each sends a request after
 * all are connected; next to them a client that sends half a request and
 * stops, and one that sends 20,000 requests without reading a reply.
 * Every one of the 500 is answered, and quickly.
 */
static void
test_crowd(void)
{
	enum { N = 500 };
	static int fds[N];
	const char *req = REQ("info@example.com");
	int i, good = 0, connected = 0, slow, flood;
	size_t flood_len = strlen(REQ("x@example.org")) * 20000, off;
	char *got, *big = route_xmalloc(flood_len);
	long long t0;

	for (off = 0; off < flood_len; off += strlen(REQ("x@example.org")))
		memcpy(big + off, REQ("x@example.org"),
		       strlen(REQ("x@example.org")));
	slow = client();
	send_all(slow, "protocol_state=RCPT\nrecip", 25);
	flood = client();
	fcntl(flood, F_SETFL, O_NONBLOCK);
	off = 0;
	while (off < flood_len) {
		ssize_t n = send(flood, big + off, flood_len - off, 0);
		if (n <= 0)
			break; /* the server stopped reading: good */
		off += (size_t)n;
	}
	CHECK(off < flood_len); /* it did stop reading */
	for (i = 0; i < N; i++)
		if ((fds[i] = client()) != -1)
			connected++;
	CHECK_INT(connected, N);
	t0 = ms_now();
	for (i = 0; i < N; i++)
		send_all(fds[i], req, strlen(req));
	for (i = 0; i < N; i++) {
		got = read_replies(fds[i], 1, 2000);
		if (strcmp(got, "action=DUNNO\n\n") == 0)
			good++;
		free(got);
	}
	CHECK_INT(good, N);
	/* 500 requests at once arrive in batches: they were hinted, each
	 * with both steps, and the answers above did not change. */
	printf("# %ld requests hinted\n", atomic_load(&hinted[0]));
	CHECK(atomic_load(&hinted[0]) >= 2);
	CHECK_INT(atomic_load(&hinted[1]), atomic_load(&hinted[0]));
	CHECK_INT(atomic_load(&hint_lost), 0);
	printf("# 500 clients answered in %lld ms\n", ms_now() - t0);
	CHECK(ms_now() - t0 < 1000);
	/* The flood is answered in full once its client reads. */
	fcntl(flood, F_SETFL, 0);
	{
		size_t want = 20000 * strlen("action=DUNNO\n\n"), have = 0;
		char buf[65536];
		ssize_t n;

		while (off < flood_len) {
			/* what the server could not take before */
			n = recv(flood, buf, sizeof(buf), MSG_DONTWAIT);
			if (n > 0)
				have += (size_t)n;
			n = send(flood, big + off, flood_len - off,
				 MSG_DONTWAIT | MSG_NOSIGNAL);
			if (n > 0)
				off += (size_t)n;
		}
		shutdown(flood, SHUT_WR);
		while ((n = recv(flood, buf, sizeof(buf), 0)) > 0)
			have += (size_t)n;
		CHECK_INT(have, want);
	}
	for (i = 0; i < N; i++)
		close(fds[i]);
	close(flood);
	close(slow);
	free(big);
	free(drops_take());
}

/* test_timeouts - idle and half-sent connections are closed in time. */
static void
test_timeouts(void)
{
	int idle = client(), half = client(), busy = client(), i;
	long long t0 = ms_now();
	char *got, *d;

	send_all(half, "protocol_state=RCPT\n", 20);
	/* A client that keeps asking is never idle for long. */
	for (i = 0; i < 8; i++) {
		send_all(busy, REQ("a@example.org"),
			 strlen(REQ("a@example.org")));
		free(read_replies(busy, 1, 1000));
		usleep(IDLE_MS * 1000 / 4);
	}
	got = read_replies(idle, -1, 3000);
	CHECK_STR(got, "<EOF>");
	free(got);
	got = read_replies(half, -1, 3000);
	CHECK_STR(got, "<EOF>");
	free(got);
	CHECK(ms_now() - t0 < 3000);
	send_all(busy, REQ("a@example.org"), strlen(REQ("a@example.org")));
	got = read_replies(busy, 1, 1000);
	CHECK_STR(got, "action=DUNNO\n\n");
	free(got);
	d = drops_take();
	/* A half request is logged, a plain idle close is not. */
	CHECK_STR(d, "pid: request not complete in time; connection closed\n");
	free(d);
	close(idle);
	close(half);
	close(busy);
}

/* test_limit - past max_conns a connection is closed at once. */
static void
test_limit(void)
{
	static int fds[MAX_CONNS + 1];
	int i, n = 0;
	char *got, *d;

	for (i = 0; i < MAX_CONNS; i++) {
		fds[i] = client();
		send_all(fds[i], REQ("a@example.org"),
			 strlen(REQ("a@example.org")));
		got = read_replies(fds[i], 1, 2000);
		if (strcmp(got, "action=DUNNO\n\n") == 0)
			n++;
		free(got);
	}
	CHECK_INT(n, MAX_CONNS);
	fds[MAX_CONNS] = client();
	got = read_replies(fds[MAX_CONNS], -1, 2000);
	CHECK_STR(got, "<EOF>");
	free(got);
	d = drops_take();
	CHECK_STR(d, "listener: connection limit reached; closing new "
		     "connections\n");
	free(d);
	for (i = 0; i <= MAX_CONNS; i++)
		close(fds[i]);
}

/*
 * test_no_fds - the process runs out of descriptors while a client is
 * waiting to be accepted: the listener says so once and rests, the
 * client stays in the queue, and it is answered as soon as descriptors
 * are there again.
 */
static void
test_no_fds(void)
{
	static int spare[256];
	struct rlimit old, low;
	int fd, n = 0, i;
	char *got, *d;

	getrlimit(RLIMIT_NOFILE, &old);
	low = old;
	/* A few descriptors above the highest in use, then none left. */
	fd = dup(0);
	low.rlim_cur = (rlim_t)fd + 16;
	close(fd);
	setrlimit(RLIMIT_NOFILE, &low);
	while (n < 256 && (spare[n] = dup(0)) != -1)
		n++;
	CHECK(n > 0 && n < 256);
	close(spare[--n]); /* room for the client's own socket */
	fd = client();
	CHECK(fd != -1);
	send_all(fd, REQ("x@example.org"), strlen(REQ("x@example.org")));
	usleep(350 * 1000); /* several tries of the listener */
	d = drops_take();
	CHECK_STR(d, "listener: cannot accept connections: Too many open "
		     "files; trying again every 100 ms\n");
	free(d);
	setrlimit(RLIMIT_NOFILE, &old);
	for (i = 0; i < n; i++)
		close(spare[i]);
	got = read_replies(fd, 1, 2000);
	CHECK_STR(got, "action=DUNNO\n\n");
	free(got);
	d = drops_take();
	CHECK_STR(d, "");
	free(d);
	close(fd);
}

int
main(void)
{
	struct server_handlers h = {0};
	struct route_error err;
	struct server_opts o;
	struct server *s;
	struct rlimit rl;
	char dir[] = "/tmp/test_server.XXXXXX";
	int lfd;

	/* 600 clients and their 600 server ends in one process. */
	getrlimit(RLIMIT_NOFILE, &rl);
	rl.rlim_cur = rl.rlim_max;
	setrlimit(RLIMIT_NOFILE, &rl);
	build_table();
	if (mkdtemp(dir) == NULL)
		return 99;
	addr.sun_family = AF_UNIX;
	snprintf(addr.sun_path, sizeof(addr.sun_path), "%s/policy.sock", dir);
	lfd = socket(AF_UNIX, SOCK_STREAM | SOCK_NONBLOCK, 0);
	if (bind(lfd, (struct sockaddr *)&addr, sizeof(addr)) == -1 ||
	    listen(lfd, 1024) == -1)
		return 99;
	server_opts_init(&o);
	o.idle_ms = IDLE_MS;
	o.request_ms = REQUEST_MS;
	o.max_conns = MAX_CONNS;
	h.request = on_request;
	h.prefetch = on_prefetch;
	h.dropped = on_dropped;
	s = server_start(lfd, &o, &h, &err);
	CHECK(s != NULL);
	test_transcripts();
	test_reuse();
	test_crowd();
	usleep(2 * IDLE_MS * 1000); /* the crowd's connections time out */
	test_timeouts();
	usleep(100 * 1000); /* the server sees those three go */
	test_limit();
	usleep(100 * 1000); /* the server sees those go */
	test_no_fds();
	server_stop(&s);
	CHECK(s == NULL);
	close(lfd);
	unlink(addr.sun_path);
	rmdir(dir);
	route_table_unref(&table);
	return test_done();
}
