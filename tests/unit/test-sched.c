/* The scheduler on fixed instants: the midsommar week, both DST changes in
 * Europe/Stockholm, crisis mode, catching up after downtime, the jitter and
 * the floor of three polls per business day. */
#include "t.h"

#include <errno.h>

#include "calendar/bizmath.h"
#include "calendar/cal.h"
#include "schedule/sched.h"
#include "util/civil.h"
#include "util/clock.h"

#define MIN (60 * USEC_PER_SEC)
#define HOUR (60 * MIN)
#define D(y, m, d) civil_days_from_date(y, m, d)

static struct cal *cal;

/* An ISO 8601 instant with its offset, as written in the tests. */
static int64_t at(const char *iso)
{
	int64_t us = 0;
	if (clock_parse_iso8601(iso, &us) < 0) {
		printf("# bad instant in test: %s\n", iso);
		t_cur_failed = 1;
	}
	return us;
}

static struct sched_policy policy(void)
{
	struct sched_policy p;
	sched_policy_default(&p);
	p.jitter_usec = 0; /* exact grids; the jitter has its own test */
	return p;
}

/* The first planned poll after `after` without crisis mode. */
static int64_t next_after(const struct sched_policy *p, int64_t offset, int64_t after)
{
	int64_t next = 0;
	T_EQ_INT(0, sched_next(p, cal, offset, after, 0, 0, &next));
	return next;
}

static void test_policy_defaults_and_keys(void)
{
	struct sched_policy p, over;
	sched_policy_default(&p);
	T_EQ_INT(30 * MIN, p.interval_usec);
	T_EQ_INT(2 * HOUR, p.off_hours_usec);
	T_EQ_INT(5 * MIN, p.crisis_usec);
	T_EQ_INT(5 * MIN, p.jitter_usec);
	T_EQ_INT(0, p.n_poll_at);

	sched_policy_default(&over);
	over.set = 0;
	T_EQ_INT(0, sched_policy_set(&over, "PollAt", "12:00, 09:00 15:30"));
	T_EQ_INT(3, over.n_poll_at);
	T_EQ_INT(9 * 60, over.poll_at_min[0]); /* sorted */
	T_EQ_INT(15 * 60 + 30, over.poll_at_min[2]);
	T_EQ_INT(0, sched_policy_set(&over, "Interval", "off"));
	T_EQ_INT(0, over.interval_usec);
	T_EQ_INT(-EINVAL, sched_policy_set(&over, "PollAt", "09:00 09:00"));
	T_EQ_INT(-EINVAL, sched_policy_set(&over, "Interval", "30s")); /* under a minute */
	T_EQ_INT(-EINVAL, sched_policy_set(&over, "OffHoursInterval", "8d"));
	T_EQ_INT(-EINVAL, sched_policy_set(&over, "CrisisInterval", "off"));
	T_EQ_INT(-EINVAL, sched_policy_set(&over, "Jitter", "2h"));
	T_EQ_INT(-ENOENT, sched_policy_set(&over, "Intervall", "1h"));

	/* Merging takes only what was set. */
	sched_policy_merge(&p, &over);
	T_EQ_INT(3, p.n_poll_at);
	T_EQ_INT(0, p.interval_usec);
	T_EQ_INT(2 * HOUR, p.off_hours_usec);
}

static void test_midsommar_week(void)
{
	struct sched_policy p = policy();
	int64_t v[SCHED_DAY_MAX];

	/* Monday 15 June 2026, an ordinary business day: 00, 02, 04, 06 off
	 * hours, 08:00-16:30 every 30 minutes, 18, 20, 22 off hours. */
	T_EQ_INT(7 + 18, sched_day_polls(&p, cal, D(2026, 6, 15), v));
	T_EQ_INT(at("2026-06-15T00:00:00+02:00"), v[0]);
	T_EQ_INT(at("2026-06-15T06:00:00+02:00"), v[3]);
	T_EQ_INT(at("2026-06-15T08:00:00+02:00"), v[4]);
	T_EQ_INT(at("2026-06-15T16:30:00+02:00"), v[21]);
	T_EQ_INT(at("2026-06-15T18:00:00+02:00"), v[22]);
	/* Thursday 18th too; midsommarafton (19th), midsommardagen (20th)
	 * and Sunday are closed: every two hours all day. */
	T_EQ_INT(25, sched_day_polls(&p, cal, D(2026, 6, 18), v));
	for (int d = 19; d <= 21; d++) {
		T_EQ_INT(12, sched_day_polls(&p, cal, D(2026, 6, d), v));
		for (int i = 1; i < 12; i++)
			T_EQ_INT(2 * HOUR, v[i] - v[i - 1]);
	}
	/* Thursday's last office poll, then the evening grid; Friday is
	 * closed, so no 08:00 poll. */
	T_EQ_INT(at("2026-06-18T18:00:00+02:00"),
	         next_after(&p, 0, at("2026-06-18T16:30:00+02:00")));
	T_EQ_INT(at("2026-06-19T08:00:00+02:00"),
	         next_after(&p, 0, at("2026-06-19T06:00:00+02:00")));
	T_EQ_INT(at("2026-06-19T10:00:00+02:00"),
	         next_after(&p, 0, at("2026-06-19T08:00:00+02:00")));
	/* Monday 22nd: office hours again. */
	T_EQ_INT(at("2026-06-22T08:30:00+02:00"),
	         next_after(&p, 0, at("2026-06-22T08:00:00+02:00")));
}

