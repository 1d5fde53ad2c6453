/* Loading the daemon's rule set: compile, digest, and run every example,
 * at once or, for the daemon, only when the store cannot show that they
 * passed on this rule set with this vaktd before. */
#include <dirent.h>
#include <errno.h>
#include <openssl/evp.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "filter/examples.h"
#include "util/buildid.h"
#include "pipeline/pipeline.h"

static int cmp_str(const void *a, const void *b)
{
	return strcmp(*(char *const *)a, *(char *const *)b);
}

/* SHA-256 over the names and contents of dir's *.rules files, in name
 * order: two daemons with the same digest filtered with the same rules. */
static int digest_dir(const char *dir, char out[17])
{
	DIR *d = opendir(dir);
	char *names[4096];
	size_t n = 0;
	struct dirent *de;
	unsigned char md[EVP_MAX_MD_SIZE];
	unsigned int mdlen = 0;
	int r = 0;

	if (!d)
		return -errno;
	while (r == 0 && (de = readdir(d))) {
		size_t len = strlen(de->d_name);
		if (de->d_name[0] == '.' || len <= 6 || strcmp(de->d_name + len - 6, ".rules") != 0)
			continue;
		if (n == sizeof(names) / sizeof(names[0]))
			r = -E2BIG; /* a digest must describe every file, or none */
		else if (!(names[n] = strdup(de->d_name)))
			r = -ENOMEM;
		else
			n++;
	}
	closedir(d);
	if (n)
		qsort(names, n, sizeof(*names), cmp_str);
	EVP_MD_CTX *ctx = EVP_MD_CTX_new();
	if (!ctx)
		r = -ENOMEM;
	if (ctx)
		EVP_DigestInit_ex(ctx, EVP_sha256(), NULL);
	for (size_t i = 0; i < n && r == 0; i++) {
		char path[4096], buf[8192];
		size_t k;
		snprintf(path, sizeof(path), "%s/%s", dir, names[i]);
		FILE *f = fopen(path, "re");
		if (!f) {
			r = -errno;
			break;
		}
		EVP_DigestUpdate(ctx, names[i], strlen(names[i]) + 1);
		while ((k = fread(buf, 1, sizeof(buf), f)) > 0)
			EVP_DigestUpdate(ctx, buf, k);
		if (ferror(f))
			r = -EIO;
		fclose(f);
	}
	if (ctx && r == 0) {
		EVP_DigestFinal_ex(ctx, md, &mdlen);
		for (int i = 0; i < 8; i++)
			snprintf(out + 2 * i, 3, "%02x", md[i]);
	}
	EVP_MD_CTX_free(ctx);
	for (size_t i = 0; i < n; i++)
		free(names[i]);
	return r;
}

/* A failed example becomes a file:line diagnostic of the example's line. */
static void on_example_fail(void *ctx, const struct filter_rule *r, const struct filter_example *ex,
                            int expected_match, const struct filter_verdict *v)
{
	diag_add(ctx, r->file, ex->line, "rule %s: example \"%.80s\": expected %s", r->id, ex->text,
	         expected_match ? "a match, got none" : "no match, but it matched");
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
	pr->examples_checked = true;
	return 0;
}

int pipeline_rules_load_flags(const char *dir, unsigned disable_after, unsigned flags,
                              struct pipeline_rules **ret, struct diag_list *diags)
{
	struct filter_options o;
	struct diag_list warnings = { 0 };
	struct pipeline_rules *pr = calloc(1, sizeof(*pr));
	int r;

	if (!pr)
		return -ENOMEM;
	filter_options_default(&o);
	o.disable_after = disable_after;
	size_t before = diags->n;
	r = filter_engine_load(dir, &o, &pr->engine, diags, &warnings);
	diag_list_clear(&warnings); /* expired rules simply stop applying */
	if (r < 0) {
		if (diags->n == before)
			diag_add(diags, dir, 0, "cannot load rules: %s", strerror(-r));
		free(pr);
		return r;
	}
	if (r > 0) {
		free(pr);
		return -EINVAL;
	}
	size_t n = filter_engine_rule_count(pr->engine);
	if (n == 0) {
		diag_add(diags, dir, 0, "no rules here: vaktd would moderate nothing");
		pipeline_rules_free(pr);
		return -EINVAL;
	}
	for (size_t i = 0; i < n; i++) {
		const struct filter_rule *fr = filter_engine_rule(pr->engine, i);
		pr->examples += fr->nmatches + fr->nnomatches;
	}
	pr->flushed = calloc(n + 1, sizeof(*pr->flushed));
	r = pr->flushed ? digest_dir(dir, pr->digest) : -ENOMEM;
	if (r < 0) {
		diag_add(diags, dir, 0, "cannot read rules: %s", strerror(-r));
		pipeline_rules_free(pr);
		return r;
	}
	/* A rule whose own examples fail is not trusted to run. */
	if (!(flags & PIPELINE_RULES_DEFER_EXAMPLES) && (r = run_examples(pr, dir, diags)) < 0) {
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

int pipeline_rules_check(struct pipeline_rules *pr, struct store *s, int64_t now,
                         struct diag_list *diags)
{
	char engine[256];
	int known = 0, r;

	if (pr->examples_checked)
		return 0;
	/* Without a build ID nothing says which code proved the examples: run
	 * them every time and record nothing. */
	bool have_id = pipeline_rules_engine_id(engine, sizeof(engine)) == 0;
	if (have_id && (r = store_ruleset_checked(s, pr->digest, engine, &known)) != 0)
		return r;
	if (known) {
		pr->examples_ran = 0;
		pr->examples_checked = true;
		return 0;
	}
	r = run_examples(pr, NULL, diags);
	if (r == 0 && have_id)
		r = store_ruleset_check_record(s, pr->digest, engine, (int64_t)pr->examples_ran,
		                               now);
	return r;
}

void pipeline_rules_free(struct pipeline_rules *r)
{
	if (!r)
		return;
	filter_engine_free(r->engine);
	free(r->flushed);
	free(r);
}
