/* vaktd's configuration: DIR/vaktd.conf, the drop-ins DIR/vaktd.conf.d/NAME.conf
 * (applied in name order after the main file) and one file per account,
 * DIR/accounts.d/ACCOUNT.conf.
 *
 * config_load() parses everything into a new object and validates it as a
 * whole (types, ranges, references between files, secrets readable).  Every
 * file is read with readfile_regular(): no FIFO, device or directory, no
 * file larger than INI_FILE_MAX_SIZE (ini-file.h).  It
 * never touches a running configuration: reload builds a new one and swaps
 * a pointer only when it has no errors.
 */
#pragma once

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <sys/types.h>

#include "calendar/duration.h"
#include "config/deadline-policy.h"
#include "schedule/sched.h"
#include "util/diag.h"

struct cal;

/* Filter categories a [Deadlines] section can name (enum filter_category). */
#define CONFIG_CATEGORIES 8

enum platform {
	PLATFORM_FACEBOOK,
	PLATFORM_INSTAGRAM,
	PLATFORM_YOUTUBE,
	PLATFORM_X,
	PLATFORM_MASTODON,
	PLATFORM_LINKEDIN,
	PLATFORM_COUNT,
};

const char *platform_name(enum platform p);
/* 0 and *ret on success, -EINVAL for an unknown name. */
int platform_from_name(const char *s, enum platform *ret);

/* A secret read from a file or a systemd credential.  Never logged. */
struct secret {
	char *value; /* NUL-terminated, wiped on free */
	size_t len;
	char *source; /* "file:/path" or "credential:name", safe to show */
};

struct config_unit {
	char *id; /* [Unit ID] */
	char *title;
	char *manager; /* publiceringsansvarig chef */
	char *manager_email;
	char *escalate_email; /* where breaches go further (communications unit) */
	char *safety_email;   /* skyddsombud: threats against staff (work environment) */
	char *calendar;       /* NULL: the site's default calendar */
	unsigned line_calendar;
	char *file; /* where it was defined, for diagnostics */
	unsigned line;
};

/* AutoActions=: what vakt may do on the platform without a human, per
 * action and the lowest verdict tier it applies to (docs/configuration.md).
 * An action a rule asks for that is not allowed here waits for a
 * moderator instead. */
enum {
	CONFIG_AUTO_HIDE_OBVIOUS = 1u << 0,
	CONFIG_AUTO_HIDE_POSSIBLE = 1u << 1, /* also possible-tier verdicts */
	CONFIG_AUTO_DELETE_OBVIOUS = 1u << 2,
	CONFIG_AUTO_DELETE_POSSIBLE = 1u << 3,
	CONFIG_AUTO_DEFAULT = CONFIG_AUTO_HIDE_OBVIOUS,
};

/* Parse an AutoActions= value: space-separated "hide", "delete",
 * "hide:possible", "delete:possible" (":obvious" is the default tier), or
 * "none" (also the empty value).  0 and *ret, or -EINVAL. */
int config_auto_actions_parse(const char *value, unsigned *ret);

#define CONFIG_BACKFILL_DAYS_DEFAULT 14
#define CONFIG_BACKFILL_DAYS_MAX 366
/* YouTube's daily quota (QuotaPerDay=, QuotaReserve=): Google's default
 * per project, and what polls leave for moderation actions (20 of them at
 * 50 units). */
#define CONFIG_QUOTA_PER_DAY_DEFAULT 10000
#define CONFIG_QUOTA_RESERVE_DEFAULT 1000
#define CONFIG_QUOTA_MAX 1000000000

