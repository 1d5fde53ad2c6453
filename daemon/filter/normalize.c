/* Normalisation: a pipeline over code points that carry their original
 * byte range, so every transformation keeps the map back to the original. */
#include "filter/normalize.h"

#include <stdbool.h>
#include <errno.h>
#include <pthread.h>
#include <stdlib.h>
#include <string.h>

#include "filter/normtab.h"
#include "filter/utf8.h"

struct el {
	uint32_t cp;
	uint32_t os, oe; /* original byte range */
};

struct elv {
	struct el *v;
	size_t n, cap;
};

static int elv_push(struct elv *ev, uint32_t cp, uint32_t os, uint32_t oe)
{
	if (ev->n == ev->cap) {
		size_t cap = ev->cap ? ev->cap * 2 : 64;
		struct el *v = realloc(ev->v, cap * sizeof(*v));
		if (!v)
			return -ENOMEM;
		ev->v = v;
		ev->cap = cap;
	}
	ev->v[ev->n++] = (struct el){ cp, os, oe };
	return 0;
}

bool norm_is_letter(uint32_t cp)
{
	if (cp < 0x80)
		return (cp | 0x20) >= 'a' && (cp | 0x20) <= 'z';
	size_t lo = 0, hi = normtab_nletters;
	while (lo < hi) {
		size_t mid = (lo + hi) / 2;
		if (cp < normtab_letters[mid].lo)
			hi = mid;
		else if (cp > normtab_letters[mid].hi)
			lo = mid + 1;
		else
			return 1;
	}
	return 0;
}

/* ASCII letters 1, digits 2: the common case without a branch chain. */
static const uint8_t ascii_cls[128] = {
	['0'] = 2, ['1'] = 2, ['2'] = 2, ['3'] = 2, ['4'] = 2, ['5'] = 2, ['6'] = 2, ['7'] = 2,
	['8'] = 2, ['9'] = 2, ['A'] = 1, ['B'] = 1, ['C'] = 1, ['D'] = 1, ['E'] = 1, ['F'] = 1,
	['G'] = 1, ['H'] = 1, ['I'] = 1, ['J'] = 1, ['K'] = 1, ['L'] = 1, ['M'] = 1, ['N'] = 1,
	['O'] = 1, ['P'] = 1, ['Q'] = 1, ['R'] = 1, ['S'] = 1, ['T'] = 1, ['U'] = 1, ['V'] = 1,
	['W'] = 1, ['X'] = 1, ['Y'] = 1, ['Z'] = 1, ['a'] = 1, ['b'] = 1, ['c'] = 1, ['d'] = 1,
	['e'] = 1, ['f'] = 1, ['g'] = 1, ['h'] = 1, ['i'] = 1, ['j'] = 1, ['k'] = 1, ['l'] = 1,
	['m'] = 1, ['n'] = 1, ['o'] = 1, ['p'] = 1, ['q'] = 1, ['r'] = 1, ['s'] = 1, ['t'] = 1,
	['u'] = 1, ['v'] = 1, ['w'] = 1, ['x'] = 1, ['y'] = 1, ['z'] = 1,
};

/* ascii_cls[] == 1 over every byte value (0 from 0x80 on): the fast
 * path's letter loop looks a byte up without a range check */
static const uint8_t ascii_letter[256] = {
	['A'] = 1, ['B'] = 1, ['C'] = 1, ['D'] = 1, ['E'] = 1, ['F'] = 1, ['G'] = 1, ['H'] = 1,
	['I'] = 1, ['J'] = 1, ['K'] = 1, ['L'] = 1, ['M'] = 1, ['N'] = 1, ['O'] = 1, ['P'] = 1,
	['Q'] = 1, ['R'] = 1, ['S'] = 1, ['T'] = 1, ['U'] = 1, ['V'] = 1, ['W'] = 1, ['X'] = 1,
	['Y'] = 1, ['Z'] = 1, ['a'] = 1, ['b'] = 1, ['c'] = 1, ['d'] = 1, ['e'] = 1, ['f'] = 1,
	['g'] = 1, ['h'] = 1, ['i'] = 1, ['j'] = 1, ['k'] = 1, ['l'] = 1, ['m'] = 1, ['n'] = 1,
	['o'] = 1, ['p'] = 1, ['q'] = 1, ['r'] = 1, ['s'] = 1, ['t'] = 1, ['u'] = 1, ['v'] = 1,
	['w'] = 1, ['x'] = 1, ['y'] = 1, ['z'] = 1,
};

static int is_letter(uint32_t cp)
{
	return cp < 0x80 ? ascii_cls[cp] == 1 : norm_is_letter(cp);
}

/* ASCII white space and letter separators, and leetspeak folds: tables,
 * because every step asks these of every character. */
enum { A_SPACE = 1, A_LETTER_SEP = 2 };
static const uint8_t ascii_sep[128] = {
	['\t'] = 3, ['\n'] = 3, ['\v'] = 3, ['\f'] = 3, ['\r'] = 3, [' '] = 3, ['.'] = 2,
	['-'] = 2,  ['_'] = 2,  ['*'] = 2,  ['/'] = 2,  ['~'] = 2,  ['|'] = 2,
};
static const uint8_t ascii_leet[128] = {
	['0'] = 'o', ['1'] = 'i', ['3'] = 'e', ['4'] = 'a',
	['5'] = 's', ['7'] = 't', ['@'] = 'a', ['$'] = 's',
};

static int is_alnum(uint32_t cp)
{
	return cp < 0x80 ? ascii_cls[cp] != 0 : norm_is_letter(cp);
}

