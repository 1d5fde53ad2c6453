/* conn-poll: run one connector's whole poll (or one action) against a
 * simulator with blocking libcurl, the way the fetch driver does it but
 * one request at a time, and print what came out as JSON lines:
 *   {"request":{method,url,status,outcome,message?,usage?,retry_after_ms?}}
 *   {"item":{id,kind,parent,author,author_name,own,state,text,published,permalink}}
 *   {"gone":id}  {"cursor":text}  {"end":{done,requests}}
 * For the simulators' connector tests (tests/sim/test_conn_*.py); a test
 * tool, not part of vakt.  A retryable answer is asked again at once (up
 * to --attempts times); a transfer failure counts as retryable.
 *
 *   conn-poll PLATFORM BASE_URL EXTERNAL_ID TOKEN BACKFILL_ISO [CURSOR|-]
 *   conn-poll PLATFORM BASE_URL EXTERNAL_ID TOKEN --action NAME ID KIND */
#include <curl/curl.h>
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include <cjson/cJSON.h>

#include "connectors/connector.h"
#include "util/clock.h"
#include "util/strbuf.h"

struct resp {
	struct strbuf body;
	char *hname[64];
	char *hvalue[64];
	int nh;
};

static size_t on_body(char *p, size_t sz, size_t n, void *ud)
{
	struct resp *r = ud;
	return strbuf_add(&r->body, p, sz * n) < 0 ? 0 : sz * n;
}

static size_t on_header(char *p, size_t sz, size_t n, void *ud)
{
	struct resp *r = ud;
	size_t len = sz * n;
	char *colon = memchr(p, ':', len);
	if (!colon || r->nh >= 64)
		return len;
	char *v = colon + 1;
	size_t vl = len - (size_t)(v - p);
	while (vl && (*v == ' ' || *v == '\t'))
		v++, vl--;
	while (vl && (v[vl - 1] == '\r' || v[vl - 1] == '\n' || v[vl - 1] == ' '))
		vl--;
	r->hname[r->nh] = strndup(p, (size_t)(colon - p));
	r->hvalue[r->nh] = strndup(v, vl);
	r->nh++;
	return len;
}

static const char *get_header(const void *ctx, const char *name)
{
	const struct resp *r = ctx;
	for (int i = r->nh - 1; i >= 0; i--)
		if (strcasecmp(r->hname[i], name) == 0)
			return r->hvalue[i];
	return NULL;
}

static void resp_free(struct resp *r)
{
	strbuf_free(&r->body);
	for (int i = 0; i < r->nh; i++) {
		free(r->hname[i]);
		free(r->hvalue[i]);
	}
	memset(r, 0, sizeof(*r));
}

