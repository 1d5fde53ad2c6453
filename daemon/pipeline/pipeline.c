/* Ingest and evaluate: item → verdict → deadline clocks. */
#include "pipeline/pipeline.h"

#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "calendar/bizmath.h"
#include "deadline/deadline.h"
#include "escalate/escalate.h"
#include "pipeline/act-queue.h"
#include "util/log.h"
#include "util/strbuf.h"

/* Space-separated names of the active hits' categories, rules, actions. */
static int verdict_lists(const struct filter_verdict *v, struct strbuf *cats, struct strbuf *rules,
                         struct strbuf *acts)
{
	int r = 0;
	for (int c = 0; c < FILTER_CAT_COUNT; c++)
		if (v->categories & (1u << c))
			r |= strbuf_addf(cats, "%s%s", cats->len ? " " : "",
			                 filter_category_name((enum filter_category)c));
	for (size_t i = 0; i < v->nhits; i++)
		if (!v->hits[i].shadow)
			r |= strbuf_addf(rules, "%s%s", rules->len ? " " : "", v->hits[i].rule);
	for (unsigned b = 0; b < FILTER_ACT_COUNT; b++)
		if (v->actions & (1u << b))
			r |= strbuf_addf(acts, "%s%s", acts->len ? " " : "",
			                 filter_action_name(1u << b));
	if (!cats->buf)
		r |= strbuf_adds(cats, "");
	if (!rules->buf)
		r |= strbuf_adds(rules, "");
	if (!acts->buf)
		r |= strbuf_adds(acts, "");
	return r ? -ENOMEM : 0;
}

/* What a verdict keeps besides its columns: spans by rule id, shadow
 * rules, errors, truncation.  Titles, statutes, tiers and actions of the
 * rules are in the rules table under the verdict's rule set, the text in
 * the version, so a clean comment's detail is "{}". */
static cJSON *verdict_detail(const struct filter_verdict *v)
{
	cJSON *o = cJSON_CreateObject(), *hits = NULL, *shadow = NULL;
	if (!o)
		return NULL;
	for (size_t i = 0; i < v->nhits; i++) {
		const struct filter_hit *h = &v->hits[i];
		if (h->shadow) {
			if (!shadow)
				shadow = cJSON_AddArrayToObject(o, "shadow");
			cJSON_AddItemToArray(shadow, cJSON_CreateString(h->rule));
		}
		if (!hits)
			hits = cJSON_AddArrayToObject(o, "hits");
		cJSON *ho = cJSON_CreateObject();
		if (!ho || !cJSON_AddItemToArray(hits, ho)) {
			cJSON_Delete(ho);
			continue;
		}
		cJSON_AddStringToObject(ho, "rule", h->rule);
		filter_hit_add_spans(ho, h);
	}
	if (v->nerrors) {
		cJSON *errs = cJSON_AddArrayToObject(o, "errors");
		for (size_t i = 0; errs && i < v->nerrors; i++) {
			cJSON *eo = cJSON_CreateObject();
			cJSON_AddStringToObject(eo, "rule", v->errors[i].rule);
			cJSON_AddStringToObject(eo, "error", v->errors[i].msg);
			cJSON_AddItemToArray(errs, eo);
		}
	}
	if (v->truncated) {
		cJSON_AddBoolToObject(o, "truncated", 1);
		cJSON_AddNumberToObject(o, "length", (double)v->input_len);
		cJSON_AddNumberToObject(o, "scanned", (double)v->scanned);
	}
	if (v->nmasked)
		cJSON_AddNumberToObject(o, "masked", (double)v->nmasked);
	return o;
}

/* Write every rule of the rule set to the store's rules table (inside the
 * caller's transaction). */
static int record_rules(struct store *s, const struct pipeline_rules *rules, int64_t now)
{
	size_t n = filter_engine_rule_count(rules->engine);
	int r = 0;
	for (size_t i = 0; i < n && r == 0; i++) {
		const struct filter_rule *fr = filter_engine_rule(rules->engine, i);
		struct strbuf acts = { 0 };
		for (unsigned b = 0; b < FILTER_ACT_COUNT; b++)
			if (fr->actions & (1u << b))
				r |= strbuf_addf(&acts, "%s%s", acts.len ? " " : "",
				                 filter_action_name(1u << b));
		if (r == 0 && !acts.buf)
			r = strbuf_adds(&acts, "");
		if (r)
			r = -ENOMEM;
		struct store_rule_in in = {
			.ruleset = rules->digest,
			.rule_id = fr->id,
			.title = fr->title,
			.statute = fr->statute,
			.category = filter_category_name(fr->category),
			.tier = filter_tier_name(fr->tier),
			.severity = fr->severity,
			.actions = acts.buf,
			.shadow = fr->mode == FILTER_MODE_SHADOW,
		};
		if (r == 0)
			r = store_rule_record(s, &in, now);
		strbuf_free(&acts);
	}
	return r;
}

