/* The record of every poll (1998:112 4 §: proof of supervision). */
#include <stdio.h>

#include "store/store-internal.h"

int store_poll_begin(struct store *s, const char *account, int64_t planned_usec,
                     int64_t started_usec, int64_t *ret_id)
{
	sqlite3_stmt *st = store_prepare(
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
	sqlite3_finalize(st);
	return r;
}

int store_poll_end(struct store *s, int64_t poll_id, int64_t finished_usec, const char *result,
                   int items_new, int items_updated, const char *error)
{
	sqlite3_stmt *st =
	        store_prepare(s, "UPDATE polls SET finished_at=?, result=?, items_new=?, "
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
	sqlite3_finalize(st);
	return r;
}

int store_poll_last_planned(struct store *s, const char *account, int64_t *ret)
{
	/* One step down polls_account_planned (migration 3), however many
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
