/* The raw SQLite connection, for daemon/store/ and for tests that inspect
 * or prepare a database.  Nothing else outside daemon/store/ includes
 * this (tests/unit/test-layers.sh checks): the rest of vakt reaches the
 * database through the store's functions. */
#pragma once

#include <sqlite3.h>

#include "store/store.h"

sqlite3 *store_db(struct store *s);

/* Migrations, exposed for tests: bring a raw connection from its version to
 * `target`.  Refuses a database newer than store_schema_latest(). */
int store_migrate(sqlite3 *db, int target, char *errbuf, size_t errlen);
