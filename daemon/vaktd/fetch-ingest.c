/* One batch into the store, in one transaction. */
#include <errno.h>
#include <stdio.h>

#include "deadline/deadline.h"
#include "pipeline/pipeline.h"
#include "store/fetch-store.h"
#include "vaktd/fetch-internal.h"

/* The account's own reply answers its parent: the parent is marked
 * answered (the first answer is kept) and its respond clock is met. */
static int answered(struct store *s, int64_t parent, int64_t reply, int64_t now)
{
	struct deadline d;
	int r = store_item_answered(s, parent, reply, now);
	if (r)
		return r;
	r = deadline_find(s, parent, DEADLINE_RESPOND, &d);
	if (r == -ENOENT)
		return 0;
	if (r || d.stopped_at)
		return r;
	return deadline_stop(s, d.id, DEADLINE_STOP_MET, now, "vaktd:own-reply");
}

static int ingest_item(struct store *s, struct pipeline_rules *rules,
                       const struct config_account *acc, int64_t poll_id,
                       const struct conn_item *it, int64_t now, struct fetch_tally *t)
{
	int64_t existing = 0, parent = 0;
	struct pipeline_result res = { 0 };
	int r = store_item_find(s, acc->id, it->platform_id, &existing);
	if (r)
		return r;
	const struct store_item_in in = {
		.account = acc->id,
		.platform_id = it->platform_id,
		.kind = it->kind,
		.parent_platform_id = it->parent_platform_id,
		.author_id = it->author_id,
		.author_name = it->author_name,
		.is_own = it->is_own,
		.text = it->text ? it->text : "",
		.permalink = it->permalink,
		.published_at = it->published_at,
		.platform_state = it->platform_state ? it->platform_state : "visible",
		.raw_json = it->raw_json,
		.poll_id = poll_id,
		.edited_at = it->edited_at,
	};
	r = pipeline_ingest(s, rules, acc, &in, now, &res);
	if (r)
		return r;
	if (!existing) {
		t->items_new++;
		/* Replies that came before this item hang under it now; if the
		 * account already answered, its clock is met at once. */
		int64_t own = 0;
		int linked = 0;
		r = store_item_adopt(s, acc->id, it->platform_id, res.item_id, &own, &linked);
		if (r == 0 && own)
			r = answered(s, res.item_id, own, now);
		if (r)
			return r;
	} else if (res.version_id) {
		t->items_updated++;
	}
	if (it->is_own && it->parent_platform_id && res.version_id) {
		r = store_item_find(s, acc->id, it->parent_platform_id, &parent);
		if (r == 0 && parent)
			r = answered(s, parent, res.item_id, now);
	}
	return r;
}

int fetch_ingest(struct store *s, struct pipeline_rules *rules, const struct config_account *acc,
                 int64_t poll_id, const struct conn_batch *b, int64_t now, struct fetch_tally *t)
{
	struct fetch_tally add = { 0 };
	/* Any error below rolls the batch back whole: its items need no
	 * savepoints of their own (store_begin_whole()). */
	int r = store_begin_whole(s);
	if (r)
		return r;
	for (size_t i = 0; r == 0 && i < b->n_items; i++)
		r = ingest_item(s, rules, acc, poll_id, &b->items[i], now, &add);
	for (size_t i = 0; r == 0 && i < b->n_gone; i++) {
		int changed = 0;
		r = store_item_mark_gone(s, acc->id, b->gone[i], now, &changed);
		add.gone += changed;
	}
	/* The cursor commits with the items it covers, or not at all. */
	if (r == 0 && b->cursor)
		r = store_cursor_set(s, acc->id, FETCH_CURSOR_NAME, b->cursor, now);
	r = store_end(s, r);
	if (r == 0) {
		t->items_new += add.items_new;
		t->items_updated += add.items_updated;
		t->gone += add.gone;
	}
	return r;
}
