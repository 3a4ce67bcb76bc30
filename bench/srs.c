/*
 * bench/srs.c - SRS forward and reverse operations per second of libroute
 * (route_srs_forward, route_srs_reverse: in-process, one thread, the clock
 * pinned) and, in the same run, of a postsrsd answering Postfix tcp_table
 * requests over one persistent connection, as Postfix asks it, and over
 * two at once (on a small VM one connection mostly measures how long a
 * sleeping CPU takes to wake): the baseline.  One mix of senders for
 * both; bench/srs.sh starts postsrsd.
 */
#include <errno.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <sys/socket.h>
#include <time.h>
#include <unistd.h>

#include <arpa/inet.h>

#include <libroute/alloc.h>
#include <libroute/srs.h>

#define NSENDERS 1000
#define LIB_SECONDS 1.0	 /* per libroute figure */
#define SOCK_SECONDS 0.5 /* per round of a postsrsd figure */
#define SOCK_ROUNDS 5	 /* rounds, interleaved; the median is the figure */
#define MAX_CONNS 2
#define POSTSRSD_LINE 1024 /* postsrsd's own line buffer */

/* One postsrsd connection: a socket and what it has read ahead. */
struct conn {
	int fd;
	char buf[4096];
	size_t len;
};

/* One thread's share of a timed run against postsrsd. */
struct sock_run {
	int port;
	char **keys;
	size_t nkeys;
	size_t first; /* where in keys this thread starts */
	double until; /* monotonic deadline */
	unsigned long ops;
	unsigned long failed;
};

/* now - monotonic seconds. */
static double
now(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return ts.tv_sec + ts.tv_nsec / 1e9;
}

/* die - give up with a message. */
static void
die(const char *what, const char *why)
{
	fprintf(stderr, "bench/srs: %s: %s\n", what, why);
	exit(1);
}

/*
 * sender_mix - the senders, the same on every run: mostly plain addresses
 * of the kinds mail really comes from (dots, +tags, upper case, digits,
 * IDN domains), a tenth SRS0 and a twentieth SRS1 of other forwarders.
 * All fit a 64-octet SRS local part, so no alias store is needed.
 */
static char **
sender_mix(size_t n)
{
	static const char *const first[] = {
	    "alice", "bob",   "carol", "dave", "Eve",	  "frank",
	    "grace", "heidi", "ivan",  "judy", "MALLORY", "o'neil"};
	static const char *const last[] = {
	    "smith", "jones", "mueller", "garcia", "rossi", "ng", "kowalski"};
	static const char *const dom[] = {
	    "gmail.com",    "example.com",	  "mail.example.org",
	    "Example.NET",  "xn--mnchen-3ya.de",  "lists.example.co.uk",
	    "corp.example", "sub-1.example-2.com"};
	static const char *const hosts[] = {"fwd.example", "relay.example.org"};
	char **s = route_xcalloc(n, sizeof(char *));
	char buf[256];
	size_t i;

	for (i = 0; i < n; i++) {
		const char *f = first[i % 12], *l = last[i / 12 % 7];
		const char *d = dom[i / 3 % 8], *h = hosts[i % 2];
		size_t k = i % 20;

		/* Out of every 20: 6, 3, 2, 2, 4 plain ones, 2 SRS0, 1 SRS1. */
		if (k < 6)
			snprintf(buf, sizeof(buf), "%s.%s@%s", f, l, d);
		else if (k < 9)
			snprintf(buf, sizeof(buf), "%s@%s", f, d);
		else if (k < 11)
			snprintf(buf, sizeof(buf), "%s+news%zu@%s", f, i, d);
		else if (k < 13)
			snprintf(buf, sizeof(buf), "%s-bounces+%zu@lists.%s", l,
				 i * 7919 % 100000, dom[i % 2]);
		else if (k < 17)
			snprintf(buf, sizeof(buf), "%s%zu@%s", l, i, d);
		else if (k < 19)
			snprintf(buf, sizeof(buf),
				 "SRS0=%c%cx%zu=%c%c=%s=%s@%s",
				 'A' + (int)(i % 26), 'a' + (int)(i / 26 % 26),
				 i % 10, 'A' + (int)(i % 26),
				 '2' + (int)(i % 6), d, f, h);
		else
			snprintf(buf, sizeof(buf),
				 "SRS1=Zq%zu=first.example==Ab+/=%c%c=%s=%s@%s",
				 i % 100, 'A' + (int)(i % 26),
				 '2' + (int)(i % 6), d, l, h);
		s[i] = route_xstrdup(buf);
	}
	return s;
}

