/* Routing and the JSON error shape of the control API. */
#include "api/api.h"

#include <errno.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "api/api-handlers.h"
#include "store/audit.h"

cJSON *api_error_body(int status, const char *code, const char *fmt, ...)
{
	char msg[512];
	va_list ap;
	va_start(ap, fmt);
	vsnprintf(msg, sizeof(msg), fmt, ap);
	va_end(ap);

	cJSON *root = cJSON_CreateObject();
	cJSON *err = cJSON_AddObjectToObject(root, "error");
	if (!err) {
		cJSON_Delete(root);
		return NULL;
	}
	cJSON_AddNumberToObject(err, "status", status);
	cJSON_AddStringToObject(err, "code", code);
	cJSON_AddStringToObject(err, "message", msg);
	return root;
}

void api_response_clear(struct api_response *r)
{
	cJSON_Delete(r->body);
	r->body = NULL;
}

void api_fail(struct api_response *ret, int status, const char *code, const char *fmt, ...)
{
	char msg[512];
	va_list ap;
	va_start(ap, fmt);
	vsnprintf(msg, sizeof(msg), fmt, ap);
	va_end(ap);
	cJSON_Delete(ret->body);
	ret->status = status;
	ret->body = api_error_body(status, code, "%s", msg);
}

/* Paths are patterns; "{id}" matches one non-empty segment. */
static const struct api_route {
	const char *method;
	const char *path;
	api_handler_fn fn;
	const char *arg; /* handed to the handler as req->arg */
} routes[] = {
	{ "GET", "/v1/status", api_get_status, NULL },
	{ "GET", "/v1/accounts", api_get_accounts, NULL },
	{ "GET", "/v1/accounts/{id}/schedule", api_get_account_schedule, NULL },
	{ "POST", "/v1/accounts/{id}/crisis", api_post_account_crisis, NULL },
	{ "DELETE", "/v1/accounts/{id}/crisis", api_delete_account_crisis, NULL },
	{ "GET", "/v1/queue", api_get_queue, NULL },
	{ "POST", "/v1/items/{id}/deadlines", api_post_item_deadline, NULL },
	{ "POST", "/v1/items/{id}/case", api_post_item_case, NULL },
	{ "DELETE", "/v1/items/{id}/case", api_delete_item_case, NULL },
	{ "POST", "/v1/items/{id}/case/demand", api_post_item_case_demand, NULL },
	{ "POST", "/v1/deadlines/{id}/pause", api_post_deadline_action, "pause" },
	{ "POST", "/v1/deadlines/{id}/resume", api_post_deadline_action, "resume" },
	{ "POST", "/v1/deadlines/{id}/met", api_post_deadline_action, "met" },
	{ "POST", "/v1/deadlines/{id}/cancel", api_post_deadline_action, "cancel" },
	{ "GET", "/v1/filters/stats", api_get_filter_stats, NULL },
	{ "POST", "/v1/verdicts/{id}/feedback", api_post_verdict_feedback, NULL },
	{ "GET", "/v1/items/{id}", api_get_item, NULL },
	{ "POST", "/v1/items/{id}/evaluate", api_post_item_evaluate, NULL },
	{ "POST", "/v1/items/{id}/actions", api_post_item_action, NULL },
	{ "GET", "/v1/actions", api_get_actions, NULL },
	{ "GET", "/v1/audit/verify", api_get_audit_verify, NULL },
	{ "POST", "/v1/audit/verify", api_post_audit_verify, NULL },
	{ "DELETE", "/v1/audit/verify", api_delete_audit_verify, NULL },
	{ "GET", "/v1/audit/verify/status", api_get_audit_verify_status, NULL },
	{ "GET", "/v1/audit/export", api_get_audit_export, NULL },
	{ "GET", "/v1/testclock", api_get_testclock, NULL },
	{ "POST", "/v1/testclock", api_post_testclock, NULL },
	{ "POST", "/v1/reload", api_post_reload, NULL },
	{ "POST", "/v1/poll", api_post_poll, NULL },
	{ "POST", "/v1/accounts/{id}/poll", api_post_account_poll, NULL },
	{ "GET", "/v1/polls/{id}", api_get_poll, NULL },
	{ "GET", "/v1/items", api_get_items, NULL },
	{ "GET", "/v1/escalations", api_get_escalations, NULL },
	{ "POST", "/v1/escalations/{id}/ack", api_post_escalation_ack, NULL },
	{ "GET", "/v1/ack/{id}", api_ack_link, NULL },
	{ "POST", "/v1/ack/{id}", api_ack_link, NULL },
	{ "GET", "/v1/oncall", api_get_oncall, NULL },
	{ "POST", "/v1/oncall", api_post_oncall, NULL },
	{ "POST", "/v1/accounts/{id}/test-route", api_post_account_test_route, NULL },
};

