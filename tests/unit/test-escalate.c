/* The escalation outbox's decisions: signed links, backoff, triggers,
 * grouping, health incidents, inhibition.  Links the fake notify
 * (tests/fake-notify/) until the channels land. */
#include <errno.h>
#include <stdlib.h>

#include <event2/event.h>
#include <stdio.h>
#include <string.h>

#include "escalate/escalate.h"
#include "escalate/outbox.h"
#include "fake-notify.h"
#include "util/clock.h"
#include "util/diag.h"
#include "util/ctimer.h"
#include "filter/rules.h"
#include "store/store-db.h"
#include "t.h"
#include "tfs.h"

static struct secret key(const char *v)
{
	return (struct secret){ .value = (char *)v, .len = strlen(v) };
}

static void test_link_valid_expired_tampered(void)
{
	struct secret k = key("0123456789abcdef0123"), other = key("fedcba9876543210fedc");
	char tok[ESCALATE_TOKEN_MAX];
	int64_t id = 0, dlv = 0;
	T_EQ_INT(0, escalate_token_sign(&k, 42, 7, 1000, tok));
	T_EQ_INT(0, escalate_token_verify(&k, tok, 999, &id, &dlv));
	T_EQ_INT(42, (int)id);
	T_EQ_INT(7, (int)dlv);
	T_EQ_INT(-ETIME, escalate_token_verify(&k, tok, 1000, &id, &dlv));
	T_EQ_INT(-EBADMSG, escalate_token_verify(&other, tok, 999, &id, &dlv));
	char bad[ESCALATE_TOKEN_MAX];
	snprintf(bad, sizeof(bad), "%s", tok);
	bad[0] = '4', bad[1] = '3'; /* another escalation, same MAC */
	T_EQ_INT(-EBADMSG, escalate_token_verify(&k, bad, 999, &id, &dlv));
	snprintf(bad, sizeof(bad), "42.7.99999.%s", strrchr(tok, '.') + 1); /* longer life */
	T_EQ_INT(-EBADMSG, escalate_token_verify(&k, bad, 999, &id, &dlv));
	T_EQ_INT(-EBADMSG, escalate_token_verify(&k, "garbage", 999, &id, &dlv));
}

static void test_backoff_doubles_caps_and_jitters(void)
{
	int64_t s = 1000000;
	T_ASSERT(escalate_backoff(30 * s, 900 * s, 1, 0) == 24 * s);
	T_ASSERT(escalate_backoff(30 * s, 900 * s, 1, UINT32_MAX) == 36 * s);
	int64_t b3 = escalate_backoff(30 * s, 900 * s, 3, UINT32_MAX / 2);
	T_ASSERT(b3 > 110 * s && b3 < 130 * s);
	int64_t capped = escalate_backoff(30 * s, 900 * s, 40, UINT32_MAX);
	T_ASSERT(capped <= 1080 * s && capped >= 720 * s);
}

static void test_which_verdicts_escalate(void)
{
	unsigned threat = 1u << FILTER_CAT_THREAT, hate = 1u << FILTER_CAT_HATE;
	T_ASSERT(escalate_verdict_wanted(threat, FILTER_TIER_OBVIOUS, FILTER_ACT_HIDE));
	T_ASSERT(!escalate_verdict_wanted(threat, FILTER_TIER_POSSIBLE, FILTER_ACT_REVIEW));
	T_ASSERT(escalate_verdict_wanted(hate, FILTER_TIER_POSSIBLE, FILTER_ACT_ESCALATE));
	T_ASSERT(!escalate_verdict_wanted(hate, FILTER_TIER_OBVIOUS, FILTER_ACT_HIDE));
}

