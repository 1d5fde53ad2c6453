/* De-obfuscation of the normalised text against the rules' vocabulary.
 *
 * Normalisation (normalize.h) folds what is unambiguous; what it leaves
 * is resolved here, after it and only for texts with a trace of
 * obfuscation (deobf_gate()): a word with masked or leet positions
 * (`m_rd_`, `k!ll`, `d16`, `skj0ta`) becomes the one vocabulary word that
 * fits it, a chain of letters joined by normalisation that is no word
 * (`skadodadig`) is cut into vocabulary words (`ska doda dig`), letters
 * spaced or dotted irregularly (`d.o..d.a`, `d,o,d,a`) are joined when
 * they make a vocabulary word, and a word split by an emoji is joined
 * again.  The reading is added after the normalised text, behind
 * DEOBF_SEP, so every match the rules had is kept; every byte of it maps
 * exactly to the original.  Rules and examples: docs/filter.md
 * "De-obfuscation".
 */
#pragma once

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "filter/normalize.h"

struct deobf_vocab;

/* Between the normalised text and the reading: a newline stops `.`, the
 * dot stops `\s+` and `[^.!?]`, and the reading starts a sentence. */
#define DEOBF_SEP "\n.\n"

/* The reading's first bytes: it starts as a sentence does after another
 * one, so a pattern anchored at a sentence's start (`(?:^|[.!?]\s+)ska`)
 * finds its first sentence without touching DEOBF_SEP.  They map to the
 * empty range where the reading's first character begins. */
#define DEOBF_LEAD ". "

/* A vocabulary from `len` bytes of NUL-separated words (the lexicons'
 * words, lexicon_words_dir()) plus the built-in function words (jag, du,
 * dig, ska, you, will ...).  Words that are not lowercase a-z are
 * skipped.  Returns 0 or -ENOMEM. */
int deobf_vocab_new(const char *words, size_t len, struct deobf_vocab **ret);
void deobf_vocab_free(struct deobf_vocab *v);

/* 1 when w[0..len) is a word of the vocabulary or a function word. */
int deobf_vocab_has(const struct deobf_vocab *v, const char *w, size_t len);

/* The cheap check: 0 when the text has no trace of obfuscation that the
 * step could resolve (then deobf_apply() would change nothing). */
bool deobf_gate(const char *orig, size_t olen, const struct norm_text *nt);

/* Buffers kept between calls. */
struct deobf_scratch {
	char *s;
	uint32_t *os, *oe;
	size_t cap;
};
void deobf_scratch_free(struct deobf_scratch *sc);

/* Resolve what nt (the normalisation of orig[0, olen)) leaves; when
 * that changes anything, append DEOBF_SEP and the reading to nt (its
 * bytes map into the original, the separator to the empty range at its
 * end).  Returns 1 when it appended, 0 when not, -ENOMEM (nt is then
 * unchanged). */
int deobf_apply(const struct deobf_vocab *v, const char *orig, size_t olen, struct norm_text *nt,
                struct deobf_scratch *sc);
