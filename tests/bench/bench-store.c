/* bench-store: the store at city scale (issue 9), built through vakt's own
 * functions and measured through the real API handlers.
 *
 *   bench-store RULES_DIR [ITEMS] [CACHE_DIR] [--build-only]
 *
 * Builds (or reuses from CACHE_DIR) a store of ITEMS comments (default
 * 1,000,000) spread over 800 accounts in 40 units and one year: every item
 * goes through pipeline_ingest() (store_item_upsert, the filter engine on
 * the generated text, store_verdict_insert, deadline_start for questions
 * and hits, our own replies meeting half of the questions' clocks, each
 * with its audit entries), and a year of hourly polls per account through
 * store_poll_begin/end (scaled down with ITEMS).  Only two shortcuts,
 * neither of which changes what is stored: 2,000 items share one outer
 * transaction and the build connection runs with synchronous=OFF.
 *
 * Then it measures, on the cached file: the daemon's start-up path
 * (store_open with its migrations, store_accounts_sync, pipeline_repair,
 * store_counts), GET /v1/status, /v1/accounts and /v1/queue for a unit and
 * an account through api_route() (p50/p99), and the bytes on disk per
 * ordinary comment (a separate store of plain comments), and prints a
 * table.  The cache file is named after ITEMS and the schema version; when
 * there is none for this schema but one of an older schema, a copy of that
 * is migrated by the start-up path (measured, once) instead of building
 * anew.
 * With --build-only it builds (or finds) the store, prints its path and
 * stops (the query-plan test uses that). */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include "api/api.h"
#include "bench-rng.h"
#include "store/store-db.h"
#include "pipeline/pipeline.h"
#include "util/clock.h"

#define N_ACCOUNTS 800
#define N_UNITS 40
#define YEAR_USEC (INT64_C(365) * 86400 * USEC_PER_SEC)
#define BATCH 2000
/* Bumped whenever what the generator stores changes: old caches are not reused. */
#define GENERATOR 1

static uint64_t rng = BENCH_RNG_SEED;

static unsigned rnd(unsigned n)
{
	return bench_rng_below(&rng, n);
}

static const char *const words[] = {
	"hej",          "tack",       "för",      "att",    "ni",       "har",
	"öppet",        "på",         "lördag",   "parken", "så",       "skräpig",
	"igen",         "kommunen",   "borde",    "göra",   "något",    "åt",
	"det",          "här",        "bussen",   "kom",    "aldrig",   "i",
	"morse",        "jag",        "vill",     "bra",    "jobbat",   "med",
	"snöröjningen", "cykelbanan", "vid",      "skolan", "trevligt", "evenemang",
	"helgen",       "hela",       "familjen", "var",    "där",      "och",
	"hade",         "kul",        "fler",     "sådana", "tack",     "Farsta",
	"Kista",
};
#define N_WORDS (sizeof(words) / sizeof(words[0]))

static const char *const questions[] = {
	"När öppnar biblioteket i ",
	"Hur söker man bygglov för ett staket vid ",
	"Varför är badhuset stängt på lördag i ",
};

/* A ~160-byte comment of ordinary words. */
static void sentence(char *buf, size_t len)
{
	size_t n = 0;
	buf[0] = '\0';
	while (n < 150) {
		int k = snprintf(buf + n, len - n, "%s%s", n ? " " : "", words[rnd(N_WORDS)]);
		if (k < 0 || (size_t)k >= len - n)
			break;
		n += (size_t)k;
	}
	if (n + 1 < len) {
		buf[n++] = '.';
		buf[n] = '\0';
	}
	if (buf[0] >= 'a' && buf[0] <= 'z')
		buf[0] = (char)(buf[0] - 'a' + 'A');
}

static int write_file(const char *path, const char *text)
{
	FILE *f = fopen(path, "w");
	if (!f)
		return -errno;
	fputs(text, f);
	return fclose(f) == 0 ? 0 : -errno;
}

