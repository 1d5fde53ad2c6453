/* The Aho–Corasick automaton (filter/aho.c) against a naive matcher: on
 * random literal sets (small and large alphabets, shared prefixes, equal
 * literals with several ids, ids shared by literals) and random texts
 * (upper case, bytes in no literal, UTF-8), with every number of states
 * given full rows from one to all, aho_scan() reports exactly the ids of
 * the literals the text contains, aho_scan_all() calls back for every
 * occurrence in the naive order, and aho_scan_trace() + aho_replay_all()
 * give the same; so do fixed sets for the edge cases (late branches,
 * prefixes, bytes 0x80-0xff, the empty text, long id lists, tries wider
 * than the 2-byte rows can name) and sets made for the records laid out
 * along chains (chains, leaves, states of 2 to 200 children). */
#include <errno.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "filter/aho.h"
#include "t.h"

static uint32_t rng = 2463534242u;

static uint32_t rnd(uint32_t n)
{
	rng ^= rng << 13;
	rng ^= rng >> 17;
	rng ^= rng << 5;
	return rng % n;
}

static const char alpha_small[] = "abc";
static const char alpha_words[] = "abcdefghijklmnopqrstuvwxyz ";
static const char *const alpha_utf8[] = { "a", "e", "r", "\xc3\xa5", "\xc3\xb6", " ", "d" };

struct lits {
	size_t n;
	char **s;
	size_t *len;
	uint32_t *id;
};

static void lits_free(struct lits *L)
{
	for (size_t i = 0; i < L->n; i++)
		free(L->s[i]);
	free(L->s);
	free(L->len);
	free(L->id);
}

/* A random piece of 1 .. maxlen bytes from alphabet kind k, lower case. */
static size_t piece(char *buf, size_t maxlen, int k)
{
	size_t want = 1 + rnd((uint32_t)maxlen), n = 0;
	while (n < want) {
		if (k == 0)
			buf[n++] = alpha_small[rnd(3)];
		else if (k == 1)
			buf[n++] = alpha_words[rnd(sizeof(alpha_words) - 1)];
		else {
			const char *c = alpha_utf8[rnd(7)];
			size_t l = strlen(c);
			if (n + l > want && n > 0)
				break;
			memcpy(buf + n, c, l);
			n += l;
		}
	}
	return n;
}

static void make_lits(struct lits *L, size_t n, size_t maxlen, int k, uint32_t nids)
{
	L->n = n;
	L->s = calloc(n, sizeof(char *));
	L->len = calloc(n, sizeof(size_t));
	L->id = calloc(n, sizeof(uint32_t));
	char buf[64];
	for (size_t i = 0; i < n; i++) {
		size_t l;
		if (i > 0 && rnd(8) == 0) { /* the same literal again, or a prefix of one */
			size_t j = rnd((uint32_t)i);
			l = L->len[j] - (rnd(2) ? rnd((uint32_t)L->len[j]) : 0);
			memcpy(buf, L->s[j], l);
		} else if (i > 0 && rnd(4) == 0) { /* an extension of one: deep chains */
			size_t j = rnd((uint32_t)i);
			memcpy(buf, L->s[j], L->len[j]);
			l = L->len[j] + piece(buf + L->len[j], maxlen, k);
		} else {
			l = piece(buf, maxlen, k);
		}
		L->s[i] = malloc(l + 1);
		memcpy(L->s[i], buf, l);
		L->s[i][l] = '\0';
		L->len[i] = l;
		L->id[i] = rnd(nids);
	}
}

static size_t make_text(char *t, size_t len, const struct lits *L, int k)
{
	size_t n = 0;
	while (n + 64 < len) {
		unsigned r = rnd(10);
		if (r < 5) {
			const char *s = L->s[rnd((uint32_t)L->n)];
			size_t l = strlen(s);
			memcpy(t + n, s, l);
			for (size_t j = 0; j < l; j++)
				if (rnd(5) == 0 && t[n + j] >= 'a' && t[n + j] <= 'z')
					t[n + j] = (char)(t[n + j] & ~0x20); /* upper case */
			n += l;
		} else if (r < 9) {
			n += piece(t + n, 6, k);
		} else {
			t[n++] = (char)(rnd(2) ? 'Z' + 1 : '\xe2'); /* in no literal */
		}
	}
	return n;
}

