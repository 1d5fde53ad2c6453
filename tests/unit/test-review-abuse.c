/* Repeated harmful reviews on a Facebook Page (issue 10): reviews cannot be
 * removed one by one, so when ReviewAbuseCount= harmful ones come within
 * ReviewAbuseWindow=, the account's owner is told once per incident to
 * turn reviews off (escalate/reviews.c through pipeline_ingest), in
 * Swedish by default. */
#include <sqlite3.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "calendar/cal.h"
#include "deadline/deadline.h"
#include "escalate/escalate.h"
#include "pipeline/pipeline.h"
#include "store/outbox.h"
#include "store/store-db.h"
#include "t.h"
#include "tfs.h"
#include "util/clock.h"

#define DAY (INT64_C(86400) * USEC_PER_SEC)
/* 2026-11-23 (a Monday) 10:00 Europe/Stockholm. */
#define T0 (INT64_C(1795424400) * USEC_PER_SEC)

static struct store *store;
static struct pipeline_rules *rules;
static struct config_account fb, ig;
static struct cal *cal;
static int seq;

static int64_t one_int(const char *sql)
{
	sqlite3_stmt *st = NULL;
	int64_t v = -1;
	if (sqlite3_prepare_v2(store_db(store), sql, -1, &st, NULL) == SQLITE_OK &&
	    sqlite3_step(st) == SQLITE_ROW)
		v = sqlite3_column_int64(st, 0);
	sqlite3_finalize(st);
	return v;
}

/* An item of kind on acc, published at t and fetched a minute later. */
static void ingest(const struct config_account *acc, const char *kind, const char *text, int64_t t)
{
	char id[32];
	snprintf(id, sizeof(id), "r%d", ++seq);
	struct store_item_in in = {
		.account = acc->id,
		.platform_id = id,
		.kind = kind,
		.text = text,
		.published_at = t,
		.platform_state = "visible",
	};
	struct pipeline_result r = { 0 };
	T_EQ_INT(0, pipeline_ingest(store, rules, acc, &in, t + 60 * USEC_PER_SEC, &r));
}

static int64_t open_reviews(void)
{
	return one_int("SELECT count(*) FROM escalations WHERE cause='health' AND reason='reviews' "
	               "AND account_id='kultur-fb' AND cancelled_at IS NULL");
}

static int64_t all_reviews(void)
{
	return one_int("SELECT count(*) FROM escalations WHERE reason='reviews'");
}

static void test_third_harmful_review_in_a_week_tells_the_owner_once(void)
{
	ingest(&fb, "review", "Du är en idiot, din idiot", T0);
	ingest(&fb, "review", "Bra bibliotek, trevlig personal", T0 + DAY / 2);
	ingest(&fb, "comment", "din idiot", T0 + DAY / 2); /* a comment can be hidden */
	ingest(&fb, "review", "Jag ska döda dig", T0 + DAY);
	T_EQ_INT(0, all_reviews());
	ingest(&fb, "review", "din pucko", T0 + 2 * DAY);
	T_EQ_INT(1, open_reviews());
	/* More of the same incident: nothing new. */
	ingest(&fb, "review", "din idiot igen", T0 + 3 * DAY);
	T_EQ_INT(1, all_reviews());
	T_EQ_INT(1, one_int("SELECT count(*) FROM escalations WHERE reason='reviews' AND "
	                    "kind='health' AND next_at IS NOT NULL"));
}

static void test_message_says_turn_reviews_off_in_swedish(void)
{
	struct config_unit u = { .id = "kultur",
		                 .title = "Kultur",
		                 .manager = "Chef",
		                 .manager_email = "chef@example.invalid" };
	struct config cfg = { .accounts = &fb, .n_accounts = 1, .units = &u, .n_units = 1 };
	struct store_escalation e;
	struct store_delivery d = { .level = 0, .round = 0 };
	struct escalate_text t = { 0 };
	int64_t id = one_int("SELECT id FROM escalations WHERE reason='reviews'");
	T_EQ_INT(0, store_escalation_get(store, id, &e));
	T_EQ_INT(0, escalate_text_build(&cfg, store, &e, &d, T0 + 3 * DAY, &t));
	if (t.subject && t.text) {
		T_CONTAINS(t.subject, "Kränkande recensioner upprepas: kultur-fb");
		T_CONTAINS(t.text, "stänger av recensioner i sidans inställningar");
		T_CONTAINS(t.text, "Orsak: upprepade recensioner med hot");
	}
	escalate_text_clear(&t);
	cfg.esc.english = true;
	T_EQ_INT(0, escalate_text_build(&cfg, store, &e, &d, T0 + 3 * DAY, &t));
	if (t.text)
		T_CONTAINS(t.text, "turn reviews off in the Page's settings");
	escalate_text_clear(&t);
}

/* A quiet week ends the incident; abuse that starts again is told again. */
static void test_new_incident_after_a_quiet_window(void)
{
	ingest(&fb, "review", "din idiot", T0 + 20 * DAY);
	T_EQ_INT(0, open_reviews()); /* the old one is over ("recovered") */
	T_EQ_INT(1, one_int("SELECT count(*) FROM escalations WHERE reason='reviews' AND "
	                    "cancelled_why='recovered'"));
	ingest(&fb, "review", "din pucko", T0 + 21 * DAY);
	T_EQ_INT(0, open_reviews());
	ingest(&fb, "review", "Jag ska döda dig", T0 + 22 * DAY);
	T_EQ_INT(1, open_reviews());
	T_EQ_INT(2, all_reviews());
}

