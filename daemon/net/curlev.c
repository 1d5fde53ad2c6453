/* libcurl multi on libevent (see curlev.h).  Three kinds of state, as in
 * hiperfifo.c: the engine (multi handle, timer), one watch per socket
 * libcurl tells us about (CURLMOPT_SOCKETFUNCTION, kept with
 * curl_multi_assign), and one transfer per easy handle (CURLOPT_PRIVATE).
 *
 * Completed transfers are collected after curl_multi_socket_action has
 * returned and then handed to their owners one by one; a done callback may
 * add or remove transfers, because nothing of libcurl is on the stack. */
#include "net/curlev.h"

#include <errno.h>
#include <event2/event.h>
#include <stdlib.h>

struct curlev_xfer {
	CURL *easy;
	curlev_done_fn done;
	void *arg;
	struct curlev_xfer *prev, *next;
};

struct curlev {
	struct event_base *base;
	CURLM *multi;
	struct event *timer;
	struct curlev_xfer *xfers; /* every transfer added and not done */
	size_t pending;
	int running; /* libcurl's count of running easy handles */
};

/* One socket libcurl asked us to watch. */
struct curlev_watch {
	struct curlev *e;
	curl_socket_t fd;
	struct event *ev;
};

static void curlev_unlink(struct curlev *e, struct curlev_xfer *x)
{
	if (x->prev)
		x->prev->next = x->next;
	else
		e->xfers = x->next;
	if (x->next)
		x->next->prev = x->prev;
	e->pending--;
}

/* Hand every finished transfer to its owner.  Messages are read first and
 * the callbacks run afterwards, so a callback that removes another
 * transfer cannot leave a stale message behind. */
static void curlev_finish(struct curlev *e)
{
	CURLMsg *msg;
	int left;

	for (;;) {
		struct curlev_xfer *x = NULL;
		CURLcode result = CURLE_OK;

		while ((msg = curl_multi_info_read(e->multi, &left))) {
			if (msg->msg != CURLMSG_DONE)
				continue;
			char *priv = NULL;
			curl_easy_getinfo(msg->easy_handle, CURLINFO_PRIVATE, &priv);
			x = (struct curlev_xfer *)priv;
			result = msg->data.result;
			break;
		}
		if (!x)
			return;
		curl_multi_remove_handle(e->multi, x->easy);
		curlev_unlink(e, x);
		curlev_done_fn done = x->done;
		void *arg = x->arg;
		CURL *easy = x->easy;
		free(x);
		done(easy, result, arg);
	}
}

static void curlev_action(struct curlev *e, curl_socket_t fd, int what)
{
	curl_multi_socket_action(e->multi, fd, what, &e->running);
	curlev_finish(e);
}

static void curlev_on_socket(evutil_socket_t fd, short events, void *arg)
{
	struct curlev_watch *w = arg;
	int what = ((events & EV_READ) ? CURL_CSELECT_IN : 0) |
	           ((events & EV_WRITE) ? CURL_CSELECT_OUT : 0);

	curlev_action(w->e, fd, what);
}

static void curlev_on_timer(evutil_socket_t fd, short events, void *arg)
{
	curlev_action(arg, CURL_SOCKET_TIMEOUT, 0);
}

/* CURLMOPT_TIMERFUNCTION: -1 stops the timer, 0 means "as soon as you
 * can" — from the loop, never by calling back into libcurl here. */
static int curlev_timer_cb(CURLM *multi, long timeout_ms, void *arg)
{
	struct curlev *e = arg;

	if (timeout_ms < 0) {
		evtimer_del(e->timer);
		return 0;
	}
	struct timeval tv = { .tv_sec = timeout_ms / 1000, .tv_usec = (timeout_ms % 1000) * 1000 };
	return evtimer_add(e->timer, &tv) == 0 ? 0 : -1;
}

static void curlev_watch_free(struct curlev_watch *w)
{
	if (!w)
		return;
	if (w->ev)
		event_free(w->ev);
	free(w);
}

