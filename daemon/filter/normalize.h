/* Normalisation of comment text for rules with `input normalized`.
 *
 * The exact steps are documented in docs/filter.md ("Normalisation") and
 * docs/rule-format.md.  Every byte of the normalised text remembers the byte
 * range of the original text it came from, so a match found in the
 * normalised text can be shown and masked in the original.
 */
#pragma once

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

struct norm_text {
	char *s; /* NUL-terminated normalised text */
	size_t len;
	uint32_t *ostart; /* ostart[i]: original offset where byte i's source begins */
	uint32_t *oend;   /* oend[i]: original offset where byte i's source ends */
	size_t orig_len;
	/* set when the general path met a leetspeak character, letters
	 * written one by one, a mask or emphasis: the de-obfuscation step's
	 * gate (deobf.h) */
	unsigned char traced;
	/* normalize_text_reuse(): capacity of s/ostart/oend and the working
	 * buffer kept between calls */
	size_t cap;
	void *work;
	size_t work_cap;
};

/* Normalise `orig`, which must be valid UTF-8 (utf8_sanitize() output) and
 * shorter than 4 GiB.  Returns 0 or -ENOMEM; on success *ret owns its
 * buffers (free them with norm_text_free()). */
int normalize_text(const char *orig, size_t len, struct norm_text *ret);

/* The same, reusing (and growing) the buffers of *nt, which is zeroed or
 * the result of an earlier call: one allocation-free call per comment once
 * the buffers are large enough.  On error *nt keeps its buffers (len 0). */
int normalize_text_reuse(const char *orig, size_t len, struct norm_text *nt);

void norm_text_free(struct norm_text *nt);

/* Map the normalised byte range [s, e) to the original byte range
 * [*ret_start, *ret_end).  An empty range maps to an empty range. */
void norm_span_to_orig(const struct norm_text *nt, size_t s, size_t e, size_t *ret_start,
                       size_t *ret_end);

/* Tests: 1 makes every step run on every text (as before the steps a
 * text does not need were skipped), 0 (the default) skips them.  Not for
 * threaded use. */
void normalize_every_step(int on);

/* 1 when cp is a letter (ASCII a-z/A-Z or a Unicode letter). */
bool norm_is_letter(uint32_t cp);

/* Fold one code point (case, diacritics, homoglyphs) into out (at most 7
 * bytes, not NUL-terminated); returns the number of bytes, 0 when cp folds
 * to itself. */
size_t norm_fold_cp(uint32_t cp, char out[8]);
