/*
 * daemon.c - start-up helpers of route-milter and route-policyd: fatal
 * refusals that reach the terminal even after the fork, daemonising, the
 * pidfile, dropping privileges, a unix socket's mode and group.
 *
 * Start-up is single-threaded, so the state here needs no lock.
 */
#include <errno.h>
#include <fcntl.h>
#include <grp.h>
#include <pwd.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include <libroute/alloc.h>
#include <libroute/config.h>

#include "daemon.h"
#include "log.h"

#define READY_BYTE '\001'

static char *pidfile_written;
static int ready_fd = -1; /* daemonised: the pipe to the waiting parent */
static void (*fatal_hook)(void);

/* daemon_on_fatal - what fatal frees before it exits. */
void
daemon_on_fatal(void (*hook)(void))
{
	fatal_hook = hook;
}

/* fatal - log why start-up cannot go on, and exit 1. */
void
fatal(const char *fmt, ...)
{
	char line[1024];
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(line, sizeof(line), fmt, ap);
	va_end(ap);
	log_error("%s", line);
	daemon_remove_pidfile();
	if (fatal_hook != NULL)
		fatal_hook();
	/* A daemonised child tells the waiting parent why, so the reason
	 * reaches the terminal even where syslog goes nowhere. */
	if (ready_fd != -1 && write(ready_fd, line, strlen(line)) == -1)
		log_error("cannot tell the parent process: %s",
			  strerror(errno));
	exit(1);
}

/*
 * parent_wait - in the parent after the fork: exit 0 when the child
 * reports ready (READY_BYTE), else 1 with the reason the child sent.
 */
static void __attribute__((noreturn)) parent_wait(int fd)
{
	char buf[1024];
	size_t len = 0;
	ssize_t n;

	while (len < sizeof(buf) - 1 &&
	       (n = read(fd, buf + len, sizeof(buf) - 1 - len)) != 0) {
		if (n == -1 && errno == EINTR)
			continue;
		if (n == -1)
			break;
		len += (size_t)n;
		if (buf[0] == READY_BYTE)
			_exit(0);
	}
	buf[len] = '\0';
	fprintf(stderr, "%s: %s\n", log_program(),
		len > 0 ? buf
			: "start-up failed; the reason is in the mail log");
	_exit(1);
}

/*
 * daemon_detach - detach from the terminal.  The parent waits until the
 * child reports that it is ready, so that a start-up failure after the fork
 * still gives a non-zero exit status and its reason (see fatal()).
 */
void
daemon_detach(void)
{
	int p[2], fd;
	pid_t pid;

	if (pipe(p) == -1)
		fatal("pipe: %s", strerror(errno));
	pid = fork();
	if (pid == -1)
		fatal("fork: %s", strerror(errno));
	if (pid > 0) {
		close(p[1]);
		parent_wait(p[0]);
	}
	close(p[0]);
	ready_fd = p[1];
	if (setsid() == -1)
		fatal("setsid: %s", strerror(errno));
	if (chdir("/") == -1)
		fatal("chdir /: %s", strerror(errno));
	fd = open("/dev/null", O_RDWR);
	if (fd == -1)
		fatal("/dev/null: %s", strerror(errno));
	dup2(fd, STDIN_FILENO);
	dup2(fd, STDOUT_FILENO);
	dup2(fd, STDERR_FILENO);
	if (fd > STDERR_FILENO)
		close(fd);
}

/* daemon_ready - let the waiting parent exit 0. */
void
daemon_ready(void)
{
	if (ready_fd == -1)
		return;
	if (write(ready_fd, (char[]){READY_BYTE}, 1) != 1)
		log_warn("cannot tell the parent process: %s", strerror(errno));
	close(ready_fd);
	ready_fd = -1;
}

/* daemon_write_pidfile - record our process id in path. */
void
daemon_write_pidfile(const char *path)
{
	FILE *fp = fopen(path, "w");

	if (fp == NULL)
		fatal("pidfile %s: %s", path, strerror(errno));
	fprintf(fp, "%ld\n", (long)getpid());
	if (fclose(fp) == EOF)
		fatal("pidfile %s: %s", path, strerror(errno));
	pidfile_written = route_xstrdup(path);
}

/* daemon_remove_pidfile - unlink the pidfile we wrote. */
void
daemon_remove_pidfile(void)
{
	if (pidfile_written != NULL)
		unlink(pidfile_written);
	free(pidfile_written);
	pidfile_written = NULL;
}

/* daemon_find_user - the account to run as. */
void
daemon_find_user(const char *user, uid_t *uid_r, gid_t *gid_r)
{
	struct passwd *pw = getpwnam(user);

	if (pw == NULL)
		fatal("unknown user %s", user);
	*uid_r = pw->pw_uid;
	*gid_r = pw->pw_gid;
}

/* daemon_drop_privileges - become user for good (groups, gid, then uid). */
void
daemon_drop_privileges(const char *user, uid_t uid, gid_t gid)
{
	if (getuid() == uid && geteuid() == uid)
		return;
	if (setgid(gid) == -1 || initgroups(user, gid) == -1 ||
	    setuid(uid) == -1)
		fatal("cannot switch to user %s: %s", user, strerror(errno));
}

/* daemon_unix_path - the file of a "unix:PATH" spec, else NULL. */
const char *
daemon_unix_path(const char *spec)
{
	return strncmp(spec, "unix:", 5) == 0 ? spec + 5 : NULL;
}

/* daemon_find_group - the gid of a socket's group, or (gid_t)-1. */
gid_t
daemon_find_group(const char *key, const char *group)
{
	struct group *gr;

	if (group == NULL)
		return (gid_t)-1;
	gr = getgrnam(group);
	if (gr == NULL)
		fatal("%s: unknown group %s", key, group);
	return gr->gr_gid;
}

/* daemon_socket_access - set a unix socket's mode and group. */
void
daemon_socket_access(const char *path, unsigned mode, gid_t gid,
		     const char *group)
{
	if (chmod(path, (mode_t)mode) == -1)
		fatal("chmod %s: %s", path, strerror(errno));
	if (gid != (gid_t)-1 && chown(path, (uid_t)-1, gid) == -1)
		fatal("chown %s to group %s: %s", path, group, strerror(errno));
}

/* daemon_parse_options - the options both daemons take. */
void
daemon_parse_options(int argc, char **argv, const char *prog,
		     void (*usage)(int), struct daemon_options *o)
{
	int ch;

	while ((ch = getopt(argc, argv, "c:p:fu:P:hV")) != -1) {
		switch (ch) {
		case 'c':
			o->config = optarg;
			break;
		case 'p':
			o->socket = optarg;
			break;
		case 'f':
			o->foreground = true;
			break;
		case 'u':
			o->user = optarg;
			break;
		case 'P':
			o->pidfile = optarg;
			break;
		case 'h':
			usage(0);
			break;
		case 'V':
			printf("%s %s\n", prog, PACKAGE_VERSION);
			exit(0);
		default:
			usage(2);
		}
	}
	if (optind != argc)
		usage(2);
}

/* daemon_load_config - -c FILE, else the installed file, else defaults. */
struct route_config *
daemon_load_config(const struct daemon_options *o, struct route_error *err)
{
	struct route_config *cfg;

	if (route_config_load_default(
		o->config, ROUTE_CONFIG_FILE, ROUTE_STORE_DEFAULT,
		ROUTE_MILTER_SOCKET_DEFAULT, &cfg, err) == -1)
		return NULL;
	return cfg;
}
