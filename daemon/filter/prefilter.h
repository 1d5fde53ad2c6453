/* Prefilter: literals a pattern's matches must contain.
 *
 * prefilter_extract_opts() reads a PCRE2 pattern conservatively and returns up
 * to PREFILTER_MAX_CONJ sets of literal byte strings such that every subject
 * the pattern can match contains at least one literal of *each* set (ASCII
 * lowercased; see docs/filter.md, "Prefilter").  Whenever it meets syntax it does not fully
 * understand it gives up and answers "always": the rule is then run on every comment.  The engine
 * scans each comment once for all literals of all rules (aho.h) and runs PCRE2 only for rules whose
 * literal appeared.
 */
#pragma once

#include <stddef.h>
#include <stdint.h>

/* More alternatives: "always".  A masked lexicon (lexicon.h) gives about
 * three literals a word: at 256 the group and role lexicons of the shipped
 * rules were "always" and their patterns ran on every comment with "är". */
#define PREFILTER_MAX_LITS 1024
#define PREFILTER_MAX_CONJ 3     /* sets kept per pattern (the strongest) */
#define PREFILTER_MAX_LIT_LEN 64 /* longer runs are cut (a substring is still required) */

struct lit_set {
	int always; /* nothing could be proven: run the rule on every text */
	/* NUL-terminated literals, none empty, made by this module and
	 * shared between sets (counted): read them, never free() or replace
	 * one; lit_set_clear() lets go of them */
	char **v;
	size_t n;
};

/* All of v[0..n) are required; n == 0 means nothing could be proven. */
struct lit_conj {
	struct lit_set v[PREFILTER_MAX_CONJ];
	size_t n;
};

/* Flags of prefilter_extract_opts(). */
enum {
	/* The subject is normalize_text() output, whose only white space is
	 * a single ' ' between words: \s and \s+ are then the literal ' '
	 * ("kan\s+man" requires "kan man"). */
	PREFILTER_NORMALIZED = 1u << 0,
	/* For tests: make every group's requirement where it is read, as
	 * before 2026-12-05's sixth session (an exact group's set is put off
	 * until a caller needs it); the result is the same. */
	PREFILTER_EAGER = 1u << 1,
};

/* The literals of pattern for a subject described by flags.  Returns 0
 * (with *ret filled; ret->n may be 0: "always") or -ENOMEM. */
int prefilter_extract_opts(const char *pattern, unsigned flags, struct lit_conj *ret);

/* Groups already read, to be read once: the words of a lexicon (lexicon.h)
 * are one large group in every pattern that names the lexicon, and in the
 * prefixes the engine reads for windows (reach.h).  One memo serves any
 * number of patterns of one engine's build, in one thread; a result is the
 * one prefilter_extract_opts() gives. */
struct prefilter_memo;

/* NULL when out of memory. */
struct prefilter_memo *prefilter_memo_new(void);
void prefilter_memo_free(struct prefilter_memo *m);

/* prefilter_extract_opts() with a memo (NULL: none).  The literals of
 * a result read with a memo belong to the memo (its arena): clear the
 * result (lit_conj_clear()) before prefilter_memo_free(). */
int prefilter_extract_memo(const char *pattern, unsigned flags, struct prefilter_memo *memo,
                           struct lit_conj *ret);

#define PREFILTER_MAX_PARTNERS 4

/* The characters PCRE2 (UTF, UCP, caseless) matches for cp, as the
 * automaton compares them (ASCII letters lowercased): cp itself first,
 * then e.g. U+212A KELVIN SIGN for k, Ö for ö.  Returns their number, or 0
 * when cp is a letter outside the known table (ASCII and Latin-1). */
size_t prefilter_case_partners(uint32_t cp, uint32_t out[PREFILTER_MAX_PARTNERS]);

void lit_conj_clear(struct lit_conj *c);

/* dst: the sets of src, in order, sharing src's literals (counted): what
 * reading src's pattern again gives.  Returns 0 or -ENOMEM (dst untouched). */
int lit_conj_copy(struct lit_conj *dst, const struct lit_conj *src);

/* Add every literal of src to dst (dst->always is set when src's is).
 * Returns 0 or -ENOMEM. */
int lit_set_union(struct lit_set *dst, const struct lit_set *src);

void lit_set_clear(struct lit_set *ls);

/* The built-in estimate of how common a set's literals are (docs/filter.md,
 * "Prefilter"): lower is rarer; only the order means anything. */
double lit_set_freq(const struct lit_set *ls);

/* 1 when some literal of the set is in nearly every text (a letter, a
 * space, a punctuation mark). */
