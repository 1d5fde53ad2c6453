/* LinkedIn Community Management API (PLATFORMS.md §6).  No recorded real
 * response exists: this follows the documentation, as the simulator does,
 * and says so (docs/connectors.md).
 *
 * A poll reads the organisation's posts of the last 14 days (or back to
 * the last poll's newest post after downtime, never past the horizon),
 * asks for all their comment counts in one batch call, and reads the
 * comments — and the replies, where the organisation's own answers are,
 * of each comment whose commentsSummary counts any — only of posts whose
 * count moved since the last poll.  The
 * cursor keeps the newest post's time and the counts; it is handed out
 * with the poll's last answer.
 *
 * Items are keyed by URN: posts by their share/ugcPost URN, comments by
 * commentUrn, which names the activity and the comment id that a delete
 * needs.  The organisation deletes comments on its own posts (as the
 * documentation's "Delete a Comment" describes, with actor= the
 * organisation); there is no hide. */
#include <cjson/cJSON.h>
#include <curl/curl.h>
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "connectors/conn-util.h"
#include "connectors/connector.h"
#include "util/strbuf.h"

#define LI_LOOKBACK_USEC (14LL * 86400 * 1000000)
#define LI_VERSION "202511"
#define LI_HEADERS "LinkedIn-Version: " LI_VERSION "\nX-Restli-Protocol-Version: 2.0.0\n"
#define LI_BATCH 50
#define LI_MAX_TRACKED 500

enum li_kind { LI_POSTS, LI_SUMMARY, LI_COMMENTS, LI_REPLIES };

struct li_fetch {
	enum li_kind kind;
	char *urn;  /* COMMENTS: the post; REPLIES: the comment; SUMMARY: urns, '\n'-separated */
	char *post; /* COMMENTS/REPLIES: the post the comments belong to */
	int start;
	bool in_flight, done;
};

struct conn_poll {
	char *base_url, *org;
	int64_t now, stop_at, hwm, newest;
	cJSON *old_counts, *counts;
	struct strbuf window; /* posts in the window not yet asked about, '\n'-separated */
	size_t window_n;
	struct li_fetch *f;
	size_t n, cap;
	bool failed;
};

static void li_poll_free(struct conn_poll *p)
{
	if (!p)
		return;
	for (size_t i = 0; i < p->n; i++) {
		free(p->f[i].urn);
		free(p->f[i].post);
	}
	free(p->f);
	cJSON_Delete(p->old_counts);
	cJSON_Delete(p->counts);
	strbuf_free(&p->window);
	free(p->base_url);
	free(p->org);
	free(p);
}

static int li_push(struct conn_poll *p, enum li_kind kind, const char *urn, const char *post,
                   int start)
{
	if (conn_grow((void **)&p->f, &p->cap, p->n, sizeof(*p->f)) < 0)
		return -ENOMEM;
	struct li_fetch *f = &p->f[p->n];
	memset(f, 0, sizeof(*f));
	f->kind = kind;
	f->start = start;
	if (conn_dup(&f->urn, urn) < 0 || conn_dup(&f->post, post) < 0) {
		free(f->urn);
		return -ENOMEM;
	}
	p->n++;
	return 0;
}

static bool urn_ok(const char *s)
{
	if (!s || strncmp(s, "urn:li:", 7) != 0 || strlen(s) > 512)
		return false;
	for (; *s; s++)
		if ((unsigned char)*s <= ' ' || *s == '\n')
			return false;
	return true;
}

