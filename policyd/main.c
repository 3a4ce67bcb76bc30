/*
 * main.c - route-policyd: options, configuration, the listening socket,
 * daemon set-up (SRS secrets, pidfile, privileges) and signals around
 * server.c's loops.
 *
 * Like route-milter, everything that can fail for a configuration reason
 * fails here, before the first connection; once requests flow nothing is
 * fatal.
 */
#include <errno.h>
#include <pthread.h>
#include <signal.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/resource.h>
#include <unistd.h>

#include <libroute/alloc.h>
#include <libroute/config.h>
#include <libroute/error.h>
#include <libroute/srs.h>

#include "daemon.h"
#include "listen.h"
#include "log.h"
#include "policy.h"
#include "srs_state.h"
#include "server.h"
#include "tables.h"

#define MAX_WORKERS 8
#define FD_RESERVE 64 /* descriptors kept for the store, logs and such */

static struct daemon_options opt;
static bool log_to_stderr = true; /* until daemonised */
/* Start-up state that fatal() frees, so that a refusal half-way through
 * start-up leaves nothing for a leak checker to report. */
static struct route_config *start_cfg; /* until tables_start takes it */
static char *start_spec;

/* usage - the synopsis and options (stdout for -h, else stderr); exit. */
static void
usage(int status)
{
	fprintf(status == 0 ? stdout : stderr,
		"usage: route-policyd [-fhV] [-c FILE] [-p SOCKET] [-u USER] "
		"[-P PIDFILE]\n"
		"options:\n"
		"  -c FILE    configuration file (default %s)\n"
		"  -p SOCKET  policy socket, unix:PATH or inet:PORT@HOST "
		"(overrides policyd.socket)\n"
		"  -f         stay in the foreground and log to stderr\n"
		"  -u USER    run as USER after binding the socket\n"
		"  -P FILE    write the process id to FILE\n"
		"  -h         show this help\n"
		"  -V         show the version\n"
		"signals: HUP reloads the configuration, TERM and INT stop\n",
		ROUTE_CONFIG_FILE);
	exit(status);
}

/* release_start - fatal()'s hook: free the start-up state. */
static void
release_start(void)
{
	route_config_unref(&start_cfg);
	free(start_spec);
	start_spec = NULL;
	srs_state_stop();
}

/* start_only_changed - the policyd settings a reload cannot apply. */
static bool
start_only_changed(const struct route_config *old,
		   const struct route_config *cfg)
{
	return !tables_same_string(old->policyd_socket, cfg->policyd_socket) ||
	       !tables_same_string(old->policyd_user, cfg->policyd_user) ||
	       !tables_same_string(old->policyd_group, cfg->policyd_group) ||
	       !tables_same_string(old->policyd_pidfile,
				   cfg->policyd_pidfile) ||
	       old->policyd_socket_mode != cfg->policyd_socket_mode;
}

/*
 * reload - SIGHUP: reread the configuration and the SRS secrets; when
 * either fails, everything stays as it was.  After privileges were
 * dropped the secrets file must be readable by the daemon's user.
 */
static void
reload(void)
{
	struct route_error err = {0};

	tables_reload(daemon_load_config(&opt, &err), &err, log_to_stderr,
		      start_only_changed, "policyd");
}

/*
 * open_listener - the listening socket, made while we are root; a unix
 * socket gets policyd.socket_mode and policyd.group.
 */
static int
open_listener(const char *spec, const struct route_config *cfg)
{
	const char *path = daemon_unix_path(spec);
	struct route_error err = {0};
	gid_t gid = (gid_t)-1;
	int fd;

	if (path != NULL)
		gid = daemon_find_group("policyd.group", cfg->policyd_group);
	fd = listen_open(spec, cfg->policyd_socket_mode, &err);
	if (fd == -1)
		fatal("%s", err.msg);
	if (path != NULL)
		daemon_socket_access(path, cfg->policyd_socket_mode, gid,
				     cfg->policyd_group);
	return fd;
}

/*
 * server_settings - workers: one per two processors, at most MAX_WORKERS.
 * One loop answers over 100,000 requests a second on a small machine,
 * far more than the smtpd processes asking could send; those processes
 * need the other processors, and on a two-processor machine a second
 * loop only competed with them (bench/policyd).  Connections: as many
 * as the descriptor limit allows, raised to its hard limit.
 */
