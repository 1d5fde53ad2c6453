/* Engines that share compiled state (codecache.h, prefcache.h): a reload
 * of unchanged rules takes the old engine's compiled patterns, sources and
 * prefilter plan, and gives the same verdicts as an engine built afresh. */
#include "t.h"
#include "filter/codecache.h"
#include "filter/engine.h"
#include "filter/prefcache.h"
#include "util/clock.h"
#include "tengine.h"

/* The shipped rules: lexicons, split patterns, windows on long texts. */
#define RULES SRCDIR "/filters"

static struct filter_engine *from_text(const char *txt)
{
	struct filter_ruleset rs = { 0 };
	struct diag_list errs = { 0 }, warns = { 0 };
	struct filter_engine *e = NULL;
	if (rules_parse_buffer(&rs, "t.rules", txt, strlen(txt), clock_now(), &errs, &warns) != 0 ||
	    filter_engine_new(&rs, NULL, &e) < 0) {
		diag_print(&errs, stdout);
		filter_ruleset_clear(&rs);
	}
	diag_list_clear(&errs);
	diag_list_clear(&warns);
	return e;
}

/* The texts compared: every example of every rule of e, one by one, and
 * joined into long texts of about 4, 16 and 60 KB (windows). */
static void texts_add(struct tengine_texts *t, const char *s, size_t len)
{
	T_EQ_INT(0, tengine_texts_add(t, s, len));
}

static void texts_make(const struct filter_engine *e, struct tengine_texts *t)
{
	static const size_t sizes[] = { 4096, 16384, 61440 };
	for (size_t i = 0; i < filter_engine_rule_count(e); i++) {
		const struct filter_rule *r = filter_engine_rule(e, i);
		for (size_t k = 0; k < r->nmatches; k++)
			texts_add(t, r->matches[k].text, strlen(r->matches[k].text));
		for (size_t k = 0; k < r->nnomatches; k++)
			texts_add(t, r->nomatches[k].text, strlen(r->nomatches[k].text));
	}
	size_t nshort = t->n;
	for (size_t z = 0, next = 0; z < sizeof(sizes) / sizeof(sizes[0]); z++) {
		char *buf = malloc(sizes[z] + 1);
		size_t len = 0;
		T_ASSERT(buf != NULL);
		if (!buf)
			return;
		/* a different stretch of the examples each time, so each
		 * long text holds hits far apart */
		while (len < sizes[z] && nshort) {
			const char *s = t->v[next++ % nshort];
			size_t l = strlen(s);
			if (len + l + 2 > sizes[z])
				break;
			memcpy(buf + len, s, l);
			len += l;
			memcpy(buf + len, ". ", 2);
			len += 2;
		}
		buf[len] = '\0'; /* malloc's bytes may be anything (MALLOC_PERTURB_) */
		texts_add(t, buf, len);
		free(buf);
	}
}

/* Same pattern sources (the cache's one copy), same prefilter plan. */
static void test_reload_shares_sources_and_plan(void)
{
	size_t plans0, prefs0, plans1, prefs1, plans2, prefs2, codes1, crefs1, codes2, crefs2;
	prefilter_plan_stats(&plans0, &prefs0);
	struct filter_engine *a = tengine_load(RULES, NULL);
	T_ASSERT(a != NULL);
	if (!a)
		return;
	prefilter_plan_stats(&plans1, &prefs1);
	T_EQ_INT((int)plans0 + 1, (int)plans1);
	code_cache_stats(&codes1, &crefs1);
	struct filter_engine *b = tengine_load(RULES, NULL);
	T_ASSERT(b != NULL);
	if (!b) {
		filter_engine_free(a);
		return;
	}
	prefilter_plan_stats(&plans2, &prefs2);
	T_EQ_INT((int)plans1, (int)plans2); /* nothing built twice */
	code_cache_stats(&codes2, &crefs2);
	T_EQ_INT((int)codes1, (int)codes2); /* no source kept twice */
	T_EQ_INT((int)prefs1 + 1, (int)prefs2);
	T_EQ_INT((int)filter_engine_rule_count(a), (int)filter_engine_rule_count(b));
	for (size_t i = 0; i < filter_engine_rule_count(a); i++) {
		const struct filter_rule *ra = filter_engine_rule(a, i),
		                         *rb = filter_engine_rule(b, i);
		/* the cache keeps the sources (codecache.h), the engines none */
		for (size_t k = 0; k < ra->npatterns; k++) {
			T_ASSERT(ra->patterns[k].src == NULL && rb->patterns[k].src == NULL);
			T_ASSERT(ra->patterns[k].code == rb->patterns[k].code);
		}
		for (size_t k = 0; k < ra->nexcepts; k++)
			T_ASSERT(ra->excepts[k].src == NULL && rb->excepts[k].src == NULL);
	}
	T_EQ_INT((int)filter_engine_window_patterns(a), (int)filter_engine_window_patterns(b));
	T_EQ_INT((int)filter_engine_split_patterns(a), (int)filter_engine_split_patterns(b));
	filter_engine_free(a);
	filter_engine_free(b);
	prefilter_plan_stats(&plans2, &prefs2);
	T_EQ_INT((int)plans0, (int)plans2);
	T_EQ_INT((int)prefs0, (int)prefs2);
}

