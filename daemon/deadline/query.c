/* Open clocks for the API and `vaktctl queue`. */
#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "calendar/bizmath.h"
#include "deadline/deadline-internal.h"

void deadline_pending_free(struct deadline_pending *v, size_t n)
{
	if (!v)
		return;
	for (size_t i = 0; i < n; i++) {
		free(v[i].account_id);
		free(v[i].unit);
	}
	free(v);
}

static int time_left(const struct cal *cal, struct deadline_pending *p, int64_t now)
{
	struct cal_duration dur;
	int months, r;

	if ((r = deadline_row_duration(&p->d, &dur, &months)) < 0)
		return r;
	p->business = !months && cal_duration_is_business(&dur);
	if (p->d.state == DEADLINE_PAUSED) {
		p->time_left_usec = p->d.left_usec;
		return 0;
	}
	if (months) {
		p->time_left_usec = p->d.due_at - now;
		return 0;
	}
	return cal_time_left(cal, &dur, now, p->d.due_at, &p->time_left_usec);
}

static char *dup_col(sqlite3_stmt *st, int i)
{
	const unsigned char *t = sqlite3_column_text(st, i);
	return strdup(t ? (const char *)t : "");
}

int deadline_list_pending(struct store *s, const struct deadline_filter *f, const struct cal *cal,
                          deadline_cal_fn cal_for, void *userdata, int64_t now,
                          struct deadline_pending **ret, size_t *ret_n)
{
	size_t limit =
	        f && f->limit && f->limit <= DEADLINE_LIST_MAX ? f->limit : DEADLINE_LIST_MAX;
	struct deadline_pending *v = NULL;
	size_t n = 0, cap = 0;
	int r = 0, sr;

	if (!cal)
		return -EINVAL;
	sqlite3_stmt *st = deadline_prepare(
	        s, "SELECT " DEADLINE_COLUMNS ", i.account_id, a.unit FROM deadlines d "
	           "JOIN items i ON i.id = d.item_id JOIN accounts a ON a.id = i.account_id "
	           "WHERE d.stopped_at IS NULL AND (?1 IS NULL OR i.account_id = ?1) "
	           "AND (?2 IS NULL OR a.unit = ?2) "
	           "ORDER BY d.state = 'paused', d.due_at, d.id LIMIT ?3");
	if (!st)
		return STORE_E_SQLITE;
	if (f && f->account_id)
		sqlite3_bind_text(st, 1, f->account_id, -1, SQLITE_STATIC);
	if (f && f->unit)
		sqlite3_bind_text(st, 2, f->unit, -1, SQLITE_STATIC);
	sqlite3_bind_int64(st, 3, (int64_t)limit);
	while ((sr = sqlite3_step(st)) == SQLITE_ROW) {
		if (n == cap) {
			size_t ncap = cap ? cap * 2 : 16;
			struct deadline_pending *nv = realloc(v, ncap * sizeof(*nv));
			if (!nv) {
				r = -ENOMEM;
				break;
			}
			v = nv;
			cap = ncap;
		}
		struct deadline_pending *p = &v[n];
		memset(p, 0, sizeof(*p));
		n++;
		if ((r = deadline_row_read(st, &p->d)) < 0)
			break;
		p->account_id = dup_col(st, DEADLINE_NCOLUMNS);
		p->unit = dup_col(st, DEADLINE_NCOLUMNS + 1);
		if (!p->account_id || !p->unit) {
			r = -ENOMEM;
			break;
		}
		const struct cal *c = cal_for ? cal_for(userdata, p->account_id, p->unit) : NULL;
		if ((r = time_left(c ? c : cal, p, now)) < 0)
			break;
	}
	if (r == 0 && sr != SQLITE_DONE)
		r = STORE_E_SQLITE;
	sqlite3_finalize(st);
	if (r != 0) {
		deadline_pending_free(v, n);
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
