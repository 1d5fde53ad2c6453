/* One HTTP request with the daemon's safety settings (see http.h). */
#include "net/http.h"

#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#define HTTP_MAX_HEADERS 128
#define HTTP_MAX_HEADER_BYTES (64 * 1024)

struct http_xfer {
	CURL *easy;
	struct curlev *engine; /* set while running */
	struct curl_slist *req_headers;
	char *url;
	char method[8];
	void *body;
	size_t body_len;
	size_t max_body;
	struct strbuf resp;
	struct http_header *headers;
	size_t n_headers;
	size_t header_bytes;
	bool too_large;
	enum http_failure failure;
	long status;
	int64_t elapsed_usec;
	char errbuf[CURL_ERROR_SIZE];
	http_done_fn done;
	void *arg;
};

static size_t http_on_body(char *data, size_t size, size_t n, void *arg)
{
	struct http_xfer *x = arg;
	size_t len = size * n;

	if (x->resp.len + len > x->max_body) {
		x->too_large = true;
		return 0; /* CURLE_WRITE_ERROR ends the transfer */
	}
	return strbuf_add(&x->resp, data, len) == 0 ? len : 0;
}

static void http_headers_clear(struct http_xfer *x)
{
	for (size_t i = 0; i < x->n_headers; i++) {
		free(x->headers[i].name);
		free(x->headers[i].value);
	}
	free(x->headers);
	x->headers = NULL;
	x->n_headers = 0;
	x->header_bytes = 0;
}

static char *http_trimdup(const char *s, size_t len)
{
	while (len && (*s == ' ' || *s == '\t')) {
		s++;
		len--;
	}
	while (len && (s[len - 1] == ' ' || s[len - 1] == '\t' || s[len - 1] == '\r' ||
	               s[len - 1] == '\n'))
		len--;
	return strndup(s, len);
}

/* Header lines arrive one per call; a new status line (a redirect or a
 * 100 Continue before the real answer) starts the set over, so only the
 * final answer's headers are kept. */
static size_t http_on_header(char *data, size_t size, size_t n, void *arg)
{
	struct http_xfer *x = arg;
	size_t len = size * n;

	x->header_bytes += len;
	if (x->header_bytes > HTTP_MAX_HEADER_BYTES) {
		x->too_large = true;
		return 0;
	}
	if (len >= 5 && memcmp(data, "HTTP/", 5) == 0) {
		http_headers_clear(x);
		x->header_bytes = len;
		return len;
	}
	const char *colon = memchr(data, ':', len);
	if (!colon || colon == data)
		return len; /* the blank line ending the block, or junk */
	if (x->n_headers == HTTP_MAX_HEADERS) {
		x->too_large = true;
		return 0;
	}
	struct http_header *grown = realloc(x->headers, (x->n_headers + 1) * sizeof(*grown));
	if (!grown)
		return 0;
	x->headers = grown;
	struct http_header *h = &x->headers[x->n_headers];
	h->name = http_trimdup(data, (size_t)(colon - data));
	h->value = http_trimdup(colon + 1, len - (size_t)(colon + 1 - data));
	if (!h->name || !h->value) {
		free(h->name);
		free(h->value);
		return 0;
	}
	x->n_headers++;
	return len;
}

static bool http_method_ok(const char *m)
{
	static const char *const ok[] = { "GET", "POST", "DELETE", "PUT", "PATCH" };
	for (size_t i = 0; i < sizeof(ok) / sizeof(ok[0]); i++)
		if (strcmp(m, ok[i]) == 0)
			return true;
	return false;
}

int http_xfer_new(const char *method, const char *url, const struct http_opts *opts,
                  struct http_xfer **ret)
{
	static const struct http_opts none;
	struct http_xfer *x;

	if (!opts)
		opts = &none;
	if (!method || !url || !http_method_ok(method) ||
	    (strncasecmp(url, "http://", 7) != 0 && strncasecmp(url, "https://", 8) != 0))
		return -EINVAL;
	x = calloc(1, sizeof(*x));
	if (!x)
		return -ENOMEM;
	x->url = strdup(url);
	x->easy = curl_easy_init();
	if (!x->url || !x->easy) {
		http_xfer_free(x);
		return -ENOMEM;
	}
	snprintf(x->method, sizeof(x->method), "%s", method);
	x->max_body = opts->max_body ? opts->max_body : 8u << 20;

