/* The one yes/no parser for every configuration value. */
#pragma once

#include <stdbool.h>

/* "yes", "true", "on", "1" or "no", "false", "off", "0", in any case.
 * 0 or -EINVAL (*ret unchanged). */
int yesno_parse(const char *s, bool *ret);
