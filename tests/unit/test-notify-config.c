/* [Email] and [Webhook NAME]: good sections load with their secrets from
 * files and credentials; every mistake is named as file:line; offline
 * loads read no secret; notify_target_check follows the configuration. */
#include <errno.h>
#include <stdio.h>

#include "t.h"
#include "tfs.h"

#include "config/config.h"
#include "escalate/escalate.h"
#include "notify/notify.h"

static const char unit[] = "[Unit kultur]\n"
                           "Title=Kultur\n"
                           "ManagerEmail=chef@example.se\n";

static char *load_flags(const char *dir, unsigned flags, struct config **ret)
{
	struct diag_list dl = { 0 };
	struct config *c = NULL;
	char buf[1024];
	static char out[8192];
	out[0] = '\0';
	int r = config_load_flags(dir, NULL, flags, &c, &dl);
	for (size_t i = 0; i < dl.n; i++) {
		strncat(out, diag_format(&dl.v[i], buf, sizeof(buf)),
		        sizeof(out) - strlen(out) - 2);
		strcat(out, "\n");
	}
	if (r != 0 && dl.n == 0)
		strcat(out, "(failure without errors)\n");
	diag_list_clear(&dl);
	if (ret)
		*ret = c;
	else
		config_free(c);
	return out;
}

static char *load(const char *dir, struct config **ret)
{
	return load_flags(dir, 0, ret);
}

/* vaktd.conf: the unit, then fmt with every "%s" replaced by arg. */
static void write_conf(const char *dir, const char *fmt, const char *arg)
{
	char buf[8192];
	size_t n = (size_t)snprintf(buf, sizeof(buf), "%s", unit);
	for (const char *p = fmt; *p && n + 1 < sizeof(buf); p++) {
		if (p[0] == '%' && p[1] == 's') {
			n += (size_t)snprintf(buf + n, sizeof(buf) - n, "%s", arg);
			p++;
		} else {
			buf[n++] = *p;
		}
	}
	buf[n] = '\0';
	tfs_write(dir, "vaktd.conf", buf);
}

static void test_good_sections_load_with_secrets(void)
{
	char *dir = tfs_mkdtemp();
	char creds[4096];
	struct config *c = NULL;
	tfs_write(dir, "pw", "smtp-pass\n");
	tfs_write(dir, "slack-url", "https://hooks.slack.example/services/T/B/X\n");
	tfs_write(dir, "creds/matrix-token", "syt_token");
	write_conf(
	        dir,
	        "[Email]\nSmtpUrl=smtp://127.0.0.1:2525\nStartTls=no\nFrom=vakt@stad.example.se\n"
	        "User=vakt\nPasswordFile=%s/pw\nTimeoutSec=20\n"
	        "[Webhook oncall]\nType=json\nUrl=http://127.0.0.1:9/hook\n"
	        "[Webhook chat]\nType=slack\nUrlFile=%s/slack-url\n"
	        "[Webhook room]\nType=matrix\nHomeserver=https://matrix.example.org\n"
	        "Room=!abc:example.org\nAccessTokenCredential=matrix-token\n",
	        dir);
	snprintf(creds, sizeof(creds), "%s/creds", dir);
	setenv("CREDENTIALS_DIRECTORY", creds, 1);
	T_EQ_STR("", load(dir, &c));
	unsetenv("CREDENTIALS_DIRECTORY");
	if (c) {
		T_EQ_STR("smtp://127.0.0.1:2525", c->email.smtp_url);
		T_EQ_INT(CONFIG_STARTTLS_NO, c->email.starttls);
		T_EQ_STR("vakt", c->email.user);
		T_EQ_STR("smtp-pass", c->email.password.value);
		T_EQ_INT(20, c->email.timeout_sec);
		T_EQ_INT(3, c->n_webhooks);
		T_EQ_INT(CONFIG_WEBHOOK_JSON, config_find_webhook(c, "oncall")->type);
		T_EQ_STR("https://hooks.slack.example/services/T/B/X",
		         config_find_webhook(c, "chat")->url_secret.value);
		T_EQ_STR("syt_token", config_find_webhook(c, "room")->access_token.value);
		struct notify_target t;
		notify_target_parse("x@example.se", &t);
		T_EQ_INT(0, notify_target_check(c, &t));
		notify_target_parse("webhook:chat", &t);
		T_EQ_INT(0, notify_target_check(c, &t));
		notify_target_parse("webhook:nosuch", &t);
		T_EQ_INT(-ENOENT, notify_target_check(c, &t));
	}
	config_free(c);
	tfs_rmrf(dir);
}

static void test_no_email_section_means_no_email(void)
{
	char *dir = tfs_mkdtemp();
	struct config *c = NULL;
	tfs_write(dir, "vaktd.conf", unit);
	T_EQ_STR("", load(dir, &c));
	struct notify_target t;
	notify_target_parse("x@example.se", &t);
	if (c)
		T_EQ_INT(-ENOENT, notify_target_check(c, &t));
	config_free(c);
	tfs_rmrf(dir);
}

/* The route check with the real channels: an address (a unit's, a
 * route's, a contact's) with no [Email] to go out through ends nowhere,
 * and is named where it is written. */
