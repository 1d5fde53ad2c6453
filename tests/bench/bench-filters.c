/* bench-filters: throughput and latency of the filter engine on a
 * generated, deterministic corpus of Swedish-like comments.
 *
 *   bench-filters RULES_DIR [COMMENTS [MODE]]
 *
 * MODE "short" (the default) reports comments/s on one core and p50/p99 µs
 * per comment for the rule set and for it multiplied four times, each with
 * the prefilter and with a naive loop over every rule (on the first
 * NAIVE_MAX comments only).  MODE "long" reports
 * µs per KB on long texts (4, 16, 64 KB) made from the same generator.
 * MODE "x10" compares the rule set with ten times as many rules whose
 * literals are new (generated variants, bench-corpus.c): time per
 * comment and the memory of each engine. */
#include <malloc.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>
#if __has_include(<valgrind/callgrind.h>)
#include <valgrind/callgrind.h>
#else
#define CALLGRIND_START_INSTRUMENTATION ((void)0)
#define CALLGRIND_STOP_INSTRUMENTATION ((void)0)
#define CALLGRIND_DUMP_STATS_AT(s) (void)(s)
#endif

#include "bench-corpus.h"
#include "filter/codecache.h"
#include "filter/memacct.h"
#include "filter/engine.h"

#define NAIVE_MAX 2000
#include "util/clock.h"

static int cmp_u64(const void *a, const void *b)
{
	uint64_t x = *(const uint64_t *)a, y = *(const uint64_t *)b;
	return x < y ? -1 : x > y;
}

static void run(const char *label, struct filter_engine *e, char **corpus, size_t n, size_t bytes,
                unsigned flags)
{
	uint64_t *lat = malloc(n * sizeof(*lat));
	size_t hits = 0, errors = 0;
	uint64_t runs0 = 0, ns0 = 0;
	for (size_t i = 0; i < filter_engine_rule_count(e); i++) {
		runs0 += filter_engine_rule_stats(e, i)->runs;
		ns0 += filter_engine_rule_stats(e, i)->match_ns;
	}
	/* BENCH_CALLGRIND_DUMPS=1 under `valgrind --tool=callgrind
	 * --instr-atstart=no`: each run is measured alone (a dump named by its
	 * label) and the engines' builds run uninstrumented.  Only on request:
	 * with --toggle-collect and instrumentation from the start, a second
	 * run's dump came out with a negative total (valgrind 3.19). */
	int dumps = getenv("BENCH_CALLGRIND_DUMPS") != NULL;
	if (dumps)
		CALLGRIND_START_INSTRUMENTATION;
	uint64_t t0 = bench_now_ns();
	for (size_t i = 0; i < n; i++) {
		struct filter_verdict *v;
		uint64_t s = bench_now_ns();
		if (filter_engine_scan(e, corpus[i], strlen(corpus[i]), flags, &v) < 0) {
			fprintf(stderr, "out of memory\n");
			exit(1);
		}
		lat[i] = bench_now_ns() - s;
		hits += v->nhits > 0;
		errors += v->nerrors;
		filter_verdict_free(v);
	}
	double secs = (double)(bench_now_ns() - t0) / 1e9;
	if (dumps) {
		CALLGRIND_DUMP_STATS_AT(label);
		CALLGRIND_STOP_INSTRUMENTATION;
	}
	qsort(lat, n, sizeof(*lat), cmp_u64);
	printf("%-34s %5zu rules %10.0f comments/s %7.1f MB/s  p50 %7.1f us  p99 %7.1f us  "
	       "hits %5.2f %%  errors %zu\n",
	       label, filter_engine_rule_count(e), (double)n / secs, (double)bytes / secs / 1e6,
	       (double)lat[n / 2] / 1e3, (double)lat[n * 99 / 100] / 1e3,
	       100.0 * (double)hits / (double)n, errors);
	uint64_t runs1 = 0, ns1 = 0;
	for (size_t i = 0; i < filter_engine_rule_count(e); i++) {
		runs1 += filter_engine_rule_stats(e, i)->runs;
		ns1 += filter_engine_rule_stats(e, i)->match_ns;
	}
	printf("# %.2f rules run per comment, PCRE2 %.1f us per comment (of %.1f us)\n",
	       (double)(runs1 - runs0) / (double)n, (double)(ns1 - ns0) / 1e3 / (double)n,
	       secs * 1e6 / (double)n);
	free(lat);
}

