/* The X connector on the recorded responses and hand-made answers:
 * mentions with includes, ids as strings, times from created_at or the
 * id, cursors per stream, problem documents, hide requests. */
#include <errno.h>

#include "conn-test.h"

#define ME "783214"

static const struct connector *c;

static struct conn_poll *start(const char *cursor, struct conn_request *req, int want)
{
	struct conn_account acc = { .id = "a",
		                    .external_id = ME,
		                    .base_url = "http://x.test",
		                    .cursor = cursor,
		                    .backfill_from = 1000000 };
	struct conn_poll *p = NULL;
	T_EQ_INT(0, c->poll_new(&acc, &p));
	for (int i = 0; p && i <= want; i++) {
		if (i)
			conn_request_clear(req);
		T_EQ_INT(1, c->poll_next(p, req));
	}
	return p;
}

static void test_recorded_pages(void)
{
	static const char *files[] = { "x-mentions-with-metrics.json",
		                       "x-tweets-with-includes.json", "x-users-mentions.json",
		                       "x-search-recent.json" };
	for (size_t f = 0; f < sizeof(files) / sizeof(files[0]); f++) {
		char *body = conn_test_slurp(files[f], NULL);
		struct conn_request req;
		struct conn_batch b;
		T_ASSERT(body != NULL);
		if (!body)
			continue;
		struct conn_poll *p = start(NULL, &req, 0);
		conn_test_answer(c, p, &req, 200, body, NULL, &b);
		T_EQ_INT(CONN_OK, b.outcome);
		T_ASSERT(b.n_items > 0);
		for (size_t i = 0; i < b.n_items; i++) {
			T_ASSERT(b.items[i].published_at > 1262304000000000LL); /* after 2010 */
			T_ASSERT(b.items[i].text && b.items[i].permalink);
		}
		conn_batch_clear(&b);
		conn_request_clear(&req);
		c->poll_free(p);
		free(body);
	}
}

static void test_recorded_includes_and_own(void)
{
	char *body = conn_test_slurp("x-tweets-with-includes.json", NULL);
	struct conn_request req;
	struct conn_batch b;

	T_ASSERT(body != NULL);
	if (!body)
		return;
	struct conn_poll *p = start(NULL, &req, 0);
	conn_test_answer(c, p, &req, 200, body, NULL, &b);
	struct conn_item *it = conn_test_item(&b, "1261326399320715264");
	T_ASSERT(it != NULL);
	if (it) {
		T_EQ_STR("2244994945", it->author_id);
		T_ASSERT(it->author_name != NULL);
		T_ASSERT(!it->is_own);
	}
	it = conn_test_item(&b, "1278347468690915330");
	T_ASSERT(it && it->is_own); /* author 783214 is the account here */
	conn_batch_clear(&b);
	conn_request_clear(&req);
	c->poll_free(p);
	free(body);
}

static void test_recorded_errors_and_hide(void)
{
	char *bad = conn_test_slurp("x-error-invalid-request.json", NULL);
	char *hidden = conn_test_slurp("x-hide-reply.json", NULL);
	struct conn_request req;
	struct conn_batch b;
	struct conn_rate rate = { 0 };

	T_ASSERT(bad && hidden);
	if (bad) {
		struct conn_poll *p = start(NULL, &req, 0);
		conn_test_answer(c, p, &req, 400, bad, NULL, &b);
		T_EQ_INT(CONN_MALFORMED, b.outcome);
		T_CONTAINS(b.message, "Invalid Request");
		conn_batch_clear(&b);
		conn_request_clear(&req);
		c->poll_free(p);
	}
	if (hidden) {
		struct conn_answer a = { .status = 200,
			                 .body = hidden,
			                 .body_len = strlen(hidden) };
		T_EQ_INT(CONN_OK, c->action_answer(&a, &rate, NULL));
	}
	free(bad);
	free(hidden);
}

static void test_streams_and_cursor(void)
{
	struct conn_request m, t;
	struct conn_batch b;
	struct conn_test_headers h = { { "x-rate-limit-remaining", "x-rate-limit-reset" },
		                       { "449", "1700000000" } };
	struct conn_poll *p = start("{\"m\":\"100\",\"t\":\"90\"}", &m, 0);

	T_CONTAINS(m.url, "http://x.test/2/users/" ME "/mentions?max_results=100&tweet.fields=");
	T_CONTAINS(m.url, "&since_id=100");
	T_EQ_INT(1, c->poll_next(p, &t));
	T_CONTAINS(t.url, "/2/users/" ME "/tweets?");
	T_CONTAINS(t.url, "&since_id=90");
	/* Mentions: a first page with more to come, then the last. */
	conn_test_answer(
	        c, p, &m, 200,
	        "{\"data\":[{\"id\":\"120\",\"text\":\"@a hej \\ud83e\\udd28\",\"author_id\":\"5\","
	        "\"created_at\":\"2026-12-01T10:00:00.000Z\",\"referenced_tweets\":[{\"type\":"
	        "\"replied_to\",\"id\":\"95\"}]}],\"meta\":{\"next_token\":\"tok1\"}}",
	        &h, &b);
	T_EQ_INT(1, b.n_items);
	T_EQ_STR("reply", b.items[0].kind);
	T_EQ_STR("95", b.items[0].parent_platform_id);
	T_EQ_STR("@a hej \xf0\x9f\xa4\xa8", b.items[0].text);
	T_EQ_INT(449, b.rate.remaining);
	T_EQ_INT(1700000000LL * 1000000, b.rate.reset_at);
	T_ASSERT(b.cursor == NULL);
	conn_batch_clear(&b);
	conn_request_clear(&m);
	T_EQ_INT(1, c->poll_next(p, &m));
	T_CONTAINS(m.url, "&pagination_token=tok1");
	conn_test_answer(
	        c, p, &m, 200,
	        "{\"data\":[{\"id\":\"110\",\"text\":\"x\",\"author_id\":\"5\","
	        "\"created_at\":\"2026-12-01T09:00:00.000Z\"}],\"meta\":{\"result_count\":1}}",
	        NULL, &b);
	/* The mentions are done: their newest id is safe, the own posts
	 * still keep theirs. */
	T_EQ_STR("{\"m\":\"120\",\"t\":\"90\"}", b.cursor);
	conn_batch_clear(&b);
	conn_test_answer(c, p, &t, 200, "{\"meta\":{\"result_count\":0}}", NULL, &b);
	T_ASSERT(b.cursor == NULL);
	T_ASSERT(c->poll_done(p));
	conn_batch_clear(&b);
	conn_request_clear(&m);
	conn_request_clear(&t);
	c->poll_free(p);
}

