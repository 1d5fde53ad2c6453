/* Polls counted per account and local day (migration 10), kept by the
 * functions that record a poll, in the same transaction, so /v1/accounts
 * reads a day's count instead of counting a day's polls. */
#include <errno.h>
#include <stdio.h>
#include <string.h>

#include "calendar/tz.h"
#include "store/store-internal.h"
#include "util/clock.h"

/* The local day of an instant in zone `zone`; floor division, so an
 * instant before 1970 still falls in its own day. */
static int local_day(const char *zone, int64_t usec, int64_t *ret)
{
	struct cal_tz tz;
	struct cal_local l;
	int64_t sec = usec / USEC_PER_SEC - (usec % USEC_PER_SEC < 0);

	/* A name the configuration already checked (cal_tz_init): no second
	 * look at the tz database for every poll. */
	if (snprintf(tz.name, sizeof(tz.name), "%s", zone) >= (int)sizeof(tz.name))
		return -EINVAL;
	int r = cal_tz_to_local(&tz, sec, &l);
	if (r == 0)
		*ret = l.dn;
	return r;
}

/* The zone the account's days are counted in; "" when they are not. */
static int counted_zone(struct store *s, const char *account, char *buf, size_t len)
{
	sqlite3_stmt *st =
	        store_prepare_cached(s, "SELECT poll_days_zone FROM accounts WHERE id=?");
	int r = STORE_E_SQLITE;
	if (!st)
		return r;
	sqlite3_bind_text(st, 1, account, -1, SQLITE_STATIC);
	int sr = sqlite3_step(st);
	if (sr == SQLITE_ROW || sr == SQLITE_DONE) {
		const unsigned char *z = sr == SQLITE_ROW ? sqlite3_column_text(st, 0) : NULL;
		snprintf(buf, len, "%s", z ? (const char *)z : "");
		r = 0;
	}
	store_stmt_done(s, st);
	return r;
}

#define UPSERT_DAY                                                                                 \
	"INSERT INTO account_poll_days(day, account_id, polls, ok) VALUES (?,?,?,?) "              \
	"ON CONFLICT(day, account_id) DO UPDATE SET polls = polls + excluded.polls, "              \
	"ok = ok + excluded.ok"

/* One step of UPSERT_DAY, reset for the next. */
static int step_row(sqlite3_stmt *st, const char *account, int64_t day, int64_t polls, int64_t ok)
{
	sqlite3_reset(st);
	sqlite3_bind_int64(st, 1, day);
	sqlite3_bind_text(st, 2, account, -1, SQLITE_STATIC);
	sqlite3_bind_int64(st, 3, polls);
	sqlite3_bind_int64(st, 4, ok);
	return sqlite3_step(st) == SQLITE_DONE ? 0 : STORE_E_SQLITE;
}

static int add_row(struct store *s, const char *account, int64_t day, int64_t polls, int64_t ok)
{
	sqlite3_stmt *st = store_prepare_cached(s, UPSERT_DAY);
	if (!st)
		return STORE_E_SQLITE;
	int r = step_row(st, account, day, polls, ok);
	store_stmt_done(s, st);
	return r;
}

int store_poll_days_add(struct store *s, const char *account, int64_t started_usec, int64_t polls,
                        int64_t ok)
{
	char zone[CAL_TZ_NAME_MAX];
	int64_t day = 0;
	int r = counted_zone(s, account, zone, sizeof(zone));
	if (r || !zone[0])
		return r; /* not counted yet: the next accounts sync counts it */
	if ((r = local_day(zone, started_usec, &day)) < 0)
		return r;
	return add_row(s, account, day, polls, ok);
}

/* The local day of an instant and that day's bounds [from, to) in
 * microseconds, as /v1/accounts computes a day's window. */
