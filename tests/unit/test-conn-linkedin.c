/* The LinkedIn connector on hand-made answers shaped as the documentation
 * describes them (no recorded response exists): the request chain posts →
 * counts → comments → replies, headers, the window and the cursor, the
 * comment URN a delete needs, errors by status. */
#include <errno.h>

#include "conn-test.h"

#define ORG "urn:li:organization:2414183"
#define NOW 1764547200000000LL /* 2025-12-01T00:00:00Z */
#define DAY_MS 86400000LL

static const struct connector *c;

static struct conn_poll *start(const char *cursor, struct conn_request *req)
{
	struct conn_account acc = { .id = "a",
		                    .external_id = ORG,
		                    .base_url = "http://li.test",
		                    .cursor = cursor,
		                    .backfill_from = NOW - 14 * DAY_MS * 1000,
		                    .now = NOW };
	struct conn_poll *p = NULL;
	T_EQ_INT(0, c->poll_new(&acc, &p));
	if (p)
		T_EQ_INT(1, c->poll_next(p, req));
	return p;
}

static char *posts_page(void)
{
	static char buf[1024];
	snprintf(buf, sizeof(buf),
	         "{\"paging\":{\"start\":0,\"count\":50,\"links\":[]},\"elements\":["
	         "{\"id\":\"urn:li:share:1\",\"commentary\":\"Vi söker "
	         "vikarier\",\"createdAt\":%lld,"
	         "\"lastModifiedAt\":%lld},"
	         "{\"id\":\"urn:li:share:0\",\"commentary\":\"old\",\"createdAt\":%lld,"
	         "\"lastModifiedAt\":%lld}]}",
	         NOW / 1000 - DAY_MS, NOW / 1000 - DAY_MS, NOW / 1000 - 30 * DAY_MS,
	         NOW / 1000 - 30 * DAY_MS);
	return buf;
}

static void test_chain(void)
{
	struct conn_request req, more;
	struct conn_batch b;
	struct conn_poll *p = start(NULL, &req);

	T_EQ_STR("http://li.test/rest/posts?q=author&author=urn%3Ali%3Aorganization%3A2414183"
	         "&count=50&start=0&sortBy=CREATED",
	         req.url);
	T_CONTAINS(req.headers, "LinkedIn-Version: ");
	T_CONTAINS(req.headers, "X-Restli-Protocol-Version: 2.0.0");
	conn_test_answer(c, p, &req, 200, posts_page(), NULL, &b);
	/* The post in the window is an item; the one from 30 days ago ends
	 * the window. */
	T_EQ_INT(1, b.n_items);
	T_EQ_STR("urn:li:share:1", b.items[0].platform_id);
	T_EQ_STR("post", b.items[0].kind);
	T_ASSERT(b.items[0].is_own);
	conn_batch_clear(&b);
	conn_request_clear(&req);

	T_EQ_INT(1, c->poll_next(p, &req));
	T_EQ_STR("http://li.test/rest/socialActions?ids=List(urn%3Ali%3Ashare%3A1)", req.url);
	conn_test_answer(c, p, &req, 200,
	                 "{\"results\":{\"urn:li:share:1\":{\"commentsSummary\":"
	                 "{\"totalFirstLevelComments\":1,\"aggregatedTotalComments\":2}}},"
	                 "\"errors\":{}}",
	                 NULL, &b);
	conn_batch_clear(&b);
	conn_request_clear(&req);

	T_EQ_INT(1, c->poll_next(p, &req));
	T_EQ_STR(
	        "http://li.test/rest/socialActions/urn%3Ali%3Ashare%3A1/comments?start=0&count=100",
	        req.url);
	conn_test_answer(
	        c, p, &req, 200,
	        "{\"paging\":{\"start\":0,\"count\":100},\"elements\":[{\"commentUrn\":"
	        "\"urn:li:comment:(urn:li:activity:9,77)\",\"id\":\"77\",\"actor\":"
	        "\"urn:li:person:x\",\"created\":{\"time\":1764500000000},\"message\":{\"text\":"
	        "\"Hur ansöker man?\"}}]}",
	        NULL, &b);
	T_EQ_INT(1, b.n_items);
	T_EQ_STR("comment", b.items[0].kind);
	T_EQ_STR("urn:li:share:1", b.items[0].parent_platform_id);
	T_ASSERT(!b.items[0].is_own);
	conn_batch_clear(&b);
	conn_request_clear(&req);

	T_EQ_INT(1, c->poll_next(p, &more));
	T_EQ_STR("http://li.test/rest/socialActions/"
	         "urn%3Ali%3Acomment%3A%28urn%3Ali%3Aactivity%3A9%2C77%29/"
	         "comments?start=0&count=100",
	         more.url);
	T_EQ_INT(0, c->poll_next(p, &req));
	conn_test_answer(c, p, &more, 200,
	                 "{\"elements\":[{\"commentUrn\":\"urn:li:comment:(urn:li:activity:9,78)\","
	                 "\"actor\":\"" ORG "\",\"created\":{\"time\":1764510000000},"
	                 "\"message\":{\"text\":\"Via webben\"}}]}",
	                 NULL, &b);
	T_EQ_INT(1, b.n_items);
	T_EQ_STR("reply", b.items[0].kind);
	T_EQ_STR("urn:li:comment:(urn:li:activity:9,77)", b.items[0].parent_platform_id);
	T_ASSERT(b.items[0].is_own);
	T_ASSERT(c->poll_done(p));
	T_ASSERT(b.cursor != NULL);
	T_CONTAINS(b.cursor, "\"c\":{\"urn:li:share:1\":2}");
	conn_batch_clear(&b);
	conn_request_clear(&more);
	c->poll_free(p);
}

