/*
 * config.h - the configuration file (libconfig syntax) as an immutable,
 * reference-counted snapshot.
 *
 * A daemon keeps a pointer to the current snapshot; each connection takes
 * a reference when it starts, so a reload (SIGHUP) that builds and swaps in
 * a new snapshot never frees what an open connection still reads.  A file
 * that fails to load leaves the caller's current snapshot as it was.
 * Every key is documented in route-milter.conf(5).
 */
#ifndef LIBROUTE_CONFIG_H
#define LIBROUTE_CONFIG_H

#include <stdbool.h>
#include <stdint.h>

#include <libroute/error.h>
#include <libroute/rules.h>
#include <libroute/srs.h>

/* Defaults of the limits and the poll period when the file does not set
 * them (route-milter.conf(5)); the routing defaults are in rules.h. */
#define ROUTE_DEFAULT_MAX_SIZE (25u * 1024 * 1024)
#define ROUTE_DEFAULT_MAX_RECEIVED 30
#define ROUTE_DEFAULT_POLL_MS 500
#define ROUTE_DEFAULT_POLICYD_SOCKET_MODE 0660

/*
 * The fields are read-only for everyone.  A snapshot comes only from
 * route_config_load: it carries a reference count that is not part of
 * this struct, so never declare or copy one yourself.
 */
struct route_config {
	char *path;	     /* file it came from, NULL for defaults */
	char *store;	     /* "store": store URI */
	char *milter_socket; /* "milter.socket": unix:PATH, inet:PORT@HOST */
	char *milter_user;   /* "milter.user": user to run as, or NULL */
	char *milter_group;  /* "milter.group": socket group, or NULL */
	unsigned milter_socket_mode; /* "milter.socket_mode": e.g. 0660 */
	char *milter_pidfile;	     /* "milter.pidfile" or NULL */
	char *syslog_facility;	     /* "log.facility": "mail" */
	uint64_t max_message_size;   /* "limits.message_size" (bytes) */
	unsigned max_received;	     /* "limits.received_headers" */
	unsigned poll_ms;	     /* "store_poll_ms": change check period */
	struct route_table_opts table; /* "routing.delimiters",
					  "routing.case_sensitive",
					  "routing.max_depth" */
	struct route_srs_opts srs;     /* "srs" section; srs.domain is NULL
					  when SRS is off */
	char *policyd_socket;	       /* "policyd.socket", NULL: route-policyd
					  uses its compiled-in default */
	char *policyd_user;	       /* "policyd.user" or NULL */
	char *policyd_group;	       /* "policyd.group" or NULL */
	unsigned policyd_socket_mode;  /* "policyd.socket_mode" */
	char *policyd_pidfile;	       /* "policyd.pidfile" or NULL */
};

/*
 * route_config_load - read path into a new snapshot with one reference.
 * Keys not in the file take their defaults; unknown keys, wrong types and
 * bad values are refused.  path NULL yields the built-in defaults with
 * store_default and socket_default (both required).  On error returns -1
 * with err->msg in the form "FILE:LINE: KEY: reason" (ROUTE_EINVAL, or
 * ROUTE_ESYS when the file cannot be read).
 */
int route_config_load(const char *path, const char *store_default,
		      const char *socket_default, struct route_config **cfg_r,
		      struct route_error *err);

/*
 * route_socket_parse - check a milter socket specification: "unix:/path"
 * (or libmilter's "local:/path"), "inet:PORT@HOST" (IPv4) or
 * "inet6:PORT@HOST".  Returns 0 with its one spelling in *spec_r (malloc'ed;
 * "local:" becomes "unix:"), or -1 with ROUTE_EINVAL and the reason.  The
 * config loader and route-milter's -p option both use it.
 */
int route_socket_parse(const char *spec, char **spec_r,
		       struct route_error *err);

/* route_config_ref - take a reference (thread-safe); returns cfg. */
struct route_config *route_config_ref(struct route_config *cfg);

/* route_config_unref - drop a reference (thread-safe), free with the last,
 * set *cfg to NULL; *cfg may be NULL. */
void route_config_unref(struct route_config **cfg);

/*
 * route_config_load_default - the configuration a program runs with: path
 * when it is not NULL (the -c option), else the file installed when it
 * exists, else the built-in defaults, loaded as route_config_load does.
 * Returns 0 with *cfg_r, or -1 with err as route_config_load sets it.
 */
int route_config_load_default(const char *path, const char *installed,
			      const char *store_default,
			      const char *socket_default,
			      struct route_config **cfg_r,
			      struct route_error *err);

#endif
