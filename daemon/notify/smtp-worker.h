/* SMTP transfers on a thread of their own (notify/ only).
 *
 * Why a thread: libcurl 7.88 (Debian 12) waits for the server's answer to
 * the end of the message, and for the answer to QUIT when it closes a
 * connection, in a *blocking* poll() inside curl_multi_socket_action()
 * (smtp_done() and smtp_disconnect() call smtp_block_statemach()).  On
 * the daemon's loop a slow or stalled mail server would freeze everything
 * else: the API, the poller, webhooks.  So SMTP easy handles run on a
 * curlev of their own, on their own libevent loop, on one thread; only
 * other SMTP sends wait behind a slow server.  Completions come back to
 * the daemon's loop through a pipe, so done callbacks run there, never on
 * the worker thread. */
#pragma once

#include <curl/curl.h>

struct event_base;
struct smtp_worker;

/* Runs on the main loop (main_base) when a transfer has finished; the
 * easy handle belongs to the caller again. */
typedef void (*smtp_worker_done_fn)(CURL *easy, CURLcode result, void *arg);

/* Start the thread.  0, -ENOMEM, or a negative errno from pipe/pthread. */
int smtp_worker_new(struct event_base *main_base, struct smtp_worker **ret);

/* Hand easy to the thread (set up completely first: the thread only adds
 * it to its engine).  done runs once on the main loop.  0 or -ENOMEM. */
int smtp_worker_add(struct smtp_worker *w, CURL *easy, smtp_worker_done_fn done, void *arg);

/* Stop the thread (waiting at most for a blocking wait libcurl is in) and
 * abandon every transfer not yet reported: their done callbacks do not
 * run and their easy handles are the callers' again.  NULL does nothing. */
void smtp_worker_free(struct smtp_worker *w);
