/* Loading, validating and freeing the whole configuration. */
#include "config/config.h"

#include <dirent.h>
#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <syslog.h>

#include "calendar/bizmath.h"
#include "calendar/cal.h"
#include "calendar/date.h"
#include "config/config-internal.h"
#include "config/ini-file.h"
#include "config/secret.h"
#include "config/values.h"
#include "util/civil.h"
#include "util/clock.h"

#ifndef VAKT_RULES_DIR
#define VAKT_RULES_DIR "/usr/share/vakt/filters"
#endif

/* A site with more accounts than this has a configuration error. */
#define CONFIG_MAX_ACCOUNTS 20000

static const char *const platform_names[PLATFORM_COUNT] = {
	[PLATFORM_FACEBOOK] = "facebook", [PLATFORM_INSTAGRAM] = "instagram",
	[PLATFORM_YOUTUBE] = "youtube",   [PLATFORM_X] = "x",
	[PLATFORM_MASTODON] = "mastodon", [PLATFORM_LINKEDIN] = "linkedin",
};

const char *platform_name(enum platform p)
{
	return p < PLATFORM_COUNT ? platform_names[p] : "unknown";
}

int platform_from_name(const char *s, enum platform *ret)
{
	for (int i = 0; i < PLATFORM_COUNT; i++)
		if (strcmp(s, platform_names[i]) == 0) {
			*ret = (enum platform)i;
			return 0;
		}
	return -EINVAL;
}

void config_oom(struct config_load *ld, const char *file, unsigned line)
{
	if (!ld->nomem)
		diag_add(ld->diags, file, line, "out of memory");
	ld->nomem = true;
}

int config_set_str(struct config_load *ld, char **dst, const char *src, const char *file,
                   unsigned line)
{
	char *p = strdup(src);
	if (!p) {
		config_oom(ld, file, line);
		return -ENOMEM;
	}
	free(*dst);
	*dst = p;
	return 0;
}

int config_opt_add(struct cal_opt **v, size_t *n, const char *calendar, const char *key,
                   const char *value, const char *file, unsigned line)
{
	struct cal_opt o = {
		.calendar = strdup(calendar),
		.key = strdup(key),
		.value = strdup(value),
		.file = strdup(file),
		.line = line,
	};
	struct cal_opt *nv = NULL;
	if (o.calendar && o.key && o.value && o.file)
		nv = realloc(*v, (*n + 1) * sizeof(**v));
	if (!nv) {
		free(o.calendar);
		free(o.key);
		free(o.value);
		free(o.file);
		return -ENOMEM;
	}
	nv[(*n)++] = o;
	*v = nv;
	return 0;
}

void config_opts_free(struct cal_opt **v, size_t *n)
{
	for (size_t i = 0; i < *n; i++) {
		free((*v)[i].calendar);
		free((*v)[i].key);
		free((*v)[i].value);
		free((*v)[i].file);
	}
	free(*v);
	*v = NULL;
	*n = 0;
}

static int cmp_str(const void *a, const void *b)
{
	return strcmp(*(char *const *)a, *(char *const *)b);
}

/* The *.conf files of dir, sorted; an absent directory is an empty list. */
static int list_conf_files(const char *dir, char ***ret, size_t *ret_n)
{
	DIR *d = opendir(dir);
	char **v = NULL;
	size_t n = 0;
	struct dirent *de;

	if (!d) {
		if (errno == ENOENT) {
			*ret = NULL;
			*ret_n = 0;
			return 0;
		}
		return -errno;
	}
	while ((de = readdir(d))) {
		size_t len = strlen(de->d_name);
		if (de->d_name[0] == '.' || len < 6 || strcmp(de->d_name + len - 5, ".conf") != 0)
			continue;
		char **nv = realloc(v, (n + 1) * sizeof(*v));
		if (!nv)
			goto oom;
		v = nv;
		if (asprintf(&v[n], "%s/%s", dir, de->d_name) < 0)
			goto oom;
		n++;
	}
	closedir(d);
	if (n)
		qsort(v, n, sizeof(*v), cmp_str);
	*ret = v;
	*ret_n = n;
	return 0;
oom:
	closedir(d);
	for (size_t i = 0; i < n; i++)
		free(v[i]);
	free(v);
	return -ENOMEM;
}

static void free_list(char **v, size_t n)
{
	for (size_t i = 0; i < n; i++)
		free(v[i]);
	free(v);
}