static void test_dst_spring_forward(void)
{
	/* Sunday 29 March 2026: 02:00 CET becomes 03:00 CEST, the day has 23
	 * hours.  The off-hours grid counts real hours from midnight. */
	struct sched_policy p = policy();
	int64_t v[SCHED_DAY_MAX];
	T_EQ_INT(12, sched_day_polls(&p, cal, D(2026, 3, 29), v));
	T_EQ_INT(at("2026-03-29T00:00:00+01:00"), v[0]);
	T_EQ_INT(at("2026-03-29T03:00:00+02:00"), v[1]);
	T_EQ_INT(at("2026-03-29T23:00:00+02:00"), v[11]);
	for (int i = 1; i < 12; i++)
		T_EQ_INT(2 * HOUR, v[i] - v[i - 1]);
	/* Monday opens at 08:00 local summer time. */
	T_EQ_INT(at("2026-03-30T00:00:00+02:00"),
	         next_after(&p, 0, at("2026-03-29T23:00:00+02:00")));
	T_EQ_INT(at("2026-03-30T08:00:00+02:00"),
	         next_after(&p, 0, at("2026-03-30T06:00:00+02:00")));
	/* The week before still ran on winter time. */
	T_EQ_INT(at("2026-03-27T08:00:00+01:00"),
	         next_after(&p, 0, at("2026-03-27T06:00:00+01:00")));
}

static void test_dst_fall_back(void)
{
	/* Sunday 25 October 2026: 03:00 CEST becomes 02:00 CET, the day has
	 * 25 hours and 02:xx happens twice. */
	struct sched_policy p = policy();
	int64_t v[SCHED_DAY_MAX];
	T_EQ_INT(13, sched_day_polls(&p, cal, D(2026, 10, 25), v));
	T_EQ_INT(at("2026-10-25T00:00:00+02:00"), v[0]);
	T_EQ_INT(at("2026-10-25T02:00:00+02:00"), v[1]);
	T_EQ_INT(at("2026-10-25T03:00:00+01:00"), v[2]);
	T_EQ_INT(at("2026-10-25T23:00:00+01:00"), v[12]);
	T_EQ_INT(at("2026-10-26T00:00:00+01:00"),
	         next_after(&p, 0, at("2026-10-25T23:00:00+01:00")));
	T_EQ_INT(at("2026-10-26T08:00:00+01:00"),
	         next_after(&p, 0, at("2026-10-26T06:00:00+01:00")));
	/* PollAt= is wall-clock time on both sides of the change. */
	struct sched_policy q = policy();
	T_EQ_INT(0, sched_policy_set(&q, "PollAt", "09:00"));
	T_EQ_INT(at("2026-10-23T09:00:00+02:00"),
	         next_after(&q, 0, at("2026-10-23T08:30:00+02:00")));
	T_EQ_INT(at("2026-10-26T09:00:00+01:00"),
	         next_after(&q, 0, at("2026-10-26T08:30:00+01:00")));
}

static void test_crisis_mode(void)
{
	struct sched_policy p = policy();
	int64_t from = at("2026-06-16T20:01:00+02:00"), until = from + HOUR, next = 0;

	/* Without crisis mode the evening waits for 22:00. */
	T_EQ_INT(at("2026-06-16T22:00:00+02:00"),
	         next_after(&p, 0, at("2026-06-16T20:01:00+02:00")));
	/* Switched on: the first crisis poll is the moment it began ... */
	T_EQ_INT(0, sched_next(&p, cal, 0, at("2026-06-16T20:00:00+02:00"), from, until, &next));
	T_EQ_INT(from, next);
	/* ... then every CrisisInterval from then on ... */
	T_EQ_INT(0, sched_next(&p, cal, 0, from, from, until, &next));
	T_EQ_INT(from + 5 * MIN, next);
	T_EQ_INT(0, sched_next(&p, cal, 0, from + 7 * MIN, from, until, &next));
	T_EQ_INT(from + 10 * MIN, next);
	/* ... on top of the rest (the grid's own poll comes first) ... */
	T_EQ_INT(0, sched_next(&p, cal, 0, from + 55 * MIN, from, from + 3 * HOUR, &next));
	T_EQ_INT(from + 60 * MIN, next);
	T_EQ_INT(0, sched_next(&p, cal, 0, at("2026-06-16T21:58:00+02:00"), from, from + 3 * HOUR,
	                       &next));
	T_EQ_INT(at("2026-06-16T22:00:00+02:00"), next);
	/* ... and never at or after its end. */
	T_EQ_INT(0, sched_next(&p, cal, 0, from + 55 * MIN, from, until, &next));
	T_EQ_INT(at("2026-06-16T22:00:00+02:00"), next);
	/* A shorter CrisisInterval= is honoured. */
	T_EQ_INT(0, sched_policy_set(&p, "CrisisInterval", "1min"));
	T_EQ_INT(0, sched_next(&p, cal, 0, from, from, until, &next));
	T_EQ_INT(from + MIN, next);
}

