/* Opening the database, pragmas, transactions. */
#include "store/store.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "store/store-internal.h"

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
	sqlite3_busy_timeout(s->db, 5000);
	sqlite3_extended_result_codes(s->db, 1);

	/* WAL: readers never block the writer; synchronous=FULL: a committed
	 * row survives power loss too, not only a crash of vaktd.  The volume
	 * (a few thousand writes an hour) makes the fsync cheap. */
	static const char pragmas[] = "PRAGMA journal_mode=WAL;"
	                              "PRAGMA synchronous=FULL;"
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

void store_close(struct store *s)
{
	if (!s)
		return;
	if (s->db) {
		/* Fold the WAL back so a copied database file is complete. */
		sqlite3_wal_checkpoint_v2(s->db, NULL, SQLITE_CHECKPOINT_TRUNCATE, NULL, NULL);
		sqlite3_close_v2(s->db);
	}
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
	return sqlite3_errmsg(s->db);
}

sqlite3_stmt *store_prepare(struct store *s, const char *sql)
{
	sqlite3_stmt *st = NULL;
	if (sqlite3_prepare_v2(s->db, sql, -1, &st, NULL) != SQLITE_OK)
		return NULL;
	return st;
}

int store_exec(struct store *s, const char *sql)
{
	return sqlite3_exec(s->db, sql, NULL, NULL, NULL) == SQLITE_OK ? 0 : STORE_E_SQLITE;
}

int store_begin(struct store *s)
{
	return store_exec(s, "BEGIN IMMEDIATE");
}

int store_commit(struct store *s)
{
	return store_exec(s, "COMMIT");
}

void store_rollback(struct store *s)
{
	if (!sqlite3_get_autocommit(s->db))
		sqlite3_exec(s->db, "ROLLBACK", NULL, NULL, NULL);
}
