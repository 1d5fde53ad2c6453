/* The escalation outbox's rows (store/outbox.h). */
#include "store/outbox.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "store/audit.h"
#include "store/store-internal.h"

static void col_text(sqlite3_stmt *st, int i, char *buf, size_t len)
{
	const unsigned char *t = sqlite3_column_text(st, i);
	snprintf(buf, len, "%s", t ? (const char *)t : "");
}

static void bind_opt_id(sqlite3_stmt *st, int i, int64_t v)
{
	if (v)
		sqlite3_bind_int64(st, i, v);
	else
		sqlite3_bind_null(st, i);
}

/* Run a prepared write; 0 or STORE_E_SQLITE.  Finalizes st. */
static int step_done(sqlite3_stmt *st)
{
	int r = sqlite3_step(st) == SQLITE_DONE ? 0 : STORE_E_SQLITE;
	sqlite3_finalize(st);
	return r;
}

/* The same for a statement of store_prepare_cached(): given back. */
static int step_cached(struct store *s, sqlite3_stmt *st)
{
	int r = sqlite3_step(st) == SQLITE_DONE ? 0 : STORE_E_SQLITE;
	store_stmt_done(s, st);
	return r;
}

int store_escalation_insert(struct store *s, const struct store_escalation_in *in, int64_t now,
                            int64_t *ret_id)
{
	int r = store_begin(s);
	if (r)
		return r;
	sqlite3_stmt *st = store_prepare_cached(
	        s, "INSERT INTO escalations(key, cause, kind, account_id, item_id, verdict_id, "
	           "deadline_id, reason, group_key, due_at, level, round, next_at, created_at, "
	           "updated_at) VALUES (?,?,?,?,?,?,?,?,?,?,-1,0,?,?,?) "
	           "ON CONFLICT(key) DO NOTHING");
	if (!st)
		return store_end(s, STORE_E_SQLITE);
	sqlite3_bind_text(st, 1, in->key, -1, SQLITE_STATIC);
	sqlite3_bind_text(st, 2, in->cause, -1, SQLITE_STATIC);
	sqlite3_bind_text(st, 3, in->kind, -1, SQLITE_STATIC);
	sqlite3_bind_text(st, 4, in->account, -1, SQLITE_STATIC);
	bind_opt_id(st, 5, in->item_id);
	bind_opt_id(st, 6, in->verdict_id);
	bind_opt_id(st, 7, in->deadline_id);
	sqlite3_bind_text(st, 8, in->reason ? in->reason : "", -1, SQLITE_STATIC);
	sqlite3_bind_text(st, 9, in->group_key, -1, SQLITE_STATIC);
	bind_opt_id(st, 10, in->due_at);
	sqlite3_bind_int64(st, 11, in->next_at);
	sqlite3_bind_int64(st, 12, now);
	sqlite3_bind_int64(st, 13, now);
	r = step_cached(s, st);
	if (r == 0 && sqlite3_changes(s->db) == 0)
		r = -EEXIST;
	int64_t id = sqlite3_last_insert_rowid(s->db);
	if (r == 0 && in->item_id) {
		st = store_prepare_cached(s, "INSERT INTO escalation_items(escalation_id, item_id, "
		                             "added_at) VALUES (?,?,?)");
		if (!st)
			return store_end(s, STORE_E_SQLITE);
		sqlite3_bind_int64(st, 1, id);
		sqlite3_bind_int64(st, 2, in->item_id);
		sqlite3_bind_int64(st, 3, now);
		r = step_cached(s, st);
	}
	r = store_end(s, r);
	if (r == 0 && ret_id)
		*ret_id = id;
	return r;
}

/* SELECT one id with the bound statement; -ENOENT when no row. */
static int one_id(sqlite3_stmt *st, int64_t *ret)
{
	int sr = sqlite3_step(st), r;
	if (sr == SQLITE_ROW) {
		*ret = sqlite3_column_int64(st, 0);
		r = 0;
	} else {
		r = sr == SQLITE_DONE ? -ENOENT : STORE_E_SQLITE;
	}
	sqlite3_finalize(st);
	return r;
}