/* Spread out over more than the window: never three in one. */
static void test_spread_out_reviews_do_not_escalate(void)
{
	fb.esc_review_abuse_window_usec = 2 * DAY;
	int64_t before = all_reviews();
	for (int i = 0; i < 4; i++)
		ingest(&fb, "review", "din idiot", T0 + 40 * DAY + (int64_t)i * 3 * DAY / 2);
	T_EQ_INT(before, all_reviews());
	fb.esc_review_abuse_window_usec = 7 * DAY;
}

/* ReviewAbuseCount=0 never tells; other platforms' "reviews" neither. */
static void test_off_and_other_platforms(void)
{
	int64_t before = all_reviews();
	fb.esc_review_abuse_count = 0;
	for (int i = 0; i < 4; i++)
		ingest(&fb, "review", "din idiot", T0 + 60 * DAY + i * DAY / 4);
	fb.esc_review_abuse_count = 3;
	for (int i = 0; i < 4; i++)
		ingest(&ig, "review", "din idiot", T0 + 60 * DAY + i * DAY / 4);
	T_EQ_INT(before, all_reviews());
}

static char *load(const char *dir, struct config **ret)
{
	struct config_overrides ovr = { .state_dir = "/nonexistent/state",
		                        .api_socket = "/nonexistent/api.sock" };
	struct diag_list dl = { 0 };
	static char out[4096];
	out[0] = '\0';
	*ret = NULL;
	if (config_load(dir, &ovr, ret, &dl) < 0)
		for (size_t i = 0; i < dl.n; i++)
			snprintf(out + strlen(out), sizeof(out) - strlen(out), "%s:%u: %s\n",
			         dl.v[i].file, dl.v[i].line, dl.v[i].msg);
	diag_list_clear(&dl);
	return out;
}

/* [Escalation] ReviewAbuseCount= and ReviewAbuseWindow= reach every
 * account; defaults 3 and 7 days; nonsense is refused with its line. */
static void test_config_keys(void)
{
	char *dir = tfs_mkdtemp();
	const char *unit = "[Unit kultur]\nTitle=K\nManager=M\nManagerEmail=m@example.invalid\n";
	char conf[1024];
	struct config *c = NULL;
	tfs_write(dir, "accounts.d/fb.conf",
	          "[Account]\nPlatform=facebook\nUnit=kultur\nExternalId=1\nEnabled=no\n");
	tfs_write(dir, "vaktd.conf", unit);
	T_EQ_STR("", load(dir, &c));
	if (c) {
		T_EQ_INT(3, c->accounts[0].esc_review_abuse_count);
		T_ASSERT(c->accounts[0].esc_review_abuse_window_usec == 7 * DAY);
	}
	config_free(c);
	snprintf(conf, sizeof(conf), "%s[Escalation]\nReviewAbuseCount=2\nReviewAbuseWindow=1d\n",
	         unit);
	tfs_write(dir, "vaktd.conf", conf);
	T_EQ_STR("", load(dir, &c));
	if (c) {
		T_EQ_INT(2, c->accounts[0].esc_review_abuse_count);
		T_ASSERT(c->accounts[0].esc_review_abuse_window_usec == DAY);
	}
	config_free(c);
	snprintf(conf, sizeof(conf), "%s[Escalation]\nReviewAbuseCount=-1\nReviewAbuseWindow=5s\n",
	         unit);
	tfs_write(dir, "vaktd.conf", conf);
	const char *out = load(dir, &c);
	T_CONTAINS(out, "vaktd.conf:6: ReviewAbuseCount=-1: expected a number of reviews");
	T_CONTAINS(out,
	           "vaktd.conf:7: ReviewAbuseWindow=5s: expected a time span of at least 1min");
	T_ASSERT(c == NULL);
	tfs_rmrf(dir);
}

int main(void)
{
	char *dir = tfs_mkdtemp(), path[4200], rules_dir[4096];
	struct diag_list dl = { 0 };

	setenv("TZ", "Europe/Stockholm", 1);
	snprintf(path, sizeof(path), "%s/vakt.db", dir);
	snprintf(rules_dir, sizeof(rules_dir), "%s/tests/unit/data/filter/good", SRCDIR);
	if (store_open(path, &store, NULL, 0) || pipeline_rules_load(rules_dir, 0, &rules, &dl) ||
	    cal_new(&cal)) {
		diag_print(&dl, stdout);
		return 1;
	}
	fb = (struct config_account){ .id = "kultur-fb",
		                      .platform = PLATFORM_FACEBOOK,
		                      .unit = "kultur",
		                      .external_id = "1",
		                      .enabled = true,
		                      .cal = cal,
		                      .esc_review_abuse_count = 3,
		                      .esc_review_abuse_window_usec = 7 * DAY };
	deadline_policy_init(&fb.deadlines);
	ig = fb;
	ig.id = "kultur-ig";
	ig.platform = PLATFORM_INSTAGRAM;
	ig.external_id = "2";
	struct config_account both[2] = { fb, ig };
	struct config cfg = { .accounts = both, .n_accounts = 2 };
	store_accounts_sync(store, &cfg, "test");

	T_RUN(test_third_harmful_review_in_a_week_tells_the_owner_once);
	T_RUN(test_message_says_turn_reviews_off_in_swedish);
	T_RUN(test_new_incident_after_a_quiet_window);
	T_RUN(test_spread_out_reviews_do_not_escalate);
	T_RUN(test_off_and_other_platforms);
	T_RUN(test_config_keys);

	pipeline_rules_free(rules);
	cal_free(cal);
	store_close(store);
	tfs_rmrf(dir);
	return t_done();
}
