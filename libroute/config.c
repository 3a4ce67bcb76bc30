/*
 * config.c - the configuration file (libconfig syntax) read into an
 * immutable, reference-counted snapshot (see config.h).  Every key is
 * checked here, once, so that the daemons and milter-ctl never meet a value
 * they would have to second-guess.  What the daemons do with the values
 * (binding, dropping privileges, opening syslog) is not done here.
 */
#include <sys/stat.h>
#include <sys/un.h>

#include <errno.h>
#include <fcntl.h>
#include <libconfig.h>
#include <stdarg.h>
#include <stdatomic.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <libroute/alloc.h>
#include <libroute/config.h>

#include "config_int.h"

#define MAX_MESSAGE_SIZE (2ull * 1024 * 1024 * 1024)
#define MAX_DELIMITERS 8
/* The characters RFC 5322 allows unquoted in a local part, less letters,
 * digits and the apostrophe; anything else could never appear in an
 * address that needs splitting. */
#define DELIMITER_CHARS "!#$%&*+-./=?^_`{|}~"
#define HOST_CHARS                                                             \
	"ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789.-_"

/* config_key_error - "FILE:LINE: KEY: reason" for the setting s; always -1. */
int
config_key_error(struct route_error *err, const config_setting_t *s,
		 const char *key, const char *fmt, ...)
{
	char reason[ROUTE_ERROR_MAX];
	const char *file;
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(reason, sizeof(reason), fmt, ap);
	va_end(ap);
	file = config_setting_source_file(s);
	return route_error_set(err, ROUTE_EINVAL, "%s:%u: %s: %s",
			       file != NULL ? file : "(unknown file)",
			       config_setting_source_line(s), key, reason);
}

/*
 * config_get_string - the string value of s, or an error naming key.  This and
 * config_get_int_range return a literal -1 so that the compiler, which cannot
 * see into the varargs key_error, knows *v_r is set whenever they return 0.
 */
int
config_get_string(config_setting_t *s, const char *key, const char **v_r,
		  struct route_error *err)
{
	if (config_setting_type(s) != CONFIG_TYPE_STRING) {
		config_key_error(err, s, key, "expected a string");
		return -1;
	}
	*v_r = config_setting_get_string(s);
	return 0;
}

/* config_get_int_range - an integer value of s within lo..hi. */
int
config_get_int_range(config_setting_t *s, const char *key, long long lo,
		     long long hi, long long *v_r, struct route_error *err)
{
	long long v;

	if (config_setting_type(s) != CONFIG_TYPE_INT &&
	    config_setting_type(s) != CONFIG_TYPE_INT64) {
		config_key_error(err, s, key, "expected an integer");
		return -1;
	}
	v = config_setting_get_int64(s);
	if (v < lo || v > hi) {
		config_key_error(err, s, key, "must be between %lld and %lld",
				 lo, hi);
		return -1;
	}
	*v_r = v;
	return 0;
}

/* config_replace - store a fresh copy of v in *field. */
void
config_replace(char **field, const char *v)
{
	free(*field);
	*field = route_xstrdup(v);
}

/* parse_store - "sqlite:/abs/path" or "/abs/path", kept as a sqlite: URI. */
static int
parse_store(config_setting_t *s, const char *key, struct config_snapshot *snap,
	    struct route_error *err)
{
	const char *v, *path;

	if (config_get_string(s, key, &v, err) == -1)
		return -1;
	if (strncmp(v, "postgresql:", 11) == 0 ||
	    strncmp(v, "postgres:", 9) == 0)
		return config_key_error(
		    err, s, key,
		    "postgresql stores are not supported by this build");
	if (strncmp(v, "sqlite:", 7) == 0)
		path = v + 7;
	else if (v[0] == '/')
		path = v;
	else
		return config_key_error(
		    err, s, key,
		    "expected \"sqlite:/absolute/path\" or an absolute path");
	if (path[0] != '/')
		return config_key_error(err, s, key,
					"the store path must be absolute");
	free(snap->pub.store);
	snap->pub.store = route_xasprintf("sqlite:%s", path);
	return 0;
}

/* parse_poll - store_poll_ms: milliseconds between change checks. */
static int
parse_poll(config_setting_t *s, const char *key, struct config_snapshot *snap,
	   struct route_error *err)
{
	long long v;

