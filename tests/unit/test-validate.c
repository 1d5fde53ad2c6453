/* Unit tests of the validators (daemon/filter/validate*.c), including every
 * Skatteverket test personnummer and samordningsnummer in every written
 * form, alone and inside ordinary sentences. */
#define PCRE2_CODE_UNIT_WIDTH 8
#include "t.h"
#include "filter/validate.h"
#include "util/clock.h"

#include <errno.h>
#include <pcre2.h>
#include <time.h>

/* 2026-11-23 12:00 UTC: the same calendar day in every time zone within
 * +-11 hours, so the tests do not depend on TZ. */
#define TODAY ((time_t)1795435200)

static int v(validate_fn fn, const char *s)
{
	return fn(s, strlen(s));
}

/* Check a table of strings: every entry must give `want`. */
#define CHECK_ALL(fn, want, ...)                                                                   \
	do {                                                                                       \
		static const char *const list_[] = { __VA_ARGS__ };                                \
		for (size_t i_ = 0; i_ < sizeof(list_) / sizeof(list_[0]); i_++)                   \
			if (v(fn, list_[i_]) != (want))                                            \
				T_FAIL_("%s(\"%s\") != %d", #fn, list_[i_], (want));               \
	} while (0)

static void use_fixed_today(void)
{
	clock_set_simulated((int64_t)TODAY * USEC_PER_SEC, 1.0);
}

static int parse(const char *s, struct pnr *p)
{
	return pnr_parse(s, strlen(s), TODAY, p);
}

static void test_today_is_2026_11_23(void)
{
	struct tm tm;
	time_t t = TODAY;
	T_ASSERT(localtime_r(&t, &tm) != NULL);
	T_EQ_INT(2026, tm.tm_year + 1900);
	T_EQ_INT(11, tm.tm_mon + 1);
	T_EQ_INT(23, tm.tm_mday);
}

static void test_luhn(void)
{
	CHECK_ALL(validate_luhn, 1, "8112189876", "79927398713", "4111 1111 1111 1111",
	          "4111-1111-1111-1111", "18", "00", "5555555555554444", "378282246310005");
	CHECK_ALL(validate_luhn, 0, "", "0", "8", "8112189875", "79927398710",
	          "4111 1111 1111 1112", "4111x1111", "811218+9876", "8112189876\n", "19");
	T_EQ_INT(0, validate_luhn(NULL, 0));
	/* The span, not the NUL, ends the input. */
	T_EQ_INT(1, validate_luhn("8112189876999", 10));
}

static void test_pnr_every_written_form(void)
{
	static const char *const forms[] = {
		"811218-9876",  "8112189876",    "811218 9876",   "19811218-9876",
		"198112189876", "19811218 9876", "19811218+9876",
	};
	for (size_t i = 0; i < sizeof(forms) / sizeof(forms[0]); i++) {
		struct pnr p = { 0 };
		if (parse(forms[i], &p) != 0) {
			T_FAIL_("pnr_parse(\"%s\") failed", forms[i]);
			continue;
		}
		T_EQ_INT(1981, p.year);
		T_EQ_INT(12, p.month);
		T_EQ_INT(18, p.day);
		T_EQ_INT(0, p.coordination);
		T_EQ_STR("198112189876", p.digits);
	}
}

static void test_pnr_century_rule(void)
{
	struct pnr p;
	T_EQ_INT(0, parse("121212-1212", &p));
	T_EQ_INT(2012, p.year);
	T_EQ_INT(0, parse("121212+1212", &p));
	T_EQ_INT(1912, p.year);
	T_EQ_STR("191212121212", p.digits);
	/* Born today: age 0, this century. */
	T_EQ_INT(0, parse("261123-1230", &p));
	T_EQ_INT(2026, p.year);
	/* Tomorrow's date in this century would be in the future, so the
	 * person was born a hundred years ago and is 99. */
	T_EQ_INT(0, parse("261124-1239", &p));
	T_EQ_INT(1926, p.year);
	T_EQ_INT(0, parse("261124+1239", &p));
	T_EQ_INT(1826, p.year);
	T_EQ_INT(0, parse("991231-1231", &p));
	T_EQ_INT(1999, p.year);
	T_EQ_INT(0, parse("270101-1237", &p));
	T_EQ_INT(1927, p.year);
	/* The same text can mean another year on another day. */
	T_EQ_INT(0, pnr_parse("261124-1239", 11, TODAY + 86400, &p));
	T_EQ_INT(2026, p.year);
}

static void test_pnr_leap_years(void)
{
	struct pnr p;
	T_EQ_INT(0, parse("000229-1235", &p));
	T_EQ_INT(2000, p.year);
	T_EQ_INT(29, p.day);
	T_EQ_INT(-EINVAL, parse("000229+1235", &p)); /* 1900 was no leap year */
	T_EQ_INT(-EINVAL, parse("19000229-1235", &p));
	T_EQ_INT(-EINVAL, parse("190002291235", &p));
	T_EQ_INT(0, parse("20000229-1235", &p));
	T_EQ_INT(0, parse("200002291235", &p));
}

static void test_pnr_twelve_digits_any_past_century(void)
{
	struct pnr p;
	/* The 10 digits pass Luhn whatever the century; the written century
	 * counts as long as the date is real and not in the future. */
	T_EQ_INT(0, parse("19261124-1239", &p));
	T_EQ_INT(1926, p.year);
	T_EQ_INT(0, parse("18261124-1239", &p));
	T_EQ_INT(1826, p.year);
	T_EQ_INT(0, parse("20261123-1230", &p));
	T_EQ_INT(-EINVAL, parse("20261124-1239", &p)); /* tomorrow */
	T_EQ_INT(-EINVAL, parse("20301212-1210", &p));
	T_EQ_INT(0, parse("19301212-1210", &p));
}

static void test_pnr_rejects_lookalikes(void)
{
	struct pnr p = { .year = 42 };
	static const char *const bad[] = {
		"811218-9875", /* wrong check digit */
		"811218-9870",   "19811218-9877", "8112189871",
		"19810230-1234", /* 30 February, check digit right */
		"810230-1234",   "811232-1230",   "811300-1237",
		"810000-1232",   "811218-0008", /* serial 000, check digit right */
		"1981121898761",                /* 13 digits */
		"81121898761",                  /* 11 digits */
		"811218-987",    "81121-9876",    "811218--9876",
		"811218 -9876",  "8112-189876",   "81121898-76",
		"1981121-89876", " 811218-9876",  "811218-9876 ",
		"811218_9876",   "811218/9876",   "811218.9876",
		"811218\t9876",  "811218-987a",   "",
		"8112189876x",   "811260-1235", /* day 60: neither a date nor day + 60 */
		"811292-9875",                  /* day 92 */
	};
	for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++)
		if (parse(bad[i], &p) != -EINVAL)
			T_FAIL_("pnr_parse(\"%s\") accepted", bad[i]);
	T_EQ_INT(42, p.year); /* ret untouched on failure */
	T_EQ_INT(-EINVAL, pnr_parse(NULL, 0, TODAY, &p));
	/* Only the span counts: a longer buffer is not read past len. */
	T_EQ_INT(0, pnr_parse("811218-98761234", 11, TODAY, &p));
}

