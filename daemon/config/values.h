/* Parsers for configuration values.  Each returns 0 and writes *ret on
 * success, or -EINVAL leaving *ret untouched. */
#pragma once

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <sys/types.h>

/* Yes/no values: yesno_parse() in util/yesno.h. */
int value_uint(const char *s, uint64_t min, uint64_t max, uint64_t *ret);
/* Sizes: "64K", "1M", "4096". */
int value_size(const char *s, size_t min, size_t max, size_t *ret);
/* Octal file mode "0660". */
int value_mode(const char *s, mode_t *ret);
/* debug|info|notice|warning|err|error|crit → syslog priority */
int value_log_level(const char *s, int *ret);
/* Absolute path, no NUL, not empty. */
int value_abs_path(const char *s);
/* An identifier: [A-Za-z0-9._-]+, at most 64 bytes. */
int value_ident(const char *s);
/* An http:// or https:// URL without whitespace. */
int value_http_url(const char *s);
/* A plausible e-mail address for routing. */
int value_email(const char *s);
