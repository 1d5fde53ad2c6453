/* How far from where it starts can a match of a pattern look?
 *
 * A pattern whose matches are bounded lets the engine run it only near the
 * places where the prefilter found its literals (docs/filter.md, "Long
 * texts"): every character a match starting at offset S consumes or
 * looks at — positive lookarounds, \b and $ included — lies within R
 * characters of S, and the literal the prefilter requires is among them.
 * A negative lookaround counts nothing, however far it reads: it
 * consumes nothing, so where the items after it stand does not depend on
 * it, and it holds no literal the prefilter requires; the windows need
 * only how far a match's start can be from such a literal.
 */
#pragma once

#include <stddef.h>

/* R in characters for pattern src (as compiled with FILTER_PCRE2_OPTIONS),
 * or -1 when a match can be arbitrarily long (*, +, {n,} outside a
 * negative lookaround), or the pattern
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

/* The relaxed prefix of src (as pattern_prefix(), in characters) cut at
 * byte offset `cut` too: the items that end by cut are kept, the item
 * across it is entered when it is a group that must match once (and cut
 * inside the same way, each of its alternatives) or else dropped with
 * the rest of its branch.  Wherever src matches at S the prefix matches
 * at S; for a bounded pattern whose rare literal lies early (the '@' of
 * an e-mail address, 65 characters into a match that may look at 385)
 * a prefix through the literal tells how far before the literal's end a
 * match can start.  Unlike pattern_prefix() the prefix may be the whole
 * pattern.  Returns 0 with *ret_prefix (free() it) and *ret_reach, 1
 * when there is none (cut 0, an unknown syntax, an option setting the cut
 * would drop from a branch), or -ENOMEM. */
int pattern_cut_memo(const char *src, int normalized, size_t cut, struct reach_memo *memo,
                     char **ret_prefix, long *ret_reach);

/* The offsets where pattern_cut_memo() keeps whole items: the ends of
 * src's top-level items and, before a group's end, of the items inside
 * it when a cut may enter it (one alternative, not optional), in
 * increasing order, up to the first item unbounded in characters or
 * that this reader does not know.  At most max (the first ones); 0
 * when src has a top-level alternation there. */
size_t pattern_cut_points(const char *src, int normalized, struct reach_memo *memo, size_t *out,
                          size_t max);

/* For a pattern on normalised text bounded neither in characters nor in
 * spaces: its top-level sequence as segments, each bounded in characters
 * (pattern_reach()) or in spaces (pattern_space_reach()): in
 * "(?:^|[.!?]\s*)(?:do|is)\s+\S+[^.!?]{0,200}\?" the items up to \S+
 * hold at most 3 spaces and "[^.!?]{0,200}\?" looks at 201 characters.
 * A match starting at S goes through segments 1..n, segment i from P(i-1)
 * to P(i) (P(0) = S), and segment i looks at most n(i) units from P(i-1);
 * a literal the prefilter requires ends at some E in what segment j looks
 * at, so E is within n(j) units after P(j-1), and P(i-1) within n(i)
 * units before P(i): walking back from E n(last) units, then ... n(1)
 * units (each unit its segment's) ends at or before S (engine.c,
 * windows).  Each item takes the unit that costs fewer characters (a word
 * is about eight), neighbours of one unit are one segment.  Returns the
 * number of segments (at most REACH_MAX_SEGS) with seg[] and *ret_width
 * (characters, a space counted as eight) at most max_width, or 0 when
 * there is none (top-level alternation, an item unbounded both ways, more
 * segments, syntax this reader does not know). */
#define REACH_MAX_SEGS 4
struct reach_seg {
	int spaces; /* the unit: spaces, else characters */
	long n;
};
size_t pattern_mixed_reach_memo(const char *src, struct reach_memo *memo, long max_width,
                                struct reach_seg seg[REACH_MAX_SEGS], long *ret_width);

/* How far before a match's start its positive lookbehinds may read, in
 * characters (at most the largest reach of one of them), or -1 when one
 * is not understood.  The prefilter takes literals from a positive
 * lookbehind too (prefilter.h), and such a literal may end before the
 * match starts: "(?<=qx\w)zzv" matches "qxazzv" at the 'z', one
 * character after the end of "qx".  Everything else a match looks at
 * lies at or after its start, so a match starts at most this many
 * characters after the end of a literal of each set (engine.c widens
 * its windows by it).  0 for a pattern without one. */
long pattern_behind_memo(const char *src, int normalized, struct reach_memo *memo);

/* How far after its start a match of src may look, however it ends, as
 * the walk forward through seg[] (the first segment first, each in
 * characters or in spaces, as pattern_mixed_reach_memo() walks back):
 * like pattern_reach(), pattern_space_reach() and the segments, but
 * negative lookarounds count what they read too.  No attempt of the
 * pattern at S (a match or not) reads a character past the walk's end,
 * so the subject may end there (plus a margin) without changing the
 * attempt: engine.c gives a window's search such a subject, since PCRE2
 * looks for a pattern's last required character up to the subject's end
 * on every call (a window's call read on to the end of a 64 KB text).
 * Returns the number of segments (1 for characters or spaces alone), 0
 * when unbounded or wider than max_width (characters, a space counted
 * as eight). */
size_t pattern_look_memo(const char *src, int normalized, struct reach_memo *memo, long max_width,
                         struct reach_seg seg[REACH_MAX_SEGS]);

/* pattern_look_memo() for a caller that has the pattern's
 * pattern_reach_memo() and pattern_space_reach_memo() (reach,
 * space_reach) already: without a negative lookaround they are the walk's
 * counts, and the pattern is not read again (engine.c's window_plan()
 * asks for both before the walk; reading each pattern twice more was a
 * tenth of building the engine). */
size_t pattern_look_known(const char *src, int normalized, struct reach_memo *memo, long max_width,
                          long reach, long space_reach, struct reach_seg seg[REACH_MAX_SEGS]);

/* The length of the backtracking verb at s (just after its '(':
 * "*SKIP)", "*PRUNE)", "*THEN)", "*COMMIT)"), or 0 for anything else.
 * They match nothing and only make a match fail, so the prefilter reads
 * them as zero-width.  *ends_search is set for (*COMMIT), which also ends
 * the whole search when the match fails after it: a pattern with it has
 * no reach (pattern_reach() gives -1), since windows would each search
 * again and could find what the whole-text run gives up on. */
size_t pattern_backtrack_verb(const char *s, size_t len, int *ends_search);
