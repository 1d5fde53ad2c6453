/* The periodic scan: warnings, breaches and reached milestones.
 *
 * Only stored instants are compared, so the scan needs no calendar, and
 * what it marked is in the store: after a restart nothing is reported
 * twice and nothing is lost (a clock that passed while the daemon was down
 * is reported by the first scan). */
#include <errno.h>
#include <stdbool.h>
#include <stdlib.h>

#include "deadline/deadline-internal.h"

static int push(struct deadline_transition *v, size_t *n, size_t max, const struct deadline *d,
                enum deadline_level level)
{
	if (*n >= max)
		return 0;
	v[(*n)++] = (struct deadline_transition){
		.deadline_id = d->id,
		.item_id = d->item_id,
		.kind = d->kind,
		.level = level,
		.due_at = d->due_at,
	};
	return 1;
}

/* Apply what has passed to one running clock; *n grows by what was
 * recorded.  The clock is written once, only when something changed (a
 * clock past both its warning and its due instant gets both marks in one
 * write: each write moves the row in half a dozen indexes), and only
 * transitions that fit are applied, so a clock cut off at `max` is
 * finished by the next scan.  Each transition has its audit entry, with
 * the row as it was after that transition. */
static int scan_one(struct store *s, struct deadline *d, int64_t now, const char *actor,
                    struct deadline_transition *v, size_t *n, size_t max)
{
	int r = 0;
	bool changed = false;

	if (d->kind == DEADLINE_FL12_DEMAND_POSSIBLE) {
		if (d->due_at > now || !push(v, n, max, d, DEADLINE_LEVEL_REACHED))
			return 0;
		d->state = DEADLINE_REACHED;
		d->reached_at = now;
		if ((r = store_deadline_update(s, d)) == 0)
			r = deadline_audit(s, actor, "deadline.reached", d, now, NULL);
		return r;
	}
	if (d->warn_at && !d->warned_at && d->warn_at <= now) {
		if (!push(v, n, max, d, DEADLINE_LEVEL_WARNING))
			return 0;
		d->warned_at = now;
		changed = true;
		if ((r = deadline_audit(s, actor, "deadline.warning", d, now, NULL)) != 0)
			return r;
	}
	if (d->due_at <= now && push(v, n, max, d, DEADLINE_LEVEL_BREACH)) {
		d->state = DEADLINE_BREACHED;
		d->breached_at = now;
		changed = true;
		if ((r = deadline_audit(s, actor, "deadline.breach", d, now, NULL)) != 0)
			return r;
	}
	return changed ? store_deadline_update(s, d) : 0;
}

int deadline_scan(struct store *s, int64_t now, const char *actor, size_t max,
                  struct deadline_transition **ret, size_t *ret_n)
{
	struct deadline *rows = NULL;
	struct deadline_transition *v = NULL;
	size_t nrows = 0, n = 0;
	int r;

	if (now <= 0 || !actor || max == 0 || max > DEADLINE_SCAN_MAX)
		return -EINVAL;
	v = calloc(max, sizeof(*v));
	if (!v)
		return -ENOMEM;
	if ((r = store_begin(s)) != 0)
		goto out;
	r = store_deadlines_due(s, now, max, &rows, &nrows);
	for (size_t i = 0; r == 0 && i < nrows && n < max; i++)
		r = scan_one(s, &rows[i], now, actor, v, &n, max);
	r = store_end(s, r);
out:
	free(rows);
	if (r != 0 || n == 0) {
		free(v);
		v = NULL;
	}
	if (r == 0) {
		*ret = v;
		*ret_n = n;
	}
	return r;
}
