/* The shipped rules whose patterns were bounded for long texts (issue 9)
 * run in windows around their literals on a long text, never over the
 * whole of it (docs/filter.md, "Long texts"), and find there what a run
 * over the whole text finds.
 *
 * The filler is made of what defeated their windows before: "har " and
 * "är " (the window sets their relaxed prefixes chose) and "(" (in the
 * set of any.contact.email-obfuscated's prefix) hundreds of times, so a
 * pattern windowed around those sets would run whole; the spaced-letter
 * e-mail pattern of any.contact.spaced-forms had no window at all.  The
 * counters are runs, not time. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cjson/cJSON.h>
#define PCRE2_CODE_UNIT_WIDTH 8
#include <pcre2.h>

#include "t.h"
#include "filter/engine.h"
#include "filter/reach.h"
#include "filter/rules.h"
#include "filter/verdict.h"
#include "util/clock.h"

#define RULES_DIR SRCDIR "/filters"

/* The rules bounded for long texts and a phrase each of them matches. */
static const struct {
	const char *rule, *phrase;
} bounded[] = {
	{ "any.contact.spaced-forms", "adressen är k a r i n@e x e m p e l . s e" },
	{ "any.health.named-person", "Erik har adhd sedan i våras" },
	{ "any.sensitive.religion-ethnicity", "min granne är ju faktiskt muslim" },
	{ "any.sensitive.sexual-orientation", "min bror är tydligen bög" },
	{ "any.contact.email-obfuscated", "skriv till anna (at) exempel (punkt) se" },
};
#define NBOUNDED (sizeof(bounded) / sizeof(bounded[0]))

static struct filter_engine *shipped_engine(void)
{
	struct filter_ruleset rs = { 0 };
	struct diag_list errs = { 0 }, warns = { 0 };
	struct filter_options o;
	struct filter_engine *e = NULL;
	filter_options_default(&o);
	if (rules_load_dir(RULES_DIR, clock_now(), &rs, &errs, &warns) != 0) {
		diag_print(&errs, stdout);
		filter_ruleset_clear(&rs);
	} else if (filter_engine_new(&rs, &o, &e) < 0) {
		e = NULL;
	}
	diag_list_clear(&errs);
	diag_list_clear(&warns);
	return e;
}

/* About 60 KB of filler with the phrases spread through it. */
static char *long_text(size_t *ret_len)
{
	static const char *const filler[] = {
		"Vi har pratat om parken (igen) och det är bra.",
		"Bussen har gått sent (som vanligt) men det är ändå okej.",
		"Biblioteket (det nya) har öppet i kväll och det är fint.",
		"Skolan har fått nya bänkar (äntligen) och det är skönt.",
	};
	const size_t cap = 64 * 1024;
	char *s = malloc(cap);
	size_t n = 0, k = 0;
	if (!s)
		return NULL;
	for (size_t line = 0; n + 200 < cap - 2048; line++) {
		const char *f = filler[line % 4];
		if (line % 200 == 100 && k < NBOUNDED)
			f = bounded[k++].phrase;
		n += (size_t)snprintf(s + n, cap - n, "%s ", f);
	}
	*ret_len = n;
	return s;
}

static void test_bounded_rules_run_in_windows_on_long_text(void)
{
	struct filter_engine *e = shipped_engine();
	size_t len = 0;
	char *text = long_text(&len);
	T_ASSERT(e != NULL && text != NULL);
	if (!e || !text)
		goto out;
	T_ASSERT(len > 60000);
	struct filter_verdict *v = NULL, *w = NULL;
	T_EQ_INT(0, filter_engine_scan(e, text, len, 0, &v));
	for (size_t k = 0; k < NBOUNDED; k++) {
		long i = filter_engine_rule_index(e, bounded[k].rule);
		T_ASSERT(i >= 0);
		if (i < 0)
			continue;
		int hit = 0;
		for (size_t h = 0; v && h < v->nhits; h++)
			hit |= strcmp(v->hits[h].rule, bounded[k].rule) == 0;
		if (!hit)
			printf("# %s: no hit\n", bounded[k].rule);
		T_ASSERT(hit);
		/* its patterns (and excepts) ran in windows, none whole */
		const struct filter_rule_stats *st = filter_engine_rule_stats(e, (size_t)i);
		if (st->long_whole || !st->long_windowed)
			printf("# %s: %llu runs in windows, %llu over the whole text\n",
			       bounded[k].rule, (unsigned long long)st->long_windowed,
			       (unsigned long long)st->long_whole);
		T_ASSERT(st->long_windowed > 0);
		T_EQ_INT(0, (long long)st->long_whole);
	}
	/* the same text with every pattern over the whole of it: the same
	 * verdict, spans included */
	T_EQ_INT(0, filter_engine_scan(e, text, len, FILTER_SCAN_NO_WINDOW, &w));
	if (v && w) {
		cJSON *ja = filter_verdict_to_json(v), *jb = filter_verdict_to_json(w);
		char *a = ja ? cJSON_PrintUnformatted(ja) : NULL;
		char *b = jb ? cJSON_PrintUnformatted(jb) : NULL;
		T_ASSERT(a && b && strcmp(a, b) == 0);
		free(a);
		free(b);
		cJSON_Delete(ja);
		cJSON_Delete(jb);
	}
	filter_verdict_free(v);
	filter_verdict_free(w);
out:
	free(text);
	filter_engine_free(e);
}

/* Do two verdicts print the same JSON (spans included)? */
static int same_verdict(const struct filter_verdict *v, const struct filter_verdict *w)
{
	cJSON *ja = v ? filter_verdict_to_json(v) : NULL,
	      *jb = w ? filter_verdict_to_json(w) : NULL;
	char *a = ja ? cJSON_PrintUnformatted(ja) : NULL;
	char *b = jb ? cJSON_PrintUnformatted(jb) : NULL;
	int same = a && b && strcmp(a, b) == 0;
	free(a);
	free(b);
	cJSON_Delete(ja);
	cJSON_Delete(jb);
	return same;
}