int store_escalation_group_find(struct store *s, const char *group_key, int64_t since,
                                int64_t *ret_id)
{
	sqlite3_stmt *st =
	        store_prepare(s, "SELECT id FROM escalations WHERE group_key=? AND created_at>=? "
	                         "AND acknowledged_at IS NULL AND cancelled_at IS NULL "
	                         "ORDER BY created_at DESC LIMIT 1");
	if (!st)
		return STORE_E_SQLITE;
	sqlite3_bind_text(st, 1, group_key, -1, SQLITE_STATIC);
	sqlite3_bind_int64(st, 2, since);
	return one_id(st, ret_id);
}

int store_escalation_of_item(struct store *s, int64_t item, int64_t *ret_id)
{
	sqlite3_stmt *st =
	        store_prepare(s, "SELECT e.id FROM escalation_items x JOIN escalations e "
	                         "ON e.id = x.escalation_id WHERE x.item_id=? AND "
	                         "e.cause='verdict' AND e.cancelled_at IS NULL "
	                         "ORDER BY e.id DESC LIMIT 1");
	if (!st)
		return STORE_E_SQLITE;
	sqlite3_bind_int64(st, 1, item);
	return one_id(st, ret_id);
}

int store_escalation_add_item(struct store *s, int64_t id, int64_t item, int64_t now,
                              int *ret_added)
{
	int r = store_begin(s), added = 0;
	if (r)
		return r;
	sqlite3_stmt *st = store_prepare(s, "INSERT OR IGNORE INTO escalation_items(escalation_id, "
	                                    "item_id, added_at) VALUES (?,?,?)");
	if (!st)
		return store_end(s, STORE_E_SQLITE);
	sqlite3_bind_int64(st, 1, id);
	sqlite3_bind_int64(st, 2, item);
	sqlite3_bind_int64(st, 3, now);
	r = step_done(st);
	if (r == 0 && sqlite3_changes(s->db) == 1) {
		added = 1;
		st = store_prepare(s, "UPDATE escalations SET count=count+1, kind=CASE WHEN "
		                      "cause='verdict' THEN 'pileon' ELSE kind END, updated_at=? "
		                      "WHERE id=?");
		if (!st)
			return store_end(s, STORE_E_SQLITE);
		sqlite3_bind_int64(st, 1, now);
		sqlite3_bind_int64(st, 2, id);
		r = step_done(st);
	}
	r = store_end(s, r);
	if (r == 0 && ret_added)
		*ret_added = added;
	return r;
}

int store_escalation_items(struct store *s, int64_t id, size_t max, int64_t **ret, size_t *ret_n)
{
	sqlite3_stmt *st = store_prepare(s, "SELECT item_id FROM escalation_items "
	                                    "WHERE escalation_id=? ORDER BY added_at, item_id "
	                                    "LIMIT ?");
	if (!st)
		return STORE_E_SQLITE;
	sqlite3_bind_int64(st, 1, id);
	sqlite3_bind_int64(st, 2, (int64_t)max);
	int64_t *v = NULL;
	size_t n = 0, cap = 0;
	int r = 0, sr;
	while ((sr = sqlite3_step(st)) == SQLITE_ROW) {
		if (n == cap) {
			size_t nc = cap ? cap * 2 : 16;
			int64_t *nv = realloc(v, nc * sizeof(*nv));
			if (!nv) {
				r = -ENOMEM;
				break;
			}
			v = nv;
			cap = nc;
		}
		v[n++] = sqlite3_column_int64(st, 0);
	}
	if (r == 0 && sr != SQLITE_DONE)
		r = STORE_E_SQLITE;
	sqlite3_finalize(st);
	if (r) {
		free(v);
		return r;
	}
	*ret = v;
	*ret_n = n;
	return 0;
}

