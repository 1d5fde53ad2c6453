/* The action driver (vaktd/act.h): queued actions onto the wire and their
 * answers into the store. */
#include "vaktd/act.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "config/config.h"
#include "net/curlev.h"
#include "pipeline/act-policy.h"
#include "store/actions.h"
#include "store/store.h"
#include "util/clock.h"
#include "util/ctimer.h"
#include "util/error.h"
#include "util/log.h"
#include "vaktd/fetch-internal.h"

#define ACT_ACTOR "vaktd:act"
#define DUE_BATCH 64

/* One action on the wire. */
struct act_req {
	struct act *a;
	struct act_req *next;
	const struct connector *conn;
	struct store_action row; /* as it was when it started */
	struct conn_request req;
	struct http_xfer *x;
};

struct act {
	struct act_env env;
	struct act_req *reqs;
	size_t n_reqs;
	struct ctimer *timer;
	unsigned rnd; /* jitter */
	bool running; /* inside act_run: a done callback must not re-enter */
};

static const struct connector *conn_of(const struct act *a, const char *platform)
{
	return a->env.connector ? a->env.connector(platform) : connector_find(platform);
}

static double next_rnd(struct act *a)
{
	a->rnd = a->rnd * 1103515245u + 12345u;
	return (double)((a->rnd >> 8) & 0xffff) / 65536.0;
}

static int count_where(const struct act *a, const char *account, const struct connector *c)
{
	int n = 0;
	for (const struct act_req *q = a->reqs; q; q = q->next)
		if (account ? strcmp(q->row.account, account) == 0 : q->conn == c)
			n++;
	return n;
}

static bool in_flight(const struct act *a, int64_t id)
{
	for (const struct act_req *q = a->reqs; q; q = q->next)
		if (q->row.id == id)
			return true;
	return false;
}

/* What the item's platform state is once kind is done. */
static const char *state_after(const char *kind)
{
	if (strcmp(kind, "hide") == 0)
		return "hidden";
	if (strcmp(kind, "unhide") == 0)
		return "visible";
	if (strcmp(kind, "delete") == 0)
		return "deleted";
	return NULL; /* report, block: the item stays as it is */
}

/* Record how an attempt ended; for a refusal, propose the strongest
 * weaker action the platform allows, in the same transaction. */
static int record(struct act *a, const struct store_action *row, const struct connector *c,
                  const struct store_action_result *res, bool refused)
{
	struct store *s = a->env.store;
	int64_t now = clock_now_usec();
	int r = store_begin(s);
	if (r)
		return r;
	r = store_action_finish(s, row->id, res, ACT_ACTOR, now);
	enum conn_action refused_act, weaker;
	if (r == 0 && refused && act_kind_parse(row->kind, &refused_act) == 0 &&
	    act_weaker_allowed(c, refused_act, row->platform_id, row->item_kind,
	                       row->author_id[0] ? row->author_id : NULL, &weaker) == 0) {
		char reason[320];
		snprintf(reason, sizeof(reason), "%s was refused by the platform (action %lld)",
		         row->kind, (long long)row->id);
		const struct store_action_in in = {
			.item_id = row->item_id,
			.verdict_id = row->verdict_id,
			.kind = act_kind_name(weaker),
			.state = "proposed",
			.requested_by = "vakt",
			.reason = reason,
		};
		r = store_action_add(s, &in, now, NULL);
	}
	return store_end(s, r);
}

/* Record the end of an attempt and say so.  health CONN_TOKEN or
 * CONN_PERMISSION also turns the account red, in the same transaction
 * (CONN_OK: the account's health is not touched). */
static void finish_row(struct act *a, const struct store_action *row, const struct connector *c,
                       const struct store_action_result *res, bool refused,
                       enum conn_outcome health)
{
	struct store *s = a->env.store;
	int r = store_begin(s);
	if (r == 0) {
		r = record(a, row, c, res, refused);
		if (r == 0 && health != CONN_OK) {
			const struct config_account *acc =
			        config_find_account(a->env.config(a->env.arg), row->account);
			const struct fetch_health_policy hp = {
				.red_after = a->env.red_after,
				.stale_usec = acc ? fetch_stale_after(acc) : 0,
			};
			r = fetch_health_failed(s, row->account, health, res->error, &hp,
			                        clock_now_usec());
		}
		r = store_end(s, r);
	}
	if (r)
		log_full(LOG_ERR, row->account, row->item_id,
		         "cannot record the end of action %lld (%s): %s", (long long)row->id,
		         row->kind, store_strerror(s, r));
	int level = strcmp(res->state, "done") == 0     ? LOG_INFO
	            : strcmp(res->state, "queued") == 0 ? LOG_NOTICE
	                                                : LOG_WARNING;
	log_full(level, row->account, row->item_id, "action %lld (%s): %s%s%s%s",
	         (long long)row->id, row->kind,
	         strcmp(res->state, "queued") == 0 ? "will retry" : res->state,
	         res->answer && *res->answer ? " (" : "", res->answer ? res->answer : "",
	         res->answer && *res->answer ? ")" : "");
	if (res->error && *res->error)
		log_full(level, row->account, row->item_id, "action %lld: %s", (long long)row->id,
		         res->error);
}

