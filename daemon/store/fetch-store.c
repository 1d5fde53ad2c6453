/* Cursors, gone items, orphan replies, account health and the fetch
 * listings (store/fetch-store.h). */
#include "store/fetch-store.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "store/store-internal.h"

static void copy_col(sqlite3_stmt *st, int col, char *buf, size_t len)
{
	const unsigned char *t = sqlite3_column_text(st, col);
	snprintf(buf, len, "%s", t ? (const char *)t : "");
}

/* Step a statement that returns no rows; give it back (store_stmt_done()
 * finalizes one that is not kept prepared). */
static int step_done(struct store *s, sqlite3_stmt *st)
{
	int r = sqlite3_step(st) == SQLITE_DONE ? 0 : STORE_E_SQLITE;
	store_stmt_done(s, st);
	return r;
}

int store_cursor_get(struct store *s, const char *account, const char *name, char **ret)
{
	sqlite3_stmt *st = store_prepare_cached(
	        s, "SELECT value FROM account_cursors WHERE account_id=? AND name=?");
	int r = STORE_E_SQLITE;
	if (!st)
		return r;
	sqlite3_bind_text(st, 1, account, -1, SQLITE_STATIC);
	sqlite3_bind_text(st, 2, name, -1, SQLITE_STATIC);
	int sr = sqlite3_step(st);
	if (sr == SQLITE_ROW) {
		char *v = strdup((const char *)sqlite3_column_text(st, 0));
		r = v ? 0 : -ENOMEM;
		if (v)
			*ret = v;
	} else if (sr == SQLITE_DONE) {
		*ret = NULL;
		r = 0;
	}
	store_stmt_done(s, st);
	return r;
}

int store_cursor_set(struct store *s, const char *account, const char *name, const char *value,
                     int64_t now)
{
	sqlite3_stmt *st = store_prepare_cached(
	        s, "INSERT INTO account_cursors(account_id, name, value, updated_at) "
	           "VALUES (?,?,?,?) ON CONFLICT(account_id, name) DO UPDATE SET "
	           "value=excluded.value, updated_at=excluded.updated_at");
	if (!st)
		return STORE_E_SQLITE;
	sqlite3_bind_text(st, 1, account, -1, SQLITE_STATIC);
	sqlite3_bind_text(st, 2, name, -1, SQLITE_STATIC);
	sqlite3_bind_text(st, 3, value, -1, SQLITE_STATIC);
	sqlite3_bind_int64(st, 4, now);
	return step_done(s, st);
}

int store_item_find(struct store *s, const char *account, const char *platform_id, int64_t *ret)
{
	sqlite3_stmt *st =
	        store_prepare_cached(s,
	                             "SELECT id FROM items WHERE account_id=? AND platform_id=?");
	int r = STORE_E_SQLITE;
	if (!st)
		return r;
	sqlite3_bind_text(st, 1, account, -1, SQLITE_STATIC);
	sqlite3_bind_text(st, 2, platform_id, -1, SQLITE_STATIC);
	int sr = sqlite3_step(st);
	if (sr == SQLITE_ROW || sr == SQLITE_DONE) {
		*ret = sr == SQLITE_ROW ? sqlite3_column_int64(st, 0) : 0;
		r = 0;
	}
	store_stmt_done(s, st);
	return r;
}

int store_item_mark_gone(struct store *s, const char *account, const char *platform_id, int64_t now,
                         int *ret_changed)
{
	sqlite3_stmt *st = store_prepare_cached(
	        s, "UPDATE items SET platform_state='gone', last_seen_at=? WHERE account_id=? "
	           "AND platform_id=? AND platform_state != 'gone'");
	if (!st)
		return STORE_E_SQLITE;
	sqlite3_bind_int64(st, 1, now);
	sqlite3_bind_text(st, 2, account, -1, SQLITE_STATIC);
	sqlite3_bind_text(st, 3, platform_id, -1, SQLITE_STATIC);
	int r = sqlite3_step(st) == SQLITE_DONE ? 0 : STORE_E_SQLITE;
	if (r == 0)
		*ret_changed = sqlite3_changes(s->db) > 0;
	store_stmt_done(s, st);
	return r;
}

