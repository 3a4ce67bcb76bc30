/*
 * log.h - where a daemon's messages go: syslog, or stderr with -f.  Shared
 * by route-milter and route-policyd.
 *
 * Daemon-wide lines (start, reload, store trouble) use log_info/warn/error.
 * Lines about one message use log_msg, which puts the queue id (or NOQUEUE)
 * first, as Postfix does, so one grep finds everything about a message.
 */
#ifndef DAEMON_LOG_H
#define DAEMON_LOG_H

#include <stdbool.h>

/*
 * log_set_program - the name lines carry: the syslog ident and the prefix
 * of a line on stderr ("route-milter: ...").  Call it first, before any
 * thread exists; the name is not copied.  Until then it is "route-milter".
 */
void log_set_program(const char *name);

/* log_program - the name given to log_set_program. */
const char *log_program(void);

/*
 * log_open - send messages to stderr (to_stderr) or to syslog with the named
 * facility ("mail", "daemon", "user", "local0".."local7"; an unknown name
 * means "mail").  May be called again to change the facility.
 */
void log_open(bool to_stderr, const char *facility);

/* log_info/log_warn/log_error - one daemon-wide line at that severity. */
void log_info(const char *fmt, ...) __attribute__((format(printf, 1, 2)));
void log_warn(const char *fmt, ...) __attribute__((format(printf, 1, 2)));
void log_error(const char *fmt, ...) __attribute__((format(printf, 1, 2)));

/*
 * log_msg - one line about a message, prefixed "QUEUEID: " or "NOQUEUE: "
 * when qid is NULL.  warn selects the warning severity instead of info.
 */
void log_msg(bool warn, const char *qid, const char *fmt, ...)
    __attribute__((format(printf, 3, 4)));

#endif
