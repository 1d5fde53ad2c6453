/* The audit log through the API: its verification, which runs on the
 * worker (api-audit-job.h) and is started, watched, waited for and
 * cancelled here, and its export in pages.
 *
 * The export is paged by seq, not streamed: a page is one primary-key
 * range read (at most EXPORT_MAX_LIMIT entries and about EXPORT_MAX_BYTES),
 * so every page costs the loop a bounded few milliseconds however long the
 * log is; the server keeps no state between pages; a client that is
 * interrupted goes on from the last seq it has; and since the log is
 * append-only, pages read at different times join into one consistent
 * range (the first page fixes its end, `to`). */
#include <errno.h>
#include <stdio.h>
#include <string.h>

#include "api/api-audit-job.h"
#include "api/api-handlers.h"
#include "store/audit.h"
#include "util/clock.h"

#define EXPORT_DEFAULT_LIMIT 500
#define EXPORT_MAX_LIMIT 1000
#define EXPORT_MAX_BYTES (512 * 1024)

static void add_time(cJSON *o, const char *key, int64_t usec)
{
	char buf[40];
	if (usec)
		cJSON_AddStringToObject(o, key, clock_format_utc(usec, buf, sizeof(buf)));
	else
		cJSON_AddNullToObject(o, key);
}

/* An integer as written, never as a double: seq and at must read back
 * exactly, since the hashes cover their decimal text. */
static void add_int(cJSON *o, const char *key, int64_t v)
{
	char buf[24];
	snprintf(buf, sizeof(buf), "%lld", (long long)v);
	cJSON_AddRawToObject(o, key, buf);
}

static cJSON *job_json(const struct api_audit_job_info *in)
{
	cJSON *o = cJSON_CreateObject();
	add_int(o, "id", (int64_t)in->id);
	cJSON_AddStringToObject(o, "state", api_audit_job_state_name(in->state));
	add_int(o, "checked", in->checked);
	add_int(o, "total", in->total);
	if (in->state == API_AUDIT_JOB_BROKEN)
		add_int(o, "first_bad_seq", in->first_bad_seq);
	add_time(o, "started_at", in->started_usec);
	add_time(o, "finished_at", in->finished_usec);
	cJSON_AddStringToObject(o, "started_by", in->started_by);
	add_int(o, "elapsed_ms", in->elapsed_usec / 1000);
	if (in->state == API_AUDIT_JOB_FAILED)
		cJSON_AddStringToObject(o, "error", in->error);
	return o;
}

static bool no_worker(const struct api_env *env, struct api_response *ret)
{
	if (env->audit_job)
		return false;
	api_fail(ret, 503, "unavailable", "no verification worker runs here");
	return true;
}

/* {"started": bool, "job": {...}} */
static void answer_job(struct api_response *ret, int status, const char *flag, bool value,
                       const struct api_audit_job_info *in)
{
	cJSON *o = cJSON_CreateObject();
	if (flag)
		cJSON_AddBoolToObject(o, flag, value);
	cJSON_AddItemToObject(o, "job", job_json(in));
	ret->status = status;
	ret->body = o;
}

void api_post_audit_verify(const struct api_env *env, const struct api_req *req,
                           struct api_response *ret)
{
	struct api_audit_job_info in;
	char actor[96];

	if (no_worker(env, ret))
		return;
	int r = api_audit_job_start(env->audit_job, api_actor(req, actor, sizeof(actor)));
	if (r < 0) {
		api_fail(ret, 500, "worker", "cannot start the verification: %s", strerror(-r));
		return;
	}
	api_audit_job_get(env->audit_job, &in);
	answer_job(ret, 202, "started", r == 0, &in);
}

void api_delete_audit_verify(const struct api_env *env, const struct api_req *req,
                             struct api_response *ret)
{
	struct api_audit_job_info in;