/* A configuration directory with 800 accounts in 40 units. */
static int write_config(const char *dir, const char *rules, const char *state)
{
	char path[8400], buf[8192];
	size_t n = 0;
	snprintf(path, sizeof(path), "%s/accounts.d", dir);
	if (mkdir(dir, 0700) < 0 && errno != EEXIST)
		return -errno;
	if (mkdir(path, 0700) < 0 && errno != EEXIST)
		return -errno;
	/* Mail routes need [Email] (--check-config refuses them without);
	 * port 1 refuses, so deliveries retry and nothing leaves the host. */
	n += (size_t)snprintf(buf + n, sizeof(buf) - n,
	                      "[Daemon]\nRulesDirectory=%s\nStateDirectory=%s\n"
	                      "[Email]\nSmtpUrl=smtp://127.0.0.1:1\nStartTls=no\n"
	                      "From=vakt@bench.invalid\n",
	                      rules, state);
	for (int u = 0; u < N_UNITS && n < sizeof(buf); u++)
		n += (size_t)snprintf(buf + n, sizeof(buf) - n,
		                      "[Unit u%02d]\nTitle=Förvaltning %d\nManager=Chef %d\n"
		                      "ManagerEmail=chef%d@bench.invalid\n"
		                      "EscalateEmail=jour%d@bench.invalid\n",
		                      u, u, u, u, u);
	snprintf(path, sizeof(path), "%s/vaktd.conf", dir);
	int r = write_file(path, buf);
	static const char *const platforms[] = { "facebook", "instagram", "x", "mastodon" };
	for (int a = 0; r == 0 && a < N_ACCOUNTS; a++) {
		snprintf(path, sizeof(path), "%s/accounts.d/a%03d.conf", dir, a);
		snprintf(buf, sizeof(buf),
		         "[Account]\nPlatform=%s\nUnit=u%02d\nTitle=Konto %d\nExternalId=%d\n"
		         "ApiBaseUrl=http://127.0.0.1:9/\n",
		         platforms[a % 4], a % N_UNITS, a, 100000 + a);
		r = write_file(path, buf);
	}
	return r;
}

static double secs(struct timespec a, struct timespec b)
{
	return (double)(b.tv_sec - a.tv_sec) + (double)(b.tv_nsec - a.tv_nsec) / 1e9;
}

static struct timespec now_ts(void)
{
	struct timespec t;
	clock_gettime(CLOCK_MONOTONIC, &t);
	return t;
}

static off_t file_size(const char *path)
{
	struct stat st;
	return stat(path, &st) == 0 ? st.st_size : 0;
}

static int64_t one_int(struct store *s, const char *sql)
{
	sqlite3_stmt *st = NULL;
	int64_t v = -1;
	if (sqlite3_prepare_v2(store_db(s), sql, -1, &st, NULL) == SQLITE_OK &&
	    sqlite3_step(st) == SQLITE_ROW)
		v = sqlite3_column_int64(st, 0);
	sqlite3_finalize(st);
	return v;
}

/* Ingest n comments into s; plain: ordinary comments only (no questions,
 * no replies), for the footprint measure. */
static int build_items(struct store *s, struct pipeline_rules *rules, const struct config *cfg,
                       long n, int plain, int64_t t0)
{
	char text[512], pid[64], parent[64], acc[16];
	int r = 0;
	for (long i = 0; r == 0 && i < n; i++) {
		if (i % BATCH == 0 && (r = store_begin(s)))
			break;
		int a = (int)(i % N_ACCOUNTS);
		snprintf(acc, sizeof(acc), "a%03d", a);
		const struct config_account *ca = config_find_account(cfg, acc);
		int64_t published = t0 + (int64_t)((double)YEAR_USEC * (double)i / (double)n);
		struct store_item_in in = {
			.account = acc,
			.platform_id = pid,
			.kind = "comment",
			.author_id = "u",
			.author_name = "Anna Andersson",
			.text = text,
			.published_at = published,
			.platform_state = "visible",
		};
		snprintf(pid, sizeof(pid), "%d_%ld", 100000 + a, i);
		long phase = (i / N_ACCOUNTS) % 20;
		if (!plain && phase == 0) {
			/* One comment in ten asks something (every 10th round
			 * of accounts, twice per 20); our own reply follows in
			 * the next round for half of them. */
			snprintf(text, sizeof(text), "%s%s?", questions[rnd(3)],
			         rnd(2) ? "Farsta" : "Kista");
		} else if (!plain && phase == 10) {
			snprintf(text, sizeof(text), "%sVällingby?", questions[rnd(3)]);
		} else if (!plain && phase == 1) {
			snprintf(parent, sizeof(parent), "%d_%ld", 100000 + a, i - N_ACCOUNTS);
			in.kind = "reply";
			in.parent_platform_id = parent;
			in.is_own = 1;
			snprintf(text, sizeof(text),
			         "Hej! Tack för frågan, vi återkommer med svar.");
		} else {
			sentence(text, sizeof(text));
		}
		struct pipeline_result res;
		r = pipeline_ingest(s, rules, ca, &in, published + 60 * USEC_PER_SEC, &res);
		if (r == 0 && (i % BATCH == BATCH - 1 || i == n - 1))
			r = store_commit(s);
		if (r == 0 && i % 100000 == 99999)
			fprintf(stderr, "  %ld items\n", i + 1);
	}
	if (r)
		store_rollback(s);
	return r;
}

