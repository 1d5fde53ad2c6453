/* Compiled patterns shared between engines (see codecache.h). */
#include "filter/codecache.h"

#include <errno.h>
#include <pthread.h>
#include <stdlib.h>
#include <string.h>

#include "filter/anchor-split.h"
#include "filter/hash.h"
#include "filter/memacct.h"

/* A pattern source is kept packed: its outermost groups of CHUNK_MIN
 * bytes or more are chunks, each held once however many sources (and
 * larger chunks) contain it, and packed the same way inside, so a
 * lexicon's trie named by forty patterns, alone or wrapped in groups of
 * their own, is one chunk.  How a group is packed depends only on its
 * text.  Nothing but the text is read here: a wrong reading of a group
 * only changes where chunks begin, never the text (unpack() gives back
 * every byte; test-engine.c). */
#define CHUNK_MIN 256

struct packed;
struct chunk {
	struct chunk *next;  /* in its bucket */
	struct chunk *pnext; /* in its bucket of the prefix index */
	size_t refs;
	uint64_t hash, phash;
	struct packed *pk; /* its text, packed inside its outer parentheses */
};

/* Text as segments: seg[i] is a chunk, or (chunk NULL) len bytes of own
 * text, in order from own. */
struct seg {
	struct chunk *c;
	size_t len;
};
struct packed {
	size_t len, nseg; /* the text's length; its segments */
	char *own;
	struct seg seg[];
};

struct code_ref {
	struct code_ref *next; /* in its bucket */
	pcre2_code *code;      /* NULL until first asked for */
	pcre2_code *spare;     /* CODE_PLAIN: compiled by a caller, not asked for yet */
	size_t users;          /* code_cache_get() calls not given back (code_cache_put()) */
	size_t refs;
	uint64_t hash;
	int kind;
	struct packed *src;    /* CODE_PLAIN: the key */
	struct code_ref *base; /* CODE_HEAD, CODE_TAIL: the plain entry (one reference) */
};

static pthread_mutex_t lock = PTHREAD_MUTEX_INITIALIZER;
static struct code_ref **table;
static size_t nbuckets, nentries, nrefs, ncompiled, nspares;
static struct chunk **chunks;
static size_t nchunk_buckets, nchunks;
/* The chunks again, by the hash of their first CHUNK_KEY bytes (as many
 * buckets): find_chunks() takes a group that is a chunk already whole,
 * without reading it.  A source holds its lexicons' tries (tens of KB),
 * most of them chunks of earlier sources: reading them byte by byte at
 * every level, and hashing them to find their chunk, was most of the
 * 100 M instructions packing the shipped rules' sources took. */
#define CHUNK_KEY 64
static struct chunk **pchunks;

static uint64_t hash_of(const char *src, int kind)
{
	return filter_hash_bytes(src, strlen(src), (uint64_t)kind);
}

static struct packed *pack(const char *src, size_t len, int inside);

static uint64_t prefix_hash(const char *text)
{
	return filter_hash_bytes(text, CHUNK_KEY, 1);
}
static void packed_free(struct packed *pk);
static int packed_eq(const struct packed *pk, const char *src, size_t len);

/* Under the lock: the chunk of text[0..n) (a group) with one more
 * reference. */
