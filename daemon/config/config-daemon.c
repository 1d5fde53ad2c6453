/* The sections of vaktd.conf and its drop-ins: [Daemon], [Api], [Unit ID]. */
#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "config/config-internal.h"
#include "config/values.h"

static struct config_unit *unit_get(struct config *c, const char *id, const char *file,
                                    unsigned line)
{
	for (size_t i = 0; i < c->n_units; i++)
		if (strcmp(c->units[i].id, id) == 0)
			return &c->units[i];
	char *cid = strdup(id), *cfile = strdup(file);
	struct config_unit *v = NULL;
	if (cid && cfile)
		v = realloc(c->units, (c->n_units + 1) * sizeof(*v));
	if (!v) {
		free(cid);
		free(cfile);
		return NULL;
	}
	c->units = v;
	struct config_unit *u = &c->units[c->n_units];
	memset(u, 0, sizeof(*u));
	/* Counted only once complete, so no lookup ever meets a NULL id. */
	u->id = cid;
	u->file = cfile;
	u->line = line;
	c->n_units++;
	return u;
}

int config_daemon_section(void *user, const char *section, const char *file, unsigned line,
                          struct diag_list *diags)
{
	struct config_load *ld = user;
	if (strcmp(section, "Daemon") == 0 || strcmp(section, "Api") == 0 ||
	    strcmp(section, "Calendar") == 0 || strcmp(section, "Schedule") == 0 ||
	    strcmp(section, "Deadlines") == 0 || strcmp(section, "Actions") == 0 ||
	    config_escalation_section(section))
		return 0;
	int rn = config_notify_section(ld, section, file, line, diags);
	if (rn != 0)
		return rn < 0 ? rn : 0;
	if (strncmp(section, "Deadlines ", 10) == 0) {
		if (value_ident(section + 10) < 0) {
			diag_add(diags, file, line, "invalid unit id in [%s]", section);
			return -EINVAL;
		}
		if (config_opt_add(&ld->dl_units, &ld->n_dl_units, section + 10, "", "", file,
		                   line) < 0) {
			config_oom(ld, file, line);
			return -ENOMEM;
		}
		return 0;
	}
	if (strncmp(section, "Calendar ", 9) == 0) {
		if (value_ident(section + 9) < 0 || strcmp(section + 9, "default") == 0) {
			diag_add(diags, file, line, "invalid calendar name '%s'", section + 9);
			return -EINVAL;
		}
		if (config_calendar_declare(ld, section + 9, file, line) < 0) {
			config_oom(ld, file, line);
			return -ENOMEM;
		}
		return 0;
	}
	if (strncmp(section, "Schedule ", 9) == 0) {
		enum platform p;
		if (platform_from_name(section + 9, &p) < 0) {
			diag_add(diags, file, line,
			         "[Schedule %s]: not a platform (facebook, instagram, youtube, x, "
			         "mastodon, linkedin)",
			         section + 9);
			return -EINVAL;
		}
		return 0;
	}
	if (strncmp(section, "Unit ", 5) == 0) {
		const char *id = section + 5;
		if (value_ident(id) < 0) {
			diag_add(diags, file, line,
			         "invalid unit id '%s' (use letters, digits, '.', '_', '-')", id);
			return -EINVAL;
		}
		if (!unit_get(ld->cfg, id, file, line)) {
			config_oom(ld, file, line);
			return -ENOMEM;
		}
		return 0;
	}
	if (strcmp(section, "Unit") == 0)
		diag_add(diags, file, line, "[Unit] needs an id: [Unit kultur]");
	else
		diag_add(diags, file, line, "unknown section [%s]", section);
	return -EINVAL;
}

