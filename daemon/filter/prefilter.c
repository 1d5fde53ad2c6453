/* Required-literal extraction from PCRE2 patterns (see prefilter.h).
 *
 * A small recursive-descent reader of PCRE2 syntax.  For a sequence it
 * collects runs of adjacent literal characters; for a group it takes the
 * group's own requirement when the group must match at least once; for an
 * alternation it takes the union of the branches (any branch without a
 * requirement makes the whole alternation "always").  Of all requirements
 * of a sequence it keeps the one whose shortest literal is longest.
 *
 * The trap is being too clever: a literal that a match does not need makes
 * the prefilter drop real matches.  So anything unusual (backreferences,
 * verbs, conditionals, recursion, \c, \o, unknown escapes) gives up, and
 * under (?i) a letter counts only with every character PCRE2 matches for it
 * (prefilter_case_partners(): k also matches U+212A KELVIN SIGN, s U+017F
 * LONG S, å U+212B ANGSTROM SIGN, ö Ö); letters outside ASCII and Latin-1
 * end the run.  tests/unit/test-prefilter.c checks that table against
 * PCRE2 over every code point.
 */
#include "filter/prefilter.h"

#include <errno.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "filter/hash.h"
#include "filter/reach.h"
#include "filter/utf8.h"

struct px {
	const char *s;
	size_t pos, len;
	int icase, ext;
	int norm; /* PREFILTER_NORMALIZED: white space in the subject is one ' ' */
	int bail; /* syntax not understood: the result is "always" */
	int nomem;
	int depth;
	int maxdepth;                /* the deepest group nesting reached (memo entries) */
	int eager;                   /* PREFILTER_EAGER: no requirement is put off */
	struct prefilter_memo *memo; /* NULL: none */
	struct min_index *mx;        /* lit_set_minimize()'s, for the whole read (the memo's) */
	struct pending *pd;          /* parse_alt()'s, for the whole read (the memo's) */
	struct lit_arena *arena;     /* the memo's literals (NULL: each malloc()ed) */
};

struct min_index;
static void min_index_free(struct min_index *x);
struct lit_arena;

/* The current run of adjacent literal characters, as a few variants:
 * a small class such as [i1] multiplies them ("n[i1]g" is "nig" or "n1g"). */
#define RUN_MAX_VARIANTS 64
_Static_assert(RUN_MAX_VARIANTS <= PREFILTER_MAX_LITS, "a run's variants fit a set");
#define CLASS_MAX_CHARS 10 /* [0-9] fits: "contains a digit" is worth knowing */

struct run {
	char b[RUN_MAX_VARIANTS][PREFILTER_MAX_LIT_LEN + 1];
	size_t len[RUN_MAX_VARIANTS];
	size_t nv; /* 0 or 1 with len[0] == 0: empty */
	int full;  /* reached PREFILTER_MAX_LIT_LEN: nothing more is appended */
	int cut;   /* finish_run() was called: the run is not the whole sequence */
	/* As an exact result (a sequence's, an alternation's, a group's):
	 * its requirement was not made and is exactly the minimized set of
	 * these strings (req_of_exact()).  The caller usually appends the
	 * strings to its own run and drops the requirement: a lexicon's trie
	 * made and minimized a set of new literals at every level only to
	 * throw it away at the level above. */
	int lazy;
};

/* A literal of a set (lit_set.v[i] points at s).  Sets share them: a
 * lexicon's literals go up every level of its trie, into the memo and
 * into every pattern naming it, and a copy (a malloc(), a strlen(), a
 * hash and lit_freq()'s estimate each time) at every step was a third of
 * building the engine.  Only one thread uses a build's literals (as its
 * memo), so the count is a plain integer. */
struct lit {
	uint32_t refs;
	uint32_t len;
	union {
		size_t hash;           /* FNV-1a of the bytes (lit_new()) */
		struct lit *next_free; /* in an arena's list of free literals */
	};
	double freq; /* lit_freq(); < 0: not estimated yet */
	/* bit b % 64 of every byte b: a literal holds another only if it
	 * has all of that one's bits (most pairs of a set fail there) */
	uint64_t bytes;
	char s[]; /* NUL-terminated */
};

static struct lit *lit_of(const char *s)
{
	return (struct lit *)(void *)(s - offsetof(struct lit, s));
}

/* Literals of a build, from blocks freed with the build's memo (struct
 * prefilter_memo): a malloc() and a free() a literal (164,095 of them
 * for the shipped rules) were a twentieth of building the engine.  A
 * literal of a block counts its references from LIT_ARENA_REFS (its
 * flag): when the last is dropped it goes on its arena's list of free
 * literals of its size (the block is found by its address: blocks are
 * LIT_BLOCK_SIZE bytes, aligned so), and the next literal of that size
 * takes its place, so that the build's peak of memory stays near what
 * it was with malloc().  A read without a memo makes its literals with
 * malloc(), as its result outlives the read. */
#define LIT_ARENA_REFS (1u << 31)
#define LIT_BLOCK_SIZE (64u * 1024)
#define LIT_SIZE_CLASSES 32 /* by size / 8: every literal (at most 64 bytes) fits */

struct lit_arena;

struct lit_block {
	struct lit_arena *arena;
	struct lit_block *next;
	size_t used;
	_Alignas(max_align_t) unsigned char b[];
};

struct lit_arena {
	struct lit_block *head;                  /* the block being filled, then older ones */
	struct lit *free_lits[LIT_SIZE_CLASSES]; /* by size / 8, linked by next_free */
};

/* A literal's size in a block. */
static size_t lit_size(size_t n)
{
	return (offsetof(struct lit, s) + n + 1 + 7) & ~(size_t)7;
}

/* A literal of n bytes from the arena: a free one of its size, else a
 * new one (NULL without memory, or one too large for a block). */
static struct lit *arena_alloc(struct lit_arena *a, size_t n)
{
	const size_t size = lit_size(n);
	if (size / 8 >= LIT_SIZE_CLASSES)
		return NULL;
	struct lit *l = a->free_lits[size / 8];
	if (l) {
		a->free_lits[size / 8] = l->next_free;
		return l;
	}
	struct lit_block *b = a->head;
	if (!b || LIT_BLOCK_SIZE - offsetof(struct lit_block, b) - b->used < size) {
		if (!(b = aligned_alloc(LIT_BLOCK_SIZE, LIT_BLOCK_SIZE)))
			return NULL;
		b->arena = a;
		b->next = a->head;
		b->used = 0;
		a->head = b;
	}
	void *at = b->b + b->used;
	b->used += size;
	return at;
}

/* A literal of an arena whose last reference was dropped. */
static void arena_release(struct lit *l)
{
	const struct lit_block *b =
	        (const struct lit_block *)((uintptr_t)l & ~(uintptr_t)(LIT_BLOCK_SIZE - 1));
	struct lit_arena *a = b->arena;
	const size_t c = lit_size(l->len) / 8;
	l->next_free = a->free_lits[c];
	a->free_lits[c] = l;
}

static void arena_free(struct lit_arena *a)
{
	for (struct lit_block *b = a->head, *next; b; b = next) {
		next = b->next;
		free(b);
	}
	memset(a, 0, sizeof(*a));
}

/* A new literal of s[0..n), from the arena (NULL: malloc()), or NULL. */
static char *lit_new(struct lit_arena *arena, const char *s, size_t n)
{
	struct lit *l = arena ? arena_alloc(arena, n) : malloc(sizeof(*l) + n + 1);
	if (!l)
		return NULL;
	/* FNV-1a and the byte bits in one pass, in locals (l->bytes written
	 * through in the loop: s may alias it) */
	size_t h = 2166136261u;
	uint64_t bytes = 0;
	for (size_t i = 0; i < n; i++) {
		const unsigned char c = (unsigned char)s[i];
		h = (h ^ c) * 16777619u;
		bytes |= 1ull << (c % 64);
	}
	l->refs = arena ? LIT_ARENA_REFS + 1 : 1;
	l->len = (uint32_t)n;
	l->hash = h;
	l->freq = -1;
	l->bytes = bytes;
	memcpy(l->s, s, n);
	l->s[n] = '\0';
	return l->s;
}

static char *lit_ref(char *s)
{
	lit_of(s)->refs++;
	return s;
}

static void lit_unref(char *s)
{
	struct lit *l = lit_of(s);
	if (--l->refs == 0)
		free(l);
	else if (l->refs == LIT_ARENA_REFS)
		arena_release(l);
}

static size_t lit_len(const char *s)
{
	return lit_of(s)->len;
}

int lit_conj_copy(struct lit_conj *dst, const struct lit_conj *src)
{
	struct lit_conj c = { .n = src->n };
	for (size_t k = 0; k < src->n; k++) {
		const struct lit_set *from = &src->v[k];
		c.v[k].always = from->always;
		if (from->n == 0)
			continue;
		if (!(c.v[k].v = malloc(from->n * sizeof(*c.v[k].v)))) {
			lit_conj_clear(&c);
			return -ENOMEM;
		}
		for (size_t i = 0; i < from->n; i++)
			c.v[k].v[i] = lit_ref(from->v[i]);
		c.v[k].n = from->n;
	}
	*dst = c;
	return 0;
}

void lit_set_clear(struct lit_set *ls)
{
	if (!ls)
		return;
	for (size_t i = 0; i < ls->n; i++)
		lit_unref(ls->v[i]);
	free(ls->v);
	memset(ls, 0, sizeof(*ls));
}

static void set_always(struct lit_set *ls)
{
	lit_set_clear(ls);
	ls->always = 1;
}

/* Drop every literal that contains another literal of the set: a text
 * with "dict ed" has "dict" ("ska" covers "ska fan"), so the set requires
 * the same, with fewer literals for the automaton and a truer estimate.
 * Each literal is judged against the whole set, and a smaller set covers
 * no more: minimizing the result again changes nothing (conj_add_minimal()
 * relies on that).
 *
 * A small set compares every pair.  A larger one (a lexicon's words, each
 * nesting level of its trie minimizing the union of its branches again)
 * looks up each literal's substrings of the lengths the set has in a hash
 * of the set, and only while some literal starts with the substring (a
 * bloom filter): linear in the set's size where comparing every pair was
 * quadratic, and most positions of a word start no literal. */
#define MINIMIZE_PAIRWISE 64

/* Free the literals that minimizing marked covered (len SIZE_MAX) and
 * close the gaps; minimize_pairwise() and minimize_hashed() both end so. */
static void drop_covered(struct lit_set *ls, const size_t *len)
{
	size_t k = 0;
	for (size_t i = 0; i < ls->n; i++) {
		if (len[i] == SIZE_MAX)
			lit_unref(ls->v[i]);
		else
			ls->v[k++] = ls->v[i];
	}
	ls->n = k;
}

/* memmem() for the short strings of a set (at most
 * PREFILTER_MAX_LIT_LEN bytes): its set-up cost more than the search. */
static bool has_sub(const char *h, size_t hn, const char *n, size_t nn)
{
	if (nn == 0)
		return true;
	for (size_t at = 0; at + nn <= hn; at++)
		if (h[at] == n[0] && memcmp(h + at + 1, n + 1, nn - 1) == 0)
			return true;
	return false;
}

/* Does literal w (wl bytes) cover literal v (vl bytes)?  A literal of
 * one byte covers another only before its last byte: the hashed lookup
 * has always looked there, and an automaton's literals are kept as they
 * were.  (Either is correct: a set with a literal of one byte is nearly
 * always dropped as ubiquitous.) */
static bool covers(const char *w, size_t wl, uint64_t wm, const char *v, size_t vl, uint64_t vm)
{
	return wl < vl && (wm & ~vm) == 0 && has_sub(v, vl - (wl == 1), w, wl);
}

/* minimize_pairwise() of a small set (at most MINIMIZE_PAIRWISE
 * literals, each at most PREFILTER_MAX_LIT_LEN bytes), comparing each
 * literal only with the shorter ones (only a shorter one covers): the
 * literals ordered by length (a counting sort), the candidates for
 * literal i the ones before the first of its length.  A run's variants
 * are mostly of one length ("n[i1]g"), so most pairs were compared only
 * to find that.  Comparing a literal also with shorter ones that are
 * covered themselves gives the same result (what covers them covers it;
 * the one-byte rule of covers() keeps that). */
static bool minimize_by_length(struct lit_set *ls, size_t *len, const uint64_t *mask)
{
	uint8_t count[PREFILTER_MAX_LIT_LEN + 2] = { 0 };
	uint8_t order[MINIMIZE_PAIRWISE];
	bool covered[MINIMIZE_PAIRWISE];
	const size_t n = ls->n;
	for (size_t i = 0; i < n; i++) {
		if (len[i] > PREFILTER_MAX_LIT_LEN)
			return false; /* not a run's literal: the general loop */
		count[len[i] + 1]++;
	}
	for (size_t l = 1; l <= PREFILTER_MAX_LIT_LEN + 1; l++)
		count[l] += count[l - 1]; /* count[l]: literals shorter than l */
	uint8_t at[PREFILTER_MAX_LIT_LEN + 1];
	memcpy(at, count, sizeof(at));
	for (size_t i = 0; i < n; i++)
		order[at[len[i]]++] = (uint8_t)i;
	for (size_t i = 0; i < n; i++) {
		bool c = false;
		for (size_t k = 0; k < count[len[i]] && !c; k++) {
			const size_t j = order[k];
			c = covers(ls->v[j], len[j], mask[j], ls->v[i], len[i], mask[i]);
		}
		covered[i] = c;
	}
	for (size_t i = 0; i < n; i++)
		if (covered[i])
			len[i] = SIZE_MAX;
	drop_covered(ls, len);
	return true;
}

/* len[i] and mask[i]: literal i's length and struct lit's bytes, at hand
 * for every pair. */
static void minimize_pairwise(struct lit_set *ls, size_t *len, const uint64_t *mask)
{
	if (ls->n <= MINIMIZE_PAIRWISE && minimize_by_length(ls, len, mask))
		return;
	for (size_t i = 0; i < ls->n; i++) {
		bool covered = false;
		for (size_t j = 0; j < ls->n && !covered; j++)
			covered = covers(ls->v[j], len[j], mask[j], ls->v[i], len[i], mask[i]);
		len[i] = covered ? SIZE_MAX : len[i];
	}
	drop_covered(ls, len);
}

/* The hash of minimize_hashed() and its filters.  One serves a whole
 * read (struct px): allocating and zeroing them for every set was a
 * fifth of minimizing.  Between sets all of it is zero; a set clears
 * only the part it used. */
struct min_index {
	struct min_slot {
		const char *s; /* NULL: empty */
		size_t len, hash;
	} * slot;
	size_t cap, slot_room; /* in use (a power of two), allocated */
	/* a literal of that length exists (no literal is longer: runs are
	 * cut there) */
	unsigned char has_len[PREFILTER_MAX_LIT_LEN + 1];
	uint64_t one[4]; /* one-byte literals */
	/* the first two bytes of every longer literal, bit b0 | b1 << 8:
	 * most places of a word start none, and are left before any hash */
	uint64_t pair[65536 / 64];
	/* by hash (bloom filters of mask + 1 bits, sized to the set): every
	 * prefix of a literal, and every literal; most substrings of a word
	 * stop being the start of any literal after a few bytes, and are
	 * never looked up */
	uint64_t *prefix, *whole;
	size_t mask, bloom_room; /* words allocated for each filter */
};

static size_t bloom_bit(const struct min_index *x, size_t hash)
{
	return (hash ^ hash >> 16 ^ hash >> 32) & x->mask;
}

static bool bit(const uint64_t *m, size_t i)
{
	return (m[i / 64] >> (i % 64)) & 1;
}

static void set_bit(uint64_t *m, size_t i)
{
	m[i / 64] |= 1ull << (i % 64);
}

/* 1 when a literal of the index other than v itself is a substring of
 * v[0..n). */
static bool min_covered(const struct min_index *x, const char *v, size_t n)
{
	for (size_t at = 0; at + 1 < n; at++) {
		const unsigned char c0 = (unsigned char)v[at];
		if (bit(x->one, c0))
			return true; /* a one-byte literal, shorter than v */
		if (!bit(x->pair, c0 | (size_t)(unsigned char)v[at + 1] << 8))
			continue; /* no longer literal starts here */
		/* every substring starting at `at`, its hash grown a byte at a
		 * time (FNV-1a is a running hash) */
		size_t hash = 2166136261u;
		hash = (hash ^ c0) * 16777619u;
		for (size_t l = 2; at + l <= n && l < n; l++) {
			hash = (hash ^ (unsigned char)v[at + l - 1]) * 16777619u;
			if (!bit(x->prefix, bloom_bit(x, hash)))
				break; /* no literal starts with v[at..at + l) */
			if (!x->has_len[l] || !bit(x->whole, bloom_bit(x, hash)))
				continue;
			for (size_t h = hash & (x->cap - 1); x->slot[h].s;
			     h = (h + 1) & (x->cap - 1))
				if (x->slot[h].hash == hash && x->slot[h].len == l &&
				    memcmp(x->slot[h].s, v + at, l) == 0)
					return true;
		}
	}
	return false;
}

