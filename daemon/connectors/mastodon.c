/* Mastodon (PLATFORMS.md §5): mentions of the account through its
 * notifications, the account's own statuses, whose in_reply_to_id tells
 * which mention it answered, and the replies under its recent posts
 * through each post's context (mastodon-threads.h).
 *
 * Two streams, each with its own high-water id in the cursor
 * ({"n": notification id, "s": own status id}).  Mentions with a stored
 * id page forward with min_id: each page holds the items right after the
 * previous one, so its newest id may be committed with it.  Own statuses
 * always page backwards from the newest, down to the stored id (or the
 * backfill horizon): that first page shows the replies_count of the
 * recent posts without a request more, and the id is committed with the
 * last page, when everything older has been stored.  Mentions without a
 * stored id (the first poll) page backwards to the horizon the same way.
 *
 * When the cursor tracks a post older than what that read reached, one
 * request for the top-level posts alone (exclude_replies) brings its
 * count.  Then the context of each post whose count moved (and of one
 * young thread) is read; its descendants are stored with the cursor
 * entry that covers them.
 *
 * The URLs of further pages are made here from the ids seen, not taken
 * from the Link header: the token goes with every request, and a Link to
 * another host must not receive it.  Error bodies are localised, so only
 * the HTTP status is read. */
#include <cjson/cJSON.h>
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "connectors/conn-util.h"
#include "connectors/connector.h"
#include "connectors/html-text.h"
#include "connectors/mastodon-threads.h"
#include "util/clock.h"
#include "util/strbuf.h"

enum { STREAM_MENTIONS, STREAM_OWN, STREAMS };
/* Request tags beyond the streams: the top-level posts, and the context
 * of thread i as TAG_CONTEXT + i. */
enum { TAG_TOP = STREAMS, TAG_CONTEXT = 16 };

static const int page_limit[STREAMS] = { 80, 40 }; /* the API's maxima */
static const char *const cursor_key[STREAMS] = { "n", "s" };

struct stream {
	char *old;     /* the stored high-water id, NULL on a first poll */
	char *safe;    /* the id that may be committed now */
	char *newest;  /* newest id seen (backward paging) */
	char *page_id; /* min_id (forward) or max_id (backward) of the next page; NULL: first */
	bool in_flight;
	bool done;
};

struct conn_poll {
	char *base_url, *external_id;
	int64_t backfill_from, now;
	struct stream s[STREAMS];
	char *own_floor; /* the oldest own status read, NULL when the timeline ended */
	bool top_wanted, top_in_flight, aborted;
	struct masto_threads th;
	char **added; /* ids of the statuses handed out in this poll */
	size_t n_added, cap_added;
	char *given; /* the cursor text last handed out */
};

static void mastodon_poll_free(struct conn_poll *p)
{
	if (!p)
		return;
	for (int i = 0; i < STREAMS; i++) {
		free(p->s[i].old);
		free(p->s[i].safe);
		free(p->s[i].newest);
		free(p->s[i].page_id);
	}
	masto_threads_free(&p->th);
	for (size_t i = 0; i < p->n_added; i++)
		free(p->added[i]);
	free(p->added);
	free(p->own_floor);
	free(p->base_url);
	free(p->external_id);
	free(p->given);
	free(p);
}

static int parse_cursor(struct conn_poll *p, const char *text)
{
	cJSON *j = cJSON_Parse(text);
	int r = 0;

	if (!cJSON_IsObject(j)) {
		cJSON_Delete(j);
		return -EINVAL;
	}
	for (int i = 0; i < STREAMS && r == 0; i++) {
		const cJSON *v = cJSON_GetObjectItemCaseSensitive(j, cursor_key[i]);
		if (!v)
			continue;
		if (!cJSON_IsString(v) || !conn_id_ok(v->valuestring, 32))
			r = -EINVAL;
		else
			r = conn_set(&p->s[i].old, v->valuestring);
	}
	if (r == 0)
		r = masto_threads_parse(&p->th, cJSON_GetObjectItemCaseSensitive(j, "r"),
		                        cJSON_GetObjectItemCaseSensitive(j, "y"));
	cJSON_Delete(j);
	return r;
}

