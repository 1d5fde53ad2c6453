/* Tests of the Swedish calendar: holidays, eves, the calendar object, its
 * configuration parsers and the time-zone conversion. */
#include "t.h"

#include <errno.h>

#include "calendar/cal-config.h"
#include "calendar/cal.h"
#include "calendar/holidays.h"
#include "calendar/instant.h"
#include "util/clock.h"

/* Easter Sunday 2000-2100.  Generated with python-dateutil's easter()
 * (Oudin's 1940 method, independent of the Meeus/Jones/Butcher algorithm
 * in holidays.c); 2000-2030 also checked by hand against church
 * calendars. */
static const int easter_table[][3] = {
	{ 2000, 4, 23 }, { 2001, 4, 15 }, { 2002, 3, 31 }, { 2003, 4, 20 }, { 2004, 4, 11 },
	{ 2005, 3, 27 }, { 2006, 4, 16 }, { 2007, 4, 8 },  { 2008, 3, 23 }, { 2009, 4, 12 },
	{ 2010, 4, 4 },  { 2011, 4, 24 }, { 2012, 4, 8 },  { 2013, 3, 31 }, { 2014, 4, 20 },
	{ 2015, 4, 5 },  { 2016, 3, 27 }, { 2017, 4, 16 }, { 2018, 4, 1 },  { 2019, 4, 21 },
	{ 2020, 4, 12 }, { 2021, 4, 4 },  { 2022, 4, 17 }, { 2023, 4, 9 },  { 2024, 3, 31 },
	{ 2025, 4, 20 }, { 2026, 4, 5 },  { 2027, 3, 28 }, { 2028, 4, 16 }, { 2029, 4, 1 },
	{ 2030, 4, 21 }, { 2031, 4, 13 }, { 2032, 3, 28 }, { 2033, 4, 17 }, { 2034, 4, 9 },
	{ 2035, 3, 25 }, { 2036, 4, 13 }, { 2037, 4, 5 },  { 2038, 4, 25 }, { 2039, 4, 10 },
	{ 2040, 4, 1 },  { 2041, 4, 21 }, { 2042, 4, 6 },  { 2043, 3, 29 }, { 2044, 4, 17 },
	{ 2045, 4, 9 },  { 2046, 3, 25 }, { 2047, 4, 14 }, { 2048, 4, 5 },  { 2049, 4, 18 },
	{ 2050, 4, 10 }, { 2051, 4, 2 },  { 2052, 4, 21 }, { 2053, 4, 6 },  { 2054, 3, 29 },
	{ 2055, 4, 18 }, { 2056, 4, 2 },  { 2057, 4, 22 }, { 2058, 4, 14 }, { 2059, 3, 30 },
	{ 2060, 4, 18 }, { 2061, 4, 10 }, { 2062, 3, 26 }, { 2063, 4, 15 }, { 2064, 4, 6 },
	{ 2065, 3, 29 }, { 2066, 4, 11 }, { 2067, 4, 3 },  { 2068, 4, 22 }, { 2069, 4, 14 },
	{ 2070, 3, 30 }, { 2071, 4, 19 }, { 2072, 4, 10 }, { 2073, 3, 26 }, { 2074, 4, 15 },
	{ 2075, 4, 7 },  { 2076, 4, 19 }, { 2077, 4, 11 }, { 2078, 4, 3 },  { 2079, 4, 23 },
	{ 2080, 4, 7 },  { 2081, 3, 30 }, { 2082, 4, 19 }, { 2083, 4, 4 },  { 2084, 3, 26 },
	{ 2085, 4, 15 }, { 2086, 3, 31 }, { 2087, 4, 20 }, { 2088, 4, 11 }, { 2089, 4, 3 },
	{ 2090, 4, 16 }, { 2091, 4, 8 },  { 2092, 3, 30 }, { 2093, 4, 12 }, { 2094, 4, 4 },
	{ 2095, 4, 24 }, { 2096, 4, 15 }, { 2097, 3, 31 }, { 2098, 4, 20 }, { 2099, 4, 12 },
	{ 2100, 3, 28 },
};

/* Gauss's Easter algorithm (1816, with the 1811/1816 corrections), only
 * here, as a second independent computus. */
