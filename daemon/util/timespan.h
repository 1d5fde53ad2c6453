/* Parsing time spans: "30s", "5min", "2h", "1d", "500ms", combinations
 * ("1h 30min") and plain seconds ("30").  Used by the configuration and
 * the poll schedule. */
#pragma once

#include <stdint.h>

/* 0 and *ret_usec, or -EINVAL (garbage, unknown unit, overflow). */
int timespan_parse(const char *s, int64_t *ret_usec);