/* About 60 KB of "e " (a Swedish "är" and the end of many words): the
 * set the relaxed prefix of sv.hate.group-dehumanised's second pattern
 * chose, which the frequency estimate takes for rare.  A group word at
 * the start and a dehumanising word at the end (or, with `phrase`, a
 * phrase the rule matches in the middle). */
static char *e_text(const char *phrase, size_t *ret_len)
{
	const size_t cap = 64 * 1024;
	char *s = malloc(cap);
	size_t n = 0;
	if (!s)
		return NULL;
	n += (size_t)snprintf(s + n, cap - n, "Invandrare kom hit. ");
	for (size_t line = 0; n + 200 < cap - 2048; line++)
		n += (size_t)snprintf(s + n, cap - n, "%s ",
		                      line == 600 && phrase
		                              ? phrase
		                              : "Det e bra att parken e ren och det e fint.");
	n += (size_t)snprintf(s + n, cap - n, "Djuret sov.");
	*ret_len = n;
	return s;
}

/* sv.hate.group-dehumanised's second pattern has a prefix plan (around
 * "ar ", "e ", "blir ") and is bounded in segments too (around its own
 * sets, the group and the dehumanising word): on a text with hundreds of
 * "e " the segments' windows are the fewer, and the pattern runs there,
 * not over the whole text (before, the prefix plan was taken whatever
 * the text, and ran whole). */
static void test_segments_taken_over_a_common_prefix_set(void)
{
	struct filter_engine *e = shipped_engine();
	size_t len = 0, plen = 0;
	char *text = e_text(NULL, &len);
	char *ptext = e_text("invandrare e bara djur", &plen);
	long i = e ? filter_engine_rule_index(e, "sv.hate.group-dehumanised") : -1;
	T_ASSERT(e != NULL && text != NULL && ptext != NULL && i >= 0);
	if (!e || !text || !ptext || i < 0)
		goto out;
	struct filter_verdict *v = NULL, *w = NULL;
	T_EQ_INT(0, filter_engine_scan(e, text, len, 0, &v));
	const struct filter_rule_stats *st = filter_engine_rule_stats(e, (size_t)i);
	printf("# %llu runs in windows, %llu over the whole text\n",
	       (unsigned long long)st->long_windowed, (unsigned long long)st->long_whole);
	T_ASSERT(st->long_windowed > 0);
	T_EQ_INT(0, (long long)st->long_whole);
	filter_verdict_free(v);
	v = NULL;
	/* with a phrase it matches: found in windows, the verdict of a run
	 * without windows */
	T_EQ_INT(0, filter_engine_scan(e, ptext, plen, 0, &v));
	T_EQ_INT(0, filter_engine_scan(e, ptext, plen, FILTER_SCAN_NO_WINDOW, &w));
	int hit = 0;
	for (size_t h = 0; v && h < v->nhits; h++)
		hit |= strcmp(v->hits[h].rule, "sv.hate.group-dehumanised") == 0;
	T_ASSERT(hit);
	T_ASSERT(same_verdict(v, w));
	filter_verdict_free(v);
	filter_verdict_free(w);
out:
	free(text);
	free(ptext);
	filter_engine_free(e);
}

/* Does verdict v hold a hit of rule `rule`? */
static int has_hit(const struct filter_verdict *v, const char *rule)
{
	for (size_t h = 0; v && h < v->nhits; h++)
		if (strcmp(v->hits[h].rule, rule) == 0)
			return 1;
	return 0;
}

/* About 60 KB with an '@' mention every 300 bytes (200 in all) and, with
 * `addr`, an e-mail address in the middle and another at the very end. */
static char *at_text(const char *addr, size_t *ret_len)
{
	const size_t cap = 64 * 1024;
	char *s = malloc(cap);
	size_t n = 0;
	if (!s)
		return NULL;
	for (size_t line = 0; n + 400 < cap - 2048; line++) {
		if (line == 100 && addr)
			n += (size_t)snprintf(s + n, cap - n, "Hon heter %s och bor har. ", addr);
		n += (size_t)snprintf(s + n, cap - n,
		                      "Tack @parkforvaltningen for svaret om bussen, vi ses "
		                      "i parken pa lordag och tar med fika till alla som kommer "
		                      "dit. Det blir nog fint vader hela dagen sa ta med en "
		                      "filt ocksa. Vi har pratat med grannarna om det och "
		                      "de tycker att det ar en bra ide att ses dar igen. ");
	}
	if (addr)
		n += (size_t)snprintf(s + n, cap - n, "Skicka till %s", addr);
	*ret_len = n;
	return s;
}

/* any.contact.email looks at up to 385 characters from where a match
 * starts, but a match starts at most 66 before the end of its '@': its
 * windows are the reach of the pattern cut through the '@'
 * (pattern_cut_memo()).  With 200 '@' in 60 KB the full reach's windows
 * would cover more than half the text and the pattern ran whole (before:
 * this fails); the cut's cover a fifth.  An address with a 64-character
 * local part starts exactly that far back, and one ends the text: both
 * found, the verdict of a run without windows. */
