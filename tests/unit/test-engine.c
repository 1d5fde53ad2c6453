/* The filter engine: verdicts, examples, limits, masking, hostile input. */
#include <errno.h>

#include "t.h"
#include "filter/codecache.h"
#include "filter/engine.h"
#include "filter/examples.h"
#include "filter/rules.h"
#include "util/clock.h"
#include "tengine.h"

#define DATA SRCDIR "/tests/unit/data/filter"

static struct filter_engine *load(const struct filter_options *o)
{
	return tengine_load(DATA "/good", o);
}

/* An engine of one rule given as rule-file text. */
static struct filter_engine *from_text(const char *txt, const struct filter_options *o)
{
	struct filter_ruleset rs = { 0 };
	struct diag_list errs = { 0 }, warns = { 0 };
	struct filter_engine *e = NULL;
	if (rules_parse_buffer(&rs, "t.rules", txt, strlen(txt), clock_now(), &errs, &warns) != 0 ||
	    filter_engine_new(&rs, o, &e) < 0) {
		diag_print(&errs, stdout);
		filter_ruleset_clear(&rs);
	}
	diag_list_clear(&errs);
	diag_list_clear(&warns);
	return e;
}

static struct filter_verdict *scan(struct filter_engine *e, const char *s)
{
	struct filter_verdict *v = NULL;
	if (filter_engine_scan(e, s, strlen(s), 0, &v) < 0)
		return NULL;
	return v;
}

static void test_threat_verdict(void)
{
	struct filter_engine *e = load(NULL);
	T_ASSERT(e);
	if (!e)
		return;
	struct filter_verdict *v = scan(e, "Jag ska döda dig");
	T_EQ_INT(1, v->nhits);
	T_EQ_STR("sv.threat.kill-direct", v->hits[0].rule);
	T_EQ_INT(FILTER_TIER_OBVIOUS, v->tier);
	T_EQ_INT(5, v->severity);
	T_EQ_INT(FILTER_ACT_HIDE | FILTER_ACT_ESCALATE, v->actions);
	T_EQ_INT(1u << FILTER_CAT_THREAT, v->categories);
	T_EQ_INT(1, v->hits[0].nspans);
	T_EQ_INT(0, v->hits[0].spans[0].start);
	T_EQ_INT(strlen("Jag ska döda dig"), v->hits[0].spans[0].end);
	T_EQ_INT(0, v->truncated);
	T_EQ_STR("Jag ska döda dig", v->text);
	filter_verdict_free(v);

	/* offsets are in the original even through normalisation */
	const char *s = "Hej! JAG  ska d ö d a dig.";
	v = scan(e, s);
	T_EQ_INT(1, v->nhits);
	T_EQ_INT(5, v->hits[0].spans[0].start);
	T_EQ_INT(strlen(s) - 1, v->hits[0].spans[0].end);
	filter_verdict_free(v);

	v = scan(e, "Vi ska döda tid, jag ska döda dig");
	T_EQ_INT(0, v->nhits); /* the except matches anywhere */
	T_EQ_INT(FILTER_TIER_NONE, v->tier);
	filter_verdict_free(v);
	filter_engine_free(e);
}

static void test_highest_tier_and_union_of_actions(void)
{
	struct filter_engine *e = load(NULL);
	struct filter_verdict *v = scan(e, "din idiot, jag ska döda dig. När öppnar ni?");
	T_EQ_INT(3, v->nhits);
	T_EQ_INT(FILTER_TIER_OBVIOUS, v->tier);
	T_EQ_INT(5, v->severity);
	T_EQ_INT(FILTER_ACT_HIDE | FILTER_ACT_ESCALATE | FILTER_ACT_REVIEW | FILTER_ACT_RESPOND,
	         v->actions);
	T_EQ_INT((1u << FILTER_CAT_THREAT) | (1u << FILTER_CAT_HARASSMENT) |
	                 (1u << FILTER_CAT_QUESTION),
	         v->categories);
	filter_verdict_free(v);
	filter_engine_free(e);
}

static void test_shadow_rule_listed_without_actions(void)
{
	struct filter_engine *e = load(NULL);
	struct filter_verdict *v = scan(e, "vi ska spränga stadshuset");
	T_EQ_INT(1, v->nhits);
	T_EQ_INT(1, v->hits[0].shadow);
	T_EQ_INT(0, v->actions);
	T_EQ_INT(FILTER_TIER_NONE, v->tier);
	T_EQ_INT(0, v->categories);
	T_EQ_INT(0, filter_verdict_active_hits(v));
	cJSON *j = filter_verdict_to_json(v);
	char *js = cJSON_PrintUnformatted(j);
	T_CONTAINS(js, "\"match\":false");
	T_CONTAINS(js, "\"rules\":[],\"shadow\":[\"sv.threat.shadow-bomb\"]");
	free(js);
	cJSON_Delete(j);
	filter_verdict_free(v);
	filter_engine_free(e);
}

static void test_expired_rule_not_applied(void)
{
	struct filter_engine *e = load(NULL);
	struct filter_verdict *v = scan(e, "gratis iphone");
	T_EQ_INT(0, v->nhits);
	filter_verdict_free(v);
	T_EQ_INT(0, filter_engine_scan(e, "gratis iphone", 13, FILTER_SCAN_INCLUDE_EXPIRED, &v));
	T_EQ_INT(1, v->nhits);
	filter_verdict_free(v);
	filter_engine_free(e);
}

static void test_raw_caseless_rule(void)
{
	struct filter_engine *e = load(NULL);
	struct filter_verdict *v = scan(e, "kolla HTTPS://Bit.Ly/abc nu");
	T_EQ_INT(1, v->nhits);
	T_EQ_STR("en.spam.shortlink", v->hits[0].rule);
	T_EQ_INT(6, v->hits[0].spans[0].start);
	T_EQ_INT(24, v->hits[0].spans[0].end);
	filter_verdict_free(v);
	filter_engine_free(e);
}

static void test_masks_personnummer_keeping_the_date(void)
{
	struct filter_engine *e = load(NULL);
	struct filter_verdict *v =
	        scan(e, "mitt pnr är 19811218-9876, hans 811218-9876 och 121212 1212.");
	T_EQ_STR("mitt pnr är 19811218-****, hans 811218-**** och 121212 ****.", v->text);
	T_EQ_INT(3, v->nmasked);
	T_EQ_INT(1, v->nhits);
	T_EQ_INT(3, v->hits[0].nspans);
	T_EQ_INT(FILTER_ACT_REVIEW | FILTER_ACT_MASK, v->actions);
	filter_verdict_free(v);
	/* a wrong check digit is not a personnummer: nothing to mask */
	v = scan(e, "ordernummer 811218-9875");
	T_EQ_INT(0, v->nhits);
	T_EQ_STR("ordernummer 811218-9875", v->text);
	filter_verdict_free(v);
	filter_engine_free(e);
}

static void test_masks_phone_numbers(void)
{
	struct filter_engine *e = load(NULL);
	struct filter_verdict *v = scan(e, "ring 070-123 45 67 eller +46 70 123 45 67");
	T_EQ_STR("ring 070-*** ** ** eller +46 ** *** ** **", v->text);
	filter_verdict_free(v);
	filter_engine_free(e);
}

static void test_mask_action_masks_letters_too(void)
{
	struct filter_engine *e = from_text(
	        "rule any.confidential.code\n title t\n category confidential\n statute OSL\n"
	        " tier possible\n severity 2\n actions review mask\n input raw\n"
	        " pattern kod:\\s*\\S+\n match kod: 1\n match kod: 2\n match kod: 3\n"
	        " nomatch a\n nomatch b\n nomatch c\nend\n",
	        NULL);
	T_ASSERT(e);
	struct filter_verdict *v = scan(e, "dörrkod: Åb3-7x! klart");
	T_EQ_STR("dörr***: ***-**! klart", v->text);
	filter_verdict_free(v);
	filter_engine_free(e);
}