/* A transient failure: again later, or failed after max_attempts. */
static void retry_or_fail(struct act *a, const struct store_action *row, const struct connector *c,
                          int attempts, const char *answer, const char *why, int64_t retry_after)
{
	char msg[320];
	if (attempts >= a->env.max_attempts) {
		snprintf(msg, sizeof(msg), "gave up after %d attempts: %s", attempts, why);
		const struct store_action_result res = { .state = "failed",
			                                 .answer = answer,
			                                 .error = msg };
		finish_row(a, row, c, &res, false, CONN_OK);
		return;
	}
	int64_t d = fetch_backoff(attempts, a->env.backoff_usec, a->env.backoff_max_usec,
	                          next_rnd(a), retry_after);
	const struct store_action_result res = {
		.state = "queued",
		.answer = answer,
		.error = why,
		.next_attempt_at = clock_now_usec() + d,
	};
	finish_row(a, row, c, &res, false, CONN_OK);
}

static const char *answer_header(const void *ctx, const char *name)
{
	return http_xfer_response_header(ctx, name);
}

static void handle_answer(struct act_req *q)
{
	struct act *a = q->a;
	const struct store_action *row = &q->row;
	enum http_failure hf = http_xfer_failure(q->x);
	size_t len = 0;
	const char *body = hf == HTTP_OK ? http_xfer_body_data(q->x, &len) : "";
	const struct conn_answer ans = {
		.status = hf == HTTP_OK ? http_xfer_status(q->x) : 0,
		.body = body,
		.body_len = len,
		.header = answer_header,
		.header_ctx = q->x,
	};
	struct conn_rate rate = { .usage_percent = -1, .remaining = -1 };
	char *message = NULL, why[300];
	enum conn_outcome o = CONN_RETRY;
	if (hf == HTTP_OK)
		o = q->conn->action_answer(&ans, &rate, &message);
	if (hf != HTTP_OK)
		snprintf(why, sizeof(why), "%s",
		         http_xfer_error(q->x)[0] ? http_xfer_error(q->x) : "transfer failed");
	else
		snprintf(why, sizeof(why), "%s (HTTP %ld)",
		         message ? message : conn_outcome_name(o), ans.status);
	free(message);
	int attempts = row->attempts + 1; /* counted when it started */

	switch (o) {
	case CONN_OK: {
		const struct store_action_result res = { .state = "done",
			                                 .answer = "ok",
			                                 .platform_state = state_after(row->kind) };
		finish_row(a, row, q->conn, &res, false, CONN_OK);
		break;
	}
	case CONN_GONE: {
		const struct store_action_result res = {
			.state = "done", .answer = "gone", .error = why, .platform_state = "gone"
		};
		finish_row(a, row, q->conn, &res, false, CONN_OK);
		break;
	}
	case CONN_NOT_ALLOWED: {
		const struct store_action_result res = { .state = "not_allowed",
			                                 .answer = "not_allowed",
			                                 .error = why };
		finish_row(a, row, q->conn, &res, true, CONN_OK);
		break;
	}
	case CONN_TOKEN:
	case CONN_PERMISSION: {
		const struct store_action_result res = { .state = "failed",
			                                 .answer = conn_outcome_name(o),
			                                 .error = why };
		finish_row(a, row, q->conn, &res, false, o);
		break;
	}
	case CONN_RETRY:
	case CONN_MALFORMED:
	case CONN_STOP:
		retry_or_fail(a, row, q->conn, attempts,
		              hf == HTTP_OK ? conn_outcome_name(o) : "transfer", why,
		              rate.retry_after_usec);
		break;
	}
}

static void req_free(struct act_req *q)
{
	http_xfer_free(q->x);
	conn_request_clear(&q->req);
	free(q);
}

static void unlink_req(struct act *a, struct act_req *q)
{
	for (struct act_req **p = &a->reqs; *p; p = &(*p)->next)
		if (*p == q) {
			*p = q->next;
			a->n_reqs--;
			return;
		}
}

static void on_done(struct http_xfer *x, void *arg)
{
	struct act_req *q = arg;
	struct act *a = q->a;
	(void)x;
	unlink_req(a, q);
	handle_answer(q);
	req_free(q);
	/* A slot came free; a retry may be due. */
	act_run(a);
}

