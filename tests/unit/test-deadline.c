/* Deadline clocks on a temporary store with the default calendar: due and
 * warning instants of each kind, pause/resume, stop, the scan, a restart,
 * the formal case (FL 11 §, 12 §), the pending query and the policy
 * parser.  Every test ends by verifying the audit chain. */
#include <errno.h>

#include "t.h"
#include "tfs.h"

#include "calendar/bizmath.h"
#include "calendar/cal-config.h"
#include "calendar/instant.h"
#include "deadline/deadline.h"
#include "store/audit.h"
#include "store/store-db.h"
#include "store/store.h"

#define HOUR (INT64_C(3600) * 1000000)
#define MIN (INT64_C(60) * 1000000)

struct fx {
	char *dir;
	char *path;
	struct store *s;
	struct cal *cal;
	struct deadline_policy p;
};

static void fx_open_store(struct fx *f)
{
	char err[256] = "";
	f->s = NULL;
	if (store_open(f->path, &f->s, err, sizeof(err)) != 0) {
		printf("# store_open: %s\n", err);
		abort();
	}
}

static void exec_sql(struct fx *f, const char *sql)
{
	if (sqlite3_exec(store_db(f->s), sql, NULL, NULL, NULL) != SQLITE_OK) {
		printf("# %s: %s\n", sql, sqlite3_errmsg(store_db(f->s)));
		abort();
	}
}

/* Local time in Europe/Stockholm, "2026-11-20T16:45". */
static int64_t at(struct fx *f, const char *local)
{
	int64_t t = 0;
	if (cal_parse_instant(f->cal, local, &t) != 0) {
		printf("# bad instant %s\n", local);
		abort();
	}
	return t;
}

static void fx_init(struct fx *f)
{
	f->dir = tfs_mkdtemp();
	if (asprintf(&f->path, "%s/vakt.db", f->dir) < 0)
		abort();
	fx_open_store(f);
	if (cal_new(&f->cal) != 0)
		abort();
	deadline_policy_init(&f->p);
	exec_sql(f, "INSERT INTO accounts(id, platform, unit, external_id, created_at, updated_at) "
	            "VALUES ('kultur-fb', 'facebook', 'kultur', '1', 1, 1), "
	            "('idrott-x', 'x', 'idrott', '2', 1, 1)");
}

/* An item on `account` published at `published`; returns its id. */
static int64_t item(struct fx *f, const char *account, int64_t published)
{
	sqlite3_stmt *st = NULL;
	static int seq;
	char pid[32];
	snprintf(pid, sizeof(pid), "p%d", ++seq);
	sqlite3_prepare_v2(store_db(f->s),
	                   "INSERT INTO items(account_id, platform_id, kind, published_at, "
	                   "first_seen_at, last_seen_at) VALUES (?, ?, 'comment', ?, ?, ?)",
	                   -1, &st, NULL);
	sqlite3_bind_text(st, 1, account, -1, SQLITE_STATIC);
	sqlite3_bind_text(st, 2, pid, -1, SQLITE_STATIC);
	sqlite3_bind_int64(st, 3, published);
	sqlite3_bind_int64(st, 4, published);
	sqlite3_bind_int64(st, 5, published);
	if (sqlite3_step(st) != SQLITE_DONE)
		abort();
	sqlite3_finalize(st);
	return sqlite3_last_insert_rowid(store_db(f->s));
}

static int64_t count(struct fx *f, const char *sql)
{
	sqlite3_stmt *st = NULL;
	int64_t v = -1;
	if (sqlite3_prepare_v2(store_db(f->s), sql, -1, &st, NULL) == SQLITE_OK &&
	    sqlite3_step(st) == SQLITE_ROW)
		v = sqlite3_column_int64(st, 0);
	sqlite3_finalize(st);
	return v;
}

static int64_t audit_count(struct fx *f, const char *action, int64_t id)
{
	char sql[256];
	snprintf(sql, sizeof(sql),
	         "SELECT count(*) FROM audit_log WHERE action = '%s' AND subject = 'deadline:%lld'",
	         action, (long long)id);
	return count(f, sql);
}

/* The detail of the last audit entry `action` of clock id (freed by the
 * caller). */
static char *audit_detail(struct fx *f, const char *action, int64_t id)
{
	sqlite3_stmt *st = NULL;
	char subject[48], *v = NULL;
	snprintf(subject, sizeof(subject), "deadline:%lld", (long long)id);
	sqlite3_prepare_v2(store_db(f->s),
	                   "SELECT detail FROM audit_log WHERE action = ? AND subject = ? "
	                   "ORDER BY seq DESC LIMIT 1",
	                   -1, &st, NULL);
	sqlite3_bind_text(st, 1, action, -1, SQLITE_STATIC);
	sqlite3_bind_text(st, 2, subject, -1, SQLITE_STATIC);
	if (sqlite3_step(st) == SQLITE_ROW)
		v = strdup((const char *)sqlite3_column_text(st, 0));
	sqlite3_finalize(st);
	return v;
}

/* Verify the chain and tear down. */
static void fx_done(struct fx *f)
{
	int64_t n = -1, bad = -1;
	T_EQ_INT(0, store_audit_verify(f->s, &n, &bad));
	T_ASSERT(n > 0);
	store_close(f->s);
	cal_free(f->cal);
	free(f->path);
	tfs_rmrf(f->dir);
}

/* Scan at `now` into a fixed array; returns the count (-1 on error). */
static int scan(struct fx *f, int64_t now, struct deadline_transition *out, int room)
{
	struct deadline_transition *v = NULL;
	size_t n = 0;
	int r = deadline_scan(f->s, now, "test", DEADLINE_SCAN_MAX, &v, &n);
	if (r != 0)
		return -1;
	for (size_t i = 0; i < n && (int)i < room; i++)
		out[i] = v[i];
	free(v);
	return (int)n;
}

static struct deadline get(struct fx *f, int64_t id)
{
	struct deadline d = { 0 };
	T_EQ_INT(0, deadline_get(f->s, id, &d));
	return d;
}

/* --- due and warning instants ------------------------------------------- */

