/* accounts.d/NAME.conf: one connected social media account per file. */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "config/config-internal.h"
#include "config/secret.h"
#include "config/values.h"
#include "util/yesno.h"

int config_account_section(void *user, const char *section, const char *file, unsigned line,
                           struct diag_list *diags)
{
	struct config_load *ld = user;
	if (strcmp(section, "Account") == 0)
		return 0;
	if (strcmp(section, "Schedule") == 0) {
		ld->account->line_schedule = line;
		return 0;
	}
	if (strcmp(section, "Deadlines") == 0)
		return 0;
	diag_add(diags, file, line, "unknown section [%s] in an account file", section);
	return -EINVAL;
}

static void token_key(struct config_load *ld, const char *key, const char *value, const char *file,
                      unsigned line, struct diag_list *diags)
{
	struct config_account *a = ld->account;
	struct secret s = { 0 };
	int r;

	if (a->token.value || ld->token_line) {
		diag_add(diags, file, line, "%s= given, but a token is already set on line %u", key,
		         ld->token_line);
		return;
	}
	ld->token_line = line;
	if (strcmp(key, "TokenFile") == 0) {
		if (value_abs_path(value) < 0) {
			diag_add(diags, file, line, "TokenFile= must be an absolute path");
			return;
		}
		r = secret_read_file(value, &s);
	} else {
		r = secret_read_credential(value, &s);
	}
	if (r == -ENOENT && strcmp(key, "TokenCredential") == 0)
		diag_add(diags, file, line, "credential '%s' not found in $CREDENTIALS_DIRECTORY",
		         value);
	else if (r == -ENODATA)
		diag_add(diags, file, line, "%s=: the secret is empty", key);
	else if (r < 0)
		diag_add(diags, file, line, "%s=: cannot read '%s': %s", key, value, strerror(-r));
	else
		a->token = s;
}

void config_account_value(void *user, const char *section, const char *key, const char *value,
                          const char *file, unsigned line, struct diag_list *diags)
{
	struct config_load *ld = user;
	struct config_account *a = ld->account;

	if (strcmp(section, "Schedule") == 0) {
		config_schedule_value(&a->sched_own, section, key, value, file, line, diags);
		return;
	}
	if (strcmp(section, "Deadlines") == 0) {
		char scope[160];
		snprintf(scope, sizeof(scope), "account:%s", a->id);
		config_deadlines_collect(ld, scope, section, key, value, file, line);
		return;
	}
	if (strcmp(key, "Platform") == 0) {
		if (platform_from_name(value, &a->platform) < 0)
			diag_add(
			        diags, file, line,
			        "unknown Platform '%s' (facebook, instagram, youtube, x, mastodon, "
			        "linkedin)",
			        value);
		a->line_platform = line;
	} else if (strcmp(key, "Unit") == 0) {
		config_set_str(&a->unit, value);
		a->line_unit = line;
	} else if (strcmp(key, "Title") == 0) {
		config_set_str(&a->title, value);
	} else if (strcmp(key, "Calendar") == 0) {
		config_set_str(&a->calendar, value);
		a->line_calendar = line;
	} else if (strcmp(key, "ExternalId") == 0) {
		if (!*value || strlen(value) > 256)
			diag_add(diags, file, line, "ExternalId= must be 1..256 characters");
		else
			config_set_str(&a->external_id, value);
	} else if (strcmp(key, "ApiBaseUrl") == 0) {
		if (value_http_url(value) < 0)
			diag_add(diags, file, line,
			         "ApiBaseUrl= must be an http:// or https:// URL");
		else
			config_set_str(&a->api_base_url, value);
	} else if (strcmp(key, "Enabled") == 0) {
		if (yesno_parse(value, &a->enabled) < 0)
			diag_add(diags, file, line, "Enabled= must be yes or no");
	} else if (strcmp(key, "TokenFile") == 0 || strcmp(key, "TokenCredential") == 0) {
		token_key(ld, key, value, file, line, diags);
	} else if (strcmp(key, "Token") == 0) {
		diag_add(diags, file, line,
		         "secrets do not belong in configuration files: use TokenFile= or "
		         "TokenCredential=");
	} else {
		diag_add(diags, file, line, "unknown key '%s' in [Account]", key);
	}
}
