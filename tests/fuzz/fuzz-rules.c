/* The rule parser on one rule file's bytes (rules_parse_buffer(), what
 * rules_parse_file() hands it), and an engine built from what parsed. */
#include "fuzz.h"

#include "filter/engine.h"
#include "filter/rules.h"

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
			struct filter_verdict *v = NULL;
			/* Scan the rules' own text: it holds the examples. */
			if (filter_engine_scan(e, buf, size, 0, &v) == 0)
				filter_verdict_free(v);
			filter_engine_free(e);
		}
	}
	filter_ruleset_clear(&rs);
	diag_list_clear(&errs);
	diag_list_clear(&warns);
	free(buf);
	return 0;
}