static int lower(int c)
{
	return c >= 'A' && c <= 'Z' ? c | 0x20 : c;
}

static int ends_at(const char *t, size_t end, const char *s, size_t l)
{
	if (l > end)
		return 0;
	for (size_t j = 0; j < l; j++)
		if (lower((unsigned char)t[end - l + j]) != (unsigned char)s[j])
			return 0;
	return 1;
}

struct call {
	uint32_t id, end;
};

struct calls {
	size_t n, cap;
	struct call *v;
};

static void push(struct calls *c, uint32_t id, size_t end)
{
	if (c->n == c->cap) {
		c->cap = c->cap ? 2 * c->cap : 256;
		c->v = realloc(c->v, c->cap * sizeof(*c->v));
	}
	c->v[c->n++] = (struct call){ id, (uint32_t)end };
}

static void on_call(void *ctx, uint32_t id, size_t end)
{
	push(ctx, id, end);
}

static int cmp_u32(const void *a, const void *b)
{
	uint32_t x = *(const uint32_t *)a, y = *(const uint32_t *)b;
	return x < y ? -1 : x > y;
}

/* The distinct literal strings, longest first, each with its distinct ids
 * ascending: the naive matcher's table. */
struct dlit {
	const char *s;
	size_t len, nid;
	uint32_t *ids;
};

static int cmp_dlit(const void *a, const void *b)
{
	const struct dlit *x = a, *y = b;
	if (x->len != y->len)
		return x->len > y->len ? -1 : 1;
	return memcmp(x->s, y->s, x->len);
}

static struct dlit *distinct(const struct lits *L, size_t *ret_n)
{
	struct dlit *d = calloc(L->n, sizeof(*d));
	size_t m = 0;
	for (size_t i = 0; i < L->n; i++) {
		size_t j = 0;
		while (j < m && !(d[j].len == L->len[i] && memcmp(d[j].s, L->s[i], L->len[i]) == 0))
			j++;
		if (j == m)
			d[m++] = (struct dlit){ L->s[i], L->len[i], 0,
				                calloc(L->n, sizeof(uint32_t)) };
		size_t k = 0;
		while (k < d[j].nid && d[j].ids[k] != L->id[i])
			k++;
		if (k == d[j].nid)
			d[j].ids[d[j].nid++] = L->id[i];
	}
	for (size_t j = 0; j < m; j++)
		qsort(d[j].ids, d[j].nid, sizeof(uint32_t), cmp_u32);
	qsort(d, m, sizeof(*d), cmp_dlit);
	*ret_n = m;
	return d;
}

/* The naive order: by end; at one end, longer literals first; one
 * literal's ids ascending, each (literal, id) once. */
static void naive_calls(const struct dlit *d, size_t nd, const char *t, size_t tl,
                        const uint32_t *want, uint32_t gen, struct calls *c)
{
	for (size_t end = 1; end <= tl; end++)
		for (size_t i = 0; i < nd; i++)
			if (ends_at(t, end, d[i].s, d[i].len))
				for (size_t k = 0; k < d[i].nid; k++)
					if (!want || want[d[i].ids[k]] == gen)
						push(c, d[i].ids[k], end);
}

static int same_calls(const struct calls *a, const struct calls *b)
{
	return a->n == b->n && (a->n == 0 || memcmp(a->v, b->v, a->n * sizeof(*a->v)) == 0);
}

/* aho_scan_first(): every id the naive matcher finds marked seen, with
 * the end of its first occurrence (the naive matcher's first call for
 * it); the new ids below nkeep written, each once; an id marked seen in
 * this generation before the scan left as it was; nothing else touched.
 * A second scan in the same generation with fresh stamps (as another
 * automaton's would be) changes and writes nothing.  Returns 1 when
 * wrong. */
