/* What the filter benchmarks share (bench-filters.c, bench-hyperscan.c):
 * the generated corpus, the clock, and the rule set multiplied. */
#pragma once

#include <stddef.h>
#include <stdint.h>

#include "filter/rules.h"

/* n generated, deterministic comments of Swedish-like words (the seed is
 * fixed: every benchmark and every run gets the same corpus for the same
 * n and rules); about 3 % carry a phrase from some rule's own `match`
 * examples.  Writes their total length; free with bench_corpus_free(). */
char **bench_corpus_make(const struct filter_ruleset *rs, size_t n, size_t *ret_bytes);
void bench_corpus_free(char **corpus, size_t n);

/* A long text: comments of the corpus from *ci on (advanced, wrapping
 * round) joined by spaces into buf (size bytes or more) until about size
 * bytes, cut at a character boundary; returns its length (not
 * NUL-terminated). */
size_t bench_corpus_join(char *const *corpus, size_t n, size_t *ci, size_t size, char *buf);

/* Nanoseconds of the monotonic clock, or with BENCH_CPU_TIME set of this
 * process's CPU time (a loaded machine takes the CPU away between the
 * readings). */
uint64_t bench_now_ns(void);

/* The rule set of dir, `times` times over, into *ret: copies get ids
 * suffixed .xN, and with `vary` patterns with new literals (each letter
 * that is a literal moved N places on, so a copy costs what a new rule of
 * the same kind costs but finds other words).  Exits on a load error. */
void bench_rules_times(const char *dir, int times, int vary, struct filter_ruleset *ret);

struct filter_engine;
/* An engine of rs (taken, as filter_engine_new() does) with the words of
 * dir/lexicon for its de-obfuscation step, as filter_engine_load() builds
 * it for the daemon; BENCH_NO_JIT=1: the interpreter only.  Exits on an
 * error. */
struct filter_engine *bench_engine_new(const char *dir, struct filter_ruleset *rs);