static struct store *open_store(char **dir)
{
	char path[512];
	struct store *s = NULL;
	*dir = tfs_mkdtemp();
	snprintf(path, sizeof(path), "%s/vakt.db", *dir);
	T_EQ_INT(0, store_open(path, &s, NULL, 0));
	sqlite3_exec(
	        store_db(s),
	        "INSERT INTO accounts(id, platform, unit, external_id, created_at, updated_at) "
	        "VALUES ('a','facebook','u','1',1,1);"
	        "INSERT INTO items(id, account_id, platform_id, kind, published_at, "
	        "first_seen_at, last_seen_at) VALUES (1,'a','p','post',1,1,1),"
	        "(2,'a','c1','comment',1,1,1),(3,'a','c2','comment',1,1,1),"
	        "(4,'a','c3','comment',1,1,1);"
	        "INSERT INTO verdicts(id, item_id, evaluated_at, ruleset, categories, rule_ids, "
	        "actions, detail_json, masked_text) VALUES (1,2,1,'r','threat','x','hide','{}',''),"
	        "(2,3,1,'r','threat','x','hide','{}',''),(3,4,1,'r','threat','x','hide','{}','');",
	        NULL, NULL, NULL);
	return s;
}

static void test_pileon_groups_within_window(void)
{
	char *dir;
	struct store *s = open_store(&dir);
	struct escalate_verdict_in in = {
		.account = "a",
		.parent_id = 1,
		.categories = 1u << FILTER_CAT_THREAT,
		.tier = FILTER_TIER_OBVIOUS,
		.actions = FILTER_ACT_HIDE,
		.group_window_usec = 600,
	};
	int64_t id1, id2, id3;
	in.item_id = 2, in.verdict_id = 1;
	T_EQ_INT(0, escalate_verdict(s, &in, 1000, &id1));
	in.item_id = 3, in.verdict_id = 2;
	T_EQ_INT(0, escalate_verdict(s, &in, 1500, &id2));
	T_ASSERT(id1 == id2);
	struct store_escalation e;
	T_EQ_INT(0, store_escalation_get(s, id1, &e));
	T_EQ_INT(2, e.count);
	T_EQ_STR("pileon", e.kind);
	/* Past the window: a new escalation. */
	in.item_id = 4, in.verdict_id = 3;
	T_EQ_INT(0, escalate_verdict(s, &in, 1700, &id3));
	T_ASSERT(id3 != id1);
	store_close(s);
	tfs_rmrf(dir);
}

static void test_health_once_per_incident(void)
{
	char *dir;
	struct store *s = open_store(&dir);
	int64_t a, b, c;
	int fresh;
	T_EQ_INT(0, escalate_health(s, "a", "token", 10, &a, &fresh));
	T_EQ_INT(1, fresh);
	T_EQ_INT(0, escalate_health(s, "a", "token", 20, &b, &fresh));
	T_EQ_INT(0, fresh);
	T_ASSERT(a == b);
	/* Acknowledged, still the same incident. */
	T_EQ_INT(0, escalate_ack(s, a, "chef", "test", 25));
	T_EQ_INT(0, escalate_health(s, "a", "token", 30, &b, &fresh));
	T_EQ_INT(0, fresh);
	T_EQ_INT(0, escalate_health_clear(s, "a", "token", 40));
	T_EQ_INT(0, escalate_health(s, "a", "token", 50, &c, &fresh));
	T_EQ_INT(1, fresh);
	T_ASSERT(c != a);
	store_close(s);
	tfs_rmrf(dir);
}

/* An obvious threat about item 2, escalated at 1000 with one delivery to
 * on-call waiting. */
static int64_t threat_with_delivery(struct store *s)
{
	struct escalate_verdict_in in = {
		.account = "a",
		.item_id = 2,
		.verdict_id = 1,
		.categories = 1u << FILTER_CAT_THREAT,
		.tier = FILTER_TIER_OBVIOUS,
	};
	int64_t id = 0;
	T_EQ_INT(0, escalate_verdict(s, &in, 1000, &id));
	T_EQ_INT(0, store_delivery_add(s, id, 0, 0, "x@y.se", "oncall", 1000, NULL));
	return id;
}

static void test_answered_item_cancels_pending(void)
{
	char *dir;
	struct store *s = open_store(&dir);
	struct store_escalation e;
	struct store_delivery *d = NULL;
	size_t n = 0;
	int64_t id = threat_with_delivery(s);
	sqlite3_exec(store_db(s), "UPDATE items SET platform_state='hidden' WHERE id=2", NULL, NULL,
	             NULL);
	T_EQ_INT(0, store_escalation_get(s, id, &e));
	T_ASSERT(e.cancelled_at != 0);
	T_EQ_STR("item hidden", e.cancelled_why);
	T_EQ_INT(0, store_deliveries_of(s, id, &d, &n));
	T_EQ_INT(1, (int)n);
	T_EQ_STR("cancelled", d[0].state);
	free(d);
	T_EQ_INT(-EALREADY, escalate_ack(s, id, "x", "test", 2000));
	store_close(s);
	tfs_rmrf(dir);
}

