/* The parser's compile check deferred (RULES_LOAD_DEFER_COMPILE): the
 * errors are those of a load that compiles everything, in the same order;
 * the check compiles what the parser left, or takes it as compiled; the
 * capture bound is never below PCRE2's count; every byte parsed is fed to
 * the digest, lexicons included. */
#include <errno.h>

#include "t.h"
#include "tfs.h"
#include "filter/codecache.h"
#include "filter/engine.h"
#include "filter/examples.h"
#include "filter/rules.h"
#include "util/clock.h"

#define DATA SRCDIR "/tests/unit/data/filter"

static const char broken_pattern[] = "rule sv.test.broken\n"
                                     "  title     A rule whose pattern does not compile\n"
                                     "  category  spam\n"
                                     "  statute   kommentarsregler\n"
                                     "  tier      possible\n"
                                     "  severity  1\n"
                                     "  actions   review\n"
                                     "  pattern   \\bkop (billigt\\b\n"
                                     "  except    \\bkop [billigt\\b\n"
                                     "  pattern   \\bsalj @things\\b\n"
                                     "  match     a\n"
                                     "  match     b\n"
                                     "  match     c\n"
                                     "  nomatch   d\n"
                                     "  nomatch   e\n"
                                     "  nomatch   f\n"
                                     "end\n";

/* Every diagnostic of dl, formatted, one a line. */
static char *all_diags(const struct diag_list *dl)
{
	char buf[1024], *out = NULL;
	size_t len = 0;
	FILE *f = open_memstream(&out, &len);
	for (size_t i = 0; i < dl->n; i++)
		fprintf(f, "%s\n", diag_format(&dl->v[i], buf, sizeof(buf)));
	fclose(f);
	return out;
}

/* Load dir compiling everything and deferred; both must report the same. */
static void same_errors(const char *dir, int want)
{
	struct filter_ruleset a = { 0 }, b = { 0 };
	struct diag_list ea = { 0 }, wa = { 0 }, eb = { 0 }, wb = { 0 };
	T_EQ_INT(want, rules_load_dir(dir, clock_now(), &a, &ea, &wa));
	int rb = rules_load_dir_flags(dir, clock_now(), RULES_LOAD_DEFER_COMPILE, NULL, NULL, &b,
	                              &eb, &wb);
	if (rb == 0) /* only patterns were wrong: the check finds them */
		T_EQ_INT(want, rules_compile_deferred(&b, 0, &eb));
	else
		T_EQ_INT(want, rb);
	char *sa = all_diags(&ea), *sb = all_diags(&eb);
	T_ASSERT(ea.n > 0 || want == 0);
	T_EQ_STR(sa, sb);
	free(sa);
	free(sb);
	filter_ruleset_clear(&a);
	filter_ruleset_clear(&b);
	diag_list_clear(&ea);
	diag_list_clear(&eb);
	diag_list_clear(&wa);
	diag_list_clear(&wb);
}

static void test_errors_as_a_compiling_load_reports_them(void)
{
	char *dir = tfs_mkdtemp();
	tfs_write(dir, "lexicon/things.txt", "bil\nbat\n");
	/* Only patterns wrong: found by the check, in line order. */
	tfs_write(dir, "90-broken.rules", broken_pattern);
	same_errors(dir, 1);
	/* Patterns and other mistakes: the load compiles everything. */
	tfs_write(dir, "50-also.rules", "rule sv.test.other\n  colour blue\nend\n");
	same_errors(dir, 1);
	/* A broken lexicon too. */
	tfs_write(dir, "lexicon/bad.txt", "Ok?\n");
	same_errors(dir, 1);
	tfs_rmrf(dir);
	same_errors(DATA "/broken", 1);
	same_errors(DATA "/good", 0);
}

