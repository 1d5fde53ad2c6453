/* Civil date arithmetic (H. Hinnant's algorithms) and date/time parsers. */
#include "calendar/date.h"

#include <errno.h>
#include <string.h>

int64_t cal_days_from_civil(int year, int month, int day)
{
	int64_t y = (int64_t)year - (month <= 2);
	int64_t era = (y >= 0 ? y : y - 399) / 400;
	unsigned yoe = (unsigned)(y - era * 400);
	unsigned m = (unsigned)month;
	unsigned doy = (153 * (m + (m > 2 ? -3 : 9)) + 2) / 5 + (unsigned)day - 1;
	unsigned doe = yoe * 365 + yoe / 4 - yoe / 100 + doy;
	return era * 146097 + (int64_t)doe - 719468;
}

struct cal_date cal_civil_from_days(int64_t dn)
{
	int64_t z = dn + 719468;
	int64_t era = (z >= 0 ? z : z - 146096) / 146097;
	unsigned doe = (unsigned)(z - era * 146097);
	unsigned yoe = (doe - doe / 1460 + doe / 36524 - doe / 146096) / 365;
	unsigned doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
	unsigned mp = (5 * doy + 2) / 153;
	unsigned d = doy - (153 * mp + 2) / 5 + 1;
	unsigned m = mp < 10 ? mp + 3 : mp - 9;
	struct cal_date r = {
		.year = (int)((int64_t)yoe + era * 400 + (m <= 2)),
		.month = (int)m,
		.day = (int)d,
	};
	return r;
}

int cal_weekday(int64_t dn)
{
	/* Day 0 (1970-01-01) was a Thursday, weekday 3. */
	int64_t w = (dn + 3) % 7;
	return (int)(w < 0 ? w + 7 : w);
}

int cal_days_in_month(int year, int month)
{
	static const int dim[12] = { 31, 28, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31 };
	if (month < 1 || month > 12)
		return 0;
	if (month == 2 && (year % 4 == 0 && (year % 100 != 0 || year % 400 == 0)))
		return 29;
	return dim[month - 1];
}

const char *cal_weekday_name(int weekday)
{
	static const char *const names[7] = { "måndag", "tisdag", "onsdag", "torsdag",
		                              "fredag", "lördag", "söndag" };
	return weekday >= 0 && weekday < 7 ? names[weekday] : "?";
}

static int digits(const char *s, int n, int *ret)
{
	int v = 0;
	for (int i = 0; i < n; i++) {
		if (s[i] < '0' || s[i] > '9')
			return -EINVAL;
		v = v * 10 + (s[i] - '0');
	}
	*ret = v;
	return 0;
}

int cal_parse_date(const char *s, int64_t *ret_dn)
{
	int y, m, d;
	if (strlen(s) != 10 || s[4] != '-' || s[7] != '-' || digits(s, 4, &y) < 0 ||
	    digits(s + 5, 2, &m) < 0 || digits(s + 8, 2, &d) < 0)
		return -EINVAL;
	if (y < CAL_YEAR_MIN || y > CAL_YEAR_MAX || m < 1 || m > 12 || d < 1 ||
	    d > cal_days_in_month(y, m))
		return -EINVAL;
	*ret_dn = cal_days_from_civil(y, m, d);
	return 0;
}

int cal_parse_hhmm(const char *s, int allow_24, int *ret_min)
{
	int h, m;
	if (strlen(s) != 5 || s[2] != ':' || digits(s, 2, &h) < 0 || digits(s + 3, 2, &m) < 0)
		return -EINVAL;
	if (m > 59 || h > 24 || (h == 24 && (m != 0 || !allow_24)))
		return -EINVAL;
	*ret_min = h * 60 + m;
	return 0;
}
