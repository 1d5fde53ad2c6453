/* The schema, as an ordered list of migrations.
 *
 * Migration N brings a database from user_version N-1 to N.  Released
 * migrations are never edited; a change is a new migration.  Times are
 * stored as integer microseconds since the epoch (UTC), so they sort and
 * compare without parsing.
 */
#include "store/schema.h"

#include <stddef.h>

static const char migration_1[] =
        /* Connected accounts, mirrored from the configuration so that items keep
         * a valid reference after an account file is removed. */
        "CREATE TABLE accounts ("
        "  id TEXT PRIMARY KEY,"
        "  platform TEXT NOT NULL,"
        "  unit TEXT NOT NULL,"
        "  title TEXT,"
        "  external_id TEXT NOT NULL,"
        "  enabled INTEGER NOT NULL DEFAULT 1,"
        "  created_at INTEGER NOT NULL,"
        "  updated_at INTEGER NOT NULL,"
        "  removed_at INTEGER,"
        "  crisis_from INTEGER," /* crisis mode: polls every CrisisInterval */
        "  crisis_until INTEGER,"
        "  cursor TEXT" /* the connector's pagination watermark */
        ");"

        /* Everything fetched: comments, replies, reviews, mentions, messages and
         * the account's own posts they hang under. */
        "CREATE TABLE items ("
        "  id INTEGER PRIMARY KEY,"
        "  account_id TEXT NOT NULL REFERENCES accounts(id),"
        "  platform_id TEXT NOT NULL,"
        "  kind TEXT NOT NULL CHECK (kind IN "
        "('post','comment','reply','review','mention','message')),"
        "  parent_id INTEGER REFERENCES items(id),"
        "  parent_platform_id TEXT,"
        "  author_id TEXT,"
        "  author_name TEXT,"
        "  is_own INTEGER NOT NULL DEFAULT 0," /* written by the account itself */
        "  text TEXT NOT NULL DEFAULT '',"     /* the latest version */
        "  permalink TEXT,"
        "  published_at INTEGER NOT NULL,"
        "  first_seen_at INTEGER NOT NULL,"
        "  last_seen_at INTEGER NOT NULL,"
        "  platform_state TEXT NOT NULL DEFAULT 'visible'"
        "    CHECK (platform_state IN ('visible','hidden','deleted','gone')),"
        "  state TEXT NOT NULL DEFAULT 'new'"
        "    CHECK (state IN ('new','open','answered','resolved','ignored')),"
        "  answered_at INTEGER,"
        "  purged_at INTEGER,"
        "  UNIQUE (account_id, platform_id)"
        ");"
        "CREATE INDEX items_account_published ON items(account_id, published_at);"
        "CREATE INDEX items_parent ON items(parent_id);"

        /* Every distinct version of an item ever fetched: the public record. */
        "CREATE TABLE item_versions ("
        "  id INTEGER PRIMARY KEY,"
        "  item_id INTEGER NOT NULL REFERENCES items(id),"
        "  seen_at INTEGER NOT NULL,"
        "  text TEXT NOT NULL,"
        "  platform_state TEXT NOT NULL,"
        "  raw_json TEXT,"
        "  poll_id INTEGER REFERENCES polls(id)"
        ");"
        "CREATE INDEX item_versions_item ON item_versions(item_id, seen_at);"

        /* What the filters said about an item version. */
        "CREATE TABLE verdicts ("
        "  id INTEGER PRIMARY KEY,"
        "  item_id INTEGER NOT NULL REFERENCES items(id),"
        "  version_id INTEGER REFERENCES item_versions(id),"
        "  evaluated_at INTEGER NOT NULL,"
        "  ruleset TEXT NOT NULL,"    /* digest of the rule files used */
        "  categories TEXT NOT NULL," /* space-separated */
        "  rule_ids TEXT NOT NULL,"
        "  tier TEXT CHECK (tier IN ('obvious','possible') OR tier IS NULL),"
        "  severity INTEGER,"
        "  actions TEXT NOT NULL,"
        "  detail_json TEXT NOT NULL," /* spans, shadow rules, errors */
        "  masked_text TEXT NOT NULL"
        ");"
        "CREATE INDEX verdicts_item ON verdicts(item_id);"

        /* Deadline clocks in business or calendar time (daemon/deadline/,
         * docs/deadlines.md).  Everything a restart needs is in the row: the
         * due and warning instants are computed once, at start or resume, and
         * the duration text tells pause/resume which kind of time to count.
         * Instants are NULL when they have not happened; left_usec and
         * warn_left_usec are set only while paused.  One clock per item and
         * kind, ever. */
        "CREATE TABLE deadlines ("
        "  id INTEGER PRIMARY KEY,"
        "  item_id INTEGER NOT NULL REFERENCES items(id),"
        "  kind TEXT NOT NULL CHECK (kind IN ('respond','review_obvious','review_possible',"
        "    'fl11_delay_notice','fl12_demand_possible','fl12_decision')),"
        "  duration TEXT NOT NULL," /* canonical: '1 business day', '6 months' */
        "  warn_pct INTEGER NOT NULL DEFAULT 0 CHECK (warn_pct BETWEEN 0 AND 99)," /* 0: none */
        "  started_at INTEGER NOT NULL," /* publication, case start or demand */
        "  created_at INTEGER NOT NULL," /* when vakt started the clock */
        "  due_at INTEGER NOT NULL,"
        "  warn_at INTEGER,"
        "  paused_at INTEGER,"
        "  left_usec INTEGER,"      /* to due_at, in the duration's kind of time */
        "  warn_left_usec INTEGER," /* to warn_at; NULL when no warning is pending */
        "  paused_total INTEGER NOT NULL DEFAULT 0," /* elapsed time spent paused */
        "  stopped_at INTEGER,"                      /* met or cancelled; NULL while open */
        "  state TEXT NOT NULL DEFAULT 'running'"
        "    CHECK (state IN ('running','paused','met','breached','cancelled','reached')),"
        "  warned_at INTEGER,"
        "  breached_at INTEGER,"
        "  reached_at INTEGER," /* milestones (fl12_demand_possible) */
        "  UNIQUE (item_id, kind)"
        ");"
        "CREATE INDEX deadlines_due ON deadlines(state, due_at);"
        "CREATE INDEX deadlines_open ON deadlines(due_at) WHERE stopped_at IS NULL;"

        /* Actions on the platform, queued by rules or people, carried out by
         * connectors; 'not_allowed' records why the platform could not. */
        "CREATE TABLE actions ("
        "  id INTEGER PRIMARY KEY,"
        "  item_id INTEGER NOT NULL REFERENCES items(id),"
        "  kind TEXT NOT NULL CHECK (kind IN "
        "('hide','unhide','delete','reject','hold','review','respond')),"
        "  requested_at INTEGER NOT NULL,"
        "  requested_by TEXT NOT NULL,"
        "  reason TEXT NOT NULL,"
        "  state TEXT NOT NULL DEFAULT 'queued'"
        "    CHECK (state IN ('queued','running','done','failed','not_allowed','cancelled')),"
        "  attempts INTEGER NOT NULL DEFAULT 0,"
        "  next_attempt_at INTEGER,"
        "  done_at INTEGER,"
        "  error TEXT"
        ");"
        "CREATE INDEX actions_state ON actions(state, next_attempt_at);"

        /* The escalation outbox: stored before sending, sent at most once per
         * dedup key, re-sent until acknowledged. */
        "CREATE TABLE escalations ("
        "  id INTEGER PRIMARY KEY,"
        "  item_id INTEGER REFERENCES items(id),"
        "  deadline_id INTEGER REFERENCES deadlines(id),"
        "  dedup_key TEXT NOT NULL UNIQUE,"
        "  level TEXT NOT NULL," /* oncall, manager, breach … */
        "  route TEXT NOT NULL,"
        "  channel TEXT NOT NULL," /* smtp, webhook, stdout */
        "  recipient TEXT NOT NULL,"
        "  subject TEXT NOT NULL,"
        "  body TEXT NOT NULL," /* personal data already masked */
        "  created_at INTEGER NOT NULL,"
        "  next_attempt_at INTEGER NOT NULL,"
        "  attempts INTEGER NOT NULL DEFAULT 0,"
        "  sent_at INTEGER,"
        "  last_error TEXT,"
        "  acked_at INTEGER,"
        "  acked_by TEXT"
        ");"
        "CREATE INDEX escalations_pending ON escalations(sent_at, next_attempt_at);"

        /* A record of every poll: the proof of supervision (1998:112 4 §). */
        "CREATE TABLE polls ("
        "  id INTEGER PRIMARY KEY,"
        "  account_id TEXT NOT NULL REFERENCES accounts(id),"
        "  planned_at INTEGER NOT NULL,"
        "  started_at INTEGER NOT NULL,"
        "  finished_at INTEGER,"
        "  result TEXT CHECK (result IN ('ok','partial','error','skipped') OR result IS NULL),"
        "  items_new INTEGER NOT NULL DEFAULT 0,"
        "  items_updated INTEGER NOT NULL DEFAULT 0,"
        "  error TEXT"
        ");"
        "CREATE INDEX polls_account ON polls(account_id, started_at);"

        /* Append-only, hash-chained audit log. */
        "CREATE TABLE audit_log ("
        "  seq INTEGER PRIMARY KEY,"
        "  at INTEGER NOT NULL,"
        "  actor TEXT NOT NULL,"
        "  action TEXT NOT NULL,"
        "  subject TEXT NOT NULL,"
        "  detail TEXT NOT NULL,"
        "  prev_hash TEXT NOT NULL,"
        "  hash TEXT NOT NULL"
        ");"
        "CREATE TRIGGER audit_log_no_update BEFORE UPDATE ON audit_log"
        "  BEGIN SELECT RAISE(ABORT, 'audit_log is append-only'); END;"
        "CREATE TRIGGER audit_log_no_delete BEFORE DELETE ON audit_log"
        "  BEGIN SELECT RAISE(ABORT, 'audit_log is append-only'); END;";

