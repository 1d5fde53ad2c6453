/* De-obfuscation against the rules' vocabulary (deobf.h). */
#include "filter/deobf.h"

#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "filter/hash.h"

/* DEOBF_LEAD's length */
#define LEADLEN (sizeof(DEOBF_LEAD) - 1)

/* Longest word looked up; longer words are left alone. */
#define MAXW 32

/* Words too common to be in a lexicon that obfuscated threats and hate
 * are made of; only for cutting chains and resolving masked words. */
/* clang-format off */
static const char *const function_words_sv[] = {
	"jag",  "du",    "dig",    "mig", "ska",  "skall", "att",   "er",   "ni",   "dom",
	"de",   "dem",   "vi",     "oss", "han",  "hon",   "hen",   "den",  "det",  "din",
	"ditt", "dina",  "era",    "ert", "min",  "mitt",  "som",   "och",  "i",    "pa",
	"med",  "ut",    "till",   "for", "av",   "nar",   "nu",    "alla", "allt", "ar",
	"blir", "bli",   "kommer", "kan", "vill", "har",   "hela",  "hem",  "en",   "ett",
	"inte", "javla", "fan",    "dar", "var",  "bor",   "ihjal", "sig",  "sin",  "sitt",
};
/* Profanity, masked as often as threats: a masked word that fits one of
 * these as well as a lexicon word is a tie, and stays (both are words
 * obfuscation hides: vword.masked). */
static const char *const profanity_sv[] = {
	"skit", "skiten", "javlar", "javligt", "helvete", "fitta", "kuk", "satan", "jakla",
	"jaklar",
};
static const char *const function_words_en[] = {
	"i",  "you",  "u",      "your",     "we",   "they", "them",  "he",    "she",   "it",  "the",
	"a",  "an",   "all",    "will",     "ill",  "im",   "gonna", "going", "to",    "and", "are",
	"be", "must", "should", "go",       "home", "out",  "my",    "me",    "get",   "is",  "of",
	"in", "on",   "at",     "yourself", "back", "die",  "dead",  "kill",  "shoot", "am",  "ur",
};
static const char *const profanity_en[] = {
	"fuck", "fucking", "fucked", "shit", "shitty", "bitch", "damn", "hell", "crap", "ass",
	"asshole", "bullshit", "dick", "piss", "pissed", "bloody",
};
/* clang-format on */

struct vword {
	const char *s;
	uint8_t len;
	uint8_t lex;    /* from a lexicon (not only a function word) */
	uint8_t lang;   /* LANG_SV | LANG_EN: the lexicons' or lists' language */
	uint8_t masked; /* of four letters or more, alone on a line of a
	                 * `%masked` lexicon: a word obfuscation hides (kill,
	                 * morda, bomb) */
};

enum { LANG_SV = 1, LANG_EN = 2 };

struct deobf_vocab {
	char *blk;
	struct vword *w; /* sorted by length, then bytes */
	size_t n;
	size_t bylen[MAXW + 2]; /* words of length L: w[bylen[L], bylen[L + 1]) */
	uint32_t *ht;           /* index + 1, 0 empty */
	size_t hmask;
	/* pairs of words side by side in a lexicon phrase (`i en kista`,
	 * `kasta ut`), as pair_hash() values, 0 empty: what a tie reads */
	uint32_t *pairs;
	size_t pmask;
};

/* A pair of words as a nonzero 32-bit value. */
static uint32_t pair_hash(const char *a, size_t la, const char *b, size_t lb)
{
	uint64_t h = filter_hash_bytes(b, lb, filter_hash_bytes(a, la, 0x9e3779b97f4a7c15u));
	return (uint32_t)(h ^ (h >> 32)) | 1u;
}

static int has_pair(const struct deobf_vocab *v, const char *a, size_t la, const char *b, size_t lb)
{
	if (!v->pairs || !la || !lb)
		return 0;
	const uint32_t h = pair_hash(a, la, b, lb);
	for (size_t i = h & v->pmask;; i = (i + 1) & v->pmask) {
		if (v->pairs[i] == h)
			return 1;
		if (!v->pairs[i])
			return 0;
	}
}

static long find(const struct deobf_vocab *v, const char *s, size_t n)
{
	if (!v->ht || n == 0 || n > MAXW)
		return -1;
	for (size_t i = filter_hash_bytes(s, n, 0) & v->hmask;; i = (i + 1) & v->hmask) {
		uint32_t k = v->ht[i];
		if (!k)
			return -1;
		const struct vword *w = &v->w[k - 1];
		if (w->len == n && memcmp(w->s, s, n) == 0)
			return (long)(k - 1);
	}
}

int deobf_vocab_has(const struct deobf_vocab *v, const char *w, size_t len)
{
	return find(v, w, len) >= 0;
}

static int plain_word(const char *s, size_t n)
{
	if (n == 0 || n > MAXW)
		return 0;
	for (size_t i = 0; i < n; i++)
		if (s[i] < 'a' || s[i] > 'z')
			return 0;
	return 1;
}

static int cmp_vword(const void *a, const void *b)
{
	const struct vword *x = a, *y = b;
	if (x->len != y->len)
		return x->len < y->len ? -1 : 1;
	int c = memcmp(x->s, y->s, x->len);
	if (c)
		return c;
	return 0;
}

/* The table of pairs of words side by side in a phrase of the block
 * (lexicon_words_dir(): an empty entry ends a phrase). */
static int build_pairs(struct deobf_vocab *v, const char *blk, size_t len, size_t max)
{
	size_t hc = 16, np = 0;
	while (hc < 2 * max)
		hc *= 2;
	v->pairs = calloc(hc, sizeof(*v->pairs));
	if (!v->pairs)
		return -ENOMEM;
	v->pmask = hc - 1;
	const char *prev = NULL;
	size_t plen = 0;
	for (size_t i = 0; i < len;) {
		size_t l = strlen(blk + i);
		if (plain_word(blk + i, l)) {
			if (prev && np < max) {
				uint32_t h = pair_hash(prev, plen, blk + i, l);
				size_t k = h & v->pmask;
				while (v->pairs[k] && v->pairs[k] != h)
					k = (k + 1) & v->pmask;
				np += !v->pairs[k];
				v->pairs[k] = h;
			}
			prev = blk + i;
			plen = l;
		} else {
			prev = NULL; /* a phrase's end, a file's tag, a word not read */
		}
		i += l + 1;
	}
	return 0;
}

