/* Masking personal data in the original text of a comment.
 *
 * A span that contains a personnummer or samordningsnummer (pnr_parse()
 * accepts a run of digits with its separator) keeps the date part and loses
 * the last four digits: "19811218-****", "811218-****".  A Swedish phone
 * number (validate_phone_se()) keeps its first group of digits (the trunk
 * prefix with area code or mobile prefix, or "+46"; the first three digits
 * when written without separators): "070-*** ** **".  Any other span loses
 * every letter and digit, separators stay: "****@*******.**".  One masked character becomes one
 * '*', whatever its UTF-8 length.
 */
#pragma once

#include <stddef.h>
#include <time.h>

#include "filter/verdict.h"

/* Mask spans (original offsets, any order, may overlap) of text (valid
 * UTF-8).  Writes a new NUL-terminated string and the number of merged
 * spans masked.  `today` resolves personnummer centuries.  Returns 0 or
 * -ENOMEM. */
int mask_text(const char *text, size_t len, const struct filter_span *spans, size_t nspans,
              time_t today, char **ret, size_t *ret_nmasked);