#define ESC_COLUMNS                                                                                \
	"id, key, cause, kind, coalesce(account_id,''), coalesce(item_id,0), "                     \
	"coalesce(verdict_id,0), coalesce(deadline_id,0), reason, count, coalesce(due_at,0), "     \
	"level, round, coalesce(next_at,0), created_at, updated_at, "                              \
	"coalesce(acknowledged_at,0), coalesce(acknowledged_by,''), coalesce(cancelled_at,0), "    \
	"coalesce(cancelled_why,'')"

static void read_escalation(sqlite3_stmt *st, struct store_escalation *e)
{
	memset(e, 0, sizeof(*e));
	e->id = sqlite3_column_int64(st, 0);
	col_text(st, 1, e->key, sizeof(e->key));
	col_text(st, 2, e->cause, sizeof(e->cause));
	col_text(st, 3, e->kind, sizeof(e->kind));
	col_text(st, 4, e->account, sizeof(e->account));
	e->item_id = sqlite3_column_int64(st, 5);
	e->verdict_id = sqlite3_column_int64(st, 6);
	e->deadline_id = sqlite3_column_int64(st, 7);
	col_text(st, 8, e->reason, sizeof(e->reason));
	e->count = sqlite3_column_int(st, 9);
	e->due_at = sqlite3_column_int64(st, 10);
	e->level = sqlite3_column_int(st, 11);
	e->round = sqlite3_column_int(st, 12);
	e->next_at = sqlite3_column_int64(st, 13);
	e->created_at = sqlite3_column_int64(st, 14);
	e->updated_at = sqlite3_column_int64(st, 15);
	e->acknowledged_at = sqlite3_column_int64(st, 16);
	col_text(st, 17, e->acknowledged_by, sizeof(e->acknowledged_by));
	e->cancelled_at = sqlite3_column_int64(st, 18);
	col_text(st, 19, e->cancelled_why, sizeof(e->cancelled_why));
}

int store_escalation_get(struct store *s, int64_t id, struct store_escalation *ret)
{
	sqlite3_stmt *st =
	        store_prepare_cached(s, "SELECT " ESC_COLUMNS " FROM escalations WHERE id=?");
	if (!st)
		return STORE_E_SQLITE;
	sqlite3_bind_int64(st, 1, id);
	int sr = sqlite3_step(st), r;
	if (sr == SQLITE_ROW) {
		read_escalation(st, ret);
		r = 0;
	} else {
		r = sr == SQLITE_DONE ? -ENOENT : STORE_E_SQLITE;
	}
	store_stmt_done(s, st);
	return r;
}

int store_escalation_health_open(struct store *s, const char *account, const char *reason,
                                 int64_t *ret_id)
{
	sqlite3_stmt *st = store_prepare(s, "SELECT id FROM escalations WHERE account_id=? "
	                                    "AND reason=? AND cause='health' AND cancelled_at IS "
	                                    "NULL ORDER BY id DESC LIMIT 1");
	if (!st)
		return STORE_E_SQLITE;
	sqlite3_bind_text(st, 1, account, -1, SQLITE_STATIC);
	sqlite3_bind_text(st, 2, reason, -1, SQLITE_STATIC);
	return one_id(st, ret_id);
}

int store_escalation_set_step(struct store *s, int64_t id, int level, int round, int64_t next_at,
                              int64_t now)
{
	int r = store_begin(s);
	if (r)
		return r;
	sqlite3_stmt *st = store_prepare_cached(s, "UPDATE escalations SET level=?, round=?, "
	                                           "next_at=?, updated_at=? WHERE id=?");
	if (!st)
		return store_end(s, STORE_E_SQLITE);
	sqlite3_bind_int(st, 1, level);
	sqlite3_bind_int(st, 2, round);
	bind_opt_id(st, 3, next_at);
	sqlite3_bind_int64(st, 4, now);
	sqlite3_bind_int64(st, 5, id);
	r = step_cached(s, st);
	if (r == 0 && sqlite3_changes(s->db) != 1)
		r = -ENOENT;
	return store_end(s, r);
}

