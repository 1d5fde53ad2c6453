/* Prefilter plans shared between engines (see prefcache.h). */
#include "filter/prefcache.h"

#include <pthread.h>
#include <stdlib.h>
#include <string.h>

#include "filter/aho.h"

static pthread_mutex_t lock = PTHREAD_MUTEX_INITIALIZER;
/* A handful at most (an engine and the one a reload builds): a list. */
static struct prefilter_plan *plans;
static size_t nplans, nrefs;

static uint64_t hash_key(const void *const *src, const uint8_t *tag, size_t n)
{
	uint64_t h = 1469598103934665603u ^ n; /* FNV-1a over pointers and tags */
	for (size_t i = 0; i < n; i++) {
		uintptr_t p = (uintptr_t)src[i];
		for (size_t b = 0; b < sizeof(p); b++, p >>= 8)
			h = (h ^ (p & 0xff)) * 1099511628211u;
		h = (h ^ tag[i]) * 1099511628211u;
	}
	return h;
}

static void plan_free(struct prefilter_plan *p)
{
	aho_free(p->aho[0]);
	aho_free(p->aho[1]);
	free(p->slot);
	free(p->fan_off);
	free(p->fan);
	free(p->src);
	free(p->tag);
	free(p);
}

struct prefilter_plan *prefilter_plan_new(const void *const *src, const uint8_t *tag, size_t n)
{
	struct prefilter_plan *p = calloc(1, sizeof(*p));
	if (!p)
		return NULL;
	p->nslots = n;
	p->slot = calloc(n ? n : 1, sizeof(*p->slot));
	p->src = malloc((n ? n : 1) * sizeof(*p->src));
	p->tag = malloc(n ? n : 1);
	if (!p->slot || !p->src || !p->tag) {
		plan_free(p);
		return NULL;
	}
	memcpy(p->src, src, n * sizeof(*src));
	memcpy(p->tag, tag, n);
	p->hash = hash_key(src, tag, n);
	return p;
}

struct prefilter_plan *prefilter_plan_find(const void *const *src, const uint8_t *tag, size_t n)
{
	uint64_t h = hash_key(src, tag, n);
	struct prefilter_plan *p;
	pthread_mutex_lock(&lock);
	for (p = plans; p; p = p->next)
		if (p->hash == h && p->nslots == n && memcmp(p->src, src, n * sizeof(*src)) == 0 &&
		    memcmp(p->tag, tag, n) == 0)
			break;
	if (p) {
		p->refs++;
		nrefs++;
	}
	pthread_mutex_unlock(&lock);
	return p;
}

void prefilter_plan_share(struct prefilter_plan *p)
{
	pthread_mutex_lock(&lock);
	p->refs = 1;
	p->next = plans;
	plans = p;
	nplans++;
	nrefs++;
	pthread_mutex_unlock(&lock);
}

void prefilter_plan_drop(struct prefilter_plan *p)
{
	if (!p)
		return;
	pthread_mutex_lock(&lock);
	struct prefilter_plan **pp = &plans;
	while (*pp && *pp != p)
		pp = &(*pp)->next;
	if (!*pp) {
		/* never shared: the caller's alone */
		pthread_mutex_unlock(&lock);
		plan_free(p);
		return;
	}
	nrefs--;
	if (--p->refs == 0) {
		*pp = p->next;
		nplans--;
	} else {
		p = NULL;
	}
	pthread_mutex_unlock(&lock);
	if (p)
		plan_free(p);
}

void prefilter_plan_stats(size_t *ret_plans, size_t *ret_refs)
{
	pthread_mutex_lock(&lock);
	*ret_plans = nplans;
	*ret_refs = nrefs;
	pthread_mutex_unlock(&lock);
}
