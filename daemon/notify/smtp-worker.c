/* SMTP transfers on their own thread and loop (see smtp-worker.h).
 *
 * Two queues under one mutex: jobs to start (main → worker) and jobs
 * finished (worker → main), each with a non-blocking pipe that wakes the
 * other side.  A wake byte that does not fit (EAGAIN) is not needed: the
 * reader always takes the whole queue. */
#include "notify/smtp-worker.h"

#include <errno.h>
#include <event2/event.h>
#include <fcntl.h>
#include <pthread.h>
#include <stdbool.h>
#include <stdlib.h>
#include <unistd.h>

#include "net/curlev.h"
#include "util/thread.h"

#define SMTP_MAX_CONNECTIONS 2

struct smtp_job {
	CURL *easy;
	CURLcode result;
	smtp_worker_done_fn done;
	void *arg;
	struct smtp_job *next;
};

struct smtp_worker {
	pthread_t thread;
	pthread_mutex_t lock;
	struct smtp_job *in, *out; /* newest first */
	bool stop;
	int in_pipe[2], out_pipe[2];
	struct event_base *base; /* the worker's loop */
	struct curlev *engine;   /* the worker's engine, used only there */
	struct event *in_ev;     /* on base */
	struct event *out_ev;    /* on the main loop */
};

static void wake(int fd)
{
	char c = 1;
	/* A full pipe already holds a wake-up. */
	(void)!write(fd, &c, 1);
}

static void drain(int fd)
{
	char buf[256];
	while (read(fd, buf, sizeof(buf)) > 0)
		;
}

/* Oldest first, for completions in the order they happened. */
static struct smtp_job *reverse(struct smtp_job *j)
{
	struct smtp_job *r = NULL;
	while (j) {
		struct smtp_job *next = j->next;
		j->next = r;
		r = j;
		j = next;
	}
	return r;
}

struct worker_ctx {
	struct smtp_worker *w;
	struct smtp_job *j;
};

/* Worker thread: a transfer ended (also when curlev_free abandons it). */
static void worker_finished(CURL *easy, CURLcode result, void *arg)
{
	struct worker_ctx *c = arg;
	struct smtp_worker *w = c->w;
	struct smtp_job *j = c->j;

	free(c);
	j->result = result;
	pthread_mutex_lock(&w->lock);
	j->next = w->out;
	w->out = j;
	pthread_mutex_unlock(&w->lock);
	wake(w->out_pipe[1]);
}

/* Worker thread: start the queued jobs, or stop. */
static void on_in(evutil_socket_t fd, short what, void *arg)
{
	struct smtp_worker *w = arg;
	struct smtp_job *jobs;
	bool stop;

	drain(fd);
	pthread_mutex_lock(&w->lock);
	jobs = reverse(w->in);
	w->in = NULL;
	stop = w->stop;
	pthread_mutex_unlock(&w->lock);
	while (jobs) {
		struct smtp_job *j = jobs;
		struct worker_ctx *c = malloc(sizeof(*c));
		jobs = j->next;
		if (c) {
			c->w = w;
			c->j = j;
		}
		if (!c || curlev_add(w->engine, j->easy, worker_finished, c) < 0) {
			free(c);
			j->result = CURLE_OUT_OF_MEMORY;
			pthread_mutex_lock(&w->lock);
			j->next = w->out;
			w->out = j;
			pthread_mutex_unlock(&w->lock);
			wake(w->out_pipe[1]);
		}
	}
	if (stop) {
		/* Every pending transfer ends as aborted into the out queue,
		 * which smtp_worker_free() then discards. */
		curlev_free(w->engine);
		w->engine = NULL;
		event_base_loopbreak(w->base);
	}
}

static void *worker_main(void *arg)
{
	struct smtp_worker *w = arg;
	event_base_dispatch(w->base);
	return NULL;
}

/* Main loop: hand the oldest finished job to its owner.  One per call,
 * waking itself for the rest, so that nothing of the worker is touched
 * after a done callback (which may free the notify, and this worker). */