static void test_respond_friday_evening_due_monday(void)
{
	struct fx f;
	fx_init(&f);
	int64_t pub = at(&f, "2026-11-20T16:45"); /* Friday */
	int64_t it = item(&f, "kultur-fb", pub), id = 0;
	T_EQ_INT(0, deadline_start(f.s, f.cal, &f.p, it, DEADLINE_RESPOND, pub,
	                           at(&f, "2026-11-21T10:00"), "test", &id));
	struct deadline d = get(&f, id);
	T_EQ_INT(at(&f, "2026-11-23T16:45"), d.due_at);
	/* 9 business hours in all (15 min Friday, 8 h 45 Monday); 75 % is
	 * 6 h 45: 15 min Friday and 6 h 30 from Monday's opening. */
	T_EQ_INT(at(&f, "2026-11-23T14:30"), d.warn_at);
	T_EQ_STR("1 business day", d.duration);
	T_EQ_INT(75, d.warn_pct);
	T_EQ_INT(DEADLINE_RUNNING, d.state);
	T_EQ_INT(1, audit_count(&f, "deadline.start", id));
	/* The instants as their digits (cJSON's doubles printed 1.7e+15). */
	char *detail = audit_detail(&f, "deadline.start", id), want[64];
	snprintf(want, sizeof(want), "\"due_at\":%lld,", (long long)d.due_at);
	T_CONTAINS(detail, want);
	snprintf(want, sizeof(want), "\"warn_at\":%lld,", (long long)d.warn_at);
	T_CONTAINS(detail, want);
	T_CONTAINS(detail, "\"warn_pct\":75,");
	T_CONTAINS(detail, "\"left_usec\":null");
	free(detail);
	fx_done(&f);
}

static void test_review_obvious_runs_around_the_clock(void)
{
	struct fx f;
	fx_init(&f);
	int64_t pub = at(&f, "2026-11-21T03:00"); /* Saturday night */
	int64_t it = item(&f, "kultur-fb", pub), id = 0;
	T_EQ_INT(0, deadline_start(f.s, f.cal, &f.p, it, DEADLINE_REVIEW_OBVIOUS, pub,
	                           at(&f, "2026-11-21T03:02"), "test", &id));
	struct deadline d = get(&f, id);
	T_EQ_INT(at(&f, "2026-11-21T05:00"), d.due_at);
	T_EQ_INT(at(&f, "2026-11-21T04:30"), d.warn_at);
	T_EQ_STR("2 hours", d.duration);
	fx_done(&f);
}

static void test_review_possible_in_business_hours(void)
{
	struct fx f;
	fx_init(&f);
	int64_t pub = at(&f, "2026-11-23T15:00"); /* Monday */
	int64_t it = item(&f, "kultur-fb", pub), id = 0;
	T_EQ_INT(0, deadline_start(f.s, f.cal, &f.p, it, DEADLINE_REVIEW_POSSIBLE, pub, pub, "test",
	                           &id));
	struct deadline d = get(&f, id);
	/* 2 h Monday, 2 h Tuesday; the warning after 3 of the 4 hours. */
	T_EQ_INT(at(&f, "2026-11-24T10:00"), d.due_at);
	T_EQ_INT(at(&f, "2026-11-24T09:00"), d.warn_at);
	fx_done(&f);
}

static void test_start_is_publication_not_now(void)
{
	struct fx f;
	fx_init(&f);
	int64_t pub = at(&f, "2026-11-19T10:00"); /* Thursday */
	int64_t now = at(&f, "2026-11-20T12:00"); /* vakt sees it a day late */
	int64_t it = item(&f, "kultur-fb", pub), id = 0;
	struct deadline_transition tr[4];
	T_EQ_INT(0, deadline_start(f.s, f.cal, &f.p, it, DEADLINE_RESPOND, pub, now, "test", &id));
	struct deadline d = get(&f, id);
	T_EQ_INT(pub, d.started_at);
	T_EQ_INT(now, d.created_at);
	T_EQ_INT(at(&f, "2026-11-20T10:00"), d.due_at);
	/* Already past both: the first scan reports the warning, then the
	 * breach. */
	T_EQ_INT(2, scan(&f, now, tr, 4));
	T_EQ_INT(DEADLINE_LEVEL_WARNING, tr[0].level);
	T_EQ_INT(DEADLINE_LEVEL_BREACH, tr[1].level);
	T_EQ_INT(id, tr[1].deadline_id);
	T_EQ_INT(it, tr[1].item_id);
	T_EQ_INT(DEADLINE_RESPOND, tr[1].kind);
	T_EQ_INT(d.due_at, tr[1].due_at);
	fx_done(&f);
}

static void test_midsommar_week(void)
{
	struct fx f;
	fx_init(&f);
	/* Thursday 18 June 2026, the day before midsommarafton; Friday and
	 * the weekend are closed.  2 h Thursday (15-17) + 2 h Monday from
	 * 08:00 = Monday 10:00 with the default calendar. */
	int64_t pub = at(&f, "2026-06-18T15:00");
	int64_t a = item(&f, "kultur-fb", pub), b = item(&f, "idrott-x", pub), id = 0;
	T_EQ_INT(0, deadline_start(f.s, f.cal, &f.p, a, DEADLINE_REVIEW_POSSIBLE, pub, pub, "test",
	                           &id));
	T_EQ_INT(at(&f, "2026-06-22T10:00"), get(&f, id).due_at);
	/* A unit that closes at 16:00 the day before midsommarafton: 1 h
	 * Thursday + 3 h Monday = 11:00. */
	struct cal *half = NULL;
	T_EQ_INT(0, cal_new(&half));
	T_EQ_INT(0, cal_set_option(half, "HalfDay", "2026-06-18 16:00"));
	T_EQ_INT(0, deadline_start(f.s, half, &f.p, b, DEADLINE_REVIEW_POSSIBLE, pub, pub, "test",
	                           &id));
	T_EQ_INT(at(&f, "2026-06-22T11:00"), get(&f, id).due_at);
	cal_free(half);
	fx_done(&f);
}

