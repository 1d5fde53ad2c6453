/* Shared by the tests of the shipped rule sets: load the files of
 * filters/ that a test owns (sorted, like the loader) into an engine, and
 * run their own examples. */
#pragma once

#include <dirent.h>
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "t.h"
#include "filter/engine.h"
#include "filter/examples.h"
#include "util/clock.h"

#define TRULES_DIR SRCDIR "/filters"

typedef int (*trules_owned_fn)(const char *file_name);

static inline int trules_cmp_str(const void *a, const void *b)
{
	return strcmp(*(char *const *)a, *(char *const *)b);
}

static inline int trules_load(trules_owned_fn owned, struct filter_ruleset *rs, size_t *ret_files)
{
	struct diag_list errs = { 0 }, warns = { 0 };
	char *names[64];
	size_t n = 0;
	int bad = 0;
	DIR *d = opendir(TRULES_DIR);

	if (!d)
		return -errno;
	for (struct dirent *de; (de = readdir(d)) && n < 64;)
		if (owned(de->d_name) && (names[n] = strdup(de->d_name)))
			n++;
	closedir(d);
	if (n)
		qsort(names, n, sizeof(names[0]), trules_cmp_str);
	for (size_t i = 0; i < n; i++) {
		char path[512];
		snprintf(path, sizeof(path), "%s/%s", TRULES_DIR, names[i]);
		if (rules_parse_file(rs, path, clock_now(), &errs, &warns) != 0)
			bad = 1;
		free(names[i]);
	}
	if (bad)
		diag_print(&errs, stdout);
	diag_list_clear(&errs);
	diag_list_clear(&warns);
	*ret_files = n;
	return bad ? -EINVAL : 0;
}

/* An engine over the owned files, or NULL (errors printed as TAP comments). */
static inline struct filter_engine *trules_engine(trules_owned_fn owned, int no_jit)
{
	struct filter_ruleset rs = { 0 };
	struct filter_options o;
	struct filter_engine *e = NULL;
	size_t files = 0;

	filter_options_default(&o);
	o.no_jit = no_jit;
	if (trules_load(owned, &rs, &files) != 0 || files == 0 ||
	    filter_engine_new(&rs, &o, &e) < 0) {
		filter_ruleset_clear(&rs);
		return NULL;
	}
	return e;
}

static inline void trules_print_fail(void *ctx, const struct filter_rule *r,
                                     const struct filter_example *ex, int expected_match,
                                     const struct filter_verdict *v)
{
	(void)ctx;
	(void)v;
	printf("#   %s:%u: %s: \"%s\" expected %s\n", r->file, ex->line, r->id, ex->text,
	       expected_match ? "match" : "no match");
}

/* Every example passes, the rule count is within [min, max], and every
 * rule has at least six examples on average. */
static inline void trules_check_examples(trules_owned_fn owned, int no_jit, size_t min_rules,
                                         size_t max_rules)
{
	struct filter_engine *e = trules_engine(owned, no_jit);
	size_t total = 0, failed = 0;

	T_ASSERT(e != NULL);
	if (!e)
		return;
	T_EQ_INT(0, filter_examples_run(e, trules_print_fail, NULL, &total, &failed));
	T_EQ_INT(0, failed);
	T_ASSERT(filter_engine_rule_count(e) >= min_rules);
	T_ASSERT(filter_engine_rule_count(e) <= max_rules);
	T_ASSERT(total >= 6 * filter_engine_rule_count(e));
	filter_engine_free(e);
}

/* Each unit repeated to 60,000 bytes and scanned with every rule (no
 * prefilter): no rule may hit a PCRE2 limit on it. */
static inline void trules_check_hostile(trules_owned_fn owned, int no_jit, const char *const *units,
                                        size_t nunits)
{
	struct filter_engine *e = trules_engine(owned, no_jit);
	size_t len = 60000;
	char *buf = malloc(len + 1);

	T_ASSERT(e != NULL && buf != NULL);
	if (!e || !buf) {
		filter_engine_free(e);
		free(buf);
		return;
	}
	for (size_t u = 0; u < nunits; u++) {
		size_t ul = strlen(units[u]), n = 0;
		while (n + ul <= len) {
			memcpy(buf + n, units[u], ul);
			n += ul;
		}
		buf[n] = '\0';
		struct filter_verdict *v = NULL;
		T_EQ_INT(0, filter_engine_scan(e, buf, n, FILTER_SCAN_NO_PREFILTER, &v));
		if (!v)
			continue;
		for (size_t k = 0; k < v->nerrors; k++)
			T_FAIL_("unit \"%s\": %s: %s", units[u], v->errors[k].rule,
			        v->errors[k].msg);
		filter_verdict_free(v);
	}
	free(buf);
	filter_engine_free(e);
}
