/* The duration and instant parsers: cal_duration_parse(),
 * cal_parse_instant() (Europe/Stockholm, with the public holidays),
 * clock_parse_iso8601() and clock_parse_spec(); and what a deadline does
 * with them (cal_add_duration(), cal_time_left(), cal_fraction_point()).
 *
 * The input is two lines; every parser reads each.  Checked besides the
 * sanitizers: what parses formats and parses back to the same value. */
#include "fuzz.h"

#include "calendar/bizmath.h"
#include "calendar/cal.h"
#include "calendar/duration.h"
#include "calendar/instant.h"
#include "util/clock.h"

static struct cal *stockholm;

int LLVMFuzzerInitialize(int *argc, char ***argv)
{
	(void)argc, (void)argv;
	if (cal_new(&stockholm) != 0 || cal_set_timezone(stockholm, "Europe/Stockholm") != 0)
		abort();
	cal_set_public_holidays(stockholm, 1);
	return 0;
}

struct parsed {
	int has_dur, has_instant;
	struct cal_duration dur;
	int64_t instant;
};

static void parse_all(const char *s, struct parsed *p)
{
	char buf[64];
	int64_t t, t2;
	double factor;

	if (cal_duration_parse(s, &p->dur) == 0) {
		struct cal_duration back;
		p->has_dur = 1;
		cal_duration_format(&p->dur, buf, sizeof(buf));
		if (cal_duration_parse(buf, &back) != 0 || back.unit != p->dur.unit ||
		    back.count != p->dur.count) {
			fprintf(stderr,
			        "duration '%s' formats as '%s', which does not parse back\n", s,
			        buf);
			abort();
		}
	}
	if (cal_parse_instant(stockholm, s, &t) == 0) {
		p->has_instant = 1;
		p->instant = t;
		cal_format_instant(stockholm, t, buf, sizeof(buf), NULL);
		/* An instant near the ends of the range may show a year outside
		 * it (1900-01-01T00:00+14:00 is in 1899), which is not parsed. */
		int year = atoi(buf);
		if (strcmp(buf, "?") != 0 && year >= 1900 && year <= 2100 &&
		    (cal_parse_instant(stockholm, buf, &t2) != 0 ||
		     t2 != t - ((t % USEC_PER_SEC) + USEC_PER_SEC) % USEC_PER_SEC)) {
			fprintf(stderr, "instant '%s' formats as '%s', which does not parse back\n",
			        s, buf);
			abort();
		}
	}
	if (clock_parse_iso8601(s, &t) == 0) {
		int64_t ms = t - ((t % 1000) + 1000) % 1000;
		clock_format_utc(t, buf, sizeof(buf));
		if (clock_parse_iso8601(buf, &t2) != 0 || t2 != ms) {
			fprintf(stderr,
			        "ISO 8601 '%s' formats as '%s', which does not parse back\n", s,
			        buf);
			abort();
		}
	}
	(void)clock_parse_spec(s, &t, &factor);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	char *s = fuzz_strndup(data, size);
	char *nl = strchr(s, '\n');
	struct parsed a = { 0 }, b = { 0 };
	if (nl)
		*nl = '\0';
	parse_all(s, &a);
	if (nl)
		parse_all(nl + 1, &b);
	/* A deadline: the first line's instant plus the second line's duration. */
	if (a.has_instant && b.has_dur) {
		int64_t due, left, point;
		if (cal_add_duration(stockholm, a.instant, &b.dur, &due) == 0) {
			(void)cal_time_left(stockholm, &b.dur, a.instant, due, &left);
			(void)cal_fraction_point(stockholm, &b.dur, a.instant, due, 3, 4, &point);
		}
	}
	free(s);
	return 0;
}
