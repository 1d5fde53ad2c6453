/* Civil (proleptic Gregorian) dates as day numbers: the one implementation
 * of date arithmetic in vakt (the calendar, the clock's ISO 8601 parser,
 * the rule files' expiry dates and the personnummer check all use it).
 *
 * A day number is the count of days since 1970-01-01 (day 0, a
 * Thursday).  Weekdays are numbered the Swedish way: 0 = Monday ...
 * 6 = Sunday. */
#pragma once

#include <stdbool.h>
#include <stdint.h>

struct civil_date {
	int year;
	int month; /* 1..12 */
	int day;   /* 1..31 */
};

/* H. Hinnant's algorithms: exact for every int year. */
int64_t civil_days_from_date(int year, int month, int day);
struct civil_date civil_date_from_days(int64_t dn);

int civil_weekday(int64_t dn); /* 0 = Monday */
bool civil_is_leap(int year);
/* 28..31, or 0 for a month outside 1..12. */
int civil_days_in_month(int year, int month);

/* Exactly n ASCII digits at s (no sign, no space) as a number; n at most
 * 9.  0 or -EINVAL. */
int civil_digits(const char *s, int n, int *ret);
