/* Aho–Corasick automaton over byte classes (see aho.h). */
#include "filter/aho.h"
#include "filter/hash.h"

#include <errno.h>
#include <stdlib.h>
#include <string.h>

/* The first `ndense` states breadth-first (at most AHO_DENSE_MAX: the
 * first levels of the trie, where a scan of ordinary text spends most of
 * its steps) get a full row of transitions, ncls entries of 2 bytes (75
 * classes for the shipped rules).  A row's transitions all go to children
 * of dense states (the state's own, or those of its failure state's row,
 * which is shallower), numbered breadth-first below 2^16: as many states
 * are dense as keep that so (build_tables()); a child that is not dense
 * is found through `kid`.
 *
 * Every other state is a record in `w`, 4-byte words, and its number is
 * ndense + the record's first word.  Most deep states have one child (ten
 * times the rules: 780,000 of 1,181,000) or none (273,000), so records
 * are laid out along chains: a state with one child is followed by its
 * child's record and keeps only its failure link, out() and the child's
 * class (2 words); a leaf the same with no class (2 words); a state with
 * two or more children (129,000) has their classes, four a word, and
 * their numbers, a word each.  Ten times the rules' records take 11.6 MB
 * where 13 bytes a state took 15.4, the shipped rules' 1.1 MB where they
 * took 1.5; a step along a chain reads the next words, and a state of
 * many children is searched four classes a compare.
 * Half of a scan's time is its reports (two bytes in three end a
 * literal), not its steps (docs/filter.md, "Figures, thirteenth round:
 * automaton"). */
#define AHO_DENSE_MAX 4096u
#define AHO_DENSE_LIMIT (1u << 24)
#define ROW_STATES (1u << 16) /* the states a row's entries can name */

/* A record: w[0] the failure link (low 24 bits) and the tag (high 8 bits:
 * the one child's class, TAG_LEAF or TAG_BRANCH; classes are 1 .. 230),
 * w[1] out() (low 24 bits) and, for TAG_BRANCH, the number of words
 * that hold the classes of its k children (high 8 bits): a branching
 * record goes on with those classes, four a word (class_words(k) words,
 * the low byte first, 0 after the last), then the children's numbers, a
 * word each. */
#define LOW24 0xffffffu
#define TAG_LEAF 0u
#define TAG_BRANCH 0xffu

struct aho {
	uint8_t cls[256]; /* byte -> class; 0 for bytes in no literal */
	size_t ncls;
	size_t nstates;
	uint32_t ndense;
	/* row[s * ncls + c]: next state of dense state s on class c (class
	 * 0, bytes in no literal, leads to the root): s' < ndense is dense
	 * state s', else kid[s' - ndense] is the state and its out();
	 * outd[s]: dense state s's out() */
	uint16_t *row;
	uint32_t *outd;
	struct kid {
		uint32_t s, out;
	} * kid;
	size_t nkid;
	/* the other states' records, from state ndense on (above) */
	uint32_t *w;
	size_t nw;
	/* Output states, those that end a literal, are numbered 1 .. nout
	 * (0: none).  out(s) is the first output state on s's failure chain,
	 * s included.  Output state o reports the ids of its list (orec[o].lo,
	 * list_of()), then the chain goes on at orec[o].next.  Output states
	 * with the same ids share one list: the words of a lexicon are in the
	 * same sets (ten times the rules: 671,000 ids in 47,000 distinct
	 * lists). */
	uint32_t nout;
	struct orec {
		uint32_t next, lo;
	} * orec;
	uint32_t *ids;
	size_t nids;    /* held in ids[] */
	size_t nreport; /* the lists' lengths added up: at most this many a scan */
	uint32_t dense_max;
};

/* orec.lo: where the list starts in ids (low 24 bits) and its length
 * (high 8 bits); a list of LIST_LONG ids or more has its length in its
 * first word, the ids after it. */
#define LIST_LONG 255u

static inline const uint32_t *list_in(const uint32_t *ids, uint32_t lo, uint32_t *ret_n)
{
	const uint32_t *v = ids + (lo & LOW24);
	uint32_t n = lo >> 24;
	if (n == LIST_LONG)
		n = *v++;
	*ret_n = n;
	return v;
}

static inline const uint32_t *list_of(const struct aho *a, uint32_t o, uint32_t *ret_n)
{
	return list_in(a->ids, a->orec[o].lo, ret_n);
}

/* A scan's stamps: for each block of 32 output states, the scan (gen)
 * that last marked one of them and which ones it marked.  The stamps of
 * the shipped rules' 23,500 output states take 6 KB, where one word per
 * reporting state took about 300 KB: the check at each byte stays in the
 * L1 cache. */
static inline int stamped(const uint32_t *st, uint32_t o, uint32_t gen)
{
	const uint32_t *b = st + 2 * (o >> 5);
	return b[0] == gen && (b[1] >> (o & 31) & 1);
}

static inline void stamp_set(uint32_t *st, uint32_t o, uint32_t gen)
{
	uint32_t *b = st + 2 * (o >> 5);
	if (b[0] != gen) {
		b[0] = gen;
		b[1] = 0;
	}
	b[1] |= 1u << (o & 31);
}

