/* Aho–Corasick automaton over byte classes (see aho.h). */
#include "filter/aho.h"

#include <errno.h>
#include <stdlib.h>
#include <string.h>

/* At most this many states (the shallowest, where a scan spends nearly
 * all its time) get a full row of transitions; deeper states keep only
 * their trie edges and their failure link.  A full row is ncls entries
 * (about 60 for the shipped rules), a trie state has about one edge, so
 * this bounds the table while the rule set grows. */
#define AHO_DENSE_MAX 32768u

struct aho {
	uint8_t cls[256]; /* byte -> class; 0 for bytes in no literal */
	size_t ncls;
	size_t nstates;
	/* States are numbered: dense states [0, ndense) — those that do not
	 * report, then from rep_lo those that do — then sparse states, from
	 * rep_hi those that report.  With at most 65536 states every state
	 * is dense and rows are 16-bit (d16); else rows are 32-bit (d32). */
	uint32_t ndense, rep_lo, rep_hi;
	/* Reporting states have a report index (rix()): [rep_lo, ndense)
	 * first, then [rep_hi, nstates); ri and a scan's stamps are indexed
	 * by it, so states that never report cost neither. */
	uint32_t nrep;
	uint16_t *d16; /* d16[s * ncls + class]: next state */
	uint32_t *d32;
	/* sparse state s: trie edges e_cls/e_to[e_off[j] .. e_off[j+1]) and
	 * failure link fail[j], j = s - ndense */
	uint32_t *e_off, *e_to, *fail;
	uint8_t *e_cls;
	/* What a reporting state reports, by report index: its own ids are
	 * ids[ri[r].lo .. ri[r + 1].lo) (ri[nrep] ends the last), then those
	 * of the chain from ri[r].dict */
	struct rinfo {
		int32_t dict; /* report index: next state with outputs on the chain; -1 none */
		uint32_t lo;
	} * ri;
	uint32_t *ids;
	size_t nids;
};

/* The trie while building: edges as sibling lists. */
struct btrie {
	uint32_t *child, *sibling, *to_cls; /* first child; next sibling; class */
	uint32_t *fail, *order;             /* failure link; breadth-first order */
	int32_t *dict;                      /* next state with outputs on the chain */
	uint32_t *out_n;                    /* outputs per state */
	size_t n, cap;
};

struct pair {
	uint32_t state, id;
};

static int cmp_pair(const void *a, const void *b)
{
	const struct pair *x = a, *y = b;
	if (x->state != y->state)
		return x->state < y->state ? -1 : 1;
	return x->id < y->id ? -1 : x->id > y->id;
}

static uint8_t lower(uint8_t c)
{
	return c >= 'A' && c <= 'Z' ? (uint8_t)(c | 0x20) : c;
}

static void btrie_free(struct btrie *t)
{
	free(t->child);
	free(t->sibling);
	free(t->to_cls);
	free(t->fail);
	free(t->order);
	free(t->dict);
	free(t->out_n);
}

/* Byte classes; upper-case ASCII shares its lower-case class.  Returns the
 * total length of the literals. */
static size_t assign_classes(struct aho *a, const char *const *lit, const size_t *len, size_t n)
{
	size_t total = 0;
	a->ncls = 1;
	for (size_t i = 0; i < n; i++) {
		for (size_t k = 0; k < len[i]; k++) {
			uint8_t c = lower((uint8_t)lit[i][k]);
			if (!a->cls[c]) {
				a->cls[c] = (uint8_t)a->ncls++;
				if (c >= 'a' && c <= 'z')
					a->cls[c & ~0x20] = a->cls[c];
			}
		}
		total += len[i];
	}
	return total;
}

static uint32_t btrie_get(const struct btrie *t, uint32_t s, uint32_t c)
{
	for (uint32_t e = t->child[s]; e; e = t->sibling[e])
		if (t->to_cls[e] == c)
			return e;
	return 0;
}

