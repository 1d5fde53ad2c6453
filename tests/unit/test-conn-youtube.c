/* The YouTube connector on the recorded responses and hand-made answers:
 * threads and replies, the shown subset of replies, own replies, the
 * window and the cursor, error reasons, moderation requests. */
#include <errno.h>

#include "conn-test.h"

#define CHANNEL "UCa-vrCLQHviTOVnEKDOdetQ"
/* 2019-12-02T00:00:00Z: the recorded threads are from the days before. */
#define NOW 1575244800000000LL

static const struct connector *c;

static struct conn_poll *start(const char *cursor, int64_t backfill, struct conn_request *req)
{
	struct conn_account acc = { .id = "a",
		                    .external_id = CHANNEL,
		                    .base_url = "http://yt.test",
		                    .cursor = cursor,
		                    .backfill_from = backfill,
		                    .now = NOW };
	struct conn_poll *p = NULL;
	T_EQ_INT(0, c->poll_new(&acc, &p));
	if (p)
		T_EQ_INT(1, c->poll_next(p, req));
	return p;
}

static void test_recorded_threads_then_replies(void)
{
	char *threads = conn_test_slurp("youtube-commentthreads-allthreads.json", NULL);
	char *replies = conn_test_slurp("youtube-comments-by-parent.json", NULL);
	struct conn_request req, rreq;
	struct conn_batch b;

	T_ASSERT(threads && replies);
	if (!threads || !replies)
		goto out;
	struct conn_poll *p = start(NULL, 0, &req);
	T_CONTAINS(req.url, "/youtube/v3/commentThreads?part=snippet,replies"
	                    "&allThreadsRelatedToChannelId=" CHANNEL);
	T_EQ_INT(1, req.quota_cost);
	conn_test_answer(c, p, &req, 200, threads, NULL, &b);
	T_EQ_INT(CONN_OK, b.outcome);
	T_EQ_INT(3, b.n_items);
	struct conn_item *it = conn_test_item(&b, "UgyWeTdgc4sc1xgmbld4AaABAg");
	T_ASSERT(it && strcmp(it->kind, "comment") == 0 && !it->parent_platform_id && !it->is_own);
	T_ASSERT(it && it->published_at == 1575171415000000LL);
	/* The last thread counts one reply and shows none: it is fetched,
	 * and the cursor waits for it. */
	T_ASSERT(b.cursor == NULL);
	conn_batch_clear(&b);
	T_EQ_INT(1, c->poll_next(p, &rreq));
	T_CONTAINS(rreq.url,
	           "/youtube/v3/comments?part=snippet&parentId=UgwSRpgkjCe6OHHe3IJ4AaABAg");
	T_EQ_INT(0, c->poll_next(p, &req) > 0 ? 1 : 0);
	conn_test_answer(c, p, &rreq, 200, replies, NULL, &b);
	T_EQ_INT(1, b.n_items);
	T_EQ_STR("reply", b.items[0].kind);
	T_EQ_STR("UgwSRpgkjCe6OHHe3IJ4AaABAg", b.items[0].parent_platform_id);
	T_ASSERT(c->poll_done(p));
	T_ASSERT(b.cursor != NULL);
	T_CONTAINS(b.cursor, "\"UgwSRpgkjCe6OHHe3IJ4AaABAg\":1");
	conn_batch_clear(&b);
	conn_request_clear(&req);
	conn_request_clear(&rreq);
	c->poll_free(p);
out:
	free(threads);
	free(replies);
}

static void test_recorded_single_thread_and_own_reply(void)
{
	char *thread = conn_test_slurp("youtube-commentthread-with-replies.json", NULL);
	char *own = conn_test_slurp("youtube-comment-reply-by-channel-owner.json", NULL);
	struct conn_request req;
	struct conn_batch b;

	T_ASSERT(thread && own);
	if (!thread || !own)
		goto out;
	size_t n = strlen(thread) + strlen(own) + 64;
	char *page = malloc(n);
	snprintf(page, n, "{\"items\":[%s]}", thread);
	struct conn_poll *p = start(NULL, 0, &req);
	conn_test_answer(c, p, &req, 200, page, NULL, &b);
	T_EQ_INT(2, b.n_items); /* the comment and its one shown reply */
	T_ASSERT(b.cursor != NULL);
	conn_batch_clear(&b);
	conn_request_clear(&req);
	c->poll_free(p);

	/* The channel's own reply, as comments?parentId= gives it. */
	snprintf(page, n, "{\"items\":[%s]}", own);
	p = start(NULL, 0, &req);
	conn_test_answer(c, p, &req, 200,
	                 "{\"items\":[{\"id\":\"Ugy_CAftKrIUCyPr9GR4AaABAg\",\"snippet\":{"
	                 "\"totalReplyCount\":2,\"topLevelComment\":{\"id\":"
	                 "\"Ugy_CAftKrIUCyPr9GR4AaABAg\",\"snippet\":{\"textOriginal\":\"q?\","
	                 "\"publishedAt\":\"2019-12-01T10:00:00Z\",\"authorChannelId\":{\"value\":"
	                 "\"UCx\"}}}}}]}",
	                 NULL, &b);
	conn_batch_clear(&b);
	conn_request_clear(&req);
	T_EQ_INT(1, c->poll_next(p, &req));
	conn_test_answer(c, p, &req, 200, page, NULL, &b);
	T_EQ_INT(1, b.n_items);
	T_ASSERT(b.items[0].is_own);
	T_EQ_STR("Ugy_CAftKrIUCyPr9GR4AaABAg", b.items[0].parent_platform_id);
	conn_batch_clear(&b);
	conn_request_clear(&req);
	c->poll_free(p);
	free(page);
out:
	free(thread);
	free(own);
}