static void test_catch_up_after_downtime(void)
{
	/* The last planned poll was Friday 16:30 before midsommar; vakt was
	 * down until Monday 10:10.  The next planned poll after the last one
	 * lies in the past: the poller polls at once and goes on from the
	 * present, not through every missed slot. */
	struct sched_policy p = policy();
	int64_t last = at("2026-06-18T16:30:00+02:00"), now = at("2026-06-22T10:10:00+02:00");
	int64_t missed = next_after(&p, 0, last);
	T_EQ_INT(at("2026-06-18T18:00:00+02:00"), missed);
	T_ASSERT(missed <= now);
	T_EQ_INT(at("2026-06-22T10:30:00+02:00"), next_after(&p, 0, now));
	/* After a long holiday run the next poll is still found (the search
	 * looks a month ahead), also with nothing planned on closed days. */
	struct sched_policy q = policy();
	T_EQ_INT(0, sched_policy_set(&q, "OffHoursInterval", "off"));
	T_EQ_INT(at("2026-12-28T08:00:00+01:00"),
	         next_after(&q, 0, at("2026-12-23T16:30:00+01:00")));
}

static void test_jitter_shifts_every_planned_poll(void)
{
	struct sched_policy p;
	sched_policy_default(&p);
	int64_t off = sched_jitter_offset("trafik-x", &p);
	T_ASSERT(off >= 0 && off < p.jitter_usec);
	T_EQ_INT(0, off % USEC_PER_SEC);
	T_EQ_INT(off, sched_jitter_offset("trafik-x", &p)); /* stable */
	T_EQ_INT(271 * USEC_PER_SEC, off);                  /* FNV-1a of the id: fixed forever */
	T_EQ_INT(at("2026-06-16T10:30:00+02:00") + off,
	         next_after(&p, off, at("2026-06-16T10:00:00+02:00") + off));
	/* Just before the shifted slot, that slot; not the unshifted one. */
	T_EQ_INT(at("2026-06-16T10:30:00+02:00") + off,
	         next_after(&p, off, at("2026-06-16T10:30:00+02:00")));
	p.jitter_usec = 0;
	T_EQ_INT(0, sched_jitter_offset("trafik-x", &p));
}

static void test_three_polls_floor(void)
{
	struct sched_policy p = policy();
	int64_t dn = 0;
	int n = -1;

	/* The defaults pass every business day of 2026. */
	T_EQ_INT(0, sched_check_floor(&p, cal, D(2026, 1, 1), 365, &dn, &n));
	/* Two fixed polls and nothing else: the first business day after
	 * midsommar fails with its count; closed days do not count. */
	T_EQ_INT(0, sched_policy_set(&p, "Interval", "off"));
	T_EQ_INT(0, sched_policy_set(&p, "OffHoursInterval", "off"));
	T_EQ_INT(0, sched_policy_set(&p, "PollAt", "09:00 12:00"));
	T_EQ_INT(1, sched_check_floor(&p, cal, D(2026, 6, 19), 7, &dn, &n));
	T_EQ_INT(D(2026, 6, 22), dn);
	T_EQ_INT(2, n);
	T_EQ_INT(0, sched_check_floor(&p, cal, D(2026, 6, 19), 3, &dn, &n)); /* all closed */
	/* Three are enough. */
	T_EQ_INT(0, sched_policy_set(&p, "PollAt", "09:00 12:00 15:00"));
	T_EQ_INT(0, sched_check_floor(&p, cal, D(2026, 1, 1), 365, &dn, &n));
	/* Off-hours polls on a business day count towards the floor too. */
	T_EQ_INT(0, sched_policy_set(&p, "PollAt", "09:00"));
	T_EQ_INT(0, sched_policy_set(&p, "OffHoursInterval", "6h"));
	T_EQ_INT(0, sched_check_floor(&p, cal, D(2026, 6, 15), 7, &dn, &n));
}

int main(void)
{
	if (cal_new(&cal) < 0) {
		printf("Bail out! no Europe/Stockholm time zone\n");
		return 1;
	}
	T_RUN(test_policy_defaults_and_keys);
	T_RUN(test_midsommar_week);
	T_RUN(test_dst_spring_forward);
	T_RUN(test_dst_fall_back);
	T_RUN(test_crisis_mode);
	T_RUN(test_catch_up_after_downtime);
	T_RUN(test_jitter_shifts_every_planned_poll);
	T_RUN(test_three_polls_floor);
	cal_free(cal);
	return t_done();
}
