/* Tests of durations and business-time arithmetic: the deadline tables of
 * issue 3, DST, configured half days and closed days, and the add/measure
 * round trip. */
#include "t.h"

#include <errno.h>

#include "calendar/bizmath.h"
#include "calendar/cal-config.h"
#include "calendar/duration.h"
#include "calendar/instant.h"
#include "util/clock.h"

#define HOUR (3600 * USEC_PER_SEC)
#define MINUTE (60 * USEC_PER_SEC)

struct due_case {
	const char *from, *duration, *want;
};

static struct cal *new_cal(const char *const *options)
{
	struct cal *c = NULL;
	if (cal_new(&c) < 0)
		abort();
	for (size_t i = 0; options && options[i]; i += 2)
		if (cal_set_option(c, options[i], options[i + 1]) < 0)
			T_FAIL_("option %s=%s rejected", options[i], options[i + 1]);
	return c;
}

static int64_t at(const struct cal *c, const char *s)
{
	int64_t t = 0;
	if (cal_parse_instant(c, s, &t) < 0)
		T_FAIL_("cannot parse \"%s\"", s);
	return t;
}

static void check_cases(const struct cal *c, const struct due_case *cases, size_t n)
{
	for (size_t i = 0; i < n; i++) {
		struct cal_duration d;
		int64_t due;
		char buf[CAL_INSTANT_BUF];
		int r = cal_duration_parse(cases[i].duration, &d);
		if (r == 0)
			r = cal_add_duration(c, at(c, cases[i].from), &d, &due);
		if (r < 0) {
			T_FAIL_("%s + %s: error %d", cases[i].from, cases[i].duration, r);
			continue;
		}
		cal_format_instant(c, due, buf, sizeof(buf), NULL);
		if (strcmp(buf, cases[i].want) != 0)
			T_FAIL_("%s + %s: expected %s, got %s", cases[i].from, cases[i].duration,
			        cases[i].want, buf);
	}
}

#define CHECK_CASES(c, cases) check_cases(c, cases, sizeof(cases) / sizeof(cases[0]))

static void test_issue_examples(void)
{
	static const struct due_case cases[] = {
		/* Friday 16:45 + 1 business day = Monday 16:45. */
		{ "2026-11-20T16:45", "1 business day", "2026-11-23T16:45:00+01:00" },
		/* Saturday: the clock starts at Monday's opening. */
		{ "2026-11-21T10:00", "1 business day", "2026-11-23T17:00:00+01:00" },
		/* 15:00 the day before midsommarafton: 2 h Thursday, 2 h Monday
		 * (the issue text says 11:00; with 08:00 opening it is 10:00,
		 * see test_midsommar_with_nine_oclock_opening). */
		{ "2026-06-18T15:00", "4 business hours", "2026-06-22T10:00:00+02:00" },
		/* julafton, juldagen, annandag jul, weekend. */
		{ "2026-12-23T16:00", "1 business day", "2026-12-28T16:00:00+01:00" },
		/* nyårsafton, nyårsdagen, weekend. */
		{ "2026-12-30T16:00", "1 business day", "2027-01-04T16:00:00+01:00" },
	};
	struct cal *c = new_cal(NULL);
	CHECK_CASES(c, cases);
	cal_free(c);
}

static void test_midsommar_with_nine_oclock_opening(void)
{
	static const char *const opts[] = { "Hours", "09:00-17:00", NULL };
	static const struct due_case cases[] = {
		{ "2026-06-18T15:00", "4 business hours", "2026-06-22T11:00:00+02:00" },
	};
	struct cal *c = new_cal(opts);
	CHECK_CASES(c, cases);
	cal_free(c);
}

