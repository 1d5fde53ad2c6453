/* escalate_config_check(): every route of the configuration ends at
 * someone vakt can deliver to (--check-config, reload, start). */
#include <stdio.h>
#include <string.h>

#include "escalate/escalate.h"
#include "notify/notify.h"
#include "util/diag.h"

static const char *const roles[] = { "manager", "escalate", "safety", "oncall", "fallback" };

static bool is_role(const char *w)
{
	for (size_t i = 0; i < sizeof(roles) / sizeof(roles[0]); i++)
		if (strcmp(w, roles[i]) == 0)
			return true;
	return false;
}

/* The n-th word of a space-separated list into buf; false past the end. */
static bool word(const char *list, size_t n, char *buf, size_t len)
{
	size_t i = 0;
	for (const char *p = list; p && *p;) {
		p += strspn(p, " \t");
		if (!*p)
			break;
		size_t w = strcspn(p, " \t");
		if (i++ == n) {
			snprintf(buf, len, "%.*s", (int)w, p);
			return true;
		}
		p += w;
	}
	return false;
}

/* --- checking the configuration ---------------------------------------- */

/* A role of a configured route resolves to nobody for unit u. */
static bool names_nobody(const struct config *cfg, const struct config_unit *u, const char *w)
{
	if (strcmp(w, "escalate") == 0)
		return !u->escalate_email;
	if (strcmp(w, "safety") == 0)
		return !u->safety_email;
	if (strcmp(w, "oncall") == 0)
		return !cfg->esc.rota.text;
	if (strcmp(w, "fallback") == 0)
		return !cfg->esc.fallback.text;
	return false;
}

static size_t check_address(const struct config *cfg, const struct config_route *rt, const char *w,
                            struct diag_list *diags)
{
	struct notify_target t;
	if (notify_target_parse(w, &t) < 0) {
		diag_add(diags, rt->file, rt->line,
		         "'%s' is neither a role (manager, escalate, safety, oncall, fallback) nor "
		         "a "
		         "recipient (name@example.se or webhook:NAME)",
		         w);
		return 1;
	}
	if (t.channel == NOTIFY_WEBHOOK && notify_target_check(cfg, &t) < 0) {
		diag_add(diags, rt->file, rt->line, "'%s': no [Webhook %s] section defines it", w,
		         t.address);
		return 1;
	}
	return 0;
}

static size_t check_route(const struct config *cfg, const struct config_route *rt, bool roles_ok,
                          struct diag_list *diags)
{
	char w[256];
	size_t errors = 0;
	if (!rt->text)
		return 0;
	for (size_t i = 0; word(rt->text, i, w, sizeof(w)); i++) {
		if (!is_role(w)) {
			errors += check_address(cfg, rt, w, diags);
			continue;
		}
		if (!roles_ok) {
			diag_add(diags, rt->file, rt->line,
			         "'%s': only recipients (name@example.se, webhook:NAME) here, not "
			         "roles",
			         w);
			errors++;
			continue;
		}
		if (cfg->esc.fallback.text)
			continue;
		/* Without a fallback, a role that names nobody ends the route
		 * nowhere: name the first unit it does so for. */
		for (size_t u = 0; u < cfg->n_units; u++)
			if (names_nobody(cfg, &cfg->units[u], w)) {
				diag_add(diags, rt->file, rt->line,
				         "'%s' names nobody for unit '%s' and no [Escalation] "
				         "Fallback= "
				         "is set: this route would end nowhere",
				         w, cfg->units[u].id);
				errors++;
				break;
			}
	}
	return errors;
}

size_t escalate_config_check(const struct config *cfg, struct diag_list *diags)
{
	const struct config_escalation *e = &cfg->esc;
	size_t errors = 0;
	errors += check_route(cfg, &e->fallback, false, diags);
	errors += check_route(cfg, &e->threat, true, diags);
	errors += check_route(cfg, &e->warning, true, diags);
	errors += check_route(cfg, &e->health, true, diags);
	for (size_t i = 0; i < e->n_breach; i++)
		errors += check_route(cfg, &e->breach[i].to, true, diags);
	errors += check_route(cfg, &e->rota, false, diags);
	for (size_t i = 0; i < e->n_shifts; i++)
		errors += check_route(cfg, &e->shifts[i].who, false, diags);
	/* Shifts alone leave gaps: on call must end somewhere between them. */
	if (e->n_shifts && !e->rota.text && !e->fallback.text) {
		diag_add(diags, e->shifts[0].who.file, e->shifts[0].who.line,
		         "[OnCall] has shifts but no Rota= and no [Escalation] Fallback= is set: "
		         "between shifts a threat would reach nobody on call");
		errors++;
	}
	return errors;
}