/* Room in x for a set of n literals of `bytes` bytes in all; 0 or
 * -ENOMEM (x is then as before). */
static int min_index_fit(struct min_index *x, size_t n, size_t bytes)
{
	size_t cap = 16, mask = 1023;
	while (cap < 2 * n)
		cap *= 2;
	while (mask < 16 * bytes && mask < (1u << 20) - 1)
		mask = mask * 2 + 1; /* about 16 bits a prefix */
	if (cap > x->slot_room) {
		struct min_slot *slot = calloc(cap, sizeof(*slot));
		if (!slot)
			return -ENOMEM;
		free(x->slot);
		x->slot = slot;
		x->slot_room = cap;
	}
	if ((mask + 1) / 64 > x->bloom_room) {
		uint64_t *b = calloc(2 * ((mask + 1) / 64), sizeof(uint64_t));
		if (!b)
			return -ENOMEM;
		free(x->prefix);
		x->prefix = b;
		x->whole = b + (mask + 1) / 64;
		x->bloom_room = (mask + 1) / 64;
	}
	x->cap = cap;
	x->mask = mask;
	return 0;
}

static void min_index_free(struct min_index *x)
{
	if (!x)
		return;
	free(x->slot);
	free(x->prefix);
	free(x);
}

/* Literal i of ls into the index x. */
static void min_index_add(struct min_index *x, const struct lit_set *ls, const size_t *len,
                          size_t i)
{
	const unsigned char *v = (const unsigned char *)ls->v[i];
	size_t hash = lit_of(ls->v[i])->hash, h = hash & (x->cap - 1);
	while (x->slot[h].s)
		h = (h + 1) & (x->cap - 1);
	x->slot[h] = (struct min_slot){ ls->v[i], len[i], hash };
	x->has_len[len[i]] = 1;
	if (len[i] == 1)
		set_bit(x->one, v[0]);
	else if (len[i] >= 2)
		set_bit(x->pair, v[0] | (size_t)v[1] << 8);
	size_t ph = 2166136261u;
	for (size_t l = 0; l < len[i]; l++) {
		ph = (ph ^ v[l]) * 16777619u;
		set_bit(x->prefix, bloom_bit(x, ph));
	}
	set_bit(x->whole, bloom_bit(x, hash));
}

/* ls's literals [lo, hi) are one branch's set of a union, minimized
 * already (lo == hi: none known), so nothing among them covers another:
 * they are looked up in an index of the other literals alone, where
 * most of their substrings start no literal and are left at once (in
 * the whole index a literal's own prefixes always pass the filters);
 * then they join the index and the others are looked up in all.  The
 * same literals are covered as when every literal is looked up in the
 * whole set. */
static void minimize_hashed(struct min_index *mx, struct lit_set *ls, size_t *len, size_t lo,
                            size_t hi)
{
	size_t bytes = 0;
	for (size_t i = 0; i < ls->n; i++)
		bytes += len[i];
	bool *covered = calloc(ls->n, sizeof(*covered));
	if (!covered || min_index_fit(mx, ls->n, bytes) < 0) {
		free(covered);
		return; /* a larger set is as correct */
	}
	struct min_index x = *mx;
	for (size_t i = 0; i < ls->n; i++)
		if (i < lo || i >= hi)
			min_index_add(&x, ls, len, i);
	for (size_t i = lo; i < hi; i++)
		covered[i] = min_covered(&x, ls->v[i], len[i]);
	for (size_t i = lo; i < hi; i++)
		min_index_add(&x, ls, len, i);
	for (size_t i = 0; i < ls->n; i++)
		if (i < lo || i >= hi)
			covered[i] = min_covered(&x, ls->v[i], len[i]);
	/* freed only now: the hash pointed at them */
	for (size_t i = 0; i < ls->n; i++)
		if (covered[i])
			len[i] = SIZE_MAX;
	free(covered);
	/* zero again for the next set (has_len, one and pair were the
	 * copy's) */
	memset(x.slot, 0, x.cap * sizeof(*x.slot));
	memset(x.prefix, 0, (x.mask + 1) / 64 * sizeof(uint64_t));
	memset(x.whole, 0, (x.mask + 1) / 64 * sizeof(uint64_t));
	drop_covered(ls, len);
}

/* *mx: the read's index, made when first needed (NULL: none yet).
 * ls->v[lo .. hi): a minimized set's literals (minimize_hashed()). */
static void lit_set_minimize_split(struct min_index **mx, struct lit_set *ls, size_t lo, size_t hi)
{
	size_t maxlen = 0, stack[MINIMIZE_PAIRWISE];
	uint64_t mstack[MINIMIZE_PAIRWISE];
	if (ls->n <= 1)
		return; /* nothing to compare */
	const bool small = ls->n <= MINIMIZE_PAIRWISE;
	size_t *len = small ? stack : malloc(ls->n * sizeof(*len));
	if (!len)
		return; /* a larger set is as correct */
	for (size_t i = 0; i < ls->n; i++) {
		len[i] = lit_len(ls->v[i]);
		if (len[i] > maxlen)
			maxlen = len[i];
	}
	/* comparing every pair gives the same (no literal is longer than a
	 * run, so the second never applies) */
	if (small || maxlen > PREFILTER_MAX_LIT_LEN || (!*mx && !(*mx = calloc(1, sizeof(**mx))))) {
		uint64_t *mask = small ? mstack : malloc(ls->n * sizeof(*mask));
		if (mask) {
			for (size_t i = 0; i < ls->n; i++)
				mask[i] = lit_of(ls->v[i])->bytes;
			minimize_pairwise(ls, len, mask);
		}
		if (mask != mstack)
			free(mask);
	} else {
		minimize_hashed(*mx, ls, len, lo, hi);
	}
	if (len != stack)
		free(len);
}

static void lit_set_minimize(struct min_index **mx, struct lit_set *ls)
{
	lit_set_minimize_split(mx, ls, 0, 0);
}

int lit_set_union(struct lit_set *dst, const struct lit_set *src)
{
	if (dst->always)
		return 0;
	if (src->always) {
		set_always(dst);
		return 0;
	}
	/* A hash of dst's literals: a scan of the whole set for each
	 * literal made the union of two lexicons' sets quadratic (a
	 * third of building the engine with the fourth round's rules). */
	size_t cap = 16;
	while (cap < 2 * (dst->n + src->n))
		cap *= 2;
	const char **slot = calloc(cap, sizeof(*slot));
	if (!slot)
		return -ENOMEM;
	/* room for every literal at once (at most one over the limit) */
	size_t room = dst->n + src->n;
	if (room > PREFILTER_MAX_LITS + 1)
		room = PREFILTER_MAX_LITS + 1;
	char **v = room > dst->n ? realloc(dst->v, room * sizeof(*v)) : dst->v;
	if (!v) {
		free(slot);
		return -ENOMEM;
	}
	dst->v = v;
	const size_t n0 = dst->n;
	for (size_t i = 0; i < n0 + src->n && !dst->always; i++) {
		/* first dst's literals (hashed only), then src's (added when new) */
		int from_src = i >= n0;
		const char *lit = from_src ? src->v[i - n0] : dst->v[i];
		const struct lit *ll = lit_of(lit);
		size_t k = ll->hash & (cap - 1);
		while (slot[k] && (slot[k] != lit && (lit_len(slot[k]) != ll->len ||
		                                      memcmp(slot[k], lit, ll->len) != 0)))
			k = (k + 1) & (cap - 1);
		if (slot[k])
			continue; /* already there */
		if (!from_src) {
			slot[k] = lit;
			continue;
		}
		if (dst->n >= PREFILTER_MAX_LITS) {
			set_always(dst);
			break;
		}
		dst->v[dst->n] = lit_ref(src->v[i - n0]);
		slot[k] = dst->v[dst->n];
		dst->n++;
	}
	free(slot);
	return 0;
}

/* Words so frequent in Swedish and English comments that requiring one
 * filters little more than requiring a single letter, by their length
 * in bytes (lit_freq() runs for every literal at every comparison of
 * sets: a lexicon's set is hundreds; one list of all of them, each
 * length compared, cost more than the rest of the estimate). */
static const char common_1[][2] = { "i" };
static const char common_2[][3] = { "ar", "av", "de", "du", "en", "er", "in", "is", "it", "ni",
	                            "nu", "of", "om", "on", "pa", "sa", "to", "ut", "vi" };
static const char common_3[][4] = { "and", "are", "att", "den", "det", "dig", "din", "ett", "for",
	                            "gor", "han", "har", "hon", "hur", "jag", "kan", "man", "med",
	                            "men", "mig", "min", "nar", "och", "sig", "ska", "som", "the",
	                            "var", "vad", "was", "you", "är",  "på",  "så" };
static const char common_4[][5] = { "alla", "fran", "till", "what", "your", "för", "när" };
static const char common_5[][6] = { "från" };

#define COMMON(a)                                                                                  \
	{                                                                                          \
		(const char *)(a), sizeof((a)[0]), sizeof(a) / sizeof((a)[0])                      \
	}
/* common_words[len]: the words of len bytes, each in `width` bytes */
static const struct common_words {
	const char *w;
	size_t width, n;
} common_words[] = {
	{ NULL, 0, 0 },   COMMON(common_1), COMMON(common_2),
	COMMON(common_3), COMMON(common_4), COMMON(common_5),
};
#undef COMMON

/* The longest of common_words in bytes ("från"): a longer literal is
 * none of them. */
#define COMMON_WORD_MAX 5
_Static_assert(sizeof(common_words) / sizeof(common_words[0]) == COMMON_WORD_MAX + 1,
               "a list for every length");

/* Estimated share of comments that contain literal l: by its length in
 * characters (white space and punctuation around a word add little), and
 * high for the common words above. */
static double lit_estimate(const char *l, size_t n)
{
	size_t a = 0, b = n, chars = 0;
	static const double by_len[] = { 1.0, 1.0, 0.3, 0.08, 0.03, 0.01 };
	while (a < b && (l[a] == ' ' || l[a] == '\'' || l[a] == '.'))
		a++;
	while (b > a && (l[b - 1] == ' ' || l[b - 1] == '.'))
		b--;
	/* six count as any more (by_len), so the count stops there */
	for (size_t i = a; i < b && chars < 6; i++) {
		chars += ((unsigned char)l[i] & 0xC0) != 0x80; /* UTF-8 lead bytes */
		chars += l[i] >= '0' && l[i] <= '9';           /* digits are rarer than letters */
	}
	if (chars == 0)
		return 2.0; /* only spaces or dots: in nearly every comment */
	double f = chars < 6 ? by_len[chars] : 0.005;
	if (b - a == 1 && chars == 1 && ((unsigned char)l[a] < 0x80) &&
	    !(((l[a] | 0x20) >= 'a' && (l[a] | 0x20) <= 'z')))
		f = 0.3; /* one punctuation mark: '?', '@', ':' are in fewer comments */
	if (a > 0 || b < n)
		f *= 0.7; /* a word boundary written into the literal */
	if (b - a > COMMON_WORD_MAX)
		return f;
	/* (x | 0x20) equal is necessary for strncasecmp()'s first bytes to be */
	const struct common_words *cw = &common_words[b - a];
	for (size_t i = 0; i < cw->n; i++) {
		const char *w = cw->w + i * cw->width;
		if ((w[0] | 0x20) == (l[a] | 0x20) && strncasecmp(w, l + a, b - a) == 0)
			return f > 0.5 ? f : 0.5;
	}
	return f;
}

/* lit_estimate(), once a literal (sets are compared at every level of a
 * lexicon's trie, each time summing over hundreds of literals). */
static double lit_freq(const char *l)
{
	struct lit *x = lit_of(l);
	if (x->freq < 0)
		x->freq = lit_estimate(l, x->len);
	return x->freq;
}

/* 1 when some literal of the set is in nearly every comment (a letter, a
 * space, a punctuation mark). */
static int has_ubiquitous(const struct lit_set *ls)
{
	for (size_t i = 0; i < ls->n; i++)
		if (lit_freq(ls->v[i]) >= 1.0)
			return 1;
	return 0;
}

/* Estimated share of comments in which some literal of the set occurs
 * (a sum, so it can exceed 1: only the order matters). */
static double set_freq(const struct lit_set *ls)
{
	double f = 0;
	for (size_t i = 0; i < ls->n; i++)
		f += lit_freq(ls->v[i]);
	return f;
}

/* set_freq() and has_ubiquitous() in one pass over the literals (sets
 * are compared at every level of a lexicon's trie). */
static double set_stats(const struct lit_set *ls, int *ret_ubiquitous)
{
	double f = 0;
	int u = 0;
	for (size_t i = 0; i < ls->n; i++) {
		double li = lit_freq(ls->v[i]);
		f += li;
		u |= li >= 1.0;
	}
	*ret_ubiquitous = u;
	return f;
}

double lit_set_freq(const struct lit_set *ls)
{
	return set_freq(ls);
}

int lit_set_ubiquitous(const struct lit_set *ls)
{
	return has_ubiquitous(ls);
}

static int worthless(const struct lit_set *ls)
{
	return ls->always || ls->n == 0;
}

void lit_conj_clear(struct lit_conj *c)
{
	if (!c)
		return;
	for (size_t i = 0; i < c->n; i++)
		lit_set_clear(&c->v[i]);
	c->n = 0;
}

/* 1 when a is a better filter than b: without a ubiquitous literal, then
 * rarer by the estimate above, then fewer literals. */
static int stronger(const struct lit_set *a, const struct lit_set *b)
{
	if (worthless(a))
		return 0;
	if (worthless(b))
		return 1;
	int ua, ub;
	double fa = set_stats(a, &ua), fb = set_stats(b, &ub);
	if (ua != ub)
		return ub; /* a literal in nearly every comment makes a set useless */
	return fa < fb || (fa == fb && a->n < b->n);
}

/* Add a required set, minimized already (a group's requirement: its
 * sets were minimized when they were added to it), to the conjunction,
 * keeping the strongest PREFILTER_MAX_CONJ (dropping a requirement is
 * always safe).  cand is consumed. */
/* Does a text with a literal of a always have one of b: does every
 * literal of a hold one of b (equal, or within it: " 0" holds "0")?
 * Then requiring b besides a adds nothing.  Only small sets are compared
 * (a few comparisons a set); larger ones answer no. */
#define IMPLIES_MAX_LITS 32
static bool lit_set_implies(const struct lit_set *a, const struct lit_set *b)
{
	if (a->n > IMPLIES_MAX_LITS || b->n > IMPLIES_MAX_LITS)
		return false;
	for (size_t i = 0; i < a->n; i++) {
		bool found = false;
		for (size_t j = 0; j < b->n && !found; j++)
			found = a->v[i] == b->v[j] || strstr(a->v[i], b->v[j]) != NULL;
		if (!found)
			return false;
	}
	return true;
}

/* A set that another required set implies (the same set read twice:
 * \?{1,3}…\? gives "?" twice; "0" beside " 0") takes no place: cand
 * is dropped when a kept set implies it, and replaces a kept set it
 * implies.  Returns true when cand was consumed so. */
static bool conj_merge_implied(struct lit_conj *c, struct lit_set *cand)
{
	for (size_t i = 0; i < c->n; i++) {
		if (lit_set_implies(&c->v[i], cand)) {
			lit_set_clear(cand);
			return true;
		}
	}
	for (size_t i = 0; i < c->n; i++) {
		if (lit_set_implies(cand, &c->v[i])) {
			lit_set_clear(&c->v[i]);
			c->v[i] = *cand;
			memset(cand, 0, sizeof(*cand));
			return true;
		}
	}
	return false;
}

