/* Secrets (platform tokens, SMTP passwords) come from files or systemd
 * credentials, never from the configuration files themselves. */
#pragma once

#include "config/config.h"

/* Largest secret we read; tokens are far smaller. */
#define SECRET_MAX_BYTES 16384

/* Read a secret from an absolute path.  A single trailing newline is
 * removed.  Returns 0, -errno, or -EFBIG / -ENODATA (empty). */
int secret_read_file(const char *path, struct secret *ret);

/* Read the systemd credential `name` from $CREDENTIALS_DIRECTORY.  Returns
 * -ENOENT when no credentials directory is set or the name is not there,
 * -EINVAL for a name that is not a plain file name. */
int secret_read_credential(const char *name, struct secret *ret);

/* Wipe and free; accepts a zeroed struct. */
void secret_clear(struct secret *s);
