/* How a message looks on each channel: the e-mail (RFC 5322 headers, MIME
 * parts) and each webhook's JSON.  Pure functions of the message, so the
 * unit tests check every shape without a network.
 *
 * Nothing here adds data the message does not hold: the text arrives
 * masked from the outbox and goes out as it is (invalid UTF-8 replaced by
 * U+FFFD), never enriched from the item. */
#pragma once

#include <stddef.h>
#include <stdint.h>

#include "config/config.h"
#include "notify/notify.h"
#include "util/strbuf.h"

/* "<" 32 hex digits "@vakt." domain ">" */
#define NOTIFY_MSGID_MAX 320
/* "vakt-" and 32 hex digits */
#define NOTIFY_TXN_MAX 40

/* The Message-ID for key, the domain taken from the From address: the same
 * key always gives the same id, so a receiver drops a repeat. */
void notify_message_id(const char *key, const char *from, char out[NOTIFY_MSGID_MAX]);

/* A Matrix transaction id (and the idempotency value) derived from key. */
void notify_txn_id(const char *key, char out[NOTIFY_TXN_MAX]);

/* RFC 5322 date-time of an epoch-µs instant, in UTC:
 * "Fri, 04 Dec 2026 02:03:12 +0000". */
void notify_rfc5322_date(int64_t usec, char out[40]);

/* RFC 3339 in UTC: "2026-12-04T02:03:12Z". */
void notify_rfc3339(int64_t usec, char out[32]);

/* The value of a Subject: header: the subject itself when it is short
 * printable ASCII, else RFC 2047 encoded-words (UTF-8, base64) folded onto
 * continuation lines, never splitting a character.  -EINVAL when the
 * subject holds a control character (CR and LF included: no header
 * injection), -ENOMEM. */
int notify_subject_encode(const char *subject, struct strbuf *out);

/* Quoted-printable (RFC 2045) of text with CRLF line ends. */
int notify_qp_encode(const char *text, size_t len, struct strbuf *out);

/* The whole e-mail, CRLF line ends, ready for SMTP DATA (libcurl does the
 * dot-stuffing).  -EINVAL for a missing key, subject or text, a control
 * character in the subject or a bad address; -ENOMEM. */
int notify_mime_render(const struct notify_message *m, const char *from, const char *to,
                       struct strbuf *out);

/* The JSON body of a webhook of type t (a malloc'd string in *ret).
 * -EINVAL for a missing key, subject or text; -ENOMEM.  The generic JSON's
 * schema is in docs/configuration.md ("Webhook JSON"). */
int notify_webhook_render(enum config_webhook_type t, const struct notify_message *m, char **ret);

/* The Matrix send URL: HOMESERVER/_matrix/client/v3/rooms/ROOM/send/
 * m.room.message/TXN with the room id percent-encoded.  0 or -ENOMEM. */
int notify_matrix_url(const char *homeserver, const char *room, const char *txn, char **ret);
