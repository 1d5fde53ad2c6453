/* When each account is polled.
 *
 * A poll policy is a set of grids laid over each local day of the account's
 * business calendar:
 *   - PollAt=: fixed local times, on business days only;
 *   - Interval=: during office hours, from the opening every Interval
 *     (opening, opening + I, … before the close);
 *   - OffHoursInterval=: outside office hours and on closed days, at local
 *     midnight + k × J for every such time that is not inside office hours;
 *   - crisis mode: while active, every CrisisInterval from the moment it was
 *     switched on, on top of the rest.
 * Every account's planned times are shifted by a fixed per-account offset
 * (the jitter, 0 ≤ offset < Jitter=, from a hash of its id) so that 800
 * accounts do not fire in the same second.  The same planned times are
 * used for the floor check (at least SCHED_FLOOR polls on every business
 * day), for `vaktctl schedule`, and by the daemon.
 */
#pragma once

#include <stddef.h>
#include <stdint.h>

#include "calendar/cal.h"

#define SCHED_FLOOR 3 /* polls per business day, the policy's minimum */
#define SCHED_POLL_AT_MAX 48
#define SCHED_DAY_MAX 1500 /* planned polls in one local day, at most */

struct sched_policy {
	int n_poll_at;
	int poll_at_min[SCHED_POLL_AT_MAX]; /* local minutes after midnight, sorted */
	int64_t interval_usec;              /* 0: no interval polls in office hours */
	int64_t off_hours_usec;             /* 0: no polls outside office hours */
	int64_t crisis_usec;
	int64_t jitter_usec; /* 0: no spreading */
	unsigned set;        /* which fields were given (SCHED_SET_*) */
};

enum {
	SCHED_SET_POLL_AT = 1u << 0,
	SCHED_SET_INTERVAL = 1u << 1,
	SCHED_SET_OFF_HOURS = 1u << 2,
	SCHED_SET_CRISIS = 1u << 3,
	SCHED_SET_JITTER = 1u << 4,
};

/* The built-in defaults: Interval=30min, OffHoursInterval=2h,
 * CrisisInterval=5min, Jitter=5min, no PollAt=. */
void sched_policy_default(struct sched_policy *p);

/* Apply one key of a [Schedule] section: PollAt, Interval,
 * OffHoursInterval, CrisisInterval, Jitter.  0, -EINVAL (bad value),
 * -ENOENT (unknown key). */
int sched_policy_set(struct sched_policy *p, const char *key, const char *value);

/* Layer: every field set in `over` replaces the one in `base`. */
void sched_policy_merge(struct sched_policy *base, const struct sched_policy *over);

/* The account's spreading offset, 0 ≤ offset < jitter_usec. */
int64_t sched_jitter_offset(const char *account_id, const struct sched_policy *p);

/* The planned polls of local day dn (without jitter), sorted and without
 * duplicates, into out (room for SCHED_DAY_MAX).  Returns the count, or a
 * negative errno from the calendar. */
int sched_day_polls(const struct sched_policy *p, const struct cal *c, int64_t dn, int64_t *out);

/* The first planned poll strictly after `after`, with the account's offset
 * applied.  crisis_from/crisis_until (0 when off) add the crisis grid.
 * 0 or a negative errno. */
int sched_next(const struct sched_policy *p, const struct cal *c, int64_t offset, int64_t after,
               int64_t crisis_from, int64_t crisis_until, int64_t *ret);

/* Check the floor for every business day of [from_dn, from_dn + ndays).
 * 0 when every one has at least SCHED_FLOOR polls; 1 when one does not,
 * with that day and its count in *ret_dn / *ret_count; or a negative
 * errno. */
int sched_check_floor(const struct sched_policy *p, const struct cal *c, int64_t from_dn, int ndays,
                      int64_t *ret_dn, int *ret_count);