static char *route_check(const char *dir)
{
	static char out[8192];
	struct diag_list dl = { 0 };
	struct config *c = NULL;
	char buf[1024];
	out[0] = '\0';
	snprintf(out, sizeof(out), "%s", load(dir, &c));
	if (c)
		escalate_config_check(c, &dl);
	for (size_t i = 0; i < dl.n; i++) {
		strncat(out, diag_format(&dl.v[i], buf, sizeof(buf)),
		        sizeof(out) - strlen(out) - 2);
		strcat(out, "\n");
	}
	diag_list_clear(&dl);
	config_free(c);
	return out;
}

static void test_mail_without_email_section_ends_nowhere(void)
{
	char *dir = tfs_mkdtemp();
	write_conf(dir,
	           "[Webhook chat]\nType=json\nUrl=http://127.0.0.1:9/hook\n" /* 4-6 */
	           "[Contact anna]\nEmail=anna@example.se\nWebhook=chat\n"    /* 7-9 */
	           "[Escalation]\nFallback=larm@example.se webhook:chat\n"    /* 10-11 */
	           "[OnCall]\nRota=contact:anna\n",                           /* 12-13 */
	           "");
	char *out = route_check(dir);
	T_CONTAINS(out, "vaktd.conf:1: [Unit kultur] ManagerEmail=chef@example.se: no [Email] "
	                "section");
	T_CONTAINS(out, "vaktd.conf:8: 'anna@example.se' is an e-mail address, but no [Email]");
	T_CONTAINS(out, "vaktd.conf:11: 'larm@example.se' is an e-mail address, but no [Email]");
	T_ASSERT(!strstr(out, "webhook:chat"));
	/* With [Email], the same routes are fine. */
	write_conf(dir,
	           "[Webhook chat]\nType=json\nUrl=http://127.0.0.1:9/hook\n"
	           "[Contact anna]\nEmail=anna@example.se\nWebhook=chat\n"
	           "[Escalation]\nFallback=larm@example.se webhook:chat\n"
	           "[OnCall]\nRota=contact:anna\n"
	           "[Email]\nSmtpUrl=smtp://127.0.0.1:2525\nFrom=vakt@example.se\n",
	           "");
	T_EQ_STR("", route_check(dir));
	tfs_rmrf(dir);
}

static void test_contact_mistakes_are_named(void)
{
	char *dir = tfs_mkdtemp();
	write_conf(dir,
	           "[Contact]\n"            /* 4 */
	           "[Contact bad name]\n"   /* 5 */
	           "[Contact empty]\n"      /* 6 */
	           "[Contact x]\n"          /* 7 */
	           "Email=not-an-address\n" /* 8 */
	           "Webhook=ok bad/name\n"  /* 9 */
	           "Phone=112\n",           /* 10 */
	           "");
	char *out = load(dir, NULL);
	T_CONTAINS(out, "vaktd.conf:4: [Contact] needs a name");
	T_CONTAINS(out, "vaktd.conf:5: invalid contact name 'bad name'");
	T_CONTAINS(out, "vaktd.conf:6: [Contact empty] has no channel");
	T_CONTAINS(out, "vaktd.conf:8: Email= is not an e-mail address");
	T_CONTAINS(out, "vaktd.conf:9: Webhook= must name [Webhook NAME] sections");
	T_CONTAINS(out, "vaktd.conf:10: unknown key 'Phone' in [Contact x]");
	tfs_rmrf(dir);
}

