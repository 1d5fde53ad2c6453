/* The ordered schema migrations of the store. */
#pragma once

#include <stdbool.h>
#include <stddef.h>

#include <sqlite3.h>

struct schema_migration {
	int version; /* the user_version after applying it */
	const char *summary;
	const char *sql; /* NULL: run instead */
	/* A step SQL alone cannot say, in the migration's transaction:
	 * SQLITE_OK, or an SQLite code with *err (sqlite3_malloc'ed). */
	int (*run)(sqlite3 *db, char **err);
};

extern const struct schema_migration schema_migrations[];
extern const size_t schema_migrations_count;

/* Migration 6, in schema-outbox.c. */
extern const char schema_migration_outbox[];

/* Migration 10, in schema-poll-days.c. */
extern const char schema_migration_poll_days[];

/* Migration 11, in schema-outbox.c. */
extern const char schema_migration_own_actions[];

/* Migration 12, in schema-quota.c. */
extern const char schema_migration_quota[];

/* Migration 13, in schema-action-counters.c. */
extern const char schema_migration_action_counters[];

/* Migration 14, in schema-deadline-scan.c. */
extern const char schema_migration_deadline_scan[];

/* Migration 15, in schema-check-or.c. */
int schema_migration_check_or(sqlite3 *db, char **err);

/* sql with every `x IN ('a','b','c'…)` (three or more string constants)
 * written `(x = 'a' OR x = 'b' OR …)`; *changed says whether one was.
 * malloc'ed; NULL when out of memory. */
char *schema_in_lists_to_or(const char *sql, bool *changed);
