/*
 * config_srs.c - the "srs" and "policyd" groups of the configuration file.
 * Each key is checked alone as it is read; config_srs_finish then checks
 * what involves several keys.  The secrets file itself is read by the
 * daemons (route_srs_load), not here: a program that only reads the
 * configuration must not need the right to read the secrets.
 */
#include <stdlib.h>
#include <string.h>

#include <libroute/addr.h>
#include <libroute/alloc.h>
#include <libroute/config.h>

#include "config_int.h"

/* parse_domain_into - a domain name, kept in lower-case A-label form. */
static int
parse_domain_into(config_setting_t *s, const char *key, char **field,
		  struct route_error *err)
{
	struct route_error why;
	const char *v;
	char *norm;

	if (config_get_string(s, key, &v, err) == -1)
		return -1;
	if (route_domain_normalise(v, &norm, &why) == -1)
		return config_key_error(err, s, key, "%s", why.msg);
	free(*field);
	*field = norm;
	return 0;
}

/* parse_srs_domain - srs.domain. */
static int
parse_srs_domain(config_setting_t *s, const char *key,
		 struct config_snapshot *snap, struct route_error *err)
{
	return parse_domain_into(s, key, &snap->pub.srs.domain, err);
}

/* parse_secrets_file - srs.secrets_file. */
static int
parse_secrets_file(config_setting_t *s, const char *key,
		   struct config_snapshot *snap, struct route_error *err)
{
	return config_parse_abs_path(s, key, &snap->pub.srs.secrets_file, err);
}

/* parse_separator - srs.separator: the character after SRS0 and SRS1. */
static int
parse_separator(config_setting_t *s, const char *key,
		struct config_snapshot *snap, struct route_error *err)
{
	const char *v;

	if (config_get_string(s, key, &v, err) == -1)
		return -1;
	if (strlen(v) != 1 || strchr("=+-", v[0]) == NULL)
		return config_key_error(err, s, key,
					"expected \"=\", \"+\" or \"-\"");
	snap->pub.srs.separator = v[0];
	return 0;
}

/* parse_hash_length - srs.hash_length. */
static int
parse_hash_length(config_setting_t *s, const char *key,
		  struct config_snapshot *snap, struct route_error *err)
{
	long long v;

	if (config_get_int_range(s, key, 1, ROUTE_SRS_HASH_MAX, &v, err) == -1)
		return -1;
	snap->pub.srs.hash_length = (unsigned)v;
	return 0;
}

/* parse_hash_minimum - srs.hash_minimum. */
static int
parse_hash_minimum(config_setting_t *s, const char *key,
		   struct config_snapshot *snap, struct route_error *err)
{
	long long v;

	if (config_get_int_range(s, key, 1, ROUTE_SRS_HASH_MAX, &v, err) == -1)
		return -1;
	snap->pub.srs.hash_minimum = (unsigned)v;
	return 0;
}

/* parse_max_age - srs.max_age_days. */
static int
parse_max_age(config_setting_t *s, const char *key,
	      struct config_snapshot *snap, struct route_error *err)
{
	long long v;

	if (config_get_int_range(s, key, 1, ROUTE_SRS_MAX_AGE_MAX, &v, err) ==
	    -1)
		return -1;
	snap->pub.srs.max_age_days = (unsigned)v;
	return 0;
}

/* parse_alphabet - srs.hash_alphabet. */
static int
parse_alphabet(config_setting_t *s, const char *key,
	       struct config_snapshot *snap, struct route_error *err)
{
	const char *v;

	if (config_get_string(s, key, &v, err) == -1)
		return -1;
	if (strcmp(v, "base64url") == 0)
		snap->pub.srs.alphabet = ROUTE_SRS_BASE64URL;
	else if (strcmp(v, "base64") == 0)
		snap->pub.srs.alphabet = ROUTE_SRS_BASE64;
	else
		return config_key_error(err, s, key,
					"expected \"base64url\" or \"base64\"");
	return 0;
}

/* parse_always_rewrite - srs.always_rewrite. */
static int
parse_always_rewrite(config_setting_t *s, const char *key,
		     struct config_snapshot *snap, struct route_error *err)
{
	if (config_setting_type(s) != CONFIG_TYPE_BOOL)
		return config_key_error(err, s, key, "expected true or false");
	snap->pub.srs.always_rewrite = config_setting_get_bool(s) != 0;
	return 0;
}

/* is_sequence - an array [ ... ] or a list ( ... ). */
static bool
is_sequence(const config_setting_t *s)
{
	return config_setting_is_array(s) || config_setting_is_list(s);
}

/* parse_local_domains - srs.local_domains: [ "a.example", ... ]. */
static int
parse_local_domains(config_setting_t *s, const char *key,
		    struct config_snapshot *snap, struct route_error *err)
{
	struct route_srs_opts *o = &snap->pub.srs;
	config_setting_t *e;
	int i, n;

	if (!is_sequence(s))
		return config_key_error(err, s, key,
					"expected a list of domains, "
					"[ \"example.org\", ... ]");
	n = config_setting_length(s);
	for (i = 0; i < n; i++) {
		e = config_setting_get_elem(s, (unsigned)i);
		o->local_domains = route_xrealloc(
		    o->local_domains,
		    (o->nlocal_domains + 1) * sizeof(*o->local_domains));
		o->local_domains[o->nlocal_domains] = NULL;
		if (parse_domain_into(e, key,
				      &o->local_domains[o->nlocal_domains],
				      err) == -1)
			return -1;
		o->nlocal_domains++;
	}
	return 0;
}

