/* Per-rule counters: JSON for the API and carrying them across a reload. */
#include <string.h>

#include "filter/engine.h"
#include "util/clock.h"

cJSON *filter_engine_stats_to_json(const struct filter_engine *e)
{
	cJSON *arr = cJSON_CreateArray();
	char when[32];

	for (size_t i = 0; arr && i < filter_engine_rule_count(e); i++) {
		const struct filter_rule *r = filter_engine_rule(e, i);
		const struct filter_rule_stats *st = filter_engine_rule_stats(e, i);
		cJSON *o = cJSON_CreateObject();
		if (!o) {
			cJSON_Delete(arr);
			return NULL;
		}
		cJSON_AddStringToObject(o, "rule", r->id);
		cJSON_AddStringToObject(o, "file", r->file);
		cJSON_AddNumberToObject(o, "line", r->line);
		cJSON_AddStringToObject(o, "mode",
		                        r->mode == FILTER_MODE_SHADOW ? "shadow" : "active");
		cJSON_AddNumberToObject(o, "runs", (double)st->runs);
		cJSON_AddNumberToObject(o, "hits", (double)st->hits);
		if (st->last_hit)
			cJSON_AddStringToObject(o, "last_hit",
			                        clock_format_utc((int64_t)st->last_hit *
			                                                 USEC_PER_SEC,
			                                         when, sizeof(when)));
		else
			cJSON_AddNullToObject(o, "last_hit");
		cJSON_AddNumberToObject(o, "match_ns", (double)st->match_ns);
		cJSON_AddNumberToObject(o, "limit_hits", (double)st->limit_hits);
		cJSON_AddNumberToObject(o, "errors", (double)st->errors);
		cJSON_AddBoolToObject(o, "disabled", st->disabled);
		cJSON_AddBoolToObject(o, "always_run", filter_engine_rule_always(e, i));
		cJSON_AddItemToArray(arr, o);
	}
	return arr;
}
