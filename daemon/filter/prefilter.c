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
 * under (?i) only ASCII letters other than k and s count as literals: those
 * two have non-ASCII case partners (U+212A KELVIN SIGN, U+017F LONG S), as
 * has every non-ASCII letter.
 */
#include "filter/prefilter.h"

#include <errno.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "filter/utf8.h"

struct px {
	const char *s;
	size_t pos, len;
	int icase, ext;
	int bail;  /* syntax not understood: the result is "always" */
	int nomem;
	int depth;
};

struct run {
	char b[PREFILTER_MAX_LIT_LEN + 1];
	size_t n;
};

void lit_set_clear(struct lit_set *ls)
{
	if (!ls)
		return;
	for (size_t i = 0; i < ls->n; i++)
		free(ls->v[i]);
	free(ls->v);
	memset(ls, 0, sizeof(*ls));
}

static void set_always(struct lit_set *ls)
{
	lit_set_clear(ls);
	ls->always = 1;
}

static int lit_add(struct lit_set *ls, const char *s, size_t n)
{
	for (size_t i = 0; i < ls->n; i++)
		if (strlen(ls->v[i]) == n && memcmp(ls->v[i], s, n) == 0)
			return 0;
	if (ls->n >= PREFILTER_MAX_LITS) {
		set_always(ls);
		return 0;
	}
	char **v = realloc(ls->v, (ls->n + 1) * sizeof(*v));
	if (!v)
		return -ENOMEM;
	ls->v = v;
	if (!(v[ls->n] = strndup(s, n)))
		return -ENOMEM;
	ls->n++;
	return 0;
}

int lit_set_union(struct lit_set *dst, const struct lit_set *src)
{
	if (dst->always)
		return 0;
	if (src->always) {
		set_always(dst);
		return 0;
	}
	for (size_t i = 0; i < src->n && !dst->always; i++)
		if (lit_add(dst, src->v[i], strlen(src->v[i])) < 0)
			return -ENOMEM;
	return 0;
}

/* The shortest literal's length; 0 for "always" (worthless). */
static size_t strength(const struct lit_set *ls)
{
	size_t m = SIZE_MAX;
	if (ls->always || ls->n == 0)
		return 0;
	for (size_t i = 0; i < ls->n; i++) {
		size_t l = strlen(ls->v[i]);
		if (l < m)
			m = l;
	}
	return m;
}

/* Keep the better of *best and *cand in *best; cand is consumed. */
static void keep_better(struct lit_set *best, struct lit_set *cand)
{
	size_t sb = strength(best), sc = strength(cand);
	if (sc > sb || (sc == sb && sc > 0 && cand->n < best->n)) {
		lit_set_clear(best);
		*best = *cand;
		memset(cand, 0, sizeof(*cand));
	} else {
		lit_set_clear(cand);
	}
}

static void finish_run(struct px *p, struct run *run, struct lit_set *best)
{
	struct lit_set cand = {0};
	if (run->n == 0)
		return;
	if (lit_add(&cand, run->b, run->n) < 0)
		p->nomem = 1;
	keep_better(best, &cand);
	run->n = 0;
}

static void run_add(struct run *run, const char *b, size_t n)
{
	/* A prefix of a required run is required too: cutting is safe. */
	if (run->n + n <= PREFILTER_MAX_LIT_LEN) {
		memcpy(run->b + run->n, b, n);
		run->n += n;
	}
}

static int peek(const struct px *p)
{
	return p->pos < p->len ? (unsigned char)p->s[p->pos] : -1;
}

static int is_ext_space(int c)
{
	return c == ' ' || c == '\t' || c == '\n' || c == '\v' || c == '\f' || c == '\r';
}

