/* The pipeline: a fetched item is stored with every version, filtered, its
 * verdict stored, and the right deadline clocks started exactly once; our
 * own reply meets the question's clock; rule statistics and feedback reach
 * the store. */
#include "t.h"
#include "tfs.h"

#include <errno.h>

#include "calendar/cal.h"
#include "calendar/duration.h"
#include "deadline/deadline.h"
#include "escalate/escalate.h"
#include "pipeline/pipeline.h"
#include "store/audit.h"
#include "store/store-db.h"
#include "util/clock.h"

static struct store *store;
static struct pipeline_rules *rules;
static struct config_account acc;
static struct cal *cal;

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

/* 2026-11-23 (a Monday) 10:00 Europe/Stockholm. */
#define MONDAY_10 (INT64_C(1795424400) * USEC_PER_SEC)

static struct store_item_in item(const char *id, const char *text)
{
	return (struct store_item_in){
		.account = "kultur-fb",
		.platform_id = id,
		.kind = "comment",
		.text = text,
		.published_at = MONDAY_10,
		.platform_state = "visible",
	};
}

static void test_question_gets_a_respond_clock_once(void)
{
	struct store_item_in in = item("q1", "När öppnar biblioteket i Farsta?");
	struct pipeline_result r = { 0 };
	T_EQ_INT(0, pipeline_ingest(store, rules, &acc, &in, MONDAY_10 + 60 * USEC_PER_SEC, &r));
	T_ASSERT(r.item_id > 0);
	T_ASSERT(r.version_id > 0);
	T_ASSERT(r.verdict_id > 0);
	T_ASSERT(r.categories & (1u << FILTER_CAT_QUESTION));
	T_EQ_INT(1, r.clocks_started);
	struct deadline d;
	T_EQ_INT(0, deadline_find(store, r.item_id, DEADLINE_RESPOND, &d));
	/* The clock runs from publication: Monday 10:00 + 1 business day. */
	T_EQ_INT(MONDAY_10 + 86400 * USEC_PER_SEC, d.due_at);

	/* The same item fetched again: nothing new. */
	struct pipeline_result again = { 0 };
	T_EQ_INT(0,
	         pipeline_ingest(store, rules, &acc, &in, MONDAY_10 + 120 * USEC_PER_SEC, &again));
	T_EQ_INT(r.item_id, again.item_id);
	T_EQ_INT(0, again.version_id);
	T_EQ_INT(0, again.verdict_id);
	T_EQ_INT(1, one_int("SELECT count(*) FROM item_versions WHERE item_id = (SELECT id FROM "
	                    "items WHERE platform_id='q1')"));

	/* Edited on the platform: a new version and a new verdict; the clock
	 * is not started twice. */
	in.text = "När öppnar biblioteket i Farsta igen?";
	T_EQ_INT(0,
	         pipeline_ingest(store, rules, &acc, &in, MONDAY_10 + 180 * USEC_PER_SEC, &again));
	T_ASSERT(again.version_id > 0);
	T_ASSERT(again.verdict_id > 0);
	T_EQ_INT(0, again.clocks_started);
	T_EQ_INT(2, one_int("SELECT count(*) FROM item_versions WHERE item_id = (SELECT id FROM "
	                    "items WHERE platform_id='q1')"));
}

static void test_own_reply_meets_the_question(void)
{
	struct store_item_in q = item("q2", "När öppnar badhuset?");
	struct pipeline_result r = { 0 }, rr = { 0 };
	T_EQ_INT(0, pipeline_ingest(store, rules, &acc, &q, MONDAY_10, &r));
	struct store_item_in reply = item("q2_r1", "Badhuset öppnar den 1 december. Välkommen!");
	reply.kind = "reply";
	reply.parent_platform_id = "q2";
	reply.is_own = 1;
	T_EQ_INT(0,
	         pipeline_ingest(store, rules, &acc, &reply, MONDAY_10 + 3600 * USEC_PER_SEC, &rr));
	T_EQ_INT(1, rr.clocks_met);
	struct deadline d;
	T_EQ_INT(0, deadline_find(store, r.item_id, DEADLINE_RESPOND, &d));
	T_EQ_INT(DEADLINE_MET, d.state);
}

