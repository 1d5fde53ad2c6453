/* The store at scale (issue 9): a store made by schema version 2 is
 * carried forward without loss; the status counters and the unevaluated
 * items are kept in the writing transactions. */
#include "t.h"
#include "tdb.h"
#include "tfs.h"

#include "store/audit.h"
#include "store/store-db.h"
#include "store/store.h"

static char *one_text(sqlite3 *db, const char *sql)
{
	sqlite3_stmt *st = NULL;
	char *v = NULL;
	if (sqlite3_prepare_v2(db, sql, -1, &st, NULL) == SQLITE_OK &&
	    sqlite3_step(st) == SQLITE_ROW && sqlite3_column_text(st, 0))
		v = strdup((const char *)sqlite3_column_text(st, 0));
	sqlite3_finalize(st);
	return v;
}

/* FNV-1a over every column of every row, in rowid order: equal digests
 * mean the rows are the same.  *io_cols is the number of columns to hash:
 * 0 hashes all and writes how many there were.  A later migration may add
 * columns at the end (and fill them, e.g. a clock's account); the columns
 * the rows had before are compared. */
static uint64_t table_digest(sqlite3 *db, const char *table, int64_t *ret_rows, int *io_cols)
{
	char sql[128];
	sqlite3_stmt *st = NULL;
	uint64_t h = 1469598103934665603u;
	int64_t rows = 0;
	snprintf(sql, sizeof(sql), "SELECT * FROM %s ORDER BY rowid", table);
	if (sqlite3_prepare_v2(db, sql, -1, &st, NULL) != SQLITE_OK)
		return 0;
	while (sqlite3_step(st) == SQLITE_ROW) {
		rows++;
		int ncols = sqlite3_column_count(st);
		if (*io_cols == 0)
			*io_cols = ncols;
		for (int i = 0; i < *io_cols && i < ncols; i++) {
			const unsigned char *t = sqlite3_column_text(st, i);
			for (const unsigned char *p = t ? t : (const unsigned char *)"\1NULL"; *p;
			     p++)
				h = (h ^ *p) * 1099511628211u;
			h = (h ^ 0xff) * 1099511628211u;
		}
	}
	sqlite3_finalize(st);
	*ret_rows = rows;
	return h;
}

static char *read_file(const char *path)
{
	FILE *f = fopen(path, "r");
	char *buf = NULL;
	size_t len = 0;
	if (!f)
		return NULL;
	FILE *m = open_memstream(&buf, &len);
	int c;
	while ((c = fgetc(f)) != EOF)
		fputc(c, m);
	fclose(f);
	fclose(m);
	return buf;
}

static const char *const tables[] = { "accounts",  "items",       "item_versions", "verdicts",
	                              "deadlines", "polls",       "audit_log",     "rule_stats",
	                              "feedback",  "escalations", "actions" };
#define N_TABLES (sizeof(tables) / sizeof(tables[0]))

