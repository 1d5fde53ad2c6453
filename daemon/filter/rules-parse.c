/* The rule file parser: the .rules files of filters/ (docs/rule-format.md)
 * struct filter_ruleset, every mistake reported as file:line in one pass. */
#include <ctype.h>
#include <dirent.h>
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "filter/lexicon.h"
#include "filter/rules.h"
#include "filter/utf8.h"
#include "filter/validate.h"
#include "util/civil.h"
#include "util/readfile.h"

static const char *const category_names[FILTER_CAT_COUNT] = {
	"criminal",      "threat",       "harassment", "hate",
	"personal_data", "confidential", "question",   "spam",
};

static const char *const action_names[FILTER_ACT_COUNT] = {
	"hide", "delete", "review", "escalate", "respond", "mask", "log-only",
};

const char *filter_category_name(enum filter_category c)
{
	return (unsigned)c < FILTER_CAT_COUNT ? category_names[c] : "?";
}

const char *filter_tier_name(enum filter_tier t)
{
	switch (t) {
	case FILTER_TIER_OBVIOUS:
		return "obvious";
	case FILTER_TIER_POSSIBLE:
		return "possible";
	default:
		return "none";
	}
}

const char *filter_action_name(unsigned bit)
{
	for (unsigned i = 0; i < FILTER_ACT_COUNT; i++)
		if (bit == 1u << i)
			return action_names[i];
	return NULL;
}

/* Keys that may appear once, in the order of docs/rule-format.md. */
enum key {
	K_TITLE,
	K_CATEGORY,
	K_STATUTE,
	K_TIER,
	K_SEVERITY,
	K_ACTIONS,
	K_INPUT,
	K_LANG,
	K_MODE,
	K_EXPIRES,
	K_ONCE_COUNT,
	K_PATTERN = K_ONCE_COUNT,
	K_EXCEPT,
	K_VALIDATE,
	K_MATCH,
	K_NOMATCH,
	K_COUNT,
};

static const char *const key_names[K_COUNT] = {
	"title", "category", "statute", "tier",   "severity", "actions", "input",   "lang",
	"mode",  "expires",  "pattern", "except", "validate", "match",   "nomatch",
};

struct parser {
	struct filter_ruleset *rs;
	const char *name;
	time_t today;
	struct diag_list *errors, *warnings;
	const struct lexicon_set *lex; /* for @name in patterns; may be NULL */
	int defer_compile;             /* RULES_LOAD_DEFER_COMPILE */
	int failed;
	int nomem;
	int in_rule;
	size_t cur;                  /* index of the open rule in rs */
	unsigned seen[K_ONCE_COUNT]; /* line where each once-only key was seen */
};

#define perr(p, line, ...)                                                                         \
	do {                                                                                       \
		diag_add((p)->errors, (p)->name, (line), __VA_ARGS__);                             \
		(p)->failed = 1;                                                                   \
	} while (0)

static void pattern_free(struct filter_pattern *pt)
{
	free(pt->src);
	pcre2_code_free(pt->code);
}

/* What a packed rule's pool does not hold. */
static void rule_free_unpooled(struct filter_rule *r)
{
	for (size_t i = 0; i < r->npatterns; i++)
		pattern_free(&r->patterns[i]);
	for (size_t i = 0; i < r->nexcepts; i++)
		pattern_free(&r->excepts[i]);
	for (size_t i = 0; i < r->nmatches; i++)
		free(r->matches[i].text);
	free(r->matches);
	for (size_t i = 0; i < r->nnomatches; i++)
		free(r->nomatches[i].text);
	free(r->nomatches);
}

/* What a pool holds of a packed rule (filter_ruleset_pack()). */
static void rule_free_poolable(struct filter_rule *r)
{
	free(r->id);
	free(r->file);
	free(r->title);
	free(r->statute);
	free(r->patterns);
	free(r->excepts);
	free(r->validators);
}

/* An unpacked rule: the unpooled part and what a pool would hold. */
static void rule_free(struct filter_rule *r)
{
	rule_free_unpooled(r);
	rule_free_poolable(r);
	memset(r, 0, sizeof(*r));
}

void filter_ruleset_clear(struct filter_ruleset *rs)
{
	if (!rs)
		return;
	for (size_t i = 0; i < rs->n; i++) {
		if (rs->pool)
			rule_free_unpooled(&rs->v[i]);
		else
			rule_free(&rs->v[i]);
	}
	if (rs->pool)
		free(rs->pool);
	else
		free(rs->v);
	memset(rs, 0, sizeof(*rs));
}

/* Copy n bytes of src to *at, advancing it; the copy (NULL for none). */
static void *pool_put(char **at, const void *src, size_t n)
{
	void *d = *at;
	if (!n)
		return NULL; /* an empty array stays NULL, as parsed */
	memcpy(d, src, n);
	*at += n;
	return d;
}

