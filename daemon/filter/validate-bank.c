/* Payment numbers: payment cards, IBAN, bankgiro and plusgiro. */
#include "filter/validate.h"

#include <stdbool.h>
#include <stdint.h>
#include <string.h>

static bool is_digit(char c)
{
	return c >= '0' && c <= '9';
}

static bool is_alpha(char c)
{
	return (c >= 'A' && c <= 'Z') || (c >= 'a' && c <= 'z');
}

static char upper(char c)
{
	return c >= 'a' && c <= 'z' ? (char)(c - 'a' + 'A') : c;
}

/* Copy the digits of a grouped number ("4111 1111-..." is not allowed:
 * one kind of separator, single, between digits) into out.  Returns the
 * number of digits, or -1 when the shape is wrong or there are more than
 * max digits. */
static int grouped_digits(const char *s, size_t len, const char *seps, char *out, size_t max)
{
	size_t n = 0;
	char sep = 0;

	if (len == 0 || !is_digit(s[0]) || !is_digit(s[len - 1]))
		return -1;
	for (size_t i = 0; i < len; i++) {
		char c = s[i];
		if (is_digit(c)) {
			if (n == max)
				return -1;
			out[n++] = c;
		} else if (c != '\0' && strchr(seps, c)) {
			if (!is_digit(s[i - 1]))
				return -1; /* two separators in a row */
			if (sep && c != sep)
				return -1;
			sep = c;
		} else {
			return -1;
		}
	}
	return (int)n;
}

/* ---- payment cards ---- */

struct issuer {
	unsigned lo, hi;  /* prefix range, inclusive */
	unsigned digits;  /* how many leading digits lo/hi describe */
	uint32_t lengths; /* bit n set: n digits is a valid card length */
};

#define LEN(a, b) ((uint32_t)((1u << ((b) + 1)) - (1u << (a)))) /* lengths a..b */
#define BIT(a) (1u << (a))

/* ISO/IEC 7812 issuer identification ranges of the networks seen in
 * Sweden and abroad.  Maestro's 56-69 deliberately covers the 6x networks
 * (Discover, UnionPay) as a whole. */
static const struct issuer issuers[] = {
	{ 4, 4, 1, BIT(13) | BIT(16) | BIT(19) }, /* Visa */
	{ 51, 55, 2, BIT(16) },                   /* Mastercard */
	{ 2221, 2720, 4, BIT(16) },               /* Mastercard 2-series */
	{ 34, 34, 2, BIT(15) },                   /* American Express */
	{ 37, 37, 2, BIT(15) },                   /* American Express */
	{ 300, 305, 3, LEN(14, 19) },             /* Diners Club */
	{ 3095, 3095, 4, LEN(14, 19) },           /* Diners Club */
	{ 36, 36, 2, LEN(14, 19) },               /* Diners Club */
	{ 38, 39, 2, LEN(14, 19) },               /* Diners Club */
	{ 3528, 3589, 4, LEN(16, 19) },           /* JCB */
	{ 2200, 2204, 4, LEN(16, 19) },           /* Mir */
	{ 6011, 6011, 4, LEN(16, 19) },           /* Discover */
	{ 644, 649, 3, LEN(16, 19) },             /* Discover */
	{ 65, 65, 2, LEN(16, 19) },               /* Discover */
	{ 62, 62, 2, LEN(16, 19) },               /* UnionPay */
	{ 50, 50, 2, LEN(13, 19) },               /* Maestro, Dankort 5019 */
	{ 56, 69, 2, LEN(13, 19) },               /* Maestro */
};

static bool known_issuer(const char *d, int n)
{
	for (size_t i = 0; i < sizeof(issuers) / sizeof(issuers[0]); i++) {
		const struct issuer *is = &issuers[i];
		unsigned prefix = 0;
		for (unsigned k = 0; k < is->digits; k++)
			prefix = prefix * 10 + (unsigned)(d[k] - '0');
		if (prefix >= is->lo && prefix <= is->hi && (is->lengths & BIT(n)))
			return 1;
	}
	return 0;
}

bool validate_payment_card(const char *s, size_t len)
{
	char d[19];
	int n;

	if (!s || len > 19 + 18)
		return 0;
	n = grouped_digits(s, len, " -", d, sizeof(d));
	if (n < 13 || n > 19)
		return 0;
	int same = 1;
	for (int i = 1; i < n; i++)
		same &= d[i] == d[0];
	if (same)
		return 0;
	return validate_luhn(d, (size_t)n) && known_issuer(d, n);
}

/* ---- IBAN ---- */

struct iban_country {
	char cc[3];
	unsigned char len;
};

