/* The prefilter: literal extraction, Aho–Corasick, and the proof that it
 * never drops a match (PCRE2 stays the truth). */
#include "t.h"
#include "filter/aho.h"
#include "filter/engine.h"
#include "filter/prefilter.h"

#define PCRE2_CODE_UNIT_WIDTH 8
#include <pcre2.h>

#define DATA SRCDIR "/tests/unit/data/filter"

/* The extracted sets as "a|b & c" (as extracted), or "*" for always. */
static const char *lits(const char *pattern)
{
	static char buf[1024];
	struct lit_conj c;
	if (prefilter_extract(pattern, &c) < 0)
		return "ENOMEM";
	if (c.n == 0)
		return "*";
	buf[0] = '\0';
	for (size_t k = 0; k < c.n; k++) {
		if (k)
			strcat(buf, " & ");
		for (size_t i = 0; i < c.v[k].n; i++) {
			if (i)
				strcat(buf, "|");
			strcat(buf, c.v[k].v[i]);
		}
	}
	lit_conj_clear(&c);
	return buf;
}

static void test_extracts_required_literals(void)
{
	T_EQ_STR("hello", lits("hello"));
	T_EQ_STR("jag ska doda", lits("\\bjag ska doda\\b"));
	T_EQ_STR("jag|vi & ska|kommer & doda",
	         lits("\\b(jag|vi)\\s+(ska|kommer\\s+att?)\\s+doda\\s+(dig|er)\\b"));
	T_EQ_STR("jag|vi", lits("(jag|vi)\\s+\\w+"));
	T_EQ_STR("def", lits("(abc)?def"));
	T_EQ_STR("def", lits("(?=abc)def"));
	T_EQ_STR("ab & bc", lits("ab+c"));
	T_EQ_STR("xxx", lits("x{3}"));
	T_EQ_STR("a.b", lits("\\Qa.b\\E"));
	T_EQ_STR("hej", lits("(?x) h e j  # comment"));
	T_EQ_STR("abc", lits("a(?i)bc"));
	T_EQ_STR("abc", lits("ABC"));
	T_EQ_STR("doda", lits("(?:doda)+"));
	T_EQ_STR("http & :// & bit.ly|tinyurl.com",
	         lits("(?i)\\bhttps?://(bit\\.ly|tinyurl\\.com)/\\w+"));
	T_EQ_STR("x{a", lits("x{a"));
	/* small classes multiply the run's variants */
	T_EQ_STR("a|b|c", lits("[abc]"));
	T_EQ_STR("nig|n1g & er|3r", lits("n[i1]gg?[e3]r"));
	T_EQ_STR("xaybz|xaycz", lits("x[aA]y[bc]z"));
	T_EQ_STR(".abc|,abc", lits("[.,]abc"));
	T_EQ_STR("a & c", lits("(?i)a[bk]c"));
	T_EQ_STR("\xc3\xb6l", lits("\xc3\xb6l"));
}

static void test_gives_up_when_unsure(void)
{
	T_EQ_STR("*", lits("a|b*"));
	T_EQ_STR("*", lits("[a-c]"));
	T_EQ_STR("*", lits("[^a]"));
	T_EQ_STR("*", lits("(a)\\1"));
	T_EQ_STR("*", lits("(*UTF)abc"));
	T_EQ_STR("*", lits("(?(1)a|b)"));
	T_EQ_STR("*", lits("\\d+"));
	T_EQ_STR("*", lits(".*"));
	T_EQ_STR("*", lits("(?i)ks"));       /* K and s have non-ASCII case partners */
	T_EQ_STR("*", lits("(?i)\xc3\xb6")); /* so does every non-ASCII letter */
	T_EQ_STR("*", lits(""));
	T_EQ_STR("*", lits("a?"));
}

static void mark_seen(void *ctx, uint32_t id)
{
	((int *)ctx)[id]++;
}

static void test_aho_corasick_finds_all_literals(void)
{
	const char *lit[] = {"he",
	                     "she",
	                     "his",
	                     "hers",
	                     "d\xc3\xb6"
	                     "da",
	                     "a",
	                     "zz"};
	size_t len[7];
	uint32_t ids[7] = {0, 1, 2, 3, 4, 5, 6};
	for (int i = 0; i < 7; i++)
		len[i] = strlen(lit[i]);
	struct aho *a;
	T_EQ_INT(0, aho_build(lit, len, ids, 7, &a));
	uint32_t *stamp = calloc(aho_states(a), sizeof(uint32_t));
	int seen[7] = {0};
	const char *text = "uSHErs and SHE D\xc3\xb6"
	                   "DA";
	aho_scan(a, text, strlen(text), stamp, 1, mark_seen, seen);
	T_EQ_INT(1, seen[0]); /* reported once per scan */
	T_EQ_INT(1, seen[1]);
	T_EQ_INT(0, seen[2]);
	T_EQ_INT(1, seen[3]);
	T_EQ_INT(1, seen[4]); /* ASCII case-insensitive around the ö */
	T_EQ_INT(1, seen[5]);
	T_EQ_INT(0, seen[6]);
	memset(seen, 0, sizeof(seen));
	aho_scan(a, "zz", 2, stamp, 2, mark_seen, seen);
	T_EQ_INT(1, seen[6]);
	T_EQ_INT(0, seen[0]);
	free(stamp);
	aho_free(a);
}

