/* Prefilter: literals a pattern's matches must contain.
 *
 * prefilter_extract() reads a PCRE2 pattern conservatively and returns up
 * to PREFILTER_MAX_CONJ sets of literal byte strings such that every subject
 * the pattern can match contains at least one literal of *each* set (ASCII
 * lowercased; see docs/filter.md, "Prefilter").  Whenever it meets syntax it does not fully
 * understand it gives up and answers "always": the rule is then run on every comment.  The engine
 * scans each comment once for all literals of all rules (aho.h) and runs PCRE2 only for rules whose
 * literal appeared.
 */
#pragma once

#include <stddef.h>

#define PREFILTER_MAX_LITS 64    /* more alternatives: "always" */
#define PREFILTER_MAX_CONJ 3     /* sets kept per pattern (the strongest) */
#define PREFILTER_MAX_LIT_LEN 64 /* longer runs are cut (a substring is still required) */

struct lit_set {
	int always; /* nothing could be proven: run the rule on every text */
	char **v;   /* NUL-terminated literals, none empty */
	size_t n;
};

/* All of v[0..n) are required; n == 0 means nothing could be proven. */
struct lit_conj {
	struct lit_set v[PREFILTER_MAX_CONJ];
	size_t n;
};

/* Returns 0 (with *ret filled; ret->n may be 0: "always") or -ENOMEM. */
int prefilter_extract(const char *pattern, struct lit_conj *ret);

void lit_conj_clear(struct lit_conj *c);

/* Add every literal of src to dst (dst->always is set when src's is).
 * Returns 0 or -ENOMEM. */
int lit_set_union(struct lit_set *dst, const struct lit_set *src);

void lit_set_clear(struct lit_set *ls);