static void skip_ext(struct px *p)
{
	if (!p->ext)
		return;
	for (;;) {
		int c = peek(p);
		if (is_ext_space(c)) {
			p->pos++;
		} else if (c == '#') {
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
	A_NONLIT, /* consumes something unknown: breaks the run */
	A_LIT,    /* one literal character */
	A_GROUP,  /* a group with its own requirement */
};

static void parse_alt(struct px *p, struct lit_set *out);

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
		    (p->s[p->pos + 1] == ':' || p->s[p->pos + 1] == '.' || p->s[p->pos + 1] == '=')) {
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
			if ((e == 'x' || e == 'p' || e == 'P' || e == 'o' || e == 'N') && peek(p) == '{') {
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

/* A group; p->pos is just after '('.  Returns the kind; for A_GROUP the
 * requirement is written to *req. */
static enum atom_kind parse_group(struct px *p, struct lit_set *req)
{
	int save_icase = p->icase, save_ext = p->ext;
	int zero = 0;

	if (++p->depth > 200) {
		p->bail = 1;
		return A_NONLIT;
	}
	if (peek(p) == '*') {
		p->bail = 1; /* verbs and (*positive_lookahead: ...) */
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
			p->pos++;
			zero = 1;
		} else if (c == '<' && p->pos + 1 < p->len &&
		           (p->s[p->pos + 1] == '=' || p->s[p->pos + 1] == '!')) {
			p->pos += 2;
			zero = 1;
		} else if (c == '<' || c == '\'' || (c == 'P' && p->pos + 1 < p->len &&
		                                     p->s[p->pos + 1] == '<')) {
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
	parse_alt(p, req);
	p->icase = save_icase;
	p->ext = save_ext;
	p->depth--;
	if (peek(p) != ')') {
		p->bail = 1;
		return A_NONLIT;
	}
	p->pos++;
	if (zero) {
		lit_set_clear(req);
		return A_ZERO;
	}
	return A_GROUP;
}

/* An escape; p->pos is just after '\'.  For A_LIT writes *cp. */
static enum atom_kind parse_escape(struct px *p, uint32_t *cp)
{
	int c = peek(p);
	if (c < 0) {
		p->bail = 1;
		return A_NONLIT;
	}
	p->pos++;
	switch (c) {
	case 'd': case 'D': case 's': case 'S': case 'w': case 'W':
	case 'h': case 'H': case 'v': case 'V': case 'R': case 'X':
		return A_NONLIT;
	case 'N':
		if (peek(p) == '{')
			p->bail = 1;
		return A_NONLIT;
	case 'p':
	case 'P':
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
		return A_NONLIT;
	case 'b': case 'B': case 'A': case 'z': case 'Z': case 'G': case 'K': case 'E':
		return A_ZERO;
	case 'n': *cp = '\n'; return A_LIT;
	case 't': *cp = '\t'; return A_LIT;
	case 'r': *cp = '\r'; return A_LIT;
	case 'f': *cp = '\f'; return A_LIT;
	case 'e': *cp = 0x1B; return A_LIT;
	case 'a': *cp = 0x07; return A_LIT;
	case 'x': {
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
	default:
		if (c < 0x80 && !((c | 0x20) >= 'a' && (c | 0x20) <= 'z') && !is_digit(c)) {
			*cp = (uint32_t)c; /* an escaped punctuation character */
			return A_LIT;
		}
		/* backreferences, octal, \c, \g, \k, \o, \Q (handled by the
		 * caller), anything else */
		p->bail = 1;
		return A_NONLIT;
	}
}

/* Append literal cp with quantifier (min, max) to the run. */
static void add_lit(struct px *p, struct run *run, struct lit_set *best, uint32_t cp, long min,
                    long max)
{
	char b[4];
	size_t n;
	if (p->icase && (cp >= 0x80 || cp == 'k' || cp == 'K' || cp == 's' || cp == 'S')) {
		finish_run(p, run, best); /* has case partners we cannot see */
		return;
	}
	if (p->ext && cp >= 0x80) {
		/* PCRE2 also skips some non-ASCII white space in (?x) */
		finish_run(p, run, best);
		return;
	}
	if (cp >= 'A' && cp <= 'Z')
		cp |= 0x20;
	n = utf8_encode(cp, b);
	if (min == 1 && max == 1) {
		run_add(run, b, n);
		return;
	}
	if (min == max && min <= PREFILTER_MAX_LIT_LEN) {
		for (long i = 0; i < min; i++)
			run_add(run, b, n);
		return;
	}
	if (min == 0) {
		finish_run(p, run, best);
		return;
	}
	/* c{2,} : "cc" ends the run; the last c starts the next one. */
	for (long i = 0; i < min && i <= PREFILTER_MAX_LIT_LEN; i++)
		run_add(run, b, n);
	finish_run(p, run, best);
	run_add(run, b, n);
}

/* A sequence up to '|', ')' or the end. */
static void parse_seq(struct px *p, struct lit_set *best)
{
	struct run run = {.n = 0};
	memset(best, 0, sizeof(*best));
	best->always = 1;

	while (!p->bail && !p->nomem) {
		skip_ext(p);
		int c = peek(p);
		uint32_t cp = 0;
		struct lit_set req = {0};
		enum atom_kind k;
		long min, max;

		if (c < 0 || c == '|' || c == ')')
			break;
		if (c == '\\' && p->pos + 1 < p->len && p->s[p->pos + 1] == 'Q') {
			/* \Q...\E: literal text; a quantifier binds to its last
			 * character. */
			size_t start = p->pos + 2, end;
			const char *e = memmem(p->s + start, p->len - start, "\\E", 2);
			end = e ? (size_t)(e - p->s) : p->len;
			p->pos = e ? end + 2 : p->len;
			size_t q = start, last = start;
			while (q < end) {
				last = q;
				utf8_next(p->s, end, &q);
			}
			for (q = start; q < last;)
				add_lit(p, &run, best, utf8_next(p->s, end, &q), 1, 1);
			if (last < end) {
				cp = utf8_next(p->s, end, &q);
				parse_quant(p, &min, &max);
				add_lit(p, &run, best, cp, min, max);
			}
			continue;
		}
		p->pos++;
		switch (c) {
		case '(':
			k = parse_group(p, &req);
			break;
		case '[':
			skip_class(p);
			k = A_NONLIT;
			break;
		case '.':
			k = A_NONLIT;
			break;
		case '^':
		case '$':
			k = A_ZERO;
			break;
		case '\\':
			k = parse_escape(p, &cp);
			break;
		case '*':
		case '+':
		case '?':
			p->bail = 1;
			k = A_NONLIT;
			break;
		default:
			p->pos--;
			cp = utf8_next(p->s, p->len, &p->pos);
			k = A_LIT;
			break;
		}
		if (p->bail) {
			lit_set_clear(&req);
			break;
		}
		parse_quant(p, &min, &max);
		switch (k) {
		case A_ZERO:
			break;
		case A_NONLIT:
			finish_run(p, &run, best);
			break;
		case A_LIT:
			add_lit(p, &run, best, cp, min, max);
			break;
		case A_GROUP:
			finish_run(p, &run, best);
			if (min >= 1)
				keep_better(best, &req);
			break;
		}
		lit_set_clear(&req);
	}
	finish_run(p, &run, best);
}

static void parse_alt(struct px *p, struct lit_set *out)
{
	struct lit_set acc = {0}, branch = {0};

	parse_seq(p, &acc);
	while (!p->bail && !p->nomem && peek(p) == '|') {
		p->pos++;
		parse_seq(p, &branch);
		if (lit_set_union(&acc, &branch) < 0)
			p->nomem = 1;
		lit_set_clear(&branch);
	}
	*out = acc;
}

int prefilter_extract(const char *pattern, struct lit_set *ret)
{
	struct px p = {.s = pattern, .len = strlen(pattern)};
	struct lit_set ls = {0};

	parse_alt(&p, &ls);
	if (p.nomem) {
		lit_set_clear(&ls);
		return -ENOMEM;
	}
	if (p.bail || p.pos != p.len || ls.n == 0)
		set_always(&ls);
	*ret = ls;
	return 0;
}
