/* Generated Unicode tables for normalisation (tools/gen-normtab.py). */
#pragma once

#include <stddef.h>
#include <stdint.h>

struct normtab_fold {
	uint32_t cp;
	const char *to; /* UTF-8, at most 7 bytes */
};

struct normtab_range {
	uint32_t lo, hi;
};

/* Sorted by cp. */
extern const struct normtab_fold normtab_folds[];
extern const size_t normtab_nfolds;

/* Sorted, non-overlapping ranges of non-ASCII letters (category L*). */
extern const struct normtab_range normtab_letters[];
extern const size_t normtab_nletters;
