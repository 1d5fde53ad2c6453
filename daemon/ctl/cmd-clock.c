/* vaktctl clock: decisions on deadline clocks.
 *   clock start ITEM respond|review_obvious|review_possible
 *   clock pause|resume|met|cancel DEADLINE */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "ctl/ctl-args.h"
#include "ctl/ctl.h"

/* The person behind the decision, for the audit log. */
cJSON *ctl_body_with_actor(void)
{
	const char *who = getenv("SUDO_USER") ? getenv("SUDO_USER") : getenv("USER");
	cJSON *body = cJSON_CreateObject();
	if (body && who && *who)
		cJSON_AddStringToObject(body, "by", who);
	return body;
}

static int show_clock(const cJSON *res, void *userdata)
{
	printf("clock %.0f on item %.0f: %s %s, due %s\n", ctl_json_num(res, "deadline", 0),
	       ctl_json_num(res, "item", 0), ctl_json_str(res, "kind", "-"),
	       ctl_json_str(res, "state", "-"), ctl_json_str(res, "due_at", "-"));
	return CTL_EXIT_OK;
}

static int run_clock(struct ctl_ctx *ctx, int argc, char **argv)
{
	char path[256];
	cJSON *body;
	int rc;

	if (argc < 3 || !ctl_is_number(argv[2]))
		return ctl_usage(&ctl_cmd_clock);
	body = ctl_body_with_actor();
	if (strcmp(argv[1], "start") == 0 && argc == 4) {
		snprintf(path, sizeof(path), "/v1/items/%s/deadlines", argv[2]);
		cJSON_AddStringToObject(body, "kind", argv[3]);
	} else if (argc == 3 && (strcmp(argv[1], "pause") == 0 || strcmp(argv[1], "resume") == 0 ||
	                         strcmp(argv[1], "met") == 0 || strcmp(argv[1], "cancel") == 0)) {
		snprintf(path, sizeof(path), "/v1/deadlines/%s/%s", argv[2], argv[1]);
	} else {
		cJSON_Delete(body);
		return ctl_usage(&ctl_cmd_clock);
	}
	rc = ctl_api_show(ctx, "POST", path, body, show_clock, NULL);
	cJSON_Delete(body);
	return rc;
}

const struct ctl_cmd ctl_cmd_clock = {
	.name = "clock",
	.usage = "start ITEM KIND | pause|resume|met|cancel CLOCK",
	.summary = "start, pause, resume or stop a deadline clock",
	.run = run_clock,
};

static int show_case_closed(const cJSON *res, void *userdata)
{
	char **argv = userdata;
	printf("case on item %s closed\n", argv[2]);
	return CTL_EXIT_OK;
}

/* vaktctl case open|close ITEM, case demand ITEM [WHEN]: the formal case of
 * förvaltningslagen 11 and 12 §. */
static int run_case(struct ctl_ctx *ctx, int argc, char **argv)
{
	char path[256];
	cJSON *body;
	const char *method = "POST";
	int rc;

	if (argc < 3 || !ctl_is_number(argv[2]))
		return ctl_usage(&ctl_cmd_case);
	body = ctl_body_with_actor();
	if (strcmp(argv[1], "open") == 0 && argc == 3) {
		snprintf(path, sizeof(path), "/v1/items/%s/case", argv[2]);
	} else if (strcmp(argv[1], "close") == 0 && argc == 3) {
		snprintf(path, sizeof(path), "/v1/items/%s/case", argv[2]);
		method = "DELETE";
	} else if (strcmp(argv[1], "demand") == 0 && (argc == 3 || argc == 4)) {
		snprintf(path, sizeof(path), "/v1/items/%s/case/demand", argv[2]);
		if (argc == 4)
			cJSON_AddStringToObject(body, "at", argv[3]);
	} else {
		cJSON_Delete(body);
		return ctl_usage(&ctl_cmd_case);
	}
	rc = ctl_api_show(ctx, method, path, body,
	                  strcmp(method, "DELETE") == 0 ? show_case_closed : show_clock, argv);
	cJSON_Delete(body);
	return rc;
}

const struct ctl_cmd ctl_cmd_case = {
	.name = "case",
	.usage = "open ITEM | demand ITEM [WHEN] | close ITEM",
	.summary = "formal case deadlines (förvaltningslagen 11 and 12 §)",
	.run = run_case,
};
