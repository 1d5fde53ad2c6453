/* The store's private state; only daemon/store/ includes this. */
#pragma once

#include <stdbool.h>

#include "store/store-db.h"

struct store {
	sqlite3 *db;
	char *path;
	int depth;     /* store_begin() nesting: 1 = BEGIN, more = SAVEPOINTs */
	bool readonly; /* store_open_reader(): no migration, no checkpoint at close */
	/* SQLite's message when a level was rolled back: the ROLLBACK
	 * itself would otherwise replace the cause with "not an error". */
	char rollback_cause[256];
	const struct audit_caller *caller; /* borrowed; see store_audit_set_caller() */
};

/* Prepare, or return NULL with the error kept in the connection. */
sqlite3_stmt *store_prepare(struct store *s, const char *sql);

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
