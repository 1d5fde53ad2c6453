/* The Mastodon connector on the recorded responses
 * (../shared/data/platform-fixtures/mastodon-*.json, read where they are:
 * their licence is not ours to copy) and on hand-made answers: items,
 * own replies, HTML to text, paging ids, cursors, status-only errors. */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "connectors/connector.h"
#include "connectors/html-text.h"
#include "conn-test.h"

#define ME "117020565693913441"

static const struct connector *c;

/* Start a poll and take its first request of stream `want` (0 mentions,
 * 1 own statuses). */
static struct conn_poll *start(const char *cursor, struct conn_request *req, int want)
{
	struct conn_account acc = {
		.id = "a", .external_id = ME, .base_url = "http://m.test", .cursor = cursor
	};
	struct conn_poll *p = NULL;
	T_EQ_INT(0, c->poll_new(&acc, &p));
	for (int i = 0; i <= want; i++) {
		if (i)
			conn_request_clear(req);
		T_EQ_INT(1, c->poll_next(p, req));
	}
	return p;
}

static void answer(struct conn_poll *p, struct conn_request *req, long status, const char *body,
                   const struct conn_test_headers *h, struct conn_batch *b)
{
	conn_test_answer(c, p, req, status, body, h, b);
}

static void test_recorded_mentions(void)
{
	size_t len;
	char *body = conn_test_slurp("mastodon-notifications-mentions.json", &len);
	struct conn_test_headers h = {
		{ "Link", "X-RateLimit-Remaining", "X-RateLimit-Reset" },
		{ "<http://localhost:3000/api/v1/notifications?max_id=21>; rel=\"next\"", "299",
		  "2026-08-01T13:55:00.940463Z" }
	};
	struct conn_request req;
	struct conn_batch b;

	T_ASSERT(body != NULL);
	if (!body)
		return;
	struct conn_poll *p = start(NULL, &req, 0);
	T_CONTAINS(req.url, "http://m.test/api/v1/notifications?types%5B%5D=mention&limit=80");
	answer(p, &req, 200, body, &h, &b);
	T_EQ_INT(CONN_OK, b.outcome);
	T_ASSERT(b.n_items >= 1);
	T_EQ_INT(299, b.rate.remaining);
	T_ASSERT(b.rate.reset_at > 0);
	for (size_t i = 0; i < b.n_items; i++) {
		struct conn_item *it = &b.items[i];
		T_ASSERT(it->platform_id && it->text && it->published_at > 0);
		T_ASSERT(!strstr(it->text, "<p>") && !strstr(it->text, "h-card"));
		T_ASSERT(it->raw_json != NULL);
	}
	/* A page shorter than the limit ends the stream: no cursor yet,
	 * the own statuses are still to come. */
	T_ASSERT(b.cursor != NULL); /* mentions done: its newest id is safe */
	T_CONTAINS(b.cursor, "\"n\":\"");
	conn_batch_clear(&b);
	conn_request_clear(&req);
	c->poll_free(p);
	free(body);
}

static void test_recorded_own_reply(void)
{
	size_t len;
	char *one = conn_test_slurp("mastodon-status-reply.json", &len);
	struct conn_request req;
	struct conn_batch b;

	T_ASSERT(one != NULL);
	if (!one)
		return;
	char *arr = malloc(len + 3);
	sprintf(arr, "[%s]", one);
	struct conn_poll *p = start(NULL, &req, 1);
	T_CONTAINS(req.url, "/api/v1/accounts/" ME "/statuses?limit=40");
	answer(p, &req, 200, arr, NULL, &b);
	T_EQ_INT(1, b.n_items);
	T_EQ_STR("117020583258292382", b.items[0].platform_id);
	T_EQ_STR("117020583245459824", b.items[0].parent_platform_id);
	T_EQ_STR("reply", b.items[0].kind);
	T_ASSERT(b.items[0].is_own);
	conn_batch_clear(&b);
	conn_request_clear(&req);
	c->poll_free(p);
	free(arr);
	free(one);
}

