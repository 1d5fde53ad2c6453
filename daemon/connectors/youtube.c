/* YouTube Data API v3 (PLATFORMS.md §3): the comment threads of the
 * channel (allThreadsRelatedToChannelId, newest first) with the replies
 * each thread carries, and the rest of a thread's replies through
 * comments?parentId= when the thread holds more than it shows.
 *
 * New replies land on old threads, which do not move up the list, so a
 * poll pages down to a lookback (7 days, or the high-water mark when that
 * is older — after downtime — but never past the backfill horizon) and
 * re-reads replies only of threads whose reply count changed: the cursor
 * keeps the newest thread's time and the reply counts of the threads in
 * the window.  Pages go backwards in time, so the cursor is handed out
 * with the poll's last answer.
 *
 * Every list call costs 1 quota unit, moderation 50 (the drivers count
 * them, vaktd/fetch-quota.c); a spent daily quota is CONN_STOP until
 * midnight Pacific time (calendar/pacific.h). */
#include <cjson/cJSON.h>
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "calendar/pacific.h"
#include "connectors/conn-util.h"
#include "connectors/connector.h"
#include "connectors/html-text.h"
#include "util/clock.h"
#include "util/strbuf.h"

#define YT_LOOKBACK_USEC (7LL * 86400 * 1000000)
#define YT_MAX_TRACKED 2000 /* threads whose reply counts the cursor keeps */
#define YT_DAY_USEC (86400LL * 1000000)

enum yt_kind { YT_THREADS, YT_REPLIES };

struct yt_fetch {
	enum yt_kind kind;
	char *thread;     /* YT_REPLIES: the thread */
	char *page_token; /* NULL: the first page */
	bool in_flight, done;
};

struct conn_poll {
	char *base_url, *channel;
	int64_t now, stop_at;
	int64_t hwm;       /* newest thread seen before this poll (µs), 0 none */
	int64_t newest;    /* newest thread seen in this poll */
	cJSON *old_counts; /* thread id → reply count, from the cursor */
	cJSON *counts;     /* the same, as seen in this poll */
	struct yt_fetch *f;
	size_t n, cap;
	bool failed; /* a fetch ended without its data: no cursor this time */
};

static void yt_poll_free(struct conn_poll *p)
{
	if (!p)
		return;
	for (size_t i = 0; i < p->n; i++) {
		free(p->f[i].thread);
		free(p->f[i].page_token);
	}
	free(p->f);
	cJSON_Delete(p->old_counts);
	cJSON_Delete(p->counts);
	free(p->base_url);
	free(p->channel);
	free(p);
}

static int yt_push(struct conn_poll *p, enum yt_kind kind, const char *thread, const char *token)
{
	if (conn_grow((void **)&p->f, &p->cap, p->n, sizeof(*p->f)) < 0)
		return -ENOMEM;
	struct yt_fetch *f = &p->f[p->n];
	memset(f, 0, sizeof(*f));
	f->kind = kind;
	if (conn_dup(&f->thread, thread) < 0 || conn_dup(&f->page_token, token) < 0) {
		free(f->thread);
		return -ENOMEM;
	}
	p->n++;
	return 0;
}

static int yt_poll_new(const struct conn_account *acc, struct conn_poll **ret)
{
	struct conn_poll *p = calloc(1, sizeof(*p));
	int r = -ENOMEM;

	if (!p)
		return -ENOMEM;
	p->base_url = strdup(acc->base_url);
	p->channel = strdup(acc->external_id);
	p->counts = cJSON_CreateObject();
	p->now = acc->now;
	if (!p->base_url || !p->channel || !p->counts)
		goto fail;
	r = conn_window_cursor_parse(acc->cursor, &p->hwm, &p->old_counts);
	if (r < 0)
		goto fail;
	p->stop_at = conn_window_stop(p->now, YT_LOOKBACK_USEC, p->hwm, acc->backfill_from);
	p->newest = p->hwm;
	r = yt_push(p, YT_THREADS, NULL, NULL);
	if (r < 0)
		goto fail;
	*ret = p;
	return 0;
fail:
	yt_poll_free(p);
	return r;
}

