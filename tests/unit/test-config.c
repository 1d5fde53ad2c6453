/* Configuration: every kind of mistake is reported as file:line, all in one
 * pass; good files load with the documented defaults. */
#include <stdint.h>
#include <sys/stat.h>

#include "t.h"
#include "tfs.h"

#include "config/config.h"
#include "calendar/duration.h"
#include "config/ini-file.h"
#include "config/secret.h"
#include "config/values.h"
#include "util/timespan.h"
#include "util/yesno.h"

static const char good_daemon[] = "[Daemon]\n"
                                  "LogLevel=debug\n"
                                  "[Unit kultur]\n"
                                  "Title=Kulturförvaltningen\n"
                                  "ManagerEmail=chef@example.se\n";

static const char good_account[] = "[Account]\n"
                                   "Platform=facebook\n"
                                   "Unit=kultur\n"
                                   "ExternalId=123\n"
                                   "ApiBaseUrl=http://127.0.0.1:9/fb\n";

/* Load dir with flags and return all diagnostics joined by newlines (""
 * when ok). */
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
	if (r == 0 && dl.n)
		strcat(out, "(errors but success)\n");
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

static void test_good_config_loads_with_defaults(void)
{
	char *dir = tfs_mkdtemp();
	struct config *c = NULL;
	tfs_write(dir, "vaktd.conf", good_daemon);
	tfs_write(dir, "accounts.d/kultur-fb.conf", good_account);
	T_EQ_STR("", load(dir, &c));
	T_ASSERT(c != NULL);
	if (c) {
		T_EQ_INT(1, c->n_accounts);
		T_EQ_STR("kultur-fb", c->accounts[0].id);
		T_EQ_INT(PLATFORM_FACEBOOK, c->accounts[0].platform);
		T_EQ_INT(1, c->accounts[0].enabled);
		T_EQ_INT(0660, c->daemon.api_socket_mode);
		T_EQ_INT(64 * 1024, c->daemon.api_max_body);
		T_EQ_INT(7, c->daemon.log_level);
		T_EQ_STR("Kulturförvaltningen", config_find_unit(c, "kultur")->title);
	}
	config_free(c);
	tfs_rmrf(dir);
}

static void test_every_error_has_file_and_line(void)
{
	char *dir = tfs_mkdtemp();
	char exp[4096];
	tfs_write(dir, "vaktd.conf",
	          "[Daemon]\n"                      /* 1 */
	          "LogLevel=loud\n"                 /* 2: bad value */
	          "Colour=blue\n"                   /* 3: unknown key */
	          "[Deamon]\n"                      /* 4: unknown section (typo) */
	          "Foo=bar\n"                       /* 5: skipped, section unknown */
	          "[Api]\n"                         /* 6 */
	          "SocketMode=999\n"                /* 7: not octal */
	          "MaxConnections=0\n"              /* 8: out of range */
	          "this line is broken\n"           /* 9: syntax */
	          "[Unit kultur]\n"                 /* 10 */
	          "Title=Kultur\n"                  /* 11 */
	          "ManagerEmail=not-an-address\n"); /* 12 */
	tfs_write(dir, "accounts.d/a.conf",
	          "[Account]\n"            /* 1 */
	          "Platform=myspace\n"     /* 2: unknown platform */
	          "Unit=nosuchunit\n"      /* 3: dangling reference */
	          "ExternalId=1\n"         /* 4 */
	          "Enabled=maybe\n"        /* 5: bad bool */
	          "Token=abc\n"            /* 6: secret in config */
	          "ApiBaseUrl=ftp://x\n"); /* 7: bad URL */
	const char *got = load(dir, NULL);
	snprintf(exp, sizeof(exp), "%s/vaktd.conf:2: LogLevel=", dir);
	T_CONTAINS(got, exp);
	snprintf(exp, sizeof(exp), "%s/vaktd.conf:3: unknown key 'Colour' in [Daemon]", dir);
	T_CONTAINS(got, exp);
	snprintf(exp, sizeof(exp), "%s/vaktd.conf:4: unknown section [Deamon]", dir);
	T_CONTAINS(got, exp);
	snprintf(exp, sizeof(exp), "%s/vaktd.conf:7: SocketMode=", dir);
	T_CONTAINS(got, exp);
	snprintf(exp, sizeof(exp), "%s/vaktd.conf:8: MaxConnections=", dir);
	T_CONTAINS(got, exp);
	snprintf(exp, sizeof(exp), "%s/vaktd.conf:9: expected 'Key=Value'", dir);
	T_CONTAINS(got, exp);
	snprintf(exp, sizeof(exp), "%s/vaktd.conf:12: ManagerEmail=", dir);
	T_CONTAINS(got, exp);
	snprintf(exp, sizeof(exp), "%s/accounts.d/a.conf:2: unknown Platform 'myspace'", dir);
	T_CONTAINS(got, exp);
	snprintf(exp, sizeof(exp), "%s/accounts.d/a.conf:3: account 'a' names unit 'nosuchunit'",
	         dir);
	T_CONTAINS(got, exp);
	snprintf(exp, sizeof(exp), "%s/accounts.d/a.conf:5: Enabled=", dir);
	T_CONTAINS(got, exp);
	snprintf(exp, sizeof(exp), "%s/accounts.d/a.conf:6: secrets do not belong", dir);
	T_CONTAINS(got, exp);
	snprintf(exp, sizeof(exp), "%s/accounts.d/a.conf:7: ApiBaseUrl=", dir);
	T_CONTAINS(got, exp);
	/* Line 5 sits under an unknown section and must not add noise. */
	T_ASSERT(strstr(got, "'Foo'") == NULL);
	/* The secret's value is never echoed. */
	T_ASSERT(strstr(got, "abc") == NULL);
	tfs_rmrf(dir);
}

