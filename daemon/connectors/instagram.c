/* Instagram professional accounts over the Graph API: the account's media
 * with their comments and replies; hide/unhide and delete.
 *
 * A poll (the machinery is graph-poll.c's, as for Facebook):
 *  1. /{ig-user}/media newest first, each media with its newest 50
 *     top-level comments and their replies embedded
 *     (comments.limit(50){…,replies{…}}), paged by the `after` cursor
 *     until the media reach back past the high-water mark (less the
 *     overlap; on the first poll the backfill horizon);
 *  2. the cursor's active media the list did not bring, 25 a request with
 *     ?ids=, with the same embedded comments;
 *  3. /{media}/comments pages (cursor `after`) while the comments are
 *     newer than the comment watermark (for media new to the cursor: the
 *     horizon), and /{comment}/replies pages when a comment's replies
 *     have more than one page.
 * The cursor is graph.h's.  What is not seen: docs/connectors.md. */
#include "connectors/instagram.h"

#include <errno.h>
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "connectors/conn-util.h"
#include "util/clock.h"
#include "util/strbuf.h"

#define IG_MEDIA_LIMIT 25
#define IG_COMMENTS_LIMIT 50

#define IG_COMMENT_FIELDS "id,text,timestamp,username,from{id,username},user{id},hidden,parent_id"
#define IG_COMMENTS_WITH_REPLIES IG_COMMENT_FIELDS ",replies{" IG_COMMENT_FIELDS "}"
#define IG_MEDIA_FIELDS                                                                            \
	"id,caption,timestamp,permalink,media_type,comments_count,comments.limit(50)"              \
	"{" IG_COMMENTS_WITH_REPLIES "}"

static int64_t usec_to_s(int64_t us)
{
	return us / 1000000;
}

static char *dup_or_null(const char *s)
{
	return s ? strdup(s) : NULL;
}

static void drop_last(struct conn_batch *b)
{
	struct conn_item *it = &b->items[--b->n_items];
	free(it->platform_id);
	free(it->parent_platform_id);
	free(it->author_id);
	free(it->author_name);
	free(it->text);
	free(it->permalink);
	free(it->raw_json);
}

/* One comment without its replies.  1, 0 or -ENOMEM. */
static int one_comment(const cJSON *c, const char *ig_user, const char *media_id,
                       const char *parent_id, struct graph_idset *seen, struct conn_batch *b,
                       int64_t *ret_created)
{
	const char *id = graph_str(c, "id");
	int64_t created;
	if (!id || graph_time(graph_str(c, "timestamp"), &created) < 0)
		return 0;
	if (seen) {
		int r = graph_idset_add(seen, id);
		if (r <= 0)
			return r;
	}
	const cJSON *from = cJSON_GetObjectItemCaseSensitive(c, "from");
	const cJSON *user = cJSON_GetObjectItemCaseSensitive(c, "user");
	const char *author = graph_str(from, "id");
	const char *name = graph_str(from, "username");
	const char *pid = graph_str(c, "parent_id");
	const char *media = graph_str(cJSON_GetObjectItemCaseSensitive(c, "media"), "id");
	const char *text = graph_str(c, "text");
	if (!author)
		author = graph_str(user, "id"); /* only on the account's own comments */
	if (!name)
		name = graph_str(c, "username");
	if (!parent_id && pid && (!media_id || strcmp(pid, media_id) != 0))
		parent_id = pid;
	if (!media_id)
		media_id = media;

	struct conn_item *it = conn_batch_add(b);
	if (!it)
		return -ENOMEM;
	it->kind = parent_id ? "reply" : "comment";
	it->platform_id = strdup(id);
	it->parent_platform_id = dup_or_null(parent_id ? parent_id : media_id);
	it->author_id = dup_or_null(author);
	it->author_name = dup_or_null(name);
	/* Never from a missing author: only an id equal to the account's. */
	it->is_own = author && ig_user && strcmp(author, ig_user) == 0;
	it->text = strdup(text ? text : "");
	it->published_at = created;
	if (cJSON_IsTrue(cJSON_GetObjectItemCaseSensitive(c, "hidden")))
		it->platform_state = "hidden";
	/* the item's own JSON, without its replies */
	cJSON *copy = cJSON_Duplicate(c, true);
	if (copy) {
		cJSON_DeleteItemFromObjectCaseSensitive(copy, "replies");
		it->raw_json = cJSON_PrintUnformatted(copy);
		cJSON_Delete(copy);
	}
	if (!it->platform_id || !it->text || !it->raw_json ||
	    ((parent_id || media_id) && !it->parent_platform_id)) {
		drop_last(b);
		return -ENOMEM;
	}
	if (ret_created)
		*ret_created = created;
	return 1;
}

