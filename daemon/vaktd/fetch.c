/* The fetch driver: polls, their transfers and their limits. */
#include "vaktd/fetch.h"

#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include <event2/event.h>

#include "config/config.h"
#include "net/curlev.h"
#include "store/fetch-store.h"
#include "store/store.h"
#include "util/clock.h"
#include "util/ctimer.h"
#include "util/error.h"
#include "util/log.h"
#include "vaktd/fetch-internal.h"

#define PLATFORMS_MAX 16

struct fetch_poll;

/* One request on the wire, then its answer until the flush handles it. */
struct slot {
	struct fetch_poll *poll;
	struct http_xfer *x;
	struct conn_request req;
	struct slot *next;
	bool answered;           /* off the wire, in f->ready */
	struct slot *ready_next; /* f->ready, in the order the answers came */
};

struct fetch_poll {
	struct fetch *f;
	struct fetch_poll *next;
	const struct connector *conn;
	int platform; /* index into f->platform_inflight */
	/* Copied out of the configuration when the poll started. */
	char *account, *token, *base_url, *external_id, *cursor;
	struct conn_account acc;
	struct conn_poll *cp;
	int64_t poll_id;
	struct slot *slots;
	size_t in_flight;
	int64_t not_before; /* no new request before this (backoff, rate limit) */
	bool slow;          /* the platform is near its limit: one request at a time */
	int failures;       /* transient failures in a row, for the backoff */
	int64_t timeout_at; /* the poll's timeout; pushed back by a platform's wait */
	struct fetch_tally tally;
	/* YouTube: the project whose daily units the poll spends (NULL:
	 * none), its QuotaPerDay= and QuotaReserve=. */
	char *quota_project;
	unsigned quota_per_day, quota_reserve;
	int quota_units; /* counted for this poll so far */
	bool deferred;   /* ended by the quota budget: the account's health stays */
	struct ctimer *wait, *timeout;
	fetch_done_fn done;
	void *done_arg;
	/* In the flush's transaction (group commit): the tally before it, and,
	 * once the poll ended in it, how, to report after the commit. */
	bool grouped;
	struct fetch_tally tally_before;
	const char *end_result;
	enum conn_outcome end_outcome;
	char *end_error;
};

struct stop {
	char *account;
	int64_t until; /* INT64_MAX: until the configuration is reloaded */
	char why[256];
};

/* What the quota budget remembers: "said:PROJECT" the Pacific day the
 * QUOTA line was said (+1; 0 never), "units:ACCOUNT" the units of the
 * account's last poll. */
struct quota_memo {
	char *key;
	int64_t value;
};

struct fetch {
	struct fetch_env env;
	struct quota_memo *memo;
	size_t n_memo;
	struct fetch_poll *polls;
	size_t n_polls;
	struct {
		const struct connector *conn;
		enum platform plat; /* PLATFORM_COUNT: none of the six */
		int in_flight;
		/* The app's usage (fetch_rate_apply_app), for all its accounts. */
		int64_t not_before;
		bool slow;
	} platforms[PLATFORMS_MAX];
	size_t n_platforms;
	struct stop *stops;
	size_t n_stops;
	struct event *wake; /* pump every poll (a platform slot came free) */
	/* Answers wait in ready for the flush, which stores all of them in one
	 * transaction (one fsync for many polls); polls that ended in it wait
	 * in ended to be reported after the commit. */
	struct slot *ready, *ready_tail;
	struct fetch_poll *ended, *ended_tail;
	struct event *flush;
	bool grouping; /* the flush's transaction is open */
	bool draining;
	struct event *drain_timer;
	void (*drain_done)(void *);
	void *drain_arg;
	unsigned rnd; /* jitter */
};

static void pump(struct fetch_poll *p);

static const char *failure_name(enum http_failure f)
{
	switch (f) {
	case HTTP_OK:
		return "ok";
	case HTTP_TIMEOUT:
		return "timed out";
	case HTTP_CONNECT:
		return "cannot connect";
	case HTTP_TOO_LARGE:
		return "answer too large";
	case HTTP_TRANSFER:
		return "transfer broken";
	case HTTP_ABORTED:
		return "abandoned";
	}
	return "failed";
}

/* --- stops ---------------------------------------------------------------- */

static struct stop *find_stop(const struct fetch *f, const char *account)
{
	for (size_t i = 0; i < f->n_stops; i++)
		if (strcmp(f->stops[i].account, account) == 0)
			return &f->stops[i];
	return NULL;
}

static void add_stop(struct fetch *f, const char *account, int64_t until, const char *why)
{
	struct stop *s = find_stop(f, account);
	if (!s) {
		struct stop *v = realloc(f->stops, (f->n_stops + 1) * sizeof(*v));
		char *copy = strdup(account);
		if (!v || !copy) {
			free(copy);
			if (v)
				f->stops = v;
			return; /* out of memory: the account polls on; it fails again */
		}
		f->stops = v;
		s = &f->stops[f->n_stops++];
		s->account = copy;
	}
	s->until = until;
	snprintf(s->why, sizeof(s->why), "%s", why && *why ? why : "the platform said stop");
}

