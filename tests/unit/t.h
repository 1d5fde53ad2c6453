/* A tiny TAP test harness for vakt's unit tests.
 *
 * One function per behaviour:
 *
 *   static void test_parses_holiday(void) { T_EQ_INT(1, 1); }
 *   int main(void) { T_RUN(test_parses_holiday); return t_done(); }
 *
 * A failed check prints its file:line and marks the current test failed but
 * lets the test function continue, so one run shows every broken case.
 */
#pragma once

#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

static int t_count, t_failed_total, t_cur_failed;

#define T_FAIL_(...)                                                                               \
	do {                                                                                       \
		t_cur_failed = 1;                                                                  \
		printf("#   %s:%d: ", __FILE__, __LINE__);                                         \
		printf(__VA_ARGS__);                                                               \
		printf("\n");                                                                      \
	} while (0)

#define T_ASSERT(cond)                                                                             \
	do {                                                                                       \
		if (!(cond))                                                                       \
			T_FAIL_("assertion failed: %s", #cond);                                    \
	} while (0)

#define T_EQ_INT(exp, got)                                                                         \
	do {                                                                                       \
		long long e_ = (long long)(exp), g_ = (long long)(got);                            \
		if (e_ != g_)                                                                      \
			T_FAIL_("%s: expected %lld, got %lld", #got, e_, g_);                      \
	} while (0)

#define T_EQ_STR(exp, got)                                                                         \
	do {                                                                                       \
		const char *e_ = (exp), *g_ = (got);                                               \
		if (!e_ || !g_ || strcmp(e_, g_) != 0)                                             \
			T_FAIL_("%s: expected \"%s\", got \"%s\"", #got, e_ ? e_ : "(null)",       \
			        g_ ? g_ : "(null)");                                               \
	} while (0)

#define T_CONTAINS(hay, needle)                                                                    \
	do {                                                                                       \
		const char *h_ = (hay), *n_ = (needle);                                            \
		if (!h_ || !strstr(h_, n_))                                                        \
			T_FAIL_("%s: \"%s\" does not contain \"%s\"", #hay, h_ ? h_ : "(null)",    \
			        n_);                                                               \
	} while (0)

/* Whether NAME contains one of LIST's comma-separated words. */
static inline int t_listed(const char *list, const char *name)
{
	while (*list) {
		size_t n = strcspn(list, ",");
		for (const char *p = name; n > 0 && *p; p++)
			if (strncmp(p, list, n) == 0)
				return 1;
		list += n + (list[n] == ',');
	}
	return 0;
}

/* T_ONLY and T_SKIP pick a program's tests by name, so that a slow
 * program can run as several meson tests side by side. */
static inline int t_selected(const char *name)
{
	const char *only = getenv("T_ONLY"), *skip = getenv("T_SKIP");
	if (only && *only && !t_listed(only, name))
		return 0;
	return !(skip && *skip && t_listed(skip, name));
}

static inline void t_run(const char *name, void (*fn)(void))
{
	if (!t_selected(name))
		return;
	t_cur_failed = 0;
	fn();
	t_count++;
	if (t_cur_failed)
		t_failed_total++;
	printf("%s %d - %s\n", t_cur_failed ? "not ok" : "ok", t_count, name);
	fflush(stdout);
}

#define T_RUN(fn) t_run(#fn, fn)

static inline int t_done(void)
{
	printf("1..%d\n", t_count);
	return t_failed_total ? 1 : 0;
}