	if (config_get_int_range(s, key, 50, 60000, &v, err) == -1)
		return -1;
	snap->pub.poll_ms = (unsigned)v;
	return 0;
}

/* inet_error - why "PORT@HOST" (after "inet:" or "inet6:") is wrong, or
 * NULL when it is right. */
static const char *
inet_error(const char *spec, bool v6)
{
	const char *p;
	long port = 0;

	for (p = spec; *p >= '0' && *p <= '9'; p++)
		if (port <= 65535)
			port = port * 10 + (*p - '0');
	if (p == spec || *p != '@' || p[1] == '\0')
		return "expected PORT@HOST with a numeric port";
	if (port < 1 || port > 65535)
		return "port must be between 1 and 65535";
	/* libmilter's inet: is IPv4 only; IPv6 addresses need inet6:. */
	if (p[1 + strspn(p + 1, v6 ? HOST_CHARS ":" : HOST_CHARS)] != '\0')
		return v6 ? "the host must be an IPv6 address or a host name"
			  : "the host must be an IPv4 address or a host name "
			    "(use inet6: for IPv6)";
	return NULL;
}

/* route_socket_parse - check a milter socket and give its one spelling. */
int
route_socket_parse(const char *spec, char **spec_r, struct route_error *err)
{
	const char *path, *why;

	if (strncmp(spec, "inet:", 5) == 0 || strncmp(spec, "inet6:", 6) == 0) {
		why = inet_error(strchr(spec, ':') + 1, spec[4] == '6');
		if (why != NULL)
			return route_error_set(err, ROUTE_EINVAL, "%s", why);
		*spec_r = route_xstrdup(spec);
		return 0;
	}
	if (strncmp(spec, "unix:", 5) == 0)
		path = spec + 5;
	else if (strncmp(spec, "local:", 6) == 0)
		path = spec + 6;
	else
		return route_error_set(err, ROUTE_EINVAL,
				       "expected \"unix:/path\", "
				       "\"inet:PORT@HOST\" or "
				       "\"inet6:PORT@HOST\"");
	if (path[0] != '/')
		return route_error_set(err, ROUTE_EINVAL,
				       "the socket path must be absolute");
	if (strlen(path) >= sizeof(((struct sockaddr_un *)NULL)->sun_path))
		return route_error_set(
		    err, ROUTE_EINVAL,
		    "the socket path is longer than %zu bytes",
		    sizeof(((struct sockaddr_un *)NULL)->sun_path) - 1);
	/* One spelling, so the daemon has one prefix to look for. */
	*spec_r = route_xasprintf("unix:%s", path);
	return 0;
}

/* config_parse_socket_spec - a socket spec, through route_socket_parse. */
int
config_parse_socket_spec(config_setting_t *s, const char *key, char **field,
			 struct route_error *err)
{
	struct route_error why;
	const char *v;
	char *spec;

	if (config_get_string(s, key, &v, err) == -1)
		return -1;
	if (route_socket_parse(v, &spec, &why) == -1)
		return config_key_error(err, s, key, "%s", why.msg);
	free(*field);
	*field = spec;
	return 0;
}

/* parse_socket - milter.socket. */
static int
parse_socket(config_setting_t *s, const char *key, struct config_snapshot *snap,
	     struct route_error *err)
{
	return config_parse_socket_spec(s, key, &snap->pub.milter_socket, err);
}

/* config_parse_account - a user or group name; whether it exists is
 * checked by the daemon that switches to it, not by whoever merely reads
 * the file. */
int
config_parse_account(config_setting_t *s, const char *key, char **field,
		     struct route_error *err)
{
	const char *v, *p;

	if (config_get_string(s, key, &v, err) == -1)
		return -1;
	if (*v == '\0')
		return config_key_error(err, s, key, "must not be empty");
	for (p = v; *p != '\0'; p++)
		if (*p <= ' ' || *p > '~' || *p == ':' || *p == '/')
			return config_key_error(
			    err, s, key, "not a valid user or group name");
	config_replace(field, v);
	return 0;
}

/* parse_user - milter.user. */
static int
parse_user(config_setting_t *s, const char *key, struct config_snapshot *snap,
	   struct route_error *err)
{
	return config_parse_account(s, key, &snap->pub.milter_user, err);
}

