/* Migration 10: polls counted per account and local day (issue 9).
 *
 * /v1/accounts shows each account's polls on its current and last business
 * day; counting them from `polls` on every request was two index ranges per
 * account (800 accounts, 24 polls a day each).  The counts are kept instead:
 * store_poll_begin() and store_poll_end() update them in the transaction
 * that records the poll (daemon/store/poll-days.c).
 *
 * A "day" is the account's local calendar day, and the zone is in the
 * configuration, not the store: `accounts.poll_days_zone` names the zone
 * the account's rows were counted in (NULL: not counted yet).  The rows are
 * therefore filled from the existing polls by the first store_accounts_sync()
 * after this migration (vaktd's start), and again for an account whose
 * calendar changes zone; until then readers count from `polls` as before.
 *
 * `accounts.last_poll_id`, `last_poll_started` and `last_poll_result` are
 * the account's latest poll, set here from the polls and kept by the
 * triggers polls_latest and polls_latest_result. */
#include "store/schema.h"

const char schema_migration_poll_days[] =
        "ALTER TABLE accounts ADD COLUMN poll_days_zone TEXT;"
        /* Keyed by day first: one request reads a day's rows of every
         * account as one range. */
        "CREATE TABLE account_poll_days ("
        "  day INTEGER NOT NULL," /* local day number (days since 1970-01-01) */
        "  account_id TEXT NOT NULL REFERENCES accounts(id),"
        "  polls INTEGER NOT NULL," /* polls started that day */
        "  ok INTEGER NOT NULL,"    /* of which ended 'ok' */
        "  PRIMARY KEY (day, account_id)"
        ") WITHOUT ROWID;"
        /* An account's rows, for rebuilding them when its zone changes. */
        "CREATE INDEX account_poll_days_account ON account_poll_days(account_id, day);"
        /* Each account's latest poll (by start) and its result, kept on the
         * account's row by triggers: /v1/accounts reads 800 small rows
         * instead of a leaf of the polls index per account. */
        "ALTER TABLE accounts ADD COLUMN last_poll_id INTEGER;"
        "ALTER TABLE accounts ADD COLUMN last_poll_started INTEGER;"
        "ALTER TABLE accounts ADD COLUMN last_poll_result TEXT;"
        "UPDATE accounts SET last_poll_id = (SELECT id FROM polls"
        "  WHERE account_id = accounts.id ORDER BY started_at DESC LIMIT 1);"
        "UPDATE accounts SET (last_poll_started, last_poll_result) ="
        "  (SELECT started_at, result FROM polls WHERE id = accounts.last_poll_id)"
        "  WHERE last_poll_id IS NOT NULL;"
        "CREATE TRIGGER polls_latest AFTER INSERT ON polls BEGIN"
        "  UPDATE accounts SET last_poll_id = NEW.id, last_poll_started = NEW.started_at,"
        "    last_poll_result = NEW.result"
        "  WHERE id = NEW.account_id"
        "    AND (last_poll_started IS NULL OR last_poll_started <= NEW.started_at);"
        "END;"
        "CREATE TRIGGER polls_latest_result AFTER UPDATE OF result ON polls BEGIN"
        "  UPDATE accounts SET last_poll_result = NEW.result"
        "  WHERE id = NEW.account_id AND last_poll_id = NEW.id;"
        "END;";
