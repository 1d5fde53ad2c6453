/* The de-obfuscation step: words resolved against the vocabulary, the
 * exact map back to the original, the gate, ambiguity, hard negatives. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "t.h"
#include "filter/deobf.h"
#include "filter/engine.h"
#include "filter/lexicon.h"
#include "filter/normalize.h"
#include "filter/rules.h"
#include "filter/verdict.h"
#include "util/diag.h"

static struct deobf_vocab *shipped;
static struct deobf_scratch scratch;

static struct deobf_vocab *vocab_of(const char *const *words, size_t n)
{
	char blk[4096];
	size_t len = 0;
	for (size_t i = 0; i < n; i++) {
		size_t l = strlen(words[i]);
		memcpy(blk + len, words[i], l + 1);
		len += l + 1;
	}
	struct deobf_vocab *v = NULL;
	if (deobf_vocab_new(blk, len, &v) < 0)
		return NULL;
	return v;
}

/* Where the reading starts in nt (after DEOBF_SEP and DEOBF_LEAD), 0 when
 * there is none. */
static size_t reading_at(const struct norm_text *nt)
{
	const char *p = strstr(nt->s, DEOBF_SEP);
	return p ? (size_t)(p - nt->s) + strlen(DEOBF_SEP) + strlen(DEOBF_LEAD) : 0;
}

/* The map is exact: every byte's range lies in the original, in order in
 * the text and in the reading; the separator maps to the end. */
static int map_ok(const struct norm_text *nt, size_t olen)
{
	size_t r = reading_at(nt), lead = r ? r - strlen(DEOBF_LEAD) : 0;
	for (size_t i = 0; i < nt->len; i++) {
		if (nt->ostart[i] > nt->oend[i] || nt->oend[i] > olen)
			return 0;
		if (i && i != lead && nt->ostart[i] < nt->ostart[i - 1])
			return 0;
	}
	if (r && (nt->ostart[lead - 1] != olen || nt->oend[lead - 1] != olen))
		return 0;
	/* DEOBF_LEAD maps to the empty range where the reading begins */
	for (size_t i = lead; i < r; i++)
		if (nt->ostart[i] != nt->oend[i] || (r < nt->len && nt->ostart[i] != nt->ostart[r]))
			return 0;
	return nt->s[nt->len] == '\0';
}

/* Normalise and de-obfuscate text; *gate gets the gate's answer. */
static char *run(const struct deobf_vocab *v, const char *text, struct norm_text *nt, int *gate)
{
	if (normalize_text(text, strlen(text), nt) < 0)
		return NULL;
	*gate = deobf_gate(text, strlen(text), nt);
	if (*gate && deobf_apply(v, text, strlen(text), nt, &scratch) < 0)
		return NULL;
	if (!map_ok(nt, strlen(text)))
		return strdup("<bad map>");
	/* the text as normalised must come first, unchanged */
	size_t r = reading_at(nt);
	if (r) {
		struct norm_text plain = { 0 };
		int same = normalize_text(text, strlen(text), &plain) == 0 &&
		           plain.len + strlen(DEOBF_SEP) + strlen(DEOBF_LEAD) == r &&
		           memcmp(plain.s, nt->s, plain.len) == 0;
		norm_text_free(&plain);
		if (!same)
			return strdup("<text changed>");
	}
	return strdup(nt->s + r);
}

static void expect(const char *text, const char *want)
{
	struct norm_text nt = { 0 };
	int gate = 0;
	char *got = run(shipped, text, &nt, &gate);
	T_ASSERT(got != NULL);
	if (got)
		T_EQ_STR(want, got);
	free(got);
	norm_text_free(&nt);
}

/* The original bytes that normalised text `word` (its first occurrence)
 * came from. */
static void expect_source(const char *text, const char *word, const char *want)
{
	struct norm_text nt = { 0 };
	int gate = 0;
	char *got = run(shipped, text, &nt, &gate);
	T_ASSERT(got != NULL);
	const char *p = got ? strstr(got, word) : NULL;
	T_ASSERT(p != NULL);
	if (p) {
		size_t s, e, at = reading_at(&nt) + (size_t)(p - got);
		norm_span_to_orig(&nt, at, at + strlen(word), &s, &e);
		char buf[256];
		snprintf(buf, sizeof(buf), "%.*s", (int)(e - s), text + s);
		T_EQ_STR(want, buf);
	}
	free(got);
	norm_text_free(&nt);
}

