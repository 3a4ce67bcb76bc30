/*
 * main.c - route-milter: options, configuration, the milter socket, daemon
 * set-up (pidfile, privileges, signals) and the libmilter main loop.
 *
 * Everything that can fail for a configuration reason fails here, before
 * the first connection; once mail flows nothing is fatal.
 */
#include <errno.h>
#include <pthread.h>
#include <signal.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include <libmilter/mfapi.h>

#include <libroute/alloc.h>
#include <libroute/config.h>
#include <libroute/error.h>

#include "callbacks.h"
#include "daemon.h"
#include "log.h"
#include "sockopt.h"
#include "srs_state.h"
#include "tables.h"

static struct daemon_options opt;
static bool log_to_stderr = true; /* until daemonised */
static int signal_pipe[2] = {-1, -1};
static bool milter_done; /* smfi_main() has returned */
/* Start-up state that fatal() frees, so that a refusal half-way through
 * start-up leaves nothing for a leak checker to report. */
static struct route_config *start_cfg; /* until tables_start takes it */
static char *start_spec;

/* usage - the synopsis and options (stdout for -h, else stderr); exit. */
static void
usage(int status)
{
	fprintf(status == 0 ? stdout : stderr,
		"usage: route-milter [-fhV] [-c FILE] [-p SOCKET] [-u USER] "
		"[-P PIDFILE]\n"
		"options:\n"
		"  -c FILE    configuration file (default %s)\n"
		"  -p SOCKET  milter socket, unix:PATH or inet:PORT@HOST "
		"(overrides milter.socket)\n"
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
}

/*
 * open_socket - let libmilter create the listening socket (removing a stale
 * unix socket first) while we are still root, then give a unix socket the
 * configured mode and group so that the MTA's user may connect.  libmilter
 * creates the file itself, so the mode is set through the umask around
 * the call (no window with looser permissions) and once more with chmod.
 */
static void
open_socket(const char *spec, const struct route_config *cfg)
{
	const char *path = daemon_unix_path(spec);
	gid_t gid = (gid_t)-1;
	mode_t old = 0;
	int rc;

	if (path != NULL)
		gid = daemon_find_group("milter.group", cfg->milter_group);
	if (smfi_setconn((char *)spec) != MI_SUCCESS)
		fatal("socket %s: refused by libmilter", spec);
	if (path != NULL)
		old = umask(~cfg->milter_socket_mode & 0777);
	rc = smfi_opensocket(true);
	if (path != NULL)
		umask(old);
	if (rc != MI_SUCCESS)
		fatal("cannot listen on %s (libmilter logs the reason to "
		      "syslog)",
		      spec);
	if (path != NULL)
		daemon_socket_access(path, cfg->milter_socket_mode, gid,
				     cfg->milter_group);
}

/* start_only_changed - the milter settings a reload cannot apply. */
static bool
start_only_changed(const struct route_config *old,
		   const struct route_config *cfg)
{
	return !tables_same_string(old->milter_socket, cfg->milter_socket) ||
	       !tables_same_string(old->milter_user, cfg->milter_user) ||
	       !tables_same_string(old->milter_group, cfg->milter_group) ||
	       !tables_same_string(old->milter_pidfile, cfg->milter_pidfile) ||
	       old->milter_socket_mode != cfg->milter_socket_mode;
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
		      start_only_changed, "milter");
}

/* on_signal - hand the signal to the main loop; async-signal-safe. */
static void
on_signal(int sig)
{
	unsigned char b = (unsigned char)sig;
	int saved = errno;
	ssize_t n = write(signal_pipe[1], &b, 1);

	(void)n; /* a full pipe already holds a wake-up */
	errno = saved;
}

/*
 * take_signals - make the main thread the one that gets SIGHUP, SIGTERM and
 * SIGINT.  libmilter's own signal thread waits for the same three and
 * treats SIGHUP as "shut down", so it must never see them.  Every other
 * thread, libmilter's included, starts with them blocked (see main); the
 * main thread alone unblocks them with a handler that never blocks them
 * (SA_NODEFER).  Linux offers a signal sent to the process to its main
 * thread first whenever that thread does not block it, so libmilter's
 * sigwait() is not woken.
 */
static void
take_signals(const sigset_t *set)
{
	struct sigaction sa;

	memset(&sa, 0, sizeof(sa));
	sa.sa_handler = on_signal;
	sa.sa_flags = SA_RESTART | SA_NODEFER;
	sigemptyset(&sa.sa_mask);
	if (sigaction(SIGHUP, &sa, NULL) == -1 ||
	    sigaction(SIGTERM, &sa, NULL) == -1 ||
	    sigaction(SIGINT, &sa, NULL) == -1)
		fatal("sigaction: %s", strerror(errno));
	pthread_sigmask(SIG_UNBLOCK, set, NULL);
}

/* on_wake - SIGUSR2 only interrupts a system call; nothing to do. */
static void
on_wake(int sig)
{
	(void)sig;
}

/* stopper_thread - smfi_stop() blocks until libmilter's poll() returns. */
static void *
stopper_thread(void *arg)
{
	(void)arg;
	smfi_stop();
	return NULL;
}

/*
 * stop_milter - end libmilter's accept loop without its 5 s wait.  The loop
 * holds a lock across a poll() with a 5 s timeout and looks at the stop
 * flag only when poll() returns; smfi_stop() sets the flag and then waits
 * for that lock.  So smfi_stop() runs in a helper thread, and the loop's
 * thread is interrupted with SIGUSR2 (a no-op handler) until it has seen
 * the flag and smfi_main() has returned.
 */
