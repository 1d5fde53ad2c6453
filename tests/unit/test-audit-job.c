/* The audit verification job (api/api-audit-job.h): the walk on a worker
 * thread with its own connection, progress handed to the loop, a broken
 * chain found at the right entry, one job at a time, cancellation and a
 * stop while it runs; the walk's own cancel and the export's pages through
 * the router. */
#include <errno.h>

#include <event2/event.h>

#include "t.h"
#include "tdb.h"
#include "tfs.h"

#include "api/api-audit-job.h"
#include "api/api.h"
#include "store/audit.h"
#include "store/store-db.h"
#include "store/store.h"

/* A big chain for the tests that must find the worker still at work: it
 * takes the worker tens of milliseconds at least, the loop's next call
 * (the cancel) microseconds. */
#define BIG 40000

/* A store at path with n entries in its chain. */
static struct store *make_store(const char *path, int n)
{
	struct store *s = NULL;
	if (store_open(path, &s, NULL, 0) || store_begin(s))
		abort();
	for (int i = 0; i < n; i++) {
		char detail[32];
		snprintf(detail, sizeof(detail), "{\"n\":%d}", i);
		if (store_audit_append(s, "test", "test.entry", "item:1", detail, NULL))
			abort();
	}
	if (store_commit(s))
		abort();
	return s;
}

/* The BIG chain, built once for the tests that need it (they only read
 * it, or append after it); removed at the end. */
static char *big_dir, *big_path;

static struct store *open_big(void)
{
	struct store *s = NULL;
	if (!big_dir) {
		big_dir = tfs_mkdtemp();
		big_path = tdb_path(big_dir);
		return make_store(big_path, BIG);
	}
	if (store_open(big_path, &s, NULL, 0))
		abort();
	return s;
}

struct watch {
	struct event_base *base;
	struct api_audit_job *job;
	int calls;
	int64_t last_checked;
};

/* The listener: stop the loop when the job has ended. */
static void on_change(void *arg)
{
	struct watch *w = arg;
	struct api_audit_job_info in;
	api_audit_job_get(w->job, &in);
	w->calls++;
	T_ASSERT(in.checked >= w->last_checked); /* progress only grows */
	w->last_checked = in.checked;
	if (in.state != API_AUDIT_JOB_RUNNING)
		event_base_loopbreak(w->base);
}

/* Run the loop until the job ends. */
static void run_job(struct watch *w)
{
	api_audit_job_set_listener(w->job, on_change, w);
	T_EQ_INT(0, event_base_dispatch(w->base));
}

static void test_verifies_on_the_worker(void)
{
	char *dir = tfs_mkdtemp(), *path = tdb_path(dir);
	struct store *s = make_store(path, 5000);
	struct watch w = { .base = event_base_new() };
	struct api_audit_job_info in;

	T_EQ_INT(0, api_audit_job_new(w.base, path, &w.job));
	api_audit_job_get(w.job, &in);
	T_EQ_INT(API_AUDIT_JOB_NONE, in.state);
	T_EQ_STR("none", api_audit_job_state_name(in.state));
	T_EQ_INT(0, api_audit_job_start(w.job, "api:anna"));
	/* The state moves only on the loop: running until the loop has
	 * heard the worker end. */
	api_audit_job_get(w.job, &in);
	T_EQ_INT(API_AUDIT_JOB_RUNNING, in.state);
	T_EQ_INT(1, in.id);
	run_job(&w);
	api_audit_job_get(w.job, &in);
	T_EQ_INT(API_AUDIT_JOB_OK, in.state);
	T_EQ_INT(5000, in.checked);
	T_EQ_INT(5000, in.total);
	T_EQ_STR("api:anna", in.started_by);
	T_ASSERT(in.finished_usec >= in.started_usec && in.started_usec > 0);
	T_ASSERT(w.calls >= 1);
	T_EQ_INT(5000, w.last_checked);
	/* Another one is a new job. */
	w.last_checked = 0;
	T_EQ_INT(0, api_audit_job_start(w.job, NULL));
	api_audit_job_get(w.job, &in);
	T_EQ_INT(2, in.id);
	T_EQ_STR("vaktd", in.started_by);
	run_job(&w);
	api_audit_job_get(w.job, &in);
	T_EQ_INT(API_AUDIT_JOB_OK, in.state);
	api_audit_job_free(w.job);
	event_base_free(w.base);
	store_close(s);
	free(path);
	tfs_rmrf(dir);
}

