/* Required literals of trie-shaped groups (lexicons) and of optional
 * suffixes, and sets without literals that contain one another. */
#include "t.h"
#include "filter/prefilter.h"
#include "filter/setmap.h"

#define PCRE2_CODE_UNIT_WIDTH 8
#include <pcre2.h>

/* The sets of pattern as "lit lit|lit lit" (each set's literals sorted). */
static int cmp_str(const void *a, const void *b)
{
	return strcmp(*(char *const *)a, *(char *const *)b);
}

static char *sets_of(const char *pattern, unsigned flags)
{
	struct lit_conj c;
	static char buf[8192];
	size_t len = 0;
	buf[0] = '\0';
	if (prefilter_extract_opts(pattern, flags, &c) < 0)
		return NULL;
	for (size_t s = 0; s < c.n; s++) {
		qsort(c.v[s].v, c.v[s].n, sizeof(*c.v[s].v), cmp_str);
		for (size_t l = 0; l < c.v[s].n; l++)
			len += (size_t)snprintf(buf + len, sizeof(buf) - len, "%s%s",
			                        l ? "," : (s ? "|" : ""), c.v[s].v[l]);
	}
	lit_conj_clear(&c);
	return buf;
}

static void test_optional_suffix_keeps_the_word(void)
{
	T_EQ_STR("addict", sets_of("addict(?:ed)?", 0));
	T_EQ_STR("bulimi", sets_of("\\bbulimi(?:a)?\\b", 0));
	/* the word before the optional part is what is required */
	T_EQ_STR("bipolar", sets_of("bipolar(?:\\s+(?:disorder|sjukdom))?", PREFILTER_NORMALIZED));
}

static void test_lexicon_trie_gives_whole_words(void)
{
	/* as lexicon.c writes a word list: the first letters are kept */
	T_EQ_STR("addict,adhd,aids,bulimi,burnout",
	         sets_of("(?:a(?:d(?:dict(?:ed)?|hd)|ids)|b(?:u(?:limi(?:a)?|rnout)))", 0));
}

static void test_set_drops_literals_containing_another(void)
{
	/* "ska fan" holds "ska": requiring "ska" is the same */
	T_EQ_STR(" ska ", sets_of("\\s+(?:ska|ska\\s+fan)\\s+", PREFILTER_NORMALIZED));
	T_EQ_STR("huset", sets_of("(?:stadshuset|huset|kommunhuset)", 0));
}

/* A masked lexicon has about three literals a word: 300 words are past
 * the old limit of 256 literals, which made the set "always" and left the
 * pattern gated by its common words only.  The words are kept now; past
 * PREFILTER_MAX_LITS the set still gives up. */
static char *word_alternation(size_t n)
{
	char *p = malloc(n * 8 + 64);
	if (!p)
		abort();
	size_t len = (size_t)sprintf(p, "\\b(?:");
	for (size_t i = 0; i < n; i++) /* "xaaa", "xaab", ...: distinct words */
		len += (size_t)sprintf(p + len, "%sx%c%c%c", i ? "|" : "",
		                       'a' + (int)(i / 676 % 26), 'a' + (int)(i / 26 % 26),
		                       'a' + (int)(i % 26));
	sprintf(p + len, ")\\s+ar\\b");
	return p;
}

static void test_large_word_set_is_kept(void)
{
	char *p = word_alternation(600);
	struct lit_conj c;
	T_EQ_INT(0, prefilter_extract_opts(p, PREFILTER_NORMALIZED, &c));
	size_t words = 0;
	for (size_t s = 0; s < c.n; s++)
		if (c.v[s].n == 600)
			words++;
	T_EQ_INT(1, words); /* the 600 words, not "always" */
	lit_conj_clear(&c);
	free(p);

	p = word_alternation(PREFILTER_MAX_LITS + 1);
	T_EQ_INT(0, prefilter_extract_opts(p, PREFILTER_NORMALIZED, &c));
	for (size_t s = 0; s < c.n; s++)
		T_ASSERT(c.v[s].n <= 2); /* only " ar" is left */
	lit_conj_clear(&c);
	free(p);
}

