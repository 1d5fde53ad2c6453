/* Clock timers: evtimers on the running clocks, a due-ordered set on the
 * manual test clock. */
#include "util/ctimer.h"

#include <errno.h>
#include <stdlib.h>

#include <event2/event.h>

#include "util/clock.h"

struct ctimer {
	struct ctimers *set;
	struct event *ev; /* the running clocks' evtimer */
	ctimer_fn fn;
	void *arg;
	bool armed;
	int64_t due;  /* simulated instant, while armed */
	uint64_t seq; /* arming order: ties fire first armed, first fired */
	struct ctimer *prev, *next;
};

struct ctimers {
	struct event_base *base;
	struct ctimer *head; /* every timer of the set; there are only a few */
	uint64_t seq;
	bool advancing;
};

int ctimers_new(struct event_base *base, struct ctimers **ret)
{
	struct ctimers *set = calloc(1, sizeof(*set));
	if (!set)
		return -ENOMEM;
	set->base = base;
	*ret = set;
	return 0;
}

void ctimers_free(struct ctimers *set)
{
	free(set);
}

static void on_event(evutil_socket_t fd, short what, void *arg)
{
	struct ctimer *t = arg;
	(void)fd;
	(void)what;
	t->armed = false;
	t->fn(t->arg); /* may free t */
}

int ctimer_new(struct ctimers *set, ctimer_fn fn, void *arg, struct ctimer **ret)
{
	struct ctimer *t = calloc(1, sizeof(*t));
	if (!t)
		return -ENOMEM;
	t->ev = evtimer_new(set->base, on_event, t);
	if (!t->ev) {
		free(t);
		return -ENOMEM;
	}
	t->set = set;
	t->fn = fn;
	t->arg = arg;
	t->next = set->head;
	if (set->head)
		set->head->prev = t;
	set->head = t;
	*ret = t;
	return 0;
}

void ctimer_free(struct ctimer *t)
{
	if (!t)
		return;
	if (t->prev)
		t->prev->next = t->next;
	else
		t->set->head = t->next;
	if (t->next)
		t->next->prev = t->prev;
	event_free(t->ev);
	free(t);
}

static int arm(struct ctimer *t, int64_t due, int64_t min_real_usec)
{
	t->due = due;
	t->seq = ++t->set->seq;
	if (clock_is_manual()) {
		t->armed = true;
		return 0;
	}
	int64_t delay = due - clock_now_usec();
	struct timeval tv = clock_sim_to_real(delay);
	if ((int64_t)tv.tv_sec * USEC_PER_SEC + tv.tv_usec < min_real_usec) {
		tv.tv_sec = (time_t)(min_real_usec / USEC_PER_SEC);
		tv.tv_usec = (suseconds_t)(min_real_usec % USEC_PER_SEC);
	}
	if (evtimer_add(t->ev, &tv) < 0) {
		t->armed = false;
		return -EIO;
	}
	t->armed = true;
	return 0;
}

int ctimer_arm_at(struct ctimer *t, int64_t due_usec)
{
	return arm(t, due_usec, 0);
}

int ctimer_arm_in(struct ctimer *t, int64_t delay_usec, int64_t min_real_usec)
{
	int64_t now = clock_now_usec();
	int64_t due = delay_usec > INT64_MAX - now ? INT64_MAX : now + delay_usec;
	return arm(t, due, min_real_usec);
}

void ctimer_disarm(struct ctimer *t)
{
	if (!t)
		return;
	evtimer_del(t->ev);
	t->armed = false;
}

bool ctimer_armed(const struct ctimer *t)
{
	return t && t->armed;
}

/* The armed timer due first (ties: armed first), if due by target. */
static struct ctimer *first_due(struct ctimers *set, int64_t target)
{
	struct ctimer *best = NULL;
	for (struct ctimer *t = set->head; t; t = t->next)
		if (t->armed && t->due <= target &&
		    (!best || t->due < best->due || (t->due == best->due && t->seq < best->seq)))
			best = t;
	return best;
}

int ctimers_advance_to(struct ctimers *set, int64_t target_usec, size_t *ret_fired)
{
	size_t fired = 0, same = 0;
	int64_t last = INT64_MIN;
	int r = 0;

	if (!clock_is_manual())
		return -EPERM;
	if (set->advancing)
		return -EALREADY;
	set->advancing = true;
	for (struct ctimer *t; (t = first_due(set, target_usec));) {
		/* A timer due before the present fires now: time never runs
		 * backwards. */
		int64_t at = t->due > clock_now_usec() ? t->due : clock_now_usec();
		same = at == last ? same + 1 : 1;
		last = at;
		if (same > CTIMER_SAME_INSTANT_MAX) {
			r = -ELOOP;
			break;
		}
		clock_manual_set(at);
		t->armed = false;
		fired++;
		t->fn(t->arg); /* may arm, disarm or free any timer, t too */
	}
	if (r == 0)
		clock_manual_set(target_usec);
	set->advancing = false;
	if (ret_fired)
		*ret_fired = fired;
	return r;
}
