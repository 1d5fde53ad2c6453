/* [Escalation] and [OnCall] of vaktd.conf: the escalation policy, the
 * on-call rota and the acknowledgement links (docs/escalation.md).
 * Recipient lists are kept as written with their file:line; whether each
 * names something that can be delivered to is checked one layer up, by
 * escalate_config_check(), which knows the channels. */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "calendar/instant.h"
#include "config/config-internal.h"
#include "config/secret.h"
#include "config/values.h"
#include "util/timespan.h"

void config_escalation_defaults(struct config_escalation *e)
{
	e->group_window_usec = 10 * 60 * 1000000LL;
	e->review_abuse_count = 3;
	e->review_abuse_window_usec = 7 * 86400 * 1000000LL;
	e->retry_initial_usec = 30 * 1000000LL;
	e->retry_max_usec = 15 * 60 * 1000000LL;
	e->give_up_usec = 24 * 3600 * 1000000LL;
	e->repeat_usec = 30 * 60 * 1000000LL;
	e->repeat_kinds = CONFIG_REPEAT_THREAT | CONFIG_REPEAT_BREACH;
	e->ack_valid_usec = 7 * 86400 * 1000000LL;
	e->handover_wday = 0;
	e->handover_sec = 8 * 3600;
}

static void route_set(struct config_load *ld, struct config_route *r, const char *value,
                      const char *file, unsigned line)
{
	if (config_set_str(ld, &r->text, value, file, line) == 0 &&
	    config_set_str(ld, &r->file, file, file, line) == 0)
		r->line = line;
}

static void route_free(struct config_route *r)
{
	free(r->text);
	free(r->file);
	memset(r, 0, sizeof(*r));
}

static int span(const char *value, int64_t min, int64_t *ret)
{
	int64_t v;
	if (timespan_parse(value, &v) < 0 || v < min)
		return -EINVAL;
	*ret = v;
	return 0;
}

static void repeat_kinds(const char *value, unsigned *ret, const char *file, unsigned line,
                         struct diag_list *diags)
{
	unsigned bits = 0;
	char buf[256];
	snprintf(buf, sizeof(buf), "%s", value);
	for (char *save = NULL, *w = strtok_r(buf, " \t", &save); w;
	     w = strtok_r(NULL, " \t", &save)) {
		if (strcmp(w, "threat") == 0)
			bits |= CONFIG_REPEAT_THREAT;
		else if (strcmp(w, "warning") == 0)
			bits |= CONFIG_REPEAT_WARNING;
		else if (strcmp(w, "breach") == 0)
			bits |= CONFIG_REPEAT_BREACH;
		else if (strcmp(w, "health") == 0)
			bits |= CONFIG_REPEAT_HEALTH;
		else if (strcmp(w, "none") != 0) {
			diag_add(
			        diags, file, line,
			        "RepeatKinds=: unknown kind '%s' (threat, warning, breach, health, "
			        "none)",
			        w);
			return;
		}
	}
	*ret = bits;
}

/* "DURATION: RECIPIENTS" */
static void breach_step(struct config_load *ld, const char *key, const char *value,
                        const char *file, unsigned line, struct diag_list *diags)
{
	struct config_escalation *e = &ld->cfg->esc;
	char *end;
	unsigned long n = strtoul(key + 10, &end, 10);
	if (*end || n < 1 || n > CONFIG_ESC_STEPS) {
		diag_add(diags, file, line,
		         "unknown key '%s' in [Escalation] (BreachStep1= … "
		         "BreachStep9=)",
		         key);
		return;
	}
	const char *colon = strchr(value, ':');
	char dur[64];
	if (!colon || (size_t)(colon - value) >= sizeof(dur)) {
		diag_add(
		        diags, file, line,
		        "%s=%s: expected 'DURATION: RECIPIENTS', e.g. '4 business hours: escalate'",
		        key, value);
		return;
	}
	memcpy(dur, value, (size_t)(colon - value));
	dur[colon - value] = '\0';
	struct config_esc_step *st = &e->breach[n - 1];
	if (cal_duration_parse(dur, &st->after) < 0) {
		diag_add(diags, file, line,
		         "%s=: '%s' is not a duration (e.g. 0min, 4 business hours, 1 day)", key,
		         dur);
		return;
	}
	const char *to = colon + 1;
	while (*to == ' ' || *to == '\t')
		to++;
	if (!*to) {
		diag_add(diags, file, line, "%s=: no recipients after the ':'", key);
		return;
	}
	route_set(ld, &st->to, to, file, line);
	if (n > e->n_breach)
		e->n_breach = n;
}

