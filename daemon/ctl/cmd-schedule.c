/* vaktctl schedule ACCOUNT [--days N]: the upcoming polls of an account. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "ctl/ctl-args.h"
#include "ctl/ctl.h"

struct schedule_args {
	const char *account, *days;
};

static int show_schedule(const cJSON *res, void *userdata)
{
	const struct schedule_args *args = userdata;
	const char *account = args->account, *days = args->days;
	const cJSON *polls = cJSON_GetObjectItemCaseSensitive(res, "polls"), *p;
	printf("%s: %d poll(s) in the next %s day(s), calendar %s, offset %ds\n", account,
	       cJSON_GetArraySize(polls), days, ctl_json_str(res, "calendar", "-"),
	       (int)ctl_json_num(res, "jitter_seconds", 0));
	cJSON_ArrayForEach(p, polls) {
		printf("  %s  %s\n", ctl_json_str(p, "at", "-"), ctl_json_str(p, "kind", "-"));
	}
	return CTL_EXIT_OK;
}

static int run_schedule(struct ctl_ctx *ctx, int argc, char **argv)
{
	const char *account = NULL, *days = "1";
	char path[512];

	for (int i = 1; i < argc; i++) {
		if (strcmp(argv[i], "--days") == 0 && i + 1 < argc)
			days = argv[++i];
		else if (strncmp(argv[i], "--days=", 7) == 0)
			days = argv[i] + 7;
		else if (!account && argv[i][0] != '-')
			account = argv[i];
		else
			return ctl_usage(&ctl_cmd_schedule);
	}
	if (!account || !ctl_is_number(days) || !ctl_is_ident(account))
		return ctl_usage(&ctl_cmd_schedule);
	snprintf(path, sizeof(path), "/v1/accounts/%s/schedule?days=%s", account, days);
	struct schedule_args args = { account, days };
	return ctl_api_show(ctx, "GET", path, NULL, show_schedule, &args);
}

const struct ctl_cmd ctl_cmd_schedule = {
	.name = "schedule",
	.usage = "ACCOUNT [--days N] [--json]",
	.summary = "upcoming polls of an account (N: 1..14, default 1)",
	.run = run_schedule,
};
