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

/* The number of spaces (U+0020) a match of src in normalised text can
 * contain or look at, counted like pattern_reach() counts characters: an
 * item that cannot match a space counts 0 however often it repeats
 * ([a-z]{2,}, \S+, \w+ are bounded here), a space, \s, \s+, '.', \W, a
 * class that may hold a space count 1, \b 1 (one side of it is a word
 * character), ^ $ \B 2.  -1 when unbounded ((?s:.)*, [^.!?]*) or not
 * understood (as pattern_reach()).  A literal the prefilter requires lies
 * among what the match looks at, so a match starting at S has W or fewer
 * spaces between S and the nearest occurrence of a literal of each set:
 * windows of W words on either side. */
long pattern_space_reach(const char *src);

/* For a pattern whose reach is unbounded: a relaxed prefix Q, the
 * pattern cut before its first unbounded item (or inside it, when it is a
 * group that must match once: "a(b\S+)" gives "a(b)"), with every
 * alternative cut the same way.  Wherever src matches at S, Q matches at
 * S too, and Q's reach R is bounded: so a match of src starts within R
 * of an occurrence of a literal of every set Q requires (prefilter.h),
 * though it may run on far beyond.  With `spaces` (normalised text only)
 * "unbounded" and R are counted in spaces (pattern_space_reach()), else in
 * characters.  Q is analysed, never run.  Returns 0 with *ret_prefix
 * (free() it) and *ret_reach, 1 when there is no such Q (src bounded, or
 * its first item unbounded and not a group to enter, or syntax this reader
 * does not know), or -ENOMEM. */
int pattern_prefix(const char *src, int normalized, int spaces, char **ret_prefix, long *ret_reach);

/* Groups already read, to be read once: a lexicon's words (lexicon.h)
 * are one large group in every pattern naming the lexicon.  One memo
 * serves any number of patterns of one engine's build, in one thread; the
 * results are those of the functions above without it. */
struct reach_memo;

/* NULL when out of memory. */
struct reach_memo *reach_memo_new(void);
void reach_memo_free(struct reach_memo *m);

/* The functions above with a memo (NULL: none). */
long pattern_reach_memo(const char *src, int normalized, struct reach_memo *memo);
long pattern_space_reach_memo(const char *src, struct reach_memo *memo);
int pattern_prefix_memo(const char *src, int normalized, int spaces, struct reach_memo *memo,
                        char **ret_prefix, long *ret_reach);