int ig_comment_item(const cJSON *c, const char *ig_user, const char *media_id,
                    const char *parent_id, struct graph_idset *seen, struct conn_batch *b,
                    int64_t *ret_created)
{
	int64_t newest = 0, t = 0;
	int n = 0;
	int r = one_comment(c, ig_user, media_id, parent_id, seen, b, &t);
	if (r < 0)
		return r;
	n += r;
	if (r)
		newest = t;
	const char *id = graph_str(c, "id");
	const cJSON *reply;
	cJSON_ArrayForEach(reply, cJSON_GetObjectItemCaseSensitive(
	                                  cJSON_GetObjectItemCaseSensitive(c, "replies"), "data")) {
		if (!id)
			break;
		if ((r = one_comment(reply, ig_user, media_id, id, seen, b, &t)) < 0)
			return r;
		n += r;
		if (r && t > newest)
			newest = t;
	}
	if (ret_created && n)
		*ret_created = newest;
	return n;
}

int ig_media_item(const cJSON *m, const char *ig_user, struct graph_idset *seen,
                  struct conn_batch *b)
{
	const char *id = graph_str(m, "id");
	int64_t created;
	if (!id || graph_time(graph_str(m, "timestamp"), &created) < 0)
		return 0;
	if (seen) {
		int r = graph_idset_add(seen, id);
		if (r <= 0)
			return r;
	}
	struct conn_item *it = conn_batch_add(b);
	if (!it)
		return -ENOMEM;
	const char *caption = graph_str(m, "caption");
	it->kind = "post";
	it->platform_id = strdup(id);
	/* /{ig-user}/media lists the account's own media only */
	it->author_id = dup_or_null(ig_user);
	it->is_own = ig_user != NULL;
	it->text = strdup(caption ? caption : "");
	it->permalink = dup_or_null(graph_str(m, "permalink"));
	it->published_at = created;
	cJSON *copy = cJSON_Duplicate(m, true);
	if (copy) {
		cJSON_DeleteItemFromObjectCaseSensitive(copy, "comments");
		it->raw_json = cJSON_PrintUnformatted(copy);
		cJSON_Delete(copy);
	}
	if (!it->platform_id || !it->text || !it->raw_json || (ig_user && !it->author_id)) {
		drop_last(b);
		return -ENOMEM;
	}
	return 1;
}

int ig_webhook_items(const char *body, size_t len, const char *ig_user, struct conn_batch *b)
{
	cJSON *root = cJSON_ParseWithLength(body, len);
	const char *obj = graph_str(root, "object");
	int r = -EINVAL;
	if (!obj || strcmp(obj, "instagram") != 0)
		goto out;
	const cJSON *entry, *ch;
	r = 0;
	cJSON_ArrayForEach(entry, cJSON_GetObjectItemCaseSensitive(root, "entry")) {
		const cJSON *time = cJSON_GetObjectItemCaseSensitive(entry, "time");
		cJSON_ArrayForEach(ch, cJSON_GetObjectItemCaseSensitive(entry, "changes")) {
			const char *field = graph_str(ch, "field");
			cJSON *v = cJSON_GetObjectItemCaseSensitive(ch, "value");
			if (!field ||
			    (strcmp(field, "comments") != 0 && strcmp(field, "live_comments") != 0))
				continue;
			int64_t secs;
			if (!cJSON_IsObject(v) ||
			    conn_json_int(time, 0, CONN_EPOCH_S_MAX, &secs) < 0)
				continue;
			/* the delivery has no timestamp of its own: the entry's
			 * time stands for it */
			char ts[40];
			clock_format_utc(secs * 1000000, ts, sizeof(ts));
			cJSON *c = cJSON_Duplicate(v, true);
			if (!c || !cJSON_AddStringToObject(c, "timestamp", ts)) {
				cJSON_Delete(c);
				r = -ENOMEM;
				goto out;
			}
			r = one_comment(c, ig_user, NULL, NULL, NULL, b, NULL);
			cJSON_Delete(c);
			if (r < 0)
				goto out;
			r = 0;
		}
	}
out:
	cJSON_Delete(root);
	return r;
}