/* Resident memory of this process, KiB. */
static long rss_kib(void)
{
	long pages = 0, res = 0;
	FILE *f = fopen("/proc/self/statm", "r");
	if (f) {
		if (fscanf(f, "%ld %ld", &pages, &res) != 2)
			res = 0;
		fclose(f);
	}
	return res * (sysconf(_SC_PAGESIZE) / 1024);
}

/* The rule set of dir, `times` times over; copies get ids suffixed .xN,
 * and with `vary` patterns with new literals (vary_rule()). */
static struct filter_engine *load_times_v(const char *dir, int times, int vary)
{
	struct filter_ruleset all = { 0 };
	size_t heap0 = mallinfo2().uordblks + mallinfo2().hblkhd;
	bench_rules_times(dir, times, vary, &all);
	size_t heap1 = mallinfo2().uordblks + mallinfo2().hblkhd;
	struct filter_engine *e = bench_engine_new(dir, &all);
	size_t heap2 = mallinfo2().uordblks + mallinfo2().hblkhd;
	printf("# heap: parsed rules %.1f MiB, engine beyond them %.1f MiB\n",
	       ((double)heap1 - (double)heap0) / 1048576.0,
	       ((double)heap2 - (double)heap1) / 1048576.0);
	size_t always = 0;
	for (size_t i = 0; i < filter_engine_rule_count(e); i++)
		always += filter_engine_rule_always(e, i);
	printf("# %zu rules loaded from %s (x%d%s), %zu always run (no literal), %zu split, "
	       "%zu run in windows on long texts\n",
	       filter_engine_rule_count(e), dir, times, vary ? ", new literals" : "", always,
	       filter_engine_split_patterns(e), filter_engine_window_patterns(e));
	return e;
}

static struct filter_engine *load_times(const char *dir, int times)
{
	return load_times_v(dir, times, 0);
}

/* JIT code held by the code cache (all engines), bytes: a pass that
 * JIT-compiled nothing leaves it as it was. */
static size_t jit_bytes(void)
{
	struct code_cache_memory c;
	code_cache_memory(&c);
	return c.jit;
}

/* run_long() flag: time the pass but print nothing (a warm-up pass). */
#define QUIET 0x40000000u
#define WARM_MAX 100

/* Long texts: comments of the corpus joined until `size` bytes; reports
 * µs per KB over all texts and the slowest text (`what` names the pass). */
