/* GET /v1/filters/stats, POST /v1/verdicts/{id}/feedback,
 * GET /v1/items/{id}, POST /v1/items/{id}/evaluate. */
#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "api/api-handlers.h"
#include "calendar/instant.h"
#include "pipeline/pipeline.h"
#include "util/clock.h"

void api_get_filter_stats(const struct api_env *env, const struct api_req *req,
                          struct api_response *ret)
{
	struct filter_engine *e = env->rules->engine;
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

static int parse_id(const char *s, int64_t *ret)
{
	char *end;
	long long v = strtoll(s, &end, 10);
	if (!*s || *end || v <= 0)
		return -EINVAL;
	*ret = v;
	return 0;
}

void api_post_verdict_feedback(const struct api_env *env, const struct api_req *req,
                               struct api_response *ret)
{
	int64_t verdict;
	char actor[80] = "api";
	if (parse_id(req->param, &verdict) < 0) {
		api_fail(ret, 400, "bad_id", "verdict ids are positive integers");
		return;
	}
	cJSON *in = req->body ? cJSON_ParseWithLength(req->body, req->body_len) : NULL;
	const cJSON *rule = cJSON_GetObjectItemCaseSensitive(in, "rule");
	const cJSON *judgement = cJSON_GetObjectItemCaseSensitive(in, "judgement");
	const cJSON *by = cJSON_GetObjectItemCaseSensitive(in, "by");
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
	if (cJSON_IsString(by) && *by->valuestring && strlen(by->valuestring) < 64)
		snprintf(actor, sizeof(actor), "api:%s", by->valuestring);
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
	int64_t id;
	sqlite3 *db = store_db(env->store);
	sqlite3_stmt *st = NULL;
	char buf[40];

	if (parse_id(req->param, &id) < 0) {
		api_fail(ret, 400, "bad_id", "item ids are positive integers");
		return;
	}
	if (sqlite3_prepare_v2(db,
	                       "SELECT account_id, platform_id, kind, author_name, is_own, "
	                       "published_at, platform_state, state, permalink, "
	                       "(SELECT count(*) FROM item_versions v WHERE v.item_id=items.id) "
	                       "FROM items WHERE id=?",
	                       -1, &st, NULL) != SQLITE_OK) {
		api_fail(ret, 500, "store", "cannot read the item");
		return;
	}
	sqlite3_bind_int64(st, 1, id);
	if (sqlite3_step(st) != SQLITE_ROW) {
		sqlite3_finalize(st);
		api_fail(ret, 404, "not_found", "no item %lld", (long long)id);
		return;
	}
	cJSON *o = cJSON_CreateObject();
	cJSON_AddNumberToObject(o, "item", (double)id);
	cJSON_AddStringToObject(o, "account", (const char *)sqlite3_column_text(st, 0));
	cJSON_AddStringToObject(o, "platform_id", (const char *)sqlite3_column_text(st, 1));
	cJSON_AddStringToObject(o, "kind", (const char *)sqlite3_column_text(st, 2));
	cJSON_AddBoolToObject(o, "own", sqlite3_column_int(st, 4));
	cJSON_AddStringToObject(o, "published_at",
	                        clock_format_utc(sqlite3_column_int64(st, 5), buf, sizeof(buf)));
	cJSON_AddStringToObject(o, "platform_state", (const char *)sqlite3_column_text(st, 6));
	cJSON_AddStringToObject(o, "state", (const char *)sqlite3_column_text(st, 7));
	cJSON_AddNumberToObject(o, "versions", sqlite3_column_int(st, 9));
	sqlite3_finalize(st);

	if (sqlite3_prepare_v2(db,
	                       "SELECT id, tier, categories, rule_ids, actions, masked_text, "
	                       "ruleset FROM verdicts WHERE item_id=? ORDER BY id DESC LIMIT 1",
	                       -1, &st, NULL) == SQLITE_OK) {
		sqlite3_bind_int64(st, 1, id);
		if (sqlite3_step(st) == SQLITE_ROW) {
			cJSON *v = cJSON_AddObjectToObject(o, "verdict");
			cJSON_AddNumberToObject(v, "id", (double)sqlite3_column_int64(st, 0));
			if (sqlite3_column_type(st, 1) == SQLITE_NULL)
				cJSON_AddNullToObject(v, "tier");
			else
				cJSON_AddStringToObject(v, "tier",
				                        (const char *)sqlite3_column_text(st, 1));
			cJSON_AddStringToObject(v, "categories",
			                        (const char *)sqlite3_column_text(st, 2));
			cJSON_AddStringToObject(v, "rules",
			                        (const char *)sqlite3_column_text(st, 3));
			cJSON_AddStringToObject(v, "actions",
			                        (const char *)sqlite3_column_text(st, 4));
			cJSON_AddStringToObject(v, "text",
			                        (const char *)sqlite3_column_text(st, 5));
			cJSON_AddStringToObject(v, "ruleset",
			                        (const char *)sqlite3_column_text(st, 6));
		} else {
			cJSON_AddNullToObject(o, "verdict");
		}
	}
	sqlite3_finalize(st);

	cJSON *clocks = cJSON_AddArrayToObject(o, "deadlines");
	if (sqlite3_prepare_v2(db,
	                       "SELECT id, kind, state, due_at FROM deadlines WHERE item_id=? "
	                       "ORDER BY id",
	                       -1, &st, NULL) == SQLITE_OK) {
		sqlite3_bind_int64(st, 1, id);
		while (sqlite3_step(st) == SQLITE_ROW) {
			cJSON *c = cJSON_CreateObject();
			cJSON_AddNumberToObject(c, "deadline", (double)sqlite3_column_int64(st, 0));
			cJSON_AddStringToObject(c, "kind",
			                        (const char *)sqlite3_column_text(st, 1));
			cJSON_AddStringToObject(c, "state",
			                        (const char *)sqlite3_column_text(st, 2));
			cJSON_AddStringToObject(c, "due_at",
			                        clock_format_utc(sqlite3_column_int64(st, 3), buf,
			                                         sizeof(buf)));
			cJSON_AddItemToArray(clocks, c);
		}
	}
	sqlite3_finalize(st);
	ret->status = 200;
	ret->body = o;
}

void api_post_item_evaluate(const struct api_env *env, const struct api_req *req,
                            struct api_response *ret)
{
	int64_t id, published;
	char account[128];
	struct pipeline_result res;

	if (parse_id(req->param, &id) < 0) {
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
	r = pipeline_evaluate(env->store, env->rules, a, id, clock_now_usec(), &res);
	if (r) {
		api_fail(ret, 500, "store", "cannot evaluate item %lld", (long long)id);
		return;
	}
	if (env->changed)
		env->changed(env->changed_arg);
	cJSON *o = cJSON_CreateObject();
	cJSON_AddNumberToObject(o, "item", (double)id);
	cJSON_AddNumberToObject(o, "verdict", (double)res.verdict_id);
	cJSON_AddStringToObject(o, "tier",
	                        res.tier == FILTER_TIER_NONE ? "none" : filter_tier_name(res.tier));
	cJSON_AddNumberToObject(o, "clocks_started", res.clocks_started);
	ret->status = 200;
	ret->body = o;
}