int deobf_vocab_new(const char *words, size_t len, struct deobf_vocab **ret)
{
	struct deobf_vocab *v = calloc(1, sizeof(*v));
	const size_t nsv = sizeof(function_words_sv) / sizeof(function_words_sv[0]);
	const size_t nen = sizeof(function_words_en) / sizeof(function_words_en[0]);
	const size_t npsv = sizeof(profanity_sv) / sizeof(profanity_sv[0]);
	const size_t npen = sizeof(profanity_en) / sizeof(profanity_en[0]);
	const size_t nf = nsv + nen + npsv + npen;
	uint8_t lang = 0, masked = 0;
	int line_start = 1; /* the entry before was a phrase's end or a tag */
	size_t cap = nf;
	if (!v)
		return -ENOMEM;
	for (size_t i = 0; i < len; i++)
		cap += words[i] == '\0';
	v->blk = malloc(len + 1);
	v->w = malloc((cap + 1) * sizeof(*v->w));
	if (!v->blk || !v->w)
		goto nomem;
	if (len)
		memcpy(v->blk, words, len);
	v->blk[len] = '\0';
	for (size_t i = 0; i < len;) {
		size_t l = strlen(v->blk + i);
		/* a word alone on its line: the next entry ends the phrase */
		const int alone = line_start && (i + l + 1 >= len || v->blk[i + l + 1] == '\0');
		line_start = l == 0 || v->blk[i] == '#';
		if (v->blk[i] == '#' && strcmp(v->blk + i, "#%masked") == 0) {
			masked = 1; /* the file's words are written masked */
		} else if (v->blk[i] == '#') {
			/* the language of the next file's words */
			lang = strcmp(v->blk + i, "#sv") == 0   ? LANG_SV
			       : strcmp(v->blk + i, "#en") == 0 ? LANG_EN
			                                        : 0;
			masked = 0;
		} else if (plain_word(v->blk + i, l)) {
			/* a phrase's words (`beat the shit out of`) are not
			 * what is masked */
			v->w[v->n++] = (struct vword){ v->blk + i, (uint8_t)l, 1, lang,
				                       (uint8_t)(masked && alone && l >= 4) };
		}
		i += l + 1;
	}
	if (build_pairs(v, v->blk, len, cap) < 0)
		goto nomem;
	for (size_t i = 0; i < nsv; i++)
		v->w[v->n++] =
		        (struct vword){ function_words_sv[i], (uint8_t)strlen(function_words_sv[i]),
			                0, LANG_SV, 0 };
	for (size_t i = 0; i < nen; i++)
		v->w[v->n++] =
		        (struct vword){ function_words_en[i], (uint8_t)strlen(function_words_en[i]),
			                0, LANG_EN, 0 };
	for (size_t i = 0; i < npsv; i++)
		v->w[v->n++] = (struct vword){ profanity_sv[i], (uint8_t)strlen(profanity_sv[i]), 0,
			                       LANG_SV, 1 };
	for (size_t i = 0; i < npen; i++)
		v->w[v->n++] = (struct vword){ profanity_en[i], (uint8_t)strlen(profanity_en[i]), 0,
			                       LANG_EN, 1 };
	qsort(v->w, v->n, sizeof(*v->w), cmp_vword);
	size_t u = 0;
	for (size_t i = 0; i < v->n; i++)
		if (!u || v->w[i].len != v->w[u - 1].len ||
		    memcmp(v->w[i].s, v->w[u - 1].s, v->w[i].len) != 0) {
			v->w[u++] = v->w[i];
		} else {
			v->w[u - 1].lex |= v->w[i].lex;
			v->w[u - 1].lang |= v->w[i].lang;
			v->w[u - 1].masked |= v->w[i].masked;
		}
	v->n = u;
	for (size_t L = 0, i = 0; L <= MAXW + 1; L++) {
		while (i < v->n && v->w[i].len < L)
			i++;
		v->bylen[L] = i;
	}
	size_t hc = 16;
	while (hc < 2 * v->n)
		hc *= 2;
	v->ht = calloc(hc, sizeof(*v->ht));
	if (!v->ht)
		goto nomem;
	v->hmask = hc - 1;
	for (size_t k = 0; k < v->n; k++) {
		size_t i = filter_hash_bytes(v->w[k].s, v->w[k].len, 0) & v->hmask;
		while (v->ht[i])
			i = (i + 1) & v->hmask;
		v->ht[i] = (uint32_t)(k + 1);
	}
	*ret = v;
	return 0;
nomem:
	deobf_vocab_free(v);
	return -ENOMEM;
}

void deobf_vocab_free(struct deobf_vocab *v)
{
	if (!v)
		return;
	free(v->blk);
	free(v->w);
	free(v->ht);
	free(v->pairs);
	free(v);
}

void deobf_scratch_free(struct deobf_scratch *sc)
{
	free(sc->s);
	free(sc->os);
	free(sc->oe);
	memset(sc, 0, sizeof(*sc));
}

/* ---- the gate ---- */

static int alpha(unsigned char c)
{
	return (c | 0x20) >= 'a' && (c | 0x20) <= 'z';
}

/* A letter ends before orig[i] (ASCII, or the last byte of a two-byte
 * Latin letter such as ö). */
static int letter_before(const unsigned char *p, size_t i)
{
	return i >= 1 && (alpha(p[i - 1]) || (i >= 2 && p[i - 2] == 0xC3 && p[i - 1] >= 0x80));
}

static int letter_at(const unsigned char *p, size_t len, size_t i)
{
	return i < len && (alpha(p[i]) || (p[i] == 0xC3 && i + 1 < len));
}

/* A character of `set` with a letter on both sides somewhere in the text
 * (`k!ll`), or, for the chain separators, a single letter before it. */
static int between_letters(const unsigned char *p, size_t len, unsigned char c, int single)
{
	const unsigned char *q = p;
	while ((q = memchr(q, c, len - (size_t)(q - p)))) {
		size_t i = (size_t)(q - p), r = 1;
		while (!single && r < 3 && i + r < len && p[i + r] == c)
			r++;
		if (letter_before(p, i) && letter_at(p, len, i + r)) {
			if (!single)
				return 1;
			size_t b = i >= 2 && p[i - 2] == 0xC3 ? i - 2 : i - 1;
			if (b == 0 || !(alpha(p[b - 1]) || p[b - 1] >= 0x80 ||
			                (p[b - 1] >= '0' && p[b - 1] <= '9')))
				return 1;
		}
		q++;
	}
	return 0;
}

/* Letters (ASCII or two-byte) that end before p[i] / start at p[i]. */
static size_t letters_back(const unsigned char *p, size_t i)
{
	size_t n = 0;
	while (i > 0 && n < 8) {
		if (alpha(p[i - 1]))
			i--;
		else if (i >= 2 && p[i - 2] == 0xC3 && p[i - 1] >= 0x80)
			i -= 2;
		else
			break;
		n++;
	}
	return n;
}

static size_t letters_fwd(const unsigned char *p, size_t len, size_t i)
{
	size_t n = 0;
	while (i < len && n < 8) {
		if (alpha(p[i]))
			i++;
		else if (p[i] == 0xC3 && i + 1 < len)
			i += 2;
		else
			break;
		n++;
	}
	return n;
}

/* The objects whose presence after a mark says the sentence goes on
 * (`mörd! dig`): the mark stood for a letter. */
static const char *const objects[] = { "dig", "er",  "honom", "henne", "hen",
	                               "dom", "dem", "alla",  "hela",  "you",
	                               "him", "her", "them",  "all",   "every" };
#define NOBJECTS (sizeof(objects) / sizeof(objects[0]))

/* An object after `mörd! ` (dig, er, honom, you ...), ASCII. */
static int object_word(const unsigned char *p, size_t len)
{
	for (size_t k = 0; k < NOBJECTS; k++) {
		size_t l = strlen(objects[k]);
		if (l <= len && memcmp(p, objects[k], l) == 0 && (l == len || !alpha(p[l])))
			return 1;
	}
	return 0;
}

/* A short word (one to seven letters) and an object after it from p[i]
 * (`örda dig`, after a mark before it). */
static int short_word_object(const unsigned char *p, size_t len, size_t i)
{
	size_t a = letters_fwd(p, len, i), e = i;
	if (a == 0 || a > 7)
		return 0;
	while (e < len && (alpha(p[e]) || p[e] >= 0x80))
		e++;
	return e + 1 < len && p[e] == ' ' && object_word(p + e + 1, len - e - 1);
}

/* `. ? + - %` for a letter: between letters (one to three of them; a dot
 * with one to seven letters before and after it, `m.rda`, `sprä.ga`, not
 * `stockholm.se`; a hyphen with seven letters or fewer on each side, and
 * three or fewer after one, so `a-kassan`, `e-post`, `Hässelby-Vällingby`
 * do not open the gate), before a short word and an object (`.örda dig`),
 * or after a word before an object (`mörd? dig`).  One memchr() pass over
 * each character. */
static int weak_mark(const unsigned char *p, size_t len, unsigned char c)
{
	for (const unsigned char *q = p; (q = memchr(q, c, len - (size_t)(q - p))); q++) {
		size_t i = (size_t)(q - p), r = 1;
		if (!letter_before(p, i)) {
			if (short_word_object(p, len, i + 1))
				return 1;
			continue;
		}
		if (i + 2 < len && p[i + 1] == ' ' && object_word(p + i + 2, len - i - 2))
			return 1;
		if (c == '.' || c == '-') {
			size_t b = letters_back(p, i), a = letters_fwd(p, len, i + 1);
			if (c == '.' && b <= 7 && a >= 1 && a <= 7 && a + b >= 3)
				return 1;
			if (c == '-' && b < 8 && a >= 1 && a < 8 && b + a >= 3 &&
			    (b >= 2 || a <= 3))
				return 1;
			continue;
		}
		while (r < 3 && i + r < len && p[i + r] == c)
			r++;
		if (letter_at(p, len, i + r))
			return 1;
	}
	return 0;
}

