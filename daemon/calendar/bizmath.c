/* Business-time arithmetic (semantics in bizmath.h). */
#include "calendar/bizmath.h"

#include <errno.h>

#include "util/clock.h"

static int64_t floor_div(int64_t a, int64_t b)
{
	int64_t q = a / b;
	return (a % b != 0 && (a < 0) != (b < 0)) ? q - 1 : q;
}

int cal_local_day(const struct cal *c, int64_t t, int64_t *ret_dn)
{
	struct cal_local l;
	int r = cal_tz_to_local(cal_timezone(c), floor_div(t, USEC_PER_SEC), &l);
	if (r < 0)
		return r;
	*ret_dn = l.dn;
	return 0;
}

int cal_office_hours(const struct cal *c, int64_t dn, int64_t *ret_open, int64_t *ret_close)
{
	struct cal_day d;
	int64_t o, e;
	int r = cal_day_info(c, dn, &d);
	if (r < 0)
		return r;
	if (d.open_min >= d.close_min)
		return 0;
	if ((r = cal_tz_from_local(cal_timezone(c), dn, d.open_min * 60, &o)) < 0 ||
	    (r = cal_tz_from_local(cal_timezone(c), dn, d.close_min * 60, &e)) < 0)
		return r;
	/* Hours that open inside the spring gap can end up opening after
	 * they close: then the day has no office hours. */
	if (o >= e)
		return 0;
	*ret_open = o * USEC_PER_SEC;
	*ret_close = e * USEC_PER_SEC;
	return 1;
}

/* The first interval ending after t, and its day. */
static int next_interval(const struct cal *c, int64_t t, int64_t *ret_dn, int64_t *ret_open,
                         int64_t *ret_close)
{
	int64_t dn, o, e;
	int r = cal_local_day(c, t, &dn);
	if (r < 0)
		return r;
	for (int i = 0; i < CAL_SEARCH_DAYS; i++, dn++) {
		r = cal_office_hours(c, dn, &o, &e);
		if (r < 0)
			return r;
		if (r > 0 && e > t) {
			*ret_dn = dn;
			*ret_open = o;
			*ret_close = e;
			return 0;
		}
	}
	return -ENOENT;
}

/* The n-th open day after day dn (n >= 1), with its interval. */
static int nth_open_day(const struct cal *c, int64_t dn, int64_t n, int64_t *ret_dn,
                        int64_t *ret_open, int64_t *ret_close)
{
	int64_t o = 0, e = 0;
	int gap = 0;
	while (n > 0) {
		dn++;
		int r = cal_office_hours(c, dn, &o, &e);
		if (r < 0)
			return r;
		if (r > 0) {
			n--;
			gap = 0;
		} else if (++gap >= CAL_SEARCH_DAYS) {
			return -ENOENT;
		}
	}
	*ret_dn = dn;
	*ret_open = o;
	*ret_close = e;
	return 0;
}

int cal_next_interval(const struct cal *c, int64_t t, int64_t *ret_open, int64_t *ret_close)
{
	int64_t dn;
	return next_interval(c, t, &dn, ret_open, ret_close);
}

int cal_is_business_time(const struct cal *c, int64_t t)
{
	int64_t dn, o, e;
	int r = cal_local_day(c, t, &dn);
	if (r < 0)
		return r;
	r = cal_office_hours(c, dn, &o, &e);
	if (r <= 0)
		return r;
	return o <= t && t < e;
}

int cal_next_business(const struct cal *c, int64_t t, int64_t *ret)
{
	int64_t dn, o, e;
	int r = next_interval(c, t, &dn, &o, &e);
	if (r < 0)
		return r;
	*ret = o > t ? o : t;
	return 0;
}

int cal_add_business_time(const struct cal *c, int64_t t, int64_t usec, int64_t *ret)
{
	int64_t dn, o, e;
	if (usec < 0)
		return -EINVAL;
	for (;;) {
		int r = next_interval(c, t, &dn, &o, &e);
		if (r < 0)
			return r;
		if (o > t)
			t = o;
		if (usec <= e - t) {
			*ret = t + usec;
			return 0;
		}
		usec -= e - t;
		t = e;
	}
}