static void test_missing_main_file_and_required_keys(void)
{
	char *dir = tfs_mkdtemp();
	char exp[4096];
	tfs_write(dir, "accounts.d/b.conf", "# an account\n\n[Account]\nTitle=x\n");
	tfs_write(dir, "accounts.d/c.conf", "# no section at all\n");
	tfs_write(dir, "accounts.d/m.conf", "[Account]\nPlatform=mastodon\n");
	const char *got = load(dir, NULL);
	snprintf(exp, sizeof(exp), "%s/vaktd.conf: cannot open", dir);
	T_CONTAINS(got, exp);
	/* A missing key is reported at its section's header. */
	snprintf(exp, sizeof(exp), "%s/accounts.d/b.conf:3: account 'b' has no Platform=", dir);
	T_CONTAINS(got, exp);
	snprintf(exp, sizeof(exp), "%s/accounts.d/b.conf:3: account 'b' has no Unit=", dir);
	T_CONTAINS(got, exp);
	snprintf(exp, sizeof(exp),
	         "%s/accounts.d/m.conf:1: account 'm' is on Mastodon and needs ApiBaseUrl=", dir);
	T_CONTAINS(got, exp);
	snprintf(exp, sizeof(exp), "%s/accounts.d/b.conf:3: account 'b' has no ExternalId=", dir);
	T_CONTAINS(got, exp);
	snprintf(exp, sizeof(exp), "%s/accounts.d/c.conf: account 'c' has no [Account] section",
	         dir);
	T_CONTAINS(got, exp);
	tfs_rmrf(dir);
}

static void test_dropins_override_in_name_order(void)
{
	char *dir = tfs_mkdtemp();
	struct config *c = NULL;
	tfs_write(dir, "vaktd.conf", good_daemon);
	tfs_write(dir, "vaktd.conf.d/10-api.conf", "[Api]\nMaxConnections=5\n");
	tfs_write(dir, "vaktd.conf.d/20-api.conf", "[Api]\nMaxConnections=7\n");
	tfs_write(dir, "vaktd.conf.d/README", "not a .conf file, ignored\n");
	T_EQ_STR("", load(dir, &c));
	if (c)
		T_EQ_INT(7, c->daemon.api_max_connections);
	config_free(c);
	tfs_rmrf(dir);
}

/* AutoActions=: the site's [Actions] value, an account's own, the
 * default, and a wrong value named by file and line. */
static void test_auto_actions_layers_and_errors(void)
{
	char *dir = tfs_mkdtemp();
	struct config *c = NULL;
	tfs_write(dir, "vaktd.conf", good_daemon);
	tfs_write(dir, "accounts.d/a.conf", good_account);
	T_EQ_STR("", load(dir, &c));
	if (c)
		T_EQ_INT(CONFIG_AUTO_DEFAULT, c->accounts[0].auto_actions);
	config_free(c);
	tfs_write(dir, "vaktd.conf.d/10-actions.conf", "[Actions]\nAutoActions=hide delete\n");
	tfs_write(dir, "accounts.d/b.conf",
	          "[Account]\nPlatform=x\nUnit=kultur\nExternalId=1\nAutoActions=none\n");
	T_EQ_STR("", load(dir, &c));
	if (c) {
		T_EQ_INT(CONFIG_AUTO_HIDE_OBVIOUS | CONFIG_AUTO_DELETE_OBVIOUS,
		         config_find_account(c, "a")->auto_actions);
		T_EQ_INT(0, config_find_account(c, "b")->auto_actions);
	}
	config_free(c);
	tfs_write(dir, "accounts.d/b.conf",
	          "[Account]\nPlatform=x\nUnit=kultur\nExternalId=1\nAutoActions=hide:maybe\n");
	tfs_write(dir, "vaktd.conf.d/10-actions.conf", "[Actions]\nAutoAction=hide\n");
	char *out = load(dir, &c);
	T_CONTAINS(out, "b.conf:5: AutoActions= must be none");
	T_CONTAINS(out, "10-actions.conf:2: unknown key 'AutoAction' in [Actions]");
	T_ASSERT(c == NULL);
	tfs_rmrf(dir);
}

static void test_token_from_file_and_credential(void)
{
	char *dir = tfs_mkdtemp();
	char acc[8192], path[4096];
	struct config *c = NULL;
	snprintf(path, sizeof(path), "%s/token", dir);
	tfs_write(dir, "token", "s3cret-token\n");
	tfs_write(dir, "creds/fb-token", "cred-token");
	tfs_write(dir, "vaktd.conf", good_daemon);
	snprintf(acc, sizeof(acc), "%sTokenFile=%s\n", good_account, path);
	tfs_write(dir, "accounts.d/one.conf", acc);
	snprintf(acc, sizeof(acc), "%sTokenCredential=fb-token\n", good_account);
	tfs_write(dir, "accounts.d/two.conf", acc);
	snprintf(path, sizeof(path), "%s/creds", dir);
	setenv("CREDENTIALS_DIRECTORY", path, 1);
	T_EQ_STR("", load(dir, &c));
	if (c) {
		T_EQ_STR("s3cret-token", config_find_account(c, "one")->token.value);
		T_EQ_STR("cred-token", config_find_account(c, "two")->token.value);
	}
	config_free(c);
	unsetenv("CREDENTIALS_DIRECTORY");
	const char *got = load(dir, NULL);
	T_CONTAINS(got, "two.conf:6: credential 'fb-token' not found");
	tfs_rmrf(dir);
}

/* YouTube's quota keys: the project is QuotaProject=, else where the
 * token comes from (never the token); defaults 10000 and 1000; refused on
 * other platforms and with a reserve that leaves polls nothing. */