static struct chunk *chunk_take(const char *text, size_t n)
{
	uint64_t h = filter_hash_bytes(text, n, 0);
	if (nchunks >= nchunk_buckets) {
		size_t nb = nchunk_buckets ? nchunk_buckets * 2 : 256;
		struct chunk **t = calloc(nb, sizeof(*t)), **pt = calloc(nb, sizeof(*pt));
		if (!t || !pt) {
			free(t);
			free(pt);
			t = pt = NULL;
			if (nchunk_buckets == 0)
				return NULL;
		}
		for (size_t b = 0; t && b < nchunk_buckets; b++) {
			for (struct chunk *x = chunks[b], *next; x; x = next) {
				next = x->next;
				x->next = t[x->hash % nb];
				t[x->hash % nb] = x;
			}
			for (struct chunk *x = pchunks[b], *next; x; x = next) {
				next = x->pnext;
				x->pnext = pt[x->phash % nb];
				pt[x->phash % nb] = x;
			}
		}
		if (t) {
			free(chunks);
			free(pchunks);
			chunks = t;
			pchunks = pt;
			nchunk_buckets = nb;
		}
	}
	for (struct chunk *c = chunks[h % nchunk_buckets]; c; c = c->next)
		if (c->hash == h && packed_eq(c->pk, text, n)) {
			c->refs++;
			return c;
		}
	struct chunk *c = malloc(sizeof(*c));
	if (!c || !(c->pk = pack(text, n, 1))) {
		free(c);
		return NULL;
	}
	c->refs = 1;
	c->hash = h;
	c->phash = prefix_hash(text); /* a chunk has CHUNK_MIN bytes */
	/* packing took chunks of its own, which may have grown the table */
	c->next = chunks[h % nchunk_buckets];
	chunks[h % nchunk_buckets] = c;
	c->pnext = pchunks[c->phash % nchunk_buckets];
	pchunks[c->phash % nchunk_buckets] = c;
	nchunks++;
	return c;
}

/* Under the lock: the chunk whose text src[0..) begins with (src[0] is
 * a '(' read outside any group and class), or NULL.  Read from that
 * state, a chunk's text ends where its group closes, so it is the group
 * find_chunks() would find there, and at most one chunk fits. */
static struct chunk *chunk_at(const char *src, size_t left)
{
	if (left < CHUNK_MIN || nchunks == 0)
		return NULL;
	const uint64_t ph = prefix_hash(src);
	for (struct chunk *c = pchunks[ph % nchunk_buckets]; c; c = c->pnext)
		if (c->phash == ph && c->pk->len <= left && packed_eq(c->pk, src, c->pk->len))
			return c;
	return NULL;
}

static void chunk_drop(struct chunk *c)
{
	if (--c->refs > 0)
		return;
	struct chunk **pp = &chunks[c->hash % nchunk_buckets];
	while (*pp != c)
		pp = &(*pp)->next;
	*pp = c->next;
	pp = &pchunks[c->phash % nchunk_buckets];
	while (*pp != c)
		pp = &(*pp)->pnext;
	*pp = c->pnext;
	nchunks--;
	packed_free(c->pk);
	free(c);
}

static void packed_free(struct packed *pk)
{
	if (!pk)
		return;
	for (size_t i = 0; i < pk->nseg; i++)
		if (pk->seg[i].c)
			chunk_drop(pk->seg[i].c);
	free(pk); /* own text included */
}

/* Room in *v for chunk n (three values each).  0 or -ENOMEM. */
static int chunk_room(size_t **v, size_t n, size_t *cap)
{
	if (n < *cap)
		return 0;
	size_t c = *cap ? 2 * *cap : 16;
	size_t *nv = realloc(*v, c * 3 * sizeof(**v));
	if (!nv)
		return -ENOMEM;
	*v = nv;
	*cap = c;
	return 0;
}

/* The outermost groups of src[0..len) of CHUNK_MIN bytes or more: start
 * and end of each and the chunk it is already (chunk_at(), else 0), in
 * order, into a new array (*ret_n of them).  0 or -ENOMEM. */