static const char migration_2[] =
        /* Per-rule counters and moderators' feedback on verdicts. */
        "CREATE TABLE rule_stats ("
        "  rule_id TEXT PRIMARY KEY,"
        "  hits INTEGER NOT NULL DEFAULT 0,"
        "  last_hit_at INTEGER,"
        "  cost_ns INTEGER NOT NULL DEFAULT 0,"
        "  limit_hits INTEGER NOT NULL DEFAULT 0,"
        "  disabled_at INTEGER"
        ");"
        "CREATE TABLE feedback ("
        "  id INTEGER PRIMARY KEY,"
        "  verdict_id INTEGER NOT NULL REFERENCES verdicts(id),"
        "  rule_id TEXT NOT NULL,"
        "  judgement TEXT NOT NULL CHECK (judgement IN ('true_positive','false_positive')),"
        "  given_by TEXT NOT NULL,"
        "  given_at INTEGER NOT NULL"
        ");"
        "CREATE INDEX feedback_rule ON feedback(rule_id);";

static const char migration_3[] =
        /* Who wrote an audit entry through the API, as the kernel says
         * (SO_PEERCRED), and the name the client gave as a claim.  NULL
         * for entries the daemon writes itself and for entries older than
         * this migration; entries with a caller hash these fields too. */
        "ALTER TABLE audit_log ADD COLUMN caller_uid INTEGER;"
        "ALTER TABLE audit_log ADD COLUMN caller_gid INTEGER;"
        "ALTER TABLE audit_log ADD COLUMN caller_pid INTEGER;"
        "ALTER TABLE audit_log ADD COLUMN caller_user TEXT;"
        "ALTER TABLE audit_log ADD COLUMN claimed_by TEXT;";

