/* Opening the database, pragmas, transactions. */
#include "store/store.h"

#include <errno.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "store/store-internal.h"

/* Every write statement that may fail halfway copies the pages it changes
 * to SQLite's statement journal first.  SQLite keeps 64 KiB of that
 * journal in memory; once one statement of a transaction needs more, the
 * journal becomes a temporary file for the rest of the transaction, and
 * every later statement writes its pages there: with a poll's answers in
 * one transaction, 40,000 writes per 3,000 items (issue 10).  127 KiB
 * keep them in memory; not more, because SQLite writes the in-memory part
 * to the file in one piece when it spills, and its unix layer cuts writes
 * at 128 KiB (a larger piece fails with SQLITE_FULL).  This has to precede
 * the library's initialisation; later SQLite refuses it (SQLITE_MISUSE)
 * and keeps its default, which is only slower. */
static void configure_library(void)
{
	static bool done;
	if (done)
		return;
	done = true;
	(void)sqlite3_config(SQLITE_CONFIG_STMTJRNL_SPILL, 127 << 10);
}

int store_open(const char *path, struct store **ret, char *errbuf, size_t errlen)
{
	struct store *s = calloc(1, sizeof(*s));
	char dummy[256];
	int r;

	if (!errbuf) {
		errbuf = dummy;
		errlen = sizeof(dummy);
	}
	if (!s)
		return -ENOMEM;
	configure_library();
	s->path = strdup(path);
	if (!s->path) {
		free(s);
		return -ENOMEM;
	}
	r = sqlite3_open_v2(path, &s->db,
	                    SQLITE_OPEN_READWRITE | SQLITE_OPEN_CREATE | SQLITE_OPEN_NOMUTEX |
	                            SQLITE_OPEN_EXRESCODE,
	                    NULL);
	if (r != SQLITE_OK) {
		snprintf(errbuf, errlen, "cannot open %s: %s", path,
		         s->db ? sqlite3_errmsg(s->db) : sqlite3_errstr(r));
		store_close(s);
		return STORE_E_SQLITE;
	}
	/* The daemon has one thread: never wait long for another process
	 * (a backup, the sqlite3 shell); the next tick or poll retries. */
	sqlite3_busy_timeout(s->db, 1000);
	sqlite3_extended_result_codes(s->db, 1);

	/* WAL: readers never block the writer; synchronous=FULL: a committed
	 * row survives power loss too, not only a crash of vaktd.  The volume
	 * (a few thousand writes an hour) makes the fsync cheap. */
	static const char pragmas[] = "PRAGMA journal_mode=WAL;"
	                              "PRAGMA synchronous=FULL;"
	                              /* 16 MiB of pages, not 2: a slice of the
	                               * deadline catch-up touches a few thousand
	                               * index pages, which otherwise spill to
	                               * the WAL before the commit and are read
	                               * again by the next slice. */
	                              "PRAGMA cache_size=-16384;"
	                              "PRAGMA foreign_keys=ON;"
	                              "PRAGMA trusted_schema=OFF;";
	char *err = NULL;
	if (sqlite3_exec(s->db, pragmas, NULL, NULL, &err) != SQLITE_OK) {
		snprintf(errbuf, errlen, "cannot set up %s: %s", path, err ? err : "?");
		sqlite3_free(err);
		store_close(s);
		return STORE_E_SQLITE;
	}
	r = store_migrate(s->db, store_schema_latest(), errbuf, errlen);
	if (r) {
		store_close(s);
		return r;
	}
	*ret = s;
	return 0;
}

