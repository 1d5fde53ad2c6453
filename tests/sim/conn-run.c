/* Run one connector's poll against a simulator, one request at a time, and
 * print what it found: a line of JSON per item, then a summary line with
 * the batches' cursors and outcomes.  The simulators' tests use it to show
 * that a connector reads everything a platform holds exactly once, without
 * the daemon around it (the daemon's own driver is tested elsewhere).
 *
 *   conn-run PLATFORM BASE_URL EXTERNAL_ID TOKEN [CURSOR|-] [BACKFILL_FROM_USEC [NOW_USEC]]
 *   conn-run --action ACTION PLATFORM BASE_URL EXTERNAL_ID TOKEN ID KIND AUTHOR|-
 */
#include <cjson/cJSON.h>
#include <errno.h>
#include <event2/event.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "connectors/connector.h"
#include "net/curlev.h"
#include "net/http.h"

struct run {
	struct event_base *base;
	struct curlev *engine;
	bool done;
};

static void on_done(struct http_xfer *x, void *arg)
{
	struct run *r = arg;
	r->done = true;
	event_base_loopbreak(r->base);
}

static const char *header_of(const void *ctx, const char *name)
{
	return http_xfer_response_header(ctx, name);
}

/* Perform req; *ret_x holds the answer (the caller frees it). */
static int perform(struct run *run, const struct connector *c, const char *token,
                   struct conn_request *req, struct http_xfer **ret_x)
{
	struct http_xfer *x;
	struct http_opts o = { .timeout_ms = 30000 };
	int r;

	if (c->authorize) {
		r = c->authorize(token, req);
		if (r < 0)
			return r;
	}
	r = http_xfer_new(req->method, req->url, &o, &x);
	if (r < 0)
		return r;
	if (!c->authorize) {
		char auth[4200];
		snprintf(auth, sizeof(auth), "Bearer %s", token);
		http_xfer_header(x, "Authorization", auth);
	}
	for (char *line = req->headers; line && *line;) {
		char *nl = strchr(line, '\n');
		char *colon = strchr(line, ':');
		if (!nl)
			nl = line + strlen(line);
		if (colon && colon < nl) {
			char *name = strndup(line, (size_t)(colon - line));
			char *value = strndup(colon + 1 + (colon[1] == ' '),
			                      (size_t)(nl - colon - 1 - (colon[1] == ' ')));
			http_xfer_header(x, name, value);
			free(name);
			free(value);
		}
		line = *nl ? nl + 1 : nl;
	}
	if (req->body)
		http_xfer_body(x, req->content_type, req->body, req->body_len);
	run->done = false;
	r = http_xfer_start(x, run->engine, on_done, run);
	if (r < 0) {
		http_xfer_free(x);
		return r;
	}
	while (!run->done)
		event_base_loop(run->base, EVLOOP_ONCE);
	*ret_x = x;
	return 0;
}

static void answer_of(struct http_xfer *x, struct conn_answer *a)
{
	a->status = http_xfer_failure(x) == HTTP_OK ? http_xfer_status(x) : 0;
	a->body = http_xfer_body_data(x, &a->body_len);
	a->header = header_of;
	a->header_ctx = x;
}

static void print_item(const struct conn_item *it)
{
	cJSON *j = cJSON_CreateObject();
	cJSON_AddStringToObject(j, "id", it->platform_id);
	cJSON_AddStringToObject(j, "kind", it->kind);
	if (it->parent_platform_id)
		cJSON_AddStringToObject(j, "parent", it->parent_platform_id);
	if (it->author_id)
		cJSON_AddStringToObject(j, "author", it->author_id);
	if (it->author_name)
		cJSON_AddStringToObject(j, "author_name", it->author_name);
	cJSON_AddBoolToObject(j, "own", it->is_own);
	cJSON_AddStringToObject(j, "text", it->text ? it->text : "");
	if (it->permalink)
		cJSON_AddStringToObject(j, "permalink", it->permalink);
	cJSON_AddNumberToObject(j, "published", (double)it->published_at);
	cJSON_AddNumberToObject(j, "edited", (double)it->edited_at);
	cJSON_AddStringToObject(j, "state", it->platform_state);
	char *s = cJSON_PrintUnformatted(j);
	printf("%s\n", s);
	free(s);
	cJSON_Delete(j);
}

