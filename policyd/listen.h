/*
 * listen.h - route-policyd's listening socket.
 */
#ifndef POLICYD_LISTEN_H
#define POLICYD_LISTEN_H

#include <libroute/error.h>

/*
 * listen_open - listen on spec, spelled as route_socket_parse spells it:
 * "unix:PATH" (created with mode, under a umask, so it is never open to
 * more; a socket file nobody listens on is replaced, one in use or a file
 * that is not a socket refused), "inet:PORT@HOST" or "inet6:PORT@HOST".
 * Returns the non-blocking listening descriptor, or -1 with the reason
 * in err (which names the socket).  The group of a unix socket is the
 * caller's to set.
 */
int listen_open(const char *spec, unsigned mode, struct route_error *err);

#endif
