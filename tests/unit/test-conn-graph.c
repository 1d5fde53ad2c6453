/* The Graph API connectors (connectors/graph.c, facebook.c, instagram.c):
 * every recorded Facebook and Instagram response under
 * ../shared/data/platform-fixtures parses to the right items, kinds,
 * parents, own flags, states, times and outcomes; a whole poll runs
 * through its requests with paging, cursors, gone objects and every
 * error class; actions make the right requests. */
#include <dirent.h>
#include <errno.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <sys/stat.h>
#include <unistd.h>

#include "connectors/connector.h"
#include "connectors/facebook.h"
#include "connectors/graph.h"
#include "connectors/instagram.h"
#include "util/clock.h"
#include "util/readfile.h"
#include "t.h"

#define PAGE "104857600123456"

/* ---------------------------------------------------------------- helpers */

static char fixdir[4300];

static bool find_fixtures(void)
{
	const char *env = getenv("VAKT_PLATFORM_FIXTURES");
	if (env) {
		snprintf(fixdir, sizeof(fixdir), "%s", env);
		return true;
	}
	char d[4096];
	snprintf(d, sizeof(d), "%s", SRCDIR);
	for (int i = 0; i < 6; i++) {
		char cand[4200];
		struct stat st;
		snprintf(cand, sizeof(cand), "%s/shared/data/platform-fixtures", d);
		if (stat(cand, &st) == 0 && S_ISDIR(st.st_mode)) {
			snprintf(fixdir, sizeof(fixdir), "%s", cand);
			return true;
		}
		char *slash = strrchr(d, '/');
		if (!slash || slash == d)
			break;
		*slash = '\0';
	}
	return false;
}

static char *fixture(const char *name, size_t *len)
{
	char path[4400];
	char *buf = NULL;
	size_t l = 0;
	snprintf(path, sizeof(path), "%s/%s", fixdir, name);
	if (readfile_regular(path, 1 << 20, &buf, &l) < 0) {
		printf("# cannot read %s\n", path);
		return NULL;
	}
	if (len)
		*len = l;
	return buf;
}

struct hdrs {
	const char *name[8];
	const char *value[8];
};

static const char *hdr(const void *ctx, const char *name)
{
	const struct hdrs *h = ctx;
	for (int i = 0; h && i < 8 && h->name[i]; i++)
		if (strcasecmp(h->name[i], name) == 0)
			return h->value[i];
	return NULL;
}

static struct conn_answer answer(long status, const char *body, const struct hdrs *h)
{
	return (struct conn_answer){ .status = status,
		                     .body = body,
		                     .body_len = body ? strlen(body) : 0,
		                     .header = hdr,
		                     .header_ctx = h };
}

static int64_t t_iso(const char *s)
{
	int64_t us = 0;
	clock_parse_iso8601(s, &us);
	return us;
}

static const struct conn_item *find_item(const struct conn_batch *b, const char *id)
{
	for (size_t i = 0; i < b->n_items; i++)
		if (strcmp(b->items[i].platform_id, id) == 0)
			return &b->items[i];
	return NULL;
}

/* A poll of connector c and the request it offers next. */
struct run {
	const struct connector *c;
	struct conn_account acc;
	struct conn_poll *p;
	struct conn_request req;
	struct conn_batch b;
};

static void run_start(struct run *r, const struct connector *c, const char *ext, const char *cursor,
                      const char *backfill)
{
	memset(r, 0, sizeof(*r));
	r->c = c;
	r->acc = (struct conn_account){ .id = "acct",
		                        .external_id = ext,
		                        .base_url = "http://sim/v22.0",
		                        .cursor = cursor,
		                        .backfill_from = t_iso(backfill),
		                        .now = t_iso("2026-12-03T12:00:00Z") };
	conn_batch_init(&r->b);
	T_EQ_INT(0, c->poll_new(&r->acc, &r->p));
}

/* Take the next request; 1, or 0 when none. */
static int run_next(struct run *r)
{
	conn_request_clear(&r->req);
	return r->p ? r->c->poll_next(r->p, &r->req) : 0;
}

/* Answer the current request. */
static int run_answer(struct run *r, long status, const char *body, const struct hdrs *h)
{
	struct conn_answer a = answer(status, body, h);
	conn_batch_clear(&r->b);
	return r->c->poll_answer(r->p, &r->req, &a, &r->b);
}

static void run_end(struct run *r)
{
	conn_request_clear(&r->req);
	conn_batch_clear(&r->b);
	if (r->p)
		r->c->poll_free(r->p);
	r->p = NULL;
}

static const char *RATINGS_GONE =
        "{\"error\":{\"message\":\"(#12) Querying recommendations is deprecated for versions "
        "v22.0 and higher\",\"type\":\"OAuthException\",\"code\":12,\"fbtrace_id\":\"A\"}}";

/* Start a Facebook poll past its ratings question (answered error 12). */
static void fb_start(struct run *r, const char *cursor, const char *backfill)
{
	run_start(r, &connector_facebook, PAGE, cursor, backfill);
	if (!cursor || !strstr(cursor, "\"nr\"")) {
		T_EQ_INT(1, run_next(r));
		T_CONTAINS(r->req.url, "/" PAGE "/ratings?");
		T_EQ_INT(0, run_answer(r, 400, RATINGS_GONE, NULL));
		T_EQ_INT(CONN_NOT_ALLOWED, r->b.outcome);
	}
}

/* ---------------------------------------------------------------- graph.c */

static void test_time_formats(void)
{
	int64_t us;
	T_EQ_INT(0, graph_time("2019-06-13T08:15:30+0000", &us));
	T_EQ_INT(1560413730LL * 1000000, us);
	T_EQ_INT(0, graph_time("2019-06-13T10:15:30+02:00", &us));
	T_EQ_INT(1560413730LL * 1000000, us);
	T_ASSERT(graph_time("2019-06-13", &us) < 0);
	T_ASSERT(graph_time(NULL, &us) < 0);
	T_ASSERT(graph_time("1560413730", &us) < 0);
}

static void test_usage_headers(void)
{
	struct hdrs h = { { "X-App-Usage", "X-Business-Use-Case-Usage" },
		          { "{\"call_count\":12,\"total_cputime\":40,\"total_time\":3}",
		            "{\"" PAGE
		            "\":[{\"type\":\"pages\",\"call_count\":97,\"total_cputime\":5,"
		            "\"total_time\":9,\"estimated_time_to_regain_access\":7}]}" } };
	struct conn_answer a = answer(200, "{}", &h);
	struct conn_rate rate = { 0, -1, -1, 0, -1 };
	graph_rate(&a, &rate);
	T_EQ_INT(97, rate.usage_percent);
	T_EQ_INT(40, rate.app_usage_percent); /* the app's own, for every account */
	T_EQ_INT(7LL * 60 * 1000000, rate.retry_after_usec);

	struct hdrs bad = { { "X-App-Usage", "Retry-After" }, { "{not json", "30" } };
	a = answer(429, "", &bad);
	rate = (struct conn_rate){ 0, -1, -1, 0, -1 };
	graph_rate(&a, &rate);
	T_EQ_INT(-1, rate.usage_percent);
	T_EQ_INT(-1, rate.app_usage_percent);
	T_EQ_INT(30LL * 1000000, rate.retry_after_usec);
}

static enum conn_outcome outcome_of(long status, const char *body, const struct hdrs *h,
                                    struct conn_rate *ret_rate)
{
	struct conn_batch b;
	cJSON *root = NULL;
	struct conn_answer a = answer(status, body, h);
	conn_batch_init(&b);
	T_EQ_INT(0, graph_check(&a, &b, &root, NULL));
	enum conn_outcome o = b.outcome;
	if (o != CONN_OK)
		T_ASSERT(b.message && !root);
	if (ret_rate)
		*ret_rate = b.rate;
	cJSON_Delete(root);
	conn_batch_clear(&b);
	return o;
}

static enum conn_outcome code_outcome(long status, int code, int subcode, const char *msg)
{
	char body[512];
	snprintf(body, sizeof(body),
	         "{\"error\":{\"message\":\"%s\",\"type\":\"OAuthException\",\"code\":%d,"
	         "\"error_subcode\":%d,\"fbtrace_id\":\"A\"}}",
	         msg, code, subcode);
	return outcome_of(status, body, NULL, NULL);
}

static void test_error_throttling(void)
{
	static const int codes[] = { 4, 17, 32, 613, 80001, 80002 };
	struct hdrs h = { { "X-Business-Use-Case-Usage" },
		          { "{\"1\":[{\"type\":\"pages\",\"call_count\":100,\"total_cputime\":1,"
		            "\"total_time\":1,\"estimated_time_to_regain_access\":10}]}" } };
	for (size_t i = 0; i < sizeof(codes) / sizeof(codes[0]); i++) {
		char body[256];
		struct conn_rate rate;
		snprintf(body, sizeof(body),
		         "{\"error\":{\"message\":\"(#%d) limit\",\"type\":\"OAuthException\","
		         "\"code\":%d,\"is_transient\":true,\"fbtrace_id\":\"A\"}}",
		         codes[i], codes[i]);
		T_EQ_INT(CONN_RETRY, outcome_of(400, body, &h, &rate));
		T_EQ_INT(100, rate.usage_percent);
		T_EQ_INT(600LL * 1000000, rate.retry_after_usec);
		T_EQ_INT(CONN_RETRY, outcome_of(403, body, NULL, NULL));
	}
	/* 429 with no Graph body at all */
	struct hdrs ra = { { "Retry-After" }, { "17" } };
	struct conn_rate rate;
	T_EQ_INT(CONN_RETRY, outcome_of(429, "Too Many Requests", &ra, &rate));
	T_EQ_INT(17LL * 1000000, rate.retry_after_usec);
}

static void test_error_token(void)
{
	static const int subs[] = { 0, 458, 460, 463, 467 };
	for (size_t i = 0; i < sizeof(subs) / sizeof(subs[0]); i++)
		T_EQ_INT(CONN_TOKEN,
		         code_outcome(400, 190, subs[i], "Error validating access token"));
	T_EQ_INT(CONN_TOKEN, code_outcome(400, 104, 0, "An access token is required"));
}

