/* The poll machinery the Graph connectors share: requests, watched
 * posts, the cursor.  See graph.h. */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "connectors/conn-util.h"
#include "connectors/graph.h"
#include "util/strbuf.h"

struct graph_active *graph_active_find(struct graph_poll *g, const char *id)
{
	for (size_t i = 0; i < g->n_act; i++)
		if (strcmp(g->act[i].id, id) == 0)
			return &g->act[i];
	return NULL;
}

struct graph_active *graph_active_touch(struct graph_poll *g, const char *id, int64_t when_s)
{
	struct graph_active *a = graph_active_find(g, id);
	if (!a) {
		if (g->n_act == g->cap_act) {
			size_t cap = g->cap_act ? g->cap_act * 2 : 32;
			struct graph_active *n = realloc(g->act, cap * sizeof(*n));
			if (!n)
				return NULL;
			g->act = n;
			g->cap_act = cap;
		}
		char *copy = strdup(id);
		if (!copy)
			return NULL;
		a = &g->act[g->n_act++];
		*a = (struct graph_active){ .id = copy, .activity = when_s };
	}
	if (when_s > a->activity)
		a->activity = when_s;
	return a;
}

void graph_active_remove(struct graph_poll *g, const char *id)
{
	struct graph_active *a = graph_active_find(g, id);
	if (!a)
		return;
	free(a->id);
	*a = g->act[--g->n_act];
}

static void rq_free(struct graph_rq *rq)
{
	free(rq->url);
	free(rq->obj_id);
	for (size_t j = 0; j < rq->n_ids; j++)
		free(rq->ids[j]);
	free(rq->ids);
	memset(rq, 0, sizeof(*rq));
}

struct graph_rq *graph_rq_add(struct graph_poll *g, int type, char *url)
{
	if (!url)
		return NULL;
	if (g->n_rqs >= GRAPH_MAX_REQUESTS) {
		/* A platform that never stops paging: the poll ends here,
		 * without a cursor.  The caller fills the spare, which is
		 * never offered. */
		free(url);
		rq_free(&g->spare);
		g->capped = g->fatal = true;
		return &g->spare;
	}
	if (g->n_rqs == g->cap_rqs) {
		size_t cap = g->cap_rqs ? g->cap_rqs * 2 : 16;
		struct graph_rq *n = realloc(g->rqs, cap * sizeof(*n));
		if (!n) {
			free(url);
			return NULL;
		}
		g->rqs = n;
		g->cap_rqs = cap;
	}
	struct graph_rq *r = &g->rqs[g->n_rqs++];
	*r = (struct graph_rq){ .type = type, .url = url };
	return r;
}

char *graph_url(const struct graph_poll *g, const char *path, const char *fields, const char *extra)
{
	struct strbuf sb = { 0 };
	if (strbuf_addf(&sb, "%s/%s?fields=", g->acc.base_url, path) < 0 ||
	    graph_urlenc(&sb, fields) < 0 || (extra && strbuf_adds(&sb, extra) < 0)) {
		strbuf_free(&sb);
		return NULL;
	}
	return sb.buf;
}

int graph_queue_ids(struct graph_poll *g, char **ids, size_t n)
{
	struct strbuf sb = { 0 }, list = { 0 };
	int r = -ENOMEM;
	for (size_t i = 0; i < n; i++)
		if (strbuf_addf(&list, "%s%s", i ? "," : "", ids[i]) < 0)
			goto out;
	if (strbuf_adds(&sb, "&ids=") < 0 || graph_urlenc(&sb, list.buf) < 0)
		goto out;
	struct graph_rq *q = graph_rq_add(g, g->ids_type, graph_url(g, "", g->ids_fields, sb.buf));
	if (!q)
		goto out;
	q->ids = ids;
	q->n_ids = n;
	ids = NULL;
	r = 0;
out:
	if (ids) {
		for (size_t i = 0; i < n; i++)
			free(ids[i]);
		free(ids);
	}
	strbuf_free(&sb);
	strbuf_free(&list);
	return r;
}

