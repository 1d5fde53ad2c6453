/* The queue page by page (issue 9): the order across pages, cursors that
 * stay valid while clocks come and go, limits, cursor text, the unit kept
 * on each clock, and the query plans of the queue and of an account's last
 * planned poll (index ranges, no full scan, no temporary sort). */
#include <errno.h>

#include "t.h"
#include "tfs.h"

#include "calendar/instant.h"
#include "deadline/deadline.h"
#include "store/store-db.h"
#include "store/store.h"

#define MIN (INT64_C(60) * 1000000)
#define HOUR (60 * MIN)

struct fx {
	char *dir;
	char *path;
	struct store *s;
	struct cal *cal;
	struct deadline_policy p;
	int seq;
};

static void exec_sql(struct fx *f, const char *sql)
{
	if (sqlite3_exec(store_db(f->s), sql, NULL, NULL, NULL) != SQLITE_OK) {
		printf("# %s: %s\n", sql, sqlite3_errmsg(store_db(f->s)));
		abort();
	}
}

static void fx_init(struct fx *f)
{
	memset(f, 0, sizeof(*f));
	f->dir = tfs_mkdtemp();
	if (asprintf(&f->path, "%s/vakt.db", f->dir) < 0 || store_open(f->path, &f->s, NULL, 0) ||
	    cal_new(&f->cal))
		abort();
	deadline_policy_init(&f->p);
	exec_sql(f, "INSERT INTO accounts(id, platform, unit, external_id, created_at, updated_at) "
	            "VALUES ('kultur-fb', 'facebook', 'kultur', '1', 1, 1), "
	            "('idrott-x', 'x', 'idrott', '2', 1, 1)");
}

static void fx_done(struct fx *f)
{
	store_close(f->s);
	cal_free(f->cal);
	free(f->path);
	tfs_rmrf(f->dir);
}

static int64_t at(struct fx *f, const char *local)
{
	int64_t t = 0;
	if (cal_parse_instant(f->cal, local, &t) != 0)
		abort();
	return t;
}

/* A respond clock on a new item of `account` published at `pub`. */
static int64_t clock_on(struct fx *f, const char *account, int64_t pub)
{
	sqlite3_stmt *st = NULL;
	char pid[32];
	int64_t id = 0;
	snprintf(pid, sizeof(pid), "p%d", ++f->seq);
	sqlite3_prepare_v2(store_db(f->s),
	                   "INSERT INTO items(account_id, platform_id, kind, published_at, "
	                   "first_seen_at, last_seen_at) VALUES (?, ?, 'comment', ?, ?, ?)",
	                   -1, &st, NULL);
	sqlite3_bind_text(st, 1, account, -1, SQLITE_STATIC);
	sqlite3_bind_text(st, 2, pid, -1, SQLITE_STATIC);
	for (int i = 3; i <= 5; i++)
		sqlite3_bind_int64(st, i, pub);
	if (sqlite3_step(st) != SQLITE_DONE)
		abort();
	sqlite3_finalize(st);
	int64_t item = sqlite3_last_insert_rowid(store_db(f->s));
	T_EQ_INT(0, deadline_start(f->s, f->cal, &f->p, item, DEADLINE_RESPOND, pub, pub, "test",
	                           &id));
	return id;
}

/* One page: ids into out (room for limit), the cursor of its last row into
 * next (empty when the page is empty).  Returns the page's size. */
static size_t page(struct fx *f, const char *account, const char *unit, const char *after,
                   size_t limit, int64_t *out, char next[DEADLINE_CURSOR_MAX])
{
	struct store_queue_key key;
	struct deadline_filter flt = { .account_id = account, .unit = unit, .limit = limit };
	struct deadline_pending *v = NULL;
	size_t n = 0;
	if (after) {
		T_EQ_INT(0, deadline_cursor_parse(after, &key));
		flt.after = &key;
	}
	T_EQ_INT(0, deadline_list_pending(f->s, &flt, f->cal, NULL, NULL, at(f, "2026-11-23T16:00"),
	                                  &v, &n));
	T_ASSERT(n <= limit);
	for (size_t i = 0; i < n; i++)
		out[i] = v[i].d.id;
	next[0] = '\0';
	if (n > 0)
		deadline_cursor_format(&v[n - 1].d, next);
	deadline_pending_free(v, n);
	return n;
}

