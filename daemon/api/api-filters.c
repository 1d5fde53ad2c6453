/* GET /v1/filters/stats, POST /v1/verdicts/{id}/feedback,
 * GET /v1/items/{id}, POST /v1/items/{id}/evaluate. */
#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "api/api-handlers.h"
#include "calendar/instant.h"
#include "pipeline/pipeline.h"
#include "store/audit.h"
#include "util/clock.h"

void api_get_filter_stats(const struct api_env *env, const struct api_req *req,
                          struct api_response *ret)
{
	struct filter_engine *e = env->rules->engine;
	if (!e) {
		api_fail(ret, 503, "filters_not_ready",
		         "the rules' engine is being built (a start); ask again shortly");
		return;
	}
	size_t n = filter_engine_rule_count(e);
	cJSON *o = cJSON_CreateObject();
	cJSON_AddStringToObject(o, "ruleset", env->rules->digest);
	cJSON_AddNumberToObject(o, "jit_patterns", (double)filter_engine_jit_patterns(e));
	cJSON *arr = cJSON_AddArrayToObject(o, "rules");
	for (size_t i = 0; arr && i < n; i++) {
		const struct filter_rule *r = filter_engine_rule(e, i);
		const struct filter_rule_stats *live = filter_engine_rule_stats(e, i);
		const struct filter_rule_stats *flushed = &env->rules->flushed[i];
		struct store_rule_stats st;
		if (store_rule_stats_get(env->store, r->id, &st) != 0) {
			cJSON_Delete(o);
			api_fail(ret, 500, "store", "cannot read rule statistics");
			return;
		}
		/* The store has what was flushed; add what the engine counted
		 * since. */
		int64_t hits = st.hits + (int64_t)(live->hits - flushed->hits);
		int64_t cost = st.cost_ns + (int64_t)(live->match_ns - flushed->match_ns);
		int64_t last = live->hits > flushed->hits ? (int64_t)live->last_hit * USEC_PER_SEC
		                                          : st.last_hit;
		char buf[40];
		cJSON *j = cJSON_CreateObject();
		cJSON_AddStringToObject(j, "rule", r->id);
		cJSON_AddStringToObject(j, "category", filter_category_name(r->category));
		cJSON_AddStringToObject(j, "tier", filter_tier_name(r->tier));
		cJSON_AddStringToObject(j, "mode",
		                        r->mode == FILTER_MODE_SHADOW ? "shadow" : "active");
		cJSON_AddStringToObject(j, "statute", r->statute);
		cJSON_AddNumberToObject(j, "hits", (double)hits);
		if (last)
			cJSON_AddStringToObject(j, "last_hit",
			                        clock_format_utc(last, buf, sizeof(buf)));
		else
			cJSON_AddNullToObject(j, "last_hit");
		cJSON_AddNumberToObject(j, "cost_ns", (double)cost);
		cJSON_AddNumberToObject(j, "limit_hits",
		                        (double)(st.limit_hits + (int64_t)(live->limit_hits -
		                                                           flushed->limit_hits)));
		cJSON_AddBoolToObject(j, "disabled", live->disabled);
		cJSON_AddNumberToObject(j, "true_positives", (double)st.true_positives);
		cJSON_AddNumberToObject(j, "false_positives", (double)st.false_positives);
		cJSON_AddItemToArray(arr, j);
	}
	ret->status = 200;
	ret->body = o;
}

void api_post_verdict_feedback(const struct api_env *env, const struct api_req *req,
                               struct api_response *ret)
{
	int64_t verdict;
	char actor[80];
	if (api_parse_id(req->param, &verdict) < 0) {
		api_fail(ret, 400, "bad_id", "verdict ids are positive integers");
		return;
	}
	cJSON *in = req->body ? cJSON_ParseWithLength(req->body, req->body_len) : NULL;
	const cJSON *rule = cJSON_GetObjectItemCaseSensitive(in, "rule");
	const cJSON *judgement = cJSON_GetObjectItemCaseSensitive(in, "judgement");
	if (!cJSON_IsString(rule) || strlen(rule->valuestring) > 128 ||
	    strspn(rule->valuestring, "abcdefghijklmnopqrstuvwxyz0123456789._-") !=
	            strlen(rule->valuestring) ||
	    !cJSON_IsString(judgement) ||
	    (strcmp(judgement->valuestring, "true_positive") != 0 &&
	     strcmp(judgement->valuestring, "false_positive") != 0)) {
		cJSON_Delete(in);
		api_fail(ret, 400, "bad_feedback",
		         "body: {\"rule\":ID,\"judgement\":\"true_positive\"|\"false_positive\"}");
		return;
	}
	api_actor(req, actor, sizeof(actor));
	int r = store_feedback_add(env->store, verdict, rule->valuestring, judgement->valuestring,
	                           actor, clock_now_usec());
	if (r) {
		if (r == -ENOENT)
			api_fail(ret, 404, "not_found", "verdict %lld does not involve rule %s",
			         (long long)verdict, rule->valuestring);
		else
			api_fail(ret, 500, "store", "cannot record feedback");
		cJSON_Delete(in);
		return;
	}
	cJSON *o = cJSON_CreateObject();
	cJSON_AddNumberToObject(o, "verdict", (double)verdict);
	cJSON_AddStringToObject(o, "rule", rule->valuestring);
	cJSON_AddStringToObject(o, "judgement", judgement->valuestring);
	cJSON_Delete(in);
	ret->status = 200;
	ret->body = o;
}

/* The item as moderators see it: metadata, the latest verdict with its
 * masked text (never the raw text: personal data is not spread), its
 * clocks. */
