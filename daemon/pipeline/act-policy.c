/* The action policy: AutoActions= and the strongest allowed action. */
#include "pipeline/act-policy.h"

#include <errno.h>
#include <stdio.h>
#include <string.h>

#include "config/config.h"

/* Strongest first; what a refused action falls back to is to its right. */
static const enum conn_action strength[] = { CONN_ACT_DELETE, CONN_ACT_HIDE, CONN_ACT_REPORT };
#define N_STRENGTH (sizeof(strength) / sizeof(strength[0]))

const char *act_kind_name(enum conn_action a)
{
	return a == CONN_ACT_BLOCK_AUTHOR ? "block" : conn_action_name(a);
}

int act_kind_parse(const char *kind, enum conn_action *ret)
{
	if (strcmp(kind, "block") == 0) {
		*ret = CONN_ACT_BLOCK_AUTHOR;
		return 0;
	}
	if (strcmp(kind, "block_author") == 0)
		return -EINVAL; /* the store's name is "block" */
	return conn_action_parse(kind, ret);
}

bool act_allowed(const struct connector *c, enum conn_action a, const char *platform_id,
                 const char *item_kind, const char *author_id)
{
	if (!c || !c->action_request || !(c->actions & (1u << a)))
		return false;
	/* The connector is asked to build the request against a placeholder
	 * account: what it refuses to build, it would refuse to send. */
	const struct conn_account acc = {
		.id = "policy",
		.external_id = "0",
		.base_url = "http://127.0.0.1",
	};
	struct conn_request req = { 0 };
	int r = c->action_request(&acc, a, platform_id, item_kind, author_id, &req);
	conn_request_clear(&req);
	return r == 0;
}

int act_weaker_allowed(const struct connector *c, enum conn_action refused, const char *platform_id,
                       const char *item_kind, const char *author_id, enum conn_action *ret)
{
	size_t i = 0;
	while (i < N_STRENGTH && strength[i] != refused)
		i++;
	for (i++; i < N_STRENGTH; i++)
		if (act_allowed(c, strength[i], platform_id, item_kind, author_id)) {
			*ret = strength[i];
			return 0;
		}
	return -ENOENT;
}

bool act_auto_allows(unsigned auto_mask, enum conn_action a, enum filter_tier tier)
{
	unsigned obvious = 0, possible = 0;
	if (a == CONN_ACT_HIDE) {
		obvious = CONFIG_AUTO_HIDE_OBVIOUS;
		possible = CONFIG_AUTO_HIDE_POSSIBLE;
	} else if (a == CONN_ACT_DELETE) {
		obvious = CONFIG_AUTO_DELETE_OBVIOUS;
		possible = CONFIG_AUTO_DELETE_POSSIBLE;
	} else {
		return false; /* reports and blocks are always a person's decision */
	}
	if (tier == FILTER_TIER_OBVIOUS)
		return auto_mask & obvious;
	if (tier == FILTER_TIER_POSSIBLE)
		return auto_mask & possible;
	return false;
}

void act_plan(unsigned actions, enum filter_tier tier, unsigned auto_mask,
              const struct connector *c, const char *platform, const char *platform_id,
              const char *item_kind, const char *author_id, struct act_plan *ret)
{
	enum conn_action want;
	memset(ret, 0, sizeof(*ret));
	if (actions & FILTER_ACT_DELETE)
		want = CONN_ACT_DELETE;
	else if (actions & FILTER_ACT_HIDE)
		want = CONN_ACT_HIDE;
	else
		return;
	if (act_allowed(c, want, platform_id, item_kind, author_id)) {
		ret->rows[0].action = want;
		ret->rows[0].state = act_auto_allows(auto_mask, want, tier) ? "queued" : "proposed";
		ret->n = 1;
		return;
	}
	enum conn_action weaker;
	bool has_weaker =
	        act_weaker_allowed(c, want, platform_id, item_kind, author_id, &weaker) == 0;
	struct act_plan_row *no = &ret->rows[ret->n++];
	no->action = want;
	no->state = "not_allowed";
	/* Nothing as weak: where the platform's only tool is stronger (a
	 * LinkedIn organisation can delete comments on its posts but hide
	 * nothing), the stronger action is proposed so that a moderator can
	 * take it in one step.  vakt never does more than the rule asked on
	 * its own: it is proposed whatever AutoActions= says. */
	bool stronger = !has_weaker && want == CONN_ACT_HIDE &&
	                act_allowed(c, CONN_ACT_DELETE, platform_id, item_kind, author_id);
	if (has_weaker)
		snprintf(no->error, sizeof(no->error), "%s does not allow %s on a %s; %s instead",
		         platform, act_kind_name(want), item_kind, act_kind_name(weaker));
	else if (stronger)
		snprintf(no->error, sizeof(no->error),
		         "%s does not allow %s on a %s, nor anything weaker; delete proposed to a "
		         "moderator",
		         platform, act_kind_name(want), item_kind);
	else
		snprintf(no->error, sizeof(no->error),
		         "%s does not allow %s on a %s, nor anything weaker; left to human review",
		         platform, act_kind_name(want), item_kind);
	if (stronger) {
		ret->rows[ret->n].action = CONN_ACT_DELETE;
		ret->rows[ret->n++].state = "proposed";
		return;
	}
	if (!has_weaker)
		return;
	struct act_plan_row *fb = &ret->rows[ret->n++];
	fb->action = weaker;
	fb->state = act_auto_allows(auto_mask, weaker, tier) ? "queued" : "proposed";
}