/* The first of systemd's ':'-separated directories in env, if absolute,
 * with suffix; else fallback.  NULL when out of memory. */
static char *env_dir(const char *env, const char *suffix, const char *fallback)
{
	const char *v = getenv(env);
	char *p = NULL;
	if (!v || v[0] != '/')
		return strdup(fallback);
	if (asprintf(&p, "%.*s%s", (int)strcspn(v, ":"), v, suffix) < 0)
		return NULL;
	return p;
}

static int set_defaults(struct config *c)
{
	const char *rules = getenv("VAKT_RULES_DIR");

	c->daemon.state_dir = env_dir("STATE_DIRECTORY", "", "/var/lib/vakt");
	c->daemon.api_socket = env_dir("RUNTIME_DIRECTORY", "/api.sock", "/run/vakt/api.sock");
	c->daemon.rules_dir = strdup(rules && rules[0] == '/' ? rules : VAKT_RULES_DIR);
	c->daemon.api_socket_mode = 0660;
	c->daemon.log_level = LOG_INFO;
	c->daemon.tick_usec = 5 * 1000000;
	c->daemon.api_max_body = 64 * 1024;
	c->daemon.api_max_header = 16 * 1024;
	c->daemon.api_max_connections = 64;
	c->daemon.api_request_timeout_sec = 10;
	c->daemon.api_idle_timeout_sec = 30;
	config_escalation_defaults(&c->esc);
	c->auto_actions = CONFIG_AUTO_DEFAULT;
	if (!c->daemon.state_dir || !c->daemon.api_socket || !c->daemon.rules_dir)
		return -ENOMEM;
	return 0;
}

/* Parse one INI file with a fresh record of the keys it has set. */
static int parse_file(struct config_load *ld, const char *path, ini_section_fn on_section,
                      ini_value_fn on_value)
{
	config_seen_clear(&ld->seen);
	int r = ini_file_parse(path, on_section, on_value, ld, ld->diags);
	config_seen_clear(&ld->seen);
	if (r == -ENOMEM)
		config_oom(ld, path, 0);
	return r;
}

/* Keys an account cannot do without, reported at its [Account] header. */
static void check_account_required(struct config_load *ld, const struct config_account *a)
{
	unsigned line = a->line;
	if (!line) {
		diag_add(ld->diags, a->file, 0,
		         "account '%s' has no [Account] section (it needs Platform=, Unit= and "
		         "ExternalId=)",
		         a->id);
		return;
	}
	if (!a->line_platform)
		diag_add(ld->diags, a->file, line, "account '%s' has no Platform=", a->id);
	if (!a->unit)
		diag_add(ld->diags, a->file, line, "account '%s' has no Unit=", a->id);
	if (!a->external_id)
		diag_add(ld->diags, a->file, line, "account '%s' has no ExternalId=", a->id);
	/* Every Mastodon instance is its own API: there is no default host. */
	if (a->line_platform && a->platform == PLATFORM_MASTODON &&
	    (!a->api_base_url || !*a->api_base_url))
		diag_add(ld->diags, a->file, line,
		         "account '%s' is on Mastodon and needs ApiBaseUrl= (the instance, e.g. "
		         "https://social.example.se)",
		         a->id);
}

static int load_account(struct config_load *ld, const char *path)
{
	struct config *c = ld->cfg;
	const char *base = strrchr(path, '/') ? strrchr(path, '/') + 1 : path;
	size_t idlen = strlen(base) - 5;
	char id[128];

	if (c->n_accounts >= CONFIG_MAX_ACCOUNTS) {
		diag_add(ld->diags, path, 0, "more than %d accounts", CONFIG_MAX_ACCOUNTS);
		return -E2BIG;
	}
	if (idlen >= sizeof(id)) {
		diag_add(ld->diags, path, 0, "file name too long for an account id");
		return -EINVAL;
	}
	memcpy(id, base, idlen);
	id[idlen] = '\0';
	if (value_ident(id) < 0) {
		diag_add(
		        ld->diags, path, 0,
		        "file name '%s' is not a valid account id (letters, digits, '.', '_', '-')",
		        id);
		return -EINVAL;
	}
	struct config_account *v = realloc(c->accounts, (c->n_accounts + 1) * sizeof(*v));
	if (!v) {
		config_oom(ld, path, 0);
		return -ENOMEM;
	}
	c->accounts = v;
	struct config_account *a = &c->accounts[c->n_accounts];
	memset(a, 0, sizeof(*a));
	a->id = strdup(id);
	a->file = strdup(path);
	if (!a->id || !a->file) {
		/* Not counted, so no lookup ever meets a NULL id. */
		free(a->id);
		free(a->file);
		config_oom(ld, path, 0);
		return -ENOMEM;
	}
	c->n_accounts++;
	a->enabled = true;
	a->backfill_days = CONFIG_BACKFILL_DAYS_DEFAULT;
	a->quota_per_day = CONFIG_QUOTA_PER_DAY_DEFAULT;
	a->quota_reserve = CONFIG_QUOTA_RESERVE_DEFAULT;
	a->platform = PLATFORM_COUNT;
	ld->account = a;
	ld->token_line = 0;
	free(ld->token_source);
	ld->token_source = NULL;

	int r = parse_file(ld, path, config_account_section, config_account_value);
	ld->account = NULL;
	if (r < 0)
		return r;
	check_account_required(ld, a);
	config_account_quota(ld, a);
	free(ld->token_source);
	ld->token_source = NULL;
	return 0;
}

