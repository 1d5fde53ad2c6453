/* The pipeline every fetched item goes through, in one direction:
 * store (raw item, every version) → filter → store (verdict) → deadline.
 *
 * Connectors hand items to pipeline_ingest(); a moderator's re-evaluation
 * (after a rule fix) goes through pipeline_evaluate().  Both are safe to
 * repeat: an unchanged item adds nothing, and clocks are started at most
 * once per item and kind, so a crash between the steps is repaired by the
 * next fetch.
 */
#pragma once

#include <stdbool.h>
#include <stdint.h>
#include <time.h>

#include "config/config.h"
#include "filter/engine.h"
#include "store/store.h"

/* The rule set the daemon filters with: the engine and the digest of the
 * rule files it was built from (recorded with every verdict). */
struct pipeline_rules {
	struct filter_engine *engine;
	char digest[17]; /* 16 hex digits of SHA-256 over the rule and lexicon files */
	/* Engine counters already written to rule_stats (pipeline_flush_stats). */
	struct filter_rule_stats *flushed;
	size_t examples;       /* examples the rule files hold */
	size_t examples_ran;   /* of them, run by the load or the last check */
	bool examples_checked; /* all passed: run here or proved before */
	bool vouched;          /* proved before: the store said so */
	size_t nrules;
	/* PIPELINE_RULES_DEFER_COMPILE: the rules parsed, their engine (NULL
	 * until then) built by pipeline_rules_check() */
	struct filter_ruleset pending;
	struct filter_options opt;
};

/* Load and compile every rule file of dir and run every rule's examples
 * (disable_after: PCRE2 limit hits that disable a rule, 0 never):
 * anything wrong is added to diags as file:line and -EINVAL returned.  On
 * success *ret owns a new rule set. */
int pipeline_rules_load(const char *dir, unsigned disable_after, struct pipeline_rules **ret,
                        struct diag_list *diags);

/* Flags of pipeline_rules_load_flags(). */
enum {
	/* Compile, but leave the examples to pipeline_rules_check(): the
	 * daemon's start and reload, where the store says whether they
	 * passed before.  Such a rule set filters nothing until checked. */
	PIPELINE_RULES_DEFER_EXAMPLES = 1u << 0,
	/* Parse only, and leave PCRE2's check of the patterns and the engine
	 * to pipeline_rules_check() as well: a rule set this vaktd checked
	 * before (the store knows its digest) is not compiled again
	 * (rules_compile_deferred()).  Errors other than a pattern's are
	 * reported here, a pattern's by the check, each as a load without
	 * this flag reports it.  engine is NULL until checked. */
	PIPELINE_RULES_DEFER_COMPILE = 1u << 1,
};
int pipeline_rules_load_flags(const char *dir, unsigned disable_after, unsigned flags,
                              struct pipeline_rules **ret, struct diag_list *diags);
/* The same at a given time (rules whose "expires" is before now do not
 * apply): what a thread other than the clock's owner calls. */
int pipeline_rules_load_at(const char *dir, unsigned disable_after, unsigned flags, time_t now,
                           struct pipeline_rules **ret, struct diag_list *diags);

/* Make sure every example of a deferred rule set passes before it is used.
 * When the store records that this rule set's examples passed on this
 * engine (pipeline_rules_engine_id()), nothing runs; otherwise every
 * example runs now and, when all pass, that is recorded.  A failed example
 * is added to diags as file:line and -EINVAL returned (the rule set stays
 * unusable); a store failure returns the store's code.  A checked rule set
 * returns 0 at once.  A rule set loaded with PIPELINE_RULES_DEFER_COMPILE
 * gets its engine here: its patterns compiled unless the store knows the
 * rule set (a pattern that does not compile is then added to diags and
 * -EINVAL returned). */
int pipeline_rules_check(struct pipeline_rules *pr, struct store *s, int64_t now,
                         struct diag_list *diags);

/* A rule set loaded with PIPELINE_RULES_DEFER_COMPILE and not checked,
 * whose engine is to be built elsewhere (on a thread, while pr serves the
 * loop): a new rule set that takes pr's parsed rules and options, to be
 * proved (pipeline_rules_prove()) and then used in pr's place.  pr keeps
 * its digest and counts and filters nothing.  0, -EINVAL (pr is checked
 * or has its engine) or -ENOMEM. */
