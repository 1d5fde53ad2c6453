/* The prefilter: literal extraction, Aho–Corasick, and the proof that it
 * never drops a match (PCRE2 stays the truth). */
#include <ctype.h>

#include "t.h"
#include "trounds.h"
#include "filter/aho.h"
#include "filter/engine.h"
#include "filter/normalize.h"
#include "filter/utf8.h"
#include "filter/prefilter.h"
#include "filter/reach.h"

#define PCRE2_CODE_UNIT_WIDTH 8
#include <pcre2.h>

#define DATA SRCDIR "/tests/unit/data/filter"

/* The extracted sets as "a|b & c" (as extracted), or "*" for always. */
static const char *lits_opts(const char *pattern, unsigned flags)
{
	static char buf[1024];
	struct lit_conj c;
	if (prefilter_extract_opts(pattern, flags, &c) < 0)
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

static const char *lits(const char *pattern)
{
	return lits_opts(pattern, 0);
}

/* On normalised text \s is the one space between words. */
static void test_extracts_spaces_on_normalized_text(void)
{
	const unsigned n = PREFILTER_NORMALIZED;
	T_EQ_STR("kan man", lits_opts("\\bkan\\s+man\\b", n));
	T_EQ_STR("jag |vi  & ska|kommer at &  doda",
	         lits_opts("\\b(?:jag|vi)\\s+(?:ska|kommer\\s+att?)\\s+doda", n));
	T_EQ_STR("a b", lits_opts("a {1,3}b", n));
	T_EQ_STR("a b", lits_opts("a[ ]+?b", n));
	T_EQ_STR("ab & cd", lits_opts("ab\\s*cd", n)); /* zero or one space */
	T_EQ_STR("ab & cd", lits_opts("ab\\S+cd", n));
	/* a group of plain strings joins the run around it */
	T_EQ_STR("kan man|ska man|far man", lits_opts("(?:kan|ska|far)\\s+man\\b", n));
	T_EQ_STR("xjag yz|xvi yz", lits_opts("x(?:jag|(vi))\\s+yz", n));
	T_EQ_STR("jag|vi & yz", lits_opts("x?(?:jag|vi)+\\s*yz", n));
	T_EQ_STR(" yz", lits_opts("(?:jag|v\\w)\\syz", n));
	T_EQ_STR("ab & cd", lits("ab\\s+cd")); /* raw text: any white space */
}

/* Of several requirements the rarest is kept: a longer literal, but not a
 * common word; sets in nearly every comment go once a rare one is known. */
static void test_prefers_rare_literals(void)
{
	T_EQ_STR("xq|zzzz", lits("(?:(jag)\\w(xq)|zzzz)"));
	T_EQ_STR("kolera|zzzz", lits("(?:(kolera)\\w(xq)|zzzz)"));
	/* a punctuation mark is rarer than a letter */
	T_EQ_STR("kolera & :|=", lits("kolera\\w[:=]"));
	T_EQ_STR("kolera & :|= & ab", lits("kolera\\w[:=]\\wab"));
	T_EQ_STR("ab & :", lits("ab\\w:"));
	/* a set with a letter or a space alone goes when a rare one is kept */
	T_EQ_STR(":", lits("a\\w:"));
	T_EQ_STR("kolera", lits("kolera\\w[ae]"));
	T_EQ_STR("kolera", lits_opts("kolera\\w\\s", PREFILTER_NORMALIZED));
	T_EQ_STR("a & b", lits("a\\wb")); /* nothing rarer: kept */
}

static void test_extracts_required_literals(void)
{
	T_EQ_STR("hello", lits("hello"));
	T_EQ_STR("jag ska doda", lits("\\bjag ska doda\\b"));
	T_EQ_STR("jag|vi & ska|kommer & doda",
	         lits("\\b(jag|vi)\\s+(ska|kommer\\s+att?)\\s+doda\\s+(dig|er)\\b"));
	T_EQ_STR("jag|vi", lits("(jag|vi)\\s+\\w+"));
	T_EQ_STR("def", lits("(abc)?def"));
	T_EQ_STR("abc & def", lits("(?=abc)def"));
	T_EQ_STR("ab & bc", lits("ab+c"));
	T_EQ_STR("xxx", lits("x{3}"));
	T_EQ_STR("a.b", lits("\\Qa.b\\E"));
	T_EQ_STR("hej", lits("(?x) h e j  # comment"));
	T_EQ_STR("abc", lits("a(?i)bc"));
	T_EQ_STR("abc", lits("ABC"));
	T_EQ_STR("doda", lits("(?:doda)+"));
	T_EQ_STR("http & ://bit.ly/|://tinyurl.com/",
	         lits("(?i)\\bhttps?://(bit\\.ly|tinyurl\\.com)/\\w+"));
	T_EQ_STR("x{a", lits("x{a"));
	/* small classes multiply the run's variants */
	T_EQ_STR("a|b|c", lits("[abc]"));
	T_EQ_STR("nig|n1g & er|3r", lits("n[i1]gg?[e3]r"));
	T_EQ_STR("xaybz|xaycz", lits("x[aA]y[bc]z"));
	T_EQ_STR(".abc|,abc", lits("[.,]abc"));
	/* (?i): every character PCRE2 matches, KELVIN SIGN for k, Ö for ö */
	T_EQ_STR("abc|akc|a\xe2\x84\xaa"
	         "c",
	         lits("(?i)a[bk]c"));
	T_EQ_STR("ks|\xe2\x84\xaas|k\xc5\xbf|\xe2\x84\xaa\xc5\xbf", lits("(?i)ks"));
	T_EQ_STR("\xc3\xb6|\xc3\x96", lits("(?i)\xc3\xb6"));
	T_EQ_STR("l\xc3\xa5s|l\xc3\x85s|l\xe2\x84\xabs|l\xc3\xa5\xc5\xbf|l\xc3\x85\xc5\xbf|"
	         "l\xe2\x84\xab\xc5\xbf",
	         lits("(?i)l\xc3\xa5s"));
	/* a backreference matches something: it breaks the run */
	T_EQ_STR("ab & cd", lits("(ab)\\1cd"));
	T_EQ_STR("ab & cd", lits("(ab)\\12cd"));
	T_EQ_STR("ax|bx|cx", lits("[a-c]x"));
	/* positive lookarounds: what they match is in the subject too */
	T_EQ_STR("bitcoin & vinst", lits("^(?=.*\\bbitcoin\\b)(?=.*\\bvinst\\b).*"));
	T_EQ_STR("def", lits("(?!abc)def"));
	/* a comment is invisible: runs go on across it, and a quantifier after
	 * it applies to the item before it */
	T_EQ_STR("ab", lits("a(?#x)b"));
	T_EQ_STR("*", lits("(?<=b)(?#c)*"));
	T_EQ_STR("a", lits("ab(?#c)?"));
	T_EQ_STR("\xc3\xb6l", lits("\xc3\xb6l"));
	/* (*SKIP) and its kin match nothing: the run goes on across them */
	T_EQ_STR("abc", lits("ab(*SKIP)c"));
	T_EQ_STR("abc", lits("(*PRUNE)a(*COMMIT)b(*THEN)c"));
	T_EQ_STR("xy & ab", lits("(?:xy|xy(*SKIP)z)[^a]ab"));
}

static void test_gives_up_when_unsure(void)
{
	T_EQ_STR("*", lits("a|b*"));
	T_EQ_STR("*", lits("[a-z]"));
	T_EQ_STR("*", lits("[^a]"));
	T_EQ_STR("*", lits("(a)?\\1"));
	T_EQ_STR("*", lits("\\0"));
	T_EQ_STR("*", lits("(*UTF)abc"));
	T_EQ_STR("*", lits("a(*ACCEPT)bc")); /* the match may end there */
	T_EQ_STR("*", lits("(*MARK:m)abc"));
	T_EQ_STR("*", lits("(?(1)a|b)"));
	T_EQ_STR("*", lits("\\d+"));
	T_EQ_STR("*", lits(".*"));
	T_EQ_STR("*", lits("(?i)\xce\xbb")); /* case partners outside the table */
	T_EQ_STR("*", lits("(?i)\\x{1f3}"));
	T_EQ_STR("*", lits("\\s+")); /* white space of raw text is unknown */
	T_EQ_STR("*", lits(""));
	T_EQ_STR("*", lits("a?"));
}

static void mark_seen(const uint32_t *ids, size_t n, int *seen)
{
	for (size_t i = 0; i < n; i++)
		seen[ids[i]]++;
}

static void test_aho_corasick_finds_all_literals(void)
{
	const char *lit[] = { "he", "she", "his", "hers", "d\xc3\xb6\x64\x61", "a", "zz" };
	size_t len[7];
	uint32_t ids[7] = { 0, 1, 2, 3, 4, 5, 6 };
	for (int i = 0; i < 7; i++)
		len[i] = strlen(lit[i]);
	struct aho *a;
	T_EQ_INT(0, aho_build(lit, len, ids, 7, &a));
	uint32_t *stamp = calloc(aho_states(a), sizeof(uint32_t));
	uint32_t out[7];
	int seen[7] = { 0 };
	T_EQ_INT(7, (int)aho_outputs(a));
	const char *text = "uSHErs and SHE D\xc3\xb6"
	                   "DA";
	mark_seen(out, aho_scan(a, text, strlen(text), stamp, 1, out), seen);
	T_EQ_INT(1, seen[0]); /* reported once per scan */
	T_EQ_INT(1, seen[1]);
	T_EQ_INT(0, seen[2]);
	T_EQ_INT(1, seen[3]);
	T_EQ_INT(1, seen[4]); /* ASCII case-insensitive around the ö */
	T_EQ_INT(1, seen[5]);
	T_EQ_INT(0, seen[6]);
	memset(seen, 0, sizeof(seen));
	mark_seen(out, aho_scan(a, "zz", 2, stamp, 2, out), seen);
	T_EQ_INT(1, seen[6]);
	T_EQ_INT(0, seen[0]);
	free(stamp);
	aho_free(a);
}

static uint64_t rng = 0x9E3779B97F4A7C15u;

/* Random rounds: the full count in the plain build, a quarter under
 * AddressSanitizer (trounds.h); each round checks the same property,
 * and the floors that show a run saw enough (patterns with literals,
 * matches checked, texts with hits) shrink with the count. */
#define ROUNDS(n) T_ROUNDS((n), (n) / 4)

/* More than 65536 states (most of them sparse, with numbers above 16
 * bits).  Every literal written into the text is reported, and every
 * report is a literal of the text. */
static void test_aho_corasick_large_automaton(void)
{
	enum { N = 12000, L = 9 };
	char *buf = malloc((size_t)N * (L + 1));
	const char **lit = malloc(N * sizeof(*lit));
	size_t *len = malloc(N * sizeof(*len));
	uint32_t *ids = malloc(N * sizeof(*ids));
	uint32_t x = 2463534242u; /* its own generator: the fuzz seeds stay */
	for (size_t i = 0; i < N; i++) {
		char *w = buf + i * (L + 1);
		for (size_t k = 0; k < L; k++) {
			x ^= x << 13;
			x ^= x >> 17;
			x ^= x << 5;
			w[k] = (char)('a' + x % 26);
		}
		w[L] = '\0';
		lit[i] = w;
		len[i] = L;
		ids[i] = (uint32_t)i;
	}
	struct aho *a;
	T_EQ_INT(0, aho_build(lit, len, ids, N, &a));
	T_ASSERT(aho_states(a) > 65536);
	uint32_t *stamp = calloc(aho_states(a), sizeof(uint32_t));
	uint32_t *out = malloc(aho_outputs(a) * sizeof(uint32_t));
	char text[200] = "";
	for (size_t i = 0; i < 10; i++) {
		strcat(text, lit[i * 997]);
		strcat(text, i % 2 ? " " : "-");
	}
	size_t n = aho_scan(a, text, strlen(text), stamp, 1, out);
	int found = 0, bad = 0;
	for (size_t i = 0; i < n; i++) {
		found += out[i] % 997 == 0 && out[i] / 997 < 10;
		bad += strstr(text, lit[out[i]]) == NULL;
	}
	T_EQ_INT(10, found);
	T_EQ_INT(0, bad);
	free(out);
	free(stamp);
	aho_free(a);
	free(ids);
	free(len);
	free(lit);
	free(buf);
}

/* N made-up words of MIN to MIN+SPAN-1 letters, each in its L+1 bytes of
 * BUF, from a xorshift generator in *X: twelve letters only, so that many
 * share prefixes (deep automata). */
static void random_words(char *buf, size_t L, size_t n, size_t min, size_t span, uint32_t *x,
                         const char **lit, size_t *len)
{
	for (size_t i = 0; i < n; i++) {
		char *w = buf + i * (L + 1);
		len[i] = min + (*x % span);
		for (size_t k = 0; k < len[i]; k++) {
			*x ^= *x << 13;
			*x ^= *x >> 17;
			*x ^= *x << 5;
			w[k] = (char)('a' + *x % 12);
		}
		w[len[i]] = '\0';
		lit[i] = w;
	}
}

/* The deeper states keep only their trie edges and a failure link: on
 * random texts made of pieces of the literals, a scan of a large
 * automaton reports exactly the literals strstr() finds (test-aho.c
 * checks every layout on smaller ones). */
static void test_aho_corasick_sparse_states_exact(void)
{
	enum { N = 20000, L = 10, TEXTS = 100 };
	char *buf = malloc((size_t)N * (L + 1));
	const char **lit = malloc(N * sizeof(*lit));
	size_t *len = malloc(N * sizeof(*len));
	uint32_t *ids = malloc(N * sizeof(*ids));
	uint32_t x = 88172645u;
	random_words(buf, L, N, 6, 4, &x, lit, len);
	for (size_t i = 0; i < N; i++)
		ids[i] = (uint32_t)i;
	struct aho *a;
	T_EQ_INT(0, aho_build(lit, len, ids, N, &a));
	T_ASSERT(aho_states(a) > 65536);
	uint32_t *stamp = calloc(aho_states(a), sizeof(uint32_t));
	uint32_t *out = malloc(aho_outputs(a) * sizeof(uint32_t));
	char *seen = calloc(N, 1);
	int wrong = 0;
	for (uint32_t t = 1; t <= TEXTS; t++) {
		char text[400] = "";
		size_t tl = 0;
		while (tl < 300) { /* pieces of literals, some cut short */
			x ^= x << 13;
			x ^= x >> 17;
			x ^= x << 5;
			const char *w = lit[x % N];
			size_t l = strlen(w) - (x >> 8) % 3;
			memcpy(text + tl, w, l);
			tl += l;
			if ((x >> 12) % 4 == 0)
				text[tl++] = (x >> 16) % 2 ? 'Q' : 'F'; /* a class and no class */
		}
		text[tl] = '\0';
		memset(seen, 0, N);
		size_t n = aho_scan(a, text, tl, stamp, t, out);
		for (size_t i = 0; i < n; i++)
			seen[out[i]] = 1;
		char low[400];
		for (size_t k = 0; k <= tl; k++)
			low[k] =
			        (char)(text[k] >= 'A' && text[k] <= 'Z' ? text[k] | 0x20 : text[k]);
		for (size_t i = 0; i < N; i++)
			wrong += seen[i] != (strstr(low, lit[i]) != NULL);
	}
	T_EQ_INT(0, wrong);
	free(seen);
	free(out);
	free(stamp);
	aho_free(a);
	free(ids);
	free(len);
	free(lit);
	free(buf);
}

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
		"a",           "b",         "k",        "s",       "K",         "S",
		"A",           "\xc3\xb6",  "\xc3\x96", " ",       "\\.",       ".",
		"[ab]",        "\\b",       "\\s",      "\\w",     "ab",        "ba",
		"sk",          "\\x{e5}",   "\\Qa.\\E", "$",       "^",         "[kK]",
		"[s\xc3\xb6]", "[.a]",      "[^a]",     "[a-c]",   "[ \\.]",    "[A-C]",
		"[a-]",        "[0-9]",     "(?=a)",    "(?<=b)",  "\\x41",     "(?#c)",
		"\\Qk\\E",     "(?-i)",     "a{,2}",    "{",       "\\N",       "\\R",
		"#c\n",        "\\ ",       "(?^)",     "(?|a|b)", "\\x{212a}", "\xc3\xa5",
		"\\x{c5}",     "\\x{212b}", "(a)\\1",   "\\s",
	};
	static const char *const quant[] = { "",  "",    "",      "",      "?",  "*",
		                             "+", "{2}", "{1,3}", "{0,2}", "+?", "{2,}" };
	char inner[512] = "";
	if (depth < 3 && rnd(4) == 0) {
		static const char *const open[] = { "(",   "(?:",   "(?i:", "(?=", "(?!",
			                            "(?>", "(?<n>", "(?<=", "(?<!" };
		gen_alt(inner, sizeof(inner), depth + 1);
		snprintf(out + strlen(out), cap - strlen(out), "%s%s)%s",
		         open[rnd(sizeof(open) / sizeof(open[0]))], inner, quant[rnd(12)]);
		return;
	}
	if (rnd(12) == 0) {
		snprintf(out + strlen(out), cap - strlen(out), "(?i)");
		return;
	}
	snprintf(out + strlen(out), cap - strlen(out), "%s%s",
	         leaves[rnd(sizeof(leaves) / sizeof(leaves[0]))], quant[rnd(12)]);
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