static void print_fail(void *ctx, const struct filter_rule *r, const struct filter_example *ex,
                       int expected, const struct filter_verdict *v)
{
	printf("#   %s:%u: rule %s: example \"%s\": expected %s\n", r->file, ex->line, r->id,
	       ex->text, expected ? "match" : "no match");
}

static void run_examples(const struct filter_options *o)
{
	struct filter_engine *e = load(o);
	size_t total = 0, failed = 0;
	T_EQ_INT(0, filter_examples_run(e, print_fail, NULL, &total, &failed));
	T_EQ_INT(8 * 6 + 2, total);
	T_EQ_INT(0, failed);
	filter_engine_free(e);
}

static void test_every_example_passes_with_jit(void)
{
	run_examples(NULL);
}

static void test_every_example_passes_with_interpreter(void)
{
	struct filter_options o;
	filter_options_default(&o);
	o.no_jit = 1;
	struct filter_engine *e = load(&o);
	T_EQ_INT(0, filter_engine_jit_patterns(e));
	filter_engine_free(e);
	run_examples(&o);
}

struct failure_log {
	int n;
	char last[512];
};

static void on_fail(void *ctx, const struct filter_rule *r, const struct filter_example *ex,
                    int expected, const struct filter_verdict *v)
{
	struct failure_log *fl = ctx;
	fl->n++;
	snprintf(fl->last, sizeof(fl->last), "%s:%u: %s %s %d", r->file, ex->line, r->id, ex->text,
	         expected);
}

static void test_failing_example_is_reported(void)
{
	struct filter_engine *e = from_text(
	        "rule a.b\n title t\n category spam\n statute kommentarsregler\n tier possible\n"
	        " severity 1\n actions review\n pattern hej\n match hej\n match HEJ\n match hopp\n"
	        " nomatch x\n nomatch y\n nomatch hej hej\nend\n",
	        NULL);
	struct failure_log fl = { 0 };
	size_t total, failed;
	T_EQ_INT(0, filter_examples_run(e, on_fail, &fl, &total, &failed));
	T_EQ_INT(6, total);
	T_EQ_INT(2, failed);
	T_EQ_INT(2, fl.n);
	T_EQ_STR("t.rules:14: a.b hej hej 0", fl.last);
	filter_engine_free(e);
}

static const char *const pathological =
        "rule any.spam.backtrack\n title t\n category spam\n statute kommentarsregler\n"
        " tier possible\n severity 1\n actions review\n input raw\n pattern (a+)+$\n"
        " match a\n match aa\n match aaa\n nomatch b\n nomatch c\n nomatch d\nend\n";

static void limit_hit_reported_and_rule_disabled(int no_jit)
{
	struct filter_options o;
	filter_options_default(&o);
	o.no_jit = no_jit;
	o.match_limit = 100000;
	o.disable_after = 3;
	struct filter_engine *e = from_text(pathological, &o);
	T_ASSERT(e);
	if (!e)
		return;
	if (!no_jit)
		printf("# JIT patterns: %zu\n", filter_engine_jit_patterns(e));
	char text[4000];
	memset(text, 'a', sizeof(text) - 2);
	text[sizeof(text) - 2] = 'b';
	text[sizeof(text) - 1] = '\0';
	for (int i = 1; i <= 4; i++) {
		struct filter_verdict *v = scan(e, text);
		const struct filter_rule_stats *st = filter_engine_rule_stats(e, 0);
		if (i <= 3) {
			T_EQ_INT(1, v->nerrors);
			if (v->nerrors) {
				T_EQ_STR("any.spam.backtrack", v->errors[0].rule);
				T_CONTAINS(v->errors[0].msg, "limit");
				if (i == 3)
					T_CONTAINS(v->errors[0].msg,
					           "rule disabled after 3 limit hits");
			}
			T_EQ_INT(i, st->limit_hits);
			T_EQ_INT(i == 3, st->disabled);
		} else {
			/* disabled: no longer run, no more errors */
			T_EQ_INT(0, v->nerrors);
			T_EQ_INT(3, st->runs);
		}
		T_EQ_INT(0, v->nhits);
		filter_verdict_free(v);
	}
	filter_engine_free(e);
}

static void test_catastrophic_backtracking_hits_limit_jit(void)
{
	limit_hit_reported_and_rule_disabled(0);
}

static void test_catastrophic_backtracking_hits_limit_interpreter(void)
{
	limit_hit_reported_and_rule_disabled(1);
}

/* JIT compilation is put off until a pattern has run on JIT_AFTER_BYTES
 * (8 KB) of text; meanwhile the interpreter runs it, and a limit the
 * interpreter hits (its depth limit; JIT has none) makes the engine
 * compile the pattern and repeat the call with JIT, so the verdict is
 * JIT's: the match, not an error. */
static void test_jit_put_off_and_interpreter_limit_repeated_with_jit(void)
{
	uint32_t have_jit = 0;
	pcre2_config(PCRE2_CONFIG_JIT, &have_jit);
	if (!have_jit) {
		printf("# no JIT in this PCRE2: nothing to put off\n");
		return;
	}
	static const char rule[] =
	        "rule any.spam.deep\n title t\n category spam\n statute kommentarsregler\n"
	        " tier possible\n severity 1\n actions review\n input raw\n pattern (a|b)+c\n"
	        " match ac\n match bc\n match abc\n nomatch b\n nomatch c\n nomatch d\nend\n";
	struct filter_options o;
	filter_options_default(&o);
	o.depth_limit = 10; /* the interpreter fails on 100 a's; JIT ignores it */
	struct filter_engine *e = from_text(rule, &o);
	T_ASSERT(e);
	if (!e)
		return;
	struct filter_verdict *v = scan(e, "ac");
	T_EQ_INT(1, v->nhits);
	T_EQ_INT(0, filter_engine_jit_patterns(e)); /* interpreted */
	filter_verdict_free(v);

	char text[128];
	memset(text, 'a', 100);
	strcpy(text + 100, "c");
	v = scan(e, text);
	T_EQ_INT(0, v->nerrors);
	T_EQ_INT(1, v->nhits);
	T_EQ_INT(1, filter_engine_jit_patterns(e)); /* compiled on the limit */
	filter_verdict_free(v);
	filter_engine_free(e);

	/* the interpreter alone reports the limit */
	o.no_jit = 1;
	e = from_text(rule, &o);
	T_ASSERT(e);
	if (!e)
		return;
	v = scan(e, text);
	T_EQ_INT(1, v->nerrors);
	T_EQ_INT(0, v->nhits);
	filter_verdict_free(v);
	filter_engine_free(e);

	/* without a limit: compiled once the pattern has run on 8 KB */
	o.no_jit = 0;
	o.depth_limit = 10000;
	e = from_text(rule, &o);
	T_ASSERT(e);
	if (!e)
		return;
	size_t runs = 0;
	for (; runs < 1000 && filter_engine_jit_patterns(e) == 0; runs++) {
		v = scan(e, text); /* 101 bytes a run */
		T_EQ_INT(1, v->nhits);
		filter_verdict_free(v);
	}
	T_EQ_INT(1, filter_engine_jit_patterns(e));
	T_ASSERT(runs >= 8192 / 101 && runs <= 8192 / 101 + 2);
	filter_engine_free(e);
}