static const char migration_4[] =
        /* Items whose latest version has no verdict yet (a crash between
         * storing and filtering): start-up reads this table instead of
         * searching items × verdicts.  Kept by triggers, so no writer can
         * forget it: a new version makes its item unevaluated, a verdict on
         * the item's latest version makes it evaluated. */
        "CREATE TABLE items_unevaluated ("
        "  item_id INTEGER PRIMARY KEY REFERENCES items(id)"
        ");"
        "CREATE TRIGGER item_versions_unevaluated AFTER INSERT ON item_versions BEGIN"
        "  INSERT OR IGNORE INTO items_unevaluated(item_id) VALUES (NEW.item_id);"
        " END;"
        "CREATE TRIGGER verdicts_evaluated AFTER INSERT ON verdicts"
        "  WHEN NEW.version_id IS NOT NULL BEGIN"
        "  DELETE FROM items_unevaluated WHERE item_id = NEW.item_id AND NEW.version_id ="
        "    (SELECT max(id) FROM item_versions WHERE item_id = NEW.item_id);"
        " END;"
        /* Fill it once from what is stored (a temporary index makes this
         * one pass over the versions). */
        "CREATE INDEX migration_4_verdicts_version ON verdicts(version_id);"
        "INSERT INTO items_unevaluated(item_id)"
        "  SELECT item_id FROM (SELECT item_id, max(id) AS latest FROM item_versions"
        "    GROUP BY item_id) WHERE NOT EXISTS"
        "    (SELECT 1 FROM verdicts d WHERE d.version_id = latest);"
        "DROP INDEX migration_4_verdicts_version;"

        /* Counters for status, kept in the writing transaction by triggers
         * instead of counting big tables on every request. */
        "CREATE TABLE counters ("
        "  name TEXT PRIMARY KEY,"
        "  n INTEGER NOT NULL"
        ") WITHOUT ROWID;"
        "INSERT INTO counters(name, n) VALUES"
        "  ('items', (SELECT count(*) FROM items)),"
        "  ('polls', (SELECT count(*) FROM polls)),"
        "  ('audit_entries', (SELECT count(*) FROM audit_log)),"
        "  ('pending_review', (SELECT count(*) FROM deadlines WHERE stopped_at IS NULL"
        "    AND kind IN ('review_obvious','review_possible'))),"
        "  ('pending_respond', (SELECT count(*) FROM deadlines WHERE stopped_at IS NULL"
        "    AND kind IN ('respond','fl11_delay_notice','fl12_decision'))),"
        "  ('escalations_unsent', (SELECT count(*) FROM escalations WHERE sent_at IS NULL));"
        "CREATE TRIGGER counters_items_insert AFTER INSERT ON items BEGIN"
        "  UPDATE counters SET n = n + 1 WHERE name = 'items'; END;"
        "CREATE TRIGGER counters_items_delete AFTER DELETE ON items BEGIN"
        "  UPDATE counters SET n = n - 1 WHERE name = 'items'; END;"
        "CREATE TRIGGER counters_polls_insert AFTER INSERT ON polls BEGIN"
        "  UPDATE counters SET n = n + 1 WHERE name = 'polls'; END;"
        "CREATE TRIGGER counters_polls_delete AFTER DELETE ON polls BEGIN"
        "  UPDATE counters SET n = n - 1 WHERE name = 'polls'; END;"
        "CREATE TRIGGER counters_audit_insert AFTER INSERT ON audit_log BEGIN"
        "  UPDATE counters SET n = n + 1 WHERE name = 'audit_entries'; END;"
        /* A clock counts as pending while it is not stopped; its kind says
         * which counter (other kinds, e.g. milestones, count in none). */
        "CREATE TRIGGER counters_deadlines_insert AFTER INSERT ON deadlines"
        "  WHEN NEW.stopped_at IS NULL BEGIN"
        "  UPDATE counters SET n = n + 1 WHERE name = CASE"
        "    WHEN NEW.kind IN ('review_obvious','review_possible') THEN 'pending_review'"
        "    WHEN NEW.kind IN ('respond','fl11_delay_notice','fl12_decision')"
        "      THEN 'pending_respond' END; END;"
        "CREATE TRIGGER counters_deadlines_update AFTER UPDATE OF stopped_at, kind ON deadlines"
        "  WHEN (OLD.stopped_at IS NULL) != (NEW.stopped_at IS NULL) OR OLD.kind != NEW.kind"
        "  BEGIN"
        "  UPDATE counters SET n = n - 1 WHERE OLD.stopped_at IS NULL AND name = CASE"
        "    WHEN OLD.kind IN ('review_obvious','review_possible') THEN 'pending_review'"
        "    WHEN OLD.kind IN ('respond','fl11_delay_notice','fl12_decision')"
        "      THEN 'pending_respond' END;"
        "  UPDATE counters SET n = n + 1 WHERE NEW.stopped_at IS NULL AND name = CASE"
        "    WHEN NEW.kind IN ('review_obvious','review_possible') THEN 'pending_review'"
        "    WHEN NEW.kind IN ('respond','fl11_delay_notice','fl12_decision')"
        "      THEN 'pending_respond' END; END;"
        "CREATE TRIGGER counters_deadlines_delete AFTER DELETE ON deadlines"
        "  WHEN OLD.stopped_at IS NULL BEGIN"
        "  UPDATE counters SET n = n - 1 WHERE name = CASE"
        "    WHEN OLD.kind IN ('review_obvious','review_possible') THEN 'pending_review'"
        "    WHEN OLD.kind IN ('respond','fl11_delay_notice','fl12_decision')"
        "      THEN 'pending_respond' END; END;"
        "CREATE TRIGGER counters_escalations_insert AFTER INSERT ON escalations"
        "  WHEN NEW.sent_at IS NULL BEGIN"
        "  UPDATE counters SET n = n + 1 WHERE name = 'escalations_unsent'; END;"
        "CREATE TRIGGER counters_escalations_update AFTER UPDATE OF sent_at ON escalations"
        "  WHEN (OLD.sent_at IS NULL) != (NEW.sent_at IS NULL) BEGIN"
        "  UPDATE counters SET n = n + CASE WHEN NEW.sent_at IS NULL THEN 1 ELSE -1 END"
        "    WHERE name = 'escalations_unsent'; END;"
        "CREATE TRIGGER counters_escalations_delete AFTER DELETE ON escalations"
        "  WHEN OLD.sent_at IS NULL BEGIN"
        "  UPDATE counters SET n = n - 1 WHERE name = 'escalations_unsent'; END;"

        /* The latest planned poll of an account (the poller's re-plan and
         * /v1/accounts) in one index step instead of a pass over a year of
         * the account's polls. */
        "CREATE INDEX polls_account_planned ON polls(account_id, planned_at);"

        /* What a verdict's rule ids meant: every rule of every rule set a
         * verdict was recorded with, once per rule set, so verdicts refer to
         * rules instead of repeating titles and statutes. */
        "CREATE TABLE rules ("
        "  ruleset TEXT NOT NULL," /* verdicts.ruleset */
        "  rule_id TEXT NOT NULL,"
        "  title TEXT NOT NULL,"
        "  statute TEXT NOT NULL,"
        "  category TEXT NOT NULL,"
        "  tier TEXT NOT NULL,"
        "  severity INTEGER NOT NULL,"
        "  actions TEXT NOT NULL," /* space-separated */
        "  shadow INTEGER NOT NULL DEFAULT 0,"
        "  recorded_at INTEGER NOT NULL,"
        "  PRIMARY KEY (ruleset, rule_id)"
        ") WITHOUT ROWID;";