static void test_recorded_errors(void)
{
	static const struct {
		const char *file;
		long status;
		enum conn_outcome want;
	} cases[] = {
		{ "youtube-error-keyinvalid.json", 400, CONN_TOKEN },
		{ "youtube-error-permission-denied.json", 403, CONN_PERMISSION },
	};
	for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		char *body = conn_test_slurp(cases[i].file, NULL);
		struct conn_request req;
		struct conn_batch b;
		T_ASSERT(body != NULL);
		if (!body)
			continue;
		struct conn_poll *p = start(NULL, 0, &req);
		conn_test_answer(c, p, &req, cases[i].status, body, NULL, &b);
		T_EQ_INT(cases[i].want, b.outcome);
		T_ASSERT(c->poll_done(p) && b.cursor == NULL);
		conn_batch_clear(&b);
		conn_request_clear(&req);
		c->poll_free(p);
		free(body);
	}
}

static const char *quota =
        "{\"error\":{\"code\":403,\"message\":\"The request cannot be completed because you have "
        "exceeded your <a href=\\\"/youtube/v3/getting-started#quota\\\">quota</a>.\","
        "\"errors\":[{\"message\":\"x\",\"domain\":\"youtube.quota\",\"reason\":"
        "\"quotaExceeded\"}]}}";

static void test_reasons(void)
{
	static const struct {
		long status;
		const char *reason;
		enum conn_outcome want;
	} cases[] = {
		{ 403, "rateLimitExceeded", CONN_RETRY },
		{ 429, "rateLimitExceeded", CONN_RETRY },
		{ 403, "commentsDisabled", CONN_GONE },
		{ 404, "videoNotFound", CONN_GONE },
		{ 401, "authError", CONN_TOKEN },
		{ 403, "insufficientPermissions", CONN_PERMISSION },
		{ 503, "backendError", CONN_RETRY },
		{ 400, "invalidPageToken", CONN_MALFORMED },
	};
	char body[512];
	for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		struct conn_request req;
		struct conn_batch b;
		snprintf(body, sizeof(body),
		         "{\"error\":{\"code\":%ld,\"errors\":[{\"reason\":\"%s\"}]}}",
		         cases[i].status, cases[i].reason);
		struct conn_poll *p = start(NULL, 0, &req);
		conn_test_answer(c, p, &req, cases[i].status, body, NULL, &b);
		T_EQ_INT(cases[i].want, b.outcome);
		conn_batch_clear(&b);
		conn_request_clear(&req);
		c->poll_free(p);
	}
	/* A spent quota stops until midnight Pacific (08:00 UTC in winter). */
	struct conn_request req;
	struct conn_batch b;
	struct conn_poll *p = start(NULL, 0, &req);
	conn_test_answer(c, p, &req, 403, quota, NULL, &b);
	T_EQ_INT(CONN_STOP, b.outcome);
	T_EQ_INT(NOW + 8 * 3600LL * 1000000, b.rate.reset_at);
	/* The driver keeps a stop for retry_after_usec: until then. */
	T_EQ_INT(8 * 3600LL * 1000000, b.rate.retry_after_usec);
	T_ASSERT(c->poll_done(p));
	conn_batch_clear(&b);
	conn_request_clear(&req);
	c->poll_free(p);
}

/* A Retry-After is waited for (the driver's backoff alone may be
 * shorter). */
static void test_retry_after_is_read(void)
{
	static const struct conn_test_headers h = { { "Retry-After" }, { "90" } };
	static const struct conn_test_headers bad = { { "Retry-After" }, { "90x" } };
	struct conn_request req;
	struct conn_batch b;
	struct conn_poll *p = start(NULL, 0, &req);
	conn_test_answer(
	        c, p, &req, 429,
	        "{\"error\":{\"code\":429,\"errors\":[{\"reason\":\"rateLimitExceeded\"}]}}", &h,
	        &b);
	T_EQ_INT(CONN_RETRY, b.outcome);
	T_EQ_INT(90LL * 1000000, b.rate.retry_after_usec);
	conn_batch_clear(&b);
	conn_request_clear(&req);
	T_EQ_INT(1, c->poll_next(p, &req));
	conn_test_answer(c, p, &req, 503, "{}", &bad, &b);
	T_EQ_INT(CONN_RETRY, b.outcome);
	T_EQ_INT(0, b.rate.retry_after_usec);
	conn_batch_clear(&b);
	conn_request_clear(&req);
	c->poll_free(p);
}