/* ---------------------------------------------------------------- the poll */

enum ig_rq_type { RQ_MEDIA, RQ_IDS, RQ_COMMENTS, RQ_REPLIES };

struct conn_poll {
	struct graph_poll g;
};

static int queue_media(struct graph_poll *p, const char *after)
{
	struct strbuf sb = { 0 };
	char path[512];
	snprintf(path, sizeof(path), "%s/media", p->acc.external_id);
	if (strbuf_addf(&sb, "&limit=%d&since=%" PRId64, IG_MEDIA_LIMIT, p->since_s) < 0 ||
	    (after && (strbuf_adds(&sb, "&after=") < 0 || graph_urlenc(&sb, after) < 0))) {
		strbuf_free(&sb);
		return -ENOMEM;
	}
	struct graph_rq *r = graph_rq_add(p, RQ_MEDIA, graph_url(p, path, IG_MEDIA_FIELDS, sb.buf));
	strbuf_free(&sb);
	return r ? 0 : -ENOMEM;
}

/* A page of a media's comments or of a comment's replies. */
static int queue_page(struct graph_poll *p, int type, const char *obj_id, const char *after,
                      int64_t stop)
{
	struct strbuf sb = { 0 };
	char path[512];
	snprintf(path, sizeof(path), "%s/%s", obj_id, type == RQ_COMMENTS ? "comments" : "replies");
	if (strbuf_addf(&sb, "&limit=%d&after=", IG_COMMENTS_LIMIT) < 0 ||
	    graph_urlenc(&sb, after) < 0) {
		strbuf_free(&sb);
		return -ENOMEM;
	}
	struct graph_rq *r = graph_rq_add(p, type,
	                                  graph_url(p, path,
	                                            type == RQ_COMMENTS ? IG_COMMENTS_WITH_REPLIES
	                                                                : IG_COMMENT_FIELDS,
	                                            sb.buf));
	strbuf_free(&sb);
	if (!r)
		return -ENOMEM;
	r->stop = stop;
	r->obj_id = strdup(obj_id);
	return r->obj_id ? 0 : -ENOMEM;
}

/* A page of comments (embedded or not) of media media_id: items, the
 * replies' further pages, the next page while newer than stop.
 * *ret_newest: epoch µs. */
static int comments_page(struct graph_poll *p, const cJSON *page, const char *media_id,
                         int64_t stop, struct conn_batch *b, int64_t *ret_newest)
{
	const cJSON *c;
	int64_t oldest = INT64_MAX, newest = 0, t;
	size_t n = 0;
	cJSON_ArrayForEach(c, cJSON_GetObjectItemCaseSensitive(page, "data")) {
		if (graph_time(graph_str(c, "timestamp"), &t) == 0) {
			n++;
			oldest = t < oldest ? t : oldest;
		}
		int64_t nt = 0;
		if (ig_comment_item(c, p->acc.external_id, media_id, NULL, &p->seen, b, &nt) < 0)
			return -ENOMEM;
		newest = nt > newest ? nt : newest;
		/* replies beyond their first page */
		const cJSON *rp = cJSON_GetObjectItemCaseSensitive(
		        cJSON_GetObjectItemCaseSensitive(c, "replies"), "paging");
		const char *rafter =
		        graph_str(cJSON_GetObjectItemCaseSensitive(rp, "cursors"), "after");
		const char *cid = graph_str(c, "id");
		if (cid && graph_str(rp, "next") && rafter &&
		    queue_page(p, RQ_REPLIES, cid, rafter, 0) < 0)
			return -ENOMEM;
	}
	if (usec_to_s(newest) > p->cw)
		p->cw = usec_to_s(newest);
	const cJSON *paging = cJSON_GetObjectItemCaseSensitive(page, "paging");
	const char *after = graph_str(cJSON_GetObjectItemCaseSensitive(paging, "cursors"), "after");
	if (n && graph_str(paging, "next") && after && usec_to_s(oldest) >= stop &&
	    queue_page(p, RQ_COMMENTS, media_id, after, stop) < 0)
		return -ENOMEM;
	*ret_newest = newest;
	return 0;
}

