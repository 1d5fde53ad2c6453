/* The control API's routes and its JSON error shapes. */
#include <errno.h>
#include <stdio.h>
#include <string.h>

#include "t.h"
#include "tfs.h"

#include "api/api.h"
#include "deadline/deadline.h"
#include "store/store-db.h"
#include "util/clock.h"

static struct config cfg;
static struct store *store;

static struct api_env env(void)
{
	return (struct api_env){
		.store = store,
		.config = &cfg,
		.config_generation = 3,
		.started_usec = clock_now_usec(),
		.config_loaded_usec = clock_now_usec(),
		.state = "running",
	};
}

static void check_error(struct api_response *r, int status, const char *code)
{
	T_EQ_INT(status, r->status);
	cJSON *e = cJSON_GetObjectItemCaseSensitive(r->body, "error");
	T_ASSERT(cJSON_IsObject(e));
	T_EQ_INT(status, cJSON_GetNumberValue(cJSON_GetObjectItemCaseSensitive(e, "status")));
	T_EQ_STR(code, cJSON_GetStringValue(cJSON_GetObjectItemCaseSensitive(e, "code")));
	T_ASSERT(cJSON_IsString(cJSON_GetObjectItemCaseSensitive(e, "message")));
}

static void test_unknown_path_is_404_json(void)
{
	struct api_env e = env();
	struct api_response r;
	T_EQ_INT(0, api_route(&e, "GET", "/v1/nothing", NULL, NULL, 0, &r));
	check_error(&r, 404, "not_found");
	api_response_clear(&r);
	T_EQ_INT(0, api_route(&e, "GET", "/status", NULL, NULL, 0, &r));
	check_error(&r, 404, "not_found");
	api_response_clear(&r);
}

static void test_wrong_method_is_405_json(void)
{
	struct api_env e = env();
	struct api_response r;
	T_EQ_INT(0, api_route(&e, "DELETE", "/v1/status", NULL, NULL, 0, &r));
	check_error(&r, 405, "method_not_allowed");
	api_response_clear(&r);
}

/* Found by fuzzing: an odd method was echoed into the message, which then
 * was not valid UTF-8. */
static void test_odd_method_is_not_echoed(void)
{
	struct api_env e = env();
	struct api_response r;
	T_EQ_INT(0, api_route(&e, "\xff\xfe\x01", "/v1/accounts", NULL, NULL, 0, &r));
	check_error(&r, 405, "method_not_allowed");
	cJSON *err = cJSON_GetObjectItemCaseSensitive(r.body, "error");
	T_EQ_STR("this method is not allowed on /v1/accounts",
	         cJSON_GetStringValue(cJSON_GetObjectItemCaseSensitive(err, "message")));
	api_response_clear(&r);
	T_EQ_INT(0, api_route(&e, "PUT", "/v1/accounts", NULL, NULL, 0, &r));
	err = cJSON_GetObjectItemCaseSensitive(r.body, "error");
	T_EQ_STR("PUT is not allowed on /v1/accounts",
	         cJSON_GetStringValue(cJSON_GetObjectItemCaseSensitive(err, "message")));
	api_response_clear(&r);
}

static void test_odd_path_is_400_json(void)
{
	struct api_env e = env();
	struct api_response r;
	T_EQ_INT(0, api_route(&e, "GET", "/v1/status\"<script>", NULL, NULL, 0, &r));
	check_error(&r, 400, "bad_path");
	api_response_clear(&r);
	T_EQ_INT(0, api_route(&e, "GET", "relative", NULL, NULL, 0, &r));
	check_error(&r, 400, "bad_path");
	api_response_clear(&r);
}

static void test_status_reports_counts(void)
{
	struct api_env e = env();
	struct api_response r;
	T_EQ_INT(0, api_route(&e, "GET", "/v1/status", NULL, NULL, 0, &r));
	T_EQ_INT(200, r.status);
	T_EQ_STR(VAKT_VERSION,
	         cJSON_GetStringValue(cJSON_GetObjectItemCaseSensitive(r.body, "version")));
	T_EQ_INT(1, cJSON_GetNumberValue(cJSON_GetObjectItemCaseSensitive(r.body, "accounts")));
	T_EQ_INT(3, cJSON_GetNumberValue(
	                    cJSON_GetObjectItemCaseSensitive(r.body, "config_generation")));
	cJSON *p = cJSON_GetObjectItemCaseSensitive(r.body, "pending");
	T_ASSERT(cJSON_IsNumber(cJSON_GetObjectItemCaseSensitive(p, "review")));
	api_response_clear(&r);
}