static void test_unchanged_counts_read_nothing_more(void)
{
	struct conn_request req;
	struct conn_batch b;
	char cursor[128];

	snprintf(cursor, sizeof(cursor), "{\"t\":\"%lld\",\"c\":{\"urn:li:share:1\":2}}",
	         (NOW / 1000 - DAY_MS) * 1000);
	struct conn_poll *p = start(cursor, &req);
	conn_test_answer(c, p, &req, 200, posts_page(), NULL, &b);
	conn_batch_clear(&b);
	conn_request_clear(&req);
	T_EQ_INT(1, c->poll_next(p, &req));
	conn_test_answer(c, p, &req, 200,
	                 "{\"results\":{\"urn:li:share:1\":{\"commentsSummary\":"
	                 "{\"aggregatedTotalComments\":2}}}}",
	                 NULL, &b);
	T_ASSERT(c->poll_done(p));
	T_ASSERT(b.cursor != NULL);
	conn_batch_clear(&b);
	conn_request_clear(&req);
	c->poll_free(p);
}

/* A comment whose commentsSummary counts no replies costs no replies
 * request; one that counts some, or carries no summary, does. */
static void test_replies_only_of_comments_that_have_them(void)
{
	struct conn_request req, r1, r2;
	struct conn_batch b;
	struct conn_poll *p = start(NULL, &req);

	conn_test_answer(c, p, &req, 200, posts_page(), NULL, &b);
	conn_batch_clear(&b);
	conn_request_clear(&req);
	T_EQ_INT(1, c->poll_next(p, &req));
	conn_test_answer(c, p, &req, 200,
	                 "{\"results\":{\"urn:li:share:1\":{\"commentsSummary\":"
	                 "{\"aggregatedTotalComments\":4}}}}",
	                 NULL, &b);
	conn_batch_clear(&b);
	conn_request_clear(&req);
	T_EQ_INT(1, c->poll_next(p, &req));
	conn_test_answer(
	        c, p, &req, 200,
	        "{\"elements\":["
	        "{\"commentUrn\":\"urn:li:comment:(urn:li:activity:9,1)\",\"actor\":\"urn:li:"
	        "person:x\","
	        "\"created\":{\"time\":1764500000000},\"message\":{\"text\":\"a\"},"
	        "\"commentsSummary\":{\"selectedComments\":[],\"totalFirstLevelComments\":0,"
	        "\"aggregatedTotalComments\":0}},"
	        "{\"commentUrn\":\"urn:li:comment:(urn:li:activity:9,2)\",\"actor\":\"urn:li:"
	        "person:x\","
	        "\"created\":{\"time\":1764500000000},\"message\":{\"text\":\"b\"},"
	        "\"commentsSummary\":{\"totalFirstLevelComments\":1,\"aggregatedTotalComments\":1}}"
	        ","
	        "{\"commentUrn\":\"urn:li:comment:(urn:li:activity:9,3)\",\"actor\":\"urn:li:"
	        "person:x\","
	        "\"created\":{\"time\":1764500000000},\"message\":{\"text\":\"c\"}}]}",
	        NULL, &b);
	T_EQ_INT(3, b.n_items);
	conn_batch_clear(&b);
	conn_request_clear(&req);
	T_EQ_INT(1, c->poll_next(p, &r1));
	T_EQ_INT(1, c->poll_next(p, &r2));
	T_EQ_INT(0, c->poll_next(p, &req));
	T_CONTAINS(r1.url, "urn%3Ali%3Aactivity%3A9%2C2%29/comments");
	T_CONTAINS(r2.url, "urn%3Ali%3Aactivity%3A9%2C3%29/comments");
	conn_request_clear(&r1);
	conn_request_clear(&r2);
	c->poll_free(p);
}