	CURL *h = x->easy;
	curl_easy_setopt(h, CURLOPT_URL, x->url);
	curl_easy_setopt(h, CURLOPT_PROTOCOLS_STR, "http,https");
	curl_easy_setopt(h, CURLOPT_REDIR_PROTOCOLS_STR, "http,https");
	curl_easy_setopt(h, CURLOPT_NOSIGNAL, 1L);
	curl_easy_setopt(h, CURLOPT_SSL_VERIFYPEER, 1L);
	curl_easy_setopt(h, CURLOPT_SSL_VERIFYHOST, 2L);
	curl_easy_setopt(h, CURLOPT_HTTP_VERSION, (long)CURL_HTTP_VERSION_2TLS);
	curl_easy_setopt(h, CURLOPT_ACCEPT_ENCODING, "");
	curl_easy_setopt(h, CURLOPT_CONNECTTIMEOUT_MS,
	                 opts->connect_timeout_ms > 0 ? opts->connect_timeout_ms : 10000L);
	curl_easy_setopt(h, CURLOPT_TIMEOUT_MS, opts->timeout_ms > 0 ? opts->timeout_ms : 60000L);
	curl_easy_setopt(h, CURLOPT_MAXFILESIZE_LARGE, (curl_off_t)x->max_body);
	curl_easy_setopt(h, CURLOPT_USERAGENT,
	                 opts->user_agent ? opts->user_agent : "vakt/" VAKT_VERSION);
	if (opts->proxy)
		curl_easy_setopt(h, CURLOPT_PROXY, opts->proxy);
	if (opts->ca_file)
		curl_easy_setopt(h, CURLOPT_CAINFO, opts->ca_file);
	curl_easy_setopt(h, CURLOPT_ERRORBUFFER, x->errbuf);
	curl_easy_setopt(h, CURLOPT_WRITEFUNCTION, http_on_body);
	curl_easy_setopt(h, CURLOPT_WRITEDATA, x);
	curl_easy_setopt(h, CURLOPT_HEADERFUNCTION, http_on_header);
	curl_easy_setopt(h, CURLOPT_HEADERDATA, x);
	if (strcmp(method, "GET") != 0)
		curl_easy_setopt(h, CURLOPT_CUSTOMREQUEST, x->method);
	*ret = x;
	return 0;
}

static bool http_token_ok(const char *s, bool value)
{
	for (; *s; s++) {
		unsigned char c = (unsigned char)*s;
		if (c == '\r' || c == '\n' || c == 0x7f || (c < 0x20 && c != '\t'))
			return false;
		if (!value && (c == ':' || c == ' ' || c == '\t'))
			return false;
	}
	return true;
}

int http_xfer_header(struct http_xfer *x, const char *name, const char *value)
{
	struct strbuf line = { 0 };

	if (!*name || !http_token_ok(name, false) || !http_token_ok(value, true))
		return -EINVAL;
	if (strbuf_addf(&line, "%s: %s", name, value) < 0)
		return -ENOMEM;
	struct curl_slist *l = curl_slist_append(x->req_headers, line.buf);
	strbuf_free(&line);
	if (!l)
		return -ENOMEM;
	x->req_headers = l;
	return 0;
}

int http_xfer_body(struct http_xfer *x, const char *content_type, const void *body, size_t len)
{
	void *copy = malloc(len ? len : 1);

	if (!copy)
		return -ENOMEM;
	if (len)
		memcpy(copy, body, len);
	int r = http_xfer_header(x, "Content-Type", content_type);
	if (r < 0) {
		free(copy);
		return r;
	}
	free(x->body);
	x->body = copy;
	x->body_len = len;
	curl_easy_setopt(x->easy, CURLOPT_POSTFIELDS, x->body);
	curl_easy_setopt(x->easy, CURLOPT_POSTFIELDSIZE_LARGE, (curl_off_t)len);
	/* POSTFIELDS makes libcurl send POST; keep the method asked for. */
	if (strcmp(x->method, "POST") != 0)
		curl_easy_setopt(x->easy, CURLOPT_CUSTOMREQUEST, x->method);
	return 0;
}

