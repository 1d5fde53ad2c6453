/* Distinct literal sets of the prefilter.
 *
 * Many patterns require the same set of literals (a lexicon used by ten
 * patterns, "jag |vi " in every first-person threat).  The automaton
 * reports each distinct set once, by a number this map gives: a text
 * with "ar" then costs one report for the set instead of one for each of
 * the thirty patterns that require it (docs/filter.md, "Prefilter").
 */
#pragma once

#include <stddef.h>
#include <stdint.h>

#include "filter/prefilter.h"

struct set_map;

struct set_map *set_map_new(void);
void set_map_free(struct set_map *m);

/* The number of set ls for input kind `input` (equal literal sets of
 * one input kind, in any order, get one number; numbers are 0, 1, 2 … in
 * order of first appearance).  *ret_new is 1 when the set is new.
 * Returns 0 or -ENOMEM. */
int set_map_id(struct set_map *m, int input, const struct lit_set *ls, uint32_t *ret_id,
               int *ret_new);

/* Number of distinct sets so far. */
size_t set_map_count(const struct set_map *m);
