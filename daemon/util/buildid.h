/* The running program's identity: its GNU build ID.
 *
 * The linker writes a hash of the program's code into every binary built
 * with --build-id (the default on Debian); two binaries with the same ID
 * run the same code.  vaktd keys facts it proved about a rule set (its
 * examples pass) by it, so a rebuilt or upgraded vaktd proves them again.
 */
#pragma once

#include <stddef.h>

/* Write the main program's build ID as lowercase hex (NUL-terminated) to
 * buf.  Returns 0, -ENOENT when the program carries none, or -ENOSPC when
 * buf is too short. */
int vakt_build_id(char *buf, size_t len);