static void test_youtube_quota_keys(void)
{
	char *dir = tfs_mkdtemp();
	char acc[8192], path[2048], exp[4096];
	struct config *c = NULL;
	const char *yt = "[Account]\nPlatform=youtube\nUnit=kultur\nExternalId=UC1\n";
	snprintf(path, sizeof(path), "%s/yt.token", dir);
	tfs_write(dir, "yt.token", "ya29-secret\n");
	tfs_write(dir, "vaktd.conf", good_daemon);
	snprintf(acc, sizeof(acc), "%sTokenFile=%s\n", yt, path);
	tfs_write(dir, "accounts.d/a.conf", acc);
	snprintf(acc, sizeof(acc),
	         "%sQuotaPerDay=20000\nQuotaReserve=0\nTokenFile=%s\n"
	         "QuotaProject=city-yt\n",
	         yt, path);
	tfs_write(dir, "accounts.d/b.conf", acc);
	snprintf(acc, sizeof(acc), "%sTokenFile=%s\n", good_account, path);
	tfs_write(dir, "accounts.d/fb.conf", acc);
	T_EQ_STR("", load(dir, &c));
	if (c) {
		const struct config_account *a = config_find_account(c, "a");
		const struct config_account *b = config_find_account(c, "b");
		snprintf(exp, sizeof(exp), "file:%s", path);
		T_EQ_STR(exp, a->quota_project);
		T_EQ_INT(10000, a->quota_per_day);
		T_EQ_INT(1000, a->quota_reserve);
		T_EQ_STR("city-yt", b->quota_project);
		T_EQ_INT(20000, b->quota_per_day);
		T_EQ_INT(0, b->quota_reserve);
		T_ASSERT(config_find_account(c, "fb")->quota_project == NULL);
	}
	config_free(c);
	snprintf(acc, sizeof(acc), "%sTokenCredential=yt\nQuotaPerDay=100\nQuotaReserve=100\n", yt);
	tfs_write(dir, "accounts.d/a.conf", acc);
	snprintf(acc, sizeof(acc), "%sQuotaPerDay=5\n", good_account);
	tfs_write(dir, "accounts.d/fb.conf", acc);
	tfs_write(dir, "accounts.d/b.conf",
	          "[Account]\nPlatform=youtube\nUnit=kultur\n"
	          "ExternalId=UC2\nQuotaProject=no/slash\n");
	const char *got = load_flags(dir, CONFIG_LOAD_NO_SECRETS, NULL);
	T_CONTAINS(got, "a.conf:6: QuotaReserve= (100) must be less than QuotaPerDay= (100)");
	T_CONTAINS(got, "fb.conf:6: QuotaProject=, QuotaPerDay= and QuotaReserve= are for "
	                "Platform=youtube only");
	T_CONTAINS(got, "b.conf:5: QuotaProject= must be");
	tfs_rmrf(dir);
}

static void test_calendar_and_schedule_errors(void)
{
	char *dir = tfs_mkdtemp();
	char exp[4096], acc[4096];
	tfs_write(dir, "vaktd.conf",
	          "[Calendar]\n"          /* 1 */
	          "Hours=9-17\n"          /* 2: bad hours */
	          "[Calendar service]\n"  /* 3 */
	          "Opening=never\n"       /* 4: unknown key */
	          "[Schedule myspace]\n"  /* 5: not a platform */
	          "[Schedule]\n"          /* 6 */
	          "Interval=5s\n"         /* 7: below a minute */
	          "[Unit kultur]\n"       /* 8 */
	          "Title=Kultur\n"        /* 9 */
	          "ManagerEmail=a@b.se\n" /* 10 */
	          "Calendar=nosuch\n");   /* 11: dangling */
	snprintf(acc, sizeof(acc), "%s[Schedule]\nPollAt=08:30 25:00\n", good_account);
	tfs_write(dir, "accounts.d/a.conf", acc);
	const char *got = load(dir, NULL);
	snprintf(exp, sizeof(exp), "%s/vaktd.conf:2: Hours=9-17: expected", dir);
	T_CONTAINS(got, exp);
	snprintf(exp, sizeof(exp), "%s/vaktd.conf:4: unknown key 'Opening' in [Calendar service]",
	         dir);
	T_CONTAINS(got, exp);
	snprintf(exp, sizeof(exp), "%s/vaktd.conf:5: [Schedule myspace]: not a platform", dir);
	T_CONTAINS(got, exp);
	snprintf(exp, sizeof(exp), "%s/vaktd.conf:7: Interval=5s: expected", dir);
	T_CONTAINS(got, exp);
	snprintf(exp, sizeof(exp), "%s/vaktd.conf:11: [Unit kultur] names calendar 'nosuch'", dir);
	T_CONTAINS(got, exp);
	snprintf(exp, sizeof(exp), "%s/accounts.d/a.conf:7: PollAt=08:30 25:00: expected", dir);
	T_CONTAINS(got, exp);
	tfs_rmrf(dir);
}

static void test_schedule_below_floor_is_refused(void)
{
	char *dir = tfs_mkdtemp();
	char exp[4096], acc[4096];
	tfs_write(dir, "vaktd.conf", good_daemon);
	snprintf(acc, sizeof(acc),
	         "%s[Schedule]\nInterval=off\nOffHoursInterval=off\nPollAt=08:30 12:00\n",
	         good_account);
	tfs_write(dir, "accounts.d/lazy.conf", acc);
	const char *got = load(dir, NULL);
	snprintf(exp, sizeof(exp),
	         "%s/accounts.d/lazy.conf:6: account 'lazy' would be polled only 2 times on "
	         "business day ",
	         dir);
	T_CONTAINS(got, exp);
	T_CONTAINS(got, "the floor is 3 polls per business day");
	tfs_rmrf(dir);
}

static void test_half_day_can_break_the_floor(void)
{
	char *dir = tfs_mkdtemp();
	char acc[4096];
	/* Three polls an hour apart from the opening fit a whole day, but not
	 * valborgsmässoafton closing at 09:30. */
	tfs_write(dir, "vaktd.conf",
	          "[Calendar]\nValborgsmassoafton=half 09:30\n"
	          "[Unit kultur]\nTitle=K\nManagerEmail=a@b.se\n");
	snprintf(acc, sizeof(acc), "%s[Schedule]\nInterval=1h\nOffHoursInterval=off\n",
	         good_account);
	tfs_write(dir, "accounts.d/k.conf", acc);
	const char *got = load(dir, NULL);
	T_CONTAINS(got, "would be polled only 2 times on business day ");
	T_CONTAINS(got, "-04-30");
	tfs_rmrf(dir);
}

static void test_schedule_layers_and_calendars_resolve(void)
{
	char *dir = tfs_mkdtemp();
	char acc[4096];
	struct config *c = NULL;
	tfs_write(dir, "vaktd.conf",
	          "[Schedule]\nInterval=1h\n"
	          "[Schedule facebook]\nOffHoursInterval=3h\n"
	          "[Calendar dygnet-runt]\nAlwaysOpen=yes\n"
	          "[Unit kultur]\nTitle=K\nManagerEmail=a@b.se\n"
	          "Calendar=dygnet-runt\n");
	snprintf(acc, sizeof(acc), "%s[Schedule]\nJitter=0\n", good_account);
	tfs_write(dir, "accounts.d/k.conf", acc);
	T_EQ_STR("", load(dir, &c));
	if (c) {
		const struct config_account *a = &c->accounts[0];
		T_EQ_INT(3600LL * 1000000, a->sched.interval_usec);
		T_EQ_INT(3LL * 3600 * 1000000, a->sched.off_hours_usec);
		T_EQ_INT(0, a->sched.jitter_usec);
		T_EQ_INT(300LL * 1000000, a->sched.crisis_usec);
		T_EQ_STR("dygnet-runt", a->calendar_name);
		T_ASSERT(a->cal == config_find_calendar(c, "dygnet-runt"));
	}
	config_free(c);
	tfs_rmrf(dir);
}

