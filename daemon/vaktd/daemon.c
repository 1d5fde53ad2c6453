/* vaktd's life cycle: start, the main tick, reload, watchdog, stop. */
#include "vaktd/daemon.h"

#include <errno.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <fcntl.h>
#include <sys/file.h>
#include <sys/stat.h>
#include <unistd.h>

#include <event2/event.h>
#include <systemd/sd-daemon.h>

#include "api/api-audit-job.h"
#include "deadline/deadline.h"
#include "escalate/escalate.h"
#include "escalate/outbox.h"
#include "notify/notify.h"
#include "pipeline/pipeline.h"
#include "store/audit.h"
#include "store/checkpointer.h"
#include "util/clock.h"
#include "util/ctimer.h"
#include "util/error.h"
#include "util/log.h"
#include "net/curlev.h"
#include "vaktd/act.h"
#include "vaktd/backlog.h"
#include "vaktd/fetch.h"
#include "vaktd/poller.h"
#include "vaktd/reload.h"

/* On SIGTERM, transfers in flight get this long (real time) to finish
 * before they are abandoned; systemd's TimeoutStopSec= is far longer. */
#define STOP_TRANSFERS_USEC (3 * USEC_PER_SEC)

static void log_diags(const struct diag_list *dl, const char *suffix)
{
	char buf[2048];
	for (size_t i = 0; i < dl->n; i++)
		log_error("%s%s", diag_format(&dl->v[i], buf, sizeof(buf)), suffix);
}

static void notify_status(struct daemon *d)
{
	struct store_counts c = { 0 };
	store_counts(d->store, &c);
	sd_notifyf(0,
	           "STATUS=%s: watching %zu of %zu accounts; %lld to review, %lld to answer, "
	           "%lld escalations unsent, %lld actions waiting, %lld proposed",
	           d->api_env.state, config_count_enabled(d->config), d->config->n_accounts,
	           (long long)c.pending_review, (long long)c.pending_respond,
	           (long long)c.escalations_unsent, (long long)c.actions_waiting,
	           (long long)c.actions_proposed);
}

static struct api_server_opts api_opts(const struct config *c)
{
	return (struct api_server_opts){
		.socket_path = c->daemon.api_socket,
		.socket_mode = c->daemon.api_socket_mode,
		.max_body = c->daemon.api_max_body,
		.max_header = c->daemon.api_max_header,
		.max_connections = c->daemon.api_max_connections,
		.timeout_sec = c->daemon.api_idle_timeout_sec,
		.request_timeout_sec = c->daemon.api_request_timeout_sec,
	};
}

static void schedule_tick(struct daemon *d)
{
	/* On a fast test clock the tick would spin; 20 ms of real time is
	 * fine-grained enough for anything the tick does. */
	if (ctimer_arm_in(d->tick, d->config->daemon.tick_usec, 20000) < 0)
		log_error("cannot arm the main tick");
}

/* Deadline clocks that reached their warning or due point since the last
 * tick, one slice (escalate/catchup.h): its marks, their audit entries and
 * the escalations they cause commit together, so a crash keeps all or none
 * and the next scan reports again what was lost.  A full slice leaves the
 * rest to the next one, from the loop (scan_more: at once on the running
 * clocks, at the next advance of the manual test clock), so API requests
 * and polls go on between slices. */
static void scan_deadlines(struct daemon *d)
{
	bool more = false;
	size_t escalated = 0;
	int r = catchup_slice(&d->catchup, d->store, clock_now_usec(), &more, &escalated);
	if (r)
		log_error("deadline scan failed: %s", store_strerror(d->store, r));
	else if (more && ctimer_arm_in(d->scan_more, 0, 0) < 0)
		log_error("cannot schedule the rest of the deadline scan; the next tick goes on");
	/* The outbox routes what the slice escalated: at once after a scan
	 * that is done (tests on the manual clock see the deliveries when the
	 * advance returns), as a loop event of its own between the slices of a
	 * catch-up, so that neither piece holds the loop for both. */
	if (escalated && more)
		escalate_outbox_kick(d->outbox);
	else if (escalated)
		escalate_outbox_run(d->outbox);
}

static void on_scan_more(void *arg)
{
	struct daemon *d = arg;
	if (!d->stopping)
		scan_deadlines(d);
}

/* The main tick: deadlines now, the outbox later.  The watchdog only pings
 * while ticks keep coming. */
static void on_tick(void *arg)
{
	struct daemon *d = arg;
	d->ticks++;
	/* While a catch-up runs its slices follow each other on scan_more. */
	if (d->store && !ctimer_armed(d->scan_more))
		scan_deadlines(d);
	act_run(d->act);
	if (!d->stopping)
		backlog_tick(d->backlog);
	int r;
	if (d->store && d->rules &&
	    (r = pipeline_flush_stats(d->store, d->rules, clock_now_usec())) != 0)
		log_error("cannot write rule statistics: %s", store_strerror(d->store, r));
	if (!d->stopping)
		schedule_tick(d);
}

/* Ping only while the main tick runs and the poller keeps its schedule:
 * a loop that spins but no longer polls is as dead as a hung one. */
static void on_watchdog(evutil_socket_t fd, short what, void *arg)
{
	struct daemon *d = arg;
	int64_t grace = 10 * d->config->daemon.tick_usec + 60 * USEC_PER_SEC;
	/* The manual test clock ticks only when a test moves it. */
	if (d->ticks == d->ticks_at_last_ping && !clock_is_manual()) {
		log_warning("main loop made no progress since the last watchdog ping");
	} else if (d->poller && !poller_healthy(d->poller, clock_now_usec(), grace)) {
		log_warning("polls are overdue; not pinging the watchdog");
	} else {
		sd_notify(0, "WATCHDOG=1");
		d->ticks_at_last_ping = d->ticks;
	}
}