int store_open_reader(const char *path, struct store **ret, char *errbuf, size_t errlen)
{
	struct store *s = NULL;
	char dummy[256];
	int version = 0, r;

	if (!errbuf) {
		errbuf = dummy;
		errlen = sizeof(dummy);
	}
	/* A library built single-threaded (SQLITE_THREADSAFE=0) has no
	 * mutexes at all, not even for its global state: no second thread
	 * may use it, whatever the connection. */
	if (sqlite3_threadsafe() == 0) {
		snprintf(errbuf, errlen, "SQLite is built without thread support");
		return -EOPNOTSUPP;
	}
	s = calloc(1, sizeof(*s));
	if (!s)
		return -ENOMEM;
	s->readonly = true;
	s->path = strdup(path);
	if (!s->path) {
		free(s);
		return -ENOMEM;
	}
	/* NOMUTEX (multi-thread mode): the connection has one user, the
	 * thread that opened it, so it needs no mutex of its own; SQLite's
	 * global state keeps its mutexes (threadsafe is 1 or 2). */
	r = sqlite3_open_v2(path, &s->db,
	                    SQLITE_OPEN_READONLY | SQLITE_OPEN_NOMUTEX | SQLITE_OPEN_EXRESCODE,
	                    NULL);
	if (r != SQLITE_OK) {
		snprintf(errbuf, errlen, "cannot open %s: %s", path,
		         s->db ? sqlite3_errmsg(s->db) : sqlite3_errstr(r));
		store_close(s);
		return STORE_E_SQLITE;
	}
	sqlite3_busy_timeout(s->db, 1000);
	sqlite3_extended_result_codes(s->db, 1);
	r = store_schema_version(s, &version);
	if (r == 0 && version != store_schema_latest()) {
		snprintf(errbuf, errlen, "%s is at schema %d, not %d", path, version,
		         store_schema_latest());
		r = version > store_schema_latest() ? STORE_E_TOO_NEW : -ESTALE;
	} else if (r) {
		snprintf(errbuf, errlen, "cannot read %s: %s", path, sqlite3_errmsg(s->db));
	}
	if (r) {
		store_close(s);
		return r;
	}
	*ret = s;
	return 0;
}

void store_close(struct store *s)
{
	if (!s)
		return;
	store_checkpointer_stop(s);
	for (size_t i = 0; i < s->n_cache; i++)
		sqlite3_finalize(s->cache[i].st);
	s->n_cache = 0;
	if (s->db && !s->readonly) {
		/* Keep the planner's statistics current (cheap: it analyses only
		 * tables that changed enough), then fold the WAL back so a
		 * copied database file is complete. */
		sqlite3_exec(s->db, "PRAGMA optimize", NULL, NULL, NULL);
		sqlite3_wal_checkpoint_v2(s->db, NULL, SQLITE_CHECKPOINT_TRUNCATE, NULL, NULL);
	}
	if (s->db)
		sqlite3_close_v2(s->db);
	free(s->path);
	free(s);
}

sqlite3 *store_db(struct store *s)
{
	return s->db;
}

const char *store_path(const struct store *s)
{
	return s->path;
}

const char *store_errmsg(struct store *s)
{
	if (sqlite3_errcode(s->db) == SQLITE_OK && s->rollback_cause[0])
		return s->rollback_cause;
	return sqlite3_errmsg(s->db);
}

const char *store_strerror(struct store *s, int r)
{
	return r == STORE_E_SQLITE ? store_errmsg(s) : vakt_strerror(r);
}

sqlite3_stmt *store_prepare(struct store *s, const char *sql)
{
	sqlite3_stmt *st = NULL;
	if (sqlite3_prepare_v2(s->db, sql, -1, &st, NULL) != SQLITE_OK)
		return NULL;
	return st;
}

sqlite3_stmt *store_prepare_cached(struct store *s, const char *sql)
{
	for (size_t i = 0; i < s->n_cache; i++) {
		struct store_cached_stmt *c = &s->cache[i];
		if (c->sql != sql)
			continue;
		if (c->lent)
			return store_prepare(s, sql);
		c->lent = true;
		return c->st;
	}
	sqlite3_stmt *st = store_prepare(s, sql);
	if (st && s->n_cache < STORE_STMT_CACHE_MAX)
		s->cache[s->n_cache++] =
		        (struct store_cached_stmt){ .sql = sql, .st = st, .lent = true };
	return st;
}

void store_stmt_done(struct store *s, sqlite3_stmt *st)
{
	if (!st)
		return;
	for (size_t i = 0; i < s->n_cache; i++) {
		if (s->cache[i].st == st) {
			sqlite3_reset(st);
			sqlite3_clear_bindings(st);
			s->cache[i].lent = false;
			return;
		}
	}
	sqlite3_finalize(st);
}

