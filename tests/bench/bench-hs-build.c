/* Hyperscan compiles in children under limits, cached (bench-hs-build.h). */
#include "bench-hs-build.h"

#include <errno.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/resource.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

uint64_t hsb_hash(uint64_t h, const void *p, size_t n)
{
	const unsigned char *s = p;
	for (size_t i = 0; i < n; i++)
		h = (h ^ s[i]) * 0x100000001b3ull;
	return h;
}

const char *hsb_cache_dir(void)
{
	const char *d = getenv("BENCH_HS_CACHE");
	d = d && *d ? d : "/tmp/vakt-hsbench";
	if (mkdir(d, 0700) < 0 && errno != EEXIST) {
		fprintf(stderr, "bench-hyperscan: cannot create %s: %s\n", d, strerror(errno));
		exit(1);
	}
	return d;
}

static double cpu_ms_self(void)
{
	struct timespec ts;
	clock_gettime(CLOCK_PROCESS_CPUTIME_ID, &ts);
	return (double)ts.tv_sec * 1e3 + (double)ts.tv_nsec / 1e6;
}

/* In the child: the limits (the address space counts what the parent
 * had mapped too, which is small beside the limit). */
static void child_limits(const struct hsb_limits *lim)
{
	struct rlimit cpu = { lim->cpu_s, lim->cpu_s + 2 };
	struct rlimit as = { lim->as_mb << 20, lim->as_mb << 20 };
	setrlimit(RLIMIT_CPU, &cpu);
	setrlimit(RLIMIT_AS, &as);
}

/* Write all of p to fd (a pipe or a file). */
static int write_all(int fd, const void *p, size_t n)
{
	const char *s = p;
	while (n) {
		ssize_t w = write(fd, s, n);
		if (w < 0 && errno == EINTR)
			continue;
		if (w <= 0)
			return -1;
		s += w;
		n -= (size_t)w;
	}
	return 0;
}

/* Run fn(arg, fd) in a child under lim; its result (rsize bytes written
 * to fd) into res.  Returns 1 when the child delivered it, 0 when it was
 * killed or failed (*cpu_ms its CPU time then), -1 when it could not
 * run. */
static int run_child(void (*fn)(void *, int), void *arg, const struct hsb_limits *lim, void *res,
                     size_t rsize, double *cpu_ms)
{
	int fds[2];
	if (pipe(fds) < 0)
		return -1;
	fflush(stdout);
	fflush(stderr);
	pid_t pid = fork();
	if (pid < 0) {
		close(fds[0]);
		close(fds[1]);
		return -1;
	}
	if (pid == 0) {
		close(fds[0]);
		child_limits(lim);
		fn(arg, fds[1]);
		_exit(0);
	}
	close(fds[1]);
	size_t got = 0;
	while (got < rsize) {
		ssize_t r = read(fds[0], (char *)res + got, rsize - got);
		if (r < 0 && errno == EINTR)
			continue;
		if (r <= 0)
			break;
		got += (size_t)r;
	}
	close(fds[0]);
	int st;
	struct rusage ru;
	while (wait4(pid, &st, 0, &ru) < 0)
		if (errno != EINTR)
			return -1;
	*cpu_ms = (double)ru.ru_utime.tv_sec * 1e3 + (double)ru.ru_utime.tv_usec / 1e3 +
	          (double)ru.ru_stime.tv_sec * 1e3 + (double)ru.ru_stime.tv_usec / 1e3;
	return got == rsize && WIFEXITED(st) && WEXITSTATUS(st) == 0;
}

/* ---- one pattern alone ---- */

struct probe_job {
	const char *src;
	unsigned flags;
};

static void probe_child(void *arg, int fd)
{
	const struct probe_job *j = arg;
	struct hsb_probe p = { 0 };
	double t0 = cpu_ms_self();
	for (int t = 0; t < 2; t++) {
		hs_database_t *db = NULL;
		hs_compile_error_t *err = NULL;
		unsigned f = t ? j->flags | HS_FLAG_PREFILTER : j->flags;
		if (hs_compile(j->src, f, HS_MODE_BLOCK, NULL, &db, &err) == HS_SUCCESS) {
			p.status = t ? HSB_PREFILTER : HSB_OK;
			hs_database_size(db, &p.bytes);
			hs_free_database(db);
			break;
		}
		p.status = HSB_REFUSED;
		snprintf(p.why, sizeof(p.why), "%s", err->message);
		hs_free_compile_error(err);
		if (j->flags & HS_FLAG_PREFILTER)
			break;
	}
	p.cpu_ms = cpu_ms_self() - t0;
	if (write_all(fd, &p, sizeof(p)) < 0)
		_exit(1);
}