static void test_problems(void)
{
	static const struct {
		long status;
		const char *body;
		enum conn_outcome want;
	} cases[] = {
		{ 402,
		  "{\"title\":\"CreditsDepleted\",\"type\":\"https://api.x.com/2/problems/"
		  "credits\"}",
		  CONN_STOP },
		{ 402, "{\"title\":\"UsageCapExceeded\",\"period\":\"Monthly\"}", CONN_STOP },
		{ 429, "{\"title\":\"Too Many Requests\",\"status\":429}", CONN_RETRY },
		{ 401, "{\"title\":\"Unauthorized\"}", CONN_TOKEN },
		{ 503, "oops", CONN_RETRY },
		{ 200, "{\"errors\":[{\"title\":\"Not Found Error\",\"resource_type\":\"user\"}]}",
		  CONN_GONE },
		{ 200, "{\"data\":[{\"id\":", CONN_MALFORMED },
	};
	for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		struct conn_request req;
		struct conn_batch b;
		struct conn_poll *p = start(NULL, &req, 0);
		conn_test_answer(c, p, &req, cases[i].status, cases[i].body, NULL, &b);
		T_EQ_INT(cases[i].want, b.outcome);
		T_ASSERT(b.cursor == NULL);
		T_EQ_INT(0, b.rate.retry_after_usec);
		if (cases[i].want == CONN_STOP)
			T_CONTAINS(b.message, "HTTP 402");
		conn_batch_clear(&b);
		conn_request_clear(&req);
		c->poll_free(p);
	}
}

/* A Retry-After is waited for, besides the window's reset. */
static void test_retry_after_is_read(void)
{
	static const struct conn_test_headers h = { { "Retry-After", "x-rate-limit-reset" },
		                                    { "75", "1781593260" } };
	struct conn_request req;
	struct conn_batch b;
	struct conn_poll *p = start(NULL, &req, 0);
	conn_test_answer(c, p, &req, 429, "{\"title\":\"Too Many Requests\"}", &h, &b);
	T_EQ_INT(CONN_RETRY, b.outcome);
	T_EQ_INT(75LL * 1000000, b.rate.retry_after_usec);
	T_EQ_INT(1781593260LL * 1000000, b.rate.reset_at);
	conn_batch_clear(&b);
	conn_request_clear(&req);
	c->poll_free(p);
}

static void test_first_poll_asks_only_for_the_horizon(void)
{
	struct conn_account acc = { .id = "a",
		                    .external_id = ME,
		                    .base_url = "http://x.test",
		                    .backfill_from = 1764547200000000LL }; /* 2025-12-01 */
	struct conn_poll *p = NULL;
	struct conn_request req;

	T_EQ_INT(0, c->poll_new(&acc, &p));
	T_EQ_INT(1, c->poll_next(p, &req));
	T_CONTAINS(req.url, "&start_time=2025-12-01T00:00:00Z");
	conn_request_clear(&req);
	c->poll_free(p);
	const char *bad[] = { "x", "{\"m\":100}", "{\"m\":\"1e5\"}" };
	for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
		acc.cursor = bad[i];
		T_EQ_INT(-EINVAL, c->poll_new(&acc, &p));
	}
}

static void test_hide_request(void)
{
	struct conn_account acc = { .id = "a", .external_id = ME, .base_url = "http://x.test" };
	struct conn_request req;

	T_EQ_INT(0, c->action_request(&acc, CONN_ACT_HIDE, "1865", "reply", NULL, &req));
	T_EQ_STR("PUT", req.method);
	T_EQ_STR("http://x.test/2/tweets/1865/hidden", req.url);
	T_EQ_STR("{\"hidden\":true}", req.body);
	conn_request_clear(&req);
	T_EQ_INT(-EOPNOTSUPP,
	         c->action_request(&acc, CONN_ACT_DELETE, "1865", "reply", NULL, &req));
	T_EQ_INT(-EINVAL, c->action_request(&acc, CONN_ACT_HIDE, "18/65", "reply", NULL, &req));
}

int main(void)
{
	c = connector_find("x");
	T_ASSERT(c != NULL);
	if (!c)
		return t_done();
	T_RUN(test_streams_and_cursor);
	T_RUN(test_problems);
	T_RUN(test_retry_after_is_read);
	T_RUN(test_first_poll_asks_only_for_the_horizon);
	T_RUN(test_hide_request);
	if (conn_test_fixtures()) {
		T_RUN(test_recorded_pages);
		T_RUN(test_recorded_includes_and_own);
		T_RUN(test_recorded_errors_and_hide);
	}
	return t_done();
}
