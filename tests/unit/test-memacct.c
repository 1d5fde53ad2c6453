/* Memory accounting of an engine's parts (memacct.h): the figures the
 * x10 benchmark reports for what grows with the rules. */
#include "t.h"
#include "filter/aho.h"
#include "filter/codecache.h"
#include "filter/engine.h"
#include "filter/memacct.h"
#include "util/clock.h"

#include <pcre2.h>

#define HEAD                                                                                       \
	"title t\n category spam\n statute kommentarsregler\n tier possible\n severity 1\n"        \
	" actions review\n match m1\n match m2\n nomatch n1\n nomatch n2\n nomatch n3\n"

static int parse(const char *txt, struct filter_ruleset *rs)
{
	struct diag_list errs = { 0 }, warns = { 0 };
	int r = rules_parse_buffer(rs, "t.rules", txt, strlen(txt), clock_now(), &errs, &warns);
	diag_print(&errs, stdout);
	diag_list_clear(&errs);
	diag_list_clear(&warns);
	return r;
}

static struct filter_engine *engine(const char *txt)
{
	struct filter_ruleset rs = { 0 };
	struct filter_engine *e = NULL;
	if (parse(txt, &rs) != 0 || filter_engine_new(&rs, NULL, &e) < 0)
		filter_ruleset_clear(&rs);
	T_ASSERT(e != NULL);
	return e;
}

static int matches(struct filter_engine *e, const char *s)
{
	struct filter_verdict *v = NULL;
	T_EQ_INT(0, filter_engine_scan(e, s, strlen(s), 0, &v));
	int n = v ? (int)v->nhits : -1;
	filter_verdict_free(v);
	return n;
}

/* The parsed rules count their strings: one longer example is that many
 * bytes more, one more rule at least its id, title and pattern. */
static void test_ruleset_counts_strings(void)
{
	struct filter_ruleset a = { 0 }, b = { 0 }, c = { 0 };
	T_EQ_INT(0, parse("rule a.b\n " HEAD " pattern hej\n match hej\nend\n", &a));
	T_EQ_INT(0, parse("rule a.b\n " HEAD " pattern hej\n match hej hej hej\nend\n", &b));
	T_EQ_INT(0, parse("rule a.b\n " HEAD " pattern hej\n match hej\nend\n"
	                  "rule a.c\n " HEAD " pattern hopp\n match hopp\nend\n",
	                  &c));
	size_t ma = filter_ruleset_memory(&a), mb = filter_ruleset_memory(&b);
	T_ASSERT(ma > 0);
	T_EQ_INT(strlen(" hej hej"), mb - ma);
	T_ASSERT(filter_ruleset_memory(&c) >= ma + strlen("a.c") + strlen("hopp") * 2 + 3);
	filter_ruleset_clear(&a);
	filter_ruleset_clear(&b);
	filter_ruleset_clear(&c);
}

/* An engine's parts: automata and plan from the build, no code until a
 * pattern runs, its code counted once it has; a second engine of the same
 * rules shares sources, code and automata; nothing is left after both. */
static void test_engine_parts_and_sharing(void)
{
	const char *rules = "rule t.one\n " HEAD " pattern \\bdoda\\s+dig\\b\n match m3\nend\n"
	                    "rule t.two\n " HEAD " pattern \\bslå\\s+ihjäl\\b\n match m3\nend\n";
	struct code_cache_memory c0, c1, c2, c3;
	code_cache_memory(&c0);
	T_EQ_INT(0, c0.ncode);
	T_EQ_INT(0, c0.sources);

	struct filter_engine *e = engine(rules);
	if (!e)
		return;
	struct filter_memory m;
	filter_engine_memory(e, &m);
	T_ASSERT(m.automata > 0);
	T_ASSERT(m.plan > 0);
	T_ASSERT(m.engine > 0);
	T_ASSERT(m.rules > 0);
	code_cache_memory(&c1);
	/* the engine freed its parsed sources: the cache holds them */
	T_ASSERT(c1.sources >= strlen("\\bdoda\\s+dig\\b") + strlen("\\bslå\\s+ihjäl\\b"));
	T_ASSERT(c1.entries > 0);
	T_EQ_INT(0, c1.ncode); /* compiled when first run */
	T_EQ_INT(0, c1.code);

	T_EQ_INT(1, matches(e, "jag ska doda dig"));
	code_cache_memory(&c2);
	T_EQ_INT(1, c2.ncode);
	T_EQ_INT(code_cache_compiled(), c2.ncode);
	T_ASSERT(c2.code > 0);
	T_EQ_INT(c1.sources, c2.sources);

	/* a reload of the same rules: the same automata, no new source or code */
	struct filter_engine *e2 = engine(rules);
	if (e2) {
		struct filter_memory m2;
		filter_engine_memory(e2, &m2);
		T_EQ_INT(m.automata, m2.automata);
		T_EQ_INT(1, matches(e2, "jag ska doda dig"));
		code_cache_memory(&c3);
		T_EQ_INT(c2.sources, c3.sources);
		T_EQ_INT(1, c3.ncode);
		T_EQ_INT(c2.code, c3.code);
	}
	filter_engine_free(e);
	filter_engine_free(e2);
	code_cache_memory(&c3);
	T_EQ_INT(0, c3.ncode);
	T_EQ_INT(0, c3.sources);
}