static void test_accounts_never_show_tokens(void)
{
	struct api_env e = env();
	struct api_response r;
	T_EQ_INT(0, api_route(&e, "GET", "/v1/accounts", NULL, NULL, 0, &r));
	T_EQ_INT(200, r.status);
	char *txt = cJSON_PrintUnformatted(r.body);
	T_CONTAINS(txt, "\"id\":\"kultur-fb\"");
	T_CONTAINS(txt, "\"token\":true");
	T_ASSERT(strstr(txt, "very-secret") == NULL);
	free(txt);
	api_response_clear(&r);
}

static void test_too_long_query_is_refused_not_ignored(void)
{
	/* Ignoring a filter that does not fit would show every unit's queue. */
	struct api_env e = env();
	struct api_response r;
	char q[400];
	snprintf(q, sizeof(q), "unit=%0300d", 0);
	T_EQ_INT(0, api_route(&e, "GET", "/v1/queue", q, NULL, 0, &r));
	check_error(&r, 400, "bad_query");
	api_response_clear(&r);
}

/* Three pages of the queue through the API, then the bad requests. */
static void test_queue_pages(void)
{
	struct api_env e = env();
	struct api_response r;
	struct deadline_policy pol;
	int64_t ids[5], seen[8];
	size_t n = 0;
	char q[256], next[64] = "";

	deadline_policy_init(&pol);
	sqlite3 *db = store_db(store);
	T_EQ_INT(SQLITE_OK,
	         sqlite3_exec(
	                 db,
	                 "INSERT OR IGNORE INTO accounts(id, platform, unit, external_id, "
	                 "created_at, updated_at) VALUES ('kultur-fb','facebook','kultur','1',1,1)",
	                 NULL, NULL, NULL));
	int64_t pub = clock_now_usec() - 3600 * USEC_PER_SEC;
	for (int i = 0; i < 5; i++) {
		char sql[256];
		snprintf(sql, sizeof(sql),
		         "INSERT INTO items(account_id, platform_id, kind, published_at, "
		         "first_seen_at, last_seen_at) VALUES "
		         "('kultur-fb','q%d','comment',%lld,%lld,"
		         "%lld)",
		         i, (long long)(pub + i), (long long)(pub + i), (long long)(pub + i));
		T_EQ_INT(SQLITE_OK, sqlite3_exec(db, sql, NULL, NULL, NULL));
		T_EQ_INT(0, deadline_start(store, cfg.calendars[0].cal, &pol,
		                           sqlite3_last_insert_rowid(db), DEADLINE_RESPOND,
		                           pub + i * USEC_PER_SEC, pub, "test", &ids[i]));
	}
	for (int pg = 0; pg < 3; pg++) {
		snprintf(q, sizeof(q), "unit=kultur&limit=2%s%s", *next ? "&after=" : "", next);
		T_EQ_INT(0, api_route(&e, "GET", "/v1/queue", q, NULL, 0, &r));
		T_EQ_INT(200, r.status);
		const cJSON *p, *nx = cJSON_GetObjectItemCaseSensitive(r.body, "next");
		cJSON_ArrayForEach(p, cJSON_GetObjectItemCaseSensitive(r.body, "pending"))
			if (n < 8)
				seen[n++] = (int64_t)cJSON_GetNumberValue(
				        cJSON_GetObjectItemCaseSensitive(p, "deadline"));
		/* Two full pages say where to go on; the last (one clock) does not. */
		T_ASSERT(pg < 2 ? cJSON_IsString(nx) : cJSON_IsNull(nx));
		snprintf(next, sizeof(next), "%s", cJSON_IsString(nx) ? nx->valuestring : "");
		api_response_clear(&r);
	}
	T_EQ_INT(5, n);
	for (size_t i = 0; i < n && i < 5; i++)
		T_EQ_INT(ids[i], seen[i]);

	/* Exactly a page full: no next. */
	T_EQ_INT(0, api_route(&e, "GET", "/v1/queue", "account=kultur-fb&limit=5", NULL, 0, &r));
	T_EQ_INT(200, r.status);
	T_ASSERT(cJSON_IsNull(cJSON_GetObjectItemCaseSensitive(r.body, "next")));
	T_EQ_INT(5, cJSON_GetArraySize(cJSON_GetObjectItemCaseSensitive(r.body, "pending")));
	api_response_clear(&r);

	static const char *bad_limits[] = { "limit=0",
		                            "limit=1001",
		                            "limit=-1",
		                            "limit=x",
		                            "limit=",
		                            "limit=5x",
		                            "limit=99999999999999999999" };
	for (size_t i = 0; i < sizeof(bad_limits) / sizeof(bad_limits[0]); i++) {
		T_EQ_INT(0, api_route(&e, "GET", "/v1/queue", bad_limits[i], NULL, 0, &r));
		check_error(&r, 400, "bad_limit");
		api_response_clear(&r);
	}
	static const char *bad_cursors[] = { "after=", "after=x", "after=q1.0.1.0",
		                             "after=q9.0.1.1", "after=q1.0.1.1." };
	for (size_t i = 0; i < sizeof(bad_cursors) / sizeof(bad_cursors[0]); i++) {
		T_EQ_INT(0, api_route(&e, "GET", "/v1/queue", bad_cursors[i], NULL, 0, &r));
		if (r.status != 400)
			printf("# %s: %d\n", bad_cursors[i], r.status);
		check_error(&r, 400, "bad_cursor");
		api_response_clear(&r);
	}
	snprintf(q, sizeof(q), "after=q1.0.1.%0100d", 1);
	T_EQ_INT(0, api_route(&e, "GET", "/v1/queue", q, NULL, 0, &r));
	check_error(&r, 400, "bad_cursor");
	api_response_clear(&r);
}

