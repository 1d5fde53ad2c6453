/* How a message looks on each channel: the e-mail's headers and MIME parts
 * (encoded subject round-trips, Date, stable Message-ID, no header
 * injection) and each webhook's JSON; recipients and Retry-After. */
#include <cjson/cJSON.h>
#include <errno.h>
#include <openssl/evp.h>
#include <stdbool.h>

#include "t.h"

#include "notify/notify-render.h"
#include "notify/notify.h"
#include "util/civil.h"

/* 2026-12-04T02:03:12Z */
static int64_t instant(void)
{
	return (civil_days_from_date(2026, 12, 4) * 86400 + 2 * 3600 + 3 * 60 + 12) * 1000000;
}

static struct notify_message msg(void)
{
	return (struct notify_message){
		.key = "esc:42:warning:0",
		.kind = "warning",
		.level = 0,
		.subject = "Varning: fråga väntar på svar",
		.text = "Kommentar: Hej, när öppnar badet? Ring 070-*** ***.\nSvara före fredag.",
		.ack_url = "https://vakt.example.se/ack/42?sig=abc",
		.account = "kultur-fb",
		.unit = "kultur",
		.item_id = 42,
		.due_at = instant() + 3600 * 1000000LL,
		.count = 1,
		.created_at = instant(),
	};
}

/* Decode a Subject: header value made of encoded-words (or plain text). */
static char *decode_subject(const char *v)
{
	static char out[2048];
	size_t n = 0;
	out[0] = '\0';
	while (*v) {
		if (strncmp(v, "=?UTF-8?B?", 10) == 0) {
			const char *end = strstr(v + 10, "?=");
			if (!end)
				return NULL;
			unsigned char buf[256];
			int k = EVP_DecodeBlock(buf, (const unsigned char *)v + 10,
			                        (int)(end - v - 10));
			if (k < 0)
				return NULL;
			/* EVP_DecodeBlock counts the padding as bytes. */
			for (const char *p = end - 1; *p == '='; p--)
				k--;
			memcpy(out + n, buf, (size_t)k);
			n += (size_t)k;
			v = end + 2;
		} else if (strncmp(v, "\r\n ", 3) == 0) {
			v += 3; /* folding between two encoded-words is dropped */
		} else {
			out[n++] = *v++;
		}
		out[n] = '\0';
	}
	return out;
}

static bool valid_utf8(const unsigned char *s, size_t n)
{
	for (size_t i = 0; i < n;) {
		int k = s[i] < 0x80 ? 1 : (s[i] & 0xE0) == 0xC0 ? 2 : (s[i] & 0xF0) == 0xE0 ? 3 : 4;
		if (i + (size_t)k > n)
			return false;
		for (int j = 1; j < k; j++)
			if ((s[i + j] & 0xC0) != 0x80)
				return false;
		i += (size_t)k;
	}
	return true;
}

static void test_ascii_subject_stays_plain(void)
{
	struct strbuf b = { 0 };
	T_EQ_INT(0, notify_subject_encode("Threat on kultur-fb", &b));
	T_EQ_STR("Threat on kultur-fb", b.buf);
	strbuf_free(&b);
}

static void test_utf8_subject_round_trips_in_short_words(void)
{
	const char *subjects[] = {
		"Varning: fråga väntar på svar",
		"Hot mot medarbetare på Kulturförvaltningens sida – åtgärda omedelbart, "
		"ärende öppnat kl. 02:03 ÅÄÖ åäö 😀😀😀😀😀😀😀😀",
		"An ASCII subject that is long enough to need more than one encoded word "
		"because it goes on and on",
		"=?UTF-8?B?Zm9v?= is not an encoded word here",
	};
	for (size_t i = 0; i < sizeof(subjects) / sizeof(subjects[0]); i++) {
		struct strbuf b = { 0 };
		T_EQ_INT(0, notify_subject_encode(subjects[i], &b));
		T_EQ_STR(subjects[i], decode_subject(b.buf));
		/* Every encoded-word within 75 characters and whole characters. */
		for (char *line = b.buf; line && *line;) {
			char *nl = strstr(line, "\r\n");
			size_t len = nl ? (size_t)(nl - line) : strlen(line);
			T_ASSERT(len <= 76);
			const char *w = strstr(line, "=?UTF-8?B?");
			T_ASSERT(w != NULL);
			if (w) {
				unsigned char buf[128];
				const char *end = strstr(w + 10, "?=");
				int k = EVP_DecodeBlock(buf, (const unsigned char *)w + 10,
				                        (int)(end - w - 10));
				for (const char *p = end - 1; *p == '='; p--)
					k--;
				T_ASSERT(valid_utf8(buf, (size_t)k));
			}
			line = nl ? nl + 3 : NULL;
		}
		strbuf_free(&b);
	}
}

