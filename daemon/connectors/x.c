/* X API v2 (PLATFORMS.md §4): the account's mentions (replies to its posts
 * mention it) and its own posts, whose replied_to reference tells which
 * mention it answered.  Reads cost money, so a poll asks only for what is
 * newer than the cursor (since_id), a first poll only back to the horizon
 * (start_time), and a 402 (credits used up, usage cap) stops the account
 * without retrying.
 *
 * Both listings page backwards from the newest (next_token), so each
 * stream's high-water id (meta.newest_id of its first page) is committed
 * with its last page.  Ids are 64-bit decimal strings: never numbers. */
#include <cjson/cJSON.h>
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "connectors/conn-util.h"
#include "connectors/connector.h"
#include "util/clock.h"
#include "util/strbuf.h"

enum { STREAM_MENTIONS, STREAM_OWN, STREAMS };

static const char *const cursor_key[STREAMS] = { "m", "t" };
static const char *const stream_path[STREAMS] = { "mentions", "tweets" };

#define X_FIELDS                                                                                   \
	"tweet.fields=created_at,author_id,conversation_id,in_reply_to_user_id,referenced_tweets"  \
	"&expansions=author_id&user.fields=username,name"

struct stream {
	char *since;  /* the stored high-water id, NULL on a first poll */
	char *newest; /* newest id seen in this poll */
	char *token;  /* next_token of the next page, NULL: the first */
	bool in_flight, done, failed;
};

struct conn_poll {
	char *base_url, *me;
	int64_t backfill_from;
	struct stream s[STREAMS];
};

/* next_token values are opaque; they go into a URL. */
static bool token_ok(const char *s)
{
	if (!s || !*s || strlen(s) > 256)
		return false;
	for (; *s; s++)
		if (!((*s >= 'a' && *s <= 'z') || (*s >= 'A' && *s <= 'Z') ||
		      (*s >= '0' && *s <= '9') || *s == '-' || *s == '_' || *s == '='))
			return false;
	return true;
}

static void x_poll_free(struct conn_poll *p)
{
	if (!p)
		return;
	for (int i = 0; i < STREAMS; i++) {
		free(p->s[i].since);
		free(p->s[i].newest);
		free(p->s[i].token);
	}
	free(p->base_url);
	free(p->me);
	free(p);
}

static int x_poll_new(const struct conn_account *acc, struct conn_poll **ret)
{
	struct conn_poll *p = calloc(1, sizeof(*p));
	cJSON *j = NULL;
	int r = -ENOMEM;

	if (!p)
		return -ENOMEM;
	p->base_url = strdup(acc->base_url);
	p->me = strdup(acc->external_id);
	p->backfill_from = acc->backfill_from;
	if (!p->base_url || !p->me)
		goto fail;
	r = -EINVAL;
	if (!conn_id_ok(p->me, 20))
		goto fail;
	if (acc->cursor) {
		j = cJSON_Parse(acc->cursor);
		if (!cJSON_IsObject(j))
			goto fail;
		for (int i = 0; i < STREAMS; i++) {
			const cJSON *v = cJSON_GetObjectItemCaseSensitive(j, cursor_key[i]);
			if (!v)
				continue;
			if (!cJSON_IsString(v) || !conn_id_ok(v->valuestring, 20))
				goto fail;
			if (conn_set(&p->s[i].since, v->valuestring) < 0) {
				r = -ENOMEM;
				goto fail;
			}
		}
	}
	cJSON_Delete(j);
	*ret = p;
	return 0;
fail:
	cJSON_Delete(j);
	x_poll_free(p);
	return r;
}

