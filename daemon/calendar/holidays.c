/* Swedish public holidays and eves (rules in holidays.h). */
#include "calendar/holidays.h"

#include <errno.h>
#include <string.h>

#include "calendar/date.h"

int64_t cal_easter(int year)
{
	/* The "anonymous Gregorian algorithm" (Meeus, Astronomical
	 * Algorithms, ch. 8; Jones 1876; Butcher 1876). */
	int a = year % 19, b = year / 100, c = year % 100;
	int d = b / 4, e = b % 4, f = (b + 8) / 25, g = (b - f + 1) / 3;
	int h = (19 * a + b - d - g + 15) % 30;
	int i = c / 4, k = c % 4;
	int l = (32 + 2 * e + 2 * i - h - k) % 7;
	int m = (a + 11 * h + 22 * l) / 451;
	int month = (h + l - 7 * m + 114) / 31;
	int day = (h + l - 7 * m + 114) % 31 + 1;
	return civil_days_from_date(year, month, day);
}

/* The first Saturday on or after year-month-day. */
static int64_t saturday_from(int year, int month, int day)
{
	int64_t dn = civil_days_from_date(year, month, day);
	return dn + (CAL_SATURDAY - civil_weekday(dn) + 7) % 7;
}

int64_t cal_midsommardagen(int year)
{
	return saturday_from(year, 6, 20);
}

int64_t cal_alla_helgons_dag(int year)
{
	return saturday_from(year, 10, 31);
}

static const char *joined_name(const char *a, const char *b)
{
	static const char *const joined[][3] = {
		{ "första maj", "Kristi himmelsfärdsdag", "första maj och Kristi himmelsfärdsdag" },
		{ "pingstdagen", "Sveriges nationaldag", "pingstdagen och Sveriges nationaldag" },
	};
	for (size_t i = 0; i < sizeof(joined) / sizeof(joined[0]); i++)
		if (strcmp(a, joined[i][0]) == 0 && strcmp(b, joined[i][1]) == 0)
			return joined[i][2];
	return a;
}

int cal_holidays(int year, struct cal_named_day *out)
{
	int n = 0;
	if (year < CAL_YEAR_MIN || year > CAL_YEAR_MAX)
		return -ERANGE;
	int64_t easter = cal_easter(year);
	int64_t pingst = easter + 49;

#define ADD(day, nm) (out[n].dn = (day), out[n].name = (nm), n++)
	ADD(civil_days_from_date(year, 1, 1), "nyårsdagen");
	ADD(civil_days_from_date(year, 1, 6), "trettondedag jul");
	ADD(easter - 2, "långfredagen");
	ADD(easter, "påskdagen");
	ADD(easter + 1, "annandag påsk");
	ADD(civil_days_from_date(year, 5, 1), "första maj");
	ADD(easter + 39, "Kristi himmelsfärdsdag");
	ADD(pingst, "pingstdagen");
	if (year < 2005)
		ADD(pingst + 1, "annandag pingst");
	else
		ADD(civil_days_from_date(year, 6, 6), "Sveriges nationaldag");
	ADD(cal_midsommardagen(year), "midsommardagen");
	ADD(cal_alla_helgons_dag(year), "alla helgons dag");
	ADD(civil_days_from_date(year, 12, 25), "juldagen");
	ADD(civil_days_from_date(year, 12, 26), "annandag jul");
#undef ADD
	/* Movable feasts interleave with fixed days (pingst is 10 May ..
	 * 13 June, either side of 6 June): sort, stably. */
	for (int i = 1; i < n; i++)
		for (int j = i; j > 0 && out[j - 1].dn > out[j].dn; j--) {
			struct cal_named_day tmp = out[j];
			out[j] = out[j - 1];
			out[j - 1] = tmp;
		}
	/* Kristi himmelsfärd can fall on 1 May (2008) and pingstdagen on
	 * 6 June (2049): one day, one entry, both names. */
	for (int i = 0; i + 1 < n; i++)
		if (out[i].dn == out[i + 1].dn) {
			out[i].name = joined_name(out[i].name, out[i + 1].name);
			for (int j = i + 1; j + 1 < n; j++)
				out[j] = out[j + 1];
			n--;
		}
	return n;
}

const char *cal_holiday_name(int64_t dn)
{
	struct cal_named_day days[CAL_HOLIDAYS_MAX];
	int n = cal_holidays(civil_date_from_days(dn).year, days);
	for (int i = 0; i < n; i++)
		if (days[i].dn == dn)
			return days[i].name;
	return NULL;
}

int64_t cal_eve_day(enum cal_eve eve, int year)
{
	switch (eve) {
	case CAL_EVE_TRETTONDAGSAFTON:
		return civil_days_from_date(year, 1, 5);
	case CAL_EVE_VALBORGSMASSOAFTON:
		return civil_days_from_date(year, 4, 30);
	case CAL_EVE_MIDSOMMARAFTON:
		return cal_midsommardagen(year) - 1;
	case CAL_EVE_ALLHELGONAAFTON:
		return cal_alla_helgons_dag(year) - 1;
	case CAL_EVE_JULAFTON:
		return civil_days_from_date(year, 12, 24);
	case CAL_EVE_NYARSAFTON:
	default:
		return civil_days_from_date(year, 12, 31);
	}
}

const char *cal_eve_name(enum cal_eve eve)
{
	static const char *const names[CAL_EVE_COUNT] = {
		"trettondagsafton", "valborgsmässoafton", "midsommarafton",
		"allhelgonaafton",  "julafton",           "nyårsafton",
	};
	return (unsigned)eve < CAL_EVE_COUNT ? names[eve] : "?";
}
