/* YouTube's daily quota units (issue 10): the Pacific day with its DST
 * changes (calendar/pacific.h), the units counted per project and day in
 * the store across a close and reopen (store/quota.h, migration 12), and
 * the poll budget the fetch driver plans within (vaktd/fetch-quota.c). */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "calendar/date.h"
#include "calendar/pacific.h"
#include "store/quota.h"
#include "store/store.h"
#include "t.h"
#include "tfs.h"
#include "util/clock.h"
#include "vaktd/fetch-internal.h"

static int64_t at(const char *iso)
{
	int64_t t = 0;
	if (clock_parse_iso8601(iso, &t) < 0)
		T_FAIL_("cannot parse %s", iso);
	return t;
}

static void day_is(int64_t now, const char *date, const char *start, const char *reset)
{
	struct pacific_day d;
	char buf[16], a[40], b[40];
	T_EQ_INT(0, pacific_day_of(now, &d));
	struct civil_date cd = civil_date_from_days(d.day);
	snprintf(buf, sizeof(buf), "%04d-%02d-%02d", cd.year, cd.month, cd.day);
	T_EQ_STR(date, buf);
	T_EQ_STR(start, clock_format_utc(d.start_usec, a, sizeof(a)));
	T_EQ_STR(reset, clock_format_utc(d.reset_usec, b, sizeof(b)));
}

/* Winter: midnight Pacific is 08:00 UTC. */
static void test_winter_day_turns_at_0800_utc(void)
{
	day_is(at("2026-12-04T07:59:59.000Z"), "2026-12-03", "2026-12-03T08:00:00.000Z",
	       "2026-12-04T08:00:00.000Z");
	day_is(at("2026-12-04T08:00:00.000Z"), "2026-12-04", "2026-12-04T08:00:00.000Z",
	       "2026-12-05T08:00:00.000Z");
}

/* Summer (PDT): 07:00 UTC. */
static void test_summer_day_turns_at_0700_utc(void)
{
	day_is(at("2026-07-01T06:59:59.000Z"), "2026-06-30", "2026-06-30T07:00:00.000Z",
	       "2026-07-01T07:00:00.000Z");
	day_is(at("2026-07-01T07:00:00.000Z"), "2026-07-01", "2026-07-01T07:00:00.000Z",
	       "2026-07-02T07:00:00.000Z");
}

/* The days of the changes are 23 and 25 hours long (2026-03-08 and
 * 2026-11-01 in the US). */
static void test_dst_change_days(void)
{
	day_is(at("2026-03-08T12:00:00.000Z"), "2026-03-08", "2026-03-08T08:00:00.000Z",
	       "2026-03-09T07:00:00.000Z");
	day_is(at("2026-03-09T06:59:59.000Z"), "2026-03-08", "2026-03-08T08:00:00.000Z",
	       "2026-03-09T07:00:00.000Z");
	day_is(at("2026-03-09T07:00:00.000Z"), "2026-03-09", "2026-03-09T07:00:00.000Z",
	       "2026-03-10T07:00:00.000Z");
	day_is(at("2026-11-01T07:00:00.000Z"), "2026-11-01", "2026-11-01T07:00:00.000Z",
	       "2026-11-02T08:00:00.000Z");
	day_is(at("2026-11-02T07:30:00.000Z"), "2026-11-01", "2026-11-01T07:00:00.000Z",
	       "2026-11-02T08:00:00.000Z");
}

/* Without the zone: UTC−8 all year, so a summer day starts an hour late
 * (never early). */
static void test_missing_zone_assumes_pst(void)
{
	struct pacific_day d, real;
	char a[40];
	int64_t now = at("2026-07-01T07:30:00.000Z");
	T_EQ_INT(0, pacific_day_in("No/Such_Zone", now, &d));
	T_EQ_INT(0, pacific_day_of(now, &real));
	T_EQ_INT(real.day - 1, d.day); /* still June 30th */
	T_EQ_STR("2026-07-01T08:00:00.000Z", clock_format_utc(d.reset_usec, a, sizeof(a)));
	T_ASSERT(d.reset_usec > real.start_usec);
}

static struct store *open_store(const char *dir)
{
	char path[4096], err[256];
	struct store *s = NULL;
	snprintf(path, sizeof(path), "%s/vakt.db", dir);
	int r = store_open(path, &s, err, sizeof(err));
	if (r)
		T_FAIL_("store_open: %s", err);
	return s;
}