static int day_span(const char *zone, int64_t usec, int64_t *ret_day, int64_t *ret_from,
                    int64_t *ret_to)
{
	struct cal_tz tz;
	int64_t from, to;
	int r = local_day(zone, usec, ret_day);
	if (r < 0)
		return r;
	snprintf(tz.name, sizeof(tz.name), "%s", zone); /* local_day() checked its length */
	if ((r = cal_tz_from_local(&tz, *ret_day, 0, &from)) < 0 ||
	    (r = cal_tz_from_local(&tz, *ret_day, 86400, &to)) < 0)
		return r;
	*ret_from = from * USEC_PER_SEC;
	*ret_to = to * USEC_PER_SEC;
	return 0;
}

/* Count an account's polls per day from `polls` (its index by account and
 * start, in order, so a day's polls come together) into its rows.  The
 * zone is asked once per day, not per poll: a year of hourly polls of 800
 * accounts is 7 million polls but 290,000 days. */
static int count_from_polls(struct store *s, const char *account, const char *zone)
{
	sqlite3_stmt *st = store_prepare(s, "SELECT started_at, result IS 'ok' FROM polls "
	                                    "WHERE account_id=? ORDER BY started_at");
	/* Prepared once: one row per day, 290,000 for 800 accounts' year. */
	sqlite3_stmt *ins = store_prepare(s, UPSERT_DAY);
	int64_t day = 0, from = 0, to = 0, polls = 0, ok = 0;
	int r = st && ins ? 0 : STORE_E_SQLITE, sr = SQLITE_DONE;
	if (r) {
		sqlite3_finalize(st);
		sqlite3_finalize(ins);
		return r;
	}
	sqlite3_bind_text(st, 1, account, -1, SQLITE_STATIC);
	while (r == 0 && (sr = sqlite3_step(st)) == SQLITE_ROW) {
		int64_t t = sqlite3_column_int64(st, 0);
		if (!polls || t < from || t >= to) {
			if (polls && (r = step_row(ins, account, day, polls, ok)) != 0)
				break;
			polls = ok = 0;
			if ((r = day_span(zone, t, &day, &from, &to)) < 0)
				break;
		}
		polls++;
		ok += sqlite3_column_int(st, 1);
	}
	if (r == 0 && sr != SQLITE_DONE)
		r = STORE_E_SQLITE;
	sqlite3_finalize(st);
	if (r == 0 && polls)
		r = step_row(ins, account, day, polls, ok);
	sqlite3_finalize(ins);
	return r;
}

int store_poll_days_sync(struct store *s, const char *account, const char *zone)
{
	char counted[CAL_TZ_NAME_MAX];
	int r = counted_zone(s, account, counted, sizeof(counted));
	if (r || strcmp(counted, zone) == 0)
		return r;
	/* Counted in another zone, or never: count again, in one level so
	 * a failure leaves the old rows and their zone together. */
	if ((r = store_begin(s)) != 0)
		return r;
	sqlite3_stmt *st = store_prepare(s, "DELETE FROM account_poll_days WHERE account_id=?");
	r = st ? 0 : STORE_E_SQLITE;
	if (st) {
		sqlite3_bind_text(st, 1, account, -1, SQLITE_STATIC);
		if (sqlite3_step(st) != SQLITE_DONE)
			r = STORE_E_SQLITE;
		sqlite3_finalize(st);
	}
	if (r == 0)
		r = count_from_polls(s, account, zone);
	if (r == 0) {
		st = store_prepare(s, "UPDATE accounts SET poll_days_zone=? WHERE id=?");
		r = st ? 0 : STORE_E_SQLITE;
		if (st) {
			sqlite3_bind_text(st, 1, zone, -1, SQLITE_STATIC);
			sqlite3_bind_text(st, 2, account, -1, SQLITE_STATIC);
			if (sqlite3_step(st) != SQLITE_DONE)
				r = STORE_E_SQLITE;
			sqlite3_finalize(st);
		}
	}
	return store_end(s, r);
}
