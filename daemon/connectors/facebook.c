/* Facebook Pages over the Graph API: the page's feed (its own and
 * visitors' posts) with every comment and reply, ratings while the API
 * version still has them, hide/unhide/delete.
 *
 * A poll, in as few requests as Graph allows:
 *  1. (only until the API said it has none) /{page}/ratings;
 *  2. /{page}/feed since the cursor's high-water mark (less an overlap;
 *     on the first poll since the backfill horizon), each post with its
 *     newest comments and replies embedded (comments.filter(stream)
 *     .order(reverse_chronological).summary(true)); the feed pages by
 *     time (until + __paging_token);
 *  3. the cursor's active posts the feed did not bring (older posts
 *     still being discussed), 25 a request through ?ids=, with the same
 *     embedded comments;
 *  4. for a post whose embedded comments have more pages than one, the
 *     /{post}/comments pages (cursor `after`) until the comments reach
 *     the cursor's comment watermark (less the overlap).
 * Every item is handed out once per poll; a page fetched twice in two
 * polls duplicates nothing in the store, which keys items by id.
 *
 * The cursor (our own JSON): {"v":1,"hw":newest post time,"cw":newest
 * comment time (epoch s, platform clock),"nr":true once ratings are known
 * gone,"a":[[post id, last activity]…]} with at most 100 active posts:
 * those created or commented on within the backfill horizon.  A post
 * silent for longer than the horizon leaves the list, and a comment on
 * it later is not seen (docs/connectors.md). */
#include "connectors/facebook.h"

#include "connectors/conn-util.h"

#include <errno.h>
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "util/strbuf.h"

#define FB_FEED_LIMIT 25 /* posts a feed page (25 comments embedded in each) */
#define FB_COMMENTS_LIMIT 100

#define FB_COMMENT_FIELDS                                                                          \
	"id,message,created_time,from{id,name},parent{id},is_hidden,can_hide,can_remove,"          \
	"permalink_url"
#define FB_POST_FIELDS                                                                             \
	"id,message,created_time,updated_time,permalink_url,is_hidden,from{id,name},"              \
	"comments.filter(stream).order(reverse_chronological).limit(25).summary(true)"             \
	"{" FB_COMMENT_FIELDS "}"
#define FB_RATING_FIELDS                                                                           \
	"created_time,has_rating,has_review,rating,recommendation_type,review_text,reviewer{id,"   \
	"name},open_graph_story{id}"

/* ---------------------------------------------------------------- items */

static char *dup_or_null(const char *s)
{
	return s ? strdup(s) : NULL;
}

static int64_t usec_to_s(int64_t us)
{
	return us / 1000000;
}

/* The part after "_" of a Graph id ("<page>_<post>" → "<post>"). */
static const char *id_tail(const char *id)
{
	const char *u = strrchr(id, '_');
	return u ? u + 1 : id;
}

/* "…/posts/<num>/…" or "…/posts/<num>?…" in a permalink, malloc'ed. */
static char *permalink_post(const char *url)
{
	const char *p = url ? strstr(url, "/posts/") : NULL;
	if (!p)
		return NULL;
	p += 7;
	size_t n = strcspn(p, "/?&#");
	return n ? strndup(p, n) : NULL;
}

/* Fill the strings every item has.  0 or -ENOMEM. */
static int item_common(struct conn_item *it, const cJSON *obj, const char *page_id,
                       const char *text_key)
{
	const cJSON *from = cJSON_GetObjectItemCaseSensitive(obj, "from");
	const char *fid = graph_str(from, "id");
	const char *text = graph_str(obj, text_key);
	it->author_id = dup_or_null(fid);
	it->author_name = dup_or_null(graph_str(from, "name"));
	/* A missing from is never the page: Graph withholds users' from
	 * without a Page token, and keeps it on the page's own items. */
	it->is_own = fid && page_id && strcmp(fid, page_id) == 0;
	it->text = strdup(text ? text : "");
	it->raw_json = cJSON_PrintUnformatted(obj);
	if (cJSON_IsTrue(cJSON_GetObjectItemCaseSensitive(obj, "is_hidden")))
		it->platform_state = "hidden";
	if ((fid && !it->author_id) || !it->text || !it->raw_json)
		return -ENOMEM;
	return 0;
}

static void drop_last(struct conn_batch *b)
{
	/* conn_batch_clear frees per item; undo one half-filled item. */
	struct conn_item *it = &b->items[--b->n_items];
	free(it->platform_id);
	free(it->parent_platform_id);
	free(it->author_id);
	free(it->author_name);
	free(it->text);
	free(it->permalink);
	free(it->raw_json);
}

