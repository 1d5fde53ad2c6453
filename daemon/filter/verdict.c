/* Verdicts: ownership, JSON and the one-line summary. */
#include "filter/verdict.h"

#include <stdbool.h>
#include <stdlib.h>
#include <string.h>

void filter_verdict_free(struct filter_verdict *v)
{
	if (!v)
		return;
	for (size_t i = 0; i < v->nhits; i++) {
		free(v->hits[i].rule);
		free(v->hits[i].title);
		free(v->hits[i].statute);
		free(v->hits[i].spans);
	}
	free(v->hits);
	for (size_t i = 0; i < v->nerrors; i++) {
		free(v->errors[i].rule);
		free(v->errors[i].msg);
	}
	free(v->errors);
	free(v->text);
	free(v);
}

bool filter_verdict_has_rule(const struct filter_verdict *v, const char *id)
{
	for (size_t i = 0; i < v->nhits; i++)
		if (strcmp(v->hits[i].rule, id) == 0)
			return 1;
	return 0;
}

size_t filter_verdict_active_hits(const struct filter_verdict *v)
{
	size_t n = 0;
	for (size_t i = 0; i < v->nhits; i++)
		n += !v->hits[i].shadow;
	return n;
}

static cJSON *actions_json(unsigned acts)
{
	cJSON *a = cJSON_CreateArray();
	for (unsigned b = 0; a && b < FILTER_ACT_COUNT; b++)
		if (acts & (1u << b))
			cJSON_AddItemToArray(a, cJSON_CreateString(filter_action_name(1u << b)));
	return a;
}

void filter_hit_add_spans(cJSON *o, const struct filter_hit *h)
{
	cJSON *spans = cJSON_AddArrayToObject(o, "spans");
	for (size_t k = 0; spans && k < h->nspans; k++) {
		cJSON *sp = cJSON_CreateArray();
		cJSON_AddItemToArray(sp, cJSON_CreateNumber((double)h->spans[k].start));
		cJSON_AddItemToArray(sp, cJSON_CreateNumber((double)h->spans[k].end));
		cJSON_AddItemToArray(spans, sp);
	}
}

cJSON *filter_verdict_to_json(const struct filter_verdict *v)
{
	cJSON *o = cJSON_CreateObject();
	cJSON *cats, *rules, *shadow, *hits, *errs;

	if (!o)
		return NULL;
	cJSON_AddBoolToObject(o, "match", filter_verdict_active_hits(v) > 0);
	cJSON_AddStringToObject(o, "tier", filter_tier_name(v->tier));
	cJSON_AddNumberToObject(o, "severity", v->severity);
	cats = cJSON_AddArrayToObject(o, "categories");
	for (int c = 0; cats && c < FILTER_CAT_COUNT; c++)
		if (v->categories & (1u << c))
			cJSON_AddItemToArray(cats, cJSON_CreateString(filter_category_name(c)));
	cJSON_AddItemToObject(o, "actions", actions_json(v->actions));
	rules = cJSON_AddArrayToObject(o, "rules");
	shadow = cJSON_AddArrayToObject(o, "shadow");
	hits = cJSON_AddArrayToObject(o, "hits");
	for (size_t i = 0; i < v->nhits; i++) {
		const struct filter_hit *h = &v->hits[i];
		cJSON_AddItemToArray(h->shadow ? shadow : rules, cJSON_CreateString(h->rule));
		cJSON *ho = cJSON_CreateObject();
		if (!ho)
			continue;
		cJSON_AddStringToObject(ho, "rule", h->rule);
		cJSON_AddStringToObject(ho, "title", h->title);
		cJSON_AddStringToObject(ho, "statute", h->statute);
		cJSON_AddStringToObject(ho, "category", filter_category_name(h->category));
		cJSON_AddStringToObject(ho, "tier", filter_tier_name(h->tier));
		cJSON_AddNumberToObject(ho, "severity", h->severity);
		cJSON_AddItemToObject(ho, "actions", actions_json(h->actions));
		cJSON_AddBoolToObject(ho, "shadow", h->shadow);
		filter_hit_add_spans(ho, h);
		cJSON_AddItemToArray(hits, ho);
	}
	errs = cJSON_AddArrayToObject(o, "errors");
	for (size_t i = 0; errs && i < v->nerrors; i++) {
		cJSON *eo = cJSON_CreateObject();
		cJSON_AddStringToObject(eo, "rule", v->errors[i].rule);
		cJSON_AddStringToObject(eo, "error", v->errors[i].msg);
		cJSON_AddItemToArray(errs, eo);
	}
	cJSON_AddBoolToObject(o, "truncated", v->truncated);
	cJSON_AddNumberToObject(o, "length", (double)v->input_len);
	cJSON_AddNumberToObject(o, "scanned", (double)v->scanned);
	cJSON_AddNumberToObject(o, "masked", (double)v->nmasked);
	cJSON_AddStringToObject(o, "text", v->text ? v->text : "");
	return o;
}

int filter_verdict_summary(const struct filter_verdict *v, struct strbuf *out)
{
	int r = 0;
	const char *sep;

	if (filter_verdict_active_hits(v) == 0) {
		r |= strbuf_adds(out, "none");
	} else {
		r |= strbuf_addf(out, "%s sev=%d ", filter_tier_name(v->tier), v->severity);
		sep = "";
		for (int c = 0; c < FILTER_CAT_COUNT; c++)
			if (v->categories & (1u << c)) {
				r |= strbuf_addf(out, "%s%s", sep, filter_category_name(c));
				sep = ",";
			}
		r |= strbuf_adds(out, " actions=");
		sep = "";
		for (unsigned b = 0; b < FILTER_ACT_COUNT; b++)
			if (v->actions & (1u << b)) {
				r |= strbuf_addf(out, "%s%s", sep, filter_action_name(1u << b));
				sep = ",";
			}
		r |= strbuf_adds(out, " rules=");
		sep = "";
		for (size_t i = 0; i < v->nhits; i++)
			if (!v->hits[i].shadow) {
				r |= strbuf_addf(out, "%s%s", sep, v->hits[i].rule);
				sep = ",";
			}
	}
	sep = " shadow=";
	for (size_t i = 0; i < v->nhits; i++)
		if (v->hits[i].shadow) {
			r |= strbuf_addf(out, "%s%s", sep, v->hits[i].rule);
			sep = ",";
		}
	sep = " errors=";
	for (size_t i = 0; i < v->nerrors; i++) {
		r |= strbuf_addf(out, "%s%s(%s)", sep, v->errors[i].rule, v->errors[i].msg);
		sep = ",";
	}
	if (v->truncated)
		r |= strbuf_addf(out, " truncated=%zu/%zu", v->scanned, v->input_len);
	r |= strbuf_addf(out, " | %s", v->text ? v->text : "");
	return r < 0 ? -1 : 0;
}
