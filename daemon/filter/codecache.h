/* Compiled patterns shared between engines.
 *
 * A reload builds a new engine while the old one still runs; most rules
 * are unchanged, and each compiled pattern (with its JIT code, added when
 * it first runs) would exist twice.  The engine hands every pattern it
 * keeps to this cache, keyed by source and kind: the first engine's code
 * is kept, later engines take a reference to it and free their own copy.
 * Code is freed when its last engine is.  Compiled code is read-only
 * while matching; the cache and JIT compilation (code_cache_jit()) are
 * guarded by a mutex.  Engines on different threads may share code, but
 * pcre2_match() reads a code's JIT pointer, which another thread's first
 * JIT compilation of that code writes: vaktd builds and runs its engines on
 * its one thread.
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

/* Share `code`, compiled from src as `kind`: returns the cached code with
 * a new reference (code itself is then freed) or code, now cached with
 * one reference.  NULL (code freed) when out of memory. */
pcre2_code *code_cache_share(const char *src, int kind, pcre2_code *code);

/* Drop one reference to the code of (src, kind); NULL does nothing. */
void code_cache_drop(const char *src, int kind, pcre2_code *code);

/* The same for CODE_PLAIN, also sharing the source: *src (malloc'ed) is
 * given to the cache, and *src becomes the one cached copy of that text
 * (an engine's pattern sources are then the cache's: one copy however many
 * engines hold it, and equal sources are the same pointer, prefcache.h).
 * Drop with code_cache_drop_plain(), which sets *src to NULL when it was
 * the cache's (else *src is still the caller's).  NULL (code freed, *src
 * still the caller's) when out of memory. */
pcre2_code *code_cache_share_plain(char **src, pcre2_code *code);
void code_cache_drop_plain(char **src, pcre2_code *code);

/* pcre2_jit_compile(code, PCRE2_JIT_COMPLETE) under the cache's mutex:
 * two engines may JIT-compile one shared code (a code already compiled is
 * left as it is). */
int code_cache_jit(pcre2_code *code);

/* Number of distinct codes and references held. */
void code_cache_stats(size_t *ret_codes, size_t *ret_refs);