/* Cancel the unsent deliveries of escalation id. */
static int cancel_deliveries(struct store *s, int64_t id)
{
	sqlite3_stmt *st = store_prepare(s, "UPDATE deliveries SET state='cancelled', "
	                                    "next_attempt_at=NULL WHERE escalation_id=? AND "
	                                    "state IN ('pending','retrying')");
	if (!st)
		return STORE_E_SQLITE;
	sqlite3_bind_int64(st, 1, id);
	return step_done(st);
}

int store_escalation_cancel(struct store *s, int64_t id, const char *why, int64_t now)
{
	int r = store_begin(s);
	if (r)
		return r;
	sqlite3_stmt *st = store_prepare(s, "UPDATE escalations SET cancelled_at=?, "
	                                    "cancelled_why=?, next_at=NULL, updated_at=? WHERE "
	                                    "id=? AND cancelled_at IS NULL");
	if (!st)
		return store_end(s, STORE_E_SQLITE);
	sqlite3_bind_int64(st, 1, now);
	sqlite3_bind_text(st, 2, why, -1, SQLITE_STATIC);
	sqlite3_bind_int64(st, 3, now);
	sqlite3_bind_int64(st, 4, id);
	r = step_done(st);
	if (r == 0 && sqlite3_changes(s->db) != 1)
		r = -ENOENT;
	if (r == 0)
		r = cancel_deliveries(s, id);
	return store_end(s, r);
}

int store_escalation_ack(struct store *s, int64_t id, const char *by, const char *actor,
                         int64_t now)
{
	struct store_escalation e;
	int r = store_begin(s);
	if (r)
		return r;
	r = store_escalation_get(s, id, &e);
	if (r == 0 && (e.acknowledged_at || e.cancelled_at))
		r = -EALREADY;
	sqlite3_stmt *st = NULL;
	if (r == 0 && !(st = store_prepare(s, "UPDATE escalations SET acknowledged_at=?, "
	                                      "acknowledged_by=?, next_at=NULL, updated_at=? "
	                                      "WHERE id=?")))
		r = STORE_E_SQLITE;
	if (r == 0) {
		sqlite3_bind_int64(st, 1, now);
		sqlite3_bind_text(st, 2, by, -1, SQLITE_STATIC);
		sqlite3_bind_int64(st, 3, now);
		sqlite3_bind_int64(st, 4, id);
		r = step_done(st);
	}
	if (r == 0)
		r = cancel_deliveries(s, id);
	if (r == 0) {
		char subject[48], detail[256];
		snprintf(subject, sizeof(subject), "escalation:%lld", (long long)id);
		/* `by` is a checked name (no quotes or controls): the API and the
		 * link refuse anything else. */
		snprintf(detail, sizeof(detail), "{\"key\":\"%s\",\"kind\":\"%s\",\"by\":\"%s\"}",
		         e.key, e.kind, by);
		r = store_audit_append(s, actor, "escalation.ack", subject, detail, NULL);
	}
	return store_end(s, r);
}

static int id_list(sqlite3_stmt *st, int64_t **ret, size_t *ret_n)
{
	int64_t *v = NULL;
	size_t n = 0, cap = 0;
	int r = 0, sr;
	while ((sr = sqlite3_step(st)) == SQLITE_ROW) {
		if (n == cap) {
			size_t nc = cap ? cap * 2 : 16;
			int64_t *nv = realloc(v, nc * sizeof(*nv));
			if (!nv) {
				r = -ENOMEM;
				break;
			}
			v = nv;
			cap = nc;
		}
		v[n++] = sqlite3_column_int64(st, 0);
	}
	if (r == 0 && sr != SQLITE_DONE)
		r = STORE_E_SQLITE;
	sqlite3_finalize(st);
	if (r) {
		free(v);
		return r;
	}
	*ret = v;
	*ret_n = n;
	return 0;
}

