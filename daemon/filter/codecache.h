/* Compiled patterns shared between engines, compiled when first needed.
 *
 * A reload builds a new engine while the old one still runs; most rules
 * are unchanged, and each compiled pattern (with its JIT code, added when
 * it first runs) would exist twice.  An engine takes a reference to an
 * entry per pattern it keeps, keyed by source and kind.  The entry holds
 * no code until some engine asks for it (code_cache_get()): the rule
 * parser has compiled every pattern once already to report its errors at
 * load, and most patterns never pass the prefilter, so keeping their code
 * would be memory for nothing (ten times the rules would cost ten times
 * the code, docs/filter.md "Compiled when first needed").  Whichever engine
 * sharing an entry asks first compiles it; the others get that code.  An
 * entry and its code are freed with its last reference.
 *
 * Compiled code is read-only while matching; the cache, compiling and JIT
 * compilation (code_cache_jit()) are guarded by a mutex.  Engines on
 * different threads may share code, but pcre2_match() reads a code's JIT
 * pointer, which another thread's first JIT compilation of that code
 * writes: vaktd builds and runs its engines on its one thread.
 */
#pragma once

#include <stddef.h>
#include <stdint.h>

#include "filter/rules.h"

/* Kinds of code compiled from one source (part of the key). */
enum {
	CODE_PLAIN = 0, /* as written (FILTER_PCRE2_OPTIONS) */
	CODE_HEAD = 1,  /* anchor-split head */
	CODE_TAIL = 2,  /* anchor-split tail */
};

struct code_ref;

/* A reference to the entry of pattern source src as written (CODE_PLAIN),
 * a new entry when no engine holds one for that text.  The entry keeps the
 * source packed: groups of 256 bytes or more (a lexicon's) are held once
 * for every source that contains them, so ten patterns naming a lexicon
 * do not keep ten copies of it, and a source is kept once however many
 * engines hold it (one entry per text: prefcache.h compares entries).
 * src stays the caller's.  NULL when out of memory. */
struct code_ref *code_cache_ref(const char *src);

/* A reference to the anchor-split head or tail (CODE_HEAD, CODE_TAIL) of
 * src, the source of `plain` (a reference from code_cache_ref(), which
 * the new entry keeps alive).  NULL when out of memory. */
struct code_ref *code_cache_ref_split(struct code_ref *plain, int kind, const char *src);

/* The entry's code, compiled now if no engine holds it (code_cache_put()).
 * NULL when it cannot be compiled (out of memory; or a source that does
 * not compile, which the parser refuses at load). */
pcre2_code *code_cache_get(struct code_ref *ref);

/* Give back the code of one code_cache_get(): freed when no one holds it
 * (compiled again when asked for).  An engine gives back every code it
 * got before it drops its references. */
void code_cache_put(struct code_ref *ref);

/* A code the caller compiled from the entry's source (FILTER_PCRE2_OPTIONS:
 * the parser's check, rules_compile_deferred()), now the cache's: the next
 * code_cache_get() takes it instead of compiling again, unless
 * code_cache_drop_spares() freed it first.  Freed at once when the entry
 * has code or a spare already, or is not CODE_PLAIN; NULL does nothing.
 * So a rule set whose examples run compiles each pattern once, not twice
 * (docs/filter.md, "Compile checks at start"). */
void code_cache_offer(struct code_ref *ref, pcre2_code *code);

/* Free every code offered and not asked for: kept code is what traffic
 * runs (filter_examples_run() calls it once every rule ran). */
void code_cache_drop_spares(void);

/* Number of codes offered and not yet taken or dropped (tests). */
size_t code_cache_spares(void);

/* The source of the entry (the pattern as written, for every kind), a new
 * string, or NULL. */
char *code_cache_source(const struct code_ref *ref);

/* Drop one reference; NULL does nothing. */
void code_cache_unref(struct code_ref *ref);

/* pcre2_jit_compile(code, PCRE2_JIT_COMPLETE) under the cache's mutex:
 * two engines may JIT-compile one shared code (a code already compiled is
 * left as it is). */
int code_cache_jit(pcre2_code *code);

/* Number of entries and references held (tests). */
void code_cache_stats(size_t *ret_codes, size_t *ret_refs);
/* Number of entries whose code has been compiled (tests, benchmarks). */
size_t code_cache_compiled(void);
