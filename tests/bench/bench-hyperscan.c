/* bench-hyperscan: the filter engine against a Hyperscan-only scan of the
 * same patterns (issue 12; docs/filter.md, "seventeenth round" and
 * "eighteenth round ... Hyperscan").
 *
 *   bench-hyperscan RULES_DIR [COMMENTS [short|x10|long|all]]
 *
 * The engine is built as the daemon builds it (bench_engine_new()).  Every
 * pattern it holds (filter_engine_pattern_source(): lexicons expanded) is
 * compiled by Hyperscan alone first, in a child process under CPU and
 * address-space limits, with HS_FLAG_SINGLEMATCH | HS_FLAG_UTF8 |
 * HS_FLAG_UCP (the engine compiles with PCRE2_UTF | PCRE2_UCP; caseless and
 * the other options are the patterns' own inline ones), and if refused so,
 * with HS_FLAG_PREFILTER too (it then matches a superset, which a real
 * matcher must confirm).  A rule is in the subset when every one of its
 * patterns was accepted and compiled alone within BENCH_HS_MAX_MS (1000)
 * ms of CPU; a refused one (most: over Hyperscan's limit of 16,000
 * characters, which lexicons pass) or a slow one keeps its rule out.  The
 * subset's patterns go into one Hyperscan block database per input (or
 * BENCH_HS_GROUPS databases each), compiled in a child and cached on disk
 * (bench-hs-build.h: keyed by a hash of the patterns and flags); the
 * others are left to PCRE2.  The engine is compared twice with the same
 * databases: the engine on all the rules, and an engine of the subset's
 * rules alone (the like-for-like figure).  The "complete" pass gives what
 * the engine needs of the patterns, which of them match: Hyperscan's
 * scans and each prefilter-mode match confirmed by PCRE2 (JIT), and
 * against all the rules every left pattern run by PCRE2 on every text too
 * (BENCH_HS_COMPLETE_ALL=1 only: that is nearly bench-filters' naive loop).
 *
 * What each pattern sees is what the engine gives it: the comment made
 * valid UTF-8 (utf8_sanitize_into()) for `input raw` patterns, and its
 * normalisation with the de-obfuscation step's reading appended
 * (normalize_text_reuse(), deobf_apply()) for the others; Hyperscan scans
 * the one with the first databases and the other with the second.  The
 * figures: that preparation with both scans ("Hyperscan + preparation"),
 * and the scans alone over texts prepared beforehand.  The engine's
 * figures are filter_engine_scan() on the same texts in the same process,
 * its first pass on a new engine and later passes, each later pass
 * interleaved with the Hyperscan passes (BENCH_REPEAT times, 3; the
 * median is reported).  Time is CPU time of this process.
 *
 * MODE "short": the generated comments of bench-filters; "x10": the same
 * with ten times the rules (bench-filters' x10, new literals); "long":
 * the comments joined into texts of 4, 16 and 64 KB (us per KB); "all":
 * short, then long on the same engines and databases (one compile).
 * BENCH_EXCEPTS=1: the rules' excepts go into the databases too.
 * BENCH_HS_MAX_MS=MS: the subset's bound on a pattern's compile alone;
 * BENCH_HS_EVERY=K: only every K-th rule is a candidate for the subset
 * (fewer compiles); BENCH_HS_PROBE_ALL=1: compile every pattern of a
 * candidate alone, not only up to its rule's first pattern out;
 * BENCH_HS_PROBE_CPU=S (5), BENCH_HS_DB_CPU=S (900), BENCH_HS_AS_MB=MB
 * (6144): the children's limits; BENCH_HS_CACHE=DIR (/tmp/vakt-hsbench):
 * the cache; BENCH_HS_REFUSED=1: print each pattern Hyperscan refused
 * and why; BENCH_HS_NO_UCP=1: without HS_FLAG_UCP (see hs_flags()). */
#include <hs.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "bench-corpus.h"
#include "bench-hs-build.h"
#include "filter/deobf.h"
#include "filter/engine.h"
#include "filter/lexicon.h"
#include "filter/normalize.h"
#include "filter/utf8.h"
#include "util/clock.h"

/* The flags of every pattern; BENCH_HS_NO_UCP=1 leaves out HS_FLAG_UCP
 * (\w, \b and \s ASCII only: not what the engine matches, but Hyperscan
 * compiles it far faster). */
static unsigned hs_flags(void)
{
	static const unsigned base = HS_FLAG_SINGLEMATCH | HS_FLAG_UTF8;
	return getenv("BENCH_HS_NO_UCP") ? base : base | HS_FLAG_UCP;
}

/* The patterns of one input and the database made of them. */
struct hs_input {
	char **src;
	unsigned *flags, *ids;
	unsigned char *approx; /* per id: compiled with HS_FLAG_PREFILTER */
	size_t n, cap;
	size_t exact, prefilter, refused;
	hs_database_t **db; /* ndb databases (BENCH_HS_GROUPS) */
	size_t ndb;
	double compile_ms;
	/* the refused patterns, compiled by PCRE2 for the complete pass */
	pcre2_code **left;
	size_t nleft;
};

