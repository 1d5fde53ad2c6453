/* Polls counted per account and local day (migration 10): a store made by
 * the previous schema (8) is migrated, counted at the accounts sync, kept
 * by store_poll_begin/end, and counted again when a calendar changes zone;
 * every day's kept count equals the count of the polls themselves. */
#include <sqlite3.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#include "calendar/cal.h"
#include "config/config.h"
#include "store/store-db.h"
#include "t.h"
#include "tdb.h"
#include "tfs.h"
#include "util/clock.h"

#define HOUR (INT64_C(3600) * USEC_PER_SEC)
#define DAY (24 * HOUR)
/* 2026-03-01T00:00:00Z: the days around both DST changes of March 2026
 * (America/New_York on the 8th, Europe/Stockholm on the 29th). */
#define T0 (INT64_C(1772323200) * USEC_PER_SEC)
#define N_DAYS 40

static void write_config(const char *dir, const char *ny_zone)
{
	char conf[512];
	snprintf(conf, sizeof(conf),
	         "[Unit u]\nTitle=U\nManager=M\nManagerEmail=m@example.invalid\n"
	         "[Calendar other]\nTimeZone=%s\n",
	         ny_zone);
	tfs_write(dir, "vaktd.conf", conf);
	tfs_write(dir, "accounts.d/a.conf",
	          "[Account]\nPlatform=mastodon\nUnit=u\nExternalId=1\n"
	          "ApiBaseUrl=http://127.0.0.1:9/m\nEnabled=no\n");
	tfs_write(dir, "accounts.d/b.conf",
	          "[Account]\nPlatform=mastodon\nUnit=u\nExternalId=2\n"
	          "ApiBaseUrl=http://127.0.0.1:9/m\nEnabled=no\nCalendar=other\n");
}

static struct config *load(const char *dir, const char *state)
{
	struct config_overrides ovr = { .state_dir = state, .api_socket = "/nonexistent/api.sock" };
	struct diag_list dl = { 0 };
	struct config *c = NULL;
	T_EQ_INT(0, config_load(dir, &ovr, &c, &dl));
	diag_list_clear(&dl);
	return c;
}

/* Every local day of the account around T0: the kept count (a window with
 * its zone and day) equals the count of its polls (the same window
 * without), for all polls and the good ones; returns the polls seen. */
static int64_t check_days(struct store *s, const struct config_account *a)
{
	const struct cal_tz *tz = cal_timezone(a->cal);
	struct cal_local l;
	int64_t seen = 0;
	T_EQ_INT(0, cal_tz_to_local(tz, T0 / USEC_PER_SEC, &l));
	for (int64_t dn = l.dn - 2; dn < l.dn + N_DAYS + 2; dn++) {
		int64_t from, to;
		T_EQ_INT(0, cal_tz_from_local(tz, dn, 0, &from));
		T_EQ_INT(0, cal_tz_from_local(tz, dn, 86400, &to));
		struct store_poll_window w[2] = {
			{ a->id,
			  { from * USEC_PER_SEC, 0 },
			  { to * USEC_PER_SEC, 0 },
			  true,
			  tz->name,
			  { dn, 0 } },
			{ a->id,
			  { from * USEC_PER_SEC, 0 },
			  { to * USEC_PER_SEC, 0 },
			  true,
			  NULL,
			  { 0, 0 } },
		};
		struct store_poll_summary sum[2];
		int64_t total = 0, ok = 0;
		T_EQ_INT(0, store_poll_summaries(s, w, 2, sum));
		T_EQ_INT(0, store_polls_count(s, a->id, w[0].from[0], w[0].to[0], &total, &ok));
		if (sum[0].total[0] != total || sum[0].ok[0] != ok || sum[1].total[0] != total)
			T_FAIL_("%s day %lld: kept %lld/%lld, counted %lld/%lld", a->id,
			        (long long)dn, (long long)sum[0].total[0], (long long)sum[0].ok[0],
			        (long long)total, (long long)ok);
		seen += total;
	}
	return seen;
}

/* The latest poll read through accounts.last_poll_id is the one the polls'
 * index finds. */
static void check_latest(struct store *s, const char *account)
{
	struct store_poll_window w = { account, { 0, 0 }, { 0, 0 }, true, NULL, { 0, 0 } };
	struct store_poll_summary sum;
	int64_t started = -1;
	char result[16];
	T_EQ_INT(0, store_poll_summaries(s, &w, 1, &sum));
	T_EQ_INT(0, store_poll_latest(s, account, &started, result, sizeof(result)));
	T_ASSERT(started > 0);
	T_EQ_INT(started, sum.last_started);
	T_EQ_STR(result, sum.last_result);
}