static int build_polls(struct store *s, long per_account, int64_t t0)
{
	char acc[16];
	int r = 0;
	long n = 0;
	int64_t step = YEAR_USEC / (per_account ? per_account : 1);
	for (long k = 0; r == 0 && k < per_account; k++) {
		for (int a = 0; r == 0 && a < N_ACCOUNTS; a++, n++) {
			if (n % (BATCH * 5) == 0 && (r = store_begin(s)))
				break;
			int64_t id, planned = t0 + k * step + a * (step / N_ACCOUNTS);
			snprintf(acc, sizeof(acc), "a%03d", a);
			r = store_poll_begin(s, acc, planned, planned + 1000, &id);
			if (r == 0)
				r = store_poll_end(s, id, planned + 350000, k % 97 ? "ok" : "error",
				                   k % 5 == 0, 0, k % 97 ? NULL : "HTTP 503");
			if (r == 0 && n % (BATCH * 5) == BATCH * 5 - 1)
				r = store_commit(s);
		}
	}
	if (r == 0 && n % (BATCH * 5) != 0)
		r = store_commit(s);
	if (r)
		store_rollback(s);
	return r;
}

static int build(const char *path, struct pipeline_rules *rules, const struct config *cfg,
                 long items, int64_t t0)
{
	struct store *s = NULL;
	char err[256];
	int r = store_open(path, &s, err, sizeof(err));
	if (r) {
		fprintf(stderr, "bench-store: %s\n", err);
		return r;
	}
	store_exec(s, "PRAGMA synchronous=OFF");
	r = store_accounts_sync(s, cfg, "bench");
	if (r == 0)
		r = build_items(s, rules, cfg, items, 0, t0);
	/* A year of hourly polls for 1,000,000 items, in proportion below. */
	long polls = (long)(8760.0 * (double)items / 1e6);
	if (r == 0)
		r = build_polls(s, polls < 24 ? 24 : polls, t0);
	if (r)
		fprintf(stderr, "bench-store: building failed (%d): %s\n", r, store_errmsg(s));
	store_close(s);
	return r;
}

static int cmp_double(const void *a, const void *b)
{
	double x = *(const double *)a, y = *(const double *)b;
	return x < y ? -1 : x > y;
}

#define REPS 50

/* p50 and p99 in ms of a GET through api_route(); *bytes the last body. */
static int measure(const struct api_env *env, const char *path, const char *query, double *p50,
                   double *p99, size_t *bytes)
{
	double t[REPS];
	for (int i = 0; i < REPS; i++) {
		struct api_response resp = { 0 };
		struct timespec a = now_ts();
		if (api_route(env, "GET", path, query, NULL, 0, &resp) || resp.status != 200) {
			fprintf(stderr, "bench-store: GET %s%s%s: %d\n", path, query ? "?" : "",
			        query ? query : "", resp.status);
			api_response_clear(&resp);
			return -EIO;
		}
		char *txt = cJSON_PrintUnformatted(resp.body);
		t[i] = secs(a, now_ts()) * 1e3;
		*bytes = txt ? strlen(txt) : 0;
		free(txt);
		api_response_clear(&resp);
	}
	qsort(t, REPS, sizeof(t[0]), cmp_double);
	*p50 = t[REPS / 2];
	*p99 = t[REPS * 99 / 100];
	return 0;
}

/* A store an older schema's build left (the same items and generator),
 * copied into path with SQLite's backup (its WAL included): the first
 * store_open() below then migrates it, as vaktd does a store of the
 * previous release.  The schema it came from, or 0 when there is none. */