/* 30 clocks, some sharing a due time, some paused, some on the other
 * account; walking pages of 7 gives exactly the one-shot order. */
static void test_pages_follow_the_queue_order(void)
{
	struct fx f;
	fx_init(&f);
	int64_t pub = at(&f, "2026-11-23T09:00"), ids[30];
	for (int i = 0; i < 30; i++)
		ids[i] = clock_on(&f, i % 3 ? "kultur-fb" : "idrott-x", pub + (i % 10) * MIN);
	for (int i = 0; i < 30; i += 4)
		T_EQ_INT(0, deadline_pause(f.s, f.cal, ids[i], pub + HOUR, "test"));

	int64_t all[64], walked[64], buf[8];
	char next[DEADLINE_CURSOR_MAX], cur[DEADLINE_CURSOR_MAX];
	size_t n_all = page(&f, NULL, NULL, NULL, 64, all, next);
	T_EQ_INT(30, n_all);
	/* Most urgent first, the paused ones last. */
	struct deadline first, last;
	T_EQ_INT(0, deadline_get(f.s, all[0], &first));
	T_EQ_INT(0, deadline_get(f.s, all[29], &last));
	T_EQ_INT(DEADLINE_RUNNING, first.state);
	T_EQ_INT(DEADLINE_PAUSED, last.state);

	size_t n = 0, got;
	const char *after = NULL;
	do {
		got = page(&f, NULL, NULL, after, 7, buf, next);
		for (size_t i = 0; i < got && n < 64; i++)
			walked[n++] = buf[i];
		snprintf(cur, sizeof(cur), "%s", next);
		after = cur;
	} while (got == 7);
	T_EQ_INT(30, n);
	for (size_t i = 0; i < n && i < n_all; i++)
		T_EQ_INT(all[i], walked[i]);

	/* The same walk for one account and for one unit. */
	size_t n_acc = page(&f, "kultur-fb", NULL, NULL, 64, all, next);
	T_EQ_INT(20, n_acc);
	n = 0;
	after = NULL;
	do {
		got = page(&f, NULL, "kultur", after, 3, buf, next);
		for (size_t i = 0; i < got && n < 64; i++)
			walked[n++] = buf[i];
		snprintf(cur, sizeof(cur), "%s", next);
		after = cur;
	} while (got == 3);
	T_EQ_INT(20, n);
	for (size_t i = 0; i < n && i < n_acc; i++)
		T_EQ_INT(all[i], walked[i]);
	fx_done(&f);
}

static bool contains(const int64_t *v, size_t n, int64_t id)
{
	for (size_t i = 0; i < n; i++)
		if (v[i] == id)
			return true;
	return false;
}

/* Between two pages clocks start (before and after the cursor), stop and
 * pause: the next page repeats nothing, skips nothing that stayed, and
 * shows what now lies after the cursor. */
static void test_cursor_survives_changes(void)
{
	struct fx f;
	fx_init(&f);
	int64_t pub = at(&f, "2026-11-23T09:00"), ids[10];
	for (int i = 0; i < 10; i++)
		ids[i] = clock_on(&f, "kultur-fb", pub + i * 10 * MIN);
	int64_t p1[4], p2[16];
	char next[DEADLINE_CURSOR_MAX], cur[DEADLINE_CURSOR_MAX];
	T_EQ_INT(4, page(&f, "kultur-fb", NULL, NULL, 4, p1, next));
	for (int i = 0; i < 4; i++)
		T_EQ_INT(ids[i], p1[i]);
	snprintf(cur, sizeof(cur), "%s", next);

	int64_t early = clock_on(&f, "kultur-fb", pub - 30 * MIN); /* ahead of the cursor */
	int64_t late = clock_on(&f, "kultur-fb", pub + 55 * MIN);  /* after it */
	T_EQ_INT(0, deadline_stop(f.s, ids[5], DEADLINE_STOP_MET, pub + HOUR, "test"));
	T_EQ_INT(0, deadline_stop(f.s, ids[3], DEADLINE_STOP_MET, pub + HOUR, "test"));
	T_EQ_INT(0, deadline_pause(f.s, f.cal, ids[1], pub + HOUR, "test"));

	/* The cursor's own clock has stopped: the page still starts after it. */
	size_t n = page(&f, "kultur-fb", NULL, cur, 16, p2, next);
	T_EQ_INT(7, n); /* ids 4, late, 6..9, then the paused 1 */
	T_EQ_INT(ids[4], p2[0]);
	T_EQ_INT(late, p2[1]);
	T_EQ_INT(ids[6], p2[2]);
	T_EQ_INT(ids[9], p2[5]);
	T_EQ_INT(ids[1], p2[6]);
	for (int i = 0; i < 4; i++)
		T_ASSERT(i == 1 || !contains(p2, n, p1[i]));
	T_ASSERT(!contains(p2, n, early));
	T_ASSERT(!contains(p2, n, ids[5]));
	fx_done(&f);
}

