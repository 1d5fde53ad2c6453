/* The audit verification job: the hash chain walked on a worker thread
 * with its own read-only connection (store_open_reader()), so the event
 * loop never waits for it however long the log grows.
 *
 * One job at a time: starting one while one runs joins the running one.
 * Everything but the walk happens on the loop's thread: the worker only
 * reads the store file through its own connection and writes its progress
 * under a mutex; it tells the loop through an eventfd (at most every
 * API_AUDIT_JOB_NOTIFY_USEC of real time, and when it ends), and the loop
 * moves the job's state, stamps the finish and calls the listener.  Free
 * cancels a running walk and joins the thread: the walk looks at the
 * cancel flag every STORE_AUDIT_STEP entries, so a stop waits for at most
 * that many entries (or one SQLite busy timeout, 1 s, on a locked file). */
#pragma once

#include <stdbool.h>
#include <stdint.h>

struct event_base;
struct api_audit_job;

#define API_AUDIT_JOB_NOTIFY_USEC 250000

enum api_audit_job_state {
	API_AUDIT_JOB_NONE,      /* none has run since the daemon started */
	API_AUDIT_JOB_RUNNING,   /* the worker walks the chain */
	API_AUDIT_JOB_OK,        /* the chain is intact */
	API_AUDIT_JOB_BROKEN,    /* first_bad_seq does not verify */
	API_AUDIT_JOB_FAILED,    /* the walk could not read the store: error */
	API_AUDIT_JOB_CANCELLED, /* stopped (api_audit_job_cancel(), shutdown) */
};

struct api_audit_job_info {
	uint64_t id; /* 1, 2, … per daemon run; 0 with API_AUDIT_JOB_NONE */
	enum api_audit_job_state state;
	int64_t checked;       /* entries verified so far (intact ones) */
	int64_t total;         /* the chain's last seq when the walk began */
	int64_t first_bad_seq; /* API_AUDIT_JOB_BROKEN */
	int64_t started_usec;  /* the daemon's clock */
	int64_t finished_usec; /* 0 while running */
	int64_t elapsed_usec;  /* real time the walk took (so far) */
	char started_by[96];
	char error[256]; /* API_AUDIT_JOB_FAILED */
};

/* A job runner on base for the store file at db_path (copied).  0 or
 * -ENOMEM / a negative errno from eventfd or the event. */
int api_audit_job_new(struct event_base *base, const char *db_path, struct api_audit_job **ret);

/* Cancel a running walk, join its thread, free everything.  NULL is fine. */
void api_audit_job_free(struct api_audit_job *j);

/* Start a verification on behalf of by (an audit actor, "api:anna").
 * 0 when one started, 1 when one was running already (it is the job now);
 * -EAGAIN or another negative errno when no thread could be started. */
int api_audit_job_start(struct api_audit_job *j, const char *by);

/* Ask a running walk to stop; it ends as API_AUDIT_JOB_CANCELLED.  false
 * when none was running. */
bool api_audit_job_cancel(struct api_audit_job *j);

/* The current (or last) job. */
void api_audit_job_get(struct api_audit_job *j, struct api_audit_job_info *ret);

/* fn(arg) is called on the loop after the job's state or progress changed
 * (at most every API_AUDIT_JOB_NOTIFY_USEC while it runs, and when it
 * ends).  One listener (the API server); fn NULL removes it. */
void api_audit_job_set_listener(struct api_audit_job *j, void (*fn)(void *arg), void *arg);

/* "running", "ok", … ("none" for API_AUDIT_JOB_NONE). */
const char *api_audit_job_state_name(enum api_audit_job_state s);