/* vakt hiding a threat itself (the pipeline's AutoActions=) leaves the
 * on-call page running until acknowledged; a moderator's hide ends it. */
static void test_own_hide_keeps_the_page(void)
{
	char *dir;
	struct store *s = open_store(&dir);
	struct store_escalation e;
	int64_t id = threat_with_delivery(s);
	T_EQ_INT(SQLITE_OK,
	         sqlite3_exec(
	                 store_db(s),
	                 "INSERT INTO actions (item_id, kind, requested_at, requested_by, reason,"
	                 " state, done_at) VALUES (2, 'hide', 1001, 'vakt', 'obvious', 'done', "
	                 "1002);"
	                 "UPDATE items SET platform_state='hidden' WHERE id=2;"
	                 "UPDATE items SET state='open' WHERE id=2;",
	                 NULL, NULL, NULL));
	T_EQ_INT(0, store_escalation_get(s, id, &e));
	T_EQ_INT(0, e.cancelled_at);
	/* A moderator deletes it after looking: that is the decision. */
	T_EQ_INT(
	        SQLITE_OK,
	        sqlite3_exec(
	                store_db(s),
	                "INSERT INTO actions (item_id, kind, requested_at, requested_by, reason,"
	                " state, done_at) VALUES (2, 'delete', 1003, 'api:mod', 'x', 'done', 1004);"
	                "UPDATE items SET platform_state='deleted' WHERE id=2;",
	                NULL, NULL, NULL));
	T_EQ_INT(0, store_escalation_get(s, id, &e));
	T_ASSERT(e.cancelled_at != 0);
	T_EQ_STR("item deleted", e.cancelled_why);
	store_close(s);
	tfs_rmrf(dir);
}

static struct store_delivery delivery_of(struct store *s, int64_t esc, size_t i, size_t *ret_n)
{
	struct store_delivery *d = NULL, one = { 0 };
	size_t n = 0;
	T_EQ_INT(0, store_deliveries_of(s, esc, &d, &n));
	if (i < n)
		one = d[i];
	free(d);
	*ret_n = n;
	return one;
}

/* Run the loop until the outbox has recorded its answers: it records a
 * burst of them together, FLUSH_DELAY_USEC (10 ms) of real time after the
 * first; 200 ms is many of those rounds. */
static void settle(struct event_base *base)
{
	struct timeval tv = { 0, 200000 };
	event_base_loopexit(base, &tv);
	event_base_dispatch(base);
}

/* pending → sending → retrying (backoff on the clock timers) → sent;
 * FAILED → given up and handed to the fallback. */
