/* GET /v1/accounts, GET /v1/accounts/{id}/schedule,
 * POST and DELETE /v1/accounts/{id}/crisis.
 *
 * Everything shown is computed from the configuration and the store, so
 * the API never needs the daemon's internal state. */
#include <errno.h>
#include <stdbool.h>
#include <stdlib.h>
#include <string.h>

#include "api/api-handlers.h"
#include "calendar/bizmath.h"
#include "calendar/cal.h"
#include "calendar/date.h"
#include "calendar/duration.h"
#include "calendar/instant.h"
#include "calendar/pacific.h"
#include "schedule/sched.h"
#include "store/fetch-store.h"
#include "store/quota.h"
#include "util/clock.h"

#define SCHEDULE_MAX_DAYS 14
#define SCHEDULE_MAX_POLLS 5000 /* a 1-minute crisis grid for days is not a list */
#define DAY_USEC (86400 * USEC_PER_SEC)

/* The latest business day at or before dn, searching back a month. */
static int64_t business_day_at_or_before(const struct cal *c, int64_t dn)
{
	int64_t open, close;
	for (int i = 0; i < 31; i++)
		if (cal_office_hours(c, dn - i, &open, &close) == 1)
			return dn - i;
	return INT64_MIN;
}

static int day_bounds(const struct cal *c, int64_t dn, int64_t *from, int64_t *to)
{
	const struct cal_tz *tz = cal_timezone(c);
	int64_t a, b;
	if (cal_tz_from_local(tz, dn, 0, &a) < 0 || cal_tz_from_local(tz, dn, 86400, &b) < 0)
		return -ERANGE;
	*from = a * USEC_PER_SEC;
	*to = b * USEC_PER_SEC;
	return 0;
}

/* Today's planned polls (without jitter) of one schedule in one calendar:
 * accounts mostly share both, so the grid is worked out once per pair, not
 * per account (sched_day_polls converts every grid time to UTC). */
struct today_grid {
	const struct cal *cal;
	const struct sched_policy *sched;
	int n; /* < 0: the calendar failed */
	int64_t polls[SCHED_DAY_MAX];
};

/* Whether two policies lay the same grid (jitter and crisis only shift or
 * add to it). */
static bool same_grid(const struct sched_policy *a, const struct sched_policy *b)
{
	return a->n_poll_at == b->n_poll_at && a->interval_usec == b->interval_usec &&
	       a->off_hours_usec == b->off_hours_usec &&
	       memcmp(a->poll_at_min, b->poll_at_min, (size_t)a->n_poll_at * sizeof(int)) == 0;
}

#define TODAY_GRIDS 8 /* more distinct schedules than this: computed per account */

struct today_grids {
	size_t n;
	struct today_grid *g[TODAY_GRIDS];
};

static void today_grids_free(struct today_grids *gs)
{
	for (size_t i = 0; i < gs->n; i++)
		free(gs->g[i]);
}

/* Planned polls of today that are still ahead of now. */
static int remaining_today(const struct config_account *a, int64_t today, int64_t now,
                           struct today_grids *gs)
{
	struct today_grid *g = NULL, own;
	for (size_t i = 0; i < gs->n && !g; i++)
		if (gs->g[i]->cal == a->cal && same_grid(gs->g[i]->sched, &a->sched))
			g = gs->g[i];
	if (!g) {
		g = gs->n < TODAY_GRIDS ? malloc(sizeof(*g)) : NULL;
		if (g)
			gs->g[gs->n++] = g;
		else
			g = &own;
		g->cal = a->cal;
		g->sched = &a->sched;
		g->n = sched_day_polls(&a->sched, a->cal, today, g->polls);
	}
	int64_t offset = sched_jitter_offset(a->id, &a->sched);
	int left = 0;
	for (int i = 0; i < g->n; i++)
		left += g->polls[i] + offset > now;
	return left;
}

/* Today, the current and the last business day of a calendar, with the
 * bounds of those days.  Accounts share a few calendars, so this is worked
 * out once per calendar, not per account. */
