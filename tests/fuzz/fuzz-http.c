/* The control API's HTTP/1.1 parser (daemon/api/api-http.c) on the bytes
 * of one connection: pipelined requests, parsed once with all bytes at hand
 * and once fed in small pieces whose size the input's first byte chooses,
 * as a slow client would send them.
 *
 * Checked besides the sanitizers: both ways find the same requests (the
 * outcome, each request's length, status and decoded body), a finished
 * request consumed at least one byte and no more than it was given, and a
 * decoded body stays within the limit. */
#include "fuzz.h"

#include <stdbool.h>

#include "api/api-http.h"

#define MAX_REQUESTS 16

static const struct api_http_limits limits = { .max_header = 1024, .max_body = 512 };

struct outcome {
	int result; /* api_http_parse()'s last answer for this request */
	size_t length;
	int status;
	size_t body_len;
	uint64_t body_hash;
};

static uint64_t hash(const char *p, size_t n)
{
	uint64_t h = 1469598103934665603u;
	for (size_t i = 0; i < n; i++)
		h = (h ^ (unsigned char)p[i]) * 1099511628211u;
	return h;
}

/* Parse data[0..n) request after request, handing the parser `step` more
 * bytes per call (0: everything at once).  Returns how many outcomes. */
static size_t parse_stream(const uint8_t *data, size_t n, size_t step, struct outcome *out)
{
	char *buf = malloc(n + 1);
	size_t off = 0, k = 0;
	if (!buf)
		abort();
	while (off < n && k < MAX_REQUESTS) {
		struct api_http_req req = { 0 };
		size_t have = 0, avail = n - off;
		int r;
		do {
			/* Only new bytes are copied: the parser has written NULs
			 * into what it has seen, and expects them kept. */
			size_t add = step && step < avail - have ? step : avail - have;
			memcpy(buf + have, data + off + have, add);
			have += add;
			r = api_http_parse(&req, buf, have, &limits);
		} while (r == 0 && have < avail);
		out[k] = (struct outcome){
			.result = r,
			.length = r == 1 ? req.pos : 0,
			.status = r < 0 ? req.error.status : 0,
			.body_len = r == 1 ? req.body_len : 0,
			.body_hash = r == 1 && req.body ? hash(req.body, req.body_len) : 0,
		};
		if (r == 1 && (req.pos == 0 || req.pos > have || req.body_len > limits.max_body))
			abort();
		if (r < 0 && (req.error.status < 400 || req.error.status > 599 || !req.error.code))
			abort();
		api_http_req_reset(&req);
		k++;
		if (r != 1)
			break;
		off += out[k - 1].length;
	}
	free(buf);
	return k;
}

static bool same(const struct outcome *a, const struct outcome *b)
{
	return a->result == b->result && a->length == b->length && a->status == b->status &&
	       a->body_len == b->body_len && a->body_hash == b->body_hash;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct outcome whole[MAX_REQUESTS], pieces[MAX_REQUESTS];
	if (size == 0)
		return 0;
	size_t step = 1 + data[0] % 7;
	size_t nw = parse_stream(data + 1, size - 1, 0, whole);
	size_t np = parse_stream(data + 1, size - 1, step, pieces);
	bool differ = nw != np;
	for (size_t i = 0; i < nw && !differ; i++)
		differ = !same(&whole[i], &pieces[i]);
	if (differ) {
		fprintf(stderr, "fuzz-http: %zu-byte pieces parse differently from the whole\n",
		        step);
		abort();
	}
	return 0;
}
