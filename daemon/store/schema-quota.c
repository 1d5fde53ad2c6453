/* Migration 12: YouTube's daily quota units per project and Pacific day
 * (issue 10), so that vaktd plans its polls within the day's budget across
 * restarts (store/quota.h). */
#include "store/schema.h"

const char schema_migration_quota[] =
        "CREATE TABLE quota_days ("
        "  project TEXT NOT NULL," /* config_account.quota_project */
        "  day INTEGER NOT NULL,"  /* Pacific day number (days since 1970-01-01) */
        "  units INTEGER NOT NULL,"
        "  PRIMARY KEY (project, day)"
        ") WITHOUT ROWID;";
