/* Personnummer and samordningsnummer: the written forms, the century rule
 * and the date and check-digit checks (Skatteverket SKV 704). */
#include "filter/validate.h"
#include "util/civil.h"
#include "util/clock.h"

#include <stdbool.h>
#include <errno.h>
#include <string.h>

/* Compare two dates as (year, month, day); <0, 0, >0. */
static int date_cmp(int y1, int m1, int d1, int y2, int m2, int d2)
{
	if (y1 != y2)
		return y1 < y2 ? -1 : 1;
	if (m1 != m2)
		return m1 < m2 ? -1 : 1;
	if (d1 != d2)
		return d1 < d2 ? -1 : 1;
	return 0;
}

static int num2(const char *d)
{
	return (d[0] - '0') * 10 + (d[1] - '0');
}

int pnr_parse(const char *s, size_t len, time_t today, struct pnr *ret)
{
	char d[12];
	size_t nd = 0, sep_at = 0;
	char sep = 0;

	if (!s || len < 10 || len > 13)
		return -EINVAL;
	for (size_t i = 0; i < len; i++) {
		char c = s[i];
		if (c >= '0' && c <= '9') {
			if (nd == sizeof(d))
				return -EINVAL;
			d[nd++] = c;
		} else if (c == '-' || c == '+' || c == ' ') {
			if (sep)
				return -EINVAL;
			sep = c;
			sep_at = nd;
		} else {
			return -EINVAL;
		}
	}
	if (nd != 10 && nd != 12)
		return -EINVAL;
	/* The separator, if any, stands between the date and the serial. */
	if (sep && sep_at != nd - 4)
		return -EINVAL;

	const char *ten = d + (nd - 10); /* YYMMDDNNNC */
	if (!validate_luhn(ten, 10))
		return -EINVAL;
	if (ten[6] == '0' && ten[7] == '0' && ten[8] == '0')
		return -EINVAL;

	int month = num2(ten + 2);
	int dd = num2(ten + 4);
	int coordination = dd > 60;
	int day = coordination ? dd - 60 : dd;
	if (month < 1 || month > 12 || day < 1 || day > 31)
		return -EINVAL;

	struct tm tm;
	if (!localtime_r(&today, &tm))
		return -EINVAL;
	int ty = tm.tm_year + 1900, tmo = tm.tm_mon + 1, td = tm.tm_mday;

	int year;
	if (nd == 12) {
		/* The century is written out; the separator carries no age. */
		year = num2(d) * 100 + num2(ten);
	} else {
		/* The most recent century in which the person is born on or
		 * before today, i.e. younger than 100; '+' means 100 or older. */
		year = ty - ty % 100 + num2(ten);
		if (date_cmp(year, month, day, ty, tmo, td) > 0)
			year -= 100;
		if (sep == '+')
			year -= 100;
	}
	if (day > civil_days_in_month(year, month))
		return -EINVAL;
	if (date_cmp(year, month, day, ty, tmo, td) > 0)
		return -EINVAL;
	if (year < 0 || year > 9999)
		return -EINVAL;

	if (ret) {
		ret->year = year;
		ret->month = month;
		ret->day = day;
		ret->coordination = coordination;
		ret->digits[0] = (char)('0' + year / 1000);
		ret->digits[1] = (char)('0' + year / 100 % 10);
		memcpy(ret->digits + 2, ten, 10);
		ret->digits[12] = '\0';
	}
	return 0;
}

bool validate_personnummer(const char *s, size_t len)
{
	struct pnr p;
	return pnr_parse(s, len, clock_now(), &p) == 0 && !p.coordination;
}

bool validate_samordningsnummer(const char *s, size_t len)
{
	struct pnr p;
	return pnr_parse(s, len, clock_now(), &p) == 0 && p.coordination;
}

bool validate_pnr(const char *s, size_t len)
{
	return pnr_parse(s, len, clock_now(), NULL) == 0;
}