static void test_state_machine_with_fake_notify(void)
{
	const int64_t T0 = 1795000000LL * 1000000, SEC = 1000000;
	char *dir;
	struct store *s = open_store(&dir);
	struct config cfg = { 0 };
	cfg.esc.retry_initial_usec = 30 * SEC;
	cfg.esc.retry_max_usec = 600 * SEC;
	cfg.esc.give_up_usec = 3600 * SEC;
	cfg.esc.threat.text = (char *)"jour@example.se";
	cfg.esc.fallback.text = (char *)"larm@example.se";
	clock_set_manual(T0);
	struct event_base *base = event_base_new();
	struct ctimers *set = NULL;
	struct notify *n = NULL;
	struct escalate_outbox *o = NULL;
	T_EQ_INT(0, ctimers_new(base, &set));
	T_EQ_INT(0, notify_new(NULL, &cfg, &n));
	fake_notify()->n = 0;
	fake_notify()->mode = FAKE_RETRY;

	struct escalate_verdict_in in = {
		.account = "a",
		.item_id = 2,
		.verdict_id = 1,
		.categories = 1u << FILTER_CAT_CRIMINAL,
		.tier = FILTER_TIER_OBVIOUS,
	};
	int64_t id;
	T_EQ_INT(0, escalate_verdict(s, &in, T0, &id));
	T_EQ_INT(0, escalate_outbox_new(base, set, s, n, &cfg, &o));
	settle(base);
	size_t nd;
	struct store_delivery d = delivery_of(s, id, 0, &nd);
	T_EQ_INT(1, (int)nd);
	T_EQ_STR("jour@example.se", d.recipient);
	T_EQ_STR("retrying", d.state);
	T_EQ_INT(1, d.attempts);
	T_ASSERT(d.next_attempt_at >= T0 + 24 * SEC && d.next_attempt_at <= T0 + 36 * SEC);
	T_EQ_INT(1, (int)fake_notify()->n);
	T_EQ_STR("threat", fake_notify()->sent[0].kind);
	T_EQ_STR("verdict-1.l0.r0", fake_notify()->sent[0].key);

	/* Not before its time, then sent. */
	T_EQ_INT(0, ctimers_advance_to(set, T0 + 20 * SEC, NULL));
	T_EQ_INT(1, (int)fake_notify()->n);
	fake_notify()->mode = FAKE_OK;
	T_EQ_INT(0, ctimers_advance_to(set, T0 + 40 * SEC, NULL));
	settle(base);
	d = delivery_of(s, id, 0, &nd);
	T_EQ_STR("sent", d.state);
	T_EQ_INT(2, d.attempts);
	T_EQ_INT(2, (int)fake_notify()->n);
	T_EQ_STR("verdict-1.l0.r0", fake_notify()->sent[1].key); /* the same message */

	/* A refusal that will not heal: given up, the fallback gets it. */
	fake_notify()->mode = FAKE_FAIL;
	in.item_id = 3, in.verdict_id = 2, in.parent_id = 99;
	T_EQ_INT(0, escalate_verdict(s, &in, T0 + 40 * SEC, &id));
	escalate_outbox_kick(o);
	settle(base);
	settle(base);
	d = delivery_of(s, id, 0, &nd);
	T_EQ_INT(2, (int)nd);
	T_EQ_STR("given_up", d.state);
	d = delivery_of(s, id, 1, &nd);
	T_EQ_STR("larm@example.se", d.recipient);
	T_EQ_STR("fallback", d.role);
	T_EQ_STR("given_up", d.state); /* and no fallback of the fallback */
	T_EQ_INT(2, (int)escalate_outbox_given_up(o));

	escalate_outbox_free(o);
	notify_free(n);
	ctimers_free(set);
	event_base_free(base);
	clock_set_real();
	store_close(s);
	tfs_rmrf(dir);
}

/* A crash while sending: the row stays sending, the next start retries
 * it at once. */
static void test_restart_retries_what_was_sending(void)
{
	const int64_t T0 = 1795000000LL * 1000000;
	char *dir;
	struct store *s = open_store(&dir);
	struct config cfg = { 0 };
	cfg.esc.retry_initial_usec = 30000000;
	cfg.esc.retry_max_usec = 600000000;
	cfg.esc.give_up_usec = 3600000000LL;
	cfg.esc.threat.text = (char *)"jour@example.se";
	clock_set_manual(T0);
	struct event_base *base = event_base_new();
	struct ctimers *set = NULL;
	struct notify *n = NULL;
	struct escalate_outbox *o = NULL;
	T_EQ_INT(0, ctimers_new(base, &set));
	T_EQ_INT(0, notify_new(NULL, &cfg, &n));
	fake_notify()->n = 0;
	fake_notify()->mode = FAKE_HANG;
	struct escalate_verdict_in in = {
		.account = "a",
		.item_id = 2,
		.verdict_id = 1,
		.categories = 1u << FILTER_CAT_THREAT,
		.tier = FILTER_TIER_OBVIOUS,
	};
	int64_t id;
	size_t nd;
	T_EQ_INT(0, escalate_verdict(s, &in, T0, &id));
	T_EQ_INT(0, escalate_outbox_new(base, set, s, n, &cfg, &o));
	settle(base);
	T_EQ_STR("sending", delivery_of(s, id, 0, &nd).state);
	/* "Crash": the outbox goes first, the attempt's answer never lands. */
	escalate_outbox_free(o);
	notify_free(n);
	T_EQ_STR("sending", delivery_of(s, id, 0, &nd).state);
	fake_notify()->mode = FAKE_OK;
	T_EQ_INT(0, notify_new(NULL, &cfg, &n));
	T_EQ_INT(0, escalate_outbox_new(base, set, s, n, &cfg, &o));
	settle(base);
	struct store_delivery d = delivery_of(s, id, 0, &nd);
	T_EQ_INT(1, (int)nd);
	T_EQ_STR("sent", d.state);
	T_EQ_INT(2, d.attempts);
	T_EQ_STR(fake_notify()->sent[0].key, fake_notify()->sent[1].key);
	escalate_outbox_free(o);
	notify_free(n);
	ctimers_free(set);
	event_base_free(base);
	clock_set_real();
	store_close(s);
	tfs_rmrf(dir);
}