static void test_recorded_errors(void)
{
	static const struct {
		const char *file;
		long status;
		enum conn_outcome want;
	} cases[] = {
		{ "mastodon-error-401.json", 401, CONN_TOKEN },
		{ "mastodon-error-404.json", 404, CONN_GONE },
		{ "mastodon-error-422-details.json", 422, CONN_MALFORMED },
		{ "mastodon-error-422-localized.json", 422, CONN_MALFORMED },
	};
	for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		size_t len;
		char *body = conn_test_slurp(cases[i].file, &len);
		struct conn_request req;
		struct conn_batch b;
		T_ASSERT(body != NULL);
		if (!body)
			continue;
		struct conn_poll *p = start(NULL, &req, 0);
		answer(p, &req, cases[i].status, body, NULL, &b);
		T_EQ_INT(cases[i].want, b.outcome);
		T_EQ_INT(0, b.n_items);
		T_ASSERT(b.cursor == NULL);
		conn_batch_clear(&b);
		conn_request_clear(&req);
		c->poll_free(p);
		free(body);
	}
}

static void test_recorded_report_answer(void)
{
	size_t len;
	char *body = conn_test_slurp("mastodon-report-created.json", &len);
	struct conn_account acc = { .id = "a", .external_id = ME, .base_url = "http://m.test" };
	struct conn_request req;
	struct conn_rate rate = { 0 };
	char *msg = NULL;

	T_ASSERT(body != NULL);
	if (!body)
		return;
	T_EQ_INT(0, c->action_request(&acc, CONN_ACT_REPORT, "123", "reply", "456", &req));
	T_EQ_STR("POST", req.method);
	T_EQ_STR("http://m.test/api/v1/reports", req.url);
	T_CONTAINS(req.body, "\"account_id\":\"456\"");
	T_CONTAINS(req.body, "\"status_ids\":[\"123\"]");
	struct conn_answer a = { .status = 200, .body = body, .body_len = len };
	T_EQ_INT(CONN_OK, c->action_answer(&a, &rate, &msg));
	T_ASSERT(msg == NULL);
	conn_request_clear(&req);
	free(body);
	/* No hide or delete of what others write; no report without an author. */
	T_EQ_INT(-EOPNOTSUPP, c->action_request(&acc, CONN_ACT_HIDE, "123", "reply", "456", &req));
	T_EQ_INT(-EOPNOTSUPP,
	         c->action_request(&acc, CONN_ACT_DELETE, "123", "reply", "456", &req));
	T_EQ_INT(-EINVAL, c->action_request(&acc, CONN_ACT_REPORT, "123", "reply", NULL, &req));
}

static void test_forward_paging_commits_each_page(void)
{
	struct conn_request req;
	struct conn_batch b;
	struct conn_poll *p = start("{\"n\":\"100\",\"s\":\"7\"}", &req, 0);
	char page[32768];
	size_t off = 0;

	T_CONTAINS(req.url, "&min_id=100");
	off += (size_t)snprintf(page + off, sizeof(page) - off, "[");
	for (int i = 180; i > 100; i--)
		off += (size_t)
		        snprintf(page + off, sizeof(page) - off,
		                 "%s{\"id\":\"%d\",\"type\":\"mention\",\"status\":{\"id\":\"9%d\","
		                 "\"created_at\":\"2026-08-01T13:51:42.823Z\",\"content\":\"x\","
		                 "\"account\":{\"id\":\"5\"}}}",
		                 i == 180 ? "" : ",", i, i);
	snprintf(page + off, sizeof(page) - off, "]");
	answer(p, &req, 200, page, NULL, &b);
	T_EQ_INT(80, b.n_items);
	T_EQ_STR("{\"n\":\"180\",\"s\":\"7\"}", b.cursor);
	conn_batch_clear(&b);
	conn_request_clear(&req);
	/* A full page: the next one starts after it. */
	T_EQ_INT(1, c->poll_next(p, &req));
	T_CONTAINS(req.url, "notifications?");
	T_CONTAINS(req.url, "&min_id=180");
	answer(p, &req, 200, "[]", NULL, &b);
	T_ASSERT(b.cursor == NULL);
	conn_batch_clear(&b);
	conn_request_clear(&req);
	/* Own statuses page back from the newest (their replies_count). */
	T_EQ_INT(1, c->poll_next(p, &req));
	T_CONTAINS(req.url, "statuses?limit=40");
	T_ASSERT(!strstr(req.url, "min_id") && !strstr(req.url, "max_id"));
	answer(p, &req, 200, "[]", NULL, &b);
	conn_batch_clear(&b);
	conn_request_clear(&req);
	T_ASSERT(c->poll_done(p));
	T_EQ_INT(0, c->poll_next(p, &req));
	c->poll_free(p);
}

