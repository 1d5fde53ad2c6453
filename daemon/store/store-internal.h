/* The store's private state; only daemon/store/ includes this. */
#pragma once

#include <stdbool.h>

#include "store/store-db.h"

#define STORE_STMT_CACHE_MAX 64
/* Levels nested in a store_begin_whole() level without savepoints; deeper
 * ones are savepoints again. */
#define STORE_FLAT_MAX 32

struct store {
	sqlite3 *db;
	char *path;
	int depth; /* store_begin() nesting: 1 = BEGIN, more = SAVEPOINTs */
	/* store_begin_whole(): its level (0: none open), whether a level
	 * nested in it was rolled back after writing, and for each nested
	 * level (no savepoint) the connection's change count at its begin. */
	int whole_depth;
	bool whole_broken;
	int64_t flat_changes[STORE_FLAT_MAX];
	bool readonly; /* store_open_reader(): no migration, no checkpoint at close */
	/* SQLite's message when a level was rolled back: the ROLLBACK
	 * itself would otherwise replace the cause with "not an error". */
	char rollback_cause[256];
	const struct audit_caller *caller; /* borrowed; see store_audit_set_caller() */
	/* Statements of the hot paths, kept prepared (store_prepare_cached()):
	 * preparing an UPDATE of a table with triggers costs more than running
	 * it (the deadline catch-up of issue 9 spent 40 % of its CPU there). */
	struct store_cached_stmt {
		const char *sql; /* the literal's address is the key */
		sqlite3_stmt *st;
		bool lent; /* handed out and not given back yet */
	} cache[STORE_STMT_CACHE_MAX];
	size_t n_cache;
	/* WAL checkpoints off the loop (checkpointer.h); NULL: SQLite's own. */
	struct store_checkpointer *checkpointer;
};

/* Stop the checkpoint thread, if any, and give the checkpoints back to
 * SQLite (checkpointer.c; store_close() calls it first). */
void store_checkpointer_stop(struct store *s);

/* Prepare, or return NULL with the error kept in the connection. */
sqlite3_stmt *store_prepare(struct store *s, const char *sql);

/* As store_prepare(), but the statement stays prepared for the next call
 * with the same `sql`, which must be a string literal (its address is the
 * key).  Give it back with store_stmt_done(), never sqlite3_finalize().
 * While a caller holds the cached one (a nested use), or when the cache is
 * full, this is a fresh statement that store_stmt_done() finalizes. */
sqlite3_stmt *store_prepare_cached(struct store *s, const char *sql);

/* Give back a statement of store_prepare_cached() (reset, its bindings
 * cleared) or finalize any other one; NULL does nothing. */
void store_stmt_done(struct store *s, sqlite3_stmt *st);

/* poll-days.c: add to an account's count of polls and of good polls on
 * the local day of started_usec (nothing while its days are not counted). */
int store_poll_days_add(struct store *s, const char *account, int64_t started_usec, int64_t polls,
                        int64_t ok);

/* Count an account's polls per local day in `zone` from its polls when they
 * are not counted in that zone yet (the first sync after migration 10, or
 * a calendar that changed zone). */
int store_poll_days_sync(struct store *s, const char *account, const char *zone);

/* The prev_hash of the first audit entry (64 zeros). */
extern const char audit_genesis[];