/* Dropped examples are no longer counted, and everything else the rules
 * keep still is: the parsed rules shrink by exactly the examples' bytes
 * (six records and texts of three bytes: HEAD's five and "m3"), and the
 * engine still matches. */
static void test_dropped_examples_not_counted(void)
{
	struct filter_engine *e =
	        engine("rule t.one\n " HEAD " pattern \\bdoda\\s+dig\\b\n match m3\nend\n");
	if (!e)
		return;
	struct filter_memory before, after, again;
	filter_engine_memory(e, &before);
	filter_engine_drop_examples(e);
	filter_engine_memory(e, &after);
	T_EQ_INT(6 * (sizeof(struct filter_example) + 3), before.rules - after.rules);
	T_EQ_INT(0, filter_engine_rule(e, 0)->nmatches + filter_engine_rule(e, 0)->nnomatches);
	T_ASSERT(after.rules >= sizeof(struct filter_rule) + strlen("t.one") + strlen("t.rules") +
	                                strlen("kommentarsregler") + sizeof(struct filter_pattern));
	T_EQ_INT(before.engine, after.engine);
	T_EQ_INT(1, matches(e, "jag ska doda dig"));
	filter_engine_drop_examples(e); /* twice: nothing more to drop */
	filter_engine_memory(e, &again);
	T_EQ_INT(after.rules, again.rules);
	filter_engine_free(e);
}

/* A packed rule set is the same rules in one block of exactly the bytes
 * counted for them: the count equals that block plus what stays outside
 * it (sources, examples), and every string reads as before. */
static void test_packed_rules_counted(void)
{
	struct filter_ruleset rs = { 0 };
	T_EQ_INT(0, parse("rule a.b\n " HEAD " pattern hej\n except hej då\n match hej\nend\n"
	                  "rule a.c\n " HEAD " pattern hopp\n pattern \\bhipp\\b\n validate pnr\n"
	                  " match hopp\nend\n",
	                  &rs));
	T_EQ_INT(0, filter_ruleset_pack(&rs));
	T_ASSERT(rs.pool != NULL);
	T_EQ_INT(2, rs.n);
	T_EQ_INT(rs.n, rs.cap);
	size_t outside = 0;
	for (size_t i = 0; i < rs.n; i++) {
		const struct filter_rule *r = &rs.v[i];
		for (size_t k = 0; k < r->npatterns; k++)
			outside += strlen(r->patterns[k].src) + 1;
		for (size_t k = 0; k < r->nexcepts; k++)
			outside += strlen(r->excepts[k].src) + 1;
		for (size_t k = 0; k < r->nmatches; k++)
			outside += sizeof(*r->matches) + strlen(r->matches[k].text) + 1;
		for (size_t k = 0; k < r->nnomatches; k++)
			outside += sizeof(*r->nomatches) + strlen(r->nomatches[k].text) + 1;
	}
	T_EQ_INT(rs.pool_size + outside, filter_ruleset_memory(&rs));
	T_EQ_STR("a.c", rs.v[1].id);
	T_EQ_STR("t.rules", rs.v[1].file);
	T_EQ_STR("kommentarsregler", rs.v[0].statute);
	T_EQ_STR("hej då", rs.v[0].excepts[0].src);
	T_EQ_STR("\\bhipp\\b", rs.v[1].patterns[1].src);
	T_ASSERT(rs.v[1].excepts == NULL);
	T_EQ_INT(1, rs.v[1].nvalidators);
	T_ASSERT(rs.v[1].validators[0] != NULL);
	T_EQ_STR("hopp", rs.v[1].matches[rs.v[1].nmatches - 1].text);
	filter_ruleset_clear(&rs);
	T_ASSERT(rs.pool == NULL);
}