static void test_error_permission(void)
{
	T_EQ_INT(CONN_PERMISSION, code_outcome(403, 10, 0, "(#10) no permission"));
	T_EQ_INT(CONN_PERMISSION, code_outcome(403, 200, 0, "(#200) not authorized"));
	T_EQ_INT(CONN_PERMISSION, code_outcome(400, 230, 0, "(#230) requires pages"));
	T_EQ_INT(CONN_PERMISSION, code_outcome(400, 299, 0, "(#299) x"));
	T_EQ_INT(CONN_PERMISSION, code_outcome(400, 100, 0,
	                                       "API calls from the server require an "
	                                       "appsecret_proof argument"));
}

static void test_error_gone_and_others(void)
{
	T_EQ_INT(CONN_GONE, code_outcome(400, 100, 33, "Unsupported get request. Object with ID"));
	T_EQ_INT(CONN_GONE, code_outcome(400, 100, 0, "Unsupported delete request."));
	T_EQ_INT(CONN_GONE, code_outcome(404, 803, 0,
	                                 "(#803) Some of the aliases you requested do "
	                                 "not exist: 1_2"));
	T_EQ_INT(CONN_MALFORMED, code_outcome(400, 100, 0, "(#100) Param limit must be a number"));
	T_EQ_INT(CONN_RETRY, code_outcome(500, 1, 0, "An unknown error occurred"));
	T_EQ_INT(CONN_RETRY, code_outcome(500, 2, 0, "Service temporarily unavailable"));
	T_EQ_INT(CONN_NOT_ALLOWED, code_outcome(400, 12, 0, "(#12) deprecated"));
	T_EQ_INT(CONN_STOP, code_outcome(400, 368, 0, "(#368) temporarily blocked"));
	T_EQ_INT(CONN_RETRY, outcome_of(502, "<html>Bad gateway</html>", NULL, NULL));
	T_EQ_INT(CONN_RETRY, outcome_of(503, NULL, NULL, NULL));
	T_EQ_INT(CONN_MALFORMED,
	         outcome_of(200, "{\"data\":[{\"id\":\"1\",,\"message\":}]", NULL, NULL));
	T_EQ_INT(CONN_MALFORMED, outcome_of(200, "{\"data\":[{\"id\":\"1\",\"mess", NULL, NULL));
	T_EQ_INT(CONN_MALFORMED, outcome_of(200, "", NULL, NULL));
	T_EQ_INT(CONN_MALFORMED,
	         outcome_of(400, "{\"error\":{\"message\":\"no code\"}}", NULL, NULL));
	T_EQ_INT(CONN_MALFORMED, outcome_of(400, "<html>", NULL, NULL));
	T_EQ_INT(CONN_OK, outcome_of(200, "{\"data\":[]}", NULL, NULL));
}

static void test_message_carries_no_platform_text(void)
{
	struct conn_batch b;
	cJSON *root = NULL;
	struct conn_answer a = answer(400,
	                              "{\"error\":{\"message\":\"Error validating access token: "
	                              "The user Anna Lindqvist has not authorized\",\"code\":190,"
	                              "\"error_subcode\":460,\"fbtrace_id\":\"A\"}}",
	                              NULL);
	conn_batch_init(&b);
	T_EQ_INT(0, graph_check(&a, &b, &root, NULL));
	T_CONTAINS(b.message, "190/460");
	T_ASSERT(!strstr(b.message, "Anna"));
	conn_batch_clear(&b);
}

static void test_idset_and_query(void)
{
	struct graph_idset s = { 0 };
	char id[32];
	for (int i = 0; i < 1000; i++) {
		snprintf(id, sizeof(id), "id%d", i);
		T_EQ_INT(1, graph_idset_add(&s, id));
	}
	T_EQ_INT(0, graph_idset_add(&s, "id999"));
	T_ASSERT(graph_idset_has(&s, "id0"));
	T_ASSERT(!graph_idset_has(&s, "id1000"));
	graph_idset_free(&s);
	graph_idset_free(NULL);

	char *v = graph_query_param("https://x/y?a=1&until=42&since&__paging_token=t%3D", "until");
	T_EQ_STR("42", v);
	free(v);
	T_ASSERT(!graph_query_param("https://x/y?a=1&until=42&since&t=1", "since"));
	T_ASSERT(!graph_query_param("https://x/y?until_x=1", "until"));
	T_ASSERT(!graph_query_param(NULL, "until"));
}

/* ---------------------------------------------------------------- parsing */

static void test_comment_missing_from(void)
{
	struct conn_batch b;
	conn_batch_init(&b);
	cJSON *c = cJSON_Parse("{\"id\":\"1_2\",\"created_time\":\"2026-12-01T10:00:00+0000\","
	                       "\"message\":\"hej\"}");
	T_EQ_INT(1, fb_comment_item(c, PAGE, PAGE "_1", NULL, &b, NULL));
	T_EQ_INT(1, b.n_items);
	T_ASSERT(!b.items[0].is_own);
	T_ASSERT(!b.items[0].author_id);
	T_ASSERT(!b.items[0].author_name);
	T_EQ_STR("comment", b.items[0].kind);
	T_EQ_STR(PAGE "_1", b.items[0].parent_platform_id);
	T_EQ_STR("visible", b.items[0].platform_state);
	cJSON_Delete(c);
	conn_batch_clear(&b);
}

static void test_comment_escapes_and_emoji(void)
{
	struct conn_batch b;
	conn_batch_init(&b);
	/* PHP's json_encode: every non-ASCII character escaped, "/" too,
	 * and a non-BMP emoji as a surrogate pair. */
	cJSON *c = cJSON_Parse("{\"id\":\"1_3\",\"created_time\":\"2026-12-01T10:00:00+0000\","
	                       "\"message\":\"G\\u00e4ller det? \\ud83d\\ude15 "
	                       "https:\\/\\/exempelby.se\\/sopor \\ud83c\\uddf8\\ud83c\\uddea\","
	                       "\"from\":{\"id\":\"" PAGE "\",\"name\":\"Exempelby\"}}");
	T_EQ_INT(1, fb_comment_item(c, PAGE, PAGE "_1", NULL, &b, NULL));
	T_EQ_STR("Gäller det? 😕 https://exempelby.se/sopor 🇸🇪", b.items[0].text);
	T_ASSERT(b.items[0].is_own);
	T_EQ_STR(PAGE, b.items[0].author_id);
	cJSON_Delete(c);
	conn_batch_clear(&b);
}

static void test_comment_unusable_skipped(void)
{
	struct conn_batch b;
	conn_batch_init(&b);
	cJSON *c = cJSON_Parse("[{\"message\":\"no id, no permalink\",\"created_time\":"
	                       "\"2026-12-01T10:00:00+0000\"},{\"id\":\"1_4\"},"
	                       "{\"id\":\"1_5\",\"created_time\":\"yesterday\"},"
	                       "{\"id\":7,\"created_time\":\"2026-12-01T10:00:00+0000\"}]");
	const cJSON *e;
	cJSON_ArrayForEach(e, c)
		T_EQ_INT(0, fb_comment_item(e, PAGE, PAGE "_1", NULL, &b, NULL));
	T_EQ_INT(0, b.n_items);
	cJSON_Delete(c);
	conn_batch_clear(&b);
}

static void test_comment_reply_by_parent(void)
{
	struct conn_batch b;
	struct graph_idset seen = { 0 };
	conn_batch_init(&b);
	cJSON *c = cJSON_Parse("{\"id\":\"1_9\",\"created_time\":\"2026-12-01T10:00:00+0000\","
	                       "\"parent\":{\"id\":\"1_8\"},\"is_hidden\":true}");
	T_EQ_INT(1, fb_comment_item(c, PAGE, PAGE "_1", &seen, &b, NULL));
	T_EQ_INT(0, fb_comment_item(c, PAGE, PAGE "_1", &seen, &b, NULL)); /* once */
	T_EQ_STR("reply", b.items[0].kind);
	T_EQ_STR("1_8", b.items[0].parent_platform_id);
	T_EQ_STR("hidden", b.items[0].platform_state);
	T_EQ_STR("", b.items[0].text);
	cJSON_Delete(c);
	graph_idset_free(&seen);
	conn_batch_clear(&b);
}

/* ---------------------------------------------------------------- a poll */

#define C_FIELDS_OK "\"created_time\":\"2026-12-01T10:00:00+0000\""

static const char *FEED_P1 =
        "{\"data\":["
        "{\"id\":\"" PAGE "_100\",\"message\":\"Sop\\u00e4mtning\",\"created_time\":"
        "\"2026-12-02T12:00:00+0000\",\"updated_time\":\"2026-12-02T13:00:00+0000\","
        "\"from\":{\"id\":\"" PAGE "\",\"name\":\"Exempelby\"},\"is_hidden\":false,"
        "\"comments\":{\"data\":["
        "{\"id\":\"100_3\",\"message\":\"tack\",\"created_time\":\"2026-12-02T13:00:00+0000\","
        "\"from\":{\"id\":\"" PAGE "\",\"name\":\"Exempelby\"},\"parent\":{\"id\":\"100_1\"}},"
        "{\"id\":\"100_2\",\"message\":\"anon\",\"created_time\":\"2026-12-02T12:30:00+0000\"}"
        "],\"paging\":{\"cursors\":{\"before\":\"B1\",\"after\":\"A1=\"},\"next\":"
        "\"https://graph.facebook.com/v22.0/x/comments?access_token=SECRET&after=A1%3D\"},"
        "\"summary\":{\"order\":\"reverse_chronological\",\"total_count\":3}}},"
        "{\"id\":\"" PAGE "_99\",\"message\":\"Bes\\u00f6karinl\\u00e4gg\",\"created_time\":"
        "\"2026-12-01T09:00:00+0000\",\"comments\":{\"data\":[],\"summary\":{\"total_count\":0}}}"
        "],\"paging\":{\"previous\":\"https://graph.facebook.com/v22.0/" PAGE
        "/feed?since=1764763200&until&__paging_token=P0&__previous=1\",\"next\":"
        "\"https://graph.facebook.com/v22.0/" PAGE "/feed?access_token=SECRET&limit=25"
        "&until=1796115600&since&__paging_token=enc%3Aabc&__previous\"}}";