static uint64_t rng = 0x9E3779B97F4A7C15u;

static unsigned rnd(unsigned n)
{
	rng ^= rng << 13;
	rng ^= rng >> 7;
	rng ^= rng << 17;
	return (unsigned)(rng % n);
}

static void gen_alt(char *out, size_t cap, int depth);

static void gen_atom(char *out, size_t cap, int depth)
{
	static const char *const leaves[] = {
	    "a",           "b",    "k",    "s",       "K",        "S",   "A",   "\xc3\xb6",
	    "\xc3\x96",    " ",    "\\.",  ".",       "[ab]",     "\\b", "\\s", "\\w",
	    "ab",          "ba",   "sk",   "\\x{e5}", "\\Qa.\\E", "$",   "^",   "[kK]",
	    "[s\xc3\xb6]", "[.a]", "[^a]", "[a-c]",   "[ \\.]",
	};
	static const char *const quant[] = {"",  "",    "",      "",      "?",  "*",
	                                    "+", "{2}", "{1,3}", "{0,2}", "+?", "{2,}"};
	char inner[512] = "";
	if (depth < 3 && rnd(4) == 0) {
		static const char *const open[] = {
		    "(", "(?:", "(?i:", "(?=", "(?!", "(?>", "(?<n>"};
		gen_alt(inner, sizeof(inner), depth + 1);
		snprintf(out + strlen(out), cap - strlen(out), "%s%s)%s", open[rnd(7)], inner,
		         quant[rnd(12)]);
		return;
	}
	if (rnd(12) == 0) {
		snprintf(out + strlen(out), cap - strlen(out), "(?i)");
		return;
	}
	snprintf(out + strlen(out), cap - strlen(out), "%s%s", leaves[rnd(29)], quant[rnd(12)]);
}

static void gen_alt(char *out, size_t cap, int depth)
{
	int nb = 1 + (rnd(3) == 0 ? (int)rnd(3) : 0);
	for (int b = 0; b < nb; b++) {
		if (b)
			snprintf(out + strlen(out), cap - strlen(out), "|");
		int na = 1 + (int)rnd(5);
		for (int i = 0; i < na; i++)
			gen_atom(out, cap, depth);
	}
}

static void gen_subject(char *out, size_t cap)
{
	static const char *const ch[] = {"a",
	                                 "b",
	                                 "k",
	                                 "s",
	                                 "K",
	                                 "S",
	                                 "A",
	                                 "B",
	                                 " ",
	                                 ".",
	                                 "\xc3\xb6",
	                                 "\xc3\x96",
	                                 "\xc5\xbf" /* long s */,
	                                 "\xe2\x84\xaa" /* kelvin */,
	                                 "\xc3\xa5",
	                                 "\xc3\x85"};
	int n = (int)rnd(14);
	out[0] = '\0';
	for (int i = 0; i < n; i++)
		snprintf(out + strlen(out), cap - strlen(out), "%s", ch[rnd(16)]);
}

/* Random patterns against random subjects: whenever PCRE2 matches, one of
 * the extracted literals occurs in the (ASCII-lowercased) subject. */
static void test_random_patterns_never_lose_a_match(void)
{
	pcre2_match_data *md = pcre2_match_data_create(16, NULL);
	int compiled = 0, with_lits = 0, matches = 0, violations = 0;
	for (int i = 0; i < 4000; i++) {
		char pat[2048] = "";
		int err;
		PCRE2_SIZE off;
		if (rnd(6) == 0)
			strcat(pat, rnd(2) ? "(?i)" : "(?x)");
		gen_alt(pat, sizeof(pat), 0);
		pcre2_code *code = pcre2_compile((PCRE2_SPTR)pat, PCRE2_ZERO_TERMINATED,
		                                 PCRE2_UTF | PCRE2_UCP, &err, &off, NULL);
		if (!code)
			continue;
		compiled++;
		struct lit_conj ls;
		T_EQ_INT(0, prefilter_extract(pat, &ls));
		if (ls.n)
			with_lits++;
		for (int k = 0; k < 60 && ls.n; k++) {
			char subj[128], low[128];
			gen_subject(subj, sizeof(subj));
			if (pcre2_match(code, (PCRE2_SPTR)subj, strlen(subj), 0, 0, md, NULL) < 0)
				continue;
			matches++;
			for (size_t q = 0; q <= strlen(subj); q++)
				low[q] = (char)(subj[q] >= 'A' && subj[q] <= 'Z' ? subj[q] | 0x20
				                                                 : subj[q]);
			/* every set must have a literal in the subject */
			for (size_t c = 0; c < ls.n; c++) {
				int found = 0;
				for (size_t l = 0; l < ls.v[c].n && !found; l++)
					found = strstr(low, ls.v[c].v[l]) != NULL;
				if (!found && violations++ < 10)
					T_FAIL_(
					    "pattern /%s/ matches \"%s\" but no literal of set %zu "
					    "(%s...) occurs",
					    pat, subj, c, ls.v[c].v[0]);
			}
		}
		lit_conj_clear(&ls);
		pcre2_code_free(code);
	}
	printf("# %d patterns compiled, %d with literals, %d matches checked\n", compiled,
	       with_lits, matches);
	T_ASSERT(with_lits > 500);
	T_ASSERT(matches > 1000);
	T_EQ_INT(0, violations);
	pcre2_match_data_free(md);
}