static void test_weekends_and_office_hours(void)
{
	static const struct due_case cases[] = {
		{ "2026-11-20T17:30", "1 business day", "2026-11-23T17:00:00+01:00" },
		{ "2026-11-23T07:00", "1 business day", "2026-11-23T17:00:00+01:00" },
		{ "2026-11-23T08:00", "1 business day", "2026-11-23T17:00:00+01:00" },
		{ "2026-11-23T08:01", "1 business day", "2026-11-24T08:01:00+01:00" },
		{ "2026-11-21T10:00", "2 business days", "2026-11-24T17:00:00+01:00" },
		{ "2026-11-22T23:59", "5 business days", "2026-11-27T17:00:00+01:00" },
		{ "2026-11-20T16:45", "5 business days", "2026-11-27T16:45:00+01:00" },
		{ "2026-11-20T16:45", "0 business days", "2026-11-20T16:45:00+01:00" },
		{ "2026-11-21T10:00", "0 business days", "2026-11-23T08:00:00+01:00" },
		{ "2026-11-20T16:00", "1 business hour", "2026-11-20T17:00:00+01:00" },
		{ "2026-11-20T16:00", "61 business minutes", "2026-11-23T08:01:00+01:00" },
		{ "2026-11-20T16:00", "90min", "2026-11-20T17:30:00+01:00" },
		{ "2026-11-21T10:00", "30 business minutes", "2026-11-23T08:30:00+01:00" },
		{ "2026-11-21T10:00", "9 business hours", "2026-11-23T17:00:00+01:00" },
		{ "2026-11-21T10:00", "10 business hours", "2026-11-24T09:00:00+01:00" },
		{ "2026-11-21T10:00", "1 week", "2026-11-28T10:00:00+01:00" },
		{ "2026-11-21T10:00", "2d", "2026-11-23T10:00:00+01:00" },
		{ "2026-11-21T10:00", "45m", "2026-11-21T10:45:00+01:00" },
	};
	struct cal *c = new_cal(NULL);
	CHECK_CASES(c, cases);
	cal_free(c);
}

static void test_holidays_and_eves(void)
{
	static const struct due_case cases[] = {
		/* Thursday before midsommarafton. */
		{ "2026-06-18T10:00", "1 business day", "2026-06-22T10:00:00+02:00" },
		/* Tuesday 29 Dec + 2: Wednesday 30 Dec, then Monday 4 Jan. */
		{ "2026-12-29T16:00", "2 business days", "2027-01-04T16:00:00+01:00" },
		/* On julafton itself: the clock starts on 28 Dec. */
		{ "2026-12-24T09:00", "1 business day", "2026-12-28T17:00:00+01:00" },
		/* Skärtorsdag 2026-04-02: långfredagen, påsk, annandag påsk. */
		{ "2026-04-02T12:00", "1 business day", "2026-04-07T12:00:00+02:00" },
		{ "2026-04-02T15:00", "4 business hours", "2026-04-07T10:00:00+02:00" },
		/* Kristi himmelsfärdsdag 14 May 2026. */
		{ "2026-05-13T10:00", "1 business day", "2026-05-15T10:00:00+02:00" },
		/* Trettondedag jul (Tuesday 6 Jan 2026); trettondagsafton open. */
		{ "2026-01-05T10:00", "1 business day", "2026-01-07T10:00:00+01:00" },
		{ "2026-01-02T14:00", "1 business day", "2026-01-05T14:00:00+01:00" },
		/* 2004: annandag pingst (31 May) is a holiday; 2005 it is not,
		 * but nationaldagen (Monday 6 June 2005) is. */
		{ "2004-05-28T10:00", "1 business day", "2004-06-01T10:00:00+02:00" },
		{ "2005-05-13T10:00", "1 business day", "2005-05-16T10:00:00+02:00" },
		{ "2005-06-03T10:00", "1 business day", "2005-06-07T10:00:00+02:00" },
		/* Alla helgons dag is a Saturday: allhelgonaafton is open. */
		{ "2026-10-29T16:00", "4 business hours", "2026-10-30T11:00:00+01:00" },
	};
	struct cal *c = new_cal(NULL);
	CHECK_CASES(c, cases);
	cal_free(c);
}

