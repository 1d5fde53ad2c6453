/* Moderation actions: AutoActions= parsing, the strongest allowed action
 * per platform, queueing in the verdict's transaction exactly once per
 * item and kind, a moderator's decision, and the rows' life in the store
 * (due, attempt, finish, recover) with their audit entries. */
#include "t.h"
#include "tfs.h"

#include <errno.h>

#include "api/api.h"
#include "calendar/cal.h"
#include "pipeline/act-policy.h"
#include "pipeline/pipeline.h"
#include "store/actions.h"
#include "store/store-db.h"
#include "util/clock.h"

static struct store *store;
static struct pipeline_rules *rules;
static struct config_account acc;
static struct cal *cal;

#define MONDAY_10 (INT64_C(1795424400) * USEC_PER_SEC)

static int64_t one_int(const char *sql)
{
	sqlite3_stmt *st = NULL;
	int64_t v = -1;
	if (sqlite3_prepare_v2(store_db(store), sql, -1, &st, NULL) == SQLITE_OK &&
	    sqlite3_step(st) == SQLITE_ROW)
		v = sqlite3_column_int64(st, 0);
	sqlite3_finalize(st);
	return v;
}

/* --- AutoActions= -------------------------------------------------------- */

static void test_auto_actions_parse(void)
{
	unsigned v = 99;
	T_EQ_INT(0, config_auto_actions_parse("", &v));
	T_EQ_INT(0, v);
	T_EQ_INT(0, config_auto_actions_parse("none", &v));
	T_EQ_INT(0, v);
	T_EQ_INT(0, config_auto_actions_parse("hide", &v));
	T_EQ_INT(CONFIG_AUTO_HIDE_OBVIOUS, v);
	T_EQ_INT(0, config_auto_actions_parse("hide:obvious", &v));
	T_EQ_INT(CONFIG_AUTO_HIDE_OBVIOUS, v);
	T_EQ_INT(0, config_auto_actions_parse(" hide:possible  delete ", &v));
	T_EQ_INT(CONFIG_AUTO_HIDE_OBVIOUS | CONFIG_AUTO_HIDE_POSSIBLE | CONFIG_AUTO_DELETE_OBVIOUS,
	         v);
	T_EQ_INT(-EINVAL, config_auto_actions_parse("hide:maybe", &v));
	T_EQ_INT(-EINVAL, config_auto_actions_parse("none hide", &v));
	T_EQ_INT(-EINVAL, config_auto_actions_parse("report", &v));
	T_EQ_INT(-EINVAL, config_auto_actions_parse("hidehidehidehidehidehidehidehidehide", &v));
}

static void test_auto_allows_by_tier(void)
{
	T_ASSERT(act_auto_allows(CONFIG_AUTO_DEFAULT, CONN_ACT_HIDE, FILTER_TIER_OBVIOUS));
	T_ASSERT(!act_auto_allows(CONFIG_AUTO_DEFAULT, CONN_ACT_HIDE, FILTER_TIER_POSSIBLE));
	T_ASSERT(!act_auto_allows(CONFIG_AUTO_DEFAULT, CONN_ACT_DELETE, FILTER_TIER_OBVIOUS));
	T_ASSERT(act_auto_allows(CONFIG_AUTO_HIDE_OBVIOUS | CONFIG_AUTO_HIDE_POSSIBLE,
	                         CONN_ACT_HIDE, FILTER_TIER_POSSIBLE));
	T_ASSERT(!act_auto_allows(~0u, CONN_ACT_REPORT, FILTER_TIER_OBVIOUS));
	T_ASSERT(!act_auto_allows(~0u, CONN_ACT_HIDE, FILTER_TIER_NONE));
}

/* --- the strongest allowed action ---------------------------------------- */

static void test_kind_names(void)
{
	enum conn_action a;
	T_EQ_STR("block", act_kind_name(CONN_ACT_BLOCK_AUTHOR));
	T_EQ_INT(0, act_kind_parse("block", &a));
	T_EQ_INT(CONN_ACT_BLOCK_AUTHOR, a);
	T_EQ_INT(0, act_kind_parse("hide", &a));
	T_EQ_INT(CONN_ACT_HIDE, a);
	T_EQ_INT(-EINVAL, act_kind_parse("review", &a));
	T_EQ_INT(-EINVAL, act_kind_parse("block_author", &a));
}

