/* Lexicons: parsing with file:line errors, the trie they compile into,
 * @name references in rule patterns, and quotation context in the shipped
 * composition rules. */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "t.h"
#include "filter/engine.h"
#include "filter/lexicon.h"
#include "filter/rules.h"
#include "util/clock.h"

static int parse(struct lexicon_set *set, const char *name, const char *txt, struct diag_list *errs)
{
	return lexicon_parse_buffer(set, name, "x.txt", txt, strlen(txt), errs);
}

static const char *first_err(struct diag_list *errs)
{
	static char buf[512];
	if (errs->n == 0)
		return "(none)";
	return diag_format(&errs->v[0], buf, sizeof(buf));
}

static void test_words_compile_into_a_trie(void)
{
	struct lexicon_set set = { 0 };
	struct diag_list errs = { 0 };
	T_EQ_INT(0, parse(&set, "v",
	                  "# verbs\nskjuta\nskjuter # present\n\nsla ihjal\nsla\n"
	                  "doda\nskjuta\n",
	                  &errs));
	const struct lexicon *lx = lexicon_find(&set, "v", 1);
	T_ASSERT(lx != NULL);
	if (lx) {
		/* a shared prefix is written once; "sla" ends where "sla ihjal"
		 * goes on; the duplicate "skjuta" is one branch */
		T_EQ_STR("(?:doda|s(?:kjut(?:a|er)|la(?:\\s+ihjal)?))", lx->src);
		T_EQ_INT(5, (int)lx->nwords);
	}
	T_EQ_INT(0, (int)errs.n);
	lexicon_set_clear(&set);
	diag_list_clear(&errs);
}

static void test_one_word_is_a_plain_group(void)
{
	struct lexicon_set set = { 0 };
	struct diag_list errs = { 0 };
	T_EQ_INT(0, parse(&set, "one", "kniv\n", &errs));
	T_EQ_STR("(?:kniv)", set.v[0].src);
	lexicon_set_clear(&set);
	diag_list_clear(&errs);
}

static void test_masked_adds_words_with_a_hidden_vowel(void)
{
	struct lexicon_set set = { 0 };
	struct diag_list errs = { 0 };
	T_EQ_INT(0, parse(&set, "m", "%masked\nmorda\nkl\nkill\n", &errs));
	T_EQ_STR("(?:k(?:_ll|il(?:l)?|l)|m(?:_rda|ord(?:_|a)))", set.v[0].src);
	lexicon_set_clear(&set);
	diag_list_clear(&errs);
}

static void test_bad_word_is_an_error_with_its_line(void)
{
	struct lexicon_set set = { 0 };
	struct diag_list errs = { 0 };
	T_EQ_INT(1, parse(&set, "v", "doda\n# ok\nDöda\nmorda\nsk(a\n", &errs));
	T_EQ_INT(2, (int)errs.n);
	T_CONTAINS(first_err(&errs), "x.txt:3:");
	T_CONTAINS(first_err(&errs), "a-z, 0-9");
	T_EQ_INT(0, (int)set.n);
	lexicon_set_clear(&set);
	diag_list_clear(&errs);
}

static void test_empty_lexicon_and_bad_names_are_errors(void)
{
	struct lexicon_set set = { 0 };
	struct diag_list errs = { 0 };
	T_EQ_INT(1, parse(&set, "empty", "# nothing here\n\n", &errs));
	T_CONTAINS(first_err(&errs), "has no words");
	diag_list_clear(&errs);
	T_EQ_INT(1, parse(&set, "Bad-Name", "x\n", &errs));
	T_CONTAINS(first_err(&errs), "lexicon name");
	diag_list_clear(&errs);
	T_EQ_INT(0, parse(&set, "v", "x\n", &errs));
	T_EQ_INT(1, parse(&set, "v", "y\n", &errs));
	T_CONTAINS(first_err(&errs), "defined twice");
	lexicon_set_clear(&set);
	diag_list_clear(&errs);
}