static int yt_poll_next(struct conn_poll *p, struct conn_request *ret)
{
	for (size_t i = 0; i < p->n; i++) {
		struct yt_fetch *f = &p->f[i];
		struct strbuf url = { 0 };
		int r;

		if (f->done || f->in_flight)
			continue;
		if (f->kind == YT_THREADS)
			r = strbuf_addf(&url,
			                "%s/youtube/v3/commentThreads?part=snippet,replies"
			                "&allThreadsRelatedToChannelId=%s&maxResults=100&order=time"
			                "&textFormat=plainText",
			                p->base_url, p->channel);
		else
			r = strbuf_addf(
			        &url,
			        "%s/youtube/v3/comments?part=snippet&parentId=%s&maxResults=100"
			        "&textFormat=plainText",
			        p->base_url, f->thread);
		if (r == 0 && f->page_token)
			r = strbuf_addf(&url, "&pageToken=%s", f->page_token);
		if (r < 0) {
			strbuf_free(&url);
			return -ENOMEM;
		}
		conn_get(ret, &url, i);
		ret->quota_cost = 1;
		f->in_flight = true;
		return 1;
	}
	return 0;
}

static bool yt_poll_done(const struct conn_poll *p)
{
	for (size_t i = 0; i < p->n; i++)
		if (!p->f[i].done)
			return false;
	return true;
}

/* Page tokens and ids go into URLs: only the characters YouTube uses. */
static bool token_ok(const char *s)
{
	if (!s || !*s || strlen(s) > 512)
		return false;
	for (; *s; s++)
		if (!((*s >= 'a' && *s <= 'z') || (*s >= 'A' && *s <= 'Z') ||
		      (*s >= '0' && *s <= '9') || *s == '-' || *s == '_' || *s == '.'))
			return false;
	return true;
}

/* The next midnight in Los Angeles (with its DST), when the daily quota
 * resets; a day later when the zone cannot be read. */
static int64_t next_pacific_midnight(int64_t now)
{
	struct pacific_day d;
	return pacific_day_of(now, &d) == 0 ? d.reset_usec : now + YT_DAY_USEC;
}

/* The outcome of an answer that is not a success, from the error's reason
 * (English reason codes, not the localisable message). */
static enum conn_outcome yt_error(long status, const char *body, size_t len, char **ret_reason)
{
	cJSON *j = cJSON_ParseWithLength(body, len);
	const cJSON *err = cJSON_GetObjectItemCaseSensitive(j, "error");
	const cJSON *errs = cJSON_GetObjectItemCaseSensitive(err, "errors");
	const char *reason = conn_json_str(cJSON_IsArray(errs) ? errs->child : NULL, "reason");
	enum conn_outcome o;

	if (!reason)
		reason = "";
	if (strcmp(reason, "quotaExceeded") == 0)
		o = CONN_STOP;
	else if (strcmp(reason, "rateLimitExceeded") == 0 ||
	         strcmp(reason, "userRateLimitExceeded") == 0 ||
	         strcmp(reason, "backendError") == 0 || status == 429 || status >= 500)
		o = CONN_RETRY;
	else if (strcmp(reason, "authError") == 0 || strcmp(reason, "keyInvalid") == 0 ||
	         status == 401)
		o = CONN_TOKEN;
	else if (strcmp(reason, "commentsDisabled") == 0 || status == 404)
		o = CONN_GONE;
	else if (strcmp(reason, "forbidden") == 0 ||
	         strcmp(reason, "insufficientPermissions") == 0 || status == 403)
		o = CONN_PERMISSION;
	else if (strcmp(reason, "operationNotSupported") == 0 ||
	         strcmp(reason, "banWithoutReject") == 0 ||
	         strcmp(reason, "processingFailure") == 0)
		o = CONN_NOT_ALLOWED;
	else
		o = CONN_MALFORMED;
	if (ret_reason) {
		char m[96];
		snprintf(m, sizeof(m), "HTTP %ld %s", status, *reason ? reason : "(no reason)");
		*ret_reason = strdup(m);
	}
	cJSON_Delete(j);
	return o;
}

static const char *state_of(const char *moderation)
{
	if (!moderation || strcmp(moderation, "published") == 0)
		return "visible";
	if (strcmp(moderation, "rejected") == 0)
		return "deleted";
	return "hidden"; /* heldForReview, likelySpam */
}

/* A comment resource as an item.  Within the window re-read on every
 * poll, comments neither written nor edited since the last poll's newest
 * thread are left out unless `all`: they are stored already. */
static int add_comment(struct conn_poll *p, const cJSON *c, const char *thread, bool all,
                       struct conn_batch *b)
{
	const cJSON *sn = cJSON_GetObjectItemCaseSensitive(c, "snippet");
	const char *id = conn_json_str(c, "id");
	const char *published = conn_json_str(sn, "publishedAt");
	const char *updated = conn_json_str(sn, "updatedAt");
	const char *original = conn_json_str(sn, "textOriginal");
	const char *display = conn_json_str(sn, "textDisplay");
	const char *author =
	        conn_json_str(cJSON_GetObjectItemCaseSensitive(sn, "authorChannelId"), "value");
	const char *video = conn_json_str(sn, "videoId");
	int64_t t, u = 0;

