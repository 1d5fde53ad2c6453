/* vaktctl queue [--account A] [--unit U] [--limit N] [--after CURSOR]:
 * what is waiting for an answer or a review, most urgent first, one page
 * at a time. */
#include <stdbool.h>
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
	const char *next = ctl_json_str(res, "next", NULL);
	if (next)
		printf("%d pending on this page; more with --after %s\n", cJSON_GetArraySize(arr),
		       next);
	else
		printf("%d pending\n", cJSON_GetArraySize(arr));
	return CTL_EXIT_OK;
}

/* A page size or a cursor: short, and only characters a query string
 * carries as they are (the daemon judges the value). */
static bool is_query_value(const char *v)
{
	size_t n = strlen(v);
	return n > 0 && n < 64 && strspn(v, "0123456789abcdefghijklmnopqrstuvwxyz.-") == n;
}

static int run_queue(struct ctl_ctx *ctx, int argc, char **argv)
{
	const char *keys[] = { "account", "unit", "limit", "after" };
	const char *vals[4] = { NULL };
	char path[512];

	for (int i = 1; i < argc; i++) {
		size_t k = 0;
		while (k < 4 &&
		       !(strncmp(argv[i], "--", 2) == 0 && strcmp(argv[i] + 2, keys[k]) == 0))
			k++;
		if (k == 4 || i + 1 >= argc || vals[k])
			return ctl_usage(&ctl_cmd_queue);
		const char *v = argv[++i];
		if (k < 2 ? !ctl_is_ident(v) : !is_query_value(v))
			return ctl_usage(&ctl_cmd_queue);
		vals[k] = v;
	}
	size_t len = (size_t)snprintf(path, sizeof(path), "/v1/queue");
	for (size_t k = 0; k < 4; k++)
		if (vals[k] && len < sizeof(path))
			len += (size_t)snprintf(path + len, sizeof(path) - len, "%s%s=%s",
			                        len == strlen("/v1/queue") ? "?" : "&", keys[k],
			                        vals[k]);
	if (len >= sizeof(path))
		return ctl_usage(&ctl_cmd_queue);
	return ctl_api_show(ctx, "GET", path, NULL, show_queue, NULL);
}

const struct ctl_cmd ctl_cmd_queue = {
	.name = "queue",
	.usage = "[--account A] [--unit U] [--limit N] [--after CURSOR] [--json]",
	.summary = "open deadline clocks, most urgent first ((b) = business time)",
	.run = run_queue,
};