/* The trie of the literals; pairs[i] = (state where literal i ends, id). */
static int build_trie(const struct aho *a, struct btrie *t, const char *const *lit,
                      const size_t *len, const uint32_t *ids, size_t n, struct pair *pairs)
{
	t->child = calloc(t->cap, sizeof(uint32_t));
	t->sibling = calloc(t->cap, sizeof(uint32_t));
	t->to_cls = calloc(t->cap, sizeof(uint32_t));
	if (!t->child || !t->sibling || !t->to_cls)
		return -ENOMEM;
	t->n = 1;
	for (size_t i = 0; i < n; i++) {
		uint32_t s = 0;
		for (size_t k = 0; k < len[i]; k++) {
			uint32_t c = a->cls[lower((uint8_t)lit[i][k])];
			uint32_t nx = btrie_get(t, s, c);
			if (!nx) {
				nx = (uint32_t)t->n++;
				t->to_cls[nx] = c;
				t->sibling[nx] = t->child[s];
				t->child[s] = nx;
			}
			s = nx;
		}
		pairs[i] = (struct pair){ s, ids[i] };
	}
	return 0;
}

/* pairs sorted by state, then id (as qsort() with cmp_pair() would:
 * a counting sort by state, then the few ids of each state in order;
 * qsort() was a sixth of the build). */
static int sort_pairs(struct pair *pairs, size_t n, size_t nstates)
{
	uint32_t *at = calloc(nstates + 1, sizeof(uint32_t));
	struct pair *out = malloc((n ? n : 1) * sizeof(*out));
	if (!at || !out) {
		free(at);
		free(out);
		return -ENOMEM;
	}
	for (size_t i = 0; i < n; i++)
		at[pairs[i].state + 1]++;
	for (size_t s = 0; s < nstates; s++)
		at[s + 1] += at[s];
	for (size_t i = 0; i < n; i++)
		out[at[pairs[i].state]++] = pairs[i];
	for (size_t i = 1; i < n; i++) {
		struct pair p = out[i];
		size_t j = i;
		for (; j > 0 && cmp_pair(&out[j - 1], &p) > 0; j--)
			out[j] = out[j - 1];
		out[j] = p;
	}
	memcpy(pairs, out, n * sizeof(*out));
	free(at);
	free(out);
	return 0;
}

/* Outputs grouped by state; the same literal given twice with one id (two
 * variants of a set can coincide) is reported once. */
static int collect_outputs(struct aho *a, struct btrie *t, struct pair *pairs, size_t n)
{
	t->out_n = calloc(t->n, sizeof(uint32_t));
	a->ids = malloc((n ? n : 1) * sizeof(uint32_t));
	if (!t->out_n || !a->ids || sort_pairs(pairs, n, t->n) < 0)
		return -ENOMEM;
	for (size_t i = 0; i < n; i++) {
		if (i > 0 && pairs[i].state == pairs[i - 1].state && pairs[i].id == pairs[i - 1].id)
			continue;
		pairs[a->nids++] = pairs[i]; /* ids follow in build_tables() */
		t->out_n[pairs[i].state]++;
	}
	return 0;
}

/* The transition of trie state s (old numbering) on class c, through the
 * failure links: s's parent and everything shallower are already linked. */
static uint32_t btrie_step(const struct btrie *t, uint32_t s, uint32_t c)
{
	for (;;) {
		uint32_t nx = btrie_get(t, s, c);
		if (nx || s == 0)
			return nx;
		s = t->fail[s];
	}
}

