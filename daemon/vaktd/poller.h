/* The poller: keeps, for every enabled account, when its next poll is due,
 * fires polls on one evtimer set to the earliest due time, and hands each
 * due poll to the fetch driver (vaktd/fetch.h), which records it in the
 * store.  An account whose previous poll still runs, that has no
 * connector, or that its platform stopped, gets its planned poll recorded
 * as skipped with the reason, so the record shows every planned poll.  After downtime the missed
 * polls are caught up at once on start (one poll per account, spread over a short window). */
#pragma once

#include <stdbool.h>
#include <stdint.h>

struct config;
struct ctimers;
struct fetch;
struct poller;
struct store;

/* What the poller needs of the daemon, and nothing more. */
struct poller_env {
	struct ctimers *timers; /* the poll timer runs on simulated time */
	struct store *store;
	/* The current configuration; a reload swaps it, so the poller asks
	 * each time instead of keeping a pointer. */
	const struct config *(*config)(void *arg);
	void *config_arg;
	/* The fetch driver that performs a due poll; NULL: every poll is
	 * recorded as skipped (no connectors, e.g. in tests of the schedule
	 * alone). */
	struct fetch *fetch;
};

/* Build the slots from the current configuration and the store.  env is
 * copied.  0 or a negative errno. */
int poller_new(const struct poller_env *env, struct poller **ret);

/* After a reload swapped the configuration: re-read every account's
 * policy, keep what stayed, start new accounts at once. */
int poller_reconfigure(struct poller *p);

/* Crisis mode or something else in the store changed for one account:
 * recompute its due time (from its last planned poll, one index step) and
 * re-arm the timer; the other accounts' due times stay as they are.
 * account NULL: recompute every account's.  An account without a slot
 * (disabled, unknown) changes nothing. */
void poller_refresh(struct poller *p, const char *account);

void poller_free(struct poller *p);

/* When the account's next poll is due (epoch µs; INT64_MAX: never), for
 * tests and diagnostics.  0, or -ENOENT when it has no slot. */
int poller_next_due(const struct poller *p, const char *account, int64_t *ret);

/* true when no poll is overdue by more than grace and the timer is armed:
 * the watchdog's proof that the scheduler makes progress. */
bool poller_healthy(const struct poller *p, int64_t now, int64_t grace);