static const char *COMMENTS_P2 =
        "{\"data\":[{\"id\":\"100_1\",\"message\":\"N\\u00e4r?\",\"created_time\":"
        "\"2026-12-02T12:10:00+0000\",\"from\":{\"id\":\"555\",\"name\":\"Anna\"}}],"
        "\"paging\":{\"cursors\":{\"before\":\"B2\",\"after\":\"A2\"},\"previous\":\"x\"}}";

static void poll_first(char **ret_cursor)
{
	struct run r;
	fb_start(&r, NULL, "2026-11-19T00:00:00Z");
	T_EQ_INT(1, run_next(&r));
	T_CONTAINS(r.req.url, "http://sim/v22.0/" PAGE "/feed?fields=");
	T_CONTAINS(r.req.url, "comments.filter%28stream%29.order%28reverse_chronological%29");
	T_CONTAINS(r.req.url, "&since=1795046400"); /* the horizon */
	T_EQ_STR("GET", r.req.method);
	T_EQ_INT(0, run_next(&(struct run){ .c = r.c }) /* nothing without a poll */);
	T_EQ_INT(0, run_answer(&r, 200, FEED_P1, NULL));
	T_EQ_INT(CONN_OK, r.b.outcome);
	T_ASSERT(!r.b.cursor); /* more to come */
	T_EQ_INT(4, r.b.n_items);
	const struct conn_item *post = find_item(&r.b, PAGE "_100");
	const struct conn_item *visitor = find_item(&r.b, PAGE "_99");
	const struct conn_item *reply = find_item(&r.b, "100_3");
	const struct conn_item *anon = find_item(&r.b, "100_2");
	T_ASSERT(post && visitor && reply && anon);
	if (post && visitor && reply && anon) {
		T_EQ_STR("post", post->kind);
		T_ASSERT(post->is_own);
		T_EQ_STR("Sopämtning", post->text);
		T_ASSERT(!strstr(post->raw_json, "comments"));
		T_EQ_INT(t_iso("2026-12-02T12:00:00Z"), post->published_at);
		T_EQ_STR("post", visitor->kind);
		T_ASSERT(!visitor->is_own && !visitor->author_id);
		T_EQ_STR("reply", reply->kind);
		T_EQ_STR("100_1", reply->parent_platform_id);
		T_ASSERT(reply->is_own);
		T_EQ_STR("comment", anon->kind);
		T_EQ_STR(PAGE "_100", anon->parent_platform_id);
		T_ASSERT(!anon->is_own);
	}
	/* the second comment page, then the feed's second page */
	T_EQ_INT(1, run_next(&r));
	T_CONTAINS(r.req.url, "http://sim/v22.0/" PAGE "_100/comments?fields=");
	T_CONTAINS(r.req.url, "&filter=stream&order=reverse_chronological");
	T_CONTAINS(r.req.url, "&after=A1%3D");
	T_ASSERT(!strstr(r.req.url, "SECRET"));
	struct conn_request comments = r.req;
	memset(&r.req, 0, sizeof(r.req));
	T_EQ_INT(1, run_next(&r));
	T_CONTAINS(r.req.url, "/" PAGE "/feed?");
	T_CONTAINS(r.req.url, "&since=1795046400&until=1796115600&__paging_token=enc%3Aabc");
	T_ASSERT(!strstr(r.req.url, "SECRET"));
	struct conn_request feed2 = r.req;
	r.req = comments;
	T_EQ_INT(0, run_answer(&r, 200, COMMENTS_P2, NULL));
	T_EQ_INT(1, r.b.n_items);
	T_EQ_STR("555", r.b.items[0].author_id);
	T_ASSERT(!r.b.cursor);
	T_ASSERT(!connector_facebook.poll_done(r.p));
	conn_request_clear(&r.req);
	r.req = feed2;
	T_EQ_INT(0, run_answer(&r, 200, "{\"data\":[]}", NULL));
	T_EQ_INT(0, r.b.n_items);
	T_ASSERT(connector_facebook.poll_done(r.p));
	T_EQ_INT(0, run_next(&r));
	T_ASSERT(r.b.cursor);
	if (r.b.cursor) {
		T_CONTAINS(r.b.cursor, "\"hw\":1796212800"); /* 2026-12-02T12:00:00Z */
		T_CONTAINS(r.b.cursor, "\"cw\":1796216400"); /* 13:00 */
		T_CONTAINS(r.b.cursor, "\"nr\":true");
		T_CONTAINS(r.b.cursor, "[\"" PAGE "_100\",1796216400]");
		T_CONTAINS(r.b.cursor, "[\"" PAGE "_99\",1796115600]");
		*ret_cursor = strdup(r.b.cursor);
	}
	run_end(&r);
}

static void test_poll_pages_to_the_end(void)
{
	char *cursor = NULL;
	poll_first(&cursor);
	free(cursor);
}

static void test_poll_cursor_round_trip(void)
{
	char *cursor = NULL;
	poll_first(&cursor);
	if (!cursor)
		return;
	struct run r;
	fb_start(&r, cursor, "2026-11-19T00:00:00Z");
	T_EQ_INT(1, run_next(&r)); /* no ratings question any more */
	T_CONTAINS(r.req.url, "/feed?");
	T_CONTAINS(r.req.url, "&since=1796212200"); /* hw less the overlap */
	T_EQ_INT(0, run_answer(&r, 200, "{\"data\":[]}", NULL));
	T_ASSERT(!r.b.cursor);
	/* the known posts the feed no longer brings, in one ?ids= request */
	T_EQ_INT(1, run_next(&r));
	T_CONTAINS(r.req.url, "http://sim/v22.0/?fields=");
	T_CONTAINS(r.req.url, "&ids=" PAGE "_100%2C" PAGE "_99");
	T_EQ_INT(
	        0,
	        run_answer(&r, 200,
	                   "{\"" PAGE "_100\":{\"id\":\"" PAGE "_100\",\"created_time\":"
	                   "\"2026-12-02T12:00:00+0000\",\"comments\":{\"data\":[{\"id\":\"100_4\","
	                   "\"message\":\"ny\",\"created_time\":\"2026-12-03T08:00:00+0000\"}]}},"
	                   "\"" PAGE "_99\":{\"id\":\"" PAGE "_99\",\"created_time\":"
	                   "\"2026-12-01T09:00:00+0000\",\"comments\":{\"data\":[]}}}",
	                   NULL));
	T_EQ_INT(CONN_OK, r.b.outcome);
	T_EQ_INT(3, r.b.n_items);
	T_ASSERT(find_item(&r.b, "100_4"));
	T_ASSERT(r.b.cursor);
	if (r.b.cursor) {
		T_CONTAINS(r.b.cursor, "\"hw\":1796212800");
		T_CONTAINS(r.b.cursor, "\"cw\":1796284800"); /* 2026-12-03T08:00 */
	}
	run_end(&r);

	/* A poll after downtime longer than the horizon forgets what is older. */
	fb_start(&r, cursor, "2026-12-02T00:00:00Z");
	T_EQ_INT(1, run_next(&r));
	T_EQ_INT(0, run_answer(&r, 200, "{\"data\":[]}", NULL));
	T_EQ_INT(1, run_next(&r));
	T_CONTAINS(r.req.url, "&ids=" PAGE "_100");
	T_ASSERT(!strstr(r.req.url, PAGE "_99"));
	run_end(&r);

	struct conn_poll *p = NULL;
	struct conn_account acc = { .external_id = PAGE,
		                    .base_url = "http://sim",
		                    .cursor = "{\"v\":2}" };
	T_EQ_INT(-EINVAL, connector_facebook.poll_new(&acc, &p));
	acc.cursor = "not json";
	T_EQ_INT(-EINVAL, connector_facebook.poll_new(&acc, &p));
	free(cursor);
}

static const char *CURSOR_TWO =
        "{\"v\":1,\"hw\":1796212800,\"cw\":1796216400,\"nr\":true,\"a\":[[\"" PAGE
        "_100\",1796216400],[\"" PAGE "_99\",1796115600]]}";

static void test_poll_deleted_post(void)
{
	struct run r;
	fb_start(&r, CURSOR_TWO, "2026-11-19T00:00:00Z");
	T_EQ_INT(1, run_next(&r));
	T_EQ_INT(0, run_answer(&r, 200, "{\"data\":[]}", NULL));
	T_EQ_INT(1, run_next(&r));
	T_EQ_INT(0,
	         run_answer(&r, 404,
	                    "{\"error\":{\"message\":\"(#803) Some of the aliases you requested "
	                    "do not exist: " PAGE "_99\",\"type\":\"OAuthException\",\"code\":803,"
	                    "\"fbtrace_id\":\"A\"}}",
	                    NULL));
	T_EQ_INT(CONN_OK, r.b.outcome);
	T_EQ_INT(1, r.b.n_gone);
	if (r.b.n_gone)
		T_EQ_STR(PAGE "_99", r.b.gone[0]);
	T_ASSERT(!r.b.cursor);
	T_EQ_INT(1, run_next(&r)); /* the rest again */
	T_CONTAINS(r.req.url, "&ids=" PAGE "_100");
	T_ASSERT(!strstr(r.req.url, "_99"));
	/* this one went too, named only as "Object with ID" */
	T_EQ_INT(0,
	         run_answer(
	                 &r, 400,
	                 "{\"error\":{\"message\":\"Unsupported get request. Object with ID '" PAGE
	                 "_100' does not exist\",\"type\":\"GraphMethodException\",\"code\":100,"
	                 "\"error_subcode\":33,\"fbtrace_id\":\"A\"}}",
	                 NULL));
	T_EQ_INT(1, r.b.n_gone);
	T_ASSERT(connector_facebook.poll_done(r.p));
	T_ASSERT(r.b.cursor);
	if (r.b.cursor)
		T_CONTAINS(r.b.cursor, "\"a\":[]");
	run_end(&r);

	/* unnamed: each alone */
	fb_start(&r, CURSOR_TWO, "2026-11-19T00:00:00Z");
	run_next(&r);
	run_answer(&r, 200, "{\"data\":[]}", NULL);
	run_next(&r);
	T_EQ_INT(0,
	         run_answer(&r, 400,
	                    "{\"error\":{\"message\":\"(#100) Unsupported get request.\",\"code\":"
	                    "100,\"error_subcode\":33}}",
	                    NULL));
	T_EQ_INT(0, r.b.n_gone);
	T_EQ_INT(1, run_next(&r));
	T_CONTAINS(r.req.url, "&ids=" PAGE "_100");
	T_ASSERT(!strstr(strstr(r.req.url, "&ids="), "%2C"));
	T_EQ_INT(1, run_next(&r));
	T_CONTAINS(r.req.url, "&ids=" PAGE "_99");
	T_ASSERT(!strstr(strstr(r.req.url, "&ids="), "%2C"));
	run_end(&r);
}