static int check_first(const struct aho *a, const struct calls *naive, uint32_t nids,
                       const char *text, size_t tl, uint32_t *stamp, uint32_t *out)
{
	const uint32_t nkeep = nids / 2, gen = 3;
	struct aho_mark *mark = malloc((nids + 1) * sizeof(*mark));
	uint32_t *want = malloc((nids + 1) * sizeof(uint32_t));
	uint32_t *fresh = calloc(aho_stamps(a) + 1, sizeof(uint32_t));
	uint8_t *kept = calloc(nids + 1, 1);
	int wrong = !mark || !want || !fresh || !kept;
	for (uint32_t id = 0; !wrong && id < nids; id++) {
		mark[id].gen = 2; /* a stale mark */
		mark[id].first = want[id] = UINT32_MAX;
	}
	if (!wrong && nids) {
		mark[0].gen = gen; /* seen already: left alone */
		mark[0].first = want[0] = 12345;
	}
	for (size_t i = naive->n; !wrong && i-- > 0;)
		if (naive->v[i].id != 0)
			want[naive->v[i].id] = (uint32_t)naive->v[i].end;
	size_t m = wrong ? 0 : aho_scan_first(a, text, tl, stamp, gen, mark, nkeep, out);
	for (size_t k = 0; !wrong && k < m; k++) {
		const uint32_t g = out[k];
		wrong |= g >= nkeep || g == 0 || kept[g] || want[g] == UINT32_MAX;
		kept[g] = 1;
	}
	for (uint32_t id = 0; !wrong && id < nids; id++) {
		const int found = want[id] != UINT32_MAX;
		wrong |= mark[id].first != want[id] || (mark[id].gen == gen) != found;
		wrong |= id != 0 && id < nkeep && found != (kept[id] != 0);
	}
	if (!wrong)
		wrong |= aho_scan_first(a, text, tl, fresh, gen, mark, nids, out) != 0;
	for (uint32_t id = 0; !wrong && id < nids; id++)
		wrong |= mark[id].first != want[id];
	free(mark);
	free(want);
	free(fresh);
	free(kept);
	return wrong;
}

/* aho_scan(), aho_scan_all() and aho_scan_trace() + aho_replay_all() on
 * one text against the naive matcher, with the dense limits of
 * check_set(); returns the number of differences. */
static int check_text_d(const struct lits *L, const struct dlit *dl, size_t nd, uint32_t nids,
                        const char *text, size_t tl)
{
	const size_t limits[] = { 1, 2, 7, 100000 };
	uint8_t *expect = calloc(nids, 1), *got = calloc(nids, 1);
	struct calls naive = { 0 }, all = { 0 }, replay = { 0 };
	int wrong = 0;
	naive_calls(dl, nd, text, tl, NULL, 0, &naive);
	for (size_t i = 0; i < naive.n; i++)
		expect[naive.v[i].id] = 1;
	for (size_t d = 0; d < sizeof(limits) / sizeof(limits[0]); d++) {
		struct aho *a;
		if (aho_build_dense((const char *const *)L->s, L->len, L->id, L->n, limits[d],
		                    &a) != 0) {
			wrong++;
			continue;
		}
		uint32_t *stamp = calloc(aho_stamps(a), sizeof(uint32_t));
		uint32_t *out = malloc((aho_outputs(a) + 1) * sizeof(uint32_t));
		struct aho_trace tr = { 0 };
		size_t m = aho_scan(a, text, tl, stamp, 1, out);
		memset(got, 0, nids);
		for (size_t i = 0; i < m; i++)
			got[out[i]] = 1;
		wrong += m > aho_outputs(a) || memcmp(expect, got, nids) != 0;
		all.n = replay.n = 0;
		size_t c1 = aho_scan_all(a, text, tl, NULL, 0, on_call, &all);
		m = aho_scan_trace(a, text, tl, stamp, 2, out, &tr);
		memset(got, 0, nids);
		for (size_t i = 0; i < m; i++)
			got[out[i]] = 1;
		wrong += memcmp(expect, got, nids) != 0 || tr.failed;
		size_t c2 = aho_replay_all(a, &tr, NULL, 0, on_call, &replay);
		wrong += c1 != all.n || c2 != replay.n;
		wrong += !same_calls(&naive, &all) || !same_calls(&naive, &replay);
		wrong += check_first(a, &naive, nids, text, tl, stamp, out);
		aho_trace_free(&tr);
		free(out);
		free(stamp);
		aho_free(a);
	}
	free(naive.v);
	free(all.v);
	free(replay.v);
	free(expect);
	free(got);
	return wrong;
}

