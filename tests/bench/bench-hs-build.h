/* Hyperscan compiles for bench-hyperscan.c, each in a child process under
 * limits, their results cached on disk (docs/filter.md, "eighteenth
 * round ... issue 12").  Hyperscan's compile time is not bounded by the
 * size of what it compiles (a few patterns made one database run for
 * over 14 CPU minutes and 3.2 GB), so every compile is forked with
 * RLIMIT_CPU and RLIMIT_AS set: one that explodes is killed and counted,
 * not waited for.
 *
 * Cache (BENCH_HS_CACHE, default /tmp/vakt-hsbench): a database is
 * written with hs_serialize_database() to db-KEY.hs, KEY a 64-bit FNV-1a
 * hash of Hyperscan's version, the mode, and every pattern's source,
 * flags and id in order; the key is also stored in the file and checked
 * on reading, and hs_deserialize_database() checks version and platform
 * itself.  So a changed pattern, flag or order gives another file, and a
 * stale one is never read.  Probes (one pattern alone) are appended to
 * probe-KEY.tsv, KEY the hash of the version and the limits, one line a
 * pattern keyed by the hash of its source and flags. */
#pragma once

#include <hs.h>
#include <stddef.h>
#include <stdint.h>

/* Limits of one child (BENCH_HS_PROBE_CPU, BENCH_HS_DB_CPU in seconds,
 * BENCH_HS_AS_MB in MiB). */
struct hsb_limits {
	unsigned cpu_s;
	size_t as_mb;
};

enum hsb_status {
	HSB_OK = 0,     /* compiled exactly with the flags given */
	HSB_PREFILTER,  /* refused exactly, compiled with HS_FLAG_PREFILTER */
	HSB_REFUSED,    /* refused even so; why in the message */
	HSB_OVER_LIMIT, /* killed at the CPU or address-space limit */
};

/* One pattern compiled alone. */
struct hsb_probe {
	enum hsb_status status;
	double cpu_ms; /* the child's CPU time (at the kill, for OVER_LIMIT) */
	size_t bytes;  /* hs_database_size() of its database alone */
	char why[160]; /* Hyperscan's message for REFUSED */
};

uint64_t hsb_hash(uint64_t h, const void *p, size_t n);
#define HSB_HASH_INIT 0xcbf29ce484222325ull

/* The cache directory (created), from BENCH_HS_CACHE or the default. */
const char *hsb_cache_dir(void);

/* src compiled alone with `flags` (and, refused, with HS_FLAG_PREFILTER
 * too) in a child under lim, or the cached result.  Returns 0, -1 when
 * the child could not be run (errno). */
int hsb_probe(const char *src, unsigned flags, const struct hsb_limits *lim, struct hsb_probe *ret);

/* The result of building one database. */
struct hsb_build {
	hs_database_t *db;      /* NULL unless compiled */
	int cached;             /* read from the cache, not compiled now */
	double cpu_ms;          /* CPU of the compile (when it was made) */
	long expression;        /* on a refusal: the pattern's index, or -1 */
	char why[160];          /* on a refusal or over the limit */
	enum hsb_status status; /* OK, REFUSED or OVER_LIMIT */
};

/* hs_compile_multi() of n patterns in block mode in a child under lim,
 * serialised to the cache and read back; or read from the cache when
 * there.  Returns 0 (see ret->status), -1 when the child could not be
 * run or the file not read (errno). */
int hsb_compile(const char *const *src, const unsigned *flags, const unsigned *ids, size_t n,
                const struct hsb_limits *lim, struct hsb_build *ret);