static int find_chunks(const char *src, size_t len, size_t **ret_v, size_t *ret_n)
{
	size_t open = 0, *v = NULL, n = 0, cap = 0;
	int depth = 0, cls = 0;
	struct chunk *known;
	for (size_t i = 0; i < len; i++) {
		/* most bytes are letters: on to the next that matters (bit 1
		 * outside a class, bit 2 inside), many bytes a step (strcspn():
		 * byte by byte this loop was 56 M of the 1,374 M instructions
		 * building the shipped rules' engine, a lexicon's trie being
		 * read again at each level of chunks).  It stops within the
		 * text: src[len] is the source's NUL or a chunk's own ')'. */
		i += strcspn(src + i, cls ? "\\[]" : "\\[()");
		if (i >= len)
			break;
		char c = src[i];
		if (c == '\\') {
			if (i + 1 < len && src[i + 1] == 'Q')
				break; /* \Q…\E: not read; the rest is the text's own */
			i++;
			continue;
		}
		if (cls) {
			if (c == '[' && i + 1 < len && src[i + 1] == ':') {
				const char *e = memmem(src + i + 2, len - i - 2, ":]", 2);
				if (e)
					i = (size_t)(e - src) + 1;
			} else if (c == ']') {
				cls = 0;
			}
			continue;
		}
		if (c == '[') {
			cls = 1;
			if (i + 1 < len && src[i + 1] == '^')
				i++;
			if (i + 1 < len && src[i + 1] == ']')
				i++;
		} else if (c == '(' && depth == 0 && (known = chunk_at(src + i, len - i))) {
			if (chunk_room(&v, n, &cap) < 0) {
				free(v);
				return -ENOMEM;
			}
			v[3 * n] = i;
			v[3 * n + 1] = i + known->pk->len;
			v[3 * n + 2] = (size_t)(uintptr_t)known;
			n++;
			i += known->pk->len - 1;
		} else if (c == '(') {
			if (depth++ == 0)
				open = i;
		} else if (c == ')' && depth > 0 && --depth == 0 && i + 1 - open >= CHUNK_MIN) {
			if (chunk_room(&v, n, &cap) < 0) {
				free(v);
				return -ENOMEM;
			}
			v[3 * n] = open;
			v[3 * n + 1] = i + 1;
			v[3 * n + 2] = 0;
			n++;
		}
	}
	*ret_v = v;
	*ret_n = n;
	return 0;
}

/* Under the lock: src[0..len) packed (struct packed), or NULL.  Inside
 * (a chunk's text, a group): only the groups within its parentheses are
 * chunks. */
static struct packed *pack(const char *src, size_t len, int inside)
{
	size_t *at = NULL, n = 0, skip = inside ? 1 : 0;
	if (len < 2 * skip || find_chunks(src + skip, len - 2 * skip, &at, &n) < 0)
		return NULL;
	for (size_t k = 0; k < n; k++) {
		at[3 * k] += skip;
		at[3 * k + 1] += skip;
	}
	size_t ownlen = len;
	for (size_t k = 0; k < n; k++)
		ownlen -= at[3 * k + 1] - at[3 * k];
	/* the own text after the segments, in the same block: one block a
	 * source, not two (ten times the rules hold 28,000 sources) */
	struct packed *pk =
	        calloc(1, sizeof(*pk) + (2 * n + 1) * sizeof(struct seg) + (ownlen ? ownlen : 1));
	if (!pk) {
		free(at);
		return NULL;
	}
	pk->own = (char *)&pk->seg[2 * n + 1];
	pk->len = len;
	size_t pos = 0, o = 0;
	for (size_t k = 0; k <= n; k++) {
		size_t to = k < n ? at[3 * k] : len;
		if (to > pos) {
			memcpy(pk->own + o, src + pos, to - pos);
			o += to - pos;
			pk->seg[pk->nseg++] = (struct seg){ NULL, to - pos };
		}
		if (k == n)
			break;
		struct chunk *c = (struct chunk *)(uintptr_t)at[3 * k + 2];
		if (c)
			c->refs++; /* found whole by find_chunks() */
		else
			c = chunk_take(src + at[3 * k], at[3 * k + 1] - at[3 * k]);
		if (!c) {
			packed_free(pk);
			free(at);
			return NULL;
		}
		pk->seg[pk->nseg++] = (struct seg){ c, c->pk->len };
		pos = at[3 * k + 1];
	}
	free(at);
	return pk;
}

