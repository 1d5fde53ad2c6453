/* Migration 15: lists of constants in CHECK constraints and triggers become
 * OR chains; the constraints refuse and accept what they did, stores made
 * before keep their rows, and no insert on the poll path builds a
 * temporary index any more. */
#include "t.h"
#include "tdb.h"
#include "tfs.h"

#include "store/schema.h"
#include "store/store-db.h"
#include "store/store.h"

static void expect_rewrite(const char *in, const char *want, bool want_changed)
{
	bool changed = !want_changed;
	char *got = schema_in_lists_to_or(in, &changed);
	T_ASSERT(got != NULL);
	if (got)
		T_EQ_STR(want, got);
	T_EQ_INT(want_changed, changed);
	free(got);
}

static void test_rewrites_lists_of_three_or_more_constants(void)
{
	expect_rewrite("kind TEXT CHECK (kind IN ('a','b','c'))",
	               "kind TEXT CHECK ((kind = 'a' OR kind = 'b' OR kind = 'c'))", true);
	expect_rewrite("WHEN NEW.state in ( 'x' ,\n 'y', 'z' ) BEGIN",
	               "WHEN (NEW.state = 'x' OR NEW.state = 'y' OR NEW.state = 'z') BEGIN", true);
	/* A constant holding a quote, and one that looks like a list. */
	expect_rewrite(
	        "CHECK (k IN ('it''s','a','b')) DEFAULT ' k IN (''a'',''b'',''c'')'",
	        "CHECK ((k = 'it''s' OR k = 'a' OR k = 'b')) DEFAULT ' k IN (''a'',''b'',''c'')'",
	        true);
}

static void test_leaves_everything_else_alone(void)
{
	const char *same[] = {
		"CHECK (tier IN ('obvious','possible') OR tier IS NULL)", /* two: compared already
		                                                           */
		"WHERE state NOT IN ('a','b','c')", /* NOT IN is not rewritten */
		"WHERE id IN (1, 2, 3)",            /* numbers */
		"WHERE id IN (SELECT id FROM t)",
		"WHERE kind IN ('a', 'b', x)",
		"WHERE kind IN ('a','b','c'", /* unclosed */
		"CREATE TABLE win (within TEXT)",
		"x IN ('unclosed",
		"",
	};
	for (size_t i = 0; i < sizeof(same) / sizeof(same[0]); i++)
		expect_rewrite(same[i], same[i], false);
}

/* Whether the program of sql opens a temporary table (EXPLAIN does not show
 * the programs of the triggers it fires: the counters below test those). */
static bool opens_ephemeral(sqlite3 *db, const char *sql)
{
	char *explain = sqlite3_mprintf("EXPLAIN %s", sql);
	sqlite3_stmt *st = NULL;
	bool found = false;
	T_EQ_INT(SQLITE_OK, sqlite3_prepare_v2(db, explain, -1, &st, NULL));
	while (st && sqlite3_step(st) == SQLITE_ROW)
		if (strcmp((const char *)sqlite3_column_text(st, 1), "OpenEphemeral") == 0)
			found = true;
	sqlite3_finalize(st);
	sqlite3_free(explain);
	return found;
}

/* Tables and triggers whose text still holds a list the migration rewrites. */
static int lists_left(sqlite3 *db)
{
	sqlite3_stmt *st = NULL;
	int n = 0;
	T_EQ_INT(SQLITE_OK,
	         sqlite3_prepare_v2(db, "SELECT sql FROM sqlite_schema WHERE sql IS NOT NULL", -1,
	                            &st, NULL));
	while (st && sqlite3_step(st) == SQLITE_ROW) {
		bool changed = false;
		free(schema_in_lists_to_or((const char *)sqlite3_column_text(st, 0), &changed));
		n += changed;
	}
	sqlite3_finalize(st);
	return n;
}

#define ACCOUNT                                                                                    \
	"INSERT INTO accounts(id, platform, unit, external_id, created_at, updated_at) "           \
	"VALUES ('old', 'facebook', 'kultur', '1', 1, 1)"