/* IBAN lengths from the SWIFT IBAN registry. */
static const struct iban_country iban_countries[] = {
	{ "AD", 24 }, { "AE", 23 }, { "AL", 28 }, { "AT", 20 }, { "AZ", 28 }, { "BA", 20 },
	{ "BE", 16 }, { "BG", 22 }, { "BH", 22 }, { "BI", 27 }, { "BR", 29 }, { "BY", 28 },
	{ "CH", 21 }, { "CR", 22 }, { "CY", 28 }, { "CZ", 24 }, { "DE", 22 }, { "DJ", 27 },
	{ "DK", 18 }, { "DO", 28 }, { "EE", 20 }, { "EG", 29 }, { "ES", 24 }, { "FI", 18 },
	{ "FK", 18 }, { "FO", 18 }, { "FR", 27 }, { "GB", 22 }, { "GE", 22 }, { "GI", 23 },
	{ "GL", 18 }, { "GR", 27 }, { "GT", 28 }, { "HN", 28 }, { "HR", 21 }, { "HU", 28 },
	{ "IE", 22 }, { "IL", 23 }, { "IQ", 23 }, { "IS", 26 }, { "IT", 27 }, { "JO", 30 },
	{ "KW", 30 }, { "KZ", 20 }, { "LB", 28 }, { "LC", 32 }, { "LI", 21 }, { "LT", 20 },
	{ "LU", 20 }, { "LV", 21 }, { "LY", 25 }, { "MC", 27 }, { "MD", 24 }, { "ME", 22 },
	{ "MK", 19 }, { "MN", 20 }, { "MR", 27 }, { "MT", 31 }, { "MU", 30 }, { "NI", 28 },
	{ "NL", 18 }, { "NO", 15 }, { "OM", 23 }, { "PK", 24 }, { "PL", 28 }, { "PS", 29 },
	{ "PT", 25 }, { "QA", 29 }, { "RO", 24 }, { "RS", 22 }, { "RU", 33 }, { "SA", 24 },
	{ "SC", 31 }, { "SD", 18 }, { "SE", 24 }, { "SI", 19 }, { "SK", 24 }, { "SM", 27 },
	{ "SO", 23 }, { "ST", 25 }, { "SV", 28 }, { "TL", 23 }, { "TN", 24 }, { "TR", 26 },
	{ "UA", 29 }, { "VA", 22 }, { "VG", 24 }, { "XK", 20 }, { "YE", 30 },
};

static int iban_length(const char *cc)
{
	for (size_t i = 0; i < sizeof(iban_countries) / sizeof(iban_countries[0]); i++)
		if (iban_countries[i].cc[0] == cc[0] && iban_countries[i].cc[1] == cc[1])
			return iban_countries[i].len;
	return -1;
}

enum { IBAN_MAX = 34 };

bool validate_iban(const char *s, size_t len)
{
	char b[IBAN_MAX];
	size_t n = 0, i = 0;

	if (!s || len > 64)
		return 0;
	/* "IBAN SE45 5000 ...", "IBAN: SE45..." or "IBAN:SE45...". */
	if (len >= 4 && upper(s[0]) == 'I' && upper(s[1]) == 'B' && upper(s[2]) == 'A' &&
	    upper(s[3]) == 'N') {
		i = 4;
		if (i < len && s[i] == ':')
			i++;
		if (i < len && s[i] == ' ')
			i++;
		if (i == 4)
			return 0; /* "IBANSE45..." */
	}
	/* The body: either run together, or groups of four separated by one
	 * space (the last group may be shorter). */
	const char *body = s + i;
	size_t blen = len - i;
	int spaced = memchr(body, ' ', blen) != NULL;
	if (blen == 0 || body[blen - 1] == ' ')
		return 0;
	for (size_t k = 0; k < blen; k++) {
		char c = body[k];
		if (spaced && k % 5 == 4) {
			if (c != ' ')
				return 0;
		} else if (is_digit(c) || is_alpha(c)) {
			if (n == IBAN_MAX)
				return 0;
			b[n++] = upper(c);
		} else {
			return 0;
		}
	}
	if (n < 5 || !is_alpha(b[0]) || !is_alpha(b[1]) || !is_digit(b[2]) || !is_digit(b[3]))
		return 0;
	if (iban_length(b) != (int)n)
		return 0;
	/* ISO 7064 check digits are 02-98; 00, 01 and 99 can satisfy the
	 * mod-97 equation but are never issued. */
	int check = (b[2] - '0') * 10 + (b[3] - '0');
	if (check < 2 || check > 98)
		return 0;
	/* Move the first four characters to the end, letters become 10-35,
	 * and the whole number mod 97 must be 1. */
	unsigned rem = 0;
	for (size_t k = 0; k < n; k++) {
		char c = b[(k + 4) % n];
		if (is_digit(c))
			rem = (rem * 10 + (unsigned)(c - '0')) % 97;
		else
			rem = (rem * 100 + (unsigned)(c - 'A' + 10)) % 97;
	}
	return rem == 1;
}

/* ---- bankgiro and plusgiro ---- */

bool validate_bankgiro(const char *s, size_t len)
{
	/* NNN-NNNN or NNNN-NNNN: the dash is what makes it a bankgiro
	 * number rather than any seven or eight digits. */
	if (!s || (len != 8 && len != 9) || s[len - 5] != '-')
		return 0;
	for (size_t i = 0; i < len; i++)
		if (i != len - 5 && !is_digit(s[i]))
			return 0;
	return validate_luhn(s, len);
}

bool validate_plusgiro(const char *s, size_t len)
{
	char d[8];

	/* 2-8 digits, the check digit after a dash: "12 34 56-7", "4 12 34-5",
	 * "41234-5". */
	if (!s || len < 3 || len > 14 || s[len - 2] != '-' || !is_digit(s[len - 1]))
		return 0;
	int n = grouped_digits(s, len - 2, " ", d, sizeof(d) - 1);
	if (n < 1)
		return 0;
	d[n++] = s[len - 1];
	return validate_luhn(d, (size_t)n);
}