bool deobf_gate(const char *orig, size_t olen, const struct norm_text *nt)
{
	const unsigned char *p = (const unsigned char *)orig;
	if (nt->traced)
		return 1;
	if (between_letters(p, olen, '!', 0) || between_letters(p, olen, '|', 0) ||
	    between_letters(p, olen, ',', 1) || between_letters(p, olen, ':', 1) ||
	    between_letters(p, olen, ';', 1))
		return 1;
	for (const char *c = ".?+-%"; *c; c++)
		if (weak_mark(p, olen, (unsigned char)*c))
			return 1;
	/* a mask before a word (`*örda`, `!örda`; `#örda` and `@örda` are
	 * read only when something else opens the gate: hashtags and
	 * mentions are too common to pay for), or `!` after one before an
	 * object (`mörd! dig`) */
	static const char lead[] = "*!";
	for (const char *c = lead; *c; c++)
		for (const unsigned char *q = p; (q = memchr(q, *c, olen - (size_t)(q - p))); q++) {
			size_t i = (size_t)(q - p);
			if (letter_at(p, olen, i + 1) && !letter_before(p, i))
				return 1;
		}
	/* `#` or `@` before a short word and an object (`#örda dig`) */
	for (const char *c = "#@"; *c; c++)
		for (const unsigned char *q = p; (q = memchr(q, *c, olen - (size_t)(q - p))); q++) {
			size_t i = (size_t)(q - p);
			if (!letter_before(p, i) && short_word_object(p, olen, i + 1))
				return 1;
		}
	/* `rn` for `m` (`rnörda`) does not open the gate: looking for it
	 * cost an ordinary comment more than every other check together */
	for (const char *c = "!"; *c; c++)
		for (const unsigned char *q = p; (q = memchr(q, *c, olen - (size_t)(q - p))); q++) {
			size_t i = (size_t)(q - p);
			if (letter_before(p, i) && i + 2 < olen && p[i + 1] == ' ' &&
			    object_word(p + i + 2, olen - i - 2))
				return 1;
		}
	/* a four-byte pictograph or a three-byte mask (∗ •) inside a word */
	for (const unsigned char *q = p; (q = memchr(q, 0xF0, olen - (size_t)(q - p))); q++) {
		size_t i = (size_t)(q - p);
		if (letter_before(p, i) && letter_at(p, olen, i + 4))
			return 1;
	}
	for (const unsigned char *q = p; (q = memchr(q, 0xE2, olen - (size_t)(q - p))); q++) {
		size_t i = (size_t)(q - p);
		if (i + 2 < olen && letter_before(p, i) && letter_at(p, olen, i + 3))
			return 1;
	}
	return 0;
}

/* ---- words ---- */

enum { U_LIT, U_LEET, U_MASK };

struct unit {
	char c; /* the letter (U_LIT), the first reading (U_LEET) */
	uint8_t kind;
	uint8_t stretched; /* U_LIT: folded from a run of one letter (`uuuu`) */
	const char *alt;   /* U_LEET: the letters it may stand for */
	uint32_t p, np;    /* its bytes in the normalised text */
	uint32_t vos, voe; /* virt: its original bytes (a mask normalisation dropped) */
	uint8_t virt;
	uint8_t any;  /* U_LEET: a symbol (@ $ ! |) that may also hide any letter */
	uint8_t weak; /* U_MASK: `? + - %` (1) or `.` (2), mostly what they are */
};

/* Reading a symbol as a letter it does not look like (`$örda`: morda)
 * costs this much more: a reading without one always wins, and one with
 * it must be a lexicon word (resolve()). */
#define ANY_COST 64

/* One mask read as two letters (match_cost()): only for a lexicon word. */
#define DBL_COST 3

static uint32_t u_os(const struct norm_text *nt, const struct unit *u)
{
	return u->virt ? u->vos : nt->ostart[u->p];
}

static uint32_t u_oe(const struct norm_text *nt, const struct unit *u)
{
	return u->virt ? u->voe : nt->oend[u->p + u->np - 1];
}

/* A mask normalisation did not keep in the text: a '*' before a word
 * (`*örda`), a '.' inside one (`m.rda`). */
static struct unit virt_mask(uint32_t os, uint32_t oe)
{
	return (struct unit){ .c = '_', .kind = U_MASK, .vos = os, .voe = oe, .virt = 1 };
}

static const char at_alt[] = "aoeiuy";

static const char *leet_alt(unsigned char c)
{
	switch (c) {
	case '0':
		return "ou";
	case '1':
	case '!':
	case '|':
		return "il";
	case '3':
		return "e";
	case '4':
		return "a";
	case '5':
	case '$':
		return "s";
	case '6':
	case '9':
		return "g";
	case '7':
		return "t";
	case '8':
		return "b";
	case '@':
		/* mostly a or o, but any vowel (`k@la` for kula) */
		return at_alt;
	default:
		return NULL;
	}
}

static int is_digit(unsigned char c)
{
	return c >= '0' && c <= '9';
}

static int nt_letter(unsigned char c)
{
	return (c >= 'a' && c <= 'z') || c >= 0x80;
}

/* The unit of a letter at nt byte i: a leetspeak character normalisation
 * read as a letter when one original byte gave it (`d0da`). */
static inline void letter_unit(const char *orig, const struct norm_text *nt, size_t i,
                               struct unit *u)
{
	const unsigned char c = (unsigned char)nt->s[i];
	const uint32_t os = nt->ostart[i], span = nt->oend[i] - os;
	u->p = (uint32_t)i;
	u->np = 1;
	u->alt = NULL;
	u->virt = 0;
	u->any = 0;
	u->weak = 0;
	u->kind = U_LIT;
	u->c = (char)c;
	u->stretched = span > 2;
	if (span == 1) {
		unsigned char oc = (unsigned char)orig[os];
		const char *a = leet_alt(oc);
		if (a && (oc | 0x20) != c) {
			u->kind = U_LEET;
			u->alt = a;
			u->any = oc == '@' || oc == '$';
		}
	}
}

static size_t other_unit_at(const char *orig, const struct norm_text *nt, size_t i, struct unit *u);

/* The unit at nt byte i; returns its byte count, 0 when none starts there.
 * A letter, most units, inline; the rest out of line. */
static inline size_t unit_at(const char *orig, const struct norm_text *nt, size_t i, struct unit *u)
{
	const unsigned char c = (unsigned char)nt->s[i];
	if (c >= 'a' && c <= 'z') {
		letter_unit(orig, nt, i, u);
		return 1;
	}
	return other_unit_at(orig, nt, i, u);
}

/* unit_at() of a byte other than a letter. */
static size_t other_unit_at(const char *orig, const struct norm_text *nt, size_t i, struct unit *u)
{
	(void)orig;
	const unsigned char c = (unsigned char)nt->s[i];
	u->p = (uint32_t)i;
	u->np = 1;
	u->alt = NULL;
	u->stretched = 0;
	u->virt = 0;
	u->any = 0;
	u->weak = 0;
	if (is_digit(c) || c == '@' || c == '$' || c == '!' || c == '|') {
		const char *a = leet_alt(c);
		u->kind = U_LEET;
		u->alt = a ? a : "";
		u->c = a ? a[0] : '?';
		u->any = !is_digit(c);
		return 1;
	}
	if (c == '_' || c == '*' || c == '#') {
		u->kind = U_MASK;
		u->c = '_';
		return 1;
	}
	/* `? + - %` for a letter, only between letters (`m?rda`, `k-ll`,
	 * one to three of them; a dot alone: `sprä.ga`): elsewhere they are punctuation, a sign, a
	 * hyphen; what they make must be a lexicon word (resolve()) */
	if (c == '?' || c == '+' || c == '-' || c == '%' || c == '.') {
		/* one dot only (`hmm...ok`) */
		const size_t run = c == '.' ? 1 : 3;
		size_t b = i, e = i + 1;
		while (b > 0 && i - b < run - 1 && (unsigned char)nt->s[b - 1] == c)
			b--;
		while (e < nt->len && e - i < run && (unsigned char)nt->s[e] == c)
			e++;
		if (b > 0 && e < nt->len && nt_letter((unsigned char)nt->s[b - 1]) &&
		    nt_letter((unsigned char)nt->s[e])) {
			u->kind = U_MASK;
			u->c = '_';
			u->weak = c == '.' ? 2 : 1;
			return 1;
		}
		return 0;
	}
	/* ∗ (U+2217) and • (U+2022) written for a masked letter */
	if (c == 0xE2 && i + 2 < nt->len &&
	    (((unsigned char)nt->s[i + 1] == 0x88 && (unsigned char)nt->s[i + 2] == 0x97) ||
	     ((unsigned char)nt->s[i + 1] == 0x80 && (unsigned char)nt->s[i + 2] == 0xA2))) {
		u->kind = U_MASK;
		u->c = '_';
		u->np = 3;
		return 3;
	}
	return 0;
}

