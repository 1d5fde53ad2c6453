/* The reload job (vaktd/reload.h): a configuration and its rules prepared
 * on a worker thread and handed to the loop; the rules proved unless the
 * store vouches for them, proved again when the store cannot be read; a
 * broken rule set refused with its lines; one job at a time; a rule set
 * retired on the thread; a job freed while its thread runs. */
#include <errno.h>
#include <stdlib.h>

#include <event2/event.h>

#include "t.h"
#include "tdb.h"
#include "tfs.h"

#include "pipeline/pipeline.h"
#include "store/store.h"
#include "util/clock.h"
#include "vaktd/reload.h"

#define GOOD_RULES SRCDIR "/tests/unit/data/filter/good"
#define DEMO SRCDIR "/config/demo"

static const char failing_example[] = "rule sv.spam.fails\n"
                                      "  title     A rule whose example fails\n"
                                      "  category  spam\n"
                                      "  statute   kommentarsregler\n"
                                      "  tier      possible\n"
                                      "  severity  1\n"
                                      "  actions   review\n"
                                      "  pattern   \\bkop\\s+klockor\\b\n"
                                      "  match     kop klockor\n"
                                      "  match     kop  klockor nu\n"
                                      "  match     salj klockor\n"
                                      "  nomatch   klockor\n"
                                      "  nomatch   kop\n"
                                      "  nomatch   inget\n"
                                      "end\n";

struct run {
	struct event_base *base;
	int done;
};

static void on_done(void *arg)
{
	struct run *r = arg;
	r->done++;
	event_base_loopbreak(r->base);
}

/* Run the loop until the job's thread has ended and done was called. */
static void wait_done(struct run *r)
{
	int before = r->done;
	while (r->done == before)
		T_EQ_INT(0, event_base_loop(r->base, EVLOOP_ONCE));
}

struct fixture {
	char *dir;
	char db[4200];
	struct config_overrides ovr;
	struct run run;
	struct reload_job *job;
};

static void fixture_open(struct fixture *f, const char *rules_dir, const char *db_path)
{
	struct store *s = NULL;
	f->dir = tfs_mkdtemp();
	snprintf(f->db, sizeof(f->db), "%s/vakt.db", f->dir);
	T_EQ_INT(0, store_open(f->db, &s, NULL, 0)); /* a store with its schema */
	store_close(s);
	f->ovr = (struct config_overrides){ .state_dir = f->dir, .api_socket = "/nonexistent/s" };
	setenv("VAKT_RULES_DIR", rules_dir, 1);
	f->run.base = event_base_new();
	T_EQ_INT(0,
	         reload_job_new(f->run.base, db_path ? db_path : f->db, on_done, &f->run, &f->job));
}

static void fixture_close(struct fixture *f)
{
	reload_job_free(f->job);
	event_base_free(f->run.base);
	tfs_rmrf(f->dir);
}

/* Prepared on the thread: config and rules whole, the examples run (the
 * store knows nothing yet); once recorded, a second preparation of the
 * same files finds them proved and runs nothing. */
static void test_prepares_and_proves_then_is_vouched_for(void)
{
	struct fixture f = { 0 };
	struct reload_prep p;
	struct store *s = NULL;

	fixture_open(&f, GOOD_RULES, NULL);
	T_ASSERT(!reload_job_running(f.job));
	T_EQ_INT(0, reload_job_start(f.job, DEMO, &f.ovr, clock_now()));
	T_ASSERT(reload_job_running(f.job));
	T_EQ_INT(-EBUSY, reload_job_start(f.job, DEMO, &f.ovr, clock_now()));
	wait_done(&f.run);
	T_ASSERT(!reload_job_running(f.job));
	T_EQ_INT(RELOAD_ENDED_PREPARED, reload_job_take(f.job, &p));
	T_EQ_INT(0, p.r);
	T_EQ_INT(0, (int)p.diags.n);
	T_ASSERT(p.config != NULL);
	T_ASSERT(p.rules != NULL && p.rules->engine != NULL);
	T_ASSERT(p.rules->examples_checked);
	T_ASSERT(!p.rules->vouched);
	T_ASSERT(p.rules->examples_ran > 0);
	T_EQ_STR("", p.store_note);
	T_EQ_INT(0, store_open(f.db, &s, NULL, 0));
	T_EQ_INT(0, pipeline_rules_record(p.rules, s, clock_now_usec()));
	store_close(s);
	config_free(p.config);
	pipeline_rules_free(p.rules);

	T_EQ_INT(0, reload_job_start(f.job, DEMO, &f.ovr, clock_now()));
	wait_done(&f.run);
	T_EQ_INT(RELOAD_ENDED_PREPARED, reload_job_take(f.job, &p));
	T_EQ_INT(0, p.r);
	T_ASSERT(p.rules->vouched);
	T_EQ_INT(0, (int)p.rules->examples_ran);
	T_ASSERT(p.rules->engine != NULL);
	config_free(p.config);
	pipeline_rules_free(p.rules);
	fixture_close(&f);
}

/* A rule whose own example fails: refused, the example's line named. */
static void test_a_failing_example_refuses_the_rules(void)
{
	struct fixture f = { 0 };
	struct reload_prep p;
	char *rules = tfs_mkdtemp();
	tfs_write(rules, "10-fails.rules", failing_example);

	fixture_open(&f, rules, NULL);
	T_EQ_INT(0, reload_job_start(f.job, DEMO, &f.ovr, clock_now()));
	wait_done(&f.run);
	T_EQ_INT(RELOAD_ENDED_PREPARED, reload_job_take(f.job, &p));
	T_EQ_INT(-EINVAL, p.r);
	T_EQ_INT(1, (int)p.diags.n);
	T_EQ_INT(11, (int)p.diags.v[0].line);
	T_CONTAINS(p.diags.v[0].msg, "expected a match, got none");
	config_free(p.config);
	pipeline_rules_free(p.rules);
	diag_list_clear(&p.diags);
	fixture_close(&f);
	tfs_rmrf(rules);
}

