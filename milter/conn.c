/*
 * conn.c - per-connection context of route-milter.
 *
 * A connection outlives its messages (SMTP sessions send several), so the
 * message state hangs off it and is ended by conn_msg_cleanup alone.
 */
#include <arpa/inet.h>
#include <netinet/in.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>

#include <libroute/alloc.h>

#include "conn.h"
#include "msg.h"

/* conn_new - an empty connection context. */
struct conn *
conn_new(void)
{
	struct conn *c = route_xcalloc(1, sizeof(*c));

	c->client = route_xstrdup("unknown");
	return c;
}

/*
 * conn_set_client - "host[addr]" from what the MTA said at connect, as
 * Postfix logs it; just "[addr]" when the MTA has no name and passes the
 * address in brackets as the host.
 */
void
conn_set_client(struct conn *c, const char *host, const struct sockaddr *sa)
{
	char addr[INET6_ADDRSTRLEN] = "unknown";
	const struct sockaddr_in *sin = (const struct sockaddr_in *)sa;
	size_t len;

	if (sa != NULL && sa->sa_family == AF_INET)
		inet_ntop(AF_INET, &sin->sin_addr, addr, sizeof(addr));
	else if (sa != NULL && sa->sa_family == AF_INET6)
		inet_ntop(AF_INET6,
			  &((const struct sockaddr_in6 *)sa)->sin6_addr, addr,
			  sizeof(addr));
	if (host == NULL)
		host = "unknown";
	len = strlen(addr);
	free(c->client);
	if (host[0] == '[' && strncmp(host + 1, addr, len) == 0 &&
	    host[len + 1] == ']' && host[len + 2] == '\0')
		c->client = route_xasprintf("[%s]", addr);
	else
		c->client = route_xasprintf("%s[%s]", host, addr);
	c->local_submission = sa != NULL && sa->sa_family == AF_INET &&
			      strcmp(host, "localhost") == 0 &&
			      ntohl(sin->sin_addr.s_addr) == INADDR_LOOPBACK &&
			      sin->sin_port == 0;
}

/* conn_set_mta - Postfix names itself in the "v" macro. */
void
conn_set_mta(struct conn *c, const char *version)
{
	c->mta_postfix = version != NULL && strncmp(version, "Postfix", 7) == 0;
}

/* conn_msg_cleanup - log and release the message in progress. */
void
conn_msg_cleanup(struct conn *c)
{
	if (c->msg == NULL)
		return;
	msg_log_summary(c->msg);
	msg_free(&c->msg);
}

/* conn_free - release the connection context. */
void
conn_free(struct conn **cp)
{
	struct conn *c = *cp;

	if (c == NULL)
		return;
	conn_msg_cleanup(c);
	free(c->client);
	free(c);
	*cp = NULL;
}