static void gauss_easter(int year, int *ret_month, int *ret_day)
{
	int a = year % 19, b = year % 4, c = year % 7;
	int k = year / 100, p = (13 + 8 * k) / 25, q = k / 4;
	int M = (15 - p + k - q) % 30, N = (4 + k - q) % 7;
	int d = (19 * a + M) % 30, e = (2 * b + 4 * c + 6 * d + N) % 7;
	int day = 22 + d + e; /* in March */
	if (d == 29 && e == 6) {
		day = 19 + 31;
	} else if (d == 28 && e == 6 && (11 * M + 11) % 30 < 19) {
		day = 18 + 31;
	}
	if (day > 31) {
		*ret_month = 4;
		*ret_day = day - 31;
	} else {
		*ret_month = 3;
		*ret_day = day;
	}
}

static int64_t D(int y, int m, int d)
{
	return civil_days_from_date(y, m, d);
}

static void test_easter_table(void)
{
	size_t n = sizeof(easter_table) / sizeof(easter_table[0]);
	T_EQ_INT(101, n);
	for (size_t i = 0; i < n; i++) {
		const int *e = easter_table[i];
		T_EQ_INT(D(e[0], e[1], e[2]), cal_easter(e[0]));
		T_EQ_INT(CAL_SUNDAY, civil_weekday(cal_easter(e[0])));
	}
}

static void test_easter_matches_gauss(void)
{
	for (int y = CAL_YEAR_MIN; y <= CAL_YEAR_MAX; y++) {
		int m, d;
		gauss_easter(y, &m, &d);
		if (cal_easter(y) != D(y, m, d))
			T_FAIL_("%d: Meeus and Gauss disagree", y);
	}
	/* The years Gauss's exceptions exist for. */
	T_EQ_INT(D(1981, 4, 19), cal_easter(1981));
	T_EQ_INT(D(1954, 4, 18), cal_easter(1954));
	T_EQ_INT(D(2049, 4, 18), cal_easter(2049));
}

static void test_holidays_2026(void)
{
	static const int want[][2] = {
		{ 1, 1 },  { 1, 6 }, { 4, 3 },  { 4, 5 },   { 4, 6 },   { 5, 1 },   { 5, 14 },
		{ 5, 24 }, { 6, 6 }, { 6, 20 }, { 10, 31 }, { 12, 25 }, { 12, 26 },
	};
	static const char *const names[] = {
		"nyårsdagen",           "trettondedag jul", "långfredagen",           "påskdagen",
		"annandag påsk",        "första maj",       "Kristi himmelsfärdsdag", "pingstdagen",
		"Sveriges nationaldag", "midsommardagen",   "alla helgons dag",       "juldagen",
		"annandag jul",
	};
	struct cal_named_day days[CAL_HOLIDAYS_MAX];
	T_EQ_INT(13, cal_holidays(2026, days));
	for (int i = 0; i < 13; i++) {
		T_EQ_INT(D(2026, want[i][0], want[i][1]), days[i].dn);
		T_EQ_STR(names[i], days[i].name);
	}
	T_EQ_INT(-ERANGE, cal_holidays(1899, days));
	T_EQ_INT(-ERANGE, cal_holidays(2101, days));
	T_EQ_INT(13, cal_holidays(1900, days));
	T_EQ_INT(13, cal_holidays(2100, days));
	/* Coinciding holidays are one entry. */
	T_EQ_INT(12, cal_holidays(2008, days));
	T_EQ_STR("första maj och Kristi himmelsfärdsdag", cal_holiday_name(D(2008, 5, 1)));
	T_EQ_INT(12, cal_holidays(2049, days));
	T_EQ_STR("pingstdagen och Sveriges nationaldag", cal_holiday_name(D(2049, 6, 6)));
}

static void test_nationaldag_and_annandag_pingst(void)
{
	/* 2004: pingst 30 May, annandag pingst 31 May, 6 June ordinary. */
	T_EQ_STR("annandag pingst", cal_holiday_name(D(2004, 5, 31)));
	T_ASSERT(cal_holiday_name(D(2004, 6, 6)) == NULL);
	/* 2005: pingst 15 May; annandag pingst gone, nationaldagen new. */
	T_EQ_STR("pingstdagen", cal_holiday_name(D(2005, 5, 15)));
	T_ASSERT(cal_holiday_name(D(2005, 5, 16)) == NULL);
	T_EQ_STR("Sveriges nationaldag", cal_holiday_name(D(2005, 6, 6)));
	for (int y = 1900; y <= 2100; y++) {
		int64_t ap = cal_easter(y) + 50;
		const char *nd = cal_holiday_name(D(y, 6, 6));
		const char *apn = cal_holiday_name(ap);
		if (y < 2005) {
			T_ASSERT(apn && strcmp(apn, "annandag pingst") == 0);
			T_ASSERT(!nd || strcmp(nd, "Sveriges nationaldag") != 0);
		} else {
			T_ASSERT(nd != NULL);
			T_ASSERT(!apn || strcmp(apn, "Sveriges nationaldag") == 0);
		}
	}
}