	if (!id || !published || clock_parse_iso8601(published, &t) < 0)
		return -EBADMSG;
	if (updated && clock_parse_iso8601(updated, &u) == 0 && u <= t)
		u = 0;
	if (!all && p->hwm && t < p->hwm && u < p->hwm)
		return 0;
	struct conn_item *it = conn_batch_add(b);
	if (!it)
		return -ENOMEM;
	it->kind = thread ? "reply" : "comment";
	it->is_own = author && strcmp(author, p->channel) == 0;
	it->published_at = t;
	it->edited_at = u;
	it->platform_state = state_of(conn_json_str(sn, "moderationStatus"));
	it->text =
	        original ? strdup(original)
	                 : conn_html_to_text(display ? display : "", display ? strlen(display) : 0);
	it->raw_json = cJSON_PrintUnformatted(c);
	struct strbuf link = { 0 };
	int r = 0;
	if (video)
		r = strbuf_addf(&link, "https://www.youtube.com/watch?v=%s&lc=%s", video, id);
	if (r < 0 || !it->text || !it->raw_json || conn_dup(&it->platform_id, id) < 0 ||
	    conn_dup(&it->parent_platform_id, thread) < 0 || conn_dup(&it->author_id, author) < 0 ||
	    conn_dup(&it->author_name, conn_json_str(sn, "authorDisplayName")) < 0) {
		strbuf_free(&link);
		return -ENOMEM;
	}
	it->permalink = link.buf;
	return 0;
}

static int take_threads(struct conn_poll *p, const cJSON *j, struct conn_batch *b)
{
	const cJSON *items = cJSON_GetObjectItemCaseSensitive(j, "items");
	const char *next = conn_json_str(j, "nextPageToken");
	bool past = false;
	int r;

	if (items && !cJSON_IsArray(items))
		return -EBADMSG;
	for (const cJSON *th = items ? items->child : NULL; th; th = th->next) {
		const cJSON *sn = cJSON_GetObjectItemCaseSensitive(th, "snippet");
		const cJSON *top = cJSON_GetObjectItemCaseSensitive(sn, "topLevelComment");
		const char *tid = conn_json_str(th, "id");
		const char *published =
		        conn_json_str(cJSON_GetObjectItemCaseSensitive(top, "snippet"),
		                      "publishedAt");
		int64_t t;

		if (!tid || !token_ok(tid) || !cJSON_IsObject(top) || !published ||
		    clock_parse_iso8601(published, &t) < 0)
			return -EBADMSG;
		if (t < p->stop_at) {
			past = true;
			break;
		}
		if (t > p->newest)
			p->newest = t;
		r = add_comment(p, top, NULL, false, b);
		if (r < 0)
			return r;
		const cJSON *shown = cJSON_GetObjectItemCaseSensitive(
		        cJSON_GetObjectItemCaseSensitive(th, "replies"), "comments");
		int n_shown = cJSON_IsArray(shown) ? cJSON_GetArraySize(shown) : 0;
		const cJSON *total = cJSON_GetObjectItemCaseSensitive(sn, "totalReplyCount");
		int count = cJSON_IsNumber(total) ? total->valueint : n_shown;
		const cJSON *was = cJSON_GetObjectItemCaseSensitive(p->old_counts, tid);
		if (count > 0 && cJSON_GetArraySize(p->counts) < YT_MAX_TRACKED &&
		    !cJSON_AddNumberToObject(p->counts, tid, count))
			return -ENOMEM;
		/* The thread shows only some replies: when the count moved since
		 * the last poll, read them all (and not the shown ones twice). */
		if (count > n_shown && (!cJSON_IsNumber(was) || was->valueint != count)) {
			r = yt_push(p, YT_REPLIES, tid, NULL);
			if (r < 0)
				return r;
			continue;
		}
		for (const cJSON *c = n_shown ? shown->child : NULL; c; c = c->next) {
			r = add_comment(p, c, tid, false, b);
			if (r < 0)
				return r;
		}
	}
	if (!past && next) {
		if (!token_ok(next))
			return -EBADMSG;
		return yt_push(p, YT_THREADS, NULL, next);
	}
	return 0;
}

