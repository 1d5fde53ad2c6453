/* The filter engine: compile, prefilter, match with limits, build verdicts. */
#include "filter/engine.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "filter/aho.h"
#include "filter/codecache.h"
#include "filter/deobf.h"
#include "filter/lexicon.h"
#include "filter/anchor-split.h"
#include "filter/mask.h"
#include "filter/memacct.h"
#include "filter/normalize.h"
#include "filter/prefcache.h"
#include "filter/plandisk.h"
#include "filter/prefilter.h"
#include "filter/reach.h"
#include "filter/setmap.h"
#include "filter/utf8.h"
#include "filter/validate.h"
#include "util/clock.h"

#define NINPUTS 2 /* FILTER_INPUT_NORMALIZED, FILTER_INPUT_RAW */

/* Long texts (docs/filter.md, "Long texts"): from this many bytes on, a
 * pattern whose matches reach at most WINDOW_MAX_REACH bytes runs only in
 * windows around the occurrences of one of its literal sets; a set with
 * more than WINDOW_MAX_OCC occurrences is not used (its windows would
 * cover the text).  Reaches are in characters. */
#define WINDOW_MIN_TEXT 2048
#define WINDOW_MAX_REACH 1000
#define WINDOW_MAX_OCC 2048
/* Reaches counted in spaces (normalised text, reach.h): at most this many
 * words on either side. */
#define WINDOW_MAX_SPACES 64
/* The widest forward walk a window's subject is cut after (characters, a
 * space counted as eight; split.look_seg). */
#define LOOK_MAX 1000
#define LOOK_MAX_SPACES 32

struct crule {
	int always;    /* a pattern without literals: run on every comment */
	uint32_t mark; /* == engine gen: candidate in the current scan */
	size_t slot0;  /* the slot of its first pattern */
	struct filter_rule_stats st;
};

/* One slot per pattern of every rule: which literal sets it needs and
 * which it has seen in the current scan.  A pattern runs only when all its
 * sets were seen (or it has none). */
struct slot {
	uint32_t rule;
	uint8_t full;   /* bit per required set; 0: always run */
	uint8_t except; /* an `except` of the rule: its literals do not make
	                 * the rule a candidate; missing, they skip the except */
	/* a pattern anchored at both ends whose matches span at most L
	 * characters (prefilter_anchored_span()): L + 2, and a subject of
	 * that many characters or more cannot match (a final newline is the
	 * one more); 0: no such bound (in what was padding) */
	uint16_t limit;
	uint32_t gen; /* == engine gen: every required set was seen
	               * (open_slots() writes only the slots that open) */
};

/* A pattern of the form (?:^|…)REST run as two (anchor-split.h), per slot;
 * head == NULL when the pattern is run as written. */
struct split {
	pcre2_code *head, *tail;
	int head_jit, tail_jit; /* JIT_* */
	/* subject bytes this slot's codes were run on by the interpreter
	 * while their JIT compilation was put off (JIT_AFTER_BYTES) */
	uint32_t interp_bytes;
	/* a pattern run in windows on long texts (its code, like every
	 * pattern's, is compiled with PCRE2_USE_OFFSET_LIMIT: rules.h);
	 * reach in characters or spaces (0: not windowed); wset: the set the
	 * windows are around, WSET_ANY when the pattern's matches are
	 * bounded (whichever of its sets occurs least), else one its relaxed
	 * prefix requires (reach.h, pattern_prefix()) */
	int8_t wset;
	uint8_t spaces; /* reach in spaces (normalised text), not characters */
	/* nseg > 0: a pattern bounded in segments of spaces and characters
	 * (reach.h, pattern_mixed_reach_memo()); reach is then their width
	 * in characters and seg[] the walk back (SEG_SPACES | units) */
	uint8_t nseg;
	/* a pattern with a prefix plan (wset not WSET_ANY) that is bounded
	 * in segments too: that plan (around any of its own sets, reach
	 * alt_reach, walk alt_seg[]), which window_set() takes when its
	 * windows cover less of the text (alt_nseg 0: none).  Which set is
	 * rarer is an estimate when the engine is built; a text says.
	 * (Fields ordered for size: 8 bytes a slot more than without.) */
	uint8_t alt_nseg;
	uint32_t reach, alt_reach;
	uint16_t seg[REACH_MAX_SEGS], alt_seg[REACH_MAX_SEGS];
	/* characters a positive lookbehind may read before a match's start
	 * (reach.h, pattern_behind_memo()): a literal of its set may end that
	 * far before the start, so every window ends that much later, in
	 * either plan (0 nearly always) */
	uint16_t behind;
	/* how far after its start an attempt of the pattern reads, as a walk
	 * forward (reach.h, pattern_look_memo(); look_nseg 0: unbounded): a
	 * window's search is given the text up to the walk's end from the
	 * window's end only (window_subject()) */
	uint8_t look_nseg;
	uint16_t look_seg[REACH_MAX_SEGS];
	struct code_ref *head_ref, *tail_ref; /* codecache.h */
};

/* A long text's spaces and its bytes past ASCII, indexed once a scan
 * per input when its first window is walked back (text_index()): a
 * window of n words begins after the (n+1)th space back, found by a
 * binary search where the walk called memrchr() once a word, and n
 * characters back over ASCII bytes are n bytes. */
struct textidx {
	const char *s; /* the text of scan gen (NULL: none) */
	size_t len;
	uint32_t gen;
	/* each part built when a walk first needs it (a raw text's walks
	 * are mostly in characters, a normalised text's in words) */
	int have_sp, have_hib;
	uint32_t *sp; /* the spaces' offsets, ascending */
	size_t nsp, spcap;
	uint32_t *spb; /* block b (64 bytes from 64 * b): its first space's index in sp */
	size_t spbcap;
	uint64_t *hib; /* bit b: block b holds a byte >= 0x80 */
	size_t hibcap; /* words */
};

/* How a window is walked back from a place (reach_back()): the plan
 * window_set() chose for this text, and the text's index (NULL: walk
 * the bytes). */
struct walk {
	uint32_t reach;
	uint8_t spaces, nseg;
	uint16_t behind; /* characters past a place a window ends (split.behind) */
	const uint16_t *seg;
	struct textidx *ti;
};

/* split.wset: WSET_ANY, any set of a bounded pattern; PREFIX_SET: a set
 * of the pattern's relaxed prefix that is none of the pattern's own, in
 * the automaton (plan_slot.set[3]) but not required for a candidate. */
#define WSET_ANY (-1)
#define PREFIX_SET 3
#define SEG_SPACES 0x8000u

/* Occurrences of one distinct literal set (prefcache.h) in the current long
 * text: a list through occ_next, in text order. */
struct occ {
	uint32_t gen, head, tail, n;
};

/* A pattern's JIT state (filter_pattern.jit, split.*_jit).  JIT compiling
 * is put off: most patterns never pass the prefilter in an engine's life,
 * and their JIT code (about 8 KB each) would be memory and start-up time
 * for nothing.  A pattern runs in the interpreter until it has been run
 * on JIT_AFTER_BYTES of text (about 50 ordinary comments): compiling a
 * lexicon pattern costs as much as hundreds of interpreted runs on a
 * comment, and many patterns pass the prefilter a few times a day.  A
 * limit hit in the interpreter is repeated with JIT code (match_code()),
 * so a verdict is what the JIT-compiled pattern gives. */
enum { JIT_NO = 0, JIT_YES = 1, JIT_LATER = -1 };
#define JIT_AFTER_BYTES 8192
/* filter_options.jit_now_size is 0 (off) by default: JIT-compiling the
 * codes of 16 KB or more at their first run (tests/bench/bench-jit-size)
 * took a quarter off a later pass's instructions on 20,000 comments, but
 * by the clock on 100,000 comments and on warm 16 KB texts it gained
 * nothing measurable, while the first comments after a start paid for
 * up to 277 compilations at once (a 16 KB text's scan 39 -> 82 ms at
 * most): docs/filter.md, "nineteenth round: JIT by code size". */

/* A core shared by patterns (filter_engine.cores). */
struct core {
	struct code_ref *ref; /* codecache.h: compiled when it first runs */
	pcre2_code *code;
	uint8_t tried; /* code_cache_get() was asked (code NULL: it failed) */
	uint8_t jit;
	uint8_t may; /* the result of this scan (gen): 0, it does not match */
	uint32_t gen;
};
#define NO_CORE UINT32_MAX

struct filter_engine {
	struct filter_ruleset rs;
	struct filter_options opt;
	struct crule *cr;
	struct slot *slots;
	struct split *splits;
	/* per slot, the code cache's entry of its pattern (codecache.h): the
	 * pattern's code is compiled when it first runs (slot_code()) */
	struct code_ref **cref;
	size_t nslots;
	size_t jit_patterns;
	size_t split_patterns;
	/* this scan's opt.jit_now_size: 0 in a check (FILTER_SCAN_CHECK) */
	size_t jit_now_size;

	struct prefilter_plan *plan; /* shared (prefcache.h): automata and slot plans */
	/* per slot, the whole words its pattern's matches hold when the
	 * automaton cannot require them (prefilter_bounded_words(): a word
	 * of one or two letters); NULL: none.  The array is NULL when no
	 * slot has words. */
	struct prefilter_words **words;
	/* the tokens of this scan's subject of each input, made when a slot
	 * with words first asks (tokens_gen == gen) */
	struct prefilter_tokens tokens[NINPUTS];
	uint32_t tokens_gen[NINPUTS];
	/* patterns of one input that have the same core (prefilter_core():
	 * the pattern without its negative lookaheads), two or more: the
	 * core runs once a scan for them all, and when it does not match
	 * none of them is run.  core_of[s]: the slot's, or NO_CORE (NULL
	 * when no slot has one). */
	struct core *cores;
	size_t ncores;
	uint32_t *core_of;
	struct aho *aho[NINPUTS]; /* the plan's */
	uint32_t *stamp[NINPUTS];
	uint32_t *always[NINPUTS]; /* rule indices without literals */
	size_t nalways[NINPUTS];
	size_t nrules_input[NINPUTS];

	pcre2_match_context *mctx;
	pcre2_jit_stack *jstack;
	pcre2_match_data *md;
	uint32_t gen;
	uint32_t *lits; /* scratch: set ids reported by a scan (aho_outputs()) */
	/* per distinct set (plan->nsets): .gen == gen when seen; short
	 * texts: .first, where its first occurrence ends in its input
	 * (aho_scan_first()) */
	struct aho_mark *setseen;
	uint32_t *primed; /* scratch: plan->fan entries whose primary set was seen */
	size_t nprimed;
	pcre2_match_context *wctx; /* mctx with an offset limit, for windows */
	struct occ *occ;           /* per distinct set, allocated on the first long text */
	uint32_t *want;            /* per distinct set: == gen, record its places */
	uint32_t *recorded;        /* per slot: == gen, its sets' places are recorded */
	uint32_t *occ_pos, *occ_next;
	size_t nocc, occcap;
	struct aho_trace trace[NINPUTS]; /* long texts: where the literals end */
	struct textidx tix[NINPUTS];     /* long texts: spaces, bytes past ASCII */
	/* find_positions(): per report index of each automaton, == gen when
	 * its chain's wanted sets in this scan are known: repn[] of them at
	 * chainids[replo[]] (aho_chain_wanted()); and the trace's entries
	 * whose chain holds one */
	uint32_t *repseen[NINPUTS];
	uint32_t *replo[NINPUTS], *repn[NINPUTS];
	uint32_t *chainids;
	size_t nchain, chaincap;
	struct aho_trace wtrace;
	size_t window_patterns;
	uint32_t *cand; /* scratch: candidate rule indices */
	size_t ncand;
	struct filter_span *spans; /* scratch: one rule's spans (max_spans) */
	/* scratch kept between scans (an engine is single-threaded): the
	 * sanitised text and its normalisation, grown as needed */
	char *obuf;
	size_t ocap;
	struct norm_text nt;
	/* the lexicons' vocabulary for de-obfuscation (deobf.h); NULL for an
	 * engine made by filter_engine_new() alone */
	struct deobf_vocab *deobf;
	struct deobf_scratch dsc;
	/* where the plan came from, and what happened with the plan cache's
	 * file (filter_engine_plan_from()) */
	enum filter_plan_from plan_from;
	char plan_note[320];
};

void filter_options_default(struct filter_options *o)
{
	*o = (struct filter_options){
		.max_scan_bytes = 64 * 1024,
		.match_limit = 1000000,
		.depth_limit = 10000,
		.heap_limit_kib = 8192,
		.jit_stack_max = 1024 * 1024,
		.disable_after = 5,
		.max_spans = 16,
		.jit_now_size = 0,
	};
}

/* Slot s's pattern: a rule's patterns, then its excepts. */
static struct filter_pattern *slot_pattern(const struct filter_engine *e, size_t s)
{
	const struct filter_rule *rule = &e->rs.v[e->slots[s].rule];
	size_t k = s - e->cr[e->slots[s].rule].slot0;
	return k < rule->npatterns ? &rule->patterns[k] : &rule->excepts[k - rule->npatterns];
}

/* Give every pattern back to the cache (codecache.h). */
static void drop_codes(struct filter_engine *e)
{
	for (size_t i = 0, s = 0; i < e->rs.n; i++) {
		struct filter_rule *rule = &e->rs.v[i];
		for (size_t k = 0; k < rule->npatterns + rule->nexcepts; k++, s++) {
			struct filter_pattern *pt = k < rule->npatterns
			                                    ? &rule->patterns[k]
			                                    : &rule->excepts[k - rule->npatterns];
			if (e->splits && s < e->nslots) {
				if (e->splits[s].head)
					code_cache_put(e->splits[s].head_ref);
				if (e->splits[s].tail)
					code_cache_put(e->splits[s].tail_ref);
				code_cache_unref(e->splits[s].head_ref);
				code_cache_unref(e->splits[s].tail_ref);
			}
			if (e->cref && s < e->nslots) {
				if (pt->code)
					code_cache_put(e->cref[s]);
				code_cache_unref(e->cref[s]);
			}
			pt->code = NULL;
		}
	}
}

void filter_engine_free(struct filter_engine *e)
{
	if (!e)
		return;
	/* the plan's key holds the pattern sources: before the codes */
	prefilter_plan_drop(e->plan);
	drop_codes(e);
	filter_ruleset_clear(&e->rs);
	free(e->cref);
	free(e->cr);
	free(e->splits);
	free(e->occ);
	free(e->want);
	free(e->recorded);
	free(e->setseen);
	free(e->primed);
	free(e->occ_pos);
	free(e->occ_next);
	for (int in = 0; in < NINPUTS; in++) {
		aho_trace_free(&e->trace[in]);
		free(e->tix[in].sp);
		free(e->tix[in].spb);
		free(e->tix[in].hib);
		free(e->repseen[in]);
		free(e->replo[in]);
		free(e->repn[in]);
	}
	aho_trace_free(&e->wtrace);
	free(e->chainids);
	pcre2_match_context_free(e->wctx);
	free(e->slots);
	for (size_t s = 0; e->words && s < e->nslots; s++) {
		if (e->words[s])
			prefilter_words_clear(e->words[s]);
		free(e->words[s]);
	}
	free(e->words);
	for (size_t c = 0; c < e->ncores; c++) {
		if (e->cores[c].code)
			code_cache_put(e->cores[c].ref);
		code_cache_unref(e->cores[c].ref);
	}
	free(e->cores);
	free(e->core_of);
	for (int i = 0; i < NINPUTS; i++) {
		free(e->stamp[i]);
		free(e->always[i]);
	}
	pcre2_match_context_free(e->mctx);
	pcre2_jit_stack_free(e->jstack);
	pcre2_match_data_free(e->md);
	free(e->lits);
	free(e->obuf);
	norm_text_free(&e->nt);
	deobf_vocab_free(e->deobf);
	deobf_scratch_free(&e->dsc);
	free(e->cand);
	free(e->spans);
	free(e);
}

/* Returns 1 when code is now JIT-compiled.  Failure (no JIT on this CPU,
 * or a pattern JIT cannot handle) leaves the interpreter in charge. */
static int jit_code(const struct filter_engine *e, pcre2_code *code)
{
	return !e->opt.no_jit && code && code_cache_jit(code) == 0;
}

/* Does code have JIT code already (compiled for another engine sharing
 * it, codecache.h)? */
static int has_jit(const pcre2_code *code)
{
	size_t size = 0;
	return pcre2_pattern_info(code, PCRE2_INFO_JITSIZE, &size) == 0 && size > 0;
}

/* Is code large enough (filter_options.jit_now_size) to be JIT-compiled
 * at its first run?  Deterministic, unlike a policy by timed cost (the
 * eighteenth round's, not kept): the same rules and texts compile the
 * same codes at the same calls. */
static int jit_now(const struct filter_engine *e, const pcre2_code *code)
{
	size_t size = 0;
	return e->jit_now_size > 0 && pcre2_pattern_info(code, PCRE2_INFO_SIZE, &size) == 0 &&
	       size >= e->jit_now_size;
}

/* Slot s is about to run on `bytes` more of text: has it been run on
 * JIT_AFTER_BYTES, so that its codes should be JIT-compiled now? */
