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

/* The prev_hash of the first audit entry (64 zeros). */
extern const char audit_genesis[];
