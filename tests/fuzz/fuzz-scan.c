/* Normalisation and a full engine scan with the shipped rules (filters/,
 * loaded once), on any bytes as a comment's text.
 *
 * Checked besides the sanitizers: every normalised byte maps back into the
 * original text; every span of a hit lies inside the scanned text; the
 * prefilter and the head/tail split change no verdict (the rules hit are
 * the same as when every pattern runs as written on every comment). */
#include "fuzz.h"

#include "filter/engine.h"
#include "filter/normalize.h"
#include "filter/utf8.h"

static struct filter_engine *engine;

int LLVMFuzzerInitialize(int *argc, char ***argv)
{
	char dir[4096];
	struct filter_options o;
	struct diag_list errs = { 0 }, warns = { 0 };
	(void)argc, (void)argv;
	snprintf(dir, sizeof(dir), "%s/filters", fuzz_srcdir());
	filter_options_default(&o);
	o.disable_after = 0; /* a rule disabled by one input would change later verdicts */
	if (filter_engine_load(dir, &o, &engine, &errs, &warns) != 0) {
		diag_print(&errs, stderr);
		abort();
	}
	diag_list_clear(&errs);
	diag_list_clear(&warns);
	return 0;
}

/* Returns the length of the sanitized text, which spans index. */
static size_t check_normalize(const uint8_t *data, size_t size)
{
	char *clean = NULL;
	size_t len = 0, used = 0;
	struct norm_text nt = { 0 };
	if (utf8_sanitize((const char *)data, size, size, &clean, &len, &used) != 0)
		abort();
	if (used != size || strlen(clean) != len)
		abort();
	if (normalize_text(clean, len, &nt) == 0) {
		if (nt.orig_len != len || strlen(nt.s) != nt.len)
			abort();
		for (size_t i = 0; i < nt.len; i++)
			if (nt.ostart[i] > nt.oend[i] || nt.oend[i] > len)
				abort();
		norm_text_free(&nt);
	}
	free(clean);
	return len;
}

static int same_hits(const struct filter_verdict *a, const struct filter_verdict *b)
{
	if (a->nerrors || b->nerrors) /* a PCRE2 limit may fall differently */
		return 1;
	if (a->nhits != b->nhits)
		return 0;
	for (size_t i = 0; i < a->nhits; i++)
		if (strcmp(a->hits[i].rule, b->hits[i].rule) != 0)
			return 0;
	return 1;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct filter_verdict *v = NULL, *naive = NULL;
	/* -max_len keeps inputs far below max_scan_bytes: all of it is scanned. */
	size_t tlen = check_normalize(data, size);
	if (filter_engine_scan(engine, (const char *)data, size, 0, &v) != 0)
		return 0;
	for (size_t i = 0; i < v->nhits; i++)
		for (size_t j = 0; j < v->hits[i].nspans; j++)
			if (v->hits[i].spans[j].start > v->hits[i].spans[j].end ||
			    v->hits[i].spans[j].end > tlen)
				abort();
	cJSON_Delete(filter_verdict_to_json(v));
	struct strbuf sb = { 0 };
	filter_verdict_summary(v, &sb);
	strbuf_free(&sb);
	if (filter_engine_scan(engine, (const char *)data, size,
	                       FILTER_SCAN_NO_PREFILTER | FILTER_SCAN_NO_SPLIT, &naive) == 0) {
		if (!same_hits(v, naive)) {
			fprintf(stderr, "prefiltered and naive scans disagree (%zu vs %zu hits)\n",
			        v->nhits, naive->nhits);
			abort();
		}
		filter_verdict_free(naive);
	}
	filter_verdict_free(v);
	return 0;
}