const char *fetch_stopped_why(const struct fetch *f, const char *account)
{
	const struct stop *s = find_stop(f, account);
	return s && s->until > clock_now_usec() ? s->why : "";
}

void fetch_reconfigured(struct fetch *f)
{
	for (size_t i = 0; i < f->n_stops; i++)
		free(f->stops[i].account);
	free(f->stops);
	f->stops = NULL;
	f->n_stops = 0;
	/* RequestsInFlight= may have grown: polls waiting for a slot go on. */
	if (f->polls)
		event_active(f->wake, 0, 0);
}

/* --- YouTube's quota budget ----------------------------------------------- */

static int64_t *memo(struct fetch *f, const char *kind, const char *name)
{
	static int64_t spare; /* out of memory: forgotten (said again, one unit) */
	char *key = NULL;
	if (asprintf(&key, "%s:%s", kind, name) < 0)
		return spare = 0, &spare;
	for (size_t i = 0; i < f->n_memo; i++)
		if (strcmp(f->memo[i].key, key) == 0) {
			free(key);
			return &f->memo[i].value;
		}
	struct quota_memo *v = realloc(f->memo, (f->n_memo + 1) * sizeof(*v));
	if (!v) {
		free(key);
		return spare = 0, &spare;
	}
	f->memo = v;
	v[f->n_memo] = (struct quota_memo){ .key = key, .value = 0 };
	return &f->memo[f->n_memo++].value;
}

/* Whether a request of `cost` units fits the project's poll budget today;
 * when not, the account's polls stop until midnight Pacific (said loudly
 * once per project and day) and *why says so.  A store that cannot be read
 * does not stop polling: Google's own quotaExceeded still would. */
static bool quota_allows(struct fetch *f, const char *account, const char *project,
                         unsigned per_day, unsigned reserve, int cost, char *why, size_t len)
{
	struct fetch_quota q;
	int r = fetch_quota_get(f->env.store, project, per_day, reserve, clock_now_usec(), &q);
	if (r) {
		log_full(LOG_ERR, account, 0, "cannot read the YouTube quota count of '%s': %s",
		         project, r > 0 ? store_strerror(f->env.store, r) : vakt_strerror(r));
		return true;
	}
	if (fetch_quota_fits(&q, cost))
		return true;
	fetch_quota_why(&q, why, len);
	add_stop(f, account, q.day.reset_usec, why);
	fetch_quota_say(account, project, &q, memo(f, "said", project));
	return false;
}

/* YouTube said the project's units are spent (quotaExceeded): count them
 * spent for the Pacific day, so that every other account of the project
 * defers its polls to midnight Pacific (quota_allows, and across a
 * restart) instead of each asking once more, failing and turning red on
 * the same answer. */
static void quota_spent(struct fetch *f, const struct fetch_poll *p, int64_t now)
{
	struct fetch_quota q;
	int r = fetch_quota_get(f->env.store, p->quota_project, p->quota_per_day, p->quota_reserve,
	                        now, &q);
	if (r == 0 && q.used < q.per_day)
		r = fetch_quota_charge(f->env.store, p->quota_project, (int)(q.per_day - q.used),
		                       now);
	if (r)
		log_full(LOG_ERR, p->account, 0,
		         "cannot count project '%s''s YouTube quota spent: %s", p->quota_project,
		         r > 0 ? store_strerror(f->env.store, r) : vakt_strerror(r));
	else
		log_full(
		        LOG_WARNING, p->account, 0,
		        "QUOTA: YouTube says project '%s' has spent its daily units: counted spent "
		        "(%u), the project's other accounts wait for midnight Pacific",
		        p->quota_project, p->quota_per_day);
}

/* --- platforms ------------------------------------------------------------ */

static int platform_index(struct fetch *f, const struct connector *c)
{
	for (size_t i = 0; i < f->n_platforms; i++)
		if (f->platforms[i].conn == c)
			return (int)i;
	if (f->n_platforms == PLATFORMS_MAX)
		return -1;
	f->platforms[f->n_platforms].conn = c;
	/* Not one of the six (a test's connector): [Schedule]'s limit. */
	if (platform_from_name(c->platform, &f->platforms[f->n_platforms].plat) < 0)
		f->platforms[f->n_platforms].plat = PLATFORM_COUNT;
	f->platforms[f->n_platforms].in_flight = 0;
	f->platforms[f->n_platforms].not_before = 0;
	f->platforms[f->n_platforms].slow = false;
	return (int)f->n_platforms++;
}

/* An app near its limit gets a quarter of the platform's requests, and
 * never more than the 4 of the days when 16 were the fixed limit: a
 * larger RequestsInFlight= speeds up a cycle, not an app the platform is
 * about to throttle. */
static bool platform_full(const struct fetch *f, int i)
{
	/* Read each time: a reload changes it for the polls running. */
	int max = (int)config_requests_in_flight(f->env.config(f->env.arg), f->platforms[i].plat);
	if (f->platforms[i].slow)
		max = max / 4 > 4 ? 4 : max / 4 > 0 ? max / 4 : 1;
	return f->platforms[i].in_flight >= max;
}

