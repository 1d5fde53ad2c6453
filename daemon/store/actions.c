/* Moderation actions' rows (store/actions.h). */
#include "store/actions.h"

#include <errno.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cjson/cJSON.h>

#include "store/audit.h"
#include "store/store-internal.h"

/* CROSS JOIN keeps actions the outer loop (SQLite does not reorder it):
 * items is big, actions are few and each statement walks them by its own
 * index or rowid. */
#define ACTION_COLS                                                                                \
	"a.id, a.item_id, coalesce(a.verdict_id, 0), a.kind, a.state, a.requested_by, a.reason, "  \
	"a.attempts, a.requested_at, coalesce(a.next_attempt_at, 0), coalesce(a.done_at, 0), "     \
	"coalesce(a.error, ''), coalesce(a.answer, ''), i.account_id, i.platform_id, i.kind, "     \
	"coalesce(i.author_id, ''), i.platform_state "                                             \
	"FROM actions a CROSS JOIN items i ON i.id = a.item_id "

static void col_text(sqlite3_stmt *st, int i, char *buf, size_t len)
{
	const unsigned char *t = sqlite3_column_text(st, i);
	snprintf(buf, len, "%s", t ? (const char *)t : "");
}

static void read_row(sqlite3_stmt *st, struct store_action *a)
{
	memset(a, 0, sizeof(*a));
	a->id = sqlite3_column_int64(st, 0);
	a->item_id = sqlite3_column_int64(st, 1);
	a->verdict_id = sqlite3_column_int64(st, 2);
	col_text(st, 3, a->kind, sizeof(a->kind));
	col_text(st, 4, a->state, sizeof(a->state));
	col_text(st, 5, a->requested_by, sizeof(a->requested_by));
	col_text(st, 6, a->reason, sizeof(a->reason));
	a->attempts = sqlite3_column_int(st, 7);
	a->requested_at = sqlite3_column_int64(st, 8);
	a->next_attempt_at = sqlite3_column_int64(st, 9);
	a->done_at = sqlite3_column_int64(st, 10);
	col_text(st, 11, a->error, sizeof(a->error));
	col_text(st, 12, a->answer, sizeof(a->answer));
	col_text(st, 13, a->account, sizeof(a->account));
	col_text(st, 14, a->platform_id, sizeof(a->platform_id));
	col_text(st, 15, a->item_kind, sizeof(a->item_kind));
	col_text(st, 16, a->author_id, sizeof(a->author_id));
	col_text(st, 17, a->platform_state, sizeof(a->platform_state));
}

