/* GET and POST /v1/testclock: the daemon's simulated time, and moving the
 * manual test clock (vaktd --test-clock START,manual).  A testing aid: the
 * move goes through the daemon's callback in struct api_env, which fires
 * every timer that falls due before the answer is written. */
#include <errno.h>
#include <string.h>

#include "api/api-handlers.h"
#include "util/clock.h"
#include "util/timespan.h"

/* One move fires every tick on the way (a day at TickSec=5 is 17,280):
 * a typo must not stall the daemon for hours. */
#define TESTCLOCK_MAX_MOVE (366 * 86400 * USEC_PER_SEC)

static void add_clock(cJSON *o, const struct api_env *env)
{
	char buf[40];
	double factor = 1;
	int64_t now = clock_now_usec();

	cJSON_AddStringToObject(o, "now", clock_format_utc(now, buf, sizeof(buf)));
	api_add_instant(o, "local", config_find_calendar(env->config, "default"), now);
	if (clock_is_manual())
		cJSON_AddStringToObject(o, "mode", "manual");
	else if (clock_is_simulated(&factor))
		cJSON_AddStringToObject(o, "mode", "fast");
	else
		cJSON_AddStringToObject(o, "mode", "real");
	if (!clock_is_manual() && clock_is_simulated(NULL))
		cJSON_AddNumberToObject(o, "factor", factor);
}

void api_get_testclock(const struct api_env *env, const struct api_req *req,
                       struct api_response *ret)
{
	(void)req;
	cJSON *o = cJSON_CreateObject();
	if (o)
		add_clock(o, env);
	ret->status = 200;
	ret->body = o;
}

/* The target instant of {"advance":"2h"} or {"set":"2026-06-19T07:00:00+02:00"}:
 * 0, or fills ret with the error. */
static int parse_target(const struct api_req *req, int64_t *ret_to, struct api_response *ret)
{
	cJSON *in =
	        req->body && req->body_len ? cJSON_ParseWithLength(req->body, req->body_len) : NULL;
	const cJSON *adv = cJSON_GetObjectItemCaseSensitive(in, "advance");
	const cJSON *set = cJSON_GetObjectItemCaseSensitive(in, "set");
	int64_t now = clock_now_usec(), to = 0, span = 0;
	int r = -EINVAL;

	if (!cJSON_IsObject(in) || !adv == !set || (adv && !cJSON_IsString(adv)) ||
	    (set && !cJSON_IsString(set))) {
		api_fail(ret, 400, "bad_request",
		         "the body must be {\"advance\":\"DURATION\"} or {\"set\":\"INSTANT\"}");
	} else if (adv && (timespan_parse(adv->valuestring, &span) < 0 || span < 0 ||
	                   span > INT64_MAX - now)) {
		api_fail(ret, 400, "bad_duration",
		         "advance must be a time span such as \"90s\", \"2h\" or \"1d 6h\"");
	} else if (set && clock_parse_iso8601(set->valuestring, &to) < 0) {
		api_fail(ret, 400, "bad_instant",
		         "set must be an ISO 8601 instant with an offset, e.g. "
		         "\"2026-06-19T07:00:00+02:00\"");
	} else if (set && to < now) {
		api_fail(ret, 400, "backwards", "the test clock does not run backwards");
	} else if ((adv && span > TESTCLOCK_MAX_MOVE) || (set && to - now > TESTCLOCK_MAX_MOVE)) {
		api_fail(ret, 400, "too_far", "the test clock moves at most 366 days at a time");
	} else {
		*ret_to = adv ? now + span : to;
		r = 0;
	}
	cJSON_Delete(in);
	return r;
}

void api_post_testclock(const struct api_env *env, const struct api_req *req,
                        struct api_response *ret)
{
	int64_t to = 0;
	size_t fired = 0;

	if (!env->testclock_move || !clock_is_manual()) {
		api_fail(ret, 409, "not_manual",
		         "the daemon is not on the manual test clock (vaktd --test-clock "
		         "START,manual)");
		return;
	}
	if (parse_target(req, &to, ret) < 0)
		return;
	int r = env->testclock_move(env->testclock_arg, to, &fired);
	if (r == -ELOOP) {
		api_fail(ret, 500, "timer_loop",
		         "a timer kept re-arming itself at one instant; the clock stopped there "
		         "after %zu timer(s)",
		         fired);
		return;
	}
	if (r < 0) {
		api_fail(ret, 500, "internal", "cannot move the test clock: %s", strerror(-r));
		return;
	}
	cJSON *o = cJSON_CreateObject();
	if (o) {
		add_clock(o, env);
		cJSON_AddNumberToObject(o, "fired", (double)fired);
	}
	ret->status = 200;
	ret->body = o;
}