struct days {
	const struct cal *cal;
	int ok; /* today is known */
	int64_t today, dn[2], from[2], to[2];
};

static void days_of(const struct cal *c, int64_t now, struct days *ret)
{
	memset(ret, 0, sizeof(*ret));
	ret->cal = c;
	if (!c || cal_local_day(c, now, &ret->today) < 0)
		return;
	ret->ok = 1;
	/* The current business day is today when today is one, else the
	 * latest before; the last is the one before that. */
	ret->dn[0] = business_day_at_or_before(c, ret->today);
	ret->dn[1] =
	        ret->dn[0] == INT64_MIN ? INT64_MIN : business_day_at_or_before(c, ret->dn[0] - 1);
	for (int d = 0; d < 2; d++)
		if (ret->dn[d] == INT64_MIN ||
		    day_bounds(c, ret->dn[d], &ret->from[d], &ret->to[d]) < 0)
			ret->from[d] = ret->to[d] = 0; /* nothing to count */
}

static void add_day_polls(const struct config_account *a, const struct days *dy, int d,
                          const struct store_poll_summary *sum, cJSON *o, const char *key)
{
	cJSON *j = cJSON_AddObjectToObject(o, key);
	if (dy->from[d] >= dy->to[d])
		return;
	struct civil_date cd = civil_date_from_days(dy->dn[d]);
	char date[16];
	snprintf(date, sizeof(date), "%04d-%02d-%02d", cd.year, cd.month, cd.day);
	cJSON_AddStringToObject(j, "date", date);
	cJSON_AddNumberToObject(j, "polls", (double)sum->total[d]);
	cJSON_AddNumberToObject(j, "ok", (double)sum->ok[d]);
}

static void add_schedule_view(const struct api_env *env, const struct config_account *a,
                              const struct days *dy, const struct store_poll_summary *sum, cJSON *j,
                              int64_t now, struct today_grids *gs)
{
	int64_t next = 0, from = sum->crisis_from, until = sum->crisis_until;

	cJSON_AddStringToObject(j, "calendar", a->calendar_name ? a->calendar_name : "default");
	if (!dy->ok)
		return;
	int64_t offset = sched_jitter_offset(a->id, &a->sched);
	if (!a->enabled)
		next = 0;
	else if (env->next_poll) {
		/* The poller's own due time; overdue means it fires at once. */
		if (env->next_poll(env->next_poll_arg, a->id, &next) < 0 || next == INT64_MAX)
			next = 0;
		else if (next < now)
			next = now;
	} else if (!sum->last_planned ||
	           sched_next(&a->sched, a->cal, offset, sum->last_planned, from, until, &next) <
	                   0 ||
	           next < now)
		next = now; /* overdue: the poller catches up at once */
	api_add_instant(j, "last_poll", a->cal, sum->last_started);
	cJSON_AddStringToObject(j, "last_result", sum->last_result);
	api_add_instant(j, "next_poll", a->cal, next);
	if (until > now)
		api_add_instant(j, "crisis_until", a->cal, until);
	else
		cJSON_AddNullToObject(j, "crisis_until");

	add_day_polls(a, dy, 0, sum, j, "current_business_day");
	add_day_polls(a, dy, 1, sum, j, "last_business_day");
	int64_t cur = dy->dn[0], prev = dy->dn[1], today = dy->today;
	int64_t n_cur = dy->from[0] < dy->to[0] ? sum->total[0] : 0;
	int64_t n_prev = dy->from[1] < dy->to[1] ? sum->total[1] : 0;
	int below = 0;
	/* The day's grid (remaining_today) only when the counts leave it open. */
	if (a->enabled) {
		if (prev != INT64_MIN && n_prev < SCHED_FLOOR)
			below = 1;
		if (!below && cur == today && n_cur < SCHED_FLOOR &&
		    n_cur + remaining_today(a, today, now, gs) < SCHED_FLOOR)
			below = 1;
		if (cur != INT64_MIN && cur < today && n_cur < SCHED_FLOOR)
			below = 1;
	}
	cJSON_AddBoolToObject(j, "below_floor", below);
}