static void conj_add_minimal(struct lit_conj *c, struct lit_set *cand)
{
	if (worthless(cand)) {
		lit_set_clear(cand);
		return;
	}
	if (conj_merge_implied(c, cand))
		return;
	if (c->n < PREFILTER_MAX_CONJ) {
		c->v[c->n++] = *cand;
		memset(cand, 0, sizeof(*cand));
		return;
	}
	size_t weak = 0;
	for (size_t i = 1; i < c->n; i++)
		if (stronger(&c->v[weak], &c->v[i]))
			weak = i;
	if (stronger(cand, &c->v[weak])) {
		lit_set_clear(&c->v[weak]);
		c->v[weak] = *cand;
		memset(cand, 0, sizeof(*cand));
	} else {
		lit_set_clear(cand);
	}
}

/* conj_add_minimal() of a set not minimized yet (a run's variants). */
static void conj_add(struct px *p, struct lit_conj *c, struct lit_set *cand)
{
	if (!worthless(cand))
		lit_set_minimize(&p->mx, cand);
	conj_add_minimal(c, cand);
}

/* Move the strongest set of c into *out (always when c is empty); c is
 * cleared. */
static void conj_best(struct lit_conj *c, struct lit_set *out)
{
	memset(out, 0, sizeof(*out));
	out->always = 1;
	if (c->n) {
		size_t best = 0;
		for (size_t i = 1; i < c->n; i++)
			if (stronger(&c->v[i], &c->v[best]))
				best = i;
		*out = c->v[best];
		memset(&c->v[best], 0, sizeof(c->v[best]));
	}
	lit_conj_clear(c);
}

/* Add the set of strings b[0..nv) (each once, in order, minimized) to
 * best, as finish_run() adds a run's variants. */
static void add_strings(struct px *p, struct lit_conj *best, const char *const *b,
                        const size_t *len, size_t nv)
{
	struct lit_set cand = { 0 };
	if (nv == 0 || len[0] == 0)
		return;
	/* each variant once (nv is at most RUN_MAX_VARIANTS, far below
	 * PREFILTER_MAX_LITS), room made once */
	if (!(cand.v = malloc(nv * sizeof(*cand.v)))) {
		p->nomem = 1;
		return;
	}
	for (size_t i = 0; i < nv; i++) {
		bool dup = false;
		for (size_t j = 0; j < cand.n && !dup; j++)
			dup = lit_len(cand.v[j]) == len[i] && memcmp(cand.v[j], b[i], len[i]) == 0;
		if (dup)
			continue;
		if (!(cand.v[cand.n] = lit_new(p->arena, b[i], len[i]))) {
			p->nomem = 1;
			break;
		}
		cand.n++;
	}
	conj_add(p, best, &cand);
}

/* The variants of run as add_strings() reads them. */
static void add_run_strings(struct px *p, struct lit_conj *best, const struct run *run, size_t nv)
{
	const char *b[RUN_MAX_VARIANTS];
	if (nv == 0 || run->len[0] == 0)
		return;
	b[0] = run->b[0];
	for (size_t i = 1; i < nv; i++)
		b[i] = run->b[i];
	add_strings(p, best, b, run->len, nv);
}

static void finish_run(struct px *p, struct run *run, struct lit_conj *best)
{
	size_t nv = run->nv;
	run->nv = 0;
	run->full = 0;
	run->cut = 1;
	add_run_strings(p, best, run, nv);
}

/* Make the requirement a lazy exact result put off (struct run): the
 * set finish_run() would have made of its strings, into req (empty). */
static void req_of_exact(struct px *p, struct run *exact, struct lit_conj *req)
{
	if (!exact->lazy)
		return;
	exact->lazy = 0;
	add_run_strings(p, req, exact, exact->nv);
}

/* An empty run.  A run is 4 KB of variants, and one is set up for every
 * item of a pattern (an atom's exact strings): zeroing or copying it whole
 * was most of the time parse_seq() took on a lexicon's trie. */
static void run_init(struct run *run)
{
	run->nv = 0;
	run->len[0] = 0;
	run->full = 0;
	run->cut = 0;
	run->lazy = 0;
}

/* *dst = *src, its variants only. */
static void run_copy(struct run *dst, const struct run *src)
{
	dst->nv = src->nv;
	dst->full = src->full;
	dst->cut = src->cut;
	for (size_t v = 0; v < src->nv; v++) {
		memcpy(dst->b[v], src->b[v], src->len[v]);
		dst->len[v] = src->len[v];
	}
}

/* Append one of n alternative characters (UTF-8 in c[i], clen[i] bytes) to
 * every variant.  Returns 0, or -1 when there would be too many variants
 * (the caller then ends the run first). */
static int run_mul(struct run *run, char c[][4], const size_t *clen, size_t n)
{
	size_t nv = run->nv ? run->nv : 1;
	if (run->nv == 0)
		run->len[0] = 0;
	if (run->full)
		return 0;
	if (nv * n > RUN_MAX_VARIANTS)
		return -1;
	/* A prefix of a required run is required too: cutting is safe, but
	 * then nothing may be appended after the cut. */
	size_t maxc = 0;
	for (size_t k = 0; k < n; k++)
		if (clen[k] > maxc)
			maxc = clen[k];
	for (size_t v = 0; v < nv; v++)
		if (run->len[v] + maxc > PREFILTER_MAX_LIT_LEN) {
			run->full = 1;
			return 0;
		}
	for (size_t k = n; k-- > 0;)
		for (size_t v = 0; v < nv; v++) {
			size_t d = k * nv + v;
			if (d != v) {
				memcpy(run->b[d], run->b[v], run->len[v]);
				run->len[d] = run->len[v];
			}
			memcpy(run->b[d] + run->len[d], c[k], clen[k]);
			run->len[d] += clen[k];
		}
	run->nv = nv * n;
	return 0;
}

/* Append one of the strings of g (an exact group, below) to every
 * variant.  Returns 1, 0 when the run is full (nothing appended), or -1
 * when there would be too many variants. */
static int run_mul_str(struct run *run, const struct run *g)
{
	size_t nv = run->nv ? run->nv : 1, n = g->nv;
	if (run->nv == 0)
		run->len[0] = 0;
	if (run->full)
		return 0;
	if (nv * n > RUN_MAX_VARIANTS)
		return -1;
	size_t maxg = 0;
	for (size_t k = 0; k < n; k++)
		if (g->len[k] > maxg)
			maxg = g->len[k];
	for (size_t v = 0; v < nv; v++)
		if (run->len[v] + maxg > PREFILTER_MAX_LIT_LEN) {
			run->full = 1;
			return 0;
		}
	for (size_t k = n; k-- > 0;)
		for (size_t v = 0; v < nv; v++) {
			size_t d = k * nv + v;
			if (d != v) {
				memcpy(run->b[d], run->b[v], run->len[v]);
				run->len[d] = run->len[v];
			}
			memcpy(run->b[d] + run->len[d], g->b[k], g->len[k]);
			run->len[d] += g->len[k];
		}
	run->nv = nv * n;
	return 1;
}

/* Add the strings of src to dst (an exact alternation); 0 when there are
 * too many. */
static int exact_union(struct run *dst, const struct run *src)
{
	for (size_t i = 0; i < src->nv; i++) {
		int dup = 0;
		for (size_t j = 0; j < dst->nv && !dup; j++)
			dup = dst->len[j] == src->len[i] &&
			      memcmp(dst->b[j], src->b[i], src->len[i]) == 0;
		if (dup)
			continue;
		if (dst->nv == RUN_MAX_VARIANTS)
			return 0;
		memcpy(dst->b[dst->nv], src->b[i], src->len[i]);
		dst->len[dst->nv++] = src->len[i];
	}
	return 1;
}

static int peek(const struct px *p)
{
	return p->pos < p->len ? (unsigned char)p->s[p->pos] : -1;
}

static int is_ext_space(int c)
{
	return c == ' ' || c == '\t' || c == '\n' || c == '\v' || c == '\f' || c == '\r';
}

/* Skip what PCRE2 ignores between items: (?#...) comments always, white
 * space and #-comments under (?x).  The trap: a quantifier after a comment
 * applies to the item before it, so this runs before quantifiers too. */
static void skip_ext(struct px *p)
{
	for (;;) {
		int c = peek(p);
		if (c == '(' && p->pos + 2 < p->len && p->s[p->pos + 1] == '?' &&
		    p->s[p->pos + 2] == '#') {
			const char *end = memchr(p->s + p->pos, ')', p->len - p->pos);
			if (!end) {
				p->bail = 1;
				return;
			}
			p->pos = (size_t)(end - p->s) + 1;
		} else if (p->ext && is_ext_space(c)) {
			p->pos++;
		} else if (p->ext && c == '#') {
			while (p->pos < p->len && p->s[p->pos] != '\n')
				p->pos++;
		} else {
			return;
		}
	}
}

static int is_digit(int c)
{
	return c >= '0' && c <= '9';
}

static int hexval(int c)
{
	if (c >= '0' && c <= '9')
		return c - '0';
	if ((c | 0x20) >= 'a' && (c | 0x20) <= 'f')
		return (c | 0x20) - 'a' + 10;
	return -1;
}

/* A quantifier after an atom; (1, 1) when there is none. max < 0: no
 * upper bound. */
static void parse_quant(struct px *p, long *min, long *max)
{
	*min = 1;
	*max = 1;
	skip_ext(p);
	int c = peek(p);
	if (c == '*' || c == '+' || c == '?') {
		*min = c == '+';
		*max = c == '?' ? 1 : -1;
		p->pos++;
	} else if (c == '{') {
		size_t q = p->pos + 1;
		long a = 0, b;
		if (q >= p->len || !is_digit(p->s[q]))
			return; /* a literal '{' */
		while (q < p->len && is_digit(p->s[q]) && a < 100000)
			a = a * 10 + (p->s[q++] - '0');
		b = a;
		if (q < p->len && p->s[q] == ',') {
			q++;
			b = -1;
			if (q < p->len && is_digit(p->s[q])) {
				b = 0;
				while (q < p->len && is_digit(p->s[q]) && b < 100000)
					b = b * 10 + (p->s[q++] - '0');
			}
		}
		if (q >= p->len || p->s[q] != '}')
			return; /* not a quantifier: a literal '{' */
		p->pos = q + 1;
		*min = a;
		*max = b;
	} else {
		return;
	}
	c = peek(p);
	if (c == '+' || c == '?')
		p->pos++; /* possessive or lazy: same requirement */
}

enum atom_kind {
	A_ZERO,   /* zero width: does not break a run */
	A_ASSERT, /* a positive lookaround: zero width, but its requirement holds */
	A_NONLIT, /* consumes something unknown: breaks the run */
	A_LIT,    /* one literal character */
	A_GROUP,  /* a group with its own requirement */
};

static void parse_alt(struct px *p, struct lit_conj *out, struct run *exact);

/* Skip a character class; p->pos is just after '['. */
static void skip_class(struct px *p)
{
	if (peek(p) == '^')
		p->pos++;
	if (peek(p) == ']')
		p->pos++;
	while (p->pos < p->len) {
		char c = p->s[p->pos];
		if (c == ']') {
			p->pos++;
			return;
		}
		if (c == '[' && p->pos + 1 < p->len &&
		    (p->s[p->pos + 1] == ':' || p->s[p->pos + 1] == '.' ||
		     p->s[p->pos + 1] == '=')) {
			const char *end = memmem(p->s + p->pos + 2, p->len - p->pos - 2, ":]", 2);
			if (!end || p->s[p->pos + 1] != ':') {
				p->bail = 1;
				return;
			}
			p->pos = (size_t)(end - p->s) + 2;
			continue;
		}
		if (c == '\\') {
			if (p->pos + 1 >= p->len) {
				p->bail = 1;
				return;
			}
			char e = p->s[p->pos + 1];
			p->pos += 2;
			if (e == 'Q' || e == 'E') {
				p->bail = 1;
				return;
			}
			if ((e == 'x' || e == 'p' || e == 'P' || e == 'o' || e == 'N') &&
			    peek(p) == '{') {
				const char *end = memchr(p->s + p->pos, '}', p->len - p->pos);
				if (!end) {
					p->bail = 1;
					return;
				}
				p->pos = (size_t)(end - p->s) + 1;
			}
			continue;
		}
		p->pos++;
	}
	p->bail = 1; /* unterminated */
}

/* Read option letters after "(?"; returns ')' or ':' (the terminator), or
 * 0 after bailing.  Applies them to *icase / *ext. */
static int parse_options(struct px *p, int *icase, int *ext)
{
	int on = 1;
	while (p->pos < p->len) {
		char c = p->s[p->pos++];
		switch (c) {
		case ')':
		case ':':
			return c;
		case '-':
			on = 0;
			break;
		case '^':
			*icase = 0;
			*ext = 0;
			break;
		case 'i':
			*icase = on;
			break;
		case 'x':
			*ext = on;
			break;
		case 'm':
		case 'n':
		case 's':
		case 'J':
		case 'U':
			break;
		default:
			p->bail = 1;
			return 0;
		}
	}
	p->bail = 1;
	return 0;
}

/* parse_group() without the memo. */
static enum atom_kind parse_group_body(struct px *p, struct lit_conj *req, struct run *exact)
{
	int save_icase = p->icase, save_ext = p->ext;
	int zero = 0;

	exact->nv = 0;
	exact->lazy = 0;
	if (++p->depth > 64) {
		p->bail = 1;
		return A_NONLIT;
	}
	if (p->depth > p->maxdepth)
		p->maxdepth = p->depth;
	if (peek(p) == '*') {
		/* (*SKIP), (*PRUNE), (*THEN) and (*COMMIT) only make a match
		 * fail: what every match contains without them, it contains
		 * with them (a rule uses (*SKIP) to jump over a word it has
		 * read: any-pd-forms.rules).  Other verbs and
		 * (*positive_lookahead: ...) bail out. */
		int ends_search;
		size_t n = pattern_backtrack_verb(p->s + p->pos, p->len - p->pos, &ends_search);
		if (n) {
			p->pos += n;
			p->depth--;
			return A_ZERO;
		}
		p->bail = 1;
		return A_NONLIT;
	}
	if (peek(p) == '?') {
		p->pos++;
		int c = peek(p);
		if (c == '#') {
			const char *end = memchr(p->s + p->pos, ')', p->len - p->pos);
			if (!end) {
				p->bail = 1;
				return A_NONLIT;
			}
			p->pos = (size_t)(end - p->s) + 1;
			p->depth--;
			return A_ZERO;
		}
		if (c == ':' || c == '|' || c == '>') {
			p->pos++;
		} else if (c == '=' || c == '!') {
			/* what a positive lookahead matches is in the subject too */
			p->pos++;
			zero = c == '=' ? 2 : 1;
		} else if (c == '<' && p->pos + 1 < p->len &&
		           (p->s[p->pos + 1] == '=' || p->s[p->pos + 1] == '!')) {
			zero = p->s[p->pos + 1] == '=' ? 2 : 1;
			p->pos += 2;
		} else if (c == '<' || c == '\'' ||
		           (c == 'P' && p->pos + 1 < p->len && p->s[p->pos + 1] == '<')) {
			char close = c == '\'' ? '\'' : '>';
			const char *end = memchr(p->s + p->pos + 1, close, p->len - p->pos - 1);
			if (!end) {
				p->bail = 1;
				return A_NONLIT;
			}
			p->pos = (size_t)(end - p->s) + 1;
		} else {
			int icase = p->icase, ext = p->ext;
			int t = parse_options(p, &icase, &ext);
			if (t == ')') {
				/* (?i): applies to the rest of the enclosing group */
				p->icase = icase;
				p->ext = ext;
				p->depth--;
				return A_ZERO;
			}
			if (t != ':')
				return A_NONLIT;
			p->icase = icase;
			p->ext = ext;
		}
	}
	parse_alt(p, req, exact);
	p->icase = save_icase;
	p->ext = save_ext;
	p->depth--;
	if (peek(p) != ')') {
		p->bail = 1;
		return A_NONLIT;
	}
	p->pos++;
	if (zero) {
		/* a positive lookaround's requirement holds where it stands */
		if (zero == 2)
			req_of_exact(p, exact, req);
		exact->lazy = 0;
		exact->nv = 0; /* consumes nothing */
	}
	if (zero == 2)
		return A_ASSERT;
	if (zero) {
		lit_conj_clear(req);
		return A_ZERO;
	}
	return A_GROUP;
}

/* Groups already read, by their text (struct prefilter_memo, prefilter.h).
 * What a group requires follows from its text, the options in force where
 * it starts ((?i), (?x)), the kind of subject, and whether its nesting
 * stays within the limit: nothing before or after it counts, so a second
 * occurrence (the same lexicon in another pattern, or in a pattern's
 * prefix) takes a copy of the first one's result. */