static void plan(const char *platform, unsigned actions, enum filter_tier tier, unsigned automask,
                 const char *pid, const char *kind, const char *author, struct act_plan *ret)
{
	act_plan(actions, tier, automask, connector_find(platform), platform, pid, kind, author,
	         ret);
}

static void test_facebook_hides_obvious_comments_by_default(void)
{
	struct act_plan p;
	plan("facebook", FILTER_ACT_HIDE, FILTER_TIER_OBVIOUS, CONFIG_AUTO_DEFAULT, "1_2",
	     "comment", NULL, &p);
	T_EQ_INT(1, p.n);
	T_EQ_INT(CONN_ACT_HIDE, p.rows[0].action);
	T_EQ_STR("queued", p.rows[0].state);
	/* A possible-tier verdict waits for a moderator. */
	plan("facebook", FILTER_ACT_HIDE, FILTER_TIER_POSSIBLE, CONFIG_AUTO_DEFAULT, "1_2",
	     "comment", NULL, &p);
	T_EQ_INT(1, p.n);
	T_EQ_STR("proposed", p.rows[0].state);
	/* delete wins over hide, and is a person's decision by default. */
	plan("facebook", FILTER_ACT_HIDE | FILTER_ACT_DELETE, FILTER_TIER_OBVIOUS,
	     CONFIG_AUTO_DEFAULT, "1_2", "comment", NULL, &p);
	T_EQ_INT(1, p.n);
	T_EQ_INT(CONN_ACT_DELETE, p.rows[0].action);
	T_EQ_STR("proposed", p.rows[0].state);
	/* Nothing to do: a review-only verdict. */
	plan("facebook", FILTER_ACT_REVIEW, FILTER_TIER_OBVIOUS, CONFIG_AUTO_DEFAULT, "1_2",
	     "comment", NULL, &p);
	T_EQ_INT(0, p.n);
}

static void test_facebook_reviews_cannot_be_hidden(void)
{
	struct act_plan p;
	plan("facebook", FILTER_ACT_HIDE, FILTER_TIER_OBVIOUS, CONFIG_AUTO_DEFAULT, "1_2", "review",
	     NULL, &p);
	T_EQ_INT(1, p.n);
	T_EQ_STR("not_allowed", p.rows[0].state);
	T_CONTAINS(p.rows[0].error, "facebook does not allow hide on a review");
	T_CONTAINS(p.rows[0].error, "left to human review");
}

static void test_x_delete_falls_back_to_hide(void)
{
	struct act_plan p;
	plan("x", FILTER_ACT_DELETE, FILTER_TIER_OBVIOUS, CONFIG_AUTO_DEFAULT,
	     "1865000000000000104", "reply", NULL, &p);
	T_EQ_INT(2, p.n);
	T_EQ_INT(CONN_ACT_DELETE, p.rows[0].action);
	T_EQ_STR("not_allowed", p.rows[0].state);
	T_CONTAINS(p.rows[0].error, "hide instead");
	T_EQ_INT(CONN_ACT_HIDE, p.rows[1].action);
	/* The weaker action is vakt's alone when AutoActions= lets it hide. */
	T_EQ_STR("queued", p.rows[1].state);
	plan("x", FILTER_ACT_DELETE, FILTER_TIER_OBVIOUS, 0, "1865000000000000104", "reply", NULL,
	     &p);
	T_EQ_STR("proposed", p.rows[1].state);
}

static void test_mastodon_hide_falls_back_to_a_proposed_report(void)
{
	struct act_plan p;
	plan("mastodon", FILTER_ACT_HIDE, FILTER_TIER_OBVIOUS, CONFIG_AUTO_DEFAULT, "1170205771",
	     "mention", "117020566092299999", &p);
	T_EQ_INT(2, p.n);
	T_EQ_STR("not_allowed", p.rows[0].state);
	T_EQ_INT(CONN_ACT_REPORT, p.rows[1].action);
	T_EQ_STR("proposed", p.rows[1].state); /* reports are never automatic */
	/* A report names the author: without one, nothing is possible. */
	plan("mastodon", FILTER_ACT_HIDE, FILTER_TIER_OBVIOUS, CONFIG_AUTO_DEFAULT, "1170205771",
	     "mention", NULL, &p);
	T_EQ_INT(1, p.n);
	T_EQ_STR("not_allowed", p.rows[0].state);
}