static const char unit_conf[] = "[Unit kultur]\n"
                                "Title=Kultur\n"
                                "ManagerEmail=chef@example.se\n"
                                "SafetyEmail=skydd@example.se\n"
                                "[Unit trafik]\n"
                                "Title=Trafik\n"
                                "ManagerEmail=trafikchef@example.se\n"
                                "EscalateEmail=komm@example.se\n";

/* Load a vaktd.conf of unit_conf + extra and an account per unit; the
 * load's and the route check's diagnostics joined into out. */
static struct config *load_esc(const char *extra, char *out, size_t len)
{
	char *dir = tfs_mkdtemp(), conf[4096], buf[512];
	struct diag_list dl = { 0 };
	struct config *c = NULL;
	snprintf(conf, sizeof(conf), "%s%s", unit_conf, extra);
	tfs_write(dir, "vaktd.conf", conf);
	tfs_write(dir, "accounts.d/k.conf",
	          "[Account]\nPlatform=facebook\nUnit=kultur\nExternalId=1\n"
	          "ApiBaseUrl=http://127.0.0.1:9/fb\n");
	tfs_write(dir, "accounts.d/t.conf",
	          "[Account]\nPlatform=facebook\nUnit=trafik\nExternalId=2\n"
	          "ApiBaseUrl=http://127.0.0.1:9/fb\n");
	int r = config_load_flags(dir, NULL, CONFIG_LOAD_NO_SECRETS, &c, &dl);
	if (r == 0)
		escalate_config_check(c, &dl);
	out[0] = '\0';
	for (size_t i = 0; i < dl.n; i++) {
		const char *f = diag_format(&dl.v[i], buf, sizeof(buf));
		const char *base = strstr(f, "vaktd.conf");
		strncat(out, base ? base : f, len - strlen(out) - 2);
		strcat(out, "\n");
	}
	diag_list_clear(&dl);
	tfs_rmrf(dir);
	return c;
}

static void test_route_ending_nowhere_is_named(void)
{
	char out[4096];
	config_free(load_esc("[Escalation]\nBreachStep1=0min: manager\nBreachStep2=1h: safety "
	                     "escalate\n",
	                     out, sizeof(out)));
	/* kultur has no EscalateEmail=, trafik no SafetyEmail=. */
	T_CONTAINS(out, "vaktd.conf:11: 'safety' names nobody for unit 'trafik'");
	T_CONTAINS(out, "vaktd.conf:11: 'escalate' names nobody for unit 'kultur'");
	config_free(load_esc("[Escalation]\nFallback=larm@example.se\nBreachStep1=0min: safety\n",
	                     out, sizeof(out)));
	T_EQ_STR("", out);
	/* The defaults never end nowhere. */
	config_free(load_esc("", out, sizeof(out)));
	T_EQ_STR("", out);
}

