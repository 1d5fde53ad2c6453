/* Secrets (platform tokens, SMTP passwords) come from files or systemd
 * credentials, never from the configuration files themselves. */
#pragma once

#include "config/config.h"

/* Largest secret we read; tokens are far smaller. */
#define SECRET_MAX_BYTES 16384

/* Read a secret from an absolute path (readfile_regular(): no blocking, a
 * regular file only).  A single trailing newline is removed.  Returns 0,
 * -errno, -EISDIR, -EBADFD (a FIFO, socket or device), -EINVAL (a NUL byte),
 * -EFBIG (more than SECRET_MAX_BYTES) or -ENODATA (empty). */
int secret_read_file(const char *path, struct secret *ret);

/* Whether name can be a systemd credential's name: a plain file name. */
bool secret_credential_name_valid(const char *name);

/* Read the systemd credential `name` from $CREDENTIALS_DIRECTORY.  Returns
 * -ENOENT when no credentials directory is set or the name is not there,
 * -EINVAL for a name that is not a plain file name. */
int secret_read_credential(const char *name, struct secret *ret);

/* Wipe and free; accepts a zeroed struct. */
void secret_clear(struct secret *s);