static void test_masked_and_leet_words_resolve(void)
{
	expect("Jag ska m*rd* dig", "jag ska morda dig");
	expect("vi ska spr*nga skolan", "vi ska spranga skolan");
	expect("jag ska d@da dig", "jag ska doda dig");
	expect("I will k!ll you", "i will kill you");
	expect("I'm going to k|ll the mayor", "i'm going to kill the mayor");
	expect("jag ska skj0ta dig", "jag ska skjuta dig");
	expect("Ja6 ska d0d4 d16", "jag ska doda dig");
	/* a stretched letter and a mask: the mask reads no letter */
	expect("jag ska dööööd*a dig", "jag ska doda dig");
	expect("jag ska skjuuuuuut*a dig", "jag ska skjuta dig");
	/* masked twice: muslims and moslems fit, both lexicon words */
	expect("all m*sl*ms", "all moslems");
	/* the text's language decides between kill and kall, and between
	 * burn and barn; burn and born are both English lexicon words, and
	 * burn, a word obfuscation hides (`%masked`), is read */
	expect("I will k*ll you all", "i will kill you all");
	expect("I will b*rn your house", "i will burn your house");
	expect("I will m#rd#r your family", "i will murder your family");
}

/* Thirteenth round: masks at a word's edges, symbols for any letter,
 * runs of masks, a mask for two letters, a dot for a letter, rn for m,
 * chains with leetspeak. */
static void test_masks_everywhere(void)
{
	expect("ska *örda varenda en", "ska morda varenda en");
	expect("jag ska #örda dig", "jag ska morda dig");
	expect("jag ska @örda dig", "jag ska morda dig");
	expect("jag ska !örda dig", "jag ska morda dig");
	expect("jag ska $örda dig", "jag ska morda dig");
	expect("jag ska mörd_ dig", "jag ska morda dig");
	expect("jag ska mörd! dig", "jag ska morda dig");
	expect("jag ska m!!da dig", "jag ska morda dig");
	expect("jag ska m.rda dig", "jag ska morda dig");
	expect("ska d.da dig", "ska doda dig");
	expect("du får en kul@ i skallen", "du far en kula i skallen");
	/* @ is shaped like a and o: with `kola` a lexicon word (`kola
	 * vippen`), k@la reads kola before kula */
	expect("du får en k@la i skallen", "du far en kola i skallen");
	expect("i'll b@mb your office", "i'll bomb your office");
	expect("n****r ska hängas", "negrer ska hangas");
	/* rn opens no gate of its own: read when another trace does */
	expect("jag ska rnörda dig", "jag ska rnorda dig");
	expect("jag ska rnörda d!g", "jag ska morda dig");
	expect("i will rnurder y0u", "i will murder you");
	expect("jag ska m 0 r d 4 dig", "jag ska morda dig");
	expect("jag $k@ m.0.r.d.@ dig", "jag ska morda dig");
	/* a mask for two letters only gives a lexicon word of five or more */
	expect("jag ska sk*ta dig", "jag ska skiuta dig");
	expect("ska ha*ga dig", "ska hanga dig");
	/* fourteenth round: `? + - %` and a lone dot between letters, only
	 * as a lexicon word; `? + - % .` at a word's edges before an object */
	expect("jag ska m?rda dig", "jag ska morda dig");
	expect("I will k+ll you", "i will kill you");
	expect("jag ska mö-da dig", "jag ska morda dig");
	expect("I will k%ll you", "i will kill you");
	expect("jag ska sprä.ga dig", "jag ska spranga dig");
	expect("jag ska mör.a dig", "jag ska morda dig");
	expect("jag ska mörd? dig", "jag ska morda dig");
	expect("jag ska -örda dig", "jag ska morda dig");
	expect("jag ska .örda dig", "jag ska morda dig");
	/* a mask in a word written letter by letter */
	expect("jag ska m ö r * a dig", "jag ska morda dig");
	expect("I will k i * l you", "i will kill you");
	expect("jag ska m i s s h a # d l a dig", "jag ska misshandla dig");
	expect("invandrarna är o h y * a", "invandrarna ar ohyra");
}