static const char migration_5[] =
        /* The queue (GET /v1/queue, vaktctl queue) at tens of thousands of
         * open clocks: each clock carries its item's account and the
         * account's unit, and partial indexes over the open clocks follow
         * the queue's order (running and breached by due time, then the
         * paused ones; the id breaks ties), so a page of a unit's or an
         * account's queue is one index range, also after a cursor.
         * account_id never changes (an item keeps its account); unit follows
         * the account while the clock is open, and keeps the unit it closed
         * in afterwards. */
        "ALTER TABLE deadlines ADD COLUMN account_id TEXT;"
        "ALTER TABLE deadlines ADD COLUMN unit TEXT;"
        "ALTER TABLE deadlines ADD COLUMN paused INTEGER"
        "  GENERATED ALWAYS AS (state = 'paused') VIRTUAL;"
        "UPDATE deadlines SET"
        "  account_id = (SELECT i.account_id FROM items i WHERE i.id = deadlines.item_id),"
        "  unit = (SELECT a.unit FROM items i JOIN accounts a ON a.id = i.account_id"
        "          WHERE i.id = deadlines.item_id);"
        /* Kept by triggers, so no writer can forget them. */
        "CREATE TRIGGER deadlines_owner AFTER INSERT ON deadlines BEGIN"
        "  UPDATE deadlines SET"
        "    account_id = (SELECT i.account_id FROM items i WHERE i.id = NEW.item_id),"
        "    unit = (SELECT a.unit FROM items i JOIN accounts a ON a.id = i.account_id"
        "            WHERE i.id = NEW.item_id)"
        "  WHERE id = NEW.id;"
        " END;"
        "CREATE TRIGGER accounts_unit_deadlines AFTER UPDATE OF unit ON accounts"
        "  WHEN OLD.unit IS NOT NEW.unit BEGIN"
        "  UPDATE deadlines SET unit = NEW.unit WHERE account_id = NEW.id AND stopped_at IS NULL;"
        " END;"
        "CREATE INDEX deadlines_queue ON deadlines(paused, due_at, id)"
        "  WHERE stopped_at IS NULL;"
        "CREATE INDEX deadlines_queue_account ON deadlines(account_id, paused, due_at, id)"
        "  WHERE stopped_at IS NULL;"
        "CREATE INDEX deadlines_queue_unit ON deadlines(unit, paused, due_at, id)"
        "  WHERE stopped_at IS NULL;"
        /* An account's last planned poll (the poller's re-plan, /v1/accounts)
         * in one index step.  Migration 4 already makes it on a store
         * that ran it; IF NOT EXISTS keeps this step harmless either way. */
        "CREATE INDEX IF NOT EXISTS polls_account_planned ON polls(account_id, planned_at);";

