/* Moderation actions: what vakt or a person asked to be done to an item on
 * its platform, and how it went (table `actions`, migration 9).
 *
 * A row's life: 'proposed' (vakt may not act alone: waits for a
 * moderator), 'queued' (to be carried out from next_attempt_at on),
 * 'running' (a request is on the wire; a crash leaves it so, and start-up
 * queues it again), then 'done', 'failed' (gave up, or the token or a
 * permission failed), 'not_allowed' (the platform does not allow it on
 * this item; error says why) or 'cancelled' (a moderator decided
 * otherwise).  Every change is in the audit log, in the same transaction.
 *
 * vakt acts on an item at most once per kind (a unique index over its own
 * rows), so re-evaluating an item never queues again what was done. */
#pragma once

#include <stddef.h>
#include <stdint.h>

#include "store/store.h"

struct store_action_in {
	int64_t item_id;
	int64_t verdict_id;       /* 0: not from a verdict (a person's decision) */
	const char *kind;         /* hide unhide delete report block review */
	const char *state;        /* proposed, queued or not_allowed */
	const char *requested_by; /* "vakt", or the API's actor ("api:USER") */
	const char *reason;       /* why: the rule, or the moderator's words */
	const char *error;        /* NULL, or why not (state not_allowed) */
};

/* Insert an action (a queued one is due at once) with its audit entry,
 * inside the caller's transaction or its own.  A second action of vakt's
 * of the same kind on the same item changes nothing: *ret_id is then 0.
 * ret_id may be NULL. */
int store_action_add(struct store *s, const struct store_action_in *in, int64_t now,
                     int64_t *ret_id);

/* One action with what the driver and the listing need of its item. */
struct store_action {
	int64_t id, item_id, verdict_id;
	char kind[16], state[16];
	char requested_by[96];
	char reason[256];
	int attempts;
	int64_t requested_at, next_attempt_at, done_at; /* 0 when not set */
	char error[256];
	char answer[32];
	/* The item: */
	char account[128];
	char platform_id[256];
	char item_kind[16];
	char author_id[128]; /* "" when the platform withheld it */
	char platform_state[16];
};

/* Queued actions due at now (next_attempt_at <= now), earliest first, at
 * most max; *ret malloc'ed (NULL when none). */
int store_actions_due(struct store *s, int64_t now, size_t max, struct store_action **ret,
                      size_t *ret_n);
/* When the next queued action is due (0 when none is queued). */
int store_actions_next_due(struct store *s, int64_t *ret);

/* Actions newest first, at most max: all, or only those still waiting
 * (proposed, queued, running) when pending; item > 0: that item's only. */
int store_actions_list(struct store *s, int pending, int64_t item, size_t max,
                       struct store_action **ret, size_t *ret_n);
/* -ENOENT when there is no action id. */
int store_action_get(struct store *s, int64_t id, struct store_action *ret);

/* A request for action id goes on the wire: state running, one attempt
 * more (committed before the request, so a crash counts it). */
int store_action_attempt(struct store *s, int64_t id, int64_t now);

/* How an attempt ended. */
struct store_action_result {
	const char *state;       /* done, failed, not_allowed, or queued (retry) */
	const char *answer;      /* the platform's answer: ok, gone, retry, token … */
	const char *error;       /* NULL, or why (no token, no personal data) */
	int64_t next_attempt_at; /* state queued: when to try again */
	/* state done: the item's platform state now (hidden, visible,
	 * deleted, gone), NULL to leave it. */
	const char *platform_state;
};
/* Record the end of an attempt with its audit entry (actor names who
 * carried it out); the item's platform state moves in the same
 * transaction (a hidden or deleted item cancels its open escalations:
 * store triggers). */
int store_action_finish(struct store *s, int64_t id, const struct store_action_result *res,
                        const char *actor, int64_t now);

/* Start-up: actions a crash left running are queued again, due now
 * (carrying one out twice is harmless: hiding a hidden comment succeeds,
 * deleting a deleted one answers "gone").  *ret_n counts them. */
int store_actions_recover(struct store *s, int64_t now, size_t *ret_n);

/* A moderator's decision: queue kind on item at once (requested_by
 * actor), and cancel what vakt proposed for the item, in one transaction
 * with audit entries.  -ENOENT for an unknown item, -EALREADY when an
 * action of that kind on the item is queued or running already. */
int store_action_decide(struct store *s, int64_t item, const char *kind, const char *actor,
                        const char *reason, int64_t now, int64_t *ret_id);

/* What an action needs of its item. */
struct store_action_target {
	char account[128];
	char platform_id[256];
	char kind[16];
	char author_id[128]; /* "" when withheld */
	char platform_state[16];
	int is_own;
};
/* -ENOENT for an unknown item. */
int store_action_target(struct store *s, int64_t item, struct store_action_target *ret);
