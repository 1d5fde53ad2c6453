/* Moderation actions over the API: a moderator's decision on an item
 * (POST /v1/items/{id}/actions) and the list (GET /v1/actions).  The API
 * only queues; the daemon's action driver (vaktd/act.c) carries out, told
 * through env->changed. */
#include <errno.h>
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "api/api-handlers.h"
#include "store/actions.h"
#include "util/clock.h"

#define ACTIONS_LIST_MAX 500
#define REASON_MAX 200

static void add_time(cJSON *o, const char *key, int64_t t)
{
	char buf[40];
	if (t)
		cJSON_AddStringToObject(o, key, clock_format_utc(t, buf, sizeof(buf)));
	else
		cJSON_AddNullToObject(o, key);
}

static cJSON *action_json(const struct store_action *a)
{
	cJSON *o = cJSON_CreateObject();
	if (!o)
		return NULL;
	cJSON_AddNumberToObject(o, "id", (double)a->id);
	cJSON_AddNumberToObject(o, "item", (double)a->item_id);
	cJSON_AddStringToObject(o, "account", a->account);
	cJSON_AddStringToObject(o, "platform_id", a->platform_id);
	cJSON_AddStringToObject(o, "item_kind", a->item_kind);
	cJSON_AddStringToObject(o, "platform_state", a->platform_state);
	cJSON_AddStringToObject(o, "kind", a->kind);
	cJSON_AddStringToObject(o, "state", a->state);
	cJSON_AddStringToObject(o, "requested_by", a->requested_by);
	cJSON_AddStringToObject(o, "reason", a->reason);
	if (a->verdict_id)
		cJSON_AddNumberToObject(o, "verdict", (double)a->verdict_id);
	else
		cJSON_AddNullToObject(o, "verdict");
	add_time(o, "requested_at", a->requested_at);
	cJSON_AddNumberToObject(o, "attempts", a->attempts);
	add_time(o, "next_attempt_at", a->next_attempt_at);
	add_time(o, "done_at", a->done_at);
	cJSON_AddStringToObject(o, "answer", a->answer);
	cJSON_AddStringToObject(o, "error", a->error);
	return o;
}

void api_get_actions(const struct api_env *env, const struct api_req *req, struct api_response *ret)
{
	char buf[24];
	int64_t item = 0;
	int pending = api_query_get(req->query, "pending", buf, sizeof(buf)) == 0 &&
	              strcmp(buf, "0") != 0;
	int q = api_query_get(req->query, "item", buf, sizeof(buf));
	if (q == -ENOBUFS || (q == 0 && api_parse_id(buf, &item) < 0)) {
		api_fail(ret, 400, "bad_item", "item must be a positive integer");
		return;
	}
	struct store_action *v = NULL;
	size_t n = 0;
	int r = store_actions_list(env->store, pending, item, ACTIONS_LIST_MAX, &v, &n);
	if (r) {
		api_fail(ret, 500, "store", "cannot read the actions: %s",
		         store_strerror(env->store, r));
		return;
	}
	cJSON *o = cJSON_CreateObject(), *arr = cJSON_AddArrayToObject(o, "actions");
	for (size_t i = 0; arr && i < n; i++)
		cJSON_AddItemToArray(arr, action_json(&v[i]));
	free(v);
	ret->status = 200;
	ret->body = o;
}

static bool reason_ok(const char *s)
{
	size_t n = strlen(s);
	if (n > REASON_MAX)
		return false;
	for (const unsigned char *p = (const unsigned char *)s; *p; p++)
		if (*p < 0x20 || *p == 0x7f)
			return false;
	return true;
}

void api_post_item_action(const struct api_env *env, const struct api_req *req,
                          struct api_response *ret)
{
	static const char *const kinds[] = { "hide", "unhide", "delete", "report", "block" };
	int64_t item, id = 0;
	char actor[96];
	if (api_parse_id(req->param, &item) < 0) {
		api_fail(ret, 400, "bad_id", "item ids are positive integers");
		return;
	}
	cJSON *in =
	        req->body && req->body_len ? cJSON_ParseWithLength(req->body, req->body_len) : NULL;
	if (!cJSON_IsObject(in)) {
		cJSON_Delete(in);
		api_fail(ret, 400, "bad_json", "the body must be a JSON object with \"action\"");
		return;
	}
	const cJSON *k = cJSON_GetObjectItemCaseSensitive(in, "action");
	const cJSON *why = cJSON_GetObjectItemCaseSensitive(in, "reason");
	const char *kind = NULL;
	for (size_t i = 0; cJSON_IsString(k) && i < sizeof(kinds) / sizeof(*kinds); i++)
		if (strcmp(k->valuestring, kinds[i]) == 0)
			kind = kinds[i];
	if (!kind) {
		cJSON_Delete(in);
		api_fail(ret, 400, "bad_action",
		         "action must be hide, unhide, delete, report or block");
		return;
	}
	if (why && (!cJSON_IsString(why) || !reason_ok(why->valuestring))) {
		cJSON_Delete(in);
		api_fail(ret, 400, "bad_reason",
		         "reason must be text of at most %d bytes without control characters",
		         REASON_MAX);
		return;
	}
	char reason[REASON_MAX + 1];
	snprintf(reason, sizeof(reason), "%s", why ? why->valuestring : "");
	cJSON_Delete(in);
	api_actor(req, actor, sizeof(actor));
	int r = store_action_decide(env->store, item, kind, actor, reason, clock_now_usec(), &id);
	if (r == -ENOENT) {
		api_fail(ret, 404, "not_found", "no item %" PRId64, item);
		return;
	}
	if (r == -EALREADY) {
		api_fail(ret, 409, "already", "a %s of item %" PRId64 " is already queued", kind,
		         item);
		return;
	}
	if (r) {
		api_fail(ret, 500, "store", "cannot queue the action: %s",
		         store_strerror(env->store, r));
		return;
	}
	struct store_action a;
	if (store_action_get(env->store, id, &a) != 0) {
		api_fail(ret, 500, "store", "cannot read action %" PRId64 " back", id);
		return;
	}
	if (env->changed)
		env->changed(env->changed_arg, a.account);
	ret->status = 201;
	ret->body = action_json(&a);
}
