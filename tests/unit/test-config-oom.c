/* The configuration loader under memory pressure: every allocation in
 * turn fails while the demo configuration loads, and the loader either
 * succeeds or fails with -ENOMEM and "out of memory" (never a crash, never
 * a configuration with holes in it).
 *
 * malloc, calloc and realloc are replaced in this executable (glibc lets
 * a program interpose them); the sanitizers replace them too, so there
 * this test skips. */
#include <errno.h>
#include <stddef.h>
#include <stdlib.h>

#include "t.h"

#include "config/config.h"

#if defined(__SANITIZE_ADDRESS__)
#define HAVE_INTERPOSE 0
#elif defined(__has_feature)
#if __has_feature(address_sanitizer)
#define HAVE_INTERPOSE 0
#endif
#endif
#ifndef HAVE_INTERPOSE
#define HAVE_INTERPOSE 1
#endif

#if HAVE_INTERPOSE
extern void *__libc_malloc(size_t n);
extern void *__libc_calloc(size_t n, size_t size);
extern void *__libc_realloc(void *p, size_t n);

static long fail_at = -1; /* the allocation that fails; -1: none */
static long allocs;

static long trap_at = -2;

static int fail_now(void)
{
	if (fail_at >= 0 && allocs == fail_at && fail_at == trap_at)
		__builtin_trap(); /* OOM_TRAP=N: see where allocation N is, in gdb */
	if (fail_at >= 0 && allocs++ == fail_at) {
		errno = ENOMEM;
		return 1;
	}
	return 0;
}

void *malloc(size_t n)
{
	return fail_now() ? NULL : __libc_malloc(n);
}

void *calloc(size_t n, size_t size)
{
	return fail_now() ? NULL : __libc_calloc(n, size);
}

void *realloc(void *p, size_t n)
{
	return fail_now() ? NULL : __libc_realloc(p, n);
}

static const char *or_null(const char *s)
{
	return s ? s : "(null)";
}

/* What a load produced, enough to see a value that went missing. */
static void fingerprint(const struct config *c, char *buf, size_t len)
{
	size_t n = 0;
	n += (size_t)snprintf(buf + n, len - n, "%zu %zu %zu %s %s %s|", c->n_units, c->n_accounts,
	                      c->n_calendars, or_null(c->daemon.state_dir),
	                      or_null(c->daemon.api_socket), or_null(c->daemon.rules_dir));
	for (size_t i = 0; i < c->n_units && n < len; i++) {
		const struct config_unit *u = &c->units[i];
		n += (size_t)snprintf(buf + n, len - n, "%s %s %s %s %s|", u->id, or_null(u->title),
		                      or_null(u->manager), or_null(u->manager_email),
		                      or_null(u->escalate_email));
	}
	for (size_t i = 0; i < c->n_accounts && n < len; i++) {
		const struct config_account *a = &c->accounts[i];
		n += (size_t)snprintf(buf + n, len - n, "%s %s %s %s %d|", a->id, or_null(a->unit),
		                      or_null(a->title), or_null(a->external_id), a->enabled);
	}
}

static void test_every_failed_allocation_is_reported(void)
{
	static char want[16384], got[16384];
	const char *src = getenv("VAKT_SRCDIR");
	char dir[4096];
	long ok = 0, enomem = 0, other = 0;
	snprintf(dir, sizeof(dir), "%s/config/demo", src ? src : SRCDIR);
	{
		struct diag_list dl = { 0 };
		struct config *c = NULL;
		T_EQ_INT(0, config_load(dir, NULL, &c, &dl));
		if (!c)
			return;
		fingerprint(c, want, sizeof(want));
		config_free(c);
	}

	if (getenv("OOM_TRAP"))
		trap_at = atol(getenv("OOM_TRAP"));
	for (long i = 0;; i++) {
		struct diag_list dl = { 0 };
		struct config *c = NULL;
		fail_at = i;
		allocs = 0;
		int r = config_load(dir, NULL, &c, &dl);
		long used = allocs;
		fail_at = -1;
		if (r == 0) {
			/* libc recovers from some failures itself (stdio
			 * buffers, opendir); a load that succeeds must then be
			 * the whole configuration. */
			ok++;
			fingerprint(c, got, sizeof(got));
			if (strcmp(want, got) != 0)
				printf("# allocation %ld: a success with holes:\n# %s\n", i, got);
			T_EQ_STR(want, got);
		} else if (r == -ENOMEM) {
			enomem++;
		} else {
			/* An error report that could not be allocated in full
			 * may fail otherwise, but never silently. */
			other++;
			T_ASSERT(dl.n > 0 || r == -ENOMEM);
		}
		config_free(c);
		diag_list_clear(&dl);
		if (used <= i) /* the load finished before allocation i */
			break;
	}
	printf("# %ld loads failed with ENOMEM, %ld otherwise, %ld succeeded\n", enomem, other, ok);
	T_ASSERT(enomem > 10);
}
#else
static const char *or_null(const char *s)
{
	return s ? s : "(null)";
}

/* What a load produced, enough to see a value that went missing. */
static void fingerprint(const struct config *c, char *buf, size_t len)
{
	size_t n = 0;
	n += (size_t)snprintf(buf + n, len - n, "%zu %zu %zu %s %s %s|", c->n_units, c->n_accounts,
	                      c->n_calendars, or_null(c->daemon.state_dir),
	                      or_null(c->daemon.api_socket), or_null(c->daemon.rules_dir));
	for (size_t i = 0; i < c->n_units && n < len; i++) {
		const struct config_unit *u = &c->units[i];
		n += (size_t)snprintf(buf + n, len - n, "%s %s %s %s %s|", u->id, or_null(u->title),
		                      or_null(u->manager), or_null(u->manager_email),
		                      or_null(u->escalate_email));
	}
	for (size_t i = 0; i < c->n_accounts && n < len; i++) {
		const struct config_account *a = &c->accounts[i];
		n += (size_t)snprintf(buf + n, len - n, "%s %s %s %s %d|", a->id, or_null(a->unit),
		                      or_null(a->title), or_null(a->external_id), a->enabled);
	}
}

static void test_every_failed_allocation_is_reported(void)
{
	static char want[16384], got[16384];
	printf("# skipped: the sanitizers replace malloc\n");
}
#endif

int main(void)
{
	T_RUN(test_every_failed_allocation_is_reported);
	return t_done();
}
