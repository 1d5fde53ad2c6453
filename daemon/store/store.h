/* The durable record: one SQLite database in WAL mode.
 *
 * The store is the only source of truth; after a restart the daemon
 * continues from what is here.  Transactions are short and every write that
 * must survive a crash is committed before the daemon acts on it.
 */
#pragma once

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "config/config.h"
#include "util/error.h"

/* Positive domain errors (besides negative errno values), numbered in
 * util/error.h:
 *   STORE_E_SQLITE   an SQLite error; store_errmsg() says which
 *   STORE_E_TOO_NEW  the database schema is newer than this build
 *   STORE_E_CORRUPT  an integrity or audit chain check failed */

struct store;

/* Open (creating if needed) the database at path, set WAL, foreign keys and
 * durable syncing, and migrate it to the current schema.  On failure nothing
 * is written to *ret and, when errbuf is given, a one-line reason is written
 * there (e.g. the schema is newer than this vaktd). */
int store_open(const char *path, struct store **ret, char *errbuf, size_t errlen);
void store_close(struct store *s);

/* A second, read-only connection to the store file at path, for one other
 * thread (the audit verification's worker): it shares no connection,
 * statement or state with the store the daemon writes through, and in WAL
 * mode reads a consistent snapshot while that one writes.  Use it only
 * from the thread that opened it; store_close() it there.  No migration:
 * the file must be at store_schema_latest() (-ESTALE when older,
 * STORE_E_TOO_NEW when newer); -EOPNOTSUPP when SQLite has no thread
 * support (sqlite3_threadsafe() == 0).  Its store_begin() is not for
 * writes. */
int store_open_reader(const char *path, struct store **ret, char *errbuf, size_t errlen);

const char *store_path(const struct store *s);
/* SQLite's message for the last failure, also after the level it
 * happened in was rolled back. */
const char *store_errmsg(struct store *s);
/* vakt_strerror(r), but SQLite's own message for STORE_E_SQLITE: for log
 * lines about a store call that returned r. */
const char *store_strerror(struct store *s, int r);

/* Transactions.  The rule, for every caller:
 *
 *  - Every store_begin() that returned 0 is matched by exactly one
 *    store_commit() or store_rollback() of the same level, or by
 *    store_end(); a store_begin() that failed opened nothing and is
 *    matched by nothing (rolling back then would end the caller's
 *    enclosing level).  A failed store_commit() leaves its level open:
 *    roll it back (store_end() does).
 *  - The outermost level is BEGIN IMMEDIATE … COMMIT: nothing is durable
 *    before the outermost commit.  Inner levels are SQLite savepoints, so
 *    any function may bracket its own writes whether or not its caller
 *    has a transaction open:
 *      inner commit:   its writes become part of the enclosing level;
 *                      they commit or roll back with it;
 *      inner rollback: undoes only the writes since its own begin; the
 *                      enclosing level goes on and may still commit (the
 *                      pipeline starts a clock, is told DEADLINE_E_EXISTS,
 *                      and keeps the verdict);
 *      outer rollback: undoes everything, committed inner levels too.
 *    A function that returns results computed inside an inner level
 *    (deadline_scan()'s transitions) tells its caller what happened only
 *    if the caller commits: act on them in the same transaction (the
 *    escalation outbox writes its rows there) or after the commit.
 *  - When SQLite ends the transaction itself (it does after some I/O and
 *    out-of-memory errors), every later begin or commit inside it fails
 *    with STORE_E_SQLITE, so the outermost caller rolls back.
 *
 *  - store_begin_whole() opens a level that is kept whole or not at all
 *    (a poll's batch: its caller rolls it back on any error).  The levels
 *    nested in it open no savepoint of their own: a savepoint copies every
 *    page it changes to SQLite's statement journal first, again in each
 *    nested savepoint, which cost a first poll cycle (all items new, two or
 *    three levels per item) more CPU than the items' own writes.  Such a
 *    nested level that is rolled back after it wrote something cannot undo
 *    its writes alone: the whole level fails at its commit (STORE_E_SQLITE,
 *    store_errmsg() says why) and store_end() rolls it back.  One rolled
 *    back before writing anything (DEADLINE_E_EXISTS above) changes
 *    nothing, as before.
 *
 * 0, STORE_E_SQLITE, or -EPROTO for a commit or rollback without an open
 * level (a programming error). */
int store_begin(struct store *s);
int store_begin_whole(struct store *s);
int store_commit(struct store *s);
int store_rollback(struct store *s);
/* Commit when r == 0, else roll back; returns r, or the commit's error
 * (after rolling back).  `return store_end(s, r);` closes a level. */
int store_end(struct store *s, int r);
/* Levels open now: 0 outside a transaction. */
/* Inside a level (store_begin()) whose transaction SQLite has ended on
 * its own (an I/O error, a full disk, out of memory): nothing more can be
 * written in it, and its end fails. */
bool store_transaction_lost(struct store *s);