static void test_limits(void)
{
	struct fx f;
	fx_init(&f);
	int64_t pub = at(&f, "2026-11-23T09:00"), buf[8];
	char next[DEADLINE_CURSOR_MAX];
	for (int i = 0; i < 5; i++)
		clock_on(&f, "idrott-x", pub + i * MIN);
	T_EQ_INT(1, page(&f, NULL, "idrott", NULL, 1, buf, next));
	T_EQ_INT(5, page(&f, NULL, "idrott", NULL, 5, buf, next));
	T_EQ_INT(0, page(&f, NULL, "idrott", next, 5, buf, next)); /* after the last: empty */
	T_EQ_INT(0, page(&f, "kultur-fb", NULL, NULL, 5, buf, next));
	T_EQ_INT(0, page(&f, "idrott-x", "kultur", NULL, 5, buf, next)); /* not in that unit */
	T_EQ_INT(5, page(&f, "idrott-x", "idrott", NULL, 8, buf, next));
	fx_done(&f);
}

static void test_cursor_text(void)
{
	struct deadline d = { .id = 42,
		              .due_at = INT64_C(1781593200000000),
		              .state = DEADLINE_PAUSED };
	char buf[DEADLINE_CURSOR_MAX];
	struct store_queue_key k;
	deadline_cursor_format(&d, buf);
	T_EQ_INT(0, deadline_cursor_parse(buf, &k));
	T_EQ_INT(1, k.paused);
	T_EQ_INT(d.due_at, k.due_at);
	T_EQ_INT(42, k.id);
	d = (struct deadline){ .id = INT64_MAX, .due_at = INT64_MIN, .state = DEADLINE_RUNNING };
	deadline_cursor_format(&d, buf);
	T_EQ_INT(0, deadline_cursor_parse(buf, &k));
	T_EQ_INT(0, k.paused);
	T_EQ_INT(INT64_MIN, k.due_at);
	T_EQ_INT(INT64_MAX, k.id);

	static const char *bad[] = {
		"",
		"q1",
		"q1.",
		"q1.0",
		"q1.0.5",
		"q1.0.5.",
		"q2.0.5.1",
		"q1.2.5.1",
		"q1.0.05.1",
		"q1.0.5.0",
		"q1.0.5.-1",
		"q1.0.5.1x",
		"q1.0..1",
		"q1.0.+5.1",
		"q1.0. 5.1",
		"q1.0.9223372036854775808.1",
		"q1.0.5.99999999999999999999",
		"Q1.0.5.1",
		"q1.0.-.1",
		"q1.0.5.1.2",
	};
	for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
		k.id = -7;
		if (deadline_cursor_parse(bad[i], &k) != -EINVAL)
			printf("# accepted: '%s'\n", bad[i]);
		T_EQ_INT(-EINVAL, deadline_cursor_parse(bad[i], &k));
		T_EQ_INT(-7, k.id); /* untouched */
	}
	T_EQ_INT(-EINVAL, deadline_cursor_parse(NULL, &k));
}