static void test_linkedin_hide_proposes_a_delete(void)
{
	struct act_plan p;
	/* LinkedIn hides nothing and has nothing weaker; the organisation may
	 * delete comments on its posts: a delete is proposed, never queued,
	 * even where AutoActions= lets vakt delete on its own. */
	plan("linkedin", FILTER_ACT_HIDE, FILTER_TIER_OBVIOUS,
	     CONFIG_AUTO_HIDE_OBVIOUS | CONFIG_AUTO_DELETE_OBVIOUS,
	     "urn:li:comment:(urn:li:activity:7300000000000000001,7300000000000100002)", "comment",
	     "urn:li:person:abc", &p);
	T_EQ_INT(2, p.n);
	T_EQ_INT(CONN_ACT_HIDE, p.rows[0].action);
	T_EQ_STR("not_allowed", p.rows[0].state);
	T_CONTAINS(p.rows[0].error, "linkedin does not allow hide on a comment");
	T_CONTAINS(p.rows[0].error, "delete proposed to a moderator");
	T_EQ_INT(CONN_ACT_DELETE, p.rows[1].action);
	T_EQ_STR("proposed", p.rows[1].state);
	/* A post is not deleted by vakt: left to human review. */
	plan("linkedin", FILTER_ACT_HIDE, FILTER_TIER_OBVIOUS, CONFIG_AUTO_DEFAULT,
	     "urn:li:share:7300000000000000001", "post", NULL, &p);
	T_EQ_INT(1, p.n);
	T_CONTAINS(p.rows[0].error, "left to human review");
}

static void test_no_connector_allows_nothing(void)
{
	struct act_plan p;
	act_plan(FILTER_ACT_HIDE, FILTER_TIER_OBVIOUS, CONFIG_AUTO_DEFAULT, NULL, "nowhere", "1",
	         "comment", NULL, &p);
	T_EQ_INT(1, p.n);
	T_EQ_STR("not_allowed", p.rows[0].state);
	enum conn_action w;
	T_EQ_INT(-ENOENT, act_weaker_allowed(NULL, CONN_ACT_DELETE, "1", "comment", NULL, &w));
	T_EQ_INT(0, act_weaker_allowed(connector_find("facebook"), CONN_ACT_DELETE, "1_2",
	                               "comment", NULL, &w));
	T_EQ_INT(CONN_ACT_HIDE, w);
	T_EQ_INT(-ENOENT, act_weaker_allowed(connector_find("facebook"), CONN_ACT_HIDE, "1_2",
	                                     "comment", NULL, &w));
}

/* --- queueing and the store ---------------------------------------------- */

static struct store_item_in item(const char *id, const char *text)
{
	return (struct store_item_in){
		.account = "kultur-fb",
		.platform_id = id,
		.kind = "comment",
		.author_id = "u1",
		.text = text,
		.published_at = MONDAY_10,
		.platform_state = "visible",
	};
}

