/* The record of every poll (1998:112 4 §: proof of supervision). */
#include <errno.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "store/store-internal.h"

static int poll_insert(struct store *s, const char *account, int64_t planned_usec,
                       int64_t started_usec, int64_t *ret_id)
{
	sqlite3_stmt *st = store_prepare_cached(
	        s, "INSERT INTO polls(account_id, planned_at, started_at) VALUES (?,?,?)");
	int r = STORE_E_SQLITE;
	if (!st)
		return r;
	sqlite3_bind_text(st, 1, account, -1, SQLITE_STATIC);
	sqlite3_bind_int64(st, 2, planned_usec);
	sqlite3_bind_int64(st, 3, started_usec);
	if (sqlite3_step(st) == SQLITE_DONE) {
		*ret_id = sqlite3_last_insert_rowid(s->db);
		r = 0;
	}
	store_stmt_done(s, st);
	return r;
}

int store_poll_begin(struct store *s, const char *account, int64_t planned_usec,
                     int64_t started_usec, int64_t *ret_id)
{
	/* The poll and its day's count together (poll-days.c). */
	int r = store_begin(s);
	if (r)
		return r;
	r = poll_insert(s, account, planned_usec, started_usec, ret_id);
	if (r == 0)
		r = store_poll_days_add(s, account, started_usec, 1, 0);
	return store_end(s, r);
}

static int poll_update(struct store *s, int64_t poll_id, int64_t finished_usec, const char *result,
                       int items_new, int items_updated, const char *error)
{
	sqlite3_stmt *st =
	        store_prepare_cached(s, "UPDATE polls SET finished_at=?, result=?, items_new=?, "
	                                "items_updated=?, error=? WHERE id=?");
	int r = STORE_E_SQLITE;
	if (!st)
		return r;
	sqlite3_bind_int64(st, 1, finished_usec);
	sqlite3_bind_text(st, 2, result, -1, SQLITE_STATIC);
	sqlite3_bind_int(st, 3, items_new);
	sqlite3_bind_int(st, 4, items_updated);
	if (error)
		sqlite3_bind_text(st, 5, error, -1, SQLITE_STATIC);
	else
		sqlite3_bind_null(st, 5);
	sqlite3_bind_int64(st, 6, poll_id);
	if (sqlite3_step(st) == SQLITE_DONE && sqlite3_changes(s->db) == 1)
		r = 0;
	store_stmt_done(s, st);
	return r;
}

/* The day's count of good polls follows the poll's result: +1 when it
 * becomes 'ok', -1 when an 'ok' is overwritten (never done today). */
static int count_result(struct store *s, int64_t poll_id, const char *result)
{
	sqlite3_stmt *st = store_prepare_cached(
	        s, "SELECT account_id, started_at, result IS 'ok' FROM polls WHERE id=?");
	int r = STORE_E_SQLITE;
	if (!st)
		return r;
	sqlite3_bind_int64(st, 1, poll_id);
	int sr = sqlite3_step(st);
	if (sr == SQLITE_ROW) {
		int was_ok = sqlite3_column_int(st, 2), is_ok = result && strcmp(result, "ok") == 0;
		r = was_ok == is_ok
		            ? 0
		            : store_poll_days_add(s, (const char *)sqlite3_column_text(st, 0),
		                                  sqlite3_column_int64(st, 1), 0, is_ok - was_ok);
	} else if (sr == SQLITE_DONE) {
		r = 0; /* no such poll: poll_update says so */
	}
	store_stmt_done(s, st);
	return r;
}

int store_poll_end(struct store *s, int64_t poll_id, int64_t finished_usec, const char *result,
                   int items_new, int items_updated, const char *error)
{
	int r = store_begin(s);
	if (r)
		return r;
	r = count_result(s, poll_id, result);
	if (r == 0)
		r = poll_update(s, poll_id, finished_usec, result, items_new, items_updated, error);
	return store_end(s, r);
}

int store_poll_last_planned(struct store *s, const char *account, int64_t *ret)
{
	/* One step down polls_account_planned (migration 4), however many
	 * polls the account has made. */
	sqlite3_stmt *st = store_prepare(s, "SELECT planned_at FROM polls WHERE account_id=? "
	                                    "ORDER BY planned_at DESC LIMIT 1");
	int r = STORE_E_SQLITE;
	if (!st)
		return r;
	sqlite3_bind_text(st, 1, account, -1, SQLITE_STATIC);
	int sr = sqlite3_step(st);
	if (sr == SQLITE_ROW || sr == SQLITE_DONE) {
		*ret = sr == SQLITE_ROW ? sqlite3_column_int64(st, 0) : 0; /* none: 0 */
		r = 0;
	}
	sqlite3_finalize(st);
	return r;
}