/* How far ahead the poll floor is checked: a year covers every kind of
 * day the calendar has (half days, eves, holidays). */
#define FLOOR_CHECK_DAYS 400

static void resolve_account(struct config_load *ld, struct config_account *a)
{
	struct config *c = ld->cfg;
	const struct config_unit *u = a->unit ? config_find_unit(c, a->unit) : NULL;
	unsigned line = a->line_calendar;

	a->auto_actions = a->auto_actions_set ? a->auto_actions_own : c->auto_actions;
	a->calendar_name = a->calendar ? a->calendar : u && u->calendar ? u->calendar : "default";
	if (!a->calendar && u && u->calendar)
		line = 0;
	a->cal = config_find_calendar(c, a->calendar_name);
	if (!a->cal) {
		if (a->calendar)
			diag_add(ld->diags, a->file, line,
			         "account '%s' names calendar '%s', which no [Calendar %s] defines",
			         a->id, a->calendar_name, a->calendar_name);
		return;
	}

	sched_policy_default(&a->sched);
	sched_policy_merge(&a->sched, &c->sched_site);
	if (a->platform < PLATFORM_COUNT)
		sched_policy_merge(&a->sched, &c->sched_platform[a->platform]);
	sched_policy_merge(&a->sched, &a->sched_own);

	int64_t today, bad_dn = 0;
	int count = 0;
	/* The account's own [Schedule], else its [Account]: the schedule may
	 * come entirely from vaktd.conf, but the account is what is refused. */
	unsigned sched_line = a->line_schedule ? a->line_schedule : a->line;
	if (cal_local_day(a->cal, clock_now_usec(), &today) < 0)
		return;
	int r = -1;
	for (size_t i = 0; i < ld->n_floor_memo; i++) {
		const struct floor_memo *m = &ld->floor_memo[i];
		if (m->cal == a->cal && memcmp(&m->policy, &a->sched, sizeof(a->sched)) == 0) {
			r = m->result;
			bad_dn = m->bad_dn;
			count = m->count;
			break;
		}
	}
	if (r == -1) {
		r = sched_check_floor(&a->sched, a->cal, today, FLOOR_CHECK_DAYS, &bad_dn, &count);
		struct floor_memo *v = realloc(ld->floor_memo, (ld->n_floor_memo + 1) * sizeof(*v));
		if (v) {
			ld->floor_memo = v;
			v[ld->n_floor_memo++] =
			        (struct floor_memo){ a->sched, a->cal, r, bad_dn, count };
		}
	}
	if (r == 1) {
		struct civil_date d = civil_date_from_days(bad_dn);
		diag_add(ld->diags, a->file, sched_line,
		         "account '%s' would be polled only %d time%s on business day "
		         "%04d-%02d-%02d (calendar '%s'); the floor is %d polls per business day "
		         "(lag 1998:112 4 §, the city's policy): add PollAt= times or a shorter "
		         "Interval=",
		         a->id, count, count == 1 ? "" : "s", d.year, d.month, d.day,
		         a->calendar_name, SCHED_FLOOR);
	} else if (r < 0) {
		diag_add(ld->diags, a->file, sched_line,
		         "account '%s': cannot compute the poll schedule: %s", a->id, strerror(-r));
	}
}

