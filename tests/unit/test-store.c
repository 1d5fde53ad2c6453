/* The store: migrations, refusal of newer schemas, WAL, the audit chain
 * and account mirroring. */
#include <errno.h>

#include "t.h"
#include "tdb.h"
#include "tfs.h"

#include "store/audit.h"
#include "store/store-db.h"
#include "store/store.h"

static void test_migrates_empty_database_to_latest(void)
{
	char *dir = tfs_mkdtemp(), *path = tdb_path(dir);
	struct store *s = NULL;
	char err[256] = "";
	int v = -1;
	T_EQ_INT(0, store_open(path, &s, err, sizeof(err)));
	T_ASSERT(s != NULL);
	if (s) {
		T_EQ_INT(0, store_schema_version(s, &v));
		T_EQ_INT(store_schema_latest(), v);
		T_EQ_INT(1, tdb_int(store_db(s),
		                    "SELECT count(*) FROM sqlite_master WHERE name='rule_stats'"));
		T_EQ_INT(1, tdb_int(store_db(s), "PRAGMA foreign_keys"));
		sqlite3_stmt *st = NULL;
		sqlite3_prepare_v2(store_db(s), "PRAGMA journal_mode", -1, &st, NULL);
		T_ASSERT(sqlite3_step(st) == SQLITE_ROW);
		T_EQ_STR("wal", (const char *)sqlite3_column_text(st, 0));
		sqlite3_finalize(st);
	}
	store_close(s);
	free(path);
	tfs_rmrf(dir);
}

static void test_upgrades_older_schema_keeping_rows(void)
{
	char *dir = tfs_mkdtemp(), *path = tdb_path(dir);
	sqlite3 *db = NULL;
	char err[256] = "";
	T_EQ_INT(SQLITE_OK, sqlite3_open(path, &db));
	T_EQ_INT(0, store_migrate(db, 1, err, sizeof(err)));
	T_EQ_INT(1, tdb_int(db, "PRAGMA user_version"));
	T_EQ_INT(0, tdb_int(db, "SELECT count(*) FROM sqlite_master WHERE name='rule_stats'"));
	T_EQ_INT(SQLITE_OK, sqlite3_exec(db,
	                                 "INSERT INTO accounts(id, platform, unit, external_id, "
	                                 "created_at, updated_at) "
	                                 "VALUES ('old', 'facebook', 'kultur', '1', 1, 1)",
	                                 NULL, NULL, NULL));
	sqlite3_close(db);

	struct store *s = NULL;
	T_EQ_INT(0, store_open(path, &s, err, sizeof(err)));
	if (s) {
		T_EQ_INT(store_schema_latest(), tdb_int(store_db(s), "PRAGMA user_version"));
		T_EQ_INT(1, tdb_int(store_db(s), "SELECT count(*) FROM accounts WHERE id='old'"));
		T_EQ_INT(1, tdb_int(store_db(s),
		                    "SELECT count(*) FROM sqlite_master WHERE name='rule_stats'"));
	}
	store_close(s);
	free(path);
	tfs_rmrf(dir);
}

static void test_refuses_newer_schema(void)
{
	char *dir = tfs_mkdtemp(), *path = tdb_path(dir);
	sqlite3 *db = NULL;
	char err[512] = "";
	sqlite3_open(path, &db);
	sqlite3_exec(db, "PRAGMA user_version=999", NULL, NULL, NULL);
	sqlite3_close(db);
	struct store *s = NULL;
	T_EQ_INT(STORE_E_TOO_NEW, store_open(path, &s, err, sizeof(err)));
	T_ASSERT(s == NULL);
	T_CONTAINS(err, "schema version 999 is newer");
	/* And the database was not touched. */
	sqlite3_open(path, &db);
	T_EQ_INT(999, tdb_int(db, "PRAGMA user_version"));
	T_EQ_INT(0, tdb_int(db, "SELECT count(*) FROM sqlite_master"));
	sqlite3_close(db);
	free(path);
	tfs_rmrf(dir);
}

