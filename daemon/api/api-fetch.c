/* POST /v1/poll, POST /v1/accounts/{id}/poll, GET /v1/polls/{id},
 * GET /v1/items: polling now and what fetching stored.
 *
 * The API never calls a connector: a poll request goes to the daemon
 * (api_env.poll), which starts the polls and answers at once with their
 * ids; the caller asks GET /v1/polls/{id} until each has ended, so the
 * daemon's loop never waits for a platform. */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "api/api-handlers.h"
#include "store/fetch-store.h"
#include "store/quota.h"
#include "util/clock.h"

#define POLL_STARTED_MAX 4096
#define ITEMS_LIMIT_DEFAULT 100
#define ITEMS_LIMIT_MAX 1000
#define POLL_ITEMS_MAX 200

/* Why a poll did not start because the account is stopped: the fetch
 * driver's own reason (the platform said stop, or YouTube's quota budget
 * with until when), when the daemon can say (true). */
static bool stopped_why(const struct api_env *env, const char *account, char *buf, size_t len)
{
	const char *why = env->stopped_why ? env->stopped_why(env->stopped_why_arg, account) : "";
	if (!why || !*why)
		return false;
	if (strncmp(why, STORE_QUOTA_DEFERRED, strlen(STORE_QUOTA_DEFERRED)) == 0)
		snprintf(buf, len, "stopped: %s", why); /* vakt's own plan: no reload helps */
	else
		snprintf(buf, len,
		         "the platform said stop (%s); reload the configuration to try again", why);
	return true;
}

static const char *start_error(int e)
{
	switch (e) {
	case 0:
		return NULL;
	case -EBUSY:
		return "a poll of this account is running";
	case -EOPNOTSUPP:
		return "no connector for this platform in this build";
	case -ECANCELED:
		return "the platform said stop; reload the configuration to try again";
	case -ENOENT:
		return "the account is disabled";
	case -EDESTADDRREQ:
		return "the account has no ApiBaseUrl= (its platform has no one host)";
	case -ENOKEY:
		return "the account has no token (TokenFile= or TokenCredential=)";
	case -ESHUTDOWN:
		return "vaktd is stopping";
	default:
		return "the poll could not start";
	}
}

static void post_poll(const struct api_env *env, const struct api_req *req,
                      struct api_response *ret, const char *account)
{
	char actor[128];
	size_t n = 0;
	if (!env->poll) {
		api_fail(ret, 503, "unavailable", "polling is not available here");
		return;
	}
	struct api_poll_started *v = calloc(POLL_STARTED_MAX, sizeof(*v));
	if (!v) {
		api_fail(ret, 500, "internal", "out of memory");
		return;
	}
	if (account && !config_find_account(env->config, account)) {
		api_fail(ret, 404, "not_found", "no account '%s'", account);
		free(v);
		return;
	}
	int r = env->poll(env->poll_arg, account, api_actor(req, actor, sizeof(actor)), v,
	                  POLL_STARTED_MAX, &n);
	if (r == -ENOENT) {
		api_fail(ret, 404, "not_found", "no account '%s'", account ? account : "");
	} else if (r == -ESHUTDOWN) {
		api_fail(ret, 503, "stopping", "vaktd is stopping");
	} else if (r) {
		api_fail(ret, 500, "internal", "cannot start the polls");
	} else {
		cJSON *o = cJSON_CreateObject();
		cJSON *arr = cJSON_AddArrayToObject(o, "polls");
		for (size_t i = 0; arr && i < n; i++) {
			cJSON *j = cJSON_CreateObject();
			cJSON_AddStringToObject(j, "account", v[i].account);
			if (v[i].poll_id)
				cJSON_AddNumberToObject(j, "poll", (double)v[i].poll_id);
			else
				cJSON_AddNullToObject(j, "poll");
			char why[320];
			if (v[i].error == -ECANCELED &&
			    stopped_why(env, v[i].account, why, sizeof(why)))
				cJSON_AddStringToObject(j, "error", why);
			else if (v[i].error)
				cJSON_AddStringToObject(j, "error", start_error(v[i].error));
			else
				cJSON_AddNullToObject(j, "error");
			cJSON_AddItemToArray(arr, j);
		}
		ret->status = 202;
		ret->body = o;
	}
	free(v);
}