static void test_schema_2_store_migrates_without_loss(void)
{
	char *dir = tfs_mkdtemp(), path[4200], fixture[4200];
	sqlite3 *db = NULL;
	uint64_t before[N_TABLES];
	int cols[N_TABLES] = { 0 };
	int64_t rows[N_TABLES], n;

	snprintf(path, sizeof(path), "%s/vakt.db", dir);
	snprintf(fixture, sizeof(fixture), "%s/tests/unit/data/store/schema-2.sql", SRCDIR);
	char *sql = read_file(fixture);
	T_ASSERT(sql != NULL);
	T_EQ_INT(SQLITE_OK, sqlite3_open(path, &db));
	T_EQ_INT(SQLITE_OK, sqlite3_exec(db, sql ? sql : "", NULL, NULL, NULL));
	T_EQ_INT(2, tdb_int(db, "PRAGMA user_version"));
	for (size_t i = 0; i < N_TABLES; i++)
		before[i] = table_digest(db, tables[i], &rows[i], &cols[i]);
	T_ASSERT(rows[1] >= 8 && rows[3] >= 8 && rows[4] >= 4 && rows[5] >= 3 && rows[6] >= 8);
	/* What moderators saw of the masked comment and of a plain one. */
	char *masked = one_text(db, "SELECT masked_text FROM verdicts WHERE item_id = (SELECT id "
	                            "FROM items WHERE platform_id='p1') ORDER BY id DESC");
	char *plain = one_text(db, "SELECT masked_text FROM verdicts WHERE item_id = (SELECT id "
	                           "FROM items WHERE platform_id='p2') ORDER BY id DESC");
	int64_t p1 = tdb_int(db, "SELECT id FROM items WHERE platform_id='p1'");
	int64_t p2 = tdb_int(db, "SELECT id FROM items WHERE platform_id='p2'");
	int64_t p9 = tdb_int(db, "SELECT id FROM items WHERE platform_id='p9'");
	sqlite3_close(db);

	struct store *s = NULL;
	char err[256] = "";
	T_EQ_INT(0, store_open(path, &s, err, sizeof(err)));
	if (!s) {
		T_FAIL_("%s", err);
		goto out;
	}
	int v = 0;
	T_EQ_INT(0, store_schema_version(s, &v));
	T_EQ_INT(store_schema_latest(), v);
	/* Every row of every table is unchanged. */
	for (size_t i = 0; i < N_TABLES; i++) {
		if (table_digest(store_db(s), tables[i], &n, &cols[i]) != before[i])
			T_FAIL_("%s changed", tables[i]);
		T_EQ_INT(rows[i], n);
	}
	int64_t entries = 0, bad = 0;
	T_EQ_INT(0, store_audit_verify(s, &entries, &bad));
	T_EQ_INT(rows[6], entries);

	/* The item view reads old verdicts as before. */
	struct store_item_view iv;
	T_EQ_INT(0, store_item_view(s, p1, &iv));
	T_EQ_STR(masked, iv.masked_text);
	store_item_view_clear(&iv);
	T_EQ_INT(0, store_item_view(s, p2, &iv));
	T_EQ_STR(plain, iv.masked_text);
	store_item_view_clear(&iv);

	/* The counters start from what is stored. */
	struct store_counts c;
	T_EQ_INT(0, store_counts(s, &c));
	T_EQ_INT(rows[1], c.items);
	T_EQ_INT(rows[5], c.polls);
	T_EQ_INT(rows[6] + 0, c.audit_entries);
	T_EQ_INT(tdb_int(store_db(s), "SELECT count(*) FROM deadlines WHERE stopped_at IS NULL AND "
	                              "kind IN ('respond','fl11_delay_notice','fl12_decision')"),
	         c.pending_respond);
	T_EQ_INT(tdb_int(store_db(s), "SELECT count(*) FROM deadlines WHERE stopped_at IS NULL AND "
	                              "kind IN ('review_obvious','review_possible')"),
	         c.pending_review);

	/* The one item stored but never evaluated is found. */
	int64_t *ids = NULL;
	size_t nids = 0;
	T_EQ_INT(0, store_items_unevaluated(s, 0, 100, &ids, &nids));
	T_EQ_INT(1, nids);
	if (nids == 1)
		T_EQ_INT(p9, ids[0]);
	free(ids);
	store_close(s);
out:
	free(masked);
	free(plain);
	free(sql);
	tfs_rmrf(dir);
}

static struct store *open_with_account(char *dir)
{
	char path[4200];
	struct store *s = NULL;
	snprintf(path, sizeof(path), "%s/vakt.db", dir);
	if (store_open(path, &s, NULL, 0))
		return NULL;
	struct config_account a = { .id = "a",
		                    .platform = PLATFORM_FACEBOOK,
		                    .unit = "u",
		                    .external_id = "1",
		                    .enabled = true,
		                    .file = "a.conf" };
	struct config cfg = { .accounts = &a, .n_accounts = 1 };
	if (store_accounts_sync(s, &cfg, "test")) {
		store_close(s);
		return NULL;
	}
	return s;
}

static int64_t upsert(struct store *s, const char *pid, const char *text, int64_t *ret_version)
{
	struct store_item_in in = { .account = "a",
		                    .platform_id = pid,
		                    .kind = "comment",
		                    .text = text,
		                    .published_at = 1000,
		                    .platform_state = "visible" };
	int64_t id = 0;
	if (store_begin(s) || store_item_upsert(s, &in, 2000, &id, ret_version) || store_commit(s))
		return -1;
	return id;
}