static void test_threat_gets_an_obvious_review_and_masked_text(void)
{
	struct store_item_in in = item("t1", "Jag ska döda dig, ring mig på 070-123 45 67");
	struct pipeline_result r = { 0 };
	T_EQ_INT(0, pipeline_ingest(store, rules, &acc, &in, MONDAY_10, &r));
	T_EQ_INT(FILTER_TIER_OBVIOUS, r.tier);
	T_ASSERT(r.actions & FILTER_ACT_HIDE);
	struct deadline d;
	T_EQ_INT(0, deadline_find(store, r.item_id, DEADLINE_REVIEW_OBVIOUS, &d));
	T_EQ_INT(MONDAY_10 + 2 * 3600 * USEC_PER_SEC, d.due_at);
	sqlite3_stmt *st = NULL;
	sqlite3_prepare_v2(store_db(store),
	                   "SELECT masked_text, rule_ids, tier FROM verdicts WHERE id=?", -1, &st,
	                   NULL);
	sqlite3_bind_int64(st, 1, r.verdict_id);
	T_ASSERT(sqlite3_step(st) == SQLITE_ROW);
	T_CONTAINS((const char *)sqlite3_column_text(st, 0), "070-*** ** **");
	T_CONTAINS((const char *)sqlite3_column_text(st, 1), "sv.threat.kill-direct");
	T_EQ_STR("obvious", (const char *)sqlite3_column_text(st, 2));
	sqlite3_finalize(st);
	/* The raw text is kept in the record: it is the public record. */
	T_EQ_INT(1,
	         one_int("SELECT count(*) FROM item_versions WHERE text LIKE '%070-123 45 67%'"));
}

static void test_category_review_time_overrides_the_tier(void)
{
	struct config_account fast = acc;
	fast.review_by_category_set = 1u << FILTER_CAT_THREAT;
	fast.review_by_category[FILTER_CAT_THREAT] = (struct cal_duration){ CAL_UNIT_MINUTES, 30 };
	struct store_item_in in = item("t2", "vi kommer att döööda er");
	struct pipeline_result r = { 0 };
	T_EQ_INT(0, pipeline_ingest(store, rules, &fast, &in, MONDAY_10, &r));
	struct deadline d;
	T_EQ_INT(0, deadline_find(store, r.item_id, DEADLINE_REVIEW_OBVIOUS, &d));
	T_EQ_INT(MONDAY_10 + 30 * 60 * USEC_PER_SEC, d.due_at);
}

static void test_text_beyond_the_scan_cap_goes_to_review(void)
{
	size_t filler = 70 * 1024;
	char *text = malloc(filler + 64);
	memset(text, 'a', filler);
	for (size_t i = 80; i < filler; i += 81)
		text[i] = ' ';
	strcpy(text + filler, " jag ska döda dig");
	struct store_item_in in = item("long1", text);
	struct pipeline_result r = { 0 };
	T_EQ_INT(0, pipeline_ingest(store, rules, &acc, &in, MONDAY_10, &r));
	struct deadline d;
	T_EQ_INT(0, deadline_find(store, r.item_id, DEADLINE_REVIEW_POSSIBLE, &d));
	free(text);
}

static void test_clean_comment_starts_nothing(void)
{
	struct store_item_in in = item("c1", "Tack för en fin konsert igår!");
	struct pipeline_result r = { 0 };
	T_EQ_INT(0, pipeline_ingest(store, rules, &acc, &in, MONDAY_10, &r));
	T_EQ_INT(FILTER_TIER_NONE, r.tier);
	T_EQ_INT(0, r.clocks_started);
	T_ASSERT(r.verdict_id > 0);
}