int store_item_adopt(struct store *s, const char *account, const char *platform_id, int64_t item_id,
                     int64_t *ret_own_reply, int *ret_linked)
{
	sqlite3_stmt *st = store_prepare_cached(
	        /* INDEXED BY: with statistics (PRAGMA optimize) the planner took
	         * items_parent for "parent_id IS NULL", which holds for every
	         * post of every account: each new item read them all. */
	        s, "SELECT count(*), min(CASE WHEN is_own THEN id END) FROM items INDEXED BY "
	           "items_orphans WHERE account_id=? AND parent_platform_id=? AND "
	           "parent_id IS NULL AND id != ?");
	if (!st)
		return STORE_E_SQLITE;
	sqlite3_bind_text(st, 1, account, -1, SQLITE_STATIC);
	sqlite3_bind_text(st, 2, platform_id, -1, SQLITE_STATIC);
	sqlite3_bind_int64(st, 3, item_id);
	if (sqlite3_step(st) != SQLITE_ROW) {
		store_stmt_done(s, st);
		return STORE_E_SQLITE;
	}
	int64_t orphans = sqlite3_column_int64(st, 0), own = sqlite3_column_int64(st, 1);
	store_stmt_done(s, st);
	*ret_linked = 0;
	*ret_own_reply = 0;
	/* Almost every new item has none: then no UPDATE (it set up a
	 * temporary table each time, parent_id being in the index it reads). */
	if (orphans == 0)
		return 0;
	st = store_prepare_cached(s, "UPDATE items INDEXED BY items_orphans SET parent_id=? "
	                             "WHERE account_id=? AND parent_platform_id=? AND "
	                             "parent_id IS NULL AND id != ?");
	if (!st)
		return STORE_E_SQLITE;
	sqlite3_bind_int64(st, 1, item_id);
	sqlite3_bind_text(st, 2, account, -1, SQLITE_STATIC);
	sqlite3_bind_text(st, 3, platform_id, -1, SQLITE_STATIC);
	sqlite3_bind_int64(st, 4, item_id);
	int r = sqlite3_step(st) == SQLITE_DONE ? 0 : STORE_E_SQLITE;
	if (r == 0) {
		*ret_linked = sqlite3_changes(s->db);
		*ret_own_reply = own;
	}
	store_stmt_done(s, st);
	return r;
}

int store_item_answered(struct store *s, int64_t item, int64_t reply, int64_t at)
{
	sqlite3_stmt *st = store_prepare_cached(
	        s,
	        "UPDATE items SET state=CASE WHEN state IN ('new','open') THEN 'answered' "
	        "ELSE state END, answered_at=?, answered_by=? WHERE id=? AND answered_at IS NULL");
	if (!st)
		return STORE_E_SQLITE;
	sqlite3_bind_int64(st, 1, at);
	sqlite3_bind_int64(st, 2, reply);
	sqlite3_bind_int64(st, 3, item);
	return step_done(s, st);
}

/* --- account health ---------------------------------------------------- */

#define HEALTH_COLS                                                                                \
	"account_id, state, coalesce(reason,''), token_state, coalesce(last_ok_at,0), "            \
	"coalesce(last_poll_at,0), consecutive_failures, coalesce(red_since,0)"

static void health_row(sqlite3_stmt *st, struct store_account_health *h)
{
	copy_col(st, 0, h->account, sizeof(h->account));
	copy_col(st, 1, h->state, sizeof(h->state));
	copy_col(st, 2, h->reason, sizeof(h->reason));
	copy_col(st, 3, h->token_state, sizeof(h->token_state));
	h->last_ok_at = sqlite3_column_int64(st, 4);
	h->last_poll_at = sqlite3_column_int64(st, 5);
	h->consecutive_failures = sqlite3_column_int(st, 6);
	h->red_since = sqlite3_column_int64(st, 7);
}

int store_account_health_get(struct store *s, const char *account, struct store_account_health *ret)
{
	sqlite3_stmt *st = store_prepare_cached(s, "SELECT " HEALTH_COLS
	                                           " FROM account_health WHERE account_id=?");
	int r = STORE_E_SQLITE;
	if (!st)
		return r;
	sqlite3_bind_text(st, 1, account, -1, SQLITE_STATIC);
	int sr = sqlite3_step(st);
	if (sr == SQLITE_ROW || sr == SQLITE_DONE) {
		memset(ret, 0, sizeof(*ret));
		snprintf(ret->account, sizeof(ret->account), "%s", account);
		snprintf(ret->token_state, sizeof(ret->token_state), "unknown");
		if (sr == SQLITE_ROW)
			health_row(st, ret);
		r = 0;
	}
	store_stmt_done(s, st);
	return r;
}