/* Units add up per project and day, other projects and days apart, and a
 * reopened store still has them. */
static void test_units_counted_per_project_and_day_across_restart(void)
{
	char *dir = tfs_mkdtemp();
	struct store *s = open_store(dir);
	int64_t n = -1;
	if (!s)
		goto out;
	T_EQ_INT(0, store_quota_add(s, "file:/etc/vakt/yt.token", 20500, 1));
	T_EQ_INT(0, store_quota_add(s, "file:/etc/vakt/yt.token", 20500, 50));
	T_EQ_INT(0, store_quota_add(s, "city-project", 20500, 7));
	T_EQ_INT(0, store_quota_add(s, "file:/etc/vakt/yt.token", 20501, 2));
	store_close(s);
	s = open_store(dir);
	if (!s)
		goto out;
	T_EQ_INT(0, store_quota_get(s, "file:/etc/vakt/yt.token", 20500, &n));
	T_EQ_INT(51, n);
	T_EQ_INT(0, store_quota_get(s, "city-project", 20500, &n));
	T_EQ_INT(7, n);
	T_EQ_INT(0, store_quota_get(s, "file:/etc/vakt/yt.token", 20501, &n));
	T_EQ_INT(2, n);
	T_EQ_INT(0, store_quota_get(s, "nobody", 20500, &n));
	T_EQ_INT(0, n);
	/* A week later the old days are gone. */
	T_EQ_INT(0, store_quota_add(s, "file:/etc/vakt/yt.token", 20509, 1));
	T_EQ_INT(0, store_quota_get(s, "file:/etc/vakt/yt.token", 20500, &n));
	T_EQ_INT(0, n);
	T_EQ_INT(0, store_quota_get(s, "file:/etc/vakt/yt.token", 20509, &n));
	T_EQ_INT(1, n);
	store_close(s);
out:
	tfs_rmrf(dir);
}

/* The poll budget: QuotaPerDay= − QuotaReserve=, a request fits while the
 * day's units plus its cost stay within it, and the next Pacific day
 * starts from nothing. */
static void test_poll_budget_and_rollover(void)
{
	char *dir = tfs_mkdtemp();
	struct store *s = open_store(dir);
	struct fetch_quota q;
	if (!s)
		goto out;
	int64_t evening = at("2026-12-04T07:00:00.000Z"); /* Dec 3rd, 23:00 in Los Angeles */
	int64_t next = at("2026-12-04T08:00:01.000Z");
	T_EQ_INT(0, fetch_quota_charge(s, "p", 6, evening));
	T_EQ_INT(0, fetch_quota_get(s, "p", 10, 3, evening, &q));
	T_EQ_INT(6, q.used);
	T_EQ_INT(7, q.poll_limit);
	T_ASSERT(fetch_quota_fits(&q, 1));
	T_ASSERT(!fetch_quota_fits(&q, 2));
	T_EQ_INT(0, fetch_quota_charge(s, "p", 1, evening));
	T_EQ_INT(0, fetch_quota_get(s, "p", 10, 3, evening, &q));
	T_ASSERT(!fetch_quota_fits(&q, 1));
	char why[320];
	fetch_quota_why(&q, why, sizeof(why));
	T_CONTAINS(why, "7 of 10 units");
	T_CONTAINS(why, "until 2026-12-04T08:00:00.000Z");
	/* Midnight Pacific: a new day, nothing used. */
	T_EQ_INT(0, fetch_quota_get(s, "p", 10, 3, next, &q));
	T_EQ_INT(0, q.used);
	T_ASSERT(fetch_quota_fits(&q, 7));
	T_ASSERT(!fetch_quota_fits(&q, 8));
	/* A reserve as large as the day leaves polls nothing. */
	T_EQ_INT(0, fetch_quota_get(s, "p", 10, 10, next, &q));
	T_ASSERT(!fetch_quota_fits(&q, 1));
	store_close(s);
out:
	tfs_rmrf(dir);
}

int main(void)
{
	T_RUN(test_winter_day_turns_at_0800_utc);
	T_RUN(test_summer_day_turns_at_0700_utc);
	T_RUN(test_dst_change_days);
	T_RUN(test_missing_zone_assumes_pst);
	T_RUN(test_units_counted_per_project_and_day_across_restart);
	T_RUN(test_poll_budget_and_rollover);
	return t_done();
}
