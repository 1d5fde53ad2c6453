/* The escalation outbox over the API: list, acknowledge (by id or by a
 * signed link), on-call, route tests.  The daemon does the sending; the
 * API writes to the store and tells it through env->changed. */
#include <errno.h>
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "api/api-handlers.h"
#include "calendar/instant.h"
#include "escalate/escalate.h"
#include "util/clock.h"
#include "util/timespan.h"

static void add_time(cJSON *o, const char *key, int64_t t)
{
	char buf[40];
	if (t)
		cJSON_AddStringToObject(o, key, clock_format_utc(t, buf, sizeof(buf)));
	else
		cJSON_AddNullToObject(o, key);
}

static cJSON *escalation_json(struct store *s, const struct store_escalation *e)
{
	cJSON *o = cJSON_CreateObject();
	struct store_delivery *d = NULL;
	size_t n = 0;
	if (!o)
		return NULL;
	cJSON_AddNumberToObject(o, "id", (double)e->id);
	cJSON_AddStringToObject(o, "key", e->key);
	cJSON_AddStringToObject(o, "cause", e->cause);
	cJSON_AddStringToObject(o, "kind", e->kind);
	cJSON_AddStringToObject(o, "account", e->account);
	cJSON_AddNumberToObject(o, "item", (double)e->item_id);
	cJSON_AddNumberToObject(o, "deadline", (double)e->deadline_id);
	cJSON_AddStringToObject(o, "reason", e->reason);
	cJSON_AddNumberToObject(o, "count", e->count);
	cJSON_AddNumberToObject(o, "level", e->level);
	cJSON_AddNumberToObject(o, "round", e->round);
	add_time(o, "created_at", e->created_at);
	add_time(o, "next_at", e->next_at);
	add_time(o, "acknowledged_at", e->acknowledged_at);
	cJSON_AddStringToObject(o, "acknowledged_by", e->acknowledged_by);
	add_time(o, "cancelled_at", e->cancelled_at);
	cJSON_AddStringToObject(o, "cancelled_why", e->cancelled_why);
	cJSON *arr = cJSON_AddArrayToObject(o, "deliveries");
	if (arr && store_deliveries_of(s, e->id, &d, &n) == 0) {
		for (size_t i = 0; i < n; i++) {
			cJSON *x = cJSON_CreateObject();
			if (!x || !cJSON_AddItemToArray(arr, x)) {
				cJSON_Delete(x);
				break;
			}
			cJSON_AddNumberToObject(x, "id", (double)d[i].id);
			cJSON_AddNumberToObject(x, "level", d[i].level);
			cJSON_AddNumberToObject(x, "round", d[i].round);
			cJSON_AddStringToObject(x, "recipient", d[i].recipient);
			cJSON_AddStringToObject(x, "role", d[i].role);
			cJSON_AddStringToObject(x, "state", d[i].state);
			cJSON_AddNumberToObject(x, "attempts", d[i].attempts);
			add_time(x, "sent_at", d[i].sent_at);
			add_time(x, "next_attempt_at", d[i].next_attempt_at);
			cJSON_AddStringToObject(x, "last_error", d[i].last_error);
		}
		free(d);
	}
	return o;
}

void api_get_escalations(const struct api_env *env, const struct api_req *req,
                         struct api_response *ret)
{
	char buf[8];
	struct store_escalation *v = NULL;
	size_t n = 0;
	int pending = api_query_get(req->query, "pending", buf, sizeof(buf)) == 0 &&
	              strcmp(buf, "0") != 0;
	int r = store_escalations_list(env->store, pending, 500, &v, &n);
	int64_t given_up = 0;
	if (r == 0)
		r = store_deliveries_given_up(env->store, &given_up);
	if (r) {
		free(v);
		api_fail(ret, 500, "store", "cannot read escalations: %s",
		         store_strerror(env->store, r));
		return;
	}
	cJSON *o = cJSON_CreateObject(), *arr = cJSON_AddArrayToObject(o, "escalations");
	for (size_t i = 0; arr && i < n; i++)
		cJSON_AddItemToArray(arr, escalation_json(env->store, &v[i]));
	/* The health flag: deliveries that never reached anyone. */
	cJSON_AddNumberToObject(o, "given_up", (double)given_up);
	free(v);
	ret->status = 200;
	ret->body = o;
}