/* The probe cache of these limits: read once, appended to. */
struct probe_cache {
	uint64_t key;
	FILE *out;
	uint64_t *keys;
	struct hsb_probe *v;
	size_t n, cap;
};

static struct probe_cache pc;

static void cache_put(uint64_t key, const struct hsb_probe *p)
{
	if (pc.n == pc.cap) {
		pc.cap = pc.cap ? 2 * pc.cap : 1024;
		pc.keys = realloc(pc.keys, pc.cap * sizeof(*pc.keys));
		pc.v = realloc(pc.v, pc.cap * sizeof(*pc.v));
		if (!pc.keys || !pc.v) {
			fprintf(stderr, "bench-hyperscan: out of memory\n");
			exit(1);
		}
	}
	pc.keys[pc.n] = key;
	pc.v[pc.n++] = *p;
}

static void cache_open(const struct hsb_limits *lim)
{
	char buf[64];
	int len = snprintf(buf, sizeof(buf), "%u %zu ", lim->cpu_s, lim->as_mb);
	uint64_t key = hsb_hash(HSB_HASH_INIT, hs_version(), strlen(hs_version()));
	key = hsb_hash(key, buf, (size_t)len);
	if (pc.out && pc.key == key)
		return;
	if (pc.out)
		fclose(pc.out);
	pc.n = 0;
	pc.key = key;
	char *path;
	if (asprintf(&path, "%s/probe-%016llx.tsv", hsb_cache_dir(), (unsigned long long)key) < 0)
		exit(1);
	FILE *in = fopen(path, "r");
	char line[512];
	while (in && fgets(line, sizeof(line), in)) {
		unsigned long long k;
		int st, off = 0;
		struct hsb_probe p = { 0 };
		if (sscanf(line, "%llx\t%d\t%lf\t%zu\t%n", &k, &st, &p.cpu_ms, &p.bytes, &off) <
		            4 ||
		    st < HSB_OK || st > HSB_OVER_LIMIT)
			continue; /* a line cut short by a killed run */
		p.status = (enum hsb_status)st;
		snprintf(p.why, sizeof(p.why), "%.*s", (int)strcspn(line + off, "\n"), line + off);
		cache_put(k, &p);
	}
	if (in)
		fclose(in);
	pc.out = fopen(path, "a");
	free(path);
}

int hsb_probe(const char *src, unsigned flags, const struct hsb_limits *lim, struct hsb_probe *ret)
{
	cache_open(lim);
	uint64_t key = hsb_hash(HSB_HASH_INIT, &flags, sizeof(flags));
	key = hsb_hash(key, src, strlen(src) + 1);
	for (size_t i = 0; i < pc.n; i++)
		if (pc.keys[i] == key) {
			*ret = pc.v[i];
			return 0;
		}
	struct probe_job j = { src, flags };
	struct hsb_probe p = { 0 };
	double cpu;
	int r = run_child(probe_child, &j, lim, &p, sizeof(p), &cpu);
	if (r < 0)
		return -1;
	if (r == 0)
		p = (struct hsb_probe){ .status = HSB_OVER_LIMIT, .cpu_ms = cpu };
	p.why[sizeof(p.why) - 1] = '\0';
	for (char *c = p.why; *c; c++)
		if (*c == '\n' || *c == '\t')
			*c = ' ';
	cache_put(key, &p);
	if (pc.out) {
		fprintf(pc.out, "%016llx\t%d\t%.1f\t%zu\t%s\n", (unsigned long long)key,
		        (int)p.status, p.cpu_ms, p.bytes, p.why);
		fflush(pc.out);
	}
	*ret = p;
	return 0;
}

/* ---- a database ---- */

struct db_job {
	const char *const *src;
	const unsigned *flags, *ids;
	size_t n;
	const char *path;
	uint64_t key;
};

/* What the database's child reports. */
struct db_result {
	int ok;
	long expression;
	double cpu_ms;
	char why[160];
};

