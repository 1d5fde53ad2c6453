/* The action driver: carries out queued moderation actions through the
 * connectors over curlev (docs/connectors.md "Actions").
 *
 * Each run takes the queued actions that are due (store/actions.h), at
 * most per_account in flight per account and per_platform per platform,
 * builds each request with the connector (action_request), marks the row
 * running (committed before the request leaves) and sends it with the
 * account's token.  The answer (action_answer) decides:
 *   CONN_OK              done; the item's platform state follows (hidden,
 *                        visible, deleted)
 *   CONN_GONE            done, answer "gone"; the item is gone
 *   CONN_RETRY, a failed transfer, CONN_MALFORMED, CONN_STOP
 *                        queued again after exponential backoff with
 *                        jitter (never before the platform's Retry-After),
 *                        failed after max_attempts
 *   CONN_NOT_ALLOWED     not_allowed with the platform's words, and the
 *                        strongest weaker action the platform allows is
 *                        proposed to a moderator (act-policy.h)
 *   CONN_TOKEN, CONN_PERMISSION
 *                        failed, and in the same transaction the account's
 *                        health turns red as after a failed poll
 *                        (fetch-health.c)
 * Every outcome is in the audit log, in the transaction that records it.
 * Runs come from the daemon's tick and API decisions (act_run) and from a
 * timer armed at the next retry; all on the daemon's clock, so they
 * follow the test clock. */
#pragma once

#include <stddef.h>
#include <stdint.h>

#include "connectors/connector.h"
#include "net/http.h"

struct config;
struct ctimers;
struct curlev;
struct store;
struct act;

struct act_env {
	struct ctimers *timers;
	struct curlev *curl;
	struct store *store;
	const struct config *(*config)(void *arg); /* the current configuration */
	void *arg;
	/* The connector of a platform; NULL: connector_find. */
	const struct connector *(*connector)(const char *platform);
	struct http_opts http;
	int per_account;          /* requests in flight per account; 0: 1 */
	int per_platform;         /* per platform; 0: 4 */
	int max_attempts;         /* attempts before an action fails; 0: 6 */
	int64_t backoff_usec;     /* first retry delay; 0: 30 s */
	int64_t backoff_max_usec; /* 0: 1 h */
	int red_after;            /* as fetch_env.red_after; 0: 3 */
};

/* Set up the driver; actions a crash left running are queued again.
 * 0, -ENOMEM or a store error. */
int act_new(const struct act_env *env, struct act **ret);

/* Start what is due now (limits allowing) and arm the timer for the next
 * retry.  NULL does nothing. */
void act_run(struct act *a);

size_t act_in_flight(const struct act *a);

/* Abandons the requests in flight (their rows stay running and are queued
 * again at the next start).  NULL does nothing.  Free it before the
 * curlev. */
void act_free(struct act *a);
