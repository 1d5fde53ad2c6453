/* Argument checks for vaktctl. */
#include "ctl/ctl-args.h"

#include <stdbool.h>
#include <string.h>

bool ctl_is_ident(const char *s)
{
	static const char ok[] =
	        "abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789._-";
	size_t n = strlen(s);
	return n > 0 && n <= 64 && strspn(s, ok) == n;
}

bool ctl_is_number(const char *s)
{
	size_t n = strlen(s);
	return n > 0 && n <= 18 && strspn(s, "0123456789") == n && s[0] != '0';
}
