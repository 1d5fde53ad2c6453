/* The fetch driver's pieces (fetch.c: polls and transfers; fetch-rate.c:
 * backoff and the platform's limits; fetch-ingest.c: a batch into the
 * store; fetch-health.c: a poll's end and the account's health). */
#pragma once

#include <stdbool.h>
#include <stdint.h>

#include "calendar/pacific.h"
#include "config/config.h"
#include "connectors/connector.h"
#include "vaktd/fetch.h"

struct pipeline_rules;
struct store;

/* What a poll has done so far. */
struct fetch_tally {
	int items_new, items_updated, gone;
	int requests, retries;
};

/* --- fetch-rate.c ------------------------------------------------------- */

/* The delay before retry number `attempt` (1 for the first):
 * base·2^(attempt-1), at most max, times a jitter factor in [0.5, 1.5)
 * from rnd (0 ≤ rnd < 1); never less than the platform's Retry-After. */
int64_t fetch_backoff(int attempt, int64_t base, int64_t max, double rnd, int64_t retry_after);

/* What the platform's answer says about the account's next request:
 * *not_before moves later (never earlier) for Retry-After, an exhausted
 * window or usage at or above 95 %; *slow becomes true at 80 % or more
 * (one request at a time). */
void fetch_rate_apply(const struct conn_rate *rate, int64_t now, int64_t *not_before, bool *slow);

/* The app-wide usage (Graph's X-App-Usage counts every call of the app,
 * whichever account made it) for all the platform's accounts: the latest
 * figure sets *slow (80 % or more) or clears it; at 95 % or more
 * *not_before moves to the window's reset (a minute when not said).
 * Nothing changes when the answer had no such figure. */
void fetch_rate_apply_app(const struct conn_rate *rate, int64_t now, int64_t *not_before,
                          bool *slow);

/* --- fetch-quota.c ------------------------------------------------------ */

/* A YouTube project's quota today (calendar/pacific.h, store/quota.h).
 * Polls stop at poll_limit = QuotaPerDay= − QuotaReserve=; moderation
 * actions are never held back by vakt (a threat must stay hideable when
 * reads used up the day), they spend the reserve. */
struct fetch_quota {
	int64_t used;       /* units counted today for the project */
	int64_t per_day;    /* QuotaPerDay= */
	int64_t poll_limit; /* QuotaPerDay= − QuotaReserve= */
	struct pacific_day day;
};

int fetch_quota_get(struct store *s, const char *project, unsigned per_day, unsigned reserve,
                    int64_t now, struct fetch_quota *ret);

/* Whether a poll's request of `cost` units fits today's poll budget. */
bool fetch_quota_fits(const struct fetch_quota *q, int cost);

/* Count units the project spent now (a request that went out: Google
 * charges failed requests too). */
int fetch_quota_charge(struct store *s, const char *project, int units, int64_t now);

/* Why polls of the project wait (for `vaktctl poll` and the skipped polls). */
void fetch_quota_why(const struct fetch_quota *q, char *buf, size_t len);

/* The loud line, once per project and Pacific day: *said_day remembers
 * the day it was last said for the project. */
void fetch_quota_say(const char *account, const char *project, const struct fetch_quota *q,
                     int64_t *said_day);

/* --- fetch-ingest.c ----------------------------------------------------- */

/* Store one batch in one transaction: every item through
 * pipeline_ingest(), replies that arrived before their parent linked, own
 * replies marking their parent answered, gone ids marked, and the cursor
 * (cursor_name) when the batch has one.  Counts go to *t only when the
 * transaction committed. */
int fetch_ingest(struct store *s, struct pipeline_rules *rules, const struct config_account *acc,
                 int64_t poll_id, const struct conn_batch *b, int64_t now, struct fetch_tally *t);

#define FETCH_CURSOR_NAME "poll"

/* --- fetch-health.c ----------------------------------------------------- */

/* When failing polls turn an account red: red_after of them in a row, or
 * failures for longer than stale_usec since the last successful poll (0:
 * never by time). */
struct fetch_health_policy {
	int red_after;
	int64_t stale_usec;
};

/* How long an account may go without a successful poll: three of its
 * longest planned gaps (Interval=, OffHoursInterval=), at least an hour;
 * 6 h when the schedule names neither. */
int64_t fetch_stale_after(const struct config_account *a);

/* Record the poll's end and the account's health in one transaction; a
 * change of health is logged once (VAKT_ACCOUNT=) and audited.  outcome is
 * CONN_OK for a poll that did not fail; hp NULL for polls ended by vaktd
 * itself (shutdown): the account's health stays as it was. */
int fetch_record_end(struct store *s, const char *account, int64_t poll_id, const char *result,
                     const struct fetch_tally *t, enum conn_outcome outcome, const char *error,
                     const struct fetch_health_policy *hp, int64_t now);

/* A request outside a poll (a moderation action, vaktd/act.c) found the
 * token invalid or a permission missing: the account's health as after a
 * failed poll, with the same log line, audit entry and escalation, inside
 * the caller's transaction or its own. */
int fetch_health_failed(struct store *s, const char *account, enum conn_outcome outcome,
                        const char *error, const struct fetch_health_policy *hp, int64_t now);
