/* Shared by daemon/store/deadlines.c and deadline-query.c: the columns of
 * a deadline row and how to read them.  Only daemon/store/ includes this. */
#pragma once

#include <sqlite3.h>

#include "store/deadlines.h"

/* The columns store_deadline_row_read() expects, in order. */
#define DEADLINE_COLUMNS                                                                           \
	"d.id, d.item_id, d.kind, d.duration, d.warn_pct, d.started_at, d.created_at, "            \
	"d.due_at, d.warn_at, d.paused_at, d.left_usec, d.warn_left_usec, d.paused_total, "        \
	"d.stopped_at, d.state, d.warned_at, d.breached_at, d.reached_at"
#define DEADLINE_NCOLUMNS 18

/* Read the DEADLINE_COLUMNS starting at column 0.  -EBADMSG for a kind or
 * state this build does not know. */
int store_deadline_row_read(sqlite3_stmt *st, struct deadline *ret);