static void test_retry_offers_the_same_page(void)
{
	struct conn_request req, again;
	struct conn_batch b;
	struct conn_poll *p = start("{\"n\":\"100\"}", &req, 0);

	/* Its Retry-After is waited for. */
	static const struct conn_test_headers h = { { "Retry-After" }, { "30" } };
	answer(p, &req, 503, "<html>", &h, &b);
	T_EQ_INT(CONN_RETRY, b.outcome);
	T_EQ_INT(30LL * 1000000, b.rate.retry_after_usec);
	conn_batch_clear(&b);
	T_EQ_INT(1, c->poll_next(p, &again));
	T_EQ_STR(req.url, again.url);
	answer(p, &again, 200, "[{\"id\":\"101\",\"type\":\"mention\",\"status\":{\"id\":", NULL,
	       &b);
	T_EQ_INT(CONN_MALFORMED, b.outcome);
	T_EQ_INT(0, b.n_items);
	T_ASSERT(b.cursor == NULL);
	conn_batch_clear(&b);
	conn_request_clear(&req);
	conn_request_clear(&again);
	c->poll_free(p);
}

/* 2026-08-01T14:00:00Z, the polls' now in the thread tests. */
#define NOW_US 1785592800000000LL
#define OLD_POST "2026-07-29T10:00:00.000Z" /* days old: not re-read in turn */
#define YOUNG_POST "2026-08-01T10:00:00.000Z"

static struct conn_poll *start_at(const char *cursor)
{
	struct conn_account acc = { .id = "a",
		                    .external_id = ME,
		                    .base_url = "http://m.test",
		                    .cursor = cursor,
		                    .now = NOW_US };
	struct conn_poll *p = NULL;
	T_EQ_INT(0, c->poll_new(&acc, &p));
	return p;
}

static char *status(const char *id, const char *created, const char *parent, const char *author,
                    int replies)
{
	static char buf[8][512];
	static int k;
	char *out = buf[k++ % 8];
	char par[64] = "null";
	if (parent)
		snprintf(par, sizeof(par), "\"%s\"", parent);
	snprintf(out, 512,
	         "{\"id\":\"%s\",\"created_at\":\"%s\",\"in_reply_to_id\":%s,\"content\":\"<p>t "
	         "%s</p>\",\"replies_count\":%d,\"account\":{\"id\":\"%s\"}}",
	         id, created, par, id, replies, author);
	return out;
}

/* Answer the poll's next request, which must contain `want`; returns the
 * batch (cleared by the caller). */
static void next_answer(struct conn_poll *p, const char *want, long st, const char *body,
                        const struct conn_test_headers *h, struct conn_batch *b)
{
	struct conn_request req;
	T_EQ_INT(1, c->poll_next(p, &req));
	T_CONTAINS(req.url, want);
	answer(p, &req, st, body, h, b);
	conn_request_clear(&req);
}

static void skip_answer(struct conn_poll *p, const char *want, const char *body)
{
	struct conn_batch b;
	next_answer(p, want, 200, body, NULL, &b);
	conn_batch_clear(&b);
}

