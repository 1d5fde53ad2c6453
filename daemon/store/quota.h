/* YouTube's daily quota units, counted per Google Cloud project and
 * Pacific day (calendar/pacific.h), so that a restart does not forget what
 * the day has used (migration 12, table quota_days).  The project is the
 * configuration's name for it (config_account.quota_project). */
#pragma once

#include <stdint.h>

#include "store/store.h"

/* How the fetch driver's stop of a deferred account begins (its
 * fetch_stopped_why()), so that the API can tell it from the platform's. */
#define STORE_QUOTA_DEFERRED "YouTube quota budget"

/* Add units to project's count for Pacific day `day` (its day number) and
 * drop the project's rows older than a week.  In the caller's transaction
 * when one is open. */
int store_quota_add(struct store *s, const char *project, int64_t day, int64_t units);

/* The units counted for project on day; 0 when none. */
int store_quota_get(struct store *s, const char *project, int64_t day, int64_t *ret);
