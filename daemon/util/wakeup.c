/* A worker thread's way to wake the event loop (see wakeup.h). */
#include "util/wakeup.h"

#include <errno.h>
#include <stdint.h>
#include <stdlib.h>
#include <sys/eventfd.h>
#include <unistd.h>

#include <event2/event.h>

struct wakeup {
	struct event *ev; /* the eventfd's readability, on the loop */
	int efd;
	void (*fn)(void *arg);
	void *arg;
};

static void on_readable(evutil_socket_t fd, short what, void *arg)
{
	struct wakeup *w = arg;
	uint64_t count;
	(void)fd;
	(void)what;
	/* Reading resets the counter: several sends, one call. */
	if (read(w->efd, &count, sizeof(count)) < 0)
		return;
	w->fn(w->arg);
}

int wakeup_new(struct event_base *base, void (*fn)(void *arg), void *arg, struct wakeup **ret)
{
	struct wakeup *w = calloc(1, sizeof(*w));
	if (!w)
		return -ENOMEM;
	w->fn = fn;
	w->arg = arg;
	w->efd = eventfd(0, EFD_NONBLOCK | EFD_CLOEXEC);
	if (w->efd < 0) {
		int r = -errno;
		free(w);
		return r;
	}
	w->ev = event_new(base, w->efd, EV_READ | EV_PERSIST, on_readable, w);
	if (!w->ev || event_add(w->ev, NULL) < 0) {
		wakeup_free(w);
		return -ENOMEM;
	}
	*ret = w;
	return 0;
}

void wakeup_send(struct wakeup *w)
{
	/* An eventfd write fails only when its counter would overflow, and
	 * then the loop is awake anyway. */
	uint64_t one = 1;
	ssize_t n = write(w->efd, &one, sizeof(one));
	(void)n;
}

void wakeup_free(struct wakeup *w)
{
	if (!w)
		return;
	if (w->ev)
		event_free(w->ev);
	close(w->efd);
	free(w);
}
