/* vaktctl calendar YEAR: the named non-business days of a year. */
#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "calendar/cal.h"
#include "ctl/ctl.h"

static const char *kind_name(enum cal_day_kind k)
{
	switch (k) {
	case CAL_DAY_HOLIDAY:
		return "holiday";
	case CAL_DAY_DE_FACTO:
		return "de_facto";
	case CAL_DAY_EXTRA:
		return "extra";
	case CAL_DAY_HALF:
		return "half_day";
	default:
		return "business";
	}
}

/* A year: 1..9 digits and nothing else.  -EINVAL otherwise. */
static int parse_year(const char *s, long *ret)
{
	size_t n = strlen(s);
	if (n == 0 || n > 9 || strspn(s, "0123456789") != n)
		return -EINVAL;
	*ret = strtol(s, NULL, 10);
	return 0;
}

static int run_calendar(struct ctl_ctx *ctx, int argc, char **argv)
{
	struct cal_listed_day days[CAL_LIST_MAX];
	struct cal *c = NULL;
	long year;
	int n, rc = CTL_EXIT_ERROR;

	if (argc != 2 || parse_year(argv[1], &year) < 0)
		return ctl_usage(&ctl_cmd_calendar);
	if (year < CAL_YEAR_MIN || year > CAL_YEAR_MAX) {
		fprintf(stderr, "vaktctl: year %ld is outside %d..%d\n", year, CAL_YEAR_MIN,
		        CAL_YEAR_MAX);
		return CTL_EXIT_ERROR;
	}
	if (ctl_calendar_load(ctx, &c) < 0)
		return CTL_EXIT_ERROR;
	n = cal_list_year(c, (int)year, days);
	if (n < 0) {
		fprintf(stderr, "vaktctl: calendar %ld: %s\n", year, strerror(-n));
		goto out;
	}

	cJSON *arr = ctx->json ? cJSON_CreateArray() : NULL;
	if (ctx->json && !arr)
		goto out;
	for (int i = 0; i < n; i++) {
		struct civil_date d = civil_date_from_days(days[i].dn);
		char date[16], closes[16] = "";
		snprintf(date, sizeof(date), "%04d-%02d-%02d", d.year, d.month, d.day);
		if (days[i].kind == CAL_DAY_HALF)
			snprintf(closes, sizeof(closes), "%02d:%02d", days[i].close_min / 60,
			         days[i].close_min % 60);
		if (!arr) {
			if (*closes)
				printf("%s %s (half day, closes %s)\n", date, days[i].name, closes);
			else
				printf("%s %s\n", date, days[i].name);
			continue;
		}
		cJSON *o = cJSON_CreateObject();
		if (!o || !cJSON_AddItemToArray(arr, o) ||
		    !cJSON_AddStringToObject(o, "date", date) ||
		    !cJSON_AddStringToObject(o, "name", days[i].name) ||
		    !cJSON_AddStringToObject(o, "kind", kind_name(days[i].kind)) ||
		    (*closes && !cJSON_AddStringToObject(o, "closes", closes))) {
			cJSON_Delete(arr);
			goto out;
		}
	}
	rc = CTL_EXIT_OK;
	if (arr) {
		rc = ctl_print_json(arr);
		cJSON_Delete(arr);
	}
out:
	cal_free(c);
	return rc;
}

const struct ctl_cmd ctl_cmd_calendar = {
	.name = "calendar",
	.usage = "YEAR [--json]",
	.summary = "closed days and half days of a year",
	.run = run_calendar,
};
