/* Memory of the parsed rules and of a prefilter plan (see memacct.h). */
#include "filter/memacct.h"

#include <string.h>

#include "filter/prefcache.h"

static size_t str_bytes(const char *s)
{
	return s ? strlen(s) + 1 : 0;
}

static size_t patterns_bytes(const struct filter_pattern *v, size_t n)
{
	size_t b = n * sizeof(*v);
	for (size_t i = 0; i < n; i++)
		b += str_bytes(v[i].src);
	return b;
}

static size_t examples_bytes(const struct filter_example *v, size_t n)
{
	size_t b = n * sizeof(*v);
	for (size_t i = 0; i < n; i++)
		b += str_bytes(v[i].text);
	return b;
}

size_t filter_ruleset_memory(const struct filter_ruleset *rs)
{
	size_t b = rs->cap * sizeof(*rs->v);
	for (size_t i = 0; i < rs->n; i++) {
		const struct filter_rule *r = &rs->v[i];
		b += str_bytes(r->id) + str_bytes(r->file) + str_bytes(r->title) +
		     str_bytes(r->statute);
		b += patterns_bytes(r->patterns, r->npatterns);
		b += patterns_bytes(r->excepts, r->nexcepts);
		b += r->nvalidators * sizeof(*r->validators);
		b += examples_bytes(r->matches, r->nmatches);
		b += examples_bytes(r->nomatches, r->nnomatches);
	}
	return b;
}

size_t prefilter_plan_memory(const struct prefilter_plan *p)
{
	if (!p)
		return 0;
	size_t b = sizeof(*p);
	b += p->nslots * (sizeof(*p->slot) + sizeof(*p->src) + sizeof(*p->tag));
	if (p->fan_off) /* build_fanout() (engine.c) */
		b += (p->nsets + 2) * sizeof(*p->fan_off) + p->nslots * sizeof(*p->fan);
	return b;
}