/* An account moved to another unit takes its open clocks along. */
static void test_unit_follows_the_account(void)
{
	struct fx f;
	fx_init(&f);
	int64_t pub = at(&f, "2026-11-23T09:00"), buf[8];
	char next[DEADLINE_CURSOR_MAX];
	int64_t done = clock_on(&f, "kultur-fb", pub);
	clock_on(&f, "kultur-fb", pub + MIN);
	T_EQ_INT(0, deadline_stop(f.s, done, DEADLINE_STOP_MET, pub + HOUR, "test"));
	T_EQ_INT(1, page(&f, NULL, "kultur", NULL, 8, buf, next));
	exec_sql(&f, "UPDATE accounts SET unit = 'idrott' WHERE id = 'kultur-fb'");
	T_EQ_INT(0, page(&f, NULL, "kultur", NULL, 8, buf, next));
	T_EQ_INT(1, page(&f, NULL, "idrott", NULL, 8, buf, next));
	fx_done(&f);
}

/* --- query plans ---------------------------------------------------------- */

struct seen {
	char *sql[32];
	size_t n;
};

static int on_trace(unsigned type, void *arg, void *p, void *x)
{
	struct seen *s = arg;
	(void)type;
	(void)x;
	const char *sql = sqlite3_sql(p);
	if (sql && strncmp(sql, "--", 2) != 0 && s->n < 32)
		s->sql[s->n++] = strdup(sql);
	return 0;
}

/* Every row of the plan reads an index range or a rowid; nothing is
 * scanned in full and nothing sorted in a temporary B-tree.  `index`
 * must appear in the plan. */
static void check_plan(struct fx *f, const char *sql, const char *index)
{
	char eqp[4096], plan[2048] = "";
	sqlite3_stmt *st = NULL;
	snprintf(eqp, sizeof(eqp), "EXPLAIN QUERY PLAN %s", sql);
	T_EQ_INT(SQLITE_OK, sqlite3_prepare_v2(store_db(f->s), eqp, -1, &st, NULL));
	while (st && sqlite3_step(st) == SQLITE_ROW) {
		const char *d = (const char *)sqlite3_column_text(st, 3);
		strncat(plan, d, sizeof(plan) - strlen(plan) - 2);
		strcat(plan, ";");
		if (strncmp(d, "SCAN", 4) == 0 || strstr(d, "TEMP B-TREE"))
			printf("# full scan or sort in '%s': %s\n", sql, d);
		T_ASSERT(strncmp(d, "SCAN", 4) != 0);
		T_ASSERT(strstr(d, "TEMP B-TREE") == NULL);
	}
	sqlite3_finalize(st);
	if (!strstr(plan, index))
		printf("# %s not in the plan of '%s': %s\n", index, sql, plan);
	T_ASSERT(strstr(plan, index) != NULL);
}

static void test_query_plans(void)
{
	struct fx f;
	fx_init(&f);
	int64_t pub = at(&f, "2026-11-23T09:00"), buf[8], id = 0, last = -1;
	char next[DEADLINE_CURSOR_MAX];
	for (int i = 0; i < 50; i++)
		clock_on(&f, i % 2 ? "kultur-fb" : "idrott-x", pub + i * MIN);
	for (int i = 0; i < 200; i++)
		T_EQ_INT(0, store_poll_begin(f.s, i % 2 ? "kultur-fb" : "idrott-x", pub + i * MIN,
		                             pub + i * MIN, &id));
	exec_sql(&f, "ANALYZE");

	struct seen s = { 0 };
	sqlite3_trace_v2(store_db(f.s), SQLITE_TRACE_STMT, on_trace, &s);
	page(&f, NULL, NULL, NULL, 3, buf, next);
	page(&f, "kultur-fb", NULL, next, 3, buf, next);
	page(&f, NULL, "idrott", NULL, 3, buf, next);
	T_EQ_INT(0, store_poll_last_planned(f.s, "kultur-fb", &last));
	sqlite3_trace_v2(store_db(f.s), 0, NULL, NULL);
	T_EQ_INT(pub + 199 * MIN, last);
	T_EQ_INT(0, store_poll_last_planned(f.s, "nobody", &last));
	T_EQ_INT(0, last);

	T_EQ_INT(4, s.n);
	if (s.n == 4) {
		check_plan(&f, s.sql[0], "deadlines_queue ");
		check_plan(&f, s.sql[1], "deadlines_queue_account");
		check_plan(&f, s.sql[2], "deadlines_queue_unit");
		check_plan(&f, s.sql[3], "polls_account_planned");
	}
	for (size_t i = 0; i < s.n; i++)
		free(s.sql[i]);

	/* What /v1/accounts reads: index steps and ranges only. */
	struct store_poll_window w[2] = {
		{ "kultur-fb",
		  { pub, pub + 10 * MIN },
		  { pub + 10 * MIN, pub + 10 * MIN },
		  false,
		  NULL,
		  { 0, 0 } },
		/* With a zone: the kept counts of its days (migration 10). */
		{ "idrott-x", { 0, 0 }, { 0, 0 }, false, "Europe/Stockholm", { 20415, 20416 } },
	};
	struct store_poll_summary sum[2];
	s.n = 0;
	sqlite3_trace_v2(store_db(f.s), SQLITE_TRACE_STMT, on_trace, &s);
	T_EQ_INT(0, store_poll_summaries(f.s, w, 2, sum));
	sqlite3_trace_v2(store_db(f.s), 0, NULL, NULL);
	T_ASSERT(s.n >= 5);
	for (size_t i = 0; i < s.n; i++) {
		if (strncmp(s.sql[i], "SELECT", 6) == 0)
			check_plan(&f, s.sql[i],
			           strstr(s.sql[i], "account_poll_days")
			                   ? "USING PRIMARY KEY (day=? AND account_id=?)"
			                   : "");
		free(s.sql[i]);
	}
	fx_done(&f);
}