int cal_add_business_days(const struct cal *c, int64_t t, int64_t n, int64_t *ret)
{
	int64_t dn, o, e, dn2, o2, e2;
	int r;

	if (n < 0)
		return -EINVAL;
	if ((r = next_interval(c, t, &dn, &o, &e)) < 0)
		return r;
	if (t <= o) {
		/* The clock starts at the opening o. */
		if (n == 0) {
			*ret = o;
			return 0;
		}
		if (n == 1) {
			*ret = e;
			return 0;
		}
		if ((r = nth_open_day(c, dn, n - 1, &dn2, &o2, &e2)) < 0)
			return r;
		*ret = e2;
		return 0;
	}
	if (n == 0) {
		*ret = t;
		return 0;
	}
	/* Inside office hours: the same wall-clock time n open days later. */
	struct cal_local l;
	int64_t secs = floor_div(t, USEC_PER_SEC), due;
	if ((r = cal_tz_to_local(cal_timezone(c), secs, &l)) < 0 ||
	    (r = nth_open_day(c, dn, n, &dn2, &o2, &e2)) < 0 ||
	    (r = cal_tz_from_local(cal_timezone(c), dn2, l.sec_of_day, &due)) < 0)
		return r;
	due = due * USEC_PER_SEC + (t - secs * USEC_PER_SEC);
	if (due < o2)
		due = o2;
	if (due > e2)
		due = e2;
	*ret = due;
	return 0;
}

int cal_business_between(const struct cal *c, int64_t a, int64_t b, int64_t *ret_usec)
{
	int64_t dn, last, o, e, sum = 0;
	int r;

	if (b < a) {
		if ((r = cal_business_between(c, b, a, &sum)) < 0)
			return r;
		*ret_usec = -sum;
		return 0;
	}
	if ((r = cal_local_day(c, a, &dn)) < 0 || (r = cal_local_day(c, b, &last)) < 0)
		return r;
	for (; dn <= last; dn++) {
		r = cal_office_hours(c, dn, &o, &e);
		if (r < 0)
			return r;
		if (r == 0)
			continue;
		if (o < a)
			o = a;
		if (e > b)
			e = b;
		if (e > o)
			sum += e - o;
	}
	*ret_usec = sum;
	return 0;
}

static int add_local_days(const struct cal *c, int64_t t, int64_t days, int64_t *ret)
{
	struct cal_local l;
	int64_t secs = floor_div(t, USEC_PER_SEC), due;
	int r;
	if ((r = cal_tz_to_local(cal_timezone(c), secs, &l)) < 0 ||
	    (r = cal_tz_from_local(cal_timezone(c), l.dn + days, l.sec_of_day, &due)) < 0)
		return r;
	struct civil_date d = civil_date_from_days(l.dn + days);
	if (d.year < CAL_YEAR_MIN || d.year > CAL_YEAR_MAX)
		return -ERANGE;
	*ret = due * USEC_PER_SEC + (t - secs * USEC_PER_SEC);
	return 0;
}

int cal_add_duration(const struct cal *c, int64_t t, const struct cal_duration *d, int64_t *ret)
{
	const int64_t min = 60 * USEC_PER_SEC;
	if (d->count < 0)
		return -EINVAL;
	switch (d->unit) {
	case CAL_UNIT_MINUTES:
		*ret = t + d->count * min;
		return 0;
	case CAL_UNIT_HOURS:
		*ret = t + d->count * 60 * min;
		return 0;
	case CAL_UNIT_DAYS:
		return add_local_days(c, t, d->count, ret);
	case CAL_UNIT_WEEKS:
		return add_local_days(c, t, d->count * 7, ret);
	case CAL_UNIT_BUSINESS_MINUTES:
		return cal_add_business_time(c, t, d->count * min, ret);
	case CAL_UNIT_BUSINESS_HOURS:
		return cal_add_business_time(c, t, d->count * 60 * min, ret);
	case CAL_UNIT_BUSINESS_DAYS:
		return cal_add_business_days(c, t, d->count, ret);
	}
	return -EINVAL;
}

int cal_time_left(const struct cal *c, const struct cal_duration *d, int64_t now, int64_t due,
                  int64_t *ret_usec)
{
	if (!cal_duration_is_business(d)) {
		*ret_usec = due - now;
		return 0;
	}
	return cal_business_between(c, now, due, ret_usec);
}

int cal_fraction_point(const struct cal *c, const struct cal_duration *d, int64_t start,
                       int64_t due, int num, int den, int64_t *ret)
{
	int64_t total;
	int r;
	if (den <= 0 || num < 0 || num > den || due < start)
		return -EINVAL;
	if (!cal_duration_is_business(d)) {
		*ret = start + (due - start) / den * num + (due - start) % den * num / den;
		return 0;
	}
	if ((r = cal_business_between(c, start, due, &total)) < 0)
		return r;
	return cal_add_business_time(c, start, total / den * num + total % den * num / den, ret);
}