static void test_a_threat_is_queued_once_with_its_verdict(void)
{
	struct store_item_in in = item("10_1", "Jag ska döda dig");
	struct pipeline_result r = { 0 };
	T_EQ_INT(0, pipeline_ingest(store, rules, &acc, &in, MONDAY_10, &r));
	T_EQ_INT(1, r.actions_queued);
	struct store_action *v = NULL;
	size_t n = 0;
	T_EQ_INT(0, store_actions_list(store, 0, r.item_id, 10, &v, &n));
	T_EQ_INT(1, n);
	if (n == 1) {
		T_EQ_STR("hide", v[0].kind);
		T_EQ_STR("queued", v[0].state);
		T_EQ_STR("vakt", v[0].requested_by);
		T_CONTAINS(v[0].reason, "sv.threat.kill-direct");
		T_EQ_INT(r.verdict_id, v[0].verdict_id);
		T_EQ_INT(MONDAY_10, v[0].next_attempt_at);
	}
	free(v);
	/* Evaluated again (a rule fix, a moderator's --evaluate): no second
	 * action, whatever state the first is in. */
	struct pipeline_result r2 = { 0 };
	T_EQ_INT(0, pipeline_evaluate(store, rules, &acc, r.item_id, MONDAY_10 + 1, &r2));
	T_ASSERT(r2.verdict_id != r.verdict_id);
	T_EQ_INT(0, r2.actions_queued);
	T_EQ_INT(1, one_int("SELECT count(*) FROM actions WHERE item_id = (SELECT id FROM items "
	                    "WHERE platform_id = '10_1')"));
	T_EQ_INT(1, one_int("SELECT count(*) FROM audit_log WHERE action = 'action.queued' AND "
	                    "actor = 'vakt'"));
}

static void test_own_items_and_clean_ones_queue_nothing(void)
{
	struct store_item_in in = item("10_2", "Jag ska döda dig");
	in.is_own = 1;
	struct pipeline_result r = { 0 };
	T_EQ_INT(0, pipeline_ingest(store, rules, &acc, &in, MONDAY_10, &r));
	T_EQ_INT(0, r.actions_queued);
	in = item("10_3", "Tack för en fin dag");
	T_EQ_INT(0, pipeline_ingest(store, rules, &acc, &in, MONDAY_10, &r));
	T_EQ_INT(0, r.actions_queued);
}

static void test_without_auto_actions_vakt_only_proposes(void)
{
	struct config_account a = acc;
	a.auto_actions = 0;
	struct store_item_in in = item("10_4", "Jag ska döda dig");
	struct pipeline_result r = { 0 };
	T_EQ_INT(0, pipeline_ingest(store, rules, &a, &in, MONDAY_10, &r));
	T_EQ_INT(1, r.actions_queued);
	struct store_action *v = NULL;
	size_t n = 0;
	T_EQ_INT(0, store_actions_list(store, 1, r.item_id, 10, &v, &n));
	T_EQ_INT(1, n);
	if (n == 1) {
		T_EQ_STR("proposed", v[0].state);
		T_EQ_INT(0, v[0].next_attempt_at);
	}
	free(v);
	/* A proposal is never due. */
	T_EQ_INT(0, store_actions_due(store, INT64_MAX, 100, &v, &n));
	for (size_t i = 0; i < n; i++)
		T_ASSERT(v[i].item_id != r.item_id);
	free(v);
	/* The moderator's decision cancels the proposal and queues its own. */
	int64_t id = 0;
	T_EQ_INT(0, store_action_decide(store, r.item_id, "delete", "api:mod", "spam", MONDAY_10,
	                                &id));
	T_ASSERT(id > 0);
	struct store_action got;
	T_EQ_INT(0, store_action_get(store, id, &got));
	T_EQ_STR("queued", got.state);
	T_EQ_STR("api:mod", got.requested_by);
	T_EQ_STR("spam", got.reason);
	T_EQ_INT(1, one_int("SELECT count(*) FROM actions WHERE state = 'cancelled' AND kind = "
	                    "'hide' AND error LIKE 'a moderator decided%'"));
	T_EQ_INT(-EALREADY,
	         store_action_decide(store, r.item_id, "delete", "api:mod", "", MONDAY_10, NULL));
	T_EQ_INT(-ENOENT,
	         store_action_decide(store, 999999, "hide", "api:mod", "", MONDAY_10, NULL));
}