static void test_stats_flush_and_feedback(void)
{
	struct store_rule_stats st;
	T_EQ_INT(0, pipeline_flush_stats(store, rules, MONDAY_10));
	/* Two threats so far: t1 and t2. */
	T_EQ_INT(0, store_rule_stats_get(store, "sv.threat.kill-direct", &st));
	T_EQ_INT(2, st.hits);
	T_ASSERT(st.cost_ns > 0);
	/* A second flush adds nothing new. */
	T_EQ_INT(0, pipeline_flush_stats(store, rules, MONDAY_10));
	T_EQ_INT(0, store_rule_stats_get(store, "sv.threat.kill-direct", &st));
	T_EQ_INT(2, st.hits);

	int64_t verdict =
	        one_int("SELECT min(id) FROM verdicts WHERE rule_ids LIKE '%kill-direct%'");
	T_EQ_INT(0, store_feedback_add(store, verdict, "sv.threat.kill-direct", "true_positive",
	                               "moderator:anna", MONDAY_10));
	T_EQ_INT(-ENOENT, store_feedback_add(store, verdict, "sv.harassment.idiot",
	                                     "false_positive", "moderator:anna", MONDAY_10));
	T_EQ_INT(0, store_rule_stats_get(store, "sv.threat.kill-direct", &st));
	T_EQ_INT(1, st.true_positives);
	T_EQ_INT(0, st.false_positives);
	int64_t n = 0, bad = 0;
	T_EQ_INT(0, store_audit_verify(store, &n, &bad));
}

static void test_repair_evaluates_what_a_crash_left(void)
{
	/* As if vaktd died right after committing the raw item. */
	struct store_item_in in = item("crash1", "När öppnar simhallen i Eriksdal?");
	int64_t id, version;
	size_t done = 0;
	T_EQ_INT(0, store_begin(store));
	T_EQ_INT(0, store_item_upsert(store, &in, MONDAY_10, &id, &version));
	T_EQ_INT(0, store_commit(store));
	struct config cfg = { .accounts = &acc, .n_accounts = 1 };
	T_EQ_INT(0, pipeline_repair(store, rules, &cfg, MONDAY_10, &done));
	T_EQ_INT(1, done);
	struct deadline d;
	T_EQ_INT(0, deadline_find(store, id, DEADLINE_RESPOND, &d));
	/* Nothing left to repair. */
	T_EQ_INT(0, pipeline_repair(store, rules, &cfg, MONDAY_10, &done));
	T_EQ_INT(0, done);
}

/* The daemon's slices (vaktd/backlog.c): a few items at a time, the
 * cursor past each one looked at, so that items of an account that is no
 * longer configured (skipped, left unevaluated) are not read again and
 * the passes end. */
static void test_repair_in_slices_passes_what_it_skips(void)
{
	struct config_account other = acc;
	other.id = "idrott-fb";
	other.external_id = "2";
	struct config_account both[2] = { acc, other };
	struct config synced = { .accounts = both, .n_accounts = 2 };
	T_EQ_INT(0, store_accounts_sync(store, &synced, "test"));
	int64_t ids[6];
	for (int i = 0; i < 6; i++) {
		char pid[16];
		snprintf(pid, sizeof(pid), "slice%d", i);
		struct store_item_in in = item(pid, "Hur dags öppnar biblioteket?");
		in.account = i % 2 ? "idrott-fb" : "kultur-fb";
		int64_t version;
		T_EQ_INT(0, store_begin(store));
		T_EQ_INT(0, store_item_upsert(store, &in, MONDAY_10, &ids[i], &version));
		T_EQ_INT(0, store_commit(store));
	}
	both[1].cal = NULL; /* configured without a calendar: not evaluated */
	int64_t cursor = 0, last = 0;
	size_t done, total = 0, slices = 0;
	bool more = true;
	while (more) {
		T_EQ_INT(0, pipeline_repair_some(store, rules, &synced, MONDAY_10, 2, &cursor,
		                                 &done, &more));
		T_ASSERT(cursor >= last);
		last = cursor;
		total += done;
		T_ASSERT(++slices <= 4);
	}
	T_EQ_INT(3, (int64_t)total);
	T_EQ_INT(ids[5], cursor);
	T_EQ_INT(3, one_int("SELECT count(*) FROM items_unevaluated"));
	T_EQ_INT(0, one_int("SELECT count(*) FROM items_unevaluated i JOIN items t ON t.id = "
	                    "i.item_id WHERE t.account_id = 'kultur-fb'"));
	/* What a start's repair reaches, one call: nothing more to do here. */
	T_EQ_INT(0, pipeline_repair(store, rules, &synced, MONDAY_10, &done));
	T_EQ_INT(0, (int64_t)done);
}