int store_escalations_due(struct store *s, int64_t now, size_t max, int64_t **ret, size_t *ret_n)
{
	sqlite3_stmt *st = store_prepare(s, "SELECT id FROM escalations WHERE next_at<=? "
	                                    "ORDER BY next_at LIMIT ?");
	if (!st)
		return STORE_E_SQLITE;
	sqlite3_bind_int64(st, 1, now);
	sqlite3_bind_int64(st, 2, (int64_t)max);
	return id_list(st, ret, ret_n);
}

static int min_of(struct store *s, const char *sql, int64_t *ret)
{
	sqlite3_stmt *st = store_prepare(s, sql);
	if (!st)
		return STORE_E_SQLITE;
	int r = sqlite3_step(st) == SQLITE_ROW ? 0 : STORE_E_SQLITE;
	if (r == 0)
		*ret = sqlite3_column_int64(st, 0);
	sqlite3_finalize(st);
	return r;
}

int store_escalations_next_at(struct store *s, int64_t *ret)
{
	return min_of(s,
	              "SELECT coalesce(min(next_at),0) FROM escalations WHERE next_at IS NOT NULL",
	              ret);
}

int store_escalations_list(struct store *s, int open_only, size_t max,
                           struct store_escalation **ret, size_t *ret_n)
{
	sqlite3_stmt *st =
	        store_prepare(s, open_only
	                                 ? "SELECT " ESC_COLUMNS
	                                   " FROM escalations WHERE acknowledged_at IS "
	                                   "NULL AND cancelled_at IS NULL ORDER BY id DESC LIMIT ?"
	                                 : "SELECT " ESC_COLUMNS
	                                   " FROM escalations ORDER BY id DESC LIMIT ?");
	if (!st)
		return STORE_E_SQLITE;
	sqlite3_bind_int64(st, 1, (int64_t)max);
	struct store_escalation *v = NULL;
	size_t n = 0, cap = 0;
	int r = 0, sr;
	while ((sr = sqlite3_step(st)) == SQLITE_ROW) {
		if (n == cap) {
			size_t nc = cap ? cap * 2 : 16;
			struct store_escalation *nv = realloc(v, nc * sizeof(*nv));
			if (!nv) {
				r = -ENOMEM;
				break;
			}
			v = nv;
			cap = nc;
		}
		read_escalation(st, &v[n++]);
	}
	if (r == 0 && sr != SQLITE_DONE)
		r = STORE_E_SQLITE;
	sqlite3_finalize(st);
	if (r) {
		free(v);
		return r;
	}
	*ret = v;
	*ret_n = n;
	return 0;
}

/* --- deliveries ------------------------------------------------------ */

int store_delivery_add(struct store *s, int64_t escalation, int level, int round,
                       const char *recipient, const char *role, int64_t now, int *ret_added)
{
	int r = store_begin(s);
	if (r)
		return r;
	sqlite3_stmt *st = store_prepare_cached(
	        s, "INSERT OR IGNORE INTO deliveries(escalation_id, level, round, recipient, role, "
	           "created_at, next_attempt_at) VALUES (?,?,?,?,?,?,?)");
	if (!st)
		return store_end(s, STORE_E_SQLITE);
	sqlite3_bind_int64(st, 1, escalation);
	sqlite3_bind_int(st, 2, level);
	sqlite3_bind_int(st, 3, round);
	sqlite3_bind_text(st, 4, recipient, -1, SQLITE_STATIC);
	sqlite3_bind_text(st, 5, role, -1, SQLITE_STATIC);
	sqlite3_bind_int64(st, 6, now);
	sqlite3_bind_int64(st, 7, now);
	r = step_cached(s, st);
	int added = sqlite3_changes(s->db) == 1;
	r = store_end(s, r);
	if (r == 0 && ret_added)
		*ret_added = added;
	return r;
}