/* A comment as the engine's patterns see it. */
struct prepared {
	char *raw, *norm;
	size_t raw_len, norm_len;
};

/* What the scans found in one pass; `found` the prefilter-mode matches
 * of the current text (id, RAW_BIT for the raw text's), to confirm. */
struct hs_count {
	const unsigned char *approx;
	size_t matches, approx_matches;
	int hit;
	uint32_t raw, *found;
	size_t nfound;
};

#define RAW_BIT 0x80000000u

static int on_match(unsigned id, unsigned long long from, unsigned long long to, unsigned flags,
                    void *ctx)
{
	(void)from, (void)to, (void)flags;
	struct hs_count *c = ctx;
	c->matches++;
	c->approx_matches += c->approx[id];
	c->hit = 1;
	if (c->approx[id])
		c->found[c->nfound++] = id | c->raw;
	return 0;
}

static void die_oom(void)
{
	fprintf(stderr, "bench-hyperscan: out of memory\n");
	exit(1);
}

/* src compiled as the engine compiles it, JIT-compiled. */
static pcre2_code *pcre2_of(const char *src)
{
	int err;
	PCRE2_SIZE off;
	pcre2_code *code = pcre2_compile((PCRE2_SPTR)src, PCRE2_ZERO_TERMINATED,
	                                 FILTER_PCRE2_OPTIONS, &err, &off, NULL);
	if (!code)
		die_oom(); /* the parser compiled it already */
	pcre2_jit_compile(code, PCRE2_JIT_COMPLETE);
	return code;
}

/* A pattern left to PCRE2 (src is taken): refused by Hyperscan, or of a
 * rule not in the subset. */
static void keep_left(struct hs_input *in, char *src)
{
	in->left = realloc(in->left, (in->nleft + 1) * sizeof(*in->left));
	if (!in->left)
		die_oom();
	in->left[in->nleft++] = pcre2_of(src);
	in->refused++;
	free(src);
}

/* The limits of the compiles' children: CPU seconds from var (or
 * cpu_default), address space BENCH_HS_AS_MB MiB (6 GiB). */
static struct hsb_limits limits(const char *var, unsigned cpu_default)
{
	const char *c = getenv(var), *a = getenv("BENCH_HS_AS_MB");
	return (struct hsb_limits){ c ? (unsigned)atoi(c) : cpu_default,
		                    a ? strtoul(a, NULL, 10) : 6144 };
}

/* The subset's bound on one pattern's compile alone (BENCH_HS_MAX_MS). */
static double max_ms(void)
{
	const char *v = getenv("BENCH_HS_MAX_MS");
	return v ? atof(v) : 1000.0;
}

static void input_add(struct hs_input *in, char *src, size_t id, unsigned flags)
{
	if (in->n == in->cap) {
		in->cap = in->cap ? 2 * in->cap : 256;
		in->src = realloc(in->src, in->cap * sizeof(*in->src));
		in->flags = realloc(in->flags, in->cap * sizeof(*in->flags));
		in->ids = realloc(in->ids, in->cap * sizeof(*in->ids));
		if (!in->src || !in->flags || !in->ids)
			die_oom();
	}
	in->src[in->n] = src;
	in->flags[in->n] = flags;
	in->ids[in->n] = (unsigned)id;
	in->n++;
	*(flags & HS_FLAG_PREFILTER ? &in->prefilter : &in->exact) += 1;
}

/* What the probes of every pattern alone found. */
#define NSLOW 12
struct probe_stats {
	size_t n, status[4], bucket[5], fit_rules, rules, fit_patterns, candidates, unprobed;
	double sum_ms, fit_ms, fit_bytes;
	struct {
		double ms;
		int status;
		char what[112];
	} slow[NSLOW]; /* the slowest, slowest first */
};

static void stats_add(struct probe_stats *st, const struct hsb_probe *p, const char *rule,
                      const char *src)
{
	static const double edge[] = { 10, 100, 1000, 10000 };
	int b = 0;
	while (b < 4 && p->cpu_ms >= edge[b])
		b++;
	st->n++;
	st->status[p->status]++;
	st->bucket[p->status == HSB_OVER_LIMIT ? 4 : b]++;
	st->sum_ms += p->cpu_ms;
	int at = NSLOW;
	while (at > 0 && st->slow[at - 1].ms < p->cpu_ms)
		at--;
	if (at == NSLOW)
		return;
	memmove(&st->slow[at + 1], &st->slow[at], (NSLOW - 1 - (size_t)at) * sizeof(st->slow[0]));
	st->slow[at].ms = p->cpu_ms;
	st->slow[at].status = p->status;
	snprintf(st->slow[at].what, sizeof(st->slow[at].what), "%s: %zu chars: %.60s", rule,
	         strlen(src), src);
}

