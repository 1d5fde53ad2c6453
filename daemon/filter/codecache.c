/* Compiled patterns shared between engines (see codecache.h). */
#include "filter/codecache.h"

#include <pthread.h>
#include <stdlib.h>
#include <string.h>

struct entry {
	struct entry *next;
	pcre2_code *code;
	size_t refs;
	uint64_t hash;
	int kind;
	char *src; /* the key; owned (for CODE_PLAIN, the engines' pattern source) */
};

static pthread_mutex_t lock = PTHREAD_MUTEX_INITIALIZER;
static struct entry **table;
static size_t nbuckets, nentries, nrefs;

static uint64_t hash_of(const char *src, int kind)
{
	uint64_t h = 1469598103934665603u ^ (uint64_t)kind; /* FNV-1a */
	for (const unsigned char *p = (const unsigned char *)src; *p; p++)
		h = (h ^ *p) * 1099511628211u;
	return h;
}

static struct entry **find(const char *src, int kind, uint64_t h)
{
	struct entry **pp = &table[h % nbuckets];
	for (; *pp; pp = &(*pp)->next)
		if ((*pp)->hash == h && (*pp)->kind == kind && strcmp((*pp)->src, src) == 0)
			break;
	return pp;
}

/* Double the table when it is as full as it has buckets. */
static int grow(void)
{
	size_t n = nbuckets ? nbuckets * 2 : 1024;
	struct entry **t = calloc(n, sizeof(*t));
	if (!t)
		return -1;
	for (size_t b = 0; b < nbuckets; b++)
		for (struct entry *x = table[b], *next; x; x = next) {
			next = x->next;
			x->next = t[x->hash % n];
			t[x->hash % n] = x;
		}
	free(table);
	table = t;
	nbuckets = n;
	return 0;
}

static pcre2_code *share(char **srcp, const char *src, int kind, pcre2_code *code)
{
	uint64_t h = hash_of(src, kind);
	pcre2_code *ret = NULL;
	pthread_mutex_lock(&lock);
	if (nentries >= nbuckets && grow() < 0 && nbuckets == 0)
		goto out;
	struct entry **pp = find(src, kind, h);
	if (*pp) {
		(*pp)->refs++;
		nrefs++;
		ret = (*pp)->code;
		if (srcp) {
			free(*srcp);
			*srcp = (*pp)->src;
		}
		goto out;
	}
	struct entry *x = malloc(sizeof(*x));
	char *key = srcp ? *srcp : strdup(src);
	if (!x || !key) {
		free(x);
		if (!srcp)
			free(key);
		goto out;
	}
	*x = (struct entry){ .code = code, .refs = 1, .hash = h, .kind = kind, .src = key };
	*pp = x;
	nentries++;
	nrefs++;
	ret = code;
out:
	pthread_mutex_unlock(&lock);
	if (ret != code)
		pcre2_code_free(code);
	return ret;
}

pcre2_code *code_cache_share(const char *src, int kind, pcre2_code *code)
{
	return share(NULL, src, kind, code);
}

pcre2_code *code_cache_share_plain(char **src, pcre2_code *code)
{
	return share(src, *src, CODE_PLAIN, code);
}

/* Drop one reference; 1 when src is the cached entry's key (the caller
 * gave it up). */
static int drop(const char *src, int kind, pcre2_code *code)
{
	int cached = 0;
	if (!code)
		return 0;
	pthread_mutex_lock(&lock);
	struct entry **pp = nbuckets ? find(src, kind, hash_of(src, kind)) : NULL;
	if (pp && *pp && (*pp)->code == code) {
		cached = (*pp)->src == src;
		nrefs--;
		if (--(*pp)->refs == 0) {
			struct entry *x = *pp;
			*pp = x->next;
			nentries--;
			pcre2_code_free(x->code);
			free(x->src);
			free(x);
		}
		code = NULL;
	}
	pthread_mutex_unlock(&lock);
	pcre2_code_free(code); /* not cached (cannot be): the caller's own */
	return cached;
}

void code_cache_drop(const char *src, int kind, pcre2_code *code)
{
	drop(src, kind, code);
}

void code_cache_drop_plain(char **src, pcre2_code *code)
{
	if (drop(*src, CODE_PLAIN, code))
		*src = NULL;
}

void code_cache_stats(size_t *ret_codes, size_t *ret_refs)
{
	pthread_mutex_lock(&lock);
	*ret_codes = nentries;
	*ret_refs = nrefs;
	pthread_mutex_unlock(&lock);
}

int code_cache_jit(pcre2_code *code)
{
	pthread_mutex_lock(&lock);
	int r = pcre2_jit_compile(code, PCRE2_JIT_COMPLETE);
	pthread_mutex_unlock(&lock);
	return r;
}
