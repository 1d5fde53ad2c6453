/* util/: civil dates (the one implementation of Gregorian date
 * arithmetic), digits and the yes/no parser. */
#include <errno.h>

#include "t.h"

#include "util/civil.h"
#include "util/yesno.h"

static void test_epoch_and_known_days(void)
{
	T_EQ_INT(0, civil_days_from_date(1970, 1, 1));
	T_EQ_INT(-1, civil_days_from_date(1969, 12, 31));
	T_EQ_INT(10957, civil_days_from_date(2000, 1, 1));
	T_EQ_INT(20790, civil_days_from_date(2026, 12, 3));
	T_EQ_INT(3, civil_weekday(0));     /* Thursday */
	T_EQ_INT(6, civil_weekday(-4));    /* Sunday 1969-12-28 */
	T_EQ_INT(3, civil_weekday(20790)); /* Thursday 2026-12-03 */
}

static void test_round_trip_1600_to_2400(void)
{
	int bad = 0;
	int64_t prev = civil_days_from_date(1600, 1, 1) - 1;
	for (int y = 1600; y <= 2400; y++)
		for (int m = 1; m <= 12; m++)
			for (int d = 1; d <= civil_days_in_month(y, m); d++) {
				int64_t dn = civil_days_from_date(y, m, d);
				struct civil_date c = civil_date_from_days(dn);
				if (dn != prev + 1 || c.year != y || c.month != m || c.day != d)
					bad++;
				prev = dn;
			}
	T_EQ_INT(0, bad);
}

static void test_leap_years_and_month_lengths(void)
{
	T_ASSERT(civil_is_leap(2024));
	T_ASSERT(civil_is_leap(2000));
	T_ASSERT(!civil_is_leap(1900));
	T_ASSERT(!civil_is_leap(2026));
	T_EQ_INT(29, civil_days_in_month(2028, 2));
	T_EQ_INT(28, civil_days_in_month(2100, 2));
	T_EQ_INT(31, civil_days_in_month(2026, 12));
	T_EQ_INT(30, civil_days_in_month(2026, 11));
	T_EQ_INT(0, civil_days_in_month(2026, 13));
	T_EQ_INT(0, civil_days_in_month(2026, 0));
}

static void test_digits(void)
{
	int v = -1;
	T_EQ_INT(0, civil_digits("2026-", 4, &v));
	T_EQ_INT(2026, v);
	T_EQ_INT(0, civil_digits("07", 2, &v));
	T_EQ_INT(7, v);
	v = -1;
	T_EQ_INT(-EINVAL, civil_digits("2a", 2, &v));
	T_EQ_INT(-EINVAL, civil_digits("+1", 2, &v));
	T_EQ_INT(-EINVAL, civil_digits(" 1", 2, &v));
	T_EQ_INT(-EINVAL, civil_digits("1", 2, &v)); /* stops at the NUL */
	T_EQ_INT(-EINVAL, civil_digits("1234567890", 10, &v));
	T_EQ_INT(-1, v); /* written only on success */
}

static void test_yesno(void)
{
	bool b = false;
	T_EQ_INT(0, yesno_parse("yes", &b));
	T_ASSERT(b);
	T_EQ_INT(0, yesno_parse("False", &b));
	T_ASSERT(!b);
	T_EQ_INT(0, yesno_parse("ON", &b));
	T_ASSERT(b);
	T_EQ_INT(0, yesno_parse("0", &b));
	T_ASSERT(!b);
	b = true;
	T_EQ_INT(-EINVAL, yesno_parse("ja", &b));
	T_EQ_INT(-EINVAL, yesno_parse("", &b));
	T_EQ_INT(-EINVAL, yesno_parse("yes ", &b));
	T_ASSERT(b); /* unchanged on error */
}

int main(void)
{
	T_RUN(test_epoch_and_known_days);
	T_RUN(test_round_trip_1600_to_2400);
	T_RUN(test_leap_years_and_month_lengths);
	T_RUN(test_digits);
	T_RUN(test_yesno);
	return t_done();
}