static void test_midsommar_and_alla_helgon(void)
{
	static const int mids[][2] = { { 2020, 20 }, { 2021, 26 }, { 2022, 25 }, { 2023, 24 },
		                       { 2024, 22 }, { 2025, 21 }, { 2026, 20 }, { 2027, 26 } };
	static const int ahd[][3] = { { 2022, 11, 5 }, { 2023, 11, 4 },  { 2024, 11, 2 },
		                      { 2025, 11, 1 }, { 2026, 10, 31 }, { 2027, 11, 6 } };
	for (size_t i = 0; i < sizeof(mids) / sizeof(mids[0]); i++)
		T_EQ_INT(D(mids[i][0], 6, mids[i][1]), cal_midsommardagen(mids[i][0]));
	for (size_t i = 0; i < sizeof(ahd) / sizeof(ahd[0]); i++)
		T_EQ_INT(D(ahd[i][0], ahd[i][1], ahd[i][2]), cal_alla_helgons_dag(ahd[i][0]));
	for (int y = 1900; y <= 2100; y++) {
		int64_t m = cal_midsommardagen(y), a = cal_alla_helgons_dag(y);
		T_ASSERT(civil_weekday(m) == CAL_SATURDAY && m >= D(y, 6, 20) && m <= D(y, 6, 26));
		T_ASSERT(civil_weekday(a) == CAL_SATURDAY && a >= D(y, 10, 31) && a <= D(y, 11, 6));
		T_ASSERT(civil_weekday(cal_eve_day(CAL_EVE_MIDSOMMARAFTON, y)) == CAL_FRIDAY);
		T_ASSERT(civil_weekday(cal_eve_day(CAL_EVE_ALLHELGONAAFTON, y)) == CAL_FRIDAY);
	}
	T_EQ_INT(D(2026, 6, 19), cal_eve_day(CAL_EVE_MIDSOMMARAFTON, 2026));
	T_EQ_INT(D(2026, 10, 30), cal_eve_day(CAL_EVE_ALLHELGONAAFTON, 2026));
}

static void test_moveable_feasts_follow_easter(void)
{
	for (int y = 1900; y <= 2100; y++) {
		int64_t e = cal_easter(y);
		T_ASSERT(cal_holiday_name(e - 2) &&
		         strcmp(cal_holiday_name(e - 2), "långfredagen") == 0);
		T_ASSERT(cal_holiday_name(e + 1) &&
		         strcmp(cal_holiday_name(e + 1), "annandag påsk") == 0);
		T_ASSERT(civil_weekday(e + 39) == CAL_THURSDAY);
		/* May share the day with första maj / nationaldagen. */
		T_ASSERT(cal_holiday_name(e + 39) &&
		         strstr(cal_holiday_name(e + 39), "Kristi himmelsfärdsdag"));
		T_ASSERT(cal_holiday_name(e + 49) &&
		         strncmp(cal_holiday_name(e + 49), "pingstdagen", 11) == 0);
	}
}

static void test_day_info_defaults(void)
{
	struct cal *c = NULL;
	struct cal_day d;
	T_EQ_INT(0, cal_new(&c));
	T_EQ_INT(0, cal_day_info(c, D(2026, 6, 19), &d));
	T_EQ_INT(CAL_DAY_DE_FACTO, d.kind);
	T_EQ_STR("midsommarafton", d.name);
	T_EQ_INT(0, cal_day_info(c, D(2026, 12, 24), &d));
	T_EQ_INT(CAL_DAY_DE_FACTO, d.kind);
	T_EQ_INT(0, cal_day_info(c, D(2026, 12, 31), &d));
	T_EQ_STR("nyårsafton", d.name);
	T_EQ_INT(0, cal_day_info(c, D(2026, 12, 25), &d));
	T_EQ_INT(CAL_DAY_HOLIDAY, d.kind);
	T_EQ_INT(0, cal_day_info(c, D(2026, 11, 21), &d));
	T_EQ_INT(CAL_DAY_WEEKEND, d.kind);
	T_ASSERT(d.name == NULL);
	T_EQ_INT(0, cal_day_info(c, D(2026, 4, 30), &d)); /* valborg: open by default */
	T_EQ_INT(CAL_DAY_BUSINESS, d.kind);
	T_EQ_INT(8 * 60, d.open_min);
	T_EQ_INT(17 * 60, d.close_min);
	T_EQ_INT(-ERANGE, cal_day_info(c, D(1899, 12, 31), &d));
	T_EQ_INT(-ERANGE, cal_day_info(c, D(2101, 1, 1), &d));
	cal_free(c);
	T_ASSERT(cal_free(NULL) == NULL);
}