int store_polls_count(struct store *s, const char *account, int64_t from, int64_t to,
                      int64_t *ret_total, int64_t *ret_ok)
{
	sqlite3_stmt *st =
	        store_prepare(s, "SELECT count(*), count(CASE WHEN result='ok' THEN 1 END) "
	                         "FROM polls WHERE account_id=? AND started_at>=? "
	                         "AND started_at<?");
	int r = STORE_E_SQLITE;
	if (!st)
		return r;
	sqlite3_bind_text(st, 1, account, -1, SQLITE_STATIC);
	sqlite3_bind_int64(st, 2, from);
	sqlite3_bind_int64(st, 3, to);
	if (sqlite3_step(st) == SQLITE_ROW) {
		*ret_total = sqlite3_column_int64(st, 0);
		*ret_ok = sqlite3_column_int64(st, 1);
		r = 0;
	}
	sqlite3_finalize(st);
	return r;
}

int store_poll_latest(struct store *s, const char *account, int64_t *ret_started, char *buf,
                      size_t len)
{
	sqlite3_stmt *st =
	        store_prepare(s, "SELECT started_at, coalesce(result, 'running') FROM polls "
	                         "WHERE account_id=? ORDER BY started_at DESC LIMIT 1");
	int r = STORE_E_SQLITE;
	if (!st)
		return r;
	sqlite3_bind_text(st, 1, account, -1, SQLITE_STATIC);
	int sr = sqlite3_step(st);
	if (sr == SQLITE_ROW) {
		*ret_started = sqlite3_column_int64(st, 0);
		snprintf(buf, len, "%s", (const char *)sqlite3_column_text(st, 1));
		r = 0;
	} else if (sr == SQLITE_DONE) {
		*ret_started = 0;
		snprintf(buf, len, "%s", "");
		r = 0;
	}
	sqlite3_finalize(st);
	return r;
}

/* One statement of store_poll_summaries(), reset for the next account. */
static int summary_step(sqlite3_stmt *st, const char *account)
{
	sqlite3_reset(st);
	sqlite3_bind_text(st, 1, account, -1, SQLITE_STATIC);
	return sqlite3_step(st);
}

/* The crisis windows of every account that has one (a few rows, not one
 * lookup per account; the partial index accounts_crisis serves it, and an
 * account without one has NULL). */
struct crisis_row {
	char *account;
	int64_t from, until;
};

static int read_crisis(struct store *s, struct crisis_row **ret, size_t *ret_n)
{
	sqlite3_stmt *st = store_prepare(s, "SELECT id, coalesce(crisis_from,0), crisis_until "
	                                    "FROM accounts WHERE crisis_until > 0");
	struct crisis_row *v = NULL;
	size_t n = 0;
	int r = st ? 0 : STORE_E_SQLITE, sr = SQLITE_DONE;
	while (r == 0 && (sr = sqlite3_step(st)) == SQLITE_ROW) {
		struct crisis_row *nv = realloc(v, (n + 1) * sizeof(*v));
		if (!nv) {
			r = -ENOMEM;
			break;
		}
		v = nv;
		v[n].from = sqlite3_column_int64(st, 1);
		v[n].until = sqlite3_column_int64(st, 2);
		if (!(v[n].account = strdup((const char *)sqlite3_column_text(st, 0))))
			r = -ENOMEM;
		else
			n++;
	}
	if (r == 0 && sr != SQLITE_DONE)
		r = STORE_E_SQLITE;
	sqlite3_finalize(st);
	if (r) {
		for (size_t i = 0; i < n; i++)
			free(v[i].account);
		free(v);
		return r;
	}
	*ret = v;
	*ret_n = n;
	return 0;
}

/* Both days' counts of an account from account_poll_days: 1 when they are
 * counted in w->zone (a day without a row had no polls), 0 when the caller
 * must count them from the polls, or STORE_E_SQLITE. */
static int kept_counts(sqlite3_stmt *st, const struct store_poll_window *w,
                       struct store_poll_summary *o)
{
	sqlite3_reset(st);
	sqlite3_bind_text(st, 1, w->account, -1, SQLITE_STATIC);
	sqlite3_bind_text(st, 2, w->zone, -1, SQLITE_STATIC);
	sqlite3_bind_int64(st, 3, w->day[0]);
	sqlite3_bind_int64(st, 4, w->day[1]);
	int sr = sqlite3_step(st);
	if (sr == SQLITE_DONE)
		return 0; /* not in the store (yet) */
	if (sr != SQLITE_ROW)
		return STORE_E_SQLITE;
	if (!sqlite3_column_int(st, 0))
		return 0;
	for (int d = 0; d < 2; d++)
		if (w->from[d] < w->to[d]) {
			o->total[d] = sqlite3_column_int64(st, 1 + 2 * d);
			o->ok[d] = sqlite3_column_int64(st, 2 + 2 * d);
		}
	return 1;
}