/* parse_group - milter.group. */
static int
parse_group(config_setting_t *s, const char *key, struct config_snapshot *snap,
	    struct route_error *err)
{
	return config_parse_account(s, key, &snap->pub.milter_group, err);
}

/* octal_digits - read the decimal digits of v as octal; -1 if one is 8/9.
 * libconfig has no octal literals and reads "socket_mode = 0660;" as 660,
 * so the digits are taken the way chmod(1) takes them. */
static long long
octal_digits(long long v)
{
	long long mode = 0, scale = 1;

	for (; v > 0; v /= 10, scale *= 8) {
		if (v % 10 > 7)
			return -1;
		mode += (v % 10) * scale;
	}
	return mode;
}

/* config_parse_mode - "0660" or an integer, at most 0777. */
int
config_parse_mode(config_setting_t *s, const char *key, unsigned *field,
		  struct route_error *err)
{
	const char *v;
	long long mode;
	size_t n;

	switch (config_setting_type(s)) {
	case CONFIG_TYPE_STRING:
		v = config_setting_get_string(s);
		n = strspn(v, "01234567");
		if (n == 0 || n > 4 || v[n] != '\0')
			return config_key_error(
			    err, s, key,
			    "expected an octal mode such as \"0660\"");
		mode = strtoll(v, NULL, 8);
		break;
	case CONFIG_TYPE_INT:
	case CONFIG_TYPE_INT64:
		mode = config_setting_get_int64(s);
		if (mode < 0 || mode > 7777)
			return config_key_error(
			    err, s, key,
			    "expected an octal mode such as \"0660\"");
		if (config_setting_get_format(s) != CONFIG_FORMAT_HEX &&
		    (mode = octal_digits(mode)) == -1)
			return config_key_error(
			    err, s, key,
			    "expected an octal mode such as \"0660\"");
		break;
	default:
		return config_key_error(
		    err, s, key, "expected an octal mode such as \"0660\"");
	}
	if (mode > 0777)
		return config_key_error(err, s, key, "must be at most 0777");
	*field = (unsigned)mode;
	return 0;
}

/* parse_socket_mode - milter.socket_mode. */
static int
parse_socket_mode(config_setting_t *s, const char *key,
		  struct config_snapshot *snap, struct route_error *err)
{
	return config_parse_mode(s, key, &snap->pub.milter_socket_mode, err);
}

/* config_parse_abs_path - an absolute path into *field. */
int
config_parse_abs_path(config_setting_t *s, const char *key, char **field,
		      struct route_error *err)
{
	const char *v;

	if (config_get_string(s, key, &v, err) == -1)
		return -1;
	if (v[0] != '/')
		return config_key_error(err, s, key,
					"the path must be absolute");
	config_replace(field, v);
	return 0;
}

/* parse_pidfile - milter.pidfile. */
static int
parse_pidfile(config_setting_t *s, const char *key,
	      struct config_snapshot *snap, struct route_error *err)
{
	return config_parse_abs_path(s, key, &snap->pub.milter_pidfile, err);
}

/* parse_size_string - "25M", "512K", "1G" or plain digits, in bytes;
 * 0 when malformed, UINT64_MAX when too large to count. */
static uint64_t
parse_size_string(const char *v)
{
	uint64_t n = 0, unit = 1;
	const char *p;

	for (p = v; *p >= '0' && *p <= '9'; p++) {
		if (n > MAX_MESSAGE_SIZE)
			return UINT64_MAX;
		n = n * 10 + (uint64_t)(*p - '0');
	}
	if (p == v)
		return 0;
	switch (*p) {
	case '\0':
		return n;
	case 'k':
	case 'K':
		unit = 1024;
		break;
	case 'm':
	case 'M':
		unit = 1024 * 1024;
		break;
	case 'g':
	case 'G':
		unit = 1024 * 1024 * 1024;
		break;
	default:
		return 0;
	}
	if (p[1] != '\0')
		return 0;
	if (n > MAX_MESSAGE_SIZE)
		return UINT64_MAX;
	return n * unit;
}

/* parse_message_size - limits.message_size: bytes, or "NNK/M/G". */
static int
parse_message_size(config_setting_t *s, const char *key,
		   struct config_snapshot *snap, struct route_error *err)
{
	long long i;
	uint64_t n;

