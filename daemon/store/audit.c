/* Hash-chained audit log. */
#include "store/audit.h"

#include <openssl/evp.h>
#include <stdbool.h>
#include <stdio.h>
#include <string.h>

#include "store/store-internal.h"
#include "util/clock.h"

const char audit_genesis[] = "0000000000000000000000000000000000000000000000000000000000000000";

/* Decimal text of v into buf (at least 24 bytes), as "%lld" writes it;
 * returns its length.  By hand: the chain's walk hashes a million entries,
 * and snprintf was half of its time. */
static size_t decimal(char *buf, int64_t v)
{
	char tmp[24];
	size_t n = 0, k = 0;
	uint64_t u = v < 0 ? (uint64_t)0 - (uint64_t)v : (uint64_t)v;
	do {
		tmp[n++] = (char)('0' + u % 10);
		u /= 10;
	} while (u);
	if (v < 0)
		buf[k++] = '-';
	while (n)
		buf[k++] = tmp[--n];
	buf[k] = '\0';
	return k;
}

/* Fields are length-prefixed so that no choice of contents can make two
 * different entries hash the same input. */
static void feed(EVP_MD_CTX *ctx, const char *s)
{
	char len[24];
	size_t n = s ? strlen(s) : 0;
	size_t k = decimal(len, (int64_t)n);
	len[k++] = ':';
	EVP_DigestUpdate(ctx, len, k);
	if (n)
		EVP_DigestUpdate(ctx, s, n);
}

static void feed_num(EVP_MD_CTX *ctx, int64_t v)
{
	char num[24];
	decimal(num, v);
	feed(ctx, num);
}

void audit_hash(const char *prev_hash, int64_t seq, int64_t at, const char *actor,
                const char *action, const char *subject, const char *detail,
                char out[AUDIT_HASH_HEX])
{
	audit_hash_caller(prev_hash, seq, at, actor, action, subject, detail, NULL, out);
}

void audit_hash_caller(const char *prev_hash, int64_t seq, int64_t at, const char *actor,
                       const char *action, const char *subject, const char *detail,
                       const struct audit_caller *caller, char out[AUDIT_HASH_HEX])
{
	static const char hex[] = "0123456789abcdef";
	unsigned char md[EVP_MAX_MD_SIZE];
	unsigned int mdlen = 0;
	EVP_MD_CTX *ctx = EVP_MD_CTX_new();

	out[0] = '\0';
	if (!ctx)
		return;
	EVP_DigestInit_ex(ctx, EVP_sha256(), NULL);
	feed(ctx, prev_hash);
	feed_num(ctx, seq);
	feed_num(ctx, at);
	feed(ctx, actor);
	feed(ctx, action);
	feed(ctx, subject);
	feed(ctx, detail);
	if (caller) {
		/* NULL and "" both feed as length 0; a flag tells them apart. */
		feed(ctx, "caller");
		feed_num(ctx, caller->uid);
		feed_num(ctx, caller->gid);
		feed_num(ctx, caller->pid);
		feed(ctx, caller->user ? "1" : "0");
		feed(ctx, caller->user);
		feed(ctx, caller->claim ? "1" : "0");
		feed(ctx, caller->claim);
	}
	EVP_DigestFinal_ex(ctx, md, &mdlen);
	EVP_MD_CTX_free(ctx);
	unsigned int i;
	for (i = 0; i < mdlen && i < 32; i++) {
		out[2 * i] = hex[md[i] >> 4];
		out[2 * i + 1] = hex[md[i] & 15];
	}
	out[2 * i] = '\0';
}

void store_audit_set_caller(struct store *s, const struct audit_caller *caller)
{
	s->caller = caller;
}

int store_audit_append(struct store *s, const char *actor, const char *action, const char *subject,
                       const char *detail, int64_t *ret_seq)
{
	char prev[AUDIT_HASH_HEX] = "", hash[AUDIT_HASH_HEX];
	int64_t seq = 1, at = clock_now_usec();
	int r = STORE_E_SQLITE;

	if (!detail)
		detail = "{}";
	/* The head by max(seq): one step down the rowid tree. */
	sqlite3_stmt *st = store_prepare_cached(s, "SELECT seq, hash FROM audit_log WHERE seq = "
	                                           "(SELECT max(seq) FROM audit_log)");
	if (!st)
		return STORE_E_SQLITE;
	int sr = sqlite3_step(st);
	if (sr == SQLITE_ROW) {
		seq = sqlite3_column_int64(st, 0) + 1;
		snprintf(prev, sizeof(prev), "%s", (const char *)sqlite3_column_text(st, 1));
	} else if (sr == SQLITE_DONE) {
		snprintf(prev, sizeof(prev), "%s", audit_genesis);
	} else {
		store_stmt_done(s, st);
		return STORE_E_SQLITE;
	}
	store_stmt_done(s, st);

	const struct audit_caller *c = s->caller;
	audit_hash_caller(prev, seq, at, actor, action, subject, detail, c, hash);
	if (strlen(hash) != 64)
		return STORE_E_SQLITE; /* no entry rather than one that breaks the chain */
	st = store_prepare_cached(
	        s, "INSERT INTO audit_log(seq, at, actor, action, subject, detail, "
	           "prev_hash, hash, caller_uid, caller_gid, caller_pid, caller_user, "
	           "claimed_by) VALUES (?,?,?,?,?,?,?,?,?,?,?,?,?)");
	if (!st)
		return STORE_E_SQLITE;
	sqlite3_bind_int64(st, 1, seq);
	sqlite3_bind_int64(st, 2, at);
	sqlite3_bind_text(st, 3, actor, -1, SQLITE_STATIC);
	sqlite3_bind_text(st, 4, action, -1, SQLITE_STATIC);
	sqlite3_bind_text(st, 5, subject, -1, SQLITE_STATIC);
	sqlite3_bind_text(st, 6, detail, -1, SQLITE_STATIC);
	sqlite3_bind_text(st, 7, prev, -1, SQLITE_STATIC);
	sqlite3_bind_text(st, 8, hash, -1, SQLITE_STATIC);
	if (c) {
		sqlite3_bind_int64(st, 9, c->uid);
		sqlite3_bind_int64(st, 10, c->gid);
		sqlite3_bind_int64(st, 11, c->pid);
		sqlite3_bind_text(st, 12, c->user, -1, SQLITE_STATIC); /* NULL binds NULL */
		sqlite3_bind_text(st, 13, c->claim, -1, SQLITE_STATIC);
	}
	if (sqlite3_step(st) == SQLITE_DONE) {
		r = 0;
		if (ret_seq)
			*ret_seq = seq;
	}
	store_stmt_done(s, st);
	return r;
}