static int store_verdict(struct store *s, const struct pipeline_rules *rules, int64_t item,
                         int64_t version, const struct filter_verdict *v, int64_t now,
                         int64_t *ret_id)
{
	struct strbuf cats = { 0 }, ids = { 0 }, acts = { 0 };
	cJSON *json = verdict_detail(v);
	char *detail = json ? cJSON_PrintUnformatted(json) : NULL;
	int r = detail ? verdict_lists(v, &cats, &ids, &acts) : -ENOMEM;

	/* One indexed lookup per verdict; the rows are written in the same
	 * transaction as the first verdict of a rule set, so a rollback
	 * takes both. */
	int known = 0;
	if (r == 0)
		r = store_ruleset_known(s, rules->digest, &known);
	if (r == 0 && !known)
		r = record_rules(s, rules, now);

	if (r == 0) {
		struct store_verdict_in in = {
			.item_id = item,
			.version_id = version,
			.ruleset = rules->digest,
			.categories = cats.buf,
			.rule_ids = ids.buf,
			.tier = v->tier == FILTER_TIER_NONE ? NULL : filter_tier_name(v->tier),
			.severity = v->severity,
			.actions = acts.buf,
			.detail_json = detail,
			.masked_text = v->text ? v->text : "",
		};
		r = store_verdict_insert(s, &in, now, ret_id);
	}
	cJSON_Delete(json);
	free(detail);
	strbuf_free(&cats);
	strbuf_free(&ids);
	strbuf_free(&acts);
	return r;
}

/* Clocks the verdict asks for: a question needs an answer (not when the
 * account wrote it itself); a rule asking for review, hiding, deleting or
 * escalating needs a human look within its tier's time. */
static int start_clocks(struct store *s, const struct config_account *acc, int64_t item,
                        int64_t published, const struct filter_verdict *v, int is_own, int64_t now,
                        int *ret_started)
{
	enum deadline_kind kinds[2];
	int n = 0;
	if (is_own)
		return 0;
	if ((v->categories & (1u << FILTER_CAT_QUESTION)) && (v->actions & FILTER_ACT_RESPOND))
		kinds[n++] = DEADLINE_RESPOND;
	if (v->actions &
	    (FILTER_ACT_REVIEW | FILTER_ACT_HIDE | FILTER_ACT_DELETE | FILTER_ACT_ESCALATE)) {
		if (v->tier == FILTER_TIER_OBVIOUS)
			kinds[n++] = DEADLINE_REVIEW_OBVIOUS;
		else if (v->tier == FILTER_TIER_POSSIBLE)
			kinds[n++] = DEADLINE_REVIEW_POSSIBLE;
	} else if (v->truncated || v->nerrors) {
		/* Text the filters could not fully read (longer than the scan
		 * cap, or a rule hit a PCRE2 limit) goes to a human: a threat
		 * hidden behind 64 KiB of filler must not pass unseen. */
		kinds[n++] = DEADLINE_REVIEW_POSSIBLE;
	}
	/* A category with its own review time (ReviewWithin.CATEGORY=) sets
	 * the review clock; with several, the shortest wins. */
	struct deadline_policy policy = acc->deadlines;
	const struct cal_duration *shortest = NULL;
	int64_t shortest_due = INT64_MAX;
	for (int c = 0; c < FILTER_CAT_COUNT; c++) {
		int64_t due;
		if (!(v->categories & (1u << c) & acc->review_by_category_set) ||
		    cal_add_duration(acc->cal, published, &acc->review_by_category[c], &due) < 0)
			continue;
		if (due < shortest_due) {
			shortest_due = due;
			shortest = &acc->review_by_category[c];
		}
	}
	if (shortest) {
		policy.review_obvious_within = *shortest;
		policy.review_possible_within = *shortest;
	}
	for (int i = 0; i < n; i++) {
		int64_t id;
		int r = deadline_start(s, acc->cal, &policy, item, kinds[i], published, now,
		                       "vaktd:pipeline", &id);
		if (r == DEADLINE_E_EXISTS)
			continue;
		if (r)
			return r;
		(*ret_started)++;
	}
	return 0;
}

/* Our own reply answers the question it replies to. */
static int meet_parent(struct store *s, int64_t parent, int64_t now, int *ret_met)
{
	struct deadline d;
	int r = deadline_find(s, parent, DEADLINE_RESPOND, &d);
	if (r == -ENOENT)
		return 0;
	if (r)
		return r;
	if (d.stopped_at)
		return 0;
	r = deadline_stop(s, d.id, DEADLINE_STOP_MET, now, "vaktd:own-reply");
	if (r == 0)
		(*ret_met)++;
	return r;
}