	switch (config_setting_type(s)) {
	case CONFIG_TYPE_INT:
	case CONFIG_TYPE_INT64:
		i = config_setting_get_int64(s);
		if (i < 1)
			return config_key_error(err, s, key,
						"must be positive");
		n = (uint64_t)i;
		break;
	case CONFIG_TYPE_STRING:
		n = parse_size_string(config_setting_get_string(s));
		if (n == 0)
			return config_key_error(
			    err, s, key,
			    "expected a size such as \"25M\" "
			    "(a number of bytes with K, M or G)");
		break;
	default:
		return config_key_error(
		    err, s, key,
		    "expected an integer or a string such as \"25M\"");
	}
	if (n > MAX_MESSAGE_SIZE)
		return config_key_error(err, s, key, "must be at most 2G");
	snap->pub.max_message_size = n;
	return 0;
}

/* parse_received - limits.received_headers: loop protection threshold. */
static int
parse_received(config_setting_t *s, const char *key,
	       struct config_snapshot *snap, struct route_error *err)
{
	long long v;

	if (config_get_int_range(s, key, 1, 1000, &v, err) == -1)
		return -1;
	snap->pub.max_received = (unsigned)v;
	return 0;
}

/* parse_delimiters - routing.delimiters: "" turns sub-addressing off. */
static int
parse_delimiters(config_setting_t *s, const char *key,
		 struct config_snapshot *snap, struct route_error *err)
{
	const char *v, *p;

	if (config_get_string(s, key, &v, err) == -1)
		return -1;
	if (strlen(v) > MAX_DELIMITERS)
		return config_key_error(err, s, key,
					"at most %d delimiter characters",
					MAX_DELIMITERS);
	for (p = v; *p != '\0'; p++) {
		if (strchr(DELIMITER_CHARS, *p) == NULL) {
			if (*p > ' ' && *p <= '~')
				return config_key_error(
				    err, s, key,
				    "'%c' cannot be a delimiter (allowed: %s)",
				    *p, DELIMITER_CHARS);
			return config_key_error(
			    err, s, key,
			    "byte 0x%02x cannot be a delimiter (allowed: %s)",
			    (unsigned char)*p, DELIMITER_CHARS);
		}
		if (strchr(p + 1, *p) != NULL)
			return config_key_error(err, s, key,
						"'%c' is given twice", *p);
	}
	config_replace(&snap->delimiters, v);
	snap->pub.table.delimiters = snap->delimiters;
	return 0;
}

/* parse_case_sensitive - routing.case_sensitive. */
static int
parse_case_sensitive(config_setting_t *s, const char *key,
		     struct config_snapshot *snap, struct route_error *err)
{
	if (config_setting_type(s) != CONFIG_TYPE_BOOL)
		return config_key_error(err, s, key, "expected true or false");
	snap->pub.table.case_sensitive = config_setting_get_bool(s) != 0;
	return 0;
}

/* parse_max_depth - routing.max_depth: forward expansion limit. */
static int
parse_max_depth(config_setting_t *s, const char *key,
		struct config_snapshot *snap, struct route_error *err)
{
	long long v;

	if (config_get_int_range(s, key, 1, 64, &v, err) == -1)
		return -1;
	snap->pub.table.max_depth = (unsigned)v;
	return 0;
}

/* parse_facility - log.facility: a syslog facility a mail daemon may use. */
static int
parse_facility(config_setting_t *s, const char *key,
	       struct config_snapshot *snap, struct route_error *err)
{
	static const char *const names[] = {
	    "mail",   "daemon", "user",	  "local0", "local1", "local2",
	    "local3", "local4", "local5", "local6", "local7"};
	const char *v;
	size_t i;

	if (config_get_string(s, key, &v, err) == -1)
		return -1;
	for (i = 0; i < sizeof(names) / sizeof(names[0]); i++)
		if (strcmp(v, names[i]) == 0) {
			config_replace(&snap->pub.syslog_facility, v);
			return 0;
		}
	return config_key_error(
	    err, s, key,
	    "unknown syslog facility (expected mail, daemon, user or "
	    "local0 to local7)");
}