static void
server_settings(struct server_opts *o)
{
	long ncpu = sysconf(_SC_NPROCESSORS_ONLN);
	struct rlimit rl;

	server_opts_init(o);
	o->workers = ncpu < 2 ? 1 : (unsigned)(ncpu / 2);
	if (o->workers > MAX_WORKERS)
		o->workers = MAX_WORKERS;
	if (getrlimit(RLIMIT_NOFILE, &rl) == -1)
		return;
	if (rl.rlim_cur < rl.rlim_max) {
		rl.rlim_cur = rl.rlim_max;
		setrlimit(RLIMIT_NOFILE, &rl);
		getrlimit(RLIMIT_NOFILE, &rl);
	}
	if (rl.rlim_cur != RLIM_INFINITY &&
	    rl.rlim_cur < o->max_conns + FD_RESERVE)
		o->max_conns = rl.rlim_cur > 2 * FD_RESERVE
				   ? (unsigned)(rl.rlim_cur - FD_RESERVE)
				   : FD_RESERVE;
}

/* wait_for_signals - reload on SIGHUP until SIGTERM or SIGINT. */
static void
wait_for_signals(const sigset_t *set)
{
	int sig;

	for (;;) {
		if (sigwait(set, &sig) != 0)
			continue;
		if (sig != SIGHUP)
			return;
		reload();
	}
}

/* main - start up, serve until SIGTERM/SIGINT, shut down. */
int
main(int argc, char **argv)
{
	struct route_error err = {0};
	struct server_handlers handlers;
	struct server_opts sopts;
	struct route_config *cfg;
	struct server *srv;
	const char *user, *pidfile;
	char *spec;
	uid_t uid = 0;
	gid_t gid = 0;
	sigset_t set;
	int fd;

	daemon_parse_options(argc, argv, "route-policyd", usage, &opt);
	log_set_program("route-policyd");
	daemon_on_fatal(release_start);
	log_open(true, NULL);
	cfg = start_cfg = daemon_load_config(&opt, &err);
	if (cfg == NULL)
		fatal("%s", err.msg);
	if (opt.socket != NULL) {
		if (route_socket_parse(opt.socket, &spec, &err) == -1)
			fatal("-p %s: %s", opt.socket, err.msg);
	} else {
		spec = route_xstrdup(cfg->policyd_socket != NULL
					 ? cfg->policyd_socket
					 : ROUTE_POLICYD_SOCKET_DEFAULT);
	}
	start_spec = spec;
	user = opt.user != NULL ? opt.user : cfg->policyd_user;
	pidfile = opt.pidfile != NULL ? opt.pidfile : cfg->policyd_pidfile;
	if (user != NULL)
		daemon_find_user(user, &uid, &gid);
	/* The secrets are read now, while we may still be root. */
	if (srs_state_configure(cfg, &err) == -1)
		fatal("%s", err.msg);

	fd = open_listener(spec, cfg);
	if (!opt.foreground) {
		daemon_detach();
		log_to_stderr = false;
	}
	log_open(log_to_stderr, cfg->syslog_facility);
	if (pidfile != NULL)
		daemon_write_pidfile(pidfile);
	server_settings(&sopts);
	if (user != NULL)
		daemon_drop_privileges(user, uid, gid);

	/* Block before any thread exists, so that every thread inherits it
	 * and only sigwait below sees them. */
	sigemptyset(&set);
	sigaddset(&set, SIGHUP);
	sigaddset(&set, SIGTERM);
	sigaddset(&set, SIGINT);
	pthread_sigmask(SIG_BLOCK, &set, NULL);
	if (tables_start(cfg, "recipients are deferred (DEFER_IF_PERMIT 4.3.0)",
			 &err) == -1)
		fatal("%s", err.msg);
	start_cfg = NULL;
	policy_handlers(&handlers);
	srv = server_start(fd, &sopts, &handlers, &err);
	if (srv == NULL)
		fatal("%s", err.msg);
	log_info("started on %s (%u workers, at most %u connections)", spec,
		 sopts.workers, sopts.max_conns);
	daemon_ready();

	wait_for_signals(&set);
	log_info("stopping");
	server_stop(&srv);
	close(fd);
	if (daemon_unix_path(spec) != NULL)
		unlink(daemon_unix_path(spec));
	tables_stop();
	srs_state_stop();
	daemon_remove_pidfile();
	free(spec);
	log_info("stopped");
	return 0;
}