	if (no_worker(env, ret))
		return;
	bool cancelled = api_audit_job_cancel(env->audit_job);
	api_audit_job_get(env->audit_job, &in);
	answer_job(ret, 200, "cancelling", cancelled, &in);
}

/* ?wait=1: answer when the job has moved on (progress or its end) rather
 * than at once, so a client shows progress without polling in a loop. */
void api_get_audit_verify_status(const struct api_env *env, const struct api_req *req,
                                 struct api_response *ret)
{
	struct api_audit_job_info in;
	char wait[8];

	if (no_worker(env, ret))
		return;
	bool want_wait = api_query_get(req->query, "wait", wait, sizeof(wait)) == 0 &&
	                 strcmp(wait, "1") == 0;
	api_audit_job_get(env->audit_job, &in);
	answer_job(ret, 200, NULL, false, &in);
	ret->wait = want_wait && !req->resumed && in.state == API_AUDIT_JOB_RUNNING;
}

/* The answer of the old synchronous route, plus the job. */
static void answer_verified(struct api_response *ret, int r, int64_t n, int64_t bad,
                            const struct api_audit_job_info *in)
{
	if (r != 0 && r != STORE_E_CORRUPT) {
		api_fail(ret, 500, "store", "cannot read the audit log%s%s", in ? ": " : "",
		         in ? in->error : "");
		return;
	}
	cJSON *o = cJSON_CreateObject();
	cJSON_AddBoolToObject(o, "intact", r == 0);
	if (r == 0)
		add_int(o, "entries", n);
	else
		add_int(o, "first_bad_seq", bad);
	if (in)
		cJSON_AddItemToObject(o, "job", job_json(in));
	ret->status = 200;
	ret->body = o;
}

/* Start a verification (or join the one running) and answer when it has
 * ended: the connection waits, the loop does not. */
void api_get_audit_verify(const struct api_env *env, const struct api_req *req,
                          struct api_response *ret)
{
	struct api_audit_job_info in;
	char actor[96];

	if (!env->audit_job) {
		/* No loop to hand a result back to: a small store, at once. */
		int64_t n = 0, bad = 0;
		int r = store_audit_verify(env->store, &n, &bad);
		answer_verified(ret, r, n, bad, NULL);
		return;
	}
	api_audit_job_get(env->audit_job, &in);
	if (in.state != API_AUDIT_JOB_RUNNING && !req->resumed) {
		int r = api_audit_job_start(env->audit_job, api_actor(req, actor, sizeof(actor)));
		if (r < 0) {
			api_fail(ret, 500, "worker", "cannot start the verification: %s",
			         strerror(-r));
			return;
		}
		api_audit_job_get(env->audit_job, &in);
	}
	switch (in.state) {
	case API_AUDIT_JOB_RUNNING:
		answer_job(ret, 202, "started", true, &in);
		ret->wait = true;
		return;
	case API_AUDIT_JOB_OK:
		answer_verified(ret, 0, in.checked, 0, &in);
		return;
	case API_AUDIT_JOB_BROKEN:
		answer_verified(ret, STORE_E_CORRUPT, in.checked, in.first_bad_seq, &in);
		return;
	case API_AUDIT_JOB_CANCELLED:
		api_fail(ret, 503, "cancelled", "the verification was cancelled");
		return;
	case API_AUDIT_JOB_NONE:
	case API_AUDIT_JOB_FAILED:
		answer_verified(ret, STORE_E_SQLITE, 0, 0, &in);
		return;
	}
}

/* --- export ------------------------------------------------------------ */

struct page {
	cJSON *entries;
	size_t n, bytes;
	int64_t last;
};

