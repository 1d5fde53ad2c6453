/* The control API: HTTP/1.1 + JSON on a Unix socket, versioned paths.
 *
 * api_route() is the whole application side and knows nothing of sockets,
 * so tests call it directly; api-server.c wires it to evhttp.  The API only
 * reads the store and writes acknowledgements and decisions; it never calls
 * a connector.
 */
#pragma once

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include <cjson/cJSON.h>

#include "config/config.h"
#include "escalate/catchup.h"
#include "store/store.h"
#include "util/diag.h"

/* What the daemon shares with the API.  The daemon owns it and updates the
 * fields on reload; the API only reads them. */
struct pipeline_rules;
struct api_audit_job;

/* How a reload asked for through the API went (POST /v1/reload). */
struct api_reload_outcome {
	bool taken;             /* the new configuration runs now */
	uint64_t generation;    /* the configuration running afterwards */
	struct diag_list diags; /* why it was refused; the caller clears it */
};

/* One poll started through the API (POST /v1/poll). */
struct api_poll_started {
	const char *account; /* borrowed from the configuration */
	int64_t poll_id;     /* 0 when it did not start */
	int error;           /* why not: -EBUSY running, -EOPNOTSUPP no connector,
	                      * -ECANCELED stopped by the platform, -ENOENT disabled */
};

struct api_env {
	struct store *store;
	struct pipeline_rules *rules; /* the live rule set (re-evaluation, statistics) */
	const struct config *config;
	uint64_t config_generation;
	int64_t config_loaded_usec;
	int64_t started_usec;
	const char *state; /* "starting", "running", "reloading", "stopping" */
	/* Called after the API wrote a decision the daemon must act on (crisis
	 * mode, a clock decision) about one account: a notification, never a
	 * way to reach a connector.  account NULL: about every account. */
	void (*changed)(void *arg, const char *account);
	void *changed_arg;
	/* The manual test clock (vaktd --test-clock START,manual), NULL
	 * otherwise: move simulated time to `to` (epoch µs), firing and
	 * handling every daemon timer due by then before it returns; *ret_fired
	 * counts them.  0 or a negative errno (-ELOOP: a timer kept re-arming
	 * at one instant).  A testing aid, never a way into the daemon. */
	int (*testclock_move)(void *arg, int64_t to, size_t *ret_fired);
	void *testclock_arg;
	/* Reload the configuration, exactly as SIGHUP does; actor names the
	 * caller for the audit log.  The reload goes on after the call (its
	 * rules are built and proved on a worker thread, vaktd/reload.h);
	 * *ret_ticket names the attempt whose outcome answers this request.
	 * 0, or a negative errno when no reload was asked for (-ESHUTDOWN
	 * while stopping).  NULL where there is no daemon (tests). */
	int (*reload)(void *arg, const char *actor, uint64_t *ret_ticket);
	/* How attempt ticket went: 1 with *ret filled (taken or refused; the
	 * caller clears its diags) once it has ended, 0 while it runs,
	 * -ESHUTDOWN when it never will (vaktd stops).  The
	 * daemon wakes waiting requests when one ends (api_server_wake()). */
	int (*reload_outcome)(void *arg, uint64_t ticket, struct api_reload_outcome *ret);
	void *reload_arg;
	/* When the account's next poll is due (epoch µs), as the daemon's
	 * poller keeps it: 0, or -ENOENT when it polls the account not at all.
	 * GET /v1/accounts shows it instead of working it out again per
	 * account from the store and the schedule, which it does when this is
	 * NULL (tests, the fuzzer). */
	int (*next_poll)(void *arg, const char *account, int64_t *ret);
	void *next_poll_arg;
	/* The audit verification's worker (api/api-audit-job.h); NULL where
	 * there is no loop to hand results back to (tests, fuzzing): then
	 * GET /v1/audit/verify walks the chain at once and the job routes
	 * answer 503. */
	struct api_audit_job *audit_job;
	/* Poll now: account, or every enabled account when NULL; the polls
	 * run on in the daemon (GET /v1/polls/{id} says when they ended).
	 * Each started poll is audited with actor.  0 with ret[0..*ret_n)
	 * filled (at most max), -ENOENT for an unknown account, -ESHUTDOWN
	 * while stopping.  NULL where there is no daemon (tests). */
	int (*poll)(void *arg, const char *account, const char *actor, struct api_poll_started *ret,
	            size_t max, size_t *ret_n);
	void *poll_arg;
	/* Why the account's polls are stopped ("" when they are not): the
	 * platform said stop, or YouTube's quota budget (store/quota.h).
	 * NULL where there is no daemon (tests). */
	const char *(*stopped_why)(void *arg, const char *account);
	void *stopped_why_arg;
	/* The deadline scan's catch-up (GET /v1/status); NULL where there is
	 * no daemon (tests). */
	const struct catchup *catchup;
	/* Whether the pass that evaluates items waiting for a verdict runs
	 * (vaktd/backlog.h), and *ret_evaluated the items its passes evaluated
	 * since start (GET /v1/status).  NULL where there is no daemon. */
	bool (*backlog_running)(void *arg, size_t *ret_evaluated);
	void *backlog_arg;
};

