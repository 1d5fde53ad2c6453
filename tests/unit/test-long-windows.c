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
#define PCRE2_CODE_UNIT_WIDTH 8
#include <pcre2.h>

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

/* Do two verdicts print the same JSON (spans included)? */
static int same_verdict(const struct filter_verdict *v, const struct filter_verdict *w)
{
	cJSON *ja = v ? filter_verdict_to_json(v) : NULL,
	      *jb = w ? filter_verdict_to_json(w) : NULL;
	char *a = ja ? cJSON_PrintUnformatted(ja) : NULL;
	char *b = jb ? cJSON_PrintUnformatted(jb) : NULL;
	int same = a && b && strcmp(a, b) == 0;
	free(a);
	free(b);
	cJSON_Delete(ja);
	cJSON_Delete(jb);
	return same;
}

/* About 60 KB of "e " (a Swedish "är" and the end of many words): the
 * set the relaxed prefix of sv.hate.group-dehumanised's second pattern
 * chose, which the frequency estimate takes for rare.  A group word at
 * the start and a dehumanising word at the end (or, with `phrase`, a
 * phrase the rule matches in the middle). */
static char *e_text(const char *phrase, size_t *ret_len)
{
	const size_t cap = 64 * 1024;
	char *s = malloc(cap);
	size_t n = 0;
	if (!s)
		return NULL;
	n += (size_t)snprintf(s + n, cap - n, "Invandrare kom hit. ");
	for (size_t line = 0; n + 200 < cap - 2048; line++)
		n += (size_t)snprintf(s + n, cap - n, "%s ",
		                      line == 600 && phrase
		                              ? phrase
		                              : "Det e bra att parken e ren och det e fint.");
	n += (size_t)snprintf(s + n, cap - n, "Djuret sov.");
	*ret_len = n;
	return s;
}

/* sv.hate.group-dehumanised's second pattern has a prefix plan (around
 * "ar ", "e ", "blir ") and is bounded in segments too (around its own
 * sets, the group and the dehumanising word): on a text with hundreds of
 * "e " the segments' windows are the fewer, and the pattern runs there,
 * not over the whole text (before, the prefix plan was taken whatever
 * the text, and ran whole). */
static void test_segments_taken_over_a_common_prefix_set(void)
{
	struct filter_engine *e = shipped_engine();
	size_t len = 0, plen = 0;
	char *text = e_text(NULL, &len);
	char *ptext = e_text("invandrare e bara djur", &plen);
	long i = e ? filter_engine_rule_index(e, "sv.hate.group-dehumanised") : -1;
	T_ASSERT(e != NULL && text != NULL && ptext != NULL && i >= 0);
	if (!e || !text || !ptext || i < 0)
		goto out;
	struct filter_verdict *v = NULL, *w = NULL;
	T_EQ_INT(0, filter_engine_scan(e, text, len, 0, &v));
	const struct filter_rule_stats *st = filter_engine_rule_stats(e, (size_t)i);
	printf("# %llu runs in windows, %llu over the whole text\n",
	       (unsigned long long)st->long_windowed, (unsigned long long)st->long_whole);
	T_ASSERT(st->long_windowed > 0);
	T_EQ_INT(0, (long long)st->long_whole);
	filter_verdict_free(v);
	v = NULL;
	/* with a phrase it matches: found in windows, the verdict of a run
	 * without windows */
	T_EQ_INT(0, filter_engine_scan(e, ptext, plen, 0, &v));
	T_EQ_INT(0, filter_engine_scan(e, ptext, plen, FILTER_SCAN_NO_WINDOW, &w));
	int hit = 0;
	for (size_t h = 0; v && h < v->nhits; h++)
		hit |= strcmp(v->hits[h].rule, "sv.hate.group-dehumanised") == 0;
	T_ASSERT(hit);
	T_ASSERT(same_verdict(v, w));
	filter_verdict_free(v);
	filter_verdict_free(w);
out:
	free(text);
	free(ptext);
	filter_engine_free(e);
}

/* A pattern run in windows counts toward its JIT compilation (engine.c,
 * JIT_AFTER_BYTES, 8192) what its matches read: the window's starts and
 * the reach past the last one.  "zqxw.{0,150}" (reach 155) around one
 * place: 310 a text, so JIT-compiled on the 27th text; counting the
 * window alone (155) put it off to the 53rd, and on a long text the
 * interpreter ran where the JIT code would be warm. */
static void test_windowed_pattern_reaches_jit(void)
{
	uint32_t jit = 0;
	if (pcre2_config(PCRE2_CONFIG_JIT, &jit) < 0 || !jit) {
		printf("# skipped: no JIT in this PCRE2\n");
		return;
	}
	const char *txt = "rule t.win\n title t\n category spam\n statute kommentarsregler\n"
	                  " tier possible\n severity 1\n actions review\n input raw\n"
	                  " pattern zqxw.{0,150}\n match zqxw\n match a zqxw b\n match zqxw.\n"
	                  " nomatch zqx\n nomatch qxw\n nomatch hej\nend\n";
	struct filter_ruleset rs = { 0 };
	struct diag_list errs = { 0 }, warns = { 0 };
	struct filter_options o;
	struct filter_engine *e = NULL;
	filter_options_default(&o);
	if (rules_parse_buffer(&rs, "t.rules", txt, strlen(txt), clock_now(), &errs, &warns) != 0 ||
	    filter_engine_new(&rs, &o, &e) < 0) {
		diag_print(&errs, stdout);
		filter_ruleset_clear(&rs);
		e = NULL;
	}
	diag_list_clear(&errs);
	diag_list_clear(&warns);
	char *s = malloc(8192);
	T_ASSERT(e != NULL && s != NULL);
	if (!e || !s)
		goto out;
	size_t n = 0;
	while (n < 4000)
		n += (size_t)snprintf(s + n, 8192 - n, "%s",
		                      n > 2000 && n < 2020 ? "zqxw hej " : "a bc def ");
	for (int t = 1; t <= 30; t++) {
		struct filter_verdict *v = NULL;
		T_EQ_INT(0, filter_engine_scan(e, s, n, 0, &v));
		T_ASSERT(v && v->nhits == 1);
		filter_verdict_free(v);
		if (t == 20 || t == 30)
			printf("# after %d texts: %zu JIT-compiled, %llu runs in windows\n", t,
			       filter_engine_jit_patterns(e),
			       (unsigned long long)filter_engine_rule_stats(e, 0)->long_windowed);
		if (t == 20) /* still put off */
			T_EQ_INT(0, (long long)filter_engine_jit_patterns(e));
	}
	T_EQ_INT(1, (long long)filter_engine_jit_patterns(e));
	T_EQ_INT(30, (long long)filter_engine_rule_stats(e, 0)->long_windowed);
out:
	free(s);
	filter_engine_free(e);
}

int main(void)
{
	T_RUN(test_bounded_rules_run_in_windows_on_long_text);
	T_RUN(test_segments_taken_over_a_common_prefix_set);
	T_RUN(test_windowed_pattern_reaches_jit);
	return t_done();
}