static int is_space(uint32_t cp)
{
	if (cp < 0x80)
		return ascii_sep[cp] & A_SPACE;
	return (cp >= 0x09 && cp <= 0x0D) || cp == 0x85 || cp == 0xA0 || cp == 0x1680 ||
	       (cp >= 0x2000 && cp <= 0x200A) || cp == 0x2028 || cp == 0x2029 || cp == 0x202F ||
	       cp == 0x205F || cp == 0x3000;
}

/* Combining marks: dropped, which is what "compose, then remove the
 * diacritic" amounts to. */
static int is_combining(uint32_t cp)
{
	return (cp >= 0x0300 && cp <= 0x036F) || (cp >= 0x1AB0 && cp <= 0x1AFF) ||
	       (cp >= 0x1DC0 && cp <= 0x1DFF) || (cp >= 0x20D0 && cp <= 0x20FF) ||
	       (cp >= 0xFE20 && cp <= 0xFE2F);
}

/* Zero-width and invisible format characters, including the bidi controls
 * that can hide a word's real order. */
static int is_invisible(uint32_t cp)
{
	return cp == 0x00AD || cp == 0x061C || cp == 0x180E || (cp >= 0x200B && cp <= 0x200F) ||
	       (cp >= 0x202A && cp <= 0x202E) || (cp >= 0x2060 && cp <= 0x2064) ||
	       (cp >= 0x2066 && cp <= 0x2069) || cp == 0xFEFF || cp == 0xFE0E || cp == 0xFE0F ||
	       (cp >= 0xE0020 && cp <= 0xE007F);
}

/* Emoji and pictographs: put between the words of a threat ("ska 🔪 döda
 * 🔪 dig") they would keep the words apart, so they count as white space. */
static int is_pictograph(uint32_t cp)
{
	return (cp >= 0x2600 && cp <= 0x27BF) || (cp >= 0x2B00 && cp <= 0x2BFF) ||
	       (cp >= 0x1F000 && cp <= 0x1FAFF);
}

static uint32_t leet_fold(uint32_t cp)
{
	return cp < 0x80 ? ascii_leet[cp] : 0;
}

/* Separators between letters written one by one: "d ö d a", "d.ö.d.a". */
static int is_letter_sep(uint32_t cp)
{
	if (cp < 0x80)
		return ascii_sep[cp] & A_LETTER_SEP;
	return is_space(cp) || cp == '.' || cp == '-' || cp == '_' || cp == '*' || cp == '/' ||
	       cp == '~' || cp == '|' || cp == 0xB7;
}

size_t norm_fold_cp(uint32_t cp, char out[8])
{
	if (cp >= 'A' && cp <= 'Z') {
		out[0] = (char)(cp | 0x20);
		return 1;
	}
	if (cp < 0xC0)
		return 0;
	size_t lo = 0, hi = normtab_nfolds;
	while (lo < hi) {
		size_t mid = (lo + hi) / 2;
		if (cp < normtab_folds[mid].cp) {
			hi = mid;
		} else if (cp > normtab_folds[mid].cp) {
			lo = mid + 1;
		} else {
			size_t n = strlen(normtab_folds[mid].to);
			memcpy(out, normtab_folds[mid].to, n);
			return n;
		}
	}
	return 0;
}

/* Step 1: decode, drop combining marks and invisibles, fold. */
static int step_decode_fold(const char *s, size_t len, struct elv *out)
{
	size_t pos = 0;
	while (pos < len) {
		uint32_t os = (uint32_t)pos;
		unsigned char b = (unsigned char)s[pos];
		if (b < 0x80 && out->n < out->cap) {
			/* ASCII, the common case: no mark, no invisible, only
			 * A-Z folds */
			uint32_t c = b >= 'A' && b <= 'Z' ? b | 0x20u : b;
			out->v[out->n++] = (struct el){ c, os, os + 1 };
			pos++;
			continue;
		}
		uint32_t cp = utf8_next(s, len, &pos);
		uint32_t oe = (uint32_t)pos;
		char f[8];
		size_t fn;

		if (is_combining(cp)) {
			if (out->n)
				out->v[out->n - 1].oe = oe;
			continue;
		}
		if (is_invisible(cp))
			continue;
		if (is_pictograph(cp)) {
			if (elv_push(out, ' ', os, oe) < 0)
				return -ENOMEM;
			continue;
		}
		fn = norm_fold_cp(cp, f);
		if (fn == 0) {
			if (elv_push(out, cp, os, oe) < 0)
				return -ENOMEM;
			continue;
		}
		for (size_t p = 0; p < fn;) {
			uint32_t c = utf8_next(f, fn, &p);
			if (elv_push(out, c, os, oe) < 0)
				return -ENOMEM;
		}
	}
	return 0;
}

/* Letters in [i, j) of v, and whether a leetspeak character occurs among
 * the letters and leetspeak characters that follow. */
static size_t letters_after(const struct el *v, size_t n, size_t j, int *ret_leet)
{
	size_t letters = 0;
	*ret_leet = 0;
	for (; j < n && (is_letter(v[j].cp) || leet_fold(v[j].cp)); j++) {
		if (is_letter(v[j].cp))
			letters++;
		else
			*ret_leet = 1;
	}
	return letters;
}

/* Characters that may stand for the first letter of a word ("5hoot",
 * "5kjut4s", "$kjutas", "1slam"): not @ (mentions); a '$' before a digit
 * is a price and has no letters after it.  A 1 only before four letters
 * or more (leading_one_ok()): "1st", "1a", "1min" are counts. */
static int leading_leet(uint32_t cp)
{
	return cp == '0' || cp == '1' || cp == '3' || cp == '4' || cp == '5' || cp == '7' ||
	       cp == '$';
}