static void test_thread_read_when_replies_grow(void)
{
	struct conn_batch b;
	struct conn_request req;
	char own[1024], ctx[2048];
	struct conn_poll *p = start_at("{\"n\":\"100\",\"s\":\"500\",\"r\":{\"500\":1}}");

	skip_answer(p, "notifications?", "[]");
	snprintf(own, sizeof(own), "[%s]", status("500", OLD_POST, NULL, ME, 3));
	next_answer(p, "/accounts/" ME "/statuses?limit=40", 200, own, NULL, &b);
	T_EQ_INT(0, b.n_items); /* the post itself was stored before */
	T_ASSERT(b.cursor == NULL || strstr(b.cursor, "\"500\":1"));
	conn_batch_clear(&b);
	/* A reply to a reply without the mention, and the account's own
	 * answer under it: all stored, with their parents. */
	snprintf(ctx, sizeof(ctx), "{\"ancestors\":[],\"descendants\":[%s,%s,%s]}",
	         status("501", OLD_POST, "500", "5", 0), status("502", OLD_POST, "501", "6", 0),
	         status("503", OLD_POST, "502", ME, 0));
	next_answer(p, "http://m.test/api/v1/statuses/500/context", 200, ctx, NULL, &b);
	T_EQ_INT(3, b.n_items);
	T_EQ_STR("502", b.items[1].platform_id);
	T_EQ_STR("501", b.items[1].parent_platform_id);
	T_EQ_STR("reply", b.items[1].kind);
	T_ASSERT(!b.items[1].is_own);
	T_ASSERT(b.items[2].is_own);
	T_EQ_STR("502", b.items[2].parent_platform_id);
	T_EQ_STR("{\"n\":\"100\",\"s\":\"500\",\"r\":{\"500\":3}}", b.cursor);
	conn_batch_clear(&b);
	T_ASSERT(c->poll_done(p));
	T_EQ_INT(0, c->poll_next(p, &req));
	c->poll_free(p);

	/* Nothing changed on an old post: two requests, no context. */
	p = start_at("{\"n\":\"100\",\"s\":\"500\",\"r\":{\"500\":3}}");
	skip_answer(p, "notifications?", "[]");
	skip_answer(p, "/statuses?limit=40", own);
	T_ASSERT(c->poll_done(p));
	T_EQ_INT(0, c->poll_next(p, &req));
	c->poll_free(p);
}

static void test_young_threads_reread_in_turn(void)
{
	char own[1024];
	const char *want[] = { "/statuses/700/context", "/statuses/600/context",
		               "/statuses/700/context" };
	char cursor[256] = "{\"n\":\"100\",\"s\":\"700\",\"r\":{\"700\":2,\"600\":1}}";

	snprintf(own, sizeof(own), "[%s,%s,%s]", status("700", YOUNG_POST, NULL, ME, 2),
	         status("650", YOUNG_POST, "1", ME, 4), status("600", YOUNG_POST, NULL, ME, 1));
	for (int i = 0; i < 3; i++) {
		struct conn_batch b;
		struct conn_request req;
		struct conn_poll *p = start_at(cursor);
		skip_answer(p, "notifications?", "[]");
		skip_answer(p, "/statuses?limit=40", own);
		next_answer(p, want[i], 200, "{\"ancestors\":[],\"descendants\":[]}", NULL, &b);
		T_ASSERT(b.cursor != NULL);
		if (b.cursor)
			snprintf(cursor, sizeof(cursor), "%s", b.cursor);
		conn_batch_clear(&b);
		T_ASSERT(c->poll_done(p)); /* one young thread per poll */
		T_EQ_INT(0, c->poll_next(p, &req));
		c->poll_free(p);
	}
	/* A reply of the account's (650) is not a thread of its own. */
	T_EQ_STR("{\"n\":\"100\",\"s\":\"700\",\"r\":{\"700\":2,\"600\":1},\"y\":\"700\"}", cursor);
}

static void test_thread_gone_or_refreshing(void)
{
	struct conn_batch b;
	char own[1024];
	static const struct conn_test_headers refreshing = { { "Mastodon-Async-Refresh" },
		                                             { "id=\"x\", retry=3" } };
	struct conn_poll *p = start_at("{\"n\":\"100\",\"s\":\"500\",\"r\":{\"500\":1,\"400\":0}}");

	snprintf(own, sizeof(own), "[%s,%s]", status("500", OLD_POST, NULL, ME, 2),
	         status("400", OLD_POST, NULL, ME, 5));
	skip_answer(p, "notifications?", "[]");
	skip_answer(p, "/statuses?limit=40", own);
	/* 500: the instance is still fetching remote replies: what came is
	 * stored, the old count kept, so it is read again next poll. */
	next_answer(p, "/statuses/500/context", 200,
	            "{\"ancestors\":[],\"descendants\":[{\"id\":\"501\",\"created_at\":\"" OLD_POST
	            "\",\"in_reply_to_id\":\"500\",\"content\":\"x\",\"account\":{\"id\":\"9\"}}]}",
	            &refreshing, &b);
	T_EQ_INT(1, b.n_items);
	T_ASSERT(b.cursor == NULL);
	conn_batch_clear(&b);
	/* 400: deleted meanwhile (a localised 404): out of the cursor, marked gone. */
	next_answer(p, "/statuses/400/context", 404, "{\"error\":\"Posten hittades inte\"}", NULL,
	            &b);
	T_EQ_INT(CONN_GONE, b.outcome);
	T_EQ_INT(1, b.n_gone);
	T_EQ_STR("400", b.gone[0]);
	T_EQ_STR("{\"n\":\"100\",\"s\":\"500\",\"r\":{\"500\":1}}", b.cursor);
	conn_batch_clear(&b);
	T_ASSERT(c->poll_done(p));
	c->poll_free(p);
}