static void test_configured_half_and_closed_days(void)
{
	static const char *const opts[] = {
		"Valborgsmassoafton",
		"half 12:00",
		"Trettondagsafton",
		"half 13:00",
		"Allhelgonaafton",
		"half 13:00",
		"Julafton",
		"open",
		"ClosedDay",
		"2026-05-15 klämdag",
		"HalfDay",
		"2026-11-27 14:00 personalmöte",
		NULL,
	};
	static const struct due_case cases[] = {
		/* Same time on a half day after its close: its close. */
		{ "2026-04-29T14:00", "1 business day", "2026-04-30T12:00:00+02:00" },
		{ "2026-04-29T10:00", "1 business day", "2026-04-30T10:00:00+02:00" },
		/* 1 h Wednesday, 4 h Thursday, första maj, weekend, 1 h Monday. */
		{ "2026-04-29T16:00", "6 business hours", "2026-05-04T09:00:00+02:00" },
		{ "2026-01-02T14:00", "1 business day", "2026-01-05T13:00:00+01:00" },
		{ "2026-01-02T10:00", "1 business day", "2026-01-05T10:00:00+01:00" },
		{ "2026-10-29T16:00", "4 business hours", "2026-10-30T11:00:00+01:00" },
		{ "2026-10-29T16:00", "8 business hours", "2026-11-02T10:00:00+01:00" },
		/* Klämdag after Kristi himmelsfärd. */
		{ "2026-05-13T10:00", "1 business day", "2026-05-18T10:00:00+02:00" },
		{ "2026-05-13T16:00", "2 business hours", "2026-05-18T09:00:00+02:00" },
		{ "2026-11-26T15:00", "1 business day", "2026-11-27T14:00:00+01:00" },
		/* 2 h Thursday, 6 h on the half day, 1 h Monday. */
		{ "2026-11-26T15:00", "9 business hours", "2026-11-30T09:00:00+01:00" },
		/* Julafton open. */
		{ "2026-12-23T16:00", "1 business day", "2026-12-24T16:00:00+01:00" },
	};
	struct cal *c = new_cal(opts);
	CHECK_CASES(c, cases);
	cal_free(c);
}

static void test_dst_switches(void)
{
	static const struct due_case office[] = {
		/* 29 March 2026 and 25 October 2026 are the switch Sundays. */
		{ "2026-03-27T10:00", "1 business day", "2026-03-30T10:00:00+02:00" },
		{ "2026-03-27T16:00", "2 business hours", "2026-03-30T09:00:00+02:00" },
		{ "2026-10-23T10:00", "1 business day", "2026-10-26T10:00:00+01:00" },
		{ "2026-10-23T16:00", "2 business hours", "2026-10-26T09:00:00+01:00" },
		/* Calendar time: days are local, hours elapsed. */
		{ "2026-03-28T12:00", "1 day", "2026-03-29T12:00:00+02:00" },
		{ "2026-03-28T12:00", "24h", "2026-03-29T13:00:00+02:00" },
		{ "2026-10-24T12:00", "1d", "2026-10-25T12:00:00+01:00" },
		{ "2026-10-24T12:00", "24 hours", "2026-10-25T11:00:00+01:00" },
		{ "2026-03-28T02:30", "1 day", "2026-03-29T03:30:00+02:00" },
		{ "2026-03-29T01:30", "2h", "2026-03-29T04:30:00+02:00" },
	};
	static const char *const always[] = { "AlwaysOpen", "yes", NULL };
	static const struct due_case service[] = {
		/* 24/7: business hours are elapsed hours, even on 23-hour days. */
		{ "2026-03-28T12:00", "24 business hours", "2026-03-29T13:00:00+02:00" },
		{ "2026-10-24T12:00", "24 business hours", "2026-10-25T11:00:00+01:00" },
		{ "2026-03-28T12:00", "1 business day", "2026-03-29T12:00:00+02:00" },
		{ "2026-12-24T12:00", "1 business day", "2026-12-25T12:00:00+01:00" },
		{ "2026-12-31T23:30", "1 business hour", "2027-01-01T00:30:00+01:00" },
	};
	struct cal *c = new_cal(NULL);
	CHECK_CASES(c, office);
	cal_free(c);
	c = new_cal(always);
	CHECK_CASES(c, service);
	int64_t m;
	T_EQ_INT(0,
	         cal_business_between(c, at(c, "2026-03-29T00:00"), at(c, "2026-03-30T00:00"), &m));
	T_EQ_INT(23 * HOUR, m);
	T_EQ_INT(0,
	         cal_business_between(c, at(c, "2026-10-25T00:00"), at(c, "2026-10-26T00:00"), &m));
	T_EQ_INT(25 * HOUR, m);
	cal_free(c);
}