static enum http_failure http_classify(CURLcode rc, bool too_large)
{
	switch (rc) {
	case CURLE_OK:
		return HTTP_OK;
	case CURLE_OPERATION_TIMEDOUT:
		return HTTP_TIMEOUT;
	case CURLE_ABORTED_BY_CALLBACK:
		return HTTP_ABORTED;
	case CURLE_FILESIZE_EXCEEDED:
		return HTTP_TOO_LARGE;
	case CURLE_WRITE_ERROR:
		return too_large ? HTTP_TOO_LARGE : HTTP_TRANSFER;
	case CURLE_COULDNT_RESOLVE_HOST:
	case CURLE_COULDNT_RESOLVE_PROXY:
	case CURLE_COULDNT_CONNECT:
	case CURLE_SSL_CONNECT_ERROR:
	case CURLE_PEER_FAILED_VERIFICATION:
	case CURLE_SSL_CACERT_BADFILE:
	case CURLE_UNSUPPORTED_PROTOCOL:
		return HTTP_CONNECT;
	default:
		return too_large ? HTTP_TOO_LARGE : HTTP_TRANSFER;
	}
}

static void http_on_done(CURL *easy, CURLcode rc, void *arg)
{
	struct http_xfer *x = arg;
	curl_off_t total = 0;

	x->engine = NULL;
	x->failure = http_classify(rc, x->too_large);
	if (x->failure == HTTP_ABORTED && !x->errbuf[0])
		snprintf(x->errbuf, sizeof(x->errbuf), "abandoned");
	else if (x->failure == HTTP_TOO_LARGE && !x->errbuf[0])
		snprintf(x->errbuf, sizeof(x->errbuf), "response over %zu bytes", x->max_body);
	else if (x->failure != HTTP_OK && !x->errbuf[0])
		snprintf(x->errbuf, sizeof(x->errbuf), "%s", curl_easy_strerror(rc));
	curl_easy_getinfo(easy, CURLINFO_RESPONSE_CODE, &x->status);
	if (x->failure != HTTP_OK && x->failure != HTTP_TOO_LARGE)
		x->status = x->failure == HTTP_TRANSFER ? x->status : 0;
	curl_easy_getinfo(easy, CURLINFO_TOTAL_TIME_T, &total);
	x->elapsed_usec = (int64_t)total;
	if (!x->resp.buf)
		strbuf_add(&x->resp, "", 0);
	x->done(x, x->arg);
}

int http_xfer_start(struct http_xfer *x, struct curlev *e, http_done_fn done, void *arg)
{
	if (x->engine)
		return -EBUSY;
	curl_easy_setopt(x->easy, CURLOPT_HTTPHEADER, x->req_headers);
	x->done = done;
	x->arg = arg;
	x->failure = HTTP_OK;
	x->status = 0;
	x->too_large = false;
	x->errbuf[0] = '\0';
	x->resp.len = 0;
	if (x->resp.buf)
		x->resp.buf[0] = '\0';
	http_headers_clear(x);
	int r = curlev_add(e, x->easy, http_on_done, x);
	if (r < 0)
		return r;
	x->engine = e;
	return 0;
}

enum http_failure http_xfer_failure(const struct http_xfer *x)
{
	return x->failure;
}

long http_xfer_status(const struct http_xfer *x)
{
	return x->status;
}

const char *http_xfer_error(const struct http_xfer *x)
{
	return x->errbuf;
}

const char *http_xfer_body_data(const struct http_xfer *x, size_t *ret_len)
{
	if (ret_len)
		*ret_len = x->resp.len;
	return x->resp.buf ? x->resp.buf : "";
}

const char *http_xfer_response_header(const struct http_xfer *x, const char *name)
{
	for (size_t i = x->n_headers; i-- > 0;)
		if (strcasecmp(x->headers[i].name, name) == 0)
			return x->headers[i].value;
	return NULL;
}

const struct http_header *http_xfer_response_headers(const struct http_xfer *x, size_t *ret_n)
{
	*ret_n = x->n_headers;
	return x->headers;
}

int64_t http_xfer_elapsed_usec(const struct http_xfer *x)
{
	return x->elapsed_usec;
}

void http_xfer_free(struct http_xfer *x)
{
	if (!x)
		return;
	if (x->engine)
		curlev_remove(x->engine, x->easy);
	if (x->easy)
		curl_easy_cleanup(x->easy);
	curl_slist_free_all(x->req_headers);
	http_headers_clear(x);
	strbuf_free(&x->resp);
	free(x->body);
	free(x->url);
	free(x);
}