static void daemon_key(struct config_load *ld, const char *key, const char *value, const char *file,
                       unsigned line, struct diag_list *diags)
{
	struct config_daemon *d = &ld->cfg->daemon;
	uint64_t u;

	if (strcmp(key, "StateDirectory") == 0) {
		if (value_abs_path(value) < 0)
			diag_add(diags, file, line, "StateDirectory= must be an absolute path");
		else
			config_set_str(ld, &d->state_dir, value, file, line);
	} else if (strcmp(key, "RulesDirectory") == 0) {
		if (value_abs_path(value) < 0)
			diag_add(diags, file, line, "RulesDirectory= must be an absolute path");
		else
			config_set_str(ld, &d->rules_dir, value, file, line);
	} else if (strcmp(key, "FilterPlanCache") == 0) {
		if (strcmp(value, "off") == 0) {
			free(d->plan_cache);
			d->plan_cache = NULL;
			d->plan_cache_set = true;
		} else if (value_abs_path(value) < 0) {
			diag_add(diags, file, line,
			         "FilterPlanCache= must be an absolute file name or off");
		} else {
			config_set_str(ld, &d->plan_cache, value, file, line);
			d->plan_cache_set = true;
		}
	} else if (strcmp(key, "DisableRuleAfterLimitHits") == 0) {
		if (value_uint(value, 0, 1000000, &u) < 0)
			diag_add(diags, file, line,
			         "DisableRuleAfterLimitHits= must be 0..1000000");
		else
			d->rule_disable_after = (unsigned)u;
	} else if (strcmp(key, "LogLevel") == 0) {
		if (value_log_level(value, &d->log_level) < 0)
			diag_add(diags, file, line,
			         "LogLevel= must be debug, info, notice, warning, error or crit");
	} else if (strcmp(key, "TickSec") == 0) {
		if (value_uint(value, 1, 3600, &u) < 0)
			diag_add(diags, file, line, "TickSec= must be 1..3600 seconds");
		else
			d->tick_usec = (int64_t)u * 1000000;
	} else {
		diag_add(diags, file, line, "unknown key '%s' in [Daemon]", key);
	}
}

static void api_key(struct config_load *ld, const char *key, const char *value, const char *file,
                    unsigned line, struct diag_list *diags)
{
	struct config_daemon *d = &ld->cfg->daemon;
	uint64_t u;

	if (strcmp(key, "Socket") == 0) {
		if (value_abs_path(value) < 0 || strlen(value) >= 108)
			diag_add(diags, file, line,
			         "Socket= must be an absolute path shorter than 108 bytes");
		else
			config_set_str(ld, &d->api_socket, value, file, line);
	} else if (strcmp(key, "SocketMode") == 0) {
		mode_t m;
		if (value_mode(value, &m) < 0)
			diag_add(diags, file, line, "SocketMode= must be an octal mode like 0660");
		else if (m & 0007)
			diag_add(
			        diags, file, line,
			        "SocketMode=%s: the API has no authentication of its own, so other "
			        "users must get no access (use 0660 or stricter)",
			        value);
		else
			d->api_socket_mode = m;
	} else if (strcmp(key, "MaxBodySize") == 0) {
		if (value_size(value, 1024, 64 * 1024 * 1024, &d->api_max_body) < 0)
			diag_add(diags, file, line, "MaxBodySize= must be 1K..64M");
	} else if (strcmp(key, "MaxHeaderSize") == 0) {
		if (value_size(value, 1024, 1024 * 1024, &d->api_max_header) < 0)
			diag_add(diags, file, line, "MaxHeaderSize= must be 1K..1M");
	} else if (strcmp(key, "MaxConnections") == 0) {
		if (value_uint(value, 1, 10000, &u) < 0)
			diag_add(diags, file, line, "MaxConnections= must be 1..10000");
		else
			d->api_max_connections = (unsigned)u;
	} else if (strcmp(key, "RequestTimeoutSec") == 0) {
		if (value_uint(value, 1, 300, &u) < 0)
			diag_add(diags, file, line, "RequestTimeoutSec= must be 1..300 (seconds)");
		else
			d->api_request_timeout_sec = (int)u;
	} else if (strcmp(key, "IdleTimeoutSec") == 0) {
		if (value_uint(value, 1, 3600, &u) < 0)
			diag_add(diags, file, line, "IdleTimeoutSec= must be 1..3600 (seconds)");
		else
			d->api_idle_timeout_sec = (int)u;
	} else {
		diag_add(diags, file, line, "unknown key '%s' in [Api]", key);
	}
}

