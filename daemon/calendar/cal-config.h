/* The calendar's configuration values, parsed strictly, and one entry
 * point for the config module: cal_set_option(cal, key, value) for every
 * key of a [Calendar] section (documented in docs/calendar.md).
 *
 * Every parser returns 0 or -EINVAL and writes its outputs only on
 * success.  Values arrive trimmed from libinih; inside a value, words are
 * separated by one or more blanks (space or tab). */
#pragma once

#include <stddef.h>
#include <stdint.h>

#include "calendar/cal.h"

/* "08:00-17:00", "00:00-24:00" or "closed". */
int cal_parse_hours(const char *s, struct cal_hours *ret);

/* "open", "closed" or "half HH:MM" (HH:MM in 00:01..23:59). */
int cal_parse_day_mode(const char *s, struct cal_day_mode *ret);

/* "2026-05-15" or "2026-05-15 Klämdag efter Kristi himmelsfärd".  The name
 * (optional; ret_name[0] == '\0' without one) is copied into ret_name,
 * which must hold CAL_DAY_NAME_MAX bytes. */
int cal_parse_closed_day(const char *s, int64_t *ret_dn, char *ret_name);

/* A HalfDay= value: either a date, "2026-04-30 12:00 [NAME]", or a named
 * eve, "valborgsmässoafton 12:00" (ASCII spelling "valborgsmassoafton"
 * too), which then applies every year. */
struct cal_half_day_spec {
	int is_eve; /* 1: `eve` is set; 0: `dn` and `name` are */
	enum cal_eve eve;
	int64_t dn;
	int close_min;
	char name[CAL_DAY_NAME_MAX]; /* "" when none was given */
};
int cal_parse_half_day(const char *s, struct cal_half_day_spec *ret);

/* The eve called `s` ("midsommarafton", "Midsommarafton", ASCII
 * "nyarsafton", ...).  0 or -EINVAL. */
int cal_parse_eve_name(const char *s, enum cal_eve *ret);

/* Apply one key of a [Calendar] section.  Returns 0, -EINVAL for a bad
 * value, -ENOENT for a key the calendar does not know, -E2BIG when there
 * are too many ClosedDay=/HalfDay= entries, -ENOMEM.  Keys: TimeZone,
 * Hours, MondayHours..SundayHours, PublicHolidays, AlwaysOpen,
 * Trettondagsafton, Valborgsmassoafton, Midsommarafton, Allhelgonaafton,
 * Julafton, Nyarsafton, ClosedDay (repeatable), HalfDay (repeatable). */
int cal_set_option(struct cal *c, const char *key, const char *value);

/* What a key's value should look like, for the config module's error
 * message ("file:line: Hours=9-17: expected HH:MM-HH:MM or closed"); NULL
 * for a key the calendar does not know. */
const char *cal_option_syntax(const char *key);