int pipeline_rules_hand_over(struct pipeline_rules *pr, struct pipeline_rules **ret);

/* pipeline_rules_check() in its three steps, so that the long one can run
 * on a thread without the store (a reload, vaktd/reload.h):
 * - known: whether the store records that this rule set's examples passed
 *   on this engine (*ret_known 1), read on any connection to the store
 *   (a store_open_reader() one from another thread); 0 or the store's
 *   code;
 * - prove: the engine built and, unless known, every example run; 0,
 *   -EINVAL with the failures in diags, or another negative errno; it
 *   touches no store and no global state but the shared pattern caches,
 *   which lock;
 * - record: that the examples passed, when prove ran them; 0 or the
 *   store's code. */
int pipeline_rules_known(const struct pipeline_rules *pr, struct store *s, int *ret_known);
int pipeline_rules_prove(struct pipeline_rules *pr, int known, struct diag_list *diags);
int pipeline_rules_record(const struct pipeline_rules *pr, struct store *s, int64_t now);

/* What proves examples: vaktd's GNU build ID and PCRE2's version, e.g.
 * "build 3f2a… pcre2 10.42 2022-12-11".  -ENOENT when the program carries
 * no build ID (then every start runs the examples), -ENOSPC when buf is
 * short (128 bytes are enough). */
int pipeline_rules_engine_id(char *buf, size_t len);
void pipeline_rules_free(struct pipeline_rules *r);

struct pipeline_result {
	int64_t item_id;
	int64_t version_id;  /* 0 when the fetch changed nothing */
	int64_t verdict_id;  /* 0 when not evaluated */
	unsigned categories; /* of the verdict's active hits */
	enum filter_tier tier;
	unsigned actions;
	int clocks_started;    /* deadline clocks this call started */
	int clocks_met;        /* parent's respond clock met by our own reply */
	int64_t escalation_id; /* the escalation the verdict made or grew, 0 none */
	int actions_queued;    /* rows the verdict added to `actions` (act-queue.h) */
	/* Stored, not evaluated: the rules are not checked yet (their engine
	 * is being built); pipeline_repair() evaluates it once they are. */
	bool waiting;
};

/* Store a fetched item and, if it is new or changed, evaluate it (unless
 * the rules are not checked yet: then it waits, ret->waiting). */
int pipeline_ingest(struct store *s, struct pipeline_rules *rules, const struct config_account *acc,
                    const struct store_item_in *in, int64_t now, struct pipeline_result *ret);

/* Evaluate a stored item's latest version again (new verdict, clocks). */
int pipeline_evaluate(struct store *s, struct pipeline_rules *rules,
                      const struct config_account *acc, int64_t item_id, int64_t now,
                      struct pipeline_result *ret);

/* Evaluate every stored item whose latest version has no verdict (the
 * daemon stopped between storing and evaluating it, or stored it while
 * its rules were being built).  Items of accounts no longer configured
 * are left alone.  *ret_done counts evaluations. */
int pipeline_repair(struct store *s, struct pipeline_rules *rules, const struct config *cfg,
                    int64_t now, size_t *ret_done);
/* The same in slices: at most max items after *cursor (an item id; 0 to
 * begin), in one transaction, *cursor moved past each one looked at;
 * *ret_more says whether more may follow.  An item whose evaluation fails
 * is logged and passed over (it stays waiting); an error of the store or
 * of memory (also: two items failing and none going in) rolls the batch
 * back and leaves *cursor where it was.  What the daemon runs on its
 * loop. */
int pipeline_repair_some(struct store *s, struct pipeline_rules *rules, const struct config *cfg,
                         int64_t now, size_t max, int64_t *cursor, size_t *ret_done,
                         bool *ret_more);

/* Write the engine's per-rule counters accumulated since the last flush to
 * the store's rule_stats (one transaction). */
int pipeline_flush_stats(struct store *s, struct pipeline_rules *rules, int64_t now);
