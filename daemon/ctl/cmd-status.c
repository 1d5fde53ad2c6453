/* vaktctl status: what the daemon is doing. */
#include <stdlib.h>
#include <string.h>

#include "ctl/ctl.h"

static const char *str_or(const cJSON *o, const char *key, const char *dflt)
{
	const cJSON *v = cJSON_GetObjectItemCaseSensitive(o, key);
	return cJSON_IsString(v) ? v->valuestring : dflt;
}

static double num_or(const cJSON *o, const char *key, double dflt)
{
	const cJSON *v = cJSON_GetObjectItemCaseSensitive(o, key);
	return cJSON_IsNumber(v) ? v->valuedouble : dflt;
}

static int show_status(const cJSON *st, void *userdata)
{
	const cJSON *pending = cJSON_GetObjectItemCaseSensitive(st, "pending");
	long up = (long)num_or(st, "uptime_seconds", 0);
	printf("vaktd %s, up %ldd %02ld:%02ld:%02ld, state %s\n", str_or(st, "version", "?"),
	       up / 86400, up / 3600 % 24, up / 60 % 60, up % 60, str_or(st, "state", "?"));
	printf("clock:      %s%s\n", str_or(st, "now", "?"),
	       cJSON_IsTrue(cJSON_GetObjectItemCaseSensitive(st, "test_clock")) ? " (test clock)"
	                                                                        : "");
	printf("config:     %s (generation %.0f, loaded %s)\n", str_or(st, "config_dir", "?"),
	       num_or(st, "config_generation", 0), str_or(st, "config_loaded_at", "?"));
	printf("store:      %s (schema %.0f)\n", str_or(st, "database", "?"),
	       num_or(st, "schema_version", 0));
	printf("accounts:   %.0f configured, %.0f enabled\n", num_or(st, "accounts", 0),
	       num_or(st, "accounts_enabled", 0));
	printf("items:      %.0f stored\n", num_or(st, "items", 0));
	printf("pending:    %.0f to review, %.0f to answer, %.0f escalations unsent\n",
	       num_or(pending, "review", 0), num_or(pending, "respond", 0),
	       num_or(pending, "escalations", 0));
	return CTL_EXIT_OK;
}

static int run_status(struct ctl_ctx *ctx, int argc, char **argv)
{
	if (argc != 1)
		return ctl_usage(&ctl_cmd_status);
	return ctl_api_show(ctx, "GET", "/v1/status", NULL, show_status, NULL);
}

const struct ctl_cmd ctl_cmd_status = {
	.name = "status",
	.usage = "[--json]",
	.summary = "version, uptime, accounts and pending counts",
	.run = run_status,
};
