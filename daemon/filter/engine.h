/* The filter engine: compiled rules, the prefilter, and scanning.
 *
 *   struct filter_options o;
 *   filter_options_default(&o);
 *   filter_engine_load("/usr/share/vakt/filters", &o, &e, &errors, &warnings);
 *   filter_engine_scan(e, text, len, 0, &verdict);
 *
 * Every pattern is compiled with PCRE2_UTF | PCRE2_UCP and JIT-compiled
 * when JIT is available (falling back to the interpreter per pattern), and
 * matched with match, depth and heap limits.  A rule that hits a limit does
 * not match; the verdict lists it under errors, its counter grows, and after
 * `disable_after` limit hits it is disabled for the engine's lifetime.
 *
 * An engine is not thread-safe: scans mutate counters and scratch space.
 * Use one engine per thread.
 */
#pragma once

#include <stddef.h>
#include <stdint.h>
#include <time.h>

#include "filter/rules.h"
#include "filter/verdict.h"
#include "util/diag.h"

struct filter_options {
	size_t max_scan_bytes;   /* input bytes scanned per comment (64 KiB) */
	uint32_t match_limit;    /* PCRE2 match limit per pcre2_match() (1,000,000) */
	uint32_t depth_limit;    /* PCRE2 depth limit, interpreter only (10,000) */
	uint32_t heap_limit_kib; /* PCRE2 heap limit, interpreter only (8192 KiB) */
	size_t jit_stack_max;    /* JIT stack size in bytes (1 MiB) */
	unsigned disable_after;  /* limit hits that disable a rule; 0 never (5) */
	size_t max_spans;        /* spans recorded per rule and comment (16) */
	int no_jit;              /* use the interpreter only (0) */
	int no_prefilter;        /* run every rule on every comment (0) */
	/* codes of this size (PCRE2_INFO_SIZE) or more are JIT-compiled when
	 * they first run, the rest once they have run on 8 KB of text
	 * (engine.c, JIT_AFTER_BYTES); 0, the default: none at first run */
	size_t jit_now_size;
	/* File of the prefilter plan (plandisk.h, docs/filter.md "Plan
	 * cache"): read instead of building the plan when it holds these
	 * rules' plan, else written after the build.  Read during
	 * filter_engine_new() only.  NULL: no file (the default). */
	const char *plan_cache;
};

/* Where an engine's prefilter plan came from. */
enum filter_plan_from {
	FILTER_PLAN_BUILT,  /* built now */
	FILTER_PLAN_SHARED, /* an engine's in memory with the same patterns */
	FILTER_PLAN_LOADED, /* read from the plan cache's file */
};

struct filter_rule_stats {
	uint64_t runs;       /* comments the rule was evaluated on */
	uint64_t hits;       /* comments it matched */
	time_t last_hit;     /* clock_now() of the last hit; 0 never */
	uint64_t match_ns;   /* cumulative time spent matching it */
	uint64_t limit_hits; /* PCRE2 limits hit */
	uint64_t errors;     /* other matching errors */
	int disabled;        /* disabled after too many limit hits */
	/* on texts long enough for windows (docs/filter.md, "Long texts"):
	 * pattern and except runs in windows around their literals, and
	 * runs over the whole text (no window plan, or too many places) */
	uint64_t long_windowed;
	uint64_t long_whole;
};

struct filter_engine;

/* Scan flags. */
enum {
	FILTER_SCAN_INCLUDE_EXPIRED = 1u << 0, /* also rules past `expires` */
	FILTER_SCAN_NO_PREFILTER = 1u << 1,    /* this scan runs every rule, each pattern as
	                                          written (the naive loop) */
	FILTER_SCAN_NO_SPLIT = 1u << 2,        /* run every pattern as written (anchor-split.h) */
	FILTER_SCAN_NO_WINDOW = 1u << 3,       /* search long texts whole (docs/filter.md) */
	/* a check of the rules (their examples, examples.h): no code is
	 * JIT-compiled for its size (filter_options.jit_now_size), for the
	 * check's codes are released after it and READY waits for it */
	FILTER_SCAN_CHECK = 1u << 4,
};

void filter_options_default(struct filter_options *o);

/* Build an engine from a parsed rule set without errors, taking ownership
 * of its rules (*rs is left empty, also on failure).  Returns 0, or -ENOMEM
 * / -EINVAL (bad options, or a rule the parser reported an error for). */
int filter_engine_new(struct filter_ruleset *rs, const struct filter_options *o,
                      struct filter_engine **ret);

