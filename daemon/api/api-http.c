/* The control API's HTTP/1.1 request parser (RFC 9112, the parts a JSON
 * API on a Unix socket needs).  Strict where lenience lets two readers of
 * one message disagree: a duplicate Content-Length, Content-Length with
 * Transfer-Encoding, obsolete line folding, a space before a header's
 * colon and bare CR or LF are all refused, as RFC 9112 asks. */
#include "api/api-http.h"

#include <errno.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#define MAX_HEADERS 100
#define MAX_CHUNK_LINE 1024

static int fail(struct api_http_req *req, int status, const char *code, const char *message)
{
	req->error = (struct api_http_error){ status, code, message };
	return -1;
}

static bool is_tchar(unsigned char c)
{
	return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') ||
	       (c && strchr("!#$%&'*+-.^_`|~", c));
}

/* Field values: visible characters, obs-text, space and tab. */
static bool is_vchar(unsigned char c)
{
	return c == '\t' || (c >= 0x20 && c != 0x7f);
}

static const char *find_crlf(const char *s, const char *end)
{
	for (const char *p = s; p + 1 < end; p++)
		if (p[0] == '\r' && p[1] == '\n')
			return p;
	return NULL;
}

/* Whether a chunk-size or trailer line from p is over MAX_CHUNK_LINE bytes
 * (CRLF not counted).  Decided the same however the bytes arrive: with its
 * CRLF at eol by its length; without one yet only once more than
 * MAX_CHUNK_LINE + 1 bytes are there, since the last one may be the CR. */
static bool line_too_long(const char *p, const char *eol, const char *end)
{
	if (eol)
		return (size_t)(eol - p) > MAX_CHUNK_LINE;
	return (size_t)(end - p) > MAX_CHUNK_LINE + 1;
}

/* "close" / "keep-alive" among the comma-separated tokens of a Connection
 * header (which may be repeated). */
static void connection_tokens(const char *v, bool *close, bool *keep)
{
	while (*v) {
		v += strspn(v, " \t,");
		size_t n = strcspn(v, " \t,");
		if (n == 5 && strncasecmp(v, "close", 5) == 0)
			*close = true;
		else if (n == 10 && strncasecmp(v, "keep-alive", 10) == 0)
			*keep = true;
		v += n;
	}
}

static int parse_request_line(struct api_http_req *req, char *line)
{
	char *p = line;
	size_t n = 0;

	while (is_tchar((unsigned char)p[n]))
		n++;
	if (n == 0 || n > 32 || p[n] != ' ')
		return fail(req, 400, "bad_request", "malformed request line");
	p[n] = '\0';
	req->method_off = 0;
	p += n + 1;
	char *target = p;
	for (n = 0; p[n] > 0x20 && p[n] < 0x7f; n++)
		;
	if (n == 0 || p[n] != ' ')
		return fail(req, 400, "bad_request", "malformed request line");
	p[n] = '\0';
	req->target_off = (size_t)(target - line);
	p += n + 1;
	if (strncmp(p, "HTTP/", 5) != 0 || !(p[5] >= '0' && p[5] <= '9') || p[6] != '.' ||
	    !(p[7] >= '0' && p[7] <= '9') || p[8] != '\0')
		return fail(req, 400, "bad_request", "malformed request line");
	if (p[5] != '1' || (p[7] != '0' && p[7] != '1'))
		return fail(req, 505, "http_version", "only HTTP/1.0 and HTTP/1.1 are served");
	req->minor = p[7] - '0';
	return 0;
}

static int parse_content_length(struct api_http_req *req, const char *v)
{
	size_t n = strlen(v);
	if (n == 0 || n > 18 || strspn(v, "0123456789") != n)
		return fail(req, 400, "bad_content_length",
		            "Content-Length must be one decimal number");
	req->content_length = (size_t)strtoull(v, NULL, 10);
	return 0;
}

