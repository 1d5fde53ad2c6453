/* The corpus, clock and rule-set multiplier of the filter benchmarks
 * (bench-corpus.h). */
#include "bench-corpus.h"
#include "bench-rng.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "filter/engine.h"
#include "util/clock.h"

static uint64_t rng = BENCH_RNG_SEED;

static unsigned rnd(unsigned n)
{
	return bench_rng_below(&rng, n);
}

static const char *const words[] = {
	"hej",
	"tack",
	"för",
	"att",
	"ni",
	"har",
	"öppet",
	"på",
	"lördag",
	"varför",
	"är",
	"parken",
	"så",
	"skräpig",
	"igen",
	"kommunen",
	"borde",
	"göra",
	"något",
	"åt",
	"det",
	"här",
	"bussen",
	"kom",
	"aldrig",
	"i",
	"morse",
	"jag",
	"vill",
	"veta",
	"när",
	"biblioteket",
	"öppnar",
	"bra",
	"jobbat",
	"stockholm",
	"stad",
	"skolan",
	"förskolan",
	"min",
	"dotter",
	"son",
	"mamma",
	"gatan",
	"snöröjningen",
	"fungerar",
	"inte",
	"alls",
	"vem",
	"ansvarar",
	"för",
	"detta",
	"kan",
	"någon",
	"svara",
	"tycker",
	"att",
	"ni",
	"ska",
	"skämmas",
	"fantastiskt",
	"fin",
	"bild",
	"grattis",
	"och",
	"men",
	"eller",
	"om",
	"vi",
	"de",
	"hans",
	"hennes",
	"vår",
	"lekplatsen",
	"cykelbanan",
	"trafiken",
	"trängselskatt",
	"parkering",
	"avgift",
	"badhuset",
	"simhallen",
	"stängt",
	"renovering",
	"sommar",
	"vinter",
	"höst",
	"vår",
	"evenemang",
	"konsert",
	"kulturhuset",
	"tunnelbanan",
	"pendeltåg",
	"bostad",
	"kö",
	"hyra",
	"politiker",
	"beslut",
	"medborgare",
	"skatt",
	"pengar",
	"slöseri",
	"äntligen",
	"!",
	"?",
	".",
	",",
	":)",
	"😀",
	"https://stockholm.se",
	"#stockholm",
	"@kommunen",
};

#define NWORDS (sizeof(words) / sizeof(words[0]))

/* A phrase from some rule's own match examples, so hits are realistic. */
static const char *example_phrase(const struct filter_ruleset *rs)
{
	for (int tries = 0; tries < 20 && rs->n; tries++) {
		const struct filter_rule *r = &rs->v[rnd((unsigned)rs->n)];
		if (r->nmatches)
			return r->matches[rnd((unsigned)r->nmatches)].text;
	}
	return "jag ska döda dig";
}

char **bench_corpus_make(const struct filter_ruleset *rs, size_t n, size_t *ret_bytes)
{
	char **c = calloc(n, sizeof(*c));
	size_t bytes = 0;
	for (size_t i = 0; i < n; i++) {
		char buf[2048] = "";
		size_t len = 0;
		int nw = 4 + (int)rnd(rnd(8) == 0 ? 120 : 30);
		int hit_at = rnd(100) < 3 ? (int)rnd((unsigned)nw) : -1;
		for (int w = 0; w < nw && len < sizeof(buf) - 600; w++) {
			const char *word = w == hit_at ? example_phrase(rs) : words[rnd(NWORDS)];
			int upper = rnd(20) == 0;
			if (len)
				buf[len++] = ' ';
			for (const char *p = word; *p && len < sizeof(buf) - 600; p++)
				buf[len++] = upper && *p >= 'a' && *p <= 'z' ? (char)(*p - 32) : *p;
			if (rnd(50) == 0) { /* stretched letter: its whole code point */
				size_t cp = len - 1;
				while (cp > 0 && ((unsigned char)buf[cp] & 0xC0) == 0x80)
					cp--;
				size_t cl = len - cp;
				for (int k = 0; k < 4; k++, len += cl)
					memcpy(buf + len, buf + cp, cl);
			}
		}
		buf[len] = '\0';
		c[i] = strdup(buf);
		bytes += len;
	}
	*ret_bytes = bytes;
	return c;
}

uint64_t bench_now_ns(void)
{
	static int cpu = -1;
	struct timespec ts;
	if (cpu < 0)
		cpu = getenv("BENCH_CPU_TIME") != NULL;
	clock_gettime(cpu ? CLOCK_PROCESS_CPUTIME_ID : CLOCK_MONOTONIC, &ts);
	return (uint64_t)ts.tv_sec * 1000000000u + (uint64_t)ts.tv_nsec;
}

void bench_corpus_free(char **corpus, size_t n)
{
	for (size_t i = 0; corpus && i < n; i++)
		free(corpus[i]);
	free(corpus);
}

/* A variant of pattern src with new literals: every ASCII letter that is
 * a literal character (not after a backslash, not in a class, a group's
 * (?…) prefix or a \x{…}/\p{…} argument) moves t places on in the
 * alphabet, case kept.  The pattern keeps its shape, so its cost is that
 * of a new rule of the same kind, but it finds other words. */
