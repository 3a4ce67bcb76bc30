/*
 * listen.c - route-policyd's listening socket from a socket spec (see
 * listen.h): a unix socket created with its mode from the start, or a
 * TCP socket on an address.  Made as root, before privileges are dropped.
 */
#include <errno.h>
#include <netdb.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/un.h>
#include <unistd.h>

#include <libroute/alloc.h>

#include "listen.h"

#define BACKLOG 1024 /* 500 smtpd processes may connect at once */

/*
 * stale_socket - whether the socket file at path is left over from a run
 * that ended without removing it: nobody accepts connections on it.
 */
static bool
stale_socket(const struct sockaddr_un *sun)
{
	int fd = socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0);
	bool stale;

	if (fd == -1)
		return false;
	stale = connect(fd, (const struct sockaddr *)sun, sizeof(*sun)) == -1 &&
		errno == ECONNREFUSED;
	close(fd);
	return stale;
}

/* listen_unix - a unix socket at path with the given mode. */
static int
listen_unix(const char *path, unsigned mode, struct route_error *err)
{
	struct sockaddr_un sun;
	struct stat st;
	mode_t old;
	int fd, rc;

	memset(&sun, 0, sizeof(sun));
	sun.sun_family = AF_UNIX;
	if (strlen(path) >= sizeof(sun.sun_path))
		return route_error_set(err, ROUTE_EINVAL,
				       "socket %s: path too long", path);
	memcpy(sun.sun_path, path, strlen(path) + 1);
	if (lstat(path, &st) == 0) {
		if (!S_ISSOCK(st.st_mode))
			return route_error_set(
			    err, ROUTE_EINVAL,
			    "socket %s: a file that is not a socket is there",
			    path);
		if (!stale_socket(&sun))
			return route_error_set(
			    err, ROUTE_EINVAL,
			    "socket %s: in use by another process", path);
		unlink(path);
	}
	fd = socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC | SOCK_NONBLOCK, 0);
	if (fd == -1)
		return route_error_set(err, ROUTE_ESYS, "socket: %s",
				       strerror(errno));
	/* Never reachable with looser permissions than configured. */
	old = umask(~(mode_t)mode & 0777);
	rc = bind(fd, (struct sockaddr *)&sun, sizeof(sun));
	umask(old);
	if (rc == -1 || listen(fd, BACKLOG) == -1) {
		route_error_set(err, ROUTE_ESYS, "cannot listen on %s: %s",
				path, strerror(errno));
		close(fd);
		return -1;
	}
	return fd;
}

/* listen_inet - a TCP socket on HOST:PORT of "PORT@HOST". */
static int
listen_inet(const char *spec, int family, struct route_error *err)
{
	const char *at = strchr(spec, '@');
	struct addrinfo hints, *ai = NULL;
	char *port;
	int fd = -1, one = 1, rc;

	if (at == NULL)
		return route_error_set(err, ROUTE_EINVAL, "socket %s: no @HOST",
				       spec);
	port = route_xstrndup(spec, (size_t)(at - spec));
	memset(&hints, 0, sizeof(hints));
	hints.ai_family = family;
	hints.ai_socktype = SOCK_STREAM;
	hints.ai_flags = AI_PASSIVE | AI_NUMERICSERV;
	rc = getaddrinfo(at + 1, port, &hints, &ai);
	free(port);
	if (rc != 0)
		return route_error_set(err, ROUTE_EINVAL, "socket %s: %s", spec,
				       gai_strerror(rc));
	fd = socket(ai->ai_family,
		    ai->ai_socktype | SOCK_CLOEXEC | SOCK_NONBLOCK,
		    ai->ai_protocol);
	if (fd == -1 ||
	    setsockopt(fd, SOL_SOCKET, SO_REUSEADDR, &one, sizeof(one)) == -1 ||
	    bind(fd, ai->ai_addr, ai->ai_addrlen) == -1 ||
	    listen(fd, BACKLOG) == -1) {
		route_error_set(err, ROUTE_ESYS, "cannot listen on %s: %s",
				spec, strerror(errno));
		if (fd != -1)
			close(fd);
		fd = -1;
	}
	freeaddrinfo(ai);
	return fd;
}

/* listen_open - the listening socket of spec. */
int
listen_open(const char *spec, unsigned mode, struct route_error *err)
{
	if (strncmp(spec, "unix:", 5) == 0)
		return listen_unix(spec + 5, mode, err);
	if (strncmp(spec, "inet:", 5) == 0)
		return listen_inet(spec + 5, AF_INET, err);
	if (strncmp(spec, "inet6:", 6) == 0)
		return listen_inet(spec + 6, AF_INET6, err);
	return route_error_set(err, ROUTE_EINVAL, "socket %s: unknown kind",
			       spec);
}
