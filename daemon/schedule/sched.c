/* Poll policies, their grids and the floor check. */
#include "schedule/sched.h"

#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "calendar/bizmath.h"
#include "calendar/date.h"
#include "calendar/tz.h"
#include "util/clock.h"
#include "util/timespan.h"

#define MIN_USEC (60 * USEC_PER_SEC)

void sched_policy_default(struct sched_policy *p)
{
	/* memset, not an initializer: padding is zero too, so policies compare
	 * with memcmp (the floor check's memo). */
	memset(p, 0, sizeof(*p));
	p->interval_usec = 30 * MIN_USEC;
	p->off_hours_usec = 120 * MIN_USEC;
	p->crisis_usec = 5 * MIN_USEC;
	p->jitter_usec = 5 * MIN_USEC;
}

static int cmp_int(const void *a, const void *b)
{
	return *(const int *)a - *(const int *)b;
}

static int parse_poll_at(const char *value, struct sched_policy *p)
{
	int mins[SCHED_POLL_AT_MAX], n = 0;
	char buf[1024], *save = NULL;

	if (strlen(value) >= sizeof(buf))
		return -EINVAL;
	strcpy(buf, value);
	for (char *tok = strtok_r(buf, " \t,", &save); tok; tok = strtok_r(NULL, " \t,", &save)) {
		if (n == SCHED_POLL_AT_MAX || cal_parse_hhmm(tok, 0, &mins[n]) < 0)
			return -EINVAL;
		n++;
	}
	qsort(mins, (size_t)n, sizeof(int), cmp_int);
	for (int i = 1; i < n; i++)
		if (mins[i] == mins[i - 1])
			return -EINVAL;
	memcpy(p->poll_at_min, mins, sizeof(int) * (size_t)n);
	p->n_poll_at = n;
	return 0;
}

/* "off" or "0" disables; otherwise a timespan of at least a minute. */
static int parse_interval(const char *value, int64_t min_usec, int64_t *ret)
{
	int64_t us;
	if (strcmp(value, "off") == 0 || strcmp(value, "0") == 0) {
		*ret = 0;
		return 0;
	}
	if (timespan_parse(value, &us) < 0 || us < min_usec || us > 7 * 24 * 3600 * USEC_PER_SEC)
		return -EINVAL;
	*ret = us;
	return 0;
}

int sched_policy_set(struct sched_policy *p, const char *key, const char *value)
{
	int r;
	int64_t us;

	if (strcmp(key, "PollAt") == 0) {
		r = parse_poll_at(value, p);
		if (r == 0)
			p->set |= SCHED_SET_POLL_AT;
	} else if (strcmp(key, "Interval") == 0) {
		r = parse_interval(value, MIN_USEC, &p->interval_usec);
		if (r == 0)
			p->set |= SCHED_SET_INTERVAL;
	} else if (strcmp(key, "OffHoursInterval") == 0) {
		r = parse_interval(value, MIN_USEC, &p->off_hours_usec);
		if (r == 0)
			p->set |= SCHED_SET_OFF_HOURS;
	} else if (strcmp(key, "CrisisInterval") == 0) {
		r = parse_interval(value, MIN_USEC, &us);
		if (r == 0 && us == 0)
			r = -EINVAL; /* crisis mode without polls makes no sense */
		if (r == 0) {
			p->crisis_usec = us;
			p->set |= SCHED_SET_CRISIS;
		}
	} else if (strcmp(key, "Jitter") == 0) {
		r = timespan_parse(value, &us);
		if (r == 0 && (us < 0 || us > 3600 * USEC_PER_SEC))
			r = -EINVAL;
		if (r == 0) {
			p->jitter_usec = us;
			p->set |= SCHED_SET_JITTER;
		}
	} else {
		return -ENOENT;
	}
	return r < 0 ? -EINVAL : 0;
}

void sched_policy_merge(struct sched_policy *base, const struct sched_policy *over)
{
	if (over->set & SCHED_SET_POLL_AT) {
		base->n_poll_at = over->n_poll_at;
		memcpy(base->poll_at_min, over->poll_at_min, sizeof(base->poll_at_min));
	}
	if (over->set & SCHED_SET_INTERVAL)
		base->interval_usec = over->interval_usec;
	if (over->set & SCHED_SET_OFF_HOURS)
		base->off_hours_usec = over->off_hours_usec;
	if (over->set & SCHED_SET_CRISIS)
		base->crisis_usec = over->crisis_usec;
	if (over->set & SCHED_SET_JITTER)
		base->jitter_usec = over->jitter_usec;
	base->set |= over->set;
}

