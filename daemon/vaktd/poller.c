/* Poll scheduling in the running daemon. */
#include "vaktd/poller.h"

#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "config/config.h"
#include "schedule/sched.h"
#include "store/store.h"
#include "util/clock.h"
#include "util/ctimer.h"
#include "util/error.h"
#include "util/log.h"
#include "vaktd/fetch.h"

/* Catch-up polls after downtime are spread over this window so that 800
 * accounts do not all start in the same second. */
#define CATCHUP_SPREAD_USEC (30 * USEC_PER_SEC)

struct poll_slot {
	char *account; /* owned copy of the id; the config may be swapped */
	int64_t next_due;
	int64_t offset; /* jitter */
	int64_t crisis_from, crisis_until;
};

struct poller {
	struct poller_env env;
	struct ctimer *timer;
	struct poll_slot *slots;
	size_t n;
};

static const struct config_account *slot_account(struct poller *p, const struct poll_slot *s)
{
	return config_find_account(p->env.config(p->env.config_arg), s->account);
}

/* When the slot's next poll is due, from its last planned poll in the
 * store; overdue (or never polled) means now, spread by the offset. */
static void compute_due(struct poller *p, struct poll_slot *s, int64_t now)
{
	const struct config_account *a = slot_account(p, s);
	int64_t last = 0, next = 0;

	if (!a) { /* gone from the configuration: never due */
		s->next_due = INT64_MAX;
		return;
	}
	int r = store_poll_last_planned(p->env.store, s->account, &last);
	if (r != 0)
		log_full(LOG_ERR, s->account, 0, "cannot read the last poll: %s",
		         store_strerror(p->env.store, r));
	if (store_account_crisis(p->env.store, s->account, &s->crisis_from, &s->crisis_until) != 0)
		s->crisis_from = s->crisis_until = 0;
	s->offset = sched_jitter_offset(s->account, &a->sched);
	int64_t catchup = now + s->offset % CATCHUP_SPREAD_USEC;
	if (last == 0) {
		s->next_due = catchup;
		return;
	}
	r = sched_next(&a->sched, a->cal, s->offset, last, s->crisis_from, s->crisis_until, &next);
	if (r < 0) {
		log_full(LOG_ERR, s->account, 0, "cannot compute the next poll: %s",
		         vakt_strerror(r));
		next = now + 3600 * USEC_PER_SEC;
	}
	s->next_due = next <= now ? catchup : next;
}

static void arm(struct poller *p)
{
	int64_t earliest = INT64_MAX;
	for (size_t i = 0; i < p->n; i++)
		if (p->slots[i].next_due < earliest)
			earliest = p->slots[i].next_due;
	ctimer_disarm(p->timer);
	if (earliest == INT64_MAX)
		return;
	if (ctimer_arm_at(p->timer, earliest) < 0)
		log_error("cannot arm the poll timer; polling has stopped");
}

static void record_skipped(struct poller *p, struct poll_slot *s, int64_t planned, int64_t now,
                           const char *reason)
{
	int64_t id = 0;
	/* A skipped poll begins and ends at once: one transaction, one
	 * fsync. */
	int r = store_begin(p->env.store);
	if (r == 0) {
		r = store_poll_begin(p->env.store, s->account, planned, now, &id);
		if (r == 0)
			r = store_poll_end(p->env.store, id, clock_now_usec(), "skipped", 0, 0,
			                   reason);
		r = store_end(p->env.store, r);
	}
	if (r) {
		log_full(LOG_ERR, s->account, 0, "cannot record the poll: %s",
		         store_strerror(p->env.store, r));
		return;
	}
	log_full(LOG_DEBUG, s->account, 0, "poll %lld: skipped (%s)", (long long)id, reason);
}

/* One poll: handed to the fetch driver, which records it; what it cannot
 * start is recorded here as skipped, with why. */
static void poll_account(struct poller *p, struct poll_slot *s, int64_t planned, int64_t now)
{
	const struct config_account *a = slot_account(p, s);
	char reason[224];
	int64_t id = 0;
	int r = p->env.fetch ? fetch_start(p->env.fetch, s->account, planned, NULL, NULL, &id)
	                     : -EOPNOTSUPP;

	switch (r) {
	case 0:
		return;
	case -EOPNOTSUPP:
		snprintf(reason, sizeof(reason), "no %s connector in this build",
		         platform_name(a->platform));
		break;
	case -EBUSY:
		snprintf(reason, sizeof(reason), "the previous poll is still running");
		break;
	case -ENOKEY:
		snprintf(reason, sizeof(reason), "no token configured");
		break;
	case -EDESTADDRREQ:
		snprintf(reason, sizeof(reason), "no ApiBaseUrl= (the platform has no one host)");
		break;
	case -ECANCELED:
		snprintf(reason, sizeof(reason), "stopped: %s",
		         fetch_stopped_why(p->env.fetch, s->account));
		break;
	case -ESHUTDOWN:
		return;
	default:
		log_full(LOG_ERR, s->account, 0, "cannot start the poll: %s",
		         r > 0 ? store_strerror(p->env.store, r) : vakt_strerror(r));
		snprintf(reason, sizeof(reason), "cannot start: %s", vakt_strerror(r));
		break;
	}
	record_skipped(p, s, planned, now, reason);
}

