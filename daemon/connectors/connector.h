/* One platform's API, as requests to make and answers to parse.
 *
 * A connector does no I/O and owns no timers: the fetch driver
 * (daemon/vaktd/fetch*.c) asks it for the next request of a poll, performs
 * it over curlev (net/http.h) with the account's token, rate limit and
 * retries, hands the answer back, and stores what the connector made of it.
 * That keeps every connector a set of plain functions tested on the
 * recorded fixtures (../shared/data/platform-fixtures) and the simulators
 * (tests/sim/), and keeps the platform's quirks in one file per platform:
 * connectors/facebook.c, instagram.c, youtube.c, x.c, mastodon.c,
 * linkedin.c.
 *
 * A poll: conn->poll_new() makes the per-poll state from the account and
 * its stored cursor; the driver calls poll_next() until it returns no
 * request (several may be in flight at once, up to the platform's
 * concurrency), and for each answer poll_answer(), which fills a batch:
 * the items found, follow-up requests are then offered by poll_next(), and
 * possibly the new cursor.  The driver stores a batch's items, and its
 * cursor when it has one, in ONE transaction: the cursor only ever covers
 * items already stored, so a crash between pages loses nothing, and items
 * are keyed by (account, platform id), so a page fetched twice duplicates
 * nothing.  A connector gives the new cursor only when every item it
 * covers has been handed out (usually with the poll's last answer).
 *
 * Layer: connectors/ sits above util/ and net/ and below vaktd/; it knows
 * neither the store nor the configuration structs. */
#pragma once

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

/* What an answer (or a transfer failure) means for the driver. */
enum conn_outcome {
	CONN_OK = 0,
	CONN_RETRY,       /* transient (timeout, 5xx, 429, throttling): retry this request later,
	                   * after retry_after_usec when the platform said */
	CONN_TOKEN,       /* token invalid or expired: the account turns red, no retry */
	CONN_PERMISSION,  /* a permission is missing: red, no retry */
	CONN_GONE,        /* the object is gone (deleted post, removed comment): go on */
	CONN_STOP,        /* the platform says stop (X 402 credits used up, YouTube daily quota):
	                   * alert, no retry before retry_after_usec (0: until reconfigured) */
	CONN_NOT_ALLOWED, /* the action is not allowed here */
	CONN_MALFORMED,   /* the answer did not parse: retry later, logged */
};

const char *conn_outcome_name(enum conn_outcome o);

/* What the connector knows of the account (all borrowed for the poll's
 * life; the driver copies them out of the configuration when the poll
 * starts, so a reload during the poll changes nothing). */
struct conn_account {
	const char *id;          /* vakt's account id */
	const char *external_id; /* page id, IG user id, channel id, user id, org URN */
	const char *base_url;    /* ApiBaseUrl= without trailing '/', never empty */
	const char *cursor;    /* the stored cursor (the connector's own text), NULL: first poll */
	int64_t backfill_from; /* epoch µs: nothing older is fetched on a first poll or after
	                        * downtime longer than the horizon */
	int64_t now;           /* epoch µs, the poll's start on the daemon's clock */
};

/* A request the driver performs.  The driver adds the token itself
 * (Authorization: Bearer, or whatever conn->auth says) and never logs it. */
struct conn_request {
	char method[8]; /* GET POST DELETE PUT PATCH */
	char *url;      /* absolute, malloc'ed */
	char *body;     /* NULL or malloc'ed */
	size_t body_len;
	char content_type[64];
	char *headers;  /* NULL or malloc'ed "Name: value\n" lines (e.g. LinkedIn-Version) */
	int quota_cost; /* platform quota units it costs (YouTube), 0 otherwise */
	uint64_t tag;   /* the connector's own note on what this request is for */
};
void conn_request_clear(struct conn_request *r);

/* An answer as the driver received it (all borrowed for the call). */
struct conn_answer {
	long status; /* HTTP status */
	const char *body;
	size_t body_len;
	/* The last response header of that name, case-insensitive, or NULL. */
	const char *(*header)(const void *ctx, const char *name);
	const void *header_ctx;
};

/* An item found on the platform (strings owned by the batch). */
struct conn_item {
	char *platform_id;
	const char *kind; /* "post" "comment" "reply" "review" "mention" "message" (static) */
	char *parent_platform_id; /* NULL for top level */
	char *author_id;          /* NULL when the platform withholds it */
	char *author_name;        /* NULL when withheld */
	bool is_own;              /* written by the account itself (from.id == external_id, never
	                           * inferred from a missing author) */
	char *text;           /* UTF-8, as written (HTML stripped where the platform sends HTML) */
	char *permalink;      /* NULL when none */
	int64_t published_at; /* epoch µs */
	int64_t edited_at;    /* epoch µs, 0 when unknown or never edited */
	const char *platform_state; /* "visible" "hidden" "deleted" "gone" (static) */
	char *raw_json;             /* the item's own JSON object, or NULL */
};

