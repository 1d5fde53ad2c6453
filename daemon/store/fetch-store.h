/* What fetching writes and reads beyond items and polls: connectors'
 * cursors, items gone from the platform, replies that arrived before their
 * parent, answered items, each account's health, and the listings of
 * `vaktctl items` and `vaktctl poll`.
 *
 * Writers run inside the caller's transaction (the fetch driver stores a
 * batch's items, gone marks and cursor in one). */
#pragma once

#include <stddef.h>
#include <stdint.h>

#include "store/store.h"

/* The cursor NAME of account (malloc'ed in *ret), or NULL when none. */
int store_cursor_get(struct store *s, const char *account, const char *name, char **ret);
int store_cursor_set(struct store *s, const char *account, const char *name, const char *value,
                     int64_t now);

/* The item (account, platform_id): *ret its id, 0 when not stored. */
int store_item_find(struct store *s, const char *account, const char *platform_id, int64_t *ret);

/* Mark an item gone on the platform (never purged).  *ret_changed 1 when
 * it was stored and not yet gone, else 0. */
int store_item_mark_gone(struct store *s, const char *account, const char *platform_id, int64_t now,
                         int *ret_changed);

/* Link the stored replies that name platform_id as their parent but
 * arrived before it to item_id.  *ret_own_reply: the earliest of them
 * written by the account itself (0 none), so the caller can meet the
 * parent's clock; *ret_linked counts them. */
int store_item_adopt(struct store *s, const char *account, const char *platform_id, int64_t item_id,
                     int64_t *ret_own_reply, int *ret_linked);

/* Mark item answered by the account's own reply `reply` at `at` (the first
 * answer is kept). */
int store_item_answered(struct store *s, int64_t item, int64_t reply, int64_t at);

/* --- account health ---------------------------------------------------- */

struct store_account_health {
	char account[128];
	char state[8];        /* "ok" "red"; "" when never recorded */
	char reason[160];     /* why red ("" when ok) */
	char token_state[16]; /* unknown ok invalid permission stopped */
	int64_t last_ok_at;   /* 0 never */
	int64_t last_poll_at; /* 0 never */
	int consecutive_failures;
	int64_t red_since; /* 0 when ok */
};

/* Zeros and "" when the account has no row yet. */
int store_account_health_get(struct store *s, const char *account,
                             struct store_account_health *ret);
int store_account_health_put(struct store *s, const struct store_account_health *h, int64_t now);
/* Every row (malloc'ed array, NULL when none). */
int store_account_health_all(struct store *s, struct store_account_health **ret, size_t *ret_n);
/* How many accounts are red. */
int store_accounts_red(struct store *s, int64_t *ret);

/* --- listings ----------------------------------------------------------- */

struct store_item_row {
	int64_t id;
	char account[128];
	char platform_id[256];
	char kind[16];
	int64_t parent_id; /* 0 none or not yet arrived */
	char parent_platform_id[256];
	int own;
	int64_t published_at;
	char state[16];
	char platform_state[16];
	char categories[160]; /* the latest verdict's, "" clean or none */
	int evaluated;
};

/* Items newest published first: of account (NULL all), published at or
 * after since (0 any), before the cursor (before_published, before_id;
 * 0: from the newest), at most max.  *ret malloc'ed. */
int store_items_list(struct store *s, const char *account, int64_t since, int64_t before_published,
                     int64_t before_id, size_t max, struct store_item_row **ret, size_t *ret_n);

/* Items whose version poll_id stored (new or changed), at most max. */
int store_poll_items(struct store *s, int64_t poll_id, size_t max, struct store_item_row **ret,
                     size_t *ret_n);

struct store_poll_row {
	int64_t id;
	char account[128];
	int64_t planned_at, started_at, finished_at; /* finished 0 while running */
	char result[16];                             /* "" while running */
	int items_new, items_updated;
	char error[256];
};
/* -ENOENT for an unknown poll. */
int store_poll_get(struct store *s, int64_t id, struct store_poll_row *ret);
