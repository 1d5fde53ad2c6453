/* The running daemon: one libevent loop, its timers and signals, the
 * current configuration and the store. */
#pragma once

#include <stdbool.h>
#include <stdint.h>

#include "api/api.h"
#include "config/config.h"
#include "escalate/catchup.h"
#include "store/store.h"

struct event_base;
struct event;
struct ctimers;
struct ctimer;
struct poller;
struct pipeline_rules;
struct curlev;
struct fetch;
struct act;
struct reload_job;

struct daemon_opts {
	const char *config_dir;
	struct config_overrides ovr;
	bool check_only;
};

struct daemon {
	struct daemon_opts opts;
	struct event_base *base;
	struct ctimers *timers; /* every timer on simulated time */
	struct config *config;  /* current; replaced whole on reload */
	struct store *store;
	struct api_server *api;
	struct api_audit_job *audit_job; /* the audit verification's worker */
	struct poller *poller;
	struct curlev *curl;            /* every outgoing transfer */
	struct fetch *fetch;            /* polls through the connectors */
	struct act *act;                /* moderation actions (vaktd/act.h) */
	struct notify *notify;          /* delivery channels (daemon/notify/) */
	struct escalate_outbox *outbox; /* escalations to people (daemon/escalate/) */
	struct pipeline_rules *rules;   /* current; replaced whole on reload */
	struct api_env api_env;         /* what the API sees; updated on swap */
	struct event *sig_term, *sig_int, *sig_hup;
	struct ctimer *tick;
	struct catchup catchup;   /* the deadline scan, in slices */
	struct ctimer *scan_more; /* the next slice of a catch-up, from the loop */
	struct event *watchdog;
	uint64_t ticks; /* main loop progress, read by the watchdog */
	uint64_t ticks_at_last_ping;
	uint64_t generation;
	/* Reloads (vaktd/reload.h): attempts are numbered; a request is
	 * answered by the first attempt that starts after it was made. */
	struct reload_job *reload_job;
	uint64_t reload_started, reload_ended; /* the last attempt begun, ended */
	bool reload_pending;                   /* asked for while one ran */
	char reload_actor[96];                 /* who asked for the running one */
	char reload_next_actor[96];            /* who asked last */
	struct {
		bool taken;
		uint64_t generation;
		struct diag_list diags;
	} reload_last; /* the last attempt's outcome */
	/* The start's rules, vouched for by the store, get their engine on
	 * the reload job's thread after READY=1 (start_build()); d->rules
	 * filters nothing until then and fetched items wait in the backlog. */
	bool build_after_start;
	struct backlog *backlog; /* items waiting for a verdict (vaktd/backlog.h) */
	bool stopping;
	bool failed; /* stopped by a fault after READY: exit code 1 */
	int lock_fd; /* flock on STATE/vakt.lock: one vaktd per store */
};

/* Load the configuration, lock the state directory and open the store,
 * repair, bind the API, start the poller, signals and timers, report
 * READY=1.  Returns 0, or after logging the reason a negative errno or the
 * store's positive STORE_E_* code; daemon_free() cleans up either way. */
int daemon_start(struct daemon *d);

/* Run until SIGTERM/SIGINT.  Returns the process exit code. */
int daemon_run(struct daemon *d);

void daemon_free(struct daemon *d);

/* Validate everything a start would, without starting: exit code. */
int daemon_check_config(const struct daemon_opts *opts);