static const struct key_def keys[] = {
    {NULL, "store", parse_store},
    {NULL, "store_poll_ms", parse_poll},
    {"milter", "socket", parse_socket},
    {"milter", "user", parse_user},
    {"milter", "group", parse_group},
    {"milter", "socket_mode", parse_socket_mode},
    {"milter", "pidfile", parse_pidfile},
    {"limits", "message_size", parse_message_size},
    {"limits", "received_headers", parse_received},
    {"routing", "delimiters", parse_delimiters},
    {"routing", "case_sensitive", parse_case_sensitive},
    {"routing", "max_depth", parse_max_depth},
    {"log", "facility", parse_facility},
};

/* find_in - the definition of group.name in one table, or NULL. */
static const struct key_def *
find_in(const struct key_def *table, size_t n, const char *group,
	const char *name)
{
	size_t i;

	for (i = 0; i < n; i++) {
		if (strcmp(table[i].name, name) != 0)
			continue;
		if (group == NULL ? table[i].group == NULL
				  : table[i].group != NULL &&
					strcmp(table[i].group, group) == 0)
			return &table[i];
	}
	return NULL;
}

/* find_key - the definition of group.name (group NULL: top level). */
static const struct key_def *
find_key(const char *group, const char *name)
{
	const struct key_def *def;

	def = find_in(keys, sizeof(keys) / sizeof(keys[0]), group, name);
	if (def == NULL)
		def = find_in(config_srs_keys, config_srs_nkeys, group, name);
	return def;
}

/* group_in - whether name is a group of one table. */
static bool
group_in(const struct key_def *table, size_t n, const char *name)
{
	size_t i;

	for (i = 0; i < n; i++)
		if (table[i].group != NULL && strcmp(table[i].group, name) == 0)
			return true;
	return false;
}

/* is_group - whether name is one of the groups of keys. */
static bool
is_group(const char *name)
{
	return group_in(keys, sizeof(keys) / sizeof(keys[0]), name) ||
	       group_in(config_srs_keys, config_srs_nkeys, name);
}

/* apply_setting - check one setting found in group (NULL: top level). */
static int
apply_setting(config_setting_t *s, const char *group,
	      struct config_snapshot *snap, struct route_error *err)
{
	const char *name = config_setting_name(s);
	const struct key_def *def;
	char key[128];

	if (group != NULL)
		snprintf(key, sizeof(key), "%s.%s", group, name);
	else
		snprintf(key, sizeof(key), "%s", name);
	def = find_key(group, name);
	if (def == NULL)
		return config_key_error(err, s, key, "unknown key");
	return def->parse(s, key, snap, err);
}

/* apply_root - check every setting of the file against keys[]. */
static int
apply_root(config_setting_t *root, struct config_snapshot *snap,
	   struct route_error *err)
{
	config_setting_t *s;
	const char *name;
	int i, j;

	for (i = 0; (s = config_setting_get_elem(root, i)) != NULL; i++) {
		name = config_setting_name(s);
		if (!is_group(name)) {
			if (apply_setting(s, NULL, snap, err) == -1)
				return -1;
			continue;
		}
		if (!config_setting_is_group(s))
			return config_key_error(err, s, name,
						"expected a group { ... }");
		for (j = 0; j < config_setting_length(s); j++)
			if (apply_setting(config_setting_get_elem(s, j), name,
					  snap, err) == -1)
				return -1;
	}
	return 0;
}

/* check_readable - open path once so a missing or unreadable file gets
 * errno's wording; libconfig reports only "file I/O error". */
static int
check_readable(const char *path, struct route_error *err)
{
	struct stat st;
	int fd, e = 0;

	if ((fd = open(path, O_RDONLY | O_CLOEXEC)) == -1)
		e = errno;
	else if (fstat(fd, &st) == -1)
		e = errno;
	else if (S_ISDIR(st.st_mode))
		e = EISDIR;
	if (fd != -1)
		close(fd);
	if (e != 0)
		return route_error_set(err, ROUTE_ESYS, "%s: cannot read: %s",
				       path, strerror(e));
	return 0;
}

/* read_file - parse path and apply its settings over the defaults. */
static int
read_file(const char *path, struct config_snapshot *snap,
	  struct route_error *err)
{
	config_t lc;
	int rc = -1;

