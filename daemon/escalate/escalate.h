/* Escalation: what reaches people, when, and that it is never lost or
 * doubled (docs/escalation.md).
 *
 *   triggers  write an escalation row in the caller's transaction, the one
 *             that records its cause (a verdict, a deadline's warning or
 *             breach, an account's health), so a crash keeps both or
 *             neither;
 *   routing   turns a due escalation into deliveries (one per recipient)
 *             from the configuration's routes: units, [OnCall], the breach
 *             steps, repeats, the fallback;
 *   outbox    (outbox.c, the daemon's) makes each delivery through
 *             notify_send(), one attempt at a time, with backoff, on the
 *             daemon's clock timers;
 *   ack       stops repeats and further steps, audited.
 *
 * Functions return 0, a negative errno or STORE_E_SQLITE, as the store's. */
#pragma once

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "config/config.h"
#include "deadline/deadline.h"
#include "store/outbox.h"
#include "store/store.h"

struct diag_list;

/* --- triggers (inside the caller's transaction) ------------------------ */

struct escalate_verdict_in {
	const char *account;
	int64_t item_id;
	int64_t parent_id; /* 0 for a top-level item: then grouped per account */
	int64_t verdict_id;
	unsigned categories; /* FILTER_CAT_* bits */
	int tier;            /* enum filter_tier */
	unsigned actions;    /* FILTER_ACT_* bits */
	int64_t group_window_usec;
};

/* Whether a verdict escalates at once: an obvious-tier verdict in the
 * criminal or threat categories, or any rule asking for `escalate`. */
bool escalate_verdict_wanted(unsigned categories, int tier, unsigned actions);

/* Escalate a verdict when escalate_verdict_wanted(): a new escalation, or,
 * when one of the same post (or, for top-level items, account) is open and
 * younger than the group window, that one grows by the item (a pile-on);
 * an item already part of a verdict escalation that was not cancelled
 * (re-evaluated) adds nothing.
 * *ret_id (may be NULL) is the escalation, 0 when the verdict does not
 * escalate. */
int escalate_verdict(struct store *s, const struct escalate_verdict_in *in, int64_t now,
                     int64_t *ret_id);

/* A deadline's warning or breach (a reached milestone escalates nothing).
 * Call in the transaction of the deadline_scan() that reported t. */
int escalate_deadline(struct store *s, const struct deadline_transition *t, int64_t now,
                      int64_t *ret_id);

/* An account's health failed (reason: "token", "polls" …): one escalation
 * per incident — while one for (account, reason) is open, nothing new.
 * *ret_id is that escalation; *ret_new (may be NULL) 1 when it is new. */
int escalate_health(struct store *s, const char *account, const char *reason, int64_t now,
                    int64_t *ret_id, int *ret_new);
/* The incident is over: its open escalation is cancelled ("recovered"),
 * so the next failure is a new incident.  0 also when none was open. */
int escalate_health_clear(struct store *s, const char *account, const char *reason, int64_t now);

/* Facebook reviews cannot be removed one by one (and Graph v22 no longer
 * reads them): when `item`, just evaluated, is a harmful review
 * (store/reviews.h) and the account has had esc_review_abuse_count of
 * them published within esc_review_abuse_window_usec up to this one, the
 * account's owner is told, once per incident, to turn the Page's reviews
 * off — a health escalation with reason "reviews" (route Health=).  The
 * incident is over when a harmful review comes more than a window after
 * the one before it.  *ret_id (may be NULL): the escalation, 0 none. */
int escalate_reviews(struct store *s, const struct config_account *acc, int64_t item,
                     int64_t published, int64_t now, int64_t *ret_id);

/* A test message to every recipient of every route of account. */
int escalate_test(struct store *s, const char *account, int64_t now, int64_t *ret_id);

/* --- routes ------------------------------------------------------------ */

#define ESCALATE_RCPT_MAX 32

struct escalate_rcpt {
	char recipient[256];
	char role[16]; /* oncall manager escalate safety fallback address */
};

/* Who is on call at t: an override (vaktctl oncall take/set), else an
 * explicit [OnCall] shift, else the weekly rota; *ret_source says which
 * ("override", "shift", "rota").  -ENOENT when nobody is. */
