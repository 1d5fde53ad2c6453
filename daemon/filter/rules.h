/* Filter rules: the in-memory form of the .rules files in filters/, and their parser.
 *
 * The file format is docs/rule-format.md.  The parser reports every mistake
 * of every file as "file:line: message" into one diag_list (never stopping
 * at the first), compiles each pattern with PCRE2 to report its errors, and
 * resolves validator names.  A rule set with errors is never used.
 */
#pragma once

#include <stddef.h>
#include <stdint.h>
#include <time.h>

#define PCRE2_CODE_UNIT_WIDTH 8
#include <pcre2.h>

#include "filter/lexicon.h" /* rules_feed_fn */
#include "util/diag.h"

struct validator;

enum filter_category {
	FILTER_CAT_CRIMINAL,
	FILTER_CAT_THREAT,
	FILTER_CAT_HARASSMENT,
	FILTER_CAT_HATE,
	FILTER_CAT_PERSONAL_DATA,
	FILTER_CAT_CONFIDENTIAL,
	FILTER_CAT_QUESTION,
	FILTER_CAT_SPAM,
	FILTER_CAT_COUNT,
};

enum filter_tier {
	FILTER_TIER_NONE, /* only in verdicts: nothing matched */
	FILTER_TIER_POSSIBLE,
	FILTER_TIER_OBVIOUS,
};

enum filter_action {
	FILTER_ACT_HIDE = 1u << 0,
	FILTER_ACT_DELETE = 1u << 1,
	FILTER_ACT_REVIEW = 1u << 2,
	FILTER_ACT_ESCALATE = 1u << 3,
	FILTER_ACT_RESPOND = 1u << 4,
	FILTER_ACT_MASK = 1u << 5,
	FILTER_ACT_LOG_ONLY = 1u << 6,
	FILTER_ACT_COUNT = 7, /* number of bits */
};

enum filter_input {
	FILTER_INPUT_NORMALIZED,
	FILTER_INPUT_RAW,
};

enum filter_mode {
	FILTER_MODE_ACTIVE,
	FILTER_MODE_SHADOW,
};

struct filter_pattern {
	/* as written, lexicons expanded; an engine frees it once built (its
	 * code cache entry keeps the source, packed: codecache.h) */
	char *src;
	unsigned line;
	/* The parser compiles every pattern (FILTER_PCRE2_OPTIONS) to report
	 * its errors at load, records what the engine needs of it and frees
	 * the code: an engine compiles a pattern again when it first runs
	 * (codecache.h), most never do.  NULL until then; JIT is added by the
	 * engine.  rules_compile_deferred() keeps the code it compiled here,
	 * for the engine's cache (code_cache_offer()). */
	pcre2_code *code;
	/* the parser compiled it without error, or rules_compile_deferred()
	 * did or took it as checked */
	int compiled;
	uint32_t ncapture; /* its capture groups */
	int vgroup;        /* number of the named group "v"; 0 when none */
	int jit;           /* set by the engine: code is JIT-compiled */
};

/* PCRE2_USE_OFFSET_LIMIT: on long texts the engine runs a pattern in
 * windows, with an offset limit (docs/filter.md, "Long texts"); without a
 * limit in the match context it changes nothing, and one compiled code
 * (and JIT code) serves both. */
#define FILTER_PCRE2_OPTIONS                                                                       \
	(PCRE2_UTF | PCRE2_UCP | PCRE2_NEVER_BACKSLASH_C | PCRE2_USE_OFFSET_LIMIT)

struct filter_example {
	char *text;
	unsigned line;
};

struct filter_rule {
	char *id;
	char *file;    /* the rule file's path as given to the loader */
	unsigned line; /* the `rule` line */
	char *title;
	char *statute;
	enum filter_category category;
	enum filter_tier tier;
	int severity;     /* 1..5 */
	unsigned actions; /* enum filter_action bits */
	enum filter_input input;
	char lang[4]; /* "sv", "en", "any" */
	enum filter_mode mode;
	char expires[11];  /* "YYYY-MM-DD" or "" */
	time_t expires_at; /* first instant the rule no longer applies; 0: never */

	struct filter_pattern *patterns;
	size_t npatterns;
	struct filter_pattern *excepts;
	size_t nexcepts;
	const struct validator **validators;
	size_t nvalidators;
	struct filter_example *matches;
	size_t nmatches;
	struct filter_example *nomatches;
	size_t nnomatches;
};

struct filter_ruleset {
	struct filter_rule *v;
	size_t n, cap;
	/* filter_ruleset_pack(): v, the rules' strings and their arrays of
	 * patterns, excepts and validators in this one block (NULL: each
	 * its own) and the bytes it holds (tests: what memacct.h counts) */
	void *pool;
	size_t pool_size;
};