/* Size of pattern src's code as the engine compiles it (PCRE2_INFO_SIZE). */
static size_t code_size_of(const char *src)
{
	int err;
	PCRE2_SIZE off;
	size_t size = 0;
	pcre2_code *c = pcre2_compile((PCRE2_SPTR)src, PCRE2_ZERO_TERMINATED, FILTER_PCRE2_OPTIONS,
	                              &err, &off, NULL);
	T_ASSERT(c);
	if (c)
		pcre2_pattern_info(c, PCRE2_INFO_SIZE, &size);
	pcre2_code_free(c);
	return size;
}

/* An engine of one rule of pattern src with `match` examples (three, as
 * one string), JIT as o says. */
static struct filter_engine *one_rule(const char *src, const char *match,
                                      const struct filter_options *o)
{
	static const char fmt[] = "rule any.spam.size\n title t\n category spam\n"
	                          " statute kommentarsregler\n tier possible\n severity 1\n"
	                          " actions review\n input raw\n pattern %s\n match %s\n"
	                          " nomatch zzz\n nomatch yyy\n nomatch xxx\nend\n";
	size_t n = sizeof(fmt) + strlen(src) + strlen(match);
	char *txt = malloc(n);
	T_ASSERT(txt);
	if (!txt)
		return NULL;
	snprintf(txt, n, fmt, src, match);
	struct filter_engine *e = from_text(txt, o);
	free(txt);
	T_ASSERT(e);
	return e;
}

/* Scans text once; returns the engine's JIT-compiled patterns after it. */
static size_t scan_once(struct filter_engine *e, const char *text)
{
	struct filter_verdict *v = scan(e, text);
	T_ASSERT(v);
	if (v) {
		T_EQ_INT(0, v->nerrors);
		T_EQ_INT(1, v->nhits);
	}
	filter_verdict_free(v);
	return filter_engine_jit_patterns(e);
}

#define SMALL_MATCH "ac\n match bc\n match abc"
#define LARGE_MATCH "w1234x\n match w0000x\n match w1999x"

/* A pattern of 2000 words: a large code, over 16 KB. */
static char *large_pattern(void)
{
	char *src = malloc(2000 * 7 + 16), *p = src;
	if (!src)
		return NULL;
	p += sprintf(p, "\\b(?:");
	for (int i = 0; i < 2000; i++)
		p += sprintf(p, "%sw%04dx", i ? "|" : "", i);
	strcpy(p, ")\\b");
	return src;
}

/* The JIT policy by code size (engine.c, jit_now()): a code of
 * filter_options.jit_now_size bytes or more is JIT-compiled when it first
 * runs, a smaller one only once it has run on JIT_AFTER_BYTES (8 KB) of
 * text; with jit_now_size 0, or in a check (FILTER_SCAN_CHECK), none is
 * compiled at its first run; without JIT (no_jit, or a PCRE2 without it)
 * the interpreter runs everything and finds the same. */
static void test_jit_large_code_at_first_run_small_after_8k(void)
{
	uint32_t have_jit = 0;
	pcre2_config(PCRE2_CONFIG_JIT, &have_jit);
	static const char small[] = "(a|b)+c";
	const size_t size = code_size_of(small);
	struct filter_options o;
	filter_options_default(&o);

	/* the default is off; at 16 KB a small code is put off, a large one
	 * is not */
	T_EQ_INT(0, o.jit_now_size);
	o.jit_now_size = 16384;
	T_ASSERT(o.jit_now_size > size);
	char *large = large_pattern();
	T_ASSERT(large && code_size_of(large) >= o.jit_now_size);
	struct filter_engine *e = one_rule(large, LARGE_MATCH, &o);
	if (e) {
		/* a check (the examples) compiles nothing for its size */
		struct filter_verdict *v = NULL;
		T_EQ_INT(0, filter_engine_scan(e, "nu w1234x", 9, FILTER_SCAN_CHECK, &v));
		T_ASSERT(v && v->nhits == 1);
		filter_verdict_free(v);
		T_EQ_INT(0, filter_engine_jit_patterns(e));
		T_EQ_INT(have_jit ? 1 : 0, scan_once(e, "nu w1234x"));
	}
	filter_engine_free(e);
	e = one_rule(small, SMALL_MATCH, &o);
	if (e)
		T_EQ_INT(0, scan_once(e, "ac"));
	filter_engine_free(e);

	/* at the threshold: compiled at the first run */
	o.jit_now_size = size;
	e = one_rule(small, SMALL_MATCH, &o);
	if (e)
		T_EQ_INT(have_jit ? 1 : 0, scan_once(e, "ac"));
	filter_engine_free(e);

	/* a byte under it, or no threshold: put off until 8 KB */
	const size_t now[] = { size + 1, 0 };
	char text[128];
	memset(text, 'a', 100);
	strcpy(text + 100, "c");
	for (size_t k = 0; have_jit && k < 2; k++) {
		o.jit_now_size = now[k];
		e = one_rule(small, SMALL_MATCH, &o);
		if (!e)
			continue;
		size_t runs = 0;
		while (runs < 1000 && scan_once(e, text) == 0)
			runs++; /* 101 bytes a run */
		T_ASSERT(runs + 1 >= 8192 / 101 && runs <= 8192 / 101 + 2);
		filter_engine_free(e);
	}

	/* no JIT: the interpreter runs the large code, and finds the same */
	o.no_jit = 1;
	o.jit_now_size = 1;
	e = one_rule(large, LARGE_MATCH, &o);
	if (e) {
		T_EQ_INT(0, scan_once(e, "nu w1234x"));
		T_EQ_INT(0, scan_once(e, "w0000x w1999x"));
	}
	filter_engine_free(e);
	free(large);
}

static void test_megabyte_comment_is_truncated(void)
{
	struct filter_engine *e = load(NULL);
	size_t n = 1 << 20;
	char *s = malloc(n);
	for (size_t i = 0; i < n; i++)
		s[i] = "jag ska dö\xff "[i % 12];
	memcpy(s + n - 20, "jag ska döda dig    ", 20);
	struct filter_verdict *v = NULL;
	T_EQ_INT(0, filter_engine_scan(e, s, n, 0, &v));
	T_EQ_INT(1, v->truncated);
	T_EQ_INT(n, v->input_len);
	T_ASSERT(v->scanned <= 64 * 1024);
	T_ASSERT(v->scanned > 64 * 1024 - 4);
	T_EQ_INT(0, v->nhits); /* the threat is beyond the cap */
	T_ASSERT(strlen(v->text) >= v->scanned);
	struct strbuf sb = { 0 };
	T_EQ_INT(0, filter_verdict_summary(v, &sb));
	T_CONTAINS(sb.buf, "none truncated=");
	strbuf_free(&sb);
	filter_verdict_free(v);
	free(s);
	filter_engine_free(e);
}

static void test_invalid_utf8_is_replaced(void)
{
	struct filter_engine *e = load(NULL);
	const char s[] = "jag ska d\xc3\xb6"
	                 "da dig \xc0\xaf\xed\xa0\x80\x80 \xf0\x9f";
	struct filter_verdict *v = NULL;
	T_EQ_INT(0, filter_engine_scan(e, s, sizeof(s) - 1, 0, &v));
	T_EQ_INT(1, v->nhits);
	T_EQ_STR("jag ska döda dig \xef\xbf\xbd\xef\xbf\xbd\xef\xbf\xbd\xef\xbf\xbd\xef\xbf\xbd"
	         "\xef\xbf\xbd \xef\xbf\xbd",
	         v->text);
	filter_verdict_free(v);
	filter_engine_free(e);
}

