/* Mastodon: the account's recent threads and when to read them again
 * (mastodon-threads.h). */
#include "connectors/mastodon-threads.h"

#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "connectors/conn-util.h"
#include "util/clock.h"

#define COUNT_MAX 1000000000LL

void masto_threads_free(struct masto_threads *th)
{
	for (size_t i = 0; i < th->n_old; i++)
		free(th->old_id[i]);
	for (size_t i = 0; i < th->n; i++)
		free(th->t[i].id);
	free(th->old_id);
	free(th->old_count);
	free(th->young_last);
	free(th->t);
	*th = (struct masto_threads){ 0 };
}

int masto_threads_parse(struct masto_threads *th, const cJSON *r, const cJSON *y)
{
	size_t n = 0;

	if (y && (!cJSON_IsString(y) || !conn_id_ok(y->valuestring, 32)))
		return -EINVAL;
	if (r && !cJSON_IsObject(r))
		return -EINVAL;
	for (const cJSON *e = r ? r->child : NULL; e; e = e->next) {
		int64_t v;
		if (!conn_id_ok(e->string, 32) || conn_json_int(e, 0, COUNT_MAX, &v) < 0)
			return -EINVAL;
		n++;
	}
	if (y && conn_dup(&th->young_last, y->valuestring) < 0)
		return -ENOMEM;
	if (n == 0)
		return 0;
	th->old_id = calloc(n, sizeof(*th->old_id));
	th->old_count = calloc(n, sizeof(*th->old_count));
	if (!th->old_id || !th->old_count)
		return -ENOMEM;
	for (const cJSON *e = r->child; e; e = e->next) {
		if (conn_dup(&th->old_id[th->n_old], e->string) < 0)
			return -ENOMEM;
		conn_json_int(e, 0, COUNT_MAX, &th->old_count[th->n_old++]);
	}
	return 0;
}

static int64_t old_count(const struct masto_threads *th, const char *id)
{
	for (size_t i = 0; i < th->n_old; i++)
		if (strcmp(th->old_id[i], id) == 0)
			return th->old_count[i];
	return -1;
}

static struct masto_thread *find(const struct masto_threads *th, const char *id)
{
	for (size_t i = 0; i < th->n; i++)
		if (strcmp(th->t[i].id, id) == 0)
			return &th->t[i];
	return NULL;
}

int masto_threads_seen(struct masto_threads *th, const cJSON *st, const char *me, int64_t horizon)
{
	const char *id = conn_json_str(st, "id");
	const char *created = conn_json_str(st, "created_at");
	const char *author = conn_json_str(cJSON_GetObjectItemCaseSensitive(st, "account"), "id");
	const cJSON *rc = cJSON_GetObjectItemCaseSensitive(st, "replies_count");
	int64_t t, count;

	/* Only the account's own top-level posts: a thread's context holds
	 * every reply under it, the account's own thread continuations too. */
	if (!id || !created || clock_parse_iso8601(created, &t) < 0 || t < horizon)
		return 0;
	if (!author || strcmp(author, me) != 0 || conn_json_str(st, "in_reply_to_id") ||
	    cJSON_IsObject(cJSON_GetObjectItemCaseSensitive(st, "reblog")))
		return 0;
	/* A status without a count (an old server) is read like a new one. */
	if (conn_json_int(rc, 0, COUNT_MAX, &count) < 0)
		count = COUNT_MAX;
	struct masto_thread *have = find(th, id);
	if (have) {
		have->count = count;
		return 0;
	}
	if (conn_grow((void **)&th->t, &th->cap, th->n, sizeof(*th->t)) < 0)
		return -ENOMEM;
	struct masto_thread *n = &th->t[th->n];
	*n = (struct masto_thread){ .created = t, .count = count, .committed = -1 };
	if (conn_dup(&n->id, id) < 0)
		return -ENOMEM;
	th->n++;
	return 0;
}

bool masto_threads_need_older(const struct masto_threads *th, const char *floor)
{
	if (!floor)
		return false;
	for (size_t i = 0; i < th->n_old; i++)
		if (conn_id_cmp(th->old_id[i], floor) < 0 && !find(th, th->old_id[i]))
			return true;
	return false;
}

static int newest_first(const void *a, const void *b)
{
	return conn_id_cmp(((const struct masto_thread *)b)->id,
	                   ((const struct masto_thread *)a)->id);
}

void masto_threads_plan(struct masto_threads *th, int64_t now)
{
	if (th->planned)
		return;
	th->planned = true;
	if (th->n > 1)
		qsort(th->t, th->n, sizeof(*th->t), newest_first);
	while (th->n > MASTO_TRACKED)
		free(th->t[--th->n].id);
	for (size_t i = 0; i < th->n; i++) {
		struct masto_thread *t = &th->t[i];
		int64_t was = old_count(th, t->id);
		if (t->count > was && t->count > 0) {
			t->fetch = true; /* grew, or new with replies */
			t->committed = was;
		} else {
			t->committed = t->count; /* nothing new (or replies deleted) */
		}
	}
	/* Nested replies without a mention do not move replies_count: one
	 * young thread with replies is re-read per poll, in turn, newest to
	 * oldest and round again. */
	int first = -1, pick = -1;
	for (size_t i = 0; i < th->n; i++) {
		struct masto_thread *t = &th->t[i];
		if (t->fetch || t->count <= 0 || t->created < now - MASTO_YOUNG_USEC)
			continue;
		if (first < 0)
			first = (int)i;
		if (!th->young_last || conn_id_cmp(t->id, th->young_last) < 0) {
			pick = (int)i;
			break;
		}
	}
	if (pick < 0)
		pick = first;
	if (pick >= 0) {
		th->t[pick].fetch = true;
		th->t[pick].young = true;
	}
}

int masto_threads_next(const struct masto_threads *th)
{
	if (!th->planned)
		return -1;
	for (size_t i = 0; i < th->n; i++)
		if (th->t[i].fetch && !th->t[i].done && !th->t[i].in_flight)
			return (int)i;
	return -1;
}

bool masto_threads_done(const struct masto_threads *th)
{
	if (!th->planned)
		return false;
	for (size_t i = 0; i < th->n; i++)
		if (th->t[i].fetch && !th->t[i].done)
			return false;
	return true;
}

int masto_threads_read(struct masto_threads *th, size_t i, bool covered)
{
	struct masto_thread *t = &th->t[i];

	t->done = true;
	if (covered)
		t->committed = t->count;
	return t->young ? conn_set(&th->young_last, t->id) : 0;
}

int masto_threads_to_json(const struct masto_threads *th, cJSON *j)
{
	cJSON *r = cJSON_CreateObject();
	bool any = false;

	if (!r)
		return -ENOMEM;
	if (!th->planned) {
		for (size_t i = 0; i < th->n_old; i++) {
			if (!cJSON_AddNumberToObject(r, th->old_id[i], (double)th->old_count[i]))
				goto nomem;
			any = true;
		}
	} else {
		for (size_t i = 0; i < th->n; i++) {
			const struct masto_thread *t = &th->t[i];
			if (t->gone || t->committed < 0)
				continue;
			if (!cJSON_AddNumberToObject(r, t->id, (double)t->committed))
				goto nomem;
			any = true;
		}
	}
	if (!any)
		cJSON_Delete(r);
	else if (!cJSON_AddItemToObject(j, "r", r))
		goto nomem;
	if (th->young_last && !cJSON_AddStringToObject(j, "y", th->young_last))
		return -ENOMEM;
	return 0;
nomem:
	cJSON_Delete(r);
	return -ENOMEM;
}