static int check_text(const struct lits *L, uint32_t nids, const char *text, size_t tl)
{
	size_t nd;
	struct dlit *dl = distinct(L, &nd);
	int wrong = check_text_d(L, dl, nd, nids, text, tl);
	for (size_t j = 0; j < nd; j++)
		free(dl[j].ids);
	free(dl);
	return wrong;
}

/* A literal set from strings of known length (they may hold NUL-free
 * bytes above 0x7f) and ids. */
static void lits_of(struct lits *L, const char *const *v, const uint32_t *ids, size_t n)
{
	L->n = n;
	L->s = calloc(n, sizeof(char *));
	L->len = calloc(n, sizeof(size_t));
	L->id = calloc(n, sizeof(uint32_t));
	for (size_t i = 0; i < n; i++) {
		L->len[i] = strlen(v[i]);
		L->s[i] = malloc(L->len[i] + 1);
		memcpy(L->s[i], v[i], L->len[i] + 1);
		L->id[i] = ids[i];
	}
}

/* aho_chain_wanted() at each entry of trace tr gives what
 * aho_replay_all() reports there (replay): the same ids in the same
 * order; with room for fewer, the same count and the first of them. */
static int check_chain_wanted(const struct aho *a, const struct aho_trace *tr, const uint32_t *want,
                              uint32_t gen, const struct calls *replay)
{
	struct calls c = { 0 };
	int wrong = 0;
	for (size_t j = 0; j < tr->n; j++) {
		const size_t m = aho_chain_wanted(a, tr->rep[j], want, gen, NULL, 0);
		uint32_t *ids = malloc((m + 1) * sizeof(*ids)), few[2] = { 0, 0 };
		wrong += aho_chain_wanted(a, tr->rep[j], want, gen, ids, m) != m;
		for (size_t k = 0; k < m; k++)
			push(&c, ids[k], tr->end[j]);
		wrong += aho_chain_wanted(a, tr->rep[j], want, gen, few, 2) != m;
		wrong += (m > 0 && few[0] != ids[0]) || (m > 1 && few[1] != ids[1]);
		free(ids);
	}
	wrong += !same_calls(&c, replay);
	free(c.v);
	return wrong;
}