static void append_three(struct store *s)
{
	T_EQ_INT(0, store_begin(s));
	T_EQ_INT(0, store_audit_append(s, "test", "a.one", "x:1", "{\"n\":1}", NULL));
	T_EQ_INT(0, store_audit_append(s, "test", "a.two", "x:2", NULL, NULL));
	T_EQ_INT(0, store_audit_append(s, "moderator:anna", "a.three", "x:3", "{}", NULL));
	T_EQ_INT(0, store_commit(s));
}

static void test_audit_chain_verifies_and_is_append_only(void)
{
	char *dir = tfs_mkdtemp(), *path = tdb_path(dir);
	struct store *s = NULL;
	int64_t n = 0, bad = 0;
	T_EQ_INT(0, store_open(path, &s, NULL, 0));
	append_three(s);
	T_EQ_INT(0, store_audit_verify(s, &n, &bad));
	T_EQ_INT(3, n);
	T_ASSERT(store_exec(s, "UPDATE audit_log SET actor='mallory' WHERE seq=2") != 0);
	T_ASSERT(store_exec(s, "DELETE FROM audit_log WHERE seq=3") != 0);
	T_EQ_INT(0, store_audit_verify(s, &n, &bad));
	store_close(s);
	free(path);
	tfs_rmrf(dir);
}

static void test_audit_chain_detects_modified_row(void)
{
	char *dir = tfs_mkdtemp(), *path = tdb_path(dir);
	struct store *s = NULL;
	int64_t n = 0, bad = 0;
	T_EQ_INT(0, store_open(path, &s, NULL, 0));
	append_three(s);
	/* Someone with the database file in hand can drop the trigger; the
	 * chain still tells. */
	T_EQ_INT(0, store_exec(s, "DROP TRIGGER audit_log_no_update"));
	T_EQ_INT(0, store_exec(s, "UPDATE audit_log SET detail='{\"n\":2}' WHERE seq=1"));
	T_EQ_INT(STORE_E_CORRUPT, store_audit_verify(s, &n, &bad));
	T_EQ_INT(1, bad);
	store_close(s);
	free(path);
	tfs_rmrf(dir);
}

static void test_audit_chain_detects_deleted_row(void)
{
	char *dir = tfs_mkdtemp(), *path = tdb_path(dir);
	struct store *s = NULL;
	int64_t n = 0, bad = 0;
	T_EQ_INT(0, store_open(path, &s, NULL, 0));
	append_three(s);
	T_EQ_INT(0, store_exec(s, "DROP TRIGGER audit_log_no_delete"));
	T_EQ_INT(0, store_exec(s, "DELETE FROM audit_log WHERE seq=2"));
	T_EQ_INT(STORE_E_CORRUPT, store_audit_verify(s, &n, &bad));
	T_EQ_INT(3, bad);
	store_close(s);
	free(path);
	tfs_rmrf(dir);
}