static void test_chains_are_cut_into_words(void)
{
	expect("s k a d ö d a d i g", "ska doda dig");
	expect("j a g s k a s k j u t a d i g", "jag ska skjuta dig");
	expect("i w i l l k i l l y o u", "i will kill you");
	expect("jag ska d.ö..d.a dig", "jag ska doda dig");
	expect("jag ska d,ö,d,a dig", "jag ska doda dig");
	expect("jag ska m.ö..r.d.a dig", "jag ska morda dig");
	expect("Judar är p.a..r.a.s.i.t.e.r", "judar ar parasiter");
	expect("i a m g o i n g t o k i l l y o u", "i am going to kill you");
	expect("jag ska skj💥uta dig", "jag ska skjuta dig");
}

/* Eighteenth round: try_chain() returns before reading units when the
 * first fragment is four letters or more (most words), and
 * try_spaced_mask() reads its units only once it found the mask.  The
 * readings around those edges stay what they were. */
static void test_chain_and_spaced_mask_edges(void)
{
	/* a chain right after a long word, and after a word of three */
	expect("jag ska skjuta m 0 r d 4 dig", "jag ska skjuta morda dig");
	expect("vem ska m 0 r d 4 dig", "vem ska morda dig");
	/* a first fragment of three letters, then single letters */
	expect("jag ska mör d a dig", "jag ska mor d a dig");
	/* four letters and a dot: no chain; the dot between letters is a
	 * mask of the word (`mord.a`: morda) */
	expect("jag ska mord.a dig", "jag ska morda dig");
	/* a spaced mask after a long first piece; one that makes no word
	 * (normalisation joined `h e m`) */
	expect("invandrarna är o h y * a", "invandrarna ar ohyra");
	expect("jag ska m i s s h a # d l a dig", "jag ska misshandla dig");
	expect("vi ska springa h e m * dig", "vi ska springa hem * dig");
}

static void test_map_is_exact(void)
{
	expect_source("Jag ska m*rd* dig!", "morda", "m*rd*");
	expect_source("Jag ska k!ll you", "kill", "k!ll");
	expect_source("xx s k a d ö d a d i g", "doda", "d ö d a");
	expect_source("xx s k a d ö d a d i g", "dig", "d i g");
	/* the space put between two words maps to the separator */
	expect_source("xx s k a d ö d a d i g", "ska doda", "s k a d ö d a");
	expect_source("jag ska dööööd*a dig", "doda", "dööööd*a");
	expect_source("jag ska skj💥uta dig", "skjuta", "skj💥uta");
	expect_source("jag ska d.ö..d.a dig", "doda", "d.ö..d.a");
	expect_source("jag ska m ö r * a dig", "morda", "m ö r * a");
	expect_source("jag ska mörd? dig", "morda", "mörd?");
	expect_source("jag ska sprä.ga dig", "spranga", "sprä.ga");
}

static void test_gate_lets_ordinary_text_through(void)
{
	static const char *const ordinary[] = {
		"Tack för hjälpen!",
		"Bussen kom 10 minuter sent, igen.",
		"Vi öppnar kl 08:00 och stänger 17.30",
		"Ring 08-465 004 12 om du har frågor",
		"Glad midsommar 🌸 allihop",
		"Hej, a-kassan svarar inte",
	};
	for (size_t i = 0; i < sizeof(ordinary) / sizeof(ordinary[0]); i++) {
		struct norm_text nt = { 0 };
		int gate = 1;
		char *got = run(shipped, ordinary[i], &nt, &gate);
		T_ASSERT(got != NULL);
		if (gate)
			fprintf(stderr, "gate opened for: %s\n", ordinary[i]);
		T_EQ_INT(0, gate);
		free(got);
		norm_text_free(&nt);
	}
	struct norm_text nt = { 0 };
	int gate = 0;
	char *got = run(shipped, "jag ska k!ll dig", &nt, &gate);
	T_EQ_INT(1, gate);
	free(got);
	norm_text_free(&nt);
}

static void test_ambiguity_changes_nothing(void)
{
	static const char *const two[] = { "doda", "dode" };
	static const char *const dag[] = { "dag" };
	struct deobf_vocab *v2 = vocab_of(two, 2), *vd = vocab_of(dag, 1);
	T_ASSERT(v2 && vd);
	struct norm_text nt = { 0 };
	int gate = 0;
	/* a lexicon word and a function word (dig) fit as well, neither in
	 * the text's language: unchanged */
	char *got = run(vd, "the d*g is", &nt, &gate);
	T_EQ_STR("the d_g is", got);
	free(got);
	norm_text_free(&nt);
	/* in a Swedish text the Swedish one */
	got = run(vd, "ska d*g nu", &nt, &gate);
	T_EQ_STR("ska dig nu", got);
	free(got);
	norm_text_free(&nt);
	/* two lexicon words fit as well: the first, a rule word either way */
	got = run(v2, "ska d*d* dig", &nt, &gate);
	T_EQ_STR("ska doda dig", got);
	free(got);
	norm_text_free(&nt);
	/* one known letter and a mask is a guess, not a word */
	got = run(v2, "d* d*", &nt, &gate);
	T_EQ_STR("d_ d_", got);
	free(got);
	norm_text_free(&nt);
	deobf_vocab_free(vd);
	deobf_vocab_free(v2);
}