static int evaluate(struct store *s, struct pipeline_rules *rules, const struct config_account *acc,
                    int64_t item, int64_t version, const char *text, int is_own, int64_t parent,
                    int64_t published, int64_t now, struct pipeline_result *res)
{
	struct filter_verdict *v = NULL;
	/* A rule set whose examples were not yet run must not filter. */
	if (!rules->examples_checked)
		return -EPERM;
	int r = filter_engine_scan(rules->engine, text, strlen(text), 0, &v);
	if (r < 0)
		return r;
	/* The verdict and the clocks it starts commit together: a crash can
	 * lose neither one without the other. */
	r = store_begin(s);
	if (r != 0) {
		filter_verdict_free(v);
		return r;
	}
	r = store_verdict(s, rules, item, version, v, now, &res->verdict_id);
	if (r == 0) {
		res->categories = v->categories;
		res->tier = v->tier;
		res->actions = v->actions;
		r = start_clocks(s, acc, item, published, v, is_own, now, &res->clocks_started);
	}
	if (r == 0 && is_own && parent)
		r = meet_parent(s, parent, now, &res->clocks_met);
	/* What the rules ask the platform to do is queued with the verdict
	 * (docs/connectors.md "Actions"): a crash keeps both or neither. */
	if (r == 0 && !is_own)
		r = pipeline_queue_actions(s, acc, item, res->verdict_id, v,
		                           connector_find(platform_name(acc->platform)), now,
		                           &res->actions_queued);
	/* A threat reaches on-call from this same transaction: the verdict
	 * and its escalation commit together or not at all. */
	if (r == 0 && !is_own) {
		struct escalate_verdict_in ev = {
			.account = acc->id,
			.item_id = item,
			.parent_id = parent,
			.verdict_id = res->verdict_id,
			.categories = v->categories,
			.tier = (int)v->tier,
			.actions = v->actions,
			.group_window_usec = acc->esc_group_window_usec,
		};
		r = escalate_verdict(s, &ev, now, &res->escalation_id);
	}
	/* Harmful reviews cannot be removed: when they repeat, the owner is
	 * told to turn reviews off (in this transaction too). */
	unsigned harmful = (1u << FILTER_CAT_CRIMINAL) | (1u << FILTER_CAT_THREAT) |
	                   (1u << FILTER_CAT_HARASSMENT) | (1u << FILTER_CAT_HATE);
	if (r == 0 && !is_own && acc->platform == PLATFORM_FACEBOOK &&
	    v->tier != FILTER_TIER_NONE && (v->categories & harmful))
		r = escalate_reviews(s, acc, item, published, now, NULL);
	r = store_end(s, r);
	filter_verdict_free(v);
	return r;
}

int pipeline_ingest(struct store *s, struct pipeline_rules *rules, const struct config_account *acc,
                    const struct store_item_in *in, int64_t now, struct pipeline_result *ret)
{
	struct pipeline_result res = { 0 };
	int r = store_begin(s);
	if (r != 0)
		return r;
	r = store_end(s, store_item_upsert(s, in, now, &res.item_id, &res.version_id));
	if (r != 0)
		return r;
	/* The raw item is committed before anything else happens to it; a
	 * version without a verdict is evaluated by pipeline_repair(), also
	 * one stored while the rules' engine is being built (the daemon's
	 * start): it waits for its verdict, and the batch it came in stays. */
	if (res.version_id && !rules->examples_checked) {
		res.waiting = true;
	} else if (res.version_id) {
		/* The rest is what was just stored (in); only the parent may
		 * differ, adopted after the item was first stored. */
		int64_t parent;
		r = store_item_parent(s, res.item_id, &parent);
		if (r == 0)
			r = evaluate(s, rules, acc, res.item_id, res.version_id, in->text,
			             in->is_own, parent, in->published_at, now, &res);
	}
	if (r == 0)
		*ret = res;
	return r;
}

int pipeline_evaluate(struct store *s, struct pipeline_rules *rules,
                      const struct config_account *acc, int64_t item_id, int64_t now,
                      struct pipeline_result *ret)
{
	struct pipeline_result res = { .item_id = item_id };
	char account[128], *text = NULL;
	int is_own;
	int64_t parent, version, published;
	int r = store_item_for_filter(s, item_id, &text, account, sizeof(account), &is_own, &parent,
	                              &version);
	if (r == 0)
		r = store_item_origin(s, item_id, account, sizeof(account), &published);
	if (r == 0)
		r = evaluate(s, rules, acc, item_id, version, text, is_own, parent, published, now,
		             &res);
	free(text);
	if (r == 0)
		*ret = res;
	return r;
}