static int leading_one_ok(size_t letters, int more)
{
	return letters >= 4 && !more;
}

/* Step 2: leetspeak inside words.  A maximal run of 0 1 3 4 5 7 @ $ is
 * folded when a letter precedes it and a letter or the end of the word
 * follows it, so "h4t" and "d0d" fold but "811218-1234" and "covid19" do
 * not.  At the start of a word one digit of 0 3 4 5 7 is folded when
 * letters follow: at least three, or two and another leetspeak character
 * ("5hoot", "5t4b"), so "5st", "4an" and "3d" stay; a 1 when four letters
 * or more and nothing else follow ("1slam"). */
static void step_leet(struct elv *ev)
{
	size_t n = ev->n;
	struct el *v = ev->v;
	for (size_t i = 0; i < n;) {
		if (!leet_fold(v[i].cp)) {
			i++;
			continue;
		}
		size_t j = i;
		while (j < n && leet_fold(v[j].cp))
			j++;
		int before = i > 0 && is_letter(v[i - 1].cp);
		int after = j == n || is_letter(v[j].cp) || !is_alnum(v[j].cp);
		if (before && after) {
			/* next to an i a 1 is an l: "ki11", "sti11", "mus1im"
			 * ("ii" is rare in Swedish and English, "li" is not) */
			int one_is_l = v[i - 1].cp == 'i' || (j < n && v[j].cp == 'i');
			for (size_t k = i; k < j; k++)
				v[k].cp = v[k].cp == '1' && one_is_l ? 'l' : leet_fold(v[k].cp);
		} else if (j == i + 1 && leading_leet(v[i].cp) &&
		           (i == 0 || !is_alnum(v[i - 1].cp)) && j < n && is_letter(v[j].cp)) {
			int more;
			size_t letters = letters_after(v, n, j, &more);
			if (v[i].cp == '1' ? leading_one_ok(letters, more)
			                   : letters >= 3 || (letters >= 2 && more))
				v[i].cp = leet_fold(v[i].cp);
		}
		i = j;
	}
}

static int is_single_letter(const struct el *v, size_t n, size_t i)
{
	return is_letter(v[i].cp) && (i == 0 || !is_alnum(v[i - 1].cp)) &&
	       (i + 1 == n || !is_alnum(v[i + 1].cp));
}

/* An ending at v[i] that is no Swedish word of its own ("as", "ades"),
 * followed by the end of the word. */
static int passive_ending(const struct el *v, size_t n, size_t i)
{
	static const char *const endings[] = { "as", "ad", "ade", "ades", "ats" };
	size_t e = i;
	while (e < n && e - i < 5 && v[e].cp < 0x80 && is_letter(v[e].cp))
		e++;
	if (e < n && is_alnum(v[e].cp))
		return 0;
	for (size_t k = 0; k < sizeof(endings) / sizeof(endings[0]); k++) {
		size_t len = strlen(endings[k]);
		if (len != e - i)
			continue;
		size_t m = 0;
		while (m < len && (char)v[i + m].cp == endings[k][m])
			m++;
		if (m == len)
			return 1;
	}
	return 0;
}

/* A gap of a chain of single letters that holds a mask ('*' or '_'). */
static int mask_gap(const struct el *g, size_t n)
{
	for (size_t k = 0; k < n; k++)
		if (g[k].cp == '*' || g[k].cp == '_')
			return 1;
	return 0;
}

static int same_gap(const struct el *a, size_t na, const struct el *b, size_t nb)
{
	if (na != nb)
		return 0;
	for (size_t k = 0; k < na; k++)
		if (a[k].cp != b[k].cp)
			return 0;
	return 1;
}

/* Step 3: three or more single letters separated by spaces, dots, dashes
 * (at most three separator characters between two letters) are joined. */
