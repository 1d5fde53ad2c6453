/* Mastodon: which of the account's recent top-level posts need their
 * thread (GET /api/v1/statuses/:id/context) read in this poll.
 *
 * The cursor keeps, per tracked post, the `replies_count` its stored
 * context covers ("r": {status id: count}) and the young post whose
 * thread was last re-read ("y").  A poll notes every own top-level post
 * it sees (with its replies_count now); the plan then keeps the
 * MASTO_TRACKED newest ones inside the backfill horizon and reads the
 * context of those whose count grew (or that are new with replies), and
 * of one young thread (younger than MASTO_YOUNG_USEC) in turn, because
 * replies_count counts direct replies only: a reply to a reply leaves it
 * unchanged.  A post's entry in the cursor changes only with the answer
 * that stored its context.  Internal to connectors/. */
#pragma once

#include <cjson/cJSON.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#define MASTO_TRACKED 20                         /* posts kept in "r" */
#define MASTO_YOUNG_USEC (24LL * 3600 * 1000000) /* threads re-read in turn while this young */

struct masto_thread {
	char *id;
	int64_t created;   /* µs */
	int64_t count;     /* replies_count as seen in this poll */
	int64_t committed; /* the count the stored context covers (cursor), -1: none */
	bool fetch;        /* its context is to be read in this poll */
	bool young;        /* read as the young thread of this poll */
	bool in_flight, done, gone;
};

struct masto_threads {
	/* From the stored cursor. */
	char **old_id;
	int64_t *old_count;
	size_t n_old;
	char *young_last;
	/* Seen in this poll (after the plan: the tracked ones, newest first). */
	struct masto_thread *t;
	size_t n, cap;
	bool planned;
};

void masto_threads_free(struct masto_threads *th);
/* The cursor's "r" object and "y" id (either may be NULL): 0, -EINVAL, -ENOMEM. */
int masto_threads_parse(struct masto_threads *th, const cJSON *r, const cJSON *y);
/* A status of the account's own timeline: noted when it is an own
 * top-level post (not a reply, not a boost) no older than horizon.
 * 0, -ENOMEM (-EBADMSG is the caller's: ids are checked there). */
int masto_threads_seen(struct masto_threads *th, const cJSON *st, const char *me, int64_t horizon);
/* A tracked post of the cursor is older than floor (the oldest status the
 * own timeline was read back to) and was not seen: its count needs the
 * top-level-only timeline. */
bool masto_threads_need_older(const struct masto_threads *th, const char *floor);
/* Decide what to read (once, when every own status of the poll has been
 * seen). */
void masto_threads_plan(struct masto_threads *th, int64_t now);
/* The next thread to read that is not in flight, or -1. */
int masto_threads_next(const struct masto_threads *th);
bool masto_threads_done(const struct masto_threads *th);
/* Its context is stored (covered: false when the instance said it is
 * still fetching remote replies, so it is read again next poll). */
int masto_threads_read(struct masto_threads *th, size_t i, bool covered);
/* "r" and "y" into the cursor object j. */
int masto_threads_to_json(const struct masto_threads *th, cJSON *j);