static int x_poll_next(struct conn_poll *p, struct conn_request *ret)
{
	for (int i = 0; i < STREAMS; i++) {
		struct stream *s = &p->s[i];
		struct strbuf url = { 0 };
		int r;

		if (s->done || s->in_flight)
			continue;
		r = strbuf_addf(&url, "%s/2/users/%s/%s?max_results=100&" X_FIELDS, p->base_url,
		                p->me, stream_path[i]);
		if (r == 0 && s->since)
			r = strbuf_addf(&url, "&since_id=%s", s->since);
		else if (r == 0 && p->backfill_from > 0) {
			/* A first poll pays only for the horizon. */
			char iso[40];
			clock_format_utc(p->backfill_from, iso, sizeof(iso));
			iso[19] = 'Z'; /* seconds precision: YYYY-MM-DDTHH:MM:SSZ */
			iso[20] = '\0';
			r = strbuf_addf(&url, "&start_time=%s", iso);
		}
		if (r == 0 && s->token)
			r = strbuf_addf(&url, "&pagination_token=%s", s->token);
		if (r < 0) {
			strbuf_free(&url);
			return -ENOMEM;
		}
		conn_get(ret, &url, (uint64_t)i);
		s->in_flight = true;
		return 1;
	}
	return 0;
}

static bool x_poll_done(const struct conn_poll *p)
{
	for (int i = 0; i < STREAMS; i++)
		if (!p->s[i].done)
			return false;
	return true;
}

static void read_rate(const struct conn_answer *a, struct conn_rate *rate)
{
	const char *v;

	if (!a->header)
		return;
	v = a->header(a->header_ctx, "x-rate-limit-remaining");
	if (v && *v)
		rate->remaining = strtol(v, NULL, 10);
	v = a->header(a->header_ctx, "x-rate-limit-reset");
	if (v && *v)
		rate->reset_at = strtoll(v, NULL, 10) * 1000000; /* epoch seconds */
	conn_retry_after(a, rate);
}

static enum conn_outcome status_outcome(long status)
{
	if (status >= 200 && status < 300)
		return CONN_OK;
	if (status == 402)
		return CONN_STOP; /* credits used up or usage cap: alert, no retry */
	if (status == 401)
		return CONN_TOKEN;
	if (status == 403)
		return CONN_PERMISSION;
	if (status == 404)
		return CONN_GONE;
	if (status == 429 || status >= 500)
		return CONN_RETRY;
	return CONN_MALFORMED;
}

static const char *replied_to(const cJSON *tw)
{
	const cJSON *refs = cJSON_GetObjectItemCaseSensitive(tw, "referenced_tweets");
	for (const cJSON *r = cJSON_IsArray(refs) ? refs->child : NULL; r; r = r->next) {
		const char *type = conn_json_str(r, "type");
		if (type && strcmp(type, "replied_to") == 0)
			return conn_json_str(r, "id");
	}
	return NULL;
}

static const cJSON *user_of(const cJSON *users, const char *id)
{
	for (const cJSON *u = cJSON_IsArray(users) ? users->child : NULL; id && u; u = u->next) {
		const char *uid = conn_json_str(u, "id");
		if (uid && strcmp(uid, id) == 0)
			return u;
	}
	return NULL;
}

/* The time in a post id (X's snowflake: milliseconds since the twitter
 * epoch in the bits above 22), for an answer without created_at. */
static int snowflake_time(const char *id, int64_t *ret)
{
	unsigned long long v = strtoull(id, NULL, 10);

	if (v >> 22 == 0)
		return -EINVAL;
	*ret = ((int64_t)(v >> 22) + 1288834974657LL) * 1000;
	return 0;
}