int escalate_oncall_at(const struct config *cfg, struct store *s, int64_t t, char *buf, size_t len,
                       const char **ret_source);

/* The recipients of step `level` of escalation e (roles resolved for its
 * account's unit; a role that resolves to nobody goes to the fallback).
 * At most ESCALATE_RCPT_MAX, duplicates removed. */
int escalate_recipients(const struct config *cfg, struct store *s, const struct store_escalation *e,
                        int level, int64_t now, struct escalate_rcpt *ret, size_t *ret_n);

/* The recipients a list of recipients (no roles) names, contacts expanded
 * to their channels, duplicates removed; at most ESCALATE_RCPT_MAX.
 * -ENOENT when it names nobody. */
int escalate_expand(const struct config *cfg, const char *list, const char *role,
                    struct escalate_rcpt *ret, size_t *ret_n);

/* Route every escalation due at now: write the deliveries of its next
 * step or repeat and plan the one after.  Each escalation is one
 * transaction.  *ret_n (may be NULL) counts deliveries written.
 * -EHOSTUNREACH (with *ret_n set) when some escalation had nobody to go
 * to (its account is no longer configured): it is cancelled as "no
 * recipient" and the others are routed. */
int escalate_route_due(struct store *s, const struct config *cfg, int64_t now, size_t *ret_n);

/* As escalate_route_due(), at most `max` escalations (the earliest due
 * first); *ret_seen (may be NULL) is how many were taken up: max means
 * there may be more.  The outbox routes ESCALATE_ROUTE_MAX a round, so
 * that a backlog (a catch-up's breaches) is routed between the loop's
 * other work, not in one piece. */
#define ESCALATE_ROUTE_MAX 32
int escalate_route_due_max(struct store *s, const struct config *cfg, int64_t now, size_t max,
                           size_t *ret_n, size_t *ret_seen);

/* Check every route of cfg: each recipient has a valid form
 * (notify_target_parse), a role that resolves to nobody for some unit needs
 * Fallback=, a webhook must be configured and an e-mail address needs
 * [Email] (notify_target_check), a contact must be defined and each of its
 * channels deliverable; the units' addresses need [Email] too.  Errors go
 * to diags as file:line; returns their count. */
size_t escalate_config_check(const struct config *cfg, struct diag_list *diags);

/* Whether one recipient given at run time (an on-call override) can be
 * delivered to under cfg: 0, -EINVAL (not a recipient's form), -ENOENT
 * (an undefined webhook or contact, or e-mail without [Email]). */
int escalate_recipient_check(const struct config *cfg, const char *recipient);

/* --- acknowledgement --------------------------------------------------- */

/* Acknowledge escalation id as `by` (who, shown), audited as actor.
 * -ENOENT, -EALREADY (acknowledged or cancelled before). */
int escalate_ack(struct store *s, int64_t id, const char *by, const char *actor, int64_t now);

#define ESCALATE_TOKEN_MAX 128

/* A signed acknowledgement token for delivery `delivery` of escalation
 * `id`, valid until `expires` (epoch µs): "ID.DELIVERY.EXPIRES.HMAC", the
 * HMAC-SHA256 over the rest with key.  0 or -EINVAL (no key). */
int escalate_token_sign(const struct secret *key, int64_t id, int64_t delivery, int64_t expires,
                        char buf[static ESCALATE_TOKEN_MAX]);
/* 0 with the ids, -EBADMSG for a malformed or tampered token, -ETIME for
 * an expired one. */
int escalate_token_verify(const struct secret *key, const char *token, int64_t now, int64_t *ret_id,
                          int64_t *ret_delivery);

/* --- messages ---------------------------------------------------------- */

/* What one delivery says (Swedish, or English with Language=en): subject
 * and text, personal data masked as the verdict masked it; the ack link
 * when PublicBaseUrl= is set.  Strings are malloc'ed; free with
 * escalate_text_clear(). */
struct escalate_text {
	char *subject;
	char *text;
	char *ack_url;     /* NULL when no link */
	char *message_key; /* ESCALATION-KEY.lLEVEL.rROUND: the Message-ID */
	char unit[128];
};
int escalate_text_build(const struct config *cfg, struct store *s, const struct store_escalation *e,
                        const struct store_delivery *d, int64_t now, struct escalate_text *ret);
void escalate_text_clear(struct escalate_text *t);