/* Write the text of pk to out (pk->len bytes). */
static void unpack_into(const struct packed *pk, char *out)
{
	const char *own = pk->own;
	for (size_t i = 0; i < pk->nseg; i++) {
		const struct seg *g = &pk->seg[i];
		if (g->c) {
			unpack_into(g->c->pk, out);
		} else {
			memcpy(out, own, g->len);
			own += g->len;
		}
		out += g->len;
	}
}

/* The text of pk, a new string, or NULL. */
static char *unpack(const struct packed *pk)
{
	char *s = malloc(pk->len + 1);
	if (!s)
		return NULL;
	unpack_into(pk, s);
	s[pk->len] = '\0';
	return s;
}

static int packed_eq(const struct packed *pk, const char *src, size_t len)
{
	const char *own = pk->own;
	if (pk->len != len)
		return 0;
	for (size_t i = 0; i < pk->nseg; i++) {
		const struct seg *g = &pk->seg[i];
		if (g->c ? !packed_eq(g->c->pk, src, g->len) : memcmp(src, own, g->len) != 0)
			return 0;
		if (!g->c)
			own += g->len;
		src += g->len;
	}
	return 1;
}

/* Where the entry of (src, kind) is or would go; a head or tail is keyed
 * by its plain entry (one per source text). */
