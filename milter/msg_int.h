/*
 * msg_int.h - the message state shared by the parts of msg.c: the
 * decisions (msg.c) and the summary line (msg_log.c).  Private to
 * route-milter; everyone else goes through msg.h.
 */
#ifndef MILTER_MSG_INT_H
#define MILTER_MSG_INT_H

#include <stdbool.h>
#include <stdint.h>
#include <time.h>

#include <libroute/config.h>
#include <libroute/rules.h>
#include <libroute/srs.h>

#include "msg.h"

struct msg_rcpt {
	char *arg;		  /* as given at RCPT, with or without <> */
	char *mailbox;		  /* normalised "local@domain", or NULL */
	char *key;		  /* route_addr_key of arg, or NULL */
	char *del_alt;		  /* "<mailbox>" when that differs from arg */
	struct route_decision d;  /* libroute's decision */
	bool looked_up;		  /* d is filled (needs clearing) */
	const char *code, *xcode; /* the refusal, or NULL when accepted */
	const char *text;
	const char *late_code, *late_xcode; /* refused at end of message */
	char *invalid;	   /* parse error text for a bad address */
	char *reply_text;  /* the refusal's whole text */
	bool srs_reversed; /* a bounce to our SRS address: d forwards it to
			      the original sender */
};

struct msg {
	struct route_config *cfg;
	struct route_table *table;
	struct route_srs *srs; /* NULL: SRS off */
	char *from;
	char *from_args; /* the ESMTP parameters of MAIL FROM, or NULL */
	char *srs_note;	 /* for the summary: the new sender, or why not */
	char *client;
	char *qid;
	struct msg_rcpt *rcpts;
	size_t nrcpts;
	uint64_t size; /* header and body octets seen so far */
	unsigned nreceived;
	struct timespec start;
	char *result; /* "accepted", "rejected 552 5.3.4", ...; NULL: aborted */
	char text[256];	    /* reply text of a message-level refusal */
	bool late_refusals; /* refuse recipients at end of message */
	struct msg_reply late_reject, late_tempfail; /* the first of each */
};

/* msg_bracket_open / msg_bracket_close - "<" and ">" unless the address
 * already has its brackets, for log lines. */
const char *msg_bracket_open(const char *a);
const char *msg_bracket_close(const char *a);

#endif
