/* Loading the daemon's rule set: read and digest, compile every pattern
 * and run every example, at once or, for the daemon, only when the store
 * cannot show that this vaktd compiled these files and passed their
 * examples before. */
#include <errno.h>
#ifdef __GLIBC__
#include <malloc.h>
#endif
#include <openssl/evp.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "filter/examples.h"
#include "util/buildid.h"
#include "util/clock.h"
#include "pipeline/pipeline.h"

/* SHA-256 over the names and contents of the files the rules were parsed
 * from (rules_feed_fn: the *.rules files in name order, then the
 * lexicons): two daemons with the same digest filtered with the same
 * rules. */
static void digest_feed(void *arg, const char *name, const char *buf, size_t len)
{
	EVP_MD_CTX *ctx = arg;
	EVP_DigestUpdate(ctx, name, strlen(name) + 1);
	EVP_DigestUpdate(ctx, buf, len);
}

/* A failed example becomes a file:line diagnostic of the example's line. */
static void on_example_fail(void *ctx, const struct filter_rule *r, const struct filter_example *ex,
                            int expected_match, const struct filter_verdict *v)
{
	diag_add(ctx, r->file, ex->line, "rule %s: example \"%.80s\": expected %s", r->id, ex->text,
	         expected_match ? "a match, got none" : "no match, but it matched");
}

/* Building an engine asks for far more heap than it keeps (ten times the
 * shipped rules: about 300 MB at the peak for 45 MB kept; docs/filter.md,
 * "fifteenth round"), and glibc's free() gives back only the top of the
 * heap beyond M_TRIM_THRESHOLD (vaktd: 32 MiB), never freed pages inside
 * it: without this a daemon kept its largest build resident for good.
 * malloc_trim() is glibc's; elsewhere the memory stays with the process,
 * as before. */
static void give_back_heap(void)
{
#ifdef __GLIBC__
	malloc_trim(0);
#endif
}

/* The rule set is checked: what only the check needed goes (the
 * examples), and the build's peak goes back to the kernel. */
static void settle(struct pipeline_rules *pr)
{
	pr->examples_checked = true;
	filter_engine_drop_examples(pr->engine);
	give_back_heap();
}

/* Run every example; the counters the examples left are taken as
 * flushed: statistics count real comments only. */
static int run_examples(struct pipeline_rules *pr, const char *where, struct diag_list *diags)
{
	size_t total = 0, failed = 0;
	int r = filter_examples_run(pr->engine, on_example_fail, diags, &total, &failed);
	if (r < 0) {
		diag_add(diags, where, 0, "cannot run the rules' examples: %s", strerror(-r));
		return r;
	}
	pr->examples_ran = total;
	if (failed)
		return -EINVAL;
	size_t n = filter_engine_rule_count(pr->engine);
	for (size_t i = 0; i < n; i++)
		pr->flushed[i] = *filter_engine_rule_stats(pr->engine, i);
	settle(pr);
	return 0;
}

/* Build the engine of a rule set loaded with PIPELINE_RULES_DEFER_COMPILE,
 * its patterns compiled now or, trusted, taken as compiled. */
static int build_deferred(struct pipeline_rules *pr, int trusted, struct diag_list *diags)
{
	if (rules_compile_deferred(&pr->pending, trusted, diags))
		return -EINVAL;
	int r = filter_engine_new(&pr->pending, &pr->opt, &pr->engine);
	if (r < 0)
		diag_add(diags, NULL, 0, "cannot build the rules' engine: %s", strerror(-r));
	return r;
}

int pipeline_rules_load_flags(const char *dir, unsigned disable_after, unsigned flags,
                              struct pipeline_rules **ret, struct diag_list *diags)
{
	return pipeline_rules_load_at(dir, disable_after, flags, clock_now(), ret, diags);
}

int pipeline_rules_load_at(const char *dir, unsigned disable_after, unsigned flags, time_t now,
                           struct pipeline_rules **ret, struct diag_list *diags)
{
	struct diag_list warnings = { 0 };
	struct pipeline_rules *pr = calloc(1, sizeof(*pr));
	EVP_MD_CTX *ctx = EVP_MD_CTX_new();
	unsigned char md[EVP_MAX_MD_SIZE];
	unsigned int mdlen = 0;
	int r;

