/* Rendering a message for e-mail and webhooks (see notify-render.h). */
#include "notify/notify-render.h"

#include <cjson/cJSON.h>
#include <errno.h>
#include <openssl/evp.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "filter/utf8.h"
#include "util/civil.h"

/* Longest subject kept, in bytes: an escalation's subject is one line. */
#define SUBJECT_MAX 512
/* An encoded-word holds at most 75 characters: "=?UTF-8?B?" + 60 base64
 * characters + "?=" = 72, i.e. 45 bytes of UTF-8 per word. */
#define EW_BYTES 45

static void key_digest(const char *key, unsigned char md[32])
{
	unsigned int n = 0;
	EVP_Digest(key, strlen(key), md, &n, EVP_sha256(), NULL);
}

static void hex16(const unsigned char *md, char out[33])
{
	static const char hex[] = "0123456789abcdef";
	for (int i = 0; i < 16; i++) {
		out[2 * i] = hex[md[i] >> 4];
		out[2 * i + 1] = hex[md[i] & 15];
	}
	out[32] = '\0';
}

/* A domain safe inside a Message-ID: letters, digits, '.', '-'. */
static bool domain_ok(const char *d)
{
	if (!*d || strlen(d) > 253)
		return false;
	for (; *d; d++)
		if (!((*d >= 'a' && *d <= 'z') || (*d >= 'A' && *d <= 'Z') ||
		      (*d >= '0' && *d <= '9') || *d == '.' || *d == '-'))
			return false;
	return true;
}

void notify_message_id(const char *key, const char *from, char out[NOTIFY_MSGID_MAX])
{
	unsigned char md[32];
	char h[33];
	const char *at = from ? strrchr(from, '@') : NULL;
	const char *domain = at && domain_ok(at + 1) ? at + 1 : "localhost";

	key_digest(key, md);
	hex16(md, h);
	snprintf(out, NOTIFY_MSGID_MAX, "<%s@vakt.%s>", h, domain);
}

void notify_txn_id(const char *key, char out[NOTIFY_TXN_MAX])
{
	unsigned char md[32];
	char h[33];

	key_digest(key, md);
	hex16(md, h);
	snprintf(out, NOTIFY_TXN_MAX, "vakt-%s", h);
}

struct utc {
	struct civil_date d;
	int wday; /* 0 = Monday */
	int h, m, s;
};

static struct utc utc_of(int64_t usec)
{
	int64_t sec = usec / 1000000;
	if (usec < 0 && usec % 1000000)
		sec--;
	int64_t dn = sec / 86400, sod = sec % 86400;
	if (sod < 0) {
		sod += 86400;
		dn--;
	}
	return (struct utc){ civil_date_from_days(dn), civil_weekday(dn), (int)(sod / 3600),
		             (int)(sod / 60 % 60), (int)(sod % 60) };
}

void notify_rfc5322_date(int64_t usec, char out[40])
{
	static const char *const days[] = { "Mon", "Tue", "Wed", "Thu", "Fri", "Sat", "Sun" };
	static const char *const months[] = { "Jan", "Feb", "Mar", "Apr", "May", "Jun",
		                              "Jul", "Aug", "Sep", "Oct", "Nov", "Dec" };
	struct utc t = utc_of(usec);
	snprintf(out, 40, "%s, %02d %s %04d %02d:%02d:%02d +0000", days[t.wday], t.d.day,
	         months[t.d.month - 1], t.d.year, t.h, t.m, t.s);
}

void notify_rfc3339(int64_t usec, char out[32])
{
	struct utc t = utc_of(usec);
	snprintf(out, 32, "%04d-%02d-%02dT%02d:%02d:%02dZ", t.d.year, t.d.month, t.d.day, t.h, t.m,
	         t.s);
}

static bool has_control(const char *s)
{
	for (; *s; s++)
		if ((unsigned char)*s < 0x20 || *s == 0x7f)
			return true;
	return false;
}

/* Valid UTF-8 copy of s (invalid sequences become U+FFFD), at most max
 * input bytes, never splitting a character. */
static char *clean_utf8(const char *s, size_t max)
{
	char *out = NULL;
	size_t len, used;
	if (utf8_sanitize(s, strlen(s), max, &out, &len, &used) < 0)
		return NULL;
	return out;
}

