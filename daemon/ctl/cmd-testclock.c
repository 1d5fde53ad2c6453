/* vaktctl testclock [show] | advance DURATION | set INSTANT: the daemon's
 * simulated time.  Moving it needs vaktd --test-clock START,manual; the
 * command returns when the daemon has handled every timer that fell due. */
#include <stdio.h>
#include <string.h>

#include "ctl/ctl.h"

static const char *str_or(const cJSON *o, const char *key, const char *dflt)
{
	const cJSON *v = cJSON_GetObjectItemCaseSensitive(o, key);
	return cJSON_IsString(v) ? v->valuestring : dflt;
}

static void print_clock(const cJSON *res)
{
	const cJSON *fired = cJSON_GetObjectItemCaseSensitive(res, "fired");
	const char *mode = str_or(res, "mode", "?");

	printf("%s (%s", str_or(res, "local", str_or(res, "now", "?")),
	       strcmp(mode, "manual") == 0 ? "manual test clock"
	       : strcmp(mode, "fast") == 0 ? "sped-up test clock"
	                                   : "real time");
	if (cJSON_IsNumber(fired))
		printf("; %.0f timer%s fired", fired->valuedouble,
		       fired->valuedouble == 1 ? "" : "s");
	printf(")\n");
}

static int run_testclock(struct ctl_ctx *ctx, int argc, char **argv)
{
	cJSON *res = NULL, *body = NULL;
	int rc;

	if (argc == 1 || (argc == 2 && strcmp(argv[1], "show") == 0)) {
		rc = ctl_api_call(ctx, "GET", "/v1/testclock", NULL, &res);
	} else if (argc == 3 && (strcmp(argv[1], "advance") == 0 || strcmp(argv[1], "set") == 0)) {
		body = cJSON_CreateObject();
		if (!body || !cJSON_AddStringToObject(body, argv[1], argv[2])) {
			cJSON_Delete(body);
			fprintf(stderr, "vaktctl: out of memory\n");
			return CTL_EXIT_ERROR;
		}
		/* A simulated week fires many thousand timers; the daemon
		 * answers when it has handled them all, however long that takes
		 * on this machine. */
		ctx->timeout_sec = 3600;
		rc = ctl_api_call(ctx, "POST", "/v1/testclock", body, &res);
		cJSON_Delete(body);
	} else {
		return ctl_usage(&ctl_cmd_testclock);
	}
	if (rc)
		return rc;
	if (ctx->json)
		ctl_print_json(res);
	else
		print_clock(res);
	cJSON_Delete(res);
	return CTL_EXIT_OK;
}

const struct ctl_cmd ctl_cmd_testclock = {
	.name = "testclock",
	.usage = "[show] | advance DURATION | set INSTANT",
	.summary = "show or move the daemon's test clock (vaktd --test-clock START,manual)",
	.run = run_testclock,
};
