/* The deadline scan in slices, so that nothing long holds the event loop.
 *
 * Each slice is one transaction: deadline_scan() for at most slice_max
 * transitions and escalate_deadline() for each, committed together (a
 * crash keeps the marks and their escalations, or neither).  A slice that
 * came back full means more may be due: the daemon runs the next one from
 * the loop, after whatever came in meanwhile (API requests, poll answers,
 * the outbox), until a slice is not full.  A store that was left alone for
 * a long time (51,000 overdue clocks on the 1,000,000-item store of issue
 * 9) is thus caught up a few hundred clocks at a time, visibly: each run
 * of more than one slice is logged at its start, every
 * CATCHUP_LOG_EVERY transitions and at its end, and GET /v1/status shows
 * the counters below. */
#pragma once

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "store/store.h"

/* Transitions per slice: about 5 ms of the loop on the project's machine
 * with the statements cached (docs/store.md). */
#define CATCHUP_SLICE_DEFAULT 25
/* A slice also ends once it has used this much of the loop thread's CPU,
 * checked every CATCHUP_STEP transitions: the cost of a transition varies
 * (a cold index page, an escalation that routes to many people), and a
 * count alone let the slowest slices reach 11-17 ms of CPU. */
#define CATCHUP_BUDGET_DEFAULT_USEC 4000
#define CATCHUP_STEP 2
#define CATCHUP_LOG_EVERY 5000

struct catchup {
	size_t slice_max;    /* transitions per slice, 1..DEADLINE_SCAN_MAX */
	int64_t budget_usec; /* CPU time after which a slice ends early; 0: none */
	/* The current run, or the last one: a run starts with a full slice
	 * and ends with the first slice that is not full. */
	bool running;
	int64_t started_usec, finished_usec; /* the daemon's clock */
	int64_t due_at_start; /* clocks still due after its first slice (-1: unknown) */
	size_t slices, transitions, escalations;
	size_t logged_at;               /* transitions when progress was last logged */
	int64_t longest_slice_usec;     /* real time, the commit's wait for the disk included */
	int64_t longest_slice_cpu_usec; /* the loop thread's CPU time */
	size_t runs;                    /* runs of more than one slice since start */
};

/* A fresh state for slices of slice_max transitions (0: the default) and
 * the default CPU budget. */
void catchup_init(struct catchup *c, size_t slice_max);

/* One slice at `now`, in one transaction of its own (a savepoint when the
 * caller has one open): each transition is logged and escalated.
 * *ret_more is true when the slice was full: call again (from the loop)
 * until it is false.  *ret_escalated (may be NULL) counts the escalations
 * written.  0, or the error of the scan or the store: the slice was rolled
 * back and the next call scans the same clocks again. */
int catchup_slice(struct catchup *c, struct store *s, int64_t now, bool *ret_more,
                  size_t *ret_escalated);
