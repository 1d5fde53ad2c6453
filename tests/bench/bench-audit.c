/* The audit chain's walk alone, as the verification's worker runs it:
 * bench-audit DB [RUNS] opens DB read-only (store_open_reader()) and
 * times store_audit_verify_walk() over the whole chain (docs/store.md).
 * tests/bench/audit-verify.py measures it inside the real vaktd. */
#include <stdio.h>
#include <stdlib.h>
#include <time.h>

#include "store/audit.h"
#include "store/store.h"

static double seconds(clockid_t id)
{
	struct timespec ts;
	clock_gettime(id, &ts);
	return (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
}

int main(int argc, char **argv)
{
	struct store *s = NULL;
	char err[512];
	int runs = argc > 2 ? atoi(argv[2]) : 3;

	if (argc < 2) {
		fprintf(stderr, "usage: bench-audit DB [RUNS]\n");
		return 2;
	}
	int r = store_open_reader(argv[1], &s, err, sizeof(err));
	if (r) {
		fprintf(stderr, "bench-audit: %s\n", err);
		return 1;
	}
	for (int i = 0; i < runs; i++) {
		int64_t n = 0, bad = 0;
		double t0 = seconds(CLOCK_MONOTONIC), c0 = seconds(CLOCK_THREAD_CPUTIME_ID);
		r = store_audit_verify_walk(s, NULL, NULL, &n, &bad);
		double dt = seconds(CLOCK_MONOTONIC) - t0;
		double cpu = seconds(CLOCK_THREAD_CPUTIME_ID) - c0;
		/* CPU time too: on a shared machine other processes' turns
		 * inflate the wall time, not this. */
		printf("walk %d: %s, %lld entries in %.3f s, %.3f s CPU (%.0f entries/s of "
		       "CPU)\n",
		       i + 1, r == 0 ? "intact" : vakt_strerror(r), (long long)n, dt, cpu,
		       (double)n / cpu);
	}
	store_close(s);
	return 0;
}
