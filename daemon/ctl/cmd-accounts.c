/* vaktctl accounts: every account, its owner and its polling health. */
#include <stdio.h>
#include <string.h>

#include "ctl/ctl.h"

static void day_cell(const cJSON *a, const char *key, char *buf, size_t len)
{
	const cJSON *d = cJSON_GetObjectItemCaseSensitive(a, key);
	const cJSON *n = cJSON_GetObjectItemCaseSensitive(d, "polls");
	const cJSON *ok = cJSON_GetObjectItemCaseSensitive(d, "ok");
	const char *date = ctl_json_str(d, "date", "");
	if (cJSON_IsNumber(n) && cJSON_IsNumber(ok) && strlen(date) == 10)
		snprintf(buf, len, "%s %d/%d", date + 5, ok->valueint, n->valueint);
	else
		snprintf(buf, len, "-");
}

static int show_accounts(const cJSON *res, void *userdata)
{
	const cJSON *arr = cJSON_GetObjectItemCaseSensitive(res, "accounts"), *a;
	int flagged = 0, red = 0, youtube = 0;
	printf("%-24s %-9s %-14s %-3s %-14s %-14s %-25s %-7s %-25s %-5s %-10s %s\n", "ACCOUNT",
	       "PLATFORM", "UNIT", "ON", "LAST BDAY ok/n", "THIS BDAY ok/n", "NEXT POLL", "HEALTH",
	       "LAST OK POLL", "FAILS", "TOKEN", "FLAGS");
	cJSON_ArrayForEach(a, arr) {
		char cur[32], prev[32], flags[64] = "";
		day_cell(a, "last_business_day", prev, sizeof(prev));
		day_cell(a, "current_business_day", cur, sizeof(cur));
		if (cJSON_IsTrue(cJSON_GetObjectItemCaseSensitive(a, "below_floor"))) {
			strcat(flags, "BELOW-FLOOR ");
			flagged++;
		}
		if (cJSON_IsString(cJSON_GetObjectItemCaseSensitive(a, "crisis_until")))
			strcat(flags, "CRISIS ");
		if (!cJSON_IsTrue(cJSON_GetObjectItemCaseSensitive(a, "token")))
			strcat(flags, "no-token ");
		const cJSON *q = cJSON_GetObjectItemCaseSensitive(a, "quota");
		if (cJSON_IsString(cJSON_GetObjectItemCaseSensitive(q, "polls_deferred_until")))
			strcat(flags, "QUOTA ");
		youtube += cJSON_IsObject(q);
		const cJSON *h = cJSON_GetObjectItemCaseSensitive(a, "health");
		if (strcmp(ctl_json_str(h, "state", ""), "red") == 0)
			red++;
		printf("%-24s %-9s %-14s %-3s %-14s %-14s %-25s %-7s %-25s %-5.0f %-10s %s\n",
		       ctl_json_str(a, "id", "?"), ctl_json_str(a, "platform", "?"),
		       ctl_json_str(a, "unit", "?"),
		       cJSON_IsTrue(cJSON_GetObjectItemCaseSensitive(a, "enabled")) ? "yes" : "no",
		       prev, cur, ctl_json_str(a, "next_poll", "-"), ctl_json_str(h, "state", "-"),
		       ctl_json_str(h, "last_ok_poll", "-"),
		       ctl_json_num(h, "consecutive_failures", 0), ctl_json_str(h, "token", "-"),
		       flags);
	}
	if (youtube)
		printf("\nYouTube quota units used this Pacific day:\n");
	cJSON_ArrayForEach(a, arr) {
		const cJSON *q = cJSON_GetObjectItemCaseSensitive(a, "quota");
		if (!cJSON_IsObject(q))
			continue;
		const char *until = ctl_json_str(q, "polls_deferred_until", "");
		printf("  %-24s %s: %.0f of %.0f (polls up to %.0f)%s%s\n",
		       ctl_json_str(a, "id", "?"), ctl_json_str(q, "project", "?"),
		       ctl_json_num(q, "used", 0), ctl_json_num(q, "per_day", 0),
		       ctl_json_num(q, "poll_budget", 0), *until ? ", polls deferred until " : "",
		       until);
	}
	if (red)
		printf("\n%d account(s) red: their polls fail (see HEALTH, TOKEN).\n", red);
	if (flagged)
		printf("\n%d account(s) below the floor of %.0f polls per business day.\n", flagged,
		       ctl_json_num(res, "floor", 0));
	return CTL_EXIT_OK;
}

static int run_accounts(struct ctl_ctx *ctx, int argc, char **argv)
{
	if (argc != 1)
		return ctl_usage(&ctl_cmd_accounts);
	return ctl_api_show(ctx, "GET", "/v1/accounts", NULL, show_accounts, NULL);
}

const struct ctl_cmd ctl_cmd_accounts = {
	.name = "accounts",
	.usage = "[--json]",
	.summary = "accounts, owners, polls per business day, flags",
	.run = run_accounts,
};
