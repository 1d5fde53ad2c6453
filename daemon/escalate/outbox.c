/* The daemon's outbox (escalate/outbox.h). */
#include "escalate/outbox.h"

#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include <event2/event.h>

#include "escalate/escalate.h"
#include "notify/notify.h"
#include "util/clock.h"
#include "util/ctimer.h"
#include "util/log.h"

struct attempt {
	struct escalate_outbox *o; /* NULL once the outbox is gone */
	int64_t delivery;
	struct attempt *next;
};

struct escalate_outbox {
	struct store *store;
	struct notify *notify;
	const struct config *cfg;
	struct ctimer *timer;
	struct event *kick;
	struct attempt *inflight;
	size_t n_inflight;
	size_t given_up;
	uint32_t rnd;
};

int64_t escalate_backoff(int64_t initial, int64_t max, int attempts, uint32_t rnd)
{
	int64_t d = initial;
	for (int i = 1; i < attempts && d < max; i++)
		d *= 2;
	if (d > max)
		d = max;
	/* ±20 %: many deliveries failing together do not retry together. */
	int64_t spread = d / 5;
	return d - spread + (int64_t)((double)rnd / 4294967295.0 * (double)(2 * spread));
}

static uint32_t next_rnd(struct escalate_outbox *o)
{
	/* xorshift32: jitter needs spread, not secrecy. */
	uint32_t x = o->rnd;
	x ^= x << 13;
	x ^= x >> 17;
	x ^= x << 5;
	return o->rnd = x ? x : 0x9e3779b9u;
}

static void unlink_attempt(struct escalate_outbox *o, struct attempt *a)
{
	for (struct attempt **p = &o->inflight; *p; p = &(*p)->next)
		if (*p == a) {
			*p = a->next;
			o->n_inflight--;
			return;
		}
}

static void rearm(struct escalate_outbox *o)
{
	int64_t a = 0, b = 0, due;
	if (store_deliveries_next_at(o->store, &a) || store_escalations_next_at(o->store, &b)) {
		log_error("outbox: cannot read the next due instant: %s", store_errmsg(o->store));
		return;
	}
	due = a && b ? (a < b ? a : b) : (a ? a : b);
	if (due)
		ctimer_arm_at(o->timer, due);
	else
		ctimer_disarm(o->timer);
}

static void on_done(void *arg, enum notify_result res, const char *detail)
{
	struct attempt *a = arg;
	struct escalate_outbox *o = a->o;
	if (!o) { /* the outbox is gone: the row stays sending for the next start */
		free(a);
		return;
	}
	unlink_attempt(o, a);
	int64_t now = clock_now_usec(), next = 0;
	const struct config_escalation *c = &o->cfg->esc;
	struct store_delivery d;
	const char *state = "sent";
	int r = store_delivery_get(o->store, a->delivery, &d);
	if (r == 0 && res != NOTIFY_SENT) {
		if (res == NOTIFY_FAILED || now - d.created_at >= c->give_up_usec) {
			state = "given_up";
		} else {
			state = "retrying";
			next = now + escalate_backoff(c->retry_initial_usec, c->retry_max_usec,
			                              d.attempts, next_rnd(o));
		}
	}
	if (r == 0 && (r = store_begin(o->store)) == 0) {
		r = store_delivery_finish(o->store, d.id, state, next,
		                          res == NOTIFY_SENT ? NULL : detail, now);
		/* Given up: say so loudly, and hand the message to the fallback
		 * so that it still reaches someone. */
		struct escalate_rcpt fb[ESCALATE_RCPT_MAX];
		size_t nfb = 0;
		if (r == 0 && strcmp(state, "given_up") == 0 && strcmp(d.role, "fallback") != 0 &&
		    escalate_expand(o->cfg, c->fallback.text, "fallback", fb, &nfb) == 0)
			for (size_t i = 0; r == 0 && i < nfb; i++)
				r = store_delivery_add(o->store, d.escalation_id, d.level, d.round,
				                       fb[i].recipient, "fallback", now, NULL);
		r = store_end(o->store, r);
	}
	if (r && r != -ESTALE)
		log_error("outbox: cannot record delivery %lld: %s", (long long)a->delivery,
		          store_strerror(o->store, r));
	else if (r == 0 && strcmp(state, "given_up") == 0) {
		o->given_up++;
		log_error(
		        "ESCALATION NOT DELIVERED: delivery %lld of escalation %lld to %s given up "
		        "after %d attempt(s): %s",
		        (long long)d.id, (long long)d.escalation_id, d.recipient, d.attempts,
		        detail ? detail : "?");
	} else if (r == 0 && strcmp(state, "retrying") == 0)
		log_warning("outbox: delivery %lld to %s failed (%s); retrying", (long long)d.id,
		            d.recipient, detail ? detail : "?");
	else if (r == 0)
		log_info("outbox: delivery %lld of escalation %lld sent to %s", (long long)d.id,
		         (long long)d.escalation_id, d.recipient);
	free(a);
	rearm(o);
	/* Room for more in flight: look again from the loop. */
	escalate_outbox_kick(o);
}