static void test_bad_recipients_and_sections_are_refused(void)
{
	char out[4096];
	config_free(load_esc("[Escalation]\nThreat=oncall nobody\nWarning=webhook:missing\n"
	                     "Fallback=manager\n",
	                     out, sizeof(out)));
	T_CONTAINS(out, "vaktd.conf:10: 'nobody' is neither a role");
	T_CONTAINS(out, "vaktd.conf:11: 'webhook:missing': no [Webhook missing]");
	T_CONTAINS(out, "vaktd.conf:12: 'manager': only recipients");
	config_free(load_esc("[Escalation]\nBreachStep2=1h: manager\nRepeatKinds=threat bogus\n"
	                     "BreachStep1=soon: manager\n[OnCall]\nHandover=someday\n"
	                     "Shift1=2026-12-24T16:00 2026-12-27T08:00 jul@example.se\n",
	                     out, sizeof(out)));
	T_CONTAINS(out, "vaktd.conf:11: RepeatKinds=: unknown kind 'bogus'");
	T_CONTAINS(out, "vaktd.conf:12: BreachStep1=: 'soon' is not a duration");
	T_CONTAINS(out, "vaktd.conf:14: Handover=someday");
	T_CONTAINS(out, "BreachStep2= is set but BreachStep1= is not");
	config_free(load_esc("[Escalation]\nPublicBaseUrl=http://x.se\n", out, sizeof(out)));
	T_CONTAINS(out, "vaktd.conf:10: PublicBaseUrl=http://x.se: expected an https:// URL");
	config_free(load_esc("[OnCall]\nShift1=2026-12-24T16:00 2026-12-27T08:00 jul@example.se\n",
	                     out, sizeof(out)));
	T_CONTAINS(out, "vaktd.conf:10: [OnCall] has shifts but no Rota=");
}

static void test_oncall_override_shift_rota(void)
{
	char out[4096], who[256];
	const char *src = NULL;
	struct config *c = load_esc("[OnCall]\nRota=a@x.se b@x.se\nHandover=mon 08:00\n"
	                            "Shift1=2026-12-24T16:00 2026-12-27T08:00 jul@x.se\n",
	                            out, sizeof(out));
	T_EQ_STR("", out);
	struct cal *cal = NULL;
	(void)cal;
	/* Monday 2026-11-23 07:59 and 08:00 (UTC+1): the week turns. */
	int64_t before = (1795417140LL) * 1000000, after = before + 60 * 1000000LL;
	T_EQ_INT(0, escalate_oncall_at(c, NULL, before, who, sizeof(who), &src));
	T_EQ_STR("rota", src);
	char first[256];
	snprintf(first, sizeof(first), "%s", who);
	T_EQ_INT(0, escalate_oncall_at(c, NULL, after, who, sizeof(who), &src));
	T_ASSERT(strcmp(first, who) != 0);
	/* A week later it turns back. */
	T_EQ_INT(0, escalate_oncall_at(c, NULL, before + 7 * 86400 * 1000000LL, who, sizeof(who),
	                               &src));
	T_ASSERT(strcmp(first, who) != 0);
	/* Christmas Eve 20:00: the shift. */
	T_EQ_INT(0, escalate_oncall_at(c, NULL, 1798138800LL * 1000000, who, sizeof(who), &src));
	T_EQ_STR("shift", src);
	T_EQ_STR("jul@x.se", who);
	/* An override wins over both. */
	char *dir;
	struct store *s = open_store(&dir);
	T_EQ_INT(0, store_oncall_override_add(s, "natt@x.se", 1798138800LL * 1000000 - 1,
	                                      1798138800LL * 1000000 + 3600000000LL, "test", 1));
	T_EQ_INT(0, escalate_oncall_at(c, s, 1798138800LL * 1000000, who, sizeof(who), &src));
	T_EQ_STR("override", src);
	T_EQ_STR("natt@x.se", who);
	store_close(s);
	tfs_rmrf(dir);
	config_free(c);
}

