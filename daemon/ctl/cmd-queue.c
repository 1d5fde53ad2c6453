/* vaktctl queue [--account A] [--unit U]: what is waiting for an answer or
 * a review, most urgent first. */
#include <stdio.h>
#include <string.h>

#include "ctl/ctl-args.h"
#include "ctl/ctl.h"

static void format_left(double secs, int business, char *buf, size_t len)
{
	long s = (long)(secs < 0 ? -secs : secs);
	snprintf(buf, len, "%s%ldh%02ldm%s", secs < 0 ? "-" : "", s / 3600, s / 60 % 60,
	         business ? " (b)" : "");
}

static int show_queue(const cJSON *res, void *userdata)
{
	const cJSON *arr = cJSON_GetObjectItemCaseSensitive(res, "pending"), *p;
	printf("%-8s %-8s %-20s %-14s %-18s %-9s %-25s %s\n", "CLOCK", "ITEM", "ACCOUNT", "UNIT",
	       "KIND", "STATE", "DUE", "LEFT");
	cJSON_ArrayForEach(p, arr) {
		char left[48];
		format_left(ctl_json_num(p, "time_left_seconds", 0),
		            cJSON_IsTrue(cJSON_GetObjectItemCaseSensitive(p, "business_time")),
		            left, sizeof(left));
		printf("%-8.0f %-8.0f %-20s %-14s %-18s %-9s %-25s %s\n",
		       ctl_json_num(p, "deadline", 0), ctl_json_num(p, "item", 0),
		       ctl_json_str(p, "account", "-"), ctl_json_str(p, "unit", "-"),
		       ctl_json_str(p, "kind", "-"), ctl_json_str(p, "state", "-"),
		       ctl_json_str(p, "due_at", "-"), left);
	}
	printf("%d pending\n", cJSON_GetArraySize(arr));
	return CTL_EXIT_OK;
}

static int run_queue(struct ctl_ctx *ctx, int argc, char **argv)
{
	const char *account = NULL, *unit = NULL;
	char path[512];

	for (int i = 1; i < argc; i++) {
		if (strcmp(argv[i], "--account") == 0 && i + 1 < argc && ctl_is_ident(argv[i + 1]))
			account = argv[++i];
		else if (strcmp(argv[i], "--unit") == 0 && i + 1 < argc &&
		         ctl_is_ident(argv[i + 1]))
			unit = argv[++i];
		else
			return ctl_usage(&ctl_cmd_queue);
	}
	snprintf(path, sizeof(path), "/v1/queue%s%s%s%s%s", account || unit ? "?" : "",
	         account ? "account=" : "", account ? account : "", account && unit ? "&" : "",
	         unit ? "unit=" : "");
	if (unit)
		strncat(path, unit, sizeof(path) - strlen(path) - 1);
	return ctl_api_show(ctx, "GET", path, NULL, show_queue, NULL);
}

const struct ctl_cmd ctl_cmd_queue = {
	.name = "queue",
	.usage = "[--account A] [--unit U] [--json]",
	.summary = "open deadline clocks, most urgent first ((b) = business time)",
	.run = run_queue,
};
