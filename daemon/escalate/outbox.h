/* The daemon's outbox: routes due escalations and makes due deliveries,
 * one notify_send() attempt at a time, on the daemon's clock timers (the
 * test clock drives retries and steps like every other timer).
 *
 * Delivery state machine (one per escalation × step × recipient):
 *
 *   pending --attempt--> sending --SENT--> sent
 *                           |--RETRY--> retrying (backoff with jitter) --> sending …
 *                           |--FAILED, or RETRY past GiveUpAfter=--> given_up
 *   pending|retrying --ack, inhibition--> cancelled
 *
 * "sending" is committed before notify_send() is called: a crash while
 * sending leaves the row sending, and the next start makes it retrying,
 * due at once (store_deliveries_recover).  That one message may then
 * arrive twice; it carries the same Message-ID/idempotency key both times,
 * so the receiver drops the repeat.  Nothing is ever lost: a row is
 * finished only by the answer to its attempt. */
#pragma once

#include <stddef.h>
#include <stdint.h>

#include "config/config.h"
#include "store/store.h"

struct event_base;
struct ctimers;
struct notify;
struct escalate_outbox;

/* At most this many attempts in flight; the rest wait for the next round.
 * A round prepares at most ESCALATE_ROUND_MAX messages and commits their
 * "sending" marks together, then sends them: the first messages of a
 * burst go out while the rest are still being prepared. */
#define ESCALATE_INFLIGHT_MAX 256
#define ESCALATE_ROUND_MAX 32

/* A new outbox over store s and notify n (both borrowed), with its timer
 * on set.  Recovers deliveries left sending by a crash and schedules the
 * first round.  cfg is borrowed until the next escalate_outbox_reconfigure(). */
int escalate_outbox_new(struct event_base *base, struct ctimers *set, struct store *s,
                        struct notify *n, const struct config *cfg, struct escalate_outbox **ret);
void escalate_outbox_reconfigure(struct escalate_outbox *o, const struct config *cfg);
/* Something was written (a trigger, an ack, an override): work soon,
 * from the loop. */
void escalate_outbox_kick(struct escalate_outbox *o);
/* One round now: route, send what is due, re-arm the timer. */
void escalate_outbox_run(struct escalate_outbox *o);
/* Deliveries given up since start (the health flag); attempts in flight. */
size_t escalate_outbox_given_up(const struct escalate_outbox *o);
size_t escalate_outbox_inflight(const struct escalate_outbox *o);
/* Abandon attempts in flight (their rows stay sending: the next start
 * retries them).  NULL does nothing. */
void escalate_outbox_free(struct escalate_outbox *o);

/* The delay before attempt `attempts` + 1 after a RETRY: initial × 2^(attempts-1),
 * capped at max, then ±20 % jitter from `rnd` (0..UINT32_MAX). */
int64_t escalate_backoff(int64_t initial, int64_t max, int attempts, uint32_t rnd);
