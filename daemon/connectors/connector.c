/* What every connector shares: names, batches, the platform table. */
#include "connectors/connector.h"

#include <errno.h>
#include <stdlib.h>
#include <string.h>

/* The platforms vakt has a connector for.  Each connector file defines
 * one `const struct connector connector_PLATFORM` and adds it here. */
extern const struct connector connector_facebook;
extern const struct connector connector_instagram;
extern const struct connector connector_mastodon;
extern const struct connector connector_youtube;
extern const struct connector connector_x;
extern const struct connector connector_linkedin;

static const struct connector *const connectors[] = {
	&connector_facebook,
	&connector_instagram,
	&connector_mastodon,
	&connector_youtube,
	&connector_x,
	&connector_linkedin,
	NULL,
};

const struct connector *connector_find(const char *platform)
{
	for (size_t i = 0; connectors[i]; i++)
		if (strcmp(connectors[i]->platform, platform) == 0)
			return connectors[i];
	return NULL;
}

const char *conn_outcome_name(enum conn_outcome o)
{
	switch (o) {
	case CONN_OK:
		return "ok";
	case CONN_RETRY:
		return "retry";
	case CONN_TOKEN:
		return "token";
	case CONN_PERMISSION:
		return "permission";
	case CONN_GONE:
		return "gone";
	case CONN_STOP:
		return "stop";
	case CONN_NOT_ALLOWED:
		return "not_allowed";
	case CONN_MALFORMED:
		return "malformed";
	}
	return "unknown";
}

static const char *const action_names[CONN_ACT__COUNT] = {
	[CONN_ACT_HIDE] = "hide",
	[CONN_ACT_UNHIDE] = "unhide",
	[CONN_ACT_DELETE] = "delete",
	[CONN_ACT_REPORT] = "report",
	[CONN_ACT_BLOCK_AUTHOR] = "block_author",
};

const char *conn_action_name(enum conn_action a)
{
	return (unsigned)a < CONN_ACT__COUNT ? action_names[a] : "unknown";
}

int conn_action_parse(const char *name, enum conn_action *ret)
{
	for (unsigned i = 0; i < CONN_ACT__COUNT; i++)
		if (strcmp(name, action_names[i]) == 0) {
			*ret = (enum conn_action)i;
			return 0;
		}
	return -EINVAL;
}

void conn_request_clear(struct conn_request *r)
{
	if (!r)
		return;
	free(r->url);
	free(r->body);
	free(r->headers);
	memset(r, 0, sizeof(*r));
}

void conn_batch_init(struct conn_batch *b)
{
	memset(b, 0, sizeof(*b));
	b->rate.usage_percent = -1;
	b->rate.app_usage_percent = -1;
	b->rate.remaining = -1;
}

static void conn_item_clear(struct conn_item *it)
{
	free(it->platform_id);
	free(it->parent_platform_id);
	free(it->author_id);
	free(it->author_name);
	free(it->text);
	free(it->permalink);
	free(it->raw_json);
}

void conn_batch_clear(struct conn_batch *b)
{
	for (size_t i = 0; i < b->n_items; i++)
		conn_item_clear(&b->items[i]);
	free(b->items);
	for (size_t i = 0; i < b->n_gone; i++)
		free(b->gone[i]);
	free(b->gone);
	free(b->message);
	free(b->cursor);
	conn_batch_init(b);
}

struct conn_item *conn_batch_add(struct conn_batch *b)
{
	if (b->n_items == b->cap_items) {
		size_t cap = b->cap_items ? b->cap_items * 2 : 16;
		struct conn_item *grown = realloc(b->items, cap * sizeof(*grown));
		if (!grown)
			return NULL;
		b->items = grown;
		b->cap_items = cap;
	}
	struct conn_item *it = &b->items[b->n_items++];
	memset(it, 0, sizeof(*it));
	it->platform_state = "visible";
	return it;
}

int conn_batch_gone(struct conn_batch *b, const char *platform_id)
{
	if (b->n_gone == b->cap_gone) {
		size_t cap = b->cap_gone ? b->cap_gone * 2 : 8;
		char **grown = realloc(b->gone, cap * sizeof(*grown));
		if (!grown)
			return -ENOMEM;
		b->gone = grown;
		b->cap_gone = cap;
	}
	char *copy = strdup(platform_id);
	if (!copy)
		return -ENOMEM;
	b->gone[b->n_gone++] = copy;
	return 0;
}
