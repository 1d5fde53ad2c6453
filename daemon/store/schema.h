/* The ordered schema migrations of the store. */
#pragma once

#include <stddef.h>

struct schema_migration {
	int version; /* the user_version after applying it */
	const char *summary;
	const char *sql;
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
