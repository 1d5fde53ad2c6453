/* Verdicts: what the filter engine says about one comment.
 *
 * A verdict owns copies of everything it holds (rule ids, the masked text),
 * so it outlives the engine that produced it (a reload may free the engine).
 * The JSON form is documented field by field in docs/filter.md; it is the
 * line format of `vaktctl filters scan --json`.
 */
#pragma once

#include <stdbool.h>
#include <stddef.h>

#include <cjson/cJSON.h>

#include "filter/rules.h"
#include "util/strbuf.h"

/* A byte range [start, end) of the original text (after utf8_sanitize(),
 * which leaves valid UTF-8 without NUL bytes unchanged). */
struct filter_span {
	size_t start, end;
};

/* One rule that matched. */
struct filter_hit {
	char *rule;
	char *title; /* the rule's title and statute: why it exists */
	char *statute;
	enum filter_category category;
	enum filter_tier tier;
	int severity;
	unsigned actions;          /* the rule's actions (not applied when shadow) */
	int shadow;                /* the rule is in shadow mode */
	struct filter_span *spans; /* in original offsets, in order found */
	size_t nspans;
};

/* One rule that could not be evaluated (a PCRE2 limit, out of memory). */
struct filter_error {
	char *rule;
	char *msg;
};

struct filter_verdict {
	/* From active (not shadow) hits only: */
	unsigned categories;   /* bit (1 << enum filter_category) */
	enum filter_tier tier; /* the highest; FILTER_TIER_NONE when clean */
	unsigned actions;      /* union of FILTER_ACT_* */
	int severity;          /* the highest; 0 when clean */

	struct filter_hit *hits; /* active and shadow, in rule order */
	size_t nhits;
	struct filter_error *errors;
	size_t nerrors;

	int truncated;    /* only the first `scanned` bytes were scanned */
	size_t input_len; /* bytes of input given */
	size_t scanned;   /* bytes of input scanned */
	char *text;       /* the scanned text, personal data masked */
	size_t nmasked;   /* number of masked spans (after merging) */
};

void filter_verdict_free(struct filter_verdict *v);

/* 1 when rule `id` is among the hits (active or shadow). */
bool filter_verdict_has_rule(const struct filter_verdict *v, const char *id);

/* Number of active (non-shadow) hits. */
size_t filter_verdict_active_hits(const struct filter_verdict *v);

/* The JSON object (caller frees with cJSON_Delete), NULL on ENOMEM. */
cJSON *filter_verdict_to_json(const struct filter_verdict *v);

/* Add "spans": [[start, end], …] (byte offsets in the original text) of one
 * hit to the object o; the one shape used by verdicts and the store. */
void filter_hit_add_spans(cJSON *o, const struct filter_hit *h);

/* One readable line, without newline:
 *   obvious sev=5 threat actions=hide,escalate rules=sv.threat.kill | TEXT
 * or "none | TEXT".  Returns 0 or -ENOMEM. */
int filter_verdict_summary(const struct filter_verdict *v, struct strbuf *out);