/* One literal set, several dense limits, several texts. */
static int check_set(size_t n, size_t maxlen, int k, uint32_t nids)
{
	struct lits L;
	make_lits(&L, n, maxlen, k, nids);
	size_t nd;
	struct dlit *dl = distinct(&L, &nd);
	int wrong = 0;
	const size_t limits[] = { 1, 2, 7, 100, 100000 };
	char *text = malloc(2048);
	uint32_t *want = calloc(nids, sizeof(uint32_t));
	uint8_t *expect = malloc(nids), *got = malloc(nids);
	struct calls naive = { 0 }, all = { 0 }, replay = { 0 };
	for (size_t d = 0; d < sizeof(limits) / sizeof(limits[0]); d++) {
		struct aho *a;
		if (aho_build_dense((const char *const *)L.s, L.len, L.id, n, limits[d], &a) != 0)
			return 1000;
		uint32_t *stamp = calloc(aho_stamps(a), sizeof(uint32_t));
		uint32_t *stamp2 = calloc(aho_stamps(a), sizeof(uint32_t));
		uint32_t *out = malloc((aho_outputs(a) + 1) * sizeof(uint32_t));
		struct aho_trace tr = { 0 };
		for (uint32_t gen = 1; gen <= 12; gen++) {
			size_t tl = make_text(text, gen % 3 ? 200 : 2000, &L, k);
			memset(expect, 0, nids);
			memset(got, 0, nids);
			for (size_t i = 0; i < n; i++)
				for (size_t end = L.len[i]; end <= tl; end++)
					if (ends_at(text, end, L.s[i], L.len[i])) {
						expect[L.id[i]] = 1;
						break;
					}
			size_t m = aho_scan(a, text, tl, stamp, gen, out);
			wrong += m > aho_outputs(a);
			for (size_t i = 0; i < m; i++)
				got[out[i]] = 1;
			wrong += memcmp(expect, got, nids) != 0;
			for (uint32_t i = 0; i < nids; i++)
				want[i] = (i + gen) % 3 == 0 ? gen : 0;
			for (int w = 0; w < 2; w++) {
				naive.n = all.n = replay.n = 0;
				naive_calls(dl, nd, text, tl, w ? want : NULL, gen, &naive);
				size_t c1 = aho_scan_all(a, text, tl, w ? want : NULL, gen, on_call,
				                         &all);
				size_t m2 = aho_scan_trace(a, text, tl, stamp2,
				                           2 * gen + (uint32_t)w, out, &tr);
				memset(got, 0, nids);
				for (size_t i = 0; i < m2; i++)
					got[out[i]] = 1;
				wrong += memcmp(expect, got, nids) != 0 || tr.failed;
				for (size_t j = 0; j < tr.n; j++) /* engine.c indexes by them */
					wrong +=
					        tr.rep[j] == 0 || tr.rep[j] >= aho_report_states(a);
				size_t c2 = aho_replay_all(a, &tr, w ? want : NULL, gen, on_call,
				                           &replay);
				wrong += c1 != all.n || c2 != replay.n;
				wrong += !same_calls(&naive, &all) || !same_calls(&naive, &replay);
				if (w)
					wrong += check_chain_wanted(a, &tr, want, gen, &replay);
			}
		}
		aho_trace_free(&tr);
		free(out);
		free(stamp2);
		free(stamp);
		aho_free(a);
	}
	free(naive.v);
	free(all.v);
	free(replay.v);
	free(expect);
	free(got);
	free(want);
	free(text);
	for (size_t j = 0; j < nd; j++)
		free(dl[j].ids);
	free(dl);
	lits_free(&L);
	return wrong;
}

static void test_small_alphabet_deep_chains(void)
{
	int wrong = 0;
	for (int r = 0; r < 20; r++)
		wrong += check_set(1 + rnd(40), 8, 0, 1 + rnd(20));
	T_EQ_INT(0, wrong);
}

static void test_words_and_spaces(void)
{
	int wrong = 0;
	for (int r = 0; r < 10; r++)
		wrong += check_set(50 + rnd(400), 12, 1, 1 + rnd(300));
	T_EQ_INT(0, wrong);
}

static void test_utf8_letters(void)
{
	int wrong = 0;
	for (int r = 0; r < 10; r++)
		wrong += check_set(20 + rnd(200), 10, 2, 1 + rnd(100));
	T_EQ_INT(0, wrong);
}

/* More children than the three a sparse state's record holds. */
static void test_wide_states(void)
{
	int wrong = 0;
	for (int r = 0; r < 4; r++)
		wrong += check_set(600, 3, 1, 64);
	T_EQ_INT(0, wrong);
}

/* Chains that branch only near their end, literals that are prefixes and
 * suffixes of others, each with ids of its own. */
static void test_late_branches_and_prefixes(void)
{
	static const char *const v[] = { "abcdefghij", "abcdefghix", "abcdefghijk", "ab",
		                         "abc",        "abcd",       "cdefghij",    "j",
		                         "hijk",       "abcdefghij" };
	static const uint32_t ids[] = { 0, 1, 2, 3, 4, 5, 6, 7, 8, 9 };
	static const char text[] = "xxABCDEFGHIJKabcdefghixabcdefghiabcdabcABcdefghijj";
	struct lits L;
	lits_of(&L, v, ids, 10);
	int wrong = check_text(&L, 10, text, sizeof(text) - 1);
	wrong += check_text(&L, 10, "abcdefghi", 9); /* a chain left unfinished */
	lits_free(&L);
	T_EQ_INT(0, wrong);
}

