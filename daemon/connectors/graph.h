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
 * X-Business-Use-Case-Usage, app_usage_percent that of X-App-Usage alone
 * (the app's calls for every account); retry_after_usec the largest of Retry-After
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

/* ---------------------------------------------------------------- a poll
 *
 * What the Facebook and Instagram polls share: a list of requests, each
 * offered once by poll_next and again after a retryable answer; the
 * posts (media) still watched, with their last activity; the ids handed
 * out in this poll; and the cursor, our own JSON
 *   {"v":1,"hw":newest post time,"cw":newest comment time,"nr":true?,
 *    "a":[[post id, last activity]…]}
 * (epoch seconds on the platform's clock; "nr": ratings known gone). */

#define GRAPH_OVERLAP_S 600     /* re-read this much before the watermarks */
#define GRAPH_IDS_CHUNK 25      /* posts a ?ids= request */
#define GRAPH_ACTIVE_MAX 100    /* posts the cursor keeps watching */
#define GRAPH_MAX_REQUESTS 2000 /* a poll's bound, whatever the platform answers */

enum graph_rq_state { GRAPH_RQ_PENDING, GRAPH_RQ_INFLIGHT, GRAPH_RQ_DONE };

struct graph_rq {
	int type; /* the connector's own */
	enum graph_rq_state state;
	char *url;
	char *obj_id; /* the post or comment a page of comments belongs to */
	int64_t stop; /* epoch s the comments need to reach back to */
	char **ids;   /* a ?ids= request's ids */
	size_t n_ids;
};

struct graph_active {
	char *id;
	int64_t activity; /* epoch s */
	bool fetched;     /* in this poll */
	bool known;       /* from the cursor */
};

struct graph_poll {
	struct conn_account acc; /* strings borrowed for the poll's life */
	int64_t horizon_s;       /* backfill_from */
	int64_t since_s;         /* posts: the high-water mark less the overlap, or the horizon */
	int64_t stop_s;          /* known posts' comments: the watermark less the overlap */
	int64_t hw, cw;          /* the watermarks, moved as items come */
	bool ratings_off, fatal;
	bool capped;            /* GRAPH_MAX_REQUESTS reached: ended, no cursor */
	struct graph_rq spare;  /* what graph_rq_add hands out once capped */
	int ids_type;           /* the type of the connector's ?ids= requests */
	const char *ids_fields; /* their fields= */
	struct graph_rq *rqs;
	size_t n_rqs, cap_rqs;
	struct graph_active *act;
	size_t n_act, cap_act;
	struct graph_idset seen;
};

/* Set up from the account and its cursor: 0, -EINVAL (a cursor we cannot
 * read) or -ENOMEM.  The caller clears g also on failure. */
int graph_poll_init(struct graph_poll *g, const struct conn_account *acc, int ids_type,
                    const char *ids_fields);
void graph_poll_clear(struct graph_poll *g);
/* Append a request (takes url, also on failure); NULL on ENOMEM.  Past
 * GRAPH_MAX_REQUESTS the poll ends (capped, fatal) and the request is a
 * spare that is never offered. */
struct graph_rq *graph_rq_add(struct graph_poll *g, int type, char *url);
/* poll_next and poll_done of both connectors. */
int graph_poll_next(struct graph_poll *g, struct conn_request *ret);
bool graph_poll_done(const struct graph_poll *g);
/* After an answer: the cursor when the poll is complete, or the note that
 * it was capped.  0 or -ENOMEM. */
int graph_poll_finish(struct graph_poll *g, struct conn_batch *b);
/* base + "/" + path + "?fields=" + enc(fields) + extra (encoded already). */
char *graph_url(const struct graph_poll *g, const char *path, const char *fields,
                const char *extra);
struct graph_active *graph_active_find(struct graph_poll *g, const char *id);
/* Find or add, moving its activity forward to when_s.  NULL on ENOMEM. */
struct graph_active *graph_active_touch(struct graph_poll *g, const char *id, int64_t when_s);
void graph_active_remove(struct graph_poll *g, const char *id);
/* A ?ids= request for ids (taken, also on failure).  0 or -ENOMEM. */
int graph_queue_ids(struct graph_poll *g, char **ids, size_t n);
/* ?ids= requests for the watched posts not fetched yet in this poll. */
int graph_queue_active(struct graph_poll *g);
/* A ?ids= request answered gone (803, 100/33): mark the ids the answer
 * names gone and ask again for the rest (one by one when it names none). */
int graph_ids_gone(struct graph_poll *g, struct graph_rq *rq, const struct graph_error *e,
                   struct conn_batch *b);
/* The cursor at the poll's end, malloc'ed; NULL on ENOMEM. */
char *graph_cursor_make(const struct graph_poll *g);
