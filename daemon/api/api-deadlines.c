/* The deadline clocks through the API: the pending queue, and the
 * decisions people take on clocks (start one on an item, pause, resume,
 * answered, cancel; the formal case of förvaltningslagen 11 and 12 §). */
#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "api/api-handlers.h"
#include "calendar/bizmath.h"
#include "calendar/instant.h"
#include "deadline/deadline.h"
#include "util/clock.h"

static const struct cal *cal_for(void *userdata, const char *account_id, const char *unit)
{
	const struct api_env *env = userdata;
	const struct config_account *a = config_find_account(env->config, account_id);
	return a ? a->cal : NULL;
}

static const struct cal *default_cal(const struct api_env *env)
{
	return config_find_calendar(env->config, "default");
}

/* A page of the queue: ?limit= clocks (default and maximum below), and
 * ?after= the "next" cursor of the previous page. */
#define QUEUE_LIMIT_DEFAULT 100
#define QUEUE_LIMIT_MAX 1000

void api_get_queue(const struct api_env *env, const struct api_req *req, struct api_response *ret)
{
	char account[128], unit[128], limit[16], after[DEADLINE_CURSOR_MAX];
	struct store_queue_key key;
	struct deadline_filter f = { 0 };
	struct deadline_pending *v = NULL;
	size_t n = 0, want = QUEUE_LIMIT_DEFAULT;

	int qa = api_query_get(req->query, "account", account, sizeof(account));
	int qu = api_query_get(req->query, "unit", unit, sizeof(unit));
	if ((qa < 0 && qa != -ENOENT) || (qu < 0 && qu != -ENOENT)) {
		/* Never widen a filter that could not be applied. */
		api_fail(ret, 400, "bad_query", "account and unit are ids of at most 127 bytes");
		return;
	}
	int ql = api_query_get(req->query, "limit", limit, sizeof(limit));
	if (ql == 0) {
		char *end;
		long l = strtol(limit, &end, 10);
		if (end == limit || *end || l < 1 || l > QUEUE_LIMIT_MAX)
			ql = -EINVAL;
		else
			want = (size_t)l;
	}
	if (ql < 0 && ql != -ENOENT) {
		api_fail(ret, 400, "bad_limit", "limit must be 1..%d", QUEUE_LIMIT_MAX);
		return;
	}
	int qc = api_query_get(req->query, "after", after, sizeof(after));
	if (qc == 0 && deadline_cursor_parse(after, &key) < 0)
		qc = -EINVAL;
	if (qc < 0 && qc != -ENOENT) {
		api_fail(ret, 400, "bad_cursor", "after must be a \"next\" cursor from /v1/queue");
		return;
	}
	if (qa == 0)
		f.account_id = account;
	if (qu == 0)
		f.unit = unit;
	if (qc == 0)
		f.after = &key;
	f.limit = want + 1; /* one more says whether a next page exists */
	int64_t now = clock_now_usec();
	int r = deadline_list_pending(env->store, &f, default_cal(env), cal_for, (void *)env, now,
	                              &v, &n);
	if (r) {
		api_fail(ret, 500, "store", "cannot read the queue: %s", deadline_strerror(r));
		return;
	}
	cJSON *o = cJSON_CreateObject();
	cJSON *arr = cJSON_AddArrayToObject(o, "pending");
	for (size_t i = 0; arr && i < n && i < want; i++) {
		const struct deadline_pending *p = &v[i];
		const struct cal *c = cal_for((void *)env, p->account_id, p->unit);
		if (!c)
			c = default_cal(env);
		cJSON *j = cJSON_CreateObject();
		cJSON_AddNumberToObject(j, "deadline", (double)p->d.id);
		cJSON_AddNumberToObject(j, "item", (double)p->d.item_id);
		cJSON_AddStringToObject(j, "account", p->account_id ? p->account_id : "");
		cJSON_AddStringToObject(j, "unit", p->unit ? p->unit : "");
		cJSON_AddStringToObject(j, "kind", deadline_kind_name(p->d.kind));
		cJSON_AddStringToObject(j, "state", deadline_state_name(p->d.state));
		cJSON_AddStringToObject(j, "duration", p->d.duration);
		api_add_instant(j, "started_at", c, p->d.started_at);
		api_add_instant(j, "due_at", c, p->d.due_at);
		api_add_instant(j, "warn_at", c, p->d.warn_at);
		cJSON_AddNumberToObject(j, "time_left_seconds",
		                        (double)(p->time_left_usec / USEC_PER_SEC));
		cJSON_AddBoolToObject(j, "business_time", p->business);
		cJSON_AddBoolToObject(j, "warned", p->d.warned_at != 0);
		cJSON_AddItemToArray(arr, j);
	}
	if (n > want) {
		char next[DEADLINE_CURSOR_MAX];
		deadline_cursor_format(&v[want - 1].d, next);
		cJSON_AddStringToObject(o, "next", next);
	} else {
		cJSON_AddNullToObject(o, "next");
	}
	deadline_pending_free(v, n);
	ret->status = 200;
	ret->body = o;
}

