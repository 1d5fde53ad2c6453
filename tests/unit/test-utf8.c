/* utf8_sanitize_into(): its fast paths (eight ASCII bytes at a time, a
 * two-byte character copied as it is) against a reference that decodes
 * every character with utf8_next(), on random texts rich in lead and
 * continuation bytes, with and without a cap on the input. */
#include "t.h"
#include "filter/utf8.h"

static uint64_t rng = 0x9E3779B97F4A7C15u;

static unsigned rnd(unsigned n)
{
	rng ^= rng << 13;
	rng ^= rng >> 7;
	rng ^= rng << 17;
	return (unsigned)(rng % n);
}

/* Every character through utf8_next(): valid ones copied, others (and
 * NUL) U+FFFD; a character straddling the cap is left out. */
static size_t reference(const char *s, size_t len, size_t max_in, char *out, size_t *ret_consumed)
{
	size_t in = len < max_in ? len : max_in, pos = 0, o = 0;
	while (pos < in) {
		size_t start = pos;
		uint32_t cp = utf8_next(s, len, &pos);
		if (pos > in) {
			pos = start;
			break;
		}
		if (cp == 0 || cp == UTF8_REPLACEMENT) {
			memcpy(out + o, "\xEF\xBF\xBD", 3);
			o += 3;
		} else {
			memcpy(out + o, s + start, pos - start);
			o += pos - start;
		}
	}
	out[o] = '\0';
	*ret_consumed = pos;
	return o;
}

/* A byte: ASCII, NUL, two-byte leads (valid and C0/C1), continuations,
 * three- and four-byte leads, F5..FF. */
static char random_byte(void)
{
	static const unsigned char pick[] = { 'a',  'Z',  ' ',  '.',  0x00, 0xC2, 0xC3, 0xDF,
		                              0xC0, 0xC1, 0x80, 0xA4, 0xB6, 0xBF, 0xE0, 0xE2,
		                              0xED, 0xEF, 0xF0, 0xF4, 0xF5, 0xFF };
	return (char)pick[rnd(sizeof(pick))];
}

static void test_fast_paths_agree_with_reference(void)
{
	char text[64], want[64 * 3 + 1];
	char *buf = NULL;
	size_t cap = 0;
	int wrong = 0;
	for (int r = 0; r < 200000; r++) {
		size_t len = rnd(40);
		for (size_t i = 0; i < len; i++)
			text[i] = rnd(3) ? random_byte() : (char)('a' + rnd(26));
		size_t max_in = rnd(2) ? len : rnd(len + 1), got_len, got_used, want_used;
		size_t want_len = reference(text, len, max_in, want, &want_used);
		if (utf8_sanitize_into(text, len, max_in, &buf, &cap, &got_len, &got_used) != 0 ||
		    got_len != want_len || got_used != want_used ||
		    memcmp(buf, want, want_len + 1) != 0)
			wrong++;
	}
	free(buf);
	T_EQ_INT(0, wrong);
}

static void test_two_byte_letters_copied(void)
{
	char *buf = NULL;
	size_t cap = 0, n, used;
	T_EQ_INT(0, utf8_sanitize_into("h\xC3\xA4r \xC3", 6, 100, &buf, &cap, &n, &used));
	T_EQ_STR("h\xC3\xA4r \xEF\xBF\xBD", buf); /* a lone lead at the end: U+FFFD */
	T_EQ_INT(6, used);
	/* a two-byte letter straddling the cap is left out */
	T_EQ_INT(0, utf8_sanitize_into("ab\xC3\xA4", 4, 3, &buf, &cap, &n, &used));
	T_EQ_STR("ab", buf);
	T_EQ_INT(2, used);
	free(buf);
}

int main(void)
{
	T_RUN(test_fast_paths_agree_with_reference);
	T_RUN(test_two_byte_letters_copied);
	return t_done();
}
