/* Routing and the JSON error shape of the control API. */
#include "api/api.h"

#include <errno.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "api/api-handlers.h"

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
	{ "GET", "/v1/audit/verify", api_get_audit_verify, NULL },
	{ "GET", "/v1/testclock", api_get_testclock, NULL },
	{ "POST", "/v1/testclock", api_post_testclock, NULL },
	{ "POST", "/v1/reload", api_post_reload, NULL },
};

/* Match path against pattern; the {id} segment is copied into param. */
static int match(const char *pattern, const char *path, char *param, size_t len)
{
	const char *brace = strstr(pattern, "{id}");
	if (!brace)
		return strcmp(pattern, path) == 0;
	size_t pre = (size_t)(brace - pattern);
	const char *post = brace + 4;
	if (strncmp(pattern, path, pre) != 0)
		return 0;
	const char *seg = path + pre, *end = strchr(seg, '/');
	size_t seglen = end ? (size_t)(end - seg) : strlen(seg);
	if (seglen == 0 || seglen >= len || strcmp(seg + seglen, post) != 0)
		return 0;
	memcpy(param, seg, seglen);
	param[seglen] = '\0';
	return 1;
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
static int path_ok(const char *p)
{
	if (p[0] != '/' || strlen(p) > 1024)
		return 0;
	for (; *p; p++) {
		unsigned char c = (unsigned char)*p;
		if (!(c >= 'a' && c <= 'z') && !(c >= 'A' && c <= 'Z') && !(c >= '0' && c <= '9') &&
		    !strchr("/-_.%:", c))
			return 0;
	}
	return 1;
}

int api_route(const struct api_env *env, const char *method, const char *path, const char *query,
              const char *body, size_t body_len, struct api_response *ret)
{
	int path_known = 0;
	char param[128];

	ret->status = 0;
	ret->body = NULL;
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
		struct api_req req = {
			.method = method,
			.path = path,
			.query = query,
			.param = strstr(routes[i].path, "{id}") ? param : NULL,
			.arg = routes[i].arg,
			.body = body,
			.body_len = body_len,
		};
		routes[i].fn(env, &req, ret);
		if (!ret->body) {
			ret->status = 500;
			ret->body = api_error_body(500, "internal", "out of memory");
		}
		return ret->body ? 0 : -ENOMEM;
	}
	if (path_known) {
		ret->status = 405;
		ret->body = api_error_body(405, "method_not_allowed", "%s is not allowed on %s",
		                           method, path);
	} else {
		ret->status = 404;
		ret->body = api_error_body(404, "not_found", "no such endpoint: %s", path);
	}
	return ret->body ? 0 : -ENOMEM;
}