/* The audit log names the caller (api_actor); the body's "by" is a claim
 * api_route has already checked and recorded beside it. */
static cJSON *parse_body(const struct api_req *req, struct api_response *ret, char *actor,
                         size_t len)
{
	cJSON *in = req->body && req->body_len ? cJSON_ParseWithLength(req->body, req->body_len)
	                                       : cJSON_CreateObject();
	if (!cJSON_IsObject(in)) {
		cJSON_Delete(in);
		api_fail(ret, 400, "bad_json", "the body must be a JSON object");
		return NULL;
	}
	api_actor(req, actor, len);
	return in;
}

static int fail_deadline(struct api_response *ret, int r)
{
	int status =
	        r == -ENOENT ? 404
	        : (r == DEADLINE_E_EXISTS || r == DEADLINE_E_STATE || r == DEADLINE_E_PASSED ||
	           r == DEADLINE_E_TOO_EARLY || r == -EOPNOTSUPP || r == -EINVAL || r == -ERANGE)
	                ? 409
	                : 500;
	api_fail(ret, status,
	         status == 404   ? "not_found"
	         : status == 409 ? "conflict"
	                         : "store",
	         "%s", deadline_strerror(r));
	return r;
}

static void reply_deadline(const struct api_env *env, struct api_response *ret, int64_t id)
{
	struct deadline d;
	if (deadline_get(env->store, id, &d) != 0) {
		api_fail(ret, 500, "store", "cannot read deadline %lld", (long long)id);
		return;
	}
	const struct cal *c = default_cal(env);
	cJSON *o = cJSON_CreateObject();
	cJSON_AddNumberToObject(o, "deadline", (double)d.id);
	cJSON_AddNumberToObject(o, "item", (double)d.item_id);
	cJSON_AddStringToObject(o, "kind", deadline_kind_name(d.kind));
	cJSON_AddStringToObject(o, "state", deadline_state_name(d.state));
	cJSON_AddStringToObject(o, "duration", d.duration);
	api_add_instant(o, "started_at", c, d.started_at);
	api_add_instant(o, "due_at", c, d.due_at);
	api_add_instant(o, "warn_at", c, d.warn_at);
	ret->status = 200;
	ret->body = o;
}

/* The item, its account's calendar and policy. */
static int item_context(const struct api_env *env, const struct api_req *req,
                        struct api_response *ret, int64_t *ret_item, int64_t *ret_published,
                        const struct config_account **ret_acc)
{
	char account[128];
	if (api_parse_id(req->param, ret_item) < 0) {
		api_fail(ret, 400, "bad_id", "item ids are positive integers");
		return -EINVAL;
	}
	int r = store_item_origin(env->store, *ret_item, account, sizeof(account), ret_published);
	if (r) {
		api_fail(ret, r == -ENOENT ? 404 : 500, r == -ENOENT ? "not_found" : "store",
		         "no item %s", req->param);
		return r;
	}
	*ret_acc = config_find_account(env->config, account);
	if (!*ret_acc || !(*ret_acc)->cal) {
		api_fail(ret, 409, "conflict",
		         "item %s belongs to account '%s', which is not configured", req->param,
		         account);
		return -ENOENT;
	}
	return 0;
}

void api_post_item_deadline(const struct api_env *env, const struct api_req *req,
                            struct api_response *ret)
{
	const struct config_account *a;
	int64_t item, published, id = 0;
	enum deadline_kind kind;
	char actor[80];

	if (item_context(env, req, ret, &item, &published, &a))
		return;
	cJSON *in = parse_body(req, ret, actor, sizeof(actor));
	if (!in)
		return;
	const cJSON *k = cJSON_GetObjectItemCaseSensitive(in, "kind");
	if (!cJSON_IsString(k) || deadline_kind_from_name(k->valuestring, &kind) < 0 ||
	    (kind != DEADLINE_RESPOND && kind != DEADLINE_REVIEW_OBVIOUS &&
	     kind != DEADLINE_REVIEW_POSSIBLE)) {
		cJSON_Delete(in);
		api_fail(ret, 400, "bad_kind",
		         "kind must be respond, review_obvious or review_possible");
		return;
	}
	cJSON_Delete(in);
	int r = deadline_start(env->store, a->cal, &a->deadlines, item, kind, published,
	                       clock_now_usec(), actor, &id);
	if (r) {
		fail_deadline(ret, r);
		return;
	}
	if (env->changed)
		env->changed(env->changed_arg, a->id);
	reply_deadline(env, ret, id);
}