int store_depth(const struct store *s);

/* Execute SQL without results (no user input in it). */
int store_exec(struct store *s, const char *sql);

/* The schema version this build creates and understands. */
int store_schema_latest(void);
/* The database's version (PRAGMA user_version). */
int store_schema_version(struct store *s, int *ret);

/* --- accounts -------------------------------------------------------- */

/* Bring the accounts table in line with cfg: insert new, update changed,
 * mark missing ones removed (their items stay: they are public records).
 * Writes an audit entry for every change.  Runs in its own transaction. */
int store_accounts_sync(struct store *s, const struct config *cfg, const char *actor);

/* --- counts for status ----------------------------------------------- */

struct store_counts {
	int64_t accounts; /* not removed */
	int64_t items;
	int64_t pending_review;  /* running review deadlines */
	int64_t pending_respond; /* running respond deadlines */
	int64_t escalations_unsent;
	int64_t actions_waiting;  /* queued or running: the action driver's work */
	int64_t actions_proposed; /* waiting for a moderator's decision */
	int64_t audit_entries;
	int64_t polls;
	/* items whose latest version waits for a verdict (items_unevaluated):
	 * normally none; counted, being small */
	int64_t unevaluated;
};

int store_counts(struct store *s, struct store_counts *ret);

/* --- polls ----------------------------------------------------------- */

/* Record one poll of an account; *ret_id is its row id. */
int store_poll_begin(struct store *s, const char *account, int64_t planned_usec,
                     int64_t started_usec, int64_t *ret_id);
int store_poll_end(struct store *s, int64_t poll_id, int64_t finished_usec, const char *result,
                   int items_new, int items_updated, const char *error);

/* The latest planned time of a poll of account (0 when never polled). */
int store_poll_last_planned(struct store *s, const char *account, int64_t *ret);

/* Polls of account started in [from, to): all of them and the ok ones. */
int store_polls_count(struct store *s, const char *account, int64_t from, int64_t to,
                      int64_t *ret_total, int64_t *ret_ok);

/* The started_at/result of the latest poll (started 0 when none); result
 * is copied into buf. */
int store_poll_latest(struct store *s, const char *account, int64_t *ret_started, char *buf,
                      size_t len);

/* What /v1/accounts shows of many accounts' polls, read in one pass: per
 * account the two day windows to count in (from == to: none), and back
 * the last planned poll, the latest started one and its result (0 and ""
 * when none), the crisis window (0 when off) and the polls (all, ok)
 * started in each window.  A window that is a whole local day[d] of
 * `zone` is read from the account's kept count of that day when its days
 * are counted in that zone (migration 10), else counted from its polls.
 * Each value is one index step or range, the
 * statements are prepared once and the reads share one read transaction
 * (inside a caller's transaction, that one).  0 or STORE_E_SQLITE; on
 * failure ret is partly written. */
struct store_poll_window {
	const char *account;
	int64_t from[2], to[2];
	bool no_planned;  /* the caller knows the next poll: last_planned stays 0 */
	const char *zone; /* NULL: count from the polls */
	int64_t day[2];   /* the local day [from, to) is, in zone */
};
struct store_poll_summary {
	int64_t last_planned;
	int64_t last_started;
	char last_result[16];
	int64_t crisis_from, crisis_until;
	int64_t total[2], ok[2];
};
int store_poll_summaries(struct store *s, const struct store_poll_window *w, size_t n,
                         struct store_poll_summary *ret);

/* --- crisis mode ------------------------------------------------------- */

/* Crisis window of an account (both 0 when off). */
int store_account_crisis(struct store *s, const char *account, int64_t *ret_from,
                         int64_t *ret_until);

/* Switch crisis mode on for [from, until), or off (until == 0), with an
 * audit entry naming actor.  -ENOENT for an unknown or removed account. */
int store_account_set_crisis(struct store *s, const char *account, int64_t from, int64_t until,
                             const char *actor);

/* --- items ------------------------------------------------------------ */

/* The account and publication instant of item id; -ENOENT when none. */
int store_item_origin(struct store *s, int64_t id, char *account, size_t len,
                      int64_t *ret_published);

/* An item as fetched from a platform (all strings borrowed). */
struct store_item_in {
	const char *account;
	const char *platform_id;
	const char *kind;               /* post, comment, reply, review, mention, message */
	const char *parent_platform_id; /* NULL for top level */
	const char *author_id;          /* NULL when the platform withholds it */
	const char *author_name;
	int is_own; /* written by the account itself */
	const char *text;
	const char *permalink;
	int64_t published_at;
	const char *platform_state; /* visible, hidden, deleted, gone */
	const char *raw_json;       /* NULL or the platform's JSON */
	int64_t poll_id;            /* 0 when not from a poll */
	int64_t edited_at;          /* 0 when unknown; kept with the version */
};

/* Insert the item or, when known, update it; a new row in item_versions
 * whenever text or platform state differ from the latest version (every
 * fetched version is kept).  *ret_id is the item, *ret_version the new
 * version (0 when nothing changed).  Call inside a transaction. */
