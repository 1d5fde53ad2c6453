/* bench-queue: the queue, /v1/accounts and clock decisions at city scale
 * (issue 9), measured through the real API handlers.
 *
 *   bench-queue [ACCOUNTS [CLOCKS [POLLS]]]
 *
 * Builds, in a temporary directory, a configuration of ACCOUNTS accounts
 * (default 800) in 40 units and a store holding POLLS polls per account
 * (default 750: three a business day for a year) through store_poll_begin
 * and store_poll_end, in time order across the accounts as the poller
 * records them, and CLOCKS open respond clocks (default 50,000)
 * through store_item_upsert and deadline_start, spread over the accounts
 * and the last 30 days (every tenth one published just now, so it can be
 * paused).  The build connection runs with synchronous=OFF and 1,000 items
 * share one transaction; neither changes what is stored.
 *
 * Then it measures through api_route(), p50/p99 over many requests:
 * GET /v1/queue for a unit and for an account (first page and a page deep
 * in, through the `next` cursors), the whole queue's first page,
 * GET /v1/accounts, and a clock decision (POST pause/resume) with the
 * daemon's notification wired to the real poller, which re-plans the
 * decision's account; for comparison a re-plan of every account (what
 * each decision cost before).  Prints a table. */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include <event2/event.h>

#include "api/api.h"
#include "deadline/deadline.h"
#include "store/store-db.h"
#include "util/clock.h"
#include "util/ctimer.h"
#include "vaktd/poller.h"

#define N_UNITS 40
#define DAY_USEC (INT64_C(86400) * USEC_PER_SEC)
#define BATCH 1000

static struct config *cfg;

static const struct config *get_config(void *arg)
{
	(void)arg;
	return cfg;
}

static double mono_ms(void)
{
	struct timespec ts;
	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (double)ts.tv_sec * 1e3 + (double)ts.tv_nsec / 1e6;
}

static double cpu_ms(void)
{
	struct timespec ts;
	clock_gettime(CLOCK_THREAD_CPUTIME_ID, &ts);
	return (double)ts.tv_sec * 1e3 + (double)ts.tv_nsec / 1e6;
}

/* CPU time of the last get(): the machine may be shared, and wall time
 * then includes other processes' turns. */
static double last_cpu;

static int cmp_double(const void *a, const void *b)
{
	double x = *(const double *)a, y = *(const double *)b;
	return x < y ? -1 : x > y;
}

struct stat_ms {
	double p50, p99, max;
};

static struct stat_ms summarize(double *v, size_t n)
{
	qsort(v, n, sizeof(*v), cmp_double);
	return (struct stat_ms){ v[n / 2], v[(n * 99) / 100 < n ? (n * 99) / 100 : n - 1],
		                 v[n - 1] };
}

static void write_file(const char *path, const char *text)
{
	FILE *f = fopen(path, "w");
	if (!f || fputs(text, f) < 0 || fclose(f) != 0) {
		perror(path);
		exit(1);
	}
}

static void make_config(const char *dir, int accounts)
{
	char path[4300], buf[512];
	snprintf(path, sizeof(path), "%s/conf", dir);
	mkdir(path, 0700);
	snprintf(path, sizeof(path), "%s/conf/accounts.d", dir);
	mkdir(path, 0700);
	size_t cap = 96 * N_UNITS + 64, len = 0;
	char *main_conf = malloc(cap);
	len += (size_t)snprintf(main_conf + len, cap - len, "[Daemon]\nLogLevel=warning\n");
	for (int u = 0; u < N_UNITS; u++)
		len += (size_t)
		        snprintf(main_conf + len, cap - len,
		                 "[Unit u%02d]\nTitle=Unit %d\nManagerEmail=u%d@bench.invalid\n", u,
		                 u, u);
	snprintf(path, sizeof(path), "%s/conf/vaktd.conf", dir);
	write_file(path, main_conf);
	free(main_conf);
	for (int a = 0; a < accounts; a++) {
		snprintf(path, sizeof(path), "%s/conf/accounts.d/a%03d.conf", dir, a);
		snprintf(buf, sizeof(buf),
		         "[Account]\nPlatform=facebook\nUnit=u%02d\nExternalId=%d\n", a % N_UNITS,
		         1000 + a);
		write_file(path, buf);
	}
}