static void test_email_windows_reach_back_to_the_at_only(void)
{
	struct filter_engine *e = shipped_engine();
	const char *addr = "aaaaaaaaaabbbbbbbbbbccccccccccddddddddddeeeeeeeeeeffffffffff.xyz@"
	                   "exempelforetaget.se";
	size_t len = 0, plen = 0;
	char *text = at_text(NULL, &len), *ptext = at_text(addr, &plen);
	long i = e ? filter_engine_rule_index(e, "any.contact.email") : -1;
	T_ASSERT(e != NULL && text != NULL && ptext != NULL && i >= 0);
	if (!e || !text || !ptext || i < 0)
		goto out;
	T_ASSERT(len > 60000);
	struct filter_verdict *v = NULL, *w = NULL;
	T_EQ_INT(0, filter_engine_scan(e, text, len, 0, &v));
	T_ASSERT(!has_hit(v, "any.contact.email"));
	filter_verdict_free(v);
	v = NULL;
	T_EQ_INT(0, filter_engine_scan(e, ptext, plen, 0, &v));
	const struct filter_rule_stats *st = filter_engine_rule_stats(e, (size_t)i);
	printf("# %llu runs in windows, %llu over the whole text\n",
	       (unsigned long long)st->long_windowed, (unsigned long long)st->long_whole);
	T_EQ_INT(2, (long long)st->long_windowed);
	T_EQ_INT(0, (long long)st->long_whole);
	T_ASSERT(has_hit(v, "any.contact.email"));
	size_t spans = 0;
	for (size_t h = 0; v && h < v->nhits; h++)
		if (strcmp(v->hits[h].rule, "any.contact.email") == 0)
			spans = v->hits[h].nspans;
	T_EQ_INT(2, (long long)spans);
	T_EQ_INT(0, filter_engine_scan(e, ptext, plen, FILTER_SCAN_NO_WINDOW, &w));
	T_ASSERT(same_verdict(v, w));
	filter_verdict_free(v);
	filter_verdict_free(w);
out:
	free(text);
	free(ptext);
	filter_engine_free(e);
}

/* A cut of a pattern (pattern_cut_memo()) at every offset: it compiles,
 * it matches wherever the pattern matches (anchored at the same start)
 * and its match there is no longer than its reach.  Random subjects
 * over the patterns' alphabet. */
static void test_cuts_match_where_their_patterns_do(void)
{
	static const char *const pats[] = {
		"(?<![\\w.+-])(?!(?:info|post)@)(?<v>[\\w.+-]{1,6}@(?!(?:[\\w-]+\\.)*ab\\.se\\b)"
		"[\\w-]{1,5}(?:\\.[\\w-]{1,3}){1,2})",
		"ab[cd]{1,5}@x{0,3}(?:yz|w)",
		"(?:a|bc)(d@e){1,2}f?",
		"(?<v>[a-c]{1,4}@)[a-c]{0,9}\\b",
		"(?:(?:ab|c)[@.]d|e@)(?:x|y{2})@",
		"\\b(?:ab|ba)\\s+(?:c@|d)\\s*[a-d]{0,4}$",
	};
	struct reach_memo *memo = reach_memo_new();
	unsigned seed = 9;
	size_t checked = 0;
	T_ASSERT(memo != NULL);
	for (size_t p = 0; memo && p < sizeof(pats) / sizeof(pats[0]); p++) {
		int err;
		PCRE2_SIZE off;
		pcre2_code *pc = pcre2_compile((PCRE2_SPTR)pats[p], PCRE2_ZERO_TERMINATED,
		                               FILTER_PCRE2_OPTIONS, &err, &off, NULL);
		T_ASSERT(pc != NULL);
		if (!pc)
			continue;
		/* the points a plan bisects over: whole items, in order */
		size_t pt[64], npt = pattern_cut_points(pats[p], 0, memo, pt, 64);
		T_ASSERT(npt > 0 || strchr(pats[p], '|') != NULL);
		for (size_t k = 0; k < npt; k++)
			T_ASSERT(pt[k] > (k ? pt[k - 1] : 0) && pt[k] <= strlen(pats[p]));
		for (size_t cut = 1; cut <= strlen(pats[p]); cut++) {
			char *q = NULL;
			long reach = 0;
			int r = pattern_cut_memo(pats[p], 0, cut, memo, &q, &reach);
			T_ASSERT(r >= 0);
			if (r != 0)
				continue;
			pcre2_code *qc = pcre2_compile((PCRE2_SPTR)q, PCRE2_ZERO_TERMINATED,
			                               FILTER_PCRE2_OPTIONS, &err, &off, NULL);
			if (!qc)
				printf("# %s cut at %zu: %s does not compile\n", pats[p], cut, q);
			T_ASSERT(qc != NULL);
			pcre2_match_data *md = pcre2_match_data_create(16, NULL);
			for (int t = 0; qc && md && t < 300; t++) {
				static const char alpha[] = "abcdexy@. -";
				char subj[40];
				size_t n = 8 + (seed = seed * 1103515245u + 12345u) % 30;
				for (size_t k = 0; k < n; k++)
					subj[k] =
					        alpha[((seed = seed * 1103515245u + 12345u) >> 16) %
					              (sizeof(alpha) - 1)];
				subj[n] = 0;
				for (size_t st = 0; st <= n; st++) {
					if (pcre2_match(pc, (PCRE2_SPTR)subj, n, st, PCRE2_ANCHORED,
					                md, NULL) < 0)
						continue;
					int qr = pcre2_match(qc, (PCRE2_SPTR)subj, n, st,
					                     PCRE2_ANCHORED, md, NULL);
					const PCRE2_SIZE *ov = pcre2_get_ovector_pointer(md);
					if (qr < 0 || ov[1] - st > (size_t)reach)
						printf("# %s cut at %zu (%s, reach %ld) on \"%s\" "
						       "at %zu: "
						       "%d\n",
						       pats[p], cut, q, reach, subj, st, qr);
					T_ASSERT(qr >= 0 && ov[1] - st <= (size_t)reach);
					checked++;
				}
			}
			pcre2_match_data_free(md);
			pcre2_code_free(qc);
			free(q);
		}
		pcre2_code_free(pc);
	}
	printf("# %zu matches checked\n", checked);
	T_ASSERT(checked > 1000);
	/* the e-mail pattern's points enter its named group: the '@' */
	const char *em = pats[0];
	size_t pt[64], npt = pattern_cut_points(em, 0, memo, pt, 64), at = 0;
	for (size_t k = 0; k < npt; k++)
		at += em[pt[k] - 1] == '@';
	T_EQ_INT(1, (long long)at);
	reach_memo_free(memo);
}

/* A second engine of the same rules takes the first one's plan
 * (prefcache.h) with its second plans: sv.hate.group-dehumanised's
 * segments and any.contact.email's full reach (before, only the first
 * plan was carried, and on the text of "e " the second engine ran the
 * pattern over the whole text). */