static int jit_due(struct filter_engine *e, size_t s, size_t bytes)
{
	struct split *sp = &e->splits[s];
	if (sp->interp_bytes < JIT_AFTER_BYTES)
		sp->interp_bytes += bytes < JIT_AFTER_BYTES ? (uint32_t)bytes : JIT_AFTER_BYTES;
	return sp->interp_bytes >= JIT_AFTER_BYTES;
}

/* Resolve JIT state *state of code when it is JIT_LATER and either due,
 * large (jit_now()) or JIT-compiled already: JIT_YES or JIT_NO (no JIT on
 * this CPU, or a pattern JIT cannot handle: the interpreter stays in
 * charge).
 * jit_patterns counts compiled patterns and excepts (count), not split
 * heads and tails. */
static void jit_resolve(struct filter_engine *e, pcre2_code *code, int *state, int due, int count)
{
	if (*state != JIT_LATER || !(due || has_jit(code) || jit_now(e, code)))
		return;
	*state = jit_code(e, code);
	if (count)
		e->jit_patterns += (size_t)*state;
}

/* Pattern or except pt of slot s, about to run on `bytes` of text. */
static void pattern_jit(struct filter_engine *e, size_t s, struct filter_pattern *pt, size_t bytes)
{
	jit_resolve(e, pt->code, &pt->jit, jit_due(e, s, bytes), 1);
}

/* The split head and tail of slot s, the same. */
static void split_jit(struct filter_engine *e, size_t s, size_t bytes)
{
	struct split *sp = &e->splits[s];
	int due = jit_due(e, s, bytes);
	jit_resolve(e, sp->head, &sp->head_jit, due, 0);
	jit_resolve(e, sp->tail, &sp->tail_jit, due, 0);
}

/* Take the split form of slot s's pattern, when it has one (its head and
 * tail compiled when it first runs).  Returns 0 or -ENOMEM. */
static int split_pattern(struct filter_engine *e, size_t s, const struct filter_pattern *pt)
{
	char *hs, *ts;
	int r = anchor_split(pt->src, &hs, &ts);
	if (r <= 0)
		return r;
	free(hs);
	free(ts);
	struct split *sp = &e->splits[s];
	sp->head_ref = code_cache_ref_split(e->cref[s], CODE_HEAD, pt->src);
	sp->tail_ref = code_cache_ref_split(e->cref[s], CODE_TAIL, pt->src);
	if (!sp->head_ref || !sp->tail_ref)
		return -ENOMEM;
	/* Not compiled here: a head (^REST) and a tail (the first group
	 * without its ^ branch, then REST) of a pattern that compiles
	 * compile too, for anchor_split() splits only what it reads fully
	 * (no captures in the first group, no references, recursion or
	 * conditionals, balanced groups and classes; test-anchor-split.c
	 * compiles the splits of every shipped pattern).  Compiling both
	 * to check it was a seventh of the engine's build (174 compiles of
	 * large patterns, 260 M instructions); they are compiled when the
	 * pattern first runs (slot_code()). */
	sp->head_jit = sp->tail_jit = e->opt.no_jit ? JIT_NO : JIT_LATER;
	e->split_patterns++;
	return 0;
}

void filter_engine_release_code(struct filter_engine *e)
{
	const int later = e->opt.no_jit ? JIT_NO : JIT_LATER;
	for (size_t s = 0; s < e->nslots; s++) {
		struct filter_pattern *pt = slot_pattern(e, s);
		struct split *sp = &e->splits[s];
		if (pt->code) {
			code_cache_put(e->cref[s]);
			pt->code = NULL;
			if (pt->jit == JIT_YES)
				e->jit_patterns--;
			pt->jit = later;
		}
		if (sp->head) {
			code_cache_put(sp->head_ref);
			code_cache_put(sp->tail_ref);
			sp->head = sp->tail = NULL;
			sp->head_jit = sp->tail_jit = later;
		}
		sp->interp_bytes = 0;
	}
}

void filter_engine_drop_examples(struct filter_engine *e)
{
	for (size_t i = 0; i < e->rs.n; i++) {
		struct filter_rule *r = &e->rs.v[i];
		for (size_t k = 0; k < r->nmatches; k++)
			free(r->matches[k].text);
		for (size_t k = 0; k < r->nnomatches; k++)
			free(r->nomatches[k].text);
		free(r->matches);
		free(r->nomatches);
		r->matches = r->nomatches = NULL;
		r->nmatches = r->nnomatches = 0;
	}
}

/* Slot s's pattern is about to run: its code (and a split pattern's head
 * and tail, split.head being what says it runs split), compiled the first
 * time (in this engine or in another sharing it, codecache.h).  A split
 * pattern's code as written is compiled only for a scan that does not
 * split (FILTER_SCAN_NO_SPLIT, `split` 0): a split scan runs its head and
 * tail only, and compiling the whole pattern as well cost as much as
 * both again (a lexicon's pattern is the costliest kind to compile).
 * Each compiled when the rules were loaded, so only memory can fail here.
 * Returns 0 or -ENOMEM. */
static int slot_code(struct filter_engine *e, size_t s, int split)
{
	struct filter_pattern *pt = slot_pattern(e, s);
	struct split *sp = &e->splits[s];
	if (sp->head_ref && !sp->head) {
		sp->tail = code_cache_get(sp->tail_ref);
		sp->head = sp->tail ? code_cache_get(sp->head_ref) : NULL;
		if (!sp->head) {
			if (sp->tail)
				code_cache_put(sp->tail_ref);
			sp->tail = NULL;
			return -ENOMEM;
		}
	}
	if (sp->head && split)
		return 0;
	if (!pt->code && !(pt->code = code_cache_get(e->cref[s])))
		return -ENOMEM;
	return 0;
}

/* Sets made the same way hold their literals in the same order, often
 * the same strings (prefilter.h shares them): each literal of a is
 * looked for in b from its own place on, so such a pair costs n
 * comparisons, not n * n / 2 (712,683 strcmp() calls building the
 * shipped rules' engine). */
static int same_set(const struct lit_set *a, const struct lit_set *b)
{
	if (a->n != b->n)
		return 0;
	for (size_t i = 0; i < a->n; i++) {
		size_t k = 0, j = i;
		while (k < b->n && a->v[i] != b->v[j] && strcmp(a->v[i], b->v[j]) != 0) {
			k++;
			j = j + 1 == b->n ? 0 : j + 1;
		}
		if (k == b->n)
			return 0;
	}
	return 1;
}

/* The relaxed prefix of src (reach.h) in characters (unit 0) or spaces
 * (1) and its rarest literal set: 0 with *ret_set and *ret_reach, 1 when
 * there is none within the window limits, -ENOMEM. */
/* Groups already read while building one engine's prefilter (a lexicon
 * is one large group in every pattern naming it): prefilter.h, reach.h. */
struct build_memo {
	struct prefilter_memo *lits;
	struct reach_memo *reach;
};

static int prefix_set(const char *src, int norm, int unit, struct build_memo *memo,
                      struct lit_set *ret_set, long *ret_reach)
{
	struct lit_conj qc = { .n = 0 };
	char *q;
	long reach;
	int r = unit && !norm ? 1 : pattern_prefix_memo(src, norm, unit, memo->reach, &q, &reach);
	if (r != 0)
		return r;
	if (reach > (unit ? WINDOW_MAX_SPACES : WINDOW_MAX_REACH)) {
		free(q);
		return 1;
	}
	r = prefilter_extract_memo(q, norm ? PREFILTER_NORMALIZED : 0, memo->lits, &qc);
	free(q);
	if (r < 0)
		return r;
	size_t best = 0;
	double best_freq = qc.n ? lit_set_freq(&qc.v[0]) : 0;
	for (size_t k = 1; k < qc.n; k++) {
		double f = lit_set_freq(&qc.v[k]);
		if (f < best_freq) {
			best = k;
			best_freq = f;
		}
	}
	/* a set with a literal in nearly every text (a letter, a space, a
	 * punctuation mark) occurs too often for windows */
	if (qc.n == 0 || lit_set_ubiquitous(&qc.v[best])) {
		lit_conj_clear(&qc);
		return 1;
	}
	*ret_set = qc.v[best];
	qc.v[best] = qc.v[--qc.n];
	lit_conj_clear(&qc);
	*ret_reach = reach;
	return 0;
}

/* Does src cut at byte offset `cut` (reach.h, pattern_cut_memo())
 * require set want?  1 with *ret_reach (characters), 0, -ENOMEM. */
static int cut_requires(const char *src, int norm, size_t cut, const struct lit_set *want,
                        struct build_memo *memo, long *ret_reach)
{
	struct lit_conj qc = { .n = 0 };
	char *q;
	long reach;
	int r = pattern_cut_memo(src, norm, cut, memo->reach, &q, &reach);
	if (r != 0)
		return r < 0 ? r : 0;
	r = prefilter_extract_memo(q, norm ? PREFILTER_NORMALIZED : 0, memo->lits, &qc);
	free(q);
	if (r < 0)
		return r;
	int found = 0;
	for (size_t k = 0; k < qc.n && !found; k++)
		found = same_set(&qc.v[k], want);
	lit_conj_clear(&qc);
	if (found)
		*ret_reach = reach;
	return found;
}

/* A bounded pattern's windows reach back from a place as far as its
 * matches look in all, before and after the literal: any.contact.email
 * looks at up to 385 characters, but a match starts at most 66 before
 * the end of its '@'.  The windows need only the reach of a cut of the
 * pattern that still requires the set (reach.h, pattern_cut_memo()):
 * the shortest such cut at an item's end (pattern_cut_points()) is found
 * by bisection (a longer cut requires what a shorter one does, as a
 * rule; a cut is taken only where its own literals say it requires the
 * set, so any cut found is sound).  Patterns whose windows are narrow
 * already, or whose source is long (a lexicon's: each cut would read
 * its words again), keep their plan: from 96 characters on, 155 shipped
 * patterns got a cut, for the same instructions on long texts as the 40
 * from 192 on, and the engine's build 71 M instructions more. */
#define CUT_MIN_WIDTH 192
#define CUT_MAX_SRC 4096
#define CUT_MAX_POINTS 256

static int cut_plan(struct split *sp, const char *src, int norm, const struct lit_conj *c,
                    struct build_memo *memo)
{
	const uint32_t width = sp->reach * (sp->spaces ? 8 : 1);
	size_t pt[CUT_MAX_POINTS], best = 0, lo = 0, hi, n;
	long reach = -1;
	if (width < CUT_MIN_WIDTH || strlen(src) > CUT_MAX_SRC)
		return 0;
	n = pattern_cut_points(src, norm, memo->reach, pt, CUT_MAX_POINTS);
	if (n == 0)
		return 0;
	for (size_t k = 1; k < c->n; k++)
		if (lit_set_freq(&c->v[k]) < lit_set_freq(&c->v[best]))
			best = k;
	/* the first point whose cut requires the set, if any (the last is
	 * tried too: the points may stop before the pattern's end) */
	for (hi = n; lo < hi;) {
		size_t mid = lo + (hi - lo) / 2;
		long rm;
		int r = cut_requires(src, norm, pt[mid], &c->v[best], memo, &rm);
		if (r < 0)
			return r;
		if (r) {
			hi = mid;
			if (reach < 0 || rm < reach)
				reach = rm;
		} else {
			lo = mid + 1;
		}
	}
	if (reach < 0 || 2 * ((uint32_t)reach + 1) > width)
		return 0;
	/* the bounded plan stays, for window_set() to take on a text where
	 * another of the pattern's sets is rarer */
	sp->alt_nseg = 1;
	sp->alt_seg[0] = (uint16_t)((sp->spaces ? SEG_SPACES : 0) | sp->reach);
	sp->alt_reach = width;
	sp->wset = (int8_t)best;
	sp->spaces = 0;
	sp->reach = (uint32_t)reach + 1;
	return 0;
}

/* Can slot s's pattern (literal sets c) run in windows on long texts?  A
 * split pattern's tail is what runs there (its head is tried at 0 only),
 * and it is what is analysed; every tail match is a match of the pattern,
 * so it holds a literal of every set.  When the matches are bounded, in
 * characters or in spaces (reach.h): windows around any set.  Otherwise,
 * when a relaxed prefix is bounded: around the prefix's rarest set, which
 * is one of the pattern's or, returned in *extra, a set of its own.  Sets
 * the split's reach, spaces and wset; returns 0 or -ENOMEM. */
static int window_plan(struct filter_engine *e, size_t s, const struct lit_conj *c,
                       struct build_memo *memo, struct lit_set *extra)
{
	const struct filter_rule *rule = &e->rs.v[e->slots[s].rule];
	const char *src = slot_pattern(e, s)->src;
	const int norm = rule->input == FILTER_INPUT_NORMALIZED;
	struct split *sp = &e->splits[s];
	struct lit_set qs[2] = { 0 };
	struct reach_seg seg[REACH_MAX_SEGS];
	long reach, spaces, qr[2], width;
	long read_reach = -1, read_spaces = -1; /* as read, for the walk (out:) */
	int have_read = 0;
	char *hs = NULL, *ts = NULL;
	int r = 0, have[2];
	size_t n;
	if (c->n == 0)
		return 0;
	if (sp->head_ref) {
		r = anchor_split(src, &hs, &ts);
		if (r <= 0)
			return r;
		src = ts;
	}
	/* a literal from a positive lookbehind may end before the match's
	 * start: windows end that much after a place (unknown: none) */
	reach = pattern_behind_memo(src, norm, memo->reach);
	if (reach < 0 || reach > WINDOW_MAX_REACH)
		goto out;
	sp->behind = (uint16_t)reach;
	reach = pattern_reach_memo(src, norm, memo->reach);
	spaces = norm ? pattern_space_reach_memo(src, memo->reach) : -1;
	read_reach = reach;
	read_spaces = spaces;
	have_read = 1;
	if (reach > WINDOW_MAX_REACH)
		reach = -1;
	if (spaces > WINDOW_MAX_SPACES)
		spaces = -1;
	/* a bounded pattern: windows around any set, in characters or in
	 * words (about eight characters a word), whichever is narrower */
	if (reach >= 0 || spaces >= 0) {
		sp->wset = WSET_ANY;
		sp->spaces = reach < 0 || (spaces >= 0 && 8 * (spaces + 1) < reach);
		sp->reach = (uint32_t)(sp->spaces ? spaces : reach) + 1;
		r = cut_plan(sp, src, norm, c, memo);
		goto out;
	}
	/* a prefix: the one whose set is rarer (counted in spaces, the
	 * prefix goes on through \S+ and [a-z]{2,}, often to a rarer word) */
	for (int unit = 0; unit < 2; unit++) {
		r = prefix_set(src, norm, unit, memo, &qs[unit], &qr[unit]);
		if (r < 0)
			goto out;
		have[unit] = r == 0;
	}
	r = 0;
	/* in segments of words and characters: windows around any set
	 * (normalised text only: a word is a run without a space) */
	n = norm ? pattern_mixed_reach_memo(src, memo->reach, WINDOW_MAX_REACH, seg, &width) : 0;
	if (!have[0] && !have[1]) {
		if (n == 0)
			goto out;
		sp->wset = WSET_ANY;
		sp->spaces = 0;
		sp->reach = (uint32_t)width + 1;
		sp->nseg = (uint8_t)n;
		for (size_t k = 0; k < n; k++)
			sp->seg[k] = (uint16_t)((seg[k].spaces ? SEG_SPACES : 0) |
			                        (uint16_t)(seg[k].n + 1));
		goto out;
	}
	/* both: the prefix's set may be in every text although the
	 * estimate takes it for rare ("e " ends hundreds of Swedish words),
	 * so the segments are kept for window_set() to choose at run time */
	sp->alt_nseg = (uint8_t)n;
	sp->alt_reach = n ? (uint32_t)width + 1 : 0;
	for (size_t k = 0; k < n; k++)
		sp->alt_seg[k] =
		        (uint16_t)((seg[k].spaces ? SEG_SPACES : 0) | (uint16_t)(seg[k].n + 1));
	int u = have[1] && (!have[0] || lit_set_freq(&qs[1]) <= lit_set_freq(&qs[0]));
	sp->reach = (uint32_t)qr[u] + 1;
	sp->spaces = (uint8_t)u;
	sp->wset = PREFIX_SET;
	for (size_t k = 0; k < c->n && sp->wset == PREFIX_SET; k++)
		if (same_set(&c->v[k], &qs[u]))
			sp->wset = (int8_t)k;
	if (sp->wset == PREFIX_SET) {
		*extra = qs[u];
		memset(&qs[u], 0, sizeof(qs[u]));
	}
out:
	/* how far its attempts read: a window's search need not be given
	 * the text beyond (run_windowed()) */
	if (r == 0 && sp->reach) {
		struct reach_seg look[REACH_MAX_SEGS];
		sp->look_nseg =
		        (uint8_t)(have_read ? pattern_look_known(src, norm, memo->reach, LOOK_MAX,
		                                                 read_reach, read_spaces, look)
		                            : pattern_look_memo(src, norm, memo->reach, LOOK_MAX,
		                                                look));
		for (size_t k = 0; k < sp->look_nseg; k++)
			sp->look_seg[k] =
			        (uint16_t)((look[k].spaces ? SEG_SPACES : 0) | (uint16_t)look[k].n);
	}
	lit_set_clear(&qs[0]);
	lit_set_clear(&qs[1]);
	free(hs);
	free(ts);
	return r;
}