/* JIT code is counted once a pattern is JIT-compiled (after it has run on
 * 8 KB of text, engine.c), where this PCRE2 has JIT. */
static void test_jit_code_counted(void)
{
	uint32_t jit = 0;
	pcre2_config(PCRE2_CONFIG_JIT, &jit);
	struct filter_engine *e =
	        engine("rule t.one\n " HEAD " pattern \\bdoda\\s+dig\\b\n match m3\nend\n");
	if (!e)
		return;
	/* ordinary words: normalisation folds a run of one letter */
	char text[600] = "";
	while (strlen(text) < 560)
		strcat(text, "hej och ");
	strcat(text, "doda dig");
	for (int i = 0; i < 40; i++)
		T_EQ_INT(1, matches(e, text));
	struct code_cache_memory c;
	code_cache_memory(&c);
	T_EQ_INT(1, c.ncode);
	if (jit)
		T_ASSERT(c.jit > 0);
	else
		T_EQ_INT(0, c.jit);
	T_EQ_INT(jit ? 1 : 0, filter_engine_jit_patterns(e));
	filter_engine_free(e);
}

/* Ten rules with ten new patterns hold ten sources; ten rules with the
 * same pattern hold one (one code cache entry per source text). */
static void test_sources_grow_with_new_patterns_only(void)
{
	char same[4096] = "", fresh[4096] = "";
	for (int i = 0; i < 10; i++) {
		char r[256];
		snprintf(r, sizeof(r),
		         "rule t.s%d\n " HEAD " pattern \\bvarg\\s+ylar\\b\n match m3\nend\n", i);
		strcat(same, r);
		snprintf(r, sizeof(r),
		         "rule t.f%d\n " HEAD " pattern \\bvarg%d\\s+ylar\\b\n match m3\nend\n", i,
		         i);
		strcat(fresh, r);
	}
	struct code_cache_memory a, b;
	struct filter_engine *e = engine(same);
	code_cache_memory(&a);
	filter_engine_free(e);
	e = engine(fresh);
	code_cache_memory(&b);
	filter_engine_free(e);
	T_ASSERT(a.sources > 0);
	T_ASSERT(b.sources >= 10 * strlen("\\bvarg0\\s+ylar\\b"));
	T_ASSERT(b.sources > 5 * a.sources);
}

/* The automaton keeps one list of ids for output states that report the
 * same ids (a lexicon's words in the same sets), a long list (255 ids or
 * more) too; a scan still reports every literal's ids. */
struct lits {
	const char *lit[700];
	size_t len[700];
	uint32_t id[700];
	size_t n;
};

static void add_lit(struct lits *L, const char *s, uint32_t id)
{
	L->lit[L->n] = s;
	L->len[L->n] = strlen(s);
	L->id[L->n++] = id;
}

static struct aho *build_lits(const struct lits *L)
{
	struct aho *a = NULL;
	T_EQ_INT(0, aho_build_dense(L->lit, L->len, L->id, L->n, 1, &a));
	return a;
}

static int cmp_u32(const void *x, const void *y)
{
	uint32_t a = *(const uint32_t *)x, b = *(const uint32_t *)y;
	return a < b ? -1 : a > b;
}

