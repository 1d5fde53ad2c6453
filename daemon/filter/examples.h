/* The rule examples runner: every rule's `match` and `nomatch` examples
 * through the whole engine (normalisation and prefilter included).
 *
 * A `match` example passes when that rule is among the verdict's hits
 * (active or shadow; expired rules are included); a `nomatch` example
 * passes when it is not.
 */
#pragma once

#include <stddef.h>

#include "filter/engine.h"

/* Called for every failed example.  `expected_match` says which kind it
 * was; v is the verdict of the example (borrowed for the call). */
typedef void (*filter_example_fail_fn)(void *ctx, const struct filter_rule *r,
                                       const struct filter_example *ex, int expected_match,
                                       const struct filter_verdict *v);

/* Run all examples.  Writes the number run and the number failed.  Returns
 * 0 (also when examples failed) or -ENOMEM. */
int filter_examples_run(struct filter_engine *e, filter_example_fail_fn fail, void *ctx,
                        size_t *ret_total, size_t *ret_failed);