/* The literals of the automaton of one input kind, being collected. */
struct litlist {
	const char **lits;
	size_t *lens;
	uint32_t *ids;
	size_t n, cap;
};

/* The bytes of a literal the automaton looks for: at most AHO_LIT_MAX, cut
 * at a character boundary.  A prefix of a required literal is required
 * too, and one of this length is rare enough; the rest of a long literal
 * (a lexicon's "bibliotekspersonal") would be automaton states that only
 * cost memory. */
#define AHO_LIT_MAX 12
static size_t automaton_len(const char *lit)
{
	size_t n = strlen(lit);
	if (n <= AHO_LIT_MAX)
		return n;
	n = AHO_LIT_MAX;
	while (n > 1 && ((unsigned char)lit[n] & 0xC0) == 0x80)
		n--;
	return n;
}

static int push_lit(struct litlist *L, const char *lit, uint32_t id)
{
	if (L->n == L->cap) {
		size_t cap = L->cap ? L->cap * 2 : 64;
		const char **nl = realloc(L->lits, cap * sizeof(*nl));
		if (nl)
			L->lits = nl;
		size_t *nn = realloc(L->lens, cap * sizeof(*nn));
		if (nn)
			L->lens = nn;
		uint32_t *ni = realloc(L->ids, cap * sizeof(*ni));
		if (ni)
			L->ids = ni;
		if (!nl || !nn || !ni)
			return -ENOMEM;
		L->cap = cap;
	}
	L->lits[L->n] = lit;
	L->lens[L->n] = automaton_len(lit);
	L->ids[L->n] = id;
	L->n++;
	return 0;
}

/* The automaton id of set ls of input kind `in`: one per distinct set
 * (setmap.h); the literals of a new set go into L.  Returns 0 or -ENOMEM. */
static int intern_set(struct set_map *m, struct litlist *L, int in, const struct lit_set *ls,
                      uint32_t *ret_id)
{
	int fresh;
	if (set_map_id(m, in, ls, ret_id, &fresh) < 0)
		return -ENOMEM;
	for (size_t l = 0; fresh && l < ls->n; l++)
		if (push_lit(L, ls->v[l], *ret_id) < 0)
			return -ENOMEM;
	return 0;
}

/* Which slots to look at when set g is seen: those whose primary set it
 * is (plan->fan_off, plan->fan).  Returns 0 or -ENOMEM. */
_Static_assert(PLAN_FAN_OTHERS == PREFILTER_MAX_CONJ - 1, "a fan entry names every other set");

/* Fan entry of slot s of p: the slot and its required sets but the
 * primary one. */
static struct plan_fan fan_entry(const struct prefilter_plan *p, size_t s)
{
	const struct plan_slot *ps = &p->slot[s];
	struct plan_fan f = { .slot = (uint32_t)s };
	unsigned n = 0;
	for (unsigned c = 0; c < PLAN_FAN_OTHERS; c++)
		f.other[c] = PLAN_NO_SET;
	for (unsigned c = 0; c < PREFILTER_MAX_CONJ; c++)
		if ((ps->full >> c & 1) && c != ps->primary)
			f.other[n++] = ps->set[c];
	return f;
}

/* Does slot s of p get a fan entry?  A pattern with literals does; an
 * except does not: whether its sets were seen matters only when its rule
 * is a candidate and matched, and is looked up then (slot_open()), where
 * priming every except whose primary set occurs was most of the priming
 * work (a third of the slots are excepts, their literals often common
 * words). */
static int fanned(const struct prefilter_plan *p, size_t s)
{
	return p->slot[s].full && !(p->tag[s] & PLAN_TAG(0, 1, 0));
}

static int build_fanout(struct prefilter_plan *p)
{
	p->fan_off = calloc(p->nsets + 2, sizeof(uint32_t));
	p->fan = malloc((p->nslots ? p->nslots : 1) * sizeof(*p->fan));
	if (!p->fan_off || !p->fan)
		return -ENOMEM;
	for (size_t s = 0; s < p->nslots; s++)
		if (fanned(p, s))
			p->fan_off[p->slot[s].set[p->slot[s].primary] + 2]++;
	for (size_t g = 0; g < p->nsets; g++)
		p->fan_off[g + 2] += p->fan_off[g + 1];
	for (size_t s = 0; s < p->nslots; s++)
		if (fanned(p, s))
			p->fan[p->fan_off[p->slot[s].set[p->slot[s].primary] + 1]++] =
			        fan_entry(p, s);
	return 0;
}

/* Number the distinct sets so that the primary sets of patterns' slots
 * (fanned()) come first
 * (plan->nprimary of them), in their order of first appearance, then the
 * others: on_literals() then tells a set that only needs marking (most of
 * a comment's 270 sets: two-letter words, a lexicon's trie pieces) by its
 * number alone.  The automata's ids in L are renumbered with the slots'.
 * Returns 0 or -ENOMEM. */
static int primary_first(struct prefilter_plan *p, struct litlist *L)
{
	uint32_t *num = malloc((p->nsets ? p->nsets : 1) * sizeof(*num));
	if (!num)
		return -ENOMEM;
	for (size_t g = 0; g < p->nsets; g++)
		num[g] = UINT32_MAX;
	uint32_t next = 0;
	for (size_t s = 0; s < p->nslots; s++) {
		const struct plan_slot *ps = &p->slot[s];
		if (fanned(p, s) && num[ps->set[ps->primary]] == UINT32_MAX)
			num[ps->set[ps->primary]] = next++;
	}
	p->nprimary = next;
	for (size_t g = 0; g < p->nsets; g++)
		if (num[g] == UINT32_MAX)
			num[g] = next++;
	for (size_t s = 0; s < p->nslots; s++)
		for (size_t c = 0; c < 4; c++)
			if (p->slot[s].set[c] != PLAN_NO_SET)
				p->slot[s].set[c] = num[p->slot[s].set[c]];
	for (int in = 0; in < NINPUTS; in++)
		for (size_t l = 0; l < L[in].n; l++)
			L[in].ids[l] = num[L[in].ids[l]];
	free(num);
	return 0;
}

/* Slots whose window plan was made in this build, by source: the same
 * pattern text recurs (an except such as \b@sv_report_cue\b in 27 rules,
 * 444 of the shipped 2,927 slots repeat an earlier one), and window_plan()
 * is a function of the source, its input kind, whether it runs split and
 * its literal sets, so a repeat takes the first one's plan.  The code
 * cache keeps one entry per source text (codecache.h): the entry is the
 * key.  Open addressing; slot + 1 (0: empty). */
struct plan_memo {
	uint32_t *slot;
	size_t mask;
};

static int plan_memo_init(struct plan_memo *pm, size_t nslots)
{
	size_t cap = 16;
	while (cap < 2 * nslots)
		cap *= 2;
	pm->slot = calloc(cap, sizeof(*pm->slot));
	pm->mask = cap - 1;
	return pm->slot ? 0 : -ENOMEM;
}

/* Does slot t read as slot s for window_plan()?  Same source entry, input
 * kind and split, and the same literal sets (interned per input kind:
 * equal ids), in the same order (split.wset is an index into them). */
static int plan_same(const struct filter_engine *e, const struct prefilter_plan *p, size_t s,
                     size_t t)
{
	if (e->cref[s] != e->cref[t] ||
	    e->rs.v[e->slots[s].rule].input != e->rs.v[e->slots[t].rule].input ||
	    (e->splits[s].head_ref == NULL) != (e->splits[t].head_ref == NULL) ||
	    p->slot[s].full != p->slot[t].full)
		return 0;
	for (size_t c = 0; c < PREFILTER_MAX_CONJ; c++)
		if (p->slot[s].set[c] != p->slot[t].set[c])
			return 0;
	return 1;
}

/* The earlier slot whose window plan slot s (its sets interned in p
 * already) can take, or SIZE_MAX, when s is entered as the first of its
 * kind. */
static size_t plan_memo_find(struct plan_memo *pm, const struct filter_engine *e, size_t s,
                             const struct prefilter_plan *p)
{
	uint64_t h = (uint64_t)(uintptr_t)e->cref[s] * 0x9E3779B97F4A7C15ull;
	for (size_t i = (size_t)(h >> 32) & pm->mask;; i = (i + 1) & pm->mask) {
		if (pm->slot[i] == 0) {
			pm->slot[i] = (uint32_t)s + 1;
			return SIZE_MAX;
		}
		const size_t t = pm->slot[i] - 1;
		if (plan_same(e, p, t, s))
			return t;
	}
}

/* The earlier slot with slot s's source and input kind, whose literal
 * sets s's are (prefilter_extract_memo() is a function of the source and
 * the kind of subject), or SIZE_MAX when s is the first: the repeats'
 * (\b@sv_report_cue\b in 27 rules) were read again, their lexicons'
 * sets taken from the memo and their unions minimized again each time.
 * Its own table, keyed like plan_memo's (slot + 1; 0: empty). */
static size_t conj_memo_find(struct plan_memo *cm, const struct filter_engine *e, size_t s)
{
	const enum filter_input in = e->rs.v[e->slots[s].rule].input;
	uint64_t h = ((uint64_t)(uintptr_t)e->cref[s] ^ (uint64_t)in) * 0x9E3779B97F4A7C15ull;
	for (size_t i = (size_t)(h >> 32) & cm->mask;; i = (i + 1) & cm->mask) {
		if (cm->slot[i] == 0) {
			cm->slot[i] = (uint32_t)s + 1;
			return SIZE_MAX;
		}
		const size_t t = cm->slot[i] - 1;
		if (e->cref[t] == e->cref[s] && e->rs.v[e->slots[t].rule].input == in)
			return t;
	}
}

/* The literal sets of slot s: read from its pattern, or copied from an
 * earlier slot's reading of the same source.  0 or -ENOMEM. */
static int slot_conj(struct filter_engine *e, size_t s, struct plan_memo *cm,
                     struct prefilter_memo *lits, struct lit_conj *conj)
{
	const size_t same = conj_memo_find(cm, e, s);
	if (same != SIZE_MAX)
		return lit_conj_copy(&conj[s], &conj[same]);
	const int in = e->rs.v[e->slots[s].rule].input;
	return prefilter_extract_memo(slot_pattern(e, s)->src,
	                              in == FILTER_INPUT_NORMALIZED ? PREFILTER_NORMALIZED : 0,
	                              lits, &conj[s]);
}

/* Slot t takes slot s's window plan (as window_plan() made it) and its
 * prefix set, interned already. */
static void plan_copy(struct filter_engine *e, struct prefilter_plan *p, size_t s, size_t t)
{
	const struct split *a = &e->splits[s];
	struct split *b = &e->splits[t];
	b->wset = a->wset;
	b->spaces = a->spaces;
	b->reach = a->reach;
	b->nseg = a->nseg;
	memcpy(b->seg, a->seg, sizeof(b->seg));
	b->alt_nseg = a->alt_nseg;
	b->alt_reach = a->alt_reach;
	memcpy(b->alt_seg, a->alt_seg, sizeof(b->alt_seg));
	b->behind = a->behind;
	b->look_nseg = a->look_nseg;
	memcpy(b->look_seg, a->look_seg, sizeof(b->look_seg));
	p->slot[t].set[PREFIX_SET] = p->slot[s].set[PREFIX_SET];
}

/* Extract each pattern's (slot's) literal sets and window plan (into the
 * engine's slots and splits) and build one automaton per input kind into
 * plan p.  An automaton id is a distinct set (setmap.h): equal sets of
 * several patterns are reported once. */
static int build_plan(struct filter_engine *e, struct prefilter_plan *p)
{
	struct lit_conj *conj = NULL;
	struct lit_set *extra = NULL; /* window_plan()'s prefix sets */
	struct litlist L[NINPUTS] = { 0 };
	struct set_map *map = set_map_new();
	/* a lexicon's group is read once, not in every pattern naming it */
	struct build_memo memo = { prefilter_memo_new(), reach_memo_new() };
	struct plan_memo pm = { 0 }, cm = { 0 };
	int r = -ENOMEM;

	conj = calloc(e->nslots ? e->nslots : 1, sizeof(*conj));
	extra = calloc(e->nslots ? e->nslots : 1, sizeof(*extra));
	if (!conj || !extra || !map || !memo.lits || !memo.reach ||
	    plan_memo_init(&pm, e->nslots) < 0 || plan_memo_init(&cm, e->nslots) < 0)
		goto out;
	for (size_t i = 0, s = 0; i < e->rs.n; i++) {
		struct filter_rule *rule = &e->rs.v[i];
		int in = rule->input;
		for (size_t k = 0; k < rule->npatterns + rule->nexcepts; k++, s++) {
			struct plan_slot *ps = &p->slot[s];
			if (slot_conj(e, s, &cm, memo.lits, conj) < 0)
				goto out;
			ps->full = (uint8_t)((1u << conj[s].n) - 1);
			for (size_t c = 0; c < 4; c++)
				ps->set[c] = PLAN_NO_SET;
			/* the estimate sums over a set's literals (a lexicon's
			 * hundreds): taken once a set */
			double primary_freq = 0;
			for (size_t c = 0; c < conj[s].n; c++) {
				if (intern_set(map, &L[in], in, &conj[s].v[c], &ps->set[c]) < 0)
					goto out;
				double f = lit_set_freq(&conj[s].v[c]);
				if (c == 0 || f < primary_freq) {
					ps->primary = (uint8_t)c;
					primary_freq = f;
				}
			}
			const size_t same = plan_memo_find(&pm, e, s, p);
			if (same != SIZE_MAX)
				plan_copy(e, p, same, s);
			else if (window_plan(e, s, &conj[s], &memo, &extra[s]) < 0)
				goto out;
			ps->wset = e->splits[s].wset;
			ps->spaces = e->splits[s].spaces;
			ps->reach = e->splits[s].reach;
			ps->nseg = e->splits[s].nseg;
			memcpy(ps->seg, e->splits[s].seg, sizeof(ps->seg));
			ps->alt_nseg = e->splits[s].alt_nseg;
			ps->alt_reach = e->splits[s].alt_reach;
			memcpy(ps->alt_seg, e->splits[s].alt_seg, sizeof(ps->alt_seg));
			ps->behind = e->splits[s].behind;
			ps->look_nseg = e->splits[s].look_nseg;
			memcpy(ps->look_seg, e->splits[s].look_seg, sizeof(ps->look_seg));
			if (extra[s].n &&
			    intern_set(map, &L[in], in, &extra[s], &ps->set[PREFIX_SET]) < 0)
				goto out;
			if (ps->wset == PREFIX_SET && ps->set[PREFIX_SET] == PLAN_NO_SET)
				ps->reach = e->splits[s].reach = 0; /* no prefix set: run whole */
		}
	}
	p->nsets = set_map_count(map);
	if (primary_first(p, L) < 0 || build_fanout(p) < 0)
		goto out;
	for (int in = 0; in < NINPUTS; in++) {
		r = aho_build(L[in].lits, L[in].lens, L[in].ids, L[in].n, &p->aho[in]);
		if (r < 0)
			goto out;
	}
	r = 0;
out:
	for (size_t s = 0; conj && s < e->nslots; s++) {
		lit_conj_clear(&conj[s]);
		if (extra)
			lit_set_clear(&extra[s]);
	}
	free(conj);
	free(extra);
	set_map_free(map);
	free(pm.slot);
	free(cm.slot);
	prefilter_memo_free(memo.lits);
	reach_memo_free(memo.reach);
	for (int in = 0; in < NINPUTS; in++) {
		free(L[in].lits);
		free(L[in].lens);
		free(L[in].ids);
	}
	return r;
}

/* The engine's window fields (struct split) from its plan's slots: what
 * build_plan() set while it planned them. */
static void windows_from_plan(struct filter_engine *e)
{
	for (size_t s = 0; s < e->nslots; s++) {
		const struct plan_slot *ps = &e->plan->slot[s];
		struct split *sp = &e->splits[s];
		sp->wset = ps->wset;
		sp->spaces = ps->spaces;
		sp->reach = ps->reach;
		sp->nseg = ps->nseg;
		memcpy(sp->seg, ps->seg, sizeof(sp->seg));
		sp->alt_nseg = ps->alt_nseg;
		sp->alt_reach = ps->alt_reach;
		memcpy(sp->alt_seg, ps->alt_seg, sizeof(sp->alt_seg));
		sp->behind = ps->behind;
		sp->look_nseg = ps->look_nseg;
		memcpy(sp->look_seg, ps->look_seg, sizeof(sp->look_seg));
	}
}

/* The first slot with slot s's source text (one code cache entry a text,
 * codecache.h): s itself when it is the first.  Keyed like plan_memo. */
