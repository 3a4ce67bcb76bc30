/*
 * config_int.h - what the parts of the configuration loader share: the
 * snapshot behind struct route_config, the table of keys and the helpers
 * that check one value and report "FILE:LINE: KEY: reason".  Private to
 * libroute (config.c, config_srs.c).
 */
#ifndef LIBROUTE_CONFIG_INT_H
#define LIBROUTE_CONFIG_INT_H

#include <libconfig.h>
#include <stdatomic.h>

#include <libroute/config.h>
#include <libroute/error.h>

/*
 * The public struct is the first member, so a struct route_config pointer
 * handed out by route_config_load is also a pointer to its snapshot.
 */
struct config_snapshot {
	struct route_config pub;
	atomic_uint refs;
	char *delimiters; /* owned; pub.table.delimiters points here */
};

typedef int key_parse_fn(config_setting_t *, const char *,
			 struct config_snapshot *, struct route_error *);

struct key_def {
	const char *group; /* enclosing group, NULL at top level */
	const char *name;
	key_parse_fn *parse;
};

/* config_key_error - "FILE:LINE: KEY: reason" for the setting s; -1. */
int config_key_error(struct route_error *err, const config_setting_t *s,
		     const char *key, const char *fmt, ...)
    __attribute__((format(printf, 4, 5)));

/* config_get_string - the string value of s, or an error naming key. */
int config_get_string(config_setting_t *s, const char *key, const char **v_r,
		      struct route_error *err);

/* config_get_int_range - an integer value of s within lo..hi. */
int config_get_int_range(config_setting_t *s, const char *key, long long lo,
			 long long hi, long long *v_r, struct route_error *err);

/* config_replace - store a fresh copy of v in *field. */
void config_replace(char **field, const char *v);

/* config_parse_account / config_parse_abs_path / config_parse_mode /
 * config_parse_socket_spec - a user or group name, an absolute path, an
 * octal file mode, a socket spec (route_socket_parse), into *field. */
int config_parse_account(config_setting_t *s, const char *key, char **field,
			 struct route_error *err);
int config_parse_abs_path(config_setting_t *s, const char *key, char **field,
			  struct route_error *err);
int config_parse_mode(config_setting_t *s, const char *key, unsigned *field,
		      struct route_error *err);
int config_parse_socket_spec(config_setting_t *s, const char *key, char **field,
			     struct route_error *err);

/* The keys of the "srs" and "policyd" groups (config_srs.c). */
extern const struct key_def config_srs_keys[];
extern const size_t config_srs_nkeys;

/*
 * config_srs_finish - the checks that involve several srs keys, after the
 * file has been read: srs.domain and srs.secrets_file given together,
 * hash_minimum not above hash_length.  group is the srs setting (NULL
 * when the file has none).
 */
int config_srs_finish(config_setting_t *group, struct config_snapshot *snap,
		      struct route_error *err);

#endif
