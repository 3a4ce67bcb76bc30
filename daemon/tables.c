/*
 * tables.c - current configuration and rule table snapshots, and the
 * thread that keeps the table in step with the store.
 *
 * Readers only take a reference under a mutex held for a pointer copy, so
 * a message or a policy request never waits for a store read.  The store
 * handle belongs to the poll thread alone (libroute store handles are not
 * thread-safe).
 */
#include <errno.h>
#include <pthread.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>

#include <libroute/store.h>

#include "log.h"
#include "srs_state.h"
#include "tables.h"

static pthread_mutex_t tables_lock = PTHREAD_MUTEX_INITIALIZER;
static pthread_cond_t tables_wake;
static struct route_config *tables_cfg;
static struct route_table *tables_cur;
static bool tables_stopping;
static bool tables_kicked;
static pthread_t tables_thread;
static bool tables_running;

/*
 * State of the poll thread, touched by that thread only after start: the
 * store handle, the config it was opened with and the identity of the
 * file it opened (poll_have_file: a file was there to stat), the
 * generation of the table in use (poll_have_gen: still valid for this
 * handle), a generation that failed to load (poll_have_failed), whether
 * any table was loaded since start, and the last problem logged.
 */
static struct route_store *poll_store;
static struct route_config *poll_store_cfg;
static dev_t poll_dev;
static ino_t poll_ino;
static bool poll_have_file;
static uint64_t poll_gen;
static bool poll_have_gen;
static uint64_t poll_failed_gen;
static bool poll_have_failed;
static bool poll_loaded;
static char poll_last_err[ROUTE_ERROR_MAX];
static const char *poll_while_none; /* tables_start's while_none */

/* tables_same_string - strcmp that treats two NULLs as equal. */
bool
tables_same_string(const char *a, const char *b)
{
	if (a == NULL || b == NULL)
		return a == b;
	return strcmp(a, b) == 0;
}

/* store_settings_equal - whether a and b open the same store the same way. */
static bool
store_settings_equal(const struct route_config *a, const struct route_config *b)
{
	return tables_same_string(a->store, b->store) &&
	       tables_same_string(a->table.delimiters, b->table.delimiters) &&
	       a->table.case_sensitive == b->table.case_sensitive &&
	       a->table.max_depth == b->table.max_depth;
}

/* poll_report - log a store problem once, not at every poll. */
static void
poll_report(const struct route_error *err)
{
	if (strcmp(poll_last_err, err->msg) == 0)
		return;
	snprintf(poll_last_err, sizeof(poll_last_err), "%s", err->msg);
	if (poll_loaded)
		log_warn("store: %s; keeping the rule table of generation %llu",
			 err->msg, (unsigned long long)poll_gen);
	else
		log_error("store: %s; %s until the rule table can be loaded",
			  err->msg, poll_while_none);
}

/* poll_close - forget the store handle; the next poll reopens and reloads. */
static void
poll_close(void)
{
	route_store_close(&poll_store);
	route_config_unref(&poll_store_cfg);
	poll_have_gen = false;
	poll_have_failed = false;
}

/* store_file - the file of a store URI ("sqlite:PATH" or a plain PATH). */
static const char *
store_file(const char *uri)
{
	return strncmp(uri, "sqlite:", 7) == 0 ? uri + 7 : uri;
}

/*
 * file_identity - device and inode of the store's file; false when it
 * cannot be stat()ed (gone for a moment during a restore, or not a file).
 */
static bool
file_identity(const struct route_config *cfg, dev_t *dev_r, ino_t *ino_r)
{
	struct stat st;

	if (stat(store_file(cfg->store), &st) == -1)
		return false;
	*dev_r = st.st_dev;
	*ino_r = st.st_ino;
	return true;
}

/*
 * file_replaced - whether the store's path now names another file than
 * the one the handle has open (moved into place, restored from a backup):
 * the handle would go on reading the old, deleted file for ever.  A path
 * that cannot be stat()ed is not a replacement: the open file is kept
 * rather than a new empty store created in its place.
 */
static bool
file_replaced(const struct route_config *cfg)
{
	dev_t dev;
	ino_t ino;

	if (!file_identity(cfg, &dev, &ino))
		return false;
	return !poll_have_file || dev != poll_dev || ino != poll_ino;
}

/* poll_once - bring the table up to date with the store, if it changed. */
static void
poll_once(void)
{
	struct route_error err = {0};
	struct route_config *cfg = tables_config();
	struct route_table *t, *old;
	uint64_t gen;

	if (poll_store != NULL && !store_settings_equal(cfg, poll_store_cfg))
		poll_close(); /* new settings: always reload */
	if (poll_store != NULL && file_replaced(cfg)) {
		log_info("store: %s was replaced; reopening it",
			 store_file(cfg->store));
		poll_close();
	}
	if (poll_store == NULL) {
		if (route_store_open(cfg->store, &cfg->table, &poll_store,
				     &err) == -1) {
			poll_report(&err);
			goto out;
		}
		poll_store_cfg = route_config_ref(cfg);
		poll_have_file = file_identity(cfg, &poll_dev, &poll_ino);
	}
	if (route_store_generation(poll_store, &gen, &err) == -1) {
		poll_report(&err);
		poll_close(); /* the file may have been replaced */
		goto out;
	}
	if (poll_have_gen && gen == poll_gen)
		goto out;
	if (poll_have_failed && gen == poll_failed_gen)
		goto out; /* reported already; wait for the next change */
	poll_failed_gen = gen;
	if (route_store_load(poll_store, &t, &gen, &err) == -1) {
		poll_report(&err);
		/* A set that does not build fails the same way until the store
		 * changes; an I/O or lock failure may pass: retry those. */
		poll_have_failed = err.code != ROUTE_ESYS;
		goto out;
	}
	poll_have_failed = false;
	pthread_mutex_lock(&tables_lock);
	old = tables_cur;
	tables_cur = t;
	pthread_mutex_unlock(&tables_lock);
	route_table_unref(&old);
	if (poll_last_err[0] != '\0')
		log_info("store: readable again");
	poll_last_err[0] = '\0';
	log_info("rule table generation %llu loaded from %s: %zu rules",
		 (unsigned long long)gen, cfg->store,
		 route_table_rule_count(t));
	poll_gen = gen;
	poll_have_gen = true;
	poll_loaded = true;
out:
	route_config_unref(&cfg);
}