static void must(int r, const char *what)
{
	if (r != 0) {
		fprintf(stderr, "bench-queue: %s: %d\n", what, r);
		exit(1);
	}
}

static struct api_response get(const struct api_env *env, const char *method, const char *path,
                               const char *query, double *ms)
{
	struct api_response r;
	double t0 = mono_ms(), c0 = cpu_ms();
	must(api_route(env, method, path, query, NULL, 0, &r), path);
	*ms = mono_ms() - t0;
	last_cpu = cpu_ms() - c0;
	if (r.status != 200) {
		char *txt = cJSON_PrintUnformatted(r.body);
		fprintf(stderr, "bench-queue: %s %s?%s: %d %s\n", method, path, query ? query : "",
		        r.status, txt);
		exit(1);
	}
	return r;
}

static struct poller *poller;

/* As vaktd wires it: /v1/accounts asks the poller for the next poll. */
static int on_next_poll(void *arg, const char *account, int64_t *ret)
{
	(void)arg;
	return poller_next_due(poller, account, ret);
}

static void on_changed(void *arg, const char *account)
{
	(void)arg;
	poller_refresh(poller, account);
}

static void row(const char *what, struct stat_ms s, struct stat_ms c, const char *note)
{
	printf("%-40s %8.2f %8.2f %8.2f %8.2f  %s\n", what, s.p50, s.p99, c.p50, c.p99, note);
}