int pipeline_flush_stats(struct store *s, struct pipeline_rules *rules, int64_t now)
{
	if (!rules->engine)
		return 0; /* not built yet: nothing counted */
	size_t n = filter_engine_rule_count(rules->engine);
	int changed = 0;
	for (size_t i = 0; i < n && !changed; i++) {
		const struct filter_rule_stats *st = filter_engine_rule_stats(rules->engine, i);
		const struct filter_rule_stats *f = &rules->flushed[i];
		changed = st->hits != f->hits || st->match_ns != f->match_ns ||
		          st->limit_hits != f->limit_hits || st->disabled != f->disabled;
	}
	if (!changed)
		return 0; /* no write lock for nothing */
	int r = store_begin(s);
	if (r != 0)
		return r;
	for (size_t i = 0; i < n && r == 0; i++) {
		const struct filter_rule_stats *st = filter_engine_rule_stats(rules->engine, i);
		struct filter_rule_stats *f = &rules->flushed[i];
		if (st->hits == f->hits && st->match_ns == f->match_ns &&
		    st->limit_hits == f->limit_hits && st->disabled == f->disabled)
			continue;
		r = store_rule_stats_add(s, filter_engine_rule(rules->engine, i)->id,
		                         (int64_t)(st->hits - f->hits),
		                         st->hits > f->hits ? (int64_t)st->last_hit * 1000000 : 0,
		                         (int64_t)(st->match_ns - f->match_ns),
		                         (int64_t)(st->limit_hits - f->limit_hits), st->disabled,
		                         now);
	}
	if ((r = store_end(s, r)) != 0)
		return r;
	for (size_t i = 0; i < n; i++)
		rules->flushed[i] = *filter_engine_rule_stats(rules->engine, i);
	return 0;
}

int pipeline_repair_some(struct store *s, struct pipeline_rules *rules, const struct config *cfg,
                         int64_t now, size_t max, int64_t *cursor, size_t *ret_done, bool *ret_more)
{
	int64_t *ids = NULL;
	const int64_t from = *cursor;
	size_t n = 0, done = 0, failed = 0;
	int r = store_items_unevaluated(s, from, max, &ids, &n);
	/* One commit for the batch, not one per item: each commit waits for
	 * the disk (synchronous=FULL), and the batch is what a slice of the
	 * loop may take.  Each item's evaluation is a savepoint in it.  No
	 * write lock for an empty batch (every pass ends with one). */
	if (r == 0 && n > 0)
		r = store_begin(s);
	if (r || n == 0) {
		free(ids);
		*ret_done = 0;
		*ret_more = false;
		return r;
	}
	/* An item that cannot be evaluated (its account is gone) stays in
	 * the table: the cursor passes it, or every slice would read it
	 * again. */
	for (size_t i = 0; r == 0 && i < n; i++) {
		*cursor = ids[i];
		char account[128];
		int64_t published;
		struct pipeline_result res;
		r = store_item_origin(s, ids[i], account, sizeof(account), &published);
		if (r)
			break;
		const struct config_account *a = config_find_account(cfg, account);
		if (!a || !a->cal)
			continue;
		int er = pipeline_evaluate(s, rules, a, ids[i], now, &res);
		if (er == 0) {
			done++;
			continue;
		}
		/* Memory, or a transaction SQLite ended (the disk): the batch's
		 * failure, not this item's. */
		if (er == -ENOMEM || store_transaction_lost(s)) {
			r = er;
			break;
		}
		/* One item that fails (its savepoint rolled back) must not keep
		 * the items after it from their verdicts: it is passed over in
		 * this pass.  Two or more failing with none going in is the
		 * store's failure (a full disk fails every statement). */
		log_warning("item %lld: cannot evaluate it (%s); passed over in this pass",
		            (long long)ids[i], store_strerror(s, er));
		if (++failed >= 2 && done == 0)
			r = er;
	}
	r = store_end(s, r);
	free(ids);
	if (r) {
		*cursor = from; /* all of it rolled back: the batch again */
		done = 0;
	}
	*ret_done = done;
	*ret_more = r == 0 && n == max;
	return r;
}

int pipeline_repair(struct store *s, struct pipeline_rules *rules, const struct config *cfg,
                    int64_t now, size_t *ret_done)
{
	int64_t cursor = 0;
	size_t total = 0, done;
	bool more = true;
	int r = 0;
	while (r == 0 && more) {
		r = pipeline_repair_some(s, rules, cfg, now, 1000, &cursor, &done, &more);
		total += done;
	}
	if (r == 0)
		*ret_done = total;
	return r;
}