static void test_finds_the_first_bad_entry(void)
{
	char *dir = tfs_mkdtemp(), *path = tdb_path(dir);
	struct store *s = make_store(path, 3000);
	struct watch w = { .base = event_base_new() };
	struct api_audit_job_info in;

	T_EQ_INT(0, store_exec(s, "DROP TRIGGER audit_log_no_update"));
	T_EQ_INT(0, store_exec(s, "UPDATE audit_log SET detail='{\"n\":0}' WHERE seq=1234"));
	T_EQ_INT(0, api_audit_job_new(w.base, path, &w.job));
	T_EQ_INT(0, api_audit_job_start(w.job, "api:anna"));
	run_job(&w);
	api_audit_job_get(w.job, &in);
	T_EQ_INT(API_AUDIT_JOB_BROKEN, in.state);
	T_EQ_INT(1234, in.first_bad_seq);
	T_EQ_INT(1233, in.checked);
	T_EQ_INT(3000, in.total);
	api_audit_job_free(w.job);
	event_base_free(w.base);
	store_close(s);
	free(path);
	tfs_rmrf(dir);
}

static void test_second_start_joins_the_running_job(void)
{
	char *dir = tfs_mkdtemp(), *path = tdb_path(dir);
	struct store *s = make_store(path, 2000);
	struct watch w = { .base = event_base_new() };
	struct api_audit_job_info in;

	T_EQ_INT(0, api_audit_job_new(w.base, path, &w.job));
	T_EQ_INT(0, api_audit_job_start(w.job, "api:anna"));
	T_EQ_INT(1, api_audit_job_start(w.job, "api:bertil"));
	api_audit_job_get(w.job, &in);
	T_EQ_INT(1, in.id);
	T_EQ_STR("api:anna", in.started_by);
	run_job(&w);
	api_audit_job_free(w.job);
	event_base_free(w.base);
	store_close(s);
	free(path);
	tfs_rmrf(dir);
}

static void test_cancel_stops_the_walk(void)
{
	struct store *s = open_big();
	const char *path = big_path;
	struct watch w = { .base = event_base_new() };
	struct api_audit_job_info in;

	T_EQ_INT(0, api_audit_job_new(w.base, path, &w.job));
	T_ASSERT(!api_audit_job_cancel(w.job)); /* nothing runs */
	T_EQ_INT(0, api_audit_job_start(w.job, "api:anna"));
	T_ASSERT(api_audit_job_cancel(w.job));
	run_job(&w);
	api_audit_job_get(w.job, &in);
	T_EQ_INT(API_AUDIT_JOB_CANCELLED, in.state);
	T_ASSERT(in.checked < BIG);
	T_EQ_INT(0, in.checked % STORE_AUDIT_STEP); /* it stops at a step */
	api_audit_job_free(w.job);
	event_base_free(w.base);
	store_close(s);
}

/* What vaktd does when it stops with a verification running: free
 * cancels and joins the thread (ASan: nothing leaks), and the loop's own
 * connection goes on. */
static void test_free_while_running_joins_the_worker(void)
{
	struct store *s = open_big();
	const char *path = big_path;
	struct event_base *base = event_base_new();
	struct api_audit_job *job = NULL;
	int64_t seq = 0;

	T_EQ_INT(0, api_audit_job_new(base, path, &job));
	T_EQ_INT(0, api_audit_job_start(job, "api:anna"));
	/* The loop writes while the worker reads its snapshot (WAL). */
	T_EQ_INT(0, store_begin(s));
	T_EQ_INT(0, store_audit_append(s, "test", "test.during", "x", NULL, &seq));
	T_EQ_INT(0, store_commit(s));
	T_EQ_INT(BIG + 1, seq);
	api_audit_job_free(job);
	T_EQ_INT(0, store_audit_verify(s, NULL, NULL));
	api_audit_job_free(NULL);
	event_base_free(base);
	store_close(s);
}

static void test_unreadable_store_fails_the_job(void)
{
	char *dir = tfs_mkdtemp(), *path = tdb_path(dir); /* never created */
	struct watch w = { .base = event_base_new() };
	struct api_audit_job_info in;

	T_EQ_INT(0, api_audit_job_new(w.base, path, &w.job));
	T_EQ_INT(0, api_audit_job_start(w.job, NULL));
	run_job(&w);
	api_audit_job_get(w.job, &in);
	T_EQ_INT(API_AUDIT_JOB_FAILED, in.state);
	T_CONTAINS(in.error, "cannot open");
	api_audit_job_free(w.job);
	event_base_free(w.base);
	free(path);
	tfs_rmrf(dir);
}

