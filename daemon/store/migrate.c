/* Schema migrations: PRAGMA user_version is the database's version. */
#include <stdio.h>
#include <stdlib.h>

#include "store/schema.h"
#include "store/store-internal.h"

int store_schema_latest(void)
{
	return schema_migrations[schema_migrations_count - 1].version;
}

static int user_version(sqlite3 *db, int *ret)
{
	sqlite3_stmt *st = NULL;
	int r = STORE_E_SQLITE;
	if (sqlite3_prepare_v2(db, "PRAGMA user_version", -1, &st, NULL) != SQLITE_OK)
		return STORE_E_SQLITE;
	if (sqlite3_step(st) == SQLITE_ROW) {
		*ret = sqlite3_column_int(st, 0);
		r = 0;
	}
	sqlite3_finalize(st);
	return r;
}

int store_schema_version(struct store *s, int *ret)
{
	return user_version(s->db, ret);
}

int store_migrate(sqlite3 *db, int target, char *errbuf, size_t errlen)
{
	int version;
	char *err = NULL;
	char sql[64];

	if (user_version(db, &version)) {
		snprintf(errbuf, errlen, "cannot read schema version: %s", sqlite3_errmsg(db));
		return STORE_E_SQLITE;
	}
	if (version > store_schema_latest()) {
		snprintf(errbuf, errlen,
		         "database schema version %d is newer than this vaktd understands (%d); "
		         "refusing to touch it — run the newer vaktd or restore a backup",
		         version, store_schema_latest());
		return STORE_E_TOO_NEW;
	}
	for (size_t i = 0; i < schema_migrations_count; i++) {
		const struct schema_migration *m = &schema_migrations[i];
		if (m->version <= version || m->version > target)
			continue;
		/* One transaction per step: a crash mid-migration leaves the
		 * previous version intact. */
		snprintf(sql, sizeof(sql), "PRAGMA user_version=%d", m->version);
		if (sqlite3_exec(db, "BEGIN IMMEDIATE", NULL, NULL, &err) != SQLITE_OK ||
		    (m->sql ? sqlite3_exec(db, m->sql, NULL, NULL, &err) : m->run(db, &err)) !=
		            SQLITE_OK ||
		    sqlite3_exec(db, sql, NULL, NULL, &err) != SQLITE_OK ||
		    sqlite3_exec(db, "COMMIT", NULL, NULL, &err) != SQLITE_OK) {
			snprintf(errbuf, errlen, "migration to schema %d (%s) failed: %s",
			         m->version, m->summary, err ? err : sqlite3_errmsg(db));
			sqlite3_free(err);
			if (!sqlite3_get_autocommit(db))
				sqlite3_exec(db, "ROLLBACK", NULL, NULL, NULL);
			return STORE_E_SQLITE;
		}
		version = m->version;
	}
	return 0;
}