/* parse_override - one { routed_domain = "..."; srs_domain = "..."; }. */
static int
parse_override(config_setting_t *g, const char *key,
	       struct route_srs_override *ov, struct route_error *err)
{
	config_setting_t *e;
	const char *name;
	int i;

	if (!config_setting_is_group(g))
		return config_key_error(err, g, key,
					"expected { routed_domain = \"...\"; "
					"srs_domain = \"...\"; }");
	for (i = 0; (e = config_setting_get_elem(g, (unsigned)i)) != NULL;
	     i++) {
		name = config_setting_name(e);
		if (name != NULL && strcmp(name, "routed_domain") == 0) {
			if (parse_domain_into(e, "srs.overrides.routed_domain",
					      &ov->routed_domain, err) == -1)
				return -1;
		} else if (name != NULL && strcmp(name, "srs_domain") == 0) {
			if (parse_domain_into(e, "srs.overrides.srs_domain",
					      &ov->srs_domain, err) == -1)
				return -1;
		} else
			return config_key_error(
			    err, e, key,
			    "unknown key %s (expected routed_domain and "
			    "srs_domain)",
			    name != NULL ? name : "(none)");
	}
	if (ov->routed_domain == NULL || ov->srs_domain == NULL)
		return config_key_error(err, g, key,
					"each override needs routed_domain "
					"and srs_domain");
	return 0;
}

/* parse_overrides - srs.overrides: ( { routed_domain; srs_domain; }, ...). */
static int
parse_overrides(config_setting_t *s, const char *key,
		struct config_snapshot *snap, struct route_error *err)
{
	struct route_srs_opts *o = &snap->pub.srs;
	struct route_srs_override *ov;
	size_t j;
	int i, n;

	if (!config_setting_is_list(s))
		return config_key_error(
		    err, s, key,
		    "expected a list ( { routed_domain = \"...\"; "
		    "srs_domain = \"...\"; }, ... )");
	n = config_setting_length(s);
	for (i = 0; i < n; i++) {
		o->overrides = route_xrealloc(
		    o->overrides, (o->noverrides + 1) * sizeof(*o->overrides));
		ov = &o->overrides[o->noverrides++];
		memset(ov, 0, sizeof(*ov));
		if (parse_override(config_setting_get_elem(s, (unsigned)i), key,
				   ov, err) == -1)
			return -1;
		for (j = 0; j + 1 < o->noverrides; j++)
			if (strcmp(o->overrides[j].routed_domain,
				   ov->routed_domain) == 0)
				return config_key_error(
				    err,
				    config_setting_get_elem(s, (unsigned)i),
				    key, "%s has two overrides",
				    ov->routed_domain);
	}
	return 0;
}

/* parse_policyd_socket - policyd.socket. */
static int
parse_policyd_socket(config_setting_t *s, const char *key,
		     struct config_snapshot *snap, struct route_error *err)
{
	return config_parse_socket_spec(s, key, &snap->pub.policyd_socket, err);
}

/* parse_policyd_user - policyd.user. */
static int
parse_policyd_user(config_setting_t *s, const char *key,
		   struct config_snapshot *snap, struct route_error *err)
{
	return config_parse_account(s, key, &snap->pub.policyd_user, err);
}

/* parse_policyd_group - policyd.group. */
static int
parse_policyd_group(config_setting_t *s, const char *key,
		    struct config_snapshot *snap, struct route_error *err)
{
	return config_parse_account(s, key, &snap->pub.policyd_group, err);
}

/* parse_policyd_mode - policyd.socket_mode. */
static int
parse_policyd_mode(config_setting_t *s, const char *key,
		   struct config_snapshot *snap, struct route_error *err)
{
	return config_parse_mode(s, key, &snap->pub.policyd_socket_mode, err);
}

/* parse_policyd_pidfile - policyd.pidfile. */
static int
parse_policyd_pidfile(config_setting_t *s, const char *key,
		      struct config_snapshot *snap, struct route_error *err)
{
	return config_parse_abs_path(s, key, &snap->pub.policyd_pidfile, err);
}

const struct key_def config_srs_keys[] = {
    {"srs", "domain", parse_srs_domain},
    {"srs", "secrets_file", parse_secrets_file},
    {"srs", "separator", parse_separator},
    {"srs", "hash_length", parse_hash_length},
    {"srs", "hash_minimum", parse_hash_minimum},
    {"srs", "max_age_days", parse_max_age},
    {"srs", "hash_alphabet", parse_alphabet},
    {"srs", "always_rewrite", parse_always_rewrite},
    {"srs", "local_domains", parse_local_domains},
    {"srs", "overrides", parse_overrides},
    {"policyd", "socket", parse_policyd_socket},
    {"policyd", "user", parse_policyd_user},
    {"policyd", "group", parse_policyd_group},
    {"policyd", "socket_mode", parse_policyd_mode},
    {"policyd", "pidfile", parse_policyd_pidfile},
};
const size_t config_srs_nkeys =
    sizeof(config_srs_keys) / sizeof(config_srs_keys[0]);

/* config_srs_finish - the checks across srs keys. */
int
config_srs_finish(config_setting_t *group, struct config_snapshot *snap,
		  struct route_error *err)
{
	const struct route_srs_opts *o = &snap->pub.srs;

	if (group == NULL)
		return 0;
	if (o->domain == NULL)
		return config_key_error(err, group, "srs.domain",
					"required when the srs group is given");
	if (o->secrets_file == NULL)
		return config_key_error(err, group, "srs.secrets_file",
					"required when the srs group is given");
	if (o->hash_minimum > o->hash_length)
		return config_key_error(err, group, "srs.hash_minimum",
					"%u is more than srs.hash_length %u",
					o->hash_minimum, o->hash_length);
	return 0;
}
