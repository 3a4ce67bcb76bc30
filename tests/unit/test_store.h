/*
 * test_store.h - what the two store test programs share: a fresh temporary
 * directory per case, a tiny milter-ctl that performs one change written
 * as a command line, and the change counter.  Functions are static inline,
 * as in test.h, so that their CHECKs count in the including program.
 */
#ifndef TEST_STORE_H
#define TEST_STORE_H

#include <dirent.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <libroute/alloc.h>
#include <libroute/store.h>

#include "test.h"

/* ---- temporary directories ---------------------------------------------- */

static char dir[256];
static char db[300];

/* fresh_dir - a new empty directory and the store path inside it. */
static inline void
fresh_dir(void)
{
	const char *tmp = getenv("TMPDIR");

	snprintf(dir, sizeof(dir), "%s/test_store.XXXXXX", tmp ? tmp : "/tmp");
	if (mkdtemp(dir) == NULL) {
		perror("mkdtemp");
		exit(99);
	}
	snprintf(db, sizeof(db), "%s/routes.db", dir);
}

/* remove_dir - delete the directory of the current case and its files. */
static inline void
remove_dir(void)
{
	char path[600];
	struct dirent *e;
	DIR *d = opendir(dir);

	if (d == NULL)
		return;
	while ((e = readdir(d)) != NULL) {
		if (strcmp(e->d_name, ".") == 0 || strcmp(e->d_name, "..") == 0)
			continue;
		snprintf(path, sizeof(path), "%s/%s", dir, e->d_name);
		unlink(path);
	}
	closedir(d);
	rmdir(dir);
}

/* ---- a tiny milter-ctl: one change written as a command line ----------- */

/*
 * split - cut line into words in place, shell-like: double quotes group
 * spaces into a word and are removed, and inside them a backslash keeps
 * the next character as it is.
 */
static inline size_t
split(char *line, char **w, size_t max)
{
	char *in = line, *out = line;
	bool quoted = false;
	size_t n = 0;

	while (*in != '\0' && n < max) {
		while (*in == ' ')
			in++;
		if (*in == '\0')
			break;
		w[n++] = out;
		for (; *in != '\0' && (quoted || *in != ' '); in++) {
			if (*in == '"')
				quoted = !quoted;
			else if (quoted && *in == '\\' && in[1] != '\0')
				*out++ = *++in;
			else
				*out++ = *in;
		}
		if (*in != '\0')
			in++;
		*out++ = '\0';
	}
	return n;
}

/* option - the value of "--name=value" among w[from..n), or NULL. */
static inline const char *
option(char **w, size_t n, size_t from, const char *name)
{
	size_t len = strlen(name);

	for (; from < n; from++)
		if (strncmp(w[from], name, len) == 0 &&
		    (w[from][len] == '\0' || w[from][len] == '='))
			return w[from][len] ? w[from] + len + 1 : "";
	return NULL;
}

/* args_end - index of the first "--" option at or after from. */
static inline size_t
args_end(char **w, size_t n, size_t from)
{
	while (from < n && strncmp(w[from], "--", 2) != 0)
		from++;
	return from;
}

/*
 * run - perform one change written like a milter-ctl command, as user
 * "tester" with the command line as the audit command.  Returns the
 * change function's result.
 */
static inline int
run(struct route_store *s, const char *cmd, struct route_error *err)
{
	struct route_actor who = {"tester", cmd};
	struct route_domain_def dd;
	struct route_rule_def rd;
	char *line = route_xstrdup(cmd), *w[16];
	size_t n = split(line, w, 16), end;
	const char *o;
	int rc = -2;

	route_error_clear(err);
	if (n >= 3 && strcmp(w[0], "domain") == 0) {
		if (strcmp(w[1], "add") == 0) {
			dd.name = w[2];
			dd.enabled = option(w, n, 3, "--disabled") == NULL;
			dd.unknown = option(w, n, 3, "--pass")
					 ? ROUTE_UNKNOWN_PASS
					 : ROUTE_UNKNOWN_REJECT;
			dd.subaddress = !option(w, n, 3, "--no-subaddress");
			rc = route_store_domain_add(s, &who, &dd, err);
		} else if (strcmp(w[1], "set") == 0 && n == 5)
			rc = route_store_domain_set(s, &who, w[2], w[3], w[4],
						    err);
		else if (strcmp(w[1], "remove") == 0)
			rc = route_store_domain_remove(s, &who, w[2], err);
	} else if (n >= 3 && strcmp(w[0], "dest") == 0) {
		if (strcmp(w[1], "add") == 0)
			rc = route_store_dest_add(s, &who, w[2], err);
		else if (strcmp(w[1], "verify") == 0)
			rc = route_store_dest_verify(s, &who, w[2], err);
		else if (strcmp(w[1], "remove") == 0)
			rc = route_store_dest_remove(s, &who, w[2], err);
	} else if (n >= 3 && strcmp(w[0], "rule") == 0) {
		if (strcmp(w[1], "add") == 0 && n >= 4) {
			memset(&rd, 0, sizeof(rd));
			rd.match = w[2];
			if (route_action_parse(w[3], &rd.action) == -1)
				abort();
			end = args_end(w, n, 4);
			if (rd.action == ROUTE_ACTION_REJECT && end > 4)
				rd.text = w[4];
			if (rd.action == ROUTE_ACTION_FORWARD) {
				rd.dests = (const char *const *)&w[4];
				rd.ndests = end - 4;
			}
			rd.enabled = option(w, n, end, "--disabled") == NULL;
			if ((o = option(w, n, end, "--priority")) != NULL)
				rd.priority = atoi(o);
			rd.comment = option(w, n, end, "--comment");
			rc = route_store_rule_add(s, &who, &rd, NULL, err);
		} else if (strcmp(w[1], "remove") == 0)
			rc = route_store_rule_remove(s, &who, w[2], err);
		else if (strcmp(w[1], "enable") == 0)
			rc = route_store_rule_enable(s, &who, w[2], true, err);
		else if (strcmp(w[1], "disable") == 0)
			rc = route_store_rule_enable(s, &who, w[2], false, err);
	}
	free(line);
	if (rc == -2) {
		fprintf(stderr, "test bug: cannot run \"%s\"\n", cmd);
		abort();
	}
	return rc;
}

/* setup - run changes (a NULL-terminated list) that must succeed; false
 * (and a TAP failure) if one does not. */
static inline bool
setup(struct route_store *s, const char *const *cmds)
{
	struct route_error err;
	size_t i;

	for (i = 0; cmds[i] != NULL; i++)
		if (run(s, cmds[i], &err) != 0) {
			CHECK(!"setup change failed");
			printf("# \"%s\": %s\n", cmds[i], err.msg);
			return false;
		}
	return true;
}

/* ---- observing the store ------------------------------------------------ */

/* generation - the change counter, or UINT64_MAX on error. */
static inline uint64_t
generation(struct route_store *s)
{
	uint64_t gen;

	return route_store_generation(s, &gen, NULL) == 0 ? gen : UINT64_MAX;
}

/* open_fresh - a new directory and a new store in it with opts. */
static inline struct route_store *
open_fresh(const struct route_table_opts *opts)
{
	struct route_store *s;
	struct route_error err;

	fresh_dir();
	if (route_store_open(db, opts, &s, &err) == -1) {
		printf("# open %s: %s\n", db, err.msg);
		CHECK(!"store opens");
		return NULL;
	}
	return s;
}

/* close_case - close the store and remove the case's directory. */
static inline void
close_case(struct route_store **s)
{
	route_store_close(s);
	remove_dir();
}

#endif
