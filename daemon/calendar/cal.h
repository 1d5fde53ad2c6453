/* A business calendar: which local days are open, and when.
 *
 * `struct cal` is created with the defaults of the City of Stockholm
 * (Europe/Stockholm; Monday-Friday 08:00-17:00; Swedish public holidays;
 * midsommarafton, julafton and nyårsafton closed) and then configured
 * through the setters here or, from INI text, through cal_set_option()
 * (cal-config.h).  Several calendars can exist at once (a unit with other
 * hours, a 24/7 service calendar).  The business-time arithmetic on top of
 * it is in bizmath.h.
 *
 * How one local day is decided (cal_day_info), first match wins:
 *  1. a public holiday (unless PublicHolidays=no) -> closed, kind HOLIDAY;
 *  2. an extra closed day (ClosedDay=)            -> closed, kind EXTRA;
 *  3. an eve configured closed                    -> closed, kind DE_FACTO;
 *  4. the weekday's hours are "closed"            -> closed, kind WEEKEND;
 *  5. half days (HalfDay=, eves configured "half HH:MM"): the earliest
 *     closing time of those that apply; if it is earlier than the
 *     weekday's close -> kind HALF (closed altogether when it is not
 *     after the opening);
 *  6. otherwise the weekday's hours               -> kind BUSINESS.
 * So the most restrictive rule wins, and a half day that falls on a
 * weekend or a holiday is simply closed. */
#pragma once

#include <stddef.h>
#include <stdint.h>

#include "calendar/date.h"
#include "calendar/holidays.h"
#include "calendar/tz.h"

#define CAL_MINUTES_PER_DAY 1440
#define CAL_SPECIALS_MAX 1000 /* ClosedDay= plus HalfDay= entries */
#define CAL_DAY_NAME_MAX 64   /* bytes, including the NUL */

struct cal;

/* Office hours of one weekday, in local wall-clock minutes after midnight:
 * 0 <= open_min < close_min <= 1440, or open_min == close_min == 0 for
 * closed. */
struct cal_hours {
	int open_min;
	int close_min;
};

/* How an eve is treated. */
enum cal_mode {
	CAL_MODE_OPEN,   /* an ordinary day */
	CAL_MODE_CLOSED, /* closed all day */
	CAL_MODE_HALF,   /* closes at close_min */
};

struct cal_day_mode {
	enum cal_mode mode;
	int close_min; /* CAL_MODE_HALF only */
};

enum cal_day_kind {
	CAL_DAY_BUSINESS,
	CAL_DAY_WEEKEND, /* closed by its weekday's hours */
	CAL_DAY_HOLIDAY,
	CAL_DAY_DE_FACTO, /* an eve configured closed */
	CAL_DAY_EXTRA,    /* ClosedDay= */
	CAL_DAY_HALF,     /* open, but closing early */
};

struct cal_day {
	enum cal_day_kind kind;
	int open_min, close_min; /* local minutes; equal when closed */
	/* NULL for BUSINESS and WEEKEND; otherwise borrowed from the
	 * calendar or static, valid while the calendar lives unchanged. */
	const char *name;
};

/* A calendar with the defaults above.  Returns 0 or -ENOMEM (or -ENOENT
 * when the system has no Europe/Stockholm zone). */
int cal_new(struct cal **ret);
/* A deep copy of `c` (e.g. a [Calendar NAME] section that starts from the
 * site's [Calendar]).  0 or -ENOMEM. */
int cal_dup(const struct cal *c, struct cal **ret);
/* Accepts NULL; returns NULL. */
struct cal *cal_free(struct cal *c);

/* The zone the office hours are in.  0, -EINVAL or -ENOENT (cal_tz_init). */
int cal_set_timezone(struct cal *c, const char *name);
const struct cal_tz *cal_timezone(const struct cal *c);

/* Office hours of `weekday` (CAL_MONDAY..CAL_SUNDAY).  0 or -EINVAL. */
int cal_set_hours(struct cal *c, int weekday, struct cal_hours h);
/* Treatment of an eve.  0 or -EINVAL. */
int cal_set_eve(struct cal *c, enum cal_eve eve, struct cal_day_mode m);
/* Observe the public holidays (default 1). */
void cal_set_public_holidays(struct cal *c, int observe);
/* Make every minute business time: 00:00-24:00 every day, holidays and eves
 * ignored, extra closed and half days dropped (a 24/7 service). */
void cal_set_always_open(struct cal *c);

/* An extra closed day (klämdag), name optional ("extra stängd dag").
 * 0, -EINVAL (bad day or name), -E2BIG (more than CAL_SPECIALS_MAX). */
int cal_add_closed_day(struct cal *c, int64_t dn, const char *name);
/* A half day closing at close_min (1..1439), name optional ("halvdag"). */
int cal_add_half_day(struct cal *c, int64_t dn, int close_min, const char *name);

/* One named day of cal_list_year(). */
struct cal_listed_day {
	int64_t dn;
	enum cal_day_kind kind; /* HOLIDAY, DE_FACTO, EXTRA or HALF */
	const char *name;       /* as in struct cal_day */
	int close_min;          /* HALF only */
};

#define CAL_LIST_MAX 366

/* The named closed and half days of `year`, in date order, into out (room
 * for CAL_LIST_MAX): every public holiday, closed eve and extra closed day
 * whatever its weekday, and the half days that really shorten an open day
 * (one on a weekend or holiday is simply closed and not listed as half).
 * Returns the count, or -ERANGE for a year outside the calendar's. */
int cal_list_year(const struct cal *c, int year, struct cal_listed_day *out);

/* Decide local day `dn` (see the header comment).  0, or -ERANGE outside
 * the years CAL_YEAR_MIN..CAL_YEAR_MAX. */
int cal_day_info(const struct cal *c, int64_t dn, struct cal_day *ret);