struct config_account {
	char *id; /* file name without .conf, or Id= */
	enum platform platform;
	char *unit; /* references config_unit.id */
	char *title;
	char *external_id;  /* page id, channel id, user id, organisation URN … */
	char *api_base_url; /* empty = the platform's real API */
	bool enabled;
	unsigned backfill_days;        /* BackfillDays=: how far back a first poll reaches */
	struct secret token;           /* value NULL: none, or CONFIG_LOAD_NO_SECRETS */
	char *calendar;                /* NULL: the unit's, else the site's default */
	struct sched_policy sched_own; /* the account file's [Schedule] */
	unsigned auto_actions_own;     /* AutoActions= of the account file, when set */
	bool auto_actions_set;
	/* YouTube's daily quota units are the Google Cloud project's, shared
	 * by every account whose token the project issued: quota_project is
	 * QuotaProject= when given, else the token's source ("file:PATH",
	 * "credential:NAME"); NULL for other platforms and without a token
	 * source.  Polls stop at quota_per_day - quota_reserve units a
	 * Pacific day; moderation actions may use the reserve. */
	char *quota_project;
	unsigned quota_per_day, quota_reserve;
	unsigned line_quota; /* the first Quota*= key, for diagnostics */
	char *file;
	unsigned line;          /* its [Account] header; 0 when it has none */
	unsigned line_platform; /* for diagnostics about references */
	unsigned line_unit;
	unsigned line_calendar;
	unsigned line_schedule;

	/* Resolved after loading: */
	struct sched_policy sched;        /* defaults < [Schedule] < [Schedule PLATFORM] < own */
	struct deadline_policy deadlines; /* defaults < [Deadlines] < [Deadlines UNIT] < own */
	/* ReviewWithin.CATEGORY= overrides, same layers; bit c of
	 * review_by_category_set says review_by_category[c] is set. */
	struct cal_duration review_by_category[CONFIG_CATEGORIES];
	unsigned review_by_category_set;
	int64_t esc_group_window_usec;        /* [Escalation] GroupWindow= */
	unsigned esc_review_abuse_count;      /* [Escalation] ReviewAbuseCount= */
	int64_t esc_review_abuse_window_usec; /* [Escalation] ReviewAbuseWindow= */
	unsigned auto_actions;                /* CONFIG_AUTO_*: the account's, else [Actions]'s */
	const struct cal *cal;                /* borrowed from config.calendars */
	const char *calendar_name;
};

/* One business calendar: "default" from [Calendar], others from
 * [Calendar NAME], which start as a copy of the default. */
struct config_calendar {
	char *name;
	struct cal *cal;
	char *file;
	unsigned line;
};

struct config_daemon {
	char *state_dir; /* SQLite database and WAL live here */
	char *api_socket;
	mode_t api_socket_mode;
	char *rules_dir;
	/* FilterPlanCache=: the file of the filter's prefilter plan
	 * (docs/filter.md "Plan cache"); NULL: off.  Unset, it is
	 * $CACHE_DIRECTORY/filter-plan, else STATE_DIR/filter-plan. */
	char *plan_cache;
	bool plan_cache_set;         /* given in a file (a path or off) */
	unsigned rule_disable_after; /* PCRE2 limit hits that disable a rule; 0 never */
	int log_level;               /* syslog priority */
	int64_t tick_usec;           /* main loop tick, simulated time */
	size_t api_max_body;
	size_t api_max_header;
	unsigned api_max_connections;
	int api_request_timeout_sec; /* a request arrives whole within this of its first byte */
	int api_idle_timeout_sec;    /* an idle connection is closed after this */
};

/* [Email] of vaktd.conf: where escalation e-mail goes out (notify/). */
enum config_starttls {
	CONFIG_STARTTLS_YES = 0, /* refuse to send without TLS (the default) */
	CONFIG_STARTTLS_TRY,
	CONFIG_STARTTLS_NO,
};