static int64_t verdict(struct store *s, int64_t item, int64_t version, const char *masked)
{
	struct store_verdict_in v = { .item_id = item,
		                      .version_id = version,
		                      .ruleset = "0123456789abcdef",
		                      .categories = "",
		                      .rule_ids = "",
		                      .actions = "",
		                      .detail_json = "{}",
		                      .masked_text = masked };
	int64_t id = 0;
	if (store_begin(s) || store_verdict_insert(s, &v, 3000, &id) || store_commit(s))
		return -1;
	return id;
}

static void test_unevaluated_items_follow_versions_and_verdicts(void)
{
	char *dir = tfs_mkdtemp();
	struct store *s = open_with_account(dir);
	int64_t *ids = NULL, v1 = 0, v2 = 0;
	size_t n = 0;
	T_ASSERT(s != NULL);
	if (!s)
		goto out;
	int64_t a = upsert(s, "p1", "hej", &v1);
	int64_t b = upsert(s, "p2", "hopp", &v2);
	T_EQ_INT(0, store_items_unevaluated(s, 0, 10, &ids, &n));
	T_EQ_INT(2, n);
	free(ids);
	/* A verdict on the latest version: evaluated. */
	T_ASSERT(verdict(s, a, v1, "hej") > 0);
	T_EQ_INT(0, store_items_unevaluated(s, 0, 10, &ids, &n));
	T_EQ_INT(1, n);
	if (n == 1)
		T_EQ_INT(b, ids[0]);
	free(ids);
	/* An edit makes it unevaluated again; a verdict on the old version
	 * does not count. */
	int64_t v1b = 0;
	T_EQ_INT(a, upsert(s, "p1", "hej igen", &v1b));
	T_ASSERT(v1b > v1);
	T_ASSERT(verdict(s, a, v1, "hej") > 0);
	T_EQ_INT(0, store_items_unevaluated(s, 0, 10, &ids, &n));
	T_EQ_INT(2, n);
	free(ids);
	T_ASSERT(verdict(s, a, v1b, "hej igen") > 0);
	T_ASSERT(verdict(s, b, v2, "hopp") > 0);
	T_EQ_INT(0, store_items_unevaluated(s, 0, 10, &ids, &n));
	T_EQ_INT(0, n);
	T_ASSERT(ids == NULL);
	free(ids);
	store_close(s);
out:
	tfs_rmrf(dir);
}