/* Breadth-first: failure links and dictionary links. */
static int link_failures(struct btrie *t)
{
	size_t qh = 0, qt = 0;
	t->fail = calloc(t->n, sizeof(uint32_t));
	t->order = malloc(t->n * sizeof(uint32_t));
	t->dict = malloc(t->n * sizeof(int32_t));
	if (!t->fail || !t->order || !t->dict)
		return -ENOMEM;
	t->order[qt++] = 0;
	t->dict[0] = -1;
	while (qh < qt) {
		uint32_t s = t->order[qh++];
		for (uint32_t e = t->child[s]; e; e = t->sibling[e]) {
			uint32_t f = s ? btrie_step(t, t->fail[s], t->to_cls[e]) : 0;
			t->fail[e] = f;
			t->dict[e] = t->out_n[f] ? (int32_t)f : t->dict[f];
			t->order[qt++] = e;
		}
	}
	return 0;
}

static int reports(const struct btrie *t, uint32_t s)
{
	return t->out_n[s] || t->dict[s] >= 0;
}

/* New state numbers (see struct aho) in perm[old]; the breadth-first
 * order of the dense states is kept inside each group, so the shallow
 * states share a few cache lines. */
static void renumber(struct aho *a, const struct btrie *t, uint32_t *perm)
{
	uint32_t k = 0;
	a->ndense = t->n <= 65536 ? (uint32_t)t->n : AHO_DENSE_MAX;
	for (uint32_t i = 0; i < a->ndense; i++)
		if (!reports(t, t->order[i]))
			perm[t->order[i]] = k++;
	a->rep_lo = k;
	for (uint32_t i = 0; i < a->ndense; i++)
		if (reports(t, t->order[i]))
			perm[t->order[i]] = k++;
	for (uint32_t i = a->ndense; i < t->n; i++)
		if (!reports(t, t->order[i]))
			perm[t->order[i]] = k++;
	a->rep_hi = k;
	for (uint32_t i = a->ndense; i < t->n; i++)
		if (reports(t, t->order[i]))
			perm[t->order[i]] = k++;
}

/* The report index of reporting state s (new numbering). */
static inline uint32_t rix(const struct aho *a, uint32_t s)
{
	return s < a->ndense ? s - a->rep_lo : s - a->rep_hi + (a->ndense - a->rep_lo);
}

/* The report records (ri, ids), in the new numbering, by report index. */
static int build_reports(struct aho *a, const struct btrie *t, const uint32_t *perm,
                         const struct pair *pairs)
{
	uint32_t *start = calloc(t->n + 1, sizeof(uint32_t));
	a->nrep = (a->ndense - a->rep_lo) + ((uint32_t)t->n - a->rep_hi);
	a->ri = malloc((a->nrep + 1) * sizeof(*a->ri));
	if (!start || !a->ri) {
		free(start);
		return -ENOMEM;
	}
	for (size_t old = 0; old < t->n; old++)
		start[perm[old] + 1] = t->out_n[old];
	for (size_t s = 0; s < t->n; s++)
		start[s + 1] += start[s];
	/* pairs are sorted by old state: one state's ids are consecutive */
	for (size_t i = 0, j; i < a->nids; i = j) {
		uint32_t ns = perm[pairs[i].state];
		for (j = i; j < a->nids && pairs[j].state == pairs[i].state; j++)
			a->ids[start[ns] + (j - i)] = pairs[j].id;
	}
	for (size_t old = 0; old < t->n; old++) {
		uint32_t ns = perm[old];
		if (!reports(t, (uint32_t)old))
			continue;
		/* a dictionary link's state has outputs: it reports */
		int32_t d = t->dict[old] >= 0 ? (int32_t)rix(a, perm[t->dict[old]]) : -1;
		int32_t self = (int32_t)rix(a, ns);
		a->ri[self] = (struct rinfo){ d, start[ns] };
	}
	/* states that do not report have no ids: a state's end is the next
	 * reporting state's start */
	a->ri[a->nrep] = (struct rinfo){ -1, (uint32_t)a->nids };
	free(start);
	return 0;
}

/* Full rows for the dense states (the transition of the DFA: the trie
 * edge, else the row of the failure state, which is shallower and so
 * already filled), edges and failure links for the others. */
