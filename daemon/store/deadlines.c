/* One row of the deadlines table: names, reading and writing. */
#include "store/deadlines.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "store/deadline-row.h"
#include "store/store-internal.h"

static const char *const kind_names[DEADLINE_KIND_COUNT] = {
	[DEADLINE_RESPOND] = "respond",
	[DEADLINE_REVIEW_OBVIOUS] = "review_obvious",
	[DEADLINE_REVIEW_POSSIBLE] = "review_possible",
	[DEADLINE_FL11_NOTICE] = "fl11_delay_notice",
	[DEADLINE_FL12_DEMAND_POSSIBLE] = "fl12_demand_possible",
	[DEADLINE_FL12_DECISION] = "fl12_decision",
};

static const char *const state_names[] = {
	[DEADLINE_RUNNING] = "running",
	[DEADLINE_PAUSED] = "paused",
	[DEADLINE_MET] = "met",
	[DEADLINE_BREACHED] = "breached",
	[DEADLINE_CANCELLED] = "cancelled",
	[DEADLINE_REACHED] = "reached",
};
#define N_STATES (sizeof(state_names) / sizeof(state_names[0]))

const char *deadline_kind_name(enum deadline_kind k)
{
	return (unsigned)k < DEADLINE_KIND_COUNT ? kind_names[k] : "?";
}

const char *deadline_state_name(enum deadline_state s)
{
	return (unsigned)s < N_STATES ? state_names[s] : "?";
}

int deadline_kind_from_name(const char *name, enum deadline_kind *ret)
{
	for (int k = 0; k < DEADLINE_KIND_COUNT; k++)
		if (strcmp(name, kind_names[k]) == 0) {
			*ret = (enum deadline_kind)k;
			return 0;
		}
	return -EINVAL;
}

static int state_from_name(const char *name, enum deadline_state *ret)
{
	for (size_t i = 0; i < N_STATES; i++)
		if (strcmp(name, state_names[i]) == 0) {
			*ret = (enum deadline_state)i;
			return 0;
		}
	return -EINVAL;
}

/* NULL reads as `null_value`. */
static int64_t col_opt(sqlite3_stmt *st, int i, int64_t null_value)
{
	if (sqlite3_column_type(st, i) == SQLITE_NULL)
		return null_value;
	return sqlite3_column_int64(st, i);
}

static const char *col_text(sqlite3_stmt *st, int i)
{
	const unsigned char *t = sqlite3_column_text(st, i);
	return t ? (const char *)t : "";
}

int store_deadline_row_read(sqlite3_stmt *st, struct deadline *ret)
{
	struct deadline d = { 0 };

	d.id = sqlite3_column_int64(st, 0);
	d.item_id = sqlite3_column_int64(st, 1);
	if (deadline_kind_from_name(col_text(st, 2), &d.kind) < 0)
		return -EBADMSG;
	if (strlen(col_text(st, 3)) >= sizeof(d.duration))
		return -EBADMSG;
	snprintf(d.duration, sizeof(d.duration), "%s", col_text(st, 3));
	d.warn_pct = sqlite3_column_int(st, 4);
	d.started_at = sqlite3_column_int64(st, 5);
	d.created_at = sqlite3_column_int64(st, 6);
	d.due_at = sqlite3_column_int64(st, 7);
	d.warn_at = col_opt(st, 8, 0);
	d.paused_at = col_opt(st, 9, 0);
	d.left_usec = col_opt(st, 10, -1);
	d.warn_left_usec = col_opt(st, 11, -1);
	d.paused_total = sqlite3_column_int64(st, 12);
	d.stopped_at = col_opt(st, 13, 0);
	if (state_from_name(col_text(st, 14), &d.state) < 0)
		return -EBADMSG;
	d.warned_at = col_opt(st, 15, 0);
	d.breached_at = col_opt(st, 16, 0);
	d.reached_at = col_opt(st, 17, 0);
	*ret = d;
	return 0;
}

static int load_one(struct store *s, sqlite3_stmt *st, struct deadline *ret)
{
	int r, sr = sqlite3_step(st);
	if (sr == SQLITE_ROW)
		r = store_deadline_row_read(st, ret);
	else
		r = sr == SQLITE_DONE ? -ENOENT : STORE_E_SQLITE;
	store_stmt_done(s, st);
	return r;
}