static void test_second_plans_carried_to_a_shared_plan(void)
{
	struct filter_engine *e = shipped_engine(), *e2 = shipped_engine();
	size_t len = 0;
	char *text = e_text(NULL, &len);
	long i = e2 ? filter_engine_rule_index(e2, "sv.hate.group-dehumanised") : -1;
	T_ASSERT(e != NULL && e2 != NULL && text != NULL && i >= 0);
	if (!e || !e2 || !text || i < 0)
		goto out;
	struct filter_verdict *v = NULL;
	T_EQ_INT(0, filter_engine_scan(e2, text, len, 0, &v));
	const struct filter_rule_stats *st = filter_engine_rule_stats(e2, (size_t)i);
	printf("# %llu runs in windows, %llu over the whole text\n",
	       (unsigned long long)st->long_windowed, (unsigned long long)st->long_whole);
	T_ASSERT(st->long_windowed > 0);
	T_EQ_INT(0, (long long)st->long_whole);
	filter_verdict_free(v);
out:
	free(text);
	filter_engine_free(e);
	filter_engine_free(e2);
}

/* An engine of the rules in txt[0, n), or NULL with the parser's errors
 * printed. */
static struct filter_engine *rules_engine(const char *txt, size_t n)
{
	struct filter_ruleset rs = { 0 };
	struct diag_list errs = { 0 }, warns = { 0 };
	struct filter_options o;
	struct filter_engine *e = NULL;
	filter_options_default(&o);
	if (rules_parse_buffer(&rs, "t.rules", txt, n, clock_now(), &errs, &warns) != 0 ||
	    filter_engine_new(&rs, &o, &e) < 0) {
		diag_print(&errs, stdout);
		filter_ruleset_clear(&rs);
		e = NULL;
	}
	diag_list_clear(&errs);
	diag_list_clear(&warns);
	return e;
}

/* A pattern run in windows counts toward its JIT compilation (engine.c,
 * JIT_AFTER_BYTES, 8192) what its matches read: the window's starts and
 * the reach past the last one.  ".{0,150}zqxw" (reach 155) around one
 * place: 310 a text, so JIT-compiled on the 27th text; counting the
 * window alone (155) put it off to the 53rd, and on a long text the
 * interpreter ran where the JIT code would be warm.  "zqxw.{0,250}"
 * has windows of 5 starts (its cut through "zqxw", cut_plan()) whose
 * matches read 255 on: 260 a text, the 32nd (the 17th before the cut,
 * 510 a text); counting the cut's width as what they read (10 a text)
 * would put it off to the 820th. */
static void windowed_pattern_reaches_jit(const char *pattern, int not_yet, int done)
{
	char txt[512];
	snprintf(txt, sizeof(txt),
	         "rule t.win\n title t\n category spam\n statute kommentarsregler\n"
	         " tier possible\n severity 1\n actions review\n input raw\n"
	         " pattern %s\n match zqxw\n match a zqxw b\n match zqxw.\n"
	         " nomatch zqx\n nomatch qxw\n nomatch hej\nend\n",
	         pattern);
	struct filter_engine *e = rules_engine(txt, strlen(txt));
	char *s = malloc(8192);
	T_ASSERT(e != NULL && s != NULL);
	if (!e || !s)
		goto out;
	size_t n = 0;
	while (n < 4000)
		n += (size_t)snprintf(s + n, 8192 - n, "%s",
		                      n > 2000 && n < 2020 ? "zqxw hej " : "a bc def ");
	for (int t = 1; t <= done; t++) {
		struct filter_verdict *v = NULL;
		T_EQ_INT(0, filter_engine_scan(e, s, n, 0, &v));
		T_ASSERT(v && v->nhits == 1);
		filter_verdict_free(v);
		if (t == not_yet || t == done)
			printf("# %s after %d texts: %zu JIT-compiled, %llu runs in windows\n",
			       pattern, t, filter_engine_jit_patterns(e),
			       (unsigned long long)filter_engine_rule_stats(e, 0)->long_windowed);
		if (t == not_yet) /* still put off */
			T_EQ_INT(0, (long long)filter_engine_jit_patterns(e));
	}
	T_EQ_INT(1, (long long)filter_engine_jit_patterns(e));
	T_EQ_INT(done, (long long)filter_engine_rule_stats(e, 0)->long_windowed);
out:
	free(s);
	filter_engine_free(e);
}

static void test_windowed_pattern_reaches_jit(void)
{
	uint32_t jit = 0;
	if (pcre2_config(PCRE2_CONFIG_JIT, &jit) < 0 || !jit) {
		printf("# skipped: no JIT in this PCRE2\n");
		return;
	}
	windowed_pattern_reaches_jit(".{0,150}zqxw", 20, 30);
	windowed_pattern_reaches_jit("zqxw.{0,250}", 25, 40);
}

/* A rule of one pattern on input `input` (raw, normalized) with `phrase`
 * among its examples, or NULL. */
static struct filter_engine *one_rule_engine(const char *pattern, const char *input,
                                             const char *phrase)
{
	char txt[1024];
	snprintf(txt, sizeof(txt),
	         "rule t.behind\n title t\n category spam\n statute kommentarsregler\n"
	         " tier possible\n severity 1\n actions review\n input %s\n"
	         " pattern %s\n match %s\n match a %s\n match %s b\n"
	         " nomatch zzv\n nomatch qx\n nomatch hej\nend\n",
	         input, pattern, phrase, phrase, phrase);
	return rules_engine(txt, strlen(txt));
}

/* A literal the prefilter takes from a positive lookbehind may end before
 * the match starts: "(?<=qx\w)zzv" matches "qxazzv" at the 'z', after
 * the end of "qx".  The windows (which assumed a match starts at or
 * before the end of its literal) end that far later (reach.h,
 * pattern_behind_memo()).  Each pattern is scanned alone and after about
 * 4 KB of filler holding its other literal ("zzv" and the like) often,
 * so that the lookbehind's set is the one with the fewest places: the
 * same match, the verdict of a run without windows, in windows.  Bounded
 * in characters, a cut (the lookbehind is the cut's end), bounded in
 * words, a prefix plan (\S+ after it), in segments; raw and normalised.
 * Before the fix every long text missed its match. */
