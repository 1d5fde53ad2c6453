/* The calendar vaktctl's offline commands compute with. */
#include <errno.h>
#include <string.h>

#include "calendar/cal.h"
#include "ctl/ctl.h"

int ctl_calendar_load(struct ctl_ctx *ctx, struct cal **ret)
{
	/* For now the built-in defaults; this is the one place that will
	 * read the site's [Calendar] section once vaktctl takes --config. */
	(void)ctx;
	int r = cal_new(ret);
	if (r < 0)
		fprintf(stderr, "vaktctl: cannot set up the calendar: %s\n", strerror(-r));
	return r;
}