static void step_join_letters(struct elv *ev)
{
	struct el *v = ev->v;
	size_t n = ev->n, w = 0, i = 0;
	/* Most texts have no such chain: nothing moves before the first
	 * candidate (a single letter followed by a separator). */
	while (i < n && !(i + 1 < n && is_letter_sep(v[i + 1].cp) && is_single_letter(v, n, i)))
		i++;
	w = i;
	while (i < n) {
		/* a chain needs a separator after its first letter: asked
		 * first, it is a table lookup for nearly every character */
		if (i + 1 >= n || !is_letter_sep(v[i + 1].cp) || !is_single_letter(v, n, i)) {
			v[w++] = v[i++];
			continue;
		}
		/* Find the chain of single letters starting at i.  A gap
		 * wider than the chain's first one ends the chain: in "d ö d
		 * a  d i g" the two spaces are where the words part. */
		size_t count = 1, last = i, before_last = i, j = i + 1, gap = 0, g0 = 0;
		for (;;) {
			size_t k = j, seps = 0;
			while (k < n && seps < 4 && is_letter_sep(v[k].cp)) {
				k++;
				seps++;
			}
			if (seps == 0 || seps > 3 || k >= n || !is_single_letter(v, n, k))
				break;
			if (gap && seps > gap)
				break;
			/* A mask between two letters is a hidden letter, not a
			 * separator, unless every gap is the same ("d*ö*d*a"):
			 * "d*r i", "s*a m*rda" are masked words. */
			if (gap && (mask_gap(v + g0, gap) || mask_gap(v + j, seps)) &&
			    !same_gap(v + g0, gap, v + j, seps))
				break;
			if (!gap) {
				gap = seps;
				g0 = j;
			}
			count++;
			before_last = last;
			last = k;
			j = k + 1;
		}
		/* A last letter with a mask and two letters or more after it
		 * begins a masked word ("there's a b*mb": not "sab" and "mb"),
		 * unless the chain's gaps are that mask ("s*k*j*u*t*as"). */
		if (count >= 3 && last + 3 < n &&
		    (v[last + 1].cp == '*' || v[last + 1].cp == '_') && is_letter(v[last + 2].cp) &&
		    is_letter(v[last + 3].cp) && !(gap == 1 && v[g0].cp == v[last + 1].cp)) {
			count--;
			last = before_last;
		}
		if (count < 3) {
			v[w++] = v[i++];
			continue;
		}
		const uint32_t gap0 = v[g0].cp; /* before the letters move */
		for (size_t k = i; k <= last; k++)
			if (is_letter(v[k].cp))
				v[w++] = v[k];
		i = last + 1;
		/* A dot that closes a dotted chain before the next word
		 * ("k.i.l.l. you") is the chain's, not a sentence's end. */
		if (gap == 1 && gap0 == '.' && i + 2 < n && v[i].cp == '.' &&
		    is_space(v[i + 1].cp) && is_letter(v[i + 2].cp))
			i++;
		/* An ending written on after one dot, dash or star
		 * ("s.k.j.u.t.as"): one to three letters that end the word.
		 * Not after a space: "d ö d a er" is two words. */
		if (i + 2 < n && is_letter_sep(v[i].cp) && !is_space(v[i].cp) &&
		    is_letter(v[i + 1].cp)) {
			size_t e = i + 1;
			while (e < n && is_letter(v[e].cp) && e - i <= 3)
				e++;
			if (e - i - 1 <= 3 && (e == n || !is_alnum(v[e].cp))) {
				for (size_t k = i + 1; k < e; k++)
					v[w++] = v[k];
				i = e;
			}
		} else if (i + 2 < n && v[i].cp == ' ' && passive_ending(v, n, i + 1)) {
			/* After a space only a verb ending that is no word of
			 * its own: "s p r ä n g as", "s k j u t ades". */
			size_t e = i + 1;
			while (e < n && is_letter(v[e].cp))
				e++;
			for (size_t k = i + 1; k < e; k++)
				v[w++] = v[k];
			i = e;
		}
	}
	ev->n = w;
}

/* Step 3b: masking characters inside words ("m*rda", "skj#tas", "död*")
 * become '_', a word character, so a masked word stays one word and
 * lexicons can list it with '_' for the hidden letter.  A mask is a '*' or
 * '#' with a letter before it and a letter after it, or at the end of a
 * word that did not begin with one ("*viktigt*" is emphasis). */
static int is_mask(uint32_t cp)
{
	return cp == '*' || cp == '#';
}

static void step_masks(struct elv *ev)
{
	struct el *v = ev->v;
	size_t n = ev->n, start = 0;
	for (size_t i = 0; i < n; i++) {
		if (i == 0 || !is_alnum(v[i - 1].cp))
			start = i; /* where the current word began */
		if (!is_mask(v[i].cp) || i == 0 || !is_letter(v[i - 1].cp))
			continue;
		size_t s0 = start;
		if (s0 > 0 && is_mask(v[s0 - 1].cp))
			continue; /* emphasis: "*viktigt*" */
		if (i + 1 < n && is_letter(v[i + 1].cp))
			v[i].cp = '_';
		else if (i + 1 == n || (!is_alnum(v[i + 1].cp) && !is_mask(v[i + 1].cp)))
			v[i].cp = '_';
	}
}

/* Emphasis around a word ("*döda*", "___döda___") is no part of it: a
 * run of '_' (before the masks are made) or of '*' (after: the masks
 * inside words are '_' by then) at the edge of a word, with a letter or
 * digit on one side only, becomes white space, so the word is found
 * between spaces. */
static void step_emphasis(struct elv *ev, uint32_t mark)
{
	struct el *v = ev->v;
	size_t n = ev->n;
	for (size_t i = 0; i < n;) {
		if (v[i].cp != mark) {
			i++;
			continue;
		}
		size_t j = i;
		while (j < n && v[j].cp == mark)
			j++;
		int before = i > 0 && is_alnum(v[i - 1].cp), after = j < n && is_alnum(v[j].cp);
		if (before != after) /* at a word's edge; "5 * 3" stays */
			for (size_t k = i; k < j; k++)
				v[k].cp = ' ';
		i = j;
	}
}

/* A letter written twice where no Swedish or English word doubles it:
 * "a", "i", "u", "y" ("skjutaa", "kiill", "slaa" for slå), or two letters
 * folded from non-ASCII characters ("dööda", "bräänna"), which no word
 * doubles either.  "oo" and "ee" stay (good, need). */
static int stretched_double(const char *orig, const struct el *v, size_t i)
{
	uint32_t c = v[i].cp, len = v[i].oe - v[i].os;
	if (c != v[i + 1].cp)
		return 0;
	if (len == 1 && v[i + 1].oe - v[i + 1].os == 1)
		return c == 'a' || c == 'i' || c == 'u' || c == 'y';
	/* the same non-ASCII character twice ("öö"; "åä" are two letters) */
	return is_letter(c) && len > 1 && v[i + 1].oe - v[i + 1].os == len &&
	       v[i].os != v[i + 1].os && memcmp(orig + v[i].os, orig + v[i + 1].os, len) == 0;
}

/* Step 4: runs of three or more identical letters become one, and so do
 * the doubles of stretched_double(). */
