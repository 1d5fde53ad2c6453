/* Time-zone conversion behind a small interface (see tz.h for the rules). */
#include "calendar/tz.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

static int name_ok(const char *name)
{
	size_t n = strlen(name);
	if (n == 0 || n >= CAL_TZ_NAME_MAX || name[0] == '/' || strstr(name, ".."))
		return 0;
	for (size_t i = 0; i < n; i++) {
		char c = name[i];
		if (!((c >= 'A' && c <= 'Z') || (c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') ||
		      c == '/' || c == '_' || c == '-' || c == '+'))
			return 0;
	}
	return 1;
}

int cal_tz_init(struct cal_tz *tz, const char *name)
{
	char path[512], magic[4];
	const char *dir = getenv("TZDIR");

	if (!name_ok(name))
		return -EINVAL;
	if (!dir || !*dir)
		dir = "/usr/share/zoneinfo";
	if ((size_t)snprintf(path, sizeof(path), "%s/%s", dir, name) >= sizeof(path))
		return -EINVAL;
	/* glibc silently falls back to UTC for an unknown zone; refuse that. */
	FILE *f = fopen(path, "rbe");
	if (!f)
		return -ENOENT;
	size_t got = fread(magic, 1, sizeof(magic), f);
	fclose(f);
	if (got != sizeof(magic) || memcmp(magic, "TZif", 4) != 0)
		return -ENOENT;
	snprintf(tz->name, sizeof(tz->name), "%s", name);
	return 0;
}

/* Make the C library's local time be `name`.  localtime_r() does not look
 * at $TZ again by itself, hence the explicit tzset(). */
static void use_zone(const char *name)
{
	static int initialised;
	const char *cur = getenv("TZ");
	if (initialised && cur && strcmp(cur, name) == 0)
		return;
	setenv("TZ", name, 1);
	tzset();
	initialised = 1;
}

static int libc_offset(const char *name, int64_t t, int *ret_off)
{
	time_t tt = (time_t)t;
	struct tm tm;
	use_zone(name);
	if (!localtime_r(&tt, &tm))
		return -ERANGE;
	*ret_off = (int)tm.tm_gmtoff;
	return 0;
}

/* Two-day spans with one offset throughout, the last SPAN_SLOTS seen:
 * most instants a request or a clock computation asks about fall in one
 * and need no trip through the C library (three localtime_r() and maybe a
 * tzset() per miss).  A clock's business-time arithmetic walks the days
 * around its start and asks cal_tz_from_local() about each, four instants
 * two days apart: with one span they evicted each other (a hundred misses
 * per clock started).  A zone changes offset at most once within two days
 * (as cal_tz_from_local() assumes), so equal offsets a day before and a
 * day after t mean one offset from end to end. */
#define SPAN_SLOTS 16

static _Thread_local struct {
	char name[CAL_TZ_NAME_MAX];
	int64_t lo, hi;
	int off;
} spans[SPAN_SLOTS];
static _Thread_local unsigned span_next;

static int utc_offset(const struct cal_tz *tz, int64_t t, int *ret_off)
{
	int off, before, after;
	for (size_t i = 0; i < SPAN_SLOTS; i++) {
		if (spans[i].name[0] && t >= spans[i].lo && t <= spans[i].hi &&
		    strcmp(spans[i].name, tz->name) == 0) {
			*ret_off = spans[i].off;
			return 0;
		}
	}
	int r = libc_offset(tz->name, t, &off);
	if (r < 0)
		return r;
	if (t > INT64_MIN + 86400 && t < INT64_MAX - 86400 &&
	    libc_offset(tz->name, t - 86400, &before) == 0 &&
	    libc_offset(tz->name, t + 86400, &after) == 0 && before == off && after == off) {
		unsigned k = span_next++ % SPAN_SLOTS;
		snprintf(spans[k].name, sizeof(spans[k].name), "%s", tz->name);
		spans[k].lo = t - 86400;
		spans[k].hi = t + 86400;
		spans[k].off = off;
	}
	*ret_off = off;
	return 0;
}

static int64_t floor_div(int64_t a, int64_t b)
{
	int64_t q = a / b;
	return (a % b != 0 && (a < 0) != (b < 0)) ? q - 1 : q;
}

int cal_tz_to_local(const struct cal_tz *tz, int64_t t, struct cal_local *ret)
{
	int off, r = utc_offset(tz, t, &off);
	if (r < 0)
		return r;
	int64_t l = t + off;
	ret->dn = floor_div(l, 86400);
	ret->sec_of_day = (int)(l - ret->dn * 86400);
	ret->utc_offset = off;
	return 0;
}

int cal_tz_from_local(const struct cal_tz *tz, int64_t dn, int sec_of_day, int64_t *ret_t)
{
	int64_t lu = dn * 86400 + sec_of_day; /* the wall time read as if UTC */
	int off_before, off_after, oa, ob, r;

	/* Real zones change offset at most once within two days, so the
	 * offsets a day before and a day after are the only candidates. */
	if ((r = utc_offset(tz, lu - 86400, &off_before)) < 0 ||
	    (r = utc_offset(tz, lu + 86400, &off_after)) < 0)
		return r;
	int64_t ta = lu - off_before, tb = lu - off_after;
	if ((r = utc_offset(tz, ta, &oa)) < 0 || (r = utc_offset(tz, tb, &ob)) < 0)
		return r;
	int a_ok = ta + oa == lu, b_ok = tb + ob == lu;

	if (a_ok && b_ok)
		*ret_t = ta < tb ? ta : tb; /* overlap: the first occurrence */
	else if (b_ok)
		*ret_t = tb;
	else
		*ret_t = ta; /* a_ok, or a gap: the offset before the gap */
	return 0;
}
