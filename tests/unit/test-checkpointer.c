/* WAL checkpoints on their own thread (store/checkpointer.h): the loop's
 * commits wake it past the threshold, it folds the WAL back, and what was
 * written survives a close and a reopen. */
#include <stdio.h>
#include <stdlib.h>
#include <sys/stat.h>
#include <time.h>

#include "t.h"
#include "tfs.h"

#include "store/checkpointer.h"
#include "store/store-db.h"
#include "store/store.h"

static long long wal_size(const char *dir)
{
	char path[512];
	struct stat st;
	snprintf(path, sizeof(path), "%s/vakt.db-wal", dir);
	return stat(path, &st) == 0 ? (long long)st.st_size : -1;
}

/* Rows of 2 KB each, a commit each: the WAL passes the threshold. */
static void write_rows(struct store *s, int from, int n)
{
	for (int i = from; i < from + n; i++) {
		char sql[256];
		snprintf(sql, sizeof(sql),
		         "INSERT INTO filler(id, body) VALUES (%d, zeroblob(2048))", i);
		T_EQ_INT(SQLITE_OK, sqlite3_exec(store_db(s), sql, NULL, NULL, NULL));
	}
}

static void test_commits_wake_the_thread(void)
{
	char *dir = tfs_mkdtemp(), path[512], err[256] = "";
	struct store *s = NULL;
	struct store_checkpoint_stats cs;

	snprintf(path, sizeof(path), "%s/vakt.db", dir);
	T_EQ_INT(0, store_open(path, &s, NULL, 0));
	T_EQ_INT(0, store_checkpoint_in_background(s, err, sizeof(err)));
	T_ASSERT(store_checkpoint_in_background(s, err, sizeof(err)) != 0); /* one is enough */
	T_EQ_INT(SQLITE_OK,
	         sqlite3_exec(store_db(s), "CREATE TABLE filler(id INTEGER PRIMARY KEY, body BLOB)",
	                      NULL, NULL, NULL));
	/* Below the threshold nothing wakes it. */
	write_rows(s, 0, 10);
	store_checkpoint_stats(s, &cs);
	T_EQ_INT(0, (int)cs.runs);
	T_ASSERT(!cs.pending);
	/* Past it (a page per row at least) the thread runs until it has
	 * copied the whole WAL back: waited for as a condition, with a
	 * generous bound for a slow machine. */
	write_rows(s, 10, STORE_CHECKPOINT_PAGES + 100);
	for (int i = 0; i < 6000; i++) {
		store_checkpoint_stats(s, &cs);
		if (cs.runs && !cs.pending && cs.last_rc == SQLITE_OK &&
		    cs.last_copied == cs.last_wal_pages)
			break;
		nanosleep(&(struct timespec){ .tv_nsec = 10 * 1000 * 1000 }, NULL);
	}
	T_ASSERT(cs.runs >= 1);
	T_EQ_INT(SQLITE_OK, cs.last_rc);
	T_ASSERT(cs.last_wal_pages >= STORE_CHECKPOINT_PAGES);
	T_EQ_INT(cs.last_wal_pages, cs.last_copied);
	write_rows(s, 5000, 50);
	store_close(s);
	/* Closed: the thread joined, the WAL truncated, every row there. */
	T_ASSERT(wal_size(dir) <= 0);
	s = NULL;
	T_EQ_INT(0, store_open(path, &s, NULL, 0));
	sqlite3_stmt *st = NULL;
	T_EQ_INT(SQLITE_OK,
	         sqlite3_prepare_v2(store_db(s), "SELECT count(*) FROM filler", -1, &st, NULL));
	T_EQ_INT(SQLITE_ROW, sqlite3_step(st));
	T_EQ_INT(10 + STORE_CHECKPOINT_PAGES + 100 + 50, sqlite3_column_int(st, 0));
	sqlite3_finalize(st);
	store_close(s);
	tfs_rmrf(dir);
}

/* A store that never started the thread closes as before. */
static void test_without_the_thread(void)
{
	char *dir = tfs_mkdtemp(), path[512];
	struct store *s = NULL;
	struct store_checkpoint_stats cs;
	snprintf(path, sizeof(path), "%s/vakt.db", dir);
	T_EQ_INT(0, store_open(path, &s, NULL, 0));
	store_checkpoint_stats(s, &cs);
	T_EQ_INT(0, (int)cs.runs);
	store_close(s);
	tfs_rmrf(dir);
}

int main(void)
{
	T_RUN(test_commits_wake_the_thread);
	T_RUN(test_without_the_thread);
	return t_done();
}