/* ! and | end a word unless a letter follows (`dig!!!`, `k!ll`). */
static int unit_ok_inside(const struct norm_text *nt, const struct unit *u)
{
	unsigned char c = (unsigned char)nt->s[u->p];
	if (c != '!' && c != '|')
		return 1;
	size_t j = u->p + 1;
	while (j < nt->len && j < u->p + 3 && (nt->s[j] == '!' || nt->s[j] == '|'))
		j++;
	return j < nt->len && nt->s[j] >= 'a' && nt->s[j] <= 'z';
}

/* The units of the word at nt byte i (a word character before it was
 * already consumed); returns how many, 0 when none. */
static size_t word_at(const char *orig, const struct norm_text *nt, size_t i, struct unit *u,
                      size_t max, size_t *ret_end)
{
	size_t n = 0, j = i;
	while (j < nt->len && n < max) {
		size_t k = unit_at(orig, nt, j, &u[n]);
		if (!k || !unit_ok_inside(nt, &u[n]))
			break;
		/* a word does not start with a mask or ! | (emphasis, `!!hej`) */
		if (n == 0 && u[0].kind != U_LIT && u[0].kind != U_LEET)
			break;
		if (n == 0 && (nt->s[j] == '!' || nt->s[j] == '|'))
			break;
		n++;
		j += k;
	}
	*ret_end = j;
	return n;
}

/* Cost of reading units u[0, n) as word w[0, wl), -1 when it cannot;
 * take[k] gets how many letters unit k reads (0 or 1).  hidden: w is a
 * word obfuscation hides (vword.masked), for which a leet character or
 * symbol read as any of its letters costs nothing (`k@ll` is kill as
 * much as koll: `@` hides a vowel the way `*` does). */
/* What match_cost() needs of units u[0, n) whichever word it reads them
 * as: resolve() finds it once for all the words it tries. */
struct units_info {
	size_t nmask;  /* masks among them */
	int stretched; /* one is a letter folded from a run */
};

static struct units_info units_info(const struct unit *u, size_t n)
{
	struct units_info ui = { 0, 0 };
	for (size_t k = 0; k < n; k++) {
		ui.nmask += u[k].kind == U_MASK;
		ui.stretched |= u[k].stretched;
	}
	return ui;
}

static int match_cost(const struct unit *u, size_t n, const struct units_info *ui, const char *w,
                      size_t wl, int flat, int hidden, uint8_t *take)
{
	/* one mask may read no letter (`dod_a` for a stretched `dööööd*a`):
	 * try every unit index for it, and the plain reading first */
	int best = -1;
	const int stretched = ui->stretched;
	const size_t nmask = ui->nmask;
	/* or one mask (or symbol) two letters (`sk*ta` for skjuta) */
	const int dbl = wl == n + 1;
	if (wl != n && !(wl + 1 == n && nmask) && !dbl)
		return -1;
	/* a word as long as the units skips none: only skip == n */
	for (size_t skip = wl == n ? n : 0; skip <= n; skip++) {
		if (wl + 1 == n && (skip == n || u[skip].kind != U_MASK))
			continue;
		if (dbl && (skip == n || !(u[skip].kind == U_MASK || u[skip].any) || u[skip].weak ||
		            (skip > 0 && u[skip - 1].kind == U_MASK) ||
		            (skip + 1 < n && u[skip + 1].kind == U_MASK)))
			continue;
		/* a mask in a word with a stretched letter is often no letter
		 * (`skjuuuut*a`); elsewhere reading nothing is a guess, and
		 * two letters too */
		int cost = dbl ? DBL_COST : skip < n ? (stretched ? 0 : 2) : 0;
		size_t j = 0, k;
		uint8_t t[MAXW + 1];
		for (k = 0; k < n; k++) {
			if (k == skip && !dbl) {
				t[k] = 0;
				continue;
			}
			char c = w[j++];
			t[k] = 1;
			if (k == skip) {
				/* the second letter the mask reads */
				t[k] = 2;
				cost += !strchr("aeiouy", w[j++]);
			}
			if (u[k].kind == U_LIT) {
				if (c != u[k].c)
					break;
			} else if (u[k].kind == U_LEET) {
				if (!c)
					break;
				if (strchr(u[k].alt, c))
					/* `@` is a or o as often (`spr@ng@`, `b@mb`) */
					cost += c != u[k].c && !(u[k].alt == at_alt && c == 'o') &&
					        !hidden;
				else if (u[k].any)
					cost += ANY_COST + !strchr("aeiouy", c);
				else
					break;
			} else {
				/* masks mostly hide vowels; a run of them
				 * (flat) hides whatever the middle is */
				cost += !flat && !strchr("aeiouy", c);
			}
		}
		if (k == n && (best < 0 || cost < best)) {
			best = cost;
			memcpy(take, t, n);
		}
	}
	return best;
}

/* The first of v->w[lo, hi) (words of one length) whose first letter is
 * c or after it. */
static size_t first_with(const struct deobf_vocab *v, size_t lo, size_t hi, char c)
{
	while (lo < hi) {
		size_t mid = lo + (hi - lo) / 2;
		if (v->w[mid].s[0] < c)
			lo = mid + 1;
		else
			hi = mid;
	}
	return lo;
}

/* The words on each side of a word in the text (letters only, empty
 * when there is none), which a tie is read against. */
struct near {
	const char *prev, *next;
	size_t plen, nlen;
};

/* Most words that fit equally well that a tie looks at; more is a guess. */
#define MAXTIE 32

/* Keep the tied words t[0, m) that pass (keep() 1) when some do; returns
 * how many are left. */
static size_t narrow(const struct deobf_vocab *v, long *t, size_t m, int what, int text_lang,
                     const struct near *nr)
{
	size_t k = 0;
	for (size_t i = 0; i < m; i++) {
		const struct vword *w = &v->w[t[i]];
		int keep = what == 0   ? nr && (has_pair(v, nr->prev, nr->plen, w->s, w->len) ||
                                              has_pair(v, w->s, w->len, nr->next, nr->nlen))
		           : what == 1 ? (w->lang & text_lang) != 0
		                       : w->masked;
		if (keep)
			t[k++] = t[i];
	}
	if (k == 0)
		return m; /* none passes: all stay (t[] is unchanged) */
	return k;
}

/* Of words that fit a masked word equally well, t[0, m) (in the
 * vocabulary's order), the one read, or -1.  Each step keeps the words
 * that pass it when some do: those that stand beside the text's word
 * before or after it in a lexicon phrase (`i en k_sta`: kista; `k_sta
 * ut`: kasta), those in the text's language (`b_rn` is barn in a
 * Swedish text, born or burn in an English one), and the words
 * obfuscation hides (burn, not born; kill, not koll).  One left is read;
 * several, when every one is a lexicon word, give the first (a rule
 * word whichever it was: muslims, moslems); else the tie changes
 * nothing.  Which words are read depends on the lexicons only through
 * the words that fit, their language, whether their lexicon is
 * `%masked` and the phrases around them: a word added to an unrelated
 * lexicon can win a tie only over words of its own rank. */
static long break_tie(const struct deobf_vocab *v, long *t, size_t m, int text_lang,
                      const struct near *nr)
{
	for (int what = 0; what < 3 && m > 1; what++)
		m = narrow(v, t, m, what, text_lang, nr);
	if (m == 1)
		return t[0];
	for (size_t i = 0; i < m; i++)
		if (!v->w[t[i]].lex)
			return -1;
	return t[0];
}

/* The one best vocabulary word for units u[0, n), or -1.  Words that
 * fit equally well are a tie, read by break_tie() (nr: the words beside
 * it in the text, or NULL). */