static const char migration_7[] =
        /* Fetching (issue 10).  A connector's cursors, more than one per
         * account (a feed's time mark beside a comment cursor): each is
         * written in the transaction that stores the items it covers. */
        "CREATE TABLE account_cursors ("
        "  account_id TEXT NOT NULL REFERENCES accounts(id),"
        "  name TEXT NOT NULL,"
        "  value TEXT NOT NULL,"
        "  updated_at INTEGER NOT NULL,"
        "  PRIMARY KEY (account_id, name)"
        ") WITHOUT ROWID;"
        /* Whether an account's watching works: the fetch driver writes it
         * after every poll, the escalation outbox reads the red ones. */
        "CREATE TABLE account_health ("
        "  account_id TEXT PRIMARY KEY REFERENCES accounts(id),"
        "  state TEXT NOT NULL CHECK (state IN ('ok','red')),"
        "  reason TEXT,"
        "  token_state TEXT NOT NULL DEFAULT 'unknown'"
        "    CHECK (token_state IN ('unknown','ok','invalid','permission','stopped')),"
        "  last_ok_at INTEGER,"
        "  last_poll_at INTEGER,"
        "  consecutive_failures INTEGER NOT NULL DEFAULT 0,"
        "  red_since INTEGER,"
        "  updated_at INTEGER NOT NULL"
        ") WITHOUT ROWID;"
        "CREATE INDEX account_health_red ON account_health(red_since) WHERE state = 'red';"
        /* A reply that arrives before its parent keeps the parent's
         * platform id; the parent adopts it when it arrives (one index
         * step over the orphans only). */
        "CREATE INDEX items_orphans ON items(account_id, parent_platform_id)"
        "  WHERE parent_id IS NULL AND parent_platform_id IS NOT NULL;"
        /* The account's own reply that answered an item. */
        "ALTER TABLE items ADD COLUMN answered_by INTEGER REFERENCES items(id);"
        /* When the platform says a version was edited (0/NULL: unknown). */
        "ALTER TABLE item_versions ADD COLUMN edited_at INTEGER;"
        /* vaktctl items across accounts, newest first; a poll's items. */
        "CREATE INDEX items_published ON items(published_at);"
        "CREATE INDEX item_versions_poll ON item_versions(poll_id) WHERE poll_id IS NOT NULL;";