static void ack(const struct api_env *env, int64_t id, const char *by, const char *actor,
                struct api_response *ret)
{
	int r = escalate_ack(env->store, id, by, actor, clock_now_usec());
	if (r == -ENOENT) {
		api_fail(ret, 404, "not_found", "no escalation %" PRId64, id);
		return;
	}
	if (r == -EALREADY) {
		api_fail(ret, 409, "already",
		         "escalation %" PRId64 " is already acknowledged or "
		         "cancelled",
		         id);
		return;
	}
	if (r) {
		api_fail(ret, 500, "store", "cannot acknowledge: %s",
		         store_strerror(env->store, r));
		return;
	}
	if (env->changed)
		env->changed(env->changed_arg, NULL);
	struct store_escalation e;
	ret->status = 200;
	ret->body = store_escalation_get(env->store, id, &e) == 0 ? escalation_json(env->store, &e)
	                                                          : cJSON_CreateObject();
}

void api_post_escalation_ack(const struct api_env *env, const struct api_req *req,
                             struct api_response *ret)
{
	char actor[96];
	int64_t id;
	if (api_parse_id(req->param, &id) < 0) {
		api_fail(ret, 400, "bad_id", "escalation ids are positive integers");
		return;
	}
	api_actor(req, actor, sizeof(actor));
	/* Who acknowledged: the name given, as a claim beside the caller the
	 * kernel named, which the audit entry records. */
	ack(env, id, req->claim ? req->claim : actor, actor, ret);
}

/* GET shows what a link would acknowledge (link scanners fetch links);
 * POST acknowledges, as the recipient the link was sent to. */
void api_ack_link(const struct api_env *env, const struct api_req *req, struct api_response *ret)
{
	int64_t id, delivery;
	struct store_delivery d;
	const struct secret *key = &env->config->esc.ack_key;
	int r = key->value
	                ? escalate_token_verify(key, req->param, clock_now_usec(), &id, &delivery)
	                : -EBADMSG;
	if (r == -ETIME) {
		api_fail(ret, 410, "expired", "this acknowledgement link has expired");
		return;
	}
	if (r == 0)
		r = store_delivery_get(env->store, delivery, &d);
	if (r || d.escalation_id != id) {
		api_fail(ret, 403, "bad_link", "this acknowledgement link is not valid");
		return;
	}
	if (strcmp(req->method, "GET") == 0) {
		struct store_escalation e;
		ret->status = 200;
		ret->body = store_escalation_get(env->store, id, &e) == 0
		                    ? escalation_json(env->store, &e)
		                    : cJSON_CreateObject();
		return;
	}
	char actor[300];
	snprintf(actor, sizeof(actor), "link:%s", d.recipient);
	ack(env, id, d.recipient, actor, ret);
}

void api_get_oncall(const struct api_env *env, const struct api_req *req, struct api_response *ret)
{
	(void)req;
	char who[256];
	const char *source = NULL;
	int64_t now = clock_now_usec();
	int r = escalate_oncall_at(env->config, env->store, now, who, sizeof(who), &source);
	cJSON *o = cJSON_CreateObject();
	if (r == 0) {
		cJSON_AddStringToObject(o, "oncall", who);
		cJSON_AddStringToObject(o, "source", source);
	} else {
		cJSON_AddNullToObject(o, "oncall");
		cJSON_AddStringToObject(o, "source",
		                        env->config->esc.fallback.text ? "fallback" : "none");
		if (env->config->esc.fallback.text)
			cJSON_AddStringToObject(o, "fallback", env->config->esc.fallback.text);
	}
	add_time(o, "at", now);
	ret->status = 200;
	ret->body = o;
}

