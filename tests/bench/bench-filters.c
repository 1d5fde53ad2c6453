/* bench-filters: throughput and latency of the filter engine on a
 * generated, deterministic corpus of Swedish-like comments.
 *
 *   bench-filters RULES_DIR [COMMENTS]
 *
 * Reports comments/s on one core and p50/p99 µs per comment for the rule
 * set and for it multiplied four times, each with the prefilter and with a
 * naive loop over every rule. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "filter/engine.h"
#include "util/clock.h"

static uint64_t rng = 0x2545F4914F6CDD1Du;

static unsigned rnd(unsigned n)
{
	rng ^= rng << 13;
	rng ^= rng >> 7;
	rng ^= rng << 17;
	return (unsigned)(rng % n);
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

static char **make_corpus(const struct filter_ruleset *rs, size_t n, size_t *ret_bytes)
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
			if (rnd(50) == 0) { /* stretched letter */
				char last = buf[len - 1];
				for (int k = 0; k < 4; k++)
					buf[len++] = last;
			}
		}
		buf[len] = '\0';
		c[i] = strdup(buf);
		bytes += len;
	}
	*ret_bytes = bytes;
	return c;
}

static uint64_t now_ns(void)
{
	struct timespec ts;
	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (uint64_t)ts.tv_sec * 1000000000u + (uint64_t)ts.tv_nsec;
}

static int cmp_u64(const void *a, const void *b)
{
	uint64_t x = *(const uint64_t *)a, y = *(const uint64_t *)b;
	return x < y ? -1 : x > y;
}

static void run(const char *label, struct filter_engine *e, char **corpus, size_t n, size_t bytes,
                unsigned flags)
{
	uint64_t *lat = malloc(n * sizeof(*lat));
	size_t hits = 0, errors = 0;
	uint64_t t0 = now_ns();
	for (size_t i = 0; i < n; i++) {
		struct filter_verdict *v;
		uint64_t s = now_ns();
		if (filter_engine_scan(e, corpus[i], strlen(corpus[i]), flags, &v) < 0) {
			fprintf(stderr, "out of memory\n");
			exit(1);
		}
		lat[i] = now_ns() - s;
		hits += v->nhits > 0;
		errors += v->nerrors;
		filter_verdict_free(v);
	}
	double secs = (double)(now_ns() - t0) / 1e9;
	qsort(lat, n, sizeof(*lat), cmp_u64);
	printf("%-34s %5zu rules %10.0f comments/s %7.1f MB/s  p50 %7.1f us  p99 %7.1f us  "
	       "hits %5.2f %%  errors %zu\n",
	       label, filter_engine_rule_count(e), (double)n / secs, (double)bytes / secs / 1e6,
	       (double)lat[n / 2] / 1e3, (double)lat[n * 99 / 100] / 1e3,
	       100.0 * (double)hits / (double)n, errors);
	free(lat);
}

/* The rule set of dir, `times` times over; copies get ids suffixed .xN. */
static struct filter_engine *load_times(const char *dir, int times)
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
		for (size_t i = 0; i < rs.n; i++) {
			if (t) {
				char *id;
				if (asprintf(&id, "%s.x%d", rs.v[i].id, t) < 0)
					exit(1);
				free(rs.v[i].id);
				rs.v[i].id = id;
			}
			all.v[all.n++] = rs.v[i];
		}
		all.cap = all.n;
		free(rs.v); /* the rules moved to `all` */
	}
	struct filter_engine *e;
	struct filter_options o;
	filter_options_default(&o);
	o.no_jit = getenv("BENCH_NO_JIT") != NULL; /* BENCH_NO_JIT=1: interpreter only */
	if (filter_engine_new(&all, &o, &e) < 0)
		exit(1);
	size_t always = 0;
	for (size_t i = 0; i < filter_engine_rule_count(e); i++)
		always += filter_engine_rule_always(e, i);
	printf("# %zu rules loaded from %s (x%d), %zu always run (no literal), %zu JIT patterns, "
	       "%zu split\n",
	       filter_engine_rule_count(e), dir, times, always, filter_engine_jit_patterns(e),
	       filter_engine_split_patterns(e));
	return e;
}

int main(int argc, char **argv)
{
	if (argc < 2 || argc > 3) {
		fprintf(stderr, "usage: bench-filters RULES_DIR [COMMENTS]\n");
		return 2;
	}
	size_t n = argc == 3 ? strtoul(argv[2], NULL, 10) : 100000;
	if (n < 100)
		n = 100;
	struct filter_ruleset rs = { 0 };
	struct diag_list errs = { 0 }, warns = { 0 };
	if (rules_load_dir(argv[1], clock_now(), &rs, &errs, &warns) != 0) {
		diag_print(&errs, stderr);
		return 1;
	}
	size_t bytes;
	char **corpus = make_corpus(&rs, n, &bytes);
	printf("# corpus: %zu comments, %.1f MB, mean %zu bytes (seed fixed)\n", n, bytes / 1e6,
	       bytes / n);

	struct filter_engine *e1 = load_times(argv[1], 1);
	struct filter_engine *e4 = load_times(argv[1], 4);
	/* BENCH_ONLY=1: only the first line (for profiling) */
	int only = getenv("BENCH_ONLY") != NULL;
	run("rules x1, prefilter", e1, corpus, n, bytes, 0);
	if (!only) {
		run("rules x1, every rule (naive)", e1, corpus, n, bytes, FILTER_SCAN_NO_PREFILTER);
		run("rules x4, prefilter", e4, corpus, n, bytes, 0);
		run("rules x4, every rule (naive)", e4, corpus, n, bytes, FILTER_SCAN_NO_PREFILTER);
	}

	if (getenv("BENCH_RULE_RUNS")) {
		/* which rules the prefilter lets through most often */
		for (size_t i = 0; i < filter_engine_rule_count(e1); i++) {
			const struct filter_rule_stats *st = filter_engine_rule_stats(e1, i);
			printf("# %6.2f %% runs %8.1f ms %s%s\n",
			       100.0 * (double)st->runs / (double)(2 * n), st->match_ns / 1e6,
			       filter_engine_rule(e1, i)->id,
			       filter_engine_rule_always(e1, i) ? " (always)" : "");
		}
	}
	filter_engine_free(e1);
	filter_engine_free(e4);
	for (size_t i = 0; i < n; i++)
		free(corpus[i]);
	free(corpus);
	filter_ruleset_clear(&rs);
	diag_list_clear(&errs);
	diag_list_clear(&warns);
	return 0;
}