static void test_samordningsnummer(void)
{
	struct pnr p;
	T_EQ_INT(0, parse("811278-9873", &p));
	T_EQ_INT(1, p.coordination);
	T_EQ_INT(18, p.day);
	T_EQ_STR("198112789873", p.digits);
	T_EQ_INT(-EINVAL, parse("810290-1231", &p)); /* 30 February + 60 */

	use_fixed_today();
	CHECK_ALL(validate_personnummer, 1, "811218-9876", "19811218-9876", "121212+1212");
	CHECK_ALL(validate_personnummer, 0, "811278-9873", "811218-9875", "19810230-1234");
	CHECK_ALL(validate_samordningsnummer, 1, "811278-9873", "198112789873");
	CHECK_ALL(validate_samordningsnummer, 0, "811218-9876", "811278-9874");
	CHECK_ALL(validate_pnr, 1, "811218-9876", "811278-9873");
	CHECK_ALL(validate_pnr, 0, "811218-9875", "811278-9874", "19810230-1234");
	clock_set_real();
}

static void test_lookup(void)
{
	const char *names[] = { "personnummer", "samordningsnummer", "pnr" };
	for (size_t i = 0; i < sizeof(names) / sizeof(names[0]); i++) {
		const struct validator *val = validate_lookup(names[i]);
		T_ASSERT(val != NULL);
		if (val) {
			T_EQ_STR(names[i], val->name);
			T_ASSERT(val->fn != NULL);
			T_ASSERT(val->summary && *val->summary);
		}
	}
	T_ASSERT(validate_lookup("personnumer") == NULL);
	T_ASSERT(validate_lookup("") == NULL);
	T_ASSERT(validate_lookup(NULL) == NULL);
	T_EQ_INT(0, validate_lookup("pnr")->fn("811218-9875", 11));
}

/* ---- Skatteverket's test numbers ---- */

struct numlist {
	char (*num)[13];
	size_t n;
};