static void test_accounts_sync_records_changes(void)
{
	char *dir = tfs_mkdtemp(), *path = tdb_path(dir);
	struct store *s = NULL;
	struct config_account acc[2] = {
		{ .id = "a",
		  .platform = PLATFORM_X,
		  .unit = "u",
		  .external_id = "1",
		  .enabled = true },
		{ .id = "b",
		  .platform = PLATFORM_YOUTUBE,
		  .unit = "u",
		  .external_id = "2",
		  .enabled = true },
	};
	struct config cfg = { .accounts = acc, .n_accounts = 2 };
	T_EQ_INT(0, store_open(path, &s, NULL, 0));
	T_EQ_INT(0, store_accounts_sync(s, &cfg, "test"));
	T_EQ_INT(2, tdb_int(store_db(s),
	                    "SELECT count(*) FROM audit_log WHERE action='account.added'"));
	/* No change, no new entries. */
	T_EQ_INT(0, store_accounts_sync(s, &cfg, "test"));
	T_EQ_INT(2, tdb_int(store_db(s), "SELECT count(*) FROM audit_log"));
	/* b disappears from the config; its row stays, marked removed. */
	cfg.n_accounts = 1;
	acc[0].enabled = false;
	T_EQ_INT(0, store_accounts_sync(s, &cfg, "test"));
	T_EQ_INT(1, tdb_int(store_db(s),
	                    "SELECT count(*) FROM audit_log WHERE action='account.changed'"));
	T_EQ_INT(1, tdb_int(store_db(s),
	                    "SELECT count(*) FROM audit_log WHERE action='account.removed'"));
	T_EQ_INT(1,
	         tdb_int(store_db(s),
	                 "SELECT count(*) FROM accounts WHERE id='b' AND removed_at IS NOT NULL"));
	struct store_counts c;
	T_EQ_INT(0, store_counts(s, &c));
	T_EQ_INT(1, c.accounts);
	T_EQ_INT(4, c.audit_entries);
	int64_t poll = 0;
	T_EQ_INT(0, store_poll_begin(s, "a", 10, 11, &poll));
	T_EQ_INT(0, store_poll_end(s, poll, 12, "ok", 3, 1, NULL));
	T_ASSERT(store_poll_end(s, poll + 100, 12, "ok", 0, 0, NULL) != 0);
	/* A poll for an unknown account violates the foreign key. */
	T_ASSERT(store_poll_begin(s, "nope", 10, 11, &poll) != 0);
	store_close(s);
	free(path);
	tfs_rmrf(dir);
}

/* --- transactions (the rule is in store/store.h) ------------------------ */

struct tx_fx {
	char *dir, *path;
	struct store *s;
};

static void tx_open(struct tx_fx *f)
{
	char err[256] = "";
	f->dir = tfs_mkdtemp();
	f->path = tdb_path(f->dir);
	f->s = NULL;
	T_EQ_INT(0, store_open(f->path, &f->s, err, sizeof(err)));
	if (!f->s)
		abort();
	T_EQ_INT(0, store_exec(f->s, "CREATE TABLE t(x TEXT)"));
}

static void tx_close(struct tx_fx *f)
{
	T_EQ_INT(0, store_depth(f->s));
	store_close(f->s);
	free(f->path);
	tfs_rmrf(f->dir);
}

static void put(struct tx_fx *f, const char *x)
{
	char sql[64];
	snprintf(sql, sizeof(sql), "INSERT INTO t VALUES ('%s')", x);
	T_EQ_INT(0, store_exec(f->s, sql));
}

/* The rows of t, in order, as "a,b". */
static const char *rows(struct tx_fx *f)
{
	static char buf[64];
	sqlite3_stmt *st = NULL;
	buf[0] = '\0';
	sqlite3_prepare_v2(store_db(f->s), "SELECT group_concat(x, ',') FROM t", -1, &st, NULL);
	if (sqlite3_step(st) == SQLITE_ROW && sqlite3_column_text(st, 0))
		snprintf(buf, sizeof(buf), "%s", (const char *)sqlite3_column_text(st, 0));
	sqlite3_finalize(st);
	return buf;
}

/* A second connection sees only what the outermost level committed. */
static const char *rows_seen_by_others(struct tx_fx *f)
{
	static char buf[64];
	sqlite3 *db = NULL;
	buf[0] = '\0';
	if (sqlite3_open(f->path, &db) == SQLITE_OK) {
		sqlite3_stmt *st = NULL;
		sqlite3_prepare_v2(db, "SELECT group_concat(x, ',') FROM t", -1, &st, NULL);
		if (sqlite3_step(st) == SQLITE_ROW && sqlite3_column_text(st, 0))
			snprintf(buf, sizeof(buf), "%s", (const char *)sqlite3_column_text(st, 0));
		sqlite3_finalize(st);
	}
	sqlite3_close(db);
	return buf;
}