static void step_collapse_runs(const char *orig, struct elv *ev)
{
	struct el *v = ev->v;
	size_t n = ev->n, w = 0, first = n;
	/* Most texts have no such run: find the first one before copying. */
	for (size_t i = 0; i + 1 < n; i++)
		if (v[i].cp == v[i + 1].cp && (i == 0 || v[i - 1].cp != v[i].cp) &&
		    ((i + 2 < n && v[i].cp == v[i + 2].cp && is_letter(v[i].cp)) ||
		     stretched_double(orig, v, i))) {
			first = i;
			break;
		}
	if (first == n)
		return;
	w = first;
	for (size_t i = first; i < n;) {
		size_t j = i + 1;
		while (j < n && v[j].cp == v[i].cp)
			j++;
		if ((j - i >= 3 && is_letter(v[i].cp)) ||
		    (j - i == 2 && stretched_double(orig, v, i))) {
			v[w] = v[i];
			v[w].oe = v[j - 1].oe;
			w++;
		} else {
			for (size_t k = i; k < j; k++)
				v[w++] = v[k];
		}
		i = j;
	}
	ev->n = w;
}

/* Step 5: whitespace runs become one space; the text is trimmed. */
static void step_spaces(struct elv *ev, int keep_lead)
{
	struct el *v = ev->v;
	size_t n = ev->n, w = 0, i = 0;
	/* A prefix of non-space characters and single ' ' between them stays
	 * as it is. */
	while (i < n && (!is_space(v[i].cp) ||
	                 (v[i].cp == ' ' && i > 0 && i + 1 < n && !is_space(v[i + 1].cp))))
		i++;
	w = i;
	while (i < n) {
		if (!is_space(v[i].cp)) {
			v[w++] = v[i++];
			continue;
		}
		size_t j = i;
		while (j < n && is_space(v[j].cp))
			j++;
		if ((w > 0 || keep_lead) && j < n) {
			v[w] = v[i];
			v[w].cp = ' ';
			v[w].oe = v[j - 1].oe;
			w++;
		}
		i = j;
	}
	ev->n = w;
}

/* What the steps after decoding will have to do (needs()). */
enum {
	NEED_LEET = 1u << 0,     /* a leetspeak character */
	NEED_JOIN = 1u << 1,     /* a single letter followed by a separator */
	NEED_RUNS = 1u << 2,     /* a character twice in a row */
	NEED_SPACES = 1u << 3,   /* white space other than single ' ' between words */
	NEED_NONASCII = 1u << 4, /* a code point above 0x7F */
};

/* One pass over the decoded text instead of one per step: most comments
 * need none of the steps, which then cost nothing.  Conservative: a flag
 * set for a step that then changes nothing is only time. */
static unsigned needs(const struct elv *ev)
{
	const struct el *v = ev->v;
	const size_t n = ev->n;
	unsigned f = 0;
	/* alnum classes of the two characters before v[i]: 1 letter, 2 digit */
	int c2 = 0, c1 = 0;
	uint32_t prev = UINT32_MAX, prev2 = UINT32_MAX;
	if (n && (is_space(v[0].cp) || is_space(v[n - 1].cp)))
		f |= NEED_SPACES;
	for (size_t i = 0; i < n; i++) {
		const uint32_t cp = v[i].cp;
		int c;
		if (cp < 0x80) {
			c = ascii_cls[cp];
			if (ascii_leet[cp])
				f |= NEED_LEET;
			if ((ascii_sep[cp] & A_SPACE) && cp != ' ')
				f |= NEED_SPACES;
		} else {
			c = norm_is_letter(cp) ? 1 : 0;
			f |= NEED_NONASCII;
			if (is_space(cp))
				f |= NEED_SPACES;
		}
		/* what step_collapse_runs() collapses: three in a row, or
		 * a double of stretched_double() (a, i, u, y, or folded from
		 * a character of more than one byte); two spaces */
		if (i && cp == prev) {
			if (cp == prev2 || cp == 'a' || cp == 'i' || cp == 'u' || cp == 'y' ||
			    v[i].oe - v[i].os > 1 || v[i - 1].oe - v[i - 1].os > 1)
				f |= NEED_RUNS;
			if (cp == ' ')
				f |= NEED_SPACES;
		}
		/* v[i - 1] a single letter (non-alnum or nothing on both
		 * sides) and v[i] a separator */
		if (c1 == 1 && c2 == 0 && c == 0 && is_letter_sep(cp))
			f |= NEED_JOIN;
		c2 = c1;
		c1 = c;
		prev2 = prev;
		prev = cp;
	}
	return f;
}

static int every_step;

void normalize_every_step(int on)
{
	every_step = on;
}

static int grow(void **p, size_t *cap, size_t need, size_t size)
{
	if (*p && *cap >= need)
		return 0;
	void *np = realloc(*p, need * size);
	if (!np)
		return -ENOMEM;
	*p = np;
	*cap = need;
	return 0;
}

/* The fast path (direct()): code points of two bytes, U+0080-U+07FF, that
 * fold to one ASCII character (`ä` -> `a`, `É` -> `e`) and are neither
 * marks, invisible, pictographs nor white space: that character, else 0. */
static uint8_t fold2[0x800 - 0x80];
static pthread_once_t fold2_once = PTHREAD_ONCE_INIT;

static void fold2_init(void)
{
	for (uint32_t cp = 0x80; cp < 0x800; cp++) {
		char f[8];
		if (is_combining(cp) || is_invisible(cp) || is_pictograph(cp) || is_space(cp))
			continue;
		if (norm_fold_cp(cp, f) == 1 && (unsigned char)f[0] < 0x80 && f[0] != '\0')
			fold2[cp - 0x80] = (uint8_t)f[0];
	}
}

/* The end of a run of one character in direct()'s output, which starts
 * at output index ro and holds n characters (the last at o - 1): what
 * step_collapse_runs() makes of it.  Returns the new output length. */