/* Seventeenth round: a tie between an ordinary and a violent reading is
 * read as the lexicons say, not by the vocabulary's order. */
static void test_ties_read_the_rules_words(void)
{
	/* `@` hides a vowel as `*` does: kill, not koll or kall */
	expect("someone should k@ll that bus driver", "someone should kill that bus driver");
	expect("I will k@ll you", "i will kill you");
	/* the lexicons' phrases: `i en kista`, `kasta ut` */
	expect("du hamnar i en k*sta", "du hamnar i en kista");
	expect("k*sta ut dom", "kasta ut dom");
	/* `s a b` is no chain of letters: the mask is b*mb's */
	expect("there's a b*mb in the school", "there's a bomb in the school");
	expect("it's a b*mb", "it's a bomb");
	/* barn in a Swedish text, burn (not born) in an English one */
	expect("vi vet var dina b*rn bor", "vi vet var dina barn bor");
	expect("we will b*rn city hall down", "we will burn city hall down");
	/* a profanity and a masked lexicon word tie and stay */
	expect("sk*t också", "sk_t ocksa");

	/* a small vocabulary: an ordinary Swedish word and a violent
	 * English one from a `%masked` lexicon */
	static const char *const words[] = {
		"#sv", "koll",     "",      "kall", "",    "#en", "#%masked", "kill",  "",
		"#sv", "#%masked", "kasta", "",     "#sv", "i",   "en",       "kista", "",
	};
	struct deobf_vocab *v = vocab_of(words, sizeof(words) / sizeof(words[0]));
	T_ASSERT(v != NULL);
	struct norm_text nt = { 0 };
	int gate = 0;
	char *got = run(v, "I will k@ll you", &nt, &gate);
	T_EQ_STR("i will kill you", got);
	free(got);
	norm_text_free(&nt);
	/* the ordinary word where the text's words say so: `i en kista`
	 * is a phrase, `kista` no violent word */
	got = run(v, "hamnar i en k*sta", &nt, &gate);
	T_EQ_STR("hamnar i en kista", got);
	free(got);
	norm_text_free(&nt);
	deobf_vocab_free(v);
}

/* Words added to a lexicon (none of them a `%masked` one) do not change
 * how unrelated obfuscated words read: the ranking depends on the
 * candidates' own lexicons, not on what else the vocabulary holds. */
static void test_lexicon_additions_change_no_reading(void)
{
	char *words = NULL;
	size_t len = 0, n = 0;
	T_EQ_INT(0, lexicon_words_dir(SRCDIR "/filters/lexicon", &words, &len, &n));
	static const char extra[] = "#sv\0koll\0\0kall\0\0mord\0\0sprang\0\0kosta\0\0"
	                            "#en\0kell\0\0born\0\0";
	char *more = malloc(len + sizeof(extra));
	T_ASSERT(more != NULL);
	if (!more) {
		free(words);
		return;
	}
	memcpy(more, words, len);
	memcpy(more + len, extra, sizeof(extra) - 1);
	struct deobf_vocab *v = NULL;
	T_EQ_INT(0, deobf_vocab_new(more, len + sizeof(extra) - 1, &v));
	static const char *const texts[] = {
		"I will k@ll you",        "someone should k@ll that bus driver",
		"jag ska mörd? dig",      "jag ska spräng💣a skolan",
		"Jag ska m*rd* dig",      "I will b*rn your house",
		"k@sta ut alla somalier", "du hamnar i en k*sta",
		"jag ska k*sta dig",      "there's a b*mb in the school",
	};
	for (size_t i = 0; v && i < sizeof(texts) / sizeof(texts[0]); i++) {
		struct norm_text a = { 0 }, b = { 0 };
		int gate = 0;
		char *x = run(shipped, texts[i], &a, &gate);
		char *y = run(v, texts[i], &b, &gate);
		T_ASSERT(x && y);
		if (x && y && strcmp(x, y) != 0)
			T_FAIL_("'%s' reads '%s', with more words '%s'", texts[i], x, y);
		free(x);
		free(y);
		norm_text_free(&a);
		norm_text_free(&b);
	}
	deobf_vocab_free(v);
	free(more);
	free(words);
}

