/* The fetch driver: runs polls through the connectors over curlev.
 *
 * A poll copies what its transfers need out of the configuration when it
 * starts (token, base URL, external id, the stored cursor), so a reload
 * during the poll changes nothing for it; what a batch needs when it is
 * stored (the account's deadline policy and calendar, the rule set) is
 * taken from the configuration current at that moment, and a batch of an
 * account that a reload removed is not stored.
 *
 * Per account at most one poll runs, with up to the connector's
 * max_concurrency requests in flight; per platform at most its
 * RequestsInFlight= (config_requests_in_flight(), read from the current
 * configuration, so a reload changes it at once) across accounts.  A
 * transient failure (timeout, connect error, an answer over the size cap,
 * 5xx, 429, throttling, a malformed answer) pauses the account's next
 * requests with exponential backoff and jitter, or as long as the platform
 * asked (Retry-After, usage near 100 %, a reset time), a
 * bounded number of times per poll; an invalid token or a missing
 * permission ends the poll at once, and the platform saying stop (CONN_STOP)
 * stops the account's polls until the configuration is reloaded or the
 * platform's time has passed.  Delays run on the daemon's clock timers, so
 * they follow the test clock.
 *
 * Every answer's batch (items through pipeline_ingest(), gone ids, the
 * cursor) is stored together or not at all.  Each poll's result goes to
 * `polls`, the account's health to `account_health` (store/fetch-store.h).
 * Group commit: the answers that arrived in one loop iteration are stored
 * in one transaction, each batch in a savepoint of its own, with the ends
 * of the polls they finish; a poll is reported (done, the log) only after
 * that commit, and a failed commit fails the polls that had a batch in it.
 */
#pragma once

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "connectors/connector.h"
#include "net/http.h"

struct config;
struct ctimers;
struct curlev;
struct event_base;
struct fetch;
struct pipeline_rules;
struct store;

struct fetch_env {
	struct event_base *base;
	struct ctimers *timers;
	struct curlev *curl;
	struct store *store;
	const struct config *(*config)(void *arg);  /* the current configuration */
	struct pipeline_rules *(*rules)(void *arg); /* the current rule set */
	/* After the answers of one loop iteration were stored (NULL: none):
	 * what they escalated goes out now. */
	void (*stored)(void *arg);
	void *arg;
	/* The connector of a platform; NULL: connector_find (tests give
	 * their own). */
	const struct connector *(*connector)(const char *platform);
	struct http_opts http;
	int retry_max;             /* failed requests retried per poll; 0: 5 */
	int64_t backoff_usec;      /* first retry delay; 0: 2 s */
	int64_t backoff_max_usec;  /* 0: 5 min */
	int64_t poll_timeout_usec; /* a poll ends (partial) after this; 0: 10 min */
	int red_after;             /* failed polls in a row that turn an account red; 0: 3 */
};

/* How a poll ended, for the caller of fetch_start(). */
struct fetch_report {
	int64_t poll_id;
	const char *account;
	const char *result; /* "ok", "partial", "error" (as in polls.result) */
	int items_new, items_updated, gone;
	int requests, retries;
	enum conn_outcome outcome; /* why it failed; CONN_OK when it did not */
	const char *error;         /* "" when none */
};
typedef void (*fetch_done_fn)(void *arg, const struct fetch_report *r);

int fetch_new(const struct fetch_env *env, struct fetch **ret);

/* Start a poll of account now (planned: the instant it was planned for).
 * The poll's row is written before this returns; done (may be NULL) runs
 * once from the loop when it ends.  0 with *ret_poll_id, or:
 *   -ENOENT      the account is not configured or not enabled
 *   -EOPNOTSUPP  no connector for its platform (nothing written)
 *   -EBUSY       a poll of this account is running (nothing written)
 *   -ENOKEY      the account has no token (nothing written)
 *   -EDESTADDRREQ no ApiBaseUrl= where the platform has no one host
 *   -ECANCELED   the platform said stop (nothing written; fetch_stopped_why)
 *   -ESHUTDOWN   the daemon is stopping
 *   STORE_E_* / -ENOMEM */
int fetch_start(struct fetch *f, const char *account, int64_t planned, fetch_done_fn done,
                void *arg, int64_t *ret_poll_id);

/* Why the account is stopped ("" when it is not). */
const char *fetch_stopped_why(const struct fetch *f, const char *account);

bool fetch_running(const struct fetch *f, const char *account);
size_t fetch_polls_running(const struct fetch *f);
size_t fetch_requests_in_flight(const struct fetch *f);

/* After a reload: accounts the platform stopped may poll again. */
void fetch_reconfigured(struct fetch *f);

/* Shutdown: start no new request; done(arg) runs from the loop when no
 * transfer is in flight any more, or after bound_usec of real time,
 * whichever comes first.  fetch_free() then ends what is left. */
void fetch_drain(struct fetch *f, int64_t bound_usec, void (*done)(void *arg), void *arg);

/* Ends every running poll as partial ("vaktd stopped during the poll"),
 * abandoning its transfers, without calling done.  NULL does nothing.
 * Free it before the curlev. */
void fetch_free(struct fetch *f);
