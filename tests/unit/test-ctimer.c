/* Clock timers: in time order on the manual test clock, each callback
 * seeing its own due instant; the guard against a timer that re-arms itself
 * forever; evtimers on the running clocks. */
#include "t.h"

#include <errno.h>
#include <event2/event.h>

#include "util/clock.h"
#include "util/ctimer.h"

#define T0 (INT64_C(1781758800) * USEC_PER_SEC) /* 2026-06-18T07:00:00+02:00 */
#define SEC USEC_PER_SEC

struct rec {
	struct ctimer *t;
	const char *name;
	int64_t rearm; /* re-arm this far after firing; 0: don't */
	int fired;
};

static char order[256];
static int64_t seen[16];
static int n_seen;

static void on_fire(void *arg)
{
	struct rec *r = arg;
	r->fired++;
	strncat(order, r->name, sizeof(order) - strlen(order) - 1);
	if (n_seen < 16)
		seen[n_seen++] = clock_now_usec();
	if (r->rearm)
		ctimer_arm_in(r->t, r->rearm, 0);
}

static void reset(void)
{
	order[0] = '\0';
	n_seen = 0;
}

static void test_manual_clock_stands_still(void)
{
	clock_set_manual(T0);
	T_EQ_INT(1, clock_is_manual());
	T_EQ_INT(T0, clock_now_usec());
	T_EQ_INT(T0, clock_now_usec());
	double f = -1;
	T_EQ_INT(1, clock_is_simulated(&f));
	T_ASSERT(f == CLOCK_MANUAL);
	clock_manual_set(T0 + SEC);
	T_EQ_INT(T0 + SEC, clock_now_usec());
	clock_manual_set(T0); /* never backwards */
	T_EQ_INT(T0 + SEC, clock_now_usec());
	clock_set_real();
	T_EQ_INT(0, clock_is_manual());
}

static void test_fires_in_time_order_at_due_instants(void)
{
	struct event_base *base = event_base_new();
	struct ctimers *set = NULL;
	struct rec a = { .name = "a" }, b = { .name = "b" }, c = { .name = "c" };
	reset();
	clock_set_manual(T0);
	T_EQ_INT(0, ctimers_new(base, &set));
	T_EQ_INT(0, ctimer_new(set, on_fire, &a, &a.t));
	T_EQ_INT(0, ctimer_new(set, on_fire, &b, &b.t));
	T_EQ_INT(0, ctimer_new(set, on_fire, &c, &c.t));
	T_EQ_INT(0, ctimer_arm_at(a.t, T0 + 30 * SEC));
	T_EQ_INT(0, ctimer_arm_at(b.t, T0 + 10 * SEC));
	T_EQ_INT(0, ctimer_arm_at(c.t, T0 + 90 * SEC)); /* beyond the target */
	b.rearm = 15 * SEC;                             /* b again at +25 s, +40 s, +55 s */
	size_t fired = 0;
	T_EQ_INT(0, ctimers_advance_to(set, T0 + 60 * SEC, &fired));
	T_EQ_STR("bbabb", order);
	T_EQ_INT(5, fired);
	T_EQ_INT(T0 + 10 * SEC, seen[0]);
	T_EQ_INT(T0 + 25 * SEC, seen[1]);
	T_EQ_INT(T0 + 30 * SEC, seen[2]);
	T_EQ_INT(T0 + 40 * SEC, seen[3]);
	T_EQ_INT(T0 + 55 * SEC, seen[4]);
	T_EQ_INT(T0 + 60 * SEC, clock_now_usec());
	T_EQ_INT(0, c.fired);
	T_ASSERT(ctimer_armed(c.t));
	T_ASSERT(!ctimer_armed(a.t));
	/* Nothing due: the clock just moves. */
	b.rearm = 0;
	ctimer_disarm(b.t);
	T_EQ_INT(0, ctimers_advance_to(set, T0 + 61 * SEC, &fired));
	T_EQ_INT(0, fired);
	T_EQ_INT(T0 + 61 * SEC, clock_now_usec());
	ctimer_free(a.t);
	ctimer_free(b.t);
	ctimer_free(c.t);
	ctimers_free(set);
	event_base_free(base);
	clock_set_real();
}

static void test_ties_fire_in_arming_order_and_past_due_fires_now(void)
{
	struct event_base *base = event_base_new();
	struct ctimers *set = NULL;
	struct rec a = { .name = "a" }, b = { .name = "b" };
	reset();
	clock_set_manual(T0);
	T_EQ_INT(0, ctimers_new(base, &set));
	T_EQ_INT(0, ctimer_new(set, on_fire, &a, &a.t));
	T_EQ_INT(0, ctimer_new(set, on_fire, &b, &b.t));
	T_EQ_INT(0, ctimer_arm_at(b.t, T0 - 5 * SEC)); /* already overdue */
	T_EQ_INT(0, ctimer_arm_at(a.t, T0 - 5 * SEC));
	size_t fired = 0;
	/* Advancing by nothing fires what is due, at the present instant. */
	T_EQ_INT(0, ctimers_advance_to(set, T0, &fired));
	T_EQ_STR("ba", order);
	T_EQ_INT(2, fired);
	T_EQ_INT(T0, seen[0]);
	T_EQ_INT(T0, seen[1]);
	ctimer_free(a.t);
	ctimer_free(b.t);
	ctimers_free(set);
	event_base_free(base);
	clock_set_real();
}

