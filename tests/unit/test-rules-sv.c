/* The shipped Swedish rules (filters/sv-*.rules): their own examples under
 * JIT and the interpreter, the tier/action/statute policy of
 * docs/rules-sv.md, bounded matching on hostile input, an ordinary-comment
 * corpus that must stay clean and a corpus of comments that must be flagged
 * (tests/unit/data/rules-sv/). */
#include <dirent.h>
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "t.h"
#include "trules.h"
#include "filter/engine.h"
#include "filter/examples.h"
#include "util/clock.h"

#define DATA SRCDIR "/tests/unit/data/rules-sv"

static int owned_file(const char *name)
{
	size_t n = strlen(name);
	return n > 9 && strncmp(name, "sv-", 3) == 0 && strcmp(name + n - 6, ".rules") == 0;
}

static struct filter_engine *engine(int no_jit)
{
	return trules_engine(owned_file, no_jit);
}

static void check_examples(int no_jit)
{
	/* The brief: 100-150 rules, each with >= 3 match and >= 3 nomatch (140
	 * until issue 12's fifth round, whose forms needed a few more; 150
	 * until the eleventh, whose veiled threats and threat net added 9; 160
	 * until the thirteenth, whose rule files for wishes, conditionals and
	 * veiled threats are new). */
	trules_check_examples(owned_file, no_jit, 100, 220);
}

static void test_examples_pass_with_jit(void)
{
	check_examples(0);
}

static void test_examples_pass_in_the_interpreter(void)
{
	check_examples(1);
}

static int starts_with(const char *s, const char *prefix)
{
	return s && strncmp(s, prefix, strlen(prefix)) == 0;
}

/* The policy table of docs/rules-sv.md, rule by rule. */
static void test_rules_follow_the_policy(void)
{
	struct filter_engine *e = engine(0);

	T_ASSERT(e != NULL);
	if (!e)
		return;
	for (size_t i = 0; i < filter_engine_rule_count(e); i++) {
		const struct filter_rule *r = filter_engine_rule(e, i);
		const char *cat = filter_category_name(r->category);
		char prefix[40];
		int crime = r->category == FILTER_CAT_THREAT || r->category == FILTER_CAT_CRIMINAL;
		int copyright = r->statute && strstr(r->statute, "upphovsr") != NULL;

		snprintf(prefix, sizeof(prefix), "sv.%s.", cat);
		if (!starts_with(r->id, prefix) || strcmp(r->lang, "sv") != 0)
			T_FAIL_("%s: sv-* rules are sv.CATEGORY.* with lang sv", r->id);
		if (r->nmatches < 3 || r->nnomatches < 3)
			T_FAIL_("%s: fewer than 3 match or nomatch examples", r->id);
		if (crime && starts_with(r->statute, "kommentarsregler"))
			T_FAIL_("%s: threat/criminal rules name the offence", r->id);
		if ((r->category == FILTER_CAT_HARASSMENT || r->category == FILTER_CAT_HATE) &&
		    !starts_with(r->statute, "kommentarsregler"))
			T_FAIL_("%s: harassment/hate rules rest on kommentarsregler", r->id);
		if (r->category == FILTER_CAT_HARASSMENT && !strstr(r->statute, "ej 1998:112"))
			T_FAIL_("%s: harassment statute says it is not in 1998:112 5 §", r->id);
		if (r->tier == FILTER_TIER_OBVIOUS && !(r->actions & FILTER_ACT_HIDE))
			T_FAIL_("%s: an obvious rule hides", r->id);
		if (crime && r->tier == FILTER_TIER_OBVIOUS && !copyright &&
		    !(r->actions & FILTER_ACT_ESCALATE))
			T_FAIL_("%s: an obvious threat/crime escalates", r->id);
		if (crime && r->tier == FILTER_TIER_POSSIBLE &&
		    (r->severity >= 4) != !!(r->actions & FILTER_ACT_ESCALATE))
			T_FAIL_("%s: a possible threat/crime escalates exactly at severity >= 4",
			        r->id);
		if (crime && r->tier == FILTER_TIER_POSSIBLE && (r->actions & FILTER_ACT_HIDE))
			T_FAIL_("%s: a possible threat/crime is reviewed, not hidden", r->id);
		if ((r->category == FILTER_CAT_HARASSMENT || r->category == FILTER_CAT_HATE) &&
		    (r->actions & FILTER_ACT_ESCALATE))
			T_FAIL_("%s: harassment and hate do not wake on-call", r->id);
		if (r->category == FILTER_CAT_HATE && r->tier != FILTER_TIER_POSSIBLE)
			T_FAIL_("%s: obvious hate is hets mot folkgrupp (sv-criminal)", r->id);
		if (r->category == FILTER_CAT_QUESTION && r->actions != FILTER_ACT_RESPOND)
			T_FAIL_("%s: questions only start a response deadline", r->id);
		if (r->category != FILTER_CAT_QUESTION && (r->actions & FILTER_ACT_RESPOND))
			T_FAIL_("%s: only questions respond", r->id);
		if (r->tier == FILTER_TIER_POSSIBLE && !(r->actions & FILTER_ACT_REVIEW) &&
		    r->category != FILTER_CAT_QUESTION)
			T_FAIL_("%s: a possible rule goes to review", r->id);
	}
	filter_engine_free(e);
}

