/* The prefilter's memo of groups (a lexicon read once for every pattern
 * naming it) gives the sets reading every pattern afresh gives, and a
 * large set is minimized as a small one is. */
#include <stdbool.h>

#include "t.h"
#include "trounds.h"
#include "filter/prefilter.h"
#include "filter/reach.h"
#include "filter/rules.h"

/* The sets of a pattern as "a,b|c", in the order extracted (the order
 * decides automaton ids: a memo must not change it). */
static char *sets_of(const char *pattern, unsigned flags, struct prefilter_memo *memo)
{
	struct lit_conj c;
	size_t cap = 1 << 16, len = 0;
	char *buf = malloc(cap);
	if (!buf)
		abort();
	buf[0] = '\0';
	if (prefilter_extract_memo(pattern, flags, memo, &c) < 0) {
		free(buf);
		return NULL;
	}
	for (size_t s = 0; s < c.n; s++)
		for (size_t l = 0; l < c.v[s].n; l++)
			len += (size_t)snprintf(buf + len, cap - len, "%s%s",
			                        l ? "," : (s ? "|" : ""), c.v[s].v[l]);
	lit_conj_clear(&c);
	return buf;
}

static char *sets_text(const char *pattern, unsigned flags, struct prefilter_memo *memo);

/* A trie-shaped group of n made-up words, as lexicon.c writes one, over
 * 256 bytes long from about 30 words: "(?:k(?:a(?:ba|ca...)|...)...)". */
static char *word_group(unsigned seed, size_t n)
{
	char *g = malloc(n * 16 + 16);
	if (!g)
		abort(); /* a test without memory has nothing to say */
	size_t len = (size_t)sprintf(g, "(?:");
	for (size_t i = 0; i < n; i++) {
		unsigned x = seed * 7919u + (unsigned)i * 104729u;
		len += (size_t)sprintf(g + len, "%s%c(?:%c%c%c|%c%c)", i ? "|" : "",
		                       'a' + (int)(x % 26), 'a' + (int)(x / 26 % 26),
		                       'a' + (int)(x / 676 % 26), 'a' + (int)(i % 26),
		                       'a' + (int)(x / 17576 % 26), 'a' + (int)(i / 26 % 26));
	}
	sprintf(g + len, ")");
	return g;
}

/* Where a group can stand: the memo may only reuse what the group itself
 * decides (options in force, kind of subject, quantifier, lookaround and
 * nesting are each a different result or none). */
static const char *const contexts[] = {
	"%s",
	"\\b%s\\b",
	"(?i)%s\\s+ar",
	"(?i:%s)|xyzzy",
	"jag\\s+ska\\s+%s",
	"%s?\\s+dig",
	"(?=.*%s)hej",
	"(?!%s)hej",
	"(?x) %s \\s+ du",
	"(?:du|ni)\\s+(?:%s|plugga)",
	"[a-z]+%s{2}",
	"\\Q(?:\\E%s",
	"(%s)\\1",
	"(?:(?:(?:%s)))\\s+(?:%s)",
	"%s\\s+\\S+\\s+%s",
	"(?:%s\\s+.*|x)y",
	"[^.]*%s",
	"(?:%s(?!x)|y)\\s+(?:%s)",
	"(?!z)(?:%s)\\s+(?<!q)%s",
};

/* ctx with every "%s" replaced by g. */
static void fill(char *out, size_t size, const char *ctx, const char *g)
{
	size_t len = 0, glen = strlen(g);
	for (const char *c = ctx; *c && len + glen + 1 < size; c++) {
		if (c[0] == '%' && c[1] == 's') {
			memcpy(out + len, g, glen);
			len += glen;
			c++;
		} else {
			out[len++] = *c;
		}
	}
	out[len] = '\0';
}