#define DLV_COLUMNS                                                                                \
	"id, escalation_id, level, round, recipient, role, state, attempts, created_at, "          \
	"coalesce(next_attempt_at,0), coalesce(sent_at,0), coalesce(last_error,'')"

static void read_delivery(sqlite3_stmt *st, struct store_delivery *d)
{
	memset(d, 0, sizeof(*d));
	d->id = sqlite3_column_int64(st, 0);
	d->escalation_id = sqlite3_column_int64(st, 1);
	d->level = sqlite3_column_int(st, 2);
	d->round = sqlite3_column_int(st, 3);
	col_text(st, 4, d->recipient, sizeof(d->recipient));
	col_text(st, 5, d->role, sizeof(d->role));
	col_text(st, 6, d->state, sizeof(d->state));
	d->attempts = sqlite3_column_int(st, 7);
	d->created_at = sqlite3_column_int64(st, 8);
	d->next_attempt_at = sqlite3_column_int64(st, 9);
	d->sent_at = sqlite3_column_int64(st, 10);
	col_text(st, 11, d->last_error, sizeof(d->last_error));
}

static int delivery_list(sqlite3_stmt *st, struct store_delivery **ret, size_t *ret_n)
{
	struct store_delivery *v = NULL;
	size_t n = 0, cap = 0;
	int r = 0, sr;
	while ((sr = sqlite3_step(st)) == SQLITE_ROW) {
		if (n == cap) {
			size_t nc = cap ? cap * 2 : 8;
			struct store_delivery *nv = realloc(v, nc * sizeof(*nv));
			if (!nv) {
				r = -ENOMEM;
				break;
			}
			v = nv;
			cap = nc;
		}
		read_delivery(st, &v[n++]);
	}
	if (r == 0 && sr != SQLITE_DONE)
		r = STORE_E_SQLITE;
	sqlite3_finalize(st);
	if (r) {
		free(v);
		return r;
	}
	*ret = v;
	*ret_n = n;
	return 0;
}

int store_deliveries_due(struct store *s, int64_t now, size_t max, struct store_delivery **ret,
                         size_t *ret_n)
{
	sqlite3_stmt *st = store_prepare(s, "SELECT " DLV_COLUMNS " FROM deliveries WHERE state "
	                                    "IN ('pending','retrying') AND next_attempt_at<=? "
	                                    "ORDER BY next_attempt_at LIMIT ?");
	if (!st)
		return STORE_E_SQLITE;
	sqlite3_bind_int64(st, 1, now);
	sqlite3_bind_int64(st, 2, (int64_t)max);
	return delivery_list(st, ret, ret_n);
}

int store_deliveries_next_at(struct store *s, int64_t *ret)
{
	return min_of(s,
	              "SELECT coalesce(min(next_attempt_at),0) FROM deliveries WHERE state IN "
	              "('pending','retrying') AND next_attempt_at IS NOT NULL",
	              ret);
}

int store_delivery_sending(struct store *s, int64_t id, int64_t now)
{
	(void)now;
	int r = store_begin(s);
	if (r)
		return r;
	sqlite3_stmt *st = store_prepare(s, "UPDATE deliveries SET state='sending', "
	                                    "attempts=attempts+1, next_attempt_at=NULL WHERE id=? "
	                                    "AND state IN ('pending','retrying')");
	if (!st)
		return store_end(s, STORE_E_SQLITE);
	sqlite3_bind_int64(st, 1, id);
	r = step_done(st);
	if (r == 0 && sqlite3_changes(s->db) != 1)
		r = -ESTALE;
	return store_end(s, r);
}

