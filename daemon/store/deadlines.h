/* The deadlines table: one row per clock, read and written only here.
 *
 * The row types (struct deadline, its kinds and states) live in the store
 * because the store encodes them; daemon/deadline/ owns what the clocks
 * mean (business time, the life cycle, the law's case) and reaches the
 * table only through the functions below.  None of them opens a
 * transaction: deadline/ brackets its reads and writes with store_begin()
 * and store_commit() (see store.h for the rule).
 *
 * Return values: 0, -ENOENT (no such row), -EBADMSG (a kind or state this
 * build does not know, a duration text too long), -ENOMEM, or
 * STORE_E_SQLITE. */
#pragma once

#include <stddef.h>
#include <stdint.h>

#include "store/store.h"

enum deadline_kind {
	DEADLINE_RESPOND,              /* "respond" */
	DEADLINE_REVIEW_OBVIOUS,       /* "review_obvious" */
	DEADLINE_REVIEW_POSSIBLE,      /* "review_possible" */
	DEADLINE_FL11_NOTICE,          /* "fl11_delay_notice" */
	DEADLINE_FL12_DEMAND_POSSIBLE, /* "fl12_demand_possible", a milestone */
	DEADLINE_FL12_DECISION,        /* "fl12_decision" */
	DEADLINE_KIND_COUNT,
};

enum deadline_state {
	DEADLINE_RUNNING,
	DEADLINE_PAUSED,
	DEADLINE_MET,
	DEADLINE_BREACHED,
	DEADLINE_CANCELLED,
	DEADLINE_REACHED, /* a milestone whose instant has passed */
};

#define DEADLINE_DURATION_MAX 32

/* One clock as stored.  Instants are epoch microseconds, 0 when they
 * have not happened (NULL in the store). */
struct deadline {
	int64_t id;
	int64_t item_id;
	enum deadline_kind kind;
	enum deadline_state state;
	char duration[DEADLINE_DURATION_MAX]; /* "1 business day", "6 months" */
	int warn_pct;                         /* 0: no warning */
	int64_t started_at;                   /* the start instant given */
	int64_t created_at;                   /* `now` at start */
	int64_t due_at;                       /* stale while paused */
	int64_t warn_at;
	int64_t paused_at;      /* the last pause */
	int64_t left_usec;      /* paused only: time left to due_at; else -1 */
	int64_t warn_left_usec; /* paused only: to warn_at; -1 when none */
	int64_t paused_total;   /* elapsed time spent paused */
	int64_t stopped_at;     /* 0 while open */
	int64_t warned_at;
	int64_t breached_at;
	int64_t reached_at;
};

/* Names as in the store ("respond", "fl11_delay_notice", "breached");
 * "?" for a value out of range. */
const char *deadline_kind_name(enum deadline_kind k);
const char *deadline_state_name(enum deadline_state s);
/* 0 or -EINVAL. */
int deadline_kind_from_name(const char *name, enum deadline_kind *ret);

/* One row, by id or by item and kind. */
int store_deadline_get(struct store *s, int64_t id, struct deadline *ret);
int store_deadline_find(struct store *s, int64_t item_id, enum deadline_kind kind,
                        struct deadline *ret);

/* Insert d (d->id is ignored and set on success). */
int store_deadline_insert(struct store *s, struct deadline *d);
/* Write every mutable field of d; -ENOENT when the row is gone. */
int store_deadline_update(struct store *s, const struct deadline *d);

/* Running clocks with something passed by `now`: due_at <= now, or a
 * warning not yet given with warn_at <= now.  At most max rows, the
 * earliest pending instant (the warning's while one is pending, else the
 * due one) first; a range of an index (migration 14), never a sort.  *ret is a new array (NULL when
 * *ret_n is 0) the caller frees with free(). */
int store_deadlines_due(struct store *s, int64_t now, size_t max, struct deadline **ret,
                        size_t *ret_n);
/* How many running clocks store_deadlines_due() would find at `now` with
 * no limit (an index range counted: for the catch-up's progress). */
int store_deadlines_due_count(struct store *s, int64_t now, int64_t *ret);

/* An open clock with its item's account and the account's unit. */
struct store_deadline_open {
	struct deadline d;
	char *account_id;
	char *unit;
};

/* A place in the queue, in its order: running and breached clocks
 * (paused 0) by due_at, then the paused ones (paused 1); the id breaks
 * ties.  The API's paging cursor is this key of the last row shown. */
struct store_queue_key {
	int paused;
	int64_t due_at;
	int64_t id;
};

/* The queue key of a clock. */
void store_queue_key_of(const struct deadline *d, struct store_queue_key *ret);

/* Open clocks (stopped_at NULL) of the account and unit (NULL matches
 * every one) in queue order, after the key `after` (NULL: from the start),
 * at most limit.  Each filter is one range of a partial index on the open
 * clocks (schema migration 4).  *ret is a new array (NULL when *ret_n is
 * 0), freed with store_deadlines_open_free(). */
int store_deadlines_open(struct store *s, const char *account_id, const char *unit,
                         const struct store_queue_key *after, size_t limit,
                         struct store_deadline_open **ret, size_t *ret_n);
void store_deadlines_open_free(struct store_deadline_open *v, size_t n);