/* store_poll_summaries: per account its last planned and latest poll, its
 * crisis window and the polls started in each window; an account without
 * polls reads as zeros; an empty window counts nothing. */
static void test_poll_summaries(void)
{
	struct fx f;
	fx_init(&f);
	int64_t t = at(&f, "2026-11-23T09:00"), id = 0;
	T_EQ_INT(0, store_poll_begin(f.s, "kultur-fb", t, t, &id));
	T_EQ_INT(0, store_poll_end(f.s, id, t + 1, "ok", 0, 0, NULL));
	T_EQ_INT(0, store_poll_begin(f.s, "kultur-fb", t + HOUR, t + HOUR, &id));
	T_EQ_INT(0, store_poll_end(f.s, id, t + HOUR + 1, "error", 0, 0, "x"));
	T_EQ_INT(0, store_poll_begin(f.s, "kultur-fb", t + 5 * HOUR, t + 2 * HOUR, &id));
	T_EQ_INT(0, store_account_set_crisis(f.s, "idrott-x", t, t + HOUR, "test"));
	struct store_poll_window w[2] = {
		{ "kultur-fb", { t, t - HOUR }, { t + 90 * MIN, t }, false, NULL, { 0, 0 } },
		{ "idrott-x", { t, t }, { t + HOUR, t }, false, NULL, { 0, 0 } },
	};
	struct store_poll_summary sum[2];
	T_EQ_INT(0, store_poll_summaries(f.s, w, 2, sum));
	T_EQ_INT(t + 5 * HOUR, sum[0].last_planned);
	T_EQ_INT(t + 2 * HOUR, sum[0].last_started);
	T_EQ_STR("running", sum[0].last_result);
	T_EQ_INT(2, sum[0].total[0]); /* t and t + 1 h */
	T_EQ_INT(1, sum[0].ok[0]);
	T_EQ_INT(0, sum[0].total[1]);
	T_EQ_INT(0, sum[0].crisis_until);
	T_EQ_INT(0, sum[1].last_planned);
	T_EQ_INT(0, sum[1].last_started);
	T_EQ_STR("", sum[1].last_result);
	T_EQ_INT(t, sum[1].crisis_from);
	T_EQ_INT(t + HOUR, sum[1].crisis_until);
	/* Inside a caller's transaction it reads that transaction's writes. */
	T_EQ_INT(0, store_begin(f.s));
	T_EQ_INT(0, store_poll_begin(f.s, "idrott-x", t + 7 * HOUR, t + 7 * HOUR, &id));
	T_EQ_INT(0, store_poll_summaries(f.s, w, 2, sum));
	T_EQ_INT(t + 7 * HOUR, sum[1].last_planned);
	T_EQ_INT(0, store_commit(f.s));
	T_EQ_INT(0, store_depth(f.s));
	/* A caller that knows the next poll (the daemon's poller) is spared
	 * the last planned poll; the rest reads the same. */
	w[0].no_planned = w[1].no_planned = true;
	T_EQ_INT(0, store_poll_summaries(f.s, w, 2, sum));
	T_EQ_INT(0, sum[0].last_planned);
	T_EQ_INT(0, sum[1].last_planned);
	T_EQ_INT(t + 2 * HOUR, sum[0].last_started);
	T_EQ_INT(2, sum[0].total[0]);
	T_EQ_INT(t + HOUR, sum[1].crisis_until);
	fx_done(&f);
}