static void test_recipients_per_kind_and_work_environment(void)
{
	char out[4096];
	struct config *c = load_esc("[Escalation]\nFallback=larm@x.se\nBreachStep1=0min: manager\n"
	                            "BreachStep2=4 business hours: escalate\n",
	                            out, sizeof(out));
	T_EQ_STR("", out);
	struct escalate_rcpt rc[ESCALATE_RCPT_MAX];
	size_t n = 0;
	struct store_escalation e = {
		.cause = "verdict", .kind = "threat", .account = "k", .reason = "threat"
	};
	/* No rota: on-call falls back; a threat also reaches the manager and
	 * the safety representative. */
	T_EQ_INT(0, escalate_recipients(c, NULL, &e, 0, 1, rc, &n));
	T_EQ_INT(3, (int)n);
	T_EQ_STR("larm@x.se", rc[0].recipient);
	T_EQ_STR("fallback", rc[0].role);
	T_EQ_STR("chef@example.se", rc[1].recipient);
	T_EQ_STR("skydd@example.se", rc[2].recipient);
	/* A crime, not a threat: on-call only. */
	snprintf(e.reason, sizeof(e.reason), "criminal");
	T_EQ_INT(0, escalate_recipients(c, NULL, &e, 0, 1, rc, &n));
	T_EQ_INT(1, (int)n);
	/* Breach steps: kultur has no escalation contact: the fallback. */
	struct store_escalation b = { .cause = "deadline", .kind = "breach", .account = "k" };
	T_EQ_INT(0, escalate_recipients(c, NULL, &b, 0, 1, rc, &n));
	T_EQ_STR("chef@example.se", rc[0].recipient);
	T_EQ_INT(0, escalate_recipients(c, NULL, &b, 1, 1, rc, &n));
	T_EQ_STR("larm@x.se", rc[0].recipient);
	snprintf(b.account, sizeof(b.account), "t");
	T_EQ_INT(0, escalate_recipients(c, NULL, &b, 1, 1, rc, &n));
	T_EQ_STR("komm@example.se", rc[0].recipient);
	T_EQ_STR("escalate", rc[0].role);
	/* Health: the owner and the communications unit. */
	struct store_escalation h = { .cause = "health", .kind = "health", .account = "t" };
	T_EQ_INT(0, escalate_recipients(c, NULL, &h, 0, 1, rc, &n));
	T_EQ_INT(2, (int)n);
	config_free(c);
}

/* A contact is one delivery per channel wherever it stands: a route, the
 * rota (so on call), the fallback; a contact that is gone names nobody. */
static void test_contact_expands_to_each_channel(void)
{
	char out[4096];
	struct config *c = load_esc("[Webhook anna-teams]\nType=teams\nUrl=http://127.0.0.1:9/t\n"
	                            "[Webhook desk]\nType=json\nUrl=http://127.0.0.1:9/j\n"
	                            "[Contact anna]\nEmail=anna@x.se\nWebhook=anna-teams desk\n"
	                            "[Contact larm]\nWebhook=desk\n"
	                            "[Escalation]\nFallback=contact:larm\n"
	                            "[OnCall]\nRota=contact:anna\n",
	                            out, sizeof(out));
	T_EQ_STR("", out);
	struct escalate_rcpt rc[ESCALATE_RCPT_MAX];
	size_t n = 0;
	struct store_escalation e = {
		.cause = "verdict", .kind = "threat", .account = "k", .reason = "criminal"
	};
	T_EQ_INT(0, escalate_recipients(c, NULL, &e, 0, 1, rc, &n));
	T_EQ_INT(3, (int)n);
	T_EQ_STR("anna@x.se", rc[0].recipient);
	T_EQ_STR("oncall", rc[0].role);
	T_EQ_STR("webhook:anna-teams", rc[1].recipient);
	T_EQ_STR("webhook:desk", rc[2].recipient);
	T_EQ_STR("oncall", rc[2].role);
	/* The fallback's one channel, once (desk is also anna's). */
	T_EQ_INT(0, escalate_expand(c, "contact:larm contact:anna", "fallback", rc, &n));
	T_EQ_INT(3, (int)n);
	T_EQ_STR("webhook:desk", rc[0].recipient);
	T_EQ_INT(-ENOENT, escalate_expand(c, "contact:gone", "fallback", rc, &n));
	T_EQ_INT(0, escalate_recipient_check(c, "contact:anna"));
	T_EQ_INT(-ENOENT, escalate_recipient_check(c, "contact:gone"));
	T_EQ_INT(-ENOENT, escalate_recipient_check(c, "webhook:missing"));
	T_EQ_INT(-EINVAL, escalate_recipient_check(c, "nobody"));
	config_free(c);
	/* A contact no section defines, and one whose webhook is undefined,
	 * are named where they are written. */
	config_free(load_esc("[Contact bo]\nWebhook=missing\n"
	                     "[Escalation]\nThreat=oncall contact:nils\nFallback=larm@x.se\n",
	                     out, sizeof(out)));
	T_CONTAINS(out, "vaktd.conf:10: 'webhook:missing': no [Webhook missing]");
	T_CONTAINS(out, "vaktd.conf:12: 'contact:nils': no [Contact nils] section");
}

