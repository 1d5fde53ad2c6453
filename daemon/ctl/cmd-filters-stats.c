/* vaktctl filters stats: hits, cost and feedback per rule, from vaktd. */
#include <stdio.h>
#include <string.h>

#include "ctl/ctl.h"

static int show_stats(const cJSON *res, void *userdata)
{
	const cJSON *arr = cJSON_GetObjectItemCaseSensitive(res, "rules"), *r;
	printf("rule set %s\n",
	       cJSON_GetStringValue(cJSON_GetObjectItemCaseSensitive(res, "ruleset")));
	printf("%-44s %-13s %-8s %8s %10s %6s %6s %s\n", "RULE", "CATEGORY", "TIER", "HITS",
	       "COST(us)", "TP", "FP", "LAST HIT / FLAGS");
	cJSON_ArrayForEach(r, arr) {
		const cJSON *last = cJSON_GetObjectItemCaseSensitive(r, "last_hit");
		char flags[64] = "";
		snprintf(flags, sizeof(flags), "%s%s%s",
		         cJSON_IsString(last) ? last->valuestring : "-",
		         cJSON_IsTrue(cJSON_GetObjectItemCaseSensitive(r, "disabled")) ? " DISABLED"
		                                                                       : "",
		         strcmp(cJSON_GetStringValue(cJSON_GetObjectItemCaseSensitive(r, "mode")),
		                "shadow") == 0
		                 ? " shadow"
		                 : "");
		printf("%-44s %-13s %-8s %8.0f %10.0f %6.0f %6.0f %s\n",
		       cJSON_GetStringValue(cJSON_GetObjectItemCaseSensitive(r, "rule")),
		       cJSON_GetStringValue(cJSON_GetObjectItemCaseSensitive(r, "category")),
		       cJSON_GetStringValue(cJSON_GetObjectItemCaseSensitive(r, "tier")),
		       cJSON_GetNumberValue(cJSON_GetObjectItemCaseSensitive(r, "hits")),
		       cJSON_GetNumberValue(cJSON_GetObjectItemCaseSensitive(r, "cost_ns")) /
		               1000.0,
		       cJSON_GetNumberValue(cJSON_GetObjectItemCaseSensitive(r, "true_positives")),
		       cJSON_GetNumberValue(cJSON_GetObjectItemCaseSensitive(r, "false_positives")),
		       flags);
	}
	return CTL_EXIT_OK;
}

int ctl_filters_stats(struct ctl_ctx *ctx)
{
	return ctl_api_show(ctx, "GET", "/v1/filters/stats", NULL, show_stats, NULL);
}
