/* Running each rule's own examples through the engine. */
#include "filter/examples.h"

#include <errno.h>
#include <string.h>

#include "filter/codecache.h"

static int run_one(struct filter_engine *e, const struct filter_rule *r,
                   const struct filter_example *ex, int expected, filter_example_fail_fn fail,
                   void *ctx, size_t *failed)
{
	struct filter_verdict *v;
	int rc = filter_engine_scan(e, ex->text, strlen(ex->text),
	                            FILTER_SCAN_INCLUDE_EXPIRED | FILTER_SCAN_CHECK, &v);
	if (rc < 0)
		return rc;
	if (filter_verdict_has_rule(v, r->id) != expected) {
		(*failed)++;
		if (fail)
			fail(ctx, r, ex, expected, v);
	}
	filter_verdict_free(v);
	return 0;
}

int filter_examples_run(struct filter_engine *e, filter_example_fail_fn fail, void *ctx,
                        size_t *ret_total, size_t *ret_failed)
{
	size_t total = 0, failed = 0;
	for (size_t i = 0; i < filter_engine_rule_count(e); i++) {
		const struct filter_rule *r = filter_engine_rule(e, i);
		for (size_t k = 0; k < r->nmatches; k++, total++)
			if (run_one(e, r, &r->matches[k], 1, fail, ctx, &failed) < 0)
				goto nomem;
		for (size_t k = 0; k < r->nnomatches; k++, total++)
			if (run_one(e, r, &r->nomatches[k], 0, fail, ctx, &failed) < 0)
				goto nomem;
	}
	/* every rule ran: keep only the code that traffic will need
	 * (compiled again when a pattern next runs, engine.h) */
	filter_engine_release_code(e);
	code_cache_drop_spares(); /* the patterns no example reached */
	*ret_total = total;
	*ret_failed = failed;
	return 0;
nomem:
	code_cache_drop_spares();
	return -ENOMEM;
}
