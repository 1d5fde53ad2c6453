/* Time zones for the calendar: UTC instants <-> local wall time, through the
 * system tz database (/usr/share/zoneinfo, or $TZDIR).
 *
 * Implementation note: the conversion uses the C library (setenv("TZ") +
 * tzset() + localtime_r()), switching TZ only when a different zone is
 * asked for.  That is process-global state: vakt is single-threaded (one
 * libevent loop), and nothing else in vakt formats local time.  The last
 * two days found to have one offset are remembered (per thread), so that
 * most conversions need no call into the C library.
 *
 * Local wall time to UTC (cal_tz_from_local) is done by vakt itself, not by
 * mktime(), so that the two DST traps have one documented answer:
 *  - a wall time that does not exist (02:30 on the last Sunday of March in
 *    Europe/Stockholm) is read with the offset in force before the gap, so
 *    it lands the length of the gap later: 02:30 -> 03:30+02:00;
 *  - a wall time that exists twice (02:30 on the last Sunday of October)
 *    means its first occurrence: 02:30+02:00.
 * (The same rule as java.time's ZonedDateTime.of.) */
#pragma once

#include <stdint.h>

#define CAL_TZ_NAME_MAX 64

struct cal_tz {
	char name[CAL_TZ_NAME_MAX];
};

/* Local wall-clock reading of an instant. */
struct cal_local {
	int64_t dn;     /* local day number (days since 1970-01-01) */
	int sec_of_day; /* 0..86399 */
	int utc_offset; /* seconds east of UTC */
};

/* Check that `name` ("Europe/Stockholm", "UTC") names a TZif file in the
 * tz database and set *tz to it.  Returns 0, -EINVAL for a malformed name,
 * -ENOENT when there is no such zone. */
int cal_tz_init(struct cal_tz *tz, const char *name);

/* The local reading of instant `t` (epoch seconds).  Returns 0 or -ERANGE. */
int cal_tz_to_local(const struct cal_tz *tz, int64_t t, struct cal_local *ret);

/* The instant (epoch seconds) of local day `dn` at `sec_of_day` (0..86400;
 * 86400 is the next day's midnight), by the gap/overlap rule above.
 * Returns 0 or -ERANGE. */
int cal_tz_from_local(const struct cal_tz *tz, int64_t dn, int sec_of_day, int64_t *ret_t);