static int same_verdict(struct filter_engine *e, const char *s, size_t len)
{
	struct filter_verdict *a = NULL, *b = NULL;
	char *ja = NULL, *jb = NULL;
	int same = 0;
	if (filter_engine_scan(e, s, len, FILTER_SCAN_INCLUDE_EXPIRED, &a) == 0 &&
	    filter_engine_scan(e, s, len, FILTER_SCAN_INCLUDE_EXPIRED | FILTER_SCAN_NO_PREFILTER,
	                       &b) == 0) {
		cJSON *x = filter_verdict_to_json(a), *y = filter_verdict_to_json(b);
		ja = cJSON_PrintUnformatted(x);
		jb = cJSON_PrintUnformatted(y);
		same = ja && jb && strcmp(ja, jb) == 0;
		if (!same)
			printf("# differs for \"%.*s\":\n#  with    %s\n#  without %s\n", (int)len,
			       s, ja, jb);
		cJSON_Delete(x);
		cJSON_Delete(y);
	}
	free(ja);
	free(jb);
	filter_verdict_free(a);
	filter_verdict_free(b);
	return same;
}

/* The engine gives the same verdict with and without the prefilter, on
 * every example and on a random corpus. */
static void test_engine_same_verdicts_with_and_without_prefilter(void)
{
	struct filter_engine *e = NULL;
	struct diag_list errs = {0}, warns = {0};
	T_EQ_INT(0, filter_engine_load(DATA "/good", NULL, &e, &errs, &warns));
	diag_list_clear(&errs);
	diag_list_clear(&warns);
	if (!e)
		return;
	size_t checked = 0, hits = 0;
	for (size_t i = 0; i < filter_engine_rule_count(e); i++) {
		const struct filter_rule *r = filter_engine_rule(e, i);
		for (size_t k = 0; k < r->nmatches; k++, checked++)
			T_ASSERT(same_verdict(e, r->matches[k].text, strlen(r->matches[k].text)));
		for (size_t k = 0; k < r->nnomatches; k++, checked++)
			T_ASSERT(
			    same_verdict(e, r->nomatches[k].text, strlen(r->nomatches[k].text)));
	}
	static const char *const words[] = {
	    "jag",
	    "JAG",
	    "ska",
	    "sk4",
	    "döda",
	    "d ö d a",
	    "d0da",
	    "dööööda",
	    "dig",
	    "er",
	    "vi",
	    "kommer",
	    "att",
	    "din",
	    "idiot",
	    "id10t",
	    "pucko",
	    "spränga",
	    "stadshuset",
	    "gratis",
	    "iphone",
	    "https://bit.ly/x1",
	    "HTTP://TINYURL.COM/y",
	    "när",
	    "öppnar",
	    "öppettider",
	    "?",
	    "19811218-9876",
	    "811218-9876",
	    "070-123 45 67",
	    "+46 70 123 45 67",
	    "hej",
	    "och",
	    "tid",
	    "\"",
	    ",",
	    ".",
	    "\xe2\x80\x8b",
	    "\xff",
	    "kön",
	    "biblioteket",
	};
	for (int n = 0; n < 3000; n++) {
		char buf[512] = "";
		int nw = 1 + (int)rnd(10);
		for (int w = 0; w < nw; w++) {
			strcat(buf, words[rnd(sizeof(words) / sizeof(words[0]))]);
			strcat(buf, rnd(5) ? " " : "");
		}
		T_ASSERT(same_verdict(e, buf, strlen(buf)));
		struct filter_verdict *v;
		if (filter_engine_scan(e, buf, strlen(buf), 0, &v) == 0) {
			hits += v->nhits > 0;
			filter_verdict_free(v);
		}
		checked++;
	}
	printf("# %zu texts compared, %zu of the random ones with hits\n", checked, hits);
	T_ASSERT(hits > 300);
	filter_engine_free(e);
}

int main(void)
{
	T_RUN(test_extracts_required_literals);
	T_RUN(test_gives_up_when_unsure);
	T_RUN(test_aho_corasick_finds_all_literals);
	T_RUN(test_random_patterns_never_lose_a_match);
	T_RUN(test_engine_same_verdicts_with_and_without_prefilter);
	return t_done();
}
