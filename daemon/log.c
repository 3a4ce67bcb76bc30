/*
 * log.c - a daemon's log sink: syslog in daemon mode, stderr with -f.
 *
 * Severity words follow Postfix ("warning: ", "error: ") so that the lines
 * read the same next to Postfix's own in the mail log.  Both sinks are
 * safe to use from libmilter's worker threads.
 */
#include <stdarg.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <syslog.h>

#include <libroute/alloc.h>

#include "log.h"

static bool log_stderr = true;
static const char *log_name = "route-milter";

static const struct {
	const char *name;
	int facility;
} log_facilities[] = {
    {"mail", LOG_MAIL},	    {"daemon", LOG_DAEMON}, {"user", LOG_USER},
    {"local0", LOG_LOCAL0}, {"local1", LOG_LOCAL1}, {"local2", LOG_LOCAL2},
    {"local3", LOG_LOCAL3}, {"local4", LOG_LOCAL4}, {"local5", LOG_LOCAL5},
    {"local6", LOG_LOCAL6}, {"local7", LOG_LOCAL7},
};

/* log_set_program - the syslog ident and stderr prefix. */
void
log_set_program(const char *name)
{
	log_name = name;
}

/* log_program - the program name lines carry. */
const char *
log_program(void)
{
	return log_name;
}

/* log_open - choose the sink and, for syslog, the facility. */
void
log_open(bool to_stderr, const char *facility)
{
	int fac = LOG_MAIL;
	size_t i;

	if (log_stderr != to_stderr) /* only before threads exist */
		log_stderr = to_stderr;
	for (i = 0; i < sizeof(log_facilities) / sizeof(log_facilities[0]); i++)
		if (facility != NULL &&
		    strcmp(facility, log_facilities[i].name) == 0)
			fac = log_facilities[i].facility;
	/*
	 * Our own lines go to stderr directly with -f; libmilter logs its
	 * errors (e.g. why it cannot listen) with syslog(), so LOG_PERROR
	 * shows those on stderr as well.
	 */
	if (to_stderr)
		openlog(log_name, LOG_PID | LOG_PERROR, fac);
	else
		openlog(log_name, LOG_PID | LOG_NDELAY, fac);
}

/*
 * log_vline - format one line and hand it to the sink.  Most lines fit the
 * buffer on the stack; a longer one (a summary with many recipients) is
 * formatted again into memory of its size, never cut.
 */
static void
log_vline(int prio, const char *prefix, const char *fmt, va_list ap)
{
	char buf[2048], *line = buf;
	const char *sev = prio == LOG_ERR	? "error: "
			  : prio == LOG_WARNING ? "warning: "
						: "";
	va_list again;
	int n;

	va_copy(again, ap);
	n = vsnprintf(buf, sizeof(buf), fmt, ap);
	if (n >= (int)sizeof(buf)) {
		line = route_xmalloc((size_t)n + 1);
		vsnprintf(line, (size_t)n + 1, fmt, again);
	}
	va_end(again);
	if (log_stderr)
		fprintf(stderr, "%s: %s%s%s\n", log_name, prefix, sev, line);
	else
		syslog(prio, "%s%s%s", prefix, sev, line);
	if (line != buf)
		free(line);
}

/* log_info - a daemon-wide informational line. */
void
log_info(const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	log_vline(LOG_INFO, "", fmt, ap);
	va_end(ap);
}

/* log_warn - a daemon-wide warning. */
void
log_warn(const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	log_vline(LOG_WARNING, "", fmt, ap);
	va_end(ap);
}

/* log_error - a daemon-wide error. */
void
log_error(const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	log_vline(LOG_ERR, "", fmt, ap);
	va_end(ap);
}

/* log_msg - a line about one message, queue id first. */
void
log_msg(bool warn, const char *qid, const char *fmt, ...)
{
	char prefix[64];
	va_list ap;

	snprintf(prefix, sizeof(prefix),
		 "%s: ", qid != NULL && qid[0] != '\0' ? qid : "NOQUEUE");
	va_start(ap, fmt);
	log_vline(warn ? LOG_WARNING : LOG_INFO, prefix, fmt, ap);
	va_end(ap);
}