struct config_email {
	char *smtp_url; /* smtp://host:port or smtps://host:port; NULL: no e-mail */
	enum config_starttls starttls;
	char *from; /* the envelope and From: address */
	char *user; /* User= or from UserFile=/UserCredential=; NULL: no login */
	struct secret user_secret;
	struct secret password; /* PasswordFile=/PasswordCredential= */
	int timeout_sec;
	char *ca_file; /* NULL: the system's trust store */
	char *file;    /* where [Email] was first seen */
	unsigned line;
	unsigned user_line, password_line; /* the first of each pair of keys */
};

/* [Webhook NAME]: a chat or JSON endpoint, named "webhook:NAME" in routes. */
enum config_webhook_type {
	CONFIG_WEBHOOK_JSON = 0,
	CONFIG_WEBHOOK_TEAMS,
	CONFIG_WEBHOOK_SLACK,
	CONFIG_WEBHOOK_MATRIX,
	CONFIG_WEBHOOK_NONE, /* Type= not given */
};

struct config_webhook {
	char *name;
	enum config_webhook_type type;
	char *url;                /* Url=; NULL when url_secret holds it, or for Matrix */
	struct secret url_secret; /* UrlFile=/UrlCredential=: Slack's and Teams' URLs are secrets */
	char *homeserver;         /* Matrix */
	char *room;               /* Matrix room id, !abc:example.org */
	struct secret access_token; /* Matrix: AccessTokenFile=/AccessTokenCredential= */
	int timeout_sec;
	char *ca_file;
	char *file;
	unsigned line;
	unsigned url_line, token_line;
};

/* [Contact NAME]: one person (or desk) reached over several channels at
 * once, named "contact:NAME" wherever a recipient may stand.  Each channel
 * becomes a delivery of its own, with its own retry state. */
struct config_contact {
	char *name;
	char *email;    /* Email=; NULL: none */
	char *webhooks; /* Webhook=: space-separated [Webhook NAME] names; NULL: none */
	char *file;
	unsigned line; /* its header */
	unsigned email_line, webhook_line;
};

/* A list of recipients as written (space-separated: the roles manager,
 * escalate, safety, oncall, fallback, or a@b.se / webhook:NAME /
 * contact:NAME), checked
 * and resolved by daemon/escalate/ (escalate_config_check()). */
struct config_route {
	char *text; /* NULL: not set (the default applies) */
	char *file;
	unsigned line;
};

/* One step of the breach policy: `after` the due instant (business or
 * calendar time on the account's calendar), to `to`. */
struct config_esc_step {
	struct cal_duration after;
	struct config_route to;
};

#define CONFIG_ESC_STEPS 9
#define CONFIG_ONCALL_SHIFTS 64

/* An explicit on-call shift, in local time of the default calendar (kept
 * as text until the calendars are built, then resolved). */
struct config_shift {
	char *from_text, *until_text;
	int64_t from, until; /* epoch µs, resolved */
	struct config_route who;
};

/* Escalation kinds that repeat until acknowledged (RepeatKinds=). */
enum {
	CONFIG_REPEAT_THREAT = 1u << 0,
	CONFIG_REPEAT_WARNING = 1u << 1,
	CONFIG_REPEAT_BREACH = 1u << 2,
	CONFIG_REPEAT_HEALTH = 1u << 3,
};

/* [Escalation] and [OnCall] (config-escalation.c, docs/escalation.md). */
struct config_escalation {
	struct config_route fallback; /* where a route that would end nowhere goes */
	bool english;                 /* Language=en; Swedish by default */
	int64_t group_window_usec;    /* pile-on window */
	/* Facebook reviews cannot be removed: review_abuse_count harmful
	 * reviews within review_abuse_window_usec tell the account's owner to
	 * turn reviews off (ReviewAbuseCount=, 0 never; ReviewAbuseWindow=). */
	unsigned review_abuse_count;
	int64_t review_abuse_window_usec;
	int64_t retry_initial_usec, retry_max_usec, give_up_usec;
	int64_t repeat_usec; /* 0: never repeat */
	unsigned repeat_kinds;
	struct config_route threat, warning, health; /* NULL text: the defaults */
	struct config_esc_step breach[CONFIG_ESC_STEPS];
	size_t n_breach;       /* steps set (BreachStep1= … in order, no gaps) */
	char *public_base_url; /* NULL: no acknowledgement links */
	struct secret ack_key; /* AckKeyFile= / AckKeyCredential= */
	unsigned ack_key_line;
	char *ack_key_file;
	int64_t ack_valid_usec;
	/* [OnCall] */
	struct config_route rota; /* one recipient per week, in turn */
	int handover_wday;        /* 0 = Monday */
	int handover_sec;         /* local second of the day */
	struct config_shift shifts[CONFIG_ONCALL_SHIFTS];
	size_t n_shifts;
};