/* Read one of the Skatteverket files: one 12-digit number a line. */
static int load_numbers(const char *file, struct numlist *ret)
{
	const char *shared = getenv("VAKT_TESTDATA");
	char path[4096];
	if (!shared) {
		T_FAIL_("VAKT_TESTDATA is not set: cannot find the Skatteverket test numbers");
		return -1;
	}
	snprintf(path, sizeof(path), "%s/skatteverket/%s", shared, file);
	FILE *f = fopen(path, "r");
	if (!f) {
		T_FAIL_("cannot open %s: %s (tests/data/skatteverket is missing)", path,
		        strerror(errno));
		return -1;
	}
	struct numlist l = { 0 };
	size_t cap = 0, lineno = 0;
	char line[64];
	int r = 0;
	while (fgets(line, sizeof(line), f)) {
		lineno++;
		size_t len = strcspn(line, "\r\n");
		if (len == 0)
			continue;
		if (len != 12 || strspn(line, "0123456789") != 12) {
			T_FAIL_("%s:%zu: not a 12-digit number", path, lineno);
			r = -1;
			break;
		}
		if (l.n == cap) {
			cap = cap ? cap * 2 : 1024;
			void *p = realloc(l.num, cap * sizeof(*l.num));
			if (!p) {
				r = -1;
				break;
			}
			l.num = p;
		}
		memcpy(l.num[l.n], line, 12);
		l.num[l.n][12] = '\0';
		l.n++;
	}
	fclose(f);
	if (r < 0) {
		free(l.num);
		return r;
	}
	*ret = l;
	return 0;
}

/* 1 when someone born on the date of the 12-digit number d (day + 60
 * undone) is 100 or older on TODAY. */
static int centenarian(const char *d)
{
	int y = (d[0] - '0') * 1000 + (d[1] - '0') * 100 + (d[2] - '0') * 10 + (d[3] - '0');
	int md = ((d[4] - '0') * 10 + (d[5] - '0')) * 100 + ((d[6] - '0') * 10 + (d[7] - '0'));
	if (md % 100 > 60)
		md -= 60;
	/* TODAY is 2026-11-23. */
	return y + 100 < 2026 || (y + 100 == 2026 && md <= 1123);
}

enum { MAX_FORMS = 8 };

/* Every written form of the 12-digit number d that means the same person on
 * TODAY.  The 10-digit forms carry the age: '+' only for 100 or older, '-',
 * space and run-together only for younger. */
static size_t written_forms(const char *d, char forms[MAX_FORMS][16])
{
	size_t n = 0;
	snprintf(forms[n++], 16, "%.12s", d);
	snprintf(forms[n++], 16, "%.8s-%.4s", d, d + 8);
	snprintf(forms[n++], 16, "%.8s %.4s", d, d + 8);
	if (centenarian(d)) {
		snprintf(forms[n++], 16, "%.6s+%.4s", d + 2, d + 8);
	} else {
		snprintf(forms[n++], 16, "%.6s-%.4s", d + 2, d + 8);
		snprintf(forms[n++], 16, "%.6s %.4s", d + 2, d + 8);
		snprintf(forms[n++], 16, "%.10s", d + 2);
	}
	return n;
}

static void check_official(const char *file, int coordination, size_t min_count)
{
	struct numlist l;
	if (load_numbers(file, &l) < 0)
		return;
	if (l.n < min_count)
		T_FAIL_("%s: only %zu numbers, expected at least %zu", file, l.n, min_count);
	size_t failures = 0, forms_checked = 0, plus_forms = 0;
	for (size_t i = 0; i < l.n; i++) {
		const char *d = l.num[i];
		char forms[MAX_FORMS][16];
		size_t nf = written_forms(d, forms);
		for (size_t k = 0; k < nf; k++) {
			struct pnr p;
			int r = parse(forms[k], &p);
			forms_checked++;
			plus_forms += strchr(forms[k], '+') != NULL;
			if (r != 0 || strcmp(p.digits, d) != 0 || p.coordination != coordination) {
				if (failures++ < 20)
					T_FAIL_("%s: \"%s\" (%s) not accepted as itself: r=%d %s",
					        file, forms[k], d, r, r == 0 ? p.digits : "");
			}
		}
		/* The 10-digit form with the wrong age sign is not this
		 * person: another century or no valid date at all. */
		char wrong[16];
		snprintf(wrong, sizeof(wrong), "%.6s%c%.4s", d + 2, centenarian(d) ? '-' : '+',
		         d + 8);
		struct pnr p;
		if (parse(wrong, &p) == 0 && strcmp(p.digits, d) == 0)
			if (failures++ < 20)
				T_FAIL_("%s: \"%s\" taken for %s", file, wrong, d);
		/* Every other check digit is wrong. */
		for (int k = 1; k <= 9; k++) {
			char bad[13];
			memcpy(bad, d, 13);
			bad[11] = (char)('0' + (d[11] - '0' + k) % 10);
			if (parse(bad, &p) != -EINVAL && failures++ < 20)
				T_FAIL_("%s: wrong check digit accepted: %s", file, bad);
		}
	}
	printf("# %s: %zu numbers, %zu written forms (%zu with '+'), %zu failures\n", file, l.n,
	       forms_checked, plus_forms, failures);
	free(l.num);
}

static void test_skatteverket_personnummer(void)
{
	check_official("skatteverket_testpersonnummer.txt", 0, 41000);
}

static void test_skatteverket_samordningsnummer(void)
{
	check_official("skatteverket_testsamordningsnummer.txt", 1, 1300);
}