static int audit_as(struct daemon *d, const char *actor, const char *action, const char *detail)
{
	int r = store_begin(d->store);
	if (r == 0)
		r = store_end(d->store,
		              store_audit_append(d->store, actor, action, "daemon", detail, NULL));
	if (r)
		log_error("cannot write audit entry '%s': %s", action, store_strerror(d->store, r));
	return r;
}

static int audit_simple(struct daemon *d, const char *action, const char *detail)
{
	return audit_as(d, "vaktd", action, detail);
}

/* What happened with the filter's plan cache (FilterPlanCache=), one line:
 * a file that could not be used or written is a notice. */
static void log_plan_cache(const struct pipeline_rules *rules)
{
	const char *note = NULL;
	if (!rules->engine)
		return;
	filter_engine_plan_from(rules->engine, &note);
	if (!note || !note[0])
		return;
	if (strstr(note, "not used") || strstr(note, "not written"))
		log_notice("filter %s", note);
	else
		log_info("filter %s", note);
}

/* A rule set the store vouched for: nothing of it is checked again. */
static void log_vouched(const struct pipeline_rules *rules, const char *then)
{
	log_info("rule set %s: its %zu examples passed before with this vaktd; not run again "
	         "(nor its patterns compiled to check them)%s",
	         rules->digest, rules->examples, then);
}

/* How a rule set's check went (r: pipeline_rules_check()'s or _prove()'s
 * result), in the log. */
static void log_rules_check(const struct pipeline_rules *rules, int r)
{
	if (!rules)
		return;
	log_plan_cache(rules);
	if (r == 0 && rules->examples_ran)
		log_info("rule set %s: all %zu examples passed", rules->digest,
		         rules->examples_ran);
	else if (r == 0)
		log_vouched(rules, "");
}

/* Compile the patterns of a rule set loaded with
 * PIPELINE_RULES_DEFER_COMPILE and run its examples, unless the store shows
 * they passed on it with this vaktd; a failure is in diags (the caller
 * logs it).  The engine's prefilter plan is read from plan_cache (NULL:
 * none) when that holds it, else built and written there. */
static int check_rules(struct daemon *d, struct pipeline_rules *rules, const char *plan_cache,
                       struct diag_list *diags)
{
	rules->opt.plan_cache = plan_cache;
	int r = pipeline_rules_check(rules, d->store, clock_now_usec(), diags);
	rules->opt.plan_cache = NULL; /* the configuration's string */
	if (r > 0)
		diag_add(diags, NULL, 0, "cannot check the rules' examples: %s",
		         store_strerror(d->store, r));
	log_rules_check(rules, r);
	return r;
}

/* The outcome of the reload attempt that just ended, for the requests
 * that wait for it (POST /v1/reload). */
static void reload_outcome_set(struct daemon *d, bool taken, struct diag_list *diags)
{
	diag_list_clear(&d->reload_last.diags);
	d->reload_last.taken = taken;
	d->reload_last.generation = d->generation;
	diag_move(&d->reload_last.diags, diags);
	d->reload_ended = d->reload_started;
}

static void reload_refused(struct daemon *d, const char *actor, struct diag_list *diags)
{
	log_diags(diags, "; keeping previous configuration");
	log_error("invalid configuration, ignored: %zu error(s); keeping previous "
	          "configuration (generation %llu)",
	          diags->n, (unsigned long long)d->generation);
	char detail[64];
	snprintf(detail, sizeof(detail), "{\"errors\":%zu,\"generation\":%llu}", diags->n,
	         (unsigned long long)d->generation);
	audit_as(d, actor, "config.reload_rejected", detail);
	reload_outcome_set(d, false, diags);
}

/* A rule set no longer used goes on the reload job's thread (6-12 ms of
 * freeing and giving back the heap), or here when no thread starts. */
static void retire_rules(struct daemon *d, struct pipeline_rules *rules)
{
	if (rules && reload_job_retire(d->reload_job, rules) < 0)
		pipeline_rules_free(rules);
}

/* The new configuration and rules, proved, take over. */
static void reload_swap(struct daemon *d, const char *actor, struct config *next,
                        struct pipeline_rules *next_rules)
{
	struct config *old = d->config;
	/* Statistics of the old rule set are written before it goes. */
	int fr = pipeline_flush_stats(d->store, d->rules, clock_now_usec());
	if (fr)
		log_error("cannot write rule statistics: %s", store_strerror(d->store, fr));
	retire_rules(d, d->rules);
	d->rules = next_rules;
	d->api_env.rules = next_rules;
	d->config = next;
	d->generation++;
	next->generation = d->generation;
	d->api_env.config = next;
	d->api_env.config_generation = d->generation;
	d->api_env.config_loaded_usec = clock_now_usec();
	struct api_server_opts o = api_opts(next);
	api_server_set_limits(d->api, &o);
	log_set_max_level(next->daemon.log_level);
	fetch_reconfigured(d->fetch);
	if (notify_reconfigure(d->notify, next) < 0)
		log_error("cannot reconfigure the delivery channels; sends keep the old "
		          "settings");
	escalate_outbox_reconfigure(d->outbox, next);
	if (poller_reconfigure(d->poller) < 0)
		log_error("out of memory while rescheduling polls; keeping the old schedule");
	config_free(old);
	char detail[64];
	snprintf(detail, sizeof(detail), "{\"generation\":%llu}",
	         (unsigned long long)d->generation);
	audit_as(d, actor, "config.reloaded", detail);
	log_info("configuration reloaded (generation %llu, %zu accounts, %zu rules, rule "
	         "set %s)",
	         (unsigned long long)d->generation, next->n_accounts,
	         filter_engine_rule_count(d->rules->engine), d->rules->digest);
	struct diag_list none = { 0 };
	reload_outcome_set(d, true, &none);
}

