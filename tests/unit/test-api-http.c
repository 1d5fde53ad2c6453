/* The API's HTTP/1.1 request parser: framing, limits, refusals. */
#include "t.h"

#include <stdlib.h>
#include <string.h>

#include "api/api-http.h"

static const struct api_http_limits lim = { .max_header = 1024, .max_body = 64 };

/* Parse s whole; returns the parser's result, req filled. */
static int parse(const char *s, struct api_http_req *req, char **ret_buf)
{
	size_t n = strlen(s);
	char *buf = malloc(n + 1);
	memcpy(buf, s, n + 1);
	*req = (struct api_http_req){ 0 };
	int r = api_http_parse(req, buf, n, &lim);
	*ret_buf = buf;
	return r;
}

static int parse_status(const char *s)
{
	struct api_http_req req;
	char *buf;
	int r = parse(s, &req, &buf);
	int status = r < 0 ? req.error.status : r;
	api_http_req_reset(&req);
	free(buf);
	return status;
}

static void test_simple_get(void)
{
	struct api_http_req req;
	char *buf;
	const char *s = "GET /v1/status?x=1 HTTP/1.1\r\nHost: localhost\r\n\r\n";
	T_EQ_INT(1, parse(s, &req, &buf));
	T_EQ_STR("GET", buf + req.method_off);
	T_EQ_STR("/v1/status?x=1", buf + req.target_off);
	T_EQ_INT(1, req.minor);
	T_ASSERT(req.keep_alive);
	T_EQ_INT((int)strlen(s), (int)req.pos);
	T_ASSERT(req.body == NULL);
	api_http_req_reset(&req);
	free(buf);
}

/* A request sent a byte at a time parses the same, and is not complete
 * before its last byte. */
static void test_byte_at_a_time(void)
{
	const char *s = "POST /v1/x HTTP/1.1\r\nTransfer-Encoding: chunked\r\n\r\n"
	                "3;ext=1\r\nabc\r\n2\r\nde\r\n0\r\nTrailer: x\r\n\r\n";
	size_t n = strlen(s);
	char *buf = malloc(n);
	struct api_http_req req = { 0 };
	int r = 0;
	for (size_t i = 1; i <= n; i++) {
		buf[i - 1] = s[i - 1];
		r = api_http_parse(&req, buf, i, &lim);
		if (i < n)
			T_EQ_INT(0, r);
	}
	T_EQ_INT(1, r);
	T_EQ_STR("abcde", req.body);
	T_EQ_INT(5, (int)req.body_len);
	T_EQ_INT((int)n, (int)req.pos);
	api_http_req_reset(&req);
	free(buf);
}

static void test_keep_alive_by_version_and_connection(void)
{
	struct api_http_req req;
	char *buf;
	T_EQ_INT(1, parse("GET / HTTP/1.0\r\n\r\n", &req, &buf));
	T_ASSERT(!req.keep_alive);
	api_http_req_reset(&req);
	free(buf);
	T_EQ_INT(1, parse("GET / HTTP/1.0\r\nConnection: Keep-Alive\r\n\r\n", &req, &buf));
	T_ASSERT(req.keep_alive);
	api_http_req_reset(&req);
	free(buf);
	T_EQ_INT(1, parse("GET / HTTP/1.1\r\nConnection: foo, close\r\n\r\n", &req, &buf));
	T_ASSERT(!req.keep_alive);
	api_http_req_reset(&req);
	free(buf);
}

/* Two pipelined requests: the first ends where the second starts. */
static void test_pipelined_request_ends_at_its_length(void)
{
	struct api_http_req req;
	char *buf;
	const char *first = "POST /a HTTP/1.1\r\nContent-Length: 2\r\n\r\nhi";
	char s[256];
	snprintf(s, sizeof(s), "%sGET /b HTTP/1.1\r\n\r\n", first);
	T_EQ_INT(1, parse(s, &req, &buf));
	T_EQ_INT((int)strlen(first), (int)req.pos);
	T_EQ_STR("hi", req.body);
	api_http_req_reset(&req);
	free(buf);
}