/* A media object and its embedded comments.  *ret_created: epoch µs. */
static int take_media(struct graph_poll *p, cJSON *m, struct conn_batch *b, int64_t *ret_created)
{
	const char *id = graph_str(m, "id");
	int64_t created = 0, newest = 0;
	if (!id)
		return 0;
	if (ig_media_item(m, p->acc.external_id, &p->seen, b) < 0)
		return -ENOMEM;
	graph_time(graph_str(m, "timestamp"), &created);
	struct graph_active *a = graph_active_touch(p, id, usec_to_s(created));
	if (!a)
		return -ENOMEM;
	/* media we knew: comments down to the watermark; new: to the horizon */
	int64_t stop = a->known ? p->stop_s : p->horizon_s;
	a->fetched = true;
	const cJSON *comments = cJSON_GetObjectItemCaseSensitive(m, "comments");
	if (comments && comments_page(p, comments, id, stop, b, &newest) < 0)
		return -ENOMEM;
	if (newest && !graph_active_touch(p, id, usec_to_s(newest)))
		return -ENOMEM;
	if (ret_created)
		*ret_created = created;
	return 0;
}

static int answer_media(struct graph_poll *p, cJSON *root, struct conn_batch *b)
{
	cJSON *m;
	int64_t oldest = INT64_MAX;
	size_t n = 0;
	cJSON_ArrayForEach(m, cJSON_GetObjectItemCaseSensitive(root, "data")) {
		int64_t created = 0;
		if (take_media(p, m, b, &created) < 0)
			return -ENOMEM;
		if (created) {
			n++;
			oldest = created < oldest ? created : oldest;
			if (usec_to_s(created) > p->hw)
				p->hw = usec_to_s(created);
		}
	}
	const cJSON *paging = cJSON_GetObjectItemCaseSensitive(root, "paging");
	const char *after = graph_str(cJSON_GetObjectItemCaseSensitive(paging, "cursors"), "after");
	if (n && graph_str(paging, "next") && after && usec_to_s(oldest) >= p->since_s)
		return queue_media(p, after);
	return graph_queue_active(p);
}

static int answer_ids(struct graph_poll *p, cJSON *root, struct conn_batch *b)
{
	cJSON *m;
	cJSON_ArrayForEach(m, root) {
		if (cJSON_IsObject(m) && take_media(p, m, b, NULL) < 0)
			return -ENOMEM;
	}
	return 0;
}

static int answer_page(struct graph_poll *p, struct graph_rq *rq, cJSON *root, struct conn_batch *b)
{
	char *obj = rq->obj_id; /* rq may move when requests are added */
	int64_t stop = rq->stop, newest = 0;
	if (rq->type == RQ_COMMENTS) {
		if (comments_page(p, root, obj, stop, b, &newest) < 0)
			return -ENOMEM;
		if (newest && !graph_active_touch(p, obj, usec_to_s(newest)))
			return -ENOMEM;
		return 0;
	}
	/* replies of comment obj */
	const cJSON *c;
	cJSON_ArrayForEach(c, cJSON_GetObjectItemCaseSensitive(root, "data")) {
		int64_t t = 0;
		if (ig_comment_item(c, p->acc.external_id, NULL, obj, &p->seen, b, &t) < 0)
			return -ENOMEM;
		if (usec_to_s(t) > p->cw)
			p->cw = usec_to_s(t);
	}
	const cJSON *paging = cJSON_GetObjectItemCaseSensitive(root, "paging");
	const char *after = graph_str(cJSON_GetObjectItemCaseSensitive(paging, "cursors"), "after");
	if (graph_str(paging, "next") && after &&
	    cJSON_GetArraySize(cJSON_GetObjectItemCaseSensitive(root, "data")))
		return queue_page(p, RQ_REPLIES, obj, after, 0);
	return 0;
}

