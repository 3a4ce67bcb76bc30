/*
 * bench/rules_store.c - the same rules loaded from a real SQLite store
 * (filled by ruleset.c), as the daemons do at start-up and after every
 * change.
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include <sqlite3.h>

#include <libroute/store.h>

#include "rules.h"

/* file_bytes - size of path, 0 when it does not exist. */
static long long
file_bytes(const char *path)
{
	struct stat st;

	return stat(path, &st) == 0 ? (long long)st.st_size : 0;
}

/* remove_store - the store file, its WAL files and the directory. */
static void
remove_store(const char *dir, const char *path)
{
	static const char *const suffix[] = {"", "-wal", "-shm"};
	char name[4096 + 64];
	size_t i;

	for (i = 0; i < sizeof(suffix) / sizeof(suffix[0]); i++) {
		snprintf(name, sizeof(name), "%s%s", path, suffix[i]);
		if (unlink(name) == -1 && errno != ENOENT)
			fprintf(stderr, "bench/rules: remove %s: %s\n", name,
				strerror(errno));
	}
	if (rmdir(dir) == -1)
		fprintf(stderr, "bench/rules: remove %s: %s\n", dir,
			strerror(errno));
}

/* time_load - open the filled store and load it, as a daemon starts. */
static int
time_load(const char *uri, struct store_figures *f, struct route_table **t_r,
	  struct route_error *err)
{
	struct route_store *s;
	size_t before = heap();
	double t0 = now(), t1;

	if (route_store_open(uri, NULL, &s, err) == -1)
		return -1;
	t1 = now();
	if (route_store_load(s, t_r, NULL, err) == -1) {
		route_store_close(&s);
		return -1;
	}
	f->load = now() - t1;
	f->open = t1 - t0;
	/* Closed first, so what stays on the heap is the table alone. */
	route_store_close(&s);
	f->bytes = heap() - before;
	return 0;
}

/* bench_store - fill a store in a temporary directory, time its load. */
int
bench_store(unsigned long n, const char *hits, size_t nhit,
	    struct store_figures *f)
{
	const char *tmp = getenv("TMPDIR");
	char dir[4096], path[4096 + 16], uri[4096 + 32];
	struct route_table *t = NULL;
	struct route_error err;
	int rc = -1;

	memset(f, 0, sizeof(*f));
	if (tmp == NULL || *tmp == '\0')
		tmp = "/tmp";
	if (strlen(tmp) > sizeof(dir) - 32) {
		fprintf(stderr, "bench/rules: TMPDIR is too long\n");
		return -1;
	}
	snprintf(dir, sizeof(dir), "%s/route-bench.XXXXXX", tmp);
	if (mkdtemp(dir) == NULL) {
		fprintf(stderr, "bench/rules: %s: %s\n", dir, strerror(errno));
		return -1;
	}
	snprintf(path, sizeof(path), "%s/routes.db", dir);
	snprintf(uri, sizeof(uri), "sqlite:%s", path);
	if (ruleset_store(path, n, &f->setup, &f->bulk) == -1)
		goto out;
	/* The last connection closed: the WAL is folded into the file. */
	f->file = file_bytes(path);
	if (time_load(uri, f, &t, &err) == -1) {
		fprintf(stderr, "bench/rules: load from store: %s\n", err.msg);
		goto out;
	}
	f->nrules = route_table_rule_count(t);
	f->hit = time_lookups(t, hits, nhit, ROUTE_FORWARD, 1, &f->wrong);
	route_table_unref(&t);
	rc = 0;
out:
	remove_store(dir, path);
	return rc;
}