static void test_incomplete_body_waits(void)
{
	T_EQ_INT(0, parse_status("POST /a HTTP/1.1\r\nContent-Length: 5\r\n\r\nabc"));
	T_EQ_INT(0, parse_status("GET /a HTTP/1.1\r\nHost: x\r\n"));
}

static void test_duplicate_or_conflicting_content_length_is_400(void)
{
	T_EQ_INT(400, parse_status("POST /a HTTP/1.1\r\nContent-Length: 2\r\n"
	                           "Content-Length: 2\r\n\r\nhi"));
	T_EQ_INT(400, parse_status("POST /a HTTP/1.1\r\nContent-Length: 2\r\n"
	                           "content-length: 3\r\n\r\nhi"));
	T_EQ_INT(400, parse_status("POST /a HTTP/1.1\r\nContent-Length: 2, 2\r\n\r\nhi"));
	T_EQ_INT(400, parse_status("POST /a HTTP/1.1\r\nContent-Length: +2\r\n\r\nhi"));
	T_EQ_INT(400, parse_status("POST /a HTTP/1.1\r\nContent-Length: 2\r\n"
	                           "Transfer-Encoding: chunked\r\n\r\n2\r\nhi\r\n0\r\n\r\n"));
	T_EQ_INT(400, parse_status("POST /a HTTP/1.1\r\nTransfer-Encoding: chunked\r\n"
	                           "Transfer-Encoding: chunked\r\n\r\n0\r\n\r\n"));
}

static void test_bad_chunking_is_400(void)
{
	T_EQ_INT(400, parse_status("POST /a HTTP/1.1\r\nTransfer-Encoding: chunked\r\n\r\n"
	                           "zz\r\nhi\r\n0\r\n\r\n"));
	T_EQ_INT(400, parse_status("POST /a HTTP/1.1\r\nTransfer-Encoding: chunked\r\n\r\n"
	                           "2\r\nhiX\r\n0\r\n\r\n"));
	T_EQ_INT(400, parse_status("POST /a HTTP/1.1\r\nTransfer-Encoding: chunked\r\n\r\n"
	                           "0\r\nno colon\r\n\r\n"));
	T_EQ_INT(501, parse_status("POST /a HTTP/1.1\r\nTransfer-Encoding: gzip, chunked\r\n\r\n"));
	T_EQ_INT(400, parse_status("POST /a HTTP/1.0\r\nTransfer-Encoding: chunked\r\n\r\n"
	                           "0\r\n\r\n"));
}

static void test_bad_request_lines_are_400_or_505(void)
{
	T_EQ_INT(400, parse_status("garbage\r\n\r\n"));
	T_EQ_INT(400, parse_status("GET  /a HTTP/1.1\r\n\r\n"));
	T_EQ_INT(400, parse_status("GET /a HTTP/1.1 extra\r\n\r\n"));
	T_EQ_INT(400, parse_status("GET /a\r\n\r\n"));
	T_EQ_INT(400, parse_status("G(T /a HTTP/1.1\r\n\r\n"));
	T_EQ_INT(505, parse_status("GET /a HTTP/2.0\r\n\r\n"));
	T_EQ_INT(505, parse_status("GET /a HTTP/1.2\r\n\r\n"));
}

/* Header forms another reader could split differently are refused. */
static void test_ambiguous_headers_are_400(void)
{
	T_EQ_INT(400, parse_status("GET /a HTTP/1.1\r\nHost : x\r\n\r\n"));
	T_EQ_INT(400, parse_status("GET /a HTTP/1.1\r\nHost: x\r\n folded\r\n\r\n"));
	T_EQ_INT(400, parse_status("GET /a HTTP/1.1\r\nHost: x\nX: y\r\n\r\n"));
	T_EQ_INT(400, parse_status("GET /a HTTP/1.1\r\nHost: x\ry\r\n\r\n"));
	T_EQ_INT(400, parse_status("GET /a HTTP/1.1\r\nX: a\x01z\r\n\r\n"));
	T_EQ_INT(417, parse_status("GET /a HTTP/1.1\r\nExpect: something\r\n\r\n"));
}

