/* What the Facebook and Instagram connectors share: Meta's Graph API.
 *
 * One error object for both ({"error":{message,type,code,error_subcode,
 * fbtrace_id,is_transient}}), decided on code and subcode, never on the
 * HTTP status or the (localised) text; usage headers whose values are JSON
 * inside a header string; times like "2019-06-13T08:15:30+0000"; URLs
 * built from the account's base URL, never from the `paging.next` links
 * the platform sends (those carry the token and a host the platform
 * chose).  PHP-style escapes (\/, \uXXXX with surrogate pairs) are
 * cJSON's job.  Pure functions: no I/O, no logging. */
#pragma once

#include <cjson/cJSON.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "connectors/connector.h"
#include "util/strbuf.h"

/* A decoded Graph error (code 0: the answer held none). */
struct graph_error {
	int code;
	int subcode;
	bool transient;    /* "is_transient": true */
	char message[512]; /* the platform's message, for the few decisions that
	                    * need it (the ids of a code-803 answer); never logged whole */
};

/* The member `name` of obj when it is a string, else NULL (borrowed). */
const char *graph_str(const cJSON *obj, const char *name);

/* A Graph time ("2019-06-13T08:15:30+0000", also with a colon or Z) to
 * epoch µs.  0 or -EINVAL. */
int graph_time(const char *s, int64_t *ret_usec);

/* The platform's limits from the answer's headers into *rate:
 * usage_percent is the highest figure of X-App-Usage, X-Page-Usage and
 * X-Business-Use-Case-Usage; retry_after_usec the largest of Retry-After
 * and the BUC estimated_time_to_regain_access (minutes). */
void graph_rate(const struct conn_answer *a, struct conn_rate *rate);

/* The outcome an error object (or, without one, the HTTP status) means. */
enum conn_outcome graph_outcome(long status, const struct graph_error *e);

/* Decode an error object (the value of "error").  false when err is not
 * an object with a numeric code. */
bool graph_error_read(const cJSON *err, struct graph_error *ret);

/* Check an answer and parse its body.  Always fills b->rate.  On success
 * b->outcome is CONN_OK and *ret_root the parsed body (the caller frees
 * it); otherwise b->outcome and b->message say why, *ret_root is NULL and
 * *ret_err (when not NULL) holds the decoded error.  0 or -ENOMEM. */
int graph_check(const struct conn_answer *a, struct conn_batch *b, cJSON **ret_root,
                struct graph_error *ret_err);

/* What an action's answer ({"success":true}) means; shared by both
 * connectors' action_answer. */
enum conn_outcome graph_action_answer(const struct conn_answer *a, struct conn_rate *rate,
                                      char **ret_message);

/* Append s percent-encoded (RFC 3986 unreserved kept).  0 or -ENOMEM. */
int graph_urlenc(struct strbuf *sb, const char *s);

/* The raw (still encoded) value of query parameter `name` in url,
 * malloc'ed, or NULL when absent or empty. */
char *graph_query_param(const char *url, const char *name);

/* A set of ids, to hand every item out once per poll. */
struct graph_idset {
	char **slots;
	size_t n, cap;
};
/* 1 when added, 0 when already there, -ENOMEM. */
int graph_idset_add(struct graph_idset *s, const char *id);
bool graph_idset_has(const struct graph_idset *s, const char *id);
void graph_idset_free(struct graph_idset *s);

/* A Graph batch answer ([{code, headers:[{name,value}], body:"…"}]):
 * part i as a conn_answer whose header() reads that part's headers.  The
 * parts borrow from root.  0, -EINVAL (not a batch answer) or -ENOMEM. */
struct graph_part {
	struct conn_answer answer;
	const cJSON *headers;
};
int graph_batch_split(const cJSON *root, struct graph_part **ret_parts, size_t *ret_n);
