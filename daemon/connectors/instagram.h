/* The Instagram connector's parsers, for its tests (the connector itself
 * is `connector_instagram`, found through connector_find()). */
#pragma once

#include <cjson/cJSON.h>

#include "connectors/connector.h"
#include "connectors/graph.h"

extern const struct connector connector_instagram;

/* One IG comment object as an item of b, and its embedded replies{data}
 * after it.  ig_user decides is_own (from.id or user.id equal to it, never
 * a missing author); media_id is the media it was listed under and
 * parent_id the comment whose replies it came in (both may be NULL).  An
 * object without an id or time is skipped, and so is an id already in
 * seen (may be NULL).  Returns the number of items added, or -ENOMEM.
 * *ret_created (may be NULL) gets the newest time among them. */
int ig_comment_item(const cJSON *c, const char *ig_user, const char *media_id,
                    const char *parent_id, struct graph_idset *seen, struct conn_batch *b,
                    int64_t *ret_created);

/* One media object (without its embedded comments) as a "post" item of
 * the account.  1 added, 0 skipped, -ENOMEM. */
int ig_media_item(const cJSON *m, const char *ig_user, struct graph_idset *seen,
                  struct conn_batch *b);

/* An Instagram webhook delivery ({"object":"instagram",…}, field
 * "comments"): each comment as an item.  0, -EINVAL, -ENOMEM. */
int ig_webhook_items(const char *body, size_t len, const char *ig_user, struct conn_batch *b);