static uint32_t first_with_source(struct plan_memo *m, const struct filter_engine *e, size_t s)
{
	uint64_t h = (uint64_t)(uintptr_t)e->cref[s] * 0x9E3779B97F4A7C15ull;
	for (size_t i = (size_t)(h >> 32) & m->mask;; i = (i + 1) & m->mask) {
		if (m->slot[i] == 0) {
			m->slot[i] = (uint32_t)s + 1;
			return (uint32_t)s;
		}
		if (e->cref[m->slot[i] - 1] == e->cref[s])
			return m->slot[i] - 1;
	}
}

/* The plan cache's key for e's slots (plandisk.h); 0, or < 0 with the
 * reason in e->plan_note (the file is then not used). */
static int plan_disk_key_of(struct filter_engine *e, const uint8_t *tag,
                            unsigned char key[PLAN_DISK_KEY_LEN])
{
	const char **txt = malloc((e->nslots ? e->nslots : 1) * sizeof(*txt));
	uint32_t *first = malloc((e->nslots ? e->nslots : 1) * sizeof(*first));
	struct plan_memo seen = { 0 };
	int r = -ENOMEM;
	if (txt && first && plan_memo_init(&seen, e->nslots) == 0) {
		for (size_t s = 0; s < e->nslots; s++) {
			txt[s] = slot_pattern(e, s)->src;
			first[s] = first_with_source(&seen, e, s);
		}
		r = plan_disk_key(txt, first, tag, e->nslots, key);
	}
	free(seen.slot);
	free(txt);
	free(first);
	if (r < 0)
		snprintf(e->plan_note, sizeof(e->plan_note), "plan cache %s not used: %s",
		         e->opt.plan_cache,
		         r == -ENOENT ? "this program has no build ID" : strerror(-r));
	return r;
}

/* Plan p (new, empty) read from the plan cache's file: 0, or < 0 with p
 * still empty and the reason in e->plan_note. */
static int plan_read(struct filter_engine *e, struct prefilter_plan *p, const unsigned char *key)
{
	char why[256];
	int r = plan_disk_load(e->opt.plan_cache, key, p, why, sizeof(why));
	if (r == 0)
		snprintf(e->plan_note, sizeof(e->plan_note), "plan cache %s read",
		         e->opt.plan_cache);
	else if (r == -ENOENT)
		snprintf(e->plan_note, sizeof(e->plan_note), "plan cache %s absent",
		         e->opt.plan_cache);
	else
		snprintf(e->plan_note, sizeof(e->plan_note), "plan cache %s not used: %s",
		         e->opt.plan_cache, why);
	return r;
}

/* Write the plan just built to the plan cache's file; a failure is only
 * noted (the engine has its plan either way). */
static void plan_write(struct filter_engine *e, const struct prefilter_plan *p,
                       const unsigned char *key)
{
	char why[256];
	const size_t n = strlen(e->plan_note);
	if (plan_disk_save(e->opt.plan_cache, key, p, why, sizeof(why)) == 0)
		snprintf(e->plan_note + n, sizeof(e->plan_note) - n, "; plan built and written");
	else
		snprintf(e->plan_note + n, sizeof(e->plan_note) - n,
		         "; plan built, not written: %s", why);
}

/* A new plan for e: read from the plan cache's file when it holds this
 * key's, else built (and the file written); 0 or < 0. */
static int make_plan(struct filter_engine *e, const void **src, const uint8_t *tag)
{
	unsigned char key[PLAN_DISK_KEY_LEN];
	const int disk = e->opt.plan_cache && plan_disk_key_of(e, tag, key) == 0;
	struct prefilter_plan *p = prefilter_plan_new(src, tag, e->nslots);
	if (!p)
		return -ENOMEM;
	if (disk && plan_read(e, p, key) == 0) {
		e->plan = p;
		e->plan_from = FILTER_PLAN_LOADED;
		windows_from_plan(e);
	} else {
		int r = build_plan(e, p);
		if (r < 0) {
			prefilter_plan_drop(p);
			return r;
		}
		if (disk)
			plan_write(e, p, key);
		e->plan = p;
		e->plan_from = FILTER_PLAN_BUILT;
	}
	prefilter_plan_share(p);
	return 0;
}

/* slot.limit of a pattern on input in. */
static uint16_t slot_limit(const char *src, int in)
{
	const long span =
	        prefilter_anchored_span(src,
	                                in == FILTER_INPUT_NORMALIZED ? PREFILTER_NORMALIZED : 0);
	return span < 0 || span > UINT16_MAX - 2 ? 0 : (uint16_t)(span + 2);
}

/* e->words[s] for slot s, when its pattern has whole words to look for
 * (prefilter_bounded_words()).  Returns 0 or -ENOMEM. */
static int slot_words(struct filter_engine *e, size_t s)
{
	struct prefilter_words w;
	if (prefilter_bounded_words(slot_pattern(e, s)->src, &w) < 0)
		return -ENOMEM;
	if (w.n == 0)
		return 0;
	if (!e->words && !(e->words = calloc(e->nslots, sizeof(*e->words))))
		goto fail;
	if (!(e->words[s] = malloc(sizeof(w))))
		goto fail;
	*e->words[s] = w;
	return 0;
fail:
	prefilter_words_clear(&w);
	return -ENOMEM;
}

/* A pattern's core and its slot, while cores are found. */
struct core_pick {
	struct code_ref *ref;
	uint32_t in, slot;
};

static int cmp_core_pick(const void *a, const void *b)
{
	const struct core_pick *x = a, *y = b;
	if (x->ref != y->ref)
		return x->ref < y->ref ? -1 : 1;
	if (x->in != y->in)
		return x->in < y->in ? -1 : 1;
	return x->slot < y->slot ? -1 : x->slot > y->slot;
}

/* The cores of the patterns (not excepts: they run only after a match),
 * as code cache entries (one entry a text, so equal cores are one
 * pointer); those shared by two or more patterns of one input become
 * e->cores.  Returns 0 or -ENOMEM. */
static int find_cores(struct filter_engine *e)
{
	struct core_pick *pick = NULL;
	size_t npick = 0, cap = 0;
	int r = -ENOMEM;
	for (size_t s = 0; s < e->nslots; s++) {
		char *core;
		if (e->slots[s].except || prefilter_core(slot_pattern(e, s)->src, &core) < 0)
			continue;
		if (!core)
			continue;
		struct code_ref *ref = code_cache_ref(core);
		free(core);
		if (!ref)
			goto out;
		if (npick == cap) {
			struct core_pick *np =
			        realloc(pick, (cap = cap ? 2 * cap : 64) * sizeof(*np));
			if (!np) {
				code_cache_unref(ref);
				goto out;
			}
			pick = np;
		}
		pick[npick++] =
		        (struct core_pick){ ref, e->rs.v[e->slots[s].rule].input, (uint32_t)s };
	}
	if (npick > 1)
		qsort(pick, npick, sizeof(*pick), cmp_core_pick);
	for (size_t a = 0, b; a < npick; a = b) {
		for (b = a + 1;
		     b < npick && pick[b].ref == pick[a].ref && pick[b].in == pick[a].in;)
			b++;
		if (b - a < 2)
			continue;
		if (!e->core_of) {
			e->core_of = malloc(e->nslots * sizeof(*e->core_of));
			e->cores = calloc(npick / 2, sizeof(*e->cores));
			if (!e->core_of || !e->cores)
				goto out;
			memset(e->core_of, 0xff, e->nslots * sizeof(*e->core_of));
		}
		e->cores[e->ncores].ref = pick[a].ref;
		pick[a].ref = NULL; /* the core's reference now */
		for (size_t k = a; k < b; k++)
			e->core_of[pick[k].slot] = (uint32_t)e->ncores;
		e->ncores++;
	}
	r = 0;
out:
	for (size_t k = 0; k < npick; k++)
		code_cache_unref(pick[k].ref);
	free(pick);
	return r;
}

/* The prefilter: the plan of an engine with the same patterns (a reload;
 * prefcache.h), else one read from the plan cache's file (plandisk.h),
 * else a new one; then the engine's own state for it (slots, windows,
 * rules without literals, scan stamps). */
static int build_prefilter(struct filter_engine *e)
{
	const void **src = NULL; /* the key of the plan: code cache entries */
	uint8_t *tag = NULL;
	size_t nlits = 0;
	int r = -ENOMEM;

	if (e->nslots >= (1u << 29))
		return -E2BIG;
	e->slots = calloc(e->nslots ? e->nslots : 1, sizeof(*e->slots));
	src = malloc((e->nslots ? e->nslots : 1) * sizeof(*src));
	tag = malloc(e->nslots ? e->nslots : 1);
	if (!e->slots || !src || !tag)
		goto out;
	for (size_t i = 0, s = 0; i < e->rs.n; i++) {
		const struct filter_rule *rule = &e->rs.v[i];
		e->nrules_input[rule->input]++;
		e->cr[i].slot0 = s;
		for (size_t k = 0; k < rule->npatterns + rule->nexcepts; k++, s++) {
			e->slots[s].rule = (uint32_t)i;
			e->slots[s].except = k >= rule->npatterns;
			src[s] = e->cref[s];
			tag[s] = PLAN_TAG(rule->input, k >= rule->npatterns,
			                  e->splits[s].head_ref != NULL);
		}
	}
	e->plan = prefilter_plan_find(src, tag, e->nslots);
	if (e->plan) {
		e->plan_from = FILTER_PLAN_SHARED;
		windows_from_plan(e);
	} else if ((r = make_plan(e, src, tag)) < 0) {
		goto out;
	}
	r = -ENOMEM;
	for (size_t s = 0; s < e->nslots; s++) {
		struct slot *sl = &e->slots[s];
		const uint32_t i = sl->rule;
		const int in = e->rs.v[i].input;
		sl->full = e->plan->slot[s].full;
		sl->limit = slot_limit(slot_pattern(e, s)->src, in);
		if (slot_words(e, s) < 0)
			goto out;
		if (sl->full == 0 && !sl->except && !e->cr[i].always) {
			e->cr[i].always = 1;
			if (!e->always[in] && !(e->always[in] = malloc(e->rs.n * sizeof(uint32_t))))
				goto out;
			e->always[in][e->nalways[in]++] = i;
		}
	}
	for (int in = 0; in < NINPUTS; in++) {
		e->aho[in] = e->plan->aho[in];
		e->stamp[in] = calloc(aho_stamps(e->aho[in]) ? aho_stamps(e->aho[in]) : 1,
		                      sizeof(uint32_t));
		if (!e->stamp[in])
			goto out;
		if (aho_outputs(e->aho[in]) > nlits)
			nlits = aho_outputs(e->aho[in]);
	}
	if (find_cores(e) < 0)
		goto out;
	e->lits = malloc((nlits ? nlits : 1) * sizeof(*e->lits));
	e->setseen = calloc(e->plan->nsets ? e->plan->nsets : 1, sizeof(*e->setseen));
	e->primed = malloc((e->nslots ? e->nslots : 1) * sizeof(*e->primed));
	if (!e->lits || !e->setseen || !e->primed)
		goto out;
	r = 0;
out:
	free(src);
	free(tag);
	return r;
}

int filter_engine_new(struct filter_ruleset *rs, const struct filter_options *o,
                      struct filter_engine **ret)
{
	struct filter_engine *e = calloc(1, sizeof(*e));
	int r = -ENOMEM;

	if (!e) {
		filter_ruleset_clear(rs);
		return -ENOMEM;
	}
	e->rs = *rs;
	memset(rs, 0, sizeof(*rs));
	if (o)
		e->opt = *o;
	else
		filter_options_default(&e->opt);
	if (e->opt.max_scan_bytes == 0 || e->opt.max_scan_bytes > UINT32_MAX / 8 ||
	    e->opt.match_limit == 0 || e->opt.max_spans == 0) {
		r = -EINVAL;
		goto fail;
	}
	/* Only a rule set without errors makes an engine. */
	for (size_t i = 0; i < e->rs.n; i++) {
		const struct filter_rule *rule = &e->rs.v[i];
		int bad = !rule->title || !rule->statute || rule->npatterns == 0 ||
		          rule->category >= FILTER_CAT_COUNT;
		for (size_t k = 0; k < rule->npatterns; k++)
			bad |= !rule->patterns[k].compiled;
		for (size_t k = 0; k < rule->nexcepts; k++)
			bad |= !rule->excepts[k].compiled;
		if (bad) {
			r = -EINVAL;
			goto fail;
		}
	}
	/* one slot per pattern and per except of every rule, in load order */
	for (size_t i = 0; i < e->rs.n; i++)
		e->nslots += e->rs.v[i].npatterns + e->rs.v[i].nexcepts;
	/* the same pattern in the previous engine (a reload): one entry, one
	 * source, and one code once either engine runs it */
	e->cref = calloc(e->nslots ? e->nslots : 1, sizeof(*e->cref));
	if (!e->cref)
		goto fail;
	for (size_t i = 0, s = 0; i < e->rs.n; i++) {
		struct filter_rule *rule = &e->rs.v[i];
		for (size_t k = 0; k < rule->npatterns + rule->nexcepts; k++, s++) {
			struct filter_pattern *pt = k < rule->npatterns
			                                    ? &rule->patterns[k]
			                                    : &rule->excepts[k - rule->npatterns];
			if (!(e->cref[s] = code_cache_ref(pt->src)))
				goto fail;
			/* a caller's own (a check's): the cache's, to run (codecache.h) */
			code_cache_offer(e->cref[s], pt->code);
			pt->code = NULL;
		}
	}
	e->cr = calloc(e->rs.n ? e->rs.n : 1, sizeof(*e->cr));
	e->cand = malloc((e->rs.n ? e->rs.n : 1) * sizeof(*e->cand));
	e->spans = calloc(e->opt.max_spans, sizeof(*e->spans));
	e->mctx = pcre2_match_context_create(NULL);
	/* Room for every capture group of every pattern, so group "v" is
	 * always within the ovector. */
	uint32_t maxcap = 0;
	for (size_t i = 0; i < e->rs.n; i++)
		for (size_t k = 0; k < e->rs.v[i].npatterns; k++)
			if (e->rs.v[i].patterns[k].ncapture > maxcap)
				maxcap = e->rs.v[i].patterns[k].ncapture;
	e->md = pcre2_match_data_create(maxcap + 1, NULL);
	if (!e->cr || !e->cand || !e->spans || !e->mctx || !e->md)
		goto fail;
	pcre2_set_match_limit(e->mctx, e->opt.match_limit);
	pcre2_set_depth_limit(e->mctx, e->opt.depth_limit);
	pcre2_set_heap_limit(e->mctx, e->opt.heap_limit_kib);
	if (!e->opt.no_jit) {
		e->jstack = pcre2_jit_stack_create(32 * 1024, e->opt.jit_stack_max, NULL);
		if (e->jstack)
			pcre2_jit_stack_assign(e->mctx, NULL, e->jstack);
	}
	e->splits = calloc(e->nslots ? e->nslots : 1, sizeof(*e->splits));
	if (!e->splits)
		goto fail;
	for (size_t i = 0, s = 0; i < e->rs.n; i++) {
		struct filter_rule *rule = &e->rs.v[i];
		for (size_t k = 0; k < rule->npatterns; k++, s++) {
			rule->patterns[k].jit = e->opt.no_jit ? JIT_NO : JIT_LATER;
			if (split_pattern(e, s, &rule->patterns[k]) < 0)
				goto fail;
		}
		for (size_t k = 0; k < rule->nexcepts; k++, s++)
			rule->excepts[k].jit = e->opt.no_jit ? JIT_NO : JIT_LATER;
	}
	r = build_prefilter(e);
	e->opt.plan_cache = NULL; /* the caller's string: read during the build only */
	if (r < 0)
		goto fail;
	/* the sources are read: from now on the cache's packed copy serves
	 * (compiling, a reload's lookup), one for every engine */
	for (size_t i = 0; i < e->rs.n; i++) {
		struct filter_rule *rule = &e->rs.v[i];
		for (size_t k = 0; k < rule->npatterns + rule->nexcepts; k++) {
			struct filter_pattern *pt = k < rule->npatterns
			                                    ? &rule->patterns[k]
			                                    : &rule->excepts[k - rule->npatterns];
			free(pt->src);
			pt->src = NULL;
		}
	}
	/* what the engine keeps of its rules, together: parsed, it lies
	 * between the sources just freed (rules.h) */
	r = filter_ruleset_pack(&e->rs);
	if (r < 0)
		goto fail;
	r = -ENOMEM;
	e->wctx = pcre2_match_context_copy(e->mctx);
	if (!e->wctx)
		goto fail;
	for (size_t s = 0; s < e->nslots; s++)
		e->window_patterns += e->splits[s].reach != 0;
	*ret = e;
	return 0;
fail:
	filter_engine_free(e);
	return r;
}

int filter_engine_load_vocab(struct filter_engine *e, const char *dir, struct diag_list *errors)
{
	char *ldir = NULL, *words = NULL;
	size_t len = 0, n = 0;
	if (asprintf(&ldir, "%s/lexicon", dir) < 0)
		return -ENOMEM;
	int r = lexicon_words_dir(ldir, &words, &len, &n);
	if (r < 0)
		diag_add(errors, ldir, 0, "cannot read the lexicons' words: %s", strerror(-r));
	free(ldir);
	if (r == 0) {
		deobf_vocab_free(e->deobf);
		e->deobf = NULL;
		r = deobf_vocab_new(words, len, &e->deobf);
	}
	free(words);
	return r;
}