/* The engine of a reload (sharing everything with a live engine, then
 * outliving it) gives the verdicts of an engine compiled afresh. */
static void test_shared_reload_equals_fresh_compile(void)
{
	size_t codes0, refs0, codes1, refs1;
	struct tengine_texts t = { 0 };
	code_cache_stats(&codes0, &refs0);
	struct filter_engine *fresh = tengine_load(RULES, NULL);
	T_ASSERT(fresh != NULL);
	if (!fresh)
		return;
	texts_make(fresh, &t);
	T_ASSERT(t.n > 100);
	char *want = tengine_verdicts(fresh, &t, 0);
	/* and those of every pattern run over the whole text, as written */
	char *whole = tengine_verdicts(fresh, &t, FILTER_SCAN_NO_WINDOW);
	char *naive = tengine_verdicts(fresh, &t, FILTER_SCAN_NO_PREFILTER);
	T_ASSERT(want && whole && naive);
	if (want && whole && naive) {
		T_ASSERT(strcmp(want, whole) == 0);
		T_ASSERT(strcmp(want, naive) == 0);
	}
	free(whole);
	free(naive);
	filter_engine_free(fresh);
	code_cache_stats(&codes1, &refs1);
	T_EQ_INT((int)codes0, (int)codes1); /* nothing left: the next is fresh again */

	struct filter_engine *old = tengine_load(RULES, NULL), *reload = tengine_load(RULES, NULL);
	T_ASSERT(old && reload);
	if (old && reload) {
		/* the old engine has run (its JIT code and stamps are in use) */
		char *o = tengine_verdicts(old, &t, 0);
		filter_engine_free(old);
		old = NULL;
		char *got = tengine_verdicts(reload, &t, 0);
		T_ASSERT(want && o && got);
		if (want && o && got) {
			T_ASSERT(strcmp(want, o) == 0);
			T_ASSERT(strcmp(want, got) == 0);
		}
		free(o);
		free(got);
	}
	filter_engine_free(old);
	filter_engine_free(reload);
	free(want);
	tengine_texts_free(&t);
}

/* A rule set with one pattern changed gets a plan of its own; the
 * unchanged patterns still share their code and source. */
static void test_changed_rule_new_plan(void)
{
	static const char *const fmt = "rule t.one\n title t\n category threat\n statute s\n"
	                               " tier possible\n severity 2\n actions review\n"
	                               " input normalized\n pattern \\bjag ska %s dig\\b\n"
	                               " match jag ska %s dig\n match Jag ska %s dig!\n"
	                               " match nu jag ska %s dig\n"
	                               " nomatch hej\n nomatch hej då\n nomatch hallå\nend\n"
	                               "rule t.two\n title t\n category threat\n statute s\n"
	                               " tier possible\n severity 2\n actions review\n"
	                               " input normalized\n pattern \\bvi ska sparka er\\b\n"
	                               " match vi ska sparka er\n match Vi ska sparka er!\n"
	                               " match nu vi ska sparka er\n"
	                               " nomatch hej\n nomatch hej då\n nomatch hallå\nend\n";
	char a_txt[2048], b_txt[2048];
	snprintf(a_txt, sizeof(a_txt), fmt, "skada", "skada", "skada", "skada");
	snprintf(b_txt, sizeof(b_txt), fmt, "sparka", "sparka", "sparka", "sparka");
	size_t plans0, prefs0, plans1, prefs1, codes0, crefs0, codes1, crefs1;
	prefilter_plan_stats(&plans0, &prefs0);
	code_cache_stats(&codes0, &crefs0);
	struct filter_engine *a = from_text(a_txt), *b = from_text(b_txt);
	T_ASSERT(a && b);
	if (a && b) {
		prefilter_plan_stats(&plans1, &prefs1);
		T_EQ_INT((int)plans0 + 2, (int)plans1);
		/* t.one's two sources, t.two's one, shared */
		code_cache_stats(&codes1, &crefs1);
		T_EQ_INT((int)codes0 + 3, (int)codes1);
		T_EQ_INT((int)crefs0 + 4, (int)crefs1);
		struct filter_verdict *v = NULL;
		T_EQ_INT(0, filter_engine_scan(a, "jag ska skada dig", 17, 0, &v));
		T_EQ_INT(1, v ? (int)v->nhits : -1);
		filter_verdict_free(v);
		v = NULL;
		T_EQ_INT(0, filter_engine_scan(b, "jag ska skada dig", 17, 0, &v));
		T_EQ_INT(0, v ? (int)v->nhits : -1);
		filter_verdict_free(v);
	}
	filter_engine_free(a);
	filter_engine_free(b);
	prefilter_plan_stats(&plans1, &prefs1);
	T_EQ_INT((int)plans0, (int)plans1);
	T_EQ_INT((int)prefs0, (int)prefs1);
}

int main(void)
{
	T_RUN(test_reload_shares_sources_and_plan);
	T_RUN(test_shared_reload_equals_fresh_compile);
	T_RUN(test_changed_rule_new_plan);
	return t_done();
}
