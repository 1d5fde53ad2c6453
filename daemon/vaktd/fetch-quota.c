/* YouTube's daily quota: units counted per project and Pacific day in the
 * store, and the poll budget vaktd plans within (fetch-internal.h). */
#include "vaktd/fetch-internal.h"

#include <inttypes.h>
#include <stdio.h>

#include "store/quota.h"
#include "util/clock.h"
#include "util/log.h"

int fetch_quota_get(struct store *s, const char *project, unsigned per_day, unsigned reserve,
                    int64_t now, struct fetch_quota *ret)
{
	int r = pacific_day_of(now, &ret->day);
	if (r < 0)
		return r;
	ret->per_day = per_day;
	ret->poll_limit = reserve < per_day ? (int64_t)per_day - reserve : 0;
	return store_quota_get(s, project, ret->day.day, &ret->used);
}

bool fetch_quota_fits(const struct fetch_quota *q, int cost)
{
	return q->used + cost <= q->poll_limit;
}

int fetch_quota_charge(struct store *s, const char *project, int units, int64_t now)
{
	struct pacific_day d;
	int r = pacific_day_of(now, &d);
	return r < 0 ? r : store_quota_add(s, project, d.day, units);
}

void fetch_quota_why(const struct fetch_quota *q, char *buf, size_t len)
{
	char at[40];
	snprintf(buf, len,
	         STORE_QUOTA_DEFERRED ": %" PRId64 " of %" PRId64 " units used today, polls stop "
	                              "at %" PRId64
	                              " (the rest is kept for moderation); deferred until %s "
	                              "(midnight Pacific)",
	         q->used, q->per_day, q->poll_limit,
	         clock_format_utc(q->day.reset_usec, at, sizeof(at)));
}

void fetch_quota_say(const char *account, const char *project, const struct fetch_quota *q,
                     int64_t *said_day)
{
	if (*said_day == q->day.day + 1) /* stored +1: 0 means never */
		return;
	*said_day = q->day.day + 1;
	char why[320];
	fetch_quota_why(q, why, sizeof(why));
	log_full(LOG_WARNING, account, 0,
	         "QUOTA: polls of every YouTube account of project '%s' are deferred: %s", project,
	         why);
}