static void test_counters(void)
{
	struct filter_engine *e = load(NULL);
	clock_set_simulated(INT64_C(1781000000) * USEC_PER_SEC, 1);
	struct filter_verdict *v = scan(e, "jag ska döda dig");
	filter_verdict_free(v);
	v = scan(e, "hej");
	filter_verdict_free(v);
	long i = filter_engine_rule_index(e, "sv.threat.kill-direct");
	T_ASSERT(i >= 0);
	const struct filter_rule_stats *st = filter_engine_rule_stats(e, (size_t)i);
	T_EQ_INT(1, st->hits);
	T_EQ_INT(1, st->runs); /* the prefilter skipped it for "hej" */
	T_ASSERT(st->last_hit >= 1781000000 && st->last_hit < 1781000100);
	T_ASSERT(st->match_ns > 0);
	T_EQ_INT(0, st->limit_hits);
	clock_set_real();
	filter_engine_free(e);
}

static void test_json_fields(void)
{
	struct filter_engine *e = load(NULL);
	struct filter_verdict *v = scan(e, "Jag ska döda dig, ring 070-123 45 67");
	cJSON *j = filter_verdict_to_json(v);
	char *js = cJSON_PrintUnformatted(j);
	T_EQ_STR("{\"match\":true,\"tier\":\"obvious\",\"severity\":5,"
	         "\"categories\":[\"threat\",\"personal_data\"],"
	         "\"actions\":[\"hide\",\"review\",\"escalate\"],"
	         "\"rules\":[\"sv.threat.kill-direct\",\"any.personal_data.phone\"],\"shadow\":[],"
	         "\"hits\":[{\"rule\":\"sv.threat.kill-direct\","
	         "\"title\":\"Direct death threat against the reader or staff\","
	         "\"statute\":\"BrB 4:5 olaga hot; 1998:112 5 §\",\"category\":\"threat\","
	         "\"tier\":\"obvious\",\"severity\":5,\"actions\":[\"hide\",\"escalate\"],"
	         "\"shadow\":false,\"spans\":[[0,17]]},"
	         "{\"rule\":\"any.personal_data.phone\",\"title\":\"Swedish phone number\","
	         "\"statute\":\"GDPR art. 6\",\"category\":\"personal_data\","
	         "\"tier\":\"possible\",\"severity\":2,\"actions\":[\"review\"],"
	         "\"shadow\":false,\"spans\":[[24,37]]}],"
	         "\"errors\":[],\"truncated\":false,\"length\":37,\"scanned\":37,\"masked\":1,"
	         "\"text\":\"Jag ska döda dig, ring 070-*** ** **\"}",
	         js);
	struct strbuf sb = { 0 };
	filter_verdict_summary(v, &sb);
	T_EQ_STR("obvious sev=5 threat,personal_data actions=hide,review,escalate "
	         "rules=sv.threat.kill-direct,any.personal_data.phone | "
	         "Jag ska döda dig, ring 070-*** ** **",
	         sb.buf);
	strbuf_free(&sb);
	free(js);
	cJSON_Delete(j);
	filter_verdict_free(v);
	filter_engine_free(e);
}

static void test_rule_set_with_errors_makes_no_engine(void)
{
	struct filter_ruleset rs = { 0 };
	struct diag_list errs = { 0 }, warns = { 0 };
	struct filter_engine *e = NULL;
	const char *txt = "rule a\n title t\n category spam\n statute kommentarsregler\n"
	                  " tier possible\n severity 1\n actions review\n pattern (x\nend\n";
	T_EQ_INT(1, rules_parse_buffer(&rs, "t.rules", txt, strlen(txt), 0, &errs, &warns));
	T_EQ_INT(-EINVAL, filter_engine_new(&rs, NULL, &e));
	T_ASSERT(e == NULL);
	T_EQ_INT(0, rs.n);
	diag_list_clear(&errs);
	diag_list_clear(&warns);
}

static void test_stats_json_and_carry_over_reload(void)
{
	struct filter_engine *e = load(NULL), *e2 = load(NULL);
	clock_set_simulated(INT64_C(1781000000) * USEC_PER_SEC, 1);
	struct filter_verdict *v = scan(e, "din idiot");
	filter_verdict_free(v);
	clock_set_real();
	cJSON *j = filter_engine_stats_to_json(e);
	char *js = cJSON_PrintUnformatted(j);
	T_CONTAINS(js, "{\"rule\":\"sv.harassment.idiot\",\"file\":\"" SRCDIR
	               "/tests/unit/data/filter/good/10-threat.rules\",\"line\":26,"
	               "\"mode\":\"active\",\"runs\":1,\"hits\":1,"
	               "\"last_hit\":\"2026-06-09T10:13:20.000Z\",\"match_ns\":");
	T_CONTAINS(js, "\"limit_hits\":0,\"errors\":0,\"disabled\":false,\"always_run\":false}");
	T_CONTAINS(js, "\"rule\":\"sv.threat.kill-direct\"");
	T_CONTAINS(js, "\"hits\":0,\"last_hit\":null");
	free(js);
	cJSON_Delete(j);
	filter_engine_stats_carry(e2, e);
	long i = filter_engine_rule_index(e2, "sv.harassment.idiot");
	T_EQ_INT(1, filter_engine_rule_stats(e2, (size_t)i)->hits);
	T_EQ_INT(1781000000, filter_engine_rule_stats(e2, (size_t)i)->last_hit);
	filter_engine_free(e);
	filter_engine_free(e2);
}

/* A reload of unchanged rules: the new engine takes the old one's compiled
 * patterns (one code each), a changed pattern gets its own, the new engine
 * works after the old is freed, and nothing is left once both are. */
/* Long texts run patterns (and excepts) only in windows around their
 * literals (docs/filter.md, "Long texts").  Each rule below is windowed by
 * a different plan; in 64 KB of filler, the verdicts with windows equal
 * those without windows and without the prefilter, and find what is
 * there: a match that starts in a window and runs on to the end of the
 * text, matches at the very end, an except far from the match. */
static const char *const windowed_rules =
        "rule t.prefix\n title t\n category spam\n statute kommentarsregler\n tier possible\n"
        " severity 1\n actions review\n"
        /* a bounded prefix (kan man + word), then [^.]* to the end */
        " pattern \\bringer\\s+polisen\\s+\\S+[^.]*\\bnu\\b\n"
        " match ringer polisen strax nu\n match ringer polisen snart och nu\n"
        " match ringer polisen ju nu\n nomatch ringer polisen. nu\n nomatch nu\n nomatch x\nend\n"
        "rule t.words\n title t\n category spam\n statute kommentarsregler\n tier possible\n"
        " severity 1\n actions review\n"
        /* bounded in spaces only: [a-z]{2,} */
        " pattern \\b[a-z]{2,}gatan\\s+[0-9]{1,3}\\b\n"
        " match storgatan 12\n match sveagatan 1\n match nygatan 100\n"
        " nomatch gatan 12\n nomatch storgatan\n nomatch x\nend\n"
        "rule t.words2\n title t\n category spam\n statute kommentarsregler\n tier possible\n"
        " severity 1\n actions review\n"
        /* no slack: the literal is exactly its reach in spaces from the
         * start (narrower windows miss it) */
        " pattern [a-z]+(?: [a-z]+){6} brinner\n"
        " match a b c d e f g brinner\n match ett tva tre fyra fem sex sju brinner\n"
        " match x x x x x x x brinner\n nomatch brinner\n nomatch a b brinner\n nomatch x\nend\n"
        "rule t.end\n title t\n category spam\n statute kommentarsregler\n tier possible\n"
        " severity 1\n actions review\n"
        " pattern \\bsista\\s+ordet$\n"
        " match sista ordet\n match det sista ordet\n match sista  ordet\n"
        " nomatch sista ordet x\n nomatch ordet\n nomatch x\nend\n"
        "rule t.except\n title t\n category spam\n statute kommentarsregler\n tier possible\n"
        " severity 1\n actions review\n"
        " pattern \\bbrandlarm\\b\n except \\binte\\s+p[aå]\\s+riktigt\\b\n"
        " match brandlarm\n match ett brandlarm\n match brandlarm igen\n"
        " nomatch brandlarm, inte på riktigt\n nomatch larm\n nomatch x\nend\n"
        "rule t.segments\n title t\n category spam\n statute kommentarsregler\n tier possible\n"
        " severity 1\n actions review\n"
        /* bounded in neither unit alone: \\S+ in words, the rest in
         * characters (reach.h, segments); its other literal, the space,
         * is in every text, so no prefix */
        " pattern \\s\\S+[^.!?]{0,80}\\?\n"
        " match hej du?\n match a b c?\n match vad nu?\n"
        " nomatch hej.\n nomatch ok\n nomatch x\nend\n";

