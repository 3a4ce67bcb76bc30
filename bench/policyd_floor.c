/*
 * bench/policyd_floor.c - the protocol floor for bench/policyd: the least
 * a policy server can do, one epoll loop that answers "action=DUNNO" to
 * every request (everything up to an empty line) without looking at it.
 * route-policyd is measured against it under the same client.
 *
 * usage: bench/policyd-floor PORT   (listens on 127.0.0.1:PORT until
 * killed; prints "ready" once it listens)
 */
#include <arpa/inet.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/epoll.h>
#include <sys/socket.h>
#include <unistd.h>

static const char reply[] = "action=DUNNO\n\n";

struct floor_conn {
	int fd;
	char last; /* the last octet read, for an empty line cut by a read */
};

/* answer - count the request ends in what c read, answer each. */
static int
answer(struct floor_conn *c)
{
	char buf[16384], out[16384];
	ssize_t n = recv(c->fd, buf, sizeof(buf), 0), i;
	size_t k = 0;

	if (n <= 0)
		return -1;
	for (i = 0; i < n; i++) {
		if (buf[i] == '\n' && c->last == '\n' &&
		    k + sizeof(reply) - 1 <= sizeof(out)) {
			memcpy(out + k, reply, sizeof(reply) - 1);
			k += sizeof(reply) - 1;
			c->last = 0;
		} else {
			c->last = buf[i];
		}
	}
	return k == 0 || send(c->fd, out, k, MSG_NOSIGNAL) == (ssize_t)k ? 0
									 : -1;
}

int
main(int argc, char **argv)
{
	struct sockaddr_in sin;
	struct epoll_event ev, evs[256];
	struct floor_conn *c;
	int lfd, ep, fd, n, i, one = 1;

	if (argc != 2)
		return 2;
	memset(&sin, 0, sizeof(sin));
	sin.sin_family = AF_INET;
	sin.sin_port = htons((unsigned short)atoi(argv[1]));
	sin.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
	lfd = socket(AF_INET, SOCK_STREAM, 0);
	setsockopt(lfd, SOL_SOCKET, SO_REUSEADDR, &one, sizeof(one));
	if (bind(lfd, (struct sockaddr *)&sin, sizeof(sin)) == -1 ||
	    listen(lfd, 1024) == -1) {
		perror("bench/policyd-floor");
		return 1;
	}
	ep = epoll_create1(0);
	ev.events = EPOLLIN;
	ev.data.ptr = NULL;
	epoll_ctl(ep, EPOLL_CTL_ADD, lfd, &ev);
	printf("ready\n");
	fflush(stdout);
	for (;;) {
		n = epoll_wait(ep, evs, 256, -1);
		for (i = 0; i < n; i++) {
			c = evs[i].data.ptr;
			if (c == NULL) {
				fd = accept(lfd, NULL, NULL);
				if (fd == -1)
					continue;
				setsockopt(fd, IPPROTO_TCP, TCP_NODELAY, &one,
					   sizeof(one));
				c = calloc(1, sizeof(*c));
				c->fd = fd;
				ev.data.ptr = c;
				epoll_ctl(ep, EPOLL_CTL_ADD, fd, &ev);
			} else if (answer(c) == -1) {
				close(c->fd);
				free(c);
			}
		}
	}
}