int store_account_health_put(struct store *s, const struct store_account_health *h, int64_t now)
{
	sqlite3_stmt *st = store_prepare_cached(
	        s, "INSERT OR REPLACE INTO account_health(account_id, state, reason, token_state, "
	           "last_ok_at, last_poll_at, consecutive_failures, red_since, updated_at) "
	           "VALUES (?,?,nullif(?,''),?,nullif(?,0),nullif(?,0),?,nullif(?,0),?)");
	if (!st)
		return STORE_E_SQLITE;
	sqlite3_bind_text(st, 1, h->account, -1, SQLITE_STATIC);
	sqlite3_bind_text(st, 2, h->state, -1, SQLITE_STATIC);
	sqlite3_bind_text(st, 3, h->reason, -1, SQLITE_STATIC);
	sqlite3_bind_text(st, 4, h->token_state[0] ? h->token_state : "unknown", -1, SQLITE_STATIC);
	sqlite3_bind_int64(st, 5, h->last_ok_at);
	sqlite3_bind_int64(st, 6, h->last_poll_at);
	sqlite3_bind_int(st, 7, h->consecutive_failures);
	sqlite3_bind_int64(st, 8, h->red_since);
	sqlite3_bind_int64(st, 9, now);
	return step_done(s, st);
}

int store_account_health_all(struct store *s, struct store_account_health **ret, size_t *ret_n)
{
	sqlite3_stmt *st = store_prepare(s, "SELECT " HEALTH_COLS " FROM account_health");
	struct store_account_health *v = NULL;
	size_t n = 0, cap = 0;
	int sr;
	if (!st)
		return STORE_E_SQLITE;
	while ((sr = sqlite3_step(st)) == SQLITE_ROW) {
		if (n == cap) {
			cap = cap ? cap * 2 : 16;
			struct store_account_health *nv = realloc(v, cap * sizeof(*v));
			if (!nv) {
				sr = SQLITE_NOMEM;
				break;
			}
			v = nv;
		}
		memset(&v[n], 0, sizeof(v[n]));
		health_row(st, &v[n++]);
	}
	sqlite3_finalize(st);
	if (sr != SQLITE_DONE) {
		free(v);
		return sr == SQLITE_NOMEM ? -ENOMEM : STORE_E_SQLITE;
	}
	*ret = v;
	*ret_n = n;
	return 0;
}