static void test_tx_inner_commit_is_part_of_outer(void)
{
	struct tx_fx f;
	tx_open(&f);
	T_EQ_INT(0, store_begin(f.s));
	put(&f, "a");
	T_EQ_INT(0, store_begin(f.s));
	T_EQ_INT(2, store_depth(f.s));
	put(&f, "b");
	T_EQ_INT(0, store_commit(f.s));
	T_EQ_INT(1, store_depth(f.s));
	/* Not durable before the outermost commit. */
	T_EQ_STR("", rows_seen_by_others(&f));
	T_EQ_INT(0, store_commit(f.s));
	T_EQ_STR("a,b", rows_seen_by_others(&f));
	tx_close(&f);
}

static void test_tx_inner_rollback_undoes_only_inner(void)
{
	struct tx_fx f;
	tx_open(&f);
	T_EQ_INT(0, store_begin(f.s));
	put(&f, "a");
	T_EQ_INT(0, store_begin(f.s));
	put(&f, "b");
	T_EQ_INT(0, store_rollback(f.s));
	T_EQ_STR("a", rows(&f));
	put(&f, "c");
	T_EQ_INT(0, store_commit(f.s));
	T_EQ_STR("a,c", rows_seen_by_others(&f));
	tx_close(&f);
}

static void test_tx_outer_rollback_undoes_committed_inner(void)
{
	struct tx_fx f;
	tx_open(&f);
	T_EQ_INT(0, store_begin(f.s));
	put(&f, "a");
	T_EQ_INT(0, store_begin(f.s));
	put(&f, "b");
	T_EQ_INT(0, store_begin(f.s));
	put(&f, "c");
	T_EQ_INT(0, store_commit(f.s));
	T_EQ_INT(0, store_commit(f.s));
	T_EQ_INT(0, store_rollback(f.s));
	T_EQ_STR("", rows(&f));
	T_EQ_STR("", rows_seen_by_others(&f));
	tx_close(&f);
}

static void test_tx_end_commits_or_rolls_back(void)
{
	struct tx_fx f;
	tx_open(&f);
	T_EQ_INT(0, store_begin(f.s));
	put(&f, "a");
	T_EQ_INT(0, store_end(f.s, 0));
	T_EQ_INT(0, store_begin(f.s));
	put(&f, "b");
	T_EQ_INT(-ENOENT, store_end(f.s, -ENOENT));
	T_EQ_STR("a", rows_seen_by_others(&f));
	tx_close(&f);
}

static void test_tx_unmatched_commit_or_rollback_is_refused(void)
{
	struct tx_fx f;
	tx_open(&f);
	T_EQ_INT(-EPROTO, store_commit(f.s));
	T_EQ_INT(-EPROTO, store_rollback(f.s));
	T_EQ_INT(0, store_depth(f.s));
	tx_close(&f);
}

/* When SQLite ends the transaction underneath (here: a raw ROLLBACK),
 * no later level may run in autocommit mode: begin and commit fail. */
static void test_tx_lost_transaction_fails_later_levels(void)
{
	struct tx_fx f;
	tx_open(&f);
	T_EQ_INT(0, store_begin(f.s));
	put(&f, "a");
	T_EQ_INT(0, sqlite3_exec(store_db(f.s), "ROLLBACK", NULL, NULL, NULL));
	T_EQ_INT(STORE_E_SQLITE, store_begin(f.s));
	T_EQ_INT(STORE_E_SQLITE, store_commit(f.s));
	T_EQ_INT(0, store_rollback(f.s));
	T_EQ_STR("", rows_seen_by_others(&f));
	tx_close(&f);
}

/* The cause of a failure survives the rollback that follows it. */
static void test_tx_rollback_keeps_the_cause(void)
{
	struct tx_fx f;
	int64_t poll = 0;
	tx_open(&f);
	T_EQ_INT(0, store_begin(f.s));
	int r = store_poll_begin(f.s, "nope", 10, 11, &poll);
	T_EQ_INT(STORE_E_SQLITE, r);
	T_EQ_INT(STORE_E_SQLITE, store_end(f.s, r));
	T_CONTAINS(store_errmsg(f.s), "FOREIGN KEY");
	tx_close(&f);
}

