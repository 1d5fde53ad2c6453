/* The escalation outbox in the store: escalations (what happened, written
 * in the transaction that decided it), their deliveries (one message of
 * one step to one recipient, each with its own state) and the on-call
 * overrides.  The decisions (what triggers, who receives, when to retry)
 * are daemon/escalate/'s; this file only reads and writes rows.  Every
 * function brackets its writes with store_begin()/store_end(), so it is a
 * savepoint of the caller's transaction when there is one.
 *
 * Delivery states: pending → sending → sent | retrying → … | given_up;
 * cancelled when the escalation is acknowledged or inhibited before the
 * delivery was made. */
#pragma once

#include <stdint.h>

#include "store/store.h"

#define STORE_ESC_KEY_MAX 96

struct store_escalation_in {
	const char *key;     /* unique per cause */
	const char *cause;   /* verdict, deadline, health, test */
	const char *kind;    /* threat, warning, breach, health, pileon, test */
	const char *account; /* NULL when not about one account */
	int64_t item_id, verdict_id, deadline_id; /* 0: none */
	const char *reason;                       /* "" when none */
	const char *group_key;                    /* NULL: never grouped */
	int64_t due_at;                           /* 0: none */
	int64_t next_at;                          /* when to route it first */
};

struct store_escalation {
	int64_t id;
	char key[STORE_ESC_KEY_MAX];
	char cause[12];
	char kind[12];
	char account[128]; /* "" when none */
	int64_t item_id, verdict_id, deadline_id;
	char reason[128];
	int count;
	int64_t due_at;
	int level, round; /* the step routed last (-1 before the first) and its repeats */
	int64_t next_at;  /* 0: nothing scheduled */
	int64_t created_at, updated_at;
	int64_t acknowledged_at;
	char acknowledged_by[96];
	int64_t cancelled_at;
	char cancelled_why[64];
};

/* Insert with level -1; *ret_id (may be NULL) the new row.  -EEXIST when
 * an escalation with that key exists (nothing written).  item_id, when
 * set, is the first of its escalation_items. */
int store_escalation_insert(struct store *s, const struct store_escalation_in *in, int64_t now,
                            int64_t *ret_id);

/* The open (neither acknowledged nor cancelled) escalation of group_key
 * created at or after since, the newest; -ENOENT when none. */
int store_escalation_group_find(struct store *s, const char *group_key, int64_t since,
                                int64_t *ret_id);

/* The verdict escalation (open or acknowledged, not cancelled) that item
 * is part of; -ENOENT when none. */
int store_escalation_of_item(struct store *s, int64_t item, int64_t *ret_id);

/* Add item to escalation id's list; a new item raises the count and makes
 * it a pile-on.  *ret_added (may be NULL) is 1 when the item was new. */
int store_escalation_add_item(struct store *s, int64_t id, int64_t item, int64_t now,
                              int *ret_added);

/* The items of an escalation, first first, at most max; *ret malloc'ed. */
int store_escalation_items(struct store *s, int64_t id, size_t max, int64_t **ret, size_t *ret_n);

/* 0 or -ENOENT. */
int store_escalation_get(struct store *s, int64_t id, struct store_escalation *ret);

/* The open health escalation of (account, reason): -ENOENT when none. */
int store_escalation_health_open(struct store *s, const char *account, const char *reason,
                                 int64_t *ret_id);

/* Record that step `level`, repeat `round`, was routed and when to route
 * again (next_at 0: never). */
int store_escalation_set_step(struct store *s, int64_t id, int level, int round, int64_t next_at,
                              int64_t now);

/* Cancel an escalation (also an acknowledged one: a health incident ends)
 * and its unsent deliveries (why: "recovered" …).  -ENOENT when it is
 * unknown or cancelled already. */
int store_escalation_cancel(struct store *s, int64_t id, const char *why, int64_t now);

/* Acknowledge: no more steps or repeats, unsent deliveries cancelled, an
 * audit entry escalation.ack naming actor and `by` (who, as shown).
 * -ENOENT for an unknown id, -EALREADY when already acknowledged or
 * cancelled. */
int store_escalation_ack(struct store *s, int64_t id, const char *by, const char *actor,
                         int64_t now);

/* Escalations whose routing is due (next_at <= now), oldest first. */
int store_escalations_due(struct store *s, int64_t now, size_t max, int64_t **ret, size_t *ret_n);

/* The earliest next_at (0 when none). */
int store_escalations_next_at(struct store *s, int64_t *ret);

/* The newest escalations first (open_only: neither acknowledged nor
 * cancelled), at most max; *ret malloc'ed. */
int store_escalations_list(struct store *s, int open_only, size_t max,
                           struct store_escalation **ret, size_t *ret_n);

/* What a message says about its item besides the text: the link to it,
 * the verdict's tier and its rules with title and statute ("" when
 * none). */
struct store_escalation_context {
	char permalink[512];
	char tier[12];
	char rules[1024];
};
int store_escalation_context(struct store *s, int64_t item, int64_t verdict,
                             struct store_escalation_context *ret);

/* --- deliveries ------------------------------------------------------ */

struct store_delivery {
	int64_t id;
	int64_t escalation_id;
	int level, round;
	char recipient[256];
	char role[16];
	char state[12];
	int attempts;
	int64_t created_at, next_attempt_at, sent_at;
	char last_error[160];
};

/* A pending delivery due at `now`; *ret_added (may be NULL) is 0 when it
 * existed already (same escalation, level, round, recipient). */
int store_delivery_add(struct store *s, int64_t escalation, int level, int round,
                       const char *recipient, const char *role, int64_t now, int *ret_added);

/* Pending or retrying deliveries due at now, oldest due first. */
int store_deliveries_due(struct store *s, int64_t now, size_t max, struct store_delivery **ret,
                         size_t *ret_n);

/* The earliest next_attempt_at of a pending or retrying delivery (0: none). */
int store_deliveries_next_at(struct store *s, int64_t *ret);

/* Mark a pending or retrying delivery sending and count the attempt;
 * -ESTALE when it is no longer pending or retrying (acknowledged meanwhile). */
int store_delivery_sending(struct store *s, int64_t id, int64_t now);

/* End an attempt: state "sent" (sent_at = now), "retrying" (at next_at) or
 * "given_up"; error may be NULL.  Only a delivery in state sending moves
 * (-ESTALE otherwise). */
int store_delivery_finish(struct store *s, int64_t id, const char *state, int64_t next_at,
                          const char *error, int64_t now);

/* At start: every delivery left sending by a crash is retrying, due now.
 * *ret_n (may be NULL) counts them. */
int store_deliveries_recover(struct store *s, int64_t now, size_t *ret_n);

/* 0 or -ENOENT. */
int store_delivery_get(struct store *s, int64_t id, struct store_delivery *ret);

/* The deliveries of an escalation, in the order they were made. */
int store_deliveries_of(struct store *s, int64_t escalation, struct store_delivery **ret,
                        size_t *ret_n);

/* Given-up deliveries (the health flag): how many. */
int store_deliveries_given_up(struct store *s, int64_t *ret);

/* --- on-call overrides -------------------------------------------------- */

/* recipient is on call in [from, until), over the rota; audited as
 * oncall.override by actor. */
int store_oncall_override_add(struct store *s, const char *recipient, int64_t from, int64_t until,
                              const char *actor, int64_t now);

/* The override covering t (the latest set wins) into buf; *ret_until its
 * end.  -ENOENT when none. */
int store_oncall_override_at(struct store *s, int64_t t, char *buf, size_t len, int64_t *ret_until);