/*
 * time_lib - operations per second of route_srs_forward (reverse false) or
 * route_srs_reverse over keys, round and round for LIB_SECONDS; *failed_r
 * counts calls that did not succeed.
 */
static double
time_lib(const struct route_srs *srs, char **keys, size_t n, int64_t t,
	 int reverse, unsigned long *failed_r)
{
	struct route_error err;
	unsigned long ops = 0, failed = 0;
	double start = now(), el;
	char *out;
	size_t i;
	int rc;

	do {
		for (i = 0; i < n; i++) {
			out = NULL;
			rc = reverse ? route_srs_reverse(srs, keys[i], t, NULL,
							 &out, &err)
				     : route_srs_forward(srs, keys[i], NULL, t,
							 NULL, &out, &err);
			if (rc != 0)
				failed++;
			free(out);
		}
		ops += n;
		el = now() - start;
	} while (el < LIB_SECONDS);
	*failed_r = failed;
	return ops / el;
}

/* conn_open - a connection to postsrsd on 127.0.0.1:port, Nagle off. */
static void
conn_open(struct conn *c, int port)
{
	struct sockaddr_in sin;
	int one = 1;

	memset(&sin, 0, sizeof(sin));
	sin.sin_family = AF_INET;
	sin.sin_port = htons(port);
	sin.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
	c->len = 0;
	c->fd = socket(AF_INET, SOCK_STREAM, 0);
	if (c->fd == -1 ||
	    connect(c->fd, (struct sockaddr *)&sin, sizeof(sin)) == -1)
		die("connect to postsrsd", strerror(errno));
	setsockopt(c->fd, IPPROTO_TCP, TCP_NODELAY, &one, sizeof(one));
}

/*
 * encode - key as Postfix writes it in a tcp_table request: %XX for '%'
 * and for every byte that is not a printable ASCII character.
 */
static void
encode(const char *key, char *out, size_t size)
{
	static const char hex[] = "0123456789ABCDEF";
	size_t o = 0;

	for (; *key != '\0' && o + 4 < size; key++) {
		unsigned char b = (unsigned char)*key;

		if (b == '%' || b <= ' ' || b >= 0x7f) {
			out[o++] = '%';
			out[o++] = hex[b >> 4];
			out[o++] = hex[b & 15];
		} else
			out[o++] = (char)b;
	}
	out[o] = '\0';
}

/*
 * conn_get - one "get KEY" request and its reply line (without the
 * newline, %XX left as sent) in reply; 0, or -1 when the connection broke.
 */
static int
conn_get(struct conn *c, const char *key, char *reply, size_t size)
{
	char req[3 * POSTSRSD_LINE + 8];
	char *nl;
	size_t len;
	ssize_t r;

	memcpy(req, "get ", 4);
	encode(key, req + 4, sizeof(req) - 5);
	len = strlen(req);
	req[len++] = '\n';
	if (write(c->fd, req, len) != (ssize_t)len)
		return -1;
	while ((nl = memchr(c->buf, '\n', c->len)) == NULL) {
		if (c->len == sizeof(c->buf))
			return -1;
		r = read(c->fd, c->buf + c->len, sizeof(c->buf) - c->len);
		if (r <= 0)
			return -1;
		c->len += (size_t)r;
	}
	len = (size_t)(nl - c->buf);
	if (len >= size)
		return -1;
	memcpy(reply, c->buf, len);
	reply[len] = '\0';
	c->len -= len + 1;
	memmove(c->buf, nl + 1, c->len);
	return 0;
}

