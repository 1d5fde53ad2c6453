/* What vakt does on a platform about a verdict, and what it falls back to
 * when the platform does not allow it (docs/connectors.md "Actions").
 *
 * Strength, strongest first: delete, hide, report.  A rule's hide or
 * delete becomes the strongest action the platform allows on that item
 * that is no stronger than what the rule asked for (the connector's
 * action_request() refusing with -EOPNOTSUPP, or unable to build the
 * request, means not allowed).  When that is weaker than asked, the asked
 * action is recorded as not_allowed with why, and the weaker one waits for
 * a moderator unless AutoActions= lets vakt do it alone; the verdict's
 * review clock (pipeline) is the human review either way.  Pure functions:
 * no store, no I/O. */
#pragma once

#include <stdbool.h>

#include "connectors/connector.h"
#include "filter/rules.h"

/* The store's action kind of a connector action ("hide" …, "block" for
 * CONN_ACT_BLOCK_AUTHOR) and back; -EINVAL for a kind no connector does. */
const char *act_kind_name(enum conn_action a);
int act_kind_parse(const char *kind, enum conn_action *ret);

/* Whether c can build action a on this item. */
bool act_allowed(const struct connector *c, enum conn_action a, const char *platform_id,
                 const char *item_kind, const char *author_id);

/* The strongest fallback strictly weaker than `refused` that c allows on
 * the item (delete → hide → report): 0 and *ret, -ENOENT when none. */
int act_weaker_allowed(const struct connector *c, enum conn_action refused, const char *platform_id,
                       const char *item_kind, const char *author_id, enum conn_action *ret);

/* Whether AutoActions= (CONFIG_AUTO_* bits in auto_mask) lets vakt carry
 * out a alone for a verdict of tier. */
bool act_auto_allows(unsigned auto_mask, enum conn_action a, enum filter_tier tier);

/* The rows to queue for one verdict: at most two. */
struct act_plan_row {
	enum conn_action action;
	const char *state; /* "queued" (vakt does it), "proposed" (a moderator decides),
	                    * "not_allowed" (error says why) */
	char error[200];
};
struct act_plan {
	int n;
	struct act_plan_row rows[2];
};

/* Plan the verdict's platform action: actions are its FILTER_ACT_* bits
 * (delete wins over hide), platform the connector's name for messages; c
 * NULL means the platform has no connector.  n 0 when the verdict asks
 * for neither hide nor delete. */
void act_plan(unsigned actions, enum filter_tier tier, unsigned auto_mask,
              const struct connector *c, const char *platform, const char *platform_id,
              const char *item_kind, const char *author_id, struct act_plan *ret);