static void test_an_action_runs_retries_and_finishes(void)
{
	struct store_item_in in = item("10_5", "Hej");
	struct pipeline_result r = { 0 };
	T_EQ_INT(0, pipeline_ingest(store, rules, &acc, &in, MONDAY_10, &r));
	int64_t id = 0;
	T_EQ_INT(0, store_action_decide(store, r.item_id, "hide", "api:mod", "", MONDAY_10, &id));
	struct store_action *v = NULL;
	size_t n = 0;
	T_EQ_INT(0, store_actions_due(store, MONDAY_10, 100, &v, &n));
	int found = 0;
	for (size_t i = 0; i < n; i++)
		if (v[i].id == id) {
			found = 1;
			T_EQ_STR("10_5", v[i].platform_id);
			T_EQ_STR("comment", v[i].item_kind);
			T_EQ_STR("u1", v[i].author_id);
			T_EQ_STR("kultur-fb", v[i].account);
		}
	free(v);
	T_ASSERT(found);
	T_EQ_INT(0, store_action_attempt(store, id, MONDAY_10));
	T_EQ_INT(-ESTALE, store_action_attempt(store, id, MONDAY_10)); /* running already */
	/* A crash now: start-up queues it again. */
	size_t requeued = 0;
	T_EQ_INT(0, store_actions_recover(store, MONDAY_10 + 5, &requeued));
	T_EQ_INT(1, requeued);
	T_EQ_INT(0, store_action_attempt(store, id, MONDAY_10 + 5));
	const struct store_action_result retry = { .state = "queued",
		                                   .answer = "retry",
		                                   .error = "HTTP 500",
		                                   .next_attempt_at =
		                                           MONDAY_10 + 60 * USEC_PER_SEC };
	T_EQ_INT(0, store_action_finish(store, id, &retry, "vaktd:act", MONDAY_10 + 6));
	int64_t next = 0;
	T_EQ_INT(0, store_actions_next_due(store, &next));
	T_ASSERT(next > 0 && next <= MONDAY_10 + 60 * USEC_PER_SEC);
	T_EQ_INT(0, store_action_attempt(store, id, MONDAY_10 + 60 * USEC_PER_SEC));
	const struct store_action_result done = { .state = "done",
		                                  .answer = "ok",
		                                  .platform_state = "hidden" };
	T_EQ_INT(0, store_action_finish(store, id, &done, "vaktd:act", MONDAY_10 + 61));
	struct store_action got;
	T_EQ_INT(0, store_action_get(store, id, &got));
	T_EQ_STR("done", got.state);
	T_EQ_INT(3, got.attempts);
	T_EQ_STR("ok", got.answer);
	T_EQ_STR("hidden", got.platform_state);
	T_EQ_INT(MONDAY_10 + 61, got.done_at);
	T_EQ_INT(1, one_int("SELECT count(*) FROM audit_log WHERE action = 'action.retry'"));
	T_EQ_INT(1, one_int("SELECT count(*) FROM audit_log WHERE action = 'action.done'"));
	T_EQ_INT(1, one_int("SELECT count(*) FROM audit_log WHERE action = 'action.recover'"));
}

static void test_vakt_rows_are_unique_per_item_and_kind(void)
{
	struct store_item_in in = item("10_6", "Hej igen");
	struct pipeline_result r = { 0 };
	T_EQ_INT(0, pipeline_ingest(store, rules, &acc, &in, MONDAY_10, &r));
	const struct store_action_in a = { .item_id = r.item_id,
		                           .kind = "hide",
		                           .state = "queued",
		                           .requested_by = "vakt",
		                           .reason = "rule x" };
	int64_t id1 = 0, id2 = -1;
	T_EQ_INT(0, store_action_add(store, &a, MONDAY_10, &id1));
	T_ASSERT(id1 > 0);
	T_EQ_INT(0, store_action_add(store, &a, MONDAY_10, &id2));
	T_EQ_INT(0, id2);
	/* A person may ask again (after an unhide, say). */
	struct store_action_in b = a;
	b.requested_by = "api:mod";
	T_EQ_INT(0, store_action_add(store, &b, MONDAY_10, &id2));
	T_ASSERT(id2 > id1);
}

/* --- the API -------------------------------------------------------------- */

static int changed_calls;
static void on_changed(void *arg, const char *account)
{
	(void)arg;
	(void)account;
	changed_calls++;
}

static int route(const char *method, const char *path, const char *query, const char *body,
                 struct api_response *r)
{
	struct config cfg = { .accounts = &acc, .n_accounts = 1 };
	const struct api_env e = {
		.store = store,
		.config = &cfg,
		.state = "running",
		.changed = on_changed,
	};
	api_response_clear(r);
	api_route(&e, method, path, query, body, body ? strlen(body) : 0, r);
	return r->status;
}