static int copy_older(const char *cache, long items, const char *path, const char *done)
{
	for (int v = store_schema_latest() - 1; v > 0; v--) {
		char old[4400], old_done[4500], txt[64] = "0";
		snprintf(old, sizeof(old), "%s/store-%ld-s%d-g%d/vakt.db", cache, items, v,
		         GENERATOR);
		snprintf(old_done, sizeof(old_done), "%s/store-%ld-s%d-g%d/built", cache, items, v,
		         GENERATOR);
		if (access(old_done, F_OK) != 0)
			continue;
		sqlite3 *src = NULL, *dst = NULL;
		int ok = sqlite3_open_v2(old, &src, SQLITE_OPEN_READONLY, NULL) == SQLITE_OK &&
		         sqlite3_open(path, &dst) == SQLITE_OK;
		sqlite3_backup *b = ok ? sqlite3_backup_init(dst, "main", src, "main") : NULL;
		ok = b && sqlite3_backup_step(b, -1) == SQLITE_DONE;
		sqlite3_backup_finish(b);
		sqlite3_close(src);
		sqlite3_close(dst);
		FILE *f = fopen(old_done, "r");
		if (f) {
			if (!fgets(txt, sizeof(txt), f))
				snprintf(txt, sizeof(txt), "0\n");
			fclose(f);
		}
		if (!ok || write_file(done, txt)) {
			fprintf(stderr, "bench-store: cannot copy %s\n", old);
			unlink(path);
			return 0;
		}
		return v;
	}
	return 0;
}