static void test_lookbehind_literal_before_the_match(void)
{
	static const struct {
		const char *pattern, *input, *phrase;
	} c[] = {
		{ "(?<=qx\\w)zzv{1,200}", "raw", "qxazzv" },
		{ "(?<=qx\\w)zzv{1,200}", "normalized", "qxazzv" },
		{ "(?<=qxw\\w\\w)zzv.{0,300}", "raw", "qxwabzzv" },
		{ "(?<=qxwq\\s\\w)zv\\s+\\w+\\s+\\w+", "normalized", "qxwq azv ett tva" },
		{ "(?<=qxwq\\s\\w)zv\\S+", "normalized", "qxwq azvtt" },
		{ "(?<=qxwq\\s\\w)zv\\S+[^.]{0,200}\\?", "normalized", "qxwq azvtt hej?" },
		{ "(?<=\\bqxwq\\w)(?:zz|yy)v", "raw", "qxwqayyv" },
	};
	for (size_t k = 0; k < sizeof(c) / sizeof(c[0]); k++) {
		struct filter_engine *e = one_rule_engine(c[k].pattern, c[k].input, c[k].phrase);
		char *s = malloc(8192);
		T_ASSERT(e != NULL && s != NULL);
		if (!e || !s) {
			free(s);
			filter_engine_free(e);
			continue;
		}
		struct filter_verdict *v = NULL, *w = NULL;
		/* alone: a short text, no windows */
		T_EQ_INT(0, filter_engine_scan(e, c[k].phrase, strlen(c[k].phrase), 0, &v));
		T_ASSERT(has_hit(v, "t.behind"));
		filter_verdict_free(v);
		v = NULL;
		size_t n = 0;
		for (int line = 0; n < 4000; line++)
			n += (size_t)snprintf(s + n, 8192 - n, "%s ",
			                      line % 10 == 0 ? "hej zzvzv yyvyv" : "hej");
		n += (size_t)snprintf(s + n, 8192 - n, "%s hej hej", c[k].phrase);
		T_EQ_INT(0, filter_engine_scan(e, s, n, 0, &v));
		T_EQ_INT(0, filter_engine_scan(e, s, n, FILTER_SCAN_NO_WINDOW, &w));
		const struct filter_rule_stats *st = filter_engine_rule_stats(e, 0);
		printf("# %s (%s): %s, %llu runs in windows, %llu whole\n", c[k].pattern,
		       c[k].input, has_hit(v, "t.behind") ? "found" : "missed",
		       (unsigned long long)st->long_windowed, (unsigned long long)st->long_whole);
		T_ASSERT(has_hit(v, "t.behind"));
		T_ASSERT(same_verdict(v, w));
		T_EQ_INT(1, (long long)st->long_windowed);
		filter_verdict_free(v);
		filter_verdict_free(w);
		free(s);
		filter_engine_free(e);
	}
}

/* A window's search is given the text up to what its attempts can read
 * (reach.h, pattern_look_memo(); engine.c, window_subject()), negative
 * lookarounds included, so that PCRE2 does not look for a rare last
 * character to the end of the text on every window.  The subject's end
 * must never be seen: "$" must not match there, and a negative
 * lookahead must still see what follows.  Each case on 4 KB of filler
 * with the phrase in the middle, with windows and without: the same
 * verdict.  Counting no negative lookaround (what pattern_reach() does)
 * makes the second case match; the last has words of 50-90 letters
 * between its start and its '?' (a walk in spaces, not characters). */
static void test_window_subject_ends_after_what_attempts_read(void)
{
	static const struct {
		const char *pattern, *input, *phrase;
		int hit;
		const char *ex; /* the rule's three match examples */
	} c[] = {
		{ "zqv.{0,5}$", "raw", "zqv ab", 0, "zqv|a zqv|zqv ab" },
		{ "zqv(?!.{0,300}kk)", "raw",
		  "zqv bbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbb kk",
		  0, "zqv|a zqv|zqv ab" },
		{ "zqv[^.]{0,40}\\?", "normalized", "zqv vad sa du?", 1, "zqv?|a zqv?|zqv ab?" },
		{ "zqv\\S+\\s+\\S+\\s+\\S+\\?", "normalized",
		  "zqvaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa"
		  "aaaaaa bbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbb "
		  "ccccccccccccccccccccccccccccccccccccccccccccccccccccccc?",
		  1, "zqva b c?|x zqva b c?|zqvab cd ef?" },
	};
	for (size_t k = 0; k < sizeof(c) / sizeof(c[0]); k++) {
		char txt[1024], ex[3][64];
		if (sscanf(c[k].ex, "%63[^|]|%63[^|]|%63[^|]", ex[0], ex[1], ex[2]) != 3)
			T_ASSERT(0);
		snprintf(txt, sizeof(txt),
		         "rule t.look\n title t\n category spam\n statute kommentarsregler\n"
		         " tier possible\n severity 1\n actions review\n input %s\n pattern %s\n"
		         " match %s\n match %s\n match %s\n"
		         " nomatch zqx\n nomatch hej\n nomatch kk\nend\n",
		         c[k].input, c[k].pattern, ex[0], ex[1], ex[2]);
		struct filter_engine *e = rules_engine(txt, strlen(txt));
		char *s = malloc(8192);
		T_ASSERT(e != NULL && s != NULL);
		if (!e || !s) {
			free(s);
			filter_engine_free(e);
			continue;
		}
		size_t n = 0;
		for (int line = 0; n < 4000; line++) {
			n += (size_t)snprintf(s + n, 8192 - n, "%s ",
			                      line == 40 ? c[k].phrase : "hej pa dig");
		}
		struct filter_verdict *v = NULL, *w = NULL;
		T_EQ_INT(0, filter_engine_scan(e, s, n, 0, &v));
		T_EQ_INT(0, filter_engine_scan(e, s, n, FILTER_SCAN_NO_WINDOW, &w));
		printf("# %s (%s): %s, %llu runs in windows\n", c[k].pattern, c[k].input,
		       has_hit(v, "t.look") ? "hit" : "no hit",
		       (unsigned long long)filter_engine_rule_stats(e, 0)->long_windowed);
		T_EQ_INT(c[k].hit, has_hit(v, "t.look"));
		T_ASSERT(same_verdict(v, w));
		T_EQ_INT(1, (long long)filter_engine_rule_stats(e, 0)->long_windowed);
		filter_verdict_free(v);
		filter_verdict_free(w);
		free(s);
		filter_engine_free(e);
	}
}