int fb_comment_item(const cJSON *c, const char *page_id, const char *post_id,
                    struct graph_idset *seen, struct conn_batch *b, int64_t *ret_created)
{
	const char *permalink = graph_str(c, "permalink_url");
	const char *parent = graph_str(cJSON_GetObjectItemCaseSensitive(c, "parent"), "id");
	char *cid = graph_query_param(permalink, "comment_id");
	char *rid = graph_query_param(permalink, "reply_comment_id");
	char *postnum = post_id ? strdup(id_tail(post_id)) : permalink_post(permalink);
	char *id = dup_or_null(graph_str(c, "id")), *parent_id = NULL;
	const char *kind = "comment";
	int64_t created;
	int r = -ENOMEM;

	if ((post_id && !postnum) || (graph_str(c, "id") && !id))
		goto out;
	/* Comment ids are "<post>_<comment>": rebuild one from the permalink
	 * when the id was not sent (sanitised recordings, missing field). */
	if (!id && postnum && (rid || cid) &&
	    asprintf(&id, "%s_%s", postnum, rid ? rid : cid) < 0) {
		id = NULL;
		goto out;
	}
	if (parent && (!post_id || strcmp(parent, post_id) != 0)) {
		kind = "reply";
		if (!(parent_id = strdup(parent)))
			goto out;
	} else if (rid && cid && postnum) {
		/* a reply shows itself only in its permalink when parent{id}
		 * was not asked for */
		kind = "reply";
		if (asprintf(&parent_id, "%s_%s", postnum, cid) < 0) {
			parent_id = NULL;
			goto out;
		}
	} else if (post_id && !(parent_id = strdup(post_id))) {
		goto out;
	}
	r = 0;
	if (!id || graph_time(graph_str(c, "created_time"), &created) < 0)
		goto out; /* unusable: skipped */
	if (seen) {
		r = graph_idset_add(seen, id);
		if (r <= 0)
			goto out;
	}
	struct conn_item *it = conn_batch_add(b);
	r = -ENOMEM;
	if (!it)
		goto out;
	it->kind = kind;
	it->platform_id = id;
	it->parent_platform_id = parent_id;
	id = parent_id = NULL;
	it->published_at = created;
	it->permalink = dup_or_null(permalink);
	if (item_common(it, c, page_id, "message") < 0 || (permalink && !it->permalink)) {
		drop_last(b);
		goto out;
	}
	if (ret_created)
		*ret_created = created;
	r = 1;
out:
	free(cid);
	free(rid);
	free(postnum);
	free(id);
	free(parent_id);
	return r;
}

int fb_post_item(const cJSON *post, const char *page_id, struct graph_idset *seen,
                 struct conn_batch *b, int64_t *ret_created)
{
	const char *id = graph_str(post, "id");
	int64_t created;
	if (!id || graph_time(graph_str(post, "created_time"), &created) < 0)
		return 0;
	if (seen) {
		int r = graph_idset_add(seen, id);
		if (r <= 0)
			return r;
	}
	struct conn_item *it = conn_batch_add(b);
	if (!it)
		return -ENOMEM;
	it->kind = "post";
	it->platform_id = strdup(id);
	it->published_at = created;
	it->permalink = dup_or_null(graph_str(post, "permalink_url"));
	if (!it->platform_id || item_common(it, post, page_id, "message") < 0) {
		drop_last(b);
		return -ENOMEM;
	}
	if (ret_created)
		*ret_created = created;
	return 1;
}

int fb_rating_item(const cJSON *r, struct graph_idset *seen, struct conn_batch *b)
{
	const char *id = graph_str(cJSON_GetObjectItemCaseSensitive(r, "open_graph_story"), "id");
	int64_t created;
	if (!id || graph_time(graph_str(r, "created_time"), &created) < 0)
		return 0;
	if (seen) {
		int a = graph_idset_add(seen, id);
		if (a <= 0)
			return a;
	}
	struct conn_item *it = conn_batch_add(b);
	if (!it)
		return -ENOMEM;
	const cJSON *who = cJSON_GetObjectItemCaseSensitive(r, "reviewer");
	it->kind = "review";
	it->platform_id = strdup(id);
	it->published_at = created;
	it->author_id = dup_or_null(graph_str(who, "id"));
	it->author_name = dup_or_null(graph_str(who, "name"));
	const char *text = graph_str(r, "review_text");
	it->text = strdup(text ? text : "");
	it->raw_json = cJSON_PrintUnformatted(r);
	if (!it->platform_id || !it->text || !it->raw_json) {
		drop_last(b);
		return -ENOMEM;
	}
	return 1;
}