/* CURLMOPT_SOCKETFUNCTION. */
static int curlev_socket_cb(CURL *easy, curl_socket_t fd, int what, void *arg, void *sockp)
{
	struct curlev *e = arg;
	struct curlev_watch *w = sockp;

	if (what == CURL_POLL_REMOVE) {
		curl_multi_assign(e->multi, fd, NULL);
		curlev_watch_free(w);
		return 0;
	}
	if (!w) {
		w = calloc(1, sizeof(*w));
		if (!w)
			return -1;
		w->e = e;
		w->fd = fd;
		curl_multi_assign(e->multi, fd, w);
	}
	short kind = EV_PERSIST | ((what & CURL_POLL_IN) ? EV_READ : 0) |
	             ((what & CURL_POLL_OUT) ? EV_WRITE : 0);
	if (w->ev) {
		event_del(w->ev);
		if (event_assign(w->ev, e->base, fd, kind, curlev_on_socket, w) < 0)
			return -1;
	} else {
		w->ev = event_new(e->base, fd, kind, curlev_on_socket, w);
		if (!w->ev)
			return -1;
	}
	return event_add(w->ev, NULL) == 0 ? 0 : -1;
}

int curlev_new(struct event_base *base, const struct curlev_limits *limits, struct curlev **ret)
{
	struct curlev *e = calloc(1, sizeof(*e));
	int r = -ENOMEM;

	if (!e)
		return -ENOMEM;
	e->base = base;
	e->multi = curl_multi_init();
	e->timer = evtimer_new(base, curlev_on_timer, e);
	if (!e->multi || !e->timer)
		goto fail;
	r = -EIO;
	if (curl_multi_setopt(e->multi, CURLMOPT_SOCKETFUNCTION, curlev_socket_cb) != CURLM_OK ||
	    curl_multi_setopt(e->multi, CURLMOPT_SOCKETDATA, e) != CURLM_OK ||
	    curl_multi_setopt(e->multi, CURLMOPT_TIMERFUNCTION, curlev_timer_cb) != CURLM_OK ||
	    curl_multi_setopt(e->multi, CURLMOPT_TIMERDATA, e) != CURLM_OK)
		goto fail;
	if (limits && limits->max_total_connections > 0 &&
	    curl_multi_setopt(e->multi, CURLMOPT_MAX_TOTAL_CONNECTIONS,
	                      limits->max_total_connections) != CURLM_OK)
		goto fail;
	if (limits && limits->max_host_connections > 0 &&
	    curl_multi_setopt(e->multi, CURLMOPT_MAX_HOST_CONNECTIONS,
	                      limits->max_host_connections) != CURLM_OK)
		goto fail;
	*ret = e;
	return 0;
fail:
	curlev_free(e);
	return r;
}

int curlev_add(struct curlev *e, CURL *easy, curlev_done_fn done, void *arg)
{
	if (!easy || !done)
		return -EINVAL;
	/* CURLOPT_PRIVATE is ours while the handle is in the engine. */
	for (struct curlev_xfer *y = e->xfers; y; y = y->next)
		if (y->easy == easy)
			return -EINVAL;
	struct curlev_xfer *x = calloc(1, sizeof(*x));
	if (!x)
		return -ENOMEM;
	x->easy = easy;
	x->done = done;
	x->arg = arg;
	curl_easy_setopt(easy, CURLOPT_PRIVATE, (char *)x);
	if (curl_multi_add_handle(e->multi, easy) != CURLM_OK) {
		free(x);
		return -ENOMEM;
	}
	x->next = e->xfers;
	if (e->xfers)
		e->xfers->prev = x;
	e->xfers = x;
	e->pending++;
	/* libcurl has set its timer through curlev_timer_cb: the transfer
	 * starts from the loop. */
	return 0;
}

void curlev_remove(struct curlev *e, CURL *easy)
{
	struct curlev_xfer *x;

	if (!e || !easy)
		return;
	for (x = e->xfers; x; x = x->next)
		if (x->easy == easy)
			break;
	if (!x)
		return;
	curl_multi_remove_handle(e->multi, easy);
	curl_easy_setopt(easy, CURLOPT_PRIVATE, NULL);
	curlev_unlink(e, x);
	free(x);
}

struct event_base *curlev_base(const struct curlev *e)
{
	return e->base;
}

size_t curlev_pending(const struct curlev *e)
{
	return e ? e->pending : 0;
}

void curlev_free(struct curlev *e)
{
	if (!e)
		return;
	while (e->xfers) {
		struct curlev_xfer *x = e->xfers;
		CURL *easy = x->easy;
		curlev_done_fn done = x->done;
		void *arg = x->arg;

		curl_multi_remove_handle(e->multi, easy);
		curlev_unlink(e, x);
		free(x);
		done(easy, CURLE_ABORTED_BY_CALLBACK, arg);
	}
	/* curl_multi_cleanup closes the remaining sockets, calling
	 * curlev_socket_cb with CURL_POLL_REMOVE for each watch. */
	if (e->multi)
		curl_multi_cleanup(e->multi);
	if (e->timer)
		event_free(e->timer);
	free(e);
}
