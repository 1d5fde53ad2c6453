/* Deadline policy defaults and the [Deadlines] key parser (config/ owns
 * it: the configuration fills it; deadline/ only reads it). */
#include "config/deadline-policy.h"

#include <errno.h>
#include <stddef.h>
#include <string.h>

void deadline_policy_init(struct deadline_policy *p)
{
	*p = (struct deadline_policy){
		.respond_within = { CAL_UNIT_BUSINESS_DAYS, 1 },
		.review_obvious_within = { CAL_UNIT_HOURS, 2 },
		.review_possible_within = { CAL_UNIT_BUSINESS_HOURS, 4 },
		.warn_pct = DEADLINE_WARN_PCT_DEFAULT,
		.case_notice_within = { CAL_UNIT_WEEKS, 4 },
		.case_demand_after_months = 6,
		.case_decide_within = { CAL_UNIT_WEEKS, 4 },
	};
}

int deadline_parse_warn(const char *s, int *ret_pct)
{
	int v = 0;
	size_t n = 0;

	if (strcmp(s, "no") == 0 || strcmp(s, "off") == 0 || strcmp(s, "none") == 0) {
		*ret_pct = 0;
		return 0;
	}
	/* At most two digits: anything longer is out of range anyway, and
	 * this keeps the arithmetic far from overflow. */
	while (s[n] >= '0' && s[n] <= '9') {
		if (n == 2)
			return -EINVAL;
		v = v * 10 + (s[n] - '0');
		n++;
	}
	if (n == 0)
		return -EINVAL;
	if (s[n] == '%')
		n++;
	if (s[n] != '\0' || v > DEADLINE_WARN_PCT_MAX)
		return -EINVAL;
	*ret_pct = v;
	return 0;
}

/* A deadline of zero length would be breached the moment it starts. */
static int parse_positive(const char *value, struct cal_duration *ret)
{
	struct cal_duration d;
	if (cal_duration_parse(value, &d) < 0 || d.count == 0)
		return -EINVAL;
	*ret = d;
	return 0;
}

int deadline_policy_set(struct deadline_policy *p, const char *key, const char *value)
{
	if (strcmp(key, "RespondWithin") == 0)
		return parse_positive(value, &p->respond_within);
	if (strcmp(key, "ReviewObviousWithin") == 0)
		return parse_positive(value, &p->review_obvious_within);
	if (strcmp(key, "ReviewPossibleWithin") == 0)
		return parse_positive(value, &p->review_possible_within);
	if (strcmp(key, "CaseNoticeWithin") == 0)
		return parse_positive(value, &p->case_notice_within);
	if (strcmp(key, "WarnAt") == 0)
		return deadline_parse_warn(value, &p->warn_pct);
	return -ENOENT;
}