static void test_start_refusals(void)
{
	struct fx f;
	fx_init(&f);
	int64_t pub = at(&f, "2026-11-23T09:00");
	int64_t it = item(&f, "kultur-fb", pub), id = 0, id2 = -7;
	T_EQ_INT(0, deadline_start(f.s, f.cal, &f.p, it, DEADLINE_RESPOND, pub, pub, "test", &id));
	/* Once per item and kind, whatever the first clock's state. */
	T_EQ_INT(DEADLINE_E_EXISTS,
	         deadline_start(f.s, f.cal, &f.p, it, DEADLINE_RESPOND, pub, pub, "test", &id2));
	T_EQ_INT(0, deadline_stop(f.s, id, DEADLINE_STOP_MET, pub + HOUR, "test"));
	T_EQ_INT(DEADLINE_E_EXISTS,
	         deadline_start(f.s, f.cal, &f.p, it, DEADLINE_RESPOND, pub, pub, "test", &id2));
	T_EQ_INT(-7, id2);
	struct deadline found = { 0 };
	T_EQ_INT(0, deadline_find(f.s, it, DEADLINE_RESPOND, &found));
	T_EQ_INT(id, found.id);
	T_EQ_INT(DEADLINE_MET, found.state);
	T_EQ_INT(-ENOENT, deadline_find(f.s, it, DEADLINE_REVIEW_OBVIOUS, &found));
	/* Another kind on the same item is a different clock. */
	T_EQ_INT(0, deadline_start(f.s, f.cal, &f.p, it, DEADLINE_REVIEW_POSSIBLE, pub, pub, "test",
	                           &id2));
	T_ASSERT(id2 != id);
	T_EQ_INT(-ENOENT,
	         deadline_start(f.s, f.cal, &f.p, 9999, DEADLINE_RESPOND, pub, pub, "test", NULL));
	T_EQ_INT(-EINVAL, deadline_start(f.s, f.cal, &f.p, it, DEADLINE_FL11_NOTICE, pub, pub,
	                                 "test", NULL));
	T_EQ_INT(-EINVAL,
	         deadline_start(f.s, f.cal, &f.p, it, DEADLINE_RESPOND, 0, pub, "test", NULL));
	T_EQ_INT(-ENOENT, deadline_case_open(f.s, f.cal, &f.p, 9999, pub, pub, "test", NULL, NULL));
	T_EQ_INT(-EINVAL, deadline_stop(f.s, id2, (enum deadline_stop)7, pub, "test"));
	T_EQ_INT(2, count(&f, "SELECT count(*) FROM deadlines"));
	T_EQ_INT(2, count(&f, "SELECT count(*) FROM audit_log WHERE action = 'deadline.start'"));
	fx_done(&f);
}

static void test_no_warning_when_warn_off(void)
{
	struct fx f;
	fx_init(&f);
	int64_t pub = at(&f, "2026-11-23T09:00"), id = 0;
	struct deadline_transition tr[4];
	T_EQ_INT(0, deadline_policy_set(&f.p, "WarnAt", "no"));
	int64_t it = item(&f, "kultur-fb", pub);
	T_EQ_INT(0, deadline_start(f.s, f.cal, &f.p, it, DEADLINE_RESPOND, pub, pub, "test", &id));
	T_EQ_INT(0, get(&f, id).warn_at);
	T_EQ_INT(1, scan(&f, at(&f, "2026-11-25T09:00"), tr, 4));
	T_EQ_INT(DEADLINE_LEVEL_BREACH, tr[0].level);
	fx_done(&f);
}

/* --- pause and resume ---------------------------------------------------- */

static void test_pause_friday_resume_tuesday(void)
{
	struct fx f;
	fx_init(&f);
	int64_t pub = at(&f, "2026-11-19T10:00"); /* Thursday, due Friday 10:00 */
	int64_t it = item(&f, "kultur-fb", pub), id = 0, paused_bt = 0, want = 0;
	T_EQ_INT(0, deadline_start(f.s, f.cal, &f.p, it, DEADLINE_RESPOND, pub, pub, "test", &id));
	struct deadline before = get(&f, id);
	T_EQ_INT(at(&f, "2026-11-20T10:00"), before.due_at);

	int64_t p_at = at(&f, "2026-11-20T09:00"), r_at = at(&f, "2026-11-24T09:00");
	T_EQ_INT(0, deadline_pause(f.s, f.cal, id, p_at, "moderator"));
	struct deadline d = get(&f, id);
	T_EQ_INT(DEADLINE_PAUSED, d.state);
	T_EQ_INT(HOUR, d.left_usec);
	T_EQ_INT(0, deadline_resume(f.s, f.cal, id, r_at, "moderator"));
	d = get(&f, id);
	T_EQ_INT(DEADLINE_RUNNING, d.state);
	T_EQ_INT(at(&f, "2026-11-24T10:00"), d.due_at);
	/* The same as the old due time pushed by the paused business time
	 * (Friday 8 h, Monday 9 h, Tuesday 1 h). */
	T_EQ_INT(0, cal_business_between(f.cal, p_at, r_at, &paused_bt));
	T_EQ_INT(18 * HOUR, paused_bt);
	T_EQ_INT(0, cal_add_business_time(f.cal, before.due_at, paused_bt, &want));
	T_EQ_INT(want, d.due_at);
	T_EQ_INT(r_at - p_at, d.paused_total);
	T_EQ_INT(-1, d.left_usec);
	T_EQ_INT(1, audit_count(&f, "deadline.pause", id));
	T_EQ_INT(1, audit_count(&f, "deadline.resume", id));
	fx_done(&f);
}

static void test_pause_keeps_pending_warning(void)
{
	struct fx f;
	fx_init(&f);
	int64_t pub = at(&f, "2026-11-23T10:00"); /* Monday: due Tuesday 10:00 */
	int64_t it = item(&f, "kultur-fb", pub), id = 0;
	T_EQ_INT(0, deadline_start(f.s, f.cal, &f.p, it, DEADLINE_RESPOND, pub, pub, "test", &id));
	T_EQ_INT(at(&f, "2026-11-23T16:45"), get(&f, id).warn_at);
	T_EQ_INT(0, deadline_pause(f.s, f.cal, id, at(&f, "2026-11-23T12:00"), "test"));
	struct deadline d = get(&f, id);
	T_EQ_INT(7 * HOUR, d.left_usec);
	T_EQ_INT(4 * HOUR + 45 * MIN, d.warn_left_usec);
	T_EQ_INT(0, deadline_resume(f.s, f.cal, id, at(&f, "2026-11-25T08:00"), "test"));
	d = get(&f, id);
	T_EQ_INT(at(&f, "2026-11-25T15:00"), d.due_at);
	T_EQ_INT(at(&f, "2026-11-25T12:45"), d.warn_at);
	fx_done(&f);
}

