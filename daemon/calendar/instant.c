/* Local-time instants: parsing FROM arguments and printing due instants. */
#include "calendar/instant.h"

#include <errno.h>
#include <stdio.h>
#include <string.h>

#include "util/civil.h"
#include "util/clock.h"

int cal_parse_instant(const struct cal *c, const char *s, int64_t *ret_usec)
{
	char date[11];
	int64_t dn, t;
	int h, m, sec = 0;
	size_t n = strlen(s);

	if (clock_parse_iso8601(s, &t) == 0) {
		int64_t secs = t / USEC_PER_SEC;
		struct civil_date d = civil_date_from_days(secs / 86400);
		if (d.year < CAL_YEAR_MIN || d.year > CAL_YEAR_MAX)
			return -EINVAL;
		*ret_usec = t;
		return 0;
	}
	if ((n != 16 && n != 19) || (s[10] != 'T' && s[10] != ' ') || s[13] != ':')
		return -EINVAL;
	memcpy(date, s, 10);
	date[10] = '\0';
	if (cal_parse_date(date, &dn) < 0 || civil_digits(s + 11, 2, &h) < 0 ||
	    civil_digits(s + 14, 2, &m) < 0 || h > 23 || m > 59)
		return -EINVAL;
	if (n == 19 && (s[16] != ':' || civil_digits(s + 17, 2, &sec) < 0 || sec > 59))
		return -EINVAL;
	if (cal_tz_from_local(cal_timezone(c), dn, h * 3600 + m * 60 + sec, &t) < 0)
		return -EINVAL;
	*ret_usec = t * USEC_PER_SEC;
	return 0;
}

char *cal_format_instant(const struct cal *c, int64_t usec, char *buf, size_t len, int *ret_weekday)
{
	struct cal_local l;
	int64_t secs = usec / USEC_PER_SEC;
	if (usec < 0 && usec % USEC_PER_SEC)
		secs--;
	if (cal_tz_to_local(cal_timezone(c), secs, &l) < 0) {
		snprintf(buf, len, "?");
		return buf;
	}
	struct civil_date d = civil_date_from_days(l.dn);
	int off = l.utc_offset < 0 ? -l.utc_offset : l.utc_offset;
	snprintf(buf, len, "%04d-%02d-%02dT%02d:%02d:%02d%c%02d:%02d", d.year, d.month, d.day,
	         l.sec_of_day / 3600, l.sec_of_day / 60 % 60, l.sec_of_day % 60,
	         l.utc_offset < 0 ? '-' : '+', off / 3600, off / 60 % 60);
	if (ret_weekday)
		*ret_weekday = civil_weekday(l.dn);
	return buf;
}
