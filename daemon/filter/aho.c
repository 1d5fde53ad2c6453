/* Aho–Corasick automaton over byte classes (see aho.h). */
#include "filter/aho.h"

#include <errno.h>
#include <stdlib.h>
#include <string.h>

struct aho {
	uint8_t cls[256]; /* byte -> class; 0 for bytes in no literal */
	size_t ncls;
	size_t nstates;
	int32_t *delta; /* nstates * ncls: full DFA transitions (building) */
	/* What scans read: per transition (next state * ncls) << 1 | 1 when
	 * the next state has outputs to report: no multiplication and no
	 * second table on the hot path. */
	uint32_t *d32;
	/* With at most 65536 states: next state numbers, d16[s * ncls + class];
	 * states >= first_reporting report. */
	uint16_t *d16;
	uint32_t first_reporting;
	int32_t *dict;     /* next state on the failure chain with outputs, -1 */
	int32_t *report;   /* s itself when it has outputs, else dict[s] */
	uint32_t *out_off; /* outputs of state s: ids[out_off[s] .. out_off[s+1]) */
	uint32_t *ids;
	/* The same per state, packed: a report touches one line per state */
	struct rinfo {
		int32_t report, dict;
		uint32_t lo, hi; /* ids[lo .. hi) */
	} * ri;
	size_t nids;
	/* state = (off * div_magic) >> 40 == off / ncls without a division
	 * (exact for off < 2^32 and ncls < 256; checked when built). */
	uint64_t div_magic;
};

struct pair {
	int32_t state;
	uint32_t id;
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

int aho_build(const char *const *lit, const size_t *len, const uint32_t *ids, size_t n,
              struct aho **ret)
{
	struct aho *a = calloc(1, sizeof(*a));
	struct pair *pairs = NULL;
	int32_t *fail = NULL, *queue = NULL;
	size_t total = 1, cap;
	int r = -ENOMEM;

	if (!a)
		return -ENOMEM;
	/* Byte classes; upper-case ASCII shares its lower-case class. */
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
	if (total > (1u << 24)) {
		r = -E2BIG;
		goto out;
	}
	cap = total;
	a->delta = malloc(cap * a->ncls * sizeof(int32_t));
	pairs = malloc((n ? n : 1) * sizeof(*pairs));
	if (!a->delta || !pairs)
		goto out;
	for (size_t i = 0; i < a->ncls; i++)
		a->delta[i] = -1;
	a->nstates = 1;
	for (size_t i = 0; i < n; i++) {
		int32_t s = 0;
		for (size_t k = 0; k < len[i]; k++) {
			size_t c = a->cls[lower((uint8_t)lit[i][k])];
			int32_t *t = &a->delta[(size_t)s * a->ncls + c];
			if (*t < 0) {
				*t = (int32_t)a->nstates++;
				for (size_t j = 0; j < a->ncls; j++)
					a->delta[(size_t)*t * a->ncls + j] = -1;
			}
			s = *t;
		}
		pairs[i] = (struct pair){ s, ids[i] };
	}

	/* Outputs, grouped by state. */
	qsort(pairs, n, sizeof(*pairs), cmp_pair);
	a->out_off = calloc(a->nstates + 1, sizeof(uint32_t));
	a->ids = malloc((n ? n : 1) * sizeof(uint32_t));
	a->dict = malloc(a->nstates * sizeof(int32_t));
	fail = malloc(a->nstates * sizeof(int32_t));
	queue = malloc(a->nstates * sizeof(int32_t));
	if (!a->out_off || !a->ids || !a->dict || !fail || !queue)
		goto out;
	/* The same literal given twice with one id (two variants of a set
	 * can coincide) is reported once. */
	for (size_t i = 0; i < n; i++) {
		if (i > 0 && pairs[i].state == pairs[i - 1].state && pairs[i].id == pairs[i - 1].id)
			continue;
		a->ids[a->nids++] = pairs[i].id;
		a->out_off[pairs[i].state + 1]++;
	}
	for (size_t s = 0; s < a->nstates; s++)
		a->out_off[s + 1] += a->out_off[s];

