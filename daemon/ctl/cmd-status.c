/* vaktctl status: what the daemon is doing. */
#include <stdlib.h>
#include <string.h>

#include "ctl/ctl.h"

static int show_status(const cJSON *st, void *userdata)
{
	const cJSON *pending = cJSON_GetObjectItemCaseSensitive(st, "pending");
	long up = (long)ctl_json_num(st, "uptime_seconds", 0);
	printf("vaktd %s, up %ldd %02ld:%02ld:%02ld, state %s\n", ctl_json_str(st, "version", "?"),
	       up / 86400, up / 3600 % 24, up / 60 % 60, up % 60, ctl_json_str(st, "state", "?"));
	/* only a start's first moments: the engine is built after READY */
	if (cJSON_IsFalse(cJSON_GetObjectItemCaseSensitive(st, "filters_ready")))
		printf("filters:    the rules' engine is being built; fetched items wait for their "
		       "verdict\n");
	const cJSON *b = cJSON_GetObjectItemCaseSensitive(st, "verdict_backlog");
	if (cJSON_IsTrue(cJSON_GetObjectItemCaseSensitive(b, "running")) &&
	    ctl_json_num(b, "waiting", 0) > 0)
		printf("verdicts:   %.0f item(s) wait for their verdict; being evaluated\n",
		       ctl_json_num(b, "waiting", 0));
	else if (ctl_json_num(b, "waiting", 0) > 0)
		/* waiting for the engine, of accounts no longer configured, or
		 * logged as failed */
		printf("verdicts:   %.0f item(s) without a verdict, not being evaluated (waiting "
		       "for the rules' engine, of accounts no longer configured, or failed: see "
		       "the log)\n",
		       ctl_json_num(b, "waiting", 0));
	printf("clock:      %s%s\n", ctl_json_str(st, "now", "?"),
	       cJSON_IsTrue(cJSON_GetObjectItemCaseSensitive(st, "test_clock")) ? " (test clock)"
	                                                                        : "");
	printf("config:     %s (generation %.0f, loaded %s)\n", ctl_json_str(st, "config_dir", "?"),
	       ctl_json_num(st, "config_generation", 0), ctl_json_str(st, "config_loaded_at", "?"));
	printf("store:      %s (schema %.0f)\n", ctl_json_str(st, "database", "?"),
	       ctl_json_num(st, "schema_version", 0));
	printf("accounts:   %.0f configured, %.0f enabled, %.0f red\n",
	       ctl_json_num(st, "accounts", 0), ctl_json_num(st, "accounts_enabled", 0),
	       ctl_json_num(st, "accounts_red", 0));
	printf("items:      %.0f stored\n", ctl_json_num(st, "items", 0));
	printf("pending:    %.0f to review, %.0f to answer, %.0f escalations unsent\n",
	       ctl_json_num(pending, "review", 0), ctl_json_num(pending, "respond", 0),
	       ctl_json_num(pending, "escalations", 0));
	printf("actions:    %.0f queued or running, %.0f proposed (waiting for a moderator)\n",
	       ctl_json_num(pending, "actions", 0), ctl_json_num(pending, "actions_proposed", 0));
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