/* Literals that start with much of the one before (build_trie() starts
 * each at the state its shared prefix reached): shorter and longer than
 * the one before, a literal given again with another id (and again
 * after others), one sharing nothing; the text in mixed case. */
static void test_literals_sharing_the_one_before(void)
{
	static const char *const v[] = { "abcde",   "abcdx", "abc",  "abcde", "abcdefgh",
		                         "abxy",    "abxyz", "b",    "bcd",   "bcd",
		                         "bcdefgh", "xyz",   "xyzw", "xy",    "abcdefgh" };
	static const uint32_t ids[] = { 0, 1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12, 13, 14 };
	static const char text[] = "..abcdefghXYZWABxyzbcdabcdx.abcDx xy ABXYZ bcdefg";
	struct lits L;
	lits_of(&L, v, ids, 15);
	int wrong = check_text(&L, 15, text, sizeof(text) - 1);
	wrong += check_text(&L, 15, "abcd", 4);
	lits_free(&L);
	T_EQ_INT(0, wrong);
}

/* Bytes 0x80 .. 0xff, 0xff among them, in literals and in the text; a
 * 0xff the literals do not hold elsewhere; the empty text. */
static void test_high_bytes_and_empty_text(void)
{
	static const char *const v[] = { "\xff", "a\xff\xff", "\xff\xfe", "\xc3\xa5\xff", "\x80" };
	static const uint32_t ids[] = { 0, 1, 2, 3, 4 };
	static const char text[] = "\xff\xff\xfe a\xff\xff\xff \xc3\xa5\xff\x80\x81\xfe\xff";
	struct lits L;
	lits_of(&L, v, ids, 5);
	int wrong = check_text(&L, 5, text, sizeof(text) - 1);
	wrong += check_text(&L, 5, "", 0);
	lits_free(&L);
	static const char *const w[] = { "ab", "b" };
	lits_of(&L, w, ids, 2);
	wrong += check_text(&L, 5,
	                    "\xff\xff"
	                    "ab\xff",
	                    5);
	lits_free(&L);
	T_EQ_INT(0, wrong);
}

/* One state with more ids than a short list holds (LIST_LONG, aho.c),
 * another on its failure chain with some of the same. */
static void test_many_ids_on_one_state(void)
{
	enum { N = 700 };
	const char *v[N];
	uint32_t ids[N];
	for (size_t i = 0; i < N; i++) {
		v[i] = i < 600 ? "xab" : "ab";
		ids[i] = i < 600 ? (uint32_t)i : (uint32_t)(i - 300);
	}
	struct lits L;
	lits_of(&L, v, ids, N);
	int wrong = check_text(&L, 600, "zxabxab ab", 10);
	lits_free(&L);
	T_EQ_INT(0, wrong);
}

/* The records laid out along chains (aho.c): long chains that branch late
 * or end in leaves, chains whose states are prefixes or suffixes of other
 * literals, a literal with 300 ids on a chain, bytes 0x80 .. 0xff, states
 * of 2 to 9 children (their classes a word per four), against the naive
 * matcher at dense limits 1, 2, 7 and 100,000 (check_text()). */