static void test_counters_follow_every_write(void)
{
	char *dir = tfs_mkdtemp();
	struct store *s = open_with_account(dir);
	struct store_counts c;
	int64_t v = 0, poll = 0;
	T_ASSERT(s != NULL);
	if (!s)
		goto out;
	sqlite3 *db = store_db(s);
	T_EQ_INT(0, store_counts(s, &c));
	T_EQ_INT(0, c.items);
	T_EQ_INT(1, c.audit_entries);
	int64_t a = upsert(s, "p1", "hej", &v);
	upsert(s, "p1", "hej", &v); /* unchanged: no new item */
	upsert(s, "p2", "hopp", &v);
	T_EQ_INT(0, store_poll_begin(s, "a", 10, 11, &poll));
	T_EQ_INT(0, store_poll_end(s, poll, 12, "ok", 2, 0, NULL));
	T_EQ_INT(0, store_audit_append(s, "test", "test.entry", "x", NULL, NULL));
	/* Clocks and escalations as other modules write them. */
	char sql[512];
	snprintf(sql, sizeof(sql),
	         "INSERT INTO deadlines(item_id, kind, duration, started_at, created_at, due_at) "
	         "VALUES (%lld,'respond','1 business day',1,1,2), (%lld,'review_obvious','4 "
	         "hours',1,1,2), (%lld,'fl12_demand_possible','6 months',1,1,2);"
	         "INSERT INTO escalations(id, key, cause, kind, created_at, updated_at) VALUES "
	         "(1,'e1','test','test',1,1);"
	         "INSERT INTO deliveries(escalation_id, level, recipient, role, created_at) VALUES "
	         "(1,0,'k1','address',1), (1,0,'k2','address',1);",
	         (long long)a, (long long)a, (long long)a);
	T_EQ_INT(SQLITE_OK, sqlite3_exec(db, sql, NULL, NULL, NULL));
	T_EQ_INT(0, store_counts(s, &c));
	T_EQ_INT(2, c.items);
	T_EQ_INT(1, c.polls);
	T_EQ_INT(2, c.audit_entries);
	T_EQ_INT(1, c.pending_respond);
	T_EQ_INT(1, c.pending_review);
	T_EQ_INT(2, c.escalations_unsent);
	/* Stopping, re-opening, sending and rolling back. */
	T_EQ_INT(SQLITE_OK,
	         sqlite3_exec(db,
	                      "UPDATE deadlines SET stopped_at=5, state='met' WHERE kind='respond';"
	                      "UPDATE deadlines SET due_at=9 WHERE kind='review_obvious';"
	                      "UPDATE deliveries SET state='sent' WHERE recipient='k1';"
	                      "BEGIN; UPDATE deliveries SET state='sent'; INSERT INTO polls("
	                      "account_id, planned_at, started_at) VALUES ('a',1,1); ROLLBACK;",
	                      NULL, NULL, NULL));
	T_EQ_INT(0, store_counts(s, &c));
	T_EQ_INT(0, c.pending_respond);
	T_EQ_INT(1, c.pending_review);
	T_EQ_INT(1, c.escalations_unsent);
	T_EQ_INT(1, c.polls);
	T_EQ_INT(SQLITE_OK,
	         sqlite3_exec(db,
	                      "UPDATE deadlines SET stopped_at=NULL, state='running' "
	                      "WHERE kind='respond'; DELETE FROM deadlines WHERE "
	                      "kind='review_obvious'; UPDATE deliveries SET state='cancelled';",
	                      NULL, NULL, NULL));
	T_EQ_INT(0, store_counts(s, &c));
	T_EQ_INT(1, c.pending_respond);
	T_EQ_INT(0, c.pending_review);
	T_EQ_INT(0, c.escalations_unsent);
	store_close(s);
out:
	tfs_rmrf(dir);
}

static void test_unmasked_text_is_stored_once(void)
{
	char *dir = tfs_mkdtemp();
	struct store *s = open_with_account(dir);
	int64_t v = 0;
	T_ASSERT(s != NULL);
	if (!s)
		goto out;
	int64_t a = upsert(s, "p1", "Tack för ett fint evenemang!", &v);
	int64_t d1 = verdict(s, a, v, "Tack för ett fint evenemang!");
	T_ASSERT(d1 > 0);
	/* Neither items.text nor the verdict repeat the version's text. */
	T_EQ_INT(0, tdb_int(store_db(s), "SELECT length(text) FROM items"));
	T_EQ_INT(0, tdb_int(store_db(s), "SELECT length(masked_text) FROM verdicts"));
	struct store_item_view iv;
	T_EQ_INT(0, store_item_view(s, a, &iv));
	T_EQ_STR("Tack för ett fint evenemang!", iv.masked_text);
	store_item_view_clear(&iv);
	/* Masked text differs from the version: stored as it is. */
	int64_t b = upsert(s, "p2", "Ring 070-123 45 67", &v);
	T_ASSERT(verdict(s, b, v, "Ring [telefonnummer]") > 0);
	T_EQ_INT(0, store_item_view(s, b, &iv));
	T_EQ_STR("Ring [telefonnummer]", iv.masked_text);
	store_item_view_clear(&iv);
	/* The text for re-evaluation comes from the latest version. */
	char *text = NULL, account[64];
	int own;
	int64_t parent, version;
	T_EQ_INT(0, store_item_for_filter(s, b, &text, account, sizeof(account), &own, &parent,
	                                  &version));
	T_EQ_STR("Ring 070-123 45 67", text);
	T_EQ_INT(v, version);
	free(text);
	store_close(s);
out:
	tfs_rmrf(dir);
}

/* The actions waiting (migration 13): a store made before it carries the
 * right numbers forward, and every later write keeps them (queued and
 * running count as waiting, proposed apart, the rest not at all). */