static void test_day_info_configured(void)
{
	struct cal *c = NULL;
	struct cal_day d;
	T_EQ_INT(0, cal_new(&c));
	T_EQ_INT(0, cal_set_option(c, "Julafton", "open"));
	T_EQ_INT(0, cal_set_option(c, "Valborgsmassoafton", "half 12:00"));
	T_EQ_INT(0, cal_set_option(c, "ClosedDay", "2026-05-15 klämdag"));
	T_EQ_INT(0, cal_set_option(c, "HalfDay", "2026-11-27 13:00 personaldag"));
	T_EQ_INT(0, cal_set_option(c, "HalfDay", "2026-11-28 13:00")); /* a Saturday */
	T_EQ_INT(0, cal_set_option(c, "HalfDay", "2026-12-25 12:00")); /* a holiday */
	T_EQ_INT(0, cal_set_option(c, "ClosedDay", "2026-11-27"));     /* beats the half day */
	T_EQ_INT(0, cal_day_info(c, D(2026, 12, 24), &d));
	T_EQ_INT(CAL_DAY_BUSINESS, d.kind);
	T_EQ_INT(0, cal_day_info(c, D(2026, 4, 30), &d));
	T_EQ_INT(CAL_DAY_HALF, d.kind);
	T_EQ_INT(12 * 60, d.close_min);
	T_EQ_STR("valborgsmässoafton", d.name);
	T_EQ_INT(0, cal_day_info(c, D(2027, 4, 30), &d)); /* every year */
	T_EQ_INT(CAL_DAY_HALF, d.kind);
	T_EQ_INT(0, cal_day_info(c, D(2026, 5, 15), &d));
	T_EQ_INT(CAL_DAY_EXTRA, d.kind);
	T_EQ_STR("klämdag", d.name);
	T_EQ_INT(0, cal_day_info(c, D(2026, 11, 27), &d));
	T_EQ_INT(CAL_DAY_EXTRA, d.kind);
	T_EQ_STR("extra stängd dag", d.name);
	T_EQ_INT(0, cal_day_info(c, D(2026, 11, 28), &d));
	T_EQ_INT(CAL_DAY_WEEKEND, d.kind);
	T_EQ_INT(d.open_min, d.close_min);
	T_EQ_INT(0, cal_day_info(c, D(2026, 12, 25), &d));
	T_EQ_INT(CAL_DAY_HOLIDAY, d.kind);
	/* Earliest close wins; a close before opening means closed. */
	T_EQ_INT(0, cal_set_option(c, "HalfDay", "2026-04-30 11:00 tidigare"));
	T_EQ_INT(0, cal_day_info(c, D(2026, 4, 30), &d));
	T_EQ_INT(11 * 60, d.close_min);
	T_EQ_STR("tidigare", d.name);
	T_EQ_INT(0, cal_set_option(c, "HalfDay", "2026-04-29 07:00"));
	T_EQ_INT(0, cal_day_info(c, D(2026, 4, 29), &d));
	T_EQ_INT(CAL_DAY_HALF, d.kind);
	T_EQ_INT(d.open_min, d.close_min);
	cal_free(c);
}

