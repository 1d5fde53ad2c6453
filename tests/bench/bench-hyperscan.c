/* bench-hyperscan: the filter engine against a Hyperscan-only scan of the
 * same patterns (issue 12; docs/filter.md, "seventeenth round").
 *
 *   bench-hyperscan RULES_DIR [COMMENTS [short|x10|long|all]]
 *
 * The engine is built as the daemon builds it (bench_engine_new()), and
 * every pattern it holds (filter_engine_pattern_source(): lexicons
 * expanded) goes into one Hyperscan block database per input, with
 * HS_FLAG_SINGLEMATCH | HS_FLAG_UTF8 | HS_FLAG_UCP (the engine compiles
 * with PCRE2_UTF | PCRE2_UCP; caseless and the other options are the
 * patterns' own inline ones).  A pattern Hyperscan cannot compile exactly
 * (lookaround, backreferences, ...) is compiled with HS_FLAG_PREFILTER: it
 * then matches a superset, which a real matcher would have to confirm; one
 * it refuses even so (most: over its limit of 16,000 characters, which
 * lexicons pass) is left out of the databases.  Both are counted.  The
 * "complete" pass gives what the engine needs of the patterns, which of
 * them match: Hyperscan's scans, each prefilter-mode match confirmed by
 * PCRE2 and every refused pattern run by PCRE2 (JIT) on every text.
 *
 * What each pattern sees is what the engine gives it: the comment made
 * valid UTF-8 (utf8_sanitize_into()) for `input raw` patterns, and its
 * normalisation with the de-obfuscation step's reading appended
 * (normalize_text_reuse(), deobf_apply()) for the others; Hyperscan scans
 * the one with the first database and the other with the second.  The
 * figures: that preparation with both scans ("Hyperscan + preparation"),
 * and the scans alone over texts prepared beforehand.  The engine's
 * figures are filter_engine_scan() on the same texts in the same process,
 * its first pass on a new engine and later passes, each later pass
 * interleaved with the Hyperscan passes (BENCH_REPEAT times, 3; the
 * median is reported).  Time is CPU time of this process.
 *
 * MODE "short": the generated comments of bench-filters; "x10": the same
 * with ten times the rules (bench-filters' x10, new literals); "long":
 * the comments joined into texts of 4, 16 and 64 KB (µs per KB); "all":
 * short, then long on the same engine and databases (one compile).
 * BENCH_EXCEPTS=1: the rules' excepts go into the databases too.
 * BENCH_HS_REFUSED=1: print each pattern Hyperscan refused and why;
 * BENCH_HS_NO_UCP=1: without HS_FLAG_UCP (see hs_flags()). */
#include <hs.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "bench-corpus.h"
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
	hs_database_t *db;
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

/* A pattern Hyperscan refused, for PCRE2 (src is taken). */
static void keep_left(struct hs_input *in, char *src)
{
	in->left = realloc(in->left, (in->nleft + 1) * sizeof(*in->left));
	if (!in->left)
		die_oom();
	in->left[in->nleft++] = pcre2_of(src);
	in->refused++;
	free(src);
}

/* Which way src is accepted: 1 exact, 2 in prefilter mode, 0 refused
 * (why in *why).  hs_expression_info() parses and analyses a pattern as
 * a compile does without building a database, at a fraction of the cost;
 * what only the database's build refuses (its size) compile_input()
 * finds. */
static int classify(const char *src, char **why)
{
	const unsigned tries[] = { hs_flags(), hs_flags() | HS_FLAG_PREFILTER };
	for (int t = 0; t < 2; t++) {
		hs_expr_info_t *info = NULL;
		hs_compile_error_t *err = NULL;
		if (hs_expression_info(src, tries[t], &info, &err) == HS_SUCCESS) {
			free(info);
			return t + 1;
		}
		if (t == 1 && why)
			*why = strdup(err->message);
		hs_free_compile_error(err);
	}
	return 0;
}