/* Start the next reload attempt: its files are read, its rules built and
 * proved on the reload job's thread while the loop goes on with the
 * configuration it has.  A thread that cannot start ends the attempt at
 * once, refused. */
static void reload_begin(struct daemon *d)
{
	d->reload_started++;
	d->reload_pending = false;
	snprintf(d->reload_actor, sizeof(d->reload_actor), "%s", d->reload_next_actor);
	sd_notify(0, "RELOADING=1\nSTATUS=reloading configuration");
	d->api_env.state = "reloading";
	log_info("reloading configuration from %s", d->opts.config_dir);
	int r = reload_job_start(d->reload_job, d->opts.config_dir, &d->opts.ovr, clock_now());
	if (r) {
		struct diag_list diags = { 0 };
		diag_add(&diags, NULL, 0, "cannot start the reload: %s", vakt_strerror(r));
		reload_refused(d, d->reload_actor, &diags);
		d->api_env.state = "running";
		sd_notify(0, "READY=1");
	}
}

/* Loop: a preparation ended.  What it proved is checked against the
 * running daemon, recorded, and swapped in. */
static void reload_finish(struct daemon *d, struct reload_prep *p)
{
	int r = p->r;
	if (p->store_note[0])
		log_warning("reload: %s", p->store_note);
	log_rules_check(p->rules, r);
	/* The check's record and the new accounts commit together, and the
	 * swap's statistics and audit entry together: two commits (fsyncs)
	 * on the loop, not four.  Without the outer level (busy) each step
	 * commits alone, as it would. */
	const bool whole = r == 0 && store_begin(d->store) == 0;
	if (r == 0 && (r = pipeline_rules_record(p->rules, d->store, clock_now_usec())) > 0)
		diag_add(&p->diags, NULL, 0, "cannot record the rules' examples: %s",
		         store_strerror(d->store, r));
	if (r == 0 && strcmp(p->config->daemon.state_dir, d->config->daemon.state_dir) != 0) {
		diag_add(&p->diags, NULL, 0,
		         "StateDirectory= cannot change on reload (restart vaktd to move the "
		         "store)");
		r = -EINVAL;
	}
	if (r == 0 && strcmp(p->config->daemon.api_socket, d->config->daemon.api_socket) != 0)
		log_warning("[Api] Socket= changed; the new path takes effect on restart");
	if (r == 0 && p->config->daemon.api_socket_mode != d->config->daemon.api_socket_mode)
		log_warning("[Api] SocketMode= changed; the new mode takes effect on restart");
	if (r == 0) {
		r = store_accounts_sync(d->store, p->config, "vaktd:reload");
		if (r)
			diag_add(&p->diags, NULL, 0,
			         "cannot record the new accounts in the store: %s",
			         store_strerror(d->store, r));
	}
	if (whole) {
		int cr = store_end(d->store, r);
		if (r == 0 && cr) {
			diag_add(&p->diags, NULL, 0, "cannot record the reload in the store: %s",
			         store_strerror(d->store, cr));
			r = cr;
		}
	}
	if (r && p->diags.n == 0)
		diag_add(&p->diags, NULL, 0, "cannot reload: %s", vakt_strerror(r));
	if (r) {
		reload_refused(d, d->reload_actor, &p->diags);
		config_free(p->config);
		retire_rules(d, p->rules);
	} else {
		const bool one = store_begin(d->store) == 0;
		reload_swap(d, d->reload_actor, p->config, p->rules);
		int cr = one ? store_end(d->store, 0) : 0;
		if (cr)
			log_error("cannot commit the reload's statistics and audit entry: %s",
			          store_strerror(d->store, cr));
	}
	diag_list_clear(&p->diags);
	d->api_env.state = d->stopping ? "stopping" : "running";
	if (!d->stopping) {
		sd_notify(0, "READY=1");
		notify_status(d);
	}
}

static void begin_stop(struct daemon *d);
static void stop_failed(struct daemon *d);

/* The start's rule set, built (r 0) on the reload job's thread or here,
 * takes the place of the one that filtered nothing; the items fetched
 * meanwhile, and any a crash left, are evaluated in slices.  Takes next.
 * 0, or r after logging why. */
static int rules_built(struct daemon *d, struct pipeline_rules *next, int r,
                       struct diag_list *diags)
{
	d->build_after_start = false;
	if (next)
		next->opt.plan_cache = NULL; /* the configuration's string */
	if (r) {
		log_diags(diags, "");
		log_error("cannot build the engine of rule set %s: %s", d->rules->digest,
		          diags->n ? "see above" : vakt_strerror(r));
		pipeline_rules_free(next);
		return r;
	}
	log_plan_cache(next);
	struct pipeline_rules *waiting = d->rules;
	d->rules = next;
	d->api_env.rules = next;
	pipeline_rules_free(waiting);
	log_info("filtering with rule set %s: %zu rules", next->digest, next->nrules);
	/* Stopping (the build ended during the stop, or after the loop):
	 * the waiting items are the next start's, and STATUS stays
	 * "stopping", as after a reload. */
	if (d->stopping)
		return 0;
	if (d->backlog)
		backlog_start(d->backlog);
	notify_status(d);
	return 0;
}

