/* Shared by the files of daemon/deadline/: a clock's audit entry, its
 * duration and a fresh clock.  The rows themselves
 * are read and written through store/deadlines.h. */
#pragma once

#include "deadline/deadline.h"

/* The text of the FL 12 milestone's duration (months are not a
 * cal_duration unit). */
#define DEADLINE_MONTHS_FMT "%d months"

/* Append the audit entry `action` for d at `now`; reason may be NULL. */
int deadline_audit(struct store *s, const char *actor, const char *action, const struct deadline *d,
                   int64_t now, const char *reason);

/* Whether the item exists: 0, -ENOENT or STORE_E_SQLITE. */
int deadline_item_exists(struct store *s, int64_t item_id);

/* The duration of a clock from its stored text.  *ret_months is set to
 * the month count for a milestone (and *ret unchanged), 0 otherwise.
 * 0 or -EBADMSG. */
int deadline_row_duration(const struct deadline *d, struct cal_duration *ret, int *ret_months);

/* A fresh running clock of `kind` for the item, started at `start` and
 * due at `due`, with warn_at at p->warn_pct of the way (none when 0). */
int deadline_fill_new(const struct cal *cal, const struct cal_duration *dur, int warn_pct,
                      int64_t item_id, enum deadline_kind kind, int64_t start, int64_t now,
                      struct deadline *ret);

/* Stop d (already loaded, inside a transaction): update and audit, with
 * an optional reason in the audit detail.  DEADLINE_E_STATE when it is
 * already stopped. */
int deadline_stop_row(struct store *s, struct deadline *d, enum deadline_stop how, int64_t now,
                      const char *actor, const char *reason);