static void test_office_hours_spanning_dst(void)
{
	/* Office hours 00:00-06:00 on the switch days are 5 and 7 real hours. */
	static const char *const opts[] = { "SundayHours", "00:00-06:00", NULL };
	struct cal *c = new_cal(opts);
	int64_t o, e;
	T_EQ_INT(1, cal_office_hours(c, civil_days_from_date(2026, 3, 29), &o, &e));
	T_EQ_INT(5 * HOUR, e - o);
	T_EQ_INT(1, cal_office_hours(c, civil_days_from_date(2026, 10, 25), &o, &e));
	T_EQ_INT(7 * HOUR, e - o);
	T_EQ_INT(0, cal_office_hours(c, civil_days_from_date(2026, 12, 25), &o, &e));
	cal_free(c);
	/* Opening inside the spring gap: 02:30 is read as 03:30. */
	static const char *const gap[] = { "SundayHours", "02:30-04:00", NULL };
	c = new_cal(gap);
	T_EQ_INT(1, cal_office_hours(c, civil_days_from_date(2026, 3, 29), &o, &e));
	T_EQ_INT(30 * MINUTE, e - o);
	cal_free(c);
}

static void test_interval_queries(void)
{
	struct cal *c = new_cal(NULL);
	int64_t o, e, t;
	char buf[CAL_INSTANT_BUF];
	T_EQ_INT(1, cal_is_business_time(c, at(c, "2026-11-23T08:00")));
	T_EQ_INT(1, cal_is_business_time(c, at(c, "2026-11-23T16:59:59")));
	T_EQ_INT(0, cal_is_business_time(c, at(c, "2026-11-23T17:00")));
	T_EQ_INT(0, cal_is_business_time(c, at(c, "2026-11-21T12:00")));
	T_EQ_INT(0, cal_is_business_time(c, at(c, "2026-12-24T12:00")));
	T_EQ_INT(0, cal_next_interval(c, at(c, "2026-12-23T17:00"), &o, &e));
	T_EQ_STR("2026-12-28T08:00:00+01:00", cal_format_instant(c, o, buf, sizeof(buf), NULL));
	T_EQ_STR("2026-12-28T17:00:00+01:00", cal_format_instant(c, e, buf, sizeof(buf), NULL));
	T_EQ_INT(0, cal_next_interval(c, at(c, "2026-12-23T12:00"), &o, &e));
	T_EQ_STR("2026-12-23T08:00:00+01:00", cal_format_instant(c, o, buf, sizeof(buf), NULL));
	T_EQ_INT(0, cal_next_business(c, at(c, "2026-12-23T12:00"), &t));
	T_EQ_STR("2026-12-23T12:00:00+01:00", cal_format_instant(c, t, buf, sizeof(buf), NULL));
	T_EQ_INT(0, cal_next_business(c, at(c, "2026-12-23T18:00"), &t));
	T_EQ_STR("2026-12-28T08:00:00+01:00", cal_format_instant(c, t, buf, sizeof(buf), NULL));
	int64_t dn;
	T_EQ_INT(0, cal_local_day(c, at(c, "2026-12-23T00:30"), &dn));
	T_EQ_INT(civil_days_from_date(2026, 12, 23), dn);
	/* Beyond the calendar's years. */
	T_EQ_INT(-ERANGE, cal_next_business(c, at(c, "2100-12-31T18:00"), &t));
	cal_free(c);
	/* A calendar that is never open. */
	static const char *const never[] = { "Hours", "closed", NULL };
	c = new_cal(never);
	T_EQ_INT(-ENOENT, cal_next_business(c, at(c, "2026-12-23T18:00"), &t));
	T_EQ_INT(-ENOENT, cal_add_business_time(c, at(c, "2026-12-23T18:00"), HOUR, &t));
	cal_free(c);
}