static int64_t moved_to;
static int move_result;

static int fake_move(void *arg, int64_t to, size_t *ret_fired)
{
	(void)arg;
	moved_to = to;
	clock_manual_set(to);
	*ret_fired = 7;
	return move_result;
}

static void post_clock(const char *body, struct api_response *r)
{
	struct api_env e = env();
	e.testclock_move = fake_move;
	T_EQ_INT(0, api_route(&e, "POST", "/v1/testclock", NULL, body, body ? strlen(body) : 0, r));
}

static void test_testclock_refused_off_the_manual_clock(void)
{
	struct api_env e = env();
	struct api_response r;
	const char *b = "{\"advance\":\"1h\"}";
	/* Neither on real time, nor without the daemon's callback. */
	clock_set_real();
	e.testclock_move = fake_move;
	T_EQ_INT(0, api_route(&e, "POST", "/v1/testclock", NULL, b, strlen(b), &r));
	check_error(&r, 409, "not_manual");
	api_response_clear(&r);
	clock_set_simulated(INT64_C(1781758800) * USEC_PER_SEC, 60);
	T_EQ_INT(0, api_route(&e, "POST", "/v1/testclock", NULL, b, strlen(b), &r));
	check_error(&r, 409, "not_manual");
	api_response_clear(&r);
	clock_set_manual(INT64_C(1781758800) * USEC_PER_SEC);
	e.testclock_move = NULL;
	T_EQ_INT(0, api_route(&e, "POST", "/v1/testclock", NULL, b, strlen(b), &r));
	check_error(&r, 409, "not_manual");
	api_response_clear(&r);
	clock_set_real();
}

static void test_testclock_advance_and_set(void)
{
	struct api_response r;
	int64_t t0 = INT64_C(1781758800) * USEC_PER_SEC;
	clock_set_manual(t0);
	move_result = 0;
	post_clock("{\"advance\":\"1h 30min\"}", &r);
	T_EQ_INT(200, r.status);
	T_EQ_INT(t0 + 5400 * USEC_PER_SEC, moved_to);
	T_EQ_STR("2026-06-18T06:30:00.000Z",
	         cJSON_GetStringValue(cJSON_GetObjectItemCaseSensitive(r.body, "now")));
	T_EQ_STR("manual", cJSON_GetStringValue(cJSON_GetObjectItemCaseSensitive(r.body, "mode")));
	T_EQ_INT(7, cJSON_GetNumberValue(cJSON_GetObjectItemCaseSensitive(r.body, "fired")));
	api_response_clear(&r);
	post_clock("{\"set\":\"2026-06-19T07:00:00+02:00\"}", &r);
	T_EQ_INT(200, r.status);
	T_EQ_INT(t0 + 86400 * USEC_PER_SEC, moved_to);
	api_response_clear(&r);
	clock_set_real();
}