int graph_queue_active(struct graph_poll *g)
{
	char **chunk = NULL;
	size_t n = 0;
	for (size_t i = 0; i < g->n_act; i++) {
		if (g->act[i].fetched)
			continue;
		if (!chunk && !(chunk = calloc(GRAPH_IDS_CHUNK, sizeof(*chunk))))
			return -ENOMEM;
		if (!(chunk[n] = strdup(g->act[i].id))) {
			graph_queue_ids(g, chunk, n); /* frees */
			return -ENOMEM;
		}
		if (++n == GRAPH_IDS_CHUNK) {
			if (graph_queue_ids(g, chunk, n) < 0)
				return -ENOMEM;
			chunk = NULL;
			n = 0;
		}
	}
	return chunk ? graph_queue_ids(g, chunk, n) : 0;
}

/* ?ids= fails whole when one id is gone: "(#803) Some of the aliases you
 * requested do not exist: a,b" or "Object with ID 'a' does not exist". */
int graph_ids_gone(struct graph_poll *g, struct graph_rq *rq, const struct graph_error *e,
                   struct conn_batch *b)
{
	/* Take the ids: queueing may move the request list, rq with it. */
	char **ids = rq->ids;
	size_t n_ids = rq->n_ids, named = 0;
	rq->ids = NULL;
	rq->n_ids = 0;
	const char *list = strstr(e->message, "do not exist: ");
	const char *quoted = strstr(e->message, "Object with ID '");
	char **rest = NULL;
	size_t n = 0;
	int r = -ENOMEM;
	for (size_t i = 0; i < n_ids; i++) {
		const char *id = ids[i];
		size_t l = strlen(id);
		bool hit = n_ids == 1;
		for (const char *s = list ? list + 14 : NULL; s && *s;) {
			size_t k = strcspn(s, ",");
			if (k == l && strncmp(s, id, l) == 0)
				hit = true;
			s += k + (s[k] == ',');
		}
		if (quoted && strncmp(quoted + 16, id, l) == 0 && quoted[16 + l] == '\'')
			hit = true;
		if (!hit)
			continue;
		named++;
		if (conn_batch_gone(b, id) < 0)
			goto out;
		graph_active_remove(g, id);
		free(ids[i]);
		ids[i] = NULL;
	}
	/* The rest again: together when some were named, else one by one. */
	for (size_t i = 0; i < n_ids; i++) {
		if (!ids[i])
			continue;
		if (!rest && !(rest = calloc(n_ids, sizeof(*rest))))
			goto out;
		rest[n++] = ids[i];
		ids[i] = NULL;
		if (!named) {
			int q = graph_queue_ids(g, rest, n);
			rest = NULL;
			n = 0;
			if (q < 0)
				goto out;
		}
	}
	r = 0;
	if (rest) {
		r = graph_queue_ids(g, rest, n);
		rest = NULL;
	}
out:
	free(rest); /* on failure: its strings are still in ids */
	for (size_t i = 0; i < n_ids; i++)
		free(ids[i]);
	free(ids);
	return r;
}

char *graph_cursor_make(const struct graph_poll *g)
{
	cJSON *o = cJSON_CreateObject(), *a = NULL;
	struct graph_active *sorted = NULL;
	char *out = NULL;
	if (!o || !cJSON_AddNumberToObject(o, "v", 1) ||
	    !cJSON_AddNumberToObject(o, "hw", (double)g->hw) ||
	    !cJSON_AddNumberToObject(o, "cw", (double)g->cw) ||
	    (g->ratings_off && !cJSON_AddTrueToObject(o, "nr")) ||
	    !(a = cJSON_AddArrayToObject(o, "a")))
		goto out;
	/* The most recently active posts within the horizon. */
	if (!(sorted = malloc((g->n_act ? g->n_act : 1) * sizeof(*sorted))))
		goto out;
	if (g->n_act)
		memcpy(sorted, g->act, g->n_act * sizeof(*sorted));
	for (size_t i = 1; i < g->n_act; i++)
		for (size_t j = i; j > 0 && sorted[j].activity > sorted[j - 1].activity; j--) {
			struct graph_active t = sorted[j];
			sorted[j] = sorted[j - 1];
			sorted[j - 1] = t;
		}
	for (size_t i = 0, kept = 0; i < g->n_act && kept < GRAPH_ACTIVE_MAX; i++) {
		if (sorted[i].activity < g->horizon_s)
			continue;
		cJSON *e = cJSON_CreateArray();
		if (!e || !cJSON_AddItemToArray(a, e) ||
		    !cJSON_AddItemToArray(e, cJSON_CreateString(sorted[i].id)) ||
		    !cJSON_AddItemToArray(e, cJSON_CreateNumber((double)sorted[i].activity)))
			goto out;
		kept++;
	}
	out = cJSON_PrintUnformatted(o);
out:
	free(sorted);
	cJSON_Delete(o);
	return out;
}