#define MEMO_MIN_LEN 256 /* shorter groups are read again: cheaper than a copy */
#define MEMO_KEY_LEN 64  /* bytes hashed to find candidates */
#define MEMO_BUCKETS 1024

/* One group read.  Its text and its exact strings are one block, each
 * string NUL-terminated; its sets' literals are references to the ones
 * the read made (struct lit), shared with every copy taken. */
struct memo_entry {
	struct memo_entry *next;
	size_t len, key; /* the text: the group, '(' to ')' */
	int rel_depth;   /* nesting below its own level */
	size_t nsets, nlits[PREFILTER_MAX_CONJ];
	int always[PREFILTER_MAX_CONJ];
	char **lits;     /* every set's literals, one after the other */
	size_t exact_nv; /* 0: not exact */
	char block[];    /* text, then the exact strings */
};

static void memo_entry_free(struct memo_entry *e)
{
	size_t n = 0;
	for (size_t i = 0; i < e->nsets; i++)
		n += e->nlits[i];
	for (size_t l = 0; e->lits && l < n; l++)
		lit_unref(e->lits[l]);
	free(e->lits);
	free(e);
}

struct pending;
static void pending_free(struct pending *pd);

struct prefilter_memo {
	struct memo_entry *bucket[MEMO_BUCKETS];
	struct min_index *mx;   /* lit_set_minimize()'s, for every read */
	struct pending *pd;     /* parse_alt()'s, for every read */
	struct lit_arena arena; /* every read's literals */
};

struct prefilter_memo *prefilter_memo_new(void)
{
	return calloc(1, sizeof(struct prefilter_memo));
}

void prefilter_memo_free(struct prefilter_memo *m)
{
	if (!m)
		return;
	for (size_t b = 0; b < MEMO_BUCKETS; b++)
		for (struct memo_entry *e = m->bucket[b], *next; e; e = next) {
			next = e->next;
			memo_entry_free(e);
		}
	min_index_free(m->mx);
	pending_free(m->pd);
	arena_free(&m->arena);
	free(m);
}

/* Taken for every group with MEMO_MIN_LEN bytes after it (a lexicon's
 * trie: each of its levels), so eight bytes at a time
 * (filter_hash_bytes()): hashing the 64 bytes one by one cost as much as
 * the memo's lookups and copies.  Only where an entry is looked for
 * depends on it (memo_find() compares the text). */
static size_t memo_key(const struct px *p, size_t start)
{
	uint64_t h = filter_hash_bytes(p->s + start, MEMO_KEY_LEN, 0);
	return (size_t)h ^ (size_t)(p->icase | p->ext << 1 | p->norm << 2);
}

/* The entry's requirement and exact strings, copied into *req and
 * *exact.  Returns 0 or -ENOMEM (req then holds what was copied). */
static int memo_copy_out(const struct memo_entry *e, struct lit_conj *req, struct run *exact)
{
	const char *at = e->block + e->len;
	char **lit = e->lits;
	memset(req, 0, sizeof(*req));
	for (; req->n < e->nsets; req->n++) {
		struct lit_set *ls = &req->v[req->n];
		ls->always = e->always[req->n];
		if (e->nlits[req->n] && !(ls->v = malloc(e->nlits[req->n] * sizeof(*ls->v)))) {
			req->n++;
			return -ENOMEM;
		}
		for (; ls->n < e->nlits[req->n]; ls->n++)
			ls->v[ls->n] = lit_ref(*lit++);
	}
	exact->nv = e->exact_nv;
	exact->full = 0;
	exact->cut = 0;
	exact->lazy = 0;
	for (size_t v = 0; v < e->exact_nv; v++) {
		exact->len[v] = strlen(at);
		memcpy(exact->b[v], at, exact->len[v]);
		at += exact->len[v] + 1;
	}
	return 0;
}

/* The entry for the group at p->s[start] under the current options, or
 * NULL. */
static const struct memo_entry *memo_find(const struct px *p, size_t start, size_t key)
{
	for (const struct memo_entry *e = p->memo->bucket[key % MEMO_BUCKETS]; e; e = e->next)
		if (e->key == key && e->len <= p->len - start && p->depth + e->rel_depth <= 64 &&
		    memcmp(e->block, p->s + start, e->len) == 0)
			return e;
	return NULL;
}

static void memo_add(struct px *p, size_t start, size_t key, int rel_depth,
                     const struct lit_conj *req, const struct run *exact)
{
	const size_t len = p->pos - start;
	size_t size = len, nlits = 0;
	for (size_t i = 0; i < req->n; i++)
		nlits += req->v[i].n;
	for (size_t v = 0; v < exact->nv; v++)
		size += exact->len[v] + 1;
	struct memo_entry *e = malloc(sizeof(*e) + size);
	char **lits = malloc((nlits ? nlits : 1) * sizeof(*lits));
	if (!e || !lits) {
		free(e);
		free(lits);
		p->nomem = 1;
		return;
	}
	*e = (struct memo_entry){ .len = len, .key = key, .rel_depth = rel_depth, .lits = lits };
	char *at = e->block;
	memcpy(at, p->s + start, len);
	at += len;
	e->nsets = req->n;
	for (size_t i = 0; i < req->n; i++) {
		e->always[i] = req->v[i].always;
		e->nlits[i] = req->v[i].n;
		for (size_t l = 0; l < req->v[i].n; l++)
			*lits++ = lit_ref(req->v[i].v[l]);
	}
	e->exact_nv = exact->nv;
	for (size_t v = 0; v < exact->nv; v++) {
		memcpy(at, exact->b[v], exact->len[v]);
		at[exact->len[v]] = '\0';
		at += exact->len[v] + 1;
	}
	e->next = p->memo->bucket[key % MEMO_BUCKETS];
	p->memo->bucket[key % MEMO_BUCKETS] = e;
}

/* A group; p->pos is just after '('.  Returns the kind; for A_GROUP the
 * requirement is written to *req, and *exact says which strings the group
 * matches when it can match nothing else (exact->nv == 0: unknown). */
static enum atom_kind parse_group(struct px *p, struct lit_conj *req, struct run *exact)
{
	const size_t start = p->pos - 1;
	const int use_memo = p->memo && p->len - start >= MEMO_MIN_LEN;
	size_t key = 0;
	if (use_memo) {
		key = memo_key(p, start);
		const struct memo_entry *e = memo_find(p, start, key);
		if (e) {
			if (memo_copy_out(e, req, exact) < 0)
				p->nomem = 1;
			p->pos = start + e->len;
			/* as deep as reading it would have gone (the enclosing
			 * group's entry records that) */
			if (p->depth + e->rel_depth > p->maxdepth)
				p->maxdepth = p->depth + e->rel_depth;
			return A_GROUP;
		}
	}
	const int depth0 = p->depth, max0 = p->maxdepth;
	p->maxdepth = depth0;
	enum atom_kind k = parse_group_body(p, req, exact);
	if (use_memo && k == A_GROUP && !p->bail && !p->nomem && p->pos - start >= MEMO_MIN_LEN) {
		req_of_exact(p, exact, req); /* an entry holds both */
		memo_add(p, start, key, p->maxdepth - depth0, req, exact);
	}
	if (max0 > p->maxdepth)
		p->maxdepth = max0;
	return k;
}

/* An escape; p->pos is just after '\'.  For A_LIT writes *cp. */
/* \x{HHH} or \xHH after "\x": the code point, or A_NONLIT (bail) for
 * one that is empty, NUL or not a scalar value. */
static enum atom_kind parse_hex_escape(struct px *p, uint32_t *cp)
{
	uint32_t v = 0;
	if (peek(p) == '{') {
		size_t q = p->pos + 1, nd = 0;
		while (q < p->len && hexval(p->s[q]) >= 0 && nd < 8) {
			v = v * 16 + (uint32_t)hexval(p->s[q++]);
			nd++;
		}
		if (nd == 0 || q >= p->len || p->s[q] != '}') {
			p->bail = 1;
			return A_NONLIT;
		}
		p->pos = q + 1;
	} else {
		for (int i = 0; i < 2 && hexval(peek(p)) >= 0; i++)
			v = v * 16 + (uint32_t)hexval(p->s[p->pos++]);
	}
	if (v == 0 || v > 0x10FFFF || (v >= 0xD800 && v <= 0xDFFF)) {
		p->bail = 1;
		return A_NONLIT;
	}
	*cp = v;
	return A_LIT;
}

/* The property name after "\p" or "\P": {Name} or one letter. */
static void skip_property(struct px *p)
{
	if (peek(p) == '{') {
		const char *end = memchr(p->s + p->pos, '}', p->len - p->pos);
		if (!end)
			p->bail = 1;
		else
			p->pos = (size_t)(end - p->s) + 1;
	} else if (p->pos < p->len) {
		p->pos++;
	} else {
		p->bail = 1;
	}
}

static int in_set(const char *set, int c)
{
	return c > 0 && strchr(set, c) != NULL;
}

/* Escapes of one control character: \n \t \r \f \e \a.  Returns 1 with
 * *cp set, 0 for any other letter. */
static int control_escape(int c, uint32_t *cp)
{
	static const char names[] = "ntrfea";
	static const uint32_t values[] = { '\n', '\t', '\r', '\f', 0x1B, 0x07 };
	const char *at = in_set(names, c) ? strchr(names, c) : NULL;
	if (!at)
		return 0;
	*cp = values[at - names];
	return 1;
}

static enum atom_kind parse_escape(struct px *p, uint32_t *cp)
{
	int c = peek(p);
	if (c < 0) {
		p->bail = 1;
		return A_NONLIT;
	}
	p->pos++;
	if (c == 's' && p->norm) {
		*cp = ' '; /* the only white space of normalised text */
		return A_LIT;
	}
	if (in_set("sdDSwWhHvVRX", c))
		return A_NONLIT; /* one character of a class */
	if (c == 'N') {
		if (peek(p) == '{')
			p->bail = 1;
		return A_NONLIT;
	}
	if (c == 'p' || c == 'P') {
		skip_property(p);
		return A_NONLIT;
	}
	if (in_set("bBAzZGKE", c))
		return A_ZERO;
	if (control_escape(c, cp))
		return A_LIT;
	if (c == 'x')
		return parse_hex_escape(p, cp);
	if (c >= '1' && c <= '9') {
		/* a backreference (or an octal escape): matches something, and
		 * the digits that follow belong to it or are a literal we may
		 * ignore */
		while (is_digit(peek(p)))
			p->pos++;
		return A_NONLIT;
	}
	if (c < 0x80 && !((c | 0x20) >= 'a' && (c | 0x20) <= 'z') && !is_digit(c)) {
		*cp = (uint32_t)c; /* an escaped punctuation character */
		return A_LIT;
	}
	/* backreferences, octal, \c, \g, \k, \o, \Q (handled by the caller),
	 * anything else */
	p->bail = 1;
	return A_NONLIT;
}

size_t prefilter_case_partners(uint32_t cp, uint32_t out[PREFILTER_MAX_PARTNERS])
{
	size_t n = 0;
	if (cp < 0x80) {
		if ((cp | 0x20) < 'a' || (cp | 0x20) > 'z') {
			out[n++] = cp; /* no case */
			return n;
		}
		cp |= 0x20;
		out[n++] = cp;
		if (cp == 'k')
			out[n++] = 0x212A; /* KELVIN SIGN */
		else if (cp == 's')
			out[n++] = 0x017F; /* LATIN SMALL LETTER LONG S */
		return n;
	}
	/* Latin-1 letters: capitals C0-DE pair with small E0-FE (not the
	 * signs D7 and F7); a few have a third partner elsewhere. */
	if (cp >= 0xC0 && cp <= 0xDE && cp != 0xD7)
		cp += 0x20;
	if (cp >= 0xE0 && cp <= 0xFE && cp != 0xF7 && cp != 0xDF) {
		out[n++] = cp;
		out[n++] = cp - 0x20;
		if (cp == 0xE5)
			out[n++] = 0x212B; /* ANGSTROM SIGN */
		return n;
	}
	switch (cp) {
	case 0xDF: /* sharp s: capital U+1E9E */
	case 0x1E9E:
		out[n++] = 0xDF;
		out[n++] = 0x1E9E;
		return n;
	case 0xFF: /* y with diaeresis: capital U+0178 */
	case 0x178:
		out[n++] = 0xFF;
		out[n++] = 0x178;
		return n;
	case 0x212A:
		return prefilter_case_partners('k', out);
	case 0x017F:
		return prefilter_case_partners('s', out);
	case 0x212B:
		return prefilter_case_partners(0xE5, out);
	default:
		return 0;
	}
}

/* One ASCII byte appended to every variant: run_mul() with a single
 * one-byte alternative, which is what most items of a lexicon's trie are
 * (640,000 calls building the shipped rules' plan).  Same result. */
static void run_append_byte(struct run *run, char b)
{
	const size_t nv = run->nv ? run->nv : 1;
	if (run->nv == 0)
		run->len[0] = 0;
	if (run->full)
		return;
	for (size_t v = 0; v < nv; v++)
		if (run->len[v] + 1 > PREFILTER_MAX_LIT_LEN) {
			run->full = 1;
			return;
		}
	for (size_t v = 0; v < nv; v++)
		run->b[v][run->len[v]++] = b;
	run->nv = nv;
}

/* Append one of the characters cps[0..ncp) with quantifier (min, max) to
 * the run. */
static void add_lit(struct px *p, struct run *run, struct lit_conj *best, const uint32_t *cps,
                    size_t ncp, long min, long max)
{
	if (ncp == 1 && min == 1 && max == 1 && !p->icase && cps[0] < 0x80) {
		/* one ASCII character, once: the loops below come to this
		 * (no case partners, no (?x) check above 0x7F) */
		const uint32_t cp = cps[0] >= 'A' && cps[0] <= 'Z' ? cps[0] | 0x20 : cps[0];
		run_append_byte(run, (char)cp);
		return;
	}
	char c[CLASS_MAX_CHARS][4];
	size_t clen[CLASS_MAX_CHARS], n = 0;

	for (size_t i = 0; i < ncp; i++) {
		uint32_t alt[PREFILTER_MAX_PARTNERS] = { cps[i] };
		size_t nalt = 1;
		if (p->ext && cps[i] >= 0x80) {
			/* PCRE2 also skips some non-ASCII white space in (?x) */
			finish_run(p, run, best);
			return;
		}
		if (p->icase) {
			/* every character (?i) matches for this one, as the
			 * automaton compares (ASCII case-insensitively) */
			nalt = prefilter_case_partners(cps[i], alt);
			if (nalt == 0) {
				finish_run(p, run, best); /* partners we do not know */
				return;
			}
		}
		for (size_t a = 0; a < nalt; a++) {
			uint32_t cp = alt[a];
			if (cp >= 'A' && cp <= 'Z')
				cp |= 0x20;
			if (n == CLASS_MAX_CHARS) {
				finish_run(p, run, best); /* too many alternatives */
				return;
			}
			size_t l = utf8_encode(cp, c[n]);
			int dup = 0;
			for (size_t j = 0; j < n; j++)
				dup |= clen[j] == l && memcmp(c[j], c[n], l) == 0;
			if (!dup)
				clen[n++] = l;
		}
	}
	if (min == 0) {
		finish_run(p, run, best);
		return;
	}
	for (long i = 0; i < min && i <= PREFILTER_MAX_LIT_LEN; i++)
		if (run_mul(run, c, clen, n) < 0) {
			finish_run(p, run, best);
			run_mul(run, c, clen, n);
		}
	if (min == max)
		return;
	/* c{2,} : "cc" ends the run; the last c starts the next one. */
	finish_run(p, run, best);
	run_mul(run, c, clen, n);
}

/* A class of at most CLASS_MAX_CHARS plain characters or ASCII ranges
 * ([i1], [e3], [.,], [0-9]); p->pos is just after '['.  Returns the count
 * and advances, or 0 (nothing consumed) for any other class. */
