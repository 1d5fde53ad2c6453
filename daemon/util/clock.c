/* The replaceable clock: real time, or simulated time for tests. */
#include "util/clock.h"

#include <ctype.h>
#include <errno.h>
#include <stdatomic.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "util/civil.h"

/* Set before any thread starts, but for sim_start_usec: the manual test
 * clock moves it on the loop while a reload's worker reads the time. */
static struct {
	int simulated;
	bool manual;                    /* stands still at sim_start_usec */
	_Atomic int64_t sim_start_usec; /* simulated instant at the switch */
	int64_t mono_start_usec;        /* monotonic clock at the switch */
	double factor;
} clk;

static int64_t mono_usec(void)
{
	struct timespec ts;
	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (int64_t)ts.tv_sec * USEC_PER_SEC + ts.tv_nsec / 1000;
}

static int64_t sim_start(void)
{
	return atomic_load_explicit(&clk.sim_start_usec, memory_order_relaxed);
}

int64_t clock_now_usec(void)
{
	if (clk.manual)
		return sim_start();
	if (clk.simulated) {
		double elapsed = (double)(mono_usec() - clk.mono_start_usec);
		return sim_start() + (int64_t)(elapsed * clk.factor);
	}
	struct timespec ts;
	clock_gettime(CLOCK_REALTIME, &ts);
	return (int64_t)ts.tv_sec * USEC_PER_SEC + ts.tv_nsec / 1000;
}

time_t clock_now(void)
{
	int64_t us = clock_now_usec();
	return (time_t)(us >= 0 ? us / USEC_PER_SEC : (us - USEC_PER_SEC + 1) / USEC_PER_SEC);
}

void clock_set_simulated(int64_t start_usec, double factor)
{
	clk.simulated = 1;
	clk.sim_start_usec = start_usec;
	clk.mono_start_usec = mono_usec();
	clk.factor = factor < 1.0 ? 1.0 : factor;
}

void clock_set_manual(int64_t start_usec)
{
	clk.simulated = 1;
	clk.manual = true;
	clk.sim_start_usec = start_usec;
	clk.mono_start_usec = mono_usec();
	clk.factor = CLOCK_MANUAL;
}

void clock_manual_set(int64_t usec)
{
	if (clk.manual && usec > sim_start())
		atomic_store_explicit(&clk.sim_start_usec, usec, memory_order_relaxed);
}

bool clock_is_manual(void)
{
	return clk.manual;
}

void clock_set_real(void)
{
	memset(&clk, 0, sizeof(clk));
}

bool clock_is_simulated(double *ret_factor)
{
	if (clk.simulated && ret_factor)
		*ret_factor = clk.factor;
	return clk.simulated != 0;
}

struct timeval clock_sim_to_real(int64_t sim_usec)
{
	struct timeval tv = { 0, 0 };
	if (sim_usec <= 0)
		return tv;
	int64_t real =
	        clk.simulated && !clk.manual ? (int64_t)((double)sim_usec / clk.factor) : sim_usec;
	if (real < 1)
		real = 1;
	tv.tv_sec = (time_t)(real / USEC_PER_SEC);
	tv.tv_usec = (suseconds_t)(real % USEC_PER_SEC);
	return tv;
}

/* civil_digits() at *p, advancing past them. */
static int parse_digits(const char **p, int n, int *ret)
{
	int r = civil_digits(*p, n, ret);
	if (r == 0)
		*p += n;
	return r;
}