static void test_pause_resume_calendar_time(void)
{
	struct fx f;
	fx_init(&f);
	int64_t pub = at(&f, "2026-11-21T03:00"), id = 0;
	int64_t it = item(&f, "kultur-fb", pub);
	T_EQ_INT(0, deadline_start(f.s, f.cal, &f.p, it, DEADLINE_REVIEW_OBVIOUS, pub, pub, "test",
	                           &id));
	T_EQ_INT(0, deadline_pause(f.s, f.cal, id, at(&f, "2026-11-21T03:30"), "test"));
	T_EQ_INT(90 * MIN, get(&f, id).left_usec);
	T_EQ_INT(0, deadline_resume(f.s, f.cal, id, at(&f, "2026-11-21T22:00"), "test"));
	T_EQ_INT(at(&f, "2026-11-21T23:30"), get(&f, id).due_at);
	T_EQ_INT(at(&f, "2026-11-21T23:00"), get(&f, id).warn_at);
	fx_done(&f);
}

static void test_pause_resume_errors(void)
{
	struct fx f;
	fx_init(&f);
	int64_t pub = at(&f, "2026-11-23T09:00"), id = 0, cid = 0;
	int64_t it = item(&f, "kultur-fb", pub);
	T_EQ_INT(0, deadline_start(f.s, f.cal, &f.p, it, DEADLINE_RESPOND, pub, pub, "test", &id));
	T_EQ_INT(DEADLINE_E_STATE, deadline_resume(f.s, f.cal, id, pub + HOUR, "test"));
	T_EQ_INT(0, deadline_pause(f.s, f.cal, id, pub + HOUR, "test"));
	T_EQ_INT(DEADLINE_E_STATE, deadline_pause(f.s, f.cal, id, pub + 2 * HOUR, "test"));
	T_EQ_INT(0, deadline_resume(f.s, f.cal, id, pub + 3 * HOUR, "test"));
	/* Past the due time: no pausing a breach away. */
	T_EQ_INT(DEADLINE_E_PASSED,
	         deadline_pause(f.s, f.cal, id, at(&f, "2026-11-30T09:00"), "test"));
	T_EQ_INT(-ENOENT, deadline_pause(f.s, f.cal, 4242, pub, "test"));
	T_EQ_INT(0, deadline_case_open(f.s, f.cal, &f.p, it, pub, pub, "test", &cid, NULL));
	T_EQ_INT(-EOPNOTSUPP, deadline_pause(f.s, f.cal, cid, pub + HOUR, "test"));
	/* Refusals change nothing and audit nothing. */
	T_EQ_INT(1, audit_count(&f, "deadline.pause", id));
	T_EQ_INT(DEADLINE_RUNNING, get(&f, id).state);
	fx_done(&f);
}

/* --- stop ---------------------------------------------------------------- */

static void test_stop_met_and_cancelled(void)
{
	struct fx f;
	fx_init(&f);
	int64_t pub = at(&f, "2026-11-23T09:00"), a = 0, b = 0, c = 0;
	struct deadline_transition tr[4];
	T_EQ_INT(0, deadline_start(f.s, f.cal, &f.p, item(&f, "kultur-fb", pub), DEADLINE_RESPOND,
	                           pub, pub, "test", &a));
	T_EQ_INT(0, deadline_start(f.s, f.cal, &f.p, item(&f, "kultur-fb", pub), DEADLINE_RESPOND,
	                           pub, pub, "test", &b));
	T_EQ_INT(0, deadline_start(f.s, f.cal, &f.p, item(&f, "kultur-fb", pub), DEADLINE_RESPOND,
	                           pub, pub, "test", &c));
	T_EQ_INT(0, deadline_stop(f.s, a, DEADLINE_STOP_MET, pub + HOUR, "moderator"));
	T_EQ_INT(DEADLINE_MET, get(&f, a).state);
	T_EQ_INT(pub + HOUR, get(&f, a).stopped_at);
	T_EQ_INT(DEADLINE_E_STATE, deadline_stop(f.s, a, DEADLINE_STOP_CANCELLED, pub, "x"));
	T_EQ_INT(0, deadline_pause(f.s, f.cal, b, pub + HOUR, "test"));
	T_EQ_INT(0, deadline_stop(f.s, b, DEADLINE_STOP_CANCELLED, pub + 2 * HOUR, "moderator"));
	T_EQ_INT(DEADLINE_CANCELLED, get(&f, b).state);
	T_EQ_INT(HOUR, get(&f, b).paused_total);
	/* Answered late: the breach stays on the record. */
	T_EQ_INT(2, scan(&f, at(&f, "2026-11-25T09:00"), tr, 4));
	T_EQ_INT(0, deadline_stop(f.s, c, DEADLINE_STOP_MET, at(&f, "2026-11-25T10:00"), "m"));
	struct deadline d = get(&f, c);
	T_EQ_INT(DEADLINE_BREACHED, d.state);
	T_EQ_INT(at(&f, "2026-11-25T10:00"), d.stopped_at);
	T_EQ_INT(1, audit_count(&f, "deadline.met", a));
	T_EQ_INT(1, audit_count(&f, "deadline.cancel", b));
	T_EQ_INT(1, audit_count(&f, "deadline.met", c));
	fx_done(&f);
}

/* --- scan ---------------------------------------------------------------- */