/* Every pattern and except of two loads of the shipped rules, in order. */
static void compare_shipped(int trusted)
{
	struct filter_ruleset a = { 0 }, b = { 0 };
	struct diag_list e = { 0 }, w = { 0 };
	size_t n = 0, kept_uncompiled = 0;
	uint32_t max_exact = 0, max_bound = 0;
	T_EQ_INT(0, rules_load_dir(SRCDIR "/filters", clock_now(), &a, &e, &w));
	T_EQ_INT(0, rules_load_dir_flags(SRCDIR "/filters", clock_now(), RULES_LOAD_DEFER_COMPILE,
	                                 NULL, NULL, &b, &e, &w));
	T_EQ_INT(0, (int64_t)e.n);
	T_EQ_INT((int64_t)a.n, (int64_t)b.n);
	for (size_t i = 0; i < b.n; i++)
		for (size_t k = 0; k < b.v[i].npatterns; k++)
			kept_uncompiled += !b.v[i].patterns[k].compiled;
	/* The parser left most patterns to the check (those naming no "v"). */
	T_ASSERT(kept_uncompiled > 1000);
	T_EQ_INT(0, rules_compile_deferred(&b, trusted, &e));
	for (size_t i = 0; i < a.n && i < b.n; i++) {
		const struct filter_rule *ra = &a.v[i], *rb = &b.v[i];
		T_EQ_STR(ra->id, rb->id);
		T_EQ_INT((int64_t)ra->npatterns, (int64_t)rb->npatterns);
		T_EQ_INT((int64_t)ra->nexcepts, (int64_t)rb->nexcepts);
		for (size_t k = 0; k < ra->npatterns + ra->nexcepts; k++, n++) {
			const struct filter_pattern *pa = k < ra->npatterns
			                                          ? &ra->patterns[k]
			                                          : &ra->excepts[k - ra->npatterns];
			const struct filter_pattern *pb = k < rb->npatterns
			                                          ? &rb->patterns[k]
			                                          : &rb->excepts[k - rb->npatterns];
			T_EQ_STR(pa->src, pb->src);
			T_ASSERT(pb->compiled);
			T_ASSERT(!trusted || !pb->code); /* nothing compiled */
			T_EQ_INT(pa->vgroup, pb->vgroup);
			if (trusted)
				T_ASSERT(pb->ncapture >= pa->ncapture);
			else
				T_EQ_INT(pa->ncapture, pb->ncapture);
			T_ASSERT(rules_capture_bound(pa->src) >= pa->ncapture);
			if (k < ra->npatterns) {
				max_exact = pa->ncapture > max_exact ? pa->ncapture : max_exact;
				max_bound = pb->ncapture > max_bound ? pb->ncapture : max_bound;
			}
		}
	}
	T_ASSERT(n > 1000);
	/* the match data's size (engine.c) */
	printf("# most capture groups of a pattern: %u; as the check left them: %u\n", max_exact,
	       max_bound);
	filter_ruleset_clear(&a);
	filter_ruleset_clear(&b);
	diag_list_clear(&e);
	diag_list_clear(&w);
}

static void test_shipped_rules_checked_later_are_the_same(void)
{
	compare_shipped(0);
	compare_shipped(1);
}

/* A trusted rule set is not compiled: a pattern that would not compile is
 * taken as it is (the store vouches for it; pipeline_rules_check()). */
static void test_trusted_is_not_compiled(void)
{
	char *dir = tfs_mkdtemp();
	struct filter_ruleset rs = { 0 };
	struct diag_list e = { 0 }, w = { 0 };
	tfs_write(dir, "lexicon/things.txt", "bil\nbat\n");
	tfs_write(dir, "90-broken.rules", broken_pattern);
	T_EQ_INT(0, rules_load_dir_flags(dir, clock_now(), RULES_LOAD_DEFER_COMPILE, NULL, NULL,
	                                 &rs, &e, &w));
	T_EQ_INT(0, rules_compile_deferred(&rs, 1, &e));
	T_EQ_INT(0, (int64_t)e.n);
	T_ASSERT(rs.n == 1 && rs.v[0].patterns[0].compiled && rs.v[0].excepts[0].compiled);
	filter_ruleset_clear(&rs);
	tfs_rmrf(dir);
}

static void test_capture_bound(void)
{
	static const struct {
		const char *src;
		uint32_t want;
	} cases[] = {
		{ "abc", 0 },
		{ "(a)(b)", 2 },
		{ "(?:a)(?i)(?=b)(?!c)(?<=d)(?<!e)(?>f)(*ACCEPT)(?#c)", 0 },
		{ "(?<v>a)(?'w'b)(?P<x>c)", 3 },
		{ "\\(a\\)", 0 },
		{ "\\\\(a)", 1 },
		/* counted though they capture nothing: a bound */
		{ "[(]", 1 },
		{ "\\Q(\\E", 1 },
		{ "(?|(a)|(b))", 2 },
		{ "a\\", 0 },
	};
	for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		uint32_t got = rules_capture_bound(cases[i].src);
		if (got != cases[i].want)
			T_FAIL_("%s: %u, want %u", cases[i].src, got, cases[i].want);
	}
}