/* Perform req; 0 with status, or -EIO for a transfer failure. */
static int perform(const struct conn_request *req, const char *token, struct resp *r, long *status)
{
	CURL *c = curl_easy_init();
	struct curl_slist *h = NULL;
	char auth[1024];
	snprintf(auth, sizeof(auth), "Authorization: Bearer %s", token);
	h = curl_slist_append(h, auth);
	if (req->content_type[0]) {
		char ct[128];
		snprintf(ct, sizeof(ct), "Content-Type: %s", req->content_type);
		h = curl_slist_append(h, ct);
	}
	for (const char *l = req->headers; l && *l;) {
		size_t n = strcspn(l, "\n");
		char *line = strndup(l, n);
		h = curl_slist_append(h, line);
		free(line);
		l += n + (l[n] == '\n');
	}
	curl_easy_setopt(c, CURLOPT_URL, req->url);
	curl_easy_setopt(c, CURLOPT_CUSTOMREQUEST, req->method);
	if (req->body) {
		curl_easy_setopt(c, CURLOPT_POSTFIELDS, req->body);
		curl_easy_setopt(c, CURLOPT_POSTFIELDSIZE, (long)req->body_len);
	}
	curl_easy_setopt(c, CURLOPT_HTTPHEADER, h);
	curl_easy_setopt(c, CURLOPT_WRITEFUNCTION, on_body);
	curl_easy_setopt(c, CURLOPT_WRITEDATA, r);
	curl_easy_setopt(c, CURLOPT_HEADERFUNCTION, on_header);
	curl_easy_setopt(c, CURLOPT_HEADERDATA, r);
	curl_easy_setopt(c, CURLOPT_ACCEPT_ENCODING, "");
	curl_easy_setopt(c, CURLOPT_TIMEOUT, 20L);
	curl_easy_setopt(c, CURLOPT_NOSIGNAL, 1L);
	CURLcode rc = curl_easy_perform(c);
	curl_easy_getinfo(c, CURLINFO_RESPONSE_CODE, status);
	curl_easy_cleanup(c);
	curl_slist_free_all(h);
	return rc == CURLE_OK ? 0 : -EIO;
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
	int r = c->action_request(acc, act, argv[1], argv[2], NULL, &req);
	if (r == -EOPNOTSUPP) {
		emit_request(&(struct conn_request){ .method = "-", .url = "-" }, 0, "not_allowed",
		             NULL);
		return 0;
	}
	if (r < 0)
		return 1;
	struct resp rs = { 0 };
	long status = 0;
	enum conn_outcome o = CONN_RETRY;
	struct conn_rate rate = { 0, -1, -1, 0 };
	char *msg = NULL;
	if (perform(&req, token, &rs, &status) == 0) {
		struct conn_answer a = { status, rs.body.buf ? rs.body.buf : "", rs.body.len,
			                 get_header, &rs };
		o = c->action_answer(&a, &rate, &msg);
	}
	struct conn_batch b;
	conn_batch_init(&b);
	b.message = msg;
	b.rate = rate;
	emit_request(&req, status, conn_outcome_name(o), &b);
	conn_batch_clear(&b);
	resp_free(&rs);
	conn_request_clear(&req);
	return 0;
}

int main(int argc, char **argv)
{
	if (argc < 6) {
		fprintf(stderr,
		        "usage: conn-poll PLATFORM BASE EXTERNAL_ID TOKEN BACKFILL [CURSOR]\n"
		        "       conn-poll PLATFORM BASE EXTERNAL_ID TOKEN --action NAME ID "
		        "KIND\n");
		return 2;
	}
	const struct connector *c = connector_find(argv[1]);
	if (!c) {
		fprintf(stderr, "no connector %s\n", argv[1]);
		return 2;
	}
	curl_global_init(CURL_GLOBAL_DEFAULT);
	struct conn_account acc = { .id = "test", .external_id = argv[3], .base_url = argv[2] };
	const char *token = argv[4];
	const char *attempts_env = getenv("CONN_POLL_ATTEMPTS");
	int attempts = attempts_env ? atoi(attempts_env) : 5;
	if (strcmp(argv[5], "--action") == 0) {
		if (argc < 9)
			return 2;
		return do_action(c, &acc, token, argv + 6);
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
		struct resp rs = { 0 };
		long status = 0;
		struct conn_batch b;
		conn_batch_init(&b);
		requests++;
		if (perform(&req, token, &rs, &status) < 0) {
			/* the driver's view of a dropped transfer: retry */
			emit_request(&req, status, "transfer_failed", NULL);
			b.outcome = CONN_RETRY;
			/* the connector must offer it again: hand it a 503 */
			struct conn_answer a = { 503, "", 0, get_header, &rs };
			conn_batch_clear(&b);
			r = c->poll_answer(p, &req, &a, &b);
		} else {
			struct conn_answer a = { status, rs.body.buf ? rs.body.buf : "",
				                 rs.body.len, get_header, &rs };
			r = c->poll_answer(p, &req, &a, &b);
			emit_request(&req, status, conn_outcome_name(b.outcome), &b);
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
		resp_free(&rs);
		conn_request_clear(&req);
	}
	cJSON *o = cJSON_CreateObject(), *e = cJSON_AddObjectToObject(o, "end");
	cJSON_AddBoolToObject(e, "done", c->poll_done(p));
	cJSON_AddNumberToObject(e, "requests", requests);
	emit(o);
	c->poll_free(p);
	curl_global_cleanup();
	return 0;
}
