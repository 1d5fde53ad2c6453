/* vakt's error convention, and the one function that names any code.
 *
 * A fallible function returns 0 on success, a negative errno value, or a
 * positive code of its module from the list below.  The numbers are
 * allocated here, once, so that no two modules' codes collide and
 * vakt_strerror() can name every one of them; what each code means for a
 * given function is documented in the module's header (store/store.h,
 * deadline/deadline.h).  A new module takes the next free block of ten.
 *
 * A caller passes a code up unchanged, or logs it once (naming it with
 * vakt_strerror()) and returns it: it is never replaced by a vaguer one
 * (a lock failure stays -EWOULDBLOCK or -EACCES, not -EBUSY; a store
 * failure stays STORE_E_SQLITE, not -EIO).  A function that answers yes
 * or no returns bool and cannot fail. */
#pragma once

#include <stdbool.h>

enum {
	/* daemon/store/ (store/store.h) */
	STORE_E_SQLITE = 1,  /* an SQLite error; store_errmsg() says which */
	STORE_E_TOO_NEW = 2, /* database schema is newer than this build */
	STORE_E_CORRUPT = 3, /* integrity or audit chain check failed */

	/* daemon/deadline/ (deadline/deadline.h) */
	DEADLINE_E_EXISTS = 10,    /* a clock of that kind exists for the item */
	DEADLINE_E_STATE = 11,     /* not allowed in the clock's state */
	DEADLINE_E_PASSED = 12,    /* pause after the due instant */
	DEADLINE_E_TOO_EARLY = 13, /* FL 12 demand before the six months */
};

/* A short English text for r: "success" for 0, strerror() for a negative
 * errno, the text of a code above, "unknown error N" otherwise.  The
 * result is static (or, for an unknown code, a per-thread buffer). */
const char *vakt_strerror(int r);

/* Whether r is 0, a negative errno value or a code listed above. */
bool vakt_error_known(int r);