/* Texts made to make a careless pattern backtrack: none may hit a limit. */
static void check_hostile(int no_jit)
{
	static const char *const units[] = {
		"jag ska ",
		"du är ",
		"a ",
		"? ",
		"hej, ",
		"kolla ",
		"vi ses ",
		"nakenbilder på ",
		"dnr 1234 ",
		"tack vare ",
		"bitcoin ",
		"skyddad identitet ",
		"https://a.se ",
		"\"jag ska döda ",
		"ni ",
		"x",
		"d ö d a ",
		"alla muslimer är ",
		"när ",
		"lösenord: ",
		"någon borde ",
		"om ni inte ",
		"annars ",
		"din jävla ",
		"jag vet var du ",
		"tack vare mrs anna ",
		"patienten på avdelning 6 ",
		"grannen har ",
		"säljer ",
		"det finns en ",
		"lösenord: a1 ",
		"www.x.se ",
		"ni, ",
		"jag ska inte ",
		"vi ses utanför ",
		"hoppas du ",
		"alla ",
		"1 ",
		"...? ",
		"!? ",
	};
	trules_check_hostile(owned_file, no_jit, units, sizeof(units) / sizeof(units[0]));
}

static void test_hostile_input_stays_within_limits_with_jit(void)
{
	check_hostile(0);
}

static void test_hostile_input_stays_within_limits_in_the_interpreter(void)
{
	check_hostile(1);
}

/* Read the next non-comment line of f into buf (newline stripped). */
static int next_line(FILE *f, char *buf, size_t cap)
{
	while (fgets(buf, (int)cap, f)) {
		buf[strcspn(buf, "\r\n")] = '\0';
		if (buf[0] != '\0' && buf[0] != '#')
			return 1;
	}
	return 0;
}

/* Ordinary comments, idioms, news and counter-speech: nothing but a
 * question rule may match. */
static void test_ordinary_comments_stay_clean(void)
{
	struct filter_engine *e = engine(0);
	FILE *f = fopen(DATA "/ordinary.txt", "r");
	char line[1024];
	size_t n = 0;

	T_ASSERT(e != NULL && f != NULL);
	while (e && f && next_line(f, line, sizeof(line))) {
		struct filter_verdict *v = NULL;
		n++;
		T_EQ_INT(0, filter_engine_scan(e, line, strlen(line), 0, &v));
		for (size_t i = 0; v && i < v->nhits; i++)
			if (v->hits[i].category != FILTER_CAT_QUESTION)
				T_FAIL_("\"%s\": %s", line, v->hits[i].rule);
		filter_verdict_free(v);
	}
	T_ASSERT(n >= 250);
	if (f)
		fclose(f);
	filter_engine_free(e);
}

static int category_of(const char *name)
{
	for (int c = 0; c < FILTER_CAT_COUNT; c++)
		if (strcmp(filter_category_name(c), name) == 0)
			return c;
	return -1;
}

/* Comments that must be flagged with a category at a tier, and pure
 * statements that must not be flagged at all. */
static void test_flagged_comments_are_found(void)
{
	struct filter_engine *e = engine(0);
	FILE *f = fopen(DATA "/flagged.txt", "r");
	char line[1024];
	size_t n = 0;

	T_ASSERT(e != NULL && f != NULL);
	while (e && f && next_line(f, line, sizeof(line))) {
		char *cat = line, *tier = strchr(line, '\t'), *text = NULL;
		if (tier) {
			*tier++ = '\0';
			text = strchr(tier, '\t');
		}
		if (!text) {
			T_FAIL_("flagged.txt: bad line \"%s\"", line);
			continue;
		}
		*text++ = '\0';
		n++;
		struct filter_verdict *v = NULL;
		T_EQ_INT(0, filter_engine_scan(e, text, strlen(text), 0, &v));
		if (!v)
			continue;
		if (strcmp(cat, "none") == 0) {
			if (v->nhits)
				T_FAIL_("\"%s\": expected no hit, got %s", text, v->hits[0].rule);
		} else {
			int want = category_of(cat), found = 0;
			enum filter_tier min = strcmp(tier, "obvious") == 0 ? FILTER_TIER_OBVIOUS
			                                                    : FILTER_TIER_POSSIBLE;
			for (size_t i = 0; i < v->nhits; i++)
				if ((int)v->hits[i].category == want && v->hits[i].tier >= min)
					found = 1;
			if (want < 0 || !found)
				T_FAIL_("\"%s\": expected %s at tier %s", text, cat, tier);
		}
		filter_verdict_free(v);
	}
	T_ASSERT(n >= 60);
	if (f)
		fclose(f);
	filter_engine_free(e);
}

int main(void)
{
	setenv("TZ", "Europe/Stockholm", 1);
	tzset();
	T_RUN(test_examples_pass_with_jit);
	T_RUN(test_examples_pass_in_the_interpreter);
	T_RUN(test_rules_follow_the_policy);
	T_RUN(test_hostile_input_stays_within_limits_with_jit);
	T_RUN(test_hostile_input_stays_within_limits_in_the_interpreter);
	T_RUN(test_ordinary_comments_stay_clean);
	T_RUN(test_flagged_comments_are_found);
	return t_done();
}
