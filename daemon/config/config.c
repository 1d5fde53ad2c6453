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

/* Set where an allocation failed and no error could be returned;
 * config_load() then fails with -ENOMEM.  Loading is single-threaded. */
static bool load_oom;

void config_load_oom(void)
{
	load_oom = true;
}

void config_set_str(char **dst, const char *src)
{
	char *p = strdup(src);
	if (!p) {
		config_load_oom(); /* *dst keeps its previous value */
		return;
	}
	free(*dst);
	*dst = p;
}

int config_opt_push(struct cal_opt **v, size_t *n, const char *scope, const char *key,
                    const char *value, const char *file, unsigned line)
{
	struct cal_opt o = {
		.calendar = strdup(scope),
		.key = strdup(key),
		.value = strdup(value),
		.file = strdup(file),
		.line = line,
	};
	struct cal_opt *nv = NULL;
	if (o.calendar && o.key && o.value && o.file)
		nv = realloc(*v, (*n + 1) * sizeof(*nv));
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

static void set_defaults(struct config *c)
{
	const char *state = getenv("STATE_DIRECTORY");
	const char *runtime = getenv("RUNTIME_DIRECTORY");
	char buf[4096];

	/* systemd may pass several directories separated by ':'; the first is
	 * ours. */
	if (state && *state && state[0] == '/') {
		snprintf(buf, sizeof(buf), "%s", state);
		buf[strcspn(buf, ":")] = '\0';
		c->daemon.state_dir = strdup(buf);
	} else {
		c->daemon.state_dir = strdup("/var/lib/vakt");
	}
	if (runtime && *runtime && runtime[0] == '/') {
		snprintf(buf, sizeof(buf), "%s", runtime);
		buf[strcspn(buf, ":")] = '\0';
		strncat(buf, "/api.sock", sizeof(buf) - strlen(buf) - 1);
		c->daemon.api_socket = strdup(buf);
	} else {
		c->daemon.api_socket = strdup("/run/vakt/api.sock");
	}
	c->daemon.api_socket_mode = 0660;
	const char *rules = getenv("VAKT_RULES_DIR");
	c->daemon.rules_dir = strdup(rules && rules[0] == '/' ? rules : VAKT_RULES_DIR);
	c->daemon.log_level = LOG_INFO;
	c->daemon.tick_usec = 5 * 1000000;
	c->daemon.api_max_body = 64 * 1024;
	c->daemon.api_max_header = 16 * 1024;
	c->daemon.api_max_connections = 64;
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
	if (!v)
		return -ENOMEM;
	c->accounts = v;
	struct config_account *a = &c->accounts[c->n_accounts++];
	memset(a, 0, sizeof(*a));
	a->id = strdup(id);
	a->file = strdup(path);
	if (!a->id || !a->file) {
		free(a->id);
		free(a->file);
		c->n_accounts--;
		return -ENOMEM;
	}
	a->enabled = true;
	a->platform = PLATFORM_COUNT;
	ld->account = a;
	ld->token_line = 0;

	size_t before = ld->diags->n;
	int r = ini_file_parse(path, config_account_section, config_account_value, ld, ld->diags);
	ld->account = NULL;
	if (r < 0)
		return r;
	if (a->platform == PLATFORM_COUNT && before == ld->diags->n)
		diag_add(ld->diags, path, 0, "account '%s' has no Platform=", a->id);
	else if (a->platform == PLATFORM_COUNT && !a->line_platform)
		diag_add(ld->diags, path, 0, "account '%s' has no Platform=", a->id);
	if (!a->unit)
		diag_add(ld->diags, path, 0, "account '%s' has no Unit=", a->id);
	if (!a->external_id)
		diag_add(ld->diags, path, 0, "account '%s' has no ExternalId=", a->id);
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
		diag_add(ld->diags, a->file, a->line_schedule,
		         "account '%s' would be polled only %d time%s on business day "
		         "%04d-%02d-%02d (calendar '%s'); the floor is %d polls per business day "
		         "(lag 1998:112 4 §, the city's policy): add PollAt= times or a shorter "
		         "Interval=",
		         a->id, count, count == 1 ? "" : "s", d.year, d.month, d.day,
		         a->calendar_name, SCHED_FLOOR);
	} else if (r < 0) {
		diag_add(ld->diags, a->file, a->line_schedule,
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
	/* A [Deadlines UNIT] for a unit nobody defined is a typo. */
	for (size_t i = 0; i < ld->n_dl_opts; i++) {
		const char *scope = ld->dl_opts[i].calendar;
		if (strncmp(scope, "unit:", 5) == 0 && !config_find_unit(c, scope + 5))
			diag_add(ld->diags, ld->dl_opts[i].file, ld->dl_opts[i].line,
			         "[Deadlines %s] names a unit no [Unit %s] section defines",
			         scope + 5, scope + 5);
	}
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

int config_load(const char *dir, const struct config_overrides *ovr, struct config **ret,
                struct diag_list *diags)
{
	struct diag_list mine = { 0 };
	struct config *c = calloc(1, sizeof(*c));
	struct config_load ld = { .cfg = c, .diags = &mine };
	char *path = NULL, **files = NULL;
	size_t nfiles = 0;
	int r;

	if (!c)
		return -ENOMEM;
	load_oom = false;
	c->dir = strdup(dir);
	set_defaults(c);
	if (!c->dir || !c->daemon.state_dir || !c->daemon.api_socket || !c->daemon.rules_dir) {
		r = -ENOMEM;
		goto fail;
	}

	/* The main file must exist: a missing one is almost always a wrong
	 * --config path, not an intentionally empty site. */
	if (asprintf(&path, "%s/vaktd.conf", dir) < 0) {
		r = -ENOMEM;
		goto fail;
	}
	ini_file_parse(path, config_daemon_section, config_daemon_value, &ld, &mine);
	free(path);
	path = NULL;

	if (asprintf(&path, "%s/vaktd.conf.d", dir) < 0) {
		r = -ENOMEM;
		goto fail;
	}
	r = list_conf_files(path, &files, &nfiles);
	if (r < 0)
		diag_add(&mine, path, 0, "cannot read directory: %s", strerror(-r));
	for (size_t i = 0; i < nfiles; i++)
		ini_file_parse(files[i], config_daemon_section, config_daemon_value, &ld, &mine);
	free_list(files, nfiles);
	files = NULL;
	nfiles = 0;
	free(path);
	path = NULL;

	if (asprintf(&path, "%s/accounts.d", dir) < 0) {
		r = -ENOMEM;
		goto fail;
	}
	r = list_conf_files(path, &files, &nfiles);
	if (r < 0)
		diag_add(&mine, path, 0, "cannot read directory: %s", strerror(-r));
	for (size_t i = 0; i < nfiles; i++) {
		r = load_account(&ld, files[i]);
		if (r == -ENOMEM)
			diag_add(&mine, files[i], 0, "out of memory");
	}
	free_list(files, nfiles);
	files = NULL;
	nfiles = 0;
	free(path);
	path = NULL;

	if (ovr && ovr->state_dir)
		config_set_str(&c->daemon.state_dir, ovr->state_dir);
	if (ovr && ovr->api_socket)
		config_set_str(&c->daemon.api_socket, ovr->api_socket);

	config_calendars_build(&ld);
	config_calendar_opts_clear(&ld);
	validate_references(&ld);
	config_deadlines_clear(&ld);
	free(ld.floor_memo);
	ld.floor_memo = NULL;
	if (load_oom) {
		diag_add(&mine, dir, 0, "out of memory");
		r = -ENOMEM;
		goto fail;
	}
	if (mine.n) {
		diag_move(diags, &mine);
		r = -EINVAL;
		goto fail;
	}
	*ret = c;
	return 0;
fail:
	diag_list_clear(&mine);
	config_calendar_opts_clear(&ld);
	config_deadlines_clear(&ld);
	free(ld.floor_memo);
	free(path);
	config_free(c);
	return r < 0 ? r : -EINVAL;
}

void config_free(struct config *c)
{
	if (!c)
		return;
	free(c->dir);
	free(c->daemon.state_dir);
	free(c->daemon.api_socket);
	free(c->daemon.rules_dir);
	for (size_t i = 0; i < c->n_units; i++) {
		struct config_unit *u = &c->units[i];
		free(u->id);
		free(u->title);
		free(u->manager);
		free(u->manager_email);
		free(u->escalate_email);
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
