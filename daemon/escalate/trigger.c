/* Triggers: escalation rows written in the transaction of their cause. */
#include <errno.h>
#include <stdio.h>
#include <string.h>

#include "escalate/escalate.h"
#include "filter/rules.h"

bool escalate_verdict_wanted(unsigned categories, int tier, unsigned actions)
{
	unsigned grave = (1u << FILTER_CAT_CRIMINAL) | (1u << FILTER_CAT_THREAT);
	return (tier == FILTER_TIER_OBVIOUS && (categories & grave)) ||
	       (actions & FILTER_ACT_ESCALATE);
}

static void category_list(unsigned categories, char *buf, size_t len)
{
	size_t n = 0;
	buf[0] = '\0';
	for (int c = 0; c < FILTER_CAT_COUNT; c++)
		if (categories & (1u << c))
			n += (size_t)snprintf(buf + n, n < len ? len - n : 0, "%s%s", n ? " " : "",
			                      filter_category_name((enum filter_category)c));
}

int escalate_verdict(struct store *s, const struct escalate_verdict_in *in, int64_t now,
                     int64_t *ret_id)
{
	char group[200], key[STORE_ESC_KEY_MAX], cats[128];
	int64_t id = 0;
	int r;

	if (!escalate_verdict_wanted(in->categories, in->tier, in->actions)) {
		if (ret_id)
			*ret_id = 0;
		return 0;
	}
	if (in->parent_id)
		snprintf(group, sizeof(group), "post:%lld", (long long)in->parent_id);
	else
		snprintf(group, sizeof(group), "account:%s", in->account);
	if ((r = store_begin(s)) != 0)
		return r;
	/* Evaluated again (a rule fixed, `vaktctl item --evaluate`): the
	 * people told of it once are not paged again for the same item. */
	r = store_escalation_of_item(s, in->item_id, &id);
	bool known = r == 0;
	if (r == -ENOENT)
		id = 0, r = 0;
	if (r == 0 && !known && in->group_window_usec > 0) {
		r = store_escalation_group_find(s, group, now - in->group_window_usec, &id);
		if (r == 0)
			r = store_escalation_add_item(s, id, in->item_id, now, NULL);
		else if (r == -ENOENT)
			id = 0, r = 0;
	}
	if (r == 0 && !known && id == 0) {
		snprintf(key, sizeof(key), "verdict-%lld", (long long)in->verdict_id);
		category_list(in->categories, cats, sizeof(cats));
		struct store_escalation_in e = {
			.key = key,
			.cause = "verdict",
			.kind = "threat",
			.account = in->account,
			.item_id = in->item_id,
			.verdict_id = in->verdict_id,
			.reason = cats,
			.group_key = group,
			.next_at = now,
		};
		r = store_escalation_insert(s, &e, now, &id);
	}
	r = store_end(s, r);
	if (r == 0 && ret_id)
		*ret_id = id;
	return r;
}

int escalate_deadline(struct store *s, const struct deadline_transition *t, int64_t now,
                      int64_t *ret_id)
{
	char key[STORE_ESC_KEY_MAX], account[128];
	int64_t published, id = 0;
	/* A milestone reached tells no one.  Nor does a warning found only
	 * after the clock's due instant (vaktd was down, or the scan is
	 * catching up): "the deadline is near" about a deadline already
	 * missed is wrong, and the breach of the same scan (or the next
	 * one, when the scan stopped between the two) says what is true.
	 * The warning is still recorded and audited by the scan. */
	if (t->level == DEADLINE_LEVEL_REACHED ||
	    (t->level == DEADLINE_LEVEL_WARNING && t->due_at <= now)) {
		if (ret_id)
			*ret_id = 0;
		return 0;
	}
	int r = store_item_origin(s, t->item_id, account, sizeof(account), &published);
	if (r)
		return r;
	bool warn = t->level == DEADLINE_LEVEL_WARNING;
	snprintf(key, sizeof(key), "deadline-%lld-%s", (long long)t->deadline_id,
	         warn ? "warning" : "breach");
	struct store_escalation_in e = {
		.key = key,
		.cause = "deadline",
		.kind = warn ? "warning" : "breach",
		.account = account,
		.item_id = t->item_id,
		.deadline_id = t->deadline_id,
		.reason = deadline_kind_name(t->kind),
		.due_at = t->due_at,
		.next_at = now,
	};
	r = store_escalation_insert(s, &e, now, &id);
	if (r == -EEXIST)
		r = 0; /* the same transition reported again: already escalated */
	if (r == 0 && ret_id)
		*ret_id = id;
	return r;
}

int escalate_health(struct store *s, const char *account, const char *reason, int64_t now,
                    int64_t *ret_id, int *ret_new)
{
	char key[STORE_ESC_KEY_MAX];
	int64_t id = 0;
	int fresh = 0;
	int r = store_begin(s);
	if (r)
		return r;
	r = store_escalation_health_open(s, account, reason, &id);
	if (r == -ENOENT) {
		snprintf(key, sizeof(key), "health-%.60s-%.16s-%lld", account, reason,
		         (long long)now);
		struct store_escalation_in e = {
			.key = key,
			.cause = "health",
			.kind = "health",
			.account = account,
			.reason = reason,
			.next_at = now,
		};
		r = store_escalation_insert(s, &e, now, &id);
		fresh = r == 0;
	}
	r = store_end(s, r);
	if (r == 0) {
		if (ret_id)
			*ret_id = id;
		if (ret_new)
			*ret_new = fresh;
	}
	return r;
}

int escalate_health_clear(struct store *s, const char *account, const char *reason, int64_t now)
{
	int64_t id;
	int r = store_begin(s);
	if (r)
		return r;
	r = store_escalation_health_open(s, account, reason, &id);
	if (r == 0) {
		r = store_escalation_cancel(s, id, "recovered", now);
	} else if (r == -ENOENT) {
		r = 0;
	}
	return store_end(s, r);
}

int escalate_test(struct store *s, const char *account, int64_t now, int64_t *ret_id)
{
	char key[STORE_ESC_KEY_MAX];
	snprintf(key, sizeof(key), "test-%.60s-%lld", account, (long long)now);
	struct store_escalation_in e = {
		.key = key,
		.cause = "test",
		.kind = "test",
		.account = account,
		.reason = "test-route",
		.next_at = now,
	};
	return store_escalation_insert(s, &e, now, ret_id);
}

int escalate_ack(struct store *s, int64_t id, const char *by, const char *actor, int64_t now)
{
	return store_escalation_ack(s, id, by, actor, now);
}
