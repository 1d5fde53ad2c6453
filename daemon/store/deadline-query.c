/* Reading many deadline rows: the scan's due clocks and the open clocks
 * for the API and `vaktctl queue`. */
#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "store/deadline-row.h"
#include "store/store-internal.h"

/* The next instant something happens to a running clock: the pending
 * warning's or the due one.  Exactly the expression of migration 14's
 * index deadlines_next_event (schema-deadline-scan.c): a range of it is
 * what is due, in order.  INDEXED BY, because the planner's choice
 * follows the statistics (with some it read every running clock and
 * sorted them); the range is right whatever they say. */
#define NEXT_EVENT                                                                                 \
	"(CASE WHEN d.warned_at IS NULL THEN min(d.due_at, coalesce(d.warn_at, d.due_at)) "        \
	"ELSE d.due_at END)"

int store_deadlines_due_count(struct store *s, int64_t now, int64_t *ret)
{
	sqlite3_stmt *st =
	        store_prepare(s, "SELECT count(*) FROM deadlines d INDEXED BY deadlines_next_event "
	                         "WHERE d.state = 'running' AND " NEXT_EVENT " <= ?1");
	int r = STORE_E_SQLITE;
	if (!st)
		return r;
	sqlite3_bind_int64(st, 1, now);
	if (sqlite3_step(st) == SQLITE_ROW) {
		*ret = sqlite3_column_int64(st, 0);
		r = 0;
	}
	sqlite3_finalize(st);
	return r;
}

int store_deadlines_due(struct store *s, int64_t now, size_t max, struct deadline **ret,
                        size_t *ret_n)
{
	struct deadline *rows = NULL;
	size_t n = 0;
	sqlite3_stmt *st = NULL;
	int r = 0, sr = SQLITE_DONE;

	if (max == 0)
		return -EINVAL;
	rows = calloc(max, sizeof(*rows));
	if (!rows)
		return -ENOMEM;
	st = store_prepare_cached(s, "SELECT " DEADLINE_COLUMNS
	                             " FROM deadlines d INDEXED BY deadlines_next_event "
	                             "WHERE d.state = 'running' AND " NEXT_EVENT " <= ?1 "
	                             "ORDER BY " NEXT_EVENT ", d.id LIMIT ?2");
	if (!st) {
		free(rows);
		return STORE_E_SQLITE;
	}
	sqlite3_bind_int64(st, 1, now);
	sqlite3_bind_int64(st, 2, (int64_t)max);
	while (r == 0 && n < max && (sr = sqlite3_step(st)) == SQLITE_ROW)
		r = store_deadline_row_read(st, &rows[n++]);
	if (r == 0 && sr != SQLITE_DONE && sr != SQLITE_ROW)
		r = STORE_E_SQLITE;
	store_stmt_done(s, st);
	if (r != 0 || n == 0) {
		free(rows);
		rows = NULL;
	}
	if (r == 0) {
		*ret = rows;
		*ret_n = n;
	}
	return r;
}

void store_deadlines_open_free(struct store_deadline_open *v, size_t n)
{
	if (!v)
		return;
	for (size_t i = 0; i < n; i++) {
		free(v[i].account_id);
		free(v[i].unit);
	}
	free(v);
}

static char *dup_col(sqlite3_stmt *st, int i)
{
	const unsigned char *t = sqlite3_column_text(st, i);
	return strdup(t ? (const char *)t : "");
}

void store_queue_key_of(const struct deadline *d, struct store_queue_key *ret)
{
	ret->paused = d->state == DEADLINE_PAUSED;
	ret->due_at = d->due_at;
	ret->id = d->id;
}

/* One statement per filter, so that each is one range of its own partial
 * index ("?1 IS NULL OR ..." would defeat them); the row value continues
 * after the cursor inside that range.  Without a cursor the key (-1, 0, 0)
 * lies before every row.  (Literal SQL at each store_prepare(), so that
 * tools can find and plan every statement.) */
#define QUEUE_FROM                                                                                 \
	", d.account_id, d.unit FROM deadlines d WHERE d.stopped_at IS NULL "                      \
	"AND (d.paused, d.due_at, d.id) > (?3, ?4, ?5) "
#define QUEUE_ORDER "ORDER BY d.paused, d.due_at, d.id LIMIT ?6"

static sqlite3_stmt *queue_prepare(struct store *s, const char *account_id, const char *unit)
{
	if (account_id)
		return store_prepare(
		        s, "SELECT " DEADLINE_COLUMNS QUEUE_FROM
		           "AND d.account_id = ?1 AND (?2 IS NULL OR d.unit = ?2) " QUEUE_ORDER);
	if (unit)
		return store_prepare(s, "SELECT " DEADLINE_COLUMNS QUEUE_FROM
		                        "AND d.unit = ?2 " QUEUE_ORDER);
	return store_prepare(s, "SELECT " DEADLINE_COLUMNS QUEUE_FROM QUEUE_ORDER);
}

int store_deadlines_open(struct store *s, const char *account_id, const char *unit,
                         const struct store_queue_key *after, size_t limit,
                         struct store_deadline_open **ret, size_t *ret_n)
{
	struct store_deadline_open *v = NULL;
	size_t n = 0, cap = 0;
	int r = 0, sr;
	sqlite3_stmt *st = queue_prepare(s, account_id, unit);
	if (!st)
		return STORE_E_SQLITE;
	if (account_id)
		sqlite3_bind_text(st, 1, account_id, -1, SQLITE_STATIC);
	if (unit)
		sqlite3_bind_text(st, 2, unit, -1, SQLITE_STATIC);
	sqlite3_bind_int64(st, 3, after ? after->paused : -1);
	sqlite3_bind_int64(st, 4, after ? after->due_at : 0);
	sqlite3_bind_int64(st, 5, after ? after->id : 0);
	sqlite3_bind_int64(st, 6, (int64_t)limit);
	while ((sr = sqlite3_step(st)) == SQLITE_ROW) {
		if (n == cap) {
			size_t ncap = cap ? cap * 2 : 16;
			struct store_deadline_open *nv = realloc(v, ncap * sizeof(*nv));
			if (!nv) {
				r = -ENOMEM;
				break;
			}
			v = nv;
			cap = ncap;
		}
		struct store_deadline_open *o = &v[n];
		memset(o, 0, sizeof(*o));
		n++;
		if ((r = store_deadline_row_read(st, &o->d)) < 0)
			break;
		o->account_id = dup_col(st, DEADLINE_NCOLUMNS);
		o->unit = dup_col(st, DEADLINE_NCOLUMNS + 1);
		if (!o->account_id || !o->unit) {
			r = -ENOMEM;
			break;
		}
	}
	if (r == 0 && sr != SQLITE_DONE)
		r = STORE_E_SQLITE;
	sqlite3_finalize(st);
	if (r != 0) {
		store_deadlines_open_free(v, n);
		return r;
	}
	if (n == 0) {
		free(v);
		v = NULL;
	}
	*ret = v;
	*ret_n = n;
	return 0;
}