static void
stop_milter(pthread_t milter)
{
	struct timespec tick = {0, 10 * 1000 * 1000};
	struct sigaction sa;
	pthread_t stopper;
	int i;

	memset(&sa, 0, sizeof(sa));
	sa.sa_handler = on_wake;
	sigemptyset(&sa.sa_mask);
	if (sigaction(SIGUSR2, &sa, NULL) == -1 ||
	    pthread_create(&stopper, NULL, stopper_thread, NULL) != 0) {
		smfi_stop();
		return;
	}
	for (i = 0;
	     i < 1000 && !__atomic_load_n(&milter_done, __ATOMIC_ACQUIRE);
	     i++) {
		pthread_kill(milter, SIGUSR2);
		nanosleep(&tick, NULL);
	}
	pthread_join(stopper, NULL);
}

/* milter_thread - run libmilter's accept loop until smfi_stop. */
static void *
milter_thread(void *arg)
{
	int *rc = arg;

	*rc = smfi_main();
	__atomic_store_n(&milter_done, true, __ATOMIC_RELEASE);
	/* Stopped on its own (e.g. the socket failed): end the main loop. */
	on_signal(SIGTERM);
	return NULL;
}

/*
 * start_milter_thread - run libmilter in a thread that has the signals of
 * set blocked, as its own signal thread inherits them from it, while the
 * main thread already takes them.
 */
static void
start_milter_thread(const sigset_t *set, pthread_t *milter, int *rc)
{
	pthread_attr_t attr;
	sigset_t mask;

	pthread_sigmask(SIG_BLOCK, NULL, &mask);
	sigorset(&mask, &mask, set);
	errno = pthread_attr_init(&attr);
	if (errno == 0)
		errno = pthread_attr_setsigmask_np(&attr, &mask);
	if (errno == 0)
		errno = pthread_create(milter, &attr, milter_thread, rc);
	pthread_attr_destroy(&attr);
	if (errno != 0)
		fatal("cannot start the milter thread: %s", strerror(errno));
}

/* main - start up, serve until SIGTERM/SIGINT, shut down. */
int
main(int argc, char **argv)
{
	struct route_error err = {0};
	struct route_config *cfg;
	char *spec;
	const char *user, *pidfile;
	uid_t uid = 0;
	gid_t gid = 0;
	int milter_rc = MI_FAILURE;
	pthread_t milter;
	sigset_t set;
	unsigned char sig;
	ssize_t n;

	daemon_parse_options(argc, argv, "route-milter", usage, &opt);
	daemon_on_fatal(release_start);
	log_open(true, NULL);
	cfg = start_cfg = daemon_load_config(&opt, &err);
	if (cfg == NULL)
		fatal("%s", err.msg);
	/* The secrets are read now, while we may still be root. */
	if (srs_state_configure(cfg, &err) == -1)
		fatal("%s", err.msg);
	if (opt.socket == NULL)
		spec = route_xstrdup(cfg->milter_socket);
	else if (route_socket_parse(opt.socket, &spec, &err) == -1)
		fatal("-p %s: %s", opt.socket, err.msg);
	start_spec = spec;
	user = opt.user != NULL ? opt.user : cfg->milter_user;
	pidfile = opt.pidfile != NULL ? opt.pidfile : cfg->milter_pidfile;
	if (user != NULL)
		daemon_find_user(user, &uid, &gid);

	if (smfi_register(*callbacks_filter()) != MI_SUCCESS)
		fatal("smfi_register failed");
	open_socket(spec, cfg);
	if (!opt.foreground) {
		daemon_detach();
		log_to_stderr = false;
	}
	log_open(log_to_stderr, cfg->syslog_facility);
	if (pidfile != NULL)
		daemon_write_pidfile(pidfile);
	if (user != NULL)
		daemon_drop_privileges(user, uid, gid);

	/* Block before any thread exists, so that every thread inherits it. */
	sigemptyset(&set);
	sigaddset(&set, SIGHUP);
	sigaddset(&set, SIGTERM);
	sigaddset(&set, SIGINT);
	pthread_sigmask(SIG_BLOCK, &set, NULL);
	if (pipe(signal_pipe) == -1)
		fatal("pipe: %s", strerror(errno));
	if (tables_start(cfg, "messages are deferred with 451 4.3.0", &err) ==
	    -1)
		fatal("%s", err.msg);
	start_cfg = NULL;
	if (daemon_unix_path(spec) == NULL && sockopt_enable())
		log_info("TCP_NODELAY and TCP_QUICKACK on milter connections");
	/*
	 * The main thread takes the signals before libmilter's thread exists:
	 * libmilter's signal thread treats SIGHUP as "shut down", and one
	 * sent during start-up must reload, not stop the daemon.
	 */
	take_signals(&set);
	start_milter_thread(&set, &milter, &milter_rc);
	log_info("started on %s", spec);
	daemon_ready();

	for (;;) {
		n = read(signal_pipe[0], &sig, 1);
		if (n == -1 && errno == EINTR)
			continue;
		if (n != 1 || sig != SIGHUP)
			break;
		reload();
	}
	log_info("stopping");
	stop_milter(milter);
	pthread_join(milter, NULL);
	tables_stop();
	daemon_remove_pidfile();
	free(spec);
	log_info("stopped");
	return milter_rc == MI_SUCCESS ? 0 : 1;
}
