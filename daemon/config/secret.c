/* Reading secrets from files and systemd credentials. */
#include "config/secret.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "util/readfile.h"

int secret_read_file(const char *path, struct secret *ret)
{
	char *buf = NULL, *src = NULL;
	size_t len = 0;
	/* Never blocks on a FIFO, takes only a regular file, at most
	 * SECRET_MAX_BYTES: a token file is no place for surprises. */
	int r = readfile_regular(path, SECRET_MAX_BYTES, &buf, &len);
	if (r < 0)
		return r;
	size_t cap = len + 1;
	if (len && buf[len - 1] == '\n')
		len--;
	if (len && buf[len - 1] == '\r')
		len--;
	if (len == 0 || memchr(buf, '\0', len)) {
		r = len ? -EINVAL : -ENODATA;
		goto fail;
	}
	if (asprintf(&src, "file:%s", path) < 0) {
		r = -ENOMEM;
		goto fail;
	}
	buf[len] = '\0';
	ret->value = buf;
	ret->len = len;
	ret->source = src;
	return 0;
fail:
	explicit_bzero(buf, cap);
	free(buf);
	return r;
}

bool secret_credential_name_valid(const char *name)
{
	return *name && !strchr(name, '/') && strcmp(name, ".") != 0 && strcmp(name, "..") != 0 &&
	       strlen(name) < 256;
}

int secret_read_credential(const char *name, struct secret *ret)
{
	const char *dir = getenv("CREDENTIALS_DIRECTORY");
	char path[4096];
	struct secret s;

	if (!secret_credential_name_valid(name))
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
