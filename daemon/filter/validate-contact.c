/* Contact details: Swedish phone numbers and e-mail addresses. */
#include "filter/validate.h"

#include <stdbool.h>
#include <string.h>

static bool is_digit(char c)
{
	return c >= '0' && c <= '9';
}

static bool is_alnum(char c)
{
	return is_digit(c) || (c >= 'A' && c <= 'Z') || (c >= 'a' && c <= 'z');
}

static int starts(const char *s, size_t len, size_t i, const char *p)
{
	size_t pl = strlen(p);
	return len - i >= pl && memcmp(s + i, p, pl) == 0;
}

/* ---- phone_se ---- */

/* At most one separator between every two digits ("0 7 0 1 7 4 ..."). */
enum { PHONE_MAX_SEPS = 11 };

/* Length of a separator between digit groups at s[i]: " ", "-" or " - ";
 * 0 when there is none. */
static size_t phone_sep(const char *s, size_t len, size_t i)
{
	if (starts(s, len, i, " - "))
		return 3;
	if (starts(s, len, i, " \xe2\x80\x93 ")) /* " – " */
		return 5;
	if (starts(s, len, i, "\xe2\x80\x93")) /* en dash */
		return 3;
	if (s[i] == ' ' || s[i] == '-' || s[i] == '.' || s[i] == '/')
		return 1;
	return 0;
}

bool validate_phone_se(const char *s, size_t len)
{
	char d[10]; /* the national significant number: no 0, no +46 */
	size_t i = 0, n = 0, seps = 0;

	if (!s || len < 8 || len > 32)
		return 0;
	if (starts(s, len, 0, "+46") || starts(s, len, 0, "0046")) {
		i = s[0] == '+' ? 3 : 4;
		if (i < len && (s[i] == ' ' || s[i] == '-'))
			i++;
		/* "+46 (0)70-123 45 67": the trunk zero in brackets for
		 * readers who dial domestically. */
		if (starts(s, len, i, "(0)")) {
			i += 3;
			if (i < len && s[i] == ' ')
				i++;
		}
	} else if (s[0] == '0') {
		i = 1;
		if (i < len && s[i] == ' ') /* every digit spaced */
			i++;
	} else {
		return 0;
	}
	/* After the country code or the trunk zero comes the area code or the
	 * mobile prefix, which never starts with 0 ("+46 070..." is a typo
	 * we do not guess around). */
	if (i >= len || s[i] < '1' || s[i] > '9')
		return 0;
	for (; i < len; i++) {
		if (is_digit(s[i])) {
			if (n == sizeof(d))
				return 0;
			d[n++] = s[i];
			continue;
		}
		size_t sl = phone_sep(s, len, i);
		if (sl == 0 || i + sl >= len || !is_digit(s[i + sl]) || ++seps > PHONE_MAX_SEPS)
			return 0;
		i += sl - 1;
	}
	if (n == 0)
		return 0;
	if (d[0] == '7') {
		/* Mobile: 070, 072, 073, 076, 079 and seven digits. */
		return n == 9 && strchr("02369", d[1]) != NULL;
	}
	if (d[0] == '8') /* Stockholm: 08 and six to eight digits */
		return n >= 7 && n <= 9;
	/* Other area codes (2-4 digits with the zero): 9-10 digits in all. */
	return n >= 8 && n <= 9;
}

/* ---- email ---- */

enum { EMAIL_MAX = 254, EMAIL_LOCAL_MAX = 64, EMAIL_LABEL_MAX = 63 };

/* RFC 5322 atext, plus UTF-8 (RFC 6531). */
static int local_char(unsigned char c)
{
	return c >= 0x80 || is_alnum((char)c) ||
	       (c != '\0' && strchr("!#$%&'*+/=?^_`{|}~-", c) != NULL);
}

static int label_char(unsigned char c)
{
	return c >= 0x80 || is_alnum((char)c) || c == '-';
}

/* The top-level domain: two or more ASCII letters, or an IDN in its
 * xn-- form. */
static bool tld_ok(const char *t, size_t len)
{
	if (len >= 5 && memcmp(t, "xn--", 4) == 0)
		return 1; /* the label check already vetted the characters */
	if (len < 2)
		return 0;
	for (size_t i = 0; i < len; i++)
		if (!((t[i] >= 'a' && t[i] <= 'z') || (t[i] >= 'A' && t[i] <= 'Z')))
			return 0;
	return 1;
}

bool validate_email(const char *s, size_t len)
{
	if (!s || len < 6 || len > EMAIL_MAX)
		return 0;
	const char *at = memchr(s, '@', len);
	if (!at || memchr(at + 1, '@', len - (size_t)(at - s) - 1))
		return 0;

	size_t llen = (size_t)(at - s);
	if (llen == 0 || llen > EMAIL_LOCAL_MAX || s[0] == '.' || s[llen - 1] == '.')
		return 0;
	for (size_t i = 0; i < llen; i++) {
		unsigned char c = (unsigned char)s[i];
		if (c == '.' ? s[i + 1] == '.' : !local_char(c))
			return 0;
	}

	const char *dom = at + 1;
	size_t dlen = len - llen - 1, labels = 0, start = 0;
	for (size_t i = 0; i <= dlen; i++) {
		if (i < dlen && dom[i] != '.') {
			if (!label_char((unsigned char)dom[i]))
				return 0;
			continue;
		}
		size_t l = i - start;
		if (l == 0 || l > EMAIL_LABEL_MAX || dom[start] == '-' || dom[i - 1] == '-')
			return 0;
		labels++;
		if (i == dlen && !tld_ok(dom + start, l))
			return 0;
		start = i + 1;
	}
	return labels >= 2;
}
