/* Harmful reviews of an account (store/reviews.h). */
#include "store/reviews.h"

#include "store/store-internal.h"

/* The item's latest verdict is harmful (categories are space-separated
 * names, store/verdicts.c). */
#define HARMFUL                                                                                    \
	"EXISTS (SELECT 1 FROM verdicts v WHERE v.id = (SELECT max(id) FROM verdicts WHERE "       \
	"item_id = i.id) AND v.tier IS NOT NULL AND (' ' || v.categories || ' ' LIKE '% threat "   \
	"%' "                                                                                      \
	"OR ' ' || v.categories || ' ' LIKE '% criminal %' OR ' ' || v.categories || ' ' LIKE "    \
	"'% harassment %' OR ' ' || v.categories || ' ' LIKE '% hate %'))"

static int one_int64(sqlite3_stmt *st, int64_t *ret)
{
	int sr = sqlite3_step(st), r = 0;
	if (sr == SQLITE_ROW)
		*ret = sqlite3_column_int64(st, 0);
	else
		r = STORE_E_SQLITE;
	sqlite3_finalize(st);
	return r;
}

int store_reviews_harmful_count(struct store *s, const char *account, int64_t from, int64_t to,
                                int64_t *ret)
{
	sqlite3_stmt *st = store_prepare(s, "SELECT count(*) FROM items i WHERE i.account_id = ? "
	                                    "AND i.kind = 'review' AND i.published_at BETWEEN ? "
	                                    "AND ? AND " HARMFUL);
	if (!st)
		return STORE_E_SQLITE;
	sqlite3_bind_text(st, 1, account, -1, SQLITE_STATIC);
	sqlite3_bind_int64(st, 2, from);
	sqlite3_bind_int64(st, 3, to);
	return one_int64(st, ret);
}

int store_review_harmful_before(struct store *s, const char *account, int64_t except,
                                int64_t before, int64_t *ret)
{
	sqlite3_stmt *st = store_prepare(s, "SELECT coalesce(max(i.published_at), 0) FROM items i "
	                                    "WHERE i.account_id = ? AND i.kind = 'review' AND "
	                                    "i.id <> ? AND i.published_at <= ? AND " HARMFUL);
	if (!st)
		return STORE_E_SQLITE;
	sqlite3_bind_text(st, 1, account, -1, SQLITE_STATIC);
	sqlite3_bind_int64(st, 2, except);
	sqlite3_bind_int64(st, 3, before);
	return one_int64(st, ret);
}

int store_review_is_harmful(struct store *s, int64_t item, int *ret)
{
	sqlite3_stmt *st = store_prepare(s, "SELECT count(*) FROM items i WHERE i.id = ? AND "
	                                    "i.kind = 'review' AND " HARMFUL);
	int64_t n = 0;
	if (!st)
		return STORE_E_SQLITE;
	sqlite3_bind_int64(st, 1, item);
	int r = one_int64(st, &n);
	*ret = n > 0;
	return r;
}
