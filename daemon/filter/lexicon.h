/* Named word lists for rule patterns ("lexicons").
 *
 * A lexicon is a file NAME.txt in the lexicon directory next to the rule
 * files (filters/lexicon/): one word or phrase a line, `#` starts a
 * comment, blank lines are ignored.  A pattern refers to it as `@NAME`;
 * the parser replaces the reference with a non-capturing group holding the
 * lexicon's words factored into a trie (`(?:sk(?:juta|ar)|doda)`), so PCRE2
 * tries a shared prefix once instead of every word in turn, and the
 * prefilter still finds literals.  A space in a phrase matches one run of
 * white space.  Format: docs/filter.md "Lexicons".
 */
#pragma once

#include <stddef.h>

#include "util/diag.h"

/* Every file a load reads, once each, in the order read: each *.rules file
 * (name without the directory) in byte-wise order, then each lexicon file
 * ("lexicon/NAME.txt").  What a digest of them describes is what was
 * parsed, even if the files change meanwhile. */
typedef void rules_feed_fn(void *arg, const char *name, const char *buf, size_t len);

struct lexicon {
	char *name;
	char *src; /* the compiled group, "(?:...)" */
	size_t nwords;
};

struct lexicon_set {
	struct lexicon *v;
	size_t n, cap;
};

/* Parse one lexicon held in memory and add it to set under `lexname`;
 * `file` is used in diagnostics ("file:line: message").  A word may hold
 * lowercase letters, digits, space, `'` and `-` (patterns run on
 * normalised text); an empty lexicon, a bad word or a duplicate name is an
 * error.  Returns 0, 1 when errors were added, -ENOMEM. */
int lexicon_parse_buffer(struct lexicon_set *set, const char *lexname, const char *file,
                         const char *buf, size_t len, struct diag_list *errors);

/* Load every "*.txt" of dir (named after the file without .txt).  A
 * missing directory is an empty set (0).  Returns 0, 1 on errors in the
 * files (all in errors), -errno. */
int lexicon_load_dir(const char *dir, struct lexicon_set *set, struct diag_list *errors);
/* The same, giving each file's bytes to feed ("lexicon/NAME.txt"; NULL:
 * none) as read: rules.h. */
int lexicon_load_dir_feed(const char *dir, struct lexicon_set *set, rules_feed_fn *feed,
                          void *feed_arg, struct diag_list *errors);

/* The lexicon called name[0..len), or NULL. */
const struct lexicon *lexicon_find(const struct lexicon_set *set, const char *name, size_t len);

/* Replace every `@name` of a pattern (outside character classes and not
 * escaped) by its lexicon's group.  On success *ret is a new string (the
 * source itself when it refers to no lexicon).  Returns 0; 1 when a name
 * is unknown (copied into unknown, at most unknown_size bytes); -ENOMEM.
 * A `@` not followed by a letter is left as it is. */
int lexicon_expand(const struct lexicon_set *set, const char *src, char **ret, char *unknown,
                   size_t unknown_size);

void lexicon_set_clear(struct lexicon_set *set);

/* The vocabulary of the lexicons of dir (the de-obfuscation step,
 * deobf.h): every word of every "*.txt", phrases split at spaces, `%`
 * flag lines and comments skipped (a word may repeat), in one block that
 * *ret owns (NUL-separated words; free() it).  Before each file's words
 * an entry "#sv", "#en" or "#" gives their language, from the file's name
 * (sv_…, en_… or …_en_…), and after it an entry "#%masked" when the
 * file has a `%masked` line (its words are the ones obfuscation hides).
 * An empty entry ends each line's words (a phrase: which words stand
 * side by side).  *ret_n is the number of words.  A missing directory is an empty
 * vocabulary.  Returns 0 or -errno. */
int lexicon_words_dir(const char *dir, char **ret, size_t *ret_len, size_t *ret_n);
