/* libcurl's multi interface driven by the daemon's one libevent loop, the
 * shape of curl's docs/examples/hiperfifo.c: one multi handle, one event per
 * socket libcurl asks us to watch, one timer for libcurl's timeout.
 *
 * Every outgoing transfer of vaktd (platform APIs, webhooks, SMTP) goes
 * through one curlev, so connections are reused and nothing blocks the
 * loop.  Completions are delivered from the loop after libcurl has
 * returned, never from inside a libcurl callback, so a done callback may
 * add or remove transfers freely.
 *
 * The engine uses CURLOPT_PRIVATE of every handle while it holds it. */
#pragma once

#include <curl/curl.h>
#include <stddef.h>

struct event_base;
struct curlev;

/* A finished transfer: result is libcurl's code (CURLE_OK also for HTTP
 * error statuses; ask CURLINFO_RESPONSE_CODE).  The easy handle is no
 * longer in the engine: the callback owns it again and may free it. */
typedef void (*curlev_done_fn)(CURL *easy, CURLcode result, void *arg);

struct curlev_limits {
	long max_total_connections; /* 0: libcurl's default (unlimited) */
	long max_host_connections;  /* 0: unlimited */
};

/* 0, or -ENOMEM / -EIO (libcurl refused the multi options). */
int curlev_new(struct event_base *base, const struct curlev_limits *limits, struct curlev **ret);

/* Start easy; done runs exactly once from the loop, unless the transfer is
 * removed first.  The caller keeps owning easy (and everything its options
 * point at) until done runs or curlev_remove returns.  0, -EINVAL when easy
 * is already added, -ENOMEM. */
int curlev_add(struct curlev *e, CURL *easy, curlev_done_fn done, void *arg);

/* Abandon a transfer that has not completed: its done callback will not
 * run.  Removing a handle that is not in the engine does nothing. */
void curlev_remove(struct curlev *e, CURL *easy);

/* The loop the engine runs on (for a caller that must defer a callback). */
struct event_base *curlev_base(const struct curlev *e);

/* Transfers added and not yet done. */
size_t curlev_pending(const struct curlev *e);

/* Abandon every pending transfer, calling each done with
 * CURLE_ABORTED_BY_CALLBACK so owners can free their state, then free the
 * engine.  NULL does nothing. */
void curlev_free(struct curlev *e);