/* --- polls ---------------------------------------------------------------- */

static void slot_free(struct slot *s)
{
	http_xfer_free(s->x); /* abandons it if still running */
	conn_request_clear(&s->req);
	free(s);
}

static void ready_remove(struct fetch *f, struct slot *s)
{
	struct slot *prev = NULL;
	for (struct slot *r = f->ready; r; prev = r, r = r->ready_next)
		if (r == s) {
			if (prev)
				prev->ready_next = s->ready_next;
			else
				f->ready = s->ready_next;
			if (f->ready_tail == s)
				f->ready_tail = prev;
			return;
		}
}

/* Abandon the poll's requests and drop its answers not yet handled. */
static void drop_slots(struct fetch_poll *p)
{
	while (p->slots) {
		struct slot *s = p->slots;
		p->slots = s->next;
		if (s->answered)
			ready_remove(p->f, s);
		else
			p->f->platforms[p->platform].in_flight--;
		slot_free(s);
	}
	p->in_flight = 0;
}

static void poll_free(struct fetch_poll *p)
{
	if (!p)
		return;
	drop_slots(p);
	if (p->cp)
		p->conn->poll_free(p->cp);
	ctimer_free(p->wait);
	ctimer_free(p->timeout);
	free(p->account);
	if (p->token) {
		explicit_bzero(p->token, strlen(p->token));
		free(p->token);
	}
	free(p->base_url);
	free(p->external_id);
	free(p->cursor);
	free(p->quota_project);
	free(p->end_error);
	free(p);
}

static void unlink_poll(struct fetch *f, struct fetch_poll *p)
{
	for (struct fetch_poll **pp = &f->polls; *pp; pp = &(*pp)->next)
		if (*pp == p) {
			*pp = p->next;
			f->n_polls--;
			return;
		}
}

static bool check_drained(struct fetch *f);
static const struct config_account *current_account(struct fetch *f, const char *id);

/* Write the poll's end and the account's health (in the flush's
 * transaction when one is open). */
static void record_end(struct fetch_poll *p, const char *result, enum conn_outcome outcome,
                       const char *error)
{
	struct fetch *f = p->f;
	const struct config_account *acc = current_account(f, p->account);
	const struct fetch_health_policy hp = {
		.red_after = f->env.red_after,
		.stale_usec = acc ? fetch_stale_after(acc) : 0,
	};
	/* A poll the quota budget ended is vakt's plan, not the account's
	 * failure: its health stays as it was. */
	int r = fetch_record_end(f->env.store, p->account, p->poll_id, result, &p->tally, outcome,
	                         error, p->deferred ? NULL : &hp, clock_now_usec());
	if (r)
		log_full(LOG_ERR, p->account, 0, "cannot record the end of poll %lld: %s",
		         (long long)p->poll_id, store_strerror(f->env.store, r));
}

/* Say how the poll ended (log, done), free it. */
static void report(struct fetch_poll *p, const char *result, enum conn_outcome outcome,
                   const char *error)
{
	struct fetch *f = p->f;
	log_full(strcmp(result, "ok") == 0 ? LOG_DEBUG : LOG_WARNING, p->account, 0,
	         "poll %lld: %s, %d new, %d changed, %d gone, %d request(s), %d retr%s%s%s",
	         (long long)p->poll_id, result, p->tally.items_new, p->tally.items_updated,
	         p->tally.gone, p->tally.requests, p->tally.retries,
	         p->tally.retries == 1 ? "y" : "ies", error && *error ? ": " : "",
	         error ? error : "");
	const struct fetch_report rep = {
		.poll_id = p->poll_id,
		.account = p->account,
		.result = result,
		.items_new = p->tally.items_new,
		.items_updated = p->tally.items_updated,
		.gone = p->tally.gone,
		.requests = p->tally.requests,
		.retries = p->tally.retries,
		.outcome = outcome,
		.error = error ? error : "",
	};
	if (p->done)
		p->done(p->done_arg, &rep);
	poll_free(p);
	check_drained(f);
}

/* End the poll: record it, say so, free it.  outcome CONN_OK and result
 * "ok" for a poll that fetched everything.  In the flush, the saying waits
 * for the commit: nobody hears of a poll whose end a crash could undo. */
static void finish(struct fetch_poll *p, const char *result, enum conn_outcome outcome,
                   const char *error)
{
	struct fetch *f = p->f;
	/* What the account's next poll is planned with (fetch_start). */
	if (p->quota_project && !p->deferred)
		*memo(f, "units", p->account) = p->quota_units;
	unlink_poll(f, p);
	drop_slots(p);
	ctimer_disarm(p->wait);
	ctimer_disarm(p->timeout);
	/* Its requests may have held the platform's last slots. */
	event_active(f->wake, 0, 0);
	record_end(p, result, outcome, error);
	if (!f->grouping) {
		report(p, result, outcome, error);
		return;
	}
	p->end_result = result; /* "ok", "partial", "error": static */
	p->end_outcome = outcome;
	p->end_error = strdup(error ? error : "");
	p->next = NULL;
	if (f->ended_tail)
		f->ended_tail->next = p;
	else
		f->ended = p;
	f->ended_tail = p;
}