static void test_poll_comments_of_deleted_post(void)
{
	struct run r;
	fb_start(&r, NULL, "2026-11-19T00:00:00Z");
	run_next(&r);
	T_EQ_INT(0, run_answer(&r, 200, FEED_P1, NULL));
	T_EQ_INT(1, run_next(&r));
	T_CONTAINS(r.req.url, "_100/comments?");
	T_EQ_INT(0,
	         run_answer(
	                 &r, 400,
	                 "{\"error\":{\"message\":\"Unsupported get request. Object with ID '" PAGE
	                 "_100' does not exist\",\"type\":\"GraphMethodException\",\"code\":100,"
	                 "\"error_subcode\":33,\"fbtrace_id\":\"A\"}}",
	                 NULL));
	T_EQ_INT(CONN_OK, r.b.outcome);
	T_EQ_INT(1, r.b.n_gone);
	if (r.b.n_gone)
		T_EQ_STR(PAGE "_100", r.b.gone[0]);
	run_end(&r);
}

static void test_poll_retry_offers_the_same_request(void)
{
	struct run r;
	fb_start(&r, CURSOR_TWO, "2026-11-19T00:00:00Z");
	T_EQ_INT(1, run_next(&r));
	char *url = strdup(r.req.url);
	T_EQ_INT(0, run_answer(&r, 200, "{\"data\":[{\"id\":\"1\",,\"message\":}]", NULL));
	T_EQ_INT(CONN_MALFORMED, r.b.outcome);
	T_ASSERT(!connector_facebook.poll_done(r.p));
	T_EQ_INT(1, run_next(&r));
	T_EQ_STR(url, r.req.url);
	T_EQ_INT(0, run_answer(&r, 200, "{\"data\":[{\"id\":\"1\",\"mess", NULL));
	T_EQ_INT(CONN_MALFORMED, r.b.outcome);
	T_EQ_INT(1, run_next(&r));
	struct hdrs h = { { "X-App-Usage" },
		          { "{\"call_count\":100,\"total_cputime\":3,\"total_time\":4}" } };
	T_EQ_INT(0, run_answer(&r, 400,
	                       "{\"error\":{\"message\":\"(#4) Application request limit reached\","
	                       "\"type\":\"OAuthException\",\"is_transient\":true,\"code\":4,"
	                       "\"fbtrace_id\":\"A\"}}",
	                       &h));
	T_EQ_INT(CONN_RETRY, r.b.outcome);
	T_EQ_INT(100, r.b.rate.usage_percent);
	T_EQ_INT(1, run_next(&r));
	T_EQ_STR(url, r.req.url);
	T_EQ_INT(0, run_answer(&r, 503, "<html>Sorry</html>", NULL));
	T_EQ_INT(CONN_RETRY, r.b.outcome);
	T_EQ_INT(1, run_next(&r));
	T_EQ_INT(0, run_answer(&r, 200, "{\"data\":[]}", NULL));
	T_EQ_INT(CONN_OK, r.b.outcome);
	free(url);
	run_end(&r);
}

static void test_poll_token_error_ends_the_poll(void)
{
	struct run r;
	fb_start(&r, CURSOR_TWO, "2026-11-19T00:00:00Z");
	T_EQ_INT(1, run_next(&r));
	T_EQ_INT(0,
	         run_answer(&r, 400,
	                    "{\"error\":{\"message\":\"Error validating access token: Session has "
	                    "expired\",\"type\":\"OAuthException\",\"code\":190,\"error_subcode\":"
	                    "463,\"fbtrace_id\":\"A\"}}",
	                    NULL));
	T_EQ_INT(CONN_TOKEN, r.b.outcome);
	T_ASSERT(!r.b.cursor);
	T_ASSERT(connector_facebook.poll_done(r.p));
	T_EQ_INT(0, run_next(&r));
	run_end(&r);

	fb_start(&r, CURSOR_TWO, "2026-11-19T00:00:00Z");
	run_next(&r);
	T_EQ_INT(
	        0,
	        run_answer(&r, 403,
	                   "{\"error\":{\"message\":\"(#10) Application does not have permission\","
	                   "\"code\":10}}",
	                   NULL));
	T_EQ_INT(CONN_PERMISSION, r.b.outcome);
	T_ASSERT(connector_facebook.poll_done(r.p));
	run_end(&r);
}

static void test_poll_ratings_asked_once(void)
{
	/* fb_start() answers the ratings question with error 12; the
	 * poll's cursor then says so and the next poll does not ask. */
	char *cursor = NULL;
	poll_first(&cursor);
	T_ASSERT(cursor && strstr(cursor, "\"nr\":true"));
	free(cursor);

	/* Ratings on an older version become review items. */
	struct run r;
	run_start(&r, &connector_facebook, PAGE, NULL, "2026-11-19T00:00:00Z");
	T_EQ_INT(1, run_next(&r));
	T_CONTAINS(r.req.url, "/ratings?");
	T_EQ_INT(0,
	         run_answer(
	                 &r, 200,
	                 "{\"data\":[{\"created_time\":\"2026-11-20T04:35:18+0000\",\"has_review\":"
	                 "true,\"review_text\":\"L\\u00e5nga k\\u00f6er\",\"recommendation_type\":"
	                 "\"negative\",\"reviewer\":{\"id\":\"77\",\"name\":\"R\"},"
	                 "\"open_graph_story\":{\"id\":\"150\"}}]}",
	                 NULL));
	T_EQ_INT(CONN_OK, r.b.outcome);
	T_EQ_INT(1, r.b.n_items);
	T_EQ_STR("review", r.b.items[0].kind);
	T_EQ_STR("Långa köer", r.b.items[0].text);
	T_EQ_STR("77", r.b.items[0].author_id);
	T_EQ_INT(1, run_next(&r));
	T_CONTAINS(r.req.url, "/feed?");
	T_EQ_INT(0, run_answer(&r, 200, "{\"data\":[]}", NULL));
	T_ASSERT(r.b.cursor && !strstr(r.b.cursor, "nr"));
	run_end(&r);
}

static void test_poll_page_bounded_by_since(void)
{
	/* a feed page reaching past since is the last one followed */
	struct run r;
	fb_start(&r, NULL, "2026-12-02T00:00:00Z");
	run_next(&r);
	T_EQ_INT(0, run_answer(&r, 200, FEED_P1, NULL));
	T_EQ_INT(1, run_next(&r)); /* the comments page of post 100 */
	T_CONTAINS(r.req.url, "/comments?");
	T_EQ_INT(0, run_answer(&r, 200, COMMENTS_P2, NULL));
	T_ASSERT(connector_facebook.poll_done(r.p));
	T_ASSERT(r.b.cursor);
	run_end(&r);
}

static void test_poll_endless_paging_is_capped(void)
{
	/* a platform whose comment pages never end */
	struct run r;
	fb_start(&r, NULL, "2026-11-19T00:00:00Z");
	T_EQ_INT(1, run_next(&r));
	T_EQ_INT(0, run_answer(&r, 200, FEED_P1, NULL));
	size_t n = 0;
	char page[512];
	while (run_next(&r) == 1 && n < 5000) {
		snprintf(page, sizeof(page),
		         "{\"data\":[{\"id\":\"100_%zu\",\"created_time\":"
		         "\"2026-12-02T12:30:00+0000\"}],\"paging\":{\"cursors\":{\"after\":"
		         "\"x%zu\"},\"next\":\"n\"}}",
		         n + 10, n);
		T_EQ_INT(0, run_answer(&r, 200, page, NULL));
		T_ASSERT(!r.b.cursor);
		n++;
	}
	printf("#   %zu pages\n", n);
	T_ASSERT(n < 2100);
	T_ASSERT(connector_facebook.poll_done(r.p));
	T_CONTAINS(r.b.message, "request limit");
	T_EQ_INT(CONN_OK, r.b.outcome);
	run_end(&r);
}

/* ---------------------------------------------------------------- actions */