static int b64_add(struct strbuf *out, const unsigned char *p, size_t n)
{
	char buf[4 * ((EW_BYTES + 2) / 3) + 1];
	int k = EVP_EncodeBlock((unsigned char *)buf, p, (int)n);
	return strbuf_add(out, buf, (size_t)k);
}

int notify_subject_encode(const char *subject, struct strbuf *out)
{
	bool ascii = true;
	int r = 0;

	if (has_control(subject))
		return -EINVAL;
	for (const char *p = subject; *p; p++)
		if ((unsigned char)*p >= 0x80)
			ascii = false;
	/* "=?" in plain text would read as the start of an encoded-word. */
	if (ascii && strlen(subject) <= 66 && !strstr(subject, "=?"))
		return strbuf_adds(out, subject);

	char *s = clean_utf8(subject, SUBJECT_MAX);
	if (!s)
		return -ENOMEM;
	size_t len = strlen(s), pos = 0;
	while (pos < len && r == 0) {
		size_t n = len - pos < EW_BYTES ? len - pos : EW_BYTES;
		/* Back up to a character start: a word must hold whole characters. */
		while (pos + n < len && n > 0 && ((unsigned char)s[pos + n] & 0xC0) == 0x80)
			n--;
		if (pos)
			r = strbuf_adds(out, "\r\n ");
		if (r == 0)
			r = strbuf_adds(out, "=?UTF-8?B?");
		if (r == 0)
			r = b64_add(out, (const unsigned char *)s + pos, n);
		if (r == 0)
			r = strbuf_adds(out, "?=");
		pos += n;
	}
	free(s);
	return r;
}

int notify_qp_encode(const char *text, size_t len, struct strbuf *out)
{
	static const char hex[] = "0123456789ABCDEF";
	size_t col = 0;
	int r = 0;

	for (size_t i = 0; i < len && r == 0; i++) {
		unsigned char c = (unsigned char)text[i];
		char enc[4];
		size_t n;

		if (c == '\r' && i + 1 < len && text[i + 1] == '\n')
			continue; /* the '\n' writes the line end */
		if (c == '\n') {
			r = strbuf_adds(out, "\r\n");
			col = 0;
			continue;
		}
		bool line_end = i + 1 == len || text[i + 1] == '\n' ||
		                (text[i + 1] == '\r' && i + 2 < len && text[i + 2] == '\n');
		if ((c >= 33 && c <= 126 && c != '=') || ((c == ' ' || c == '\t') && !line_end)) {
			enc[0] = (char)c;
			n = 1;
		} else {
			enc[0] = '=';
			enc[1] = hex[c >> 4];
			enc[2] = hex[c & 15];
			n = 3;
		}
		/* 76 characters at most per line, the soft break '=' included. */
		if (col + n > 75) {
			r = strbuf_adds(out, "=\r\n");
			col = 0;
		}
		if (r == 0)
			r = strbuf_add(out, enc, n);
		col += n;
	}
	return r;
}

/* An address that may stand in a header as it is: no control characters,
 * no spaces, nothing that would open a display name, a group or a list. */
static bool address_ok(const char *a)
{
	const char *at = a ? strchr(a, '@') : NULL;
	if (!at || at == a || !at[1] || strlen(a) > 254)
		return false;
	for (; *a; a++)
		if ((unsigned char)*a <= 0x20 || *a == 0x7f || strchr("<>()[],;:\"\\", *a))
			return false;
	return true;
}

/* A word that may stand in an X- header: [a-z0-9-]. */
static bool word_ok(const char *s)
{
	if (!s || !*s || strlen(s) > 32)
		return false;
	for (; *s; s++)
		if (!((*s >= 'a' && *s <= 'z') || (*s >= '0' && *s <= '9') || *s == '-'))
			return false;
	return true;
}

/* The text, and the acknowledgement link when the text does not hold it. */
static int body_text(const struct notify_message *m, struct strbuf *out)
{
	char *t = clean_utf8(m->text, SIZE_MAX);
	int r;
	if (!t)
		return -ENOMEM;
	r = strbuf_adds(out, t);
	if (r == 0 && m->ack_url && *m->ack_url && !strstr(t, m->ack_url))
		r = strbuf_addf(out, "\n\n%s", m->ack_url);
	free(t);
	return r;
}

/* One text part.  In a multipart the CRLF before the next boundary
 * belongs to the boundary, so it is always added; a lone part only ends
 * its last line. */
