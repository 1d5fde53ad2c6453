/* Upper bound of a pattern's reach (see reach.h). */
#include "filter/reach.h"

#include <errno.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "filter/hash.h"

#define REACH_MAX 100000L /* more than this: as good as unbounded */

struct rx {
	const char *s;
	size_t pos, len;
	int bail;
	int depth;
	int normalized;          /* the subject's only white space is one ' ' at a time */
	int spaces;              /* count the spaces a match may contain, not characters */
	int maxdepth;            /* the deepest group nesting reached (memo entries) */
	struct reach_memo *memo; /* NULL: none */
	size_t cut;              /* prefixes: cut at this offset too (0: none) */
	int negatives;           /* count negative lookarounds too (pattern_look_memo()) */
};

#define QUANT_INF (-2L) /* quant(): *, + or {n,} */

static long parse_alt(struct rx *p);

static int peek(const struct rx *p)
{
	return p->pos < p->len ? (unsigned char)p->s[p->pos] : -1;
}

static int is_digit(int c)
{
	return c >= '0' && c <= '9';
}

/* Consume a quantifier.  Returns the largest count (1 without a
 * quantifier), QUANT_INF for an unbounded one; gives up on one it does not
 * know. */
static long quant(struct rx *p)
{
	long max = 1;
	int c = peek(p);
	if (c == '*' || c == '+') {
		p->pos++;
		max = QUANT_INF;
	} else if (c == '?') {
		p->pos++;
	} else if (c == '{') {
		size_t q = p->pos + 1;
		long a = 0, b;
		if (q >= p->len || !is_digit(p->s[q])) {
			if (q < p->len && p->s[q] == ',')
				p->bail = 1; /* {,n}: a quantifier in newer PCRE2 */
			return 1;            /* else a literal '{' (an atom of its own) */
		}
		while (q < p->len && is_digit(p->s[q]) && a < REACH_MAX)
			a = a * 10 + (p->s[q++] - '0');
		b = a;
		if (q < p->len && p->s[q] == ',') {
			q++;
			if (q < p->len && p->s[q] == '}') {
				p->pos = q + 1; /* {n,} */
				max = QUANT_INF;
				goto suffix;
			}
			if (q >= p->len || !is_digit(p->s[q])) {
				p->bail = 1;
				return 0;
			}
			b = 0;
			while (q < p->len && is_digit(p->s[q]) && b < REACH_MAX)
				b = b * 10 + (p->s[q++] - '0');
		}
		if (q >= p->len || p->s[q] != '}')
			return 1; /* a literal '{' */
		p->pos = q + 1;
		max = b;
	} else {
		return 1;
	}
suffix:
	c = peek(p);
	if (c == '+' || c == '?')
		p->pos++; /* possessive or lazy */
	return max;
}

/* Skip a class [...]: one character. */
static void skip_class(struct rx *p)
{
	p->pos++; /* [ */
	if (peek(p) == '^')
		p->pos++;
	if (peek(p) == ']')
		p->pos++; /* a literal ] first */
	while (p->pos < p->len) {
		int c = peek(p);
		if (c == ']') {
			p->pos++;
			return;
		}
		if (c == '\\') {
			p->pos += 2;
			if (p->pos <= p->len && strchr("xpPo", p->s[p->pos - 1]) &&
			    peek(p) == '{') {
				const char *e = memchr(p->s + p->pos, '}', p->len - p->pos);
				if (!e) {
					p->bail = 1;
					return;
				}
				p->pos = (size_t)(e - p->s) + 1;
			}
			continue;
		}
		if (c == '[' && p->pos + 1 < p->len && p->s[p->pos + 1] == ':') {
			const char *e = strstr(p->s + p->pos, ":]");
			if (!e) {
				p->bail = 1;
				return;
			}
			p->pos = (size_t)(e - p->s) + 2;
			continue;
		}
		p->pos++;
	}
	p->bail = 1; /* unterminated */
}