static size_t end_long_run(const char *orig, struct norm_text *nt, size_t ro, size_t n, size_t o)
{
	const unsigned c = (unsigned char)nt->s[ro];
	if (n >= 3 && ascii_cls[c] == 1) {
		nt->oend[ro] = nt->oend[o - 1];
		return ro + 1;
	}
	if (n != 2)
		return o;
	/* stretched_double() */
	const uint32_t l0 = nt->oend[ro] - nt->ostart[ro],
	               l1 = nt->oend[ro + 1] - nt->ostart[ro + 1];
	int stretched;
	if (l0 == 1 && l1 == 1)
		stretched = c == 'a' || c == 'i' || c == 'u' || c == 'y';
	else
		stretched = ascii_cls[c] == 1 && l0 > 1 && l0 == l1 &&
		            nt->ostart[ro] != nt->ostart[ro + 1] &&
		            memcmp(orig + nt->ostart[ro], orig + nt->ostart[ro + 1], l0) == 0;
	if (!stretched)
		return o;
	nt->oend[ro] = nt->oend[ro + 1];
	return ro + 1;
}

/* end_long_run() for a run of any length: most runs are one character,
 * which nothing changes (a call for each was about 2 % of a scan). */
static inline size_t end_run(const char *orig, struct norm_text *nt, size_t ro, size_t n, size_t o)
{
	return n < 2 ? o : end_long_run(orig, nt, ro, n, o);
}

/* The two bytes before q are ASCII letters or digits. */
static int ascii_word2(const unsigned char *q)
{
	return q[-1] < 0x80 && q[-2] < 0x80 && ascii_cls[q[-1]] && ascii_cls[q[-2]];
}

/* Most comments need neither leetspeak folding, letters joined, masks nor
 * emphasis (needs()), and their characters are ASCII, two-byte letters
 * that fold to one ASCII letter, pictographs and invisibles.  For those,
 * decode, fold, collapse stretched letters and white space in one pass
 * over the bytes, writing the normalised text and its map at once, without
 * the element array: the result is the general path's (test-normalize.c
 * compares them).
 *
 * A text can switch between this and the general path at a *seam*: white
 * space after a word of two or more ASCII letters or digits.  No step looks
 * across a seam (a chain of single letters cannot cross the word, a run of
 * equal characters cannot cross the space, and on both sides every step
 * sees a word's edge), so the general path run on the part between two
 * seams, keeping its leading white space, gives what it gives on the whole
 * text.
 *
 * Runs from input byte `pos` and output byte *o_io: from the start of the
 * text (resume 0) or from a seam (resume 1: the two characters before are
 * ASCII letters or digits).  Returns 1 when it reached the end (nt done),
 * 0 when a character needs the general path: then *ret_seam and
 * *ret_seam_o are the last seam at or after pos (or pos and *o_io) and
 * *ret_bail that character's offset. */
