/* Queueing a verdict's platform action (pipeline.c calls it inside the
 * verdict's transaction). */
#pragma once

#include <stdint.h>

#include "config/config.h"
#include "connectors/connector.h"
#include "filter/verdict.h"
#include "store/store.h"

/* Queue what verdict v of item asks the platform to do (hide, delete),
 * as act_plan() decides with the account's AutoActions= and connector c
 * (NULL: none).  vakt's rows are unique per item and kind, so a
 * re-evaluation adds nothing for what was queued before.  *ret_queued
 * counts new rows (may be NULL). */
int pipeline_queue_actions(struct store *s, const struct config_account *acc, int64_t item,
                           int64_t verdict, const struct filter_verdict *v,
                           const struct connector *c, int64_t now, int *ret_queued);