static void test_line_breaks_in_subject_are_refused(void)
{
	struct strbuf b = { 0 };
	T_EQ_INT(-EINVAL, notify_subject_encode("hi\r\nBcc: everyone@example.se", &b));
	T_EQ_INT(-EINVAL, notify_subject_encode("hi\nBcc: x@example.se", &b));
	T_EQ_INT(-EINVAL, notify_subject_encode("tab\there", &b));
	T_EQ_INT(-EINVAL, notify_subject_encode("åäö\rX", &b));
	strbuf_free(&b);

	struct notify_message m = msg();
	m.subject = "Varning\r\nBcc: all@example.se";
	struct strbuf mail = { 0 };
	T_EQ_INT(-EINVAL, notify_mime_render(&m, "vakt@stad.example.se", "chef@example.se", &mail));
	m = msg();
	T_EQ_INT(-EINVAL, notify_mime_render(&m, "vakt@stad.example.se",
	                                     "chef@example.se\r\nBcc: x@y.se", &mail));
	T_EQ_INT(-EINVAL,
	         notify_mime_render(&m, "vakt@stad.example.se", "Chef <chef@example.se>", &mail));
	T_EQ_INT(-EINVAL, notify_mime_render(&m, "vakt@stad.example.se\n", "c@example.se", &mail));
	T_EQ_INT(0, mail.len);
	strbuf_free(&mail);
}

static void test_date_is_rfc5322_in_utc(void)
{
	char d[40];
	notify_rfc5322_date(instant(), d);
	T_EQ_STR("Fri, 04 Dec 2026 02:03:12 +0000", d);
	notify_rfc5322_date(0, d);
	T_EQ_STR("Thu, 01 Jan 1970 00:00:00 +0000", d);
	notify_rfc5322_date(civil_days_from_date(2028, 2, 29) * 86400000000LL + 999999, d);
	T_EQ_STR("Tue, 29 Feb 2028 00:00:00 +0000", d);
	char t[32];
	notify_rfc3339(instant(), t);
	T_EQ_STR("2026-12-04T02:03:12Z", t);
}

static void test_message_id_is_stable_per_key(void)
{
	char a[NOTIFY_MSGID_MAX], b[NOTIFY_MSGID_MAX], c[NOTIFY_MSGID_MAX];
	notify_message_id("esc:42:warning:0", "vakt@stad.example.se", a);
	notify_message_id("esc:42:warning:0", "vakt@stad.example.se", b);
	notify_message_id("esc:42:warning:1", "vakt@stad.example.se", c);
	T_EQ_STR(a, b);
	T_ASSERT(strcmp(a, c) != 0);
	T_EQ_INT(1 + 32 + strlen("@vakt.stad.example.se>"), strlen(a));
	T_ASSERT(a[0] == '<');
	T_CONTAINS(a, "@vakt.stad.example.se>");
	/* A domain that could break the header falls back to localhost. */
	notify_message_id("k", "x@bad>domain", c);
	T_CONTAINS(c, "@vakt.localhost>");
}

static bool crlf_only(const char *s)
{
	for (const char *p = s; *p; p++)
		if (*p == '\n' && (p == s || p[-1] != '\r'))
			return false;
	return true;
}

static size_t longest_line(const char *s)
{
	size_t best = 0;
	while (*s) {
		const char *nl = strstr(s, "\r\n");
		size_t len = nl ? (size_t)(nl - s) : strlen(s);
		if (len > best)
			best = len;
		s = nl ? nl + 2 : s + len;
	}
	return best;
}