static const char *err_code(const struct api_response *r)
{
	return cJSON_GetStringValue(
	        cJSON_GetObjectItemCaseSensitive(cJSON_GetObjectItemCaseSensitive(r->body, "error"),
	                                         "code"));
}

static void test_api_decides_and_lists(void)
{
	struct store_item_in in = item("10_7", "Hej hej");
	struct pipeline_result pr = { 0 };
	T_EQ_INT(0, pipeline_ingest(store, rules, &acc, &in, MONDAY_10, &pr));
	char path[64];
	snprintf(path, sizeof(path), "/v1/items/%lld/actions", (long long)pr.item_id);
	struct api_response r = { 0 };
	int before = changed_calls;
	T_EQ_INT(201, route("POST", path, NULL, "{\"action\":\"delete\",\"reason\":\"spam\"}", &r));
	T_EQ_STR("delete", cJSON_GetStringValue(cJSON_GetObjectItemCaseSensitive(r.body, "kind")));
	T_EQ_STR("queued", cJSON_GetStringValue(cJSON_GetObjectItemCaseSensitive(r.body, "state")));
	T_EQ_STR("spam", cJSON_GetStringValue(cJSON_GetObjectItemCaseSensitive(r.body, "reason")));
	T_EQ_INT(before + 1, changed_calls); /* the daemon is told to carry it out */
	T_EQ_INT(409, route("POST", path, NULL, "{\"action\":\"delete\"}", &r));
	T_EQ_STR("already", err_code(&r));
	T_EQ_INT(400, route("POST", path, NULL, "{\"action\":\"burn\"}", &r));
	T_EQ_STR("bad_action", err_code(&r));
	T_EQ_INT(400, route("POST", path, NULL, "{\"action\":\"hide\",\"reason\":\"a\\nb\"}", &r));
	T_EQ_STR("bad_reason", err_code(&r));
	T_EQ_INT(400, route("POST", path, NULL, "[1]", &r));
	T_EQ_STR("bad_json", err_code(&r));
	T_EQ_INT(400, route("POST", path, NULL, NULL, &r));
	T_EQ_INT(404, route("POST", "/v1/items/999999/actions", NULL, "{\"action\":\"hide\"}", &r));
	T_EQ_INT(400, route("POST", "/v1/items/x/actions", NULL, "{\"action\":\"hide\"}", &r));

	char q[64];
	snprintf(q, sizeof(q), "item=%lld", (long long)pr.item_id);
	T_EQ_INT(200, route("GET", "/v1/actions", q, NULL, &r));
	cJSON *arr = cJSON_GetObjectItemCaseSensitive(r.body, "actions");
	T_EQ_INT(1, cJSON_GetArraySize(arr));
	T_EQ_INT(200, route("GET", "/v1/actions", "pending=1", NULL, &r));
	int found = 0;
	cJSON *a;
	cJSON_ArrayForEach(a, cJSON_GetObjectItemCaseSensitive(r.body, "actions")) {
		const char *st = cJSON_GetStringValue(cJSON_GetObjectItemCaseSensitive(a, "state"));
		T_ASSERT(strcmp(st, "proposed") == 0 || strcmp(st, "queued") == 0 ||
		         strcmp(st, "running") == 0);
		found += cJSON_GetNumberValue(cJSON_GetObjectItemCaseSensitive(a, "item")) ==
		         (double)pr.item_id;
	}
	T_EQ_INT(1, found);
	T_EQ_INT(400, route("GET", "/v1/actions", "item=abc", NULL, &r));
	T_EQ_STR("bad_item", err_code(&r));
	api_response_clear(&r);
}

/* Migration 9 rebuilds the table: rows written before it are carried with
 * their ids and states, and the new kinds and state are accepted after. */
