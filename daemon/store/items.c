/* Item lookups. */
#include <errno.h>
#include <stdio.h>

#include "store/store-internal.h"

int store_item_origin(struct store *s, int64_t id, char *account, size_t len,
                      int64_t *ret_published)
{
	sqlite3_stmt *st = store_prepare(s, "SELECT account_id, published_at FROM items WHERE id=?");
	int r = STORE_E_SQLITE;
	if (!st)
		return r;
	sqlite3_bind_int64(st, 1, id);
	int sr = sqlite3_step(st);
	if (sr == SQLITE_ROW) {
		snprintf(account, len, "%s", (const char *)sqlite3_column_text(st, 0));
		*ret_published = sqlite3_column_int64(st, 1);
		r = 0;
	} else if (sr == SQLITE_DONE) {
		r = -ENOENT;
	}
	sqlite3_finalize(st);
	return r;
}