/* A whole level: nested levels open no savepoints.  One rolled back
 * before writing changes nothing; one rolled back after writing fails the
 * whole level at its commit, and nothing of it stays. */
static void test_tx_whole_level(void)
{
	struct tx_fx f;
	tx_open(&f);
	T_EQ_INT(0, store_begin(f.s));
	put(&f, "a");
	T_EQ_INT(0, store_begin_whole(f.s));
	put(&f, "b");
	T_EQ_INT(0, store_begin(f.s));
	T_EQ_INT(3, store_depth(f.s));
	T_EQ_INT(0, store_rollback(f.s)); /* wrote nothing */
	T_EQ_INT(0, store_begin(f.s));
	put(&f, "c");
	T_EQ_INT(0, store_commit(f.s));
	T_EQ_INT(0, store_commit(f.s));
	T_EQ_STR("a,b,c", rows(&f));
	T_EQ_INT(0, store_begin_whole(f.s));
	put(&f, "d");
	T_EQ_INT(0, store_begin(f.s));
	put(&f, "e");
	T_EQ_INT(-ENOENT, store_end(f.s, -ENOENT)); /* cannot undo "e" alone */
	put(&f, "f");
	T_EQ_INT(STORE_E_SQLITE, store_end(f.s, 0));
	T_CONTAINS(store_errmsg(f.s), "rolled back");
	T_EQ_INT(1, store_depth(f.s));
	T_EQ_STR("a,b,c", rows(&f));
	/* The next whole level starts sound. */
	T_EQ_INT(0, store_begin_whole(f.s));
	put(&f, "g");
	T_EQ_INT(0, store_end(f.s, 0));
	T_EQ_INT(0, store_commit(f.s));
	T_EQ_STR("a,b,c,g", rows_seen_by_others(&f));
	tx_close(&f);
}

static const struct audit_caller anna = {
	.uid = 1000, .gid = 1000, .pid = 4242, .user = "anna", .claim = "boss"
};

/* Entries written while a caller is set carry it; the chain covers it. */
static void test_audit_records_caller_and_chains_it(void)
{
	char *dir = tfs_mkdtemp(), *path = tdb_path(dir);
	struct store *s = NULL;
	int64_t n = 0, bad = 0;
	T_EQ_INT(0, store_open(path, &s, NULL, 0));
	T_EQ_INT(0, store_audit_append(s, "vaktd", "daemon.start", "daemon", NULL, NULL));
	store_audit_set_caller(s, &anna);
	T_EQ_INT(0, store_audit_append(s, "api:anna", "crisis.on", "account:x", NULL, NULL));
	store_audit_set_caller(s, NULL);
	T_EQ_INT(0, store_audit_append(s, "vaktd", "daemon.stop", "daemon", NULL, NULL));
	sqlite3 *db = store_db(s);
	T_EQ_INT(1000, tdb_int(db, "SELECT caller_uid FROM audit_log WHERE seq=2"));
	T_EQ_INT(4242, tdb_int(db, "SELECT caller_pid FROM audit_log WHERE seq=2"));
	T_EQ_INT(1, tdb_int(db, "SELECT caller_user='anna' AND claimed_by='boss' "
	                        "FROM audit_log WHERE seq=2"));
	T_EQ_INT(2, tdb_int(db, "SELECT count(*) FROM audit_log WHERE caller_uid IS NULL"));
	T_EQ_INT(0, store_audit_verify(s, &n, &bad));
	T_EQ_INT(3, n);
	/* Changing the recorded uid, or the claim, or removing the caller
	 * breaks the chain at that entry. */
	T_EQ_INT(0, store_exec(s, "DROP TRIGGER audit_log_no_update"));
	const char *edits[] = { "UPDATE audit_log SET caller_uid=0 WHERE seq=2",
		                "UPDATE audit_log SET claimed_by=NULL WHERE seq=2",
		                "UPDATE audit_log SET caller_uid=NULL, caller_gid=NULL, "
		                "caller_pid=NULL, caller_user=NULL, claimed_by=NULL WHERE seq=2" };
	for (size_t i = 0; i < sizeof(edits) / sizeof(edits[0]); i++) {
		T_EQ_INT(0, store_exec(s, "SAVEPOINT e"));
		T_EQ_INT(0, store_exec(s, edits[i]));
		bad = 0;
		T_EQ_INT(STORE_E_CORRUPT, store_audit_verify(s, &n, &bad));
		T_EQ_INT(2, bad);
		T_EQ_INT(0, store_exec(s, "ROLLBACK TO e"));
		T_EQ_INT(0, store_exec(s, "RELEASE e"));
	}
	T_EQ_INT(0, store_audit_verify(s, &n, &bad));
	store_close(s);
	free(path);
	tfs_rmrf(dir);
}

