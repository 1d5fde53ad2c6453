/* A clock's audit entry, names of scan levels, reading one clock, and the
 * helpers the other files of daemon/deadline/ share.  The SQL is in
 * daemon/store/deadlines.c. */
#include <cjson/cJSON.h>
#include <errno.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>

#include "calendar/bizmath.h"
#include "deadline/deadline-internal.h"
#include "store/audit.h"

static const char *const level_names[] = {
	[DEADLINE_LEVEL_WARNING] = "warning",
	[DEADLINE_LEVEL_BREACH] = "breach",
	[DEADLINE_LEVEL_REACHED] = "reached",
};

const char *deadline_level_name(enum deadline_level l)
{
	return (unsigned)l <= DEADLINE_LEVEL_REACHED ? level_names[l] : "?";
}

const char *deadline_strerror(int r)
{
	switch (r) {
	case -ENOENT:
		return "no such item or clock";
	case -EOPNOTSUPP:
		return "the clocks of a formal case cannot be paused";
	case -ERANGE:
		return "the deadline falls outside the calendar's years";
	default:
		return vakt_strerror(r);
	}
}

int deadline_get(struct store *s, int64_t id, struct deadline *ret)
{
	return store_deadline_get(s, id, ret);
}

int deadline_find(struct store *s, int64_t item_id, enum deadline_kind kind, struct deadline *ret)
{
	return store_deadline_find(s, item_id, kind, ret);
}

/* An integer as its decimal digits: cJSON prints a number beyond int
 * through "%1.15g", sscanf and maybe "%1.17g" (a microsecond instant came
 * out as 1.7333568e+15), and eight of them per entry were a third of a
 * clock's start. */
static bool add_num(cJSON *o, const char *name, int64_t v)
{
	char buf[24];
	snprintf(buf, sizeof(buf), "%lld", (long long)v);
	return cJSON_AddRawToObject(o, name, buf) != NULL;
}

static bool add_opt(cJSON *o, const char *name, int64_t v, int64_t null_value)
{
	if (v == null_value)
		return cJSON_AddNullToObject(o, name) != NULL;
	return add_num(o, name, v);
}

static bool add_str(cJSON *o, const char *name, const char *v)
{
	return cJSON_AddStringToObject(o, name, v) != NULL;
}

/* Every field or none: an audit entry with a field missing would be a
 * false record. */
int deadline_audit(struct store *s, const char *actor, const char *action, const struct deadline *d,
                   int64_t now, const char *reason)
{
	char subject[48];
	cJSON *o = cJSON_CreateObject();
	char *txt = NULL;
	int r;

	if (o && add_num(o, "item", d->item_id) &&
	    add_str(o, "kind", deadline_kind_name(d->kind)) &&
	    add_str(o, "state", deadline_state_name(d->state)) &&
	    add_str(o, "duration", d->duration) && add_num(o, "warn_pct", d->warn_pct) &&
	    add_num(o, "now", now) && add_num(o, "started_at", d->started_at) &&
	    add_num(o, "due_at", d->due_at) && add_opt(o, "warn_at", d->warn_at, 0) &&
	    add_opt(o, "left_usec", d->left_usec, -1) &&
	    add_opt(o, "warn_left_usec", d->warn_left_usec, -1) &&
	    add_num(o, "paused_total", d->paused_total) &&
	    add_opt(o, "stopped_at", d->stopped_at, 0) &&
	    add_opt(o, "warned_at", d->warned_at, 0) &&
	    add_opt(o, "breached_at", d->breached_at, 0) &&
	    add_opt(o, "reached_at", d->reached_at, 0) && (!reason || add_str(o, "reason", reason)))
		txt = cJSON_PrintUnformatted(o);
	cJSON_Delete(o);
	if (!txt)
		return -ENOMEM;
	snprintf(subject, sizeof(subject), "deadline:%lld", (long long)d->id);
	r = store_audit_append(s, actor, action, subject, txt, NULL);
	free(txt);
	return r;
}

int deadline_item_exists(struct store *s, int64_t item_id)
{
	char account[8];
	int64_t published;
	/* Only whether it exists matters: a truncated account is fine. */
	return store_item_origin(s, item_id, account, sizeof(account), &published);
}

int deadline_row_duration(const struct deadline *d, struct cal_duration *ret, int *ret_months)
{
	if (d->kind == DEADLINE_FL12_DEMAND_POSSIBLE) {
		int m = 0;
		char tail;
		if (sscanf(d->duration, DEADLINE_MONTHS_FMT "%c", &m, &tail) != 1 || m <= 0)
			return -EBADMSG;
		*ret_months = m;
		return 0;
	}
	if (cal_duration_parse(d->duration, ret) < 0)
		return -EBADMSG;
	*ret_months = 0;
	return 0;
}

int deadline_fill_new(const struct cal *cal, const struct cal_duration *dur, int warn_pct,
                      int64_t item_id, enum deadline_kind kind, int64_t start, int64_t now,
                      struct deadline *ret)
{
	struct deadline d = {
		.item_id = item_id,
		.kind = kind,
		.state = DEADLINE_RUNNING,
		.warn_pct = warn_pct,
		.started_at = start,
		.created_at = now,
		.left_usec = -1,
		.warn_left_usec = -1,
	};
	int r;

	if (warn_pct < 0 || warn_pct > DEADLINE_WARN_PCT_MAX || dur->count <= 0)
		return -EINVAL;
	cal_duration_format(dur, d.duration, sizeof(d.duration));
	if ((r = cal_add_duration(cal, start, dur, &d.due_at)) < 0)
		return r;
	if (warn_pct > 0 &&
	    (r = cal_fraction_point(cal, dur, start, d.due_at, warn_pct, 100, &d.warn_at)) < 0)
		return r;
	*ret = d;
	return 0;
}
