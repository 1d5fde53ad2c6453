/* Mirroring configured accounts into the store. */
#include <cjson/cJSON.h>
#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "calendar/cal.h"
#include "store/audit.h"
#include "store/store-internal.h"
#include "util/clock.h"

static int same(const unsigned char *a, const char *b)
{
	return strcmp(a ? (const char *)a : "", b ? b : "") == 0;
}

static int audit_account(struct store *s, const char *actor, const char *action,
                         const struct config_account *a)
{
	cJSON *d = cJSON_CreateObject();
	char subject[128], *txt = NULL;
	/* An audit entry with a field missing would be a false record. */
	if (d && cJSON_AddStringToObject(d, "platform", platform_name(a->platform)) &&
	    cJSON_AddStringToObject(d, "unit", a->unit ? a->unit : "") &&
	    cJSON_AddStringToObject(d, "external_id", a->external_id ? a->external_id : "") &&
	    cJSON_AddBoolToObject(d, "enabled", a->enabled) &&
	    cJSON_AddStringToObject(d, "file", a->file ? a->file : ""))
		txt = cJSON_PrintUnformatted(d);
	cJSON_Delete(d);
	snprintf(subject, sizeof(subject), "account:%s", a->id);
	int r = txt ? store_audit_append(s, actor, action, subject, txt, NULL) : -ENOMEM;
	free(txt);
	return r;
}

static int sync_one(struct store *s, const struct config_account *a, const char *actor, int64_t now)
{
	sqlite3_stmt *st = store_prepare(s, "SELECT platform, unit, title, external_id, enabled, "
	                                    "removed_at FROM accounts WHERE id = ?");
	int r = STORE_E_SQLITE;
	const char *action = NULL;

	if (!st)
		return STORE_E_SQLITE;
	sqlite3_bind_text(st, 1, a->id, -1, SQLITE_STATIC);
	int sr = sqlite3_step(st);
	if (sr == SQLITE_DONE) {
		action = "account.added";
	} else if (sr == SQLITE_ROW) {
		if (!same(sqlite3_column_text(st, 0), platform_name(a->platform)) ||
		    !same(sqlite3_column_text(st, 1), a->unit) ||
		    !same(sqlite3_column_text(st, 2), a->title) ||
		    !same(sqlite3_column_text(st, 3), a->external_id) ||
		    sqlite3_column_int(st, 4) != (int)a->enabled ||
		    sqlite3_column_type(st, 5) != SQLITE_NULL)
			action = "account.changed";
	} else {
		sqlite3_finalize(st);
		return STORE_E_SQLITE;
	}
	sqlite3_finalize(st);
	if (!action)
		return 0;

	st = store_prepare(s,
	                   "INSERT INTO accounts(id, platform, unit, title, external_id, enabled, "
	                   "created_at, updated_at) VALUES (?1,?2,?3,?4,?5,?6,?7,?7) "
	                   "ON CONFLICT(id) DO UPDATE SET platform=?2, unit=?3, title=?4, "
	                   "external_id=?5, enabled=?6, updated_at=?7, removed_at=NULL");
	if (!st)
		return STORE_E_SQLITE;
	sqlite3_bind_text(st, 1, a->id, -1, SQLITE_STATIC);
	sqlite3_bind_text(st, 2, platform_name(a->platform), -1, SQLITE_STATIC);
	sqlite3_bind_text(st, 3, a->unit, -1, SQLITE_STATIC);
	sqlite3_bind_text(st, 4, a->title, -1, SQLITE_STATIC);
	sqlite3_bind_text(st, 5, a->external_id, -1, SQLITE_STATIC);
	sqlite3_bind_int(st, 6, a->enabled);
	sqlite3_bind_int64(st, 7, now);
	if (sqlite3_step(st) == SQLITE_DONE)
		r = audit_account(s, actor, action, a);
	sqlite3_finalize(st);
	return r;
}

static int mark_removed(struct store *s, const struct config *cfg, const char *actor, int64_t now)
{
	sqlite3_stmt *st = store_prepare(s, "SELECT id FROM accounts WHERE removed_at IS NULL");
	char **gone = NULL;
	size_t n = 0;
	int r = 0;

	int sr;
	if (!st)
		return STORE_E_SQLITE;
	while ((sr = sqlite3_step(st)) == SQLITE_ROW) {
		const char *id = (const char *)sqlite3_column_text(st, 0);
		if (config_find_account(cfg, id))
			continue;
		char **v = realloc(gone, (n + 1) * sizeof(*v));
		if (!v || !(v[n] = strdup(id))) {
			gone = v ? v : gone;
			r = STORE_E_SQLITE;
			break;
		}
		gone = v;
		n++;
	}
	if (r == 0 && sr != SQLITE_DONE && sr != SQLITE_ROW)
		r = STORE_E_SQLITE; /* a busy or failing read is not "no more rows" */
	sqlite3_finalize(st);
	for (size_t i = 0; i < n && r == 0; i++) {
		char subject[128];
		st = store_prepare(
		        s, "UPDATE accounts SET removed_at = ?, updated_at = ? WHERE id = ?");
		if (!st) {
			r = STORE_E_SQLITE;
			break;
		}
		sqlite3_bind_int64(st, 1, now);
		sqlite3_bind_int64(st, 2, now);
		sqlite3_bind_text(st, 3, gone[i], -1, SQLITE_STATIC);
		if (sqlite3_step(st) != SQLITE_DONE)
			r = STORE_E_SQLITE;
		sqlite3_finalize(st);
		snprintf(subject, sizeof(subject), "account:%s", gone[i]);
		if (r == 0)
			r = store_audit_append(s, actor, "account.removed", subject,
			                       "{\"note\":\"items are kept as public records\"}",
			                       NULL);
	}
	for (size_t i = 0; i < n; i++)
		free(gone[i]);
	free(gone);
	return r;
}

int store_accounts_sync(struct store *s, const struct config *cfg, const char *actor)
{
	int64_t now = clock_now_usec();
	int r = store_begin(s);
	if (r)
		return r;
	for (size_t i = 0; i < cfg->n_accounts && r == 0; i++) {
		const struct config_account *a = &cfg->accounts[i];
		r = sync_one(s, a, actor, now);
		/* Its polls per day, in its calendar's zone (poll-days.c). */
		if (r == 0 && a->cal)
			r = store_poll_days_sync(s, a->id, cal_timezone(a->cal)->name);
	}
	if (r == 0)
		r = mark_removed(s, cfg, actor, now);
	return store_end(s, r);
}