static void test_scan_warns_then_breaches_once(void)
{
	struct fx f;
	fx_init(&f);
	int64_t pub = at(&f, "2026-11-20T16:45"), id = 0;
	struct deadline_transition tr[4];
	int64_t it = item(&f, "kultur-fb", pub);
	T_EQ_INT(0, deadline_start(f.s, f.cal, &f.p, it, DEADLINE_RESPOND, pub, pub, "test", &id));
	T_EQ_INT(0, scan(&f, at(&f, "2026-11-23T14:29"), tr, 4));
	T_EQ_INT(1, scan(&f, at(&f, "2026-11-23T14:30"), tr, 4));
	T_EQ_INT(DEADLINE_LEVEL_WARNING, tr[0].level);
	T_EQ_INT(id, tr[0].deadline_id);
	T_EQ_INT(at(&f, "2026-11-23T16:45"), tr[0].due_at);
	T_EQ_INT(0, scan(&f, at(&f, "2026-11-23T14:30"), tr, 4));
	T_EQ_INT(0, scan(&f, at(&f, "2026-11-23T16:44"), tr, 4));
	struct deadline d = get(&f, id);
	T_EQ_INT(at(&f, "2026-11-23T14:30"), d.warned_at);
	T_EQ_INT(DEADLINE_RUNNING, d.state);
	T_EQ_INT(1, scan(&f, at(&f, "2026-11-23T16:45"), tr, 4));
	T_EQ_INT(DEADLINE_LEVEL_BREACH, tr[0].level);
	T_EQ_INT(0, scan(&f, at(&f, "2026-11-23T16:45"), tr, 4));
	T_EQ_INT(0, scan(&f, at(&f, "2026-12-31T12:00"), tr, 4));
	d = get(&f, id);
	T_EQ_INT(DEADLINE_BREACHED, d.state);
	T_EQ_INT(at(&f, "2026-11-23T16:45"), d.breached_at);
	T_EQ_INT(0, d.stopped_at);
	T_EQ_INT(1, audit_count(&f, "deadline.warning", id));
	T_EQ_INT(1, audit_count(&f, "deadline.breach", id));
	char *detail = audit_detail(&f, "deadline.breach", id);
	T_CONTAINS(detail, "\"state\":\"breached\"");
	T_CONTAINS(detail, "\"kind\":\"respond\"");
	free(detail);
	fx_done(&f);
}

static void test_scan_skips_stopped_and_paused(void)
{
	struct fx f;
	fx_init(&f);
	int64_t pub = at(&f, "2026-11-23T09:00"), a = 0, b = 0, c = 0;
	struct deadline_transition tr[4];
	T_EQ_INT(0, deadline_start(f.s, f.cal, &f.p, item(&f, "kultur-fb", pub), DEADLINE_RESPOND,
	                           pub, pub, "test", &a));
	T_EQ_INT(0, deadline_start(f.s, f.cal, &f.p, item(&f, "kultur-fb", pub), DEADLINE_RESPOND,
	                           pub, pub, "test", &b));
	T_EQ_INT(0, deadline_start(f.s, f.cal, &f.p, item(&f, "kultur-fb", pub), DEADLINE_RESPOND,
	                           pub, pub, "test", &c));
	T_EQ_INT(0, deadline_stop(f.s, a, DEADLINE_STOP_MET, pub + HOUR, "test"));
	T_EQ_INT(0, deadline_stop(f.s, b, DEADLINE_STOP_CANCELLED, pub + HOUR, "test"));
	T_EQ_INT(0, deadline_pause(f.s, f.cal, c, pub + HOUR, "test"));
	T_EQ_INT(0, scan(&f, at(&f, "2027-01-15T12:00"), tr, 4));
	T_EQ_INT(0, count(&f, "SELECT count(*) FROM audit_log WHERE action IN "
	                      "('deadline.warning', 'deadline.breach')"));
	/* Resumed, it warns and breaches again from its new instants. */
	T_EQ_INT(0, deadline_resume(f.s, f.cal, c, at(&f, "2027-01-18T08:00"), "test"));
	T_EQ_INT(0, scan(&f, at(&f, "2027-01-18T08:00"), tr, 4));
	T_EQ_INT(2, scan(&f, at(&f, "2027-01-19T08:00"), tr, 4));
	fx_done(&f);
}

static void test_scan_limit_finishes_next_time(void)
{
	struct fx f;
	fx_init(&f);
	int64_t pub = at(&f, "2026-11-23T09:00");
	struct deadline_transition *v = NULL;
	size_t n = 0, total = 0;
	for (int i = 0; i < 5; i++)
		T_EQ_INT(0, deadline_start(f.s, f.cal, &f.p, item(&f, "kultur-fb", pub + i * MIN),
		                           DEADLINE_RESPOND, pub + i * MIN, pub, "test", NULL));
	int64_t late = at(&f, "2026-11-30T09:00");
	/* 10 transitions, 3 at a time. */
	for (int round = 0; round < 6; round++) {
		T_EQ_INT(0, deadline_scan(f.s, late, "test", 3, &v, &n));
		T_ASSERT(n <= 3);
		total += n;
		free(v);
	}
	T_EQ_INT(10, total);
	T_EQ_INT(5, count(&f, "SELECT count(*) FROM deadlines WHERE state = 'breached' AND "
	                      "warned_at IS NOT NULL"));
	T_EQ_INT(-EINVAL, deadline_scan(f.s, late, "test", 0, &v, &n));
	T_EQ_INT(-EINVAL, deadline_scan(f.s, late, "test", DEADLINE_SCAN_MAX + 1, &v, &n));
	fx_done(&f);
}

static void test_restart_keeps_everything(void)
{
	struct fx f;
	fx_init(&f);
	int64_t pub = at(&f, "2026-11-20T16:45"), a = 0, b = 0;
	struct deadline_transition tr[4];
	T_EQ_INT(0, deadline_start(f.s, f.cal, &f.p, item(&f, "kultur-fb", pub), DEADLINE_RESPOND,
	                           pub, pub, "test", &a));
	T_EQ_INT(0, deadline_start(f.s, f.cal, &f.p, item(&f, "kultur-fb", pub), DEADLINE_RESPOND,
	                           pub, pub, "test", &b));
	T_EQ_INT(1 * 2, scan(&f, at(&f, "2026-11-23T14:30"), tr, 4)); /* both warned */
	T_EQ_INT(0, deadline_pause(f.s, f.cal, b, at(&f, "2026-11-23T15:00"), "test"));
	struct deadline a1 = get(&f, a), b1 = get(&f, b);

	store_close(f.s);
	fx_open_store(&f);

	struct deadline a2 = get(&f, a), b2 = get(&f, b);
	T_EQ_INT(a1.due_at, a2.due_at);
	T_EQ_INT(a1.warned_at, a2.warned_at);
	T_EQ_INT(DEADLINE_PAUSED, b2.state);
	T_EQ_INT(b1.left_usec, b2.left_usec);
	T_EQ_INT(105 * MIN, b2.left_usec);
	/* Nothing reported twice; the breach still comes. */
	T_EQ_INT(0, scan(&f, at(&f, "2026-11-23T14:30"), tr, 4));
	T_EQ_INT(1, scan(&f, at(&f, "2026-11-23T16:45"), tr, 4));
	T_EQ_INT(a, tr[0].deadline_id);
	T_EQ_INT(DEADLINE_LEVEL_BREACH, tr[0].level);
	T_EQ_INT(0, deadline_resume(f.s, f.cal, b, at(&f, "2026-11-24T08:00"), "test"));
	T_EQ_INT(at(&f, "2026-11-24T09:45"), get(&f, b).due_at);
	fx_done(&f);
}