static void test_plain_mail_has_every_header(void)
{
	struct notify_message m = msg();
	struct strbuf mail = { 0 };
	char id[NOTIFY_MSGID_MAX];
	T_EQ_INT(0, notify_mime_render(&m, "vakt@stad.example.se", "chef@example.se", &mail));
	notify_message_id(m.key, "vakt@stad.example.se", id);
	T_CONTAINS(mail.buf, "From: vakt@stad.example.se\r\n");
	T_CONTAINS(mail.buf, "To: chef@example.se\r\n");
	T_CONTAINS(mail.buf, "Subject: =?UTF-8?B?");
	T_CONTAINS(mail.buf, "Date: Fri, 04 Dec 2026 02:03:12 +0000\r\n");
	T_CONTAINS(mail.buf, id);
	T_CONTAINS(mail.buf, "MIME-Version: 1.0\r\n");
	T_CONTAINS(mail.buf, "Auto-Submitted: auto-generated\r\n");
	T_CONTAINS(mail.buf, "Content-Type: text/plain; charset=UTF-8\r\n");
	T_CONTAINS(mail.buf, "Content-Transfer-Encoding: quoted-printable\r\n");
	T_CONTAINS(mail.buf, "n=C3=A4r =C3=B6ppnar");
	T_CONTAINS(mail.buf, "https://vakt.example.se/ack/42?sig=3Dabc");
	T_ASSERT(strstr(mail.buf, "multipart") == NULL);
	T_ASSERT(crlf_only(mail.buf));
	T_ASSERT(longest_line(mail.buf) <= 78);
	strbuf_free(&mail);
}

static void test_html_makes_an_alternative(void)
{
	struct notify_message m = msg();
	struct strbuf mail = { 0 };
	m.html = "<p>Fr&aring;ga v&auml;ntar</p>";
	T_EQ_INT(0, notify_mime_render(&m, "vakt@stad.example.se", "chef@example.se", &mail));
	T_CONTAINS(mail.buf, "Content-Type: multipart/alternative; boundary=\"=_vakt_");
	const char *b = strstr(mail.buf, "boundary=\"") + 10;
	char boundary[64];
	snprintf(boundary, sizeof(boundary), "--%.*s", (int)(strchr(b, '"') - b), b);
	const char *p1 = strstr(mail.buf, boundary);
	T_ASSERT(p1 != NULL);
	const char *plain = strstr(mail.buf, "text/plain; charset=UTF-8");
	const char *html = strstr(mail.buf, "text/html; charset=UTF-8");
	T_ASSERT(plain && html && plain < html);
	char closing[80];
	snprintf(closing, sizeof(closing), "%s--\r\n", boundary);
	T_CONTAINS(mail.buf, closing);
	T_ASSERT(crlf_only(mail.buf));
	strbuf_free(&mail);
}

static void test_quoted_printable_breaks_and_escapes(void)
{
	struct strbuf b = { 0 };
	char line[300];
	memset(line, 'a', sizeof(line) - 1);
	line[sizeof(line) - 1] = '\0';
	T_EQ_INT(0, notify_qp_encode(line, strlen(line), &b));
	T_ASSERT(longest_line(b.buf) <= 76);
	T_CONTAINS(b.buf, "=\r\n");
	strbuf_free(&b);
	memset(&b, 0, sizeof(b));
	T_EQ_INT(0, notify_qp_encode("a=b \nend\t", 9, &b));
	T_EQ_STR("a=3Db=20\r\nend=09", b.buf);
	strbuf_free(&b);
	memset(&b, 0, sizeof(b));
	T_EQ_INT(0, notify_qp_encode(".\r\nx", 4, &b));
	T_EQ_STR(".\r\nx", b.buf);
	strbuf_free(&b);
}

static cJSON *render(enum config_webhook_type t, const struct notify_message *m)
{
	char *s = NULL;
	T_EQ_INT(0, notify_webhook_render(t, m, &s));
	cJSON *j = s ? cJSON_Parse(s) : NULL;
	T_ASSERT(j != NULL);
	free(s);
	return j;
}

static const char *jstr(const cJSON *o, const char *name)
{
	const cJSON *v = cJSON_GetObjectItemCaseSensitive(o, name);
	return cJSON_IsString(v) ? v->valuestring : NULL;
}