static const char migration_8[] =
        /* Rule sets whose every example passed, and on which vaktd: start-up
         * and reload run a rule set's examples only when this vaktd has not
         * proved them on it before (a changed rule file is a new rule set;
         * a rebuilt vaktd or another PCRE2 is a new engine). */
        "CREATE TABLE ruleset_checks ("
        "  ruleset TEXT NOT NULL," /* verdicts.ruleset */
        "  engine TEXT NOT NULL,"  /* vaktd's build ID and PCRE2's version */
        "  examples INTEGER NOT NULL,"
        "  checked_at INTEGER NOT NULL,"
        "  PRIMARY KEY (ruleset, engine)"
        ") WITHOUT ROWID;"
        /* The accounts with a crisis window, for /v1/accounts in one
         * statement instead of one lookup per account. */
        "CREATE INDEX accounts_crisis ON accounts(crisis_until)"
        "  WHERE crisis_until IS NOT NULL;"
        /* An account's polls by start with their result: the latest poll
         * and a day's count of polls and of good ones (/v1/accounts, 800
         * accounts a request) read the index alone, not a row per poll.
         * It replaces polls_account, whose columns lead it. */
        "CREATE INDEX polls_account_result ON polls(account_id, started_at, result);"
        "DROP INDEX polls_account;";

