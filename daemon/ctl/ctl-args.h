/* Small argument checks shared by vaktctl's commands. */
#pragma once

#include <stdbool.h>

/* 1 when s is a non-empty id of [A-Za-z0-9._-] (safe in an API path). */
bool ctl_is_ident(const char *s);
/* 1 when s is a positive decimal number. */
bool ctl_is_number(const char *s);