static char *vary_pattern(const char *src, int t)
{
	char *v = strdup(src);
	int cls = 0, brace = 0, grp = 0;
	for (char *p = v; v && *p; p++) {
		if (*p == '\\') {
			if (p[1] == 'x' || p[1] == 'p' || p[1] == 'P' || p[1] == 'N' || p[1] == 'o')
				brace = p[2] == '{';
			if (p[1])
				p++;
			continue;
		}
		if (brace) {
			brace = *p != '}';
			continue;
		}
		if (cls) {
			cls = *p != ']';
			continue;
		}
		if (grp) {
			grp = !(*p == ':' || *p == ')' || *p == '>' || *p == '=' || *p == '!' ||
			        *p == '\'');
			continue;
		}
		if (*p == '[') {
			cls = 1;
			if (p[1] == '^')
				p++;
			if (p[1] == ']')
				p++;
		} else if (*p == '(' && (p[1] == '?' || p[1] == '*')) {
			grp = 1;
			p++;
		} else if (*p >= 'a' && *p <= 'z') {
			*p = (char)('a' + (*p - 'a' + t) % 26);
		} else if (*p >= 'A' && *p <= 'Z') {
			*p = (char)('A' + (*p - 'A' + t) % 26);
		}
	}
	return v;
}

/* Replace the patterns and exceptions of rule r by variants (copy t);
 * a variant that does not compile keeps the original. */
static void vary_rule(struct filter_rule *r, int t)
{
	for (int pass = 0; pass < 2; pass++) {
		struct filter_pattern *pv = pass ? r->excepts : r->patterns;
		size_t n = pass ? r->nexcepts : r->npatterns;
		for (size_t k = 0; k < n; k++) {
			char *src = vary_pattern(pv[k].src, t);
			int err;
			PCRE2_SIZE off;
			pcre2_code *code =
			        src ? pcre2_compile((PCRE2_SPTR)src, PCRE2_ZERO_TERMINATED,
			                            FILTER_PCRE2_OPTIONS, &err, &off, NULL)
			            : NULL;
			if (!code) {
				free(src);
				continue;
			}
			/* compiled to check it, as the parser does (rules.h) */
			pcre2_code_free(code);
			free(pv[k].src);
			pv[k].src = src;
		}
	}
}

void bench_rules_times(const char *dir, int times, int vary, struct filter_ruleset *ret)
{
	struct filter_ruleset all = { 0 };
	for (int t = 0; t < times; t++) {
		struct filter_ruleset rs = { 0 };
		struct diag_list errs = { 0 }, warns = { 0 };
		if (rules_load_dir(dir, clock_now(), &rs, &errs, &warns) != 0) {
			diag_print(&errs, stderr);
			exit(1);
		}
		diag_list_clear(&errs);
		diag_list_clear(&warns);
		all.v = realloc(all.v, (all.n + rs.n) * sizeof(*all.v));
		if (!all.v)
			exit(1);
		for (size_t i = 0; i < rs.n; i++) {
			if (t) {
				char *id;
				if (asprintf(&id, "%s.x%d", rs.v[i].id, t) < 0)
					exit(1);
				free(rs.v[i].id);
				rs.v[i].id = id;
				if (vary)
					vary_rule(&rs.v[i], t);
			}
			all.v[all.n++] = rs.v[i];
		}
		all.cap = all.n;
		free(rs.v); /* the rules moved to `all` */
	}
	*ret = all;
}

struct filter_engine *bench_engine_new(const char *dir, struct filter_ruleset *rs)
{
	struct filter_engine *e;
	struct filter_options o;
	filter_options_default(&o);
	o.no_jit = getenv("BENCH_NO_JIT") != NULL; /* BENCH_NO_JIT=1: interpreter only */
	/* BENCH_JIT_NOW_SIZE=N: JIT-compile codes of N bytes or more at their
	 * first run (0: none; engine.c, jit_now()) */
	if (getenv("BENCH_JIT_NOW_SIZE"))
		o.jit_now_size = strtoul(getenv("BENCH_JIT_NOW_SIZE"), NULL, 10);
	if (filter_engine_new(rs, &o, &e) < 0)
		exit(1);
	/* as filter_engine_load() does: the de-obfuscation step's words */
	struct diag_list verrs = { 0 };
	if (filter_engine_load_vocab(e, dir, &verrs) < 0) {
		diag_print(&verrs, stderr);
		exit(1);
	}
	diag_list_clear(&verrs);
	return e;
}

size_t bench_corpus_join(char *const *corpus, size_t n, size_t *ci, size_t size, char *buf)
{
	size_t len = 0;
	while (len < size) {
		size_t l = strlen(corpus[*ci % n]);
		if (len + l + 1 > size)
			l = size - len - 1;
		memcpy(buf + len, corpus[(*ci)++ % n], l);
		len += l;
		buf[len++] = ' ';
	}
	/* cut at a character boundary */
	while (len && ((unsigned char)buf[len - 1] & 0xC0) == 0x80)
		len--;
	if (len && (unsigned char)buf[len - 1] >= 0xC0)
		len--;
	return len;
}