static int run_action(struct run *run, int argc, char **argv)
{
	enum conn_action act;
	const struct connector *c = connector_find(argv[3]);
	struct conn_account acc = { .id = "test", .base_url = argv[4], .external_id = argv[5] };
	struct conn_request req = { 0 };
	struct http_xfer *x = NULL;
	struct conn_answer a;
	struct conn_rate rate = { .usage_percent = -1, .remaining = -1 };
	char *msg = NULL;

	if (argc != 10 || !c || conn_action_parse(argv[2], &act) < 0)
		return 2;
	int r = c->action_request(&acc, act, argv[7], argv[8],
	                          strcmp(argv[9], "-") ? argv[9] : NULL, &req);
	if (r == -EOPNOTSUPP) {
		printf("{\"outcome\":\"not_allowed\"}\n");
		return 0;
	}
	if (r < 0 || perform(run, c, argv[6], &req, &x) < 0)
		return 1;
	answer_of(x, &a);
	enum conn_outcome o = c->action_answer(&a, &rate, &msg);
	printf("{\"outcome\":\"%s\"}\n", conn_outcome_name(o));
	free(msg);
	http_xfer_free(x);
	conn_request_clear(&req);
	return 0;
}

static int64_t real_now(void)
{
	struct timespec ts;
	clock_gettime(CLOCK_REALTIME, &ts);
	return (int64_t)ts.tv_sec * 1000000 + ts.tv_nsec / 1000;
}

int main(int argc, char **argv)
{
	struct run run = { 0 };
	int rc = 1;

	curl_global_init(CURL_GLOBAL_DEFAULT);
	run.base = event_base_new();
	if (curlev_new(run.base, NULL, &run.engine) < 0)
		return 1;
	if (argc > 1 && strcmp(argv[1], "--action") == 0) {
		rc = run_action(&run, argc, argv);
		goto out;
	}
	if (argc < 5) {
		fprintf(stderr, "usage: conn-run PLATFORM BASE_URL EXTERNAL_ID TOKEN [CURSOR|-] "
		                "[BACKFILL_FROM_USEC [NOW_USEC]]\n");
		rc = 2;
		goto out;
	}
	const struct connector *c = connector_find(argv[1]);
	struct conn_account acc = {
		.id = "test",
		.base_url = argv[2],
		.external_id = argv[3],
		.cursor = argc > 5 && strcmp(argv[5], "-") ? argv[5] : NULL,
		.backfill_from = argc > 6 ? strtoll(argv[6], NULL, 10) : 0,
		.now = argc > 7 ? strtoll(argv[7], NULL, 10) : real_now(),
	};
	struct conn_poll *p = NULL;
	cJSON *summary = cJSON_CreateObject();
	cJSON *outcomes = cJSON_AddArrayToObject(summary, "outcomes");
	int requests = 0;

	if (!c || c->poll_new(&acc, &p) < 0) {
		fprintf(stderr, "conn-run: no connector for '%s' or a bad cursor\n", argv[1]);
		cJSON_Delete(summary);
		goto out;
	}
	rc = 0;
	for (;;) {
		struct conn_request req = { 0 };
		struct http_xfer *x = NULL;
		struct conn_answer a;
		struct conn_batch b;
		int more = c->poll_next(p, &req);

		if (more <= 0) {
			rc = more < 0;
			break;
		}
		if (perform(&run, c, argv[4], &req, &x) < 0) {
			conn_request_clear(&req);
			rc = 1;
			break;
		}
		requests++;
		answer_of(x, &a);
		conn_batch_init(&b);
		if (c->poll_answer(p, &req, &a, &b) < 0)
			rc = 1;
		for (size_t i = 0; i < b.n_items; i++)
			print_item(&b.items[i]);
		cJSON_AddItemToArray(outcomes, cJSON_CreateString(conn_outcome_name(b.outcome)));
		if (b.cursor) {
			cJSON_DeleteItemFromObject(summary, "cursor");
			cJSON_AddStringToObject(summary, "cursor", b.cursor);
		}
		bool stop = b.outcome != CONN_OK && b.outcome != CONN_GONE;
		conn_batch_clear(&b);
		http_xfer_free(x);
		conn_request_clear(&req);
		if (rc || stop)
			break;
	}
	cJSON_AddBoolToObject(summary, "done", c->poll_done(p));
	cJSON_AddNumberToObject(summary, "requests", requests);
	char *s = cJSON_PrintUnformatted(summary);
	printf("%s\n", s);
	free(s);
	cJSON_Delete(summary);
	c->poll_free(p);
out:
	curlev_free(run.engine);
	event_base_free(run.base);
	curl_global_cleanup();
	return rc;
}