struct config {
	char *dir;
	uint64_t generation; /* set by the daemon on every successful load */
	struct config_daemon daemon;
	struct config_unit *units;
	size_t n_units;
	struct config_account *accounts;
	size_t n_accounts;
	struct config_calendar *calendars; /* [0] is always "default" */
	size_t n_calendars;
	struct sched_policy sched_site;                     /* [Schedule] */
	struct sched_policy sched_platform[PLATFORM_COUNT]; /* [Schedule PLATFORM] */
	struct config_escalation esc;                       /* [Escalation], [OnCall] */
	struct config_email email;                          /* [Email] */
	struct config_webhook *webhooks;                    /* [Webhook NAME] */
	unsigned auto_actions;                              /* [Actions] AutoActions= */
	size_t n_webhooks;
	struct config_contact *contacts; /* [Contact NAME] */
	size_t n_contacts;

	/* RequestsInFlight= of [Schedule] and [Schedule PLATFORM]; 0: not
	 * given (config_requests_in_flight() resolves). */
	unsigned in_flight_site, in_flight_platform[PLATFORM_COUNT];
};

/* Overrides from the command line; NULL fields keep the file's value. */
struct config_overrides {
	const char *state_dir;
	const char *api_socket;
};

/* Flags of config_load_flags(). */
enum {
	/* Check TokenFile= and TokenCredential= for form only and read no
	 * secret (every account's token.value stays NULL): vaktctl's offline
	 * commands need the calendars, not the tokens, and may be run by a
	 * user who cannot read them.  The daemon, --check-config and reload
	 * never set it. */
	CONFIG_LOAD_NO_SECRETS = 1u << 0,
};

/* Load and validate the configuration in dir, secrets included.  On
 * success *ret owns a new config and 0 is returned.  On errors, every one
 * is added to diags and -EINVAL is returned (-ENOMEM when an allocation
 * failed, also with a diagnostic); nothing is written to *ret. */
int config_load(const char *dir, const struct config_overrides *ovr, struct config **ret,
                struct diag_list *diags);
/* The same with CONFIG_LOAD_* flags. */
int config_load_flags(const char *dir, const struct config_overrides *ovr, unsigned flags,
                      struct config **ret, struct diag_list *diags);

void config_free(struct config *c);

const struct config_unit *config_find_unit(const struct config *c, const char *id);
const struct config_account *config_find_account(const struct config *c, const char *id);

/* Requests in flight at most across the accounts of platform p:
 * [Schedule PLATFORM] RequestsInFlight=, else [Schedule]'s, else
 * CONFIG_IN_FLIGHT_DEFAULT. */
#define CONFIG_IN_FLIGHT_DEFAULT 64
#define CONFIG_IN_FLIGHT_MAX 1024
unsigned config_requests_in_flight(const struct config *c, enum platform p);
const struct config_webhook *config_find_webhook(const struct config *c, const char *name);
const char *config_webhook_type_name(enum config_webhook_type t);
const struct config_contact *config_find_contact(const struct config *c, const char *name);

size_t config_count_enabled(const struct config *c);

/* The calendar called name, or NULL. */
const struct cal *config_find_calendar(const struct config *c, const char *name);