static long resolve(const struct deobf_vocab *v, const struct unit *u, size_t n, int text_lang,
                    const struct near *nr, uint8_t *take)
{
	size_t lit = 0, wild = 0, nmask = 0, weak = 0;
	for (size_t k = 0; k < n; k++) {
		weak += u[k].weak != 0;
		/* a dot in a short word is an abbreviation (`v.g.`, `t.ex`) */
		if (u[k].weak == 2 && n < 5)
			return -1;
		lit += u[k].kind == U_LIT;
		wild += u[k].kind != U_LIT;
		nmask += u[k].kind == U_MASK;
	}
	/* enough known letters that the word is more than a guess (`d16`
	 * has one, `d_` is too short to tell da, de, di and do apart) */
	if (wild == 0 || n < 3 || lit < 1 || n > MAXW)
		return -1;
	/* many masks (`m***a`, `n****r`, stars side by side that
	 * normalisation left: `f**k`) are read only between two known
	 * letters, in a word of five or more, as the one lexicon word that
	 * fits best: no tie, not even with a profanity (`f**k`: folk, fuck) */
	int crowded = wild > lit + 1 || nmask > lit;
	for (size_t k = 1; k < n; k++)
		if (u[k].kind == U_MASK && u[k - 1].kind == U_MASK && lit <= wild)
			crowded = 1;
	if (crowded &&
	    (n < 5 || lit < 2 || nmask > 2 * lit || u[0].kind == U_MASK || u[n - 1].kind == U_MASK))
		return -1;
	long tied[MAXTIE];
	size_t ntied = 0, nbest = 0;
	int bestc = -1;
	uint8_t t[MAXW + 1];
	size_t nany = 0;
	for (size_t k = 0; k < n; k++)
		nany += u[k].any;
	const size_t maxl = !crowded && (nmask || nany) && n >= 5 && n < MAXW ? n + 1 : n;
	const struct units_info ui = units_info(u, n);
	for (size_t L = nmask ? n - 1 : n; L <= maxl; L++) {
		/* words of one length are sorted: a known first letter narrows
		 * them to its range */
		size_t lo = v->bylen[L], hi = v->bylen[L + 1];
		if (u[0].kind == U_LIT) {
			lo = first_with(v, lo, hi, u[0].c);
			hi = first_with(v, lo, hi, (char)(u[0].c + 1));
		}
		for (size_t i = lo; i < hi; i++) {
			int c = match_cost(u, n, &ui, v->w[i].s, L, crowded, v->w[i].masked, t);
			if (c < 0 || (bestc >= 0 && c > bestc))
				continue;
			if (bestc < 0 || c < bestc) {
				bestc = c;
				ntied = nbest = 0;
			}
			nbest++;
			if (ntied < MAXTIE)
				tied[ntied++] = (long)i;
		}
	}
	if (bestc < 0)
		return -1;
	long best = -1;
	if (nbest == 1)
		best = tied[0];
	else if (!crowded && nbest <= MAXTIE)
		best = break_tie(v, tied, ntied, text_lang, nr);
	if (best < 0 || (crowded && !v->w[best].lex))
		return -1;
	/* a symbol read as a letter it does not look like, a mask read as
	 * two letters, a weak mask: only as one of the rules' words */
	if ((bestc >= ANY_COST || v->w[best].len > n || weak) && !v->w[best].lex)
		return -1;
	match_cost(u, n, &ui, v->w[best].s, v->w[best].len, crowded, v->w[best].masked, take);
	return best;
}

/* ---- output ---- */

struct out {
	struct deobf_scratch *sc;
	size_t base; /* where the reading starts (after the text and DEOBF_SEP) */
	size_t n;
	int changed;
	uint32_t used; /* the end of the original bytes the last word read read */
};

static void put(struct out *o, char c, uint32_t os, uint32_t oe)
{
	o->sc->s[o->n] = c;
	o->sc->os[o->n] = os;
	o->sc->oe[o->n] = oe;
	o->n++;
}

static void copy_bytes(struct out *o, const struct norm_text *nt, size_t a, size_t b)
{
	for (size_t i = a; i < b; i++)
		put(o, nt->s[i], nt->ostart[i], nt->oend[i]);
}

/* Segment the letters w[0, n) (all in the vocabulary's alphabet) into
 * vocabulary words: fewest pieces, a one-letter piece counting double.
 * cut[k] = 1 when a piece starts at k > 0.  Returns 1 when the pieces
 * are at least two and one of them is a lexicon word (below). */
static int segment(const struct deobf_vocab *v, const char *w, size_t n, uint8_t *cut)
{
	int best[MAXW * 2 + 1];
	uint8_t plen[MAXW * 2 + 1];
	if (n > MAXW * 2)
		return 0;
	best[0] = 0;
	for (size_t k = 1; k <= n; k++) {
		best[k] = -1;
		for (size_t l = k < MAXW ? k : MAXW; l >= 1; l--) {
			if (best[k - l] < 0 || find(v, w + k - l, l) < 0)
				continue;
			int c = best[k - l] + 1 + (l == 1);
			if (best[k] < 0 || c < best[k]) {
				best[k] = c;
				plen[k] = (uint8_t)l;
			}
		}
	}
	if (best[n] < 0)
		return 0;
	memset(cut, 0, n);
	size_t pieces = 0, singles = 0;
	int lex3 = 0, lex4 = 0;
	for (size_t k = n; k > 0; k -= plen[k]) {
		size_t s = k - plen[k];
		long f = find(v, w + s, plen[k]);
		int lex = f >= 0 && v->w[f].lex;
		lex3 |= lex && plen[k] == 3;
		lex4 |= lex && plen[k] >= 4;
		singles += plen[k] == 1;
		if (s > 0)
			cut[s] = 1;
		pieces++;
	}
	/* a lexicon word of four letters, or of three without one-letter
	 * pieces around it (`a ras it er` is no reading of `arasiter`) */
	return pieces >= 2 && (lex4 || (lex3 && !singles));
}

/* Emit the letters of units u[0, n) as text w, with spaces where cut[]
 * says (the space maps to the bytes between the two letters' sources). */
static void emit_cut(struct out *o, const struct norm_text *nt, const struct unit *u, size_t n,
                     const uint8_t *cut)
{
	for (size_t k = 0; k < n; k++) {
		uint32_t os = u_os(nt, &u[k]), oe = u_oe(nt, &u[k]);
		if (k && cut && cut[k]) {
			uint32_t pe = u_oe(nt, &u[k - 1]);
			put(o, ' ', pe, os > pe ? os : pe);
		}
		put(o, u[k].c, os, oe);
	}
}

/* Emit units u[0, n) read as w (take[] from match_cost()). */
static void emit_word(struct out *o, const struct norm_text *nt, const struct unit *u, size_t n,
                      const char *w, const uint8_t *take)
{
	size_t j = 0;
	for (size_t k = 0; k < n; k++) {
		uint32_t os = u_os(nt, &u[k]), oe = u_oe(nt, &u[k]);
		if (take[k]) {
			for (uint8_t m = 0; m < take[k]; m++)
				put(o, w[j++], os, oe);
		} else if (o->n > o->base + LEADLEN) {
			/* a mask that read no letter: its bytes go to the letter
			 * before it, so a highlight still covers them */
			if (o->sc->oe[o->n - 1] < oe)
				o->sc->oe[o->n - 1] = oe;
		}
		if (o->used < oe)
			o->used = oe;
	}
}

static int word_byte(unsigned char c)
{
	return (c >= 'a' && c <= 'z') || is_digit(c) || c >= 0x80 || c == '_' || c == '@' ||
	       c == '$';
}

/* Count of letters of u[0, n) whose source is not next to the one before
 * it (the separators normalisation dropped when it joined a chain). */
static size_t gaps(const struct norm_text *nt, const struct unit *u, size_t n)
{
	size_t g = 0;
	for (size_t k = 1; k < n; k++)
		g += u_os(nt, &u[k]) > u_oe(nt, &u[k - 1]);
	return g;
}

static int all_lit(const struct unit *u, size_t n)
{
	for (size_t k = 0; k < n; k++)
		if (u[k].kind != U_LIT)
			return 0;
	return 1;
}

