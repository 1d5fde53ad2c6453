/* Migration 6: the escalation outbox (daemon/escalate/, docs/escalation.md).
 *
 * Kept apart from schema.c so that it can be renumbered at merge without
 * touching the released migrations.  It replaces migration 1's
 * `escalations` table, which nothing ever wrote: one row per recipient
 * could not group a pile-on, step through an escalation policy or keep
 * one retry state per channel.  Now an escalation is what happened (the
 * cause, written in the transaction that decided it) and a delivery is
 * one message of one step to one recipient over one channel, each with
 * its own state machine. */
#include "store/schema.h"

const char schema_migration_outbox[] =
        "DROP TRIGGER counters_escalations_insert;"
        "DROP TRIGGER counters_escalations_update;"
        "DROP TRIGGER counters_escalations_delete;"
        "DROP TABLE escalations;"

        "CREATE TABLE escalations ("
        "  id INTEGER PRIMARY KEY,"
        /* Stable, unique per cause: a second trigger of the same cause (a
         * scan repeated after a rollback) cannot add a second row, and the
         * messages' Message-IDs derive from it. */
        "  key TEXT NOT NULL UNIQUE,"
        "  cause TEXT NOT NULL CHECK (cause IN ('verdict','deadline','health','test')),"
        "  kind TEXT NOT NULL CHECK (kind IN "
        "('threat','warning','breach','repeat','health','pileon','test')),"
        "  account_id TEXT,"
        "  item_id INTEGER REFERENCES items(id),"
        "  verdict_id INTEGER REFERENCES verdicts(id),"
        "  deadline_id INTEGER REFERENCES deadlines(id),"
        "  reason TEXT NOT NULL DEFAULT ''," /* categories, deadline kind, health reason */
        "  group_key TEXT,"                  /* pile-ons: one row for many hits */
        "  count INTEGER NOT NULL DEFAULT 1,"
        "  due_at INTEGER," /* the deadline's due instant; breach steps count from it */
        "  level INTEGER NOT NULL DEFAULT 0," /* the step routed last (-1: none yet) */
        "  round INTEGER NOT NULL DEFAULT 0," /* repeats of that step */
        "  next_at INTEGER,"                  /* routing due: first, next step, repeat */
        "  created_at INTEGER NOT NULL,"
        "  updated_at INTEGER NOT NULL,"
        "  acknowledged_at INTEGER,"
        "  acknowledged_by TEXT,"
        "  cancelled_at INTEGER,"
        "  cancelled_why TEXT"
        ");"
        "CREATE INDEX escalations_next ON escalations(next_at) WHERE next_at IS NOT NULL;"
        "CREATE INDEX escalations_group ON escalations(group_key, created_at)"
        "  WHERE group_key IS NOT NULL;"
        "CREATE INDEX escalations_open ON escalations(id)"
        "  WHERE acknowledged_at IS NULL AND cancelled_at IS NULL;"
        "CREATE INDEX escalations_item ON escalations(item_id) WHERE item_id IS NOT NULL;"
        "CREATE INDEX escalations_deadline ON escalations(deadline_id)"
        "  WHERE deadline_id IS NOT NULL;"
        "CREATE INDEX escalations_health ON escalations(account_id, reason)"
        "  WHERE cause = 'health' AND cancelled_at IS NULL;"

        /* The items of a pile-on, the first one included. */
        "CREATE TABLE escalation_items ("
        "  escalation_id INTEGER NOT NULL REFERENCES escalations(id),"
        "  item_id INTEGER NOT NULL REFERENCES items(id),"
        "  added_at INTEGER NOT NULL,"
        "  PRIMARY KEY (escalation_id, item_id)"
        ") WITHOUT ROWID;"
        "CREATE INDEX escalation_items_item ON escalation_items(item_id);"

        "CREATE TABLE deliveries ("
        "  id INTEGER PRIMARY KEY,"
        "  escalation_id INTEGER NOT NULL REFERENCES escalations(id),"
        "  level INTEGER NOT NULL,"
        "  round INTEGER NOT NULL DEFAULT 0,"
        "  recipient TEXT NOT NULL," /* a@b.se or webhook:NAME */
        "  role TEXT NOT NULL,"      /* oncall, manager, escalate, safety, fallback, address */
        "  state TEXT NOT NULL DEFAULT 'pending' CHECK (state IN "
        "('pending','sending','sent','retrying','given_up','cancelled')),"
        "  attempts INTEGER NOT NULL DEFAULT 0,"
        "  created_at INTEGER NOT NULL,"
        "  next_attempt_at INTEGER,"
        "  last_error TEXT,"
        "  sent_at INTEGER,"
        "  UNIQUE (escalation_id, level, round, recipient)"
        ");"
        "CREATE INDEX deliveries_due ON deliveries(next_attempt_at)"
        "  WHERE state IN ('pending','retrying');"
        "CREATE INDEX deliveries_sending ON deliveries(id) WHERE state = 'sending';"
        "CREATE INDEX deliveries_given_up ON deliveries(id) WHERE state = 'given_up';"
        "CREATE INDEX deliveries_escalation ON deliveries(escalation_id, level, round);"

        /* "I take tonight": who is on call from when until when, over the
         * configured rota; the latest one covering an instant wins. */
        "CREATE TABLE oncall_overrides ("
        "  id INTEGER PRIMARY KEY,"
        "  recipient TEXT NOT NULL,"
        "  from_at INTEGER NOT NULL,"
        "  until_at INTEGER NOT NULL,"
        "  set_by TEXT NOT NULL,"
        "  set_at INTEGER NOT NULL"
        ");"
        "CREATE INDEX oncall_overrides_until ON oncall_overrides(until_at);"

        /* Unsent now counts deliveries still to make. */
        "UPDATE counters SET n = 0 WHERE name = 'escalations_unsent';"
        "CREATE TRIGGER counters_deliveries_insert AFTER INSERT ON deliveries"
        "  WHEN NEW.state IN ('pending','sending','retrying') BEGIN"
        "  UPDATE counters SET n = n + 1 WHERE name = 'escalations_unsent'; END;"
        "CREATE TRIGGER counters_deliveries_update AFTER UPDATE OF state ON deliveries"
        "  WHEN (OLD.state IN ('pending','sending','retrying'))"
        "    != (NEW.state IN ('pending','sending','retrying')) BEGIN"
        "  UPDATE counters SET n = n + CASE WHEN NEW.state IN ('pending','sending','retrying')"
        "    THEN 1 ELSE -1 END WHERE name = 'escalations_unsent'; END;"

        /* Inhibition, kept by triggers so that no writer can forget it:
         * an item answered, resolved, hidden or gone, or a clock stopped,
         * cancels the open escalations about it and their unsent
         * deliveries.  Acknowledged ones are left as they are. */
        "CREATE TRIGGER items_inhibit_escalations AFTER UPDATE OF state, platform_state ON items"
        "  WHEN NEW.state IN ('answered','resolved')"
        "    OR NEW.platform_state IN ('hidden','deleted','gone') BEGIN"
        "  UPDATE deliveries SET state = 'cancelled', next_attempt_at = NULL"
        "    WHERE state IN ('pending','retrying') AND escalation_id IN"
        "    (SELECT id FROM escalations WHERE item_id = NEW.id AND cancelled_at IS NULL"
        "       AND acknowledged_at IS NULL);"
        "  UPDATE escalations SET next_at = NULL,"
        "    cancelled_at = coalesce(NEW.answered_at, NEW.last_seen_at),"
        "    cancelled_why = CASE WHEN NEW.state IN ('answered','resolved') THEN 'item ' || "
        "NEW.state"
        "      ELSE 'item ' || NEW.platform_state END"
        "    WHERE item_id = NEW.id AND cancelled_at IS NULL AND acknowledged_at IS NULL;"
        " END;"
        "CREATE TRIGGER deadlines_inhibit_escalations AFTER UPDATE OF stopped_at ON deadlines"
        "  WHEN OLD.stopped_at IS NULL AND NEW.stopped_at IS NOT NULL BEGIN"
        "  UPDATE deliveries SET state = 'cancelled', next_attempt_at = NULL"
        "    WHERE state IN ('pending','retrying') AND escalation_id IN"
        "    (SELECT id FROM escalations WHERE deadline_id = NEW.id AND cancelled_at IS NULL"
        "       AND acknowledged_at IS NULL);"
        "  UPDATE escalations SET next_at = NULL, cancelled_at = NEW.stopped_at,"
        "    cancelled_why = 'deadline ' || NEW.state"
        "    WHERE deadline_id = NEW.id AND cancelled_at IS NULL AND acknowledged_at IS NULL;"
        " END;";