int main(int argc, char **argv)
{
	const char *rules_dir = argc > 1 ? argv[1] : NULL;
	long items = argc > 2 ? atol(argv[2]) : 1000000;
	const char *cache = argc > 3 ? argv[3] : "/var/tmp/vakt-bench-store";
	char dir[4200], path[4400], confdir[4400], err[256];
	struct diag_list dl = { 0 };
	struct config *cfg = NULL;
	struct pipeline_rules *rules = NULL;
	int r;

	if (!rules_dir || items < N_ACCOUNTS) {
		fprintf(stderr, "usage: bench-store RULES_DIR [ITEMS ≥ 800] [CACHE_DIR]\n");
		return 2;
	}
	setenv("TZ", "Europe/Stockholm", 1);
	char rules_abs[4096];
	if (!realpath(rules_dir, rules_abs)) {
		perror(rules_dir);
		return 1;
	}
	if (mkdir(cache, 0700) < 0 && errno != EEXIST) {
		perror(cache);
		return 1;
	}
	snprintf(dir, sizeof(dir), "%s/store-%ld-s%d-g%d", cache, items, store_schema_latest(),
	         GENERATOR);
	snprintf(confdir, sizeof(confdir), "%s/config", dir);
	snprintf(path, sizeof(path), "%s/vakt.db", dir);
	if ((mkdir(dir, 0700) < 0 && errno != EEXIST) || write_config(confdir, rules_abs, dir)) {
		perror(dir);
		return 1;
	}
	int rc = 1;
	/* What vaktd does before it opens the store, for comparison. */
	struct timespec c0 = now_ts();
	if (config_load(confdir, NULL, &cfg, &dl)) {
		diag_print(&dl, stderr);
		goto out;
	}
	struct timespec c1 = now_ts();
	if (pipeline_rules_load(rules_abs, 0, &rules, &dl)) {
		diag_print(&dl, stderr);
		goto out;
	}
	double config_ms = secs(c0, c1) * 1e3, rules_ms = secs(c1, now_ts()) * 1e3;
	int64_t t0 = clock_now_usec() - YEAR_USEC - 86400 * USEC_PER_SEC;

	double build_s = 0;
	char done[4400];
	snprintf(done, sizeof(done), "%s/built", dir);
	int migrated_from = 0;
	if (access(done, F_OK) != 0 && (migrated_from = copy_older(cache, items, path, done)) > 0)
		fprintf(stderr,
		        "bench-store: copied the schema-%d store to %s; it migrates below\n",
		        migrated_from, path);
	if (access(done, F_OK) != 0) {
		unlink(path);
		fprintf(stderr, "bench-store: building %ld items in %s …\n", items, path);
		struct timespec a = now_ts();
		if (build(path, rules, cfg, items, t0))
			goto out;
		build_s = secs(a, now_ts());
		char txt[64];
		snprintf(txt, sizeof(txt), "%.1f\n", build_s);
		write_file(done, txt);
	} else {
		FILE *f = fopen(done, "r");
		if (!f || fscanf(f, "%lf", &build_s) != 1)
			build_s = 0;
		if (f)
			fclose(f);
	}

	if (argc > 4 && strcmp(argv[4], "--build-only") == 0) {
		printf("%s\n", path);
		rc = 0;
		goto out;
	}

	/* The start-up path of vaktd after config and rules are loaded. */
	struct store *s = NULL;
	size_t repaired = 0;
	struct store_counts c;
	struct timespec a = now_ts();
	r = store_open(path, &s, err, sizeof(err));
	if (r == 0)
		r = store_accounts_sync(s, cfg, "bench:start");
	if (r == 0)
		r = pipeline_repair(s, rules, cfg, clock_now_usec(), &repaired);
	if (r == 0)
		r = store_counts(s, &c);
	double start_ms = secs(a, now_ts()) * 1e3;
	if (r) {
		fprintf(stderr, "bench-store: start-up path failed: %s\n",
		        s ? store_errmsg(s) : err);
		store_close(s);
		goto out;
	}

	struct api_env env = {
		.store = s,
		.rules = rules,
		.config = cfg,
		.config_generation = 1,
		.config_loaded_usec = clock_now_usec(),
		.started_usec = clock_now_usec(),
		.state = "running",
	};
	struct {
		const char *name, *path, *query;
		double p50, p99;
		size_t bytes;
	} q[] = {
		{ "GET /v1/status", "/v1/status", NULL, 0, 0, 0 },
		{ "GET /v1/accounts", "/v1/accounts", NULL, 0, 0, 0 },
		{ "GET /v1/queue?unit=u07", "/v1/queue", "unit=u07", 0, 0, 0 },
		{ "GET /v1/queue?account=a123", "/v1/queue", "account=a123", 0, 0, 0 },
	};
	for (size_t i = 0; i < sizeof(q) / sizeof(q[0]); i++)
		if (measure(&env, q[i].path, q[i].query, &q[i].p50, &q[i].p99, &q[i].bytes)) {
			store_close(s);
			goto out;
		}
	int64_t open_clocks = one_int(s, "SELECT count(*) FROM deadlines WHERE stopped_at IS NULL");
	int64_t versions = one_int(s, "SELECT count(*) FROM item_versions");
	int64_t verdicts = one_int(s, "SELECT count(*) FROM verdicts");
	store_close(s);
	off_t db_bytes = file_size(path);

	/* Footprint: a fresh store with 20,000 ordinary comments against the
	 * same store empty (both with the 800 accounts). */
	char fp[4400];
	snprintf(fp, sizeof(fp), "%s/footprint.db", dir);
	long nfp = items < 20000 ? items : 20000;
	unlink(fp);
	struct store *f = NULL;
	off_t empty = 0, full = 0;
	if (store_open(fp, &f, err, sizeof(err)) == 0) {
		store_exec(f, "PRAGMA synchronous=OFF");
		store_accounts_sync(f, cfg, "bench");
		store_close(f);
		empty = file_size(fp);
		if (store_open(fp, &f, err, sizeof(err)) == 0) {
			store_exec(f, "PRAGMA synchronous=OFF");
			build_items(f, rules, cfg, nfp, 1, t0);
			store_close(f);
			full = file_size(fp);
		}
	}
	unlink(fp);

	printf("store benchmark: %ld items (%lld versions, %lld verdicts), %lld polls, "
	       "%lld audit entries, %lld open clocks; %lld MB on disk\n",
	       items, (long long)versions, (long long)verdicts, (long long)c.polls,
	       (long long)c.audit_entries, (long long)open_clocks, (long long)(db_bytes / 1000000));
	printf("| measure | p50 | p99 | size |\n| --- | --- | --- | --- |\n");
	printf("| building the store (cached) | %.0f s | | |\n", build_s);
	printf("| start-up path (open, sync, repair, counts)%s | %.1f ms | | %zu repaired |\n",
	       migrated_from ? ", first, with the migration" : "", start_ms, repaired);
	printf("| (before it: configuration, 800 accounts) | %.1f ms | | |\n", config_ms);
	printf("| (before it: rules, compiled, examples run) | %.1f ms | | |\n", rules_ms);
	for (size_t i = 0; i < sizeof(q) / sizeof(q[0]); i++)
		printf("| %s | %.2f ms | %.2f ms | %zu B |\n", q[i].name, q[i].p50, q[i].p99,
		       q[i].bytes);
	printf("| disk per ordinary comment (%ld) | %.0f B | | |\n", nfp,
	       nfp ? (double)(full - empty) / (double)nfp : 0.0);
	rc = 0;
out:
	diag_list_clear(&dl);
	config_free(cfg);
	pipeline_rules_free(rules);
	return rc;
}