/* A poll that stored something and then failed is partial. */
static void fail(struct fetch_poll *p, enum conn_outcome outcome, const char *error)
{
	bool stored = p->tally.items_new || p->tally.items_updated || p->tally.gone;
	finish(p, stored ? "partial" : "error", outcome, error);
}

static const char *answer_header(const void *ctx, const char *name)
{
	return http_xfer_response_header(ctx, name);
}

static const struct config_account *current_account(struct fetch *f, const char *id)
{
	const struct config_account *a = config_find_account(f->env.config(f->env.arg), id);
	return a && a->enabled ? a : NULL;
}

static double next_rnd(struct fetch *f)
{
	f->rnd = f->rnd * 1103515245u + 12345u;
	return (double)((f->rnd >> 8) & 0xffff) / 65536.0;
}

/* A transient failure: wait (backoff, or what the platform asked), and
 * give up after retry_max of them in one poll. */
static bool transient(struct fetch_poll *p, enum conn_outcome o, const char *why,
                      int64_t retry_after)
{
	struct fetch *f = p->f;
	if (p->tally.retries >= f->env.retry_max) {
		char msg[320];
		snprintf(msg, sizeof(msg), "gave up after %d retries: %s", p->tally.retries, why);
		fail(p, o, msg);
		return false;
	}
	p->tally.retries++;
	p->failures++;
	int64_t d = fetch_backoff(p->failures, f->env.backoff_usec, f->env.backoff_max_usec,
	                          next_rnd(f), retry_after);
	int64_t at = clock_now_usec() + d;
	if (at > p->not_before)
		p->not_before = at;
	/* The wait the platform's rate limit asked for may be longer. */
	log_full(LOG_INFO, p->account, 0, "poll %lld: %s; retrying in %.1f s",
	         (long long)p->poll_id, why,
	         (double)(p->not_before - clock_now_usec()) / USEC_PER_SEC);
	return true;
}

/* Returns false when the poll ended. */
static bool handle_answer(struct fetch_poll *p, struct slot *s)
{
	struct fetch *f = p->f;
	enum http_failure hf = http_xfer_failure(s->x);
	struct conn_batch b;
	size_t len = 0;
	const char *body = hf == HTTP_OK ? http_xfer_body_data(s->x, &len) : "";
	const struct conn_answer a = {
		.status = hf == HTTP_OK ? http_xfer_status(s->x) : 0,
		.body = body,
		.body_len = len,
		.header = answer_header,
		.header_ctx = s->x,
	};
	char why[256];

	conn_batch_init(&b);
	/* A transfer that brought no answer is handed over as status 0, so
	 * the connector offers the request again (connector.h). */
	int r = p->conn->poll_answer(p->cp, &s->req, &a, &b);
	if (r < 0) {
		conn_batch_clear(&b);
		snprintf(why, sizeof(why), "the connector failed: %s", vakt_strerror(r));
		fail(p, CONN_MALFORMED, why);
		return false;
	}
	enum conn_outcome o = hf == HTTP_OK ? b.outcome : CONN_RETRY;
	if (hf != HTTP_OK)
		snprintf(why, sizeof(why), "%s", failure_name(hf));
	else if (b.message)
		snprintf(why, sizeof(why), "%s (HTTP %ld)", b.message, a.status);
	else
		snprintf(why, sizeof(why), "%s (HTTP %ld)", conn_outcome_name(o), a.status);
	int64_t now = clock_now_usec();
	fetch_rate_apply(&b.rate, now, &p->not_before, &p->slow);
	fetch_rate_apply_app(&b.rate, now, &f->platforms[p->platform].not_before,
	                     &f->platforms[p->platform].slow);

	bool go_on = true;
	if (b.n_items || b.n_gone || b.cursor) {
		/* Stored with the configuration of now: a reload since the poll
		 * started may have changed the account's clocks, or removed
		 * it. */
		const struct config_account *acc = current_account(f, p->account);
		struct pipeline_rules *rules = f->env.rules(f->env.arg);
		if (!acc) {
			fail(p, CONN_OK, "the account was removed from the configuration");
			go_on = false;
		} else if ((r = fetch_ingest(f->env.store, rules, acc, p->poll_id, &b, now,
		                             &p->tally)) != 0) {
			snprintf(why, sizeof(why), "cannot store the batch: %s",
			         store_strerror(f->env.store, r));
			fail(p, CONN_OK, why);
			go_on = false;
		}
	}
	if (go_on) {
		switch (o) {
		case CONN_OK:
		case CONN_GONE:
			p->failures = 0;
			break;
		case CONN_RETRY:
		case CONN_MALFORMED:
			go_on = transient(p, o, why, b.rate.retry_after_usec);
			break;
		case CONN_STOP: {
			int64_t until = b.rate.retry_after_usec > 0 ? now + b.rate.retry_after_usec
			                                            : INT64_MAX;
			if (p->quota_project)
				quota_spent(f, p, now);
			add_stop(f, p->account, until, why);
			fail(p, o, why);
			go_on = false;
			break;
		}
		case CONN_NOT_ALLOWED:
			/* Part of what the poll asked for is not allowed here
			 * (Graph's ratings from v22.0): said, and the poll goes
			 * on with the rest. */
			log_full(LOG_NOTICE, p->account, 0, "poll %lld: %s", (long long)p->poll_id,
			         why);
			p->failures = 0;
			break;
		case CONN_TOKEN:
		case CONN_PERMISSION:
			fail(p, o, why); /* will not heal by retrying */
			go_on = false;
			break;
		}
	}
	conn_batch_clear(&b);
	return go_on;
}