int store_deadline_get(struct store *s, int64_t id, struct deadline *ret)
{
	sqlite3_stmt *st = store_prepare_cached(s, "SELECT " DEADLINE_COLUMNS
	                                           " FROM deadlines d WHERE d.id = ?");
	if (!st)
		return STORE_E_SQLITE;
	sqlite3_bind_int64(st, 1, id);
	return load_one(s, st, ret);
}

int store_deadline_find(struct store *s, int64_t item_id, enum deadline_kind kind,
                        struct deadline *ret)
{
	sqlite3_stmt *st;

	if ((unsigned)kind >= DEADLINE_KIND_COUNT)
		return -EINVAL;
	st = store_prepare_cached(s, "SELECT " DEADLINE_COLUMNS
	                             " FROM deadlines d WHERE d.item_id = ? AND d.kind = ?");
	if (!st)
		return STORE_E_SQLITE;
	sqlite3_bind_int64(st, 1, item_id);
	sqlite3_bind_text(st, 2, deadline_kind_name(kind), -1, SQLITE_STATIC);
	return load_one(s, st, ret);
}

/* Instants of 0 and time-left values of -1 mean "not set": NULL. */
static void bind_opt(sqlite3_stmt *st, int i, int64_t v, int64_t null_value)
{
	if (v == null_value)
		sqlite3_bind_null(st, i);
	else
		sqlite3_bind_int64(st, i, v);
}

/* The mutable fields, bound from parameter 2 on, in this order. */
#define MUTABLE_SET                                                                                \
	"due_at = ?2, warn_at = ?3, paused_at = ?4, left_usec = ?5, warn_left_usec = ?6, "         \
	"paused_total = ?7, stopped_at = ?8, state = ?9, warned_at = ?10, "                        \
	"breached_at = ?11, reached_at = ?12"

static void bind_mutable(sqlite3_stmt *st, const struct deadline *d)
{
	sqlite3_bind_int64(st, 2, d->due_at);
	bind_opt(st, 3, d->warn_at, 0);
	bind_opt(st, 4, d->paused_at, 0);
	bind_opt(st, 5, d->left_usec, -1);
	bind_opt(st, 6, d->warn_left_usec, -1);
	sqlite3_bind_int64(st, 7, d->paused_total);
	bind_opt(st, 8, d->stopped_at, 0);
	sqlite3_bind_text(st, 9, deadline_state_name(d->state), -1, SQLITE_STATIC);
	bind_opt(st, 10, d->warned_at, 0);
	bind_opt(st, 11, d->breached_at, 0);
	bind_opt(st, 12, d->reached_at, 0);
}

int store_deadline_insert(struct store *s, struct deadline *d)
{
	sqlite3_stmt *st = store_prepare_cached(
	        s,
	        "INSERT INTO deadlines(item_id, kind, duration, warn_pct, started_at, created_at, "
	        "due_at, warn_at, paused_at, left_usec, warn_left_usec, paused_total, stopped_at, "
	        "state, warned_at, breached_at, reached_at) VALUES "
	        "(?1, ?13, ?14, ?15, ?16, ?17, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?10, ?11, ?12)");
	int r = STORE_E_SQLITE;
	if (!st)
		return r;
	sqlite3_bind_int64(st, 1, d->item_id);
	bind_mutable(st, d);
	sqlite3_bind_text(st, 13, deadline_kind_name(d->kind), -1, SQLITE_STATIC);
	sqlite3_bind_text(st, 14, d->duration, -1, SQLITE_STATIC);
	sqlite3_bind_int(st, 15, d->warn_pct);
	sqlite3_bind_int64(st, 16, d->started_at);
	sqlite3_bind_int64(st, 17, d->created_at);
	if (sqlite3_step(st) == SQLITE_DONE) {
		d->id = sqlite3_last_insert_rowid(s->db);
		r = 0;
	}
	store_stmt_done(s, st);
	return r;
}

int store_deadline_update(struct store *s, const struct deadline *d)
{
	sqlite3_stmt *st =
	        store_prepare_cached(s, "UPDATE deadlines SET " MUTABLE_SET " WHERE id = ?1");
	int r = STORE_E_SQLITE;
	if (!st)
		return r;
	sqlite3_bind_int64(st, 1, d->id);
	bind_mutable(st, d);
	if (sqlite3_step(st) == SQLITE_DONE)
		r = sqlite3_changes(s->db) == 1 ? 0 : -ENOENT;
	store_stmt_done(s, st);
	return r;
}
