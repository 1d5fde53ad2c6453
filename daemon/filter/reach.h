/* How far from where it starts can a match of a pattern look?
 *
 * A pattern whose matches are bounded lets the engine run it only near the
 * places where the prefilter found its literals (docs/filter.md, "Long
 * texts"): every character PCRE2 inspects to find a match starting at
 * offset S — what it consumes, what lookarounds, \b and $ look at — lies
 * within R characters of S, and the literal the prefilter requires is among
 * them.
 */
#pragma once

/* R in characters for pattern src (as compiled with FILTER_PCRE2_OPTIONS),
 * or -1 when a match can be arbitrarily long (*, +, {n,}), or the pattern
 * uses anything this reader does not fully understand ((?x), \Q…\E, verbs,
 * backreferences, recursion, conditionals, \G, \K, \X, \C…).  The bound is
 * generous: every lookaround's and every assertion's reach is added.
 * With `normalized` the subject is normalize_text() output, whose only
 * white space is a single ' ': \s+, \s*, " +" and " *" match at most one
 * character (the prefilter relies on the same; test-prefilter.c checks
 * it against PCRE2). */
long pattern_reach(const char *src, int normalized);