static void test_actions(void)
{
	struct conn_account acc = { .external_id = PAGE, .base_url = "http://sim/v22.0" };
	struct conn_request req = { 0 };
	T_EQ_INT(0, connector_facebook.action_request(&acc, CONN_ACT_HIDE, "1_2", "comment", NULL,
	                                              &req));
	T_EQ_STR("POST", req.method);
	T_EQ_STR("http://sim/v22.0/1_2", req.url);
	T_EQ_STR("is_hidden=true", req.body);
	T_EQ_STR("application/x-www-form-urlencoded", req.content_type);
	conn_request_clear(&req);
	T_EQ_INT(0, connector_facebook.action_request(&acc, CONN_ACT_UNHIDE, "1_2", "reply", NULL,
	                                              &req));
	T_EQ_STR("is_hidden=false", req.body);
	conn_request_clear(&req);
	T_EQ_INT(0, connector_facebook.action_request(&acc, CONN_ACT_DELETE, "1_2", "comment", NULL,
	                                              &req));
	T_EQ_STR("DELETE", req.method);
	T_ASSERT(!req.body);
	conn_request_clear(&req);
	T_EQ_INT(-EOPNOTSUPP, connector_facebook.action_request(&acc, CONN_ACT_HIDE, "150",
	                                                        "review", NULL, &req));
	T_EQ_INT(-EOPNOTSUPP, connector_facebook.action_request(&acc, CONN_ACT_DELETE, "150",
	                                                        "review", NULL, &req));
	T_EQ_INT(-EOPNOTSUPP, connector_facebook.action_request(&acc, CONN_ACT_REPORT, "1_2",
	                                                        "comment", NULL, &req));
	T_EQ_INT(-EOPNOTSUPP, connector_facebook.action_request(&acc, CONN_ACT_HIDE, PAGE "_1",
	                                                        "post", NULL, &req));

	char *msg = NULL;
	struct conn_rate rate;
	struct conn_answer a = answer(200, "{\"success\":true}", NULL);
	T_EQ_INT(CONN_OK, connector_facebook.action_answer(&a, &rate, &msg));
	T_ASSERT(!msg);
	a = answer(200, "{\"success\":false}", NULL);
	T_EQ_INT(CONN_MALFORMED, connector_facebook.action_answer(&a, &rate, &msg));
	free(msg);
	msg = NULL;
	a = answer(
	        400,
	        "{\"error\":{\"message\":\"Unsupported delete request. Object with ID '1_2' does "
	        "not exist\",\"type\":\"GraphMethodException\",\"code\":100,\"error_subcode\":33}}",
	        NULL);
	T_EQ_INT(CONN_GONE, connector_facebook.action_answer(&a, &rate, &msg));
	T_ASSERT(msg);
	free(msg);
	msg = NULL;
	a = answer(403,
	           "{\"error\":{\"message\":\"(#200) Requires "
	           "pages_manage_engagement\",\"code\":200}}",
	           NULL);
	T_EQ_INT(CONN_PERMISSION, connector_facebook.action_answer(&a, &rate, &msg));
	free(msg);
	msg = NULL;
	a = answer(400,
	           "{\"error\":{\"message\":\"(#100) The Page cannot hide its own content\","
	           "\"type\":\"GraphMethodException\",\"code\":100}}",
	           NULL);
	T_EQ_INT(CONN_NOT_ALLOWED, connector_facebook.action_answer(&a, &rate, &msg));
	free(msg);
	a = answer(200, "not json", NULL);
	T_EQ_INT(CONN_MALFORMED, connector_facebook.action_answer(&a, &rate, NULL));
	T_ASSERT(connector_find("facebook") == &connector_facebook);
}

/* ---------------------------------------------------------------- fixtures */

/* Answer a comments request of a fresh poll with a recorded page. */
static void fx_comments_stream(const char *body, size_t len)
{
	(void)len;
	/* post 10158407654328553 of page 19292868552, as in the recording */
	char feed[1024];
	snprintf(feed, sizeof(feed),
	         "{\"data\":[{\"id\":\"19292868552_10158407654328553\",\"created_time\":"
	         "\"2021-08-10T18:00:00+0000\",\"comments\":{\"data\":[{\"id\":\"x_1\","
	         "\"created_time\":\"2021-08-20T00:00:00+0000\"}],\"paging\":{\"cursors\":"
	         "{\"after\":\"after\"},\"next\":\"n\"}}}]}");
	struct run r;
	run_start(&r, &connector_facebook, "19292868552",
	          "{\"v\":1,\"hw\":0,\"cw\":0,\"nr\":true,\"a\":[]}", "2021-08-01T00:00:00Z");
	run_next(&r);
	T_EQ_INT(0, run_answer(&r, 200, feed, NULL));
	T_EQ_INT(1, run_next(&r));
	T_CONTAINS(r.req.url, "19292868552_10158407654328553/comments?");
	T_EQ_INT(0, run_answer(&r, 200, body, NULL));
	T_EQ_INT(CONN_OK, r.b.outcome);
	/* neither id nor from was recorded: ids come from the permalinks,
	 * replies are known by reply_comment_id, and nothing is own */
	size_t replies = 0;
	T_ASSERT(r.b.n_items >= 5);
	for (size_t i = 0; i < r.b.n_items; i++) {
		const struct conn_item *it = &r.b.items[i];
		T_ASSERT(!it->is_own);
		T_ASSERT(!it->author_id);
		T_ASSERT(strncmp(it->platform_id, "10158407654328553_", 18) == 0);
		T_ASSERT(it->published_at >= t_iso("2021-08-10T00:00:00Z"));
		T_ASSERT(it->permalink && it->text && it->raw_json);
		if (strcmp(it->kind, "reply") == 0) {
			replies++;
			T_ASSERT(strstr(it->permalink, "reply_comment_id="));
			T_ASSERT(strncmp(it->parent_platform_id, "10158407654328553_", 18) == 0);
			T_ASSERT(strcmp(it->parent_platform_id, it->platform_id) != 0);
		} else {
			T_EQ_STR("comment", it->kind);
			T_EQ_STR("19292868552_10158407654328553", it->parent_platform_id);
		}
	}
	T_ASSERT(replies > 0);
	printf("#   %zu items, %zu replies\n", r.b.n_items, replies);
	run_end(&r);
}

static void fx_comments_stream_p1(const char *body, size_t len)
{
	fx_comments_stream(body, len);
	/* p1 has a next page, so the poll asks for it */
	struct conn_batch b;
	conn_batch_init(&b);
	cJSON *root = cJSON_Parse(body);
	T_ASSERT(cJSON_GetObjectItem(cJSON_GetObjectItem(root, "paging"), "next"));
	cJSON_Delete(root);
	conn_batch_clear(&b);
}

static void fx_comments_stream_p2(const char *body, size_t len)
{
	fx_comments_stream(body, len);
	/* the same person posted the same text twice: two items */
	struct conn_batch b;
	conn_batch_init(&b);
	cJSON *root = cJSON_Parse(body);
	const cJSON *c;
	cJSON_ArrayForEach(c, cJSON_GetObjectItem(root, "data"))
		fb_comment_item(c, "19292868552", "19292868552_10158407654328553", NULL, &b, NULL);
	T_ASSERT(b.n_items >= 4);
	T_EQ_STR(b.items[2].text, b.items[3].text);
	T_ASSERT(strcmp(b.items[2].platform_id, b.items[3].platform_id) != 0);
	cJSON_Delete(root);
	conn_batch_clear(&b);
}

static void one_comment(const char *body, const char *page, struct conn_batch *b)
{
	cJSON *c = cJSON_Parse(body);
	T_EQ_INT(1, fb_comment_item(c, page, NULL, NULL, b, NULL));
	cJSON_Delete(c);
}

static void fx_comment_full_fields(const char *body, size_t len)
{
	(void)len;
	struct conn_batch b;
	conn_batch_init(&b);
	one_comment(body, "2121008874780932", &b);
	if (b.n_items) {
		T_EQ_STR("2954961744718970_2966313500250461", b.items[0].platform_id);
		T_EQ_STR("comment", b.items[0].kind);
		T_EQ_STR("2711636948859886", b.items[0].author_id);
		T_EQ_STR("Kun Liu", b.items[0].author_name);
		T_ASSERT(!b.items[0].is_own);
		T_EQ_STR("visible", b.items[0].platform_state);
		T_EQ_STR("My Nice Car ", b.items[0].text);
		T_EQ_INT(t_iso("2021-07-23T08:35:18Z"), b.items[0].published_at);
	}
	conn_batch_clear(&b);
}

static void fx_comment_page_own(const char *body, size_t len)
{
	(void)len;
	struct conn_batch b;
	conn_batch_init(&b);
	one_comment(body, "474930769339741", &b);
	if (b.n_items) {
		T_ASSERT(b.items[0].is_own);
		T_EQ_STR("520586098107541_520590871440397", b.items[0].platform_id);
		T_EQ_STR("new comment", b.items[0].text);
	}
	conn_batch_clear(&b);
	conn_batch_init(&b);
	one_comment(body, PAGE, &b); /* another page's comment */
	if (b.n_items)
		T_ASSERT(!b.items[0].is_own);
	conn_batch_clear(&b);
}

static void fx_comment_hidden(const char *body, size_t len)
{
	(void)len;
	struct conn_batch b;
	conn_batch_init(&b);
	one_comment(body, "123456789", &b);
	if (b.n_items) {
		T_EQ_STR("hidden", b.items[0].platform_state);
		T_ASSERT(b.items[0].is_own);
		T_EQ_INT(t_iso("2014-10-17T14:03:17Z"), b.items[0].published_at);
	}
	conn_batch_clear(&b);
}

static void fx_comment_page_author(const char *body, size_t len)
{
	(void)len;
	struct conn_batch b;
	conn_batch_init(&b);
	one_comment(body, "123456789", &b);
	if (b.n_items) {
		T_EQ_STR("visible", b.items[0].platform_state);
		T_ASSERT(b.items[0].is_own);
		T_EQ_STR("Testers Fan page", b.items[0].author_name);
	}
	conn_batch_clear(&b);
}

static void fx_comment_create(const char *body, size_t len)
{
	(void)len;
	struct conn_batch b;
	conn_batch_init(&b);
	one_comment(body, "245628824887810", &b);
	if (b.n_items) {
		T_EQ_STR("245778718206154_229887283291835", b.items[0].platform_id);
		T_EQ_STR("Message from api and updated", b.items[0].text);
		T_ASSERT(!b.items[0].is_own); /* no from: never taken for the page */
	}
	conn_batch_clear(&b);
}

static void fx_feed(const char *body, size_t len)
{
	(void)len;
	struct run r;
	run_start(&r, &connector_facebook, "4", "{\"v\":1,\"hw\":0,\"cw\":0,\"nr\":true,\"a\":[]}",
	          "2021-06-01T00:00:00Z");
	T_EQ_INT(1, run_next(&r));
	T_EQ_INT(0, run_answer(&r, 200, body, NULL));
	T_EQ_INT(CONN_OK, r.b.outcome);
	T_EQ_INT(5, r.b.n_items);
	if (r.b.n_items == 5) {
		T_EQ_STR("4_10113477241177441", r.b.items[0].platform_id);
		T_EQ_STR("post", r.b.items[0].kind);
		T_EQ_STR("Happy July 4th! 🇺🇸", r.b.items[0].text);
		T_EQ_INT(t_iso("2021-07-04T19:50:58Z"), r.b.items[0].published_at);
		T_ASSERT(!r.b.items[0].is_own); /* from not recorded */
		T_ASSERT(!r.b.items[0].parent_platform_id);
	}
	/* time-based paging: the next page keeps our since */
	T_EQ_INT(1, run_next(&r));
	T_CONTAINS(r.req.url, "/4/feed?");
	T_CONTAINS(r.req.url, "&since=1622505600&until=1624385168&__paging_token=__paging_token");
	T_ASSERT(!strstr(r.req.url, "access_token"));
	run_end(&r);
}