static void ig_poll_free(struct conn_poll *p)
{
	if (!p)
		return;
	graph_poll_clear(&p->g);
	free(p);
}

static int ig_poll_new(const struct conn_account *acc, struct conn_poll **ret)
{
	struct conn_poll *p = calloc(1, sizeof(*p));
	if (!p)
		return -ENOMEM;
	int r = graph_poll_init(&p->g, acc, RQ_IDS, IG_MEDIA_FIELDS);
	if (r == 0)
		r = queue_media(&p->g, NULL);
	if (r < 0) {
		ig_poll_free(p);
		return r;
	}
	*ret = p;
	return 0;
}

static int ig_poll_next(struct conn_poll *p, struct conn_request *ret)
{
	return graph_poll_next(&p->g, ret);
}

static bool ig_poll_done(const struct conn_poll *p)
{
	return graph_poll_done(&p->g);
}

static int ig_poll_answer(struct conn_poll *cp, const struct conn_request *req,
                          const struct conn_answer *a, struct conn_batch *b)
{
	struct graph_poll *p = &cp->g;
	if (req->tag >= p->n_rqs || p->rqs[req->tag].state != GRAPH_RQ_INFLIGHT)
		return -EINVAL;
	struct graph_rq *rq = &p->rqs[req->tag];
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
		rq->state = GRAPH_RQ_DONE;
		if (rq->type == RQ_IDS) {
			r = graph_ids_gone(p, rq, &e, b);
		} else if (rq->type == RQ_COMMENTS || rq->type == RQ_REPLIES) {
			/* the media or comment went between two pages */
			r = conn_batch_gone(b, rq->obj_id);
			graph_active_remove(p, rq->obj_id);
		} else {
			p->fatal = true; /* the account itself */
			goto out;
		}
		b->outcome = CONN_OK; /* the poll goes on; b->gone says what went */
		goto finish;
	default:
		rq->state = GRAPH_RQ_DONE;
		p->fatal = true;
		goto out;
	}
	rq->state = GRAPH_RQ_DONE;
	switch (rq->type) {
	case RQ_MEDIA:
		r = answer_media(p, root, b);
		break;
	case RQ_IDS:
		r = answer_ids(p, root, b);
		break;
	default:
		r = answer_page(p, rq, root, b);
		break;
	}
finish:
	if (r == 0)
		r = graph_poll_finish(p, b);
out:
	cJSON_Delete(root);
	return r;
}

/* ---------------------------------------------------------------- actions */

static int ig_action_request(const struct conn_account *acc, enum conn_action act,
                             const char *platform_id, const char *kind, const char *author_id,
                             struct conn_request *ret)
{
	struct conn_request req = { 0 };
	struct strbuf sb = { 0 };
	/* Comments and replies only: media are the account's own. */
	if (strcmp(kind, "comment") != 0 && strcmp(kind, "reply") != 0)
		return -EOPNOTSUPP;
	if (act != CONN_ACT_HIDE && act != CONN_ACT_UNHIDE && act != CONN_ACT_DELETE)
		return -EOPNOTSUPP;
	if (strbuf_addf(&sb, "%s/", acc->base_url) < 0 || graph_urlenc(&sb, platform_id) < 0)
		goto nomem;
	if (act == CONN_ACT_DELETE) {
		strcpy(req.method, "DELETE");
	} else {
		strcpy(req.method, "POST");
		strcpy(req.content_type, "application/x-www-form-urlencoded");
		if (!(req.body = strdup(act == CONN_ACT_HIDE ? "hide=true" : "hide=false")))
			goto nomem;
		req.body_len = strlen(req.body);
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

const struct connector connector_instagram = {
	.platform = "instagram",
	.default_url = "https://graph.facebook.com/v22.0",
	.actions = 1u << CONN_ACT_HIDE | 1u << CONN_ACT_UNHIDE | 1u << CONN_ACT_DELETE,
	.max_concurrency = 4,
	.poll_new = ig_poll_new,
	.poll_next = ig_poll_next,
	.poll_answer = ig_poll_answer,
	.poll_done = ig_poll_done,
	.poll_free = ig_poll_free,
	.action_request = ig_action_request,
	.action_answer = graph_action_answer,
	.authorize = NULL,
};