int filter_engine_load(const char *dir, const struct filter_options *o, struct filter_engine **ret,
                       struct diag_list *errors, struct diag_list *warnings)
{
	struct filter_ruleset rs = { 0 };
	int r = rules_load_dir(dir, clock_now(), &rs, errors, warnings);
	if (r != 0)
		return r;
	r = filter_engine_new(&rs, o, ret);
	if (r < 0)
		return r;
	r = filter_engine_load_vocab(*ret, dir, errors);
	if (r < 0) {
		filter_engine_free(*ret);
		*ret = NULL;
	}
	return r;
}

size_t filter_engine_rule_count(const struct filter_engine *e)
{
	return e->rs.n;
}

const struct filter_rule *filter_engine_rule(const struct filter_engine *e, size_t i)
{
	return i < e->rs.n ? &e->rs.v[i] : NULL;
}

const struct filter_rule_stats *filter_engine_rule_stats(const struct filter_engine *e, size_t i)
{
	return i < e->rs.n ? &e->cr[i].st : NULL;
}

char *filter_engine_pattern_source(const struct filter_engine *e, size_t i, size_t k)
{
	if (i >= e->rs.n || k >= e->rs.v[i].npatterns + e->rs.v[i].nexcepts)
		return NULL;
	return code_cache_source(e->cref[e->cr[i].slot0 + k]);
}

long filter_engine_rule_index(const struct filter_engine *e, const char *id)
{
	for (size_t i = 0; i < e->rs.n; i++)
		if (strcmp(e->rs.v[i].id, id) == 0)
			return (long)i;
	return -1;
}

int filter_engine_rule_always(const struct filter_engine *e, size_t i)
{
	return i < e->rs.n && e->cr[i].always;
}

size_t filter_engine_jit_patterns(const struct filter_engine *e)
{
	return e->jit_patterns;
}

size_t filter_engine_split_patterns(const struct filter_engine *e)
{
	return e->split_patterns;
}

size_t filter_engine_window_patterns(const struct filter_engine *e)
{
	return e->window_patterns;
}

enum filter_plan_from filter_engine_plan_from(const struct filter_engine *e, const char **note)
{
	if (note)
		*note = e->plan_note;
	return e->plan_from;
}

/* The slots' whole words and the shared cores' arrays (the cores' code
 * is the code cache's). */
static size_t words_cores_memory(const struct filter_engine *e)
{
	size_t b = 0;
	for (size_t s = 0; e->words && s < e->nslots; s++) {
		const struct prefilter_words *w = e->words[s];
		if (w && w->n)
			b += sizeof(*w) + w->off[w->n - 1] + w->len[w->n - 1] +
			     w->n * (sizeof(*w->off) + sizeof(*w->len) + sizeof(*w->closed) +
			             sizeof(*w->bit));
	}
	if (e->words)
		b += e->nslots * sizeof(*e->words);
	if (e->core_of)
		b += e->nslots * sizeof(*e->core_of) + e->ncores * sizeof(*e->cores);
	return b;
}

void filter_engine_memory(const struct filter_engine *e, struct filter_memory *m)
{
	const size_t nr = e->rs.n ? e->rs.n : 1, ns = e->nslots ? e->nslots : 1;
	const size_t nsets = e->plan && e->plan->nsets ? e->plan->nsets : 1;
	size_t b = sizeof(*e);
	/* per rule, per slot, per distinct set (build_prefilter(), the scan's
	 * lists allocated on the first long text) */
	b += nr * (sizeof(*e->cr) + sizeof(*e->cand));
	b += ns * (sizeof(*e->slots) + sizeof(*e->splits) + sizeof(*e->cref) + sizeof(*e->primed));
	b += e->opt.max_spans * sizeof(*e->spans);
	b += nsets * sizeof(*e->setseen);
	if (e->occ)
		b += nsets * (sizeof(*e->occ) + sizeof(*e->want)) + ns * sizeof(*e->recorded);
	b += e->occcap * (sizeof(*e->occ_pos) + sizeof(*e->occ_next));
	size_t nlits = 0;
	for (int in = 0; in < NINPUTS; in++) {
		if (!e->aho[in])
			continue;
		b += (aho_stamps(e->aho[in]) ? aho_stamps(e->aho[in]) : 1) * sizeof(uint32_t);
		if (e->always[in])
			b += e->rs.n * sizeof(uint32_t);
		if (e->repseen[in])
			b += aho_report_states(e->aho[in]) * 3 * sizeof(uint32_t);
		b += e->trace[in].cap * 2 * sizeof(uint32_t);
		b += (e->tix[in].spcap + e->tix[in].spbcap) * sizeof(uint32_t) +
		     e->tix[in].hibcap * sizeof(uint64_t);
		if (aho_outputs(e->aho[in]) > nlits)
			nlits = aho_outputs(e->aho[in]);
	}
	b += (nlits ? nlits : 1) * sizeof(*e->lits);
	b += NINPUTS * WINDOW_MIN_TEXT * 2 * sizeof(uint32_t); /* ends */
	b += e->wtrace.cap * 2 * sizeof(uint32_t);
	b += e->chaincap * sizeof(*e->chainids);
	b += e->ocap;
	if (e->md)
		b += pcre2_get_match_data_size(e->md);
	b += words_cores_memory(e);
	m->engine = b;
	m->rules = filter_ruleset_memory(&e->rs);
	m->plan = prefilter_plan_memory(e->plan);
	m->automata = 0;
	for (int in = 0; in < NINPUTS; in++)
		if (e->aho[in])
			m->automata += aho_memory(e->aho[in]);
}

void filter_engine_stats_carry(struct filter_engine *to, const struct filter_engine *from)
{
	for (size_t i = 0; from && i < from->rs.n; i++) {
		long j = filter_engine_rule_index(to, from->rs.v[i].id);
		if (j < 0)
			continue;
		struct filter_rule_stats st = from->cr[i].st;
		st.disabled = 0;
		to->cr[j].st = st;
	}
}

static void mark_rule(struct filter_engine *e, uint32_t rule)
{
	if (e->cr[rule].mark != e->gen) {
		e->cr[rule].mark = e->gen;
		e->cand[e->ncand++] = rule;
	}
}

/* Aho–Corasick reported literals of the distinct sets ids[0..n) (a text
 * long enough for windows, or windows off): the first time a set is seen
 * in this scan, the slots whose primary set it is are primed
 * (find_candidates() then looks at their other sets).  A short text's
 * scan does this itself (aho_scan_first(), on_primary()). */
static void on_literals(struct filter_engine *e, const uint32_t *ids, size_t n)
{
	const uint32_t gen = e->gen;
	const uint32_t *off = e->plan->fan_off;
	const uint32_t nprimary = (uint32_t)e->plan->nprimary;
	struct aho_mark *seen = e->setseen;
	uint32_t *primed = e->primed;
	size_t nprimed = e->nprimed;
	for (size_t k = 0; k < n; k++) {
		const uint32_t g = ids[k];
		if (g < nprimary) {
			if (seen[g].gen != gen) {
				seen[g].gen = gen;
				for (uint32_t j = off[g]; j < off[g + 1]; j++)
					primed[nprimed++] = j;
			}
		} else {
			seen[g].gen = gen; /* nobody's primary set: no fan */
		}
	}
	e->nprimed = nprimed;
}

/* aho_scan_first() stamped the sets it saw and kept where each first
 * ends; it wrote the new primary sets, ids[0..n): their slots are primed. */
static void on_primary(struct filter_engine *e, const uint32_t *ids, size_t n)
{
	const uint32_t *off = e->plan->fan_off;
	uint32_t *primed = e->primed;
	size_t nprimed = e->nprimed;
	for (size_t k = 0; k < n; k++)
		for (uint32_t j = off[ids[k]]; j < off[ids[k] + 1]; j++)
			primed[nprimed++] = j;
	e->nprimed = nprimed;
}

struct scan;
static int too_long(const struct filter_engine *e, struct scan *sc, const struct slot *sl);

/* Whether all the other sets of fan entry f were seen (the first one
 * missing ends the look: most primed slots). */
static int fan_open(const struct filter_engine *e, const struct plan_fan *f)
{
	for (unsigned c = 0; c < PLAN_FAN_OTHERS && f->other[c] != PLAN_NO_SET; c++)
		if (e->setseen[f->other[c]].gen != e->gen)
			return 0;
	return 1;
}

/* Which sets of each primed slot (a pattern's) were seen: a slot whose
 * sets all were is open, and its rule a candidate.  The fan entries,
 * read in order, say which sets; only a slot that opens is touched
 * (slot_open() takes any other as closed). */
static void open_slots(struct filter_engine *e, struct scan *sc)
{
	const struct plan_fan *fan = e->plan->fan;
	for (size_t k = 0; k < e->nprimed; k++) {
		const struct plan_fan *f = &fan[e->primed[k]];
		if (!fan_open(e, f))
			continue;
		struct slot *sl = &e->slots[f->slot];
		if (sl->limit && too_long(e, sc, sl))
			continue;
		sl->gen = e->gen;
		mark_rule(e, sl->rule);
	}
	e->nprimed = 0;
}

/* Were all the required sets of slot s seen in this scan? */
static int sets_seen(const struct filter_engine *e, size_t s)
{
	const struct plan_slot *ps = &e->plan->slot[s];
	for (unsigned c = 0; c < PREFILTER_MAX_CONJ; c++)
		if ((ps->full >> c & 1) && e->setseen[ps->set[c]].gen != e->gen)
			return 0;
	return 1;
}

/* May pattern k of rule i match, as far as the prefilter knows?  A
 * pattern's slot was opened by open_slots(); an except's sets are looked
 * up now (fanned()). */
static int slot_open(const struct filter_engine *e, size_t i, size_t k)
{
	const size_t s = e->cr[i].slot0 + k;
	const struct slot *sl = &e->slots[s];
	if (sl->full == 0)
		return 1;
	return sl->except ? sets_seen(e, s) : sl->gen == e->gen;
}

static uint64_t mono_ns(void)
{
	struct timespec ts;
	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (uint64_t)ts.tv_sec * 1000000000u + (uint64_t)ts.tv_nsec;
}

/* The current scan: subjects and the verdict being built. */
struct scan {
	const char *orig;
	size_t olen;
	const struct norm_text *nt; /* the engine's, valid when have_nt */
	int have_nt;
	int deobf; /* nt holds a de-obfuscated reading after the text */
	/* where DEOBF_SEP lies in nt->s when deobf: a match that touches it
	 * is neither in the text nor in the reading */
	size_t sep_lo, sep_hi;
	struct filter_verdict *v;
	struct filter_span *spans; /* scratch for one rule */
	size_t nspans;
	int prefiltered;        /* run only the patterns whose literals were seen */
	int split;              /* run split patterns as head and tail */
	int windows[NINPUTS];   /* occurrences recorded (long text) */
	int traced[NINPUTS];    /* the prefilter's scan kept a trace (e->trace) */
	int starts[NINPUTS];    /* short text: the seen sets' first ends (e->setseen) */
	size_t nchars[NINPUTS]; /* characters of each subject plus one; 0: not counted yet */
};

/* The characters (code points) of input in's subject, counted once a
 * scan. */
static size_t subject_chars(const struct filter_engine *e, struct scan *sc, int in)
{
	if (!sc->nchars[in]) {
		const char *s = in == FILTER_INPUT_RAW ? sc->orig : e->nt.s;
		const size_t len = in == FILTER_INPUT_RAW ? sc->olen : e->nt.len;
		size_t n = 0;
		for (size_t k = 0; k < len; k++)
			n += ((unsigned char)s[k] & 0xC0) != 0x80;
		sc->nchars[in] = n + 1;
	}
	return sc->nchars[in] - 1;
}

/* Is the subject of slot sl's pattern, anchored at both ends, longer
 * than any match of it can be (slot.limit)?  Then the pattern cannot
 * match, and is not run: a short reply's rule ("Idiot!") on a comment of
 * a paragraph.  Bytes are counted first (never fewer than characters). */
static int too_long(const struct filter_engine *e, struct scan *sc, const struct slot *sl)
{
	const int in = e->rs.v[sl->rule].input;
	const size_t bytes = in == FILTER_INPUT_RAW ? sc->olen : e->nt.len;
	if (bytes < sl->limit)
		return 0;
	return subject_chars(e, sc, in) >= sl->limit;
}

static int is_limit_error(int rc)
{
	return rc == PCRE2_ERROR_MATCHLIMIT || rc == PCRE2_ERROR_DEPTHLIMIT ||
	       rc == PCRE2_ERROR_HEAPLIMIT || rc == PCRE2_ERROR_JIT_STACKLIMIT;
}

static int add_error(struct filter_verdict *v, const char *rule, const char *msg)
{
	struct filter_error *ne = realloc(v->errors, (v->nerrors + 1) * sizeof(*ne));
	if (!ne)
		return -ENOMEM;
	v->errors = ne;
	ne[v->nerrors].rule = strdup(rule);
	ne[v->nerrors].msg = strdup(msg);
	if (!ne[v->nerrors].rule || !ne[v->nerrors].msg) {
		free(ne[v->nerrors].rule);
		free(ne[v->nerrors].msg);
		return -ENOMEM;
	}
	v->nerrors++;
	return 0;
}

/* A PCRE2 error for rule i: count it, maybe disable the rule, and tell the
 * verdict. */
static int rule_error(struct filter_engine *e, size_t i, struct scan *sc, int rc)
{
	struct crule *cr = &e->cr[i];
	PCRE2_UCHAR pmsg[128];
	char msg[256];

	pcre2_get_error_message(rc, pmsg, sizeof(pmsg));
	if (is_limit_error(rc)) {
		cr->st.limit_hits++;
		if (e->opt.disable_after && cr->st.limit_hits >= e->opt.disable_after &&
		    !cr->st.disabled) {
			cr->st.disabled = 1;
			snprintf(msg, sizeof(msg), "%s; rule disabled after %llu limit hits",
			         (const char *)pmsg, (unsigned long long)cr->st.limit_hits);
		} else {
			snprintf(msg, sizeof(msg), "%s", (const char *)pmsg);
		}
	} else {
		cr->st.errors++;
		snprintf(msg, sizeof(msg), "%s", (const char *)pmsg);
	}
	return add_error(sc->v, e->rs.v[i].id, msg);
}

static size_t next_char(const char *s, size_t len, size_t pos)
{
	if (pos >= len)
		return len + 1;
	utf8_next(s, len, &pos);
	return pos;
}

/* One PCRE2 call.  JIT-compiled code goes through pcre2_jit_match(), the
 * fast path without pcre2_match()'s checks: the subject is valid UTF-8
 * (below) and the limits of the match context still apply. */
static int match_in(const struct filter_engine *e, pcre2_match_context *ctx, const pcre2_code *code,
                    int jit, const char *subj, size_t slen, size_t start)
{
	if (jit)
		return pcre2_jit_match(code, (PCRE2_SPTR)subj, slen, start, 0, e->md, ctx);
	return pcre2_match(code, (PCRE2_SPTR)subj, slen, start, PCRE2_NO_UTF_CHECK, e->md, ctx);
}

/* One PCRE2 call of code in JIT state *state (see jit_resolve()): in the
 * interpreter while its JIT compilation is put off, and then an error (a
 * limit: the interpreter's limits are not JIT's) compiles it now and
 * repeats the call with JIT, so the outcome is the one JIT gives. */
static int match_code(struct filter_engine *e, pcre2_match_context *ctx, pcre2_code *code,
                      int *state, int count, const char *subj, size_t slen, size_t start)
{
	int rc = match_in(e, ctx, code, *state == JIT_YES, subj, slen, start);
	if (rc < 0 && rc != PCRE2_ERROR_NOMATCH && *state == JIT_LATER) {
		jit_resolve(e, code, state, 1, count);
		if (*state == JIT_YES)
			rc = match_in(e, ctx, code, 1, subj, slen, start);
	}
	return rc;
}

/* The match of pattern pt in e->md: record its span when a validator (if
 * any) accepts it, and return where the next attempt starts (after this
 * match; an empty match moves on by one character). */
static size_t take_match(const struct filter_engine *e, const struct filter_rule *r,
                         const struct filter_pattern *pt, struct scan *sc, const char *subj,
                         size_t slen, size_t start)
{
	PCRE2_SIZE *ov = pcre2_get_ovector_pointer(e->md);
	size_t ms = ov[0], me = ov[1], vs = ms, ve = me;
	if (pt->vgroup && ov[2 * pt->vgroup] != PCRE2_UNSET) {
		vs = ov[2 * pt->vgroup];
		ve = ov[2 * pt->vgroup + 1];
	}
	int ok = r->nvalidators == 0;
	if (sc->deobf && r->input == FILTER_INPUT_NORMALIZED && ms < sc->sep_hi && me > sc->sep_lo)
		ok = -1;
	for (size_t k = 0; k < r->nvalidators && !ok; k++)
		ok = r->validators[k]->fn(subj + vs, ve - vs);
	if (ok > 0) {
		struct filter_span sp = { vs, ve };
		if (r->input == FILTER_INPUT_NORMALIZED)
			norm_span_to_orig(sc->nt, vs, ve, &sp.start, &sp.end);
		/* the de-obfuscated reading repeats the text: one span for
		 * a match found in both */
		for (size_t k = 0; sc->deobf && k < sc->nspans; k++)
			if (sc->spans[k].start == sp.start && sc->spans[k].end == sp.end)
				ok = 0;
		if (ok)
			sc->spans[sc->nspans++] = sp;
	}
	size_t next = me;
	if (me == ms || next <= start)
		next = next_char(subj, slen, ms > start ? ms : start);
	return next;
}

