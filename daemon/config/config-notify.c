/* [Email], [Webhook NAME] and [Contact NAME] of vaktd.conf and its
 * drop-ins: where the escalation channels (notify/) deliver, and people
 * reached over several of them.  Passwords, access tokens and the
 * webhook URLs that carry a secret come from files or systemd credentials,
 * like account tokens (config-account.c); they are never in the files. */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "config/config-internal.h"
#include "config/secret.h"
#include "config/values.h"
#include "util/readfile.h"

static const char *const webhook_types[] = {
	[CONFIG_WEBHOOK_JSON] = "json",
	[CONFIG_WEBHOOK_TEAMS] = "teams",
	[CONFIG_WEBHOOK_SLACK] = "slack",
	[CONFIG_WEBHOOK_MATRIX] = "matrix",
};

const char *config_webhook_type_name(enum config_webhook_type t)
{
	return t < CONFIG_WEBHOOK_NONE ? webhook_types[t] : "none";
}

const struct config_webhook *config_find_webhook(const struct config *c, const char *name)
{
	for (size_t i = 0; i < c->n_webhooks; i++)
		if (strcmp(c->webhooks[i].name, name) == 0)
			return &c->webhooks[i];
	return NULL;
}

const struct config_contact *config_find_contact(const struct config *c, const char *name)
{
	for (size_t i = 0; i < c->n_contacts; i++)
		if (strcmp(c->contacts[i].name, name) == 0)
			return &c->contacts[i];
	return NULL;
}

/* The contact called name, created at its first header (a drop-in may
 * add to or replace its keys). */
static struct config_contact *contact_get(struct config *c, const char *name, const char *file,
                                          unsigned line)
{
	struct config_contact *k = (struct config_contact *)config_find_contact(c, name);
	if (k)
		return k;
	char *cname = strdup(name), *cfile = strdup(file);
	struct config_contact *v = NULL;
	if (cname && cfile)
		v = realloc(c->contacts, (c->n_contacts + 1) * sizeof(*v));
	if (!v) {
		free(cname);
		free(cfile);
		return NULL;
	}
	c->contacts = v;
	k = &c->contacts[c->n_contacts++];
	*k = (struct config_contact){ .name = cname, .file = cfile, .line = line };
	return k;
}

static struct config_webhook *webhook_get(struct config *c, const char *name, const char *file,
                                          unsigned line)
{
	struct config_webhook *w = (struct config_webhook *)config_find_webhook(c, name);
	if (w)
		return w;
	char *cname = strdup(name), *cfile = strdup(file);
	struct config_webhook *v = NULL;
	if (cname && cfile)
		v = realloc(c->webhooks, (c->n_webhooks + 1) * sizeof(*v));
	if (!v) {
		free(cname);
		free(cfile);
		return NULL;
	}
	c->webhooks = v;
	w = &c->webhooks[c->n_webhooks];
	memset(w, 0, sizeof(*w));
	w->name = cname;
	w->file = cfile;
	w->line = line;
	w->type = CONFIG_WEBHOOK_NONE;
	c->n_webhooks++;
	return w;
}

int config_notify_section(struct config_load *ld, const char *section, const char *file,
                          unsigned line, struct diag_list *diags)
{
	if (strcmp(section, "Email") == 0) {
		struct config_email *e = &ld->cfg->email;
		if (!e->file) {
			if (config_set_str(ld, &e->file, file, file, line) < 0)
				return -ENOMEM;
			e->line = line;
		}
		return 1;
	}
	if (strcmp(section, "Webhook") == 0) {
		diag_add(diags, file, line, "[Webhook] needs a name: [Webhook oncall-chat]");
		return -EINVAL;
	}
	if (strcmp(section, "Contact") == 0) {
		diag_add(diags, file, line, "[Contact] needs a name: [Contact anna]");
		return -EINVAL;
	}
	if (strncmp(section, "Contact ", 8) == 0) {
		if (value_ident(section + 8) < 0) {
			diag_add(diags, file, line,
			         "invalid contact name '%s' (use letters, digits, '.', '_', '-')",
			         section + 8);
			return -EINVAL;
		}
		if (!contact_get(ld->cfg, section + 8, file, line)) {
			config_oom(ld, file, line);
			return -ENOMEM;
		}
		return 1;
	}
	if (strncmp(section, "Webhook ", 8) != 0)
		return 0;
	if (value_ident(section + 8) < 0) {
		diag_add(diags, file, line,
		         "invalid webhook name '%s' (use letters, digits, '.', '_', '-')",
		         section + 8);
		return -EINVAL;
	}
	if (!webhook_get(ld->cfg, section + 8, file, line)) {
		config_oom(ld, file, line);
		return -ENOMEM;
	}
	return 1;
}