/* ---------------------------------------------------------------- webhooks */

static int webhook_change(const cJSON *v, const char *page_id, struct conn_batch *b)
{
	const char *item = graph_str(v, "item"), *verb = graph_str(v, "verb");
	const char *cid = graph_str(v, "comment_id"), *post = graph_str(v, "post_id");
	const char *parent = graph_str(v, "parent_id");
	if (!item || strcmp(item, "comment") != 0 || !verb || !cid)
		return 0;
	if (strcmp(verb, "remove") == 0)
		return conn_batch_gone(b, cid);
	const cJSON *t = cJSON_GetObjectItemCaseSensitive(v, "created_time");
	if (!cJSON_IsNumber(t))
		return 0;
	struct conn_item *it = conn_batch_add(b);
	if (!it)
		return -ENOMEM;
	const cJSON *from = cJSON_GetObjectItemCaseSensitive(v, "from");
	const cJSON *sender = cJSON_GetObjectItemCaseSensitive(v, "sender_id");
	char num[32] = "";
	const char *fid = graph_str(from, "id"), *fname = graph_str(from, "name");
	if (!from && cJSON_IsNumber(sender)) {
		/* before v2.11 the author came as sender_id, a JSON number */
		snprintf(num, sizeof(num), "%.0f", sender->valuedouble);
		fid = num;
		fname = graph_str(v, "sender_name");
	}
	const char *msg = graph_str(v, "message");
	bool reply = parent && post && strcmp(parent, post) != 0;
	it->kind = reply ? "reply" : "comment";
	it->platform_id = strdup(cid);
	it->parent_platform_id = dup_or_null(parent ? parent : post);
	it->author_id = dup_or_null(fid);
	it->author_name = dup_or_null(fname);
	it->is_own = fid && page_id && strcmp(fid, page_id) == 0;
	it->text = strdup(msg ? msg : "");
	int64_t secs = 0;
	(void)conn_json_int(t, 0, CONN_EPOCH_S_MAX, &secs);
	it->published_at = secs * 1000000;
	if (strcmp(verb, "hide") == 0)
		it->platform_state = "hidden";
	it->raw_json = cJSON_PrintUnformatted(v);
	if (!it->platform_id || !it->text || !it->raw_json) {
		drop_last(b);
		return -ENOMEM;
	}
	return 0;
}

int fb_webhook_items(const char *body, size_t len, const char *page_id, struct conn_batch *b)
{
	cJSON *root = cJSON_ParseWithLength(body, len);
	const char *obj = graph_str(root, "object");
	int r = -EINVAL;
	if (!obj || strcmp(obj, "page") != 0)
		goto out;
	const cJSON *entry, *ch;
	r = 0;
	cJSON_ArrayForEach(entry, cJSON_GetObjectItemCaseSensitive(root, "entry")) {
		cJSON_ArrayForEach(ch, cJSON_GetObjectItemCaseSensitive(entry, "changes")) {
			const char *field = graph_str(ch, "field");
			if (!field || (strcmp(field, "feed") != 0 && strcmp(field, "mention") != 0))
				continue;
			r = webhook_change(cJSON_GetObjectItemCaseSensitive(ch, "value"), page_id,
			                   b);
			if (r < 0)
				goto out;
		}
	}
out:
	cJSON_Delete(root);
	return r;
}

/* ---------------------------------------------------------------- the poll */

enum fb_rq_type { RQ_RATINGS, RQ_FEED, RQ_IDS, RQ_COMMENTS };

struct conn_poll {
	struct graph_poll g;
};

static int queue_feed(struct graph_poll *p, const char *until, const char *token)
{
	struct strbuf sb = { 0 };
	char path[512];
	if (strbuf_addf(&sb, "&limit=%d&since=%" PRId64, FB_FEED_LIMIT, p->since_s) < 0 ||
	    (until && strbuf_addf(&sb, "&until=%s", until) < 0) ||
	    (token && strbuf_addf(&sb, "&__paging_token=%s", token) < 0)) {
		strbuf_free(&sb);
		return -ENOMEM;
	}
	snprintf(path, sizeof(path), "%s/feed", p->acc.external_id);
	struct graph_rq *r = graph_rq_add(p, RQ_FEED, graph_url(p, path, FB_POST_FIELDS, sb.buf));
	strbuf_free(&sb);
	return r ? 0 : -ENOMEM;
}

