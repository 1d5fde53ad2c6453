/* vaktctl reload: have vaktd reload its configuration and say how it went.
 *
 * vaktd.service's ExecReload= runs this, so `systemctl reload vaktd` fails
 * the job when the new configuration is refused (the old one keeps
 * running), and the unit needs no binary the package does not bring. */
#include <stdio.h>
#include <stdlib.h>

#include "ctl/ctl.h"

static double num(const cJSON *o, const char *key)
{
	return cJSON_GetNumberValue(cJSON_GetObjectItemCaseSensitive(o, key));
}

static const char *str(const cJSON *o, const char *key)
{
	const char *s = cJSON_GetStringValue(cJSON_GetObjectItemCaseSensitive(o, key));
	return s ? s : "";
}

/* A refused configuration: every diagnostic as file:line: message, then
 * the verdict, all on stderr (the journal shows it under the reload job). */
static void print_refused(const cJSON *err)
{
	const cJSON *d;
	cJSON_ArrayForEach(d, cJSON_GetObjectItemCaseSensitive(err, "diagnostics"))
		fprintf(stderr, "%s\n", str(d, "text"));
	fprintf(stderr, "vaktctl: %s\n", str(err, "message"));
}

static int run_reload(struct ctl_ctx *ctx, int argc, char **argv)
{
	cJSON *res = NULL;
	long status = 0;

	if (argc != 1)
		return ctl_usage(&ctl_cmd_reload);
	cJSON *body = ctl_body_with_actor();
	int rc = ctl_api_request(ctx, "POST", "/v1/reload", body, &status, &res);
	cJSON_Delete(body);
	if (rc)
		return rc;
	const cJSON *err = cJSON_GetObjectItemCaseSensitive(res, "error");
	if (status == 200 && cJSON_IsTrue(cJSON_GetObjectItemCaseSensitive(res, "reloaded"))) {
		if (ctx->json)
			ctl_print_json(res);
		else
			printf("configuration reloaded: generation %.0f, %.0f accounts (%.0f "
			       "enabled)\n",
			       num(res, "generation"), num(res, "accounts"),
			       num(res, "accounts_enabled"));
		rc = CTL_EXIT_OK;
	} else if (status == 422 && cJSON_IsObject(err)) {
		if (ctx->json)
			ctl_print_json(res);
		print_refused(err);
		rc = CTL_EXIT_ERROR;
	} else {
		fprintf(stderr, "vaktctl: POST /v1/reload: %ld %s\n", status,
		        cJSON_IsObject(err) ? str(err, "message") : "unexpected response");
		rc = CTL_EXIT_ERROR;
	}
	cJSON_Delete(res);
	return rc;
}

const struct ctl_cmd ctl_cmd_reload = {
	.name = "reload",
	.usage = "[--json]",
	.summary = "reload vaktd's configuration; exits 1 listing every error when it is refused "
	           "(the old one keeps running)",
	.run = run_reload,
};