/* A source that recurs takes the window plan made for its first slot
 * (engine.c, plan_memo_find()) only where the plan would be the same:
 * the same text on raw input has another plan than on normalised input.
 * "\bzqv(?:\s+[a-z]+){0,3}\s+kkx\b" is bounded in words on normalised
 * text (windows around its rarer set, "kkx" here, a few words back);
 * on raw text \s+ is unbounded and its plan is its prefix "\bzqv".  The
 * raw rule's match has 20 spaces before "kkx": the normalised plan's
 * windows would miss it.  Three rules (two normalised, one raw) after
 * about 4 KB of "zqv ": the verdict of a run without windows, each rule
 * in windows. */
static void test_recurring_source_keeps_its_own_plan(void)
{
	static const char pat[] = "\\bzqv(?:\\s+[a-z]+){0,3}\\s+kkx\\b";
	char txt[2048];
	size_t n = 0;
	for (int k = 0; k < 3; k++)
		n += (size_t)snprintf(txt + n, sizeof(txt) - n,
		                      "rule t.same%d\n title t\n category spam\n"
		                      " statute kommentarsregler\n tier possible\n severity 1\n"
		                      " actions review\n input %s\n pattern %s\n"
		                      " match zqv a kkx\n match zqv kkx\n match zqv a b kkx\n"
		                      " nomatch zqv\n nomatch kkx\n nomatch hej\nend\n",
		                      k, k == 1 ? "raw" : "normalized", pat);
	struct filter_engine *e = rules_engine(txt, n);
	char *s = malloc(8192);
	T_ASSERT(e != NULL && s != NULL);
	if (!e || !s)
		goto out;
	size_t len = 0;
	while (len < 4000)
		len += (size_t)snprintf(s + len, 8192 - len, "%s",
		                        len >= 2000 && len < 2020 ? "zqv                    kkx "
		                                                  : "zqv hej hej hej hej ");
	struct filter_verdict *v = NULL, *w = NULL;
	T_EQ_INT(0, filter_engine_scan(e, s, len, 0, &v));
	T_EQ_INT(0, filter_engine_scan(e, s, len, FILTER_SCAN_NO_WINDOW, &w));
	T_ASSERT(v && v->nhits == 3);
	T_ASSERT(same_verdict(v, w));
	for (size_t i = 0; i < 3; i++) {
		const struct filter_rule_stats *st = filter_engine_rule_stats(e, i);
		printf("# t.same%zu: %llu runs in windows, %llu over the whole text\n", i,
		       (unsigned long long)st->long_windowed, (unsigned long long)st->long_whole);
		T_EQ_INT(1, (long long)st->long_windowed);
	}
	filter_verdict_free(v);
	filter_verdict_free(w);
out:
	free(s);
	filter_engine_free(e);
}

/* A set's places are recorded up to one past WINDOW_MAX_OCC (2,048,
 * engine.c): one more means too many, the pattern runs over the whole
 * text.  Past that the set is no longer wanted in the scan
 * (on_occurrence()), so its later places are not reported at all.
 * "zqxw\d" after 2,047 or 2,048 places of "zqxw" without a digit, its
 * match at the last place (the 2,048th or the 2,049th): in windows
 * around all 2,048 places, or over the whole text; found either way, the
 * verdict of a run without windows.  Counting one place short of the
 * limit would run the second in windows around the first 2,048 places
 * and miss the match. */
static void test_places_counted_to_one_past_the_limit(void)
{
	static const char txt[] =
	        "rule t.occ\n title t\n category spam\n statute kommentarsregler\n"
	        " tier possible\n severity 1\n actions review\n input raw\n"
	        " pattern zqxw\\d\n match zqxw1\n match a zqxw2\n match zqxw3 b\n"
	        " nomatch zqxw\n nomatch hej\n nomatch zqx1\nend\n";
	for (int before = 2047; before <= 2048; before++) {
		struct filter_engine *e = rules_engine(txt, strlen(txt));
		const size_t cap = 8 * 2100 + 64;
		char *s = malloc(cap);
		T_ASSERT(e != NULL && s != NULL);
		if (!e || !s) {
			free(s);
			filter_engine_free(e);
			continue;
		}
		size_t n = 0;
		for (int k = 0; k < before; k++)
			n += (size_t)snprintf(s + n, cap - n, "zqxw a ");
		n += (size_t)snprintf(s + n, cap - n, "zqxw5 hej");
		struct filter_verdict *v = NULL, *w = NULL;
		T_EQ_INT(0, filter_engine_scan(e, s, n, 0, &v));
		/* the counters of this scan alone */
		const struct filter_rule_stats st = *filter_engine_rule_stats(e, 0);
		T_EQ_INT(0, filter_engine_scan(e, s, n, FILTER_SCAN_NO_WINDOW, &w));
		printf("# %d places before the match: %s, %llu runs in windows, %llu whole\n",
		       before, has_hit(v, "t.occ") ? "found" : "missed",
		       (unsigned long long)st.long_windowed, (unsigned long long)st.long_whole);
		T_ASSERT(has_hit(v, "t.occ"));
		T_ASSERT(same_verdict(v, w));
		T_EQ_INT(before < 2048 ? 1 : 0, (long long)st.long_windowed);
		T_EQ_INT(before < 2048 ? 0 : 1, (long long)st.long_whole);
		filter_verdict_free(v);
		filter_verdict_free(w);
		free(s);
		filter_engine_free(e);
	}
}

