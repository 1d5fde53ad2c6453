/* Aggregate counts for status and metrics. */
#include "store/store-internal.h"

static int count(struct store *s, const char *sql, int64_t *ret)
{
	sqlite3_stmt *st = store_prepare(s, sql);
	int r = STORE_E_SQLITE;
	if (!st)
		return r;
	if (sqlite3_step(st) == SQLITE_ROW) {
		*ret = sqlite3_column_int64(st, 0);
		r = 0;
	}
	sqlite3_finalize(st);
	return r;
}

/* Kept by triggers in the writing transactions (migrations 4, 6 and 13), so status
 * costs the same at a million items as at ten. */
static int counter(struct store *s, const char *name, int64_t *ret)
{
	sqlite3_stmt *st = store_prepare(s, "SELECT n FROM counters WHERE name=?");
	int r = STORE_E_SQLITE;
	if (!st)
		return r;
	sqlite3_bind_text(st, 1, name, -1, SQLITE_STATIC);
	if (sqlite3_step(st) == SQLITE_ROW) {
		*ret = sqlite3_column_int64(st, 0);
		r = 0;
	}
	sqlite3_finalize(st);
	return r;
}

int store_counts(struct store *s, struct store_counts *ret)
{
	struct store_counts c = { 0 };
	int r = 0;
	/* accounts is small (one row per configured account): counted. */
	r |= count(s, "SELECT count(*) FROM accounts WHERE removed_at IS NULL", &c.accounts);
	r |= counter(s, "items", &c.items);
	/* items_unevaluated is empty but for a start's first moments (a
	 * crash's leftovers, items fetched while the engine was being built)
	 * and the items of accounts no longer configured: counted. */
	r |= count(s, "SELECT count(*) FROM items_unevaluated", &c.unevaluated);
	/* Pending means not yet answered or resolved: running, paused and
	 * breached clocks alike (stopped_at is set when one is stopped). */
	r |= counter(s, "pending_review", &c.pending_review);
	r |= counter(s, "pending_respond", &c.pending_respond);
	r |= counter(s, "escalations_unsent", &c.escalations_unsent);
	r |= counter(s, "actions_waiting", &c.actions_waiting);
	r |= counter(s, "actions_proposed", &c.actions_proposed);
	r |= counter(s, "audit_entries", &c.audit_entries);
	r |= counter(s, "polls", &c.polls);
	if (r)
		return STORE_E_SQLITE;
	*ret = c;
	return 0;
}
