/* anchor_split(): which patterns are split, into what, that a scan of head
 * then tail finds exactly the matches of the pattern as written, and that
 * the engine's verdicts on the shipped rules are the same with and without
 * the split. */
#define PCRE2_CODE_UNIT_WIDTH 8
#include <pcre2.h>

#include <cjson/cJSON.h>

#include "filter/anchor-split.h"
#include "filter/engine.h"
#include "filter/rules.h"
#include "filter/verdict.h"
#include "t.h"

static void expect_split(const char *src, const char *head, const char *tail)
{
	char *h = NULL, *t = NULL;
	T_EQ_INT(1, anchor_split(src, &h, &t));
	T_EQ_STR(head, h);
	T_EQ_STR(tail, t);
	free(h);
	free(t);
}

static void expect_whole(const char *src)
{
	char *h = NULL, *t = NULL;
	int r = anchor_split(src, &h, &t);
	if (r != 0)
		T_FAIL_("\"%s\" was split into \"%s\" and \"%s\"", src, h ? h : "", t ? t : "");
	T_ASSERT(h == NULL && t == NULL);
	free(h);
	free(t);
}

static void test_splits_caret_branch_anywhere(void)
{
	expect_split("(?:^|[.!?]\\s*)hej\\b", "^hej\\b", "(?:[.!?]\\s*)hej\\b");
	expect_split("(?:[.!?]\\s*|^)hej", "^hej", "(?:[.!?]\\s*)hej");
	expect_split("(?:,|^|;)x", "^x", "(?:,|;)x");
	expect_split("(?:^|@[a-z0-9_.]+[,:]?\\s+|\\b(?:hi|hello)[,!]?\\s+)when\\s+(?:will|is)\\b",
	             "^when\\s+(?:will|is)\\b",
	             "(?:@[a-z0-9_.]+[,:]?\\s+|\\b(?:hi|hello)[,!]?\\s+)when\\s+(?:will|is)\\b");
	/* classes with ')' and '|' in them, escapes, groups in REST */
	expect_split("(?:^|[)|(])a(b|c)(?<v>d)\\)", "^a(b|c)(?<v>d)\\)",
	             "(?:[)|(])a(b|c)(?<v>d)\\)");
	expect_split("(?:^|\\|)(?i)x(?=y)", "^(?i)x(?=y)", "(?:\\|)(?i)x(?=y)");
	expect_split("(?:^|[[:punct:]])x", "^x", "(?:[[:punct:]])x");
	expect_split("(?:^|(?<=a)b)x", "^x", "(?:(?<=a)b)x");
}

static void test_leaves_other_patterns_whole(void)
{
	expect_whole("hej");
	expect_whole("^hej");
	expect_whole("(?:^)hej");         /* nothing to split off */
	expect_whole("(?:^|x)");          /* nothing after the group */
	expect_whole("(?:^|x)?y");        /* a quantified group */
	expect_whole("(?:^|x)*y");        /* a quantified group */
	expect_whole("(?:^|x){2}y");      /* a quantified group */
	expect_whole("(?:^|x)y|z");       /* alternation at the top level */
	expect_whole("(?:^|x)(?:y)|z");   /* alternation at the top level */
	expect_whole("(?:^|(x))y");       /* would renumber groups */
	expect_whole("(?:^|(?<n>x))y");   /* would renumber groups */
	expect_whole("(?:^|(?P<n>x))y");  /* would renumber groups */
	expect_whole("(?:^|x)(?m)y");     /* ^ would match after \n */
	expect_whole("(?m)(?:^|x)y");     /* does not start with the group */
	expect_whole("(?:^|x)(?x) y");    /* extended syntax */
	expect_whole("(?:^|x)(?#c)y");    /* a comment */
	expect_whole("(?:^|x)\\Q)\\Ey");  /* quoting */
	expect_whole("(?:^|x)y(?R)?");    /* recursion into the whole */
	expect_whole("(?:^|x)y\\g<0>");   /* the same, Oniguruma syntax */
	expect_whole("(?:^|x)(?(1)a|b)"); /* a conditional */
	expect_whole("(?:^|x)(*SKIP)y");  /* a verb */
	expect_whole("(?:^|^)y");         /* two carets */
	expect_whole("(?:^ |x)y");        /* "^ " is not "^" */
	expect_whole("(?:^|x)y)");        /* unbalanced */
	expect_whole("(?:^|x)[y");        /* unterminated class */
	expect_whole("(?:^|x");           /* unterminated group */
	expect_whole("(?:^|x)y\\");       /* a lone backslash */
}