static void stats_print(const struct probe_stats *st, const struct hsb_limits *lim)
{
	static const char *const name[] = { "exact", "prefilter mode", "refused",
		                            "over the limit" };
	printf("# each pattern compiled alone (limits %u s CPU, %zu MiB): %zu patterns, %.1f s CPU "
	       "in all; %zu exact, %zu prefilter mode, %zu refused, %zu over the limit\n",
	       lim->cpu_s, lim->as_mb, st->n, st->sum_ms / 1e3, st->status[HSB_OK],
	       st->status[HSB_PREFILTER], st->status[HSB_REFUSED], st->status[HSB_OVER_LIMIT]);
	printf("# compile alone: <10 ms %zu, 10-100 ms %zu, 0.1-1 s %zu, 1-10 s %zu, >10 s %zu, "
	       "killed %zu\n",
	       st->bucket[0], st->bucket[1], st->bucket[2], st->bucket[3],
	       st->n - st->bucket[0] - st->bucket[1] - st->bucket[2] - st->bucket[3] -
	               st->bucket[4],
	       st->bucket[4]);
	for (int i = 0; i < NSLOW && st->slow[i].ms > 0; i++)
		printf("#   slow %2d: %8.0f ms %-14s %s\n", i + 1, st->slow[i].ms,
		       name[st->slow[i].status], st->slow[i].what);
	printf("# candidates: %zu rules (BENCH_HS_EVERY); %zu patterns not compiled alone (not "
	       "candidates, or after their rule's first pattern out)\n",
	       st->candidates, st->unprobed);
	printf("# subset: %zu of %zu rules (every pattern accepted and compiled alone in <= %.0f "
	       "ms "
	       "CPU), %zu patterns, %.1f s CPU and %.2f MiB alone in all\n",
	       st->fit_rules, st->rules, max_ms(), st->fit_patterns, st->fit_ms / 1e3,
	       st->fit_bytes / 1048576.0);
	fflush(stdout);
}

/* The patterns of rule i of e (and with BENCH_EXCEPTS its excepts), each
 * compiled alone (hsb_probe()); the rule is in the subset when all are
 * accepted and each compiled within max_ms().  Its patterns then go
 * into in[raw?] (exact, or in prefilter mode as the probe found), else
 * to PCRE2.  Returns the rule's number of patterns. */
static size_t collect_rule(const struct filter_engine *e, size_t i, size_t id,
                           struct hs_input in[2], struct probe_stats *st, unsigned char *fits)
{
	const struct filter_rule *r = filter_engine_rule(e, i);
	const size_t nk = r->npatterns + (getenv("BENCH_EXCEPTS") ? r->nexcepts : 0);
	const struct hsb_limits lim = limits("BENCH_HS_PROBE_CPU", 5);
	char **src = calloc(nk + 1, sizeof(*src));
	struct hsb_probe *pr = calloc(nk + 1, sizeof(*pr));
	const char *ev = getenv("BENCH_HS_EVERY");
	const size_t every = ev && atoi(ev) > 1 ? (size_t)atoi(ev) : 1;
	double ms = 0, bytes = 0;
	int fit = i % every == 0;
	if (!src || !pr)
		die_oom();
	st->candidates += fit;
	for (size_t k = 0; k < nk; k++) {
		if (!(src[k] = filter_engine_pattern_source(e, i, k)))
			die_oom();
		if (!fit && (i % every != 0 || !getenv("BENCH_HS_PROBE_ALL"))) {
			st->unprobed++; /* not a candidate, or out already */
			continue;
		}
		if (hsb_probe(src[k], hs_flags(), &lim, &pr[k]) < 0) {
			perror("bench-hyperscan: fork");
			exit(1);
		}
		stats_add(st, &pr[k], r->id, src[k]);
		if (pr[k].status == HSB_REFUSED && getenv("BENCH_HS_REFUSED"))
			printf("# refused: %s: %s: %.100s%s\n", r->id, pr[k].why, src[k],
			       strlen(src[k]) > 100 ? "..." : "");
		fit &= pr[k].status <= HSB_PREFILTER && pr[k].cpu_ms <= max_ms();
		ms += pr[k].cpu_ms;
		bytes += (double)pr[k].bytes;
	}
	fits[i] = (unsigned char)fit;
	st->rules++;
	if (fit) {
		st->fit_rules++;
		st->fit_patterns += nk;
		st->fit_ms += ms;
		st->fit_bytes += bytes;
	}
	struct hs_input *to = &in[r->input == FILTER_INPUT_RAW];
	for (size_t k = 0; k < nk; k++) {
		if (fit)
			input_add(to, src[k], id + k,
			          hs_flags() |
			                  (pr[k].status == HSB_PREFILTER ? HS_FLAG_PREFILTER : 0));
		else
			keep_left(to, src[k]);
	}
	free(src);
	free(pr);
	return nk;
}

/* Pattern k out of in's patterns [k, *to): prefilter mode if it was
 * exact, else to PCRE2 (the arrays closed up, *to one less). */