static char *json_of(struct filter_engine *e, const char *t, size_t len, unsigned flags)
{
	struct filter_verdict *v = NULL;
	char *j = NULL;
	if (filter_engine_scan(e, t, len, flags, &v) == 0) {
		cJSON *x = filter_verdict_to_json(v);
		j = cJSON_PrintUnformatted(x);
		cJSON_Delete(x);
	}
	filter_verdict_free(v);
	return j;
}

/* About 64 KB: filler words, and `parts` placed from the given offsets
 * on (in order); the text ends with the last part when that is placed
 * less than 16 bytes before its end. */
static size_t long_text(char *buf, const char *const *parts, const size_t *at, size_t n)
{
	/* words that complete no match (no "-gatan" word, no '.') */
	static const char *const filler[] = { "hej",     "tack", "gatan", "12",   "ordet", "inte",
		                              "riktigt", "och",  "min",   "larm", "polis" };
	size_t len = 0, seed = 7;
	for (size_t k = 0; k <= n; k++) {
		size_t until = k < n ? at[k] : 65536 - 16;
		while (len + 16 < until) {
			seed = seed * 1103515245 + 12345;
			const char *w = filler[(seed >> 16) % 11];
			memcpy(buf + len, w, strlen(w));
			len += strlen(w);
			buf[len++] = ' ';
		}
		if (k < n) {
			memcpy(buf + len, parts[k], strlen(parts[k]));
			len += strlen(parts[k]);
			buf[len++] = ' ';
		}
	}
	while (len > 0 && buf[len - 1] == ' ')
		len--;
	buf[len] = '\0';
	return len;
}

static void test_windows_on_long_text_find_what_whole_runs_find(void)
{
	struct filter_engine *e = from_text(windowed_rules, NULL);
	T_ASSERT(e);
	if (!e)
		return;
	/* every pattern and the except are windowed */
	T_EQ_INT(7, filter_engine_window_patterns(e));
	char *buf = malloc(65536 + 256);
	/* t.segments: its match starts 300 characters (three words) before the
	 * '?', which a window of its width in characters alone would miss */
	static const char *const parts[] = {
		"ringer polisen strax",
		"storgatan 7",
		"se abcdefghijklmnopqrstuvwxyzabcdefghijklmnopqrstuvwxyzabcdefghijklmnopqrstuvwxyz"
		"abcdefghijklmnopqrstuvwxyzabcdefghijklmnopqrstuvwxyzabcdefghijklmnopqrstuvwxyz"
		"abcdefghijklmnopqrstuvwxyzabcdefghijklmnopqrstuvwxyzabcdefghijklmnopqrstuvwxyz"
		"abcdefghijklmnopqrstuvwxyzabcdefghijklmnopqrstuvwxyz hej tack ?",
		"brandlarm",
		"ett tva tre fyra fem sex sju brinner",
		"inte på riktigt",
		"nu",
		"sista ordet"
	};
	static const size_t at[] = { 3000, 20000, 25000, 30000, 40000, 60000, 65000, 65536 - 24 };
	for (int variant = 0; variant < 5 && buf; variant++) {
		/* 0: all parts; 1: without the except; 2: without the "nu"
		 * that ends t.prefix's match 62 KB after it starts; 3:
		 * without the words at the very end; 4: without t.segments' */
		const char *p[8];
		size_t a[8], n = 0;
		for (size_t k = 0; k < 8; k++) {
			if ((variant == 1 && k == 5) || (variant == 2 && k == 6) ||
			    (variant == 3 && k == 7) || (variant == 4 && k == 2))
				continue;
			p[n] = parts[k];
			a[n++] = at[k];
		}
		size_t len = long_text(buf, p, a, n);
		char *w = json_of(e, buf, len, 0);
		char *whole = json_of(e, buf, len, FILTER_SCAN_NO_WINDOW);
		char *naive = json_of(e, buf, len, FILTER_SCAN_NO_PREFILTER);
		T_ASSERT(w && whole && naive);
		if (!w || !whole || !naive)
			break;
		T_EQ_STR(whole, w);
		T_EQ_STR(naive, w);
		T_EQ_INT(variant != 3, strstr(w, "\"t.end\"") != NULL);
		T_EQ_INT(variant != 2, strstr(w, "\"t.prefix\"") != NULL);
		T_EQ_INT(variant == 1, strstr(w, "\"t.except\"") != NULL);
		T_ASSERT(strstr(w, "\"t.words\"") != NULL);
		T_ASSERT(strstr(w, "\"t.words2\"") != NULL);
		T_EQ_INT(variant != 4, strstr(w, "\"t.segments\"") != NULL);
		free(w);
		free(whole);
		free(naive);
	}
	free(buf);
	filter_engine_free(e);
}

static void test_reload_shares_compiled_patterns(void)
{
	size_t codes0, refs0, codes1, refs1, codes2, refs2;
	code_cache_stats(&codes0, &refs0);
	struct filter_engine *a = load(NULL);
	T_ASSERT(a != NULL);
	if (!a)
		return;
	code_cache_stats(&codes1, &refs1);
	T_ASSERT(codes1 > codes0);
	struct filter_engine *b = load(NULL);
	T_ASSERT(b != NULL);
	if (!b) {
		filter_engine_free(a);
		return;
	}
	code_cache_stats(&codes2, &refs2);
	T_EQ_INT((int)codes1, (int)codes2); /* nothing compiled twice */
	T_EQ_INT((int)(refs1 - refs0), (int)(refs2 - refs1));
	/* once both have run every rule, they hold the same codes */
	for (size_t i = 0; i < filter_engine_rule_count(a); i++) {
		const struct filter_rule *r = filter_engine_rule(a, i);
		for (size_t m = 0; m < r->nmatches; m++) {
			struct filter_verdict *va = scan(a, r->matches[m].text);
			struct filter_verdict *vb = scan(b, r->matches[m].text);
			filter_verdict_free(va);
			filter_verdict_free(vb);
		}
	}
	size_t ran = 0;
	for (size_t i = 0; i < filter_engine_rule_count(a); i++)
		for (size_t k = 0; k < filter_engine_rule(a, i)->npatterns; k++) {
			T_ASSERT(filter_engine_rule(a, i)->patterns[k].code ==
			         filter_engine_rule(b, i)->patterns[k].code);
			ran += filter_engine_rule(a, i)->patterns[k].code != NULL;
		}
	T_ASSERT(ran > 0);
	struct filter_engine *c = from_text("rule t.changed\n title t\n category threat\n"
	                                    " statute s\n tier possible\n severity 2\n"
	                                    " actions review\n input raw\n"
	                                    " pattern pattern no other rule has\n"
	                                    " match pattern no other rule has\n"
	                                    " match a pattern no other rule has\n"
	                                    " match the pattern no other rule has\n"
	                                    " nomatch a\n nomatch b\n nomatch c\nend\n",
	                                    NULL);
	T_ASSERT(c != NULL);
	size_t codes3, refs3;
	code_cache_stats(&codes3, &refs3);
	/* one code: it also runs in windows on long texts (rules.h) */
	T_EQ_INT((int)codes2 + 1, (int)codes3);
	filter_engine_free(c);
	filter_engine_free(a);
	struct filter_verdict *v = NULL;
	T_EQ_INT(0, filter_engine_scan(b, "Jag ska döda dig", 17, 0, &v));
	T_ASSERT(v && v->nhits > 0);
	filter_verdict_free(v);
	filter_engine_free(b);
	code_cache_stats(&codes2, &refs2);
	T_EQ_INT((int)codes0, (int)codes2);
	T_EQ_INT((int)refs0, (int)refs2);
}

