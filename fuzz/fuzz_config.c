/*
 * fuzz_config.c - libFuzzer target for route_config_load.  Each input is
 * written to a file and loaded; a broken file must be refused with an
 * error that names the file (never a crash or a leak), and a loaded one
 * must hold values the daemons can use as they are, since a reload swaps
 * it in without further checks.
 */
#include <fcntl.h>
#include <unistd.h>

#include <libroute/config.h>

#include "fuzz.h"

#define STORE_DEFAULT "sqlite:/var/lib/route-milter/routes.db"
#define SOCKET_DEFAULT "unix:/run/route-milter/milter.sock"

static char dir[256];
static char path[288];

/*
 * __lsan_default_suppressions - LeakSanitizer's hook for built-in
 * suppressions.  libconfig up to 1.7.2 (Debian ships 1.5) loses a string
 * token in front of a syntax error, e.g. 'store "x";' or 'store "";'
 * (hyperrealm/libconfig issue 142, fixed upstream in 2019).  Only the
 * lexer's allocations are suppressed: a leak of libroute's own, such as a
 * missing config_destroy, also loses the parser's settings and still shows.
 */
const char *__lsan_default_suppressions(void);
const char *
__lsan_default_suppressions(void)
{
	return "leak:strbuf_append\nleak:libconfig_yylex\n";
}

/* remove_file - atexit: leave no temporary file behind.  After a crash
 * libFuzzer exits without atexit handlers and the file stays, holding the
 * last input. */
static void
remove_file(void)
{
	unlink(path);
	rmdir(dir);
}

/* write_input - replace the file's contents with the input. */
static void
write_input(const uint8_t *data, size_t size)
{
	const char *tmp;
	ssize_t n;
	int fd;

	if (path[0] == '\0') {
		tmp = getenv("TMPDIR") != NULL ? getenv("TMPDIR") : "/tmp";
		FUZZ_CHECK((size_t)snprintf(dir, sizeof(dir),
					    "%s/fuzz_config.XXXXXX",
					    tmp) < sizeof(dir),
			   "TMPDIR too long: %s", tmp);
		FUZZ_CHECK(mkdtemp(dir) != NULL, "mkdtemp %s", dir);
		snprintf(path, sizeof(path), "%s/route-milter.conf", dir);
		atexit(remove_file);
	}
	fd = open(path, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0600);
	FUZZ_CHECK(fd != -1, "open %s", path);
	for (; size > 0; data += n, size -= (size_t)n)
		FUZZ_CHECK((n = write(fd, data, size)) > 0, "write %s", path);
	FUZZ_CHECK(close(fd) == 0, "close %s", path);
}

/* check_config - what a successful load promises. */
static void
check_config(const struct route_config *cfg)
{
	struct route_error err;
	char *spec;

	FUZZ_CHECK(fuzz_streq(cfg->path, path), "path %s", cfg->path);
	FUZZ_CHECK(cfg->store != NULL && cfg->syslog_facility != NULL,
		   "store or log.facility missing");
	/* The daemon hands the socket to libmilter as it is: it must be
	 * what route_socket_parse accepts, in its one spelling. */
	FUZZ_CHECK(cfg->milter_socket != NULL &&
		       route_socket_parse(cfg->milter_socket, &spec, &err) == 0,
		   "milter.socket \"%s\" refused: %s",
		   cfg->milter_socket ? cfg->milter_socket : "(null)", err.msg);
	FUZZ_CHECK(strcmp(spec, cfg->milter_socket) == 0,
		   "milter.socket \"%s\" respelled \"%s\"", cfg->milter_socket,
		   spec);
	free(spec);
	FUZZ_CHECK(cfg->milter_socket_mode <= 0777, "socket_mode %o",
		   cfg->milter_socket_mode);
	FUZZ_CHECK(cfg->poll_ms > 0, "store_poll_ms 0");
	FUZZ_CHECK(cfg->table.max_depth > 0, "routing.max_depth 0");
}

/* LLVMFuzzerTestOneInput - load the input as a configuration file. */
int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct route_config *cfg = NULL, *extra;
	struct route_error err;
	size_t plen;

	/* An @include could name any file on the machine (/dev/zero never
	 * ends); the input under test is this file, not the machine's. */
	if (memmem(data, size, "@include", 8) != NULL)
		return 0;
	write_input(data, size);
	route_error_clear(&err);
	if (route_config_load(path, STORE_DEFAULT, SOCKET_DEFAULT, &cfg,
			      &err) == -1) {
		plen = strlen(path);
		FUZZ_CHECK(cfg == NULL, "a refused load set *cfg_r");
		FUZZ_CHECK(
		    (err.code == ROUTE_EINVAL || err.code == ROUTE_ESYS) &&
			strncmp(err.msg, path, plen) == 0 &&
			err.msg[plen] == ':',
		    "error class %d \"%s\"", err.code, err.msg);
		return 0;
	}
	check_config(cfg);
	/* The reference count: the snapshot outlives the first unref. */
	extra = route_config_ref(cfg);
	route_config_unref(&cfg);
	FUZZ_CHECK(cfg == NULL, "unref left the pointer set");
	check_config(extra);
	route_config_unref(&extra);
	return 0;
}