/* A chain written before callers were recorded (schema 2) still verifies
 * after the migration, with new entries carrying callers after it. */
static void test_audit_chain_from_before_callers_still_verifies(void)
{
	char *dir = tfs_mkdtemp(), *path = tdb_path(dir);
	sqlite3 *db = NULL;
	char err[256] = "", prev[AUDIT_HASH_HEX], hash[AUDIT_HASH_HEX], sql[512];
	T_EQ_INT(SQLITE_OK, sqlite3_open(path, &db));
	T_EQ_INT(0, store_migrate(db, 2, err, sizeof(err)));
	snprintf(prev, sizeof(prev), "%064d", 0);
	for (int seq = 1; seq <= 2; seq++) {
		audit_hash(prev, seq, 1000 + seq, "api:old", "crisis.on", "account:x", "{}", hash);
		snprintf(
		        sql, sizeof(sql),
		        "INSERT INTO audit_log(seq, at, actor, action, subject, detail, prev_hash, "
		        "hash) VALUES (%d, %d, 'api:old', 'crisis.on', 'account:x', '{}', '%s', "
		        "'%s')",
		        seq, 1000 + seq, prev, hash);
		T_EQ_INT(SQLITE_OK, sqlite3_exec(db, sql, NULL, NULL, NULL));
		snprintf(prev, sizeof(prev), "%s", hash);
	}
	sqlite3_close(db);

	struct store *s = NULL;
	int64_t n = 0, bad = 0;
	T_EQ_INT(0, store_open(path, &s, err, sizeof(err)));
	if (s) {
		store_audit_set_caller(s, &anna);
		T_EQ_INT(0,
		         store_audit_append(s, "api:anna", "crisis.off", "account:x", NULL, NULL));
		store_audit_set_caller(s, NULL);
		T_EQ_INT(0, store_audit_verify(s, &n, &bad));
		T_EQ_INT(3, n);
	}
	store_close(s);
	free(path);
	tfs_rmrf(dir);
}

int main(void)
{
	T_RUN(test_migrates_empty_database_to_latest);
	T_RUN(test_upgrades_older_schema_keeping_rows);
	T_RUN(test_refuses_newer_schema);
	T_RUN(test_audit_chain_verifies_and_is_append_only);
	T_RUN(test_audit_chain_detects_modified_row);
	T_RUN(test_audit_chain_detects_deleted_row);
	T_RUN(test_accounts_sync_records_changes);
	T_RUN(test_tx_inner_commit_is_part_of_outer);
	T_RUN(test_tx_inner_rollback_undoes_only_inner);
	T_RUN(test_tx_outer_rollback_undoes_committed_inner);
	T_RUN(test_tx_end_commits_or_rolls_back);
	T_RUN(test_tx_unmatched_commit_or_rollback_is_refused);
	T_RUN(test_tx_lost_transaction_fails_later_levels);
	T_RUN(test_tx_rollback_keeps_the_cause);
	T_RUN(test_tx_whole_level);
	T_RUN(test_audit_records_caller_and_chains_it);
	T_RUN(test_audit_chain_from_before_callers_still_verifies);
	return t_done();
}