int store_exec(struct store *s, const char *sql)
{
	return sqlite3_exec(s->db, sql, NULL, NULL, NULL) == SQLITE_OK ? 0 : STORE_E_SQLITE;
}

/* Transactions nest (the rule is in store.h): depth 1 is BEGIN
 * IMMEDIATE, depth N > 1 the savepoint spN-1. */
static bool in_transaction(struct store *s)
{
	return !sqlite3_get_autocommit(s->db);
}

/* A level nested in a store_begin_whole() level: no savepoint of its own. */
static bool level_is_flat(const struct store *s, int level)
{
	return s->whole_depth > 0 && level > s->whole_depth &&
	       level - s->whole_depth <= STORE_FLAT_MAX;
}

int store_begin(struct store *s)
{
	char sql[32];
	/* A level inside a transaction SQLite has already ended would run
	 * its writes in autocommit mode, each one durable on its own. */
	if (s->depth > 0 && !in_transaction(s))
		return STORE_E_SQLITE;
	if (level_is_flat(s, s->depth + 1)) {
		s->flat_changes[s->depth - s->whole_depth] = sqlite3_total_changes64(s->db);
		s->depth++;
		return 0;
	}
	if (s->depth == 0) {
		s->rollback_cause[0] = '\0';
		snprintf(sql, sizeof(sql), "BEGIN IMMEDIATE");
	} else
		snprintf(sql, sizeof(sql), "SAVEPOINT sp%d", s->depth);
	int r = store_exec(s, sql);
	if (r == 0)
		s->depth++;
	return r;
}

int store_begin_whole(struct store *s)
{
	/* Inside one already: an ordinary level nested in it. */
	if (s->whole_depth > 0)
		return store_begin(s);
	int r = store_begin(s);
	if (r == 0) {
		s->whole_depth = s->depth;
		s->whole_broken = false;
	}
	return r;
}

int store_commit(struct store *s)
{
	char sql[32];
	if (s->depth <= 0)
		return -EPROTO;
	if (!in_transaction(s))
		return STORE_E_SQLITE;
	if (level_is_flat(s, s->depth)) {
		s->depth--;
		return 0;
	}
	if (s->depth == s->whole_depth && s->whole_broken) {
		snprintf(s->rollback_cause, sizeof(s->rollback_cause),
		         "a step failed after writing; all of it is rolled back");
		return STORE_E_SQLITE;
	}
	if (s->depth == 1)
		snprintf(sql, sizeof(sql), "COMMIT");
	else
		snprintf(sql, sizeof(sql), "RELEASE sp%d", s->depth - 1);
	int r = store_exec(s, sql);
	if (r == 0) {
		if (s->depth == s->whole_depth)
			s->whole_depth = 0;
		s->depth--;
	}
	return r; /* on failure the caller rolls back this level */
}

int store_rollback(struct store *s)
{
	char sql[64];
	int r = 0;

	if (s->depth <= 0)
		return -EPROTO;
	if (level_is_flat(s, s->depth)) {
		/* Writes since its begin stay: the whole level must go. */
		if (sqlite3_total_changes64(s->db) !=
		    s->flat_changes[s->depth - s->whole_depth - 1])
			s->whole_broken = true;
		s->depth--;
		return 0;
	}
	if (s->depth == s->whole_depth)
		s->whole_depth = 0;
	s->depth--;
	if (sqlite3_errcode(s->db) != SQLITE_OK)
		snprintf(s->rollback_cause, sizeof(s->rollback_cause), "%s", sqlite3_errmsg(s->db));
	if (!in_transaction(s))
		return 0; /* SQLite has rolled everything back already */
	if (s->depth == 0) {
		r = store_exec(s, "ROLLBACK");
	} else {
		snprintf(sql, sizeof(sql), "ROLLBACK TO sp%d; RELEASE sp%d", s->depth, s->depth);
		r = store_exec(s, sql);
	}
	return r;
}

int store_end(struct store *s, int r)
{
	if (r == 0 && (r = store_commit(s)) == 0)
		return 0;
	store_rollback(s);
	return r;
}

bool store_transaction_lost(struct store *s)
{
	return s->depth > 0 && !in_transaction(s);
}

int store_depth(const struct store *s)
{
	return s->depth;
}
