/* Parsers of the calendar's configuration values and cal_set_option(). */
#include "calendar/cal-config.h"
#include "util/yesno.h"

#include <stdbool.h>
#include <errno.h>
#include <stdio.h>
#include <string.h>
#include <strings.h>

#define WORD_MAX 64

static bool is_blank(char c)
{
	return c == ' ' || c == '\t';
}

/* Copy the next blank-separated word of *p into buf (WORD_MAX bytes) and
 * advance *p past it and the blanks after it.  -EINVAL when there is no
 * word or it is too long. */
static int next_word(const char **p, char *buf)
{
	const char *s = *p;
	size_t n = 0;
	while (s[n] && !is_blank(s[n]))
		n++;
	if (n == 0 || n >= WORD_MAX)
		return -EINVAL;
	memcpy(buf, s, n);
	buf[n] = '\0';
	s += n;
	while (is_blank(*s))
		s++;
	*p = s;
	return 0;
}

/* The rest of a value as a day name: no trailing blanks, printable. */
static int rest_name(const char *s, char *ret_name)
{
	size_t n = strlen(s);
	while (n > 0 && is_blank(s[n - 1]))
		n--;
	if (n >= CAL_DAY_NAME_MAX)
		return -EINVAL;
	for (size_t i = 0; i < n; i++)
		if ((unsigned char)s[i] < 0x20 || s[i] == 0x7f)
			return -EINVAL;
	memcpy(ret_name, s, n);
	ret_name[n] = '\0';
	return 0;
}

int cal_parse_hours(const char *s, struct cal_hours *ret)
{
	char a[6], b[6];
	int open, close;
	if (strcmp(s, "closed") == 0) {
		*ret = (struct cal_hours){ 0, 0 };
		return 0;
	}
	if (strlen(s) != 11 || s[5] != '-')
		return -EINVAL;
	memcpy(a, s, 5);
	a[5] = '\0';
	memcpy(b, s + 6, 5);
	b[5] = '\0';
	if (cal_parse_hhmm(a, 0, &open) < 0 || cal_parse_hhmm(b, 1, &close) < 0 || open >= close)
		return -EINVAL;
	*ret = (struct cal_hours){ open, close };
	return 0;
}

static int parse_half_time(const char *s, int *ret_min)
{
	int m;
	if (cal_parse_hhmm(s, 0, &m) < 0 || m == 0)
		return -EINVAL;
	*ret_min = m;
	return 0;
}

int cal_parse_day_mode(const char *s, struct cal_day_mode *ret)
{
	char w[WORD_MAX];
	int m;
	if (strcmp(s, "open") == 0) {
		*ret = (struct cal_day_mode){ CAL_MODE_OPEN, 0 };
		return 0;
	}
	if (strcmp(s, "closed") == 0) {
		*ret = (struct cal_day_mode){ CAL_MODE_CLOSED, 0 };
		return 0;
	}
	if (next_word(&s, w) < 0 || strcmp(w, "half") != 0 || next_word(&s, w) < 0 || *s ||
	    parse_half_time(w, &m) < 0)
		return -EINVAL;
	*ret = (struct cal_day_mode){ CAL_MODE_HALF, m };
	return 0;
}

int cal_parse_closed_day(const char *s, int64_t *ret_dn, char *ret_name)
{
	char w[WORD_MAX], name[CAL_DAY_NAME_MAX];
	int64_t dn;
	if (next_word(&s, w) < 0 || cal_parse_date(w, &dn) < 0 || rest_name(s, name) < 0)
		return -EINVAL;
	*ret_dn = dn;
	memcpy(ret_name, name, sizeof(name));
	return 0;
}

int cal_parse_eve_name(const char *s, enum cal_eve *ret)
{
	static const char *const ascii[CAL_EVE_COUNT] = {
		"trettondagsafton", "valborgsmassoafton", "midsommarafton",
		"allhelgonaafton",  "julafton",           "nyarsafton",
	};
	for (int e = 0; e < CAL_EVE_COUNT; e++) {
		const char *sv = cal_eve_name((enum cal_eve)e);
		/* Case folding is ASCII only; the Swedish spelling is matched
		 * with an optional capital first letter. */
		if (strcasecmp(s, ascii[e]) == 0 || strcmp(s, sv) == 0 ||
		    (s[0] == sv[0] - 'a' + 'A' && strcmp(s + 1, sv + 1) == 0)) {
			*ret = (enum cal_eve)e;
			return 0;
		}
	}
	return -EINVAL;
}

int cal_parse_half_day(const char *s, struct cal_half_day_spec *ret)
{
	struct cal_half_day_spec h = { 0 };
	char w[WORD_MAX], t[WORD_MAX];
	if (next_word(&s, w) < 0 || next_word(&s, t) < 0 || parse_half_time(t, &h.close_min) < 0)
		return -EINVAL;
	if (cal_parse_date(w, &h.dn) == 0) {
		if (rest_name(s, h.name) < 0)
			return -EINVAL;
	} else if (cal_parse_eve_name(w, &h.eve) == 0 && *s == '\0') {
		h.is_eve = 1;
	} else {
		return -EINVAL;
	}
	*ret = h;
	return 0;
}