static void test_memo_gives_the_sets_of_a_fresh_read(void)
{
	char *groups[3] = { word_group(1, 40), word_group(2, 40), word_group(1, 60) };
	struct prefilter_memo *memo = prefilter_memo_new();
	T_ASSERT(memo != NULL);
	/* every pattern twice, so the second reading of each is from the memo */
	for (int round = 0; round < 2; round++)
		for (size_t g = 0; g < 3; g++)
			for (size_t c = 0; c < sizeof(contexts) / sizeof(contexts[0]); c++)
				for (unsigned flags = 0; flags <= PREFILTER_NORMALIZED;
				     flags += PREFILTER_NORMALIZED) {
					char pat[8192];
					fill(pat, sizeof(pat), contexts[c], groups[g]);
					char *fresh = sets_of(pat, flags, NULL),
					     *memod = sets_of(pat, flags, memo);
					T_ASSERT(fresh && memod);
					if (fresh && memod && strcmp(fresh, memod) != 0) {
						T_FAIL_("context %zu, group %zu, flags %u: \"%s\" "
						        "against \"%s\"",
						        c, g, flags, memod, fresh);
					}
					free(fresh);
					free(memod);
				}
	prefilter_memo_free(memo);
	for (size_t g = 0; g < 3; g++)
		free(groups[g]);
}

/* The reach of a pattern, its spaces, what its attempts look at
 * (negative lookarounds counted: pattern_look_memo(), read first and
 * after the rest, so that groups kept by either reading serve the other)
 * and its relaxed prefixes as one string. */
static void reach_of(const char *pat, int norm, struct reach_memo *memo, char *out, size_t size)
{
	struct reach_seg seg[REACH_MAX_SEGS];
	size_t len = 0, nseg = pattern_look_memo(pat, norm, memo, 100000, seg);
	for (size_t k = 0; k < nseg; k++)
		len += (size_t)snprintf(out + len, size - len, "%d:%ld ", seg[k].spaces, seg[k].n);
	len += (size_t)snprintf(out + len, size - len, "%ld %ld",
	                        pattern_reach_memo(pat, norm, memo),
	                        norm ? pattern_space_reach_memo(pat, memo) : -1);
	nseg = pattern_look_memo(pat, norm, memo, 100000, seg);
	for (size_t k = 0; k < nseg; k++)
		len += (size_t)snprintf(out + len, size - len, " %d:%ld", seg[k].spaces, seg[k].n);
	for (int spaces = 0; spaces < 2; spaces++) {
		char *q = NULL;
		long r = -1;
		int k = pattern_prefix_memo(pat, norm, spaces, memo, &q, &r);
		len += (size_t)snprintf(out + len, size - len, " | %d %ld %s", k, r, q ? q : "");
		free(q);
	}
}

static void test_reach_memo_gives_a_fresh_read(void)
{
	char *groups[2] = { word_group(1, 40), word_group(4, 50) };
	struct reach_memo *memo = reach_memo_new();
	static char fresh[1 << 16], memod[1 << 16];
	T_ASSERT(memo != NULL);
	for (int round = 0; round < 2; round++)
		for (size_t g = 0; g < 2; g++)
			for (size_t c = 0; c < sizeof(contexts) / sizeof(contexts[0]); c++)
				for (int norm = 0; norm < 2; norm++) {
					char pat[8192];
					fill(pat, sizeof(pat), contexts[c], groups[g]);
					reach_of(pat, norm, NULL, fresh, sizeof(fresh));
					reach_of(pat, norm, memo, memod, sizeof(memod));
					if (strcmp(fresh, memod) != 0)
						T_FAIL_("context %zu, group %zu, norm %d: "
						        "\"%.200s\" "
						        "against \"%.200s\"",
						        c, g, norm, memod, fresh);
				}
	/* nested past the limit after a read at the top: no reach */
	char pat[16384];
	size_t len = 0;
	for (int i = 0; i < 63; i++)
		len += (size_t)sprintf(pat + len, "(?:");
	len += (size_t)sprintf(pat + len, "%s", groups[0]);
	for (int i = 0; i < 63; i++)
		len += (size_t)sprintf(pat + len, ")");
	T_ASSERT(pattern_reach_memo(groups[0], 0, memo) > 0);
	T_EQ_INT(-1, pattern_reach(pat, 0));
	T_EQ_INT(-1, pattern_reach_memo(pat, 0, memo));
	reach_memo_free(memo);
	for (size_t g = 0; g < 2; g++)
		free(groups[g]);
}

/* A group read at the top and then nested past the limit of 64 levels
 * gives up there, as it does without a memo. */
/* S after the LEN bytes of BUF, which stays NUL-terminated; the new
 * length (a text too long for BUF is a broken test: abort). */
