/* Migration 13: the actions waiting, counted for status (issue 9, 10).
 *
 * `vaktctl status` and GET /v1/status show how many moderation actions
 * wait: queued or running ones (the action driver's work) and proposed
 * ones (a moderator's decision).  Status must stay cheap at city scale, so
 * these are kept in `counters` by triggers in the writing transaction, as
 * escalations_unsent is, not counted over `actions` per request.  The
 * migration seeds them from the rows an existing store already has. */
#include "store/schema.h"

/* Which counter an action in a state counts in (none: NULL, no row). */
#define WAITING_OLD                                                                                \
	"CASE WHEN OLD.state IN ('queued','running') THEN 'actions_waiting' "                      \
	"WHEN OLD.state = 'proposed' THEN 'actions_proposed' END"
#define WAITING_NEW                                                                                \
	"CASE WHEN NEW.state IN ('queued','running') THEN 'actions_waiting' "                      \
	"WHEN NEW.state = 'proposed' THEN 'actions_proposed' END"

const char schema_migration_action_counters[] =
        "INSERT OR REPLACE INTO counters(name, n) VALUES"
        "  ('actions_waiting', (SELECT count(*) FROM actions"
        "    WHERE state IN ('queued','running'))),"
        "  ('actions_proposed', (SELECT count(*) FROM actions WHERE state = 'proposed'));"

        "CREATE TRIGGER counters_actions_insert AFTER INSERT ON actions"
        "  WHEN NEW.state IN ('queued','running','proposed') BEGIN"
        "  UPDATE counters SET n = n + 1 WHERE name = " WAITING_NEW ";"
        " END;"

        "CREATE TRIGGER counters_actions_update AFTER UPDATE OF state ON actions"
        "  WHEN OLD.state IS NOT NEW.state BEGIN"
        "  UPDATE counters SET n = n - 1 WHERE name = " WAITING_OLD ";"
        "  UPDATE counters SET n = n + 1 WHERE name = " WAITING_NEW ";"
        " END;"

        "CREATE TRIGGER counters_actions_delete AFTER DELETE ON actions"
        "  WHEN OLD.state IN ('queued','running','proposed') BEGIN"
        "  UPDATE counters SET n = n - 1 WHERE name = " WAITING_OLD ";"
        " END;";