static int mastodon_poll_new(const struct conn_account *acc, struct conn_poll **ret)
{
	struct conn_poll *p = calloc(1, sizeof(*p));
	int r;

	if (!p)
		return -ENOMEM;
	p->base_url = strdup(acc->base_url);
	p->external_id = strdup(acc->external_id);
	p->backfill_from = acc->backfill_from;
	p->now = acc->now;
	if (!p->base_url || !p->external_id) {
		mastodon_poll_free(p);
		return -ENOMEM;
	}
	if (!conn_id_ok(p->external_id, 32)) {
		mastodon_poll_free(p);
		return -EINVAL;
	}
	r = acc->cursor ? parse_cursor(p, acc->cursor) : 0;
	for (int i = 0; r == 0 && i < STREAMS; i++)
		r = conn_set(&p->s[i].safe, p->s[i].old);
	if (r == 0 && acc->cursor)
		r = conn_set(&p->given, acc->cursor);
	if (r < 0) {
		mastodon_poll_free(p);
		return r;
	}
	*ret = p;
	return 0;
}

/* Mentions with a stored id page forward; own statuses never do. */
static bool forward(const struct conn_poll *p, int si)
{
	return si == STREAM_MENTIONS && p->s[si].old;
}

static int mastodon_poll_next(struct conn_poll *p, struct conn_request *ret)
{
	for (int i = 0; i < STREAMS; i++) {
		struct stream *s = &p->s[i];
		struct strbuf url = { 0 };
		int r;

		if (s->done || s->in_flight)
			continue;
		if (i == STREAM_MENTIONS)
			r = strbuf_addf(&url,
			                "%s/api/v1/notifications?types%%5B%%5D=mention&limit=%d",
			                p->base_url, page_limit[i]);
		else
			r = strbuf_addf(&url, "%s/api/v1/accounts/%s/statuses?limit=%d",
			                p->base_url, p->external_id, page_limit[i]);
		if (r == 0 && forward(p, i))
			r = strbuf_addf(&url, "&min_id=%s", s->page_id ? s->page_id : s->old);
		else if (r == 0 && s->page_id)
			r = strbuf_addf(&url, "&max_id=%s", s->page_id);
		if (r < 0) {
			strbuf_free(&url);
			return -ENOMEM;
		}
		conn_get(ret, &url, (uint64_t)i);
		s->in_flight = true;
		return 1;
	}
	if (p->aborted)
		return 0;
	if (p->top_wanted && !p->top_in_flight) {
		struct strbuf url = { 0 };
		if (strbuf_addf(&url,
		                "%s/api/v1/accounts/%s/statuses?exclude_replies=true"
		                "&exclude_reblogs=true&limit=%d",
		                p->base_url, p->external_id, page_limit[STREAM_OWN]) < 0) {
			strbuf_free(&url);
			return -ENOMEM;
		}
		conn_get(ret, &url, TAG_TOP);
		p->top_in_flight = true;
		return 1;
	}
	for (int i = 0; i < STREAMS; i++)
		if (!p->s[i].done)
			return 0; /* threads after the streams: what they brought is not asked again
			           */
	int t = masto_threads_next(&p->th);
	if (t >= 0) {
		struct strbuf url = { 0 };
		if (strbuf_addf(&url, "%s/api/v1/statuses/%s/context", p->base_url, p->th.t[t].id) <
		    0) {
			strbuf_free(&url);
			return -ENOMEM;
		}
		conn_get(ret, &url, TAG_CONTEXT + (uint64_t)t);
		p->th.t[t].in_flight = true;
		return 1;
	}
	return 0;
}

static bool mastodon_poll_done(const struct conn_poll *p)
{
	if (p->aborted)
		return true;
	for (int i = 0; i < STREAMS; i++)
		if (!p->s[i].done)
			return false;
	return !p->top_wanted && masto_threads_done(&p->th);
}

static void read_rate(const struct conn_answer *a, struct conn_rate *rate)
{
	const char *v;
	int64_t t;

	if (!a->header)
		return;
	v = a->header(a->header_ctx, "X-RateLimit-Remaining");
	if (v && *v)
		rate->remaining = strtol(v, NULL, 10);
	v = a->header(a->header_ctx, "X-RateLimit-Reset");
	if (v && clock_parse_iso8601(v, &t) == 0)
		rate->reset_at = t;
	conn_retry_after(a, rate);
}

