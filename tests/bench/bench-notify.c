/* bench-notify DIR RECIPIENT N: N messages handed to notify_send at once
 * (distinct keys), each timed from the call to its done callback (for
 * e-mail: the server's 250 after the message).  Prints the count of each
 * result and the p50/p99/max latency; exits 1 unless every one was SENT.
 * tests/bench/bench-notify.py runs it against a local SMTP server. */
#include <event2/event.h>
#include <stdio.h>
#include <stdlib.h>
#include <time.h>

#include "config/config.h"
#include "net/curlev.h"
#include "notify/notify.h"

struct slot {
	double start, end;
	enum notify_result r;
};

static int left;

static double now(void)
{
	struct timespec ts;
	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
}

static void on_done(void *arg, enum notify_result r, const char *detail)
{
	struct slot *s = arg;
	s->end = now();
	s->r = r;
	if (r != NOTIFY_SENT)
		fprintf(stderr, "bench-notify: %s\n", detail);
	left--;
}

static int cmp(const void *a, const void *b)
{
	double x = *(const double *)a, y = *(const double *)b;
	return x < y ? -1 : x > y;
}

int main(int argc, char **argv)
{
	struct diag_list dl = { 0 };
	struct config *c = NULL;
	struct curlev *e = NULL;
	struct notify *n = NULL;
	struct notify_target t;

	if (argc != 4) {
		fprintf(stderr, "usage: bench-notify DIR RECIPIENT N\n");
		return 2;
	}
	int count = atoi(argv[3]);
	curl_global_init(CURL_GLOBAL_DEFAULT);
	struct event_base *base = event_base_new();
	if (count < 1 || config_load(argv[1], NULL, &c, &dl) < 0 ||
	    notify_target_parse(argv[2], &t) < 0 || curlev_new(base, NULL, &e) < 0 ||
	    notify_new(e, c, &n) < 0) {
		fprintf(stderr, "bench-notify: cannot set up (configuration, recipient)\n");
		return 2;
	}
	struct slot *slots = calloc((size_t)count, sizeof(*slots));
	double *lat = calloc((size_t)count, sizeof(*lat));
	char key[64];
	double t0 = now();
	for (int i = 0; i < count; i++) {
		snprintf(key, sizeof(key), "bench:%d", i);
		struct notify_message m = {
			.key = key,
			.kind = "test",
			.subject = "Benchmark: hot mot medarbetare på kultur-fb",
			.text = "Kommentar (maskerad): ***\nKvittera: vaktctl ack 1\n",
			.count = 1,
		};
		slots[i].start = now();
		if (notify_send(n, &t, &m, on_done, &slots[i]) < 0) {
			fprintf(stderr, "bench-notify: notify_send failed\n");
			return 1;
		}
		left++;
	}
	while (left > 0)
		event_base_loop(base, EVLOOP_ONCE);
	double total = now() - t0;
	int sent = 0, retry = 0, failed = 0;
	for (int i = 0; i < count; i++) {
		lat[i] = slots[i].end - slots[i].start;
		sent += slots[i].r == NOTIFY_SENT;
		retry += slots[i].r == NOTIFY_RETRY;
		failed += slots[i].r == NOTIFY_FAILED;
	}
	qsort(lat, (size_t)count, sizeof(*lat), cmp);
	printf("messages %d: sent %d, retry %d, failed %d in %.2f s\n", count, sent, retry, failed,
	       total);
	printf("call to acceptance: p50 %.3f s, p99 %.3f s, max %.3f s\n", lat[count / 2],
	       lat[(size_t)((count - 1) * 0.99)], lat[count - 1]);
	notify_free(n);
	curlev_free(e);
	event_base_free(base);
	config_free(c);
	free(slots);
	free(lat);
	curl_global_cleanup();
	return sent == count ? 0 : 1;
}