int main(int argc, char **argv)
{
	int n_accounts = argc > 1 ? atoi(argv[1]) : 800;
	int n_clocks = argc > 2 ? atoi(argv[2]) : 50000;
	int n_polls = argc > 3 ? atoi(argv[3]) : 750;
	char *dir = NULL, path[4300], conf[4300], sock[4300];
	struct diag_list dl = { 0 };
	struct store *store = NULL;

	if (n_accounts < 1 || n_accounts > 100000 || n_clocks < 1 || n_polls < 0) {
		fprintf(stderr, "usage: bench-queue [ACCOUNTS [CLOCKS [POLLS]]]\n");
		return 2;
	}
	if (asprintf(&dir, "%s/vakt-bench-XXXXXX", getenv("TMPDIR") ? getenv("TMPDIR") : "/tmp") <
	            0 ||
	    !mkdtemp(dir))
		return 1;
	make_config(dir, n_accounts);
	snprintf(conf, sizeof(conf), "%s/conf", dir);
	snprintf(sock, sizeof(sock), "%s/api.sock", dir);
	struct config_overrides ovr = { .state_dir = dir, .api_socket = sock };
	if (config_load(conf, &ovr, &cfg, &dl) != 0) {
		for (size_t i = 0; i < dl.n; i++)
			fprintf(stderr, "%s\n", dl.v[i].msg);
		return 1;
	}
	snprintf(path, sizeof(path), "%s/vakt.db", dir);
	must(store_open(path, &store, NULL, 0), "store_open");
	sqlite3_exec(store_db(store), "PRAGMA synchronous=OFF", NULL, NULL, NULL);
	must(store_accounts_sync(store, cfg, "bench"), "store_accounts_sync");

	int64_t now = clock_now_usec();
	double t0 = mono_ms();
	/* A year of polls per account, in the order the poller records them
	 * (every account's first, then every account's second, ...), so the
	 * newest polls lie together at the end of the table as in a real
	 * store; BATCH polls a transaction. */
	int64_t step = n_polls ? 365 * DAY_USEC / n_polls : 0;
	long n_done = 0;
	for (int i = 0; i < n_polls; i++) {
		for (size_t a = 0; a < cfg->n_accounts; a++, n_done++) {
			int64_t at = now - 365 * DAY_USEC + i * step +
			             (int64_t)a * (step / (int64_t)cfg->n_accounts),
			        id = 0;
			if (n_done % BATCH == 0)
				must(store_begin(store), "begin");
			must(store_poll_begin(store, cfg->accounts[a].id, at, at, &id), "poll");
			must(store_poll_end(store, id, at + USEC_PER_SEC, "ok", 0, 0, NULL),
			     "poll end");
			if (n_done % BATCH == BATCH - 1)
				must(store_commit(store), "commit");
		}
	}
	if (n_done % BATCH != 0)
		must(store_commit(store), "commit");
	double t_polls = mono_ms() - t0;

	/* Open clocks. */
	t0 = mono_ms();
	int64_t *pausable = calloc((size_t)n_clocks / 10 + 1, sizeof(*pausable));
	size_t n_pausable = 0;
	for (int i = 0; i < n_clocks; i++) {
		const struct config_account *a = &cfg->accounts[(size_t)i % cfg->n_accounts];
		char pid[32];
		int64_t item = 0, version = 0, id = 0;
		int64_t pub =
		        i % 10 == 0 ? now - 60 * USEC_PER_SEC
		                    : now - 30 * DAY_USEC + (int64_t)i * (30 * DAY_USEC / n_clocks);
		snprintf(pid, sizeof(pid), "c%d", i);
		struct store_item_in in = { .account = a->id,
			                    .platform_id = pid,
			                    .kind = "comment",
			                    .text = "Hej! När öppnar biblioteket på lördag?",
			                    .published_at = pub,
			                    .platform_state = "visible" };
		if (i % BATCH == 0)
			must(store_begin(store), "begin");
		must(store_item_upsert(store, &in, pub, &item, &version), "item");
		must(deadline_start(store, a->cal, &a->deadlines, item, DEADLINE_RESPOND, pub, now,
		                    "bench", &id),
		     "deadline_start");
		if (i % 10 == 0)
			pausable[n_pausable++] = id;
		if (i % BATCH == BATCH - 1 || i == n_clocks - 1)
			must(store_commit(store), "commit");
	}
	double t_clocks = mono_ms() - t0;
	sqlite3_exec(store_db(store), "PRAGMA synchronous=NORMAL; PRAGMA optimize", NULL, NULL,
	             NULL);

	struct event_base *base = event_base_new();
	struct ctimers *timers = NULL;
	must(ctimers_new(base, &timers), "ctimers");
	struct poller_env penv = {
		.timers = timers, .store = store, .config = get_config, .config_arg = NULL
	};
	t0 = mono_ms();
	must(poller_new(&penv, &poller), "poller_new");
	double t_poller = mono_ms() - t0;

	struct api_env env = {
		.store = store,
		.config = cfg,
		.config_generation = 1,
		.started_usec = now,
		.config_loaded_usec = now,
		.state = "running",
		.changed = on_changed,
		.next_poll = on_next_poll,
	};

	printf("bench-queue: %d accounts in %d units, %d polls per account (%lld in all), "
	       "%d open clocks\n",
	       n_accounts, N_UNITS, n_polls, (long long)n_accounts * n_polls, n_clocks);
	printf("build: polls %.1f s, clocks %.1f s; poller start (every account) %.1f ms\n\n",
	       t_polls / 1e3, t_clocks / 1e3, t_poller);
	printf("%-40s %8s %8s %8s %8s\n", "ms", "p50", "p99", "cpu p50", "cpu p99");

	enum { REPS = 200 };
	double ms[REPS], cpu[REPS];
	char q[512];
	size_t bytes = 0;

	/* A unit's queue, first page, cycling through the units. */
	for (int i = 0; i < REPS; i++) {
		snprintf(q, sizeof(q), "unit=u%02d&limit=100", i % N_UNITS);
		struct api_response r = get(&env, "GET", "/v1/queue", q, &ms[i]);
		cpu[i] = last_cpu;
		char *txt = cJSON_PrintUnformatted(r.body);
		bytes = strlen(txt);
		free(txt);
		api_response_clear(&r);
	}
	char note[128];
	snprintf(note, sizeof(note), "%d clocks a unit, 100 a page, %zu bytes", n_clocks / N_UNITS,
	         bytes);
	row("GET /v1/queue?unit=U&limit=100", summarize(ms, REPS), summarize(cpu, REPS), note);

	/* A unit's queue ten pages deep, following the cursors. */
	size_t n = 0;
	double deep[REPS], deep_cpu[REPS];
	for (int u = 0; u < N_UNITS && n < REPS; u++) {
		char next[DEADLINE_CURSOR_MAX] = "";
		for (int pg = 0; pg < 10 && n < REPS; pg++) {
			snprintf(q, sizeof(q), "unit=u%02d&limit=100%s%s", u,
			         *next ? "&after=" : "", next);
			struct api_response r = get(&env, "GET", "/v1/queue", q, &deep[n++]);
			deep_cpu[n - 1] = last_cpu;
			const cJSON *nx = cJSON_GetObjectItemCaseSensitive(r.body, "next");
			snprintf(next, sizeof(next), "%s",
			         cJSON_IsString(nx) ? nx->valuestring : "");
			api_response_clear(&r);
			if (!*next)
				break;
		}
	}
	row("GET /v1/queue?unit=U&limit=100&after=C", summarize(deep, n), summarize(deep_cpu, n),
	    "pages 1-10 of each unit");

	for (int i = 0; i < REPS; i++) {
		snprintf(q, sizeof(q), "account=a%03d&limit=100", (i * 7) % n_accounts);
		struct api_response r = get(&env, "GET", "/v1/queue", q, &ms[i]);
		cpu[i] = last_cpu;
		api_response_clear(&r);
	}
	snprintf(note, sizeof(note), "%d clocks an account", n_clocks / n_accounts);
	row("GET /v1/queue?account=A&limit=100", summarize(ms, REPS), summarize(cpu, REPS), note);

	for (int i = 0; i < REPS; i++) {
		struct api_response r = get(&env, "GET", "/v1/queue", NULL, &ms[i]);
		cpu[i] = last_cpu;
		api_response_clear(&r);
	}
	row("GET /v1/queue (default limit 100)", summarize(ms, REPS), summarize(cpu, REPS),
	    "every unit");

	enum { AREPS = 50 };
	for (int i = 0; i < AREPS; i++) {
		struct api_response r = get(&env, "GET", "/v1/accounts", NULL, &ms[i]);
		cpu[i] = last_cpu;
		if (i == 0) {
			char *txt = cJSON_PrintUnformatted(r.body);
			bytes = strlen(txt);
			free(txt);
		}
		api_response_clear(&r);
	}
	snprintf(note, sizeof(note), "%d accounts, %zu bytes", n_accounts, bytes);
	row("GET /v1/accounts", summarize(ms, AREPS), summarize(cpu, AREPS), note);

	/* Decisions: pause, then resume, each re-planning its account. */
	size_t nd = 0;
	for (size_t i = 0; i < n_pausable && nd + 1 < REPS; i++) {
		char p[64];
		snprintf(p, sizeof(p), "/v1/deadlines/%lld/pause", (long long)pausable[i]);
		struct api_response r = get(&env, "POST", p, NULL, &ms[nd++]);
		cpu[nd - 1] = last_cpu;
		api_response_clear(&r);
		snprintf(p, sizeof(p), "/v1/deadlines/%lld/resume", (long long)pausable[i]);
		r = get(&env, "POST", p, NULL, &ms[nd++]);
		cpu[nd - 1] = last_cpu;
		api_response_clear(&r);
	}
	if (nd)
		row("POST /v1/deadlines/N/pause|resume", summarize(ms, nd), summarize(cpu, nd),
		    "one decision + re-plan of its account");

	for (int i = 0; i < 5; i++) {
		t0 = mono_ms();
		double c0 = cpu_ms();
		poller_refresh(poller, NULL);
		ms[i] = mono_ms() - t0;
		cpu[i] = cpu_ms() - c0;
	}
	row("re-plan of every account (before)", summarize(ms, 5), summarize(cpu, 5),
	    "what each decision cost before");

	poller_free(poller);
	ctimers_free(timers);
	event_base_free(base);
	store_close(store);
	config_free(cfg);
	diag_list_clear(&dl);
	free(pausable);
	snprintf(path, sizeof(path), "rm -rf '%s'", dir);
	if (system(path) != 0)
		fprintf(stderr, "bench-queue: cannot remove %s\n", dir);
	free(dir);
	return 0;
}