/* Items waiting for a verdict, questions (a verdict and a respond clock
 * each); their ids in ids[0..n). */
static void waiting_questions(const char *prefix, int64_t *ids, size_t n)
{
	for (size_t i = 0; i < n; i++) {
		char pid[32];
		int64_t version;
		snprintf(pid, sizeof(pid), "%s%zu", prefix, i);
		struct store_item_in in = item(pid, "När öppnar simhallen i Eriksdal?");
		T_EQ_INT(0, store_begin(store));
		T_EQ_INT(0, store_item_upsert(store, &in, MONDAY_10, &ids[i], &version));
		T_EQ_INT(0, store_commit(store));
	}
}

/* A trigger that fails the clock of item `only` (0: of every item), as a
 * statement that cannot be written: the item's verdict is written first,
 * so its savepoint must take the verdict back. */
static void plant_clock_failure(int64_t only)
{
	char sql[256];
	snprintf(sql, sizeof(sql),
	         "CREATE TEMP TRIGGER planted BEFORE INSERT ON deadlines WHEN %lld IN (0, "
	         "NEW.item_id) BEGIN SELECT RAISE(ABORT, 'planted'); END",
	         (long long)only);
	T_EQ_INT(SQLITE_OK, sqlite3_exec(store_db(store), sql, NULL, NULL, NULL));
}

static int64_t count_where_item(const char *table, int64_t from)
{
	char sql[160];
	snprintf(sql, sizeof(sql), "SELECT count(*) FROM %s WHERE item_id >= %lld", table,
	         (long long)from);
	return one_int(sql);
}

/* An item whose evaluation fails does not keep the items after it in
 * the batch, one transaction, from their verdicts: its savepoint is
 * rolled back (its verdict with it), it is passed over, and it waits. */
static void test_repair_passes_an_item_that_fails(void)
{
	struct config cfg = { .accounts = &acc, .n_accounts = 1 };
	int64_t ids[3];
	waiting_questions("fails", ids, 3);
	plant_clock_failure(ids[1]);
	int64_t cursor = ids[0] - 1;
	size_t done = 0;
	bool more = true;
	T_EQ_INT(0, pipeline_repair_some(store, rules, &cfg, MONDAY_10, 16, &cursor, &done, &more));
	T_EQ_INT(2, (int64_t)done);
	T_ASSERT(!more);
	T_EQ_INT(ids[2], cursor);
	T_EQ_INT(1, count_where_item("items_unevaluated", ids[0]));
	T_EQ_INT(2, count_where_item("verdicts", ids[0]));
	T_EQ_INT(2, count_where_item("deadlines", ids[0]));
	T_EQ_INT(0, count_where_item("verdicts", ids[1]) - count_where_item("verdicts", ids[2]));
	T_EQ_INT(SQLITE_OK,
	         sqlite3_exec(store_db(store), "DROP TRIGGER planted", NULL, NULL, NULL));
}