/* Step st to the end, collecting rows; finalizes st. */
static int read_rows(sqlite3_stmt *st, size_t max, struct store_action **ret, size_t *ret_n)
{
	struct store_action *v = NULL;
	size_t n = 0, cap = 0;
	int r = 0, sr;
	while (n < max && (sr = sqlite3_step(st)) == SQLITE_ROW) {
		if (n == cap) {
			size_t nc = cap ? cap * 2 : 16;
			struct store_action *nv = realloc(v, nc * sizeof(*nv));
			if (!nv) {
				r = -ENOMEM;
				break;
			}
			v = nv;
			cap = nc;
		}
		read_row(st, &v[n++]);
	}
	if (r == 0 && n < max && sr != SQLITE_DONE)
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

/* The audit entry of a change to action id: its kind, item, state and
 * whatever else says why. */
static int audit_action(struct store *s, const char *actor, const char *what, int64_t id,
                        int64_t item, const char *kind, const char *state, const char *reason,
                        const char *answer, const char *error)
{
	cJSON *d = cJSON_CreateObject();
	char subject[48], *txt = NULL;
	/* An audit entry with a field missing would be a false record. */
	if (d && cJSON_AddNumberToObject(d, "item", (double)item) &&
	    cJSON_AddStringToObject(d, "kind", kind) &&
	    cJSON_AddStringToObject(d, "state", state) &&
	    (!reason || cJSON_AddStringToObject(d, "reason", reason)) &&
	    (!answer || !*answer || cJSON_AddStringToObject(d, "answer", answer)) &&
	    (!error || !*error || cJSON_AddStringToObject(d, "error", error)))
		txt = cJSON_PrintUnformatted(d);
	cJSON_Delete(d);
	snprintf(subject, sizeof(subject), "action:%lld", (long long)id);
	int r = txt ? store_audit_append(s, actor, what, subject, txt, NULL) : -ENOMEM;
	free(txt);
	return r;
}

int store_action_add(struct store *s, const struct store_action_in *in, int64_t now,
                     int64_t *ret_id)
{
	int r = store_begin(s);
	if (r)
		return r;
	sqlite3_stmt *st = store_prepare(
	        s, "INSERT OR IGNORE INTO actions (item_id, kind, requested_at, requested_by, "
	           "reason, state, next_attempt_at, done_at, error, verdict_id) "
	           "VALUES (?,?,?,?,?,?,?,?,?,?)");
	if (!st)
		return store_end(s, STORE_E_SQLITE);
	bool queued = strcmp(in->state, "queued") == 0;
	bool ended = strcmp(in->state, "not_allowed") == 0;
	sqlite3_bind_int64(st, 1, in->item_id);
	sqlite3_bind_text(st, 2, in->kind, -1, SQLITE_STATIC);
	sqlite3_bind_int64(st, 3, now);
	sqlite3_bind_text(st, 4, in->requested_by, -1, SQLITE_STATIC);
	sqlite3_bind_text(st, 5, in->reason ? in->reason : "", -1, SQLITE_STATIC);
	sqlite3_bind_text(st, 6, in->state, -1, SQLITE_STATIC);
	if (queued)
		sqlite3_bind_int64(st, 7, now);
	else
		sqlite3_bind_null(st, 7);
	if (ended)
		sqlite3_bind_int64(st, 8, now);
	else
		sqlite3_bind_null(st, 8);
	if (in->error)
		sqlite3_bind_text(st, 9, in->error, -1, SQLITE_STATIC);
	else
		sqlite3_bind_null(st, 9);
	if (in->verdict_id)
		sqlite3_bind_int64(st, 10, in->verdict_id);
	else
		sqlite3_bind_null(st, 10);
	r = sqlite3_step(st) == SQLITE_DONE ? 0 : STORE_E_SQLITE;
	sqlite3_finalize(st);
	int64_t id = 0;
	if (r == 0 && sqlite3_changes(s->db) == 1)
		id = sqlite3_last_insert_rowid(s->db);
	if (r == 0 && id) {
		char what[32];
		snprintf(what, sizeof(what), "action.%s", in->state);
		r = audit_action(s, in->requested_by, what, id, in->item_id, in->kind, in->state,
		                 in->reason, NULL, in->error);
	}
	r = store_end(s, r);
	if (r == 0 && ret_id)
		*ret_id = id;
	return r;
}

int store_actions_due(struct store *s, int64_t now, size_t max, struct store_action **ret,
                      size_t *ret_n)
{
	sqlite3_stmt *st = store_prepare(s, "SELECT " ACTION_COLS
	                                    "WHERE a.state = 'queued' AND a.next_attempt_at <= ? "
	                                    "ORDER BY a.next_attempt_at LIMIT ?");
	if (!st)
		return STORE_E_SQLITE;
	sqlite3_bind_int64(st, 1, now);
	sqlite3_bind_int64(st, 2, (int64_t)max);
	return read_rows(st, max, ret, ret_n);
}

int store_actions_next_due(struct store *s, int64_t *ret)
{
	sqlite3_stmt *st = store_prepare(s, "SELECT min(next_attempt_at) FROM actions "
	                                    "WHERE state = 'queued'");
	if (!st)
		return STORE_E_SQLITE;
	int r = sqlite3_step(st) == SQLITE_ROW ? 0 : STORE_E_SQLITE;
	if (r == 0)
		*ret = sqlite3_column_int64(st, 0);
	sqlite3_finalize(st);
	return r;
}

int store_actions_list(struct store *s, int pending, int64_t item, size_t max,
                       struct store_action **ret, size_t *ret_n)
{
	sqlite3_stmt *st;
	int i = 1;
	if (item > 0) {
		st = store_prepare(s, "SELECT " ACTION_COLS
		                      "WHERE a.item_id = ? ORDER BY a.id DESC LIMIT ?");
		if (st)
			sqlite3_bind_int64(st, i++, item);
	} else if (pending) {
		st = store_prepare(s, "SELECT " ACTION_COLS
		                      "WHERE a.state IN ('proposed','queued','running') "
		                      "ORDER BY a.id DESC LIMIT ?");
	} else {
		st = store_prepare(s, "SELECT " ACTION_COLS "ORDER BY a.id DESC LIMIT ?");
	}
	if (!st)
		return STORE_E_SQLITE;
	sqlite3_bind_int64(st, i, (int64_t)max);
	return read_rows(st, max, ret, ret_n);
}

int store_action_get(struct store *s, int64_t id, struct store_action *ret)
{
	sqlite3_stmt *st = store_prepare(s, "SELECT " ACTION_COLS "WHERE a.id = ?");
	if (!st)
		return STORE_E_SQLITE;
	sqlite3_bind_int64(st, 1, id);
	int sr = sqlite3_step(st), r = STORE_E_SQLITE;
	if (sr == SQLITE_ROW) {
		read_row(st, ret);
		r = 0;
	} else if (sr == SQLITE_DONE) {
		r = -ENOENT;
	}
	sqlite3_finalize(st);
	return r;
}

int store_action_attempt(struct store *s, int64_t id, int64_t now)
{
	(void)now;
	int r = store_begin(s);
	if (r)
		return r;
	sqlite3_stmt *st =
	        store_prepare(s, "UPDATE actions SET state = 'running', "
	                         "attempts = attempts + 1 WHERE id = ? AND state = 'queued'");
	if (!st)
		return store_end(s, STORE_E_SQLITE);
	sqlite3_bind_int64(st, 1, id);
	r = sqlite3_step(st) == SQLITE_DONE ? 0 : STORE_E_SQLITE;
	sqlite3_finalize(st);
	if (r == 0 && sqlite3_changes(s->db) != 1)
		r = -ESTALE; /* no longer queued (a moderator cancelled it) */
	return store_end(s, r);
}

static int set_platform_state(struct store *s, int64_t item, const char *state, int64_t now)
{
	sqlite3_stmt *st =
	        store_prepare(s, "UPDATE items SET platform_state = ?, last_seen_at = "
	                         "max(last_seen_at, ?) WHERE id = ? AND platform_state != ?");
	if (!st)
		return STORE_E_SQLITE;
	sqlite3_bind_text(st, 1, state, -1, SQLITE_STATIC);
	sqlite3_bind_int64(st, 2, now);
	sqlite3_bind_int64(st, 3, item);
	sqlite3_bind_text(st, 4, state, -1, SQLITE_STATIC);
	int r = sqlite3_step(st) == SQLITE_DONE ? 0 : STORE_E_SQLITE;
	sqlite3_finalize(st);
	return r;
}

int store_action_finish(struct store *s, int64_t id, const struct store_action_result *res,
                        const char *actor, int64_t now)
{
	struct store_action a;
	int r = store_begin(s);
	if (r)
		return r;
	r = store_action_get(s, id, &a);
	if (r)
		return store_end(s, r);
	bool retry = strcmp(res->state, "queued") == 0;
	sqlite3_stmt *st = store_prepare(s, "UPDATE actions SET state = ?, answer = ?, error = ?, "
	                                    "next_attempt_at = ?, done_at = ? WHERE id = ?");
	if (!st)
		return store_end(s, STORE_E_SQLITE);
	sqlite3_bind_text(st, 1, res->state, -1, SQLITE_STATIC);
	sqlite3_bind_text(st, 2, res->answer ? res->answer : "", -1, SQLITE_STATIC);
	if (res->error)
		sqlite3_bind_text(st, 3, res->error, -1, SQLITE_STATIC);
	else
		sqlite3_bind_null(st, 3);
	if (retry) {
		sqlite3_bind_int64(st, 4, res->next_attempt_at);
		sqlite3_bind_null(st, 5);
	} else {
		sqlite3_bind_null(st, 4);
		sqlite3_bind_int64(st, 5, now);
	}
	sqlite3_bind_int64(st, 6, id);
	r = sqlite3_step(st) == SQLITE_DONE ? 0 : STORE_E_SQLITE;
	sqlite3_finalize(st);
	if (r == 0 && strcmp(res->state, "done") == 0 && res->platform_state)
		r = set_platform_state(s, a.item_id, res->platform_state, now);
	if (r == 0) {
		char what[32];
		snprintf(what, sizeof(what), "action.%s", retry ? "retry" : res->state);
		r = audit_action(s, actor, what, id, a.item_id, a.kind, res->state, NULL,
		                 res->answer, res->error);
	}
	return store_end(s, r);
}

int store_actions_recover(struct store *s, int64_t now, size_t *ret_n)
{
	int r = store_begin(s);
	if (r)
		return r;
	sqlite3_stmt *st = store_prepare(s, "UPDATE actions SET state = 'queued', "
	                                    "next_attempt_at = ? WHERE state = 'running'");
	if (!st)
		return store_end(s, STORE_E_SQLITE);
	sqlite3_bind_int64(st, 1, now);
	r = sqlite3_step(st) == SQLITE_DONE ? 0 : STORE_E_SQLITE;
	sqlite3_finalize(st);
	size_t n = r == 0 ? (size_t)sqlite3_changes(s->db) : 0;
	if (r == 0 && n) {
		char detail[64];
		snprintf(detail, sizeof(detail), "{\"requeued\":%zu}", n);
		r = store_audit_append(s, "vaktd:act", "action.recover", "actions", detail, NULL);
	}
	r = store_end(s, r);
	if (r == 0)
		*ret_n = n;
	return r;
}

/* Cancel what vakt proposed for item (a moderator decided), audited. */
static int cancel_proposed(struct store *s, int64_t item, const char *actor, const char *kind,
                           int64_t now)
{
	struct store_action *v = NULL;
	size_t n = 0;
	int r = store_actions_list(s, 0, item, 1000, &v, &n);
	char why[64];
	snprintf(why, sizeof(why), "a moderator decided: %s", kind);
	for (size_t i = 0; r == 0 && i < n; i++) {
		if (strcmp(v[i].state, "proposed") != 0)
			continue;
		sqlite3_stmt *st = store_prepare(s, "UPDATE actions SET state = 'cancelled', "
		                                    "done_at = ?, error = ? WHERE id = ?");
		if (!st) {
			r = STORE_E_SQLITE;
			break;
		}
		sqlite3_bind_int64(st, 1, now);
		sqlite3_bind_text(st, 2, why, -1, SQLITE_STATIC);
		sqlite3_bind_int64(st, 3, v[i].id);
		r = sqlite3_step(st) == SQLITE_DONE ? 0 : STORE_E_SQLITE;
		sqlite3_finalize(st);
		if (r == 0)
			r = audit_action(s, actor, "action.cancelled", v[i].id, item, v[i].kind,
			                 "cancelled", NULL, NULL, why);
	}
	free(v);
	return r;
}

int store_action_decide(struct store *s, int64_t item, const char *kind, const char *actor,
                        const char *reason, int64_t now, int64_t *ret_id)
{
	int r = store_begin(s);
	if (r)
		return r;
	sqlite3_stmt *st = store_prepare(s, "SELECT (SELECT count(*) FROM items WHERE id = ?), "
	                                    "(SELECT count(*) FROM actions WHERE item_id = ? AND "
	                                    "kind = ? AND state IN ('queued','running'))");
	if (!st)
		return store_end(s, STORE_E_SQLITE);
	sqlite3_bind_int64(st, 1, item);
	sqlite3_bind_int64(st, 2, item);
	sqlite3_bind_text(st, 3, kind, -1, SQLITE_STATIC);
	r = sqlite3_step(st) == SQLITE_ROW ? 0 : STORE_E_SQLITE;
	if (r == 0 && sqlite3_column_int64(st, 0) == 0)
		r = -ENOENT;
	else if (r == 0 && sqlite3_column_int64(st, 1) > 0)
		r = -EALREADY;
	sqlite3_finalize(st);
	if (r == 0)
		r = cancel_proposed(s, item, actor, kind, now);
	int64_t id = 0;
	if (r == 0) {
		const struct store_action_in in = {
			.item_id = item,
			.kind = kind,
			.state = "queued",
			.requested_by = actor,
			.reason = reason && *reason ? reason : "a moderator's decision",
		};
		r = store_action_add(s, &in, now, &id);
	}
	r = store_end(s, r);
	if (r == 0 && ret_id)
		*ret_id = id;
	return r;
}

int store_action_target(struct store *s, int64_t item, struct store_action_target *ret)
{
	sqlite3_stmt *st = store_prepare(s, "SELECT account_id, platform_id, kind, "
	                                    "coalesce(author_id, ''), platform_state, is_own "
	                                    "FROM items WHERE id = ?");
	if (!st)
		return STORE_E_SQLITE;
	sqlite3_bind_int64(st, 1, item);
	int sr = sqlite3_step(st), r = STORE_E_SQLITE;
	if (sr == SQLITE_ROW) {
		struct store_action_target t = { 0 };
		col_text(st, 0, t.account, sizeof(t.account));
		col_text(st, 1, t.platform_id, sizeof(t.platform_id));
		col_text(st, 2, t.kind, sizeof(t.kind));
		col_text(st, 3, t.author_id, sizeof(t.author_id));
		col_text(st, 4, t.platform_state, sizeof(t.platform_state));
		t.is_own = sqlite3_column_int(st, 5);
		*ret = t;
		r = 0;
	} else if (sr == SQLITE_DONE) {
		r = -ENOENT;
	}
	sqlite3_finalize(st);
	return r;
}