/* ---- Finding numbers in text, the way a rule does ---- */

/* A candidate pattern and its validator, as a rule has them. */
struct finder {
	pcre2_code *re;
	pcre2_match_data *md;
	validate_fn fn;
};

/* The personnummer validators on TODAY rather than the clock. */
static bool pnr_on_today(const char *s, size_t len)
{
	return pnr_parse(s, len, TODAY, NULL) == 0;
}

/* Compiled as the engine compiles `input raw` patterns. */
static int finder_init(struct finder *f, const char *pattern, validate_fn fn)
{
	int err;
	PCRE2_SIZE off;
	f->fn = fn;
	f->re = pcre2_compile((PCRE2_SPTR)pattern, PCRE2_ZERO_TERMINATED, PCRE2_UTF | PCRE2_UCP,
	                      &err, &off, NULL);
	if (!f->re) {
		T_FAIL_("pattern %s does not compile (error %d at %zu)", pattern, err, (size_t)off);
		return -1;
	}
	pcre2_jit_compile(f->re, PCRE2_JIT_COMPLETE);
	f->md = pcre2_match_data_create_from_pattern(f->re, NULL);
	return f->md ? 0 : -1;
}

static void finder_free(struct finder *f)
{
	pcre2_match_data_free(f->md);
	pcre2_code_free(f->re);
}

/* Every candidate the pattern finds in text that the validator accepts,
 * written as "start:len," into out. */
static void find_valid(struct finder *f, const char *text, char *out, size_t outlen)
{
	size_t len = strlen(text), start = 0, used = 0;
	out[0] = '\0';
	while (start <= len) {
		int rc = pcre2_match(f->re, (PCRE2_SPTR)text, len, start, 0, f->md, NULL);
		if (rc < 0)
			break;
		PCRE2_SIZE *ov = pcre2_get_ovector_pointer(f->md);
		if (f->fn(text + ov[0], ov[1] - ov[0]) && used < outlen)
			used += (size_t)snprintf(out + used, outlen - used, "%zu:%zu,",
			                         (size_t)ov[0], (size_t)(ov[1] - ov[0]));
		start = ov[1] > ov[0] ? ov[1] : ov[1] + 1;
	}
}

static const char *const pnr_sentences[][2] = {
	{ "Mitt personnummer är ", ", ring mig" },
	{ "", " är mitt pnr" },
	{ "Hej! Jag heter Anna (", ") och undrar om bygglovet." },
	{ "pnr:", "" },
	{ "Kan ni kolla ärende 2024-1234 för ", "? Tack 😊" },
	{ "Personnr ", ". Tel 070-123 45 67." },
};

static void check_in_sentences(const char *file)
{
	struct numlist l;
	struct finder f;
	if (load_numbers(file, &l) < 0)
		return;
	if (finder_init(&f, VALIDATE_PNR_CANDIDATE_PATTERN, pnr_on_today) < 0) {
		free(l.num);
		return;
	}
	size_t failures = 0, checked = 0;
	for (size_t i = 0; i < l.n; i++) {
		char forms[MAX_FORMS][16];
		size_t nf = written_forms(l.num[i], forms);
		for (size_t k = 0; k < nf; k++) {
			size_t s = (i + k) % (sizeof(pnr_sentences) / sizeof(pnr_sentences[0]));
			char text[256], got[128], want[32];
			int pre = snprintf(text, sizeof(text), "%s", pnr_sentences[s][0]);
			snprintf(text + pre, sizeof(text) - (size_t)pre, "%s%s", forms[k],
			         pnr_sentences[s][1]);
			snprintf(want, sizeof(want), "%d:%zu,", pre, strlen(forms[k]));
			find_valid(&f, text, got, sizeof(got));
			checked++;
			if (strcmp(got, want) != 0 && failures++ < 20)
				T_FAIL_("in \"%s\": found \"%s\", expected \"%s\"", text, got,
				        want);
		}
	}
	printf("# %s: %zu sentences, %zu failures\n", file, checked, failures);
	finder_free(&f);
	free(l.num);
}

static void test_found_in_sentences_personnummer(void)
{
	check_in_sentences("skatteverket_testpersonnummer.txt");
}

static void test_found_in_sentences_samordningsnummer(void)
{
	check_in_sentences("skatteverket_testsamordningsnummer.txt");
}