static void test_expand_replaces_names_outside_classes(void)
{
	struct lexicon_set set = { 0 };
	struct diag_list errs = { 0 };
	char unknown[64] = "";
	char *out = NULL;
	T_EQ_INT(0, parse(&set, "v", "doda\nmorda\n", &errs));
	T_EQ_INT(0, lexicon_expand(&set, "\\bjag\\s+ska\\s+@v\\b", &out, unknown, sizeof(unknown)));
	T_EQ_STR("\\bjag\\s+ska\\s+(?:doda|morda)\\b", out);
	free(out);
	/* escaped, in a class, not followed by a letter: left alone */
	T_EQ_INT(0, lexicon_expand(&set, "a\\@v[@v]x@ [^]@v]@1", &out, unknown, sizeof(unknown)));
	T_EQ_STR("a\\@v[@v]x@ [^]@v]@1", out);
	free(out);
	T_EQ_INT(0, lexicon_expand(&set, "[[:alpha:]@]@v", &out, unknown, sizeof(unknown)));
	T_EQ_STR("[[:alpha:]@](?:doda|morda)", out);
	free(out);
	T_EQ_INT(1, lexicon_expand(&set, "x @nope y", &out, unknown, sizeof(unknown)));
	T_EQ_STR("nope", unknown);
	lexicon_set_clear(&set);
	diag_list_clear(&errs);
}

static const char rule_txt[] = "rule t.threat.x\n"
                               "  title     t\n"
                               "  category  threat\n"
                               "  statute   BrB 4:5\n"
                               "  tier      obvious\n"
                               "  severity  5\n"
                               "  actions   hide\n"
                               "  lang      sv\n"
                               "  pattern   \\bjag\\s+ska\\s+@verb\\s+dig\\b\n"
                               "  match     jag ska döda dig\n"
                               "  match     jag ska d ö d a dig\n"
                               "  match     jag ska doda dig\n"
                               "  nomatch   jag ska inte döda dig\n"
                               "  nomatch   jag ska\n"
                               "  nomatch   döda tiden\n"
                               "end\n";

static void test_rules_refer_to_lexicons(void)
{
	struct lexicon_set set = { 0 };
	struct diag_list errs = { 0 }, warns = { 0 };
	struct filter_ruleset rs = { 0 };
	T_EQ_INT(0, parse(&set, "verb", "doda\nmorda\n", &errs));
	T_EQ_INT(0, rules_parse_buffer_lex(&rs, &set, "t.rules", rule_txt, strlen(rule_txt),
	                                   clock_now(), &errs, &warns));
	T_EQ_INT(1, (int)rs.n);
	if (rs.n)
		T_EQ_STR("\\bjag\\s+ska\\s+(?:doda|morda)\\s+dig\\b", rs.v[0].patterns[0].src);
	filter_ruleset_clear(&rs);
	/* without the lexicon: an error naming the pattern's line */
	T_EQ_INT(1, rules_parse_buffer(&rs, "t.rules", rule_txt, strlen(rule_txt), clock_now(),
	                               &errs, &warns));
	T_CONTAINS(first_err(&errs), "t.rules:9:");
	T_CONTAINS(first_err(&errs), "unknown lexicon '@verb'");
	filter_ruleset_clear(&rs);
	lexicon_set_clear(&set);
	diag_list_clear(&errs);
	diag_list_clear(&warns);
}

