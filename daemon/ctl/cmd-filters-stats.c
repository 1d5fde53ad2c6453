/* vaktctl filters stats: hits, cost and feedback per rule, from vaktd. */
#include <stdio.h>
#include <string.h>

#include "ctl/ctl.h"

static int show_stats(const cJSON *res, void *userdata)
{
	const cJSON *arr = cJSON_GetObjectItemCaseSensitive(res, "rules"), *r;
	printf("rule set %s\n", ctl_json_str(res, "ruleset", "-"));
	printf("%-44s %-13s %-8s %8s %10s %6s %6s %s\n", "RULE", "CATEGORY", "TIER", "HITS",
	       "COST(us)", "TP", "FP", "LAST HIT / FLAGS");
	cJSON_ArrayForEach(r, arr) {
		const cJSON *last = cJSON_GetObjectItemCaseSensitive(r, "last_hit");
		char flags[64] = "";
		snprintf(flags, sizeof(flags), "%s%s%s",
		         cJSON_IsString(last) ? last->valuestring : "-",
		         cJSON_IsTrue(cJSON_GetObjectItemCaseSensitive(r, "disabled")) ? " DISABLED"
		                                                                       : "",
		         strcmp(ctl_json_str(r, "mode", "-"), "shadow") == 0 ? " shadow" : "");
		printf("%-44s %-13s %-8s %8.0f %10.0f %6.0f %6.0f %s\n",
		       ctl_json_str(r, "rule", "-"), ctl_json_str(r, "category", "-"),
		       ctl_json_str(r, "tier", "-"), ctl_json_num(r, "hits", 0),
		       ctl_json_num(r, "cost_ns", 0) / 1000.0, ctl_json_num(r, "true_positives", 0),
		       ctl_json_num(r, "false_positives", 0), flags);
	}
	return CTL_EXIT_OK;
}

int ctl_filters_stats(struct ctl_ctx *ctx)
{
	return ctl_api_show(ctx, "GET", "/v1/filters/stats", NULL, show_stats, NULL);
}
