/* The formal case: förvaltningslagen (2017:900) 11 § and 12 §.
 *
 * 11 §: if the authority judges that the decision in a case started by a
 * party will be substantially delayed, it must tell the party.  The law
 * names no period; vakt asks for the notice when the case is not decided
 * within the policy's CaseNoticeWithin (default four weeks).
 *
 * 12 §: if such a case has not been decided within six months, the party
 * may demand a decision in writing; the authority must then, within four
 * weeks from the day the demand came in, decide the case or reject the
 * demand in a separate decision. */
#include <errno.h>
#include <stdio.h>

#include "calendar/bizmath.h"
#include "calendar/date.h"
#include "calendar/tz.h"
#include "deadline/deadline-internal.h"
#include "util/clock.h"

/* t plus `months` calendar months in the calendar's zone: the same local
 * wall-clock time on the same day of the month, or on the month's last day
 * when it is shorter (31 August + 6 months = 28 or 29 February). */
static int add_months(const struct cal *cal, int64_t t, int months, int64_t *ret)
{
	const struct cal_tz *tz = cal_timezone(cal);
	struct cal_local loc;
	int64_t sec = t / USEC_PER_SEC, frac = t % USEC_PER_SEC, out;
	int r;

	if (t < 0 || months < 0)
		return -EINVAL;
	if ((r = cal_tz_to_local(tz, sec, &loc)) < 0)
		return r;
	struct civil_date dt = civil_date_from_days(loc.dn);
	int64_t m0 = (int64_t)dt.year * 12 + (dt.month - 1) + months;
	int year = (int)(m0 / 12), month = (int)(m0 % 12) + 1;
	if (year > CAL_YEAR_MAX)
		return -ERANGE;
	int dim = civil_days_in_month(year, month);
	int day = dt.day < dim ? dt.day : dim;
	if ((r = cal_tz_from_local(tz, civil_days_from_date(year, month, day), loc.sec_of_day,
	                           &out)) < 0)
		return r;
	*ret = out * USEC_PER_SEC + frac;
	return 0;
}

static int fill_milestone(const struct cal *cal, int months, int64_t item_id, int64_t start,
                          int64_t now, struct deadline *ret)
{
	struct deadline d = {
		.item_id = item_id,
		.kind = DEADLINE_FL12_DEMAND_POSSIBLE,
		.state = DEADLINE_RUNNING,
		.started_at = start,
		.created_at = now,
		.left_usec = -1,
		.warn_left_usec = -1,
	};
	int r;

	if (months <= 0 || months > 120)
		return -EINVAL;
	snprintf(d.duration, sizeof(d.duration), DEADLINE_MONTHS_FMT, months);
	if ((r = add_months(cal, start, months, &d.due_at)) < 0)
		return r;
	*ret = d;
	return 0;
}

/* 0 when the item has no clock of `kind`, DEADLINE_E_EXISTS when it has. */
static int absent(struct store *s, int64_t item_id, enum deadline_kind kind)
{
	struct deadline d;
	int r = store_deadline_find(s, item_id, kind, &d);
	return r == 0 ? DEADLINE_E_EXISTS : r == -ENOENT ? 0 : r;
}

static int insert_audited(struct store *s, struct deadline *d, int64_t now, const char *actor)
{
	int r = store_deadline_insert(s, d);
	if (r == 0)
		r = deadline_audit(s, actor, "deadline.start", d, now, NULL);
	return r;
}

int deadline_case_open(struct store *s, const struct cal *cal, const struct deadline_policy *p,
                       int64_t item_id, int64_t start, int64_t now, const char *actor,
                       int64_t *ret_notice_id, int64_t *ret_milestone_id)
{
	struct deadline notice, milestone;
	int r;

	if (start <= 0 || now <= 0 || !actor)
		return -EINVAL;
	if ((r = deadline_fill_new(cal, &p->case_notice_within, p->warn_pct, item_id,
	                           DEADLINE_FL11_NOTICE, start, now, &notice)) < 0)
		return r;
	if ((r = fill_milestone(cal, p->case_demand_after_months, item_id, start, now,
	                        &milestone)) < 0)
		return r;
	if ((r = store_begin(s)) != 0)
		return r;
	r = deadline_item_exists(s, item_id);
	if (r == 0)
		r = absent(s, item_id, DEADLINE_FL11_NOTICE);
	if (r == 0)
		r = absent(s, item_id, DEADLINE_FL12_DEMAND_POSSIBLE);
	if (r == 0)
		r = insert_audited(s, &notice, now, actor);
	if (r == 0)
		r = insert_audited(s, &milestone, now, actor);
	r = store_end(s, r);
	if (r == 0) {
		if (ret_notice_id)
			*ret_notice_id = notice.id;
		if (ret_milestone_id)
			*ret_milestone_id = milestone.id;
	}
	return r;
}

int deadline_case_demand(struct store *s, const struct cal *cal, const struct deadline_policy *p,
                         int64_t item_id, int64_t demand_at, int64_t now, const char *actor,
                         int64_t *ret_id)
{
	struct deadline milestone, decision;
	int r;

	if (demand_at <= 0 || now <= 0 || !actor)
		return -EINVAL;
	if ((r = deadline_fill_new(cal, &p->case_decide_within, p->warn_pct, item_id,
	                           DEADLINE_FL12_DECISION, demand_at, now, &decision)) < 0)
		return r;
	if ((r = store_begin(s)) != 0)
		return r;
	r = store_deadline_find(s, item_id, DEADLINE_FL12_DEMAND_POSSIBLE, &milestone);
	if (r == 0)
		r = absent(s, item_id, DEADLINE_FL12_DECISION);
	if (r == 0 && milestone.stopped_at)
		r = DEADLINE_E_STATE;
	/* Compared with the instant, not the state: the scan may not have
	 * marked the milestone reached yet. */
	if (r == 0 && demand_at < milestone.due_at)
		r = DEADLINE_E_TOO_EARLY;
	if (r == 0)
		r = deadline_stop_row(s, &milestone, DEADLINE_STOP_MET, now, actor, "demand");
	if (r == 0)
		r = insert_audited(s, &decision, now, actor);
	r = store_end(s, r);
	if (r == 0 && ret_id)
		*ret_id = decision.id;
	return r;
}

int deadline_case_close(struct store *s, int64_t item_id, int64_t now, const char *actor)
{
	static const enum deadline_kind kinds[] = { DEADLINE_FL11_NOTICE,
		                                    DEADLINE_FL12_DEMAND_POSSIBLE,
		                                    DEADLINE_FL12_DECISION };
	int r, stopped = 0;

	if (now <= 0 || !actor)
		return -EINVAL;
	if ((r = store_begin(s)) != 0)
		return r;
	for (size_t i = 0; r == 0 && i < sizeof(kinds) / sizeof(kinds[0]); i++) {
		struct deadline d;
		r = store_deadline_find(s, item_id, kinds[i], &d);
		if (r == -ENOENT || (r == 0 && d.stopped_at)) {
			r = 0;
			continue;
		}
		if (r != 0)
			break;
		/* A six-month point that never came was not "met". */
		enum deadline_stop how =
		        d.kind == DEADLINE_FL12_DEMAND_POSSIBLE && d.state == DEADLINE_RUNNING
		                ? DEADLINE_STOP_CANCELLED
		                : DEADLINE_STOP_MET;
		r = deadline_stop_row(s, &d, how, now, actor, "decided");
		stopped++;
	}
	if (r == 0 && stopped == 0)
		r = -ENOENT;
	return store_end(s, r);
}