static const struct {
	const char *key;
	enum cal_eve eve;
} eve_keys[] = {
	{ "Trettondagsafton", CAL_EVE_TRETTONDAGSAFTON },
	{ "Valborgsmassoafton", CAL_EVE_VALBORGSMASSOAFTON },
	{ "Midsommarafton", CAL_EVE_MIDSOMMARAFTON },
	{ "Allhelgonaafton", CAL_EVE_ALLHELGONAAFTON },
	{ "Julafton", CAL_EVE_JULAFTON },
	{ "Nyarsafton", CAL_EVE_NYARSAFTON },
};

static const char *const day_keys[7] = {
	"MondayHours", "TuesdayHours",  "WednesdayHours", "ThursdayHours",
	"FridayHours", "SaturdayHours", "SundayHours",
};

int cal_set_option(struct cal *c, const char *key, const char *value)
{
	int r;
	bool b;

	if (strcmp(key, "TimeZone") == 0)
		return cal_set_timezone(c, value) < 0 ? -EINVAL : 0;
	if (strcmp(key, "Hours") == 0) {
		struct cal_hours h;
		if (cal_parse_hours(value, &h) < 0)
			return -EINVAL;
		for (int d = CAL_MONDAY; d <= CAL_FRIDAY; d++)
			cal_set_hours(c, d, h);
		return 0;
	}
	for (int d = CAL_MONDAY; d <= CAL_SUNDAY; d++)
		if (strcmp(key, day_keys[d]) == 0) {
			struct cal_hours h;
			if (cal_parse_hours(value, &h) < 0)
				return -EINVAL;
			return cal_set_hours(c, d, h);
		}
	if (strcmp(key, "PublicHolidays") == 0) {
		if (yesno_parse(value, &b) < 0)
			return -EINVAL;
		cal_set_public_holidays(c, b);
		return 0;
	}
	if (strcmp(key, "AlwaysOpen") == 0) {
		if (yesno_parse(value, &b) < 0)
			return -EINVAL;
		if (b)
			cal_set_always_open(c);
		return 0;
	}
	for (size_t i = 0; i < sizeof(eve_keys) / sizeof(eve_keys[0]); i++)
		if (strcmp(key, eve_keys[i].key) == 0) {
			struct cal_day_mode m;
			if (cal_parse_day_mode(value, &m) < 0)
				return -EINVAL;
			return cal_set_eve(c, eve_keys[i].eve, m);
		}
	if (strcmp(key, "ClosedDay") == 0) {
		char name[CAL_DAY_NAME_MAX];
		int64_t dn;
		if (cal_parse_closed_day(value, &dn, name) < 0)
			return -EINVAL;
		return cal_add_closed_day(c, dn, name[0] ? name : NULL);
	}
	if (strcmp(key, "HalfDay") == 0) {
		struct cal_half_day_spec h;
		if (cal_parse_half_day(value, &h) < 0)
			return -EINVAL;
		if (h.is_eve)
			r = cal_set_eve(c, h.eve,
			                (struct cal_day_mode){ CAL_MODE_HALF, h.close_min });
		else
			r = cal_add_half_day(c, h.dn, h.close_min, h.name[0] ? h.name : NULL);
		return r;
	}
	return -ENOENT;
}

const char *cal_option_syntax(const char *key)
{
	static const struct {
		const char *key, *syntax;
	} fixed[] = {
		{ "TimeZone", "expected a time zone of the tz database, e.g. Europe/Stockholm" },
		{ "Hours", "expected HH:MM-HH:MM (00:00-24:00 for all day) or closed" },
		{ "PublicHolidays", "expected yes or no" },
		{ "AlwaysOpen", "expected yes or no" },
		{ "ClosedDay", "expected YYYY-MM-DD [NAME], a date in 1900..2100" },
		{ "HalfDay", "expected YYYY-MM-DD HH:MM [NAME] or EVE HH:MM" },
	};
	for (size_t i = 0; i < sizeof(fixed) / sizeof(fixed[0]); i++)
		if (strcmp(key, fixed[i].key) == 0)
			return fixed[i].syntax;
	for (int d = CAL_MONDAY; d <= CAL_SUNDAY; d++)
		if (strcmp(key, day_keys[d]) == 0)
			return "expected HH:MM-HH:MM (00:00-24:00 for all day) or closed";
	for (size_t i = 0; i < sizeof(eve_keys) / sizeof(eve_keys[0]); i++)
		if (strcmp(key, eve_keys[i].key) == 0)
			return "expected open, closed or half HH:MM";
	return NULL;
}