int store_item_upsert(struct store *s, const struct store_item_in *in, int64_t now, int64_t *ret_id,
                      int64_t *ret_version);

/* The item's parent item id (0: none, or not stored yet); -ENOENT when
 * there is no item id. */
int store_item_parent(struct store *s, int64_t id, int64_t *ret_parent);

/* The item's latest text, kind, own flag, parent item id (0 none) and
 * latest version id, for re-evaluation.  *ret_text is malloc'ed. */
int store_item_for_filter(struct store *s, int64_t id, char **ret_text, char *account,
                          size_t account_len, int *ret_is_own, int64_t *ret_parent,
                          int64_t *ret_version);

/* --- verdicts, rule statistics, feedback ------------------------------ */

struct store_verdict_in {
	int64_t item_id;
	int64_t version_id;     /* 0 when not tied to a version */
	const char *ruleset;    /* digest of the rule files */
	const char *categories; /* space-separated */
	const char *rule_ids;   /* space-separated, active rules */
	const char *tier;       /* NULL when clean */
	int severity;
	const char *actions;     /* space-separated */
	const char *detail_json; /* spans by rule id, shadow rules, errors */
	const char *masked_text; /* stored as '' when equal to the version's text */
};

/* Insert a verdict (inside the caller's transaction). */
int store_verdict_insert(struct store *s, const struct store_verdict_in *v, int64_t now,
                         int64_t *ret_id);

/* A rule as recorded with the rule set verdicts name (strings borrowed). */
struct store_rule_in {
	const char *ruleset; /* digest, as in store_verdict_in */
	const char *rule_id;
	const char *title;
	const char *statute;
	const char *category;
	const char *tier;
	int severity;
	const char *actions; /* space-separated */
	int shadow;
};

/* Record a rule of a rule set once (a second call for the same rule set
 * and rule changes nothing): verdicts keep only rule ids, and what those
 * meant stays resolvable after the rule files change. */
int store_rule_record(struct store *s, const struct store_rule_in *in, int64_t now);
/* *ret is 1 when rule set `ruleset` has rules recorded, else 0. */
int store_ruleset_known(struct store *s, const char *ruleset, int *ret);

/* Rule sets whose examples all passed (rulesets.c): `engine` names what
 * ran them (pipeline_rules_engine_id()).  *ret is 1 when rule set
 * `ruleset` passed on `engine`, else 0. */
int store_ruleset_checked(struct store *s, const char *ruleset, const char *engine, int *ret);
/* Record that every one of `examples` examples of `ruleset` passed on
 * `engine` (a second call for the same pair changes nothing). */
int store_ruleset_check_record(struct store *s, const char *ruleset, const char *engine,
                               int64_t examples, int64_t now);

/* Add to a rule's persistent counters (creates the row). */
int store_rule_stats_add(struct store *s, const char *rule, int64_t hits, int64_t last_hit,
                         int64_t cost_ns, int64_t limit_hits, int disabled, int64_t now);

struct store_rule_stats {
	int64_t hits, last_hit, cost_ns, limit_hits, disabled_at;
	int64_t true_positives, false_positives;
};

/* A rule's persistent counters and feedback (zeros when never seen). */
int store_rule_stats_get(struct store *s, const char *rule, struct store_rule_stats *ret);

/* Record a moderator's judgement of rule `rule` in verdict `verdict`
 * (true_positive / false_positive), with an audit entry.  -ENOENT when the
 * verdict does not exist or did not involve that rule. */
int store_feedback_add(struct store *s, int64_t verdict, const char *rule, const char *judgement,
                       const char *actor, int64_t now);

/* Items whose latest version has no verdict yet (a crash between storing
 * an item and evaluating it, or an item stored while the rules' engine was
 * being built), those with an id above `after` (0: all), at most max,
 * oldest first; *ret is malloc'ed (NULL when none). */
int store_items_unevaluated(struct store *s, int64_t after, size_t max, int64_t **ret,
                            size_t *ret_n);

/* What moderators see of an item: metadata, the latest verdict (masked
 * text only: the raw text stays in the record) and its clocks. */
struct store_item_clock {
	int64_t id;
	char kind[24];
	char state[16];
	int64_t due_at;
};

struct store_item_view {
	char account[128];
	char platform_id[256];
	char kind[16];
	int own;
	int64_t published_at;
	char platform_state[16];
	char state[16];
	int versions;
	int64_t verdict_id; /* 0 when not evaluated; the strings below are then NULL */
	char *tier;         /* NULL for a clean verdict */
	char *categories, *rules, *actions, *masked_text, *ruleset;
	struct store_item_clock *clocks;
	size_t nclocks;
};

/* -ENOENT for an unknown item. */
int store_item_view(struct store *s, int64_t id, struct store_item_view *ret);
void store_item_view_clear(struct store_item_view *v);
