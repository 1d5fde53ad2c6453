/* One HTTP request over curlev with the daemon's safety settings: protocols
 * restricted to http/https, TLS verification always on (a CA file may be
 * given), connect and total timeouts, a cap on the response body and
 * headers, proxy from configuration or libcurl's standard environment
 * variables (http_proxy, https_proxy, no_proxy), HTTP/2 where offered.
 *
 * The transfer owns its request and response; the caller owns the
 * transfer (http_xfer_free), also after its done callback ran. */
#pragma once

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "net/curlev.h"
#include "util/strbuf.h"

struct http_opts {
	long connect_timeout_ms; /* 0: 10 s */
	long timeout_ms;         /* whole transfer; 0: 60 s */
	size_t max_body;         /* 0: 8 MiB; a longer body fails the transfer */
	const char *proxy;       /* NULL: the environment's; "" : none */
	const char *ca_file;     /* NULL: the system's trust store */
	const char *user_agent;  /* NULL: "vakt/VERSION" */
};

struct http_header {
	char *name; /* as received; compare case-insensitively */
	char *value;
};

enum http_failure {
	HTTP_OK = 0,    /* a status arrived (may be 4xx/5xx) */
	HTTP_TIMEOUT,   /* connect or total timeout */
	HTTP_CONNECT,   /* DNS, refused, TLS handshake, proxy */
	HTTP_TOO_LARGE, /* body or headers over the cap */
	HTTP_TRANSFER,  /* the connection broke mid-answer, bad framing */
	HTTP_ABORTED,   /* abandoned: shutdown or curlev_free */
};

struct http_xfer;
typedef void (*http_done_fn)(struct http_xfer *x, void *arg);

/* Prepare a request.  method "GET", "POST", "DELETE", "PUT", "PATCH";
 * url absolute (http:// or https://).  Everything is copied.  0, -EINVAL
 * (bad method or scheme), -ENOMEM. */
int http_xfer_new(const char *method, const char *url, const struct http_opts *opts,
                  struct http_xfer **ret);
/* Add a request header line "Name: value" (copied). */
int http_xfer_header(struct http_xfer *x, const char *name, const char *value);
/* The request body (copied) and its Content-Type. */
int http_xfer_body(struct http_xfer *x, const char *content_type, const void *body, size_t len);

/* Start it on e; done runs once from the loop.  0 or a negative errno. */
int http_xfer_start(struct http_xfer *x, struct curlev *e, http_done_fn done, void *arg);

/* After done: */
enum http_failure http_xfer_failure(const struct http_xfer *x);
long http_xfer_status(const struct http_xfer *x);       /* 0 when none arrived */
const char *http_xfer_error(const struct http_xfer *x); /* libcurl's message, "" on success */
const char *http_xfer_body_data(const struct http_xfer *x, size_t *ret_len); /* NUL-terminated */
/* The last header of that name (case-insensitive), NULL when absent. */
const char *http_xfer_response_header(const struct http_xfer *x, const char *name);
const struct http_header *http_xfer_response_headers(const struct http_xfer *x, size_t *ret_n);
/* Total time in µs as libcurl measured it. */
int64_t http_xfer_elapsed_usec(const struct http_xfer *x);

/* Abandons the transfer if still running (no done call), frees all.
 * NULL does nothing. */
void http_xfer_free(struct http_xfer *x);