struct fed {
	char names[4096];
	size_t bytes;
};

static void feed(void *arg, const char *name, const char *buf, size_t len)
{
	struct fed *f = arg;
	(void)buf;
	snprintf(f->names + strlen(f->names), sizeof(f->names) - strlen(f->names), "%s;", name);
	f->bytes += len;
}

static void test_every_file_is_fed_in_order(void)
{
	char *dir = tfs_mkdtemp();
	struct filter_ruleset rs = { 0 };
	struct diag_list e = { 0 }, w = { 0 };
	struct fed f = { { 0 }, 0 };
	tfs_write(dir, "lexicon/things.txt", "bil\nbat\n");
	tfs_write(dir, "lexicon/animals.txt", "katt\n");
	tfs_write(dir, "lexicon/notes.md", "not a lexicon\n");
	tfs_write(dir, "20-b.rules", "");
	tfs_write(dir, "10-a.rules", "# a comment\n");
	tfs_write(dir, "README", "not rules\n");
	T_EQ_INT(0, rules_load_dir_flags(dir, clock_now(), RULES_LOAD_DEFER_COMPILE, feed, &f, &rs,
	                                 &e, &w));
	T_EQ_STR("10-a.rules;20-b.rules;lexicon/animals.txt;lexicon/things.txt;", f.names);
	T_EQ_INT(12 + 0 + 5 + 8, (int64_t)f.bytes);
	filter_ruleset_clear(&rs);
	diag_list_clear(&e);
	diag_list_clear(&w);
	tfs_rmrf(dir);
}

/* The check's code is the engine's to run: the examples compile nothing
 * again, and what no example reached is freed after them. */
static void test_checked_code_runs_the_examples(void)
{
	struct filter_ruleset rs = { 0 };
	struct diag_list e = { 0 }, w = { 0 };
	struct filter_engine *eng = NULL;
	size_t total = 0, failed = 0, npat = 0;
	T_EQ_INT(0, rules_load_dir_flags(DATA "/good", clock_now(), RULES_LOAD_DEFER_COMPILE, NULL,
	                                 NULL, &rs, &e, &w));
	T_EQ_INT(0, rules_compile_deferred(&rs, 0, &e));
	/* (not those naming group v: compiled by the parser, code freed) */
	for (size_t i = 0; i < rs.n; i++)
		for (size_t k = 0; k < rs.v[i].npatterns; k++)
			npat += rs.v[i].patterns[k].code != NULL;
	T_ASSERT(npat > 2);
	T_EQ_INT(0, (int64_t)code_cache_spares());
	T_EQ_INT(0, filter_engine_new(&rs, NULL, &eng));
	T_ASSERT(code_cache_spares() >= npat);
	T_EQ_INT(0, (int64_t)code_cache_compiled());
	size_t spares = code_cache_spares();
	struct filter_verdict *v = NULL;
	const struct filter_rule *r0 = filter_engine_rule(eng, 0);
	T_EQ_INT(0,
	         filter_engine_scan(eng, r0->matches[0].text, strlen(r0->matches[0].text), 0, &v));
	filter_verdict_free(v);
	/* what ran took its spare: compiled, and not again */
	T_ASSERT(code_cache_compiled() > 0);
	T_EQ_INT((int64_t)spares, (int64_t)(code_cache_spares() + code_cache_compiled()));
	T_EQ_INT(0, filter_examples_run(eng, NULL, NULL, &total, &failed));
	T_EQ_INT(0, (int64_t)failed);
	T_EQ_INT(0, (int64_t)code_cache_spares());
	T_EQ_INT(0, (int64_t)code_cache_compiled());
	filter_engine_free(eng);
	diag_list_clear(&e);
	diag_list_clear(&w);
}

int main(void)
{
	T_RUN(test_checked_code_runs_the_examples);
	T_RUN(test_errors_as_a_compiling_load_reports_them);
	T_RUN(test_shipped_rules_checked_later_are_the_same);
	T_RUN(test_trusted_is_not_compiled);
	T_RUN(test_capture_bound);
	T_RUN(test_every_file_is_fed_in_order);
	return t_done();
}