static void test_options(void)
{
	struct cal *c = NULL;
	struct cal_day d;
	T_EQ_INT(0, cal_new(&c));
	T_EQ_INT(0, cal_set_option(c, "Hours", "09:00-16:00"));
	T_EQ_INT(0, cal_set_option(c, "SaturdayHours", "10:00-14:00"));
	T_EQ_INT(0, cal_set_option(c, "FridayHours", "closed"));
	T_EQ_INT(0, cal_day_info(c, D(2026, 11, 18), &d));
	T_EQ_INT(9 * 60, d.open_min);
	T_EQ_INT(16 * 60, d.close_min);
	T_EQ_INT(0, cal_day_info(c, D(2026, 11, 20), &d));
	T_EQ_INT(CAL_DAY_WEEKEND, d.kind);
	T_EQ_INT(0, cal_day_info(c, D(2026, 11, 21), &d));
	T_EQ_INT(CAL_DAY_BUSINESS, d.kind);
	T_EQ_INT(0, cal_set_option(c, "PublicHolidays", "no"));
	T_EQ_INT(0, cal_day_info(c, D(2026, 12, 25), &d));
	T_EQ_INT(CAL_DAY_WEEKEND, d.kind); /* a Friday, and Fridays are closed */
	T_EQ_INT(0, cal_day_info(c, D(2026, 1, 6), &d));
	T_EQ_INT(CAL_DAY_BUSINESS, d.kind);
	T_EQ_INT(0, cal_set_option(c, "TimeZone", "UTC"));
	T_EQ_STR("UTC", cal_timezone(c)->name);
	T_EQ_INT(-EINVAL, cal_set_option(c, "TimeZone", "Europe/Nowhere"));
	T_EQ_INT(-EINVAL, cal_set_option(c, "TimeZone", "../etc/passwd"));
	T_EQ_INT(-EINVAL, cal_set_option(c, "Hours", "9-17"));
	T_EQ_INT(-EINVAL, cal_set_option(c, "Midsommarafton", "maybe"));
	T_EQ_INT(-EINVAL, cal_set_option(c, "ClosedDay", "tomorrow"));
	T_EQ_INT(-EINVAL, cal_set_option(c, "HalfDay", "2026-04-30"));
	T_EQ_INT(-ENOENT, cal_set_option(c, "Hour", "08:00-17:00"));
	T_EQ_INT(-ENOENT, cal_set_option(c, "hours", "08:00-17:00"));
	T_CONTAINS(cal_option_syntax("Hours"), "HH:MM-HH:MM");
	T_CONTAINS(cal_option_syntax("SundayHours"), "closed");
	T_CONTAINS(cal_option_syntax("Julafton"), "half HH:MM");
	T_CONTAINS(cal_option_syntax("HalfDay"), "EVE HH:MM");
	T_ASSERT(cal_option_syntax("Hour") == NULL);
	T_EQ_INT(0, cal_set_option(c, "AlwaysOpen", "yes"));
	T_EQ_INT(0, cal_day_info(c, D(2026, 12, 25), &d));
	T_EQ_INT(CAL_DAY_BUSINESS, d.kind);
	T_EQ_INT(0, d.open_min);
	T_EQ_INT(1440, d.close_min);
	cal_free(c);
}

static void test_dup_is_independent(void)
{
	struct cal *a = NULL, *b = NULL;
	struct cal_day d;
	T_EQ_INT(0, cal_new(&a));
	T_EQ_INT(0, cal_set_option(a, "ClosedDay", "2026-05-15 klämdag"));
	T_EQ_INT(0, cal_set_option(a, "Hours", "09:00-16:00"));
	T_EQ_INT(0, cal_dup(a, &b));
	T_EQ_INT(0, cal_set_option(b, "ClosedDay", "2026-05-18"));
	T_EQ_INT(0, cal_set_option(b, "Hours", "07:00-19:00"));
	a = cal_free(a);
	T_EQ_INT(0, cal_day_info(b, D(2026, 5, 15), &d));
	T_EQ_INT(CAL_DAY_EXTRA, d.kind);
	T_EQ_STR("klämdag", d.name);
	T_EQ_INT(0, cal_day_info(b, D(2026, 5, 19), &d));
	T_EQ_INT(7 * 60, d.open_min);
	cal_free(b);
	T_EQ_INT(0, cal_new(&a));
	T_EQ_INT(0, cal_dup(a, &b));
	T_EQ_INT(0, cal_day_info(b, D(2026, 12, 24), &d));
	T_EQ_INT(CAL_DAY_DE_FACTO, d.kind);
	cal_free(a);
	cal_free(b);
}

static void test_too_many_specials(void)
{
	struct cal *c = NULL;
	T_EQ_INT(0, cal_new(&c));
	int r = 0;
	for (int i = 0; i < CAL_SPECIALS_MAX && r == 0; i++)
		r = cal_add_closed_day(c, D(2026, 1, 1) + i, NULL);
	T_EQ_INT(0, r);
	T_EQ_INT(-E2BIG, cal_add_closed_day(c, D(2026, 1, 1), NULL));
	T_EQ_INT(-E2BIG, cal_set_option(c, "ClosedDay", "2026-01-01"));
	cal_free(c);
}