static void on_timer(void *arg)
{
	struct poller *p = arg;
	int64_t now = clock_now_usec();
	/* The rows of every poll due now in one transaction: one fsync when
	 * many accounts share a schedule.  Without it (busy), each alone. */
	bool one = store_begin(p->env.store) == 0;

	for (size_t i = 0; i < p->n; i++) {
		struct poll_slot *s = &p->slots[i];
		if (s->next_due > now)
			continue;
		const struct config_account *a = slot_account(p, s);
		int64_t planned = s->next_due, next = 0;
		if (!a) {
			s->next_due = INT64_MAX;
			continue;
		}
		poll_account(p, s, planned, now);
		int r = sched_next(&a->sched, a->cal, s->offset, planned, s->crisis_from,
		                   s->crisis_until, &next);
		if (r < 0) {
			log_full(LOG_ERR, s->account, 0, "cannot compute the next poll: %s",
			         vakt_strerror(r));
			next = now + 3600 * USEC_PER_SEC;
		}
		/* Behind (the loop was busy or the machine slept): one poll now
		 * covered the missed slots; continue from the present. */
		if (next <= now && sched_next(&a->sched, a->cal, s->offset, now, s->crisis_from,
		                              s->crisis_until, &next) < 0)
			next = now + 3600 * USEC_PER_SEC;
		s->next_due = next;
	}
	int r = one ? store_end(p->env.store, 0) : 0;
	if (r)
		log_error("cannot commit the start of the polls due: %s",
		          store_strerror(p->env.store, r));
	arm(p);
}

static void free_slots(struct poll_slot *v, size_t n)
{
	for (size_t i = 0; i < n; i++)
		free(v[i].account);
	free(v);
}

int poller_reconfigure(struct poller *p)
{
	const struct config *c = p->env.config(p->env.config_arg);
	struct poll_slot *v = calloc(c->n_accounts ? c->n_accounts : 1, sizeof(*v));
	size_t n = 0;
	int64_t now = clock_now_usec();

	if (!v)
		return -ENOMEM;
	for (size_t i = 0; i < c->n_accounts; i++) {
		if (!c->accounts[i].enabled)
			continue;
		v[n].account = strdup(c->accounts[i].id);
		if (!v[n].account) {
			free_slots(v, n);
			return -ENOMEM;
		}
		n++;
	}
	free_slots(p->slots, p->n);
	p->slots = v;
	p->n = n;
	for (size_t i = 0; i < n; i++)
		compute_due(p, &p->slots[i], now);
	arm(p);
	return 0;
}

void poller_refresh(struct poller *p, const char *account)
{
	int64_t now = clock_now_usec();
	for (size_t i = 0; i < p->n; i++)
		if (!account || strcmp(p->slots[i].account, account) == 0)
			compute_due(p, &p->slots[i], now);
	arm(p);
}

int poller_new(const struct poller_env *env, struct poller **ret)
{
	struct poller *p = calloc(1, sizeof(*p));
	if (!p)
		return -ENOMEM;
	p->env = *env;
	int r = ctimer_new(env->timers, on_timer, p, &p->timer);
	if (r == 0)
		r = poller_reconfigure(p);
	if (r < 0) {
		poller_free(p);
		return r;
	}
	*ret = p;
	return 0;
}

void poller_free(struct poller *p)
{
	if (!p)
		return;
	ctimer_free(p->timer);
	free_slots(p->slots, p->n);
	free(p);
}

int poller_next_due(const struct poller *p, const char *account, int64_t *ret)
{
	/* /v1/accounts asks for every account in the configuration's order,
	 * which is the slots' order: start after the last one found, so 800
	 * accounts are 800 comparisons, not 320,000. */
	static _Thread_local size_t hint;
	for (size_t k = 0; k < p->n; k++) {
		size_t i = (hint + k) % p->n;
		if (strcmp(p->slots[i].account, account) == 0) {
			hint = i + 1;
			*ret = p->slots[i].next_due;
			return 0;
		}
	}
	return -ENOENT;
}

bool poller_healthy(const struct poller *p, int64_t now, int64_t grace)
{
	for (size_t i = 0; i < p->n; i++)
		if (p->slots[i].next_due != INT64_MAX && p->slots[i].next_due + grace < now)
			return false;
	return p->n == 0 || ctimer_armed(p->timer);
}