static int direct(const char *orig, size_t len, struct norm_text *nt, size_t pos, size_t *o_io,
                  int resume, size_t *ret_seam, size_t *ret_seam_o, size_t *ret_bail)
{
	const unsigned char *p = (const unsigned char *)orig;
	char *s = nt->s;
	uint32_t *os = nt->ostart, *oe = nt->oend;
	/* needs(), on the decoded characters: the classes of the two before
	 * (1 letter, 2 digit, 0 neither), the separators right before the
	 * current character, and where the last single letter followed by a
	 * separator was (index k of the decoded characters) */
	int c2 = 0, c1 = 0, in_leet = 0, lead = 0;
	size_t k = 2, seps = 0, seps_before_prev = 0, last_single = SIZE_MAX;
	/* the run of equal characters the output ends with (step 4): where
	 * it starts and how long it is; none after a space */
	size_t o = *o_io, ro = 0, rn = 0;
	/* letters and digits in a row before the current character */
	size_t wordlen = 0;
	size_t i = pos;
	if (resume) {
		const unsigned b1 =
		        p[pos - 1] | (p[pos - 1] >= 'A' && p[pos - 1] <= 'Z' ? 0x20u : 0);
		c2 = ascii_cls[p[pos - 2]];
		c1 = ascii_cls[b1];
		in_leet = ascii_leet[b1] != 0;
		wordlen = 2;
	}
	*ret_seam = pos;
	*ret_seam_o = o;
	while (i < len) {
		unsigned c;
		const size_t at = i;
		if (p[i] < 0x80) {
			c = p[i];
			c = c >= 'A' && c <= 'Z' ? c | 0x20u : c;
			i++;
		} else if (p[i] >= 0xC2 && p[i] <= 0xDF && i + 1 < len &&
		           (p[i + 1] & 0xC0) == 0x80 &&
		           fold2[(((uint32_t)(p[i] & 0x1F) << 6) | (p[i + 1] & 0x3F)) - 0x80]) {
			c = fold2[(((uint32_t)(p[i] & 0x1F) << 6) | (p[i + 1] & 0x3F)) - 0x80];
			i += 2;
		} else {
			size_t q = i;
			uint32_t cp = utf8_next(orig, len, &q);
			if (is_invisible(cp)) {
				i = q; /* dropped, as step 1 drops it */
				continue;
			}
			if (!is_pictograph(cp))
				goto bail;
			c = ' '; /* a pictograph is white space */
			i = q;
		}
		const int cls = ascii_cls[c];
		if (cls == 1) {
			/* a letter, most characters: what the checks below
			 * come to for one (no space, separator, leetspeak,
			 * emphasis or mask; a single letter is seen at the
			 * separator after it), and for the ASCII letters right
			 * after it, the rest of the word, in a loop of their
			 * own */
			if (lead)
				goto bail;
			in_leet = 0;
			seps_before_prev = seps;
			seps = 0;
			c2 = c1;
			c1 = 1;
			/* the run's character is kept in a register (256: no
			 * run), the word's letters counted once at its end */
			unsigned runc = rn ? (unsigned char)s[ro] : 256u;
			size_t from = at, nl = 0;
			for (;;) {
				nl++;
				if (c == runc) {
					rn++;
				} else {
					o = end_run(orig, nt, ro, rn, o);
					ro = o;
					rn = 1;
					runc = c;
				}
				s[o] = (char)c;
				os[o] = (uint32_t)from;
				oe[o] = (uint32_t)i;
				o++;
				if (i >= len || !ascii_letter[p[i]])
					break;
				c = p[i] | 0x20u;
				from = i++;
			}
			wordlen += nl;
			k += nl;
			if (nl > 1) {
				seps_before_prev = 0; /* seps after a letter */
				c2 = 1;
			}
			continue;
		}
		const int sep = ascii_sep[c] & A_LETTER_SEP;
		const int space = ascii_sep[c] & A_SPACE;
		if (space && wordlen >= 2 && p[at] < 0x80 && at >= 2 && ascii_word2(p + at)) {
			/* a seam: what is written so far is final */
			if (rn) {
				o = end_run(orig, nt, ro, rn, o);
				rn = 0;
			}
			*ret_seam = at;
			*ret_seam_o = o;
		}
		wordlen = cls ? wordlen + 1 : 0;
		if (c == '_' || c == '*' || (c == '#' && c1 == 1))
			goto bail; /* emphasis, a mask */
		/* step 2 folds a run of leetspeak characters after a letter,
		 * or one of leading_leet() alone before a letter */
		if (lead && cls == 1)
			goto bail;
		lead = 0;
		if (ascii_leet[c] && !in_leet) {
			if (c1 == 1)
				goto bail;
			lead = c1 == 0 && leading_leet(c);
		}
		in_leet = ascii_leet[c] != 0;
		/* a single letter followed by a separator: a chain of them
		 * (step 3) needs two within three separators of each other */
		if (c1 == 1 && c2 == 0 && cls == 0 && sep) {
			if (last_single != SIZE_MAX && seps_before_prev >= 1 &&
			    seps_before_prev <= 3 && last_single + seps_before_prev + 1 == k - 1)
				goto bail;
			last_single = k - 1;
		}
		seps_before_prev = seps;
		seps = sep ? seps + 1 : 0;
		c2 = c1;
		c1 = cls;
		k++;
		if (space) {
			/* step 5: white space runs become one space */
			if (rn) {
				o = end_run(orig, nt, ro, rn, o);
				rn = 0;
			}
			if (o && s[o - 1] == ' ') {
				oe[o - 1] = (uint32_t)i;
				continue;
			}
			if (o == 0)
				continue; /* leading */
			s[o] = ' ';
			os[o] = (uint32_t)at;
			oe[o] = (uint32_t)i;
			o++;
			continue;
		}
		if (rn && (unsigned char)s[ro] == c) {
			rn++;
		} else {
			if (rn)
				o = end_run(orig, nt, ro, rn, o);
			ro = o;
			rn = 1;
		}
		s[o] = (char)c;
		os[o] = (uint32_t)at;
		oe[o] = (uint32_t)i;
		o++;
		continue;
	bail:
		*ret_bail = at;
		return 0;
	}
	if (rn)
		o = end_run(orig, nt, ro, rn, o);
	if (o && s[o - 1] == ' ')
		o--; /* trailing */
	s[o] = '\0';
	os[o] = oe[o] = (uint32_t)len;
	nt->len = o;
	nt->orig_len = len;
	*o_io = o;
	return 1;
}

/* The first seam after offset `from` (white space after two ASCII
 * letters or digits), or len. */
static size_t next_seam(const char *orig, size_t len, size_t from)
{
	const unsigned char *p = (const unsigned char *)orig;
	for (size_t j = from + 1; j < len; j++)
		if (p[j] < 0x80 && (ascii_sep[p[j]] & A_SPACE) && j >= 2 && ascii_word2(p + j))
			return j;
	return len;
}

/* The general path: every step on the element array, for orig[0, len),
 * which is the original from byte base_i on; the output goes to nt from
 * byte base_o on (what is before it is kept), its map offset by base_i. */