/* Loop: the reload job's thread ended (a preparation, a start's build or
 * a retire); a reload asked for meanwhile starts once the job is free. */
static void on_reload_job_done(void *arg)
{
	struct daemon *d = arg;
	struct reload_prep p;
	switch (reload_job_take(d->reload_job, &p)) {
	case RELOAD_ENDED_PREPARED:
		/* Prepared while vaktd stops: abandoned, as begin_stop() said
		 * and its waiting requests were answered (503 stopping). */
		if (d->stopping) {
			log_info("the reload prepared during the stop is abandoned");
			config_free(p.config);
			retire_rules(d, p.rules);
			diag_list_clear(&p.diags);
			break;
		}
		reload_finish(d, &p);
		break;
	case RELOAD_ENDED_BUILT:
		if (rules_built(d, p.rules, p.r, &p.diags) != 0)
			stop_failed(d);
		diag_list_clear(&p.diags);
		break;
	case RELOAD_ENDED_RETIRE:
		break;
	}
	if (d->reload_pending && !d->stopping && !reload_job_running(d->reload_job))
		reload_begin(d);
	/* Requests that waited for the attempt that ended, or for one that
	 * could not start, are answered; the others wait on. */
	api_server_wake(d->api);
}

/* Ask for a reload (SIGHUP, POST /v1/reload); actor is who asked, for the
 * audit log.  *ret_ticket is the attempt whose outcome answers the
 * request: one running now may have read the files before they were
 * changed, so a request during it is answered by the next attempt, which
 * starts when it ends (requests meanwhile share it).  0 or -ESHUTDOWN. */
static int reload_request(struct daemon *d, const char *actor, uint64_t *ret_ticket)
{
	if (d->stopping)
		return -ESHUTDOWN;
	snprintf(d->reload_next_actor, sizeof(d->reload_next_actor), "%s", actor);
	if (reload_job_running(d->reload_job)) {
		if (!d->reload_pending)
			log_info("reload asked for while one runs: another follows it");
		d->reload_pending = true;
		*ret_ticket = d->reload_started + 1;
		return 0;
	}
	reload_begin(d);
	*ret_ticket = d->reload_started;
	return 0;
}

/* POST /v1/reload: the same reload; the request waits for its attempt. */
static int on_api_reload(void *arg, const char *actor, uint64_t *ret_ticket)
{
	return reload_request(arg, actor, ret_ticket);
}

/* How attempt ticket went: 1 with *ret filled (the caller clears its
 * diags) once it has ended, 0 while it has not, -ESHUTDOWN when it never
 * will (vaktd stops: a reload asked for meanwhile does not start, one
 * being prepared is abandoned). */
static int on_api_reload_outcome(void *arg, uint64_t ticket, struct api_reload_outcome *ret)
{
	const struct daemon *d = arg;
	if (d->reload_ended < ticket)
		return d->stopping ? -ESHUTDOWN : 0;
	ret->taken = d->reload_last.taken;
	ret->generation = d->reload_last.generation;
	ret->diags = (struct diag_list){ 0 };
	for (size_t i = 0; i < d->reload_last.diags.n; i++) {
		const struct diag *g = &d->reload_last.diags.v[i];
		diag_add(&ret->diags, g->file, g->line, "%s", g->msg ? g->msg : "");
	}
	return 1;
}

static void on_drained(void *arg)
{
	struct daemon *d = arg;
	event_base_loopexit(d->base, NULL);
}

static void on_signal(evutil_socket_t sig, short what, void *arg)
{
	struct daemon *d = arg;
	if (sig == SIGHUP) {
		if (d->stopping)
			log_notice("SIGHUP while stopping: not reloading");
		else
			reload_request(d, "vaktd", &(uint64_t){ 0 });
		return;
	}
	if (d->stopping)
		return;
	log_info("received %s, stopping", sig == SIGTERM ? "SIGTERM" : "SIGINT");
	begin_stop(d);
}

/* A fault after READY=1 that leaves vaktd unable to do its job (the start's
 * rules could not be built): stop as on SIGTERM, exit code 1, so that
 * systemd sees the failure (and restarts it, vaktd.service). */
static void stop_failed(struct daemon *d)
{
	if (d->stopping)
		return;
	log_error("stopping: vaktd cannot filter");
	d->failed = true;
	begin_stop(d);
}

/* Stop: what runs is let finish within bounds, then the loop ends. */
static void begin_stop(struct daemon *d)
{
	d->stopping = true;
	d->api_env.state = "stopping";
	/* A verification in progress stops within STORE_AUDIT_STEP entries;
	 * daemon_free() joins its thread. */
	if (d->audit_job && api_audit_job_cancel(d->audit_job))
		log_info("cancelling the audit verification in progress");
	backlog_stop(d->backlog);
	/* Requests waiting for a reload that will not come: answered now. */
	if (d->api)
		api_server_wake(d->api);
	if (d->reload_job && reload_job_running(d->reload_job))
		log_info(d->build_after_start
		                 ? "the rules' engine being built is let finish, then freed"
		                 : "the reload being prepared is abandoned once its rules are "
		                   "built");
	sd_notify(0, "STOPPING=1\nSTATUS=stopping");
	/* Transfers in flight may finish within a bound; what is left is
	 * abandoned and its polls recorded as partial (daemon_free).  The
	 * outbox's attempts in flight are abandoned with the loop: their
	 * deliveries stay "sending" and the next start sends them again
	 * (same Message-ID, so receivers drop a repeat). */
	if (d->fetch && fetch_requests_in_flight(d->fetch) > 0) {
		log_info("letting %zu transfer(s) finish", fetch_requests_in_flight(d->fetch));
		fetch_drain(d->fetch, STOP_TRANSFERS_USEC, on_drained, d);
	} else {
		if (d->fetch)
			fetch_drain(d->fetch, 0, NULL, NULL);
		event_base_loopexit(d->base, NULL);
	}
}

