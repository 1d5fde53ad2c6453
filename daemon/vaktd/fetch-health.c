/* A poll's end and the account's health.
 *
 * An account is red when its token is invalid or expired, a permission is
 * missing, the platform said stop, red_after polls in a row failed, or it
 * has failed for longer than its schedule allows without a successful poll
 * (fetch_stale_after).
 * The row in account_health says so; a change is logged once, written to
 * the audit log and, in the same transaction, opens or clears the account's
 * health escalation (escalate_health(), reason "token", "permission",
 * "stopped" or "polls"), so a crash keeps both or neither. */
#include <stdio.h>
#include <string.h>

#include "escalate/escalate.h"
#include "store/audit.h"
#include "store/fetch-store.h"
#include "util/clock.h"
#include "util/log.h"
#include "vaktd/fetch-internal.h"

static const char *const escalation_reasons[] = { "token", "permission", "stopped", "polls" };

static const char *escalation_reason(enum conn_outcome o)
{
	return o == CONN_TOKEN        ? "token"
	       : o == CONN_PERMISSION ? "permission"
	       : o == CONN_STOP       ? "stopped"
	                              : "polls";
}

static const char *token_state_of(enum conn_outcome o, const char *prev)
{
	switch (o) {
	case CONN_TOKEN:
		return "invalid";
	case CONN_PERMISSION:
		return "permission";
	case CONN_STOP:
		return "stopped";
	default:
		return prev[0] ? prev : "unknown";
	}
}

int64_t fetch_stale_after(const struct config_account *a)
{
	int64_t gap = a->sched.interval_usec > a->sched.off_hours_usec ? a->sched.interval_usec
	                                                               : a->sched.off_hours_usec;
	if (gap <= 0)
		return 6 * 3600 * USEC_PER_SEC;
	return 3 * gap < 3600 * USEC_PER_SEC ? 3600 * USEC_PER_SEC : 3 * gap;
}

static int update_health(struct store *s, const char *account, bool ok, enum conn_outcome outcome,
                         const char *error, const struct fetch_health_policy *hp, int64_t now)
{
	struct store_account_health h;
	int r = store_account_health_get(s, account, &h);
	if (r)
		return r;
	bool was_red = strcmp(h.state, "red") == 0;
	int64_t first_poll = h.state[0] ? h.last_poll_at : 0;
	h.last_poll_at = now;
	if (ok) {
		h.last_ok_at = now;
		h.consecutive_failures = 0;
		snprintf(h.token_state, sizeof(h.token_state), "ok");
	} else {
		h.consecutive_failures++;
		snprintf(h.token_state, sizeof(h.token_state), "%s",
		         token_state_of(outcome, h.token_state));
	}
	/* Since the last successful poll, or since the first recorded one. */
	int64_t since = h.last_ok_at ? h.last_ok_at : first_poll;
	bool stale = hp->stale_usec > 0 && since > 0 && now - since > hp->stale_usec;
	bool red =
	        !ok && (outcome == CONN_TOKEN || outcome == CONN_PERMISSION ||
	                outcome == CONN_STOP || h.consecutive_failures >= hp->red_after || stale);
	snprintf(h.state, sizeof(h.state), "%s", red ? "red" : "ok");
	if (red) {
		if (outcome == CONN_TOKEN)
			snprintf(h.reason, sizeof(h.reason), "token invalid or expired");
		else if (outcome == CONN_PERMISSION)
			snprintf(h.reason, sizeof(h.reason), "permission missing");
		else if (outcome == CONN_STOP)
			snprintf(h.reason, sizeof(h.reason), "the platform said stop");
		else if (h.consecutive_failures >= hp->red_after)
			snprintf(h.reason, sizeof(h.reason), "%d polls in a row failed",
			         h.consecutive_failures);
		else
			snprintf(h.reason, sizeof(h.reason),
			         "no successful poll for %lld min, longer than the schedule allows",
			         (long long)((now - since) / (60 * USEC_PER_SEC)));
		if (!was_red)
			h.red_since = now;
	} else {
		h.reason[0] = '\0';
		h.red_since = 0;
	}
	r = store_account_health_put(s, &h, now);
	if (r || red == was_red)
		return r;
	/* A change, said once: in the log with VAKT_ACCOUNT= and in the
	 * audit log (the watching itself failed, or works again). */
	char detail[512];
	if (red) {
		log_full(LOG_WARNING, account, 0, "account is red: %s (%s)", h.reason,
		         error && *error ? error : "no detail");
		snprintf(detail, sizeof(detail), "{\"reason\":\"%s\",\"token\":\"%s\"}", h.reason,
		         h.token_state);
	} else {
		log_full(LOG_NOTICE, account, 0, "account polls successfully again");
		snprintf(detail, sizeof(detail), "{\"token\":\"%s\"}", h.token_state);
	}
	r = store_audit_append(s, "vaktd:fetch", red ? "account.red" : "account.ok", account,
	                       detail, NULL);
	if (r == 0 && red)
		r = escalate_health(s, account, escalation_reason(outcome), now, NULL, NULL);
	for (size_t i = 0;
	     r == 0 && !red && i < sizeof(escalation_reasons) / sizeof(*escalation_reasons); i++)
		r = escalate_health_clear(s, account, escalation_reasons[i], now);
	return r;
}

int fetch_record_end(struct store *s, const char *account, int64_t poll_id, const char *result,
                     const struct fetch_tally *t, enum conn_outcome outcome, const char *error,
                     const struct fetch_health_policy *hp, int64_t now)
{
	int r = store_begin(s);
	if (r)
		return r;
	r = store_poll_end(s, poll_id, now, result, t->items_new, t->items_updated,
	                   error && *error ? error : NULL);
	if (r == 0 && hp)
		r = update_health(s, account, strcmp(result, "ok") == 0, outcome, error, hp, now);
	return store_end(s, r);
}

int fetch_health_failed(struct store *s, const char *account, enum conn_outcome outcome,
                        const char *error, const struct fetch_health_policy *hp, int64_t now)
{
	int r = store_begin(s);
	if (r)
		return r;
	return store_end(s, update_health(s, account, false, outcome, error, hp, now));
}