/* subj, normalised in place (the engine's text for PREFILTER_NORMALIZED
 * patterns); -1 when normalisation fails */
static int normalize_in_place(char *subj, size_t size)
{
	struct norm_text nt;
	if (normalize_text(subj, strlen(subj), &nt) < 0)
		return -1;
	snprintf(subj, size, "%s", nt.s);
	norm_text_free(&nt);
	return 0;
}

/* low: subj[0..len] (its NUL too) with ASCII capitals lowered */
static void lower_ascii(char *low, const char *subj, size_t len)
{
	for (size_t q = 0; q <= len; q++)
		low[q] = (char)(subj[q] >= 'A' && subj[q] <= 'Z' ? subj[q] | 0x20 : subj[q]);
}

static void gen_subject(char *out, size_t cap)
{
	static const char *const ch[] = { "1",
		                          "-",
		                          "a",
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
		                          "\xc3\x85",
		                          "\xe2\x84\xab" /* angstrom */,
		                          "\t",
		                          "  ",
		                          "\xc2\xa0" /* no-break space */ };
	int n = (int)rnd(14);
	out[0] = '\0';
	for (int i = 0; i < n; i++)
		snprintf(out + strlen(out), cap - strlen(out), "%s",
		         ch[rnd(sizeof(ch) / sizeof(ch[0]))]);
}

/* Random patterns against random subjects: whenever PCRE2 matches, one of
 * the extracted literals occurs in the (ASCII-lowercased) subject.  With
 * PREFILTER_NORMALIZED the subjects are normalize_text() output. */
static void random_patterns(unsigned flags)
{
	pcre2_match_data *md = pcre2_match_data_create(16, NULL);
	int compiled = 0, with_lits = 0, matches = 0, violations = 0;
	/* PREFILTER_FUZZ=N SEED: a longer run with another seed, by hand */
	const char *fz = getenv("PREFILTER_FUZZ");
	long iters = fz ? atol(fz) : ROUNDS(6000);
	if (fz && strchr(fz, ' '))
		rng = strtoull(strchr(fz, ' ') + 1, NULL, 10) | 1;
	for (long i = 0; i < iters; i++) {
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
		T_EQ_INT(0, prefilter_extract_opts(pat, flags, &ls));
		if (ls.n)
			with_lits++;
		for (int k = 0; k < 60 && ls.n; k++) {
			char subj[128], low[128];
			gen_subject(subj, sizeof(subj));
			if ((flags & PREFILTER_NORMALIZED) &&
			    normalize_in_place(subj, sizeof(subj)) < 0)
				continue;
			if (pcre2_match(code, (PCRE2_SPTR)subj, strlen(subj), 0, 0, md, NULL) < 0)
				continue;
			matches++;
			lower_ascii(low, subj, strlen(subj));
			/* every set must have a literal in the subject */
			for (size_t c = 0; c < ls.n; c++) {
				int found = 0;
				for (size_t l = 0; l < ls.v[c].n && !found; l++)
					found = strstr(low, ls.v[c].v[l]) != NULL;
				if (!found && violations++ < 10)
					T_FAIL_("pattern /%s/ matches \"%s\" but no literal of set "
					        "%zu "
					        "(%s...) occurs",
					        pat, subj, c, ls.v[c].v[0]);
			}
		}
		lit_conj_clear(&ls);
		pcre2_code_free(code);
	}
	printf("# %d patterns compiled, %d with literals, %d matches checked\n", compiled,
	       with_lits, matches);
	T_ASSERT(with_lits > ROUNDS(500));
	T_ASSERT(matches > ROUNDS(1000));
	T_EQ_INT(0, violations);
	pcre2_match_data_free(md);
}

/* A group of more words than a run keeps (a lexicon's, lexicon.h) whose
 * own set is worth nothing (a word of one letter, "e"), followed by a
 * character: every match holds one of its words with that character
 * after it.  The group is written as a trie, as lexicon.h writes one. */
static void words_group(char *out, size_t cap, const char *first)
{
	/* "e" (or first) and 80 words k[a-j][a-h] */
	snprintf(out, cap, "(?:%s", first);
	for (char a = 'a'; a <= 'j'; a++) {
		snprintf(out + strlen(out), cap - strlen(out), "|k%c(?:a", a);
		for (char b = 'b'; b <= 'h'; b++)
			snprintf(out + strlen(out), cap - strlen(out), "|%c", b);
		snprintf(out + strlen(out), cap - strlen(out), ")");
	}
	snprintf(out + strlen(out), cap - strlen(out), ")");
}

static void test_words_followed_by_a_character(void)
{
	const unsigned n = PREFILTER_NORMALIZED;
	char g[2048], pat[2200];
	words_group(g, sizeof(g), "e(?:rbjuder)?");
	/* the space after the group: "e " and each word with its space */
	snprintf(pat, sizeof(pat), "%s\\s+[a-z]{2,}\\?", g);
	const char *got = lits_opts(pat, n);
	T_ASSERT(strncmp(got, "? & e |erbjuder |kaa |kab |", 27) == 0);
	T_ASSERT(strstr(got, "|kjh ") != NULL);
	/* zero-width items between the group and the character */
	snprintf(pat, sizeof(pat), "%s\\b(?=\\s)\\s[a-z]+\\?", g);
	T_ASSERT(strncmp(lits_opts(pat, n), "? & e |erbjuder |kaa ", 21) == 0);
	/* any character, in raw text too; a letter as the automaton reads it */
	snprintf(pat, sizeof(pat), "%s:\\w+\\?", g);
	T_ASSERT(strncmp(lits(pat), "? & e:|erbjuder:|kaa:", 21) == 0);
	snprintf(pat, sizeof(pat), "%sX\\w+\\?", g);
	T_ASSERT(strncmp(lits(pat), "? & ex|erbjuderx|kaax", 21) == 0);
	/* a word of several bytes stays as it is */
	words_group(g, sizeof(g), "\xc3\xa4");
	snprintf(pat, sizeof(pat), "%s\\s\\w+\\?", g);
	T_ASSERT(strncmp(lits_opts(pat, n), "? & kaa |", 9) == 0);
	T_ASSERT(strstr(lits_opts(pat, n), "|\xc3\xa4 ") != NULL);
}

