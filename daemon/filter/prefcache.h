/* Prefilter plans shared between engines.
 *
 * An engine's prefilter (engine.c) is, per pattern ("slot"), which literal
 * sets it requires and how it runs in windows on long texts, and the two
 * Aho–Corasick automata of all those literals: most of an engine's memory
 * (several MiB for the shipped rules) and much of its build time.  All of
 * it follows from the patterns' sources, their input kinds, which are
 * excepts and which run split (anchor-split.h), in order.  A reload builds a new engine while the
 * old one still runs; when its patterns are the same, it takes a reference to the old engine's plan
 * instead of building its own, so two engines cost about one.  Sources are compared by their code
 * cache entries (codecache.h, one per source text), kept alive by the engines holding the plan.
 * A plan is read-only once shared (scans keep their stamps and marks in
 * the engine); the cache is guarded by a mutex.
 */
#pragma once

#include <stddef.h>
#include <stdint.h>

struct aho;

/* What the engine decided for one slot (see engine.c, struct slot and
 * struct split). */
struct plan_slot {
	uint8_t full;     /* bit per required literal set; 0: no literal */
	int8_t wset;      /* window set (engine.c) */
	uint8_t spaces;   /* reach in spaces */
	uint8_t primary;  /* the required set that is rarest by lit_set_freq() */
	uint32_t reach;   /* 0: not windowed */
	uint8_t nseg;     /* segments of words and characters (engine.c) */
	uint8_t alt_nseg; /* a second plan, chosen per text (engine.c) */
	uint16_t seg[4], alt_seg[4];
	uint16_t behind; /* split.behind (engine.c); in what was padding */
	uint32_t alt_reach;
	uint8_t look_nseg; /* split.look_* (engine.c) */
	uint16_t look_seg[4];
	/* the distinct set (automaton id) of required set c, and [3] of the
	 * window prefix set (PLAN_NO_SET: none) */
	uint32_t set[4];
};

#define PLAN_NO_SET UINT32_MAX
/* A slot requires up to PREFILTER_MAX_CONJ sets: its primary and others. */
#define PLAN_FAN_OTHERS 2

/* A slot's key besides its source: input kind, except flag, and whether
 * it runs as a head and a tail (the windows are planned for the tail). */
#define PLAN_TAG(input, except, split)                                                             \
	((uint8_t)((input) << 2 | ((split) ? 2 : 0) | ((except) ? 1 : 0)))

struct prefilter_plan {
	struct aho *aho[2]; /* by enum filter_input */
	struct plan_slot *slot;
	size_t nslots;
	/* Distinct literal sets: equal sets of several patterns (a lexicon
	 * used by ten patterns) are one automaton id.  When set g is seen,
	 * the slots whose primary set it is are fan[fan_off[g] ..
	 * fan_off[g + 1]); their other sets are looked up then, in the
	 * entry itself: a comment primes hundreds of slots (ten times the
	 * rules: 460, of which 130 open), and reading each slot's plan
	 * (64 bytes, 1.9 MB at ten times the rules) for them missed the
	 * cache more than anything else in the scan. */
	size_t nsets;
	uint32_t *fan_off;
	struct plan_fan {
		uint32_t slot;
		uint32_t other[PLAN_FAN_OTHERS]; /* its other required sets; PLAN_NO_SET */
	} * fan;
	/* Sets 0 .. nprimary - 1 are some pattern's primary set (each has
	 * a fan; an except's slot has none, engine.c); the rest only need to be marked seen
	 * (build_plan() numbers them so). */
	size_t nprimary;
	/* the key */
	const void **src; /* per slot, its code cache entry (codecache.h) */
	uint8_t *tag;
	/* the cache's */
	uint64_t hash;
	size_t refs;
	struct prefilter_plan *next;
};

/* A new, empty plan for n slots with this key (copied; the sources are
 * referenced, not copied), or NULL. */
struct prefilter_plan *prefilter_plan_new(const void *const *src, const uint8_t *tag, size_t n);

/* The cached plan for this key with a new reference, or NULL. */
struct prefilter_plan *prefilter_plan_find(const void *const *src, const uint8_t *tag, size_t n);

/* Put a complete plan (from prefilter_plan_new()) in the cache with one
 * reference. */
void prefilter_plan_share(struct prefilter_plan *p);

/* Drop one reference (a plan never shared is freed at once); NULL does
 * nothing. */
void prefilter_plan_drop(struct prefilter_plan *p);

/* Number of cached plans and references held (tests). */
void prefilter_plan_stats(size_t *ret_plans, size_t *ret_refs);
