/* vaktctl audit verify | export: the audit log's hash chain checked by the
 * daemon's worker, with progress; the log written out as JSON lines, a
 * page at a time. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "ctl/ctl-args.h"
#include "ctl/ctl.h"

#define EXPORT_PAGE 500

static const cJSON *member(const cJSON *o, const char *key)
{
	return cJSON_GetObjectItemCaseSensitive(o, key);
}

static long long num(const cJSON *o, const char *key)
{
	return (long long)ctl_json_num(o, key, 0);
}

/* Progress on one terminal line, only where someone watches it. */
static void show_progress(const cJSON *job, bool tty)
{
	if (!tty)
		return;
	long long checked = num(job, "checked"), total = num(job, "total");
	if (total == 0) { /* the worker has not read the chain's end yet */
		fprintf(stderr, "\rverifying the audit log: starting  ");
		fflush(stderr);
		return;
	}
	fprintf(stderr, "\rverifying the audit log: %lld of %lld entries (%lld%%)  ", checked,
	        total, total > 0 ? checked * 100 / total : 0);
	fflush(stderr);
}

static int show_result(struct ctl_ctx *ctx, const cJSON *job)
{
	const char *state = ctl_json_str(job, "state", "?");
	if (ctx->json)
		ctl_print_json(job);
	if (strcmp(state, "ok") == 0) {
		if (!ctx->json)
			printf("audit log intact: %lld entries verified in %.1f s (job %lld, "
			       "started by %s)\n",
			       num(job, "checked"), ctl_json_num(job, "elapsed_ms", 0) / 1000.0,
			       num(job, "id"), ctl_json_str(job, "started_by", "?"));
		return CTL_EXIT_OK;
	}
	if (strcmp(state, "broken") == 0)
		fprintf(stderr,
		        "vaktctl: audit log BROKEN: entry %lld does not verify (the %lld before it "
		        "do)\n",
		        num(job, "first_bad_seq"), num(job, "checked"));
	else if (strcmp(state, "failed") == 0)
		fprintf(stderr, "vaktctl: the verification failed: %s\n",
		        ctl_json_str(job, "error", "?"));
	else
		fprintf(stderr, "vaktctl: the verification ended %s\n", state);
	return CTL_EXIT_ERROR;
}

/* Start (or join) the daemon's verification, then wait for it with
 * status?wait=1, which answers when the job has moved on: no polling
 * interval, and the daemon's loop never waits for the walk. */
static int audit_verify(struct ctl_ctx *ctx)
{
	bool tty = !ctx->json && isatty(STDERR_FILENO);
	cJSON *res = NULL, *body = ctl_body_with_actor();
	int rc = ctl_api_call(ctx, "POST", "/v1/audit/verify", body, &res);
	cJSON_Delete(body);
	if (rc)
		return rc;
	for (;;) {
		const cJSON *job = member(res, "job");
		if (strcmp(ctl_json_str(job, "state", "?"), "running") != 0) {
			if (tty)
				fprintf(stderr, "\r%60s\r", "");
			rc = show_result(ctx, job);
			break;
		}
		show_progress(job, tty);
		cJSON_Delete(res);
		res = NULL;
		rc = ctl_api_call(ctx, "GET", "/v1/audit/verify/status?wait=1", NULL, &res);
		if (rc)
			break;
	}
	cJSON_Delete(res);
	return rc;
}

/* Numbers as integers: the API writes seq and at exactly, and the hashes
 * cover their decimal text; cJSON would print a double ("1.7e+15"). */
static int integers_exact(cJSON *o)
{
	for (cJSON *v = o ? o->child : NULL; v; v = v->next) {
		if (cJSON_IsObject(v) && integers_exact(v) < 0)
			return -1;
		if (cJSON_IsNumber(v)) {
			char buf[32];
			snprintf(buf, sizeof(buf), "%lld", (long long)v->valuedouble);
			cJSON *raw = cJSON_CreateRaw(buf);
			/* By key: the replacement takes the member's name. */
			if (!raw || !cJSON_ReplaceItemInObjectCaseSensitive(o, v->string, raw))
				return -1;
			v = raw;
		}
	}
	return 0;
}

static int audit_export(struct ctl_ctx *ctx, const char *from, const char *to)
{
	char path[160];
	long long next = from ? atoll(from) : 1, last = 0, n = 0;
	bool have_to = to != NULL;
	int rc = 0;

	if (to)
		last = atoll(to);
	while (rc == 0) {
		cJSON *res = NULL;
		if (have_to)
			snprintf(path, sizeof(path), "/v1/audit/export?from=%lld&to=%lld&limit=%d",
			         next, last, EXPORT_PAGE);
		else
			snprintf(path, sizeof(path), "/v1/audit/export?from=%lld&limit=%d", next,
			         EXPORT_PAGE);
		rc = ctl_api_call(ctx, "GET", path, NULL, &res);
		if (rc)
			break;
		/* The first page fixes the end: entries appended while the
		 * export runs belong to the next one. */
		if (!have_to) {
			last = num(res, "to");
			have_to = true;
		}
		cJSON *e;
		cJSON_ArrayForEach(e, member(res, "entries")) {
			if (integers_exact(e) < 0 || ctl_print_json(e) != CTL_EXIT_OK) {
				rc = CTL_EXIT_ERROR;
				break;
			}
			n++;
		}
		const cJSON *nx = member(res, "next");
		bool more = cJSON_IsNumber(nx);
		if (more)
			next = (long long)nx->valuedouble;
		cJSON_Delete(res);
		if (!more)
			break;
	}
	if (fflush(stdout) != 0 || ferror(stdout)) {
		perror("vaktctl: writing the export");
		rc = CTL_EXIT_ERROR;
	}
	if (rc == 0 && isatty(STDERR_FILENO))
		fprintf(stderr, "%lld entries exported\n", n);
	return rc;
}

static int run_audit(struct ctl_ctx *ctx, int argc, char **argv)
{
	const char *from = NULL, *to = NULL;

	if (argc == 2 && strcmp(argv[1], "verify") == 0)
		return audit_verify(ctx);
	if (argc < 2 || strcmp(argv[1], "export") != 0)
		return ctl_usage(&ctl_cmd_audit);
	for (int i = 2; i < argc; i++) {
		const char **slot = strcmp(argv[i], "--from") == 0 ? &from
		                    : strcmp(argv[i], "--to") == 0 ? &to
		                                                   : NULL;
		if (!slot || *slot || i + 1 >= argc || !ctl_is_number(argv[i + 1]))
			return ctl_usage(&ctl_cmd_audit);
		*slot = argv[++i];
	}
	return audit_export(ctx, from, to);
}

const struct ctl_cmd ctl_cmd_audit = {
	.name = "audit",
	.usage = "verify [--json] | export [--from ID] [--to ID]",
	.summary = "verify the audit log's hash chain (progress on a terminal), or write it out "
	           "as JSON lines",
	.run = run_audit,
};
