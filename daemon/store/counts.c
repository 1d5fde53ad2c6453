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

int store_counts(struct store *s, struct store_counts *ret)
{
	struct store_counts c = { 0 };
	int r = 0;
	r |= count(s, "SELECT count(*) FROM accounts WHERE removed_at IS NULL", &c.accounts);
	r |= count(s, "SELECT count(*) FROM items", &c.items);
	/* Pending means not yet answered or resolved: running, paused and
	 * breached clocks alike (stopped_at is set when one is stopped). */
	r |= count(s,
	           "SELECT count(*) FROM deadlines WHERE stopped_at IS NULL "
	           "AND kind IN ('review_obvious','review_possible')",
	           &c.pending_review);
	r |= count(s,
	           "SELECT count(*) FROM deadlines WHERE stopped_at IS NULL "
	           "AND kind IN ('respond','fl11_delay_notice','fl12_decision')",
	           &c.pending_respond);
	r |= count(s, "SELECT count(*) FROM escalations WHERE sent_at IS NULL",
	           &c.escalations_unsent);
	r |= count(s, "SELECT count(*) FROM audit_log", &c.audit_entries);
	r |= count(s, "SELECT count(*) FROM polls", &c.polls);
	if (r)
		return STORE_E_SQLITE;
	*ret = c;
	return 0;
}
