/* Lexicons: named word lists compiled into trie-shaped PCRE2 groups. */
#include "filter/lexicon.h"

#include <dirent.h>
#include <errno.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "util/readfile.h"
#include "util/strbuf.h"

#define LEXICON_MAX_FILE (4u * 1024 * 1024)
#define LEXICON_MAX_WORD 200

static int word_char(unsigned char c)
{
	return (c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') || c == ' ' || c == '\'' ||
	       c == '-';
}

static int name_char(unsigned char c, int first)
{
	return (c >= 'a' && c <= 'z') || c == '_' || (!first && c >= '0' && c <= '9');
}

static int cmp_str(const void *a, const void *b)
{
	return strcmp(*(char *const *)a, *(char *const *)b);
}

/* Emit the trie of words[lo, hi), which share their first `depth` bytes.
 * Sorted input puts a word that ends at depth first, and the longest
 * common prefix of a run is that of its first and last word. */
static int emit(struct strbuf *sb, char **w, size_t lo, size_t hi, size_t depth, int force)
{
	int has_empty = w[lo][depth] == '\0';
	size_t start = lo + (has_empty ? 1 : 0), groups = 0;
	int r = 0;

	for (size_t i = start; i < hi;) {
		size_t j = i + 1;
		while (j < hi && w[j][depth] == w[i][depth])
			j++;
		groups++;
		i = j;
	}
	int wrap = force || has_empty || groups > 1;
	if (wrap)
		r |= strbuf_adds(sb, "(?:");
	for (size_t i = start, g = 0; i < hi; g++) {
		size_t j = i + 1;
		while (j < hi && w[j][depth] == w[i][depth])
			j++;
		size_t l = 0;
		while (w[i][depth + l] && w[i][depth + l] == w[j - 1][depth + l])
			l++;
		if (g)
			r |= strbuf_adds(sb, "|");
		/* the shared bytes, a run between spaces at a time (a byte
		 * at a time was a third of loading the lexicons) */
		for (size_t k = 0; k < l;) {
			if (w[i][depth + k] == ' ') {
				r |= strbuf_adds(sb, "\\s+");
				k++;
				continue;
			}
			size_t run = 1;
			while (k + run < l && w[i][depth + k + run] != ' ')
				run++;
			r |= strbuf_add(sb, &w[i][depth + k], run);
			k += run;
		}
		if (j - i > 1 || w[i][depth + l] != '\0')
			r |= emit(sb, w, i, j, depth + l, 0);
		i = j;
	}
	if (wrap)
		r |= strbuf_adds(sb, has_empty ? ")?" : ")");
	return r ? -ENOMEM : 0;
}

/* words: sorted (strcmp()) and each once, as lexicon_parse_buffer()
 * leaves them (sorting them again was a tenth of loading the lexicons). */
static int compile(char **words, size_t n, char **ret)
{
	struct strbuf sb = { 0 };
	/* The whole list is always one group, so "@x?" and "a@x" work. */
	int r = emit(&sb, words, 0, n, 0, 1);
	if (r) {
		strbuf_free(&sb);
		return -ENOMEM;
	}
	*ret = sb.buf;
	return 0;
}

/* "%masked": every word of four letters or more also with one vowel
 * hidden, as normalisation writes a '*' or '#' inside a word ("m_rda"),
 * and with a double letter written once, as a stretched letter normalises
 * ("shoooot" → "shot", "knivhuggga" → "knivhuga"). */
static int add_masked(char ***words, size_t *n, size_t *cap)
{
	size_t orig = *n;
	for (size_t i = 0; i < orig; i++) {
		size_t len = strlen((*words)[i]);
		if (len < 4)
			continue;
		for (size_t k = 0; k < len; k++) {
			if (!strchr("aeiouy", (*words)[i][k]))
				continue;
			if (*n == *cap) {
				size_t nc = *cap * 2;
				char **nv = realloc(*words, nc * sizeof(*nv));
				if (!nv)
					return -ENOMEM;
				*words = nv;
				*cap = nc;
			}
			char *w = strdup((*words)[i]);
			if (!w)
				return -ENOMEM;
			w[k] = '_';
			(*words)[(*n)++] = w;
		}
		/* A stretched double letter normalises to one ("shoooot" is
		 * "shot"): the word with each double letter written once. */
		for (size_t k = 0; k + 1 < len; k++) {
			if ((*words)[i][k] != (*words)[i][k + 1] || (*words)[i][k] == ' ')
				continue;
			if (*n == *cap) {
				size_t nc = *cap * 2;
				char **nv = realloc(*words, nc * sizeof(*nv));
				if (!nv)
					return -ENOMEM;
				*words = nv;
				*cap = nc;
			}
			char *w = strdup((*words)[i]);
			if (!w)
				return -ENOMEM;
			memmove(w + k, w + k + 1, len - k);
			(*words)[(*n)++] = w;
		}
	}
	return 0;
}

const struct lexicon *lexicon_find(const struct lexicon_set *set, const char *name, size_t len)
{
	for (size_t i = 0; set && i < set->n; i++)
		if (strlen(set->v[i].name) == len && memcmp(set->v[i].name, name, len) == 0)
			return &set->v[i];
	return NULL;
}

int lexicon_parse_buffer(struct lexicon_set *set, const char *lexname, const char *file,
                         const char *buf, size_t len, struct diag_list *errors)
{
	char **words = NULL;
	size_t n = 0, cap = 0, pos = 0;
	unsigned lineno = 0;
	int failed = 0, r = 0, masked = 0;

	if (!lexname[0] || !name_char((unsigned char)lexname[0], 1)) {
		diag_add(errors, file, 0, "lexicon name '%s' must be [a-z_][a-z0-9_]*", lexname);
		return 1;
	}
	for (const char *c = lexname; *c; c++)
		if (!name_char((unsigned char)*c, 0)) {
			diag_add(errors, file, 0, "lexicon name '%s' must be [a-z_][a-z0-9_]*",
			         lexname);
			return 1;
		}
	if (lexicon_find(set, lexname, strlen(lexname))) {
		diag_add(errors, file, 0, "lexicon '@%s' defined twice", lexname);
		return 1;
	}
	while (pos < len) {
		const char *nl = memchr(buf + pos, '\n', len - pos);
		size_t end = nl ? (size_t)(nl - buf) : len, next = nl ? end + 1 : len;
		char word[LEXICON_MAX_WORD + 1];
		size_t wl = 0;
		int bad = 0, space = 0;
		lineno++;
		if (end - pos >= 7 && memcmp(buf + pos, "%masked", 7) == 0) {
			masked = 1;
			pos = next;
			continue;
		}
		for (size_t i = pos; i < end && buf[i] != '#'; i++) {
			unsigned char c = (unsigned char)buf[i];
			if (c == ' ' || c == '\t' || c == '\r') {
				space = wl > 0;
				continue;
			}
			if (!word_char(c))
				bad = 1;
			if (wl + (space ? 2 : 1) > LEXICON_MAX_WORD) {
				bad = 2;
				break;
			}
			if (space)
				word[wl++] = ' ';
			space = 0;
			word[wl++] = (char)c;
		}
		word[wl] = '\0';
		pos = next;
		if (bad == 2) {
			diag_add(errors, file, lineno, "word longer than %u bytes",
			         LEXICON_MAX_WORD);
			failed = 1;
			continue;
		}
		if (bad) {
			diag_add(errors, file, lineno,
			         "'%s': a lexicon word holds only a-z, 0-9, space, ' and - "
			         "(patterns see normalised text)",
			         word);
			failed = 1;
			continue;
		}
		if (!wl)
			continue;
		if (n == cap) {
			size_t nc = cap ? cap * 2 : 64;
			char **nv = realloc(words, nc * sizeof(*nv));
			if (!nv) {
				r = -ENOMEM;
				goto out;
			}
			words = nv;
			cap = nc;
		}
		if (!(words[n] = strdup(word))) {
			r = -ENOMEM;
			goto out;
		}
		n++;
	}
	if (failed) {
		r = 1;
		goto out;
	}
	if (n == 0) {
		diag_add(errors, file, 0, "lexicon '@%s' has no words", lexname);
		r = 1;
		goto out;
	}
	if (masked && (r = add_masked(&words, &n, &cap)) < 0)
		goto out;
	/* Duplicates would make two equal branches of the trie. */
	qsort(words, n, sizeof(*words), cmp_str);
	size_t u = 1;
	for (size_t i = 1; i < n; i++) {
		if (strcmp(words[i], words[u - 1]) == 0)
			free(words[i]);
		else
			words[u++] = words[i];
	}
	n = u;
	if (set->n == set->cap) {
		size_t nc = set->cap ? set->cap * 2 : 16;
		struct lexicon *nv = realloc(set->v, nc * sizeof(*nv));
		if (!nv) {
			r = -ENOMEM;
			goto out;
		}
		set->v = nv;
		set->cap = nc;
	}
	struct lexicon lx = { .nwords = n };
	if (!(lx.name = strdup(lexname)) || compile(words, n, &lx.src) < 0) {
		free(lx.name);
		r = -ENOMEM;
		goto out;
	}
	set->v[set->n++] = lx;
out:
	for (size_t i = 0; i < n; i++)
		free(words[i]);
	free(words);
	return r;
}

/* A lexicon file's bytes, named as the rules directory sees them. */
static void feed_lexicon(rules_feed_fn *feed, void *feed_arg, const char *name, const char *buf,
                         size_t len)
{
	char full[512];
	snprintf(full, sizeof(full), "lexicon/%s", name);
	feed(feed_arg, full, buf, len);
}

int lexicon_load_dir(const char *dir, struct lexicon_set *set, struct diag_list *errors)
{
	return lexicon_load_dir_feed(dir, set, NULL, NULL, errors);
}

/* A lexicon is a visible file named NAME.txt; editors' backups and
 * hidden files in the directory are not. */
static bool is_lexicon_file(const char *name)
{
	size_t len = strlen(name);

	return name[0] != '.' && len >= 5 && strcmp(name + len - 4, ".txt") == 0;
}

int lexicon_load_dir_feed(const char *dir, struct lexicon_set *set, rules_feed_fn *feed,
                          void *feed_arg, struct diag_list *errors)
{
	DIR *d = opendir(dir);
	struct dirent *de;
	char **names = NULL;
	size_t n = 0, cap = 0;
	int r = 0, failed = 0;

	if (!d)
		return errno == ENOENT ? 0 : -errno;
	while ((de = readdir(d))) {
		if (!is_lexicon_file(de->d_name))
			continue;
		if (n == cap) {
			size_t nc = cap ? cap * 2 : 16;
			char **nv = realloc(names, nc * sizeof(*nv));
			if (!nv) {
				r = -ENOMEM;
				goto out;
			}
			names = nv;
			cap = nc;
		}
		if (!(names[n] = strdup(de->d_name))) {
			r = -ENOMEM;
			goto out;
		}
		n++;
	}
	if (names)
		qsort(names, n, sizeof(*names), cmp_str);
	for (size_t i = 0; i < n; i++) {
		char *path = NULL, *buf = NULL;
		size_t len = 0;
		if (asprintf(&path, "%s/%s", dir, names[i]) < 0) {
			r = -ENOMEM;
			goto out;
		}
		int fr = readfile_regular(path, LEXICON_MAX_FILE, &buf, &len);
		if (fr < 0) {
			diag_add(errors, path, 0, "cannot open: %s", readfile_strerror(fr));
			failed = 1;
		} else {
			if (feed)
				feed_lexicon(feed, feed_arg, names[i], buf, len);
			names[i][strlen(names[i]) - 4] = '\0';
			fr = lexicon_parse_buffer(set, names[i], path, buf, len, errors);
			if (fr < 0)
				r = fr;
			else if (fr)
				failed = 1;
		}
		free(buf);
		free(path);
		if (r < 0)
			goto out;
	}
	r = failed ? 1 : 0;
out:
	for (size_t i = 0; i < n; i++)
		free(names[i]);
	free(names);
	closedir(d);
	return r;
}

int lexicon_expand(const struct lexicon_set *set, const char *src, char **ret, char *unknown,
                   size_t unknown_size)
{
	struct strbuf sb = { 0 };
	int in_class = 0, r = 0;
	size_t i = 0, copied = 0;

	if (!strchr(src, '@')) {
		char *s = strdup(src);
		if (!s)
			return -ENOMEM;
		*ret = s;
		return 0;
	}
	while (src[i]) {
		char c = src[i];
		if (c == '\\' && src[i + 1]) {
			i += 2;
			continue;
		}
		if (in_class) {
			if (c == '[' && src[i + 1] == ':') {
				const char *e = strstr(src + i + 2, ":]");
				i = e ? (size_t)(e - src) + 2 : i + 1;
				continue;
			}
			if (c == ']')
				in_class = 0;
			i++;
			continue;
		}
		if (c == '[') {
			/* A ']' first in the class (after an optional '^') is a literal. */
			i++;
			if (src[i] == '^')
				i++;
			if (src[i] == ']')
				i++;
			in_class = 1;
			continue;
		}
		if (c == '@' && name_char((unsigned char)src[i + 1], 1)) {
			size_t e = i + 1;
			while (name_char((unsigned char)src[e], 0))
				e++;
			const struct lexicon *lx = lexicon_find(set, src + i + 1, e - i - 1);
			if (!lx) {
				snprintf(unknown, unknown_size, "%.*s", (int)(e - i - 1),
				         src + i + 1);
				strbuf_free(&sb);
				return 1;
			}
			r |= strbuf_add(&sb, src + copied, i - copied);
			r |= strbuf_adds(&sb, lx->src);
			i = copied = e;
			continue;
		}
		i++;
	}
	r |= strbuf_adds(&sb, src + copied);
	if (r) {
		strbuf_free(&sb);
		return -ENOMEM;
	}
	*ret = sb.buf;
	return 0;
}

void lexicon_set_clear(struct lexicon_set *set)
{
	if (!set)
		return;
	for (size_t i = 0; i < set->n; i++) {
		free(set->v[i].name);
		free(set->v[i].src);
	}
	free(set->v);
	memset(set, 0, sizeof(*set));
}

/* A line "%masked" in the file (lexicon_parse_buffer() reads it). */
static int has_masked_line(const char *buf, size_t len)
{
	for (size_t pos = 0; pos < len;) {
		const char *nl = memchr(buf + pos, '\n', len - pos);
		size_t next = nl ? (size_t)(nl - buf) + 1 : len;
		if (next - pos >= 7 && memcmp(buf + pos, "%masked", 7) == 0)
			return 1;
		pos = next;
	}
	return 0;
}

/* One file's words appended to sb, NUL after each: lines as in
 * lexicon_parse_buffer(), every space-separated token a word. */
static int words_of_buffer(const char *buf, size_t len, struct strbuf *sb, size_t *n)
{
	size_t pos = 0;
	while (pos < len) {
		const char *nl = memchr(buf + pos, '\n', len - pos);
		size_t end = nl ? (size_t)(nl - buf) : len, next = nl ? end + 1 : len;
		if (buf[pos] == '%') {
			pos = next;
			continue;
		}
		size_t i = pos, line_words = 0;
		while (i < end && buf[i] != '#') {
			while (i < end && (buf[i] == ' ' || buf[i] == '\t' || buf[i] == '\r'))
				i++;
			size_t s = i;
			while (i < end && word_char((unsigned char)buf[i]) && buf[i] != ' ')
				i++;
			if (i > s) {
				if (strbuf_add(sb, buf + s, i - s) < 0 || strbuf_add(sb, "", 1) < 0)
					return -ENOMEM;
				(*n)++;
				line_words++;
			}
			if (i < end && buf[i] != '#' && !word_char((unsigned char)buf[i]) &&
			    buf[i] != '\t' && buf[i] != '\r')
				i++; /* a character no word holds (`_` of a masked form) */
		}
		/* an empty entry ends the line's phrase: de-obfuscation reads
		 * which words stand side by side in the lexicons */
		if (line_words && strbuf_add(sb, "", 1) < 0)
			return -ENOMEM;
		pos = next;
	}
	return 0;
}

int lexicon_words_dir(const char *dir, char **ret, size_t *ret_len, size_t *ret_n)
{
	struct strbuf sb = { 0 };
	size_t n = 0;
	int r = 0;
	DIR *d = opendir(dir);
	struct dirent *de;

	*ret = NULL;
	*ret_len = *ret_n = 0;
	if (!d)
		return errno == ENOENT ? 0 : -errno;
	while ((de = readdir(d))) {
		if (!is_lexicon_file(de->d_name))
			continue;
		char *path = NULL, *buf = NULL;
		size_t blen = 0;
		if (asprintf(&path, "%s/%s", dir, de->d_name) < 0) {
			r = -ENOMEM;
			break;
		}
		r = readfile_regular(path, LEXICON_MAX_FILE, &buf, &blen);
		free(path);
		if (r < 0)
			break;
		/* the language of the file's words, from its name */
		const char *tag = strncmp(de->d_name, "sv_", 3) == 0 ? "#sv"
		                  : strncmp(de->d_name, "en_", 3) == 0 || strstr(de->d_name, "_en_")
		                          ? "#en"
		                          : "#";
		r = strbuf_add(&sb, tag, strlen(tag) + 1) < 0 ? -ENOMEM : 0;
		/* the file's words are written masked (`%masked`): the words
		 * obfuscation hides, which de-obfuscation ranks first */
		if (r == 0 && has_masked_line(buf, blen))
			r = strbuf_add(&sb, "#%masked", sizeof("#%masked")) < 0 ? -ENOMEM : 0;
		if (r == 0)
			r = words_of_buffer(buf, blen, &sb, &n);
		free(buf);
		if (r < 0)
			break;
	}
	closedir(d);
	if (r < 0) {
		strbuf_free(&sb);
		return r;
	}
	*ret = sb.buf;
	*ret_len = sb.len;
	*ret_n = n;
	return 0;
}