static void test_migration_9_carries_the_rows(void)
{
	char *dir = tfs_mkdtemp(), path[4200], err[256] = "";
	sqlite3 *db = NULL;
	snprintf(path, sizeof(path), "%s/old.db", dir);
	T_EQ_INT(SQLITE_OK, sqlite3_open(path, &db));
	T_EQ_INT(0, store_migrate(db, 8, err, sizeof(err)));
	T_EQ_INT(SQLITE_OK,
	         sqlite3_exec(
	                 db,
	                 "INSERT INTO accounts(id, platform, unit, external_id, created_at, "
	                 "updated_at) VALUES ('old', 'facebook', 'kultur', '1', 1, 1);"
	                 "INSERT INTO items(id, account_id, platform_id, kind, published_at, "
	                 "first_seen_at, last_seen_at) VALUES (7, 'old', 'p7', 'comment', 1, 1, 1);"
	                 "INSERT INTO actions(id, item_id, kind, requested_at, requested_by, "
	                 "reason, state, attempts, error) VALUES (42, 7, 'reject', 5, 'anna', "
	                 "'old reason', 'failed', 3, 'old error')",
	                 NULL, NULL, NULL));
	sqlite3_close(db);
	struct store *s = NULL;
	T_EQ_INT(0, store_open(path, &s, err, sizeof(err)));
	if (s) {
		struct store_action a;
		T_EQ_INT(0, store_action_get(s, 42, &a));
		T_EQ_STR("reject", a.kind);
		T_EQ_STR("failed", a.state);
		T_EQ_INT(3, a.attempts);
		T_EQ_STR("old error", a.error);
		T_EQ_STR("old reason", a.reason);
		T_EQ_INT(0, a.verdict_id);
		int64_t id = 0;
		T_EQ_INT(0, store_action_decide(s, 7, "block", "api:mod", "", 10, &id));
		T_ASSERT(id > 42);
		const struct store_action_in p = { .item_id = 7,
			                           .kind = "report",
			                           .state = "proposed",
			                           .requested_by = "vakt",
			                           .reason = "r" };
		T_EQ_INT(0, store_action_add(s, &p, 10, &id));
		T_ASSERT(id > 0);
	}
	store_close(s);
	tfs_rmrf(dir);
}

int main(void)
{
	char *dir = tfs_mkdtemp(), path[4200], rules_dir[4096];
	struct diag_list dl = { 0 };

	setenv("TZ", "Europe/Stockholm", 1);
	snprintf(path, sizeof(path), "%s/vakt.db", dir);
	snprintf(rules_dir, sizeof(rules_dir), "%s/tests/unit/data/filter/good", SRCDIR);
	if (store_open(path, &store, NULL, 0) || pipeline_rules_load(rules_dir, 0, &rules, &dl) ||
	    cal_new(&cal)) {
		diag_print(&dl, stdout);
		return 1;
	}
	acc = (struct config_account){ .id = "kultur-fb",
		                       .platform = PLATFORM_FACEBOOK,
		                       .unit = "kultur",
		                       .external_id = "1",
		                       .enabled = true,
		                       .auto_actions = CONFIG_AUTO_DEFAULT,
		                       .cal = cal };
	deadline_policy_init(&acc.deadlines);
	struct config cfg = { .accounts = &acc, .n_accounts = 1 };
	store_accounts_sync(store, &cfg, "test");

	T_RUN(test_auto_actions_parse);
	T_RUN(test_auto_allows_by_tier);
	T_RUN(test_kind_names);
	T_RUN(test_facebook_hides_obvious_comments_by_default);
	T_RUN(test_facebook_reviews_cannot_be_hidden);
	T_RUN(test_x_delete_falls_back_to_hide);
	T_RUN(test_mastodon_hide_falls_back_to_a_proposed_report);
	T_RUN(test_linkedin_hide_proposes_a_delete);
	T_RUN(test_no_connector_allows_nothing);
	T_RUN(test_a_threat_is_queued_once_with_its_verdict);
	T_RUN(test_own_items_and_clean_ones_queue_nothing);
	T_RUN(test_without_auto_actions_vakt_only_proposes);
	T_RUN(test_an_action_runs_retries_and_finishes);
	T_RUN(test_vakt_rows_are_unique_per_item_and_kind);
	T_RUN(test_api_decides_and_lists);
	T_RUN(test_migration_9_carries_the_rows);

	store_close(store);
	pipeline_rules_free(rules);
	cal_free(cal);
	tfs_rmrf(dir);
	return t_done();
}
