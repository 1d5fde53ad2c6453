/* Splitting "(?:^|…)REST" patterns (see anchor-split.h).
 *
 * The reader only has to find group boundaries and top-level '|', but it
 * must never be wrong about them, so it gives up (returns 0) on anything
 * whose effect on the split it cannot see: option settings with m or x
 * (^ and white space change meaning), comments, \Q…\E, verbs, recursion
 * and conditionals (they refer to the whole pattern), and capturing groups
 * inside the first group (dropping a branch would renumber the groups of
 * REST, and with them group "v").
 */
#include "filter/anchor-split.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

/* Skip a character class; *i is just after '['.  Returns 0 when the class
 * does not end. */
static int skip_class(const char *s, size_t *i)
{
	size_t q = *i;
	if (s[q] == '^')
		q++;
	if (s[q] == ']')
		q++; /* a literal ']' first */
	while (s[q] && s[q] != ']') {
		if (s[q] == '\\') {
			if (!s[q + 1] || s[q + 1] == 'Q' || s[q + 1] == 'E')
				return 0;
			q += 2;
		} else if (s[q] == '[' && s[q + 1] == ':') {
			const char *end = strstr(s + q + 2, ":]");
			if (!end)
				return 0;
			q = (size_t)(end - s) + 2;
		} else {
			q++;
		}
	}
	if (!s[q])
		return 0;
	*i = q + 1;
	return 1;
}

/* A group opening at s[*i] == '(': advance past "(", "(?:" and the like.
 * *capturing is set for a group that gets a number.  Returns 0 for what
 * the split must not touch. */
static int open_group(const char *s, size_t *i, int *capturing)
{
	size_t q = *i + 1;
	*capturing = 0;
	if (s[q] == '*')
		return 0; /* verbs, (*atomic: …) and friends */
	if (s[q] != '?') {
		*capturing = 1;
		*i = q;
		return 1;
	}
	q++;
	switch (s[q]) {
	case ':':
	case '=':
	case '!':
	case '>':
	case '|':
		*i = q + 1;
		return 1;
	case '<':
		if (s[q + 1] == '=' || s[q + 1] == '!') {
			*i = q + 2;
			return 1;
		}
		*capturing = 1; /* (?<name> */
		*i = q;
		return 1;
	case '\'':
		*capturing = 1;
		*i = q;
		return 1;
	case 'P':
		if (s[q + 1] != '<')
			return 0; /* (?P=name), (?P>name): references */
		*capturing = 1;
		*i = q;
		return 1;
	default:
		break;
	}
	/* Option letters: (?i), (?i:…), (?-i) … */
	size_t o = q;
	while (s[o] && strchr("imnsxJU^-", s[o]))
		o++;
	if (o == q || (s[o] != ':' && s[o] != ')'))
		return 0; /* (?#…), (?R), (?1), (?&name), (?(cond)…), (?C…) */
	for (size_t k = q; k < o; k++)
		if (s[k] == 'm' || s[k] == 'x')
			return 0;
	*i = o + 1;
	if (s[o] == ')')
		*i = o; /* an option setting, not a group: ')' is read next */
	return s[o] == ')' ? 2 : 1;
}

int anchor_split(const char *src, char **head, char **tail)
{
	size_t n = strlen(src), i = 3, depth = 1, close = 0;
	size_t caret = 0, branch_start = 3, nbranch = 0;
	int has_caret = 0;

	*head = *tail = NULL;
	if (strncmp(src, "(?:", 3) != 0)
		return 0;
	while (i < n) {
		char c = src[i];
		if (c == '\\') {
			char e = src[i + 1];
			if (!e || e == 'Q' || e == 'E' || e == 'g')
				return 0; /* \g<0> calls the whole pattern */
			i += 2;
		} else if (c == '[') {
			i++;
			if (!skip_class(src, &i))
				return 0;
		} else if (c == '(') {
			int capturing, r = open_group(src, &i, &capturing);
			if (r == 0 || (capturing && close == 0))
				return 0;
			if (r == 2) {
				i++; /* past the ')' of an option setting */
				continue;
			}
			depth++;
		} else if (c == ')' || (c == '|' && depth <= 1)) {
			if (c == '|' && depth == 0)
				return 0; /* an alternation at the top level */
			if (depth == 1 && close == 0) {
				/* a branch of the first group ends */
				if (i - branch_start == 1 && src[branch_start] == '^') {
					has_caret++;
					caret = branch_start;
				}
				nbranch++;
				branch_start = i + 1;
			}
			if (c == ')') {
				if (depth == 0)
					return 0;
				if (--depth == 0 && close == 0)
					close = i;
			}
			i++;
		} else {
			i++;
		}
	}
	if (depth != 0 || close == 0 || has_caret != 1 || nbranch < 2)
		return 0;
	const char *rest = src + close + 1;
	if (!*rest || strchr("?*+{", *rest))
		return 0;

	/* tail: the first group without its "^" branch (and one '|') */
	size_t cut_from = caret, cut_to = caret + 1;
	if (src[cut_to] == '|')
		cut_to++;
	else
		cut_from--; /* the last branch: drop the '|' before it */
	if (asprintf(head, "^%s", rest) < 0) {
		*head = NULL;
		return -ENOMEM;
	}
	if (asprintf(tail, "%.*s%s", (int)cut_from, src, src + cut_to) < 0) {
		free(*head);
		*head = *tail = NULL;
		return -ENOMEM;
	}
	return 1;
}