void api_post_deadline_action(const struct api_env *env, const struct api_req *req,
                              struct api_response *ret)
{
	const char *action = req->arg;
	int64_t id;
	char actor[80];
	struct deadline d;
	if (api_parse_id(req->param, &id) < 0) {
		api_fail(ret, 400, "bad_id", "deadline ids are positive integers");
		return;
	}
	cJSON *in = parse_body(req, ret, actor, sizeof(actor));
	if (!in)
		return;
	cJSON_Delete(in);
	int r = deadline_get(env->store, id, &d);
	if (r) {
		fail_deadline(ret, r);
		return;
	}
	/* Pause and resume count in the account's calendar. */
	char account[128] = "";
	int64_t published;
	const struct cal *c = default_cal(env);
	if (store_item_origin(env->store, d.item_id, account, sizeof(account), &published) == 0) {
		const struct config_account *a = config_find_account(env->config, account);
		if (a && a->cal)
			c = a->cal;
	}
	int64_t now = clock_now_usec();
	if (strcmp(action, "pause") == 0)
		r = deadline_pause(env->store, c, id, now, actor);
	else if (strcmp(action, "resume") == 0)
		r = deadline_resume(env->store, c, id, now, actor);
	else if (strcmp(action, "met") == 0)
		r = deadline_stop(env->store, id, DEADLINE_STOP_MET, now, actor);
	else if (strcmp(action, "cancel") == 0)
		r = deadline_stop(env->store, id, DEADLINE_STOP_CANCELLED, now, actor);
	else
		r = -EINVAL; /* a route table mistake, not the client's */
	if (r) {
		fail_deadline(ret, r);
		return;
	}
	if (env->changed)
		env->changed(env->changed_arg, *account ? account : NULL);
	reply_deadline(env, ret, id);
}

void api_post_item_case(const struct api_env *env, const struct api_req *req,
                        struct api_response *ret)
{
	const struct config_account *a;
	int64_t item, published, notice = 0, milestone = 0;
	char actor[80];
	if (item_context(env, req, ret, &item, &published, &a))
		return;
	cJSON *in = parse_body(req, ret, actor, sizeof(actor));
	if (!in)
		return;
	cJSON_Delete(in);
	int r = deadline_case_open(env->store, a->cal, &a->deadlines, item, published,
	                           clock_now_usec(), actor, &notice, &milestone);
	if (r) {
		fail_deadline(ret, r);
		return;
	}
	if (env->changed)
		env->changed(env->changed_arg, a->id);
	reply_deadline(env, ret, notice);
	if (ret->body)
		cJSON_AddNumberToObject(ret->body, "demand_possible_deadline", (double)milestone);
}

void api_post_item_case_demand(const struct api_env *env, const struct api_req *req,
                               struct api_response *ret)
{
	const struct config_account *a;
	int64_t item, published, id = 0, at;
	char actor[80];
	if (item_context(env, req, ret, &item, &published, &a))
		return;
	cJSON *in = parse_body(req, ret, actor, sizeof(actor));
	if (!in)
		return;
	at = clock_now_usec();
	const cJSON *when = cJSON_GetObjectItemCaseSensitive(in, "at");
	if (when &&
	    (!cJSON_IsString(when) || cal_parse_instant(a->cal, when->valuestring, &at) < 0)) {
		cJSON_Delete(in);
		api_fail(ret, 400, "bad_instant", "\"at\" must be an ISO 8601 time");
		return;
	}
	cJSON_Delete(in);
	int r = deadline_case_demand(env->store, a->cal, &a->deadlines, item, at, clock_now_usec(),
	                             actor, &id);
	if (r) {
		fail_deadline(ret, r);
		return;
	}
	if (env->changed)
		env->changed(env->changed_arg, a->id);
	reply_deadline(env, ret, id);
}

void api_delete_item_case(const struct api_env *env, const struct api_req *req,
                          struct api_response *ret)
{
	const struct config_account *a;
	int64_t item, published;
	char actor[80];
	if (item_context(env, req, ret, &item, &published, &a))
		return;
	cJSON *in = parse_body(req, ret, actor, sizeof(actor));
	if (!in)
		return;
	cJSON_Delete(in);
	int r = deadline_case_close(env->store, item, clock_now_usec(), actor);
	if (r) {
		fail_deadline(ret, r);
		return;
	}
	cJSON *o = cJSON_CreateObject();
	cJSON_AddNumberToObject(o, "item", (double)item);
	cJSON_AddStringToObject(o, "case", "closed");
	ret->status = 200;
	ret->body = o;
}
