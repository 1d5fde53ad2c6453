/* Small SQLite helpers for unit tests that look inside a store. */
#pragma once

#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>

#include <sqlite3.h>

/* DIR/vakt.db; the caller frees the string. */
static inline char *tdb_path(const char *dir)
{
	char *p = NULL;
	if (asprintf(&p, "%s/vakt.db", dir) < 0)
		abort();
	return p;
}

/* The first column of the first row of sql, or -1 when there is none or
 * the statement fails. */
static inline int64_t tdb_int(sqlite3 *db, const char *sql)
{
	sqlite3_stmt *st = NULL;
	int64_t v = -1;
	if (sqlite3_prepare_v2(db, sql, -1, &st, NULL) == SQLITE_OK &&
	    sqlite3_step(st) == SQLITE_ROW)
		v = sqlite3_column_int64(st, 0);
	sqlite3_finalize(st);
	return v;
}
