/*
 * daemon.h - start-up of a daemon, shared by route-milter and route-policyd:
 * refusing to start with the reason, detaching from the terminal, the
 * pidfile, the user to run as, and the mode and group of a unix socket.
 *
 * Everything here runs before the first connection and may end the
 * process (fatal); once the daemon serves, nothing here is called again
 * except daemon_remove_pidfile at shutdown.
 */
#ifndef DAEMON_DAEMON_H
#define DAEMON_DAEMON_H

#include <stdbool.h>
#include <sys/types.h>

#include <libroute/config.h>
#include <libroute/error.h>

/*
 * fatal - log why start-up cannot go on (log_error), remove the pidfile
 * daemon_write_pidfile wrote, run the hook daemon_on_fatal installed, and
 * exit 1.  After daemon_detach the waiting parent is sent the reason, which
 * it prints on stderr as "PROGRAM: REASON" before it exits 1 itself.
 */
void fatal(const char *fmt, ...)
    __attribute__((noreturn, format(printf, 1, 2)));

/*
 * daemon_on_fatal - have fatal call hook (NULL for none) before it exits,
 * to free what start-up holds, so that a refusal half-way through leaves
 * nothing for a leak checker to report.
 */
void daemon_on_fatal(void (*hook)(void));

/*
 * daemon_detach - fork, and in the parent wait until the child calls
 * daemon_ready (exit 0) or fatal (exit 1 with the reason on stderr);
 * the parent never returns.  The child leads a new session in "/", with
 * standard input, output and error on /dev/null.
 */
void daemon_detach(void);

/*
 * daemon_ready - tell the parent that waits in daemon_detach that start-up
 * is complete; it exits 0.  Does nothing without daemon_detach, or the
 * second time.
 */
void daemon_ready(void);

/*
 * daemon_write_pidfile - write our process id to path (fatal on failure)
 * and remember the path for fatal and daemon_remove_pidfile.
 */
void daemon_write_pidfile(const char *path);

/* daemon_remove_pidfile - remove the pidfile written, if any; at shutdown. */
void daemon_remove_pidfile(void);

/*
 * daemon_find_user - the uid and gid of user (fatal "unknown user USER"),
 * looked up before anything is created, so that an unknown user leaves no
 * socket or pidfile behind.
 */
void daemon_find_user(const char *user, uid_t *uid_r, gid_t *gid_r);

/*
 * daemon_drop_privileges - become user (uid, gid from daemon_find_user)
 * for good: its groups, gid, then uid.  Nothing to do when we already run
 * as uid.  Fatal when a step fails.
 */
void daemon_drop_privileges(const char *user, uid_t uid, gid_t gid);

/*
 * daemon_unix_path - the file of a socket spec as route_socket_parse
 * spells it ("unix:PATH"), or NULL for a TCP socket.
 */
const char *daemon_unix_path(const char *spec);

/*
 * daemon_find_group - the gid of group, named by the configuration key key
 * ("milter.group"), for a unix socket; (gid_t)-1 when group is NULL.
 * Fatal "KEY: unknown group GROUP".
 */
gid_t daemon_find_group(const char *key, const char *group);

/*
 * daemon_socket_access - give the unix socket at path the mode and, unless
 * gid is (gid_t)-1, the group gid (named group in a message).  The caller
 * also creates the socket with a umask of ~mode, so that it is never
 * reachable with looser permissions; this sets them once more in case the
 * umask could not do all of it.  Fatal on failure.
 */
void daemon_socket_access(const char *path, unsigned mode, gid_t gid,
			  const char *group);

/* The options both daemons take (route-milter(8), route-policyd(8)). */
struct daemon_options {
	const char *config;  /* -c */
	const char *socket;  /* -p */
	bool foreground;     /* -f */
	const char *user;    /* -u */
	const char *pidfile; /* -P */
};

/*
 * daemon_parse_options - read -c -p -f -u -P into *o.  -h calls usage(0)
 * and -V prints "PROG VERSION" and exits 0; an unknown option or an
 * argument left over calls usage(2).  usage must not return.
 */
void daemon_parse_options(int argc, char **argv, const char *prog,
			  void (*usage)(int), struct daemon_options *o);

/*
 * daemon_load_config - the configuration a daemon runs with: the file of
 * -c, else the installed file, else the built-in defaults
 * (route_config_load_default).  Returns it, or NULL with err set.
 */
struct route_config *daemon_load_config(const struct daemon_options *o,
					struct route_error *err);

#endif
