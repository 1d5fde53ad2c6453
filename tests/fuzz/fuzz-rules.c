/* The rule parser on one rule file's bytes (rules_parse_buffer(), what
 * rules_parse_file() hands it), and an engine built from what parsed,
 * running the rules' examples and scanning the file's own text.
 *
 * Checked besides the sanitizers: the prefilter and the head/tail split
 * (literals extracted from any pattern the parser accepts) change no
 * verdict: the same rules hit as when every pattern runs as written. */
#include "fuzz.h"

#include "filter/engine.h"
#include "filter/examples.h"
#include "filter/rules.h"

static void no_fail(void *ctx, const struct filter_rule *r, const struct filter_example *ex,
                    int expected_match, const struct filter_verdict *v)
{
	(void)ctx, (void)r, (void)ex, (void)expected_match, (void)v;
}

/* Scan text both ways and compare the rules hit. */
static void differential(struct filter_engine *e, const char *text, size_t len)
{
	struct filter_verdict *a = NULL, *b = NULL;
	if (filter_engine_scan(e, text, len, FILTER_SCAN_INCLUDE_EXPIRED, &a) != 0)
		return;
	if (filter_engine_scan(e, text, len,
	                       FILTER_SCAN_INCLUDE_EXPIRED | FILTER_SCAN_NO_PREFILTER |
	                               FILTER_SCAN_NO_SPLIT,
	                       &b) == 0) {
		if (!a->nerrors && !b->nerrors) {
			int same = a->nhits == b->nhits;
			for (size_t i = 0; same && i < a->nhits; i++)
				same = strcmp(a->hits[i].rule, b->hits[i].rule) == 0;
			if (!same) {
				fprintf(stderr,
				        "prefiltered and naive scans disagree (%zu vs %zu hits) on "
				        "\"%.*s\"\n",
				        a->nhits, b->nhits, (int)len, text);
				abort();
			}
		}
		filter_verdict_free(b);
	}
	filter_verdict_free(a);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct filter_ruleset rs = { 0 };
	struct diag_list errs = { 0 }, warns = { 0 };
	/* An exact-size copy: the parser must not read past len. */
	char *buf = malloc(size ? size : 1);
	if (!buf)
		abort();
	memcpy(buf, data, size);
	/* 2026-06-01: a fixed "today" so expiry is deterministic. */
	int r = rules_parse_buffer(&rs, "fuzz.rules", buf, size, 1780272000, &errs, &warns);
	if (r == 0 && rs.n > 0) {
		struct filter_options o;
		struct filter_engine *e = NULL;
		filter_options_default(&o);
		o.match_limit = 100000;
		if (filter_engine_new(&rs, &o, &e) == 0) {
			size_t total, failed;
			(void)filter_examples_run(e, no_fail, NULL, &total, &failed);
			for (size_t i = 0; i < filter_engine_rule_count(e); i++) {
				const struct filter_rule *rule = filter_engine_rule(e, i);
				for (size_t j = 0; j < rule->nmatches; j++)
					differential(e, rule->matches[j].text,
					             strlen(rule->matches[j].text));
				for (size_t j = 0; j < rule->nnomatches; j++)
					differential(e, rule->nomatches[j].text,
					             strlen(rule->nomatches[j].text));
			}
			/* The rules' own text, for words the examples do not hold. */
			differential(e, buf, size);
			filter_engine_free(e);
		}
	}
	filter_ruleset_clear(&rs);
	diag_list_clear(&errs);
	diag_list_clear(&warns);
	free(buf);
	return 0;
}
