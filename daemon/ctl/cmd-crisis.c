/* vaktctl crisis ACCOUNT on [DURATION] | off: intensified polling. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "ctl/ctl-args.h"
#include "ctl/ctl.h"

static int run_crisis(struct ctl_ctx *ctx, int argc, char **argv)
{
	char path[512];
	cJSON *res = NULL, *body = NULL;
	int rc;

	if (argc < 3 || argc > 4 || !ctl_is_ident(argv[1]))
		return ctl_usage(&ctl_cmd_crisis);
	snprintf(path, sizeof(path), "/v1/accounts/%s/crisis", argv[1]);
	if (strcmp(argv[2], "on") == 0) {
		body = ctl_body_with_actor();
		if (argc == 4)
			cJSON_AddStringToObject(body, "duration", argv[3]);
		rc = ctl_api_call(ctx, "POST", path, body, &res);
		cJSON_Delete(body);
	} else if (strcmp(argv[2], "off") == 0 && argc == 3) {
		rc = ctl_api_call(ctx, "DELETE", path, NULL, &res);
	} else {
		return ctl_usage(&ctl_cmd_crisis);
	}
	if (rc)
		return rc;
	if (ctx->json)
		ctl_print_json(res);
	else if (cJSON_IsString(cJSON_GetObjectItemCaseSensitive(res, "crisis_until")))
		printf("%s: crisis mode until %s, polling every %ds\n", argv[1],
		       cJSON_GetObjectItemCaseSensitive(res, "crisis_until")->valuestring,
		       (int)cJSON_GetNumberValue(
		               cJSON_GetObjectItemCaseSensitive(res, "interval_seconds")));
	else
		printf("%s: crisis mode off\n", argv[1]);
	cJSON_Delete(res);
	return CTL_EXIT_OK;
}

const struct ctl_cmd ctl_cmd_crisis = {
	.name = "crisis",
	.usage = "ACCOUNT on [DURATION] | ACCOUNT off",
	.summary = "switch crisis mode (default 2h; recorded in the audit log)",
	.run = run_crisis,
};