static void test_deadline_layers_and_errors(void)
{
	char *dir = tfs_mkdtemp();
	char acc[4096], exp[4096];
	struct config *c = NULL;
	tfs_write(dir, "vaktd.conf",
	          "[Deadlines]\nRespondWithin=2 business days\nWarnAt=80%\n"
	          "[Deadlines kultur]\nReviewPossibleWithin=8 business hours\n"
	          "[Unit kultur]\nTitle=K\nManagerEmail=a@b.se\n");
	snprintf(acc, sizeof(acc), "%s[Deadlines]\nWarnAt=50%%\nReviewWithin.threat=30min\n",
	         good_account);
	tfs_write(dir, "accounts.d/k.conf", acc);
	T_EQ_STR("", load(dir, &c));
	if (c) {
		const struct deadline_policy *p = &c->accounts[0].deadlines;
		T_EQ_INT(2, p->respond_within.count);
		T_EQ_INT(CAL_UNIT_BUSINESS_DAYS, p->respond_within.unit);
		T_EQ_INT(8, p->review_possible_within.count);
		T_EQ_INT(50, p->warn_pct);
		T_EQ_INT(2, p->review_obvious_within.count);              /* the default 2 hours */
		T_EQ_INT(1u << 1, c->accounts[0].review_by_category_set); /* threat */
		T_EQ_INT(30, c->accounts[0].review_by_category[1].count);
	}
	config_free(c);
	tfs_write(dir, "vaktd.conf",
	          "[Deadlines]\nRespondWithin=soon\nAnswerWithin=1h\n"
	          "[Deadlines ghost]\nWarnAt=75%\n"
	          "[Unit kultur]\nTitle=K\nManagerEmail=a@b.se\n"
	          "[Deadlines kultur]\nReviewWithin.gossip=1h\n"
	          "ReviewWithin.threat=0h\n"
	          "[Deadlines empty]\n");
	const char *got = load(dir, NULL);
	snprintf(exp, sizeof(exp), "%s/vaktd.conf:2: RespondWithin=soon: expected a duration", dir);
	T_CONTAINS(got, exp);
	snprintf(exp, sizeof(exp), "%s/vaktd.conf:3: unknown key 'AnswerWithin' in [Deadlines]",
	         dir);
	T_CONTAINS(got, exp);
	snprintf(exp, sizeof(exp), "%s/vaktd.conf:4: [Deadlines ghost] names a unit", dir);
	T_CONTAINS(got, exp);
	snprintf(exp, sizeof(exp), "%s/vaktd.conf:12: [Deadlines empty] names a unit", dir);
	T_CONTAINS(got, exp);
	snprintf(exp, sizeof(exp), "%s/vaktd.conf:10: ReviewWithin.gossip: not a filter category",
	         dir);
	T_CONTAINS(got, exp);
	snprintf(exp, sizeof(exp), "%s/vaktd.conf:11: ReviewWithin.threat=0h: expected", dir);
	T_CONTAINS(got, exp);
	tfs_rmrf(dir);
}

static void test_hostile_values_are_refused(void)
{
	char *dir = tfs_mkdtemp();
	char acc[8192], fifo[4096], exp[4096];
	snprintf(fifo, sizeof(fifo), "%s/token-fifo", dir);
	T_EQ_INT(0, mkfifo(fifo, 0600));
	tfs_write(dir, "vaktd.conf",
	          "[Api]\nSocketMode=0666\n"
	          "MaxBodySize=18014398509481985K\n"
	          "[Unit kultur]\nTitle=K\nManagerEmail=a@b.se\n");
	/* A FIFO with no writer must not hang the load. */
	snprintf(acc, sizeof(acc), "%sTokenFile=%s\n", good_account, fifo);
	tfs_write(dir, "accounts.d/k.conf", acc);
	const char *got = load(dir, NULL);
	snprintf(exp, sizeof(exp),
	         "%s/vaktd.conf:2: SocketMode=0666: the API has no authentication", dir);
	T_CONTAINS(got, exp);
	snprintf(exp, sizeof(exp), "%s/vaktd.conf:3: MaxBodySize=", dir);
	T_CONTAINS(got, exp);
	snprintf(exp, sizeof(exp), "%s/accounts.d/k.conf:6: TokenFile=: cannot read", dir);
	T_CONTAINS(got, exp);
	tfs_rmrf(dir);
}

static void test_value_parsers(void)
{
	int64_t us;
	size_t sz;
	bool b;
	T_EQ_INT(0, timespan_parse("90s", &us));
	T_EQ_INT(90000000, us);
	T_EQ_INT(0, timespan_parse("1h 30min", &us));
	T_EQ_INT(5400000000LL, us);
	T_ASSERT(timespan_parse("1 fortnight", &us) < 0);
	T_ASSERT(timespan_parse("", &us) < 0);
	/* Overflow is an error, not a wrapped value that passes a range check. */
	T_ASSERT(timespan_parse("999999999d 999999999d 999999999d", &us) < 0);
	T_ASSERT(value_size("18014398509481985K", 1, SIZE_MAX, &sz) < 0);
	T_EQ_INT(0, value_size("64K", 1, 1 << 30, &sz));
	T_EQ_INT(65536, sz);
	T_ASSERT(value_size("64X", 1, 1 << 30, &sz) < 0);
	T_EQ_INT(0, yesno_parse("yes", &b));
	T_EQ_INT(1, b);
	T_ASSERT(yesno_parse("ja", &b) < 0);
	T_EQ_INT(0, value_email("a.b@stockholm.se"));
	T_ASSERT(value_email("a@b") < 0);
	T_ASSERT(value_http_url("http://") < 0);
	T_ASSERT(value_ident("bad id") < 0);
}

static void test_unit_missing_keys_name_its_header(void)
{
	char *dir = tfs_mkdtemp();
	char exp[4096];
	tfs_write(dir, "vaktd.conf", "[Daemon]\nLogLevel=info\n\n[Unit kultur]\nManager=A\n");
	const char *got = load(dir, NULL);
	snprintf(exp, sizeof(exp), "%s/vaktd.conf:4: [Unit kultur] has no Title=", dir);
	T_CONTAINS(got, exp);
	snprintf(exp, sizeof(exp), "%s/vaktd.conf:4: [Unit kultur] has no ManagerEmail=", dir);
	T_CONTAINS(got, exp);
	tfs_rmrf(dir);
}