static int li_poll_new(const struct conn_account *acc, struct conn_poll **ret)
{
	struct conn_poll *p = calloc(1, sizeof(*p));
	int r = -ENOMEM;

	if (!p)
		return -ENOMEM;
	p->base_url = strdup(acc->base_url);
	p->org = strdup(acc->external_id);
	p->counts = cJSON_CreateObject();
	p->now = acc->now;
	if (!p->base_url || !p->org || !p->counts)
		goto fail;
	r = -EINVAL;
	if (!urn_ok(p->org))
		goto fail;
	r = conn_window_cursor_parse(acc->cursor, &p->hwm, &p->old_counts);
	if (r < 0)
		goto fail;
	p->stop_at = conn_window_stop(p->now, LI_LOOKBACK_USEC, p->hwm, acc->backfill_from);
	p->newest = p->hwm;
	r = li_push(p, LI_POSTS, NULL, NULL, 0);
	if (r < 0)
		goto fail;
	*ret = p;
	return 0;
fail:
	li_poll_free(p);
	return r;
}

static int add_escaped(struct strbuf *sb, const char *s)
{
	char *e = curl_easy_escape(NULL, s, 0);
	if (!e)
		return -ENOMEM;
	int r = strbuf_adds(sb, e);
	curl_free(e);
	return r;
}

static int li_url(const struct conn_poll *p, const struct li_fetch *f, struct strbuf *url)
{
	int r = strbuf_addf(url, "%s/rest/", p->base_url);

	switch (f->kind) {
	case LI_POSTS:
		if (r == 0)
			r = strbuf_adds(url, "posts?q=author&author=");
		if (r == 0)
			r = add_escaped(url, p->org);
		if (r == 0)
			r = strbuf_addf(url, "&count=50&start=%d&sortBy=CREATED", f->start);
		return r;
	case LI_SUMMARY:
		if (r == 0)
			r = strbuf_adds(url, "socialActions?ids=List(");
		for (const char *s = f->urn; r == 0 && *s;) {
			const char *nl = strchr(s, '\n');
			char *one = strndup(s, (size_t)(nl - s));
			if (!one)
				return -ENOMEM;
			if (s != f->urn)
				r = strbuf_adds(url, ",");
			if (r == 0)
				r = add_escaped(url, one);
			free(one);
			s = nl + 1;
		}
		return r ? r : strbuf_adds(url, ")");
	case LI_COMMENTS:
	case LI_REPLIES:
		if (r == 0)
			r = strbuf_adds(url, "socialActions/");
		if (r == 0)
			r = add_escaped(url, f->urn);
		if (r == 0)
			r = strbuf_addf(url, "/comments?start=%d&count=100", f->start);
		return r;
	}
	return -EINVAL;
}

static int li_poll_next(struct conn_poll *p, struct conn_request *ret)
{
	for (size_t i = 0; i < p->n; i++) {
		struct li_fetch *f = &p->f[i];
		struct strbuf url = { 0 };

		if (f->done || f->in_flight)
			continue;
		if (li_url(p, f, &url) < 0) {
			strbuf_free(&url);
			return -ENOMEM;
		}
		conn_get(ret, &url, i);
		ret->headers = strdup(LI_HEADERS);
		if (!ret->headers) {
			conn_request_clear(ret);
			return -ENOMEM;
		}
		f->in_flight = true;
		return 1;
	}
	return 0;
}

static bool li_poll_done(const struct conn_poll *p)
{
	for (size_t i = 0; i < p->n; i++)
		if (!p->f[i].done)
			return false;
	return true;
}

static int64_t ms_of(const cJSON *obj, const char *key)
{
	const cJSON *v = cJSON_GetObjectItemCaseSensitive(obj, key);
	return cJSON_IsNumber(v) ? (int64_t)v->valuedouble * 1000 : -1;
}

static bool has_next(const cJSON *j)
{
	const cJSON *links =
	        cJSON_GetObjectItemCaseSensitive(cJSON_GetObjectItemCaseSensitive(j, "paging"),
	                                         "links");
	for (const cJSON *l = cJSON_IsArray(links) ? links->child : NULL; l; l = l->next) {
		const char *rel = conn_json_str(l, "rel");
		if (rel && strcmp(rel, "next") == 0)
			return true;
	}
	return false;
}

/* Ask for the comment counts of the posts gathered so far. */
static int flush_window(struct conn_poll *p)
{
	int r;

	if (!p->window_n)
		return 0;
	r = li_push(p, LI_SUMMARY, p->window.buf, NULL, 0);
	p->window.len = 0;
	p->window.buf[0] = '\0';
	p->window_n = 0;
	return r;
}

