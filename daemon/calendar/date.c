/* Weekday names and the calendar's date and time parsers. */
#include "calendar/date.h"

#include <errno.h>
#include <string.h>

const char *cal_weekday_name(int weekday)
{
	static const char *const names[7] = { "måndag", "tisdag", "onsdag", "torsdag",
		                              "fredag", "lördag", "söndag" };
	return weekday >= 0 && weekday < 7 ? names[weekday] : "?";
}

int cal_parse_date(const char *s, int64_t *ret_dn)
{
	int y, m, d;
	if (strlen(s) != 10 || s[4] != '-' || s[7] != '-' || civil_digits(s, 4, &y) < 0 ||
	    civil_digits(s + 5, 2, &m) < 0 || civil_digits(s + 8, 2, &d) < 0)
		return -EINVAL;
	if (y < CAL_YEAR_MIN || y > CAL_YEAR_MAX || m < 1 || m > 12 || d < 1 ||
	    d > civil_days_in_month(y, m))
		return -EINVAL;
	*ret_dn = civil_days_from_date(y, m, d);
	return 0;
}

int cal_parse_hhmm(const char *s, int allow_24, int *ret_min)
{
	int h, m;
	if (strlen(s) != 5 || s[2] != ':' || civil_digits(s, 2, &h) < 0 ||
	    civil_digits(s + 3, 2, &m) < 0)
		return -EINVAL;
	if (m > 59 || h > 24 || (h == 24 && (m != 0 || !allow_24)))
		return -EINVAL;
	*ret_min = h * 60 + m;
	return 0;
}