void api_get_item(const struct api_env *env, const struct api_req *req, struct api_response *ret)
{
	struct store_item_view v;
	int64_t id;
	char buf[40];

	if (api_parse_id(req->param, &id) < 0) {
		api_fail(ret, 400, "bad_id", "item ids are positive integers");
		return;
	}
	int r = store_item_view(env->store, id, &v);
	if (r) {
		api_fail(ret, r == -ENOENT ? 404 : 500, r == -ENOENT ? "not_found" : "store",
		         "no item %lld", (long long)id);
		return;
	}
	cJSON *o = cJSON_CreateObject();
	cJSON_AddNumberToObject(o, "item", (double)id);
	cJSON_AddStringToObject(o, "account", v.account);
	cJSON_AddStringToObject(o, "platform_id", v.platform_id);
	cJSON_AddStringToObject(o, "kind", v.kind);
	cJSON_AddBoolToObject(o, "own", v.own);
	cJSON_AddStringToObject(o, "published_at",
	                        clock_format_utc(v.published_at, buf, sizeof(buf)));
	cJSON_AddStringToObject(o, "platform_state", v.platform_state);
	cJSON_AddStringToObject(o, "state", v.state);
	cJSON_AddNumberToObject(o, "versions", v.versions);
	if (v.verdict_id) {
		cJSON *j = cJSON_AddObjectToObject(o, "verdict");
		cJSON_AddNumberToObject(j, "id", (double)v.verdict_id);
		if (v.tier)
			cJSON_AddStringToObject(j, "tier", v.tier);
		else
			cJSON_AddNullToObject(j, "tier");
		cJSON_AddStringToObject(j, "categories", v.categories ? v.categories : "");
		cJSON_AddStringToObject(j, "rules", v.rules ? v.rules : "");
		cJSON_AddStringToObject(j, "actions", v.actions ? v.actions : "");
		cJSON_AddStringToObject(j, "text", v.masked_text ? v.masked_text : "");
		cJSON_AddStringToObject(j, "ruleset", v.ruleset ? v.ruleset : "");
	} else {
		cJSON_AddNullToObject(o, "verdict");
	}
	cJSON *clocks = cJSON_AddArrayToObject(o, "deadlines");
	for (size_t i = 0; clocks && i < v.nclocks; i++) {
		cJSON *c = cJSON_CreateObject();
		cJSON_AddNumberToObject(c, "deadline", (double)v.clocks[i].id);
		cJSON_AddStringToObject(c, "kind", v.clocks[i].kind);
		cJSON_AddStringToObject(c, "state", v.clocks[i].state);
		cJSON_AddStringToObject(c, "due_at",
		                        clock_format_utc(v.clocks[i].due_at, buf, sizeof(buf)));
		if (!cJSON_AddItemToArray(clocks, c))
			cJSON_Delete(c);
	}
	store_item_view_clear(&v);
	ret->status = 200;
	ret->body = o;
}

void api_post_item_evaluate(const struct api_env *env, const struct api_req *req,
                            struct api_response *ret)
{
	int64_t id, published;
	char account[128];
	struct pipeline_result res;

	if (api_parse_id(req->param, &id) < 0) {
		api_fail(ret, 400, "bad_id", "item ids are positive integers");
		return;
	}
	int r = store_item_origin(env->store, id, account, sizeof(account), &published);
	if (r) {
		api_fail(ret, r == -ENOENT ? 404 : 500, r == -ENOENT ? "not_found" : "store",
		         "no item %lld", (long long)id);
		return;
	}
	const struct config_account *a = config_find_account(env->config, account);
	if (!a || !a->cal) {
		api_fail(ret, 409, "conflict",
		         "item %lld belongs to account '%s', which is not configured",
		         (long long)id, account);
		return;
	}
	if (!env->rules->examples_checked) {
		api_fail(ret, 503, "filters_not_ready",
		         "the rules' engine is being built (a start); item %lld is evaluated once "
		         "it is",
		         (long long)id);
		return;
	}
	r = pipeline_evaluate(env->store, env->rules, a, id, clock_now_usec(), &res);
	if (r) {
		api_fail(ret, 500, "store", "cannot evaluate item %lld", (long long)id);
		return;
	}
	/* A re-evaluation is a decision someone asked for: audit it with the
	 * caller, like every other write. */
	char actor[80], subject[48], detail[160];
	snprintf(subject, sizeof(subject), "item:%lld", (long long)id);
	snprintf(detail, sizeof(detail), "{\"verdict\":%lld,\"tier\":\"%s\",\"clocks_started\":%d}",
	         (long long)res.verdict_id,
	         res.tier == FILTER_TIER_NONE ? "none" : filter_tier_name(res.tier),
	         (int)res.clocks_started);
	if (store_audit_append(env->store, api_actor(req, actor, sizeof(actor)), "item.evaluate",
	                       subject, detail, NULL) != 0) {
		api_fail(ret, 500, "store", "cannot audit the evaluation of item %lld",
		         (long long)id);
		return;
	}
	if (env->changed)
		env->changed(env->changed_arg, a->id);
	cJSON *o = cJSON_CreateObject();
	cJSON_AddNumberToObject(o, "item", (double)id);
	cJSON_AddNumberToObject(o, "verdict", (double)res.verdict_id);
	cJSON_AddStringToObject(o, "tier",
	                        res.tier == FILTER_TIER_NONE ? "none" : filter_tier_name(res.tier));
	cJSON_AddNumberToObject(o, "clocks_started", res.clocks_started);
	ret->status = 200;
	ret->body = o;
}