/* The outcome of an HTTP status (bodies are localised: never read). */
static enum conn_outcome status_outcome(long status)
{
	if (status >= 200 && status < 300)
		return CONN_OK;
	if (status == 401)
		return CONN_TOKEN;
	if (status == 403)
		return CONN_PERMISSION;
	if (status == 404 || status == 410)
		return CONN_GONE;
	if (status == 408 || status == 429 || status >= 500)
		return CONN_RETRY;
	return CONN_MALFORMED;
}

/* The filters read what a reader sees: the content warning, then the
 * text. */
static char *status_text(const cJSON *st)
{
	const char *content = conn_json_str(st, "content");
	const char *spoiler = conn_json_str(st, "spoiler_text");
	char *body = conn_html_to_text(content ? content : "", content ? strlen(content) : 0);
	struct strbuf sb = { 0 };

	if (!body)
		return NULL;
	if (!spoiler || !*spoiler)
		return body;
	if (strbuf_addf(&sb, "%s\n\n%s", spoiler, body) < 0) {
		free(body);
		strbuf_free(&sb);
		return NULL;
	}
	free(body);
	return sb.buf;
}

/* One status as an item (a boost adds nothing); -EBADMSG when it has no
 * id or time. */
static int add_status(struct conn_poll *p, const cJSON *st, bool mention, struct conn_batch *b)
{
	const char *id = conn_json_str(st, "id");
	const char *created = conn_json_str(st, "created_at");
	const char *edited = conn_json_str(st, "edited_at");
	const char *parent = conn_json_str(st, "in_reply_to_id");
	const cJSON *acct = cJSON_GetObjectItemCaseSensitive(st, "account");
	const char *author = conn_json_str(acct, "id");
	const char *name = conn_json_str(acct, "display_name");
	const char *url = conn_json_str(st, "url");
	int64_t published, edited_at = 0;

	if (!id || !created || clock_parse_iso8601(created, &published) < 0)
		return -EBADMSG;
	if (cJSON_IsObject(cJSON_GetObjectItemCaseSensitive(st, "reblog")))
		return 0; /* a boost repeats someone's status; it is not the account's words */
	if (edited && clock_parse_iso8601(edited, &edited_at) < 0)
		edited_at = 0;
	if (!name || !*name)
		name = conn_json_str(acct, "acct");
	if (!url)
		url = conn_json_str(st, "uri");

	struct conn_item *it = conn_batch_add(b);
	if (!it)
		return -ENOMEM;
	it->is_own = author && strcmp(author, p->external_id) == 0;
	it->kind = parent ? "reply" : (mention && !it->is_own ? "mention" : "post");
	it->published_at = published;
	it->edited_at = edited_at;
	it->platform_state = "visible";
	it->text = status_text(st);
	it->raw_json = cJSON_PrintUnformatted(st);
	if (conn_grow((void **)&p->added, &p->cap_added, p->n_added, sizeof(*p->added)) < 0 ||
	    conn_dup(&p->added[p->n_added++], id) < 0)
		return -ENOMEM;
	if (!it->text || !it->raw_json || conn_dup(&it->platform_id, id) < 0 ||
	    conn_dup(&it->parent_platform_id, parent) < 0 || conn_dup(&it->author_id, author) < 0 ||
	    conn_dup(&it->author_name, name) < 0 || conn_dup(&it->permalink, url) < 0)
		return -ENOMEM;
	return 0;
}

static int cursor_text(const struct conn_poll *p, char **ret)
{
	cJSON *j = cJSON_CreateObject();
	char *text;

	if (!j)
		return -ENOMEM;
	for (int i = 0; i < STREAMS; i++)
		if (p->s[i].safe && !cJSON_AddStringToObject(j, cursor_key[i], p->s[i].safe)) {
			cJSON_Delete(j);
			return -ENOMEM;
		}
	if (masto_threads_to_json(&p->th, j) < 0) {
		cJSON_Delete(j);
		return -ENOMEM;
	}
	text = cJSON_PrintUnformatted(j);
	cJSON_Delete(j);
	if (!text)
		return -ENOMEM;
	*ret = text;
	return 0;
}