/* Match path against pattern; the {id} segment is copied into param. */
static bool match(const char *pattern, const char *path, char *param, size_t len)
{
	const char *brace = strstr(pattern, "{id}");
	if (!brace)
		return strcmp(pattern, path) == 0;
	size_t pre = (size_t)(brace - pattern);
	const char *post = brace + 4;
	if (strncmp(pattern, path, pre) != 0)
		return false;
	const char *seg = path + pre, *end = strchr(seg, '/');
	size_t seglen = end ? (size_t)(end - seg) : strlen(seg);
	if (seglen == 0 || seglen >= len || strcmp(seg + seglen, post) != 0)
		return false;
	memcpy(param, seg, seglen);
	param[seglen] = '\0';
	return true;
}

int api_query_get(const char *query, const char *key, char *buf, size_t len)
{
	size_t klen = strlen(key);
	for (const char *p = query; p && *p;) {
		const char *amp = strchr(p, '&');
		size_t n = amp ? (size_t)(amp - p) : strlen(p);
		if (n > klen && strncmp(p, key, klen) == 0 && p[klen] == '=') {
			size_t vlen = n - klen - 1;
			if (vlen >= len)
				return -ENOBUFS;
			memcpy(buf, p + klen + 1, vlen);
			buf[vlen] = '\0';
			return 0;
		}
		p = amp ? amp + 1 : NULL;
	}
	return -ENOENT;
}

/* A path is only letters, digits and "/-_.%": everything else is refused
 * before routing, so handlers never see odd bytes. */
static bool path_ok(const char *p)
{
	if (p[0] != '/' || strlen(p) > 1024)
		return false;
	for (; *p; p++) {
		unsigned char c = (unsigned char)*p;
		if (!(c >= 'a' && c <= 'z') && !(c >= 'A' && c <= 'Z') && !(c >= '0' && c <= '9') &&
		    !strchr("/-_.%:", c))
			return false;
	}
	return true;
}

/* A name a person gives for themselves: 1..63 bytes of valid UTF-8 with no
 * control character (C0, DEL, C1), so it cannot forge lines or terminal
 * escapes wherever the audit log is shown. */
static bool name_ok(const char *s)
{
	const unsigned char *p = (const unsigned char *)s;
	size_t n = strlen(s);
	if (n == 0 || n > 63)
		return false;
	while (*p) {
		unsigned c = *p, len = c < 0x80             ? 1
		                       : (c & 0xe0) == 0xc0 ? 2
		                       : (c & 0xf0) == 0xe0 ? 3
		                       : (c & 0xf8) == 0xf0 ? 4
		                                            : 0;
		if (len == 0 || (len == 2 && c < 0xc2) || (len == 4 && c > 0xf4))
			return false;
		unsigned cp = len == 1 ? c : c & (0x7f >> len);
		for (unsigned i = 1; i < len; i++) {
			if ((p[i] & 0xc0) != 0x80)
				return false;
			cp = cp << 6 | (p[i] & 0x3f);
		}
		if ((len == 3 && (cp < 0x800 || (cp >= 0xd800 && cp <= 0xdfff))) ||
		    (len == 4 && (cp < 0x10000 || cp > 0x10ffff)))
			return false;
		if (cp < 0x20 || (cp >= 0x7f && cp <= 0x9f) || cp == 0x2028 || cp == 0x2029)
			return false;
		p += len;
	}
	return true;
}

/* The body's "by", if the body is a JSON object that has one: 0 with
 * *ret the name or NULL, -EINVAL when it is not an acceptable name. */
static int body_claim(const char *body, size_t len, char *buf, size_t buflen, const char **ret)
{
	*ret = NULL;
	if (!body || !len)
		return 0;
	cJSON *in = cJSON_ParseWithLength(body, len);
	const cJSON *by = cJSON_GetObjectItemCaseSensitive(in, "by");
	int r = 0;
	if (by && !cJSON_IsNull(by)) {
		if (!cJSON_IsString(by) || !name_ok(by->valuestring) ||
		    strlen(by->valuestring) >= buflen)
			r = -EINVAL;
		else
			*ret = strcpy(buf, by->valuestring);
	}
	cJSON_Delete(in);
	return r;
}

