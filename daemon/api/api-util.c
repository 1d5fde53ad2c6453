/* Small helpers shared by the API's handlers. */
#include <errno.h>
#include <stdlib.h>

#include "api/api-handlers.h"
#include "calendar/instant.h"

void api_add_instant(cJSON *o, const char *key, const struct cal *c, int64_t t)
{
	char buf[CAL_INSTANT_BUF];
	if (t && c)
		cJSON_AddStringToObject(o, key, cal_format_instant(c, t, buf, sizeof(buf), NULL));
	else
		cJSON_AddNullToObject(o, key);
}

int api_parse_id(const char *s, int64_t *ret)
{
	char *end;
	errno = 0;
	long long v = strtoll(s, &end, 10);
	if (!*s || *end || errno || v <= 0)
		return -EINVAL;
	*ret = v;
	return 0;
}
