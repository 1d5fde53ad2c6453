/* Reading one INI file with libinih, systemd style, with line numbers.
 *
 * libinih reports only the first syntax error and no line numbers to the
 * handler, so we feed it through our own line reader (ini_parse_stream):
 * it counts lines, checks each line's shape and reports every malformed
 * line itself.  Values are handed on with file and line so that semantic
 * errors can name both.
 *
 * The file is read whole first, through readfile_regular(): never blocking
 * (a FIFO), only a regular file (not a directory, not /dev/zero), at most
 * INI_FILE_MAX_SIZE bytes.  Lines are then cut from memory, so a line's
 * length limit holds before anything is copied.
 */
#pragma once

#include "util/diag.h"

/* Called for every section header; return 0 if the section is known, or add a
 * diagnostic and return -EINVAL (its keys are then skipped silently). */
typedef int (*ini_section_fn)(void *user, const char *section, const char *file, unsigned line,
                              struct diag_list *diags);
/* Called for every key=value inside a known section. */
typedef void (*ini_value_fn)(void *user, const char *section, const char *key, const char *value,
                             const char *file, unsigned line, struct diag_list *diags);

/* Parse `path`.  Errors (unreadable file, not a regular file, too large,
 * malformed lines, too long lines, invalid UTF-8, control characters, keys
 * before any section) are added to diags; returns 0, -ENOMEM, or -errno when
 * the file cannot be read at all (-EISDIR, -EBADFD for a FIFO, socket or
 * device, -EFBIG, as readfile_regular(); also added to diags). */
int ini_file_parse(const char *path, ini_section_fn on_section, ini_value_fn on_value, void *user,
                   struct diag_list *diags);

/* Longest accepted line, in bytes (without its newline). */
#define INI_FILE_MAX_LINE 4096
/* Largest accepted file: vaktd.conf with a thousand units is ~200 KiB. */
#define INI_FILE_MAX_SIZE (1024 * 1024)