/* Every item of a batch failing is the store's failure, not theirs: the
 * batch is rolled back, the cursor stays, and the next call tries it all
 * again. */
static void test_repair_fails_a_batch_where_nothing_goes_in(void)
{
	struct config cfg = { .accounts = &acc, .n_accounts = 1 };
	int64_t ids[3];
	waiting_questions("all", ids, 3);
	plant_clock_failure(0);
	const int64_t from = ids[0] - 1;
	int64_t cursor = from;
	size_t done = 7;
	bool more = true;
	T_ASSERT(pipeline_repair_some(store, rules, &cfg, MONDAY_10, 16, &cursor, &done, &more) !=
	         0);
	T_EQ_INT(0, (int64_t)done);
	T_ASSERT(!more);
	T_EQ_INT(from, cursor);
	T_EQ_INT(3, count_where_item("items_unevaluated", ids[0]));
	T_EQ_INT(0, count_where_item("verdicts", ids[0]));
	T_EQ_INT(SQLITE_OK,
	         sqlite3_exec(store_db(store), "DROP TRIGGER planted", NULL, NULL, NULL));
	T_EQ_INT(0, pipeline_repair_some(store, rules, &cfg, MONDAY_10, 16, &cursor, &done, &more));
	T_EQ_INT(3, (int64_t)done);
	T_EQ_INT(0, count_where_item("items_unevaluated", ids[0]));
}

static void test_nested_transactions_commit_and_roll_back_as_one(void)
{
	int64_t before = one_int("SELECT count(*) FROM audit_log");
	T_EQ_INT(0, store_begin(store));
	T_EQ_INT(0, store_audit_append(store, "t", "outer", "x", NULL, NULL));
	T_EQ_INT(0, store_begin(store));
	T_EQ_INT(0, store_audit_append(store, "t", "inner", "x", NULL, NULL));
	T_EQ_INT(0, store_commit(store));
	store_rollback(store); /* the outer level takes the inner with it */
	T_EQ_INT(before, one_int("SELECT count(*) FROM audit_log"));
	T_EQ_INT(0, store_begin(store));
	T_EQ_INT(0, store_begin(store));
	T_EQ_INT(0, store_audit_append(store, "t", "inner", "x", NULL, NULL));
	store_rollback(store); /* only the inner level */
	T_EQ_INT(0, store_audit_append(store, "t", "outer", "x", NULL, NULL));
	T_EQ_INT(0, store_commit(store));
	T_EQ_INT(before + 1, one_int("SELECT count(*) FROM audit_log"));
}

/* Issue 11: a threat's escalation is written in the verdict's
 * transaction: rolled back together, committed together. */
static void test_threat_escalation_commits_with_its_verdict(void)
{
	struct store_item_in in = item("esc1", "vi ska doda er");
	struct pipeline_result r = { 0 };
	T_EQ_INT(0, pipeline_ingest(store, rules, &acc, &in, MONDAY_10, &r));
	T_ASSERT(r.escalation_id > 0);
	int64_t item_id = r.item_id, verdicts = one_int("SELECT count(*) FROM verdicts"),
	        escalations = one_int("SELECT count(*) FROM escalations");
	T_EQ_INT(0, store_begin(store));
	T_EQ_INT(0, pipeline_evaluate(store, rules, &acc, item_id, MONDAY_10 + 1, &r));
	T_EQ_INT(verdicts + 1, one_int("SELECT count(*) FROM verdicts"));
	store_rollback(store); /* a crash before the commit */
	T_EQ_INT(verdicts, one_int("SELECT count(*) FROM verdicts"));
	T_EQ_INT(escalations, one_int("SELECT count(*) FROM escalations"));
	/* Our own reply never escalates; a clean comment neither. */
	in = item("esc2", "Tack för svaret!");
	T_EQ_INT(0, pipeline_ingest(store, rules, &acc, &in, MONDAY_10, &r));
	T_EQ_INT(0, (int)r.escalation_id);
	in = item("esc3", "jag ska doda dig");
	in.is_own = 1;
	T_EQ_INT(0, pipeline_ingest(store, rules, &acc, &in, MONDAY_10, &r));
	T_EQ_INT(0, (int)r.escalation_id);
}

