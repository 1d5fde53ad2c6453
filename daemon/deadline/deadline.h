/* Deadline clocks on items, kept in the store's `deadlines` table.
 *
 * A clock starts at an instant that happened on the platform (when the
 * item was published, when the case started, when the party's demand came
 * in), not when vakt noticed it, and runs for a duration of the policy in
 * business or calendar time on a calendar.  Its due and warning instants
 * are computed once, at start and at resume, and stored; scanning only
 * compares stored instants, so it needs no calendar and a restart needs
 * nothing but the store.
 *
 * Life of a clock (state in the store):
 *
 *   running --pause--> paused --resume--> running
 *   running --scan: warn_at passed--> running, warned_at set (once)
 *   running --scan: due_at passed--> breached
 *   running|paused --stop(met)--> met
 *   running|paused|breached|reached --stop(cancelled)--> cancelled
 *   breached|reached --stop(met)--> unchanged, stopped_at set (met late)
 *
 * A clock is open while stopped_at is NULL (running, paused, breached or
 * reached).  Paused clocks never warn or breach.  There is at most one
 * clock per item and kind, ever: starting a second one is refused with
 * DEADLINE_E_EXISTS, whatever the first one's state.
 *
 * The formal case (förvaltningslagen 11 § and 12 §) is three clocks on the
 * item that started the case: the FL 11 delay notice, the FL 12 milestone
 * at which the party may demand a decision (six calendar months; when it
 * passes the scan reports it as "reached", not as a breach), and, once the
 * party has demanded one, the FL 12 decision deadline (four weeks).
 *
 * Every operation takes `now` (epoch microseconds; the daemon passes
 * clock_now_usec(), tests a fixed instant) and an `actor` for the audit
 * log, and brackets its reads and writes with store_begin()/store_end():
 * called on its own it is one short transaction; called inside the
 * caller's transaction it is a savepoint of it (the rule is in
 * store/store.h), so its changes commit or roll back with the caller's,
 * and an operation that fails undoes only its own writes.  It writes one
 * audit entry per clock it changes, in the same transaction.  Audit actions: deadline.start,
 * deadline.pause, deadline.resume, deadline.met, deadline.cancel, deadline.warning,
 * deadline.breach, deadline.reached; subject "deadline:ID"; the detail is
 * the clock's row after the change.
 *
 * Return values: 0, a negative errno (-EINVAL bad argument, -ENOENT no
 * such item/clock, -ENOMEM, or a calendar error such as -ERANGE), a
 * DEADLINE_E_* below, or STORE_E_SQLITE. */
#pragma once

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "calendar/cal.h"
#include "config/deadline-policy.h"
#include "store/deadlines.h"
#include "store/store.h"
#include "util/error.h"

/* Positive domain errors, numbered in util/error.h (named by
 * vakt_strerror()):
 *   DEADLINE_E_EXISTS     a clock of that kind exists for the item
 *   DEADLINE_E_STATE      not allowed in the clock's state
 *   DEADLINE_E_PASSED     pause after the due instant
 *   DEADLINE_E_TOO_EARLY  FL 12 demand before the six months */

enum deadline_stop {
	DEADLINE_STOP_MET,       /* answered, reviewed, decided, notice sent */
	DEADLINE_STOP_CANCELLED, /* no longer needed (item deleted, mistake) */
};

enum deadline_level {
	DEADLINE_LEVEL_WARNING, /* warn_at passed */
	DEADLINE_LEVEL_BREACH,  /* due_at passed */
	DEADLINE_LEVEL_REACHED, /* a milestone's instant passed */
};

/* "warning", "breach", "reached"; "?" for a value out of range.  The
 * kind and state names are in store/deadlines.h. */
const char *deadline_level_name(enum deadline_level l);

/* The API's wording for the result of a deadline operation: what
 * -ENOENT, -EOPNOTSUPP and -ERANGE mean here, vakt_strerror() for every
 * other code. */
const char *deadline_strerror(int r);

/* --- clocks ---------------------------------------------------------- */

/* Start a clock of kind DEADLINE_RESPOND, DEADLINE_REVIEW_OBVIOUS or
 * DEADLINE_REVIEW_POSSIBLE (the case kinds: deadline_case_*) on item
 * `item_id` at `start` (the publication on the platform).  The duration
 * comes from the policy; due_at = start + duration on cal, warn_at = the
 * policy's percentage of the way in the duration's kind of time.  A start
 * so old that the clock is already due is allowed: the next scan reports
 * it.  -ENOENT when the item does not exist, DEADLINE_E_EXISTS when it
 * has a clock of that kind. */
int deadline_start(struct store *s, const struct cal *cal, const struct deadline_policy *p,
                   int64_t item_id, enum deadline_kind kind, int64_t start, int64_t now,
                   const char *actor, int64_t *ret_id);

/* Pause a running clock (e.g. waiting for the citizen): the time left to
 * due_at and to a pending warning is kept in the duration's kind of time
 * (business time for business durations).  DEADLINE_E_STATE when it is
 * not running, DEADLINE_E_PASSED when due_at <= now (it is breached, or
 * will be at the next scan), -EOPNOTSUPP for the case kinds: the law's
 * time limits do not stop while the authority waits. */
int deadline_pause(struct store *s, const struct cal *cal, int64_t id, int64_t now,
                   const char *actor);

/* Resume a paused clock: due_at = now + the time left, in the same kind of
 * time (from the next opening when now is outside office hours); warn_at
 * likewise when a warning was pending.  DEADLINE_E_STATE when it is not
 * paused. */