int64_t sched_jitter_offset(const char *account_id, const struct sched_policy *p)
{
	/* FNV-1a: stable across runs and builds, so an account keeps its slot. */
	uint64_t h = 1469598103934665603ULL;
	for (const unsigned char *s = (const unsigned char *)account_id; *s; s++) {
		h ^= *s;
		h *= 1099511628211ULL;
	}
	if (p->jitter_usec <= 0)
		return 0;
	/* Whole seconds keep the planned times readable. */
	int64_t secs = p->jitter_usec / USEC_PER_SEC;
	return secs > 0 ? (int64_t)(h % (uint64_t)secs) * USEC_PER_SEC : 0;
}

static int cmp_i64(const void *a, const void *b)
{
	int64_t x = *(const int64_t *)a, y = *(const int64_t *)b;
	return (x > y) - (x < y);
}

int sched_day_polls(const struct sched_policy *p, const struct cal *c, int64_t dn, int64_t *out)
{
	const struct cal_tz *tz = cal_timezone(c);
	int64_t open = 0, close = 0, midnight, next_midnight, t;
	int n = 0, r;

	int is_open = cal_office_hours(c, dn, &open, &close);
	if (is_open < 0)
		return is_open;
	if ((r = cal_tz_from_local(tz, dn, 0, &midnight)) < 0 ||
	    (r = cal_tz_from_local(tz, dn, 86400, &next_midnight)) < 0)
		return r;
	midnight *= USEC_PER_SEC;
	next_midnight *= USEC_PER_SEC;

	if (is_open) {
		for (int i = 0; i < p->n_poll_at && n < SCHED_DAY_MAX; i++) {
			if ((r = cal_tz_from_local(tz, dn, p->poll_at_min[i] * 60, &t)) < 0)
				return r;
			out[n++] = t * USEC_PER_SEC;
		}
		if (p->interval_usec > 0)
			for (t = open; t < close && n < SCHED_DAY_MAX; t += p->interval_usec)
				out[n++] = t;
	}
	if (p->off_hours_usec > 0)
		for (t = midnight; t < next_midnight && n < SCHED_DAY_MAX; t += p->off_hours_usec)
			if (!is_open || t < open || t >= close)
				out[n++] = t;

	qsort(out, (size_t)n, sizeof(*out), cmp_i64);
	int k = 0;
	for (int i = 0; i < n; i++)
		if (k == 0 || out[i] != out[k - 1])
			out[k++] = out[i];
	return k;
}

int sched_next(const struct sched_policy *p, const struct cal *c, int64_t offset, int64_t after,
               int64_t crisis_from, int64_t crisis_until, int64_t *ret)
{
	int64_t polls[SCHED_DAY_MAX], dn, best = INT64_MAX;
	int r;

	/* Planned times carry the offset, so look for base times after
	 * after - offset. */
	int64_t base_after = after - offset;
	if ((r = cal_local_day(c, base_after, &dn)) < 0)
		return r;
	/* A policy may have nothing on closed days; a long holiday run (jul,
	 * påsk) still ends within a couple of weeks. */
	for (int d = 0; d < 31 && best == INT64_MAX; d++) {
		int n = sched_day_polls(p, c, dn + d, polls);
		if (n < 0)
			return n;
		for (int i = 0; i < n; i++)
			if (polls[i] > base_after) {
				best = polls[i] + offset;
				break;
			}
	}
	if (crisis_until > after && p->crisis_usec > 0 && crisis_from <= crisis_until) {
		int64_t k = after < crisis_from ? 0 : (after - crisis_from) / p->crisis_usec + 1;
		int64_t t = crisis_from + k * p->crisis_usec;
		if (t < crisis_until && t < best)
			best = t;
	}
	if (best == INT64_MAX)
		return -ENOENT;
	*ret = best;
	return 0;
}

int sched_check_floor(const struct sched_policy *p, const struct cal *c, int64_t from_dn, int ndays,
                      int64_t *ret_dn, int *ret_count)
{
	int64_t polls[SCHED_DAY_MAX];
	for (int d = 0; d < ndays; d++) {
		struct cal_day day;
		int r = cal_day_info(c, from_dn + d, &day);
		if (r < 0)
			return r;
		if (day.kind != CAL_DAY_BUSINESS && day.kind != CAL_DAY_HALF)
			continue;
		int n = sched_day_polls(p, c, from_dn + d, polls);
		if (n < 0)
			return n;
		if (n < SCHED_FLOOR) {
			*ret_dn = from_dn + d;
			*ret_count = n;
			return 1;
		}
	}
	return 0;
}