static void run_long(struct filter_engine *e, char **corpus, size_t n, size_t size, size_t ntexts,
                     unsigned flags, const char *what)
{
	char *buf = malloc(size + 2048);
	size_t ci = 0, total = 0, jit0 = filter_engine_jit_patterns(e);
	size_t nrules = filter_engine_rule_count(e);
	uint64_t spent = 0, worst = 0, *whole0 = calloc(nrules + 1, sizeof(*whole0));
	for (size_t i = 0; whole0 && i < nrules; i++)
		whole0[i] = filter_engine_rule_stats(e, i)->long_whole;
	for (size_t t = 0; t < ntexts; t++) {
		size_t len = bench_corpus_join(corpus, n, &ci, size, buf);
		struct filter_verdict *v;
		uint64_t s = bench_now_ns();
		if (filter_engine_scan(e, buf, len, flags & ~QUIET, &v) < 0) {
			fprintf(stderr, "out of memory\n");
			exit(1);
		}
		uint64_t d = bench_now_ns() - s;
		filter_verdict_free(v);
		spent += d;
		total += len;
		if (d > worst)
			worst = d;
	}
	if (flags & QUIET) {
		free(whole0);
		free(buf);
		return;
	}
	printf("long text %6zu KB x %4zu%s%s: %8.1f us/KB  mean %8.1f us/text  slowest %8.1f us\n",
	       size / 1024, ntexts, flags & FILTER_SCAN_NO_WINDOW ? " (whole)" : "", what,
	       (double)spent / 1e3 / ((double)total / 1024.0), (double)spent / 1e3 / (double)ntexts,
	       (double)worst / 1e3);
	/* a warm pass compiles nothing: its patterns were JIT-compiled before
	 * it or stay in the interpreter (engine.c, JIT_AFTER_BYTES) */
	printf("# %zu patterns JIT-compiled during the pass, %zu in all\n",
	       filter_engine_jit_patterns(e) - jit0, filter_engine_jit_patterns(e));
	/* BENCH_LONG_WHOLE=1: the rules that ran a pattern or except over the
	 * whole of a long text in this pass (no window plan, or too many
	 * places), and how many times */
	for (size_t i = 0; whole0 && getenv("BENCH_LONG_WHOLE") && i < nrules; i++) {
		uint64_t d = filter_engine_rule_stats(e, i)->long_whole - whole0[i];
		if (d)
			printf("# whole %4llu %s\n", (unsigned long long)d,
			       filter_engine_rule(e, i)->id);
	}
	free(whole0);
	free(buf);
}

/* Per rule, when BENCH_RULE_RUNS is set: the rules that cost most
 * (BENCH_RULE_MIN_MS=X: those of X ms or more instead of min_ms). */
static void print_costly(const struct filter_engine *e, double min_ms)
{
	if (getenv("BENCH_RULE_MIN_MS"))
		min_ms = strtod(getenv("BENCH_RULE_MIN_MS"), NULL);
	for (size_t i = 0; getenv("BENCH_RULE_RUNS") && i < filter_engine_rule_count(e); i++) {
		const struct filter_rule_stats *st = filter_engine_rule_stats(e, i);
		if (st->match_ns / 1e6 >= min_ms)
			printf("# runs %6llu %8.1f ms %s\n", (unsigned long long)st->runs,
			       st->match_ns / 1e6, filter_engine_rule(e, i)->id);
	}
}