static int queue_ratings(struct graph_poll *p)
{
	char path[512], extra[64];
	snprintf(path, sizeof(path), "%s/ratings", p->acc.external_id);
	snprintf(extra, sizeof(extra), "&limit=%d", FB_COMMENTS_LIMIT);
	return graph_rq_add(p, RQ_RATINGS, graph_url(p, path, FB_RATING_FIELDS, extra)) ? 0
	                                                                                : -ENOMEM;
}

static int queue_comments(struct graph_poll *p, const char *post_id, const char *after,
                          int64_t stop)
{
	struct strbuf sb = { 0 };
	char path[512];
	snprintf(path, sizeof(path), "%s/comments", post_id);
	if (strbuf_addf(&sb, "&filter=stream&order=reverse_chronological&limit=%d&after=",
	                FB_COMMENTS_LIMIT) < 0 ||
	    graph_urlenc(&sb, after) < 0) {
		strbuf_free(&sb);
		return -ENOMEM;
	}
	struct graph_rq *r =
	        graph_rq_add(p, RQ_COMMENTS, graph_url(p, path, FB_COMMENT_FIELDS, sb.buf));
	strbuf_free(&sb);
	if (!r)
		return -ENOMEM;
	r->stop = stop;
	r->obj_id = strdup(post_id);
	return r->obj_id ? 0 : -ENOMEM;
}

/* A post and its embedded comments. */
static int take_post(struct graph_poll *p, cJSON *post, struct conn_batch *b, int64_t *ret_created)
{
	const char *id = graph_str(post, "id");
	if (!id)
		return 0;
	cJSON *comments = cJSON_DetachItemFromObjectCaseSensitive(post, "comments");
	int64_t created = 0, newest = 0, oldest = INT64_MAX, t;
	int r = fb_post_item(post, p->acc.external_id, &p->seen, b, &created);
	if (r < 0)
		goto out;
	if (r == 0 && graph_time(graph_str(post, "created_time"), &created) < 0)
		created = 0; /* its comments still count */
	size_t n = 0;
	const cJSON *c;
	cJSON_ArrayForEach(c, cJSON_GetObjectItemCaseSensitive(comments, "data")) {
		if (graph_time(graph_str(c, "created_time"), &t) == 0) {
			n++;
			newest = t > newest ? t : newest;
			oldest = t < oldest ? t : oldest;
			if (usec_to_s(t) > p->cw)
				p->cw = usec_to_s(t);
		}
		if ((r = fb_comment_item(c, p->acc.external_id, id, &p->seen, b, NULL)) < 0)
			goto out;
	}
	int64_t updated = 0;
	graph_time(graph_str(post, "updated_time"), &updated);
	int64_t act = usec_to_s(created);
	if (usec_to_s(newest) > act)
		act = usec_to_s(newest);
	if (usec_to_s(updated) > act)
		act = usec_to_s(updated);
	struct graph_active *a = graph_active_touch(p, id, act);
	r = -ENOMEM;
	if (!a)
		goto out;
	/* A post we knew: its comments down to the watermark; a new one: all
	 * of them down to the horizon. */
	int64_t stop = a->known ? p->stop_s : p->horizon_s;
	a->fetched = true;
	const cJSON *paging = cJSON_GetObjectItemCaseSensitive(comments, "paging");
	const char *after = graph_str(cJSON_GetObjectItemCaseSensitive(paging, "cursors"), "after");
	if (n && graph_str(paging, "next") && after && usec_to_s(oldest) >= stop &&
	    queue_comments(p, id, after, stop) < 0)
		goto out;
	if (ret_created)
		*ret_created = act > usec_to_s(created) ? act * 1000000 : created;
	r = 0;
out:
	cJSON_Delete(comments);
	return r;
}