static int add_entry(void *arg, const struct store_audit_entry *e)
{
	struct page *p = arg;
	cJSON *o = cJSON_CreateObject();
	char buf[40];

	if (!o)
		return -ENOMEM;
	add_int(o, "seq", e->seq);
	add_int(o, "at", e->at);
	cJSON_AddStringToObject(o, "time", clock_format_utc(e->at, buf, sizeof(buf)));
	cJSON_AddStringToObject(o, "actor", e->actor);
	cJSON_AddStringToObject(o, "action", e->action);
	cJSON_AddStringToObject(o, "subject", e->subject);
	cJSON_AddStringToObject(o, "detail", e->detail); /* as hashed: text, not parsed */
	if (e->has_caller) {
		cJSON *c = cJSON_AddObjectToObject(o, "caller");
		add_int(c, "uid", e->caller.uid);
		add_int(c, "gid", e->caller.gid);
		add_int(c, "pid", e->caller.pid);
		if (e->caller.user)
			cJSON_AddStringToObject(c, "user", e->caller.user);
		else
			cJSON_AddNullToObject(c, "user");
		if (e->caller.claim)
			cJSON_AddStringToObject(c, "claim", e->caller.claim);
		else
			cJSON_AddNullToObject(c, "claim");
	} else {
		cJSON_AddNullToObject(o, "caller");
	}
	cJSON_AddStringToObject(o, "prev_hash", e->prev_hash);
	cJSON_AddStringToObject(o, "hash", e->hash);
	cJSON_AddItemToArray(p->entries, o);
	p->n++;
	p->last = e->seq;
	p->bytes +=
	        256 + strlen(e->actor) + strlen(e->action) + strlen(e->subject) + strlen(e->detail);
	return p->bytes >= EXPORT_MAX_BYTES ? 1 : 0;
}

/* A positive number from the query, dflt when absent; false when bad. */
static bool query_num(const char *query, const char *key, int64_t dflt, int64_t *ret)
{
	char buf[24];
	int r = api_query_get(query, key, buf, sizeof(buf));
	if (r == -ENOENT) {
		*ret = dflt;
		return true;
	}
	return r == 0 && api_parse_id(buf, ret) == 0;
}

/* GET /v1/audit/export?from=SEQ&to=SEQ&limit=N: one page of entries in
 * seq order.  `to` defaults to the last entry now; `next` is the from of
 * the next page, null after the last. */
void api_get_audit_export(const struct api_env *env, const struct api_req *req,
                          struct api_response *ret)
{
	int64_t from, to, limit, last = 0;
	struct page p = { 0 };

	if (!query_num(req->query, "from", 1, &from) || !query_num(req->query, "to", 0, &to) ||
	    !query_num(req->query, "limit", EXPORT_DEFAULT_LIMIT, &limit) ||
	    limit > EXPORT_MAX_LIMIT) {
		api_fail(ret, 400, "bad_query",
		         "from and to are entry numbers (seq), limit 1 to %d", EXPORT_MAX_LIMIT);
		return;
	}
	if (to == 0) {
		if (store_audit_last_seq(env->store, &last)) {
			api_fail(ret, 500, "store", "cannot read the audit log: %s",
			         store_errmsg(env->store));
			return;
		}
		to = last;
	}
	cJSON *o = cJSON_CreateObject();
	add_int(o, "from", from);
	add_int(o, "to", to);
	p.entries = cJSON_AddArrayToObject(o, "entries");
	if (!p.entries) {
		cJSON_Delete(o);
		return; /* the router answers out of memory */
	}
	if (from <= to) {
		int r = store_audit_read(env->store, from, to, (size_t)limit, add_entry, &p);
		if (r) {
			cJSON_Delete(o);
			api_fail(ret, 500, "store", "cannot read the audit log: %s",
			         r == -ENOMEM ? "out of memory" : store_errmsg(env->store));
			return;
		}
	}
	/* Another page when this one stopped short of `to` by its size. */
	if (p.n > 0 && p.last < to && (p.n == (size_t)limit || p.bytes >= EXPORT_MAX_BYTES))
		add_int(o, "next", p.last + 1);
	else
		cJSON_AddNullToObject(o, "next");
	ret->status = 200;
	ret->body = o;
}
