/* Validators: the checks that turn "looks like a number" into personal data.
 *
 * Each takes a candidate span of text (not NUL-terminated) and answers true
 * when it is a valid instance.  They never allocate.  Rule files
 * name them with `validate NAME`; validate_lookup() maps the name.
 */
#pragma once

#include <stdbool.h>
#include <stddef.h>
#include <time.h>

typedef bool (*validate_fn)(const char *s, size_t len);

struct validator {
	const char *name; /* as written in rule files: "personnummer" */
	validate_fn fn;
	const char *summary; /* one line, for documentation and errors */
};

/* NULL when no validator has that name. */
const struct validator *validate_lookup(const char *name);

/* The table, terminated by an entry with name == NULL. */
extern const struct validator validate_table[];

/* A PCRE2 pattern for candidate personnummer and samordningsnummer in raw
 * text (rules with `input raw`), shared by rule authors and the tests:
 *
 *   pattern   VALIDATE_PNR_CANDIDATE_PATTERN's text
 *   validate  pnr
 *
 * It finds 10 or 12 digits with an optional '-', '+' or single space before
 * the last four, not inside a longer run of digits.  It deliberately finds
 * too much (any such digit run); the validator decides.  [0-9] rather than
 * \d because rules are compiled with PCRE2_UCP, where \d also matches
 * non-ASCII digits that no validator accepts. */
#define VALIDATE_PNR_CANDIDATE_PATTERN "(?<![0-9])(?:[0-9]{2})?[0-9]{6}[-+ ]?[0-9]{4}(?![0-9])"

/* Candidate patterns for the other validators, on the same terms: for
 * `input raw` rules, deliberately too wide, the validator decides.  A
 * pattern match is one candidate; when it swallows a neighbouring group
 * ("... 7466 TACK" after an IBAN) the validator rejects the whole span, so
 * each pattern stops at the characters that cannot belong to the number.
 * docs/validators.md shows them as a rule author copies them. */
#define VALIDATE_CARD_CANDIDATE_PATTERN "(?<![0-9])[0-9](?:[ -]?[0-9]){12,18}(?![0-9])"
#define VALIDATE_IBAN_CANDIDATE_PATTERN                                                            \
	"(?<![A-Za-z0-9])(?:IBAN:? ?)?[A-Z]{2}[0-9]{2}(?: ?[A-Z0-9]{4}){2,7}(?: ?[A-Z0-9]{1,3})?"  \
	"(?![A-Za-z0-9])"
#define VALIDATE_BANKGIRO_CANDIDATE_PATTERN "(?<![0-9-])[0-9]{3,4}-[0-9]{4}(?![0-9-])"
#define VALIDATE_PLUSGIRO_CANDIDATE_PATTERN                                                        \
	"(?<![0-9-])[0-9]{1,2}(?: ?[0-9]{2}){0,3}-[0-9](?![0-9-])"
#define VALIDATE_PHONE_SE_CANDIDATE_PATTERN                                                        \
	"(?<![0-9+])(?:\\+46[ -]?(?:\\(0\\) ?)?|0046[ -]?|0 ?)[1-9]"                               \
	"(?:(?: [-\xe2\x80\x93] |[ ./\xe2\x80\x93-])?[0-9]){6,8}(?![0-9])"
#define VALIDATE_EMAIL_CANDIDATE_PATTERN                                                           \
	"[\\p{L}\\p{N}_%+'-][\\p{L}\\p{N}._%+'-]*@[\\p{L}\\p{N}-]+(?:\\.[\\p{L}\\p{N}-]+)+"

/* A parsed personnummer or samordningsnummer. */
struct pnr {
	int year; /* four digits, century resolved */
	int month;
	int day;          /* the real day (60 already subtracted) */
	int coordination; /* 1 for a samordningsnummer */
	char digits[13];  /* canonical YYYYMMDDNNNC, NUL-terminated */
};

/* Parse any written form of a personnummer or samordningsnummer: digits with
 * optional '-', '+' or one space between date and serial, 10 or 12 digits.
 * For 10-digit forms the century is the one that makes the person younger
 * than 100 on `today` (a '+' separator: 100 or older).  Returns 0, or
 * -EINVAL when the text is not a valid number (bad date, serial 000, wrong
 * check digit, wrong shape). */
int pnr_parse(const char *s, size_t len, time_t today, struct pnr *ret);

bool validate_personnummer(const char *s, size_t len);
bool validate_samordningsnummer(const char *s, size_t len);
bool validate_pnr(const char *s, size_t len);
bool validate_payment_card(const char *s, size_t len);
bool validate_iban(const char *s, size_t len);
bool validate_bankgiro(const char *s, size_t len);
bool validate_plusgiro(const char *s, size_t len);
bool validate_phone_se(const char *s, size_t len);
bool validate_email(const char *s, size_t len);

/* The Luhn (mod 10) check over the digits of s, ignoring spaces and dashes;
 * true when valid.  Any other character makes it false. */
bool validate_luhn(const char *s, size_t len);
