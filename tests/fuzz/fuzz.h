/* Shared bits of the libFuzzer targets: a NUL-terminated copy of the
 * input and temporary directories.  Each target defines
 * LLVMFuzzerTestOneInput (and LLVMFuzzerInitialize for what is loaded
 * once); the corpus and the per-input limits are in tests/fuzz/meson.build
 * and scripts/fuzz.sh. */
#pragma once

#include <ftw.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);
int LLVMFuzzerInitialize(int *argc, char ***argv);

/* The input as a NUL-terminated string (it may hold NULs of its own). */
static inline char *fuzz_strndup(const uint8_t *data, size_t size)
{
	char *s = malloc(size + 1);
	if (!s)
		abort();
	memcpy(s, data, size);
	s[size] = '\0';
	return s;
}

/* The source tree: $VAKT_SRCDIR, else the one the target was built from. */
static inline const char *fuzz_srcdir(void)
{
	const char *s = getenv("VAKT_SRCDIR");
	return s && *s ? s : SRCDIR;
}

static inline char *fuzz_mkdtemp(void)
{
	const char *tmp = getenv("TMPDIR");
	char *p = NULL;
	if (asprintf(&p, "%s/vakt-fuzz-XXXXXX", tmp && *tmp ? tmp : "/tmp") < 0 || !mkdtemp(p))
		abort();
	return p;
}

static inline int fuzz_rm_one(const char *p, const struct stat *st, int flag, struct FTW *ftw)
{
	(void)st, (void)flag, (void)ftw;
	return remove(p);
}

static inline void fuzz_rmrf(const char *dir)
{
	nftw(dir, fuzz_rm_one, 16, FTW_DEPTH | FTW_PHYS);
}
