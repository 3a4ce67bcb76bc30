/*
 * error.c - error classes and the error record (see error.h).
 */
#include <stdio.h>
#include <string.h>

#include <libroute/error.h>

/* route_strerror - short fixed name of an error class. */
const char *
route_strerror(enum route_errclass code)
{
	switch (code) {
	case ROUTE_OK:
		return "success";
	case ROUTE_EINVAL:
		return "bad input";
	case ROUTE_ENOENT:
		return "not found";
	case ROUTE_EEXIST:
		return "already exists";
	case ROUTE_ECYCLE:
		return "forwarding loop";
	case ROUTE_ESCHEMA:
		return "store schema too new";
	case ROUTE_ESYS:
		return "system error";
	}
	return "unknown error";
}

/* route_error_set - record class and message; always -1. */
int
route_error_set(struct route_error *err, enum route_errclass code,
		const char *fmt, ...)
{
	va_list ap;

	if (err == NULL)
		return -1;
	err->code = code;
	va_start(ap, fmt);
	vsnprintf(err->msg, sizeof(err->msg), fmt, ap);
	va_end(ap);
	return -1;
}

/* route_error_clear - back to ROUTE_OK. */
void
route_error_clear(struct route_error *err)
{
	if (err == NULL)
		return;
	err->code = ROUTE_OK;
	err->msg[0] = '\0';
}

/* route_error_is_refusal - the request was refused, not the system failing. */
int
route_error_is_refusal(const struct route_error *err)
{
	switch (err->code) {
	case ROUTE_EINVAL:
	case ROUTE_ENOENT:
	case ROUTE_EEXIST:
	case ROUTE_ECYCLE:
		return 1;
	default:
		return 0;
	}
}
