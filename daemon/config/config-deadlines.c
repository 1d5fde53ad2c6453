/* [Deadlines] (site), [Deadlines UNIT] and an account's [Deadlines]: the
 * response and review clocks, layered like [Schedule]. */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "config/config-internal.h"

void config_deadlines_collect(struct config_load *ld, const char *scope, const char *section,
                              const char *key, const char *value, const char *file,
                              unsigned line)
{
	struct deadline_policy scratch;
	deadline_policy_init(&scratch);
	int r = deadline_policy_set(&scratch, key, value);
	if (r == -ENOENT) {
		diag_add(ld->diags, file, line, "unknown key '%s' in [%s]", key, section);
		return;
	}
	if (r < 0) {
		diag_add(ld->diags, file, line, "%s=%s: expected %s", key, value,
		         strcmp(key, "WarnAt") == 0
		                 ? "a percentage 1..99 such as 75%, or no"
		                 : "a duration such as \"1 business day\", \"4 business hours\" or \"2h\"");
		return;
	}
	struct cal_opt *v = realloc(ld->dl_opts, (ld->n_dl_opts + 1) * sizeof(*v));
	if (!v) {
		diag_add(ld->diags, file, line, "out of memory");
		return;
	}
	ld->dl_opts = v;
	v[ld->n_dl_opts++] = (struct cal_opt){
		.calendar = strdup(scope),
		.key = strdup(key),
		.value = strdup(value),
		.file = strdup(file),
		.line = line,
	};
}

static void apply_scope(struct config_load *ld, struct deadline_policy *p, const char *scope)
{
	for (size_t i = 0; i < ld->n_dl_opts; i++)
		if (strcmp(ld->dl_opts[i].calendar, scope) == 0)
			deadline_policy_set(p, ld->dl_opts[i].key, ld->dl_opts[i].value);
}

void config_deadlines_resolve(struct config_load *ld, struct config_account *a)
{
	char scope[160];
	deadline_policy_init(&a->deadlines);
	apply_scope(ld, &a->deadlines, "");
	if (a->unit) {
		snprintf(scope, sizeof(scope), "unit:%s", a->unit);
		apply_scope(ld, &a->deadlines, scope);
	}
	snprintf(scope, sizeof(scope), "account:%s", a->id);
	apply_scope(ld, &a->deadlines, scope);
}

void config_deadlines_clear(struct config_load *ld)
{
	for (size_t i = 0; i < ld->n_dl_opts; i++) {
		free(ld->dl_opts[i].calendar);
		free(ld->dl_opts[i].key);
		free(ld->dl_opts[i].value);
		free(ld->dl_opts[i].file);
	}
	free(ld->dl_opts);
	ld->dl_opts = NULL;
	ld->n_dl_opts = 0;
}