static void test_reevaluated_item_escalates_once(void)
{
	char *dir;
	struct store *s = open_store(&dir);
	struct escalate_verdict_in in = {
		.account = "a",
		.item_id = 2,
		.verdict_id = 1,
		.categories = 1u << FILTER_CAT_THREAT,
		.tier = FILTER_TIER_OBVIOUS,
	};
	int64_t a, b;
	T_EQ_INT(0, escalate_verdict(s, &in, 1000, &a));
	in.verdict_id = 2; /* the same item, evaluated again much later */
	T_EQ_INT(0, escalate_verdict(s, &in, 1000000000, &b));
	T_ASSERT(a == b);
	struct store_escalation e;
	T_EQ_INT(0, store_escalation_get(s, a, &e));
	T_EQ_INT(1, e.count);
	store_close(s);
	tfs_rmrf(dir);
}

/* After a long stop every breach step still reaches its people, in order. */
static void test_breach_steps_in_order_after_a_stop(void)
{
	char out[4096], *dir;
	struct config *c = load_esc(
	        "[Escalation]\nFallback=larm@x.se\nRepeatEvery=off\nBreachStep1=0min: manager\n"
	        "BreachStep2=1h: escalate\n",
	        out, sizeof(out));
	T_EQ_STR("", out);
	struct store *s = open_store(&dir);
	sqlite3_exec(
	        store_db(s),
	        "INSERT INTO accounts(id, platform, unit, external_id, created_at, updated_at) "
	        "VALUES ('t','facebook','trafik','2',1,1)",
	        NULL, NULL, NULL);
	const int64_t H = 3600LL * 1000000, due = 1795417140LL * 1000000;
	struct store_escalation_in in = { .key = "b1",
		                          .cause = "deadline",
		                          .kind = "breach",
		                          .account = "t",
		                          .reason = "respond",
		                          .due_at = due,
		                          .next_at = due };
	int64_t id;
	size_t n = 0, nd;
	T_EQ_INT(0, store_escalation_insert(s, &in, due, &id));
	T_EQ_INT(0, escalate_route_due(s, c, due + 3 * H, &n));
	T_EQ_INT(1, (int)n);
	T_EQ_STR("trafikchef@example.se", delivery_of(s, id, 0, &nd).recipient);
	T_EQ_INT(0, escalate_route_due(s, c, due + 3 * H, &n));
	T_EQ_INT(1, (int)n);
	struct store_delivery d = delivery_of(s, id, 1, &nd);
	T_EQ_STR("komm@example.se", d.recipient);
	T_EQ_INT(1, d.level);
	/* No more steps, no repeats: nothing further is planned. */
	struct store_escalation e;
	T_EQ_INT(0, store_escalation_get(s, id, &e));
	T_EQ_INT(0, (int)e.next_at);
	store_close(s);
	tfs_rmrf(dir);
	config_free(c);
}

int main(void)
{
	T_RUN(test_reevaluated_item_escalates_once);
	T_RUN(test_breach_steps_in_order_after_a_stop);
	T_RUN(test_route_ending_nowhere_is_named);
	T_RUN(test_bad_recipients_and_sections_are_refused);
	T_RUN(test_oncall_override_shift_rota);
	T_RUN(test_recipients_per_kind_and_work_environment);
	T_RUN(test_contact_expands_to_each_channel);
	T_RUN(test_state_machine_with_fake_notify);
	T_RUN(test_restart_retries_what_was_sending);
	T_RUN(test_link_valid_expired_tampered);
	T_RUN(test_backoff_doubles_caps_and_jitters);
	T_RUN(test_which_verdicts_escalate);
	T_RUN(test_pileon_groups_within_window);
	T_RUN(test_health_once_per_incident);
	T_RUN(test_answered_item_cancels_pending);
	T_RUN(test_own_hide_keeps_the_page);
	return t_done();
}
