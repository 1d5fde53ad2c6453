/* vaktctl item ID [--evaluate], vaktctl feedback VERDICT RULE tp|fp. */
#include <stdio.h>
#include <string.h>

#include "ctl/ctl-args.h"
#include "ctl/ctl.h"

static int show_item(const cJSON *res, void *userdata)
{
	char **argv = userdata;
	const cJSON *v = cJSON_GetObjectItemCaseSensitive(res, "verdict");
	printf("item %s: %s %s on %s, published %s, %s on the platform, %s, %.0f version(s)\n",
	       argv[1], ctl_json_str(res, "kind", "-"), ctl_json_str(res, "platform_id", "-"),
	       ctl_json_str(res, "account", "-"), ctl_json_str(res, "published_at", "-"),
	       ctl_json_str(res, "platform_state", "-"), ctl_json_str(res, "state", "-"),
	       ctl_json_num(res, "versions", 0));
	if (cJSON_IsObject(v)) {
		printf("verdict %.0f: tier %s, categories [%s], rules [%s], actions [%s]\n",
		       ctl_json_num(v, "id", 0), ctl_json_str(v, "tier", "-"),
		       ctl_json_str(v, "categories", "-"), ctl_json_str(v, "rules", "-"),
		       ctl_json_str(v, "actions", "-"));
		printf("text (personal data masked): %s\n", ctl_json_str(v, "text", "-"));
	} else {
		printf("not evaluated yet\n");
	}
	const cJSON *c;
	cJSON_ArrayForEach(c, cJSON_GetObjectItemCaseSensitive(res, "deadlines")) {
		printf("clock %.0f: %s %s, due %s\n", ctl_json_num(c, "deadline", 0),
		       ctl_json_str(c, "kind", "-"), ctl_json_str(c, "state", "-"),
		       ctl_json_str(c, "due_at", "-"));
	}
	return CTL_EXIT_OK;
}

static int run_item(struct ctl_ctx *ctx, int argc, char **argv)
{
	char path[128];
	cJSON *res = NULL;
	int rc;

	if (argc < 2 || argc > 3 || !ctl_is_number(argv[1]) ||
	    (argc == 3 && strcmp(argv[2], "--evaluate") != 0))
		return ctl_usage(&ctl_cmd_item);
	if (argc == 3) {
		cJSON *body = ctl_body_with_actor();
		snprintf(path, sizeof(path), "/v1/items/%s/evaluate", argv[1]);
		/* The evaluation's answer is not shown: the item, next, is. */
		rc = ctl_api_call(ctx, "POST", path, body, &res);
		cJSON_Delete(body);
		cJSON_Delete(res);
		if (rc)
			return rc;
	}
	snprintf(path, sizeof(path), "/v1/items/%s", argv[1]);
	return ctl_api_show(ctx, "GET", path, NULL, show_item, argv);
}

const struct ctl_cmd ctl_cmd_item = {
	.name = "item",
	.usage = "ID [--evaluate] [--json]",
	.summary = "an item, its latest verdict (masked) and clocks; --evaluate filters it again",
	.run = run_item,
};

static int show_feedback(const cJSON *res, void *userdata)
{
	char **argv = userdata;
	printf("verdict %s, rule %s: %s recorded\n", argv[1], argv[2],
	       ctl_json_str(res, "judgement", "-"));
	return CTL_EXIT_OK;
}

static int run_feedback(struct ctl_ctx *ctx, int argc, char **argv)
{
	char path[128];
	if (argc != 4 || !ctl_is_number(argv[1]) || !ctl_is_ident(argv[2]) ||
	    (strcmp(argv[3], "tp") != 0 && strcmp(argv[3], "fp") != 0))
		return ctl_usage(&ctl_cmd_feedback);
	cJSON *body = ctl_body_with_actor();
	cJSON_AddStringToObject(body, "rule", argv[2]);
	cJSON_AddStringToObject(body, "judgement",
	                        strcmp(argv[3], "tp") == 0 ? "true_positive" : "false_positive");
	snprintf(path, sizeof(path), "/v1/verdicts/%s/feedback", argv[1]);
	int rc = ctl_api_show(ctx, "POST", path, body, show_feedback, argv);
	cJSON_Delete(body);
	return rc;
}

const struct ctl_cmd ctl_cmd_feedback = {
	.name = "feedback",
	.usage = "VERDICT RULE tp|fp",
	.summary = "a moderator's judgement of a rule's hit (true or false positive)",
	.run = run_feedback,
};