static int take_posts(struct conn_poll *p, size_t fi, const cJSON *j, struct conn_batch *b)
{
	const cJSON *els = cJSON_GetObjectItemCaseSensitive(j, "elements");
	bool past = false;
	int r, n = 0;

	if (!cJSON_IsArray(els))
		return -EBADMSG;
	for (const cJSON *e = els->child; e; e = e->next, n++) {
		const char *id = conn_json_str(e, "id");
		int64_t t = ms_of(e, "createdAt");
		int64_t mod = ms_of(e, "lastModifiedAt");
		if (!urn_ok(id) || t < 0)
			return -EBADMSG;
		if (t < p->stop_at) {
			past = true;
			break;
		}
		if (t > p->newest)
			p->newest = t;
		if ((!p->hwm || t >= p->hwm || mod >= p->hwm)) {
			struct conn_item *it = conn_batch_add(b);
			struct strbuf link = { 0 };
			if (!it ||
			    strbuf_addf(&link, "https://www.linkedin.com/feed/update/%s/", id) < 0)
				return -ENOMEM;
			it->permalink = link.buf;
			it->kind = "post";
			it->is_own = true;
			it->published_at = t;
			it->edited_at = mod > t ? mod : 0;
			it->raw_json = cJSON_PrintUnformatted(e);
			const char *text = conn_json_str(e, "commentary");
			if (!it->raw_json || conn_dup(&it->platform_id, id) < 0 ||
			    conn_dup(&it->author_id, p->org) < 0 ||
			    conn_dup(&it->text, text ? text : "") < 0)
				return -ENOMEM;
		}
		if ((r = strbuf_adds(&p->window, id)) < 0 ||
		    (r = strbuf_adds(&p->window, "\n")) < 0)
			return r;
		if (++p->window_n == LI_BATCH && (r = flush_window(p)) < 0)
			return r;
	}
	if (!past && n > 0 && has_next(j))
		return li_push(p, LI_POSTS, NULL, NULL, p->f[fi].start + n);
	return flush_window(p);
}

static int take_summary(struct conn_poll *p, const cJSON *j)
{
	const cJSON *results = cJSON_GetObjectItemCaseSensitive(j, "results");
	int r;

	if (!cJSON_IsObject(results))
		return -EBADMSG;
	for (const cJSON *e = results->child; e; e = e->next) {
		const cJSON *sum = cJSON_GetObjectItemCaseSensitive(e, "commentsSummary");
		const cJSON *agg = cJSON_GetObjectItemCaseSensitive(sum, "aggregatedTotalComments");
		if (!urn_ok(e->string) || !cJSON_IsNumber(agg))
			return -EBADMSG;
		int count = agg->valueint;
		const cJSON *was = cJSON_GetObjectItemCaseSensitive(p->old_counts, e->string);
		if (count > 0 && cJSON_GetArraySize(p->counts) < LI_MAX_TRACKED &&
		    !cJSON_AddNumberToObject(p->counts, e->string, count))
			return -ENOMEM;
		if (count > 0 && (!cJSON_IsNumber(was) || was->valueint != count)) {
			r = li_push(p, LI_COMMENTS, e->string, e->string, 0);
			if (r < 0)
				return r;
		}
	}
	return 0;
}

/* Whether a comment may have replies: false only when its commentsSummary
 * counts none. */
static bool has_replies(const cJSON *comment)
{
	const cJSON *sum = cJSON_GetObjectItemCaseSensitive(comment, "commentsSummary");
	const cJSON *agg = cJSON_GetObjectItemCaseSensitive(sum, "aggregatedTotalComments");
	const cJSON *first = cJSON_GetObjectItemCaseSensitive(sum, "totalFirstLevelComments");
	if (!cJSON_IsNumber(agg) && !cJSON_IsNumber(first))
		return true;
	return (cJSON_IsNumber(agg) && agg->valuedouble > 0) ||
	       (cJSON_IsNumber(first) && first->valuedouble > 0);
}