static bool stop_at_2048(void *arg, int64_t checked, int64_t total)
{
	int *calls = arg;
	(*calls)++;
	return checked < 2048;
}

static void test_walk_reports_progress_and_stops_when_asked(void)
{
	char *dir = tfs_mkdtemp(), *path = tdb_path(dir);
	struct store *s = make_store(path, 5000), *r = NULL;
	int64_t n = 0, bad = 0;
	int calls = 0;
	char err[256];

	T_EQ_INT(0, store_open_reader(path, &r, err, sizeof(err)));
	T_EQ_INT(-ECANCELED, store_audit_verify_walk(r, stop_at_2048, &calls, &n, &bad));
	T_EQ_INT(2048, n);
	T_EQ_INT(3, calls); /* 0, 1024, 2048 */
	/* The reader cannot write. */
	T_ASSERT(store_exec(r, "INSERT INTO counters(name, n) VALUES ('x', 1)") != 0);
	store_close(r);
	store_close(s);
	free(path);
	tfs_rmrf(dir);
}

static cJSON *route(struct api_env *env, const char *method, const char *path, const char *query,
                    int *ret_status)
{
	struct api_response resp;
	if (api_route(env, method, path, query, NULL, 0, &resp))
		abort();
	*ret_status = resp.status;
	return resp.body;
}

static void test_export_pages(void)
{
	char *dir = tfs_mkdtemp(), *path = tdb_path(dir);
	struct store *s = make_store(path, 5);
	struct api_env env = { .store = s };
	int status = 0;

	cJSON *o = route(&env, "GET", "/v1/audit/export", "from=2&limit=2", &status);
	T_EQ_INT(200, status);
	T_EQ_INT(2, cJSON_GetArraySize(cJSON_GetObjectItem(o, "entries")));
	char *txt = cJSON_PrintUnformatted(o);
	T_CONTAINS(txt, "\"detail\":\"{\\\"n\\\":1}\""); /* the text as hashed */
	T_CONTAINS(txt, "\"caller\":null");
	/* Integers as written (raw), never a double's "4e+00". */
	T_CONTAINS(txt, "\"seq\":3,");
	T_CONTAINS(txt, "\"next\":4");
	T_CONTAINS(txt, "\"to\":5,");
	free(txt);
	cJSON_Delete(o);
	o = route(&env, "GET", "/v1/audit/export", "from=4&to=5&limit=2", &status);
	T_EQ_INT(2, cJSON_GetArraySize(cJSON_GetObjectItem(o, "entries")));
	T_ASSERT(cJSON_IsNull(cJSON_GetObjectItem(o, "next")));
	cJSON_Delete(o);
	const char *bad[] = { "limit=0", "limit=1001", "from=x", "from=-1", "to=1&to=" };
	for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
		o = route(&env, "GET", "/v1/audit/export", bad[i], &status);
		if (i < 4)
			T_EQ_INT(400, status);
		cJSON_Delete(o);
	}
	/* Without a worker: GET verifies at once, the job routes refuse. */
	o = route(&env, "GET", "/v1/audit/verify", NULL, &status);
	T_EQ_INT(200, status);
	T_ASSERT(cJSON_IsTrue(cJSON_GetObjectItem(o, "intact")));
	cJSON_Delete(o);
	o = route(&env, "POST", "/v1/audit/verify", NULL, &status);
	T_EQ_INT(503, status);
	cJSON_Delete(o);
	store_close(s);
	free(path);
	tfs_rmrf(dir);
}

int main(void)
{
	T_RUN(test_verifies_on_the_worker);
	T_RUN(test_finds_the_first_bad_entry);
	T_RUN(test_second_start_joins_the_running_job);
	T_RUN(test_cancel_stops_the_walk);
	T_RUN(test_free_while_running_joins_the_worker);
	T_RUN(test_unreadable_store_fails_the_job);
	T_RUN(test_walk_reports_progress_and_stops_when_asked);
	T_RUN(test_export_pages);
	if (big_dir) {
		free(big_path);
		tfs_rmrf(big_dir);
	}
	return t_done();
}
