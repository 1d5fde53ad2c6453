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
 * again.  The rewritten text keeps an exact map to the original.  Rules
 * and examples: docs/filter.md "De-obfuscation".
 */
#pragma once

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "filter/normalize.h"

struct deobf_vocab;

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

/* Rewrite nt (the normalisation of orig[0, olen)) in place.  Returns 1
 * when it changed, 0 when not, -ENOMEM (nt is then unchanged). */
int deobf_apply(const struct deobf_vocab *v, const char *orig, size_t olen, struct norm_text *nt,
                struct deobf_scratch *sc);