static size_t append(char *buf, size_t cap, size_t len, const char *s)
{
	size_t n = strlen(s);
	if (len + n >= cap)
		abort();
	memcpy(buf + len, s, n + 1);
	return len + n;
}

static void test_memo_keeps_the_nesting_limit(void)
{
	char *g = word_group(3, 40), pat[16384];
	struct prefilter_memo *memo = prefilter_memo_new();
	size_t len = 0;
	T_ASSERT(memo != NULL);
	char *top = sets_of(g, 0, memo);
	T_ASSERT(top && top[0] != '\0');
	for (int depth = 60; depth <= 64; depth++) {
		len = 0;
		for (int i = 0; i < depth; i++)
			len = append(pat, sizeof(pat), len, "(?:");
		len = append(pat, sizeof(pat), len, g);
		for (int i = 0; i < depth; i++)
			len = append(pat, sizeof(pat), len, ")");
		char *fresh = sets_of(pat, 0, NULL), *memod = sets_of(pat, 0, memo);
		T_ASSERT(fresh && memod);
		if (fresh && memod && strcmp(fresh, memod) != 0)
			T_FAIL_("depth %d: \"%s\" against \"%s\"", depth, memod, fresh);
		/* the group nests two levels: past 62 around it, nothing */
		if (fresh)
			T_EQ_INT(depth <= 62, fresh[0] != '\0');
		free(fresh);
		free(memod);
	}
	free(top);
	prefilter_memo_free(memo);
	free(g);
}

/* Sets of up to 64 literals compare every pair, an alternation across
 * its branches while the branches besides its largest are few; larger
 * ones are looked up in a hash.  Unrelated words added to a set must
 * leave the rest of the result as the small set had it. */
static void test_large_set_minimized_as_small_one(void)
{
	static const char *const small[] = {
		"(?:huset|stadshuset|kommunhuset|hus|husen)",
		"(?:ska|ska fan|skal|q|bqb|qb)",
		"(?:abcd|bc|abc|cd|bcd|e)",
		"(?:abcd|cd|abc|xcdx)",
	};
	static const char *const expect[] = {
		"hus",
		"ska,q",
		"bc,cd,e",
		"cd,abc",
	};
	/* 150 words none of which holds another: more than comparing pairs
	 * takes, in any of the ways */
	char extra[150 * 6 + 1];
	size_t xl = 0;
	for (int w = 0; w < 150; w++)
		xl += (size_t)snprintf(extra + xl, sizeof(extra) - xl, "|zj%03d", w);
	for (size_t i = 0; i < sizeof(small) / sizeof(small[0]); i++) {
		char pat[2048], want[2048];
		char *got = sets_of(small[i], 0, NULL);
		T_ASSERT(got != NULL);
		if (got)
			T_EQ_STR(expect[i], got);
		free(got);
		/* the same alternation with 17 more words: hashed */
		snprintf(pat, sizeof(pat), "%.*s%s)", (int)strlen(small[i]) - 1, small[i], extra);
		snprintf(want, sizeof(want), "%s%s", expect[i], extra);
		for (char *p = want; *p; p++)
			*p = *p == '|' ? ',' : *p;
		got = sets_of(pat, 0, NULL);
		T_ASSERT(got != NULL);
		if (got)
			T_EQ_STR(want, got);
		free(got);
	}
}

/* A run's variants of several lengths (a small set, compared by
 * length: minimize_by_length()): a variant is dropped only for a
 * shorter one it holds. */
static void test_run_variants_minimized_by_length(void)
{
	static const char *const pattern[] = {
		"(?:ab|abab|b)x",      "(?:a|ba|cba)(?:a|b)", "(?:xy|q)(?:z|zz|zzz)",
		"(?:xy|q|wq)(?:zz|z)", "(?:aaaa|bbb|cc)d",
	};
	static const char *const expect[] = {
		"bx", "aa,ab", "xyz,qz", "xyz,qz", "aaaad,bbbd,ccd",
	};
	for (size_t i = 0; i < sizeof(pattern) / sizeof(pattern[0]); i++) {
		char *got = sets_of(pattern[i], 0, NULL);
		T_ASSERT(got != NULL);
		if (got)
			T_EQ_STR(expect[i], got);
		free(got);
	}
}

