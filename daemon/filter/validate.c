/* Validators: the name table rule files refer to, and the Luhn check the
 * number validators share.  The validators themselves live in
 * validate-<kind>.c, one file per family of numbers. */
#include "filter/validate.h"

#include <stdbool.h>
#include <string.h>

/* clang-format off */
const struct validator validate_table[] = {
	{ "personnummer", validate_personnummer,
	  "Swedish personnummer in any written form, real date, Luhn check digit" },
	{ "samordningsnummer", validate_samordningsnummer,
	  "Swedish samordningsnummer (day + 60), real date, Luhn check digit" },
	{ "pnr", validate_pnr, "personnummer or samordningsnummer" },
	{ "payment_card", validate_payment_card,
	  "payment card number: 13-19 digits, Luhn, known issuer prefix" },
	{ "iban", validate_iban, "IBAN: known country, its length, mod-97 check" },
	{ "bankgiro", validate_bankgiro, "bankgiro number NNN-NNNN or NNNN-NNNN, Luhn" },
	{ "plusgiro", validate_plusgiro, "plusgiro number: 2-8 digits, last after a dash, Luhn" },
	{ "phone_se", validate_phone_se, "Swedish phone number: 07x mobile or area code, +46/0046" },
	{ "email", validate_email, "e-mail address with a plausible domain" },
	{ NULL, NULL, NULL },
};
/* clang-format on */

const struct validator *validate_lookup(const char *name)
{
	if (!name)
		return NULL;
	for (const struct validator *v = validate_table; v->name; v++)
		if (strcmp(v->name, name) == 0)
			return v;
	return NULL;
}

bool validate_luhn(const char *s, size_t len)
{
	int sum = 0;
	size_t n = 0;

	if (!s)
		return 0;
	/* From the right: the check digit is position 0, every second digit
	 * left of it is doubled. */
	for (size_t i = len; i-- > 0;) {
		char c = s[i];
		if (c == ' ' || c == '-')
			continue;
		if (c < '0' || c > '9')
			return 0;
		int v = c - '0';
		if (n & 1) {
			v *= 2;
			if (v > 9)
				v -= 9;
		}
		sum += v;
		n++;
	}
	/* A lone digit has nothing to check; a number needs a payload and a
	 * check digit. */
	return n >= 2 && sum % 10 == 0;
}
