/* accounts.d/NAME.conf: one connected social media account per file. */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "config/config-internal.h"
#include "config/secret.h"
#include "config/values.h"
#include "util/readfile.h"
#include "util/yesno.h"

int config_account_section(void *user, const char *section, const char *file, unsigned line,
                           struct diag_list *diags)
{
	struct config_load *ld = user;
	if (strcmp(section, "Account") == 0) {
		if (!ld->account->line)
			ld->account->line = line;
		return 0;
	}
	if (strcmp(section, "Schedule") == 0) {
		ld->account->line_schedule = line;
		return 0;
	}
	if (strcmp(section, "Deadlines") == 0)
		return 0;
	diag_add(diags, file, line, "unknown section [%s] in an account file", section);
	return -EINVAL;
}

/* TokenFile= and TokenCredential=.  With CONFIG_LOAD_NO_SECRETS (vaktctl's
 * offline commands) the value is checked but the secret is not read: the
 * caller may not be allowed to, and has no use for it. */
static void token_key(struct config_load *ld, const char *key, const char *value, const char *file,
                      unsigned line, struct diag_list *diags)
{
	struct config_account *a = ld->account;
	bool is_file = strcmp(key, "TokenFile") == 0;
	struct secret s = { 0 };
	int r;

	if (ld->token_line) {
		diag_add(diags, file, line, "%s= given, but a token is already set on line %u", key,
		         ld->token_line);
		return;
	}
	ld->token_line = line;
	if (is_file && value_abs_path(value) < 0) {
		diag_add(diags, file, line, "TokenFile= must be an absolute path");
		return;
	}
	if (!is_file && !secret_credential_name_valid(value)) {
		diag_add(diags, file, line,
		         "TokenCredential= must be a credential's name (a file name, no '/')");
		return;
	}
	/* Where the token comes from names its quota (YouTube) when
	 * QuotaProject= does not: never the token itself. */
	if (asprintf(&ld->token_source, "%s:%s", is_file ? "file" : "credential", value) < 0) {
		ld->token_source = NULL;
		config_oom(ld, file, line);
		return;
	}
	if (ld->flags & CONFIG_LOAD_NO_SECRETS)
		return;
	r = is_file ? secret_read_file(value, &s) : secret_read_credential(value, &s);
	if (r == -ENOENT && !is_file)
		diag_add(diags, file, line, "credential '%s' not found in $CREDENTIALS_DIRECTORY",
		         value);
	else if (r == -ENODATA)
		diag_add(diags, file, line, "%s=: the secret is empty", key);
	else if (r == -ENOMEM)
		config_oom(ld, file, line);
	else if (r == -EFBIG)
		diag_add(diags, file, line, "%s=: '%s' is larger than %d bytes", key, value,
		         SECRET_MAX_BYTES);
	else if (r == -EINVAL)
		diag_add(diags, file, line, "%s=: '%s' contains a NUL byte", key, value);
	else if (r < 0)
		diag_add(diags, file, line, "%s=: cannot read '%s': %s", key, value,
		         readfile_strerror(r));
	else
		a->token = s;
}