/* poll_main - the poll thread: check the store every store_poll_ms. */
static void *
poll_main(void *arg)
{
	struct timespec until;
	unsigned ms;

	(void)arg;
	pthread_mutex_lock(&tables_lock);
	while (!tables_stopping) {
		ms = tables_cfg->poll_ms;
		clock_gettime(CLOCK_MONOTONIC, &until);
		until.tv_sec += ms / 1000;
		until.tv_nsec += (long)(ms % 1000) * 1000000L;
		if (until.tv_nsec >= 1000000000L) {
			until.tv_sec++;
			until.tv_nsec -= 1000000000L;
		}
		while (!tables_stopping && !tables_kicked &&
		       pthread_cond_timedwait(&tables_wake, &tables_lock,
					      &until) != ETIMEDOUT)
			;
		tables_kicked = false;
		if (tables_stopping)
			break;
		pthread_mutex_unlock(&tables_lock);
		poll_once();
		pthread_mutex_lock(&tables_lock);
	}
	pthread_mutex_unlock(&tables_lock);
	return NULL;
}

/* tables_start - install the first config, load once, start polling. */
int
tables_start(struct route_config *cfg, const char *while_none,
	     struct route_error *err)
{
	pthread_condattr_t attr;
	int rc;

	pthread_condattr_init(&attr);
	pthread_condattr_setclock(&attr, CLOCK_MONOTONIC);
	pthread_cond_init(&tables_wake, &attr);
	pthread_condattr_destroy(&attr);
	tables_cfg = cfg;
	poll_while_none = while_none;
	poll_once();
	rc = pthread_create(&tables_thread, NULL, poll_main, NULL);
	if (rc != 0)
		return route_error_set(err, ROUTE_ESYS,
				       "cannot start the store poll thread: %s",
				       strerror(rc));
	tables_running = true;
	return 0;
}

/* tables_set_config - swap in a new configuration and recheck the store. */
void
tables_set_config(struct route_config *cfg)
{
	struct route_config *old;

	pthread_mutex_lock(&tables_lock);
	old = tables_cfg;
	tables_cfg = cfg;
	tables_kicked = true;
	pthread_cond_signal(&tables_wake);
	pthread_mutex_unlock(&tables_lock);
	route_config_unref(&old);
}

/* tables_config - reference to the configuration new messages use. */
struct route_config *
tables_config(void)
{
	struct route_config *cfg;

	pthread_mutex_lock(&tables_lock);
	cfg = tables_cfg != NULL ? route_config_ref(tables_cfg) : NULL;
	pthread_mutex_unlock(&tables_lock);
	return cfg;
}

/* tables_table - reference to the rule table new messages use, or NULL. */
struct route_table *
tables_table(void)
{
	struct route_table *t = NULL;

	pthread_mutex_lock(&tables_lock);
	if (tables_cur != NULL)
		t = route_table_ref(tables_cur);
	pthread_mutex_unlock(&tables_lock);
	return t;
}

/* tables_stop - end the poll thread and release everything. */
void
tables_stop(void)
{
	struct route_table *old_table;
	struct route_config *old_cfg;

	if (tables_running) {
		pthread_mutex_lock(&tables_lock);
		tables_stopping = true;
		pthread_cond_signal(&tables_wake);
		pthread_mutex_unlock(&tables_lock);
		pthread_join(tables_thread, NULL);
		tables_running = false;
	}
	poll_close();
	pthread_mutex_lock(&tables_lock);
	old_table = tables_cur;
	old_cfg = tables_cfg;
	tables_cur = NULL;
	tables_cfg = NULL;
	pthread_mutex_unlock(&tables_lock);
	route_table_unref(&old_table);
	route_config_unref(&old_cfg);
}

/* tables_reload - a new configuration and SRS engine, or none at all. */
void
tables_reload(struct route_config *cfg, const struct route_error *err,
	      bool to_stderr,
	      bool (*start_only)(const struct route_config *old,
				 const struct route_config *cfg),
	      const char *what)
{
	struct route_error serr = {0};
	struct route_config *old;

	if (cfg == NULL) {
		log_error("reload: %s; the running configuration stays",
			  err->msg);
		return;
	}
	if (srs_state_configure(cfg, &serr) == -1) {
		log_error("reload: %s; the running configuration stays",
			  serr.msg);
		route_config_unref(&cfg);
		return;
	}
	old = tables_config();
	if (old != NULL && start_only(old, cfg))
		log_warn("reload: the %s settings (socket, user, group, "
			 "socket_mode, pidfile) take effect at the next start",
			 what);
	route_config_unref(&old);
	log_open(to_stderr, cfg->syslog_facility);
	log_info("configuration reloaded from %s",
		 cfg->path != NULL ? cfg->path : "built-in defaults");
	tables_set_config(cfg);
}