static void test_errors(void)
{
	static const struct {
		long status;
		enum conn_outcome want;
	} cases[] = {
		{ 401, CONN_TOKEN }, { 403, CONN_PERMISSION }, { 426, CONN_STOP },
		{ 429, CONN_RETRY }, { 503, CONN_RETRY },      { 400, CONN_MALFORMED },
	};
	for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		struct conn_request req;
		struct conn_batch b;
		struct conn_poll *p = start(NULL, &req);
		conn_test_answer(c, p, &req, cases[i].status,
		                 "{\"status\":1,\"code\":\"X\",\"message\":\"m\"}", NULL, &b);
		T_EQ_INT(cases[i].want, b.outcome);
		T_ASSERT(b.cursor == NULL);
		T_EQ_INT(0, b.rate.retry_after_usec);
		conn_batch_clear(&b);
		conn_request_clear(&req);
		c->poll_free(p);
	}
	/* A Retry-After is waited for. */
	static const struct conn_test_headers h = { { "Retry-After" }, { "120" } };
	struct conn_request req;
	struct conn_batch b;
	struct conn_poll *p = start(NULL, &req);
	conn_test_answer(c, p, &req, 429, "{\"status\":429,\"code\":\"TOO_MANY_REQUESTS\"}", &h,
	                 &b);
	T_EQ_INT(CONN_RETRY, b.outcome);
	T_EQ_INT(120LL * 1000000, b.rate.retry_after_usec);
	conn_batch_clear(&b);
	conn_request_clear(&req);
	c->poll_free(p);
	p = start(NULL, &req);
	conn_test_answer(c, p, &req, 200, "{\"elements\":[{\"id\":1}]}", NULL, &b);
	T_EQ_INT(CONN_MALFORMED, b.outcome);
	conn_batch_clear(&b);
	conn_request_clear(&req);
	c->poll_free(p);
}

static void test_delete_request(void)
{
	struct conn_account acc = { .id = "a", .external_id = ORG, .base_url = "http://li.test" };
	struct conn_request req;

	T_EQ_INT(0,
	         c->action_request(&acc, CONN_ACT_DELETE, "urn:li:comment:(urn:li:activity:9,78)",
	                           "reply", NULL, &req));
	T_EQ_STR("DELETE", req.method);
	T_EQ_STR("http://li.test/rest/socialActions/urn%3Ali%3Aactivity%3A9/comments/78"
	         "?actor=urn%3Ali%3Aorganization%3A2414183",
	         req.url);
	conn_request_clear(&req);
	T_EQ_INT(-EOPNOTSUPP,
	         c->action_request(&acc, CONN_ACT_DELETE, "urn:li:share:1", "post", NULL, &req));
	T_EQ_INT(-EOPNOTSUPP,
	         c->action_request(&acc, CONN_ACT_DELETE, "urn:li:comment:(urn:li:activity:9,7x)",
	                           "reply", NULL, &req));
	T_EQ_INT(-EOPNOTSUPP,
	         c->action_request(&acc, CONN_ACT_HIDE, "urn:li:comment:(urn:li:activity:9,78)",
	                           "reply", NULL, &req));
	struct conn_answer refused = { .status = 403, .body = "{}", .body_len = 2 };
	struct conn_rate rate = { 0 };
	char *msg = NULL;
	T_EQ_INT(CONN_NOT_ALLOWED, c->action_answer(&refused, &rate, &msg));
	free(msg);
}

static void test_bad_cursor(void)
{
	struct conn_account acc = { .id = "a", .external_id = ORG, .base_url = "http://li.test" };
	struct conn_poll *p = NULL;
	const char *bad[] = { "x", "{\"t\":5}", "{\"c\":{\"u\":\"2\"}}", "{\"t\":\"1y\"}" };
	for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
		acc.cursor = bad[i];
		T_EQ_INT(-EINVAL, c->poll_new(&acc, &p));
	}
	acc.cursor = NULL;
	acc.external_id = "2414183"; /* not a URN */
	T_EQ_INT(-EINVAL, c->poll_new(&acc, &p));
}

int main(void)
{
	c = connector_find("linkedin");
	T_ASSERT(c != NULL);
	if (!c)
		return t_done();
	T_RUN(test_chain);
	T_RUN(test_unchanged_counts_read_nothing_more);
	T_RUN(test_replies_only_of_comments_that_have_them);
	T_RUN(test_errors);
	T_RUN(test_delete_request);
	T_RUN(test_bad_cursor);
	return t_done();
}