int store_delivery_finish(struct store *s, int64_t id, const char *state, int64_t next_at,
                          const char *error, int64_t now)
{
	int r = store_begin(s);
	if (r)
		return r;
	sqlite3_stmt *st =
	        store_prepare(s,
	                      "UPDATE deliveries SET state=?, next_attempt_at=?, last_error=?, "
	                      "sent_at=CASE WHEN ?='sent' THEN ? ELSE sent_at END WHERE id=? AND "
	                      "state='sending'");
	if (!st)
		return store_end(s, STORE_E_SQLITE);
	sqlite3_bind_text(st, 1, state, -1, SQLITE_STATIC);
	bind_opt_id(st, 2, next_at);
	sqlite3_bind_text(st, 3, error, -1, SQLITE_STATIC);
	sqlite3_bind_text(st, 4, state, -1, SQLITE_STATIC);
	sqlite3_bind_int64(st, 5, now);
	sqlite3_bind_int64(st, 6, id);
	r = step_done(st);
	if (r == 0 && sqlite3_changes(s->db) != 1)
		r = -ESTALE;
	return store_end(s, r);
}

int store_deliveries_recover(struct store *s, int64_t now, size_t *ret_n)
{
	int r = store_begin(s);
	if (r)
		return r;
	sqlite3_stmt *st = store_prepare(s, "UPDATE deliveries SET state='retrying', "
	                                    "next_attempt_at=?, last_error='interrupted by a "
	                                    "restart' WHERE state='sending'");
	if (!st)
		return store_end(s, STORE_E_SQLITE);
	sqlite3_bind_int64(st, 1, now);
	r = step_done(st);
	size_t n = (size_t)sqlite3_changes(s->db);
	r = store_end(s, r);
	if (r == 0 && ret_n)
		*ret_n = n;
	return r;
}

int store_deliveries_of(struct store *s, int64_t escalation, struct store_delivery **ret,
                        size_t *ret_n)
{
	sqlite3_stmt *st = store_prepare(s, "SELECT " DLV_COLUMNS " FROM deliveries WHERE "
	                                    "escalation_id=? ORDER BY level, round, id");
	if (!st)
		return STORE_E_SQLITE;
	sqlite3_bind_int64(st, 1, escalation);
	return delivery_list(st, ret, ret_n);
}

int store_deliveries_given_up(struct store *s, int64_t *ret)
{
	/* The health flag: a walk of the given-up rows' own index. */
	return min_of(s, "SELECT count(*) FROM deliveries WHERE state='given_up'", ret);
}

/* --- on-call overrides -------------------------------------------------- */

int store_oncall_override_add(struct store *s, const char *recipient, int64_t from, int64_t until,
                              const char *actor, int64_t now)
{
	int r = store_begin(s);
	if (r)
		return r;
	sqlite3_stmt *st = store_prepare(s, "INSERT INTO oncall_overrides(recipient, from_at, "
	                                    "until_at, set_by, set_at) VALUES (?,?,?,?,?)");
	if (!st)
		return store_end(s, STORE_E_SQLITE);
	sqlite3_bind_text(st, 1, recipient, -1, SQLITE_STATIC);
	sqlite3_bind_int64(st, 2, from);
	sqlite3_bind_int64(st, 3, until);
	sqlite3_bind_text(st, 4, actor, -1, SQLITE_STATIC);
	sqlite3_bind_int64(st, 5, now);
	r = step_done(st);
	if (r == 0) {
		char detail[400];
		/* recipient passed notify_target_parse(): no quotes or controls. */
		snprintf(detail, sizeof(detail),
		         "{\"recipient\":\"%s\",\"from\":%lld,\"until\":%lld}", recipient,
		         (long long)from, (long long)until);
		r = store_audit_append(s, actor, "oncall.override", "oncall", detail, NULL);
	}
	return store_end(s, r);
}

