/* The deadline scan in slices (catchup.h). */
#include "escalate/catchup.h"

#include <errno.h>
#include <stdlib.h>
#include <time.h>

#include "deadline/deadline.h"
#include "escalate/escalate.h"
#include "store/deadlines.h"
#include "util/clock.h"
#include "util/log.h"

void catchup_init(struct catchup *c, size_t slice_max)
{
	*c = (struct catchup){
		.slice_max = slice_max == 0 || slice_max > DEADLINE_SCAN_MAX ? CATCHUP_SLICE_DEFAULT
		                                                             : slice_max,
		.budget_usec = CATCHUP_BUDGET_DEFAULT_USEC,
	};
}

static void log_transitions(const struct deadline_transition *tr, size_t n)
{
	for (size_t i = 0; i < n; i++) {
		char due[40];
		log_full(tr[i].level == DEADLINE_LEVEL_BREACH ? LOG_WARNING : LOG_NOTICE, NULL,
		         tr[i].item_id, "deadline %lld (%s): %s, due %s",
		         (long long)tr[i].deadline_id, deadline_kind_name(tr[i].kind),
		         deadline_level_name(tr[i].level),
		         clock_format_utc(tr[i].due_at, due, sizeof(due)));
	}
}

/* A full slice with no run going starts one: how much is due is counted
 * once (an index range), for the log and the status. */
static void run_start(struct catchup *c, struct store *s, int64_t now)
{
	int64_t due = 0;
	if (store_deadlines_due_count(s, now, &due) != 0)
		due = -1;
	c->running = true;
	c->started_usec = now;
	c->finished_usec = 0;
	c->due_at_start = due;
	c->slices = c->transitions = c->escalations = c->logged_at = 0;
	c->longest_slice_usec = c->longest_slice_cpu_usec = 0;
	c->runs++;
	log_notice(
	        "deadline catch-up: %lld clock(s) with a warning or breach due; working in "
	        "slices of at most %zu transitions or %.1f ms of CPU between the loop's other work",
	        (long long)due, c->slice_max, (double)c->budget_usec / 1000);
}

static int64_t usec_of(clockid_t id)
{
	struct timespec ts;
	clock_gettime(id, &ts);
	return (int64_t)ts.tv_sec * 1000000 + ts.tv_nsec / 1000;
}

static void run_account(struct catchup *c, size_t n, size_t escalated, bool more, int64_t now,
                        int64_t took, int64_t cpu)
{
	c->slices++;
	if (took > c->longest_slice_usec)
		c->longest_slice_usec = took;
	if (cpu > c->longest_slice_cpu_usec)
		c->longest_slice_cpu_usec = cpu;
	c->transitions += n;
	c->escalations += escalated;
	if (more && c->transitions - c->logged_at >= CATCHUP_LOG_EVERY) {
		c->logged_at = c->transitions;
		log_info("deadline catch-up: %zu transitions, %zu escalations in %zu slices so far "
		         "(%lld clocks were due at the start)",
		         c->transitions, c->escalations, c->slices, (long long)c->due_at_start);
	}
	if (!more) {
		char buf[40];
		c->running = false;
		c->finished_usec = now;
		log_notice(
		        "deadline catch-up done: %zu transitions, %zu escalations in %zu slices, "
		        "the longest %.1f ms (%.1f ms of CPU) (started %s)",
		        c->transitions, c->escalations, c->slices,
		        (double)c->longest_slice_usec / 1000,
		        (double)c->longest_slice_cpu_usec / 1000,
		        clock_format_utc(c->started_usec, buf, sizeof(buf)));
	}
}

/* Scan and escalate in steps of CATCHUP_STEP transitions until the slice
 * is full, nothing more is due, or the CPU budget is spent.  tr grows to
 * hold the slice's transitions; *ret_full says the last step was full,
 * i.e. more may be due. */
static int slice_steps(struct catchup *c, struct store *s, int64_t now, int64_t cpu0,
                       struct deadline_transition *tr, size_t *ret_n, size_t *ret_escalated,
                       bool *ret_full)
{
	size_t n = 0, escalated = 0;
	bool full = false;
	int r = 0;

	while (r == 0 && n < c->slice_max) {
		struct deadline_transition *part = NULL;
		size_t want = c->slice_max - n, k = 0;
		if (c->budget_usec > 0 && want > CATCHUP_STEP)
			want = CATCHUP_STEP;
		r = deadline_scan(s, now, "vaktd", want, &part, &k);
		for (size_t i = 0; r == 0 && i < k; i++) {
			int64_t id = 0;
			tr[n + i] = part[i];
			r = escalate_deadline(s, &part[i], now, &id);
			escalated += id != 0;
		}
		free(part);
		n += k;
		full = k == want;
		if (!full || (c->budget_usec > 0 &&
		              usec_of(CLOCK_THREAD_CPUTIME_ID) - cpu0 >= c->budget_usec))
			break;
	}
	*ret_n = n;
	*ret_escalated = escalated;
	*ret_full = full;
	return r;
}

int catchup_slice(struct catchup *c, struct store *s, int64_t now, bool *ret_more,
                  size_t *ret_escalated)
{
	struct deadline_transition *tr = NULL;
	size_t n = 0, escalated = 0;
	bool more = false;

	*ret_more = false;
	tr = calloc(c->slice_max, sizeof(*tr));
	if (!tr)
		return -ENOMEM;
	int64_t t0 = usec_of(CLOCK_MONOTONIC), cpu0 = usec_of(CLOCK_THREAD_CPUTIME_ID);
	int r = store_begin(s);
	if (r == 0)
		r = store_end(s, slice_steps(c, s, now, cpu0, tr, &n, &escalated, &more));
	if (r) {
		free(tr);
		return r;
	}
	int64_t took = usec_of(CLOCK_MONOTONIC) - t0;
	int64_t cpu = usec_of(CLOCK_THREAD_CPUTIME_ID) - cpu0;
	log_transitions(tr, n);
	free(tr);
	if (more && !c->running)
		run_start(c, s, now);
	if (c->running)
		run_account(c, n, escalated, more, now, took, cpu);
	*ret_more = more;
	if (ret_escalated)
		*ret_escalated = escalated;
	return 0;
}
