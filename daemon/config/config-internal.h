/* Shared between the configuration loader's files; not for other modules. */
#pragma once

#include <stdbool.h>

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

/* Append a kept key to *v; 0 or -ENOMEM (nothing appended). */
int config_opt_add(struct cal_opt **v, size_t *n, const char *calendar, const char *key,
                   const char *value, const char *file, unsigned line);
void config_opts_free(struct cal_opt **v, size_t *n);

/* Floor checks already done: most accounts share a policy and a calendar,
 * and a year of one-minute grids for 800 accounts is worth computing once. */
struct floor_memo {
	struct sched_policy policy;
	const struct cal *cal;
	int result;
	int64_t bad_dn;
	int count;
};

/* Keys seen in the file being read (config-repeat.c). */
struct config_seen_slot;
struct config_seen {
	struct config_seen_slot *v;
	size_t cap; /* a power of two, or 0 */
	size_t n;
};

struct config_load {
	struct config *cfg;
	unsigned flags; /* CONFIG_LOAD_* */
	bool nomem;     /* an allocation failed: config_load() returns -ENOMEM */
	struct config_seen seen;
	struct floor_memo *floor_memo;
	size_t n_floor_memo;
	struct cal_opt *cal_opts;
	size_t n_cal_opts;
	/* [Deadlines] keys, applied per account in layer order; .calendar
	 * holds the scope: "" (site), "unit:ID" or "account:ID". */
	struct cal_opt *dl_opts;
	size_t n_dl_opts;
	/* Every [Deadlines UNIT] header (.calendar holds UNIT), to check that
	 * the unit exists once every file is read. */
	struct cal_opt *dl_units;
	size_t n_dl_units;
	struct diag_list *diags;
	struct config_account *account; /* the account file being parsed */
	unsigned token_line;            /* its first TokenFile=/TokenCredential= */
	char *token_source; /* "file:PATH" or "credential:NAME": the token's, for QuotaProject= */
};

/* Whether key was already given in this section of the current file; if
 * so, an error naming both lines has been added (or out of memory noted).
 * config_seen_clear() starts the record afresh for the next file. */
bool config_key_repeated(struct config_load *ld, const char *section, const char *key,
                         const char *file, unsigned line);
void config_seen_clear(struct config_seen *s);

/* Note an allocation failure at file:line (file may be NULL): the load
 * fails with -ENOMEM. */
void config_oom(struct config_load *ld, const char *file, unsigned line);

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

/* Replace *dst with a copy of src; 0, or -ENOMEM after config_oom() with
 * *dst unchanged. */
int config_set_str(struct config_load *ld, char **dst, const char *src, const char *file,
                   unsigned line);

/* [Email], [Webhook NAME] and [Contact NAME] (config-notify.c).  The section handler
 * returns 1 for one of its sections, 0 for another section, or a negative
 * errno after a diagnostic; the value handler returns whether the section
 * was its. */
int config_notify_section(struct config_load *ld, const char *section, const char *file,
                          unsigned line, struct diag_list *diags);
bool config_notify_value(struct config_load *ld, const char *section, const char *key,
                         const char *value, const char *file, unsigned line,
                         struct diag_list *diags);
void config_notify_validate(struct config_load *ld);
void config_notify_free(struct config *c);

/* [Escalation] and [OnCall] (config-escalation.c) */
void config_escalation_defaults(struct config_escalation *e);
bool config_escalation_section(const char *section);
void config_escalation_value(struct config_load *ld, const char *section, const char *key,
                             const char *value, const char *file, unsigned line);
void config_escalation_resolve(struct config_load *ld);
void config_escalation_free(struct config_escalation *e);

/* [Actions] of vaktd.conf and AutoActions= of an account (config-actions.c). */
void config_actions_value(struct config_load *ld, const char *key, const char *value,
                          const char *file, unsigned line);
/* After the account's file: the YouTube quota keys checked, and
 * quota_project resolved (QuotaProject=, else the token's source). */
void config_account_quota(struct config_load *ld, struct config_account *a);
void config_account_auto_actions(struct config_load *ld, const char *value, const char *file,
                                 unsigned line);