static void test_list_year(void)
{
	struct cal *c = NULL;
	struct cal_listed_day days[CAL_LIST_MAX];
	T_EQ_INT(0, cal_new(&c));
	T_EQ_INT(16, cal_list_year(c, 2026, days)); /* 13 holidays, 3 eves */
	T_EQ_INT(-ERANGE, cal_list_year(c, 2101, days));
	T_EQ_INT(0, cal_set_option(c, "Valborgsmassoafton", "half 12:00"));
	T_EQ_INT(0, cal_set_option(c, "Allhelgonaafton", "half 13:00"));
	T_EQ_INT(0, cal_set_option(c, "ClosedDay", "2026-05-15 klämdag"));
	T_EQ_INT(0, cal_set_option(c, "ClosedDay", "2026-05-16")); /* a Saturday: listed */
	T_EQ_INT(0, cal_set_option(c, "Nyarsafton", "open"));
	int n = cal_list_year(c, 2026, days);
	T_EQ_INT(19, n);
	T_EQ_INT(civil_days_from_date(2026, 4, 30), days[5].dn);
	T_EQ_INT(CAL_DAY_HALF, days[5].kind);
	T_EQ_INT(720, days[5].close_min);
	T_EQ_STR("valborgsmässoafton", days[5].name);
	T_EQ_INT(CAL_DAY_EXTRA, days[8].kind);
	T_EQ_STR("klämdag", days[8].name);
	T_EQ_INT(CAL_DAY_EXTRA, days[9].kind);
	T_EQ_STR("allhelgonaafton", days[14].name);
	T_EQ_INT(780, days[14].close_min);
	T_EQ_STR("annandag jul", days[n - 1].name);
	/* In 2022 valborgsmässoafton was a Saturday: simply closed, not a
	 * half day, and not listed. */
	n = cal_list_year(c, 2022, days);
	for (int i = 0; i < n; i++)
		T_ASSERT(days[i].dn != civil_days_from_date(2022, 4, 30));
	cal_free(c);
}

static void test_parse_hours(void)
{
	struct cal_hours h = { -1, -1 };
	T_EQ_INT(0, cal_parse_hours("08:00-17:00", &h));
	T_EQ_INT(480, h.open_min);
	T_EQ_INT(1020, h.close_min);
	T_EQ_INT(0, cal_parse_hours("00:00-24:00", &h));
	T_EQ_INT(0, h.open_min);
	T_EQ_INT(1440, h.close_min);
	T_EQ_INT(0, cal_parse_hours("closed", &h));
	T_EQ_INT(0, h.open_min);
	T_EQ_INT(0, h.close_min);
	h.open_min = 7;
	static const char *const bad[] = {
		"",
		"8:00-17:00",
		"08:00-17",
		"08:00 - 17:00",
		"17:00-08:00",
		"08:00-08:00",
		"24:00-24:00",
		"08:00-24:01",
		"08:60-17:00",
		"25:00-26:00",
		"Closed",
		"closed ",
		"08:00-17:00x",
		"0a:00-17:00",
		"-08:00-17:00",
	};
	for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++)
		if (cal_parse_hours(bad[i], &h) != -EINVAL)
			T_FAIL_("accepted \"%s\"", bad[i]);
	T_EQ_INT(7, h.open_min);
}

static void test_parse_day_mode(void)
{
	struct cal_day_mode m = { CAL_MODE_OPEN, 0 };
	T_EQ_INT(0, cal_parse_day_mode("closed", &m));
	T_EQ_INT(CAL_MODE_CLOSED, m.mode);
	T_EQ_INT(0, cal_parse_day_mode("half 13:00", &m));
	T_EQ_INT(CAL_MODE_HALF, m.mode);
	T_EQ_INT(780, m.close_min);
	T_EQ_INT(0, cal_parse_day_mode("half\t 12:30", &m));
	T_EQ_INT(750, m.close_min);
	T_EQ_INT(0, cal_parse_day_mode("open", &m));
	T_EQ_INT(CAL_MODE_OPEN, m.mode);
	static const char *const bad[] = { "",        "half",         "half 24:00",    "half 00:00",
		                           "half 13", "half 13:00 x", "halfday 13:00", "13:00",
		                           "OPEN",    "yes" };
	for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++)
		if (cal_parse_day_mode(bad[i], &m) != -EINVAL)
			T_FAIL_("accepted \"%s\"", bad[i]);
	T_EQ_INT(CAL_MODE_OPEN, m.mode);
}

static void test_parse_closed_day(void)
{
	char name[CAL_DAY_NAME_MAX] = "x";
	int64_t dn = 0;
	T_EQ_INT(0, cal_parse_closed_day("2026-05-15", &dn, name));
	T_EQ_INT(D(2026, 5, 15), dn);
	T_EQ_STR("", name);
	T_EQ_INT(0,
	         cal_parse_closed_day("2026-05-15  Klämdag efter Kristi himmelsfärd", &dn, name));
	T_EQ_STR("Klämdag efter Kristi himmelsfärd", name);
	dn = 1;
	static const char *const bad[] = {
		"",
		"2026-5-15",
		"2026-02-29",
		"2026-13-01",
		"1899-12-31",
		"2101-01-01",
		"15/05/2026",
		"2026-05-15x",
		"2026-05-15 bad\x01name",
		"2026-05-15 a name that is far too long to be a name of one single closed day",
	};
	for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++)
		if (cal_parse_closed_day(bad[i], &dn, name) != -EINVAL)
			T_FAIL_("accepted \"%s\"", bad[i]);
	T_EQ_INT(1, dn);
	T_EQ_INT(0, cal_parse_closed_day("2028-02-29", &dn, name));
}

