/* Bounded, non-blocking reads of regular files. */
#include "util/readfile.h"

#include <errno.h>
#include <fcntl.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

/* Grow a buffer holding possibly secret bytes: a copy, then the old one is
 * wiped (realloc could leave the bytes behind in freed memory). */
static int grow(char **buf, size_t len, size_t *cap, size_t want)
{
	char *nb = malloc(want);
	if (!nb)
		return -ENOMEM;
	if (*buf) {
		memcpy(nb, *buf, len);
		explicit_bzero(*buf, *cap);
		free(*buf);
	}
	*buf = nb;
	*cap = want;
	return 0;
}

static void wipe_free(char *buf, size_t cap)
{
	if (buf) {
		explicit_bzero(buf, cap);
		free(buf);
	}
}

int readfile_regular(const char *path, size_t max, char **ret, size_t *ret_len)
{
	struct stat st;
	char *buf = NULL;
	size_t len = 0, cap = 0;
	int r;

	/* O_NONBLOCK: opening a FIFO without a writer (or a device that waits
	 * for a carrier) must return at once; O_NOCTTY: a terminal must not
	 * become ours. */
	int fd = open(path, O_RDONLY | O_CLOEXEC | O_NOCTTY | O_NONBLOCK);
	if (fd < 0)
		return -errno;
	if (fstat(fd, &st) < 0) {
		r = -errno;
		goto out;
	}
	if (!S_ISREG(st.st_mode)) {
		r = S_ISDIR(st.st_mode) ? -EISDIR : -EBADFD;
		goto out;
	}
	if (st.st_size < 0 || (unsigned long long)st.st_size > max) {
		r = -EFBIG;
		goto out;
	}
	/* The size is a hint: the file may grow or shrink while we read, and
	 * some (in /proc) report 0.  One byte more than the limit tells a file
	 * that grew past it. */
	r = grow(&buf, 0, &cap, (size_t)st.st_size + 2);
	if (r < 0)
		goto out;
	for (;;) {
		if (len + 1 == cap) {
			if (cap > max + 1) {
				r = -EFBIG;
				goto out;
			}
			size_t want = cap > max / 2 ? max + 2 : cap * 2;
			r = grow(&buf, len, &cap, want);
			if (r < 0)
				goto out;
		}
		ssize_t n = read(fd, buf + len, cap - 1 - len);
		if (n < 0 && errno == EINTR)
			continue;
		if (n < 0) {
			r = -errno;
			goto out;
		}
		if (n == 0)
			break;
		len += (size_t)n;
		if (len > max) {
			r = -EFBIG;
			goto out;
		}
	}
	buf[len] = '\0';
	*ret = buf;
	*ret_len = len;
	buf = NULL;
	r = 0;
out:
	wipe_free(buf, cap);
	close(fd);
	return r;
}

const char *readfile_strerror(int r)
{
	switch (r) {
	case -EISDIR:
		return "is a directory, not a regular file";
	case -EBADFD:
		return "not a regular file (a FIFO, socket or device)";
	case -EFBIG:
		return "larger than the limit";
	default:
		return strerror(-r);
	}
}
