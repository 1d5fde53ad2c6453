/* Swedish public holidays (allmänna helgdagar, lag 1989:253) and the eves
 * around them, computed for any year CAL_YEAR_MIN..CAL_YEAR_MAX.
 *
 * The rules are today's, applied to every year, with one change in time
 * that matters for deadlines still being measured: since 2005 nationaldagen
 * (6 June) is a holiday and annandag pingst is not (until 2004 it was the
 * other way round).  Older changes (midsommardagen fixed to 24 June and alla
 * helgons dag to 1 November before 1953, trettondedag jul not a holiday
 * 1973-1992, första maj only since 1939) are not modelled. */
#pragma once

#include <stddef.h>
#include <stdint.h>

#define CAL_HOLIDAYS_MAX 16

struct cal_named_day {
	int64_t dn;       /* day number */
	const char *name; /* Swedish, lowercase except proper nouns; static */
};

/* The eves: not holidays, but days the city closes early or completely by
 * custom.  Their treatment is configured per calendar (see cal.h). */
enum cal_eve {
	CAL_EVE_TRETTONDAGSAFTON,   /* 5 Jan */
	CAL_EVE_VALBORGSMASSOAFTON, /* 30 Apr */
	CAL_EVE_MIDSOMMARAFTON,     /* Friday before midsommardagen */
	CAL_EVE_ALLHELGONAAFTON,    /* Friday before alla helgons dag */
	CAL_EVE_JULAFTON,           /* 24 Dec */
	CAL_EVE_NYARSAFTON,         /* 31 Dec */
	CAL_EVE_COUNT,
};

/* Easter Sunday of `year` (Gregorian computus, Meeus/Jones/Butcher). */
int64_t cal_easter(int year);

/* The Saturday 20-26 June, and the Saturday 31 October - 6 November. */
int64_t cal_midsommardagen(int year);
int64_t cal_alla_helgons_dag(int year);

/* Every public holiday of `year`, in date order, into out (room for
 * CAL_HOLIDAYS_MAX).  Returns the number written, or -ERANGE for a year
 * outside CAL_YEAR_MIN..CAL_YEAR_MAX. */
int cal_holidays(int year, struct cal_named_day *out);

/* The holiday on day `dn`, or NULL when it is none. */
const char *cal_holiday_name(int64_t dn);

/* The day of `eve` in `year`, and its Swedish name ("midsommarafton"). */
int64_t cal_eve_day(enum cal_eve eve, int year);
const char *cal_eve_name(enum cal_eve eve);