static void test_between_and_left(void)
{
	struct cal *c = new_cal(NULL);
	struct cal_duration d;
	int64_t m, due;
	T_EQ_INT(0,
	         cal_business_between(c, at(c, "2026-12-23T16:00"), at(c, "2026-12-28T16:00"), &m));
	T_EQ_INT(9 * HOUR, m);
	T_EQ_INT(0,
	         cal_business_between(c, at(c, "2026-12-28T16:00"), at(c, "2026-12-23T16:00"), &m));
	T_EQ_INT(-9 * HOUR, m);
	T_EQ_INT(0,
	         cal_business_between(c, at(c, "2026-11-21T00:00"), at(c, "2026-11-22T23:00"), &m));
	T_EQ_INT(0, m);
	T_EQ_INT(0, cal_duration_parse("1 business day", &d));
	T_EQ_INT(0, cal_add_duration(c, at(c, "2026-11-20T16:45"), &d, &due));
	T_EQ_INT(0, cal_time_left(c, &d, at(c, "2026-11-21T12:00"), due, &m));
	T_EQ_INT(8 * HOUR + 45 * MINUTE, m);
	T_EQ_INT(0, cal_time_left(c, &d, at(c, "2026-11-24T08:00"), due, &m));
	T_EQ_INT(-(15 * MINUTE), m);
	T_EQ_INT(0, cal_duration_parse("3 days", &d));
	T_EQ_INT(0, cal_time_left(c, &d, at(c, "2026-11-21T12:00"), at(c, "2026-11-22T12:00"), &m));
	T_EQ_INT(24 * HOUR, m);
	cal_free(c);
}

static void test_fraction_point(void)
{
	struct cal *c = new_cal(NULL);
	struct cal_duration d;
	int64_t due, p;
	char buf[CAL_INSTANT_BUF];
	T_EQ_INT(0, cal_duration_parse("1 business day", &d));
	T_EQ_INT(0, cal_add_duration(c, at(c, "2026-11-23T08:00"), &d, &due));
	T_EQ_INT(0, cal_fraction_point(c, &d, at(c, "2026-11-23T08:00"), due, 3, 4, &p));
	T_EQ_STR("2026-11-23T14:45:00+01:00", cal_format_instant(c, p, buf, sizeof(buf), NULL));
	/* Friday 16:00 + 4 business hours = Monday 11:00; half way is 09:00. */
	T_EQ_INT(0, cal_duration_parse("4 business hours", &d));
	T_EQ_INT(0, cal_add_duration(c, at(c, "2026-11-20T16:00"), &d, &due));
	T_EQ_INT(0, cal_fraction_point(c, &d, at(c, "2026-11-20T16:00"), due, 1, 2, &p));
	T_EQ_STR("2026-11-23T09:00:00+01:00", cal_format_instant(c, p, buf, sizeof(buf), NULL));
	T_EQ_INT(0, cal_duration_parse("2 days", &d));
	T_EQ_INT(0, cal_fraction_point(c, &d, at(c, "2026-11-20T16:00"), at(c, "2026-11-22T16:00"),
	                               1, 4, &p));
	T_EQ_STR("2026-11-21T04:00:00+01:00", cal_format_instant(c, p, buf, sizeof(buf), NULL));
	T_EQ_INT(-EINVAL, cal_fraction_point(c, &d, 10, 5, 1, 2, &p));
	T_EQ_INT(-EINVAL, cal_fraction_point(c, &d, 0, 5, 3, 2, &p));
	cal_free(c);
}

/* A small deterministic PRNG (xorshift64*), so failures reproduce. */
static uint64_t rng_state = 0x9e3779b97f4a7c15u;
static uint64_t rng(void)
{
	rng_state ^= rng_state >> 12;
	rng_state ^= rng_state << 25;
	rng_state ^= rng_state >> 27;
	return rng_state * 0x2545f4914f6cdd1du;
}

