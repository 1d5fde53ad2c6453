/* Naming error codes (the convention is in error.h). */
#include "util/error.h"

#include <errno.h>
#include <stdio.h>
#include <string.h>

static const char *domain_text(int r)
{
	switch (r) {
	case STORE_E_SQLITE:
		return "database error";
	case STORE_E_TOO_NEW:
		return "the database was written by a newer vakt";
	case STORE_E_CORRUPT:
		return "the database or its audit chain is damaged";
	case DEADLINE_E_EXISTS:
		return "the item already has a clock of that kind";
	case DEADLINE_E_STATE:
		return "not allowed in the clock's current state";
	case DEADLINE_E_PASSED:
		return "the deadline has already passed";
	case DEADLINE_E_TOO_EARLY:
		return "a decision can be demanded only six months after the case started";
	default:
		return NULL;
	}
}

bool vakt_error_known(int r)
{
	/* strerror() knows errno values up to about 133 on Linux; anything
	 * below 4096 is what the kernel may return as -errno. */
	return r == 0 || (r < 0 && r > -4096) || domain_text(r) != NULL;
}

const char *vakt_strerror(int r)
{
	static _Thread_local char buf[32];
	const char *t;

	if (r == 0)
		return "success";
	if (r < 0 && r > -4096)
		return strerror(-r);
	if ((t = domain_text(r)))
		return t;
	snprintf(buf, sizeof(buf), "unknown error %d", r);
	return buf;
}
