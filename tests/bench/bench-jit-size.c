/* bench-jit-size RULES_DIR [COMMENTS]: what JIT compiling a pattern costs
 * against what running it in the interpreter costs, by the size of its
 * compiled code (PCRE2_INFO_SIZE), natively.  The engine's JIT policy
 * (engine.c, JIT_NOW_SIZE) was chosen from it (docs/filter.md,
 * "nineteenth round: JIT by code size").
 *
 * For every pattern and except of the rules (as written, compiled with
 * FILTER_PCRE2_OPTIONS): the code's size; the time of pcre2_jit_compile()
 * on a fresh copy (the least of 3); the interpreter's and JIT's time a
 * byte over the benchmark corpus's first COMMENTS comments (each code
 * until it has run 20 ms, at least one comment); and the break-even:
 * the bytes of text whose interpreted time pays for compiling.  One line
 * a code (`code SIZE COMPILE_US INTERP_NS_B JIT_NS_B BREAKEVEN_B FL RULE`,
 * F and L PCRE2_INFO_FIRSTCODETYPE and _LASTCODETYPE),
 * then the medians by size class.  Times are CPU time of this process
 * (CLOCK_PROCESS_CPUTIME_ID): a loaded machine inflates them less than
 * the wall clock, but still some (caches); take the least of runs. */
#define PCRE2_CODE_UNIT_WIDTH 8
#include <pcre2.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "bench-corpus.h"
#include "filter/rules.h"

struct code_cost {
	size_t size;
	uint32_t first, last; /* PCRE2_INFO_FIRSTCODETYPE, _LASTCODETYPE */
	double compile_us, interp_ns_b, jit_ns_b;
	const char *rule;
};

static uint64_t cpu_ns(void)
{
	struct timespec ts;
	clock_gettime(CLOCK_PROCESS_CPUTIME_ID, &ts);
	return (uint64_t)ts.tv_sec * 1000000000u + (uint64_t)ts.tv_nsec;
}

/* ns a byte of running code (JIT when jit) over comments until 20 ms */
static double run_cost(pcre2_code *code, int jit, char *const *corpus, size_t n)
{
	pcre2_match_data *md = pcre2_match_data_create_from_pattern(code, NULL);
	if (!md)
		return -1;
	uint64_t t0 = cpu_ns(), spent = 0;
	size_t bytes = 0;
	for (size_t i = 0; i < n && (i == 0 || spent < 20000000u); i++) {
		size_t len = strlen(corpus[i]);
		if (jit)
			pcre2_jit_match(code, (PCRE2_SPTR)corpus[i], len, 0, 0, md, NULL);
		else
			pcre2_match(code, (PCRE2_SPTR)corpus[i], len, 0, 0, md, NULL);
		bytes += len;
		spent = cpu_ns() - t0;
	}
	pcre2_match_data_free(md);
	return bytes ? (double)spent / (double)bytes : -1;
}

/* µs of pcre2_jit_compile() on a copy of code, the least of 3; -1: JIT
 * cannot compile it */
static double compile_cost(const pcre2_code *code)
{
	double best = -1;
	for (int k = 0; k < 3; k++) {
		pcre2_code *c = pcre2_code_copy(code);
		if (!c)
			return -1;
		uint64_t t0 = cpu_ns();
		int rc = pcre2_jit_compile(c, PCRE2_JIT_COMPLETE);
		double us = (double)(cpu_ns() - t0) / 1000.0;
		pcre2_code_free(c);
		if (rc != 0)
			return -1;
		if (best < 0 || us < best)
			best = us;
	}
	return best;
}

