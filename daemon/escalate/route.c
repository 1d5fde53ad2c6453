/* Routes: who receives which step of an escalation, and when the next
 * step or repeat is due. */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "calendar/bizmath.h"
#include "calendar/tz.h"
#include "escalate/escalate.h"
#include "util/diag.h"

/* --- on call ---------------------------------------------------------- */

/* The n-th word of a space-separated list into buf; -ENOENT past the end. */
static int nth_word(const char *list, size_t n, char *buf, size_t len, size_t *ret_count)
{
	size_t i = 0;
	int r = -ENOENT;
	for (const char *p = list; p && *p;) {
		while (*p == ' ' || *p == '\t')
			p++;
		if (!*p)
			break;
		size_t w = strcspn(p, " \t");
		if (i == n && w < len) {
			memcpy(buf, p, w);
			buf[w] = '\0';
			r = 0;
		}
		i++;
		p += w;
	}
	if (ret_count)
		*ret_count = i;
	return r;
}

int escalate_oncall_at(const struct config *cfg, struct store *s, int64_t t, char *buf, size_t len,
                       const char **ret_source)
{
	const struct config_escalation *e = &cfg->esc;
	int r = s ? store_oncall_override_at(s, t, buf, len, NULL) : -ENOENT;
	if (r == 0) {
		if (ret_source)
			*ret_source = "override";
		return 0;
	}
	if (r != -ENOENT)
		return r;
	for (size_t i = e->n_shifts; i-- > 0;) {
		const struct config_shift *sh = &e->shifts[i];
		if (sh->from <= t && t < sh->until && sh->who.text) {
			snprintf(buf, len, "%s", sh->who.text);
			if (ret_source)
				*ret_source = "shift";
			return 0;
		}
	}
	size_t count = 0;
	if (!e->rota.text || (nth_word(e->rota.text, SIZE_MAX, buf, len, &count), count == 0))
		return -ENOENT;
	const struct cal *cal = config_find_calendar(cfg, "default");
	struct cal_local l;
	if (!cal || cal_tz_to_local(cal_timezone(cal), t / 1000000, &l) < 0)
		return -ERANGE;
	/* Weeks since the Monday 1970-01-05, turning at the handover. */
	int64_t days = l.dn - 4, week_sec = 7 * 86400;
	int64_t pos = (((days % 7) + 7) % 7) * 86400 + l.sec_of_day;
	int64_t week = (days - (((days % 7) + 7) % 7)) / 7;
	if (pos < (int64_t)e->handover_wday * 86400 + e->handover_sec)
		week--;
	(void)week_sec;
	size_t idx = (size_t)(((week % (int64_t)count) + (int64_t)count) % (int64_t)count);
	r = nth_word(e->rota.text, idx, buf, len, NULL);
	if (r == 0 && ret_source)
		*ret_source = "rota";
	return r;
}

/* --- recipients -------------------------------------------------------- */

struct rcpt_list {
	struct escalate_rcpt *v;
	size_t n;
};

static void add_one(struct rcpt_list *l, const char *recipient, const char *role)
{
	/* A recipient too long to store whole is not stored cut short: a cut
	 * address would deliver somewhere else. A checked configuration has
	 * none (value_email() allows 254 bytes; webhook names come from a
	 * section header), so this guards only against what it did not see. */
	if (!recipient || !*recipient || l->n >= ESCALATE_RCPT_MAX ||
	    strlen(recipient) >= sizeof(l->v[l->n].recipient))
		return;
	for (size_t i = 0; i < l->n; i++)
		if (strcmp(l->v[i].recipient, recipient) == 0)
			return;
	snprintf(l->v[l->n].recipient, sizeof(l->v[l->n].recipient), "%s", recipient);
	snprintf(l->v[l->n].role, sizeof(l->v[l->n].role), "%s", role);
	l->n++;
}

/* A recipient into l: "contact:NAME" becomes one recipient per channel of
 * the contact (its e-mail, each of its webhooks), so that each channel is a
 * delivery with its own retry state.  False when it names nobody (a
 * contact no longer configured, e.g. in an override from before a reload). */
static bool add(const struct config *cfg, struct rcpt_list *l, const char *recipient,
                const char *role)
{
	if (!recipient || !*recipient)
		return false;
	if (strncmp(recipient, "contact:", 8) != 0) {
		add_one(l, recipient, role);
		return true;
	}
	const struct config_contact *k = config_find_contact(cfg, recipient + 8);
	if (!k || (!k->email && !k->webhooks))
		return false;
	add_one(l, k->email, role);
	char w[256], hook[sizeof(l->v[0].recipient)];
	for (size_t i = 0; k->webhooks && nth_word(k->webhooks, i, w, sizeof(w), NULL) == 0; i++) {
		int n = snprintf(hook, sizeof(hook), "webhook:%s", w);
		if (n > 0 && (size_t)n < sizeof(hook))
			add_one(l, hook, role);
	}
	return true;
}

