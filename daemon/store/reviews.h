/* Harmful reviews of an account: Facebook's reviews cannot be removed one
 * by one, so repeated abuse there is told to the account's owner
 * (escalate/reviews.c).  A review is harmful when its latest verdict has a
 * tier (obvious or possible) and one of the categories criminal, threat,
 * harassment or hate. */
#pragma once

#include <stdint.h>

#include "store/store.h"

/* *ret 1 when item is a review and harmful (its latest verdict), else 0. */
int store_review_is_harmful(struct store *s, int64_t item, int *ret);

/* How many harmful reviews of account were published in [from, to]. */
int store_reviews_harmful_count(struct store *s, const char *account, int64_t from, int64_t to,
                                int64_t *ret);

/* The publication time of the latest harmful review of account published
 * at or before `before`, item `except` left out; 0 when none. */
int store_review_harmful_before(struct store *s, const char *account, int64_t except,
                                int64_t before, int64_t *ret);
