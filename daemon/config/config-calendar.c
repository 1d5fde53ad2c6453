/* [Calendar] and [Calendar NAME]: the business calendars of the site. */
#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "calendar/cal-config.h"
#include "calendar/cal.h"
#include "config/config-internal.h"
#include "config/values.h"

static struct config_calendar *find(struct config *c, const char *name)
{
	for (size_t i = 0; i < c->n_calendars; i++)
		if (strcmp(c->calendars[i].name, name) == 0)
			return &c->calendars[i];
	return NULL;
}

int config_calendar_declare(struct config_load *ld, const char *name, const char *file,
                            unsigned line)
{
	struct config *c = ld->cfg;
	if (find(c, name))
		return 0;
	struct config_calendar *v = realloc(c->calendars, (c->n_calendars + 1) * sizeof(*v));
	if (!v)
		return -ENOMEM;
	c->calendars = v;
	struct config_calendar cc = {
		.name = strdup(name),
		.file = file ? strdup(file) : NULL,
		.line = line,
	};
	if (!cc.name || (file && !cc.file)) {
		free(cc.name);
		free(cc.file);
		return -ENOMEM;
	}
	v[c->n_calendars++] = cc;
	return 0;
}

void config_calendar_collect(struct config_load *ld, const char *name, const char *key,
                             const char *value, const char *file, unsigned line)
{
	if (config_opt_add(&ld->cal_opts, &ld->n_cal_opts, name, key, value, file, line) < 0)
		config_oom(ld, file, line);
}

static void apply(struct config_load *ld, struct config_calendar *cc)
{
	for (size_t i = 0; i < ld->n_cal_opts; i++) {
		struct cal_opt *o = &ld->cal_opts[i];
		if (strcmp(o->calendar, cc->name) != 0)
			continue;
		int r = cal_set_option(cc->cal, o->key, o->value);
		const char *syntax = cal_option_syntax(o->key);
		if (r == -ENOENT)
			diag_add(ld->diags, o->file, o->line, "unknown key '%s' in [Calendar%s%s]",
			         o->key, strcmp(cc->name, "default") ? " " : "",
			         strcmp(cc->name, "default") ? cc->name : "");
		else if (r == -E2BIG)
			diag_add(ld->diags, o->file, o->line, "%s=: too many closed and half days",
			         o->key);
		else if (r == -ENOMEM)
			config_oom(ld, o->file, o->line);
		else if (r < 0)
			diag_add(ld->diags, o->file, o->line, "%s=%s: expected %s", o->key,
			         o->value, syntax ? syntax : "a valid value");
	}
}

void config_calendars_build(struct config_load *ld)
{
	struct config *c = ld->cfg;
	struct config_calendar *def;

	if (config_calendar_declare(ld, "default", NULL, 0) < 0) {
		config_oom(ld, NULL, 0);
		return;
	}
	def = find(c, "default");
	int r = cal_new(&def->cal);
	if (r == -ENOMEM) {
		config_oom(ld, NULL, 0);
		return;
	}
	if (r < 0) {
		diag_add(ld->diags, NULL, 0, "cannot set up the business calendar: %s%s",
		         strerror(-r),
		         r == -ENOENT ? " (is tzdata installed? Europe/Stockholm is missing)" : "");
		return;
	}
	apply(ld, def);
	for (size_t i = 0; i < c->n_calendars; i++) {
		struct config_calendar *cc = &c->calendars[i];
		if (cc->cal)
			continue;
		if (cal_dup(def->cal, &cc->cal) < 0) {
			config_oom(ld, cc->file, cc->line);
			continue;
		}
		apply(ld, cc);
	}
}

void config_calendar_opts_clear(struct config_load *ld)
{
	config_opts_free(&ld->cal_opts, &ld->n_cal_opts);
}