static bool link_has_next(const struct conn_answer *a)
{
	const char *link = a->header ? a->header(a->header_ctx, "Link") : NULL;
	return link && strstr(link, "rel=\"next\"");
}

/* A page of a stream: store its items, move the stream on. */
static int take_page(struct conn_poll *p, int si, const cJSON *arr, const struct conn_answer *a,
                     struct conn_batch *b)
{
	struct stream *s = &p->s[si];
	const char *page_max = NULL, *page_min = NULL;
	bool past_horizon = false, reached_old = false;
	int n = 0, r;

	for (const cJSON *el = arr ? arr->child : NULL; el; el = el->next, n++) {
		const cJSON *st = el;
		const char *pid =
		        conn_json_str(el, "id"); /* notification or status id: pages count in it */
		if (!pid || !conn_id_ok(pid, 32))
			return -EBADMSG;
		if (!page_max || conn_id_cmp(pid, page_max) > 0)
			page_max = pid;
		if (!page_min || conn_id_cmp(pid, page_min) < 0)
			page_min = pid;
		if (si == STREAM_MENTIONS) {
			const char *type = conn_json_str(el, "type");
			st = cJSON_GetObjectItemCaseSensitive(el, "status");
			if (!type || strcmp(type, "mention") != 0 || !cJSON_IsObject(st))
				continue;
		} else {
			/* Its replies_count counts, even when the status
			 * itself was stored by an earlier poll. */
			r = masto_threads_seen(&p->th, st, p->external_id, p->backfill_from);
			if (r < 0)
				return r;
			if (s->old && conn_id_cmp(pid, s->old) <= 0) {
				reached_old = true;
				continue;
			}
		}
		const char *created = conn_json_str(st, "created_at");
		int64_t t;
		if (!forward(p, si) && created && clock_parse_iso8601(created, &t) == 0 &&
		    t < p->backfill_from) {
			past_horizon = true;
			continue;
		}
		r = add_status(p, st, si == STREAM_MENTIONS, b);
		if (r < 0)
			return r;
	}

	if (forward(p, si)) {
		/* Forward: the page is what follows the last id, complete. */
		if (page_max) {
			if (conn_set(&s->safe, page_max) < 0 || conn_set(&s->page_id, page_max) < 0)
				return -ENOMEM;
		}
		s->done = n < page_limit[si];
		return 0;
	}
	/* Backward from the newest, to the stored id or the horizon. */
	if (page_max && (!s->newest || conn_id_cmp(page_max, s->newest) > 0) &&
	    conn_set(&s->newest, page_max) < 0)
		return -ENOMEM;
	bool ended = n < page_limit[si] || !link_has_next(a);
	s->done = reached_old || past_horizon || ended;
	if (!s->done)
		return conn_set(&s->page_id, page_min);
	if (si == STREAM_OWN && !ended && conn_set(&p->own_floor, page_min) < 0)
		return -ENOMEM;
	return conn_set(&s->safe, s->newest ? s->newest : s->safe);
}

/* Every own status of the poll is seen: the counts of tracked posts older
 * than that need one request more, else the threads are planned. */
static void own_read(struct conn_poll *p)
{
	if (masto_threads_need_older(&p->th, p->own_floor))
		p->top_wanted = true;
	else
		masto_threads_plan(&p->th, p->now);
}

/* The top-level posts alone (exclude_replies keeps the account's own
 * thread continuations; those are skipped here). */
static int take_top(struct conn_poll *p, const cJSON *arr)
{
	for (const cJSON *st = arr->child; st; st = st->next) {
		const char *id = conn_json_str(st, "id");
		if (!id || !conn_id_ok(id, 32))
			return -EBADMSG;
		int r = masto_threads_seen(&p->th, st, p->external_id, p->backfill_from);
		if (r < 0)
			return r;
	}
	return 0;
}

static bool added(const struct conn_poll *p, const char *id)
{
	for (size_t i = 0; i < p->n_added; i++)
		if (strcmp(p->added[i], id) == 0)
			return true;
	return false;
}