/* The common words (lit_estimate()'s lists by length) are estimated in
 * half the comments or more; other words of their lengths less. */
static void test_common_words_estimated_common(void)
{
	static const char *const common[] = {
		"alla", "and", "ar",   "are", "att", "av",   "de",   "den", "det", "dig",  "din",
		"du",   "en",  "er",   "ett", "for", "fran", "gor",  "han", "har", "hon",  "hur",
		"i",    "in",  "is",   "it",  "jag", "kan",  "man",  "med", "men", "mig",  "min",
		"ni",   "nar", "nu",   "och", "of",  "om",   "on",   "pa",  "sa",  "sig",  "ska",
		"som",  "the", "till", "to",  "ut",  "var",  "vad",  "vi",  "was", "what", "you",
		"your", "är",  "för",  "på",  "så",  "när",  "från",
	};
	static const char *const other[] = { "qz", "qzx", "qzxw", "qzxwy", "ock", "tilt", "frå" };
	for (size_t i = 0; i < sizeof(common) / sizeof(common[0]) + 7; i++) {
		const bool is_common = i < sizeof(common) / sizeof(common[0]);
		const char *w =
		        is_common ? common[i] : other[i - sizeof(common) / sizeof(common[0])];
		struct lit_conj c;
		T_EQ_INT(0, prefilter_extract_opts(w, 0, &c));
		T_EQ_INT(1, (int)c.n);
		if (c.n == 1) {
			T_EQ_INT(1, (int)c.v[0].n);
			if ((lit_set_freq(&c.v[0]) >= 0.5) != is_common)
				T_FAIL_("\"%s\": estimate %g", w, lit_set_freq(&c.v[0]));
		}
		lit_conj_clear(&c);
	}
}

/* A memo's literals come from its arena (blocks of 64 KB): many large
 * groups read through one memo, the arena filled over many blocks, give
 * the sets of reads without a memo (whose literals are malloc()ed), and
 * the results are cleared before the memo is freed. */
static void test_memo_literals_span_arena_blocks(void)
{
	struct prefilter_memo *memo = prefilter_memo_new();
	T_ASSERT(memo != NULL);
	static const char *const around[][2] = { { "", "" },
		                                 { "jag ", "\\s+nu" },
		                                 { "(?:", "|qqq)" } };
	for (unsigned g = 0; g < 12; g++) {
		char *group = word_group(100 + g, 300 + 40 * g);
		for (size_t c = 0; c < 3; c++) {
			size_t n = strlen(group) + 64;
			char *pat = malloc(n);
			T_ASSERT(pat != NULL);
			if (!pat)
				break;
			snprintf(pat, n, "%s%s%s", around[c][0], group, around[c][1]);
			char *fresh = sets_text(pat, 0, NULL), *memod = sets_text(pat, 0, memo);
			T_ASSERT(fresh && memod);
			if (fresh && memod)
				T_EQ_STR(fresh, memod);
			free(fresh);
			free(memod);
			free(pat);
		}
		free(group);
	}
	prefilter_memo_free(memo);
}

/* The sets an alternation of words and groups of words must give: every
 * word in order of first appearance, each once, without those holding
 * another (what comparing every pair of the whole set gives). */
static char *minimal_words(char **w, size_t n)
{
	char *buf = malloc(1 << 16);
	size_t len = 0;
	if (!buf)
		abort();
	buf[0] = '\0';
	for (size_t i = 0; i < n; i++) {
		int keep = 1;
		for (size_t j = 0; j < i && keep; j++)
			keep = strcmp(w[i], w[j]) != 0;
		for (size_t j = 0; j < n && keep; j++)
			keep = !(strlen(w[j]) < strlen(w[i]) && strstr(w[i], w[j]));
		if (keep)
			len += (size_t)snprintf(buf + len, (1 << 16) - len, "%s%s", len ? "," : "",
			                        w[i]);
	}
	return buf;
}

/* An alternation's union is minimized across its branches when all but
 * the largest are few, else as one set: random alternations of groups
 * (of one to 300 words over three or eight letters, so that words hold
 * others, and sets stay large) give what comparing every pair of all
 * their words gives. */