static void test_context_retried_and_malformed(void)
{
	struct conn_batch b;
	char own[512];
	struct conn_poll *p = start_at("{\"n\":\"100\",\"s\":\"500\"}");

	snprintf(own, sizeof(own), "[%s]", status("500", OLD_POST, NULL, ME, 1));
	skip_answer(p, "notifications?", "[]");
	skip_answer(p, "/statuses?limit=40", own);
	next_answer(p, "/statuses/500/context", 500, "{\"error\":\"x\"}", NULL, &b);
	T_EQ_INT(CONN_RETRY, b.outcome);
	T_ASSERT(b.cursor == NULL);
	conn_batch_clear(&b);
	next_answer(p, "/statuses/500/context", 200,
	            "{\"descendants\":[{\"id\":\"501\",\"created_at\":\"" OLD_POST
	            "\",\"in_reply_to_id\":\"500\",\"account\":{}},{\"id\":7}]}",
	            NULL, &b);
	T_EQ_INT(CONN_MALFORMED, b.outcome);
	T_EQ_INT(0, b.n_items);
	conn_batch_clear(&b);
	/* Asked again, and what the broken answer held is not skipped. */
	next_answer(p, "/statuses/500/context", 200,
	            "{\"descendants\":[{\"id\":\"501\",\"created_at\":\"" OLD_POST
	            "\",\"in_reply_to_id\":\"500\",\"account\":{}}]}",
	            NULL, &b);
	T_EQ_INT(1, b.n_items);
	T_EQ_STR("{\"n\":\"100\",\"s\":\"500\",\"r\":{\"500\":1}}", b.cursor);
	conn_batch_clear(&b);
	T_ASSERT(c->poll_done(p));
	c->poll_free(p);
}

static void test_older_tracked_post_asks_top_level_posts(void)
{
	struct conn_batch b;
	struct conn_request req;
	char own[40 * 300 + 16], top[512];
	size_t off = 0;
	static const struct conn_test_headers more = {
		{ "Link" },
		{ "<http://m.test/api/v1/accounts/x/statuses?max_id=901>; rel=\"next\"" }
	};
	/* The account answered 40 times since the post 300 it tracks. */
	struct conn_poll *p = start_at("{\"n\":\"100\",\"s\":\"920\",\"r\":{\"300\":2}}");

	off += (size_t)snprintf(own + off, sizeof(own) - off, "[");
	for (int i = 940; i > 900; i--) {
		char id[8], par[8];
		snprintf(id, sizeof(id), "%d", i);
		snprintf(par, sizeof(par), "%d", i - 800);
		off += (size_t)snprintf(own + off, sizeof(own) - off, "%s%s", i == 940 ? "" : ",",
		                        status(id, OLD_POST, par, ME, 0));
	}
	snprintf(own + off, sizeof(own) - off, "]");
	skip_answer(p, "notifications?", "[]");
	next_answer(p, "/statuses?limit=40", 200, own, &more, &b);
	T_EQ_INT(20, b.n_items); /* 921..940; 901..920 were stored before */
	conn_batch_clear(&b);
	snprintf(top, sizeof(top), "[%s]", status("300", OLD_POST, NULL, ME, 3));
	next_answer(p, "/statuses?exclude_replies=true&exclude_reblogs=true&limit=40", 200, top,
	            NULL, &b);
	T_EQ_INT(0, b.n_items);
	conn_batch_clear(&b);
	next_answer(p, "/statuses/300/context", 200, "{\"ancestors\":[],\"descendants\":[]}", NULL,
	            &b);
	T_EQ_STR("{\"n\":\"100\",\"s\":\"940\",\"r\":{\"300\":3}}", b.cursor);
	conn_batch_clear(&b);
	T_ASSERT(c->poll_done(p));
	T_EQ_INT(0, c->poll_next(p, &req));
	c->poll_free(p);
}

