/* The Facebook Pages connector's parsers, for its tests (the connector
 * itself is `connector_facebook`, found through connector_find()). */
#pragma once

#include <cjson/cJSON.h>

#include "connectors/connector.h"
#include "connectors/graph.h"

extern const struct connector connector_facebook;

/* One Graph comment object as an item of b.  page_id decides is_own
 * (from.id == page_id, never a missing from); post_id is the post the
 * comment was listed under (NULL when unknown).  An object without a
 * usable id or time is skipped, and so is an id already in seen (may be
 * NULL).  1 added, 0 skipped, -ENOMEM.  *ret_created (may be NULL) gets
 * its time when added. */
int fb_comment_item(const cJSON *c, const char *page_id, const char *post_id,
                    struct graph_idset *seen, struct conn_batch *b, int64_t *ret_created);

/* One post object (without its embedded "comments", which the caller
 * reads) as an item.  Same returns. */
int fb_post_item(const cJSON *post, const char *page_id, struct graph_idset *seen,
                 struct conn_batch *b, int64_t *ret_created);

/* One /{page-id}/ratings entry as a "review" item.  Same returns. */
int fb_rating_item(const cJSON *r, struct graph_idset *seen, struct conn_batch *b);

/* A Page webhook delivery ({"object":"page","entry":[{changes:[…]}]}):
 * comments added or edited become items, removed ones gone ids, hidden
 * ones items in state "hidden".  0, -EINVAL (not a page delivery) or
 * -ENOMEM. */
int fb_webhook_items(const char *body, size_t len, const char *page_id, struct conn_batch *b);