/* Checks that need the whole configuration. */
static void validate_references(struct config_load *ld)
{
	struct config *c = ld->cfg;
	for (size_t i = 0; i < c->n_accounts; i++) {
		struct config_account *a = &c->accounts[i];
		if (a->unit && !config_find_unit(c, a->unit))
			diag_add(ld->diags, a->file, a->line_unit,
			         "account '%s' names unit '%s', which no [Unit %s] section defines",
			         a->id, a->unit, a->unit);
		else
			resolve_account(ld, a);
		config_deadlines_resolve(ld, a);
	}
	/* A [Deadlines UNIT] for a unit nobody defined is a typo; named at
	 * its header, also when it sets nothing. */
	for (size_t i = 0; i < ld->n_dl_units; i++) {
		const struct cal_opt *o = &ld->dl_units[i];
		if (!config_find_unit(c, o->calendar))
			diag_add(ld->diags, o->file, o->line,
			         "[Deadlines %s] names a unit no [Unit %s] section defines",
			         o->calendar, o->calendar);
	}
	config_notify_validate(ld);
	for (size_t i = 0; i < c->n_units; i++) {
		struct config_unit *u = &c->units[i];
		if (u->calendar && !config_find_calendar(c, u->calendar))
			diag_add(ld->diags, u->file, u->line_calendar,
			         "[Unit %s] names calendar '%s', which no [Calendar %s] defines",
			         u->id, u->calendar, u->calendar);
		if (!u->title)
			diag_add(ld->diags, u->file, u->line, "[Unit %s] has no Title=", u->id);
		if (!u->manager_email)
			diag_add(ld->diags, u->file, u->line,
			         "[Unit %s] has no ManagerEmail= (deadline warnings need a "
			         "recipient)",
			         u->id);
	}
}

/* The *.conf files of dir (a drop-in or the accounts directory), each
 * handed to fn in name order; an absent directory holds none. */
static int for_each_conf(struct config_load *ld, const char *dir, const char *sub,
                         int (*fn)(struct config_load *ld, const char *path))
{
	char *path = NULL, **files = NULL;
	size_t nfiles = 0;

	if (asprintf(&path, "%s/%s", dir, sub) < 0) {
		config_oom(ld, dir, 0);
		return -ENOMEM;
	}
	int r = list_conf_files(path, &files, &nfiles);
	if (r == -ENOMEM)
		config_oom(ld, path, 0);
	else if (r < 0)
		diag_add(ld->diags, path, 0, "cannot read directory: %s", strerror(-r));
	for (size_t i = 0; i < nfiles && !ld->nomem; i++)
		fn(ld, files[i]);
	free_list(files, nfiles);
	free(path);
	return ld->nomem ? -ENOMEM : 0;
}

static int load_dropin(struct config_load *ld, const char *path)
{
	return parse_file(ld, path, config_daemon_section, config_daemon_value);
}

/* vaktd.conf, then its drop-ins. */
static int load_main(struct config_load *ld, const char *dir)
{
	char *path = NULL;

	/* The main file must exist: a missing one is almost always a wrong
	 * --config path, not an intentionally empty site. */
	if (asprintf(&path, "%s/vaktd.conf", dir) < 0) {
		config_oom(ld, dir, 0);
		return -ENOMEM;
	}
	parse_file(ld, path, config_daemon_section, config_daemon_value);
	free(path);
	if (ld->nomem)
		return -ENOMEM;
	return for_each_conf(ld, dir, "vaktd.conf.d", load_dropin);
}

static int apply_overrides(struct config_load *ld, const struct config_overrides *ovr)
{
	struct config *c = ld->cfg;
	if (ovr && ovr->state_dir &&
	    config_set_str(ld, &c->daemon.state_dir, ovr->state_dir, NULL, 0) < 0)
		return -ENOMEM;
	if (ovr && ovr->api_socket &&
	    config_set_str(ld, &c->daemon.api_socket, ovr->api_socket, NULL, 0) < 0)
		return -ENOMEM;
	return 0;
}

/* FilterPlanCache= unset: systemd's cache directory (CacheDirectory=),
 * else the state directory (as overridden). */
static int default_plan_cache(struct config *c)
{
	if (c->daemon.plan_cache_set)
		return 0;
	const char *v = getenv("CACHE_DIRECTORY");
	int r = v && v[0] == '/'
	                ? asprintf(&c->daemon.plan_cache, "%.*s/filter-plan", (int)strcspn(v, ":"),
	                           v)
	                : asprintf(&c->daemon.plan_cache, "%s/filter-plan", c->daemon.state_dir);
	if (r < 0) {
		c->daemon.plan_cache = NULL;
		return -ENOMEM;
	}
	return 0;
}