static void test_testclock_refuses_bad_requests(void)
{
	struct api_response r;
	int64_t t0 = INT64_C(1781758800) * USEC_PER_SEC;
	clock_set_manual(t0);
	moved_to = 0;
	static const struct {
		const char *body, *code;
	} bad[] = {
		{ NULL, "bad_request" },
		{ "[]", "bad_request" },
		{ "{}", "bad_request" },
		{ "{\"advance\":\"1h\",\"set\":\"2026-06-19T07:00:00Z\"}", "bad_request" },
		{ "{\"advance\":3600}", "bad_request" },
		{ "{\"advance\":\"soon\"}", "bad_duration" },
		{ "{\"advance\":\"-5min\"}", "bad_duration" },
		{ "{\"set\":\"tomorrow\"}", "bad_instant" },
		{ "{\"set\":\"2026-06-18T07:00:00\"}", "bad_instant" },
		{ "{\"set\":\"2026-06-18T06:59:59+02:00\"}", "backwards" },
		{ "{\"advance\":\"367d\"}", "too_far" },
		{ "{\"set\":\"2027-06-20T07:00:00+02:00\"}", "too_far" },
	};
	for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
		post_clock(bad[i].body, &r);
		check_error(&r, 400, bad[i].code);
		api_response_clear(&r);
	}
	T_EQ_INT(0, moved_to);
	T_EQ_INT(t0, clock_now_usec());
	/* A timer that kept re-arming itself: a JSON 500 that says so. */
	move_result = -ELOOP;
	post_clock("{\"advance\":\"1s\"}", &r);
	check_error(&r, 500, "timer_loop");
	api_response_clear(&r);
	move_result = 0;
	clock_set_real();
}

static void test_testclock_get_shows_the_mode(void)
{
	struct api_env e = env();
	struct api_response r;
	clock_set_manual(INT64_C(1781758800) * USEC_PER_SEC);
	T_EQ_INT(0, api_route(&e, "GET", "/v1/testclock", NULL, NULL, 0, &r));
	T_EQ_INT(200, r.status);
	T_EQ_STR("2026-06-18T05:00:00.000Z",
	         cJSON_GetStringValue(cJSON_GetObjectItemCaseSensitive(r.body, "now")));
	T_EQ_STR("manual", cJSON_GetStringValue(cJSON_GetObjectItemCaseSensitive(r.body, "mode")));
	api_response_clear(&r);
	clock_set_real();
	T_EQ_INT(0, api_route(&e, "GET", "/v1/testclock", NULL, NULL, 0, &r));
	T_EQ_STR("real", cJSON_GetStringValue(cJSON_GetObjectItemCaseSensitive(r.body, "mode")));
	api_response_clear(&r);
}

/* A claimed name ("by") with a control character, invalid UTF-8 or too
 * long is refused before any handler runs, whatever the route. */
static void test_claim_with_control_characters_is_400(void)
{
	struct api_env e = env();
	struct api_response r;
	const char *bad[] = {
		"{\"by\":\"anna\\u001b[31m\"}",
		"{\"by\":\"anna\\nforged line\"}",
		"{\"by\":\"a\\u0085b\"}",
		"{\"by\":\"\"}",
		"{\"by\":42}",
		"{\"by\":\"\xff\xfe\"}",
		"{\"by\":\"aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa\"}",
	};
	for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
		T_EQ_INT(0, api_route(&e, "POST", "/v1/deadlines/99/pause", NULL, bad[i],
		                      strlen(bad[i]), &r));
		check_error(&r, 400, "bad_by");
		api_response_clear(&r);
	}
	/* A plain name passes on to the handler (no such deadline). */
	const char *ok = "{\"by\":\"Anna Öberg\"}";
	T_EQ_INT(0, api_route(&e, "POST", "/v1/deadlines/99/pause", NULL, ok, strlen(ok), &r));
	T_EQ_INT(404, r.status);
	api_response_clear(&r);
}

/* The audit actor is the kernel's caller; the claim only stands in when
 * the request came from no socket at all. */
static void test_actor_is_the_caller_not_the_claim(void)
{
	char buf[80];
	struct api_caller anna = { .known = true, .uid = 1000, .gid = 1000, .pid = 7 };
	struct api_caller nobody = { 0 };
	snprintf(anna.user, sizeof(anna.user), "anna");
	struct api_req req = { .caller = &anna, .claim = "boss" };
	T_EQ_STR("api:anna", api_actor(&req, buf, sizeof(buf)));
	anna.user[0] = '\0';
	T_EQ_STR("api:uid:1000", api_actor(&req, buf, sizeof(buf)));
	req.caller = &nobody;
	T_EQ_STR("api:boss", api_actor(&req, buf, sizeof(buf)));
	req.claim = NULL;
	T_EQ_STR("api", api_actor(&req, buf, sizeof(buf)));
}

