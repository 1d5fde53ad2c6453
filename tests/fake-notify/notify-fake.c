/* A stand-in for daemon/notify/ for the outbox's unit tests
 * (tests/unit/test-escalate.c), implementing notify.h as documented there.
 * It never touches the network: each attempt is recorded and answered at
 * once as fake_notify()->mode says ("hang": held until notify_free(), for
 * crash tests).  vaktd itself always links the real channels; the
 * integration tests use a real SMTP server and webhook receiver. */
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

int notify_send(struct notify *n, const struct notify_target *t, const struct notify_message *m,
                notify_done_fn done, void *arg)
{
	enum fake_mode mode = state.mode;
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