static void test_load_dir_reads_the_lexicon_directory(void)
{
	char dir[] = "/tmp/vakt-lexicon-XXXXXX";
	char path[256];
	struct diag_list errs = { 0 }, warns = { 0 };
	struct filter_ruleset rs = { 0 };
	FILE *f;

	T_ASSERT(mkdtemp(dir) != NULL);
	snprintf(path, sizeof(path), "%s/t.rules", dir);
	f = fopen(path, "w");
	fputs(rule_txt, f);
	fclose(f);
	/* no lexicon directory: @verb is unknown */
	T_EQ_INT(1, rules_load_dir(dir, clock_now(), &rs, &errs, &warns));
	T_CONTAINS(first_err(&errs), "unknown lexicon '@verb'");
	diag_list_clear(&errs);
	snprintf(path, sizeof(path), "%s/lexicon", dir);
	T_EQ_INT(0, mkdir(path, 0700));
	snprintf(path, sizeof(path), "%s/lexicon/verb.txt", dir);
	f = fopen(path, "w");
	fputs("# empty\n", f);
	fclose(f);
	T_EQ_INT(1, rules_load_dir(dir, clock_now(), &rs, &errs, &warns));
	T_CONTAINS(first_err(&errs), "verb.txt: lexicon '@verb' has no words");
	diag_list_clear(&errs);
	f = fopen(path, "w");
	fputs("doda\n", f);
	fclose(f);
	T_EQ_INT(0, rules_load_dir(dir, clock_now(), &rs, &errs, &warns));
	T_EQ_INT(1, (int)rs.n);
	filter_ruleset_clear(&rs);
	/* rules_parse_file() finds lexicon/ beside the file */
	snprintf(path, sizeof(path), "%s/t.rules", dir);
	T_EQ_INT(0, rules_parse_file(&rs, path, clock_now(), &errs, &warns));
	filter_ruleset_clear(&rs);
	unlink(path);
	snprintf(path, sizeof(path), "%s/lexicon/verb.txt", dir);
	unlink(path);
	snprintf(path, sizeof(path), "%s/lexicon", dir);
	rmdir(path);
	rmdir(dir);
	diag_list_clear(&errs);
	diag_list_clear(&warns);
}

/* The shipped composition rules: a threat in any form is obvious; quoted
 * or reported it is not. */
static void test_quotation_context_in_shipped_rules(void)
{
	struct filter_engine *e = NULL;
	struct diag_list errs = { 0 }, warns = { 0 };
	struct filter_options o;
	filter_options_default(&o);
	T_EQ_INT(0, filter_engine_load(SRCDIR "/filters", &o, &e, &errs, &warns));
	if (!e)
		return;
	static const char *const threats[] = {
		"Jag kommer att mörda bibliotekarien", "Imorgon knivhugger jag handläggaren",
		"Jag ska m*rda hela nämnden",          "Läraren borde s.k.j.u.t.as",
		"I'm gonna kill the bus driver",
	};
	static const char *const reports[] = {
		"Han skrev \"jag kommer att mörda bibliotekarien\" och jag har polisanmält det",
		"Jag fick ett sms där det stod att han ska knivhugga handläggaren",
		"He wrote \"I'm gonna kill the bus driver\" and I reported it to the police",
	};
	for (size_t i = 0; i < sizeof(threats) / sizeof(threats[0]); i++) {
		struct filter_verdict *v = NULL;
		T_EQ_INT(0, filter_engine_scan(e, threats[i], strlen(threats[i]), 0, &v));
		if (v && v->tier != FILTER_TIER_OBVIOUS)
			T_FAIL_("not obvious: %s", threats[i]);
		filter_verdict_free(v);
	}
	for (size_t i = 0; i < sizeof(reports) / sizeof(reports[0]); i++) {
		struct filter_verdict *v = NULL;
		T_EQ_INT(0, filter_engine_scan(e, reports[i], strlen(reports[i]), 0, &v));
		if (v && v->tier == FILTER_TIER_OBVIOUS)
			T_FAIL_("obvious: %s", reports[i]);
		filter_verdict_free(v);
	}
	filter_engine_free(e);
	diag_list_clear(&errs);
	diag_list_clear(&warns);
}

int main(void)
{
	T_RUN(test_words_compile_into_a_trie);
	T_RUN(test_one_word_is_a_plain_group);
	T_RUN(test_masked_adds_words_with_a_hidden_vowel);
	T_RUN(test_bad_word_is_an_error_with_its_line);
	T_RUN(test_empty_lexicon_and_bad_names_are_errors);
	T_RUN(test_expand_replaces_names_outside_classes);
	T_RUN(test_rules_refer_to_lexicons);
	T_RUN(test_load_dir_reads_the_lexicon_directory);
	T_RUN(test_quotation_context_in_shipped_rules);
	return t_done();
}