static void test_floor_error_names_the_account_header(void)
{
	char *dir = tfs_mkdtemp();
	char exp[4096];
	/* The schedule comes from vaktd.conf alone; the account file has no
	 * [Schedule], so its [Account] header is the line to name. */
	tfs_write(dir, "vaktd.conf",
	          "[Schedule]\nInterval=off\nOffHoursInterval=off\nPollAt=08:30 12:00\n"
	          "[Unit kultur]\nTitle=K\nManagerEmail=a@b.se\n");
	tfs_write(dir, "accounts.d/lazy.conf",
	          "# lazy\n[Account]\nPlatform=x\nUnit=kultur\n"
	          "ExternalId=1\n");
	const char *got = load(dir, NULL);
	snprintf(exp, sizeof(exp),
	         "%s/accounts.d/lazy.conf:2: account 'lazy' would be polled only 2", dir);
	T_CONTAINS(got, exp);
	tfs_rmrf(dir);
}

static void test_fifo_dropin_is_refused_at_once(void)
{
	char *dir = tfs_mkdtemp();
	char path[4096], exp[8192];
	tfs_write(dir, "vaktd.conf", good_daemon);
	tfs_write(dir, "vaktd.conf.d/10-ok.conf", "[Api]\nMaxConnections=5\n");
	snprintf(path, sizeof(path), "%s/vaktd.conf.d/50-fifo.conf", dir);
	/* No writer: opening it for reading the ordinary way would block for
	 * ever (and this test with it). */
	T_EQ_INT(0, mkfifo(path, 0600));
	const char *got = load(dir, NULL);
	snprintf(exp, sizeof(exp), "%s: cannot open: not a regular file", path);
	T_CONTAINS(got, exp);
	tfs_rmrf(dir);
}

static void test_device_account_is_refused(void)
{
	char *dir = tfs_mkdtemp();
	char path[4096], exp[4096];
	tfs_write(dir, "vaktd.conf", good_daemon);
	snprintf(path, sizeof(path), "%s/accounts.d/zero.conf", dir);
	tfs_write(dir, "accounts.d/ok.conf", good_account);
	T_EQ_INT(0, symlink("/dev/zero", path));
	snprintf(path, sizeof(path), "%s/accounts.d/random.conf", dir);
	T_EQ_INT(0, symlink("/dev/urandom", path));
	const char *got = load(dir, NULL);
	snprintf(exp, sizeof(exp), "%s/accounts.d/zero.conf: cannot open: not a regular file", dir);
	T_CONTAINS(got, exp);
	snprintf(exp, sizeof(exp), "%s/accounts.d/random.conf: cannot open: not a regular file",
	         dir);
	T_CONTAINS(got, exp);
	tfs_rmrf(dir);
}

static void test_symlinked_account_file_is_read(void)
{
	char *dir = tfs_mkdtemp();
	char target[4096], path[4096];
	struct config *c = NULL;
	tfs_write(dir, "vaktd.conf", good_daemon);
	tfs_write(dir, "elsewhere/kultur-fb.conf", good_account);
	tfs_write(dir, "accounts.d/README", "placeholder\n");
	snprintf(target, sizeof(target), "%s/elsewhere/kultur-fb.conf", dir);
	snprintf(path, sizeof(path), "%s/accounts.d/kultur-fb.conf", dir);
	T_EQ_INT(0, symlink(target, path));
	T_EQ_STR("", load(dir, &c));
	if (c)
		T_EQ_INT(1, c->n_accounts);
	config_free(c);
	tfs_rmrf(dir);
}

static void test_directory_as_main_file_is_refused(void)
{
	char *dir = tfs_mkdtemp();
	char path[4096], exp[4096];
	snprintf(path, sizeof(path), "%s/vaktd.conf", dir);
	T_EQ_INT(0, mkdir(path, 0700));
	snprintf(path, sizeof(path), "%s/accounts.d/dir.conf", dir);
	tfs_write(dir, "accounts.d/README", "placeholder\n");
	T_EQ_INT(0, mkdir(path, 0700));
	const char *got = load(dir, NULL);
	snprintf(exp, sizeof(exp), "%s/vaktd.conf: cannot open: is a directory", dir);
	T_CONTAINS(got, exp);
	snprintf(exp, sizeof(exp), "%s/accounts.d/dir.conf: cannot open: is a directory", dir);
	T_CONTAINS(got, exp);
	tfs_rmrf(dir);
}

static void test_oversized_file_is_refused(void)
{
	char *dir = tfs_mkdtemp();
	char path[4096], exp[8192];
	tfs_write(dir, "vaktd.conf", good_daemon);
	snprintf(path, sizeof(path), "%s/vaktd.conf.d/big.conf", dir);
	tfs_write(dir, "vaktd.conf.d/big.conf", "");
	FILE *f = fopen(path, "w");
	T_ASSERT(f != NULL);
	if (!f)
		return;
	/* Comment lines only: the size alone is the fault. */
	for (size_t n = 0; n <= INI_FILE_MAX_SIZE; n += 64)
		fprintf(f, "# %61s\n", "padding");
	fclose(f);
	const char *got = load(dir, NULL);
	snprintf(exp, sizeof(exp), "%s: larger than %d bytes", path, INI_FILE_MAX_SIZE);
	T_CONTAINS(got, exp);
	tfs_rmrf(dir);
}

static void test_long_line_is_refused_with_its_line(void)
{
	char *dir = tfs_mkdtemp();
	char exp[4096];
	static char text[INI_FILE_MAX_LINE + 256];
	snprintf(text, sizeof(text), "[Daemon]\nLogLevel=info\n[Unit kultur]\nTitle=%0*d\n",
	         INI_FILE_MAX_LINE, 7);
	tfs_write(dir, "vaktd.conf", text);
	const char *got = load(dir, NULL);
	snprintf(exp, sizeof(exp), "%s/vaktd.conf:4: line longer than %d bytes", dir,
	         INI_FILE_MAX_LINE);
	T_CONTAINS(got, exp);
	/* The line is dropped, not cut: no Title= was set. */
	snprintf(exp, sizeof(exp), "%s/vaktd.conf:3: [Unit kultur] has no Title=", dir);
	T_CONTAINS(got, exp);
	tfs_rmrf(dir);
}