static void roundtrip(const struct cal *c, int n)
{
	int64_t lo = at(c, "2024-01-01T00:00"), hi = at(c, "2030-12-31T00:00");
	int fails = 0;
	for (int i = 0; i < n && fails < 5; i++) {
		int64_t t =
		        lo + (int64_t)(rng() % (uint64_t)((hi - lo) / USEC_PER_SEC)) * USEC_PER_SEC;
		int64_t dur = (int64_t)(rng() % (200 * 60)) * MINUTE +
		              (int64_t)(rng() % 60) * USEC_PER_SEC;
		int64_t due, back, nb;
		if (cal_add_business_time(c, t, dur, &due) < 0 ||
		    cal_business_between(c, t, due, &back) < 0 ||
		    cal_next_business(c, t, &nb) < 0) {
			T_FAIL_("error at t=%lld", (long long)t);
			fails++;
			continue;
		}
		if (back != dur || due < t || (dur > 0 && due <= nb)) {
			T_FAIL_("t=%lld dur=%lld: due=%lld measured back %lld", (long long)t,
			        (long long)dur, (long long)due, (long long)back);
			fails++;
		}
	}
}

static void test_add_then_measure_back(void)
{
	struct cal *c = new_cal(NULL);
	roundtrip(c, 3000);
	cal_free(c);
	static const char *const odd[] = {
		"MondayHours",
		"07:30-16:15",
		"SaturdayHours",
		"10:00-13:00",
		"SundayHours",
		"00:00-03:30",
		"Valborgsmassoafton",
		"half 12:00",
		"Julafton",
		"half 11:00",
		"HalfDay",
		"2026-03-27 09:45",
		NULL,
	};
	c = new_cal(odd);
	roundtrip(c, 3000);
	cal_free(c);
	static const char *const always[] = { "AlwaysOpen", "yes", NULL };
	c = new_cal(always);
	roundtrip(c, 1000);
	cal_free(c);
}

static void test_business_days_properties(void)
{
	struct cal *c = new_cal(NULL);
	int64_t lo = at(c, "2024-01-01T00:00"), hi = at(c, "2030-12-31T00:00");
	for (int i = 0; i < 1000; i++) {
		int64_t t = lo + (int64_t)(rng() % (uint64_t)((hi - lo) / (60 * USEC_PER_SEC))) *
		                         60 * USEC_PER_SEC;
		int64_t n = 1 + (int64_t)(rng() % 10), a, b, m;
		if (cal_add_business_days(c, t, n, &a) < 0 ||
		    cal_add_business_days(c, t, n + 1, &b) < 0 ||
		    cal_business_between(c, t, a, &m) < 0) {
			T_FAIL_("error at %lld", (long long)t);
			break;
		}
		/* Monotone, never more than n full days, and more than n-1
		 * (the default calendar has no half days). */
		if (!(a < b && m <= n * 9 * HOUR && m > (n - 1) * 9 * HOUR)) {
			T_FAIL_("t=%lld n=%lld: a=%lld b=%lld measured %lld", (long long)t,
			        (long long)n, (long long)a, (long long)b, (long long)m);
			break;
		}
		/* The due instant is inside or at the end of office hours. */
		int64_t o, e;
		if (cal_next_interval(c, a - 1, &o, &e) < 0 || a < o || a > e) {
			T_FAIL_("t=%lld n=%lld: due %lld outside office hours", (long long)t,
			        (long long)n, (long long)a);
			break;
		}
	}
	cal_free(c);
}

