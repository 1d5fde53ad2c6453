/* The calendar vaktctl's offline commands compute with: the built-in
 * defaults, or a calendar of the site's configuration (--config DIR, and
 * --calendar NAME for a [Calendar NAME] section). */
#include <errno.h>
#include <string.h>

#include "calendar/cal.h"
#include "config/config.h"
#include "ctl/ctl.h"

int ctl_calendar_load(struct ctl_ctx *ctx, struct cal **ret)
{
	struct diag_list diags = { 0 };
	struct config *cfg = NULL;
	int r;

	if (!ctx->config_dir) {
		if (ctx->calendar && strcmp(ctx->calendar, "default") != 0) {
			fprintf(stderr, "vaktctl: --calendar needs --config DIR\n");
			return -EINVAL;
		}
		r = cal_new(ret);
		if (r < 0)
			fprintf(stderr, "vaktctl: cannot set up the calendar: %s\n", strerror(-r));
		return r;
	}
	/* The calendar needs no secret, and the caller may not be allowed to
	 * read the tokens. */
	r = config_load_flags(ctx->config_dir, NULL, CONFIG_LOAD_NO_SECRETS, &cfg, &diags);
	if (r < 0) {
		diag_print(&diags, stderr);
		fprintf(stderr, "vaktctl: %s: invalid configuration\n", ctx->config_dir);
		diag_list_clear(&diags);
		return r;
	}
	const char *name = ctx->calendar ? ctx->calendar : "default";
	const struct cal *c = config_find_calendar(cfg, name);
	if (!c) {
		fprintf(stderr, "vaktctl: %s defines no calendar '%s'\n", ctx->config_dir, name);
		config_free(cfg);
		return -ENOENT;
	}
	r = cal_dup(c, ret);
	config_free(cfg);
	if (r < 0)
		fprintf(stderr, "vaktctl: cannot set up the calendar: %s\n", strerror(-r));
	return r;
}
