/* A reload's preparation on a worker thread (see reload.h). */
#include "vaktd/reload.h"

#include <errno.h>
#include <fcntl.h>
#include <pthread.h>
#include <stdatomic.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "escalate/escalate.h"
#include "pipeline/pipeline.h"
#include "store/store.h"
#include "util/thread.h"
#include "util/wakeup.h"

struct reload_job {
	struct wakeup *wake; /* the worker's way to the loop */
	char *db_path;
	/* A FIFO the worker reads one byte from before it ends, from
	 * VAKTD_TEST_RELOAD_HOLD: lets a test see the loop at work while a
	 * reload is being prepared, without racing the preparation. */
	char *test_hold;
	/* VAKTD_TEST_BUILD_FAIL set: a start's build fails as if memory had
	 * run out, the one way a vouched rule set's build can fail, so that a
	 * test can see what vaktd does then. */
	bool test_fail_build;
	void (*done)(void *arg);
	void *arg;
	bool thread_live; /* a thread runs or is not joined yet */
	pthread_t thread;
	atomic_bool ended; /* the worker is past its last use of the hold */
	/* Set by the loop before the thread starts. */
	const char *config_dir;
	const struct config_overrides *ovr;
	time_t now;
	/* What the thread does; set by the loop before it starts. */
	enum reload_ended kind;
	/* A retire: the rule set the thread frees (the loop's until it
	 * starts, the thread's after). */
	struct pipeline_rules *retiring;
	/* Written by the worker only, read by the loop after the join. */
	struct reload_prep prep;
	bool ended_work; /* prep holds an ended preparation's or build's result */
};

/* Worker: whether the store vouches for the rules.  A store that cannot
 * be read costs only time: the rules are proved again. */
static int rules_known(struct reload_job *j)
{
	struct store *s = NULL;
	char err[200] = "";
	int known = 0;
	int r = store_open_reader(j->db_path, &s, err, sizeof(err));
	if (r == 0 && (r = pipeline_rules_known(j->prep.rules, s, &known)) != 0)
		snprintf(err, sizeof(err), "%s", store_strerror(s, r));
	store_close(s);
	if (r != 0) {
		snprintf(j->prep.store_note, sizeof(j->prep.store_note),
		         "cannot read which rule sets were proved before (%s); running the "
		         "examples",
		         err);
		known = 0;
	}
	return known;
}

/* Worker: everything a reload may fail on that needs neither the store's
 * connection nor the running daemon. */
static void prepare(struct reload_job *j)
{
	struct reload_prep *p = &j->prep;
	p->r = config_load(j->config_dir, j->ovr, &p->config, &p->diags);
	if (p->r == 0 && escalate_config_check(p->config, &p->diags))
		p->r = -EINVAL;
	if (p->r == 0)
		p->r = pipeline_rules_load_at(p->config->daemon.rules_dir,
		                              p->config->daemon.rule_disable_after,
		                              PIPELINE_RULES_DEFER_COMPILE, j->now, &p->rules,
		                              &p->diags);
	if (p->r == 0) {
		int known = rules_known(j);
		p->rules->opt.plan_cache = p->config->daemon.plan_cache;
		p->r = pipeline_rules_prove(p->rules, known, &p->diags);
		p->rules->opt.plan_cache = NULL; /* the configuration's string */
	}
}

static void hold_for_test(const char *fifo)
{
	char c;
	int fd = open(fifo, O_RDONLY | O_CLOEXEC);
	if (fd < 0)
		return;
	ssize_t n = read(fd, &c, 1);
	(void)n;
	close(fd);
}

/* Worker: the engine of a rule set the store vouched for; no example runs
 * and PCRE2 does not check the patterns again (pipeline_rules_prove()). */
static void build(struct reload_job *j)
{
	struct reload_prep *p = &j->prep;
	if (j->test_fail_build) {
		p->r = -ENOMEM;
		return;
	}
	p->r = pipeline_rules_prove(p->rules, 1, &p->diags);
}