/* Sound: wherever PCRE2 matches, every set has a literal in the text. */
static void test_sets_hold_where_pattern_matches(void)
{
	static const struct {
		const char *pattern, *text;
	} cases[] = {
		{ "(?:a(?:d(?:dict(?:ed)?|hd)|ids)|b(?:u(?:limi(?:a)?|rnout)))", "he is addicted" },
		{ "(?:a(?:d(?:dict(?:ed)?|hd)|ids)|b(?:u(?:limi(?:a)?|rnout)))", "has bulimia" },
		{ "x(?:ab(?:c)?)?y", "xy" },
		{ "x(?:ab(?:c)?)?y", "xaby" },
		{ "x(?:ab(?:c)?)?y", "xabcy" },
		{ "kommer(?:\\s+(?:att|a))?\\s+do", "kommer att do" },
		{ "kommer(?:\\s+(?:att|a))?\\s+do", "kommer do" },
	};
	for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		int err;
		PCRE2_SIZE off;
		pcre2_code *code =
		        pcre2_compile((PCRE2_SPTR)cases[i].pattern, PCRE2_ZERO_TERMINATED,
		                      PCRE2_UTF | PCRE2_CASELESS, &err, &off, NULL);
		T_ASSERT(code != NULL);
		if (!code)
			continue;
		pcre2_match_data *md = pcre2_match_data_create_from_pattern(code, NULL);
		T_ASSERT(pcre2_match(code, (PCRE2_SPTR)cases[i].text, PCRE2_ZERO_TERMINATED, 0, 0,
		                     md, NULL) >= 0);
		struct lit_conj c;
		T_EQ_INT(0, prefilter_extract_opts(cases[i].pattern, 0, &c));
		for (size_t s = 0; s < c.n; s++) {
			int found = 0;
			for (size_t l = 0; l < c.v[s].n && !found; l++)
				found = strstr(cases[i].text, c.v[s].v[l]) != NULL;
			if (!found)
				printf("# %s: set %zu not in \"%s\"\n", cases[i].pattern, s,
				       cases[i].text);
			T_ASSERT(found);
		}
		lit_conj_clear(&c);
		pcre2_match_data_free(md);
		pcre2_code_free(code);
	}
}

/* Equal literal sets get one automaton id, whatever their order; another
 * input kind or another literal makes another set; ids stay put while the
 * map grows. */
static void test_equal_sets_share_an_id(void)
{
	char *ab[] = { "jag ", "vi " }, *ba[] = { "vi ", "jag " },
	     *abc[] = { "jag ", "vi ", "ni " };
	struct lit_set s1 = { 0, ab, 2 }, s2 = { 0, ba, 2 }, s3 = { 0, abc, 3 };
	struct set_map *m = set_map_new();
	uint32_t id, id2;
	int fresh;
	T_ASSERT(m != NULL);
	T_EQ_INT(0, set_map_id(m, 0, &s1, &id, &fresh));
	T_EQ_INT(1, fresh);
	T_EQ_INT(0, set_map_id(m, 0, &s2, &id2, &fresh));
	T_EQ_INT(0, fresh);
	T_EQ_INT((int)id, (int)id2);
	T_EQ_INT(0, set_map_id(m, 1, &s1, &id2, &fresh));
	T_EQ_INT(1, fresh);
	T_ASSERT(id2 != id);
	T_EQ_INT(0, set_map_id(m, 0, &s3, &id2, &fresh));
	T_EQ_INT(1, fresh);
	T_EQ_INT(3, (int)set_map_count(m));
	for (int i = 0; i < 2000; i++) {
		char w[16], *v[] = { w };
		struct lit_set one = { 0, v, 1 };
		snprintf(w, sizeof(w), "w%d", i);
		T_EQ_INT(0, set_map_id(m, 0, &one, &id2, &fresh));
		T_EQ_INT(1, fresh);
		T_EQ_INT(3 + i, (int)id2);
	}
	T_EQ_INT(0, set_map_id(m, 0, &s2, &id2, &fresh));
	T_EQ_INT(0, fresh);
	T_EQ_INT((int)id, (int)id2);
	set_map_free(m);
}

int main(void)
{
	T_RUN(test_optional_suffix_keeps_the_word);
	T_RUN(test_lexicon_trie_gives_whole_words);
	T_RUN(test_set_drops_literals_containing_another);
	T_RUN(test_large_word_set_is_kept);
	T_RUN(test_sets_hold_where_pattern_matches);
	T_RUN(test_equal_sets_share_an_id);
	return t_done();
}
