/* Distinct literal sets (setmap.h): an open-addressing hash table keyed
 * by the input kind and the sorted literals. */
#include "filter/setmap.h"

#include <errno.h>
#include <stdlib.h>
#include <string.h>

struct set_entry {
	char *key; /* input byte, then the sorted literals, each ended by '\1' */
	size_t len;
	uint64_t hash;
	uint32_t id;
};

struct set_map {
	struct set_entry *v; /* cap entries, key NULL: empty */
	size_t cap, n;
};

struct set_map *set_map_new(void)
{
	return calloc(1, sizeof(struct set_map));
}

void set_map_free(struct set_map *m)
{
	if (!m)
		return;
	for (size_t i = 0; i < m->cap; i++)
		free(m->v[i].key);
	free(m->v);
	free(m);
}

size_t set_map_count(const struct set_map *m)
{
	return m->n;
}

static int cmp_str(const void *a, const void *b)
{
	return strcmp(*(char *const *)a, *(char *const *)b);
}

static uint64_t fnv(const char *s, size_t n)
{
	uint64_t h = 14695981039346656037u;
	for (size_t i = 0; i < n; i++)
		h = (h ^ (unsigned char)s[i]) * 1099511628211u;
	return h;
}

/* The key of (input, ls), malloc'ed. */
static char *make_key(int input, const struct lit_set *ls, size_t *ret_len)
{
	const char **v = malloc((ls->n ? ls->n : 1) * sizeof(*v));
	size_t len = 1;
	if (!v)
		return NULL;
	for (size_t i = 0; i < ls->n; i++) {
		v[i] = ls->v[i];
		len += strlen(v[i]) + 1;
	}
	qsort(v, ls->n, sizeof(*v), cmp_str);
	char *key = malloc(len + 1), *p = key;
	if (key) {
		*p++ = (char)('0' + input);
		for (size_t i = 0; i < ls->n; i++) {
			size_t l = strlen(v[i]);
			memcpy(p, v[i], l);
			p += l;
			*p++ = '\1';
		}
		*p = '\0';
	}
	free(v);
	*ret_len = len;
	return key;
}

static int grow(struct set_map *m)
{
	size_t cap = m->cap ? m->cap * 2 : 256;
	struct set_entry *v = calloc(cap, sizeof(*v));
	if (!v)
		return -ENOMEM;
	for (size_t i = 0; i < m->cap; i++) {
		if (!m->v[i].key)
			continue;
		size_t j = m->v[i].hash & (cap - 1);
		while (v[j].key)
			j = (j + 1) & (cap - 1);
		v[j] = m->v[i];
	}
	free(m->v);
	m->v = v;
	m->cap = cap;
	return 0;
}

int set_map_id(struct set_map *m, int input, const struct lit_set *ls, uint32_t *ret_id,
               int *ret_new)
{
	size_t len;
	char *key;
	if (2 * (m->n + 1) > m->cap && grow(m) < 0)
		return -ENOMEM;
	if (!(key = make_key(input, ls, &len)))
		return -ENOMEM;
	uint64_t h = fnv(key, len);
	size_t j = h & (m->cap - 1);
	for (; m->v[j].key; j = (j + 1) & (m->cap - 1)) {
		if (m->v[j].hash == h && m->v[j].len == len && memcmp(m->v[j].key, key, len) == 0) {
			free(key);
			*ret_id = m->v[j].id;
			*ret_new = 0;
			return 0;
		}
	}
	m->v[j] = (struct set_entry){ key, len, h, (uint32_t)m->n++ };
	*ret_id = m->v[j].id;
	*ret_new = 1;
	return 0;
}