static void unlink_slot(struct fetch_poll *p, struct slot *s)
{
	for (struct slot **sp = &p->slots; *sp; sp = &(*sp)->next)
		if (*sp == s) {
			*sp = s->next;
			break;
		}
	p->in_flight--;
}

/* The request is off the wire: its platform's slot is free at once; the
 * answer waits for the flush at the end of this loop iteration, and counts
 * as in flight for its poll until then. */
static void on_xfer_done(struct http_xfer *x, void *arg)
{
	struct slot *s = arg;
	struct fetch_poll *p = s->poll;
	struct fetch *f = p->f;
	bool was_full = platform_full(f, p->platform);
	f->platforms[p->platform].in_flight--;
	if (was_full)
		event_active(f->wake, 0, 0);
	if (http_xfer_failure(x) == HTTP_ABORTED) {
		unlink_slot(p, s);
		slot_free(s);
		pump(p);
		return;
	}
	s->answered = true;
	s->ready_next = NULL;
	if (f->ready_tail)
		f->ready_tail->ready_next = s;
	else
		f->ready = s;
	f->ready_tail = s;
	event_active(f->flush, 0, 0);
}

/* A commit of the flush failed: nothing of it is stored.  Polls that had
 * a batch in it fail (their connectors have moved past what is lost; the
 * next poll fetches it again from the stored cursor); the ends recorded in
 * it are recorded again, on their own. */
static void group_failed(struct fetch *f, int err)
{
	char why[320];
	snprintf(why, sizeof(why), "cannot store the batch: %s", store_strerror(f->env.store, err));
	log_error("fetch: cannot commit the answers of one loop iteration: %s", why);
	for (struct fetch_poll *p = f->ended; p; p = p->next) {
		p->tally = p->tally_before;
		/* A poll that failed anyway keeps its own reason (a token error
		 * stays a token error); one that was ok is not any more. */
		if (strcmp(p->end_result, "ok") == 0) {
			bool stored = p->tally.items_new || p->tally.items_updated || p->tally.gone;
			p->end_result = stored ? "partial" : "error";
			p->end_outcome = CONN_OK;
			free(p->end_error);
			p->end_error = strdup(why);
		}
		record_end(p, p->end_result, p->end_outcome, p->end_error);
	}
	for (struct fetch_poll *p = f->polls, *next; p; p = next) {
		next = p->next;
		if (p->grouped) {
			p->grouped = false;
			p->tally = p->tally_before;
			fail(p, CONN_OK, why);
		}
	}
}

/* Every answer of this loop iteration: stored in one transaction (each
 * batch's items, gone marks and cursor together or not at all, since a
 * batch that fails fails the transaction), with the ends of the polls they
 * finish.
 * One fsync instead of one or more per poll; results go out after it. */
static void on_flush(evutil_socket_t fd, short what, void *arg)
{
	struct fetch *f = arg;
	struct store *st = f->env.store;
	/* No transaction (the database is busy): each batch commits alone.
	 * The batches open no savepoints in it (store_begin_whole()): one
	 * that fails after writing fails the commit, as a failed commit does
	 * (group_failed()).  A savepoint per batch kept SQLite's statement
	 * journal open through the batch, and every statement of every item
	 * wrote the pages it changed to a temporary file: a third of vaktd's
	 * CPU in a first poll cycle (issue 10). */
	f->grouping = store_depth(st) == 0 && store_begin_whole(st) == 0;
	bool any = f->ready != NULL;
	struct slot *s;
	while ((s = f->ready)) {
		f->ready = s->ready_next;
		if (!f->ready)
			f->ready_tail = NULL;
		struct fetch_poll *p = s->poll;
		unlink_slot(p, s);
		if (f->grouping && !p->grouped) {
			p->grouped = true;
			p->tally_before = p->tally;
		}
		bool go_on = handle_answer(p, s);
		slot_free(s);
		if (go_on)
			pump(p);
	}
	if (f->grouping) {
		f->grouping = false;
		int r = store_end(st, 0);
		if (r)
			group_failed(f, r);
		for (struct fetch_poll *p = f->polls; p; p = p->next)
			p->grouped = false;
	}
	if (any && f->env.stored)
		f->env.stored(f->env.arg);
	struct fetch_poll *p;
	while ((p = f->ended)) {
		f->ended = p->next;
		if (!f->ended)
			f->ended_tail = NULL;
		report(p, p->end_result, p->end_outcome, p->end_error);
	}
	check_drained(f);
}