static char *pool_str(char **at, const char *s)
{
	return s ? pool_put(at, s, strlen(s) + 1) : NULL;
}

static size_t str_size(const char *s)
{
	return s ? strlen(s) + 1 : 0;
}

int filter_ruleset_pack(struct filter_ruleset *rs)
{
	if (rs->pool || rs->n == 0)
		return 0;
	/* arrays first: each a multiple of its elements' alignment, so
	 * none needs padding after the one before */
	size_t arrays = rs->n * sizeof(*rs->v), strings = 0;
	for (size_t i = 0; i < rs->n; i++) {
		const struct filter_rule *r = &rs->v[i];
		arrays += (r->npatterns + r->nexcepts) * sizeof(*r->patterns) +
		          r->nvalidators * sizeof(*r->validators);
		strings += str_size(r->id) + str_size(r->file) + str_size(r->title) +
		           str_size(r->statute);
	}
	char *pool = malloc(arrays + strings), *at = pool;
	if (!pool)
		return -ENOMEM;
	struct filter_rule *v = pool_put(&at, rs->v, rs->n * sizeof(*rs->v));
	for (size_t i = 0; i < rs->n; i++) {
		struct filter_rule *r = &v[i];
		r->patterns = pool_put(&at, r->patterns, r->npatterns * sizeof(*r->patterns));
		r->excepts = pool_put(&at, r->excepts, r->nexcepts * sizeof(*r->excepts));
		r->validators =
		        pool_put(&at, r->validators, r->nvalidators * sizeof(*r->validators));
	}
	for (size_t i = 0; i < rs->n; i++) {
		struct filter_rule *r = &v[i];
		r->id = pool_str(&at, r->id);
		r->file = pool_str(&at, r->file);
		r->title = pool_str(&at, r->title);
		r->statute = pool_str(&at, r->statute);
	}
	/* the originals; what the copies still point at (sources, codes,
	 * examples) stays */
	for (size_t i = 0; i < rs->n; i++)
		rule_free_poolable(&rs->v[i]);
	free(rs->v);
	rs->v = v;
	rs->cap = rs->n;
	rs->pool = pool;
	rs->pool_size = arrays + strings; /* asked of malloc() */
	return 0;
}

/* Grow an array of `size`-byte elements by one; returns the new element
 * (zeroed) or NULL. */
static void *grow(void **v, size_t *n, size_t size)
{
	void *nv = realloc(*v, (*n + 1) * size);
	if (!nv)
		return NULL;
	*v = nv;
	memset((char *)nv + *n * size, 0, size);
	return (char *)nv + (*n)++ * size;
}

/* Day number of the last Sunday of month m in year y. */
static int64_t last_sunday(int y, unsigned m)
{
	int64_t last = civil_days_from_date(y, (int)m, civil_days_in_month(y, (int)m));
	return last - (civil_weekday(last) + 1) % 7; /* Sunday is weekday 6 */
}

int rules_expiry_instant(const char *day, time_t *ret)
{
	int y, m, d;
	char tail;
	if (strlen(day) != 10 || day[4] != '-' || day[7] != '-')
		return -EINVAL;
	for (int i = 0; i < 10; i++)
		if (i != 4 && i != 7 && !isdigit((unsigned char)day[i]))
			return -EINVAL;
	if (sscanf(day, "%4d-%2d-%2d%c", &y, &m, &d, &tail) != 3)
		return -EINVAL;
	if (y < 1970 || m < 1 || m > 12 || d < 1 || d > civil_days_in_month(y, m))
		return -EINVAL;
	/* The rule applies through DAY: it stops at local midnight starting
	 * the next day.  Europe/Stockholm is UTC+1, UTC+2 in summer time
	 * (last Sunday of March to last Sunday of October, switching at 01:00
	 * UTC, so at local midnight the day's own offset applies). */
	int64_t next = civil_days_from_date(y, m, d) + 1;
	int summer = next > last_sunday(y, 3) && next <= last_sunday(y, 10);
	*ret = (time_t)(next * 86400 - (summer ? 7200 : 3600));
	return 0;
}

static int valid_id(const char *s)
{
	if (!*s)
		return 0;
	for (; *s; s++)
		if (!(islower((unsigned char)*s) || isdigit((unsigned char)*s) || *s == '.' ||
		      *s == '_' || *s == '-'))
			return 0;
	return 1;
}

static struct filter_rule *cur_rule(struct parser *p)
{
	return &p->rs->v[p->cur];
}

/* PCRE2's verdict on one expanded pattern, as the parser reports it:
 * returns 0 and records the groups (and keeps the code in pt->code when
 * asked), or 1 after adding the error. */