/* A pattern's code is compiled when it first runs, once for every engine
 * sharing it: an engine built beside a live one (a reload) takes the
 * code the live one compiled, and keeps it after the live one is freed. */
static void test_code_compiled_when_first_run(void)
{
	static const char *const txt =
	        "rule t.a\n title t\n category threat\n statute s\n tier possible\n"
	        " severity 2\n actions review\n input normalized\n"
	        " pattern \\bjag ska sparka dig\\b\n"
	        " match jag ska sparka dig\n match Jag ska sparka dig!\n match nu jag ska sparka "
	        "dig\n"
	        " nomatch a\n nomatch b\n nomatch c\nend\n"
	        "rule t.b\n title t\n category threat\n statute s\n tier possible\n"
	        " severity 2\n actions review\n input normalized\n"
	        " pattern \\bvi ska riva huset\\b\n except \\bleker\\b\n"
	        " match vi ska riva huset\n match Vi ska riva huset!\n match nu vi ska riva huset\n"
	        " nomatch a\n nomatch b\n nomatch c\nend\n";
	size_t compiled0 = code_cache_compiled();
	struct filter_engine *a = from_text(txt, NULL);
	T_ASSERT(a != NULL);
	if (!a)
		return;
	T_EQ_INT((int)compiled0, (int)code_cache_compiled()); /* nothing has run */
	T_ASSERT(filter_engine_rule(a, 0)->patterns[0].code == NULL);
	struct filter_verdict *v = scan(a, "Jag ska sparka dig");
	T_EQ_INT(1, v ? (int)v->nhits : -1);
	filter_verdict_free(v);
	T_EQ_INT((int)compiled0 + 1, (int)code_cache_compiled()); /* t.a's pattern only */
	const pcre2_code *code_a = filter_engine_rule(a, 0)->patterns[0].code;
	T_ASSERT(code_a != NULL);
	T_ASSERT(filter_engine_rule(a, 1)->patterns[0].code == NULL);

	struct filter_engine *b = from_text(txt, NULL); /* a reload */
	T_ASSERT(b != NULL);
	if (!b) {
		filter_engine_free(a);
		return;
	}
	T_EQ_INT((int)compiled0 + 1, (int)code_cache_compiled());
	v = scan(b, "vi ska riva huset, jag ska sparka dig");
	T_EQ_INT(2, v ? (int)v->nhits : -1);
	filter_verdict_free(v);
	T_ASSERT(filter_engine_rule(b, 0)->patterns[0].code == code_a); /* a's code */
	/* t.b's pattern, once; not its except (no "leker" in the text) */
	T_EQ_INT((int)compiled0 + 2, (int)code_cache_compiled());
	filter_engine_free(a);
	T_EQ_INT((int)compiled0 + 2, (int)code_cache_compiled()); /* b still holds them */
	v = scan(b, "vi ska riva huset, vi leker");
	T_EQ_INT(0, v ? (int)v->nhits : -1);
	filter_verdict_free(v);
	T_EQ_INT((int)compiled0 + 3, (int)code_cache_compiled()); /* the except ran */
	v = scan(b, "jag ska sparka dig");
	T_EQ_INT(1, v ? (int)v->nhits : -1);
	filter_verdict_free(v);
	filter_engine_free(b);
	T_EQ_INT((int)compiled0, (int)code_cache_compiled());
}

/* A split pattern ((?:^|…)REST) compiles nothing when the engine is built
 * (its head and tail are not compiled to check them), its head and tail
 * when a scan first runs it, and its code as written only when a scan
 * that does not split runs it; the three find the same match. */
static void test_split_pattern_compiles_what_runs(void)
{
	static const char *const txt =
	        "rule t.q\n title t\n category threat\n statute s\n tier possible\n"
	        " severity 2\n actions review\n input normalized\n"
	        " pattern (?:^|[.!?]\\s*)(?:nar|var)\\s+bor\\s+du\\b\n"
	        " match var bor du\n match Hej. Var bor du?\n match nar bor du\n"
	        " nomatch a\n nomatch b\n nomatch c\nend\n";
	size_t compiled0 = code_cache_compiled();
	struct filter_engine *e = from_text(txt, NULL);
	T_ASSERT(e != NULL);
	if (!e)
		return;
	T_EQ_INT(1, (int)filter_engine_split_patterns(e));
	T_EQ_INT((int)compiled0, (int)code_cache_compiled()); /* nothing at build */
	char *a = json_of(e, "Hej. Var bor du?", 16, 0);
	T_ASSERT(a && strstr(a, "t.q"));
	T_EQ_INT((int)compiled0 + 2, (int)code_cache_compiled()); /* head and tail */
	T_ASSERT(filter_engine_rule(e, 0)->patterns[0].code == NULL);
	char *b = json_of(e, "Hej. Var bor du?", 16, FILTER_SCAN_NO_SPLIT);
	T_EQ_INT((int)compiled0 + 3, (int)code_cache_compiled()); /* as written too */
	T_ASSERT(filter_engine_rule(e, 0)->patterns[0].code != NULL);
	T_ASSERT(a && b && strcmp(a, b) == 0);
	free(a);
	free(b);
	filter_engine_free(e);
	T_EQ_INT((int)compiled0, (int)code_cache_compiled());
}

/* The examples run every rule; afterwards the engine keeps no code (its
 * traffic compiles what it runs), and still matches. */
static void test_examples_leave_no_code(void)
{
	size_t compiled0 = code_cache_compiled(), total = 0, failed = 0;
	struct filter_engine *e = load(NULL);
	T_ASSERT(e != NULL);
	if (!e)
		return;
	T_EQ_INT(0, filter_examples_run(e, NULL, NULL, &total, &failed));
	T_ASSERT(total > 10);
	T_EQ_INT(0, (int)failed);
	T_EQ_INT((int)compiled0, (int)code_cache_compiled());
	T_EQ_INT(0, (int)filter_engine_jit_patterns(e));
	struct filter_verdict *v = scan(e, "Jag ska döda dig");
	T_ASSERT(v && v->nhits > 0);
	filter_verdict_free(v);
	T_ASSERT(code_cache_compiled() > compiled0);
	T_EQ_INT(0, filter_examples_run(e, NULL, NULL, &total, &failed));
	T_EQ_INT(0, (int)failed);
	filter_engine_free(e);
	T_EQ_INT((int)compiled0, (int)code_cache_compiled());
}

/* The cache keeps sources packed, a large group once for every source
 * holding it: each source comes back byte for byte, and its code matches
 * as the source does. */
/* filter_engine_pattern_source(): a rule's patterns, then its excepts,
 * as written, though the engine freed the rules' own sources once built. */