static int add_part(struct strbuf *out, const char *type, const char *body, bool multipart)
{
	struct strbuf qp = { 0 };
	int r = notify_qp_encode(body, strlen(body), &qp);
	bool ends = qp.len >= 2 && qp.buf[qp.len - 1] == '\n';
	if (r == 0)
		r = strbuf_addf(out,
		                "Content-Type: %s; charset=UTF-8\r\n"
		                "Content-Transfer-Encoding: quoted-printable\r\n\r\n%s%s",
		                type, qp.buf ? qp.buf : "", multipart || !ends ? "\r\n" : "");
	strbuf_free(&qp);
	return r;
}

int notify_mime_render(const struct notify_message *m, const char *from, const char *to,
                       struct strbuf *out)
{
	char msgid[NOTIFY_MSGID_MAX], date[40], boundary[48];
	struct strbuf subj = { 0 }, text = { 0 };
	unsigned char md[32];
	char h[33];
	int r;

	if (!m->key || !*m->key || !m->subject || !m->text || !address_ok(from) || !address_ok(to))
		return -EINVAL;
	r = notify_subject_encode(m->subject, &subj);
	if (r < 0)
		goto out;
	r = body_text(m, &text);
	if (r < 0)
		goto out;
	notify_message_id(m->key, from, msgid);
	notify_rfc5322_date(m->created_at, date);
	key_digest(m->key, md);
	hex16(md, h);
	/* "=_" never occurs in quoted-printable output ('=' is always
	 * followed by a hex digit or a line end), so the boundary cannot
	 * appear inside a part. */
	snprintf(boundary, sizeof(boundary), "=_vakt_%s", h);

	r = strbuf_addf(out,
	                "From: %s\r\nTo: %s\r\nSubject: %s\r\nDate: %s\r\nMessage-ID: %s\r\n"
	                "MIME-Version: 1.0\r\nAuto-Submitted: auto-generated\r\n"
	                "X-Auto-Response-Suppress: All\r\n",
	                from, to, subj.buf ? subj.buf : "", date, msgid);
	if (r == 0 && word_ok(m->kind))
		r = strbuf_addf(out, "X-Vakt-Kind: %s\r\nX-Vakt-Level: %d\r\n", m->kind, m->level);
	if (r < 0)
		goto out;
	if (!m->html) {
		r = add_part(out, "text/plain", text.buf ? text.buf : "", false);
		goto out;
	}
	char *html = clean_utf8(m->html, SIZE_MAX);
	if (!html) {
		r = -ENOMEM;
		goto out;
	}
	r = strbuf_addf(out,
	                "Content-Type: multipart/alternative; boundary=\"%s\"\r\n\r\n"
	                "This is a MIME message.\r\n\r\n--%s\r\n",
	                boundary, boundary);
	if (r == 0)
		r = add_part(out, "text/plain", text.buf ? text.buf : "", true);
	if (r == 0)
		r = strbuf_addf(out, "--%s\r\n", boundary);
	if (r == 0)
		r = add_part(out, "text/html", html, true);
	if (r == 0)
		r = strbuf_addf(out, "--%s--\r\n", boundary);
	free(html);
out:
	strbuf_free(&subj);
	strbuf_free(&text);
	return r;
}

/* A string field, valid UTF-8, or JSON null for NULL. */
static bool add_str(cJSON *o, const char *name, const char *s)
{
	if (!s)
		return cJSON_AddNullToObject(o, name) != NULL;
	char *c = clean_utf8(s, SIZE_MAX);
	bool ok = c && cJSON_AddStringToObject(o, name, c);
	free(c);
	return ok;
}

static bool add_time(cJSON *o, const char *name, int64_t usec)
{
	char t[32];
	if (!usec)
		return cJSON_AddNullToObject(o, name) != NULL;
	notify_rfc3339(usec, t);
	return cJSON_AddStringToObject(o, name, t) != NULL;
}

