/* The deadline scan in slices (escalate/catchup.h): a slice takes at most
 * its size in transitions, a backlog ends after enough slices, and the
 * end state is the one a single pass over everything leaves. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "t.h"
#include "tfs.h"

#include "calendar/cal.h"
#include "deadline/deadline.h"
#include "escalate/catchup.h"
#include "store/store-db.h"
#include "store/store.h"

#define HOUR (3600LL * 1000000)
#define DAY (24 * HOUR)

/* Clocks on the store: OVERDUE past warning and due (two transitions
 * each), WARNED past their warning only (one), LATER due in the future
 * (none). */
#define OVERDUE 150
#define WARNED 30
#define LATER 20
#define TRANSITIONS (2 * OVERDUE + WARNED)
/* A warning found after the due instant is recorded, not sent: the
 * overdue clocks escalate their breach only (escalate_deadline). */
#define ESCALATED (OVERDUE + WARNED)

static const int64_t now = 1796000000LL * 1000000; /* 2026-11-29 */

static int64_t item(struct store *s, int n, int64_t published)
{
	char sql[256];
	snprintf(sql, sizeof(sql),
	         "INSERT INTO items(account_id, platform_id, kind, published_at, first_seen_at, "
	         "last_seen_at) VALUES ('a', 'p%d', 'comment', %lld, %lld, %lld)",
	         n, (long long)published, (long long)published, (long long)published);
	T_EQ_INT(SQLITE_OK, sqlite3_exec(store_db(s), sql, NULL, NULL, NULL));
	return sqlite3_last_insert_rowid(store_db(s));
}

/* A store with the clocks above, all started before `now`. */
static struct store *backlog(char **dir)
{
	char path[512];
	struct store *s = NULL;
	struct cal *cal = NULL;
	struct deadline_policy p;
	*dir = tfs_mkdtemp();
	snprintf(path, sizeof(path), "%s/vakt.db", *dir);
	T_EQ_INT(0, store_open(path, &s, NULL, 0));
	T_EQ_INT(0, cal_new(&cal));
	deadline_policy_init(&p);
	/* Calendar time: a day, the warning at 75 % (18 h). */
	T_EQ_INT(0, deadline_policy_set(&p, "RespondWithin", "24 hours"));
	T_EQ_INT(SQLITE_OK,
	         sqlite3_exec(store_db(s),
	                      "INSERT INTO accounts(id, platform, unit, external_id, created_at, "
	                      "updated_at) VALUES ('a','facebook','u','1',1,1)",
	                      NULL, NULL, NULL));
	T_EQ_INT(0, store_begin(s));
	int n = 0;
	for (int i = 0; i < OVERDUE + WARNED + LATER; i++) {
		int64_t pub = i < OVERDUE            ? now - 30 * DAY - i * HOUR
		              : i < OVERDUE + WARNED ? now - 20 * HOUR - (i - OVERDUE) * 60000000LL
		                                     : now - HOUR;
		int64_t it = item(s, ++n, pub);
		T_EQ_INT(0,
		         deadline_start(s, cal, &p, it, DEADLINE_RESPOND, pub, pub, "test", NULL));
	}
	T_EQ_INT(0, store_end(s, 0));
	cal_free(cal);
	return s;
}

/* One line per row of what the scan writes: the clocks' marks, the
 * escalations' keys, the audit entries' actions. */
static char *state(struct store *s)
{
	static const char sql[] =
	        "SELECT group_concat(x, ';') FROM ("
	        "SELECT id || ':' || state || ':' || coalesce(warned_at, '-') || ':' || "
	        "coalesce(breached_at, '-') AS x FROM deadlines "
	        "UNION ALL SELECT key || ':' || kind || ':' || deadline_id FROM escalations "
	        "UNION ALL SELECT action || ':' || subject FROM audit_log "
	        "WHERE action LIKE 'deadline.%' ORDER BY 1)";
	sqlite3_stmt *st = NULL;
	char *v = NULL;
	T_EQ_INT(SQLITE_OK, sqlite3_prepare_v2(store_db(s), sql, -1, &st, NULL));
	if (sqlite3_step(st) == SQLITE_ROW && sqlite3_column_text(st, 0))
		v = strdup((const char *)sqlite3_column_text(st, 0));
	sqlite3_finalize(st);
	T_ASSERT(v != NULL);
	return v;
}

static int64_t count(struct store *s, const char *sql)
{
	sqlite3_stmt *st = NULL;
	int64_t v = -1;
	if (sqlite3_prepare_v2(store_db(s), sql, -1, &st, NULL) == SQLITE_OK &&
	    sqlite3_step(st) == SQLITE_ROW)
		v = sqlite3_column_int64(st, 0);
	sqlite3_finalize(st);
	return v;
}