static int compile_check(struct filter_pattern *pt, const char *file, const char *key, int keep,
                         struct diag_list *errors)
{
	int err;
	PCRE2_SIZE off;
	pt->code = pcre2_compile((PCRE2_SPTR)pt->src, PCRE2_ZERO_TERMINATED, FILTER_PCRE2_OPTIONS,
	                         &err, &off, NULL);
	if (!pt->code) {
		PCRE2_UCHAR msg[256];
		pcre2_get_error_message(err, msg, sizeof(msg));
		diag_add(errors, file, pt->line, "%s does not compile: %s at offset %zu", key,
		         (const char *)msg, (size_t)off);
		return 1;
	}
	int vn = pcre2_substring_number_from_name(pt->code, (PCRE2_SPTR) "v");
	pt->vgroup = vn > 0 ? vn : 0;
	pcre2_pattern_info(pt->code, PCRE2_INFO_CAPTURECOUNT, &pt->ncapture);
	pt->compiled = 1;
	if (!keep) {
		/* kept by no one: the engine compiles what runs (rules.h) */
		pcre2_code_free(pt->code);
		pt->code = NULL;
	}
	return 0;
}

/* Can src name a group "v" ((?<v>, (?'v', (?P<v>)?  Without one of these
 * texts it cannot, and its group "v" is 0 without compiling it. */
static int may_name_v(const char *src)
{
	return strstr(src, "<v>") || strstr(src, "'v'");
}

uint32_t rules_capture_bound(const char *src)
{
	uint32_t n = 0;
	/* Every capture group opens with an unescaped '(' followed by no '?'
	 * and no '*', or by (?<name>, (?'name' or (?P<name>.  Parentheses in
	 * classes, \Q...\E and comments are counted too: a bound, never less. */
	for (const char *s = src; (s = strpbrk(s, "\\(")); s++) {
		if (*s == '\\') {
			if (!*++s)
				break;
			continue;
		}
		if (s[1] != '?' && s[1] != '*')
			n++;
		else if (s[1] == '?' && ((s[2] == '<' && s[3] != '=' && s[3] != '!') ||
		                         s[2] == '\'' || (s[2] == 'P' && s[3] == '<')))
			n++;
	}
	return n;
}

static void compile_into(struct parser *p, struct filter_pattern *pt, const char *value,
                         unsigned line, const char *key)
{
	char unknown[64];
	pt->line = line;
	/* The source kept (and shown, cached, prefiltered) is the expanded one:
	 * everything after the parser sees plain PCRE2. */
	int r = lexicon_expand(p->lex, value, &pt->src, unknown, sizeof(unknown));
	if (r < 0) {
		p->nomem = 1;
		return;
	}
	if (r > 0) {
		perr(p, line, "%s refers to unknown lexicon '@%s' (no lexicon/%s.txt)", key,
		     unknown, unknown);
		return;
	}
	/* Deferred: rules_compile_deferred() checks it or takes it as checked.
	 * A pattern that may name group "v" is compiled now, for its number. */
	if (p->defer_compile && !may_name_v(pt->src)) {
		pt->ncapture = rules_capture_bound(pt->src);
		return;
	}
	if (compile_check(pt, p->name, key, 0, p->errors))
		p->failed = 1;
}

static void add_example(struct parser *p, struct filter_example **v, size_t *n, const char *value,
                        unsigned line)
{
	struct filter_example *ex = grow((void **)v, n, sizeof(**v));
	if (!ex || !(ex->text = strdup(value))) {
		p->nomem = 1;
		return;
	}
	ex->line = line;
}

static void parse_actions(struct parser *p, struct filter_rule *r, const char *value, unsigned line)
{
	char buf[256];
	unsigned acts = 0;
	if (strlen(value) >= sizeof(buf)) {
		perr(p, line, "actions: value too long");
		return;
	}
	snprintf(buf, sizeof(buf), "%s", value);
	for (char *save = NULL, *tok = strtok_r(buf, " \t", &save); tok;
	     tok = strtok_r(NULL, " \t", &save)) {
		unsigned i;
		for (i = 0; i < FILTER_ACT_COUNT; i++)
			if (strcmp(tok, action_names[i]) == 0)
				break;
		if (i == FILTER_ACT_COUNT)
			perr(p, line,
			     "unknown action '%s' (expected hide, delete, review, escalate, "
			     "respond, mask or log-only)",
			     tok);
		else
			acts |= 1u << i;
	}
	if (!acts)
		perr(p, line, "actions: at least one action is required");
	r->actions = acts;
}

/* The phases of one "key value" line of a rule: a once-only key is claimed
 * (claim_once), then the value is parsed by its key's setter. */

/* 1 if k may be set now; 0 after reporting it as a repeat. */
static int claim_once(struct parser *p, enum key k, unsigned line)
{
	if (k >= K_ONCE_COUNT)
		return 1;
	if (p->seen[k]) {
		perr(p, line, "duplicate key '%s' (first at line %u)", key_names[k], p->seen[k]);
		return 0;
	}
	p->seen[k] = line;
	return 1;
}