static int health_cmp(const void *a, const void *b)
{
	return strcmp(((const struct store_account_health *)a)->account,
	              ((const struct store_account_health *)b)->account);
}

/* Whether fetching works for the account (store/fetch-store.h): the row
 * the fetch driver writes after every poll. */
static void add_health(cJSON *j, const struct config_account *a,
                       const struct store_account_health *h, size_t n)
{
	struct store_account_health key;
	snprintf(key.account, sizeof(key.account), "%s", a->id);
	const struct store_account_health *found =
	        n ? bsearch(&key, h, n, sizeof(*h), health_cmp) : NULL;
	cJSON *o = cJSON_AddObjectToObject(j, "health");
	if (!o)
		return;
	cJSON_AddStringToObject(o, "state", found ? found->state : "unknown");
	if (found && found->reason[0])
		cJSON_AddStringToObject(o, "reason", found->reason);
	else
		cJSON_AddNullToObject(o, "reason");
	cJSON_AddStringToObject(o, "token", found ? found->token_state : "unknown");
	api_add_instant(o, "last_ok_poll", a->cal, found ? found->last_ok_at : 0);
	cJSON_AddNumberToObject(o, "consecutive_failures", found ? found->consecutive_failures : 0);
	api_add_instant(o, "red_since", a->cal, found ? found->red_since : 0);
}

int api_quota_of(const struct api_env *env, const struct config_account *a, int64_t now,
                 struct api_quota *ret)
{
	memset(ret, 0, sizeof(*ret));
	if (!a->quota_project || pacific_day_of(now, &ret->day) < 0)
		return 0;
	int r = store_quota_get(env->store, a->quota_project, ret->day.day, &ret->used);
	if (r)
		return r;
	ret->poll_budget = a->quota_reserve < a->quota_per_day
	                           ? (int64_t)a->quota_per_day - a->quota_reserve
	                           : 0;
	ret->resets_at = ret->day.reset_usec;
	/* A poll costs at least one unit (vaktd/fetch.c). */
	ret->deferred = ret->used + 1 > ret->poll_budget;
	return 0;
}

/* A YouTube account's daily quota (store/quota.h): the units its project
 * used this Pacific day and whether polls wait for the next one.  The
 * health says so too. */
static int add_quota(const struct api_env *env, const struct config_account *a, cJSON *j,
                     int64_t now)
{
	struct api_quota q;
	int r = api_quota_of(env, a, now, &q);
	if (r || !a->quota_project)
		return r;
	/* The fetch driver plans a poll with the units of the account's last
	 * one, so it may defer before one unit is left: its stop says so. */
	const char *why = env->stopped_why ? env->stopped_why(env->stopped_why_arg, a->id) : "";
	bool deferred = q.deferred || (why && strncmp(why, STORE_QUOTA_DEFERRED,
	                                              strlen(STORE_QUOTA_DEFERRED)) == 0);
	struct civil_date cd = civil_date_from_days(q.day.day);
	char date[16];
	snprintf(date, sizeof(date), "%04d-%02d-%02d", cd.year, cd.month, cd.day);
	cJSON *o = cJSON_AddObjectToObject(j, "quota");
	cJSON_AddStringToObject(o, "project", a->quota_project);
	cJSON_AddStringToObject(o, "pacific_day", date);
	cJSON_AddNumberToObject(o, "used", (double)q.used);
	cJSON_AddNumberToObject(o, "per_day", a->quota_per_day);
	cJSON_AddNumberToObject(o, "reserve", a->quota_reserve);
	cJSON_AddNumberToObject(o, "poll_budget", (double)q.poll_budget);
	api_add_instant(o, "resets_at", a->cal, q.resets_at);
	api_add_instant(o, "polls_deferred_until", a->cal, deferred ? q.resets_at : 0);
	cJSON *h = cJSON_GetObjectItemCaseSensitive(j, "health");
	if (h)
		api_add_instant(h, "quota_deferred_until", a->cal, deferred ? q.resets_at : 0);
	return 0;
}