/* The API wrote a decision about an account that may affect its polls
 * (crisis mode): only that account is re-planned. */
static void on_store_changed(void *arg, const char *account)
{
	struct daemon *d = arg;
	poller_refresh(d->poller, account);
	/* An acknowledgement, an override or a verdict may change what the
	 * outbox has to do. */
	escalate_outbox_kick(d->outbox);
	act_run(d->act); /* a moderator's decision goes out at once */
}

/* GET /v1/accounts: the poller knows every account's next poll. */
static int on_next_poll(void *arg, const char *account, int64_t *ret)
{
	const struct daemon *d = arg;
	return poller_next_due(d->poller, account, ret);
}

static const char *on_stopped_why(void *arg, const char *account)
{
	const struct daemon *d = arg;
	return d->fetch ? fetch_stopped_why(d->fetch, account) : "";
}

/* GET /v1/status: the pass over the items waiting for a verdict. */
static bool on_backlog_running(void *arg, size_t *ret_evaluated)
{
	const struct daemon *d = arg;
	if (!d->backlog)
		return false;
	*ret_evaluated = backlog_evaluated(d->backlog);
	return backlog_running(d->backlog);
}

int daemon_check_config(const struct daemon_opts *opts)
{
	struct diag_list diags = { 0 };
	struct config *c = NULL;
	struct pipeline_rules *rules = NULL;
	int r = config_load(opts->config_dir, &opts->ovr, &c, &diags);
	if (r == 0)
		r = pipeline_rules_load(c->daemon.rules_dir, c->daemon.rule_disable_after, &rules,
		                        &diags);
	if (r == 0 && escalate_config_check(c, &diags))
		r = -EINVAL;
	if (r) {
		diag_print(&diags, stderr);
		fprintf(stderr, "%s: %zu error(s)\n", opts->config_dir, diags.n);
		diag_list_clear(&diags);
		pipeline_rules_free(rules);
		config_free(c);
		return 1;
	}
	printf("%s: configuration OK: %zu units, %zu accounts (%zu enabled), %zu rules in %s\n",
	       opts->config_dir, c->n_units, c->n_accounts, config_count_enabled(c),
	       filter_engine_rule_count(rules->engine), c->daemon.rules_dir);
	pipeline_rules_free(rules);
	config_free(c);
	return 0;
}

/* Phase 1: the configuration and the rules.  Nothing is opened yet. */
static int start_load(struct daemon *d)
{
	struct diag_list diags = { 0 };
	int r = config_load(d->opts.config_dir, &d->opts.ovr, &d->config, &diags);
	if (r) {
		log_diags(&diags, "");
		log_error("invalid configuration in %s: %zu error(s); not starting",
		          d->opts.config_dir, diags.n);
		goto out;
	}
	log_set_max_level(d->config->daemon.log_level);
	if (escalate_config_check(d->config, &diags)) {
		log_diags(&diags, "");
		log_error("invalid escalation routes in %s: %zu error(s); not starting",
		          d->opts.config_dir, diags.n);
		r = -EINVAL;
		goto out;
	}
	/* PCRE2's check of the patterns, the engine and the examples wait for
	 * the store (start_rules): it knows whether this vaktd checked these
	 * very files before (docs/filter.md, "Compile checks at start"). */
	r = pipeline_rules_load_flags(d->config->daemon.rules_dir,
	                              d->config->daemon.rule_disable_after,
	                              PIPELINE_RULES_DEFER_COMPILE, &d->rules, &diags);
	if (r) {
		log_diags(&diags, "");
		log_error("invalid rules in %s: %zu error(s); not starting",
		          d->config->daemon.rules_dir, diags.n);
		goto out;
	}
	d->generation = 1;
	d->config->generation = 1;
out:
	diag_list_clear(&diags);
	return r;
}

/* Two daemons on one database would poll twice and race each other's
 * clocks; the lock is released by the kernel however we exit. */
static int lock_state_dir(struct daemon *d)
{
	const char *dir = d->config->daemon.state_dir;
	char path[4200];
	int fd = -1, r = 0;

	if (mkdir(dir, 0750) < 0 && errno != EEXIST) {
		r = -errno;
		log_error("cannot create state directory %s: %s", dir, vakt_strerror(r));
		return r;
	}
	snprintf(path, sizeof(path), "%s/vakt.lock", dir);
	fd = open(path, O_RDWR | O_CREAT | O_CLOEXEC, 0600);
	if (fd < 0) {
		r = -errno;
		log_error("cannot open %s: %s", path, vakt_strerror(r));
		return r;
	}
	if (flock(fd, LOCK_EX | LOCK_NB) < 0) {
		r = -errno;
		log_error("cannot lock %s: %s", path,
		          r == -EWOULDBLOCK ? "another vaktd uses this state directory"
		                            : vakt_strerror(r));
		close(fd);
		return r;
	}
	d->lock_fd = fd;
	return 0;
}

/* Phase 2: the state directory's lock, then the store, brought in line
 * with the configuration's accounts.  Returns the store's own code
 * (STORE_E_*) when the store fails. */
