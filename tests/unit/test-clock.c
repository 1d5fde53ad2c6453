#include "t.h"
#include "util/clock.h"

#include <errno.h>

static void test_iso8601_with_offset(void)
{
	int64_t us;
	T_EQ_INT(0, clock_parse_iso8601("2026-06-18T07:00:00+02:00", &us));
	T_EQ_INT(INT64_C(1781758800) * USEC_PER_SEC, us);
	T_EQ_INT(0, clock_parse_iso8601("2026-06-18T05:00:00Z", &us));
	T_EQ_INT(INT64_C(1781758800) * USEC_PER_SEC, us);
	T_EQ_INT(0, clock_parse_iso8601("2026-06-18T05:00:00.250Z", &us));
	T_EQ_INT(INT64_C(1781758800) * USEC_PER_SEC + 250000, us);
}

static void test_iso8601_rejects_garbage(void)
{
	int64_t us = 42;
	T_EQ_INT(-EINVAL, clock_parse_iso8601("2026-06-18", &us));
	T_EQ_INT(-EINVAL, clock_parse_iso8601("2026-13-18T05:00:00Z", &us));
	T_EQ_INT(-EINVAL, clock_parse_iso8601("2026-06-18T05:00:00", &us));
	T_EQ_INT(-EINVAL, clock_parse_iso8601("2026-06-18T05:00:00Zjunk", &us));
	T_EQ_INT(42, us);
}

/* An offset that carries the instant out of years 0000-9999 in UTC: it
 * could not be written back in four digits (found by fuzz-time). */
static void test_iso8601_rejects_years_out_of_range_in_utc(void)
{
	int64_t us = 42;
	T_EQ_INT(-EINVAL, clock_parse_iso8601("0000-01-01T00:00+14:00", &us));
	T_EQ_INT(-EINVAL, clock_parse_iso8601("9999-12-31T23:00-14:00", &us));
	T_EQ_INT(42, us);
	T_EQ_INT(0, clock_parse_iso8601("0000-01-01T00:00Z", &us));
	T_EQ_INT(0, clock_parse_iso8601("9999-12-31T23:59:59Z", &us));
}

static void test_spec_with_factor(void)
{
	int64_t start;
	double f;
	T_EQ_INT(0, clock_parse_spec("2026-06-18T07:00:00+02:00,x3600", &start, &f));
	T_EQ_INT(3600, (long long)f);
	T_EQ_INT(0, clock_parse_spec("2026-06-18T07:00:00+02:00", &start, &f));
	T_EQ_INT(1, (long long)f);
	T_EQ_INT(-EINVAL, clock_parse_spec("2026-06-18T07:00:00+02:00,x0.5", &start, &f));
	T_EQ_INT(-EINVAL, clock_parse_spec(",x10", &start, &f));
}

static void test_simulated_clock_runs_fast(void)
{
	int64_t start = INT64_C(1781758800) * USEC_PER_SEC;
	clock_set_simulated(start, 3600.0);
	int64_t a = clock_now_usec();
	T_ASSERT(a >= start && a < start + 3600 * USEC_PER_SEC);
	struct timeval tv = clock_sim_to_real(3600 * USEC_PER_SEC);
	T_EQ_INT(1, tv.tv_sec);
	T_EQ_INT(0, tv.tv_usec);
	double f = 0;
	T_EQ_INT(1, clock_is_simulated(&f));
	clock_set_real();
	T_EQ_INT(0, clock_is_simulated(NULL));
	tv = clock_sim_to_real(1500);
	T_EQ_INT(1500, tv.tv_usec);
}

static void test_spec_manual(void)
{
	int64_t start;
	double f = 1;
	T_EQ_INT(0, clock_parse_spec("2026-06-18T07:00:00+02:00,manual", &start, &f));
	T_EQ_INT(INT64_C(1781758800) * USEC_PER_SEC, start);
	T_ASSERT(f == CLOCK_MANUAL);
	T_EQ_INT(-EINVAL, clock_parse_spec("2026-06-18T07:00:00+02:00,manually", &start, &f));
	T_EQ_INT(-EINVAL, clock_parse_spec("2026-06-18T07:00:00+02:00,", &start, &f));
}

int main(void)
{
	T_RUN(test_iso8601_with_offset);
	T_RUN(test_iso8601_rejects_garbage);
	T_RUN(test_iso8601_rejects_years_out_of_range_in_utc);
	T_RUN(test_spec_with_factor);
	T_RUN(test_spec_manual);
	T_RUN(test_simulated_clock_runs_fast);
	return t_done();
}
