/*
 * tables.h - the configuration and rule table that new work uses, shared
 * by route-milter and route-policyd.
 *
 * Both are immutable, reference-counted snapshots.  A message (a policy
 * request) takes one reference of each when it starts and keeps it to its
 * end, so a reload or a store change never alters one in flight.  A
 * background thread
 * polls the store's change counter and swaps in a freshly built table; a
 * store that cannot be read leaves the last good table in place.
 */
#ifndef DAEMON_TABLES_H
#define DAEMON_TABLES_H

#include <stdbool.h>

#include <libroute/config.h>
#include <libroute/error.h>
#include <libroute/rules.h>

/*
 * tables_start - install cfg (the caller's reference is taken over), make a
 * first attempt to open the store and load its table, and start the poll
 * thread.  A store that cannot be read is logged and retried every
 * store_poll_ms; until it can, tables_table() returns NULL, and the log
 * line says what the daemon does meanwhile in the words of while_none
 * (e.g. "messages are deferred with 451 4.3.0"; a constant, not copied).
 * A store file replaced under its path (moved into place, restored) is
 * noticed by its inode and reopened; a generation that fails to load is
 * retried only once it or the file changes.  Returns -1
 * with err set only when the thread cannot be started.  Call it with the
 * signals the daemon handles already blocked, so the thread inherits that.
 */
int tables_start(struct route_config *cfg, const char *while_none,
		 struct route_error *err);

/*
 * tables_set_config - make cfg (reference taken over) the configuration of
 * new messages and wake the poll thread, which reopens the store when the
 * store URI or the routing options changed.
 */
void tables_set_config(struct route_config *cfg);

/*
 * tables_reload - SIGHUP: make cfg (a freshly loaded configuration whose
 * reference is taken over; NULL when loading failed with err) current,
 * with its SRS engine (daemon/srs_state.h).  When the file or the SRS
 * secrets fail, it logs why and the running configuration stays.  A
 * change that start_only says takes a restart (the socket, user and the
 * like) is logged as such, naming them as what.  to_stderr is where the
 * daemon logs (log_open).
 */
void tables_reload(struct route_config *cfg, const struct route_error *err,
		   bool to_stderr,
		   bool (*start_only)(const struct route_config *old,
				      const struct route_config *cfg),
		   const char *what);

/*
 * tables_config - a new reference to the current configuration, or NULL
 * after tables_stop (libmilter's session threads may still run then; a
 * message started that late is deferred).
 */
struct route_config *tables_config(void);

/* tables_table - a new reference to the current rule table, or NULL when
 * none could be loaded yet. */
struct route_table *tables_table(void);

/* tables_stop - stop the poll thread and drop every snapshot. */
void tables_stop(void);

/* tables_same_string - strcmp that treats two NULLs as equal. */
bool tables_same_string(const char *a, const char *b);

#endif