/* Load every *.rules file of dir (rules_load_dir()) and build an engine.
 * Returns 0; 1 when the files have errors (all of them in `errors` as
 * file:line: message); or -errno.  Warnings (expired rules) go to
 * `warnings` either way. */
int filter_engine_load(const char *dir, const struct filter_options *o, struct filter_engine **ret,
                       struct diag_list *errors, struct diag_list *warnings);

/* Give the engine the words of DIR/lexicon for the de-obfuscation step
 * (deobf.h); filter_engine_load() does this, an engine made by
 * filter_engine_new() alone has no such step.  Returns 0 or -errno. */
int filter_engine_load_vocab(struct filter_engine *e, const char *dir, struct diag_list *errors);

void filter_engine_free(struct filter_engine *e);

/* Scan one comment (any bytes; invalid UTF-8 is replaced, input beyond
 * max_scan_bytes is not scanned and the verdict says truncated).  Returns 0
 * with a new verdict (free with filter_verdict_free()), or -ENOMEM.  Rule
 * errors (limits) are part of the verdict, not a failure. */
int filter_engine_scan(struct filter_engine *e, const char *text, size_t len, unsigned flags,
                       struct filter_verdict **ret);

size_t filter_engine_rule_count(const struct filter_engine *e);
const struct filter_rule *filter_engine_rule(const struct filter_engine *e, size_t i);
const struct filter_rule_stats *filter_engine_rule_stats(const struct filter_engine *e, size_t i);
/* Pattern k of rule i (its patterns, then its excepts) as the engine
 * compiles it (lexicons expanded; the code cache's copy: an engine frees
 * the rules' own sources once built), a new string; NULL when out of
 * range or out of memory.  For comparing the engine with other matchers
 * on the same patterns (tests/bench/bench-hyperscan.c). */
char *filter_engine_pattern_source(const struct filter_engine *e, size_t i, size_t k);
/* Index of rule `id`, or -1. */
long filter_engine_rule_index(const struct filter_engine *e, const char *id);
/* 1 when the rule runs on every comment (no literal could be extracted). */
int filter_engine_rule_always(const struct filter_engine *e, size_t i);
/* Number of patterns JIT-compiled so far.  A pattern is JIT-compiled when
 * it first runs (most never pass the prefilter); one JIT cannot handle,
 * or every one under no_jit, runs in the interpreter. */
size_t filter_engine_jit_patterns(const struct filter_engine *e);
/* Give back the compiled code of every pattern (rules.h, codecache.h):
 * compiled again when a pattern next runs.  After the rules' own
 * examples, which run every rule, so that an engine keeps only the code
 * of what its traffic runs. */
void filter_engine_release_code(struct filter_engine *e);

/* Free every rule's examples (`match`, `nomatch`): only
 * filter_examples_run() reads them, and a daemon whose check passed
 * never runs them again (pipeline_rules_check(); ten times the rules
 * kept 2.5 MiB of them).  The rules then have none. */
void filter_engine_drop_examples(struct filter_engine *e);

/* Number of patterns run as a head and a tail (anchor-split.h). */
size_t filter_engine_split_patterns(const struct filter_engine *e);
/* Number of patterns and excepts run on long texts only in windows near
 * their literals (docs/filter.md, "Long texts"; reach.h). */
size_t filter_engine_window_patterns(const struct filter_engine *e);

struct filter_memory;
/* What the engine's parts hold (memacct.h): its parsed rules, its own
 * arrays and scratch, its prefilter plan and automata (shared with the
 * engines of the same patterns); the code cache's part is
 * code_cache_memory(). */
void filter_engine_memory(const struct filter_engine *e, struct filter_memory *m);

/* Where e's prefilter plan came from; *note (may be NULL): what happened
 * with the plan cache's file, one line for the log ("" when no file was
 * given or all went as it should: read, or written after a build). */
enum filter_plan_from filter_engine_plan_from(const struct filter_engine *e, const char **note);

/* Copy the counters of every rule of `from` to the rule with the same id
 * in `to` (a reload keeps the counts; a rule whose patterns changed starts
 * afresh only if its id changed).  `disabled` is not carried: a reload is
 * the way to re-enable a rule. */
void filter_engine_stats_carry(struct filter_engine *to, const struct filter_engine *from);

/* Every rule's counters as a JSON array of objects: rule, file, line,
 * mode, runs, hits, last_hit (UTC ISO 8601 or null), match_ns, limit_hits,
 * errors, disabled, always_run (stats.c).  NULL on ENOMEM. */
cJSON *filter_engine_stats_to_json(const struct filter_engine *e);