/* Where a match need not hold a word with the character, nothing is
 * required of it. */
static void test_words_without_a_character_after(void)
{
	const unsigned n = PREFILTER_NORMALIZED;
	char g[2048], pat[2200];
	words_group(g, sizeof(g), "e");
	const char *const after[] = {
		"\\s*x\\?",     /* the space may be missing */
		"[ ,]x\\?",     /* one of two characters */
		"\\w\\?",       /* any letter */
		"(?i)x\\w+\\?", /* (?i): partners of x the automaton would miss */
		"\\S\\?",
	};
	for (size_t k = 0; k < sizeof(after) / sizeof(after[0]); k++) {
		snprintf(pat, sizeof(pat), "%s%s", g, after[k]);
		const char *got = lits_opts(pat, n);
		T_ASSERT(strstr(got, "e ") == NULL && strstr(got, "kaa") == NULL);
	}
	/* a group that is more than words: \w, a quantifier, (?i) */
	const char *const groups[][2] = {
		{ "(?:e|k\\w|", ")\\sx\\?" },   { "(?:e|k+|", ")\\sx\\?" },
		{ "(?:e|(?i)k|", ")\\sx\\?" },  { "(?:e|k|", ")?\\sx\\?" },
		{ "(?:e|k|", "){1,2}\\sx\\?" },
	};
	char inner[2048];
	snprintf(inner, sizeof(inner), "%.*s", (int)strlen(g) - 4, g + 3); /* no "(?:", ")" */
	for (size_t k = 0; k < sizeof(groups) / sizeof(groups[0]); k++) {
		snprintf(pat, sizeof(pat), "%s%s%s", groups[k][0], inner, groups[k][1]);
		const char *got = lits_opts(pat, n);
		T_ASSERT(strstr(got, "kaa ") == NULL);
	}
	/* in raw text \s is any white space: no character to add */
	snprintf(pat, sizeof(pat), "%s\\sx\\?", g);
	T_ASSERT(strstr(lits(pat), "kaa") == NULL);
	/* in (?x) the group's spaces are not read */
	snprintf(pat, sizeof(pat), "(?x)%s:x\\?", g);
	T_ASSERT(strstr(lits(pat), "kaa") == NULL);
}

/* Against PCRE2: subjects made of the group's words and others, the
 * words with and without the character; whenever the pattern matches,
 * each set has a literal in the subject. */
static void test_words_followed_by_a_character_never_lose_a_match(void)
{
	static const char *const tails[] = { "\\s+[a-z]{2,}\\?", "\\b\\s\\w+", ":x", " ?x",
		                             "(?=\\s)\\s\\w" };
	static const char *const pieces[] = { "e", "kaa", "kjh", "kab", "erbjuder", " ", "x",
		                              ":", "?",   "ee",  "k",   "ke",       "zz" };
	pcre2_match_data *md = pcre2_match_data_create(4, NULL);
	char g[2048], pat[2200];
	int matches = 0;
	words_group(g, sizeof(g), "e(?:rbjuder)?");
	for (size_t t = 0; t < sizeof(tails) / sizeof(tails[0]); t++) {
		int err;
		PCRE2_SIZE off;
		snprintf(pat, sizeof(pat), "%s%s", g, tails[t]);
		pcre2_code *code = pcre2_compile((PCRE2_SPTR)pat, PCRE2_ZERO_TERMINATED,
		                                 PCRE2_UTF | PCRE2_UCP, &err, &off, NULL);
		T_ASSERT(code != NULL);
		for (unsigned flags = 0; flags < 2; flags++) {
			struct lit_conj ls;
			T_EQ_INT(0, prefilter_extract_opts(pat, flags, &ls));
			for (int k = 0; k < 3000; k++) {
				char subj[256] = "";
				for (int i = (int)rnd(8); i >= 0; i--)
					strcat(subj,
					       pieces[rnd(sizeof(pieces) / sizeof(pieces[0]))]);
				if (pcre2_match(code, (PCRE2_SPTR)subj, strlen(subj), 0, 0, md,
				                NULL) < 0)
					continue;
				matches++;
				for (size_t c = 0; c < ls.n; c++) {
					int found = 0;
					for (size_t l = 0; l < ls.v[c].n && !found; l++)
						found = strstr(subj, ls.v[c].v[l]) != NULL;
					if (!found)
						T_FAIL_("/%s/ matches \"%s\" without set %zu",
						        tails[t], subj, c);
				}
			}
			lit_conj_clear(&ls);
		}
		pcre2_code_free(code);
	}
	T_ASSERT(matches > 1000);
	pcre2_match_data_free(md);
}

/* ---- prefilter_anchored_span() ---- */

/* Patterns, the flags they are read with, their span, and a longest
 * subject that matches (-1: no span, no subject). */
struct span_case {
	const char *pat;
	unsigned flags;
	long span;
	const char *longest;
};

static const struct span_case span_cases[] = {
	{ "^[a-z]{2,5}\\?$", 0, 6, "abcde?" },
	{ "^(?:ab|cde)x?$", 0, 4, "cdex" },
	{ "^\\W{0,3}ok$", 0, 5, "!\xe2\x80\x94\xf0\x9f\x98\xa1ok" },
	{ "^\\s*a\\s+b\\s*$", PREFILTER_NORMALIZED, 5, " a b " },
	{ "^a$|^bc$", 0, 2, "bc" },
	{ "^(a|bb){2}$", 0, 4, "bbbb" },
	{ "\\Aab\\z", 0, 2, "ab" },
	{ "(?i)^\xc3\xa9{2}$", 0, 2, "\xc3\x89\xc3\xa9" },
	{ "^[\\W_]{0,2}(?:(?:din|ni)\\s+)?(?:idiot|as)[\\W_]{0,2}$", PREFILTER_NORMALIZED, 13,
	  "!!din idiot!!" },
	{ "^x(?!yz)\\w{1,2}(?<=\\w)\\b$", 0, 3, "xab" },
	{ "^\\d{1,3}(?:[.,]\\d{2})?$", 0, 6, "123,45" },
	{ "^$", 0, 0, "" },
	{ "^(?i:ab)c$", 0, 3, "ABc" },
	{ "^\\p{L}{2}\\x{e9}$", 0, 3,
	  "\xc3\xb6"
	  "a\xc3\xa9" },
	{ "^\\s*a$", 0, -1, NULL }, /* raw text: \s* unbounded */
	{ "^a+$", 0, -1, NULL },
	{ "^ab", 0, -1, NULL },
	{ "ab$", 0, -1, NULL },
	{ "^a$|b$", 0, -1, NULL },
	{ "(?m)^a$", 0, -1, NULL },
	{ "^a$(?!x)", 0, -1, NULL },
	{ "^\\R$", 0, -1, NULL },
	{ "^(a)\\1$", 0, -1, NULL },
	{ "^a{,3}$", 0, -1, NULL },
	{ "(?x)^a b$", 0, -1, NULL },
	{ "^(?:a$|b)$", 0, 1, "a" },
	{ "^(?=.*b)a(?!c+)b$", 0, 2, "ab" }, /* unbounded only inside lookarounds */
	{ "(?i)^(?:x|\\w+)[a-z]{2}$", 0, -1, NULL },
	{ "^a$?", 0, -1, NULL },
	{ "^[ab]{2,}$", 0, -1, NULL },
};

/* The engine's test (engine.c, too_long()): a subject of span + 2
 * characters or more is not run. */
static long chars_of(const char *subj)
{
	long chars = 0;
	for (const char *q = subj; *q; q++)
		chars += ((unsigned char)*q & 0xC0) != 0x80;
	return chars;
}

static int span_skips(long span, const char *subj)
{
	return span >= 0 && chars_of(subj) >= span + 2;
}

static void test_anchored_span_of_patterns(void)
{
	pcre2_match_data *md = pcre2_match_data_create(8, NULL);
	for (size_t i = 0; i < sizeof(span_cases) / sizeof(span_cases[0]); i++) {
		const struct span_case *c = &span_cases[i];
		long got = prefilter_anchored_span(c->pat, c->flags);
		if (got != c->span)
			T_FAIL_("/%s/: span %ld, expected %ld", c->pat, got, c->span);
		if (!c->longest)
			continue;
		int err;
		PCRE2_SIZE off;
		pcre2_code *code = pcre2_compile((PCRE2_SPTR)c->pat, PCRE2_ZERO_TERMINATED,
		                                 PCRE2_UTF | PCRE2_UCP, &err, &off, NULL);
		T_ASSERT(code != NULL);
		/* the longest subject, and with a final newline ($ matches
		 * before it): both match and neither is skipped; with a
		 * span one less, the second would be */
		char nl[64];
		snprintf(nl, sizeof(nl), "%s\n", c->longest);
		const char *subj[2] = { c->longest, nl };
		for (int k = 0; k < 2; k++) {
			if (k == 1 && strncmp(c->pat + strlen(c->pat) - 2, "\\z", 2) == 0)
				continue; /* \z: no newline */
			if (pcre2_match(code, (PCRE2_SPTR)subj[k], strlen(subj[k]), 0, 0, md,
			                NULL) < 0)
				T_FAIL_("/%s/ does not match \"%s\"", c->pat, subj[k]);
			if (span_skips(got, subj[k]))
				T_FAIL_("/%s/: \"%s\" skipped", c->pat, subj[k]);
			if (k == 1 && chars_of(subj[k]) < got + 1)
				T_FAIL_("/%s/: a span one less would not skip \"%s\"", c->pat,
				        subj[k]);
		}
		pcre2_code_free(code);
	}
	pcre2_match_data_free(md);
}

/* Random subjects (normalised for PREFILTER_NORMALIZED): whatever PCRE2
 * matches is not skipped by the span. */
static void test_anchored_span_never_skips_a_match(void)
{
	static const char *const pieces[] = { "a",
		                              "b",
		                              "c",
		                              "e",
		                              "o",
		                              "k",
		                              "x",
		                              " ",
		                              "  ",
		                              "\n",
		                              "?",
		                              "!",
		                              "-",
		                              "1",
		                              "2",
		                              ",",
		                              "\t",
		                              "\xc3\xa9",
		                              "\xc3\x89",
		                              "din ",
		                              "idiot",
		                              "\xe2\x80\x94",
		                              "\xf0\x9f\x98\xa1",
		                              "ni ",
		                              "as" };
	pcre2_match_data *md = pcre2_match_data_create(8, NULL);
	int matches = 0, at_span = 0;
	for (size_t i = 0; i < sizeof(span_cases) / sizeof(span_cases[0]); i++) {
		const struct span_case *c = &span_cases[i];
		const long span = prefilter_anchored_span(c->pat, c->flags);
		if (span < 0)
			continue;
		int err;
		PCRE2_SIZE off;
		pcre2_code *code = pcre2_compile((PCRE2_SPTR)c->pat, PCRE2_ZERO_TERMINATED,
		                                 PCRE2_UTF | PCRE2_UCP, &err, &off, NULL);
		T_ASSERT(code != NULL);
		for (int k = 0; k < 20000; k++) {
			char subj[256] = "";
			if (c->longest && rnd(4) == 0) {
				/* as long as a match can be: $ before a final newline */
				snprintf(subj, sizeof(subj), "%s\n", c->longest);
			} else if (c->longest && rnd(2)) {
				/* the longest match with a piece put in somewhere */
				const char *w = c->longest;
				size_t at = rnd((unsigned)strlen(w) + 1);
				while (at > 0 && ((unsigned char)w[at] & 0xC0) == 0x80)
					at--;
				snprintf(subj, sizeof(subj), "%.*s%s%s", (int)at, w,
				         rnd(3) ? pieces[rnd(sizeof(pieces) / sizeof(pieces[0]))]
				                : "",
				         w + at);
			} else {
				for (int n = (int)rnd(9); n >= 0; n--)
					strcat(subj,
					       pieces[rnd(sizeof(pieces) / sizeof(pieces[0]))]);
			}
			if ((c->flags & PREFILTER_NORMALIZED) &&
			    normalize_in_place(subj, sizeof(subj)) < 0)
				continue;
			if (pcre2_match(code, (PCRE2_SPTR)subj, strlen(subj), 0, 0, md, NULL) < 0)
				continue;
			matches++;
			at_span += span_skips(span - 1, subj);
			if (span_skips(span, subj))
				T_FAIL_("/%s/ matches \"%s\", skipped", c->pat, subj);
		}
		pcre2_code_free(code);
	}
	printf("# %d matches, %d of them as long as the span allows\n", matches, at_span);
	T_ASSERT(matches > 1000);
	T_ASSERT(at_span > 1000);
	pcre2_match_data_free(md);
}

