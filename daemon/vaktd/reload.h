/* A reload's long part on a worker thread: the configuration read and
 * checked, the rules parsed, their engine built and their examples run
 * (unless the store vouches for them), so that the event loop goes on
 * polling, filtering with the rules it has and answering the API while a
 * changed rule set takes a second or more to prove.  What needs the
 * store's connection or changes the running daemon (recording the check,
 * the accounts, the swap) is left to the loop (daemon.c).
 *
 * One job at a time.  The worker touches no daemon state: it reads the
 * files, reads the store through its own read-only connection
 * (store_open_reader()), and writes only its own result; it tells the loop
 * through an eventfd, and the loop joins it before calling done. */
#pragma once

#include <stdbool.h>
#include <time.h>

#include "config/config.h"
#include "util/diag.h"

struct event_base;
struct pipeline_rules;
struct reload_job;

/* What a job's thread did. */
enum reload_ended {
	RELOAD_ENDED_RETIRE,   /* freed a rule set (reload_job_retire()) */
	RELOAD_ENDED_PREPARED, /* prepared a reload (reload_job_start()) */
	RELOAD_ENDED_BUILT,    /* built a rule set's engine (reload_job_build()) */
};

/* What the worker made: the caller owns it once done was called. */
struct reload_prep {
	int r;                        /* 0: config and rules are whole and proved */
	struct config *config;        /* NULL unless it loaded */
	struct pipeline_rules *rules; /* NULL unless they loaded */
	struct diag_list diags;       /* why not, file:line */
	/* The store could not say whether the rules were proved before, so
	 * they were proved again; why, for the log. */
	char store_note[256];
};

/* A job runner on base: done(arg) is called on the loop once a started
 * preparation has ended and its thread is joined.  db_path is the store's
 * file (copied).  0 or a negative errno. */
int reload_job_new(struct event_base *base, const char *db_path, void (*done)(void *arg), void *arg,
                   struct reload_job **ret);

/* Start preparing the configuration in config_dir (with ovr; both must
 * outlive the job) as of now.  0, -EBUSY while one runs, or a negative
 * errno when no thread could be started. */
int reload_job_start(struct reload_job *j, const char *config_dir,
                     const struct config_overrides *ovr, time_t now);

bool reload_job_running(const struct reload_job *j);

/* Build the engine of rules, loaded with PIPELINE_RULES_DEFER_COMPILE and
 * vouched for by the store (pipeline_rules_known()), on the job's thread:
 * the daemon's start, READY while its rules are built.  Nothing is
 * proved again (pipeline_rules_prove() with known).  done is called when
 * it has ended; the result (r, rules, diags; no config) is taken as a
 * preparation's.  0 (the job owns rules now), -EBUSY while the job runs,
 * or a negative errno when no thread could be started (rules stay the
 * caller's). */
int reload_job_build(struct reload_job *j, struct pipeline_rules *rules);

/* What the ended thread did; for a preparation or a build, its result
 * moves to *ret (the caller frees its config, rules and diags; zeroed
 * after a retire). */
enum reload_ended reload_job_take(struct reload_job *j, struct reload_prep *ret);

/* Free a rule set the daemon no longer uses on the job's thread: freeing
 * an engine and giving its heap back takes 6-12 ms, too long for the loop
 * in one piece.  done is called when it has ended, as after a
 * preparation.  0 (the job owns rules now), -EBUSY while the job runs, or
 * a negative errno when no thread could be started (rules stay the
 * caller's). */
int reload_job_retire(struct reload_job *j, struct pipeline_rules *rules);

/* Wait for a running thread to end, off the loop (vaktd's stop): done is
 * not called, the result is taken with reload_job_take() as usual. */
void reload_job_wait(struct reload_job *j);

/* Wait for a running preparation to end (it cannot be cut short: an
 * engine's build runs to its end), free what it made and the job.  NULL
 * is fine. */
void reload_job_free(struct reload_job *j);