#define ITEM(ID, KIND)                                                                             \
	"INSERT INTO items(id, account_id, platform_id, kind, published_at, first_seen_at, "       \
	"last_seen_at) VALUES (" #ID ", 'old', 'p" #ID "', '" KIND "', 1, 1, 1)"
#define CLOCK(ITEM, KIND)                                                                          \
	"INSERT INTO deadlines(item_id, kind, duration, started_at, created_at, due_at) "          \
	"VALUES (" #ITEM ", '" KIND "', '1 business day', 1, 1, 100)"

static void test_store_from_before_keeps_rows_and_constraints(void)
{
	char *dir = tfs_mkdtemp(), *path = tdb_path(dir);
	sqlite3 *db = NULL;
	char err[256] = "";
	T_EQ_INT(SQLITE_OK, sqlite3_open(path, &db));
	T_EQ_INT(0, store_migrate(db, 14, err, sizeof(err)));
	T_EQ_INT(SQLITE_OK, sqlite3_exec(db, ACCOUNT ";" ITEM(1, "post") ";" CLOCK(1, "respond"),
	                                 NULL, NULL, NULL));
	T_ASSERT(opens_ephemeral(db, ITEM(2, "comment"))); /* what the migration is for */
	T_ASSERT(lists_left(db) >= 10);
	sqlite3_close(db);

	struct store *s = NULL;
	T_EQ_INT(0, store_open(path, &s, err, sizeof(err)));
	T_ASSERT(s != NULL);
	if (!s)
		goto out;
	db = store_db(s);
	T_EQ_INT(15, tdb_int(db, "PRAGMA user_version"));
	T_EQ_INT(1, tdb_int(db, "SELECT count(*) FROM items WHERE platform_id = 'p1'"));
	T_EQ_INT(1, tdb_int(db, "SELECT n FROM counters WHERE name = 'pending_respond'"));
	T_EQ_INT(0, tdb_int(db, "SELECT count(*) FROM pragma_integrity_check WHERE "
	                        "integrity_check <> 'ok'"));
	T_EQ_INT(0, lists_left(db));

	T_ASSERT(!opens_ephemeral(db, ITEM(2, "comment")));
	T_ASSERT(!opens_ephemeral(db, CLOCK(2, "respond")));

	/* The same values are refused and accepted as before. */
	T_EQ_INT(SQLITE_CONSTRAINT_CHECK, sqlite3_exec(db, ITEM(3, "tweet"), NULL, NULL, NULL));
	T_EQ_INT(SQLITE_CONSTRAINT_CHECK,
	         sqlite3_exec(db, "UPDATE items SET state = 'closed' WHERE id = 1", NULL, NULL,
	                      NULL));
	T_EQ_INT(SQLITE_CONSTRAINT_CHECK, sqlite3_exec(db, CLOCK(1, "reply"), NULL, NULL, NULL));
	T_EQ_INT(SQLITE_OK, sqlite3_exec(db, ITEM(2, "reply") ";" CLOCK(2, "fl12_decision"), NULL,
	                                 NULL, NULL));
	/* And the rewritten trigger still counts. */
	T_EQ_INT(2, tdb_int(db, "SELECT n FROM counters WHERE name = 'pending_respond'"));
	T_EQ_INT(SQLITE_OK,
	         sqlite3_exec(db, "UPDATE deadlines SET stopped_at = 5 WHERE item_id = 2", NULL,
	                      NULL, NULL));
	T_EQ_INT(1, tdb_int(db, "SELECT n FROM counters WHERE name = 'pending_respond'"));
	store_close(s);

	/* Opening again migrates nothing and reads the new text. */
	s = NULL;
	T_EQ_INT(0, store_open(path, &s, err, sizeof(err)));
	if (s)
		T_EQ_INT(2, tdb_int(store_db(s), "SELECT count(*) FROM items"));
	store_close(s);
out:
	free(path);
	tfs_rmrf(dir);
}

int main(void)
{
	T_RUN(test_rewrites_lists_of_three_or_more_constants);
	T_RUN(test_leaves_everything_else_alone);
	T_RUN(test_store_from_before_keeps_rows_and_constraints);
	return t_done();
}
