/* The calendar object: defaults, setters and the decision for one day. */
#include "calendar/cal.h"

#include <errno.h>
#include <stdlib.h>
#include <string.h>

struct cal_special {
	int64_t dn;
	int close_min; /* -1: closed all day */
	char name[CAL_DAY_NAME_MAX];
};

struct cal {
	struct cal_tz tz;
	struct cal_hours week[7];
	struct cal_day_mode eve[CAL_EVE_COUNT];
	int holidays;
	struct cal_special *special;
	size_t n_special;
};

int cal_new(struct cal **ret)
{
	struct cal *c = calloc(1, sizeof(*c));
	if (!c)
		return -ENOMEM;
	int r = cal_tz_init(&c->tz, "Europe/Stockholm");
	if (r < 0) {
		free(c);
		return r;
	}
	for (int d = CAL_MONDAY; d <= CAL_FRIDAY; d++)
		c->week[d] = (struct cal_hours){ 8 * 60, 17 * 60 };
	c->eve[CAL_EVE_MIDSOMMARAFTON].mode = CAL_MODE_CLOSED;
	c->eve[CAL_EVE_JULAFTON].mode = CAL_MODE_CLOSED;
	c->eve[CAL_EVE_NYARSAFTON].mode = CAL_MODE_CLOSED;
	c->holidays = 1;
	*ret = c;
	return 0;
}

int cal_dup(const struct cal *c, struct cal **ret)
{
	struct cal *d = malloc(sizeof(*d));
	if (!d)
		return -ENOMEM;
	*d = *c;
	d->special = NULL;
	if (c->n_special > 0) {
		d->special = malloc(c->n_special * sizeof(*d->special));
		if (!d->special) {
			free(d);
			return -ENOMEM;
		}
		memcpy(d->special, c->special, c->n_special * sizeof(*d->special));
	}
	*ret = d;
	return 0;
}

struct cal *cal_free(struct cal *c)
{
	if (c) {
		free(c->special);
		free(c);
	}
	return NULL;
}

int cal_set_timezone(struct cal *c, const char *name)
{
	struct cal_tz tz;
	int r = cal_tz_init(&tz, name);
	if (r < 0)
		return r;
	c->tz = tz;
	return 0;
}

const struct cal_tz *cal_timezone(const struct cal *c)
{
	return &c->tz;
}

int cal_set_hours(struct cal *c, int weekday, struct cal_hours h)
{
	int closed = h.open_min == 0 && h.close_min == 0;
	if (weekday < CAL_MONDAY || weekday > CAL_SUNDAY)
		return -EINVAL;
	if (!closed &&
	    (h.open_min < 0 || h.open_min >= h.close_min || h.close_min > CAL_MINUTES_PER_DAY))
		return -EINVAL;
	c->week[weekday] = h;
	return 0;
}

int cal_set_eve(struct cal *c, enum cal_eve eve, struct cal_day_mode m)
{
	if ((unsigned)eve >= CAL_EVE_COUNT || (unsigned)m.mode > CAL_MODE_HALF)
		return -EINVAL;
	if (m.mode == CAL_MODE_HALF && (m.close_min <= 0 || m.close_min >= CAL_MINUTES_PER_DAY))
		return -EINVAL;
	c->eve[eve] = m;
	return 0;
}

void cal_set_public_holidays(struct cal *c, int observe)
{
	c->holidays = !!observe;
}

void cal_set_always_open(struct cal *c)
{
	for (int d = CAL_MONDAY; d <= CAL_SUNDAY; d++)
		c->week[d] = (struct cal_hours){ 0, CAL_MINUTES_PER_DAY };
	for (int e = 0; e < CAL_EVE_COUNT; e++)
		c->eve[e].mode = CAL_MODE_OPEN;
	c->holidays = 0;
	c->n_special = 0;
}

/* A day name is printable text (UTF-8 passes through; no control bytes). */
static int name_ok(const char *name)
{
	size_t n = strlen(name);
	if (n == 0 || n >= CAL_DAY_NAME_MAX)
		return 0;
	for (size_t i = 0; i < n; i++)
		if ((unsigned char)name[i] < 0x20 || name[i] == 0x7f)
			return 0;
	return 1;
}