	/* Breadth-first: failure links, then the missing transitions taken
	 * from the failure state, which makes the DFA complete. */
	size_t qh = 0, qt = 0;
	fail[0] = 0;
	a->dict[0] = -1;
	for (size_t c = 0; c < a->ncls; c++) {
		int32_t *t = &a->delta[c];
		if (*t < 0) {
			*t = 0;
		} else {
			fail[*t] = 0;
			a->dict[*t] = -1;
			queue[qt++] = *t;
		}
	}
	while (qh < qt) {
		int32_t s = queue[qh++];
		for (size_t c = 0; c < a->ncls; c++) {
			int32_t *t = &a->delta[(size_t)s * a->ncls + c];
			int32_t f = a->delta[(size_t)fail[s] * a->ncls + c];
			if (*t < 0) {
				*t = f;
				continue;
			}
			fail[*t] = f;
			a->dict[*t] = a->out_off[f + 1] > a->out_off[f] ? f : a->dict[f];
			queue[qt++] = *t;
		}
	}
	/* Renumber the states breadth-first: the shallow states, where a scan
	 * spends nearly all its time, then share a few cache lines. */
	int32_t *perm = fail; /* the failure links are no longer needed */
	uint32_t *ooff = a->out_off, *oids = a->ids;
	int32_t *odict = a->dict;
	a->out_off = malloc((a->nstates + 1) * sizeof(uint32_t));
	a->ids = malloc((n ? n : 1) * sizeof(uint32_t));
	a->dict = malloc(a->nstates * sizeof(int32_t));
	a->report = malloc(a->nstates * sizeof(int32_t));
	if (!a->out_off || !a->ids || !a->dict || !a->report) {
		free(ooff);
		free(oids);
		free(odict);
		goto out;
	}
	/* States that report come after all the others (each group
	 * breadth-first), so "does the next state report" is one comparison
	 * with the state number and transitions can be 16-bit state numbers. */
	{
		size_t k = 0;
		for (size_t i = 0; i < qt; i++) {
			int32_t os = queue[i];
			if (ooff[os + 1] == ooff[os] && odict[os] < 0)
				perm[k++] = os;
		}
		a->first_reporting = (uint32_t)k + 1; /* the root never reports */
		for (size_t i = 0; i < qt; i++) {
			int32_t os = queue[i];
			if (!(ooff[os + 1] == ooff[os] && odict[os] < 0))
				perm[k++] = os;
		}
		memcpy(queue, perm, qt * sizeof(*queue));
	}
	perm[0] = 0;
	for (size_t i = 0; i < qt; i++)
		perm[queue[i]] = (int32_t)(i + 1);
	a->out_off[0] = 0;
	for (size_t ns = 0; ns < a->nstates; ns++) {
		int32_t os = ns ? queue[ns - 1] : 0;
		uint32_t k = a->out_off[ns];
		for (uint32_t j = ooff[os]; j < ooff[os + 1]; j++)
			a->ids[k++] = oids[j];
		a->out_off[ns + 1] = k;
		a->dict[ns] = odict[os] >= 0 ? perm[odict[os]] : -1;
	}
	for (size_t ns = 0; ns < a->nstates; ns++)
		a->report[ns] = a->out_off[ns + 1] > a->out_off[ns] ? (int32_t)ns : a->dict[ns];
	free(ooff);
	free(oids);
	free(odict);
	a->ri = malloc(a->nstates * sizeof(*a->ri));
	if (!a->ri)
		goto out;
	for (size_t ns = 0; ns < a->nstates; ns++)
		a->ri[ns] = (struct rinfo){ a->report[ns], a->dict[ns], a->out_off[ns],
			                    a->out_off[ns + 1] };