/* Request line and headers: buf[0..head_len), ending in an empty line. */
static int parse_head(struct api_http_req *req, char *buf, const struct api_http_limits *lim)
{
	char *end = buf + req->head_len;
	bool have_cl = false, have_te = false, close = false, keep = false;
	unsigned headers = 0;

	/* A bare CR or LF, or a NUL, would let another reader split the
	 * lines differently. */
	for (char *p = buf; p < end; p++) {
		if (*p == '\0' || (*p == '\r' && p[1] != '\n') ||
		    (*p == '\n' && (p == buf || p[-1] != '\r')))
			return fail(req, 400, "bad_request", "stray CR, LF or NUL in the header");
	}
	char *eol = (char *)find_crlf(buf, end);
	*eol = '\0';
	if (parse_request_line(req, buf) < 0)
		return -1;
	for (char *line = eol + 2; line < end - 2; line = eol + 2) {
		eol = (char *)find_crlf(line, end);
		*eol = '\0';
		if (++headers > MAX_HEADERS)
			return fail(req, 431, "header_too_large", "more than 100 header fields");
		size_t n = 0;
		while (is_tchar((unsigned char)line[n]))
			n++;
		/* Also refuses obsolete line folding (a line starting with
		 * white space) and white space before the colon. */
		if (n == 0 || line[n] != ':')
			return fail(req, 400, "bad_header", "malformed header field");
		line[n] = '\0';
		char *v = line + n + 1, *vend = eol;
		while (*v == ' ' || *v == '\t')
			v++;
		while (vend > v && (vend[-1] == ' ' || vend[-1] == '\t'))
			*--vend = '\0';
		for (char *c = v; c < vend; c++)
			if (!is_vchar((unsigned char)*c))
				return fail(req, 400, "bad_header",
				            "control character in a header field");
		if (strcasecmp(line, "Content-Length") == 0) {
			if (have_cl)
				return fail(req, 400, "bad_content_length",
				            "more than one Content-Length header");
			have_cl = true;
			if (parse_content_length(req, v) < 0)
				return -1;
		} else if (strcasecmp(line, "Transfer-Encoding") == 0) {
			if (have_te)
				return fail(req, 400, "bad_transfer_encoding",
				            "more than one Transfer-Encoding header");
			have_te = true;
			if (strcasecmp(v, "chunked") != 0)
				return fail(req, 501, "not_implemented",
				            "only Transfer-Encoding: chunked is supported");
			req->chunked = true;
		} else if (strcasecmp(line, "Connection") == 0) {
			connection_tokens(v, &close, &keep);
		} else if (strcasecmp(line, "Expect") == 0) {
			if (strcasecmp(v, "100-continue") != 0)
				return fail(req, 417, "expectation_failed",
				            "only Expect: 100-continue is supported");
			req->expect_continue = true;
		}
	}
	if (have_cl && have_te)
		return fail(req, 400, "bad_content_length",
		            "Content-Length together with Transfer-Encoding");
	if (have_te && req->minor == 0)
		return fail(req, 400, "bad_transfer_encoding", "Transfer-Encoding in HTTP/1.0");
	if (req->content_length > lim->max_body)
		return fail(req, 413, "too_large", "request body too large");
	req->keep_alive = req->minor == 1 ? !close : keep && !close;
	return 0;
}

static int body_append(struct api_http_req *req, const char *p, size_t n,
                       const struct api_http_limits *lim)
{
	if (n > lim->max_body - req->body_len)
		return fail(req, 413, "too_large", "request body too large");
	char *b = realloc(req->body, req->body_len + n + 1);
	if (!b)
		return fail(req, 500, "internal", "out of memory");
	memcpy(b + req->body_len, p, n);
	req->body = b;
	req->body_len += n;
	b[req->body_len] = '\0';
	return 0;
}

/* One step of the chunked body: 1 progress, 0 need more bytes, -1 error. */
static int chunk_step(struct api_http_req *req, char *buf, size_t len,
                      const struct api_http_limits *lim)
{
	const char *p = buf + req->pos, *end = buf + len, *eol;

	switch (req->state) {
	case API_HTTP_CHUNK_SIZE: {
		eol = find_crlf(p, end);
		if (line_too_long(p, eol, end))
			return fail(req, 400, "bad_chunk", "chunk size line too long");
		if (!eol)
			return 0;
		size_t size = 0, digits = 0;
		const char *q = p;
		for (; q < eol; q++, digits++) {
			int d = (*q >= '0' && *q <= '9')   ? *q - '0'
			        : (*q >= 'a' && *q <= 'f') ? *q - 'a' + 10
			        : (*q >= 'A' && *q <= 'F') ? *q - 'A' + 10
			                                   : -1;
			if (d < 0)
				break;
			if (size > (SIZE_MAX >> 4))
				return fail(req, 413, "too_large", "request body too large");
			size = size * 16 + (size_t)d;
		}
		/* Chunk extensions (";name=value") are allowed and ignored. */
		if (digits == 0 || (q < eol && *q != ';' && *q != ' ' && *q != '\t'))
			return fail(req, 400, "bad_chunk", "malformed chunk size");
		for (; q < eol; q++)
			if (!is_vchar((unsigned char)*q))
				return fail(req, 400, "bad_chunk", "malformed chunk extension");
		if (size > lim->max_body - req->body_len)
			return fail(req, 413, "too_large", "request body too large");
		req->pos += (size_t)(eol - p) + 2;
		req->chunk_left = size;
		req->state = size ? API_HTTP_CHUNK_DATA : API_HTTP_TRAILER;
		return 1;
	}
	case API_HTTP_CHUNK_DATA: {
		size_t n =
		        (size_t)(end - p) < req->chunk_left ? (size_t)(end - p) : req->chunk_left;
		if (n == 0)
			return 0;
		if (body_append(req, p, n, lim) < 0)
			return -1;
		req->pos += n;
		req->chunk_left -= n;
		if (req->chunk_left == 0)
			req->state = API_HTTP_CHUNK_CRLF;
		return 1;
	}
	case API_HTTP_CHUNK_CRLF:
		if (end - p < 2)
			return 0;
		if (p[0] != '\r' || p[1] != '\n')
			return fail(req, 400, "bad_chunk", "chunk data not followed by CRLF");
		req->pos += 2;
		req->state = API_HTTP_CHUNK_SIZE;
		return 1;
	case API_HTTP_TRAILER:
		eol = find_crlf(p, end);
		if (line_too_long(p, eol, end))
			return fail(req, 400, "bad_chunk", "trailer line too long");
		if (!eol)
			return 0;
		if (eol != p) {
			/* Trailer fields are read and dropped; they must still
			 * look like fields. */
			size_t n = 0;
			while (is_tchar((unsigned char)p[n]))
				n++;
			if (n == 0 || p[n] != ':')
				return fail(req, 400, "bad_chunk", "malformed trailer field");
			for (const char *c = p; c < eol; c++)
				if (!is_vchar((unsigned char)*c))
					return fail(req, 400, "bad_chunk",
					            "control character in a trailer field");
		} else {
			req->state = API_HTTP_DONE;
		}
		req->pos += (size_t)(eol - p) + 2;
		return 1;
	default:
		return fail(req, 500, "internal", "parser state");
	}
}

