/*
 * srs_state.c - the current SRS engine and the shared alias store handle
 * (see srs_state.h).  Expired aliases are purged by whoever writes one,
 * at most once an hour, so a quiet server does no work at all.
 */
#include <pthread.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include <libroute/alloc.h>
#include <libroute/store.h>

#include "log.h"
#include "srs_state.h"

#define PURGE_PERIOD 3600 /* seconds between purges of expired aliases */

static pthread_mutex_t engine_lock = PTHREAD_MUTEX_INITIALIZER;
static struct route_srs *engine;

/* The alias store: everything below is guarded by store_lock. */
static pthread_mutex_t store_lock = PTHREAD_MUTEX_INITIALIZER;
static struct route_store *store;
static char *store_uri; /* what store is (or will be) opened on */
static struct route_table_opts store_opts;
static char *store_delims; /* owned copy behind store_opts */
static int64_t last_purge;

/* srs_state_configure - follow cfg; keep the current engine on failure. */
int
srs_state_configure(const struct route_config *cfg, struct route_error *err)
{
	struct route_srs *fresh = NULL, *old;

	if (cfg->srs.domain != NULL &&
	    route_srs_load(&cfg->srs, &fresh, err) == -1)
		return -1;
	pthread_mutex_lock(&engine_lock);
	old = engine;
	engine = fresh;
	pthread_mutex_unlock(&engine_lock);
	route_srs_unref(&old);

	pthread_mutex_lock(&store_lock);
	if (store_uri == NULL || strcmp(store_uri, cfg->store) != 0) {
		route_store_close(&store);
		free(store_uri);
		store_uri = route_xstrdup(cfg->store);
	}
	free(store_delims);
	store_delims = route_xstrdup(cfg->table.delimiters);
	store_opts = cfg->table;
	store_opts.delimiters = store_delims;
	pthread_mutex_unlock(&store_lock);
	return 0;
}

/* srs_state_engine - a reference to the current engine, or NULL. */
struct route_srs *
srs_state_engine(void)
{
	struct route_srs *srs = NULL;

	pthread_mutex_lock(&engine_lock);
	if (engine != NULL)
		srs = route_srs_ref(engine);
	pthread_mutex_unlock(&engine_lock);
	return srs;
}

/* store_get - the open handle; called with store_lock held. */
static struct route_store *
store_get(struct route_error *err)
{
	if (store == NULL && store_uri != NULL)
		route_store_open(store_uri, &store_opts, &store, err);
	else if (store_uri == NULL)
		route_error_set(err, ROUTE_ESYS, "no store configured");
	return store;
}

/* purge_if_due - delete expired aliases once per PURGE_PERIOD. */
static void
purge_if_due(struct route_store *s)
{
	struct route_error err;
	int64_t now = (int64_t)time(NULL);
	uint64_t n;

	if (now - last_purge < PURGE_PERIOD)
		return;
	last_purge = now;
	if (route_store_srs_alias_purge(s, now, &n, &err) == -1)
		log_warn("SRS aliases: purge failed: %s", err.msg);
	else if (n > 0)
		log_info("SRS aliases: %llu expired entries purged",
			 (unsigned long long)n);
}

/* locked_put - the put callback: one writer at a time. */
static int
locked_put(void *ctx, const char *key, const char *sender, int64_t expires,
	   struct route_error *err)
{
	struct route_store *s;
	int rc = -1;

	(void)ctx;
	pthread_mutex_lock(&store_lock);
	if ((s = store_get(err)) != NULL) {
		rc = route_store_srs_alias_put(s, key, sender, expires, err);
		if (rc == 0)
			purge_if_due(s);
	}
	pthread_mutex_unlock(&store_lock);
	return rc;
}

/* locked_get - the get callback. */
static int
locked_get(void *ctx, const char *key, int64_t now, char **sender_r,
	   struct route_error *err)
{
	struct route_store *s;
	int rc = -1;

	(void)ctx;
	pthread_mutex_lock(&store_lock);
	if ((s = store_get(err)) != NULL)
		rc = route_store_srs_alias_get(s, key, now, sender_r, err);
	pthread_mutex_unlock(&store_lock);
	return rc;
}

/* srs_state_aliases - the callbacks over the shared handle. */
void
srs_state_aliases(struct route_srs_aliases *a_r)
{
	a_r->put = locked_put;
	a_r->get = locked_get;
	a_r->ctx = NULL;
}

/* srs_state_stop - release everything. */
void
srs_state_stop(void)
{
	pthread_mutex_lock(&engine_lock);
	route_srs_unref(&engine);
	pthread_mutex_unlock(&engine_lock);
	pthread_mutex_lock(&store_lock);
	route_store_close(&store);
	free(store_uri);
	store_uri = NULL;
	free(store_delims);
	store_delims = NULL;
	pthread_mutex_unlock(&store_lock);
}
