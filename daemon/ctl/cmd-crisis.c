/* vaktctl crisis ACCOUNT on [DURATION] | off: intensified polling. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "ctl/ctl-args.h"
#include "ctl/ctl.h"

static int show_crisis(const cJSON *res, void *userdata)
{
	char **argv = userdata;
	if (cJSON_IsString(cJSON_GetObjectItemCaseSensitive(res, "crisis_until")))
		printf("%s: crisis mode until %s, polling every %ds\n", argv[1],
		       cJSON_GetObjectItemCaseSensitive(res, "crisis_until")->valuestring,
		       (int)ctl_json_num(res, "interval_seconds", 0));
	else
		printf("%s: crisis mode off\n", argv[1]);
	return CTL_EXIT_OK;
}

static int run_crisis(struct ctl_ctx *ctx, int argc, char **argv)
{
	char path[512];
	cJSON *body = NULL;
	int rc;

	if (argc < 3 || argc > 4 || !ctl_is_ident(argv[1]))
		return ctl_usage(&ctl_cmd_crisis);
	snprintf(path, sizeof(path), "/v1/accounts/%s/crisis", argv[1]);
	if (strcmp(argv[2], "on") == 0) {
		body = ctl_body_with_actor();
		if (argc == 4)
			cJSON_AddStringToObject(body, "duration", argv[3]);
		rc = ctl_api_show(ctx, "POST", path, body, show_crisis, argv);
		cJSON_Delete(body);
		return rc;
	}
	if (strcmp(argv[2], "off") == 0 && argc == 3)
		return ctl_api_show(ctx, "DELETE", path, NULL, show_crisis, argv);
	return ctl_usage(&ctl_cmd_crisis);
}

const struct ctl_cmd ctl_cmd_crisis = {
	.name = "crisis",
	.usage = "ACCOUNT on [DURATION] | ACCOUNT off",
	.summary = "switch crisis mode (default 2h; recorded in the audit log)",
	.run = run_crisis,
};