static size_t parse_simple_class(struct px *p, uint32_t *cps)
{
	size_t q = p->pos, n = 0;
	if (q < p->len && (p->s[q] == '^' || p->s[q] == ']'))
		return 0;
	while (q < p->len && p->s[q] != ']') {
		unsigned char c = (unsigned char)p->s[q];
		uint32_t cp;
		if (n == CLASS_MAX_CHARS || c == '[' || (p->ext && is_ext_space(c)))
			return 0;
		if (c == '-') {
			/* a range between two plain ASCII letters or digits */
			if (n == 0 || q + 1 >= p->len || p->s[q + 1] == ']')
				return 0;
			unsigned char lo = (unsigned char)cps[n - 1],
			              hi = (unsigned char)p->s[q + 1];
			int ok = cps[n - 1] < 0x80 &&
			         ((is_digit(lo) && is_digit(hi)) || (lo >= 'a' && hi <= 'z') ||
			          (lo >= 'A' && hi <= 'Z'));
			if (!ok || hi < lo || n + (size_t)(hi - lo) > CLASS_MAX_CHARS)
				return 0;
			for (unsigned x = lo + 1u; x <= hi; x++)
				cps[n++] = x;
			q += 2;
			continue;
		}
		if (c == '\\') {
			if (q + 1 >= p->len)
				return 0;
			c = (unsigned char)p->s[q + 1];
			if (c >= 0x80 || ((c | 0x20) >= 'a' && (c | 0x20) <= 'z') || is_digit(c))
				return 0;
			cp = c;
			q += 2;
		} else {
			cp = utf8_next(p->s, p->len, &q);
		}
		cps[n++] = cp;
	}
	if (q >= p->len || n == 0)
		return 0;
	p->pos = q + 1;
	return n;
}

/* \Q...\E after the backslash's position: literal text; a quantifier
 * binds to its last character. */
static void parse_quoted(struct px *p, struct run *run, struct lit_conj *best)
{
	size_t start = p->pos + 2, end;
	const char *e = memmem(p->s + start, p->len - start, "\\E", 2);
	long min, max;
	end = e ? (size_t)(e - p->s) : p->len;
	p->pos = e ? end + 2 : p->len;
	size_t q = start, last = start;
	while (q < end) {
		last = q;
		utf8_next(p->s, end, &q);
	}
	for (q = start; q < last;) {
		uint32_t c1 = utf8_next(p->s, end, &q);
		add_lit(p, run, best, &c1, 1, 1, 1);
	}
	if (last < end) {
		uint32_t cp = utf8_next(p->s, end, &q);
		parse_quant(p, &min, &max);
		add_lit(p, run, best, &cp, 1, min, max);
	}
}

/* One item of a sequence, its first character c already consumed: a
 * group (its requirement in *req, its exact strings in *gex), a class
 * (its characters in cps[0..*ncp) when simple), an escape or a character
 * (*cp). */
struct atom {
	enum atom_kind k;
	uint32_t cp, cps[CLASS_MAX_CHARS];
	size_t ncp;
	struct lit_conj req;
	struct run gex;
};

static void parse_atom(struct px *p, int c, struct atom *a)
{
	switch (c) {
	case '(':
		a->k = parse_group(p, &a->req, &a->gex);
		break;
	case '[':
		a->ncp = parse_simple_class(p, a->cps);
		if (a->ncp) {
			a->k = A_LIT;
			break;
		}
		skip_class(p);
		a->k = A_NONLIT;
		break;
	case '.':
		a->k = A_NONLIT;
		break;
	case '^':
	case '$':
		a->k = A_ZERO;
		break;
	case '\\':
		a->k = parse_escape(p, &a->cp);
		break;
	case '*':
	case '+':
	case '?':
		p->bail = 1;
		a->k = A_NONLIT;
		break;
	default:
		p->pos--;
		a->cp = utf8_next(p->s, p->len, &p->pos);
		a->k = A_LIT;
		break;
	}
}

/* 1 when the run holds at least one variant and none is empty. */
static int run_nonempty(const struct run *run)
{
	for (size_t v = 0; v < run->nv; v++)
		if (run->len[v] == 0)
			return 0;
	return run->nv > 0 && !run->full;
}

/* What item a, quantified (min, max), adds to the run and the sets. */
static void add_atom(struct px *p, struct run *run, struct lit_conj *best, struct atom *a, long min,
                     long max)
{
	switch (a->k) {
	case A_ZERO:
		break;
	case A_ASSERT:
		/* zero width: the run goes on across it */
		if (min >= 1)
			for (size_t i = 0; i < a->req.n; i++)
				conj_add_minimal(best, &a->req.v[i]);
		break;
	case A_NONLIT:
		finish_run(p, run, best);
		break;
	case A_LIT:
		if (a->ncp)
			add_lit(p, run, best, a->cps, a->ncp, min, max);
		else
			add_lit(p, run, best, &a->cp, 1, min, max);
		break;
	case A_GROUP:
		if (min == 1 && max == 1 && a->gex.nv > 0) {
			/* (?:jag|vi)\s+ska: the group's strings go on the run,
			 * "jag ska|vi ska" */
			int m = run_mul_str(run, &a->gex);
			if (m < 0) {
				finish_run(p, run, best);
				m = run_mul_str(run, &a->gex);
			}
			if (m == 1)
				break;
		}
		if (min == 0 && max == 1 && a->gex.nv > 0 && a->gex.nv < RUN_MAX_VARIANTS &&
		    run_nonempty(run)) {
			/* dict(?:ed)?: "dict" or "dicted", still exact (a
			 * lexicon's trie, lexicon.h, is full of these) */
			a->gex.len[a->gex.nv++] = 0;
			int m = run_mul_str(run, &a->gex);
			if (m == 1)
				break;
			if (m < 0) {
				finish_run(p, run, best);
				break;
			}
		}
		/* every set the group requires is required here too */
		finish_run(p, run, best);
		if (min >= 1)
			req_of_exact(p, &a->gex, &a->req);
		if (min >= 1)
			for (size_t i = 0; i < a->req.n; i++)
				conj_add_minimal(best, &a->req.v[i]);
		break;
	}
}

/* A group of words followed by a character (issue 9, eighteenth round).
 * A lexicon's group (lexicon.h: a trie of literal words) that holds a
 * word of one letter ("e" in @sv_finite_verb) has a set with that letter,
 * in every text: the set is dropped, and a pattern such as
 * "@sv_finite_verb\s+[a-z]{2,}[^.!?]{0,160}\?" required only "?".  The
 * group's words are more than a run keeps (RUN_MAX_VARIANTS), so they do
 * not go on the run, but when the group is followed by a character every
 * match holds one of its words with that character after it ("e ", "ar ",
 * "kan "): group_words() lists the words of a group made of nothing but
 * literal characters, alternations and optional groups, and
 * add_suffixed() adds the set of each word with the character. */
#define WORDS_MAX PREFILTER_MAX_LITS

struct word {
	uint8_t len;
	char b[PREFILTER_MAX_LIT_LEN];
};

struct words {
	struct word *v;
	size_t n, cap;
};

static int words_push(struct words *w, const char *b, size_t len)
{
	if (len > PREFILTER_MAX_LIT_LEN || w->n == WORDS_MAX)
		return -1;
	if (w->n == w->cap) {
		size_t cap = w->cap ? 2 * w->cap : 16;
		struct word *v = realloc(w->v, cap * sizeof(*v));
		if (!v)
			return -1;
		w->v = v;
		w->cap = cap;
	}
	w->v[w->n].len = (uint8_t)len;
	memcpy(w->v[w->n].b, b, len);
	w->n++;
	return 0;
}

/* cur := every word of cur followed by every word of item.  0 or -1 (too
 * many, too long, no memory). */
static int words_mul(struct words *cur, const struct words *item)
{
	if (item->n == 1) {
		/* a character: appended where the words are (most items of a
		 * lexicon's trie; a new list for each cost a tenth of the
		 * shipped rules' engine build) */
		for (size_t i = 0; i < cur->n; i++) {
			if (cur->v[i].len + (size_t)item->v[0].len > PREFILTER_MAX_LIT_LEN)
				return -1;
			memcpy(cur->v[i].b + cur->v[i].len, item->v[0].b, item->v[0].len);
			cur->v[i].len = (uint8_t)(cur->v[i].len + item->v[0].len);
		}
		return 0;
	}
	struct words out = { 0 };
	for (size_t i = 0; i < cur->n; i++)
		for (size_t j = 0; j < item->n; j++) {
			char b[2 * PREFILTER_MAX_LIT_LEN];
			size_t l = cur->v[i].len + (size_t)item->v[j].len;
			if (l > PREFILTER_MAX_LIT_LEN) {
				free(out.v);
				return -1;
			}
			memcpy(b, cur->v[i].b, cur->v[i].len);
			memcpy(b + cur->v[i].len, item->v[j].b, item->v[j].len);
			if (words_push(&out, b, l) < 0) {
				free(out.v);
				return -1;
			}
		}
	free(cur->v);
	*cur = out;
	return 0;
}

static int words_alt(const char *s, size_t n, size_t *pos, int norm, int depth, struct words *out);

/* Is c one of the characters with a meaning outside a class? */
static bool is_meta(unsigned char c)
{
	switch (c) {
	case '^':
	case '$':
	case '.':
	case '[':
	case ']':
	case '{':
	case '}':
	case '*':
	case '+':
	case '?':
	case '|':
	case '(':
	case ')':
	case '\\':
		return true;
	default:
		return false;
	}
}

/* Is c a quantifier's first character? */
static bool is_quant(char c)
{
	return c == '?' || c == '*' || c == '+' || c == '{';
}

/* A character at s[*pos] into b[0..*len): ASCII letters lowercased, as
 * the automaton compares; an escaped punctuation mark; \s in normalised
 * text (' '); a character of several bytes as it stands.  0 or -1 (any
 * other syntax). */
static int word_char(const char *s, size_t n, size_t *pos, int norm, char b[4], size_t *len)
{
	size_t q = *pos;
	unsigned char c = (unsigned char)s[q];
	*len = 1;
	if (c == '\\') {
		if (q + 1 >= n)
			return -1;
		c = (unsigned char)s[q + 1];
		if (c == 's' && norm)
			c = ' '; /* the only white space of normalised text */
		else if (c >= 0x80 || ((c | 0x20) >= 'a' && (c | 0x20) <= 'z') ||
		         (c >= '0' && c <= '9'))
			return -1;
		b[0] = (char)c;
		q += 2;
	} else if (c >= 0x80) {
		size_t e = q;
		utf8_next(s, n, &e);
		if (e - q > 4)
			return -1;
		*len = e - q;
		memcpy(b, s + q, *len);
		q = e;
	} else if (is_meta(c) || c == '#' || c == ' ' || c < 0x20) {
		return -1; /* (' ' and '#': not in a lexicon's group; (?x) is not read here) */
	} else {
		b[0] = (char)(c >= 'A' && c <= 'Z' ? c | 0x20 : c);
		q++;
	}
	*pos = q;
	return 0;
}

/* One item at s[*pos] into *item: a character (word_char()) or a group
 * (?:…), (?>…) or (…).  0 or -1 (any other syntax). */
static int words_item(const char *s, size_t n, size_t *pos, int norm, int depth, struct words *item)
{
	size_t q = *pos, l;
	char b[4];
	if (s[q] != '(') {
		if (word_char(s, n, pos, norm, b, &l) < 0)
			return -1;
		return words_push(item, b, l);
	}
	q++;
	if (q + 1 < n && s[q] == '?' && (s[q + 1] == ':' || s[q + 1] == '>'))
		q += 2;
	else if (q < n && (s[q] == '?' || s[q] == '*'))
		return -1;
	if (depth > 64 || words_alt(s, n, &q, norm, depth + 1, item) < 0)
		return -1;
	if (q >= n || s[q] != ')')
		return -1;
	*pos = q + 1;
	return 0;
}

/* A sequence up to '|' or ')' (items, each optionally followed by '?',
 * '??' or '?+'), multiplied into *out ({""} to start with). */
static int words_seq(const char *s, size_t n, size_t *pos, int norm, int depth, struct words *out)
{
	if (words_push(out, "", 0) < 0)
		return -1;
	while (*pos < n && s[*pos] != '|' && s[*pos] != ')') {
		struct words item = { 0 };
		struct word one;
		size_t q = *pos, l;
		int r;
		if (s[q] != '(' && word_char(s, n, &q, norm, one.b, &l) == 0 &&
		    (q >= n || !is_quant(s[q]))) {
			/* a character alone: no list made for it */
			one.len = (uint8_t)l;
			*pos = q;
			item.v = &one;
			item.n = 1;
			if (words_mul(out, &item) < 0)
				return -1;
			continue;
		}
		r = words_item(s, n, pos, norm, depth, &item);
		if (r == 0 && *pos < n && s[*pos] == '?') {
			(*pos)++;
			if (*pos < n && (s[*pos] == '?' || s[*pos] == '+'))
				(*pos)++;
			r = words_push(&item, "", 0);
		}
		if (r == 0 && *pos < n && is_quant(s[*pos]))
			r = -1;
		if (r == 0)
			r = words_mul(out, &item);
		free(item.v);
		if (r < 0)
			return -1;
	}
	return 0;
}

static int words_alt(const char *s, size_t n, size_t *pos, int norm, int depth, struct words *out)
{
	for (;;) {
		struct words branch = { 0 };
		int r = words_seq(s, n, pos, norm, depth, &branch);
		for (size_t i = 0; r == 0 && i < branch.n; i++)
			r = words_push(out, branch.v[i].b, branch.v[i].len);
		free(branch.v);
		if (r < 0)
			return -1;
		if (*pos >= n || s[*pos] != '|')
			return 0;
		(*pos)++;
	}
}

/* The words the group s[0..n) ('(' to ')') matches, none empty, into
 * *ret.  0, or -1 when the group is anything else or has more than
 * WORDS_MAX words. */
static int group_words(const char *s, size_t n, int norm, struct words *ret)
{
	size_t pos = 0;
	memset(ret, 0, sizeof(*ret));
	if (words_item(s, n, &pos, norm, 0, ret) < 0 || pos != n)
		goto fail;
	for (size_t i = 0; i < ret->n; i++)
		if (ret->v[i].len == 0)
			goto fail;
	return 0;
fail:
	free(ret->v);
	memset(ret, 0, sizeof(*ret));
	return -1;
}

static int word_cmp(const void *a, const void *b)
{
	const struct word *x = a, *y = b;
	int d = memcmp(x->b, y->b, x->len < y->len ? x->len : y->len);
	return d ? d : (int)x->len - (int)y->len;
}

/* Can a character that must occur (a literal, \s) follow where a group
 * ends, at p->s[at], after \b or \B, or a group (a lookaround)?  A look
 * at the text before useless_req() reads the group's sets. */
static bool char_may_follow(const struct px *p, size_t at)
{
	while (at + 1 < p->len && p->s[at] == '\\' && (p->s[at + 1] == 'b' || p->s[at + 1] == 'B'))
		at += 2;
	if (at >= p->len)
		return false;
	const unsigned char c = (unsigned char)p->s[at];
	if (c == '\\') {
		const unsigned char e = at + 1 < p->len ? (unsigned char)p->s[at + 1] : 0;
		return e == 's' ||
		       (e >= 0x20 && e < 0x80 && !((e | 0x20) >= 'a' && (e | 0x20) <= 'z') &&
		        !(e >= '0' && e <= '9'));
	}
	return c == '(' || !is_meta(c);
}

/* Is a group's requirement worth nothing (none, "always", or only sets
 * with a literal in nearly every text)? */
static int useless_req(const struct lit_conj *req)
{
	for (size_t i = 0; i < req->n; i++) {
		int u;
		if (!worthless(&req->v[i]) && (set_stats(&req->v[i], &u), !u))
			return 0;
	}
	return 1;
}

/* Add the set "each word of the group s[0..n) followed by the
 * character cp" to best (nothing when the group is not one of words). */
static void add_suffixed(struct px *p, struct lit_conj *best, const char *s, size_t n, uint32_t cp)
{
	struct words w;
	char tail[4];
	size_t tl;
	if (cp >= 'A' && cp <= 'Z')
		cp |= 0x20;
	tl = utf8_encode(cp, tail);
	if (tl == 0 || group_words(s, n, p->norm, &w) < 0)
		return;
	qsort(w.v, w.n, sizeof(*w.v), word_cmp);
	struct lit_set cand = { 0 };
	if (!(cand.v = malloc(w.n * sizeof(*cand.v)))) {
		p->nomem = 1;
		free(w.v);
		return;
	}
	for (size_t i = 0; i < w.n; i++) {
		char b[PREFILTER_MAX_LIT_LEN + 4];
		if (i && word_cmp(&w.v[i - 1], &w.v[i]) == 0)
			continue; /* a word twice */
		memcpy(b, w.v[i].b, w.v[i].len);
		memcpy(b + w.v[i].len, tail, tl);
		/* a longer literal is cut, as a run's are: its start is
		 * required too */
		size_t l = w.v[i].len + tl;
		if (l > PREFILTER_MAX_LIT_LEN)
			l = w.v[i].len;
		if (!(cand.v[cand.n] = lit_new(p->arena, b, l))) {
			p->nomem = 1;
			break;
		}
		cand.n++;
	}
	free(w.v);
	conj_add(p, best, &cand);
}