static int start_store(struct daemon *d)
{
	char errbuf[512], dbpath[4200];
	int r = lock_state_dir(d);
	if (r)
		return r;
	snprintf(dbpath, sizeof(dbpath), "%s/vakt.db", d->config->daemon.state_dir);
	r = store_open(dbpath, &d->store, errbuf, sizeof(errbuf));
	if (r) {
		log_error("store: %s", errbuf);
		return r;
	}
	/* The WAL's checkpoints run on a thread of their own: on the loop
	 * they took 4-8 ms of CPU every thousand pages. */
	if (store_checkpoint_in_background(d->store, errbuf, sizeof(errbuf)) != 0)
		log_warning("store: checkpoints stay on the event loop: %s", errbuf);
	r = store_accounts_sync(d->store, d->config, "vaktd:start");
	if (r)
		log_error("cannot record accounts in the store: %s", store_strerror(d->store, r));
	return r;
}

/* Phase 2b: the rules' patterns compiled, their engine built and their
 * examples run, unless this vaktd proved them on these files before: a
 * rule whose own examples fail is not trusted to run. */
static int start_rules(struct daemon *d)
{
	struct diag_list diags = { 0 };
	int known = 0;
	/* Proved before by this vaktd: nothing can fail but memory, so the
	 * engine is built after READY=1 (start_build()).  Otherwise they are
	 * proved now, as a changed rule set is; a store that cannot say
	 * which rule sets it vouches for fails that too (check_rules()): it
	 * was just opened, and cannot be read. */
	if (pipeline_rules_known(d->rules, d->store, &known) == 0 && known) {
		d->build_after_start = true;
		log_vouched(d->rules, "; its engine is built after READY");
		return 0;
	}
	int r = check_rules(d, d->rules, d->config->daemon.plan_cache, &diags);
	if (r) {
		log_diags(&diags, "");
		log_error("invalid rules in %s: %zu error(s); not starting",
		          d->config->daemon.rules_dir, diags.n);
	}
	diag_list_clear(&diags);
	return r;
}

/* The API moved the manual test clock: fire what fell due, synchronously. */
static int on_testclock(void *arg, int64_t to, size_t *ret_fired)
{
	struct daemon *d = arg;
	char buf[40];
	size_t fired = 0;
	int r = ctimers_advance_to(d->timers, to, &fired);
	if (r == -ELOOP)
		log_error("test clock: a timer keeps re-arming itself at %s; stopped there after "
		          "%zu timer(s)",
		          clock_format_utc(clock_now_usec(), buf, sizeof(buf)), fired);
	else if (r == 0)
		log_debug("test clock moved to %s: %zu timer(s) fired",
		          clock_format_utc(clock_now_usec(), buf, sizeof(buf)), fired);
	*ret_fired = fired;
	return r;
}

/* Phase 4: the event loop, its clock timers and the API socket. */
static int start_api(struct daemon *d)
{
	char errbuf[512];
	d->base = event_base_new();
	if (!d->base) {
		log_error("cannot create the event loop");
		return -ENOMEM;
	}
	int r = ctimers_new(d->base, &d->timers);
	if (r) {
		log_error("cannot create the timers: %s", vakt_strerror(r));
		return r;
	}
	r = api_audit_job_new(d->base, store_path(d->store), &d->audit_job);
	if (r) {
		log_error("cannot set up the audit verification: %s", vakt_strerror(r));
		return r;
	}
	r = reload_job_new(d->base, store_path(d->store), on_reload_job_done, d, &d->reload_job);
	if (r) {
		log_error("cannot set up reloads: %s", vakt_strerror(r));
		return r;
	}
	d->api_env = (struct api_env){
		.store = d->store,
		.rules = d->rules,
		.config = d->config,
		.config_generation = d->generation,
		.config_loaded_usec = clock_now_usec(),
		.started_usec = clock_now_usec(),
		.state = "starting",
		.testclock_move = clock_is_manual() ? on_testclock : NULL,
		.testclock_arg = d,
		.reload = on_api_reload,
		.reload_outcome = on_api_reload_outcome,
		.reload_arg = d,
		.audit_job = d->audit_job,
	};
	struct api_server_opts o = api_opts(d->config);
	r = api_server_start(d->base, &d->api_env, &o, &d->api, errbuf, sizeof(errbuf));
	if (r)
		log_error("api: %s", errbuf);
	return r;
}

static const struct config *current_config(void *arg)
{
	const struct daemon *d = arg;
	return d->config;
}

static struct pipeline_rules *current_rules(void *arg)
{
	const struct daemon *d = arg;
	return d->rules;
}

/* POST /v1/accounts/{id}/poll and /v1/poll: start polls now (audited by
 * the caller's actor).  account NULL: every enabled account.  The ids of
 * the polls started go to ret (room for max); accounts that cannot start
 * (running, no connector, stopped) are counted in *ret_skipped. */
