/* A stand-in for daemon/notify/ (the `channels` branch) for the outbox's
 * tests, implementing notify.h exactly as documented there.  It never
 * touches the network: each attempt is answered at once (or held), and
 * recorded.
 *
 *   $VAKT_FAKE_NOTIFY=PATH   append one JSON line per attempt and per
 *                            answer to PATH (integration tests read it);
 *   PATH.mode                read at every attempt: "ok" (default),
 *                            "retry", "fail" or "hang" (never answered:
 *                            the attempt stays in flight until
 *                            notify_free(), for kill -9 tests).
 *
 * Unit tests drive it through fake-notify.h instead.  When the real
 * notify lands, vaktd links it and the integration test points an [Email]
 * or [Webhook] section at a local receiver instead. */
#include "fake-notify.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

struct held {
	notify_done_fn done;
	void *arg;
	struct held *next;
};

struct notify {
	struct held *held;
};

static struct fake_notify_state state = { .mode = FAKE_OK };

struct fake_notify_state *fake_notify(void)
{
	return &state;
}

int notify_target_parse(const char *recipient, struct notify_target *ret)
{
	struct notify_target t = { 0 };
	if (!recipient || !*recipient)
		return -EINVAL;
	for (const char *p = recipient; *p; p++)
		if ((unsigned char)*p < 0x21 || *p == 0x7f || *p == '"' || *p == '\\')
			return -EINVAL;
	if (strncmp(recipient, "webhook:", 8) == 0) {
		if (!recipient[8] || strlen(recipient + 8) >= sizeof(t.address))
			return -EINVAL;
		t.channel = NOTIFY_WEBHOOK;
		strcpy(t.address, recipient + 8);
	} else {
		const char *at = strchr(recipient, '@');
		if (!at || at == recipient || !at[1] || strchr(at + 1, '@') ||
		    strlen(recipient) >= sizeof(t.address))
			return -EINVAL;
		t.channel = NOTIFY_EMAIL;
		strcpy(t.address, recipient);
	}
	*ret = t;
	return 0;
}

int notify_target_check(const struct config *cfg, const struct notify_target *t)
{
	(void)cfg;
	/* The fake takes e-mail without [Email], and every webhook but
	 * "webhook:missing", to test that a route to it is refused.  The
	 * real checks are tested with the real channels
	 * (tests/unit/test-notify-config.c). */
	return t->channel == NOTIFY_WEBHOOK && strcmp(t->address, "missing") == 0 ? -ENOENT : 0;
}

int notify_new(struct curlev *e, const struct config *cfg, struct notify **ret)
{
	(void)e;
	(void)cfg;
	struct notify *n = calloc(1, sizeof(*n));
	if (!n)
		return -ENOMEM;
	*ret = n;
	return 0;
}

int notify_reconfigure(struct notify *n, const struct config *cfg)
{
	(void)n;
	(void)cfg;
	return 0;
}

static void json_str(FILE *f, const char *k, const char *v)
{
	fprintf(f, ",\"%s\":\"", k);
	for (const char *p = v ? v : ""; *p; p++) {
		if (*p == '"' || *p == '\\')
			fprintf(f, "\\%c", *p);
		else if ((unsigned char)*p < 0x20)
			fprintf(f, "\\u%04x", (unsigned char)*p);
		else
			fputc(*p, f);
	}
	fputc('"', f);
}

static void record(const char *event, const struct notify_target *t, const struct notify_message *m)
{
	const char *path = getenv("VAKT_FAKE_NOTIFY");
	FILE *f = path ? fopen(path, "a") : NULL;
	if (!f)
		return;
	fprintf(f, "{\"event\":\"%s\"", event);
	json_str(f, "recipient", t->channel == NOTIFY_WEBHOOK ? "webhook" : t->address);
	if (t->channel == NOTIFY_WEBHOOK)
		json_str(f, "webhook", t->address);
	json_str(f, "key", m->key);
	json_str(f, "kind", m->kind);
	json_str(f, "subject", m->subject);
	json_str(f, "text", m->text);
	fprintf(f, ",\"level\":%d,\"count\":%d,\"item\":%lld}\n", m->level, m->count,
	        (long long)m->item_id);
	fclose(f);
}

static enum fake_mode file_mode(void)
{
	const char *path = getenv("VAKT_FAKE_NOTIFY");
	char p[4096], buf[16] = "";
	if (!path)
		return state.mode;
	snprintf(p, sizeof(p), "%s.mode", path);
	FILE *f = fopen(p, "r");
	if (!f)
		return FAKE_OK;
	if (!fgets(buf, sizeof(buf), f))
		buf[0] = '\0';
	fclose(f);
	if (strncmp(buf, "retry", 5) == 0)
		return FAKE_RETRY;
	if (strncmp(buf, "fail", 4) == 0)
		return FAKE_FAIL;
	if (strncmp(buf, "hang", 4) == 0)
		return FAKE_HANG;
	return FAKE_OK;
}

int notify_send(struct notify *n, const struct notify_target *t, const struct notify_message *m,
                notify_done_fn done, void *arg)
{
	enum fake_mode mode = getenv("VAKT_FAKE_NOTIFY") ? file_mode() : state.mode;
	if (state.n < FAKE_NOTIFY_MAX) {
		struct fake_sent *s = &state.sent[state.n++];
		snprintf(s->recipient, sizeof(s->recipient), "%s%s",
		         t->channel == NOTIFY_WEBHOOK ? "webhook:" : "", t->address);
		snprintf(s->key, sizeof(s->key), "%s", m->key);
		snprintf(s->kind, sizeof(s->kind), "%s", m->kind);
		snprintf(s->subject, sizeof(s->subject), "%s", m->subject);
		snprintf(s->text, sizeof(s->text), "%s", m->text);
		s->count = m->count;
		s->level = m->level;
		s->has_ack_url = m->ack_url != NULL;
	}
	record("attempt", t, m);
	if (mode == FAKE_HANG) {
		struct held *h = calloc(1, sizeof(*h));
		if (!h)
			return -ENOMEM;
		*h = (struct held){ .done = done, .arg = arg, .next = n->held };
		n->held = h;
		return 0;
	}
	enum notify_result res = mode == FAKE_OK      ? NOTIFY_SENT
	                         : mode == FAKE_RETRY ? NOTIFY_RETRY
	                                              : NOTIFY_FAILED;
	if (res == NOTIFY_SENT)
		record("sent", t, m);
	done(arg, res, res == NOTIFY_SENT ? "250 ok" : "fake refusal");
	return 0;
}

void notify_free(struct notify *n)
{
	if (!n)
		return;
	while (n->held) {
		struct held *h = n->held;
		n->held = h->next;
		h->done(h->arg, NOTIFY_RETRY, "aborted");
		free(h);
	}
	free(n);
}