static void demote(struct hs_input *in, size_t k, size_t *to, const char *why)
{
	if (!(in->flags[k] & HS_FLAG_PREFILTER)) {
		in->flags[k] |= HS_FLAG_PREFILTER;
		in->exact--;
		in->prefilter++;
		return;
	}
	if (getenv("BENCH_HS_REFUSED"))
		printf("# refused by the build: %s: %.100s\n", why, in->src[k]);
	keep_left(in, in->src[k]);
	size_t rest = in->n - k - 1;
	memmove(&in->src[k], &in->src[k + 1], rest * sizeof(*in->src));
	memmove(&in->flags[k], &in->flags[k + 1], rest * sizeof(*in->flags));
	memmove(&in->ids[k], &in->ids[k + 1], rest * sizeof(*in->ids));
	in->n--;
	(*to)--;
	in->prefilter--;
}

/* The database of in's patterns [from, *to), in a child under lim, or
 * from the cache (bench-hs-build.h). */
static hs_database_t *compile_group(struct hs_input *in, size_t from, size_t *to,
                                    const struct hsb_limits *lim, const char *what, size_t g)
{
	for (;;) {
		struct hsb_build b;
		if (*to == from)
			return NULL;
		if (hsb_compile((const char *const *)in->src + from, in->flags + from,
		                in->ids + from, *to - from, lim, &b) < 0) {
			perror("bench-hyperscan: the compile's child");
			exit(1);
		}
		if (b.db) {
			size_t size = 0;
			hs_database_size(b.db, &size);
			printf("# hyperscan %s, group %zu of %zu: %zu patterns, %.2f MiB, compiled "
			       "in "
			       "%.0f ms CPU%s\n",
			       what, g + 1, in->ndb, *to - from, (double)size / 1048576.0, b.cpu_ms,
			       b.cached ? " (once: read from the cache)" : "");
			fflush(stdout);
			in->compile_ms += b.cpu_ms;
			return b.db;
		}
		if (b.status == HSB_OVER_LIMIT || b.expression < 0) {
			fprintf(stderr,
			        "bench-hyperscan: the %s database, group %zu of %zu (%zu "
			        "patterns), "
			        "did not compile: %s\n",
			        what, g + 1, in->ndb, *to - from, b.why);
			exit(1);
		}
		demote(in, from + (size_t)b.expression, to, b.why);
	}
}

/* in's patterns in BENCH_HS_GROUPS databases (1), of as many patterns
 * each, in the rules' order. */
static void compile_input(struct hs_input *in, unsigned char *approx, const char *what)
{
	in->approx = approx;
	const char *g = getenv("BENCH_HS_GROUPS");
	size_t groups = g ? strtoul(g, NULL, 10) : 1;
	groups = groups < 1 ? 1 : groups > in->n ? (in->n ? in->n : 1) : groups;
	const struct hsb_limits lim = limits("BENCH_HS_DB_CPU", 900);
	in->db = calloc(groups, sizeof(*in->db));
	if (!in->db)
		die_oom();
	in->ndb = groups;
	size_t from = 0;
	for (size_t k = 0; k < groups; k++) {
		size_t to = from + (in->n - from) / (groups - k);
		in->db[k] = compile_group(in, from, &to, &lim, what, k);
		from = to;
	}
	for (size_t k = 0; k < in->n; k++)
		approx[in->ids[k]] = (in->flags[k] & HS_FLAG_PREFILTER) != 0;
	size_t size = 0, s;
	for (size_t k = 0; k < in->ndb; k++)
		if (in->db[k] && hs_database_size(in->db[k], &s) == HS_SUCCESS)
			size += s;
	printf("# hyperscan %s: %zu patterns (%zu exact, %zu prefilter mode) in %zu "
	       "database(s), %.2f MiB, compiled in %.0f ms CPU; %zu patterns left to PCRE2\n",
	       what, in->n, in->exact, in->prefilter, in->ndb, (double)size / 1048576.0,
	       in->compile_ms, in->refused);
	fflush(stdout);
}

static void input_free(struct hs_input *in)
{
	for (size_t k = 0; k < in->n; k++)
		free(in->src[k]);
	for (size_t k = 0; k < in->nleft; k++)
		pcre2_code_free(in->left[k]);
	free(in->left);
	free(in->src);
	free(in->flags);
	free(in->ids);
	for (size_t k = 0; k < in->ndb; k++)
		hs_free_database(in->db[k]);
	free(in->db);
}

/* The engine's preparation of one text (engine.c, scan_prepare()), into
 * the scratch buffers: the valid UTF-8 text and its normalisation with the
 * de-obfuscation step's reading. */
struct prep_scratch {
	char *obuf;
	size_t ocap;
	struct norm_text nt;
	struct deobf_scratch dsc;
	struct deobf_vocab *vocab;
};