/* KEYFile= or KEYCredential= into *dst; *first_line keeps the first of the
 * pair, so giving both (or one twice across files) is named. */
static void secret_key(struct config_load *ld, const char *key, const char *value,
                       struct secret *dst, unsigned *first_line, const char *file, unsigned line,
                       struct diag_list *diags)
{
	size_t kl = strlen(key);
	bool is_file = kl > 4 && strcmp(key + kl - 4, "File") == 0;
	struct secret s = { 0 };
	int r;

	/* A drop-in may replace a secret (a repeat within one file is refused
	 * by config_key_repeated() before this). */
	secret_clear(dst);
	*first_line = line;
	if (is_file && value_abs_path(value) < 0) {
		diag_add(diags, file, line, "%s= must be an absolute path", key);
		return;
	}
	if (!is_file && !secret_credential_name_valid(value)) {
		diag_add(diags, file, line, "%s= must be a credential's name (a file name, no '/')",
		         key);
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
	else if (memchr(s.value, '\n', s.len) || memchr(s.value, '\r', s.len)) {
		/* A line break in a password or token would end up in a protocol
		 * line (AUTH, an HTTP header). */
		diag_add(diags, file, line, "%s=: the secret in '%s' has more than one line", key,
		         value);
		secret_clear(&s);
	} else
		*dst = s;
}

static bool timeout_key(const char *value, int *dst, const char *key, const char *file,
                        unsigned line, struct diag_list *diags)
{
	uint64_t u;
	if (value_uint(value, 1, 600, &u) < 0) {
		diag_add(diags, file, line, "%s= must be 1..600 (seconds)", key);
		return false;
	}
	*dst = (int)u;
	return true;
}

static bool is_key(const char *key, const char *a, const char *b)
{
	return strcmp(key, a) == 0 || strcmp(key, b) == 0;
}

static void email_key(struct config_load *ld, const char *key, const char *value, const char *file,
                      unsigned line, struct diag_list *diags)
{
	struct config_email *e = &ld->cfg->email;

	if (strcmp(key, "SmtpUrl") == 0) {
		bool ok = (strncmp(value, "smtp://", 7) == 0 && value[7] && value[7] != '/') ||
		          (strncmp(value, "smtps://", 8) == 0 && value[8] && value[8] != '/');
		for (const char *p = value; ok && *p; p++)
			if ((unsigned char)*p <= 0x20 || *p == 0x7f)
				ok = false;
		if (!ok || strlen(value) > 1024 || strchr(value, '@'))
			diag_add(diags, file, line,
			         "SmtpUrl= must be smtp://HOST[:PORT] or smtps://HOST[:PORT] "
			         "(no user or password: use User= and PasswordFile=)");
		else
			config_set_str(ld, &e->smtp_url, value, file, line);
	} else if (strcmp(key, "StartTls") == 0) {
		if (strcmp(value, "yes") == 0)
			e->starttls = CONFIG_STARTTLS_YES;
		else if (strcmp(value, "try") == 0)
			e->starttls = CONFIG_STARTTLS_TRY;
		else if (strcmp(value, "no") == 0)
			e->starttls = CONFIG_STARTTLS_NO;
		else
			diag_add(diags, file, line, "StartTls= must be yes, try or no");
	} else if (strcmp(key, "From") == 0) {
		if (value_email(value) < 0)
			diag_add(diags, file, line, "From= is not an e-mail address: '%s'", value);
		else
			config_set_str(ld, &e->from, value, file, line);
	} else if (strcmp(key, "User") == 0) {
		if (!*value || strlen(value) > 256 || strpbrk(value, "\r\n"))
			diag_add(diags, file, line, "User= must be 1..256 characters on one line");
		else if (config_set_str(ld, &e->user, value, file, line) == 0) {
			secret_clear(&e->user_secret);
			e->user_line = line;
		}
	} else if (is_key(key, "UserFile", "UserCredential")) {
		secret_key(ld, key, value, &e->user_secret, &e->user_line, file, line, diags);
		free(e->user);
		e->user = NULL;
	} else if (is_key(key, "PasswordFile", "PasswordCredential")) {
		secret_key(ld, key, value, &e->password, &e->password_line, file, line, diags);
	} else if (strcmp(key, "Password") == 0) {
		diag_add(diags, file, line,
		         "secrets do not belong in configuration files: use PasswordFile= or "
		         "PasswordCredential=");
	} else if (strcmp(key, "TimeoutSec") == 0) {
		timeout_key(value, &e->timeout_sec, key, file, line, diags);
	} else if (strcmp(key, "CaFile") == 0) {
		if (value_abs_path(value) < 0)
			diag_add(diags, file, line, "CaFile= must be an absolute path");
		else
			config_set_str(ld, &e->ca_file, value, file, line);
	} else {
		diag_add(diags, file, line, "unknown key '%s' in [Email]", key);
	}
}

/* A Matrix room id: !opaque:server (aliases like #room:server cannot be
 * sent to without a lookup). */
static bool matrix_room_ok(const char *s)
{
	if (s[0] != '!' || !strchr(s + 1, ':') || strlen(s) > 255)
		return false;
	for (const char *p = s; *p; p++)
		if ((unsigned char)*p <= 0x20 || *p == 0x7f || *p == '/')
			return false;
	return true;
}

static void webhook_key(struct config_load *ld, const char *name, const char *key,
                        const char *value, const char *file, unsigned line, struct diag_list *diags)
{
	struct config_webhook *w = webhook_get(ld->cfg, name, file, line);
	if (!w) {
		config_oom(ld, file, line);
		return;
	}
	if (strcmp(key, "Type") == 0) {
		enum config_webhook_type t;
		for (t = 0; t < CONFIG_WEBHOOK_NONE; t++)
			if (strcmp(value, webhook_types[t]) == 0)
				break;
		if (t == CONFIG_WEBHOOK_NONE)
			diag_add(diags, file, line, "Type= must be json, teams, slack or matrix");
		else
			w->type = t;
	} else if (strcmp(key, "Url") == 0) {
		if (value_http_url(value) < 0)
			diag_add(diags, file, line, "Url= must be an http:// or https:// URL");
		else if (config_set_str(ld, &w->url, value, file, line) == 0) {
			secret_clear(&w->url_secret);
			w->url_line = line;
		}
	} else if (is_key(key, "UrlFile", "UrlCredential")) {
		secret_key(ld, key, value, &w->url_secret, &w->url_line, file, line, diags);
		free(w->url);
		w->url = NULL;
		if (w->url_secret.value && value_http_url(w->url_secret.value) < 0) {
			diag_add(diags, file, line,
			         "%s=: the secret is not an http:// or https:// URL", key);
			secret_clear(&w->url_secret);
		}
	} else if (strcmp(key, "Homeserver") == 0) {
		if (value_http_url(value) < 0)
			diag_add(diags, file, line,
			         "Homeserver= must be an http:// or https:// URL");
		else
			config_set_str(ld, &w->homeserver, value, file, line);
	} else if (strcmp(key, "Room") == 0) {
		if (!matrix_room_ok(value))
			diag_add(diags, file, line,
			         "Room= must be a Matrix room id like !abcdef:example.org");
		else
			config_set_str(ld, &w->room, value, file, line);
	} else if (is_key(key, "AccessTokenFile", "AccessTokenCredential")) {
		secret_key(ld, key, value, &w->access_token, &w->token_line, file, line, diags);
	} else if (strcmp(key, "AccessToken") == 0) {
		diag_add(diags, file, line,
		         "secrets do not belong in configuration files: use AccessTokenFile= or "
		         "AccessTokenCredential=");
	} else if (strcmp(key, "TimeoutSec") == 0) {
		timeout_key(value, &w->timeout_sec, key, file, line, diags);
	} else if (strcmp(key, "CaFile") == 0) {
		if (value_abs_path(value) < 0)
			diag_add(diags, file, line, "CaFile= must be an absolute path");
		else
			config_set_str(ld, &w->ca_file, value, file, line);
	} else {
		diag_add(diags, file, line, "unknown key '%s' in [Webhook %s]", key, name);
	}
}

/* Email=ADDRESS, Webhook=NAME [NAME ...]: the channels of one contact.
 * Whether each can be delivered to is checked with the routes
 * (escalate_config_check()), which knows the channels. */
static void contact_key(struct config_load *ld, const char *name, const char *key,
                        const char *value, const char *file, unsigned line, struct diag_list *diags)
{
	struct config_contact *k = contact_get(ld->cfg, name, file, line);
	if (!k) {
		config_oom(ld, file, line);
		return;
	}
	if (strcmp(key, "Email") == 0) {
		if (value_email(value) < 0 || strpbrk(value, " \t()[]:\"\\"))
			diag_add(diags, file, line, "Email= is not an e-mail address: '%s'", value);
		else if (config_set_str(ld, &k->email, value, file, line) == 0)
			k->email_line = line;
	} else if (strcmp(key, "Webhook") == 0) {
		char buf[1024];
		size_t n = strlen(value);
		bool ok = n < sizeof(buf) && value[strspn(value, " \t")];
		if (ok)
			memcpy(buf, value, n + 1);
		for (char *save = NULL, *w = strtok_r(buf, " \t", &save); ok && w;
		     w = strtok_r(NULL, " \t", &save))
			ok = value_ident(w) == 0;
		if (!ok)
			diag_add(diags, file, line,
			         "Webhook= must name [Webhook NAME] sections, separated by spaces");
		else if (config_set_str(ld, &k->webhooks, value, file, line) == 0)
			k->webhook_line = line;
	} else {
		diag_add(diags, file, line, "unknown key '%s' in [Contact %s] (Email=, Webhook=)",
		         key, name);
	}
}

bool config_notify_value(struct config_load *ld, const char *section, const char *key,
                         const char *value, const char *file, unsigned line,
                         struct diag_list *diags)
{
	if (strcmp(section, "Email") == 0)
		email_key(ld, key, value, file, line, diags);
	else if (strncmp(section, "Webhook ", 8) == 0)
		webhook_key(ld, section + 8, key, value, file, line, diags);
	else if (strncmp(section, "Contact ", 8) == 0)
		contact_key(ld, section + 8, key, value, file, line, diags);
	else
		return false;
	return true;
}

/* What each section needs once every file is read, named at its header. */
void config_notify_validate(struct config_load *ld)
{
	struct config *c = ld->cfg;
	struct config_email *e = &c->email;

	if (e->file) {
		if (!e->smtp_url)
			diag_add(ld->diags, e->file, e->line, "[Email] has no SmtpUrl=");
		if (!e->from)
			diag_add(ld->diags, e->file, e->line,
			         "[Email] has no From= (the sender address of escalations)");
		if (e->password_line && !e->user_line)
			diag_add(ld->diags, e->file, e->line,
			         "[Email] has a password but no User=, UserFile= or "
			         "UserCredential=");
		if (e->user_line && !e->password_line)
			diag_add(ld->diags, e->file, e->line,
			         "[Email] has a user but no PasswordFile= or PasswordCredential=");
		if (e->smtp_url && strncmp(e->smtp_url, "smtps://", 8) == 0 &&
		    e->starttls != CONFIG_STARTTLS_YES)
			diag_add(ld->diags, e->file, e->line,
			         "[Email] SmtpUrl=smtps:// always uses TLS: StartTls= must be yes "
			         "(or left out)");
	}
	for (size_t i = 0; i < c->n_contacts; i++)
		if (!c->contacts[i].email && !c->contacts[i].webhooks)
			diag_add(ld->diags, c->contacts[i].file, c->contacts[i].line,
			         "[Contact %s] has no channel (Email=, Webhook=)",
			         c->contacts[i].name);
	for (size_t i = 0; i < c->n_webhooks; i++) {
		const struct config_webhook *w = &c->webhooks[i];
		if (w->type == CONFIG_WEBHOOK_NONE) {
			diag_add(ld->diags, w->file, w->line,
			         "[Webhook %s] has no Type= (json, teams, slack or matrix)",
			         w->name);
		} else if (w->type == CONFIG_WEBHOOK_MATRIX) {
			if (!w->homeserver || !w->room)
				diag_add(ld->diags, w->file, w->line,
				         "[Webhook %s] (matrix) needs Homeserver= and Room=",
				         w->name);
			if (!w->token_line)
				diag_add(ld->diags, w->file, w->line,
				         "[Webhook %s] (matrix) needs AccessTokenFile= or "
				         "AccessTokenCredential=",
				         w->name);
			if (w->url_line)
				diag_add(ld->diags, w->file, w->url_line,
				         "[Webhook %s] (matrix) takes Homeserver= and Room=, not a "
				         "URL",
				         w->name);
		} else {
			if (!w->url_line)
				diag_add(ld->diags, w->file, w->line,
				         "[Webhook %s] needs Url=, UrlFile= or UrlCredential=",
				         w->name);
			if (w->token_line)
				diag_add(ld->diags, w->file, w->token_line,
				         "[Webhook %s]: an access token is for Type=matrix only",
				         w->name);
		}
	}
}

void config_notify_free(struct config *c)
{
	for (size_t i = 0; i < c->n_contacts; i++) {
		free(c->contacts[i].name);
		free(c->contacts[i].email);
		free(c->contacts[i].webhooks);
		free(c->contacts[i].file);
	}
	free(c->contacts);
	struct config_email *e = &c->email;
	free(e->smtp_url);
	free(e->from);
	free(e->user);
	secret_clear(&e->user_secret);
	secret_clear(&e->password);
	free(e->ca_file);
	free(e->file);
	for (size_t i = 0; i < c->n_webhooks; i++) {
		struct config_webhook *w = &c->webhooks[i];
		free(w->name);
		free(w->url);
		secret_clear(&w->url_secret);
		free(w->homeserver);
		free(w->room);
		secret_clear(&w->access_token);
		free(w->ca_file);
		free(w->file);
	}
	free(c->webhooks);
}
