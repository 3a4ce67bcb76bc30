/*
 * store.h - persistence of domains, destinations and rules.
 *
 * The store is the one place changes are written (milter-ctl) and the
 * source the daemons build their rule tables from.  The embedded backend is
 * a SQLite file in WAL mode; every change is one transaction that also bumps
 * a change counter and appends an audit row (time, unix user, command, old
 * and new value).  A daemon polls route_store_generation() (one indexed read)
 * and rebuilds its table only when the counter moved.
 *
 * Opening a store that does not exist creates it with the current schema;
 * an older schema is migrated in place; a newer one is refused (ROUTE_ESCHEMA)
 * so an old program never writes what it does not understand.
 *
 * A store handle is not thread-safe: use one per thread.
 */
#ifndef LIBROUTE_STORE_H
#define LIBROUTE_STORE_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include <libroute/error.h>
#include <libroute/rules.h>
#include <libroute/srs.h>

/* Schema version this library writes and the newest it can read. */
#define ROUTE_STORE_SCHEMA_VERSION 2

struct route_store;

/* Who made a change, for the audit table. */
struct route_actor {
	const char *user;    /* unix user name */
	const char *command; /* the command line, e.g. "rule add a@b drop" */
};

struct route_store_domain {
	char *name; /* A-label, lower case */
	bool enabled;
	enum route_unknown unknown;
	bool subaddress;
	int64_t created; /* unix time */
};

struct route_store_dest {
	char *addr;
	bool verified;
	int64_t created;
	int64_t verified_at; /* unix time, 0 while pending */
};

struct route_store_rule {
	int64_t id;
	char *match; /* normalised: domain in A-label lower case */
	enum route_action action;
	char **dests;
	size_t ndests;
	char *text; /* reject text or NULL */
	bool enabled;
	int priority;
	char *comment; /* or NULL */
	int64_t created;
};

struct route_audit_entry {
	int64_t id;
	int64_t time; /* unix time */
	char *user;
	char *command;
	char *old_value; /* NULL when the object was created */
	char *new_value; /* NULL when the object was removed */
};

/*
 * route_store_open - open (creating if missing) the store named by uri:
 * "sqlite:/path/to/routes.db" or a plain path.  opts (NULL for defaults;
 * copied) are the table options the handle works with: route_store_load
 * builds with them, every change checks with them that a table still
 * builds, and case_sensitive decides whether a rule or destination named
 * in another case of ASCII letters is the stored one.  Every program using
 * one store should pass the same options.  A missing parent directory is
 * an error, not created.  Returns 0 and *store_r, or -1 (ROUTE_ESYS,
 * ROUTE_ESCHEMA, ROUTE_EINVAL for an unknown scheme).
 */
int route_store_open(const char *uri, const struct route_table_opts *opts,
		     struct route_store **store_r, struct route_error *err);

/* route_store_close - close and free; *store may be NULL; sets it NULL. */
void route_store_close(struct route_store **store);

/*
 * route_store_generation - the change counter: grows by one with every
 * committed change, from any process.  Cheap enough to call every second.
 */
int route_store_generation(struct route_store *s, uint64_t *gen_r,
			   struct route_error *err);

/*
 * route_store_load - build a rule table from one consistent read of the
 * store.  *gen_r (may be NULL) receives the generation the table reflects.
 */
int route_store_load(struct route_store *s, struct route_table **table_r,
		     uint64_t *gen_r, struct route_error *err);

/*
 * Changes.  Each is one transaction with its audit row, and is refused
 * (returning -1, nothing changed) with a reason a person can act on:
 *  - domain_add: bad name, exists already;
 *  - domain_set: key is "enabled" (yes/no), "unknown" (reject/pass) or
 *    "subaddress" (on/off); unknown domain, key or value;
 *  - domain_remove: unknown domain, or rules or destinations still use it
 *    (the reason says how many);
 *  - dest_add: bad address, exists; dest_verify: unknown; dest_remove:
 *    unknown, or used by a rule (named);
 *  - rule_add: what route_table_builder_add_rule refuses (bad match
 *    string, a forward without destinations or to one given twice, a
 *    destination or text where the action takes none, a bad reject text;
 *    in the builder's words), CR/LF in the comment, domain not added,
 *    unknown destination (a destination must have been added with
 *    dest_add unless it is itself an address in a routed domain), or a rule
 *    for the same match exists; on success *id_r (may be NULL) gets the
 *    new rule's id;
 *  - rule_remove / rule_enable: sel is a rule id (all digits) or its match
 *    string (any spelling); unknown rule.
 *
 * Whatever can change where mail goes is also checked by building the
 * table with the change (ROUTE_ECYCLE for a loop or a chain deeper than
 * max_depth): adding a domain or a rule, verifying a destination,
 * enabling a rule, turning a domain or its sub-addressing on, letting a
 * domain's unknown addresses pass must leave a table that builds.  Removing or
 * disabling a rule and the other domain settings can close a loop too (the
 * addresses a rule caught fall through to a catch-all that leads back); they
 * are refused when the table built before the change and would not after it,
 * and let through when it did not build before either (options tighter than the
 * stored rules), so that such a store can be repaired.
 *
 * A change that would leave everything as it is (verifying a verified
 * destination, setting a domain key to its value, enabling an enabled or
 * disabling a disabled rule) succeeds without committing anything: no
 * audit row, and the generation does not move, so no daemon rebuilds.
 */