static void set_text(struct parser *p, char **dst, const char *value)
{
	if (!(*dst = strdup(value)))
		p->nomem = 1;
}

static void set_category(struct parser *p, struct filter_rule *r, const char *value, unsigned line)
{
	for (int i = 0; i < FILTER_CAT_COUNT; i++)
		if (strcmp(value, category_names[i]) == 0) {
			r->category = (enum filter_category)i;
			return;
		}
	perr(p, line,
	     "unknown category '%s' (expected criminal, threat, harassment, hate, "
	     "personal_data, confidential, question or spam)",
	     value);
	r->category = FILTER_CAT_COUNT; /* reported; skips the statute checks */
}

static void set_tier(struct parser *p, struct filter_rule *r, const char *value, unsigned line)
{
	if (strcmp(value, "obvious") == 0)
		r->tier = FILTER_TIER_OBVIOUS;
	else if (strcmp(value, "possible") == 0)
		r->tier = FILTER_TIER_POSSIBLE;
	else
		perr(p, line, "unknown tier '%s' (expected obvious or possible)", value);
}

static void set_severity(struct parser *p, struct filter_rule *r, const char *value, unsigned line)
{
	char *end;
	errno = 0;
	long v = strtol(value, &end, 10);
	if (errno || end == value || *end || v < 1 || v > 5)
		perr(p, line, "severity must be an integer from 1 to 5, not '%s'", value);
	else
		r->severity = (int)v;
}

static void set_input(struct parser *p, struct filter_rule *r, const char *value, unsigned line)
{
	if (strcmp(value, "normalized") == 0)
		r->input = FILTER_INPUT_NORMALIZED;
	else if (strcmp(value, "raw") == 0)
		r->input = FILTER_INPUT_RAW;
	else
		perr(p, line, "unknown input '%s' (expected normalized or raw)", value);
}

static void set_lang(struct parser *p, struct filter_rule *r, const char *value, unsigned line)
{
	if (strcmp(value, "sv") == 0 || strcmp(value, "en") == 0 || strcmp(value, "any") == 0)
		snprintf(r->lang, sizeof(r->lang), "%s", value);
	else
		perr(p, line, "unknown lang '%s' (expected sv, en or any)", value);
}

static void set_mode(struct parser *p, struct filter_rule *r, const char *value, unsigned line)
{
	if (strcmp(value, "active") == 0)
		r->mode = FILTER_MODE_ACTIVE;
	else if (strcmp(value, "shadow") == 0)
		r->mode = FILTER_MODE_SHADOW;
	else
		perr(p, line, "unknown mode '%s' (expected active or shadow)", value);
}

static void set_expires(struct parser *p, struct filter_rule *r, const char *value, unsigned line)
{
	if (rules_expiry_instant(value, &r->expires_at) < 0) {
		perr(p, line, "expires must be a date YYYY-MM-DD, not '%s'", value);
		return;
	}
	snprintf(r->expires, sizeof(r->expires), "%s", value);
	if (r->expires_at <= p->today)
		diag_add(p->warnings, p->name, line,
		         "warning: rule '%s' expired on %s and is not applied", r->id, value);
}

/* pattern and except: one more compiled pattern. */
static void add_pattern(struct parser *p, struct filter_rule *r, enum key k, const char *value,
                        unsigned line)
{
	struct filter_pattern *pt =
	        k == K_PATTERN ? grow((void **)&r->patterns, &r->npatterns, sizeof(*pt))
	                       : grow((void **)&r->excepts, &r->nexcepts, sizeof(*pt));
	if (!pt)
		p->nomem = 1;
	else
		compile_into(p, pt, value, line, key_names[k]);
}

static void add_validator(struct parser *p, struct filter_rule *r, const char *value, unsigned line)
{
	const struct validator *vd = validate_lookup(value);
	const struct validator **slot;
	if (!vd) {
		perr(p, line, "unknown validator '%s'", value);
		return;
	}
	slot = grow((void **)&r->validators, &r->nvalidators, sizeof(*slot));
	if (!slot)
		p->nomem = 1;
	else
		*slot = vd;
}

