/* The append-only, hash-chained audit log.
 *
 * Each entry's hash is SHA-256 over the previous entry's hash and the
 * entry's own fields, so changing or removing a row breaks the chain from
 * there on; triggers refuse UPDATE and DELETE.  The log is the city's proof
 * of diligence: who was alerted when, which rule hid what and why. */
#pragma once

#include <stdbool.h>
#include <stdint.h>

#include "store/store.h"

#define AUDIT_HASH_HEX 65 /* 64 hex digits and NUL */

/* Who asked for a change through the API, as the kernel says (SO_PEERCRED),
 * and the name the client gave for itself, kept only as a claim. */
struct audit_caller {
	int64_t uid, gid, pid;
	const char *user;  /* the uid's user name; NULL when it has none */
	const char *claim; /* NULL when the client named nobody */
};

/* Every store_audit_append() until the next call records caller (NULL:
 * none, the daemon acting on its own).  The API sets it around one
 * request, so every entry that request causes, however deep in the store
 * it is written, names the real caller.  caller is borrowed until then. */
void store_audit_set_caller(struct store *s, const struct audit_caller *caller);

/* Append one entry at clock_now_usec().  detail is a JSON object as text
 * (may be NULL for "{}").  Call inside the transaction of the change it
 * records, so both commit or neither does.  *ret_seq may be NULL. */
int store_audit_append(struct store *s, const char *actor, const char *action, const char *subject,
                       const char *detail, int64_t *ret_seq);

/* Walk the whole chain.  Returns 0 when intact (*ret_entries = count), or
 * STORE_E_CORRUPT with *ret_bad_seq the first entry that does not verify.
 * It reads every entry: on the daemon's loop only for small stores and
 * tests; the daemon verifies on a worker (api/api-audit-job.h). */
int store_audit_verify(struct store *s, int64_t *ret_entries, int64_t *ret_bad_seq);

/* How often a walk reports progress and asks whether to go on. */
#define STORE_AUDIT_STEP 1024

/* Called with (0, total) before the first entry, then after every
 * STORE_AUDIT_STEP entries checked; total is the last seq of the chain as
 * the walk sees it.  Return false to stop the walk. */
typedef bool (*store_audit_progress_fn)(void *arg, int64_t checked, int64_t total);

/* store_audit_verify() with progress: the whole chain in one read
 * transaction (one snapshot; when s is inside a transaction already, in
 * that one).  -ECANCELED when progress returned false, with *ret_entries
 * the entries checked by then; STORE_E_CORRUPT with *ret_bad_seq and
 * *ret_entries the intact entries before it; 0 or STORE_E_SQLITE.
 * progress may be NULL.  Meant for a store_open_reader() connection on a
 * worker thread: it takes as long as the chain is long. */
int store_audit_verify_walk(struct store *s, store_audit_progress_fn progress, void *arg,
                            int64_t *ret_entries, int64_t *ret_bad_seq);

/* One stored entry as read back; strings are borrowed for the callback. */
struct store_audit_entry {
	int64_t seq, at;
	const char *actor, *action, *subject, *detail, *prev_hash, *hash;
	bool has_caller;
	struct audit_caller caller; /* when has_caller */
};

/* Called per entry; return 0 to go on, a positive value to stop after
 * this entry (a full page), a negative errno to fail the read. */
typedef int (*store_audit_entry_fn)(void *arg, const struct store_audit_entry *e);

/* The entries with from <= seq <= to, in order, at most max of them, in
 * one read transaction (a primary-key range: cost by what is read, not by
 * the size of the log).  0, the callback's negative errno, or
 * STORE_E_SQLITE. */
int store_audit_read(struct store *s, int64_t from, int64_t to, size_t max, store_audit_entry_fn fn,
                     void *arg);

/* The last seq of the chain (0 when empty). */
int store_audit_last_seq(struct store *s, int64_t *ret);

/* The hash of one entry, exposed for tests; out is "" when hashing failed.
 * An entry with a caller hashes its seven fields, then "caller" and the
 * caller's five; one without hashes the seven alone, exactly as entries
 * did before callers were recorded, so old chains still verify.  (The
 * fields are length-prefixed, so neither form can pass for the other.) */
void audit_hash(const char *prev_hash, int64_t seq, int64_t at, const char *actor,
                const char *action, const char *subject, const char *detail,
                char out[AUDIT_HASH_HEX]);
void audit_hash_caller(const char *prev_hash, int64_t seq, int64_t at, const char *actor,
                       const char *action, const char *subject, const char *detail,
                       const struct audit_caller *caller, char out[AUDIT_HASH_HEX]);