static size_t letters_of(const struct unit *u, size_t n, char *w)
{
	for (size_t k = 0; k < n; k++)
		w[k] = u[k].c;
	return n;
}

/* Separators between letters written one by one that normalisation did
 * not join: irregular gaps, and , : ; + (`d.o..d.a`, `d,o,d,a`); not '
 * (`you're`). */
static int chain_sep(unsigned char c)
{
	return c == ' ' || c == '.' || c == ',' || c == ':' || c == ';' || c == '-' || c == '_' ||
	       c == '*' || c == '/' || c == '~' || c == '|' || c == '+';
}

/* A letter, or a leetspeak character, of a chain (`m 0 r d 4`). */
static int chain_char(unsigned char c)
{
	return (c >= 'a' && c <= 'z') || (is_digit(c) && c != '2') || c == '@' || c == '$';
}

/* Does a chain start at nt byte i?  Its first fragment must be one to
 * three chain characters and no word byte after it: what try_chain()'s
 * first round finds, without reading units (a word of four letters or
 * more, most words of a text, starts none). */
static int chain_may_start(const struct norm_text *nt, size_t i)
{
	size_t j = i;
	while (j < nt->len && j - i < MAXW * 2 && chain_char((unsigned char)nt->s[j]))
		j++;
	const size_t fl = j - i;
	return fl >= 1 && fl <= 3 && !(j < nt->len && word_byte((unsigned char)nt->s[j]));
}

/* Letters (fragments of one to three letters; one when a separator holds
 * a space) with separators of one to three characters between them,
 * from nt byte i: joined, or cut into words, when that gives a lexicon
 * word.  Returns the end of what was emitted, 0 when nothing was. */
static size_t try_chain(const struct deobf_vocab *v, const char *orig, const struct norm_text *nt,
                        size_t i, struct out *o)
{
	if (!chain_may_start(nt, i))
		return 0;
	struct unit u[MAXW * 2 + 1];
	size_t n = 0, j = i, nfrag = 0, maxfrag = 0, end = i, sep1 = 0, sep1len = 0, n1 = 0;
	int spaced = 0, longtail = 0, leet = 0;
	for (;;) {
		size_t s = j;
		while (j < nt->len && chain_char((unsigned char)nt->s[j]) && n < MAXW * 2) {
			/* a leetspeak character is a letter here (`m 0 r d 4`) */
			unit_at(orig, nt, j, &u[n]);
			leet |= u[n].kind != U_LIT;
			n++;
			j++;
		}
		size_t fl = j - s;
		if (fl == 0 || (j < nt->len && word_byte((unsigned char)nt->s[j]))) {
			n -= fl;
			break;
		}
		if (fl > 3) {
			/* what normalisation joined of the rest (`m.orda` from
			 * `m.ö..r.d.a`) ends the chain */
			if (spaced || nfrag == 0 || n > MAXW) {
				n -= fl;
				break;
			}
			longtail = 1;
			nfrag++;
			end = j;
			break;
		}
		if (fl > maxfrag)
			maxfrag = fl;
		if (spaced && maxfrag > 1) {
			n -= fl;
			break;
		}
		nfrag++;
		end = j;
		size_t sep = j;
		int sp = 0;
		while (j < nt->len && j - sep < 4 && chain_sep((unsigned char)nt->s[j])) {
			sp |= nt->s[j] == ' ';
			j++;
		}
		if (j == sep || j - sep > 3 || j >= nt->len || !chain_char((unsigned char)nt->s[j]))
			break;
		if (sp && maxfrag > 1)
			break;
		spaced |= sp;
		if (nfrag == 1) {
			sep1 = sep;
			sep1len = j - sep;
			n1 = n;
		}
	}
	/* two fragments only when they make four letters or more (`d.oda`,
	 * what normalisation left of `d.ö..d.a`) */
	/* one dot for a letter (`m.rda`, `d.da`): read as a mask */
	const int dotmask = nfrag == 2 && sep1len == 1 && nt->s[sep1] == '.' && n >= 3 && n < MAXW;
	if (nfrag < 2 || (nfrag == 2 && n < 4 && !dotmask) || n < 3 || n > MAXW * 2)
		return 0;
	char w[MAXW * 2];
	uint8_t cut[MAXW * 2];
	if (leet) {
		/* with leetspeak, one word the chain spells: a lexicon word */
		uint8_t take[MAXW * 2 + 1];
		long r = n <= MAXW ? resolve(v, u, n, 0, NULL, take) : -1;
		if (r < 0 || !v->w[r].lex)
			return 0;
		emit_word(o, nt, u, n, v->w[r].s, take);
		o->changed = 1;
		return end;
	}
	letters_of(u, n, w);
	long f = find(v, w, n);
	if (f >= 0 && v->w[f].lex && n >= 3) {
		emit_cut(o, nt, u, n, NULL);
	} else if (!longtail && nfrag > 2 && segment(v, w, n, cut)) {
		emit_cut(o, nt, u, n, cut);
	} else if (dotmask && (n >= 4 || !(find(v, w, n1) >= 0 && find(v, w + n1, n - n1) >= 0))) {
		/* when that gives a lexicon word, and, in a word of four
		 * letters or fewer, not both halves are words (`t.ex`, `bl.a`
		 * stay; `mor.a` is morda) */
		uint8_t take[MAXW * 2 + 1];
		memmove(u + n1 + 1, u + n1, (n - n1) * sizeof(*u));
		u[n1] = virt_mask(nt->ostart[sep1], nt->oend[sep1]);
		long r = resolve(v, u, n + 1, 0, NULL, take);
		if (r < 0 || !v->w[r].lex)
			return 0;
		emit_word(o, nt, u, n + 1, v->w[r].s, take);
	} else {
		return 0;
	}
	o->changed = 1;
	return end;
}

/* A mask between spaces in a word written letter by letter, which
 * normalisation partly joined (`mor * a`, `s k * uta`, `missha # dla`
 * from `m i s s h a # d l a`). */
static int spaced_mask_char(unsigned char c)
{
	return c == '*' || c == '#' || c == '_' || c == '?' || c == '+' || c == '%' || c == '-';
}

static int has_spaced_mask(const struct norm_text *nt)
{
	for (size_t j = 1; j + 2 < nt->len; j++)
		if (spaced_mask_char((unsigned char)nt->s[j]) && nt->s[j - 1] == ' ' &&
		    nt->s[j + 1] == ' ' && nt->s[j + 2] >= 'a' && nt->s[j + 2] <= 'z')
			return 1;
	return 0;
}

/* From nt byte i: a piece of letters, single letters, the mask, a piece
 * of letters, single letters; read as the lexicon word it makes with the
 * most pieces after the mask.  Returns the end of what was emitted, 0
 * when nothing was. */
static size_t try_spaced_mask(const struct deobf_vocab *v, const char *orig,
                              const struct norm_text *nt, size_t i, struct out *o)
{
	struct unit u[MAXW + 1];
	size_t n = 0, j = i, pieces = 0, right = 0, k = 0, cand[4], cn[4];
	int masked = 0;
	for (;;) {
		size_t s = j;
		/* the letters' units are read below, when a mask makes them
		 * worth reading: here only where they are */
		while (j < nt->len && nt->s[j] >= 'a' && nt->s[j] <= 'z' && n < MAXW) {
			u[n].p = (uint32_t)j++;
			u[n++].virt = 0;
		}
		size_t fl = j - s;
		if (fl == 0 || (j < nt->len && word_byte((unsigned char)nt->s[j]))) {
			n -= fl;
			break;
		}
		/* the pieces between the first and the mask are single letters,
		 * and those after the first one after it */
		if (!masked && pieces && fl > 1)
			return 0;
		if (masked && right++ && fl > 1) {
			n -= fl;
			break;
		}
		pieces++;
		if (masked) {
			cand[k] = j;
			cn[k++] = n;
			if (k == 4)
				break;
		}
		if (!masked && j + 3 < nt->len && nt->s[j] == ' ' &&
		    spaced_mask_char((unsigned char)nt->s[j + 1]) && nt->s[j + 2] == ' ' &&
		    n < MAXW) {
			u[n++] = virt_mask(nt->ostart[j + 1], nt->oend[j + 1]);
			masked = 1;
			j += 3;
			continue;
		}
		if (j + 1 < nt->len && nt->s[j] == ' ') {
			j++;
			continue;
		}
		break;
	}
	for (size_t m = 0; k && m < n; m++)
		if (!u[m].virt)
			unit_at(orig, nt, u[m].p, &u[m]);
	while (k-- > 0) {
		uint8_t take[MAXW + 1];
		long r = cn[k] >= 3 ? resolve(v, u, cn[k], 0, NULL, take) : -1;
		if (r >= 0 && v->w[r].lex) {
			emit_word(o, nt, u, cn[k], v->w[r].s, take);
			o->changed = 1;
			return cand[k];
		}
	}
	return 0;
}