/* --- the formal case ------------------------------------------------------ */

static void test_case_six_months_and_four_weeks(void)
{
	struct fx f;
	fx_init(&f);
	int64_t start = at(&f, "2026-03-10T09:30"), notice = 0, ms = 0, dec = 0;
	int64_t it = item(&f, "kultur-fb", start);
	struct deadline_transition tr[8];
	T_EQ_INT(0, deadline_case_open(f.s, f.cal, &f.p, it, start, start, "registrator", &notice,
	                               &ms));
	/* Four calendar weeks, same wall-clock time across the DST switch. */
	T_EQ_INT(at(&f, "2026-04-07T09:30"), get(&f, notice).due_at);
	/* 75 % of the 671 elapsed hours (28 days less the spring's hour). */
	T_EQ_INT(at(&f, "2026-03-31T09:45"), get(&f, notice).warn_at);
	struct deadline m = get(&f, ms);
	T_EQ_INT(at(&f, "2026-09-10T09:30"), m.due_at);
	T_EQ_STR("6 months", m.duration);
	T_EQ_INT(0, m.warn_at);
	T_EQ_INT(DEADLINE_E_EXISTS,
	         deadline_case_open(f.s, f.cal, &f.p, it, start, start, "x", NULL, NULL));

	T_EQ_INT(2, scan(&f, at(&f, "2026-04-07T09:30"), tr, 8)); /* FL 11 warning, breach */
	T_EQ_INT(DEADLINE_E_TOO_EARLY,
	         deadline_case_demand(f.s, f.cal, &f.p, it, at(&f, "2026-09-01T10:00"),
	                              at(&f, "2026-09-01T10:00"), "x", &dec));
	T_EQ_INT(1, scan(&f, at(&f, "2026-09-10T09:30"), tr, 8));
	T_EQ_INT(DEADLINE_LEVEL_REACHED, tr[0].level);
	T_EQ_INT(DEADLINE_FL12_DEMAND_POSSIBLE, tr[0].kind);
	T_EQ_INT(DEADLINE_REACHED, get(&f, ms).state);
	T_EQ_INT(0, scan(&f, at(&f, "2026-09-11T09:30"), tr, 8));

	int64_t demand = at(&f, "2026-09-14T10:00");
	T_EQ_INT(0, deadline_case_demand(f.s, f.cal, &f.p, it, demand, demand + HOUR, "registrator",
	                                 &dec));
	struct deadline d = get(&f, dec);
	T_EQ_INT(DEADLINE_FL12_DECISION, d.kind);
	T_EQ_INT(demand, d.started_at);
	T_EQ_INT(at(&f, "2026-10-12T10:00"), d.due_at);
	T_EQ_INT(DEADLINE_REACHED, get(&f, ms).state); /* stays on the record */
	T_ASSERT(get(&f, ms).stopped_at != 0);
	T_EQ_INT(DEADLINE_E_EXISTS,
	         deadline_case_demand(f.s, f.cal, &f.p, it, demand, demand, "x", NULL));

	/* Decided in time: the decision clock is met, the late FL 11 notice
	 * stays breached. */
	T_EQ_INT(0, deadline_case_close(f.s, it, at(&f, "2026-10-01T11:00"), "registrator"));
	T_EQ_INT(DEADLINE_MET, get(&f, dec).state);
	T_EQ_INT(DEADLINE_BREACHED, get(&f, notice).state);
	T_ASSERT(get(&f, notice).stopped_at != 0);
	T_EQ_INT(-ENOENT, deadline_case_close(f.s, it, at(&f, "2026-10-02T11:00"), "x"));
	T_EQ_INT(0, scan(&f, at(&f, "2027-01-01T00:00"), tr, 8));
	T_EQ_INT(1, audit_count(&f, "deadline.reached", ms));
	fx_done(&f);
}

static void test_case_month_end_and_early_decision(void)
{
	struct fx f;
	fx_init(&f);
	int64_t start = at(&f, "2026-08-31T12:00"), notice = 0, ms = 0;
	int64_t it = item(&f, "kultur-fb", start), other = item(&f, "kultur-fb", start);
	T_EQ_INT(0, deadline_case_open(f.s, f.cal, &f.p, it, start, start, "r", &notice, &ms));
	/* 31 August + 6 months: the last day of February. */
	T_EQ_INT(at(&f, "2027-02-28T12:00"), get(&f, ms).due_at);
	T_EQ_INT(0, deadline_case_close(f.s, it, at(&f, "2026-09-15T12:00"), "r"));
	T_EQ_INT(DEADLINE_MET, get(&f, notice).state);
	T_EQ_INT(DEADLINE_CANCELLED, get(&f, ms).state);
	T_EQ_INT(DEADLINE_E_STATE,
	         deadline_case_demand(f.s, f.cal, &f.p, it, at(&f, "2027-03-01T09:00"),
	                              at(&f, "2027-03-01T09:00"), "r", NULL));
	T_EQ_INT(-ENOENT, deadline_case_demand(f.s, f.cal, &f.p, other, at(&f, "2027-03-01T09:00"),
	                                       at(&f, "2027-03-01T09:00"), "r", NULL));
	/* A configured notice period. */
	T_EQ_INT(0, deadline_policy_set(&f.p, "CaseNoticeWithin", "10 business days"));
	T_EQ_INT(0, deadline_case_open(f.s, f.cal, &f.p, other, start, start, "r", &notice, NULL));
	T_EQ_INT(at(&f, "2026-09-14T12:00"), get(&f, notice).due_at);
	fx_done(&f);
}