static void escalation_key(struct config_load *ld, const char *key, const char *value,
                           const char *file, unsigned line, struct diag_list *diags)
{
	struct config_escalation *e = &ld->cfg->esc;
	if (strcmp(key, "Fallback") == 0) {
		route_set(ld, &e->fallback, value, file, line);
	} else if (strcmp(key, "Language") == 0) {
		if (strcmp(value, "sv") == 0 || strcmp(value, "en") == 0)
			e->english = strcmp(value, "en") == 0;
		else
			diag_add(diags, file, line, "Language=%s: expected sv or en", value);
	} else if (strcmp(key, "GroupWindow") == 0) {
		if (span(value, 0, &e->group_window_usec) < 0)
			diag_add(diags, file, line,
			         "GroupWindow=%s: expected a time span (0 = never group)", value);
	} else if (strcmp(key, "ReviewAbuseCount") == 0) {
		uint64_t n;
		if (value_uint(value, 0, 1000, &n) < 0)
			diag_add(diags, file, line,
			         "ReviewAbuseCount=%s: expected a number of reviews, 0..1000 (0 = "
			         "never)",
			         value);
		else
			e->review_abuse_count = (unsigned)n;
	} else if (strcmp(key, "ReviewAbuseWindow") == 0) {
		if (span(value, 60 * 1000000LL, &e->review_abuse_window_usec) < 0)
			diag_add(diags, file, line,
			         "ReviewAbuseWindow=%s: expected a time span of at least 1min",
			         value);
	} else if (strcmp(key, "RetryInitial") == 0) {
		if (span(value, 1000000, &e->retry_initial_usec) < 0)
			diag_add(diags, file, line,
			         "RetryInitial=%s: expected a time span of at least 1s", value);
	} else if (strcmp(key, "RetryMax") == 0) {
		if (span(value, 1000000, &e->retry_max_usec) < 0)
			diag_add(diags, file, line,
			         "RetryMax=%s: expected a time span of at least 1s", value);
	} else if (strcmp(key, "GiveUpAfter") == 0) {
		if (span(value, 60 * 1000000LL, &e->give_up_usec) < 0)
			diag_add(diags, file, line,
			         "GiveUpAfter=%s: expected a time span of at least 1min", value);
	} else if (strcmp(key, "RepeatEvery") == 0) {
		if (strcmp(value, "off") == 0)
			e->repeat_usec = 0;
		else if (span(value, 60 * 1000000LL, &e->repeat_usec) < 0)
			diag_add(diags, file, line,
			         "RepeatEvery=%s: expected a time span of at least 1min, or off",
			         value);
	} else if (strcmp(key, "RepeatKinds") == 0) {
		repeat_kinds(value, &e->repeat_kinds, file, line, diags);
	} else if (strcmp(key, "Threat") == 0) {
		route_set(ld, &e->threat, value, file, line);
	} else if (strcmp(key, "Warning") == 0) {
		route_set(ld, &e->warning, value, file, line);
	} else if (strcmp(key, "Health") == 0) {
		route_set(ld, &e->health, value, file, line);
	} else if (strncmp(key, "BreachStep", 10) == 0) {
		breach_step(ld, key, value, file, line, diags);
	} else if (strcmp(key, "PublicBaseUrl") == 0) {
		if (value_http_url(value) < 0 || strncmp(value, "https://", 8) != 0)
			diag_add(diags, file, line, "PublicBaseUrl=%s: expected an https:// URL",
			         value);
		else
			config_set_str(ld, &e->public_base_url, value, file, line);
	} else if (strcmp(key, "AckKeyFile") == 0 || strcmp(key, "AckKeyCredential") == 0) {
		bool is_file = strcmp(key, "AckKeyFile") == 0;
		if (e->ack_key_line) {
			diag_add(diags, file, line,
			         "%s=: the acknowledgement key is already set on line %u", key,
			         e->ack_key_line);
			return;
		}
		e->ack_key_line = line;
		config_set_str(ld, &e->ack_key_file, file, file, line);
		if (is_file ? value_abs_path(value) < 0 : !secret_credential_name_valid(value)) {
			diag_add(diags, file, line, "%s=%s: expected %s", key, value,
			         is_file ? "an absolute path" : "a credential name");
			return;
		}
		if (ld->flags & CONFIG_LOAD_NO_SECRETS)
			return;
		int r = is_file ? secret_read_file(value, &e->ack_key)
		                : secret_read_credential(value, &e->ack_key);
		if (r == -ENOMEM)
			config_oom(ld, file, line);
		else if (r == 0 && e->ack_key.len < 16)
			diag_add(diags, file, line, "%s=: the key must be at least 16 bytes", key);
		else if (r < 0)
			diag_add(diags, file, line, "%s=%s: cannot read the key: %s", key, value,
			         strerror(-r));
	} else if (strcmp(key, "AckLinkValid") == 0) {
		if (span(value, 60 * 1000000LL, &e->ack_valid_usec) < 0)
			diag_add(diags, file, line,
			         "AckLinkValid=%s: expected a time span of at least 1min", value);
	} else {
		diag_add(diags, file, line, "unknown key '%s' in [Escalation]", key);
	}
}