static void db_child(void *arg, int fd)
{
	const struct db_job *j = arg;
	struct db_result r = { 0 };
	hs_database_t *db = NULL;
	hs_compile_error_t *err = NULL;
	double t0 = cpu_ms_self();
	if (hs_compile_multi(j->src, j->flags, j->ids, (unsigned)j->n, HS_MODE_BLOCK, NULL, &db,
	                     &err) != HS_SUCCESS) {
		r.expression = err->expression;
		snprintf(r.why, sizeof(r.why), "%s", err->message);
		r.cpu_ms = cpu_ms_self() - t0;
		_exit(write_all(fd, &r, sizeof(r)) < 0);
	}
	r.cpu_ms = cpu_ms_self() - t0;
	char *bytes, *tmp;
	size_t len;
	if (hs_serialize_database(db, &bytes, &len) != HS_SUCCESS ||
	    asprintf(&tmp, "%s.%d.tmp", j->path, (int)getpid()) < 0)
		_exit(1);
	FILE *f = fopen(tmp, "w");
	if (!f ||
	    fprintf(f, "vakt-hs 1 %016llx %.1f\n", (unsigned long long)j->key, r.cpu_ms) < 0 ||
	    fwrite(bytes, 1, len, f) != len || fclose(f) != 0 || rename(tmp, j->path) < 0)
		_exit(1);
	r.ok = 1;
	_exit(write_all(fd, &r, sizeof(r)) < 0);
}

/* The cached database at path if its key is `key`; NULL if none. */
static hs_database_t *db_read(const char *path, uint64_t key, double *cpu_ms)
{
	FILE *f = fopen(path, "r");
	if (!f)
		return NULL;
	unsigned long long k = 0;
	hs_database_t *db = NULL;
	char *buf = NULL;
	long size = 0, start = 0;
	if (fscanf(f, "vakt-hs 1 %llx %lf", &k, cpu_ms) == 2 && k == key && fgetc(f) == '\n' &&
	    (start = ftell(f)) > 0 && fseek(f, 0, SEEK_END) == 0 && (size = ftell(f) - start) > 0 &&
	    fseek(f, start, SEEK_SET) == 0 && (buf = malloc((size_t)size)) &&
	    fread(buf, 1, (size_t)size, f) == (size_t)size &&
	    hs_deserialize_database(buf, (size_t)size, &db) != HS_SUCCESS)
		db = NULL;
	free(buf);
	fclose(f);
	return db;
}

int hsb_compile(const char *const *src, const unsigned *flags, const unsigned *ids, size_t n,
                const struct hsb_limits *lim, struct hsb_build *ret)
{
	*ret = (struct hsb_build){ .expression = -1 };
	uint64_t key = hsb_hash(HSB_HASH_INIT, hs_version(), strlen(hs_version()));
	key = hsb_hash(key, "block", 5);
	for (size_t i = 0; i < n; i++) {
		key = hsb_hash(key, src[i], strlen(src[i]) + 1);
		key = hsb_hash(key, &flags[i], sizeof(flags[i]));
		key = hsb_hash(key, &ids[i], sizeof(ids[i]));
	}
	char *path;
	if (asprintf(&path, "%s/db-%016llx.hs", hsb_cache_dir(), (unsigned long long)key) < 0)
		return -1;
	if ((ret->db = db_read(path, key, &ret->cpu_ms))) {
		ret->cached = 1;
		free(path);
		return 0;
	}
	struct db_job j = { src, flags, ids, n, path, key };
	struct db_result r = { 0 };
	double cpu;
	int rc = run_child(db_child, &j, lim, &r, sizeof(r), &cpu);
	if (rc < 0) {
		free(path);
		return -1;
	}
	if (rc == 0) {
		ret->status = HSB_OVER_LIMIT;
		ret->cpu_ms = cpu;
		snprintf(ret->why, sizeof(ret->why),
		         "killed after %.0f ms CPU (limits %u s, %zu MiB)", cpu, lim->cpu_s,
		         lim->as_mb);
	} else if (!r.ok) {
		ret->status = HSB_REFUSED;
		ret->expression = r.expression;
		ret->cpu_ms = r.cpu_ms;
		r.why[sizeof(r.why) - 1] = '\0';
		memcpy(ret->why, r.why, sizeof(ret->why));
	} else {
		ret->cpu_ms = r.cpu_ms;
		if (!(ret->db = db_read(path, key, &ret->cpu_ms))) {
			free(path);
			errno = EIO;
			return -1;
		}
	}
	free(path);
	return 0;
}