/* Windows that do not touch count toward JIT compilation one by one,
 * however they are searched (searching windows up to 64 bytes apart by
 * one call was tried in the nineteenth round and not kept:
 * docs/filter.md). ".{0,150}zqxw" (reach 155) around two places 185
 * bytes apart: two windows 30 bytes apart, 2 x 310 a text, so JIT-
 * compiled on the 14th text (8,192 / 620); counting the group's width
 * (185 + 310) would put it off to the 17th. */
static void test_near_windows_count_as_windows(void)
{
	uint32_t jit = 0;
	if (pcre2_config(PCRE2_CONFIG_JIT, &jit) < 0 || !jit) {
		printf("# skipped: no JIT in this PCRE2\n");
		return;
	}
	static const char txt[] =
	        "rule t.near\n title t\n category spam\n statute kommentarsregler\n"
	        " tier possible\n severity 1\n actions review\n input raw\n"
	        " pattern .{0,150}zqxw\n match zqxw\n match a zqxw b\n match b zqxw\n"
	        " nomatch zqx\n nomatch qxw\n nomatch hej\nend\n";
	struct filter_engine *e = rules_engine(txt, strlen(txt));
	char *s = malloc(8192);
	T_ASSERT(e != NULL && s != NULL);
	if (!e || !s)
		goto out;
	size_t n = 0;
	while (n < 2000)
		n += (size_t)snprintf(s + n, 8192 - n, "a bc def ");
	n += (size_t)snprintf(s + n, 8192 - n, "zqxw");
	for (int k = 0; k < 181; k++)
		s[n++] = k % 5 == 4 ? ' ' : 'b';
	n += (size_t)snprintf(s + n, 8192 - n, "zqxw");
	while (n < 4000)
		n += (size_t)snprintf(s + n, 8192 - n, " a bc def");
	for (int t = 1; t <= 14; t++) {
		struct filter_verdict *v = NULL;
		T_EQ_INT(0, filter_engine_scan(e, s, n, 0, &v));
		T_ASSERT(v && v->nhits == 1);
		filter_verdict_free(v);
		if (t == 13 || t == 14)
			printf("# after %d texts: %zu JIT-compiled\n", t,
			       filter_engine_jit_patterns(e));
		if (t == 13)
			T_EQ_INT(0, (long long)filter_engine_jit_patterns(e));
	}
	T_EQ_INT(1, (long long)filter_engine_jit_patterns(e));
	/* the run over the whole text last: it counts too, and its JIT code
	 * would serve the windows (codecache.h) */
	struct filter_verdict *v = NULL, *w = NULL;
	T_EQ_INT(0, filter_engine_scan(e, s, n, FILTER_SCAN_NO_WINDOW, &w));
	T_EQ_INT(0, filter_engine_scan(e, s, n, 0, &v));
	T_ASSERT(same_verdict(v, w));
	filter_verdict_free(v);
	filter_verdict_free(w);
out:
	free(s);
	filter_engine_free(e);
}

/* The k-th byte between two places: 'b', ' ' or 'c'. */
static char gap_char(unsigned seed, size_t k)
{
	if (k % 7 == 6)
		return 'c';
	return (seed >> (k % 16)) & 1 ? ' ' : 'b';
}

/* Windows find what the whole text gives: places of "zqxw" with gaps of
 * 0 to 150 bytes between them (windows that touch, lie a few bytes
 * apart, or farther), with and without the "k" the pattern needs (a
 * letter: normalisation reads a digit as one), matches that run on past
 * the next window ("[ b]{0,40}c") and more matches than a rule keeps (16
 * spans): the verdict of a run without windows, spans included, over 210
 * random texts, raw and normalised. */
static void test_grouped_windows_find_what_the_text_gives(void)
{
	static const char *const pattern[] = { "[a-z]{0,30} ?zqxw[k1]", "zqxw[k1][ b]{0,40}c",
		                               "(?<![a-z])b{0,12}zqxw[k1]" };
	static const char *const input[] = { "raw", "normalized" };
	unsigned seed = 7;
	size_t hits = 0, hits_in[2] = { 0, 0 };
	for (size_t p = 0; p < 3; p++) {
		for (size_t in = 0; in < 2; in++) {
			char txt[1024];
			snprintf(txt, sizeof(txt),
			         "rule t.group\n title t\n category spam\n statute "
			         "kommentarsregler\n tier possible\n severity 1\n actions review\n"
			         " input %s\n pattern %s\n match zqxw1 c\n match a zqxw2 c\n match "
			         "zqxw3 c b\n"
			         " nomatch zqx\n nomatch hej\n nomatch zqxw c\nend\n",
			         input[in], pattern[p]);
			struct filter_engine *e = rules_engine(txt, strlen(txt));
			char *s = malloc(16384);
			T_ASSERT(e != NULL && s != NULL);
			for (int t = 0; e && s && t < 35; t++) {
				size_t n = 0;
				while (n < 2500) {
					seed = seed * 1103515245u + 12345u;
					size_t gap = (seed >> 8) % 151;
					for (size_t k = 0; k < gap; k++)
						s[n++] = gap_char(seed, k);
					n += (size_t)snprintf(s + n, 16384 - n, "%s",
					                      (seed >> 20) % 3 ? "zqxw" : "zqxwk");
				}
				n += (size_t)snprintf(s + n, 16384 - n, " c hej");
				struct filter_verdict *v = NULL, *w = NULL;
				T_EQ_INT(0, filter_engine_scan(e, s, n, 0, &v));
				T_EQ_INT(0, filter_engine_scan(e, s, n, FILTER_SCAN_NO_WINDOW, &w));
				T_ASSERT(same_verdict(v, w));
				hits += v && v->nhits;
				hits_in[in] += v && v->nhits;
				filter_verdict_free(v);
				filter_verdict_free(w);
			}
			free(s);
			filter_engine_free(e);
		}
	}
	printf("# %zu of 210 texts matched (raw %zu, normalised %zu)\n", hits, hits_in[0],
	       hits_in[1]);
	T_ASSERT(hits_in[0] > 50 && hits_in[1] > 50);
}