static void test_parse_half_day(void)
{
	struct cal_half_day_spec h;
	T_EQ_INT(0, cal_parse_half_day("2026-04-30 12:00", &h));
	T_EQ_INT(0, h.is_eve);
	T_EQ_INT(D(2026, 4, 30), h.dn);
	T_EQ_INT(720, h.close_min);
	T_EQ_STR("", h.name);
	T_EQ_INT(0, cal_parse_half_day("2026-04-30 13:00 Valborg", &h));
	T_EQ_STR("Valborg", h.name);
	T_EQ_INT(0, cal_parse_half_day("valborgsmässoafton 12:00", &h));
	T_EQ_INT(1, h.is_eve);
	T_EQ_INT(CAL_EVE_VALBORGSMASSOAFTON, h.eve);
	T_EQ_INT(0, cal_parse_half_day("Allhelgonaafton 13:00", &h));
	T_EQ_INT(CAL_EVE_ALLHELGONAAFTON, h.eve);
	T_EQ_INT(0, cal_parse_half_day("NYARSAFTON 13:00", &h));
	T_EQ_INT(CAL_EVE_NYARSAFTON, h.eve);
	h.close_min = 1;
	static const char *const bad[] = {
		"",
		"2026-04-30",
		"2026-04-30 12",
		"2026-04-30 24:00",
		"12:00 2026-04-30",
		"valborg 12:00",
		"valborgsmassoafton",
		"valborgsmassoafton 12:00 extra",
		"2026-04-31 12:00",
	};
	for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++)
		if (cal_parse_half_day(bad[i], &h) != -EINVAL)
			T_FAIL_("accepted \"%s\"", bad[i]);
	T_EQ_INT(1, h.close_min);
}

static void test_tz_gap_and_overlap(void)
{
	struct cal_tz tz;
	int64_t t;
	struct cal_local l;
	T_EQ_INT(0, cal_tz_init(&tz, "Europe/Stockholm"));
	T_EQ_INT(-ENOENT, cal_tz_init(&tz, "Europe/Nowhere"));
	T_EQ_INT(-EINVAL, cal_tz_init(&tz, "/etc/passwd"));
	T_EQ_INT(-EINVAL, cal_tz_init(&tz, "Europe/../../etc/passwd"));
	T_EQ_INT(-EINVAL, cal_tz_init(&tz, ""));
	T_EQ_INT(0, cal_tz_init(&tz, "Europe/Stockholm"));
	/* Winter and summer. */
	T_EQ_INT(0, cal_tz_from_local(&tz, D(2026, 1, 15), 12 * 3600, &t));
	T_EQ_INT(D(2026, 1, 15) * 86400 + 11 * 3600, t);
	T_EQ_INT(0, cal_tz_from_local(&tz, D(2026, 7, 15), 12 * 3600, &t));
	T_EQ_INT(D(2026, 7, 15) * 86400 + 10 * 3600, t);
	/* 02:30 on 29 March 2026 does not exist: 03:30+02:00 = 01:30Z. */
	T_EQ_INT(0, cal_tz_from_local(&tz, D(2026, 3, 29), 2 * 3600 + 1800, &t));
	T_EQ_INT(D(2026, 3, 29) * 86400 + 3600 + 1800, t);
	T_EQ_INT(0, cal_tz_to_local(&tz, t, &l));
	T_EQ_INT(3 * 3600 + 1800, l.sec_of_day);
	T_EQ_INT(7200, l.utc_offset);
	/* 02:30 on 25 October 2026 exists twice: the first, +02:00. */
	T_EQ_INT(0, cal_tz_from_local(&tz, D(2026, 10, 25), 2 * 3600 + 1800, &t));
	T_EQ_INT(D(2026, 10, 25) * 86400 + 1800, t);
	T_EQ_INT(0, cal_tz_to_local(&tz, t + 3600, &l));
	T_EQ_INT(2 * 3600 + 1800, l.sec_of_day);
	T_EQ_INT(3600, l.utc_offset);
	/* The whole range, including after 2037 (POSIX TZ rule footer). */
	T_EQ_INT(0, cal_tz_from_local(&tz, D(2100, 7, 1), 0, &t));
	T_EQ_INT(D(2100, 7, 1) * 86400 - 7200, t);
	T_EQ_INT(0, cal_tz_from_local(&tz, D(1950, 1, 1), 0, &t));
	T_EQ_INT(D(1950, 1, 1) * 86400 - 3600, t);
}