static pcre2_code *compile(const char *src)
{
	int err;
	PCRE2_SIZE off;
	pcre2_code *c = pcre2_compile((PCRE2_SPTR)src, PCRE2_ZERO_TERMINATED, FILTER_PCRE2_OPTIONS,
	                              &err, &off, NULL);
	if (!c)
		T_FAIL_("\"%s\" does not compile (%d at %zu)", src, err, (size_t)off);
	return c;
}

/* Every match of a scan as the engine does it (each next attempt where the
 * last match ended; an empty match moves on by one byte — the subjects
 * here are ASCII), as "s-e," pairs.  With a head, the head is tried once at
 * 0 and the tail takes over. */
static void scan(pcre2_code *code, pcre2_code *head, const char *s, char *out, size_t cap)
{
	pcre2_match_data *md = pcre2_match_data_create(8, NULL);
	size_t len = strlen(s), start = 0, n = 0;
	out[0] = '\0';
	while (start <= len && n < cap - 32) {
		int rc = pcre2_match(head ? head : code, (PCRE2_SPTR)s, len, start, 0, md, NULL);
		if (head) {
			head = NULL;
			if (rc == PCRE2_ERROR_NOMATCH)
				continue;
		}
		if (rc < 0)
			break;
		PCRE2_SIZE *ov = pcre2_get_ovector_pointer(md);
		n += (size_t)snprintf(out + n, cap - n, "%zu-%zu,", (size_t)ov[0], (size_t)ov[1]);
		size_t next = ov[1];
		if (ov[1] == ov[0] || next <= start)
			next = (ov[0] > start ? ov[0] : start) + 1;
		start = next;
	}
	pcre2_match_data_free(md);
}

static uint64_t rng = 0x9E3779B97F4A7C15u;

static unsigned rnd(unsigned n)
{
	rng ^= rng << 13;
	rng ^= rng >> 7;
	rng ^= rng << 17;
	return (unsigned)(rng % n);
}

/* On random subjects made of the patterns' own pieces, head-then-tail
 * finds the same matches, at the same offsets, as the pattern as written. */
static void test_head_then_tail_matches_like_the_original(void)
{
	static const char *const pats[] = {
		"(?:^|[.!?]\\s*)(?:hej\\s*,?\\s*)?(?:nar|var)\\s+\\w+",
		"(?:[.!?]\\s*|^)x+",
		"(?:^|,|\\bo)x?y?", /* REST can be empty */
		"(?:^|(?<=a)|b)c",  /* an empty branch besides ^ */
		"(?:^|[.!?]\\s*)(?<v>ab|a)(?!b)",
		"(?:^|\\s)(?<=\\s|^)a\\b",
	};
	static const char *const parts[] = { "nar", "var", "hej", ",", ".", "!", "?", " ",
		                             "  ",  "x",   "y",   "a", "b", "c", "o", "ab" };
	size_t compared = 0, matched = 0;
	for (size_t p = 0; p < sizeof(pats) / sizeof(pats[0]); p++) {
		char *hs, *ts;
		T_EQ_INT(1, anchor_split(pats[p], &hs, &ts));
		pcre2_code *code = compile(pats[p]), *head = compile(hs), *tail = compile(ts);
		for (int n = 0; code && head && tail && n < 3000; n++) {
			char subj[128] = "", a[1024], b[1024];
			int np = (int)rnd(9);
			for (int k = 0; k < np; k++)
				strcat(subj, parts[rnd(sizeof(parts) / sizeof(parts[0]))]);
			scan(code, NULL, subj, a, sizeof(a));
			scan(tail, head, subj, b, sizeof(b));
			if (strcmp(a, b) != 0)
				T_FAIL_("\"%s\" on \"%s\": as written %s, split %s", pats[p], subj,
				        a, b);
			compared++;
			matched += a[0] != '\0';
		}
		pcre2_code_free(code);
		pcre2_code_free(head);
		pcre2_code_free(tail);
		free(hs);
		free(ts);
	}
	printf("# %zu scans compared, %zu with matches\n", compared, matched);
	T_ASSERT(matched > compared / 8);
}

static char *verdict_json(struct filter_engine *e, const char *s, unsigned flags)
{
	struct filter_verdict *v = NULL;
	char *j = NULL;
	if (filter_engine_scan(e, s, strlen(s), flags, &v) == 0) {
		cJSON *x = filter_verdict_to_json(v);
		j = cJSON_PrintUnformatted(x);
		cJSON_Delete(x);
	}
	filter_verdict_free(v);
	return j;
}

/* The engine does not compile a split's head and tail to check them
 * (split_pattern()): a pattern that compiles has a head and a tail that
 * compile.  Every pattern and except of the shipped rules that splits,
 * and a few of anchor_split()'s own examples, says so. */