/* The deadline scan's marks and the escalations of its transitions: one
 * transaction (what vaktd's tick does). */
static void test_scan_and_its_escalations_are_one_transaction(void)
{
	struct store_item_in in = item("dl1", "När öppnar biblioteket i Farsta?");
	struct pipeline_result r = { 0 };
	struct deadline_transition *tr = NULL;
	size_t n = 0;
	int64_t later = MONDAY_10 + 30LL * 86400 * USEC_PER_SEC;
	T_EQ_INT(0, pipeline_ingest(store, rules, &acc, &in, MONDAY_10, &r));
	int64_t before = one_int("SELECT count(*) FROM escalations WHERE cause='deadline'");
	for (int attempt = 0; attempt < 2; attempt++) {
		T_EQ_INT(0, store_begin(store));
		T_EQ_INT(0, deadline_scan(store, later, "test", DEADLINE_SCAN_MAX, &tr, &n));
		T_ASSERT(n >= 2); /* this clock's warning and breach at least */
		for (size_t i = 0; i < n; i++)
			T_EQ_INT(0, escalate_deadline(store, &tr[i], later, NULL));
		free(tr);
		tr = NULL;
		if (attempt == 0) {
			store_rollback(store); /* a crash: both forgotten, reported again */
			T_EQ_INT(before, one_int("SELECT count(*) FROM escalations WHERE "
			                         "cause='deadline'"));
		} else {
			T_EQ_INT(0, store_commit(store));
		}
	}
	T_ASSERT(one_int("SELECT count(*) FROM escalations WHERE cause='deadline'") >= before + 2);
	T_EQ_INT(1, one_int("SELECT count(*) FROM escalations e JOIN deadlines d ON "
	                    "d.id = e.deadline_id WHERE e.kind='breach' AND d.state='breached' "
	                    "AND d.item_id = (SELECT id FROM items WHERE platform_id='dl1')"));
}

/* Issue 9: a clean comment's text is stored once (in its version), its
 * verdict refers to rules by id, and the rule set is recorded once. */
static void test_verdicts_refer_to_the_text_and_the_rules(void)
{
	struct store_item_in in = item("fp1", "Tack för en fin konsert i parken i lördags.");
	struct pipeline_result r = { 0 };
	T_EQ_INT(0, pipeline_ingest(store, rules, &acc, &in, MONDAY_10, &r));
	char sql[256];
	snprintf(sql, sizeof(sql),
	         "SELECT length(masked_text) + length(detail_json) FROM verdicts WHERE id=%lld",
	         (long long)r.verdict_id);
	T_EQ_INT(2, one_int(sql)); /* '' and '{}' */
	snprintf(sql, sizeof(sql), "SELECT length(text) FROM items WHERE id=%lld",
	         (long long)r.item_id);
	T_EQ_INT(0, one_int(sql));
	struct store_item_view v;
	T_EQ_INT(0, store_item_view(store, r.item_id, &v));
	T_EQ_STR(in.text, v.masked_text);
	store_item_view_clear(&v);
	T_EQ_INT((int64_t)filter_engine_rule_count(rules->engine),
	         one_int("SELECT count(*) FROM rules"));
	/* A threat: spans by rule id, no titles or statutes, no text. */
	in = item("fp2", "Jag ska döda dig");
	T_EQ_INT(0, pipeline_ingest(store, rules, &acc, &in, MONDAY_10, &r));
	snprintf(sql, sizeof(sql),
	         "SELECT (instr(detail_json, '\"spans\"') > 0) + 2 * (instr(detail_json, "
	         "'title') > 0) + 4 * (instr(detail_json, 'döda') > 0) FROM verdicts WHERE "
	         "id=%lld",
	         (long long)r.verdict_id);
	T_EQ_INT(1, one_int(sql));
	/* Every rule the verdict names resolves to a title in its rule set. */
	T_ASSERT(one_int("SELECT length(rule_ids) FROM verdicts WHERE id = (SELECT max(id) FROM "
	                 "verdicts)") > 0);
	T_EQ_INT(0, one_int("SELECT count(*) FROM verdicts d, json_each('[\"' || "
	                    "replace(d.rule_ids, ' ', '\",\"') || '\"]') j WHERE d.id = (SELECT "
	                    "max(id) FROM verdicts) AND NOT EXISTS (SELECT 1 FROM rules r WHERE "
	                    "r.ruleset = d.ruleset AND r.rule_id = j.value AND r.title != '')"));
	T_EQ_INT((int64_t)filter_engine_rule_count(rules->engine),
	         one_int("SELECT count(*) FROM rules"));
}