static int take_replies(struct conn_poll *p, size_t fi, const cJSON *j, struct conn_batch *b)
{
	const cJSON *items = cJSON_GetObjectItemCaseSensitive(j, "items");
	const char *next = conn_json_str(j, "nextPageToken");
	char *thread = p->f[fi].thread;
	int r;

	if (items && !cJSON_IsArray(items))
		return -EBADMSG;
	for (const cJSON *c = items ? items->child : NULL; c; c = c->next) {
		r = add_comment(p, c, thread, true, b);
		if (r < 0)
			return r;
	}
	if (next) {
		if (!token_ok(next))
			return -EBADMSG;
		return yt_push(p, YT_REPLIES, thread, next);
	}
	return 0;
}

static int yt_poll_answer(struct conn_poll *p, const struct conn_request *req,
                          const struct conn_answer *a, struct conn_batch *b)
{
	size_t fi = (size_t)req->tag;
	cJSON *j;
	int r;

	if (fi >= p->n)
		return -EINVAL;
	p->f[fi].in_flight = false;
	if (a->status < 200 || a->status >= 300) {
		b->outcome = yt_error(a->status, a->body, a->body_len, &b->message);
		conn_retry_after(a, &b->rate);
		switch (b->outcome) {
		case CONN_RETRY:
		case CONN_MALFORMED:
			return 0; /* offered again */
		case CONN_GONE:
			/* A thread gone between pages: its replies with it. */
			p->f[fi].done = true;
			if (p->f[fi].kind == YT_THREADS)
				p->failed = true;
			break;
		case CONN_STOP:
			/* The driver keeps a stop for retry_after_usec (none:
			 * until the configuration is reloaded). */
			b->rate.reset_at = next_pacific_midnight(p->now);
			b->rate.retry_after_usec = b->rate.reset_at - p->now;
			/* fall through */
		default:
			p->failed = true;
			for (size_t i = 0; i < p->n; i++)
				p->f[i].done = true;
			return 0;
		}
	} else {
		j = cJSON_ParseWithLength(a->body, a->body_len);
		if (!cJSON_IsObject(j))
			r = -EBADMSG;
		else if (p->f[fi].kind == YT_THREADS)
			r = take_threads(p, j, b);
		else
			r = take_replies(p, fi, j, b);
		cJSON_Delete(j);
		if (r == -EBADMSG) {
			conn_malformed(b);
			return 0;
		}
		if (r < 0)
			return r;
		p->f[fi].done = true;
	}
	if (yt_poll_done(p) && !p->failed)
		return conn_window_cursor_text(p->newest, p->counts, &b->cursor);
	return 0;
}

static int yt_action_request(const struct conn_account *acc, enum conn_action act,
                             const char *platform_id, const char *kind, const char *author_id,
                             struct conn_request *ret)
{
	const char *status;
	struct strbuf url = { 0 };

	switch (act) {
	case CONN_ACT_HIDE:
		status = "heldForReview"; /* the only reversible hide */
		break;
	case CONN_ACT_UNHIDE:
		status = "published";
		break;
	case CONN_ACT_DELETE:
	case CONN_ACT_BLOCK_AUTHOR:
		status = "rejected"; /* removes it and its replies, for good */
		break;
	default:
		return -EOPNOTSUPP;
	}
	if (!token_ok(platform_id))
		return -EINVAL;
	if (strbuf_addf(&url,
	                "%s/youtube/v3/comments/setModerationStatus?id=%s&moderationStatus=%s%s",
	                acc->base_url, platform_id, status,
	                act == CONN_ACT_BLOCK_AUTHOR ? "&banAuthor=true" : "") < 0) {
		strbuf_free(&url);
		return -ENOMEM;
	}
	memset(ret, 0, sizeof(*ret));
	snprintf(ret->method, sizeof(ret->method), "POST");
	ret->url = url.buf;
	ret->quota_cost = 50;
	return 0;
}

static enum conn_outcome yt_action_answer(const struct conn_answer *a, struct conn_rate *rate,
                                          char **ret_message)
{
	if (a->status >= 200 && a->status < 300)
		return CONN_OK;
	return yt_error(a->status, a->body, a->body_len, ret_message);
}

const struct connector connector_youtube = {
	.platform = "youtube",
	.default_url = "https://www.googleapis.com",
	.actions = (1u << CONN_ACT_HIDE) | (1u << CONN_ACT_UNHIDE) | (1u << CONN_ACT_DELETE) |
	           (1u << CONN_ACT_BLOCK_AUTHOR),
	.max_concurrency = 4,
	.poll_new = yt_poll_new,
	.poll_next = yt_poll_next,
	.poll_answer = yt_poll_answer,
	.poll_done = yt_poll_done,
	.poll_free = yt_poll_free,
	.action_request = yt_action_request,
	.action_answer = yt_action_answer,
	.authorize = NULL,
};