/* Migration 11: vakt's own moderation does not silence its pages.
 *
 * With AutoActions= hiding obvious threats by default, items_inhibit_
 * escalations cancelled the on-call page of every threat vakt hid itself,
 * seconds after raising it.  The issue asks for inhibition when the item
 * is "hidden by a moderator": a person's decision that the matter is dealt
 * with.  vakt hiding a threat is the first half of dealing with it; the
 * on-call moderator still has to look (a police report, the staff member
 * it names), so the page repeats until acknowledged.  The platform state
 * set by the action the pipeline queued itself (requested_by 'vakt', the
 * latest one done on the item) therefore no longer inhibits; a moderator's
 * action, a hide seen on the platform and the author's delete still do.
 * A change of `state` alone no longer re-fires on an item already hidden. */
const char schema_migration_own_actions[] =
        "DROP TRIGGER items_inhibit_escalations;"
        "CREATE TRIGGER items_inhibit_escalations AFTER UPDATE OF state, platform_state ON items"
        "  WHEN (NEW.state IN ('answered','resolved') AND NEW.state IS NOT OLD.state)"
        "    OR (NEW.platform_state IN ('hidden','deleted','gone')"
        "        AND NEW.platform_state IS NOT OLD.platform_state"
        "        AND coalesce((SELECT requested_by FROM actions WHERE item_id = NEW.id"
        "            AND state = 'done' ORDER BY done_at DESC, id DESC LIMIT 1), '') != 'vakt')"
        " BEGIN"
        "  UPDATE deliveries SET state = 'cancelled', next_attempt_at = NULL"
        "    WHERE state IN ('pending','retrying') AND escalation_id IN"
        "    (SELECT id FROM escalations WHERE item_id = NEW.id AND cancelled_at IS NULL"
        "       AND acknowledged_at IS NULL);"
        "  UPDATE escalations SET next_at = NULL,"
        "    cancelled_at = coalesce(NEW.answered_at, NEW.last_seen_at),"
        "    cancelled_why = CASE WHEN NEW.state IN ('answered','resolved') THEN 'item ' || "
        "NEW.state"
        "      ELSE 'item ' || NEW.platform_state END"
        "    WHERE item_id = NEW.id AND cancelled_at IS NULL AND acknowledged_at IS NULL;"
        " END;";
