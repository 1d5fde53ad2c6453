/* Quota units per project and Pacific day (store/quota.h). */
#include "store/quota.h"

#include "store/store-internal.h"

#define QUOTA_KEEP_DAYS 7

int store_quota_add(struct store *s, const char *project, int64_t day, int64_t units)
{
	sqlite3_stmt *st = store_prepare_cached(
	        s, "INSERT INTO quota_days (project, day, units) VALUES (?, ?, ?) "
	           "ON CONFLICT (project, day) DO UPDATE SET units = units + excluded.units");
	if (!st)
		return STORE_E_SQLITE;
	sqlite3_bind_text(st, 1, project, -1, SQLITE_STATIC);
	sqlite3_bind_int64(st, 2, day);
	sqlite3_bind_int64(st, 3, units);
	int r = sqlite3_step(st) == SQLITE_DONE ? 0 : STORE_E_SQLITE;
	store_stmt_done(s, st);
	if (r)
		return r;
	/* A week of days stays for looking back; older ones go. */
	st = store_prepare_cached(s, "DELETE FROM quota_days WHERE project = ? AND day < ?");
	if (!st)
		return STORE_E_SQLITE;
	sqlite3_bind_text(st, 1, project, -1, SQLITE_STATIC);
	sqlite3_bind_int64(st, 2, day - QUOTA_KEEP_DAYS);
	r = sqlite3_step(st) == SQLITE_DONE ? 0 : STORE_E_SQLITE;
	store_stmt_done(s, st);
	return r;
}

int store_quota_get(struct store *s, const char *project, int64_t day, int64_t *ret)
{
	sqlite3_stmt *st =
	        store_prepare_cached(s,
	                             "SELECT units FROM quota_days WHERE project = ? AND day = ?");
	if (!st)
		return STORE_E_SQLITE;
	sqlite3_bind_text(st, 1, project, -1, SQLITE_STATIC);
	sqlite3_bind_int64(st, 2, day);
	int sr = sqlite3_step(st), r = 0;
	if (sr == SQLITE_ROW)
		*ret = sqlite3_column_int64(st, 0);
	else if (sr == SQLITE_DONE)
		*ret = 0;
	else
		r = STORE_E_SQLITE;
	store_stmt_done(s, st);
	return r;
}