static void prepare(struct prep_scratch *ps, const char *text, size_t len, struct prepared *p)
{
	struct filter_options o;
	size_t olen, consumed;
	filter_options_default(&o);
	if (utf8_sanitize_into(text, len, o.max_scan_bytes, &ps->obuf, &ps->ocap, &olen,
	                       &consumed) < 0 ||
	    normalize_text_reuse(ps->obuf, olen, &ps->nt) < 0)
		die_oom();
	if (deobf_gate(ps->obuf, olen, &ps->nt) &&
	    deobf_apply(ps->vocab, ps->obuf, olen, &ps->nt, &ps->dsc) < 0)
		die_oom();
	*p = (struct prepared){ ps->obuf, ps->nt.s, olen, ps->nt.len };
}

static void scratch_init(struct prep_scratch *ps, const char *dir)
{
	char *ldir, *words;
	size_t len, n;
	*ps = (struct prep_scratch){ 0 };
	if (asprintf(&ldir, "%s/lexicon", dir) < 0 ||
	    lexicon_words_dir(ldir, &words, &len, &n) < 0 ||
	    deobf_vocab_new(words, len, &ps->vocab) < 0) {
		fprintf(stderr, "bench-hyperscan: cannot read the words of %s/lexicon\n", dir);
		exit(1);
	}
	free(words);
	free(ldir);
}

static void scratch_free(struct prep_scratch *ps)
{
	free(ps->obuf);
	norm_text_free(&ps->nt);
	deobf_scratch_free(&ps->dsc);
	deobf_vocab_free(ps->vocab);
}

/* Hyperscan's side: the databases of the engine's patterns, their
 * scratch, and the engine's preparation; for the complete pass, per id
 * the PCRE2 code that confirms a prefilter-mode match (NULL for an exact
 * pattern) and room for one text's such matches. */
struct hs_side {
	struct hs_input in[2]; /* FILTER_INPUT_NORMALIZED, FILTER_INPUT_RAW */
	unsigned char *approx;
	pcre2_code **confirm;
	uint32_t *found;
	pcre2_match_data *md;
	size_t nids;
	hs_scratch_t *scr;
	struct prep_scratch ps;
	unsigned char *fits; /* per rule of the engine: in the subset */
	int run_left;        /* complete(): run the patterns left to PCRE2 */
};

/* Both scans of one prepared text. */
static void scan_prepared(const struct hs_input in[2], hs_scratch_t *scr, const struct prepared *p,
                          struct hs_count *c)
{
	c->hit = 0;
	c->nfound = 0;
	c->approx = in[0].approx;
	for (int k = 0; k < 2; k++) {
		const char *s = k ? p->raw : p->norm;
		unsigned len = (unsigned)(k ? p->raw_len : p->norm_len);
		c->raw = k ? RAW_BIT : 0;
		for (size_t j = 0; j < in[k].ndb; j++)
			if (in[k].db[j] &&
			    hs_scan(in[k].db[j], s, len, 0, scr, on_match, c) != HS_SUCCESS)
				exit(1);
	}
}

/* One pass's result. */
struct pass {
	double secs;
	size_t hits;
	double per_text; /* patterns matched (Hyperscan) or rules run (engine) */
	double approx;   /* of them, prefilter-mode matches */
};

static struct pass pass_engine(struct filter_engine *e, char *const *texts, const size_t *lens,
                               size_t n)
{
	struct pass p = { 0 };
	uint64_t runs0 = 0, runs1 = 0;
	for (size_t i = 0; i < filter_engine_rule_count(e); i++)
		runs0 += filter_engine_rule_stats(e, i)->runs;
	uint64_t t0 = bench_now_ns();
	for (size_t i = 0; i < n; i++) {
		struct filter_verdict *v;
		if (filter_engine_scan(e, texts[i], lens[i], 0, &v) < 0)
			die_oom();
		p.hits += v->nhits > 0;
		filter_verdict_free(v);
	}
	p.secs = (double)(bench_now_ns() - t0) / 1e9;
	for (size_t i = 0; i < filter_engine_rule_count(e); i++)
		runs1 += filter_engine_rule_stats(e, i)->runs;
	p.per_text = (double)(runs1 - runs0) / (double)n;
	return p;
}

static struct pass finish(uint64_t t0, const struct hs_count *c, size_t hits, size_t n)
{
	return (struct pass){ (double)(bench_now_ns() - t0) / 1e9, hits,
		              (double)c->matches / (double)n,
		              (double)c->approx_matches / (double)n };
}

/* Hyperscan with the engine's preparation of every text in the pass. */
static struct pass pass_hs_prepare(struct hs_side *hs, char *const *texts, const size_t *lens,
                                   size_t n)
{
	struct hs_count c = { .found = hs->found };
	size_t hits = 0;
	uint64_t t0 = bench_now_ns();
	for (size_t i = 0; i < n; i++) {
		struct prepared p;
		prepare(&hs->ps, texts[i], lens[i], &p);
		scan_prepared(hs->in, hs->scr, &p, &c);
		hits += c.hit;
	}
	return finish(t0, &c, hits, n);
}