static void test_hard_negatives_stay(void)
{
	static const char *const negs[] = {
		"What the f**k is going on",
		"#stockholm #sommar",
		"Skicka till info@example.se",
		"Räkna ut 5 * 3 + 2",
		"Priset är 49:- eller 2 för 89:-",
		"covid19-vaccinet ges i dag",
		"Artikelnummer SKU-4411-B och A7X-991",
		"d.v.s. vi har stängt, t.ex. i morgon",
		"U.S.A. och E.U. har avtal",
		"A B C D E F G lär sig barnen",
		"t a c k för hjälpen",
		"Betyg: ****/*****, toppen!",
		/* thirteenth round */
		"sk*t också",
		"min k*t är sjuk",
		"vilken s*kt match",
		"Min mormor är död. jag saknar henne",
		"Lampan är död! du måste byta den",
		"@Anna tack för svaret",
		"Ring @polisen om ni ser något",
		"Kolla #mord på podden",
		"Se www.stockholm.se/trafik",
		"Ta med t.ex. mat, bl.a. frukt",
		"Priset är 50 kr* (*inkl moms)",
		"*viktigt* att komma i tid",
		"jag ska mala kaffe",
		/* fourteenth round */
		"Skicka e-post till p-vakten om t-banan",
		"Hej?Vad gör ni",
		"50%rabatt på allt",
		"Jag kodar C++ och C#",
		"hmm...ok då",
		"min mor-far och far-mor kommer",
		"Det var bra+bättre+bäst",
		"Vad då? dig har jag inte sett",
		"Hej.Jag undrar om bygglov",
		"rock-n-roll hela natten",
		"Räkna ut 5 * 3 - 2 ? 1",
		"Bra - en stad för alla",
		"vad då ? dig har jag inte sett",
	};
	for (size_t i = 0; i < sizeof(negs) / sizeof(negs[0]); i++) {
		struct norm_text plain = { 0 }, nt = { 0 };
		int gate = 0;
		T_EQ_INT(0, normalize_text(negs[i], strlen(negs[i]), &plain));
		char *got = run(shipped, negs[i], &nt, &gate);
		T_ASSERT(got != NULL);
		if (got)
			T_EQ_STR(plain.s, got);
		free(got);
		norm_text_free(&nt);
		norm_text_free(&plain);
	}
}

/* Random texts of obfuscation characters and vocabulary pieces: the step
 * never breaks the map (and ASan checks the buffers). */
static void test_random_texts_keep_the_map(void)
{
	static const char *const pieces[] = {
		"d", "ö",  "a",  "k",  "i",    "l",   "*",   "#",     "@",      "!",
		"|", "0",  "1",  "4",  "6",    " ",   "  ",  ".",     "..",     ",",
		":", "_",  "🔪",  "∗",  "•",    "dig", "ska", "morda", "jag",    "é",
		"$", "rn", "__", "!!", "mörd", "@@",  ". ",  "! ",    "skjuta", "kill",
	};
	const size_t np = sizeof(pieces) / sizeof(pieces[0]);
	unsigned seed = 12;
	int bad = 0;
	for (int round = 0; round < 20000 && !bad; round++) {
		char text[512];
		size_t len = 0, n = 1 + (size_t)(rand_r(&seed) % 40);
		for (size_t k = 0; k < n; k++) {
			const char *p = pieces[rand_r(&seed) % np];
			size_t l = strlen(p);
			memcpy(text + len, p, l);
			len += l;
		}
		text[len] = '\0';
		struct norm_text nt = { 0 };
		int gate = 0;
		char *got = run(shipped, text, &nt, &gate);
		if (!got || got[0] == '<') {
			fprintf(stderr, "map broken for: %s\n", text);
			bad = 1;
		}
		free(got);
		norm_text_free(&nt);
	}
	T_EQ_INT(0, bad);
}

/* Through the engine with the shipped rules: the obfuscated threat is
 * caught and its spans are the obfuscated bytes of the original. */
