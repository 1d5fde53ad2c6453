/* Out of memory while loading the configuration: whichever allocation
 * fails, config_load() returns an error with a diagnostic, never success
 * with a half-filled object, and never crashes (an unchecked strdup once led
 * to strcmp(NULL)).
 *
 * malloc, calloc and realloc are replaced in this program (glibc lets an
 * executable interpose them, also for libc's own strdup and asprintf) so
 * that the Nth allocation fails; N runs from the first allocation of a
 * load until a load no longer meets a failure.  Skipped under the
 * sanitizers, which bring their own allocator. */
#include <errno.h>
#include <stdbool.h>
#include <stdlib.h>

#include "t.h"
#include "tfs.h"

#include "config/config.h"

#if defined(__SANITIZE_ADDRESS__)
#define OOM_TEST 0
#elif defined(__has_feature)
#if __has_feature(address_sanitizer) || __has_feature(memory_sanitizer)
#define OOM_TEST 0
#endif
#endif
#if !defined(OOM_TEST) && defined(__GLIBC__)
#define OOM_TEST 1
#endif
#ifndef OOM_TEST
#define OOM_TEST 0
#endif

static long countdown = -1; /* allocations left before one fails; -1 never */
static bool failed;         /* the failure happened */

#if OOM_TEST
extern void *__libc_malloc(size_t n);
extern void *__libc_calloc(size_t n, size_t size);
extern void *__libc_realloc(void *p, size_t n);

static bool fail_now(void)
{
	if (countdown < 0)
		return false;
	if (countdown-- > 0)
		return false;
	failed = true;
	errno = ENOMEM;
	return true;
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
#endif

static const char daemon_conf[] = "[Daemon]\n"
                                  "LogLevel=debug\n"
                                  "[Api]\n"
                                  "MaxConnections=9\n"
                                  "[Calendar]\n"
                                  "ClosedDay=2026-05-15 klämdag\n"
                                  "[Calendar dygnet-runt]\n"
                                  "AlwaysOpen=yes\n"
                                  "[Schedule]\n"
                                  "Interval=1h\n"
                                  "[Deadlines]\n"
                                  "WarnAt=80%\n"
                                  "[Deadlines kultur]\n"
                                  "ReviewWithin.threat=30min\n"
                                  "[Unit kultur]\n"
                                  "Title=Kultur\n"
                                  "ManagerEmail=a@b.se\n"
                                  "Calendar=dygnet-runt\n";

static void test_every_failed_allocation_is_an_error(void)
{
	char *dir = tfs_mkdtemp();
	char acc[8192], token[4096];
	snprintf(token, sizeof(token), "%s/token", dir);
	tfs_write(dir, "token", "s3cret\n");
	tfs_write(dir, "vaktd.conf", daemon_conf);
	tfs_write(dir, "vaktd.conf.d/10-api.conf", "[Api]\nMaxConnections=10\n");
	snprintf(acc, sizeof(acc),
	         "[Account]\nPlatform=facebook\nUnit=kultur\nExternalId=1\nTokenFile=%s\n"
	         "[Schedule]\nJitter=0\n[Deadlines]\nWarnAt=50%%\n",
	         token);
	tfs_write(dir, "accounts.d/a.conf", acc);
	tfs_write(dir, "accounts.d/b.conf", "[Account]\nPlatform=x\nUnit=kultur\nExternalId=2\n");

	/* The load works when nothing fails. */
	struct config *c = NULL;
	struct diag_list dl = { 0 };
	T_EQ_INT(0, config_load(dir, NULL, &c, &dl));
	config_free(c);
	diag_list_clear(&dl);
	if (!OOM_TEST) {
		printf("# skipped: allocation failures are injected only in a plain glibc build\n");
		tfs_rmrf(dir);
		return;
	}

	long n, bad = 0;
	for (n = 0; n < 1000000; n++) {
		c = NULL;
		memset(&dl, 0, sizeof(dl));
		failed = false;
		countdown = n;
		int r = config_load(dir, NULL, &c, &dl);
		countdown = -1;
		if (!failed) {
			/* This load met no failure: every allocation was tried. */
			T_EQ_INT(0, r);
			config_free(c);
			diag_list_clear(&dl);
			break;
		}
		if (r == 0) {
			/* A failure that is not needed for a correct result (a
			 * cache) may be absorbed; the object must be whole. */
			T_ASSERT(c != NULL && c->n_accounts == 2 && c->n_units == 1);
			if (c && c->n_accounts == 2)
				T_ASSERT(config_find_account(c, "a")->token.value != NULL);
		} else {
			if (r != -ENOMEM && r != -EINVAL) {
				printf("# allocation %ld: returned %d\n", n, r);
				bad++;
			}
			if (dl.n == 0) {
				printf("# allocation %ld: an error without a diagnostic\n", n);
				bad++;
			}
			T_ASSERT(c == NULL);
		}
		config_free(c);
		diag_list_clear(&dl);
	}
	printf("# %ld allocations in one load, each failed once\n", n);
	T_ASSERT(n > 50);
	T_EQ_INT(0, bad);
	tfs_rmrf(dir);
}

int main(void)
{
	T_RUN(test_every_failed_allocation_is_an_error);
	return t_done();
}