static void test_alternation_minimized_across_branches(void)
{
	static const int shapes[][4] = {
		/* groups, words in the first, in each other, single words */
		{ 1, 300, 0, 3 }, { 1, 120, 0, 1 }, { 2, 150, 150, 0 }, { 12, 6, 6, 4 },
		{ 1, 40, 0, 30 }, { 3, 200, 2, 2 }, { 1, 2, 0, 140 },   { 5, 60, 30, 0 },
	};
	unsigned x = 12345;
	for (size_t sh = 0; sh < sizeof(shapes) / sizeof(shapes[0]); sh++)
		for (int round = 0; round < 4; round++) {
			size_t cap = 2000, n = 0, len = 0;
			char **w = malloc(cap * sizeof(*w)), *pat = malloc(1 << 16);
			if (!w || !pat)
				abort();
			int groups = shapes[sh][0], singles = shapes[sh][3];
			for (int g = 0; g < groups + singles; g++) {
				int nw = g >= groups ? 1 : g == 0 ? shapes[sh][1] : shapes[sh][2];
				len += (size_t)snprintf(pat + len, (1 << 16) - len, "%s%s",
				                        g ? "|" : "", g < groups ? "(?:" : "");
				for (int k = 0; k < nw; k++) {
					char word[8];
					/* 3 to 7 letters */
					x = x * 1103515245u + 12345u;
					int wl = 3 + (int)(x >> 16) % 5;
					for (int c = 0; c < wl; c++) {
						x = x * 1103515245u + 12345u;
						word[c] = (char)('a' +
						                 (x >> 16) % (round < 2 ? 3 : 8));
					}
					word[wl] = '\0';
					w[n] = strdup(word);
					if (!w[n])
						abort();
					len += (size_t)snprintf(pat + len, (1 << 16) - len, "%s%s",
					                        k ? "|" : "", w[n]);
					n++;
				}
				if (g < groups)
					len += (size_t)snprintf(pat + len, (1 << 16) - len, ")");
			}
			char *want = minimal_words(w, n), *got = sets_of(pat, 0, NULL);
			T_ASSERT(got != NULL);
			if (got && strcmp(want, got) != 0) {
				fprintf(stderr, "shape %zu round %d: %s\n", sh, round, pat);
				T_EQ_STR(want, got);
			}
			free(want);
			free(got);
			for (size_t i = 0; i < n; i++)
				free(w[i]);
			free(w);
			free(pat);
		}
}

/* The sets of a pattern as sets_of() writes them, of any size; NULL
 * without memory. */
static char *sets_text(const char *pattern, unsigned flags, struct prefilter_memo *memo)
{
	struct lit_conj c;
	if (prefilter_extract_memo(pattern, flags, memo, &c) < 0)
		return NULL;
	size_t size = 1;
	for (size_t s = 0; s < c.n; s++)
		for (size_t l = 0; l < c.v[s].n; l++)
			size += strlen(c.v[s].v[l]) + 1;
	char *buf = malloc(size), *at = buf;
	if (!buf)
		abort();
	for (size_t s = 0; s < c.n; s++)
		for (size_t l = 0; l < c.v[s].n; l++) {
			if (l || s)
				*at++ = l ? ',' : '|';
			at = stpcpy(at, c.v[s].v[l]);
		}
	*at = '\0';
	lit_conj_clear(&c);
	return buf;
}

/* Put-off requirements (an exact group's set made only when a caller
 * needs it) give the sets made where each group is read, in order, for
 * every pattern and except of the shipped rules, with and without a
 * memo. */