static int take_comments(struct conn_poll *p, size_t fi, const cJSON *j, struct conn_batch *b)
{
	const cJSON *els = cJSON_GetObjectItemCaseSensitive(j, "elements");
	char *urn = p->f[fi].urn, *post = p->f[fi].post;
	bool replies = p->f[fi].kind == LI_REPLIES;
	int r, n = 0;

	if (!cJSON_IsArray(els))
		return -EBADMSG;
	for (const cJSON *e = els->child; e; e = e->next, n++) {
		const char *curn = conn_json_str(e, "commentUrn");
		const char *actor = conn_json_str(e, "actor");
		int64_t t = ms_of(cJSON_GetObjectItemCaseSensitive(e, "created"), "time");
		int64_t mod = ms_of(cJSON_GetObjectItemCaseSensitive(e, "lastModified"), "time");
		const char *text =
		        conn_json_str(cJSON_GetObjectItemCaseSensitive(e, "message"), "text");
		if (!urn_ok(curn) || t < 0)
			return -EBADMSG;
		struct conn_item *it = conn_batch_add(b);
		if (!it)
			return -ENOMEM;
		it->kind = replies ? "reply" : "comment";
		it->is_own = actor && strcmp(actor, p->org) == 0;
		it->published_at = t;
		it->edited_at = mod > t ? mod : 0;
		it->raw_json = cJSON_PrintUnformatted(e);
		if (!it->raw_json || conn_dup(&it->platform_id, curn) < 0 ||
		    conn_dup(&it->parent_platform_id, urn) < 0 ||
		    conn_dup(&it->author_id, actor) < 0 ||
		    conn_dup(&it->text, text ? text : "") < 0)
			return -ENOMEM;
		/* The organisation answers under the comment: read its replies,
		 * unless the comment's own commentsSummary says it has none (most
		 * have none: a first poll of a busy organisation is mostly
		 * these requests).  Without a summary, ask. */
		if (!replies && has_replies(e) && (r = li_push(p, LI_REPLIES, curn, post, 0)) < 0)
			return r;
	}
	if (n > 0 && has_next(j))
		return li_push(p, replies ? LI_REPLIES : LI_COMMENTS, urn, post,
		               p->f[fi].start + n);
	return 0;
}

static enum conn_outcome li_status(long status)
{
	if (status >= 200 && status < 300)
		return CONN_OK;
	if (status == 401)
		return CONN_TOKEN;
	if (status == 403)
		return CONN_PERMISSION;
	if (status == 404 || status == 410)
		return CONN_GONE;
	if (status == 426)
		return CONN_STOP; /* our API version is sunset: an upgrade of vakt, not a retry */
	if (status == 429 || status >= 500)
		return CONN_RETRY;
	return CONN_MALFORMED;
}

static int li_poll_answer(struct conn_poll *p, const struct conn_request *req,
                          const struct conn_answer *a, struct conn_batch *b)
{
	size_t fi = (size_t)req->tag;
	cJSON *j;
	int r;

	if (fi >= p->n)
		return -EINVAL;
	p->f[fi].in_flight = false;
	b->outcome = li_status(a->status);
	if (b->outcome != CONN_OK) {
		b->message = conn_status_message(a->status, a->body, a->body_len, "code");
		conn_retry_after(a, &b->rate);
		if (b->outcome == CONN_RETRY || b->outcome == CONN_MALFORMED)
			return 0;
		p->failed = true;
		if (b->outcome == CONN_GONE && p->f[fi].kind != LI_POSTS) {
			p->f[fi].done = true; /* a post or comment removed meanwhile */
		} else {
			for (size_t i = 0; i < p->n; i++)
				p->f[i].done = true;
			return 0;
		}
	} else {
		j = cJSON_ParseWithLength(a->body, a->body_len);
		if (!cJSON_IsObject(j))
			r = -EBADMSG;
		else if (p->f[fi].kind == LI_POSTS)
			r = take_posts(p, fi, j, b);
		else if (p->f[fi].kind == LI_SUMMARY)
			r = take_summary(p, j);
		else
			r = take_comments(p, fi, j, b);
		cJSON_Delete(j);
		if (r == -EBADMSG) {
			conn_malformed(b);
			return 0;
		}
		if (r < 0)
			return r;
		p->f[fi].done = true;
	}
	if (li_poll_done(p) && !p->failed)
		return conn_window_cursor_text(p->newest, p->counts, &b->cursor);
	return 0;
}