/* Names as written in rule files and verdicts. */
const char *filter_category_name(enum filter_category c);
const char *filter_tier_name(enum filter_tier t);
/* The name of one action bit (FILTER_ACT_*), NULL for an unknown bit. */
const char *filter_action_name(unsigned bit);

/* Parse one rule file held in memory; `name` is used in diagnostics.  Rules
 * are appended to rs (also rules with errors, so later files can still be
 * checked for duplicate ids); errors and warnings (expired rules) go to the
 * lists.  `today` decides which rules have expired.  Returns 0 when this
 * buffer added no error, 1 when it did, -ENOMEM. */
int rules_parse_buffer(struct filter_ruleset *rs, const char *name, const char *buf, size_t len,
                       time_t today, struct diag_list *errors, struct diag_list *warnings);

struct lexicon_set;
/* The same with lexicons for `@name` in patterns (NULL: none; a reference
 * is then an error). */
int rules_parse_buffer_lex(struct filter_ruleset *rs, const struct lexicon_set *lex,
                           const char *name, const char *buf, size_t len, time_t today,
                           struct diag_list *errors, struct diag_list *warnings);

/* Parse one file (with the lexicons of lexicon/ beside it): a regular file (opened without
 * blocking, so a FIFO is refused at once, as are directories and devices) of at most
 * RULES_MAX_FILE_SIZE bytes.  Same returns, and -errno when the file cannot
 * be read (-EISDIR, -EBADFD, -EFBIG as readfile_regular(); also reported in
 * errors). */
int rules_parse_file(struct filter_ruleset *rs, const char *path, time_t today,
                     struct diag_list *errors, struct diag_list *warnings);

/* Load the lexicons of dir/lexicon/ (lexicon.h) and every "*.rules" file of dir in byte-wise sorted
 * order into a new rule set.  Returns 0 and writes *ret only when there was no error at all;
 * otherwise 1 (errors in the files, all in `errors`) or -errno (directory
 * unreadable, also in `errors`). */
int rules_load_dir(const char *dir, time_t today, struct filter_ruleset *ret,
                   struct diag_list *errors, struct diag_list *warnings);

/* Flags of rules_load_dir_flags(). */
enum {
	/* Leave PCRE2's check of the patterns to rules_compile_deferred()
	 * (docs/filter.md, "Compile checks at start"): a pattern that may
	 * name a group "v" is still compiled, for its number; the others get
	 * rules_capture_bound() as their ncapture.  A load that finds any
	 * other error loads again compiling everything, so the errors are
	 * exactly those of a load without this flag. */
	RULES_LOAD_DEFER_COMPILE = 1u << 0,
};

/* rules_load_dir() with flags, feeding every file's bytes to feed (NULL:
 * none). */
int rules_load_dir_flags(const char *dir, time_t today, unsigned flags, rules_feed_fn *feed,
                         void *feed_arg, struct filter_ruleset *ret, struct diag_list *errors,
                         struct diag_list *warnings);

/* After RULES_LOAD_DEFER_COMPILE: compile every pattern not compiled yet
 * and report those that do not compile exactly as the parser does
 * ("FILE:LINE: pattern does not compile: ..."), recording their groups
 * and keeping their code in pt->code (an engine built from rs gives it to
 * its code cache, to run the examples with: code_cache_offer());
 * or, trusted (these very bytes were compiled and checked by this same
 * program before), take them as compiled.  Returns 0 or 1 (errors). */
int rules_compile_deferred(struct filter_ruleset *rs, int trusted, struct diag_list *errors);

/* At least the number of capture groups of src (every '(' that may open
 * one): room enough in the match data without compiling src. */
uint32_t rules_capture_bound(const char *src);

#define RULES_MAX_FILE_SIZE (16u * 1024 * 1024)
#define RULES_MAX_LINE 65536

void filter_ruleset_clear(struct filter_ruleset *rs);

/* Move the rules' array, their ids, files, titles and statutes and their
 * arrays of patterns, excepts and validators into one block of exactly
 * the bytes filter_ruleset_memory() counts for them: an engine keeps
 * these for good, and parsed they lie between the pattern sources it
 * frees once built, each keeping a page of the heap resident
 * (docs/filter.md, "fifteenth round").  Sources, codes and examples stay
 * separately allocated (freed on their own: the engine's sources, the
 * examples after the check).  A packed rule set takes no more rules.
 * Returns 0 or -ENOMEM (rs unchanged). */
int filter_ruleset_pack(struct filter_ruleset *rs);

/* The instant a rule with `expires DAY` stops applying: the midnight that
 * ends DAY in Europe/Stockholm.  Returns 0 or -EINVAL for a bad date. */
int rules_expiry_instant(const char *day, time_t *ret);
