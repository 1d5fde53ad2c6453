/* Splitting a pattern that starts at "the beginning or after X".
 *
 * Question and sentence-start rules begin with (?:^|[.!?]\s*)…: one branch
 * is ^, so PCRE2 cannot compute a set of first characters and tries the
 * whole pattern at every offset of the subject.  Split into
 *
 *   head  ^REST            (tried once, at offset 0)
 *   tail  (?:[.!?]\s*)REST (starts only where a first character is)
 *
 * a scan finds exactly the matches of the original: at offset 0 the
 * original tries the ^ branch first, elsewhere ^ cannot match (no (?m)).
 * The engine runs the head first and goes on with the tail from where the
 * head's match ended, as the original would (docs/filter.md, "Matching").
 */
#pragma once

/* When src has the form "(?:B1|…|^|…|Bn)REST" (one branch exactly "^", at
 * least one other, no alternation at the top level of REST, no (?m), (?x),
 * comments, \Q…\E or verbs anywhere), set *head and *tail to new strings
 * and return 1.  Return 0 when the pattern does not have that form (or is
 * anything this reader does not fully understand), -ENOMEM on failure. */
int anchor_split(const char *src, char **head, char **tail);
