/* Item lookups and writes. */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "store/store-internal.h"

int store_item_origin(struct store *s, int64_t id, char *account, size_t len,
                      int64_t *ret_published)
{
	sqlite3_stmt *st =
	        store_prepare_cached(s, "SELECT account_id, published_at FROM items WHERE id=?");
	int r = STORE_E_SQLITE;
	if (!st)
		return r;
	sqlite3_bind_int64(st, 1, id);
	int sr = sqlite3_step(st);
	if (sr == SQLITE_ROW) {
		snprintf(account, len, "%s", (const char *)sqlite3_column_text(st, 0));
		*ret_published = sqlite3_column_int64(st, 1);
		r = 0;
	} else if (sr == SQLITE_DONE) {
		r = -ENOENT;
	}
	store_stmt_done(s, st);
	return r;
}

static int latest_version(struct store *s, int64_t item, int64_t *ret_id, char **ret_text,
                          char *state, size_t state_len)
{
	sqlite3_stmt *st =
	        /* Not ORDER BY id DESC LIMIT 1: the index is (item_id,
	         * seen_at), so that sorted the item's versions in a temporary
	         * B-tree on every call; max(id) reads them from the index. */
	        store_prepare_cached(s, "SELECT id, text, platform_state FROM item_versions "
	                                "WHERE id=(SELECT max(id) FROM item_versions "
	                                "WHERE item_id=?)");
	int r = STORE_E_SQLITE;
	if (!st)
		return r;
	sqlite3_bind_int64(st, 1, item);
	int sr = sqlite3_step(st);
	*ret_id = 0;
	*ret_text = NULL;
	if (sr == SQLITE_ROW) {
		*ret_id = sqlite3_column_int64(st, 0);
		*ret_text = strdup((const char *)sqlite3_column_text(st, 1));
		snprintf(state, state_len, "%s", (const char *)sqlite3_column_text(st, 2));
		r = *ret_text ? 0 : -ENOMEM;
	} else if (sr == SQLITE_DONE) {
		r = 0;
	}
	store_stmt_done(s, st);
	return r;
}

static int find_item(struct store *s, const char *account, const char *platform_id, int64_t *ret)
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

int store_item_upsert(struct store *s, const struct store_item_in *in, int64_t now, int64_t *ret_id,
                      int64_t *ret_version)
{
	int64_t id = 0, parent = 0, version = 0;
	char *prev_text = NULL, prev_state[16] = "";
	sqlite3_stmt *st;
	int r;

	if ((r = find_item(s, in->account, in->platform_id, &id)))
		return r;
	if (in->parent_platform_id &&
	    (r = find_item(s, in->account, in->parent_platform_id, &parent)))
		return r;
	if (id == 0) {
		st = store_prepare_cached(
		        s, "INSERT INTO items(account_id, platform_id, kind, parent_id, "
		           "parent_platform_id, author_id, author_name, is_own, text, permalink, "
		           "published_at, first_seen_at, last_seen_at, platform_state) "
		           "VALUES (?,?,?,?,?,?,?,?,?,?,?,?,?,?)");
		if (!st)
			return STORE_E_SQLITE;
		sqlite3_bind_text(st, 1, in->account, -1, SQLITE_STATIC);
		sqlite3_bind_text(st, 2, in->platform_id, -1, SQLITE_STATIC);
		sqlite3_bind_text(st, 3, in->kind, -1, SQLITE_STATIC);
		if (parent)
			sqlite3_bind_int64(st, 4, parent);
		sqlite3_bind_text(st, 5, in->parent_platform_id, -1, SQLITE_STATIC);
		sqlite3_bind_text(st, 6, in->author_id, -1, SQLITE_STATIC);
		sqlite3_bind_text(st, 7, in->author_name, -1, SQLITE_STATIC);
		sqlite3_bind_int(st, 8, in->is_own);
		/* The text lives once, in item_versions; items.text stays ''
		 * (rows written before schema 4 keep their copy). */
		sqlite3_bind_text(st, 9, "", -1, SQLITE_STATIC);
		sqlite3_bind_text(st, 10, in->permalink, -1, SQLITE_STATIC);
		sqlite3_bind_int64(st, 11, in->published_at);
		sqlite3_bind_int64(st, 12, now);
		sqlite3_bind_int64(st, 13, now);
		sqlite3_bind_text(st, 14, in->platform_state, -1, SQLITE_STATIC);
		r = sqlite3_step(st) == SQLITE_DONE ? 0 : STORE_E_SQLITE;
		store_stmt_done(s, st);
		if (r)
			return r;
		id = sqlite3_last_insert_rowid(s->db);
	} else {
		if ((r = latest_version(s, id, &version, &prev_text, prev_state,
		                        sizeof(prev_state))))
			return r;
		int same = prev_text && strcmp(prev_text, in->text) == 0 &&
		           strcmp(prev_state, in->platform_state) == 0;
		free(prev_text);
		st = store_prepare_cached(
		        s, same ? "UPDATE items SET last_seen_at=? WHERE id=?"
		                : "UPDATE items SET last_seen_at=?, platform_state=? WHERE id=?");
		if (!st)
			return STORE_E_SQLITE;
		sqlite3_bind_int64(st, 1, now);
		if (same) {
			sqlite3_bind_int64(st, 2, id);
		} else {
			sqlite3_bind_text(st, 2, in->platform_state, -1, SQLITE_STATIC);
			sqlite3_bind_int64(st, 3, id);
		}
		r = sqlite3_step(st) == SQLITE_DONE ? 0 : STORE_E_SQLITE;
		store_stmt_done(s, st);
		if (r)
			return r;
		if (same) {
			*ret_id = id;
			*ret_version = 0;
			return 0;
		}
	}
	st = store_prepare_cached(
	        s, "INSERT INTO item_versions(item_id, seen_at, text, platform_state, "
	           "raw_json, poll_id, edited_at) VALUES (?,?,?,?,?,?,?)");
	if (!st)
		return STORE_E_SQLITE;
	sqlite3_bind_int64(st, 1, id);
	sqlite3_bind_int64(st, 2, now);
	sqlite3_bind_text(st, 3, in->text, -1, SQLITE_STATIC);
	sqlite3_bind_text(st, 4, in->platform_state, -1, SQLITE_STATIC);
	sqlite3_bind_text(st, 5, in->raw_json, -1, SQLITE_STATIC);
	if (in->poll_id)
		sqlite3_bind_int64(st, 6, in->poll_id);
	if (in->edited_at)
		sqlite3_bind_int64(st, 7, in->edited_at);
	r = sqlite3_step(st) == SQLITE_DONE ? 0 : STORE_E_SQLITE;
	store_stmt_done(s, st);
	if (r)
		return r;
	*ret_id = id;
	*ret_version = sqlite3_last_insert_rowid(s->db);
	return 0;
}