/* Run pattern k of rule i over the whole subject from offset start, as a
 * head and a tail when it is split (the head at 0 when start is 0, else
 * only the tail, from start).  Returns 0, 2
 * (a matching error, already reported) or -ENOMEM. */
static int run_whole(struct filter_engine *e, size_t i, size_t k, struct scan *sc, const char *subj,
                     size_t slen, size_t start)
{
	const struct filter_rule *r = &e->rs.v[i];
	struct filter_pattern *pt = &r->patterns[k];
	const size_t s = e->cr[i].slot0 + k;
	struct split *spl = &e->splits[s];
	pcre2_code *code = pt->code;
	int *jit = &pt->jit, count = 1, head = sc->split && spl->head;
	if (head && start > 0) {
		/* the head matches only at 0, and a match there would hold a
		 * literal of the window set no later than the tail's reach
		 * (short_start()): it cannot match */
		head = 0;
		code = spl->tail;
		jit = &spl->tail_jit;
		count = 0;
		split_jit(e, s, slen);
	} else if (head) {
		code = spl->head;
		jit = &spl->head_jit;
		count = 0;
		split_jit(e, s, slen);
	} else {
		pattern_jit(e, s, pt, slen);
	}
	while (start <= slen && sc->nspans < e->opt.max_spans) {
		int rc = match_code(e, e->mctx, code, jit, count, subj, slen, start);
		if (head) {
			/* the head is tried once, at 0; the tail goes on from
			 * where its match ended, or from 0 */
			head = 0;
			code = spl->tail;
			jit = &spl->tail_jit;
			if (rc == PCRE2_ERROR_NOMATCH)
				continue;
		}
		if (rc == PCRE2_ERROR_NOMATCH)
			break;
		if (rc < 0)
			return rule_error(e, i, sc, rc) < 0 ? -ENOMEM : 2;
		start = take_match(e, r, pt, sc, subj, slen, start);
	}
	return 0;
}

/* A walk's reach in characters (a word is about eight; segments are in
 * characters already). */
static size_t walk_width(const struct walk *w)
{
	return (size_t)w->reach * (w->spaces ? 8 : 1);
}

/* How far past a window's last start its matches may read, counted
 * toward JIT compilation: the walk's width, or the second plan's when
 * wider (a cut's windows are narrower than what its matches read:
 * cut_plan()). */
static size_t read_width(const struct split *sp, const struct walk *w)
{
	size_t width = walk_width(w);
	return sp->alt_nseg && sp->alt_reach > width ? sp->alt_reach : width;
}

/* The places of one literal set in this text for a plan of width
 * `width` characters: NULL when its windows would cover the text twice
 * over before merging, which costs more to find (a walk back from each
 * place) than it saves.  Windows that touch are merged and each search
 * is given the text up to what its attempts read (window_subject()), so
 * a window costs about its width: up to 512 places and half the text
 * (the limits before the subject was cut) left the question rules on
 * the whole of a 64 KB text; with 2,048 and twice the text, the third
 * pass over 4 x 64 KB costs 2.4 % fewer instructions (docs/filter.md,
 * "sixteenth round"). */
static const struct occ *few_places(const struct occ *o, size_t width, size_t slen)
{
	/* width includes the characters a window ends past its place
	 * (split.behind) */
	return o && o->n <= WINDOW_MAX_OCC && o->n * width <= 2 * slen ? o : NULL;
}

/* The fewest places of slot s's own sets in this text (a bounded
 * pattern's windows are around any of them), or NULL. */
static const struct occ *rarest_own(const struct filter_engine *e, size_t s)
{
	const struct plan_slot *ps = &e->plan->slot[s];
	const struct occ *o = NULL;
	for (size_t c = 0; c < PREFILTER_MAX_CONJ; c++) {
		if (!(e->slots[s].full & (1u << c)))
			continue;
		const struct occ *oc = &e->occ[ps->set[c]];
		if (oc->gen != e->gen)
			return NULL; /* cannot be: the set was seen */
		if (!o || oc->n < o->n)
			o = oc;
	}
	return o;
}

/* The places of slot s's window set in this text and the walk back from
 * each (*w), or NULL when windows would not help (or the places are
 * unknown).  A pattern with both a prefix plan and segments (split.alt_*)
 * takes the one whose windows cover less: places times width. */
static const struct occ *window_set(const struct filter_engine *e, size_t s, size_t slen,
                                    struct walk *w)
{
	static const struct occ none = { 0, UINT32_MAX, UINT32_MAX, 0 };
	const struct split *sp = &e->splits[s];
	const struct plan_slot *ps = &e->plan->slot[s];
	const struct occ *o = NULL;
	if (e->recorded[s] != e->gen)
		return NULL; /* places not recorded */
	*w = (struct walk){ .reach = sp->reach,
		            .spaces = sp->spaces,
		            .nseg = sp->nseg,
		            .behind = sp->behind,
		            .seg = sp->seg };
	if (sp->wset == WSET_ANY) {
		o = rarest_own(e, s);
	} else {
		o = &e->occ[ps->set[sp->wset]];
		/* a prefix set that does not occur: no match can start */
		if (o->gen != e->gen)
			return sp->wset == PREFIX_SET ? &none : NULL;
	}
	/* a word is about eight characters; segments are in characters */
	o = few_places(o, walk_width(w) + sp->behind, slen);
	if (sp->alt_nseg) {
		const struct occ *a =
		        few_places(rarest_own(e, s), sp->alt_reach + sp->behind, slen);
		if (a && (!o || (size_t)a->n * sp->alt_reach < (size_t)o->n * walk_width(w))) {
			*w = (struct walk){ .reach = sp->alt_reach,
				            .nseg = sp->alt_nseg,
				            .behind = sp->behind,
				            .seg = sp->alt_seg };
			o = a;
		}
	}
	return o;
}

/* Text s of input `in` in this scan for the walks back (struct
 * textidx): its parts are built when first needed. */
static struct textidx *text_index(struct filter_engine *e, int in, const char *s, size_t len)
{
	struct textidx *ti = &e->tix[in];
	if (ti->s != s || ti->len != len || ti->gen != e->gen) {
		ti->s = s;
		ti->len = len;
		ti->gen = e->gen;
		ti->have_sp = ti->have_hib = 0;
	}
	return ti;
}

/* The blocks past ASCII of ti's text, eight bytes at a time; 0, or -1
 * when out of memory (the walk then reads the bytes).  Out of line, as
 * index_spaces(): once a scan, and the walks that call them run on
 * every short text too (short_start()). */
static __attribute__((noinline)) int index_ascii(struct textidx *ti)
{
	const size_t words = (ti->len + 4095) / 4096;
	if (ti->hibcap < words) {
		uint64_t *nh = realloc(ti->hib, words * sizeof(*nh));
		if (!nh)
			return -1;
		ti->hib = nh;
		ti->hibcap = words;
	}
	memset(ti->hib, 0, words * sizeof(*ti->hib));
	const char *s = ti->s;
	size_t i = 0;
	for (; i + 8 <= ti->len; i += 8) {
		uint64_t w;
		memcpy(&w, s + i, sizeof(w));
		if (w & 0x8080808080808080ull)
			ti->hib[i >> 12] |= 1ull << ((i >> 6) & 63);
	}
	for (; i < ti->len; i++)
		if ((unsigned char)s[i] & 0x80)
			ti->hib[i >> 12] |= 1ull << ((i >> 6) & 63);
	ti->have_hib = 1;
	return 0;
}

/* The spaces of ti's text and each block's first, eight bytes at a
 * time; 0 or -1 (as index_ascii()). */
static __attribute__((noinline)) int index_spaces(struct textidx *ti)
{
	const size_t room = ti->len + 8, blocks = ti->len / 64 + 2;
	if (ti->spcap < room) {
		/* a space a byte at most */
		uint32_t *np = realloc(ti->sp, room * sizeof(*np));
		if (!np)
			return -1;
		ti->sp = np;
		ti->spcap = room;
	}
	if (ti->spbcap < blocks) {
		uint32_t *nb = realloc(ti->spb, blocks * sizeof(*nb));
		if (!nb)
			return -1;
		ti->spb = nb;
		ti->spbcap = blocks;
	}
	const uint64_t lo7 = 0x7F7F7F7F7F7F7F7Full;
	const char *s = ti->s;
	uint32_t nsp = 0;
	size_t i = 0;
	for (; i + 8 <= ti->len; i += 8) {
		if (!(i & 63))
			ti->spb[i >> 6] = nsp;
		uint64_t w;
		memcpy(&w, s + i, sizeof(w));
		/* the bytes equal to ' ': the high bit of each zero byte of x */
		const uint64_t x = w ^ 0x2020202020202020ull;
		uint64_t m = ~(((x & lo7) + lo7) | x | lo7);
		while (m) {
			ti->sp[nsp++] = (uint32_t)(i + (size_t)__builtin_ctzll(m) / 8);
			m &= m - 1;
		}
	}
	for (; i < ti->len; i++) {
		if (!(i & 63))
			ti->spb[i >> 6] = nsp;
		if (s[i] == ' ')
			ti->sp[nsp++] = (uint32_t)i;
	}
	for (size_t b = (i + 63) / 64; b < blocks; b++)
		ti->spb[b] = nsp;
	ti->nsp = nsp;
	ti->have_sp = 1;
	return 0;
}

/* Are the bytes [from, to) (from < to) all ASCII? By the blocks of 64
 * bytes they lie in: a block with a byte past ASCII says no. */
static int ascii_between(const struct textidx *ti, size_t from, size_t to)
{
	const size_t b0 = from >> 6, b1 = (to - 1) >> 6;
	for (size_t w = b0 >> 6; w <= b1 >> 6; w++) {
		uint64_t m = ti->hib[w];
		if (w == b0 >> 6)
			m &= ~0ull << (b0 & 63);
		if (w == b1 >> 6)
			m &= ~0ull >> (63 - (b1 & 63));
		if (m)
			return 0;
	}
	return 1;
}

/* n characters back from offset pos (a character boundary), or an offset
 * at or before floor when the walk gets there first (the windows'
 * merging only asks whether a window begins after floor). */
static size_t chars_back(const char *s, size_t pos, size_t n, size_t floor)
{
	while (pos > floor && n > 0) {
		/* eight ASCII bytes are eight characters (normalised text is
		 * mostly ASCII): the same steps, a word at a time */
		if (n >= 8 && pos - floor >= 8) {
			uint64_t w;
			memcpy(&w, s + pos - 8, sizeof(w));
			if (!(w & 0x8080808080808080ull)) {
				pos -= 8;
				n -= 8;
				continue;
			}
		}
		pos--;
		if (((unsigned char)s[pos] & 0xC0) != 0x80)
			n--;
	}
	return pos;
}

/* The first offset from which [offset, pos) holds at most n spaces
 * (windows counted in words, reach.h), or one at or before floor. */
static size_t spaces_back(const char *s, size_t pos, size_t n, size_t floor)
{
	while (pos > floor) {
		const char *q = memrchr(s + floor, ' ', pos - floor);
		if (!q)
			return floor;
		pos = (size_t)(q - s);
		if (n-- == 0)
			return pos + 1;
	}
	return pos;
}

/* chars_back() on an indexed text: at once when the bytes back from pos
 * are ASCII. */
static inline size_t chars_back_ix(struct textidx *ti, const char *s, size_t pos, size_t n,
                                   size_t floor)
{
	if (pos > floor && n > 0 && (ti->have_hib || index_ascii(ti) == 0)) {
		/* a byte a character */
		const size_t to = pos - floor > n ? pos - n : floor;
		if (ascii_between(ti, to, pos))
			return to;
	}
	while (pos > floor && n > 0) {
		/* eight bytes that begin with a character hold as many
		 * characters as bytes that are not continuation bytes
		 * (10xxxxxx), at most eight: a raw Swedish text has a letter
		 * past ASCII every dozen bytes or so, where chars_back()
		 * steps a byte at a time */
		if (n >= 8 && pos - floor >= 8 && ((unsigned char)s[pos - 8] & 0xC0) != 0x80) {
			uint64_t w;
			memcpy(&w, s + pos - 8, sizeof(w));
			const uint64_t cont = w & ~(w << 1) & 0x8080808080808080ull;
			pos -= 8;
			/* their count: the bytes' sum in the top byte */
			n -= 8 - (size_t)(((cont >> 7) * 0x0101010101010101ull) >> 56);
			continue;
		}
		pos--;
		if (((unsigned char)s[pos] & 0xC0) != 0x80)
			n--;
	}
	return pos;
}

/* spaces_back() on an indexed text: the loop there finds the spaces
 * before pos one by one and returns after the (n+1)th, or floor when
 * fewer lie in [floor, pos); here lo, the count of spaces before pos, is
 * found in pos's block (pos <= len). */
static inline size_t spaces_back_ix(struct textidx *ti, const char *s, size_t pos, size_t n,
                                    size_t floor)
{
	if (pos <= floor || (!ti->have_sp && index_spaces(ti) != 0))
		return spaces_back(s, pos, n, floor);
	size_t lo = ti->spb[pos >> 6], hi = ti->spb[(pos >> 6) + 1];
	while (lo < hi) {
		const size_t mid = lo + (hi - lo) / 2;
		if (ti->sp[mid] < pos)
			lo = mid + 1;
		else
			hi = mid;
	}
	if (lo > n && ti->sp[lo - 1 - n] >= floor)
		return (size_t)ti->sp[lo - 1 - n] + 1;
	return floor;
}

/* reach_back() on an indexed text (a long one's windows). */
static __attribute__((noinline)) size_t reach_back_ix(const struct walk *sp, const char *s,
                                                      size_t pos, size_t floor)
{
	if (sp->nseg) {
		for (size_t k = sp->nseg; k-- > 0 && pos > floor;) {
			size_t n = sp->seg[k] & ~SEG_SPACES;
			pos = sp->seg[k] & SEG_SPACES ? spaces_back_ix(sp->ti, s, pos, n, floor)
			                              : chars_back_ix(sp->ti, s, pos, n, floor);
		}
		return pos;
	}
	return sp->spaces ? spaces_back_ix(sp->ti, s, pos, sp->reach, floor)
	                  : chars_back_ix(sp->ti, s, pos, sp->reach, floor);
}

/* Where a window before pos begins for slot split sp: in characters, in
 * spaces or in segments of both; or an offset at or before floor, when it
 * begins there or before (the walk stops early). */
static size_t reach_back(const struct walk *sp, const char *s, size_t pos, size_t floor)
{
	if (sp->ti)
		return reach_back_ix(sp, s, pos, floor);
	if (sp->nseg) {
		/* segments: the last one's units back from pos, then the one
		 * before it, ... (reach.h) */
		for (size_t k = sp->nseg; k-- > 0 && pos > floor;) {
			size_t n = sp->seg[k] & ~SEG_SPACES;
			pos = sp->seg[k] & SEG_SPACES ? spaces_back(s, pos, n, floor)
			                              : chars_back(s, pos, n, floor);
		}
		return pos;
	}
	return sp->spaces ? spaces_back(s, pos, sp->reach, floor)
	                  : chars_back(s, pos, sp->reach, floor);
}

/* Where the window of the place ending at pos ends: pos, or w->behind
 * characters later when a literal of the set may end before a match's
 * start (a positive lookbehind's, split.behind), at most slen. */
static size_t window_end(const struct walk *w, const char *s, size_t slen, size_t pos)
{
	for (size_t n = w->behind; n > 0 && pos < slen; n--) {
		pos++;
		while (pos < slen && ((unsigned char)s[pos] & 0xC0) == 0x80)
			pos++;
	}
	return pos;
}

/* The windows of places q, q's successors ...: the first window [*lo,
 * *hi] (lo known already for q, passed in *lo), the windows that touch it
 * merged into it.  Returns the first place after it (UINT32_MAX: none)
 * with *next_lo its window's start.  A place at or before hi merges
 * without a walk; for one after it the walk stops at hi. */
static uint32_t merge_windows(const struct filter_engine *e, const struct walk *sp,
                              const char *subj, size_t slen, uint32_t q, size_t *hi,
                              size_t *next_lo)
{
	*hi = window_end(sp, subj, slen, e->occ_pos[q]);
	for (q = e->occ_next[q]; q != UINT32_MAX; q = e->occ_next[q]) {
		size_t pos = e->occ_pos[q];
		if (pos > *hi) {
			size_t lo = reach_back(sp, subj, pos, *hi);
			if (lo > *hi) {
				*next_lo = lo;
				return q;
			}
		}
		size_t end = window_end(sp, subj, slen, pos);
		if (end > *hi)
			*hi = end;
	}
	return q;
}