static int check_chains(void)
{
	enum { NB = 4, NMAX = 700 };
	static const char alpha[] = "abcdefg\x81\xc3\xa5\xff";
	char base[NB][48];
	size_t bl[NB];
	for (size_t b = 0; b < NB; b++) {
		bl[b] = 20 + rnd(28);
		for (size_t i = 0; i < bl[b]; i++)
			base[b][i] = alpha[rnd(sizeof(alpha) - 1)];
	}
	struct lits L = { 0, calloc(NMAX, sizeof(char *)), calloc(NMAX, sizeof(size_t)),
		          calloc(NMAX, sizeof(uint32_t)) };
	char buf[80];
	while (L.n < 60 + rnd(200)) {
		size_t b = rnd(NB), l, cut = 1 + rnd((uint32_t)bl[b]);
		switch (rnd(5)) {
		case 0: /* a prefix: an output state inside a chain */
			memcpy(buf, base[b], l = cut);
			break;
		case 1: /* a suffix: fails into another chain */
			memcpy(buf, base[b] + bl[b] - cut, l = cut);
			break;
		case 2: /* a late branch: a chain, then up to 9 ways on */
			memcpy(buf, base[b], l = bl[b] - rnd(4));
			for (size_t j = 1 + rnd(9); j > 0; j--)
				buf[l++] = (char)(0x80 + rnd(10));
			break;
		case 3: /* the whole chain: a leaf */
			memcpy(buf, base[b], l = bl[b]);
			break;
		default: /* a piece from inside */
			l = 1 + rnd(8);
			if (l > bl[b] - cut + 1)
				l = bl[b] - cut + 1;
			memcpy(buf, base[b] + cut - 1, l);
		}
		L.s[L.n] = malloc(l + 1);
		memcpy(L.s[L.n], buf, l);
		L.s[L.n][l] = '\0';
		L.len[L.n] = l;
		L.id[L.n++] = rnd(40);
	}
	/* 300 ids on one chain's middle state */
	for (uint32_t i = 0; i < 300; i++) {
		L.len[L.n] = bl[0] / 2;
		L.s[L.n] = malloc(L.len[L.n] + 1);
		memcpy(L.s[L.n], base[0], L.len[L.n]);
		L.s[L.n][L.len[L.n]] = '\0';
		L.id[L.n++] = 40 + i;
	}
	char text[1200];
	size_t tl = 0;
	while (tl + 60 < sizeof(text)) {
		size_t b = rnd(NB), from = rnd((uint32_t)bl[b]),
		       l = 1 + rnd((uint32_t)(bl[b] - from));
		if (rnd(4)) {
			memcpy(text + tl, base[b] + from, l);
			tl += l;
		}
		for (size_t j = rnd(3); j > 0; j--)
			text[tl++] =
			        rnd(2) ? (char)(0x80 + rnd(128)) : alpha[rnd(sizeof(alpha) - 1)];
	}
	int wrong = check_text(&L, 340, text, tl);
	lits_free(&L);
	return wrong;
}

static void test_chains_leaves_and_branches(void)
{
	int wrong = 0;
	for (int r = 0; r < 30; r++)
		wrong += check_chains();
	T_EQ_INT(0, wrong);
}

/* One state below the dense ones with 200 children: 50 words of classes. */
static void test_two_hundred_children(void)
{
	enum { N = 200 };
	char *v[N + 1];
	uint32_t ids[N + 1];
	char text[3 * N + 8];
	size_t tl = 0;
	for (size_t i = 0; i < N; i++) {
		v[i] = malloc(4);
		v[i][0] = 'q';
		v[i][1] = 'z';
		v[i][2] = (char)(i < 26 ? 'a' + i : 0x7b + (i - 26)); /* no upper case */
		v[i][3] = '\0';
		ids[i] = (uint32_t)i;
		if (i % 3 == 0) {
			memcpy(text + tl, v[i], 3);
			tl += 3;
		}
	}
	v[N] = "zq";
	ids[N] = N;
	memcpy(text + tl, "QZqzqZ\xf7", 7);
	tl += 7;
	struct lits L;
	lits_of(&L, (const char *const *)v, ids, N + 1);
	int wrong = check_text(&L, N + 1, text, tl);
	lits_free(&L);
	for (size_t i = 0; i < N; i++)
		free(v[i]);
	T_EQ_INT(0, wrong);
}

/* Wide shallow levels: with every state allowed a row, the rows' 2-byte
 * entries cannot name every child, and fewer states get one. */
