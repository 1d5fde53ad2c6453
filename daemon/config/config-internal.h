/* Shared between the configuration loader's files; not for other modules. */
#pragma once

#include "config/config.h"
#include "util/diag.h"

struct config_load {
	struct config *cfg;
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

/* Replace *dst with a copy of src. */
void config_set_str(char **dst, const char *src);
