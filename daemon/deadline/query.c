/* Open clocks for the API and `vaktctl queue`, with the time left on each
 * in its own kind of time. */
#include <errno.h>
#include <inttypes.h>
#include <stdio.h>
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

int deadline_list_pending(struct store *s, const struct deadline_filter *f, const struct cal *cal,
                          deadline_cal_fn cal_for, void *userdata, int64_t now,
                          struct deadline_pending **ret, size_t *ret_n)
{
	size_t limit =
	        f && f->limit && f->limit <= DEADLINE_LIST_MAX ? f->limit : DEADLINE_LIST_MAX;
	struct store_deadline_open *rows = NULL;
	struct deadline_pending *v = NULL;
	size_t n = 0;
	int r;

	if (!cal)
		return -EINVAL;
	r = store_deadlines_open(s, f ? f->account_id : NULL, f ? f->unit : NULL,
	                         f ? f->after : NULL, limit, &rows, &n);
	if (r != 0)
		return r;
	if (n > 0 && !(v = calloc(n, sizeof(*v)))) {
		store_deadlines_open_free(rows, n);
		return -ENOMEM;
	}
	/* The strings change owner: rows keeps none. */
	for (size_t i = 0; i < n; i++) {
		v[i].d = rows[i].d;
		v[i].account_id = rows[i].account_id;
		v[i].unit = rows[i].unit;
		rows[i].account_id = rows[i].unit = NULL;
	}
	store_deadlines_open_free(rows, n);
	for (size_t i = 0; r == 0 && i < n; i++) {
		const struct cal *c =
		        cal_for ? cal_for(userdata, v[i].account_id, v[i].unit) : NULL;
		r = time_left(c ? c : cal, &v[i], now);
	}
	if (r != 0) {
		deadline_pending_free(v, n);
		return r;
	}
	*ret = v;
	*ret_n = n;
	return 0;
}

/* "q1.<paused>.<due_at>.<id>": the version prefix lets a later order
 * refuse old cursors instead of misreading them. */
void deadline_cursor_format(const struct deadline *d, char buf[static DEADLINE_CURSOR_MAX])
{
	struct store_queue_key k;
	store_queue_key_of(d, &k);
	snprintf(buf, DEADLINE_CURSOR_MAX, "q1.%d.%" PRId64 ".%" PRId64, k.paused, k.due_at, k.id);
}

/* A decimal int64 without sign, spaces or leading zeros, up to '.' or the
 * end; *end is left on the character after it. */
static int parse_int64(const char *p, const char **end, int64_t *ret)
{
	int neg = *p == '-';
	uint64_t v = 0;
	const char *q = p + neg;
	if (*q < '0' || *q > '9' || (*q == '0' && q[1] >= '0' && q[1] <= '9'))
		return -EINVAL;
	for (; *q >= '0' && *q <= '9'; q++) {
		if (v > (UINT64_MAX - 9) / 10)
			return -EINVAL;
		v = v * 10 + (uint64_t)(*q - '0');
	}
	if (v > (uint64_t)INT64_MAX + (uint64_t)neg)
		return -EINVAL;
	*ret = neg ? (int64_t)(0 - v) : (int64_t)v;
	*end = q;
	return 0;
}

int deadline_cursor_parse(const char *text, struct store_queue_key *ret)
{
	struct store_queue_key k;
	const char *p;
	if (!text || strncmp(text, "q1.", 3) != 0 || (text[3] != '0' && text[3] != '1') ||
	    text[4] != '.')
		return -EINVAL;
	k.paused = text[3] - '0';
	if (parse_int64(text + 5, &p, &k.due_at) < 0 || *p != '.' ||
	    parse_int64(p + 1, &p, &k.id) < 0 || *p || k.id <= 0)
		return -EINVAL;
	*ret = k;
	return 0;
}
