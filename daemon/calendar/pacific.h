/* The day of Google's API quotas (YouTube Data API): a project's daily
 * units reset at midnight Pacific time, America/Los_Angeles with its
 * daylight saving time (07:00 UTC in summer, 08:00 UTC in winter). */
#pragma once

#include <stdint.h>

struct pacific_day {
	int64_t day;        /* local day number in Los Angeles (days since 1970-01-01) */
	int64_t start_usec; /* its midnight, epoch µs */
	int64_t reset_usec; /* the next midnight, when the quota comes back */
};

/* The Pacific day of instant now (epoch µs).  Without the tz database's
 * America/Los_Angeles, UTC−8 is assumed all year: in summer the day then
 * starts an hour late, so a budget is never thought back early.  0, or
 * -ERANGE. */
int pacific_day_of(int64_t now_usec, struct pacific_day *ret);

/* As pacific_day_of, with the zone's name given (tests: a missing zone). */
int pacific_day_in(const char *zone, int64_t now_usec, struct pacific_day *ret);