int deadline_resume(struct store *s, const struct cal *cal, int64_t id, int64_t now,
                    const char *actor);

/* Stop an open clock (see the life cycle above).  DEADLINE_E_STATE when it
 * is already stopped. */
int deadline_stop(struct store *s, int64_t id, enum deadline_stop how, int64_t now,
                  const char *actor);

/* Read one clock, by id or by item and kind.  0 or -ENOENT. */
int deadline_get(struct store *s, int64_t id, struct deadline *ret);
int deadline_find(struct store *s, int64_t item_id, enum deadline_kind kind, struct deadline *ret);

/* --- the formal case (förvaltningslagen 11 § and 12 §) ------------------ */

/* Open a case on item `item_id` that started at `start`: an FL 11 notice
 * clock due start + p->case_notice_within (warning as the policy says),
 * and the FL 12 milestone at start + p->case_demand_after_months calendar
 * months (same local wall-clock time; the 31st of a shorter month is its
 * last day), which never warns.  DEADLINE_E_EXISTS when the item has
 * (had) a case: one per item, ever; -ENOENT when the item does not
 * exist.  Either id pointer may be NULL. */
int deadline_case_open(struct store *s, const struct cal *cal, const struct deadline_policy *p,
                       int64_t item_id, int64_t start, int64_t now, const char *actor,
                       int64_t *ret_notice_id, int64_t *ret_milestone_id);

/* Register the party's written demand for a decision, received at
 * `demand_at`: the milestone becomes met and an FL 12 decision clock
 * starts, due demand_at + p->case_decide_within.  -ENOENT when no case is
 * open on the item, DEADLINE_E_TOO_EARLY before the milestone's instant,
 * DEADLINE_E_EXISTS when a demand was already registered,
 * DEADLINE_E_STATE when the case was closed. */
int deadline_case_demand(struct store *s, const struct cal *cal, const struct deadline_policy *p,
                         int64_t item_id, int64_t demand_at, int64_t now, const char *actor,
                         int64_t *ret_id);

/* The case was decided: stop every open case clock of the item as met (a
 * milestone not yet reached as cancelled).  -ENOENT when the item has no
 * open case clock. */
int deadline_case_close(struct store *s, int64_t item_id, int64_t now, const char *actor);

/* --- scanning ---------------------------------------------------------- */

#define DEADLINE_SCAN_MAX 1000

/* One change found by a scan, for escalation. */
struct deadline_transition {
	int64_t deadline_id;
	int64_t item_id;
	enum deadline_kind kind;
	enum deadline_level level;
	int64_t due_at;
};

/* Mark what has passed by `now` on running clocks: warned_at when warn_at
 * has passed (once), state breached (or reached, for a milestone) when
 * due_at has.  A clock past both gets both, warning first.  At most `max`
 * transitions (1..DEADLINE_SCAN_MAX) per call, oldest first; call again
 * while *ret_n == max.  *ret is a new array (NULL when *ret_n == 0) the
 * caller frees with free().  A second scan at the same instant finds
 * nothing.  Inside a caller's transaction the marks (and the audit
 * entries) are part of it: whatever acts on the transitions writes in
 * that transaction too, so a rollback forgets both and the next scan
 * reports them again.  The daemon does exactly that: store_begin(),
 * deadline_scan(), escalate_deadline() for each transition, store_end()
 * (vaktd/daemon.c; transactions nest as savepoints, store/store.h). */
int deadline_scan(struct store *s, int64_t now, const char *actor, size_t max,
                  struct deadline_transition **ret, size_t *ret_n);

/* --- queries for the API ---------------------------------------------- */

#define DEADLINE_LIST_MAX 10000

/* NULL fields match everything. */
struct deadline_filter {
	const char *account_id; /* items.account_id */
	const char *unit;       /* accounts.unit */
	size_t limit;           /* 0 or more than DEADLINE_LIST_MAX: the max */
	/* Continue after this place in the queue (a parsed paging cursor);
	 * NULL: from the most urgent clock. */
	const struct store_queue_key *after;
};

/* Paging cursors: the queue key of the last clock shown, as text that
 * clients treat as opaque (DEADLINE_CURSOR_MAX bytes with the NUL at
 * most).  A cursor stays valid while clocks come and go: the next page
 * starts after that place in the order, whether or not the clock is still
 * open. */
#define DEADLINE_CURSOR_MAX 64
void deadline_cursor_format(const struct deadline *d, char buf[static DEADLINE_CURSOR_MAX]);
/* 0, or -EINVAL for text that no deadline_cursor_format() made. */
int deadline_cursor_parse(const char *text, struct store_queue_key *ret);

struct deadline_pending {
	struct deadline d;
	char *account_id;
	char *unit;
	/* Time left until due_at at `now` (negative when overdue), in the
	 * duration's kind of time; for a paused clock the frozen time left. */
	int64_t time_left_usec;
	bool business; /* time_left_usec is business time */
};

/* The calendar of an account, for business time left; NULL for the
 * default calendar given to deadline_list_pending(). */
typedef const struct cal *(*deadline_cal_fn)(void *userdata, const char *account_id,
                                             const char *unit);

/* The open clocks matching f, running and breached ones by due_at, then
 * the paused ones.  cal_for may be NULL.  *ret is a new array (NULL when
 * *ret_n == 0), freed with deadline_pending_free(). */
int deadline_list_pending(struct store *s, const struct deadline_filter *f, const struct cal *cal,
                          deadline_cal_fn cal_for, void *userdata, int64_t now,
                          struct deadline_pending **ret, size_t *ret_n);
void deadline_pending_free(struct deadline_pending *v, size_t n);