static int build_tables(struct aho *a, const struct btrie *t, const uint32_t *perm)
{
	size_t nc = a->ncls, nd = a->ndense, ns = t->n - nd, ne = 0;
	uint32_t *row = malloc(nc * sizeof(uint32_t));
	if (a->ndense == t->n)
		a->d16 = malloc(nd * nc * sizeof(uint16_t));
	else
		a->d32 = malloc(nd * nc * sizeof(uint32_t));
	if (!row || (!a->d16 && !a->d32)) {
		free(row);
		return -ENOMEM;
	}
	for (size_t i = 0; i < nd; i++) {
		uint32_t old = t->order[i], f = t->fail[old];
		for (size_t c = 0; c < nc; c++)
			row[c] =
			        old ? (a->d16 ? a->d16[perm[f] * nc + c] : a->d32[perm[f] * nc + c])
			            : 0;
		for (uint32_t e = t->child[old]; e; e = t->sibling[e])
			row[t->to_cls[e]] = perm[e];
		for (size_t c = 0; c < nc; c++) {
			if (a->d16)
				a->d16[perm[old] * nc + c] = (uint16_t)row[c];
			else
				a->d32[perm[old] * nc + c] = row[c];
		}
	}
	free(row);
	if (ns == 0)
		return 0;
	for (size_t i = nd; i < t->n; i++)
		for (uint32_t e = t->child[t->order[i]]; e; e = t->sibling[e])
			ne++;
	a->e_off = calloc(ns + 1, sizeof(uint32_t));
	a->fail = malloc(ns * sizeof(uint32_t));
	a->e_to = malloc((ne ? ne : 1) * sizeof(uint32_t));
	a->e_cls = malloc(ne ? ne : 1);
	if (!a->e_off || !a->fail || !a->e_to || !a->e_cls)
		return -ENOMEM;
	for (size_t old = 0; old < t->n; old++) {
		uint32_t s = perm[old];
		if (s < nd)
			continue;
		a->fail[s - nd] = perm[t->fail[old]];
		for (uint32_t e = t->child[old]; e; e = t->sibling[e])
			a->e_off[s - nd + 1]++;
	}
	for (size_t j = 0; j < ns; j++)
		a->e_off[j + 1] += a->e_off[j];
	for (size_t old = 0; old < t->n; old++) {
		uint32_t s = perm[old];
		if (s < nd)
			continue;
		uint32_t k = a->e_off[s - nd];
		for (uint32_t e = t->child[old]; e; e = t->sibling[e], k++) {
			a->e_to[k] = perm[e];
			a->e_cls[k] = (uint8_t)t->to_cls[e];
		}
	}
	return 0;
}

int aho_build(const char *const *lit, const size_t *len, const uint32_t *ids, size_t n,
              struct aho **ret)
{
	struct aho *a = calloc(1, sizeof(*a));
	struct btrie t = { 0 };
	struct pair *pairs = NULL;
	uint32_t *perm = NULL;
	int r = -ENOMEM;

	if (!a)
		return -ENOMEM;
	t.cap = assign_classes(a, lit, len, n) + 1;
	if (t.cap > (1u << 24)) {
		r = -E2BIG;
		goto out;
	}
	pairs = malloc((n ? n : 1) * sizeof(*pairs));
	if (!pairs)
		goto out;
	if ((r = build_trie(a, &t, lit, len, ids, n, pairs)) < 0 ||
	    (r = collect_outputs(a, &t, pairs, n)) < 0 || (r = link_failures(&t)) < 0)
		goto out;
	r = -ENOMEM;
	a->nstates = t.n;
	perm = malloc(t.n * sizeof(uint32_t));
	if (!perm)
		goto out;
	renumber(a, &t, perm);
	if ((r = build_reports(a, &t, perm, pairs)) < 0 || (r = build_tables(a, &t, perm)) < 0)
		goto out;
	*ret = a;
	a = NULL;
	r = 0;
out:
	btrie_free(&t);
	free(perm);
	free(pairs);
	aho_free(a);
	return r;
}

