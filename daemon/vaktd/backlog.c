/* Items without a verdict, evaluated in slices (see backlog.h). */
#include "vaktd/backlog.h"

#include <errno.h>
#include <stdint.h>
#include <stdlib.h>
#include <time.h>

#include <event2/event.h>

#include "pipeline/pipeline.h"
#include "store/store.h"
#include "util/clock.h"
#include "util/log.h"

/* Work a slice may do before it gives the loop back (the loop's budget
 * for one piece is about 10 ms, docs/operations.md). */
#define BACKLOG_SLICE_USEC 5000
/* Items read from the store at a time within a slice, evaluated in one
 * transaction (pipeline_repair_some()). */
#define BACKLOG_BATCH 16
/* After a pass that failed (the store), the next is tried this much
 * later (the daemon's clock), from backlog_tick(), and twice as long
 * after each further failure up to BACKLOG_RETRY_MAX_USEC: a retried
 * batch is scanned again, and each scan counts in the rules' statistics
 * (a pattern's limit hits can disable its rule). */
#define BACKLOG_RETRY_USEC (60 * USEC_PER_SEC)
#define BACKLOG_RETRY_MAX_USEC (3600 * USEC_PER_SEC)

struct backlog {
	struct backlog_env env;
	/* The next slice: a timer of zero timeout, added by the one before.
	 * Not event_active(): libevent runs an event made active from a
	 * callback in the same pass, before it looks at the sockets and
	 * timers again, so a chain of slices would hold the loop to the end
	 * of the pass (escalate_outbox_kick() says the same). */
	struct event *ev;
	bool running;
	int64_t retry_at;   /* the daemon's clock; 0: no failed pass to retry */
	int64_t retry_usec; /* the wait after the next failure */
	int64_t cursor;     /* the last item id a pass looked at */
	size_t pass_done, total_done;
};

static int64_t monotonic_usec(void)
{
	struct timespec ts;
	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (int64_t)ts.tv_sec * 1000000 + ts.tv_nsec / 1000;
}

static void next_slice(struct backlog *b)
{
	static const struct timeval now = { 0, 0 };
	if (evtimer_add(b->ev, &now) == 0)
		return;
	/* cannot happen short of a broken loop; the tick tries again */
	log_error("cannot schedule the next slice of the items waiting for a verdict");
	b->running = false;
	b->retry_at = clock_now_usec();
}

static void pass_end(struct backlog *b, int r)
{
	b->running = false;
	b->retry_at = 0;
	if (r) {
		if (!b->retry_usec)
			b->retry_usec = BACKLOG_RETRY_USEC;
		b->retry_at = clock_now_usec() + b->retry_usec;
		log_error("cannot evaluate the items waiting for a verdict: %s; trying again in "
		          "%lld minute(s)",
		          store_strerror(b->env.store, r),
		          (long long)(b->retry_usec / (60 * USEC_PER_SEC)));
		if (b->retry_usec < BACKLOG_RETRY_MAX_USEC)
			b->retry_usec *= 2;
		return;
	}
	b->retry_usec = 0;
	if (b->pass_done)
		log_notice("evaluated %zu item(s) stored without a verdict (left by a crash, or "
		           "fetched while the rules were being built)",
		           b->pass_done);
}

static void on_slice(evutil_socket_t fd, short what, void *arg)
{
	struct backlog *b = arg;
	const int64_t until = monotonic_usec() + BACKLOG_SLICE_USEC;
	size_t slice_done = 0;
	bool more = true;
	int r = 0;
	(void)fd;
	(void)what;
	while (r == 0 && more && monotonic_usec() < until) {
		size_t done = 0;
		r = pipeline_repair_some(b->env.store, b->env.rules(b->env.arg),
		                         b->env.config(b->env.arg), clock_now_usec(), BACKLOG_BATCH,
		                         &b->cursor, &done, &more);
		slice_done += done;
	}
	b->pass_done += slice_done;
	b->total_done += slice_done;
	if (slice_done && b->env.evaluated)
		b->env.evaluated(b->env.arg);
	if (r == 0 && more)
		next_slice(b);
	else
		pass_end(b, r);
}

int backlog_new(const struct backlog_env *env, struct backlog **ret)
{
	struct backlog *b = calloc(1, sizeof(*b));
	if (!b)
		return -ENOMEM;
	b->env = *env;
	b->ev = evtimer_new(env->base, on_slice, b);
	if (!b->ev) {
		free(b);
		return -ENOMEM;
	}
	*ret = b;
	return 0;
}

void backlog_start(struct backlog *b)
{
	if (b->running)
		return;
	b->running = true;
	b->retry_at = 0;
	b->cursor = 0;
	b->pass_done = 0;
	next_slice(b);
}

void backlog_tick(struct backlog *b)
{
	if (b && !b->running && b->retry_at && clock_now_usec() >= b->retry_at)
		backlog_start(b);
}

void backlog_stop(struct backlog *b)
{
	if (!b || !b->running)
		return;
	evtimer_del(b->ev);
	b->running = false;
	log_info("stopped evaluating the items waiting for a verdict (%zu evaluated); the rest "
	         "wait for the next start",
	         b->pass_done);
}

bool backlog_running(const struct backlog *b)
{
	return b->running;
}

size_t backlog_evaluated(const struct backlog *b)
{
	return b->total_done;
}

void backlog_free(struct backlog *b)
{
	if (!b)
		return;
	event_free(b->ev);
	free(b);
}