static void input_add(struct hs_input *in, char *src, size_t id)
{
	char *why = NULL;
	int kind = classify(src, getenv("BENCH_HS_REFUSED") ? &why : NULL);
	if (!kind) {
		if (why)
			printf("# refused: %s: %.100s%s\n", why, src,
			       strlen(src) > 100 ? "..." : "");
		free(why);
		keep_left(in, src);
		return;
	}
	if (in->n == in->cap) {
		in->cap = in->cap ? 2 * in->cap : 256;
		in->src = realloc(in->src, in->cap * sizeof(*in->src));
		in->flags = realloc(in->flags, in->cap * sizeof(*in->flags));
		in->ids = realloc(in->ids, in->cap * sizeof(*in->ids));
		if (!in->src || !in->flags || !in->ids)
			die_oom();
	}
	in->src[in->n] = src;
	in->flags[in->n] = kind == 1 ? hs_flags() : hs_flags() | HS_FLAG_PREFILTER;
	in->ids[in->n] = (unsigned)id;
	in->n++;
	*(kind == 1 ? &in->exact : &in->prefilter) += 1;
}

/* Every pattern of e (and with BENCH_EXCEPTS its excepts) into in[raw?];
 * ids number them all, so one table says which were approximate. */
static size_t collect(const struct filter_engine *e, struct hs_input in[2])
{
	size_t id = 0;
	const int excepts = getenv("BENCH_EXCEPTS") != NULL;
	for (size_t i = 0; i < filter_engine_rule_count(e); i++) {
		const struct filter_rule *r = filter_engine_rule(e, i);
		size_t nk = r->npatterns + (excepts ? r->nexcepts : 0);
		for (size_t k = 0; k < nk; k++, id++) {
			char *src = filter_engine_pattern_source(e, i, k);
			if (!src)
				die_oom();
			input_add(&in[r->input == FILTER_INPUT_RAW], src, id);
		}
	}
	return id;
}

/* Pattern k out of the database: prefilter mode if it was exact, else
 * refused. */
static void demote(struct hs_input *in, size_t k, const char *why)
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
	in->n--;
	in->src[k] = in->src[in->n];
	in->flags[k] = in->flags[in->n];
	in->ids[k] = in->ids[in->n];
	in->prefilter--;
}

static void compile_input(struct hs_input *in, unsigned char *approx, const char *what)
{
	in->approx = approx;
	uint64_t t0 = bench_now_ns();
	while (in->n) {
		hs_compile_error_t *err = NULL;
		if (hs_compile_multi((const char *const *)in->src, in->flags, in->ids,
		                     (unsigned)in->n, HS_MODE_BLOCK, NULL, &in->db,
		                     &err) == HS_SUCCESS)
			break;
		if (err->expression < 0) {
			fprintf(stderr, "bench-hyperscan: the %s database does not compile: %s\n",
			        what, err->message);
			exit(1);
		}
		demote(in, (size_t)err->expression, err->message);
		hs_free_compile_error(err);
	}
	in->compile_ms = (double)(bench_now_ns() - t0) / 1e6;
	for (size_t k = 0; k < in->n; k++)
		approx[in->ids[k]] = (in->flags[k] & HS_FLAG_PREFILTER) != 0;
	size_t size = 0;
	if (in->db)
		hs_database_size(in->db, &size);
	printf("# hyperscan %s: %zu patterns (%zu exact, %zu prefilter mode, %zu refused), "
	       "database %.2f MiB, compiled in %.0f ms CPU\n",
	       what, in->n, in->exact, in->prefilter, in->refused, (double)size / 1048576.0,
	       in->compile_ms);
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
	hs_free_database(in->db);
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
};