static bool add_words(const struct config *cfg, struct rcpt_list *l, const char *list,
                      const char *role)
{
	char w[256];
	bool any = false;
	for (size_t i = 0; list && nth_word(list, i, w, sizeof(w), NULL) == 0; i++)
		any |= add(cfg, l, w, role);
	return any;
}

int escalate_expand(const struct config *cfg, const char *list, const char *role,
                    struct escalate_rcpt *ret, size_t *ret_n)
{
	struct rcpt_list l = { .v = ret };
	add_words(cfg, &l, list, role);
	*ret_n = l.n;
	return l.n ? 0 : -ENOENT;
}

/* One role or address for unit u into l; false when it names nobody. */
static bool resolve(const struct config *cfg, struct store *s, const struct config_unit *u,
                    const char *w, int64_t now, struct rcpt_list *l)
{
	const char *to = NULL;
	char oncall[256];
	if (strcmp(w, "manager") == 0)
		to = u ? u->manager_email : NULL;
	else if (strcmp(w, "escalate") == 0)
		to = u ? u->escalate_email : NULL;
	else if (strcmp(w, "safety") == 0)
		to = u ? u->safety_email : NULL;
	else if (strcmp(w, "oncall") == 0)
		to = escalate_oncall_at(cfg, s, now, oncall, sizeof(oncall), NULL) == 0 ? oncall
		                                                                        : NULL;
	else if (strcmp(w, "fallback") == 0)
		return add_words(cfg, l, cfg->esc.fallback.text, "fallback");
	else
		return add(cfg, l, w, "address");
	return add(cfg, l, to, w);
}

static void resolve_list(const struct config *cfg, struct store *s, const struct config_unit *u,
                         const char *list, int64_t now, struct rcpt_list *l)
{
	char w[256];
	for (size_t i = 0; list && nth_word(list, i, w, sizeof(w), NULL) == 0; i++)
		if (!resolve(cfg, s, u, w, now, l))
			add_words(cfg, l, cfg->esc.fallback.text, "fallback");
}

static const char *breach_route(const struct config *cfg, int level)
{
	if (cfg->esc.n_breach == 0)
		return "manager";
	if (level < 0 || (size_t)level >= cfg->esc.n_breach)
		return NULL;
	return cfg->esc.breach[level].to.text;
}

int escalate_recipients(const struct config *cfg, struct store *s, const struct store_escalation *e,
                        int level, int64_t now, struct escalate_rcpt *ret, size_t *ret_n)
{
	const struct config_escalation *c = &cfg->esc;
	const struct config_account *acc =
	        e->account[0] ? config_find_account(cfg, e->account) : NULL;
	const struct config_unit *u = acc ? config_find_unit(cfg, acc->unit) : NULL;
	struct rcpt_list l = { .v = ret };

	if (strcmp(e->cause, "verdict") == 0) {
		resolve_list(cfg, s, u, c->threat.text ? c->threat.text : "oncall", now, &l);
		/* Work environment: a threat on a unit's account is aimed at the
		 * people who speak through it, so their manager and safety
		 * representative hear of it too (arbetsmiljölagen). */
		if (strstr(e->reason, "threat")) {
			resolve(cfg, s, u, "manager", now, &l);
			resolve(cfg, s, u, "safety", now, &l);
		}
	} else if (strcmp(e->kind, "warning") == 0) {
		resolve_list(cfg, s, u, c->warning.text ? c->warning.text : "manager", now, &l);
	} else if (strcmp(e->kind, "breach") == 0) {
		resolve_list(cfg, s, u, breach_route(cfg, level), now, &l);
	} else if (strcmp(e->cause, "health") == 0) {
		resolve_list(cfg, s, u, c->health.text ? c->health.text : "manager escalate", now,
		             &l);
	} else if (strcmp(e->cause, "test") == 0) {
		resolve_list(cfg, s, u, c->threat.text ? c->threat.text : "oncall", now, &l);
		resolve(cfg, s, u, "manager", now, &l);
		resolve(cfg, s, u, "safety", now, &l);
		resolve_list(cfg, s, u, c->warning.text ? c->warning.text : "manager", now, &l);
		for (size_t i = 0; i < (c->n_breach ? c->n_breach : 1); i++)
			resolve_list(cfg, s, u, breach_route(cfg, (int)i), now, &l);
		resolve_list(cfg, s, u, c->health.text ? c->health.text : "manager escalate", now,
		             &l);
		resolve(cfg, s, u, "fallback", now, &l);
	}
	/* Never routed nowhere: the fallback, and past it the unit's manager
	 * (every unit has one: ManagerEmail= is required). */
	if (l.n == 0)
		resolve(cfg, s, u, "fallback", now, &l);
	if (l.n == 0)
		resolve(cfg, s, u, "manager", now, &l);
	*ret_n = l.n;
	return l.n ? 0 : -ENOENT;
}

