/* vaktctl deadline FROM DURATION: when a deadline started at FROM ends. */
#include <errno.h>
#include <string.h>

#include "calendar/bizmath.h"
#include "calendar/duration.h"
#include "calendar/instant.h"
#include "ctl/ctl.h"
#include "util/clock.h"

#define DURATION_TEXT_MAX 128

static int run_deadline(struct ctl_ctx *ctx, int argc, char **argv)
{
	char text[DURATION_TEXT_MAX] = "", from_s[CAL_INSTANT_BUF], due_s[CAL_INSTANT_BUF],
	     dur_s[64];
	struct cal_duration dur;
	struct cal *c = NULL;
	int64_t from, due, biz = 0;
	int wd, r, rc = CTL_EXIT_ERROR;

	if (argc < 3)
		return ctl_usage(&ctl_cmd_deadline);
	/* The duration may come quoted or as separate words. */
	for (int i = 2; i < argc; i++) {
		size_t len = strlen(text);
		if (len + strlen(argv[i]) + 2 > sizeof(text))
			return ctl_usage(&ctl_cmd_deadline);
		snprintf(text + len, sizeof(text) - len, "%s%s", i > 2 ? " " : "", argv[i]);
	}
	if (ctl_calendar_load(ctx, &c) < 0)
		return CTL_EXIT_ERROR;
	if (cal_parse_instant(c, argv[1], &from) < 0) {
		fprintf(stderr, "vaktctl: '%s' is not a date and time like 2026-12-23T16:00\n",
		        argv[1]);
		rc = ctl_usage(&ctl_cmd_deadline);
		goto out;
	}
	if (cal_duration_parse(text, &dur) < 0) {
		fprintf(stderr, "vaktctl: '%s' is not a duration like \"1 business day\"\n", text);
		rc = ctl_usage(&ctl_cmd_deadline);
		goto out;
	}
	if ((r = cal_add_duration(c, from, &dur, &due)) < 0 ||
	    (cal_duration_is_business(&dur) &&
	     (r = cal_business_between(c, from, due, &biz)) < 0)) {
		fprintf(stderr, "vaktctl: deadline %s + %s: %s\n", argv[1], text,
		        r == -ERANGE   ? "outside the calendar's years 1900..2100"
		        : r == -ENOENT ? "the calendar has no open day"
		                       : strerror(-r));
		goto out;
	}
	cal_format_instant(c, from, from_s, sizeof(from_s), NULL);
	cal_format_instant(c, due, due_s, sizeof(due_s), &wd);
	cal_duration_format(&dur, dur_s, sizeof(dur_s));
	if (ctx->json) {
		cJSON *o = cJSON_CreateObject();
		if (!o || !cJSON_AddStringToObject(o, "from", from_s) ||
		    !cJSON_AddStringToObject(o, "duration", dur_s) ||
		    !cJSON_AddStringToObject(o, "due", due_s) ||
		    (cal_duration_is_business(&dur) &&
		     !cJSON_AddNumberToObject(o, "business_seconds",
		                              (double)(biz / USEC_PER_SEC)))) {
			cJSON_Delete(o);
			goto out;
		}
		rc = ctl_print_json(o);
		cJSON_Delete(o);
	} else {
		printf("%s (%s)\n", due_s, cal_weekday_name(wd));
		rc = CTL_EXIT_OK;
	}
out:
	cal_free(c);
	return rc;
}

const struct ctl_cmd ctl_cmd_deadline = {
	.name = "deadline",
	.usage = "FROM DURATION [--json]",
	.summary = "when a deadline from FROM ends",
	.run = run_deadline,
};
