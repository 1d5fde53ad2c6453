/* Reading and writing instants in a calendar's local time. */
#pragma once

#include <stddef.h>
#include <stdint.h>

#include "calendar/cal.h"

#define CAL_INSTANT_BUF 32

/* "2026-12-23T16:00", "2026-12-23 16:00", optional ":SS", local time of the
 * calendar's zone (a wall time in the spring gap or the autumn overlap is
 * resolved as tz.h says); or an ISO 8601 instant with an offset or Z
 * ("2026-12-23T16:00:00+01:00", clock_parse_iso8601).  The year must be
 * within CAL_YEAR_MIN..CAL_YEAR_MAX.  Returns 0 or -EINVAL. */
int cal_parse_instant(const struct cal *c, const char *s, int64_t *ret_usec);

/* "2026-12-28T16:00:00+01:00" (seconds, no fraction: truncated) in the
 * calendar's zone, into buf (CAL_INSTANT_BUF bytes).  Returns buf; "?" when
 * the instant cannot be converted.  *ret_weekday, if not NULL, gets the
 * local weekday (0 = Monday). */
char *cal_format_instant(const struct cal *c, int64_t usec, char *buf, size_t len,
                         int *ret_weekday);