/* A page of a stream.  -EBADMSG when it is not the expected JSON. */
static int take_page(struct conn_poll *p, int si, const cJSON *j, struct conn_batch *b)
{
	struct stream *s = &p->s[si];
	const cJSON *data = cJSON_GetObjectItemCaseSensitive(j, "data");
	const cJSON *users =
	        cJSON_GetObjectItemCaseSensitive(cJSON_GetObjectItemCaseSensitive(j, "includes"),
	                                         "users");
	const cJSON *meta = cJSON_GetObjectItemCaseSensitive(j, "meta");
	const char *next = conn_json_str(meta, "next_token");
	bool past = false;

	if ((data && !cJSON_IsArray(data)) || (!data && !meta))
		return -EBADMSG;
	for (const cJSON *tw = data ? data->child : NULL; tw; tw = tw->next) {
		const char *id = conn_json_str(tw, "id");
		const char *created = conn_json_str(tw, "created_at");
		const char *text = conn_json_str(tw, "text");
		const char *author = conn_json_str(tw, "author_id");
		int64_t t;

		if (!conn_id_ok(id, 20) || !text)
			return -EBADMSG;
		if (created ? clock_parse_iso8601(created, &t) < 0 : snowflake_time(id, &t) < 0)
			return -EBADMSG;
		if (!s->newest || conn_id_cmp(id, s->newest) > 0) {
			if (conn_set(&s->newest, id) < 0)
				return -ENOMEM;
		}
		if (!s->since && t < p->backfill_from) {
			past = true;
			continue;
		}
		const char *parent = replied_to(tw);
		const cJSON *u = user_of(users, author);
		const char *name = conn_json_str(u, "name");
		struct conn_item *it = conn_batch_add(b);
		struct strbuf link = { 0 };
		if (!it || strbuf_addf(&link, "https://x.com/i/web/status/%s", id) < 0)
			return -ENOMEM;
		it->permalink = link.buf;
		it->is_own = author && strcmp(author, p->me) == 0;
		it->kind = parent ? "reply" : (it->is_own ? "post" : "mention");
		it->published_at = t;
		it->platform_state = "visible";
		it->raw_json = cJSON_PrintUnformatted(tw);
		if (!it->raw_json || conn_dup(&it->platform_id, id) < 0 ||
		    conn_dup(&it->parent_platform_id, parent) < 0 ||
		    conn_dup(&it->author_id, author) < 0 ||
		    conn_dup(&it->author_name, name ? name : conn_json_str(u, "username")) < 0 ||
		    conn_dup(&it->text, text) < 0)
			return -ENOMEM;
	}
	if (next && !past) {
		if (!token_ok(next))
			return -EBADMSG;
		return conn_set(&s->token, next);
	}
	s->done = true;
	return 0;
}

static int cursor_text(const struct conn_poll *p, char **ret)
{
	cJSON *j = cJSON_CreateObject();
	char *text = NULL;

	if (!j)
		return -ENOMEM;
	for (int i = 0; i < STREAMS; i++) {
		/* Only finished streams' ids: one still paging backwards has
		 * not stored what lies between its old id and its newest. */
		const char *v = p->s[i].since;
		if (v && !cJSON_AddStringToObject(j, cursor_key[i], v)) {
			cJSON_Delete(j);
			return -ENOMEM;
		}
	}
	text = cJSON_PrintUnformatted(j);
	cJSON_Delete(j);
	if (!text)
		return -ENOMEM;
	*ret = text;
	return 0;
}

