/* A key given twice in one section of one file is a mistake (two
 * Platform= lines, the second silently winning), so it is an error naming
 * both lines.  A drop-in that sets a key of vaktd.conf again is not: that
 * is what drop-ins are for, so the record starts afresh with every file.
 * The documented list keys (ClosedDay=, HalfDay= of [Calendar …]) may
 * repeat.
 *
 * A hash set: a file of a megabyte can hold a hundred thousand keys, and
 * comparing each with every other would stall a reload. */
#include <errno.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "config/config-internal.h"

struct config_seen_slot {
	char *name; /* "SECTION\nKEY"; NULL: free slot */
	uint32_t hash;
	unsigned line;
};

static bool is_list_key(const char *section, const char *key)
{
	if (strcmp(section, "Calendar") != 0 && strncmp(section, "Calendar ", 9) != 0)
		return false;
	return strcmp(key, "ClosedDay") == 0 || strcmp(key, "HalfDay") == 0;
}

static uint32_t hash_name(const char *s)
{
	uint32_t h = 2166136261u; /* FNV-1a */
	for (; *s; s++)
		h = (h ^ (unsigned char)*s) * 16777619u;
	return h;
}

static struct config_seen_slot *find_slot(struct config_seen_slot *v, size_t cap, uint32_t hash,
                                          const char *name)
{
	for (size_t i = hash & (cap - 1);; i = (i + 1) & (cap - 1))
		if (!v[i].name || (v[i].hash == hash && strcmp(v[i].name, name) == 0))
			return &v[i];
}

static int grow(struct config_seen *s)
{
	size_t cap = s->cap ? s->cap * 2 : 64;
	struct config_seen_slot *v = calloc(cap, sizeof(*v));
	if (!v)
		return -ENOMEM;
	for (size_t i = 0; i < s->cap; i++)
		if (s->v[i].name)
			*find_slot(v, cap, s->v[i].hash, s->v[i].name) = s->v[i];
	free(s->v);
	s->v = v;
	s->cap = cap;
	return 0;
}

void config_seen_clear(struct config_seen *s)
{
	for (size_t i = 0; i < s->cap; i++)
		free(s->v[i].name);
	free(s->v);
	memset(s, 0, sizeof(*s));
}

bool config_key_repeated(struct config_load *ld, const char *section, const char *key,
                         const char *file, unsigned line)
{
	struct config_seen *s = &ld->seen;
	char *name = NULL;

	if (is_list_key(section, key))
		return false;
	if (asprintf(&name, "%s\n%s", section, key) < 0) {
		config_oom(ld, file, line);
		return true;
	}
	uint32_t hash = hash_name(name);
	if (s->cap) {
		struct config_seen_slot *slot = find_slot(s->v, s->cap, hash, name);
		if (slot->name) {
			diag_add(
			        ld->diags, file, line,
			        "%s= given again in [%s] (first on line %u); a key may appear once "
			        "per section of a file",
			        key, section, slot->line);
			free(name);
			return true;
		}
	}
	if ((s->n + 1) * 2 > s->cap && grow(s) < 0) {
		free(name);
		config_oom(ld, file, line);
		return true;
	}
	*find_slot(s->v, s->cap, hash, name) = (struct config_seen_slot){ name, hash, line };
	s->n++;
	return false;
}