static void test_lookalikes_in_sentences_not_found(void)
{
	static const char *const texts[] = {
		"Mitt personnummer är 19811218-9875, ring mig",  /* wrong check digit */
		"Född 19810230-1234 enligt intyget",             /* 30 February */
		"Serienummer 811218-0008 på kylskåpet",          /* serial 000 */
		"Order 1981121898761 skickad",                   /* 13 digits */
		"Kontonummer 8112189876543 hos banken",          /* inside a longer run */
		"Ring 08-123 45 67 eller 070-123 45 67",         /* phone numbers */
		"Mötet är 2026-11-23 kl 14",                     /* a date */
		"Beloppet 1 234 567 kr betalas senast 20261130", /* money, a date */
	};
	struct finder f;
	if (finder_init(&f, VALIDATE_PNR_CANDIDATE_PATTERN, pnr_on_today) < 0)
		return;
	for (size_t i = 0; i < sizeof(texts) / sizeof(texts[0]); i++) {
		char got[128];
		find_valid(&f, texts[i], got, sizeof(got));
		if (got[0])
			T_FAIL_("in \"%s\": found \"%s\"", texts[i], got);
	}
	/* And the real one next to them is found. */
	char got[128];
	find_valid(&f, "Fel: 19811218-9875. Rätt: 19811218-9876.", got, sizeof(got));
	T_EQ_STR("27:13,", got); /* "ä" is two bytes */
	find_valid(&f, "811218-9876 och 811278-9873", got, sizeof(got));
	T_EQ_STR("0:11,16:11,", got);
	finder_free(&f);
}

/* ---- payment numbers ---- */

static void test_payment_card_valid(void)
{
	CHECK_ALL(validate_payment_card, 1, "4111111111111111",                  /* Visa */
	          "4111 1111 1111 1111", "4111-1111-1111-1111", "4222222222222", /* Visa, 13 */
	          "5555555555554444",                                            /* Mastercard */
	          "5555 5555 5555 4444", "2223003122003222", /* Mastercard 2-series */
	          "378282246310005", "3782 822463 10005",    /* Amex 4-6-5 */
	          "6011111111111117",                        /* Discover */
	          "3530111333300000",                        /* JCB */
	          "30569309025904",                          /* Diners */
	          "6759649826438453",                        /* Maestro */
	          "5019717010103742");                       /* Dankort */
}

static void test_payment_card_invalid(void)
{
	CHECK_ALL(validate_payment_card, 0, "4111111111111112", /* wrong check digit */
	          "4111 1111 1111 1121",                        /* transposed digits */
	          "411111111111",                               /* 12 digits */
	          "41111111111111111111",                       /* 20 digits */
	          "0000000000000000",                           /* all the same, passes Luhn */
	          "4444444444444444", "6666666666666", /* Maestro, passes Luhn */ /* all the same */
	          "1111111111111117", /* no issuer starts with 1 */
	          "9111111111111111", /* nor 9 */
	          "378282246310005 ", " 4111111111111111",
	          "4111  1111 1111 1111", /* double separator */
	          "4111 1111-1111 1111",  /* mixed separators */
	          "4111-1111-1111-1111-", "-4111111111111111", "4111.1111.1111.1111",
	          "4111111111111",      /* a Visa length (13) with a wrong check digit */
	          "371449635398431 1",  /* Amex prefix, 16 digits */
	          "5555555555554", ""); /* Mastercard prefix, 13 digits */
}

static void test_iban_valid(void)
{
	CHECK_ALL(validate_iban, 1, "SE4550000000058398257466", "SE45 5000 0000 0583 9825 7466",
	          "IBAN SE45 5000 0000 0583 9825 7466", "IBAN: SE4550000000058398257466",
	          "IBAN:SE4550000000058398257466", "se4550000000058398257466", "NO9386011117947",
	          "NO93 8601 1117 947", "DK5000400440116243", "FI2112345600000785",
	          "DE89370400440532013000", "DE89 3704 0044 0532 0130 00", "GB29NWBK60161331926819",
	          "GB29 NWBK 6016 1331 9268 19", "FR1420041010050500013M02606",
	          "ES9121000418450200051332", "NL91ABNA0417164300", "PL61109010140000071219812874",
	          "IT60X0542811101000000123456", "CH9300762011623852957");
}

static void test_iban_invalid(void)
{
	CHECK_ALL(validate_iban, 0, "SE4550000000058398257467", /* wrong check */
	          "SE4550000000058398257646",                   /* transposed digits */
	          "SE4650000000058398257466",                   /* wrong check digits */
	          "SE455000000005839825746",                    /* SE is 24, this is 23 */
	          "SE45500000000583982574660",                  /* 25 */
	          "NO93860111179470", "SE1312345678901",
	          /* 15: mod 97 right, not SE length */ /* NO is 15 */
	          "XX4550000000058398257466",           /* no such country */
	          "SE0150000000058398250013",           /* 01 passes mod 97 but is never issued */
	          "SE9950000000058398250092",           /* 99 likewise */
	          "SE45 5000 0000 0583 9825 746 6",     /* groups not of four */
	          "SE45  5000 0000 0583 9825 7466", "SE455 000 0000 0583 9825 7466",
	          "SE45 5000 0000 0583 9825 7466 ", " SE4550000000058398257466",
	          "IBANSE4550000000058398257466", /* the prefix needs a space or colon */
	          "IBAN  SE4550000000058398257466", "SE45-5000-0000-0583-9825-7466",
	          "4550000000058398257466SE", "S14550000000058398257466", "IBAN ", "SE45", "");
}