static const char *const wdays[] = { "mon", "tue", "wed", "thu", "fri", "sat", "sun" };

/* "mon 08:00" */
static int handover(const char *v, int *ret_wday, int *ret_sec)
{
	char d[8];
	int h, m, n = 0;
	if (sscanf(v, "%7s %d:%d%n", d, &h, &m, &n) != 3 || v[n] || h < 0 || h > 23 || m < 0 ||
	    m > 59)
		return -EINVAL;
	for (int i = 0; i < 7; i++)
		if (strcasecmp(d, wdays[i]) == 0) {
			*ret_wday = i;
			*ret_sec = h * 3600 + m * 60;
			return 0;
		}
	return -EINVAL;
}

/* "FROM UNTIL RECIPIENT": two local instants without blanks. */
static void shift_key(struct config_load *ld, const char *key, const char *value, const char *file,
                      unsigned line, struct diag_list *diags)
{
	struct config_escalation *e = &ld->cfg->esc;
	char from[40], until[40], who[260];
	int n = 0;
	if (e->n_shifts >= CONFIG_ONCALL_SHIFTS) {
		diag_add(diags, file, line, "%s=: at most %d shifts", key, CONFIG_ONCALL_SHIFTS);
		return;
	}
	if (sscanf(value, "%39s %39s %259s%n", from, until, who, &n) != 3 || value[n]) {
		diag_add(diags, file, line,
		         "%s=%s: expected 'FROM UNTIL RECIPIENT', e.g. '2026-12-24T16:00 "
		         "2026-12-27T08:00 jour@example.se'",
		         key, value);
		return;
	}
	struct config_shift *s = &e->shifts[e->n_shifts++];
	config_set_str(ld, &s->from_text, from, file, line);
	config_set_str(ld, &s->until_text, until, file, line);
	route_set(ld, &s->who, who, file, line);
}