static void test_recorded_context_empty(void)
{
	size_t len;
	char *body = conn_test_slurp("mastodon-status-context-empty.json", &len);
	char own[512];
	struct conn_batch b;

	T_ASSERT(body != NULL);
	if (!body)
		return;
	struct conn_poll *p = start_at("{\"n\":\"100\",\"s\":\"500\"}");
	snprintf(own, sizeof(own), "[%s]", status("500", OLD_POST, NULL, ME, 1));
	skip_answer(p, "notifications?", "[]");
	skip_answer(p, "/statuses?limit=40", own);
	/* The reply counted was deleted since: nothing to store, the count
	 * is covered all the same. */
	next_answer(p, "/statuses/500/context", 200, body, NULL, &b);
	T_EQ_INT(CONN_OK, b.outcome);
	T_EQ_INT(0, b.n_items);
	T_EQ_STR("{\"n\":\"100\",\"s\":\"500\",\"r\":{\"500\":1}}", b.cursor);
	conn_batch_clear(&b);
	T_ASSERT(c->poll_done(p));
	c->poll_free(p);
	free(body);
}

static void test_bad_cursor_refused(void)
{
	struct conn_account acc = { .id = "a", .external_id = ME, .base_url = "http://m.test" };
	struct conn_poll *p = NULL;
	const char *bad[] = { "not json",   "{\"n\":5}",          "{\"n\":\"1x\"}",
		              "[]",         "{\"r\":{\"5\":-1}}", "{\"r\":{\"x\":1}}",
		              "{\"r\":[]}", "{\"y\":5}" };

	for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
		acc.cursor = bad[i];
		T_EQ_INT(-EINVAL, c->poll_new(&acc, &p));
	}
}

static void test_html_to_text(void)
{
	static const struct {
		const char *in, *out;
	} cases[] = {
		{ "<p>Hej &amp; v&auml;lkommen</p>", "Hej & välkommen" },
		{ "<p>a</p><p>b<br>c<br />d</p>", "a\n\nb\nc\nd" },
		{ "<p><span class=\"h-card\"><a href=\"x\">@<span>lisa</span></a></span> hi</p>",
		  "@lisa hi" },
		{ "&#128512; &#x1F600; &#0; &#xD800; &#99999999;",
		  "😀 😀 \xef\xbf\xbd \xef\xbf\xbd \xef\xbf\xbd" },
		{ "5 &lt; 6 &unknown; & &", "5 < 6 &unknown; & &" },
		{ "unterminated <b", "unterminated <b" },
	};
	for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		char *t = conn_html_to_text(cases[i].in, strlen(cases[i].in));
		T_EQ_STR(cases[i].out, t);
		free(t);
	}
}

int main(void)
{
	c = connector_find("mastodon");
	T_ASSERT(c != NULL);
	if (!c)
		return t_done();
	T_RUN(test_forward_paging_commits_each_page);
	T_RUN(test_retry_offers_the_same_page);
	T_RUN(test_thread_read_when_replies_grow);
	T_RUN(test_young_threads_reread_in_turn);
	T_RUN(test_thread_gone_or_refreshing);
	T_RUN(test_context_retried_and_malformed);
	T_RUN(test_older_tracked_post_asks_top_level_posts);
	T_RUN(test_bad_cursor_refused);
	T_RUN(test_html_to_text);
	if (conn_test_fixtures()) {
		T_RUN(test_recorded_mentions);
		T_RUN(test_recorded_own_reply);
		T_RUN(test_recorded_errors);
		T_RUN(test_recorded_context_empty);
		T_RUN(test_recorded_report_answer);
	}
	return t_done();
}
