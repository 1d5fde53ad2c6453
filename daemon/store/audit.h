/* The append-only, hash-chained audit log.
 *
 * Each entry's hash is SHA-256 over the previous entry's hash and the
 * entry's own fields, so changing or removing a row breaks the chain from
 * there on; triggers refuse UPDATE and DELETE.  The log is the city's proof
 * of diligence: who was alerted when, which rule hid what and why. */
#pragma once

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
 * STORE_E_CORRUPT with *ret_bad_seq the first entry that does not verify. */
int store_audit_verify(struct store *s, int64_t *ret_entries, int64_t *ret_bad_seq);

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
