/* Parsing and formatting of deadline durations (grammar in duration.h). */
#include "calendar/duration.h"

#include <stdbool.h>
#include <errno.h>
#include <stdio.h>
#include <string.h>
#include <strings.h>

static const struct {
	const char *word;
	enum cal_unit unit;
} calendar_units[] = {
	{ "w", CAL_UNIT_WEEKS },        { "week", CAL_UNIT_WEEKS },
	{ "weeks", CAL_UNIT_WEEKS },    { "d", CAL_UNIT_DAYS },
	{ "day", CAL_UNIT_DAYS },       { "days", CAL_UNIT_DAYS },
	{ "h", CAL_UNIT_HOURS },        { "hour", CAL_UNIT_HOURS },
	{ "hours", CAL_UNIT_HOURS },    { "m", CAL_UNIT_MINUTES },
	{ "min", CAL_UNIT_MINUTES },    { "mins", CAL_UNIT_MINUTES },
	{ "minute", CAL_UNIT_MINUTES }, { "minutes", CAL_UNIT_MINUTES },
};

static const struct {
	const char *word;
	enum cal_unit unit;
} business_units[] = {
	{ "day", CAL_UNIT_BUSINESS_DAYS },       { "days", CAL_UNIT_BUSINESS_DAYS },
	{ "hour", CAL_UNIT_BUSINESS_HOURS },     { "hours", CAL_UNIT_BUSINESS_HOURS },
	{ "minute", CAL_UNIT_BUSINESS_MINUTES }, { "minutes", CAL_UNIT_BUSINESS_MINUTES },
	{ "min", CAL_UNIT_BUSINESS_MINUTES },    { "mins", CAL_UNIT_BUSINESS_MINUTES },
};

/* Ten years (with leap days) in each unit. */
static int64_t unit_limit(enum cal_unit u)
{
	switch (u) {
	case CAL_UNIT_WEEKS:
		return 522;
	case CAL_UNIT_DAYS:
	case CAL_UNIT_BUSINESS_DAYS:
		return 3660;
	case CAL_UNIT_HOURS:
	case CAL_UNIT_BUSINESS_HOURS:
		return 3660 * 24;
	default:
		return INT64_C(3660) * 24 * 60;
	}
}

static bool is_blank(char c)
{
	return c == ' ' || c == '\t';
}

static const char *skip_blanks(const char *s)
{
	while (is_blank(*s))
		s++;
	return s;
}

/* Match the letters at *p against a table; advance past them. */
static size_t word_len(const char *s)
{
	size_t n = 0;
	while ((s[n] >= 'a' && s[n] <= 'z') || (s[n] >= 'A' && s[n] <= 'Z'))
		n++;
	return n;
}

static bool word_is(const char *s, size_t n, const char *w)
{
	return strlen(w) == n && strncasecmp(s, w, n) == 0;
}

int cal_duration_parse(const char *s, struct cal_duration *ret)
{
	int64_t count = 0;
	int ndigits = 0;
	enum cal_unit unit;
	size_t n;
	int found = 0;

	s = skip_blanks(s);
	for (; *s >= '0' && *s <= '9'; s++) {
		if (++ndigits > 9)
			return -EINVAL;
		count = count * 10 + (*s - '0');
	}
	if (ndigits == 0)
		return -EINVAL;
	s = skip_blanks(s);
	n = word_len(s);
	if (n == 0)
		return -EINVAL;
	if (word_is(s, n, "business")) {
		s += n;
		if (!is_blank(*s))
			return -EINVAL;
		s = skip_blanks(s);
		n = word_len(s);
		for (size_t i = 0; !found && i < sizeof(business_units) / sizeof(business_units[0]);
		     i++)
			if (word_is(s, n, business_units[i].word)) {
				unit = business_units[i].unit;
				found = 1;
			}
	} else {
		for (size_t i = 0; !found && i < sizeof(calendar_units) / sizeof(calendar_units[0]);
		     i++)
			if (word_is(s, n, calendar_units[i].word)) {
				unit = calendar_units[i].unit;
				found = 1;
			}
	}
	if (!found)
		return -EINVAL;
	s = skip_blanks(s + n);
	if (*s || count > unit_limit(unit))
		return -EINVAL;
	ret->unit = unit;
	ret->count = count;
	return 0;
}

char *cal_duration_format(const struct cal_duration *d, char *buf, size_t len)
{
	static const char *const names[] = {
		[CAL_UNIT_MINUTES] = "minute",
		[CAL_UNIT_HOURS] = "hour",
		[CAL_UNIT_DAYS] = "day",
		[CAL_UNIT_WEEKS] = "week",
		[CAL_UNIT_BUSINESS_MINUTES] = "business minute",
		[CAL_UNIT_BUSINESS_HOURS] = "business hour",
		[CAL_UNIT_BUSINESS_DAYS] = "business day",
	};
	const char *name = (unsigned)d->unit <= CAL_UNIT_BUSINESS_DAYS ? names[d->unit] : "?";
	snprintf(buf, len, "%lld %s%s", (long long)d->count, name, d->count == 1 ? "" : "s");
	return buf;
}

bool cal_duration_is_business(const struct cal_duration *d)
{
	return d->unit >= CAL_UNIT_BUSINESS_MINUTES;
}