static void test_bankgiro(void)
{
	CHECK_ALL(validate_bankgiro, 1, "555-1239", "5555-1238", "991-2346");
	CHECK_ALL(validate_bankgiro, 0, "555-1238", "5555-1239", "5551239", "55512-39", "55-51239",
	          "55555-1234", "55-1234", "555 1239", "555-123a", "5555-12389", " 555-1239",
	          "555-1239 ", "");
}

static void test_plusgiro(void)
{
	CHECK_ALL(validate_plusgiro, 1, "1234567-4", "4 12 34-6", "41234-6", "1-8", "12 34 56-6");
	CHECK_ALL(validate_plusgiro, 0, "1234567-5", "4 12 34-5", "412346", "12345678-9",
	          "123456789-7", "4  12 34-6", "4 12 34 -6", "4 12 34-66", "-8", "1-", "41-23-46",
	          " 41234-6", "41234-6 ", "4123a-6", "");
}

/* ---- contact details ---- */

static void test_phone_se_valid(void)
{
	CHECK_ALL(validate_phone_se, 1, "070-123 45 67", "0701234567", "070 123 45 67",
	          "072-123 45 67", "073-1234567", "076 - 123 45 67", "079-123 45 67",
	          "08-123 45 67", "08-12 34 56", "08-123 456 78", "081234567", "031-123 45 67",
	          "040-12 34 56", "0480-123 45", "0480-12 34 56", "090-12 34 56",
	          "+46 (0)70-123 45 67", "+46701234567", "+46 70 123 45 67", "+46-70-123 45 67",
	          "0046 8 123 45 67", "0046701234567", "+46 (0)8-123 45 67", "+46(0)8 123 45 67",
	          "+4681234567");
	/* dots, slashes, en dashes, every digit spaced (issue 12) */
	CHECK_ALL(validate_phone_se, 1, "070/123 45 67", "070.123.45.67", "08.465.00420",
	          "0980/319218",
	          "031\xe2\x80\x93"
	          "3900630",
	          "08 \xe2\x80\x93 465 004 20", "0 7 0 1 2 3 4 5 6 7", "070 1 2 3 4 5 6 7");
}

static void test_phone_se_invalid(void)
{
	CHECK_ALL(validate_phone_se, 0, "070-123 45 6",         /* too short for a mobile */
	          "070-123 45 678",                             /* too long */
	          "071-123 45 67",                              /* not a mobile prefix */
	          "077-123 45 67", "074-123 45 67", "08-123 4", /* Stockholm needs 6-8 digits */
	          "08-123 456 789", "031-123 45",               /* 8 digits in all */
	          "031-123 456 789",                            /* 12 */
	          "+46 070-123 45 67",                          /* 0 after +46 */
	          "+460701234567", "0046 070 123 45 67",
	          "00701234567",      /* 00 is the international prefix */
	          "701234567",        /* no 0 or +46 */
	          "+47 70 123 45 67", /* Norway */
	          "+46 (0) (0)70 1234567", "(0)70-123 45 67", "070--123 45 67", "070-123 45 67-",
	          " 070-123 45 67", "070-123 45 67 ", "070//123 45 67", "070. 123 45 67",
	          "070 1 2 3 4 5 6 7 8", /* too long */
	          "12345", "");
}

static void test_email_valid(void)
{
	CHECK_ALL(validate_email, 1, "anna@example.se", "anna.andersson@stockholm.se",
	          "a.b-c_d+tag@mail.example.co.uk", "x@ab.se", "O'Brien@example.com",
	          "anna@xn--rksmrgs-5wao1o.se", "anna@räksmörgås.se", "info@sub-domain.example.org",
	          "ANNA@EXAMPLE.SE", "a@b.xn--p1ai");
}

static void test_email_invalid(void)
{
	CHECK_ALL(validate_email, 0, "a@b", "foo@.se", "foo@bar..se", "foo..bar@example.se",
	          ".foo@example.se", "foo.@example.se", "foo@example.s", "foo@example.123",
	          "foo@example.se.", "foo@-example.se", "foo@example-.se", "foo@@example.se",
	          "foo@bar@example.se", "@example.se", "foo@", "foo bar@example.se",
	          "foo@exa mple.se", "foo@exam_ple.se", "foo@[127.0.0.1]", "\"foo\"@example.se",
	          "foo(at)example.se", " foo@example.se", "foo@example.se ", "foo@example.se,",
	          "anna@localhost", "");
}