void api_post_poll(const struct api_env *env, const struct api_req *req, struct api_response *ret)
{
	post_poll(env, req, ret, NULL);
}

void api_post_account_poll(const struct api_env *env, const struct api_req *req,
                           struct api_response *ret)
{
	post_poll(env, req, ret, req->param);
}

static void add_time(cJSON *o, const char *key, int64_t t)
{
	char buf[40];
	if (t)
		cJSON_AddStringToObject(o, key, clock_format_utc(t, buf, sizeof(buf)));
	else
		cJSON_AddNullToObject(o, key);
}

static cJSON *item_json(const struct store_item_row *it)
{
	cJSON *j = cJSON_CreateObject();
	cJSON_AddNumberToObject(j, "id", (double)it->id);
	cJSON_AddStringToObject(j, "account", it->account);
	cJSON_AddStringToObject(j, "platform_id", it->platform_id);
	cJSON_AddStringToObject(j, "kind", it->kind);
	if (it->parent_id)
		cJSON_AddNumberToObject(j, "parent", (double)it->parent_id);
	else
		cJSON_AddNullToObject(j, "parent");
	if (it->parent_platform_id[0])
		cJSON_AddStringToObject(j, "parent_platform_id", it->parent_platform_id);
	else
		cJSON_AddNullToObject(j, "parent_platform_id");
	cJSON_AddBoolToObject(j, "own", it->own);
	add_time(j, "published_at", it->published_at);
	cJSON_AddStringToObject(j, "state", it->state);
	cJSON_AddStringToObject(j, "platform_state", it->platform_state);
	if (it->evaluated)
		cJSON_AddStringToObject(j, "categories", it->categories);
	else
		cJSON_AddNullToObject(j, "categories");
	return j;
}

void api_get_poll(const struct api_env *env, const struct api_req *req, struct api_response *ret)
{
	int64_t id;
	struct store_poll_row p;
	struct store_item_row *items = NULL;
	size_t n = 0;
	if (api_parse_id(req->param, &id) < 0) {
		api_fail(ret, 400, "bad_id", "a poll id is a positive number");
		return;
	}
	int r = store_poll_get(env->store, id, &p);
	if (r == 0)
		r = store_poll_items(env->store, id, POLL_ITEMS_MAX, &items, &n);
	if (r == -ENOENT) {
		api_fail(ret, 404, "not_found", "no poll %lld", (long long)id);
		return;
	}
	if (r) {
		api_fail(ret, 500, "store", "cannot read the poll: %s",
		         store_strerror(env->store, r));
		return;
	}
	cJSON *o = cJSON_CreateObject();
	cJSON_AddNumberToObject(o, "id", (double)p.id);
	cJSON_AddStringToObject(o, "account", p.account);
	add_time(o, "planned_at", p.planned_at);
	add_time(o, "started_at", p.started_at);
	add_time(o, "finished_at", p.finished_at);
	cJSON_AddBoolToObject(o, "running", p.finished_at == 0);
	if (p.result[0])
		cJSON_AddStringToObject(o, "result", p.result);
	else
		cJSON_AddNullToObject(o, "result");
	cJSON_AddNumberToObject(o, "items_new", p.items_new);
	cJSON_AddNumberToObject(o, "items_updated", p.items_updated);
	if (p.error[0])
		cJSON_AddStringToObject(o, "error", p.error);
	else
		cJSON_AddNullToObject(o, "error");
	cJSON *arr = cJSON_AddArrayToObject(o, "items");
	for (size_t i = 0; arr && i < n; i++)
		cJSON_AddItemToArray(arr, item_json(&items[i]));
	free(items);
	ret->status = 200;
	ret->body = o;
}