/* An escape after '\': its reach in characters. */
static long escape(struct rx *p)
{
	int c = peek(p);
	p->pos++;
	if (c < 0) {
		p->bail = 1;
		return 0;
	}
	if (strchr("dDwWsShHvVN", c))
		return 1; /* one character (\N without braces) */
	if (c == 'R')
		return 2; /* \r\n */
	if (strchr("bBzZA", c))
		return 2; /* zero width, looks at a neighbour on each side */
	if (strchr("tnrfea", c))
		return 1;
	if (c == 'x' || c == 'p' || c == 'P') {
		if (peek(p) == '{') {
			const char *e = memchr(p->s + p->pos, '}', p->len - p->pos);
			if (!e) {
				p->bail = 1;
				return 0;
			}
			p->pos = (size_t)(e - p->s) + 1;
		} else if (c == 'x') {
			for (int k = 0; k < 2 && p->pos < p->len &&
			                strchr("0123456789abcdefABCDEF", p->s[p->pos]);
			     k++)
				p->pos++;
		} else {
			p->pos++; /* \pL */
		}
		return 1;
	}
	if ((c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || is_digit(c)) {
		p->bail = 1; /* \Q \E \G \K \X \C \g \k \c \o, backreferences … */
		return 0;
	}
	if (c >= 0x80) {
		p->bail = 1;
		return 0;
	}
	return 1; /* escaped punctuation */
}

/* After "(?": the group's kind.  Returns 1 for a group with content (its
 * reach counts), 0 when the construct was a whole option setting like
 * (?i) (nothing to count); bails on anything else. */
static int group_open(struct rx *p)
{
	int c = peek(p);
	if (c == ':' || c == '>' || c == '|' || c == '=' || c == '!') {
		p->pos++;
		return 1;
	}
	if (c == '<' && p->pos + 1 < p->len &&
	    (p->s[p->pos + 1] == '=' || p->s[p->pos + 1] == '!')) {
		p->pos += 2;
		return 1;
	}
	if (c == '<' || c == '\'' || (c == 'P' && p->pos + 1 < p->len && p->s[p->pos + 1] == '<')) {
		char close = c == '\'' ? '\'' : '>';
		const char *e = memchr(p->s + p->pos + 1, close, p->len - p->pos - 1);
		if (!e) {
			p->bail = 1;
			return 0;
		}
		p->pos = (size_t)(e - p->s) + 1;
		return 1;
	}
	if (c == '#') {
		const char *e = memchr(p->s + p->pos, ')', p->len - p->pos);
		if (!e) {
			p->bail = 1;
			return 0;
		}
		p->pos = (size_t)(e - p->s) + 1;
		return 0;
	}
	/* options: (?i) (?i-s) (?^) (?i:…); x (extended) is not read here */
	while (p->pos < p->len && strchr("imsnUJ-^", p->s[p->pos]))
		p->pos++;
	c = peek(p);
	if (c == ')') {
		p->pos++;
		return 0;
	}
	if (c == ':') {
		p->pos++;
		return 1;
	}
	p->bail = 1;
	return 0;
}

/* After \s or ' ' in normalised text: "+" and "*" match one space at
 * most (normalised text never has two white-space characters in a row);
 * consume such a quantifier and count the character.  Returns 1 when it
 * did, 0 when the ordinary quantifier rules apply. */
static int one_space(struct rx *p)
{
	int c = peek(p);
	if (c != '+' && c != '*')
		return 0;
	p->pos++;
	c = peek(p);
	if (c == '+' || c == '?')
		p->pos++;
	return 1;
}

/* The value of a character in a class or after '\\': *ret_cp, or 0 when
 * it is not one plain character.  Advances *i. */
static int class_char(const char *s, size_t *i, size_t end, uint32_t *ret_cp)
{
	unsigned char c = (unsigned char)s[*i];
	if (c != '\\') {
		uint32_t cp = c;
		int n = c < 0x80 ? 0 : c < 0xE0 ? 1 : c < 0xF0 ? 2 : 3;
		if (n)
			cp = c & (0x3F >> n);
		(*i)++;
		for (; n > 0 && *i < end; n--)
			cp = cp << 6 | ((unsigned char)s[(*i)++] & 0x3F);
		*ret_cp = cp;
		return 1;
	}
	if (*i + 1 >= end)
		return 0;
	c = (unsigned char)s[*i + 1];
	*i += 2;
	if (c == 'x') {
		uint32_t v = 0;
		int brace = *i < end && s[*i] == '{';
		*i += brace;
		for (int k = 0; *i < end && (brace || k < 2) &&
		                strchr("0123456789abcdefABCDEF", s[*i]) && s[*i];
		     k++, (*i)++)
			v = v * 16 +
			    (uint32_t)(is_digit(s[*i]) ? s[*i] - '0' : (s[*i] | 0x20) - 'a' + 10);
		if (brace) {
			if (*i >= end || s[*i] != '}')
				return 0;
			(*i)++;
		}
		*ret_cp = v;
		return 1;
	}
	const char *ctl = strchr("tnrfea", c);
	if (ctl && c) {
		static const uint32_t v[] = { 9, 10, 13, 12, 27, 7 };
		*ret_cp = v[ctl - "tnrfea"];
		return 1;
	}
	if (c < 0x80 && !is_digit(c) && !((c | 0x20) >= 'a' && (c | 0x20) <= 'z')) {
		*ret_cp = c; /* escaped punctuation */
		return 1;
	}
	return 0;
}

/* May the class s[a..b) ('[' to ']') match a space?  Anything not read
 * exactly counts as "may". */
static int class_may_space(const char *s, size_t a, size_t b)
{
	size_t i = a + 1, end = b - 1; /* s[end] == ']' */
	int neg = 0, yes = 0, maybe = 0;
	if (i < end && s[i] == '^') {
		neg = 1;
		i++;
	}
	while (i < end) {
		uint32_t lo, hi;
		if (s[i] == '[' && i + 1 < end && s[i + 1] == ':') {
			const char *e = strstr(s + i, ":]");
			if (!e || (size_t)(e - s) >= end)
				return 1;
			size_t n = (size_t)(e - s) - (i + 2);
			const char *name = s + i + 2;
			int pneg = n && name[0] == '^';
			name += pneg;
			n -= (size_t)pneg;
			static const char *const no[] = { "alpha", "alnum", "digit",  "lower",
				                          "upper", "punct", "xdigit", "word",
				                          "cntrl", "graph" };
			int known_no = 0;
			for (size_t k = 0; k < sizeof(no) / sizeof(no[0]); k++)
				known_no |= strlen(no[k]) == n && strncmp(no[k], name, n) == 0;
			if (known_no && pneg)
				yes = 1;
			else if (!known_no)
				maybe = 1;
			i = (size_t)(e - s) + 2;
			continue;
		}
		if (s[i] == '\\' && i + 1 < end && strchr("sShHvVwWdDpPN", s[i + 1]) && s[i + 1]) {
			char c = s[i + 1];
			i += 2;
			if (c == 'p' || c == 'P') {
				size_t nb = i;
				if (i < end && s[i] == '{') {
					while (i < end && s[i] != '}')
						i++;
					i++;
				} else {
					i++;
				}
				/* \p{L…}, \p{N…}, \p{M…}: letters, digits, marks */
				if (c == 'P' || nb + 1 >= end ||
				    !strchr("LNM", s[nb + (s[nb] == '{')]))
					maybe = 1;
				continue;
			}
			if (strchr("shWDVN", c))
				yes = 1;
			continue;
		}
		if (!class_char(s, &i, end, &lo)) {
			maybe = 1;
			continue;
		}
		hi = lo;
		if (i + 1 < end && s[i] == '-' && s[i + 1] != ']') {
			i++;
			if (!class_char(s, &i, end, &hi)) {
				maybe = 1;
				continue;
			}
		}
		if (lo <= 0x20 && 0x20 <= hi)
			yes = 1;
	}
	if (maybe)
		return 1;
	return neg ? !yes : yes;
}

/* How many spaces may the escape at s[at..end) (after the '\\') match or
 * look at? */
static long escape_spaces(const char *s, size_t at, size_t end)
{
	char c = s[at];
	if (strchr("shWDVN", c) && c)
		return 1;
	if (strchr("SHwdvR", c) && c)
		return 0;
	if (c == 'b')
		return 1; /* one side of a boundary is a word character */
	if (c == 'B' || c == 'z' || c == 'Z' || c == 'A')
		return 2;
	if (c == 'p' && at + 1 < end && strchr("LNM", s[at + 1 + (s[at + 1] == '{')]))
		return 0;
	if (c == 'p' || c == 'P')
		return 1;
	size_t i = at - 1;
	uint32_t cp;
	if (class_char(s, &i, end, &cp))
		return cp == 0x20;
	return 1;
}

size_t pattern_backtrack_verb(const char *s, size_t len, int *ends_search)
{
	static const char *const verbs[] = { "*SKIP)", "*PRUNE)", "*THEN)", "*COMMIT)" };
	for (size_t v = 0; v < sizeof(verbs) / sizeof(verbs[0]); v++) {
		size_t n = strlen(verbs[v]);
		if (len >= n && memcmp(s, verbs[v], n) == 0) {
			*ends_search = v == 3;
			return n;
		}
	}
	return 0;
}

/* Skip the rest of a group (after its opening) to its ')': escapes,
 * classes and nested groups read only as far as needed to find it. */
static void skip_group(struct rx *p)
{
	int depth = 1;
	while (!p->bail && p->pos < p->len) {
		int c = peek(p);
		if (c == '\\') {
			if (p->pos + 1 < p->len && p->s[p->pos + 1] == 'Q') {
				p->bail = 1; /* a quoted ')' */
				return;
			}
			p->pos += 2;
		} else if (c == '[') {
			skip_class(p);
		} else {
			p->pos++;
			if (c == '(')
				depth++;
			else if (c == ')' && --depth == 0)
				return;
		}
	}
	p->bail = 1; /* unterminated */
}

/* The group at p ('('): its reach before a quantifier, or -1 for an
 * option setting such as (?i) (nothing to count).
 *
 * A negative lookaround counts nothing: it consumes nothing, so where
 * the items after it stand does not depend on it, and it holds no literal
 * the prefilter requires (prefilter.c) — what windows need is how far a
 * match's start can be from the end of such a literal (engine.c), not
 * what PCRE2 reads to decide that the lookaround holds.  So
 * (?!(?:info|kontakt)\s*@) before an e-mail address, unbounded in what
 * it reads, leaves the pattern bounded. */
static long parse_group(struct rx *p)
{
	p->pos++;
	if (peek(p) == '*') {
		int ends_search = 0;
		size_t n = pattern_backtrack_verb(p->s + p->pos, p->len - p->pos, &ends_search);
		if (n && !ends_search) {
			p->pos += n;
			return -1; /* nothing to count, like an option setting */
		}
		p->bail = 1;
		return 0;
	}
	if (peek(p) == '?') {
		p->pos++;
		const int neg = peek(p) == '!' ||
		                (peek(p) == '<' && p->pos + 1 < p->len && p->s[p->pos + 1] == '!');
		if (!group_open(p))
			return -1;
		if (neg && !p->negatives) {
			skip_group(p);
			return 0;
		}
	}
	if (++p->depth > 64) {
		p->bail = 1;
		return 0;
	}
	if (p->depth > p->maxdepth)
		p->maxdepth = p->depth;
	long r = parse_alt(p);
	p->depth--;
	if (p->bail || peek(p) != ')') {
		p->bail = 1;
		return 0;
	}
	p->pos++;
	return r;
}

/* Groups already read, by their text (struct reach_memo, reach.h): a
 * group's reach follows from its text, the kind of subject and what is
 * counted, and whether its nesting stays within the limit, so a second
 * occurrence (a lexicon in another pattern, or in a prefix) takes the
 * first one's. */
#define MEMO_MIN_LEN 256 /* shorter groups are read again */
#define MEMO_KEY_LEN 64  /* bytes hashed to find candidates */
#define MEMO_BUCKETS 1024

struct reach_entry {
	struct reach_entry *next;
	char *text; /* the group, '(' to ')' */
	size_t len, key;
	int rel_depth; /* nesting below its own level */
	int negatives; /* read counting negative lookarounds (struct rx) */
	int has_neg;   /* the text may hold one ("(?!", "(?<!"); -1: not looked yet */
	long r;
};

/* has_extended() of the last few long sources: the reading of one
 * pattern asks it of the same source (expanded lexicons included, tens
 * of KB) five times over, scanning it whole each time. */
#define EXT_MEMO 4

struct ext_entry {
	char *src;
	size_t len;
	int ext;
};

struct reach_memo {
	struct reach_entry *bucket[MEMO_BUCKETS];
	struct ext_entry ext[EXT_MEMO];
	unsigned ext_next; /* the entry replaced next */
};

struct reach_memo *reach_memo_new(void)
{
	return calloc(1, sizeof(struct reach_memo));
}

void reach_memo_free(struct reach_memo *m)
{
	if (!m)
		return;
	for (size_t b = 0; b < MEMO_BUCKETS; b++)
		for (struct reach_entry *e = m->bucket[b], *next; e; e = next) {
			next = e->next;
			free(e->text);
			free(e);
		}
	for (size_t k = 0; k < EXT_MEMO; k++)
		free(m->ext[k].src);
	free(m);
}

/* Eight bytes at a time (filter_hash_bytes()), as the prefilter's
 * memo_key(): one at a time was 2 % of building the engine.  Only where
 * an entry is looked for depends on it (memo_group() compares the text;
 * the options are in the low bits, so entries of other options never
 * match). */
static size_t memo_key(const struct rx *p, size_t at)
{
	uint64_t h = filter_hash_bytes(p->s + at, MEMO_KEY_LEN, 0);
	return (size_t)h ^ (size_t)(p->normalized | p->spaces << 1);
}

/* Can text hold a negative lookaround ("(?!", "(?<!"; an escaped '(' is
 * taken for one too: it only makes an entry serve fewer readings)? */
static int may_hold_negative(const char *text, size_t len)
{
	for (const char *q = memchr(text, '(', len); q;
	     q = memchr(q, '(', len - (size_t)(q - text))) {
		q++;
		const size_t left = len - (size_t)(q - text);
		if (left >= 2 && q[0] == '?' &&
		    (q[1] == '!' || (left >= 3 && q[1] == '<' && q[2] == '!')))
			return 1;
	}
	return 0;
}

/* Does a group read with `negatives` serve a reading with p's?  Only a
 * negative lookaround reads differently (parse_group()), so a group
 * without one serves both: pattern_look_memo() reads a pattern with a
 * negative lookaround counting them, and its lexicons' groups, read
 * already without, are not read again (look 91 M -> 58 M instructions
 * building the shipped rules' engine).  The text is looked at only when
 * a reading of the other kind asks. */
static int memo_serves(struct reach_entry *e, const struct rx *p)
{
	if (e->negatives == p->negatives)
		return 1;
	if (e->has_neg < 0)
		e->has_neg = may_hold_negative(e->text, e->len);
	return !e->has_neg;
}

/* parse_group() through the memo: only groups read to their end without
 * giving up are kept (a failed one is read again, and fails again). */
static long memo_group(struct rx *p)
{
	const size_t at = p->pos;
	if (!p->memo || p->len - at < MEMO_MIN_LEN)
		return parse_group(p);
	const size_t key = memo_key(p, at);
	for (struct reach_entry *e = p->memo->bucket[key % MEMO_BUCKETS]; e; e = e->next)
		if (e->key == key && e->len <= p->len - at && p->depth + e->rel_depth <= 64 &&
		    memo_serves(e, p) && memcmp(e->text, p->s + at, e->len) == 0) {
			p->pos = at + e->len;
			if (p->depth + e->rel_depth > p->maxdepth)
				p->maxdepth = p->depth + e->rel_depth;
			return e->r;
		}
	const int depth0 = p->depth, max0 = p->maxdepth;
	p->maxdepth = depth0;
	long r = parse_group(p);
	if (!p->bail && r >= 0 && p->pos - at >= MEMO_MIN_LEN) {
		/* out of memory: not kept, read again next time */
		struct reach_entry *e = malloc(sizeof(*e));
		char *text = malloc(p->pos - at);
		if (e && text) {
			memcpy(text, p->s + at, p->pos - at);
			*e = (struct reach_entry){ p->memo->bucket[key % MEMO_BUCKETS],
				                   text,
				                   p->pos - at,
				                   key,
				                   p->maxdepth - depth0,
				                   p->negatives,
				                   -1,
				                   r };
			p->memo->bucket[key % MEMO_BUCKETS] = e;
		} else {
			free(e);
			free(text);
		}
	}
	if (max0 > p->maxdepth)
		p->maxdepth = max0;
	return r;
}

/* One item of a sequence and its quantifier: its reach, or -1 when the
 * construct added nothing (an option setting, a \s+ counted as one
 * space is still an item).  p->bail on anything unbounded or unknown. */
static long parse_item(struct rx *p)
{
	int c = peek(p);
	long r;
	if (c == '(') {
		r = memo_group(p);
		if (r < 0 || p->bail)
			return r < 0 ? -1 : 0;
	} else if (c == '[') {
		size_t at = p->pos;
		skip_class(p);
		r = p->spaces && !p->bail ? class_may_space(p->s, at, p->pos) : 1;
	} else if (c == '\\') {
		size_t at = ++p->pos;
		r = escape(p);
		if (p->normalized && p->pos == at + 1 && p->s[at] == 's' && one_space(p))
			return 1;
		if (p->spaces && !p->bail)
			r = escape_spaces(p->s, at, p->pos);
	} else if (c == ' ' && p->normalized) {
		p->pos++;
		r = 1;
		if (one_space(p))
			return 1;
	} else if (c == '^' || c == '$') {
		p->pos++;
		r = 2; /* ^ and $ look at a newline (CR LF) */
	} else {
		/* one character, UTF-8 */
		p->pos++;
		while (p->pos < p->len && ((unsigned char)p->s[p->pos] & 0xC0) == 0x80)
			p->pos++;
		r = p->spaces ? c == '.' || c == ' ' : 1;
	}
	if (p->bail)
		return 0;
	long q = quant(p);
	if (q == QUANT_INF) {
		/* unbounded: only a run of characters that are not spaces, when
		 * counting spaces */
		if (p->spaces && r == 0)
			return 0;
		p->bail = 1;
		return 0;
	}
	return r * q;
}

static int is_alnum_ascii(int c)
{
	return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || is_digit(c);
}

/* Is p->s[at] a letter or digit that no quantifier follows (the byte
 * after is one, '|', ')', '[', '\\', a '(' that opens no (?#...) comment
 * (a quantifier may follow a comment), or the end)?  parse_item() reads
 * it as one character, quant() as once. */
static int plain_once(const struct rx *p, size_t at)
{
	if (!is_alnum_ascii((unsigned char)p->s[at]))
		return 0;
	if (at + 1 >= p->len)
		return 1;
	const int n = (unsigned char)p->s[at + 1];
	if (n == '(')
		return !(at + 3 < p->len && p->s[at + 2] == '?' && p->s[at + 3] == '#');
	return is_alnum_ascii(n) || n == '|' || n == ')' || n == '[' || n == '\\';
}

static long parse_seq(struct rx *p)
{
	long total = 0;
	while (!p->bail && p->pos < p->len) {
		int c = peek(p);
		if (c == '|' || c == ')')
			break;
		if (plain_once(p, p->pos)) {
			/* most of a lexicon's trie: one character, which
			 * counts no space (parse_item() without its tests) */
			do {
				p->pos++;
				if (!p->spaces && ++total > REACH_MAX)
					p->bail = 1;
			} while (!p->bail && p->pos < p->len && plain_once(p, p->pos));
			continue;
		}
		long r = parse_item(p);
		if (p->bail)
			break;
		if (r > 0)
			total += r;
		if (total > REACH_MAX)
			p->bail = 1;
	}
	return total;
}

static long parse_alt(struct rx *p)
{
	long best = parse_seq(p);
	while (!p->bail && peek(p) == '|') {
		p->pos++;
		long r = parse_seq(p);
		if (r > best)
			best = r;
	}
	return best;
}

/* Extended mode changes what white space and '#' mean; a quantifier after
 * a comment or an option setting applies to the item before it in PCRE2
 * (\N(?#c){2,} is \N{2,}), which this reader does not follow either. */
static int quant_char(char c)
{
	return c == '*' || c == '+' || c == '?' || c == '{';
}

static int option_char(char c)
{
	switch (c) {
	case 'i':
	case 'm':
	case 's':
	case 'n':
	case 'x':
	case 'U':
	case 'J':
	case '-':
	case '^':
		return 1;
	default:
		return 0;
	}
}

static int scan_extended(const char *src)
{
	for (const char *q = strchr(src, '('); q; q = strchr(q + 1, '(')) {
		if (q[1] != '?')
			continue;
		size_t k = 2;
		if (q[k] == '#') {
			const char *e = strchr(q + k, ')');
			if (e && quant_char(e[1]))
				return 1;
			continue;
		}
		while (option_char(q[k])) {
			if (q[k] == 'x')
				return 1;
			k++;
		}
		if (q[k] == ')' && quant_char(q[k + 1]))
			return 1;
	}
	return 0;
}

static int has_extended(const char *src, struct reach_memo *memo)
{
	const size_t len = strlen(src);
	if (!memo || len < MEMO_MIN_LEN)
		return scan_extended(src);
	for (size_t k = 0; k < EXT_MEMO; k++)
		if (memo->ext[k].src && memo->ext[k].len == len &&
		    memcmp(memo->ext[k].src, src, len) == 0)
			return memo->ext[k].ext;
	const int ext = scan_extended(src);
	char *copy = malloc(len);
	if (copy) {
		/* out of memory: not remembered */
		struct ext_entry *e = &memo->ext[memo->ext_next++ % EXT_MEMO];
		free(e->src);
		memcpy(copy, src, len);
		*e = (struct ext_entry){ copy, len, ext };
	}
	return ext;
}

static long reach_of(const char *src, int normalized, int spaces, int negatives,
                     struct reach_memo *memo)
{
	struct rx p = { .s = src,
		        .len = strlen(src),
		        .normalized = normalized,
		        .spaces = spaces,
		        .negatives = negatives,
		        .memo = memo };
	if (has_extended(src, memo))
		return -1;
	long r = parse_alt(&p);
	if (p.bail || p.pos != p.len)
		return -1;
	return r;
}

long pattern_reach(const char *src, int normalized)
{
	return reach_of(src, normalized, 0, 0, NULL);
}

long pattern_space_reach(const char *src)
{
	return reach_of(src, 1, 1, 0, NULL);
}

long pattern_reach_memo(const char *src, int normalized, struct reach_memo *memo)
{
	return reach_of(src, normalized, 0, 0, memo);
}

long pattern_space_reach_memo(const char *src, struct reach_memo *memo)
{
	return reach_of(src, 1, 1, 0, memo);
}

/* Segments in spaces and in characters (reach.h).  Each top-level item
 * is read twice, counting characters and counting spaces; where one
 * reading gives up (unbounded that way) the other tells where the item
 * ends.  Then the narrowest walk: for each item and number of segments
 * so far, the least width ending in either unit. */
#define MIXED_MAX_ITEMS 256

static size_t mixed_reach(const char *src, struct reach_memo *memo, int negatives, long max_width,
                          struct reach_seg seg[REACH_MAX_SEGS], long *ret_width)
{
	struct rx c = {
		.s = src, .len = strlen(src), .normalized = 1, .negatives = negatives, .memo = memo
	};
	struct rx w = c;
	long r[MIXED_MAX_ITEMS][2]; /* per item: characters, spaces; -1 unbounded */
	size_t n = 0;
	w.spaces = 1;
	if (has_extended(src, memo))
		return 0;
	while (c.pos < c.len) {
		int ch = peek(&c);
		if (ch == '|' || ch == ')' || n == MIXED_MAX_ITEMS)
			return 0;
		const size_t at = c.pos;
		long a = parse_item(&c);
		long b = parse_item(&w);
		if (c.bail && w.bail)
			return 0;
		if (!c.bail && !w.bail && c.pos != w.pos)
			return 0; /* cannot be: the same syntax read twice */
		r[n][0] = c.bail ? -1 : a > 0 ? a : 0;
		r[n][1] = w.bail ? -1 : b > 0 ? b : 0;
		n++;
		c.pos = w.pos = c.bail ? w.pos : c.pos;
		c.bail = w.bail = 0;
		c.depth = w.depth = 0;
		if (c.pos <= at)
			return 0;
	}
	if (n == 0)
		return 0;
	/* best[i][j][u]: the least width of items [0, i] in j + 1 segments,
	 * item i counted in unit u (0 characters, 1 spaces, eight a space);
	 * from[][][]: the unit of item i - 1 on that walk */
	static const long NONE = -1;
	long best[MIXED_MAX_ITEMS][REACH_MAX_SEGS][2];
	signed char from[MIXED_MAX_ITEMS][REACH_MAX_SEGS][2];
	for (size_t i = 0; i < n; i++)
		for (size_t j = 0; j < REACH_MAX_SEGS; j++)
			for (int u = 0; u < 2; u++) {
				best[i][j][u] = NONE;
				if (r[i][u] < 0)
					continue;
				const long cost = u ? 8 * r[i][u] : r[i][u];
				if (i == 0) {
					if (j == 0)
						best[i][j][u] = cost;
					continue;
				}
				for (int v = 0; v < 2; v++) {
					size_t pj = v == u ? j : j - 1;
					if ((v != u && j == 0) || best[i - 1][pj][v] < 0)
						continue;
					long t = best[i - 1][pj][v] + cost;
					if (t <= max_width &&
					    (best[i][j][u] < 0 || t < best[i][j][u])) {
						best[i][j][u] = t;
						from[i][j][u] = (signed char)v;
					}
				}
			}
	long width = NONE;
	size_t bj = 0;
	int bu = 0;
	for (size_t j = 0; j < REACH_MAX_SEGS; j++)
		for (int u = 0; u < 2; u++)
			if (best[n - 1][j][u] >= 0 && (width < 0 || best[n - 1][j][u] < width)) {
				width = best[n - 1][j][u];
				bj = j;
				bu = u;
			}
	if (width < 0 || width > max_width)
		return 0;
	/* walk back: segment bj holds the last items */
	const size_t nseg = bj + 1;
	for (size_t k = 0; k < nseg; k++)
		seg[k] = (struct reach_seg){ 0, 0 };
	size_t j = bj;
	int u = bu;
	for (size_t i = n; i-- > 0;) {
		seg[j].spaces = u;
		seg[j].n += r[i][u];
		if (i > 0) {
			int v = from[i][j][u];
			if (v != u)
				j--;
			u = v;
		}
	}
	*ret_width = width;
	return nseg;
}

/* Relaxed prefixes (reach.h, pattern_prefix()). */

struct out {
	char *s;
	size_t len, cap;
	int nomem;
};

static void put(struct out *o, const char *s, size_t n)
{
	if (o->nomem)
		return;
	if (o->len + n + 1 > o->cap) {
		size_t cap = (o->len + n + 1) * 2;
		char *ns = realloc(o->s, cap);
		if (!ns) {
			o->nomem = 1;
			return;
		}
		o->s = ns;
		o->cap = cap;
	}
	memcpy(o->s + o->len, s, n);
	o->len += n;
	o->s[o->len] = '\0';
}

/* At "(?" + option letters + ")": an option setting. */
static int is_option_setting(const struct rx *p)
{
	size_t k = p->pos + 2;
	if (p->pos + 2 >= p->len || p->s[p->pos + 1] != '?')
		return 0;
	while (k < p->len && strchr("imsnUJ-^", p->s[k]))
		k++;
	return k > p->pos + 2 && k < p->len && p->s[k] == ')';
}

/* Skip what is left of the current branch, up to the '|' or ')' that ends
 * it.  An option setting skipped at this level would have applied to the
 * branches after it ((a(?i)b|c) matches "C"): dropping it could make the
 * prefix stricter than the pattern, so that bails. */
/* The characters skip_branch() looks at; it passes over any other. */
static const bool branch_stop[256] = {
	['\\'] = true, ['['] = true, ['('] = true, [')'] = true, ['|'] = true
};

static void skip_branch(struct rx *p)
{
	int depth = 0;
	while (!p->bail && p->pos < p->len) {
		int c = peek(p);
		if (c == '\\') {
			if (p->pos + 1 < p->len && p->s[p->pos + 1] == 'Q')
				p->bail = 1; /* \Q…\E may hold anything */
			p->pos += 2;
		} else if (c == '[') {
			skip_class(p);
		} else if (c == '(') {
			if (p->pos + 2 < p->len && p->s[p->pos + 1] == '?' &&
			    p->s[p->pos + 2] == '#') {
				const char *e = memchr(p->s + p->pos, ')', p->len - p->pos);
				if (!e)
					p->bail = 1;
				else
					p->pos = (size_t)(e - p->s) + 1;
				continue;
			}
			if (depth == 0 && is_option_setting(p))
				p->bail = 1;
			depth++;
			p->pos++;
		} else if (c == ')') {
			if (depth == 0)
				return;
			depth--;
			p->pos++;
		} else if (c == '|' && depth == 0) {
			return;
		} else {
			/* to the next character the cases above read (a byte
			 * at a time through them was 3 % of building the
			 * engine) */
			do
				p->pos++;
			while (p->pos < p->len && !branch_stop[(unsigned char)p->s[p->pos]]);
		}
	}
}

static void pre_alt(struct rx *p, struct out *o);

/* The unbounded item at p: when it is a group that must match at least
 * once and whose prefix implies it (capturing, (?:…), (?>…), (?=…), named,
 * option-scoped), write its relaxed prefix as a group; otherwise write
 * nothing.  Leaves p after the group or where it was. */
static void descend(struct rx *p, struct out *o)
{
	size_t at = p->pos;
	if (peek(p) != '(' || p->pos + 1 >= p->len)
		return;
	if (p->s[at + 1] == '?') {
		int c = at + 2 < p->len ? (unsigned char)p->s[at + 2] : -1;
		if (c == '!' || c == '|' ||
		    (c == '<' && at + 3 < p->len && (p->s[at + 3] == '=' || p->s[at + 3] == '!')))
			return; /* negative, lookbehind (ends here), branch reset */
		p->pos += 2;
		if (!group_open(p) || p->bail) {
			p->bail = 0;
			p->pos = at;
			return;
		}
	} else if (p->s[at + 1] == '*') {
		return;
	} else {
		p->pos++;
	}
	size_t open_end = p->pos;
	/* the group's end, and its quantifier: none, + or {n…} with n ≥ 1 */
	struct rx q = *p;
	for (;;) {
		skip_branch(&q);
		if (q.bail || peek(&q) != '|')
			break;
		q.pos++;
	}
	int ok = !q.bail && peek(&q) == ')';
	if (ok) {
		q.pos++;
		int c = peek(&q);
		if (c == '?' || c == '*')
			ok = 0;
		else if (c == '{')
			ok = q.pos + 1 < q.len && q.s[q.pos + 1] >= '1' && q.s[q.pos + 1] <= '9';
	}
	if (!ok) {
		p->pos = at;
		return;
	}
	put(o, p->s + at, open_end - at);
	p->depth++;
	pre_alt(p, o);
	p->depth--;
	if (p->bail || peek(p) != ')') {
		p->bail = 1;
		return;
	}
	put(o, ")", 1);
	p->pos++;
}

/* A sequence's items while their reach is bounded; the first other one
 * relaxed (descend()), the rest of the branch dropped. */
static void pre_seq(struct rx *p, struct out *o)
{
	while (!p->bail && p->pos < p->len) {
		int c = peek(p);
		if (c == '|' || c == ')')
			return;
		size_t at = p->pos;
		int depth = p->depth;
		if (p->cut && at >= p->cut) {
			skip_branch(p);
			return;
		}
		parse_item(p);
		if (!p->bail && !(p->cut && p->pos > p->cut)) {
			put(o, p->s + at, p->pos - at);
			continue;
		}
		p->bail = 0;
		p->pos = at;
		p->depth = depth;
		descend(p, o);
		if (!p->bail)
			skip_branch(p);
		return;
	}
}

static void pre_alt(struct rx *p, struct out *o)
{
	pre_seq(p, o);
	while (!p->bail && peek(p) == '|') {
		p->pos++;
		put(o, "|", 1);
		pre_seq(p, o);
	}
}

int pattern_prefix(const char *src, int normalized, int spaces, char **ret_prefix, long *ret_reach)
{
	return pattern_prefix_memo(src, normalized, spaces, NULL, ret_prefix, ret_reach);
}

/* The ends of the items of the sequence at p (a pattern, or a group's
 * content), and before each group's end the ends of the items inside it
 * when a cut may enter it (capturing, (?:…), (?>…), named; one
 * alternative; no quantifier but +): the offsets where a cut keeps
 * whole items, in increasing order. */
static void cut_points(struct rx *p, size_t *out, size_t *n, size_t max)
{
	while (!p->bail && p->pos < p->len && *n < max) {
		int c = peek(p);
		if (c == '|' || c == ')')
			return;
		const size_t at = p->pos;
		const int depth = p->depth;
		parse_item(p);
		if (p->bail)
			return;
		const size_t end = p->pos;
		const int whole = p->s[end - 1] == ')' ||
		                  (end - at > 2 && p->s[end - 1] == '+' && p->s[end - 2] == ')');
		if (c == '(' && whole && at + 2 < end) {
			struct rx q = *p;
			int enter = 1;
			q.pos = at + 1;
			q.depth = depth + 1;
			if (p->s[at + 1] == '?') {
				const char g = p->s[at + 2];
				enter = g != '=' && g != '!' && g != '|' && g != '#' &&
				        !(g == '<' && at + 3 < end &&
				          (p->s[at + 3] == '=' || p->s[at + 3] == '!'));
				q.pos = at + 2;
				enter = enter && group_open(&q) && !q.bail;
			} else if (p->s[at + 1] == '*') {
				enter = 0;
			}
			struct rx b = q;
			if (enter) {
				skip_branch(&b);
				enter = !b.bail && peek(&b) == ')';
			}
			if (enter)
				cut_points(&q, out, n, max);
		}
		if (*n < max)
			out[(*n)++] = end;
	}
}

size_t pattern_cut_points(const char *src, int normalized, struct reach_memo *memo, size_t *out,
                          size_t max)
{
	struct rx p = { .s = src, .len = strlen(src), .normalized = normalized, .memo = memo };
	size_t n = 0;
	if (has_extended(src, memo))
		return 0;
	/* an item unbounded in characters ends the points: a cut after it
	 * is cut there (pre_seq()) */
	cut_points(&p, out, &n, max);
	return peek(&p) == '|' ? 0 : n;
}

/* The relaxed prefix of src cut before its first unbounded item and,
 * when cut is not 0, at byte offset cut (reach.h); whole: accept the
 * whole pattern as its own prefix. */
static int prefix_of(const char *src, int normalized, int spaces, size_t cut, int whole,
                     struct reach_memo *memo, char **ret_prefix, long *ret_reach)
{
	spaces = spaces && normalized;
	struct rx p = { .s = src,
		        .len = strlen(src),
		        .normalized = normalized,
		        .spaces = spaces,
		        .memo = memo,
		        .cut = cut };
	struct out o = { 0 };
	if (has_extended(src, memo))
		return 1;
	pre_alt(&p, &o);
	if (o.nomem) {
		free(o.s);
		return -ENOMEM;
	}
	long reach =
	        p.bail || p.pos != p.len || !o.s ? -1 : reach_of(o.s, normalized, spaces, 0, memo);
	if (reach < 0 || (!whole && strcmp(o.s, src) == 0)) {
		free(o.s);
		return 1;
	}
	*ret_prefix = o.s;
	*ret_reach = reach;
	return 0;
}

int pattern_prefix_memo(const char *src, int normalized, int spaces, struct reach_memo *memo,
                        char **ret_prefix, long *ret_reach)
{
	return prefix_of(src, normalized, spaces, 0, 0, memo, ret_prefix, ret_reach);
}

int pattern_cut_memo(const char *src, int normalized, size_t cut, struct reach_memo *memo,
                     char **ret_prefix, long *ret_reach)
{
	if (cut == 0)
		return 1;
	return prefix_of(src, normalized, 0, cut, 1, memo, ret_prefix, ret_reach);
}

/* The lookarounds a source may hold, as strstr() of "(?<=", "(?!" and
 * "(?<!" would find them, in one pass over its '<' and '!': rare in a
 * lexicon's words, where a "(?" opens nearly every group (the three
 * strstr() scans of every source were 4 % of building the engine). */
#define LOOK_BEHIND 1u   /* "(?<=" */
#define LOOK_NEGATIVE 2u /* "(?!" or "(?<!" */

static unsigned look_kinds(const char *src)
{
	unsigned k = 0;
	for (const char *q = strpbrk(src, "<!"); q && k != (LOOK_BEHIND | LOOK_NEGATIVE);
	     q = strpbrk(q + 1, "<!")) {
		if (q - src < 2 || q[-2] != '(' || q[-1] != '?')
			continue;
		if (*q == '!' || q[1] == '!')
			k |= LOOK_NEGATIVE;
		else if (q[1] == '=')
			k |= LOOK_BEHIND;
	}
	return k;
}

/* Positive lookbehinds (reach.h): the widest one's reach.  A lookbehind
 * inside another is inside its reach; one inside a negative lookaround
 * holds no literal the prefilter requires and is skipped with it. */
long pattern_behind_memo(const char *src, int normalized, struct reach_memo *memo)
{
	struct rx p = { .s = src, .len = strlen(src), .normalized = normalized, .memo = memo };
	long behind = 0;
	if (!(look_kinds(src) & LOOK_BEHIND))
		return 0; /* nearly every pattern: no need to read it */
	if (has_extended(src, memo))
		return -1;
	while (!p.bail && p.pos < p.len) {
		const char *q = p.s + p.pos;
		if (*q == '\\') {
			if (p.pos + 1 < p.len && q[1] == 'Q')
				return -1; /* a quoted '(' or '[' */
			p.pos += 2;
		} else if (*q == '[') {
			skip_class(&p);
		} else if (*q == '(' && q[1] == '?' &&
		           (q[2] == '!' || (q[2] == '<' && q[3] == '!'))) {
			/* compared by hand: strncmp() at each of a lexicon's
			 * 351,284 '(' was a sixth of this reading */
			p.pos += q[2] == '!' ? 3 : 4;
			skip_group(&p);
		} else if (*q == '(' && q[1] == '?' && q[2] == '<' && q[3] == '=') {
			long r = parse_group(&p);
			if (!p.bail && r > behind)
				behind = r;
		} else {
			/* to the next character that can begin an escape, a
			 * class or a group: sources run to hundreds of KB */
			p.pos += 1 + strcspn(q + 1, "\\[(");
		}
	}
	return p.bail ? -1 : behind;
}

size_t pattern_mixed_reach_memo(const char *src, struct reach_memo *memo, long max_width,
                                struct reach_seg seg[REACH_MAX_SEGS], long *ret_width)
{
	return mixed_reach(src, memo, 0, max_width, seg, ret_width);
}

/* The walk forward pattern_look_memo() and pattern_look_known() return,
 * from the pattern's reach in characters (r) and in spaces (w, -1: not
 * normalised), both counting negative lookarounds when neg. */
static size_t look_choose(const char *src, int normalized, struct reach_memo *memo, int neg,
                          long max_width, long r, long w, struct reach_seg seg[REACH_MAX_SEGS])
{
	long width;
	if (w >= 0 && (r < 0 || 8 * w < r) && 8 * w <= max_width) {
		seg[0] = (struct reach_seg){ 1, w };
		return 1;
	}
	if (r >= 0 && r <= max_width) {
		seg[0] = (struct reach_seg){ 0, r };
		return 1;
	}
	return normalized ? mixed_reach(src, memo, neg, max_width, seg, &width) : 0;
}

static int has_negative_look(const char *src)
{
	return (look_kinds(src) & LOOK_NEGATIVE) != 0;
}

/* All a match looks at after its start (reach.h): the narrowest of
 * characters, spaces and segments, negative lookarounds counted.  Without
 * a negative lookaround (most patterns) the count is pattern_reach()'s. */
size_t pattern_look_memo(const char *src, int normalized, struct reach_memo *memo, long max_width,
                         struct reach_seg seg[REACH_MAX_SEGS])
{
	const int neg = has_negative_look(src);
	long r = reach_of(src, normalized, 0, neg, memo);
	long w = normalized ? reach_of(src, 1, 1, neg, memo) : -1;
	return look_choose(src, normalized, memo, neg, max_width, r, w, seg);
}

size_t pattern_look_known(const char *src, int normalized, struct reach_memo *memo, long max_width,
                          long reach, long space_reach, struct reach_seg seg[REACH_MAX_SEGS])
{
	if (has_negative_look(src))
		return pattern_look_memo(src, normalized, memo, max_width, seg);
	return look_choose(src, normalized, memo, 0, max_width, reach,
	                   normalized ? space_reach : -1, seg);
}