/* --- routing ------------------------------------------------------------- */

static unsigned repeat_bit(const struct store_escalation *e)
{
	if (strcmp(e->cause, "verdict") == 0)
		return CONFIG_REPEAT_THREAT;
	if (strcmp(e->kind, "warning") == 0)
		return CONFIG_REPEAT_WARNING;
	if (strcmp(e->kind, "breach") == 0)
		return CONFIG_REPEAT_BREACH;
	if (strcmp(e->cause, "health") == 0)
		return CONFIG_REPEAT_HEALTH;
	return 0;
}

/* When breach step `level` is due: the due instant plus its delay, in the
 * account's calendar's time.  -ENOENT past the last step. */
static int step_at(const struct config *cfg, const struct store_escalation *e, int level,
                   int64_t *ret)
{
	if (strcmp(e->kind, "breach") != 0)
		return level == 0 ? (*ret = e->created_at, 0) : -ENOENT;
	size_t n = cfg->esc.n_breach ? cfg->esc.n_breach : 1;
	if (level < 0 || (size_t)level >= n)
		return -ENOENT;
	if (cfg->esc.n_breach == 0) {
		*ret = e->due_at ? e->due_at : e->created_at;
		return 0;
	}
	const struct config_account *acc = config_find_account(cfg, e->account);
	const struct cal *cal = acc && acc->cal ? acc->cal : config_find_calendar(cfg, "default");
	int64_t base = e->due_at ? e->due_at : e->created_at;
	if (!cal || cal_add_duration(cal, base, &cfg->esc.breach[level].after, ret) < 0)
		*ret = base;
	return 0;
}

static int route_one(struct store *s, const struct config *cfg, int64_t id, int64_t now,
                     size_t *ret_n, size_t *ret_nowhere)
{
	struct store_escalation e;
	struct escalate_rcpt rc[ESCALATE_RCPT_MAX];
	size_t n = 0;
	int r = store_escalation_get(s, id, &e);
	if (r)
		return r;
	if (e.acknowledged_at || e.cancelled_at)
		return store_escalation_set_step(s, id, e.level, e.round, 0, now);

	/* The next step when it is due, else a repeat of the last one.  One
	 * step per routing: after a long stop every step still reaches its
	 * recipients, in order, the next one at once. */
	int level = 0, round = 0;
	int64_t at;
	if (e.level >= 0 && step_at(cfg, &e, e.level + 1, &at) == 0 && at <= now)
		level = e.level + 1;
	else if (e.level >= 0)
		level = e.level, round = e.round + 1;
	r = escalate_recipients(cfg, s, &e, level, now, rc, &n);
	if (r == -ENOENT) {
		/* Only an account no longer configured gets here (every unit
		 * has a manager): park it, visibly, rather than block the rest. */
		*ret_nowhere += 1;
		return store_escalation_cancel(s, id, "no recipient", now);
	}
	if (r)
		return r;
	for (size_t i = 0; i < n && r == 0; i++) {
		int added = 0;
		r = store_delivery_add(s, id, level, round, rc[i].recipient, rc[i].role, now,
		                       &added);
		*ret_n += (size_t)added;
	}
	int64_t next = 0;
	if (step_at(cfg, &e, level + 1, &at) == 0)
		next = at > now ? at : now;
	if (cfg->esc.repeat_usec && (cfg->esc.repeat_kinds & repeat_bit(&e))) {
		int64_t rep = now + cfg->esc.repeat_usec;
		if (!next || rep < next)
			next = rep;
	}
	if (r == 0)
		r = store_escalation_set_step(s, id, level, round, next, now);
	return r;
}

int escalate_route_due(struct store *s, const struct config *cfg, int64_t now, size_t *ret_n)
{
	return escalate_route_due_max(s, cfg, now, 1000, ret_n, NULL);
}

int escalate_route_due_max(struct store *s, const struct config *cfg, int64_t now, size_t max,
                           size_t *ret_n, size_t *ret_seen)
{
	int64_t *ids = NULL;
	size_t n = 0, made = 0, nowhere = 0;
	int r = store_escalations_due(s, now, max, &ids, &n);
	if (ret_seen)
		*ret_seen = r == 0 ? n : 0;
	for (size_t i = 0; r == 0 && i < n; i++) {
		if ((r = store_begin(s)) != 0)
			break;
		r = store_end(s, route_one(s, cfg, ids[i], now, &made, &nowhere));
	}
	free(ids);
	if (r == 0 && nowhere)
		r = -EHOSTUNREACH; /* the caller logs it; the rest was routed */
	if ((r == 0 || r == -EHOSTUNREACH) && ret_n)
		*ret_n = made;
	return r;
}