static void mode_long(const char *dir, char **corpus, size_t n, size_t bytes)
{
	struct filter_engine *e = load_times(dir, 1);
	uint64_t t0 = bench_now_ns();
	for (size_t i = 0; i < n; i++) {
		struct filter_verdict *v;
		if (filter_engine_scan(e, corpus[i], strlen(corpus[i]), 0, &v) < 0)
			exit(1);
		filter_verdict_free(v);
	}
	printf("ordinary comments (mean %zu B): %8.1f us/KB\n", bytes / n,
	       (double)(bench_now_ns() - t0) / 1e3 / ((double)bytes / 1024.0));
	filter_engine_free(e);
	static const size_t kb[] = { 4, 16, 64 }, texts[] = { 200, 60, 20 };
	/* BENCH_LONG_KB=K: only texts of K KB (4, 16 or 64); BENCH_LONG_TEXTS=N:
	 * N texts of each size (for profiling under valgrind); BENCH_NO_WINDOW=1:
	 * every pattern on the whole text */
	const char *only = getenv("BENCH_LONG_KB"), *nt = getenv("BENCH_LONG_TEXTS");
	for (int k = 0; k < 3; k++) {
		if (only && strtoul(only, NULL, 10) != kb[k])
			continue;
		e = load_times(dir, 1);
		const size_t ntexts = nt ? strtoul(nt, NULL, 10) : texts[k];
		const unsigned flags = getenv("BENCH_NO_WINDOW") ? FILTER_SCAN_NO_WINDOW : 0;
		/* A new engine compiles a pattern the first time it runs and
		 * JIT-compiles it once it has run on JIT_AFTER_BYTES (engine.c):
		 * the first pass over the texts pays for much of that, and the
		 * passes after it for the rest.  The reported pass is warm: it
		 * comes after the first pass over the same texts that JIT-compiled
		 * nothing (at most WARM_MAX passes), as in a vaktd that has run
		 * a while; BENCH_LONG_PASSES=N: N passes in all instead, the
		 * last reported (2: the first and the next, as earlier rounds
		 * measured). */
		run_long(e, corpus, n, kb[k] * 1024, ntexts, flags, " (first pass)");
		const char *np = getenv("BENCH_LONG_PASSES");
		const int fixed = np ? atoi(np) : 0;
		int ran = 0;
		for (size_t jit = jit_bytes(); ran < (fixed ? fixed - 2 : WARM_MAX);) {
			run_long(e, corpus, n, kb[k] * 1024, ntexts, flags | QUIET, "");
			ran++;
			size_t now = jit_bytes();
			if (!fixed && now == jit)
				break;
			jit = now;
		}
		printf("# %d warm-up passes after the first\n", ran);
		/* BENCH_RULE_RUNS=1: what each rule cost in the reported pass
		 * alone (the per-rule lines after it add up every pass) */
		const size_t nr = filter_engine_rule_count(e);
		uint64_t *ns0 = getenv("BENCH_RULE_RUNS") ? calloc(nr + 1, sizeof(*ns0)) : NULL;
		for (size_t i = 0; ns0 && i < nr; i++)
			ns0[i] = filter_engine_rule_stats(e, i)->match_ns;
		run_long(e, corpus, n, kb[k] * 1024, ntexts, flags, fixed ? "" : " (warm)");
		for (size_t i = 0; ns0 && i < nr; i++) {
			double ms =
			        (double)(filter_engine_rule_stats(e, i)->match_ns - ns0[i]) / 1e6;
			if (ms >= 0.02 * (double)ntexts)
				printf("# pass %8.3f ms a text %s\n", ms / (double)ntexts,
				       filter_engine_rule(e, i)->id);
		}
		free(ns0);
		print_costly(e, 5.0);
		filter_engine_free(e);
	}
}

/* Build an engine and report its time and the growth of resident memory:
 * as the build leaves it, and as vaktd keeps it once its check passed
 * (pipeline_rules_check(): the examples dropped, freed memory given back
 * with malloc_trim()). */
static struct filter_engine *load_measured(const char *dir, int times, int vary)
{
	malloc_trim(0);
	long before = rss_kib();
	uint64_t t0 = bench_now_ns();
	struct filter_engine *e = load_times_v(dir, times, vary);
	double ms = (double)(bench_now_ns() - t0) / 1e6;
	long peak = rss_kib();
	struct filter_memory m0, m1;
	filter_engine_memory(e, &m0);
	filter_engine_drop_examples(e);
	filter_engine_memory(e, &m1);
	uint64_t t1 = bench_now_ns();
	malloc_trim(0);
	double trim_ms = (double)(bench_now_ns() - t1) / 1e6;
	printf("# engine x%d: built in %.0f ms, resident memory +%.1f MiB as built, +%.1f MiB "
	       "without the examples (%.1f MiB) and after malloc_trim() (%.0f ms); compiled "
	       "code comes later\n",
	       times, ms, (double)(peak - before) / 1024.0, (double)(rss_kib() - before) / 1024.0,
	       (double)(m0.rules - m1.rules) / 1048576.0, trim_ms);
	return e;
}