size_t aho_states(const struct aho *a)
{
	return a->nstates;
}

size_t aho_stamps(const struct aho *a)
{
	return a->nrep;
}

size_t aho_outputs(const struct aho *a)
{
	return a->nids;
}

size_t aho_memory(const struct aho *a)
{
	size_t nd = a->ndense, ns = a->nstates - nd;
	size_t ne = ns ? a->e_off[ns] : 0;
	return sizeof(*a) + nd * a->ncls * (a->d16 ? 2 : 4) + (a->nrep + 1) * sizeof(*a->ri) +
	       a->nids * 4 + (ns ? (ns + 1) * 4 + ns * 4 + ne * 5 : 0);
}

/* Append the outputs of the state of report index s and of those on its
 * dictionary chain, each state once per scan; stamp[s] also marks a state
 * without outputs of its own whose chain was reported.  Kept out of line:
 * the scan loop stays in registers. */
static __attribute__((noinline)) uint32_t *report(const struct aho *a, uint32_t s, uint32_t *stamp,
                                                  uint32_t gen, uint32_t *out)
{
	const struct rinfo *ri = a->ri;
	const uint32_t *ids = a->ids;
	stamp[s] = gen;
	for (int32_t o = ri[s].lo != ri[s + 1].lo ? (int32_t)s : ri[s].dict; o >= 0;
	     o = ri[o].dict) {
		if (o != (int32_t)s) {
			if (stamp[o] == gen)
				break;
			stamp[o] = gen;
		}
		for (uint32_t k = ri[o].lo; k < ri[o + 1].lo; k++)
			*out++ = ids[k];
	}
	return out;
}

/* The transition of a sparse state: its trie edge, else that of its
 * failure state (shallower; the chain ends at a dense state). */
static __attribute__((noinline)) uint32_t sparse_step(const struct aho *a, uint32_t s, uint32_t c)
{
	const uint32_t nd = a->ndense;
	while (s >= nd) {
		uint32_t j = s - nd;
		for (uint32_t k = a->e_off[j]; k < a->e_off[j + 1]; k++)
			if (a->e_cls[k] == c)
				return a->e_to[k];
		s = a->fail[j];
	}
	return a->d32[(size_t)s * a->ncls + c];
}

size_t aho_scan(const struct aho *a, const char *text, size_t len, uint32_t *stamp, uint32_t gen,
                uint32_t *out)
{
	const uint8_t *p = (const uint8_t *)text, *end = p + len;
	const uint8_t *cls = a->cls;
	uint32_t *o = out;
	if (a->d16) {
		/* every state dense, 16-bit: the smallest table, fewer cache
		 * misses, which is where a scan waits */
		const uint16_t *d = a->d16;
		const uint32_t ncls = (uint32_t)a->ncls, thr = a->rep_lo;
		uint32_t s = 0;
		while (p < end) {
			s = d[s * ncls + cls[*p++]];
			if (s >= thr && stamp[s - thr] != gen)
				o = report(a, s - thr, stamp, gen, o);
		}
		return (size_t)(o - out);
	}
	const uint32_t *d = a->d32;
	const uint32_t ncls = (uint32_t)a->ncls, nd = a->ndense, lo = a->rep_lo, hi = a->rep_hi;
	uint32_t s = 0;
	while (p < end) {
		uint32_t c = cls[*p++];
		s = s < nd ? d[(size_t)s * ncls + c] : sparse_step(a, s, c);
		if (s >= hi || (s >= lo && s < nd)) {
			uint32_t r = rix(a, s);
			if (stamp[r] != gen)
				o = report(a, r, stamp, gen, o);
		}
	}
	return (size_t)(o - out);
}