/* Hyperscan's scans alone, on texts prepared beforehand. */
static struct pass pass_hs_only(struct hs_side *hs, const struct prepared *pre, size_t n)
{
	struct hs_count c = { .found = hs->found };
	size_t hits = 0;
	uint64_t t0 = bench_now_ns();
	for (size_t i = 0; i < n; i++) {
		scan_prepared(hs->in, hs->scr, &pre[i], &c);
		hits += c.hit;
	}
	return finish(t0, &c, hits, n);
}

static int pcre2_hit(pcre2_code *code, const char *s, size_t len, pcre2_match_data *md)
{
	return pcre2_match(code, (PCRE2_SPTR)s, len, 0, 0, md, NULL) >= 0;
}

/* After the scans of p: the patterns that match exactly, as the engine
 * needs them (every rule that matches, not the first): each
 * prefilter-mode match confirmed by PCRE2, and every refused pattern run
 * by PCRE2.  Returns how many matched. */
static size_t complete(struct hs_side *hs, const struct hs_count *c, const struct prepared *p)
{
	size_t m = 0;
	for (size_t j = 0; j < c->nfound; j++) {
		int raw = (c->found[j] & RAW_BIT) != 0;
		m += pcre2_hit(hs->confirm[c->found[j] & ~RAW_BIT], raw ? p->raw : p->norm,
		               raw ? p->raw_len : p->norm_len, hs->md);
	}
	for (int k = 0; hs->run_left && k < 2; k++)
		for (size_t j = 0; j < hs->in[k].nleft; j++)
			m += pcre2_hit(hs->in[k].left[j], k ? p->raw : p->norm,
			               k ? p->raw_len : p->norm_len, hs->md);
	return m;
}

/* Hyperscan + preparation + complete(): exact answers for every pattern. */
static struct pass pass_hs_complete(struct hs_side *hs, char *const *texts, const size_t *lens,
                                    size_t n)
{
	struct hs_count c = { .found = hs->found };
	size_t hits = 0, exact = 0, matched = 0;
	uint64_t t0 = bench_now_ns();
	for (size_t i = 0; i < n; i++) {
		struct prepared p;
		prepare(&hs->ps, texts[i], lens[i], &p);
		scan_prepared(hs->in, hs->scr, &p, &c);
		size_t m = complete(hs, &c, &p) + (c.matches - exact - c.approx_matches);
		exact = c.matches - c.approx_matches;
		hits += m > 0;
		matched += m;
	}
	struct pass r = finish(t0, &c, hits, n);
	r.per_text = (double)matched / (double)n;
	r.approx = 0;
	return r;
}

static int cmp_double(const void *a, const void *b)
{
	double x = *(const double *)a, y = *(const double *)b;
	return x < y ? -1 : x > y;
}

/* The median pass of `reps` by time. */
static struct pass median(struct pass *v, int reps)
{
	double t[64];
	for (int r = 0; r < reps; r++)
		t[r] = v[r].secs;
	qsort(t, (size_t)reps, sizeof(*t), cmp_double);
	for (int r = 0; r < reps; r++)
		if (v[r].secs == t[reps / 2])
			return v[r];
	return v[0];
}

static void print_pass(const char *label, const struct pass *p, size_t n, size_t bytes,
                       const char *what)
{
	printf("%-40s %9.0f texts/s %8.1f us/KB  hits %5.2f %%  %6.2f %s a text", label,
	       (double)n / p->secs, p->secs * 1e6 / ((double)bytes / 1024.0),
	       100.0 * (double)p->hits / (double)n, p->per_text, what);
	if (p->approx > 0)
		printf(" (%.3f prefilter-mode)", p->approx);
	printf("\n");
}

static void print_load(const char *when)
{
	char buf[128] = "";
	FILE *f = fopen("/proc/loadavg", "r");
	if (f && fgets(buf, sizeof(buf), f))
		printf("# load %s: %s", when, buf);
	if (f)
		fclose(f);
}

static void side_init(struct hs_side *hs, const char *dir, const struct filter_engine *e)
{
	*hs = (struct hs_side){ 0 };
	struct probe_stats st = { 0 };
	size_t nids = 0;
	hs->fits = calloc(filter_engine_rule_count(e) + 1, 1);
	if (!hs->fits)
		die_oom();
	for (size_t i = 0; i < filter_engine_rule_count(e); i++)
		nids += collect_rule(e, i, nids, hs->in, &st, hs->fits);
	hs->nids = nids;
	struct hsb_limits lim = limits("BENCH_HS_PROBE_CPU", 5);
	stats_print(&st, &lim);
	hs->approx = calloc(nids + 1, 1);
	hs->confirm = calloc(nids + 1, sizeof(*hs->confirm));
	hs->found = calloc(nids + 1, sizeof(*hs->found));
	hs->md = pcre2_match_data_create(1, NULL);
	if (!hs->approx || !hs->confirm || !hs->found || !hs->md)
		die_oom();
	compile_input(&hs->in[0], hs->approx, "normalised-text database");
	compile_input(&hs->in[1], hs->approx, "raw-text database");
	for (int k = 0; k < 2; k++)
		for (size_t j = 0; j < hs->in[k].n; j++)
			if (hs->in[k].flags[j] & HS_FLAG_PREFILTER)
				hs->confirm[hs->in[k].ids[j]] = pcre2_of(hs->in[k].src[j]);
	for (int k = 0; k < 2; k++)
		for (size_t j = 0; j < hs->in[k].ndb; j++)
			if (hs->in[k].db[j] &&
			    hs_alloc_scratch(hs->in[k].db[j], &hs->scr) != HS_SUCCESS)
				die_oom();
	scratch_init(&hs->ps, dir);
}

