/* Migration 14: the deadline scan reads only what is due. */
#include "store/schema.h"

/* The instant of the next thing to happen to a running clock: its warning
 * while one is pending, else its due instant.  The scan's query
 * (store_deadlines_due in deadline-query.c) spells the same expression, so
 * that the index serves it: a range from the start up to `now`, in order,
 * instead of every running clock read and sorted on each tick (11 ms a tick
 * with 51,000 running clocks, and again for each slice of a catch-up). */
const char schema_migration_deadline_scan[] =
        "CREATE INDEX deadlines_next_event ON deadlines("
        "(CASE WHEN warned_at IS NULL THEN min(due_at, coalesce(warn_at, due_at)) "
        "ELSE due_at END), id) WHERE state = 'running';";