static void test_lookup_every_validator(void)
{
	static const char *const names[] = {
		"personnummer", "samordningsnummer", "pnr",      "payment_card", "iban",
		"bankgiro",     "plusgiro",          "phone_se", "email"
	};
	size_t n = 0;
	for (const struct validator *val = validate_table; val->name; val++)
		n++;
	T_EQ_INT(sizeof(names) / sizeof(names[0]), n);
	for (size_t i = 0; i < sizeof(names) / sizeof(names[0]); i++)
		T_ASSERT(validate_lookup(names[i]) != NULL);
	T_EQ_INT(1, validate_lookup("iban")->fn("NO9386011117947", 15));
	T_EQ_INT(0, validate_lookup("email")->fn("a@b", 3));
	/* A NUL inside the span is just another bad character. */
	T_EQ_INT(0, validate_email("an\0a@example.se", 15));
	T_EQ_INT(0, validate_phone_se("070\0"
	                              "123 45 67",
	                              13));
	T_EQ_INT(0, validate_payment_card("4111\0"
	                                  "111 1111 1111",
	                                  19));
	T_EQ_INT(0, validate_iban("SE45\0"
	                          "5000 0000 0583 9825 7466",
	                          29));
	T_EQ_INT(-EINVAL, pnr_parse("811218\0"
	                            "9876",
	                            11, TODAY, NULL));
}

/* ---- The other candidate patterns, with their validators ---- */

struct candidate_case {
	const char *name;
	const char *pattern;
	validate_fn fn;
	const char *valid[12];   /* found in every sentence */
	const char *invalid[12]; /* look alike, never found */
};

static const struct candidate_case candidate_cases[] = {
	{ "card",
	  VALIDATE_CARD_CANDIDATE_PATTERN,
	  validate_payment_card,
	  { "4111111111111111", "4111 1111 1111 1111", "4111-1111-1111-1111", "4222222222222",
	    "5555 5555 5555 4444", "3782 822463 10005", "6011111111111117", "3530111333300000",
	    "30569309025904", "2223003122003222" },
	  { "4111 1111 1111 1112", "4111111111111121", "6666666666666", "1111111111111117",
	    "5555555555554" } },
	{ "iban",
	  VALIDATE_IBAN_CANDIDATE_PATTERN,
	  validate_iban,
	  { "SE4550000000058398257466", "SE45 5000 0000 0583 9825 7466",
	    "IBAN SE45 5000 0000 0583 9825 7466", "IBAN: SE4550000000058398257466",
	    "NO93 8601 1117 947", "DE89 3704 0044 0532 0130 00", "GB29NWBK60161331926819",
	    "FR1420041010050500013M02606", "NL91ABNA0417164300" },
	  { "SE4550000000058398257467", "SE1312345678901", "XX4550000000058398257466",
	    "SE0150000000058398250013", "NO93 8601 1117 948" } },
	{ "bankgiro",
	  VALIDATE_BANKGIRO_CANDIDATE_PATTERN,
	  validate_bankgiro,
	  { "555-1239", "5555-1238", "991-2346" },
	  { "555-1238", "5555-1239", "2026-11-23", "55512-39" } },
	{ "plusgiro",
	  VALIDATE_PLUSGIRO_CANDIDATE_PATTERN,
	  validate_plusgiro,
	  { "1234567-4", "4 12 34-6", "41234-6", "12 34 56-6" },
	  { "1234567-5", "4 12 34-5", "811218-9876", "5555-1238" } },
	{ "phone_se",
	  VALIDATE_PHONE_SE_CANDIDATE_PATTERN,
	  validate_phone_se,
	  { "070-123 45 67", "0701234567", "076 - 123 45 67", "08-12 34 56", "08-123 456 78",
	    "0480-12 34 56", "+46 (0)70-123 45 67", "+46701234567", "0046 8 123 45 67",
	    "+46(0)8 123 45 67", "031-123 45 67" },
	  { "071-123 45 67", "031-123 45", "070-123 45 6", "12 34 56", "+47 70 123 45 67" } },
	/* (the candidate pattern also finds "070.123.45.67", "08/465 004 20",
	 * "0 7 0 1 2 3 4 5 6 7": checked with the valid forms above) */
	{ "email",
	  VALIDATE_EMAIL_CANDIDATE_PATTERN,
	  validate_email,
	  { "anna@example.se", "anna.andersson@stockholm.se", "a.b-c_d+tag@mail.example.co.uk",
	    "O'Brien@example.com", "anna@räksmörgås.se", "björn@xn--rksmrgs-5wao1o.se" },
	  { "a@b", "foo@bar..se", "foo..bar@example.se", "anna@localhost", "foo@example.s",
	    "foo@example.123" } },
};

static const char *const contexts[][2] = {
	{ "", "" },
	{ "Mitt nummer är ", ", hör av er!" },
	{ "Skicka till (", ") tack." },
	{ "Hej!\n", "\nMvh Anna" },
	{ "Uppgift: ", "." },
	{ "Se ", " 😊 och svara snart" },
};