static void test_automaton_shares_id_lists(void)
{
	struct lits one = { .n = 0 }, two = { .n = 0 };
	for (uint32_t i = 0; i < 300; i++) {
		add_lit(&one, "abc", i);
		add_lit(&two, "abc", i);
		add_lit(&two, "xbz", i);
	}
	add_lit(&two, "de", 5);
	add_lit(&two, "de", 7);
	add_lit(&two, "fe", 7);
	add_lit(&two, "fe", 5);
	add_lit(&two, "q", 9);
	struct aho *a = build_lits(&one), *b = build_lits(&two);
	if (!a || !b) {
		aho_free(a);
		aho_free(b);
		return;
	}
	/* the second list of 300 ids is not held again */
	T_ASSERT(aho_memory(b) < aho_memory(a) + 300 * sizeof(uint32_t));
	T_EQ_INT(300 + 300 + 2 + 2 + 1, aho_outputs(b));

	uint32_t *stamp = calloc(aho_stamps(b), sizeof(uint32_t));
	uint32_t *out = malloc(aho_outputs(b) * sizeof(uint32_t));
	T_ASSERT(stamp && out);
	if (stamp && out) {
		const char *text = "xbz de abc fe q abc";
		size_t n = aho_scan(b, text, strlen(text), stamp, 1, out);
		T_EQ_INT(605, n);
		qsort(out, n, sizeof(*out), cmp_u32);
		/* ids 0..299 twice (abc, xbz), 5 and 7 four times, 9 once */
		size_t k = 0, bad = 0;
		for (uint32_t i = 0; i < 300; i++) {
			size_t want = 2 + 2 * (i == 5 || i == 7) + (i == 9);
			for (size_t j = 0; j < want; j++, k++)
				bad += k >= n || out[k] != i;
		}
		T_EQ_INT(0, bad);
		T_EQ_INT(n, k);
		/* only "fe": its two ids */
		n = aho_scan(b, "fe", 2, stamp, 2, out);
		T_EQ_INT(2, n);
		qsort(out, n, sizeof(*out), cmp_u32);
		T_EQ_INT(5, out[0]);
		T_EQ_INT(7, out[1]);
	}
	free(stamp);
	free(out);
	aho_free(a);
	aho_free(b);
}

/* The automaton's deep states are records laid out along chains (aho.c):
 * a state with one child or none takes two words, 8 bytes, where a
 * breadth-first record took 13; a state with children takes its classes
 * (four a word) and their numbers. */
static void test_automaton_chain_records(void)
{
	static char lit[2][1001];
	size_t len[2] = { 1000, 500 };
	uint32_t id[2] = { 1, 2 };
	for (size_t i = 0; i < 1000; i++)
		lit[0][i] = lit[1][i] = (char)('a' + i % 7);
	const char *l0[1] = { lit[0] }, *l1[1] = { lit[1] };
	struct aho *a = NULL, *b = NULL;
	T_EQ_INT(0, aho_build_dense(l0, &len[0], &id[0], 1, 1, &a));
	T_EQ_INT(0, aho_build_dense(l1, &len[1], &id[1], 1, 1, &b));
	if (a && b)
		T_EQ_INT(500 * 8, aho_memory(a) - aho_memory(b)); /* 500 states more */
	aho_free(a);
	aho_free(b);

	/* "a" under the dense root with one child, then children x, y, z, w,
	 * v (two words of classes, five numbers) that are leaves */
	struct lits one = { .n = 0 }, five = { .n = 0 };
	add_lit(&one, "ax", 1);
	add_lit(&five, "ax", 1);
	add_lit(&five, "ay", 1);
	add_lit(&five, "az", 1);
	add_lit(&five, "aw", 1);
	add_lit(&five, "av", 1);
	a = build_lits(&one);
	b = build_lits(&five);
	/* four more leaves (8 bytes each) and output records (8 bytes
	 * each), four more classes in the row's width (the root's row: 2
	 * bytes each), "a" a branching record: two words of classes and
	 * five numbers more */
	if (a && b)
		T_EQ_INT(4 * 8 + 4 * 8 + 4 * 2 + (2 + 5) * 4, aho_memory(b) - aho_memory(a));
	aho_free(a);
	aho_free(b);
}

int main(void)
{
	T_RUN(test_ruleset_counts_strings);
	T_RUN(test_engine_parts_and_sharing);
	T_RUN(test_dropped_examples_not_counted);
	T_RUN(test_packed_rules_counted);
	T_RUN(test_jit_code_counted);
	T_RUN(test_sources_grow_with_new_patterns_only);
	T_RUN(test_automaton_shares_id_lists);
	T_RUN(test_automaton_chain_records);
	return t_done();
}