/* The subject length a window's search needs when its last start is hi:
 * the end of the walk forward from hi through what an attempt reads
 * (split.look_seg), with a margin (one space, 16 bytes), at a character
 * boundary; slen when unbounded.  PCRE2 (JIT and interpreter) looks for
 * a pattern's last required character up to the subject's end on each
 * call; with the whole text as subject every window's call read on to
 * the end of the text when that character was rare, so the windows of a
 * text cost its length times their number.  A character is at most four
 * bytes: no walk for characters. */
static size_t window_subject(const struct split *sp, const char *s, size_t slen, size_t hi)
{
	size_t end = hi, spaces = 0;
	if (!sp->look_nseg)
		return slen;
	/* a walk of many spaces (a memchr() each) would cost more than
	 * most searches it shortens: the whole text then, as before */
	for (size_t k = 0; k < sp->look_nseg; k++)
		if (sp->look_seg[k] & SEG_SPACES)
			spaces += sp->look_seg[k] & ~SEG_SPACES;
	if (spaces > LOOK_MAX_SPACES)
		return slen;
	for (size_t k = 0; k < sp->look_nseg && end < slen; k++) {
		size_t n = sp->look_seg[k] & ~SEG_SPACES;
		if (sp->look_seg[k] & SEG_SPACES) {
			for (n++; n > 0 && end < slen; n--) {
				const char *q = memchr(s + end, ' ', slen - end);
				end = q ? (size_t)(q - s) + 1 : slen;
			}
		} else {
			end = slen - end > 4 * n ? end + 4 * n : slen;
		}
	}
	end = slen - end > 16 ? end + 16 : slen;
	while (end < slen && ((unsigned char)s[end] & 0xC0) == 0x80)
		end++;
	return end;
}

/* Run pattern k of rule i only where a match can start: near the
 * occurrences of one of its literal sets.  Every character a match starting
 * at S looks at lies within R characters of S (reach.h), the literal among
 * them, so S is at most R characters before the literal's end E; and S
 * is before E: a match that starts later holds a later occurrence, whose
 * window has S.  So a window is the starts [E - R, E] (the match itself
 * may go on past E: the subject is the whole text); [E - R, E + B] when
 * a positive lookbehind may read B characters before S (split.behind):
 * a literal there may end before S, at most B before it.  The windows are
 * searched in order with PCRE2's offset limit, which bounds where a match
 * starts: the matches found are those, at the same offsets, that
 * run_whole() finds.  Same returns. */
static int run_windowed(struct filter_engine *e, size_t i, size_t k, struct scan *sc,
                        const char *subj, size_t slen, const struct occ *o, const struct walk *w)
{
	const struct filter_rule *r = &e->rs.v[i];
	struct filter_pattern *pt = &r->patterns[k];
	const size_t s = e->cr[i].slot0 + k;
	struct split *spl = &e->splits[s];
	pcre2_code *code = spl->head ? spl->tail : pt->code;
	int *jit = spl->head ? &spl->tail_jit : &pt->jit;
	size_t start = 0;
	uint32_t q = o->head;
	if (spl->head) {
		/* a split pattern: its head once, at 0, then its tail from
		 * where the head's match ended (as run_whole()) in windows;
		 * the anchored head looks at little of the text */
		split_jit(e, s, 0);
		int rc = match_code(e, e->mctx, spl->head, &spl->head_jit, 0, subj, slen, 0);
		if (rc >= 0)
			start = take_match(e, r, pt, sc, subj, slen, 0);
		else if (rc != PCRE2_ERROR_NOMATCH)
			return rule_error(e, i, sc, rc) < 0 ? -ENOMEM : 2;
	}
	size_t next_lo = q != UINT32_MAX ? reach_back(w, subj, e->occ_pos[q], 0) : 0;
	while (q != UINT32_MAX && start <= slen && sc->nspans < e->opt.max_spans) {
		size_t lo = next_lo, hi;
		/* merge the windows that touch */
		q = merge_windows(e, w, subj, slen, q, &hi, &next_lo);
		if (hi < start)
			continue;
		if (lo < start)
			lo = start;
		/* toward JIT_AFTER_BYTES: the window's starts and the reach
		 * past its last one, what its matches read */
		if (spl->head)
			split_jit(e, s, hi - lo + read_width(spl, w));
		else
			pattern_jit(e, s, pt, hi - lo + read_width(spl, w));
		pcre2_set_offset_limit(e->wctx, hi);
		const size_t tlen = window_subject(spl, subj, slen, hi);
		while (lo <= hi && sc->nspans < e->opt.max_spans) {
			int rc = match_code(e, e->wctx, code, jit, !spl->head, subj, tlen, lo);
			if (rc == PCRE2_ERROR_NOMATCH)
				break;
			if (rc < 0)
				return rule_error(e, i, sc, rc) < 0 ? -ENOMEM : 2;
			start = lo = take_match(e, r, pt, sc, subj, slen, lo);
		}
	}
	return 0;
}

/* Does except slot s match in subj at or after start (where the first
 * match can start: short_start())?  PCRE2's return code. */
static int except_whole(struct filter_engine *e, size_t s, const char *subj, size_t slen,
                        size_t start)
{
	struct filter_pattern *pt = slot_pattern(e, s);
	pattern_jit(e, s, pt, slen);
	return match_code(e, e->mctx, pt->code, &pt->jit, 1, subj, slen, start);
}

/* The same, searching only the windows where a match can start (as
 * run_windowed()). */
static int except_windowed(struct filter_engine *e, size_t s, const char *subj, size_t slen,
                           const struct occ *o, const struct walk *w)
{
	struct filter_pattern *pt = slot_pattern(e, s);
	uint32_t q = o->head;
	size_t next_lo = q != UINT32_MAX ? reach_back(w, subj, e->occ_pos[q], 0) : 0;
	while (q != UINT32_MAX) {
		size_t lo = next_lo, hi;
		q = merge_windows(e, w, subj, slen, q, &hi, &next_lo);
		pattern_jit(e, s, pt, hi - lo + read_width(&e->splits[s], w));
		pcre2_set_offset_limit(e->wctx, hi);
		int rc = match_code(e, e->wctx, pt->code, &pt->jit, 1, subj,
		                    window_subject(&e->splits[s], subj, slen, hi), lo);
		if (rc != PCRE2_ERROR_NOMATCH)
			return rc;
	}
	return PCRE2_ERROR_NOMATCH;
}

/* Where the first occurrence of set g (seen in this scan of a short
 * text) ends (aho_scan_first()). */
static uint32_t first_end(const struct filter_engine *e, uint32_t g)
{
	return e->setseen[g].first; /* a set is of one input: setseen holds both's */
}

/* On a short text (sc->starts[input]): the first offset at which a match
 * of slot s can start, SHORT_NONE when none can.  The bound is
 * run_windowed()'s, from the first occurrence alone: a match starting at
 * S holds a literal of the window set (of each own set, WSET_ANY) that
 * ends at some E no earlier than that set's first end F, and S is at
 * most the reach before E, so no earlier than the reach before F.  A
 * prefix set that does not occur: no match (window_set()).
 *
 * A split pattern's reach is its tail's (split set when the scan runs
 * heads and tails, else it starts at 0).  The bound holds for the tail;
 * it holds for the head too when the window set is one of the pattern's
 * own (every match holds them, the head's too, and the head's REST
 * reaches no further back than the tail's X REST), not a prefix set of
 * the tail's, which may be X's: then it starts at 0.  A bound above 0
 * says that the head (which matches only at 0) cannot match
 * (run_whole()). */
#define SHORT_NONE SIZE_MAX
static size_t short_start(const struct filter_engine *e, size_t s, const char *subj, int split)
{
	const struct split *sp = &e->splits[s];
	const struct plan_slot *ps = &e->plan->slot[s];
	uint32_t end = 0;
	if (!sp->reach || (sp->head && (!split || sp->wset == PREFIX_SET)))
		return 0;
	if (sp->wset == WSET_ANY) {
		for (unsigned c = 0; c < PREFILTER_MAX_CONJ; c++) {
			if (!(e->slots[s].full & (1u << c)))
				continue;
			const uint32_t g = ps->set[c];
			if (e->setseen[g].gen != e->gen)
				return 0; /* cannot be: the slot is open */
			uint32_t f = first_end(e, g);
			if (f > end)
				end = f;
		}
	} else {
		const uint32_t g = ps->set[sp->wset];
		if (g == PLAN_NO_SET)
			return 0;
		if (e->setseen[g].gen != e->gen)
			return sp->wset == PREFIX_SET ? SHORT_NONE : 0;
		end = first_end(e, g);
	}
	const struct walk w = { .reach = sp->reach,
		                .spaces = sp->spaces,
		                .nseg = sp->nseg,
		                .behind = sp->behind,
		                .seg = sp->seg };
	return reach_back(&w, subj, end, 0);
}

/* On a text long enough for windows (slen bytes): did rule i's pattern
 * or except run in windows (o) or over the whole text?
 * (filter_rule_stats) */
static void count_long(struct filter_engine *e, size_t i, size_t slen, const struct occ *o)
{
	if (slen < WINDOW_MIN_TEXT)
		return;
	if (o)
		e->cr[i].st.long_windowed++;
	else
		e->cr[i].st.long_whole++;
}

/* May slot s's whole words (e->words) be in subj, the subject of input
 * in?  A pattern without them cannot match: it is not run (1 when it has
 * none).  The subject's tokens are read once a scan, and not on a text
 * long enough for windows: its tokens cost more than the check saves
 * there (+0.44 % instructions on 4 KB texts), the words being nearly
 * always in it. */
static int words_seen(struct filter_engine *e, size_t s, int in, const char *subj, size_t slen)
{
	if (!e->words || !e->words[s] || slen >= WINDOW_MIN_TEXT)
		return 1;
	if (e->tokens_gen[in] != e->gen) {
		prefilter_tokens_of(subj, slen, &e->tokens[in]);
		e->tokens_gen[in] = e->gen;
	}
	return prefilter_words_in(e->words[s], &e->tokens[in]);
}

/* May slot s's pattern match subj, as far as its shared core (e->cores)
 * says?  The core runs once a scan over the whole subject (JIT-compiled at
 * its first run: it stands for several patterns); an error (a limit)
 * says "may".  Not on a text long enough for windows: there the patterns
 * run only around their literals, and the core would read it all. */
static int core_may_match(struct filter_engine *e, size_t s, const char *subj, size_t slen)
{
	if (!e->core_of || e->core_of[s] == NO_CORE || slen >= WINDOW_MIN_TEXT)
		return 1;
	struct core *c = &e->cores[e->core_of[s]];
	if (c->gen == e->gen)
		return c->may;
	c->gen = e->gen;
	c->may = 1;
	if (!c->tried) {
		c->tried = 1;
		c->code = code_cache_get(c->ref);
		c->jit = c->code && jit_code(e, c->code);
	}
	if (c->code)
		c->may =
		        match_in(e, e->mctx, c->code, c->jit, subj, slen, 0) != PCRE2_ERROR_NOMATCH;
	return c->may;
}

/* Both subjects are valid UTF-8 by construction (utf8_sanitize() output
 * and its normalisation; test-normalize.c checks them with PCRE2), and
 * every start offset is a character boundary, so PCRE2 need not check the
 * whole subject again on each call: PCRE2_NO_UTF_CHECK.
 *
 * Evaluate rule i.  Returns 1 (matched; spans in sc->spans), 0 (no match),
 * 2 (a matching error, already reported), -ENOMEM. */
static int eval_rule(struct filter_engine *e, size_t i, struct scan *sc)
{
	struct filter_rule *r = &e->rs.v[i];
	const char *subj = r->input == FILTER_INPUT_RAW ? sc->orig : sc->nt->s;
	size_t slen = r->input == FILTER_INPUT_RAW ? sc->olen : sc->nt->len;
	int rc;

	sc->nspans = 0;
	for (size_t k = 0; k < r->npatterns && sc->nspans < e->opt.max_spans; k++) {
		size_t s = e->cr[i].slot0 + k;
		const struct occ *o = NULL;
		struct walk w;
		if (sc->prefiltered &&
		    (!slot_open(e, i, k) || !words_seen(e, s, r->input, subj, slen) ||
		     !core_may_match(e, s, subj, slen)))
			continue;
		if ((rc = slot_code(e, s, sc->split)) < 0)
			return rc;
		if (sc->windows[r->input] && e->splits[s].reach &&
		    (!e->splits[s].head || sc->split))
			o = window_set(e, s, slen, &w);
		if (o)
			w.ti = text_index(e, r->input, subj, slen);
		count_long(e, i, slen, o);
		size_t from = sc->starts[r->input] ? short_start(e, s, subj, sc->split) : 0;
		if (from == SHORT_NONE)
			continue;
		rc = o ? run_windowed(e, i, k, sc, subj, slen, o, &w)
		       : run_whole(e, i, k, sc, subj, slen, from);
		if (rc != 0)
			return rc;
	}
	if (sc->nspans == 0)
		return 0;
	for (size_t k = 0; k < r->nexcepts; k++) {
		const size_t s = e->cr[i].slot0 + r->npatterns + k;
		const struct occ *o = NULL;
		struct walk w;
		if (sc->prefiltered &&
		    (!slot_open(e, i, r->npatterns + k) || !words_seen(e, s, r->input, subj, slen)))
			continue; /* a literal it needs does not occur: no match */
		if ((rc = slot_code(e, s, sc->split)) < 0)
			return rc;
		if (sc->windows[r->input] && e->splits[s].reach)
			o = window_set(e, s, slen, &w);
		if (o)
			w.ti = text_index(e, r->input, subj, slen);
		count_long(e, i, slen, o);
		size_t from = sc->starts[r->input] ? short_start(e, s, subj, 0) : 0;
		if (from == SHORT_NONE)
			continue; /* no match */
		rc = o ? except_windowed(e, s, subj, slen, o, &w)
		       : except_whole(e, s, subj, slen, from);
		if (rc >= 0) {
			sc->nspans = 0;
			return 0;
		}
		if (rc != PCRE2_ERROR_NOMATCH)
			return rule_error(e, i, sc, rc) < 0 ? -ENOMEM : 2;
	}
	return 1;
}

static int add_hit(struct filter_verdict *v, const struct filter_rule *r, const struct scan *sc)
{
	struct filter_hit *nh = realloc(v->hits, (v->nhits + 1) * sizeof(*nh));
	if (!nh)
		return -ENOMEM;
	v->hits = nh;
	struct filter_hit *h = &nh[v->nhits];
	memset(h, 0, sizeof(*h));
	h->rule = strdup(r->id);
	h->title = strdup(r->title);
	h->statute = strdup(r->statute);
	h->spans = malloc(sc->nspans * sizeof(*h->spans));
	if (!h->rule || !h->title || !h->statute || !h->spans) {
		free(h->rule);
		free(h->title);
		free(h->statute);
		free(h->spans);
		return -ENOMEM;
	}
	memcpy(h->spans, sc->spans, sc->nspans * sizeof(*h->spans));
	h->nspans = sc->nspans;
	h->category = r->category;
	h->tier = r->tier;
	h->severity = r->severity;
	h->actions = r->actions;
	h->shadow = r->mode == FILTER_MODE_SHADOW;
	v->nhits++;
	if (!h->shadow) {
		v->categories |= 1u << r->category;
		if (r->tier > v->tier)
			v->tier = r->tier;
		if (r->severity > v->severity)
			v->severity = r->severity;
		v->actions |= r->actions;
	}
	return 0;
}

/* Mask the spans of active personal_data rules and rules with `mask`. */
static int mask_verdict(struct filter_verdict *v, const struct scan *sc)
{
	size_t n = 0, k = 0;
	for (size_t i = 0; i < v->nhits; i++)
		if (!v->hits[i].shadow && (v->hits[i].category == FILTER_CAT_PERSONAL_DATA ||
		                           (v->hits[i].actions & FILTER_ACT_MASK)))
			n += v->hits[i].nspans;
	if (n == 0) {
		/* nothing to mask: the text is the scanned original */
		v->text = malloc(sc->olen + 1);
		if (!v->text)
			return -ENOMEM;
		memcpy(v->text, sc->orig, sc->olen);
		v->text[sc->olen] = '\0';
		v->nmasked = 0;
		return 0;
	}
	struct filter_span *spans = malloc((n ? n : 1) * sizeof(*spans));
	if (!spans)
		return -ENOMEM;
	for (size_t i = 0; i < v->nhits; i++)
		if (!v->hits[i].shadow && (v->hits[i].category == FILTER_CAT_PERSONAL_DATA ||
		                           (v->hits[i].actions & FILTER_ACT_MASK)))
			for (size_t j = 0; j < v->hits[i].nspans; j++)
				spans[k++] = v->hits[i].spans[j];
	int r = mask_text(sc->orig, sc->olen, spans, n, clock_now(), &v->text, &v->nmasked);
	free(spans);
	return r;
}

