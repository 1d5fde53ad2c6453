/* Distinct literal sets (setmap.h): an open-addressing hash table keyed
 * by the input kind and the literals in any order. */
#include "filter/setmap.h"

#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "filter/hash.h"

struct set_entry {
	char *key; /* make_key(): input byte, then the literals, each ended by '\1' */
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

/* A hash of the set that does not depend on the order of its literals (a
 * sum of their mixed hashes), so that a set is not sorted to be looked up:
 * sorting a lexicon's hundreds of literals for every set was most of the
 * map's cost.  Only sets with equal hashes are sorted, to compare them. */
static uint64_t set_hash(int input, const struct lit_set *ls, size_t *ret_len)
{
	uint64_t h = 0x9E3779B97F4A7C15u * (uint64_t)(ls->n + 1) + (uint64_t)input;
	size_t len = 1;
	for (size_t i = 0; i < ls->n; i++) {
		size_t l = strlen(ls->v[i]);
		h += filter_hash_bytes(ls->v[i], l, 0);
		len += l + 1;
	}
	*ret_len = len;
	return h;
}

/* The key of (input, ls), malloc'ed: the input byte, then the literals in
 * their order, each ended by '\1'. */
static char *make_key(int input, const struct lit_set *ls, size_t len)
{
	char *key = malloc(len + 1), *p = key;
	if (!key)
		return NULL;
	*p++ = (char)('0' + input);
	for (size_t i = 0; i < ls->n; i++) {
		size_t l = strlen(ls->v[i]);
		memcpy(p, ls->v[i], l);
		p += l;
		*p++ = '\1';
	}
	*p = '\0';
	return key;
}

/* Is the set of key (make_key()) the set (input, ls), in any order? */
static int same_set(const char *key, int input, const struct lit_set *ls)
{
	if (key[0] != (char)('0' + input))
		return 0;
	/* Nearly always the same set in the same order (a lexicon's set
	 * copied from the memo into every pattern naming it): compared as
	 * it is, without sorting two copies of hundreds of literals. */
	const char *k = key + 1;
	size_t in_order = 0;
	for (; in_order < ls->n; in_order++) {
		size_t l = strlen(ls->v[in_order]);
		if (strncmp(k, ls->v[in_order], l) != 0 || k[l] != '\1')
			break;
		k += l + 1;
	}
	if (in_order == ls->n && *k == '\0')
		return 1;
	const char **a = malloc((ls->n ? ls->n : 1) * sizeof(*a));
	char *copy = strdup(key + 1), **b = malloc((ls->n ? ls->n : 1) * sizeof(*b));
	size_t nb = 0;
	int same = a && b && copy;
	for (char *p = copy, *q; same && (q = strchr(p, '\1')); p = q + 1) {
		*q = '\0';
		if (nb == ls->n)
			same = 0;
		else
			b[nb++] = p;
	}
	same = same && nb == ls->n;
	if (same) {
		memcpy(a, ls->v, ls->n * sizeof(*a));
		qsort(a, ls->n, sizeof(*a), cmp_str);
		qsort(b, nb, sizeof(*b), cmp_str);
		for (size_t i = 0; same && i < nb; i++)
			same = strcmp(a[i], b[i]) == 0;
	}
	free(a);
	free(b);
	free(copy);
	return same;
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
	if (2 * (m->n + 1) > m->cap && grow(m) < 0)
		return -ENOMEM;
	uint64_t h = set_hash(input, ls, &len);
	size_t j = h & (m->cap - 1);
	for (; m->v[j].key; j = (j + 1) & (m->cap - 1)) {
		if (m->v[j].hash == h && m->v[j].len == len && same_set(m->v[j].key, input, ls)) {
			*ret_id = m->v[j].id;
			*ret_new = 0;
			return 0;
		}
	}
	char *key = make_key(input, ls, len);
	if (!key)
		return -ENOMEM;
	m->v[j] = (struct set_entry){ key, len, h, (uint32_t)m->n++ };
	*ret_id = m->v[j].id;
	*ret_new = 1;
	return 0;
}