/* An emoji that normalisation made a space, with a letter on both sides
 * in the original (`skj💥uta`). */
static int emoji_space(const char *orig, const struct norm_text *nt, size_t q)
{
	if (q >= nt->len || nt->s[q] != ' ' || q + 1 >= nt->len)
		return 0;
	for (uint32_t b = nt->ostart[q]; b < nt->oend[q]; b++) {
		unsigned char c = (unsigned char)orig[b];
		if (c < 0x80)
			return 0;
	}
	return 1;
}

/* An object (dig, er, honom, you ...) at nt byte i: after `mörd! ` the
 * sentence goes on, the mark was a letter. */
static int object_at(const struct norm_text *nt, size_t i)
{
	size_t j = i;
	while (j < nt->len && nt->s[j] >= 'a' && nt->s[j] <= 'z')
		j++;
	if (j < nt->len && word_byte((unsigned char)nt->s[j]))
		return 0;
	for (size_t k = 0; k < NOBJECTS; k++)
		if (strlen(objects[k]) == j - i && memcmp(objects[k], nt->s + i, j - i) == 0)
			return 1;
	return 0;
}

static int word_char(unsigned char c)
{
	return alpha(c) || is_digit(c) || c >= 0x80;
}

/* Masks at the edges of the word of units u[0, n) at nt bytes [i, end)
 * that normalisation took for emphasis or punctuation: one to three of
 * one of `* _ #` before it (`ska *örda`, `_hj_l`), one to three `_`
 * after it (`mörd_`), or one `!` or `.` after it when a lowercase word
 * follows (`mörd! dig`).  Not around both edges with the same character
 * (`*viktigt*`, `_döda_` are emphasis).  Put around u[] as masks (u has
 * room for six more); *ret_lead gets how many went before, *ret_skip
 * the nt bytes after end they stand for.  Returns how many in all. */
static size_t edge_masks(const struct deobf_vocab *v, const char *orig, const struct norm_text *nt,
                         size_t i, size_t end, uint32_t floor, struct unit *u, size_t n,
                         size_t *ret_lead, size_t *ret_skip)
{
	const uint32_t os = nt->ostart[i], oe = nt->oend[end - 1], ol = (uint32_t)nt->orig_len;
	size_t lead = 0, trail = 0;
	char lc = 0;
	*ret_lead = *ret_skip = 0;
	if (os > 0 && strchr("*_#!.?+-%", orig[os - 1])) {
		lc = orig[os - 1];
		/* not a mark the word before already read (`ss_@ere`) */
		while (lead < 3 && os > lead && os - lead - 1 >= floor && orig[os - lead - 1] == lc)
			lead++;
		if (os > lead && word_char((unsigned char)orig[os - lead - 1]))
			lead = 0;
	}
	if (oe < ol && orig[oe] == '_' && lc != '_') {
		while (trail < 3 && oe + trail < ol && orig[oe + trail] == '_')
			trail++;
		if (oe + trail < ol && word_char((unsigned char)orig[oe + trail]))
			trail = 0;
	} else if (oe + 2 < ol && strchr("!.?+-%", orig[oe]) && orig[oe + 1] == ' ' &&
	           end + 2 < nt->len && nt->s[end] == orig[oe] && nt->s[end + 1] == ' ' &&
	           object_at(nt, end + 2)) {
		trail = 1;
		*ret_skip = 1;
	}
	if (lc && oe < ol && orig[oe] == lc)
		lead = 0; /* emphasis around the word */
	if (!trail)
		*ret_skip = 0;
	if (!lead && !trail)
		return 0;
	memmove(u + lead, u, n * sizeof(*u));
	for (size_t m = 0; m < lead; m++)
		u[m] = virt_mask(os - (uint32_t)(lead - m), os - (uint32_t)(lead - m) + 1);
	for (size_t m = 0; m < trail; m++)
		u[lead + n + m] = virt_mask(oe + (uint32_t)m, oe + (uint32_t)m + 1);
	*ret_lead = lead;
	return lead + trail;
}

/* The words beside the word at nt bytes [i, end): the letters before
 * it and after it across one space, when they are a whole word. */
static struct near near_of(const struct norm_text *nt, size_t i, size_t end)
{
	struct near nr = { "", "", 0, 0 };
	if (i >= 2 && nt->s[i - 1] == ' ') {
		size_t b = i - 1;
		while (b > 0 && nt->s[b - 1] >= 'a' && nt->s[b - 1] <= 'z')
			b--;
		if (b == 0 || !word_byte((unsigned char)nt->s[b - 1])) {
			nr.prev = nt->s + b;
			nr.plen = i - 1 - b;
		}
	}
	if (end + 1 < nt->len && nt->s[end] == ' ') {
		size_t e = end + 1;
		while (e < nt->len && nt->s[e] >= 'a' && nt->s[e] <= 'z')
			e++;
		if (e == nt->len || !word_byte((unsigned char)nt->s[e])) {
			nr.next = nt->s + end + 1;
			nr.nlen = e - end - 1;
		}
	}
	return nr;
}

/* The language most of the text's known words are in: LANG_SV, LANG_EN,
 * 0 when neither leads. */
static int text_language(const struct deobf_vocab *v, const struct norm_text *nt)
{
	int sv = 0, en = 0;
	for (size_t i = 0; i < nt->len;) {
		size_t j = i;
		while (j < nt->len && nt->s[j] >= 'a' && nt->s[j] <= 'z')
			j++;
		if (j > i) {
			long f = find(v, nt->s + i, j - i);
			if (f >= 0) {
				sv += v->w[f].lang == LANG_SV;
				en += v->w[f].lang == LANG_EN;
			}
			i = j;
		} else {
			i++;
		}
	}
	return sv > en ? LANG_SV : en > sv ? LANG_EN : 0;
}