static void fx_post_ranked(const char *body, size_t len)
{
	(void)len;
	/* a post object with embedded comments, as an ?ids= answer */
	char *ids = NULL;
	T_ASSERT(asprintf(&ids, "{\"1234567890123_456789012345\":%s}", body) > 0);
	struct run r;
	run_start(&r, &connector_facebook, "1234567890123",
	          "{\"v\":1,\"hw\":0,\"cw\":0,\"nr\":true,\"a\":[[\"1234567890123_456789012345\","
	          "1765000000]]}",
	          "2020-01-01T00:00:00Z");
	run_next(&r);
	T_EQ_INT(0, run_answer(&r, 200, "{\"data\":[]}", NULL));
	T_EQ_INT(1, run_next(&r));
	T_CONTAINS(r.req.url, "ids=1234567890123_456789012345");
	T_EQ_INT(0, run_answer(&r, 200, ids, NULL));
	T_EQ_INT(CONN_OK, r.b.outcome);
	T_EQ_INT(1, r.b.n_items);
	if (r.b.n_items) {
		T_EQ_STR("123456789_9876543", r.b.items[0].platform_id);
		T_EQ_STR("comment", r.b.items[0].kind);
		T_EQ_STR("1234567890123_456789012345", r.b.items[0].parent_platform_id);
		T_EQ_STR("987654321", r.b.items[0].author_id);
		T_EQ_STR("grandioses grau", r.b.items[0].text);
	}
	T_ASSERT(r.b.cursor);
	free(ids);
	run_end(&r);
}

static void fx_error(const char *body, enum conn_outcome want)
{
	T_EQ_INT(want, outcome_of(400, body, NULL, NULL));
	T_EQ_INT(want, outcome_of(200, body, NULL, NULL)); /* never decided on the status */
}

static void fx_error_100_permission(const char *body, size_t len)
{
	(void)len;
	fx_error(body, CONN_PERMISSION);
}

static void fx_error_190(const char *body, size_t len)
{
	(void)len;
	fx_error(body, CONN_TOKEN);
}

static void fx_error_transient(const char *body, size_t len)
{
	(void)len;
	fx_error(body, CONN_RETRY); /* code 1: unknown error, retried */
}

static void fx_batch(const char *body, size_t len)
{
	(void)len;
	cJSON *root = cJSON_Parse(body);
	struct graph_part *parts = NULL;
	size_t n = 0;
	T_EQ_INT(0, graph_batch_split(root, &parts, &n));
	T_EQ_INT(2, n);
	if (n == 2) {
		struct conn_rate rate;
		T_EQ_INT(CONN_GONE,
		         outcome_of(parts[0].answer.status, parts[0].answer.body, NULL, NULL));
		struct conn_batch b;
		cJSON *r0 = NULL;
		conn_batch_init(&b);
		graph_check(&parts[0].answer, &b, &r0, NULL);
		T_EQ_INT(CONN_GONE, b.outcome);
		T_ASSERT(b.rate.usage_percent >= 0);
		conn_batch_clear(&b);
		T_EQ_INT(CONN_OK,
		         outcome_of(parts[1].answer.status, parts[1].answer.body, NULL, &rate));
		T_EQ_STR("v2.3", parts[1].answer.header(parts[1].answer.header_ctx,
		                                        "facebook-api-version"));
	}
	free(parts);
	T_EQ_INT(-EINVAL, graph_batch_split(cJSON_GetArrayItem(root, 0), &parts, &n));
	cJSON_Delete(root);
}

static void fx_buc_header(const char *body, size_t len)
{
	(void)len;
	/* the recording is the header's decoded value */
	cJSON *v = cJSON_Parse(body);
	char *flat = cJSON_PrintUnformatted(v);
	struct hdrs h = { { "X-Business-Use-Case-Usage" }, { flat } };
	struct conn_answer a = answer(200, "{}", &h);
	struct conn_rate rate = { 0, -1, -1, 0, -1 };
	graph_rate(&a, &rate);
	T_EQ_INT(100, rate.usage_percent);
	T_EQ_INT(10LL * 60 * 1000000, rate.retry_after_usec);
	free(flat);
	cJSON_Delete(v);
}

static void fx_rating(const char *body, size_t len)
{
	(void)len;
	struct conn_batch b;
	conn_batch_init(&b);
	cJSON *r = cJSON_Parse(body);
	T_EQ_INT(1, fb_rating_item(r, NULL, &b));
	if (b.n_items) {
		T_EQ_STR("review", b.items[0].kind);
		T_EQ_STR("10150030749305470", b.items[0].platform_id);
		T_EQ_INT(t_iso("2018-07-07T04:35:18Z"), b.items[0].published_at);
		T_ASSERT(!b.items[0].author_id); /* no reviewer without a Page token */
		T_ASSERT(!b.items[0].is_own);
	}
	cJSON_Delete(r);
	conn_batch_clear(&b);
}

static void webhook(const char *body, size_t len, struct conn_batch *b)
{
	conn_batch_init(b);
	T_EQ_INT(0, fb_webhook_items(body, len, "1234567890321", b));
}

static void fx_webhook_add(const char *body, size_t len)
{
	struct conn_batch b;
	webhook(body, len, &b);
	T_EQ_INT(1, b.n_items);
	if (b.n_items) {
		T_EQ_STR("901097836652708_903438993085259", b.items[0].platform_id);
		T_EQ_STR("comment", b.items[0].kind);
		T_EQ_STR("1234567890321_901097836652708", b.items[0].parent_platform_id);
		T_EQ_STR("1234567890321", b.items[0].author_id);
		T_ASSERT(b.items[0].is_own); /* restfb's placeholder page id */
		T_EQ_INT(1449135003LL * 1000000, b.items[0].published_at);
		T_EQ_STR("and the next one", b.items[0].text);
	}
	conn_batch_clear(&b);
}

static void fx_webhook_hide(const char *body, size_t len)
{
	struct conn_batch b;
	webhook(body, len, &b);
	T_EQ_INT(1, b.n_items);
	if (b.n_items) {
		T_EQ_STR("hidden", b.items[0].platform_state);
		T_EQ_STR("1234567890321", b.items[0].author_id); /* sender_id, a number */
		T_EQ_STR("Tester", b.items[0].author_name);
	}
	conn_batch_clear(&b);
}

static void fx_webhook_legacy(const char *body, size_t len)
{
	struct conn_batch b;
	webhook(body, len, &b);
	T_EQ_INT(1, b.n_items);
	if (b.n_items) {
		T_EQ_STR("visible", b.items[0].platform_state);
		T_EQ_STR("1234567890321", b.items[0].author_id); /* sender_id, a number */
		T_EQ_STR("Tester", b.items[0].author_name);
		T_EQ_STR("901097836652708_903438993085259", b.items[0].platform_id);
	}
	conn_batch_clear(&b);
}

static void fx_webhook_remove(const char *body, size_t len)
{
	struct conn_batch b;
	webhook(body, len, &b);
	T_EQ_INT(0, b.n_items);
	T_EQ_INT(1, b.n_gone);
	if (b.n_gone)
		T_EQ_STR("905578656204626_905579239537901", b.gone[0]);
	conn_batch_clear(&b);
}

static void fx_webhook_mention(const char *body, size_t len)
{
	struct conn_batch b;
	webhook(body, len, &b);
	T_EQ_INT(1, b.n_items);
	if (b.n_items) {
		T_ASSERT(!b.items[0].author_id && !b.items[0].is_own);
		T_EQ_STR("Just a test message", b.items[0].text);
		T_EQ_STR("1234567890321_7363534231324", b.items[0].parent_platform_id);
	}
	conn_batch_clear(&b);
	conn_batch_init(&b);
	T_EQ_INT(-EINVAL, fb_webhook_items("{\"object\":\"instagram\"}", 22, "1", &b));
	T_EQ_INT(-EINVAL, fb_webhook_items("{", 1, "1", &b));
	conn_batch_clear(&b);
}

/* ---------------------------------------------------------------- Instagram */

#define IGU "17841406338772941"

static const char *IG_MEDIA_P1 =
        "{\"data\":[{\"id\":\"m2\",\"caption\":\"Lucia\\u00e5g\",\"timestamp\":"
        "\"2026-12-02T08:00:00+0000\",\"permalink\":\"https:\\/\\/www.instagram.com\\/p\\/X\\/\","
        "\"comments\":{\"data\":[{\"id\":\"c3\",\"text\":\"tack!\",\"timestamp\":"
        "\"2026-12-02T10:00:00+0000\",\"username\":\"exempelby\",\"from\":{\"id\":\"" IGU "\","
        "\"username\":\"exempelby\"},\"user\":{\"id\":\"" IGU "\"}},"
        "{\"id\":\"c2\",\"text\":\"Fint "
        "\\ud83d\\ude00\",\"timestamp\":\"2026-12-02T09:00:00+0000\","
        "\"username\":\"lena\",\"hidden\":true,\"replies\":{\"data\":[{\"id\":\"r1\",\"text\":"
        "\"svar\",\"timestamp\":\"2026-12-02T09:30:00+0000\",\"from\":{\"id\":\"" IGU "\"}}]}}],"
        "\"paging\":{\"cursors\":{\"after\":\"QVFI\"},\"next\":\"https://graph.facebook.com/x\"}}},"
        "{\"id\":\"m1\",\"timestamp\":\"2026-11-30T08:00:00+0000\"}],"
        "\"paging\":{\"cursors\":{\"before\":\"b\",\"after\":\"MA\"},\"next\":\"n\"}}";

