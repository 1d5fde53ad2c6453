/* The control API's HTTP/1.1 request parser: bytes in, one request out.
 *
 * No sockets and no allocation beyond the decoded body, so it is unit tested
 * and fuzzed on its own.  The caller keeps the raw bytes of the connection
 * in one buffer and calls api_http_parse() again whenever more arrive; the
 * parser resumes where it stopped (headers are scanned once, a chunked body
 * is decoded as it comes), so a request sent a byte at a time costs linear
 * time.
 *
 * evhttp was replaced by this because libevent 2.1 gives no hook where its
 * parse errors are answered (they go out as HTML through evhttp_send_error),
 * none at a request's first byte, and none at accept that knows the
 * connection: the three things the API's limits need. */
#pragma once

#include <stdbool.h>
#include <stddef.h>

struct api_http_limits {
	size_t max_header; /* request line and header block, CRLFs included */
	size_t max_body;   /* decoded body */
};

enum api_http_state {
	API_HTTP_HEAD = 0, /* before the end of the header block */
	API_HTTP_BODY,     /* Content-Length body */
	API_HTTP_CHUNK_SIZE,
	API_HTTP_CHUNK_DATA,
	API_HTTP_CHUNK_CRLF,
	API_HTTP_TRAILER,
	API_HTTP_DONE,
};

/* A parse error: the HTTP status and a code for the JSON error body. */
struct api_http_error {
	int status;
	const char *code;
	const char *message;
};

struct api_http_req {
	enum api_http_state state;
	size_t scan;     /* where the search for the header end resumes */
	size_t head_len; /* bytes of request line + headers + blank line */
	size_t pos;      /* raw bytes consumed so far (== request length when done) */
	size_t chunk_left;
	/* Results, valid once the head is parsed: offsets into the caller's
	 * buffer (which may move as it grows) of NUL-terminated strings. */
	size_t method_off;
	size_t target_off;
	int minor;       /* HTTP/1.minor */
	bool keep_alive; /* after this request, by version and Connection: */
	bool expect_continue;
	bool chunked;
	size_t content_length;
	char *body; /* owned, NUL-terminated; NULL when empty */
	size_t body_len;
	struct api_http_error error;
};

/* 1 when a whole request is in buf[0..len) (then req->pos is its length),
 * 0 when more bytes are needed, -1 on a malformed or refused request
 * (req->error says what to answer; the connection must then be closed,
 * since its framing is unknown).  buf holds the connection's bytes from the
 * start of this request; it may be reallocated between calls but its
 * contents must stay.  The parser writes NULs into the header block. */
int api_http_parse(struct api_http_req *req, char *buf, size_t len,
                   const struct api_http_limits *lim);

/* True once the header block is complete (method, target known). */
static inline bool api_http_have_head(const struct api_http_req *req)
{
	return req->state != API_HTTP_HEAD;
}

/* Free the body and reset for the next request on the connection. */
void api_http_req_reset(struct api_http_req *req);

/* The reason phrase for a status code ("Bad Request"). */
const char *api_http_reason(int status);
