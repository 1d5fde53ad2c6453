/* Reading secrets from files and systemd credentials. */
#include "config/secret.h"

#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

int secret_read_file(const char *path, struct secret *ret)
{
	char buf[SECRET_MAX_BYTES + 1];
	struct stat st;
	size_t len = 0;
	/* O_NONBLOCK: a FIFO must not hang --check-config or a reload. */
	int fd = open(path, O_RDONLY | O_CLOEXEC | O_NOCTTY | O_NONBLOCK);
	if (fd < 0)
		return -errno;
	if (fstat(fd, &st) < 0) {
		int err = errno;
		close(fd);
		return -err;
	}
	if (!S_ISREG(st.st_mode)) {
		close(fd);
		return S_ISDIR(st.st_mode) ? -EISDIR : -EINVAL;
	}
	for (;;) {
		ssize_t n = read(fd, buf + len, sizeof(buf) - len);
		if (n < 0 && errno == EINTR)
			continue;
		if (n < 0) {
			int err = errno;
			close(fd);
			explicit_bzero(buf, sizeof(buf));
			return -err;
		}
		if (n == 0)
			break;
		len += (size_t)n;
		if (len > SECRET_MAX_BYTES) {
			close(fd);
			explicit_bzero(buf, sizeof(buf));
			return -EFBIG;
		}
	}
	close(fd);
	if (len && buf[len - 1] == '\n')
		len--;
	if (len && buf[len - 1] == '\r')
		len--;
	if (len == 0 || memchr(buf, '\0', len)) {
		explicit_bzero(buf, sizeof(buf));
		return len ? -EINVAL : -ENODATA;
	}
	char *v = malloc(len + 1);
	char *src = malloc(strlen(path) + 6);
	if (!v || !src) {
		free(v);
		free(src);
		explicit_bzero(buf, sizeof(buf));
		return -ENOMEM;
	}
	memcpy(v, buf, len);
	v[len] = '\0';
	explicit_bzero(buf, sizeof(buf));
	sprintf(src, "file:%s", path);
	ret->value = v;
	ret->len = len;
	ret->source = src;
	return 0;
}

int secret_read_credential(const char *name, struct secret *ret)
{
	const char *dir = getenv("CREDENTIALS_DIRECTORY");
	char path[4096];
	struct secret s;

	if (!*name || strchr(name, '/') || strcmp(name, ".") == 0 || strcmp(name, "..") == 0)
		return -EINVAL;
	if (!dir || !*dir)
		return -ENOENT;
	if ((size_t)snprintf(path, sizeof(path), "%s/%s", dir, name) >= sizeof(path))
		return -ENAMETOOLONG;
	int r = secret_read_file(path, &s);
	if (r < 0)
		return r;
	free(s.source);
	s.source = malloc(strlen(name) + 12);
	if (!s.source) {
		secret_clear(&s);
		return -ENOMEM;
	}
	sprintf(s.source, "credential:%s", name);
	*ret = s;
	return 0;
}

void secret_clear(struct secret *s)
{
	if (s->value) {
		explicit_bzero(s->value, s->len);
		free(s->value);
	}
	free(s->source);
	memset(s, 0, sizeof(*s));
}
