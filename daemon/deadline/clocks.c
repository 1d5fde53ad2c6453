/* Starting, pausing, resuming and stopping one clock. */
#include <stdbool.h>
#include <errno.h>

#include "calendar/bizmath.h"
#include "deadline/deadline-internal.h"

static const struct cal_duration *policy_duration(const struct deadline_policy *p,
                                                  enum deadline_kind kind)
{
	switch (kind) {
	case DEADLINE_RESPOND:
		return &p->respond_within;
	case DEADLINE_REVIEW_OBVIOUS:
		return &p->review_obvious_within;
	case DEADLINE_REVIEW_POSSIBLE:
		return &p->review_possible_within;
	default:
		return NULL;
	}
}

int deadline_start(struct store *s, const struct cal *cal, const struct deadline_policy *p,
                   int64_t item_id, enum deadline_kind kind, int64_t start, int64_t now,
                   const char *actor, int64_t *ret_id)
{
	const struct cal_duration *dur = policy_duration(p, kind);
	struct deadline d, old;
	int r;

	if (!dur || start <= 0 || now <= 0 || !actor)
		return -EINVAL;
	/* Compute before the transaction: a calendar error changes nothing. */
	if ((r = deadline_fill_new(cal, dur, p->warn_pct, item_id, kind, start, now, &d)) < 0)
		return r;
	if ((r = store_begin(s)) != 0)
		return r;
	r = deadline_item_exists(s, item_id);
	if (r == 0) {
		r = store_deadline_find(s, item_id, kind, &old);
		if (r == 0)
			r = DEADLINE_E_EXISTS;
		else if (r == -ENOENT)
			r = store_deadline_insert(s, &d);
	}
	if (r == 0)
		r = deadline_audit(s, actor, "deadline.start", &d, now, NULL);
	r = store_end(s, r);
	if (r == 0 && ret_id)
		*ret_id = d.id;
	return r;
}

static bool is_case_kind(enum deadline_kind k)
{
	return k == DEADLINE_FL11_NOTICE || k == DEADLINE_FL12_DEMAND_POSSIBLE ||
	       k == DEADLINE_FL12_DECISION;
}

/* Freeze the time left to due_at and to a pending warning. */
static int do_pause(const struct cal *cal, struct deadline *d, int64_t now)
{
	struct cal_duration dur;
	int months, r;
	int64_t from, left, warn_left = -1;

	if (d->state != DEADLINE_RUNNING)
		return DEADLINE_E_STATE;
	if (is_case_kind(d->kind))
		return -EOPNOTSUPP;
	if (d->due_at <= now)
		return DEADLINE_E_PASSED;
	if ((r = deadline_row_duration(d, &dur, &months)) < 0)
		return r;
	/* A clock whose start is still ahead (a clock skew on the platform)
	 * has used none of its time. */
	from = now > d->started_at ? now : d->started_at;
	if ((r = cal_time_left(cal, &dur, from, d->due_at, &left)) < 0)
		return r;
	if (d->warn_at && !d->warned_at) {
		if ((r = cal_time_left(cal, &dur, from, d->warn_at, &warn_left)) < 0)
			return r;
		/* A warning already due but not yet scanned comes at resume. */
		if (warn_left < 0)
			warn_left = 0;
	}
	d->state = DEADLINE_PAUSED;
	d->paused_at = now;
	d->left_usec = left;
	d->warn_left_usec = warn_left;
	return 0;
}

/* `left` of the duration's kind of time after `now`. */
static int add_left(const struct cal *cal, const struct cal_duration *dur, int64_t now,
                    int64_t left, int64_t *ret)
{
	if (cal_duration_is_business(dur))
		return cal_add_business_time(cal, now, left, ret);
	*ret = now + left;
	return 0;
}

static int do_resume(const struct cal *cal, struct deadline *d, int64_t now)
{
	struct cal_duration dur;
	int64_t due, warn = d->warn_at;
	int months, r;

	if (d->state != DEADLINE_PAUSED)
		return DEADLINE_E_STATE;
	if (d->left_usec < 0)
		return -EBADMSG;
	if ((r = deadline_row_duration(d, &dur, &months)) < 0)
		return r;
	if ((r = add_left(cal, &dur, now, d->left_usec, &due)) < 0)
		return r;
	if (d->warn_left_usec >= 0 && (r = add_left(cal, &dur, now, d->warn_left_usec, &warn)) < 0)
		return r;
	d->state = DEADLINE_RUNNING;
	d->due_at = due;
	d->warn_at = warn;
	if (now > d->paused_at)
		d->paused_total += now - d->paused_at;
	d->left_usec = -1;
	d->warn_left_usec = -1;
	return 0;
}

typedef int (*change_fn)(const struct cal *cal, struct deadline *d, int64_t now);

static int change(struct store *s, const struct cal *cal, int64_t id, int64_t now,
                  const char *actor, change_fn fn, const char *action)
{
	struct deadline d;
	int r;

	if (now <= 0 || !actor)
		return -EINVAL;
	if ((r = store_begin(s)) != 0)
		return r;
	r = store_deadline_get(s, id, &d);
	if (r == 0)
		r = fn(cal, &d, now);
	if (r == 0)
		r = store_deadline_update(s, &d);
	if (r == 0)
		r = deadline_audit(s, actor, action, &d, now, NULL);
	return store_end(s, r);
}

int deadline_pause(struct store *s, const struct cal *cal, int64_t id, int64_t now,
                   const char *actor)
{
	return change(s, cal, id, now, actor, do_pause, "deadline.pause");
}

int deadline_resume(struct store *s, const struct cal *cal, int64_t id, int64_t now,
                    const char *actor)
{
	return change(s, cal, id, now, actor, do_resume, "deadline.resume");
}

/* Shared with case.c through deadline_stop_row(). */
static int do_stop(struct deadline *d, enum deadline_stop how, int64_t now)
{
	if (d->stopped_at || d->state == DEADLINE_MET || d->state == DEADLINE_CANCELLED)
		return DEADLINE_E_STATE;
	if (d->state == DEADLINE_PAUSED) {
		if (now > d->paused_at)
			d->paused_total += now - d->paused_at;
		d->left_usec = -1;
		d->warn_left_usec = -1;
	}
	/* A breach (or a reached milestone) stays on the record when the
	 * answer comes late; only a cancellation replaces it. */
	if (how == DEADLINE_STOP_CANCELLED)
		d->state = DEADLINE_CANCELLED;
	else if (d->state == DEADLINE_RUNNING || d->state == DEADLINE_PAUSED)
		d->state = DEADLINE_MET;
	d->stopped_at = now;
	return 0;
}

int deadline_stop_row(struct store *s, struct deadline *d, enum deadline_stop how, int64_t now,
                      const char *actor, const char *reason)
{
	int r = do_stop(d, how, now);
	if (r == 0)
		r = store_deadline_update(s, d);
	if (r == 0)
		r = deadline_audit(s, actor,
		                   how == DEADLINE_STOP_MET ? "deadline.met" : "deadline.cancel", d,
		                   now, reason);
	return r;
}

int deadline_stop(struct store *s, int64_t id, enum deadline_stop how, int64_t now,
                  const char *actor)
{
	struct deadline d;
	int r;

	if (now <= 0 || !actor || (how != DEADLINE_STOP_MET && how != DEADLINE_STOP_CANCELLED))
		return -EINVAL;
	if ((r = store_begin(s)) != 0)
		return r;
	r = store_deadline_get(s, id, &d);
	if (r == 0)
		r = deadline_stop_row(s, &d, how, now, actor, NULL);
	return store_end(s, r);
}