int api_http_parse(struct api_http_req *req, char *buf, size_t len,
                   const struct api_http_limits *lim)
{
	if (req->state == API_HTTP_DONE)
		return 1;
	if (req->state == API_HTTP_HEAD) {
		const char *found = NULL;
		size_t from = req->scan;
		if (len >= 4)
			for (size_t i = from; i + 4 <= len; i++)
				if (buf[i] == '\r' && memcmp(buf + i, "\r\n\r\n", 4) == 0) {
					found = buf + i;
					break;
				}
		if (!found) {
			if (len > lim->max_header)
				return fail(req, 431, "header_too_large",
				            "request header larger than the limit");
			req->scan = len >= 3 ? len - 3 : 0;
			return 0;
		}
		req->head_len = (size_t)(found - buf) + 4;
		if (req->head_len > lim->max_header)
			return fail(req, 431, "header_too_large",
			            "request header larger than the limit");
		if (parse_head(req, buf, lim) < 0)
			return -1;
		req->pos = req->head_len;
		req->state = req->chunked          ? API_HTTP_CHUNK_SIZE
		             : req->content_length ? API_HTTP_BODY
		                                   : API_HTTP_DONE;
	}
	if (req->state == API_HTTP_BODY) {
		if (len - req->head_len < req->content_length)
			return 0;
		if (body_append(req, buf + req->head_len, req->content_length, lim) < 0)
			return -1;
		req->pos = req->head_len + req->content_length;
		req->state = API_HTTP_DONE;
	}
	while (req->state != API_HTTP_DONE) {
		/* Chunk framing may cost at most as much again as the body,
		 * so a body of one-byte chunks cannot grow without bound. */
		if (req->pos - req->head_len > 2 * lim->max_body + 4096)
			return fail(req, 413, "too_large", "chunked body framing too large");
		int r = chunk_step(req, buf, len, lim);
		if (r <= 0)
			return r;
	}
	return 1;
}

void api_http_req_reset(struct api_http_req *req)
{
	free(req->body);
	*req = (struct api_http_req){ 0 };
}

const char *api_http_reason(int status)
{
	switch (status) {
	case 100:
		return "Continue";
	case 200:
		return "OK";
	case 201:
		return "Created";
	case 202:
		return "Accepted";
	case 204:
		return "No Content";
	case 400:
		return "Bad Request";
	case 403:
		return "Forbidden";
	case 404:
		return "Not Found";
	case 405:
		return "Method Not Allowed";
	case 408:
		return "Request Timeout";
	case 409:
		return "Conflict";
	case 413:
		return "Content Too Large";
	case 417:
		return "Expectation Failed";
	case 422:
		return "Unprocessable Content";
	case 429:
		return "Too Many Requests";
	case 431:
		return "Request Header Fields Too Large";
	case 500:
		return "Internal Server Error";
	case 501:
		return "Not Implemented";
	case 503:
		return "Service Unavailable";
	case 505:
		return "HTTP Version Not Supported";
	default:
		return status < 300 ? "OK" : status < 500 ? "Bad Request" : "Server Error";
	}
}