static void test_repeated_key_in_a_section_is_an_error(void)
{
	char *dir = tfs_mkdtemp();
	char acc[4096], exp[4096];
	tfs_write(dir, "vaktd.conf",
	          "[Api]\n"                 /* 1 */
	          "MaxConnections=5\n"      /* 2 */
	          "[Unit kultur]\n"         /* 3 */
	          "Title=K\n"               /* 4 */
	          "ManagerEmail=a@b.se\n"   /* 5 */
	          "Title=Kultur\n"          /* 6: repeat */
	          "[Api]\n"                 /* 7: same section again */
	          "MaxConnections=6\n"      /* 8: repeat */
	          "[Unit trafik]\n"         /* 9 */
	          "Title=T\n"               /* 10: another section, fine */
	          "ManagerEmail=t@b.se\n"); /* 11 */
	snprintf(acc, sizeof(acc), "%sPlatform=x\n", good_account);
	tfs_write(dir, "accounts.d/a.conf", acc);
	const char *got = load(dir, NULL);
	snprintf(exp, sizeof(exp),
	         "%s/vaktd.conf:6: Title= given again in [Unit kultur] (first on line 4)", dir);
	T_CONTAINS(got, exp);
	snprintf(exp, sizeof(exp),
	         "%s/vaktd.conf:8: MaxConnections= given again in [Api] (first on line 2)", dir);
	T_CONTAINS(got, exp);
	snprintf(exp, sizeof(exp),
	         "%s/accounts.d/a.conf:6: Platform= given again in [Account] (first on line 2)",
	         dir);
	T_CONTAINS(got, exp);
	T_ASSERT(strstr(got, "line 10") == NULL);
	tfs_rmrf(dir);
}

static void test_dropins_override_and_list_keys_repeat(void)
{
	char *dir = tfs_mkdtemp();
	struct config *c = NULL;
	tfs_write(dir, "vaktd.conf",
	          "[Api]\nMaxConnections=5\n"
	          "[Calendar]\nClosedDay=2026-05-15 klämdag\nClosedDay=2026-11-06\n"
	          "HalfDay=2026-04-02 12:00\nHalfDay=2026-10-30 13:00\n"
	          "[Unit kultur]\nTitle=K\nManagerEmail=a@b.se\n");
	/* A drop-in overrides a key of vaktd.conf, also one it set itself in
	 * an earlier drop-in. */
	tfs_write(dir, "vaktd.conf.d/10-a.conf", "[Api]\nMaxConnections=6\n");
	tfs_write(dir, "vaktd.conf.d/20-b.conf",
	          "[Api]\nMaxConnections=7\n[Unit kultur]\nTitle=Kultur\n");
	T_EQ_STR("", load(dir, &c));
	if (c) {
		T_EQ_INT(7, c->daemon.api_max_connections);
		T_EQ_STR("Kultur", config_find_unit(c, "kultur")->title);
	}
	config_free(c);
	tfs_rmrf(dir);
}

static void test_invalid_utf8_and_control_characters_are_refused(void)
{
	char *dir = tfs_mkdtemp();
	char exp[4096];
	struct config *c = NULL;
	tfs_write(dir, "vaktd.conf",
	          "# Latin-1 in a comment is nobody's business: \xe4\n" /* 1 */
	          "[Unit kultur]\n"                                     /* 2 */
	          "Title=Kulturf\xf6rvaltningen\n"                      /* 3: Latin-1 */
	          "Manager=Anna\x01Svensson\n"                          /* 4: C0 control */
	          "ManagerEmail=a@b.se\n"                               /* 5 */
	          "[Unit trafik]\n"                                     /* 6 */
	          "Title=Trafik\xc2\x85kontoret\n"                      /* 7: C1 control */
	          "Manager=Bo\x7f\n"                                    /* 8: DEL */
	          "ManagerEmail=t@b.se\n"                               /* 9 */
	          "[Unit miljo]\n"                                      /* 10 */
	          "Title=Milj\xc3\n"                                    /* 11: truncated */
	          "Manager=\xed\xa0\x80\n"                              /* 12: surrogate */
	          "ManagerEmail=m@b.se\n"                               /* 13 */
	          "EscalateEmail=x@b.se\r\n");                          /* 14: CRLF is fine */
	const char *got = load(dir, NULL);
	snprintf(exp, sizeof(exp), "%s/vaktd.conf:3: not valid UTF-8 (byte 0xF6 at column 14)",
	         dir);
	T_CONTAINS(got, exp);
	snprintf(exp, sizeof(exp), "%s/vaktd.conf:4: control character U+0001 at column 13", dir);
	T_CONTAINS(got, exp);
	snprintf(exp, sizeof(exp), "%s/vaktd.conf:7: control character U+0085", dir);
	T_CONTAINS(got, exp);
	snprintf(exp, sizeof(exp), "%s/vaktd.conf:8: control character U+007F", dir);
	T_CONTAINS(got, exp);
	snprintf(exp, sizeof(exp), "%s/vaktd.conf:11: not valid UTF-8", dir);
	T_CONTAINS(got, exp);
	snprintf(exp, sizeof(exp), "%s/vaktd.conf:12: not valid UTF-8", dir);
	T_CONTAINS(got, exp);
	T_ASSERT(strstr(got, ":1:") == NULL);
	T_ASSERT(strstr(got, ":14:") == NULL);

	/* Tabs, U+FFFD written out and any other character are fine. */
	tfs_write(
	        dir, "vaktd.conf",
	        "[Unit kultur]\nTitle=Kultur\tf\xc3\xb6rvaltningen \xef\xbf\xbd \xf0\x9f\x98\x80\n"
	        "ManagerEmail=a@b.se\n");
	T_EQ_STR("", load(dir, &c));
	if (c)
		T_EQ_STR("Kultur\tförvaltningen \xef\xbf\xbd \xf0\x9f\x98\x80",
		         config_find_unit(c, "kultur")->title);
	config_free(c);
	tfs_rmrf(dir);
}