static int on_api_poll(void *arg, const char *account, const char *actor,
                       struct api_poll_started *ret, size_t max, size_t *ret_n)
{
	struct daemon *d = arg;
	const struct config *c = d->config;
	size_t n = 0;
	int last = 0;
	if (d->stopping)
		return -ESHUTDOWN;
	/* Every poll's row and audit entry in one transaction: one fsync for
	 * `vaktctl poll --all`, not two per account (the requests start from
	 * the loop, after the commit).  Without it (busy), each commits alone. */
	bool one = store_begin(d->store) == 0;
	for (size_t i = 0; i < c->n_accounts && n < max; i++) {
		const struct config_account *a = &c->accounts[i];
		if ((account && strcmp(a->id, account) != 0) || (!account && !a->enabled))
			continue;
		int64_t id = 0;
		int r = fetch_start(d->fetch, a->id, clock_now_usec(), NULL, NULL, &id);
		ret[n].account = a->id;
		ret[n].poll_id = r == 0 ? id : 0;
		ret[n].error = r == 0 ? 0 : r;
		n++;
		if (r == 0) {
			char detail[96];
			snprintf(detail, sizeof(detail), "{\"poll\":%lld}", (long long)id);
			int ar = store_begin(d->store);
			if (ar == 0)
				ar = store_end(d->store,
				               store_audit_append(d->store, actor, "poll.requested",
				                                  a->id, detail, NULL));
			if (ar)
				log_error("cannot audit the poll request: %s",
				          store_strerror(d->store, ar));
		}
		last = r;
	}
	int cr = one ? store_end(d->store, 0) : 0;
	if (cr)
		log_error("cannot commit the start of %zu poll(s): %s", n,
		          store_strerror(d->store, cr));
	if (account && n == 0)
		return -ENOENT;
	(void)last;
	*ret_n = n;
	return 0;
}

/* The HTTP engine and the fetch driver, on the daemon's loop. */
/* Fetched items were stored: what they escalated (a threat, repeated
 * harmful reviews) goes out at once, not when the outbox's timer or a
 * deadline scan happens to run it.  (Queued actions go out at the tick.) */
static void on_fetched(void *arg)
{
	struct daemon *d = arg;
	escalate_outbox_kick(d->outbox);
}

static int start_fetch(struct daemon *d)
{
	int r = curlev_new(d->base, &(struct curlev_limits){ 0 }, &d->curl);
	if (r) {
		log_error("cannot set up the HTTP engine: %s", vakt_strerror(r));
		return r;
	}
	const struct fetch_env env = {
		.base = d->base,
		.timers = d->timers,
		.curl = d->curl,
		.store = d->store,
		.config = current_config,
		.rules = current_rules,
		.stored = on_fetched,
		.arg = d,
	};
	r = fetch_new(&env, &d->fetch);
	if (r) {
		log_error("cannot set up the fetch driver: %s", vakt_strerror(r));
		return r;
	}
	const struct act_env aenv = {
		.timers = d->timers,
		.curl = d->curl,
		.store = d->store,
		.config = current_config,
		.arg = d,
	};
	r = act_new(&aenv, &d->act);
	if (r) {
		log_error("cannot set up the action driver: %s", store_strerror(d->store, r));
		return r;
	}
	d->api_env.poll = on_api_poll;
	d->api_env.poll_arg = d;
	return 0;
}

/* Phase 5: the poll schedule, and the API's way to tell it of crisis
 * mode. */
static int start_poller(struct daemon *d)
{
	const struct poller_env env = {
		.timers = d->timers,
		.store = d->store,
		.config = current_config,
		.config_arg = d,
		.fetch = d->fetch,
	};
	int r = poller_new(&env, &d->poller);
	if (r < 0) {
		log_error("cannot set up the poll schedule: %s", vakt_strerror(r));
		return r;
	}
	d->api_env.changed = on_store_changed;
	d->api_env.changed_arg = d;
	d->api_env.next_poll = on_next_poll;
	d->api_env.next_poll_arg = d;
	d->api_env.stopped_why = on_stopped_why;
	d->api_env.stopped_why_arg = d;
	return 0;
}

/* Phase 6: signals, the main tick and systemd's watchdog. */
static int start_timers(struct daemon *d)
{
	d->sig_term = evsignal_new(d->base, SIGTERM, on_signal, d);
	d->sig_int = evsignal_new(d->base, SIGINT, on_signal, d);
	d->sig_hup = evsignal_new(d->base, SIGHUP, on_signal, d);
	if (!d->sig_term || !d->sig_int || !d->sig_hup || evsignal_add(d->sig_term, NULL) ||
	    evsignal_add(d->sig_int, NULL) || evsignal_add(d->sig_hup, NULL)) {
		log_error("cannot install the signal handlers");
		return -ENOMEM;
	}
	catchup_init(&d->catchup, 0);
	d->api_env.catchup = &d->catchup;
	int r = ctimer_new(d->timers, on_tick, d, &d->tick);
	if (r == 0)
		r = ctimer_new(d->timers, on_scan_more, d, &d->scan_more);
	if (r) {
		log_error("cannot create the main tick: %s", vakt_strerror(r));
		return r;
	}
	/* The outbox recovers what a crash left sending and sends what is
	 * due before anything new is decided. */
	/* The channels share the daemon's one curlev with the fetch driver. */
	r = notify_new(d->curl, d->config, &d->notify);
	if (r == 0)
		r = escalate_outbox_new(d->base, d->timers, d->store, d->notify, d->config,
		                        &d->outbox);
	if (r) {
		log_error("cannot start the escalation outbox: %s", store_strerror(d->store, r));
		return r;
	}
	uint64_t wd_usec = 0;
	if (sd_watchdog_enabled(0, &wd_usec) > 0 && wd_usec > 0) {
		/* Ping at half the interval, in real time: the watchdog is
		 * systemd's clock, not the test clock. */
		struct timeval tv = { (time_t)(wd_usec / 2 / 1000000),
			              (suseconds_t)(wd_usec / 2 % 1000000) };
		d->watchdog = event_new(d->base, -1, EV_PERSIST, on_watchdog, d);
		if (!d->watchdog || evtimer_add(d->watchdog, &tv)) {
			log_error("cannot arm the watchdog timer");
			return -ENOMEM;
		}
	}
	/* The first tick comes at once so the first ping can follow. */
	on_tick(d);
	return 0;
}