static void side_free(struct hs_side *hs)
{
	for (size_t i = 0; hs->confirm && i < hs->nids; i++)
		pcre2_code_free(hs->confirm[i]);
	free(hs->confirm);
	free(hs->found);
	pcre2_match_data_free(hs->md);
	free(hs->approx);
	free(hs->fits);
	hs_free_scratch(hs->scr);
	scratch_free(&hs->ps);
	input_free(&hs->in[0]);
	input_free(&hs->in[1]);
}

/* The comparison on n texts: the engine's first pass (`first`: a new
 * engine), then its later passes interleaved with Hyperscan's; the
 * complete pass runs the patterns left to PCRE2 when `left` (e holds
 * all the rules) and not when e holds the subset's rules alone. */
static void compare(struct hs_side *hs, struct filter_engine *e, char *const *texts, size_t n,
                    int first, int left)
{
	hs->run_left = left;
	/* with the patterns left to PCRE2 the complete pass is nearly the
	 * naive loop of bench-filters (hundreds of times slower) */
	const int with_complete = !left || getenv("BENCH_HS_COMPLETE_ALL");
	printf("# the engine on %s: %zu rules; hyperscan: the subset's databases%s\n",
	       left ? "all the rules" : "the subset's rules alone", filter_engine_rule_count(e),
	       left ? ", the rest by PCRE2 in the complete pass" : "");
	size_t *lens = malloc(n * sizeof(*lens)), bytes = 0;
	struct prepared *pre = calloc(n, sizeof(*pre));
	if (!lens || !pre)
		die_oom();
	for (size_t i = 0; i < n; i++)
		bytes += lens[i] = strlen(texts[i]);
	for (size_t i = 0; i < n; i++) {
		struct prepared p;
		prepare(&hs->ps, texts[i], lens[i], &p);
		pre[i] = (struct prepared){ strdup(p.raw), malloc(p.norm_len + 1), p.raw_len,
			                    p.norm_len };
		if (!pre[i].raw || !pre[i].norm)
			die_oom();
		memcpy(pre[i].norm, p.norm, p.norm_len + 1);
	}

	const char *rv = getenv("BENCH_REPEAT");
	int reps = rv ? atoi(rv) : 3;
	reps = reps < 1 ? 1 : reps > 64 ? 64 : reps;
	struct pass p1 = pass_engine(e, texts, lens, n);
	print_pass(first ? "engine, first pass" : "engine, its pass before", &p1, n, bytes,
	           "rules run");
	struct pass later[64], prep[64], only[64], full[64];
	for (int r = 0; r < reps; r++) {
		later[r] = pass_engine(e, texts, lens, n);
		prep[r] = pass_hs_prepare(hs, texts, lens, n);
		only[r] = pass_hs_only(hs, pre, n);
		full[r] = with_complete ? pass_hs_complete(hs, texts, lens, n) : (struct pass){ 0 };
		printf("# pass %d: engine %.3f s, hyperscan + preparation %.3f s, scans alone "
		       "%.3f s, complete %.3f s\n",
		       r + 1, later[r].secs, prep[r].secs, only[r].secs, full[r].secs);
	}
	struct pass ml = median(later, reps), mp = median(prep, reps), mo = median(only, reps);
	struct pass mf = median(full, reps);
	print_pass("engine, later pass (median)", &ml, n, bytes, "rules run");
	print_pass("hyperscan + preparation (median)", &mp, n, bytes, "patterns matched");
	print_pass("hyperscan scans alone (median)", &mo, n, bytes, "patterns matched");
	if (with_complete)
		print_pass("hyperscan complete (median)", &mf, n, bytes, "patterns matched");
	else
		printf("hyperscan complete: not run (every left pattern by PCRE2 on every text: "
		       "BENCH_HS_COMPLETE_ALL=1)\n");
	char later_c[32] = "not run", first_c[32] = "not run";
	if (with_complete) {
		snprintf(later_c, sizeof(later_c), "%.2f x", mf.secs / ml.secs);
		snprintf(first_c, sizeof(first_c), "%.2f x", mf.secs / p1.secs);
	}
	printf("# ratio (%s; engine speed / hyperscan speed), later pass: %.2f x hyperscan + "
	       "preparation, %.2f x the scans alone, complete %s; %s pass %.2f x, %.2f x, %s\n",
	       left ? "all rules" : "subset", mp.secs / ml.secs, mo.secs / ml.secs, later_c,
	       first ? "first" : "earlier", mp.secs / p1.secs, mo.secs / p1.secs, first_c);
	fflush(stdout);
	for (size_t i = 0; i < n; i++) {
		free(pre[i].raw);
		free(pre[i].norm);
	}
	free(pre);
	free(lens);
}

