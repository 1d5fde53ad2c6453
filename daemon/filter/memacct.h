/* What an engine's parts hold in memory, for benchmarks and tests.
 *
 * Bytes asked of malloc() (not what it rounds them to), counted from the
 * structures themselves: ten times the rules should not cost ten times
 * the memory (docs/filter.md, "Benchmark"), and a figure per part says
 * which part grows with them.  The automata and the rest of the prefilter
 * plan are shared by every engine built from the same patterns
 * (prefcache.h), sources and compiled code by every engine holding the
 * same pattern (codecache.h): those parts are reported once, not per
 * engine.
 */
#pragma once

#include <stddef.h>

#include "filter/rules.h"

struct prefilter_plan;

struct filter_memory {
	size_t rules;    /* the parsed rules it keeps: ids, titles, examples, pattern records */
	size_t engine;   /* its own per-rule and per-pattern arrays and scan scratch */
	size_t plan;     /* its prefilter plan without the automata (shared) */
	size_t automata; /* the plan's two Aho–Corasick automata (shared) */
};

/* The code cache (codecache.h), for every engine of the process. */
struct code_cache_memory {
	size_t entries; /* entries and hash tables */
	size_t sources; /* the packed sources and their chunks, each once */
	size_t code;    /* compiled code (PCRE2_INFO_SIZE), spares included */
	size_t jit;     /* JIT code (PCRE2_INFO_JITSIZE) */
	size_t ncode;   /* codes held (compiled or spare) */
};

/* Bytes of the rules of rs: the array, strings, patterns' and examples'
 * records (a pattern's source while the rules still hold it; compiled
 * code is the code cache's). */
size_t filter_ruleset_memory(const struct filter_ruleset *rs);

/* Bytes of plan p without its automata (slot plans, key, fan-out). */
size_t prefilter_plan_memory(const struct prefilter_plan *p);

/* Fill *m for the code cache as it is now. */
void code_cache_memory(struct code_cache_memory *m);
