/* The poller on the manual test clock, with only what it is given (clock
 * timers, the store, a way to the current configuration): catch-up at
 * start, every poll at its planned instant, a reload that drops an account,
 * catch-up after downtime. */
#include "t.h"
#include "tfs.h"

#include <errno.h>

#include <event2/event.h>

#include "config/config.h"
#include "store/store.h"
#include "util/clock.h"
#include "util/ctimer.h"
#include "vaktd/poller.h"

#define SEC USEC_PER_SEC
/* Tuesday 16 June 2026 09:00 Europe/Stockholm. */
#define T0 (INT64_C(1781593200) * SEC)

static struct config *current;

static const struct config *get_config(void *arg)
{
	(void)arg;
	return current;
}

static int64_t polls(struct store *s)
{
	struct store_counts c = { 0 };
	T_EQ_INT(0, store_counts(s, &c));
	return c.polls;
}

static void test_polls_on_the_manual_clock(void)
{
	char *dir = tfs_mkdtemp(), db[4200];
	struct diag_list dl = { 0 };
	struct config_overrides ovr = { .state_dir = dir, .api_socket = "/nonexistent/api.sock" };
	struct store *store = NULL;
	struct event_base *base = event_base_new();
	struct ctimers *timers = NULL;
	struct poller *p = NULL;
	size_t fired = 0;

	clock_set_manual(T0);
	T_EQ_INT(0, config_load(SRCDIR "/config/demo", &ovr, &current, &dl));
	snprintf(db, sizeof(db), "%s/vakt.db", dir);
	T_EQ_INT(0, store_open(db, &store, NULL, 0));
	T_EQ_INT(0, store_accounts_sync(store, current, "test"));
	T_EQ_INT(0, ctimers_new(base, &timers));
	struct poller_env env = {
		.timers = timers, .store = store, .config = get_config, .config_arg = NULL
	};
	T_EQ_INT(0, poller_new(&env, &p));
	T_EQ_INT(0, polls(store)); /* the clock stands still */
	T_EQ_INT(1, poller_healthy(p, clock_now_usec(), 0));

	/* Never polled: each of the three enabled accounts at once, spread
	 * over 30 s. */
	T_EQ_INT(0, ctimers_advance_to(timers, T0 + 30 * SEC, &fired));
	T_EQ_INT(3, polls(store));
	/* An hour of office time on the Interval=30min grid: 09:00 and 09:30
	 * plus each account's jitter (47 s, 56 s and 271 s for these ids, so
	 * 10:00 plus jitter is after 10:00:30). */
	T_EQ_INT(0, ctimers_advance_to(timers, T0 + 3600 * SEC + 30 * SEC, &fired));
	T_EQ_INT(3 + 3 * 2, polls(store));

	/* A reload without trafik-x: the poller asks for the new config. */
	struct config *old = current, *next = NULL;
	T_EQ_INT(0, config_load(SRCDIR "/config/demo", &ovr, &next, &dl));
	for (size_t i = 0; i < next->n_accounts; i++)
		if (strcmp(next->accounts[i].id, "trafik-x") == 0)
			next->accounts[i].enabled = false;
	current = next;
	T_EQ_INT(0, poller_reconfigure(p));
	config_free(old);
	int64_t before = polls(store);
	T_EQ_INT(0, ctimers_advance_to(timers, T0 + 7200 * SEC + 30 * SEC, &fired));
	T_EQ_INT(before + 2 * 2, polls(store));
	poller_free(p);

	/* Down for a day: on start every enabled account is polled at once. */
	clock_manual_set(T0 + 86400 * SEC);
	T_EQ_INT(0, poller_new(&env, &p));
	before = polls(store);
	T_EQ_INT(0, ctimers_advance_to(timers, T0 + 86400 * SEC + 30 * SEC, &fired));
	T_EQ_INT(before + 2, polls(store));
	/* Healthy: nothing overdue by more than the grace; after a stall of
	 * an hour (the clock moved without the timers), not. */
	T_EQ_INT(1, poller_healthy(p, clock_now_usec(), 0));
	T_EQ_INT(0, poller_healthy(p, clock_now_usec() + 3 * 3600 * SEC, 60 * SEC));

	poller_free(p);
	ctimers_free(timers);
	event_base_free(base);
	store_close(store);
	config_free(current);
	diag_list_clear(&dl);
	clock_set_real();
	tfs_rmrf(dir);
}

/* A decision about one account (crisis mode, a clock) re-plans that
 * account only: another account's due time stays even when the store
 * would now give it a different one. */
static void test_refresh_replans_one_account(void)
{
	char *dir = tfs_mkdtemp(), db[4200];
	struct diag_list dl = { 0 };
	struct config_overrides ovr = { .state_dir = dir, .api_socket = "/nonexistent/api.sock" };
	struct store *store = NULL;
	struct event_base *base = event_base_new();
	struct ctimers *timers = NULL;
	struct poller *p = NULL;
	size_t fired = 0;
	const char *a = NULL, *b = NULL;

	clock_set_manual(T0);
	T_EQ_INT(0, config_load(SRCDIR "/config/demo", &ovr, &current, &dl));
	for (size_t i = 0; i < current->n_accounts; i++)
		if (current->accounts[i].enabled) {
			if (!a)
				a = current->accounts[i].id;
			else if (!b)
				b = current->accounts[i].id;
		}
	T_ASSERT(a && b);
	snprintf(db, sizeof(db), "%s/vakt.db", dir);
	T_EQ_INT(0, store_open(db, &store, NULL, 0));
	T_EQ_INT(0, store_accounts_sync(store, current, "test"));
	T_EQ_INT(0, ctimers_new(base, &timers));
	struct poller_env env = {
		.timers = timers, .store = store, .config = get_config, .config_arg = NULL
	};
	T_EQ_INT(0, poller_new(&env, &p));
	T_EQ_INT(0, ctimers_advance_to(timers, T0 + 30 * SEC, &fired));
	int64_t due_a = 0, due_b = 0, due = 0, id = 0;
	T_EQ_INT(0, poller_next_due(p, a, &due_a));
	T_EQ_INT(0, poller_next_due(p, b, &due_b));
	T_ASSERT(due_b > T0 + 30 * SEC && due_b < T0 + 3600 * SEC);

	/* The store now says b last planned a poll two hours on: a re-plan of
	 * b would move its next poll past that. */
	T_EQ_INT(0, store_poll_begin(store, b, T0 + 7200 * SEC, T0 + 30 * SEC, &id));
	poller_refresh(p, a);
	T_EQ_INT(0, poller_next_due(p, b, &due));
	T_EQ_INT(due_b, due);
	T_EQ_INT(0, poller_next_due(p, a, &due));
	T_EQ_INT(due_a, due);
	poller_refresh(p, "no-such-account");
	T_EQ_INT(0, poller_next_due(p, b, &due));
	T_EQ_INT(due_b, due);
	T_EQ_INT(-ENOENT, poller_next_due(p, "no-such-account", &due));

	poller_refresh(p, b);
	T_EQ_INT(0, poller_next_due(p, b, &due));
	T_ASSERT(due > T0 + 7200 * SEC);
	T_EQ_INT(0, poller_next_due(p, a, &due));
	T_EQ_INT(due_a, due);

	poller_free(p);
	ctimers_free(timers);
	event_base_free(base);
	store_close(store);
	config_free(current);
	diag_list_clear(&dl);
	clock_set_real();
	tfs_rmrf(dir);
}

int main(void)
{
	T_RUN(test_polls_on_the_manual_clock);
	T_RUN(test_refresh_replans_one_account);
	return t_done();
}