static void test_window_and_cursor(void)
{
	struct conn_request req;
	struct conn_batch b;
	/* The last poll's newest thread was at 2019-12-01T03:36:55Z. */
	struct conn_poll *p = start("{\"t\":\"1575171415000000\",\"c\":{\"T2\":1}}", 0, &req);
	const char *page = "{\"nextPageToken\":\"abc\",\"items\":["
	                   "{\"id\":\"T1\",\"snippet\":{\"totalReplyCount\":0,\"topLevelComment\":{"
	                   "\"id\":\"T1\","
	                   "\"snippet\":{\"textOriginal\":\"new\",\"publishedAt\":\"2019-12-01T09:"
	                   "00:00Z\"}}}},"
	                   "{\"id\":\"T2\",\"snippet\":{\"totalReplyCount\":1,\"topLevelComment\":{"
	                   "\"id\":\"T2\","
	                   "\"snippet\":{\"textOriginal\":\"old\",\"publishedAt\":\"2019-11-30T09:"
	                   "00:00Z\"}}}},"
	                   "{\"id\":\"T3\",\"snippet\":{\"totalReplyCount\":0,\"topLevelComment\":{"
	                   "\"id\":\"T3\","
	                   "\"snippet\":{\"textOriginal\":\"older than the window\","
	                   "\"publishedAt\":\"2019-11-20T09:00:00Z\"}}}}]}";
	conn_test_answer(c, p, &req, 200, page, NULL, &b);
	/* Only the new thread: T2 is unchanged (count 1 as before), T3 ends
	 * the window, and so no further page is asked for. */
	T_EQ_INT(1, b.n_items);
	T_EQ_STR("T1", b.items[0].platform_id);
	T_ASSERT(c->poll_done(p));
	T_EQ_STR("{\"t\":\"1575190800000000\",\"c\":{\"T2\":1}}", b.cursor);
	conn_batch_clear(&b);
	conn_request_clear(&req);
	c->poll_free(p);

	struct conn_account acc = { .id = "a",
		                    .external_id = CHANNEL,
		                    .base_url = "http://yt.test" };
	const char *bad[] = { "x", "{\"t\":1}", "{\"t\":\"1x\"}", "{\"c\":{\"a\":\"b\"}}", "[]" };
	for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
		acc.cursor = bad[i];
		p = NULL;
		T_EQ_INT(-EINVAL, c->poll_new(&acc, &p));
	}
}

static void test_malformed_is_offered_again(void)
{
	struct conn_request req, again;
	struct conn_batch b;
	struct conn_poll *p = start(NULL, 0, &req);

	conn_test_answer(c, p, &req, 200, "{\"items\":[{\"id\":\"T1\",\"snippet\":", NULL, &b);
	T_EQ_INT(CONN_MALFORMED, b.outcome);
	T_EQ_INT(0, b.n_items);
	conn_batch_clear(&b);
	T_EQ_INT(1, c->poll_next(p, &again));
	T_EQ_STR(req.url, again.url);
	conn_request_clear(&req);
	conn_request_clear(&again);
	c->poll_free(p);
}

static void test_actions(void)
{
	struct conn_account acc = { .id = "a",
		                    .external_id = CHANNEL,
		                    .base_url = "http://yt.test" };
	struct conn_request req;

	T_EQ_INT(0, c->action_request(&acc, CONN_ACT_HIDE, "Ugx1", "comment", NULL, &req));
	T_EQ_STR("POST", req.method);
	T_EQ_STR("http://yt.test/youtube/v3/comments/setModerationStatus?id=Ugx1"
	         "&moderationStatus=heldForReview",
	         req.url);
	T_EQ_INT(50, req.quota_cost);
	conn_request_clear(&req);
	T_EQ_INT(0, c->action_request(&acc, CONN_ACT_BLOCK_AUTHOR, "Ugx1", "comment", NULL, &req));
	T_CONTAINS(req.url, "moderationStatus=rejected&banAuthor=true");
	conn_request_clear(&req);
	T_EQ_INT(-EOPNOTSUPP,
	         c->action_request(&acc, CONN_ACT_REPORT, "Ugx1", "comment", NULL, &req));
	T_EQ_INT(-EINVAL, c->action_request(&acc, CONN_ACT_HIDE, "a&b=c", "comment", NULL, &req));
	struct conn_answer ok = { .status = 204, .body = "", .body_len = 0 };
	struct conn_rate rate = { 0 };
	T_EQ_INT(CONN_OK, c->action_answer(&ok, &rate, NULL));
}

int main(void)
{
	c = connector_find("youtube");
	T_ASSERT(c != NULL);
	if (!c)
		return t_done();
	T_RUN(test_reasons);
	T_RUN(test_retry_after_is_read);
	T_RUN(test_window_and_cursor);
	T_RUN(test_malformed_is_offered_again);
	T_RUN(test_actions);
	if (conn_test_fixtures()) {
		T_RUN(test_recorded_threads_then_replies);
		T_RUN(test_recorded_single_thread_and_own_reply);
		T_RUN(test_recorded_errors);
	}
	return t_done();
}