static void set_key(struct parser *p, enum key k, const char *value, unsigned line)
{
	struct filter_rule *r = cur_rule(p);

	if (!claim_once(p, k, line))
		return;
	switch (k) {
	case K_TITLE:
		set_text(p, &r->title, value);
		break;
	case K_STATUTE:
		set_text(p, &r->statute, value);
		break;
	case K_CATEGORY:
		set_category(p, r, value, line);
		break;
	case K_TIER:
		set_tier(p, r, value, line);
		break;
	case K_SEVERITY:
		set_severity(p, r, value, line);
		break;
	case K_ACTIONS:
		parse_actions(p, r, value, line);
		break;
	case K_INPUT:
		set_input(p, r, value, line);
		break;
	case K_LANG:
		set_lang(p, r, value, line);
		break;
	case K_MODE:
		set_mode(p, r, value, line);
		break;
	case K_EXPIRES:
		set_expires(p, r, value, line);
		break;
	case K_PATTERN:
	case K_EXCEPT:
		add_pattern(p, r, k, value, line);
		break;
	case K_VALIDATE:
		add_validator(p, r, value, line);
		break;
	case K_MATCH:
		add_example(p, &r->matches, &r->nmatches, value, line);
		break;
	case K_NOMATCH:
		add_example(p, &r->nomatches, &r->nnomatches, value, line);
		break;
	default:
		break;
	}
}

/* Checks that need the whole rule. */
static void finish_rule(struct parser *p)
{
	struct filter_rule *r = cur_rule(p);
	static const enum key required[] = { K_TITLE, K_CATEGORY, K_STATUTE,
		                             K_TIER,  K_SEVERITY, K_ACTIONS };

	for (size_t i = 0; i < sizeof(required) / sizeof(required[0]); i++)
		if (!p->seen[required[i]])
			perr(p, r->line, "rule '%s': missing required key '%s'", r->id,
			     key_names[required[i]]);
	if (r->npatterns == 0)
		perr(p, r->line, "rule '%s': missing required key 'pattern'", r->id);
	if (r->nmatches < 3)
		perr(p, r->line, "rule '%s': %zu 'match' example%s, at least 3 are required", r->id,
		     r->nmatches, r->nmatches == 1 ? "" : "s");
	if (r->nnomatches < 3)
		perr(p, r->line, "rule '%s': %zu 'nomatch' example%s, at least 3 are required",
		     r->id, r->nnomatches, r->nnomatches == 1 ? "" : "s");
	if (r->statute && p->seen[K_CATEGORY] &&
	    (r->category == FILTER_CAT_CRIMINAL || r->category == FILTER_CAT_THREAT)) {
		/* Some part (separated by ';') must be more than
		 * "kommentarsregler". */
		int named = 0;
		char *dup = strdup(r->statute);
		if (!dup) {
			p->nomem = 1;
			return;
		}
		for (char *save = NULL, *t = strtok_r(dup, ";", &save); t;
		     t = strtok_r(NULL, ";", &save)) {
			while (isspace((unsigned char)*t))
				t++;
			size_t n = strlen(t);
			while (n && isspace((unsigned char)t[n - 1]))
				t[--n] = '\0';
			if (n && strcasecmp(t, "kommentarsregler") != 0)
				named = 1;
		}
		free(dup);
		if (!named)
			perr(p, p->seen[K_STATUTE],
			     "rule '%s': a %s rule must name the statute it serves, not only "
			     "kommentarsregler",
			     r->id, filter_category_name(r->category));
	}
	if (r->statute && r->category == FILTER_CAT_HARASSMENT && p->seen[K_CATEGORY] &&
	    !strcasestr(r->statute, "kommentarsregler"))
		perr(p, p->seen[K_STATUTE],
		     "rule '%s': a harassment rule must name 'kommentarsregler' (1998:112 5 § does "
		     "not cover it)",
		     r->id);
	p->in_rule = 0;
}

static void start_rule(struct parser *p, const char *id, unsigned line)
{
	struct filter_rule *r;

	if (!valid_id(id))
		perr(p, line, "invalid rule id '%s' (allowed: a-z 0-9 . _ -)", id);
	for (size_t i = 0; i < p->rs->n; i++)
		if (strcmp(p->rs->v[i].id, id) == 0) {
			perr(p, line, "duplicate rule id '%s' (first defined at %s:%u)", id,
			     p->rs->v[i].file, p->rs->v[i].line);
			break;
		}
	if (p->rs->n == p->rs->cap) {
		size_t cap = p->rs->cap ? p->rs->cap * 2 : 32;
		struct filter_rule *v = realloc(p->rs->v, cap * sizeof(*v));
		if (!v) {
			p->nomem = 1;
			return;
		}
		p->rs->v = v;
		p->rs->cap = cap;
	}
	r = &p->rs->v[p->rs->n];
	memset(r, 0, sizeof(*r));
	r->id = strdup(id);
	r->file = strdup(p->name);
	if (!r->id || !r->file) {
		rule_free(r);
		p->nomem = 1;
		return;
	}
	r->line = line;
	r->severity = 1;
	snprintf(r->lang, sizeof(r->lang), "any");
	p->cur = p->rs->n++;
	p->in_rule = 1;
	memset(p->seen, 0, sizeof(p->seen));
}