static void test_engine_spans_point_at_the_original(void)
{
	struct filter_engine *e = NULL;
	struct diag_list errs = { 0 }, warns = { 0 };
	T_EQ_INT(0, filter_engine_load(SRCDIR "/filters", NULL, &e, &errs, &warns));
	static const char *const texts[] = {
		"Hörru, jag ska m*rd* dig i morgon",
		"j a g s k a d ö d a d i g",
		"I will k!ll you tomorrow",
	};
	static const char *const words[] = { "m*rd*", "d ö d a", "k!ll" };
	for (size_t i = 0; e && i < sizeof(texts) / sizeof(texts[0]); i++) {
		struct filter_verdict *v = NULL;
		T_EQ_INT(0, filter_engine_scan(e, texts[i], strlen(texts[i]), 0, &v));
		if (!v)
			continue;
		T_ASSERT(v->categories & (1u << FILTER_CAT_THREAT));
		/* some span covers the obfuscated word, every span lies inside
		 * the text */
		const char *w = strstr(texts[i], words[i]);
		size_t ws = (size_t)(w - texts[i]), we = ws + strlen(words[i]);
		int covered = 0;
		for (size_t h = 0; h < v->nhits; h++)
			for (size_t k = 0; k < v->hits[h].nspans; k++) {
				const struct filter_span *sp = &v->hits[h].spans[k];
				T_ASSERT(sp->start <= sp->end && sp->end <= strlen(texts[i]));
				covered |= sp->start <= ws && sp->end >= we;
			}
		if (!covered)
			T_FAIL_("no span covers '%s' in: %s", words[i], texts[i]);
		filter_verdict_free(v);
	}
	filter_engine_free(e);
	diag_list_clear(&errs);
	diag_list_clear(&warns);
}

/* A match may not run from the text over the separator into the
 * reading: its span would start at the text's end and end inside it
 * (found by fuzz-scan; the input is tests/fuzz/regressions/scan/). */
static void test_no_match_across_the_separator(void)
{
	static const char text[] = "Hur ansoker man om parkLeteringstillstand for\xa7"
	                           "e whendiagr "
	                           "man#\0\0\0 th boee \xf3qun";
	struct filter_engine *e = NULL;
	struct diag_list errs = { 0 }, warns = { 0 };
	struct filter_verdict *v = NULL;
	T_EQ_INT(0, filter_engine_load(SRCDIR "/filters", NULL, &e, &errs, &warns));
	if (e)
		T_EQ_INT(0, filter_engine_scan(e, text, sizeof(text) - 1, 0, &v));
	for (size_t h = 0; v && h < v->nhits; h++)
		for (size_t k = 0; k < v->hits[h].nspans; k++)
			if (v->hits[h].spans[k].start > v->hits[h].spans[k].end)
				T_FAIL_("%s: span %zu-%zu runs backwards", v->hits[h].rule,
				        (size_t)v->hits[h].spans[k].start,
				        (size_t)v->hits[h].spans[k].end);
	filter_verdict_free(v);
	filter_engine_free(e);
	diag_list_clear(&errs);
	diag_list_clear(&warns);
}

int main(void)
{
	char *words = NULL;
	size_t len = 0, n = 0;
	T_EQ_INT(0, lexicon_words_dir(SRCDIR "/filters/lexicon", &words, &len, &n));
	T_ASSERT(n > 1000);
	T_EQ_INT(0, deobf_vocab_new(words, len, &shipped));
	free(words);
	T_ASSERT(deobf_vocab_has(shipped, "morda", 5));
	T_ASSERT(deobf_vocab_has(shipped, "dig", 3));
	T_ASSERT(!deobf_vocab_has(shipped, "m_rda", 5));
	T_RUN(test_masked_and_leet_words_resolve);
	T_RUN(test_masks_everywhere);
	T_RUN(test_chains_are_cut_into_words);
	T_RUN(test_chain_and_spaced_mask_edges);
	T_RUN(test_map_is_exact);
	T_RUN(test_gate_lets_ordinary_text_through);
	T_RUN(test_ambiguity_changes_nothing);
	T_RUN(test_ties_read_the_rules_words);
	T_RUN(test_lexicon_additions_change_no_reading);
	T_RUN(test_hard_negatives_stay);
	T_RUN(test_random_texts_keep_the_map);
	T_RUN(test_engine_spans_point_at_the_original);
	T_RUN(test_no_match_across_the_separator);
	deobf_vocab_free(shipped);
	deobf_scratch_free(&scratch);
	return t_done();
}