int lit_set_ubiquitous(const struct lit_set *ls);

/* The most characters (code points) a match of pattern can consume when
 * every top-level branch of it is anchored at both ends (opens with ^ or
 * \A, optionally after a leading (?i), and closes with $, \z or \Z), or
 * -1: not anchored so, unbounded, or syntax this reader does not fully
 * know ((?m), (?x), \R, \X, back references, verbs, a literal '{' …).
 * With PREFILTER_NORMALIZED (flags as prefilter_extract_opts()) white
 * space repeated (\s+, " *") counts one: normalised text has no two
 * white-space characters in a row.  A match then covers the whole
 * subject but for a final newline ($ and \Z match before one), so a
 * subject of more than this many characters plus one cannot match
 * (engine.c skips such a pattern). */
long prefilter_anchored_span(const char *pattern, unsigned flags);

/* Whole words a pattern's every match holds (prefilter_bounded_words()):
 * each word is preceded in the subject by a character that is not an
 * ASCII letter, digit or '_' (or opens it), and a `closed` word is
 * followed by one such character too (or ends it).  The automaton
 * looks for substrings: a word of one or two letters is in nearly every
 * text as a substring, seldom as a word. */
#define PREFILTER_MAX_WORDS 64
struct prefilter_words {
	size_t n;
	uint64_t first[4]; /* bit per byte some word opens with */
	char *bytes;       /* the words one after another (not NUL-terminated) */
	uint32_t *off;     /* where word k starts in bytes */
	uint8_t *len;      /* its length, 1 to PREFILTER_MAX_LIT_LEN */
	uint8_t *closed;   /* 1: a non-word character or the end follows it */
	uint16_t *bit;     /* its bit in struct prefilter_tokens */
};

/* The words of pattern when it has the form
 *   ZW* (?:w1|w2|…) NEXT …
 * read without option settings ((?i), (?x) …), verbs, \Q or a top-level
 * '|': ZW* zero-width items of which one is \b, ^ or \A (lookarounds
 * between are read past), an unquantified group whose every branch opens
 * with a run of ASCII letters, digits or '_' (the word: up to a
 * quantified character, a group, a class or an escape; closed when a
 * non-word character, \s or \b follows within the branch, or when the
 * branch ends there and NEXT is \b, \s, ' ', $, \z, \Z or another
 * non-word character), and only when some word is of at most two bytes
 * (longer ones the automaton finds well enough) and every word is closed
 * (a short word not closed is the prefix of many; the engine looks the
 * words up among the text's tokens, prefilter_words_in()).  The words
 * are the pattern's bytes: exact only without caseless matching.
 * Returns 0 (ret->n 0: none) or -ENOMEM. */
int prefilter_bounded_words(const char *pattern, struct prefilter_words *ret);

/* Does s[0..len) hold one of w's words as prefilter_bounded_words()
 * describes?  A byte >= 0x80 next to a word counts as a non-word
 * character (it may be one); 1 when w has no words. */
int prefilter_words_present(const struct prefilter_words *w, const char *s, size_t len);

void prefilter_words_clear(struct prefilter_words *w);

/* The tokens of a text (its runs of ASCII letters, digits and '_', a byte
 * >= 0x80 ending one), as a Bloom filter of one bit a token: a closed
 * word is in the text when it is one of them. */
#define PREFILTER_TOKEN_BITS 4096
struct prefilter_tokens {
	uint64_t bits[PREFILTER_TOKEN_BITS / 64];
};

void prefilter_tokens_of(const char *s, size_t len, struct prefilter_tokens *t);

/* prefilter_words_present() for the text of t, with a false 1 now and
 * then (two tokens on one bit), never a false 0. */
int prefilter_words_in(const struct prefilter_words *w, const struct prefilter_tokens *t);

/* The pattern with its negative lookaheads (?!…) left out, when it has
 * some: its matches are a superset of the pattern's (an assertion that
 * consumes nothing only takes matches away), so a subject it does not
 * match the pattern does not match either.  Patterns that differ only in
 * the words they exclude (the "info@" of an e-mail rule and a copy's) have
 * one such core: the engine runs it once a scan for them all.  None (*ret
 * NULL) for syntax where leaving out an assertion could change more than
 * that: atomic groups and possessive groups (a choice made without the
 * assertion is not made again), \G, verbs, conditionals, recursion, back
 * references, option settings, \Q; a (?!…) within another lookaround is
 * kept as it is; a pattern longer than 512 bytes, or without a (?! in its
 * first 64, is not read.  Returns 0 or -ENOMEM. */
int prefilter_core(const char *pattern, char **ret);