/* A store made before the queue indexes: its clocks get their account and
 * unit on upgrade, and the queue serves them per unit at once.  (Schema 4
 * is the one before this feature, migration 5.) */
static void test_migration_fills_owner(void)
{
	char *dir = tfs_mkdtemp(), *path = NULL, err[256] = "";
	sqlite3 *db = NULL;
	if (asprintf(&path, "%s/vakt.db", dir) < 0)
		abort();
	T_EQ_INT(SQLITE_OK, sqlite3_open(path, &db));
	T_EQ_INT(0, store_migrate(db, 4, err, sizeof(err)));
	T_EQ_INT(SQLITE_OK,
	         sqlite3_exec(
	                 db,
	                 "INSERT INTO accounts(id, platform, unit, external_id, created_at, "
	                 "updated_at) VALUES ('kultur-fb','facebook','kultur','1',1,1), "
	                 "('idrott-x','x','idrott','2',1,1);"
	                 "INSERT INTO items(id, account_id, platform_id, kind, published_at, "
	                 "first_seen_at, last_seen_at) VALUES (1,'kultur-fb','a','comment',1,1,1),"
	                 "(2,'idrott-x','b','comment',1,1,1),(3,'kultur-fb','c','comment',1,1,1);"
	                 "INSERT INTO deadlines(id, item_id, kind, duration, started_at, "
	                 "created_at, due_at, state, stopped_at) VALUES "
	                 "(1,1,'respond','1 business day',1,1,300,'running',NULL),"
	                 "(2,2,'respond','1 business day',1,1,100,'running',NULL),"
	                 "(3,3,'respond','1 business day',1,1,200,'paused',NULL),"
	                 "(4,3,'review_obvious','2 hours',1,1,50,'met',60);"
	                 "INSERT INTO polls(account_id, planned_at, started_at) VALUES "
	                 "('kultur-fb', 10, 10), ('kultur-fb', 20, 15);",
	                 NULL, NULL, NULL));
	sqlite3_close(db);

	struct store *s = NULL;
	T_EQ_INT(0, store_open(path, &s, err, sizeof(err)));
	if (s) {
		struct store_deadline_open *v = NULL;
		size_t n = 0;
		int64_t last = 0;
		T_EQ_INT(0, store_deadlines_open(s, NULL, "kultur", NULL, 10, &v, &n));
		T_EQ_INT(2, n);
		if (n == 2) {
			T_EQ_INT(1, v[0].d.id); /* running first, then the paused one */
			T_EQ_STR("kultur-fb", v[0].account_id);
			T_EQ_STR("kultur", v[0].unit);
			T_EQ_INT(3, v[1].d.id);
		}
		store_deadlines_open_free(v, n);
		T_EQ_INT(0, store_deadlines_open(s, "idrott-x", NULL, NULL, 10, &v, &n));
		T_EQ_INT(1, n);
		store_deadlines_open_free(v, n);
		T_EQ_INT(0, store_poll_last_planned(s, "kultur-fb", &last));
		T_EQ_INT(20, last);
		store_close(s);
	}
	free(path);
	tfs_rmrf(dir);
}

int main(void)
{
	T_RUN(test_pages_follow_the_queue_order);
	T_RUN(test_cursor_survives_changes);
	T_RUN(test_limits);
	T_RUN(test_cursor_text);
	T_RUN(test_unit_follows_the_account);
	T_RUN(test_query_plans);
	T_RUN(test_poll_summaries);
	T_RUN(test_migration_fills_owner);
	return t_done();
}