	size_t nt = a->nstates * a->ncls;
	if (nt >= (1u << 31)) {
		r = -E2BIG; /* transitions are (state * ncls) << 1 in 32 bits */
		goto out;
	}
	if (a->nstates <= 65536) {
		a->d16 = malloc(nt * sizeof(uint16_t));
		if (!a->d16)
			goto out;
		for (size_t ns = 0; ns < a->nstates; ns++) {
			int32_t os = ns ? queue[ns - 1] : 0;
			for (size_t c = 0; c < a->ncls; c++)
				a->d16[ns * a->ncls + c] =
				        (uint16_t)perm[a->delta[(size_t)os * a->ncls + c]];
		}
	} else {
		a->div_magic = ((uint64_t)1 << 40) / a->ncls + 1;
		for (size_t ns = 0; ns < a->nstates; ns++)
			if (((uint64_t)(ns * a->ncls) * a->div_magic) >> 40 != ns) {
				r = -E2BIG;
				goto out;
			}
		a->d32 = malloc(nt * sizeof(uint32_t));
		if (!a->d32)
			goto out;
		for (size_t ns = 0; ns < a->nstates; ns++) {
			int32_t os = ns ? queue[ns - 1] : 0;
			for (size_t c = 0; c < a->ncls; c++) {
				uint32_t t = (uint32_t)perm[a->delta[(size_t)os * a->ncls + c]];
				a->d32[ns * a->ncls + c] =
				        (uint32_t)(t * a->ncls) << 1 | (t >= a->first_reporting);
			}
		}
	}
	free(a->delta);
	a->delta = NULL;
	*ret = a;
	a = NULL;
	r = 0;
out:
	free(pairs);
	free(fail);
	free(queue);
	aho_free(a);
	return r;
}

size_t aho_states(const struct aho *a)
{
	return a->nstates;
}

size_t aho_outputs(const struct aho *a)
{
	return a->nids;
}

/* Append the outputs of state s and of those on its dictionary chain, each
 * state once per scan; stamp[s] also marks a state without outputs of its
 * own whose chain was reported.  Kept out of line: the scan loop stays in
 * registers. */
static __attribute__((noinline)) uint32_t *report(const struct aho *a, uint32_t s, uint32_t *stamp,
                                                  uint32_t gen, uint32_t *out)
{
	const struct rinfo *ri = a->ri;
	const uint32_t *ids = a->ids;
	stamp[s] = gen;
	for (int32_t o = ri[s].report; o >= 0; o = ri[o].dict) {
		if (o != (int32_t)s) {
			if (stamp[o] == gen)
				break;
			stamp[o] = gen;
		}
		for (uint32_t k = ri[o].lo; k < ri[o].hi; k++)
			*out++ = ids[k];
	}
	return out;
}

size_t aho_scan(const struct aho *a, const char *text, size_t len, uint32_t *stamp, uint32_t gen,
                uint32_t *out)
{
	const uint8_t *p = (const uint8_t *)text, *end = p + len;
	const uint8_t *cls = a->cls;
	uint32_t *o = out;
	if (a->d16) {
		/* half the table of d32: fewer cache misses, which is where a
		 * scan waits */
		const uint16_t *d = a->d16;
		const uint32_t ncls = (uint32_t)a->ncls, thr = a->first_reporting;
		uint32_t s = 0;
		while (p < end) {
			s = d[s * ncls + cls[*p++]];
			if (s >= thr && stamp[s] != gen)
				o = report(a, s, stamp, gen, o);
		}
		return (size_t)(o - out);
	}
	const uint32_t *d = a->d32;
	const uint64_t magic = a->div_magic;
	uint32_t off = 0; /* state * ncls */
	while (p < end) {
		uint32_t t = d[off + cls[*p++]];
		off = t >> 1;
		if (t & 1) {
			uint32_t s = (uint32_t)(((uint64_t)off * magic) >> 40);
			if (stamp[s] != gen)
				o = report(a, s, stamp, gen, o);
		}
	}
	return (size_t)(o - out);
}

void aho_free(struct aho *a)
{
	if (!a)
		return;
	free(a->delta);
	free(a->d32);
	free(a->d16);
	free(a->dict);
	free(a->report);
	free(a->ri);
	free(a->out_off);
	free(a->ids);
	free(a);
}
