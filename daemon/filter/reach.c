/* Upper bound of a pattern's reach (see reach.h). */
#include "filter/reach.h"

#include <stddef.h>
#include <string.h>

#define REACH_MAX 100000L /* more than this: as good as unbounded */

struct rx {
	const char *s;
	size_t pos, len;
	int bail;
	int depth;
	int normalized; /* the subject's only white space is one ' ' at a time */
};

static long parse_alt(struct rx *p);

static int peek(const struct rx *p)
{
	return p->pos < p->len ? (unsigned char)p->s[p->pos] : -1;
}

static int is_digit(int c)
{
	return c >= '0' && c <= '9';
}

/* A bounded quantifier multiplies; an unbounded one (or none we know) gives
 * up.  Returns the largest count (1 without a quantifier). */
static long quant(struct rx *p)
{
	long max = 1;
	int c = peek(p);
	if (c == '*' || c == '+') {
		p->bail = 1;
		return 0;
	}
	if (c == '?') {
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
			if (q >= p->len || !is_digit(p->s[q])) {
				p->bail = 1; /* {n,} */
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

static long parse_seq(struct rx *p)
{
	long total = 0;
	while (!p->bail && p->pos < p->len) {
		int c = peek(p);
		long r;
		if (c == '|' || c == ')')
			break;
		if (c == '(') {
			p->pos++;
			if (peek(p) == '*') {
				p->bail = 1; /* verbs */
				break;
			}
			if (peek(p) == '?') {
				p->pos++;
				if (!group_open(p))
					continue;
			}
			if (++p->depth > 64) {
				p->bail = 1;
				break;
			}
			r = parse_alt(p);
			p->depth--;
			if (peek(p) != ')') {
				p->bail = 1;
				break;
			}
			p->pos++;
		} else if (c == '[') {
			skip_class(p);
			r = 1;
		} else if (c == '\\') {
			size_t at = ++p->pos;
			r = escape(p);
			if (p->normalized && p->pos == at + 1 && p->s[at] == 's' && one_space(p)) {
				total += 1;
				continue;
			}
		} else if (c == ' ' && p->normalized) {
			p->pos++;
			r = 1;
			if (one_space(p)) {
				total += 1;
				continue;
			}
		} else if (c == '^' || c == '$') {
			p->pos++;
			r = 2; /* ^ and $ look at a newline (CR LF) */
		} else {
			/* one character, UTF-8 */
			p->pos++;
			while (p->pos < p->len && ((unsigned char)p->s[p->pos] & 0xC0) == 0x80)
				p->pos++;
			r = 1;
		}
		long q = quant(p);
		if (p->bail)
			break;
		total += r * q;
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

long pattern_reach(const char *src, int normalized)
{
	struct rx p = { .s = src, .len = strlen(src), .normalized = normalized };
	/* extended mode changes what white space and '#' mean */
	for (const char *q = strstr(src, "(?"); q; q = strstr(q + 2, "(?")) {
		size_t k = 2;
		while (q[k] && strchr("imsnxUJ-^", q[k])) {
			if (q[k] == 'x')
				return -1;
			k++;
		}
	}
	long r = parse_alt(&p);
	if (p.bail || p.pos != p.len)
		return -1;
	return r;
}