static cJSON *render_json(const struct notify_message *m)
{
	cJSON *o = cJSON_CreateObject();
	bool ok = o && cJSON_AddNumberToObject(o, "version", 1) && add_str(o, "key", m->key) &&
	          add_str(o, "kind", m->kind) && cJSON_AddNumberToObject(o, "level", m->level) &&
	          add_str(o, "subject", m->subject) && add_str(o, "text", m->text) &&
	          add_str(o, "account", m->account) && add_str(o, "unit", m->unit);
	if (ok)
		ok = m->item_id ? cJSON_AddNumberToObject(o, "item_id", (double)m->item_id) != NULL
		                : cJSON_AddNullToObject(o, "item_id") != NULL;
	ok = ok && add_time(o, "due_at", m->due_at) &&
	     cJSON_AddNumberToObject(o, "count", m->count > 0 ? m->count : 1) &&
	     add_str(o, "ack_url", m->ack_url && *m->ack_url ? m->ack_url : NULL) &&
	     add_time(o, "created_at", m->created_at);
	if (!ok) {
		cJSON_Delete(o);
		return NULL;
	}
	return o;
}

static cJSON *text_block(const char *text, bool bold)
{
	cJSON *b = cJSON_CreateObject();
	char *c = clean_utf8(text, SIZE_MAX);
	bool ok = b && c && cJSON_AddStringToObject(b, "type", "TextBlock") &&
	          cJSON_AddStringToObject(b, "text", c) && cJSON_AddBoolToObject(b, "wrap", 1);
	if (ok && bold)
		ok = cJSON_AddStringToObject(b, "weight", "Bolder") &&
		     cJSON_AddStringToObject(b, "size", "Medium");
	free(c);
	if (!ok) {
		cJSON_Delete(b);
		return NULL;
	}
	return b;
}

/* An incoming-webhook message for Microsoft Teams: one Adaptive Card, the
 * shape both the old connectors and Workflows accept. */
static cJSON *render_teams(const struct notify_message *m)
{
	cJSON *o = cJSON_CreateObject(), *atts, *att, *card, *body, *actions, *act;
	bool ok = o && cJSON_AddStringToObject(o, "type", "message") &&
	          (atts = cJSON_AddArrayToObject(o, "attachments")) &&
	          (att = cJSON_CreateObject()) && cJSON_AddItemToArray(atts, att) &&
	          cJSON_AddStringToObject(att, "contentType",
	                                  "application/vnd.microsoft.card.adaptive") &&
	          (card = cJSON_AddObjectToObject(att, "content")) &&
	          cJSON_AddStringToObject(card, "$schema",
	                                  "http://adaptivecards.io/schemas/adaptive-card.json") &&
	          cJSON_AddStringToObject(card, "type", "AdaptiveCard") &&
	          cJSON_AddStringToObject(card, "version", "1.4") &&
	          (body = cJSON_AddArrayToObject(card, "body")) &&
	          cJSON_AddItemToArray(body, text_block(m->subject, true)) &&
	          cJSON_AddItemToArray(body, text_block(m->text, false));
	if (ok && m->ack_url && *m->ack_url)
		ok = (actions = cJSON_AddArrayToObject(card, "actions")) &&
		     (act = cJSON_CreateObject()) && cJSON_AddItemToArray(actions, act) &&
		     cJSON_AddStringToObject(act, "type", "Action.OpenUrl") &&
		     cJSON_AddStringToObject(act, "title", "Kvittera / Acknowledge") &&
		     add_str(act, "url", m->ack_url);
	if (!ok) {
		cJSON_Delete(o);
		return NULL;
	}
	return o;
}

/* Slack reads '<', '>' and '&' in "text" as markup (links, mentions such as
 * <!channel>): escaped, a comment cannot ping a whole channel. */
static char *slack_escape(const char *s, size_t max)
{
	struct strbuf b = { 0 };
	char *c = clean_utf8(s, max);
	int r = c ? strbuf_add(&b, "", 0) : -ENOMEM;
	for (const char *p = c; r == 0 && *p; p++)
		r = *p == '<'   ? strbuf_adds(&b, "&lt;")
		    : *p == '>' ? strbuf_adds(&b, "&gt;")
		    : *p == '&' ? strbuf_adds(&b, "&amp;")
		                : strbuf_add(&b, p, 1);
	free(c);
	if (r < 0) {
		strbuf_free(&b);
		return NULL;
	}
	return b.buf;
}

static cJSON *plain(const char *type, const char *text)
{
	cJSON *o = cJSON_CreateObject(), *t;
	bool ok = o && cJSON_AddStringToObject(o, "type", type) &&
	          (t = cJSON_AddObjectToObject(o, "text")) &&
	          cJSON_AddStringToObject(t, "type", "plain_text") &&
	          cJSON_AddStringToObject(t, "text", text);
	if (!ok) {
		cJSON_Delete(o);
		return NULL;
	}
	return o;
}