static void oncall_key(struct config_load *ld, const char *key, const char *value, const char *file,
                       unsigned line, struct diag_list *diags)
{
	struct config_escalation *e = &ld->cfg->esc;
	if (strcmp(key, "Rota") == 0)
		route_set(ld, &e->rota, value, file, line);
	else if (strcmp(key, "Handover") == 0) {
		if (handover(value, &e->handover_wday, &e->handover_sec) < 0)
			diag_add(diags, file, line,
			         "Handover=%s: expected a weekday and a time, e.g. "
			         "'mon 08:00'",
			         value);
	} else if (strncmp(key, "Shift", 5) == 0 && key[5])
		shift_key(ld, key, value, file, line, diags);
	else
		diag_add(diags, file, line, "unknown key '%s' in [OnCall]", key);
}

bool config_escalation_section(const char *section)
{
	return strcmp(section, "Escalation") == 0 || strcmp(section, "OnCall") == 0;
}

void config_escalation_value(struct config_load *ld, const char *section, const char *key,
                             const char *value, const char *file, unsigned line)
{
	if (strcmp(section, "Escalation") == 0)
		escalation_key(ld, key, value, file, line, ld->diags);
	else
		oncall_key(ld, key, value, file, line, ld->diags);
}

/* Checks that need every file read and the calendars built. */
void config_escalation_resolve(struct config_load *ld)
{
	struct config_escalation *e = &ld->cfg->esc;
	const struct cal *cal = config_find_calendar(ld->cfg, "default");
	for (size_t i = 0; i < ld->cfg->n_accounts; i++) {
		ld->cfg->accounts[i].esc_group_window_usec = e->group_window_usec;
		ld->cfg->accounts[i].esc_review_abuse_count = e->review_abuse_count;
		ld->cfg->accounts[i].esc_review_abuse_window_usec = e->review_abuse_window_usec;
	}
	for (size_t i = 0; i < e->n_breach; i++)
		if (!e->breach[i].to.text)
			diag_add(ld->diags, e->breach[e->n_breach - 1].to.file,
			         e->breach[e->n_breach - 1].to.line,
			         "BreachStep%zu= is set but BreachStep%zu= is not: steps are "
			         "numbered "
			         "from 1 without gaps",
			         e->n_breach, i + 1);
	for (size_t i = 0; i < e->n_shifts; i++) {
		struct config_shift *s = &e->shifts[i];
		if (!s->from_text || !s->until_text || !cal)
			continue;
		if (cal_parse_instant(cal, s->from_text, &s->from) < 0 ||
		    cal_parse_instant(cal, s->until_text, &s->until) < 0)
			diag_add(ld->diags, s->who.file, s->who.line,
			         "shift: '%s' or '%s' is not a local time such as 2026-12-24T16:00",
			         s->from_text, s->until_text);
		else if (s->until <= s->from)
			diag_add(ld->diags, s->who.file, s->who.line,
			         "shift: ends before it begins");
	}
	if (e->public_base_url && !e->ack_key_line)
		diag_add(ld->diags, NULL, 0,
		         "[Escalation] PublicBaseUrl= needs AckKeyFile= or AckKeyCredential= to "
		         "sign "
		         "acknowledgement links");
}

void config_escalation_free(struct config_escalation *e)
{
	route_free(&e->fallback);
	route_free(&e->threat);
	route_free(&e->warning);
	route_free(&e->health);
	route_free(&e->rota);
	for (size_t i = 0; i < CONFIG_ESC_STEPS; i++)
		route_free(&e->breach[i].to);
	for (size_t i = 0; i < e->n_shifts; i++) {
		free(e->shifts[i].from_text);
		free(e->shifts[i].until_text);
		route_free(&e->shifts[i].who);
	}
	free(e->public_base_url);
	free(e->ack_key_file);
	secret_clear(&e->ack_key);
}
