/* Reading a whole configuration, rule or secret file, safely.
 *
 * These files come from an administrator's directory, and a mistake there
 * (or a hostile symlink) must not stall the daemon's one loop: a FIFO would
 * block open() and read() forever, /dev/zero or /dev/urandom never end, and
 * a directory "reads" as nothing.  So the file is opened with O_NONBLOCK
 * (opening a FIFO then returns at once), the opened descriptor is checked
 * to be a regular file (no race between a check and the open), and at most
 * `max` bytes are read even when the file grows while it is being read.
 * Symbolic links are followed: links to regular files are ordinary in /etc.
 */
#pragma once

#include <stddef.h>

/* Read the regular file at path, at most max bytes.  On success *ret is a
 * new NUL-terminated buffer (the file may itself contain NUL bytes; use
 * *ret_len), and 0 is returned.  Errors: -errno from open/fstat/read,
 * -EISDIR for a directory, -EBADFD for anything else that is not a regular
 * file (FIFO, socket, device), -EFBIG when the file holds more than max
 * bytes, -ENOMEM.  Every buffer the content passed through is wiped before
 * it is freed, so secrets may be read with it. */
int readfile_regular(const char *path, size_t max, char **ret, size_t *ret_len);

/* A short English description of an error of readfile_regular(), for
 * diagnostics: "not a regular file", "is a directory", "larger than the
 * limit", or strerror(). */
const char *readfile_strerror(int r);