struct api_response {
	int status;  /* HTTP status code */
	cJSON *body; /* owned; always a JSON object */
	/* Not answered yet: the request waits for the audit job or a reload
	 * (the connection waits, the loop goes on).  The server parks the
	 * connection and routes the same request again with req->resumed set
	 * (and req->ticket = ticket) each time the job changes
	 * (api_audit_job_set_listener()) or a reload ends
	 * (api_server_wake()), until an answer comes without wait.  body is
	 * still a whole answer (the job so far) for callers that cannot wait
	 * (tests). */
	bool wait;
	uint64_t ticket; /* with wait: what the handler waits for */
};

/* Who sent a request, as the kernel says (SO_PEERCRED on the socket). */
struct api_caller {
	bool known; /* false when the request did not come through the socket */
	uint32_t uid, gid;
	int32_t pid;
	char user[64]; /* the uid's user name, "" when it has none */
};

/* One request as the handlers see it. */
struct api_req {
	const char *method;
	const char *path;
	const char *query; /* without '?', NULL when none */
	const char *param; /* the {id} path segment as given (ids are [A-Za-z0-9._-],
	                    * so nothing needs decoding); NULL when none */
	const char *arg;   /* the route's fixed argument (e.g. "pause"), or NULL */
	const char *body;  /* NUL-terminated, NULL when empty */
	size_t body_len;
	const struct api_caller *caller; /* never NULL */
	/* The body's "by", the name the client gives for itself: a claim,
	 * recorded beside the caller, never instead of it.  NULL when none;
	 * api_route refuses a request whose "by" is not a short name without
	 * control characters. */
	const char *claim;
	/* Routed again after it waited (api_response.wait); the handler
	 * answers with what the job has now. */
	bool resumed;
	uint64_t ticket; /* resumed: the api_response.ticket it waited with */
};

/* Route one request (query may be NULL).  Always fills *ret (errors become
 * JSON error bodies with the right status); returns 0, or -ENOMEM when even
 * that failed. */
int api_route(const struct api_env *env, const char *method, const char *path, const char *query,
              const char *body, size_t body_len, struct api_response *ret);

/* The same for a known caller: every audit entry the request writes
 * records it (store_audit_set_caller).  caller may be NULL (unknown). */
int api_route_as(const struct api_env *env, const struct api_caller *caller, const char *method,
                 const char *path, const char *query, const char *body, size_t body_len,
                 struct api_response *ret);

/* api_route_as() for a request that waited with ticket: req->resumed and
 * req->ticket are set. */
int api_route_resumed(const struct api_env *env, const struct api_caller *caller, uint64_t ticket,
                      const char *method, const char *path, const char *query, const char *body,
                      size_t body_len, struct api_response *ret);

/* The actor an audit entry names for this request: "api:USER" (the
 * caller's user name, or "api:uid:N" when it has none); for a request that
 * did not come through the socket (tests), "api:CLAIM" or "api". */
const char *api_actor(const struct api_req *req, char *buf, size_t len);

/* The value of key in a query string ("days=3&x=y") into buf; 0, -ENOENT
 * when absent, -ENOBUFS when it does not fit (callers must refuse the
 * request rather than ignore the key). */
int api_query_get(const char *query, const char *key, char *buf, size_t len);

/* Build {"error":{"status":N,"code":"...","message":"..."}}. */
cJSON *api_error_body(int status, const char *code, const char *fmt, ...)
        __attribute__((format(printf, 3, 4)));

void api_response_clear(struct api_response *r);

/* --- the server --------------------------------------------------------- */

struct event_base;
struct api_server;

struct api_server_opts {
	const char *socket_path; /* bound when no socket was passed by systemd */
	unsigned socket_mode;
	size_t max_body;
	size_t max_header;
	unsigned max_connections;
	int timeout_sec;         /* idle connections close after this */
	int request_timeout_sec; /* a request must arrive whole within this of its first byte */
};

/* Start serving.  Adopts a socket passed through systemd socket activation
 * (LISTEN_FDS) when there is one, else binds socket_path (replacing a stale
 * socket file, refusing to replace anything else).  On failure *ret is not
 * written and errbuf says why. */
int api_server_start(struct event_base *base, const struct api_env *env,
                     const struct api_server_opts *opts, struct api_server **ret, char *errbuf,
                     size_t errlen);

/* Something a waiting request may wait for has happened (a reload
 * ended): route every waiting request again. */
void api_server_wake(struct api_server *srv);

/* Apply new limits after a reload (the socket path is kept). */
void api_server_set_limits(struct api_server *srv, const struct api_server_opts *opts);

/* Stop accepting, close connections, remove the socket file if we made it. */
void api_server_free(struct api_server *srv);

/* 1 when the socket came from systemd. */
int api_server_socket_activated(const struct api_server *srv);