int clock_parse_iso8601(const char *s, int64_t *ret_usec)
{
	const char *p = s;
	int y, mo, d, h, mi, sec = 0;
	int64_t frac = 0;

	if (parse_digits(&p, 4, &y) < 0 || *p++ != '-' || parse_digits(&p, 2, &mo) < 0 ||
	    *p++ != '-' || parse_digits(&p, 2, &d) < 0 || (*p != 'T' && *p != ' '))
		return -EINVAL;
	p++;
	if (parse_digits(&p, 2, &h) < 0 || *p++ != ':' || parse_digits(&p, 2, &mi) < 0)
		return -EINVAL;
	if (*p == ':') {
		p++;
		if (parse_digits(&p, 2, &sec) < 0)
			return -EINVAL;
		if (*p == '.' || *p == ',') {
			p++;
			int64_t scale = 100000;
			if (!isdigit((unsigned char)*p))
				return -EINVAL;
			for (; isdigit((unsigned char)*p); p++) {
				frac += (*p - '0') * scale;
				scale /= 10;
			}
		}
	}
	if (mo < 1 || mo > 12 || d < 1 || d > 31 || h > 23 || mi > 59 || sec > 60)
		return -EINVAL;

	int offset_min;
	if (*p == 'Z' || *p == 'z') {
		offset_min = 0;
		p++;
	} else if (*p == '+' || *p == '-') {
		int sign = *p++ == '-' ? -1 : 1, oh, om = 0;
		if (parse_digits(&p, 2, &oh) < 0)
			return -EINVAL;
		if (*p == ':')
			p++;
		if (*p && parse_digits(&p, 2, &om) < 0)
			return -EINVAL;
		if (oh > 14 || om > 59)
			return -EINVAL;
		offset_min = sign * (oh * 60 + om);
	} else {
		return -EINVAL;
	}
	if (*p)
		return -EINVAL;

	int64_t days = civil_days_from_date(y, mo, d);
	int64_t secs = days * 86400 + h * 3600 + mi * 60 + sec - offset_min * 60;
	/* The offset may carry the instant out of years 0000-9999 in UTC
	 * (0000-01-01T00:00+14:00 is in year -1): refused, since it could not
	 * be written back in four digits. */
	if (secs < civil_days_from_date(0, 1, 1) * 86400 ||
	    secs >= civil_days_from_date(10000, 1, 1) * 86400)
		return -EINVAL;
	*ret_usec = secs * USEC_PER_SEC + frac;
	return 0;
}

int clock_parse_spec(const char *spec, int64_t *ret_start_usec, double *ret_factor)
{
	char buf[64];
	const char *comma = strchr(spec, ',');
	size_t n = comma ? (size_t)(comma - spec) : strlen(spec);
	double factor = 1.0;
	int64_t start;

	if (n == 0 || n >= sizeof(buf))
		return -EINVAL;
	memcpy(buf, spec, n);
	buf[n] = '\0';
	if (clock_parse_iso8601(buf, &start) < 0)
		return -EINVAL;
	if (comma && strcmp(comma + 1, "manual") == 0) {
		factor = CLOCK_MANUAL;
	} else if (comma) {
		const char *f = comma + 1;
		char *end;
		if (*f == 'x' || *f == 'X')
			f++;
		errno = 0;
		factor = strtod(f, &end);
		if (errno || end == f || *end || factor < 1.0 || factor > 1e7)
			return -EINVAL;
	}
	*ret_start_usec = start;
	*ret_factor = factor;
	return 0;
}

char *clock_format_utc(int64_t usec, char *buf, size_t len)
{
	/* Floor division, so instants before 1970 format correctly too. */
	int64_t secs = usec / USEC_PER_SEC, frac = usec % USEC_PER_SEC;
	if (frac < 0) {
		secs--;
		frac += USEC_PER_SEC;
	}
	time_t t = (time_t)secs;
	struct tm tm;
	if (!gmtime_r(&t, &tm)) {
		snprintf(buf, len, "?");
		return buf;
	}
	snprintf(buf, len, "%04d-%02d-%02dT%02d:%02d:%02d.%03dZ", tm.tm_year + 1900, tm.tm_mon + 1,
	         tm.tm_mday, tm.tm_hour, tm.tm_min, tm.tm_sec, (int)(frac / 1000));
	return buf;
}
