/* Temporary directories and files for unit tests. */
#pragma once

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>
#include <ftw.h>

/* A new empty directory under $TMPDIR; the caller frees the string. */
static inline char *tfs_mkdtemp(void)
{
	const char *tmp = getenv("TMPDIR");
	char *p = NULL;
	if (asprintf(&p, "%s/vakt-test-XXXXXX", tmp && *tmp ? tmp : "/tmp") < 0)
		abort();
	if (!mkdtemp(p))
		abort();
	return p;
}

/* Write dir/rel (creating one level of parent directory) with content. */
static inline void tfs_write(const char *dir, const char *rel, const char *content)
{
	char path[4096];
	snprintf(path, sizeof(path), "%s/%s", dir, rel);
	char *slash = strrchr(path, '/');
	if (slash && slash > path + strlen(dir)) {
		*slash = '\0';
		mkdir(path, 0700);
		*slash = '/';
	}
	FILE *f = fopen(path, "w");
	if (!f)
		abort();
	fputs(content, f);
	fclose(f);
}

static inline int tfs_rm_one(const char *p, const struct stat *st, int flag, struct FTW *ftw)
{
	return remove(p);
}

static inline void tfs_rmrf(char *dir)
{
	nftw(dir, tfs_rm_one, 16, FTW_DEPTH | FTW_PHYS);
	free(dir);
}