static int answer_feed(struct graph_poll *p, cJSON *root, struct conn_batch *b)
{
	cJSON *post;
	int64_t oldest = INT64_MAX;
	size_t n = 0;
	cJSON_ArrayForEach(post, cJSON_GetObjectItemCaseSensitive(root, "data")) {
		int64_t created = 0, t = 0;
		if (take_post(p, post, b, &t) < 0)
			return -ENOMEM;
		graph_time(graph_str(post, "created_time"), &created);
		if (t) {
			/* paging stops on the post's latest activity: Graph has
			 * been seen to apply since/until to updated_time */
			n++;
			oldest = t < oldest ? t : oldest;
		}
		if (usec_to_s(created) > p->hw)
			p->hw = usec_to_s(created);
	}
	/* Time-based paging: the next link carries until and a paging token
	 * (and an empty since, so following it verbatim would run past the
	 * horizon); we keep our own since. */
	const char *next = graph_str(cJSON_GetObjectItemCaseSensitive(root, "paging"), "next");
	char *until = graph_query_param(next, "until");
	char *token = graph_query_param(next, "__paging_token");
	int r = 0;
	/* They go into our URL as they are: digits, and a token in the
	 * URL-safe alphabet, nothing else. */
	if (until && strspn(until, "0123456789") != strlen(until))
		free(until), until = NULL;
	if (token && strspn(token, "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz"
	                           "0123456789%-._~") != strlen(token))
		free(token), token = NULL;
	if (n && until && usec_to_s(oldest) >= p->since_s)
		r = queue_feed(p, until, token);
	else
		r = graph_queue_active(p);
	free(until);
	free(token);
	return r;
}

static int answer_ids(struct graph_poll *p, cJSON *root, struct conn_batch *b)
{
	cJSON *post;
	cJSON_ArrayForEach(post, root) {
		if (cJSON_IsObject(post) && take_post(p, post, b, NULL) < 0)
			return -ENOMEM;
	}
	return 0;
}

static int answer_comments(struct graph_poll *p, struct graph_rq *rq, cJSON *root,
                           struct conn_batch *b)
{
	const cJSON *c;
	int64_t oldest = INT64_MAX, newest = 0, t;
	size_t n = 0;
	char *post_id = rq->obj_id; /* rq may move when requests are added */
	int64_t stop = rq->stop;
	cJSON_ArrayForEach(c, cJSON_GetObjectItemCaseSensitive(root, "data")) {
		if (graph_time(graph_str(c, "created_time"), &t) == 0) {
			n++;
			oldest = t < oldest ? t : oldest;
			newest = t > newest ? t : newest;
			if (usec_to_s(t) > p->cw)
				p->cw = usec_to_s(t);
		}
		if (fb_comment_item(c, p->acc.external_id, post_id, &p->seen, b, NULL) < 0)
			return -ENOMEM;
	}
	if (n && !graph_active_touch(p, post_id, usec_to_s(newest)))
		return -ENOMEM;
	const cJSON *paging = cJSON_GetObjectItemCaseSensitive(root, "paging");
	const char *after = graph_str(cJSON_GetObjectItemCaseSensitive(paging, "cursors"), "after");
	if (n && graph_str(paging, "next") && after && usec_to_s(oldest) >= stop)
		return queue_comments(p, post_id, after, stop);
	return 0;
}

static int answer_ratings(struct graph_poll *p, cJSON *root, struct conn_batch *b)
{
	const cJSON *r;
	cJSON_ArrayForEach(r, cJSON_GetObjectItemCaseSensitive(root, "data")) {
		if (fb_rating_item(r, &p->seen, b) < 0)
			return -ENOMEM;
	}
	return queue_feed(p, NULL, NULL);
}

static void fb_poll_free(struct conn_poll *p)
{
	if (!p)
		return;
	graph_poll_clear(&p->g);
	free(p);
}

static int fb_poll_new(const struct conn_account *acc, struct conn_poll **ret)
{
	struct conn_poll *p = calloc(1, sizeof(*p));
	if (!p)
		return -ENOMEM;
	int r = graph_poll_init(&p->g, acc, RQ_IDS, FB_POST_FIELDS);
	if (r == 0)
		r = p->g.ratings_off ? queue_feed(&p->g, NULL, NULL) : queue_ratings(&p->g);
	if (r < 0) {
		fb_poll_free(p);
		return r;
	}
	*ret = p;
	return 0;
}

static int fb_poll_next(struct conn_poll *p, struct conn_request *ret)
{
	return graph_poll_next(&p->g, ret);
}

static bool fb_poll_done(const struct conn_poll *p)
{
	return graph_poll_done(&p->g);
}