/* The trie while building: edges as sibling lists. */
struct btrie {
	uint32_t *child, *sibling, *to_cls; /* first child; next sibling; class */
	uint32_t *fail, *order;             /* failure link; breadth-first order */
	int32_t *dict;                      /* next state with outputs on the chain */
	uint32_t *out_n;                    /* outputs per state */
	size_t n, cap;
	/* The states of depth 0 to ROW_DEPTH - 1, the widest (the root of
	 * the shipped rules has 75 children), have a row of children,
	 * row[(rowid[s] - 1) * ncls + c] (0: none), up to ROW_BUILD_MAX of
	 * them: walking their sibling lists was half of the build. */
	uint32_t *rowid, *row;
	size_t nrows, rows_cap, ncls;
};
#define ROW_DEPTH 2
#define ROW_BUILD_MAX 8192u

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
	free(t->rowid);
	free(t->row);
}

/* Byte classes; upper-case ASCII shares its lower-case class.  Returns the
 * total length of the literals. */
static size_t assign_classes(struct aho *a, const char *const *lit, const size_t *len, size_t n,
                             size_t *ret_maxlen)
{
	size_t total = 0, maxlen = 0;
	a->ncls = 1;
	for (size_t i = 0; i < n; i++) {
		for (size_t k = 0; k < len[i]; k++) {
			/* a byte with a class has its case partner's (set
			 * together below): lowered only when new */
			if (a->cls[(uint8_t)lit[i][k]])
				continue;
			uint8_t c = lower((uint8_t)lit[i][k]);
			if (!a->cls[c]) {
				a->cls[c] = (uint8_t)a->ncls++;
				if (c >= 'a' && c <= 'z')
					a->cls[c & ~0x20] = a->cls[c];
			}
		}
		total += len[i];
		if (len[i] > maxlen)
			maxlen = len[i];
	}
	*ret_maxlen = maxlen;
	return total;
}

static uint32_t btrie_get(const struct btrie *t, uint32_t s, uint32_t c)
{
	if (t->rowid[s])
		return t->row[(t->rowid[s] - 1) * t->ncls + c];
	for (uint32_t e = t->child[s]; e; e = t->sibling[e])
		if (t->to_cls[e] == c)
			return e;
	return 0;
}

/* A row of children for state s. */
static int add_row(struct btrie *t, uint32_t s)
{
	if (t->nrows == t->rows_cap) {
		size_t cap = 2 * t->rows_cap;
		uint32_t *r = realloc(t->row, cap * t->ncls * sizeof(uint32_t));
		if (!r)
			return -ENOMEM;
		t->row = r;
		t->rows_cap = cap;
	}
	memset(t->row + t->nrows * t->ncls, 0, t->ncls * sizeof(uint32_t));
	t->rowid[s] = (uint32_t)++t->nrows;
	return 0;
}

/* The trie of the literals; pairs[i] = (state where literal i ends, id).
 * path[k]: the state after the first k bytes of the literal before (no
 * literal is longer than maxlen).  A set's literals come in the order
 * its lexicon's trie gave them, so a literal mostly starts with much of
 * the one before: those states are taken from path[] rather than walked
 * to again through the sibling lists (a fifth of the build).  The
 * states and their order are the same. */