/* Where an engine's memory is (memacct.h), MiB: what grows with the rules. */
static void print_memory(const char *what, const struct filter_engine *e)
{
	struct filter_memory m;
	struct code_cache_memory c;
	filter_engine_memory(e, &m);
	code_cache_memory(&c);
	const double M = 1048576.0;
	printf("# memory %s: automata %.1f, prefilter plan %.1f, engine arrays and scratch %.1f, "
	       "parsed rules %.1f MiB; code cache (all engines): sources %.1f, entries %.1f, "
	       "%zu codes %.1f + JIT %.1f MiB\n",
	       what, (double)m.automata / M, (double)m.plan / M, (double)m.engine / M,
	       (double)m.rules / M, (double)c.sources / M, (double)c.entries / M, c.ncode,
	       (double)c.code / M, (double)c.jit / M);
}

static void mode_x10(const char *dir, char **corpus, size_t n, size_t bytes)
{
	struct filter_engine *e1 = load_measured(dir, 1, 0);
	print_memory("x1 built", e1);
	run("rules x1, prefilter", e1, corpus, n, bytes, 0);
	print_memory("x1 after a pass", e1);
	/* a reload of the same rules while the first engine lives on: the
	 * compiled patterns (and JIT code) are shared (codecache.h) */
	printf("# reload of the same rules:\n");
	struct filter_engine *e1b = load_measured(dir, 1, 0);
	run("rules x1 after reload, prefilter", e1b, corpus, n, bytes, 0);
	filter_engine_free(e1b);
	filter_engine_free(e1);
	struct filter_engine *e10 = load_measured(dir, 10, 1);
	print_memory("x10 built", e10);
	run("rules x10 new literals, prefilter", e10, corpus, n, bytes, 0);
	print_costly(e10, 20.0);
	/* the same again: every pattern that runs has its JIT code now, as
	 * in a daemon that has run a while (x1's is the reload's line) */
	run("rules x10 new literals, again", e10, corpus, n, bytes, 0);
	printf("# resident memory after both runs: %.1f MiB; %zu patterns, heads and tails "
	       "compiled "
	       "(a pattern is compiled when it first runs)\n",
	       (double)rss_kib() / 1024.0, code_cache_compiled());
	print_memory("x10 after both passes", e10);
	run_long(e10, corpus, n, 16 * 1024, 30, 0, "");
	filter_engine_free(e10);
}