static void test_limits_are_413_and_431(void)
{
	char big[2048];
	memset(big, 'a', sizeof(big));
	memcpy(big, "GET /", 5);
	big[sizeof(big) - 1] = '\0';
	/* No end of the header block within the limit. */
	T_EQ_INT(431, parse_status(big));
	T_EQ_INT(413, parse_status("POST /a HTTP/1.1\r\nContent-Length: 65\r\n\r\n"));
	T_EQ_INT(413,
	         parse_status("POST /a HTTP/1.1\r\nContent-Length: 99999999999999999\r\n\r\n"));
	T_EQ_INT(413, parse_status("POST /a HTTP/1.1\r\nTransfer-Encoding: chunked\r\n\r\n"
	                           "41\r\n"));
	T_EQ_INT(413, parse_status("POST /a HTTP/1.1\r\nTransfer-Encoding: chunked\r\n\r\n"
	                           "ffffffffffffffffff\r\n"));
	/* Exactly the limit is fine. */
	char ok[256];
	snprintf(ok, sizeof(ok), "POST /a HTTP/1.1\r\nContent-Length: 64\r\n\r\n%064d", 0);
	T_EQ_INT(1, parse_status(ok));
}

static void test_expect_continue_is_noted(void)
{
	struct api_http_req req;
	char *buf;
	T_EQ_INT(0, parse("POST /a HTTP/1.1\r\nExpect: 100-continue\r\nContent-Length: 3\r\n\r\n",
	                  &req, &buf));
	T_ASSERT(api_http_have_head(&req));
	T_ASSERT(req.expect_continue);
	api_http_req_reset(&req);
	free(buf);
}

/* The status of s fed a byte at a time (0 when it never completes). */
static int byte_at_a_time_status(const char *s)
{
	size_t n = strlen(s);
	char *buf = malloc(n);
	struct api_http_req req = { 0 };
	int r = 0;
	for (size_t i = 1; i <= n && r == 0; i++) {
		buf[i - 1] = s[i - 1];
		r = api_http_parse(&req, buf, i, &lim);
	}
	int status = r < 0 ? req.error.status : r;
	api_http_req_reset(&req);
	free(buf);
	return status;
}

/* A chunk-size line is judged by its length the same way whether it
 * arrives whole or a byte at a time (found by fuzzing: whole, a long line
 * got past the limit to the size check and a 413; in pieces, a 400).  The
 * limit is 1024 bytes without the CRLF. */
static void test_long_chunk_line_same_whole_or_in_pieces(void)
{
	static char s[2048];
	const char *head = "POST /v1/x HTTP/1.1\r\nTransfer-Encoding: chunked\r\n\r\n";
	for (size_t len = 1023; len <= 1026; len++) {
		size_t h = strlen(head);
		memcpy(s, head, h);
		s[h] = '1';
		memset(s + h + 1, ' ', len - 1); /* "1" and white space: an empty extension */
		memcpy(s + h + len, "\r\nx\r\n0\r\n\r\n", 11);
		s[h + len + 11] = '\0';
		int whole = parse_status(s), pieces = byte_at_a_time_status(s);
		T_EQ_INT(whole, pieces);
		T_EQ_INT(len <= 1024 ? 1 : 400, whole);
	}
}

int main(void)
{
	T_RUN(test_simple_get);
	T_RUN(test_byte_at_a_time);
	T_RUN(test_keep_alive_by_version_and_connection);
	T_RUN(test_pipelined_request_ends_at_its_length);
	T_RUN(test_incomplete_body_waits);
	T_RUN(test_duplicate_or_conflicting_content_length_is_400);
	T_RUN(test_bad_chunking_is_400);
	T_RUN(test_bad_request_lines_are_400_or_505);
	T_RUN(test_ambiguous_headers_are_400);
	T_RUN(test_limits_are_413_and_431);
	T_RUN(test_expect_continue_is_noted);
	T_RUN(test_long_chunk_line_same_whole_or_in_pieces);
	return t_done();
}