static bool is_alnum_ascii(int c)
{
	return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9');
}

/* Does the item at p->s[at] end at the byte after it, unquantified?  The
 * byte after is a letter or digit, '|', ')', '\\', '[', a '(' that opens
 * no (?#...) comment (a quantifier may follow a comment), or the end. */
static bool ends_unquantified(const struct px *p, size_t at)
{
	if (at + 1 >= p->len)
		return true;
	const int n = (unsigned char)p->s[at + 1];
	if (n == '(')
		return !(at + 3 < p->len && p->s[at + 2] == '?' && p->s[at + 3] == '#');
	return is_alnum_ascii(n) || n == '|' || n == ')' || n == '\\' || n == '[';
}

/* A sequence up to '|', ')' or the end.  *exact gets the strings the
 * sequence matches when it is nothing but literal characters (and
 * zero-width items), else exact->nv = 0. */
static void parse_seq(struct px *p, struct lit_conj *best, struct run *exact)
{
	struct run run; /* 4 KB of variants: only the header is initialised */
	run_init(&run);
	memset(best, 0, sizeof(*best));
	exact->nv = 0;
	exact->lazy = 0;

	/* the last group of words whose own sets are worth nothing, while
	 * only zero-width items follow it: p->s[wide0 .. wide1) */
	size_t wide0 = 0, wide1 = 0;

	while (!p->bail && !p->nomem) {
		skip_ext(p);
		int c = peek(p);
		long min, max;

		if (c < 0 || c == '|' || c == ')')
			break;
		if (c == '\\' && p->pos + 1 < p->len && p->s[p->pos + 1] == 'Q') {
			parse_quoted(p, &run, best);
			wide1 = 0;
			continue;
		}
		if (is_alnum_ascii(c) && !p->ext && !p->icase && !wide1 &&
		    ends_unquantified(p, p->pos)) {
			/* a letter or digit, once (most of a lexicon's trie):
			 * what parse_atom(), parse_quant() and add_atom() do
			 * with it, without them */
			do {
				p->pos++;
				run_append_byte(&run, (char)(c >= 'A' && c <= 'Z' ? c | 0x20 : c));
				c = peek(p);
			} while (is_alnum_ascii(c) && ends_unquantified(p, p->pos));
			continue;
		}
		struct atom a;
		a.k = A_NONLIT;
		a.ncp = 0;
		a.req.n = 0;
		run_init(&a.gex);
		const size_t at = p->pos;
		p->pos++;
		parse_atom(p, c, &a);
		if (p->bail) {
			lit_conj_clear(&a.req);
			break;
		}
		const size_t end = p->pos;
		parse_quant(p, &min, &max);
		if (p->norm && a.k == A_LIT &&
		    (a.ncp ? a.ncp == 1 && a.cps[0] == ' ' : a.cp == ' ') && min >= 1)
			min = max = 1; /* normalised text has no two spaces in a row */
		if (wide1 && a.k == A_LIT && a.ncp <= 1 && min >= 1 && !p->icase)
			add_suffixed(p, best, p->s + wide0, wide1 - wide0, a.ncp ? a.cps[0] : a.cp);
		if (a.k == A_GROUP && a.gex.nv == 0 && min == 1 && max == 1 && !p->icase &&
		    !p->ext && char_may_follow(p, p->pos) && useless_req(&a.req)) {
			wide0 = at;
			wide1 = end;
		} else if (a.k != A_ZERO && a.k != A_ASSERT) {
			wide1 = 0;
		}
		add_atom(p, &run, best, &a, min, max);
		lit_conj_clear(&a.req);
	}
	if (!p->bail && !run.cut && !run.full && run.nv > 0 && run.len[0] > 0) {
		run_copy(exact, &run);
		if (best->n == 0 && !p->eager) {
			/* its requirement is exactly its strings' set: made
			 * only if the caller asks (req_of_exact()) */
			exact->lazy = 1;
			return;
		}
	}
	finish_run(p, &run, best);
}

/* An alternation.  One branch: its conjunction.  Several: each branch's
 * strongest set, united (any branch without one makes it "always").  It
 * is exact when every branch is. */
/* The union of an alternation's branch sets, built a branch at a time
 * (lit_set_union() of each, with one hash of the literals so far: that
 * hashed the whole union again for every branch of a trie's level), and
 * where each branch's new literals end: set.v[end[k - 1] .. end[k]) came
 * from branch k (end[-1] = 0). */
struct alt_acc {
	struct lit_set set;
	size_t vcap; /* room in set.v (made twice as large when full) */
	const char **slot;
	size_t cap;
	size_t *end, nb, bcap;
};

static bool same_lit(const char *a, const char *b)
{
	return a == b || (lit_len(a) == lit_len(b) && memcmp(a, b, lit_len(a)) == 0);
}

/* Make the hash hold set.v[0 .. set.n) with room for `more`; 0 or
 * -ENOMEM. */
static int acc_fit(struct alt_acc *a, size_t more)
{
	if (2 * (a->set.n + more) < a->cap)
		return 0;
	size_t cap = a->cap ? a->cap : 16;
	while (2 * (a->set.n + more) >= cap)
		cap *= 2;
	const char **slot = calloc(cap, sizeof(*slot));
	if (!slot)
		return -ENOMEM;
	free(a->slot);
	a->slot = slot;
	a->cap = cap;
	for (size_t i = 0; i < a->set.n; i++) {
		const char *lit = a->set.v[i];
		size_t k = lit_of(lit)->hash & (cap - 1);
		while (slot[k] && !same_lit(slot[k], lit))
			k = (k + 1) & (cap - 1);
		if (!slot[k])
			slot[k] = lit; /* a repeated literal stays, as it was */
	}
	return 0;
}

static int acc_end_branch(struct alt_acc *a)
{
	if (a->nb == a->bcap) {
		size_t cap = a->bcap ? 2 * a->bcap : 16;
		size_t *end = realloc(a->end, cap * sizeof(*end));
		if (!end)
			return -ENOMEM;
		a->end = end;
		a->bcap = cap;
	}
	a->end[a->nb++] = a->set.n;
	return 0;
}

/* lit_set_union(&a->set, src), then the branch's end.  Returns 0 or
 * -ENOMEM. */
static int acc_add(struct alt_acc *a, const struct lit_set *src)
{
	if (a->set.always)
		return 0;
	if (src->always) {
		set_always(&a->set);
		return 0;
	}
	size_t room = a->set.n + src->n;
	if (room > PREFILTER_MAX_LITS + 1)
		room = PREFILTER_MAX_LITS + 1;
	if (acc_fit(a, src->n) < 0)
		return -ENOMEM;
	if (room > a->vcap) {
		size_t vcap = 2 * a->vcap > room ? 2 * a->vcap : room;
		if (vcap > PREFILTER_MAX_LITS + 1)
			vcap = PREFILTER_MAX_LITS + 1;
		char **v = realloc(a->set.v, vcap * sizeof(*v));
		if (!v)
			return -ENOMEM;
		a->set.v = v;
		a->vcap = vcap;
	}
	for (size_t i = 0; i < src->n; i++) {
		const char *lit = src->v[i];
		size_t k = lit_of(lit)->hash & (a->cap - 1);
		while (a->slot[k] && !same_lit(a->slot[k], lit))
			k = (k + 1) & (a->cap - 1);
		if (a->slot[k])
			continue; /* already there */
		if (a->set.n >= PREFILTER_MAX_LITS) {
			set_always(&a->set);
			return 0;
		}
		a->set.v[a->set.n] = lit_ref(src->v[i]);
		a->slot[k] = a->set.v[a->set.n++];
	}
	return acc_end_branch(a);
}

/* Below this many pairs a literal (compared across branches), comparing
 * beats hashing the whole set (about that many pairs cost as much as
 * looking a literal's substrings up: 128 until the lookups left most
 * places at the first two bytes, and the largest branch's literals were
 * looked up in the others alone; 16, 32, 64, 128 and 256 measured, 32
 * the least). */
#define MINIMIZE_CROSS_PAIRS 32

/* lit_set_minimize() of a union of minimized sets (struct alt_acc): a
 * literal is covered only by one of another branch (nothing in its own
 * minimized set covers it), so when the branches besides the largest
 * hold few literals (a lexicon and a few words), comparing across
 * branches costs less than hashing the whole set.  Either way the result
 * is lit_set_minimize()'s. */
static void minimize_branches(struct px *p, struct alt_acc *a)
{
	struct lit_set *ls = &a->set;
	size_t big = 0, from = 0, big_lo = 0;
	for (size_t k = 0; k < a->nb; k++) {
		if (a->end[k] - from > big) {
			big = a->end[k] - from;
			big_lo = from;
		}
		from = a->end[k];
	}
	const size_t rest = ls->n - big;
	const bool branches = a->nb > 0 && a->end[a->nb - 1] == ls->n;
	size_t *len;
	if (ls->n <= MINIMIZE_PAIRWISE || !branches ||
	    (2 * big + rest) * rest > MINIMIZE_CROSS_PAIRS * ls->n ||
	    !(len = malloc(ls->n * sizeof(*len)))) {
		/* the largest branch's literals, minimized, looked up
		 * apart when hashed */
		lit_set_minimize_split(&p->mx, ls, branches ? big_lo : 0,
		                       branches ? big_lo + big : 0);
		return;
	}
	/* covered literals are marked after every comparison (marking them
	 * at once, as minimize_pairwise() does, gives the same: what covers a
	 * covered literal covers all it covers) */
	bool *covered = calloc(ls->n, sizeof(*covered));
	uint64_t *mask = malloc(ls->n * sizeof(*mask));
	if (!covered || !mask) {
		free(len);
		free(covered);
		free(mask);
		lit_set_minimize(&p->mx, ls);
		return;
	}
	for (size_t i = 0; i < ls->n; i++) {
		len[i] = lit_len(ls->v[i]);
		mask[i] = lit_of(ls->v[i])->bytes;
	}
	for (size_t k = 0, i0 = 0; k < a->nb; i0 = a->end[k++])
		for (size_t i = i0; i < a->end[k]; i++)
			for (size_t q = 0, j0 = 0; q < a->nb && !covered[i]; j0 = a->end[q++]) {
				if (q == k)
					continue;
				for (size_t j = j0; j < a->end[q] && !covered[i]; j++)
					covered[i] = covers(ls->v[j], len[j], mask[j], ls->v[i],
					                    len[i], mask[i]);
			}
	for (size_t i = 0; i < ls->n; i++)
		if (covered[i])
			len[i] = SIZE_MAX;
	free(covered);
	free(mask);
	drop_covered(ls, len);
	free(len);
}

/* Branches of alternations whose requirements were put off (struct run,
 * lazy), their strings kept in order until an alternation is known to be
 * exact (then its own requirement is put off too) or not (then each
 * branch's set is made, as if it had been made when read).  One stack for
 * the whole read (the memo's, for every read): an alternation's branches
 * are on top of those of the alternations it is nested in, and it takes
 * them off before it returns. */
struct pending {
	char *buf; /* the strings, one after the other */
	size_t used, cap;
	size_t *off, *len, n, ocap, lcap; /* each string: where in buf, its length */
	size_t *end, nb, ecap;            /* branch k's strings end at end[k] */
};

/* Room for need elements of size bytes in *v (capacity *cap). */
static int grow(void **v, size_t *cap, size_t need, size_t size)
{
	if (need <= *cap)
		return 0;
	size_t cap2 = *cap ? *cap : 16;
	while (cap2 < need)
		cap2 *= 2;
	void *w = realloc(*v, cap2 * size);
	if (!w)
		return -ENOMEM;
	*v = w;
	*cap = cap2;
	return 0;
}

/* Keep a branch's strings (its exact result).  Returns 0 or -ENOMEM. */
static int pending_add(struct pending *pd, const struct run *ex)
{
	size_t bytes = 0;
	for (size_t v = 0; v < ex->nv; v++)
		bytes += ex->len[v];
	if (grow((void **)&pd->buf, &pd->cap, pd->used + bytes, 1) < 0 ||
	    grow((void **)&pd->off, &pd->ocap, pd->n + ex->nv, sizeof(*pd->off)) < 0 ||
	    grow((void **)&pd->len, &pd->lcap, pd->n + ex->nv, sizeof(*pd->len)) < 0 ||
	    grow((void **)&pd->end, &pd->ecap, pd->nb + 1, sizeof(*pd->end)) < 0)
		return -ENOMEM;
	for (size_t v = 0; v < ex->nv; v++) {
		memcpy(pd->buf + pd->used, ex->b[v], ex->len[v]);
		pd->off[pd->n] = pd->used;
		pd->len[pd->n++] = ex->len[v];
		pd->used += ex->len[v];
	}
	pd->end[pd->nb++] = pd->n;
	return 0;
}

static void pending_free(struct pending *pd)
{
	if (!pd)
		return;
	free(pd->buf);
	free(pd->off);
	free(pd->len);
	free(pd->end);
	free(pd);
}

/* Where an alternation's branches start on the stack. */
struct pending_mark {
	size_t nb, n, used;
};

static struct pending_mark pending_mark(const struct pending *pd)
{
	return (struct pending_mark){ pd->nb, pd->n, pd->used };
}

static void pending_pop(struct pending *pd, struct pending_mark m)
{
	pd->nb = m.nb;
	pd->n = m.n;
	pd->used = m.used;
}

/* Add a branch's requirement (consumed) to the union: the first branch's
 * strongest set is where the union starts. */
static void acc_branch(struct px *p, struct alt_acc *acc, struct lit_conj *branch, bool *started)
{
	struct lit_set one;
	if (!*started) {
		*started = true;
		conj_best(branch, &acc->set);
		acc->vcap = acc->set.n;
		if (!acc->set.always && (acc_fit(acc, 0) < 0 || acc_end_branch(acc) < 0))
			p->nomem = 1;
		return;
	}
	conj_best(branch, &one);
	if (acc_add(acc, &one) < 0)
		p->nomem = 1;
	lit_set_clear(&one);
}

/* Each branch kept since m, its set made and added to the union in
 * order; they leave the stack. */
static void pending_flush(struct px *p, struct pending *pd, struct pending_mark m,
                          struct alt_acc *acc, bool *started)
{
	const char *b[RUN_MAX_VARIANTS];
	for (size_t k = m.nb, i = m.n; k < pd->nb && !p->nomem; k++) {
		struct lit_conj branch = { .n = 0 };
		size_t nv = 0;
		for (; i < pd->end[k]; i++)
			b[nv++] = pd->buf + pd->off[i];
		add_strings(p, &branch, b, pd->len + pd->end[k] - nv, nv);
		acc_branch(p, acc, &branch, started);
	}
	pending_pop(pd, m);
}

static void parse_alt(struct px *p, struct lit_conj *out, struct run *exact)
{
	struct lit_conj first = { .n = 0 }, branch = { .n = 0 };
	struct alt_acc acc = { 0 };
	struct run bex;
	bool started = false;

	parse_seq(p, &first, exact);
	if (p->bail || p->nomem || peek(p) != '|') {
		*out = first; /* a lazy sequence stays lazy (exact) */
		return;
	}
	/* while every branch so far is exact and put off, so is the whole */
	bool lazy = exact->lazy;
	exact->lazy = 0;
	if (lazy && !p->pd && !(p->pd = calloc(1, sizeof(*p->pd))))
		p->nomem = 1;
	const struct pending_mark mark = p->pd ? pending_mark(p->pd) : (struct pending_mark){ 0 };
	if (lazy && !p->nomem && pending_add(p->pd, exact) < 0)
		p->nomem = 1;
	if (!lazy)
		acc_branch(p, &acc, &first, &started);
	while (!p->bail && !p->nomem && peek(p) == '|') {
		p->pos++;
		parse_seq(p, &branch, &bex);
		if (exact->nv && (bex.nv == 0 || !exact_union(exact, &bex)))
			exact->nv = 0;
		if (lazy && bex.lazy && exact->nv) {
			if (pending_add(p->pd, &bex) < 0)
				p->nomem = 1;
			continue;
		}
		if (lazy) {
			pending_flush(p, p->pd, mark, &acc, &started);
			lazy = false;
		}
		req_of_exact(p, &bex, &branch);
		acc_branch(p, &acc, &branch, &started);
	}
	if (p->pd)
		pending_pop(p->pd, mark);
	memset(out, 0, sizeof(*out));
	if (lazy) {
		/* exact (at most RUN_MAX_VARIANTS strings): its set is the
		 * union's, minimized (docs/filter.md, "Building the
		 * prefilter") */
		exact->lazy = !p->bail && !p->nomem;
		lit_set_clear(&acc.set);
	} else if (acc.set.always || acc.set.n == 0 || p->nomem) {
		lit_set_clear(&acc.set);
	} else {
		minimize_branches(p, &acc);
		out->v[out->n++] = acc.set;
	}
	free(acc.slot);
	free(acc.end);
}