/* The whole words of a pattern as "w1|w2]|…" (']': closed, a non-word
 * character or the end follows), "" for none. */
static const char *bounded_words(const char *pattern)
{
	static char buf[1024];
	struct prefilter_words w;
	if (prefilter_bounded_words(pattern, &w) < 0)
		return "ENOMEM";
	buf[0] = '\0';
	for (size_t k = 0; k < w.n; k++) {
		size_t at = strlen(buf);
		snprintf(buf + at, sizeof(buf) - at, "%s%.*s%s", k ? "|" : "", (int)w.len[k],
		         w.bytes + w.off[k], w.closed[k] ? "]" : "");
	}
	prefilter_words_clear(&w);
	return buf;
}

static const char *const words_cases[] = {
	/* en.question.addressed-qmark's form: \b, lookaheads, the words */
	"\\b(?!you\\s+(?:kidding|serious)\\b)(?!you\\s*\\?)(?:you|your|u|ur|the\\s+(?:city|council)"
	"|"
	"stockholm|city\\s+hall)\\b[^.!?\\n]{0,200}\\?",
	"\\b(?:ni|er|era|stockholms\\s+stad|namnden)\\b[^.!?]{0,160}\\?(?=\\s|$|[!?)\"'])",
	"^(?:u\\b|abc\\s)c",
	"\\b(?<w>u|ab)-",
	"\\b(?:u\\s|abc-)-?x",
	"\\b(?:u|ab)\\s+x",
	"\\b(?:u\\b|abc\\b|x\\.y)",
	"\\b(?:u|ab)$",
	"(?<!x)\\b(?:u\\b|ab\\b|xyz,(?:y|z))",
	"\\A(?:u|ab) ",
	/* none */
	"\\b(?:u|ab)-?x", /* not closed: the prefix of many words */
	"\\b(?:u|ab)\\s*x",
	"\\b(?:us?|ab)\\b",
	"^(?:u|ab)c",
	"\\b(?:u\\b|abc)c",
	"\\b(?:abc|abd)\\b", /* no short word */
	"(?i)\\b(?:u|ab)\\b",
	"\\b(?i:u|ab)\\b",
	"\\b(?:u|ab)\\b|foo",
	"\\b(?:u|ab)?\\b",
	"\\b(?:u|ab){1,2}\\b",
	"\\B(?:u|ab)\\b",
	"(?:u|ab)\\b",
	"\\b(?:u|-ab)\\b",
	"\\bx(?:u|ab)\\b",
	"\\b(?:u|ab)\\b\\Qa|b\\E",
	"\\b(?:u|ab)\\b(?x) # a | b",
	"\\b(*UCP)(?:u|ab)\\b",
	"\\b(?:u|(?:ab))\\b",
	"\\b(?:u|[ab]c)\\b",
};

/* The first cases of words_cases[] that the reader refuses, each one step
 * bolder than it: their words "u" and "ab" taken as closed. */
#define WORDS_BOLD_CASES 5

static void test_bounded_words_of_patterns(void)
{
	static const char *const want[] = {
		"you]|your]|u]|ur]|the]|stockholm]|city]",
		"ni]|er]|era]|stockholms]|namnden]",
		"u]|abc]",
		"u]|ab]",
		"u]|abc]",
		"u]|ab]",
		"u]|abc]|x]",
		"u]|ab]",
		"u]|ab]|xyz]",
		"u]|ab]",
	};
	const size_t nwant = sizeof(want) / sizeof(want[0]);
	for (size_t i = 0; i < sizeof(words_cases) / sizeof(words_cases[0]); i++) {
		const char *got = bounded_words(words_cases[i]);
		const char *exp = i < nwant ? want[i] : "";
		if (strcmp(got, exp) != 0)
			T_FAIL_("/%s/: expected \"%s\", got \"%s\"", words_cases[i], exp, got);
	}
}

/* prefilter_words_present() with a byte >= 0x80 taken as a word
 * character: one step bolder than the check, and wrong. */
static int words_present_bolder(const struct prefilter_words *w, const char *s, size_t len)
{
	for (size_t i = 0; i < len; i++) {
		if (i > 0 && (isalnum((unsigned char)s[i - 1]) || s[i - 1] == '_' ||
		              (unsigned char)s[i - 1] >= 0x80))
			continue;
		for (size_t k = 0; k < w->n; k++) {
			size_t n = w->len[k];
			if (n > len - i || memcmp(s + i, w->bytes + w->off[k], n) != 0)
				continue;
			unsigned char q = i + n < len ? (unsigned char)s[i + n] : 0;
			if (i + n == len || !(isalnum(q) || q == '_' || q >= 0x80))
				return 1;
		}
	}
	return 0;
}

/* The words "u" and "ab", closed, as a bolder reader would give them. */
static void bold_words(struct prefilter_words *w)
{
	static char bytes[] = "uab";
	static uint32_t off[] = { 0, 1 };
	static uint8_t len[] = { 1, 2 }, closed[] = { 1, 1 };
	static uint16_t bit[] = { 0, 0 };
	*w = (struct prefilter_words){
		.n = 2, .bytes = bytes, .off = off, .len = len, .closed = closed, .bit = bit
	};
}

/* PCRE2 is the truth: no subject it matches lacks the words, found in the
 * text (prefilter_words_present()) or among its tokens
 * (prefilter_words_in()).  Subjects are made of the words, their
 * neighbours and characters that are word characters to PCRE2 but not
 * ASCII (é) or neither (—).  A check one step bolder (é and — taken as
 * word characters) or a reader one step bolder (the words of
 * WORDS_BOLD_CASES taken as closed) loses matches. */
static void test_bounded_words_never_lose_a_match(void)
{
	static const char *const pieces[] = { "u",         "ab",       "abc",
		                              "you",       "your",     "ur",
		                              "the",       "city",     "er",
		                              "ni",        "c",        "x",
		                              "y",         "z",        "s",
		                              "-",         " ",        "?",
		                              "!",         "\n",       ".",
		                              ",",         "_",        "1",
		                              "hall",      "\xc3\xa9", "\xe2\x80\x94",
		                              "stockholm", "namnden" };
	const size_t np = sizeof(pieces) / sizeof(pieces[0]);
	const size_t nwant = 10;
	pcre2_match_data *md = pcre2_match_data_create(8, NULL);
	int matches = 0, bold_high = 0, bold_reader = 0;
	for (size_t i = 0; i < nwant + WORDS_BOLD_CASES; i++) {
		struct prefilter_words w;
		T_EQ_INT(0, prefilter_bounded_words(words_cases[i], &w));
		const int bold = i >= nwant;
		T_EQ_INT(bold ? 0 : 1, w.n > 0);
		if (bold)
			bold_words(&w);
		int err;
		PCRE2_SIZE off;
		pcre2_code *code = pcre2_compile((PCRE2_SPTR)words_cases[i], PCRE2_ZERO_TERMINATED,
		                                 PCRE2_UTF | PCRE2_UCP, &err, &off, NULL);
		T_ASSERT(code != NULL);
		for (int k = 0; code && k < ROUNDS(20000); k++) {
			char subj[256] = "";
			for (int n = (int)rnd(10); n >= 0; n--)
				strcat(subj, pieces[rnd((unsigned)np)]);
			size_t len = strlen(subj);
			if (pcre2_match(code, (PCRE2_SPTR)subj, len, 0, 0, md, NULL) < 0)
				continue;
			if (bold) {
				bold_reader += !prefilter_words_present(&w, subj, len);
				continue;
			}
			matches++;
			bold_high += !words_present_bolder(&w, subj, len);
			struct prefilter_tokens t;
			prefilter_tokens_of(subj, len, &t);
			if (!prefilter_words_present(&w, subj, len) || !prefilter_words_in(&w, &t))
				T_FAIL_("/%s/ matches \"%s\", its words not found", words_cases[i],
				        subj);
		}
		pcre2_code_free(code);
		if (!bold)
			prefilter_words_clear(&w);
	}
	printf("# %d matches; one step bolder would lose %d (é, — as word characters), %d "
	       "(words not closed taken as closed)\n",
	       matches, bold_high, bold_reader);
	T_ASSERT(matches > ROUNDS(1500));
	T_ASSERT(bold_high > ROUNDS(100));
	T_ASSERT(bold_reader > ROUNDS(100));
	pcre2_match_data_free(md);
}

/* Without the words no token sets their bit; with them one does. */
static void test_bounded_words_among_tokens(void)
{
	struct prefilter_words w;
	T_EQ_INT(0, prefilter_bounded_words(words_cases[0], &w));
	struct prefilter_tokens t;
	static const struct {
		const char *text;
		int in;
	} cases[] = {
		{ "thug life?", 0 },
		{ "are u there?", 1 },
		{ "u?", 1 },
		{ "Is Stockholm nice?", 0 }, /* no (?i): the word is "stockholm" */
		{ "in stockholm\xc3\xa9 today?", 1 },
		{ "your_turn?", 0 },
		{ "city_hall?", 0 },
		{ "ursula, is it?", 0 },
	};
	for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		const char *s = cases[i].text;
		prefilter_tokens_of(s, strlen(s), &t);
		T_EQ_INT(cases[i].in, prefilter_words_present(&w, s, strlen(s)));
		if (cases[i].in)
			T_EQ_INT(1, prefilter_words_in(&w, &t));
	}
	/* a text of many tokens but none of the words: few false answers */
	int wrong = 0;
	for (int n = 0; n < 1000; n++) {
		char s[64];
		snprintf(s, sizeof(s), "tok%d and w%dx?", n, n * 7);
		prefilter_tokens_of(s, strlen(s), &t);
		wrong += prefilter_words_in(&w, &t);
	}
	T_ASSERT(wrong < 30);
	prefilter_words_clear(&w);
}

/* A pattern's core: the pattern without its negative lookaheads, or ""
 * for none. */
static const char *core_of(const char *pattern)
{
	static char buf[1024];
	char *core;
	if (prefilter_core(pattern, &core) < 0)
		return "ENOMEM";
	snprintf(buf, sizeof(buf), "%s", core ? core : "");
	free(core);
	return buf;
}

static const struct {
	const char *pat, *core;
} core_cases[] = {
	{ "(?<![\\w.+-])(?!(?:info|kontakt)@)(?<v>[\\w.+-]{1,64}@(?!(?:[\\w-]+\\.)*stockholm\\."
	  "se\\b)"
	  "[\\w-]{1,63}(?:\\.[\\w-]{1,63}){1,4})",
	  "(?<![\\w.+-])(?<v>[\\w.+-]{1,64}@[\\w-]{1,63}(?:\\.[\\w-]{1,63}){1,4})" },
	{ "a(?!b)c|(?!x)", "ac|" },
	{ "(?:a(?!b)|ab)c", "(?:a|ab)c" },
	{ "(?=x(?!y))x[a-z]+", "" },             /* kept within a lookaround: nothing left out */
	{ "(?<!a(?!b))c(?!d)", "(?<!a(?!b))c" }, /* kept whole: a negative lookbehind */
	{ "[(?!]a(?!b)", "[(?!]a" },
	{ "\\(?!a(?!b)", "\\(?!a" },
	{ "x(?!y)+z", "" },
	{ "(?>a(?!b)|ab)c", "" },
	{ "(?:a(?!b)|ab)++c", "" },
	{ "(?:a(?!b)|ab){1,2}+c", "" },
	{ "\\Ga(?!b)", "" },
	{ "(?i)a(?!b)", "" },
	{ "(a)(?!b)\\1", "" },
	{ "(*UCP)a(?!b)", "" },
	{ "\\Qa(?!b)\\E", "" },
	{ "abc", "" },
};