/* Fetched items that waited, evaluated: what they escalated or queued
 * goes out now. */
static void on_backlog_evaluated(void *arg)
{
	struct daemon *d = arg;
	escalate_outbox_kick(d->outbox);
	act_run(d->act);
}

/* Phase 6b: the engine of the rules the store vouched for (start_rules()),
 * built on the reload job's thread while vaktd runs: a cold start (no
 * plan cache file, a new vaktd) is READY in the time of a warm one.
 * Items fetched meanwhile wait for their verdict (pipeline_ingest()) and
 * the backlog evaluates them once the engine is in.  Without a thread the
 * engine is built here, before READY. */
static int start_build(struct daemon *d)
{
	const struct backlog_env env = {
		.base = d->base,
		.store = d->store,
		.config = current_config,
		.rules = current_rules,
		.evaluated = on_backlog_evaluated,
		.arg = d,
	};
	int r = backlog_new(&env, &d->backlog);
	if (r) {
		log_error("cannot set up the backlog: %s", vakt_strerror(r));
		return r;
	}
	d->api_env.backlog_running = on_backlog_running;
	d->api_env.backlog_arg = d;
	if (!d->build_after_start)
		return 0;
	struct pipeline_rules *next = NULL;
	r = pipeline_rules_hand_over(d->rules, &next);
	if (r) {
		log_error("cannot build the rules: %s", vakt_strerror(r));
		return r;
	}
	next->opt.plan_cache = d->config->daemon.plan_cache;
	r = reload_job_build(d->reload_job, next);
	if (r == 0)
		return 0;
	log_warning("cannot build the rules on a thread (%s); building them before READY",
	            vakt_strerror(r));
	struct diag_list diags = { 0 };
	r = pipeline_rules_prove(next, 1, &diags);
	r = rules_built(d, next, r, &diags);
	diag_list_clear(&diags);
	return r;
}

/* Phase 7: audited, announced, READY=1. */
static void start_ready(struct daemon *d)
{
	audit_simple(d, "daemon.started", NULL);
	d->api_env.state = "running";
	log_info("vaktd %s running: %zu accounts, %zu rules (rule set %s%s), store %s, API %s%s",
	         VAKT_VERSION, d->config->n_accounts, d->rules->nrules, d->rules->digest,
	         d->build_after_start ? ", being built" : "", store_path(d->store),
	         d->config->daemon.api_socket,
	         api_server_socket_activated(d->api) ? " (socket activation)" : "");
	sd_notify(0, "READY=1");
	notify_status(d);
}

/* Each phase logs its own failure once and leaves what it made in *d for
 * daemon_free(), the one cleanup path. */
int daemon_start(struct daemon *d)
{
	int r = start_load(d);
	if (r == 0)
		r = start_store(d);
	if (r == 0)
		r = start_rules(d);
	if (r == 0)
		r = start_api(d);
	if (r == 0)
		r = start_fetch(d);
	if (r == 0)
		r = start_poller(d);
	if (r == 0)
		r = start_timers(d);
	if (r == 0)
		r = start_build(d);
	if (r == 0)
		start_ready(d);
	/* Items a crash left stored but not filtered: evaluated in slices
	 * after READY, however many there are (with rules built after READY,
	 * once they are in: rules_built()). */
	if (r == 0 && !d->build_after_start)
		backlog_start(d->backlog);
	return r;
}

int daemon_run(struct daemon *d)
{
	if (event_base_dispatch(d->base) < 0) {
		log_error("event loop failed");
		return 1;
	}
	/* Stopped while the start's engine was built: it is let finish (it
	 * cannot be cut short), and what became of it is logged. */
	if (d->build_after_start && d->reload_job && reload_job_running(d->reload_job)) {
		struct reload_prep p;
		reload_job_wait(d->reload_job);
		if (reload_job_take(d->reload_job, &p) == RELOAD_ENDED_BUILT)
			rules_built(d, p.rules, p.r, &p.diags);
		diag_list_clear(&p.diags);
	}
	int r = pipeline_flush_stats(d->store, d->rules, clock_now_usec());
	if (r)
		log_error("cannot write rule statistics: %s", store_strerror(d->store, r));
	audit_simple(d, "daemon.stopped", NULL);
	return d->failed ? 1 : 0;
}

void daemon_free(struct daemon *d)
{
	if (d->api)
		api_server_free(d->api);
	api_audit_job_free(d->audit_job); /* joins a running walk before the store closes */
	reload_job_free(d->reload_job);   /* waits for a reload being prepared */
	diag_list_clear(&d->reload_last.diags);
	poller_free(d->poller);
	escalate_outbox_free(d->outbox);
	notify_free(d->notify);
	/* Before the engine: it abandons its own transfers and records their
	 * polls. */
	fetch_free(d->fetch);
	act_free(d->act);
	backlog_free(d->backlog);
	curlev_free(d->curl);
	if (d->sig_term)
		event_free(d->sig_term);
	if (d->sig_int)
		event_free(d->sig_int);
	if (d->sig_hup)
		event_free(d->sig_hup);
	ctimer_free(d->tick);
	ctimer_free(d->scan_more);
	if (d->watchdog)
		event_free(d->watchdog);
	ctimers_free(d->timers);
	store_close(d->store);
	pipeline_rules_free(d->rules);
	config_free(d->config);
	if (d->base)
		event_base_free(d->base);
	if (d->lock_fd > 0)
		close(d->lock_fd);
	memset(d, 0, sizeof(*d));
}