static void test_generic_json_has_the_documented_schema(void)
{
	struct notify_message m = msg();
	cJSON *j = render(CONFIG_WEBHOOK_JSON, &m);
	static const char *const keys[] = { "version", "key",     "kind",      "level",   "subject",
		                            "text",    "account", "unit",      "item_id", "due_at",
		                            "count",   "ack_url", "created_at" };
	int n = 0;
	for (cJSON *c = j ? j->child : NULL; c; c = c->next)
		n++;
	/* Exactly the schema's fields: nothing of the item beyond the message. */
	T_EQ_INT(sizeof(keys) / sizeof(keys[0]), n);
	for (size_t i = 0; i < sizeof(keys) / sizeof(keys[0]); i++)
		T_ASSERT(cJSON_GetObjectItemCaseSensitive(j, keys[i]) != NULL);
	T_EQ_INT(1, cJSON_GetObjectItem(j, "version")->valueint);
	T_EQ_STR("esc:42:warning:0", jstr(j, "key"));
	T_EQ_STR("warning", jstr(j, "kind"));
	T_EQ_STR(m.subject, jstr(j, "subject"));
	T_EQ_STR(m.text, jstr(j, "text"));
	T_EQ_INT(42, cJSON_GetObjectItem(j, "item_id")->valuedouble);
	T_EQ_STR("2026-12-04T03:03:12Z", jstr(j, "due_at"));
	T_EQ_STR("2026-12-04T02:03:12Z", jstr(j, "created_at"));
	cJSON_Delete(j);

	m.due_at = 0;
	m.item_id = 0;
	m.account = NULL;
	m.ack_url = NULL;
	j = render(CONFIG_WEBHOOK_JSON, &m);
	T_ASSERT(cJSON_IsNull(cJSON_GetObjectItem(j, "due_at")));
	T_ASSERT(cJSON_IsNull(cJSON_GetObjectItem(j, "item_id")));
	T_ASSERT(cJSON_IsNull(cJSON_GetObjectItem(j, "account")));
	T_ASSERT(cJSON_IsNull(cJSON_GetObjectItem(j, "ack_url")));
	cJSON_Delete(j);
}

static void test_invalid_utf8_still_makes_valid_json(void)
{
	struct notify_message m = msg();
	m.text = "bad \xff\xfe bytes \xc3";
	for (int t = CONFIG_WEBHOOK_JSON; t <= CONFIG_WEBHOOK_MATRIX; t++) {
		char *s = NULL;
		T_EQ_INT(0, notify_webhook_render((enum config_webhook_type)t, &m, &s));
		T_ASSERT(s && valid_utf8((const unsigned char *)s, strlen(s)));
		T_CONTAINS(s, "\xef\xbf\xbd");
		free(s);
	}
}

static void test_teams_card(void)
{
	struct notify_message m = msg();
	cJSON *j = render(CONFIG_WEBHOOK_TEAMS, &m);
	T_EQ_STR("message", jstr(j, "type"));
	cJSON *att = cJSON_GetArrayItem(cJSON_GetObjectItem(j, "attachments"), 0);
	T_EQ_STR("application/vnd.microsoft.card.adaptive", jstr(att, "contentType"));
	cJSON *card = cJSON_GetObjectItem(att, "content");
	T_EQ_STR("AdaptiveCard", jstr(card, "type"));
	cJSON *body = cJSON_GetObjectItem(card, "body");
	T_EQ_STR(m.subject, jstr(cJSON_GetArrayItem(body, 0), "text"));
	T_EQ_STR(m.text, jstr(cJSON_GetArrayItem(body, 1), "text"));
	cJSON *act = cJSON_GetArrayItem(cJSON_GetObjectItem(card, "actions"), 0);
	T_EQ_STR("Action.OpenUrl", jstr(act, "type"));
	T_EQ_STR(m.ack_url, jstr(act, "url"));
	cJSON_Delete(j);
}

static void test_slack_text_and_blocks(void)
{
	struct notify_message m = msg();
	char longsub[400];
	memset(longsub, 'x', sizeof(longsub) - 1);
	longsub[sizeof(longsub) - 1] = '\0';
	m.text = "<!channel> ping & run";
	m.subject = longsub;
	cJSON *j = render(CONFIG_WEBHOOK_SLACK, &m);
	/* Markup in a comment cannot notify a whole channel. */
	T_CONTAINS(jstr(j, "text"), "&lt;!channel&gt; ping &amp; run");
	T_ASSERT(strstr(jstr(j, "text"), "<!channel>") == NULL);
	cJSON *blocks = cJSON_GetObjectItem(j, "blocks");
	cJSON *hdr = cJSON_GetArrayItem(blocks, 0);
	T_EQ_STR("header", jstr(hdr, "type"));
	T_ASSERT(strlen(jstr(cJSON_GetObjectItem(hdr, "text"), "text")) <= 150);
	cJSON *sec = cJSON_GetArrayItem(blocks, 1);
	T_EQ_STR("plain_text", jstr(cJSON_GetObjectItem(sec, "text"), "type"));
	T_EQ_STR("<!channel> ping & run", jstr(cJSON_GetObjectItem(sec, "text"), "text"));
	cJSON *btn =
	        cJSON_GetArrayItem(cJSON_GetObjectItem(cJSON_GetArrayItem(blocks, 2), "elements"),
	                           0);
	T_EQ_STR(m.ack_url, jstr(btn, "url"));
	cJSON_Delete(j);
}