/* "urn:li:comment:(urn:li:activity:N,ID)" → the activity and ID. */
static int split_comment_urn(const char *urn, char **ret_target, char **ret_id)
{
	const char *open = strchr(urn, '(');
	const char *comma = strrchr(urn, ',');
	size_t len = strlen(urn);

	if (strncmp(urn, "urn:li:comment:(", 16) != 0 || !open || !comma || comma < open ||
	    urn[len - 1] != ')' || comma + 1 >= urn + len - 1)
		return -EINVAL;
	for (const char *d = comma + 1; d < urn + len - 1; d++)
		if (*d < '0' || *d > '9')
			return -EINVAL;
	*ret_target = strndup(open + 1, (size_t)(comma - open - 1));
	*ret_id = strndup(comma + 1, (size_t)(urn + len - 2 - comma));
	if (!*ret_target || !*ret_id) {
		free(*ret_target);
		free(*ret_id);
		return -ENOMEM;
	}
	return 0;
}

static int li_action_request(const struct conn_account *acc, enum conn_action act,
                             const char *platform_id, const char *kind, const char *author_id,
                             struct conn_request *ret)
{
	char *target = NULL, *id = NULL;
	struct strbuf url = { 0 };
	int r;

	if (act != CONN_ACT_DELETE)
		return -EOPNOTSUPP;
	r = split_comment_urn(platform_id, &target, &id);
	if (r < 0)
		return r == -EINVAL ? -EOPNOTSUPP : r; /* posts are not deleted by vakt */
	r = strbuf_addf(&url, "%s/rest/socialActions/", acc->base_url);
	if (r == 0)
		r = add_escaped(&url, target);
	if (r == 0)
		r = strbuf_addf(&url, "/comments/%s?actor=", id);
	if (r == 0)
		r = add_escaped(&url, acc->external_id);
	free(target);
	free(id);
	if (r < 0) {
		strbuf_free(&url);
		return r;
	}
	memset(ret, 0, sizeof(*ret));
	snprintf(ret->method, sizeof(ret->method), "DELETE");
	ret->url = url.buf;
	ret->headers = strdup(LI_HEADERS);
	if (!ret->headers) {
		conn_request_clear(ret);
		return -ENOMEM;
	}
	return 0;
}

static enum conn_outcome li_action_answer(const struct conn_answer *a, struct conn_rate *rate,
                                          char **ret_message)
{
	enum conn_outcome o = li_status(a->status);

	/* No real answer of this API has been recorded: a refusal of the
	 * organisation's delete (403) means LinkedIn does not allow it here,
	 * not that the token is dead. */
	if (o == CONN_PERMISSION)
		o = CONN_NOT_ALLOWED;
	if (o != CONN_OK && ret_message)
		*ret_message = conn_status_message(a->status, a->body, a->body_len, "code");
	return o;
}

const struct connector connector_linkedin = {
	.platform = "linkedin",
	.default_url = "https://api.linkedin.com",
	.actions = 1u << CONN_ACT_DELETE,
	.max_concurrency = 4,
	.poll_new = li_poll_new,
	.poll_next = li_poll_next,
	.poll_answer = li_poll_answer,
	.poll_done = li_poll_done,
	.poll_free = li_poll_free,
	.action_request = li_action_request,
	.action_answer = li_action_answer,
	.authorize = NULL,
};