int deobf_apply(const struct deobf_vocab *v, const char *orig, size_t olen, struct norm_text *nt,
                struct deobf_scratch *sc)
{
	(void)olen;
	const size_t seplen = sizeof(DEOBF_SEP) - 1, base = nt->len + seplen;
	size_t need = base + 3 * nt->len + 8;
	if (sc->cap < need) {
		char *s = realloc(sc->s, need);
		if (s)
			sc->s = s;
		uint32_t *os = realloc(sc->os, need * sizeof(*os));
		if (os)
			sc->os = os;
		uint32_t *oe = realloc(sc->oe, need * sizeof(*oe));
		if (oe)
			sc->oe = oe;
		if (!s || !os || !oe)
			return -ENOMEM;
		sc->cap = need;
	}
	struct out o = { sc, base, base, 0, 0 };
	for (const char *l = DEOBF_LEAD; *l; l++)
		put(&o, *l, 0, 0); /* mapped below */
	struct unit u[MAXW * 2 + 2];
	uint8_t take[MAXW * 2 + 2];
	char w[MAXW * 2 + 2];
	size_t i = 0;
	int lang = -1; /* text_language(), when a word needs it */
	const int spmask = has_spaced_mask(nt);
	while (i < nt->len) {
		unsigned char c = (unsigned char)nt->s[i];
		int start = i == 0 || !word_byte((unsigned char)nt->s[i - 1]);
		if (!start || !word_byte(c)) {
			put(&o, nt->s[i], nt->ostart[i], nt->oend[i]);
			i++;
			continue;
		}
		if (c >= 'a' && c <= 'z') {
			size_t e = spmask ? try_spaced_mask(v, orig, nt, i, &o) : 0;
			if (!e)
				e = try_chain(v, orig, nt, i, &o);
			if (e) {
				i = e;
				continue;
			}
		}
		size_t end;
		size_t n = word_at(orig, nt, i, u, MAXW + 1, &end);
		/* `? + - % .` inside it: the lexicon word it makes, or the word
		 * ends there as before (`k!ll-ingar` is kill-ingar) */
		size_t fw = 0;
		while (fw < n && !u[fw].weak)
			fw++;
		if (fw < n && n <= MAXW) {
			if (lang < 0)
				lang = text_language(v, nt);
			const struct near nr = near_of(nt, i, end);
			long f = resolve(v, u, n, lang, &nr, take);
			if (f >= 0 && v->w[f].lex) {
				emit_word(&o, nt, u, n, v->w[f].s, take);
				o.changed = 1;
				i = end;
				continue;
			}
		}
		if (fw < n) {
			end = u[fw].p;
			n = fw;
		}
		if (n && n + 6 <= MAXW) {
			size_t lead, skip;
			size_t ne = edge_masks(v, orig, nt, i, end, o.used, u, n, &lead, &skip);
			if (ne) {
				/* only when the masks make it one of the rules'
				 * words, and, with masks before it, when the
				 * word is no word as it is */
				long f = -1;
				letters_of(u + lead, n, w);
				/* `? + - %` after a word are mostly what they
				 * are: read only a word that is no word as it is,
				 * or, after it, one obfuscation hides when the
				 * word as it is is none (`mörd? dig`: mord is a
				 * word of some lexicon, morda one that is hidden;
				 * which other words the lexicons hold does not
				 * matter) */
				const int strict = lead || (ne > lead && orig[u[lead + n].vos] &&
				                            strchr("?+-%", orig[u[lead + n].vos]));
				int open = !strict, hidden_only = 0;
				if (strict && n <= 8) {
					const long asis = all_lit(u + lead, n) ? find(v, w, n) : -1;
					open = asis < 0 || (!lead && !v->w[asis].masked);
					hidden_only = asis >= 0;
				}
				if (open) {
					if (lang < 0)
						lang = text_language(v, nt);
					const struct near nr = near_of(nt, i, end + skip);
					f = resolve(v, u, n + ne, lang, &nr, take);
					if (f >= 0 && hidden_only && !v->w[f].masked)
						f = -1;
				}
				if (f >= 0 && v->w[f].lex) {
					/* the marks before it that the text kept
					 * (`#`, `!`, `.`) are letters now */
					for (size_t m = 0; m < lead && o.n > o.base + LEADLEN &&
					                   sc->s[o.n - 1] == orig[u[lead - 1].vos];
					     m++)
						o.n--;
					emit_word(&o, nt, u, n + ne, v->w[f].s, take);
					o.changed = 1;
					i = end + skip;
					/* the space normalisation made of `_` after
					 * the word now starts after the masks */
					if (i < nt->len && nt->s[i] == ' ' &&
					    nt->ostart[i] < sc->oe[o.n - 1]) {
						uint32_t a = sc->oe[o.n - 1];
						put(&o, ' ', a, nt->oend[i] > a ? nt->oend[i] : a);
						i++;
					}
					continue;
				}
				memmove(u, u + lead, n * sizeof(*u));
			}
		}
		if (n == 0 || n > MAXW) {
			/* not a word this step reads: copy up to its end */
			size_t e = i + 1;
			while (e < nt->len && word_byte((unsigned char)nt->s[e]))
				e++;
			copy_bytes(&o, nt, i, e);
			i = e;
			continue;
		}
		/* `rn` read for `m` (`rnörda`): when that makes a lexicon word */
		if (n >= 4 && n <= MAXW && u[0].kind == U_LIT && u[0].c == 'r' &&
		    u[1].kind == U_LIT && u[1].c == 'n') {
			struct unit m = u[1];
			letters_of(u, n, w);
			const int word = find(v, w, n) >= 0;
			u[1].vos = u_os(nt, &u[0]);
			u[1].voe = u_oe(nt, &u[1]);
			u[1].virt = 1;
			u[1].c = 'm';
			w[1] = 'm';
			long f = -1;
			if (!word) {
				if (all_lit(u + 1, n - 1)) {
					f = find(v, w + 1, n - 1);
					memset(take, 1, n - 1);
				} else {
					f = resolve(v, u + 1, n - 1, 0, NULL, take);
				}
			}
			if (f >= 0 && v->w[f].lex) {
				emit_word(&o, nt, u + 1, n - 1, v->w[f].s, take);
				o.changed = 1;
				i = end;
				continue;
			}
			u[1] = m;
		}
		/* a word split by an emoji, joined again when that makes a word
		 * and its halves are not both words of two letters or more (a
		 * letter alone is a split more often than a word: spräng💣a) */
		if (all_lit(u, n) && emoji_space(orig, nt, end)) {
			size_t end2;
			size_t n2 = word_at(orig, nt, end + 1, u + n, MAXW + 1 - n, &end2);
			if (n2 && n + n2 <= MAXW && all_lit(u + n, n2)) {
				letters_of(u, n + n2, w);
				if (find(v, w, n + n2) >= 0 &&
				    !(n > 1 && n2 > 1 && find(v, w, n) >= 0 &&
				      find(v, w + n, n2) >= 0)) {
					emit_cut(&o, nt, u, n + n2, NULL);
					o.changed = 1;
					i = end2;
					continue;
				}
			}
		}
		/* a mention or a mark before a word (`@anna`, `!viktigt`) */
		int mention = 0;
		if (n > 1 && u[0].kind == U_LEET && !alpha((unsigned char)nt->s[u[0].p]) &&
		    !is_digit((unsigned char)nt->s[u[0].p]) && all_lit(u + 1, n - 1)) {
			/* longer than a masked threat word: a name, unread */
			letters_of(u + 1, n - 1, w);
			mention = n > 9 || find(v, w, n - 1) >= 0;
		}
		if (!all_lit(u, n) && !mention) {
			if (lang < 0)
				lang = text_language(v, nt);
			const struct near nr = near_of(nt, i, end);
			long f = resolve(v, u, n, lang, &nr, take);
			if (f >= 0) {
				emit_word(&o, nt, u, n, v->w[f].s, take);
				o.changed = 1;
				i = end;
				continue;
			}
		} else if (n >= 4 && gaps(nt, u, n) * 2 >= n - 1) {
			/* letters written one by one that normalisation joined into
			 * one word across word boundaries: cut into words */
			uint8_t cut[MAXW + 2];
			letters_of(u, n, w);
			if (find(v, w, n) < 0 && segment(v, w, n, cut)) {
				emit_cut(&o, nt, u, n, cut);
				o.changed = 1;
				i = end;
				continue;
			}
		}
		copy_bytes(&o, nt, i, end);
		i = end;
	}
	if (!o.changed)
		return 0;
	/* ". " maps to the empty range where the reading's first byte
	 * begins */
	uint32_t first = o.n > base + LEADLEN ? sc->os[base + LEADLEN] : (uint32_t)nt->orig_len;
	for (size_t k = base; k < base + LEADLEN; k++)
		sc->os[k] = sc->oe[k] = first;
	sc->s[o.n] = '\0';
	sc->os[o.n] = sc->oe[o.n] = (uint32_t)nt->orig_len;
	/* the text as normalised, the separator (mapped to the empty range
	 * at the end of the original), the reading */
	memcpy(sc->s, nt->s, nt->len);
	memcpy(sc->os, nt->ostart, nt->len * sizeof(*sc->os));
	memcpy(sc->oe, nt->oend, nt->len * sizeof(*sc->oe));
	for (size_t k = 0; k < seplen; k++) {
		sc->s[nt->len + k] = DEOBF_SEP[k];
		sc->os[nt->len + k] = sc->oe[nt->len + k] = (uint32_t)nt->orig_len;
	}
	/* that becomes nt's; nt's buffers become scratch */
	char *s = nt->s;
	uint32_t *os = nt->ostart, *oe = nt->oend;
	size_t cap = nt->cap;
	nt->s = sc->s;
	nt->ostart = sc->os;
	nt->oend = sc->oe;
	nt->cap = sc->cap;
	nt->len = o.n;
	sc->s = s;
	sc->os = os;
	sc->oe = oe;
	sc->cap = cap;
	return 1;
}