/* Put the token on the request as the platform wants it and start it. */
static int start_request(struct fetch_poll *p, struct slot *s)
{
	struct fetch *f = p->f;
	struct conn_request *q = &s->req;
	char *auth = NULL;
	int r = 0;

	if (p->conn->authorize)
		r = p->conn->authorize(p->token, q); /* may change the URL or headers */
	else if (asprintf(&auth, "Bearer %s", p->token) < 0)
		r = -ENOMEM;
	if (r == 0)
		r = http_xfer_new(q->method, q->url, &f->env.http, &s->x);
	if (r == 0 && auth)
		r = http_xfer_header(s->x, "Authorization", auth);
	for (char *line = q->headers; r == 0 && line && *line;) {
		char *nl = strchr(line, '\n'), *colon = strchr(line, ':');
		size_t n = nl ? (size_t)(nl - line) : strlen(line);
		if (colon && colon < line + n) {
			char name[128], value[1024];
			const char *v = colon + 1;
			while (*v == ' ')
				v++;
			snprintf(name, sizeof(name), "%.*s", (int)(colon - line), line);
			snprintf(value, sizeof(value), "%.*s", (int)(line + n - v), v);
			r = http_xfer_header(s->x, name, value);
		}
		line = nl ? nl + 1 : NULL;
	}
	if (r == 0 && q->body)
		r = http_xfer_body(s->x, q->content_type[0] ? q->content_type : "application/json",
		                   q->body, q->body_len);
	if (r == 0)
		r = http_xfer_start(s->x, f->env.curl, on_xfer_done, s);
	if (auth) {
		explicit_bzero(auth, strlen(auth));
		free(auth);
	}
	return r;
}

static void pump(struct fetch_poll *p)
{
	struct fetch *f = p->f;
	if (f->draining)
		return;
	/* Done: it ends now, whatever the platform said of the next request. */
	if (p->in_flight == 0 && p->conn->poll_done(p->cp)) {
		finish(p, "ok", CONN_OK, NULL);
		return;
	}
	int64_t now = clock_now_usec();
	int64_t not_before = p->not_before > f->platforms[p->platform].not_before
	                             ? p->not_before
	                             : f->platforms[p->platform].not_before;
	if (not_before > now) {
		/* Waiting for the platform's window (X's are 15 minutes) is not
		 * a hung poll: the timeout counts from the end of the wait. */
		if (not_before + f->env.poll_timeout_usec > p->timeout_at) {
			p->timeout_at = not_before + f->env.poll_timeout_usec;
			if (ctimer_arm_at(p->timeout, p->timeout_at) < 0)
				log_full(LOG_WARNING, p->account, 0,
				         "cannot arm the poll's timeout");
		}
		if (ctimer_arm_at(p->wait, not_before) < 0)
			fail(p, CONN_RETRY, "cannot arm the retry timer");
		return;
	}
	bool slow = p->slow || f->platforms[p->platform].slow;
	size_t limit = slow || p->conn->max_concurrency < 1 ? 1 : (size_t)p->conn->max_concurrency;
	while (p->in_flight < limit && !platform_full(f, p->platform)) {
		struct slot *s = calloc(1, sizeof(*s));
		if (!s) {
			fail(p, CONN_OK, "out of memory");
			return;
		}
		int r = p->conn->poll_next(p->cp, &s->req);
		if (r <= 0) {
			free(s);
			if (r < 0) {
				fail(p, CONN_MALFORMED,
				     "the connector cannot make the next request");
				return;
			}
			break;
		}
		s->poll = p;
		char why[320];
		if (s->req.quota_cost > 0 && p->quota_project &&
		    !quota_allows(f, p->account, p->quota_project, p->quota_per_day,
		                  p->quota_reserve, s->req.quota_cost, why, sizeof(why))) {
			/* The poll ends here, its requests in flight abandoned:
			 * nothing of them is stored, so the cursor stays and the
			 * next Pacific day fetches it all. */
			slot_free(s);
			p->deferred = true;
			bool stored = p->tally.items_new || p->tally.items_updated || p->tally.gone;
			finish(p, stored ? "partial" : "error", CONN_OK, why);
			return;
		}
		r = start_request(p, s);
		if (r < 0) {
			slot_free(s);
			fail(p, CONN_OK, "cannot start a request");
			return;
		}
		if (s->req.quota_cost > 0 && p->quota_project) {
			r = fetch_quota_charge(f->env.store, p->quota_project, s->req.quota_cost,
			                       clock_now_usec());
			p->quota_units += s->req.quota_cost;
			if (r)
				log_full(LOG_ERR, p->account, 0,
				         "cannot count %d YouTube quota unit(s) of '%s': %s",
				         s->req.quota_cost, p->quota_project,
				         r > 0 ? store_strerror(f->env.store, r)
				               : vakt_strerror(r));
		}
		s->next = p->slots;
		p->slots = s;
		p->in_flight++;
		f->platforms[p->platform].in_flight++;
		p->tally.requests++;
	}
	if (p->in_flight)
		return;
	if (p->conn->poll_done(p->cp))
		finish(p, "ok", CONN_OK, NULL);
	else if (!platform_full(f, p->platform))
		/* Nothing in flight, nothing offered, not done: a connector
		 * that did not offer a failed request again. */
		fail(p, CONN_MALFORMED,
		     "the connector stopped offering requests before it was done");
	/* else: waits for a slot of its platform (f->wake) */
}