static void unit_key(struct config_load *ld, const char *id, const char *key, const char *value,
                     const char *file, unsigned line, struct diag_list *diags)
{
	struct config_unit *u = unit_get(ld->cfg, id, file, line);
	if (!u) {
		config_oom(ld, file, line);
		return;
	}
	if (strcmp(key, "Title") == 0) {
		config_set_str(ld, &u->title, value, file, line);
	} else if (strcmp(key, "Manager") == 0) {
		config_set_str(ld, &u->manager, value, file, line);
	} else if (strcmp(key, "ManagerEmail") == 0) {
		if (value_email(value) < 0)
			diag_add(diags, file, line, "ManagerEmail= is not an e-mail address: '%s'",
			         value);
		else
			config_set_str(ld, &u->manager_email, value, file, line);
	} else if (strcmp(key, "Calendar") == 0) {
		config_set_str(ld, &u->calendar, value, file, line);
		u->line_calendar = line;
	} else if (strcmp(key, "EscalateEmail") == 0) {
		if (value_email(value) < 0)
			diag_add(diags, file, line, "EscalateEmail= is not an e-mail address: '%s'",
			         value);
		else
			config_set_str(ld, &u->escalate_email, value, file, line);
	} else if (strcmp(key, "SafetyEmail") == 0) {
		if (value_email(value) < 0)
			diag_add(diags, file, line, "SafetyEmail= is not an e-mail address: '%s'",
			         value);
		else
			config_set_str(ld, &u->safety_email, value, file, line);
	} else {
		diag_add(diags, file, line, "unknown key '%s' in [Unit %s]", key, id);
	}
}

void config_schedule_value(struct sched_policy *p, const char *section, const char *key,
                           const char *value, const char *file, unsigned line,
                           struct diag_list *diags)
{
	int r = sched_policy_set(p, key, value);
	if (r == -ENOENT)
		diag_add(diags, file, line, "unknown key '%s' in [%s]", key, section);
	else if (r < 0 && strcmp(key, "PollAt") == 0)
		diag_add(diags, file, line,
		         "PollAt=%s: expected distinct local times HH:MM separated by spaces",
		         value);
	else if (r < 0)
		diag_add(diags, file, line,
		         "%s=%s: expected a time span of at least 1min (e.g. 30min, 2h) or off",
		         key, value);
}

/* RequestsInFlight= bounds a platform's requests across its accounts: a
 * setting of the platform (or of all), never of one account. */
static bool in_flight_key(const char *key, const char *value, unsigned *dst, const char *file,
                          unsigned line, struct diag_list *diags)
{
	if (strcmp(key, "RequestsInFlight") != 0)
		return false;
	uint64_t u;
	if (value_uint(value, 1, CONFIG_IN_FLIGHT_MAX, &u) < 0)
		diag_add(diags, file, line, "RequestsInFlight= must be 1..%d",
		         CONFIG_IN_FLIGHT_MAX);
	else
		*dst = (unsigned)u;
	return true;
}

void config_daemon_value(void *user, const char *section, const char *key, const char *value,
                         const char *file, unsigned line, struct diag_list *diags)
{
	struct config_load *ld = user;
	if (config_key_repeated(ld, section, key, file, line))
		return;
	if (config_notify_value(ld, section, key, value, file, line, diags))
		return;
	if (strcmp(section, "Calendar") == 0)
		config_calendar_collect(ld, "default", key, value, file, line);
	else if (strncmp(section, "Calendar ", 9) == 0)
		config_calendar_collect(ld, section + 9, key, value, file, line);
	else if (strcmp(section, "Deadlines") == 0)
		config_deadlines_collect(ld, "", section, key, value, file, line);
	else if (strncmp(section, "Deadlines ", 10) == 0) {
		char scope[160];
		snprintf(scope, sizeof(scope), "unit:%s", section + 10);
		config_deadlines_collect(ld, scope, section, key, value, file, line);
	} else if (strcmp(section, "Schedule") == 0) {
		if (!in_flight_key(key, value, &ld->cfg->in_flight_site, file, line, diags))
			config_schedule_value(&ld->cfg->sched_site, section, key, value, file, line,
			                      diags);
	} else if (strncmp(section, "Schedule ", 9) == 0) {
		enum platform p = PLATFORM_FACEBOOK;
		platform_from_name(section + 9, &p);
		if (!in_flight_key(key, value, &ld->cfg->in_flight_platform[p], file, line, diags))
			config_schedule_value(&ld->cfg->sched_platform[p], section, key, value,
			                      file, line, diags);
	} else if (strcmp(section, "Daemon") == 0)
		daemon_key(ld, key, value, file, line, diags);
	else if (strcmp(section, "Api") == 0)
		api_key(ld, key, value, file, line, diags);
	else if (strncmp(section, "Unit ", 5) == 0)
		unit_key(ld, section + 5, key, value, file, line, diags);
	else if (config_escalation_section(section))
		config_escalation_value(ld, section, key, value, file, line);
	else if (strcmp(section, "Actions") == 0)
		config_actions_value(ld, key, value, file, line);
}
