/* The daemon's outbox (escalate/outbox.h). */
#include "escalate/outbox.h"

#include <errno.h>
#include <stdbool.h>
#include <stdio.h>
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

/* An attempt's answer, waiting to be recorded with the others that came
 * in within FLUSH_DELAY_USEC (one commit for a burst of answers). */
struct answer {
	int64_t delivery;
	enum notify_result res;
	char detail[256];
	struct answer *next;
};

/* Answers are recorded together after this long (real time): a burst of
 * a thousand messages is then tens of commits, not a thousand, each one
 * waiting for the disk.  A crash in between leaves the rows sending, to
 * be sent again at the next start under the same key. */
#define FLUSH_DELAY_USEC 10000

struct escalate_outbox {
	struct store *store;
	struct notify *notify;
	const struct config *cfg;
	struct ctimer *timer;
	struct event *kick;
	struct event *flush;
	struct attempt *inflight;
	size_t n_inflight;
	struct answer *answers, **answers_tail;
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
	/* With every attempt slot taken, due deliveries wait for an answer
	 * (on_flush runs the next round): a timer at their instant would fire
	 * again and again with nothing to do, and on the manual test clock
	 * spin one advance into -ELOOP. */
	bool full = o->n_inflight >= ESCALATE_INFLIGHT_MAX;
	if ((!full && store_deliveries_next_at(o->store, &a)) ||
	    store_escalations_next_at(o->store, &b)) {
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
	struct answer *w = o ? calloc(1, sizeof(*w)) : NULL;
	if (o)
		unlink_attempt(o, a);
	if (w) {
		w->delivery = a->delivery;
		w->res = res;
		snprintf(w->detail, sizeof(w->detail), "%s", detail ? detail : "?");
		*o->answers_tail = w;
		o->answers_tail = &w->next;
		if (!evtimer_pending(o->flush, NULL)) {
			struct timeval tv = { 0, FLUSH_DELAY_USEC };
			evtimer_add(o->flush, &tv);
		}
	} else if (o) {
		/* No memory to keep the answer: the row stays sending and is
		 * sent again at the next start, under the same key. */
		log_error("outbox: cannot keep the answer to delivery %lld",
		          (long long)a->delivery);
	}
	/* Without the outbox, the row stays sending for the next start. */
	free(a);
}

/* Record one answer (in the flush's transaction, as a savepoint of its
 * own); *ret_state and *ret_d say what became of it, for the log. */
static int record_answer(struct escalate_outbox *o, const struct answer *w, int64_t now,
                         const char **ret_state, struct store_delivery *ret_d)
{
	const struct config_escalation *c = &o->cfg->esc;
	struct store_delivery *d = ret_d;
	const char *state = "sent";
	int64_t next = 0;
	int r = store_delivery_get(o->store, w->delivery, d);
	if (r == 0 && w->res != NOTIFY_SENT) {
		if (w->res == NOTIFY_FAILED || now - d->created_at >= c->give_up_usec) {
			state = "given_up";
		} else {
			state = "retrying";
			next = now + escalate_backoff(c->retry_initial_usec, c->retry_max_usec,
			                              d->attempts, next_rnd(o));
		}
	}
	*ret_state = state;
	if (r || (r = store_begin(o->store)) != 0)
		return r;
	r = store_delivery_finish(o->store, d->id, state, next,
	                          w->res == NOTIFY_SENT ? NULL : w->detail, now);
	/* Given up: hand the message to the fallback so that it still reaches
	 * someone (contacts expanded to their channels). */
	struct escalate_rcpt fb[ESCALATE_RCPT_MAX];
	size_t nfb = 0;
	if (r == 0 && strcmp(state, "given_up") == 0 && strcmp(d->role, "fallback") != 0 &&
	    escalate_expand(o->cfg, c->fallback.text, "fallback", fb, &nfb) == 0)
		for (size_t i = 0; r == 0 && i < nfb; i++)
			r = store_delivery_add(o->store, d->escalation_id, d->level, d->round,
			                       fb[i].recipient, "fallback", now, NULL);
	return store_end(o->store, r);
}

static void log_answer(struct escalate_outbox *o, const struct answer *w, const char *state,
                       const struct store_delivery *d)
{
	if (strcmp(state, "given_up") == 0) {
		o->given_up++;
		log_error(
		        "ESCALATION NOT DELIVERED: delivery %lld of escalation %lld to %s given up "
		        "after %d attempt(s): %s",
		        (long long)d->id, (long long)d->escalation_id, d->recipient, d->attempts,
		        w->detail);
	} else if (strcmp(state, "retrying") == 0) {
		log_warning("outbox: delivery %lld to %s failed (%s); retrying", (long long)d->id,
		            d->recipient, w->detail);
	} else {
		log_info("outbox: delivery %lld of escalation %lld sent to %s", (long long)d->id,
		         (long long)d->escalation_id, d->recipient);
	}
}

/* One attempt, prepared in the round's transaction: the row is marked
 * sending there, and the message goes out only after that commits. */
struct prepared {
	struct store_delivery d;
	struct store_escalation e;
	struct escalate_text t;
	struct notify_target tg;
	bool deliverable;
};

static int prepare(struct escalate_outbox *o, const struct store_delivery *d, int64_t now,
                   struct prepared *p)
{
	p->d = *d;
	int r = store_escalation_get(o->store, d->escalation_id, &p->e);
	if (r == 0)
		r = escalate_text_build(o->cfg, o->store, &p->e, d, now, &p->t);
	/* A recipient no channel can take (a contact or webhook removed by a
	 * reload, say) ends as given up, to the fallback, instead of being
	 * tried forever. */
	p->deliverable = r == 0 && notify_target_parse(d->recipient, &p->tg) == 0;
	if (r == 0)
		r = store_delivery_sending(o->store, d->id, now);
	if (r && r != -ESTALE)
		log_error("outbox: cannot attempt delivery %lld: %s", (long long)d->id,
		          store_strerror(o->store, r));
	return r;
}

static void send_prepared(struct escalate_outbox *o, struct prepared *p)
{
	struct attempt *a = calloc(1, sizeof(*a));
	if (!a) {
		/* The row stays sending: sent again at the next start. */
		log_error("outbox: cannot attempt delivery %lld: out of memory",
		          (long long)p->d.id);
		return;
	}
	const struct config_account *acc =
	        p->e.account[0] ? config_find_account(o->cfg, p->e.account) : NULL;
	struct notify_message m = {
		.key = p->t.message_key,
		.kind = p->d.round ? "repeat" : p->e.kind,
		.level = p->d.level,
		.subject = p->t.subject,
		.text = p->t.text,
		.ack_url = p->t.ack_url,
		.account = acc ? acc->id : NULL,
		.unit = p->t.unit[0] ? p->t.unit : NULL,
		.item_id = p->e.item_id,
		.due_at = p->e.due_at,
		.count = p->e.count,
		.created_at = p->e.created_at,
	};
	*a = (struct attempt){ .o = o, .delivery = p->d.id, .next = o->inflight };
	o->inflight = a;
	o->n_inflight++;
	if (!p->deliverable)
		on_done(a, NOTIFY_FAILED, "not a recipient any channel can take");
	else if (notify_send(o->notify, &p->tg, &m, on_done, a) < 0)
		/* done will not run: end the attempt here, as a retry. */
		on_done(a, NOTIFY_RETRY, "cannot start the attempt");
}

/* One round: what routing and the due deliveries gave, prepared in the
 * caller's transaction. */
struct round {
	struct store_delivery *due;
	struct prepared *p;
	size_t n, ok;
	bool routed_full; /* ESCALATE_ROUTE_MAX routed: there may be more */
};

/* Route every escalation due and prepare up to ESCALATE_ROUND_MAX due
 * deliveries, marking them sending, in the caller's transaction: one wait
 * for the disk for a whole burst.  Each escalation and each mark is a
 * savepoint of its own, so one that fails leaves the others. */
static void round_prepare(struct escalate_outbox *o, int64_t now, struct round *rd)
{
	size_t routed = 0, seen = 0;
	int r = escalate_route_due_max(o->store, o->cfg, now, ESCALATE_ROUTE_MAX, &routed, &seen);
	rd->routed_full = seen == ESCALATE_ROUTE_MAX;
	if (r == -EHOSTUNREACH)
		log_error("ESCALATION NOT DELIVERED: an escalation about an account no longer "
		          "configured had no recipient; cancelled as \"no recipient\" (see vaktctl "
		          "escalations)");
	else if (r)
		log_error("outbox: cannot route escalations: %s", store_strerror(o->store, r));
	size_t room = ESCALATE_INFLIGHT_MAX - o->n_inflight;
	if (room > ESCALATE_ROUND_MAX)
		room = ESCALATE_ROUND_MAX;
	if (o->n_inflight < ESCALATE_INFLIGHT_MAX &&
	    (r = store_deliveries_due(o->store, now, room, &rd->due, &rd->n)) != 0)
		log_error("outbox: cannot read due deliveries: %s", store_strerror(o->store, r));
	rd->p = rd->n ? calloc(rd->n, sizeof(*rd->p)) : NULL;
	for (size_t i = 0; rd->p && i < rd->n; i++)
		if (prepare(o, &rd->due[i], now, &rd->p[rd->ok]) == 0)
			rd->ok++;
		else
			escalate_text_clear(&rd->p[rd->ok].t);
}

/* After the round's transaction: send what it marked (nothing when it did
 * not commit: the next round tries again), and plan the next round. */
static void round_send(struct escalate_outbox *o, struct round *rd, bool committed)
{
	for (size_t i = 0; committed && i < rd->ok; i++)
		send_prepared(o, &rd->p[i]);
	for (size_t i = 0; rd->p && i < rd->n; i++)
		escalate_text_clear(&rd->p[i].t);
	free(rd->p);
	free(rd->due);
	rearm(o);
	/* A full round: there may be more due.  The next round runs from the
	 * loop, after what came in meanwhile (answers, the API). */
	if (rd->n == ESCALATE_ROUND_MAX || rd->routed_full)
		escalate_outbox_kick(o);
}

/* Record every answer that came in and prepare the next round (room in
 * flight), in one transaction; then send that round. */
static void on_flush(evutil_socket_t fd, short what, void *arg)
{
	struct escalate_outbox *o = arg;
	struct answer *list = o->answers;
	int64_t now = clock_now_usec();
	size_t n = 0;
	(void)fd;
	(void)what;
	for (struct answer *w = list; w; w = w->next)
		n++;
	const char **states = calloc(n ? n : 1, sizeof(*states));
	int *results = calloc(n ? n : 1, sizeof(*results));
	struct store_delivery *ds = calloc(n ? n : 1, sizeof(*ds));
	struct round rd = { 0 };
	int r = states && results && ds ? store_begin(o->store) : -ENOMEM;
	size_t i = 0;
	for (struct answer *w = list; r == 0 && w; w = w->next, i++)
		results[i] = record_answer(o, w, now, &states[i], &ds[i]);
	/* The next round in the same transaction: one wait for the disk per
	 * turn of the pipeline, not two. */
	if (r == 0) {
		round_prepare(o, now, &rd);
		r = store_end(o->store, 0);
	}
	if (r) {
		/* Keep them and try again a little later. */
		log_error("outbox: cannot record %zu answers: %s", n, store_strerror(o->store, r));
		struct timeval tv = { 1, 0 };
		evtimer_add(o->flush, &tv);
	} else {
		o->answers = NULL;
		o->answers_tail = &o->answers;
		i = 0;
		for (struct answer *w = list, *next; w; w = next, i++) {
			next = w->next;
			if (results[i] == 0)
				log_answer(o, w, states[i], &ds[i]);
			else if (results[i] != -ESTALE)
				log_error("outbox: cannot record delivery %lld: %s",
				          (long long)w->delivery,
				          store_strerror(o->store, results[i]));
			free(w);
		}
	}
	free(states);
	free(results);
	free(ds);
	round_send(o, &rd, r == 0);
}

void escalate_outbox_run(struct escalate_outbox *o)
{
	struct round rd = { 0 };
	int r = store_begin(o->store);
	if (r) {
		log_error("outbox: cannot begin a round: %s", store_strerror(o->store, r));
		return;
	}
	round_prepare(o, clock_now_usec(), &rd);
	r = store_end(o->store, 0);
	if (r)
		log_error("outbox: cannot record a round: %s", store_strerror(o->store, r));
	round_send(o, &rd, r == 0);
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
	/* A zero timeout, not event_active(): libevent runs events made
	 * active from a callback in the same pass, before it looks at the
	 * sockets again, so a chain of full rounds (a backlog of thousands of
	 * escalations) would hold the loop to the end.  An expired timer
	 * waits for the next pass, after the API's and the transfers' events. */
	static const struct timeval now = { 0, 0 };
	if (o && o->kick && evtimer_add(o->kick, &now) < 0)
		log_error("outbox: cannot schedule the next round; the timer will");
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
		o->answers_tail = &o->answers;
		r = ctimer_new(set, on_timer, o, &o->timer);
	}
	if (r == 0 && (!(o->kick = event_new(base, -1, 0, on_kick, o)) ||
	               !(o->flush = evtimer_new(base, on_flush, o))))
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
	if (o->flush)
		event_free(o->flush);
	/* Answers not yet recorded: their rows stay sending, sent again at
	 * the next start under the same key. */
	while (o->answers) {
		struct answer *w = o->answers;
		o->answers = w->next;
		free(w);
	}
	free(o);
}