/* Put the token on the request as the platform wants it and start it. */
static int start_request(struct act *a, struct act_req *q, const char *token)
{
	struct conn_request *r0 = &q->req;
	char *auth = NULL;
	int r = 0;
	if (q->conn->authorize)
		r = q->conn->authorize(token, r0);
	else if (asprintf(&auth, "Bearer %s", token) < 0)
		r = -ENOMEM;
	if (r == 0)
		r = http_xfer_new(r0->method, r0->url, &a->env.http, &q->x);
	if (r == 0 && auth)
		r = http_xfer_header(q->x, "Authorization", auth);
	for (char *line = r0->headers; r == 0 && line && *line;) {
		char *nl = strchr(line, '\n'), *colon = strchr(line, ':');
		size_t n = nl ? (size_t)(nl - line) : strlen(line);
		if (colon && colon < line + n) {
			char name[128], value[1024];
			const char *v = colon + 1;
			while (*v == ' ')
				v++;
			snprintf(name, sizeof(name), "%.*s", (int)(colon - line), line);
			snprintf(value, sizeof(value), "%.*s", (int)(line + n - v), v);
			r = http_xfer_header(q->x, name, value);
		}
		line = nl ? nl + 1 : NULL;
	}
	if (r == 0 && r0->body)
		r = http_xfer_body(q->x,
		                   r0->content_type[0] ? r0->content_type : "application/json",
		                   r0->body, r0->body_len);
	if (r == 0)
		r = http_xfer_start(q->x, a->env.curl, on_done, q);
	if (auth) {
		explicit_bzero(auth, strlen(auth));
		free(auth);
	}
	return r;
}

/* An action that cannot even start: recorded at once. */
static void end_now(struct act *a, const struct store_action *row, const struct connector *c,
                    const char *state, const char *answer, const char *error, bool refused)
{
	const struct store_action_result res = { .state = state, .answer = answer, .error = error };
	finish_row(a, row, c, &res, refused, CONN_OK);
}

/* Start one due action; false when its limits say not now. */
static bool start_one(struct act *a, const struct store_action *row)
{
	const struct config_account *acc =
	        config_find_account(a->env.config(a->env.arg), row->account);
	char why[320];
	if (!acc || !acc->enabled) {
		end_now(a, row, NULL, "failed", "", "the account is not configured or not enabled",
		        false);
		return true;
	}
	const char *platform = platform_name(acc->platform);
	const struct connector *c = conn_of(a, platform);
	enum conn_action act;
	if (act_kind_parse(row->kind, &act) < 0) {
		snprintf(why, sizeof(why), "'%s' is not something a platform can be asked to do",
		         row->kind);
		end_now(a, row, c, "failed", "", why, false);
		return true;
	}
	if (!c || !c->action_request || !(c->actions & (1u << act))) {
		snprintf(why, sizeof(why), "%s does not allow %s", platform, row->kind);
		end_now(a, row, c, "not_allowed", "", why, true);
		return true;
	}
	if (!acc->token.value) {
		end_now(a, row, c, "failed", "", "the account has no token", false);
		return true;
	}
	if (count_where(a, row->account, NULL) >= a->env.per_account ||
	    count_where(a, NULL, c) >= a->env.per_platform)
		return false;
	const char *base =
	        acc->api_base_url && *acc->api_base_url ? acc->api_base_url : c->default_url;
	if (!base || !*base) {
		end_now(a, row, c, "failed", "", "no ApiBaseUrl= for a platform without one host",
		        false);
		return true;
	}
	char base_url[1024];
	snprintf(base_url, sizeof(base_url), "%s", base);
	for (size_t n = strlen(base_url); n > 0 && base_url[n - 1] == '/';)
		base_url[--n] = '\0';
	const struct conn_account ca = {
		.id = acc->id,
		.external_id = acc->external_id ? acc->external_id : "",
		.base_url = base_url,
		.now = clock_now_usec(),
	};
	struct act_req *q = calloc(1, sizeof(*q));
	if (!q) {
		log_full(LOG_ERR, row->account, row->item_id, "action %lld: out of memory",
		         (long long)row->id);
		return false;
	}
	q->a = a;
	q->conn = c;
	q->row = *row;
	int r = c->action_request(&ca, act, row->platform_id, row->item_kind,
	                          row->author_id[0] ? row->author_id : NULL, &q->req);
	if (r == -EOPNOTSUPP) {
		snprintf(why, sizeof(why), "%s does not allow %s on a %s", platform, row->kind,
		         row->item_kind);
		end_now(a, row, c, "not_allowed", "", why, true);
		req_free(q);
		return true;
	}
	if (r < 0) {
		snprintf(why, sizeof(why), "the connector cannot make the request: %s",
		         vakt_strerror(r));
		end_now(a, row, c, "failed", "", why, false);
		req_free(q);
		return true;
	}
	/* Running is committed before the request leaves: a crash while it
	 * is on the wire queues it again at the next start. */
	r = store_action_attempt(a->env.store, row->id, clock_now_usec());
	if (r) {
		if (r != -ESTALE)
			log_full(LOG_ERR, row->account, row->item_id, "action %lld: %s",
			         (long long)row->id, store_strerror(a->env.store, r));
		req_free(q);
		return true;
	}
	r = start_request(a, q, acc->token.value);
	if (r < 0) {
		snprintf(why, sizeof(why), "cannot start the request: %s", vakt_strerror(r));
		q->row.attempts++;
		retry_or_fail(a, &q->row, c, q->row.attempts, "transfer", why, 0);
		req_free(q);
		return true;
	}
	/* YouTube counts a moderation request against the project's day
	 * (50 units); vakt never holds one back for the budget: polls leave
	 * QuotaReserve= for them (fetch-internal.h). */
	if (q->req.quota_cost > 0 && acc->quota_project) {
		r = fetch_quota_charge(a->env.store, acc->quota_project, q->req.quota_cost,
		                       clock_now_usec());
		if (r)
			log_full(LOG_ERR, row->account, row->item_id,
			         "cannot count %d YouTube quota unit(s) of '%s': %s",
			         q->req.quota_cost, acc->quota_project,
			         r > 0 ? store_strerror(a->env.store, r) : vakt_strerror(r));
	}
	q->next = a->reqs;
	a->reqs = q;
	a->n_reqs++;
	log_full(LOG_DEBUG, row->account, row->item_id, "action %lld (%s): attempt %d",
	         (long long)row->id, row->kind, row->attempts + 1);
	return true;
}

