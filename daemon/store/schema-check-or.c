/* Migration 15: lists of constants in CHECK constraints and trigger
 * conditions written as OR chains (issue 10).
 *
 * SQLite (3.40, Debian 12) evaluates `x IN ('a','b','c')` outside a WHERE
 * clause, with three or more constants, by building a temporary index of
 * the list once per statement run: every insert into `items` built three,
 * every new clock two more and its counter trigger one, each opening a
 * B-tree and a pager (~5 µs, a quarter of vaktd's CPU for a poll cycle full
 * of new comments).  `(x = 'a' OR x = 'b' OR x = 'c')` tests the same
 * thing, NULL included, with three comparisons.
 *
 * SQLite cannot ALTER a CHECK constraint.  Rebuilding the tables would copy
 * every item of a city's year; SQLite documents editing a table's text in
 * sqlite_schema, under writable_schema with the schema cookie bumped, for
 * changes that leave the stored rows valid and their format untouched
 * (lang_altertable.html, "Making Other Kinds Of Table Schema Changes"):
 * this one accepts exactly the rows the old constraint accepted.  Each new
 * text is parsed in a scratch database before it is written.  Triggers are
 * dropped and created again with ordinary DDL. */
#include <ctype.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "store/schema.h"
#include "store/store-internal.h"
#include "util/strbuf.h"

#define LIST_MAX 64 /* constants in one list; longer lists are left alone */

/* Appends to o; a failure sticks (o->failed) and later appends do nothing. */
struct out {
	struct strbuf sb;
	bool failed;
};

static void out_put(struct out *o, const char *s, size_t n)
{
	if (!o->failed && strbuf_add(&o->sb, s, n) < 0)
		o->failed = true;
}

static bool ident_char(char c)
{
	return isalnum((unsigned char)c) || c == '_';
}

static const char *skip_space(const char *p)
{
	while (isspace((unsigned char)*p))
		p++;
	return p;
}

/* The end of the string literal starting at p (a quote), past its closing
 * quote, or NULL when it does not close. */
static const char *literal_end(const char *p)
{
	for (p++; *p; p++) {
		if (*p != '\'')
			continue;
		if (p[1] != '\'')
			return p + 1;
		p++; /* '' inside a literal */
	}
	return NULL;
}

/* If p..end is `IN (` followed by only string literals and `)`, writes the
 * OR chain testing `lhs` (lhs_len bytes) and returns the end of the list;
 * NULL (nothing written) otherwise or when the list is shorter than 3. */
static const char *rewrite_list(struct out *o, const char *lhs, size_t lhs_len, const char *p)
{
	const char *lit[LIST_MAX], *lit_end[LIST_MAX];
	size_t n = 0;

	p = skip_space(p);
	if (strncasecmp(p, "IN", 2) != 0 || ident_char(p[2]))
		return NULL;
	p = skip_space(p + 2);
	if (*p != '(')
		return NULL;
	for (p = skip_space(p + 1);; p = skip_space(p + 1)) {
		if (*p != '\'' || n == LIST_MAX)
			return NULL;
		lit[n] = p;
		lit_end[n] = literal_end(p);
		if (!lit_end[n])
			return NULL;
		p = skip_space(lit_end[n++]);
		if (*p == ')')
			break;
		if (*p != ',')
			return NULL;
	}
	if (n < 3)
		return NULL;
	out_put(o, "(", 1);
	for (size_t i = 0; i < n; i++) {
		if (i)
			out_put(o, " OR ", 4);
		out_put(o, lhs, lhs_len);
		out_put(o, " = ", 3);
		out_put(o, lit[i], (size_t)(lit_end[i] - lit[i]));
	}
	out_put(o, ")", 1);
	return p + 1;
}

