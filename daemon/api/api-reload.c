/* POST /v1/reload: reload the configuration now and answer with the
 * outcome, so that `vaktctl reload` (the unit's ExecReload=) can fail the
 * systemd job when the new configuration is refused.
 *
 * The daemon does the reload (api_env.reload, the same code as SIGHUP);
 * its long part runs on a worker thread, so the request waits
 * (api_response.wait) for the attempt that answers it, and is answered
 * when that has ended: the new configuration running, or refused. */
#include <errno.h>
#include <stdio.h>
#include <string.h>

#include "api/api-handlers.h"
#include "util/error.h"

/* A body, when there is one, must be a JSON object (its "by" is read and
 * checked by api_route as the caller's claim). */
static int check_body(const struct api_req *req, struct api_response *ret)
{
	if (!req->body || !req->body_len)
		return 0;
	cJSON *in = cJSON_ParseWithLength(req->body, req->body_len);
	bool ok = cJSON_IsObject(in);
	cJSON_Delete(in);
	if (!ok) {
		api_fail(ret, 400, "bad_json", "the body must be a JSON object");
		return -EINVAL;
	}
	return 0;
}

static cJSON *diagnostics_json(const struct diag_list *dl)
{
	cJSON *a = cJSON_CreateArray();
	char buf[2048];
	for (size_t i = 0; a && i < dl->n; i++) {
		const struct diag *d = &dl->v[i];
		cJSON *o = cJSON_CreateObject();
		if (!o || !cJSON_AddItemToArray(a, o)) {
			cJSON_Delete(o);
			cJSON_Delete(a);
			return NULL;
		}
		if (d->file)
			cJSON_AddStringToObject(o, "file", d->file);
		else
			cJSON_AddNullToObject(o, "file");
		cJSON_AddNumberToObject(o, "line", d->line);
		cJSON_AddStringToObject(o, "message", d->msg ? d->msg : "");
		cJSON_AddStringToObject(o, "text", diag_format(d, buf, sizeof(buf)));
	}
	return a;
}

void api_post_reload(const struct api_env *env, const struct api_req *req, struct api_response *ret)
{
	struct api_reload_outcome out = { 0 };
	char actor[80];

	if (check_body(req, ret) < 0)
		return;
	/* The caller as the kernel says (SO_PEERCRED); api_route also records
	 * it with every audit entry the reload writes. */
	api_actor(req, actor, sizeof(actor));
	if (!env->reload || !env->reload_outcome) {
		api_fail(ret, 503, "unavailable", "this server cannot reload");
		return;
	}
	uint64_t ticket = req->ticket;
	int r = req->resumed ? 0 : env->reload(env->reload_arg, actor, &ticket);
	if (r == -ESHUTDOWN) {
		api_fail(ret, 503, "stopping", "vaktd is stopping; not reloading");
		return;
	}
	if (r < 0) {
		api_fail(ret, 500, "internal", "reload failed: %s", vakt_strerror(r));
		return;
	}
	const int ended = env->reload_outcome(env->reload_arg, ticket, &out);
	if (ended < 0) {
		api_fail(ret, 503, "stopping", "vaktd is stopping; not reloading");
		return;
	}
	if (!ended) {
		cJSON *o = cJSON_CreateObject();
		cJSON_AddBoolToObject(o, "reloading", 1);
		ret->status = 202;
		ret->body = o;
		ret->wait = true;
		ret->ticket = ticket;
		return;
	}
	if (out.taken) {
		cJSON *o = cJSON_CreateObject();
		cJSON_AddBoolToObject(o, "reloaded", 1);
		cJSON_AddNumberToObject(o, "generation", (double)out.generation);
		cJSON_AddNumberToObject(o, "accounts", (double)env->config->n_accounts);
		cJSON_AddNumberToObject(o, "accounts_enabled",
		                        (double)config_count_enabled(env->config));
		ret->status = 200;
		ret->body = o;
		diag_list_clear(&out.diags);
		return;
	}
	/* Refused: the error says so, and carries every diagnostic, so the
	 * caller can show them all, as --check-config would. */
	api_fail(ret, 422, "config_invalid",
	         "invalid configuration, ignored: %zu error(s); keeping previous configuration "
	         "(generation %llu)",
	         out.diags.n, (unsigned long long)out.generation);
	cJSON *err = ret->body ? cJSON_GetObjectItemCaseSensitive(ret->body, "error") : NULL;
	cJSON *diags = diagnostics_json(&out.diags);
	if (err && diags) {
		cJSON_AddItemToObject(err, "diagnostics", diags);
		cJSON_AddNumberToObject(err, "generation", (double)out.generation);
	} else {
		cJSON_Delete(diags);
		api_response_clear(ret); /* api_route answers 500 out of memory */
	}
	diag_list_clear(&out.diags);
}
