/* conn-poll: run one connector's whole poll (or one action) against a
 * simulator over the daemon's own HTTP engine (curlev, http_xfer), the way
 * the fetch driver does it but one request at a time, and print what came
 * out as JSON lines:
 *   {"request":{method,url,status,outcome,message?,usage?,retry_after_ms?}}
 *   {"item":{id,kind,parent,author,author_name,own,state,text,published,permalink}}
 *   {"gone":id}  {"cursor":text}  {"end":{done,requests}}
 * For the simulators' connector tests (tests/sim/test_conn_*.py); a test
 * tool, not part of vakt.  A retryable answer is asked again at once (up
 * to --attempts times); a transfer failure counts as retryable.
 *
 *   conn-poll PLATFORM BASE_URL EXTERNAL_ID TOKEN BACKFILL_ISO [CURSOR|-]
 *   conn-poll PLATFORM BASE_URL EXTERNAL_ID TOKEN --action NAME ID KIND [AUTHOR]
 * The poll's "now" is the real time. */
#include <curl/curl.h>
#include <errno.h>
#include <event2/event.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <time.h>

#include <cjson/cJSON.h>

#include "connectors/connector.h"
#include "net/curlev.h"
#include "net/http.h"
#include "util/clock.h"
#include "util/strbuf.h"

struct run {
	struct event_base *base;
	struct curlev *engine;
	bool done;
};

static struct run run;

static void on_done(struct http_xfer *x, void *arg)
{
	run.done = true;
	event_base_loopbreak(run.base);
}

static const char *get_header(const void *ctx, const char *name)
{
	return http_xfer_response_header(ctx, name);
}

/* Perform req on the engine; *ret_x holds the answer (the caller frees
 * it).  0, or -EIO when no answer arrived (the driver's "transfer
 * failed"). */
static int perform(const struct conn_request *req, const char *token, struct http_xfer **ret_x)
{
	struct http_opts o = { .timeout_ms = 20000 };
	struct http_xfer *x;
	char auth[4200];
	int r = http_xfer_new(req->method, req->url, &o, &x);

	if (r < 0)
		return r;
	snprintf(auth, sizeof(auth), "Bearer %s", token);
	r = http_xfer_header(x, "Authorization", auth);
	for (const char *l = req->headers; r == 0 && l && *l;) {
		size_t n = strcspn(l, "\n");
		const char *colon = memchr(l, ':', n);
		if (colon) {
			char *name = strndup(l, (size_t)(colon - l));
			const char *v = colon + 1 + (colon[1] == ' ');
			char *value = strndup(v, n - (size_t)(v - l));
			r = name && value ? http_xfer_header(x, name, value) : -ENOMEM;
			free(name);
			free(value);
		}
		l += n + (l[n] == '\n');
	}
	if (r == 0 && req->body)
		r = http_xfer_body(x, req->content_type[0] ? req->content_type : "application/json",
		                   req->body, req->body_len);
	run.done = false;
	if (r == 0)
		r = http_xfer_start(x, run.engine, on_done, NULL);
	if (r < 0) {
		http_xfer_free(x);
		return r;
	}
	while (!run.done)
		event_base_loop(run.base, EVLOOP_ONCE);
	*ret_x = x;
	return http_xfer_failure(x) == HTTP_OK ? 0 : -EIO;
}

static void answer_of(struct http_xfer *x, struct conn_answer *a)
{
	a->status = http_xfer_status(x);
	a->body = http_xfer_body_data(x, &a->body_len);
	a->header = get_header;
	a->header_ctx = x;
}

static void emit(cJSON *o)
{
	char *s = cJSON_PrintUnformatted(o);
	puts(s);
	fflush(stdout);
	free(s);
	cJSON_Delete(o);
}

static void emit_request(const struct conn_request *req, long status, const char *outcome,
                         const struct conn_batch *b)
{
	cJSON *o = cJSON_CreateObject(), *r = cJSON_AddObjectToObject(o, "request");
	cJSON_AddStringToObject(r, "method", req->method);
	cJSON_AddStringToObject(r, "url", req->url);
	cJSON_AddNumberToObject(r, "status", (double)status);
	cJSON_AddStringToObject(r, "outcome", outcome);
	if (b && b->message)
		cJSON_AddStringToObject(r, "message", b->message);
	if (b && b->rate.usage_percent >= 0)
		cJSON_AddNumberToObject(r, "usage", b->rate.usage_percent);
	if (b && b->rate.retry_after_usec)
		cJSON_AddNumberToObject(r, "retry_after_ms",
		                        (double)(b->rate.retry_after_usec / 1000));
	emit(o);
}

static void add_str(cJSON *o, const char *k, const char *v)
{
	if (v)
		cJSON_AddStringToObject(o, k, v);
	else
		cJSON_AddNullToObject(o, k);
}

static void emit_batch(const struct conn_batch *b)
{
	for (size_t i = 0; i < b->n_items; i++) {
		const struct conn_item *it = &b->items[i];
		cJSON *o = cJSON_CreateObject(), *j = cJSON_AddObjectToObject(o, "item");
		char t[40];
		add_str(j, "id", it->platform_id);
		add_str(j, "kind", it->kind);
		add_str(j, "parent", it->parent_platform_id);
		add_str(j, "author", it->author_id);
		add_str(j, "author_name", it->author_name);
		cJSON_AddBoolToObject(j, "own", it->is_own);
		add_str(j, "state", it->platform_state);
		add_str(j, "text", it->text);
		add_str(j, "published", clock_format_utc(it->published_at, t, sizeof(t)));
		add_str(j, "permalink", it->permalink);
		emit(o);
	}
	for (size_t i = 0; i < b->n_gone; i++) {
		cJSON *o = cJSON_CreateObject();
		cJSON_AddStringToObject(o, "gone", b->gone[i]);
		emit(o);
	}
	if (b->cursor) {
		cJSON *o = cJSON_CreateObject();
		cJSON_AddStringToObject(o, "cursor", b->cursor);
		emit(o);
	}
}