static void test_put_off_sets_on_shipped_rules(void)
{
	struct filter_ruleset rs = { 0 };
	struct diag_list errs = { 0 }, warns = { 0 };
	T_EQ_INT(0, rules_load_dir_flags(SRCDIR "/filters", 0, RULES_LOAD_DEFER_COMPILE, NULL, NULL,
	                                 &rs, &errs, &warns));
	struct prefilter_memo *eager = prefilter_memo_new(), *lazy = prefilter_memo_new();
	T_ASSERT(eager && lazy);
	size_t n = 0, differ = 0;
	for (size_t i = 0; i < rs.n; i++) {
		const struct filter_rule *r = &rs.v[i];
		unsigned flags = r->input == FILTER_INPUT_NORMALIZED ? PREFILTER_NORMALIZED : 0;
		for (size_t k = 0; k < r->npatterns + r->nexcepts; k++, n++) {
			const char *src = k < r->npatterns ? r->patterns[k].src
			                                   : r->excepts[k - r->npatterns].src;
			char *want = sets_text(src, flags | PREFILTER_EAGER, eager);
			char *got = sets_text(src, flags, lazy);
			T_ASSERT(want && got);
			if (want && got && strcmp(want, got) != 0 && differ++ < 3) {
				fprintf(stderr, "rule %s pattern %zu\n", r->id, k);
				T_EQ_STR(want, got);
			}
			free(want);
			free(got);
		}
	}
	T_EQ_INT(0, (int)differ);
	T_ASSERT(n > 2000);
	prefilter_memo_free(eager);
	prefilter_memo_free(lazy);
	filter_ruleset_clear(&rs);
	diag_list_clear(&errs);
	diag_list_clear(&warns);
}

/* A random pattern of words, small classes, optional and quantified
 * groups, alternations, lookarounds, \s+, options and anchors: the
 * shapes whose exact strings and requirements the extractor combines. */
static size_t random_item(unsigned *x, char *out, size_t cap, size_t len, int depth);

static unsigned rnd(unsigned *x, unsigned n)
{
	*x = *x * 1103515245u + 12345u;
	return (*x >> 16) % n;
}

static size_t put(char *out, size_t cap, size_t len, const char *s)
{
	size_t n = strlen(s);
	if (len + n < cap) {
		memcpy(out + len, s, n + 1);
		len += n;
	}
	return len;
}

static size_t random_alt(unsigned *x, char *out, size_t cap, size_t len, int depth)
{
	size_t branches = 1 + rnd(x, depth == 0 ? 3 : 5);
	for (size_t b = 0; b < branches; b++) {
		if (b)
			len = put(out, cap, len, "|");
		size_t items = 1 + rnd(x, 4);
		for (size_t i = 0; i < items; i++)
			len = random_item(x, out, cap, len, depth);
	}
	return len;
}

static size_t random_item(unsigned *x, char *out, size_t cap, size_t len, int depth)
{
	static const char *const atoms[] = { "a",    "b", "ab",  "ba",   "aab", "[ab]", "[a1]",
		                             "\\s+", " ", "\\b", "\\w+", ".",   "ö",    "c",
		                             "abc",  "^", "$",   "k",    "\\d", "x{2}", "a{2,}" };
	static const char *const quants[] = { "", "", "", "", "?", "+", "*", "{2}", "{1,3}" };
	static const char *const opens[] = { "(?:", "(?:",  "(?:",  "(",   "(?=",
		                             "(?!", "(?<=", "(?i:", "(?>", "(?<v>" };
	unsigned k = rnd(x, depth < 4 ? 10 : 4);
	if (k < 4) {
		len = put(out, cap, len, atoms[rnd(x, sizeof(atoms) / sizeof(atoms[0]))]);
	} else if (k == 4 && depth == 0) {
		len = put(out, cap, len, "(?i)");
	} else {
		len = put(out, cap, len, opens[rnd(x, sizeof(opens) / sizeof(opens[0]))]);
		len = random_alt(x, out, cap, len, depth + 1);
		len = put(out, cap, len, ")");
	}
	return put(out, cap, len, quants[rnd(x, sizeof(quants) / sizeof(quants[0]))]);
}

/* Put-off requirements on random patterns (and inside a large group, so
 * that the memo keeps them): the sets made where each group is read.
 * 20,000 patterns, 4,000 under AddressSanitizer (trounds.h). */