char *schema_in_lists_to_or(const char *sql, bool *changed)
{
	struct out o = { 0 };
	const char *p = sql;

	*changed = false;
	out_put(&o, "", 0);
	while (*p && !o.failed) {
		if (*p == '\'') {
			const char *e = literal_end(p);
			size_t n = e ? (size_t)(e - p) : strlen(p);
			out_put(&o, p, n);
			p += n;
			continue;
		}
		if (!ident_char(*p) || isdigit((unsigned char)*p)) {
			out_put(&o, p, 1);
			p++;
			continue;
		}
		/* An identifier, or NEW.x / OLD.x in a trigger. */
		const char *start = p;
		while (ident_char(*p))
			p++;
		if (*p == '.' && ident_char(p[1]))
			for (p++; ident_char(*p);)
				p++;
		size_t len = (size_t)(p - start);
		const char *after = NULL;
		/* `x NOT IN (…)` reaches here at NOT: not an operand. */
		if (!(len == 3 && strncasecmp(start, "NOT", 3) == 0))
			after = rewrite_list(&o, start, len, p);
		if (after) {
			*changed = true;
			p = after;
		} else {
			out_put(&o, start, len);
		}
	}
	if (o.failed) {
		strbuf_free(&o.sb);
		return NULL;
	}
	return o.sb.buf;
}

/* The rewritten text of every table or trigger (type) whose text changes:
 * names[i] and sqls[i], malloc'ed, *n of them. */
struct rewrites {
	char **names, **sqls;
	size_t n;
};

static void rewrites_free(struct rewrites *r)
{
	for (size_t i = 0; i < r->n; i++) {
		free(r->names[i]);
		free(r->sqls[i]);
	}
	free(r->names);
	free(r->sqls);
	*r = (struct rewrites){ 0 };
}

static int collect(sqlite3 *db, const char *type, struct rewrites *r, char **err)
{
	sqlite3_stmt *st = NULL;
	int rc = SQLITE_OK;
	if (sqlite3_prepare_v2(
	            db,
	            "SELECT name, sql FROM sqlite_schema WHERE type = ?1 AND sql IS NOT NULL "
	            "ORDER BY name",
	            -1, &st, NULL) != SQLITE_OK) {
		*err = sqlite3_mprintf("reading the schema: %s", sqlite3_errmsg(db));
		return SQLITE_ERROR;
	}
	sqlite3_bind_text(st, 1, type, -1, SQLITE_STATIC);
	while ((rc = sqlite3_step(st)) == SQLITE_ROW) {
		bool changed;
		char *sql =
		        schema_in_lists_to_or((const char *)sqlite3_column_text(st, 1), &changed);
		char *name = strdup((const char *)sqlite3_column_text(st, 0));
		char **names = realloc(r->names, (r->n + 1) * sizeof(*names));
		if (names)
			r->names = names;
		char **sqls = realloc(r->sqls, (r->n + 1) * sizeof(*sqls));
		if (sqls)
			r->sqls = sqls;
		if (!sql || !name || !names || !sqls) {
			free(sql);
			free(name);
			*err = sqlite3_mprintf("out of memory");
			rc = SQLITE_NOMEM;
			break;
		}
		if (!changed) {
			free(sql);
			free(name);
			continue;
		}
		r->names[r->n] = name;
		r->sqls[r->n++] = sql;
	}
	sqlite3_finalize(st);
	if (rc == SQLITE_DONE)
		return SQLITE_OK;
	if (!*err)
		*err = sqlite3_mprintf("reading the schema: %s", sqlite3_errmsg(db));
	return rc == SQLITE_OK ? SQLITE_ERROR : rc;
}

/* Triggers: dropped and created again from their new text. */
static int rewrite_triggers(sqlite3 *db, char **err)
{
	struct rewrites r = { 0 };
	int rc = collect(db, "trigger", &r, err);
	for (size_t i = 0; rc == SQLITE_OK && i < r.n; i++) {
		char *drop = sqlite3_mprintf("DROP TRIGGER \"%w\"", r.names[i]);
		if (!drop)
			rc = SQLITE_NOMEM;
		else
			rc = sqlite3_exec(db, drop, NULL, NULL, err);
		sqlite3_free(drop);
		if (rc == SQLITE_OK)
			rc = sqlite3_exec(db, r.sqls[i], NULL, NULL, err);
	}
	rewrites_free(&r);
	return rc;
}