static void test_core_of_patterns(void)
{
	for (size_t i = 0; i < sizeof(core_cases) / sizeof(core_cases[0]); i++) {
		const char *got = core_of(core_cases[i].pat);
		if (strcmp(got, core_cases[i].core) != 0)
			T_FAIL_("/%s/: expected \"%s\", got \"%s\"", core_cases[i].pat,
			        core_cases[i].core, got);
	}
}

/* PCRE2 is the truth: a subject the pattern matches its core matches.  A
 * reader one step bolder (a lookahead within an atomic or possessive
 * group left out) loses matches. */
static void test_core_never_loses_a_match(void)
{
	static const char *const pats[] = {
		"(?<![\\w.+-])(?!(?:info|ab)@)(?<v>[\\w.+-]{1,64}@(?!(?:[\\w-]+\\.)*ab\\.se\\b)"
		"[\\w-]{1,63}(?:\\.[\\w-]{1,63}){1,4})",
		"a(?!b)c|(?!x)y",
		"(?:a(?!b)|ab)c",
		"(?<!a(?!b))c(?!d)",
		"\\b(?!ab\\b)[a-c]+(?!c)\\b",
	};
	static const struct {
		const char *pat, *bold;
	} bold[] = {
		{ "(?>a(?!b)|ab)c", "(?>a|ab)c" },
		{ "(?:a(?!b)|ab)++c", "(?:a|ab)++c" },
	};
	static const char *const pieces[] = { "a", "b",  "c",    "d", "x",  "y", "@",
		                              ".", "se", "info", " ", "ab", "-", "\xc3\xa9" };
	const size_t np = sizeof(pieces) / sizeof(pieces[0]);
	pcre2_match_data *md = pcre2_match_data_create(8, NULL);
	const size_t npat = sizeof(pats) / sizeof(pats[0]);
	int matches = 0, lost_bold = 0;
	for (size_t i = 0; i < npat + sizeof(bold) / sizeof(bold[0]); i++) {
		const char *pat = i < npat ? pats[i] : bold[i - npat].pat;
		char *core = NULL;
		T_EQ_INT(0, prefilter_core(pat, &core));
		T_EQ_INT(i < npat, core != NULL);
		const char *csrc = i < npat ? core : bold[i - npat].bold;
		int err;
		PCRE2_SIZE off;
		pcre2_code *p = pcre2_compile((PCRE2_SPTR)pat, PCRE2_ZERO_TERMINATED,
		                              PCRE2_UTF | PCRE2_UCP, &err, &off, NULL);
		pcre2_code *c = csrc ? pcre2_compile((PCRE2_SPTR)csrc, PCRE2_ZERO_TERMINATED,
		                                     PCRE2_UTF | PCRE2_UCP, &err, &off, NULL)
		                     : NULL;
		T_ASSERT(p && c);
		for (int k = 0; p && c && k < ROUNDS(20000); k++) {
			char subj[256] = "";
			for (int n = (int)rnd(8); n >= 0; n--)
				strcat(subj, pieces[rnd((unsigned)np)]);
			size_t len = strlen(subj);
			if (pcre2_match(p, (PCRE2_SPTR)subj, len, 0, 0, md, NULL) < 0)
				continue;
			const int lost = pcre2_match(c, (PCRE2_SPTR)subj, len, 0, 0, md, NULL) < 0;
			if (i >= npat) {
				lost_bold += lost;
				continue;
			}
			matches++;
			if (lost)
				T_FAIL_("/%s/ matches \"%s\", its core /%s/ does not", pat, subj,
				        core);
		}
		pcre2_code_free(p);
		pcre2_code_free(c);
		free(core);
	}
	printf("# %d matches; a bolder core would lose %d\n", matches, lost_bold);
	T_ASSERT(matches > ROUNDS(5000));
	T_ASSERT(lost_bold > ROUNDS(100));
	pcre2_match_data_free(md);
}

/* The same set required twice takes one place; a set within another
 * replaces it. */
static void test_implied_sets_take_one_place(void)
{
	T_EQ_STR("?", lits("^[a-z]{2,9}\\?{1,3}\\W{0,3}$"));
	T_EQ_STR("@", lits("\\w+@\\w+\\s?@"));
	T_EQ_STR("qz", lits("qz\\w+(?:qz|qz)"));
	T_EQ_STR("xq & vw", lits("xq\\w+vw\\w+xq"));
	/* "zab" holds "ab": the set ab|cd is implied */
	T_EQ_STR("qv & zab|zcd", lits("qv\\w+(?:ab|cd)\\w+z(?:ab|cd)"));
}

struct calls {
	uint64_t v[8192];
	size_t n;
};

static void record_call(void *ctx, uint32_t id, size_t end)
{
	struct calls *c = ctx;
	if (c->n < sizeof(c->v) / sizeof(c->v[0]))
		c->v[c->n] = (uint64_t)id << 32 | end;
	c->n++;
}

static int cmp_u32(const void *a, const void *b)
{
	uint32_t x = *(const uint32_t *)a, y = *(const uint32_t *)b;
	return x < y ? -1 : x > y;
}

/* aho_scan_trace() reports what aho_scan() does, and aho_replay_all() on
 * its trace calls back exactly as aho_scan_all() (every id, and a wanted
 * few), with every state dense (small) and with sparse states (large). */
static void trace_replays_scan_all(size_t N)
{
	const size_t L = 10;
	char *buf = malloc(N * (L + 1));
	const char **lit = malloc(N * sizeof(*lit));
	size_t *len = malloc(N * sizeof(*len));
	uint32_t *ids = malloc(N * sizeof(*ids));
	uint32_t x = 2463534242u;
	random_words(buf, L, N, 2, 8, &x, lit, len);
	for (size_t i = 0; i < N; i++)
		ids[i] = (uint32_t)(i % (N / 2 + 1)); /* ids shared by literals */
	struct aho *a;
	T_EQ_INT(0, aho_build(lit, len, ids, N, &a));
	uint32_t *stamp = calloc(aho_stamps(a) + 1, sizeof(uint32_t));
	uint32_t *stamp2 = calloc(aho_stamps(a) + 1, sizeof(uint32_t));
	uint32_t *out = malloc(aho_outputs(a) * sizeof(uint32_t));
	uint32_t *out2 = malloc(aho_outputs(a) * sizeof(uint32_t));
	uint32_t *want = calloc(N, sizeof(uint32_t));
	struct calls *c1 = malloc(sizeof(*c1)), *c2 = malloc(sizeof(*c2));
	struct aho_trace tr = { 0 };
	int wrong = 0;
	for (uint32_t t = 1; t <= 50; t++) {
		char text[3000];
		size_t tl = 0;
		while (tl < 2500) {
			x ^= x << 13;
			x ^= x >> 17;
			x ^= x << 5;
			const char *w = lit[x % N];
			size_t l = strlen(w) - (x >> 8) % 2;
			memcpy(text + tl, w, l);
			tl += l;
			if ((x >> 12) % 4 == 0)
				text[tl++] = (x >> 16) % 2 ? 'Q' : ' ';
		}
		size_t n1 = aho_scan(a, text, tl, stamp, t, out);
		size_t n2 = aho_scan_trace(a, text, tl, stamp2, t, out2, &tr);
		T_ASSERT(!tr.failed);
		qsort(out, n1, sizeof(*out), cmp_u32);
		qsort(out2, n2, sizeof(*out2), cmp_u32);
		wrong += n1 != n2 || memcmp(out, out2, n1 * sizeof(*out)) != 0;
		for (size_t i = 0; i < N; i++)
			want[i] = i % 3 == 0 ? t : 0;
		for (int w = 0; w < 2; w++) {
			c1->n = c2->n = 0;
			size_t m1 = aho_scan_all(a, text, tl, w ? want : NULL, t, record_call, c1);
			size_t m2 = aho_replay_all(a, &tr, w ? want : NULL, t, record_call, c2);
			size_t k = c1->n < 8192 ? c1->n : 8192;
			wrong += m1 != m2 || c1->n != c2->n || memcmp(c1->v, c2->v, k * 8) != 0;
			wrong += m1 == 0;
		}
	}
	T_EQ_INT(0, wrong);
	aho_trace_free(&tr);
	free(c1);
	free(c2);
	free(want);
	free(out2);
	free(out);
	free(stamp2);
	free(stamp);
	aho_free(a);
	free(ids);
	free(len);
	free(lit);
	free(buf);
}

static void test_aho_corasick_trace_replays_scan_all(void)
{
	trace_replays_scan_all(60);
	trace_replays_scan_all(20000);
}

static void test_random_patterns_never_lose_a_match(void)
{
	random_patterns(0);
}

static void test_random_patterns_on_normalized_text_never_lose_a_match(void)
{
	random_patterns(PREFILTER_NORMALIZED);
}

static size_t back_chars(const char *s, size_t pos, long n)
{
	while (pos > 0 && n > 0) {
		pos--;
		if (((unsigned char)s[pos] & 0xC0) != 0x80)
			n--;
	}
	return pos;
}

static size_t on_chars(const char *s, size_t len, size_t pos, long n)
{
	while (pos < len && n > 0) {
		pos++;
		while (pos < len && ((unsigned char)s[pos] & 0xC0) == 0x80)
			pos++;
		n--;
	}
	return pos;
}

/* What windows on long texts rely on (reach.h): for random patterns with a
 * bounded reach R, every match starting at S is at most R characters long
 * and a literal of every extracted set lies within R characters of S. */
static void reach_patterns(unsigned flags)
{
	pcre2_match_data *md = pcre2_match_data_create(16, NULL);
	int bounded = 0, checked = 0, violations = 0;
	for (long i = 0; i < ROUNDS(8000); i++) {
		char pat[2048] = "";
		int err;
		PCRE2_SIZE off;
		if (rnd(6) == 0)
			strcat(pat, rnd(2) ? "(?i)" : "(?x)");
		gen_alt(pat, sizeof(pat), 0);
		long reach = pattern_reach(pat, flags & PREFILTER_NORMALIZED);
		if (reach < 0)
			continue;
		pcre2_code *code = pcre2_compile((PCRE2_SPTR)pat, PCRE2_ZERO_TERMINATED,
		                                 PCRE2_UTF | PCRE2_UCP, &err, &off, NULL);
		if (!code)
			continue;
		bounded++;
		struct lit_conj ls;
		T_EQ_INT(0, prefilter_extract_opts(pat, flags, &ls));
		for (int k = 0; k < 40; k++) {
			char subj[256], low[256];
			gen_subject(subj, 64);
			strcat(subj, " ");
			gen_subject(subj + strlen(subj), 64);
			if ((flags & PREFILTER_NORMALIZED) &&
			    normalize_in_place(subj, sizeof(subj)) < 0)
				continue;
			size_t len = strlen(subj), start = 0;
			lower_ascii(low, subj, len);
			while (start <= len &&
			       pcre2_match(code, (PCRE2_SPTR)subj, len, start, 0, md, NULL) >= 0) {
				size_t ms = pcre2_get_ovector_pointer(md)[0];
				size_t me = pcre2_get_ovector_pointer(md)[1];
				checked++;
				if (on_chars(subj, len, ms, reach) < me && violations++ < 10)
					T_FAIL_("/%s/ on \"%s\": match at %zu..%zu longer than %ld",
					        pat, subj, ms, me, reach);
				size_t lo = back_chars(subj, ms, reach),
				       hi = on_chars(subj, len, ms, reach);
				char win[256];
				memcpy(win, low + lo, hi - lo);
				win[hi - lo] = '\0';
				for (size_t c = 0; c < ls.n; c++) {
					int found = 0;
					for (size_t l = 0; l < ls.v[c].n && !found; l++)
						found = strstr(win, ls.v[c].v[l]) != NULL;
					if (!found && violations++ < 10)
						T_FAIL_("/%s/ on \"%s\": no literal of set %zu "
						        "within %ld "
						        "of %zu",
						        pat, subj, c, reach, ms);
				}
				if (me > ms)
					start = me;
				else if (ms < len)
					start = on_chars(subj, len, ms, 1);
				else
					break;
			}
		}
		lit_conj_clear(&ls);
		pcre2_code_free(code);
	}
	printf("# %d bounded patterns, %d matches checked\n", bounded, checked);
	T_ASSERT(bounded > ROUNDS(300));
	T_ASSERT(checked > ROUNDS(1000));
	T_EQ_INT(0, violations);
	pcre2_match_data_free(md);
}