static void test_put_off_sets_on_random_patterns(void)
{
	unsigned x = 2026;
	char pat[4096], big[16384];
	struct prefilter_memo *memo = prefilter_memo_new();
	T_ASSERT(memo != NULL);
	size_t differ = 0;
	for (int round = 0; round < T_ROUNDS(20000, 4000); round++) {
		size_t len = random_alt(&x, pat, sizeof(pat), 0, 0);
		pat[len] = '\0';
		/* the same inside a group over MEMO_MIN_LEN (256) bytes */
		char *g = word_group((unsigned)round, 30);
		if (snprintf(big, sizeof(big), "(?:%s|%s)\\s+(?:zz%s)", g, pat, pat) < 0)
			abort();
		free(g);
		for (unsigned norm = 0; norm < 2; norm++) {
			const char *const texts[] = { pat, big };
			for (size_t t = 0; t < 2; t++) {
				char *want = sets_text(texts[t], norm | PREFILTER_EAGER, NULL);
				char *got = sets_text(texts[t], norm, NULL);
				char *memoed = sets_text(texts[t], norm, memo);
				T_ASSERT(want && got && memoed);
				if (strcmp(want, got) != 0 || strcmp(want, memoed) != 0) {
					if (differ++ < 3) {
						fprintf(stderr, "pattern %s (norm %u)\n", texts[t],
						        norm);
						T_EQ_STR(want, got);
						T_EQ_STR(want, memoed);
					}
				}
				free(want);
				free(got);
				free(memoed);
			}
		}
	}
	T_EQ_INT(0, (int)differ);
	prefilter_memo_free(memo);
}

/* pat with every ASCII letter outside escapes as a class of its two
 * cases ("ab" -> "[aA][bB]"): the same strings, read through add_lit()'s
 * general path (a class) instead of its one-character path. */
static void letters_as_classes(char *out, size_t size, const char *pat)
{
	size_t len = 0;
	for (const char *c = pat; *c && len + 6 < size; c++) {
		const char l = (char)(*c | 0x20);
		if (*c == '\\' && c[1]) {
			out[len++] = *c++;
			out[len++] = *c;
		} else if (l >= 'a' && l <= 'z') {
			len += (size_t)snprintf(out + len, size - len, "[%c%c]", l, l - 0x20);
		} else {
			out[len++] = *c;
		}
	}
	out[len] = '\0';
}

static void test_one_character_path_gives_the_general_paths_sets(void)
{
	char *groups[2] = { word_group(3, 40), word_group(4, 8) };
	const char *const plain[] = {
		"abcdefghijklmnopqrstuvwxyzabcdefghijklmnopqrstuvwxyz", /* a run cut when full */
		"(?:x|y)bcdefghijklmnopqrstuvwxyzabcdefghijklmnop\\s+hej",
		"KNIV\\s+Hugga|STICKA\\s+ner",
		"(?:jag|vi)\\s+ska\\s+(?:d(?:oda|räpa)|slå)\\s+dig",
		"a.b1c2-d3_e4@f5",
	};
	char pat[16384], alt[65536];
	for (size_t k = 0; k < 2 + sizeof(plain) / sizeof(plain[0]); k++)
		for (unsigned flags = 0; flags <= PREFILTER_NORMALIZED;
		     flags += PREFILTER_NORMALIZED) {
			snprintf(pat, sizeof(pat), "%s", k < 2 ? groups[k] : plain[k - 2]);
			letters_as_classes(alt, sizeof(alt), pat);
			/* reach.c's parse_seq() has a path of its own for them */
			const int norm = flags == PREFILTER_NORMALIZED;
			T_EQ_INT(pattern_reach(alt, norm), pattern_reach(pat, norm));
			if (norm)
				T_EQ_INT(pattern_space_reach(alt), pattern_space_reach(pat));
			char *one = sets_of(pat, flags, NULL), *general = sets_of(alt, flags, NULL);
			T_ASSERT(one && general);
			if (one && general)
				T_EQ_STR(general, one);
			T_ASSERT(one && one[0] != '\0');
			free(one);
			free(general);
		}
	free(groups[0]);
	free(groups[1]);
}

int main(void)
{
	T_RUN(test_memo_gives_the_sets_of_a_fresh_read);
	T_RUN(test_memo_keeps_the_nesting_limit);
	T_RUN(test_reach_memo_gives_a_fresh_read);
	T_RUN(test_large_set_minimized_as_small_one);
	T_RUN(test_alternation_minimized_across_branches);
	T_RUN(test_put_off_sets_on_shipped_rules);
	T_RUN(test_run_variants_minimized_by_length);
	T_RUN(test_common_words_estimated_common);
	T_RUN(test_memo_literals_span_arena_blocks);
	T_RUN(test_put_off_sets_on_random_patterns);
	T_RUN(test_one_character_path_gives_the_general_paths_sets);
	return t_done();
}
