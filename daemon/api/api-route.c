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

static const struct api_route {
	const char *method;
	const char *path;
	api_handler_fn fn;
} routes[] = {
	{"GET", "/v1/status", api_get_status},
	{"GET", "/v1/accounts", api_get_accounts},
	{"GET", "/v1/audit/verify", api_get_audit_verify},
};

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

int api_route(const struct api_env *env, const char *method, const char *path,
              const char *body, size_t body_len, struct api_response *ret)
{
	int path_known = 0;

	ret->status = 0;
	ret->body = NULL;
	if (!path_ok(path)) {
		ret->status = 400;
		ret->body = api_error_body(400, "bad_path", "malformed request path");
		return ret->body ? 0 : -ENOMEM;
	}
	for (size_t i = 0; i < sizeof(routes) / sizeof(routes[0]); i++) {
		if (strcmp(routes[i].path, path) != 0)
			continue;
		path_known = 1;
		if (strcmp(routes[i].method, method) != 0)
			continue;
		routes[i].fn(env, body, body_len, ret);
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
