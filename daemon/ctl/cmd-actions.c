/* vaktctl action ITEM KIND [--reason TEXT] and actions [--pending]
 * [--item ID]: moderation actions (docs/vaktctl.md, docs/connectors.md
 * "Actions").  The daemon carries them out; vaktctl only queues. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "ctl/ctl-args.h"
#include "ctl/ctl.h"

static const char *str(const cJSON *o, const char *k)
{
	const cJSON *v = cJSON_GetObjectItemCaseSensitive(o, k);
	return cJSON_IsString(v) ? v->valuestring : "";
}

static void show_one(const cJSON *a)
{
	printf("%-5.0f item %-6.0f %-12s %-7s %-11s by %s  attempts %.0f%s%s%s%s\n",
	       ctl_json_num(a, "id", 0), ctl_json_num(a, "item", 0), str(a, "account"),
	       str(a, "kind"), str(a, "state"), str(a, "requested_by"),
	       ctl_json_num(a, "attempts", 0), str(a, "answer")[0] ? "  answer " : "",
	       str(a, "answer"), str(a, "error")[0] ? "  " : "", str(a, "error"));
	if (str(a, "reason")[0])
		printf("      reason: %s\n", str(a, "reason"));
}

static int show_list(const cJSON *res, void *userdata)
{
	(void)userdata;
	const cJSON *a;
	cJSON_ArrayForEach(a, cJSON_GetObjectItemCaseSensitive(res, "actions"))
		show_one(a);
	return CTL_EXIT_OK;
}

static int show_single(const cJSON *res, void *userdata)
{
	(void)userdata;
	show_one(res);
	return CTL_EXIT_OK;
}

static bool is_id(const char *s)
{
	char *end;
	return strtoll(s, &end, 10) > 0 && !*end;
}

static int run_actions(struct ctl_ctx *ctx, int argc, char **argv)
{
	bool pending = false;
	const char *item = NULL;
	for (int i = 1; i < argc; i++) {
		if (strcmp(argv[i], "--pending") == 0)
			pending = true;
		else if (strcmp(argv[i], "--item") == 0 && i + 1 < argc && is_id(argv[i + 1]))
			item = argv[++i];
		else
			return ctl_usage(&ctl_cmd_actions);
	}
	char path[96];
	snprintf(path, sizeof(path), "/v1/actions?pending=%d%s%s", pending ? 1 : 0,
	         item ? "&item=" : "", item ? item : "");
	return ctl_api_show(ctx, "GET", path, NULL, show_list, NULL);
}

static int run_action(struct ctl_ctx *ctx, int argc, char **argv)
{
	static const char *const kinds[] = { "hide", "unhide", "delete", "report", "block" };
	const char *reason = NULL;
	if (argc == 5 && strcmp(argv[3], "--reason") == 0)
		reason = argv[4];
	else if (argc != 3)
		return ctl_usage(&ctl_cmd_action);
	bool known = false;
	for (size_t i = 0; i < sizeof(kinds) / sizeof(*kinds); i++)
		known |= strcmp(argv[2], kinds[i]) == 0;
	if (!is_id(argv[1]) || !known)
		return ctl_usage(&ctl_cmd_action);
	char path[64];
	snprintf(path, sizeof(path), "/v1/items/%s/actions", argv[1]);
	cJSON *body = ctl_body_with_actor();
	cJSON_AddStringToObject(body, "action", argv[2]);
	if (reason)
		cJSON_AddStringToObject(body, "reason", reason);
	int rc = ctl_api_show(ctx, "POST", path, body, show_single, NULL);
	cJSON_Delete(body);
	return rc;
}

const struct ctl_cmd ctl_cmd_actions = {
	.name = "actions",
	.usage = "[--pending] [--item ID] [--json]",
	.summary = "list moderation actions (--pending: proposed, queued or running)",
	.run = run_actions,
};

const struct ctl_cmd ctl_cmd_action = {
	.name = "action",
	.usage = "ITEM hide|unhide|delete|report|block [--reason TEXT]",
	.summary = "decide an action on an item; vaktd carries it out (audited)",
	.run = run_action,
};
