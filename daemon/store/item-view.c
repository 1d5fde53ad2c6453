/* The moderators' view of one item. */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "store/store-internal.h"

static char *dup_col(sqlite3_stmt *st, int i)
{
	const unsigned char *t = sqlite3_column_text(st, i);
	return t ? strdup((const char *)t) : NULL;
}

static void copy_col(sqlite3_stmt *st, int i, char *buf, size_t len)
{
	const unsigned char *t = sqlite3_column_text(st, i);
	snprintf(buf, len, "%s", t ? (const char *)t : "");
}

int store_item_view(struct store *s, int64_t id, struct store_item_view *ret)
{
	struct store_item_view v = { 0 };
	int r = STORE_E_SQLITE, sr;
	sqlite3_stmt *st = store_prepare(
	        s, "SELECT account_id, platform_id, kind, is_own, published_at, platform_state, "
	           "state, (SELECT count(*) FROM item_versions v WHERE v.item_id = items.id) "
	           "FROM items WHERE id=?");
	if (!st)
		return r;
	sqlite3_bind_int64(st, 1, id);
	sr = sqlite3_step(st);
	if (sr == SQLITE_ROW) {
		copy_col(st, 0, v.account, sizeof(v.account));
		copy_col(st, 1, v.platform_id, sizeof(v.platform_id));
		copy_col(st, 2, v.kind, sizeof(v.kind));
		v.own = sqlite3_column_int(st, 3);
		v.published_at = sqlite3_column_int64(st, 4);
		copy_col(st, 5, v.platform_state, sizeof(v.platform_state));
		copy_col(st, 6, v.state, sizeof(v.state));
		v.versions = sqlite3_column_int(st, 7);
	}
	sqlite3_finalize(st);
	if (sr != SQLITE_ROW)
		return sr == SQLITE_DONE ? -ENOENT : STORE_E_SQLITE;

	/* An empty masked_text means nothing was masked: the version's text. */
	st = store_prepare(s,
	                   "SELECT d.id, d.tier, d.categories, d.rule_ids, d.actions, "
	                   "CASE WHEN d.masked_text = '' AND d.version_id IS NOT NULL THEN "
	                   "coalesce((SELECT text FROM item_versions v WHERE v.id = d.version_id), "
	                   "'') ELSE d.masked_text END, d.ruleset "
	                   "FROM verdicts d WHERE d.item_id=? ORDER BY d.id DESC LIMIT 1");
	if (!st)
		goto out;
	sqlite3_bind_int64(st, 1, id);
	sr = sqlite3_step(st);
	if (sr == SQLITE_ROW) {
		v.verdict_id = sqlite3_column_int64(st, 0);
		v.tier = dup_col(st, 1);
		v.categories = dup_col(st, 2);
		v.rules = dup_col(st, 3);
		v.actions = dup_col(st, 4);
		v.masked_text = dup_col(st, 5);
		v.ruleset = dup_col(st, 6);
	}
	sqlite3_finalize(st);
	if (sr != SQLITE_ROW && sr != SQLITE_DONE)
		goto out;

	st = store_prepare(
	        s, "SELECT id, kind, state, due_at FROM deadlines WHERE item_id=? ORDER BY id");
	if (!st)
		goto out;
	sqlite3_bind_int64(st, 1, id);
	while ((sr = sqlite3_step(st)) == SQLITE_ROW) {
		struct store_item_clock *c = realloc(v.clocks, (v.nclocks + 1) * sizeof(*c));
		if (!c) {
			sr = SQLITE_NOMEM;
			break;
		}
		v.clocks = c;
		c += v.nclocks++;
		c->id = sqlite3_column_int64(st, 0);
		copy_col(st, 1, c->kind, sizeof(c->kind));
		copy_col(st, 2, c->state, sizeof(c->state));
		c->due_at = sqlite3_column_int64(st, 3);
	}
	sqlite3_finalize(st);
	if (sr == SQLITE_DONE) {
		*ret = v;
		return 0;
	}
	r = sr == SQLITE_NOMEM ? -ENOMEM : STORE_E_SQLITE;
out:
	store_item_view_clear(&v);
	return r;
}

void store_item_view_clear(struct store_item_view *v)
{
	free(v->tier);
	free(v->categories);
	free(v->rules);
	free(v->actions);
	free(v->masked_text);
	free(v->ruleset);
	free(v->clocks);
	memset(v, 0, sizeof(*v));
}