static void test_ig_poll(void)
{
	struct run r;
	run_start(&r, &connector_instagram, IGU, NULL, "2026-11-19T00:00:00Z");
	T_EQ_INT(1, run_next(&r));
	T_CONTAINS(r.req.url, "http://sim/v22.0/" IGU "/media?fields=");
	T_CONTAINS(r.req.url, "comments.limit%2850%29%7Bid%2Ctext");
	T_CONTAINS(r.req.url, "&limit=25&since=1795046400");
	T_EQ_INT(0, run_answer(&r, 200, IG_MEDIA_P1, NULL));
	T_EQ_INT(CONN_OK, r.b.outcome);
	T_EQ_INT(5, r.b.n_items);
	const struct conn_item *m2 = find_item(&r.b, "m2"), *c3 = find_item(&r.b, "c3"),
	                       *c2 = find_item(&r.b, "c2"), *r1 = find_item(&r.b, "r1");
	T_ASSERT(m2 && c3 && c2 && r1 && find_item(&r.b, "m1"));
	if (m2 && c3 && c2 && r1) {
		T_EQ_STR("post", m2->kind);
		T_ASSERT(m2->is_own);
		T_EQ_STR("https://www.instagram.com/p/X/", m2->permalink);
		T_ASSERT(!strstr(m2->raw_json, "comments"));
		T_EQ_STR("comment", c3->kind);
		T_EQ_STR("m2", c3->parent_platform_id);
		T_ASSERT(c3->is_own);
		T_EQ_STR("comment", c2->kind);
		T_ASSERT(!c2->is_own && !c2->author_id);
		T_EQ_STR("lena", c2->author_name);
		T_EQ_STR("hidden", c2->platform_state);
		T_EQ_STR("Fint 😀", c2->text);
		T_ASSERT(!strstr(c2->raw_json, "replies"));
		T_EQ_STR("reply", r1->kind);
		T_EQ_STR("c2", r1->parent_platform_id);
		T_ASSERT(r1->is_own);
	}
	/* the comments' next page, then the media's */
	T_EQ_INT(1, run_next(&r));
	T_CONTAINS(r.req.url, "http://sim/v22.0/m2/comments?fields=");
	T_CONTAINS(r.req.url, "&limit=50&after=QVFI");
	struct conn_request comments = r.req;
	memset(&r.req, 0, sizeof(r.req));
	T_EQ_INT(1, run_next(&r));
	T_CONTAINS(r.req.url, "/" IGU "/media?");
	T_CONTAINS(r.req.url, "&after=MA");
	struct conn_request media2 = r.req;
	r.req = comments;
	T_EQ_INT(0, run_answer(&r, 200,
	                       "{\"data\":[{\"id\":\"c1\",\"text\":\"x\",\"timestamp\":"
	                       "\"2026-12-02T08:30:00+0000\"}]}",
	                       NULL));
	T_EQ_INT(1, r.b.n_items);
	T_ASSERT(!r.b.cursor);
	conn_request_clear(&r.req);
	r.req = media2;
	T_EQ_INT(0, run_answer(&r, 200, "{\"data\":[]}", NULL));
	T_ASSERT(connector_instagram.poll_done(r.p));
	T_ASSERT(r.b.cursor);
	char *cursor = r.b.cursor ? strdup(r.b.cursor) : NULL;
	if (cursor) {
		T_CONTAINS(cursor, "\"hw\":1796198400"); /* m2: 2026-12-02T08:00 */
		T_CONTAINS(cursor, "\"cw\":1796205600"); /* c3: 10:00 */
	}
	run_end(&r);
	if (!cursor)
		return;

	/* the next poll: media since hw less the overlap, then the known
	 * media with ?ids=; one of them deleted */
	run_start(&r, &connector_instagram, IGU, cursor, "2026-11-19T00:00:00Z");
	T_EQ_INT(1, run_next(&r));
	T_CONTAINS(r.req.url, "&since=1796197800");
	T_EQ_INT(0, run_answer(&r, 200, "{\"data\":[]}", NULL));
	T_EQ_INT(1, run_next(&r));
	T_CONTAINS(r.req.url, "http://sim/v22.0/?fields=");
	T_CONTAINS(r.req.url, "&ids=m2%2Cm1");
	T_EQ_INT(0,
	         run_answer(&r, 404,
	                    "{\"error\":{\"message\":\"(#803) Some of the aliases you requested do "
	                    "not exist: m1\",\"code\":803}}",
	                    NULL));
	T_EQ_INT(1, r.b.n_gone);
	T_EQ_INT(1, run_next(&r));
	T_CONTAINS(r.req.url, "&ids=m2");
	T_EQ_INT(0,
	         run_answer(&r, 200,
	                    "{\"m2\":{\"id\":\"m2\",\"timestamp\":\"2026-12-02T08:00:00+0000\","
	                    "\"comments\":{\"data\":[{\"id\":\"c9\",\"text\":\"ny\",\"timestamp\":"
	                    "\"2026-12-03T09:00:00+0000\"}]}}}",
	                    NULL));
	T_ASSERT(find_item(&r.b, "c9"));
	T_ASSERT(r.b.cursor && !strstr(r.b.cursor, "m1"));
	run_end(&r);
	free(cursor);
}

static void test_ig_errors_and_actions(void)
{
	struct run r;
	run_start(&r, &connector_instagram, IGU, NULL, "2026-11-19T00:00:00Z");
	run_next(&r);
	T_EQ_INT(0,
	         run_answer(&r, 400,
	                    "{\"error\":{\"message\":\"(#80002) There have been too many calls to "
	                    "this Instagram account.\",\"code\":80002,\"is_transient\":true}}",
	                    NULL));
	T_EQ_INT(CONN_RETRY, r.b.outcome);
	T_EQ_INT(1, run_next(&r));
	T_EQ_INT(0,
	         run_answer(&r, 400,
	                    "{\"error\":{\"message\":\"(#10) Application does not have permission "
	                    "for this action\",\"code\":10}}",
	                    NULL));
	T_EQ_INT(CONN_PERMISSION, r.b.outcome);
	T_ASSERT(connector_instagram.poll_done(r.p));
	T_ASSERT(!r.b.cursor);
	run_end(&r);

	struct conn_account acc = { .external_id = IGU, .base_url = "http://sim/v22.0" };
	struct conn_request req = { 0 };
	T_EQ_INT(0, connector_instagram.action_request(&acc, CONN_ACT_HIDE, "c2", "comment", NULL,
	                                               &req));
	T_EQ_STR("POST", req.method);
	T_EQ_STR("http://sim/v22.0/c2", req.url);
	T_EQ_STR("hide=true", req.body);
	conn_request_clear(&req);
	T_EQ_INT(0, connector_instagram.action_request(&acc, CONN_ACT_UNHIDE, "r1", "reply", NULL,
	                                               &req));
	T_EQ_STR("hide=false", req.body);
	conn_request_clear(&req);
	T_EQ_INT(0, connector_instagram.action_request(&acc, CONN_ACT_DELETE, "c2", "comment", NULL,
	                                               &req));
	T_EQ_STR("DELETE", req.method);
	conn_request_clear(&req);
	T_EQ_INT(-EOPNOTSUPP, connector_instagram.action_request(&acc, CONN_ACT_DELETE, "m2",
	                                                         "post", NULL, &req));
	T_EQ_INT(-EOPNOTSUPP, connector_instagram.action_request(&acc, CONN_ACT_REPORT, "c2",
	                                                         "comment", NULL, &req));
	T_ASSERT(connector_find("instagram") == &connector_instagram);
}

/* A fresh IG poll whose media list brings media M with one embedded
 * comment and a next page: the comments request answered with body. */
static void ig_comments_scenario(const char *media, const char *body, struct run *r)
{
	char list[1024];
	snprintf(list, sizeof(list),
	         "{\"data\":[{\"id\":\"%s\",\"timestamp\":\"2020-06-01T08:00:00+0000\","
	         "\"comments\":{\"data\":[{\"id\":\"first\",\"text\":\"a\",\"timestamp\":"
	         "\"2020-06-02T00:00:00+0000\"}],\"paging\":{\"cursors\":{\"after\":\"a1\"},"
	         "\"next\":\"n\"}}}]}",
	         media);
	run_start(r, &connector_instagram, IGU, NULL, "2020-01-01T00:00:00Z");
	run_next(r);
	T_EQ_INT(0, run_answer(r, 200, list, NULL));
	T_EQ_INT(1, run_next(r));
	T_CONTAINS(r->req.url, "/comments?");
	T_EQ_INT(0, run_answer(r, 200, body, NULL));
	T_EQ_INT(CONN_OK, r->b.outcome);
}

static void fx_ig_comments_p1(const char *body, size_t len)
{
	(void)len;
	struct run r;
	ig_comments_scenario("17846368219941692", body, &r);
	T_EQ_INT(2, r.b.n_items);
	const struct conn_item *c = find_item(&r.b, "17858154961981086");
	T_ASSERT(c && find_item(&r.b, "17874875428706419"));
	if (c) {
		T_EQ_STR("comment", c->kind);
		T_EQ_STR("17846368219941692", c->parent_platform_id);
		T_EQ_STR("Beautiful!", c->text);
		T_ASSERT(!c->is_own && !c->author_id);
		T_EQ_INT(t_iso("2020-06-01T10:56:52Z"), c->published_at);
	}
	T_ASSERT(!r.b.cursor);
	T_EQ_INT(1, run_next(&r)); /* paging.next with only an after cursor */
	T_CONTAINS(r.req.url, "17846368219941692/comments?");
	T_CONTAINS(r.req.url, "&after=after");
	run_end(&r);
}

static void fx_ig_comments_p2(const char *body, size_t len)
{
	(void)len;
	struct run r;
	ig_comments_scenario("17846368219941692", body, &r);
	T_EQ_INT(2, r.b.n_items);
	T_ASSERT(find_item(&r.b, "17892250648466172") && find_item(&r.b, "17914413430382429"));
	if (r.b.n_items)
		T_EQ_STR("@ikroskun  Hey, guys", r.b.items[0].text); /* two spaces kept */
	T_ASSERT(connector_instagram.poll_done(r.p));                /* no paging key: the end */
	T_ASSERT(r.b.cursor);
	run_end(&r);
}