/* A stand-in for the daemon's reload: refuses when told to, with two
 * diagnostics, and remembers the actor it was given.  Its attempts end at
 * once, or (pending) only when the test ends them. */
struct fake_reload {
	int refuse, stopping, calls, pending;
	uint64_t started, ended;
	char actor[80];
};

static int fake_reload(void *arg, const char *actor, uint64_t *ret_ticket)
{
	struct fake_reload *f = arg;
	if (f->stopping)
		return -ESHUTDOWN;
	f->calls++;
	snprintf(f->actor, sizeof(f->actor), "%s", actor);
	*ret_ticket = ++f->started;
	if (!f->pending)
		f->ended = f->started;
	return 0;
}

static int fake_reload_outcome(void *arg, uint64_t ticket, struct api_reload_outcome *ret)
{
	struct fake_reload *f = arg;
	if (f->ended < ticket)
		return 0;
	*ret = (struct api_reload_outcome){ .taken = !f->refuse, .generation = f->refuse ? 3 : 4 };
	if (f->refuse) {
		diag_add(&ret->diags, "/etc/vakt/accounts.d/x.conf", 5,
		         "unknown key 'Enabeld' in [Account]");
		diag_add(&ret->diags, NULL, 0, "no rules");
	}
	return 1;
}

static void fake_reload_env(struct api_env *e, struct fake_reload *f)
{
	e->reload = fake_reload;
	e->reload_outcome = fake_reload_outcome;
	e->reload_arg = f;
}

/* A reload still being prepared: the request waits with its attempt's
 * ticket, is not answered while the attempt runs, and is answered with
 * its outcome once it has ended; a resumed request starts no reload. */
static void test_reload_waits_for_its_attempt(void)
{
	struct fake_reload f = { .pending = 1, .started = 6, .ended = 6 };
	struct api_env e = env();
	struct api_response r;
	fake_reload_env(&e, &f);
	T_EQ_INT(0, api_route(&e, "POST", "/v1/reload", NULL, NULL, 0, &r));
	T_ASSERT(r.wait);
	T_EQ_INT(7, (int)r.ticket);
	T_EQ_INT(202, r.status);
	T_ASSERT(cJSON_IsTrue(cJSON_GetObjectItemCaseSensitive(r.body, "reloading")));
	api_response_clear(&r);
	T_EQ_INT(0, api_route_resumed(&e, NULL, 7, "POST", "/v1/reload", NULL, NULL, 0, &r));
	T_ASSERT(r.wait);
	T_EQ_INT(7, (int)r.ticket);
	api_response_clear(&r);
	f.ended = 7;
	T_EQ_INT(0, api_route_resumed(&e, NULL, 7, "POST", "/v1/reload", NULL, NULL, 0, &r));
	T_ASSERT(!r.wait);
	T_EQ_INT(200, r.status);
	T_ASSERT(cJSON_IsTrue(cJSON_GetObjectItemCaseSensitive(r.body, "reloaded")));
	api_response_clear(&r);
	T_EQ_INT(1, f.calls);
}

static void test_reload_taken_is_200(void)
{
	struct fake_reload f = { 0 };
	struct api_env e = env();
	struct api_response r;
	fake_reload_env(&e, &f);
	T_EQ_INT(0, api_route(&e, "POST", "/v1/reload", NULL, "{\"by\":\"anna\"}", 13, &r));
	T_EQ_INT(200, r.status);
	T_ASSERT(cJSON_IsTrue(cJSON_GetObjectItemCaseSensitive(r.body, "reloaded")));
	T_EQ_INT(4, cJSON_GetNumberValue(cJSON_GetObjectItemCaseSensitive(r.body, "generation")));
	T_EQ_STR("api:anna", f.actor);
	api_response_clear(&r);
	T_EQ_INT(0, api_route(&e, "POST", "/v1/reload", NULL, NULL, 0, &r));
	T_EQ_INT(200, r.status);
	T_EQ_STR("api", f.actor);
	api_response_clear(&r);
}

