/* WAL checkpoints on a thread of their own (checkpointer.h). */
#include "store/checkpointer.h"

#include <errno.h>
#include <pthread.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>

#include "store/store-internal.h"
#include "util/log.h"
#include "util/thread.h"

struct store_checkpointer {
	pthread_t thread;
	pthread_mutex_t lock;
	pthread_cond_t wake;
	bool stopping;                       /* under lock */
	struct store_checkpoint_stats stats; /* under lock */
	sqlite3 *db;                         /* the thread's own connection */
};

/* Called by SQLite on the loop's thread after each commit: cheap, it only
 * wakes the thread when the WAL is big enough. */
static int on_commit(void *arg, sqlite3 *db, const char *name, int pages)
{
	struct store_checkpointer *c = arg;
	(void)db;
	(void)name;
	if (pages >= STORE_CHECKPOINT_PAGES) {
		pthread_mutex_lock(&c->lock);
		c->stats.pending = true;
		pthread_cond_signal(&c->wake);
		pthread_mutex_unlock(&c->lock);
	}
	return SQLITE_OK;
}

static void *run(void *arg)
{
	struct store_checkpointer *c = arg;

	pthread_mutex_lock(&c->lock);
	for (;;) {
		while (!c->stats.pending && !c->stopping)
			pthread_cond_wait(&c->wake, &c->lock);
		if (c->stopping)
			break;
		c->stats.pending = false;
		pthread_mutex_unlock(&c->lock);
		int log_pages = 0, copied = 0;
		int rc = sqlite3_wal_checkpoint_v2(c->db, NULL, SQLITE_CHECKPOINT_PASSIVE,
		                                   &log_pages, &copied);
		if (rc != SQLITE_OK && rc != SQLITE_BUSY)
			log_warning("store: background checkpoint failed: %s", sqlite3_errstr(rc));
		pthread_mutex_lock(&c->lock);
		c->stats.runs++;
		c->stats.last_rc = rc;
		c->stats.last_wal_pages = log_pages;
		c->stats.last_copied = copied;
	}
	pthread_mutex_unlock(&c->lock);
	return NULL;
}

int store_checkpoint_in_background(struct store *s, char *errbuf, size_t errlen)
{
	struct store_checkpointer *c = NULL;
	int r;

	if (s->readonly || s->checkpointer)
		return -EINVAL;
	if (sqlite3_threadsafe() == 0) {
		snprintf(errbuf, errlen, "SQLite is built without thread support");
		return -EOPNOTSUPP;
	}
	c = calloc(1, sizeof(*c));
	if (!c)
		return -ENOMEM;
	r = sqlite3_open_v2(s->path, &c->db,
	                    SQLITE_OPEN_READWRITE | SQLITE_OPEN_NOMUTEX | SQLITE_OPEN_EXRESCODE,
	                    NULL);
	if (r != SQLITE_OK) {
		snprintf(errbuf, errlen, "cannot open %s for checkpoints: %s", s->path,
		         c->db ? sqlite3_errmsg(c->db) : sqlite3_errstr(r));
		sqlite3_close_v2(c->db);
		free(c);
		return STORE_E_SQLITE;
	}
	/* A connection learns that the file is in WAL mode when it first
	 * reads it: until then a checkpoint does nothing. */
	sqlite3_busy_timeout(c->db, 1000);
	r = sqlite3_exec(c->db, "SELECT count(*) FROM sqlite_master", NULL, NULL, NULL);
	if (r != SQLITE_OK) {
		snprintf(errbuf, errlen, "cannot read %s for checkpoints: %s", s->path,
		         sqlite3_errmsg(c->db));
		sqlite3_close_v2(c->db);
		free(c);
		return STORE_E_SQLITE;
	}
	pthread_mutex_init(&c->lock, NULL);
	pthread_cond_init(&c->wake, NULL);
	/* signals are the loop's (util/thread.h), not a checkpoint's */
	r = thread_start_quiet(&c->thread, run, c);
	if (r) {
		snprintf(errbuf, errlen, "cannot start the checkpoint thread");
		pthread_cond_destroy(&c->wake);
		pthread_mutex_destroy(&c->lock);
		sqlite3_close_v2(c->db);
		free(c);
		return r;
	}
	s->checkpointer = c;
	/* Replaces SQLite's automatic checkpoint, which is itself a WAL
	 * hook. */
	sqlite3_wal_hook(s->db, on_commit, c);
	return 0;
}

void store_checkpoint_stats(struct store *s, struct store_checkpoint_stats *ret)
{
	struct store_checkpointer *c = s->checkpointer;
	*ret = (struct store_checkpoint_stats){ 0 };
	if (!c)
		return;
	pthread_mutex_lock(&c->lock);
	*ret = c->stats;
	pthread_mutex_unlock(&c->lock);
}

void store_checkpointer_stop(struct store *s)
{
	struct store_checkpointer *c = s->checkpointer;
	if (!c)
		return;
	sqlite3_wal_hook(s->db, NULL, NULL);
	pthread_mutex_lock(&c->lock);
	c->stopping = true;
	pthread_cond_signal(&c->wake);
	pthread_mutex_unlock(&c->lock);
	pthread_join(c->thread, NULL);
	pthread_cond_destroy(&c->wake);
	pthread_mutex_destroy(&c->lock);
	sqlite3_close_v2(c->db);
	free(c);
	s->checkpointer = NULL;
}
