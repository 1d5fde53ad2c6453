/* escalate_config_check(): every route of the configuration ends at
 * someone vakt can deliver to (--check-config, reload, start). */
#include <errno.h>
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

#define NO_EMAIL                                                                                   \
	"no [Email] section (SmtpUrl=, From=) is configured, so e-mail to it would end nowhere"

/* One channel of a recipient: a@b.se or webhook:NAME, deliverable under
 * cfg.  what names where it was written ("'w'" or "contact 'x' Email=…"). */
static size_t check_channel(const struct config *cfg, const char *file, unsigned line,
                            const char *w, struct diag_list *diags)
{
	struct notify_target t;
	if (notify_target_parse(w, &t) < 0) {
		diag_add(diags, file, line,
		         "'%s' is neither a role (manager, escalate, safety, oncall, fallback) nor "
		         "a recipient (name@example.se, webhook:NAME or contact:NAME)",
		         w);
		return 1;
	}
	if (notify_target_check(cfg, &t) == 0)
		return 0;
	if (t.channel == NOTIFY_WEBHOOK)
		diag_add(diags, file, line, "'%s': no [Webhook %s] section defines it", w,
		         t.address);
	else
		diag_add(diags, file, line, "'%s' is an e-mail address, but " NO_EMAIL, w);
	return 1;
}

static size_t check_address(const struct config *cfg, const struct config_route *rt, const char *w,
                            struct diag_list *diags)
{
	if (strncmp(w, "contact:", 8) != 0)
		return check_channel(cfg, rt->file, rt->line, w, diags);
	/* The contact's own channels are checked once, with its section. */
	if (config_find_contact(cfg, w + 8))
		return 0;
	diag_add(diags, rt->file, rt->line, "'%s': no [Contact %s] section defines it", w, w + 8);
	return 1;
}

/* Every channel of every contact, named at the line that gives it. */
static size_t check_contacts(const struct config *cfg, struct diag_list *diags)
{
	size_t errors = 0;
	char w[256], hook[300];
	for (size_t i = 0; i < cfg->n_contacts; i++) {
		const struct config_contact *k = &cfg->contacts[i];
		if (k->email)
			errors += check_channel(cfg, k->file, k->email_line, k->email, diags);
		for (size_t j = 0; k->webhooks && word(k->webhooks, j, w, sizeof(w)); j++) {
			snprintf(hook, sizeof(hook), "webhook:%s", w);
			errors += check_channel(cfg, k->file, k->webhook_line, hook, diags);
		}
	}
	return errors;
}

/* Every unit's addresses are recipients (the manager hears of every threat
 * and warning; escalate and safety of the routes that name them): without
 * [Email] they lead nowhere.  One error per unit, at its header. */
static size_t check_unit_mail(const struct config *cfg, struct diag_list *diags)
{
	size_t errors = 0;
	for (size_t i = 0; i < cfg->n_units; i++) {
		const struct config_unit *u = &cfg->units[i];
		const char *key = u->manager_email    ? "ManagerEmail"
		                  : u->escalate_email ? "EscalateEmail"
		                  : u->safety_email   ? "SafetyEmail"
		                                      : NULL;
		const char *addr = u->manager_email    ? u->manager_email
		                   : u->escalate_email ? u->escalate_email
		                                       : u->safety_email;
		struct notify_target t;
		if (!key || notify_target_parse(addr, &t) < 0 || notify_target_check(cfg, &t) == 0)
			continue;
		diag_add(diags, u->file, u->line, "[Unit %s] %s=%s: " NO_EMAIL, u->id, key, addr);
		errors++;
	}
	return errors;
}

int escalate_recipient_check(const struct config *cfg, const char *recipient)
{
	struct notify_target t;
	if (strncmp(recipient, "contact:", 8) == 0) {
		const struct config_contact *k = config_find_contact(cfg, recipient + 8);
		return k && (k->email || k->webhooks) ? 0 : -ENOENT;
	}
	if (notify_target_parse(recipient, &t) < 0)
		return -EINVAL;
	return notify_target_check(cfg, &t);
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
			         "'%s': only recipients (name@example.se, webhook:NAME, "
			         "contact:NAME) here, not roles",
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
	errors += check_unit_mail(cfg, diags);
	errors += check_contacts(cfg, diags);
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