/* The engine of dir's rules `times` over; with `full` and `fits` (the
 * subset of full's rules), of the subset's rules alone. */
static struct filter_engine *engine_times(const char *dir, int times,
                                          const struct filter_engine *full,
                                          const unsigned char *fits)
{
	struct filter_ruleset rs, keep = { 0 }, drop = { 0 };
	bench_rules_times(dir, times, times > 1, &rs);
	if (full) {
		keep.v = calloc(rs.n + 1, sizeof(*keep.v));
		drop.v = calloc(rs.n + 1, sizeof(*drop.v));
		if (!keep.v || !drop.v)
			die_oom();
		for (size_t i = 0; i < rs.n; i++) {
			long at = filter_engine_rule_index(full, rs.v[i].id);
			if (at >= 0 && fits[at])
				keep.v[keep.n++] = rs.v[i];
			else
				drop.v[drop.n++] = rs.v[i];
		}
		keep.cap = keep.n;
		drop.cap = drop.n;
		free(rs.v); /* the rules moved to keep and drop */
		filter_ruleset_clear(&drop);
		rs = keep;
	}
	uint64_t t0 = bench_now_ns();
	struct filter_engine *e = bench_engine_new(dir, &rs);
	printf("# engine x%d%s: %zu rules, built in %.0f ms CPU\n", times,
	       full ? ", the subset's rules alone" : "", filter_engine_rule_count(e),
	       (double)(bench_now_ns() - t0) / 1e6);
	return e;
}

/* Texts of `kb` KB joined from the corpus (bench_corpus_join()). */
static char **long_texts(char *const *corpus, size_t n, size_t kb, size_t ntexts)
{
	char **t = calloc(ntexts, sizeof(*t));
	size_t ci = 0;
	for (size_t i = 0; t && i < ntexts; i++) {
		if (!(t[i] = malloc(kb * 1024 + 1)))
			die_oom();
		t[i][bench_corpus_join(corpus, n, &ci, kb * 1024, t[i])] = '\0';
	}
	if (!t)
		die_oom();
	return t;
}

int main(int argc, char **argv)
{
	if (argc < 2 || argc > 4) {
		fprintf(stderr,
		        "usage: bench-hyperscan RULES_DIR [COMMENTS [short|x10|long|all]]\n");
		return 2;
	}
	setenv("BENCH_CPU_TIME", "1", 1); /* bench_now_ns(): CPU time */
	const char *mode = argc == 4 ? argv[3] : "short";
	size_t n = argc >= 3 ? strtoul(argv[2], NULL, 10) : 100000;
	if (n < 100)
		n = 100;
	if (strcmp(mode, "short") != 0 && strcmp(mode, "x10") != 0 && strcmp(mode, "long") != 0 &&
	    strcmp(mode, "all") != 0) {
		fprintf(stderr, "bench-hyperscan: unknown mode %s\n", mode);
		return 2;
	}
	printf("# hyperscan %s\n", hs_version());
	print_load("at start");
	struct filter_ruleset rs;
	size_t bytes;
	bench_rules_times(argv[1], 1, 0, &rs);
	char **corpus = bench_corpus_make(&rs, n, &bytes);
	filter_ruleset_clear(&rs);
	printf("# corpus: %zu comments, %.1f MB, mean %zu bytes (seed fixed: bench-filters')\n", n,
	       bytes / 1e6, bytes / n);
	const int times = mode[0] == 'x' ? 10 : 1;
	struct filter_engine *e = engine_times(argv[1], times, NULL, NULL);
	struct hs_side hs;
	side_init(&hs, argv[1], e);
	struct filter_engine *sub = engine_times(argv[1], times, e, hs.fits);
	if (mode[0] != 'l') {
		compare(&hs, e, corpus, n, 1, 1);
		compare(&hs, sub, corpus, n, 1, 0);
	}
	static const size_t kb[] = { 4, 16, 64 }, count[] = { 200, 60, 20 };
	for (int k = 0; strchr("la", mode[0]) && k < 3; k++) {
		char **t = long_texts(corpus, n, kb[k], count[k]);
		printf("# texts of %zu KB, %zu of them:\n", kb[k], count[k]);
		compare(&hs, e, t, count[k], k == 0 && mode[0] == 'l', 1);
		compare(&hs, sub, t, count[k], k == 0 && mode[0] == 'l', 0);
		bench_corpus_free(t, count[k]);
	}
	side_free(&hs);
	filter_engine_free(sub);
	filter_engine_free(e);
	bench_corpus_free(corpus, n);
	print_load("at the end");
	return 0;
}