int store_item_parent(struct store *s, int64_t id, int64_t *ret_parent)
{
	sqlite3_stmt *st =
	        store_prepare_cached(s, "SELECT coalesce(parent_id, 0) FROM items WHERE id=?");
	int r = STORE_E_SQLITE;
	if (!st)
		return r;
	sqlite3_bind_int64(st, 1, id);
	int sr = sqlite3_step(st);
	if (sr == SQLITE_ROW) {
		*ret_parent = sqlite3_column_int64(st, 0);
		r = 0;
	} else if (sr == SQLITE_DONE) {
		r = -ENOENT;
	}
	store_stmt_done(s, st);
	return r;
}

int store_item_for_filter(struct store *s, int64_t id, char **ret_text, char *account,
                          size_t account_len, int *ret_is_own, int64_t *ret_parent,
                          int64_t *ret_version)
{
	sqlite3_stmt *st = store_prepare_cached(
	        s, "SELECT coalesce((SELECT text FROM item_versions v WHERE v.item_id = i.id "
	           "ORDER BY v.id DESC LIMIT 1), i.text), i.account_id, i.is_own, "
	           "coalesce(i.parent_id, 0), (SELECT coalesce(max(id), 0) FROM item_versions v "
	           "WHERE v.item_id = i.id) FROM items i WHERE i.id=?");
	int r = STORE_E_SQLITE;
	if (!st)
		return r;
	sqlite3_bind_int64(st, 1, id);
	int sr = sqlite3_step(st);
	if (sr == SQLITE_ROW) {
		char *text = strdup((const char *)sqlite3_column_text(st, 0));
		if (!text) {
			r = -ENOMEM;
		} else {
			*ret_text = text;
			snprintf(account, account_len, "%s",
			         (const char *)sqlite3_column_text(st, 1));
			*ret_is_own = sqlite3_column_int(st, 2);
			*ret_parent = sqlite3_column_int64(st, 3);
			*ret_version = sqlite3_column_int64(st, 4);
			r = 0;
		}
	} else if (sr == SQLITE_DONE) {
		r = -ENOENT;
	}
	store_stmt_done(s, st);
	return r;
}

int store_items_unevaluated(struct store *s, int64_t after, size_t max, int64_t **ret,
                            size_t *ret_n)
{
	sqlite3_stmt *st =
	        store_prepare(s, "SELECT item_id FROM items_unevaluated WHERE item_id > ? "
	                         "ORDER BY item_id LIMIT ?");
	int64_t *v = NULL;
	size_t n = 0;
	int sr;
	if (!st)
		return STORE_E_SQLITE;
	sqlite3_bind_int64(st, 1, after);
	sqlite3_bind_int64(st, 2, (int64_t)max);
	while ((sr = sqlite3_step(st)) == SQLITE_ROW) {
		int64_t *nv = realloc(v, (n + 1) * sizeof(*v));
		if (!nv) {
			sr = SQLITE_NOMEM;
			break;
		}
		v = nv;
		v[n++] = sqlite3_column_int64(st, 0);
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