/* Both scans of one prepared text. */
static void scan_prepared(const struct hs_input in[2], hs_scratch_t *scr, const struct prepared *p,
                          struct hs_count *c)
{
	c->hit = 0;
	c->nfound = 0;
	c->approx = in[0].approx;
	c->raw = 0;
	if (in[0].db &&
	    hs_scan(in[0].db, p->norm, (unsigned)p->norm_len, 0, scr, on_match, c) != HS_SUCCESS)
		exit(1);
	c->raw = RAW_BIT;
	if (in[1].db &&
	    hs_scan(in[1].db, p->raw, (unsigned)p->raw_len, 0, scr, on_match, c) != HS_SUCCESS)
		exit(1);
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
	for (int k = 0; k < 2; k++)
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
	uint64_t t0 = bench_now_ns();
	size_t nids = hs->nids = collect(e, hs->in);
	printf("# each pattern analysed alone to classify it: %.0f ms CPU\n",
	       (double)(bench_now_ns() - t0) / 1e6);
	fflush(stdout);
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
		if (hs->in[k].db && hs_alloc_scratch(hs->in[k].db, &hs->scr) != HS_SUCCESS)
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
	hs_free_scratch(hs->scr);
	scratch_free(&hs->ps);
	input_free(&hs->in[0]);
	input_free(&hs->in[1]);
}

/* The comparison on n texts: the engine's first pass (`first`: a new
 * engine), then its later passes interleaved with Hyperscan's. */
static void compare(struct hs_side *hs, struct filter_engine *e, char *const *texts, size_t n,
                    int first)
{
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
		full[r] = pass_hs_complete(hs, texts, lens, n);
		printf("# pass %d: engine %.3f s, hyperscan + preparation %.3f s, scans alone "
		       "%.3f s, complete %.3f s\n",
		       r + 1, later[r].secs, prep[r].secs, only[r].secs, full[r].secs);
	}
	struct pass ml = median(later, reps), mp = median(prep, reps), mo = median(only, reps);
	struct pass mf = median(full, reps);
	print_pass("engine, later pass (median)", &ml, n, bytes, "rules run");
	print_pass("hyperscan + preparation (median)", &mp, n, bytes, "patterns matched");
	print_pass("hyperscan scans alone (median)", &mo, n, bytes, "patterns matched");
	print_pass("hyperscan complete (median)", &mf, n, bytes, "patterns matched");
	printf("# ratio (engine speed / hyperscan speed), later pass: %.2f x hyperscan + "
	       "preparation, %.2f x the scans alone, %.2f x complete; %s pass %.2f x, %.2f x, "
	       "%.2f x\n",
	       mp.secs / ml.secs, mo.secs / ml.secs, mf.secs / ml.secs, first ? "first" : "earlier",
	       mp.secs / p1.secs, mo.secs / p1.secs, mf.secs / p1.secs);
	fflush(stdout);
	for (size_t i = 0; i < n; i++) {
		free(pre[i].raw);
		free(pre[i].norm);
	}
	free(pre);
	free(lens);
}

static struct filter_engine *engine_times(const char *dir, int times)
{
	struct filter_ruleset rs;
	bench_rules_times(dir, times, times > 1, &rs);
	uint64_t t0 = bench_now_ns();
	struct filter_engine *e = bench_engine_new(dir, &rs);
	printf("# engine x%d: %zu rules, built in %.0f ms CPU\n", times,
	       filter_engine_rule_count(e), (double)(bench_now_ns() - t0) / 1e6);
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
	struct filter_engine *e = engine_times(argv[1], mode[0] == 'x' ? 10 : 1);
	struct hs_side hs;
	side_init(&hs, argv[1], e);
	if (mode[0] != 'l')
		compare(&hs, e, corpus, n, 1);
	static const size_t kb[] = { 4, 16, 64 }, count[] = { 200, 60, 20 };
	for (int k = 0; strchr("la", mode[0]) && k < 3; k++) {
		char **t = long_texts(corpus, n, kb[k], count[k]);
		printf("# texts of %zu KB, %zu of them:\n", kb[k], count[k]);
		compare(&hs, e, t, count[k], k == 0 && mode[0] == 'l');
		bench_corpus_free(t, count[k]);
	}
	side_free(&hs);
	filter_engine_free(e);
	bench_corpus_free(corpus, n);
	print_load("at the end");
	return 0;
}