static void test_bounded_patterns_find_literals_within_reach(void)
{
	reach_patterns(0);
}

static void test_bounded_patterns_on_normalized_text_find_literals_within_reach(void)
{
	reach_patterns(PREFILTER_NORMALIZED);
}

/* The offset of the (n + 1)-th space at or after pos (so [pos, that)
 * holds n spaces), or len. */
static size_t on_spaces(const char *s, size_t len, size_t pos, long n)
{
	for (; pos < len; pos++)
		if (s[pos] == ' ' && n-- == 0)
			return pos;
	return len;
}

/* What a window's subject relies on (reach.h, pattern_look_memo()): an
 * attempt of a pattern at S reads nothing past the walk forward from S,
 * so an anchored match at S on the subject cut exactly at the walk's end
 * (engine.c leaves a margin) gives what the whole subject gives: a
 * match at the same offsets or none.  Every start of random subjects. */
static void look_patterns(unsigned flags)
{
	const int norm = (flags & PREFILTER_NORMALIZED) != 0;
	pcre2_match_data *md = pcre2_match_data_create(16, NULL);
	int bounded = 0, checked = 0, violations = 0;
	for (long i = 0; i < ROUNDS(2000); i++) {
		char pat[2048] = "";
		struct reach_seg seg[REACH_MAX_SEGS];
		int err;
		PCRE2_SIZE off;
		gen_alt(pat, sizeof(pat), 0);
		size_t nseg = pattern_look_memo(pat, norm, NULL, 1000, seg);
		/* what engine.c asks for when it has read the reach already */
		struct reach_seg known[REACH_MAX_SEGS];
		size_t nknown =
		        pattern_look_known(pat, norm, NULL, 1000,
		                           pattern_reach_memo(pat, norm, NULL),
		                           norm ? pattern_space_reach_memo(pat, NULL) : -1, known);
		int same = nknown == nseg;
		for (size_t j = 0; same && j < nseg; j++)
			same = known[j].spaces == seg[j].spaces && known[j].n == seg[j].n;
		if (!same && violations++ < 10)
			T_FAIL_("/%s/: look %zu segments, known %zu", pat, nseg, nknown);
		if (nseg == 0)
			continue;
		pcre2_code *code = pcre2_compile((PCRE2_SPTR)pat, PCRE2_ZERO_TERMINATED,
		                                 PCRE2_UTF | PCRE2_UCP, &err, &off, NULL);
		if (!code)
			continue;
		bounded++;
		for (int k = 0; k < 8; k++) {
			char subj[256];
			gen_subject(subj, 64);
			strcat(subj, " ");
			gen_subject(subj + strlen(subj), 64);
			if (norm && normalize_in_place(subj, sizeof(subj)) < 0)
				continue;
			const size_t len = strlen(subj);
			for (size_t st = 0; st <= len; st = on_chars(subj, len, st, 1)) {
				size_t end = st;
				for (size_t j = 0; j < nseg; j++)
					end = seg[j].spaces ? on_spaces(subj, len, end, seg[j].n)
					                    : on_chars(subj, len, end, seg[j].n);
				PCRE2_SIZE *ov = pcre2_get_ovector_pointer(md);
				int a = pcre2_match(code, (PCRE2_SPTR)subj, len, st, PCRE2_ANCHORED,
				                    md, NULL);
				size_t a0 = a >= 0 ? ov[0] : 0, a1 = a >= 0 ? ov[1] : 0;
				int b = pcre2_match(code, (PCRE2_SPTR)subj, end, st, PCRE2_ANCHORED,
				                    md, NULL);
				checked++;
				if (((a >= 0) != (b >= 0) ||
				     (a >= 0 && (a0 != ov[0] || a1 != ov[1]))) &&
				    violations++ < 10)
					T_FAIL_("/%s/ on \"%s\" at %zu: %d (%zu..%zu) whole, %d "
					        "cut at "
					        "%zu",
					        pat, subj, st, a, a0, a1, b, end);
				if (st == len)
					break;
			}
		}
		pcre2_code_free(code);
	}
	printf("# %d bounded patterns, %d starts compared\n", bounded, checked);
	T_ASSERT(bounded > ROUNDS(100));
	T_EQ_INT(0, violations);
	pcre2_match_data_free(md);
}

static void test_attempts_read_nothing_past_their_look(void)
{
	look_patterns(0);
	look_patterns(PREFILTER_NORMALIZED);
}

/* Windows counted in words (engine.c): [offset, pos) holds at most n
 * spaces from the first, [pos, start) from the last. */
static size_t back_spaces(const char *s, size_t pos, long n)
{
	for (; pos > 0; pos--)
		if (s[pos - 1] == ' ' && n-- == 0)
			return pos;
	return 0;
}

/* Is there an occurrence of a literal of ls in low (the lowercased
 * subject) whose window (R characters, or R spaces, on either side of its
 * end) holds the start S? */
static int start_in_a_window(const char *low, size_t len, const struct lit_set *ls, size_t S,
                             long R, int spaces)
{
	for (size_t l = 0; l < ls->n; l++)
		for (const char *p = strstr(low, ls->v[l]); p; p = strstr(p + 1, ls->v[l])) {
			size_t E = (size_t)(p - low) + strlen(ls->v[l]);
			size_t lo = spaces ? back_spaces(low, E, R) : back_chars(low, E, R);
			size_t hi = spaces ? on_spaces(low, len, E, R) : on_chars(low, len, E, R);
			if (lo <= S && S <= hi)
				return 1;
		}
	return 0;
}

/* The walk back of a pattern bounded in segments (reach.h,
 * pattern_mixed_reach_memo()): the last segment's units first. */
static size_t back_segments(const char *s, size_t pos, const struct reach_seg *seg, size_t n)
{
	for (size_t k = n; k-- > 0;)
		pos = seg[k].spaces ? back_spaces(s, pos, seg[k].n) : back_chars(s, pos, seg[k].n);
	return pos;
}

/* Does an occurrence of a literal of ls end at some E with S at or after
 * the walk back from E? */
static int start_after_a_walk(const char *low, const struct lit_set *ls, size_t S,
                              const struct reach_seg *seg, size_t n)
{
	for (size_t l = 0; l < ls->n; l++)
		for (const char *p = strstr(low, ls->v[l]); p; p = strstr(p + 1, ls->v[l])) {
			size_t E = (size_t)(p - low) + strlen(ls->v[l]);
			if (back_segments(low, E, seg, n) <= S)
				return 1;
		}
	return 0;
}

/* What windows counted in spaces and windows around a relaxed prefix's
 * literals rely on (reach.h): for random patterns, (mode 0) with a space
 * reach W on normalised text, every match starting at S has an occurrence
 * of a literal of every set with S in its window of W spaces; (mode 1, 2)
 * with a relaxed prefix Q of reach R in characters (1) or spaces (2), Q
 * compiles, matches at S itself, and S lies in the window of an occurrence
 * of a literal of every set Q requires. */
static void window_patterns(unsigned flags, int mode)
{
	pcre2_match_data *md = pcre2_match_data_create(16, NULL);
	int used = 0, checked = 0, violations = 0;
	const int norm = (flags & PREFILTER_NORMALIZED) != 0;
	for (long i = 0; i < ROUNDS(mode == 3 ? 14000 : 8000); i++) {
		char pat[2048] = "";
		int err;
		PCRE2_SIZE off;
		if (rnd(6) == 0)
			strcat(pat, rnd(2) ? "(?i)" : "(?x)");
		gen_alt(pat, sizeof(pat), 0);
		char *q = NULL;
		long reach;
		struct reach_seg seg[REACH_MAX_SEGS];
		size_t nseg = 0;
		if (mode == 3) {
			/* a sequence of groups, some bounded only in words, some
			 * only in characters */
			int items = 2 + (int)rnd(4);
			pat[0] = '\0';
			for (int k = 0; k < items; k++) {
				char part[512] = "";
				gen_alt(part, sizeof(part), 1);
				snprintf(pat + strlen(pat), sizeof(pat) - strlen(pat), "(?:%s)%s",
				         part,
				         rnd(4) == 0   ? "[^.]{0,3}"
				         : rnd(3) == 0 ? "[a-z]+"
				                       : "");
			}
			nseg = pattern_mixed_reach_memo(pat, NULL, 1000, seg, &reach);
			if (nseg == 0)
				reach = -1;
		} else if (mode == 0)
			reach = pattern_space_reach(pat);
		else if (pattern_prefix(pat, norm, mode == 2, &q, &reach) != 0)
			reach = -1;
		if (reach < 0 || reach > 1000) {
			free(q);
			continue;
		}
		pcre2_code *code = pcre2_compile((PCRE2_SPTR)pat, PCRE2_ZERO_TERMINATED,
		                                 PCRE2_UTF | PCRE2_UCP, &err, &off, NULL);
		pcre2_code *qcode = q ? pcre2_compile((PCRE2_SPTR)q, PCRE2_ZERO_TERMINATED,
		                                      PCRE2_UTF | PCRE2_UCP, &err, &off, NULL)
		                      : NULL;
		if (!code) {
			pcre2_code_free(qcode);
			free(q);
			continue;
		}
		if (q && !qcode && violations++ < 10)
			T_FAIL_("prefix /%s/ of /%s/ does not compile", q, pat);
		used++;
		struct lit_conj ls;
		T_EQ_INT(0, prefilter_extract_opts(q ? q : pat, flags, &ls));
		for (int k = 0; k < 40 && ls.n; k++) {
			char subj[256], low[256];
			gen_subject(subj, 64);
			strcat(subj, " ");
			gen_subject(subj + strlen(subj), 64);
			if (norm && normalize_in_place(subj, sizeof(subj)) < 0)
				continue;
			size_t len = strlen(subj), start = 0;
			lower_ascii(low, subj, len);
			while (start <= len &&
			       pcre2_match(code, (PCRE2_SPTR)subj, len, start, 0, md, NULL) >= 0) {
				size_t ms = pcre2_get_ovector_pointer(md)[0];
				size_t me = pcre2_get_ovector_pointer(md)[1];
				checked++;
				if (qcode &&
				    pcre2_match(qcode, (PCRE2_SPTR)subj, len, ms, PCRE2_ANCHORED,
				                md, NULL) < 0 &&
				    violations++ < 10)
					T_FAIL_("/%s/ matches \"%s\" at %zu, its prefix /%s/ does "
					        "not",
					        pat, subj, ms, q);
				for (size_t c = 0; c < ls.n; c++)
					if (!(mode == 3 ? start_after_a_walk(low, &ls.v[c], ms, seg,
					                                     nseg)
					                : start_in_a_window(low, len, &ls.v[c], ms,
					                                    reach, mode != 1)) &&
					    violations++ < 10)
						T_FAIL_("/%s/ (prefix /%s/) on \"%s\": match at "
						        "%zu in no "
						        "window of set %zu (%s...) reach %ld",
						        pat, q ? q : "", subj, ms, c, ls.v[c].v[0],
						        reach);
				if (me > ms)
					start = me;
				else if (ms < len)
					start = on_chars(subj, len, ms, 1);
				else
					break;
			}
		}
		lit_conj_clear(&ls);
		pcre2_code_free(code);
		pcre2_code_free(qcode);
		free(q);
	}
	printf("# mode %d: %d patterns, %d matches checked\n", mode, used, checked);
	T_ASSERT(used > ROUNDS(300));
	T_ASSERT(checked > ROUNDS(1000));
	T_EQ_INT(0, violations);
	pcre2_match_data_free(md);
}