static void test_tz_round_trip(void)
{
	struct cal_tz tz;
	T_EQ_INT(0, cal_tz_init(&tz, "Europe/Stockholm"));
	static const int years[] = { 1980, 2026, 2038, 2090 };
	for (size_t y = 0; y < sizeof(years) / sizeof(years[0]); y++) {
		int64_t t0 = D(years[y], 1, 1) * 86400, t1 = D(years[y] + 1, 1, 1) * 86400;
		int n_overlap = 0, fails = 0;
		for (int64_t t = t0; t < t1 && fails < 3; t += 900) {
			struct cal_local l;
			int64_t back;
			if (cal_tz_to_local(&tz, t, &l) < 0 ||
			    cal_tz_from_local(&tz, l.dn, l.sec_of_day, &back) < 0) {
				T_FAIL_("conversion error at %lld", (long long)t);
				fails++;
			} else if (back == t - 3600 && l.utc_offset == 3600) {
				n_overlap++; /* the second 02:xx of October */
			} else if (back != t) {
				T_FAIL_("%lld -> %lld", (long long)t, (long long)back);
				fails++;
			}
		}
		/* Exactly one hour a year is repeated (4 quarter hours). */
		T_EQ_INT(4, n_overlap);
	}
}

static void test_parse_and_format_instant(void)
{
	struct cal *c = NULL;
	int64_t t;
	char buf[CAL_INSTANT_BUF];
	int wd = -1;
	T_EQ_INT(0, cal_new(&c));
	T_EQ_INT(0, cal_parse_instant(c, "2026-12-23T16:00", &t));
	T_EQ_STR("2026-12-23T16:00:00+01:00", cal_format_instant(c, t, buf, sizeof(buf), &wd));
	T_EQ_INT(CAL_WEDNESDAY, wd);
	T_EQ_INT(0, cal_parse_instant(c, "2026-12-23 16:00:30", &t));
	T_EQ_STR("2026-12-23T16:00:30+01:00", cal_format_instant(c, t, buf, sizeof(buf), NULL));
	T_EQ_INT(0, cal_parse_instant(c, "2026-06-18T13:00Z", &t));
	T_EQ_STR("2026-06-18T15:00:00+02:00", cal_format_instant(c, t, buf, sizeof(buf), NULL));
	T_EQ_INT(0, cal_parse_instant(c, "2026-03-29T02:30", &t));
	T_EQ_STR("2026-03-29T03:30:00+02:00", cal_format_instant(c, t, buf, sizeof(buf), NULL));
	t = 5;
	static const char *const bad[] = { "",
		                           "2026-12-23",
		                           "2026-12-23T16",
		                           "2026-12-23T24:00",
		                           "2026-12-23T16:00:60",
		                           "2026-12-32T16:00",
		                           "2026-12-23T16:00 ",
		                           "tomorrow",
		                           "2101-01-01T00:00",
		                           "2026-12-23T16:00+25:00" };
	for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++)
		if (cal_parse_instant(c, bad[i], &t) != -EINVAL)
			T_FAIL_("accepted \"%s\"", bad[i]);
	T_EQ_INT(5, t);
	cal_free(c);
}

int main(void)
{
	T_RUN(test_easter_table);
	T_RUN(test_easter_matches_gauss);
	T_RUN(test_holidays_2026);
	T_RUN(test_nationaldag_and_annandag_pingst);
	T_RUN(test_midsommar_and_alla_helgon);
	T_RUN(test_moveable_feasts_follow_easter);
	T_RUN(test_day_info_defaults);
	T_RUN(test_day_info_configured);
	T_RUN(test_options);
	T_RUN(test_dup_is_independent);
	T_RUN(test_too_many_specials);
	T_RUN(test_list_year);
	T_RUN(test_parse_hours);
	T_RUN(test_parse_day_mode);
	T_RUN(test_parse_closed_day);
	T_RUN(test_parse_half_day);
	T_RUN(test_tz_gap_and_overlap);
	T_RUN(test_tz_round_trip);
	T_RUN(test_parse_and_format_instant);
	return t_done();
}
