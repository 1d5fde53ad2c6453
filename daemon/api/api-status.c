/* GET /v1/status */
#include <stdio.h>

#include "api/api-handlers.h"
#include "pipeline/pipeline.h"
#include "store/fetch-store.h"
#include "util/clock.h"

static void add_time(cJSON *o, const char *key, int64_t usec)
{
	char buf[40];
	cJSON_AddStringToObject(o, key, clock_format_utc(usec, buf, sizeof(buf)));
}

void api_get_status(const struct api_env *env, const struct api_req *req, struct api_response *ret)
{
	struct store_counts c;
	int schema = 0;
	int64_t now = clock_now_usec();
	double factor = 1;

	if (store_counts(env->store, &c) || store_schema_version(env->store, &schema)) {
		ret->status = 500;
		ret->body = api_error_body(500, "store", "cannot read the store: %s",
		                           store_errmsg(env->store));
		return;
	}
	cJSON *o = cJSON_CreateObject();
	cJSON_AddStringToObject(o, "version", VAKT_VERSION);
	cJSON_AddStringToObject(o, "state", env->state);
	/* false from a start's READY until its rules' engine is built
	 * (fetched items wait for their verdict meanwhile) */
	cJSON_AddBoolToObject(o, "filters_ready", env->rules && env->rules->examples_checked);
	add_time(o, "now", now);
	cJSON_AddBoolToObject(o, "test_clock", clock_is_simulated(&factor));
	if (clock_is_manual())
		cJSON_AddStringToObject(o, "test_clock_mode", "manual");
	else if (clock_is_simulated(NULL))
		cJSON_AddNumberToObject(o, "test_clock_factor", factor);
	add_time(o, "started_at", env->started_usec);
	cJSON_AddNumberToObject(o, "uptime_seconds",
	                        (double)((now - env->started_usec) / USEC_PER_SEC));
	cJSON_AddStringToObject(o, "config_dir", env->config->dir);
	cJSON_AddNumberToObject(o, "config_generation", (double)env->config_generation);
	add_time(o, "config_loaded_at", env->config_loaded_usec);
	cJSON_AddStringToObject(o, "database", store_path(env->store));
	cJSON_AddNumberToObject(o, "schema_version", schema);
	cJSON_AddNumberToObject(o, "accounts", (double)env->config->n_accounts);
	cJSON_AddNumberToObject(o, "accounts_enabled", (double)config_count_enabled(env->config));
	cJSON_AddNumberToObject(o, "units", (double)env->config->n_units);
	cJSON_AddNumberToObject(o, "items", (double)c.items);
	cJSON_AddNumberToObject(o, "polls", (double)c.polls);
	cJSON_AddNumberToObject(o, "audit_entries", (double)c.audit_entries);
	int64_t red = 0;
	if (store_accounts_red(env->store, &red) == 0)
		cJSON_AddNumberToObject(o, "accounts_red", (double)red);
	cJSON *p = cJSON_AddObjectToObject(o, "pending");
	cJSON_AddNumberToObject(p, "review", (double)c.pending_review);
	cJSON_AddNumberToObject(p, "respond", (double)c.pending_respond);
	cJSON_AddNumberToObject(p, "escalations", (double)c.escalations_unsent);
	cJSON_AddNumberToObject(p, "actions", (double)c.actions_waiting);
	cJSON_AddNumberToObject(p, "actions_proposed", (double)c.actions_proposed);
	/* Items stored without a verdict and the pass that evaluates them
	 * (after a crash, or fetched while a start's engine was being built). */
	cJSON *b = cJSON_AddObjectToObject(o, "verdict_backlog");
	size_t evaluated = 0;
	cJSON_AddBoolToObject(b, "running",
	                      env->backlog_running &&
	                              env->backlog_running(env->backlog_arg, &evaluated));
	cJSON_AddNumberToObject(b, "waiting", (double)c.unevaluated);
	cJSON_AddNumberToObject(b, "evaluated", (double)evaluated);
	const struct catchup *cu = env->catchup;
	if (cu) {
		/* The last run of the deadline scan that took more than one
		 * slice (escalate/catchup.h); runs 0 when there was none. */
		cJSON *k = cJSON_AddObjectToObject(o, "deadline_catchup");
		cJSON_AddBoolToObject(k, "running", cu->running);
		cJSON_AddNumberToObject(k, "runs", (double)cu->runs);
		cJSON_AddNumberToObject(k, "slice", (double)cu->slice_max);
		cJSON_AddNumberToObject(k, "slice_cpu_budget_ms",
		                        (double)(cu->budget_usec / 100) / 10);
		if (cu->runs) {
			add_time(k, "started_at", cu->started_usec);
			if (!cu->running)
				add_time(k, "finished_at", cu->finished_usec);
			cJSON_AddNumberToObject(k, "clocks_due_at_start", (double)cu->due_at_start);
			cJSON_AddNumberToObject(k, "slices", (double)cu->slices);
			cJSON_AddNumberToObject(k, "transitions", (double)cu->transitions);
			cJSON_AddNumberToObject(k, "escalations", (double)cu->escalations);
			cJSON_AddNumberToObject(k, "longest_slice_ms",
			                        (double)(cu->longest_slice_usec / 100) / 10);
			cJSON_AddNumberToObject(k, "longest_slice_cpu_ms",
			                        (double)(cu->longest_slice_cpu_usec / 100) / 10);
		}
	}
	ret->status = 200;
	ret->body = o;
}
