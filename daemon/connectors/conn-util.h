/* Small helpers the connectors share: JSON fields, optional strings, ids,
 * requests and answers that did not parse.  Internal to connectors/. */
#pragma once

#include <cjson/cJSON.h>
#include <stdbool.h>
#include <stddef.h>

#include "connectors/connector.h"
#include "util/strbuf.h"

/* obj's string member key, or NULL (also when obj is NULL). */
const char *conn_json_str(const cJSON *obj, const char *key);

/* *dst = a copy of s (NULL stays NULL): 0 or -ENOMEM.  conn_set frees
 * the old *dst first. */
int conn_dup(char **dst, const char *s);
int conn_set(char **dst, const char *s);

/* Numeric ids that outgrow 64 bits or doubles (Snowflakes): a longer id
 * is newer, equal lengths compare as text. */
int conn_id_cmp(const char *a, const char *b);
/* s is 1..max decimal digits. */
bool conn_id_ok(const char *s, size_t max);

/* A GET of url (its buffer is taken over) into *ret, with tag. */
void conn_get(struct conn_request *ret, struct strbuf *url, uint64_t tag);

/* An answer that did not parse: drop what it gave, say so. */
void conn_malformed(struct conn_batch *b);

/* A Retry-After header in seconds (the HTTP-date form is not used by
 * these platforms) raises rate->retry_after_usec: a platform that says
 * how long to wait is waited for, whatever else its answer says. */
void conn_retry_after(const struct conn_answer *a, struct conn_rate *rate);

/* "HTTP 403 CODE": the status and the string member `field` of the
 * error body when it has one (never the localisable message). */
char *conn_status_message(long status, const char *body, size_t len, const char *field);

/* The cursor of a connector that re-reads a window of recent posts
 * (YouTube, LinkedIn): {"t": the newest post's time in µs, as a decimal
 * string so that it never passes through a double, "c": {id: count}}.
 * text NULL gives 0 and an empty object.  -EINVAL for anything else. */
int conn_window_cursor_parse(const char *text, int64_t *ret_newest, cJSON **ret_counts);
int conn_window_cursor_text(int64_t newest, const cJSON *counts, char **ret);

/* Where a window poll stops reading back: `lookback` before now, or the
 * last poll's newest post when that is older (after downtime), never
 * before the backfill horizon; a first poll (newest 0) reads back to the
 * horizon. */
int64_t conn_window_stop(int64_t now, int64_t lookback, int64_t newest, int64_t backfill_from);

/* v is a JSON number that is a whole number within [lo, hi]: 0 and *ret,
 * else -EINVAL.  Platform numbers are doubles; casting one out of range
 * is undefined behaviour. */
int conn_json_int(const cJSON *v, int64_t lo, int64_t hi, int64_t *ret);

/* Seconds since the epoch as a platform may send them: 0 .. year 9999. */
#define CONN_EPOCH_S_MAX 253402300799LL

/* Room for one more element in *arr (n used, *cap allocated, elements of
 * size bytes), doubling from 8: 0 or -ENOMEM (the array is unchanged). */
int conn_grow(void **arr, size_t *cap, size_t n, size_t size);
