/*
 * policy.c - one request through decide.c with the current snapshots, and
 * the log lines (see policy.h).
 *
 * Every refused or deferred recipient gets one line, in the queue id's
 * name (NOQUEUE at RCPT time unless Postfix opened its queue file early),
 * like Postfix's own "reject: RCPT" lines next to it in the mail log.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include <libroute/alloc.h>
#include <libroute/store.h>

#include "decide.h"
#include "log.h"
#include "policy.h"
#include "srs_state.h"
#include "tables.h"

/*
 * A worker's state: its own alias store handle (store handles are not
 * shared), and the snapshots the requests of one batch use, taken once
 * per batch rather than under two locks per request.
 */
struct worker_state {
	struct route_store *store;
	char *uri; /* what store was opened on */
	struct route_table *table;
	struct route_srs *srs;
	int64_t now;
};

/* worker_store - the worker's handle on the current store, or NULL. */
static struct route_store *
worker_store(struct worker_state *ws, struct route_error *err)
{
	struct route_config *cfg = tables_config();

	if (cfg == NULL) {
		route_error_set(err, ROUTE_ESYS, "shutting down");
		return NULL;
	}
	if (ws->store != NULL && strcmp(ws->uri, cfg->store) != 0) {
		route_store_close(&ws->store);
		free(ws->uri);
		ws->uri = NULL;
	}
	if (ws->store == NULL &&
	    route_store_open(cfg->store, &cfg->table, &ws->store, err) == 0)
		ws->uri = route_xstrdup(cfg->store);
	route_config_unref(&cfg);
	return ws->store;
}

/* alias_get - the SRS alias lookup over the worker's handle. */
static int
alias_get(void *ctx, const char *key, int64_t now, char **sender_r,
	  struct route_error *err)
{
	struct route_store *s = worker_store(ctx, err);

	if (s == NULL)
		return -1;
	return route_store_srs_alias_get(s, key, now, sender_r, err);
}

/* alias_put - the SRS alias store over the worker's handle. */
static int
alias_put(void *ctx, const char *key, const char *sender, int64_t expires,
	  struct route_error *err)
{
	struct route_store *s = worker_store(ctx, err);

	if (s == NULL)
		return -1;
	return route_store_srs_alias_put(s, key, sender, expires, err);
}

/* worker_start - a worker's state, with no store open yet. */
static void *
worker_start(void *arg)
{
	(void)arg;
	return route_xcalloc(1, sizeof(struct worker_state));
}

/* worker_end - close the worker's store handle. */
static void
worker_end(void *ctx)
{
	struct worker_state *ws = ctx;

	route_store_close(&ws->store);
	free(ws->uri);
	free(ws);
}

/* or_empty - s, or "" for NULL. */
static const char *
or_empty(const char *s)
{
	return s != NULL ? s : "";
}

/*
 * log_refusal - one line for a refused or deferred recipient: what it
 * was told, why, and who asked (the SMTP client, as Postfix names it).
 */
static void
log_refusal(const struct proto_request *req, const struct decide_result *r)
{
	const char *addr = proto_get(req, "client_address");
	const char *name = proto_get(req, "client_name");
	char client[600] = "";

	if (addr != NULL && addr[0] != '\0')
		snprintf(client, sizeof(client), " from %s[%s]",
			 name != NULL && name[0] != '\0' ? name : "unknown",
			 addr);
	log_msg(r->kind == DECIDE_DEFER, proto_get(req, "queue_id"),
		"policy: %s RCPT <%s>%s: %s (%s); from=<%s>",
		r->kind == DECIDE_DEFER ? "defer" : "reject",
		or_empty(proto_get(req, "recipient")), client, r->action,
		r->why, or_empty(proto_get(req, "sender")));
}

/* batch_begin - the snapshots for the requests of one batch. */
static void
batch_begin(void *ctx)
{
	struct worker_state *ws = ctx;

	ws->table = tables_table();
	ws->srs = srs_state_engine();
	ws->now = (int64_t)time(NULL);
}

/* batch_end - let the snapshots go, so an old table is freed at once. */
static void
batch_end(void *ctx)
{
	struct worker_state *ws = ctx;

	route_srs_unref(&ws->srs);
	route_table_unref(&ws->table);
}

/* on_request - decide one request with the batch's snapshots. */
static void
on_request(void *ctx, const char *peer, const struct proto_request *req,
	   char *action, size_t size)
{
	struct worker_state *ws = ctx;
	struct route_srs_aliases aliases = {alias_put, alias_get, ctx};
	struct decide_in in = {ws->table, ws->srs, &aliases, ws->now};
	struct decide_result r;
	size_t len;

	(void)peer;
	decide_request(&in, req, &r);
	if (r.kind != DECIDE_DUNNO)
		log_refusal(req, &r);
	len = strlen(r.action);
	if (len >= size)
		len = size - 1;
	memcpy(action, r.action, len);
	action[len] = '\0';
}

/* on_prefetch - the lookup hints for a request about to be decided. */
static void
on_prefetch(void *ctx, const struct proto_request *req, int step,
	    uint64_t *hint)
{
	struct worker_state *ws = ctx;
	struct decide_in in = {ws->table, ws->srs, NULL, ws->now};

	if (step == 0)
		*hint = decide_prefetch(&in, req);
	else
		decide_prefetch_rule(&in, *hint);
}

/* on_dropped - a connection closed for a reason worth a line, or new
 * ones refused (peer NULL). */
static void
on_dropped(void *ctx, const char *peer, const char *why)
{
	(void)ctx;
	if (peer == NULL)
		log_warn("%s", why);
	else
		log_warn("policy client %s: %s", peer, why);
}

/* policy_handlers - the callbacks for server_start. */
void
policy_handlers(struct server_handlers *h_r)
{
	memset(h_r, 0, sizeof(*h_r));
	h_r->worker_start = worker_start;
	h_r->worker_end = worker_end;
	h_r->batch_begin = batch_begin;
	h_r->batch_end = batch_end;
	h_r->request = on_request;
	h_r->prefetch = on_prefetch;
	h_r->dropped = on_dropped;
}
