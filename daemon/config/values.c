/* Value parsers for vaktd.conf and account files. */
#include "config/values.h"

#include <ctype.h>
#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <syslog.h>

int value_uint(const char *s, uint64_t min, uint64_t max, uint64_t *ret)
{
	char *end;
	if (!isdigit((unsigned char)*s))
		return -EINVAL;
	errno = 0;
	unsigned long long v = strtoull(s, &end, 10);
	if (errno || *end || v < min || v > max)
		return -EINVAL;
	*ret = v;
	return 0;
}

int value_size(const char *s, size_t min, size_t max, size_t *ret)
{
	char *end;
	if (!isdigit((unsigned char)*s))
		return -EINVAL;
	errno = 0;
	unsigned long long v = strtoull(s, &end, 10);
	if (errno)
		return -EINVAL;
	unsigned long long mult = 1;
	if (*end == 'K' || *end == 'k')
		mult = 1024ULL, end++;
	else if (*end == 'M')
		mult = 1024ULL * 1024, end++;
	else if (*end == 'G')
		mult = 1024ULL * 1024 * 1024, end++;
	if (__builtin_mul_overflow(v, mult, &v))
		return -EINVAL;
	if (*end || v < min || v > max)
		return -EINVAL;
	*ret = (size_t)v;
	return 0;
}

int value_mode(const char *s, mode_t *ret)
{
	char *end;
	if (!*s)
		return -EINVAL;
	errno = 0;
	unsigned long v = strtoul(s, &end, 8);
	if (errno || *end || v > 07777)
		return -EINVAL;
	*ret = (mode_t)v;
	return 0;
}

int value_log_level(const char *s, int *ret)
{
	static const struct {
		const char *name;
		int prio;
	} levels[] = {
		{ "debug", LOG_DEBUG },     { "info", LOG_INFO }, { "notice", LOG_NOTICE },
		{ "warning", LOG_WARNING }, { "err", LOG_ERR },   { "error", LOG_ERR },
		{ "crit", LOG_CRIT },
	};
	for (size_t i = 0; i < sizeof(levels) / sizeof(levels[0]); i++)
		if (strcasecmp(s, levels[i].name) == 0) {
			*ret = levels[i].prio;
			return 0;
		}
	return -EINVAL;
}

int value_abs_path(const char *s)
{
	return s[0] == '/' && strlen(s) < 4096 ? 0 : -EINVAL;
}

int value_ident(const char *s)
{
	size_t n = strlen(s);
	if (n == 0 || n > 64)
		return -EINVAL;
	for (const char *p = s; *p; p++)
		if (!isalnum((unsigned char)*p) && *p != '.' && *p != '_' && *p != '-')
			return -EINVAL;
	return 0;
}

int value_http_url(const char *s)
{
	if (strncmp(s, "http://", 7) != 0 && strncmp(s, "https://", 8) != 0)
		return -EINVAL;
	const char *host = strstr(s, "//") + 2;
	if (!*host || *host == '/')
		return -EINVAL;
	for (const char *p = s; *p; p++)
		if (isspace((unsigned char)*p) || (unsigned char)*p < 0x20)
			return -EINVAL;
	return strlen(s) < 2048 ? 0 : -EINVAL;
}

int value_email(const char *s)
{
	const char *at = strchr(s, '@');
	if (!at || at == s || strchr(at + 1, '@') || !strchr(at + 1, '.') || strlen(s) > 254)
		return -EINVAL;
	for (const char *p = s; *p; p++)
		if (isspace((unsigned char)*p) || *p == '<' || *p == '>' || *p == ',' || *p == ';')
			return -EINVAL;
	const char *last_dot = strrchr(at, '.');
	return last_dot[1] && last_dot[-1] != '@' ? 0 : -EINVAL;
}