/* A thread's context: every descendant is stored, with its parent (which
 * may be gone: the reference stays).  The instance may still be fetching
 * remote replies (Mastodon-Async-Refresh, 4.5): what came is stored and
 * the thread read again next poll. */
static int take_context(struct conn_poll *p, size_t ti, const cJSON *ctx,
                        const struct conn_answer *a, struct conn_batch *b)
{
	const cJSON *desc = cJSON_GetObjectItemCaseSensitive(ctx, "descendants");

	if (!cJSON_IsObject(ctx) || !cJSON_IsArray(desc))
		return -EBADMSG;
	for (const cJSON *st = desc->child; st; st = st->next) {
		const char *id = conn_json_str(st, "id");
		if (!id || !conn_id_ok(id, 32))
			return -EBADMSG;
		if (added(p, id))
			continue; /* a mention, or the account's own: handed out already */
		int r = add_status(p, st, false, b);
		if (r < 0)
			return r;
	}
	const char *refresh = a->header ? a->header(a->header_ctx, "Mastodon-Async-Refresh") : NULL;
	return masto_threads_read(&p->th, ti, !refresh);
}

/* What a request's 404/410 means: the account is unknown to the instance
 * (a stream, the top-level posts: nothing to fetch there), or a thread's
 * post is gone (it leaves the cursor, and is marked gone). */
static int take_gone(struct conn_poll *p, uint64_t tag, struct conn_batch *b)
{
	if (tag >= TAG_CONTEXT) {
		struct masto_thread *t = &p->th.t[tag - TAG_CONTEXT];
		t->gone = t->done = true;
		return conn_batch_gone(b, t->id);
	}
	b->message = strdup("the instance does not know this account");
	if (tag == TAG_TOP) {
		p->top_wanted = false;
		masto_threads_plan(&p->th, p->now);
	} else {
		p->s[tag].done = true;
		if (tag == STREAM_OWN)
			own_read(p);
	}
	return b->message ? 0 : -ENOMEM;
}

static int take_answer(struct conn_poll *p, uint64_t tag, const cJSON *j,
                       const struct conn_answer *a, struct conn_batch *b)
{
	int r;

	if (tag >= TAG_CONTEXT)
		return take_context(p, tag - TAG_CONTEXT, j, a, b);
	if (!cJSON_IsArray(j))
		return -EBADMSG;
	if (tag == TAG_TOP) {
		r = take_top(p, j);
		if (r == 0) {
			p->top_wanted = false;
			masto_threads_plan(&p->th, p->now);
		}
		return r;
	}
	r = take_page(p, (int)tag, j, a, b);
	if (r == 0 && tag == STREAM_OWN && p->s[tag].done)
		own_read(p);
	return r;
}

static int mastodon_poll_answer(struct conn_poll *p, const struct conn_request *req,
                                const struct conn_answer *a, struct conn_batch *b)
{
	uint64_t tag = req->tag;
	cJSON *j = NULL;
	int r = 0;

	if (tag < STREAMS)
		p->s[tag].in_flight = false;
	else if (tag == TAG_TOP)
		p->top_in_flight = false;
	else if (tag >= TAG_CONTEXT && tag - TAG_CONTEXT < p->th.n)
		p->th.t[tag - TAG_CONTEXT].in_flight = false;
	else
		return -EINVAL;
	read_rate(a, &b->rate);
	b->outcome = status_outcome(a->status);
	if (b->outcome == CONN_TOKEN || b->outcome == CONN_PERMISSION) {
		for (int i = 0; i < STREAMS; i++)
			p->s[i].done = true;
		p->aborted = true;
		b->message = strdup(b->outcome == CONN_TOKEN ? "access token refused (401)"
		                                             : "scope missing (403)");
		return 0;
	}
	if (b->outcome == CONN_GONE) {
		r = take_gone(p, tag, b);
		if (r == 0 && tag < TAG_CONTEXT)
			return 0; /* nothing was read: the cursor stays */
	} else if (b->outcome != CONN_OK) {
		b->message = conn_status_message(a->status, NULL, 0, NULL);
		return 0; /* the same request is offered again */
	} else {
		size_t mark = p->n_added;
		j = cJSON_ParseWithLength(a->body, a->body_len);
		r = take_answer(p, tag, j, a, b);
		cJSON_Delete(j);
		if (r == -EBADMSG) {
			/* Nothing of it is handed out: asked again. */
			while (p->n_added > mark)
				free(p->added[--p->n_added]);
			conn_malformed(b);
			return 0;
		}
	}
	if (r < 0)
		return r;

	char *cur = NULL;
	r = cursor_text(p, &cur);
	if (r < 0)
		return r;
	if (!p->given || strcmp(cur, p->given) != 0) {
		free(p->given);
		p->given = strdup(cur);
		b->cursor = cur;
		if (!p->given)
			return -ENOMEM;
	} else {
		free(cur);
	}
	return 0;
}

