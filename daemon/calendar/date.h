/* Weekday names and the strict parsers for the date and clock-time values
 * the calendar configuration uses.  Day numbers and their arithmetic are
 * util/civil.h's (0 = 1970-01-01; weekdays 0 = Monday ... 6 = Sunday). */
#pragma once

#include <stdint.h>

#include "util/civil.h"

enum {
	CAL_MONDAY,
	CAL_TUESDAY,
	CAL_WEDNESDAY,
	CAL_THURSDAY,
	CAL_FRIDAY,
	CAL_SATURDAY,
	CAL_SUNDAY,
};

/* The years the calendar knows (holidays are computed for these). */
#define CAL_YEAR_MIN 1900
#define CAL_YEAR_MAX 2100

/* Swedish weekday name, lowercase ("måndag"). */
const char *cal_weekday_name(int weekday);

/* "2026-05-15" (exactly that shape, a real date, year 1900..2100) to a day
 * number.  Returns 0 or -EINVAL. */
int cal_parse_date(const char *s, int64_t *ret_dn);

/* "08:00" .. "24:00" to minutes after midnight (0..1440).  "24:00" is only
 * accepted when allow_24 is set.  Returns 0 or -EINVAL. */
int cal_parse_hhmm(const char *s, int allow_24, int *ret_min);