int prefilter_extract_opts(const char *pattern, unsigned flags, struct lit_conj *ret)
{
	return prefilter_extract_memo(pattern, flags, NULL, ret);
}

int prefilter_extract_memo(const char *pattern, unsigned flags, struct prefilter_memo *memo,
                           struct lit_conj *ret)
{
	struct px p = { .s = pattern, .len = strlen(pattern), .memo = memo };
	p.norm = (flags & PREFILTER_NORMALIZED) != 0;
	struct lit_conj c = { .n = 0 };
	struct run exact;

	if (memo) {
		p.mx = memo->mx;
		p.pd = memo->pd;
		p.arena = &memo->arena;
	}
	p.eager = (flags & PREFILTER_EAGER) != 0;
	parse_alt(&p, &c, &exact);
	req_of_exact(&p, &exact, &c);
	if (memo) {
		memo->mx = p.mx;
		memo->pd = p.pd;
	} else {
		min_index_free(p.mx);
		pending_free(p.pd);
	}
	if (p.nomem) {
		lit_conj_clear(&c);
		return -ENOMEM;
	}
	if (p.bail || p.pos != p.len)
		lit_conj_clear(&c);
	/* A set with a literal found in nearly every comment (" ", ":", "i")
	 * only costs time once a rarer set is required too; dropping a
	 * requirement is safe. */
	double rarest = 2.0;
	int ubiq[PREFILTER_MAX_CONJ];
	for (size_t i = 0; i < c.n; i++) {
		double f = set_stats(&c.v[i], &ubiq[i]);
		if (f < rarest)
			rarest = f;
	}
	for (size_t i = 0; i < c.n && rarest < 0.5;) {
		if (ubiq[i]) {
			lit_set_clear(&c.v[i]);
			c.v[i] = c.v[--c.n];
			ubiq[i] = ubiq[c.n];
			memset(&c.v[c.n], 0, sizeof(c.v[c.n]));
		} else {
			i++;
		}
	}
	*ret = c;
	return 0;
}

/* ---- The most characters an anchored pattern's match can span ----
 *
 * A reader of its own, separate from the literal reader above: it needs
 * only how many characters each item consumes, and gives up (-1) on
 * anything it does not fully know.  Every item that consumes is one code
 * point in UTF mode (a literal, a class, '.', \w, \p{..}); assertions and
 * lookarounds consume none. */

#define SPAN_UNBOUNDED (-1L)
#define SPAN_CAP 1000000L /* larger: as unbounded */

struct span_reader {
	const char *s;
	size_t pos, len;
	int norm; /* PREFILTER_NORMALIZED */
	int look; /* inside this many lookarounds */
	int fail;
};

/* Anchors an item may be: where a top-level branch starts and ends. */
enum span_anchor { SPAN_NONE, SPAN_START, SPAN_END };

static long span_alt(struct span_reader *r, int top);

/* Past a class's closing ']' (r->pos just after its '['). */
static void span_skip_class(struct span_reader *r)
{
	size_t q = r->pos;
	if (q < r->len && r->s[q] == '^')
		q++;
	if (q < r->len && r->s[q] == ']')
		q++; /* a ']' first is a literal */
	while (q < r->len && r->s[q] != ']') {
		if (r->s[q] == '\\') {
			if (q + 1 < r->len && (r->s[q + 1] == 'Q' || r->s[q + 1] == 'E')) {
				r->fail = 1;
				return;
			}
			q += 2;
		} else if (r->s[q] == '[' && q + 1 < r->len &&
		           (r->s[q + 1] == ':' || r->s[q + 1] == '.' || r->s[q + 1] == '=')) {
			const char *end = strstr(r->s + q + 2, ":]");
			if (r->s[q + 1] != ':' || !end) {
				r->fail = 1;
				return;
			}
			q = (size_t)(end - r->s) + 2;
		} else {
			q++;
		}
	}
	if (q >= r->len) {
		r->fail = 1;
		return;
	}
	r->pos = q + 1;
}

/* Past a braced argument ("{...}") at r->pos, if any. */
static void span_skip_braces(struct span_reader *r)
{
	if (r->pos < r->len && r->s[r->pos] == '{') {
		const char *end = memchr(r->s + r->pos, '}', r->len - r->pos);
		if (!end) {
			r->fail = 1;
			return;
		}
		r->pos = (size_t)(end - r->s) + 1;
	}
}

/* An escape (r->pos just after its '\\'): characters consumed (0 or 1),
 * *anchor, *space (\s: the only escape normalised text repeats at most
 * once). */
static long span_escape(struct span_reader *r, enum span_anchor *anchor, int *space)
{
	if (r->pos >= r->len) {
		r->fail = 1;
		return 0;
	}
	const unsigned char c = (unsigned char)r->s[r->pos++];
	switch (c) {
	case 'A':
		*anchor = SPAN_START;
		return 0;
	case 'z':
	case 'Z':
		*anchor = SPAN_END;
		return 0;
	case 'b':
	case 'B':
		return 0;
	case 's':
		*space = 1;
		return 1;
	case 'd':
	case 'D':
	case 'w':
	case 'W':
	case 'S':
	case 'h':
	case 'H':
	case 'v':
	case 'V':
	case 'N':
	case 't':
	case 'n':
	case 'r':
	case 'f':
	case 'e':
	case 'a':
		return 1;
	case 'p':
	case 'P':
		if (r->pos < r->len && r->s[r->pos] == '{')
			span_skip_braces(r);
		else
			r->pos++;
		return 1;
	case 'x':
		if (r->pos < r->len && r->s[r->pos] == '{') {
			span_skip_braces(r);
		} else {
			for (int k = 0; k < 2 && r->pos < r->len && hexval(r->s[r->pos]) >= 0; k++)
				r->pos++;
		}
		return 1;
	default:
		/* any other letter or digit (\R, \X, \K, \G, \Q, \C,
		 * back references, octal): not known here */
		if (c >= 0x80 || (c >= '0' && c <= '9') ||
		    ((c | 0x20) >= 'a' && (c | 0x20) <= 'z')) {
			r->fail = 1;
			return 0;
		}
		return 1; /* an escaped mark */
	}
}

/* A group (r->pos just after its '('): its characters; *zero for a
 * lookaround (consumes nothing). */
static long span_group(struct span_reader *r, int *zero)
{
	if (r->pos < r->len && r->s[r->pos] == '*') {
		r->fail = 1; /* a verb */
		return 0;
	}
	if (r->pos >= r->len || r->s[r->pos] != '?')
		return span_alt(r, 0); /* a capture */
	r->pos++;
	const char *g = r->s + r->pos;
	const size_t left = r->len - r->pos;
	if (left >= 1 && (g[0] == ':' || g[0] == '>' || g[0] == '|')) {
		r->pos++;
		return span_alt(r, 0);
	}
	if ((left >= 1 && (g[0] == '=' || g[0] == '!')) ||
	    (left >= 2 && g[0] == '<' && (g[1] == '=' || g[1] == '!'))) {
		r->pos += g[0] == '<' ? 2 : 1;
		*zero = 1;
		r->look++; /* what it reads is not consumed, bounded or not */
		span_alt(r, 0);
		r->look--;
		return 0;
	}
	if (left >= 2 && (g[0] == '<' || (g[0] == 'P' && g[1] == '<') || g[0] == '\'')) {
		const char close = g[0] == '\'' ? '\'' : '>';
		const char *end = memchr(g, close, left);
		if (!end) {
			r->fail = 1;
			return 0;
		}
		r->pos = (size_t)(end - r->s) + 1;
		return span_alt(r, 0); /* a named capture */
	}
	/* option letters: only (?i) and (?i:…) change nothing here ((?m)
	 * would move ^ and $, (?x) how the pattern reads) */
	size_t q = r->pos;
	while (q < r->len && (r->s[q] == 'i' || r->s[q] == '-'))
		q++;
	if (q == r->pos || q >= r->len || (r->s[q] != ')' && r->s[q] != ':')) {
		r->fail = 1;
		return 0;
	}
	if (r->s[q] == ':') {
		r->pos = q + 1;
		return span_alt(r, 0);
	}
	r->pos = q; /* (?i): a setting, no item; span_item() reads the ')' */
	*zero = 1;
	return 0;
}

/* A quantifier after an item, if any: *max -1 when unbounded; 0 when
 * there is none (*has 0).  A '{' that is not a quantifier fails (PCRE2
 * versions differ on "{,n}"). */
static void span_quant(struct span_reader *r, long *max, int *has)
{
	*has = 0;
	*max = 1;
	if (r->pos >= r->len)
		return;
	const char c = r->s[r->pos];
	if (c == '*' || c == '+' || c == '?') {
		*has = 1;
		*max = c == '?' ? 1 : SPAN_UNBOUNDED;
		r->pos++;
	} else if (c == '{') {
		size_t q = r->pos + 1;
		long a = 0, b;
		if (q >= r->len || !is_digit(r->s[q])) {
			r->fail = 1;
			return;
		}
		while (q < r->len && is_digit(r->s[q]) && a < SPAN_CAP)
			a = a * 10 + (r->s[q++] - '0');
		b = a;
		if (q < r->len && r->s[q] == ',') {
			q++;
			b = SPAN_UNBOUNDED;
			if (q < r->len && is_digit(r->s[q])) {
				b = 0;
				while (q < r->len && is_digit(r->s[q]) && b < SPAN_CAP)
					b = b * 10 + (r->s[q++] - '0');
			}
		}
		if (q >= r->len || r->s[q] != '}') {
			r->fail = 1;
			return;
		}
		*has = 1;
		*max = b;
		r->pos = q + 1;
	} else {
		return;
	}
	if (r->pos < r->len && (r->s[r->pos] == '+' || r->s[r->pos] == '?'))
		r->pos++; /* possessive or lazy: the same most */
}

/* One item and its quantifier: the most characters it consumes, or
 * SPAN_UNBOUNDED; *anchor when it is ^, \A, $, \z or \Z unquantified. */
static long span_item(struct span_reader *r, enum span_anchor *anchor)
{
	const unsigned char c = (unsigned char)r->s[r->pos++];
	long n = 1;
	int space = 0, zero = 0;
	*anchor = SPAN_NONE;
	switch (c) {
	case '^':
		*anchor = SPAN_START;
		n = 0;
		break;
	case '$':
		*anchor = SPAN_END;
		n = 0;
		break;
	case '\\':
		n = span_escape(r, anchor, &space);
		break;
	case '[':
		span_skip_class(r);
		break;
	case '(':
		n = span_group(r, &zero);
		if (!r->fail && (r->pos >= r->len || r->s[r->pos] != ')'))
			r->fail = 1;
		else
			r->pos++;
		break;
	case '*':
	case '+':
	case '?':
	case '{':
	case ')':
	case '|':
		r->fail = 1; /* not an item (or a literal '{': not known here) */
		return 0;
	case ' ':
		space = 1;
		break;
	default:
		if (c >= 0x80) /* one character of several bytes */
			while (r->pos < r->len && ((unsigned char)r->s[r->pos] & 0xC0) == 0x80)
				r->pos++;
		break;
	}
	if (r->fail)
		return 0;
	long q;
	int has;
	span_quant(r, &q, &has);
	if (has && *anchor != SPAN_NONE) {
		*anchor = SPAN_NONE; /* a quantified anchor: not one to rely on */
		r->fail = 1;
	}
	if (r->fail || n == 0 || zero)
		return 0;
	if (n == SPAN_UNBOUNDED)
		return SPAN_UNBOUNDED;
	/* normalised text has no two white-space characters in a row */
	if (space && r->norm)
		return q == 0 ? 0 : 1;
	if (q == SPAN_UNBOUNDED || n * q > SPAN_CAP) {
		/* outside a lookaround the whole pattern is unbounded now:
		 * stop reading (a lexicon's group may follow) */
		if (!r->look)
			r->fail = 1;
		return SPAN_UNBOUNDED;
	}
	return n * q;
}

/* One branch, up to '|' or ')' or the end.  top: the branch must start
 * with ^ or \A and end with $, \z or \Z (else it fails). */
static long span_branch(struct span_reader *r, int top)
{
	long total = 0;
	enum span_anchor first = SPAN_NONE, last = SPAN_NONE;
	int items = 0;
	while (!r->fail && r->pos < r->len && r->s[r->pos] != '|' && r->s[r->pos] != ')') {
		enum span_anchor a;
		long n = span_item(r, &a);
		if (items++ == 0)
			first = a;
		if (top && first != SPAN_START) {
			r->fail = 1; /* not anchored: stop at once */
			break;
		}
		last = a;
		if (n == SPAN_UNBOUNDED || total == SPAN_UNBOUNDED)
			total = SPAN_UNBOUNDED;
		else if ((total += n) > SPAN_CAP)
			total = SPAN_UNBOUNDED;
	}
	if (top && (first != SPAN_START || last != SPAN_END))
		r->fail = 1;
	return total;
}

/* Branches up to ')' (not consumed) or the end: the largest. */
static long span_alt(struct span_reader *r, int top)
{
	long most = 0;
	for (;;) {
		long n = span_branch(r, top);
		if (r->fail)
			return 0;
		if (n == SPAN_UNBOUNDED || most == SPAN_UNBOUNDED)
			most = SPAN_UNBOUNDED;
		else if (n > most)
			most = n;
		if (r->pos < r->len && r->s[r->pos] == '|') {
			r->pos++;
			continue;
		}
		return most;
	}
}

long prefilter_anchored_span(const char *pattern, unsigned flags)
{
	/* cheap refusal first: a pattern must open with ^ or \A (after
	 * (?i)), and few do */
	const size_t at = strncmp(pattern, "(?i)", 4) == 0 ? 4 : 0;
	if (!(pattern[at] == '^' || strncmp(pattern + at, "\\A", 2) == 0))
		return -1;
	struct span_reader r = { .s = pattern,
		                 .pos = at,
		                 .len = strlen(pattern),
		                 .norm = (flags & PREFILTER_NORMALIZED) != 0 };
	long n = span_alt(&r, 1);
	if (r.fail || r.pos != r.len || n == SPAN_UNBOUNDED)
		return -1;
	return n;
}

/* ---- Whole words (prefilter_bounded_words()) ----
 *
 * A set of substrings cannot say "the word u": `u` is in nearly every
 * text, and the set of a pattern that holds it is dropped (it filters
 * nothing).  The words a pattern opens with after \b or ^ are read here
 * instead, for a check of the text the engine makes before PCRE2. */

/* The pattern is read to its NUL (patterns are long where a lexicon is
 * spelled out, and few are read to the end). */
struct bw_reader {
	const char *s;
	size_t pos;
};

/* Longer patterns are not read (bytes). */
#define BW_MAX_PATTERN 512

/* What PCRE2 may take for a word character, as far as one byte can say:
 * an ASCII letter, digit or '_' (a byte >= 0x80 is part of a character
 * that may be either). */
static bool bw_word_byte(unsigned char c)
{
	return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') ||
	       c == '_';
}

/* Past the escape at r->pos.  -1 for \Q…\E (it hides the structure),
 * back references and \c (its character may be a bracket). */
static int bw_skip_escape(struct bw_reader *r)
{
	const char c = r->s[r->pos + 1];
	if (c == 0)
		return -1;
	if (c == 'Q' || c == 'E' || c == 'g' || c == 'k' || c == 'c' || (c >= '1' && c <= '9'))
		return -1;
	r->pos += 2;
	if ((c == 'x' || c == 'p' || c == 'P' || c == 'N' || c == 'o') && r->s[r->pos] == '{') {
		const char *e = strchr(r->s + r->pos, '}');
		if (!e)
			return -1;
		r->pos = (size_t)(e - r->s) + 1;
	}
	return 0;
}