static int x_poll_answer(struct conn_poll *p, const struct conn_request *req,
                         const struct conn_answer *a, struct conn_batch *b)
{
	int si = (int)req->tag;
	cJSON *j;
	int r;

	if (si < 0 || si >= STREAMS)
		return -EINVAL;
	p->s[si].in_flight = false;
	read_rate(a, &b->rate);
	b->outcome = status_outcome(a->status);
	if (b->outcome != CONN_OK) {
		b->message = conn_status_message(a->status, a->body, a->body_len, "title");
		if (b->outcome == CONN_RETRY || b->outcome == CONN_MALFORMED)
			return 0; /* the same page is offered again */
		for (int i = 0; i < STREAMS; i++) {
			p->s[i].done = true;
			p->s[i].failed = true;
		}
		return 0;
	}
	j = cJSON_ParseWithLength(a->body, a->body_len);
	r = cJSON_IsObject(j) ? take_page(p, si, j, b) : -EBADMSG;
	/* Not found for the account itself comes as errors[] in a 200. */
	if (r == -EBADMSG && cJSON_IsArray(cJSON_GetObjectItemCaseSensitive(j, "errors"))) {
		conn_batch_clear(b);
		b->outcome = CONN_GONE;
		b->message = strdup("the account is not found");
		for (int i = 0; i < STREAMS; i++) {
			p->s[i].done = true;
			p->s[i].failed = true;
		}
		cJSON_Delete(j);
		return 0;
	}
	cJSON_Delete(j);
	if (r == -EBADMSG) {
		conn_malformed(b);
		return 0;
	}
	if (r < 0)
		return r;
	/* A finished stream's newest id is safe; the other stream keeps its
	 * old one until it finishes too. */
	if (p->s[si].done && !p->s[si].failed) {
		struct stream *s = &p->s[si];
		if (s->newest && (!s->since || conn_id_cmp(s->newest, s->since) > 0)) {
			if (conn_set(&s->since, s->newest) < 0)
				return -ENOMEM;
			free(s->newest);
			s->newest = NULL;
			return cursor_text(p, &b->cursor);
		}
	}
	return 0;
}

static int x_action_request(const struct conn_account *acc, enum conn_action act,
                            const char *platform_id, const char *kind, const char *author_id,
                            struct conn_request *ret)
{
	struct strbuf url = { 0 };

	/* Hiding is all X allows on another's post, and only on replies in
	 * the account's own conversations (X refuses the rest: 403). */
	if (act != CONN_ACT_HIDE && act != CONN_ACT_UNHIDE)
		return -EOPNOTSUPP;
	if (!conn_id_ok(platform_id, 20))
		return -EINVAL;
	if (strbuf_addf(&url, "%s/2/tweets/%s/hidden", acc->base_url, platform_id) < 0)
		return -ENOMEM;
	memset(ret, 0, sizeof(*ret));
	snprintf(ret->method, sizeof(ret->method), "PUT");
	ret->url = url.buf;
	ret->body = strdup(act == CONN_ACT_HIDE ? "{\"hidden\":true}" : "{\"hidden\":false}");
	if (!ret->body) {
		conn_request_clear(ret);
		return -ENOMEM;
	}
	ret->body_len = strlen(ret->body);
	snprintf(ret->content_type, sizeof(ret->content_type), "application/json");
	return 0;
}

static enum conn_outcome x_action_answer(const struct conn_answer *a, struct conn_rate *rate,
                                         char **ret_message)
{
	enum conn_outcome o = status_outcome(a->status);
	cJSON *j;

	read_rate(a, rate);
	if (o == CONN_PERMISSION) {
		/* A plain "client-forbidden" is a reply outside the account's
		 * own conversations: not allowed there, the token is fine.  One
		 * with a reason (client-not-enrolled: a missing scope) or an
		 * app-only token ("unsupported-authentication") stays a
		 * permission problem. */
		j = cJSON_ParseWithLength(a->body, a->body_len);
		const char *type = conn_json_str(j, "type");
		if (type && strstr(type, "/client-forbidden") && !conn_json_str(j, "reason"))
			o = CONN_NOT_ALLOWED;
		cJSON_Delete(j);
	}
	if (o != CONN_OK && ret_message)
		*ret_message = conn_status_message(a->status, a->body, a->body_len, "title");
	return o;
}

const struct connector connector_x = {
	.platform = "x",
	.default_url = "https://api.x.com",
	.actions = (1u << CONN_ACT_HIDE) | (1u << CONN_ACT_UNHIDE),
	.max_concurrency = STREAMS,
	.poll_new = x_poll_new,
	.poll_next = x_poll_next,
	.poll_answer = x_poll_answer,
	.poll_done = x_poll_done,
	.poll_free = x_poll_free,
	.action_request = x_action_request,
	.action_answer = x_action_answer,
	.authorize = NULL,
};