static void test_split_of_a_compiling_pattern_compiles(void)
{
	static const char *const own[] = {
		"(?:^|[)|(])a(b|c)(?<v>d)\\)",
		"(?:^|\\|)(?i)x(?=y)",
		"(?:^|(?<=a)b)x",
		"(?:^|,|\\bo)x?y?",
		"(?:^|(?<=a)|b)c",
		"(?:^|\\s)(?<=\\s|^)a\\b",
		"(?:^|x)(a)\\1\\k<n>(?<n>b)",
		"(?:(?i)a|^)b",
		"(?:^|)y",
	};
	struct filter_ruleset rs = { 0 };
	struct diag_list errs = { 0 }, warns = { 0 };
	T_EQ_INT(0, rules_load_dir(SRCDIR "/filters", 0, &rs, &errs, &warns));
	diag_list_clear(&errs);
	diag_list_clear(&warns);
	size_t n = sizeof(own) / sizeof(own[0]), splits = 0;
	for (size_t i = 0; i < rs.n; i++)
		n += rs.v[i].npatterns + rs.v[i].nexcepts;
	for (size_t i = 0, k = 0, j = 0; j < n; j++) {
		const char *src;
		if (j < sizeof(own) / sizeof(own[0])) {
			src = own[j];
		} else {
			while (k >= rs.v[i].npatterns + rs.v[i].nexcepts) {
				i++;
				k = 0;
			}
			const struct filter_rule *r = &rs.v[i];
			src = k < r->npatterns ? r->patterns[k].src
			                       : r->excepts[k - r->npatterns].src;
			k++;
		}
		char *hs = NULL, *ts = NULL;
		if (anchor_split(src, &hs, &ts) == 1) {
			pcre2_code *code = compile(src), *head = compile(hs), *tail = compile(ts);
			T_ASSERT(code && head && tail);
			splits++;
			pcre2_code_free(code);
			pcre2_code_free(head);
			pcre2_code_free(tail);
		}
		free(hs);
		free(ts);
	}
	printf("# %zu of %zu patterns split, each head and tail compiled\n", splits, n);
	T_ASSERT(splits >= 50);
	filter_ruleset_clear(&rs);
}

/* The shipped rules: every example, alone and as the second, third …
 * sentence of a comment (where the tail, not the head, must find it), gets
 * the same verdict, spans included, with the split and without. */
static void test_engine_verdicts_same_with_and_without_split(void)
{
	struct filter_engine *e = NULL;
	struct diag_list errs = { 0 }, warns = { 0 };
	T_EQ_INT(0, filter_engine_load(SRCDIR "/filters", NULL, &e, &errs, &warns));
	diag_list_clear(&errs);
	diag_list_clear(&warns);
	if (!e)
		return;
	T_ASSERT(filter_engine_split_patterns(e) >= 10);
	/* before, the example, between, the example again (or not), after */
	static const struct {
		const char *pre, *mid, *post;
		int twice;
	} frame[] = {
		{ "", "", "", 0 },
		{ "Hej. ", "", "", 0 },
		{ "", "! ", "", 1 },
		{ "Tack, ", "? Och ", ".", 1 },
	};
	size_t compared = 0, with_hits = 0;
	for (size_t i = 0; i < filter_engine_rule_count(e); i++) {
		const struct filter_rule *r = filter_engine_rule(e, i);
		for (size_t k = 0; k < r->nmatches + r->nnomatches; k++) {
			const char *ex = k < r->nmatches ? r->matches[k].text
			                                 : r->nomatches[k - r->nmatches].text;
			for (size_t f = 0; f < sizeof(frame) / sizeof(frame[0]); f++) {
				char buf[2048];
				snprintf(buf, sizeof(buf), "%s%s%s%s%s", frame[f].pre, ex,
				         frame[f].mid, frame[f].twice ? ex : "", frame[f].post);
				char *a = verdict_json(e, buf, FILTER_SCAN_INCLUDE_EXPIRED);
				char *b = verdict_json(e, buf,
				                       FILTER_SCAN_INCLUDE_EXPIRED |
				                               FILTER_SCAN_NO_SPLIT);
				T_ASSERT(a && b);
				if (a && b && strcmp(a, b) != 0)
					T_FAIL_("\"%s\":\n#  split   %s\n#  written %s", buf, a, b);
				with_hits += a && strstr(a, "\"rule\"") != NULL;
				compared++;
				free(a);
				free(b);
			}
		}
	}
	printf("# %zu comments compared, %zu with hits\n", compared, with_hits);
	T_ASSERT(with_hits > compared / 3);
	filter_engine_free(e);
}

int main(void)
{
	T_RUN(test_splits_caret_branch_anywhere);
	T_RUN(test_leaves_other_patterns_whole);
	T_RUN(test_head_then_tail_matches_like_the_original);
	T_RUN(test_split_of_a_compiling_pattern_compiles);
	T_RUN(test_engine_verdicts_same_with_and_without_split);
	return t_done();
}
