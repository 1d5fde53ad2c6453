/* Verdicts, per-rule counters and moderators' feedback. */
#include <stdbool.h>
#include <cjson/cJSON.h>
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "store/audit.h"
#include "store/store-internal.h"

int store_verdict_insert(struct store *s, const struct store_verdict_in *v, int64_t now,
                         int64_t *ret_id)
{
	sqlite3_stmt *st = store_prepare_cached(
	        s, "INSERT INTO verdicts(item_id, version_id, evaluated_at, ruleset, categories, "
	           "rule_ids, tier, severity, actions, detail_json, masked_text) "
	           "VALUES (?1,?2,?3,?4,?5,?6,?7,?8,?9,?10,"
	           /* Nothing masked: the text is already in the version. */
	           "CASE WHEN ?2 IS NOT NULL AND ?11 = (SELECT text FROM item_versions "
	           "WHERE id = ?2) THEN '' ELSE ?11 END)");
	int r = STORE_E_SQLITE;
	if (!st)
		return r;
	sqlite3_bind_int64(st, 1, v->item_id);
	if (v->version_id)
		sqlite3_bind_int64(st, 2, v->version_id);
	sqlite3_bind_int64(st, 3, now);
	sqlite3_bind_text(st, 4, v->ruleset, -1, SQLITE_STATIC);
	sqlite3_bind_text(st, 5, v->categories, -1, SQLITE_STATIC);
	sqlite3_bind_text(st, 6, v->rule_ids, -1, SQLITE_STATIC);
	sqlite3_bind_text(st, 7, v->tier, -1, SQLITE_STATIC);
	if (v->severity)
		sqlite3_bind_int(st, 8, v->severity);
	sqlite3_bind_text(st, 9, v->actions, -1, SQLITE_STATIC);
	sqlite3_bind_text(st, 10, v->detail_json, -1, SQLITE_STATIC);
	sqlite3_bind_text(st, 11, v->masked_text, -1, SQLITE_STATIC);
	if (sqlite3_step(st) == SQLITE_DONE) {
		*ret_id = sqlite3_last_insert_rowid(s->db);
		r = 0;
	}
	store_stmt_done(s, st);
	return r;
}

int store_rule_record(struct store *s, const struct store_rule_in *in, int64_t now)
{
	sqlite3_stmt *st = store_prepare(
	        s, "INSERT OR IGNORE INTO rules(ruleset, rule_id, title, statute, category, tier, "
	           "severity, actions, shadow, recorded_at) VALUES (?,?,?,?,?,?,?,?,?,?)");
	int r = STORE_E_SQLITE;
	if (!st)
		return r;
	sqlite3_bind_text(st, 1, in->ruleset, -1, SQLITE_STATIC);
	sqlite3_bind_text(st, 2, in->rule_id, -1, SQLITE_STATIC);
	sqlite3_bind_text(st, 3, in->title ? in->title : "", -1, SQLITE_STATIC);
	sqlite3_bind_text(st, 4, in->statute ? in->statute : "", -1, SQLITE_STATIC);
	sqlite3_bind_text(st, 5, in->category, -1, SQLITE_STATIC);
	sqlite3_bind_text(st, 6, in->tier, -1, SQLITE_STATIC);
	sqlite3_bind_int(st, 7, in->severity);
	sqlite3_bind_text(st, 8, in->actions, -1, SQLITE_STATIC);
	sqlite3_bind_int(st, 9, in->shadow);
	sqlite3_bind_int64(st, 10, now);
	r = sqlite3_step(st) == SQLITE_DONE ? 0 : STORE_E_SQLITE;
	sqlite3_finalize(st);
	return r;
}

int store_ruleset_known(struct store *s, const char *ruleset, int *ret)
{
	sqlite3_stmt *st = store_prepare_cached(s, "SELECT 1 FROM rules WHERE ruleset=? LIMIT 1");
	int r = STORE_E_SQLITE;
	if (!st)
		return r;
	sqlite3_bind_text(st, 1, ruleset, -1, SQLITE_STATIC);
	int sr = sqlite3_step(st);
	if (sr == SQLITE_ROW || sr == SQLITE_DONE) {
		*ret = sr == SQLITE_ROW;
		r = 0;
	}
	store_stmt_done(s, st);
	return r;
}

int store_rule_stats_add(struct store *s, const char *rule, int64_t hits, int64_t last_hit,
                         int64_t cost_ns, int64_t limit_hits, int disabled, int64_t now)
{
	sqlite3_stmt *st = store_prepare(
	        s, "INSERT INTO rule_stats(rule_id, hits, last_hit_at, cost_ns, limit_hits, "
	           "disabled_at) "
	           "VALUES (?1, ?2, nullif(?3, 0), ?4, ?5, CASE WHEN ?6 THEN ?7 END) "
	           "ON CONFLICT(rule_id) DO UPDATE SET hits = hits + ?2, "
	           "last_hit_at = max(coalesce(last_hit_at, 0), ?3), cost_ns = cost_ns + ?4, "
	           "limit_hits = limit_hits + ?5, "
	           "disabled_at = CASE WHEN ?6 THEN coalesce(disabled_at, ?7) ELSE NULL END");
	int r = STORE_E_SQLITE;
	if (!st)
		return r;
	sqlite3_bind_text(st, 1, rule, -1, SQLITE_STATIC);
	sqlite3_bind_int64(st, 2, hits);
	sqlite3_bind_int64(st, 3, last_hit);
	sqlite3_bind_int64(st, 4, cost_ns);
	sqlite3_bind_int64(st, 5, limit_hits);
	sqlite3_bind_int(st, 6, disabled);
	sqlite3_bind_int64(st, 7, now);
	r = sqlite3_step(st) == SQLITE_DONE ? 0 : STORE_E_SQLITE;
	sqlite3_finalize(st);
	return r;
}