static int general(const char *orig, size_t len, struct norm_text *nt, size_t base_o,
                   uint32_t base_i, int keep_lead)
{
	struct elv ev = { 0 };
	int r;

	/* one element per input byte is enough unless folding expands */
	if (grow(&nt->work, &nt->work_cap, len + 16, sizeof(struct el)) < 0)
		return -ENOMEM;
	ev.v = nt->work;
	ev.cap = nt->work_cap;
	r = step_decode_fold(orig, len, &ev);
	/* elv_push() may have moved the buffer, even on failure */
	nt->work = ev.v;
	nt->work_cap = ev.cap;
	if (r < 0)
		return r;
	/* The steps that have something to do (needs()); after one that
	 * changed the text every later step runs, as it always did. */
	const unsigned need = needs(&ev);
	int all = every_step;
	if (need & NEED_LEET) {
		step_leet(&ev);
		all = 1;
	}
	if (all || (need & NEED_JOIN)) {
		size_t n0 = ev.n;
		step_join_letters(&ev);
		all |= ev.n != n0; /* a chain joined drops its separators */
	}
	/* Most comments have no '_', '*' or '#': skip the passes that look
	 * for them (memchr() is much cheaper than a pass over the elements) */
	int under = memchr(orig, '_', len) != NULL, star = memchr(orig, '*', len) != NULL;
	if (under)
		step_emphasis(&ev, '_');
	int masks = star || memchr(orig, '#', len) != NULL;
	if (masks)
		step_masks(&ev);
	if (star)
		step_emphasis(&ev, '*');
	all |= under || star;
	if ((need & (NEED_LEET | NEED_JOIN)) || under || masks)
		nt->traced = 1;
	if (all || (need & NEED_RUNS))
		step_collapse_runs(orig, &ev);
	if (all || (need & NEED_SPACES))
		step_spaces(&ev, keep_lead);

	size_t bytes = 0;
	char tmp[4];
	if (!(need & NEED_NONASCII))
		bytes = ev.n; /* no step makes a code point above 0x7F */
	else
		for (size_t i = 0; i < ev.n; i++)
			bytes += ev.v[i].cp < 0x80 ? 1 : utf8_encode(ev.v[i].cp, tmp);
	bytes += base_o;
	if (!nt->s || !nt->ostart || !nt->oend || nt->cap < bytes + 1) {
		size_t c1 = nt->cap, c2 = nt->cap, c3 = nt->cap;
		void *s = nt->s, *os = nt->ostart, *oe = nt->oend;
		int g = grow(&s, &c1, bytes + 1, 1);
		nt->s = s;
		g |= grow(&os, &c2, bytes + 1, sizeof(uint32_t));
		nt->ostart = os;
		g |= grow(&oe, &c3, bytes + 1, sizeof(uint32_t));
		nt->oend = oe;
		if (g < 0)
			return -ENOMEM;
		nt->cap = bytes + 1;
	}
	size_t o = base_o;
	for (size_t i = 0; i < ev.n; i++) {
		if (ev.v[i].cp < 0x80) {
			nt->s[o] = (char)ev.v[i].cp;
			nt->ostart[o] = ev.v[i].os + base_i;
			nt->oend[o] = ev.v[i].oe + base_i;
			o++;
			continue;
		}
		size_t k = utf8_encode(ev.v[i].cp, nt->s + o);
		for (size_t b = 0; b < k; b++) {
			nt->ostart[o + b] = ev.v[i].os + base_i;
			nt->oend[o + b] = ev.v[i].oe + base_i;
		}
		o += k;
	}
	nt->s[o] = '\0';
	nt->ostart[o] = nt->oend[o] = (uint32_t)len + base_i;
	nt->len = o;
	nt->orig_len = len + base_i;
	return 0;
}

/* Room for the fast path to write the rest of the text from output byte
 * o on (one byte per input byte at most), keeping what is written. */
static int reserve(struct norm_text *nt, size_t need)
{
	if (nt->s && nt->ostart && nt->oend && nt->cap >= need)
		return 0;
	size_t c1 = nt->cap, c2 = nt->cap, c3 = nt->cap;
	void *s = nt->s, *os = nt->ostart, *oe = nt->oend;
	int g = grow(&s, &c1, need, 1);
	nt->s = s;
	g |= grow(&os, &c2, need, sizeof(uint32_t));
	nt->ostart = os;
	g |= grow(&oe, &c3, need, sizeof(uint32_t));
	nt->oend = oe;
	if (g < 0)
		return -ENOMEM;
	nt->cap = need;
	return 0;
}

int normalize_text_reuse(const char *orig, size_t len, struct norm_text *nt)
{
	if (len > UINT32_MAX)
		return -EINVAL;
	nt->len = 0;
	nt->traced = 0;
	if (every_step) {
		int r = general(orig, len, nt, 0, 0, 0);
		if (r < 0)
			nt->len = 0;
		return r;
	}
	pthread_once(&fold2_once, fold2_init);
	/* The fast path up to a character it cannot take, the general path
	 * from the seam before it to the first seam after it, the fast path
	 * again from there. */
	size_t pos = 0, o = 0;
	int resume = 0;
	for (;;) {
		size_t seam, seam_o, bail;
		if (reserve(nt, o + (len - pos) + 1) < 0)
			return -ENOMEM;
		if (direct(orig, len, nt, pos, &o, resume, &seam, &seam_o, &bail))
			return 0;
		size_t end = next_seam(orig, len, bail);
		int r = general(orig + seam, end - seam, nt, seam_o, (uint32_t)seam, seam > 0);
		if (r < 0) {
			nt->len = 0;
			return r;
		}
		if (end == len) {
			nt->orig_len = len;
			return 0;
		}
		o = nt->len;
		pos = end;
		resume = 1;
	}
}

int normalize_text(const char *orig, size_t len, struct norm_text *ret)
{
	struct norm_text nt = { 0 };
	int r = normalize_text_reuse(orig, len, &nt);
	if (r < 0) {
		norm_text_free(&nt);
		return r;
	}
	/* the result owns s/ostart/oend only, as before */
	free(nt.work);
	nt.work = NULL;
	nt.work_cap = 0;
	*ret = nt;
	return 0;
}

void norm_text_free(struct norm_text *nt)
{
	if (!nt)
		return;
	free(nt->s);
	free(nt->ostart);
	free(nt->oend);
	free(nt->work);
	memset(nt, 0, sizeof(*nt));
}

void norm_span_to_orig(const struct norm_text *nt, size_t s, size_t e, size_t *ret_start,
                       size_t *ret_end)
{
	if (s > nt->len)
		s = nt->len;
	if (e > nt->len)
		e = nt->len;
	if (e <= s) {
		*ret_start = *ret_end = nt->ostart[s];
		return;
	}
	*ret_start = nt->ostart[s];
	*ret_end = nt->oend[e - 1];
}