	if (check_readable(path, err) == -1)
		return -1;
	/* No include directory is set: libconfig 1.5 would then prefix it to
	 * absolute "@include" paths too, and those are the usual kind. */
	config_init(&lc);
	if (!config_read_file(&lc, path)) {
		if (config_error_type(&lc) == CONFIG_ERR_FILE_IO)
			route_error_set(err, ROUTE_ESYS, "%s: cannot read: %s",
					path, config_error_text(&lc));
		else
			route_error_set(err, ROUTE_EINVAL, "%s:%d: %s",
					config_error_file(&lc) != NULL
					    ? config_error_file(&lc)
					    : path,
					config_error_line(&lc),
					config_error_text(&lc));
	} else if ((rc = apply_root(config_root_setting(&lc), snap, err)) == 0)
		rc = config_srs_finish(config_lookup(&lc, "srs"), snap, err);
	config_destroy(&lc);
	return rc;
}

/* snapshot_free - release a snapshot and all its strings. */
static void
snapshot_free(struct config_snapshot *snap)
{
	free(snap->pub.path);
	free(snap->pub.store);
	free(snap->pub.milter_socket);
	free(snap->pub.milter_user);
	free(snap->pub.milter_group);
	free(snap->pub.milter_pidfile);
	free(snap->pub.syslog_facility);
	route_srs_opts_free(&snap->pub.srs);
	free(snap->pub.policyd_socket);
	free(snap->pub.policyd_user);
	free(snap->pub.policyd_group);
	free(snap->pub.policyd_pidfile);
	free(snap->delimiters);
	free(snap);
}

/* snapshot_new - the built-in defaults, with one reference. */
static struct config_snapshot *
snapshot_new(const char *store_default, const char *socket_default)
{
	struct config_snapshot *snap = route_xcalloc(1, sizeof(*snap));

	atomic_init(&snap->refs, 1);
	snap->pub.store = route_xstrdup(store_default);
	snap->pub.milter_socket = route_xstrdup(socket_default);
	snap->pub.milter_socket_mode = 0660;
	snap->pub.syslog_facility = route_xstrdup("mail");
	snap->pub.max_message_size = ROUTE_DEFAULT_MAX_SIZE;
	snap->pub.max_received = ROUTE_DEFAULT_MAX_RECEIVED;
	snap->pub.poll_ms = ROUTE_DEFAULT_POLL_MS;
	/* Filled here rather than by route_table_opts_init so that the
	 * snapshot owns the delimiter string it hands out. */
	snap->delimiters = route_xstrdup(ROUTE_DEFAULT_DELIMITERS);
	snap->pub.table.delimiters = snap->delimiters;
	snap->pub.table.case_sensitive = false;
	snap->pub.table.max_depth = ROUTE_DEFAULT_MAX_DEPTH;
	route_srs_opts_init(&snap->pub.srs);
	snap->pub.policyd_socket_mode = ROUTE_DEFAULT_POLICYD_SOCKET_MODE;
	return snap;
}

/* route_config_load - defaults, then path's settings over them. */
int
route_config_load(const char *path, const char *store_default,
		  const char *socket_default, struct route_config **cfg_r,
		  struct route_error *err)
{
	struct config_snapshot *snap;

	if (store_default == NULL || socket_default == NULL)
		return route_error_set(
		    err, ROUTE_EINVAL,
		    "route_config_load: no default store or socket given");
	snap = snapshot_new(store_default, socket_default);
	if (path != NULL) {
		if (read_file(path, snap, err) == -1) {
			snapshot_free(snap);
			return -1;
		}
		snap->pub.path = route_xstrdup(path);
	}
	*cfg_r = &snap->pub;
	return 0;
}

/* route_config_ref - one more reader. */
struct route_config *
route_config_ref(struct route_config *cfg)
{
	struct config_snapshot *snap = (struct config_snapshot *)cfg;

	/* Taking a reference needs no ordering: the caller already holds
	 * one, so the snapshot cannot go away underneath it. */
	atomic_fetch_add_explicit(&snap->refs, 1, memory_order_relaxed);
	return cfg;
}

/* route_config_unref - one reader fewer; the last one frees. */
void
route_config_unref(struct route_config **cfg)
{
	struct config_snapshot *snap;

	if (cfg == NULL || *cfg == NULL)
		return;
	snap = (struct config_snapshot *)*cfg;
	*cfg = NULL;
	/* acq_rel: every reader's last access happens before the free. */
	if (atomic_fetch_sub_explicit(&snap->refs, 1, memory_order_acq_rel) ==
	    1)
		snapshot_free(snap);
}