static void test_space_bounded_patterns_find_literals_within_their_words(void)
{
	window_patterns(PREFILTER_NORMALIZED, 0);
}

static void test_relaxed_prefixes_find_literals_within_reach(void)
{
	window_patterns(0, 1);
	window_patterns(PREFILTER_NORMALIZED, 1);
}

static void test_relaxed_prefixes_in_spaces_find_literals_within_their_words(void)
{
	window_patterns(PREFILTER_NORMALIZED, 2);
}

static void test_segment_bounded_patterns_find_literals_within_their_walk(void)
{
	window_patterns(PREFILTER_NORMALIZED, 3);
}

static void test_space_reach_and_prefixes(void)
{
	T_EQ_INT(0, pattern_space_reach("[a-z]{2,}gatan"));
	T_EQ_INT(2, pattern_space_reach("\\S+\\s+\\w+ +x"));
	T_EQ_INT(1, pattern_space_reach("\\bab"));    /* \b: one side a space at most */
	T_EQ_INT(-1, pattern_space_reach("a[^.]*b")); /* [^.] matches a space */
	T_EQ_INT(-1, pattern_space_reach("a.*b"));
	T_EQ_INT(0, pattern_space_reach("[^\\s0-9]+x")); /* no space in it */
	T_EQ_INT(-1, pattern_space_reach("[^0-9]+x"));
	T_EQ_INT(0, pattern_space_reach("\\p{L}+"));
	T_EQ_INT(-1, pattern_space_reach("\\P{L}+"));
	T_EQ_INT(1, pattern_space_reach("[\\x20]"));
	T_EQ_INT(0, pattern_space_reach("[!-~]+")); /* 0x21 on */
	T_EQ_INT(-1, pattern_space_reach("[ -~]+"));
	char *q = NULL;
	long r = 0;
	T_EQ_INT(0, pattern_prefix("\\bkan\\s+man\\s+\\S+", 1, 0, &q, &r));
	T_EQ_STR("\\bkan\\s+man\\s+", q);
	T_EQ_INT(10, r);
	free(q);
	T_EQ_INT(0, pattern_prefix("a(?<v>b\\S+c)d", 0, 0, &q, &r));
	T_EQ_STR("a(?<v>b)", q);
	free(q);
	T_EQ_INT(0, pattern_prefix("a(?:b|c.*)+d", 0, 0, &q, &r));
	T_EQ_STR("a(?:b|c)", q);
	free(q);
	T_EQ_INT(0, pattern_prefix("xy(?:ab|cd)?.*e|f.*", 0, 0, &q, &r));
	T_EQ_STR("xy(?:ab|cd)?|f", q);
	free(q);
	/* (?i) dropped from a branch would have applied to the next one */
	T_EQ_INT(1, pattern_prefix("a.*(?i)b|c", 0, 0, &q, &r));
	/* an optional group is not entered */
	T_EQ_INT(0, pattern_prefix("ab(?:c.*)?d", 0, 0, &q, &r));
	T_EQ_STR("ab", q);
	free(q);
	/* a negative lookahead counts nothing (reach.c): bounded already */
	T_EQ_INT(1, pattern_prefix("ab(?!c.*)d", 0, 0, &q, &r));
	/* bounded already: no prefix */
	T_EQ_INT(1, pattern_prefix("abc", 0, 0, &q, &r));
	/* in spaces, [a-z]{2,} goes on */
	T_EQ_INT(0, pattern_prefix("[a-z]{2,}gatan\\s+[^.]*", 1, 1, &q, &r));
	T_EQ_STR("[a-z]{2,}gatan\\s+", q);
	T_EQ_INT(1, r);
	free(q);
}

static void test_mixed_reach_of_patterns(void)
{
	struct reach_seg seg[REACH_MAX_SEGS];
	long width = 0;
	/* words, then characters */
	T_EQ_INT(2, (long)pattern_mixed_reach_memo("\\S+[^.]{0,9}", NULL, 1000, seg, &width));
	T_EQ_INT(1, seg[0].spaces);
	T_EQ_INT(0, seg[0].n);
	T_EQ_INT(0, seg[1].spaces);
	T_EQ_INT(9, seg[1].n);
	T_EQ_INT(9, width);
	/* the question rules' shape: each item in its cheaper unit */
	T_EQ_INT(4, (long)pattern_mixed_reach_memo("(?:do|is)\\s+\\S+[^.!?]{0,200}\\?", NULL, 1000,
	                                           seg, &width));
	T_EQ_INT(1, seg[0].spaces);
	T_EQ_INT(0, seg[1].spaces);
	T_EQ_INT(1, seg[1].n);
	T_EQ_INT(201, seg[3].n);
	T_EQ_INT(202, width);
	/* five alternations of unit fit in four segments only by counting
	 * one [^.]{0,9} in words (9 spaces, 72 characters) */
	T_EQ_INT(4, (long)pattern_mixed_reach_memo("\\S+[^.]{0,9}\\S+[^.]{0,9}\\S+[^.]{0,9}", NULL,
	                                           1000, seg, &width));
	T_EQ_INT(90, width);
	/* too wide, unbounded both ways, alternation at the top */
	T_EQ_INT(0, (long)pattern_mixed_reach_memo("\\S+[^.]{0,200}", NULL, 100, seg, &width));
	T_EQ_INT(0, (long)pattern_mixed_reach_memo("a[^.]*b", NULL, 1000, seg, &width));
	T_EQ_INT(0, (long)pattern_mixed_reach_memo("\\S+x|[^.]{0,9}", NULL, 1000, seg, &width));
}

static void test_reach_of_patterns(void)
{
	T_EQ_INT(3, pattern_reach("abc", 0));
	T_EQ_INT(5, pattern_reach("a(?:bc|d)?e{2}", 0));
	T_EQ_INT(-1, pattern_reach("a\\s+b", 0));
	T_EQ_INT(3, pattern_reach("a\\s+b", 1)); /* one space in normalised text */
	T_EQ_INT(-1, pattern_reach("a\\S+b", 1));
	T_EQ_INT(-1, pattern_reach("a{2,}", 0));
	T_EQ_INT(-1, pattern_reach("(a)\\1", 0));
	T_EQ_INT(-1, pattern_reach("(?x)a b", 0));
	T_EQ_INT(-1, pattern_reach("\\Qa+\\E", 0));
	T_EQ_INT(-1, pattern_reach("(*UTF)a", 0));
	T_EQ_INT(3, pattern_reach("ab(*SKIP)c", 0));
	T_EQ_INT(3, pattern_reach("a(*PRUNE)b(*THEN)c", 0));
	/* (*COMMIT) ends the whole search: windows would each search again */
	T_EQ_INT(-1, pattern_reach("ab(*COMMIT)c", 0));
	T_EQ_INT(-1, pattern_reach("ab(*ACCEPT)c", 0));
	T_EQ_INT(6, pattern_reach("\\bab\\b", 0));      /* \b looks at both neighbours */
	T_EQ_INT(4, pattern_reach("(?<=x)a(?=yz)", 0)); /* lookarounds count */
	/* negative ones do not: they consume nothing and hold no literal
	 * the prefilter requires, whatever they read */
	T_EQ_INT(2, pattern_reach("(?<!xy)a(?!y\\w*|[)(]\\))b", 0));
	T_EQ_INT(0, pattern_space_reach("a(?!.* x)b"));
	/* PCRE2 applies a quantifier after a comment to the item before it */
	T_EQ_INT(-1, pattern_reach("a\\N(?#c){2,}", 0));
	T_EQ_INT(-1, pattern_reach("a\\N(?i)?", 0));
	char *q0 = NULL;
	long r0 = 0;
	T_EQ_INT(1, pattern_prefix("[ab](?#c)?[ .]+?", 0, 0, &q0, &r0)); /* [ab]? */
	struct reach_seg sg[REACH_MAX_SEGS];
	T_EQ_INT(0, (long)pattern_mixed_reach_memo("[ab](?#c)?[ .]+?", NULL, 1000, sg, &r0));
	T_EQ_INT(-1, pattern_reach("a(?!\\Q)\\E)b", 0)); /* a quoted ')' is not read */
	T_EQ_INT(1, pattern_reach("[a-z\\]]", 0));
	T_EQ_INT(20, pattern_reach("(?i)(?<v>[0-9]{10}){1,2}", 0));
}

/* Every code point but the surrogates, UTF-8, each followed by sep (may be
 * ""); *ret_off[cp] is where cp starts (cps past 0x10FFFF: the end). */
static char *all_code_points(const char *sep, size_t *ret_len, uint32_t **ret_off)
{
	size_t sl = strlen(sep), cap = 0x110000 * (4 + sl) + 1, len = 0;
	char *buf = malloc(cap);
	uint32_t *off = malloc(0x110001 * sizeof(*off));
	if (!buf || !off) {
		free(buf);
		free(off);
		return NULL;
	}
	for (uint32_t cp = 0; cp < 0x110000; cp++) {
		off[cp] = (uint32_t)len;
		if (cp >= 0xD800 && cp <= 0xDFFF)
			continue;
		len += utf8_encode(cp, buf + len);
		memcpy(buf + len, sep, sl);
		len += sl;
	}
	off[0x110000] = (uint32_t)len;
	buf[len] = '\0';
	*ret_len = len;
	*ret_off = off;
	return buf;
}

static int cmp_cp(const void *a, const void *b)
{
	uint32_t x = *(const uint32_t *)a, y = *(const uint32_t *)b;
	return x < y ? -1 : x > y;
}

/* prefilter_case_partners() is exactly what PCRE2 (UTF, UCP, caseless)
 * matches, over every code point, for every character it knows. */
static void test_case_partners_are_what_pcre2_matches(void)
{
	size_t len;
	uint32_t *off;
	char *all = all_code_points("", &len, &off);
	pcre2_match_data *md = pcre2_match_data_create(1, NULL);
	int known = 0;
	T_ASSERT(all != NULL);
	if (!all)
		return;
	for (uint32_t cp = 1; cp < 0x2200; cp++) {
		uint32_t want[PREFILTER_MAX_PARTNERS + 1], got[64];
		size_t nw = prefilter_case_partners(cp, want), ng = 0;
		if (nw == 0)
			continue;
		known++;
		char pat[32];
		int err;
		PCRE2_SIZE eoff;
		snprintf(pat, sizeof(pat), "(?i)\\x{%x}", (unsigned)cp);
		pcre2_code *code = pcre2_compile((PCRE2_SPTR)pat, PCRE2_ZERO_TERMINATED,
		                                 PCRE2_UTF | PCRE2_UCP, &err, &eoff, NULL);
		T_ASSERT(code != NULL);
		if (!code)
			continue;
		pcre2_jit_compile(code, PCRE2_JIT_COMPLETE);
		size_t start = 0;
		while (ng < 64 && pcre2_match(code, (PCRE2_SPTR)all, len, start, 0, md, NULL) > 0) {
			size_t at = pcre2_get_ovector_pointer(md)[0], q = at;
			uint32_t m = utf8_next(all, len, &q);
			if (m >= 'A' && m <= 'Z')
				m |= 0x20; /* the automaton compares ASCII case-insensitively */
			int dup = 0;
			for (size_t i = 0; i < ng; i++)
				dup |= got[i] == m;
			if (!dup)
				got[ng++] = m;
			start = q;
		}
		pcre2_code_free(code);
		for (size_t i = 0; i < nw; i++)
			if (want[i] >= 'A' && want[i] <= 'Z')
				want[i] |= 0x20;
		qsort(want, nw, sizeof(*want), cmp_cp);
		qsort(got, ng, sizeof(*got), cmp_cp);
		int same = nw == ng && memcmp(want, got, nw * sizeof(*got)) == 0;
		if (!same)
			T_FAIL_("U+%04X: table has %zu partners, PCRE2 matches %zu", (unsigned)cp,
			        nw, ng);
	}
	printf("# %d characters checked against PCRE2\n", known);
	T_ASSERT(known > 150);
	pcre2_match_data_free(md);
	free(off);
	free(all);
}

