/* Crisis mode per account: a window of intensified polling, audited. */
#include <errno.h>
#include <stdio.h>

#include "store/audit.h"
#include "store/store-internal.h"
#include "util/clock.h"

int store_account_crisis(struct store *s, const char *account, int64_t *ret_from,
                         int64_t *ret_until)
{
	sqlite3_stmt *st =
	        store_prepare(s, "SELECT coalesce(crisis_from,0), coalesce(crisis_until,0) "
	                         "FROM accounts WHERE id=? AND removed_at IS NULL");
	int r = STORE_E_SQLITE;
	if (!st)
		return r;
	sqlite3_bind_text(st, 1, account, -1, SQLITE_STATIC);
	int sr = sqlite3_step(st);
	if (sr == SQLITE_ROW) {
		*ret_from = sqlite3_column_int64(st, 0);
		*ret_until = sqlite3_column_int64(st, 1);
		r = 0;
	} else if (sr == SQLITE_DONE) {
		r = -ENOENT;
	}
	sqlite3_finalize(st);
	return r;
}

int store_account_set_crisis(struct store *s, const char *account, int64_t from, int64_t until,
                             const char *actor)
{
	char subject[128], detail[160], a[40], b[40];
	int r = store_begin(s);
	if (r)
		return r;
	sqlite3_stmt *st = store_prepare(s, "UPDATE accounts SET crisis_from=?, crisis_until=?, "
	                                    "updated_at=? WHERE id=? AND removed_at IS NULL");
	if (!st)
		return store_end(s, STORE_E_SQLITE);
	if (until) {
		sqlite3_bind_int64(st, 1, from);
		sqlite3_bind_int64(st, 2, until);
	} else {
		sqlite3_bind_null(st, 1);
		sqlite3_bind_null(st, 2);
	}
	sqlite3_bind_int64(st, 3, clock_now_usec());
	sqlite3_bind_text(st, 4, account, -1, SQLITE_STATIC);
	r = sqlite3_step(st) == SQLITE_DONE ? 0 : STORE_E_SQLITE;
	if (r == 0 && sqlite3_changes(s->db) != 1)
		r = -ENOENT;
	sqlite3_finalize(st);
	snprintf(subject, sizeof(subject), "account:%s", account);
	if (until)
		snprintf(detail, sizeof(detail), "{\"from\":\"%s\",\"until\":\"%s\"}",
		         clock_format_utc(from, a, sizeof(a)),
		         clock_format_utc(until, b, sizeof(b)));
	else
		snprintf(detail, sizeof(detail), "{}");
	if (r == 0)
		r = store_audit_append(s, actor, until ? "crisis.on" : "crisis.off", subject,
		                       detail, NULL);
	return store_end(s, r);
}
