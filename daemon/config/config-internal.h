/* Shared between the configuration loader's files; not for other modules. */
#pragma once

#include "config/config.h"
#include "util/diag.h"

/* A [Calendar] key kept until every file is read: named calendars start as
 * a copy of the default one, wherever their sections stand. */
struct cal_opt {
	char *calendar; /* "default" or the NAME of [Calendar NAME] */
	char *key;
	char *value;
	char *file;
	unsigned line;
};

/* Floor checks already done: most accounts share a policy and a calendar,
 * and a year of one-minute grids for 800 accounts is worth computing once. */
struct floor_memo {
	struct sched_policy policy;
	const struct cal *cal;
	int result;
	int64_t bad_dn;
	int count;
};

struct config_load {
	struct config *cfg;
	struct floor_memo *floor_memo;
	size_t n_floor_memo;
	struct cal_opt *cal_opts;
	size_t n_cal_opts;
	/* [Deadlines] keys, applied per account in layer order; .calendar
	 * holds the scope: "" (site), "unit:ID" or "account:ID". */
	struct cal_opt *dl_opts;
	size_t n_dl_opts;
	struct diag_list *diags;
	struct config_account *account; /* the account file being parsed */
	char *dup_token_source;         /* first secret key seen, to refuse two */
	unsigned token_line;
};

/* vaktd.conf and drop-ins */
int config_daemon_section(void *user, const char *section, const char *file, unsigned line,
                          struct diag_list *diags);
void config_daemon_value(void *user, const char *section, const char *key, const char *value,
                         const char *file, unsigned line, struct diag_list *diags);

/* accounts.d/NAME.conf */
int config_account_section(void *user, const char *section, const char *file, unsigned line,
                           struct diag_list *diags);
void config_account_value(void *user, const char *section, const char *key, const char *value,
                          const char *file, unsigned line, struct diag_list *diags);

/* [Calendar] and [Calendar NAME] (config-calendar.c) */
int config_calendar_declare(struct config_load *ld, const char *name, const char *file,
                            unsigned line);
void config_calendar_collect(struct config_load *ld, const char *name, const char *key,
                             const char *value, const char *file, unsigned line);
/* Build every calendar from the collected keys; errors go to ld->diags. */
void config_calendars_build(struct config_load *ld);
void config_calendar_opts_clear(struct config_load *ld);

/* [Deadlines] keys (config-deadlines.c): validate and keep one key; apply
 * the layers to an account; free the kept keys. */
void config_deadlines_collect(struct config_load *ld, const char *scope, const char *section,
                              const char *key, const char *value, const char *file, unsigned line);
void config_deadlines_resolve(struct config_load *ld, struct config_account *a);
void config_deadlines_clear(struct config_load *ld);

/* One key of a [Schedule …] section into p, errors as file:line. */
void config_schedule_value(struct sched_policy *p, const char *section, const char *key,
                           const char *value, const char *file, unsigned line,
                           struct diag_list *diags);

/* Replace *dst with a copy of src. */
/* Replace *dst with a copy of src.  Out of memory keeps *dst and makes
 * config_load() fail with -ENOMEM (config_load_oom()). */
void config_set_str(char **dst, const char *src);
/* Note an allocation that failed where no error can be returned. */
void config_load_oom(void);

/* Append a copy of one collected option to *v (n entries): 0 or -ENOMEM,
 * nothing appended then. */
int config_opt_push(struct cal_opt **v, size_t *n, const char *scope, const char *key,
                    const char *value, const char *file, unsigned line);