size_t aho_scan_trace(const struct aho *a, const char *text, size_t len, uint32_t *stamp,
                      uint32_t gen, uint32_t *out, struct aho_trace *tr)
{
	tr->n = 0;
	tr->failed = 0;
	if (tr->cap < len) {
		/* one entry per byte at most: no check in the loop */
		uint32_t *nr = realloc(tr->rep, len * sizeof(*nr));
		if (nr)
			tr->rep = nr;
		uint32_t *ne = realloc(tr->end, len * sizeof(*ne));
		if (ne)
			tr->end = ne;
		if (!nr || !ne) {
			tr->failed = 1;
			return aho_scan(a, text, len, stamp, gen, out);
		}
		tr->cap = len;
	}
	const uint8_t *p = (const uint8_t *)text;
	const uint8_t *cls = a->cls;
	const uint32_t ncls = (uint32_t)a->ncls, nd = a->ndense, lo = a->rep_lo, hi = a->rep_hi;
	uint32_t *o = out, *rep = tr->rep, *end = tr->end;
	size_t n = 0;
	uint32_t s = 0;
	for (size_t i = 0; i < len; i++) {
		uint32_t c = cls[p[i]];
		if (a->d16)
			s = a->d16[s * ncls + c];
		else
			s = s < nd ? a->d32[(size_t)s * ncls + c] : sparse_step(a, s, c);
		if (!(s >= hi || (s >= lo && s < nd)))
			continue;
		const uint32_t r = rix(a, s);
		rep[n] = r;
		end[n++] = (uint32_t)(i + 1);
		if (stamp[r] != gen)
			o = report(a, r, stamp, gen, o);
	}
	tr->n = n;
	return (size_t)(o - out);
}

/* Every wanted id that ends at END in report state R and along its
 * dictionary chain: what aho_scan_all() and aho_replay_all() both report. */
static inline size_t report_chain(const struct aho *a, uint32_t r, size_t end, const uint32_t *want,
                                  uint32_t gen, aho_each_fn *fn, void *ctx)
{
	size_t n = 0;
	for (int32_t o = a->ri[r].lo != a->ri[r + 1].lo ? (int32_t)r : a->ri[r].dict; o >= 0;
	     o = a->ri[o].dict)
		for (uint32_t k = a->ri[o].lo; k < a->ri[o + 1].lo; k++)
			if (!want || want[a->ids[k]] == gen) {
				fn(ctx, a->ids[k], end);
				n++;
			}
	return n;
}

size_t aho_replay_all(const struct aho *a, const struct aho_trace *tr, const uint32_t *want,
                      uint32_t gen, aho_each_fn *fn, void *ctx)
{
	size_t n = 0;
	for (size_t j = 0; j < tr->n; j++) {
		n += report_chain(a, tr->rep[j], tr->end[j], want, gen, fn, ctx);
	}
	return n;
}

void aho_trace_free(struct aho_trace *tr)
{
	if (!tr)
		return;
	free(tr->rep);
	free(tr->end);
	memset(tr, 0, sizeof(*tr));
}

size_t aho_scan_all(const struct aho *a, const char *text, size_t len, const uint32_t *want,
                    uint32_t gen, aho_each_fn *fn, void *ctx)
{
	const uint8_t *p = (const uint8_t *)text;
	const uint32_t ncls = (uint32_t)a->ncls, nd = a->ndense, lo = a->rep_lo, hi = a->rep_hi;
	size_t n = 0;
	uint32_t s = 0;
	for (size_t i = 0; i < len; i++) {
		uint32_t c = a->cls[p[i]];
		if (a->d16)
			s = a->d16[s * ncls + c];
		else
			s = s < nd ? a->d32[(size_t)s * ncls + c] : sparse_step(a, s, c);
		if (!(s >= hi || (s >= lo && s < nd)))
			continue;
		n += report_chain(a, rix(a, s), i + 1, want, gen, fn, ctx);
	}
	return n;
}

void aho_free(struct aho *a)
{
	if (!a)
		return;
	free(a->d16);
	free(a->d32);
	free(a->e_off);
	free(a->e_to);
	free(a->e_cls);
	free(a->fail);
	free(a->ri);
	free(a->ids);
	free(a);
}