static void test_offline_load_reads_no_secret(void)
{
	char *dir = tfs_mkdtemp();
	char acc[8192], path[4096], fifo[4096], exp[4096];
	struct config *c = NULL;
	tfs_write(dir, "vaktd.conf", good_daemon);
	/* Unreadable for anyone but root. */
	tfs_write(dir, "token-000", "s3cret\n");
	snprintf(path, sizeof(path), "%s/token-000", dir);
	T_EQ_INT(0, chmod(path, 0));
	snprintf(acc, sizeof(acc), "%sTokenFile=%s\n", good_account, path);
	tfs_write(dir, "accounts.d/mode000.conf", acc);
	/* Opening a FIFO or a missing file would be an error: that the load
	 * passes shows neither is opened, also when root runs the test. */
	snprintf(fifo, sizeof(fifo), "%s/token-fifo", dir);
	T_EQ_INT(0, mkfifo(fifo, 0600));
	snprintf(acc, sizeof(acc), "%sTokenFile=%s\n", good_account, fifo);
	tfs_write(dir, "accounts.d/fifo.conf", acc);
	snprintf(acc, sizeof(acc), "%sTokenFile=%s/no-such-token\n", good_account, dir);
	tfs_write(dir, "accounts.d/missing.conf", acc);
	snprintf(acc, sizeof(acc), "%sTokenCredential=not-there\n", good_account);
	tfs_write(dir, "accounts.d/cred.conf", acc);
	unsetenv("CREDENTIALS_DIRECTORY");

	T_EQ_STR("", load_flags(dir, CONFIG_LOAD_NO_SECRETS, &c));
	if (c) {
		T_EQ_INT(4, c->n_accounts);
		for (size_t i = 0; i < c->n_accounts; i++)
			T_ASSERT(c->accounts[i].token.value == NULL);
	}
	config_free(c);

	/* The daemon's load reads them and fails on each. */
	const char *got = load(dir, NULL);
	snprintf(exp, sizeof(exp), "%s/accounts.d/fifo.conf:6: TokenFile=: cannot read", dir);
	T_CONTAINS(got, exp);
	T_CONTAINS(got, "not a regular file");
	snprintf(exp, sizeof(exp), "%s/accounts.d/missing.conf:6: TokenFile=: cannot read", dir);
	T_CONTAINS(got, exp);
	snprintf(exp, sizeof(exp), "%s/accounts.d/cred.conf:6: credential 'not-there' not found",
	         dir);
	T_CONTAINS(got, exp);
	tfs_rmrf(dir);
}

static void test_oversized_or_binary_token_is_refused(void)
{
	char *dir = tfs_mkdtemp();
	char acc[8192], path[4096], exp[8192];
	static char big[SECRET_MAX_BYTES + 2];
	memset(big, 'x', SECRET_MAX_BYTES + 1);
	tfs_write(dir, "vaktd.conf", good_daemon);
	tfs_write(dir, "big-token", big);
	snprintf(path, sizeof(path), "%s/big-token", dir);
	snprintf(acc, sizeof(acc), "%sTokenFile=%s\n", good_account, path);
	tfs_write(dir, "accounts.d/big.conf", acc);
	snprintf(path, sizeof(path), "%s/nul-token", dir);
	FILE *f = fopen(path, "w");
	T_ASSERT(f != NULL);
	if (f) {
		fwrite("ab\0cd\n", 1, 6, f);
		fclose(f);
	}
	snprintf(acc, sizeof(acc), "%sTokenFile=%s\n", good_account, path);
	tfs_write(dir, "accounts.d/nul.conf", acc);
	const char *got = load(dir, NULL);
	snprintf(exp, sizeof(exp),
	         "%s/accounts.d/big.conf:6: TokenFile=: '%s/big-token' is larger "
	         "than %d bytes",
	         dir, dir, SECRET_MAX_BYTES);
	T_CONTAINS(got, exp);
	snprintf(exp, sizeof(exp), "%s/accounts.d/nul.conf:6: TokenFile=: '%s' contains a NUL byte",
	         dir, path);
	T_CONTAINS(got, exp);
	tfs_rmrf(dir);
}

static void test_offline_load_still_checks_token_keys(void)
{
	char *dir = tfs_mkdtemp();
	char acc[8192], exp[4096];
	tfs_write(dir, "vaktd.conf", good_daemon);
	snprintf(acc, sizeof(acc), "%sTokenFile=relative/token\n", good_account);
	tfs_write(dir, "accounts.d/rel.conf", acc);
	snprintf(acc, sizeof(acc), "%sTokenCredential=../etc/passwd\n", good_account);
	tfs_write(dir, "accounts.d/slash.conf", acc);
	snprintf(acc, sizeof(acc), "%sTokenCredential=a\nTokenFile=/t\n", good_account);
	tfs_write(dir, "accounts.d/two.conf", acc);
	const char *got = load_flags(dir, CONFIG_LOAD_NO_SECRETS, NULL);
	snprintf(exp, sizeof(exp), "%s/accounts.d/rel.conf:6: TokenFile= must be an absolute path",
	         dir);
	T_CONTAINS(got, exp);
	snprintf(exp, sizeof(exp), "%s/accounts.d/slash.conf:6: TokenCredential= must be", dir);
	T_CONTAINS(got, exp);
	snprintf(exp, sizeof(exp),
	         "%s/accounts.d/two.conf:7: TokenFile= given, but a token is already set on line 6",
	         dir);
	T_CONTAINS(got, exp);

	tfs_rmrf(dir);
}

/* [Api] RequestTimeoutSec= and IdleTimeoutSec=: documented defaults,
 * values in range taken, others refused with file:line. */
static void test_api_timeouts(void)
{
	char *dir = tfs_mkdtemp();
	struct config *c = NULL;
	tfs_write(dir, "vaktd.conf", good_daemon);
	T_EQ_STR("", load(dir, &c));
	if (c) {
		T_EQ_INT(10, c->daemon.api_request_timeout_sec);
		T_EQ_INT(30, c->daemon.api_idle_timeout_sec);
	}
	config_free(c);
	tfs_write(dir, "vaktd.conf.d/10-api.conf",
	          "[Api]\nRequestTimeoutSec=2\nIdleTimeoutSec=600\n");
	T_EQ_STR("", load(dir, &c));
	if (c) {
		T_EQ_INT(2, c->daemon.api_request_timeout_sec);
		T_EQ_INT(600, c->daemon.api_idle_timeout_sec);
	}
	config_free(c);
	tfs_write(dir, "vaktd.conf.d/10-api.conf",
	          "[Api]\nRequestTimeoutSec=0\nIdleTimeoutSec=1h\n");
	char *out = load(dir, NULL);
	T_CONTAINS(out, "10-api.conf:2: RequestTimeoutSec= must be 1..300");
	T_CONTAINS(out, "10-api.conf:3: IdleTimeoutSec= must be 1..3600");
	tfs_rmrf(dir);
}