static struct code_ref **find(const char *src, const struct code_ref *base, int kind, uint64_t h)
{
	struct code_ref **pp = &table[h % nbuckets];
	for (; *pp; pp = &(*pp)->next)
		if ((*pp)->hash == h && (*pp)->kind == kind &&
		    (base ? (*pp)->base == base : packed_eq((*pp)->src, src, strlen(src))))
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
 * reference; a new one (a plain one with src packed) when there is none. */
static struct code_ref *take(const char *src, struct code_ref *base, int kind)
{
	uint64_t h = hash_of(src, kind);
	if (nentries >= nbuckets && grow() < 0 && nbuckets == 0)
		return NULL;
	struct code_ref **pp = find(src, base, kind, h);
	if (*pp) {
		(*pp)->refs++;
		nrefs++;
		return *pp;
	}
	struct code_ref *x = malloc(sizeof(*x));
	struct packed *pk = base ? NULL : pack(src, strlen(src), 0);
	if (!x || (!base && !pk)) {
		free(x);
		packed_free(pk);
		return NULL;
	}
	*x = (struct code_ref){ .refs = 1, .hash = h, .kind = kind, .src = pk, .base = base };
	if (base)
		base->refs++; /* the cache's own: not counted in nrefs */
	*pp = x;
	nentries++;
	nrefs++;
	return x;
}

struct code_ref *code_cache_ref(const char *src)
{
	pthread_mutex_lock(&lock);
	struct code_ref *x = take(src, NULL, CODE_PLAIN);
	pthread_mutex_unlock(&lock);
	return x;
}

struct code_ref *code_cache_ref_split(struct code_ref *plain, int kind, const char *src)
{
	pthread_mutex_lock(&lock);
	struct code_ref *x = take(src, plain, kind);
	pthread_mutex_unlock(&lock);
	return x;
}

char *code_cache_source(const struct code_ref *ref)
{
	pthread_mutex_lock(&lock);
	char *s = unpack(ref->base ? ref->base->src : ref->src);
	pthread_mutex_unlock(&lock);
	return s;
}

static pcre2_code *compile(const char *src)
{
	int err;
	PCRE2_SIZE off;
	return pcre2_compile((PCRE2_SPTR)src, PCRE2_ZERO_TERMINATED, FILTER_PCRE2_OPTIONS, &err,
	                     &off, NULL);
}

/* Under the lock: the entry's code compiled afresh, or NULL. */
static pcre2_code *compile_entry(const struct code_ref *x)
{
	pcre2_code *code = NULL;
	char *src = unpack(x->base ? x->base->src : x->src);
	if (src && x->kind == CODE_PLAIN) {
		code = compile(src);
	} else if (src) {
		char *hs = NULL, *ts = NULL;
		if (anchor_split(src, &hs, &ts) > 0)
			code = compile(x->kind == CODE_HEAD ? hs : ts);
		free(hs);
		free(ts);
	}
	free(src);
	return code;
}

pcre2_code *code_cache_get(struct code_ref *x)
{
	pthread_mutex_lock(&lock);
	if (!x->code) {
		/* a caller's check compiled it already: that code */
		x->code = x->spare ? x->spare : compile_entry(x);
		nspares -= x->spare != NULL;
		x->spare = NULL;
		ncompiled += x->code != NULL;
	}
	pcre2_code *code = x->code;
	x->users += code != NULL;
	pthread_mutex_unlock(&lock);
	return code;
}

void code_cache_put(struct code_ref *x)
{
	pthread_mutex_lock(&lock);
	if (x->users > 0 && --x->users == 0) {
		pcre2_code_free(x->code);
		x->code = NULL;
		ncompiled--;
	}
	pthread_mutex_unlock(&lock);
}

void code_cache_offer(struct code_ref *x, pcre2_code *code)
{
	if (!code)
		return;
	pthread_mutex_lock(&lock);
	if (x->kind == CODE_PLAIN && !x->code && !x->spare) {
		x->spare = code;
		nspares++;
		code = NULL;
	}
	pthread_mutex_unlock(&lock);
	pcre2_code_free(code);
}

void code_cache_drop_spares(void)
{
	pthread_mutex_lock(&lock);
	for (size_t b = 0; b < nbuckets && nspares; b++)
		for (struct code_ref *x = table[b]; x; x = x->next)
			if (x->spare) {
				pcre2_code_free(x->spare);
				x->spare = NULL;
				nspares--;
			}
	pthread_mutex_unlock(&lock);
}

size_t code_cache_spares(void)
{
	pthread_mutex_lock(&lock);
	size_t n = nspares;
	pthread_mutex_unlock(&lock);
	return n;
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
	nspares -= x->spare != NULL;
	pcre2_code_free(x->spare);
	if (x->base)
		unref_locked(x->base, 0);
	packed_free(x->src);
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

static size_t code_size(const pcre2_code *code, uint32_t what)
{
	size_t n = 0;
	if (code && pcre2_pattern_info(code, what, &n) != 0)
		n = 0;
	return n;
}

/* Under the lock: bytes of pk's own text and segments (its chunks are
 * counted once, from the chunk table). */
static size_t packed_bytes(const struct packed *pk)
{
	size_t own = 0, nc = 0;
	for (size_t i = 0; i < pk->nseg; i++) {
		own += pk->seg[i].c ? 0 : pk->seg[i].len;
		nc += pk->seg[i].c != NULL;
	}
	/* pack() asks for 2n + 1 segments for n chunks */
	return sizeof(*pk) + (2 * nc + 1) * sizeof(pk->seg[0]) + (own ? own : 1);
}

void code_cache_memory(struct code_cache_memory *m)
{
	memset(m, 0, sizeof(*m));
	pthread_mutex_lock(&lock);
	m->entries = (nbuckets + 2 * nchunk_buckets) * sizeof(void *) +
	             nentries * sizeof(struct code_ref) + nchunks * sizeof(struct chunk);
	for (size_t b = 0; b < nbuckets; b++)
		for (const struct code_ref *x = table[b]; x; x = x->next) {
			if (x->src)
				m->sources += packed_bytes(x->src);
			for (int k = 0; k < 2; k++) {
				const pcre2_code *c = k ? x->spare : x->code;
				m->code += code_size(c, PCRE2_INFO_SIZE);
				m->jit += code_size(c, PCRE2_INFO_JITSIZE);
				m->ncode += c != NULL;
			}
		}
	for (size_t b = 0; b < nchunk_buckets; b++)
		for (const struct chunk *c = chunks[b]; c; c = c->next)
			m->sources += packed_bytes(c->pk);
	pthread_mutex_unlock(&lock);
}