static void test_pattern_source_after_build(void)
{
	struct filter_engine *e = from_text("rule t.src\n"
	                                    "title t\ncategory threat\nstatute BrB 4:5\n"
	                                    "tier obvious\nseverity 5\nactions review\n"
	                                    "pattern \\bdoda\\s+dig\\b\n"
	                                    "pattern (?i)\\bmorda\\b\n"
	                                    "except \\bspel\\b\n"
	                                    "match doda dig\nmatch morda\nmatch doda  dig\n"
	                                    "nomatch doda\nnomatch spel\nnomatch dig\nend\n",
	                                    NULL);
	T_ASSERT(e != NULL);
	if (!e)
		return;
	T_ASSERT(filter_engine_rule(e, 0)->patterns[0].src == NULL);
	const char *want[] = { "\\bdoda\\s+dig\\b", "(?i)\\bmorda\\b", "\\bspel\\b" };
	for (size_t k = 0; k < 3; k++) {
		char *src = filter_engine_pattern_source(e, 0, k);
		T_EQ_STR(want[k], src);
		free(src);
	}
	T_ASSERT(filter_engine_pattern_source(e, 0, 3) == NULL);
	T_ASSERT(filter_engine_pattern_source(e, 1, 0) == NULL);
	filter_engine_free(e);
}

static void test_code_cache_keeps_sources_exactly(void)
{
	char group[2048] = "(?:", a[4096], b[4096], c[4096];
	for (int i = 0; i < 60; i++) /* a lexicon-like group of 60 words */
		snprintf(group + strlen(group), sizeof(group) - strlen(group), "%sor(?:d%d|t%d)",
		         i ? "|" : "", i, i);
	strcat(group, ")");
	snprintf(a, sizeof(a), "\\bjag ska %s dig\\b", group);
	snprintf(b, sizeof(b), "[(]%s[)] \\Q(x)\\E (?:%s|\\)(?:x))", group, group);
	snprintf(c, sizeof(c), "%s", group);
	const char *src[] = { a, b, c, "(?:a[)(]|\\()" };
	struct code_ref *ref[4];
	size_t codes0, refs0, codes1, refs1;
	code_cache_stats(&codes0, &refs0);
	for (int i = 0; i < 4; i++) {
		ref[i] = code_cache_ref(src[i]);
		T_ASSERT(ref[i] != NULL);
		if (!ref[i])
			return;
		char *back = code_cache_source(ref[i]);
		T_EQ_STR(src[i], back);
		free(back);
	}
	/* a second reference to the same text is the same entry */
	struct code_ref *again = code_cache_ref(a);
	T_ASSERT(again == ref[0]);
	code_cache_unref(again);
	code_cache_stats(&codes1, &refs1);
	T_EQ_INT((int)codes0 + 4, (int)codes1);
	pcre2_code *code = code_cache_get(ref[0]);
	T_ASSERT(code != NULL);
	pcre2_match_data *md = pcre2_match_data_create(4, NULL);
	T_EQ_INT(1, pcre2_match(code, (PCRE2_SPTR) "nu jag ska ord17 dig", PCRE2_ZERO_TERMINATED, 0,
	                        0, md, NULL));
	T_EQ_INT(PCRE2_ERROR_NOMATCH, pcre2_match(code, (PCRE2_SPTR) "jag ska ord dig",
	                                          PCRE2_ZERO_TERMINATED, 0, 0, md, NULL));
	pcre2_match_data_free(md);
	T_ASSERT(code_cache_get(ref[1]) != NULL);
	for (int i = 0; i < 4; i++)
		code_cache_unref(ref[i]);
	code_cache_stats(&codes1, &refs1);
	T_EQ_INT((int)codes0, (int)codes1);
	T_EQ_INT((int)refs0, (int)refs1);
}

/* Every pattern and except of the shipped rules comes back from the cache
 * byte for byte, taken in the rules' order (most of their lexicons' tries
 * are found whole as chunks of earlier sources, codecache.c chunk_at()),
 * and letting go of them leaves the cache as it was. */
static void test_code_cache_keeps_shipped_sources_exactly(void)
{
	struct filter_ruleset rs = { 0 };
	struct diag_list errs = { 0 }, warns = { 0 };
	T_EQ_INT(0, rules_load_dir_flags(SRCDIR "/filters", 0, RULES_LOAD_DEFER_COMPILE, NULL, NULL,
	                                 &rs, &errs, &warns));
	size_t codes0, refs0, codes1, refs1, n = 0, differ = 0;
	for (size_t i = 0; i < rs.n; i++)
		n += rs.v[i].npatterns + rs.v[i].nexcepts;
	struct code_ref **ref = calloc(n ? n : 1, sizeof(*ref));
	T_ASSERT(ref != NULL);
	code_cache_stats(&codes0, &refs0);
	for (size_t i = 0, s = 0; ref && i < rs.n; i++) {
		const struct filter_rule *r = &rs.v[i];
		for (size_t k = 0; k < r->npatterns + r->nexcepts; k++, s++) {
			const char *src = k < r->npatterns ? r->patterns[k].src
			                                   : r->excepts[k - r->npatterns].src;
			ref[s] = code_cache_ref(src);
			T_ASSERT(ref[s] != NULL);
			char *back = ref[s] ? code_cache_source(ref[s]) : NULL;
			if (!back || strcmp(back, src) != 0)
				differ++;
			free(back);
		}
	}
	T_EQ_INT(0, (int)differ);
	T_ASSERT(n > 2000);
	for (size_t s = 0; ref && s < n; s++)
		if (ref[s])
			code_cache_unref(ref[s]);
	code_cache_stats(&codes1, &refs1);
	T_EQ_INT((int)codes0, (int)codes1);
	T_EQ_INT((int)refs0, (int)refs1);
	free(ref);
	filter_ruleset_clear(&rs);
	diag_list_clear(&errs);
	diag_list_clear(&warns);
}

/* The prefilter's candidates (open_slots(), slot_open()): a pattern of
 * two required words runs only when both occur; an except whose words
 * are missing is skipped and one whose words occur suppresses the match,
 * including an except of two words and one whose word is another rule's
 * pattern; the verdicts are those without the prefilter. */
static const char candidate_rules[] =
        "rule t.both\n title t\n category spam\n statute kommentarsregler\n tier possible\n"
        " severity 1\n actions review\n"
        " pattern \\bgamma\\b.*\\bdelta\\b\n"
        " match gamma delta\n match gamma och delta\n match x gamma y delta\n"
        " nomatch gamma\n nomatch delta gamma\n nomatch x\nend\n"
        "rule t.exc\n title t\n category spam\n statute kommentarsregler\n tier possible\n"
        " severity 1\n actions review\n"
        " pattern \\bbrandlarm\\b\n except \\bovning\\b\n"
        " except \\bbara\\b.*\\btest\\b\n"
        " match brandlarm\n match brandlarm, bara\n match ett test, brandlarm\n"
        " nomatch brandlarm ovning\n nomatch brandlarm, bara ett test\n nomatch x\nend\n"
        "rule t.shared\n title t\n category spam\n statute kommentarsregler\n tier possible\n"
        " severity 1\n actions review\n"
        " pattern \\bovning\\b\n"
        " match ovning\n match en ovning\n match ovning nu\n"
        " nomatch ovningar\n nomatch x\n nomatch larm\nend\n";

static void expect_hits(struct filter_engine *e, const char *text, const char *want)
{
	char got[128] = "";
	for (unsigned flags = 0; flags <= FILTER_SCAN_NO_PREFILTER;
	     flags += FILTER_SCAN_NO_PREFILTER) {
		struct filter_verdict *v = NULL;
		T_ASSERT(filter_engine_scan(e, text, strlen(text), flags, &v) == 0);
		got[0] = '\0';
		for (size_t k = 0; v && k < v->nhits; k++) {
			strcat(got, k ? " " : "");
			strcat(got, v->hits[k].rule);
		}
		T_EQ_STR(want, got);
		filter_verdict_free(v);
	}
}