/* sock_worker - requests over one connection until the deadline. */
static void *
sock_worker(void *arg)
{
	struct sock_run *r = arg;
	char reply[POSTSRSD_LINE];
	struct conn c;
	size_t i = r->first;

	conn_open(&c, r->port);
	while (now() < r->until) {
		if (conn_get(&c, r->keys[i], reply, sizeof(reply)) == -1)
			die("postsrsd", "connection broken");
		if (strncmp(reply, "200 ", 4) != 0)
			r->failed++;
		r->ops++;
		i = (i + 1) % r->nkeys;
	}
	close(c.fd);
	return NULL;
}

/*
 * time_sock - requests per second postsrsd answers on port over nconns
 * connections at once, each asking keys in turn for SOCK_SECONDS.
 */
static double
time_sock(int port, char **keys, size_t n, int nconns, unsigned long *failed_r)
{
	struct sock_run runs[MAX_CONNS];
	pthread_t tids[MAX_CONNS];
	unsigned long ops = 0, failed = 0;
	double start, el;
	int i;

	start = now();
	for (i = 0; i < nconns; i++) {
		runs[i] = (struct sock_run){
		    port, keys, n, n / nconns * i, start + SOCK_SECONDS, 0, 0};
		if (pthread_create(&tids[i], NULL, sock_worker, &runs[i]) != 0)
			die("pthread_create", strerror(errno));
	}
	for (i = 0; i < nconns; i++) {
		pthread_join(tids[i], NULL);
		ops += runs[i].ops;
		failed += runs[i].failed;
	}
	el = now() - start;
	*failed_r = failed;
	return ops / el;
}

/*
 * postsrsd_forward - postsrsd's forward address of each sender (one
 * round, which also warms it up); *differ_r counts those not equal to
 * ours[i], *case_r those of them that differ only in letter case (we
 * write the sender's domain in lower case, postsrsd as it came).  Replies are
 * %XX-encoded only for bytes the mix has none of.
 */
static char **
postsrsd_forward(int port, char **senders, char **ours, size_t n,
		 size_t *differ_r, size_t *case_r)
{
	char **out = route_xcalloc(n, sizeof(char *));
	char reply[POSTSRSD_LINE];
	struct conn c;
	size_t i;

	*differ_r = 0;
	*case_r = 0;
	conn_open(&c, port);
	for (i = 0; i < n; i++) {
		if (conn_get(&c, senders[i], reply, sizeof(reply)) == -1)
			die("postsrsd", "connection broken");
		if (strncmp(reply, "200 ", 4) != 0)
			die("postsrsd refused a sender of the mix", reply);
		out[i] = route_xstrdup(reply + 4);
		if (strcmp(out[i], ours[i]) == 0)
			continue;
		if (*differ_r < 3)
			printf("differ: %s: libroute %s postsrsd %s\n",
			       senders[i], ours[i], out[i]);
		(*differ_r)++;
		if (strcasecmp(out[i], ours[i]) == 0)
			(*case_r)++;
	}
	close(c.fd);
	return out;
}

/* cmp_double - qsort order of doubles. */
static int
cmp_double(const void *a, const void *b)
{
	double x = *(const double *)a, y = *(const double *)b;

	return x < y ? -1 : x > y;
}

/*
 * sock_figure - print postsrsd's rate over k connections from its rounds
 * (sorted in place): the median, and the spread; returns the median.
 */
static double
sock_figure(const char *op, int k, double *rounds)
{
	char label[64];
	double med;

	qsort(rounds, SOCK_ROUNDS, sizeof(double), cmp_double);
	med = rounds[SOCK_ROUNDS / 2];
	snprintf(label, sizeof(label), "postsrsd %s, %d connection%s", op, k,
		 k > 1 ? "s" : "");
	printf("%-34s %10.0f ops/s %8.2f us/op  (rounds %.0f..%.0f)\n", label,
	       med, 1e6 / med, rounds[0], rounds[SOCK_ROUNDS - 1]);
	return med;
}

/* usage - how to call it. */
static void
usage(void)
{
	fprintf(stderr, "usage: bench/srs SECRETS_FILE SRS_DOMAIN "
			"[FWDPORT REVPORT]\n");
	exit(2);
}