static void parse_line(struct parser *p, char *s, unsigned line)
{
	char *key, *value;
	size_t n = strlen(s);

	while (n && isspace((unsigned char)s[n - 1]))
		s[--n] = '\0';
	while (*s == ' ' || *s == '\t')
		s++;
	if (!*s || *s == '#')
		return;
	key = s;
	while (*s && *s != ' ' && *s != '\t')
		s++;
	if (*s) {
		*s++ = '\0';
		while (*s == ' ' || *s == '\t')
			s++;
	}
	value = s;

	if (strcmp(key, "rule") == 0) {
		if (p->in_rule) {
			perr(p, cur_rule(p)->line, "rule '%s' has no 'end' before line %u",
			     cur_rule(p)->id, line);
			finish_rule(p);
		}
		if (!*value) {
			perr(p, line, "'rule' needs an id");
			value = "(unnamed)";
		}
		start_rule(p, value, line);
		return;
	}
	if (!p->in_rule) {
		if (strcmp(key, "end") == 0)
			perr(p, line, "'end' outside a rule");
		else
			perr(p, line, "expected 'rule ID', found '%s'", key);
		return;
	}
	if (strcmp(key, "end") == 0) {
		if (*value)
			perr(p, line, "'end' takes no value");
		finish_rule(p);
		return;
	}
	for (int k = 0; k < K_COUNT; k++)
		if (strcmp(key, key_names[k]) == 0) {
			if (!*value)
				perr(p, line, "key '%s' needs a value", key);
			else
				set_key(p, (enum key)k, value, line);
			return;
		}
	perr(p, line, "unknown key '%s'", key);
}

static int valid_utf8(const char *s, size_t len)
{
	size_t pos = 0;
	while (pos < len) {
		/* ASCII other than NUL, nearly every byte of a rule file, is
		 * valid as it is (a call per byte was 2 % of vaktd's start) */
		if ((unsigned char)s[pos] - 1u < 0x7Fu) {
			pos++;
			continue;
		}
		size_t start = pos;
		uint32_t cp = utf8_next(s, len, &pos);
		/* A literal U+FFFD is three bytes; anything shorter that decodes to
		 * it is a truncated sequence (and may end the buffer). */
		if (cp == UTF8_REPLACEMENT &&
		    (pos - start != 3 || memcmp(s + start, "\xEF\xBF\xBD", 3) != 0))
			return 0;
		if (cp == 0)
			return 0;
	}
	return 1;
}

int rules_parse_buffer(struct filter_ruleset *rs, const char *name, const char *buf, size_t len,
                       time_t today, struct diag_list *errors, struct diag_list *warnings)
{
	return rules_parse_buffer_lex(rs, NULL, name, buf, len, today, errors, warnings);
}

static int parse_buffer(struct filter_ruleset *rs, const struct lexicon_set *lex, const char *name,
                        const char *buf, size_t len, time_t today, int defer_compile,
                        struct diag_list *errors, struct diag_list *warnings)
{
	struct parser p = { .rs = rs,
		            .name = name,
		            .today = today,
		            .errors = errors,
		            .warnings = warnings,
		            .lex = lex,
		            .defer_compile = defer_compile };
	char *line = malloc(RULES_MAX_LINE + 1);
	unsigned lineno = 0;
	size_t pos = 0, first_diag = errors->n;

	if (!line)
		return -ENOMEM;
	while (pos < len && !p.nomem) {
		const char *nl = memchr(buf + pos, '\n', len - pos);
		size_t n = nl ? (size_t)(nl - (buf + pos)) : len - pos;
		lineno++;
		if (n > RULES_MAX_LINE) {
			perr(&p, lineno, "line longer than %u bytes", RULES_MAX_LINE);
		} else if (!valid_utf8(buf + pos, n)) {
			perr(&p, lineno, "line is not valid UTF-8 (or contains a NUL byte)");
		} else {
			memcpy(line, buf + pos, n);
			line[n] = '\0';
			parse_line(&p, line, lineno);
		}
		pos += n + (nl ? 1 : 0);
	}
	if (p.in_rule && !p.nomem) {
		perr(&p, cur_rule(&p)->line, "rule '%s' has no 'end' before the end of the file",
		     cur_rule(&p)->id);
		finish_rule(&p);
	}
	free(line);
	/* Checks of a whole rule run at its end; list this file's errors in
	 * line order (a stable insertion sort: few entries). */
	for (size_t i = first_diag + 1; i < errors->n; i++) {
		struct diag d = errors->v[i];
		size_t j = i;
		while (j > first_diag && errors->v[j - 1].line > d.line) {
			errors->v[j] = errors->v[j - 1];
			j--;
		}
		errors->v[j] = d;
	}
	if (p.nomem)
		return -ENOMEM;
	return p.failed ? 1 : 0;
}

int rules_parse_buffer_lex(struct filter_ruleset *rs, const struct lexicon_set *lex,
                           const char *name, const char *buf, size_t len, time_t today,
                           struct diag_list *errors, struct diag_list *warnings)
{
	return parse_buffer(rs, lex, name, buf, len, today, 0, errors, warnings);
}

