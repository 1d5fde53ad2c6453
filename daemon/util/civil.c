/* Civil date arithmetic (H. Hinnant, "chrono-Compatible Low-Level Date
 * Algorithms"). */
#include "util/civil.h"

#include <errno.h>

int64_t civil_days_from_date(int year, int month, int day)
{
	int64_t y = (int64_t)year - (month <= 2);
	int64_t era = (y >= 0 ? y : y - 399) / 400;
	unsigned yoe = (unsigned)(y - era * 400);
	unsigned m = (unsigned)month;
	unsigned doy = (153 * (m + (m > 2 ? -3 : 9)) + 2) / 5 + (unsigned)day - 1;
	unsigned doe = yoe * 365 + yoe / 4 - yoe / 100 + doy;
	return era * 146097 + (int64_t)doe - 719468;
}

struct civil_date civil_date_from_days(int64_t dn)
{
	int64_t z = dn + 719468;
	int64_t era = (z >= 0 ? z : z - 146096) / 146097;
	unsigned doe = (unsigned)(z - era * 146097);
	unsigned yoe = (doe - doe / 1460 + doe / 36524 - doe / 146096) / 365;
	unsigned doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
	unsigned mp = (5 * doy + 2) / 153;
	unsigned d = doy - (153 * mp + 2) / 5 + 1;
	unsigned m = mp < 10 ? mp + 3 : mp - 9;
	return (struct civil_date){
		.year = (int)((int64_t)yoe + era * 400 + (m <= 2)),
		.month = (int)m,
		.day = (int)d,
	};
}

int civil_weekday(int64_t dn)
{
	/* Day 0 (1970-01-01) was a Thursday, weekday 3. */
	int64_t w = (dn + 3) % 7;
	return (int)(w < 0 ? w + 7 : w);
}

bool civil_is_leap(int year)
{
	return year % 4 == 0 && (year % 100 != 0 || year % 400 == 0);
}

int civil_days_in_month(int year, int month)
{
	static const int dim[12] = { 31, 28, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31 };
	if (month < 1 || month > 12)
		return 0;
	if (month == 2 && civil_is_leap(year))
		return 29;
	return dim[month - 1];
}

int civil_digits(const char *s, int n, int *ret)
{
	int v = 0;
	if (n < 1 || n > 9)
		return -EINVAL;
	for (int i = 0; i < n; i++) {
		if (s[i] < '0' || s[i] > '9')
			return -EINVAL;
		v = v * 10 + (s[i] - '0');
	}
	*ret = v;
	return 0;
}