/* Every account with its polls.  The store is read once for all of them
 * (store_poll_summaries), each calendar's days are worked out once, and in
 * the daemon the next poll is the poller's (it keeps every account's):
 * with 800 accounts and a year of polls this stays a few milliseconds. */
void api_get_accounts(const struct api_env *env, const struct api_req *req,
                      struct api_response *ret)
{
	const struct config *cfg = env->config;
	size_t n = cfg->n_accounts, n_days = 0;
	int64_t now = clock_now_usec();
	struct store_poll_window *w = calloc(n ? n : 1, sizeof(*w));
	struct store_poll_summary *sum = calloc(n ? n : 1, sizeof(*sum));
	struct days *days = calloc(n ? n : 1, sizeof(*days));
	size_t *day_of = calloc(n ? n : 1, sizeof(*day_of));

	if (!w || !sum || !days || !day_of) {
		api_fail(ret, 500, "internal", "out of memory");
		goto out;
	}
	for (size_t i = 0; i < n; i++) {
		const struct config_account *a = &cfg->accounts[i];
		size_t k = 0;
		while (k < n_days && days[k].cal != a->cal)
			k++;
		if (k == n_days)
			days_of(a->cal, now, &days[n_days++]);
		day_of[i] = k;
		w[i].account = a->id;
		w[i].no_planned = env->next_poll != NULL;
		/* Whole local days of the calendar's zone: the store reads
		 * their kept counts (migration 10). */
		w[i].zone = a->cal ? cal_timezone(a->cal)->name : NULL;
		for (int d = 0; d < 2; d++) {
			w[i].from[d] = days[k].from[d];
			w[i].to[d] = days[k].to[d];
			w[i].day[d] = days[k].dn[d];
		}
	}
	int r = store_poll_summaries(env->store, w, n, sum);
	if (r) {
		api_fail(ret, 500, "store", "cannot read the polls: %s",
		         store_strerror(env->store, r));
		goto out;
	}
	struct store_account_health *health = NULL;
	size_t n_health = 0;
	r = store_account_health_all(env->store, &health, &n_health);
	if (r) {
		api_fail(ret, 500, "store", "cannot read the accounts' health: %s",
		         store_strerror(env->store, r));
		goto out;
	}
	if (n_health) /* qsort's base must not be NULL, even for 0 elements */
		qsort(health, n_health, sizeof(*health), health_cmp);
	struct today_grids grids = { 0 };
	cJSON *o = cJSON_CreateObject();
	cJSON *arr = cJSON_AddArrayToObject(o, "accounts");
	cJSON_AddNumberToObject(o, "floor", SCHED_FLOOR);
	for (size_t i = 0; arr && i < n; i++) {
		const struct config_account *a = &cfg->accounts[i];
		const struct config_unit *u = config_find_unit(cfg, a->unit);
		cJSON *j = cJSON_CreateObject();
		cJSON_AddStringToObject(j, "id", a->id);
		cJSON_AddStringToObject(j, "platform", platform_name(a->platform));
		cJSON_AddStringToObject(j, "unit", a->unit);
		cJSON_AddStringToObject(j, "unit_title", u && u->title ? u->title : "");
		cJSON_AddStringToObject(j, "title", a->title ? a->title : "");
		cJSON_AddStringToObject(j, "external_id", a->external_id);
		cJSON_AddBoolToObject(j, "enabled", a->enabled);
		cJSON_AddBoolToObject(j, "token", a->token.value != NULL);
		add_schedule_view(env, a, &days[day_of[i]], &sum[i], j, now, &grids);
		add_health(j, a, health, n_health);
		r = add_quota(env, a, j, now);
		cJSON_AddItemToArray(arr, j);
		if (r) {
			free(health);
			today_grids_free(&grids);
			cJSON_Delete(o);
			api_fail(ret, 500, "store", "cannot read the YouTube quota count: %s",
			         store_strerror(env->store, r));
			goto out;
		}
	}
	free(health);
	today_grids_free(&grids);
	ret->status = 200;
	ret->body = o;
out:
	free(w);
	free(sum);
	free(days);
	free(day_of);
}

