/* vaktctl poll ACCOUNT|--all: poll now, wait until the polls end, print
 * what they found.  The daemon answers the request at once; vaktctl asks
 * for each poll until it has ended, so the daemon never waits. */
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "ctl/ctl-args.h"
#include "ctl/ctl.h"

#define POLL_WAIT_MAX_SEC 900 /* a poll times out in the daemon long before */

static void print_items(const cJSON *poll)
{
	const cJSON *it;
	cJSON_ArrayForEach(it, cJSON_GetObjectItemCaseSensitive(poll, "items")) {
		const cJSON *cat = cJSON_GetObjectItemCaseSensitive(it, "categories");
		printf("  item %-8.0f %-8s %-30s %-25s %s\n", ctl_json_num(it, "id", 0),
		       ctl_json_str(it, "kind", "?"), ctl_json_str(it, "platform_id", "?"),
		       ctl_json_str(it, "published_at", "-"),
		       cJSON_IsString(cat) ? (*cat->valuestring ? cat->valuestring : "clean")
		                           : "not evaluated");
	}
}

/* Ask for the poll until it has ended; 0 and *ret (caller frees). */
static int wait_poll(struct ctl_ctx *ctx, double id, cJSON **ret)
{
	char path[64];
	snprintf(path, sizeof(path), "/v1/polls/%.0f", id);
	for (int i = 0; i < POLL_WAIT_MAX_SEC * 10; i++) {
		cJSON *p = NULL;
		int r = ctl_api_call(ctx, "GET", path, NULL, &p);
		if (r)
			return r;
		if (!cJSON_IsTrue(cJSON_GetObjectItemCaseSensitive(p, "running"))) {
			*ret = p;
			return 0;
		}
		cJSON_Delete(p);
		nanosleep(&(struct timespec){ 0, 100 * 1000 * 1000 }, NULL);
	}
	fprintf(stderr, "vaktctl: poll %.0f has not ended after %d s\n", id, POLL_WAIT_MAX_SEC);
	return CTL_EXIT_ERROR;
}

static int run_poll(struct ctl_ctx *ctx, int argc, char **argv)
{
	char path[256];
	if (argc != 2)
		return ctl_usage(&ctl_cmd_poll);
	if (strcmp(argv[1], "--all") == 0)
		snprintf(path, sizeof(path), "/v1/poll");
	else if (ctl_is_ident(argv[1]))
		snprintf(path, sizeof(path), "/v1/accounts/%s/poll", argv[1]);
	else
		return ctl_usage(&ctl_cmd_poll);

	cJSON *body = ctl_body_with_actor(), *started = NULL;
	int rc = ctl_api_call(ctx, "POST", path, body, &started);
	cJSON_Delete(body);
	if (rc)
		return rc;
	cJSON *out = cJSON_CreateObject(), *arr = cJSON_AddArrayToObject(out, "polls");
	const cJSON *s;
	cJSON_ArrayForEach(s, cJSON_GetObjectItemCaseSensitive(started, "polls")) {
		const cJSON *id = cJSON_GetObjectItemCaseSensitive(s, "poll");
		const char *account = ctl_json_str(s, "account", "?");
		cJSON *p = NULL;
		if (!cJSON_IsNumber(id)) {
			rc = CTL_EXIT_ERROR;
			if (!ctx->json)
				printf("%s: not polled: %s\n", account,
				       ctl_json_str(s, "error", "?"));
			cJSON_AddItemToArray(arr, cJSON_Duplicate(s, 1));
			continue;
		}
		int r = wait_poll(ctx, id->valuedouble, &p);
		if (r) {
			rc = r;
			continue;
		}
		const char *result = ctl_json_str(p, "result", "?");
		if (strcmp(result, "ok") != 0)
			rc = CTL_EXIT_ERROR;
		if (!ctx->json) {
			printf("%s: poll %.0f %s, %.0f new, %.0f changed", account, id->valuedouble,
			       result, ctl_json_num(p, "items_new", 0),
			       ctl_json_num(p, "items_updated", 0));
			const char *err = ctl_json_str(p, "error", NULL);
			printf("%s%s\n", err ? ": " : "", err ? err : "");
			print_items(p);
		}
		cJSON_AddItemToArray(arr, p);
	}
	if (ctx->json && ctl_print_json(out) != CTL_EXIT_OK)
		rc = CTL_EXIT_ERROR;
	cJSON_Delete(out);
	cJSON_Delete(started);
	return rc;
}

const struct ctl_cmd ctl_cmd_poll = {
	.name = "poll",
	.usage = "ACCOUNT|--all [--json]",
	.summary = "poll now (audited), wait for the polls, print what they found",
	.run = run_poll,
};