static int measure(const char *src, const char *rule, char *const *corpus, size_t n,
                   struct code_cost *out)
{
	int err;
	PCRE2_SIZE off;
	pcre2_code *code = pcre2_compile((PCRE2_SPTR)src, PCRE2_ZERO_TERMINATED,
	                                 FILTER_PCRE2_OPTIONS, &err, &off, NULL);
	if (!code)
		return -1;
	out->rule = rule;
	pcre2_pattern_info(code, PCRE2_INFO_SIZE, &out->size);
	pcre2_pattern_info(code, PCRE2_INFO_FIRSTCODETYPE, &out->first);
	pcre2_pattern_info(code, PCRE2_INFO_LASTCODETYPE, &out->last);
	out->interp_ns_b = run_cost(code, 0, corpus, n);
	out->compile_us = compile_cost(code);
	out->jit_ns_b = -1;
	if (out->compile_us >= 0 && pcre2_jit_compile(code, PCRE2_JIT_COMPLETE) == 0)
		out->jit_ns_b = run_cost(code, 1, corpus, n);
	pcre2_code_free(code);
	return out->compile_us >= 0 && out->jit_ns_b >= 0 ? 0 : -1;
}

/* bytes of interpreted text that cost what compiling does */
static double breakeven(const struct code_cost *c)
{
	double saved = c->interp_ns_b - c->jit_ns_b;
	return saved > 0 ? c->compile_us * 1000.0 / saved : 1e12;
}

static int by_breakeven(const void *a, const void *b)
{
	double x = breakeven(a), y = breakeven(b);
	return (x > y) - (x < y);
}

static void print_class(struct code_cost *v, size_t n, size_t lo, size_t hi)
{
	struct code_cost *sel = malloc((n ? n : 1) * sizeof(*sel));
	size_t m = 0;
	for (size_t i = 0; sel && i < n; i++)
		if (v[i].size >= lo && v[i].size < hi)
			sel[m++] = v[i];
	if (m) {
		qsort(sel, m, sizeof(*sel), by_breakeven);
		printf("class %6zu-%-7zu %4zu codes  break-even bytes: least %9.0f median %9.0f "
		       "most "
		       "%9.0f\n",
		       lo, hi, m, breakeven(&sel[0]), breakeven(&sel[m / 2]),
		       breakeven(&sel[m - 1]));
	}
	free(sel);
}

int main(int argc, char **argv)
{
	if (argc < 2) {
		fprintf(stderr, "usage: %s RULES_DIR [COMMENTS]\n", argv[0]);
		return 2;
	}
	size_t ncomments = argc > 2 ? strtoul(argv[2], NULL, 10) : 400, bytes = 0;
	struct filter_ruleset rs = { 0 };
	bench_rules_times(argv[1], 1, 0, &rs);
	char **corpus = bench_corpus_make(&rs, ncomments, &bytes);
	printf("# %zu comments, %zu bytes (%.0f a comment)\n", ncomments, bytes,
	       (double)bytes / (double)ncomments);
	size_t cap = 0, n = 0;
	for (size_t i = 0; i < rs.n; i++)
		cap += rs.v[i].npatterns + rs.v[i].nexcepts;
	struct code_cost *v = calloc(cap ? cap : 1, sizeof(*v));
	if (!v)
		return 1;
	for (size_t i = 0; i < rs.n; i++) {
		const struct filter_rule *r = &rs.v[i];
		for (size_t k = 0; k < r->npatterns + r->nexcepts; k++) {
			const struct filter_pattern *p =
			        k < r->npatterns ? &r->patterns[k] : &r->excepts[k - r->npatterns];
			if (measure(p->src, r->id, corpus, ncomments, &v[n]) != 0)
				continue;
			printf("code %7zu %9.1f %9.2f %7.2f %12.0f %u%u %s\n", v[n].size,
			       v[n].compile_us, v[n].interp_ns_b, v[n].jit_ns_b, breakeven(&v[n]),
			       v[n].first, v[n].last, r->id);
			n++;
		}
	}
	static const size_t edges[] = { 0, 1024, 2048, 4096, 8192, 16384, 32768, (size_t)-1 };
	for (size_t c = 0; c + 1 < sizeof(edges) / sizeof(edges[0]); c++)
		print_class(v, n, edges[c], edges[c + 1]);
	free(v);
	bench_corpus_free(corpus, ncomments);
	filter_ruleset_clear(&rs);
	return 0;
}