static const struct config_account *
find_account(const struct api_env *env, const struct api_req *req, struct api_response *ret)
{
	const struct config_account *a = config_find_account(env->config, req->param);
	if (!a)
		api_fail(ret, 404, "no_such_account", "no account '%s'", req->param);
	else if (!a->cal)
		api_fail(ret, 500, "internal", "account '%s' has no calendar", req->param);
	return a && a->cal ? a : NULL;
}

void api_get_account_schedule(const struct api_env *env, const struct api_req *req,
                              struct api_response *ret)
{
	const struct config_account *a = find_account(env, req, ret);
	char buf[16];
	int days = 1;
	int64_t now = clock_now_usec(), from = 0, until = 0;

	if (!a)
		return;
	int q = api_query_get(req->query, "days", buf, sizeof(buf));
	if (q < 0 && q != -ENOENT) {
		api_fail(ret, 400, "bad_days", "days must be 1..%d", SCHEDULE_MAX_DAYS);
		return;
	}
	if (q == 0) {
		char *end;
		long v = strtol(buf, &end, 10);
		if (*end || v < 1 || v > SCHEDULE_MAX_DAYS) {
			api_fail(ret, 400, "bad_days", "days must be 1..%d", SCHEDULE_MAX_DAYS);
			return;
		}
		days = (int)v;
	}
	store_account_crisis(env->store, a->id, &from, &until);
	int64_t offset = sched_jitter_offset(a->id, &a->sched);
	cJSON *o = cJSON_CreateObject();
	cJSON_AddStringToObject(o, "account", a->id);
	cJSON_AddStringToObject(o, "calendar", a->calendar_name);
	cJSON_AddNumberToObject(o, "days", days);
	cJSON_AddNumberToObject(o, "jitter_seconds", (double)(offset / USEC_PER_SEC));
	cJSON *arr = cJSON_AddArrayToObject(o, "polls");
	/* Day by day from the grids (sched_next per poll would recompute a
	 * day's grid for every poll); the crisis grid is merged in. */
	int64_t today, horizon = now + (int64_t)days * DAY_USEC, polls[SCHED_DAY_MAX];
	int64_t crisis_next = 0;
	if (until > now && a->sched.crisis_usec > 0)
		crisis_next =
		        from + ((now - from) / a->sched.crisis_usec + 1) * a->sched.crisis_usec;
	int count = 0;
	if (cal_local_day(a->cal, now, &today) < 0)
		today = 0;
	for (int64_t dn = today; arr && today && dn <= today + days && count < SCHEDULE_MAX_POLLS;
	     dn++) {
		int n = sched_day_polls(&a->sched, a->cal, dn, polls);
		int64_t day_start, day_end;
		if (n < 0 || day_bounds(a->cal, dn, &day_start, &day_end) < 0)
			break;
		struct cal_day day;
		int closed = cal_day_info(a->cal, dn, &day) == 0 && day.kind != CAL_DAY_BUSINESS &&
		             day.kind != CAL_DAY_HALF;
		for (int i = 0; i <= n && count < SCHEDULE_MAX_POLLS; i++) {
			/* i == n: the rest of the day, for the crisis polls only. */
			int64_t t = i < n ? polls[i] + offset : day_end + offset - 1;
			/* Crisis polls that come before this grid poll. */
			while (crisis_next && crisis_next < until && crisis_next <= t &&
			       crisis_next < horizon && count < SCHEDULE_MAX_POLLS) {
				cJSON *p = cJSON_CreateObject();
				api_add_instant(p, "at", a->cal, crisis_next);
				cJSON_AddStringToObject(p, "kind", "crisis");
				cJSON_AddItemToArray(arr, p);
				count++;
				crisis_next += a->sched.crisis_usec;
			}
			if (i == n || t <= now || t >= horizon)
				continue;
			cJSON *p = cJSON_CreateObject();
			api_add_instant(p, "at", a->cal, t);
			cJSON_AddStringToObject(p, "kind",
			                        closed ? "closed_day"
			                        : cal_is_business_time(a->cal, t - offset) == 1
			                                ? "office_hours"
			                                : "off_hours");
			cJSON_AddItemToArray(arr, p);
			count++;
		}
	}
	cJSON_AddBoolToObject(o, "truncated", count >= SCHEDULE_MAX_POLLS);
	ret->status = 200;
	ret->body = o;
}