static void test_candidates_and_excepts_through_the_prefilter(void)
{
	struct filter_engine *e = from_text(candidate_rules, NULL);
	T_ASSERT(e != NULL);
	if (!e)
		return;
	expect_hits(e, "gamma", "");
	expect_hits(e, "delta och gamma", "");
	expect_hits(e, "gamma och delta", "t.both");
	expect_hits(e, "brandlarm", "t.exc");
	expect_hits(e, "brandlarm, en ovning", "t.shared");
	expect_hits(e, "brandlarm, bara ett test", "");
	expect_hits(e, "brandlarm, bara", "t.exc");
	expect_hits(e, "ett test, brandlarm", "t.exc");
	expect_hits(e, "gamma delta brandlarm", "t.both t.exc");
	/* t.both ran on the three prefiltered texts with both words, and on
	 * all nine without the prefilter */
	long i = filter_engine_rule_index(e, "t.both");
	T_ASSERT(i >= 0);
	T_EQ_INT(3 + 9, filter_engine_rule_stats(e, (size_t)i)->runs);
	filter_engine_free(e);
}

/* A pattern anchored at both ends (slot.limit): a text longer than its
 * longest match does not run it, even with its word; the verdicts are
 * those without the prefilter. */
static const char short_rules[] =
        "rule t.short\n title t\n category harassment\n statute kommentarsregler\n"
        " tier possible\n severity 1\n actions review\n"
        " pattern ^[\\W_]{0,2}(?:din\\s+)?idiot[\\W_]{0,2}$\n"
        " match Idiot!\n match din idiot!!\n match idiot\n"
        " nomatch du din idiot\n nomatch idiot idiot\n nomatch x\nend\n";

static void test_anchored_pattern_skipped_on_longer_text(void)
{
	struct filter_engine *e = from_text(short_rules, NULL);
	T_ASSERT(e != NULL);
	if (!e)
		return;
	expect_hits(e, "Idiot!", "t.short");
	expect_hits(e, "  Din   IDIOT!! ", "t.short");
	expect_hits(e, "idiot, idiot", "");
	expect_hits(e, "du din idiot", "");
	expect_hits(e, "idiot idiot idiot idiot", "");
	expect_hits(e, "din idiot!! din idiot!! din idiot!!", "");
	/* with the prefilter it ran on the four texts of at most 14
	 * characters (its matches span 13, and one more for a final
	 * newline); without it on all six */
	long i = filter_engine_rule_index(e, "t.short");
	T_ASSERT(i >= 0);
	T_EQ_INT(4 + 6, filter_engine_rule_stats(e, (size_t)i)->runs);
	filter_engine_free(e);
}

static const char words_core_rules[] =
        "rule t.u\n title t\n category question\n statute FL\n tier possible\n severity 1\n"
        " actions respond\n input normalized\n"
        " pattern \\b(?:you|u|ur)\\b[^.!?]{0,40}\\?\n"
        " match are u there?\n match you ok?\n match ur car?\n"
        " nomatch thug?\n nomatch urgent?\n nomatch your turn?\nend\n"
        "rule t.m1\n title t\n category harassment\n statute kommentarsregler\n tier possible\n"
        " severity 1\n actions review\n input raw\n"
        " pattern (?<![\\w.])(?!(?:info)@)[\\w.]{1,20}@\\w{2,}\\.se\n"
        " match anna@xy.se\n match b.c@de.se\n match post@xy.se\n"
        " nomatch info@xy.se\n nomatch a@b\n nomatch @ home\nend\n"
        "rule t.m2\n title t\n category harassment\n statute kommentarsregler\n tier possible\n"
        " severity 1\n actions review\n input raw\n"
        " pattern (?<![\\w.])(?!(?:post)@)[\\w.]{1,20}@\\w{2,}\\.se\n"
        " match anna@xy.se\n match b.c@de.se\n match info@xy.se\n"
        " nomatch post@xy.se\n nomatch a@b\n nomatch @ home\nend\n";

/* A pattern whose whole words are not among the text's tokens is not run,
 * and two that share a core (their negative lookaheads left out) are not
 * run when it does not match: their code is never compiled.  The
 * verdicts are those without the prefilter. */
static void test_words_and_shared_core_skip_patterns(void)
{
	struct filter_engine *e = from_text(words_core_rules, NULL);
	T_ASSERT(e != NULL);
	if (!e)
		return;
	struct filter_verdict *v;
	const size_t compiled0 = code_cache_compiled();
	T_ASSERT((v = scan(e, "thug life? urgent? your turn?")) != NULL && v->nhits == 0);
	filter_verdict_free(v);
	T_EQ_INT((int)compiled0, (int)code_cache_compiled());
	T_ASSERT((v = scan(e, "mail me @ home.se, or at x@y")) != NULL && v->nhits == 0);
	filter_verdict_free(v);
	T_EQ_INT((int)compiled0 + 1, (int)code_cache_compiled()); /* the core only */
	expect_hits(e, "thug life? urgent? your turn?", "");
	expect_hits(e, "are u there?", "t.u");
	expect_hits(e, "U?", "t.u"); /* normalised text is lowercase */
	expect_hits(e, "mail me @ home.se, or at x@y", "");
	expect_hits(e, "info@xy.se", "t.m2");
	expect_hits(e, "post@xy.se", "t.m1");
	expect_hits(e, "anna@xy.se or u?", "t.u t.m1 t.m2");
	filter_engine_free(e);
}

int main(void)
{
	T_RUN(test_threat_verdict);
	T_RUN(test_highest_tier_and_union_of_actions);
	T_RUN(test_shadow_rule_listed_without_actions);
	T_RUN(test_expired_rule_not_applied);
	T_RUN(test_raw_caseless_rule);
	T_RUN(test_masks_personnummer_keeping_the_date);
	T_RUN(test_masks_phone_numbers);
	T_RUN(test_mask_action_masks_letters_too);
	T_RUN(test_every_example_passes_with_jit);
	T_RUN(test_every_example_passes_with_interpreter);
	T_RUN(test_failing_example_is_reported);
	T_RUN(test_catastrophic_backtracking_hits_limit_jit);
	T_RUN(test_catastrophic_backtracking_hits_limit_interpreter);
	T_RUN(test_jit_put_off_and_interpreter_limit_repeated_with_jit);
	T_RUN(test_jit_large_code_at_first_run_small_after_8k);
	T_RUN(test_megabyte_comment_is_truncated);
	T_RUN(test_invalid_utf8_is_replaced);
	T_RUN(test_counters);
	T_RUN(test_json_fields);
	T_RUN(test_rule_set_with_errors_makes_no_engine);
	T_RUN(test_stats_json_and_carry_over_reload);
	T_RUN(test_reload_shares_compiled_patterns);
	T_RUN(test_code_compiled_when_first_run);
	T_RUN(test_split_pattern_compiles_what_runs);
	T_RUN(test_code_cache_keeps_sources_exactly);
	T_RUN(test_code_cache_keeps_shipped_sources_exactly);
	T_RUN(test_pattern_source_after_build);
	T_RUN(test_examples_leave_no_code);
	T_RUN(test_windows_on_long_text_find_what_whole_runs_find);
	T_RUN(test_candidates_and_excepts_through_the_prefilter);
	T_RUN(test_anchored_pattern_skipped_on_longer_text);
	T_RUN(test_words_and_shared_core_skip_patterns);
	return t_done();
}
