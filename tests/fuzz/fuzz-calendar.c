/* The calendar configuration: cal_set_option() for every key of a
 * [Calendar] section, as the configuration module applies them (one
 * "Key=Value" per line, on a fresh calendar per input), then a year's
 * listing and some business arithmetic on the result. */
#include "fuzz.h"

#include "calendar/bizmath.h"
#include "calendar/cal-config.h"
#include "calendar/cal.h"

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

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct cal *c = NULL;
	char *s = fuzz_strndup(data, size), *save = NULL;
	if (cal_new(&c) != 0)
		abort();
	for (char *line = strtok_r(s, "\n", &save); line; line = strtok_r(NULL, "\n", &save)) {
		char *eq = strchr(line, '=');
		if (!eq)
			continue;
		*eq = '\0';
		char *key = trim(line);
		(void)cal_set_option(c, key, trim(eq + 1));
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
	cal_free(c);
	free(s);
	return 0;
}