/* One attempt for delivery d: committed as sending first. */
static void attempt(struct escalate_outbox *o, const struct store_delivery *d, int64_t now)
{
	struct store_escalation e;
	struct escalate_text t = { 0 };
	struct notify_target tg;
	int r = store_escalation_get(o->store, d->escalation_id, &e);
	if (r == 0)
		r = escalate_text_build(o->cfg, o->store, &e, d, now, &t);
	/* A recipient no channel can take (a contact or webhook removed by a
	 * reload, say) ends as given up, to the fallback, instead of being
	 * tried forever. */
	bool deliverable = r == 0 && notify_target_parse(d->recipient, &tg) == 0;
	if (r == 0)
		r = store_delivery_sending(o->store, d->id, now);
	struct attempt *a = r == 0 ? calloc(1, sizeof(*a)) : NULL;
	if (r == 0 && !a)
		r = -ENOMEM;
	if (r == 0) {
		const struct config_account *acc =
		        e.account[0] ? config_find_account(o->cfg, e.account) : NULL;
		struct notify_message m = {
			.key = t.message_key,
			.kind = d->round ? "repeat" : e.kind,
			.level = d->level,
			.subject = t.subject,
			.text = t.text,
			.ack_url = t.ack_url,
			.account = acc ? acc->id : NULL,
			.unit = t.unit[0] ? t.unit : NULL,
			.item_id = e.item_id,
			.due_at = e.due_at,
			.count = e.count,
			.created_at = e.created_at,
		};
		*a = (struct attempt){ .o = o, .delivery = d->id, .next = o->inflight };
		o->inflight = a;
		o->n_inflight++;
		if (!deliverable)
			on_done(a, NOTIFY_FAILED, "not a recipient any channel can take");
		else if (notify_send(o->notify, &tg, &m, on_done, a) < 0)
			/* done will not run: end the attempt here, as a retry. */
			on_done(a, NOTIFY_RETRY, "cannot start the attempt");
	}
	if (r && r != -ESTALE)
		log_error("outbox: cannot attempt delivery %lld: %s", (long long)d->id,
		          store_strerror(o->store, r));
	escalate_text_clear(&t);
}

void escalate_outbox_run(struct escalate_outbox *o)
{
	int64_t now = clock_now_usec();
	size_t routed = 0, n = 0;
	struct store_delivery *due = NULL;
	int r = escalate_route_due(o->store, o->cfg, now, &routed);
	if (r == -EHOSTUNREACH)
		log_error("ESCALATION NOT DELIVERED: an escalation about an account no longer "
		          "configured had no recipient; cancelled as \"no recipient\" (see vaktctl "
		          "escalations)");
	else if (r)
		log_error("outbox: cannot route escalations: %s", store_strerror(o->store, r));
	if (o->n_inflight < ESCALATE_INFLIGHT_MAX &&
	    (r = store_deliveries_due(o->store, now, ESCALATE_INFLIGHT_MAX - o->n_inflight, &due,
	                              &n)) != 0)
		log_error("outbox: cannot read due deliveries: %s", store_strerror(o->store, r));
	for (size_t i = 0; i < n; i++)
		attempt(o, &due[i], now);
	free(due);
	rearm(o);
}

static void on_timer(void *arg)
{
	escalate_outbox_run(arg);
}

static void on_kick(evutil_socket_t fd, short what, void *arg)
{
	(void)fd;
	(void)what;
	escalate_outbox_run(arg);
}

void escalate_outbox_kick(struct escalate_outbox *o)
{
	if (o && o->kick)
		event_active(o->kick, EV_TIMEOUT, 0);
}

int escalate_outbox_new(struct event_base *base, struct ctimers *set, struct store *s,
                        struct notify *n, const struct config *cfg, struct escalate_outbox **ret)
{
	struct escalate_outbox *o = calloc(1, sizeof(*o));
	size_t recovered = 0;
	int r = o ? 0 : -ENOMEM;
	if (r == 0) {
		*o = (struct escalate_outbox){
			.store = s, .notify = n, .cfg = cfg, .rnd = (uint32_t)clock_now_usec() | 1u
		};
		r = ctimer_new(set, on_timer, o, &o->timer);
	}
	if (r == 0 && !(o->kick = event_new(base, -1, 0, on_kick, o)))
		r = -ENOMEM;
	if (r == 0)
		r = store_deliveries_recover(s, clock_now_usec(), &recovered);
	if (r) {
		escalate_outbox_free(o);
		return r;
	}
	if (recovered)
		log_warning("outbox: %zu deliveries were being sent when vaktd stopped; sending "
		            "them again (receivers drop repeats by Message-ID)",
		            recovered);
	escalate_outbox_kick(o);
	*ret = o;
	return 0;
}

void escalate_outbox_reconfigure(struct escalate_outbox *o, const struct config *cfg)
{
	o->cfg = cfg;
	escalate_outbox_kick(o);
}

size_t escalate_outbox_given_up(const struct escalate_outbox *o)
{
	return o->given_up;
}

size_t escalate_outbox_inflight(const struct escalate_outbox *o)
{
	return o->n_inflight;
}

void escalate_outbox_free(struct escalate_outbox *o)
{
	if (!o)
		return;
	/* Attempts still in flight end in notify_free() (done with "aborted");
	 * their rows stay sending until the next start. */
	for (struct attempt *a = o->inflight; a; a = a->next)
		a->o = NULL;
	ctimer_free(o->timer);
	if (o->kick)
		event_free(o->kick);
	free(o);
}