/* ?account=A&since=ISO8601&limit=N&after=PUBLISHED_USEC.ID */
void api_get_items(const struct api_env *env, const struct api_req *req, struct api_response *ret)
{
	char account[128], since[64], limit[16], after[48];
	int64_t since_usec = 0, before_pub = 0, before_id = 0;
	size_t want = ITEMS_LIMIT_DEFAULT, n = 0;
	struct store_item_row *v = NULL;

	int qa = api_query_get(req->query, "account", account, sizeof(account));
	if (qa < 0 && qa != -ENOENT) {
		api_fail(ret, 400, "bad_query", "account is an id of at most 127 bytes");
		return;
	}
	int qs = api_query_get(req->query, "since", since, sizeof(since));
	if (qs == 0) {
		/* '+' arrives as "%2B" or as a space from a form encoder. */
		char dec[64];
		size_t k = 0;
		for (const char *c = since; *c && k + 1 < sizeof(dec); c++) {
			if (c[0] == '%' && c[1] == '2' && (c[2] == 'B' || c[2] == 'b')) {
				dec[k++] = '+';
				c += 2;
			} else if (c[0] == '%' && c[1] == '3' && (c[2] == 'A' || c[2] == 'a')) {
				dec[k++] = ':';
				c += 2;
			} else {
				dec[k++] = *c == ' ' ? '+' : *c;
			}
		}
		dec[k] = '\0';
		if (clock_parse_iso8601(dec, &since_usec) < 0)
			qs = -EINVAL;
	}
	if (qs < 0 && qs != -ENOENT) {
		api_fail(ret, 400, "bad_since",
		         "since must be an ISO 8601 instant, e.g. 2026-06-18T08:00:00+02:00");
		return;
	}
	int ql = api_query_get(req->query, "limit", limit, sizeof(limit));
	if (ql == 0) {
		char *end;
		long l = strtol(limit, &end, 10);
		if (end == limit || *end || l < 1 || l > ITEMS_LIMIT_MAX)
			ql = -EINVAL;
		else
			want = (size_t)l;
	}
	if (ql < 0 && ql != -ENOENT) {
		api_fail(ret, 400, "bad_limit", "limit must be 1..%d", ITEMS_LIMIT_MAX);
		return;
	}
	int qc = api_query_get(req->query, "after", after, sizeof(after));
	if (qc == 0) {
		long long pub, id;
		char extra;
		if (sscanf(after, "%lld.%lld%c", &pub, &id, &extra) != 2 || pub <= 0 || id <= 0)
			qc = -EINVAL;
		before_pub = pub;
		before_id = id;
	}
	if (qc < 0 && qc != -ENOENT) {
		api_fail(ret, 400, "bad_cursor", "after must be a \"next\" cursor from /v1/items");
		return;
	}
	int r = store_items_list(env->store, qa == 0 ? account : NULL, since_usec, before_pub,
	                         before_id, want + 1, &v, &n);
	if (r) {
		api_fail(ret, 500, "store", "cannot read the items: %s",
		         store_strerror(env->store, r));
		return;
	}
	cJSON *o = cJSON_CreateObject();
	cJSON *arr = cJSON_AddArrayToObject(o, "items");
	for (size_t i = 0; arr && i < n && i < want; i++)
		cJSON_AddItemToArray(arr, item_json(&v[i]));
	if (n > want) {
		char next[48];
		snprintf(next, sizeof(next), "%lld.%lld", (long long)v[want - 1].published_at,
		         (long long)v[want - 1].id);
		cJSON_AddStringToObject(o, "next", next);
	} else {
		cJSON_AddNullToObject(o, "next");
	}
	free(v);
	ret->status = 200;
	ret->body = o;
}
