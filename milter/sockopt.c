/*
 * sockopt.c - no delayed-ACK stall on inet: milter sockets.
 *
 * The stall: Postfix writes a milter command as several small writes (the
 * macros, then the command) without waiting in between, and it leaves
 * Nagle's algorithm on.  Its second write waits for the ACK of the first;
 * our kernel, seeing no reply to piggyback it on, delays that ACK by 40 ms
 * or more.  In the other direction our replies at end of message (one
 * packet per added or deleted recipient, then the verdict) meet our own
 * Nagle and Postfix's delayed ACK.  Together that is 40-88 ms per message
 * on loopback, against well under a millisecond on a unix socket.
 *
 * The cure is TCP_NODELAY on our side (our small replies leave at once) and
 * TCP_QUICKACK after each read (the pending ACK leaves at once, so
 * Postfix's next write is not held back).  Each alone removes one of the
 * two stalls of about 44 ms that bench/latency shows; both together make
 * inet: as fast as unix:.  TCP_QUICKACK is not sticky: the kernel drops
 * back to delayed ACKs as soon as it sees request/response traffic, so it
 * has to be re-armed after every read.
 *
 * libmilter owns those sockets and has no accessor for their descriptors.
 * route-milter therefore links libmilter statically and the linker wraps
 * the two calls libmilter makes on them (-Wl,--wrap=accept,--wrap=read in
 * milter/local.mk): every reference to accept() and read() inside
 * libmilter.a (and in our own objects) goes to __wrap_accept/__wrap_read
 * below, which call the real function and then set the option.  Shared
 * libraries (SQLite, libroute, libc itself) are not affected by --wrap.
 * Setting TCP_NODELAY on the listening socket would also do for NODELAY
 * (Linux copies it to accepted sockets), but QUICKACK needs the read hook
 * anyway, so both live here.  Not chosen: defining read() in the program
 * against a shared libmilter (it would hook every library's reads), digging
 * the descriptor out of libmilter's private SMFICTX layout, or a proxy
 * between Postfix and libmilter (a copy of every byte).
 *
 * Which descriptors are tuned: accept() marks a TCP connection in
 * tcp_fds[]; read() re-arms QUICKACK only on marked descriptors.  A mark
 * is written by libmilter's listener thread before it hands the session to
 * a worker (libmilter's hand-over orders the two), and it is rewritten by
 * the next accept() that returns the same number.  A stale mark on a
 * closed descriptor is harmless: the only other descriptors read through
 * the wrapper are libmilter's worker-pool pipe and main.c's signal pipe,
 * and both exist before the first accept().
 */
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <stdbool.h>
#include <stdlib.h>
#include <sys/resource.h>
#include <sys/socket.h>
#include <unistd.h>

#include <libroute/alloc.h>

#include "log.h"
#include "sockopt.h"

ssize_t __real_read(int fd, void *buf, size_t len);
ssize_t __wrap_read(int fd, void *buf, size_t len);
int __real_accept(int fd, struct sockaddr *sa, socklen_t *salen);
int __wrap_accept(int fd, struct sockaddr *sa, socklen_t *salen);

/* Upper bound on tracked descriptors when RLIMIT_NOFILE is unlimited. */
#define SOCKOPT_FDS_MAX (1 << 20)

static unsigned char *tcp_fds; /* tcp_fds[fd]: tune reads on fd */
static size_t tcp_nfds;

/* sockopt_enable - start tuning the TCP connections libmilter accepts. */
bool
sockopt_enable(void)
{
	struct rlimit rl;

	if (getenv("ROUTE_MILTER_NO_TCP_TUNING") != NULL) {
		log_info("TCP tuning of milter connections is off "
			 "(ROUTE_MILTER_NO_TCP_TUNING is set)");
		return false;
	}
	tcp_nfds = SOCKOPT_FDS_MAX;
	if (getrlimit(RLIMIT_NOFILE, &rl) == 0 &&
	    rl.rlim_max != RLIM_INFINITY && rl.rlim_max < SOCKOPT_FDS_MAX)
		tcp_nfds = rl.rlim_max;
	tcp_fds = route_xcalloc(tcp_nfds, 1);
	return true;
}

/* __wrap_accept - accept(), then TCP_NODELAY on a new TCP connection. */
int
__wrap_accept(int fd, struct sockaddr *sa, socklen_t *salen)
{
	int conn = __real_accept(fd, sa, salen);
	int on = 1;
	bool tcp;

	if (conn < 0 || tcp_fds == NULL || (size_t)conn >= tcp_nfds)
		return conn;
	tcp = sa != NULL &&
	      (sa->sa_family == AF_INET || sa->sa_family == AF_INET6) &&
	      setsockopt(conn, IPPROTO_TCP, TCP_NODELAY, &on, sizeof(on)) == 0;
	tcp_fds[conn] = tcp;
	return conn;
}

/* __wrap_read - read(), then send any delayed ACK now and stay quick. */
ssize_t
__wrap_read(int fd, void *buf, size_t len)
{
	ssize_t n = __real_read(fd, buf, len);
	int on = 1;

	if (n > 0 && tcp_fds != NULL && fd >= 0 && (size_t)fd < tcp_nfds &&
	    tcp_fds[fd])
		(void)setsockopt(fd, IPPROTO_TCP, TCP_QUICKACK, &on,
				 sizeof(on));
	return n;
}
