/*
 * error.h - error classes and the error record every fallible libroute call
 * fills in.  The library never logs: it hands the caller a class (so a CLI
 * can choose its exit code and a daemon its SMTP reply) and one precise
 * sentence for a person to read.
 */
#ifndef LIBROUTE_ERROR_H
#define LIBROUTE_ERROR_H

#include <stdarg.h>

enum route_errclass {
	ROUTE_OK = 0,
	ROUTE_EINVAL,  /* malformed input: address, rule, config value */
	ROUTE_ENOENT,  /* the named object does not exist */
	ROUTE_EEXIST,  /* the object exists already */
	ROUTE_ECYCLE,  /* the change would make forwarding loop */
	ROUTE_ESCHEMA, /* the store was written by a newer program */
	ROUTE_ESYS,    /* I/O, store or other system failure */
};

#define ROUTE_ERROR_MAX 512

struct route_error {
	enum route_errclass code;
	char msg[ROUTE_ERROR_MAX];
};

/* route_strerror - a short fixed name for an error class ("bad input"). */
const char *route_strerror(enum route_errclass code);

/*
 * route_error_set - record an error of class code with a printf-style
 * message.  err may be NULL (the caller does not want details).  Always
 * returns -1 so that callers can write "return route_error_set(...)".
 */
int route_error_set(struct route_error *err, enum route_errclass code,
		    const char *fmt, ...) __attribute__((format(printf, 3, 4)));

/* route_error_clear - reset err to ROUTE_OK with an empty message. */
void route_error_clear(struct route_error *err);

/*
 * route_error_is_refusal - true when the error is the caller's request being
 * refused (bad input, unknown or existing object, cycle) rather than a
 * system failure.  milter-ctl exits 1 for refusals and 2 for the rest.
 */
int route_error_is_refusal(const struct route_error *err);

#endif
