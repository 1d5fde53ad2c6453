/* Masking personal data in a comment's original text (see mask.h). */
#include "filter/mask.h"

#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "filter/normalize.h"
#include "filter/utf8.h"
#include "filter/validate.h"

enum { M_NONE, M_ALNUM, M_DIGIT };

static int is_ascii_digit(char c)
{
	return c >= '0' && c <= '9';
}

/* Look for a personnummer inside [s, e): maximal runs of digits with at
 * most one '-', '+' or ' ' between them.  Marks the last four digits of each
 * one pnr_parse() accepts.  Returns 1 when one was found. */
static int mark_pnr(const char *text, size_t s, size_t e, time_t today, unsigned char *m)
{
	int found = 0;
	size_t i = s;
	while (i < e) {
		if (!is_ascii_digit(text[i])) {
			i++;
			continue;
		}
		size_t j = i, seps = 0;
		while (j < e) {
			if (is_ascii_digit(text[j])) {
				j++;
			} else if ((text[j] == '-' || text[j] == '+' || text[j] == ' ') &&
			           seps == 0 && j + 1 < e && is_ascii_digit(text[j + 1])) {
				seps++;
				j++;
			} else {
				break;
			}
		}
		struct pnr p;
		if (pnr_parse(text + i, j - i, today, &p) == 0) {
			int left = 4;
			for (size_t k = j; k > i && left > 0; k--)
				if (is_ascii_digit(text[k - 1])) {
					m[k - 1] = M_DIGIT;
					left--;
				}
			found = 1;
		}
		i = j;
	}
	return found;
}

int mask_text(const char *text, size_t len, const struct filter_span *spans, size_t nspans,
              time_t today, char **ret, size_t *ret_nmasked)
{
	unsigned char *m = calloc(len ? len : 1, 1);
	char *out = NULL;
	size_t nmasked = 0;

	if (!m)
		return -ENOMEM;
	for (size_t k = 0; k < nspans; k++) {
		size_t s = spans[k].start, e = spans[k].end;
		if (e > len)
			e = len;
		if (s >= e)
			continue;
		if (mark_pnr(text, s, e, today, m))
			continue;
		if (validate_phone_se(text + s, e - s)) {
			/* A phone number keeps its first group (trunk prefix and
			 * area code or mobile prefix, or the country code), which
			 * identifies nobody: "070-*** ** **". */
			size_t q = s;
			while (q < e && (is_ascii_digit(text[q]) || (q == s && text[q] == '+')))
				q++;
			if (q == e)
				q = s + 3 < e ? s + 3 : s;
			s = q;
		}
		memset(m + s, M_ALNUM, e - s);
	}
	out = malloc(len + 1);
	if (!out) {
		free(m);
		return -ENOMEM;
	}
	size_t o = 0;
	int in_span = 0;
	for (size_t pos = 0; pos < len;) {
		size_t start = pos;
		uint32_t cp = utf8_next(text, len, &pos);
		int marked = m[start] != M_NONE;
		if (marked && !in_span)
			nmasked++;
		in_span = marked;
		if ((m[start] == M_ALNUM && (norm_is_letter(cp) || (cp >= '0' && cp <= '9'))) ||
		    (m[start] == M_DIGIT && cp >= '0' && cp <= '9')) {
			out[o++] = '*';
		} else {
			memcpy(out + o, text + start, pos - start);
			o += pos - start;
		}
	}
	out[o] = '\0';
	free(m);
	*ret = out;
	*ret_nmasked = nmasked;
	return 0;
}
