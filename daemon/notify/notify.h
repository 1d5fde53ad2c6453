/* Delivery of one escalation message to one recipient over one channel:
 * e-mail through libcurl SMTP, or a webhook (generic JSON, Microsoft Teams,
 * Slack, Matrix) through libcurl HTTP.  Webhooks run on the daemon's
 * curlev; SMTP on worker threads with a curlev each, because libcurl 7.88
 * blocks while it waits for the answer to a message (notify/smtp-worker.h).
 * Every done callback runs on the daemon's loop.
 *
 * This module knows nothing of why a message is sent: the outbox
 * (escalation triggers, routes, retries, acknowledgement) decides what to
 * send to whom and when, keeps each delivery's state in the store, and
 * calls notify_send() for one attempt at a time.  notify renders the
 * message for the channel (MIME with a UTF-8 subject, Date, a Message-ID
 * derived from the message key; the webhook's JSON shape) and reports how
 * the attempt ended.  It never retries by itself: retry state belongs to
 * the outbox, one per (escalation, recipient, channel), so one dead channel
 * never blocks the others.
 *
 * Recipients are written in the configuration as an e-mail address
 * ("name@example.se") or "webhook:NAME", NAME a [Webhook NAME] section of
 * vaktd.conf. */
#pragma once

#include <stdint.h>

struct config;
struct curlev;
struct diag_list;
struct notify;

/* A message (strings borrowed for the call; notify copies what it keeps). */
struct notify_message {
	const char *key;     /* stable escalation key: Message-ID and idempotency key */
	const char *kind;    /* "threat" "warning" "breach" "health" "pileon" "test" */
	int level;           /* escalation step, 0 first */
	const char *subject; /* UTF-8, one line */
	const char *text;    /* UTF-8 body, already masked by the caller */
	const char *html;    /* NULL, or an HTML body for the e-mail's alternative part */
	const char *ack_url; /* NULL, or the signed acknowledgement link */
	const char *account; /* NULL when not about one account */
	const char *unit;
	int64_t item_id;    /* 0 when not about one item */
	int64_t due_at;     /* epoch µs, 0 when none */
	int count;          /* items grouped in this message (a pile-on), 1 otherwise */
	int64_t created_at; /* epoch µs: the Date: of the e-mail */
};

enum notify_channel {
	NOTIFY_EMAIL = 0,
	NOTIFY_WEBHOOK,
};

/* A parsed recipient: "a@b.se" → EMAIL, "webhook:NAME" → WEBHOOK. */
struct notify_target {
	enum notify_channel channel;
	char address[256]; /* the e-mail address, or the webhook's NAME */
};

/* -EINVAL for anything else (no '@', empty NAME, control characters). */
int notify_target_parse(const char *recipient, struct notify_target *ret);

/* Whether cfg can deliver to t: an [Email] section with SmtpUrl= for
 * e-mail, a [Webhook NAME] section for a webhook.  0 or -ENOENT. */
int notify_target_check(const struct config *cfg, const struct notify_target *t);

enum notify_result {
	NOTIFY_SENT = 0, /* the server took it (SMTP 250 after DATA, HTTP 2xx) */
	NOTIFY_RETRY,    /* try again later: timeout, refused, 4xx SMTP, 5xx/429 HTTP */
	NOTIFY_FAILED,   /* will not heal by retrying: bad address, 4xx HTTP, not configured */
};

/* Ends one attempt; detail is a short human reason (never a secret),
 * borrowed for the call. */
typedef void (*notify_done_fn)(void *arg, enum notify_result r, const char *detail);

/* The delay a webhook asked for with Retry-After (HTTP 429, 503), as
 * whole seconds (0..86400), when detail (of a NOTIFY_RETRY) carries one:
 * it is written "...; retry-after=SECONDS".  0 or -ENOENT. */
int notify_detail_retry_after(const char *detail, int64_t *ret_sec);

/* A channel context for the configuration cfg (copied: a reload frees the
 * old configuration, transfers keep their own copy), on engine e. */
int notify_new(struct curlev *e, const struct config *cfg, struct notify **ret);
/* After a reload: sends in flight keep the old settings, new ones use cfg. */
int notify_reconfigure(struct notify *n, const struct config *cfg);

/* One attempt.  done runs once from the loop, also on immediate failure.
 * 0 or a negative errno (then done does not run). */
int notify_send(struct notify *n, const struct notify_target *t, const struct notify_message *m,
                notify_done_fn done, void *arg);

/* Abandons sends in flight: their done runs with NOTIFY_RETRY, "aborted"
 * (the outbox keeps them pending for the next start).  NULL does nothing. */
void notify_free(struct notify *n);