static int parse_file_lex(struct filter_ruleset *rs, const struct lexicon_set *lex,
                          const char *path, time_t today, struct diag_list *errors,
                          struct diag_list *warnings)
{
	char *buf = NULL;
	size_t len = 0;
	/* Never blocks on a FIFO, takes only a regular file, at most
	 * RULES_MAX_FILE_SIZE bytes (a link to /dev/zero ends there). */
	int r = readfile_regular(path, RULES_MAX_FILE_SIZE, &buf, &len);
	if (r == -EFBIG) {
		diag_add(errors, path, 0, "larger than %u bytes", RULES_MAX_FILE_SIZE);
		return r;
	}
	if (r < 0) {
		diag_add(errors, path, 0, "cannot open: %s", readfile_strerror(r));
		return r;
	}
	r = rules_parse_buffer_lex(rs, lex, path, buf, len, today, errors, warnings);
	free(buf);
	return r;
}

/* The lexicons of the directory that holds the rule files (DIR/lexicon),
 * each file's bytes given to feed (may be NULL). */
static int load_lexicons(const char *dir, struct lexicon_set *lex, rules_feed_fn *feed,
                         void *feed_arg, struct diag_list *errors)
{
	char *ldir = NULL;
	if (asprintf(&ldir, "%s/lexicon", dir) < 0)
		return -ENOMEM;
	int r = lexicon_load_dir_feed(ldir, lex, feed, feed_arg, errors);
	if (r < 0 && r != -ENOMEM)
		diag_add(errors, ldir, 0, "cannot open lexicon directory: %s", strerror(-r));
	free(ldir);
	return r;
}

int rules_parse_file(struct filter_ruleset *rs, const char *path, time_t today,
                     struct diag_list *errors, struct diag_list *warnings)
{
	struct lexicon_set lex = { 0 };
	const char *slash = strrchr(path, '/');
	char *dir = slash ? strndup(path, (size_t)(slash - path)) : strdup(".");
	if (!dir)
		return -ENOMEM;
	int r = load_lexicons(dir, &lex, NULL, NULL, errors);
	free(dir);
	if (r == 0)
		r = parse_file_lex(rs, &lex, path, today, errors, warnings);
	lexicon_set_clear(&lex);
	return r;
}

static int cmp_str(const void *a, const void *b)
{
	return strcmp(*(char *const *)a, *(char *const *)b);
}

/* One rule file as read: its path, and its bytes or the error reading it. */
struct rules_file {
	char *path;
	char *buf;
	size_t len;
	int err;
};

/* Read every *.rules file of dir, in byte-wise order of their names, each
 * read once: what is fed to the digest is what is parsed. */
static int read_rule_files(const char *dir, rules_feed_fn *feed, void *feed_arg,
                           struct rules_file **ret, size_t *ret_n, struct diag_list *errors)
{
	struct rules_file *v = NULL;
	size_t n = 0, cap = 0;
	int r = 0;
	DIR *d = opendir(dir);
	struct dirent *de;

	if (!d) {
		r = -errno;
		diag_add(errors, dir, 0, "cannot open rules directory: %s", strerror(-r));
		return r;
	}
	while ((de = readdir(d))) {
		size_t len = strlen(de->d_name);
		if (de->d_name[0] == '.' || len < 7 || strcmp(de->d_name + len - 6, ".rules") != 0)
			continue;
		if (n == cap) {
			cap = cap ? cap * 2 : 16;
			struct rules_file *nv = realloc(v, cap * sizeof(*nv));
			if (!nv) {
				r = -ENOMEM;
				break;
			}
			v = nv;
		}
		memset(&v[n], 0, sizeof(v[n]));
		if (asprintf(&v[n].path, "%s/%s", dir, de->d_name) < 0) {
			r = -ENOMEM;
			break;
		}
		n++;
	}
	closedir(d);
	if (r == 0 && n)
		qsort(v, n, sizeof(*v), cmp_str); /* path is the first member */
	for (size_t i = 0; i < n && r == 0; i++) {
		/* Never blocks on a FIFO, takes only a regular file, at most
		 * RULES_MAX_FILE_SIZE bytes (a link to /dev/zero ends there). */
		v[i].err = readfile_regular(v[i].path, RULES_MAX_FILE_SIZE, &v[i].buf, &v[i].len);
		if (v[i].err == -ENOMEM)
			r = -ENOMEM;
		else if (v[i].err == 0 && feed)
			feed(feed_arg, strrchr(v[i].path, '/') + 1, v[i].buf, v[i].len);
	}
	*ret = v;
	*ret_n = n;
	return r;
}

static void free_rule_files(struct rules_file *v, size_t n)
{
	for (size_t i = 0; i < n; i++) {
		free(v[i].path);
		free(v[i].buf);
	}
	free(v);
}