/* Calendars, references between files, each account's layers. */
static void resolve(struct config_load *ld)
{
	config_calendars_build(ld);
	if (!ld->nomem)
		validate_references(ld);
	if (!ld->nomem)
		config_escalation_resolve(ld);
}

int config_load_flags(const char *dir, const struct config_overrides *ovr, unsigned flags,
                      struct config **ret, struct diag_list *diags)
{
	struct diag_list mine = { 0 };
	struct config *c = calloc(1, sizeof(*c));
	struct config_load ld = { .cfg = c, .flags = flags, .diags = &mine };
	int r;

	if (!c) {
		diag_add(diags, dir, 0, "out of memory");
		return -ENOMEM;
	}
	c->dir = strdup(dir);
	if (!c->dir || set_defaults(c) < 0) {
		r = -ENOMEM;
		goto out;
	}
	r = load_main(&ld, dir);
	if (r == 0)
		r = for_each_conf(&ld, dir, "accounts.d", load_account);
	if (r == 0)
		r = apply_overrides(&ld, ovr);
	if (r == 0)
		r = default_plan_cache(c);
	if (r == 0)
		resolve(&ld);
	if (ld.nomem)
		r = -ENOMEM;
	else if (mine.n)
		r = -EINVAL;
out:
	config_calendar_opts_clear(&ld);
	config_deadlines_clear(&ld);
	config_seen_clear(&ld.seen);
	free(ld.floor_memo);
	free(ld.token_source);
	if (r < 0) {
		if (r == -ENOMEM && !mine.n)
			diag_add(&mine, dir, 0, "out of memory");
		diag_move(diags, &mine);
		config_free(c);
		return r;
	}
	*ret = c;
	return 0;
}

int config_load(const char *dir, const struct config_overrides *ovr, struct config **ret,
                struct diag_list *diags)
{
	return config_load_flags(dir, ovr, 0, ret, diags);
}

void config_free(struct config *c)
{
	if (!c)
		return;
	free(c->dir);
	free(c->daemon.state_dir);
	free(c->daemon.api_socket);
	free(c->daemon.rules_dir);
	free(c->daemon.plan_cache);
	config_escalation_free(&c->esc);
	for (size_t i = 0; i < c->n_units; i++) {
		struct config_unit *u = &c->units[i];
		free(u->id);
		free(u->title);
		free(u->manager);
		free(u->manager_email);
		free(u->escalate_email);
		free(u->safety_email);
		free(u->calendar);
		free(u->file);
	}
	free(c->units);
	for (size_t i = 0; i < c->n_accounts; i++) {
		struct config_account *a = &c->accounts[i];
		free(a->id);
		free(a->unit);
		free(a->title);
		free(a->external_id);
		free(a->api_base_url);
		free(a->calendar);
		free(a->quota_project);
		free(a->file);
		secret_clear(&a->token);
	}
	free(c->accounts);
	for (size_t i = 0; i < c->n_calendars; i++) {
		cal_free(c->calendars[i].cal);
		free(c->calendars[i].name);
		free(c->calendars[i].file);
	}
	free(c->calendars);
	config_notify_free(c);
	free(c);
}

const struct cal *config_find_calendar(const struct config *c, const char *name)
{
	for (size_t i = 0; i < c->n_calendars; i++)
		if (strcmp(c->calendars[i].name, name) == 0)
			return c->calendars[i].cal;
	return NULL;
}

const struct config_unit *config_find_unit(const struct config *c, const char *id)
{
	for (size_t i = 0; i < c->n_units; i++)
		if (strcmp(c->units[i].id, id) == 0)
			return &c->units[i];
	return NULL;
}

unsigned config_requests_in_flight(const struct config *c, enum platform p)
{
	if (c && (unsigned)p < PLATFORM_COUNT && c->in_flight_platform[p])
		return c->in_flight_platform[p];
	if (c && c->in_flight_site)
		return c->in_flight_site;
	return CONFIG_IN_FLIGHT_DEFAULT;
}

const struct config_account *config_find_account(const struct config *c, const char *id)
{
	for (size_t i = 0; i < c->n_accounts; i++)
		if (strcmp(c->accounts[i].id, id) == 0)
			return &c->accounts[i];
	return NULL;
}

size_t config_count_enabled(const struct config *c)
{
	size_t n = 0;
	for (size_t i = 0; i < c->n_accounts; i++)
		n += c->accounts[i].enabled;
	return n;
}
