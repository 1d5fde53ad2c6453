/* The audit verification job: one worker thread at a time, its own
 * read-only connection, progress handed to the loop through an eventfd.
 * The rules of the thread are in api-audit-job.h. */
#include "api/api-audit-job.h"

#include <errno.h>
#include <pthread.h>
#include <stdatomic.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "store/audit.h"
#include "util/clock.h"
#include "util/thread.h"
#include "util/wakeup.h"

/* What the worker writes and the loop reads, under lock. */
struct worker_report {
	int64_t checked, total, bad, elapsed_usec;
	int result;
	bool done;
	char error[256];
};

struct api_audit_job {
	struct event_base *base;
	struct wakeup *wake; /* the worker's way to the loop */
	char *db_path;
	void (*listener)(void *arg);
	void *listener_arg;
	struct api_audit_job_info info; /* the loop's own view */
	bool thread_live;               /* a thread runs or is not joined yet */
	pthread_t thread;
	atomic_bool cancel;
	pthread_mutex_t lock;
	struct worker_report w; /* under lock */
	/* The worker's own (set before the thread starts). */
	int64_t mono_start, mono_notified;
};

static int64_t mono_usec(void)
{
	struct timespec ts;
	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (int64_t)ts.tv_sec * 1000000 + ts.tv_nsec / 1000;
}

const char *api_audit_job_state_name(enum api_audit_job_state s)
{
	switch (s) {
	case API_AUDIT_JOB_NONE:
		return "none";
	case API_AUDIT_JOB_RUNNING:
		return "running";
	case API_AUDIT_JOB_OK:
		return "ok";
	case API_AUDIT_JOB_BROKEN:
		return "broken";
	case API_AUDIT_JOB_FAILED:
		return "failed";
	case API_AUDIT_JOB_CANCELLED:
		return "cancelled";
	}
	return "?";
}

/* Worker: the walk's progress callback. */
static bool on_progress(void *arg, int64_t checked, int64_t total)
{
	struct api_audit_job *j = arg;
	int64_t now = mono_usec();
	bool notify = checked == 0 || now - j->mono_notified >= API_AUDIT_JOB_NOTIFY_USEC;

	pthread_mutex_lock(&j->lock);
	j->w.checked = checked;
	j->w.total = total;
	j->w.elapsed_usec = now - j->mono_start;
	pthread_mutex_unlock(&j->lock);
	if (notify) {
		j->mono_notified = now;
		wakeup_send(j->wake);
	}
	return !atomic_load(&j->cancel);
}

static void *worker(void *arg)
{
	struct api_audit_job *j = arg;
	struct store *s = NULL;
	char err[256] = "";
	int64_t n = 0, bad = 0;

	int r = store_open_reader(j->db_path, &s, err, sizeof(err));
	if (r == 0) {
		r = store_audit_verify_walk(s, on_progress, j, &n, &bad);
		if (r != 0 && r != STORE_E_CORRUPT && r != -ECANCELED)
			snprintf(err, sizeof(err), "cannot read the audit log: %s",
			         store_strerror(s, r));
	}
	store_close(s);

	pthread_mutex_lock(&j->lock);
	j->w.result = r;
	if (r == 0 || r == STORE_E_CORRUPT || r == -ECANCELED)
		j->w.checked = n;
	j->w.bad = bad;
	j->w.elapsed_usec = mono_usec() - j->mono_start;
	snprintf(j->w.error, sizeof(j->w.error), "%s", err);
	j->w.done = true;
	pthread_mutex_unlock(&j->lock);
	wakeup_send(j->wake); /* the last thing the thread does with j */
	return NULL;
}

/* Loop: take the worker's report; when it is done, join the thread and
 * settle the job's state. */
static void on_wake(void *arg)
{
	struct api_audit_job *j = arg;
	struct worker_report w;

	if (!j->thread_live)
		return;
	pthread_mutex_lock(&j->lock);
	w = j->w;
	pthread_mutex_unlock(&j->lock);
	j->info.checked = w.checked;
	j->info.total = w.total;
	j->info.elapsed_usec = w.elapsed_usec;
	if (w.done) {
		pthread_join(j->thread, NULL);
		j->thread_live = false;
		j->info.finished_usec = clock_now_usec();
		j->info.state = w.result == 0                 ? API_AUDIT_JOB_OK
		                : w.result == STORE_E_CORRUPT ? API_AUDIT_JOB_BROKEN
		                : w.result == -ECANCELED      ? API_AUDIT_JOB_CANCELLED
		                                              : API_AUDIT_JOB_FAILED;
		if (w.result == STORE_E_CORRUPT)
			j->info.first_bad_seq = w.bad;
		if (j->info.state == API_AUDIT_JOB_FAILED)
			snprintf(j->info.error, sizeof(j->info.error), "%s",
			         w.error[0] ? w.error : vakt_strerror(w.result));
	}
	if (j->listener)
		j->listener(j->listener_arg);
}

int api_audit_job_new(struct event_base *base, const char *db_path, struct api_audit_job **ret)
{
	struct api_audit_job *j = calloc(1, sizeof(*j));
	int r;

	if (!j)
		return -ENOMEM;
	pthread_mutex_init(&j->lock, NULL);
	atomic_init(&j->cancel, false);
	j->base = base;
	j->db_path = strdup(db_path);
	if (!j->db_path) {
		r = -ENOMEM;
		goto fail;
	}
	if ((r = wakeup_new(base, on_wake, j, &j->wake)) < 0)
		goto fail;
	*ret = j;
	return 0;
fail:
	api_audit_job_free(j);
	return r;
}

void api_audit_job_free(struct api_audit_job *j)
{
	if (!j)
		return;
	if (j->thread_live) {
		atomic_store(&j->cancel, true);
		pthread_join(j->thread, NULL);
	}
	wakeup_free(j->wake);
	pthread_mutex_destroy(&j->lock);
	free(j->db_path);
	free(j);
}

int api_audit_job_start(struct api_audit_job *j, const char *by)
{
	int r;

	if (j->info.state == API_AUDIT_JOB_RUNNING)
		return 1;
	uint64_t id = j->info.id + 1;
	j->info = (struct api_audit_job_info){
		.id = id,
		.state = API_AUDIT_JOB_RUNNING,
		.started_usec = clock_now_usec(),
	};
	snprintf(j->info.started_by, sizeof(j->info.started_by), "%s", by ? by : "vaktd");
	j->w = (struct worker_report){ 0 }; /* no thread is alive: no lock needed */
	atomic_store(&j->cancel, false);
	j->mono_start = j->mono_notified = mono_usec();
	r = thread_start_quiet(&j->thread, worker, j);
	if (r) {
		j->info.state = API_AUDIT_JOB_FAILED;
		j->info.finished_usec = j->info.started_usec;
		snprintf(j->info.error, sizeof(j->info.error), "cannot start the worker: %s",
		         strerror(-r));
		return r;
	}
	j->thread_live = true;
	return 0;
}

bool api_audit_job_cancel(struct api_audit_job *j)
{
	if (j->info.state != API_AUDIT_JOB_RUNNING)
		return false;
	atomic_store(&j->cancel, true);
	return true;
}

void api_audit_job_get(struct api_audit_job *j, struct api_audit_job_info *ret)
{
	*ret = j->info;
}

void api_audit_job_set_listener(struct api_audit_job *j, void (*fn)(void *arg), void *arg)
{
	j->listener = fn;
	j->listener_arg = arg;
}
