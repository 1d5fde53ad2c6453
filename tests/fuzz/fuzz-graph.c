/* The Graph API connectors (connectors/facebook.c, instagram.c, graph.c)
 * on answers nobody wrote: the first byte picks the connector, which
 * answer of a poll the input is (the others are empty pages) and its HTTP
 * status; the rest is the body.  The same body also goes through the
 * webhook parsers, the batch splitter and poll_new as a stored cursor.
 *
 * Checked besides the sanitizers: every item has an id, a kind, a text
 * and a state; a cursor handed out reads back in poll_new; a poll ends
 * within its request bound. */
#include "fuzz.h"

#include <errno.h>

#include "connectors/connector.h"
#include "connectors/facebook.h"
#include "connectors/graph.h"
#include "connectors/instagram.h"

static const char *no_header(const void *ctx, const char *name)
{
	(void)ctx;
	return strcmp(name, "X-Business-Use-Case-Usage") == 0
	               ? "{\"1\":[{\"type\":\"pages\",\"call_count\":100,"
	                 "\"estimated_time_to_regain_access\":3}]}"
	               : NULL;
}

static void check_items(const struct conn_batch *b)
{
	for (size_t i = 0; i < b->n_items; i++) {
		const struct conn_item *it = &b->items[i];
		if (!it->platform_id || !it->kind || !it->text || !it->platform_state)
			abort();
	}
}

static void run_poll(const struct connector *c, const char *cursor, unsigned pick, long status,
                     const char *body, size_t len)
{
	struct conn_account acc = { .id = "a",
		                    .external_id = "104857600123456",
		                    .base_url = "http://sim/v22.0",
		                    .cursor = cursor,
		                    .backfill_from = 1700000000LL * 1000000,
		                    .now = 1800000000LL * 1000000 };
	struct conn_poll *p = NULL;
	int r = c->poll_new(&acc, &p);
	if (r == -EINVAL && cursor)
		return;
	if (r < 0)
		abort();
	struct conn_request req = { 0 };
	unsigned step = 0;
	while (c->poll_next(p, &req) == 1) {
		struct conn_batch b;
		conn_batch_init(&b);
		bool mine = step == pick;
		struct conn_answer a = { .status = mine ? status : 200,
			                 .body = mine ? body : "{\"data\":[]}",
			                 .body_len = mine ? len : 11,
			                 .header = no_header };
		if (c->poll_answer(p, &req, &a, &b) < 0)
			abort();
		check_items(&b);
		if (b.cursor && !cursor) {
			/* what we hand out reads back */
			char *copy = strdup(b.cursor);
			struct conn_poll *q = NULL;
			acc.cursor = copy;
			if (c->poll_new(&acc, &q) != 0)
				abort();
			c->poll_free(q);
			acc.cursor = NULL;
			free(copy);
		}
		conn_batch_clear(&b);
		conn_request_clear(&req);
		if (++step > 2100) /* GRAPH_MAX_REQUESTS bounds a poll */
			abort();
		if (mine && (a.status != 200))
			pick = ~0u; /* a retried request gets an empty page next */
	}
	c->poll_free(p);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	if (size < 1)
		return 0;
	unsigned sel = data[0];
	const char *body = (const char *)data + 1;
	size_t len = size - 1;
	char *text = fuzz_strndup(data + 1, len);
	static const long statuses[] = { 200, 200, 200, 400, 403, 404, 429, 500 };
	const struct connector *c = sel & 1 ? &connector_instagram : &connector_facebook;
	run_poll(c, NULL, (sel >> 1) & 7, statuses[(sel >> 4) & 7], body, len);
	run_poll(c, text, 0, 200, "{\"data\":[]}", 11);

	struct conn_batch b;
	conn_batch_init(&b);
	fb_webhook_items(body, len, "1234567890321", &b);
	ig_webhook_items(body, len, "17841406338772941", &b);
	check_items(&b);
	conn_batch_clear(&b);

	cJSON *root = cJSON_ParseWithLength(body, len);
	struct graph_part *parts = NULL;
	size_t n = 0;
	if (graph_batch_split(root, &parts, &n) == 0) {
		for (size_t i = 0; i < n; i++) {
			cJSON *r = NULL;
			conn_batch_init(&b);
			graph_check(&parts[i].answer, &b, &r, NULL);
			parts[i].answer.header(parts[i].answer.header_ctx, "X-App-Usage");
			cJSON_Delete(r);
			conn_batch_clear(&b);
		}
		free(parts);
	}
	cJSON_Delete(root);
	free(text);
	return 0;
}