static void test_reload_refused_is_422_with_every_diagnostic(void)
{
	struct fake_reload f = { .refuse = 1 };
	struct api_env e = env();
	struct api_response r;
	fake_reload_env(&e, &f);
	T_EQ_INT(0, api_route(&e, "POST", "/v1/reload", NULL, NULL, 0, &r));
	check_error(&r, 422, "config_invalid");
	cJSON *err = cJSON_GetObjectItemCaseSensitive(r.body, "error");
	cJSON *d = cJSON_GetObjectItemCaseSensitive(err, "diagnostics");
	T_EQ_INT(2, cJSON_GetArraySize(d));
	cJSON *d0 = cJSON_GetArrayItem(d, 0), *d1 = cJSON_GetArrayItem(d, 1);
	T_EQ_STR("/etc/vakt/accounts.d/x.conf",
	         cJSON_GetStringValue(cJSON_GetObjectItemCaseSensitive(d0, "file")));
	T_EQ_INT(5, cJSON_GetNumberValue(cJSON_GetObjectItemCaseSensitive(d0, "line")));
	T_EQ_STR("/etc/vakt/accounts.d/x.conf:5: unknown key 'Enabeld' in [Account]",
	         cJSON_GetStringValue(cJSON_GetObjectItemCaseSensitive(d0, "text")));
	T_ASSERT(cJSON_IsNull(cJSON_GetObjectItemCaseSensitive(d1, "file")));
	T_EQ_INT(3, cJSON_GetNumberValue(cJSON_GetObjectItemCaseSensitive(err, "generation")));
	T_ASSERT(strstr(cJSON_GetStringValue(cJSON_GetObjectItemCaseSensitive(err, "message")),
	                "2 error(s); keeping previous configuration (generation 3)") != NULL);
	api_response_clear(&r);
}

static void test_reload_refusals_without_a_reload(void)
{
	struct fake_reload f = { .stopping = 1 };
	struct api_env e = env();
	struct api_response r;
	T_EQ_INT(0, api_route(&e, "POST", "/v1/reload", NULL, NULL, 0, &r));
	check_error(&r, 503, "unavailable"); /* no daemon behind the API */
	api_response_clear(&r);
	fake_reload_env(&e, &f);
	T_EQ_INT(0, api_route(&e, "POST", "/v1/reload", NULL, NULL, 0, &r));
	check_error(&r, 503, "stopping");
	api_response_clear(&r);
	f.stopping = 0;
	T_EQ_INT(0, api_route(&e, "POST", "/v1/reload", NULL, "[1]", 3, &r));
	check_error(&r, 400, "bad_json");
	api_response_clear(&r);
	T_EQ_INT(0, api_route(&e, "GET", "/v1/reload", NULL, NULL, 0, &r));
	check_error(&r, 405, "method_not_allowed");
	api_response_clear(&r);
	T_EQ_INT(0, f.calls);
}

int main(void)
{
	char *dir = tfs_mkdtemp(), path[4200];
	static struct config_unit unit = { .id = "kultur", .title = "Kultur" };
	static struct config_account acc = { .id = "kultur-fb",
		                             .platform = PLATFORM_FACEBOOK,
		                             .unit = "kultur",
		                             .external_id = "1",
		                             .enabled = true,
		                             .token = { .value = "very-secret", .len = 11 } };
	static struct config_calendar cal = { .name = "default" };
	if (cal_new(&cal.cal) != 0)
		return 1;
	cfg = (struct config){ .dir = "/etc/vakt",
		               .units = &unit,
		               .n_units = 1,
		               .accounts = &acc,
		               .n_accounts = 1,
		               .calendars = &cal,
		               .n_calendars = 1 };
	snprintf(path, sizeof(path), "%s/vakt.db", dir);
	if (store_open(path, &store, NULL, 0) != 0)
		return 1;
	T_RUN(test_unknown_path_is_404_json);
	T_RUN(test_wrong_method_is_405_json);
	T_RUN(test_odd_path_is_400_json);
	T_RUN(test_odd_method_is_not_echoed);
	T_RUN(test_status_reports_counts);
	T_RUN(test_accounts_never_show_tokens);
	T_RUN(test_too_long_query_is_refused_not_ignored);
	T_RUN(test_queue_pages);
	T_RUN(test_testclock_refused_off_the_manual_clock);
	T_RUN(test_testclock_advance_and_set);
	T_RUN(test_testclock_refuses_bad_requests);
	T_RUN(test_testclock_get_shows_the_mode);
	T_RUN(test_claim_with_control_characters_is_400);
	T_RUN(test_actor_is_the_caller_not_the_claim);
	T_RUN(test_reload_taken_is_200);
	T_RUN(test_reload_refused_is_422_with_every_diagnostic);
	T_RUN(test_reload_refusals_without_a_reload);
	T_RUN(test_reload_waits_for_its_attempt);
	store_close(store);
	cal_free(cal.cal);
	tfs_rmrf(dir);
	return t_done();
}