static void on_out(evutil_socket_t fd, short what, void *arg)
{
	struct smtp_worker *w = arg;
	struct smtp_job *j, **pp;
	bool more;

	drain(fd);
	pthread_mutex_lock(&w->lock);
	for (pp = &w->out; *pp && (*pp)->next; pp = &(*pp)->next)
		;
	j = *pp;
	if (j)
		*pp = NULL;
	more = w->out != NULL;
	pthread_mutex_unlock(&w->lock);
	if (more)
		wake(w->out_pipe[1]);
	if (!j)
		return;
	smtp_worker_done_fn done = j->done;
	CURL *easy = j->easy;
	CURLcode result = j->result;
	void *a = j->arg;
	free(j);
	done(easy, result, a);
}

static int pipe_nb(int p[2])
{
	if (pipe2(p, O_CLOEXEC | O_NONBLOCK) < 0)
		return -errno;
	return 0;
}

int smtp_worker_new(struct event_base *main_base, struct smtp_worker **ret)
{
	/* A few connections, reused message after message (MAIL, RCPT, DATA
	 * on an open session), deliver a burst faster than one connection per
	 * message, and mail servers limit connections per client anyway
	 * (tests/bench/bench-notify.py; figures in docs/configuration.md). */
	static const struct curlev_limits limits = { SMTP_MAX_CONNECTIONS, SMTP_MAX_CONNECTIONS };
	struct smtp_worker *w = calloc(1, sizeof(*w));
	int r;

	if (!w)
		return -ENOMEM;
	w->in_pipe[0] = w->in_pipe[1] = w->out_pipe[0] = w->out_pipe[1] = -1;
	pthread_mutex_init(&w->lock, NULL);
	r = pipe_nb(w->in_pipe);
	if (r == 0)
		r = pipe_nb(w->out_pipe);
	if (r < 0)
		goto fail;
	r = -ENOMEM;
	w->base = event_base_new();
	if (!w->base || curlev_new(w->base, &limits, &w->engine) < 0)
		goto fail;
	w->in_ev = event_new(w->base, w->in_pipe[0], EV_READ | EV_PERSIST, on_in, w);
	w->out_ev = event_new(main_base, w->out_pipe[0], EV_READ | EV_PERSIST, on_out, w);
	if (!w->in_ev || !w->out_ev || event_add(w->in_ev, NULL) < 0 ||
	    event_add(w->out_ev, NULL) < 0)
		goto fail;
	/* Signals (SIGHUP, SIGTERM, SIGCHLD) belong to the daemon's loop. */
	r = thread_start_quiet(&w->thread, worker_main, w);
	if (r < 0)
		goto fail;
	*ret = w;
	return 0;
fail:
	if (w->in_ev)
		event_free(w->in_ev);
	if (w->out_ev)
		event_free(w->out_ev);
	curlev_free(w->engine);
	if (w->base)
		event_base_free(w->base);
	for (int i = 0; i < 2; i++) {
		if (w->in_pipe[i] >= 0)
			close(w->in_pipe[i]);
		if (w->out_pipe[i] >= 0)
			close(w->out_pipe[i]);
	}
	pthread_mutex_destroy(&w->lock);
	free(w);
	return r;
}

int smtp_worker_add(struct smtp_worker *w, CURL *easy, smtp_worker_done_fn done, void *arg)
{
	struct smtp_job *j = calloc(1, sizeof(*j));
	if (!j)
		return -ENOMEM;
	j->easy = easy;
	j->done = done;
	j->arg = arg;
	pthread_mutex_lock(&w->lock);
	j->next = w->in;
	w->in = j;
	pthread_mutex_unlock(&w->lock);
	wake(w->in_pipe[1]);
	return 0;
}

static void free_jobs(struct smtp_job *j)
{
	while (j) {
		struct smtp_job *next = j->next;
		free(j);
		j = next;
	}
}

void smtp_worker_free(struct smtp_worker *w)
{
	if (!w)
		return;
	pthread_mutex_lock(&w->lock);
	w->stop = true;
	pthread_mutex_unlock(&w->lock);
	wake(w->in_pipe[1]);
	pthread_join(w->thread, NULL);
	/* The thread is gone: nothing else touches the queues. */
	free_jobs(w->in);
	free_jobs(w->out);
	event_free(w->in_ev);
	event_free(w->out_ev);
	curlev_free(w->engine);
	event_base_free(w->base);
	for (int i = 0; i < 2; i++) {
		close(w->in_pipe[i]);
		close(w->out_pipe[i]);
	}
	pthread_mutex_destroy(&w->lock);
	free(w);
}