/* A recipient vakt can deliver to now: a@b.se with [Email] configured, a
 * defined webhook:NAME or contact:NAME (escalate_recipient_check). */
static bool recipient_ok(const struct config *cfg, const char *s)
{
	return strlen(s) <= 250 && escalate_recipient_check(cfg, s) == 0;
}

/* {"recipient":"a@b.se","duration":"12h"} from now, or "from"/"until". */
void api_post_oncall(const struct api_env *env, const struct api_req *req, struct api_response *ret)
{
	cJSON *in = req->body ? cJSON_ParseWithLength(req->body, req->body_len) : NULL;
	const cJSON *rc = cJSON_GetObjectItemCaseSensitive(in, "recipient");
	const cJSON *du = cJSON_GetObjectItemCaseSensitive(in, "duration");
	const cJSON *fr = cJSON_GetObjectItemCaseSensitive(in, "from");
	const cJSON *un = cJSON_GetObjectItemCaseSensitive(in, "until");
	int64_t now = clock_now_usec(), from = now, until = 0, span = 12 * 3600 * USEC_PER_SEC;
	char actor[96];
	const struct cal *cal = config_find_calendar(env->config, "default");

	if (!cJSON_IsString(rc) || !recipient_ok(env->config, rc->valuestring)) {
		api_fail(ret, 400, "bad_recipient",
		         "recipient must be name@example.se (with [Email] configured), or a "
		         "configured webhook:NAME or contact:NAME");
	} else if (du && (!cJSON_IsString(du) || timespan_parse(du->valuestring, &span) < 0 ||
	                  span <= 0 || span > 31 * 86400 * USEC_PER_SEC)) {
		api_fail(ret, 400, "bad_duration",
		         "duration must be a time span up to 31d, e.g. 12h");
	} else if (fr &&
	           (!cJSON_IsString(fr) || cal_parse_instant(cal, fr->valuestring, &from) < 0)) {
		api_fail(ret, 400, "bad_instant",
		         "from must be a local time such as 2026-12-24T16:00");
	} else if (un && (!cJSON_IsString(un) ||
	                  cal_parse_instant(cal, un->valuestring, &until) < 0 || until <= from)) {
		api_fail(ret, 400, "bad_instant", "until must be a local time after from");
	} else {
		if (!until)
			until = from + span;
		int r = store_oncall_override_add(env->store, rc->valuestring, from, until,
		                                  api_actor(req, actor, sizeof(actor)), now);
		if (r)
			api_fail(ret, 500, "store", "cannot record: %s",
			         store_strerror(env->store, r));
		else {
			cJSON *o = cJSON_CreateObject();
			cJSON_AddStringToObject(o, "oncall", rc->valuestring);
			add_time(o, "from", from);
			add_time(o, "until", until);
			ret->status = 200;
			ret->body = o;
		}
	}
	cJSON_Delete(in);
}

void api_post_account_test_route(const struct api_env *env, const struct api_req *req,
                                 struct api_response *ret)
{
	const struct config_account *a = config_find_account(env->config, req->param);
	int64_t id;
	if (!a) {
		api_fail(ret, 404, "not_found", "no account '%s'", req->param);
		return;
	}
	int r = escalate_test(env->store, a->id, clock_now_usec(), &id);
	if (r) {
		api_fail(ret, r == -EEXIST ? 409 : 500, "store", "cannot record the test: %s",
		         store_strerror(env->store, r));
		return;
	}
	if (env->changed)
		env->changed(env->changed_arg, a->id);
	struct store_escalation e;
	ret->status = 202;
	ret->body = store_escalation_get(env->store, id, &e) == 0 ? escalation_json(env->store, &e)
	                                                          : cJSON_CreateObject();
}
