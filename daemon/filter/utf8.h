/* UTF-8 decoding that never fails: invalid input becomes U+FFFD. */
#pragma once

#include <stddef.h>
#include <stdint.h>

#define UTF8_REPLACEMENT 0xFFFDu

/* Decode the code point at s[*pos] (pos < len) and advance *pos past it.
 * An invalid sequence (overlong, surrogate, above U+10FFFF, truncated, lone
 * continuation byte) yields U+FFFD and advances by the maximal invalid
 * prefix (at least one byte), as Unicode's "substitution of maximal
 * subparts" recommends. */
uint32_t utf8_next(const char *s, size_t len, size_t *pos);

/* Encode cp (a valid scalar value) into out; returns 1-4. */
size_t utf8_encode(uint32_t cp, char out[4]);

/* Copy at most max_in bytes of s into a new NUL-terminated buffer with every
 * invalid sequence replaced by U+FFFD, never splitting a character: input is
 * consumed up to the last whole character that fits in max_in.  Writes the
 * buffer, its length and the number of input bytes consumed.  NUL bytes are
 * replaced by U+FFFD as well, so the result is a proper C string.  Returns 0 or
 * -ENOMEM. */
int utf8_sanitize(const char *s, size_t len, size_t max_in, char **ret, size_t *ret_len,
                  size_t *ret_consumed);

/* The same into *buf, a buffer of *cap bytes (or NULL) that is grown as
 * needed and stays the caller's, also on error: a scanner reuses one
 * buffer for every comment. */
int utf8_sanitize_into(const char *s, size_t len, size_t max_in, char **buf, size_t *cap,
                       size_t *ret_len, size_t *ret_consumed);
