/* [Deadlines] (site), [Deadlines UNIT] and an account's [Deadlines]: the
 * response and review clocks, layered like [Schedule]. */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "calendar/duration.h"
#include "config/config-internal.h"
#include "filter/rules.h"

_Static_assert(CONFIG_CATEGORIES == FILTER_CAT_COUNT, "one review override per category");

/* ReviewWithin.CATEGORY: the category's index, or -1. */
static int category_key(const char *key)
{
	if (strncmp(key, "ReviewWithin.", 13) != 0)
		return -1;
	for (int c = 0; c < FILTER_CAT_COUNT; c++)
		if (strcmp(key + 13, filter_category_name((enum filter_category)c)) == 0)
			return c;
	return -2;
}

void config_deadlines_collect(struct config_load *ld, const char *scope, const char *section,
                              const char *key, const char *value, const char *file, unsigned line)
{
	struct deadline_policy scratch;
	struct cal_duration d;
	int cat = category_key(key), r;
	deadline_policy_init(&scratch);
	if (cat == -2) {
		diag_add(ld->diags, file, line,
		         "%s: not a filter category (criminal, threat, harassment, hate, "
		         "personal_data, confidential, question, spam)",
		         key);
		return;
	}
	if (cat >= 0)
		r = cal_duration_parse(value, &d) < 0 || d.count == 0 ? -EINVAL : 0;
	else
		r = deadline_policy_set(&scratch, key, value);
	if (r == -ENOENT) {
		diag_add(ld->diags, file, line, "unknown key '%s' in [%s]", key, section);
		return;
	}
	if (r < 0) {
		diag_add(ld->diags, file, line, "%s=%s: expected %s", key, value,
		         strcmp(key, "WarnAt") == 0 ? "a percentage 1..99 such as 75%, or no"
		                                    : "a duration such as \"1 business day\", \"4 "
		                                      "business hours\" or \"2h\"");
		return;
	}
	if (config_opt_add(&ld->dl_opts, &ld->n_dl_opts, scope, key, value, file, line) < 0)
		config_oom(ld, file, line);
}

static void apply_scope(struct config_load *ld, struct config_account *a, const char *scope)
{
	for (size_t i = 0; i < ld->n_dl_opts; i++) {
		const struct cal_opt *o = &ld->dl_opts[i];
		if (strcmp(o->calendar, scope) != 0)
			continue;
		int cat = category_key(o->key);
		if (cat < 0) {
			deadline_policy_set(&a->deadlines, o->key, o->value);
		} else if (cal_duration_parse(o->value, &a->review_by_category[cat]) == 0) {
			a->review_by_category_set |= 1u << cat;
		}
	}
}

void config_deadlines_resolve(struct config_load *ld, struct config_account *a)
{
	char scope[160];
	deadline_policy_init(&a->deadlines);
	a->review_by_category_set = 0;
	apply_scope(ld, a, "");
	if (a->unit) {
		snprintf(scope, sizeof(scope), "unit:%s", a->unit);
		apply_scope(ld, a, scope);
	}
	snprintf(scope, sizeof(scope), "account:%s", a->id);
	apply_scope(ld, a, scope);
}

void config_deadlines_clear(struct config_load *ld)
{
	config_opts_free(&ld->dl_opts, &ld->n_dl_opts);
	config_opts_free(&ld->dl_units, &ld->n_dl_units);
}