/* Past the class at r->pos ('['), POSIX names ([:alpha:]) within. */
static int bw_skip_class(struct bw_reader *r)
{
	size_t p = r->pos + 1;
	if (r->s[p] == '^')
		p++;
	if (r->s[p] == ']')
		p++;
	while (r->s[p]) {
		const char c = r->s[p];
		if (c == '\\') {
			if (r->s[p + 1] == 0 || r->s[p + 1] == 'Q' || r->s[p + 1] == 'E')
				return -1;
			p += 2;
		} else if (c == '[' && r->s[p + 1] == ':') {
			const char *e = strchr(r->s + p + 2, ']');
			if (!e)
				return -1;
			p = (size_t)(e - r->s) + 1;
		} else if (c == ']') {
			r->pos = p + 1;
			return 0;
		} else {
			p++;
		}
	}
	return -1;
}

/* The group opening at r->pos ('('), moved past: 'L' a lookaround, 'G' a
 * group that matches what its branches do ((?:, (?>, (?<name>, a capture),
 * 0 anything else (option settings, verbs, comments, conditionals, branch
 * resets…: this reader does not know what they change). */
static int bw_open(struct bw_reader *r)
{
	const char *s = r->s + r->pos;
	if (s[1] == 0 || s[1] == '*')
		return 0;
	if (s[1] != '?') {
		r->pos += 1;
		return 'G';
	}
	switch (s[2]) {
	case ':':
	case '>':
		r->pos += 3;
		return 'G';
	case '=':
	case '!':
		r->pos += 3;
		return 'L';
	case '<': {
		if (s[3] == '=' || s[3] == '!') {
			r->pos += 4;
			return 'L';
		}
		size_t p = 3;
		while (bw_word_byte((unsigned char)s[p]))
			p++;
		if (p > 3 && s[p] == '>') {
			r->pos += p + 1;
			return 'G';
		}
		return 0;
	}
	default:
		return 0;
	}
}

/* From r->pos inside a group (or at the top level): past nested groups,
 * classes and escapes to a ')' of this level or, with bar, a '|' of it.
 * Returns that character (r->pos at it), 0 at the pattern's end, -1 on
 * syntax this reader does not take. */
static int bw_skip_to(struct bw_reader *r, int bar)
{
	int depth = 0;
	while (r->s[r->pos]) {
		const char c = r->s[r->pos];
		if (c == '\\') {
			if (bw_skip_escape(r) < 0)
				return -1;
			continue;
		}
		if (c == '[') {
			if (bw_skip_class(r) < 0)
				return -1;
			continue;
		}
		if (c == '(') {
			if (!bw_open(r))
				return -1;
			depth++;
			continue;
		}
		if (c == ')') {
			if (depth == 0)
				return ')';
			depth--;
		} else if (c == '|' && depth == 0 && bar) {
			return '|';
		}
		r->pos++;
	}
	return 0;
}

/* Does the item at r->pos, right after a word character, make sure that a
 * non-word character (or the subject's end) comes next?  \b, $, \z, \Z,
 * and one character that is not a word character (\s, \W, \h, \n, \t, an
 * escaped or plain punctuation mark or space) not made optional. */
static int bw_nonword_next(const struct bw_reader *r)
{
	const char *s = r->s + r->pos;
	size_t item;
	if (s[0] == 0)
		return 0;
	if (s[0] == '$')
		return 1;
	if (s[0] == '\\' && s[1] != 0) {
		const unsigned char c = (unsigned char)s[1];
		if (c == 'b' || c == 'z' || c == 'Z')
			return 1;
		if (c == 's' || c == 'W' || c == 'h' || c == 'n' || c == 't' ||
		    (c < 0x80 && !bw_word_byte(c)))
			item = 2;
		else
			return 0;
	} else if ((unsigned char)s[0] < 0x80 && !bw_word_byte((unsigned char)s[0]) &&
	           !is_meta((unsigned char)s[0])) {
		item = 1;
	} else {
		return 0;
	}
	const char q = s[item]; /* s[item - 1] is no NUL */
	return !(q == '?' || q == '*' || q == '{');
}

/* The word branch opens with at r->pos, into w[0..*n): *closed 1 when the
 * branch puts a non-word character after it, -1 when the branch ends
 * with it (what follows the group says).  r->pos ends at the branch's
 * '|' or ')'.  -1: the branch does not open with a word. */
static int bw_branch(struct bw_reader *r, char *w, size_t *n, int *closed)
{
	size_t k = 0;
	int cut = 0;
	*closed = 0;
	while (bw_word_byte((unsigned char)r->s[r->pos])) {
		const char next = r->s[r->pos + 1];
		if (is_quant(next)) {
			cut = 1; /* optional or repeated: the word ends before it */
			break;
		}
		if (k == PREFILTER_MAX_LIT_LEN) {
			cut = 1;
			break;
		}
		w[k++] = r->s[r->pos++];
	}
	if (k == 0)
		return -1;
	*n = k;
	if (!cut) {
		const char c = r->s[r->pos];
		*closed = c == '|' || c == ')' ? -1 : bw_nonword_next(r);
	}
	if (k <= 2 && *closed == 0)
		return 0; /* the caller gives up: no need to read on */
	const int end = bw_skip_to(r, 1);
	return end == '|' || end == ')' ? 0 : -1;
}

void prefilter_words_clear(struct prefilter_words *w)
{
	free(w->bytes);
	free(w->off);
	free(w->len);
	free(w->closed);
	free(w->bit);
	memset(w, 0, sizeof(*w));
}

/* ASCII letters, digits and '_' (bw_word_byte()) as a table: the tokens
 * of every text with words to look up are read byte by byte. */
static const uint8_t token_byte[256] = {
	['0'] = 1, ['1'] = 1, ['2'] = 1, ['3'] = 1, ['4'] = 1, ['5'] = 1, ['6'] = 1, ['7'] = 1,
	['8'] = 1, ['9'] = 1, ['_'] = 1, ['a'] = 1, ['b'] = 1, ['c'] = 1, ['d'] = 1, ['e'] = 1,
	['f'] = 1, ['g'] = 1, ['h'] = 1, ['i'] = 1, ['j'] = 1, ['k'] = 1, ['l'] = 1, ['m'] = 1,
	['n'] = 1, ['o'] = 1, ['p'] = 1, ['q'] = 1, ['r'] = 1, ['s'] = 1, ['t'] = 1, ['u'] = 1,
	['v'] = 1, ['w'] = 1, ['x'] = 1, ['y'] = 1, ['z'] = 1, ['A'] = 1, ['B'] = 1, ['C'] = 1,
	['D'] = 1, ['E'] = 1, ['F'] = 1, ['G'] = 1, ['H'] = 1, ['I'] = 1, ['J'] = 1, ['K'] = 1,
	['L'] = 1, ['M'] = 1, ['N'] = 1, ['O'] = 1, ['P'] = 1, ['Q'] = 1, ['R'] = 1, ['S'] = 1,
	['T'] = 1, ['U'] = 1, ['V'] = 1, ['W'] = 1, ['X'] = 1, ['Y'] = 1, ['Z'] = 1,
};

/* A token's bit in struct prefilter_tokens, from its length and its first
 * two and last two bytes (a hash of every byte cost the later pass of
 * the shipped rules more than the runs it saved): two tokens on one bit
 * make a check pass that could have failed, nothing more. */
static uint16_t token_bit(const unsigned char *t, size_t n)
{
	uint32_t h = (uint32_t)n * 0x9E3779B1u;
	h ^= (uint32_t)t[0] * 0x85EBCA77u;
	h ^= (uint32_t)t[n - 1] * 0xC2B2AE3Du;
	if (n > 1) {
		h ^= (uint32_t)t[1] * 0x27D4EB2Fu;
		h ^= (uint32_t)t[n - 2] * 0x165667B1u;
	}
	return (uint16_t)((h ^ (h >> 15)) & (PREFILTER_TOKEN_BITS - 1));
}

/* Add word b[0..n) to w (arrays sized for PREFILTER_MAX_WORDS). */
static void bw_add(struct prefilter_words *w, const char *b, size_t n, int closed, size_t *used)
{
	w->off[w->n] = (uint32_t)*used;
	w->len[w->n] = (uint8_t)n;
	w->closed[w->n] = (uint8_t)(closed == 1);
	w->bit[w->n] = token_bit((const unsigned char *)b, n);
	memcpy(w->bytes + *used, b, n);
	*used += n;
	w->first[(unsigned char)b[0] >> 6] |= 1ull << ((unsigned char)b[0] & 63);
	w->n++;
}

/* Read past the zero-width items a pattern opens with, to the first
 * group: 1 when one of them is \b, ^ or \A and that group is one whose
 * branches are read (r->pos after its opening), else 0. */
static int bw_prefix(struct bw_reader *r)
{
	int left = 0;
	while (r->s[r->pos] && r->s[r->pos + 1]) {
		const char *s = r->s + r->pos;
		if (s[0] == '^') {
			left = 1;
			r->pos++;
		} else if (s[0] == '\\' && (s[1] == 'b' || s[1] == 'A')) {
			left = 1;
			r->pos += 2;
		} else if (s[0] == '(') {
			const int kind = bw_open(r);
			if (kind == 'G')
				return left;
			if (kind != 'L' || bw_skip_to(r, 0) != ')')
				return 0;
			r->pos++;
			if (is_quant(r->s[r->pos]))
				return 0;
		} else {
			return 0;
		}
	}
	return 0;
}

int prefilter_bounded_words(const char *pattern, struct prefilter_words *ret)
{
	memset(ret, 0, sizeof(*ret));
	/* cheap refusal first: few patterns open with \b, ^ or a lookaround */
	if (!(pattern[0] == '^' ||
	      (pattern[0] == '\\' && (pattern[1] == 'b' || pattern[1] == 'A')) ||
	      (pattern[0] == '(' && pattern[1] == '?' &&
	       (pattern[2] == '=' || pattern[2] == '!' ||
	        (pattern[2] == '<' && (pattern[3] == '=' || pattern[3] == '!'))))))
		return 0;
	/* a pattern with a lexicon spelled out is long, and it is the words'
	 * group that the automaton reads well: reading such a pattern to
	 * its end for a top-level '|' cost the engine's build 2 % */
	if (strnlen(pattern, BW_MAX_PATTERN + 1) > BW_MAX_PATTERN)
		return 0;
	struct bw_reader r = { .s = pattern, .pos = 0 };
	if (!bw_prefix(&r))
		return 0;
	char w[PREFILTER_MAX_WORDS][PREFILTER_MAX_LIT_LEN];
	size_t wn[PREFILTER_MAX_WORDS];
	int closed[PREFILTER_MAX_WORDS];
	size_t n = 0, total = 0, shortest = SIZE_MAX;
	for (;;) {
		if (n == PREFILTER_MAX_WORDS || bw_branch(&r, w[n], &wn[n], &closed[n]) < 0)
			return 0;
		if (wn[n] <= 2 && closed[n] == 0)
			return 0; /* see below */
		total += wn[n];
		if (wn[n] < shortest)
			shortest = wn[n];
		n++;
		if (r.s[r.pos] == ')')
			break;
		r.pos++; /* '|' */
	}
	r.pos++; /* the group's ')' */
	if (is_quant(r.s[r.pos]))
		return 0;
	const int after = bw_nonword_next(&r);
	/* a word not closed is the prefix of many (a trie's branches "a",
	 * "b", …: the check would pass on nearly every text), and the words
	 * are looked up as whole tokens */
	for (size_t k = 0; k < n; k++)
		if ((closed[k] == -1 ? after : closed[k]) != 1)
			return 0;
	/* the rest: anything but a second top-level branch */
	if (shortest > 2 || bw_skip_to(&r, 1) != 0)
		return 0;
	ret->bytes = malloc(total);
	ret->off = malloc(n * sizeof(*ret->off));
	ret->len = malloc(n);
	ret->closed = malloc(n);
	ret->bit = malloc(n * sizeof(*ret->bit));
	if (!ret->bytes || !ret->off || !ret->len || !ret->closed || !ret->bit) {
		prefilter_words_clear(ret);
		return -ENOMEM;
	}
	size_t used = 0;
	for (size_t k = 0; k < n; k++)
		bw_add(ret, w[k], wn[k], closed[k] == -1 ? after : closed[k], &used);
	return 0;
}

/* Does word k of w stand at s[i] (a word start)? */
static int bw_word_at(const struct prefilter_words *w, size_t k, const char *s, size_t len,
                      size_t i)
{
	const size_t n = w->len[k];
	if (n > len - i || memcmp(s + i, w->bytes + w->off[k], n) != 0)
		return 0;
	return !w->closed[k] || i + n == len || !bw_word_byte((unsigned char)s[i + n]);
}

int prefilter_words_present(const struct prefilter_words *w, const char *s, size_t len)
{
	if (w->n == 0)
		return 1;
	int prev_word = 0;
	for (size_t i = 0; i < len; i++) {
		const unsigned char c = (unsigned char)s[i];
		const int word = bw_word_byte(c);
		if (word && !prev_word && (w->first[c >> 6] >> (c & 63) & 1))
			for (size_t k = 0; k < w->n; k++)
				if ((unsigned char)w->bytes[w->off[k]] == c &&
				    bw_word_at(w, k, s, len, i))
					return 1;
		prev_word = word;
	}
	return 0;
}

void prefilter_tokens_of(const char *s, size_t len, struct prefilter_tokens *t)
{
	const unsigned char *u = (const unsigned char *)s;
	memset(t->bits, 0, sizeof(t->bits));
	size_t i = 0;
	while (i < len) {
		while (i < len && !token_byte[u[i]])
			i++;
		const size_t start = i;
		while (i < len && token_byte[u[i]])
			i++;
		if (i > start) {
			const uint16_t b = token_bit(u + start, i - start);
			t->bits[b >> 6] |= 1ull << (b & 63);
		}
	}
}

int prefilter_words_in(const struct prefilter_words *w, const struct prefilter_tokens *t)
{
	if (w->n == 0)
		return 1;
	for (size_t k = 0; k < w->n; k++)
		if (t->bits[w->bit[k] >> 6] >> (w->bit[k] & 63) & 1)
			return 1;
	return 0;
}

/* ---- A pattern's core (prefilter_core()) ---- */

/* A (?! is looked for in a pattern's first this many bytes. */
#define CORE_LOOK 64

/* A possessive quantifier after the group that closes at s[0] (')')? */
static bool core_possessive_group(const char *s)
{
	const char *q = s + 1;
	if (*q == '{') {
		q = strchr(q, '}');
		if (!q)
			return true; /* not read: refuse */
	} else if (!(*q == '*' || *q == '+' || *q == '?')) {
		return false;
	}
	return q[1] == '+';
}

int prefilter_core(const char *pattern, char **ret)
{
	*ret = NULL;
	/* cheap refusal first: the words a copy excludes stand where a match
	 * starts, so a (?! far into a pattern is not looked for */
	const size_t n = strnlen(pattern, BW_MAX_PATTERN + 1);
	if (n > BW_MAX_PATTERN || !memmem(pattern, n < CORE_LOOK ? n : CORE_LOOK, "(?!", 3))
		return 0;
	char *out = malloc(n + 1);
	if (!out)
		return -ENOMEM;
	struct bw_reader r = { .s = pattern, .pos = 0 };
	size_t o = 0;
	int removed = 0;
	while (r.s[r.pos]) {
		const size_t at = r.pos;
		const char c = r.s[at];
		if (c == '\\') {
			if (r.s[at + 1] == 'G' || bw_skip_escape(&r) < 0)
				goto none;
		} else if (c == '[') {
			if (bw_skip_class(&r) < 0)
				goto none;
		} else if (c == '(' && r.s[at + 1] == '?' && r.s[at + 2] == '>') {
			goto none; /* atomic */
		} else if (c == '(' && r.s[at + 1] == '?' && r.s[at + 2] == '!') {
			r.pos = at + 3;
			if (bw_skip_to(&r, 0) != ')')
				goto none;
			r.pos++;
			if (is_quant(r.s[r.pos]))
				goto none;
			removed = 1;
			continue; /* left out */
		} else if (c == '(') {
			const int kind = bw_open(&r);
			if (!kind)
				goto none;
			/* another lookaround is kept whole, a (?!…) within it too */
			if (kind == 'L') {
				if (bw_skip_to(&r, 0) != ')')
					goto none;
				r.pos++;
			}
		} else if (c == ')' && core_possessive_group(r.s + at)) {
			goto none;
		} else {
			r.pos++;
		}
		memcpy(out + o, r.s + at, r.pos - at);
		o += r.pos - at;
	}
	if (!removed)
		goto none;
	out[o] = '\0';
	*ret = out;
	return 0;
none:
	free(out);
	return 0;
}