static int read_cursor(struct graph_poll *g, const char *text)
{
	cJSON *o = cJSON_Parse(text);
	const cJSON *v = cJSON_GetObjectItemCaseSensitive(o, "v");
	const cJSON *hw = cJSON_GetObjectItemCaseSensitive(o, "hw");
	const cJSON *cw = cJSON_GetObjectItemCaseSensitive(o, "cw");
	const cJSON *a = cJSON_GetObjectItemCaseSensitive(o, "a"), *e;
	int r = -EINVAL;
	if (!cJSON_IsNumber(v) || v->valueint != 1 ||
	    conn_json_int(hw, 0, CONN_EPOCH_S_MAX, &g->hw) < 0 ||
	    conn_json_int(cw, 0, CONN_EPOCH_S_MAX, &g->cw) < 0 || !cJSON_IsArray(a))
		goto out;
	g->ratings_off = cJSON_IsTrue(cJSON_GetObjectItemCaseSensitive(o, "nr"));
	cJSON_ArrayForEach(e, a) {
		const cJSON *id = cJSON_GetArrayItem(e, 0), *t = cJSON_GetArrayItem(e, 1);
		int64_t ts;
		if (!cJSON_IsString(id) || conn_json_int(t, 0, CONN_EPOCH_S_MAX, &ts) < 0)
			goto out;
		if (ts < g->horizon_s)
			continue; /* silent for longer than the horizon (downtime) */
		struct graph_active *x = graph_active_touch(g, id->valuestring, ts);
		if (!x) {
			r = -ENOMEM;
			goto out;
		}
		x->known = true;
	}
	r = 0;
out:
	cJSON_Delete(o);
	return r;
}

int graph_poll_init(struct graph_poll *g, const struct conn_account *acc, int ids_type,
                    const char *ids_fields)
{
	memset(g, 0, sizeof(*g));
	g->acc = *acc;
	g->ids_type = ids_type;
	g->ids_fields = ids_fields;
	g->horizon_s = acc->backfill_from / 1000000;
	int r;
	if (acc->cursor && (r = read_cursor(g, acc->cursor)) < 0)
		return r;
	int64_t since = g->hw - GRAPH_OVERLAP_S, stop = g->cw - GRAPH_OVERLAP_S;
	g->since_s = acc->cursor && since > g->horizon_s ? since : g->horizon_s;
	g->stop_s = acc->cursor && stop > g->horizon_s ? stop : g->horizon_s;
	return 0;
}

void graph_poll_clear(struct graph_poll *g)
{
	if (!g)
		return;
	for (size_t i = 0; i < g->n_rqs; i++)
		rq_free(&g->rqs[i]);
	rq_free(&g->spare);
	free(g->rqs);
	for (size_t i = 0; i < g->n_act; i++)
		free(g->act[i].id);
	free(g->act);
	graph_idset_free(&g->seen);
	memset(g, 0, sizeof(*g));
}

int graph_poll_next(struct graph_poll *g, struct conn_request *ret)
{
	if (g->fatal)
		return 0;
	for (size_t i = 0; i < g->n_rqs; i++) {
		struct graph_rq *rq = &g->rqs[i];
		if (rq->state != GRAPH_RQ_PENDING)
			continue;
		struct conn_request req = { .method = "GET", .tag = i };
		if (!(req.url = strdup(rq->url)))
			return -ENOMEM;
		rq->state = GRAPH_RQ_INFLIGHT;
		*ret = req;
		return 1;
	}
	return 0;
}

bool graph_poll_done(const struct graph_poll *g)
{
	if (g->fatal)
		return true;
	for (size_t i = 0; i < g->n_rqs; i++)
		if (g->rqs[i].state != GRAPH_RQ_DONE)
			return false;
	return true;
}

int graph_poll_finish(struct graph_poll *g, struct conn_batch *b)
{
	if (g->capped) {
		if (!b->message &&
		    !(b->message = strdup("poll stopped after its request limit; not everything "
		                          "was fetched, the cursor stays")))
			return -ENOMEM;
		return 0;
	}
	if (g->fatal || !graph_poll_done(g))
		return 0;
	return (b->cursor = graph_cursor_make(g)) ? 0 : -ENOMEM;
}
