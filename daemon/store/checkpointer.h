/* WAL checkpoints on a thread of their own, off the daemon's event loop.
 *
 * SQLite's automatic checkpoint runs inside the commit that takes the WAL
 * past 1,000 pages: every fifteenth slice of the deadline catch-up on the
 * 1,000,000-item store spent 4-8 ms of the loop's CPU copying pages back
 * into the database (and waited for the disk's sync).  With a
 * checkpointer, the loop's connection only notes the WAL's size after
 * each commit (sqlite3_wal_hook, which also turns the automatic checkpoint
 * off) and wakes the thread, which checkpoints PASSIVE on its own
 * connection: it never blocks the writer, and what it cannot copy yet
 * (pages a reader still sees) waits for its next turn. */
#pragma once

#include <stdbool.h>

#include "store/store.h"

/* WAL pages after a commit that wake the checkpointer (SQLite's own
 * automatic threshold). */
#define STORE_CHECKPOINT_PAGES 1000

/* Start the thread for s (a store_open() store) and hand its checkpoints
 * to it; store_close() stops it before the final checkpoint.  0, or a
 * negative errno / STORE_E_SQLITE (the thread's connection cannot be
 * opened; errbuf says why): the store keeps SQLite's automatic
 * checkpoint. */
int store_checkpoint_in_background(struct store *s, char *errbuf, size_t errlen);

struct store_checkpoint_stats {
	unsigned long runs;              /* checkpoints the thread ran */
	bool pending;                    /* woken, not run yet */
	int last_rc;                     /* the last one's SQLite result code */
	int last_wal_pages, last_copied; /* its WAL size and pages copied back */
};

/* What the thread did so far (all zero without one). */
void store_checkpoint_stats(struct store *s, struct store_checkpoint_stats *ret);