void api_post_account_crisis(const struct api_env *env, const struct api_req *req,
                             struct api_response *ret)
{
	const struct config_account *a = find_account(env, req, ret);
	struct cal_duration dur = { CAL_UNIT_HOURS, 2 };
	char actor_buf[80];
	const char *actor = api_actor(req, actor_buf, sizeof(actor_buf));
	int64_t now = clock_now_usec(), until;

	if (!a)
		return;
	if (req->body && req->body_len) {
		cJSON *in = cJSON_ParseWithLength(req->body, req->body_len);
		if (!cJSON_IsObject(in)) {
			cJSON_Delete(in);
			api_fail(ret, 400, "bad_json", "the body must be a JSON object");
			return;
		}
		const cJSON *d = cJSON_GetObjectItemCaseSensitive(in, "duration");
		if (d && (!cJSON_IsString(d) || cal_duration_parse(d->valuestring, &dur) < 0 ||
		          cal_duration_is_business(&dur) || dur.count == 0)) {
			cJSON_Delete(in);
			api_fail(ret, 400, "bad_duration",
			         "duration must be calendar time such as \"2h\" or \"90min\"");
			return;
		}
		cJSON_Delete(in);
	}
	/* Crisis mode is for hours or days; a week is the ceiling before it
	 * should be a schedule change in the configuration instead. */
	if (cal_add_duration(a->cal, now, &dur, &until) < 0 ||
	    until - now > 7 * 24 * 3600 * USEC_PER_SEC) {
		api_fail(ret, 400, "bad_duration", "crisis mode lasts at most 7 days");
		return;
	}
	int r = store_account_set_crisis(env->store, a->id, now, until, actor);
	if (r) {
		api_fail(ret, 500, "store", "cannot record crisis mode: %s",
		         store_errmsg(env->store));
		return;
	}
	if (env->changed)
		env->changed(env->changed_arg, a->id);
	cJSON *o = cJSON_CreateObject();
	cJSON_AddStringToObject(o, "account", a->id);
	api_add_instant(o, "crisis_from", a->cal, now);
	api_add_instant(o, "crisis_until", a->cal, until);
	cJSON_AddNumberToObject(o, "interval_seconds",
	                        (double)(a->sched.crisis_usec / USEC_PER_SEC));
	ret->status = 200;
	ret->body = o;
}

void api_delete_account_crisis(const struct api_env *env, const struct api_req *req,
                               struct api_response *ret)
{
	const struct config_account *a = find_account(env, req, ret);
	char actor[80];
	if (!a)
		return;
	if (store_account_set_crisis(env->store, a->id, 0, 0,
	                             api_actor(req, actor, sizeof(actor))) != 0) {
		api_fail(ret, 500, "store", "cannot record crisis mode: %s",
		         store_errmsg(env->store));
		return;
	}
	if (env->changed)
		env->changed(env->changed_arg, a->id);
	cJSON *o = cJSON_CreateObject();
	cJSON_AddStringToObject(o, "account", a->id);
	cJSON_AddNullToObject(o, "crisis_until");
	ret->status = 200;
	ret->body = o;
}