static const char migration_9[] =
        /* Moderation actions (issue 10, docs/connectors.md "Actions").  The
         * table is rebuilt because SQLite cannot change a CHECK: kinds gain
         * report and block, states gain 'proposed' (vakt proposes, a
         * moderator decides), and a row names the verdict that asked for
         * it and keeps the platform's answer.  Existing rows are carried
         * as they are. */
        "CREATE TABLE actions_new ("
        "  id INTEGER PRIMARY KEY,"
        "  item_id INTEGER NOT NULL REFERENCES items(id),"
        "  kind TEXT NOT NULL CHECK (kind IN "
        "('hide','unhide','delete','reject','hold','review','respond','report','block')),"
        "  requested_at INTEGER NOT NULL,"
        "  requested_by TEXT NOT NULL,"
        "  reason TEXT NOT NULL,"
        "  state TEXT NOT NULL DEFAULT 'queued'"
        "    CHECK (state IN ('proposed','queued','running','done','failed','not_allowed',"
        "'cancelled')),"
        "  attempts INTEGER NOT NULL DEFAULT 0,"
        "  next_attempt_at INTEGER,"
        "  done_at INTEGER,"
        "  error TEXT,"
        "  verdict_id INTEGER REFERENCES verdicts(id)," /* NULL: a person's decision */
        "  answer TEXT" /* the platform's last answer: ok, gone, retry, not_allowed … */
        ");"
        "INSERT INTO actions_new (id, item_id, kind, requested_at, requested_by, reason, state,"
        "  attempts, next_attempt_at, done_at, error)"
        "  SELECT id, item_id, kind, requested_at, requested_by, reason, state, attempts,"
        "  next_attempt_at, done_at, error FROM actions;"
        "DROP TABLE actions;"
        "ALTER TABLE actions_new RENAME TO actions;"
        "CREATE INDEX actions_state ON actions(state, next_attempt_at);"
        "CREATE INDEX actions_item ON actions(item_id, kind);"
        /* vakt acts on an item at most once per kind, whatever re-evaluates
         * it: the pipeline's INSERT OR IGNORE meets this index. */
        "CREATE UNIQUE INDEX actions_vakt_once ON actions(item_id, kind)"
        "  WHERE requested_by = 'vakt';";

const struct schema_migration schema_migrations[] = {
	{ 1, "accounts, items, versions, verdicts, deadlines, actions, outbox, polls, audit",
	  migration_1, NULL },
	{ 2, "rule statistics and moderator feedback", migration_2, NULL },
	{ 3, "the API caller's uid, gid, pid, user name and claimed name in the audit log",
	  migration_3, NULL },
	{ 4, "unevaluated items, status counters, rule sets by reference", migration_4, NULL },
	{ 5, "the queue by account and unit in index order, polls by planned time", migration_5,
	  NULL },
	{ 6, "the escalation outbox: escalations, deliveries, on-call overrides",
	  schema_migration_outbox, NULL },
	{ 7, "cursors per account, account health, orphan replies, edits, items by time",
	  migration_7, NULL },
	{ 8,
	  "rule sets whose examples passed, per vaktd build; accounts in crisis mode; polls "
	  "with their result by account and start",
	  migration_8, NULL },
	{ 9, "moderation actions: report and block, proposed actions, the verdict and the answer",
	  migration_9, NULL },
	{ 10, "polls counted per account and local day", schema_migration_poll_days, NULL },
	{ 11, "vakt's own moderation actions no longer cancel its escalations",
	  schema_migration_own_actions, NULL },
	{ 12, "YouTube's daily quota units per project and Pacific day", schema_migration_quota,
	  NULL },
	{ 13, "the actions waiting (queued, running, proposed) counted for status",
	  schema_migration_action_counters, NULL },
	{ 14, "running clocks by their next warning or due instant, for the scan",
	  schema_migration_deadline_scan, NULL },
	{ 15, "lists of constants in CHECK constraints and triggers as OR chains", NULL,
	  schema_migration_check_or },
};

const size_t schema_migrations_count = sizeof(schema_migrations) / sizeof(schema_migrations[0]);
