/* The shipped rules whose patterns were bounded for long texts (issue 9)
 * run in windows around their literals on a long text, never over the
 * whole of it (docs/filter.md, "Long texts"), and find there what a run
 * over the whole text finds.
 *
 * The filler is made of what defeated their windows before: "har " and
 * "är " (the window sets their relaxed prefixes chose) and "(" (in the
 * set of any.contact.email-obfuscated's prefix) hundreds of times, so a
 * pattern windowed around those sets would run whole; the spaced-letter
 * e-mail pattern of any.contact.spaced-forms had no window at all.  The
 * counters are runs, not time. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cjson/cJSON.h>

#include "t.h"
#include "filter/engine.h"
#include "filter/rules.h"
#include "filter/verdict.h"
#include "util/clock.h"

#define RULES_DIR SRCDIR "/filters"

/* The rules bounded for long texts and a phrase each of them matches. */
static const struct {
	const char *rule, *phrase;
} bounded[] = {
	{ "any.contact.spaced-forms", "adressen är k a r i n@e x e m p e l . s e" },
	{ "any.health.named-person", "Erik har adhd sedan i våras" },
	{ "any.sensitive.religion-ethnicity", "min granne är ju faktiskt muslim" },
	{ "any.sensitive.sexual-orientation", "min bror är tydligen bög" },
	{ "any.contact.email-obfuscated", "skriv till anna (at) exempel (punkt) se" },
};
#define NBOUNDED (sizeof(bounded) / sizeof(bounded[0]))

static struct filter_engine *shipped_engine(void)
{
	struct filter_ruleset rs = { 0 };
	struct diag_list errs = { 0 }, warns = { 0 };
	struct filter_options o;
	struct filter_engine *e = NULL;
	filter_options_default(&o);
	if (rules_load_dir(RULES_DIR, clock_now(), &rs, &errs, &warns) != 0) {
		diag_print(&errs, stdout);
		filter_ruleset_clear(&rs);
	} else if (filter_engine_new(&rs, &o, &e) < 0) {
		e = NULL;
	}
	diag_list_clear(&errs);
	diag_list_clear(&warns);
	return e;
}

/* About 60 KB of filler with the phrases spread through it. */
static char *long_text(size_t *ret_len)
{
	static const char *const filler[] = {
		"Vi har pratat om parken (igen) och det är bra.",
		"Bussen har gått sent (som vanligt) men det är ändå okej.",
		"Biblioteket (det nya) har öppet i kväll och det är fint.",
		"Skolan har fått nya bänkar (äntligen) och det är skönt.",
	};
	const size_t cap = 64 * 1024;
	char *s = malloc(cap);
	size_t n = 0, k = 0;
	if (!s)
		return NULL;
	for (size_t line = 0; n + 200 < cap - 2048; line++) {
		const char *f = filler[line % 4];
		if (line % 200 == 100 && k < NBOUNDED)
			f = bounded[k++].phrase;
		n += (size_t)snprintf(s + n, cap - n, "%s ", f);
	}
	*ret_len = n;
	return s;
}

static void test_bounded_rules_run_in_windows_on_long_text(void)
{
	struct filter_engine *e = shipped_engine();
	size_t len = 0;
	char *text = long_text(&len);
	T_ASSERT(e != NULL && text != NULL);
	if (!e || !text)
		goto out;
	T_ASSERT(len > 60000);
	struct filter_verdict *v = NULL, *w = NULL;
	T_EQ_INT(0, filter_engine_scan(e, text, len, 0, &v));
	for (size_t k = 0; k < NBOUNDED; k++) {
		long i = filter_engine_rule_index(e, bounded[k].rule);
		T_ASSERT(i >= 0);
		if (i < 0)
			continue;
		int hit = 0;
		for (size_t h = 0; v && h < v->nhits; h++)
			hit |= strcmp(v->hits[h].rule, bounded[k].rule) == 0;
		if (!hit)
			printf("# %s: no hit\n", bounded[k].rule);
		T_ASSERT(hit);
		/* its patterns (and excepts) ran in windows, none whole */
		const struct filter_rule_stats *st = filter_engine_rule_stats(e, (size_t)i);
		if (st->long_whole || !st->long_windowed)
			printf("# %s: %llu runs in windows, %llu over the whole text\n",
			       bounded[k].rule, (unsigned long long)st->long_windowed,
			       (unsigned long long)st->long_whole);
		T_ASSERT(st->long_windowed > 0);
		T_EQ_INT(0, (long long)st->long_whole);
	}
	/* the same text with every pattern over the whole of it: the same
	 * verdict, spans included */
	T_EQ_INT(0, filter_engine_scan(e, text, len, FILTER_SCAN_NO_WINDOW, &w));
	if (v && w) {
		cJSON *ja = filter_verdict_to_json(v), *jb = filter_verdict_to_json(w);
		char *a = ja ? cJSON_PrintUnformatted(ja) : NULL;
		char *b = jb ? cJSON_PrintUnformatted(jb) : NULL;
		T_ASSERT(a && b && strcmp(a, b) == 0);
		free(a);
		free(b);
		cJSON_Delete(ja);
		cJSON_Delete(jb);
	}
	filter_verdict_free(v);
	filter_verdict_free(w);
out:
	free(text);
	filter_engine_free(e);
}

int main(void)
{
	T_RUN(test_bounded_rules_run_in_windows_on_long_text);
	return t_done();
}