static void test_candidate_patterns_with_validators(void)
{
	for (size_t c = 0; c < sizeof(candidate_cases) / sizeof(candidate_cases[0]); c++) {
		const struct candidate_case *cc = &candidate_cases[c];
		struct finder f;
		if (finder_init(&f, cc->pattern, cc->fn) < 0)
			continue;
		for (size_t k = 0; k < sizeof(contexts) / sizeof(contexts[0]); k++) {
			char text[256], got[128], want[32];
			for (size_t i = 0; i < 12 && cc->valid[i]; i++) {
				snprintf(text, sizeof(text), "%s%s%s", contexts[k][0], cc->valid[i],
				         contexts[k][1]);
				int pre = (int)strlen(contexts[k][0]);
				snprintf(want, sizeof(want), "%d:%zu,", pre, strlen(cc->valid[i]));
				find_valid(&f, text, got, sizeof(got));
				if (strcmp(got, want) != 0)
					T_FAIL_("%s: in \"%s\": found \"%s\", expected \"%s\"",
					        cc->name, text, got, want);
			}
			for (size_t i = 0; i < 12 && cc->invalid[i]; i++) {
				snprintf(text, sizeof(text), "%s%s%s", contexts[k][0],
				         cc->invalid[i], contexts[k][1]);
				find_valid(&f, text, got, sizeof(got));
				if (got[0])
					T_FAIL_("%s: in \"%s\": found \"%s\"", cc->name, text, got);
			}
		}
		finder_free(&f);
	}
}

/* "+46 070..." is not a valid whole, but the domestic number inside it is,
 * and a phone number all the same: the rule finds that part. */
static void test_phone_pattern_finds_domestic_part_after_stray_46(void)
{
	struct finder f;
	char got[128];
	if (finder_init(&f, VALIDATE_PHONE_SE_CANDIDATE_PATTERN, validate_phone_se) < 0)
		return;
	T_EQ_INT(0, validate_phone_se("+46 070-123 45 67", 17));
	find_valid(&f, "Ring +46 070-123 45 67!", got, sizeof(got));
	T_EQ_STR("9:13,", got);
	finder_free(&f);
}

/* Rule authors copy the patterns from the documentation. */
static void test_documented_patterns_match_header(void)
{
	const char *src = getenv("VAKT_SRCDIR");
	char path[4096];
	snprintf(path, sizeof(path), "%s/docs/validators.md", src ? src : SRCDIR);
	FILE *f = fopen(path, "r");
	if (!f) {
		T_FAIL_("cannot open %s: %s", path, strerror(errno));
		return;
	}
	static char doc[65536];
	size_t n = fread(doc, 1, sizeof(doc) - 1, f);
	doc[n] = '\0';
	fclose(f);
	T_CONTAINS(doc, VALIDATE_PNR_CANDIDATE_PATTERN);
	T_CONTAINS(doc, VALIDATE_CARD_CANDIDATE_PATTERN);
	T_CONTAINS(doc, VALIDATE_IBAN_CANDIDATE_PATTERN);
	T_CONTAINS(doc, VALIDATE_BANKGIRO_CANDIDATE_PATTERN);
	T_CONTAINS(doc, VALIDATE_PLUSGIRO_CANDIDATE_PATTERN);
	T_CONTAINS(doc, VALIDATE_PHONE_SE_CANDIDATE_PATTERN);
	T_CONTAINS(doc, VALIDATE_EMAIL_CANDIDATE_PATTERN);
	for (const struct validator *val = validate_table; val->name; val++) {
		char heading[64];
		snprintf(heading, sizeof(heading), "## `%s`", val->name);
		T_CONTAINS(doc, heading);
	}
}

int main(void)
{
	/* pnr_parse() reads `today` in local time; pin the zone the daemon
	 * runs in so the tests mean the same day everywhere. */
	setenv("TZ", "Europe/Stockholm", 1);
	tzset();
	T_RUN(test_today_is_2026_11_23);
	T_RUN(test_luhn);
	T_RUN(test_pnr_every_written_form);
	T_RUN(test_pnr_century_rule);
	T_RUN(test_pnr_leap_years);
	T_RUN(test_pnr_twelve_digits_any_past_century);
	T_RUN(test_pnr_rejects_lookalikes);
	T_RUN(test_samordningsnummer);
	T_RUN(test_lookup);
	T_RUN(test_skatteverket_personnummer);
	T_RUN(test_skatteverket_samordningsnummer);
	T_RUN(test_found_in_sentences_personnummer);
	T_RUN(test_found_in_sentences_samordningsnummer);
	T_RUN(test_lookalikes_in_sentences_not_found);
	T_RUN(test_payment_card_valid);
	T_RUN(test_payment_card_invalid);
	T_RUN(test_iban_valid);
	T_RUN(test_iban_invalid);
	T_RUN(test_bankgiro);
	T_RUN(test_plusgiro);
	T_RUN(test_phone_se_valid);
	T_RUN(test_phone_se_invalid);
	T_RUN(test_email_valid);
	T_RUN(test_email_invalid);
	T_RUN(test_lookup_every_validator);
	T_RUN(test_candidate_patterns_with_validators);
	T_RUN(test_phone_pattern_finds_domestic_part_after_stray_46);
	T_RUN(test_documented_patterns_match_header);
	return t_done();
}
