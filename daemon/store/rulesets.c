/* Rule sets whose examples passed (ruleset_checks, migration 6). */
#include "store/store-internal.h"

int store_ruleset_checked(struct store *s, const char *ruleset, const char *engine, int *ret)
{
	sqlite3_stmt *st =
	        store_prepare(s, "SELECT 1 FROM ruleset_checks WHERE ruleset=? AND engine=?");
	int r = STORE_E_SQLITE;
	if (!st)
		return r;
	sqlite3_bind_text(st, 1, ruleset, -1, SQLITE_STATIC);
	sqlite3_bind_text(st, 2, engine, -1, SQLITE_STATIC);
	int sr = sqlite3_step(st);
	if (sr == SQLITE_ROW || sr == SQLITE_DONE) {
		*ret = sr == SQLITE_ROW;
		r = 0;
	}
	sqlite3_finalize(st);
	return r;
}

int store_ruleset_check_record(struct store *s, const char *ruleset, const char *engine,
                               int64_t examples, int64_t now)
{
	sqlite3_stmt *st = store_prepare(s, "INSERT OR IGNORE INTO ruleset_checks(ruleset, engine, "
	                                    "examples, checked_at) VALUES (?,?,?,?)");
	int r = STORE_E_SQLITE;
	if (!st)
		return r;
	sqlite3_bind_text(st, 1, ruleset, -1, SQLITE_STATIC);
	sqlite3_bind_text(st, 2, engine, -1, SQLITE_STATIC);
	sqlite3_bind_int64(st, 3, examples);
	sqlite3_bind_int64(st, 4, now);
	r = sqlite3_step(st) == SQLITE_DONE ? 0 : STORE_E_SQLITE;
	sqlite3_finalize(st);
	return r;
}