static void test_action_counters_migrate_and_follow_every_write(void)
{
	char *dir = tfs_mkdtemp(), path[4200], err[256] = "";
	sqlite3 *old = NULL;
	struct store *s = NULL;
	struct store_counts c;
	snprintf(path, sizeof(path), "%s/old.db", dir);
	T_EQ_INT(SQLITE_OK, sqlite3_open(path, &old));
	T_EQ_INT(0, store_migrate(old, 11, err, sizeof(err)));
	T_EQ_INT(SQLITE_OK,
	         sqlite3_exec(old,
	                      "INSERT INTO accounts(id, platform, unit, external_id, created_at, "
	                      "updated_at) VALUES ('a', 'facebook', 'kultur', '1', 1, 1);"
	                      "INSERT INTO items(id, account_id, platform_id, kind, published_at, "
	                      "first_seen_at, last_seen_at) VALUES (1, 'a', 'p1', 'comment', 1, 1, "
	                      "1), (2, 'a', 'p2', 'comment', 1, 1, 1);"
	                      "INSERT INTO actions(id, item_id, kind, requested_at, requested_by, "
	                      "reason, state) VALUES (1, 1, 'hide', 1, 'vakt', 'r', 'queued'),"
	                      "(2, 1, 'delete', 1, 'anna', 'r', 'running'),"
	                      "(3, 2, 'report', 1, 'vakt', 'r', 'proposed'),"
	                      "(4, 2, 'hide', 1, 'vakt', 'r', 'done'),"
	                      "(5, 2, 'delete', 1, 'vakt', 'r', 'not_allowed'),"
	                      "(6, 1, 'block', 1, 'anna', 'r', 'proposed'),"
	                      "(7, 1, 'unhide', 1, 'anna', 'r', 'failed');",
	                      NULL, NULL, NULL));
	sqlite3_close(old);
	T_EQ_INT(0, store_open(path, &s, err, sizeof(err)));
	T_ASSERT(s != NULL);
	if (!s)
		goto out;
	sqlite3 *db = store_db(s);
	T_ASSERT(tdb_int(db, "PRAGMA user_version") >= 13);
	T_EQ_INT(0, store_counts(s, &c));
	T_EQ_INT(2, c.actions_waiting);
	T_EQ_INT(2, c.actions_proposed);
	/* Running to done, proposed to queued (a moderator took it), queued to
	 * cancelled, a new queued and a new proposed, a delete, and a rolled
	 * back change. */
	T_EQ_INT(SQLITE_OK,
	         sqlite3_exec(
	                 db,
	                 "UPDATE actions SET state='done' WHERE id=2;"
	                 "UPDATE actions SET state='queued' WHERE id=3;"
	                 "UPDATE actions SET state='running' WHERE id=3;"
	                 "UPDATE actions SET state='cancelled' WHERE id=1;"
	                 "INSERT INTO actions(item_id, kind, requested_at, requested_by, reason,"
	                 " state) VALUES (2, 'unhide', 2, 'anna', 'r', 'queued'),"
	                 "(2, 'block', 2, 'vakt', 'r', 'proposed');"
	                 "DELETE FROM actions WHERE id=6;"
	                 "BEGIN; UPDATE actions SET state='cancelled'; ROLLBACK;",
	                 NULL, NULL, NULL));
	T_EQ_INT(0, store_counts(s, &c));
	T_EQ_INT(2, c.actions_waiting);  /* 3 running, the new unhide queued */
	T_EQ_INT(1, c.actions_proposed); /* the new block */
	T_EQ_INT(tdb_int(db, "SELECT count(*) FROM actions WHERE state IN ('queued','running')"),
	         c.actions_waiting);
	T_EQ_INT(tdb_int(db, "SELECT count(*) FROM actions WHERE state='proposed'"),
	         c.actions_proposed);
	T_EQ_INT(SQLITE_OK,
	         sqlite3_exec(db, "UPDATE actions SET state='failed'", NULL, NULL, NULL));
	T_EQ_INT(0, store_counts(s, &c));
	T_EQ_INT(0, c.actions_waiting);
	T_EQ_INT(0, c.actions_proposed);
	store_close(s);
out:
	tfs_rmrf(dir);
}

int main(void)
{
	T_RUN(test_schema_2_store_migrates_without_loss);
	T_RUN(test_unevaluated_items_follow_versions_and_verdicts);
	T_RUN(test_counters_follow_every_write);
	T_RUN(test_unmasked_text_is_stored_once);
	T_RUN(test_action_counters_migrate_and_follow_every_write);
	return t_done();
}