	if (!pr || !ctx || !EVP_DigestInit_ex(ctx, EVP_sha256(), NULL)) {
		free(pr);
		EVP_MD_CTX_free(ctx);
		return -ENOMEM;
	}
	filter_options_default(&pr->opt);
	pr->opt.disable_after = disable_after;
	size_t before = diags->n;
	r = rules_load_dir_flags(dir, now,
	                         flags & PIPELINE_RULES_DEFER_COMPILE ? RULES_LOAD_DEFER_COMPILE
	                                                              : 0,
	                         digest_feed, ctx, &pr->pending, diags, &warnings);
	diag_list_clear(&warnings); /* expired rules simply stop applying */
	EVP_DigestFinal_ex(ctx, md, &mdlen);
	EVP_MD_CTX_free(ctx);
	for (int i = 0; i < 8; i++)
		snprintf(pr->digest + 2 * i, 3, "%02x", md[i]);
	if (r == 0 && !(flags & PIPELINE_RULES_DEFER_COMPILE))
		r = filter_engine_new(&pr->pending, &pr->opt, &pr->engine);
	if (r < 0) {
		if (diags->n == before)
			diag_add(diags, dir, 0, "cannot load rules: %s", strerror(-r));
		pipeline_rules_free(pr);
		return r;
	}
	if (r > 0) {
		pipeline_rules_free(pr);
		return -EINVAL;
	}
	const struct filter_ruleset *rs = &pr->pending;
	if (pr->engine) {
		/* the engine took the rules */
		size_t n = filter_engine_rule_count(pr->engine);
		for (size_t i = 0; i < n; i++) {
			const struct filter_rule *fr = filter_engine_rule(pr->engine, i);
			pr->examples += fr->nmatches + fr->nnomatches;
		}
		pr->nrules = n;
	} else {
		for (size_t i = 0; i < rs->n; i++)
			pr->examples += rs->v[i].nmatches + rs->v[i].nnomatches;
		pr->nrules = rs->n;
	}
	if (pr->nrules == 0) {
		diag_add(diags, dir, 0, "no rules here: vaktd would moderate nothing");
		pipeline_rules_free(pr);
		return -EINVAL;
	}
	if (!(pr->flushed = calloc(pr->nrules + 1, sizeof(*pr->flushed)))) {
		diag_add(diags, dir, 0, "cannot read rules: %s", strerror(ENOMEM));
		pipeline_rules_free(pr);
		return -ENOMEM;
	}
	/* A rule whose own examples fail is not trusted to run. */
	if (!(flags & (PIPELINE_RULES_DEFER_EXAMPLES | PIPELINE_RULES_DEFER_COMPILE)) &&
	    (r = run_examples(pr, dir, diags)) < 0) {
		pipeline_rules_free(pr);
		return r;
	}
	*ret = pr;
	return 0;
}

int pipeline_rules_load(const char *dir, unsigned disable_after, struct pipeline_rules **ret,
                        struct diag_list *diags)
{
	return pipeline_rules_load_flags(dir, disable_after, 0, ret, diags);
}

int pipeline_rules_engine_id(char *buf, size_t len)
{
	char id[2 * 64 + 1], pcre[64];
	int r = vakt_build_id(id, sizeof(id));
	if (r < 0)
		return r;
	if (pcre2_config(PCRE2_CONFIG_VERSION, pcre) < 0)
		return -ENOENT;
	if ((size_t)snprintf(buf, len, "build %s pcre2 %s", id, pcre) >= len)
		return -ENOSPC;
	return 0;
}

int pipeline_rules_known(const struct pipeline_rules *pr, struct store *s, int *ret_known)
{
	char engine[256];
	*ret_known = 0;
	/* Without a build ID nothing says which code proved the examples. */
	if (pr->examples_checked || pipeline_rules_engine_id(engine, sizeof(engine)) != 0)
		return 0;
	return store_ruleset_checked(s, pr->digest, engine, ret_known);
}

int pipeline_rules_prove(struct pipeline_rules *pr, int known, struct diag_list *diags)
{
	int r;
	if (pr->examples_checked)
		return 0;
	/* Known: this vaktd compiled these very files before, and they
	 * passed; PCRE2 need not check the patterns again. */
	if (!pr->engine && (r = build_deferred(pr, known, diags)) != 0)
		return r;
	if (known) {
		pr->examples_ran = 0;
		pr->vouched = true;
		settle(pr);
		return 0;
	}
	return run_examples(pr, NULL, diags);
}

int pipeline_rules_record(const struct pipeline_rules *pr, struct store *s, int64_t now)
{
	char engine[256];
	/* Nothing ran (known before), or nothing says which code ran them:
	 * then every start runs the examples and nothing is recorded. */
	if (!pr->examples_checked || pr->vouched ||
	    pipeline_rules_engine_id(engine, sizeof(engine)) != 0)
		return 0;
	return store_ruleset_check_record(s, pr->digest, engine, (int64_t)pr->examples_ran, now);
}

int pipeline_rules_check(struct pipeline_rules *pr, struct store *s, int64_t now,
                         struct diag_list *diags)
{
	int known = 0, r;

	if (pr->examples_checked)
		return 0;
	if ((r = pipeline_rules_known(pr, s, &known)) != 0)
		return r;
	if ((r = pipeline_rules_prove(pr, known, diags)) != 0)
		return r;
	return pipeline_rules_record(pr, s, now);
}

int pipeline_rules_hand_over(struct pipeline_rules *pr, struct pipeline_rules **ret)
{
	if (pr->examples_checked || pr->engine)
		return -EINVAL;
	struct pipeline_rules *to = calloc(1, sizeof(*to));
	if (!to || !(to->flushed = calloc(pr->nrules + 1, sizeof(*to->flushed)))) {
		free(to);
		return -ENOMEM;
	}
	memcpy(to->digest, pr->digest, sizeof(to->digest));
	to->examples = pr->examples;
	to->nrules = pr->nrules;
	to->opt = pr->opt;
	to->pending = pr->pending;
	memset(&pr->pending, 0, sizeof(pr->pending));
	*ret = to;
	return 0;
}

void pipeline_rules_free(struct pipeline_rules *r)
{
	if (!r)
		return;
	int had_engine = r->engine != NULL;
	filter_engine_free(r->engine);
	filter_ruleset_clear(&r->pending);
	free(r->flushed);
	free(r);
	/* a reload's old engine, scattered through the heap */
	if (had_engine)
		give_back_heap();
}
