/* On a short text the engine starts a pattern that has a reach no earlier
 * than that reach before the first occurrence of its window set
 * (engine.c, short_start(); docs/filter.md, "Figures, fifteenth round").
 * The matches must be those of a search from the text's start: a match
 * that begins the full reach before the set's first place is found at
 * its offset, and random short texts give the same verdicts, spans
 * included, as scans that search every pattern from 0
 * (FILTER_SCAN_NO_WINDOW) and as scans without the prefilter. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cjson/cJSON.h>

#include "t.h"
#include "filter/engine.h"
#include "filter/rules.h"
#include "filter/verdict.h"
#include "util/clock.h"

#define RULE(id, input, body)                                                                      \
	"rule " id "\n title t\n category spam\n statute kommentarsregler\n tier possible\n"       \
	" severity 1\n actions review\n input " input "\n" body "end\n"

/* Patterns of each window plan: bounded in characters (with a cut),
 * bounded in words, a relaxed prefix (in characters, and in words), an
 * except that is bounded, and two split patterns (anchor-split.h): one
 * bounded, whose head is skipped when the bound is above 0, and one with
 * a relaxed prefix whose set may be the tail's first branch ("koll"),
 * which starts at 0. */
static const char rules_txt[] = RULE(
        "t.chars", "raw",
        " pattern .{0,150}zqxw\n match zqxw\n match a zqxw\n match zqxw.\n"
        " nomatch zqx\n nomatch qxw\n nomatch hej\n") RULE("t.cut", "raw",
                                                           " pattern zqxw.{0,250}\n match zqxw\n "
                                                           "match a zqxw\n match zqxw.\n"
                                                           " nomatch zqx\n nomatch qxw\n nomatch "
                                                           "hej\n")
        RULE("t.words", "normalized",
             " pattern \\b(?:\\w+\\s+){0,3}zqxw\\b\n match zqxw\n match a zqxw\n"
             " match a b c zqxw\n nomatch zqx\n nomatch azqxw\n nomatch hej\n")
                RULE("t.prefix", "raw",
                     " pattern \\bko[a-z]*\\s+(?:\\w+\\s+)*?xwv\n match koa xwv\n match ko xwv\n"
                     " match ko a b xwv\n nomatch hej\n nomatch ko\n nomatch xwv\n")
                        RULE("t.prefix-words", "normalized",
                             " pattern \\bbo\\w*\\s+\\w+\\s+[^.]*\\bdoda\n match bo x doda\n"
                             " match boa x y doda\n match bo x ydoda doda\n nomatch hej\n"
                             " nomatch bo doda\n nomatch bo x. doda\n")
                                RULE("t.except", "raw",
                                     " pattern \\bqq\\w*\n except qq.{0,20}zqxw\n match qq\n match "
                                     "qqa\n"
                                     " match a qq\n nomatch qq zqxw\n nomatch hej\n nomatch aqq\n")
                                        RULE("t.split", "raw",
                                             " pattern (?:^|[.!?] ?)[a-z ]{0,20}zqxw\n"
                                             " match zqxw\n match a. zqxw\n match b! a zqxw\n"
                                             " nomatch hej\n nomatch zqx\n nomatch b.zqx\n")
                                                RULE("t.split-prefix", "normalized",
                                                     " pattern "
                                                     "(?:^|[.!?]\\s?|koll\\s)bo\\w*\\s+"
                                                     "\\w+\\s+[^.]*\\bdoda\n"
                                                     " match bo x doda\n match hej. bo x doda\n"
                                                     " match koll bo x doda\n nomatch hej\n "
                                                     "nomatch bo doda\n"
                                                     " nomatch bo x. doda\n");

static struct filter_engine *engine(void)
{
	struct filter_ruleset rs = { 0 };
	struct diag_list errs = { 0 }, warns = { 0 };
	struct filter_options o;
	struct filter_engine *e = NULL;
	filter_options_default(&o);
	if (rules_parse_buffer(&rs, "t.rules", rules_txt, strlen(rules_txt), clock_now(), &errs,
	                       &warns) != 0 ||
	    filter_engine_new(&rs, &o, &e) < 0) {
		diag_print(&errs, stdout);
		filter_ruleset_clear(&rs);
		e = NULL;
	}
	diag_list_clear(&errs);
	diag_list_clear(&warns);
	return e;
}

static char *verdict_json(struct filter_engine *e, const char *text, size_t len, unsigned flags)
{
	struct filter_verdict *v = NULL;
	if (filter_engine_scan(e, text, len, flags, &v) < 0)
		return NULL;
	cJSON *j = filter_verdict_to_json(v);
	char *s = j ? cJSON_PrintUnformatted(j) : NULL;
	cJSON_Delete(j);
	filter_verdict_free(v);
	return s;
}

/* The span of the one hit of rule `rule` in text, or {-1, -1}. */
static void hit_span(struct filter_engine *e, const char *text, const char *rule, long *s,
                     long *end)
{
	struct filter_verdict *v = NULL;
	*s = *end = -1;
	T_EQ_INT(0, filter_engine_scan(e, text, strlen(text), 0, &v));
	for (size_t h = 0; v && h < v->nhits; h++)
		if (strcmp(v->hits[h].rule, rule) == 0 && v->hits[h].nspans > 0) {
			*s = (long)v->hits[h].spans[0].start;
			*end = (long)v->hits[h].spans[0].end;
		}
	filter_verdict_free(v);
}

