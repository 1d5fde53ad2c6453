/* Reading the audit chain back: the verification walk and the export's
 * pages.  Both read in one transaction each (a consistent snapshot while
 * the daemon appends, in WAL mode) and by primary-key range, so a page
 * costs what it reads.  The walk reads everything: the daemon runs it on
 * a worker thread with its own connection (store_open_reader()). */
#include <errno.h>
#include <stdbool.h>
#include <stdio.h>
#include <string.h>

#include "store/audit.h"
#include "store/store-internal.h"

#define ENTRY_COLUMNS                                                                              \
	"seq, at, actor, action, subject, detail, prev_hash, hash, caller_uid, caller_gid, "       \
	"caller_pid, caller_user, claimed_by"

static const char *col(sqlite3_stmt *st, int i)
{
	const unsigned char *t = sqlite3_column_text(st, i);
	return t ? (const char *)t : "";
}

/* The row under st (ENTRY_COLUMNS) as an entry; valid until the next step. */
static void row_entry(sqlite3_stmt *st, struct store_audit_entry *e)
{
	*e = (struct store_audit_entry){
		.seq = sqlite3_column_int64(st, 0),
		.at = sqlite3_column_int64(st, 1),
		.actor = col(st, 2),
		.action = col(st, 3),
		.subject = col(st, 4),
		.detail = col(st, 5),
		.prev_hash = col(st, 6),
		.hash = col(st, 7),
		.has_caller = sqlite3_column_type(st, 8) != SQLITE_NULL,
		.caller = {
			.uid = sqlite3_column_int64(st, 8),
			.gid = sqlite3_column_int64(st, 9),
			.pid = sqlite3_column_int64(st, 10),
			.user = (const char *)sqlite3_column_text(st, 11),
			.claim = (const char *)sqlite3_column_text(st, 12),
		},
	};
}

/* A read transaction of its own unless the caller has one open; *ret_began
 * says whether to end it. */
static int read_begin(struct store *s, bool *ret_began)
{
	*ret_began = false;
	if (!sqlite3_get_autocommit(s->db))
		return 0;
	if (store_exec(s, "BEGIN"))
		return STORE_E_SQLITE;
	*ret_began = true;
	return 0;
}

static void read_end(struct store *s, bool began)
{
	if (began)
		store_exec(s, "COMMIT"); /* a read: nothing to keep or lose */
}

static int last_seq(struct store *s, int64_t *ret)
{
	sqlite3_stmt *st = store_prepare(s, "SELECT max(seq) FROM audit_log");
	int r = STORE_E_SQLITE;
	if (!st)
		return r;
	if (sqlite3_step(st) == SQLITE_ROW) {
		*ret = sqlite3_column_int64(st, 0); /* NULL (empty) reads as 0 */
		r = 0;
	}
	sqlite3_finalize(st);
	return r;
}

int store_audit_last_seq(struct store *s, int64_t *ret)
{
	return last_seq(s, ret);
}

int store_audit_verify_walk(struct store *s, store_audit_progress_fn progress, void *arg,
                            int64_t *ret_entries, int64_t *ret_bad_seq)
{
	char prev[AUDIT_HASH_HEX], hash[AUDIT_HASH_HEX];
	int64_t n = 0, expect_seq = 1, total = 0, bad = 0;
	sqlite3_stmt *st = NULL;
	bool began = false;
	int r, sr = SQLITE_DONE;

	r = read_begin(s, &began);
	if (r)
		return r;
	r = last_seq(s, &total);
	if (r)
		goto out;
	if (progress && !progress(arg, 0, total)) {
		r = -ECANCELED;
		goto out;
	}
	snprintf(prev, sizeof(prev), "%s", audit_genesis);
	/* seq > 0: a range of the rowid, which is all of it. */
	st = store_prepare(s, "SELECT " ENTRY_COLUMNS " FROM audit_log WHERE seq > ? ORDER BY seq");
	if (!st) {
		r = STORE_E_SQLITE;
		goto out;
	}
	sqlite3_bind_int64(st, 1, 0);
	while ((sr = sqlite3_step(st)) == SQLITE_ROW) {
		struct store_audit_entry e;
		row_entry(st, &e);
		audit_hash_caller(prev, e.seq, e.at, e.actor, e.action, e.subject, e.detail,
		                  e.has_caller ? &e.caller : NULL, hash);
		/* A gap in seq means a deleted row; a prev_hash or hash mismatch
		 * means an edited one. */
		if (e.seq != expect_seq || strcmp(e.prev_hash, prev) != 0 ||
		    strcmp(e.hash, hash) != 0) {
			bad = e.seq;
			r = STORE_E_CORRUPT;
			break;
		}
		snprintf(prev, sizeof(prev), "%s", hash);
		expect_seq = e.seq + 1;
		n++;
		if (progress && n % STORE_AUDIT_STEP == 0 && !progress(arg, n, total)) {
			r = -ECANCELED;
			break;
		}
	}
	if (r == 0 && sr != SQLITE_DONE)
		r = STORE_E_SQLITE;
out:
	sqlite3_finalize(st);
	read_end(s, began);
	if (r == 0 || r == STORE_E_CORRUPT || r == -ECANCELED) {
		if (ret_entries)
			*ret_entries = n;
	}
	if (r == STORE_E_CORRUPT && ret_bad_seq)
		*ret_bad_seq = bad;
	return r;
}

int store_audit_verify(struct store *s, int64_t *ret_entries, int64_t *ret_bad_seq)
{
	int64_t n = 0, bad = 0;
	int r = store_audit_verify_walk(s, NULL, NULL, &n, &bad);
	if (r == 0 && ret_entries)
		*ret_entries = n;
	if (r == STORE_E_CORRUPT && ret_bad_seq)
		*ret_bad_seq = bad;
	return r;
}

int store_audit_read(struct store *s, int64_t from, int64_t to, size_t max, store_audit_entry_fn fn,
                     void *arg)
{
	sqlite3_stmt *st = NULL;
	bool began = false;
	int r, sr = SQLITE_DONE;

	r = read_begin(s, &began);
	if (r)
		return r;
	st = store_prepare(s, "SELECT " ENTRY_COLUMNS " FROM audit_log WHERE seq >= ? AND seq <= ? "
	                      "ORDER BY seq LIMIT ?");
	if (!st) {
		r = STORE_E_SQLITE;
		goto out;
	}
	sqlite3_bind_int64(st, 1, from);
	sqlite3_bind_int64(st, 2, to);
	sqlite3_bind_int64(st, 3, (sqlite3_int64)max);
	while ((sr = sqlite3_step(st)) == SQLITE_ROW) {
		struct store_audit_entry e;
		row_entry(st, &e);
		int k = fn(arg, &e);
		if (k < 0) {
			r = k;
			break;
		}
		if (k > 0) {
			sr = SQLITE_DONE;
			break;
		}
	}
	if (r == 0 && sr != SQLITE_DONE)
		r = STORE_E_SQLITE;
out:
	sqlite3_finalize(st);
	read_end(s, began);
	return r;
}