/* The keys of [Account]. */
static void account_key(struct config_load *ld, const char *key, const char *value,
                        const char *file, unsigned line, struct diag_list *diags)
{
	struct config_account *a = ld->account;

	if (strcmp(key, "Platform") == 0) {
		if (platform_from_name(value, &a->platform) < 0)
			diag_add(
			        diags, file, line,
			        "unknown Platform '%s' (facebook, instagram, youtube, x, mastodon, "
			        "linkedin)",
			        value);
		a->line_platform = line;
	} else if (strcmp(key, "Unit") == 0) {
		if (config_set_str(ld, &a->unit, value, file, line) == 0)
			a->line_unit = line;
	} else if (strcmp(key, "Title") == 0) {
		config_set_str(ld, &a->title, value, file, line);
	} else if (strcmp(key, "Calendar") == 0) {
		if (config_set_str(ld, &a->calendar, value, file, line) == 0)
			a->line_calendar = line;
	} else if (strcmp(key, "ExternalId") == 0) {
		if (!*value || strlen(value) > 256)
			diag_add(diags, file, line, "ExternalId= must be 1..256 characters");
		else
			config_set_str(ld, &a->external_id, value, file, line);
	} else if (strcmp(key, "ApiBaseUrl") == 0) {
		if (value_http_url(value) < 0)
			diag_add(diags, file, line,
			         "ApiBaseUrl= must be an http:// or https:// URL");
		else
			config_set_str(ld, &a->api_base_url, value, file, line);
	} else if (strcmp(key, "BackfillDays") == 0) {
		uint64_t days;
		if (value_uint(value, 0, CONFIG_BACKFILL_DAYS_MAX, &days) < 0)
			diag_add(diags, file, line, "BackfillDays= must be a number of days, 0..%d",
			         CONFIG_BACKFILL_DAYS_MAX);
		else
			a->backfill_days = (unsigned)days;
	} else if (strcmp(key, "Enabled") == 0) {
		if (yesno_parse(value, &a->enabled) < 0)
			diag_add(diags, file, line, "Enabled= must be yes or no");
	} else if (strcmp(key, "TokenFile") == 0 || strcmp(key, "TokenCredential") == 0) {
		token_key(ld, key, value, file, line, diags);
	} else if (strcmp(key, "QuotaProject") == 0) {
		if (value_ident(value) < 0 || strlen(value) > 128)
			diag_add(diags, file, line,
			         "QuotaProject= must be a Google Cloud project's name: 1..128 "
			         "letters, digits, '.', '_', '-'");
		else if (config_set_str(ld, &a->quota_project, value, file, line) == 0 &&
		         !a->line_quota)
			a->line_quota = line;
	} else if (strcmp(key, "QuotaPerDay") == 0 || strcmp(key, "QuotaReserve") == 0) {
		bool per_day = strcmp(key, "QuotaPerDay") == 0;
		uint64_t units;
		if (value_uint(value, per_day ? 1 : 0, CONFIG_QUOTA_MAX, &units) < 0) {
			diag_add(diags, file, line, "%s= must be a number of quota units, %d..%d",
			         key, per_day ? 1 : 0, CONFIG_QUOTA_MAX);
			return;
		}
		*(per_day ? &a->quota_per_day : &a->quota_reserve) = (unsigned)units;
		if (!a->line_quota)
			a->line_quota = line;
	} else if (strcmp(key, "AutoActions") == 0) {
		config_account_auto_actions(ld, value, file, line);
	} else if (strcmp(key, "Token") == 0) {
		diag_add(diags, file, line,
		         "secrets do not belong in configuration files: use TokenFile= or "
		         "TokenCredential=");
	} else {
		diag_add(diags, file, line, "unknown key '%s' in [Account]", key);
	}
}

void config_account_value(void *user, const char *section, const char *key, const char *value,
                          const char *file, unsigned line, struct diag_list *diags)
{
	struct config_load *ld = user;
	struct config_account *a = ld->account;

	if (config_key_repeated(ld, section, key, file, line))
		return;
	if (strcmp(section, "Schedule") == 0 && strcmp(key, "RequestsInFlight") == 0) {
		diag_add(diags, file, line,
		         "RequestsInFlight= bounds a platform's requests across its accounts: set "
		         "it "
		         "in [Schedule PLATFORM] or [Schedule] of vaktd.conf, not in an account");
	} else if (strcmp(section, "Schedule") == 0) {
		config_schedule_value(&a->sched_own, section, key, value, file, line, diags);
	} else if (strcmp(section, "Deadlines") == 0) {
		char scope[160];
		snprintf(scope, sizeof(scope), "account:%s", a->id);
		config_deadlines_collect(ld, scope, section, key, value, file, line);
	} else {
		account_key(ld, key, value, file, line, diags);
	}
}

void config_account_quota(struct config_load *ld, struct config_account *a)
{
	if (a->platform != PLATFORM_YOUTUBE) {
		if (a->line_quota && a->line_platform)
			diag_add(ld->diags, a->file, a->line_quota,
			         "QuotaProject=, QuotaPerDay= and QuotaReserve= are for "
			         "Platform=youtube only");
		free(a->quota_project);
		a->quota_project = NULL;
		return;
	}
	if (a->quota_reserve >= a->quota_per_day)
		diag_add(ld->diags, a->file, a->line_quota,
		         "QuotaReserve= (%u) must be less than QuotaPerDay= (%u): polls would "
		         "never run",
		         a->quota_reserve, a->quota_per_day);
	if (a->quota_project || !ld->token_source)
		return;
	a->quota_project = ld->token_source;
	ld->token_source = NULL;
}