static int build_trie(const struct aho *a, struct btrie *t, const char *const *lit,
                      const size_t *len, const uint32_t *ids, size_t n, size_t maxlen,
                      struct pair *pairs)
{
	t->child = calloc(t->cap, sizeof(uint32_t));
	t->sibling = calloc(t->cap, sizeof(uint32_t));
	t->to_cls = calloc(t->cap, sizeof(uint32_t));
	t->rowid = calloc(t->cap, sizeof(uint32_t));
	t->ncls = a->ncls;
	t->rows_cap = 64;
	t->row = malloc(t->rows_cap * t->ncls * sizeof(uint32_t));
	uint32_t *path = malloc((maxlen + 1) * sizeof(uint32_t));
	if (!t->child || !t->sibling || !t->to_cls || !t->rowid || !t->row || !path) {
		free(path);
		return -ENOMEM;
	}
	t->n = 1;
	add_row(t, 0);
	path[0] = 0;
	for (size_t i = 0; i < n; i++) {
		size_t k = 0;
		if (i > 0)
			while (k < len[i] && k < len[i - 1] && lit[i][k] == lit[i - 1][k])
				k++;
		uint32_t s = path[k];
		for (; k < len[i]; k++) {
			uint32_t c = a->cls[(uint8_t)lit[i][k]];
			uint32_t nx = btrie_get(t, s, c);
			if (!nx) {
				nx = (uint32_t)t->n++;
				t->to_cls[nx] = c;
				t->sibling[nx] = t->child[s];
				t->child[s] = nx;
				if (t->rowid[s])
					t->row[(t->rowid[s] - 1) * t->ncls + c] = nx;
				if (k + 1 < ROW_DEPTH && t->nrows < ROW_BUILD_MAX &&
				    add_row(t, nx) < 0) {
					free(path);
					return -ENOMEM;
				}
			}
			s = nx;
			path[k + 1] = s;
		}
		pairs[i] = (struct pair){ s, ids[i] };
	}
	free(path);
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

/* Output states in breadth-first order get 1 .. nout; onum[old] is the
 * number of old state `old`'s first output state on its failure chain
 * (itself included), 0 if none. */
static void number_outputs(struct aho *a, const struct btrie *t, uint32_t *onum)
{
	uint32_t k = 0;
	for (size_t i = 0; i < t->n; i++) {
		uint32_t old = t->order[i];
		onum[old] = t->out_n[old] ? ++k : 0;
	}
	a->nout = k;
	/* a dictionary link is shallower: numbered before */
	for (size_t i = 0; i < t->n; i++) {
		uint32_t old = t->order[i];
		if (!onum[old] && t->dict[old] >= 0)
			onum[old] = onum[t->dict[old]];
	}
}

/* The output records (orec, ids) by output number; equal lists once. */
static int build_reports(struct aho *a, const struct btrie *t, const uint32_t *onum,
                         const struct pair *pairs)
{
	size_t hcap = 16;
	while (hcap < 2 * (size_t)a->nout + 2)
		hcap *= 2;
	uint32_t *start = calloc((size_t)a->nout + 2, sizeof(uint32_t));
	uint32_t *seen = calloc(hcap, sizeof(uint32_t)); /* output numbers, 0: empty */
	/* the lists, each once: at most every id and a length per list */
	uint32_t *v = malloc((a->nids + a->nout + 1) * sizeof(uint32_t));
	a->orec = calloc((size_t)a->nout + 2, sizeof(*a->orec));
	int r = -ENOMEM;
	if (!start || !seen || !v || !a->orec)
		goto out;
	for (size_t old = 0; old < t->n; old++)
		if (t->out_n[old])
			start[onum[old] + 1] = t->out_n[old];
	for (size_t o = 0; o <= a->nout; o++)
		start[o + 1] += start[o];
	/* pairs are sorted by old state: one state's ids are consecutive */
	for (size_t i = 0, j; i < a->nids; i = j) {
		uint32_t o = onum[pairs[i].state];
		for (j = i; j < a->nids && pairs[j].state == pairs[i].state; j++)
			a->ids[start[o] + (j - i)] = pairs[j].id;
	}
	for (size_t old = 0; old < t->n; old++)
		if (t->out_n[old])
			a->orec[onum[old]].next = t->dict[old] >= 0 ? onum[t->dict[old]] : 0;
	size_t w = 0;
	for (uint32_t o = 1; o <= a->nout; o++) {
		const uint32_t *l = a->ids + start[o], n = start[o + 1] - start[o];
		size_t h = filter_hash_bytes((const char *)l, n * sizeof(*l), 0) & (hcap - 1);
		for (; seen[h]; h = (h + 1) & (hcap - 1)) {
			uint32_t m;
			const uint32_t *x = list_in(v, a->orec[seen[h]].lo, &m);
			if (m == n && memcmp(x, l, n * sizeof(*l)) == 0)
				break;
		}
		if (seen[h]) {
			a->orec[o].lo = a->orec[seen[h]].lo;
			continue;
		}
		if (w + 1 + n > LOW24) {
			r = -E2BIG;
			goto out;
		}
		seen[h] = o;
		a->orec[o].lo = (uint32_t)w | (n < LIST_LONG ? n : LIST_LONG) << 24;
		if (n >= LIST_LONG)
			v[w++] = n;
		memcpy(v + w, l, n * sizeof(*l));
		w += n;
	}
	a->nreport = a->nids;
	a->nids = w;
	free(a->ids);
	a->ids = realloc(v, (w ? w : 1) * sizeof(*v));
	if (!a->ids)
		a->ids = v;
	v = NULL;
	r = 0;
out:
	free(start);
	free(seen);
	free(v);
	return r;
}

/* The words that hold the classes of a branching record's k children. */
static inline uint32_t class_words(uint32_t k)
{
	return (k + 3) / 4;
}

static uint32_t nkids(const struct btrie *t, uint32_t old)
{
	uint32_t k = 0;
	for (uint32_t e = t->child[old]; e; e = t->sibling[e])
		k++;
	return k;
}

/* The records' numbers: num[old] for the state of trie number old.  The
 * dense states keep their breadth-first numbers; the others are visited
 * breadth-first, and one not yet placed starts a chain: it, its child
 * while it has one child, ... up to a leaf or a state with more children
 * (whose children start chains of their own).  A child is deeper than
 * its parent, so a chain's states are all sparse and none is placed
 * twice.  Returns the words the records take, or 0 if the numbers pass
 * 2^24. */
static size_t number_records(const struct btrie *t, size_t nd, uint32_t *num)
{
	size_t w = 0;
	for (size_t i = 0; i < t->n; i++)
		num[t->order[i]] = i < nd ? (uint32_t)i : 0;
	for (size_t i = nd; i < t->n; i++) {
		uint32_t s = t->order[i];
		if (num[s])
			continue;
		for (;;) {
			uint32_t k = nkids(t, s);
			if (nd + w > LOW24)
				return 0; /* the numbers are 24 bits */
			num[s] = (uint32_t)(nd + w);
			w += 2 + (k > 1 ? class_words(k) + k : 0);
			if (k != 1)
				break;
			s = t->child[s];
		}
	}
	return w;
}

/* Full rows for the dense states (the transition of the DFA: the trie
 * edge, else the row of the failure state, which is shallower and so
 * already filled), records for the others.  perm[old]: breadth-first
 * number. */
static int build_tables(struct aho *a, const struct btrie *t, const uint32_t *perm,
                        const uint32_t *onum)
{
	size_t nc = a->ncls, n = t->n;
	size_t nd = 0, kids = 1;
	uint32_t *num = NULL;
	/* as many dense states as the rows' 2-byte entries can name the
	 * children of (breadth-first, those children are 1 .. kids - 1) */
	for (; nd < n && nd < a->dense_max; nd++) {
		size_t k = kids + nkids(t, t->order[nd]);
		if (k > ROW_STATES)
			break;
		kids = k;
	}
	a->ndense = (uint32_t)nd;
	a->nkid = kids > nd ? kids - nd : 0;
	a->row = malloc(nd * nc * sizeof(*a->row));
	a->outd = malloc(nd * sizeof(*a->outd));
	a->kid = malloc((a->nkid ? a->nkid : 1) * sizeof(*a->kid));
	num = malloc(n * sizeof(*num));
	if (!a->row || !a->outd || !a->kid || !num)
		goto nomem;
	a->nw = number_records(t, nd, num);
	if (n > nd && !a->nw) {
		free(num);
		return -E2BIG;
	}
	a->w = malloc((a->nw ? a->nw : 1) * sizeof(*a->w));
	if (!a->w)
		goto nomem;
	for (size_t v = nd; v < kids; v++)
		a->kid[v - nd] = (struct kid){ num[t->order[v]], onum[t->order[v]] };
	for (size_t i = 0; i < n; i++) {
		uint32_t old = t->order[i];
		if (i < nd) {
			uint16_t *row = a->row + i * nc;
			const uint16_t *frow = a->row + (size_t)perm[t->fail[old]] * nc;
			for (size_t c = 0; c < nc; c++)
				row[c] = i && c ? frow[c] : 0;
			for (uint32_t e = t->child[old]; e; e = t->sibling[e])
				row[t->to_cls[e]] = (uint16_t)perm[e];
			a->outd[i] = onum[old];
			continue;
		}
		uint32_t *r = a->w + (num[old] - nd), k = nkids(t, old);
		uint32_t tag = k == 0 ? TAG_LEAF : k == 1 ? t->to_cls[t->child[old]] : TAG_BRANCH;
		r[0] = num[t->fail[old]] | tag << 24;
		r[1] = onum[old] | (k > 1 ? class_words(k) : 0) << 24;
		if (k < 2)
			continue;
		uint32_t *cw = r + 2, *kw = r + 2 + class_words(k), j = 0;
		memset(cw, 0, class_words(k) * sizeof(*cw)); /* class 0: none */
		for (uint32_t e = t->child[old]; e; e = t->sibling[e], j++) {
			cw[j / 4] |= t->to_cls[e] << 8 * (j % 4);
			kw[j] = num[e];
		}
	}
	free(num);
	return 0;
nomem:
	free(num);
	return -ENOMEM;
}

static int build(const char *const *lit, const size_t *len, const uint32_t *ids, size_t n,
                 uint32_t dense_max, struct aho **ret)
{
	struct aho *a = calloc(1, sizeof(*a));
	struct btrie t = { 0 };
	struct pair *pairs = NULL;
	uint32_t *perm = NULL, *onum = NULL;
	int r = -ENOMEM;

	if (!a)
		return -ENOMEM;
	a->dense_max = dense_max ? dense_max : 1;
	size_t maxlen;
	t.cap = assign_classes(a, lit, len, n, &maxlen) + 1;
	if (t.cap > (1u << 24)) {
		r = -E2BIG;
		goto out;
	}
	pairs = malloc((n ? n : 1) * sizeof(*pairs));
	if (!pairs)
		goto out;
	if ((r = build_trie(a, &t, lit, len, ids, n, maxlen, pairs)) < 0 ||
	    (r = collect_outputs(a, &t, pairs, n)) < 0 || (r = link_failures(&t)) < 0)
		goto out;
	r = -ENOMEM;
	a->nstates = t.n;
	perm = malloc(t.n * sizeof(uint32_t));
	onum = malloc(t.n * sizeof(uint32_t));
	if (!perm || !onum)
		goto out;
	for (uint32_t i = 0; i < t.n; i++)
		perm[t.order[i]] = i;
	number_outputs(a, &t, onum);
	if ((r = build_reports(a, &t, onum, pairs)) < 0 ||
	    (r = build_tables(a, &t, perm, onum)) < 0)
		goto out;
	*ret = a;
	a = NULL;
	r = 0;
out:
	btrie_free(&t);
	free(perm);
	free(onum);
	free(pairs);
	aho_free(a);
	return r;
}

int aho_build_dense(const char *const *lit, const size_t *len, const uint32_t *ids, size_t n,
                    size_t dense_max, struct aho **ret)
{
	return build(lit, len, ids, n,
	             dense_max > AHO_DENSE_LIMIT ? AHO_DENSE_LIMIT : (uint32_t)dense_max, ret);
}

int aho_build(const char *const *lit, const size_t *len, const uint32_t *ids, size_t n,
              struct aho **ret)
{
	return build(lit, len, ids, n, AHO_DENSE_MAX, ret);
}

size_t aho_states(const struct aho *a)
{
	return a->nstates;
}

size_t aho_stamps(const struct aho *a)
{
	return 2 * (((size_t)a->nout + 1 + 31) / 32);
}

size_t aho_report_states(const struct aho *a)
{
	return (size_t)a->nout + 1;
}

size_t aho_outputs(const struct aho *a)
{
	return a->nreport;
}

size_t aho_memory(const struct aho *a)
{
	return sizeof(*a) + (size_t)a->ndense * (a->ncls * sizeof(*a->row) + sizeof(*a->outd)) +
	       a->nkid * sizeof(*a->kid) + a->nw * sizeof(*a->w) +
	       ((size_t)a->nout + 2) * sizeof(*a->orec) + a->nids * 4;
}

/* Append the ids of output state o and of those on its chain, each output
 * state once per scan (a stamped one's chain was reported with it).  Kept
 * out of line: the scan loop stays in registers. */
static __attribute__((noinline)) uint32_t *report(const struct aho *a, uint32_t o, uint32_t *stamp,
                                                  uint32_t gen, uint32_t *out)
{
	const struct orec *orc = a->orec;
	const uint32_t *ids = a->ids;
	do {
		stamp_set(stamp, o, gen);
		uint32_t n;
		const uint32_t *l = list_in(ids, orc[o].lo, &n);
		for (uint32_t k = 0; k < n; k++)
			*out++ = l[k];
		o = orc[o].next;
	} while (o && !stamped(stamp, o, gen));
	return out;
}

/* The state a dense row's entry v names; *o: its out(). */
static inline __attribute__((always_inline)) uint32_t enter(const struct aho *a, uint32_t v,
                                                            uint32_t *o)
{
	const uint32_t nd = a->ndense;
	if (v < nd) {
		*o = a->outd[v];
		return v;
	}
	const struct kid *k = &a->kid[v - nd];
	*o = k->out;
	return k->s;
}

/* The transition of sparse state s on class c (>= 1): its trie edge, else
 * that of its failure state (shallower; the chain ends at a dense state).
 * *o: the next state's out(). */
static inline uint32_t sparse_step(const struct aho *a, uint32_t s, uint32_t c, uint32_t *o)
{
	const uint32_t nd = a->ndense;
	do {
		const uint32_t *r = a->w + (s - nd);
		uint32_t tag = r[0] >> 24;
		if (tag == c) {
			*o = r[3] & LOW24; /* the child's record follows */
			return s + 2;
		}
		if (tag == TAG_BRANCH) {
			/* four classes a word: a byte equal to c is a zero byte
			 * of v; the lowest flagged byte is always one */
			const uint32_t nc = r[1] >> 24, pat = c * 0x01010101u;
			for (uint32_t j = 0; j < nc; j++) {
				uint32_t v = r[2 + j] ^ pat;
				uint32_t z = (v - 0x01010101u) & ~v & 0x80808080u;
				if (z) {
					uint32_t x =
					        r[2 + nc + 4 * j + (uint32_t)__builtin_ctz(z) / 8];
					*o = a->w[x - nd + 1] & LOW24; /* deeper: sparse */
					return x;
				}
			}
		}
		s = r[0] & LOW24;
	} while (s >= nd);
	return enter(a, a->row[(size_t)s * a->ncls + c], o);
}

/* One byte: the next state and, in *o, its first output state. */
static inline __attribute__((always_inline)) uint32_t step(const struct aho *a, uint32_t s,
                                                           uint32_t c, uint32_t *o)
{
	if (s < a->ndense)
		return enter(a, a->row[(size_t)s * a->ncls + c], o);
	if (!c) {
		*o = 0;
		return 0;
	}
	return sparse_step(a, s, c, o);
}

size_t aho_scan(const struct aho *a, const char *text, size_t len, uint32_t *stamp, uint32_t gen,
                uint32_t *out)
{
	const uint8_t *p = (const uint8_t *)text, *end = p + len;
	const uint8_t *cls = a->cls;
	uint32_t *o = out;
	uint32_t s = 0, r;
	while (p < end) {
		s = step(a, s, cls[*p++], &r);
		if (r && !stamped(stamp, r, gen))
			o = report(a, r, stamp, gen, o);
	}
	return (size_t)(o - out);
}

/* What aho_scan_first() does with each id reported (aho.h). */
struct first_sink {
	struct aho_mark *mark;
	uint32_t gen, nkeep;
};

/* report() for aho_scan_first(): an id is looked at where it is reported
 * and not copied unless it is new and below nkeep.  Of a short comment's
 * ~700 reported ids (both automata) about 430 are new and 37 kept: where
 * aho_scan_ends() copied them all for the engine to walk again, one pass
 * over them does all the work. */
static __attribute__((noinline)) uint32_t *report_first(const struct aho *a, uint32_t o,
                                                        uint32_t *stamp, const struct first_sink *k,
                                                        uint32_t end, uint32_t *out)
{
	const struct orec *orc = a->orec;
	const uint32_t *ids = a->ids;
	struct aho_mark *mark = k->mark;
	const uint32_t gen = k->gen, nkeep = k->nkeep;
	do {
		stamp_set(stamp, o, gen);
		uint32_t n;
		const uint32_t *l = list_in(ids, orc[o].lo, &n);
		const uint32_t *e = l + n;
		/* the list ascends (aho_image_read() checks it): the ids kept,
		 * if any, come first, and the rest are only marked */
		for (; l < e && *l < nkeep; l++) {
			const uint32_t g = *l;
			if (mark[g].gen != gen) {
				mark[g] = (struct aho_mark){ gen, end };
				*out++ = g;
			}
		}
		for (; l < e; l++)
			if (mark[*l].gen != gen)
				mark[*l] = (struct aho_mark){ gen, end };
		o = orc[o].next;
	} while (o && !stamped(stamp, o, gen));
	return out;
}

size_t aho_scan_first(const struct aho *a, const char *text, size_t len, uint32_t *stamp,
                      uint32_t gen, struct aho_mark *mark, uint32_t nkeep, uint32_t *out)
{
	const uint8_t *p = (const uint8_t *)text;
	const uint8_t *cls = a->cls;
	const struct first_sink k = { mark, gen, nkeep };
	uint32_t *o = out;
	uint32_t s = 0, r;
	for (size_t i = 0; i < len; i++) {
		s = step(a, s, cls[p[i]], &r);
		if (r && !stamped(stamp, r, gen))
			o = report_first(a, r, stamp, &k, (uint32_t)(i + 1), o);
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
	uint32_t *o = out, *rep = tr->rep, *end = tr->end;
	size_t n = 0;
	uint32_t s = 0, r;
	for (size_t i = 0; i < len; i++) {
		s = step(a, s, cls[p[i]], &r);
		if (!r)
			continue;
		rep[n] = r;
		end[n++] = (uint32_t)(i + 1);
		if (!stamped(stamp, r, gen))
			o = report(a, r, stamp, gen, o);
	}
	tr->n = n;
	return (size_t)(o - out);
}

/* Every wanted id that ends at END with output state R and along its
 * chain: what aho_scan_all() and aho_replay_all() both report. */
static inline size_t report_chain(const struct aho *a, uint32_t r, size_t end, const uint32_t *want,
                                  uint32_t gen, aho_each_fn *fn, void *ctx)
{
	size_t n = 0;
	for (uint32_t o = r; o; o = a->orec[o].next) {
		uint32_t m;
		const uint32_t *l = list_of(a, o, &m);
		for (uint32_t k = 0; k < m; k++)
			if (!want || want[l[k]] == gen) {
				fn(ctx, l[k], end);
				n++;
			}
	}
	return n;
}

size_t aho_replay_all(const struct aho *a, const struct aho_trace *tr, const uint32_t *want,
                      uint32_t gen, aho_each_fn *fn, void *ctx)
{
	size_t n = 0;
	for (size_t j = 0; j < tr->n; j++)
		n += report_chain(a, tr->rep[j], tr->end[j], want, gen, fn, ctx);
	return n;
}

size_t aho_chain_wanted(const struct aho *a, uint32_t r, const uint32_t *want, uint32_t gen,
                        uint32_t *out, size_t max)
{
	size_t n = 0;
	for (uint32_t o = r; o; o = a->orec[o].next) {
		uint32_t m;
		const uint32_t *l = list_of(a, o, &m);
		for (uint32_t k = 0; k < m; k++)
			if (want[l[k]] == gen) {
				if (n < max)
					out[n] = l[k];
				n++;
			}
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
	size_t n = 0;
	uint32_t s = 0, r;
	for (size_t i = 0; i < len; i++) {
		s = step(a, s, a->cls[p[i]], &r);
		if (r)
			n += report_chain(a, r, i + 1, want, gen, fn, ctx);
	}
	return n;
}

void aho_free(struct aho *a)
{
	if (!a)
		return;
	free(a->row);
	free(a->outd);
	free(a->kid);
	free(a->w);
	free(a->orec);
	free(a->ids);
	free(a);
}

/* The image (aho_image_write()): nine 64-bit counts, the class table,
 * then the arrays in the order below, each as it is in memory. */
#define IMAGE_COUNTS 9

static size_t image_orecs(const struct aho *a)
{
	return (size_t)a->nout + 2;
}

size_t aho_image_size(const struct aho *a)
{
	return IMAGE_COUNTS * sizeof(uint64_t) + sizeof(a->cls) +
	       (size_t)a->ndense * a->ncls * sizeof(*a->row) +
	       (size_t)a->ndense * sizeof(*a->outd) + a->nkid * sizeof(*a->kid) +
	       a->nw * sizeof(*a->w) + image_orecs(a) * sizeof(*a->orec) +
	       a->nids * sizeof(*a->ids);
}

static unsigned char *put(unsigned char *out, const void *v, size_t n)
{
	if (n)
		memcpy(out, v, n);
	return out + n;
}

void aho_image_write(const struct aho *a, unsigned char *out)
{
	const uint64_t counts[IMAGE_COUNTS] = { a->ncls, a->nstates, a->ndense,  a->nkid,     a->nw,
		                                a->nout, a->nids,    a->nreport, a->dense_max };
	out = put(out, counts, sizeof(counts));
	out = put(out, a->cls, sizeof(a->cls));
	out = put(out, a->row, (size_t)a->ndense * a->ncls * sizeof(*a->row));
	out = put(out, a->outd, (size_t)a->ndense * sizeof(*a->outd));
	out = put(out, a->kid, a->nkid * sizeof(*a->kid));
	out = put(out, a->w, a->nw * sizeof(*a->w));
	out = put(out, a->orec, image_orecs(a) * sizeof(*a->orec));
	put(out, a->ids, a->nids * sizeof(*a->ids));
}

/* Reading an image: where it is, and what was wrong with it. */
struct image_in {
	const unsigned char *p;
	size_t left;
	const char *why;
};

/* Copy n elements of size sz into a new array (at least one element);
 * NULL with in->why set when the image is too short, or on no memory
 * (in->why NULL). */
static void *take(struct image_in *in, size_t n, size_t sz)
{
	if (n > in->left / sz) {
		in->why = "automaton: truncated";
		return NULL;
	}
	void *v = malloc(n ? n * sz : sz);
	if (!v)
		return NULL;
	if (n)
		memcpy(v, in->p, n * sz);
	in->p += n * sz;
	in->left -= n * sz;
	return v;
}

/* Records: they tile w; *start marks where each begins, *ret_n counts them. */
static const char *check_records(const struct aho *a, uint8_t *start, size_t *ret_n)
{
	size_t n = 0;
	for (size_t o = 0; o < a->nw; n++) {
		if (a->nw - o < 2)
			return "automaton: record past the end";
		start[o] = 1;
		const uint32_t *r = a->w + o;
		const uint32_t tag = r[0] >> 24;
		if ((r[1] & LOW24) > a->nout)
			return "automaton: record output out of range";
		if (tag != TAG_BRANCH) {
			if (r[1] >> 24)
				return "automaton: record words on a plain record";
			if (tag != TAG_LEAF && (tag >= a->ncls || a->nw - o < 4))
				return "automaton: bad one-child record";
			o += 2;
			continue;
		}
		const uint32_t nc = r[1] >> 24;
		if (nc == 0 || a->nw - o - 2 < nc)
			return "automaton: bad branch record";
		uint32_t k = 0;
		int ended = 0;
		for (uint32_t j = 0; j < 4 * nc; j++) {
			uint32_t c = r[2 + j / 4] >> 8 * (j % 4) & 0xffu;
			if (c && (ended || c >= a->ncls))
				return "automaton: bad branch classes";
			ended |= c == 0;
			k += c != 0;
		}
		if (k < 2 || class_words(k) != nc || a->nw - o - 2 - nc < k)
			return "automaton: bad branch record";
		o += 2 + nc + k;
	}
	*ret_n = n;
	return NULL;
}

/* Is state v a record's (a sparse state)? */
static int is_record(const struct aho *a, const uint8_t *start, uint32_t v)
{
	return v >= a->ndense && v - a->ndense < a->nw && start[v - a->ndense];
}

/* Every link a record holds names a state; failure chains end at a dense
 * state (state[]: 0 unknown, 1 on the chain being followed, 2 ends). */
static const char *check_links(const struct aho *a, const uint8_t *start, uint8_t *state)
{
	const uint32_t nd = a->ndense;
	for (size_t o = 0; o < a->nw; o++) {
		if (!start[o])
			continue;
		const uint32_t *r = a->w + o;
		const uint32_t f = r[0] & LOW24;
		if (f >= nd && !is_record(a, start, f))
			return "automaton: failure link out of range";
		if (r[0] >> 24 == TAG_BRANCH) {
			const uint32_t nc = r[1] >> 24;
			for (uint32_t j = 0; j < 4 * nc && (r[2 + j / 4] >> 8 * (j % 4) & 0xffu);
			     j++)
				if (!is_record(a, start, r[2 + nc + j]))
					return "automaton: child out of range";
		}
	}
	for (size_t o = 0; o < a->nw; o++) {
		if (!start[o] || state[o] == 2)
			continue;
		size_t v = o;
		for (;;) {
			if (state[v] == 1)
				return "automaton: failure chain loops";
			state[v] = 1;
			const uint32_t f = a->w[v] & LOW24;
			if (f < nd || state[f - nd] == 2)
				break;
			v = f - nd;
		}
		for (v = o; state[v] == 1; v = (a->w[v] & LOW24) - nd) {
			state[v] = 2;
			if ((a->w[v] & LOW24) < nd)
				break;
		}
	}
	return NULL;
}

/* Rows, kids and dense outputs name states that exist. */
static const char *check_dense(const struct aho *a, const uint8_t *start)
{
	for (size_t b = 0; b < 256; b++)
		if (a->cls[b] >= a->ncls)
			return "automaton: byte class out of range";
	for (size_t i = 0; i < (size_t)a->ndense * a->ncls; i++)
		if (a->row[i] >= a->ndense && a->row[i] - a->ndense >= a->nkid)
			return "automaton: row entry out of range";
	for (size_t s = 0; s < a->ndense; s++)
		if (a->outd[s] > a->nout)
			return "automaton: dense output out of range";
	for (size_t k = 0; k < a->nkid; k++)
		if (!is_record(a, start, a->kid[k].s) || a->kid[k].out > a->nout)
			return "automaton: kid out of range";
	return NULL;
}

/* Output chains go to lower numbers (they end), lists lie within ids[]
 * and hold ids below id_limit, and nreport is their lengths' sum (scans
 * write at most that many). */
static const char *check_outputs(const struct aho *a, uint32_t id_limit)
{
	size_t total = 0;
	for (uint32_t o = 1; o <= a->nout; o++) {
		if (a->orec[o].next >= o)
			return "automaton: output chain does not descend";
		const uint32_t lo = a->orec[o].lo;
		size_t at = lo & LOW24, n = lo >> 24;
		if (at >= a->nids && n)
			return "automaton: output list out of range";
		if (n == LIST_LONG)
			n = a->ids[at++];
		if (at > a->nids || n > a->nids - at)
			return "automaton: output list out of range";
		for (size_t k = 0; k < n; k++) {
			if (a->ids[at + k] >= id_limit)
				return "automaton: id out of range";
			/* report_first() takes the ids below nkeep to come first */
			if (k > 0 && a->ids[at + k] <= a->ids[at + k - 1])
				return "automaton: output list not ascending";
		}
		total += n;
	}
	return total == a->nreport ? NULL : "automaton: report count wrong";
}

static const char *check_image(const struct aho *a, uint32_t id_limit, int *nomem)
{
	uint8_t *start = calloc(a->nw ? a->nw : 1, 1);
	uint8_t *state = calloc(a->nw ? a->nw : 1, 1);
	size_t nrec = 0;
	const char *why = NULL;
	if (!start || !state) {
		*nomem = 1;
		goto out;
	}
	if (!(why = check_records(a, start, &nrec)) && !(why = check_links(a, start, state)) &&
	    !(why = check_dense(a, start)) && !(why = check_outputs(a, id_limit)) &&
	    a->nstates != (size_t)a->ndense + nrec)
		why = "automaton: state count wrong";
out:
	free(start);
	free(state);
	return why;
}

/* The counts read: within what build() makes. */
static const char *check_counts(const uint64_t *c)
{
	/* ncls .. dense_max, as in aho_image_write() */
	if (c[0] < 1 || c[0] > TAG_BRANCH - 1 || c[2] < 1 || c[2] > ROW_STATES || c[2] > c[1] ||
	    c[3] > ROW_STATES || c[4] > (uint64_t)LOW24 + 1 || c[5] > LOW24 ||
	    c[6] > (uint64_t)LOW24 + 1 || c[8] < 1 || c[8] > AHO_DENSE_LIMIT || c[1] > UINT32_MAX ||
	    c[7] > UINT32_MAX)
		return "automaton: counts out of range";
	return NULL;
}

int aho_image_read(const unsigned char *buf, size_t len, uint32_t id_limit, size_t *ret_used,
                   struct aho **ret, const char **why)
{
	struct image_in in = { buf, len, NULL };
	uint64_t c[IMAGE_COUNTS];
	struct aho *a = NULL;
	int nomem = 0;

	*why = NULL;
	if (len < sizeof(c) + 256) {
		*why = "automaton: truncated";
		return -EINVAL;
	}
	memcpy(c, buf, sizeof(c));
	in.p += sizeof(c);
	in.left -= sizeof(c);
	if ((*why = check_counts(c)))
		return -EINVAL;
	if (!(a = calloc(1, sizeof(*a))))
		return -ENOMEM;
	a->ncls = c[0];
	a->nstates = c[1];
	a->ndense = (uint32_t)c[2];
	a->nkid = c[3];
	a->nw = c[4];
	a->nout = (uint32_t)c[5];
	a->nids = c[6];
	a->nreport = c[7];
	a->dense_max = (uint32_t)c[8];
	memcpy(a->cls, in.p, sizeof(a->cls));
	in.p += sizeof(a->cls);
	in.left -= sizeof(a->cls);
	if (!(a->row = take(&in, (size_t)a->ndense * a->ncls, sizeof(*a->row))) ||
	    !(a->outd = take(&in, a->ndense, sizeof(*a->outd))) ||
	    !(a->kid = take(&in, a->nkid, sizeof(*a->kid))) ||
	    !(a->w = take(&in, a->nw, sizeof(*a->w))) ||
	    !(a->orec = take(&in, image_orecs(a), sizeof(*a->orec))) ||
	    !(a->ids = take(&in, a->nids, sizeof(*a->ids))))
		goto fail;
	if ((in.why = check_image(a, id_limit, &nomem)) || nomem)
		goto fail;
	*ret_used = len - in.left;
	*ret = a;
	return 0;
fail:
	aho_free(a);
	*why = in.why;
	return in.why ? -EINVAL : -ENOMEM;
}