static void *worker(void *arg)
{
	struct reload_job *j = arg;
	switch (j->kind) {
	case RELOAD_ENDED_RETIRE:
		pipeline_rules_free(j->retiring);
		j->retiring = NULL;
		break;
	case RELOAD_ENDED_PREPARED:
		prepare(j);
		j->ended_work = true;
		break;
	case RELOAD_ENDED_BUILT:
		build(j);
		j->ended_work = true;
		break;
	}
	if (j->test_hold && j->ended_work)
		hold_for_test(j->test_hold);
	atomic_store(&j->ended, true);
	wakeup_send(j->wake); /* the last thing the thread does with j */
	return NULL;
}

/* Loop: the worker ended; join it and hand its result on. */
static void on_wake(void *arg)
{
	struct reload_job *j = arg;
	if (!j->thread_live)
		return;
	pthread_join(j->thread, NULL);
	j->thread_live = false;
	j->done(j->arg);
}

static void prep_clear(struct reload_prep *p)
{
	config_free(p->config);
	pipeline_rules_free(p->rules);
	diag_list_clear(&p->diags);
	memset(p, 0, sizeof(*p));
}

int reload_job_new(struct event_base *base, const char *db_path, void (*done)(void *arg), void *arg,
                   struct reload_job **ret)
{
	struct reload_job *j = calloc(1, sizeof(*j));
	const char *hold = getenv("VAKTD_TEST_RELOAD_HOLD");
	int r = -ENOMEM;

	if (!j)
		return -ENOMEM;
	j->done = done;
	j->arg = arg;
	j->test_fail_build = getenv("VAKTD_TEST_BUILD_FAIL") != NULL;
	if (!(j->db_path = strdup(db_path)) || (hold && *hold && !(j->test_hold = strdup(hold))))
		goto fail;
	if ((r = wakeup_new(base, on_wake, j, &j->wake)) < 0)
		goto fail;
	*ret = j;
	return 0;
fail:
	reload_job_free(j);
	return r;
}

static int start_thread(struct reload_job *j)
{
	atomic_store(&j->ended, false);
	int r = thread_start_quiet(&j->thread, worker, j);
	if (r)
		return r;
	j->thread_live = true;
	return 0;
}

int reload_job_start(struct reload_job *j, const char *config_dir,
                     const struct config_overrides *ovr, time_t now)
{
	if (j->thread_live)
		return -EBUSY;
	prep_clear(&j->prep);
	j->ended_work = false;
	j->kind = RELOAD_ENDED_PREPARED;
	j->retiring = NULL;
	j->config_dir = config_dir;
	j->ovr = ovr;
	j->now = now;
	return start_thread(j);
}

int reload_job_build(struct reload_job *j, struct pipeline_rules *rules)
{
	if (j->thread_live)
		return -EBUSY;
	prep_clear(&j->prep);
	j->ended_work = false;
	j->kind = RELOAD_ENDED_BUILT;
	j->retiring = NULL;
	j->prep.rules = rules;
	int r = start_thread(j);
	if (r)
		j->prep.rules = NULL; /* still the caller's */
	return r;
}

int reload_job_retire(struct reload_job *j, struct pipeline_rules *rules)
{
	if (j->thread_live)
		return -EBUSY;
	j->ended_work = false;
	j->kind = RELOAD_ENDED_RETIRE;
	j->retiring = rules;
	int r = start_thread(j);
	if (r)
		j->retiring = NULL;
	return r;
}

bool reload_job_running(const struct reload_job *j)
{
	return j->thread_live;
}

enum reload_ended reload_job_take(struct reload_job *j, struct reload_prep *ret)
{
	*ret = j->prep;
	memset(&j->prep, 0, sizeof(j->prep));
	j->ended_work = false;
	return j->kind;
}

void reload_job_wait(struct reload_job *j)
{
	/* A test that stops vaktd while a preparation is held (a failed
	 * test) must not hang the stop: let it go. */
	while (j->thread_live && j->test_hold && !atomic_load(&j->ended)) {
		int fd = open(j->test_hold, O_WRONLY | O_NONBLOCK | O_CLOEXEC);
		if (fd >= 0) {
			ssize_t n = write(fd, "", 1);
			(void)n;
			close(fd);
		}
		usleep(10000);
	}
	if (j->thread_live)
		pthread_join(j->thread, NULL);
	j->thread_live = false;
}

void reload_job_free(struct reload_job *j)
{
	if (!j)
		return;
	reload_job_wait(j);
	prep_clear(&j->prep);
	wakeup_free(j->wake);
	free(j->test_hold);
	free(j->db_path);
	free(j);
}