int store_rule_stats_get(struct store *s, const char *rule, struct store_rule_stats *ret)
{
	struct store_rule_stats v = { 0 };
	sqlite3_stmt *st =
	        store_prepare(s, "SELECT hits, coalesce(last_hit_at, 0), cost_ns, limit_hits, "
	                         "coalesce(disabled_at, 0) FROM rule_stats WHERE rule_id=?");
	if (!st)
		return STORE_E_SQLITE;
	sqlite3_bind_text(st, 1, rule, -1, SQLITE_STATIC);
	int sr = sqlite3_step(st);
	if (sr == SQLITE_ROW) {
		v.hits = sqlite3_column_int64(st, 0);
		v.last_hit = sqlite3_column_int64(st, 1);
		v.cost_ns = sqlite3_column_int64(st, 2);
		v.limit_hits = sqlite3_column_int64(st, 3);
		v.disabled_at = sqlite3_column_int64(st, 4);
	}
	sqlite3_finalize(st);
	if (sr != SQLITE_ROW && sr != SQLITE_DONE)
		return STORE_E_SQLITE;
	st = store_prepare(s, "SELECT count(CASE WHEN judgement='true_positive' THEN 1 END), "
	                      "count(CASE WHEN judgement='false_positive' THEN 1 END) "
	                      "FROM feedback WHERE rule_id=?");
	if (!st)
		return STORE_E_SQLITE;
	sqlite3_bind_text(st, 1, rule, -1, SQLITE_STATIC);
	sr = sqlite3_step(st);
	if (sr == SQLITE_ROW) {
		v.true_positives = sqlite3_column_int64(st, 0);
		v.false_positives = sqlite3_column_int64(st, 1);
	}
	sqlite3_finalize(st);
	if (sr != SQLITE_ROW)
		return STORE_E_SQLITE;
	*ret = v;
	return 0;
}

/* 1 when rule is one of the space-separated ids. */
static bool list_has(const char *list, const char *rule)
{
	size_t n = strlen(rule);
	for (const char *p = list; p && *p;) {
		const char *sp = strchr(p, ' ');
		size_t len = sp ? (size_t)(sp - p) : strlen(p);
		if (len == n && strncmp(p, rule, n) == 0)
			return 1;
		p = sp ? sp + 1 : NULL;
	}
	return 0;
}

int store_feedback_add(struct store *s, int64_t verdict, const char *rule, const char *judgement,
                       const char *actor, int64_t now)
{
	char subject[64];
	int r = store_begin(s);
	if (r)
		return r;
	/* Feedback is taken on active and shadow rules alike: shadow mode
	 * exists to learn whether a rule is good before it acts. */
	sqlite3_stmt *st = store_prepare(
	        s, "SELECT rule_ids || ' ' || coalesce((SELECT group_concat(value, ' ') "
	           "FROM json_each(detail_json, '$.shadow')), '') FROM verdicts WHERE id=?");
	if (!st)
		return store_end(s, STORE_E_SQLITE);
	sqlite3_bind_int64(st, 1, verdict);
	int sr = sqlite3_step(st);
	r = sr == SQLITE_ROW
	            ? (list_has((const char *)sqlite3_column_text(st, 0), rule) ? 0 : -ENOENT)
	    : sr == SQLITE_DONE ? -ENOENT
	                        : STORE_E_SQLITE;
	sqlite3_finalize(st);
	if (r == 0) {
		st = store_prepare(s,
		                   "INSERT INTO feedback(verdict_id, rule_id, judgement, given_by, "
		                   "given_at) VALUES (?,?,?,?,?)");
		if (!st) {
			r = STORE_E_SQLITE;
		} else {
			sqlite3_bind_int64(st, 1, verdict);
			sqlite3_bind_text(st, 2, rule, -1, SQLITE_STATIC);
			sqlite3_bind_text(st, 3, judgement, -1, SQLITE_STATIC);
			sqlite3_bind_text(st, 4, actor, -1, SQLITE_STATIC);
			sqlite3_bind_int64(st, 5, now);
			r = sqlite3_step(st) == SQLITE_DONE ? 0 : STORE_E_SQLITE;
			sqlite3_finalize(st);
		}
	}
	if (r == 0) {
		cJSON *d = cJSON_CreateObject();
		cJSON_AddStringToObject(d, "rule", rule);
		cJSON_AddStringToObject(d, "judgement", judgement);
		char *detail = cJSON_PrintUnformatted(d);
		cJSON_Delete(d);
		snprintf(subject, sizeof(subject), "verdict:%lld", (long long)verdict);
		r = detail ? store_audit_append(s, actor, "filter.feedback", subject, detail, NULL)
		           : -ENOMEM;
		free(detail);
	}
	return store_end(s, r);
}