/* RequestsInFlight=: the default, [Schedule] < [Schedule PLATFORM], values
 * out of range refused with file:line, and refused in an account's own
 * [Schedule] (it bounds the platform, not one account). */
static void test_requests_in_flight(void)
{
	char *dir = tfs_mkdtemp();
	char acc[4096];
	struct config *c = NULL;
	tfs_write(dir, "vaktd.conf", good_daemon);
	tfs_write(dir, "accounts.d/k.conf", good_account);
	T_EQ_STR("", load(dir, &c));
	if (c) {
		T_EQ_INT(CONFIG_IN_FLIGHT_DEFAULT, config_requests_in_flight(c, PLATFORM_LINKEDIN));
		T_EQ_INT(64, CONFIG_IN_FLIGHT_DEFAULT); /* as docs/configuration.md says */
	}
	config_free(c);
	tfs_write(dir, "vaktd.conf.d/10-fetch.conf",
	          "[Schedule]\nRequestsInFlight=32\n"
	          "[Schedule linkedin]\nRequestsInFlight=128\n");
	T_EQ_STR("", load(dir, &c));
	if (c) {
		T_EQ_INT(128, config_requests_in_flight(c, PLATFORM_LINKEDIN));
		T_EQ_INT(32, config_requests_in_flight(c, PLATFORM_MASTODON));
		T_EQ_INT(32, config_requests_in_flight(c, PLATFORM_FACEBOOK));
	}
	config_free(c);
	tfs_write(dir, "vaktd.conf.d/10-fetch.conf",
	          "[Schedule]\nRequestsInFlight=0\n"
	          "[Schedule x]\nRequestsInFlight=1025\n"
	          "[Schedule youtube]\nRequestsInFlight=many\n");
	char *out = load(dir, NULL);
	T_CONTAINS(out, "10-fetch.conf:2: RequestsInFlight= must be 1..1024");
	T_CONTAINS(out, "10-fetch.conf:4: RequestsInFlight= must be 1..1024");
	T_CONTAINS(out, "10-fetch.conf:6: RequestsInFlight= must be 1..1024");
	tfs_write(dir, "vaktd.conf.d/10-fetch.conf", "[Schedule]\nRequestsInFlight=1024\n");
	snprintf(acc, sizeof(acc), "%s[Schedule]\nRequestsInFlight=8\n", good_account);
	tfs_write(dir, "accounts.d/k.conf", acc);
	out = load(dir, NULL);
	T_CONTAINS(out, "k.conf:");
	T_CONTAINS(out, "RequestsInFlight= bounds a platform's requests across its accounts");
	tfs_rmrf(dir);
}

/* [Daemon] FilterPlanCache=: an absolute file name is taken, off turns the
 * cache off, a relative name is refused with file:line (the daemon's
 * working directory is no place for it). */
static void test_filter_plan_cache_absolute_or_off(void)
{
	char *dir = tfs_mkdtemp();
	struct config *c = NULL;
	tfs_write(dir, "vaktd.conf", good_daemon);
	tfs_write(dir, "vaktd.conf.d/10-plan.conf", "[Daemon]\nFilterPlanCache=/var/cache/p\n");
	T_EQ_STR("", load(dir, &c));
	if (c) {
		T_EQ_STR("/var/cache/p", c->daemon.plan_cache);
		T_ASSERT(c->daemon.plan_cache_set);
	}
	config_free(c);
	c = NULL;
	tfs_write(dir, "vaktd.conf.d/10-plan.conf", "[Daemon]\nFilterPlanCache=off\n");
	T_EQ_STR("", load(dir, &c));
	if (c) {
		T_ASSERT(c->daemon.plan_cache == NULL);
		T_ASSERT(c->daemon.plan_cache_set);
	}
	config_free(c);
	tfs_write(dir, "vaktd.conf.d/10-plan.conf", "[Daemon]\nFilterPlanCache=cache/plan\n");
	char *out = load(dir, NULL);
	T_CONTAINS(out, "10-plan.conf:2: FilterPlanCache= must be an absolute file name or off");
	tfs_write(dir, "vaktd.conf.d/10-plan.conf", "[Daemon]\nFilterPlanCache=./plan\n");
	out = load(dir, NULL);
	T_CONTAINS(out, "10-plan.conf:2: FilterPlanCache= must be an absolute file name or off");
	tfs_rmrf(dir);
}

int main(void)
{
	T_RUN(test_good_config_loads_with_defaults);
	T_RUN(test_every_error_has_file_and_line);
	T_RUN(test_missing_main_file_and_required_keys);
	T_RUN(test_dropins_override_in_name_order);
	T_RUN(test_auto_actions_layers_and_errors);
	T_RUN(test_token_from_file_and_credential);
	T_RUN(test_youtube_quota_keys);
	T_RUN(test_calendar_and_schedule_errors);
	T_RUN(test_schedule_below_floor_is_refused);
	T_RUN(test_half_day_can_break_the_floor);
	T_RUN(test_schedule_layers_and_calendars_resolve);
	T_RUN(test_deadline_layers_and_errors);
	T_RUN(test_hostile_values_are_refused);
	T_RUN(test_value_parsers);
	T_RUN(test_unit_missing_keys_name_its_header);
	T_RUN(test_floor_error_names_the_account_header);
	T_RUN(test_fifo_dropin_is_refused_at_once);
	T_RUN(test_device_account_is_refused);
	T_RUN(test_symlinked_account_file_is_read);
	T_RUN(test_directory_as_main_file_is_refused);
	T_RUN(test_oversized_file_is_refused);
	T_RUN(test_long_line_is_refused_with_its_line);
	T_RUN(test_repeated_key_in_a_section_is_an_error);
	T_RUN(test_dropins_override_and_list_keys_repeat);
	T_RUN(test_invalid_utf8_and_control_characters_are_refused);
	T_RUN(test_offline_load_reads_no_secret);
	T_RUN(test_oversized_or_binary_token_is_refused);
	T_RUN(test_offline_load_still_checks_token_keys);
	T_RUN(test_api_timeouts);
	T_RUN(test_requests_in_flight);
	T_RUN(test_filter_plan_cache_absolute_or_off);
	return t_done();
}