static void arm_next(struct act *a)
{
	int64_t next = 0;
	if (store_actions_next_due(a->env.store, &next) != 0 || next == 0) {
		ctimer_disarm(a->timer);
		return;
	}
	int64_t now = clock_now_usec();
	/* Due already but held back by a limit: a finishing request runs
	 * again; the timer is a backstop a second on. */
	if (next <= now)
		next = now + USEC_PER_SEC;
	if (ctimer_arm_at(a->timer, next) < 0)
		log_error("cannot arm the action timer");
}

void act_run(struct act *a)
{
	if (!a || a->running)
		return;
	a->running = true;
	struct store_action *v = NULL;
	size_t n = 0;
	int r = store_actions_due(a->env.store, clock_now_usec(), DUE_BATCH, &v, &n);
	if (r)
		log_error("cannot read the due actions: %s", store_strerror(a->env.store, r));
	for (size_t i = 0; r == 0 && i < n; i++)
		if (!in_flight(a, v[i].id))
			start_one(a, &v[i]);
	free(v);
	arm_next(a);
	a->running = false;
}

static void on_timer(void *arg)
{
	act_run(arg);
}

int act_new(const struct act_env *env, struct act **ret)
{
	struct act *a = calloc(1, sizeof(*a));
	if (!a)
		return -ENOMEM;
	a->env = *env;
	if (a->env.per_account <= 0)
		a->env.per_account = 1;
	if (a->env.per_platform <= 0)
		a->env.per_platform = 4;
	if (a->env.max_attempts <= 0)
		a->env.max_attempts = 6;
	if (a->env.backoff_usec <= 0)
		a->env.backoff_usec = 30 * USEC_PER_SEC;
	if (a->env.backoff_max_usec <= 0)
		a->env.backoff_max_usec = 3600 * USEC_PER_SEC;
	if (a->env.red_after <= 0)
		a->env.red_after = 3;
	a->rnd = (unsigned)clock_now_usec() ^ 0x2545f491u;
	size_t requeued = 0;
	int r = ctimer_new(a->env.timers, on_timer, a, &a->timer);
	if (r == 0)
		r = store_actions_recover(a->env.store, clock_now_usec(), &requeued);
	if (r) {
		ctimer_free(a->timer);
		free(a);
		return r;
	}
	if (requeued)
		log_notice("%zu action(s) were on the wire when vaktd stopped; queued again",
		           requeued);
	*ret = a;
	return 0;
}

size_t act_in_flight(const struct act *a)
{
	return a ? a->n_reqs : 0;
}

void act_free(struct act *a)
{
	if (!a)
		return;
	while (a->reqs) {
		struct act_req *q = a->reqs;
		a->reqs = q->next;
		req_free(q); /* abandons the transfer; the row stays running */
	}
	ctimer_free(a->timer);
	free(a);
}
