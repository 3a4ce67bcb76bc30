/*
 * conn.h - the state route-milter keeps for one MTA connection: who the
 * SMTP client is, what was negotiated, and the message in progress.
 *
 * conn_msg_cleanup is the one place a message ends, whether the end of
 * message, an abort or the connection's close got there first.
 */
#ifndef MILTER_CONN_H
#define MILTER_CONN_H

#include <stdbool.h>
#include <sys/socket.h>

struct msg;

struct conn {
	char *client;	       /* "host[addr]" for the log */
	bool hdr_noreply;      /* the MTA does not wait for header replies */
	bool local_submission; /* Postfix's emulated session for mail from
				  sendmail(1): recipients cannot be refused */
	bool mta_postfix;      /* Postfix keeps the ESMTP parameters of MAIL
				  FROM when a milter changes the sender,
				  and warns about any given with it */
	struct msg *msg;       /* the transaction in progress, or NULL */
};

/* conn_new - an empty connection context. */
struct conn *conn_new(void);

/*
 * conn_set_client - remember the SMTP client; sa may be NULL.  Recognises
 * the session Postfix's cleanup(8) emulates for non_smtpd_milters:
 * "localhost", 127.0.0.1, port 0 (no TCP client has port 0).
 */
void conn_set_client(struct conn *c, const char *host,
		     const struct sockaddr *sa);

/* conn_set_mta - what the MTA says it is (the "v" macro; may be NULL). */
void conn_set_mta(struct conn *c, const char *version);

/*
 * conn_msg_cleanup - end the message in progress, if any: log its summary
 * line and release it with its snapshot references.
 */
void conn_msg_cleanup(struct conn *c);

/* conn_free - end any message and free the context; *c may be NULL. */
void conn_free(struct conn **c);

#endif
