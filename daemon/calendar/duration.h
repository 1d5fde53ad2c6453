/* Durations of deadlines: "1 business day", "4 business hours", "90min",
 * "3 days".
 *
 * Grammar (one term; ASCII letters in any case; blanks around and between
 * the words are allowed, the blank between number and unit is optional):
 *
 *   duration = number [blanks] unit
 *   number   = 1*9 digits                    (no sign, no fraction)
 *   unit     = "business" blanks ("day" | "days" | "hour" | "hours"
 *                                 | "minute" | "minutes" | "min" | "mins")
 *            | "w" | "week" | "weeks" | "d" | "day" | "days"
 *            | "h" | "hour" | "hours"
 *            | "m" | "min" | "mins" | "minute" | "minutes"
 *
 * A unit without "business" is calendar time: hours and minutes are elapsed
 * time, days and weeks are local calendar days (same wall-clock time N days
 * later, so across a DST switch a day may be 23 or 25 hours).  Limits: at
 * most 3660 days / 522 weeks / 87840 hours / 5270400 minutes, the same
 * counts for the business units. */
#pragma once

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

enum cal_unit {
	CAL_UNIT_MINUTES,
	CAL_UNIT_HOURS,
	CAL_UNIT_DAYS,
	CAL_UNIT_WEEKS,
	CAL_UNIT_BUSINESS_MINUTES,
	CAL_UNIT_BUSINESS_HOURS,
	CAL_UNIT_BUSINESS_DAYS,
};

struct cal_duration {
	enum cal_unit unit;
	int64_t count;
};

/* 0 or -EINVAL (garbage, zero is allowed, over the limit is -EINVAL). */
int cal_duration_parse(const char *s, struct cal_duration *ret);

/* Canonical text: "1 business day", "4 business hours", "90 minutes",
 * "2 weeks".  Returns buf (at least 32 bytes is enough). */
char *cal_duration_format(const struct cal_duration *d, char *buf, size_t len);

/* 1 for the business units, 0 for calendar time. */
bool cal_duration_is_business(const struct cal_duration *d);