/* ".{0,150}zqxw" after 160 letters: its match starts at 10, 154
 * characters before the end of the set's only place (its reach, 155,
 * counts one more); a start bound two characters tighter finds it at
 * 11.  The except "qq.{0,20}zqxw" (reach 27) starts the full reach
 * before "zqxw" when 20 characters lie between: excepted there, a hit
 * with 21. */
static void test_match_a_full_reach_before_the_first_place(void)
{
	struct filter_engine *e = engine();
	char text[256];
	long s, end;
	T_ASSERT(e != NULL);
	if (!e)
		return;
	memset(text, 'a', 160);
	strcpy(text + 160, "zqxw");
	hit_span(e, text, "t.chars", &s, &end);
	T_EQ_INT(10, s);
	T_EQ_INT(164, end);
	/* "zqxw" twice: the first place bounds the start */
	strcpy(text + 160, "zqxw b zqxw");
	hit_span(e, text, "t.chars", &s, &end);
	T_EQ_INT(10, s);
	/* words: three before "zqxw", the first at the text's start */
	hit_span(e, "ett tva tre zqxw", "t.words", &s, &end);
	T_EQ_INT(0, s);
	T_EQ_INT(16, end);
	/* "qq", 20 characters, "zqxw": excepted; 21: a hit */
	memset(text, 'o', 30);
	memcpy(text, "qq", 2);
	strcpy(text + 22, "zqxw");
	hit_span(e, text, "t.except", &s, &end);
	T_EQ_INT(-1, s);
	memset(text, 'o', 30);
	memcpy(text, "qq ", 3);
	strcpy(text + 23, "zqxw");
	hit_span(e, text, "t.except", &s, &end);
	T_EQ_INT(0, s);
	/* split: the head matches at 0 with "zqxw" 20 letters on (its
	 * reach), and is not tried once the bound is above 0; the tail's
	 * match begins its full reach (26) before the end of "zqxw" */
	memset(text, 'a', 20);
	strcpy(text + 20, "zqxw");
	hit_span(e, text, "t.split", &s, &end);
	T_EQ_INT(0, s);
	T_EQ_INT(24, end);
	memset(text, 'b', 30);
	memcpy(text + 30, ". ", 2);
	memset(text + 32, 'a', 20);
	strcpy(text + 52, "zqxw");
	hit_span(e, text, "t.split", &s, &end);
	T_EQ_INT(30, s);
	T_EQ_INT(56, end);
	hit_span(e, "zqxw bbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbb zqxw", "t.split", &s, &end);
	T_EQ_INT(0, s);
	hit_span(e, "bo x doda", "t.split-prefix", &s, &end);
	T_EQ_INT(0, s);
	filter_engine_free(e);
}

/* Random short texts of the patterns' words: the same verdicts with the
 * start bound, without it and without the prefilter. */
static void test_random_short_texts_same_verdicts(void)
{
	static const char *const words[] = {
		"zqxw", "zqx", "xwv", "ko",    "koa",  "bo", "boa", "doda", "döda",
		"qq",   "qqa", "a",   "bc",    "def",  ".",  "\n",  "  ",   "ZQXW",
		"Bo",   "e",   "é",   "zq xw", "koll", "!",  "? ",  "x",
	};
	const size_t nw = sizeof(words) / sizeof(words[0]);
	struct filter_engine *e = engine();
	unsigned seed = 12;
	size_t hits = 0, n = 0;
	T_ASSERT(e != NULL);
	for (int t = 0; e && t < 4000; t++) {
		char text[1024];
		size_t len = 0, want = (seed = seed * 1103515245u + 12345u) >> 16;
		want = want % 400;
		while (len < want) {
			const char *w = words[((seed = seed * 1103515245u + 12345u) >> 16) % nw];
			size_t l = strlen(w);
			if (len + l + 1 >= sizeof(text))
				break;
			memcpy(text + len, w, l);
			len += l;
			text[len++] = ((seed >> 8) & 3) ? ' ' : 'a';
		}
		char *a = verdict_json(e, text, len, 0);
		char *b = verdict_json(e, text, len, FILTER_SCAN_NO_WINDOW);
		char *c = verdict_json(e, text, len, FILTER_SCAN_NO_PREFILTER);
		T_ASSERT(a && b && c);
		if (a && b && c && (strcmp(a, b) != 0 || strcmp(a, c) != 0)) {
			printf("# \"%.*s\":\n#  %s\n#  %s\n#  %s\n", (int)len, text, a, b, c);
			T_ASSERT(0);
		}
		hits += a && strstr(a, "\"rule\"") != NULL;
		n++;
		free(a);
		free(b);
		free(c);
	}
	printf("# %zu texts, %zu with a hit\n", n, hits);
	T_ASSERT(hits > 500);
	filter_engine_free(e);
}

int main(void)
{
	T_RUN(test_match_a_full_reach_before_the_first_place);
	T_RUN(test_random_short_texts_same_verdicts);
	return t_done();
}
