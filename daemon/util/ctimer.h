/* Clock timers: the daemon's timers in simulated time.
 *
 * On the real clock and on the sped-up test clock ("START,xFACTOR") a
 * clock timer is an evtimer whose delay is converted with
 * clock_sim_to_real().  On the manual test clock ("START,manual") time
 * stands still, so the timers only sit in their set, due-ordered, until
 * ctimers_advance_to() moves the clock: it fires every timer that falls
 * due, in time order, setting the clock to each timer's due instant before
 * its callback runs, so a poll or a deadline scan sees the instant it was
 * planned for.
 *
 * Timers that belong to real time (systemd's watchdog, the API's idle
 * timeouts) stay plain evtimers.
 */
#pragma once

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

struct event_base;
struct ctimers;
struct ctimer;

typedef void (*ctimer_fn)(void *arg);

/* How often one instant may fire timers during one advance before
 * ctimers_advance_to() gives up with -ELOOP: a timer that re-arms itself
 * at the same instant would otherwise spin forever. */
#define CTIMER_SAME_INSTANT_MAX 10000

/* The set of clock timers on one event base.  0 or -ENOMEM. */
int ctimers_new(struct event_base *base, struct ctimers **ret);

/* Every timer of the set must have been freed before. */
void ctimers_free(struct ctimers *set);

/* A new, unarmed timer that calls fn(arg) when it fires.  0 or -ENOMEM. */
int ctimer_new(struct ctimers *set, ctimer_fn fn, void *arg, struct ctimer **ret);

/* Disarm and free; accepts NULL. */
void ctimer_free(struct ctimer *t);

/* Fire once at the simulated instant `due_usec` (re-arming replaces the
 * previous instant).  An instant in the past fires as soon as possible: at
 * once on the running clocks, at the next advance on the manual one.
 * 0, or a negative errno when the event loop refused the timer. */
int ctimer_arm_at(struct ctimer *t, int64_t due_usec);

/* As ctimer_arm_at(), `delay_usec` of simulated time from now, but never
 * sooner than `min_real_usec` of real time on the running clocks (a fast
 * test clock would otherwise spin a periodic timer). */
int ctimer_arm_in(struct ctimer *t, int64_t delay_usec, int64_t min_real_usec);

void ctimer_disarm(struct ctimer *t);

bool ctimer_armed(const struct ctimer *t);

/* Manual clock only: move the clock to `target_usec`, firing every timer
 * due at or before it in time order (ties in the order they were armed);
 * callbacks may arm, disarm and free timers.  The clock ends at
 * target_usec (or stays where it is if that is earlier).  *ret_fired
 * (may be NULL) counts the callbacks run, also on error.  0, -EPERM when
 * the clock is not manual, -EALREADY when called from inside a callback,
 * -ELOOP when one instant fired more than CTIMER_SAME_INSTANT_MAX times
 * (the clock then stays at that instant). */
int ctimers_advance_to(struct ctimers *set, int64_t target_usec, size_t *ret_fired);
