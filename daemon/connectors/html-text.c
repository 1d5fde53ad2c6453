/* HTML to plain text for the filters (see html-text.h).  Not an HTML
 * parser: the platforms send a small, well-formed subset (p, br, a, span),
 * and anything else is treated the same way — markup removed, text kept. */
#include "connectors/html-text.h"

#include <stdbool.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "util/strbuf.h"

static int put_utf8(struct strbuf *sb, uint32_t cp)
{
	char b[4];
	size_t n;

	if (cp == 0 || cp > 0x10ffff || (cp >= 0xd800 && cp <= 0xdfff))
		cp = 0xfffd;
	if (cp < 0x80) {
		b[0] = (char)cp;
		n = 1;
	} else if (cp < 0x800) {
		b[0] = (char)(0xc0 | (cp >> 6));
		b[1] = (char)(0x80 | (cp & 0x3f));
		n = 2;
	} else if (cp < 0x10000) {
		b[0] = (char)(0xe0 | (cp >> 12));
		b[1] = (char)(0x80 | ((cp >> 6) & 0x3f));
		b[2] = (char)(0x80 | (cp & 0x3f));
		n = 3;
	} else {
		b[0] = (char)(0xf0 | (cp >> 18));
		b[1] = (char)(0x80 | ((cp >> 12) & 0x3f));
		b[2] = (char)(0x80 | ((cp >> 6) & 0x3f));
		b[3] = (char)(0x80 | (cp & 0x3f));
		n = 4;
	}
	return strbuf_add(sb, b, n);
}

static const struct {
	const char *name;
	uint32_t cp;
} named[] = {
	{ "amp", '&' },      { "lt", '<' },        { "gt", '>' },     { "quot", '"' },
	{ "apos", '\'' },    { "nbsp", 0xa0 },     { "shy", 0xad },   { "ndash", 0x2013 },
	{ "mdash", 0x2014 }, { "hellip", 0x2026 }, { "aring", 0xe5 }, { "auml", 0xe4 },
	{ "ouml", 0xf6 },    { "Aring", 0xc5 },    { "Auml", 0xc4 },  { "Ouml", 0xd6 },
	{ "eacute", 0xe9 },
};

/* A character reference at s ("&...;"): its code point and length, or 0
 * when it is not one (the '&' is then kept as text). */
static size_t char_ref(const char *s, size_t len, uint32_t *ret)
{
	size_t i = 1;

	if (len < 3)
		return 0;
	if (s[1] == '#') {
		uint32_t cp = 0;
		bool hex = len > 2 && (s[2] == 'x' || s[2] == 'X');
		size_t digits = 0;
		for (i = hex ? 3 : 2; i < len && i < 12 && s[i] != ';'; i++, digits++) {
			char c = s[i];
			unsigned d;
			if (c >= '0' && c <= '9')
				d = (unsigned)(c - '0');
			else if (hex && c >= 'a' && c <= 'f')
				d = (unsigned)(c - 'a' + 10);
			else if (hex && c >= 'A' && c <= 'F')
				d = (unsigned)(c - 'A' + 10);
			else
				return 0;
			cp = cp * (hex ? 16 : 10) + d;
			if (cp > 0x10ffff)
				cp = 0x110000; /* stays invalid, no overflow */
		}
		if (i >= len || s[i] != ';' || digits == 0)
			return 0;
		*ret = cp;
		return i + 1;
	}
	for (i = 1; i < len && i < 10 && s[i] != ';'; i++)
		;
	if (i >= len || s[i] != ';')
		return 0;
	for (size_t k = 0; k < sizeof(named) / sizeof(named[0]); k++)
		if (strlen(named[k].name) == i - 1 && memcmp(named[k].name, s + 1, i - 1) == 0) {
			*ret = named[k].cp;
			return i + 1;
		}
	return 0;
}

/* The tag's name (lower case, without '/') into name; whether it closes. */
static void tag_name(const char *s, size_t len, char *name, size_t cap, bool *closing)
{
	size_t i = 1, n = 0;

	*closing = i < len && s[i] == '/';
	if (*closing)
		i++;
	for (; i < len && n + 1 < cap; i++) {
		char c = s[i];
		if (!((c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9')))
			break;
		name[n++] = (char)(c | 0x20);
	}
	name[n] = '\0';
}

char *conn_html_to_text(const char *html, size_t len)
{
	struct strbuf sb = { 0 };
	bool para_open = false;
	int r = strbuf_add(&sb, "", 0);

	for (size_t i = 0; r == 0 && i < len;) {
		char c = html[i];
		if (c == '<') {
			const char *end = memchr(html + i, '>', len - i);
			if (!end) {
				r = strbuf_add(&sb, html + i, len - i);
				break;
			}
			size_t tlen = (size_t)(end - (html + i)) + 1;
			char name[16];
			bool closing;
			tag_name(html + i, tlen, name, sizeof(name), &closing);
			if (strcmp(name, "br") == 0) {
				r = strbuf_add(&sb, "\n", 1);
			} else if (strcmp(name, "p") == 0) {
				/* A new paragraph after a closed one is a blank line. */
				if (!closing && para_open && sb.len)
					r = strbuf_add(&sb, "\n\n", 2);
				para_open = true;
			}
			i += tlen;
		} else if (c == '&') {
			uint32_t cp;
			size_t n = char_ref(html + i, len - i, &cp);
			if (n) {
				r = put_utf8(&sb, cp);
				i += n;
			} else {
				r = strbuf_add(&sb, "&", 1);
				i++;
			}
		} else {
			size_t j = i;
			while (j < len && html[j] != '<' && html[j] != '&')
				j++;
			r = strbuf_add(&sb, html + i, j - i);
			i = j;
		}
	}
	if (r < 0) {
		strbuf_free(&sb);
		return NULL;
	}
	return sb.buf;
}