/* --- the pending queue ----------------------------------------------------- */

static const struct cal *always_open_for_kultur(void *userdata, const char *account_id,
                                                const char *unit)
{
	(void)account_id;
	return strcmp(unit, "kultur") == 0 ? userdata : NULL;
}

static void test_list_pending(void)
{
	struct fx f;
	fx_init(&f);
	int64_t pub = at(&f, "2026-11-23T09:00"), a = 0, b = 0, c = 0, d = 0;
	struct deadline_pending *v = NULL;
	size_t n = 0;
	T_EQ_INT(0, deadline_start(f.s, f.cal, &f.p, item(&f, "kultur-fb", pub), DEADLINE_RESPOND,
	                           pub, pub, "test", &a)); /* due Tue 09:00 */
	T_EQ_INT(0, deadline_start(f.s, f.cal, &f.p, item(&f, "idrott-x", pub),
	                           DEADLINE_REVIEW_POSSIBLE, pub, pub, "test", &b)); /* 13:00 */
	T_EQ_INT(0, deadline_start(f.s, f.cal, &f.p, item(&f, "kultur-fb", pub),
	                           DEADLINE_REVIEW_OBVIOUS, pub, pub, "test", &c)); /* 11:00 */
	T_EQ_INT(0, deadline_start(f.s, f.cal, &f.p, item(&f, "kultur-fb", pub), DEADLINE_RESPOND,
	                           pub, pub, "test", &d));
	T_EQ_INT(0, deadline_pause(f.s, f.cal, d, pub + HOUR, "test"));
	T_EQ_INT(0, deadline_stop(f.s, c, DEADLINE_STOP_MET, pub + MIN, "test"));

	int64_t now = at(&f, "2026-11-23T16:00");
	T_EQ_INT(0, deadline_list_pending(f.s, NULL, f.cal, NULL, NULL, now, &v, &n));
	T_EQ_INT(3, n);
	if (n == 3) {
		T_EQ_INT(b, v[0].d.id); /* overdue first */
		T_EQ_STR("idrott-x", v[0].account_id);
		T_EQ_STR("idrott", v[0].unit);
		T_EQ_INT(-3 * HOUR, v[0].time_left_usec);
		T_EQ_INT(1, v[0].business);
		T_EQ_INT(a, v[1].d.id);
		T_EQ_INT(2 * HOUR, v[1].time_left_usec); /* 1 h today, 1 h tomorrow */
		T_EQ_INT(d, v[2].d.id);                  /* paused last, time frozen */
		T_EQ_INT(DEADLINE_PAUSED, v[2].d.state);
		T_EQ_INT(8 * HOUR, v[2].time_left_usec);
	}
	deadline_pending_free(v, n);

	struct deadline_filter flt = { .unit = "kultur" };
	T_EQ_INT(0, deadline_list_pending(f.s, &flt, f.cal, NULL, NULL, now, &v, &n));
	T_EQ_INT(2, n);
	deadline_pending_free(v, n);
	flt = (struct deadline_filter){ .account_id = "kultur-fb", .limit = 1 };
	/* A unit on a 24/7 calendar: its business time left is 17 h. */
	struct cal *open = NULL;
	T_EQ_INT(0, cal_new(&open));
	cal_set_always_open(open);
	T_EQ_INT(0, deadline_list_pending(f.s, &flt, f.cal, always_open_for_kultur, open, now, &v,
	                                  &n));
	T_EQ_INT(1, n);
	if (n == 1) {
		T_EQ_INT(a, v[0].d.id);
		T_EQ_INT(17 * HOUR, v[0].time_left_usec);
	}
	deadline_pending_free(v, n);
	flt = (struct deadline_filter){ .unit = "nobody" };
	T_EQ_INT(0, deadline_list_pending(f.s, &flt, f.cal, NULL, NULL, now, &v, &n));
	T_EQ_INT(0, n);
	T_ASSERT(v == NULL);
	cal_free(open);
	fx_done(&f);
}

/* --- policy ------------------------------------------------------------- */

static void test_policy_defaults_and_parser(void)
{
	struct deadline_policy p;
	char buf[40];
	int pct = -1;
	deadline_policy_init(&p);
	T_EQ_STR("1 business day", cal_duration_format(&p.respond_within, buf, sizeof(buf)));
	T_EQ_STR("2 hours", cal_duration_format(&p.review_obvious_within, buf, sizeof(buf)));
	T_EQ_STR("4 business hours",
	         cal_duration_format(&p.review_possible_within, buf, sizeof(buf)));
	T_EQ_STR("4 weeks", cal_duration_format(&p.case_notice_within, buf, sizeof(buf)));
	T_EQ_STR("4 weeks", cal_duration_format(&p.case_decide_within, buf, sizeof(buf)));
	T_EQ_INT(6, p.case_demand_after_months);
	T_EQ_INT(75, p.warn_pct);

	T_EQ_INT(0, deadline_policy_set(&p, "RespondWithin", "2 business days"));
	T_EQ_STR("2 business days", cal_duration_format(&p.respond_within, buf, sizeof(buf)));
	T_EQ_INT(0, deadline_policy_set(&p, "ReviewObviousWithin", "30min"));
	T_EQ_STR("30 minutes", cal_duration_format(&p.review_obvious_within, buf, sizeof(buf)));
	T_EQ_INT(0, deadline_policy_set(&p, "ReviewPossibleWithin", "1 business day"));
	T_EQ_INT(0, deadline_policy_set(&p, "CaseNoticeWithin", "3 weeks"));
	T_EQ_INT(0, deadline_policy_set(&p, "WarnAt", "80%"));
	T_EQ_INT(80, p.warn_pct);
	T_EQ_INT(0, deadline_policy_set(&p, "WarnAt", "50"));
	T_EQ_INT(50, p.warn_pct);
	T_EQ_INT(0, deadline_policy_set(&p, "WarnAt", "off"));
	T_EQ_INT(0, p.warn_pct);

	T_EQ_INT(-EINVAL, deadline_policy_set(&p, "RespondWithin", "0 business days"));
	T_EQ_INT(-EINVAL, deadline_policy_set(&p, "RespondWithin", "soon"));
	T_EQ_INT(-EINVAL, deadline_policy_set(&p, "RespondWithin", ""));
	T_EQ_INT(-EINVAL, deadline_policy_set(&p, "CaseNoticeWithin", "1 month"));
	T_EQ_STR("2 business days", cal_duration_format(&p.respond_within, buf, sizeof(buf)));
	T_EQ_INT(-EINVAL, deadline_policy_set(&p, "WarnAt", "100%"));
	T_EQ_INT(-EINVAL, deadline_policy_set(&p, "WarnAt", "-5%"));
	T_EQ_INT(-EINVAL, deadline_policy_set(&p, "WarnAt", "75 %"));
	T_EQ_INT(-EINVAL, deadline_policy_set(&p, "WarnAt", "75%%"));
	T_EQ_INT(-EINVAL, deadline_policy_set(&p, "WarnAt", "%"));
	T_EQ_INT(-EINVAL, deadline_policy_set(&p, "WarnAt", "007"));
	T_EQ_INT(0, p.warn_pct);
	T_EQ_INT(-ENOENT, deadline_policy_set(&p, "RespondIn", "1 business day"));
	T_EQ_INT(-ENOENT, deadline_policy_set(&p, "respondwithin", "1 business day"));
	T_EQ_INT(0, deadline_parse_warn("99%", &pct));
	T_EQ_INT(99, pct);
}