static void test_slices_end_where_one_pass_ends(void)
{
	char *dir_a = NULL, *dir_b = NULL;
	struct store *a = backlog(&dir_a), *b = backlog(&dir_b);
	struct catchup ca, cb;
	bool more = true;
	size_t escalated = 0, slices = 0, before = 0;
	const size_t size = 16;

	catchup_init(&ca, size);
	T_EQ_INT((int)size, (int)ca.slice_max);
	ca.budget_usec = 0; /* slices by count alone (the budget: below) */
	while (more) {
		T_EQ_INT(0, catchup_slice(&ca, a, now, &more, &escalated));
		slices++;
		size_t took = ca.transitions - before;
		before = ca.transitions;
		/* Never more than a slice; full while more is left. */
		T_ASSERT(took <= size);
		T_EQ_INT(more ? (int)size : TRANSITIONS % (int)size, (int)took);
		T_ASSERT(escalated <= took); /* late warnings are not sent */
		if (slices == 1) {
			T_ASSERT(ca.running);
			/* Counted after the first slice: what is left of the 180. */
			T_ASSERT(ca.due_at_start > 0 && ca.due_at_start <= OVERDUE + WARNED);
		}
		/* The rows of a slice are committed: the store shows them. */
		T_EQ_INT((int)ca.escalations,
		         (int)count(a, "SELECT count(*) FROM escalations WHERE cause='deadline'"));
		T_ASSERT(slices <= TRANSITIONS); /* a slice that took nothing would spin */
	}
	T_EQ_INT(TRANSITIONS / size + 1, (int)slices);
	T_ASSERT(!ca.running);
	T_EQ_INT(1, (int)ca.runs);
	T_EQ_INT((int)slices, (int)ca.slices);
	T_EQ_INT(TRANSITIONS, (int)ca.transitions);
	T_EQ_INT(ESCALATED, (int)ca.escalations);
	T_ASSERT(ca.finished_usec == now);

	/* Nothing is left: the next scan finds nothing, and is no run. */
	T_EQ_INT(0, catchup_slice(&ca, a, now, &more, &escalated));
	T_ASSERT(!more);
	T_EQ_INT(0, (int)escalated);
	T_EQ_INT(1, (int)ca.runs);

	/* The same backlog in one pass. */
	catchup_init(&cb, DEADLINE_SCAN_MAX);
	cb.budget_usec = 0;
	T_EQ_INT(0, catchup_slice(&cb, b, now, &more, &escalated));
	T_ASSERT(!more);
	T_EQ_INT(ESCALATED, (int)escalated);
	T_EQ_INT(0, (int)cb.runs); /* one slice is not a catch-up */

	char *sa = state(a), *sb = state(b);
	T_EQ_STR(sb, sa);
	T_EQ_INT(OVERDUE, (int)count(a, "SELECT count(*) FROM deadlines WHERE state='breached'"));
	T_EQ_INT(OVERDUE + WARNED,
	         (int)count(a, "SELECT count(*) FROM deadlines WHERE warned_at IS NOT NULL"));
	T_EQ_INT(WARNED, (int)count(a, "SELECT count(*) FROM escalations WHERE kind='warning'"));
	T_EQ_INT(OVERDUE, (int)count(a, "SELECT count(*) FROM escalations WHERE kind='breach'"));
	T_EQ_INT(LATER, (int)count(a, "SELECT count(*) FROM deadlines WHERE state='running' "
	                              "AND warned_at IS NULL"));
	free(sa);
	free(sb);
	store_close(a);
	store_close(b);
	tfs_rmrf(dir_a);
	tfs_rmrf(dir_b);
}

/* A slice that has spent its CPU budget ends after the step it is in,
 * short of its size; the end state is still the one of a single pass. */
static void test_budget_ends_slices_early(void)
{
	char *dir_a = NULL, *dir_b = NULL;
	struct store *a = backlog(&dir_a), *b = backlog(&dir_b);
	struct catchup ca, cb;
	bool more = true;
	size_t escalated = 0, slices = 0, before = 0;

	catchup_init(&ca, 100);
	ca.budget_usec = 1; /* spent by any step: one step per slice */
	while (more) {
		T_EQ_INT(0, catchup_slice(&ca, a, now, &more, &escalated));
		slices++;
		size_t took = ca.transitions - before;
		before = ca.transitions;
		T_EQ_INT(more ? CATCHUP_STEP : TRANSITIONS % CATCHUP_STEP, (int)took);
		T_ASSERT(slices <= TRANSITIONS);
	}
	T_EQ_INT(TRANSITIONS / CATCHUP_STEP + 1, (int)slices);
	T_EQ_INT(TRANSITIONS, (int)ca.transitions);
	T_EQ_INT(ESCALATED, (int)ca.escalations);

	catchup_init(&cb, DEADLINE_SCAN_MAX);
	cb.budget_usec = 0;
	T_EQ_INT(0, catchup_slice(&cb, b, now, &more, &escalated));
	T_ASSERT(!more);
	char *sa = state(a), *sb = state(b);
	T_EQ_STR(sb, sa);
	free(sa);
	free(sb);
	store_close(a);
	store_close(b);
	tfs_rmrf(dir_a);
	tfs_rmrf(dir_b);
}

static void test_default_slice_size(void)
{
	struct catchup c;
	catchup_init(&c, 0);
	T_EQ_INT(CATCHUP_SLICE_DEFAULT, (int)c.slice_max);
	catchup_init(&c, DEADLINE_SCAN_MAX + 1);
	T_EQ_INT(CATCHUP_SLICE_DEFAULT, (int)c.slice_max);
	T_ASSERT(!c.running && c.runs == 0 && c.transitions == 0);
	T_EQ_INT(CATCHUP_BUDGET_DEFAULT_USEC, (int)c.budget_usec);
}

int main(void)
{
	T_RUN(test_slices_end_where_one_pass_ends);
	T_RUN(test_budget_ends_slices_early);
	T_RUN(test_default_slice_size);
	return t_done();
}
