/* The store's private state; only daemon/store/ includes this. */
#pragma once

#include "store/store-db.h"

struct store {
	sqlite3 *db;
	char *path;
	int depth; /* store_begin() nesting: 1 = BEGIN, more = SAVEPOINTs */
};

/* Prepare, or return NULL with the error kept in the connection. */
sqlite3_stmt *store_prepare(struct store *s, const char *sql);