int main(int argc, char **argv)
{
	if (argc < 2 || argc > 4) {
		fprintf(stderr, "usage: bench-filters RULES_DIR [COMMENTS [short|long|x10]]\n");
		return 2;
	}
	const char *mode = argc == 4 ? argv[3] : "short";
	size_t n = argc >= 3 ? strtoul(argv[2], NULL, 10) : 100000;
	if (n < 100)
		n = 100;
	struct filter_ruleset rs = { 0 };
	struct diag_list errs = { 0 }, warns = { 0 };
	if (rules_load_dir(argv[1], clock_now(), &rs, &errs, &warns) != 0) {
		diag_print(&errs, stderr);
		return 1;
	}
	size_t bytes;
	char **corpus = bench_corpus_make(&rs, n, &bytes);
	printf("# corpus: %zu comments, %.1f MB, mean %zu bytes (seed fixed)\n", n, bytes / 1e6,
	       bytes / n);
	/* BENCH_DUMP=FILE: write the corpus there, one comment a line (to
	 * compare verdicts with `vaktctl filters scan`, or to profile) */
	if (getenv("BENCH_DUMP")) {
		FILE *f = fopen(getenv("BENCH_DUMP"), "w");
		for (size_t i = 0; f && i < n; i++)
			fprintf(f, "%s\n", corpus[i]);
		if (!f || fclose(f) != 0) {
			perror(getenv("BENCH_DUMP"));
			return 1;
		}
	}

	if (strcmp(mode, "long") == 0 || strcmp(mode, "x10") == 0) {
		if (mode[0] == 'l')
			mode_long(argv[1], corpus, n, bytes);
		else
			mode_x10(argv[1], corpus, n, bytes);
		for (size_t i = 0; i < n; i++)
			free(corpus[i]);
		free(corpus);
		filter_ruleset_clear(&rs);
		diag_list_clear(&errs);
		diag_list_clear(&warns);
		return 0;
	}
	if (strcmp(mode, "short") != 0) {
		fprintf(stderr, "bench-filters: unknown mode %s\n", mode);
		return 2;
	}
	/* BENCH_ONLY=1: only the first line (for profiling) */
	int only = getenv("BENCH_ONLY") != NULL;
	struct filter_engine *e1 = load_times(argv[1], 1);
	struct filter_engine *e4 = only ? NULL : load_times(argv[1], 4);
	/* The naive loop runs every rule on every comment, 2-10 ms a comment
	 * with the lexicon rules: a sample of the corpus gives its rate
	 * without making the benchmark take half an hour. */
	size_t n_naive = n < NAIVE_MAX ? n : NAIVE_MAX, bytes_naive = 0;
	for (size_t i = 0; i < n_naive; i++)
		bytes_naive += strlen(corpus[i]);
	run("rules x1, prefilter", e1, corpus, n, bytes, 0);
	/* BENCH_PASSES=N: the first line N times on the same engine (the
	 * later passes with every pattern that ran compiled: to profile the
	 * scan without the compilation) */
	long passes = getenv("BENCH_PASSES") ? strtol(getenv("BENCH_PASSES"), NULL, 10) : 1;
	/* each rule's time in the last of them (BENCH_RULE_RUNS) */
	uint64_t *last_ns = calloc(filter_engine_rule_count(e1) + 1, sizeof(*last_ns));
	for (long p = passes; p > 1; p--) {
		for (size_t i = 0; last_ns && i < filter_engine_rule_count(e1); i++)
			last_ns[i] = filter_engine_rule_stats(e1, i)->match_ns;
		run("rules x1, prefilter, again", e1, corpus, n, bytes, 0);
	}
	if (!only) {
		run("rules x1, every rule (naive)", e1, corpus, n_naive, bytes_naive,
		    FILTER_SCAN_NO_PREFILTER);
		run("rules x4, prefilter", e4, corpus, n, bytes, 0);
		run("rules x4, every rule (naive)", e4, corpus, n_naive, bytes_naive,
		    FILTER_SCAN_NO_PREFILTER);
	}

	if (getenv("BENCH_RULE_RUNS")) {
		/* which rules the prefilter lets through most often */
		for (size_t i = 0; i < filter_engine_rule_count(e1); i++) {
			const struct filter_rule_stats *st = filter_engine_rule_stats(e1, i);
			/* the share of comments the prefilter let it run on
			 * (without BENCH_ONLY the naive loop also ran it on
			 * every comment of its sample; its time is then in the
			 * figure) */
			uint64_t pre = st->runs - (only || st->runs < n_naive ? 0 : n_naive);
			if (passes > 1 && last_ns)
				printf("# %6.2f %% runs %8.1f ms (last pass %7.1f ms) %s%s\n",
				       100.0 * (double)st->runs / (double)n / (double)passes,
				       st->match_ns / 1e6, (st->match_ns - last_ns[i]) / 1e6,
				       filter_engine_rule(e1, i)->id,
				       filter_engine_rule_always(e1, i) ? " (always)" : "");
			else
				printf("# %6.2f %% runs %8.1f ms %s%s\n",
				       100.0 * (double)pre / (double)n, st->match_ns / 1e6,
				       filter_engine_rule(e1, i)->id,
				       filter_engine_rule_always(e1, i) ? " (always)" : "");
		}
	}
	free(last_ns);
	filter_engine_free(e1);
	filter_engine_free(e4);
	for (size_t i = 0; i < n; i++)
		free(corpus[i]);
	free(corpus);
	filter_ruleset_clear(&rs);
	diag_list_clear(&errs);
	diag_list_clear(&warns);
	return 0;
}