static int json_request(struct conn_request *ret, const char *url, cJSON *body)
{
	memset(ret, 0, sizeof(*ret));
	snprintf(ret->method, sizeof(ret->method), "POST");
	ret->url = strdup(url);
	if (body) {
		ret->body = cJSON_PrintUnformatted(body);
		if (!ret->body) {
			conn_request_clear(ret);
			return -ENOMEM;
		}
		ret->body_len = strlen(ret->body);
		snprintf(ret->content_type, sizeof(ret->content_type), "application/json");
	}
	if (!ret->url) {
		conn_request_clear(ret);
		return -ENOMEM;
	}
	return 0;
}

/* Only reports and blocks: an account cannot hide or delete what others
 * write, and admin actions exist only on the authority's own server. */
static int mastodon_action_request(const struct conn_account *acc, enum conn_action act,
                                   const char *platform_id, const char *kind, const char *author_id,
                                   struct conn_request *ret)
{
	struct strbuf url = { 0 };
	cJSON *body = NULL;
	int r;

	if (act != CONN_ACT_REPORT && act != CONN_ACT_BLOCK_AUTHOR)
		return -EOPNOTSUPP;
	if (!author_id || !conn_id_ok(author_id, 32) || !conn_id_ok(platform_id, 32))
		return -EINVAL;
	if (act == CONN_ACT_BLOCK_AUTHOR) {
		r = strbuf_addf(&url, "%s/api/v1/accounts/%s/block", acc->base_url, author_id);
	} else {
		r = strbuf_addf(&url, "%s/api/v1/reports", acc->base_url);
		body = cJSON_CreateObject();
		cJSON *ids = cJSON_AddArrayToObject(body, "status_ids");
		if (!body || !ids || !cJSON_AddStringToObject(body, "account_id", author_id) ||
		    !cJSON_AddItemToArray(ids, cJSON_CreateString(platform_id)) ||
		    !cJSON_AddStringToObject(body, "category", "other") ||
		    !cJSON_AddStringToObject(body, "comment",
		                             "Reported by the account's moderators"))
			r = -ENOMEM;
	}
	if (r == 0)
		r = json_request(ret, url.buf, body);
	cJSON_Delete(body);
	strbuf_free(&url);
	return r;
}

static enum conn_outcome mastodon_action_answer(const struct conn_answer *a, struct conn_rate *rate,
                                                char **ret_message)
{
	enum conn_outcome o = status_outcome(a->status);

	read_rate(a, rate);
	if (o == CONN_MALFORMED && a->status == 422)
		o = CONN_NOT_ALLOWED;
	if (o != CONN_OK && ret_message)
		*ret_message = conn_status_message(a->status, NULL, 0, NULL);
	return o;
}

const struct connector connector_mastodon = {
	.platform = "mastodon",
	.default_url = NULL, /* every instance is its own: ApiBaseUrl= is required */
	.actions = (1u << CONN_ACT_REPORT) | (1u << CONN_ACT_BLOCK_AUTHOR),
	.max_concurrency = STREAMS + 1, /* the streams, then threads */
	.poll_new = mastodon_poll_new,
	.poll_next = mastodon_poll_next,
	.poll_answer = mastodon_poll_answer,
	.poll_done = mastodon_poll_done,
	.poll_free = mastodon_poll_free,
	.action_request = mastodon_action_request,
	.action_answer = mastodon_action_answer,
	.authorize = NULL,
};