/* What PREFILTER_NORMALIZED relies on: normalised text has no white space
 * PCRE2's \s sees except single ' ' between other characters, whatever
 * code points surround it. */
static void test_normalized_text_has_single_spaces_only(void)
{
	static const char *const seps[] = { "", "x", " ", "\t\xc2\xa0", "a ." };
	int err;
	PCRE2_SIZE eoff;
	pcre2_code *code =
	        pcre2_compile((PCRE2_SPTR) "[^\\S ]|\\s\\s|^\\s|\\s$", PCRE2_ZERO_TERMINATED,
	                      PCRE2_UTF | PCRE2_UCP, &err, &eoff, NULL);
	pcre2_match_data *md = pcre2_match_data_create(1, NULL);
	T_ASSERT(code != NULL);
	for (size_t i = 0; code && i < sizeof(seps) / sizeof(seps[0]); i++) {
		size_t len;
		uint32_t *off;
		char *all = all_code_points(seps[i], &len, &off);
		struct norm_text nt;
		T_ASSERT(all != NULL);
		if (!all)
			break;
		T_EQ_INT(0, normalize_text(all, len, &nt));
		int rc = pcre2_match(code, (PCRE2_SPTR)nt.s, nt.len, 0, 0, md, NULL);
		if (rc >= 0) {
			size_t at = pcre2_get_ovector_pointer(md)[0];
			T_FAIL_("separator \"%s\": white space other than one ' ' at %zu: "
			        "\"%.12s\"",
			        seps[i], at, nt.s + (at > 4 ? at - 4 : 0));
		}
		T_EQ_INT(PCRE2_ERROR_NOMATCH, rc);
		norm_text_free(&nt);
		free(off);
		free(all);
	}
	pcre2_match_data_free(md);
	pcre2_code_free(code);
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
	struct diag_list errs = { 0 }, warns = { 0 };
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
			T_ASSERT(same_verdict(e, r->nomatches[k].text,
			                      strlen(r->nomatches[k].text)));
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
	for (int n = 0; n < ROUNDS(3000); n++) {
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
	T_ASSERT(hits > ROUNDS(300));
	filter_engine_free(e);
}

/* The same on the shipped rules (filters/): every example, and comments
 * made of words and phrases of the examples (so many of them get past the
 * prefilter), mixed with upper case, stretched letters and stray spaces. */
static void test_shipped_rules_same_verdicts_with_and_without_prefilter(void)
{
	struct filter_engine *e = NULL;
	struct diag_list errs = { 0 }, warns = { 0 };
	T_EQ_INT(0, filter_engine_load(SRCDIR "/filters", NULL, &e, &errs, &warns));
	diag_list_clear(&errs);
	diag_list_clear(&warns);
	if (!e)
		return;
	size_t checked = 0, hits = 0, nex = 0;
	const char *ex[4096];
	for (size_t i = 0; i < filter_engine_rule_count(e); i++) {
		const struct filter_rule *r = filter_engine_rule(e, i);
		for (size_t k = 0; k < r->nmatches; k++, checked++) {
			T_ASSERT(same_verdict(e, r->matches[k].text, strlen(r->matches[k].text)));
			if (nex < 4096)
				ex[nex++] = r->matches[k].text;
		}
		for (size_t k = 0; k < r->nnomatches; k++, checked++) {
			T_ASSERT(same_verdict(e, r->nomatches[k].text,
			                      strlen(r->nomatches[k].text)));
			if (nex < 4096)
				ex[nex++] = r->nomatches[k].text;
		}
	}
	T_ASSERT(nex > 100);
	for (int n = 0; nex && n < ROUNDS(4000); n++) {
		char buf[2048] = "";
		size_t len = 0;
		int parts = 1 + (int)rnd(4);
		for (int w = 0; w < parts && len < 700; w++) {
			/* a random piece of a random example: whole or from a word on */
			const char *x = ex[rnd((unsigned)nex)];
			size_t xl = strlen(x), from = 0, to = xl;
			if (rnd(2)) {
				from = rnd((unsigned)xl + 1);
				while (from < xl && from > 0 && x[from - 1] != ' ')
					from++;
				to = from + rnd((unsigned)(xl - from) + 1);
				while (to < xl && x[to] != ' ')
					to++;
			}
			if (to - from > 300)
				to = from + 300;
			for (size_t q = from; q < to && len < 1900; q++) {
				char ch = x[q];
				if (rnd(40) == 0 && ch >= 'a' && ch <= 'z')
					ch = (char)(ch - 32);
				buf[len++] = ch;
				if (rnd(200) == 0)
					for (int k = 0; k < 3; k++)
						buf[len++] = ch;
				if (rnd(150) == 0)
					buf[len++] = ' ';
			}
			buf[len++] = rnd(3) ? ' ' : '\n';
		}
		buf[len] = '\0';
		T_ASSERT(same_verdict(e, buf, len));
		struct filter_verdict *v;
		if (filter_engine_scan(e, buf, len, 0, &v) == 0) {
			hits += v->nhits > 0;
			filter_verdict_free(v);
		}
		checked++;
	}
	printf("# shipped rules: %zu rules, %zu texts compared, %zu of the mixed ones with hits\n",
	       filter_engine_rule_count(e), checked, hits);
	T_ASSERT(hits > ROUNDS(1000));
	filter_engine_free(e);
}

/* Long texts (2–24 KB): the verdicts with windows (the default, see
 * reach.h), with every pattern run on the whole text and with no prefilter
 * at all are identical.  The texts mix examples of the shipped rules with
 * filler words, so rules pass the prefilter with literals far apart. */
static void test_shipped_rules_same_verdicts_on_long_texts(void)
{
	static const char *const filler[] = { "hej",    "tack", "för",  "att",    "ni",    "kan",
		                              "ska",    "jag",  "vi",   "när",    "är",    "du",
		                              "parken", "mig",  "dig",  "08",     "070",   "och",
		                              "you",    "are",  "the",  "kommun", "min",   "mitt",
		                              "ring",   "döda", "1981", "@",      "https", "." };
	struct filter_engine *e = NULL;
	struct diag_list errs = { 0 }, warns = { 0 };
	T_EQ_INT(0, filter_engine_load(SRCDIR "/filters", NULL, &e, &errs, &warns));
	diag_list_clear(&errs);
	diag_list_clear(&warns);
	if (!e)
		return;
	T_ASSERT(filter_engine_window_patterns(e) > 100);
	const char *ex[4096];
	size_t nex = 0, hits = 0;
	for (size_t i = 0; i < filter_engine_rule_count(e); i++) {
		const struct filter_rule *r = filter_engine_rule(e, i);
		for (size_t k = 0; k < r->nmatches && nex < 4096; k++)
			ex[nex++] = r->matches[k].text;
	}
	size_t cap = 26 * 1024;
	char *buf = malloc(cap);
	for (int n = 0; n < ROUNDS(40) && buf; n++) {
		size_t target = 2048 + rnd(22 * 1024), len = 0;
		while (len < target) {
			const char *w = rnd(30) == 0
			                        ? ex[rnd((unsigned)nex)]
			                        : filler[rnd(sizeof(filler) / sizeof(filler[0]))];
			size_t wl = strlen(w);
			if (len + wl + 2 > cap)
				break;
			memcpy(buf + len, w, wl);
			len += wl;
			buf[len++] = rnd(12) ? ' ' : '\n';
		}
		T_ASSERT(same_verdict(e, buf, len));
		struct filter_verdict *a = NULL, *b = NULL;
		if (filter_engine_scan(e, buf, len, FILTER_SCAN_INCLUDE_EXPIRED, &a) == 0 &&
		    filter_engine_scan(e, buf, len,
		                       FILTER_SCAN_INCLUDE_EXPIRED | FILTER_SCAN_NO_WINDOW,
		                       &b) == 0) {
			cJSON *x = filter_verdict_to_json(a), *y = filter_verdict_to_json(b);
			char *ja = cJSON_PrintUnformatted(x), *jb = cJSON_PrintUnformatted(y);
			T_ASSERT(ja && jb && strcmp(ja, jb) == 0);
			hits += a->nhits;
			free(ja);
			free(jb);
			cJSON_Delete(x);
			cJSON_Delete(y);
		}
		filter_verdict_free(a);
		filter_verdict_free(b);
	}
	printf("# %d long texts, %zu hits\n", ROUNDS(40), hits);
	T_ASSERT(hits > ROUNDS(100));
	free(buf);
	filter_engine_free(e);
}

int main(void)
{
	T_RUN(test_extracts_required_literals);
	T_RUN(test_extracts_spaces_on_normalized_text);
	T_RUN(test_prefers_rare_literals);
	T_RUN(test_gives_up_when_unsure);
	T_RUN(test_words_followed_by_a_character);
	T_RUN(test_words_without_a_character_after);
	T_RUN(test_words_followed_by_a_character_never_lose_a_match);
	T_RUN(test_anchored_span_of_patterns);
	T_RUN(test_anchored_span_never_skips_a_match);
	T_RUN(test_implied_sets_take_one_place);
	T_RUN(test_bounded_words_of_patterns);
	T_RUN(test_bounded_words_never_lose_a_match);
	T_RUN(test_bounded_words_among_tokens);
	T_RUN(test_core_of_patterns);
	T_RUN(test_core_never_loses_a_match);
	T_RUN(test_aho_corasick_finds_all_literals);
	T_RUN(test_aho_corasick_large_automaton);
	T_RUN(test_aho_corasick_sparse_states_exact);
	T_RUN(test_aho_corasick_trace_replays_scan_all);
	T_RUN(test_random_patterns_never_lose_a_match);
	T_RUN(test_random_patterns_on_normalized_text_never_lose_a_match);
	T_RUN(test_reach_of_patterns);
	T_RUN(test_attempts_read_nothing_past_their_look);
	T_RUN(test_bounded_patterns_find_literals_within_reach);
	T_RUN(test_bounded_patterns_on_normalized_text_find_literals_within_reach);
	T_RUN(test_space_reach_and_prefixes);
	T_RUN(test_space_bounded_patterns_find_literals_within_their_words);
	T_RUN(test_relaxed_prefixes_find_literals_within_reach);
	T_RUN(test_relaxed_prefixes_in_spaces_find_literals_within_their_words);
	T_RUN(test_segment_bounded_patterns_find_literals_within_their_walk);
	T_RUN(test_mixed_reach_of_patterns);
	T_RUN(test_case_partners_are_what_pcre2_matches);
	T_RUN(test_normalized_text_has_single_spaces_only);
	T_RUN(test_engine_same_verdicts_with_and_without_prefilter);
	T_RUN(test_shipped_rules_same_verdicts_with_and_without_prefilter);
	T_RUN(test_shipped_rules_same_verdicts_on_long_texts);
	return t_done();
}