static void test_rows_beyond_two_bytes(void)
{
	enum { A = 40, B = 40, C = 50 };
	struct lits L = { A * B * C, calloc(A * B * C, sizeof(char *)),
		          calloc(A * B * C, sizeof(size_t)), calloc(A * B * C, sizeof(uint32_t)) };
	for (size_t i = 0; i < L.n; i++) {
		L.s[i] = malloc(4);
		L.s[i][0] = (char)('a' + i / (B * C) % 26 + (i / (B * C) >= 26 ? 0x60 : 0));
		L.s[i][1] = (char)(0x90 + i / C % B);     /* 0x90 .. 0xb7 */
		L.s[i][2] = (char)(0x80 + i % C * 2 + 1); /* 0x81 .. 0xe3 */
		L.s[i][3] = '\0';
		L.len[i] = 3;
		L.id[i] = (uint32_t)(i % 97);
	}
	struct aho *a;
	int wrong = aho_build_dense((const char *const *)L.s, L.len, L.id, L.n, 100000, &a) != 0;
	if (!wrong) {
		wrong += aho_states(a) <= 65536;
		aho_free(a);
	}
	char text[400];
	size_t tl = 0;
	while (tl + 4 < sizeof(text)) {
		if (rnd(3)) {
			memcpy(text + tl, L.s[rnd((uint32_t)L.n)], 3);
			tl += 3;
		} else {
			text[tl++] = (char)(rnd(2) ? 'a' + rnd(26) : 0x80 + rnd(128));
		}
	}
	/* distinct literals of one id each: distinct() would take minutes */
	struct dlit *dl = calloc(L.n, sizeof(*dl));
	for (size_t i = 0; i < L.n; i++)
		dl[i] = (struct dlit){ L.s[i], 3, 1, &L.id[i] };
	qsort(dl, L.n, sizeof(*dl), cmp_dlit);
	wrong += check_text_d(&L, dl, L.n, 97, text, tl);
	free(dl);
	lits_free(&L);
	T_EQ_INT(0, wrong);
}

/* aho_image_read() takes an image whose lists ascend and refuses one
 * whose list does not: report_first() reads the ids a caller keeps (the
 * lowest) first, and would miss one placed after a higher id. */
static void test_image_lists_ascend(void)
{
	const char *lit[] = { "ab", "ab", "cd" };
	const size_t len[] = { 2, 2, 2 };
	const uint32_t ids[] = { 1000001, 1000002, 7 };
	const uint32_t pair[2] = { 1000001, 1000002 };
	struct aho *a = NULL, *b = NULL;
	T_EQ_INT(0, aho_build(lit, len, ids, 3, &a));
	const size_t n = aho_image_size(a);
	unsigned char *img = malloc(n);
	T_ASSERT(img != NULL);
	aho_image_write(a, img);
	size_t used = 0;
	const char *why = NULL;
	T_EQ_INT(0, aho_image_read(img, n, 2000000, &used, &b, &why));
	T_EQ_INT((long)n, (long)used);
	aho_free(b);
	b = NULL;
	unsigned char *at = NULL;
	for (size_t i = 0; i + sizeof(pair) <= n && !at; i++)
		if (memcmp(img + i, pair, sizeof(pair)) == 0)
			at = img + i;
	T_ASSERT(at != NULL);
	const uint32_t swapped[2] = { pair[1], pair[0] };
	memcpy(at, swapped, sizeof(swapped));
	T_EQ_INT(-EINVAL, aho_image_read(img, n, 2000000, &used, &b, &why));
	T_CONTAINS(why, "ascending");
	T_ASSERT(b == NULL);
	free(img);
	aho_free(a);
}

int main(void)
{
	T_RUN(test_small_alphabet_deep_chains);
	T_RUN(test_words_and_spaces);
	T_RUN(test_utf8_letters);
	T_RUN(test_wide_states);
	T_RUN(test_late_branches_and_prefixes);
	T_RUN(test_literals_sharing_the_one_before);
	T_RUN(test_high_bytes_and_empty_text);
	T_RUN(test_many_ids_on_one_state);
	T_RUN(test_rows_beyond_two_bytes);
	T_RUN(test_chains_leaves_and_branches);
	T_RUN(test_two_hundred_children);
	T_RUN(test_image_lists_ascend);
	return t_done();
}