/* What the platform said about its limits (0 / -1 when it said nothing). */
struct conn_rate {
	int64_t retry_after_usec; /* wait at least this long before the next request */
	int usage_percent;        /* Graph's X-App-Usage / X-Business-Use-Case-Usage max, -1 */
	long remaining;           /* x-rate-limit-remaining and alikes, -1 */
	int64_t reset_at;         /* epoch µs when the window resets, 0 */
	int app_usage_percent;    /* X-App-Usage alone: the app's, all accounts'; -1 */
};

/* The result of one answer. */
struct conn_batch {
	enum conn_outcome outcome;
	char *message; /* NULL, or why (never the token; no personal data) */
	struct conn_rate rate;
	struct conn_item *items;
	size_t n_items, cap_items;
	char *cursor; /* non-NULL: store this cursor with these items */
	/* Platform ids of items seen as gone in this answer (deleted parent,
	 * removed comment): the driver marks them, never purges. */
	char **gone;
	size_t n_gone, cap_gone;
};
void conn_batch_init(struct conn_batch *b);
void conn_batch_clear(struct conn_batch *b); /* frees the contents; b stays usable */
/* Append an empty item whose strings the caller fills (malloc'ed).  NULL
 * on ENOMEM. */
struct conn_item *conn_batch_add(struct conn_batch *b);
int conn_batch_gone(struct conn_batch *b, const char *platform_id);

/* Moderation actions. */
enum conn_action {
	CONN_ACT_HIDE = 0,
	CONN_ACT_UNHIDE,
	CONN_ACT_DELETE,
	CONN_ACT_REPORT,
	CONN_ACT_BLOCK_AUTHOR,
	CONN_ACT__COUNT,
};
const char *conn_action_name(enum conn_action a);
/* -EINVAL for an unknown name. */
int conn_action_parse(const char *name, enum conn_action *ret);

struct conn_poll; /* a connector's per-poll state */

struct connector {
	const char *platform;    /* "facebook" … as in Platform= */
	const char *default_url; /* the real API's base URL; NULL when the platform has no
	                          * single host (Mastodon): ApiBaseUrl= is then required */
	unsigned actions;        /* bit (1u << conn_action) per action the platform allows */
	int max_concurrency;     /* requests in flight per account */

	/* Per-poll state; 0, -ENOMEM, or -EINVAL for a cursor it cannot read
	 * (the driver then logs and starts from the backfill horizon). */
	int (*poll_new)(const struct conn_account *acc, struct conn_poll **ret);
	/* The next request to make: 1 and *ret filled, 0 when nothing more can
	 * start now (more may follow after answers), negative errno. */
	int (*poll_next)(struct conn_poll *p, struct conn_request *ret);
	/* The answer to request req (as poll_next made it).  Fills *b (already
	 * initialised).  A transient failure (b->outcome CONN_RETRY) leaves the
	 * poll able to be offered the same request again by poll_next.
	 *
	 * A transfer that brought no answer (timeout, connect error, an answer
	 * over the size cap, a broken connection) is handed over too, as
	 * status 0 with an empty body and no headers: the connector treats it
	 * as CONN_RETRY and offers the request again, exactly as for a 503.
	 * The driver waits (backoff, Retry-After) before it calls poll_next
	 * again, and a poll that has nothing in flight, is offered nothing and
	 * is not done ends as failed. */
	int (*poll_answer)(struct conn_poll *p, const struct conn_request *req,
	                   const struct conn_answer *a, struct conn_batch *b);
	/* true when nothing is left to fetch in this poll. */
	bool (*poll_done)(const struct conn_poll *p);
	void (*poll_free)(struct conn_poll *p);

	/* An action on one item: fills *ret; -EOPNOTSUPP when the platform
	 * does not allow it on this kind (the driver records not_allowed).
	 * author_id is the item's author as stored (NULL when withheld): a
	 * report or a block names the author on some platforms. */
	int (*action_request)(const struct conn_account *acc, enum conn_action act,
	                      const char *platform_id, const char *kind, const char *author_id,
	                      struct conn_request *ret);
	/* What the action's answer means (CONN_OK done, CONN_GONE already gone …). */
	enum conn_outcome (*action_answer)(const struct conn_answer *a, struct conn_rate *rate,
	                                   char **ret_message);

	/* How the token goes on a request: NULL means "Authorization: Bearer
	 * TOKEN"; otherwise fills *ret with a malloc'ed header line or query
	 * parameter, as the platform wants. */
	int (*authorize)(const char *token, struct conn_request *req);
};

/* The connector of a platform name, NULL when none. */
const struct connector *connector_find(const char *platform);

/* Times: util/clock.h's clock_parse_iso8601() reads every platform's
 * form, including Graph's "2019-06-13T08:15:30+0000". */