/* Sanitise the input into the scanned original and normalise it. */
static int scan_prepare(struct filter_engine *e, const char *text, size_t len, struct scan *sc)
{
	size_t consumed;
	int r = utf8_sanitize_into(text, len, e->opt.max_scan_bytes, &e->obuf, &e->ocap, &sc->olen,
	                           &consumed);
	if (r < 0)
		return r;
	sc->orig = e->obuf;
	sc->v->input_len = len;
	sc->v->scanned = consumed;
	sc->v->truncated = consumed < len;
	if (e->nrules_input[FILTER_INPUT_NORMALIZED]) {
		r = normalize_text_reuse(sc->orig, sc->olen, &e->nt);
		if (r < 0)
			return r;
		/* only a text with a trace of obfuscation pays for the step */
		if (e->deobf && deobf_gate(sc->orig, sc->olen, &e->nt)) {
			size_t text_len = e->nt.len;
			r = deobf_apply(e->deobf, sc->orig, sc->olen, &e->nt, &e->dsc);
			if (r < 0)
				return r;
			sc->deobf = r;
			sc->sep_lo = text_len;
			sc->sep_hi = text_len + strlen(DEOBF_SEP);
		}
		sc->nt = &e->nt;
		sc->have_nt = 1;
	}
	return 0;
}

/* A new scan generation; on wrap-around old stamps could collide. */
static void next_generation(struct filter_engine *e)
{
	if (++e->gen != 0)
		return;
	for (size_t c = 0; c < e->ncores; c++)
		e->cores[c].gen = 0;
	for (int in = 0; in < NINPUTS; in++) {
		e->tokens_gen[in] = 0;
		memset(e->stamp[in], 0, aho_stamps(e->aho[in]) * sizeof(uint32_t));
		if (e->repseen[in])
			memset(e->repseen[in], 0, aho_report_states(e->aho[in]) * sizeof(uint32_t));
		e->tix[in].s = NULL;
	}
	for (size_t i = 0; i < e->rs.n; i++)
		e->cr[i].mark = 0;
	for (size_t s = 0; s < e->nslots; s++) {
		e->slots[s].gen = 0;
		if (e->recorded)
			e->recorded[s] = 0;
	}
	for (size_t g = 0; g < e->plan->nsets; g++) {
		e->setseen[g].gen = 0;
		if (e->occ) {
			e->occ[g].gen = 0;
			e->want[g] = 0;
		}
	}
	e->gen = 1;
}

/* The prefilter's scan of one input: the ids of the sets seen, in
 * e->lits.  On a text long enough for windows (find_positions()) it also
 * keeps where the literals end, so that finding their places does not
 * walk the automaton a second time. */
static size_t prefilter_scan(struct filter_engine *e, struct scan *sc, unsigned flags, int in,
                             const char *s, size_t len)
{
	sc->traced[in] = 0;
	if (len < WINDOW_MIN_TEXT || (flags & FILTER_SCAN_NO_WINDOW) || e->window_patterns == 0)
		return aho_scan(e->aho[in], s, len, e->stamp[in], e->gen, e->lits);
	size_t n = aho_scan_trace(e->aho[in], s, len, e->stamp[in], e->gen, e->lits, &e->trace[in]);
	sc->traced[in] = !e->trace[in].failed;
	return n;
}

/* The prefilter's scan of one input and its sets' slots primed.  On a
 * short text (no trace) it also keeps where each seen set first occurs:
 * a pattern with a reach then starts no earlier than its reach before
 * that (short_start()). */
static void prefilter_input(struct filter_engine *e, struct scan *sc, unsigned flags, int in,
                            const char *s, size_t len)
{
	if (len < WINDOW_MIN_TEXT && !(flags & FILTER_SCAN_NO_WINDOW) && e->window_patterns) {
		on_primary(e, e->lits,
		           aho_scan_first(e->aho[in], s, len, e->stamp[in], e->gen, e->setseen,
		                          (uint32_t)e->plan->nprimary, e->lits));
		sc->traced[in] = 0;
		sc->starts[in] = 1;
		return;
	}
	on_literals(e, e->lits, prefilter_scan(e, sc, flags, in, s, len));
}

/* Candidates: rules whose literals occur and rules without any, in load
 * order; every rule without the prefilter. */
static void find_candidates(struct filter_engine *e, struct scan *sc, unsigned flags)
{
	e->ncand = 0;
	if (e->opt.no_prefilter || (flags & FILTER_SCAN_NO_PREFILTER)) {
		for (size_t i = 0; i < e->rs.n; i++)
			e->cand[e->ncand++] = (uint32_t)i;
		return;
	}
	sc->prefiltered = 1;
	sc->split = !(flags & FILTER_SCAN_NO_SPLIT);
	e->nprimed = 0;
	if (sc->have_nt)
		prefilter_input(e, sc, flags, FILTER_INPUT_NORMALIZED, e->nt.s, e->nt.len);
	prefilter_input(e, sc, flags, FILTER_INPUT_RAW, sc->orig, sc->olen);
	open_slots(e, sc);
	for (int in = 0; in < NINPUTS; in++)
		for (size_t k = 0; k < e->nalways[in]; k++)
			mark_rule(e, e->always[in][k]);
	/* load order; a handful of candidates: insertion sort */
	for (size_t i = 1; i < e->ncand; i++) {
		uint32_t x = e->cand[i];
		size_t j = i;
		for (; j > 0 && e->cand[j - 1] > x; j--)
			e->cand[j] = e->cand[j - 1];
		e->cand[j] = x;
	}
}

struct occ_ctx {
	struct filter_engine *e;
	int failed;
};

/* Place k of set o ends at `end` (room for it known). */
static inline void occ_append(struct filter_engine *e, struct occ *o, size_t end)
{
	uint32_t k = (uint32_t)e->nocc++;
	e->occ_pos[k] = (uint32_t)end;
	e->occ_next[k] = UINT32_MAX;
	if (o->tail != UINT32_MAX)
		e->occ_next[o->tail] = k;
	else
		o->head = k;
	o->tail = k;
}

/* occ_append() after room for twice the places (e->occ_pos,
 * e->occ_next); oc->failed when they cannot grow.  Out of line and
 * called last: on_occurrence() runs some 100,000 times a 64 KB text,
 * and with the growth inlined it saved and restored six registers on
 * every call. */
static __attribute__((noinline)) void occ_grow_append(struct occ_ctx *oc, struct occ *o, size_t end)
{
	struct filter_engine *e = oc->e;
	size_t cap = e->occcap ? e->occcap * 2 : 1024;
	uint32_t *np = realloc(e->occ_pos, cap * sizeof(*np));
	if (np)
		e->occ_pos = np;
	uint32_t *nn = realloc(e->occ_next, cap * sizeof(*nn));
	if (nn)
		e->occ_next = nn;
	if (!np || !nn) {
		oc->failed = 1;
		return;
	}
	e->occcap = cap;
	occ_append(e, o, end);
}

/* aho_scan_all(): keep the occurrence of the window set of a windowed
 * candidate pattern or except (e->want; up to one past WINDOW_MAX_OCC:
 * enough to know it is too many).  A set past that is no longer wanted
 * in this scan: the replay (or scan) reports its later occurrences no
 * more (a 64 KB text holds sets such as the question words' tens of
 * thousands of times). */
static void on_occurrence(void *ctx, uint32_t id, size_t end)
{
	struct occ_ctx *oc = ctx;
	struct filter_engine *e = oc->e;
	struct occ *o = &e->occ[id];
	if (o->gen != e->gen)
		*o = (struct occ){ e->gen, UINT32_MAX, UINT32_MAX, 0 };
	if (o->n > WINDOW_MAX_OCC)
		return; /* a second literal of the set ending here */
	if (++o->n > WINDOW_MAX_OCC) {
		e->want[id] = 0;
		return;
	}
	if (e->nocc == e->occcap)
		occ_grow_append(oc, o, end);
	else
		occ_append(e, o, end);
}

/* The report scratch of input `in` (e->repseen, replo, repn) and the
 * chains' ids, allocated on the first long text.  -ENOMEM: none. */
static int chain_scratch(struct filter_engine *e, int in)
{
	const size_t nrep = aho_report_states(e->aho[in]);
	if (e->repseen[in])
		return 0;
	e->repseen[in] = calloc(nrep ? nrep : 1, sizeof(uint32_t));
	e->replo[in] = calloc(nrep ? nrep : 1, sizeof(uint32_t));
	e->repn[in] = calloc(nrep ? nrep : 1, sizeof(uint32_t));
	if (!e->chainids) {
		e->chainids = malloc(1024 * sizeof(*e->chainids));
		e->chaincap = e->chainids ? 1024 : 0;
	}
	if (e->repseen[in] && e->replo[in] && e->repn[in] && e->chainids)
		return 0;
	free(e->repseen[in]);
	free(e->replo[in]);
	free(e->repn[in]);
	e->repseen[in] = e->replo[in] = e->repn[in] = NULL;
	return -ENOMEM;
}

/* Keep the wanted sets of report index r's chain (aho_chain_wanted()) in
 * e->chainids, growing it as needed.  -ENOMEM when it cannot grow. */
static int keep_chain(struct filter_engine *e, int in, uint32_t r)
{
	const struct aho *a = e->aho[in];
	size_t room = e->chaincap - e->nchain;
	size_t m = aho_chain_wanted(a, r, e->want, e->gen, e->chainids + e->nchain, room);
	if (m > room) {
		size_t cap = 2 * e->chaincap > e->nchain + m ? 2 * e->chaincap : e->nchain + m;
		uint32_t *ids = realloc(e->chainids, cap * sizeof(*ids));
		if (!ids)
			return -ENOMEM;
		e->chainids = ids;
		e->chaincap = cap;
		aho_chain_wanted(a, r, e->want, e->gen, e->chainids + e->nchain, m);
	}
	e->replo[in][r] = (uint32_t)e->nchain;
	e->repn[in][r] = (uint32_t)m;
	e->nchain += m;
	return 0;
}

/* The entries of trace tr (a scan of input `in`) whose report chain
 * holds a wanted set: most positions of a long text end only literals of
 * sets no windowed candidate wants, and replaying them walks their chains
 * for nothing.  A report index's wanted sets are found once a scan
 * (keep_chain()).  NULL when the scratch space cannot grow: replay the
 * whole trace then. */
static const struct aho_trace *wanted_entries(struct filter_engine *e, int in,
                                              const struct aho_trace *tr)
{
	const uint32_t gen = e->gen;
	if (chain_scratch(e, in) < 0)
		return NULL;
	struct aho_trace *w = &e->wtrace;
	if (w->cap < tr->n) {
		uint32_t *nr = realloc(w->rep, tr->n * sizeof(*nr));
		if (nr)
			w->rep = nr;
		uint32_t *ne = realloc(w->end, tr->n * sizeof(*ne));
		if (ne)
			w->end = ne;
		if (!nr || !ne)
			return NULL;
		w->cap = tr->n;
	}
	uint32_t *seen = e->repseen[in];
	const uint32_t *cnt = e->repn[in];
	size_t n = 0;
	e->nchain = 0;
	for (size_t j = 0; j < tr->n; j++) {
		const uint32_t r = tr->rep[j];
		if (seen[r] != gen) {
			seen[r] = gen;
			if (keep_chain(e, in, r) < 0) {
				seen[r] = 0;
				return NULL;
			}
		}
		if (cnt[r]) {
			w->rep[n] = r;
			w->end[n++] = tr->end[j];
		}
	}
	w->n = n;
	w->failed = 0;
	return w;
}

/* aho_replay_all() of the entries wanted_entries() kept, from their
 * chains' wanted sets: the same calls of on_occurrence() in the same
 * order.  A set on_occurrence() no longer wants is skipped as the chain
 * walk skips it, and no set becomes wanted during the replay, so the
 * sets left out (unwanted before it) are none the walk would report. */
static void replay_wanted(struct filter_engine *e, int in, const struct aho_trace *w,
                          struct occ_ctx *oc)
{
	const uint32_t *lo = e->replo[in], *cnt = e->repn[in], *ids = e->chainids;
	const uint32_t *want = e->want, gen = e->gen;
	for (size_t j = 0; j < w->n; j++) {
		const uint32_t r = w->rep[j], end = w->end[j];
		for (const uint32_t *l = ids + lo[r], *le = l + cnt[r]; l < le; l++)
			if (want[*l] == gen)
				on_occurrence(oc, *l, end);
	}
}

/* On a long text, where are the literals of the candidate patterns that
 * can run in windows?  Sets sc->windows[input] when known. */
static void find_positions(struct filter_engine *e, struct scan *sc, unsigned flags)
{
	int want[NINPUTS] = { 0 };
	if (!sc->prefiltered || (flags & FILTER_SCAN_NO_WINDOW) || e->window_patterns == 0)
		return;
	if (!e->occ) {
		size_t nsets = e->plan->nsets ? e->plan->nsets : 1;
		e->occ = calloc(nsets, sizeof(*e->occ));
		e->want = calloc(nsets, sizeof(*e->want));
		e->recorded = calloc(e->nslots ? e->nslots : 1, sizeof(*e->recorded));
		if (!e->occ || !e->want || !e->recorded) {
			free(e->occ);
			free(e->want);
			free(e->recorded);
			e->occ = NULL;
			e->want = NULL;
			e->recorded = NULL;
			return; /* no windows: the patterns run whole */
		}
	}
	/* the window sets of the candidates' windowed patterns and excepts
	 * that can match */
	for (size_t c = 0; c < e->ncand; c++) {
		const size_t i = e->cand[c];
		const struct filter_rule *r = &e->rs.v[i];
		size_t len = r->input == FILTER_INPUT_RAW ? sc->olen : sc->nt->len;
		for (size_t k = 0; len >= WINDOW_MIN_TEXT && k < r->npatterns + r->nexcepts; k++) {
			const size_t s = e->cr[i].slot0 + k;
			if (!e->splits[s].reach || !slot_open(e, i, k))
				continue;
			/* all its sets (window_set() takes the one with the
			 * fewest places) */
			const struct plan_slot *ps = &e->plan->slot[s];
			for (unsigned set = 0; set < 4; set++)
				if ((e->slots[s].full & (1u << set)) ||
				    (set == PREFIX_SET && e->splits[s].wset == PREFIX_SET))
					e->want[ps->set[set]] = e->gen;
			e->recorded[s] = e->gen;
			want[r->input] = 1;
		}
	}
	e->nocc = 0;
	for (int in = 0; in < NINPUTS; in++) {
		struct occ_ctx oc = { e, 0 };
		if (!want[in])
			continue;
		const struct aho_trace *tr =
		        sc->traced[in] ? wanted_entries(e, in, &e->trace[in]) : NULL;
		if (tr)
			replay_wanted(e, in, tr, &oc);
		else if (sc->traced[in])
			aho_replay_all(e->aho[in], &e->trace[in], e->want, e->gen, on_occurrence,
			               &oc);
		else if (in == FILTER_INPUT_RAW)
			aho_scan_all(e->aho[in], sc->orig, sc->olen, e->want, e->gen, on_occurrence,
			             &oc);
		else
			aho_scan_all(e->aho[in], sc->nt->s, sc->nt->len, e->want, e->gen,
			             on_occurrence, &oc);
		sc->windows[in] = !oc.failed;
	}
}

/* Evaluate the candidates and add their hits to the verdict.  One clock
 * reading per rule: a rule's end is the next one's start (skipping a
 * disabled or expired rule costs next to nothing; the clock is read again
 * after recording a hit). */
static int run_candidates(struct filter_engine *e, struct scan *sc, unsigned flags, time_t now)
{
	uint64_t t0 = e->ncand ? mono_ns() : 0;
	for (size_t c = 0; c < e->ncand; c++) {
		size_t i = e->cand[c];
		const struct filter_rule *rule = &e->rs.v[i];
		struct crule *cr = &e->cr[i];
		if (cr->st.disabled)
			continue;
		if (rule->expires_at && now >= rule->expires_at &&
		    !(flags & FILTER_SCAN_INCLUDE_EXPIRED))
			continue;
		int m = eval_rule(e, i, sc);
		uint64_t t1 = mono_ns();
		cr->st.match_ns += t1 - t0;
		t0 = t1;
		cr->st.runs++;
		if (m < 0)
			return m;
		if (m == 1) {
			cr->st.hits++;
			cr->st.last_hit = now;
			int r = add_hit(sc->v, rule, sc);
			if (r < 0)
				return r;
			t0 = mono_ns();
		}
	}
	return 0;
}

int filter_engine_scan(struct filter_engine *e, const char *text, size_t len, unsigned flags,
                       struct filter_verdict **ret)
{
	struct scan sc = { .spans = e->spans };
	time_t now = clock_now();
	int r = -ENOMEM;

	sc.v = calloc(1, sizeof(*sc.v));
	if (!sc.v)
		goto out;
	r = scan_prepare(e, text, len, &sc);
	if (r < 0)
		goto out;
	next_generation(e);
	e->jit_now_size = flags & FILTER_SCAN_CHECK ? 0 : e->opt.jit_now_size;
	find_candidates(e, &sc, flags);
	find_positions(e, &sc, flags);
	r = run_candidates(e, &sc, flags, now);
	if (r < 0)
		goto out;
	r = mask_verdict(sc.v, &sc);
	if (r < 0)
		goto out;
	*ret = sc.v;
	sc.v = NULL;
out:
	filter_verdict_free(sc.v);
	return r;
}