int store_oncall_override_at(struct store *s, int64_t t, char *buf, size_t len, int64_t *ret_until)
{
	sqlite3_stmt *st = store_prepare(s, "SELECT recipient, until_at FROM oncall_overrides "
	                                    "WHERE until_at>? AND from_at<=? ORDER BY set_at DESC, "
	                                    "id DESC LIMIT 1");
	if (!st)
		return STORE_E_SQLITE;
	sqlite3_bind_int64(st, 1, t);
	sqlite3_bind_int64(st, 2, t);
	int sr = sqlite3_step(st), r;
	if (sr == SQLITE_ROW) {
		col_text(st, 0, buf, len);
		if (ret_until)
			*ret_until = sqlite3_column_int64(st, 1);
		r = 0;
	} else {
		r = sr == SQLITE_DONE ? -ENOENT : STORE_E_SQLITE;
	}
	sqlite3_finalize(st);
	return r;
}

int store_delivery_get(struct store *s, int64_t id, struct store_delivery *ret)
{
	sqlite3_stmt *st = store_prepare(s, "SELECT " DLV_COLUMNS " FROM deliveries WHERE id=?");
	if (!st)
		return STORE_E_SQLITE;
	sqlite3_bind_int64(st, 1, id);
	int sr = sqlite3_step(st), r;
	if (sr == SQLITE_ROW) {
		read_delivery(st, ret);
		r = 0;
	} else {
		r = sr == SQLITE_DONE ? -ENOENT : STORE_E_SQLITE;
	}
	sqlite3_finalize(st);
	return r;
}

int store_escalation_context(struct store *s, int64_t item, int64_t verdict,
                             struct store_escalation_context *ret)
{
	struct store_escalation_context c = { 0 };
	char ruleset[64] = "", ids[1024] = "";
	sqlite3_stmt *st = store_prepare(s, "SELECT coalesce(permalink,'') FROM items WHERE id=?");
	int r = st ? 0 : STORE_E_SQLITE;
	if (r == 0) {
		sqlite3_bind_int64(st, 1, item);
		if (sqlite3_step(st) == SQLITE_ROW)
			col_text(st, 0, c.permalink, sizeof(c.permalink));
		sqlite3_finalize(st);
	}
	if (r == 0 && verdict) {
		st = store_prepare(s, "SELECT ruleset, rule_ids, coalesce(tier,'') FROM verdicts "
		                      "WHERE id=?");
		r = st ? 0 : STORE_E_SQLITE;
		if (r == 0) {
			sqlite3_bind_int64(st, 1, verdict);
			if (sqlite3_step(st) == SQLITE_ROW) {
				col_text(st, 0, ruleset, sizeof(ruleset));
				col_text(st, 1, ids, sizeof(ids));
				col_text(st, 2, c.tier, sizeof(c.tier));
			}
			sqlite3_finalize(st);
		}
	}
	/* Each rule with its title and the statute it serves. */
	size_t n = 0;
	for (char *save = NULL, *id = strtok_r(ids, " ", &save); r == 0 && id;
	     id = strtok_r(NULL, " ", &save)) {
		st = store_prepare(
		        s, "SELECT title, statute FROM rules WHERE ruleset=? AND rule_id=?");
		if (!st) {
			r = STORE_E_SQLITE;
			break;
		}
		sqlite3_bind_text(st, 1, ruleset, -1, SQLITE_STATIC);
		sqlite3_bind_text(st, 2, id, -1, SQLITE_STATIC);
		if (sqlite3_step(st) == SQLITE_ROW && n < sizeof(c.rules))
			n += (size_t)snprintf(c.rules + n, sizeof(c.rules) - n, "%s%s: %s (%s)",
			                      n ? "\n  " : "", id, sqlite3_column_text(st, 0),
			                      sqlite3_column_text(st, 1));
		sqlite3_finalize(st);
	}
	if (r == 0)
		*ret = c;
	return r;
}
