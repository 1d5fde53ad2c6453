/* vaktd: command line, then the daemon's life cycle. */
#include <getopt.h>
#include <malloc.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <curl/curl.h>

#include "util/clock.h"
#include "util/log.h"
#include "vaktd/daemon.h"

static void usage(FILE *out)
{
	fprintf(out,
	        "usage: vaktd [OPTIONS]\n"
	        "\n"
	        "  -c, --config DIR       configuration directory (default /etc/vakt)\n"
	        "      --check-config     validate the configuration, print every error, exit\n"
	        "      --state-dir DIR    where the database lives (default $STATE_DIRECTORY\n"
	        "                         or /var/lib/vakt; overrides StateDirectory=)\n"
	        "      --socket PATH      API socket (default $RUNTIME_DIRECTORY/api.sock\n"
	        "                         or /run/vakt/api.sock; overrides [Api] Socket=)\n"
	        "      --test-clock SPEC  run on simulated time, for tests only:\n"
	        "                         START[,xFACTOR], e.g. 2026-06-18T07:00:00+02:00,x3600,\n"
	        "                         or START,manual: stands still until `vaktctl testclock`\n"
	        "                         moves it\n"
	        "  -h, --help             this text\n"
	        "      --version          print the version\n");
}

/* The command line into opts: -1 to go on, or the exit code. */
static int parse_args(int argc, char **argv, struct daemon_opts *opts)
{
	enum { OPT_CHECK = 256, OPT_STATE, OPT_SOCKET, OPT_CLOCK, OPT_VERSION };
	static const struct option longopts[] = {
		{ "config", required_argument, NULL, 'c' },
		{ "check-config", no_argument, NULL, OPT_CHECK },
		{ "state-dir", required_argument, NULL, OPT_STATE },
		{ "socket", required_argument, NULL, OPT_SOCKET },
		{ "test-clock", required_argument, NULL, OPT_CLOCK },
		{ "help", no_argument, NULL, 'h' },
		{ "version", no_argument, NULL, OPT_VERSION },
		{ NULL, 0, NULL, 0 },
	};
	int c;

	opts->config_dir = "/etc/vakt";
	while ((c = getopt_long(argc, argv, "c:h", longopts, NULL)) != -1) {
		switch (c) {
		case 'c':
			opts->config_dir = optarg;
			break;
		case OPT_CHECK:
			opts->check_only = true;
			break;
		case OPT_STATE:
			opts->ovr.state_dir = optarg;
			break;
		case OPT_SOCKET:
			opts->ovr.api_socket = optarg;
			break;
		case OPT_CLOCK: {
			int64_t start;
			double factor;
			if (clock_parse_spec(optarg, &start, &factor) < 0) {
				fprintf(stderr,
				        "vaktd: invalid --test-clock '%s' (expected "
				        "START[,xFACTOR] or START,manual, e.g. "
				        "2026-06-18T07:00:00+02:00,x3600)\n",
				        optarg);
				return 2;
			}
			if (factor == CLOCK_MANUAL)
				clock_set_manual(start);
			else
				clock_set_simulated(start, factor);
			break;
		}
		case 'h':
			usage(stdout);
			return 0;
		case OPT_VERSION:
			printf("vaktd %s\n", VAKT_VERSION);
			return 0;
		default:
			usage(stderr);
			return 2;
		}
	}
	if (optind < argc) {
		fprintf(stderr, "vaktd: unexpected argument '%s'\n", argv[optind]);
		usage(stderr);
		return 2;
	}
	return -1;
}

int main(int argc, char **argv)
{
	struct daemon d = { 0 };

	/* A client that hangs up must not kill the daemon (EPIPE instead). */
	signal(SIGPIPE, SIG_IGN);
	/* Keep freed heap instead of handing it back to the kernel after every
	 * large free: SQLite allocates and frees a page cache for each
	 * statement that needs a temporary one, and with glibc's default
	 * (128 KiB, adjusted as it goes) every such statement gave the top of
	 * the heap back and faulted it in again -- 1.5 ms per delivery's
	 * "sending" mark on a virtual machine, the larger part of the time from
	 * a burst of escalations to their delivery (tests/bench/
	 * bench-notify-outbox.py).  32 MiB is kept at most. */
	mallopt(M_TRIM_THRESHOLD, 32 << 20);
	/* And allocate blocks of up to 4 MB from that heap, not with mmap():
	 * /v1/accounts builds and frees about 1 MB of JSON a request (70,000
	 * small cJSON blocks and a 450 KB text), and each mmap()ed block was
	 * faulted in afresh: with glibc's defaults 24 ms of the daemon's CPU
	 * per request, 7-8 ms with both settings (docs/store.md). */
	mallopt(M_MMAP_THRESHOLD, 4 * 1024 * 1024);
	int rc = parse_args(argc, argv, &d.opts);
	if (rc >= 0)
		return rc;
	/* libcurl's global state, once, before anything else runs. */
	if (curl_global_init(CURL_GLOBAL_DEFAULT) != CURLE_OK) {
		fprintf(stderr, "vaktd: cannot initialise libcurl\n");
		return 1;
	}
	if (d.opts.check_only) {
		rc = daemon_check_config(&d.opts);
		goto out;
	}

	log_open("vaktd");
	if (clock_is_manual())
		log_warning("running on the manual test clock: time stands still until `vaktctl "
		            "testclock` moves it");
	else if (clock_is_simulated(NULL))
		log_warning("running on the test clock: time is simulated");
	if (daemon_start(&d) != 0)
		rc = 1;
	else
		rc = daemon_run(&d);
	daemon_free(&d);
	if (rc == 0)
		log_info("stopped");
out:
	curl_global_cleanup();
	return rc;
}