/* Parse the files read; 0, 1 (errors) or -ENOMEM. */
static int parse_rule_files(struct filter_ruleset *rs, const struct lexicon_set *lex,
                            const struct rules_file *v, size_t n, time_t today, int defer,
                            struct diag_list *errors, struct diag_list *warnings)
{
	int failed = 0;
	for (size_t i = 0; i < n; i++) {
		int fr;
		if (v[i].err == -EFBIG) {
			diag_add(errors, v[i].path, 0, "larger than %u bytes", RULES_MAX_FILE_SIZE);
			fr = 1;
		} else if (v[i].err < 0) {
			diag_add(errors, v[i].path, 0, "cannot open: %s",
			         readfile_strerror(v[i].err));
			fr = 1;
		} else {
			fr = parse_buffer(rs, lex, v[i].path, v[i].buf, v[i].len, today, defer,
			                  errors, warnings);
		}
		if (fr == -ENOMEM)
			return fr;
		if (fr != 0)
			failed = 1;
	}
	return failed;
}

/* The lexicons and the rule files parsed; 0, 1 (errors) or -ENOMEM. */
static int parse_all(const char *dir, struct lexicon_set *lex, rules_feed_fn *feed, void *feed_arg,
                     struct filter_ruleset *rs, const struct rules_file *files, size_t n,
                     time_t today, int defer, struct diag_list *errors, struct diag_list *warnings)
{
	int failed = 0;
	int r = load_lexicons(dir, lex, feed, feed_arg, errors);
	if (r < 0)
		return r;
	/* Every rule file is still checked, with the lexicons that parsed. */
	failed = r > 0;
	r = parse_rule_files(rs, lex, files, n, today, defer, errors, warnings);
	return r < 0 ? r : (r || failed);
}

int rules_load_dir_flags(const char *dir, time_t today, unsigned flags, rules_feed_fn *feed,
                         void *feed_arg, struct filter_ruleset *ret, struct diag_list *errors,
                         struct diag_list *warnings)
{
	struct filter_ruleset rs = { 0 };
	struct lexicon_set lex = { 0 };
	struct diag_list errs = { 0 }, warns = { 0 };
	struct rules_file *files = NULL;
	size_t n = 0;
	int defer = (flags & RULES_LOAD_DEFER_COMPILE) != 0;

	int r = read_rule_files(dir, feed, feed_arg, &files, &n, errors);
	if (r < 0)
		goto out;
	r = parse_all(dir, &lex, feed, feed_arg, &rs, files, n, today, defer,
	              defer ? &errs : errors, defer ? &warns : warnings);
	if (r == 1 && defer) {
		/* Broken rules are reported as a load that compiles everything
		 * reports them: every error, in file and line order. */
		filter_ruleset_clear(&rs);
		lexicon_set_clear(&lex);
		r = parse_all(dir, &lex, NULL, NULL, &rs, files, n, today, 0, errors, warnings);
	} else if (defer) {
		diag_move(errors, &errs);
		diag_move(warnings, &warns);
	}
	if (r != 0)
		goto out;
	*ret = rs;
	memset(&rs, 0, sizeof(rs));
out:
	diag_list_clear(&errs);
	diag_list_clear(&warns);
	free_rule_files(files, n);
	filter_ruleset_clear(&rs);
	lexicon_set_clear(&lex);
	return r;
}

int rules_load_dir(const char *dir, time_t today, struct filter_ruleset *ret,
                   struct diag_list *errors, struct diag_list *warnings)
{
	return rules_load_dir_flags(dir, today, 0, NULL, NULL, ret, errors, warnings);
}

/* The patterns of a rule in line order: the order the parser reported
 * their errors in. */
static struct filter_pattern *next_by_line(struct filter_rule *r, size_t *ip, size_t *ie,
                                           const char **key)
{
	int pat = *ip < r->npatterns &&
	          (*ie >= r->nexcepts || r->patterns[*ip].line <= r->excepts[*ie].line);
	if (pat) {
		*key = "pattern";
		return &r->patterns[(*ip)++];
	}
	if (*ie < r->nexcepts) {
		*key = "except";
		return &r->excepts[(*ie)++];
	}
	return NULL;
}

int rules_compile_deferred(struct filter_ruleset *rs, int trusted, struct diag_list *errors)
{
	int failed = 0;
	for (size_t i = 0; i < rs->n; i++) {
		struct filter_rule *r = &rs->v[i];
		size_t ip = 0, ie = 0;
		const char *key;
		for (struct filter_pattern *pt; (pt = next_by_line(r, &ip, &ie, &key));) {
			if (pt->compiled)
				continue;
			if (trusted)
				pt->compiled = 1;
			else
				failed |= compile_check(pt, r->file, key, 1, errors);
		}
	}
	return failed;
}