static void on_wait(void *arg)
{
	pump(arg);
}

static void on_timeout(void *arg)
{
	struct fetch_poll *p = arg;
	fail(p, CONN_RETRY, "the poll timed out");
}

static void on_wake(evutil_socket_t fd, short what, void *arg)
{
	struct fetch *f = arg;
	/* What the requests started here write (YouTube's quota units, the
	 * ends of polls that cannot go on) commits once, not once per poll,
	 * as in the poller's timer; without it (busy), each alone. */
	bool one = store_depth(f->env.store) == 0 && store_begin(f->env.store) == 0;
	/* pump() may end a poll (only that one), or a done callback may start
	 * one (at the head): keep the next one before each call. */
	for (struct fetch_poll *p = f->polls, *next; p; p = next) {
		next = p->next;
		if (!platform_full(f, p->platform) && !ctimer_armed(p->wait))
			pump(p);
	}
	if (one) {
		int r = store_end(f->env.store, 0);
		if (r)
			log_error("cannot commit the requests started on a wake: %s",
			          r > 0 ? store_strerror(f->env.store, r) : vakt_strerror(r));
	}
}

static int copy_account(struct fetch_poll *p, const struct config_account *a)
{
	const char *base =
	        a->api_base_url && *a->api_base_url ? a->api_base_url : p->conn->default_url;
	if (!base || !*base)
		return -EDESTADDRREQ; /* Mastodon: ApiBaseUrl= names the server */
	p->account = strdup(a->id);
	p->token = strdup(a->token.value);
	p->base_url = strdup(base ? base : "");
	p->external_id = strdup(a->external_id ? a->external_id : "");
	if (!p->account || !p->token || !p->base_url || !p->external_id)
		return -ENOMEM;
	if (a->quota_project && !(p->quota_project = strdup(a->quota_project)))
		return -ENOMEM;
	p->quota_per_day = a->quota_per_day;
	p->quota_reserve = a->quota_reserve;
	size_t n = strlen(p->base_url);
	while (n > 0 && p->base_url[n - 1] == '/')
		p->base_url[--n] = '\0';
	return 0;
}

int fetch_start(struct fetch *f, const char *account, int64_t planned, fetch_done_fn done,
                void *arg, int64_t *ret_poll_id)
{
	if (f->draining)
		return -ESHUTDOWN;
	const struct config_account *a = current_account(f, account);
	if (!a)
		return -ENOENT;
	const char *platform = platform_name(a->platform);
	const struct connector *c =
	        f->env.connector ? f->env.connector(platform) : connector_find(platform);
	if (!c)
		return -EOPNOTSUPP;
	if (fetch_running(f, account))
		return -EBUSY;
	if (fetch_stopped_why(f, account)[0])
		return -ECANCELED;
	/* A poll is planned to cost what the account's last one did (at
	 * least one unit): none is started that would not fit, rather than
	 * cut short when the budget runs out in the middle (the stop then
	 * says why). */
	char why[320];
	if (a->quota_project && a->token.value) {
		int64_t last = *memo(f, "units", account);
		int cost = last > 1 ? (last < 1000 ? (int)last : 1000) : 1;
		if (!quota_allows(f, account, a->quota_project, a->quota_per_day, a->quota_reserve,
		                  cost, why, sizeof(why)))
			return -ECANCELED;
	}
	int64_t now = clock_now_usec();
	struct fetch_poll *p = calloc(1, sizeof(*p));
	int r = p ? 0 : -ENOMEM;
	if (r)
		return r;
	p->f = f;
	p->conn = c;
	p->done = done;
	p->done_arg = arg;
	p->platform = platform_index(f, c);
	if (p->platform < 0) {
		free(p);
		return -ENOSPC;
	}
	if (!a->token.value) {
		free(p);
		return -ENOKEY; /* nothing to poll with; `vaktctl accounts` says no-token */
	}
	r = copy_account(p, a);
	if (r == -EDESTADDRREQ) {
		poll_free(p);
		return r;
	}
	if (r == 0)
		r = store_cursor_get(f->env.store, account, FETCH_CURSOR_NAME, &p->cursor);
	if (r == 0)
		r = ctimer_new(f->env.timers, on_wait, p, &p->wait);
	if (r == 0)
		r = ctimer_new(f->env.timers, on_timeout, p, &p->timeout);
	if (r) {
		poll_free(p);
		return r;
	}
	p->acc = (struct conn_account){
		.id = p->account,
		.external_id = p->external_id,
		.base_url = p->base_url,
		.cursor = p->cursor,
		.backfill_from = now - (int64_t)a->backfill_days * 86400 * USEC_PER_SEC,
		.now = now,
	};
	r = c->poll_new(&p->acc, &p->cp);
	if (r == -EINVAL && p->cursor) {
		log_full(LOG_WARNING, account, 0,
		         "the stored cursor cannot be read; fetching from the backfill horizon");
		p->acc.cursor = NULL;
		r = c->poll_new(&p->acc, &p->cp);
	}
	if (r == 0)
		r = store_poll_begin(f->env.store, account, planned, now, &p->poll_id);
	if (r) {
		poll_free(p);
		return r;
	}
	p->timeout_at = now + f->env.poll_timeout_usec;
	if (ctimer_arm_at(p->timeout, p->timeout_at) < 0)
		log_full(LOG_WARNING, account, 0, "cannot arm the poll's timeout");
	p->next = f->polls;
	f->polls = p;
	f->n_polls++;
	*ret_poll_id = p->poll_id;
	pump(p); /* may end it at once (and call done) */
	return 0;
}

