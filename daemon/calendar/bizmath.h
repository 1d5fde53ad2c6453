/* Business-time arithmetic on a calendar.
 *
 * Instants are epoch microseconds (as clock_now_usec() returns them).  The
 * office hours of a day are local wall-clock times, so business time is the
 * real time elapsed inside them: on the DST days an office-hours interval
 * that spans the switch is an hour shorter or longer.
 *
 * Business time (hours, minutes) is consumed across days: what is left of
 * today's office hours, then the next open day's, and so on; closed days
 * are skipped and half days count with their shorter hours.  The clock of
 * an instant outside office hours starts at the next opening.  Adding
 * exactly what is left of a day ends at that day's close (not the next
 * opening).
 *
 * Business days:
 *  - from an instant inside office hours, N business days end on the N-th
 *    next open day at the same local wall-clock time, clamped into that
 *    day's office hours (a half day closing earlier: its close);
 *  - from an instant outside office hours (or exactly at an opening) the
 *    clock starts at the next opening, and N business days end at the close
 *    of the (N-1)-th open day after that opening's day: one business day
 *    from an opening is that day's close.
 *  Friday 16:45 + 1 business day = Monday 16:45; Saturday 10:00 + 1
 *  business day = Monday 17:00.
 *
 * Every function returns 0 or a negative errno: -ERANGE when the
 * computation leaves the years CAL_YEAR_MIN..CAL_YEAR_MAX, -ENOENT when the
 * calendar has no open day within CAL_SEARCH_DAYS of the start. */
#pragma once

#include <stdint.h>

#include "calendar/cal.h"
#include "calendar/duration.h"

#define CAL_SEARCH_DAYS 800

/* The local day (day number) of instant t. */
int cal_local_day(const struct cal *c, int64_t t, int64_t *ret_dn);

/* The office-hours interval [open, close) of local day dn as instants.
 * Returns 1 and writes both when the day is open, 0 (writing nothing) when
 * it is closed, or a negative errno. */
int cal_office_hours(const struct cal *c, int64_t dn, int64_t *ret_open, int64_t *ret_close);

/* 1 when t is inside office hours (open <= t < close), 0 when not. */
int cal_is_business_time(const struct cal *c, int64_t t);

/* The first office-hours interval that ends after t: the one t is inside,
 * or the next one.  *ret_open may be before t. */
int cal_next_interval(const struct cal *c, int64_t t, int64_t *ret_open, int64_t *ret_close);

/* The next business instant at or after t (t itself inside office hours). */
int cal_next_business(const struct cal *c, int64_t t, int64_t *ret);

/* t plus `usec` of business time (usec >= 0). */
int cal_add_business_time(const struct cal *c, int64_t t, int64_t usec, int64_t *ret);

/* t plus `n` business days (n >= 0; 0 gives the next business instant). */
int cal_add_business_days(const struct cal *c, int64_t t, int64_t n, int64_t *ret);

/* The business time inside [a, b); negative when b < a. */
int cal_business_between(const struct cal *c, int64_t a, int64_t b, int64_t *ret_usec);

/* t plus a duration of any unit (calendar days and weeks: same local
 * wall-clock time N days later, by the rules of tz.h). */
int cal_add_duration(const struct cal *c, int64_t t, const struct cal_duration *d, int64_t *ret);

/* Time left from `now` until `due`, in the duration's kind of time:
 * business time for the business units, elapsed time otherwise.  Negative
 * when the deadline has passed. */
int cal_time_left(const struct cal *c, const struct cal_duration *d, int64_t now, int64_t due,
                  int64_t *ret_usec);

/* The instant at which num/den of the way from `start` to `due` has
 * passed, measured in the duration's kind of time (the 75 % warning:
 * num = 3, den = 4).  0 <= num <= den, den > 0. */
int cal_fraction_point(const struct cal *c, const struct cal_duration *d, int64_t start,
                       int64_t due, int num, int den, int64_t *ret);