int store_poll_summaries(struct store *s, const struct store_poll_window *w, size_t n,
                         struct store_poll_summary *ret)
{
	sqlite3_stmt *planned = NULL, *latest = NULL, *count = NULL, *kept = NULL;
	struct crisis_row *crisis = NULL;
	size_t n_crisis = 0;
	bool own = sqlite3_get_autocommit(s->db) != 0;
	int r = 0;

	/* A deferred BEGIN: one read snapshot and one lock instead of one per
	 * statement (a plain reader; it never blocks the writer in WAL). */
	if (own && store_exec(s, "BEGIN") != 0)
		return STORE_E_SQLITE;
	planned = store_prepare(s, "SELECT planned_at FROM polls WHERE account_id=? "
	                           "ORDER BY planned_at DESC LIMIT 1");
	/* The latest poll from the account's row (migration 10): 800 small
	 * rows, not a leaf of the polls index per account. */
	latest = store_prepare(s, "SELECT last_poll_started, coalesce(last_poll_result, 'running') "
	                          "FROM accounts WHERE id=? AND last_poll_id IS NOT NULL");
	count = store_prepare(s,
	                      "SELECT count(*), count(CASE WHEN result='ok' THEN 1 END) "
	                      "FROM polls WHERE account_id=? AND started_at>=? AND started_at<?");
	/* The kept counts of both days, and whether they are counted in the
	 * zone asked for (three primary-key steps in small tables). */
	kept = store_prepare(s,
	                     "SELECT a.poll_days_zone IS ?2, d0.polls, d0.ok, d1.polls, d1.ok "
	                     "FROM accounts a "
	                     "LEFT JOIN account_poll_days d0 ON d0.day=?3 AND d0.account_id=a.id "
	                     "LEFT JOIN account_poll_days d1 ON d1.day=?4 AND d1.account_id=a.id "
	                     "WHERE a.id=?1");
	if (!planned || !latest || !count || !kept)
		r = STORE_E_SQLITE;
	if (r == 0)
		r = read_crisis(s, &crisis, &n_crisis);
	for (size_t i = 0; r == 0 && i < n; i++) {
		struct store_poll_summary *o = &ret[i];
		int sr;
		memset(o, 0, sizeof(*o));
		if (w[i].no_planned)
			; /* not asked for */
		else if ((sr = summary_step(planned, w[i].account)) == SQLITE_ROW)
			o->last_planned = sqlite3_column_int64(planned, 0);
		else if (sr != SQLITE_DONE)
			r = STORE_E_SQLITE;
		if (r == 0 && (sr = summary_step(latest, w[i].account)) == SQLITE_ROW) {
			o->last_started = sqlite3_column_int64(latest, 0);
			snprintf(o->last_result, sizeof(o->last_result), "%s",
			         (const char *)sqlite3_column_text(latest, 1));
		} else if (r == 0 && sr != SQLITE_DONE) {
			r = STORE_E_SQLITE;
		}
		for (size_t k = 0; k < n_crisis; k++)
			if (strcmp(crisis[k].account, w[i].account) == 0) {
				o->crisis_from = crisis[k].from;
				o->crisis_until = crisis[k].until;
				break;
			}
		if (r == 0 && w[i].zone && (r = kept_counts(kept, &w[i], o)) == 1) {
			r = 0;
			continue; /* both days read from their counts */
		}
		for (int d = 0; r == 0 && d < 2; d++) {
			if (w[i].from[d] >= w[i].to[d])
				continue;
			sqlite3_reset(count);
			sqlite3_bind_text(count, 1, w[i].account, -1, SQLITE_STATIC);
			sqlite3_bind_int64(count, 2, w[i].from[d]);
			sqlite3_bind_int64(count, 3, w[i].to[d]);
			if (sqlite3_step(count) != SQLITE_ROW) {
				r = STORE_E_SQLITE;
				break;
			}
			o->total[d] = sqlite3_column_int64(count, 0);
			o->ok[d] = sqlite3_column_int64(count, 1);
		}
	}
	for (size_t k = 0; k < n_crisis; k++)
		free(crisis[k].account);
	free(crisis);
	sqlite3_finalize(planned);
	sqlite3_finalize(latest);
	sqlite3_finalize(count);
	sqlite3_finalize(kept);
	if (own && store_exec(s, "COMMIT") != 0 && r == 0)
		r = STORE_E_SQLITE;
	return r;
}
