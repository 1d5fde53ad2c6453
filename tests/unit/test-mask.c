/* Masking personal data in the original text. */
#include "t.h"
#include "filter/mask.h"
#include "util/clock.h"

static char *masked(const char *text, size_t s, size_t e)
{
	static char buf[512];
	struct filter_span sp = { s, e };
	char *out;
	size_t n;
	if (mask_text(text, strlen(text), &sp, 1, clock_now(), &out, &n) < 0)
		return NULL;
	snprintf(buf, sizeof(buf), "%s", out);
	free(out);
	return buf;
}

/* Mask the whole text as one span. */
static char *all(const char *text)
{
	return masked(text, 0, strlen(text));
}

static void test_personnummer_keeps_the_date(void)
{
	T_EQ_STR("19811218-****", all("19811218-9876"));
	T_EQ_STR("811218-****", all("811218-9876"));
	T_EQ_STR("811218+****", all("811218+9876"));
	T_EQ_STR("19811218****", all("198112189876"));
	T_EQ_STR("121212 ****", all("121212 1212"));
	/* inside a larger span only the number's last four go */
	T_EQ_STR("pnr: 811218-****", all("pnr: 811218-9876"));
	/* a samordningsnummer (day + 60) */
	T_EQ_STR("811278-****", all("811278-9873"));
}

static void test_other_data_masks_letters_and_digits(void)
{
	T_EQ_STR("****@*******.**", all("anna@exempel.se"));
	T_EQ_STR("811218-9875", masked("811218-9875", 0, 0)); /* empty span */
	T_EQ_STR("***-****", all("811-9875"));                /* not a pnr */
	T_EQ_STR("*** ** **!", all("Åsa är 42!"));            /* one '*' per character */
}

static void test_phone_keeps_its_prefix(void)
{
	T_EQ_STR("070-*** ** **", all("070-123 45 67"));
	T_EQ_STR("08-*** *** **", all("08-508 290 00"));
	T_EQ_STR("+46 ** *** ** **", all("+46 70 123 45 67"));
	T_EQ_STR("070*******", all("0701234567"));
}

static void test_spans_overlap_and_are_clipped(void)
{
	const char *t = "ring 070-123 45 67 eller mejla a@b.se";
	struct filter_span sp[] = { { 5, 18 }, { 10, 14 }, { 31, 37 }, { 36, 1000 } };
	char *out;
	size_t n;
	T_EQ_INT(0, mask_text(t, strlen(t), sp, 4, clock_now(), &out, &n));
	T_EQ_STR("ring 070-*** ** ** eller mejla *@*.**", out);
	T_EQ_INT(2, n);
	free(out);
}

int main(void)
{
	T_RUN(test_personnummer_keeps_the_date);
	T_RUN(test_other_data_masks_letters_and_digits);
	T_RUN(test_phone_keeps_its_prefix);
	T_RUN(test_spans_overlap_and_are_clipped);
	return t_done();
}
