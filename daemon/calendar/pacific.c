/* Google's quota day: midnight to midnight in Los Angeles. */
#include "calendar/pacific.h"

#include <errno.h>
#include <stdio.h>
#include <string.h>

#include "calendar/tz.h"

#define USEC 1000000LL
#define DAY_S 86400LL
#define PST_OFFSET_S (-8 * 3600LL)

static int64_t floor_div(int64_t a, int64_t b)
{
	return a / b - (a % b < 0);
}

static int fixed_pst(int64_t now_usec, struct pacific_day *ret)
{
	int64_t local = floor_div(now_usec, USEC) + PST_OFFSET_S;
	ret->day = floor_div(local, DAY_S);
	ret->start_usec = (ret->day * DAY_S - PST_OFFSET_S) * USEC;
	ret->reset_usec = ret->start_usec + DAY_S * USEC;
	return 0;
}

int pacific_day_in(const char *zone, int64_t now_usec, struct pacific_day *ret)
{
	/* The zone is looked up once (a file is opened), not per request:
	 * vakt is single-threaded. */
	static struct {
		char name[CAL_TZ_NAME_MAX];
		int found;
		struct cal_tz tz;
	} memo;
	struct cal_local l;
	int64_t start, reset;

	if (strcmp(memo.name, zone) != 0) {
		snprintf(memo.name, sizeof(memo.name), "%s", zone);
		memo.found = cal_tz_init(&memo.tz, zone) == 0;
	}
	if (!memo.found)
		return fixed_pst(now_usec, ret);
	const struct cal_tz *tz = &memo.tz;
	if (cal_tz_to_local(tz, floor_div(now_usec, USEC), &l) < 0 ||
	    cal_tz_from_local(tz, l.dn, 0, &start) < 0 ||
	    cal_tz_from_local(tz, l.dn + 1, 0, &reset) < 0)
		return -ERANGE;
	ret->day = l.dn;
	ret->start_usec = start * USEC;
	ret->reset_usec = reset * USEC;
	return 0;
}

int pacific_day_of(int64_t now_usec, struct pacific_day *ret)
{
	return pacific_day_in("America/Los_Angeles", now_usec, ret);
}