/* Slack incoming webhook: "text" (the notification and fallback) and
 * blocks in plain_text, within Slack's limits (header 150 characters,
 * section 3000). */
static cJSON *render_slack(const struct notify_message *m)
{
	struct strbuf fb = { 0 };
	char *subj = slack_escape(m->subject, 600), *text = slack_escape(m->text, 2800);
	char *hdr = clean_utf8(m->subject, 140), *sect = clean_utf8(m->text, 2900);
	cJSON *o = cJSON_CreateObject(), *blocks, *actions, *btn, *el;
	bool ok = o && subj && text && hdr && sect &&
	          strbuf_addf(&fb, "*%s*\n%s", subj, text) == 0 &&
	          cJSON_AddStringToObject(o, "text", fb.buf) &&
	          (blocks = cJSON_AddArrayToObject(o, "blocks")) &&
	          cJSON_AddItemToArray(blocks, plain("header", hdr)) &&
	          cJSON_AddItemToArray(blocks, plain("section", sect));
	if (ok && m->ack_url && *m->ack_url)
		ok = (actions = cJSON_CreateObject()) && cJSON_AddItemToArray(blocks, actions) &&
		     cJSON_AddStringToObject(actions, "type", "actions") &&
		     (el = cJSON_AddArrayToObject(actions, "elements")) &&
		     (btn = plain("button", "Kvittera / Acknowledge")) &&
		     cJSON_AddItemToArray(el, btn) && add_str(btn, "url", m->ack_url);
	free(subj);
	free(text);
	free(hdr);
	free(sect);
	strbuf_free(&fb);
	if (!ok) {
		cJSON_Delete(o);
		return NULL;
	}
	return o;
}

/* m.room.message, m.text: plain body only (no HTML to escape). */
static cJSON *render_matrix(const struct notify_message *m)
{
	struct strbuf b = { 0 };
	cJSON *o = cJSON_CreateObject();
	char *subj = clean_utf8(m->subject, SUBJECT_MAX);
	int r = subj ? strbuf_addf(&b, "%s\n\n", subj) : -ENOMEM;
	if (r == 0)
		r = body_text(m, &b);
	bool ok = o && r == 0 && cJSON_AddStringToObject(o, "msgtype", "m.text") &&
	          cJSON_AddStringToObject(o, "body", b.buf);
	free(subj);
	strbuf_free(&b);
	if (!ok) {
		cJSON_Delete(o);
		return NULL;
	}
	return o;
}

int notify_webhook_render(enum config_webhook_type t, const struct notify_message *m, char **ret)
{
	cJSON *o;

	if (!m->key || !*m->key || !m->subject || !m->text)
		return -EINVAL;
	switch (t) {
	case CONFIG_WEBHOOK_JSON:
		o = render_json(m);
		break;
	case CONFIG_WEBHOOK_TEAMS:
		o = render_teams(m);
		break;
	case CONFIG_WEBHOOK_SLACK:
		o = render_slack(m);
		break;
	case CONFIG_WEBHOOK_MATRIX:
		o = render_matrix(m);
		break;
	default:
		return -EINVAL;
	}
	if (!o)
		return -ENOMEM;
	char *s = cJSON_PrintUnformatted(o);
	cJSON_Delete(o);
	if (!s)
		return -ENOMEM;
	*ret = s;
	return 0;
}

int notify_matrix_url(const char *homeserver, const char *room, const char *txn, char **ret)
{
	static const char hex[] = "0123456789ABCDEF";
	struct strbuf b = { 0 };
	size_t hl = strlen(homeserver);
	int r;

	while (hl && homeserver[hl - 1] == '/')
		hl--;
	r = strbuf_addf(&b, "%.*s/_matrix/client/v3/rooms/", (int)hl, homeserver);
	for (const char *p = room; r == 0 && *p; p++) {
		unsigned char c = (unsigned char)*p;
		if ((c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') ||
		    c == '-' || c == '.' || c == '_' || c == '~')
			r = strbuf_add(&b, p, 1);
		else
			r = strbuf_addf(&b, "%%%c%c", hex[c >> 4], hex[c & 15]);
	}
	if (r == 0)
		r = strbuf_addf(&b, "/send/m.room.message/%s", txn);
	if (r < 0) {
		strbuf_free(&b);
		return -ENOMEM;
	}
	*ret = b.buf;
	return 0;
}