static int do_action(const struct connector *c, const struct conn_account *acc, const char *token,
                     char **argv)
{
	enum conn_action act;
	struct conn_request req = { 0 };
	if (conn_action_parse(argv[0], &act) < 0)
		return 2;
	int r = c->action_request(acc, act, argv[1], argv[2], argv[3], &req);
	if (r == -EOPNOTSUPP) {
		emit_request(&(struct conn_request){ .method = "-", .url = "-" }, 0, "not_allowed",
		             NULL);
		return 0;
	}
	if (r < 0)
		return 1;
	struct http_xfer *x = NULL;
	long status = 0;
	enum conn_outcome o = CONN_RETRY;
	struct conn_rate rate = { 0, -1, -1, 0, -1 };
	char *msg = NULL;
	if (perform(&req, token, &x) == 0) {
		struct conn_answer a;
		answer_of(x, &a);
		status = a.status;
		o = c->action_answer(&a, &rate, &msg);
	}
	struct conn_batch b;
	conn_batch_init(&b);
	b.message = msg;
	b.rate = rate;
	emit_request(&req, status, conn_outcome_name(o), &b);
	conn_batch_clear(&b);
	http_xfer_free(x);
	conn_request_clear(&req);
	return 0;
}

int main(int argc, char **argv)
{
	if (argc < 6) {
		fprintf(stderr,
		        "usage: conn-poll PLATFORM BASE EXTERNAL_ID TOKEN BACKFILL [CURSOR]\n"
		        "       conn-poll PLATFORM BASE EXTERNAL_ID TOKEN --action NAME ID "
		        "KIND [AUTHOR]\n");
		return 2;
	}
	const struct connector *c = connector_find(argv[1]);
	if (!c) {
		fprintf(stderr, "no connector %s\n", argv[1]);
		return 2;
	}
	curl_global_init(CURL_GLOBAL_DEFAULT);
	run.base = event_base_new();
	if (!run.base || curlev_new(run.base, NULL, &run.engine) < 0)
		return 1;
	struct timespec now;
	clock_gettime(CLOCK_REALTIME, &now);
	struct conn_account acc = { .id = "test",
		                    .external_id = argv[3],
		                    .base_url = argv[2],
		                    .now = (int64_t)now.tv_sec * 1000000 + now.tv_nsec / 1000 };
	const char *token = argv[4];
	const char *attempts_env = getenv("CONN_POLL_ATTEMPTS");
	int attempts = attempts_env ? atoi(attempts_env) : 5;
	if (strcmp(argv[5], "--action") == 0) {
		if (argc < 9)
			return 2;
		char *args[4] = { argv[6], argv[7], argv[8],
			          argc > 9 && strcmp(argv[9], "-") != 0 ? argv[9] : NULL };
		return do_action(c, &acc, token, args);
	}
	if (clock_parse_iso8601(argv[5], &acc.backfill_from) < 0)
		return 2;
	acc.cursor = argc > 6 && strcmp(argv[6], "-") != 0 ? argv[6] : NULL;

	struct conn_poll *p = NULL;
	int r = c->poll_new(&acc, &p);
	if (r < 0) {
		fprintf(stderr, "poll_new: %s\n", strerror(-r));
		return 1;
	}
	int requests = 0, failures = 0;
	bool stopped = false;
	struct conn_request req = { 0 };
	while (!stopped && (r = c->poll_next(p, &req)) == 1) {
		struct http_xfer *x = NULL;
		struct conn_answer a;
		struct conn_batch b;
		conn_batch_init(&b);
		requests++;
		if (perform(&req, token, &x) < 0) {
			/* the driver's view of a dropped transfer: retry; the
			 * connector must offer it again, so it gets a 503 */
			emit_request(&req, 0, "transfer_failed", NULL);
			a = (struct conn_answer){ .status = 503, .body = "", .header = NULL };
			r = c->poll_answer(p, &req, &a, &b);
		} else {
			answer_of(x, &a);
			r = c->poll_answer(p, &req, &a, &b);
			emit_request(&req, a.status, conn_outcome_name(b.outcome), &b);
		}
		if (r < 0) {
			fprintf(stderr, "poll_answer: %s\n", strerror(-r));
			return 1;
		}
		emit_batch(&b);
		if ((b.outcome == CONN_RETRY || b.outcome == CONN_MALFORMED) &&
		    ++failures >= attempts)
			stopped = true;
		conn_batch_clear(&b);
		http_xfer_free(x);
		conn_request_clear(&req);
	}
	cJSON *o = cJSON_CreateObject(), *e = cJSON_AddObjectToObject(o, "end");
	cJSON_AddBoolToObject(e, "done", c->poll_done(p));
	cJSON_AddNumberToObject(e, "requests", requests);
	emit(o);
	c->poll_free(p);
	curlev_free(run.engine);
	event_base_free(run.base);
	curl_global_cleanup();
	return 0;
}
