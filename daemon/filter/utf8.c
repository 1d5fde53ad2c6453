/* UTF-8 decoding with replacement; the canonical "original" text. */
#include "filter/utf8.h"

#include <errno.h>
#include <stdlib.h>
#include <string.h>

uint32_t utf8_next(const char *str, size_t len, size_t *pos)
{
	const unsigned char *s = (const unsigned char *)str + *pos;
	size_t avail = len - *pos;
	unsigned char c = s[0];
	uint32_t cp;
	size_t need;
	unsigned char lo = 0x80, hi = 0xBF; /* range of the second byte */

	if (c < 0x80) {
		*pos += 1;
		return c;
	}
	if (c >= 0xC2 && c <= 0xDF) {
		need = 1;
		cp = c & 0x1F;
	} else if (c >= 0xE0 && c <= 0xEF) {
		need = 2;
		cp = c & 0x0F;
		if (c == 0xE0)
			lo = 0xA0; /* overlong */
		else if (c == 0xED)
			hi = 0x9F; /* surrogates */
	} else if (c >= 0xF0 && c <= 0xF4) {
		need = 3;
		cp = c & 0x07;
		if (c == 0xF0)
			lo = 0x90; /* overlong */
		else if (c == 0xF4)
			hi = 0x8F; /* above U+10FFFF */
	} else {
		/* continuation byte, C0/C1 overlong lead, F5..FF */
		*pos += 1;
		return UTF8_REPLACEMENT;
	}
	for (size_t i = 1; i <= need; i++) {
		unsigned char b = i < avail ? s[i] : 0;
		unsigned char blo = i == 1 ? lo : 0x80, bhi = i == 1 ? hi : 0xBF;
		if (i >= avail || b < blo || b > bhi) {
			*pos += i; /* the maximal subpart: lead + valid continuations */
			return UTF8_REPLACEMENT;
		}
		cp = (cp << 6) | (b & 0x3F);
	}
	*pos += need + 1;
	return cp;
}

size_t utf8_encode(uint32_t cp, char out[4])
{
	if (cp < 0x80) {
		out[0] = (char)cp;
		return 1;
	}
	if (cp < 0x800) {
		out[0] = (char)(0xC0 | (cp >> 6));
		out[1] = (char)(0x80 | (cp & 0x3F));
		return 2;
	}
	if (cp < 0x10000) {
		out[0] = (char)(0xE0 | (cp >> 12));
		out[1] = (char)(0x80 | ((cp >> 6) & 0x3F));
		out[2] = (char)(0x80 | (cp & 0x3F));
		return 3;
	}
	out[0] = (char)(0xF0 | (cp >> 18));
	out[1] = (char)(0x80 | ((cp >> 12) & 0x3F));
	out[2] = (char)(0x80 | ((cp >> 6) & 0x3F));
	out[3] = (char)(0x80 | (cp & 0x3F));
	return 4;
}

int utf8_sanitize_into(const char *s, size_t len, size_t max_in, char **buf, size_t *cap,
                       size_t *ret_len, size_t *ret_consumed)
{
	size_t in = len < max_in ? len : max_in;
	/* Each input byte yields at most 3 output bytes (one U+FFFD). */
	size_t need = in * 3 + 1;
	size_t pos = 0, o = 0;

	if (!*buf || *cap < need) {
		char *nb = realloc(*buf, need);
		if (!nb)
			return -ENOMEM;
		*buf = nb;
		*cap = need;
	}
	char *out = *buf;
	while (pos < in) {
		/* eight bytes at a time while they are ASCII other than NUL
		 * (most text): copied as they are */
		while (pos + 8 <= in) {
			uint64_t w;
			memcpy(&w, s + pos, 8);
			if (((w - 0x0101010101010101u) | w) & 0x8080808080808080u)
				break; /* a byte >= 0x80, or a NUL (w - 1 borrows) */
			memcpy(out + o, &w, 8);
			o += 8;
			pos += 8;
		}
		if (pos >= in)
			break;
		unsigned char b = (unsigned char)s[pos];
		if (b != 0 && b < 0x80) { /* ASCII other than NUL: as it is */
			out[o++] = (char)b;
			pos++;
			continue;
		}
		/* a two-byte character (Swedish letters, most non-ASCII of a
		 * comment): valid as it is, copied without a call */
		if (b >= 0xC2 && b <= 0xDF && pos + 1 < in &&
		    ((unsigned char)s[pos + 1] & 0xC0) == 0x80) {
			out[o] = (char)b;
			out[o + 1] = s[pos + 1];
			o += 2;
			pos += 2;
			continue;
		}
		size_t start = pos;
		/* Decode against the full length so a character straddling the
		 * cap is seen whole, then drop it if it does not fit. */
		uint32_t cp = utf8_next(s, len, &pos);
		if (pos > in) {
			pos = start;
			break;
		}
		/* NUL is replaced too: the text travels as C strings (JSON,
		 * logs) and must not end early. */
		if (cp == 0 || cp == UTF8_REPLACEMENT) {
			memcpy(out + o, "\xEF\xBF\xBD", 3);
			o += 3;
		} else {
			memcpy(out + o, s + start, pos - start);
			o += pos - start;
		}
	}
	out[o] = '\0';
	*ret_len = o;
	*ret_consumed = pos;
	return 0;
}

int utf8_sanitize(const char *s, size_t len, size_t max_in, char **ret, size_t *ret_len,
                  size_t *ret_consumed)
{
	char *buf = NULL;
	size_t cap = 0;
	int r = utf8_sanitize_into(s, len, max_in, &buf, &cap, ret_len, ret_consumed);
	if (r < 0)
		return r;
	*ret = buf;
	return 0;
}
