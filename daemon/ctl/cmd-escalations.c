/* vaktctl escalations [--pending], ack ID, oncall [show|take|set], and
 * test-route ACCOUNT: the escalation outbox (docs/escalation.md). */
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

static void show_one(const cJSON *e)
{
	const char *state = str(e, "acknowledged_at")[0] ? "acknowledged"
	                    : str(e, "cancelled_at")[0]  ? "cancelled"
	                                                 : "open";
	printf("%-5.0f %-8s %-12s item %-6.0f count %-3.0f step %.0f/%.0f  %s%s%s\n",
	       ctl_json_num(e, "id", 0), str(e, "kind"), str(e, "account"),
	       ctl_json_num(e, "item", 0), ctl_json_num(e, "count", 1), ctl_json_num(e, "level", 0),
	       ctl_json_num(e, "round", 0), state, str(e, "acknowledged_by")[0] ? " by " : "",
	       str(e, "acknowledged_by"));
	const cJSON *d;
	cJSON_ArrayForEach(d, cJSON_GetObjectItemCaseSensitive(e, "deliveries"))
		printf("      → %-32s %-9s %-9s attempts %.0f%s%s\n", str(d, "recipient"),
		       str(d, "role"), str(d, "state"), ctl_json_num(d, "attempts", 0),
		       str(d, "last_error")[0] ? "  " : "", str(d, "last_error"));
}

static int show_list(const cJSON *res, void *userdata)
{
	(void)userdata;
	const cJSON *e;
	cJSON_ArrayForEach(e, cJSON_GetObjectItemCaseSensitive(res, "escalations"))
		show_one(e);
	if (ctl_json_num(res, "given_up", 0) > 0)
		printf("WARNING: %.0f deliveries were given up\n",
		       ctl_json_num(res, "given_up", 0));
	return CTL_EXIT_OK;
}

static int show_single(const cJSON *res, void *userdata)
{
	(void)userdata;
	show_one(res);
	return CTL_EXIT_OK;
}

static int run_escalations(struct ctl_ctx *ctx, int argc, char **argv)
{
	if (argc > 2 || (argc == 2 && strcmp(argv[1], "--pending") != 0))
		return ctl_usage(&ctl_cmd_escalations);
	return ctl_api_show(ctx, "GET", argc == 2 ? "/v1/escalations?pending=1" : "/v1/escalations",
	                    NULL, show_list, NULL);
}

static int run_ack(struct ctl_ctx *ctx, int argc, char **argv)
{
	char path[64];
	char *end;
	if (argc != 2 || strtoll(argv[1], &end, 10) <= 0 || *end)
		return ctl_usage(&ctl_cmd_ack);
	snprintf(path, sizeof(path), "/v1/escalations/%s/ack", argv[1]);
	cJSON *body = ctl_body_with_actor();
	int rc = ctl_api_show(ctx, "POST", path, body, show_single, NULL);
	cJSON_Delete(body);
	return rc;
}

static int show_oncall(const cJSON *res, void *userdata)
{
	(void)userdata;
	if (str(res, "oncall")[0])
		printf("on call: %s (%s)%s%s\n", str(res, "oncall"), str(res, "source"),
		       str(res, "until")[0] ? " until " : "", str(res, "until"));
	else
		printf("on call: nobody (%s%s%s)\n", str(res, "source"),
		       str(res, "fallback")[0] ? ": " : "", str(res, "fallback"));
	return CTL_EXIT_OK;
}

/* oncall [show] | take RECIPIENT [DURATION] | set RECIPIENT FROM UNTIL */
static int run_oncall(struct ctl_ctx *ctx, int argc, char **argv)
{
	if (argc == 1 || (argc == 2 && strcmp(argv[1], "show") == 0))
		return ctl_api_show(ctx, "GET", "/v1/oncall", NULL, show_oncall, NULL);
	cJSON *body = NULL;
	if (strcmp(argv[1], "take") == 0 && (argc == 3 || argc == 4)) {
		body = ctl_body_with_actor();
		cJSON_AddStringToObject(body, "recipient", argv[2]);
		if (argc == 4)
			cJSON_AddStringToObject(body, "duration", argv[3]);
	} else if (strcmp(argv[1], "set") == 0 && argc == 5) {
		body = ctl_body_with_actor();
		cJSON_AddStringToObject(body, "recipient", argv[2]);
		cJSON_AddStringToObject(body, "from", argv[3]);
		cJSON_AddStringToObject(body, "until", argv[4]);
	} else {
		return ctl_usage(&ctl_cmd_oncall);
	}
	int rc = ctl_api_show(ctx, "POST", "/v1/oncall", body, show_oncall, NULL);
	cJSON_Delete(body);
	return rc;
}

static int run_test_route(struct ctl_ctx *ctx, int argc, char **argv)
{
	char path[256];
	if (argc != 2 || !ctl_is_ident(argv[1]))
		return ctl_usage(&ctl_cmd_test_route);
	snprintf(path, sizeof(path), "/v1/accounts/%s/test-route", argv[1]);
	return ctl_api_show(ctx, "POST", path, NULL, show_single, NULL);
}

const struct ctl_cmd ctl_cmd_escalations = {
	.name = "escalations",
	.usage = "[--pending] [--json]",
	.summary = "list escalations and their deliveries (--pending: open ones only)",
	.run = run_escalations,
};

const struct ctl_cmd ctl_cmd_ack = {
	.name = "ack",
	.usage = "ID",
	.summary = "acknowledge an escalation: no more repeats or steps (audited)",
	.run = run_ack,
};

const struct ctl_cmd ctl_cmd_oncall = {
	.name = "oncall",
	.usage = "[show] | take RECIPIENT [DURATION] | set RECIPIENT FROM UNTIL",
	.summary = "who is on call; take over (default 12h) or set a shift (audited)",
	.run = run_oncall,
};

const struct ctl_cmd ctl_cmd_test_route = {
	.name = "test-route",
	.usage = "ACCOUNT",
	.summary = "send a test message to every recipient of every route of an account",
	.run = run_test_route,
};
