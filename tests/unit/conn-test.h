/* Helpers for the connectors' unit tests: the recorded platform responses
 * (read from ../shared/data/platform-fixtures or $VAKT_PLATFORM_FIXTURES,
 * never copied: their licence is not ours), answers with headers, and
 * stepping a poll by hand. */
#pragma once

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "connectors/connector.h"
#include "t.h"

static char conn_test_dir[1024];

/* false when the fixtures are not there (their tests are then skipped). */
static inline bool conn_test_fixtures(void)
{
	const char *env = getenv("VAKT_PLATFORM_FIXTURES");
	char probe[1100];

	if (env)
		snprintf(conn_test_dir, sizeof(conn_test_dir), "%s", env);
	else
		snprintf(conn_test_dir, sizeof(conn_test_dir),
		         "%s/../shared/data/platform-fixtures", SRCDIR);
	snprintf(probe, sizeof(probe), "%s/README.md", conn_test_dir);
	FILE *f = fopen(probe, "r");
	if (!f) {
		printf("# recorded fixtures not found in %s: their tests are skipped\n",
		       conn_test_dir);
		printf("ok %d - recorded fixtures # SKIP not found\n", ++t_count);
		return false;
	}
	fclose(f);
	return true;
}

static inline char *conn_test_slurp(const char *name, size_t *ret_len)
{
	char path[1200];
	snprintf(path, sizeof(path), "%s/%s", conn_test_dir, name);
	FILE *f = fopen(path, "rb");
	if (!f)
		return NULL;
	fseek(f, 0, SEEK_END);
	long n = ftell(f);
	fseek(f, 0, SEEK_SET);
	char *buf = malloc((size_t)n + 1);
	size_t got = fread(buf, 1, (size_t)n, f);
	buf[got] = '\0';
	fclose(f);
	if (ret_len)
		*ret_len = got;
	return buf;
}

struct conn_test_headers {
	const char *names[6];
	const char *values[6];
};

static inline const char *conn_test_header(const void *ctx, const char *name)
{
	const struct conn_test_headers *h = ctx;
	for (int i = 0; h && i < 6 && h->names[i]; i++)
		if (strcasecmp(h->names[i], name) == 0)
			return h->values[i];
	return NULL;
}

/* Hand body (status, headers h or NULL) to the poll as the answer to req;
 * b is initialised here and must be cleared by the caller. */
static inline void conn_test_answer(const struct connector *c, struct conn_poll *p,
                                    const struct conn_request *req, long status, const char *body,
                                    const struct conn_test_headers *h, struct conn_batch *b)
{
	struct conn_answer a = { .status = status,
		                 .body = body,
		                 .body_len = strlen(body),
		                 .header = conn_test_header,
		                 .header_ctx = h };
	conn_batch_init(b);
	T_EQ_INT(0, c->poll_answer(p, req, &a, b));
}

static inline struct conn_item *conn_test_item(struct conn_batch *b, const char *id)
{
	for (size_t i = 0; i < b->n_items; i++)
		if (strcmp(b->items[i].platform_id, id) == 0)
			return &b->items[i];
	return NULL;
}