static void test_every_mistake_is_named_with_its_line(void)
{
	char *dir = tfs_mkdtemp();
	write_conf(dir,
	           "[Email]\n"                        /* 4 */
	           "SmtpUrl=http://mail.example.se\n" /* 5 */
	           "StartTls=maybe\n"                 /* 6 */
	           "From=not-an-address\n"            /* 7 */
	           "Password=hunter2\n"               /* 8 */
	           "TimeoutSec=0\n"                   /* 9 */
	           "Colour=blue\n"                    /* 10 */
	           "[Webhook]\n"                      /* 11 */
	           "[Webhook bad name]\n"             /* 12 */
	           "[Webhook a]\n"                    /* 13 */
	           "Type=carrier-pigeon\n"            /* 14 */
	           "Url=ftp://x\n"                    /* 15 */
	           "[Webhook m]\n"                    /* 16 */
	           "Type=matrix\n"                    /* 17 */
	           "Room=#alias:example.org\n"        /* 18 */
	           "AccessToken=abc\n"                /* 19 */
	           "[Webhook n]\n"                    /* 20 */
	           "Type=json\n"                      /* 21 */
	           "AccessTokenFile=%s/missing\n",    /* 22 */
	           dir);
	const char *got = load(dir, NULL);
	T_CONTAINS(got, "vaktd.conf:5: SmtpUrl= must be smtp://");
	T_CONTAINS(got, "vaktd.conf:6: StartTls= must be yes, try or no");
	T_CONTAINS(got, "vaktd.conf:7: From= is not an e-mail address");
	T_CONTAINS(got, "vaktd.conf:8: secrets do not belong in configuration files");
	T_CONTAINS(got, "vaktd.conf:9: TimeoutSec= must be 1..600");
	T_CONTAINS(got, "vaktd.conf:10: unknown key 'Colour' in [Email]");
	T_CONTAINS(got, "vaktd.conf:4: [Email] has no SmtpUrl=");
	T_CONTAINS(got, "vaktd.conf:4: [Email] has no From=");
	T_CONTAINS(got, "vaktd.conf:11: [Webhook] needs a name");
	T_CONTAINS(got, "vaktd.conf:12: invalid webhook name 'bad name'");
	T_CONTAINS(got, "vaktd.conf:14: Type= must be json, teams, slack or matrix");
	T_CONTAINS(got, "vaktd.conf:15: Url= must be an http:// or https:// URL");
	T_CONTAINS(got, "vaktd.conf:13: [Webhook a] has no Type=");
	T_CONTAINS(got, "vaktd.conf:18: Room= must be a Matrix room id");
	T_CONTAINS(got, "vaktd.conf:19: secrets do not belong in configuration files");
	T_CONTAINS(got, "vaktd.conf:16: [Webhook m] (matrix) needs Homeserver= and Room=");
	T_CONTAINS(got, "vaktd.conf:16: [Webhook m] (matrix) needs AccessTokenFile=");
	T_CONTAINS(got, "vaktd.conf:22: AccessTokenFile=: cannot read");
	T_CONTAINS(got, "vaktd.conf:20: [Webhook n] needs Url=");
	T_CONTAINS(got, "vaktd.conf:22: [Webhook n]: an access token is for Type=matrix only");
	T_ASSERT(strstr(got, "hunter2") == NULL);
	T_ASSERT(strstr(got, "abc\n") == NULL);
	tfs_rmrf(dir);
}

static void test_contradictions_are_refused(void)
{
	char *dir = tfs_mkdtemp();
	write_conf(dir,
	           "[Email]\n"                          /* 4 */
	           "SmtpUrl=smtps://mail.example.se\n"  /* 5 */
	           "StartTls=no\n"                      /* 6 */
	           "From=vakt@example.se\n"             /* 7 */
	           "PasswordFile=%s/pw\n"               /* 8 */
	           "[Webhook m]\n"                      /* 9 */
	           "Type=matrix\n"                      /* 10 */
	           "Homeserver=https://m.example.org\n" /* 11 */
	           "Room=!r:example.org\n"              /* 12 */
	           "Url=https://m.example.org/x\n"      /* 13 */
	           "AccessTokenFile=%s/pw\n",           /* 14 */
	           dir);
	tfs_write(dir, "pw", "two\nlines\n");
	const char *got = load(dir, NULL);
	T_CONTAINS(got, "vaktd.conf:4: [Email] SmtpUrl=smtps:// always uses TLS");
	T_CONTAINS(got, "vaktd.conf:4: [Email] has a password but no User=");
	T_CONTAINS(got, "vaktd.conf:8: PasswordFile=: the secret in");
	T_CONTAINS(got, "has more than one line");
	T_CONTAINS(got,
	           "vaktd.conf:13: [Webhook m] (matrix) takes Homeserver= and Room=, not a URL");
	T_ASSERT(strstr(got, "lines") == NULL || strstr(got, "more than one line") != NULL);
	tfs_rmrf(dir);
}

static void test_offline_load_reads_no_secret(void)
{
	char *dir = tfs_mkdtemp();
	struct config *c = NULL;
	tfs_write(dir, "pw", "smtp-pass\n");
	write_conf(dir,
	           "[Email]\nSmtpUrl=smtp://127.0.0.1:25\nFrom=vakt@example.se\nUser=u\n"
	           "PasswordFile=%s/pw\n",
	           dir);
	T_EQ_STR("", load_flags(dir, CONFIG_LOAD_NO_SECRETS, &c));
	if (c)
		T_ASSERT(c->email.password.value == NULL);
	config_free(c);
	tfs_rmrf(dir);
}

static void test_dropin_overrides_smtp_url(void)
{
	char *dir = tfs_mkdtemp();
	struct config *c = NULL;
	write_conf(dir, "[Email]\nSmtpUrl=smtp://old.example.se\nFrom=vakt@example.se\n%s", "");
	tfs_write(dir, "vaktd.conf.d/mail.conf", "[Email]\nSmtpUrl=smtp://new.example.se:587\n");
	T_EQ_STR("", load(dir, &c));
	if (c)
		T_EQ_STR("smtp://new.example.se:587", c->email.smtp_url);
	config_free(c);
	tfs_rmrf(dir);
}

int main(void)
{
	T_RUN(test_good_sections_load_with_secrets);
	T_RUN(test_no_email_section_means_no_email);
	T_RUN(test_mail_without_email_section_ends_nowhere);
	T_RUN(test_contact_mistakes_are_named);
	T_RUN(test_every_mistake_is_named_with_its_line);
	T_RUN(test_contradictions_are_refused);
	T_RUN(test_offline_load_reads_no_secret);
	T_RUN(test_dropin_overrides_smtp_url);
	return t_done();
}