static void fx_ig_comment_with_replies(const char *body, size_t len)
{
	(void)len;
	struct conn_batch b;
	conn_batch_init(&b);
	cJSON *c = cJSON_Parse(body);
	T_EQ_INT(2, ig_comment_item(c, IGU, NULL, NULL, NULL, &b, NULL));
	if (b.n_items == 2) {
		T_EQ_STR("17892250648466172", b.items[0].platform_id);
		T_EQ_STR("comment", b.items[0].kind);
		T_EQ_STR("17846368219941692", b.items[0].parent_platform_id); /* media{id} */
		T_EQ_STR(IGU, b.items[0].author_id); /* user{id}: the account's own */
		T_ASSERT(b.items[0].is_own);
		T_EQ_STR("ikroskun", b.items[0].author_name);
		T_EQ_STR("visible", b.items[0].platform_state);
		T_EQ_STR("17845747489952795", b.items[1].platform_id);
		T_EQ_STR("reply", b.items[1].kind);
		T_EQ_STR("17892250648466172", b.items[1].parent_platform_id);
		T_ASSERT(!b.items[1].is_own && !b.items[1].author_id);
		T_EQ_INT(t_iso("2020-02-24T09:18:08Z"), b.items[1].published_at);
	}
	cJSON_Delete(c);
	conn_batch_clear(&b);
}

static void fx_ig_replies(const char *body, size_t len)
{
	(void)len;
	struct conn_batch b;
	conn_batch_init(&b);
	cJSON *root = cJSON_Parse(body);
	const cJSON *c;
	cJSON_ArrayForEach(c, cJSON_GetObjectItem(root, "data"))
		T_EQ_INT(1, ig_comment_item(c, IGU, NULL, "17892250648466172", NULL, &b, NULL));
	T_EQ_INT(1, b.n_items);
	if (b.n_items) {
		T_EQ_STR("reply", b.items[0].kind);
		T_EQ_STR("17892250648466172", b.items[0].parent_platform_id);
		T_EQ_STR("@lixiangguodu123 nihao", b.items[0].text);
	}
	cJSON_Delete(root);
	conn_batch_clear(&b);
}

static void fx_ig_missing_user(const char *body, size_t len)
{
	(void)len;
	struct conn_batch b;
	conn_batch_init(&b);
	cJSON *c = cJSON_Parse(body);
	T_EQ_INT(1, ig_comment_item(c, IGU, NULL, NULL, NULL, &b, NULL));
	if (b.n_items) {
		T_ASSERT(!b.items[0].author_id && !b.items[0].is_own);
		T_EQ_STR("bincyshiona", b.items[0].author_name);
		T_EQ_STR("17866467940233520", b.items[0].parent_platform_id);
		T_EQ_STR("comment", b.items[0].kind);
		T_EQ_STR("Nice", b.items[0].text);
	}
	cJSON_Delete(c);
	conn_batch_clear(&b);
}

static void fx_ig_media_list(const char *body, size_t len)
{
	(void)len;
	struct run r;
	run_start(&r, &connector_instagram, IGU, NULL, "2021-08-01T00:00:00Z");
	run_next(&r);
	T_EQ_INT(0, run_answer(&r, 200, body, NULL));
	T_EQ_INT(2, r.b.n_items);
	const struct conn_item *m = find_item(&r.b, "17896622936197745");
	T_ASSERT(m && find_item(&r.b, "17895731045244887"));
	if (m) {
		T_EQ_STR("post", m->kind);
		T_ASSERT(m->is_own && !m->parent_platform_id);
		T_EQ_STR("https://www.instagram.com/p/CSgdWACBeKr/", m->permalink);
		T_EQ_INT(t_iso("2021-08-13T08:02:40Z"), m->published_at);
	}
	T_EQ_INT(1, run_next(&r));
	T_CONTAINS(r.req.url, "/" IGU "/media?");
	T_CONTAINS(r.req.url, "&after=after");
	T_ASSERT(!strstr(r.req.url, "access_token"));
	run_end(&r);
}

static void fx_ig_webhook(const char *body, size_t len)
{
	struct conn_batch b;
	conn_batch_init(&b);
	T_EQ_INT(0, ig_webhook_items(body, len, IGU, &b));
	T_EQ_INT(1, b.n_items);
	if (b.n_items) {
		T_EQ_STR("123456789", b.items[0].platform_id);
		T_EQ_STR("reply", b.items[0].kind);
		T_EQ_STR("987654321", b.items[0].parent_platform_id);
		T_EQ_STR("1234536447", b.items[0].author_id);
		T_EQ_STR("testuser", b.items[0].author_name);
		T_EQ_INT(1519399307LL * 1000000, b.items[0].published_at);
	}
	conn_batch_clear(&b);
	conn_batch_init(&b);
	T_EQ_INT(-EINVAL, ig_webhook_items("{\"object\":\"page\"}", 17, IGU, &b));
	conn_batch_clear(&b);
}

struct fx {
	const char *name;
	void (*check)(const char *body, size_t len);
};

static const struct fx fixtures[] = {
	{ "facebook-batch-error-with-headers.json", fx_batch },
	{ "facebook-comment-create-response.json", fx_comment_create },
	{ "facebook-comment-full-fields.json", fx_comment_full_fields },
	{ "facebook-comment-hidden-no-canhide.json", fx_comment_hidden },
	{ "facebook-comment-page-author-canhide.json", fx_comment_page_author },
	{ "facebook-comment-page-own-cannot-hide.json", fx_comment_page_own },
	{ "facebook-comments-stream-p1.json", fx_comments_stream_p1 },
	{ "facebook-comments-stream-p2.json", fx_comments_stream_p2 },
	{ "facebook-error-100-permission.json", fx_error_100_permission },
	{ "facebook-error-100-ppca.json", fx_error_100_permission },
	{ "facebook-error-oauth-190-460.json", fx_error_190 },
	{ "facebook-error-transient-flag.json", fx_error_transient },
	{ "facebook-header-business-use-case-usage.json", fx_buc_header },
	{ "facebook-page-feed-timepaging.json", fx_feed },
	{ "facebook-post-comments-ranked.json", fx_post_ranked },
	{ "facebook-rating-recommendation-norating.json", fx_rating },
	{ "facebook-rating-recommendation.json", fx_rating },
	{ "facebook-webhook-feed-comment-add-legacy.json", fx_webhook_legacy },
	{ "facebook-webhook-feed-comment-add.json", fx_webhook_add },
	{ "facebook-webhook-feed-comment-hide.json", fx_webhook_hide },
	{ "facebook-webhook-feed-comment-remove.json", fx_webhook_remove },
	{ "facebook-webhook-mention-comment.json", fx_webhook_mention },
	{ "instagram-comment-missing-user.json", fx_ig_missing_user },
	{ "instagram-comment-replies.json", fx_ig_replies },
	{ "instagram-comment-with-replies.json", fx_ig_comment_with_replies },
	{ "instagram-media-comments-p1.json", fx_ig_comments_p1 },
	{ "instagram-media-comments-p2.json", fx_ig_comments_p2 },
	{ "instagram-media-list.json", fx_ig_media_list },
	{ "instagram-webhook-comments.json", fx_ig_webhook },
};

static const struct fx *fx_find(const char *name)
{
	for (size_t i = 0; i < sizeof(fixtures) / sizeof(fixtures[0]); i++)
		if (strcmp(fixtures[i].name, name) == 0)
			return &fixtures[i];
	return NULL;
}

/* Every Facebook and Instagram recording in the directory has a check,
 * and passes it. */
static void test_every_fixture(void)
{
	DIR *d = opendir(fixdir);
	T_ASSERT(d);
	if (!d)
		return;
	struct dirent *e;
	size_t seen = 0;
	while ((e = readdir(d))) {
		if (strncmp(e->d_name, "facebook-", 9) != 0 &&
		    strncmp(e->d_name, "instagram-", 10) != 0)
			continue;
		const struct fx *f = fx_find(e->d_name);
		if (!f) {
			T_FAIL_("no check for fixture %s", e->d_name);
			continue;
		}
		size_t len = 0;
		char *body = fixture(e->d_name, &len);
		T_ASSERT(body);
		if (body) {
			int before = t_cur_failed;
			t_cur_failed = 0;
			f->check(body, len);
			if (t_cur_failed)
				printf("#   ^ in %s\n", e->d_name);
			t_cur_failed |= before;
			seen++;
		}
		free(body);
	}
	closedir(d);
	printf("#   %zu recordings checked\n", seen);
	T_ASSERT(seen >= 29);
}

int main(void)
{
	T_RUN(test_time_formats);
	T_RUN(test_usage_headers);
	T_RUN(test_error_throttling);
	T_RUN(test_error_token);
	T_RUN(test_error_permission);
	T_RUN(test_error_gone_and_others);
	T_RUN(test_message_carries_no_platform_text);
	T_RUN(test_idset_and_query);
	T_RUN(test_comment_missing_from);
	T_RUN(test_comment_escapes_and_emoji);
	T_RUN(test_comment_unusable_skipped);
	T_RUN(test_comment_reply_by_parent);
	T_RUN(test_poll_pages_to_the_end);
	T_RUN(test_poll_cursor_round_trip);
	T_RUN(test_poll_deleted_post);
	T_RUN(test_poll_comments_of_deleted_post);
	T_RUN(test_poll_retry_offers_the_same_request);
	T_RUN(test_poll_token_error_ends_the_poll);
	T_RUN(test_poll_ratings_asked_once);
	T_RUN(test_poll_page_bounded_by_since);
	T_RUN(test_poll_endless_paging_is_capped);
	T_RUN(test_actions);
	T_RUN(test_ig_poll);
	T_RUN(test_ig_errors_and_actions);
	if (find_fixtures())
		T_RUN(test_every_fixture);
	else
		printf("ok %d - test_every_fixture # SKIP platform fixtures not found\n",
		       ++t_count);
	return t_done();
}