int store_accounts_red(struct store *s, int64_t *ret)
{
	sqlite3_stmt *st =
	        store_prepare(s, "SELECT count(*) FROM account_health WHERE state = 'red'");
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

/* --- listings ----------------------------------------------------------- */

#define ITEM_COLS                                                                                  \
	"i.id, i.account_id, i.platform_id, i.kind, coalesce(i.parent_id,0), "                     \
	"coalesce(i.parent_platform_id,''), i.is_own, i.published_at, i.state, "                   \
	"i.platform_state, (SELECT v.categories FROM verdicts v WHERE v.item_id = i.id "           \
	"ORDER BY v.id DESC LIMIT 1)"

/* Reads the rows of st and gives st back (store_stmt_done()). */
static int item_rows(struct store *s, sqlite3_stmt *st, struct store_item_row **ret, size_t *ret_n)
{
	struct store_item_row *v = NULL;
	size_t n = 0, cap = 0;
	int sr;
	while ((sr = sqlite3_step(st)) == SQLITE_ROW) {
		if (n == cap) {
			cap = cap ? cap * 2 : 32;
			struct store_item_row *nv = realloc(v, cap * sizeof(*v));
			if (!nv) {
				sr = SQLITE_NOMEM;
				break;
			}
			v = nv;
		}
		struct store_item_row *it = &v[n++];
		memset(it, 0, sizeof(*it));
		it->id = sqlite3_column_int64(st, 0);
		copy_col(st, 1, it->account, sizeof(it->account));
		copy_col(st, 2, it->platform_id, sizeof(it->platform_id));
		copy_col(st, 3, it->kind, sizeof(it->kind));
		it->parent_id = sqlite3_column_int64(st, 4);
		copy_col(st, 5, it->parent_platform_id, sizeof(it->parent_platform_id));
		it->own = sqlite3_column_int(st, 6);
		it->published_at = sqlite3_column_int64(st, 7);
		copy_col(st, 8, it->state, sizeof(it->state));
		copy_col(st, 9, it->platform_state, sizeof(it->platform_state));
		it->evaluated = sqlite3_column_type(st, 10) != SQLITE_NULL;
		copy_col(st, 10, it->categories, sizeof(it->categories));
	}
	store_stmt_done(s, st);
	if (sr != SQLITE_DONE) {
		free(v);
		return sr == SQLITE_NOMEM ? -ENOMEM : STORE_E_SQLITE;
	}
	*ret = v;
	*ret_n = n;
	return 0;
}

int store_items_list(struct store *s, const char *account, int64_t since, int64_t before_published,
                     int64_t before_id, size_t max, struct store_item_row **ret, size_t *ret_n)
{
	/* One index range either way: items_account_published for an
	 * account, items_published across accounts (migration 6). */
	sqlite3_stmt *st =
	        store_prepare(s,
	                      account ? "SELECT " ITEM_COLS
	                                " FROM items i WHERE i.account_id=?1 AND "
	                                "i.published_at>=?2 AND (i.published_at, i.id) < (?3, ?4) "
	                                "ORDER BY i.published_at DESC, i.id DESC LIMIT ?5"
	                              : "SELECT " ITEM_COLS
	                                " FROM items i WHERE i.published_at>=?2 AND "
	                                "(i.published_at, i.id) < (?3, ?4) "
	                                "ORDER BY i.published_at DESC, i.id DESC LIMIT ?5");
	if (!st)
		return STORE_E_SQLITE;
	if (account)
		sqlite3_bind_text(st, 1, account, -1, SQLITE_STATIC);
	sqlite3_bind_int64(st, 2, since);
	sqlite3_bind_int64(st, 3, before_published ? before_published : INT64_MAX);
	sqlite3_bind_int64(st, 4, before_published ? before_id : INT64_MAX);
	sqlite3_bind_int64(st, 5, (int64_t)max);
	return item_rows(s, st, ret, ret_n);
}

int store_poll_items(struct store *s, int64_t poll_id, size_t max, struct store_item_row **ret,
                     size_t *ret_n)
{
	/* Cached: `vaktctl poll` asks for each poll until it ends. */
	sqlite3_stmt *st =
	        store_prepare_cached(s, "SELECT " ITEM_COLS
	                                " FROM items i WHERE i.id IN (SELECT item_id FROM "
	                                "item_versions WHERE poll_id=?) ORDER BY i.id LIMIT ?");
	if (!st)
		return STORE_E_SQLITE;
	sqlite3_bind_int64(st, 1, poll_id);
	sqlite3_bind_int64(st, 2, (int64_t)max);
	return item_rows(s, st, ret, ret_n);
}

int store_poll_get(struct store *s, int64_t id, struct store_poll_row *ret)
{
	sqlite3_stmt *st = store_prepare_cached(
	        s, "SELECT id, account_id, planned_at, started_at, coalesce(finished_at,0), "
	           "coalesce(result,''), items_new, items_updated, coalesce(error,'') "
	           "FROM polls WHERE id=?");
	int r = STORE_E_SQLITE;
	if (!st)
		return r;
	sqlite3_bind_int64(st, 1, id);
	int sr = sqlite3_step(st);
	if (sr == SQLITE_ROW) {
		memset(ret, 0, sizeof(*ret));
		ret->id = sqlite3_column_int64(st, 0);
		copy_col(st, 1, ret->account, sizeof(ret->account));
		ret->planned_at = sqlite3_column_int64(st, 2);
		ret->started_at = sqlite3_column_int64(st, 3);
		ret->finished_at = sqlite3_column_int64(st, 4);
		copy_col(st, 5, ret->result, sizeof(ret->result));
		ret->items_new = sqlite3_column_int(st, 6);
		ret->items_updated = sqlite3_column_int(st, 7);
		copy_col(st, 8, ret->error, sizeof(ret->error));
		r = 0;
	} else if (sr == SQLITE_DONE) {
		r = -ENOENT;
	}
	store_stmt_done(s, st);
	return r;
}
