/* Compiled patterns shared between engines (see codecache.h). */
#include "filter/codecache.h"

#include <pthread.h>
#include <stdlib.h>
#include <string.h>

#include "filter/anchor-split.h"

struct code_ref {
	struct code_ref *next; /* in its bucket */
	pcre2_code *code;      /* NULL until first asked for */
	size_t refs;
	uint64_t hash;
	int kind;
	char *src;             /* CODE_PLAIN: the key, owned (the engines' pattern source) */
	struct code_ref *base; /* CODE_HEAD, CODE_TAIL: the plain entry (one reference) */
};

static pthread_mutex_t lock = PTHREAD_MUTEX_INITIALIZER;
static struct code_ref **table;
static size_t nbuckets, nentries, nrefs, ncompiled;

static uint64_t hash_of(const char *src, int kind)
{
	uint64_t h = 1469598103934665603u ^ (uint64_t)kind; /* FNV-1a */
	for (const unsigned char *p = (const unsigned char *)src; *p; p++)
		h = (h ^ *p) * 1099511628211u;
	return h;
}

/* Where the entry of (src, kind) is or would go; a head or tail is keyed
 * by its plain entry (one per source text). */
static struct code_ref **find(const char *src, const struct code_ref *base, int kind, uint64_t h)
{
	struct code_ref **pp = &table[h % nbuckets];
	for (; *pp; pp = &(*pp)->next)
		if ((*pp)->hash == h && (*pp)->kind == kind &&
		    (base ? (*pp)->base == base : strcmp((*pp)->src, src) == 0))
			break;
	return pp;
}

/* Double the table when it is as full as it has buckets. */
static int grow(void)
{
	size_t n = nbuckets ? nbuckets * 2 : 1024;
	struct code_ref **t = calloc(n, sizeof(*t));
	if (!t)
		return -1;
	for (size_t b = 0; b < nbuckets; b++)
		for (struct code_ref *x = table[b], *next; x; x = next) {
			next = x->next;
			x->next = t[x->hash % n];
			t[x->hash % n] = x;
		}
	free(table);
	table = t;
	nbuckets = n;
	return 0;
}

/* Under the lock: the entry of (src or base, kind) with one more
 * reference, a new one holding `own` (the plain source, given to it) when
 * there is none.  *ret_found says which. */
static struct code_ref *take(const char *src, struct code_ref *base, int kind, char *own,
                             int *ret_found)
{
	uint64_t h = hash_of(src, kind);
	*ret_found = 0;
	if (nentries >= nbuckets && grow() < 0 && nbuckets == 0)
		return NULL;
	struct code_ref **pp = find(src, base, kind, h);
	if (*pp) {
		(*pp)->refs++;
		nrefs++;
		*ret_found = 1;
		return *pp;
	}
	struct code_ref *x = malloc(sizeof(*x));
	if (!x)
		return NULL;
	*x = (struct code_ref){ .refs = 1, .hash = h, .kind = kind, .src = own, .base = base };
	if (base)
		base->refs++; /* the cache's own: not counted in nrefs */
	*pp = x;
	nentries++;
	nrefs++;
	return x;
}

struct code_ref *code_cache_ref(char **src)
{
	int found;
	pthread_mutex_lock(&lock);
	struct code_ref *x = take(*src, NULL, CODE_PLAIN, *src, &found);
	if (x && found) {
		free(*src);
		*src = x->src;
	}
	pthread_mutex_unlock(&lock);
	return x;
}

struct code_ref *code_cache_ref_split(struct code_ref *plain, int kind)
{
	int found;
	pthread_mutex_lock(&lock);
	struct code_ref *x = take(plain->src, plain, kind, NULL, &found);
	pthread_mutex_unlock(&lock);
	return x;
}

const char *code_cache_src(const struct code_ref *ref)
{
	return ref->base ? ref->base->src : ref->src;
}

static pcre2_code *compile(const char *src)
{
	int err;
	PCRE2_SIZE off;
	return pcre2_compile((PCRE2_SPTR)src, PCRE2_ZERO_TERMINATED, FILTER_PCRE2_OPTIONS, &err,
	                     &off, NULL);
}

pcre2_code *code_cache_get(struct code_ref *x)
{
	pthread_mutex_lock(&lock);
	if (!x->code) {
		if (x->kind == CODE_PLAIN) {
			x->code = compile(x->src);
		} else {
			char *hs = NULL, *ts = NULL;
			if (anchor_split(x->base->src, &hs, &ts) > 0)
				x->code = compile(x->kind == CODE_HEAD ? hs : ts);
			free(hs);
			free(ts);
		}
		ncompiled += x->code != NULL;
	}
	pcre2_code *code = x->code;
	pthread_mutex_unlock(&lock);
	return code;
}

/* Under the lock: drop one reference to x (an engine's when counted, else
 * a head's or tail's to its base), and x's to its base with x. */
static void unref_locked(struct code_ref *x, int counted)
{
	nrefs -= (size_t)counted;
	if (--x->refs > 0)
		return;
	struct code_ref **pp = &table[x->hash % nbuckets];
	while (*pp != x)
		pp = &(*pp)->next;
	*pp = x->next;
	nentries--;
	ncompiled -= x->code != NULL;
	pcre2_code_free(x->code);
	if (x->base)
		unref_locked(x->base, 0);
	free(x->src);
	free(x);
}

void code_cache_unref(struct code_ref *x)
{
	if (!x)
		return;
	pthread_mutex_lock(&lock);
	unref_locked(x, 1);
	pthread_mutex_unlock(&lock);
}

void code_cache_stats(size_t *ret_codes, size_t *ret_refs)
{
	pthread_mutex_lock(&lock);
	*ret_codes = nentries;
	*ret_refs = nrefs;
	pthread_mutex_unlock(&lock);
}

size_t code_cache_compiled(void)
{
	pthread_mutex_lock(&lock);
	size_t n = ncompiled;
	pthread_mutex_unlock(&lock);
	return n;
}

int code_cache_jit(pcre2_code *code)
{
	pthread_mutex_lock(&lock);
	int r = pcre2_jit_compile(code, PCRE2_JIT_COMPLETE);
	pthread_mutex_unlock(&lock);
	return r;
}
