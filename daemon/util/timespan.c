/* Time spans as systemd writes them: "30s", "5min", "1h 30min". */
#include "util/timespan.h"

#include <ctype.h>
#include <errno.h>
#include <stdlib.h>
#include <string.h>

int timespan_parse(const char *s, int64_t *ret_usec)
{
	static const struct {
		const char *suffix;
		int64_t usec;
	} units[] = {
		{ "ms", 1000 },           { "s", 1000000 },       { "sec", 1000000 },
		{ "m", 60000000 },        { "min", 60000000 },    { "h", 3600000000LL },
		{ "hour", 3600000000LL }, { "d", 86400000000LL }, { "day", 86400000000LL },
		{ "", 1000000 },
	};
	int64_t total = 0;
	const char *p = s;
	if (!*p)
		return -EINVAL;
	while (*p) {
		while (*p == ' ')
			p++;
		if (!isdigit((unsigned char)*p))
			return -EINVAL;
		char *end;
		errno = 0;
		unsigned long long v = strtoull(p, &end, 10);
		if (errno || v > 1000000000ULL)
			return -EINVAL;
		p = end;
		const char *u = p;
		while (isalpha((unsigned char)*p))
			p++;
		size_t ulen = (size_t)(p - u);
		int found = 0;
		for (size_t i = 0; i < sizeof(units) / sizeof(units[0]); i++) {
			if (strlen(units[i].suffix) == ulen &&
			    strncmp(units[i].suffix, u, ulen) == 0) {
				int64_t part;
				if (__builtin_mul_overflow((int64_t)v, units[i].usec, &part) ||
				    __builtin_add_overflow(total, part, &total))
					return -EINVAL;
				found = 1;
				break;
			}
		}
		if (!found)
			return -EINVAL;
		while (*p == ' ')
			p++;
	}
	*ret_usec = total;
	return 0;
}