static void test_empty_rules_directory_is_refused(void)
{
	/* A daemon with no rules would moderate nothing. */
	char *dir = tfs_mkdtemp();
	struct diag_list dl = { 0 };
	struct pipeline_rules *pr = NULL;
	T_EQ_INT(-EINVAL, pipeline_rules_load(dir, 0, &pr, &dl));
	T_ASSERT(pr == NULL);
	char buf[1024];
	T_ASSERT(dl.n == 1);
	if (dl.n)
		T_CONTAINS(diag_format(&dl.v[0], buf, sizeof(buf)), "no rules here");
	diag_list_clear(&dl);
	tfs_rmrf(dir);
}

static void test_broken_rules_are_refused_with_file_and_line(void)
{
	struct diag_list dl = { 0 };
	struct pipeline_rules *pr = NULL;
	char dir[4096];
	snprintf(dir, sizeof(dir), "%s/tests/unit/data/filter/broken", SRCDIR);
	T_EQ_INT(-EINVAL, pipeline_rules_load(dir, 0, &pr, &dl));
	T_ASSERT(pr == NULL);
	T_ASSERT(dl.n > 0);
	char buf[1024];
	T_CONTAINS(diag_format(&dl.v[0], buf, sizeof(buf)), ".rules:");
	diag_list_clear(&dl);
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
		                       .cal = cal };
	deadline_policy_init(&acc.deadlines);
	struct config cfg = { .accounts = &acc, .n_accounts = 1 };
	store_accounts_sync(store, &cfg, "test");

	T_RUN(test_question_gets_a_respond_clock_once);
	T_RUN(test_own_reply_meets_the_question);
	T_RUN(test_threat_gets_an_obvious_review_and_masked_text);
	T_RUN(test_category_review_time_overrides_the_tier);
	T_RUN(test_text_beyond_the_scan_cap_goes_to_review);
	T_RUN(test_clean_comment_starts_nothing);
	T_RUN(test_stats_flush_and_feedback);
	T_RUN(test_repair_evaluates_what_a_crash_left);
	T_RUN(test_repair_in_slices_passes_what_it_skips);
	T_RUN(test_repair_passes_an_item_that_fails);
	T_RUN(test_repair_fails_a_batch_where_nothing_goes_in);
	T_RUN(test_nested_transactions_commit_and_roll_back_as_one);
	T_RUN(test_verdicts_refer_to_the_text_and_the_rules);
	T_RUN(test_threat_escalation_commits_with_its_verdict);
	T_RUN(test_scan_and_its_escalations_are_one_transaction);
	T_RUN(test_empty_rules_directory_is_refused);
	T_RUN(test_broken_rules_are_refused_with_file_and_line);

	pipeline_rules_free(rules);
	cal_free(cal);
	store_close(store);
	tfs_rmrf(dir);
	return t_done();
}