/* A store the thread cannot read costs time, not the reload: the rules
 * are proved again, and the loop is told why. */
static void test_an_unreadable_store_proves_again(void)
{
	struct fixture f = { 0 };
	struct reload_prep p;

	fixture_open(&f, GOOD_RULES, "/nonexistent/vakt.db");
	T_EQ_INT(0, reload_job_start(f.job, DEMO, &f.ovr, clock_now()));
	wait_done(&f.run);
	T_EQ_INT(RELOAD_ENDED_PREPARED, reload_job_take(f.job, &p));
	T_EQ_INT(0, p.r);
	T_CONTAINS(p.store_note, "running the examples");
	T_ASSERT(!p.rules->vouched);
	T_ASSERT(p.rules->examples_ran > 0);
	config_free(p.config);
	pipeline_rules_free(p.rules);
	fixture_close(&f);
}

/* A retired rule set is freed on the thread; what ends is no
 * preparation; a new preparation may start once it has.  Freeing the job
 * while a thread runs waits for it and leaks nothing (ASan). */
static void test_retire_and_free_while_running(void)
{
	struct fixture f = { 0 };
	struct reload_prep p;

	fixture_open(&f, GOOD_RULES, NULL);
	T_EQ_INT(0, reload_job_start(f.job, DEMO, &f.ovr, clock_now()));
	wait_done(&f.run);
	T_EQ_INT(RELOAD_ENDED_PREPARED, reload_job_take(f.job, &p));
	config_free(p.config);
	T_EQ_INT(0, reload_job_retire(f.job, p.rules));
	T_ASSERT(reload_job_running(f.job));
	T_EQ_INT(-EBUSY, reload_job_retire(f.job, NULL));
	wait_done(&f.run);
	T_EQ_INT(RELOAD_ENDED_RETIRE, reload_job_take(f.job, &p));
	T_ASSERT(p.config == NULL && p.rules == NULL);

	T_EQ_INT(0, reload_job_start(f.job, DEMO, &f.ovr, clock_now()));
	fixture_close(&f); /* the preparation runs: joined, its result freed */
}

/* A start's build: a rule set the store vouched for, handed over from
 * the one the loop keeps (which filters nothing meanwhile), gets its
 * engine on the thread, proved without running an example; the job is
 * busy while it runs; freeing the job during a build leaks nothing. */
static void test_builds_a_vouched_rule_set(void)
{
	struct fixture f = { 0 };
	struct reload_prep p;
	struct diag_list dl = { 0 };
	struct pipeline_rules *shell = NULL, *built = NULL;

	fixture_open(&f, GOOD_RULES, NULL);
	T_EQ_INT(0, pipeline_rules_load_flags(GOOD_RULES, 5, PIPELINE_RULES_DEFER_COMPILE, &shell,
	                                      &dl));
	T_EQ_INT(0, pipeline_rules_hand_over(shell, &built));
	T_ASSERT(shell->engine == NULL && shell->pending.n == 0 && !shell->examples_checked);
	T_EQ_STR(shell->digest, built->digest);
	T_EQ_INT((int64_t)shell->nrules, (int64_t)built->pending.n);
	T_EQ_INT(0, reload_job_build(f.job, built));
	T_ASSERT(reload_job_running(f.job));
	T_EQ_INT(-EBUSY, reload_job_build(f.job, shell));
	T_EQ_INT(-EBUSY, reload_job_start(f.job, DEMO, &f.ovr, clock_now()));
	wait_done(&f.run);
	T_EQ_INT(RELOAD_ENDED_BUILT, reload_job_take(f.job, &p));
	T_EQ_INT(0, p.r);
	T_ASSERT(p.config == NULL && p.rules == built);
	T_ASSERT(built->engine != NULL && built->examples_checked && built->vouched);
	T_EQ_INT(0, (int64_t)built->examples_ran);
	T_EQ_INT((int64_t)shell->nrules, (int64_t)filter_engine_rule_count(built->engine));
	struct pipeline_rules *again = NULL;
	T_EQ_INT(-EINVAL, pipeline_rules_hand_over(built, &again)); /* built: nothing to hand */
	pipeline_rules_free(built);
	pipeline_rules_free(shell);

	T_EQ_INT(0, pipeline_rules_load_flags(GOOD_RULES, 5, PIPELINE_RULES_DEFER_COMPILE, &shell,
	                                      &dl));
	T_EQ_INT(0, pipeline_rules_hand_over(shell, &built));
	T_EQ_INT(0, reload_job_build(f.job, built));
	fixture_close(&f); /* the build runs: joined, its rules freed */
	pipeline_rules_free(shell);
	T_EQ_INT(0, (int64_t)dl.n);
}

int main(void)
{
	T_RUN(test_prepares_and_proves_then_is_vouched_for);
	T_RUN(test_a_failing_example_refuses_the_rules);
	T_RUN(test_an_unreadable_store_proves_again);
	T_RUN(test_retire_and_free_while_running);
	T_RUN(test_builds_a_vouched_rule_set);
	return t_done();
}