int
main(int argc, char **argv)
{
	struct route_srs_opts o;
	struct route_srs *srs;
	struct route_error err;
	char **senders, **ours, **theirs;
	double lf, lr, pf[MAX_CONNS + 1], pr[MAX_CONNS + 1];
	double fr[MAX_CONNS + 1][SOCK_ROUNDS], rr[MAX_CONNS + 1][SOCK_ROUNDS];
	unsigned long lf_bad, lr_bad, bad, sock_bad = 0;
	size_t i, differ = 0, dcase = 0;
	int64_t t;
	int fport = 0, rport = 0, k, r, wrong = 0;

	if (argc != 3 && argc != 5)
		usage();
	if (argc == 5) {
		fport = atoi(argv[3]);
		rport = atoi(argv[4]);
		if (fport <= 0 || rport <= 0)
			usage();
	}
	route_srs_opts_init(&o);
	o.domain = route_xstrdup(argv[2]);
	o.secrets_file = route_xstrdup(argv[1]);
	/* postsrsd 1.x's alphabet, so the addresses can be compared. */
	o.alphabet = ROUTE_SRS_BASE64;
	if (route_srs_load(&o, &srs, &err) == -1)
		die("route_srs_load", err.msg);
	route_srs_opts_free(&o);

	/* Pinned to now, so the addresses are postsrsd's of today. */
	t = (int64_t)time(NULL);
	senders = sender_mix(NSENDERS);
	ours = route_xcalloc(NSENDERS, sizeof(char *));
	for (i = 0; i < NSENDERS; i++)
		if (route_srs_forward(srs, senders[i], NULL, t, NULL, &ours[i],
				      &err) == -1)
			die(senders[i], err.msg);

	printf("senders: %d (plain with dots, +tags, digits, upper case, "
	       "IDN; 10%% SRS0, 5%% SRS1 of other forwarders)\n",
	       NSENDERS);
	lf = time_lib(srs, senders, NSENDERS, t, 0, &lf_bad);
	lr = time_lib(srs, ours, NSENDERS, t, 1, &lr_bad);
	printf("%-34s %10.0f ops/s %8.2f us/op\n", "libroute forward, 1 thread",
	       lf, 1e6 / lf);
	printf("%-34s %10.0f ops/s %8.2f us/op\n", "libroute reverse, 1 thread",
	       lr, 1e6 / lr);
	if (lf_bad != 0 || lr_bad != 0) {
		printf("WRONG: %lu forward, %lu reverse calls failed\n", lf_bad,
		       lr_bad);
		wrong = 1;
	}
	if (fport == 0) {
		printf("postsrsd: not measured (no ports given)\n");
		return wrong;
	}

	theirs =
	    postsrsd_forward(fport, senders, ours, NSENDERS, &differ, &dcase);
	/* Rounds interleaved, so a slow spell of the VM hits all alike. */
	for (r = 0; r < SOCK_ROUNDS; r++)
		for (k = 1; k <= MAX_CONNS; k++) {
			fr[k][r] = time_sock(fport, senders, NSENDERS, k, &bad);
			sock_bad += bad;
			rr[k][r] = time_sock(rport, theirs, NSENDERS, k, &bad);
			sock_bad += bad;
		}
	for (k = 1; k <= MAX_CONNS; k++) {
		pf[k] = sock_figure("forward", k, fr[k]);
		pr[k] = sock_figure("reverse", k, rr[k]);
	}
	printf("ratios: forward libroute = %.0f x postsrsd (1 connection), "
	       "%.0f x (2 connections)\n",
	       lf / pf[1], lf / pf[2]);
	printf("        reverse libroute = %.0f x postsrsd (1 connection), "
	       "%.0f x (2 connections)\n",
	       lr / pr[1], lr / pr[2]);
	printf("agreement: libroute's address is postsrsd's for %zu of %d "
	       "senders; %zu differ only in letter case\n",
	       NSENDERS - differ, NSENDERS, dcase);
	if (differ != dcase || sock_bad != 0) {
		printf("WRONG: %zu addresses differ, postsrsd refused %lu "
		       "requests\n",
		       differ - dcase, sock_bad);
		wrong = 1;
	}
	for (i = 0; i < NSENDERS; i++) {
		free(senders[i]);
		free(ours[i]);
		free(theirs[i]);
	}
	free(senders);
	free(ours);
	free(theirs);
	route_srs_unref(&srs);
	return wrong;
}