/* A table's new text must parse on its own before it replaces the old one:
 * a text SQLite cannot read would make the whole store unreadable. */
static int check_parses(const struct rewrites *r, char **err)
{
	sqlite3 *scratch = NULL;
	int rc = sqlite3_open_v2(":memory:", &scratch, SQLITE_OPEN_READWRITE, NULL);
	for (size_t i = 0; rc == SQLITE_OK && i < r->n; i++) {
		char *e = NULL;
		rc = sqlite3_exec(scratch, r->sqls[i], NULL, NULL, &e);
		if (rc != SQLITE_OK)
			*err = sqlite3_mprintf("the new text of table %s does not parse: %s",
			                       r->names[i], e ? e : "?");
		sqlite3_free(e);
	}
	if (rc != SQLITE_OK && !*err)
		*err = sqlite3_mprintf("cannot open a scratch database");
	sqlite3_close(scratch);
	return rc;
}

static int schema_cookie(sqlite3 *db, int *ret)
{
	sqlite3_stmt *st = NULL;
	int rc = sqlite3_prepare_v2(db, "PRAGMA schema_version", -1, &st, NULL);
	if (rc == SQLITE_OK)
		rc = sqlite3_step(st) == SQLITE_ROW ? SQLITE_OK : SQLITE_ERROR;
	if (rc == SQLITE_OK)
		*ret = sqlite3_column_int(st, 0);
	sqlite3_finalize(st);
	return rc;
}

static int rewrite_tables(sqlite3 *db, char **err)
{
	struct rewrites r = { 0 };
	sqlite3_stmt *st = NULL;
	int cookie = 0;
	int rc = collect(db, "table", &r, err);
	if (rc == SQLITE_OK && r.n == 0)
		goto out;
	if (rc == SQLITE_OK)
		rc = check_parses(&r, err);
	if (rc == SQLITE_OK)
		rc = schema_cookie(db, &cookie);
	if (rc == SQLITE_OK)
		rc = sqlite3_exec(db, "PRAGMA writable_schema = ON", NULL, NULL, err);
	if (rc == SQLITE_OK)
		rc = sqlite3_prepare_v2(db,
		                        "UPDATE sqlite_schema SET sql = ?2 "
		                        "WHERE type = 'table' AND name = ?1",
		                        -1, &st, NULL);
	for (size_t i = 0; rc == SQLITE_OK && i < r.n; i++) {
		sqlite3_bind_text(st, 1, r.names[i], -1, SQLITE_STATIC);
		sqlite3_bind_text(st, 2, r.sqls[i], -1, SQLITE_STATIC);
		rc = sqlite3_step(st) == SQLITE_DONE ? SQLITE_OK : SQLITE_ERROR;
		sqlite3_reset(st);
	}
	sqlite3_finalize(st);
	if (rc == SQLITE_OK) {
		/* The bumped cookie makes every connection read the new text. */
		char *bump = sqlite3_mprintf("PRAGMA schema_version = %d", cookie + 1);
		rc = bump ? sqlite3_exec(db, bump, NULL, NULL, err) : SQLITE_NOMEM;
		sqlite3_free(bump);
	}
	if (rc != SQLITE_OK && !*err)
		*err = sqlite3_mprintf("rewriting the tables' text: %s", sqlite3_errmsg(db));
	/* Off whatever happened; the caller rolls a failure back. */
	sqlite3_exec(db, "PRAGMA writable_schema = OFF", NULL, NULL, NULL);
out:
	rewrites_free(&r);
	return rc;
}

int schema_migration_check_or(sqlite3 *db, char **err)
{
	int rc = rewrite_triggers(db, err);
	if (rc == SQLITE_OK)
		rc = rewrite_tables(db, err);
	return rc;
}