static void test_duration_parse(void)
{
	static const struct {
		const char *s;
		enum cal_unit unit;
		int64_t count;
		const char *canonical;
	} ok[] = {
		{ "1 business day", CAL_UNIT_BUSINESS_DAYS, 1, "1 business day" },
		{ "2 business days", CAL_UNIT_BUSINESS_DAYS, 2, "2 business days" },
		{ "4 business hours", CAL_UNIT_BUSINESS_HOURS, 4, "4 business hours" },
		{ "30 business minutes", CAL_UNIT_BUSINESS_MINUTES, 30, "30 business minutes" },
		{ "  1  Business\tHour ", CAL_UNIT_BUSINESS_HOURS, 1, "1 business hour" },
		{ "2h", CAL_UNIT_HOURS, 2, "2 hours" },
		{ "90min", CAL_UNIT_MINUTES, 90, "90 minutes" },
		{ "45m", CAL_UNIT_MINUTES, 45, "45 minutes" },
		{ "3 days", CAL_UNIT_DAYS, 3, "3 days" },
		{ "1d", CAL_UNIT_DAYS, 1, "1 day" },
		{ "2 weeks", CAL_UNIT_WEEKS, 2, "2 weeks" },
		{ "1w", CAL_UNIT_WEEKS, 1, "1 week" },
		{ "0 business days", CAL_UNIT_BUSINESS_DAYS, 0, "0 business days" },
		{ "3660 days", CAL_UNIT_DAYS, 3660, "3660 days" },
		{ "87840 business hours", CAL_UNIT_BUSINESS_HOURS, 87840, "87840 business hours" },
	};
	static const char *const bad[] = {
		"",
		"1",
		"business day",
		"day",
		"-1 day",
		"+1 day",
		"1.5 hours",
		"1,5h",
		"1 business",
		"1 businessday",
		"1 business week",
		"1 business h",
		"2 fortnights",
		"1 day 2 hours",
		"1h30m",
		"1 dayz",
		"3661 days",
		"523 weeks",
		"87841 hours",
		"1234567890 minutes",
		"1 day.",
		"1\nday",
		"one day",
		"1 dag",
		"0x10 days",
		"1 business  day extra",
	};
	struct cal_duration d;
	char buf[64];
	for (size_t i = 0; i < sizeof(ok) / sizeof(ok[0]); i++) {
		if (cal_duration_parse(ok[i].s, &d) != 0) {
			T_FAIL_("rejected \"%s\"", ok[i].s);
			continue;
		}
		T_EQ_INT(ok[i].unit, d.unit);
		T_EQ_INT(ok[i].count, d.count);
		T_EQ_STR(ok[i].canonical, cal_duration_format(&d, buf, sizeof(buf)));
	}
	d.count = 77;
	for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++)
		if (cal_duration_parse(bad[i], &d) != -EINVAL)
			T_FAIL_("accepted \"%s\"", bad[i]);
	T_EQ_INT(77, d.count);
	T_EQ_INT(0, cal_duration_parse("4 business hours", &d));
	T_EQ_INT(1, cal_duration_is_business(&d));
	T_EQ_INT(0, cal_duration_parse("4 hours", &d));
	T_EQ_INT(0, cal_duration_is_business(&d));
}

static void test_long_durations_stay_bounded(void)
{
	struct cal *c = new_cal(NULL);
	struct cal_duration d;
	int64_t due;
	T_EQ_INT(0, cal_duration_parse("3660 business days", &d));
	T_EQ_INT(0, cal_add_duration(c, at(c, "2026-01-01T00:00"), &d, &due));
	T_EQ_INT(0, cal_duration_parse("87840 business hours", &d));
	T_EQ_INT(0, cal_add_duration(c, at(c, "2026-01-01T00:00"), &d, &due));
	T_EQ_INT(-ERANGE, cal_add_duration(c, at(c, "2095-01-01T00:00"), &d, &due));
	cal_free(c);
}

int main(void)
{
	T_RUN(test_issue_examples);
	T_RUN(test_midsommar_with_nine_oclock_opening);
	T_RUN(test_weekends_and_office_hours);
	T_RUN(test_holidays_and_eves);
	T_RUN(test_configured_half_and_closed_days);
	T_RUN(test_dst_switches);
	T_RUN(test_office_hours_spanning_dst);
	T_RUN(test_interval_queries);
	T_RUN(test_between_and_left);
	T_RUN(test_fraction_point);
	T_RUN(test_add_then_measure_back);
	T_RUN(test_business_days_properties);
	T_RUN(test_duration_parse);
	T_RUN(test_long_durations_stay_bounded);
	return t_done();
}