static void test_previous_schema_store_is_counted(void)
{
	char *dir = tfs_mkdtemp(), path[4200], conf[4200], err[256] = "";
	sqlite3 *db = NULL;
	struct store *s = NULL;
	struct config *cfg = NULL;

	snprintf(path, sizeof(path), "%s/vakt.db", dir);
	snprintf(conf, sizeof(conf), "%s/conf", dir);
	char accounts_d[4300];
	snprintf(accounts_d, sizeof(accounts_d), "%s/accounts.d", conf);
	T_EQ_INT(0, mkdir(conf, 0700));
	T_EQ_INT(0, mkdir(accounts_d, 0700));
	write_config(conf, "America/New_York");

	/* The previous release's store: schema 8, its accounts and 40 days
	 * of polls every 50 minutes (so some start minutes before and after
	 * local midnights), ok, failed and still running in turn. */
	T_EQ_INT(SQLITE_OK, sqlite3_open(path, &db));
	T_EQ_INT(0, store_migrate(db, 8, err, sizeof(err)));
	char sql[1024];
	snprintf(sql, sizeof(sql),
	         "INSERT INTO accounts(id, platform, unit, external_id, created_at, updated_at) "
	         "VALUES ('a','mastodon','u','1',0,0), ('b','mastodon','u','2',0,0);"
	         "WITH RECURSIVE n(i) AS (SELECT 0 UNION ALL SELECT i+1 FROM n WHERE i < %d) "
	         "INSERT INTO polls(account_id, planned_at, started_at, finished_at, result) "
	         "SELECT CASE i %% 3 WHEN 0 THEN 'b' ELSE 'a' END, %lld + i * %lld, "
	         "%lld + i * %lld, %lld + i * %lld + 1000, "
	         "CASE i %% 5 WHEN 0 THEN 'error' WHEN 1 THEN NULL ELSE 'ok' END FROM n;",
	         (int)(N_DAYS * DAY / (50 * 60 * USEC_PER_SEC)), (long long)T0,
	         (long long)(50 * 60 * USEC_PER_SEC), (long long)T0,
	         (long long)(50 * 60 * USEC_PER_SEC), (long long)T0,
	         (long long)(50 * 60 * USEC_PER_SEC));
	T_EQ_INT(SQLITE_OK, sqlite3_exec(db, sql, NULL, NULL, NULL));
	int64_t polls = tdb_int(db, "SELECT count(*) FROM polls");
	T_ASSERT(polls > 1000);
	sqlite3_close(db);

	T_EQ_INT(0, store_open(path, &s, err, sizeof(err)));
	if (!s) {
		T_FAIL_("%s", err);
		goto out;
	}
	int v = 0;
	T_EQ_INT(0, store_schema_version(s, &v));
	T_EQ_INT(store_schema_latest(), v);
	T_EQ_INT(0, tdb_int(store_db(s), "SELECT count(*) FROM account_poll_days"));
	T_EQ_INT(2, tdb_int(store_db(s), "SELECT count(*) FROM accounts WHERE poll_days_zone "
	                                 "IS NULL"));

	/* The first sync counts every poll, in each account's zone. */
	cfg = load(conf, dir);
	if (!cfg)
		goto out;
	T_EQ_INT(0, store_accounts_sync(s, cfg, "test"));
	T_EQ_INT(polls, tdb_int(store_db(s), "SELECT sum(polls) FROM account_poll_days"));
	T_EQ_INT(tdb_int(store_db(s), "SELECT count(*) FROM polls WHERE result='ok'"),
	         tdb_int(store_db(s), "SELECT sum(ok) FROM account_poll_days"));
	T_EQ_INT(1, tdb_int(store_db(s), "SELECT count(*) FROM accounts WHERE id='b' AND "
	                                 "poll_days_zone='America/New_York'"));
	struct cal_local l;
	int64_t seen = 0;
	for (size_t i = 0; i < cfg->n_accounts; i++)
		seen += check_days(s, &cfg->accounts[i]);
	T_EQ_INT(polls, seen);
	check_latest(s, "a");
	check_latest(s, "b");

	/* What is read is the kept count, not a count of the polls. */
	const struct config_account *a = config_find_account(cfg, "a");
	T_EQ_INT(0, cal_tz_to_local(cal_timezone(a->cal), T0 / USEC_PER_SEC + 5 * 86400, &l));
	int64_t from, to;
	T_EQ_INT(0, cal_tz_from_local(cal_timezone(a->cal), l.dn, 0, &from));
	T_EQ_INT(0, cal_tz_from_local(cal_timezone(a->cal), l.dn, 86400, &to));
	snprintf(sql, sizeof(sql),
	         "UPDATE account_poll_days SET polls = polls + 7 WHERE account_id='a' AND day=%lld",
	         (long long)l.dn);
	T_EQ_INT(SQLITE_OK, sqlite3_exec(store_db(s), sql, NULL, NULL, NULL));
	struct store_poll_window w = { "a",  { from * USEC_PER_SEC, 0 }, { to * USEC_PER_SEC, 0 },
		                       true, cal_timezone(a->cal)->name, { l.dn, 0 } };
	struct store_poll_summary sum;
	int64_t total, ok;
	T_EQ_INT(0, store_poll_summaries(s, &w, 1, &sum));
	T_EQ_INT(0, store_polls_count(s, "a", w.from[0], w.to[0], &total, &ok));
	T_ASSERT(total > 0);
	T_EQ_INT(total + 7, sum.total[0]);
	snprintf(sql, sizeof(sql),
	         "UPDATE account_poll_days SET polls = polls - 7 WHERE account_id='a' AND day=%lld",
	         (long long)l.dn);
	T_EQ_INT(SQLITE_OK, sqlite3_exec(store_db(s), sql, NULL, NULL, NULL));

	/* New polls are counted as they are recorded: one just before and
	 * one just after a local midnight, a result that becomes ok, one
	 * that fails, one still running. */
	const struct config_account *b = config_find_account(cfg, "b");
	int64_t mid;
	T_EQ_INT(0, cal_tz_to_local(cal_timezone(b->cal), T0 / USEC_PER_SEC + 10 * 86400, &l));
	T_EQ_INT(0, cal_tz_from_local(cal_timezone(b->cal), l.dn, 0, &mid));
	int64_t id1, id2, id3;
	T_EQ_INT(0, store_poll_begin(s, "b", mid * USEC_PER_SEC - 1, mid * USEC_PER_SEC - 1, &id1));
	T_EQ_INT(0, store_poll_begin(s, "b", mid * USEC_PER_SEC, mid * USEC_PER_SEC, &id2));
	T_EQ_INT(0, store_poll_begin(s, "a", mid * USEC_PER_SEC, mid * USEC_PER_SEC, &id3));
	T_EQ_INT(0, store_poll_end(s, id1, mid * USEC_PER_SEC, "ok", 1, 0, NULL));
	T_EQ_INT(0, store_poll_end(s, id2, mid * USEC_PER_SEC, "error", 0, 0, "down"));
	T_EQ_INT(0, store_poll_end(s, id2, mid * USEC_PER_SEC, "ok", 0, 0, NULL));
	T_EQ_INT(0, store_poll_end(s, id1, mid * USEC_PER_SEC, "error", 0, 0, "again"));
	seen = 0;
	for (size_t i = 0; i < cfg->n_accounts; i++)
		seen += check_days(s, &cfg->accounts[i]);
	T_EQ_INT(polls + 3, seen);
	check_latest(s, "a");
	check_latest(s, "b");
	/* A poll recorded late, started before the latest, is not the latest. */
	int64_t latest = tdb_int(store_db(s), "SELECT last_poll_id FROM accounts WHERE id='a'"),
	        id4;
	T_EQ_INT(0, store_poll_begin(s, "a", T0, T0 + 1, &id4));
	T_EQ_INT(latest, tdb_int(store_db(s), "SELECT last_poll_id FROM accounts WHERE id='a'"));
	check_latest(s, "a");
	T_EQ_INT(0, store_poll_end(s, id4, T0 + 2, "ok", 0, 0, NULL));

	/* A poll that cannot be recorded leaves no count behind. */
	int64_t before = tdb_int(store_db(s), "SELECT sum(polls) FROM account_poll_days");
	T_EQ_INT(STORE_E_SQLITE, store_poll_end(s, 999999999, 0, "ok", 0, 0, NULL));
	T_EQ_INT(before, tdb_int(store_db(s), "SELECT sum(polls) FROM account_poll_days"));

	/* A calendar that changes zone: its account is counted again. */
	config_free(cfg);
	write_config(conf, "Asia/Kolkata");
	cfg = load(conf, dir);
	if (!cfg)
		goto out;
	T_EQ_INT(0, store_accounts_sync(s, cfg, "test"));
	T_EQ_INT(1, tdb_int(store_db(s), "SELECT count(*) FROM accounts WHERE id='b' AND "
	                                 "poll_days_zone='Asia/Kolkata'"));
	seen = 0;
	for (size_t i = 0; i < cfg->n_accounts; i++)
		seen += check_days(s, &cfg->accounts[i]);
	T_EQ_INT(polls + 4, seen);
	T_EQ_INT(polls + 4, tdb_int(store_db(s), "SELECT sum(polls) FROM account_poll_days"));
out:
	config_free(cfg);
	store_close(s);
	tfs_rmrf(dir);
}

int main(void)
{
	T_RUN(test_previous_schema_store_is_counted);
	return t_done();
}