const char *api_actor(const struct api_req *req, char *buf, size_t len)
{
	if (req->caller->known && req->caller->user[0])
		snprintf(buf, len, "api:%s", req->caller->user);
	else if (req->caller->known)
		snprintf(buf, len, "api:uid:%u", (unsigned)req->caller->uid);
	else if (req->claim)
		snprintf(buf, len, "api:%s", req->claim);
	else
		snprintf(buf, len, "api");
	return buf;
}

/* A method is echoed in an error only when it is a plain token: the
 * message must stay valid UTF-8 JSON whatever the caller sent (found by
 * fuzzing). */
static bool method_ok(const char *m)
{
	size_t n = strlen(m);
	if (n == 0 || n > 16)
		return false;
	for (; *m; m++)
		if (!(*m >= 'A' && *m <= 'Z'))
			return false;
	return true;
}

int api_route(const struct api_env *env, const char *method, const char *path, const char *query,
              const char *body, size_t body_len, struct api_response *ret)
{
	return api_route_as(env, NULL, method, path, query, body, body_len, ret);
}

static int route(const struct api_env *env, const struct api_caller *caller, bool resumed,
                 uint64_t ticket, const char *method, const char *path, const char *query,
                 const char *body, size_t body_len, struct api_response *ret);

int api_route_as(const struct api_env *env, const struct api_caller *caller, const char *method,
                 const char *path, const char *query, const char *body, size_t body_len,
                 struct api_response *ret)
{
	return route(env, caller, false, 0, method, path, query, body, body_len, ret);
}

int api_route_resumed(const struct api_env *env, const struct api_caller *caller, uint64_t ticket,
                      const char *method, const char *path, const char *query, const char *body,
                      size_t body_len, struct api_response *ret)
{
	return route(env, caller, true, ticket, method, path, query, body, body_len, ret);
}

static int route(const struct api_env *env, const struct api_caller *caller, bool resumed,
                 uint64_t ticket, const char *method, const char *path, const char *query,
                 const char *body, size_t body_len, struct api_response *ret)
{
	static const struct api_caller nobody = { 0 };
	int path_known = 0;
	char param[160], claim_buf[64];
	const char *claim = NULL;

	ret->status = 0;
	ret->body = NULL;
	ret->wait = false;
	ret->ticket = 0;
	if (!path_ok(path)) {
		ret->status = 400;
		ret->body = api_error_body(400, "bad_path", "malformed request path");
		return ret->body ? 0 : -ENOMEM;
	}
	for (size_t i = 0; i < sizeof(routes) / sizeof(routes[0]); i++) {
		if (!match(routes[i].path, path, param, sizeof(param)))
			continue;
		path_known = 1;
		if (strcmp(routes[i].method, method) != 0)
			continue;
		if (body_claim(body, body_len, claim_buf, sizeof(claim_buf), &claim) < 0) {
			ret->status = 400;
			ret->body =
			        api_error_body(400, "bad_by",
			                       "\"by\" must be a name of 1 to 63 bytes of UTF-8 "
			                       "without control characters");
			return ret->body ? 0 : -ENOMEM;
		}
		struct api_req req = {
			.method = method,
			.path = path,
			.query = query,
			.param = strstr(routes[i].path, "{id}") ? param : NULL,
			.arg = routes[i].arg,
			.body = body,
			.body_len = body_len,
			.caller = caller ? caller : &nobody,
			.claim = claim,
			.resumed = resumed,
			.ticket = ticket,
		};
		/* Every audit entry this request causes names its caller. */
		struct audit_caller ac = {
			.uid = caller ? caller->uid : 0,
			.gid = caller ? caller->gid : 0,
			.pid = caller ? caller->pid : 0,
			.user = caller && caller->user[0] ? caller->user : NULL,
			.claim = claim,
		};
		if (caller && caller->known && env->store)
			store_audit_set_caller(env->store, &ac);
		routes[i].fn(env, &req, ret);
		if (env->store)
			store_audit_set_caller(env->store, NULL);
		if (!ret->body) {
			ret->status = 500;
			ret->body = api_error_body(500, "internal", "out of memory");
		}
		return ret->body ? 0 : -ENOMEM;
	}
	if (path_known) {
		ret->status = 405;
		ret->body = api_error_body(405, "method_not_allowed", "%s is not allowed on %s",
		                           method_ok(method) ? method : "this method", path);
	} else {
		ret->status = 404;
		ret->body = api_error_body(404, "not_found", "no such endpoint: %s", path);
	}
	return ret->body ? 0 : -ENOMEM;
}