static int add_special(struct cal *c, int64_t dn, int close_min, const char *name)
{
	struct civil_date d = civil_date_from_days(dn);
	if (d.year < CAL_YEAR_MIN || d.year > CAL_YEAR_MAX || !name_ok(name))
		return -EINVAL;
	if (c->n_special >= CAL_SPECIALS_MAX)
		return -E2BIG;
	struct cal_special *v = realloc(c->special, (c->n_special + 1) * sizeof(*v));
	if (!v)
		return -ENOMEM;
	c->special = v;
	struct cal_special *s = &v[c->n_special++];
	s->dn = dn;
	s->close_min = close_min;
	memcpy(s->name, name, strlen(name) + 1);
	return 0;
}

int cal_add_closed_day(struct cal *c, int64_t dn, const char *name)
{
	return add_special(c, dn, -1, name ? name : "extra stängd dag");
}

int cal_add_half_day(struct cal *c, int64_t dn, int close_min, const char *name)
{
	if (close_min <= 0 || close_min >= CAL_MINUTES_PER_DAY)
		return -EINVAL;
	return add_special(c, dn, close_min, name ? name : "halvdag");
}

static void set_day(struct cal_day *d, enum cal_day_kind kind, int open, int close,
                    const char *name)
{
	d->kind = kind;
	d->open_min = open;
	d->close_min = close;
	d->name = name;
}

int cal_day_info(const struct cal *c, int64_t dn, struct cal_day *ret)
{
	struct civil_date date = civil_date_from_days(dn);
	struct cal_day d;
	const char *name;

	if (date.year < CAL_YEAR_MIN || date.year > CAL_YEAR_MAX)
		return -ERANGE;
	if (c->holidays && (name = cal_holiday_name(dn))) {
		set_day(&d, CAL_DAY_HOLIDAY, 0, 0, name);
		goto done;
	}
	for (size_t i = 0; i < c->n_special; i++)
		if (c->special[i].dn == dn && c->special[i].close_min < 0) {
			set_day(&d, CAL_DAY_EXTRA, 0, 0, c->special[i].name);
			goto done;
		}
	for (int e = 0; e < CAL_EVE_COUNT; e++)
		if (c->eve[e].mode == CAL_MODE_CLOSED &&
		    cal_eve_day((enum cal_eve)e, date.year) == dn) {
			set_day(&d, CAL_DAY_DE_FACTO, 0, 0, cal_eve_name((enum cal_eve)e));
			goto done;
		}

	struct cal_hours h = c->week[civil_weekday(dn)];
	if (h.open_min >= h.close_min) {
		set_day(&d, CAL_DAY_WEEKEND, 0, 0, NULL);
		goto done;
	}
	set_day(&d, CAL_DAY_BUSINESS, h.open_min, h.close_min, NULL);
	for (int e = 0; e < CAL_EVE_COUNT; e++)
		if (c->eve[e].mode == CAL_MODE_HALF && c->eve[e].close_min < d.close_min &&
		    cal_eve_day((enum cal_eve)e, date.year) == dn)
			set_day(&d, CAL_DAY_HALF, h.open_min, c->eve[e].close_min,
			        cal_eve_name((enum cal_eve)e));
	for (size_t i = 0; i < c->n_special; i++)
		if (c->special[i].dn == dn && c->special[i].close_min < d.close_min)
			set_day(&d, CAL_DAY_HALF, h.open_min, c->special[i].close_min,
			        c->special[i].name);
	if (d.close_min < d.open_min)
		d.close_min = d.open_min; /* closes before it opens: closed */
done:
	*ret = d;
	return 0;
}

int cal_list_year(const struct cal *c, int year, struct cal_listed_day *out)
{
	int n = 0;
	if (year < CAL_YEAR_MIN || year > CAL_YEAR_MAX)
		return -ERANGE;
	for (int64_t dn = civil_days_from_date(year, 1, 1);
	     dn <= civil_days_from_date(year, 12, 31); dn++) {
		struct cal_day d;
		int r = cal_day_info(c, dn, &d);
		if (r < 0)
			return r;
		if (d.kind == CAL_DAY_BUSINESS || d.kind == CAL_DAY_WEEKEND)
			continue;
		out[n].dn = dn;
		out[n].kind = d.kind;
		out[n].name = d.name;
		out[n].close_min = d.close_min;
		n++;
	}
	return n;
}
