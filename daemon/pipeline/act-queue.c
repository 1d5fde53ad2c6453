/* A verdict's platform action into the `actions` queue, in the verdict's
 * transaction (pipeline.c), as act-policy.h plans it. */
#include "pipeline/act-queue.h"

#include <stdio.h>
#include <string.h>

#include "pipeline/act-policy.h"
#include "store/actions.h"

/* "rules threat.x, threat.y (obvious)": the active rules that asked to
 * hide or delete, which the audit log keeps as the reason. */
static void reason_of(const struct filter_verdict *v, char *buf, size_t len)
{
	size_t n = (size_t)snprintf(buf, len, "rule");
	int count = 0;
	for (size_t i = 0; i < v->nhits && n < len; i++) {
		const struct filter_hit *h = &v->hits[i];
		if (h->shadow || !(h->actions & (FILTER_ACT_HIDE | FILTER_ACT_DELETE)))
			continue;
		n += (size_t)snprintf(buf + n, len - n, "%s %s", count ? "," : "", h->rule);
		count++;
	}
	if (n < len)
		snprintf(buf + n, len - n, " (%s)", filter_tier_name(v->tier));
}

int pipeline_queue_actions(struct store *s, const struct config_account *acc, int64_t item,
                           int64_t verdict, const struct filter_verdict *v,
                           const struct connector *c, int64_t now, int *ret_queued)
{
	if (!(v->actions & (FILTER_ACT_HIDE | FILTER_ACT_DELETE)))
		return 0;
	struct store_action_target t;
	int r = store_action_target(s, item, &t);
	if (r)
		return r;
	/* The account's own words are never taken down by vakt; what is
	 * already deleted or gone has nothing left to act on. */
	if (t.is_own || strcmp(t.platform_state, "deleted") == 0 ||
	    strcmp(t.platform_state, "gone") == 0)
		return 0;
	struct act_plan plan;
	act_plan(v->actions, v->tier, acc->auto_actions, c, platform_name(acc->platform),
	         t.platform_id, t.kind, t.author_id[0] ? t.author_id : NULL, &plan);
	char reason[256];
	reason_of(v, reason, sizeof(reason));
	for (int i = 0; r == 0 && i < plan.n; i++) {
		const struct act_plan_row *row = &plan.rows[i];
		/* An item already hidden needs no hiding. */
		if (row->action == CONN_ACT_HIDE && strcmp(t.platform_state, "hidden") == 0)
			continue;
		const struct store_action_in in = {
			.item_id = item,
			.verdict_id = verdict,
			.kind = act_kind_name(row->action),
			.state = row->state,
			.requested_by = "vakt",
			.reason = reason,
			.error = row->error[0] ? row->error : NULL,
		};
		int64_t id = 0;
		r = store_action_add(s, &in, now, &id);
		if (r == 0 && id && ret_queued)
			(*ret_queued)++;
	}
	return r;
}