int route_store_domain_add(struct route_store *s, const struct route_actor *who,
			   const struct route_domain_def *def,
			   struct route_error *err);
int route_store_domain_set(struct route_store *s, const struct route_actor *who,
			   const char *name, const char *key, const char *value,
			   struct route_error *err);

/* The settings route_store_domain_set changes, by key. */
enum route_domain_setting {
	ROUTE_DOMAIN_ENABLED = 0, /* "enabled": yes or no */
	ROUTE_DOMAIN_UNKNOWN,	  /* "unknown": pass or reject */
	ROUTE_DOMAIN_SUBADDRESS,  /* "subaddress": on or off */
};

/*
 * route_domain_setting_parse - check one key and value of a domain_set the
 * way route_store_domain_set does, without a store, so that a caller can
 * refuse a bad one before it opens anything.  Keys and values are matched
 * exactly (lower case).  Returns 0 with the setting in *setting_r and in
 * *on_r whether value is the "on" spelling (yes, pass, on); either may be
 * NULL.  Returns -1 with ROUTE_EINVAL and 'unknown domain setting "KEY"
 * (use enabled, unknown or subaddress)' or 'domain setting KEY takes A or
 * B, not "VALUE"'.
 */
int route_domain_setting_parse(const char *key, const char *value,
			       enum route_domain_setting *setting_r, bool *on_r,
			       struct route_error *err);
int route_store_domain_remove(struct route_store *s,
			      const struct route_actor *who, const char *name,
			      struct route_error *err);

int route_store_dest_add(struct route_store *s, const struct route_actor *who,
			 const char *addr, struct route_error *err);
int route_store_dest_verify(struct route_store *s,
			    const struct route_actor *who, const char *addr,
			    struct route_error *err);
int route_store_dest_remove(struct route_store *s,
			    const struct route_actor *who, const char *addr,
			    struct route_error *err);

int route_store_rule_add(struct route_store *s, const struct route_actor *who,
			 const struct route_rule_def *def, int64_t *id_r,
			 struct route_error *err);
int route_store_rule_remove(struct route_store *s,
			    const struct route_actor *who, const char *sel,
			    struct route_error *err);
int route_store_rule_enable(struct route_store *s,
			    const struct route_actor *who, const char *sel,
			    bool enabled, struct route_error *err);

/*
 * Listings.  Each returns 0 with a malloc'ed array in *list_r and its length
 * in *n_r, sorted (domains and destinations by name, rules by domain, then
 * exact/pattern/catch-all, then match; audit by id, newest last, at most
 * limit entries, 0 for all).  Free with the matching _free function.
 */
int route_store_domain_list(struct route_store *s,
			    struct route_store_domain **list_r, size_t *n_r,
			    struct route_error *err);
void route_store_domain_list_free(struct route_store_domain **list, size_t n);

int route_store_dest_list(struct route_store *s,
			  struct route_store_dest **list_r, size_t *n_r,
			  struct route_error *err);
void route_store_dest_list_free(struct route_store_dest **list, size_t n);

int route_store_rule_list(struct route_store *s,
			  struct route_store_rule **list_r, size_t *n_r,
			  struct route_error *err);
void route_store_rule_list_free(struct route_store_rule **list, size_t n);

int route_store_audit_list(struct route_store *s, size_t limit,
			   struct route_audit_entry **list_r, size_t *n_r,
			   struct route_error *err);
void route_store_audit_list_free(struct route_audit_entry **list, size_t n);

/*
 * SRS aliases: senders too long for an SRS local part, kept under a short
 * key until they expire (srs.h).  They live beside the routing data but
 * are not routing: writing one does not move the change counter and is
 * not audited.  One handle must not be used by two threads at once.
 *
 * route_store_srs_alias_put - keep sender under key until expires,
 * replacing the entry of the same key (an expiry already later is kept).
 * route_store_srs_alias_get - 0 with the sender of key
 * (malloc'ed) when it has not expired at now, 1 when there is none.
 * route_store_srs_alias_purge - delete every entry expired at now; *n_r
 * (may be NULL) gets how many; the daemons call it from time to time.
 * All return -1 with ROUTE_ESYS on failure.
 */
int route_store_srs_alias_put(struct route_store *s, const char *key,
			      const char *sender, int64_t expires,
			      struct route_error *err);
int route_store_srs_alias_get(struct route_store *s, const char *key,
			      int64_t now, char **sender_r,
			      struct route_error *err);
int route_store_srs_alias_purge(struct route_store *s, int64_t now,
				uint64_t *n_r, struct route_error *err);

/* route_store_srs_aliases - the route_srs_aliases callbacks over s. */
void route_store_srs_aliases(struct route_store *s,
			     struct route_srs_aliases *a_r);

#endif
