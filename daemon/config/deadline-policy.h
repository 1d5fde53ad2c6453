/* Deadline policy: how long each kind of clock runs, and when to warn.
 *
 * The configuration fills one policy per account (optionally per
 * category) through deadline_policy_set(), one key of a [Deadlines]
 * section at a time, on top of deadline_policy_init()'s defaults.  Keys
 * and defaults are documented in docs/deadlines.md. */
#pragma once

#include "calendar/duration.h"

#define DEADLINE_WARN_PCT_DEFAULT 75
#define DEADLINE_WARN_PCT_MAX 99

struct deadline_policy {
	/* RespondWithin=: answer a question from the public (FL 6 §
	 * "utan onödigt dröjsmål").  Default "1 business day". */
	struct cal_duration respond_within;
	/* ReviewObviousWithin=: review of content a rule flagged as obvious.
	 * Default "2 hours" of calendar time, so it runs 24/7. */
	struct cal_duration review_obvious_within;
	/* ReviewPossibleWithin=: review of possible content.  Default
	 * "4 business hours". */
	struct cal_duration review_possible_within;
	/* WarnAt=: warn when this percentage of the clock's time has been
	 * used, measured in the duration's kind of time.  Default 75; 0 means
	 * no warning. */
	int warn_pct;
	/* CaseNoticeWithin=: FL 11 §, tell the party of a substantial delay
	 * if the case is not decided by then.  Default "4 weeks". */
	struct cal_duration case_notice_within;
	/* FL 12 §, fixed by law and not configurable: the party may demand a
	 * decision six calendar months after the case started, and the
	 * authority then has four weeks to decide. */
	int case_demand_after_months;
	struct cal_duration case_decide_within;
};

/* The defaults above. */
void deadline_policy_init(struct deadline_policy *p);

/* "75%" or "75" (0..DEADLINE_WARN_PCT_MAX), or "no"/"off"/"none" for no
 * warning (0).  0 or -EINVAL. */
int deadline_parse_warn(const char *s, int *ret_pct);

/* Apply one key of a [Deadlines] section: RespondWithin=,
 * ReviewObviousWithin=, ReviewPossibleWithin=, CaseNoticeWithin= (a
 * duration as in calendar/duration.h, more than zero) and WarnAt= (see
 * deadline_parse_warn).  Keys are case-sensitive like every other vakt
 * key.  Returns 0, -EINVAL for a bad value (p unchanged), -ENOENT for an
 * unknown key. */
int deadline_policy_set(struct deadline_policy *p, const char *key, const char *value);
