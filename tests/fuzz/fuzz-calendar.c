/* The calendar configuration: cal_set_option() for every key of a
 * [Calendar] section and sched_policy_set() for a [Schedule] section, as
 * the configuration module applies them (one "Key=Value" per line, on a
 * fresh calendar and policy per input), then a year's listing, business
 * arithmetic and the poll grid of a few days (around both DST switches).
 * Checked besides the sanitizers: a day's polls are strictly increasing. */
#include "fuzz.h"

#include <errno.h>

#include "calendar/bizmath.h"
#include "calendar/cal-config.h"
#include "calendar/cal.h"
#include "calendar/date.h"
#include "schedule/sched.h"
#include "util/civil.h"

/* Trim blanks as libinih does before handing over a value. */
static char *trim(char *s)
{
	while (*s == ' ' || *s == '\t' || *s == '\r')
		s++;
	size_t n = strlen(s);
	while (n > 0 && (s[n - 1] == ' ' || s[n - 1] == '\t' || s[n - 1] == '\r'))
		s[--n] = '\0';
	return s;
}

static void check_polls(const struct sched_policy *pol, const struct cal *c, int64_t t)
{
	static const struct civil_date days[] = {
		{ 2026, 3, 29 }, { 2026, 10, 25 }, { 2026, 11, 23 }, { 2026, 12, 24 }
	};
	int64_t *polls = malloc(SCHED_DAY_MAX * sizeof(*polls)), r, dn, bad;
	int count;
	if (!polls)
		abort();
	for (size_t i = 0; i < sizeof(days) / sizeof(days[0]); i++) {
		int n = sched_day_polls(pol, c,
		                        civil_days_from_date(days[i].year, days[i].month,
		                                             days[i].day),
		                        polls);
		for (int j = 1; j < n; j++)
			if (polls[j] <= polls[j - 1]) {
				fprintf(stderr, "polls of day %zu not increasing at %d\n", i, j);
				abort();
			}
	}
	free(polls);
	(void)sched_next(pol, c, sched_jitter_offset("fuzz", pol), t, t, t + INT64_C(3600000000),
	                 &r);
	dn = civil_days_from_date(2026, 11, 23);
	(void)sched_check_floor(pol, c, dn, 14, &bad, &count);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct cal *c = NULL;
	struct sched_policy pol;
	char *s = fuzz_strndup(data, size), *save = NULL;
	if (cal_new(&c) != 0)
		abort();
	sched_policy_default(&pol);
	for (char *line = strtok_r(s, "\n", &save); line; line = strtok_r(NULL, "\n", &save)) {
		char *eq = strchr(line, '=');
		if (!eq)
			continue;
		*eq = '\0';
		char *key = trim(line);
		if (cal_set_option(c, key, trim(eq + 1)) == -ENOENT)
			(void)sched_policy_set(&pol, key, trim(eq + 1));
		(void)cal_option_syntax(key);
	}
	/* 2026, the year the shipped tests use, and what follows from it. */
	struct cal_listed_day *days = calloc(CAL_LIST_MAX, sizeof(*days));
	if (!days)
		abort();
	(void)cal_list_year(c, 2026, days);
	free(days);
	int64_t t = INT64_C(1795424400) * 1000000, r; /* 2026-11-23 10:00 Stockholm */
	(void)cal_add_business_days(c, t, 3, &r);
	(void)cal_add_business_time(c, t, INT64_C(4) * 3600 * 1000000, &r);
	(void)cal_business_between(c, t, t + INT64_C(7) * 86400 * 1000000, &r);
	check_polls(&pol, c, t);
	cal_free(c);
	free(s);
	return 0;
}