static void test_names(void)
{
	enum deadline_kind k;
	for (int i = 0; i < DEADLINE_KIND_COUNT; i++) {
		T_EQ_INT(0, deadline_kind_from_name(deadline_kind_name((enum deadline_kind)i), &k));
		T_EQ_INT(i, k);
	}
	T_EQ_STR("fl11_delay_notice", deadline_kind_name(DEADLINE_FL11_NOTICE));
	T_EQ_INT(-EINVAL, deadline_kind_from_name("respnd", &k));
	T_EQ_STR("breach", deadline_level_name(DEADLINE_LEVEL_BREACH));
	T_EQ_STR("paused", deadline_state_name(DEADLINE_PAUSED));
	T_EQ_STR("?", deadline_kind_name(DEADLINE_KIND_COUNT));
	T_CONTAINS(deadline_strerror(DEADLINE_E_TOO_EARLY), "six months");
}

/* --- inside a caller's transaction (store/store.h's rule) --------------- */

/* The escalation outbox will write its row in the transaction that marks
 * the warning: when that transaction rolls back, the mark goes too and
 * the next scan reports the clock again. */
static void test_scan_inside_caller_transaction(void)
{
	struct fx f;
	fx_init(&f);
	int64_t pub = at(&f, "2026-11-20T16:45"), id = 0;
	struct deadline_transition tr[4];
	int64_t it = item(&f, "kultur-fb", pub), late = at(&f, "2026-11-23T14:30");
	T_EQ_INT(0, deadline_start(f.s, f.cal, &f.p, it, DEADLINE_RESPOND, pub, pub, "test", &id));

	T_EQ_INT(0, store_begin(f.s));
	T_EQ_INT(1, scan(&f, late, tr, 4));
	T_EQ_INT(1, store_depth(f.s));
	T_EQ_INT(0, store_rollback(f.s));
	T_EQ_INT(0, get(&f, id).warned_at);
	T_EQ_INT(0, audit_count(&f, "deadline.warning", id));

	T_EQ_INT(0, store_begin(f.s));
	T_EQ_INT(1, scan(&f, late, tr, 4));
	T_EQ_INT(DEADLINE_LEVEL_WARNING, tr[0].level);
	T_EQ_INT(0, store_commit(f.s));
	T_EQ_INT(late, get(&f, id).warned_at);
	T_EQ_INT(1, audit_count(&f, "deadline.warning", id));
	T_EQ_INT(0, scan(&f, late, tr, 4));
	fx_done(&f);
}

/* A refused operation inside the caller's transaction undoes only its own
 * writes: the caller's go on and commit. */
static void test_refused_start_keeps_caller_writes(void)
{
	struct fx f;
	fx_init(&f);
	int64_t pub = at(&f, "2026-11-23T09:00"), a = 0, b = 0;
	int64_t it = item(&f, "kultur-fb", pub), other = item(&f, "kultur-fb", pub);
	T_EQ_INT(0, deadline_start(f.s, f.cal, &f.p, it, DEADLINE_RESPOND, pub, pub, "test", &a));
	T_EQ_INT(0, store_begin(f.s));
	T_EQ_INT(0,
	         deadline_start(f.s, f.cal, &f.p, other, DEADLINE_RESPOND, pub, pub, "test", &b));
	T_EQ_INT(DEADLINE_E_EXISTS,
	         deadline_start(f.s, f.cal, &f.p, it, DEADLINE_RESPOND, pub, pub, "test", NULL));
	T_EQ_INT(0, store_commit(f.s));
	T_EQ_INT(other, get(&f, b).item_id);
	T_EQ_INT(2, count(&f, "SELECT count(*) FROM deadlines"));
	fx_done(&f);
}

int main(void)
{
	T_RUN(test_respond_friday_evening_due_monday);
	T_RUN(test_review_obvious_runs_around_the_clock);
	T_RUN(test_review_possible_in_business_hours);
	T_RUN(test_start_is_publication_not_now);
	T_RUN(test_midsommar_week);
	T_RUN(test_start_refusals);
	T_RUN(test_no_warning_when_warn_off);
	T_RUN(test_pause_friday_resume_tuesday);
	T_RUN(test_pause_keeps_pending_warning);
	T_RUN(test_pause_resume_calendar_time);
	T_RUN(test_pause_resume_errors);
	T_RUN(test_stop_met_and_cancelled);
	T_RUN(test_scan_warns_then_breaches_once);
	T_RUN(test_scan_skips_stopped_and_paused);
	T_RUN(test_scan_limit_finishes_next_time);
	T_RUN(test_restart_keeps_everything);
	T_RUN(test_case_six_months_and_four_weeks);
	T_RUN(test_case_month_end_and_early_decision);
	T_RUN(test_list_pending);
	T_RUN(test_policy_defaults_and_parser);
	T_RUN(test_names);
	T_RUN(test_scan_inside_caller_transaction);
	T_RUN(test_refused_start_keeps_caller_writes);
	return t_done();
}