static void rearm_now(void *arg)
{
	struct rec *r = arg;
	r->fired++;
	ctimer_arm_at(r->t, clock_now_usec());
}

static void test_a_timer_rearming_at_one_instant_is_stopped(void)
{
	struct event_base *base = event_base_new();
	struct ctimers *set = NULL;
	struct rec a = { .name = "a" };
	clock_set_manual(T0);
	T_EQ_INT(0, ctimers_new(base, &set));
	T_EQ_INT(0, ctimer_new(set, rearm_now, &a, &a.t));
	T_EQ_INT(0, ctimer_arm_at(a.t, T0 + SEC));
	size_t fired = 0;
	T_EQ_INT(-ELOOP, ctimers_advance_to(set, T0 + 60 * SEC, &fired));
	T_EQ_INT(CTIMER_SAME_INSTANT_MAX, fired);
	T_EQ_INT(CTIMER_SAME_INSTANT_MAX, a.fired);
	T_EQ_INT(T0 + SEC, clock_now_usec()); /* stopped at the loop's instant */
	ctimer_free(a.t);
	ctimers_free(set);
	event_base_free(base);
	clock_set_real();
}

static void free_self(void *arg)
{
	struct rec *r = arg;
	r->fired++;
	ctimer_free(r->t);
	r->t = NULL;
}

static void test_callback_may_free_its_timer(void)
{
	struct event_base *base = event_base_new();
	struct ctimers *set = NULL;
	struct rec a = { .name = "a" }, b = { .name = "b" };
	reset();
	clock_set_manual(T0);
	T_EQ_INT(0, ctimers_new(base, &set));
	T_EQ_INT(0, ctimer_new(set, free_self, &a, &a.t));
	T_EQ_INT(0, ctimer_new(set, on_fire, &b, &b.t));
	T_EQ_INT(0, ctimer_arm_at(a.t, T0 + SEC));
	T_EQ_INT(0, ctimer_arm_at(b.t, T0 + 2 * SEC));
	T_EQ_INT(0, ctimers_advance_to(set, T0 + 3 * SEC, NULL));
	T_EQ_INT(1, a.fired);
	T_EQ_INT(1, b.fired);
	ctimer_free(b.t);
	ctimers_free(set);
	event_base_free(base);
	clock_set_real();
}

static void test_advance_needs_the_manual_clock(void)
{
	struct event_base *base = event_base_new();
	struct ctimers *set = NULL;
	clock_set_simulated(T0, 3600);
	T_EQ_INT(0, ctimers_new(base, &set));
	T_EQ_INT(-EPERM, ctimers_advance_to(set, T0 + SEC, NULL));
	clock_set_real();
	T_EQ_INT(-EPERM, ctimers_advance_to(set, T0 + SEC, NULL));
	ctimers_free(set);
	event_base_free(base);
}

static void test_running_clock_uses_the_event_loop(void)
{
	struct event_base *base = event_base_new();
	struct ctimers *set = NULL;
	struct rec a = { .name = "a" };
	reset();
	/* An hour of simulated time at x3600000 is a millisecond of real time. */
	clock_set_simulated(T0, 3600000);
	T_EQ_INT(0, ctimers_new(base, &set));
	T_EQ_INT(0, ctimer_new(set, on_fire, &a, &a.t));
	T_EQ_INT(0, ctimer_arm_in(a.t, 3600 * SEC, 0));
	T_ASSERT(ctimer_armed(a.t));
	/* The loop runs until the only event, the timer, has fired. */
	T_EQ_INT(1, event_base_dispatch(base)); /* 1: no events left */
	T_EQ_INT(1, a.fired);
	T_ASSERT(!ctimer_armed(a.t));
	T_ASSERT(seen[0] >= T0 + 3600 * SEC);
	ctimer_free(a.t);
	ctimers_free(set);
	event_base_free(base);
	clock_set_real();
}

int main(void)
{
	T_RUN(test_manual_clock_stands_still);
	T_RUN(test_fires_in_time_order_at_due_instants);
	T_RUN(test_ties_fire_in_arming_order_and_past_due_fires_now);
	T_RUN(test_a_timer_rearming_at_one_instant_is_stopped);
	T_RUN(test_callback_may_free_its_timer);
	T_RUN(test_advance_needs_the_manual_clock);
	T_RUN(test_running_clock_uses_the_event_loop);
	return t_done();
}
