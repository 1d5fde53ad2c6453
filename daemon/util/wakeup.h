/* A worker thread's way to wake the event loop: an eventfd the loop
 * watches.  wakeup_send() may be called from any thread; fn runs on the
 * loop, once for one or several sends since it last ran. */
#pragma once

struct event_base;
struct wakeup;

/* 0 or a negative errno. */
int wakeup_new(struct event_base *base, void (*fn)(void *arg), void *arg, struct wakeup **ret);

void wakeup_send(struct wakeup *w);

/* NULL is fine.  Only once no thread may send any more. */
void wakeup_free(struct wakeup *w);