static int fb_poll_answer(struct conn_poll *cp, const struct conn_request *req,
                          const struct conn_answer *a, struct conn_batch *b)
{
	struct graph_poll *p = &cp->g;
	if (req->tag >= p->n_rqs || p->rqs[req->tag].state != GRAPH_RQ_INFLIGHT)
		return -EINVAL;
	size_t idx = req->tag;
	struct graph_rq *rq = &p->rqs[idx];
	struct graph_error e;
	cJSON *root = NULL;
	int r = graph_check(a, b, &root, &e);
	if (r < 0)
		goto out;
	switch (b->outcome) {
	case CONN_OK:
		break;
	case CONN_RETRY:
	case CONN_MALFORMED:
		rq->state = GRAPH_RQ_PENDING; /* offered again by poll_next */
		goto out;
	case CONN_GONE:
		if (rq->type == RQ_IDS) {
			rq->state = GRAPH_RQ_DONE;
			r = graph_ids_gone(p, rq, &e, b);
			b->outcome = CONN_OK; /* the poll goes on; b->gone says what went */
			goto finish;
		}
		if (rq->type == RQ_COMMENTS) {
			rq->state = GRAPH_RQ_DONE;
			if ((r = conn_batch_gone(b, rq->obj_id)) < 0)
				goto out;
			graph_active_remove(p, rq->obj_id);
			b->outcome = CONN_OK;
			goto finish;
		}
		goto fatal;
	default:
		if (rq->type == RQ_RATINGS && b->outcome != CONN_TOKEN) {
			/* error 12 from v22.0 (or no permission for them): say so
			 * once, never ask again, and go on with the feed */
			rq->state = GRAPH_RQ_DONE;
			p->ratings_off = true;
			free(b->message);
			b->message = strdup(
			        "Page ratings and reviews cannot be read with this Graph "
			        "version or token (Graph error 12 from v22.0); not asked again");
			b->outcome = CONN_NOT_ALLOWED;
			r = b->message ? queue_feed(p, NULL, NULL) : -ENOMEM;
			goto out;
		}
		goto fatal;
	}
	rq->state = GRAPH_RQ_DONE;
	switch (rq->type) {
	case RQ_RATINGS:
		r = answer_ratings(p, root, b);
		break;
	case RQ_FEED:
		r = answer_feed(p, root, b);
		break;
	case RQ_IDS:
		r = answer_ids(p, root, b);
		break;
	case RQ_COMMENTS:
		r = answer_comments(p, rq, root, b);
		break;
	}
finish:
	if (r == 0)
		r = graph_poll_finish(p, b);
	goto out;
fatal:
	rq->state = GRAPH_RQ_DONE;
	p->fatal = true;
out:
	cJSON_Delete(root);
	return r;
}

/* ---------------------------------------------------------------- actions */

static int fb_action_request(const struct conn_account *acc, enum conn_action act,
                             const char *platform_id, const char *kind, const char *author_id,
                             struct conn_request *ret)
{
	struct conn_request req = { 0 };
	struct strbuf sb = { 0 };
	/* Reviews cannot be hidden or deleted through the API; a Page
	 * cannot hide a post (only comments and replies). */
	if (strcmp(kind, "review") == 0)
		return -EOPNOTSUPP;
	if (strcmp(kind, "post") == 0 && act != CONN_ACT_DELETE)
		return -EOPNOTSUPP;
	if (strbuf_addf(&sb, "%s/", acc->base_url) < 0 || graph_urlenc(&sb, platform_id) < 0)
		goto nomem;
	switch (act) {
	case CONN_ACT_HIDE:
	case CONN_ACT_UNHIDE:
		strcpy(req.method, "POST");
		strcpy(req.content_type, "application/x-www-form-urlencoded");
		req.body = strdup(act == CONN_ACT_HIDE ? "is_hidden=true" : "is_hidden=false");
		if (!req.body)
			goto nomem;
		req.body_len = strlen(req.body);
		break;
	case CONN_ACT_DELETE:
		strcpy(req.method, "DELETE");
		break;
	default:
		strbuf_free(&sb);
		return -EOPNOTSUPP;
	}
	req.url = sb.buf;
	req.tag = (uint64_t)act;
	*ret = req;
	return 0;
nomem:
	strbuf_free(&sb);
	conn_request_clear(&req);
	return -ENOMEM;
}

const struct connector connector_facebook = {
	.platform = "facebook",
	.default_url = "https://graph.facebook.com/v22.0",
	.actions = 1u << CONN_ACT_HIDE | 1u << CONN_ACT_UNHIDE | 1u << CONN_ACT_DELETE,
	.max_concurrency = 4,
	.poll_new = fb_poll_new,
	.poll_next = fb_poll_next,
	.poll_answer = fb_poll_answer,
	.poll_done = fb_poll_done,
	.poll_free = fb_poll_free,
	.action_request = fb_action_request,
	.action_answer = graph_action_answer,
	.authorize = NULL,
};