static void test_matrix_message_url_and_txn(void)
{
	struct notify_message m = msg();
	cJSON *j = render(CONFIG_WEBHOOK_MATRIX, &m);
	T_EQ_STR("m.text", jstr(j, "msgtype"));
	T_CONTAINS(jstr(j, "body"), m.subject);
	T_CONTAINS(jstr(j, "body"), "Svara före fredag.");
	T_CONTAINS(jstr(j, "body"), m.ack_url);
	cJSON_Delete(j);

	char a[NOTIFY_TXN_MAX], b[NOTIFY_TXN_MAX], *url = NULL;
	notify_txn_id("esc:1", a);
	notify_txn_id("esc:1", b);
	T_EQ_STR(a, b);
	notify_txn_id("esc:2", b);
	T_ASSERT(strcmp(a, b) != 0);
	T_EQ_INT(0, notify_matrix_url("https://matrix.example.org/", "!abc:example.org", a, &url));
	char want[200];
	snprintf(want, sizeof(want),
	         "https://matrix.example.org/_matrix/client/v3/rooms/%%21abc%%3Aexample.org/send/"
	         "m.room.message/%s",
	         a);
	T_EQ_STR(want, url);
	free(url);
}

static void test_incomplete_message_is_refused(void)
{
	struct notify_message m = msg();
	char *s = NULL;
	struct strbuf mail = { 0 };
	m.key = NULL;
	T_EQ_INT(-EINVAL, notify_webhook_render(CONFIG_WEBHOOK_JSON, &m, &s));
	T_EQ_INT(-EINVAL, notify_mime_render(&m, "a@b.se", "c@d.se", &mail));
	m = msg();
	m.text = NULL;
	T_EQ_INT(-EINVAL, notify_webhook_render(CONFIG_WEBHOOK_SLACK, &m, &s));
}

static void test_targets_parse(void)
{
	struct notify_target t;
	T_EQ_INT(0, notify_target_parse("chef@example.se", &t));
	T_EQ_INT(NOTIFY_EMAIL, t.channel);
	T_EQ_STR("chef@example.se", t.address);
	T_EQ_INT(0, notify_target_parse("webhook:oncall-chat", &t));
	T_EQ_INT(NOTIFY_WEBHOOK, t.channel);
	T_EQ_STR("oncall-chat", t.address);
	T_EQ_INT(-EINVAL, notify_target_parse("webhook:", &t));
	T_EQ_INT(-EINVAL, notify_target_parse("webhook:a/b", &t));
	T_EQ_INT(-EINVAL, notify_target_parse("no-at-sign", &t));
	T_EQ_INT(-EINVAL, notify_target_parse("a@example.se\r\nRCPT TO:<x@y.se>", &t));
	T_EQ_INT(-EINVAL, notify_target_parse("Chef <chef@example.se>", &t));
	T_EQ_INT(-EINVAL, notify_target_parse("", &t));
}

static void test_retry_after_in_detail(void)
{
	int64_t s = -1;
	T_EQ_INT(0, notify_detail_retry_after("HTTP 429; retry-after=30", &s));
	T_EQ_INT(30, s);
	T_EQ_INT(-ENOENT, notify_detail_retry_after("HTTP 503", &s));
	T_EQ_INT(-ENOENT, notify_detail_retry_after(NULL, &s));
	T_EQ_INT(30, s);
}

int main(void)
{
	T_RUN(test_ascii_subject_stays_plain);
	T_RUN(test_utf8_subject_round_trips_in_short_words);
	T_RUN(test_line_breaks_in_subject_are_refused);
	T_RUN(test_date_is_rfc5322_in_utc);
	T_RUN(test_message_id_is_stable_per_key);
	T_RUN(test_plain_mail_has_every_header);
	T_RUN(test_html_makes_an_alternative);
	T_RUN(test_quoted_printable_breaks_and_escapes);
	T_RUN(test_generic_json_has_the_documented_schema);
	T_RUN(test_invalid_utf8_still_makes_valid_json);
	T_RUN(test_teams_card);
	T_RUN(test_slack_text_and_blocks);
	T_RUN(test_matrix_message_url_and_txn);
	T_RUN(test_incomplete_message_is_refused);
	T_RUN(test_targets_parse);
	T_RUN(test_retry_after_in_detail);
	return t_done();
}
