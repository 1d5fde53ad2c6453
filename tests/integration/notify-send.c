/* A small driver of notify_send for the integration tests: loads the
 * configuration in DIR, sends one message to RECIPIENT on a libevent loop
 * (through curlev, as vaktd does) and prints how the attempt ended:
 *
 *   notify-send DIR RECIPIENT KEY SUBJECT TEXT [HTML]
 *   → "SENT SMTP 250" | "RETRY SMTP 451: ..." | "FAILED SMTP 550: ..."
 *
 * The message's Date is fixed (2026-12-04T02:03:12Z) so a test can check
 * it; everything else comes from the arguments. */
#include <event2/event.h>
#include <stdio.h>
#include <stdlib.h>

#include "config/config.h"
#include "net/curlev.h"
#include "notify/notify.h"

static const char *const names[] = { "SENT", "RETRY", "FAILED" };

static void on_done(void *arg, enum notify_result r, const char *detail)
{
	int *done = arg;
	printf("%s %s\n", names[r], detail);
	*done = 1;
}

int main(int argc, char **argv)
{
	struct diag_list dl = { 0 };
	struct config *c = NULL;
	struct curlev *e = NULL;
	struct notify *n = NULL;
	struct notify_target t;
	int done = 0, r;

	if (argc < 6 || argc > 7) {
		fprintf(stderr, "usage: notify-send DIR RECIPIENT KEY SUBJECT TEXT [HTML]\n");
		return 2;
	}
	curl_global_init(CURL_GLOBAL_DEFAULT);
	if (config_load(argv[1], NULL, &c, &dl) < 0) {
		char buf[1024];
		for (size_t i = 0; i < dl.n; i++)
			fprintf(stderr, "%s\n", diag_format(&dl.v[i], buf, sizeof(buf)));
		return 1;
	}
	struct event_base *base = event_base_new();
	struct notify_message m = {
		.key = argv[3],
		.kind = "test",
		.subject = argv[4],
		.text = argv[5],
		.html = argc == 7 ? argv[6] : NULL,
		.count = 1,
		.created_at = 1796349792LL * 1000000, /* 2026-12-04T02:03:12Z */
	};
	if (!base || curlev_new(base, NULL, &e) < 0 || notify_new(e, c, &n) < 0) {
		fprintf(stderr, "notify-send: cannot set up\n");
		return 1;
	}
	r = notify_target_parse(argv[2], &t);
	if (r < 0) {
		fprintf(stderr, "notify-send: bad recipient '%s'\n", argv[2]);
		return 1;
	}
	r = notify_send(n, &t, &m, on_done, &done);
	if (r < 0) {
		fprintf(stderr, "notify-send: notify_send: %d\n", r);
		return 1;
	}
	while (!done)
		event_base_loop(base, EVLOOP_ONCE);
	notify_free(n);
	curlev_free(e);
	event_base_free(base);
	config_free(c);
	diag_list_clear(&dl);
	curl_global_cleanup();
	return 0;
}