bool fetch_running(const struct fetch *f, const char *account)
{
	for (const struct fetch_poll *p = f->polls; p; p = p->next)
		if (strcmp(p->account, account) == 0)
			return true;
	return false;
}

size_t fetch_polls_running(const struct fetch *f)
{
	return f->n_polls;
}

size_t fetch_requests_in_flight(const struct fetch *f)
{
	size_t n = 0;
	for (size_t i = 0; i < f->n_platforms; i++)
		n += (size_t)f->platforms[i].in_flight;
	return n;
}

/* --- life cycle ----------------------------------------------------------- */

static bool check_drained(struct fetch *f)
{
	if (!f->draining || !f->drain_done || fetch_requests_in_flight(f) > 0 || f->ready ||
	    f->grouping)
		return false;
	void (*done)(void *) = f->drain_done;
	f->drain_done = NULL;
	if (f->drain_timer)
		event_del(f->drain_timer);
	done(f->drain_arg);
	return true;
}

static void on_drain_timer(evutil_socket_t fd, short what, void *arg)
{
	struct fetch *f = arg;
	void (*done)(void *) = f->drain_done;
	f->drain_done = NULL;
	if (done)
		done(f->drain_arg);
}

void fetch_drain(struct fetch *f, int64_t bound_usec, void (*done)(void *arg), void *arg)
{
	f->draining = true;
	f->drain_done = done;
	f->drain_arg = arg;
	/* Retry and wait timers must not start anything now. */
	for (struct fetch_poll *p = f->polls; p; p = p->next)
		ctimer_disarm(p->wait);
	if (!done || check_drained(f))
		return;
	struct timeval tv = { (time_t)(bound_usec / USEC_PER_SEC),
		              (suseconds_t)(bound_usec % USEC_PER_SEC) };
	/* Real time: the bound is the operator's, not the test clock's. */
	f->drain_timer = evtimer_new(f->env.base, on_drain_timer, f);
	if (!f->drain_timer || evtimer_add(f->drain_timer, &tv) < 0) {
		f->drain_done = NULL;
		done(arg);
	}
}

int fetch_new(const struct fetch_env *env, struct fetch **ret)
{
	struct fetch *f = calloc(1, sizeof(*f));
	if (!f)
		return -ENOMEM;
	f->env = *env;
	if (f->env.retry_max <= 0)
		f->env.retry_max = 5;
	if (f->env.backoff_usec <= 0)
		f->env.backoff_usec = 2 * USEC_PER_SEC;
	if (f->env.backoff_max_usec <= 0)
		f->env.backoff_max_usec = 300 * USEC_PER_SEC;
	if (f->env.poll_timeout_usec <= 0)
		f->env.poll_timeout_usec = 600 * USEC_PER_SEC;
	if (f->env.red_after <= 0)
		f->env.red_after = 3;
	f->rnd = (unsigned)clock_now_usec() ^ 0x5bd1e995u;
	f->wake = event_new(env->base, -1, 0, on_wake, f);
	f->flush = event_new(env->base, -1, 0, on_flush, f);
	if (!f->wake || !f->flush) {
		if (f->wake)
			event_free(f->wake);
		free(f);
		return -ENOMEM;
	}
	*ret = f;
	return 0;
}

void fetch_free(struct fetch *f)
{
	if (!f)
		return;
	int64_t now = clock_now_usec();
	while (f->polls) {
		struct fetch_poll *p = f->polls;
		f->polls = p->next;
		f->n_polls--;
		/* Not the account's failure: its health stays as it was. */
		int r = fetch_record_end(f->env.store, p->account, p->poll_id, "partial", &p->tally,
		                         CONN_OK, "vaktd stopped during the poll", NULL, now);
		if (r)
			log_full(LOG_ERR, p->account, 0, "cannot record the end of poll %lld: %s",
			         (long long)p->poll_id, store_strerror(f->env.store, r));
		poll_free(p);
	}
	while (f->ended) { /* only when freed from a done callback of the flush */
		struct fetch_poll *p = f->ended;
		f->ended = p->next;
		poll_free(p);
	}
	fetch_reconfigured(f);
	for (size_t i = 0; i < f->n_memo; i++)
		free(f->memo[i].key);
	free(f->memo);
	if (f->drain_timer)
		event_free(f->drain_timer);
	event_free(f->wake);
	event_free(f->flush);
	free(f);
}