/* The k-th piece between two places: a letter, a space or two, or a
 * letter of two, three or four bytes. */
static const char *walk_piece(unsigned seed, size_t k, int ascii)
{
	static const char *const piece[] = {
		"b", " ", "c", "\xc3\xa5", "  ", "\xe2\x82\xac", "\xf0\x9f\x98\x80", "b", "d"
	};
	/* whole 64-byte blocks of ASCII: the walk by characters takes them at
	 * once (chars_back_ix()) */
	static const char *const ascii_piece[] = { "b", " ", "c", "ef", "  ", "d", "gh", "b", "d" };
	return (ascii ? ascii_piece : piece)[(seed >> (k % 16)) % 9];
}

/* Windows walked back from their places by words and by characters
 * (text_index(): the spaces found by a search, ASCII blocks taken at
 * once, eight bytes that begin with a character counted at once) find
 * what the whole text gives: gaps of 0 to 60 pieces of one to four
 * bytes and runs of spaces, or of ASCII only, raw and normalised, the
 * verdict of a run without windows, spans included; the rule ran in
 * windows.  Half the texts hold one place that can match among places
 * that cannot ("zqxw" after any letter but k), where among many matches
 * another would stand in for one a short window missed.  Planted cuts in
 * chars_back_ix() of two to five bytes fail here; a cut of one byte
 * passes every test of this file (the windows have a character to spare
 * for these patterns), and so does a space search that counts a space at
 * the place itself (a literal here never begins with one). */
static void test_walks_back_over_spaces_and_letters_past_ascii(void)
{
	static const char *const pattern[] = { "(?:[a-z\xc3\xa5]+ ){0,4}[k1]zqxw",
		                               "(?:\\S+ ){4}[k1]zqxw",
		                               "[a-z\xc3\xa5 ]{0,37}[k1]zqxw", "[^z]{21}[k1]zqxw" };
	static const char *const input[] = { "raw", "normalized" };
	unsigned seed = 11;
	size_t hits = 0, single_hits = 0, ascii_hits = 0;
	for (size_t p = 0; p < 4; p++) {
		for (size_t in = 0; in < 2; in++) {
			char txt[1024];
			snprintf(txt, sizeof(txt),
			         "rule t.walk\n title t\n category spam\n statute "
			         "kommentarsregler\n tier possible\n severity 1\n actions review\n"
			         " input %s\n pattern %s\n match ab 1zqxw\n match abc kzqxw\n "
			         "match abcd kzqxw\n"
			         " nomatch zqx\n nomatch hej\n nomatch zqxw\nend\n",
			         input[in], pattern[p]);
			struct filter_engine *e = rules_engine(txt, strlen(txt));
			char *s = malloc(16384);
			T_ASSERT(e != NULL && s != NULL);
			for (int t = 0; e && s && t < 48; t++) {
				const int ascii = t % 2, single = t / 2 % 2;
				size_t n = 0, at = 1000;
				int placed = 0;
				if (single) {
					seed = seed * 1103515245u + 12345u;
					at += (seed >> 8) % 4000;
				}
				while (n < 6000) {
					seed = seed * 1103515245u + 12345u;
					size_t gap = (seed >> 8) % 61;
					for (size_t k = 0; k < gap; k++)
						n += (size_t)snprintf(s + n, 16384 - n, "%s",
						                      walk_piece(seed, k, ascii));
					const int match = single ? !placed && n >= at
					                         : (seed >> 20) % 40 == 0;
					placed |= match;
					n += (size_t)snprintf(s + n, 16384 - n, "%s",
					                      match ? "kzqxw" : "zqxw");
				}
				struct filter_verdict *v = NULL, *w = NULL;
				T_EQ_INT(0, filter_engine_scan(e, s, n, 0, &v));
				T_EQ_INT(0, filter_engine_scan(e, s, n, FILTER_SCAN_NO_WINDOW, &w));
				T_ASSERT(same_verdict(v, w));
				const int hit = w && w->nhits;
				hits += hit;
				single_hits += single && hit;
				ascii_hits += single && ascii && hit;
				filter_verdict_free(v);
				filter_verdict_free(w);
			}
			printf("# %s (%s): %llu runs in windows\n", pattern[p], input[in],
			       e ? (unsigned long long)filter_engine_rule_stats(e, 0)->long_windowed
			         : 0ull);
			free(s);
			filter_engine_free(e);
		}
	}
	printf("# %zu of 384 texts matched; %zu of the 192 with one place that can, %zu of "
	       "them ASCII\n",
	       hits, single_hits, ascii_hits);
	T_ASSERT(hits > 100);
	T_ASSERT(single_hits > 40);
	T_ASSERT(ascii_hits > 20);
}

int main(void)
{
	T_RUN(test_bounded_rules_run_in_windows_on_long_text);
	T_RUN(test_segments_taken_over_a_common_prefix_set);
	T_RUN(test_windowed_pattern_reaches_jit);
	T_RUN(test_email_windows_reach_back_to_the_at_only);
	T_RUN(test_cuts_match_where_their_patterns_do);
	T_RUN(test_second_plans_carried_to_a_shared_plan);
	T_RUN(test_lookbehind_literal_before_the_match);
	T_RUN(test_window_subject_ends_after_what_attempts_read);
	T_RUN(test_recurring_source_keeps_its_own_plan);
	T_RUN(test_places_counted_to_one_past_the_limit);
	T_RUN(test_near_windows_count_as_windows);
	T_RUN(test_grouped_windows_find_what_the_text_gives);
	T_RUN(test_walks_back_over_spaces_and_letters_past_ascii);
	return t_done();
}
